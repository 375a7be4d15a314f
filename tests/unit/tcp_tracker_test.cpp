// SPDX-License-Identifier: BSD-2-Clause
// The per-direction TCP tracker, driven segment by segment. Every expected status, offset, gap
// and capture loss is worked out by hand from docs/annotations.md ("TCP status", "Capture
// loss"): offset 0 is the first byte after the SYN (or the first byte seen), `end` is just past
// the highest byte seen, holes are the unseen ranges below it (at most 8), a FIN takes one offset.
#include "tcp_tracker.h"

#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "ringdump/packet_decoder.h"

namespace ringdump::tcp {
namespace {

using annotation::TcpStatus;
constexpr std::uint8_t kSyn = tcp_flags::kSyn;
constexpr std::uint8_t kAck = tcp_flags::kAck;
constexpr std::uint8_t kFin = tcp_flags::kFin;
constexpr std::uint8_t kRst = tcp_flags::kRst;
constexpr std::uint8_t kPsh = tcp_flags::kPsh;

std::string holes_of(const DirectionState& state) {
    std::ostringstream out;
    for (std::size_t i = 0; i < state.hole_count; ++i) {
        out << "[" << state.holes[i].start << "," << state.holes[i].end << ")";
    }
    return out.str();
}

// A connection between a client and a server, with the handshake optionally done. Data helpers
// take stream offsets (0 = the first byte after the SYN) and turn them into sequence numbers.
class Connection {
  public:
    Connection(std::uint32_t client_isn, std::uint32_t server_isn)
        : client_isn_(client_isn), server_isn_(server_isn) {}

    Outcome client_syn() { return track(client, server, {client_isn_, 0, 65535, kSyn, 0}); }
    Outcome server_syn_ack() {
        return track(server, client, {server_isn_, client_isn_ + 1, 65535, kSyn | kAck, 0});
    }
    Outcome client_handshake_ack() {
        return track(client, server, {client_isn_ + 1, server_isn_ + 1, 65535, kAck, 0});
    }
    void handshake() {
        ASSERT_EQ(client_syn().status, TcpStatus::handshake);
        ASSERT_EQ(server_syn_ack().status, TcpStatus::handshake);
        ASSERT_EQ(client_handshake_ack().status, TcpStatus::ack_only);
    }

    // Client bytes [offset, offset + length), acknowledging server_acked of the server's bytes.
    Outcome client_data(std::uint64_t offset, std::uint32_t length,
                        std::uint8_t flags = kAck | kPsh) {
        return track(
            client, server,
            {client_sequence(offset), server_sequence(server_acked), 65535, flags, length});
    }
    Outcome server_data(std::uint64_t offset, std::uint32_t length,
                        std::uint8_t flags = kAck | kPsh) {
        return track(
            server, client,
            {server_sequence(offset), client_sequence(client_acked), server_window, flags, length});
    }
    // A pure ACK from the server of client bytes below offset (and the server's own sequence at
    // its offset server_next).
    Outcome server_ack(std::uint64_t offset, std::uint16_t window = 65535) {
        client_acked = offset;
        server_window = window;
        return track(server, client,
                     {server_sequence(server_next), client_sequence(offset), window, kAck, 0});
    }
    Outcome client_ack(std::uint64_t offset) {
        server_acked = offset;
        return track(client, server,
                     {client_sequence(client_next), server_sequence(offset), 65535, kAck, 0});
    }

    std::uint32_t client_sequence(std::uint64_t offset) const {
        return static_cast<std::uint32_t>(client_isn_ + 1 + offset);
    }
    std::uint32_t server_sequence(std::uint64_t offset) const {
        return static_cast<std::uint32_t>(server_isn_ + 1 + offset);
    }

    DirectionState client;
    DirectionState server;
    std::uint64_t server_acked = 0;  // what client segments acknowledge
    std::uint64_t client_acked = 0;  // what server segments acknowledge
    std::uint64_t server_next = 0;   // the server's own sequence position (offset)
    std::uint64_t client_next = 0;
    std::uint16_t server_window = 65535;

