// SPDX-License-Identifier: BSD-2-Clause
// Asks the kernel (rtnetlink) about one interface: does it still exist, is it up, and its
// packet counters. The netlink socket is opened once, in the network namespace the capture
// started in, so later questions go to the same namespace whatever thread asks.
#pragma once

#include <cstdint>
#include <optional>

#include "ringdump/source.h"

namespace ringdump {

struct LinkState {
    bool exists = false;
    unsigned flags = 0;                    // IFF_*
    std::optional<std::uint64_t> packets;  // received + sent
    std::optional<std::uint64_t> dropped;  // receive + transmit drops
};

// The device's counters moved from `start` to `now`, into stats (left unset where the device
// keeps no counter).
void add_interface_counters(const LinkState& start, const LinkState& now, SourceStats& stats);

class LinkMonitor {
  public:
    explicit LinkMonitor(unsigned ifindex);
    ~LinkMonitor();
    LinkMonitor(const LinkMonitor&) = delete;
    LinkMonitor& operator=(const LinkMonitor&) = delete;

    // One request and reply; exists == false when the interface is gone. If netlink itself
    // fails, the state is unknown and reported as existing without counters.
    LinkState query();

  private:
    int fd_ = -1;
    unsigned ifindex_;
    std::uint32_t sequence_ = 0;
};

}  // namespace ringdump
