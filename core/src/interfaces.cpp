// SPDX-License-Identifier: BSD-2-Clause
#include "ringdump/interfaces.h"

#include <ifaddrs.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cstring>
#include <map>

#include "ringdump/error.h"
#include "ringdump/linktype.h"

namespace ringdump {
namespace {

std::uint8_t prefix_length(const std::uint8_t* mask, std::size_t size) {
    int bits = 0;
    for (std::size_t i = 0; i < size; ++i)
        bits += std::popcount(mask[i]);
    return static_cast<std::uint8_t>(bits);
}

std::optional<IpPrefix> prefix_of(const ifaddrs& entry) {
    if (entry.ifa_addr == nullptr) return std::nullopt;
    IpPrefix prefix;
    if (entry.ifa_addr->sa_family == AF_INET) {
        const auto* address = reinterpret_cast<const sockaddr_in*>(entry.ifa_addr);
        prefix.family = IpPrefix::Family::ipv4;
        std::memcpy(prefix.address.data(), &address->sin_addr, 4);
        if (entry.ifa_netmask != nullptr) {
            const auto* mask = reinterpret_cast<const sockaddr_in*>(entry.ifa_netmask);
            prefix.length =
                prefix_length(reinterpret_cast<const std::uint8_t*>(&mask->sin_addr), 4);
        } else {
            prefix.length = 32;
        }
        return prefix;
    }
    if (entry.ifa_addr->sa_family == AF_INET6) {
        const auto* address = reinterpret_cast<const sockaddr_in6*>(entry.ifa_addr);
        prefix.family = IpPrefix::Family::ipv6;
        std::memcpy(prefix.address.data(), &address->sin6_addr, 16);
        if (entry.ifa_netmask != nullptr) {
            const auto* mask = reinterpret_cast<const sockaddr_in6*>(entry.ifa_netmask);
            prefix.length =
                prefix_length(reinterpret_cast<const std::uint8_t*>(&mask->sin6_addr), 16);
        } else {
            prefix.length = 128;
        }
        return prefix;
    }
    return std::nullopt;
}

// Device type of an interface that getifaddrs gave no link-layer entry for: glibc makes that
// entry only from IFLA_ADDRESS, which devices without a hardware address (tun, WireGuard,
// ipip) do not have. SIOCGIFHWADDR reports dev->type for every device, unprivileged.
std::uint16_t device_type(const std::string& name) {
    const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return 0;
    ifreq request{};
    name.copy(request.ifr_name, IFNAMSIZ - 1);
    const int status = ::ioctl(fd, SIOCGIFHWADDR, &request);
    ::close(fd);
    return status == 0 ? request.ifr_hwaddr.sa_family : 0;
}

}  // namespace

bool InterfaceInfo::is_up() const {
    return (flags & IFF_UP) != 0;
}
bool InterfaceInfo::is_running() const {
    return (flags & IFF_RUNNING) != 0;
}
bool InterfaceInfo::is_loopback() const {
    return (flags & IFF_LOOPBACK) != 0;
}
std::uint16_t InterfaceInfo::link_type() const {
    return linktype_for_arphrd(arphrd);
}

std::string InterfaceInfo::flag_summary() const {
    std::string summary = is_up() ? "up" : "down";
    if (is_running()) summary += ", running";
    if (is_loopback()) summary += ", loopback";
    if ((flags & IFF_PROMISC) != 0) summary += ", promiscuous";
    return summary;
}

std::vector<InterfaceInfo> list_interfaces() {
    ifaddrs* head = nullptr;
    if (::getifaddrs(&head) != 0) {
        throw Error(ErrorKind::system, "cannot list interfaces: " + errno_text(errno));
    }
    std::map<std::string, InterfaceInfo> by_name;
    // Addresses come after the AF_PACKET entry of their interface, so collect them in two passes
    // to keep IPv4 before IPv6 whatever the kernel's order.
    for (const ifaddrs* entry = head; entry != nullptr; entry = entry->ifa_next) {
        if (entry->ifa_name == nullptr) continue;
        InterfaceInfo& info = by_name[entry->ifa_name];
        info.name = entry->ifa_name;
        info.flags = entry->ifa_flags;
        if (entry->ifa_addr != nullptr && entry->ifa_addr->sa_family == AF_PACKET) {
            const auto* link = reinterpret_cast<const sockaddr_ll*>(entry->ifa_addr);
            info.index = static_cast<unsigned>(link->sll_ifindex);
            info.arphrd = link->sll_hatype;
            if (link->sll_halen == 6) {
                std::array<std::uint8_t, 6> mac{};
                std::memcpy(mac.data(), link->sll_addr, 6);
                info.mac = mac;
            }
        }
    }
    for (int family : {AF_INET, AF_INET6}) {
        for (const ifaddrs* entry = head; entry != nullptr; entry = entry->ifa_next) {
            if (entry->ifa_name == nullptr || entry->ifa_addr == nullptr ||
                entry->ifa_addr->sa_family != family) {
                continue;
            }
            if (auto prefix = prefix_of(*entry)) {
                by_name[entry->ifa_name].addresses.push_back(*prefix);
            }
        }
    }
    ::freeifaddrs(head);

    std::vector<InterfaceInfo> interfaces;
    interfaces.reserve(by_name.size());
    for (auto& [name, info] : by_name) {
        if (info.index == 0) {
            info.index = ::if_nametoindex(name.c_str());
            info.arphrd = device_type(name);
        }
        interfaces.push_back(std::move(info));
    }
    std::sort(interfaces.begin(), interfaces.end(),
              [](const InterfaceInfo& a, const InterfaceInfo& b) { return a.index < b.index; });
    return interfaces;
}

std::optional<InterfaceInfo> find_interface(std::string_view name) {
    for (auto& info : list_interfaces()) {
        if (info.name == name) return std::move(info);
    }
    return std::nullopt;
}

}  // namespace ringdump
