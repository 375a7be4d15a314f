// SPDX-License-Identifier: BSD-2-Clause
#include "link_monitor.h"

#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

// The netlink and rtattr walking macros of <linux/netlink.h> use C casts.
#pragma GCC diagnostic ignored "-Wold-style-cast"
#pragma GCC diagnostic ignored "-Wcast-align"

namespace ringdump {

LinkMonitor::LinkMonitor(unsigned ifindex) : ifindex_(ifindex) {
    fd_ = ::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
}

LinkMonitor::~LinkMonitor() {
    if (fd_ >= 0) ::close(fd_);
}

LinkState LinkMonitor::query() {
    LinkState unknown{true, IFF_UP, std::nullopt, std::nullopt};
    if (fd_ < 0) return unknown;

    struct {
        nlmsghdr header;
        ifinfomsg info;
    } request{};
    request.header.nlmsg_len = sizeof request;
    request.header.nlmsg_type = RTM_GETLINK;
    request.header.nlmsg_flags = NLM_F_REQUEST;
    request.header.nlmsg_seq = ++sequence_;
    request.info.ifi_family = AF_UNSPEC;
    request.info.ifi_index = static_cast<int>(ifindex_);
    if (::send(fd_, &request, sizeof request, 0) < 0) return unknown;

    std::vector<char> buffer(64 * 1024);
    for (;;) {
        const ssize_t received = ::recv(fd_, buffer.data(), buffer.size(), 0);
        if (received < 0) {
            if (errno == EINTR) continue;
            return unknown;
        }
        auto remaining = static_cast<unsigned>(received);
        for (auto* message = reinterpret_cast<nlmsghdr*>(buffer.data());
             NLMSG_OK(message, remaining); message = NLMSG_NEXT(message, remaining)) {
            if (message->nlmsg_seq != sequence_) continue;  // a late reply to an old question
            if (message->nlmsg_type == NLMSG_ERROR) {
                const auto* error = static_cast<const nlmsgerr*>(NLMSG_DATA(message));
                if (error->error == -ENODEV) return LinkState{};
                return unknown;
            }
            if (message->nlmsg_type != RTM_NEWLINK) continue;
            const auto* info = static_cast<const ifinfomsg*>(NLMSG_DATA(message));
            LinkState state{true, info->ifi_flags, std::nullopt, std::nullopt};
            int attributes_length =
                static_cast<int>(message->nlmsg_len) - static_cast<int>(NLMSG_LENGTH(sizeof *info));
            for (auto* attribute = IFLA_RTA(info); RTA_OK(attribute, attributes_length);
                 attribute = RTA_NEXT(attribute, attributes_length)) {
                if (attribute->rta_type != IFLA_STATS64 ||
                    RTA_PAYLOAD(attribute) < sizeof(rtnl_link_stats64)) {
                    continue;
                }
                rtnl_link_stats64 stats{};
                std::memcpy(&stats, RTA_DATA(attribute), sizeof stats);
                state.packets = stats.rx_packets + stats.tx_packets;
                state.dropped = stats.rx_dropped + stats.tx_dropped;
            }
            return state;
        }
    }
}

void add_interface_counters(const LinkState& start, const LinkState& now, SourceStats& stats) {
    if (now.packets && start.packets) stats.interface_packets = *now.packets - *start.packets;
    if (now.dropped && start.dropped) stats.interface_dropped = *now.dropped - *start.dropped;
}

}  // namespace ringdump
