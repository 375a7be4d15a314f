// SPDX-License-Identifier: BSD-2-Clause
// Hand-built frames for the unit tests: a byte-level builder (multi-byte fields in network byte
// order) and, on top of it, whole Ethernet / 802.1Q / IPv4 / IPv6 / TCP / UDP / ICMP frames from
// a few fields (PacketSpec). The byte-level part has the same calls as the builder that
// packet_decoder_test.cpp keeps locally, so that test can switch to this header.
#pragma once

#include <array>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "ringdump/ip_prefix.h"
#include "ringdump/linktype.h"
#include "ringdump/packet.h"

namespace ringdump::test {

using Bytes = std::vector<std::uint8_t>;

class FrameBuilder {
  public:
    FrameBuilder& u8(std::uint8_t v) {
        bytes_.push_back(v);
        return *this;
    }
    FrameBuilder& be16(std::uint16_t v) {
        return u8(static_cast<std::uint8_t>(v >> 8)).u8(static_cast<std::uint8_t>(v));
    }
    FrameBuilder& be32(std::uint32_t v) {
        return be16(static_cast<std::uint16_t>(v >> 16)).be16(static_cast<std::uint16_t>(v));
    }
    FrameBuilder& raw(std::initializer_list<std::uint8_t> values) {
        bytes_.insert(bytes_.end(), values.begin(), values.end());
        return *this;
    }
    FrameBuilder& raw(const Bytes& values) {
        bytes_.insert(bytes_.end(), values.begin(), values.end());
        return *this;
    }
    template <std::size_t N>
    FrameBuilder& raw(const std::array<std::uint8_t, N>& values, std::size_t count = N) {
        bytes_.insert(bytes_.end(), values.begin(),
                      values.begin() + static_cast<std::ptrdiff_t>(count));
        return *this;
    }
    FrameBuilder& fill(std::size_t n, std::uint8_t v = 0) {
        bytes_.insert(bytes_.end(), n, v);
        return *this;
    }

    // Ethernet II: destination, source, type.
    FrameBuilder& ethernet(std::uint16_t type) {
        return raw({0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x02})
            .be16(type);
    }
    // A tag after the type field that announced it: TCI, then the next type.
    FrameBuilder& tag(std::uint16_t tci, std::uint16_t next_type) {
        return be16(tci).be16(next_type);
    }

    // IPv4 header of ihl 32-bit words (options are appended by the caller).
    FrameBuilder& ipv4(std::uint16_t total_length, std::uint8_t protocol,
                       const std::array<std::uint8_t, 4>& source,
                       const std::array<std::uint8_t, 4>& destination,
                       std::uint16_t fragment = 0x4000, std::uint8_t ihl = 5) {
        return u8(static_cast<std::uint8_t>(0x40 | ihl))
            .u8(0)
            .be16(total_length)
            .be16(0x1234)
            .be16(fragment)
            .u8(64)
            .u8(protocol)
            .be16(0)
            .raw(source)
            .raw(destination);
    }
    // 198.18.0.1 -> 198.18.0.2.
    FrameBuilder& ipv4(std::uint16_t total_length, std::uint8_t protocol,
                       std::uint16_t fragment = 0x4000, std::uint8_t ihl = 5) {
        return ipv4(total_length, protocol, {198, 18, 0, 1}, {198, 18, 0, 2}, fragment, ihl);
    }
    FrameBuilder& ipv6(std::uint16_t payload_length, std::uint8_t next_header,
                       const std::array<std::uint8_t, 16>& source,
                       const std::array<std::uint8_t, 16>& destination) {
        return be32(0x60000000)
            .be16(payload_length)
            .u8(next_header)
            .u8(64)
            .raw(source)
            .raw(destination);
    }
    // 2001:db8::1 -> 2001:db8::2.
    FrameBuilder& ipv6(std::uint16_t payload_length, std::uint8_t next_header) {
        return ipv6(payload_length, next_header, kV6Source, kV6Destination);
    }
    // TCP: data offset in 32-bit words; options are appended by the caller.
    FrameBuilder& tcp(std::uint16_t sport, std::uint16_t dport, std::uint32_t seq,
                      std::uint32_t ack, std::uint8_t offset_words, std::uint8_t flags,
                      std::uint16_t window) {
        return be16(sport)
            .be16(dport)
            .be32(seq)
            .be32(ack)
            .u8(static_cast<std::uint8_t>(offset_words << 4))
            .u8(flags)
            .be16(window)
            .be16(0)   // checksum
            .be16(0);  // urgent pointer
    }
    FrameBuilder& udp(std::uint16_t sport, std::uint16_t dport, std::uint16_t length) {
        return be16(sport).be16(dport).be16(length).be16(0);
    }

    const Bytes& bytes() const { return bytes_; }
    std::size_t size() const { return bytes_.size(); }

    static constexpr std::array<std::uint8_t, 16> kV6Source = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
                                                               0,    0,    0,    0,    0, 0, 0, 1};
    static constexpr std::array<std::uint8_t, 16> kV6Destination = {
        0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};

  private:
    Bytes bytes_;
};

// An IPv4 or IPv6 address, network byte order (IPv4 in the first 4 bytes).
struct Address {
    bool ipv6 = false;
    std::array<std::uint8_t, 16> bytes{};

