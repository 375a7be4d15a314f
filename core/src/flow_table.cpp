// SPDX-License-Identifier: BSD-2-Clause
#include "flow_table.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <new>

#include "hash_mix.h"

namespace ringdump {
namespace {

std::uint64_t word(const std::uint8_t* bytes) {
    std::uint64_t value;
    std::memcpy(&value, bytes, sizeof value);
    return value;
}

}  // namespace

namespace {

std::size_t capacity_for(std::size_t max_flows, std::size_t max_memory_bytes,
                         std::size_t per_flow) {
    return std::max<std::size_t>(std::min(max_flows, max_memory_bytes / per_flow), 16);
}

}  // namespace

// Each flow costs its pool entry, two index slots (the index is at most four times the
// capacity after rounding up to a power of two: counted as such) and a free-list entry.
FlowTable::FlowTable(std::size_t max_flows, std::size_t max_memory_bytes)
    : capacity_(capacity_for(max_flows, max_memory_bytes,
                             sizeof(Flow) + 4 * sizeof(Slot) + sizeof(std::uint32_t))),
      pool_(capacity_),
      free_(capacity_),
      index_(std::bit_ceil(capacity_ * 2)) {}

std::size_t FlowTable::memory_bytes() const {
    return pool_.bytes() + index_.bytes() + free_.bytes();
}

std::uint32_t FlowTable::hash(const FlowKey& key) {
    std::uint64_t h = hash_mix(word(key.low_address.data()) ^ 0x9e3779b97f4a7c15ull);
    h = hash_mix(h ^ word(key.low_address.data() + 8));
    h = hash_mix(h ^ word(key.high_address.data()));
    h = hash_mix(h ^ word(key.high_address.data() + 8));
    h = hash_mix(h ^ (std::uint64_t{key.low_port} | std::uint64_t{key.high_port} << 16 |
                      std::uint64_t{key.vlan} << 32 | std::uint64_t{key.protocol} << 48 |
                      std::uint64_t{key.ipv6} << 56));
    return static_cast<std::uint32_t>(h ^ (h >> 32));
}

Flow* FlowTable::find(const FlowKey& key, std::uint32_t hash) {
    const std::size_t mask = index_.size() - 1;
    for (std::size_t slot = hash & mask;; slot = (slot + 1) & mask) {
        const Slot& entry = index_[slot];
        if (entry.flow == 0) return nullptr;
        if (entry.hash == hash && pool_[entry.flow - 1].key == key) return &pool_[entry.flow - 1];
    }
}

Flow* FlowTable::create(const FlowKey& key, std::uint32_t hash, std::uint64_t now_ns, bool& evicted,
                        std::uint32_t* evicted_hash) {
    evicted = false;
    if (free_count_ == 0 && never_used_ == capacity_) {
        // The least recently used flow is the oldest of the list heads.
        Flow* oldest = nullptr;
        for (const List& list : lists_) {
            if (list.head == 0) continue;
            Flow& candidate = pool_[list.head - 1];
            if (oldest == nullptr || candidate.last_seen_ns < oldest->last_seen_ns) {
                oldest = &candidate;
            }
        }
        if (evicted_hash != nullptr) *evicted_hash = oldest->hash;
        remove(*oldest);
        evicted = true;
    }
    const std::uint32_t n = free_count_ > 0 ? free_[--free_count_] : never_used_++;
    Flow& flow = *new (&pool_[n]) Flow{};
    flow.key = key;
    flow.hash = hash;
    flow.last_seen_ns = now_ns;
    flow.flow_class = FlowClass::udp;
    append(flow);
    const std::size_t mask = index_.size() - 1;
    std::size_t slot = hash & mask;
    while (index_[slot].flow != 0)
        slot = (slot + 1) & mask;
    index_[slot] = {n + 1, hash};
    ++size_;
    return &flow;
}

void FlowTable::erase_slot(std::size_t slot) {
    // Backward-shift deletion keeps linear probing correct without tombstones.
    const std::size_t mask = index_.size() - 1;
    std::size_t hole = slot;
    for (std::size_t next = (hole + 1) & mask; index_[next].flow != 0; next = (next + 1) & mask) {
        const std::size_t home = index_[next].hash & mask;
        // Move the entry back if its home is not in (hole, next].
        const bool stays =
            hole < next ? (home > hole && home <= next) : (home > hole || home <= next);
        if (!stays) {
            index_[hole] = index_[next];
            hole = next;
        }
    }
    index_[hole] = Slot{};
}

void FlowTable::remove(Flow& flow) {
    const std::uint32_t n = number(flow);
    const std::size_t mask = index_.size() - 1;
    for (std::size_t slot = flow.hash & mask;; slot = (slot + 1) & mask) {
        if (index_[slot].flow == n + 1) {
            erase_slot(slot);
            break;
        }
    }
    unlink(flow);
    free_flow(n);
    --size_;
}

void FlowTable::unlink(Flow& flow) {
    List& list = lists_[static_cast<std::size_t>(flow.flow_class)];
    if (flow.previous != 0) {
        pool_[flow.previous - 1].next = flow.next;
    } else {
        list.head = flow.next;
    }
    if (flow.next != 0) {
        pool_[flow.next - 1].previous = flow.previous;
    } else {
        list.tail = flow.previous;
    }
    flow.previous = flow.next = 0;
}

void FlowTable::append(Flow& flow) {
    List& list = lists_[static_cast<std::size_t>(flow.flow_class)];
    const std::uint32_t n = number(flow) + 1;
    flow.previous = list.tail;
    flow.next = 0;
    if (list.tail != 0) {
        pool_[list.tail - 1].next = n;
    } else {
        list.head = n;
    }
    list.tail = n;
}

void FlowTable::touch(Flow& flow, FlowClass flow_class, std::uint64_t now_ns) {
    if (now_ns < flow.last_seen_ns && flow.flow_class == flow_class) return;
    if (now_ns > flow.last_seen_ns) flow.last_seen_ns = now_ns;
    const List& list = lists_[static_cast<std::size_t>(flow.flow_class)];
    if (flow.flow_class == flow_class && list.tail == number(flow) + 1) return;  // already newest
    unlink(flow);
    flow.flow_class = flow_class;
    append(flow);
}

std::size_t FlowTable::expire(std::uint64_t now_ns,
                              const std::array<std::uint64_t, kFlowClasses>& timeouts) {
    std::size_t expired = 0;
    for (std::size_t c = 0; c < kFlowClasses; ++c) {
        if (timeouts[c] == 0) continue;
        while (lists_[c].head != 0) {
            Flow& oldest = pool_[lists_[c].head - 1];
            if (now_ns < oldest.last_seen_ns || now_ns - oldest.last_seen_ns <= timeouts[c]) break;
            remove(oldest);
            ++expired;
        }
    }
    return expired;
}

}  // namespace ringdump