  private:
    std::uint32_t client_isn_;
    std::uint32_t server_isn_;
};

void expect_holes(const DirectionState& state, const std::vector<Hole>& expected) {
    ASSERT_EQ(state.hole_count, expected.size()) << holes_of(state);
    for (std::size_t i = 0; i < expected.size(); ++i) {
        EXPECT_EQ(state.holes[i].start, expected[i].start)
            << "hole " << i << ": " << holes_of(state);
        EXPECT_EQ(state.holes[i].end, expected[i].end) << "hole " << i << ": " << holes_of(state);
    }
}

TEST(TcpTracker, Handshake) {
    Connection c(1000, 50000);
    const Outcome syn = c.client_syn();
    EXPECT_EQ(syn.status, TcpStatus::handshake);
    EXPECT_EQ(syn.relative_sequence, 0u);
    EXPECT_EQ(syn.stream_offset, 0u);
    EXPECT_FALSE(syn.midstream);
    EXPECT_EQ(syn.gap_bytes, 0u);
    EXPECT_EQ(syn.capture_loss_bytes, 0u);
    EXPECT_TRUE(c.client.initialized);
    EXPECT_TRUE(c.client.syn_seen);
    EXPECT_EQ(c.client.isn, 1000u);
    EXPECT_EQ(c.client.max_end, 0u);  // the SYN takes no stream offset

    const Outcome syn_ack = c.server_syn_ack();
    EXPECT_EQ(syn_ack.status, TcpStatus::handshake);
    EXPECT_EQ(syn_ack.relative_sequence, 0u);
    EXPECT_EQ(syn_ack.stream_offset, 0u);
    EXPECT_EQ(syn_ack.capture_loss_bytes, 0u);  // acknowledges the SYN: no byte of the stream
    EXPECT_EQ(c.server.isn, 50000u);

    const Outcome ack = c.client_handshake_ack();
    EXPECT_EQ(ack.status, TcpStatus::ack_only);
    EXPECT_EQ(ack.relative_sequence, 1u);
    EXPECT_EQ(ack.stream_offset, 0u);
    EXPECT_EQ(ack.capture_loss_bytes, 0u);
    EXPECT_FALSE(ack.midstream);
}

TEST(TcpTracker, InOrderDataAndItsAck) {
    Connection c(1000, 50000);
    c.handshake();
    Outcome o = c.client_data(0, 100);
    EXPECT_EQ(o.status, TcpStatus::in_order);
    EXPECT_EQ(o.stream_offset, 0u);
    EXPECT_EQ(o.relative_sequence, 1u);
    o = c.client_data(100, 200);
    EXPECT_EQ(o.status, TcpStatus::in_order);
    EXPECT_EQ(o.stream_offset, 100u);
    EXPECT_EQ(o.relative_sequence, 101u);
    EXPECT_EQ(o.gap_bytes, 0u);
    EXPECT_EQ(c.client.max_end, 300u);
    expect_holes(c.client, {});

    o = c.server_ack(300);
    EXPECT_EQ(o.status, TcpStatus::ack_only);
    EXPECT_EQ(o.capture_loss_bytes, 0u);
    // The server answers with data of its own: its direction is tracked separately.
    o = c.server_data(0, 50);
    EXPECT_EQ(o.status, TcpStatus::in_order);
    EXPECT_EQ(o.stream_offset, 0u);
    EXPECT_EQ(o.relative_sequence, 1u);
    EXPECT_EQ(c.server.max_end, 50u);
    EXPECT_EQ(c.client.max_end, 300u);
}

TEST(TcpTracker, RetransmissionOfTheSameSegment) {
    Connection c(1000, 50000);
    c.handshake();
    c.client_data(0, 100);
    c.client_data(100, 200);
    Outcome o = c.client_data(100, 200);
    EXPECT_EQ(o.status, TcpStatus::retransmission);
    EXPECT_EQ(o.stream_offset, 100u);
    EXPECT_EQ(o.relative_sequence, 101u);
    EXPECT_EQ(o.gap_bytes, 0u);
    EXPECT_FALSE(o.filled_hole);
    EXPECT_EQ(c.client.max_end, 300u);
    // A shorter piece from the middle is a retransmission as well.
    EXPECT_EQ(c.client_data(10, 20).status, TcpStatus::retransmission);
}

TEST(TcpTracker, PartialOverlap) {
    Connection c(1000, 50000);
    c.handshake();
    c.client_data(0, 300);
    const Outcome o = c.client_data(200, 200);  // [200, 400): 100 old bytes, 100 new
    EXPECT_EQ(o.status, TcpStatus::partial_overlap);
    EXPECT_EQ(o.stream_offset, 200u);
    EXPECT_EQ(o.gap_bytes, 0u);
    EXPECT_EQ(c.client.max_end, 400u);
    expect_holes(c.client, {});
    EXPECT_EQ(c.client_data(400, 10).status, TcpStatus::in_order);
}

TEST(TcpTracker, OutOfOrderThenFilled) {
    Connection c(1000, 50000);
    c.handshake();
    c.client_data(0, 100);
    Outcome o = c.client_data(300, 100);  // [300, 400): hole [100, 300)
    EXPECT_EQ(o.status, TcpStatus::out_of_order);
    EXPECT_EQ(o.stream_offset, 300u);
    EXPECT_EQ(o.gap_bytes, 200u);
    EXPECT_EQ(c.client.max_end, 400u);
    expect_holes(c.client, {{100, 300}});
    EXPECT_EQ(c.client.unseen_in(0, 400), 200u);
    EXPECT_EQ(c.client.unseen_in(150, 350), 150u);
    EXPECT_EQ(c.client.unseen_in(400, 450), 50u);  // beyond end: all unseen

    o = c.client_data(100, 100);  // [100, 200)
    EXPECT_EQ(o.status, TcpStatus::hole_filled);
    EXPECT_TRUE(o.filled_hole);
    EXPECT_EQ(o.gap_bytes, 0u);
    EXPECT_EQ(o.stream_offset, 100u);
    expect_holes(c.client, {{200, 300}});

    o = c.client_data(200, 100);  // [200, 300): the rest
    EXPECT_EQ(o.status, TcpStatus::hole_filled);
    EXPECT_TRUE(o.filled_hole);
    expect_holes(c.client, {});
    EXPECT_EQ(c.client.unseen_in(0, 400), 0u);

    o = c.client_data(400, 100);
    EXPECT_EQ(o.status, TcpStatus::in_order);
    EXPECT_EQ(c.client.max_end, 500u);
    // Nothing was missing in the end: the ACK of everything reveals no capture loss.
    EXPECT_EQ(c.server_ack(500).capture_loss_bytes, 0u);
}

TEST(TcpTracker, FillingTheMiddleOfAHoleSplitsIt) {
    Connection c(1000, 50000);
    c.handshake();
    c.client_data(0, 100);
    c.client_data(300, 100);
    const Outcome o = c.client_data(150, 100);  // [150, 250) inside [100, 300)
    EXPECT_EQ(o.status, TcpStatus::hole_filled);
    EXPECT_FALSE(o.holes_dropped);
    expect_holes(c.client, {{100, 150}, {250, 300}});
    // A segment over both halves and the seen middle: partial overlap.
    EXPECT_EQ(c.client_data(120, 160).status, TcpStatus::partial_overlap);
    expect_holes(c.client, {{100, 120}, {280, 300}});
}

TEST(TcpTracker, SegmentOverAHoleAndBeyondEndIsPartialOverlap) {
    Connection c(1000, 50000);
    c.handshake();
    c.client_data(0, 100);
    c.client_data(200, 100);                    // hole [100, 200), end 300
    const Outcome o = c.client_data(100, 300);  // [100, 400): fills the hole, 100 old, 100 new
    EXPECT_EQ(o.status, TcpStatus::partial_overlap);
    EXPECT_TRUE(o.filled_hole);
    EXPECT_EQ(c.client.max_end, 400u);
    expect_holes(c.client, {});
}

TEST(TcpTracker, PartialOverlapPastTheEndFillsNoHole) {
    Connection c(1000, 50000);
    c.handshake();
    c.client_data(0, 300);
    const Outcome o = c.client_data(200, 200);  // no hole anywhere: 100 old, 100 new past end
    EXPECT_EQ(o.status, TcpStatus::partial_overlap);
    EXPECT_FALSE(o.filled_hole);
}

TEST(TcpTracker, GapNeverFilledIsCaptureLossOnTheAckThatCoversIt) {
    Connection c(1000, 50000);
    c.handshake();
    c.client_data(0, 100);
    c.client_data(300, 100);  // hole [100, 300): the capture missed it
    Outcome o = c.server_ack(100);
    EXPECT_EQ(o.capture_loss_bytes, 0u);  // below the hole
    o = c.server_ack(400);
    EXPECT_EQ(o.status, TcpStatus::ack_only);
    EXPECT_EQ(o.capture_loss_bytes, 200u);
    expect_holes(c.client, {});
    EXPECT_EQ(c.client.unseen_in(0, 400), 0u);  // counted as seen from then on
    // Reported once: the same ACK again (a duplicate ACK) and later ones reveal nothing more.
    EXPECT_EQ(c.server_ack(400).capture_loss_bytes, 0u);
    c.client_data(400, 100);
    EXPECT_EQ(c.server_ack(500).capture_loss_bytes, 0u);
    // The missed bytes, if they show up late after all, are old.
    EXPECT_EQ(c.client_data(100, 200).status, TcpStatus::retransmission);
}

TEST(TcpTracker, AckInsideAHoleRevealsItsFrontOnly) {
    Connection c(1000, 50000);
    c.handshake();
    c.client_data(0, 100);
    c.client_data(300, 100);  // hole [100, 300)
    EXPECT_EQ(c.server_ack(180).capture_loss_bytes, 80u);
    expect_holes(c.client, {{180, 300}});
    // The rest of the hole arrives: hole filled (network loss, not capture loss).
    const Outcome o = c.client_data(180, 120);
    EXPECT_EQ(o.status, TcpStatus::hole_filled);
    EXPECT_EQ(c.server_ack(400).capture_loss_bytes, 0u);
}

TEST(TcpTracker, AckOverSeveralHoles) {
    Connection c(1000, 50000);
    c.handshake();
    c.client_data(0, 10);
    c.client_data(20, 10);  // hole [10, 20)
    c.client_data(40, 10);  // hole [30, 40)
    c.client_data(60, 10);  // hole [50, 60)
    expect_holes(c.client, {{10, 20}, {30, 40}, {50, 60}});
    EXPECT_EQ(c.server_ack(55).capture_loss_bytes, 10u + 10u + 5u);
    expect_holes(c.client, {{55, 60}});
}

TEST(TcpTracker, AckBeyondEverythingSeenIsCaptureLoss) {
    Connection c(1000, 50000);
    c.handshake();
    c.client_data(0, 100);
    Outcome o = c.server_ack(250);  // the receiver had 150 bytes the capture never saw
    EXPECT_EQ(o.capture_loss_bytes, 150u);
    EXPECT_EQ(c.client.max_end, 250u);
    EXPECT_EQ(c.server_ack(250).capture_loss_bytes, 0u);
    // The sender goes on from there: in order. The missed bytes, if late, are retransmissions.
    EXPECT_EQ(c.client_data(250, 50).status, TcpStatus::in_order);
    EXPECT_EQ(c.client_data(100, 150).status, TcpStatus::retransmission);
    EXPECT_EQ(c.client.max_end, 300u);
}

TEST(TcpTracker, AckOfAnUnseenDirectionIsNoLoss) {
    DirectionState a, b;
    // a is picked up mid-stream acknowledging bytes of b, which has sent nothing seen yet.
    const Outcome o = track(a, b, {777, 123456, 1000, kAck, 10});
    EXPECT_EQ(o.capture_loss_bytes, 0u);
    EXPECT_FALSE(b.initialized);
}

TEST(TcpTracker, SequenceWraparound) {
    const std::uint32_t isn = 0xFFFFFFFFu - 99;  // 2^32 - 100: byte 99 has sequence 0
    Connection c(isn, 7);
    c.handshake();
    for (std::uint64_t offset = 0; offset < 300; offset += 60) {
        const Outcome o = c.client_data(offset, 60);
        EXPECT_EQ(o.status, TcpStatus::in_order) << offset;
        EXPECT_EQ(o.stream_offset, offset);
        EXPECT_EQ(o.relative_sequence, static_cast<std::uint32_t>(offset + 1));
        EXPECT_EQ(o.gap_bytes, 0u);
    }
    EXPECT_EQ(c.client.max_end, 300u);
    expect_holes(c.client, {});
    EXPECT_EQ(c.server_ack(300).capture_loss_bytes, 0u);
    // A hole spanning nothing special, then a retransmission from before the wrap.
    EXPECT_EQ(c.client_data(60, 60).status, TcpStatus::retransmission);
    const Outcome gap = c.client_data(360, 60);
    EXPECT_EQ(gap.status, TcpStatus::out_of_order);
    EXPECT_EQ(gap.gap_bytes, 60u);
    EXPECT_EQ(c.client_data(300, 60).status, TcpStatus::hole_filled);
}

TEST(TcpTracker, OutOfOrderAcrossTheWrap) {
    const std::uint32_t isn = 0xFFFFFFFFu - 99;
    Connection c(isn, 7);
    c.handshake();
    c.client_data(0, 50);
    // [150, 200) has sequence numbers past 2^32, the hole [50, 150) straddles the wrap.
    const Outcome o = c.client_data(150, 50);
    EXPECT_EQ(o.status, TcpStatus::out_of_order);
    EXPECT_EQ(o.gap_bytes, 100u);
    EXPECT_EQ(o.stream_offset, 150u);
    EXPECT_EQ(o.relative_sequence, 151u);
    expect_holes(c.client, {{50, 150}});
    EXPECT_EQ(c.client_data(50, 100).status, TcpStatus::hole_filled);
    expect_holes(c.client, {});
    EXPECT_EQ(c.server_ack(200).capture_loss_bytes, 0u);
}

TEST(TcpTracker, MidstreamPickupNearTheWrap) {
    DirectionState a, b;
    const Outcome first = track(a, b, {0xFFFFFFF0u, 1, 1000, kAck, 100});
    EXPECT_TRUE(first.midstream);
    EXPECT_EQ(first.stream_offset, 0u);
    EXPECT_EQ(first.status, TcpStatus::in_order);
    const Outcome next = track(a, b, {0xFFFFFFF0u + 100u, 1, 1000, kAck, 100});
    EXPECT_EQ(next.status, TcpStatus::in_order);
    EXPECT_EQ(next.stream_offset, 100u);
    EXPECT_EQ(next.relative_sequence, 100u);
    EXPECT_EQ(a.max_end, 200u);
}

TEST(TcpTracker, FinTakesOneOffset) {
    Connection c(1000, 50000);
    c.handshake();
    c.client_data(0, 100);
    Outcome o = c.client_data(100, 0, kFin | kAck);
    EXPECT_EQ(o.status, TcpStatus::in_order);
    EXPECT_EQ(o.stream_offset, 100u);
    EXPECT_EQ(c.client.max_end, 101u);
    EXPECT_TRUE(c.client.fin_seen);
    // The same FIN again: retransmission (not a keep-alive).
    o = c.client_data(100, 0, kFin | kAck);
    EXPECT_EQ(o.status, TcpStatus::retransmission);
    EXPECT_EQ(c.client.max_end, 101u);
    // The ACK of the FIN covers data and FIN: nothing the capture missed.
    EXPECT_EQ(c.server_ack(101).capture_loss_bytes, 0u);
    // The server closes its side; the client's last ACK covers that FIN.
    o = c.server_data(0, 0, kFin | kAck);
    EXPECT_EQ(o.status, TcpStatus::in_order);
    EXPECT_EQ(c.server.max_end, 1u);
    c.client_next = 101;
    o = c.client_ack(1);
    EXPECT_EQ(o.status, TcpStatus::ack_only);
    EXPECT_EQ(o.capture_loss_bytes, 0u);
}

TEST(TcpTracker, DataWithFin) {
    Connection c(1000, 50000);
    c.handshake();
    c.client_data(0, 100);
    Outcome o = c.client_data(100, 50, kFin | kAck | kPsh);  // [100, 150) + FIN at 150
    EXPECT_EQ(o.status, TcpStatus::in_order);
    EXPECT_EQ(c.client.max_end, 151u);
    // A FIN out of order: the hole before it is reported like one before data.
    Connection d(1, 2);
    d.handshake();
    d.client_data(0, 100);
    o = d.client_data(200, 0, kFin | kAck);
    EXPECT_EQ(o.status, TcpStatus::out_of_order);
    EXPECT_EQ(o.gap_bytes, 100u);
    EXPECT_EQ(d.client.max_end, 201u);
    EXPECT_EQ(d.client_data(100, 100).status, TcpStatus::hole_filled);
}

TEST(TcpTracker, Reset) {
    Connection c(1000, 50000);
    c.handshake();
    c.client_data(0, 100);
    Outcome o = c.client_data(100, 0, kRst);
    EXPECT_EQ(o.status, TcpStatus::reset);
    EXPECT_EQ(o.stream_offset, 100u);
    EXPECT_EQ(c.client.max_end, 100u);
    o = c.server_data(0, 0, kRst | kAck);
    EXPECT_EQ(o.status, TcpStatus::reset);
}

TEST(TcpTracker, KeepAlives) {
    Connection c(1000, 50000);
    c.handshake();
    c.client_data(0, 100);
    c.server_ack(100);
    // Zero bytes at end - 1.
    Outcome o = c.client_data(99, 0, kAck);
    EXPECT_EQ(o.status, TcpStatus::keep_alive);
    EXPECT_EQ(o.stream_offset, 99u);
    // One (garbage) byte at end - 1.
    o = c.client_data(99, 1, kAck);
    EXPECT_EQ(o.status, TcpStatus::keep_alive);
    EXPECT_EQ(c.client.max_end, 100u);
    expect_holes(c.client, {});
    // The keep-alive's ACK reply from the server is a plain ACK.
    EXPECT_EQ(c.server_ack(100).status, TcpStatus::ack_only);
    // A pure ACK at end is not a keep-alive.
    EXPECT_EQ(c.client_data(100, 0, kAck).status, TcpStatus::ack_only);
    // Two bytes at end - 1 are not a keep-alive: 1 old byte, 1 new.
    EXPECT_EQ(c.client_data(99, 2, kAck).status, TcpStatus::partial_overlap);
}

TEST(TcpTracker, WindowProbe) {
    Connection c(1000, 50000);
    c.handshake();
    c.client_data(0, 100);
    c.server_ack(100, 0);  // zero window
    Outcome o = c.client_data(100, 1);
    EXPECT_EQ(o.status, TcpStatus::window_probe);
    EXPECT_EQ(o.stream_offset, 100u);
    EXPECT_EQ(c.client.max_end, 101u);  // the probe byte is a byte of the stream
    // The same probe again while the window stays shut: an old byte.
    o = c.client_data(100, 1);
    EXPECT_EQ(o.status, TcpStatus::keep_alive);  // 1 byte at end - 1
    c.server_ack(101, 65535);                    // window open again
    EXPECT_EQ(c.client_data(101, 1).status, TcpStatus::in_order);
    // Against an open window, 1 byte at end is plain data.
    EXPECT_EQ(c.client_data(102, 1).status, TcpStatus::in_order);
}

TEST(TcpTracker, MoreThanOneByteAgainstAZeroWindowIsNoProbe) {
    Connection c(1000, 50000);
    c.handshake();
    c.client_data(0, 100);
    c.server_ack(100, 0);
    EXPECT_EQ(c.client_data(100, 2).status, TcpStatus::in_order);
}

TEST(TcpTracker, MidstreamPickup) {
    DirectionState client, server;
    Outcome o = track(client, server, {5000, 90000, 1000, kAck | kPsh, 100});
    EXPECT_TRUE(o.midstream);
    EXPECT_EQ(o.status, TcpStatus::in_order);
    EXPECT_EQ(o.stream_offset, 0u);
    EXPECT_EQ(o.relative_sequence, 0u);  // the first sequence number seen is the initial one
    EXPECT_EQ(client.isn, 5000u);
    EXPECT_FALSE(client.syn_seen);
    o = track(client, server, {5100, 90000, 1000, kAck | kPsh, 100});
    EXPECT_FALSE(o.midstream);
    EXPECT_EQ(o.status, TcpStatus::in_order);
    EXPECT_EQ(o.stream_offset, 100u);
    EXPECT_EQ(o.relative_sequence, 100u);
    // The server's first segment is its own pickup.
    o = track(server, client, {90000, 5200, 1000, kAck, 0});
    EXPECT_TRUE(o.midstream);
    EXPECT_EQ(o.status, TcpStatus::ack_only);
    EXPECT_EQ(o.capture_loss_bytes, 0u);
}

TEST(TcpTracker, SegmentFromBeforeThePickupIsARetransmission) {
    DirectionState client, server;
    track(client, server, {5000, 1, 1000, kAck, 100});
    const Outcome o = track(client, server, {4900, 1, 1000, kAck, 100});  // offsets [-100, 0)
    EXPECT_EQ(o.status, TcpStatus::retransmission);
    EXPECT_EQ(o.gap_bytes, 0u);
    EXPECT_EQ(client.max_end, 100u);
    expect_holes(client, {});
}

TEST(TcpTracker, SegmentStraddlingThePickupPointHasNewBytes) {
    DirectionState client, server;
    track(client, server, {5000, 1, 1000, kAck, 100});  // [0, 100)
    // [-50, 150): 50 bytes from before the pickup, 100 seen, 50 new.
    const Outcome o = track(client, server, {4950, 1, 1000, kAck, 200});
    EXPECT_EQ(o.status, TcpStatus::partial_overlap);
    EXPECT_EQ(client.max_end, 150u);
    const Outcome next = track(client, server, {5150, 1, 1000, kAck, 100});
    EXPECT_EQ(next.status, TcpStatus::in_order);
    EXPECT_EQ(next.gap_bytes, 0u);
}

TEST(TcpTracker, SynRetransmissionWithTheSameIsn) {
    Connection c(1000, 50000);
    EXPECT_EQ(c.client_syn().status, TcpStatus::handshake);
    const Outcome again = c.client_syn();
    EXPECT_EQ(again.status, TcpStatus::retransmission);
    EXPECT_EQ(again.relative_sequence, 0u);
    EXPECT_EQ(c.server_syn_ack().status, TcpStatus::handshake);
    EXPECT_EQ(c.server_syn_ack().status, TcpStatus::retransmission);  // SYN-ACK again
    EXPECT_EQ(c.client_handshake_ack().status, TcpStatus::ack_only);
    EXPECT_EQ(c.client_data(0, 10).status, TcpStatus::in_order);
}

TEST(TcpTracker, SynWithAnotherIsnStartsOver) {
    Connection c(1000, 50000);
    c.handshake();
    c.client_data(0, 100);
    c.client_data(200, 100);
    const Outcome o = track(c.client, c.server, {777777, 0, 65535, kSyn, 0});
    EXPECT_EQ(o.status, TcpStatus::handshake);
    EXPECT_EQ(c.client.isn, 777777u);
    EXPECT_EQ(c.client.max_end, 0u);
    expect_holes(c.client, {});
    const Outcome data = track(c.client, c.server, {777778, 0, 65535, kAck, 10});
    EXPECT_EQ(data.status, TcpStatus::in_order);
    EXPECT_EQ(data.stream_offset, 0u);
    EXPECT_EQ(data.relative_sequence, 1u);
}

// Segments of 10 bytes at 20, 40, 60, ... after [0, 10): each opens a 10-byte hole below it.
void open_holes(Connection& c, int count) {
    c.client_data(0, 10);
    for (int k = 1; k <= count; ++k) {
        const Outcome o = c.client_data(static_cast<std::uint64_t>(20 * k), 10);
        ASSERT_EQ(o.status, TcpStatus::out_of_order);
        ASSERT_EQ(o.gap_bytes, 10u);
        ASSERT_EQ(o.holes_dropped, k > static_cast<int>(kMaxHoles)) << k;
    }
}

// The holes open_holes leaves, numbered from 1: hole k is [20k - 10, 20k).
std::vector<Hole> holes_numbered(std::uint64_t first, std::uint64_t last) {
    std::vector<Hole> holes;
    for (std::uint64_t k = first; k <= last; ++k)
        holes.push_back({20 * k - 10, 20 * k});
    return holes;
}

constexpr std::uint64_t kCap = kMaxHoles;

TEST(TcpTracker, HoleBeyondTheCapForgetsTheOldest) {
    Connection c(1000, 50000);
    c.handshake();
    open_holes(c, static_cast<int>(kCap));
    ASSERT_FALSE(testing::Test::HasFatalFailure());
    expect_holes(c.client, holes_numbered(1, kCap));
    const Outcome o = c.client_data(20 * (kCap + 1), 10);  // one hole more than the cap
    EXPECT_EQ(o.status, TcpStatus::out_of_order);
    EXPECT_EQ(o.gap_bytes, 10u);
    EXPECT_TRUE(o.holes_dropped);
    expect_holes(c.client, holes_numbered(2, kCap + 1));
    // The forgotten hole counts as seen: its bytes are old now, and no ACK reports them lost.
    EXPECT_EQ(c.client.unseen_in(10, 20), 0u);
    EXPECT_EQ(c.client_data(10, 10).status, TcpStatus::retransmission);
    EXPECT_EQ(c.server_ack(30).capture_loss_bytes, 0u);
    EXPECT_EQ(c.server_ack(40).capture_loss_bytes, 10u);
}

TEST(TcpTracker, SplittingAHoleAtCapacityForgetsTheLowest) {
    Connection c(1000, 50000);
    c.handshake();
    open_holes(c, static_cast<int>(kCap));  // holes [10,20) [30,40) ..., the last [20N-10, 20N)
    ASSERT_FALSE(testing::Test::HasFatalFailure());
    const std::uint64_t last = 20 * kCap;
    const Outcome o = c.client_data(last - 8, 3);  // inside the highest hole: needs one more slot
    EXPECT_EQ(o.status, TcpStatus::hole_filled);
    EXPECT_TRUE(o.holes_dropped);
    std::vector<Hole> expected = holes_numbered(2, kCap - 1);
    expected.push_back({last - 10, last - 8});
    expected.push_back({last - 5, last});
    expect_holes(c.client, expected);
    EXPECT_EQ(c.client.unseen_in(0, last + 10), 10u * (kCap - 2) + 2 + 5);
}

TEST(TcpTracker, SplittingTheLowestHoleAtCapacityForgetsItsFront) {
    Connection c(1000, 50000);
    c.handshake();
    open_holes(c, static_cast<int>(kCap));
    ASSERT_FALSE(testing::Test::HasFatalFailure());
    const Outcome o = c.client_data(12, 3);  // inside [10, 20), the lowest
    EXPECT_EQ(o.status, TcpStatus::hole_filled);
    EXPECT_TRUE(o.holes_dropped);
    std::vector<Hole> expected = {{15, 20}};
    for (const Hole& hole : holes_numbered(2, kCap))
        expected.push_back(hole);
    expect_holes(c.client, expected);
    EXPECT_EQ(c.client.unseen_in(10, 15), 0u);
}

TEST(TcpTracker, SplittingBelowCapacityDropsNothing) {
    Connection c(1000, 50000);
    c.handshake();
    open_holes(c, static_cast<int>(kCap) - 1);
    ASSERT_FALSE(testing::Test::HasFatalFailure());
    const Outcome o = c.client_data(12, 3);
    EXPECT_FALSE(o.holes_dropped);
    EXPECT_EQ(c.client.hole_count, kCap);
}

}  // namespace
}  // namespace ringdump::tcp
