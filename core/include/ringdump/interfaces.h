// SPDX-License-Identifier: BSD-2-Clause
// The network interfaces of the current network namespace, as a capture needs to know them.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ringdump/ip_prefix.h"

namespace ringdump {

struct InterfaceInfo {
    std::string name;
    unsigned index = 0;
    unsigned flags = 0;        // IFF_* from <net/if.h>
    std::uint16_t arphrd = 0;  // ARPHRD_* device type
    std::optional<std::array<std::uint8_t, 6>> mac;
    std::vector<IpPrefix> addresses;  // IPv4 first, then IPv6, in kernel order

    bool is_up() const;
    bool is_running() const;
    bool is_loopback() const;
    // LINKTYPE of frames captured here with AF_PACKET, 0 if ringdump's own backends do not
    // handle the device type.
    std::uint16_t link_type() const;
    // "up, running, loopback" style summary of the flags that matter for capture.
    std::string flag_summary() const;
};

// All interfaces, ordered by index. Uses getifaddrs (one netlink dump), no side effects.
std::vector<InterfaceInfo> list_interfaces();

std::optional<InterfaceInfo> find_interface(std::string_view name);

}  // namespace ringdump
