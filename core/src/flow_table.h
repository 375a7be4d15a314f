// SPDX-License-Identifier: BSD-2-Clause
// Bidirectional flows for the annotator, in memory fixed at construction.
//
//   index (open addressing, 2x capacity)     pool of Flow, 128 bytes each (capacity)
//   [slot: flow number + hash] ───────────►  [flow][flow][free][flow] ...
//                                            links: [prev|next][prev|next] ... (8 bytes each)
//   one LRU list per timeout class ────────► oldest first, newest last
//                                            holes: [2 x 16 holes] ... (512 bytes each)
//
// Each flow sits in the list of its class (half-open TCP, open TCP, closed TCP, UDP), ordered by
// last use, so expiry only looks at list heads and eviction (pool full) takes the oldest head.
//
// What a packet needs of its flow (key, ids, both directions' TCP state) is one 128-byte entry of
// the pool, two cache lines. The rest lives in parallel arrays indexed by flow number: the LRU
// links (8 bytes a flow, so moving a flow to the end of its list touches the small links array,
// not the neighbouring flows' entries) and the TCP holes (read only when a direction has some).
// Pool, links, holes and index are sized for the cap at construction but live in lazily touched
// anonymous memory, so resident memory follows the flows in use; nothing is allocated afterwards.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "hash_mix.h"
#include "lazy_array.h"
#include "tcp_tracker.h"

namespace ringdump {

// Endpoints are stored in a fixed order ("low" < "high" by address, then port), so both
// directions of a flow have the same key.
struct FlowKey {
    std::array<std::uint8_t, 16> low_address{};
    std::array<std::uint8_t, 16> high_address{};
    std::uint16_t low_port = 0;
    std::uint16_t high_port = 0;
    std::uint16_t vlan = 0;
    std::uint8_t protocol = 0;  // 6 TCP, 17 UDP
    std::uint8_t ipv6 = 0;

    // The key's bytes as five 64-bit words (the key has no padding).
    std::uint64_t word(std::size_t i) const {
        std::uint64_t value;
        std::memcpy(&value, reinterpret_cast<const std::uint8_t*>(this) + 8 * i, sizeof value);
        return value;
    }

    // Every field: the addresses as two 16-byte vectors, the rest as one word.
    friend bool operator==(const FlowKey& a, const FlowKey& b) {
#if defined(__SSE2__)
        const auto* x = reinterpret_cast<const __m128i*>(&a);
        const auto* y = reinterpret_cast<const __m128i*>(&b);
        const __m128i same =
            _mm_and_si128(_mm_cmpeq_epi8(_mm_loadu_si128(x), _mm_loadu_si128(y)),
                          _mm_cmpeq_epi8(_mm_loadu_si128(x + 1), _mm_loadu_si128(y + 1)));
        return _mm_movemask_epi8(same) == 0xFFFF && a.word(4) == b.word(4);
#else
        return ((a.word(0) ^ b.word(0)) | (a.word(1) ^ b.word(1)) | (a.word(2) ^ b.word(2)) |
                (a.word(3) ^ b.word(3)) | (a.word(4) ^ b.word(4))) == 0;
#endif
    }
};
static_assert(sizeof(FlowKey) == 40, "FlowKey is compared as five words: no padding");

enum class FlowClass : std::uint8_t { tcp_half_open = 0, tcp_open = 1, tcp_closed = 2, udp = 3 };
inline constexpr std::size_t kFlowClasses = 4;

struct alignas(64) Flow {
    // First cache line: what a lookup compares and what every packet reads.
    FlowKey key;
    std::uint64_t stream_id = 0;
    std::uint64_t last_seen_ns = 0;
    std::uint32_t hash = 0;
    std::uint32_t owner_interface = 0;  // the interface whose packets are tracked
    // Second: the TCP state of both directions (their holes: FlowTable::holes).
    tcp::StreamState side[2];  // [0]: bytes the low endpoint sends; [1]: the high
    FlowClass flow_class = FlowClass::udp;
    // Of the packets each side sends (indexed like side): their HostDirection, and the sender's
    // role (annotation::Role). Fixed when the flow is created.
    std::uint8_t direction[2] = {0, 0};
    std::uint8_t role[2] = {0, 0};
    bool state_lost = false;  // created after an eviction of the same tuple
    bool reset = false;
};
static_assert(sizeof(Flow) == 128, "a flow is two cache lines");

class FlowTable {
  public:
    // Capacity: max_flows, reduced so that pool, links, holes and index fit in max_memory_bytes.
    FlowTable(std::size_t max_flows, std::size_t max_memory_bytes);

    // What one flow costs against the memory cap: its pool entry, links and holes, a free-list
    // entry and four index slots (the index is at most four times the capacity after rounding up
    // to a power of two: counted as such).
    static constexpr std::size_t kBytesPerFlow =
        sizeof(Flow) + 2 * tcp::kMaxHoles * sizeof(tcp::Hole) + 2 * sizeof(std::uint32_t) +
        sizeof(std::uint32_t) + 4 * 2 * sizeof(std::uint32_t);

    std::size_t capacity() const { return capacity_; }
    std::size_t size() const { return size_; }
    std::size_t memory_bytes() const;

