// SPDX-License-Identifier: BSD-2-Clause
// TCP stream tracking for one flow: what each endpoint has sent, as the capture saw it.
//
// Every byte an endpoint sends has a 64-bit stream offset (0 = first byte after the SYN, or the
// first byte the capture saw when it joined mid-stream). Sequence numbers are mapped to offsets
// with serial arithmetic around the highest offset seen, so wraparound at 2^32 is invisible as
// long as a segment lies within 2^31 of it. A direction keeps:
//
//   offset:   0 ........................................... max_end
//             | seen | hole | seen | hole |  seen        |
//
// max_end is just past the highest byte seen (or acknowledged by the peer); holes are the ranges
// below it not seen yet, at most kMaxHoles of them, sorted. A FIN occupies one offset like a
// byte. The peer's cumulative ACK declares every unseen byte below it lost by the capture: the
// receiver had it, so the network delivered it ("capture loss", distinct from network loss,
// which shows as a hole that a retransmission later fills).
#pragma once

#include <cstdint>

#include "ringdump/annotation_format.h"

namespace ringdump::tcp {

// Holes tracked per direction. 8 was often too few at a few percent of loss and reordering
// (measured against Wireshark's analysis); 16 costs 256 bytes more per flow.
inline constexpr std::size_t kMaxHoles = 16;

struct Hole {
    std::uint64_t start = 0;
    std::uint64_t end = 0;  // exclusive
};

// What the tracker keeps of one direction apart from its holes: 24 bytes, so that both
// directions sit in the flow table's hot cache line. The holes (kMaxHoles of them, 256 bytes) live
// elsewhere and are read only when hole_count says there are some.
struct StreamState {
    bool initialized = false;
    bool syn_seen = false;
    bool fin_seen = false;
    bool window_known = false;
    std::uint8_t hole_count = 0;
    std::uint16_t window = 0;   // the receive window this endpoint last advertised
    std::uint32_t isn = 0;      // its SYN's sequence number, or the first one seen
    std::uint32_t base = 0;     // sequence number of offset 0
    std::uint64_t max_end = 0;  // offset just past the highest byte seen or acknowledged

    // Offset of a sequence number, by serial arithmetic around max_end (may be negative: a
    // segment from before the capture joined).
    std::int64_t offset_of(std::uint32_t sequence) const {
        const std::uint32_t edge = base + static_cast<std::uint32_t>(max_end);
        return static_cast<std::int64_t>(max_end) + static_cast<std::int32_t>(sequence - edge);
    }
};
static_assert(sizeof(StreamState) == 24);

// Unseen bytes in [start, end) of a direction whose holes are holes[0, state.hole_count) (below
// max_end: inside holes; above: all).
std::uint64_t unseen_in(const StreamState& state, const Hole* holes, std::uint64_t start,
                        std::uint64_t end);

// One direction with its holes in one piece.
struct DirectionState : StreamState {
    Hole holes[kMaxHoles];

    std::uint64_t unseen_in(std::uint64_t start, std::uint64_t end) const {
        return tcp::unseen_in(*this, holes, start, end);
    }
};

struct Segment {
    std::uint32_t sequence = 0;
    std::uint32_t acknowledgement = 0;
    std::uint16_t window = 0;
    std::uint8_t flags = 0;  // tcp_flags from packet_decoder.h
    std::uint32_t payload = 0;
};

struct Outcome {
    annotation::TcpStatus status = annotation::TcpStatus::none;
    std::uint32_t relative_sequence = 0;
    std::uint64_t stream_offset = 0;
    std::uint64_t gap_bytes = 0;           // hole this segment opened
    std::uint64_t capture_loss_bytes = 0;  // declared by this segment's ACK
    bool filled_hole = false;              // some missing bytes arrived
    bool holes_dropped = false;            // the hole set was full: the oldest was forgotten
    bool midstream = false;                // the sender's state started here without a SYN
};

// Tracks one segment sent by `sender` to `receiver` (whose bytes its ACK acknowledges). Each
// direction's holes are the kMaxHoles entries at its holes pointer, touched only while its
// hole_count is not 0.
Outcome track(StreamState& sender, Hole* sender_holes, StreamState& receiver, Hole* receiver_holes,
              const Segment& segment);

inline Outcome track(DirectionState& sender, DirectionState& receiver, const Segment& segment) {
    return track(sender, sender.holes, receiver, receiver.holes, segment);
}

}  // namespace ringdump::tcp
