// SPDX-License-Identifier: BSD-2-Clause
// The TCP tracker against a model, on thousands of random transfers: a byte stream cut into
// random segments, reordered (bounded displacement), duplicated, dropped (for good, or sent again
// later with other boundaries), with the receiver's cumulative ACKs interleaved. After every
// segment the tracker's view of the sender's stream (end, holes, unseen_in) must equal the truth
// (the offsets the capture has seen, per docs/annotations.md: delivered, or revealed by an ACK),
// and every status must follow from the truth before the segment.
//
// The model of the hole cap is the documented one: when there would be more than kMaxHoles, the
// lowest is forgotten (counted as seen) and the segment carries holes_dropped.
//
// Reproduce a failure with RINGDUMP_TCP_PROPERTY_SEED=<seed printed> (runs that scenario only).
// Under AddressSanitizer the scenario counts are divided by 4.
#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "ringdump/packet_decoder.h"
#include "tcp_tracker.h"

#if defined(__SANITIZE_ADDRESS__)
#define RINGDUMP_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define RINGDUMP_TEST_ASAN 1
#endif
#endif

namespace ringdump::tcp {
namespace {

// Under AddressSanitizer (a Debug build) a quarter of the scenarios: the point there is memory
// errors, and the normal build runs them all.
#ifdef RINGDUMP_TEST_ASAN
constexpr int kScale = 4;
#else
constexpr int kScale = 1;
#endif

using annotation::TcpStatus;

const char* name(TcpStatus status) {
    switch (status) {
        case TcpStatus::none:
            return "none";
        case TcpStatus::in_order:
            return "in_order";
        case TcpStatus::retransmission:
            return "retransmission";
        case TcpStatus::partial_overlap:
            return "partial_overlap";
        case TcpStatus::out_of_order:
            return "out_of_order";
        case TcpStatus::hole_filled:
            return "hole_filled";
        case TcpStatus::keep_alive:
            return "keep_alive";
        case TcpStatus::window_probe:
            return "window_probe";
        case TcpStatus::ack_only:
            return "ack_only";
        case TcpStatus::handshake:
            return "handshake";
        case TcpStatus::reset:
            return "reset";
    }
    return "?";
}

// The offsets seen so far: a bit per offset (the truth) and the same as sorted disjoint runs
// (for cheap hole lists and range counts). Both are updated together and compared at the end.
class Truth {
  public:
    explicit Truth(std::uint64_t size) : bits_(size, false) {}

    void add(std::uint64_t start, std::uint64_t end) {
        if (start >= end) return;
        if (end > bits_.size()) bits_.resize(end, false);
        std::fill(bits_.begin() + static_cast<std::ptrdiff_t>(start),
                  bits_.begin() + static_cast<std::ptrdiff_t>(end), true);
        // Merge into runs: absorb every run touching [start, end).
        auto it = runs_.upper_bound(start);
        if (it != runs_.begin()) {
            auto before = std::prev(it);
            if (before->second >= start) {
                start = before->first;
                end = std::max(end, before->second);
                it = runs_.erase(before);
            }
        }
        while (it != runs_.end() && it->first <= end) {
            end = std::max(end, it->second);
            it = runs_.erase(it);
        }
        runs_.emplace(start, end);
    }

    std::uint64_t end() const { return runs_.empty() ? 0 : runs_.rbegin()->second; }

    // Just past the offsets seen from 0 on without a gap (a receiver's cumulative ACK).
    std::uint64_t contiguous() const {
        return runs_.empty() || runs_.begin()->first != 0 ? 0 : runs_.begin()->second;
    }

    std::uint64_t seen_in(std::uint64_t start, std::uint64_t end) const {
        std::uint64_t seen = 0;
        auto it = runs_.upper_bound(start);
        if (it != runs_.begin()) --it;
        for (; it != runs_.end() && it->first < end; ++it) {
            const std::uint64_t a = std::max(start, it->first);
            const std::uint64_t b = std::min(end, it->second);
            if (a < b) seen += b - a;
        }
        return seen;
    }

