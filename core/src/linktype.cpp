// SPDX-License-Identifier: BSD-2-Clause
#include "ringdump/linktype.h"

#include <linux/if_arp.h>
#include <pcap/pcap.h>

namespace ringdump {

std::uint16_t linktype_for_arphrd(std::uint16_t arphrd) {
    switch (arphrd) {
        case ARPHRD_ETHER:
        // The loopback device carries a dummy Ethernet header (zero MAC addresses).
        case ARPHRD_LOOPBACK:
            return kLinktypeEthernet;
        // Devices without a link-layer header: the kernel's dev_is_mac_header_xmit() list.
        // AF_PACKET hands out their frames starting at the IP header.
        case ARPHRD_NONE:     // tun, WireGuard
        case ARPHRD_RAWIP:    // e.g. rmnet, some LTE modems
        case ARPHRD_TUNNEL:   // ipip
        case ARPHRD_TUNNEL6:  // ip6tnl
        case ARPHRD_SIT:      // sit (IPv6 in IPv4)
            return kLinktypeRaw;
        default:
            // GRE devices may or may not carry an outer header depending on their
            // configuration; PPP and the rest have their own link types. libpcap knows them.
            return 0;
    }
}

std::uint16_t linktype_for_dlt(int dlt) {
    switch (dlt) {
        // DLT_RAW is 12 on Linux (14 on some BSDs); the file format has one value for it.
        case DLT_RAW:
        case 14:
            return kLinktypeRaw;
        default:
            // Every DLT from 104 up, and Ethernet, share their value with the LINKTYPE.
            return static_cast<std::uint16_t>(dlt);
    }
}

int dlt_for_linktype(std::uint16_t linktype) {
    return linktype == kLinktypeRaw ? DLT_RAW : static_cast<int>(linktype);
}

std::string_view linktype_name(std::uint16_t linktype) {
    switch (linktype) {
        case kLinktypeEthernet:
            return "EN10MB";
        case kLinktypeRaw:
            return "RAW";
        default: {
            const char* name = ::pcap_datalink_val_to_name(dlt_for_linktype(linktype));
            return name ? name : "UNKNOWN";
        }
    }
}

std::string_view linktype_description(std::uint16_t linktype) {
    switch (linktype) {
        case kLinktypeEthernet:
            return "Ethernet";
        case kLinktypeRaw:
            return "Raw IP";
        default: {
            const char* text = ::pcap_datalink_val_to_description(dlt_for_linktype(linktype));
            return text ? text : "unknown link type";
        }
    }
}

}  // namespace ringdump
