// SPDX-License-Identifier: BSD-2-Clause
// Header decoding for annotation (packet_decoder.h). Runs once per captured packet, so it is
// straight-line code: no allocation, no exceptions, byte loads through memcpy, every read
// preceded by a bounds check against caplen.
//
// What the flags mean, precisely:
//  - kTruncated: a byte the decoder had to read was not captured. Decoding stops there; what was
//    decoded before stays valid. The bytes it reads are the Ethernet header and VLAN tags, the
//    20-byte IPv4 header (its options only to skip them to the transport header), the 40-byte
//    IPv6 header, the first 2 bytes of each IPv6 extension header (8 of a fragment header), the
//    20-byte TCP header (never its options: a snap length that cuts TCP options leaves every
//    decoded field intact), the 8-byte UDP header and the 4-byte ICMP/ICMPv6 header. Payload
//    beyond the captured bytes is the normal effect of a snap length, not truncation.
//  - kMalformed: a header field contradicts the packet (IPv4 header length < 20 or > total
//    length, TCP data offset < 5 or past the IP payload, UDP length < 8 or past the IP payload,
//    an IPv6 extension header past the payload length, a second IPv6 fragment header, an IP
//    version other than the link or Ethernet type says).
//  - network is ipv4/ipv6 (and the addresses valid) once the fixed IP header was captured with
//    the right version, even when a later check fails. transport and its fields are set only
//    when its header was captured and consistent, or for a non-first fragment (no header:
//    transport from the protocol number, no ports, has_ports() false), so has_ports() never
//    promises ports that were not decoded.
//  - payload_length: transport payload bytes in this packet per the headers. TCP: IP payload
//    minus the TCP header; UDP: UDP length minus 8 (first fragment: the fragment's IP payload
//    minus 8); ICMP/ICMPv6: IP payload minus the 4-byte type/code/checksum header; another
//    protocol and non-first fragments: the IP payload.
//  - IPv4 total length 0 (TSO/GSO super-packets and IPv4 BIG TCP as seen on veth/lo) and IPv6
//    payload length 0 with a payload (BIG TCP, jumbograms) take the length from the frame
//    length (wirelen, at least caplen).
#include "ringdump/packet_decoder.h"

#include <bit>
#include <cstring>

#include "ringdump/linktype.h"

namespace ringdump {
namespace {

using decode_flags::kFirstFragment;
using decode_flags::kFragment;
using decode_flags::kMalformed;
using decode_flags::kTruncated;
using decode_flags::kVlan;

constexpr std::uint16_t kEthertypeIpv4 = 0x0800;
constexpr std::uint16_t kEthertypeArp = 0x0806;
constexpr std::uint16_t kEthertypeVlan = 0x8100;     // 802.1Q
constexpr std::uint16_t kEthertypeQinQ = 0x88a8;     // 802.1ad service tag
constexpr std::uint16_t kEthertypeQinQOld = 0x9100;  // pre-standard QinQ
constexpr std::uint16_t kEthertypeIpv6 = 0x86dd;

constexpr std::uint8_t kProtoHopByHop = 0;
constexpr std::uint8_t kProtoIcmp = 1;
constexpr std::uint8_t kProtoTcp = 6;
constexpr std::uint8_t kProtoUdp = 17;
constexpr std::uint8_t kProtoRouting = 43;
constexpr std::uint8_t kProtoFragment = 44;
constexpr std::uint8_t kProtoAh = 51;
constexpr std::uint8_t kProtoIcmpv6 = 58;
constexpr std::uint8_t kProtoNoNext = 59;
constexpr std::uint8_t kProtoDestOptions = 60;

constexpr std::uint32_t kEthernetHeader = 14;
constexpr std::uint32_t kVlanTag = 4;
constexpr std::uint32_t kIpv4Header = 20;
constexpr std::uint32_t kIpv6Header = 40;
constexpr std::uint32_t kTcpHeader = 20;
constexpr std::uint32_t kUdpHeader = 8;
constexpr std::uint32_t kIcmpHeader = 4;
constexpr std::uint32_t kFragmentHeader = 8;

// Bounds on the loops: more tags or extension headers than any real stack sends. Past them the
// packet is left undecoded (network other / transport none, ip_protocol the next header), not
// flagged.
constexpr int kMaxVlanTags = 8;
constexpr int kMaxExtensionHeaders = 16;

inline std::uint16_t load_be16(const std::uint8_t* at) {
    std::uint16_t value;
    std::memcpy(&value, at, sizeof value);
    if constexpr (std::endian::native == std::endian::little) value = __builtin_bswap16(value);
    return value;
}

inline std::uint32_t load_be32(const std::uint8_t* at) {
    std::uint32_t value;
    std::memcpy(&value, at, sizeof value);
    if constexpr (std::endian::native == std::endian::little) value = __builtin_bswap32(value);
    return value;
}

inline Transport transport_of(std::uint8_t protocol) {
    switch (protocol) {
        case kProtoTcp:
            return Transport::tcp;
        case kProtoUdp:
            return Transport::udp;
        case kProtoIcmp:
            return Transport::icmp;
        case kProtoIcmpv6:
            return Transport::icmpv6;
        default:
            return Transport::other;
    }
}

// The bytes of one frame. fits() does not assume offset <= caplen and cannot overflow.
struct Frame {
    const std::uint8_t* data;
    std::uint32_t caplen;
    std::uint32_t frame_length;  // bytes on the wire from data on (>= caplen)