    // The key's 40 bytes as five words, mixed pairwise by three independent multiplications and
    // finished by one hash_mix: a short dependency chain, so that the hashes of the packets
    // decoded ahead overlap. (The constants are odd 64-bit values with no zero byte: a word
    // xored with one is never zero for an IPv4 address, whose upper bytes are.)
    static std::uint32_t hash(const FlowKey& key) {
        const std::uint64_t a =
            multiply_fold(key.word(0) ^ 0x9e3779b97f4a7c15ull, key.word(2) ^ 0xc2b2ae3d27d4eb4full);
        const std::uint64_t b =
            multiply_fold(key.word(1) ^ 0x165667b19e3779f9ull, key.word(3) ^ 0xd6e8feb86659fd93ull);
        const std::uint64_t c =
            multiply_fold(key.word(4) ^ 0xa0761d6478bd642full, 0xe7037ed1a0b428dbull);
        const std::uint64_t h = hash_mix(a ^ (b + c));
        return static_cast<std::uint32_t>(h ^ (h >> 32));
    }

    Flow* find(const FlowKey& key, std::uint32_t hash) {
        const std::size_t mask = index_.size() - 1;
        for (std::size_t slot = hash & mask;; slot = (slot + 1) & mask) {
            const Slot entry = index_[slot];
            if (entry.flow == 0) return nullptr;
            if (entry.hash == hash) {
                Flow& flow = pool_[entry.flow - 1];
                if (flow.key == key) return &flow;
            }
        }
    }
    // Hints for a lookup of hash a few packets later: bring its index slot into the cache, then
    // (once that is there) the flow the slot names. Neither changes anything.
    void prefetch_slot(std::uint32_t hash) const {
        __builtin_prefetch(&index_[hash & (index_.size() - 1)]);
    }
    void prefetch_flow(std::uint32_t hash) const {
        const std::size_t mask = index_.size() - 1;
        std::size_t slot = hash & mask;
        for (int probe = 0; probe < 2; ++probe, slot = (slot + 1) & mask) {
            const Slot entry = index_[slot];
            if (entry.flow == 0) return;
            if (entry.hash == hash) {
                const char* flow = reinterpret_cast<const char*>(&pool_[entry.flow - 1]);
                __builtin_prefetch(flow);
                __builtin_prefetch(flow + 64);
                __builtin_prefetch(&links_[entry.flow - 1]);
                return;
            }
        }
    }

    // Adds a flow for key, last used at now_ns, in class udp. When the pool is full the least
    // recently used flow of all classes is removed first, evicted is set, and the evicted
    // flow's key is stored in *evicted_key when given.
    Flow* create(const FlowKey& key, std::uint32_t hash, std::uint64_t now_ns, bool& evicted,
                 FlowKey* evicted_key = nullptr);
    void remove(Flow& flow);
    // Records a use at now_ns: the flow moves to the newest end of the list of its class. A time
    // older than its last use (packets from several interfaces interleave) leaves it in place,
    // so every list stays ordered by last use.
    void touch(Flow& flow, FlowClass flow_class, std::uint64_t now_ns) {
        if (now_ns < flow.last_seen_ns && flow.flow_class == flow_class) return;
        if (now_ns > flow.last_seen_ns) flow.last_seen_ns = now_ns;
        const List& list = lists_[static_cast<std::size_t>(flow.flow_class)];
        if (flow.flow_class == flow_class && list.tail == number(flow) + 1) return;  // newest
        unlink(flow);
        flow.flow_class = flow_class;
        append(flow);
    }
    // Removes the flows of each class unused for longer than its timeout (nanoseconds, 0 = never).
    std::size_t expire(std::uint64_t now_ns,
                       const std::array<std::uint64_t, kFlowClasses>& timeouts);

    // The holes of one direction of a flow (side as in Flow::side): tcp::kMaxHoles entries, of
    // which side's hole_count are in use.
    tcp::Hole* holes(const Flow& flow, std::size_t side) { return holes_[number(flow)].side[side]; }

  private:
    struct Slot {
        std::uint32_t flow = 0;  // flow number + 1; 0 = empty
        std::uint32_t hash = 0;
    };
    struct Link {
        std::uint32_t previous = 0;  // flow numbers + 1, 0 = none
        std::uint32_t next = 0;
    };
    struct List {
        std::uint32_t head = 0;  // oldest, flow number + 1
        std::uint32_t tail = 0;  // newest
    };
    struct Holes {
        tcp::Hole side[2][tcp::kMaxHoles];
    };

    std::uint32_t number(const Flow& flow) const {
        return static_cast<std::uint32_t>(&flow - pool_.data());
    }
    void free_flow(std::uint32_t n) { free_[free_count_++] = n; }
    void unlink(const Flow& flow) {
        List& list = lists_[static_cast<std::size_t>(flow.flow_class)];
        Link& link = links_[number(flow)];
        if (link.previous != 0) {
            links_[link.previous - 1].next = link.next;
        } else {
            list.head = link.next;
        }
        if (link.next != 0) {
            links_[link.next - 1].previous = link.previous;
        } else {
            list.tail = link.previous;
        }
        link = Link{};
    }
    void append(const Flow& flow) {
        List& list = lists_[static_cast<std::size_t>(flow.flow_class)];
        const std::uint32_t n = number(flow) + 1;
        links_[n - 1] = Link{list.tail, 0};
        if (list.tail != 0) {
            links_[list.tail - 1].next = n;
        } else {
            list.head = n;
        }
        list.tail = n;
    }
    void erase_slot(std::size_t slot);

    std::size_t capacity_;
    LazyArray<Flow> pool_;
    LazyArray<Link> links_;
    LazyArray<Holes> holes_;
    LazyArray<std::uint32_t> free_;  // flow numbers given back, as a stack
    std::size_t free_count_ = 0;
    std::uint32_t never_used_ = 0;  // flows numbered from here on have not been used yet
    LazyArray<Slot> index_;
    std::array<List, kFlowClasses> lists_{};
    std::size_t size_ = 0;
};

}  // namespace ringdump
