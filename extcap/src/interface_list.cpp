// SPDX-License-Identifier: BSD-2-Clause
#include "interface_list.h"

#include <cstdio>

#include "ringdump/linktype.h"

namespace ringdump::app {

std::string interface_list_text(const std::vector<InterfaceInfo>& interfaces) {
    std::string text;
    int number = 0;
    for (const InterfaceInfo& info : interfaces) {
        text += std::to_string(++number) + ". " + info.name + " [" + info.flag_summary() + "] ";
        const std::uint16_t link_type = info.link_type();
        text += link_type != 0 ? std::string(linktype_name(link_type))
                               : "ARPHRD " + std::to_string(info.arphrd) + " (via libpcap)";
        if (info.mac) {
            char mac[18];
            std::snprintf(mac, sizeof mac, "%02x:%02x:%02x:%02x:%02x:%02x", (*info.mac)[0],
                          (*info.mac)[1], (*info.mac)[2], (*info.mac)[3], (*info.mac)[4],
                          (*info.mac)[5]);
            text += std::string(" ") + mac;
        }
        text += '\n';
        for (const IpPrefix& prefix : info.addresses) {
            text += std::string(prefix.is_ipv4() ? "    inet  " : "    inet6 ") +
                    prefix.to_string() + '\n';
        }
    }
    return text;
}

}  // namespace ringdump::app