    std::vector<Hole> holes() const {
        std::vector<Hole> out;
        std::uint64_t at = 0;
        for (const auto& [start, end] : runs_) {
            if (start > at) out.push_back({at, start});
            at = end;
        }
        return out;
    }

    // Runs and bits agree (an independent check of the run bookkeeping).
    bool consistent() const {
        std::uint64_t at = 0;
        for (const auto& [start, end] : runs_) {
            for (std::uint64_t i = at; i < start; ++i) {
                if (i < bits_.size() && bits_[i]) return false;
            }
            for (std::uint64_t i = start; i < end; ++i) {
                if (i >= bits_.size() || !bits_[i]) return false;
            }
            at = end;
        }
        for (std::uint64_t i = at; i < bits_.size(); ++i) {
            if (bits_[i]) return false;
        }
        return true;
    }

  private:
    std::vector<bool> bits_;
    std::map<std::uint64_t, std::uint64_t> runs_;
};

using Ranges = std::vector<std::pair<std::uint64_t, std::uint64_t>>;

Ranges ranges_of(const std::vector<Hole>& holes) {
    Ranges out;
    for (const Hole& h : holes)
        out.emplace_back(h.start, h.end);
    return out;
}

std::string holes_text(const Ranges& holes) {
    std::ostringstream out;
    for (const auto& [start, end] : holes)
        out << "[" << start << "," << end << ")";
    return out.str();
}

Ranges holes_of(const DirectionState& state) {
    return ranges_of(std::vector<Hole>(state.holes, state.holes + state.hole_count));
}

// One transmission of the sender, in stream offsets ([start, end); offset `size` is the FIN).
struct Send {
    std::uint64_t start = 0;
    std::uint64_t end = 0;
    bool captured = true;  // false: the capture misses it (the receiver may still get it)
    bool received = true;  // the receiver gets it
    double key = 0;        // position in the capture's order
};

struct Scenario {
    std::uint64_t seed = 0;
    std::uint64_t size = 0;  // payload bytes
    bool fin = false;
    std::uint32_t isn = 0;
    bool capture_loss_mode = false;  // drops are the capture's (the receiver has the bytes)
    double displacement = 0;
    double ack_probability = 0;
    std::vector<Send> sends;

