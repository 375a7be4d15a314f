// SPDX-License-Identifier: BSD-2-Clause
#include "tcp_tracker.h"

#include <algorithm>

#include "ringdump/packet_decoder.h"

namespace ringdump::tcp {
namespace {

using annotation::TcpStatus;

void remove_hole(StreamState& state, Hole* holes, std::size_t index) {
    std::copy(holes + index + 1, holes + state.hole_count, holes + index);
    --state.hole_count;
}

// Removes [start, end) from the holes. Returns the number of bytes that were missing in it.
// Splitting a hole in two needs a free slot; when there is none, the lowest hole is forgotten
// (its bytes count as seen from then on) and dropped is set.
std::uint64_t fill(StreamState& state, Hole* holes, std::uint64_t start, std::uint64_t end,
                   bool& dropped) {
    std::uint64_t filled = 0;
    std::size_t i = 0;
    while (i < state.hole_count) {
        Hole& hole = holes[i];
        if (hole.end <= start || hole.start >= end) {
            ++i;
            continue;
        }
        filled += std::min(hole.end, end) - std::max(hole.start, start);
        if (start <= hole.start && end >= hole.end) {
            remove_hole(state, holes, i);  // covered entirely
        } else if (start <= hole.start) {
            hole.start = end;  // front covered
            ++i;
        } else if (end >= hole.end) {
            hole.end = start;  // back covered
            ++i;
        } else if (state.hole_count < kMaxHoles) {  // inside: split in two
            const Hole back{end, hole.end};
            hole.end = start;
            std::copy_backward(holes + i + 1, holes + state.hole_count,
                               holes + state.hole_count + 1);
            holes[i + 1] = back;
            ++state.hole_count;
            i += 2;
        } else {
            // No slot for the second half: forget the lowest range instead.
            dropped = true;
            if (i == 0) {
                hole.start = end;  // the front part of this very hole is the lowest
                ++i;
            } else {
                remove_hole(state, holes, 0);  // indices shift down by one; split holes[i - 1]
                Hole& same = holes[i - 1];
                const Hole back{end, same.end};
                same.end = start;
                std::copy_backward(holes + i, holes + state.hole_count,
                                   holes + state.hole_count + 1);
                holes[i] = back;
                ++state.hole_count;
                i += 1;
            }
        }
    }
    return filled;
}

// Opens a hole [start, end) above every other one.
void open_hole(StreamState& state, Hole* holes, std::uint64_t start, std::uint64_t end,
               bool& dropped) {
    if (state.hole_count == kMaxHoles) {
        std::copy(holes + 1, holes + state.hole_count, holes);
        --state.hole_count;
        dropped = true;
    }
    holes[state.hole_count++] = {start, end};
}

// The ACK acknowledges every offset below `acked` of the receiver's bytes: what the capture did
// not see there was lost by the capture.
std::uint64_t acknowledge(StreamState& receiver, Hole* holes, std::uint32_t acknowledgement) {
    if (!receiver.initialized) return 0;
    const std::int64_t acked = receiver.offset_of(acknowledgement);
    // The usual case, tested without a branch on the sign of acked (an ACK of nothing yet and
    // one of bytes already seen alternate unpredictably): no holes and nothing beyond max_end
    // acknowledged, so nothing was lost.
    const std::uint64_t covered = acked > 0 ? static_cast<std::uint64_t>(acked) : 0;
    if (receiver.hole_count == 0 && covered <= receiver.max_end) return 0;
    if (acked <= 0) return 0;
    const auto upto = static_cast<std::uint64_t>(acked);
    std::uint64_t lost = 0;
    while (receiver.hole_count > 0 && holes[0].start < upto) {
        Hole& hole = holes[0];
        const std::uint64_t end = std::min(hole.end, upto);
        lost += end - hole.start;
        if (end == hole.end) {
            std::copy(holes + 1, holes + receiver.hole_count, holes);
            --receiver.hole_count;
        } else {
            hole.start = end;
        }
    }
    if (upto > receiver.max_end) {
        lost += upto - receiver.max_end;
        receiver.max_end = upto;
    }
    return lost;
}

}  // namespace

std::uint64_t unseen_in(const StreamState& state, const Hole* holes, std::uint64_t start,
                        std::uint64_t end) {
    const std::uint64_t max_end = state.max_end;
    std::uint64_t unseen = end > max_end ? end - std::max(start, max_end) : 0;
    const std::uint64_t below = std::min(end, max_end);
    for (std::size_t i = 0; i < state.hole_count && start < below; ++i) {
        const Hole& hole = holes[i];
        if (hole.end > start && hole.start < below) {
            unseen += std::min(hole.end, below) - std::max(hole.start, start);
        }
    }
    return unseen;
}

Outcome track(StreamState& sender, Hole* sender_holes, StreamState& receiver, Hole* receiver_holes,
              const Segment& segment) {
    Outcome outcome;
    const bool syn = (segment.flags & tcp_flags::kSyn) != 0;
    const bool fin = (segment.flags & tcp_flags::kFin) != 0;
    const bool rst = (segment.flags & tcp_flags::kRst) != 0;
    const bool ack = (segment.flags & tcp_flags::kAck) != 0;

    if (syn) {
        if (sender.initialized && sender.syn_seen && segment.sequence == sender.isn) {
            outcome.status = TcpStatus::retransmission;  // the same SYN again
        } else {
            sender = StreamState{};  // its holes go with hole_count 0
            sender.initialized = true;
            sender.syn_seen = true;
            sender.isn = segment.sequence;
            sender.base = segment.sequence + 1;
            outcome.status = TcpStatus::handshake;
        }
    } else if (!sender.initialized) {
        // Joining mid-stream: this segment's first byte is offset 0.
        sender.initialized = true;
        sender.isn = segment.sequence;
        sender.base = segment.sequence;
        outcome.midstream = true;
    }

    // Window this endpoint offers the peer, and what its ACK says about the peer's bytes (an
    // RST's ACK field too, when its ACK flag is set).
    sender.window = segment.window;
    sender.window_known = true;
    if (ack) {
        outcome.capture_loss_bytes = acknowledge(receiver, receiver_holes, segment.acknowledgement);
    }

    const std::uint32_t data_sequence = syn ? segment.sequence + 1 : segment.sequence;
    outcome.relative_sequence = segment.sequence - sender.isn;
    const std::int64_t start = sender.offset_of(data_sequence);
    outcome.stream_offset = start > 0 ? static_cast<std::uint64_t>(start) : 0;

    if (rst) {
        outcome.status = TcpStatus::reset;
        return outcome;
    }
    // A FIN occupies one sequence number after the payload, like a byte.
    const std::uint64_t length = std::uint64_t{segment.payload} + (fin ? 1 : 0);
    if (length == 0) {
        if (outcome.status == TcpStatus::none) {
            const bool keep_alive =
                sender.max_end > 0 && start == static_cast<std::int64_t>(sender.max_end) - 1;
            outcome.status = keep_alive ? TcpStatus::keep_alive : TcpStatus::ack_only;
        }
        return outcome;
    }
    if (fin) sender.fin_seen = true;

    const std::int64_t finish = start + static_cast<std::int64_t>(length);
    if (finish <= 0) {  // all from before the capture joined: the receiver had it long ago
        if (outcome.status == TcpStatus::none) outcome.status = TcpStatus::retransmission;
        return outcome;
    }
    // Bytes before offset 0 (a segment straddling the point where the capture joined) count as
    // seen; only the part from 0 on is classified.
    const bool straddles = start < 0;
    const auto begin = static_cast<std::uint64_t>(straddles ? 0 : start);
    const auto end = static_cast<std::uint64_t>(finish);
    TcpStatus status;
    if (!straddles && begin == sender.max_end) {
        const bool probe =
            segment.payload == 1 && !fin && receiver.window_known && receiver.window == 0;
        status = probe ? TcpStatus::window_probe : TcpStatus::in_order;
        sender.max_end = end;
    } else if (begin > sender.max_end) {
        outcome.gap_bytes = begin - sender.max_end;
        open_hole(sender, sender_holes, sender.max_end, begin, outcome.holes_dropped);
        sender.max_end = end;
        status = TcpStatus::out_of_order;
    } else if (!straddles && segment.payload <= 1 && !fin && !syn && begin + 1 == sender.max_end) {
        status = TcpStatus::keep_alive;  // one garbage byte at the last acknowledged position
    } else {
        const std::uint64_t unseen = unseen_in(sender, sender_holes, begin, end);
        if (unseen == 0) {
            status = TcpStatus::retransmission;
        } else {
            // Every byte new (some were missing, the rest may extend the stream): hole filled.
            // Some seen before and some new: partial overlap.
            outcome.filled_hole = fill(sender, sender_holes, begin, end, outcome.holes_dropped) > 0;
            status = !straddles && unseen == length ? TcpStatus::hole_filled
                                                    : TcpStatus::partial_overlap;
            sender.max_end = std::max(sender.max_end, end);
        }
    }
    if (outcome.status == TcpStatus::none) outcome.status = status;
    return outcome;
}

}  // namespace ringdump::tcp
