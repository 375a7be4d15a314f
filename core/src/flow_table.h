// SPDX-License-Identifier: BSD-2-Clause
// Bidirectional flows for the annotator, in memory fixed at construction.
//
//   index (open addressing, 2x capacity)        pool of Flow (capacity)
//   [slot: flow number + hash tag] ──────────►  [flow][flow][free][flow] ...
//                                                  ▲      │
//   one LRU list per timeout class ────────────────┘ oldest first, newest last
//
// Each flow sits in the list of its class (half-open TCP, open TCP, closed TCP, UDP), ordered by
// last use, so expiry only looks at list heads and eviction (pool full) takes the oldest head.
// Pool and index are sized for the cap at construction but live in lazily touched anonymous
// memory, so resident memory follows the flows in use; nothing is allocated afterwards.
#pragma once

#include <array>
#include <cstdint>

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

    friend bool operator==(const FlowKey&, const FlowKey&) = default;
};

enum class FlowClass : std::uint8_t { tcp_half_open = 0, tcp_open = 1, tcp_closed = 2, udp = 3 };
inline constexpr std::size_t kFlowClasses = 4;

struct Flow {
    FlowKey key;
    std::uint64_t stream_id = 0;
    std::uint64_t last_seen_ns = 0;
    std::uint32_t hash = 0;
    std::uint32_t previous = 0;  // LRU links: flow numbers + 1, 0 = none
    std::uint32_t next = 0;
    FlowClass flow_class = FlowClass::udp;
    std::uint8_t low_to_high_direction = 0;  // HostDirection of packets from low to high
    std::uint8_t client = 0;                 // 0 unknown, 1 the low endpoint, 2 the high one
    std::uint32_t owner_interface = 0;       // the interface whose packets are tracked
    bool state_lost = false;                 // created after an eviction of the same tuple
    bool reset = false;
    tcp::DirectionState side[2];  // [0]: bytes the low endpoint sends; [1]: the high
};

class FlowTable {
  public:
    // Capacity: max_flows, reduced so that pool and index fit in max_memory_bytes.
    FlowTable(std::size_t max_flows, std::size_t max_memory_bytes);

    std::size_t capacity() const { return capacity_; }
    std::size_t size() const { return size_; }
    std::size_t memory_bytes() const;

    static std::uint32_t hash(const FlowKey& key);

    Flow* find(const FlowKey& key, std::uint32_t hash);
    // Adds a flow for key, last used at now_ns, in class udp. When the pool is full the least
    // recently used flow of all classes is removed first, evicted is set, and the evicted
    // flow's hash is stored in *evicted_hash when given.
    Flow* create(const FlowKey& key, std::uint32_t hash, std::uint64_t now_ns, bool& evicted,
                 std::uint32_t* evicted_hash = nullptr);
    void remove(Flow& flow);
    // Records a use at now_ns: the flow moves to the newest end of the list of its class. A time
    // older than its last use (packets from several interfaces interleave) leaves it in place,
    // so every list stays ordered by last use.
    void touch(Flow& flow, FlowClass flow_class, std::uint64_t now_ns);
    // Removes the flows of each class unused for longer than its timeout (nanoseconds, 0 = never).
    std::size_t expire(std::uint64_t now_ns,
                       const std::array<std::uint64_t, kFlowClasses>& timeouts);

  private:
    struct Slot {
        std::uint32_t flow = 0;  // flow number + 1; 0 = empty
        std::uint32_t hash = 0;
    };
    struct List {
        std::uint32_t head = 0;  // oldest, flow number + 1
        std::uint32_t tail = 0;  // newest
    };

    std::uint32_t number(const Flow& flow) const {
        return static_cast<std::uint32_t>(&flow - pool_.data());
    }
    void free_flow(std::uint32_t n) { free_[free_count_++] = n; }
    void unlink(Flow& flow);
    void append(Flow& flow);
    void erase_slot(std::size_t slot);

    std::size_t capacity_;
    LazyArray<Flow> pool_;
    LazyArray<std::uint32_t> free_;  // flow numbers given back, as a stack
    std::size_t free_count_ = 0;
    std::uint32_t never_used_ = 0;  // flows numbered from here on have not been used yet
    LazyArray<Slot> index_;
    std::array<List, kFlowClasses> lists_{};
    std::size_t size_ = 0;
};

}  // namespace ringdump
