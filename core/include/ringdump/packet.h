// SPDX-License-Identifier: BSD-2-Clause
// The unit of the pipeline: a view of one packet that still lives in the source's memory
// (a TPACKET_V3 block, an AF_XDP frame, libpcap's buffer). Views are valid until the source's
// release(); nothing on the hot path copies packet bytes.
#pragma once

#include <cstdint>
#include <span>

namespace ringdump {

// pcapng epb_flags (draft-ietf-opsawg-pcapng, "Enhanced Packet Block Flags Word").
namespace epb_flags {
inline constexpr std::uint32_t kDirectionMask = 0x3;
inline constexpr std::uint32_t kInbound = 0x1;
inline constexpr std::uint32_t kOutbound = 0x2;
inline constexpr std::uint32_t kReceptionShift = 2;
inline constexpr std::uint32_t kReceptionMask = 0x7u << kReceptionShift;
inline constexpr std::uint32_t kUnicast = 1u << kReceptionShift;
inline constexpr std::uint32_t kMulticast = 2u << kReceptionShift;
inline constexpr std::uint32_t kBroadcast = 3u << kReceptionShift;
inline constexpr std::uint32_t kPromiscuous = 4u << kReceptionShift;

constexpr std::uint32_t direction(std::uint32_t flags) {
    return flags & kDirectionMask;
}
constexpr std::uint32_t reception(std::uint32_t flags) {
    return (flags & kReceptionMask) >> kReceptionShift;
}
}  // namespace epb_flags

inline constexpr std::uint32_t kNoQueue = 0xFFFFFFFF;

struct PacketView {
    const std::uint8_t* data = nullptr;  // first captured byte
    std::uint32_t caplen = 0;            // bytes readable at data
    std::uint32_t wirelen = 0;           // length on the wire (without a stripped VLAN tag)
    std::uint64_t timestamp_ns = 0;      // nanoseconds since the Unix epoch
    std::uint32_t interface_id = 0;      // pcapng interface id
    std::uint32_t flags = 0;             // pcapng epb_flags
    std::uint64_t drops_before = 0;      // epb_dropcount: packets lost just before this one
    std::uint32_t queue = kNoQueue;      // epb_queue: the RX queue it arrived on, if known
    // An 802.1Q/802.1ad tag the kernel removed from the frame (vlan_tpid != 0). The writer puts it
    // back after the two MAC addresses, so the file holds the frame as it was on the wire.
    std::uint16_t vlan_tpid = 0;
    std::uint16_t vlan_tci = 0;
    // Further EPB options, already encoded as pcapng option TLVs (each padded to 32 bits). The
    // writer copies them verbatim before opt_endofopt. Owned by whoever filled the batch.
    std::span<const std::uint8_t> options;

    bool has_vlan_tag() const { return vlan_tpid != 0; }
    bool has_queue() const { return queue != kNoQueue; }
};

}  // namespace ringdump
