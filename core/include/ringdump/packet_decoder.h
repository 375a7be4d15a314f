// SPDX-License-Identifier: BSD-2-Clause
// Header decoding for annotation: Ethernet, 802.1Q/802.1ad, IPv4 (options, fragments), IPv6
// (extension headers, fragments), ARP, TCP, UDP, ICMP, ICMPv6. Raw-IP link types start at the
// IP header. Every read is bounds-checked against the captured bytes: a header that does not fit
// is reported as truncated, one that contradicts itself as malformed, and nothing past caplen is
// ever read. Lengths come from the headers, so a packet cut by the snap length still has its
// true payload length.
#pragma once

#include <array>
#include <cstdint>

#include "ringdump/packet.h"

namespace ringdump {

enum class Network : std::uint8_t { none = 0, ipv4 = 1, ipv6 = 2, arp = 3, other = 4 };
enum class Transport : std::uint8_t {
    none = 0,
    tcp = 1,
    udp = 2,
    icmp = 3,
    icmpv6 = 4,
    other = 5,  // another IP protocol (ip_protocol says which)
};

namespace decode_flags {
inline constexpr std::uint8_t kTruncated = 0x01;      // a header did not fit in the captured bytes
inline constexpr std::uint8_t kMalformed = 0x02;      // a header field contradicts the packet
inline constexpr std::uint8_t kFragment = 0x04;       // an IP fragment other than the first
inline constexpr std::uint8_t kFirstFragment = 0x08;  // the first fragment of several
inline constexpr std::uint8_t kVlan = 0x10;           // at least one VLAN tag
}  // namespace decode_flags

namespace tcp_flags {
inline constexpr std::uint8_t kFin = 0x01;
inline constexpr std::uint8_t kSyn = 0x02;
inline constexpr std::uint8_t kRst = 0x04;
inline constexpr std::uint8_t kPsh = 0x08;
inline constexpr std::uint8_t kAck = 0x10;
inline constexpr std::uint8_t kUrg = 0x20;
}  // namespace tcp_flags

struct DecodedPacket {
    Network network = Network::none;
    Transport transport = Transport::none;
    std::uint8_t flags = 0;        // decode_flags
    std::uint8_t ip_protocol = 0;  // IPv4 protocol / IPv6 last next-header
    std::uint16_t vlan_id = 0;     // outermost VLAN id (with decode_flags::kVlan)
    // Network-order addresses; IPv4 uses the first 4 bytes. Valid for ipv4 and ipv6.
    std::array<std::uint8_t, 16> source{};
    std::array<std::uint8_t, 16> destination{};
    // Valid for tcp and udp (and not for non-first fragments).
    std::uint16_t source_port = 0;
    std::uint16_t destination_port = 0;
    // Valid for tcp.
    std::uint32_t sequence = 0;
    std::uint32_t acknowledgement = 0;
    std::uint16_t window = 0;  // as sent, unscaled
    std::uint8_t tcp_flags = 0;
    // Transport payload bytes per the IP and transport headers (TCP: after the TCP header).
    std::uint32_t payload_length = 0;

    bool is_ip() const { return network == Network::ipv4 || network == Network::ipv6; }
    bool has_ports() const {
        return (transport == Transport::tcp || transport == Transport::udp) &&
               (flags & decode_flags::kFragment) == 0;
    }
};

// Fills out (fully overwritten) from the frame of view, whose interface has link_type
// (LINKTYPE_ETHERNET or LINKTYPE_RAW; anything else decodes to Network::none). A VLAN tag the
// kernel stripped (view.vlan_tpid) counts as the outermost tag.
void decode_packet(const PacketView& view, std::uint16_t link_type, DecodedPacket& out);

// The same without decode_packet's straight path for the most common packets (Ethernet, IPv4 or
// IPv6, TCP or UDP): every packet through the general decoder. The result is the same; tests
// compare the two.
void decode_packet_general(const PacketView& view, std::uint16_t link_type, DecodedPacket& out);

}  // namespace ringdump