    std::array<std::uint8_t, 4> v4() const { return {bytes[0], bytes[1], bytes[2], bytes[3]}; }
};

// "10.0.0.1" or "2001:db8::1".
inline Address address(std::string_view text) {
    const auto parsed = IpPrefix::parse(text);
    if (!parsed) throw std::invalid_argument("bad address: " + std::string(text));
    return Address{!parsed->is_ipv4(), parsed->address};
}

inline IpPrefix prefix(std::string_view text) {
    const auto parsed = IpPrefix::parse(text);
    if (!parsed) throw std::invalid_argument("bad prefix: " + std::string(text));
    return *parsed;
}

namespace ip_protocol {
inline constexpr std::uint8_t kIcmp = 1;
inline constexpr std::uint8_t kTcp = 6;
inline constexpr std::uint8_t kUdp = 17;
inline constexpr std::uint8_t kIcmpv6 = 58;
}  // namespace ip_protocol

enum class Link { ethernet, raw };

// One frame, described by its fields. The IP and transport lengths follow from payload.
struct PacketSpec {
    Address source;
    Address destination;
    std::uint8_t protocol = ip_protocol::kTcp;
    std::uint16_t source_port = 0;
    std::uint16_t destination_port = 0;
    std::uint32_t sequence = 0;
    std::uint32_t acknowledgement = 0;
    std::uint8_t tcp_flags = 0;
    std::uint16_t window = 65535;
    std::uint32_t payload = 0;             // transport payload bytes (0x5a each)
    std::vector<std::uint16_t> vlans;      // VLAN ids of the tags in the frame, outermost first
    std::uint16_t ipv4_fragment = 0x4000;  // IPv4 flags + fragment offset field (DF)
    std::optional<std::uint16_t> ipv6_fragment;  // a fragment header with this field (offset|M)
    Link link = Link::ethernet;
};

inline Bytes build_frame(const PacketSpec& spec) {
    const bool ipv6 = spec.source.ipv6;
    const bool fragment_follows_v4 = (spec.ipv4_fragment & 0x1fff) != 0;
    const bool fragment_follows_v6 = spec.ipv6_fragment && (*spec.ipv6_fragment & 0xfff8) != 0;
    const bool non_first_fragment = ipv6 ? fragment_follows_v6 : fragment_follows_v4;
    std::uint32_t transport_header = 0;
    if (!non_first_fragment) {
        switch (spec.protocol) {
            case ip_protocol::kTcp:
                transport_header = 20;
                break;
            case ip_protocol::kUdp:
                transport_header = 8;
                break;
            case ip_protocol::kIcmp:
            case ip_protocol::kIcmpv6:
                transport_header = 4;
                break;
            default:
                break;
        }
    }
    const std::uint32_t l4_bytes = transport_header + spec.payload;
    FrameBuilder f;
    if (spec.link == Link::ethernet) {
        const std::uint16_t network_type = ipv6 ? 0x86dd : 0x0800;
        if (spec.vlans.empty()) {
            f.ethernet(network_type);
        } else {
            f.ethernet(0x8100);
            for (std::size_t i = 0; i < spec.vlans.size(); ++i) {
                const bool last = i + 1 == spec.vlans.size();
                f.tag(spec.vlans[i], last ? network_type : 0x8100);
            }
        }
    }
    if (ipv6) {
        const std::uint32_t extension = spec.ipv6_fragment ? 8 : 0;
        f.ipv6(static_cast<std::uint16_t>(extension + l4_bytes),
               spec.ipv6_fragment ? 44 : spec.protocol, spec.source.bytes, spec.destination.bytes);
        if (spec.ipv6_fragment) f.u8(spec.protocol).u8(0).be16(*spec.ipv6_fragment).be32(0x77);
    } else {
        f.ipv4(static_cast<std::uint16_t>(20 + l4_bytes), spec.protocol, spec.source.v4(),
               spec.destination.v4(), spec.ipv4_fragment);
    }
    if (!non_first_fragment) {
        switch (spec.protocol) {
            case ip_protocol::kTcp:
                f.tcp(spec.source_port, spec.destination_port, spec.sequence, spec.acknowledgement,
                      5, spec.tcp_flags, spec.window);
                break;
            case ip_protocol::kUdp:
                f.udp(spec.source_port, spec.destination_port,
                      static_cast<std::uint16_t>(8 + spec.payload));
                break;
            case ip_protocol::kIcmp:
            case ip_protocol::kIcmpv6:
                f.u8(8).u8(0).be16(0);  // echo request, checksum not checked
                break;
            default:
                break;
        }
    }
    f.fill(spec.payload, 0x5a);
    return f.bytes();
}

// A view of frame (which must outlive it).
inline PacketView view_of(const Bytes& frame, std::uint64_t timestamp_ns,
                          std::uint32_t interface_id = 0) {
    PacketView view;
    view.data = frame.data();
    view.caplen = static_cast<std::uint32_t>(frame.size());
    view.wirelen = static_cast<std::uint32_t>(frame.size());
    view.timestamp_ns = timestamp_ns;
    view.interface_id = interface_id;
    return view;
}

}  // namespace ringdump::test
