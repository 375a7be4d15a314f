// SPDX-License-Identifier: BSD-2-Clause
// The annotation record: what ringdump adds to every Enhanced Packet Block, as the value of one
// copyable binary custom option (code 2989) after the 4-byte Private Enterprise Number. The
// layout is documented field by field, with a test vector, in docs/annotations.md.
//
// Self-contained and header-only, so the Wireshark plugin decodes with the same code that the
// core encodes with. All multi-byte fields are little-endian whatever the host.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace ringdump::annotation {

inline constexpr std::uint16_t kOptionCode = 2989;  // opt_custom, binary, copyable
#ifdef RINGDUMP_PEN
inline constexpr std::uint32_t kPen = RINGDUMP_PEN;
#else
inline constexpr std::uint32_t kPen = 32473;  // RFC 5612 documentation PEN until one is assigned
#endif
inline constexpr std::uint8_t kVersion = 1;
inline constexpr std::size_t kRecordSize = 40;  // bytes after the PEN, version 1

enum class Direction : std::uint8_t { unknown = 0, up = 1, down = 2, local = 3, transit = 4 };
enum class Role : std::uint8_t { unknown = 0, client = 1, server = 2 };

enum class TcpStatus : std::uint8_t {
    none = 0,             // not a tracked TCP segment
    in_order = 1,         // starts exactly where the sender's stream ended so far
    retransmission = 2,   // every byte was seen before
    partial_overlap = 3,  // some bytes seen before, some new
    out_of_order = 4,     // starts ahead of the stream: leaves a hole (gap_bytes)
    hole_filled = 5,      // bytes that were missing, seen now
    keep_alive = 6,       // 0 or 1 byte at the last sequence number already acknowledged
    window_probe = 7,     // 1 new byte sent against a zero window
    ack_only = 8,         // no payload, nothing else notable
    handshake = 9,        // SYN or SYN-ACK
    reset = 10,           // RST
};

// The network and transport the decoder found.
enum class Layers : std::uint8_t {
    none = 0,  // not IP/ARP (or not decodable)
    arp = 1,
    ipv4 = 2,
    ipv6 = 3,
};
enum class Transport : std::uint8_t { none = 0, tcp = 1, udp = 2, icmp = 3, icmpv6 = 4, other = 5 };

namespace flags {
inline constexpr std::uint16_t kHasStream = 0x0001;     // stream_id is valid
inline constexpr std::uint16_t kStreamStart = 0x0002;   // first packet of the stream
inline constexpr std::uint16_t kStreamEnd = 0x0004;     // FIN or RST seen in this packet
inline constexpr std::uint16_t kMidstream = 0x0008;     // the capture joined the stream late
inline constexpr std::uint16_t kStateLost = 0x0010;     // tracking restarted: state was evicted
inline constexpr std::uint16_t kHolesDropped = 0x0020;  // too many holes: oldest forgotten
inline constexpr std::uint16_t kTruncated = 0x0040;     // headers cut off (no stream facts)
inline constexpr std::uint16_t kMalformed = 0x0080;     // headers contradict themselves
inline constexpr std::uint16_t kFragment = 0x0100;      // IP fragment other than the first
inline constexpr std::uint16_t kVlan = 0x0200;          // VLAN tagged
}  // namespace flags

struct Record {
    Direction direction = Direction::unknown;
    Layers layers = Layers::none;
    Transport transport = Transport::none;
    Role role = Role::unknown;  // of the sender of this packet
    TcpStatus tcp_status = TcpStatus::none;
    std::uint16_t flags = 0;
    std::uint64_t stream_id = 0;
    std::uint32_t relative_sequence = 0;  // TCP sequence number minus the sender's initial one
    std::uint64_t stream_offset = 0;  // position of the first payload byte in the sender's stream
    std::uint32_t gap_bytes = 0;      // bytes missing right before this segment (saturating)
    std::uint32_t capture_loss_bytes = 0;  // bytes this ACK covers that the capture never saw

    friend bool operator==(const Record&, const Record&) = default;
};

