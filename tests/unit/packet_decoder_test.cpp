// SPDX-License-Identifier: BSD-2-Clause
// The header decoder on hand-built frames. Every expected value is worked out by hand from the
// bytes written here (offsets and lengths in the comments). Each decode runs on a copy of the
// frame in a heap buffer of exactly caplen bytes, so AddressSanitizer reports any read past the
// captured bytes.
#include "ringdump/packet_decoder.h"

#include "frame_builder.h"

#include <array>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "ringdump/linktype.h"
#include "ringdump/packet.h"

namespace ringdump {
namespace {

using decode_flags::kFirstFragment;
using decode_flags::kFragment;
using decode_flags::kMalformed;
using decode_flags::kTruncated;
using decode_flags::kVlan;
using Bytes = std::vector<std::uint8_t>;

// Frame bytes, multi-byte fields in network byte order: the builder shared with the other tests.
using test::FrameBuilder;

struct Capture {
    std::uint16_t link_type = kLinktypeEthernet;
    std::size_t caplen = SIZE_MAX;  // default: the whole frame
    std::uint32_t wirelen = 0;      // default: the whole frame
    std::uint16_t vlan_tpid = 0;
    std::uint16_t vlan_tci = 0;
};

// Decodes the first caplen bytes of frame from a heap buffer of exactly that size.
DecodedPacket decode(const Bytes& frame, Capture capture = {}) {
    const std::size_t caplen = capture.caplen == SIZE_MAX ? frame.size() : capture.caplen;
    std::unique_ptr<std::uint8_t[]> buffer(new std::uint8_t[caplen]);
    std::copy(frame.begin(), frame.begin() + static_cast<std::ptrdiff_t>(caplen), buffer.get());
    PacketView view;
    view.data = buffer.get();
    view.caplen = static_cast<std::uint32_t>(caplen);
    view.wirelen =
        capture.wirelen != 0 ? capture.wirelen : static_cast<std::uint32_t>(frame.size());
    view.vlan_tpid = capture.vlan_tpid;
    view.vlan_tci = capture.vlan_tci;
    DecodedPacket out;
    // Garbage in every field first: decode_packet must overwrite all of it.
    out.network = Network::other;
    out.transport = Transport::other;
    out.flags = 0xff;
    out.ip_protocol = 0xff;
    out.vlan_id = 0xffff;
    out.source.fill(0xee);
    out.destination.fill(0xee);
    out.source_port = out.destination_port = 0xffff;
    out.sequence = out.acknowledgement = 0xffffffff;
    out.window = 0xffff;
    out.tcp_flags = 0xff;
    out.payload_length = 0xffffffff;
    decode_packet(view, capture.link_type, out);
    return out;
}

std::string describe(const DecodedPacket& p) {
    std::ostringstream s;
    s << "network=" << int(p.network) << " transport=" << int(p.transport) << " flags=0x"
      << std::hex << int(p.flags) << std::dec << " proto=" << int(p.ip_protocol)
      << " vlan=" << p.vlan_id << " ports=" << p.source_port << ">" << p.destination_port
      << " seq=" << p.sequence << " ack=" << p.acknowledgement << " win=" << p.window
      << " tcpflags=0x" << std::hex << int(p.tcp_flags) << std::dec
      << " payload=" << p.payload_length;
    return s.str();
}

std::array<std::uint8_t, 16> v4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) {
    return {a, b, c, d};
}

// Nothing decoded past the link layer: every IP and transport field at its zero value.
void expect_no_ip_fields(const DecodedPacket& p) {
    EXPECT_EQ(p.transport, Transport::none) << describe(p);
    EXPECT_EQ(p.ip_protocol, 0);
    EXPECT_EQ(p.source, (std::array<std::uint8_t, 16>{}));
    EXPECT_EQ(p.destination, (std::array<std::uint8_t, 16>{}));
    EXPECT_EQ(p.source_port, 0);
    EXPECT_EQ(p.destination_port, 0);
    EXPECT_EQ(p.payload_length, 0u);
}

void expect_no_transport_fields(const DecodedPacket& p) {
    EXPECT_FALSE(p.has_ports()) << describe(p);
    EXPECT_EQ(p.source_port, 0);
    EXPECT_EQ(p.destination_port, 0);
    EXPECT_EQ(p.sequence, 0u);
    EXPECT_EQ(p.acknowledgement, 0u);
    EXPECT_EQ(p.window, 0);
    EXPECT_EQ(p.tcp_flags, 0);
}

// Ethernet / 802.1Q (PCP 5, VID 100) / IPv4 with 8 bytes of options / TCP with 12 bytes of
// options / 10 bytes of payload.
//   0  Ethernet (12 addresses + TPID 8100)   14  TCI + type 0800
//   18 IPv4, ihl 7 (28 bytes): total 28 + 32 + 10 = 70
//   46 TCP, data offset 8 (32 bytes)         66  TCP options   78  payload   88 end
Bytes vlan_ipv4_tcp_options() {
    FrameBuilder f;
    f.ethernet(0x8100).tag(0xa064, 0x0800);
    f.ipv4(70, 6, 0x4000, 7).raw({0x01, 0x01, 0x01, 0x94, 0x04, 0x00, 0x00, 0x00});
    f.tcp(40000, 443, 0x01020304, 0xa0b0c0d0, 8, tcp_flags::kPsh | tcp_flags::kAck, 64240);
    f.raw({0x01, 0x01, 0x08, 0x0a, 0, 0, 0x10, 0, 0, 0, 0x20, 0});  // NOP NOP timestamps
    f.fill(10, 0xab);
    EXPECT_EQ(f.size(), 88u);
    return f.bytes();
}

// Ethernet / IPv6 / hop-by-hop (8) / destination options (16) / routing (24) / TCP (20) / 5.
//   0  Ethernet   14 IPv6: payload 8 + 16 + 24 + 20 + 5 = 73, next header 0
//   54 hop-by-hop: next 60, length 0 (8 bytes), PadN
//   62 destination options: next 43, length 1 (16 bytes), PadN
//   78 routing: next 6, length 2 (24 bytes), type 0, segments left 0
//   102 TCP, SYN   122 payload   127 end
Bytes ipv6_extension_headers_tcp() {
    FrameBuilder f;
    f.ethernet(0x86dd).ipv6(73, 0);
    f.raw({60, 0, 0x01, 0x04, 0, 0, 0, 0});
    f.raw({43, 1, 0x01, 0x0c}).fill(12);
    f.raw({6, 2, 0, 0, 0, 0, 0, 0}).fill(16, 0x11);
    f.tcp(49152, 80, 1000, 0, 5, tcp_flags::kSyn, 65535);
    f.fill(5, 0xcd);
    EXPECT_EQ(f.size(), 127u);
    return f.bytes();
}

TEST(PacketDecoder, EthernetVlanIpv4TcpWithOptions) {
    const auto p = decode(vlan_ipv4_tcp_options());
    EXPECT_EQ(p.network, Network::ipv4);
    EXPECT_EQ(p.transport, Transport::tcp);
    EXPECT_EQ(p.flags, kVlan) << describe(p);
    EXPECT_EQ(p.vlan_id, 100);
    EXPECT_EQ(p.ip_protocol, 6);
    EXPECT_EQ(p.source, v4(198, 18, 0, 1));
    EXPECT_EQ(p.destination, v4(198, 18, 0, 2));
    EXPECT_TRUE(p.is_ip());
    EXPECT_TRUE(p.has_ports());
    EXPECT_EQ(p.source_port, 40000);
    EXPECT_EQ(p.destination_port, 443);
    EXPECT_EQ(p.sequence, 0x01020304u);
    EXPECT_EQ(p.acknowledgement, 0xa0b0c0d0u);
    EXPECT_EQ(p.window, 64240);
    EXPECT_EQ(p.tcp_flags, tcp_flags::kPsh | tcp_flags::kAck);
    EXPECT_EQ(p.payload_length, 10u);  // 70 - 28 - 32
}

TEST(PacketDecoder, Ipv4OptionsAreSkipped) {
    // IPv4 with 40 bytes of options (ihl 15, the maximum): UDP after them at 14 + 60 = 74.
    FrameBuilder f;
    f.ethernet(0x0800).ipv4(60 + 8 + 3, 17, 0, 15).fill(40, 0x01);  // NOPs
    f.udp(5353, 5353, 11).raw({1, 2, 3});
    ASSERT_EQ(f.size(), 85u);
    const auto p = decode(f.bytes());
    EXPECT_EQ(p.network, Network::ipv4);
    EXPECT_EQ(p.transport, Transport::udp);
    EXPECT_EQ(p.flags, 0) << describe(p);
    EXPECT_EQ(p.source_port, 5353);
    EXPECT_EQ(p.payload_length, 3u);
}

TEST(PacketDecoder, TcpFlagsAreTheLowSixBits) {
    FrameBuilder f;
    f.ethernet(0x0800).ipv4(40, 6);
    // Byte 12: offset 5 plus the NS bit; byte 13: CWR ECE and all six classic flags.
    f.tcp(1, 2, 3, 4, 5, 0xff, 5);
    Bytes frame = f.bytes();
    frame[14 + 20 + 12] = 0x51;
    const auto p = decode(frame);
    EXPECT_EQ(p.transport, Transport::tcp);
    EXPECT_EQ(p.tcp_flags, 0x3f);
    EXPECT_EQ(p.tcp_flags, tcp_flags::kFin | tcp_flags::kSyn | tcp_flags::kRst | tcp_flags::kPsh |
                               tcp_flags::kAck | tcp_flags::kUrg);
    EXPECT_EQ(p.payload_length, 0u);
}

TEST(PacketDecoder, Ipv6ExtensionHeadersThenTcp) {
    const auto p = decode(ipv6_extension_headers_tcp());
    EXPECT_EQ(p.network, Network::ipv6);
    EXPECT_EQ(p.transport, Transport::tcp);
    EXPECT_EQ(p.flags, 0) << describe(p);
    EXPECT_EQ(p.ip_protocol, 6);
    EXPECT_EQ(p.source, FrameBuilder::kV6Source);
    EXPECT_EQ(p.destination, FrameBuilder::kV6Destination);
    EXPECT_EQ(p.source_port, 49152);
    EXPECT_EQ(p.destination_port, 80);
    EXPECT_EQ(p.sequence, 1000u);
    EXPECT_EQ(p.acknowledgement, 0u);
    EXPECT_EQ(p.window, 65535);
    EXPECT_EQ(p.tcp_flags, tcp_flags::kSyn);
    EXPECT_EQ(p.payload_length, 5u);  // 73 - 48 - 20
}

TEST(PacketDecoder, Ipv6AuthenticationHeaderLengthIsInFourByteUnits) {
    // AH payload length 4: (4 + 2) * 4 = 24 bytes. IPv6 payload 24 + 8 + 2 = 34.
    FrameBuilder f;
    f.ethernet(0x86dd).ipv6(34, 51);
    f.raw({17, 4, 0, 0}).fill(20, 0x22);
    f.udp(500, 4500, 10).raw({9, 9});
    const auto p = decode(f.bytes());
    EXPECT_EQ(p.transport, Transport::udp) << describe(p);
    EXPECT_EQ(p.ip_protocol, 17);
    EXPECT_EQ(p.source_port, 500);
    EXPECT_EQ(p.destination_port, 4500);
    EXPECT_EQ(p.payload_length, 2u);
}

TEST(PacketDecoder, Ipv6NoNextHeader) {
    // Hop-by-hop then 59: nothing after; padding after the IPv6 payload is ignored.
    FrameBuilder f;
    f.ethernet(0x86dd).ipv6(8, 0).raw({59, 0, 0x01, 0x04, 0, 0, 0, 0}).fill(10);
    const auto p = decode(f.bytes());
    EXPECT_EQ(p.network, Network::ipv6);
    EXPECT_EQ(p.transport, Transport::none);
    EXPECT_EQ(p.ip_protocol, 59);
    EXPECT_EQ(p.flags, 0);
    EXPECT_EQ(p.payload_length, 0u);
}

TEST(PacketDecoder, Ipv6ExtensionHeaderChainIsBounded) {
    // 16 destination-options headers are walked; a 17th is beyond the bound: left undecoded,
    // not flagged.
    for (int count : {16, 17}) {
        FrameBuilder f;
        f.ethernet(0x86dd).ipv6(static_cast<std::uint16_t>(count * 8 + 8), 60);
        for (int i = 0; i < count; ++i) {
            f.raw({static_cast<std::uint8_t>(i + 1 == count ? 17 : 60), 0, 1, 4, 0, 0, 0, 0});
        }
        f.udp(1, 2, 8);
        const auto p = decode(f.bytes());
        EXPECT_EQ(p.network, Network::ipv6);
        EXPECT_EQ(p.flags, 0);
        if (count == 16) {
            EXPECT_EQ(p.transport, Transport::udp) << describe(p);
            EXPECT_EQ(p.ip_protocol, 17);
        } else {
            EXPECT_EQ(p.transport, Transport::none) << describe(p);
            EXPECT_EQ(p.ip_protocol, 60);
        }
    }
}

TEST(PacketDecoder, Ipv6FirstFragmentDecodesPorts) {
    // Fragment header: next 17, offset 0, M = 1. IPv6 payload 8 + 8 + 50 = 66; the UDP length
    // (2000) covers the whole datagram, so it is larger than this fragment: not malformed.
    FrameBuilder f;
    f.ethernet(0x86dd).ipv6(66, 44);
    f.raw({17, 0}).be16(0x0001).be32(0xdeadbeef);
    f.udp(4000, 53, 2000).fill(50, 0x33);
    const auto p = decode(f.bytes());
    EXPECT_EQ(p.network, Network::ipv6);
    EXPECT_EQ(p.transport, Transport::udp);
    EXPECT_EQ(p.flags, kFirstFragment) << describe(p);
    EXPECT_EQ(p.ip_protocol, 17);
    EXPECT_TRUE(p.has_ports());
    EXPECT_EQ(p.source_port, 4000);
    EXPECT_EQ(p.destination_port, 53);
    EXPECT_EQ(p.payload_length, 50u);  // UDP payload bytes in this fragment: 66 - 8 - 8
}

TEST(PacketDecoder, Ipv6NonFirstFragmentHasNoPorts) {
    // Fragment offset 1448 bytes = 181 units: field 181 << 3 = 0x05a8, M = 0. Payload 8 + 100.
    FrameBuilder f;
    f.ethernet(0x86dd).ipv6(108, 44);
    f.raw({6, 0}).be16(0x05a8).be32(1);
    f.fill(100, 0x44);  // looks like nothing in particular: must not be read as TCP
    const auto p = decode(f.bytes());
    EXPECT_EQ(p.network, Network::ipv6);
    EXPECT_EQ(p.transport, Transport::tcp);
    EXPECT_EQ(p.flags, kFragment) << describe(p);
    EXPECT_EQ(p.ip_protocol, 6);
    expect_no_transport_fields(p);
    EXPECT_EQ(p.payload_length, 100u);
}

TEST(PacketDecoder, Ipv6AtomicFragmentIsAWholePacket) {
    // Offset 0 and M = 0 (RFC 6946): neither fragment flag; TCP decoded.
    FrameBuilder f;
    f.ethernet(0x86dd).ipv6(8 + 20, 44);
    f.raw({6, 0}).be16(0x0000).be32(7);
    f.tcp(1234, 22, 5, 6, 5, tcp_flags::kAck, 100);
    const auto p = decode(f.bytes());
    EXPECT_EQ(p.transport, Transport::tcp);
    EXPECT_EQ(p.flags, 0) << describe(p);
    EXPECT_EQ(p.destination_port, 22);
    EXPECT_EQ(p.payload_length, 0u);
}

TEST(PacketDecoder, Ipv6SecondFragmentHeaderIsMalformed) {
    // Found by the fuzzer: a first-fragment header (offset 0, M = 1) followed by a later-fragment
    // header (offset 8) would make the packet both. RFC 8200 allows one fragment header.
    FrameBuilder f;
    f.ethernet(0x86dd).ipv6(8 + 8 + 8, 44);
    f.raw({44, 0}).be16(0x0001).be32(1);
    f.raw({17, 0}).be16(0x0008).be32(2);
    f.fill(8);
    const auto p = decode(f.bytes());
    EXPECT_EQ(p.flags, kFirstFragment | kMalformed) << describe(p);
    EXPECT_EQ(p.ip_protocol, 44);
    EXPECT_EQ(p.transport, Transport::none);
}

TEST(PacketDecoder, Ipv4FirstFragmentDecodesPorts) {
    // MF set, offset 0: total 128 = 20 + 8 + 100; UDP length 1008 (whole datagram).
    FrameBuilder f;
    f.ethernet(0x0800).ipv4(128, 17, 0x2000).udp(6000, 7000, 1008).fill(100, 0x55);
    const auto p = decode(f.bytes());
    EXPECT_EQ(p.network, Network::ipv4);
    EXPECT_EQ(p.transport, Transport::udp);
    EXPECT_EQ(p.flags, kFirstFragment) << describe(p);
    EXPECT_TRUE(p.has_ports());
    EXPECT_EQ(p.source_port, 6000);
    EXPECT_EQ(p.destination_port, 7000);
    EXPECT_EQ(p.payload_length, 100u);
}

TEST(PacketDecoder, Ipv4FirstFragmentTcp) {
    // MF set, offset 0: total 20 + 20 + 1000.
    FrameBuilder f;
    f.ethernet(0x0800).ipv4(1040, 6, 0x2000).tcp(80, 50000, 77, 88, 5, tcp_flags::kAck, 9);
    f.fill(1000);
    const auto p = decode(f.bytes());
    EXPECT_EQ(p.transport, Transport::tcp);
    EXPECT_EQ(p.flags, kFirstFragment) << describe(p);
    EXPECT_EQ(p.sequence, 77u);
    EXPECT_EQ(p.payload_length, 1000u);
}

TEST(PacketDecoder, Ipv4NonFirstFragmentHasNoPorts) {
    // Offset 1480 bytes = 185 units (0x00b9), MF clear (the last fragment): total 20 + 300.
    for (std::uint16_t fragment : {std::uint16_t{0x00b9}, std::uint16_t{0x20b9}}) {
        FrameBuilder f;
        f.ethernet(0x0800).ipv4(320, 17, fragment).fill(300, 0x66);
        const auto p = decode(f.bytes());
        EXPECT_EQ(p.network, Network::ipv4);
        EXPECT_EQ(p.transport, Transport::udp);
        EXPECT_EQ(p.flags, kFragment) << describe(p);
        EXPECT_EQ(p.ip_protocol, 17);
        EXPECT_EQ(p.source, v4(198, 18, 0, 1));
        expect_no_transport_fields(p);
        EXPECT_EQ(p.payload_length, 300u);
    }
}

TEST(PacketDecoder, Ipv4DontFragmentIsNotAFragment) {
    FrameBuilder f;
    f.ethernet(0x0800).ipv4(28, 17, 0x4000).udp(1, 2, 8);
    EXPECT_EQ(decode(f.bytes()).flags, 0);
}

Bytes ethernet_header_only(std::uint16_t type) {
    FrameBuilder f;
    f.ethernet(type);
    return f.bytes();
}

TEST(PacketDecoder, QinQOuterTagGivesTheVlanId) {
    // 88a8 VID 10 (PCP 3: 0x600a), then 8100 VID 20, then IPv4 / UDP.
    FrameBuilder f;
    f.ethernet(0x88a8).tag(0x600a, 0x8100).tag(0x0014, 0x0800);
    f.ipv4(30, 17).udp(1111, 2222, 10).raw({0, 0});
    const auto p = decode(f.bytes());
    EXPECT_EQ(p.flags, kVlan) << describe(p);
    EXPECT_EQ(p.vlan_id, 10);
    EXPECT_EQ(p.transport, Transport::udp);
    EXPECT_EQ(p.source_port, 1111);
    EXPECT_EQ(p.destination_port, 2222);
    EXPECT_EQ(p.payload_length, 2u);
}

TEST(PacketDecoder, Tpid9100IsATag) {
    FrameBuilder f;
    f.ethernet(0x9100).tag(0x0fff, 0x86dd).ipv6(8, 17).udp(1, 2, 8);
    const auto p = decode(f.bytes());
    EXPECT_EQ(p.flags, kVlan);
    EXPECT_EQ(p.vlan_id, 4095);
    EXPECT_EQ(p.network, Network::ipv6);
    EXPECT_EQ(p.transport, Transport::udp);
}

TEST(PacketDecoder, StackedTagsAreBounded) {
    // Eight tags are walked; a ninth is past the bound: network other, not flagged otherwise.
    for (int count : {8, 9}) {
        FrameBuilder f;
        f.ethernet(0x8100);
        for (int i = 0; i < count; ++i) {
            f.tag(static_cast<std::uint16_t>(i + 1), i + 1 == count ? 0x0800 : 0x8100);
        }
        f.ipv4(28, 17).udp(1, 2, 8);
        const auto p = decode(f.bytes());
        EXPECT_EQ(p.flags, kVlan);
        EXPECT_EQ(p.vlan_id, 1);
        EXPECT_EQ(p.network, count == 8 ? Network::ipv4 : Network::other) << count;
    }
}

TEST(PacketDecoder, KernelStrippedTagIsTheOutermost) {
    // The kernel took 8100 / TCI 0x2123 (PCP 1, VID 0x123 = 291) off the frame; the frame still
    // has an inner tag with VID 7.
    FrameBuilder f;
    f.ethernet(0x8100).tag(0x0007, 0x0800).ipv4(28, 17).udp(1, 2, 8);
    const auto p = decode(f.bytes(), {.vlan_tpid = 0x8100, .vlan_tci = 0x2123});
    EXPECT_EQ(p.flags, kVlan);
    EXPECT_EQ(p.vlan_id, 291);
    EXPECT_EQ(p.transport, Transport::udp);

    // An untagged frame with a stripped 802.1ad tag: VID from the TCI alone.
    FrameBuilder g;
    g.ethernet(0x0800).ipv4(28, 17).udp(1, 2, 8);
    const auto q = decode(g.bytes(), {.vlan_tpid = 0x88a8, .vlan_tci = 0xf00d});
    EXPECT_EQ(q.flags, kVlan);
    EXPECT_EQ(q.vlan_id, 0x00d);
    EXPECT_EQ(q.network, Network::ipv4);

    // VID 0 (priority tag) still counts as a tag.
    const auto r = decode(g.bytes(), {.vlan_tpid = 0x8100, .vlan_tci = 0xe000});
    EXPECT_EQ(r.flags, kVlan);
    EXPECT_EQ(r.vlan_id, 0);

    // The stripped tag is known even when the frame is cut before its Ethernet header ends.
    const auto s = decode(g.bytes(), {.caplen = 6, .vlan_tpid = 0x8100, .vlan_tci = 42});
    EXPECT_EQ(s.flags, kVlan | kTruncated);
    EXPECT_EQ(s.vlan_id, 42);
}

TEST(PacketDecoder, RawIpv4) {
    FrameBuilder f;
    f.ipv4(20 + 8 + 4, 17).udp(68, 67, 12).raw({1, 2, 3, 4});
    const auto p = decode(f.bytes(), {.link_type = kLinktypeRaw});
    EXPECT_EQ(p.network, Network::ipv4);
    EXPECT_EQ(p.transport, Transport::udp);
    EXPECT_EQ(p.flags, 0);
    EXPECT_EQ(p.source, v4(198, 18, 0, 1));
    EXPECT_EQ(p.source_port, 68);
    EXPECT_EQ(p.destination_port, 67);
    EXPECT_EQ(p.payload_length, 4u);
    // A stripped tag means nothing without an Ethernet header.
    const auto q = decode(f.bytes(), {.link_type = kLinktypeRaw, .vlan_tpid = 0x8100});
    EXPECT_EQ(q.flags, 0);
}

TEST(PacketDecoder, RawIpv6) {
    FrameBuilder f;
    f.ipv6(20 + 3, 6).tcp(443, 40001, 9, 10, 5, tcp_flags::kFin | tcp_flags::kAck, 2);
    f.raw({7, 7, 7});
    const auto p = decode(f.bytes(), {.link_type = kLinktypeRaw});
    EXPECT_EQ(p.network, Network::ipv6);
    EXPECT_EQ(p.transport, Transport::tcp);
    EXPECT_EQ(p.destination, FrameBuilder::kV6Destination);
    EXPECT_EQ(p.source_port, 443);
    EXPECT_EQ(p.tcp_flags, tcp_flags::kFin | tcp_flags::kAck);
    EXPECT_EQ(p.payload_length, 3u);
}

TEST(PacketDecoder, RawIpOtherVersionIsMalformed) {
    Bytes frame(40, 0);
    frame[0] = 0x50;
    const auto p = decode(frame, {.link_type = kLinktypeRaw});
    EXPECT_EQ(p.network, Network::none);
    EXPECT_EQ(p.flags, kMalformed);
    const auto empty = decode(Bytes{}, {.link_type = kLinktypeRaw});
    EXPECT_EQ(empty.flags, kTruncated);
}

TEST(PacketDecoder, OtherLinkTypesAreNotDecoded) {
    FrameBuilder f;
    f.ethernet(0x0800).ipv4(28, 17).udp(1, 2, 8);
    for (std::uint16_t link : {std::uint16_t{0}, std::uint16_t{113}, std::uint16_t{127}}) {
        const auto p = decode(f.bytes(), {.link_type = link, .vlan_tpid = 0x8100});
        EXPECT_EQ(p.network, Network::none);
        EXPECT_EQ(p.flags, 0);
        expect_no_ip_fields(p);
    }
}

TEST(PacketDecoder, Arp) {
    // Request: hardware 1, protocol 0800, sizes 6 and 4, opcode 1, then the addresses; padded
    // to 60 bytes.
    FrameBuilder f;
    f.ethernet(0x0806).be16(1).be16(0x0800).u8(6).u8(4).be16(1);
    f.raw({2, 0, 0, 0, 0, 2, 198, 18, 0, 2}).fill(6).raw({198, 18, 0, 1}).fill(18);
    ASSERT_EQ(f.size(), 60u);
    const auto p = decode(f.bytes());
    EXPECT_EQ(p.network, Network::arp);
    EXPECT_EQ(p.flags, 0);
    EXPECT_FALSE(p.is_ip());
    expect_no_ip_fields(p);
}

TEST(PacketDecoder, Ieee8023LengthFrameIsOther) {
    // 802.3 with a length field (38) and LLC (spanning tree: DSAP 42 SSAP 42 control 03).
    FrameBuilder f;
    f.ethernet(38).raw({0x42, 0x42, 0x03}).fill(35);
    const auto p = decode(f.bytes());
    EXPECT_EQ(p.network, Network::other);
    EXPECT_EQ(p.flags, 0);
    expect_no_ip_fields(p);
    // Just the header, nothing after: still no crash, still other.
    const auto q = decode(f.bytes(), {.caplen = 14});
    EXPECT_EQ(q.network, Network::other);
    EXPECT_EQ(q.flags, 0);
    // Another Ethernet type (IPX).
    EXPECT_EQ(decode(ethernet_header_only(0x8137)).network, Network::other);
}

TEST(PacketDecoder, UdpLengthFromTheUdpHeaderNotThePadding) {
    // 4 bytes of UDP payload: IPv4 total 32, frame padded to the Ethernet minimum of 60.
    FrameBuilder f;
    f.ethernet(0x0800).ipv4(32, 17).udp(53000, 53, 12).raw({1, 2, 3, 4}).fill(14);
    ASSERT_EQ(f.size(), 60u);
    const auto p = decode(f.bytes());
    EXPECT_EQ(p.transport, Transport::udp);
    EXPECT_EQ(p.flags, 0);
    EXPECT_EQ(p.source_port, 53000);
    EXPECT_EQ(p.destination_port, 53);
    EXPECT_EQ(p.payload_length, 4u);
    EXPECT_EQ(p.sequence, 0u);
}

TEST(PacketDecoder, UdpLengthShorterThanIpPayloadIsAccepted) {
    // UDP says 10 (2 bytes of payload), IP carries 8 + 6: the UDP length rules.
    FrameBuilder f;
    f.ethernet(0x0800).ipv4(34, 17).udp(1, 2, 10).fill(6);
    const auto p = decode(f.bytes());
    EXPECT_EQ(p.flags, 0);
    EXPECT_EQ(p.payload_length, 2u);
}

TEST(PacketDecoder, Icmp) {
    // Echo request with 56 bytes of data: total 20 + 8 + 56 = 84; payload after the 4-byte
    // type/code/checksum header: 84 - 20 - 4 = 60.
    FrameBuilder f;
    f.ethernet(0x0800).ipv4(84, 1).raw({8, 0, 0, 0}).be16(0x77).be16(1).fill(56);
    const auto p = decode(f.bytes());
    EXPECT_EQ(p.network, Network::ipv4);
    EXPECT_EQ(p.transport, Transport::icmp);
    EXPECT_EQ(p.ip_protocol, 1);
    EXPECT_EQ(p.flags, 0);
    EXPECT_FALSE(p.has_ports());
    EXPECT_EQ(p.payload_length, 60u);
}

TEST(PacketDecoder, Icmpv6) {
    // Echo request with 32 bytes of data: payload length 8 + 32 = 40; 40 - 4 = 36.
    FrameBuilder f;
    f.ethernet(0x86dd).ipv6(40, 58).raw({128, 0, 0, 0}).be16(1).be16(2).fill(32);
    const auto p = decode(f.bytes());
    EXPECT_EQ(p.network, Network::ipv6);
    EXPECT_EQ(p.transport, Transport::icmpv6);
    EXPECT_EQ(p.ip_protocol, 58);
    EXPECT_EQ(p.flags, 0);
    EXPECT_FALSE(p.has_ports());
    EXPECT_EQ(p.payload_length, 36u);
}

TEST(PacketDecoder, OtherIpProtocol) {
    // ESP (50): transport other, payload = the IP payload.
    FrameBuilder f;
    f.ethernet(0x0800).ipv4(20 + 60, 50).fill(60);
    const auto p = decode(f.bytes());
    EXPECT_EQ(p.transport, Transport::other);
    EXPECT_EQ(p.ip_protocol, 50);
    EXPECT_FALSE(p.has_ports());
    EXPECT_EQ(p.payload_length, 60u);
}

TEST(PacketDecoder, SnapLengthKeepsTheTruePayloadLength) {
    // IPv4 / TCP with 1000 bytes of payload, captured with a snap length of 64: the header
    // fields are all there, the payload length comes from the IP header.
    FrameBuilder f;
    f.ethernet(0x0800).ipv4(1040, 6).tcp(5, 6, 7, 8, 5, tcp_flags::kAck, 9).fill(1000);
    const auto p = decode(f.bytes(), {.caplen = 64});
    EXPECT_EQ(p.flags, 0) << describe(p);
    EXPECT_EQ(p.transport, Transport::tcp);
    EXPECT_EQ(p.payload_length, 1000u);
    // Cut exactly after the TCP header: the same.
    EXPECT_EQ(decode(f.bytes(), {.caplen = 54}).payload_length, 1000u);
    EXPECT_EQ(decode(f.bytes(), {.caplen = 54}).flags, 0);

    // UDP cut after its header.
    FrameBuilder g;
    g.ethernet(0x86dd).ipv6(1208, 17).udp(1, 2, 1208).fill(1200);
    const auto q = decode(g.bytes(), {.caplen = 62});
    EXPECT_EQ(q.flags, 0);
    EXPECT_EQ(q.payload_length, 1200u);
}

TEST(PacketDecoder, SnapLengthCuttingTcpOptionsIsNotTruncation) {
    // Snap length 70 on the 88-byte frame: the fixed TCP header at 46..65 fits, its options at
    // 66..77 do not. Options are never read, so every decoded field is intact and nothing is
    // flagged (a snap length of 64/68/96 often cuts timestamps off).
    const auto p = decode(vlan_ipv4_tcp_options(), {.caplen = 70});
    EXPECT_EQ(p.flags, kVlan) << describe(p);
    EXPECT_EQ(p.transport, Transport::tcp);
    EXPECT_EQ(p.sequence, 0x01020304u);
    EXPECT_EQ(p.payload_length, 10u);
}

TEST(PacketDecoder, GsoIpv4TotalLengthZeroTakesTheFrameLength) {
    // A TSO/GSO super-packet on veth: total length 0; wire length 14 + 20 + 32 + 100000.
    // Captured: the headers only (snap length 66).
    FrameBuilder f;
    f.ethernet(0x0800).ipv4(0, 6).tcp(1, 2, 3, 4, 8, tcp_flags::kAck, 5).fill(12, 1);
    ASSERT_EQ(f.size(), 66u);
    const auto p = decode(f.bytes(), {.wirelen = 100066});
    EXPECT_EQ(p.flags, 0) << describe(p);
    EXPECT_EQ(p.transport, Transport::tcp);
    EXPECT_EQ(p.payload_length, 100000u);  // 100066 - 14 - 20 - 32

    // With a stripped tag the wire length does not include the tag (neither does the frame).
    EXPECT_EQ(decode(f.bytes(), {.wirelen = 100066, .vlan_tpid = 0x8100}).payload_length, 100000u);

    // A frame of nothing but the header: total length 0 is then just wrong.
    FrameBuilder g;
    g.ethernet(0x0800).ipv4(0, 6);
    const auto q = decode(g.bytes());
    EXPECT_EQ(q.flags, kMalformed);
    EXPECT_EQ(q.network, Network::ipv4);
    EXPECT_EQ(q.transport, Transport::none);
}

TEST(PacketDecoder, GsoIpv6PayloadLengthZeroTakesTheFrameLength) {
    // IPv6 BIG TCP: payload length 0, wire length 14 + 40 + 20 + 70000.
    FrameBuilder f;
    f.ethernet(0x86dd).ipv6(0, 6).tcp(1, 2, 3, 4, 5, tcp_flags::kAck, 5);
    const auto p = decode(f.bytes(), {.wirelen = 70074});
    EXPECT_EQ(p.flags, 0) << describe(p);
    EXPECT_EQ(p.payload_length, 70000u);

    // A UDP jumbogram (RFC 2675): UDP length 0 too.
    FrameBuilder g;
    g.ethernet(0x86dd).ipv6(0, 17).udp(1, 2, 0);
    const auto q = decode(g.bytes(), {.wirelen = 14 + 40 + 8 + 70000});
    EXPECT_EQ(q.flags, 0) << describe(q);
    EXPECT_EQ(q.transport, Transport::udp);
    EXPECT_EQ(q.payload_length, 70000u);

    // UDP length 0 with a real IP length is malformed.
    FrameBuilder h;
    h.ethernet(0x86dd).ipv6(8, 17).udp(1, 2, 0);
    EXPECT_EQ(decode(h.bytes()).flags, kMalformed);
}

TEST(PacketDecoder, MalformedIpv4) {
    struct Case {
        const char* name;
        std::uint16_t total;
        std::uint8_t ihl;
    };
    for (const Case c : {Case{"ihl 4", 40, 4}, Case{"ihl 0", 40, 0}, Case{"total < 20", 19, 5},
                         Case{"total < ihl*4", 22, 6}}) {
        FrameBuilder f;
        f.ethernet(0x0800).ipv4(c.total, 6, 0, c.ihl).fill(40);
        const auto p = decode(f.bytes());
        EXPECT_EQ(p.flags, kMalformed) << c.name << ": " << describe(p);
        // The fixed header was captured: what it says is still reported.
        EXPECT_EQ(p.network, Network::ipv4) << c.name;
        EXPECT_EQ(p.source, v4(198, 18, 0, 1)) << c.name;
        EXPECT_EQ(p.ip_protocol, 6) << c.name;
        EXPECT_EQ(p.transport, Transport::none) << c.name;
        expect_no_transport_fields(p);
    }
    // The Ethernet type says IPv4, the version nibble says 6.
    FrameBuilder g;
    g.ethernet(0x0800).ipv6(0, 59);
    const auto q = decode(g.bytes());
    EXPECT_EQ(q.flags, kMalformed);
    EXPECT_EQ(q.network, Network::none);
    // And the reverse.
    FrameBuilder h;
    h.ethernet(0x86dd).ipv4(60, 6).fill(40);
    EXPECT_EQ(decode(h.bytes()).flags, kMalformed);
    EXPECT_EQ(decode(h.bytes()).network, Network::none);
}

TEST(PacketDecoder, MalformedTcp) {
    // Data offset 4 (< 5).
    FrameBuilder f;
    f.ethernet(0x0800).ipv4(40, 6).tcp(1, 2, 3, 4, 4, tcp_flags::kAck, 5);
    auto p = decode(f.bytes());
    EXPECT_EQ(p.flags, kMalformed) << describe(p);
    EXPECT_EQ(p.network, Network::ipv4);
    EXPECT_EQ(p.ip_protocol, 6);
    EXPECT_EQ(p.transport, Transport::none);
    expect_no_transport_fields(p);

    // Data offset 15 (60 bytes) with 40 bytes of IP payload: negative payload.
    FrameBuilder g;
    g.ethernet(0x0800).ipv4(60, 6).tcp(1, 2, 3, 4, 15, tcp_flags::kAck, 5).fill(20);
    p = decode(g.bytes());
    EXPECT_EQ(p.flags, kMalformed) << describe(p);
    EXPECT_FALSE(p.has_ports());

    // IP payload of 10 bytes cannot hold a TCP header, whatever follows in the frame.
    FrameBuilder h;
    h.ethernet(0x0800).ipv4(30, 6).tcp(1, 2, 3, 4, 5, tcp_flags::kAck, 5);
    p = decode(h.bytes());
    EXPECT_EQ(p.flags, kMalformed) << describe(p);

    // Data offset exactly the IP payload: 0 bytes of payload, fine.
    FrameBuilder k;
    k.ethernet(0x0800).ipv4(48, 6).tcp(1, 2, 3, 4, 7, tcp_flags::kAck, 5).fill(8);
    p = decode(k.bytes());
    EXPECT_EQ(p.flags, 0) << describe(p);
    EXPECT_EQ(p.payload_length, 0u);
}

TEST(PacketDecoder, MalformedUdp) {
    for (std::uint16_t length : {std::uint16_t{0}, std::uint16_t{7}, std::uint16_t{21}}) {
        // IP payload 20 (UDP header + 12).
        FrameBuilder f;
        f.ethernet(0x0800).ipv4(40, 17).udp(1, 2, length).fill(12);
        const auto p = decode(f.bytes());
        EXPECT_EQ(p.flags, kMalformed) << length << ": " << describe(p);
        EXPECT_EQ(p.transport, Transport::none);
        EXPECT_FALSE(p.has_ports());
    }
    // IP payload of 6 bytes cannot hold a UDP header.
    FrameBuilder g;
    g.ethernet(0x0800).ipv4(26, 17).udp(1, 2, 8);
    EXPECT_EQ(decode(g.bytes()).flags, kMalformed);
    // Exactly the IP payload: fine.
    FrameBuilder h;
    h.ethernet(0x0800).ipv4(40, 17).udp(1, 2, 20).fill(12);
    EXPECT_EQ(decode(h.bytes()).flags, 0);
    EXPECT_EQ(decode(h.bytes()).payload_length, 12u);
}

TEST(PacketDecoder, MalformedIcmp) {
    FrameBuilder f;
    f.ethernet(0x0800).ipv4(22, 1).raw({8, 0}).fill(30);
    const auto p = decode(f.bytes());
    EXPECT_EQ(p.flags, kMalformed);
    EXPECT_EQ(p.transport, Transport::none);
}

TEST(PacketDecoder, Ipv6ExtensionHeaderPastThePayloadIsMalformed) {
    // Hop-by-hop of 16 bytes (length 1) in a payload of 10.
    FrameBuilder f;
    f.ethernet(0x86dd).ipv6(10, 0).raw({6, 1}).fill(30);
    auto p = decode(f.bytes());
    EXPECT_EQ(p.flags, kMalformed) << describe(p);
    EXPECT_EQ(p.network, Network::ipv6);
    EXPECT_EQ(p.ip_protocol, 0);
    EXPECT_EQ(p.transport, Transport::none);

    // Payload of 4: too short for any extension header.
    FrameBuilder g;
    g.ethernet(0x86dd).ipv6(4, 60).raw({6, 0, 1, 2}).fill(30);
    EXPECT_EQ(decode(g.bytes()).flags, kMalformed);

    // Fragment header in a payload of 6.
    FrameBuilder h;
    h.ethernet(0x86dd).ipv6(6, 44).raw({6, 0, 0, 1, 0, 0}).fill(30);
    EXPECT_EQ(decode(h.bytes()).flags, kMalformed);

    // The second header runs past: 8 (hop-by-hop) + routing of 24 in a payload of 30.
    FrameBuilder k;
    k.ethernet(0x86dd).ipv6(30, 0).raw({43, 0, 1, 4, 0, 0, 0, 0}).raw({6, 2}).fill(40);
    p = decode(k.bytes());
    EXPECT_EQ(p.flags, kMalformed) << describe(p);
    EXPECT_EQ(p.ip_protocol, 43);

    // The transport header past the end of the ext-header-consumed payload: 8 + TCP in 16.
    FrameBuilder m;
    m.ethernet(0x86dd).ipv6(16, 60).raw({6, 0, 1, 4, 0, 0, 0, 0});
    m.tcp(1, 2, 3, 4, 5, 0, 0);
    p = decode(m.bytes());
    EXPECT_EQ(p.flags, kMalformed) << describe(p);
    EXPECT_EQ(p.ip_protocol, 6);
    EXPECT_EQ(p.transport, Transport::none);
}

TEST(PacketDecoder, NullOrEmptyViewIsTruncated) {
    DecodedPacket out;
    out.flags = 0xff;
    decode_packet(PacketView{}, kLinktypeEthernet, out);
    EXPECT_EQ(out.flags, kTruncated);
    EXPECT_EQ(out.network, Network::none);
    PacketView lying;  // a null pointer with a length: nothing is read
    lying.caplen = 100;
    decode_packet(lying, kLinktypeRaw, out);
    EXPECT_EQ(out.flags, kTruncated);
}

TEST(PacketDecoder, OutputIsResetBetweenPackets) {
    DecodedPacket out;
    const Bytes tcp = vlan_ipv4_tcp_options();
    PacketView view;
    view.data = tcp.data();
    view.caplen = view.wirelen = static_cast<std::uint32_t>(tcp.size());
    decode_packet(view, kLinktypeEthernet, out);
    ASSERT_EQ(out.source_port, 40000);
    FrameBuilder arp;
    arp.ethernet(0x0806).fill(46);
    view.data = arp.bytes().data();
    view.caplen = view.wirelen = static_cast<std::uint32_t>(arp.size());
    decode_packet(view, kLinktypeEthernet, out);
    EXPECT_EQ(out.network, Network::arp);
    EXPECT_EQ(out.flags, 0);
    EXPECT_EQ(out.vlan_id, 0);
    expect_no_ip_fields(out);
    expect_no_transport_fields(out);
}

// Every prefix of the VLAN / IPv4 (options) / TCP (options) frame.
TEST(PacketDecoder, TruncatedAtEveryByteVlanIpv4Tcp) {
    const Bytes frame = vlan_ipv4_tcp_options();
    for (std::size_t caplen = 0; caplen <= frame.size(); ++caplen) {
        SCOPED_TRACE("caplen " + std::to_string(caplen));
        const auto p = decode(frame, {.caplen = caplen, .wirelen = 88});
        // Ethernet 0..13, tag 14..17, IPv4 fixed 18..37, options 38..45, TCP fixed 46..65.
        const bool truncated = caplen < 66;
        EXPECT_EQ((p.flags & kTruncated) != 0, truncated) << describe(p);
        EXPECT_EQ(p.flags & ~(kTruncated | kVlan), 0) << describe(p);
        EXPECT_EQ((p.flags & kVlan) != 0, caplen >= 18);
        EXPECT_EQ(p.vlan_id, caplen >= 18 ? 100 : 0);
        if (caplen >= 38) {
            EXPECT_EQ(p.network, Network::ipv4);
            EXPECT_EQ(p.source, v4(198, 18, 0, 1));
            EXPECT_EQ(p.destination, v4(198, 18, 0, 2));
            EXPECT_EQ(p.ip_protocol, 6);
        } else {
            EXPECT_EQ(p.network, Network::none);
            expect_no_ip_fields(p);
        }
        if (truncated) {
            EXPECT_EQ(p.transport, Transport::none);
            expect_no_transport_fields(p);
            EXPECT_EQ(p.payload_length, 0u);
        } else {
            EXPECT_EQ(p.transport, Transport::tcp);
            EXPECT_EQ(p.source_port, 40000);
            EXPECT_EQ(p.destination_port, 443);
            EXPECT_EQ(p.sequence, 0x01020304u);
            EXPECT_EQ(p.acknowledgement, 0xa0b0c0d0u);
            EXPECT_EQ(p.window, 64240);
            EXPECT_EQ(p.tcp_flags, tcp_flags::kPsh | tcp_flags::kAck);
            EXPECT_EQ(p.payload_length, 10u);
        }
    }
}

// Every prefix of the IPv6 / extension headers / TCP frame.
TEST(PacketDecoder, TruncatedAtEveryByteIpv6ExtensionHeadersTcp) {
    const Bytes frame = ipv6_extension_headers_tcp();
    for (std::size_t caplen = 0; caplen <= frame.size(); ++caplen) {
        SCOPED_TRACE("caplen " + std::to_string(caplen));
        const auto p = decode(frame, {.caplen = caplen, .wirelen = 127});
        // Ethernet 0..13, IPv6 14..53, hop-by-hop 54..61, destination options 62..77,
        // routing 78..101, TCP 102..121.
        const bool truncated = caplen < 122;
        EXPECT_EQ(p.flags, truncated ? kTruncated : 0) << describe(p);
        if (caplen >= 54) {
            EXPECT_EQ(p.network, Network::ipv6);
            EXPECT_EQ(p.source, FrameBuilder::kV6Source);
            EXPECT_EQ(p.destination, FrameBuilder::kV6Destination);
            // The next header reached: each extension header is read once its first two
            // bytes (next header, length) are captured.
            const int expected = caplen < 56 ? 0 : caplen < 64 ? 60 : caplen < 80 ? 43 : 6;
            EXPECT_EQ(p.ip_protocol, expected);
        } else {
            EXPECT_EQ(p.network, Network::none);
            expect_no_ip_fields(p);
        }
        if (truncated) {
            EXPECT_EQ(p.transport, Transport::none);
            expect_no_transport_fields(p);
        } else {
            EXPECT_EQ(p.transport, Transport::tcp);
            EXPECT_EQ(p.source_port, 49152);
            EXPECT_EQ(p.sequence, 1000u);
            EXPECT_EQ(p.tcp_flags, tcp_flags::kSyn);
            EXPECT_EQ(p.payload_length, 5u);
        }
    }
}

// Every prefix of a few more shapes: no crash (ASan), and the flags only ever say truncated.
TEST(PacketDecoder, TruncatedAtEveryByteOtherShapes) {
    std::vector<std::pair<Bytes, std::uint16_t>> frames;
    {
        FrameBuilder f;  // QinQ / IPv6 / fragment (first) / UDP
        f.ethernet(0x88a8).tag(1, 0x8100).tag(2, 0x86dd).ipv6(8 + 8 + 4, 44);
        f.raw({17, 0}).be16(1).be32(9).udp(1, 2, 100).fill(4);
        frames.emplace_back(f.bytes(), kLinktypeEthernet);
    }
    {
        FrameBuilder f;  // raw IPv4 / ICMP
        f.ipv4(20 + 4 + 8, 1).raw({0, 0, 0, 0}).fill(8);
        frames.emplace_back(f.bytes(), kLinktypeRaw);
    }
    {
        FrameBuilder f;  // raw IPv6 / AH / ICMPv6
        f.ipv6(24 + 4 + 8, 51).raw({58, 4}).fill(22).raw({128, 0, 0, 0}).fill(8);
        frames.emplace_back(f.bytes(), kLinktypeRaw);
    }
    for (const auto& [frame, link] : frames) {
        const auto whole = decode(frame, {.link_type = link});
        ASSERT_EQ(whole.flags & (kTruncated | kMalformed), 0) << describe(whole);
        ASSERT_NE(whole.transport, Transport::none);
        for (std::size_t caplen = 0; caplen < frame.size(); ++caplen) {
            const auto p = decode(frame, {.link_type = link,
                                          .caplen = caplen,
                                          .wirelen = static_cast<std::uint32_t>(frame.size())});
            EXPECT_EQ(p.flags & kMalformed, 0) << caplen << ": " << describe(p);
            if (p.transport == Transport::none) {
                EXPECT_NE(p.flags & kTruncated, 0) << caplen << ": " << describe(p);
            } else {
                EXPECT_EQ(p.payload_length, whole.payload_length) << caplen;
            }
        }
    }
}

// decode_packet takes a straight path for the most common packets and the general decoder for
// the rest; the two must agree on every packet. Frames of every kind the straight path takes,
// and of many it must leave alone (fragments, options, extension headers, QinQ, two tags, ICMP,
// ARP, raw IP), are mutated at random in the bytes each layer reads (types, versions, header
// lengths, total and payload lengths, fragment fields, protocols, data offsets, UDP lengths) and
// cut at random lengths, with and without a stripped VLAN tag; both decoders see each result in a
// buffer of exactly caplen bytes, starting from garbage.
bool same(const DecodedPacket& a, const DecodedPacket& b) {
    return a.network == b.network && a.transport == b.transport && a.flags == b.flags &&
           a.ip_protocol == b.ip_protocol && a.vlan_id == b.vlan_id && a.source == b.source &&
           a.destination == b.destination && a.source_port == b.source_port &&
           a.destination_port == b.destination_port && a.sequence == b.sequence &&
           a.acknowledgement == b.acknowledgement && a.window == b.window &&
           a.tcp_flags == b.tcp_flags && a.payload_length == b.payload_length;
}

TEST(PacketDecoder, StraightPathAgreesWithTheGeneralDecoderOnEveryFrame) {
    using test::address;
    using test::PacketSpec;
    struct Base {
        Bytes frame;
        std::uint16_t link;
        // 16-bit fields to nudge: offset and unit (1 for a length; 0x1000 for the word that
        // starts with the TCP data offset).
        std::vector<std::pair<std::size_t, int>> lengths;
    };
    std::vector<Base> bases;
    for (const bool ipv6 : {false, true}) {
        for (const std::uint8_t protocol : {test::ip_protocol::kTcp, test::ip_protocol::kUdp}) {
            for (const std::vector<std::uint16_t>& vlans :
                 {std::vector<std::uint16_t>{}, {100}, {100, 200}}) {
                for (const std::uint32_t payload : {0u, 1u, 100u}) {
                    PacketSpec spec;
                    spec.source = address(ipv6 ? "2001:db8::1" : "10.0.0.1");
                    spec.destination = address(ipv6 ? "2001:db8:ff::2" : "192.0.2.7");
                    spec.protocol = protocol;
                    spec.source_port = 40000;
                    spec.destination_port = 443;
                    spec.sequence = 0x01020304;
                    spec.acknowledgement = 0x05060708;
                    spec.tcp_flags = tcp_flags::kAck | tcp_flags::kPsh;
                    spec.window = 1234;
                    spec.payload = payload;
                    spec.vlans = vlans;
                    // Where the IP length, the UDP length and the TCP data offset are.
                    auto add = [&](std::uint16_t link, std::size_t l3, std::size_t extension) {
                        const std::size_t l4 = l3 + (ipv6 ? 40 : 20) + extension;
                        const bool tcp = protocol == test::ip_protocol::kTcp;
                        bases.push_back({test::build_frame(spec),
                                         link,
                                         {{l3 + (ipv6 ? 4 : 2), 1},
                                          tcp ? std::pair<std::size_t, int>{l4 + 12, 0x1000}
                                              : std::pair<std::size_t, int>{l4 + 4, 1}}});
                    };
                    const std::size_t l3 = 14 + 4 * vlans.size();
                    add(kLinktypeEthernet, l3, 0);
                    if (!ipv6) {
                        spec.ipv4_fragment = 0x2000;  // a first fragment
                        add(kLinktypeEthernet, l3, 0);
                        spec.ipv4_fragment = 0x0010;  // a later one
                        add(kLinktypeEthernet, l3, 0);
                    } else {
                        spec.ipv6_fragment = 0x0001;  // a fragment header, first fragment
                        add(kLinktypeEthernet, l3, 8);
                    }
                    spec.ipv4_fragment = 0x4000;
                    spec.ipv6_fragment.reset();
                    spec.link = test::Link::raw;
                    spec.vlans.clear();
                    add(kLinktypeRaw, 0, 0);
                }
            }
        }
    }
    {
        FrameBuilder f;  // IPv4 with options / TCP
        f.ethernet(0x0800)
            .ipv4(24 + 20, 6, 0x4000, 6)
            .raw({1, 1, 1, 0})
            .tcp(1, 2, 3, 4, 5, 0x10, 5);
        bases.push_back({f.bytes(), kLinktypeEthernet, {{16, 1}, {14 + 24 + 12, 0x1000}}});
    }
    {
        FrameBuilder f;  // IPv6 / hop-by-hop / UDP
        f.ethernet(0x86dd).ipv6(8 + 8 + 4, 0).raw({17, 0}).fill(6).udp(1, 2, 12).fill(4);
        bases.push_back({f.bytes(), kLinktypeEthernet, {{18, 1}, {14 + 48 + 4, 1}}});
    }
    {
        FrameBuilder f;  // QinQ / IPv4 / UDP
        f.ethernet(0x88a8)
            .tag(10, 0x8100)
            .tag(20, 0x0800)
            .ipv4(20 + 8 + 4, 17)
            .udp(1, 2, 12)
            .fill(4);
        bases.push_back({f.bytes(), kLinktypeEthernet, {{24, 1}, {22 + 20 + 4, 1}}});
    }
    {
        FrameBuilder f;  // ICMP
        f.ethernet(0x0800).ipv4(20 + 4 + 8, 1).raw({8, 0, 0, 0}).fill(8);
        bases.push_back({f.bytes(), kLinktypeEthernet, {{16, 1}}});
    }
    {
        FrameBuilder f;  // ARP
        f.ethernet(0x0806).be16(1).be16(0x0800).u8(6).u8(4).be16(1).fill(20, 0x11);
        bases.push_back({f.bytes(), kLinktypeEthernet, {}});
    }

    std::mt19937_64 rng(2024);
    // Values each mutated byte may take: the ones the decoders branch on, and random ones.
    const std::uint8_t interesting[] = {0x00, 0x01, 0x04, 0x05, 0x06, 0x08, 0x11, 0x14, 0x20,
                                        0x2c, 0x3a, 0x40, 0x45, 0x46, 0x4f, 0x50, 0x60, 0x81,
                                        0x86, 0x88, 0x91, 0xa8, 0xdd, 0xf0, 0xff};
    std::size_t straight_kind = 0, cases = 0;
    for (int round = 0; round < 1000000; ++round) {
        const Base& base = bases[rng() % bases.size()];
        const std::uint16_t link = base.link;
        Bytes frame = base.frame;
        const int mutations = static_cast<int>(rng() % 4);  // 0: the frame as built
        for (int m = 0; m < mutations; ++m) {
            const std::size_t at = rng() % std::min<std::size_t>(frame.size(), 90);
            frame[at] = (rng() % 3 == 0) ? static_cast<std::uint8_t>(rng())
                                         : interesting[rng() % std::size(interesting)];
        }
        // A length field (or the TCP data offset) a little off, up or down: the boundaries.
        if (!base.lengths.empty() && rng() % 2 == 0) {
            const auto [at, unit] = base.lengths[rng() % base.lengths.size()];
            if (at + 1 < frame.size()) {  // (a later fragment has no transport header)
                const int delta = static_cast<int>(rng() % 9) - 4;
                const int value = (frame[at] << 8 | frame[at + 1]) + delta * unit;
                frame[at] = static_cast<std::uint8_t>(value >> 8);
                frame[at + 1] = static_cast<std::uint8_t>(value);
            }
        }
        Capture capture;
        capture.link_type = link;
        capture.caplen = rng() % 4 == 0 ? rng() % (frame.size() + 1) : frame.size();
        capture.wirelen = static_cast<std::uint32_t>(frame.size() + (rng() % 4 == 0 ? 0 : 40));
        if (rng() % 5 == 0) {
            capture.vlan_tpid = 0x8100;
            capture.vlan_tci = static_cast<std::uint16_t>(rng());
        }
        const DecodedPacket fast = decode(frame, capture);
        // The general decoder on the same bytes.
        std::unique_ptr<std::uint8_t[]> buffer(new std::uint8_t[capture.caplen + 1]);
        std::copy(frame.begin(), frame.begin() + static_cast<std::ptrdiff_t>(capture.caplen),
                  buffer.get());
        PacketView view;
        view.data = buffer.get();
        view.caplen = static_cast<std::uint32_t>(capture.caplen);
        view.wirelen = capture.wirelen;
        view.vlan_tpid = capture.vlan_tpid;
        view.vlan_tci = capture.vlan_tci;
        DecodedPacket general;
        general.flags = 0xff;
        general.source.fill(0xee);
        general.sequence = 0xffffffff;
        decode_packet_general(view, capture.link_type, general);
        ++cases;
        if ((fast.network == Network::ipv4 || fast.network == Network::ipv6) &&
            (fast.transport == Transport::tcp || fast.transport == Transport::udp) &&
            (fast.flags & ~kVlan) == 0) {
            ++straight_kind;
        }
        ASSERT_TRUE(same(fast, general))
            << "round " << round << ", caplen " << capture.caplen << ", link " << link
            << "\n decode_packet:         " << describe(fast)
            << "\n decode_packet_general: " << describe(general);
    }
    // A good part of the cases were packets of the kind the straight path decodes.
    EXPECT_GT(straight_kind, cases / 5);
}

}  // namespace
}  // namespace ringdump
