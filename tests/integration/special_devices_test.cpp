// SPDX-License-Identifier: BSD-2-Clause
// Devices other than a plain veth: a tun device (no link-layer header: LINKTYPE_RAW) and VLAN
// traffic whose 802.1Q tag the kernel strips before the tap (ringdump puts it back).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/if_packet.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <netinet/ip.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <set>

#include "ringdump/linktype.h"
#include "ringdump/packet.h"
#include "test_network.h"

namespace ringdump::test {
namespace {

using namespace std::chrono_literals;

std::uint16_t ip_checksum(const std::uint8_t* header, std::size_t length) {
    std::uint32_t sum = 0;
    for (std::size_t i = 0; i < length; i += 2)
        sum += static_cast<std::uint32_t>(header[i] << 8 | header[i + 1]);
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return static_cast<std::uint16_t>(~sum);
}

// An IPv4/UDP datagram from 198.19.0.2:9002 to 198.19.0.1:9000 carrying sequence number seq.
std::vector<std::uint8_t> inbound_datagram(std::uint64_t seq) {
    std::vector<std::uint8_t> packet(20 + 8 + 64, 0x5a);
    const std::uint8_t ip[20] = {0x45, 0, 0,   92, 0, 0, 0x40, 0,  64, 17,
                                 0,    0, 198, 19, 0, 2, 198,  19, 0,  1};
    std::memcpy(packet.data(), ip, sizeof ip);
    const std::uint16_t checksum = ip_checksum(packet.data(), 20);
    packet[10] = static_cast<std::uint8_t>(checksum >> 8);
    packet[11] = static_cast<std::uint8_t>(checksum);
    const std::uint8_t udp[8] = {0x23, 0x2a, 0x23, 0x28, 0, 72, 0, 0};  // 9002 -> 9000, no checksum
    std::memcpy(packet.data() + 20, udp, sizeof udp);
    const char magic[8] = {'R', 'D', 'G', 'E', 'N', 0, 0, 1};
    std::memcpy(packet.data() + 28, magic, 8);
    std::memcpy(packet.data() + 36, &seq, 8);
    return packet;
}

TEST(SpecialDevices, TunDeviceIsCapturedAsRawIpBothWays) {
    RINGDUMP_SKIP_WITHOUT_NETNS();
    TestNetwork net("t");
    const std::string tun_name = net.cap_if() + "t";
    const int tun = in_netns(net.cap_ns(), [&] {
        const int fd = ::open("/dev/net/tun", O_RDWR | O_CLOEXEC);
        if (fd < 0) return fd;
        ifreq request{};
        request.ifr_flags = IFF_TUN | IFF_NO_PI;
        std::strncpy(request.ifr_name, tun_name.c_str(), IFNAMSIZ - 1);
        if (::ioctl(fd, TUNSETIFF, &request) != 0) {
            ::close(fd);
            return -1;
        }
        return fd;
    });
    if (tun < 0) GTEST_SKIP() << "no tun device support (/dev/net/tun)";
    net.in_cap("ip addr add 198.19.0.1/24 dev " + tun_name + " && ip link set " + tun_name + " up");

    std::vector<std::unique_ptr<Source>> sources;
    SourceOptions options;
    options.interface = tun_name;
    options.buffer_bytes = 4u << 20;
    sources.push_back(in_netns(net.cap_ns(), [&] { return open_source(options); }));
    BackgroundCapture capture(std::move(sources), StopConditions{400, 20s, {}});
    in_netns(net.cap_ns(), [&] {
        UdpSocket sink(9000), out(9001);
        out.send("198.19.0.2", 9000, 200, 64, 50000);  // routed out through the tun: outbound
        for (std::uint64_t i = 0; i < 200; ++i) {      // written by "the other end": inbound
            const auto datagram = inbound_datagram(i);
            if (::write(tun, datagram.data(), datagram.size()) < 0) ADD_FAILURE() << "tun write";
        }
        return 0;
    });
    ASSERT_EQ(capture.wait(20s).reason, StopReason::packet_limit);
    ::close(tun);
    const ReadFile file = capture.file();
    EXPECT_EQ(file.interfaces[0].link_type, kLinktypeRaw);
    EXPECT_NE(file.interfaces[0].option_string(3).find("TPACKET_V3"), std::string::npos)
        << "auto picks the TPACKET_V3 ring for tun devices";
    ASSERT_EQ(file.packets.size(), 400u);
    std::set<std::uint64_t> inbound, outbound;
    for (const ReadPacket& packet : file.packets) {
        ASSERT_GE(packet.data.size(), 20u);
        EXPECT_EQ(packet.data[0], 0x45) << "the frame starts at the IPv4 header";
        auto sequence = payload_sequence(packet.data, 0);
        ASSERT_TRUE(sequence);
        const std::uint32_t direction = epb_flags::direction(packet.flags().value_or(0));
        (direction == epb_flags::kInbound ? inbound : outbound).insert(*sequence);
        EXPECT_NE(direction, 0u);
    }
    EXPECT_EQ(inbound.size(), 200u);
    EXPECT_EQ(outbound.size(), 200u);
}

// An Ethernet frame with the given VLAN tags (outermost first: {tpid, tci}) carrying an
// IPv4/UDP datagram with sequence number seq.
std::vector<std::uint8_t> tagged_frame(
    const std::uint8_t (&dst)[6], const std::uint8_t (&src)[6],
    std::initializer_list<std::pair<std::uint16_t, std::uint16_t>> tags, std::uint64_t seq) {
    std::vector<std::uint8_t> frame(12);
    std::memcpy(frame.data(), dst, 6);
    std::memcpy(frame.data() + 6, src, 6);
    for (auto [tpid, tci] : tags) {
        for (std::uint16_t field : {tpid, tci}) {
            frame.push_back(static_cast<std::uint8_t>(field >> 8));
            frame.push_back(static_cast<std::uint8_t>(field));
        }
    }
    frame.push_back(0x08);
    frame.push_back(0x00);
    const auto datagram = inbound_datagram(seq);
    frame.insert(frame.end(), datagram.begin(), datagram.end());
    return frame;
}

void send_frames(const std::string& interface,
                 const std::vector<std::vector<std::uint8_t>>& frames) {
    const int fd = ::socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
    ASSERT_GE(fd, 0);
    sockaddr_ll to{};
    to.sll_family = AF_PACKET;
    to.sll_ifindex = static_cast<int>(::if_nametoindex(interface.c_str()));
    for (const auto& frame : frames) {
        EXPECT_EQ(::sendto(fd, frame.data(), frame.size(), 0, reinterpret_cast<sockaddr*>(&to),
                           sizeof to),
                  static_cast<ssize_t>(frame.size()));
    }
    ::close(fd);
}

// Receive offload moves the outer 802.1Q/802.1ad tag out of the frame into skb metadata before
// any tap sees it (skb_vlan_untag in __netif_receive_skb_core), so inbound tagged frames reach
// the ring without their tag and ringdump must put it back. Frames sent by a raw socket keep
// the tag in their data.
TEST(SpecialDevices, StrippedVlanTagsArePutBack) {
    RINGDUMP_SKIP_WITHOUT_NETNS();
    TestNetwork net("q");
    SourceOptions options;
    options.interface = net.cap_if();
    options.buffer_bytes = 4u << 20;
    std::vector<std::unique_ptr<Source>> sources;
    sources.push_back(in_netns(net.cap_ns(), [&] { return open_source(options); }));
    BackgroundCapture capture(std::move(sources), StopConditions{300, 20s, {}});

    const std::uint8_t cap_mac[6] = {2, 0, 0, 0, 0, 1}, peer_mac[6] = {2, 0, 0, 0, 0, 2};
    std::vector<std::vector<std::uint8_t>> inbound, qinq, outbound;
    for (std::uint64_t i = 0; i < 100; ++i) {
        inbound.push_back(tagged_frame(cap_mac, peer_mac, {{0x8100, 0xA02A}}, i));
        qinq.push_back(
            tagged_frame(cap_mac, peer_mac, {{0x88a8, 0x0064}, {0x8100, 0x002A}}, 100 + i));
        outbound.push_back(tagged_frame(peer_mac, cap_mac, {{0x8100, 0xA02A}}, 200 + i));
    }
    in_netns(net.peer_ns(), [&] {
        send_frames(net.peer_if(), inbound);
        send_frames(net.peer_if(), qinq);
    });
    in_netns(net.cap_ns(), [&] { send_frames(net.cap_if(), outbound); });
    ASSERT_EQ(capture.wait(20s).reason, StopReason::packet_limit);

    const ReadFile file = capture.file();
    ASSERT_EQ(file.packets.size(), 300u);
    std::set<std::uint64_t> seen;
    for (const ReadPacket& packet : file.packets) {
        auto field = [&](std::size_t at) { return packet.data[at] << 8 | packet.data[at + 1]; };
        const bool double_tagged = field(12) == 0x88a8;
        const std::size_t ip_offset = double_tagged ? 22 : 18;
        auto sequence = payload_sequence(packet.data, ip_offset);
        ASSERT_TRUE(sequence) << "frame " << seen.size() << " lost its tag or its payload";
        seen.insert(*sequence);
        EXPECT_EQ(packet.caplen, ip_offset + 2 + 92 - 2);
        EXPECT_EQ(packet.wirelen, packet.caplen);
        if (*sequence >= 100 && *sequence < 200) {
            EXPECT_TRUE(double_tagged) << "QinQ keeps its outer 802.1ad TPID";
            EXPECT_EQ(field(14), 0x0064);
            EXPECT_EQ(field(16), 0x8100);
            EXPECT_EQ(field(18), 0x002A);
        } else {
            EXPECT_EQ(field(12), 0x8100);
            EXPECT_EQ(field(14), 0xA02A) << "priority and VLAN id";
            EXPECT_EQ(field(16), 0x0800);
        }
        const std::uint32_t direction = epb_flags::direction(packet.flags().value_or(0));
        EXPECT_EQ(direction, *sequence >= 200 ? epb_flags::kOutbound : epb_flags::kInbound);
    }
    EXPECT_EQ(seen.size(), 300u);
}

// The premise of the test above: on receive the ring holds the frame without its outer tag and
// reports the tag beside it. Without this, the test above would pass without re-inserting.
TEST(SpecialDevices, KernelHandsOverReceivedTagsOutsideTheFrame) {
    RINGDUMP_SKIP_WITHOUT_NETNS();
    TestNetwork net("k");
    SourceOptions options;
    options.interface = net.cap_if();
    options.buffer_bytes = 1u << 20;
    options.block_timeout_ms = 1;
    auto source = in_netns(net.cap_ns(), [&] { return open_source(options); });
    const std::uint8_t cap_mac[6] = {2, 0, 0, 0, 0, 1}, peer_mac[6] = {2, 0, 0, 0, 0, 2};
    in_netns(net.peer_ns(), [&] {
        send_frames(net.peer_if(),
                    {tagged_frame(cap_mac, peer_mac, {{0x88a8, 0x0064}, {0x8100, 0x002A}}, 7)});
    });
    std::vector<PacketView> views(4);
    std::size_t count = 0;
    for (int i = 0; i < 100 && count == 0; ++i) {
        std::this_thread::sleep_for(10ms);
        count = source->read(views);
    }
    ASSERT_EQ(count, 1u);
    EXPECT_EQ(views[0].vlan_tpid, 0x88a8);
    EXPECT_EQ(views[0].vlan_tci, 0x0064);
    EXPECT_EQ(views[0].data[12] << 8 | views[0].data[13], 0x8100)
        << "the inner tag stays in the frame";
    source->release();
}

// "vlan 42" must match tagged frames although the kernel removed the tag before the socket
// filter runs: the filter has to test the tag the kernel keeps beside the frame.
TEST(SpecialDevices, VlanFilterMatchesFramesWhoseTagTheKernelStripped) {
    RINGDUMP_SKIP_WITHOUT_NETNS();
    TestNetwork net("g");
    SourceOptions options;
    options.interface = net.cap_if();
    options.buffer_bytes = 1u << 20;
    options.filter = "vlan 42";
    std::vector<std::unique_ptr<Source>> sources;
    sources.push_back(in_netns(net.cap_ns(), [&] { return open_source(options); }));
    BackgroundCapture capture(std::move(sources), StopConditions{{}, 20s, {}});
    const std::uint8_t cap_mac[6] = {2, 0, 0, 0, 0, 1}, peer_mac[6] = {2, 0, 0, 0, 0, 2};
    std::vector<std::vector<std::uint8_t>> frames;
    for (std::uint64_t i = 0; i < 40; ++i) {
        const std::uint16_t vid = i % 4 == 0 ? 42 : i % 4 == 1 ? 43 : 0;
        frames.push_back(vid != 0 ? tagged_frame(cap_mac, peer_mac, {{0x8100, vid}}, i)
                                  : tagged_frame(cap_mac, peer_mac, {}, i));
    }
    in_netns(net.peer_ns(), [&] { send_frames(net.peer_if(), frames); });
    std::this_thread::sleep_for(300ms);
    capture.stop();
    const ReadFile file = capture.file();
    ASSERT_EQ(file.packets.size(), 10u) << "one frame in four is tagged with VLAN 42";
    for (const ReadPacket& packet : file.packets) {
        EXPECT_EQ(packet.data[12] << 8 | packet.data[13], 0x8100);
        EXPECT_EQ(packet.data[14] << 8 | packet.data[15], 42);
        EXPECT_EQ(payload_sequence(packet.data, 18).value_or(1) % 4, 0u);
    }
}

}  // namespace
}  // namespace ringdump::test
