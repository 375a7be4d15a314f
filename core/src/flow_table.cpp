// SPDX-License-Identifier: BSD-2-Clause
#include "flow_table.h"

#include <algorithm>
#include <bit>
#include <new>

namespace ringdump {
namespace {

std::size_t capacity_for(std::size_t max_flows, std::size_t max_memory_bytes,
                         std::size_t per_flow) {
    return std::max<std::size_t>(std::min(max_flows, max_memory_bytes / per_flow), 16);
}

}  // namespace

FlowTable::FlowTable(std::size_t max_flows, std::size_t max_memory_bytes)
    : capacity_(capacity_for(max_flows, max_memory_bytes, kBytesPerFlow)),
      pool_(capacity_, Pages::huge),
      links_(capacity_, Pages::huge),
      holes_(capacity_),
      free_(capacity_),
      index_(std::bit_ceil(capacity_ * 2), Pages::huge) {
    static_assert(kBytesPerFlow == sizeof(Flow) + sizeof(Holes) + sizeof(Link) +
                                       sizeof(std::uint32_t) + 4 * sizeof(Slot));
}

std::size_t FlowTable::memory_bytes() const {
    return pool_.bytes() + links_.bytes() + holes_.bytes() + index_.bytes() + free_.bytes();
}

Flow* FlowTable::create(const FlowKey& key, std::uint32_t hash, std::uint64_t now_ns, bool& evicted,
                        FlowKey* evicted_key) {
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
        if (evicted_key != nullptr) *evicted_key = oldest->key;
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