//  Record, version 1 (40 bytes, little-endian):
//
//   0        1        2        3        4        5        6        7
//  +--------+--------+--------+--------+--------+--------+--------+--------+
//  |version | length |  dir   | layers |transp. |  role  |tcp stat|  pad   |  0
//  +--------+--------+--------+--------+--------+--------+--------+--------+
//  |     flags       |        pad      |        relative sequence          |  8
//  +--------+--------+--------+--------+--------+--------+--------+--------+
//  |                              stream id                                |  16
//  +--------+--------+--------+--------+--------+--------+--------+--------+
//  |                            stream offset                              |  24
//  +--------+--------+--------+--------+--------+--------+--------+--------+
//  |             gap bytes             |         capture loss bytes        |  32
//  +--------+--------+--------+--------+--------+--------+--------+--------+
//
// "length" is the record size (40 for version 1); later versions only append fields, so a
// reader takes the fields it knows from any record at least that long.
namespace layout {
inline constexpr std::size_t kVersion = 0, kLength = 1, kDirection = 2, kLayers = 3, kTransport = 4,
                             kRole = 5, kTcpStatus = 6, kFlags = 8, kRelativeSequence = 12,
                             kStreamId = 16, kStreamOffset = 24, kGapBytes = 32,
                             kCaptureLossBytes = 36;
}

namespace detail {
template <typename T>
constexpr void put_le(std::uint8_t* at, T value) {
    for (std::size_t i = 0; i < sizeof(T); ++i)
        at[i] = static_cast<std::uint8_t>(value >> (8 * i));
}
template <typename T>
constexpr T get_le(const std::uint8_t* at) {
    T value = 0;
    for (std::size_t i = 0; i < sizeof(T); ++i)
        value = static_cast<T>(value | (T{at[i]} << (8 * i)));
    return value;
}
}  // namespace detail

constexpr std::array<std::uint8_t, kRecordSize> encode(const Record& record) {
    std::array<std::uint8_t, kRecordSize> out{};
    out[layout::kVersion] = kVersion;
    out[layout::kLength] = static_cast<std::uint8_t>(kRecordSize);
    out[layout::kDirection] = static_cast<std::uint8_t>(record.direction);
    out[layout::kLayers] = static_cast<std::uint8_t>(record.layers);
    out[layout::kTransport] = static_cast<std::uint8_t>(record.transport);
    out[layout::kRole] = static_cast<std::uint8_t>(record.role);
    out[layout::kTcpStatus] = static_cast<std::uint8_t>(record.tcp_status);
    detail::put_le(out.data() + layout::kFlags, record.flags);
    detail::put_le(out.data() + layout::kRelativeSequence, record.relative_sequence);
    detail::put_le(out.data() + layout::kStreamId, record.stream_id);
    detail::put_le(out.data() + layout::kStreamOffset, record.stream_offset);
    detail::put_le(out.data() + layout::kGapBytes, record.gap_bytes);
    detail::put_le(out.data() + layout::kCaptureLossBytes, record.capture_loss_bytes);
    return out;
}

enum class DecodeError { none, too_short, unknown_version, bad_length };

// Decodes the bytes after the PEN. Accepts records of version 1 whose length field is at least
// 40 and at most the bytes given (a longer record is a later minor extension).
constexpr std::optional<Record> decode(std::span<const std::uint8_t> bytes,
                                       DecodeError* error = nullptr) {
    auto fail = [&](DecodeError reason) {
        if (error != nullptr) *error = reason;
        return std::optional<Record>();
    };
    if (bytes.size() < 2) return fail(DecodeError::too_short);
    if (bytes[layout::kVersion] != kVersion) return fail(DecodeError::unknown_version);
    const std::size_t length = bytes[layout::kLength];
    if (length < kRecordSize || length > bytes.size()) return fail(DecodeError::bad_length);
    Record record;
    record.direction = static_cast<Direction>(bytes[layout::kDirection]);
    record.layers = static_cast<Layers>(bytes[layout::kLayers]);
    record.transport = static_cast<Transport>(bytes[layout::kTransport]);
    record.role = static_cast<Role>(bytes[layout::kRole]);
    record.tcp_status = static_cast<TcpStatus>(bytes[layout::kTcpStatus]);
    const std::uint8_t* data = bytes.data();
    record.flags = detail::get_le<std::uint16_t>(data + layout::kFlags);
    record.relative_sequence = detail::get_le<std::uint32_t>(data + layout::kRelativeSequence);
    record.stream_id = detail::get_le<std::uint64_t>(data + layout::kStreamId);
    record.stream_offset = detail::get_le<std::uint64_t>(data + layout::kStreamOffset);
    record.gap_bytes = detail::get_le<std::uint32_t>(data + layout::kGapBytes);
    record.capture_loss_bytes = detail::get_le<std::uint32_t>(data + layout::kCaptureLossBytes);
    if (error != nullptr) *error = DecodeError::none;
    return record;
}

}  // namespace ringdump::annotation
