// SPDX-License-Identifier: BSD-2-Clause
// The TPACKET_V3 and libpcap sources on a real veth pair: exact counts, sizes, directions,
// timestamps, capture filters, snap length, loopback, several interfaces in one section.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "ringdump/packet.h"
#include "ringdump/source.h"
#include "test_network.h"

namespace ringdump::test {
namespace {

using namespace std::chrono_literals;

constexpr std::size_t kPayload = 64;
constexpr std::uint32_t kFrameBytes = 14 + 20 + 8 + kPayload;

SourceOptions options_for(const std::string& interface, Backend backend = Backend::tpacket) {
    SourceOptions options;
    options.interface = interface;
    options.backend = backend;
    options.buffer_bytes = 8u << 20;
    return options;
}

std::unique_ptr<Source> open_in(const std::string& ns, const SourceOptions& options) {
    return in_netns(ns, [&] { return open_source(options); });
}

// Sends `count` datagrams each way: capture side 198.18.0.1:9001 -> peer :9000, peer
// 198.18.0.2:9002 -> capture side :9000. Sinks on :9000 keep ICMP errors away.
void exchange(const TestNetwork& net, std::uint64_t count) {
    in_netns(net.cap_ns(), [&] {
        UdpSocket sink(9000), out(9001);
        in_netns(net.peer_ns(), [&] {
            UdpSocket peer_sink(9000), in(9002);
            out.send("198.18.0.2", 9000, count, kPayload);
            in.send("198.18.0.1", 9000, count, kPayload);
            return 0;
        });
        return 0;
    });
}

TEST(VethCapture, EveryPacketBothWaysWithSizeDirectionAndOrder) {
    RINGDUMP_SKIP_WITHOUT_NETNS();
    TestNetwork net("v");
    std::vector<std::unique_ptr<Source>> sources;
    sources.push_back(open_in(net.cap_ns(), options_for(net.cap_if())));
    constexpr std::uint64_t kEachWay = 3000;
    BackgroundCapture capture(std::move(sources), StopConditions{2 * kEachWay, 20s, {}});
    exchange(net, kEachWay);
    const CaptureResult result = capture.wait(20s);
    ASSERT_EQ(result.reason, StopReason::packet_limit) << "captured " << result.packets_written;

    const ReadFile file = capture.file();
    ASSERT_EQ(file.interfaces.size(), 1u);
    EXPECT_EQ(file.interfaces[0].link_type, 1);
    EXPECT_EQ(file.interfaces[0].option_string(2), net.cap_if());
    ASSERT_EQ(file.packets.size(), 2 * kEachWay);
    std::map<std::uint32_t, std::set<std::uint64_t>> sequences;  // by direction
    std::uint64_t previous_ns = 0;
    for (const ReadPacket& packet : file.packets) {
        EXPECT_EQ(packet.wirelen, kFrameBytes);
        EXPECT_EQ(packet.caplen, kFrameBytes);
        ASSERT_TRUE(packet.flags());
        const std::uint32_t direction = epb_flags::direction(*packet.flags());
        if (direction == epb_flags::kInbound) {
            EXPECT_EQ(epb_flags::reception(*packet.flags()), 1u) << "unicast to this host";
            EXPECT_EQ(packet.data[29], 2) << "inbound packets come from 198.18.0.2";
        } else {
            EXPECT_EQ(direction, epb_flags::kOutbound);
            EXPECT_EQ(packet.data[29], 1) << "outbound packets come from 198.18.0.1";
        }
        auto sequence = payload_sequence(packet.data);
        ASSERT_TRUE(sequence);
        EXPECT_TRUE(sequences[direction].insert(*sequence).second) << "duplicate " << *sequence;
        EXPECT_GE(packet.timestamp_ns, previous_ns) << "timestamps go back in time";
        previous_ns = packet.timestamp_ns;
        EXPECT_FALSE(packet.drop_count()) << "nothing was dropped";
    }
    EXPECT_EQ(sequences[epb_flags::kInbound].size(), kEachWay);
    EXPECT_EQ(sequences[epb_flags::kOutbound].size(), kEachWay);
    EXPECT_EQ(*sequences[epb_flags::kInbound].rbegin(), kEachWay - 1);
    const auto now = std::chrono::system_clock::now().time_since_epoch();
    EXPECT_NEAR(
        static_cast<double>(previous_ns),
        static_cast<double>(std::chrono::duration_cast<std::chrono::nanoseconds>(now).count()),
        60e9)
        << "kernel timestamps are wall-clock nanoseconds";

    ASSERT_EQ(file.statistics.size(), 1u);
    EXPECT_EQ(file.statistics[0].counter(8), 2 * kEachWay) << "isb_usrdeliv";
    EXPECT_EQ(file.statistics[0].counter(7), 0u) << "isb_osdrop";
    EXPECT_GE(file.statistics[0].counter(6).value_or(0), 2 * kEachWay) << "isb_filteraccept";
}

TEST(VethCapture, KernelFilterKeepsExactlyTheMatchingHalf) {
    RINGDUMP_SKIP_WITHOUT_NETNS();
    TestNetwork net("f");
    SourceOptions options = options_for(net.cap_if());
    options.filter = "udp dst port 9100";
    std::vector<std::unique_ptr<Source>> sources;
    sources.push_back(open_in(net.cap_ns(), options));
    BackgroundCapture capture(std::move(sources), StopConditions{{}, 20s, {}});
    constexpr std::uint64_t kEach = 1000;
    in_netns(net.peer_ns(), [&] {
        UdpSocket a(9100), b(9101);
        in_netns(net.cap_ns(), [&] {
            UdpSocket sink_a(9100), sink_b(9101);
            for (std::uint64_t i = 0; i < kEach; ++i) {  // interleaved: match, no match, ...
                a.send("198.18.0.1", 9100, 1, kPayload, 0, i);
                b.send("198.18.0.1", 9101, 1, kPayload, 0, i);
            }
            return 0;
        });
        return 0;
    });
    std::this_thread::sleep_for(300ms);  // two block timeouts: everything sent has arrived
    capture.stop();
    const ReadFile file = capture.file();
    ASSERT_EQ(file.packets.size(), kEach);
    for (const ReadPacket& packet : file.packets) {
        EXPECT_EQ(packet.data[36] << 8 | packet.data[37], 9100) << "UDP destination port";
    }
    EXPECT_EQ(file.interfaces[0].option_string(11).substr(1), "udp dst port 9100") << "if_filter";
}

TEST(VethCapture, SnapLengthKeepsOnlyThePrefix) {
    RINGDUMP_SKIP_WITHOUT_NETNS();
    TestNetwork net("s");
    SourceOptions options = options_for(net.cap_if());
    options.snap_length = 60;
    std::vector<std::unique_ptr<Source>> sources;
    sources.push_back(open_in(net.cap_ns(), options));
    BackgroundCapture capture(std::move(sources), StopConditions{200, 20s, {}});
    exchange(net, 100);
    ASSERT_EQ(capture.wait(20s).reason, StopReason::packet_limit);
    const ReadFile file = capture.file();
    EXPECT_EQ(file.interfaces[0].snap_length, 60u);
    ASSERT_EQ(file.packets.size(), 200u);
    for (const ReadPacket& packet : file.packets) {
        EXPECT_EQ(packet.caplen, 60u);
        EXPECT_EQ(packet.wirelen, kFrameBytes);
    }
}

TEST(VethCapture, LoopbackShowsEachPacketOnce) {
    RINGDUMP_SKIP_WITHOUT_NETNS();
    TestNetwork net("l");
    std::vector<std::unique_ptr<Source>> sources;
    sources.push_back(open_in(net.cap_ns(), options_for("lo")));
    BackgroundCapture capture(std::move(sources), StopConditions{{}, 20s, {}});
    in_netns(net.cap_ns(), [&] {
        UdpSocket sink(9000), out(9001);
        return out.send("127.0.0.1", 9000, 500, kPayload);
    });
    std::this_thread::sleep_for(300ms);
    capture.stop();
    const ReadFile file = capture.file();
    EXPECT_EQ(file.packets.size(), 500u) << "the outgoing copy of every looped packet is dropped";
    std::set<std::uint64_t> sequences;
    for (const ReadPacket& packet : file.packets)
        sequences.insert(payload_sequence(packet.data).value_or(~0ull));
    EXPECT_EQ(sequences.size(), 500u);
}

TEST(VethCapture, SeveralInterfacesShareOneSection) {
    RINGDUMP_SKIP_WITHOUT_NETNS();
    TestNetwork net("m");
    std::vector<std::unique_ptr<Source>> sources;
    sources.push_back(open_in(net.cap_ns(), options_for(net.cap_if())));
    sources.push_back(open_in(net.cap_ns(), options_for("lo")));
    BackgroundCapture capture(std::move(sources), StopConditions{{}, 20s, {}});
    exchange(net, 200);
    in_netns(net.cap_ns(), [&] {
        UdpSocket sink(9005), out(9006);
        return out.send("127.0.0.1", 9005, 300, kPayload);
    });
    std::this_thread::sleep_for(300ms);
    const CaptureResult result = capture.stop();
    const ReadFile file = capture.file();
    ASSERT_EQ(file.interfaces.size(), 2u);
    EXPECT_EQ(file.interfaces[0].option_string(2), net.cap_if());
    EXPECT_EQ(file.interfaces[1].option_string(2), "lo");
    std::map<std::uint32_t, int> per_interface;
    for (const ReadPacket& packet : file.packets)
        ++per_interface[packet.interface_id];
    EXPECT_EQ(per_interface[0], 400);
    EXPECT_EQ(per_interface[1], 300);
    ASSERT_EQ(file.statistics.size(), 2u);
    EXPECT_EQ(file.statistics[0].counter(8), 400u);
    EXPECT_EQ(file.statistics[1].counter(8), 300u);
    EXPECT_EQ(result.packets_per_source, (std::vector<std::uint64_t>{400, 300}));
}

TEST(VethCapture, LibpcapBackendCapturesTheSameTraffic) {
    RINGDUMP_SKIP_WITHOUT_NETNS();
    TestNetwork net("p");
    std::vector<std::unique_ptr<Source>> sources;
    sources.push_back(open_in(net.cap_ns(), options_for(net.cap_if(), Backend::pcap)));
    BackgroundCapture capture(std::move(sources), StopConditions{1000, 20s, {}});
    exchange(net, 500);
    ASSERT_EQ(capture.wait(20s).reason, StopReason::packet_limit);
    const ReadFile file = capture.file();
    ASSERT_EQ(file.packets.size(), 1000u);
    EXPECT_NE(file.interfaces[0].option_string(3).find("libpcap"), std::string::npos);
    std::set<std::uint64_t> inbound;
    for (const ReadPacket& packet : file.packets) {
        EXPECT_EQ(packet.wirelen, kFrameBytes);
        if (packet.data[29] == 2) inbound.insert(payload_sequence(packet.data).value_or(~0ull));
    }
    EXPECT_EQ(inbound.size(), 500u);
}

TEST(VethCapture, AutomaticBackendPicksTpacketForEthernet) {
    RINGDUMP_SKIP_WITHOUT_NETNS();
    TestNetwork net("a");
    auto source = open_in(net.cap_ns(), options_for(net.cap_if(), Backend::automatic));
    EXPECT_NE(source->description().description.find("TPACKET_V3"), std::string::npos);
}

// Promiscuous mode is a membership of the socket (PACKET_MR_PROMISC): it raises the device's
// promiscuity count (not IFF_PROMISC, which is the administrator's flag) while the capture
// runs, and the kernel drops it when the socket closes, even if ringdump is killed.
TEST(VethCapture, PromiscuousModeLastsAsLongAsTheCapture) {
    RINGDUMP_SKIP_WITHOUT_NETNS();
    TestNetwork net("o");
    auto promiscuous = [&] {
        const std::string details = net.in_cap("ip -d link show dev " + net.cap_if());
        return details.find(" promiscuity 0 ") == std::string::npos;
    };
    EXPECT_FALSE(promiscuous());
    for (bool wanted : {true, false}) {
        SourceOptions options = options_for(net.cap_if());
        options.promiscuous = wanted;
        auto source = open_in(net.cap_ns(), options);
        EXPECT_EQ(promiscuous(), wanted);
        source.reset();
        EXPECT_FALSE(promiscuous());
    }
}

}  // namespace
}  // namespace ringdump::test
