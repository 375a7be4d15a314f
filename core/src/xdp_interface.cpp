// SPDX-License-Identifier: BSD-2-Clause
// Facts about an interface that the AF_XDP backend needs and that do not need libbpf: its RX
// queue count and whether the host's stack uses it (afxdp_source.h).
#include "ringdump/afxdp_source.h"

#include <dirent.h>
#include <linux/ethtool.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <cstring>
#include <fstream>

#include "unique_fd.h"

// The netlink and rtattr walking macros of <linux/netlink.h> use C casts.
#pragma GCC diagnostic ignored "-Wold-style-cast"
#pragma GCC diagnostic ignored "-Wcast-align"

namespace ringdump {
namespace {

// --- rtnetlink: masters and upper devices ----------------------------------------------------

struct LinkEntry {
    unsigned index = 0;
    std::string name;
    unsigned link = 0;            // IFLA_LINK: the lower device (VLAN, macvlan) or the veth peer
    unsigned master = 0;          // IFLA_MASTER: bridge, bond, VRF, ...
    bool link_elsewhere = false;  // IFLA_LINK_NETNSID: IFLA_LINK is in another namespace
    std::string kind;             // IFLA_INFO_KIND
};

std::vector<LinkEntry> dump_links() {
    std::vector<LinkEntry> links;
    UniqueFd fd(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE));
    if (fd.get() < 0) return links;
    struct {
        nlmsghdr header;
        ifinfomsg info;
    } request{};
    request.header.nlmsg_len = sizeof request;
    request.header.nlmsg_type = RTM_GETLINK;
    request.header.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    request.header.nlmsg_seq = 1;
    request.info.ifi_family = AF_UNSPEC;
    if (::send(fd.get(), &request, sizeof request, 0) < 0) return links;
    std::vector<char> buffer(64 * 1024);
    while (true) {
        const ssize_t length = ::recv(fd.get(), buffer.data(), buffer.size(), 0);
        if (length <= 0) return links;
        auto remaining = static_cast<unsigned>(length);
        for (auto* header = reinterpret_cast<nlmsghdr*>(buffer.data()); NLMSG_OK(header, remaining);
             header = NLMSG_NEXT(header, remaining)) {
            if (header->nlmsg_type == NLMSG_DONE || header->nlmsg_type == NLMSG_ERROR) {
                return links;
            }
            if (header->nlmsg_type != RTM_NEWLINK) continue;
            auto* info = static_cast<ifinfomsg*>(NLMSG_DATA(header));
            LinkEntry entry;
            entry.index = static_cast<unsigned>(info->ifi_index);
            auto attributes = static_cast<unsigned>(IFLA_PAYLOAD(header));
            for (auto* attribute = IFLA_RTA(info); RTA_OK(attribute, attributes);
                 attribute = RTA_NEXT(attribute, attributes)) {
                const void* data = RTA_DATA(attribute);
                switch (attribute->rta_type) {
                    case IFLA_IFNAME:
                        entry.name = static_cast<const char*>(data);
                        break;
                    case IFLA_LINK:
                        std::memcpy(&entry.link, data, sizeof entry.link);
                        break;
                    case IFLA_MASTER:
                        std::memcpy(&entry.master, data, sizeof entry.master);
                        break;
                    case IFLA_LINK_NETNSID:
                        entry.link_elsewhere = true;
                        break;
                    case IFLA_LINKINFO: {
                        auto nested = static_cast<unsigned>(RTA_PAYLOAD(attribute));
                        for (auto* inner = static_cast<rtattr*>(RTA_DATA(attribute));
                             RTA_OK(inner, nested); inner = RTA_NEXT(inner, nested)) {
                            if (inner->rta_type == IFLA_INFO_KIND) {
                                entry.kind = static_cast<const char*>(RTA_DATA(inner));
                            }
                        }
                        break;
                    }
                    default:
                        break;
                }
            }
            links.push_back(std::move(entry));
        }
    }
}

std::optional<std::uint32_t> sysfs_rx_queues(const std::string& interface, unsigned ifindex) {
    const std::string base = "/sys/class/net/" + interface;
    // sysfs shows the network namespace it was mounted in, which need not be this thread's.
    std::ifstream index_file(base + "/ifindex");
    unsigned index = 0;
    if (!(index_file >> index) || index != ifindex) return std::nullopt;
    DIR* dir = ::opendir((base + "/queues").c_str());
    if (dir == nullptr) return std::nullopt;
    std::uint32_t count = 0;
    while (const dirent* entry = ::readdir(dir)) {
        if (std::strncmp(entry->d_name, "rx-", 3) == 0) ++count;
    }
    ::closedir(dir);
    if (count == 0) return std::nullopt;
    return count;
}

}  // namespace

std::uint32_t rx_queue_count(const std::string& interface) {
    UniqueFd fd(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (fd.get() >= 0) {
        ethtool_channels channels{};
        channels.cmd = ETHTOOL_GCHANNELS;
        ifreq request{};
        std::strncpy(request.ifr_name, interface.c_str(), IFNAMSIZ - 1);
        request.ifr_data = reinterpret_cast<char*>(&channels);
        if (::ioctl(fd.get(), SIOCETHTOOL, &request) == 0) {
            const std::uint32_t count = channels.rx_count + channels.combined_count;
            if (count > 0) return count;
        }
    }
    if (const unsigned index = ::if_nametoindex(interface.c_str()); index != 0) {
        if (auto count = sysfs_rx_queues(interface, index)) return *count;
    }
    return 1;
}

std::vector<std::string> host_traffic_users(const InterfaceInfo& info) {
    std::vector<std::string> users;
    if (!info.addresses.empty()) {
        std::string text = "addresses";
        // Appended piecewise: `" " + string` trips GCC 12's -Wrestrict false positive at -O3.
        for (const IpPrefix& prefix : info.addresses)
            text.append(" ").append(prefix.to_string());
        users.push_back(text);
    }
    const std::vector<LinkEntry> links = dump_links();
    auto name_of = [&](unsigned index) {
        for (const LinkEntry& link : links) {
            if (link.index == index) return link.name;
        }
        return "ifindex " + std::to_string(index);
    };
    std::vector<std::string> uppers;
    for (const LinkEntry& link : links) {
        if (link.index == info.index && link.master != 0) {
            users.push_back("enslaved to " + name_of(link.master));
        }
        const bool stacked = link.kind == "vlan" || link.kind == "macvlan" ||
                             link.kind == "macvtap" || link.kind == "ipvlan" ||
                             link.kind == "ipvtap";
        if (stacked && link.link == info.index && !link.link_elsewhere &&
            link.index != info.index) {
            uppers.push_back(link.name);
        }
    }
    if (!uppers.empty()) {
        std::string text = "devices on top:";
        for (const std::string& name : uppers)
            text += " " + name;
        users.push_back(text);
    }
    return users;
}

}  // namespace ringdump
