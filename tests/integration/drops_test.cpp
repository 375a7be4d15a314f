// SPDX-License-Identifier: BSD-2-Clause
// A reader that falls behind: the TPACKET_V3 ring fills, the kernel drops and counts. Every
// drop must be accounted for (delivered + dropped == sent) and reported on the first packet
// after the gap (epb_dropcount), and what was kept must be the packets before the gap.
#include <gtest/gtest.h>

#include "ringdump/source.h"
#include "test_network.h"

namespace ringdump::test {
namespace {

using namespace std::chrono_literals;

struct Drained {
    std::vector<std::uint64_t> sequences;
    std::vector<std::uint64_t> drops_before;  // per packet
};

Drained drain(Source& source) {
    Drained drained;
    std::vector<PacketView> views(256);
    for (;;) {
        const std::size_t count = source.read(views);
        if (count == 0) break;
        for (std::size_t i = 0; i < count; ++i) {
            std::vector<std::uint8_t> frame(views[i].data, views[i].data + views[i].caplen);
            drained.sequences.push_back(payload_sequence(frame).value_or(~0ull));
            drained.drops_before.push_back(views[i].drops_before);
        }
        source.release();
    }
    return drained;
}

TEST(Drops, FullRingDropsAreCountedAndReportedOnTheNextPacket) {
    RINGDUMP_SKIP_WITHOUT_NETNS();
    TestNetwork net("x");
    SourceOptions options;
    options.interface = net.cap_if();
    options.buffer_bytes = 1u << 20;  // 8 blocks of 128 KiB: a few thousand small packets
    options.block_timeout_ms = 5;
    auto source = in_netns(net.cap_ns(), [&] { return open_source(options); });

    constexpr std::uint64_t kBurst = 20000, kAfter = 100;
    struct Phases {
        Drained first, second;
        SourceStats stats;
    };
    const Phases phases = in_netns(net.cap_ns(), [&] {
        Phases result;
        UdpSocket sink(9000);
        in_netns(net.peer_ns(), [&] {
            UdpSocket out(9002);
            return out.send("198.18.0.1", 9000, kBurst, 64, 100000);  // nobody reads meanwhile
        });
        std::this_thread::sleep_for(50ms);
        result.first = drain(*source);
        in_netns(net.peer_ns(), [&] {
            UdpSocket out(9003);
            return out.send("198.18.0.1", 9000, kAfter, 64, 100000, kBurst);
        });
        std::this_thread::sleep_for(50ms);
        result.second = drain(*source);
        result.stats = source->stats();
        return result;
    });
    const Drained& first = phases.first;
    const Drained& second = phases.second;
    const SourceStats& stats = phases.stats;

    // Everything sent must have reached the tap: the device's own counter says so. If not, the
    // kernel dropped before the capture (a starved veth backlog), and the rest cannot hold.
    ASSERT_EQ(stats.interface_packets.value_or(0), kBurst + kAfter)
        << "packets the veth received: the kernel dropped some before any tap saw them";
    const std::uint64_t kept = first.sequences.size();
    ASSERT_GT(kept, 0u);
    ASSERT_LT(kept, kBurst) << "the ring was expected to overflow";
    for (std::uint64_t i = 0; i < kept; ++i) {
        ASSERT_EQ(first.sequences[i], i) << "the ring keeps the packets before the gap, in order";
        EXPECT_EQ(first.drops_before[i], 0u);
    }
    EXPECT_EQ(stats.dropped, kBurst - kept);
    EXPECT_EQ(stats.received, kBurst + kAfter) << "tp_packets counts drops too";
    EXPECT_EQ(stats.delivered, kept + kAfter);
    EXPECT_GE(stats.freezes, 1u);

    ASSERT_EQ(second.sequences.size(), kAfter);
    EXPECT_EQ(second.sequences.front(), kBurst);
    EXPECT_EQ(second.drops_before.front(), kBurst - kept)
        << "the first packet after the gap carries the number lost";
    for (std::size_t i = 1; i < second.drops_before.size(); ++i) {
        EXPECT_EQ(second.drops_before[i], 0u);
    }
}

}  // namespace
}  // namespace ringdump::test