    bool fits(std::uint32_t offset, std::uint32_t size) const {
        return offset <= caplen && size <= caplen - offset;
    }
};

// The transport header at offset l4, with ip_payload bytes of IP payload from there on (per the
// IP headers). first_fragment: this packet holds only the start of the datagram.
// length_from_frame: the IP length was 0 and came from the frame length.
void decode_transport(const Frame& frame, std::uint32_t l4, std::uint32_t ip_payload,
                      std::uint8_t protocol, bool first_fragment, bool length_from_frame,
                      DecodedPacket& out) {
    // Pointers are formed only after fits() says the bytes are there.
    switch (protocol) {
        case kProtoTcp: {
            if (ip_payload < kTcpHeader) {
                out.flags |= kMalformed;
                return;
            }
            if (!frame.fits(l4, kTcpHeader)) {
                out.flags |= kTruncated;
                return;
            }
            const std::uint8_t* at = frame.data + l4;
            const std::uint32_t header = static_cast<std::uint32_t>(at[12] >> 4) * 4;
            if (header < kTcpHeader || header > ip_payload) {
                out.flags |= kMalformed;
                return;
            }
            out.transport = Transport::tcp;
            out.source_port = load_be16(at);
            out.destination_port = load_be16(at + 2);
            out.sequence = load_be32(at + 4);
            out.acknowledgement = load_be32(at + 8);
            out.tcp_flags = static_cast<std::uint8_t>(at[13] & 0x3f);
            out.window = load_be16(at + 14);
            out.payload_length = ip_payload - header;
            return;
        }
        case kProtoUdp: {
            if (ip_payload < kUdpHeader) {
                out.flags |= kMalformed;
                return;
            }
            if (!frame.fits(l4, kUdpHeader)) {
                out.flags |= kTruncated;
                return;
            }
            const std::uint8_t* at = frame.data + l4;
            std::uint32_t length = load_be16(at + 4);
            // UDP length 0: a jumbogram (RFC 2675) or a GSO super-packet; the IP length rules.
            if (length == 0 && length_from_frame) length = ip_payload;
            // A first fragment holds only the start of the datagram the UDP length covers.
            if (length < kUdpHeader || (!first_fragment && length > ip_payload)) {
                out.flags |= kMalformed;
                return;
            }
            out.transport = Transport::udp;
            out.source_port = load_be16(at);
            out.destination_port = load_be16(at + 2);
            out.payload_length = (first_fragment ? ip_payload : length) - kUdpHeader;
            return;
        }
        case kProtoIcmp:
        case kProtoIcmpv6: {
            if (ip_payload < kIcmpHeader) {
                out.flags |= kMalformed;
                return;
            }
            if (!frame.fits(l4, kIcmpHeader)) {
                out.flags |= kTruncated;
                return;
            }
            out.transport = protocol == kProtoIcmp ? Transport::icmp : Transport::icmpv6;
            out.payload_length = ip_payload - kIcmpHeader;
            return;
        }
        default:
            out.transport = Transport::other;
            out.payload_length = ip_payload;
            return;
    }
}

void decode_ipv4(const Frame& frame, std::uint32_t l3, DecodedPacket& out) {
    if (!frame.fits(l3, kIpv4Header)) {
        out.flags |= kTruncated;
        return;
    }
    const std::uint8_t* ip = frame.data + l3;
    if ((ip[0] >> 4) != 4) {
        out.flags |= kMalformed;
        return;
    }
    out.network = Network::ipv4;
    std::memcpy(out.source.data(), ip + 12, 4);
    std::memcpy(out.destination.data(), ip + 16, 4);
    const std::uint8_t protocol = ip[9];
    out.ip_protocol = protocol;

    const std::uint32_t header = static_cast<std::uint32_t>(ip[0] & 0x0f) * 4;
    std::uint32_t total = load_be16(ip + 2);
    bool length_from_frame = false;
    if (total == 0 && frame.frame_length - l3 > header) {
        total = frame.frame_length - l3;  // TSO/GSO super-packet: the length is the frame's
        length_from_frame = true;
    }
    if (header < kIpv4Header || total < header) {
        out.flags |= kMalformed;
        return;
    }
    const std::uint32_t payload = total - header;
    const std::uint16_t fragment = load_be16(ip + 6);
    const bool more_fragments = (fragment & 0x2000) != 0;
    if ((fragment & 0x1fff) != 0) {
        out.flags |= kFragment;
        out.transport = transport_of(protocol);
        out.payload_length = payload;
        return;
    }
    if (more_fragments) out.flags |= kFirstFragment;
    decode_transport(frame, l3 + header, payload, protocol, more_fragments, length_from_frame, out);
}

void decode_ipv6(const Frame& frame, std::uint32_t l3, DecodedPacket& out) {
    if (!frame.fits(l3, kIpv6Header)) {
        out.flags |= kTruncated;
        return;
    }
    const std::uint8_t* ip = frame.data + l3;
    if ((ip[0] >> 4) != 6) {
        out.flags |= kMalformed;
        return;
    }
    out.network = Network::ipv6;
    std::memcpy(out.source.data(), ip + 8, 16);
    std::memcpy(out.destination.data(), ip + 24, 16);
    std::uint8_t next = ip[6];
    out.ip_protocol = next;

    std::uint32_t remaining = load_be16(ip + 4);  // payload bytes from offset on
    bool length_from_frame = false;
    if (remaining == 0 && next != kProtoNoNext && frame.frame_length - l3 > kIpv6Header) {
        remaining = frame.frame_length - l3 - kIpv6Header;  // BIG TCP / jumbogram
        length_from_frame = true;
    }
    std::uint32_t offset = l3 + kIpv6Header;
    bool first_fragment = false;
    bool fragment_header_seen = false;
    for (int headers = 0; headers <= kMaxExtensionHeaders; ++headers) {
        const bool extension = next == kProtoHopByHop || next == kProtoRouting ||
                               next == kProtoDestOptions || next == kProtoAh ||
                               next == kProtoFragment;
        if (extension && headers == kMaxExtensionHeaders) return;  // too many: left undecoded
        switch (next) {
            case kProtoHopByHop:
            case kProtoRouting:
            case kProtoDestOptions:
            case kProtoAh: {
                if (remaining < 8) {  // the smallest extension header is 8 bytes
                    out.flags |= kMalformed;
                    return;
                }
                if (!frame.fits(offset, 2)) {
                    out.flags |= kTruncated;
                    return;
                }
                const std::uint8_t* at = frame.data + offset;
                const std::uint32_t length = next == kProtoAh
                                                 ? (static_cast<std::uint32_t>(at[1]) + 2) * 4
                                                 : (static_cast<std::uint32_t>(at[1]) + 1) * 8;
                if (length > remaining) {
                    out.flags |= kMalformed;
                    return;
                }
                next = at[0];
                out.ip_protocol = next;
                offset += length;
                remaining -= length;
                continue;
            }
            case kProtoFragment: {
                // At most one fragment header (RFC 8200 4.1): a second one would make this
                // packet both a first and a later fragment.
                if (remaining < kFragmentHeader || fragment_header_seen) {
                    out.flags |= kMalformed;
                    return;
                }
                if (!frame.fits(offset, kFragmentHeader)) {
                    out.flags |= kTruncated;
                    return;
                }
                const std::uint8_t* at = frame.data + offset;
                fragment_header_seen = true;
                next = at[0];
                out.ip_protocol = next;
                const std::uint16_t field = load_be16(at + 2);  // offset << 3 | res | M
                offset += kFragmentHeader;
                remaining -= kFragmentHeader;
                if ((field & 0xfff8) != 0) {
                    out.flags |= kFragment;
                    out.transport = transport_of(next);
                    out.payload_length = remaining;
                    return;
                }
                if ((field & 0x0001) != 0) {
                    out.flags |= kFirstFragment;
                    first_fragment = true;
                }
                continue;  // offset 0 without M: an atomic fragment (RFC 6946), a whole packet
            }
            case kProtoNoNext:
                return;
            default:
                decode_transport(frame, offset, remaining, next, first_fragment, length_from_frame,
                                 out);
                return;
        }
    }
}

// Dispatches on the version nibble (raw IP, or an Ethernet type that says IPv4/IPv6).
inline void decode_ip(const Frame& frame, std::uint32_t l3, DecodedPacket& out) {
    if (!frame.fits(l3, 1)) {
        out.flags |= kTruncated;
        return;
    }
    switch (frame.data[l3] >> 4) {
        case 4:
            decode_ipv4(frame, l3, out);
            return;
        case 6:
            decode_ipv6(frame, l3, out);
            return;
        default:
            out.flags |= kMalformed;
            return;
    }
}

void decode_ethernet(const Frame& frame, const PacketView& view, DecodedPacket& out) {
    if (view.vlan_tpid != 0) {
        out.flags |= kVlan;
        out.vlan_id = static_cast<std::uint16_t>(view.vlan_tci & 0x0fff);
    }
    if (!frame.fits(0, kEthernetHeader)) {
        out.flags |= kTruncated;
        return;
    }
    std::uint32_t offset = 12;  // the type (or length) field
    std::uint16_t type = load_be16(frame.data + offset);
    for (int tags = 0;
         type == kEthertypeVlan || type == kEthertypeQinQ || type == kEthertypeQinQOld; ++tags) {
        if (tags == kMaxVlanTags) {
            out.network = Network::other;
            return;
        }
        // Tag: TPID (already read) and TCI; then the next type field.
        if (!frame.fits(offset, kVlanTag + 2)) {
            out.flags |= kTruncated;
            return;
        }
        if ((out.flags & kVlan) == 0) {
            out.flags |= kVlan;
            out.vlan_id = static_cast<std::uint16_t>(load_be16(frame.data + offset + 2) & 0x0fff);
        }
        offset += kVlanTag;
        type = load_be16(frame.data + offset);
    }
    const std::uint32_t l3 = offset + 2;
    switch (type) {
        case kEthertypeIpv4:
            decode_ipv4(frame, l3, out);
            return;
        case kEthertypeIpv6:
            decode_ipv6(frame, l3, out);
            return;
        case kEthertypeArp:
            out.network = Network::arp;
            return;
        default:  // another type, or an 802.3 length field (<= 1500) with LLC after it
            out.network = Network::other;
            return;
    }
}

// The packets most captures are made of, decoded in one straight pass: Ethernet with at most one
// 802.1Q tag in the frame (or one the kernel stripped), IPv4 without options and not a fragment
// or IPv6 without extension headers, then TCP or UDP, every header captured and consistent with
// the others. For those it sets exactly what the general decoder (decode_ethernet and on) sets;
// for anything else, or anything it is not sure of (a length of 0, a fragment, options, a
// truncated or malformed header), it returns false without touching out, and the packet goes the
// general way. packet_decoder_test holds the two against each other on millions of frames.
bool decode_common(const PacketView& view, DecodedPacket& out) {
    const std::uint8_t* const data = view.data;
    const std::uint32_t caplen = view.caplen;
    // The smallest frame this pass takes: Ethernet, IPv4, UDP.
    if (data == nullptr || caplen < kEthernetHeader + kIpv4Header + kUdpHeader) return false;
    bool vlan = view.vlan_tpid != 0;
    std::uint16_t vlan_id = static_cast<std::uint16_t>(view.vlan_tci & 0x0fff);
    std::uint16_t type = load_be16(data + 12);
    std::uint32_t l3 = kEthernetHeader;
    if (type == kEthertypeVlan) {
        // One tag (TCI and the next type fit: caplen is at least 42).
        if (!vlan) vlan_id = static_cast<std::uint16_t>(load_be16(data + 14) & 0x0fff);
        vlan = true;
        type = load_be16(data + 16);
        l3 += kVlanTag;
    }
    std::uint32_t ip_payload;
    std::uint32_t l4;
    std::uint8_t protocol;
    const bool ipv6 = type == kEthertypeIpv6;
    if (type == kEthertypeIpv4) {
        if (caplen - l3 < kIpv4Header) return false;
        const std::uint8_t* ip = data + l3;
        const std::uint32_t total = load_be16(ip + 2);
        // Version 4 and no options; a total length that holds the header (not 0: the frame's
        // length then counts); neither more fragments nor an offset.
        if (ip[0] != 0x45 || total < kIpv4Header || (load_be16(ip + 6) & 0x3fff) != 0) {
            return false;
        }
        protocol = ip[9];
        ip_payload = total - kIpv4Header;
        l4 = l3 + kIpv4Header;
    } else if (ipv6) {
        if (caplen - l3 < kIpv6Header) return false;
        const std::uint8_t* ip = data + l3;
        protocol = ip[6];
        ip_payload = load_be16(ip + 4);
        // Version 6, a payload length (not 0: the frame's length then counts), and the
        // transport header right after the fixed one.
        if ((ip[0] >> 4) != 6 || ip_payload == 0 ||
            (protocol != kProtoTcp && protocol != kProtoUdp)) {
            return false;
        }
        l4 = l3 + kIpv6Header;
    } else {
        return false;
    }
    const std::uint8_t* at = data + l4;
    const std::uint32_t captured = caplen - l4;  // bytes from l4 on (the IP header fit)
    if (protocol == kProtoTcp) {
        if (ip_payload < kTcpHeader || captured < kTcpHeader) return false;
        const std::uint32_t header = static_cast<std::uint32_t>(at[12] >> 4) * 4;
        if (header < kTcpHeader || header > ip_payload) return false;
        out = DecodedPacket{};
        out.transport = Transport::tcp;
        out.sequence = load_be32(at + 4);
        out.acknowledgement = load_be32(at + 8);
        out.tcp_flags = static_cast<std::uint8_t>(at[13] & 0x3f);
        out.window = load_be16(at + 14);
        out.payload_length = ip_payload - header;
    } else if (protocol == kProtoUdp) {
        if (ip_payload < kUdpHeader || captured < kUdpHeader) return false;
        const std::uint32_t length = load_be16(at + 4);
        if (length < kUdpHeader || length > ip_payload) return false;
        out = DecodedPacket{};
        out.transport = Transport::udp;
        out.payload_length = length - kUdpHeader;
    } else {
        return false;
    }
    out.source_port = load_be16(at);
    out.destination_port = load_be16(at + 2);
    out.ip_protocol = protocol;
    const std::uint8_t* ip = data + l3;
    if (ipv6) {
        out.network = Network::ipv6;
        std::memcpy(out.source.data(), ip + 8, 16);
        std::memcpy(out.destination.data(), ip + 24, 16);
    } else {
        out.network = Network::ipv4;
        std::memcpy(out.source.data(), ip + 12, 4);
        std::memcpy(out.destination.data(), ip + 16, 4);
    }
    if (vlan) {
        out.flags = kVlan;
        out.vlan_id = vlan_id;
    }
    return true;
}

}  // namespace

void decode_packet_general(const PacketView& view, std::uint16_t link_type, DecodedPacket& out) {
    out = DecodedPacket{};
    const std::uint32_t caplen = view.data != nullptr ? view.caplen : 0;
    const Frame frame{view.data, caplen, view.wirelen > caplen ? view.wirelen : caplen};
    if (link_type == kLinktypeEthernet) {
        decode_ethernet(frame, view, out);
    } else if (link_type == kLinktypeRaw) {
        decode_ip(frame, 0, out);
    }
}

void decode_packet(const PacketView& view, std::uint16_t link_type, DecodedPacket& out) {
    if (link_type == kLinktypeEthernet && decode_common(view, out)) return;
    decode_packet_general(view, link_type, out);
}

}  // namespace ringdump