    std::string describe() const {
        std::ostringstream out;
        out << "seed=" << seed << " size=" << size << " fin=" << fin << " isn=" << isn
            << " capture_loss_mode=" << capture_loss_mode << " displacement=" << displacement
            << " ack_probability=" << ack_probability << " sends=" << sends.size()
            << " (rerun: RINGDUMP_TCP_PROPERTY_SEED=" << seed << ")";
        return out.str();
    }
};

struct Knobs {
    std::uint64_t min_size = 1;
    std::uint64_t max_size = 200000;
    double drop_probability = 0.03;
    int max_permanent_drops = 3;
    double max_displacement = 6;
    double duplicate_probability = 0.03;
    bool many_holes = false;  // every other segment held back: far beyond the hole cap
};

// Cuts [start, end) into random pieces of 1..mss.
void cut(std::mt19937_64& rng, std::uint64_t start, std::uint64_t end, std::uint64_t mss,
         std::vector<std::pair<std::uint64_t, std::uint64_t>>& out) {
    std::uniform_int_distribution<std::uint64_t> size(1, mss);
    while (start < end) {
        const std::uint64_t piece = std::min(end - start, size(rng));
        out.emplace_back(start, start + piece);
        start += piece;
    }
}

Scenario make_scenario(std::uint64_t seed, const Knobs& knobs) {
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<double> unit(0, 1);
    Scenario s;
    s.seed = seed;
    // Sizes spread over orders of magnitude, min_size .. max_size.
    const double low = std::log(static_cast<double>(knobs.min_size));
    const double high = std::log(static_cast<double>(knobs.max_size));
    s.size = std::max<std::uint64_t>(
        knobs.min_size, static_cast<std::uint64_t>(std::exp(low + unit(rng) * (high - low))));
    s.fin = unit(rng) < 0.5;
    const std::uint64_t total = s.size + (s.fin ? 1 : 0);  // offsets the stream occupies
    if (unit(rng) < 0.4) {
        // Near the wrap: the stream crosses 2^32 somewhere (or just before it starts).
        std::uniform_int_distribution<std::uint64_t> back(0, total + 10);
        s.isn = static_cast<std::uint32_t>(0x100000000ull - back(rng));
    } else {
        s.isn = static_cast<std::uint32_t>(rng());
    }
    s.capture_loss_mode = unit(rng) < 0.5;
    s.displacement = unit(rng) < 0.3 ? 0 : unit(rng) * knobs.max_displacement;
    s.ack_probability = unit(rng) < 0.2 ? 0 : unit(rng) * 0.5;
    const std::uint64_t mss = std::uniform_int_distribution<std::uint64_t>(1, 1460)(rng);

    std::vector<std::pair<std::uint64_t, std::uint64_t>> pieces;
    cut(rng, 0, total, mss, pieces);
    int permanent = 0;
    double position = 0;
    auto add = [&](std::uint64_t start, std::uint64_t end, bool captured, bool received,
                   double at) {
        Send send;
        send.start = start;
        send.end = end;
        send.captured = captured;
        send.received = received;
        send.key = at + unit(rng) * s.displacement;
        s.sends.push_back(send);
    };
    // A later transmission of [start, end), maybe with other boundaries reaching past it.
    auto resend = [&](std::uint64_t start, std::uint64_t end, double at) {
        if (unit(rng) < 0.5) {
            std::uniform_int_distribution<std::uint64_t> extra(0, 2 * mss);
            start = start > 0 ? start - std::min(start, extra(rng)) : 0;
            end = std::min(total, end + extra(rng));
            std::vector<std::pair<std::uint64_t, std::uint64_t>> again;
            cut(rng, start, end, std::uniform_int_distribution<std::uint64_t>(1, 1460)(rng), again);
            for (const auto& [a, b] : again)
                add(a, b, true, true, at);
        } else {
            add(start, end, true, true, at);
        }
    };
    for (std::size_t i = 0; i < pieces.size(); ++i) {
        const auto [start, end] = pieces[i];
        position += 1;
        const bool held_back = knobs.many_holes && i % 2 == 1;
        if (held_back || unit(rng) < knobs.drop_probability) {
            const bool permanent_drop =
                !held_back && permanent < knobs.max_permanent_drops && unit(rng) < 0.3;
            if (permanent_drop) ++permanent;
            // Capture-loss mode: the receiver got it, the capture did not. Network-loss mode
            // (and segments held back): nobody got it (it may come again below).
            add(start, end, false, s.capture_loss_mode && !held_back, position);
            if (!permanent_drop) {
                const double later = held_back ? static_cast<double>(pieces.size()) + position
                                               : position + 1 + std::floor(unit(rng) * 20);
                resend(start, end, later);
            }
        } else {
            add(start, end, true, true, position);
        }
        if (unit(rng) < knobs.duplicate_probability) {
            resend(start, end, position + 1 + std::floor(unit(rng) * 10));
        }
    }
    std::stable_sort(s.sends.begin(), s.sends.end(),
                     [](const Send& a, const Send& b) { return a.key < b.key; });
    return s;
}

struct Stats {
    std::uint64_t scenarios = 0;
    std::uint64_t segments = 0;
    std::uint64_t acks = 0;
    std::uint64_t cap_hits = 0;  // segments that made the model forget a hole
    std::uint64_t scenarios_over_cap = 0;
    std::uint64_t capture_loss_bytes = 0;
    std::uint64_t max_size = 0;
    std::uint64_t status_count[11] = {};
};

// Runs one scenario; stops at its first failure.
void run(const Scenario& s, Stats& stats) {
    SCOPED_TRACE(s.describe());
    std::mt19937_64 rng(s.seed ^ 0x5eed);
    std::uniform_real_distribution<double> unit(0, 1);
    const std::uint32_t receiver_isn = static_cast<std::uint32_t>(rng());
    const std::uint64_t total = s.size + (s.fin ? 1 : 0);
    DirectionState sender, receiver;
    auto sequence_of = [&](std::uint64_t offset) {
        return static_cast<std::uint32_t>(s.isn + 1 + offset);
    };

    // Handshake.
    Outcome o = track(sender, receiver, {s.isn, 0, 65535, tcp_flags::kSyn, 0});
    ASSERT_EQ(o.status, TcpStatus::handshake);
    o = track(receiver, sender,
              {receiver_isn, s.isn + 1, 65535, tcp_flags::kSyn | tcp_flags::kAck, 0});
    ASSERT_EQ(o.status, TcpStatus::handshake);
    const std::uint8_t ack_flags = tcp_flags::kAck;
    o = track(sender, receiver, {s.isn + 1, receiver_isn + 1, 65535, ack_flags, 0});
    ASSERT_EQ(o.status, TcpStatus::ack_only);

    Truth truth(total);     // what the capture has seen (or an ACK revealed)
    Truth received(total);  // what the receiver has
    bool over_cap = false;
    std::uint64_t step = 0;

    auto check_state = [&](const char* after) {
        SCOPED_TRACE(after);
        ASSERT_EQ(sender.max_end, truth.end()) << "step " << step;
        const Ranges expected = ranges_of(truth.holes());
        const Ranges actual = holes_of(sender);
        ASSERT_EQ(actual, expected) << "step " << step << ": tracker " << holes_text(actual)
                                    << " truth " << holes_text(expected);
        // unseen_in on a few random ranges, some reaching past the end.
        std::uniform_int_distribution<std::uint64_t> at(0, truth.end() + 3000);
        for (int i = 0; i < 3; ++i) {
            std::uint64_t a = at(rng), b = at(rng);
            if (a > b) std::swap(a, b);
            ASSERT_EQ(sender.unseen_in(a, b), (b - a) - truth.seen_in(a, b))
                << "step " << step << " range [" << a << "," << b << ")";
        }
    };

    for (const Send& send : s.sends) {
        ++step;
        if (send.received) received.add(send.start, send.end);
        if (send.captured) {
            ++stats.segments;
            const bool fin = s.fin && send.end == total;
            const std::uint64_t payload = std::min(send.end, s.size) - send.start;
            const std::uint64_t length = send.end - send.start;
            const std::uint64_t end = truth.end();
            const std::uint64_t seen = truth.seen_in(send.start, send.end);
            TcpStatus expected;
            std::uint64_t gap = 0;
            if (payload == 1 && !fin && send.start + 1 == end) {
                expected = TcpStatus::keep_alive;  // 1 byte at end - 1
            } else if (send.start == end) {
                expected = TcpStatus::in_order;
            } else if (send.start > end) {
                expected = TcpStatus::out_of_order;
                gap = send.start - end;
            } else if (seen == length) {
                expected = TcpStatus::retransmission;
            } else if (seen == 0 && send.end <= end) {
                expected = TcpStatus::hole_filled;
            } else {
                expected = TcpStatus::partial_overlap;
            }
            const std::uint8_t flags =
                static_cast<std::uint8_t>(tcp_flags::kAck | (fin ? tcp_flags::kFin : 0));
            o = track(sender, receiver,
                      {sequence_of(send.start), receiver_isn + 1, 65535, flags,
                       static_cast<std::uint32_t>(payload)});
            ++stats.status_count[static_cast<int>(o.status)];
            ASSERT_EQ(o.status, expected)
                << "step " << step << ": segment [" << send.start << "," << send.end
                << ") fin=" << fin << " end=" << end << " seen=" << seen << ": got "
                << name(o.status) << ", want " << name(expected);
            ASSERT_EQ(o.stream_offset, send.start);
            ASSERT_EQ(o.relative_sequence, static_cast<std::uint32_t>(send.start + 1));
            ASSERT_EQ(o.gap_bytes, gap);
            ASSERT_EQ(o.capture_loss_bytes, 0u);
            ASSERT_FALSE(o.midstream);
            // Some bytes came into holes: then the outcome says so (the converse is tested
            // separately below).
            const std::uint64_t below_end = send.start < end ? std::min(send.end, end) : 0;
            const std::uint64_t filled =
                below_end > send.start
                    ? (below_end - send.start) - truth.seen_in(send.start, below_end)
                    : 0;
            if (filled > 0) {
                ASSERT_TRUE(o.filled_hole) << "step " << step;
            }
            if (expected != TcpStatus::keep_alive) truth.add(send.start, send.end);
            // The documented cap: beyond kMaxHoles holes the lowest is forgotten.
            bool forgot = false;
            for (auto holes = truth.holes(); holes.size() > kMaxHoles; holes = truth.holes()) {
                truth.add(holes.front().start, holes.front().end);
                forgot = true;
            }
            if (forgot) {
                ++stats.cap_hits;
                over_cap = true;
            }
            ASSERT_EQ(o.holes_dropped, forgot) << "step " << step;
            check_state("after a segment");
            if (testing::Test::HasFatalFailure()) return;
        }
        if (s.ack_probability > 0 && unit(rng) < s.ack_probability) {
            // The receiver's cumulative ACK: just past what it has without a gap.
            const std::uint64_t acked = received.contiguous();
            const std::uint64_t loss = acked - truth.seen_in(0, acked);
            ++stats.acks;
            o = track(receiver, sender,
                      {receiver_isn + 1, sequence_of(acked), 65535, ack_flags, 0});
            ASSERT_EQ(o.status, TcpStatus::ack_only) << "step " << step;
            ASSERT_EQ(o.capture_loss_bytes, loss) << "step " << step << ": ACK of " << acked;
            stats.capture_loss_bytes += loss;
            truth.add(0, acked);
            check_state("after an ACK");
            if (testing::Test::HasFatalFailure()) return;
        }
    }
    ASSERT_TRUE(truth.consistent());
    ++stats.scenarios;
    if (over_cap) ++stats.scenarios_over_cap;
    stats.max_size = std::max(stats.max_size, s.size);
}

std::uint64_t seed_from_environment() {
    const char* text = std::getenv("RINGDUMP_TCP_PROPERTY_SEED");
    return text != nullptr ? std::strtoull(text, nullptr, 10) : 0;
}

void print(const char* what, const Stats& stats) {
    std::printf("%s: %" PRIu64 " scenarios (%" PRIu64 " over the hole cap), %" PRIu64
                " segments, %" PRIu64 " ACKs, %" PRIu64 " cap hits, %" PRIu64
                " capture loss bytes, largest %" PRIu64 " bytes; statuses:",
                what, stats.scenarios, stats.scenarios_over_cap, stats.segments, stats.acks,
                stats.cap_hits, stats.capture_loss_bytes, stats.max_size);
    for (int i = 0; i < 11; ++i) {
        if (stats.status_count[i] != 0) {
            std::printf(" %s=%" PRIu64, name(static_cast<TcpStatus>(i)), stats.status_count[i]);
        }
    }
    std::printf("\n");
}

TEST(TcpProperty, TrackerViewEqualsTheTruth) {
    Knobs knobs;
    Stats stats;
    if (const std::uint64_t only = seed_from_environment(); only != 0) {
        run(make_scenario(only, knobs), stats);
        return;
    }
    std::mt19937_64 seeds(20240601);
    for (int i = 0; i < 2000 / kScale && !HasFailure(); ++i) {
        const std::uint64_t seed = seeds() | 1;
        run(make_scenario(seed, knobs), stats);
    }
    print("within the cap", stats);
    // The generator keeps most transfers within the hole cap, so the exact comparison covers
    // the uncapped tracker; and every status shows up.
    EXPECT_GE(stats.scenarios - stats.scenarios_over_cap, stats.scenarios * 9 / 10);
    for (TcpStatus status :
         {TcpStatus::in_order, TcpStatus::retransmission, TcpStatus::partial_overlap,
          TcpStatus::out_of_order, TcpStatus::hole_filled, TcpStatus::keep_alive}) {
        EXPECT_GT(stats.status_count[static_cast<int>(status)], 0u) << name(status);
    }
    EXPECT_GT(stats.capture_loss_bytes, 0u);
}

TEST(TcpProperty, BeyondTheHoleCapTheLowestHolesAreForgotten) {
    Knobs knobs;
    knobs.many_holes = true;
    knobs.min_size = 20000;
    knobs.max_size = 100000;
    Stats stats;
    std::mt19937_64 seeds(777);
    for (int i = 0; i < 200 / kScale && !HasFailure(); ++i) {
        run(make_scenario(seeds() | 1, knobs), stats);
    }
    print("beyond the cap", stats);
    EXPECT_GT(stats.cap_hits, 0u);
    EXPECT_GT(stats.scenarios_over_cap, stats.scenarios / 2);
}

// Random segments over a small range, far more holes than the cap: whatever the tracker keeps is
// sorted, disjoint, non-empty, below end, at most kMaxHoles, and only ever truly unseen bytes.
TEST(TcpProperty, HoleInvariantsUnderAFlood) {
    std::mt19937_64 rng(99);
    for (int round = 0; round < 50; ++round) {
        DirectionState sender, receiver;
        const std::uint32_t isn = static_cast<std::uint32_t>(rng());
        track(sender, receiver, {isn, 0, 65535, tcp_flags::kSyn, 0});
        Truth truth(0);
        bool dropped_any = false;
        std::uniform_int_distribution<std::uint64_t> start(0, 20000);
        std::uniform_int_distribution<std::uint32_t> size(1, 300);
        for (int i = 0; i < 2000; ++i) {
            const std::uint64_t a = start(rng);
            const std::uint32_t n = size(rng);
            const Outcome o =
                track(sender, receiver,
                      {static_cast<std::uint32_t>(isn + 1 + a), 0, 65535, tcp_flags::kAck, n});
            dropped_any = dropped_any || o.holes_dropped;
            truth.add(a, a + n);
            ASSERT_LE(sender.hole_count, kMaxHoles);
            ASSERT_EQ(sender.max_end, truth.end());
            std::uint64_t previous_end = 0;
            for (std::size_t h = 0; h < sender.hole_count; ++h) {
                const Hole& hole = sender.holes[h];
                ASSERT_LT(hole.start, hole.end) << "round " << round << " step " << i;
                ASSERT_GE(hole.start, previous_end) << "round " << round << " step " << i;
                ASSERT_LE(hole.end, sender.max_end);
                // Tracker holes only hold bytes really missing (forgotten ones count as seen).
                ASSERT_EQ(truth.seen_in(hole.start, hole.end), 0u)
                    << "round " << round << " step " << i << " hole [" << hole.start << ","
                    << hole.end << ")";
                previous_end = hole.end;
            }
        }
        EXPECT_TRUE(dropped_any);
    }
}

TEST(TcpProperty, FilledHoleExactlyWhenBytesCameIntoAHole) {
    std::mt19937_64 rng(5);
    DirectionState sender, receiver;
    track(sender, receiver, {1, 0, 65535, tcp_flags::kSyn, 0});
    Truth truth(0);
    std::uniform_int_distribution<std::uint64_t> start(0, 5000);
    std::uniform_int_distribution<std::uint32_t> size(1, 200);
    for (int i = 0; i < 20000; ++i) {
        const std::uint64_t a = std::min(start(rng), truth.end() + 50);
        const std::uint32_t n = size(rng);
        const std::uint64_t end = truth.end();
        const std::uint64_t below = a < end ? std::min(a + n, end) : a;
        const std::uint64_t into_holes = below > a ? (below - a) - truth.seen_in(a, below) : 0;
        const Outcome o = track(sender, receiver,
                                {static_cast<std::uint32_t>(2 + a), 0, 65535, tcp_flags::kAck, n});
        if (o.holes_dropped) return;  // beyond the cap the model no longer applies
        ASSERT_EQ(o.filled_hole, into_holes > 0) << "step " << i;
        truth.add(a, a + n);
    }
}

}  // namespace
}  // namespace ringdump::tcp
