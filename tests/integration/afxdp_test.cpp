// SPDX-License-Identifier: BSD-2-Clause
// The AF_XDP source on real veth pairs: exact counts in native and in generic mode, every RX
// queue of a multi-queue veth with epb_queue checked against the kernel's own per-queue
// counters, queue lists, the user-space capture filter, snap length, drops counted per cause,
// the refusals (an interface the host uses, a foreign XDP program; auto never picks AF_XDP),
// detaching on close and an interface removed during the capture.
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>
#include <net/if.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <regex>
#include <set>

#include "ringdump/afxdp_source.h"
#include "ringdump/capture.h"
#include "ringdump/error.h"
#include "ringdump/packet.h"
#include "ringdump/source.h"
#include "test_network.h"

namespace ringdump::test {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

constexpr std::size_t kPayload = 64;
constexpr std::uint32_t kFrameBytes = 14 + 20 + 8 + kPayload;
constexpr std::uint16_t kEpbQueue = 6;
constexpr std::uint16_t kOptComment = 1;

#define SKIP_WITHOUT_AFXDP()                                                                 \
    do {                                                                                     \
        RINGDUMP_SKIP_WITHOUT_NETNS();                                                       \
        if (!afxdp_available()) GTEST_SKIP() << "ringdump was built without AF_XDP support"; \
    } while (0)

SourceOptions xdp_options(const std::string& interface, XdpMode mode = XdpMode::automatic) {
    SourceOptions options;
    options.interface = interface;
    options.backend = Backend::afxdp;
    options.xdp.mode = mode;
    options.xdp.take_host_traffic = true;  // the test network's capture side has an address
    options.xdp.fill_ring = 1024;
    options.xdp.rx_ring = 1024;
    return options;
}

std::unique_ptr<Source> open_in(const std::string& ns, const SourceOptions& options) {
    return in_netns(ns, [&] { return open_source(options); });
}

// The Error message open_source throws in ns, or "" (and a test failure) when it opens.
std::string open_error(const std::string& ns, const SourceOptions& options) {
    try {
        open_in(ns, options);
    } catch (const Error& error) {
        return error.what();
    }
    ADD_FAILURE() << "the source opened";
    return {};
}

std::optional<std::uint32_t> queue_of(const ReadPacket& packet) {
    auto it = packet.options.find(kEpbQueue);
    if (it == packet.options.end() || it->second.size() != 4) return std::nullopt;
    std::uint32_t queue;
    std::memcpy(&queue, it->second.data(), 4);
    return queue;
}

std::uint16_t udp_source_port(const ReadPacket& packet) {
    return static_cast<std::uint16_t>(packet.data[34] << 8 | packet.data[35]);
}

// The capture side's rx_queue_N_xdp_redirect counters (veth's ethtool -S): frames the XDP
// program redirected on each RX queue, counted by the kernel independently of ringdump.
std::map<std::uint32_t, std::uint64_t> redirects_per_queue(const TestNetwork& net) {
    std::map<std::uint32_t, std::uint64_t> counts;
    const std::string text = net.in_cap("ethtool -S " + net.cap_if());
    static const std::regex kLine(R"(rx_queue_(\d+)_xdp_redirect: (\d+))");
    for (auto it = std::sregex_iterator(text.begin(), text.end(), kLine);
         it != std::sregex_iterator(); ++it) {
        counts[static_cast<std::uint32_t>(std::stoul((*it)[1]))] = std::stoull((*it)[2]);
    }
    return counts;
}

// IPv4 packets the capture side's stack has received (Ip InReceives of /proc/net/snmp; the test
// network carries nothing but the test's own packets).
std::uint64_t host_ip_packets(const TestNetwork& net) {
    const std::string text = net.in_cap("cat /proc/net/snmp");
    static const std::regex kIp(R"(Ip: Forwarding[^\n]*\nIp: (\d+) (\d+) (\d+))");
    std::smatch match;
    if (!std::regex_search(text, match, kIp)) throw std::runtime_error("no Ip line:\n" + text);
    return std::stoull(match[3]);
}

bool xdp_attached(const TestNetwork& net) {
    return net.in_cap("ip -j link show dev " + net.cap_if()).find("\"xdp\"") != std::string::npos;
}

// count datagrams from the peer (198.18.0.2, source port src_port) to 198.18.0.1:9000, with
// sequence numbers first .. first + count - 1.
void send_from_peer(const TestNetwork& net, std::uint16_t src_port, std::uint64_t count,
                    std::uint64_t first = 0, double rate = 200000) {
    in_netns(net.peer_ns(), [&] {
        UdpSocket socket(src_port);
        return socket.send("198.18.0.1", 9000, count, kPayload, rate, first);
    });
}

void expect_every_sequence_once(const ReadFile& file, std::uint64_t count) {
    std::set<std::uint64_t> sequences;
    for (const ReadPacket& packet : file.packets) {
        auto sequence = payload_sequence(packet.data);
        ASSERT_TRUE(sequence) << "a packet without an rdgen payload";
        EXPECT_TRUE(sequences.insert(*sequence).second) << "duplicate " << *sequence;
    }
    EXPECT_EQ(sequences.size(), count);
    if (!sequences.empty()) {
        EXPECT_EQ(*sequences.rbegin(), count - 1);
    }
}

// Captures kCount packets sent by the peer in the given mode; checks them one by one.
void capture_exactly(XdpMode mode, const std::string& expected_mode_text) {
    TestNetwork net(mode == XdpMode::native ? "xn" : "xg");
    constexpr std::uint64_t kCount = 5000;
    // Room for every packet, so that a capture thread the scheduler holds back loses nothing.
    SourceOptions options = xdp_options(net.cap_if(), mode);
    options.xdp.fill_ring = 8192;
    options.xdp.rx_ring = 8192;
    std::vector<std::unique_ptr<Source>> sources;
    sources.push_back(open_in(net.cap_ns(), options));
    EXPECT_TRUE(xdp_attached(net));
    const std::uint64_t host_before = host_ip_packets(net);
    BackgroundCapture capture(std::move(sources), StopConditions{kCount, 20s, {}});
    send_from_peer(net, 9001, kCount);
    const CaptureResult result = capture.wait(20s);
    ASSERT_EQ(result.reason, StopReason::packet_limit)
        << "captured " << result.packets_written << "; "
        << (result.stats.empty() ? "" : drop_causes_text(result.stats[0]));
    EXPECT_EQ(host_ip_packets(net), host_before)
        << "the redirect takes the packets away from the host's stack";

    const ReadFile file = capture.file();
    ASSERT_EQ(file.interfaces.size(), 1u);
    const std::string description = file.interfaces[0].option_string(3);
    EXPECT_THAT(description, HasSubstr("AF_XDP"));
    EXPECT_THAT(description, HasSubstr(expected_mode_text));
    EXPECT_THAT(description, HasSubstr("copy mode"));
    EXPECT_THAT(description, HasSubstr("CLOCK_REALTIME"));
    ASSERT_EQ(file.packets.size(), kCount);
    std::uint64_t previous_ns = 0;
    for (const ReadPacket& packet : file.packets) {
        EXPECT_EQ(packet.wirelen, kFrameBytes);
        EXPECT_EQ(packet.caplen, kFrameBytes);
        EXPECT_EQ(queue_of(packet), 0u) << "epb_queue";
        ASSERT_TRUE(packet.flags());
        EXPECT_EQ(epb_flags::direction(*packet.flags()), epb_flags::kInbound);
        EXPECT_EQ(epb_flags::reception(*packet.flags()), 1u) << "unicast to this interface";
        EXPECT_GE(packet.timestamp_ns, previous_ns);
        previous_ns = packet.timestamp_ns;
        EXPECT_FALSE(packet.drop_count());
    }
    expect_every_sequence_once(file, kCount);
    const auto now = std::chrono::system_clock::now().time_since_epoch();
    EXPECT_NEAR(
        static_cast<double>(previous_ns),
        static_cast<double>(std::chrono::duration_cast<std::chrono::nanoseconds>(now).count()),
        60e9)
        << "batch timestamps are CLOCK_REALTIME nanoseconds";

    ASSERT_EQ(file.statistics.size(), 1u);
    EXPECT_EQ(file.statistics[0].counter(8), kCount) << "isb_usrdeliv";
    EXPECT_EQ(file.statistics[0].counter(7), 0u) << "isb_osdrop";
    EXPECT_EQ(file.statistics[0].counter(6), kCount) << "isb_filteraccept";
    auto comment = file.statistics[0].options.find(kOptComment);
    ASSERT_NE(comment, file.statistics[0].options.end()) << "the ISB names the drop causes";
    EXPECT_THAT(std::string(comment->second.begin(), comment->second.end()),
                HasSubstr("0 rx_ring_full"));
    ASSERT_EQ(result.stats.size(), 1u);
    ASSERT_TRUE(result.stats[0].xdp);
    EXPECT_EQ(result.stats[0].dropped, 0u);
    EXPECT_EQ(result.stats[0].delivered, kCount);
}

TEST(AfXdp, NativeModeCapturesEveryPacketExactly) {
    SKIP_WITHOUT_AFXDP();
    capture_exactly(XdpMode::native, "native XDP");
}

TEST(AfXdp, GenericModeCapturesEveryPacketExactly) {
    SKIP_WITHOUT_AFXDP();
    capture_exactly(XdpMode::generic, "generic XDP");
}

// A veth with 4 queues: the peer picks the TX queue of each datagram from its flow hash (no XPS
// is configured), and veth delivers it on the RX queue of the same number. 64 flows reach every
// queue (the chance that one stays empty is 4 * (3/4)^64, about 4e-8).
TEST(AfXdp, EveryQueueOfAMultiQueueVethWithTheRightEpbQueue) {
    SKIP_WITHOUT_AFXDP();
    TestNetwork net("xq", 4);
    auto source = open_in(net.cap_ns(), xdp_options(net.cap_if(), XdpMode::native));
    EXPECT_THAT(source->description().description, HasSubstr("RX queues 0-3 of 4"));
    EXPECT_EQ(source->poll_fds().size(), 4u) << "one socket per queue";
    const auto before = redirects_per_queue(net);
    std::vector<std::unique_ptr<Source>> sources;
    sources.push_back(std::move(source));
    constexpr std::uint16_t kFlows = 64;
    constexpr std::uint64_t kEach = 20;
    BackgroundCapture capture(std::move(sources), StopConditions{kFlows * kEach, 20s, {}});
    for (std::uint16_t flow = 0; flow < kFlows; ++flow) {
        send_from_peer(net, static_cast<std::uint16_t>(9100 + flow), kEach, flow * kEach);
    }
    ASSERT_EQ(capture.wait(20s).reason, StopReason::packet_limit);
    const auto after = redirects_per_queue(net);

    const ReadFile file = capture.file();
    ASSERT_EQ(file.packets.size(), kFlows * kEach);
    std::map<std::uint32_t, std::uint64_t> per_queue;
    std::map<std::uint16_t, std::set<std::uint32_t>> queues_of_flow;
    for (const ReadPacket& packet : file.packets) {
        const auto queue = queue_of(packet);
        ASSERT_TRUE(queue) << "every packet carries epb_queue";
        ++per_queue[*queue];
        queues_of_flow[udp_source_port(packet)].insert(*queue);
    }
    EXPECT_EQ(per_queue.size(), 4u) << "every queue captured";
    for (std::uint32_t queue = 0; queue < 4; ++queue) {
        EXPECT_EQ(per_queue[queue], after.at(queue) - before.at(queue))
            << "epb_queue " << queue << " against the kernel's rx_queue_" << queue
            << "_xdp_redirect";
    }
    EXPECT_EQ(queues_of_flow.size(), kFlows);
    for (const auto& [port, queues] : queues_of_flow) {
        EXPECT_EQ(queues.size(), 1u) << "flow from port " << port << " seen on several queues";
    }
    expect_every_sequence_once(file, kFlows * kEach);
}

// Queues left out of --xdp-queues have no socket in the map: their frames pass to the stack.
TEST(AfXdp, QueueListCapturesOnlyThoseQueuesAndPassesTheRest) {
    SKIP_WITHOUT_AFXDP();
    TestNetwork net("xl", 4);
    SourceOptions options = xdp_options(net.cap_if(), XdpMode::native);
    options.xdp.queues = {1, 2};
    std::vector<std::unique_ptr<Source>> sources;
    sources.push_back(open_in(net.cap_ns(), options));
    EXPECT_THAT(sources[0]->description().description, HasSubstr("RX queues 1-2 of 4"));
    // A sink for the frames that pass, so that the host does not answer with ICMP errors.
    auto sink = in_netns(net.cap_ns(), [] { return std::make_unique<UdpSocket>(9000); });
    const auto before = redirects_per_queue(net);
    const std::uint64_t host_before = host_ip_packets(net);
    BackgroundCapture capture(std::move(sources), StopConditions{{}, 20s, {}});
    constexpr std::uint16_t kFlows = 64;
    constexpr std::uint64_t kEach = 10;
    for (std::uint16_t flow = 0; flow < kFlows; ++flow) {
        send_from_peer(net, static_cast<std::uint16_t>(9100 + flow), kEach, flow * kEach);
    }
    std::this_thread::sleep_for(300ms);
    capture.stop();
    const auto after = redirects_per_queue(net);
    const ReadFile file = capture.file();
    const std::uint64_t captured_queues =
        (after.at(1) - before.at(1)) + (after.at(2) - before.at(2));
    EXPECT_EQ(after.at(0) - before.at(0), 0u) << "queue 0 has no socket: nothing redirected";
    EXPECT_EQ(after.at(3) - before.at(3), 0u) << "queue 3 has no socket: nothing redirected";
    EXPECT_GT(captured_queues, 0u);
    EXPECT_EQ(file.packets.size(), captured_queues);
    for (const ReadPacket& packet : file.packets) {
        const auto queue = queue_of(packet);
        EXPECT_TRUE(queue == 1u || queue == 2u) << "queue " << queue.value_or(99);
    }
    EXPECT_EQ(host_ip_packets(net) - host_before, kFlows * kEach - captured_queues)
        << "the other queues' frames reached the host's stack";
}

TEST(AfXdp, CaptureFilterRunsInUserSpace) {
    SKIP_WITHOUT_AFXDP();
    TestNetwork net("xf");
    SourceOptions options = xdp_options(net.cap_if());
    options.filter = "udp src port 9100";
    std::vector<std::unique_ptr<Source>> sources;
    sources.push_back(open_in(net.cap_ns(), options));
    EXPECT_THAT(sources[0]->description().description,
                HasSubstr("capture filter run in user space"));
    BackgroundCapture capture(std::move(sources), StopConditions{{}, 20s, {}});
    constexpr std::uint64_t kEach = 1000;
    in_netns(net.peer_ns(), [&] {
        UdpSocket a(9100), b(9101);
        for (std::uint64_t i = 0; i < kEach; ++i) {  // interleaved: match, no match, ...
            a.send("198.18.0.1", 9000, 1, kPayload, 0, i);
            b.send("198.18.0.1", 9000, 1, kPayload, 0, i);
            if (i % 64 == 63) std::this_thread::sleep_for(1ms);  // below veth's 256-frame ring
        }
        return 0;
    });
    std::this_thread::sleep_for(300ms);
    const CaptureResult result = capture.stop();
    const ReadFile file = capture.file();
    ASSERT_EQ(file.packets.size(), kEach);
    for (const ReadPacket& packet : file.packets)
        EXPECT_EQ(udp_source_port(packet), 9100);
    expect_every_sequence_once(file, kEach);
    EXPECT_EQ(file.interfaces[0].option_string(11).substr(1), "udp src port 9100") << "if_filter";
    ASSERT_EQ(result.stats.size(), 1u);
    EXPECT_EQ(result.stats[0].filtered_out, kEach);
    EXPECT_EQ(result.stats[0].received, kEach) << "received counts what passed the filter";
    EXPECT_EQ(file.statistics[0].counter(6), kEach) << "isb_filteraccept";
    auto comment = file.statistics[0].options.find(kOptComment);
    ASSERT_NE(comment, file.statistics[0].options.end());
    EXPECT_THAT(std::string(comment->second.begin(), comment->second.end()),
                HasSubstr("1000 rejected by the capture filter"));
}

// Frames the filter rejects must go back to the fill ring even when a read() delivers nothing
// (the capture loop only calls release() after a read that did): with 64 frames, 500 rejected
// packets would otherwise leave none for the packets that match.
TEST(AfXdp, RejectedFramesGoBackEvenWhenNothingMatches) {
    SKIP_WITHOUT_AFXDP();
    TestNetwork net("xk");
    SourceOptions options = xdp_options(net.cap_if());
    options.filter = "udp src port 9100";
    options.xdp.fill_ring = 64;
    options.xdp.rx_ring = 64;
    std::vector<std::unique_ptr<Source>> sources;
    sources.push_back(open_in(net.cap_ns(), options));
    BackgroundCapture capture(std::move(sources), StopConditions{10, 20s, {}});
    for (int round = 0; round < 10; ++round) {
        send_from_peer(net, 9101, 50, 0, 20000);  // below 64 at a time: nothing is dropped
        std::this_thread::sleep_for(10ms);
    }
    send_from_peer(net, 9100, 10);
    const CaptureResult result = capture.wait(20s);
    ASSERT_EQ(result.reason, StopReason::packet_limit) << "captured " << result.packets_written;
    EXPECT_EQ(result.stats[0].filtered_out, 500u);
    EXPECT_EQ(result.stats[0].dropped, 0u);
    expect_every_sequence_once(capture.file(), 10);
}

TEST(AfXdp, BusyPollingIsSetAndCaptures) {
    SKIP_WITHOUT_AFXDP();
    TestNetwork net("xy");
    SourceOptions options = xdp_options(net.cap_if());
    options.xdp.busy_poll_us = 50;
    options.xdp.busy_poll_budget = 16;
    std::vector<std::unique_ptr<Source>> sources;
    sources.push_back(open_in(net.cap_ns(), options));
    EXPECT_THAT(sources[0]->description().description, HasSubstr("busy polling 50 us, budget 16"));
    BackgroundCapture capture(std::move(sources), StopConditions{300, 20s, {}});
    send_from_peer(net, 9001, 300);
    ASSERT_EQ(capture.wait(20s).reason, StopReason::packet_limit);
    expect_every_sequence_once(capture.file(), 300);
}

// The capture loop reuses one batch for every source: TPACKET_V3 packets read after AF_XDP ones
// must not inherit their epb_queue.
TEST(AfXdp, NextToTpacketOnlyAfXdpPacketsCarryAQueue) {
    SKIP_WITHOUT_AFXDP();
    TestNetwork net("xt");
    std::vector<std::unique_ptr<Source>> sources;
    sources.push_back(open_in(net.cap_ns(), xdp_options(net.cap_if())));
    SourceOptions loopback;
    loopback.interface = "lo";
    loopback.backend = Backend::tpacket;
    loopback.buffer_bytes = 8u << 20;
    sources.push_back(open_in(net.cap_ns(), loopback));
    BackgroundCapture capture(std::move(sources), StopConditions{{}, 20s, {}});
    for (int round = 0; round < 5; ++round) {
        send_from_peer(net, 9001, 40, round * 40);
        in_netns(net.cap_ns(), [&] {
            UdpSocket sink(9005), out(9006);
            return out.send("127.0.0.1", 9005, 40, kPayload, 200000, round * 40);
        });
    }
    std::this_thread::sleep_for(300ms);
    capture.stop();
    const ReadFile file = capture.file();
    std::map<std::uint32_t, int> per_interface;
    for (const ReadPacket& packet : file.packets) {
        ++per_interface[packet.interface_id];
        if (packet.interface_id == 0) {
            EXPECT_EQ(queue_of(packet), 0u);
        } else {
            EXPECT_FALSE(queue_of(packet)) << "a loopback packet with epb_queue";
        }
    }
    EXPECT_EQ(per_interface[0], 200);
    EXPECT_EQ(per_interface[1], 200);
}

TEST(AfXdp, SnapLengthKeepsOnlyThePrefix) {
    SKIP_WITHOUT_AFXDP();
    TestNetwork net("xs");
    SourceOptions options = xdp_options(net.cap_if());
    options.snap_length = 60;
    std::vector<std::unique_ptr<Source>> sources;
    sources.push_back(open_in(net.cap_ns(), options));
    BackgroundCapture capture(std::move(sources), StopConditions{100, 20s, {}});
    send_from_peer(net, 9001, 100);
    ASSERT_EQ(capture.wait(20s).reason, StopReason::packet_limit);
    const ReadFile file = capture.file();
    EXPECT_EQ(file.interfaces[0].snap_length, 60u);
    ASSERT_EQ(file.packets.size(), 100u);
    for (const ReadPacket& packet : file.packets) {
        EXPECT_EQ(packet.caplen, 60u);
        EXPECT_EQ(packet.wirelen, kFrameBytes);
    }
}

// A reader that does not read: 64 frames per queue fill up, the kernel drops the rest and
// counts each drop (fill ring empty: rx_dropped and rx_fill_ring_empty_descs). The drops show
// up in the stats and as epb_dropcount on the next packet.
TEST(AfXdp, DropsAreCountedPerCause) {
    SKIP_WITHOUT_AFXDP();
    TestNetwork net("xd");
    SourceOptions options = xdp_options(net.cap_if());
    options.xdp.fill_ring = 64;
    options.xdp.rx_ring = 64;
    auto source = open_in(net.cap_ns(), options);
    constexpr std::uint64_t kSent = 500;
    send_from_peer(net, 9001, kSent);
    std::this_thread::sleep_for(100ms);
    std::vector<PacketView> batch(1024);
    EXPECT_EQ(source->read(batch), 64u) << "one UMEM's worth of frames";
    std::this_thread::sleep_for(20ms);  // the drop counters are read at most every 10 ms
    source->release();
    send_from_peer(net, 9001, 10, kSent);
    std::this_thread::sleep_for(100ms);
    ASSERT_EQ(source->read(batch), 10u);
    EXPECT_EQ(batch[0].drops_before, kSent - 64) << "epb_dropcount of the first packet after";
    EXPECT_EQ(batch[1].drops_before, 0u);
    source->release();
    const SourceStats stats = source->stats();
    ASSERT_TRUE(stats.xdp);
    EXPECT_EQ(stats.xdp->rx_dropped, kSent - 64);
    EXPECT_EQ(stats.xdp->rx_fill_ring_empty_descs, kSent - 64);
    EXPECT_EQ(stats.xdp->rx_ring_full, 0u);
    EXPECT_EQ(stats.dropped, kSent - 64);
    EXPECT_EQ(stats.received, kSent + 10);
    EXPECT_EQ(stats.delivered, 74u);
    EXPECT_THAT(drop_causes_text(stats),
                HasSubstr("436 rx_dropped (436 rx_fill_ring_empty_descs)"));
}

// ---------------------------------------------------------------------------------------------
// Safety: what AF_XDP refuses, and what auto never does

TEST(AfXdp, RefusesAnInterfaceWithAddressesWithoutTheOption) {
    SKIP_WITHOUT_AFXDP();
    TestNetwork net("xr");
    SourceOptions options = xdp_options(net.cap_if());
    options.xdp.take_host_traffic = false;
    const std::string message = open_error(net.cap_ns(), options);
    EXPECT_THAT(message, HasSubstr(net.cap_if() + ": the host uses this interface"));
    EXPECT_THAT(message, HasSubstr("198.18.0.1/24"));
    EXPECT_THAT(message, HasSubstr("--xdp-take-host-traffic"));
    EXPECT_EQ(message.find('\n'), std::string::npos) << "one line";
    EXPECT_FALSE(xdp_attached(net)) << "nothing attached by a refusal";
}

TEST(AfXdp, RefusesABridgePortAndALowerDeviceWithoutAddresses) {
    SKIP_WITHOUT_AFXDP();
    TestNetwork net("xb");
    net.in_cap("ip addr flush dev " + net.cap_if());
    SourceOptions options = xdp_options(net.cap_if());
    options.xdp.take_host_traffic = false;

    net.in_cap("ip link add rdxbr0 type bridge && ip link set " + net.cap_if() + " master rdxbr0");
    EXPECT_THAT(open_error(net.cap_ns(), options), HasSubstr("enslaved to rdxbr0"));
    net.in_cap("ip link set " + net.cap_if() + " nomaster && ip link del rdxbr0");

    net.in_cap("ip link add link " + net.cap_if() + " name rdxmv0 type macvlan");
    EXPECT_THAT(open_error(net.cap_ns(), options), HasSubstr("devices on top: rdxmv0"));
    net.in_cap("ip link del rdxmv0");

    // Nothing uses it any more: a mirror port. AF_XDP opens without the option.
    auto source = open_in(net.cap_ns(), options);
    EXPECT_THAT(source->description().description, HasSubstr("AF_XDP"));
}

// auto picks TPACKET_V3 on an interface with addresses and on one without: AF_XDP is only ever
// used when asked for (docs/afxdp.md, "Why auto never picks AF_XDP").
TEST(AfXdp, AutomaticBackendNeverPicksAfXdp) {
    SKIP_WITHOUT_AFXDP();
    TestNetwork net("xa");
    SourceOptions options;
    options.interface = net.cap_if();
    options.backend = Backend::automatic;
    options.buffer_bytes = 8u << 20;
    EXPECT_THAT(open_in(net.cap_ns(), options)->description().description, HasSubstr("TPACKET_V3"));
    net.in_cap("ip addr flush dev " + net.cap_if());
    EXPECT_THAT(open_in(net.cap_ns(), options)->description().description, HasSubstr("TPACKET_V3"));
    EXPECT_FALSE(xdp_attached(net));
}

// Loads and attaches (netlink, generic mode) a two-instruction XDP_PASS program: someone
// else's program. Returns its id. Runs in the calling thread's network namespace.
std::uint32_t attach_foreign_program(unsigned ifindex) {
    const bpf_insn program[] = {
        {BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, XDP_PASS},  // r0 = XDP_PASS
        {BPF_JMP | BPF_EXIT, 0, 0, 0, 0},                  // return r0
    };
    const int fd = bpf_prog_load(BPF_PROG_TYPE_XDP, "foreign_pass", "GPL", program, 2, nullptr);
    if (fd < 0) throw std::runtime_error("cannot load the foreign program: " + errno_text(-fd));
    const int attached = bpf_xdp_attach(static_cast<int>(ifindex), fd, XDP_FLAGS_SKB_MODE, nullptr);
    bpf_prog_info info{};
    std::uint32_t length = sizeof info;
    bpf_obj_get_info_by_fd(fd, &info, &length);
    ::close(fd);  // stays attached: netlink attachments hold their own reference
    if (attached != 0) {
        throw std::runtime_error("cannot attach the foreign program: " + errno_text(-attached));
    }
    return info.id;
}

TEST(AfXdp, RefusesAForeignXdpProgramNamingItAndTheFix) {
    SKIP_WITHOUT_AFXDP();
    TestNetwork net("xp");
    const std::uint32_t id = in_netns(net.cap_ns(), [&] {
        return attach_foreign_program(::if_nametoindex(net.cap_if().c_str()));
    });
    const std::string message = open_error(net.cap_ns(), xdp_options(net.cap_if()));
    EXPECT_THAT(message, HasSubstr("XDP program id " + std::to_string(id) + " (foreign_pass)"));
    EXPECT_THAT(message, HasSubstr("generic mode"));
    EXPECT_THAT(message, HasSubstr("ip link set dev " + net.cap_if() + " xdpgeneric off"));
    EXPECT_THAT(message, HasSubstr("--xdp-share"));
    EXPECT_EQ(message.find('\n'), std::string::npos) << "one line";
    EXPECT_THAT(net.in_cap("ip -j link show dev " + net.cap_if()),
                HasSubstr("\"id\":" + std::to_string(id)))
        << "the foreign program is left alone";
    // The fix the message names works.
    net.in_cap("ip link set dev " + net.cap_if() + " xdpgeneric off");
    EXPECT_THAT(open_in(net.cap_ns(), xdp_options(net.cap_if()))->description().description,
                HasSubstr("AF_XDP"));
}

// ---------------------------------------------------------------------------------------------
// Life cycle

TEST(AfXdp, DetachesWhenClosedAndTheHostGetsItsTrafficBack) {
    SKIP_WITHOUT_AFXDP();
    TestNetwork net("xc");
    auto sink = in_netns(net.cap_ns(), [] { return std::make_unique<UdpSocket>(9000); });
    auto source = open_in(net.cap_ns(), xdp_options(net.cap_if()));
    EXPECT_TRUE(xdp_attached(net));
    const std::uint64_t before = host_ip_packets(net);
    send_from_peer(net, 9001, 50);
    std::this_thread::sleep_for(50ms);
    EXPECT_EQ(host_ip_packets(net), before) << "taken by the capture";
    source.reset();
    EXPECT_FALSE(xdp_attached(net));
    send_from_peer(net, 9001, 50);
    std::this_thread::sleep_for(50ms);
    EXPECT_EQ(host_ip_packets(net), before + 50) << "the stack receives again";
}

// Sharing goes through libxdp: with its dispatcher where it loads, else libxdp falls back to
// attaching the program alone. Either way the capture works and the description says which.
TEST(AfXdp, ShareModeAttachesThroughLibxdpEitherWay) {
    SKIP_WITHOUT_AFXDP();
    TestNetwork net("xh");
    SourceOptions options = xdp_options(net.cap_if(), XdpMode::native);
    options.xdp.share = true;
    std::vector<std::unique_ptr<Source>> sources;
    sources.push_back(open_in(net.cap_ns(), options));
    EXPECT_THAT(sources[0]->description().description, HasSubstr("through libxdp"));
    BackgroundCapture capture(std::move(sources), StopConditions{200, 20s, {}});
    send_from_peer(net, 9001, 200);
    ASSERT_EQ(capture.wait(20s).reason, StopReason::packet_limit);
    EXPECT_EQ(capture.file().packets.size(), 200u);
    capture.stop();
}

TEST(AfXdp, InterfaceRemovedDuringTheCaptureEndsItWithTheReason) {
    SKIP_WITHOUT_AFXDP();
    TestNetwork net("xv");
    std::vector<std::unique_ptr<Source>> sources;
    sources.push_back(open_in(net.cap_ns(), xdp_options(net.cap_if())));
    BackgroundCapture capture(std::move(sources), StopConditions{{}, 20s, {}});
    send_from_peer(net, 9001, 100);
    std::this_thread::sleep_for(100ms);
    net.in_peer("ip link del " + net.peer_if());
    const CaptureResult result = capture.wait(5s);
    ASSERT_EQ(result.reason, StopReason::source_failed);
    ASSERT_TRUE(result.error);
    EXPECT_EQ(result.error->kind(), ErrorKind::interface_gone);
    EXPECT_EQ(result.packets_written, 100u) << "what was captured before is kept";
}

}  // namespace
}  // namespace ringdump::test
