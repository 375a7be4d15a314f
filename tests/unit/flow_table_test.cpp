// SPDX-License-Identifier: BSD-2-Clause
// The annotator's flow table: lookups through open addressing with backward-shift deletion
// (checked against std::unordered_map under random churn, also with hashes forced to collide
// and to wrap around the end of the index), LRU lists per timeout class (expiry and eviction),
// and the capacity and memory caps of docs/annotations.md ("Bounded memory").
#include "flow_table.h"

#include <cstdint>
#include <iterator>
#include <map>
#include <random>
#include <unordered_map>
#include <vector>

#include <gtest/gtest.h>

namespace ringdump {
namespace {

FlowKey key_of(std::uint32_t id, std::uint8_t protocol = 6) {
    FlowKey key;
    key.low_address = {10, 0, static_cast<std::uint8_t>(id >> 8), static_cast<std::uint8_t>(id)};
    key.high_address = {192, 0, 2, static_cast<std::uint8_t>(id >> 16)};
    key.low_port = static_cast<std::uint16_t>(1000 + (id & 0xff));
    key.high_port = 443;
    key.protocol = protocol;
    return key;
}

constexpr std::size_t kPlenty = std::size_t{1} << 30;

TEST(FlowTable, CreateFindRemove) {
    FlowTable table(1024, kPlenty);
    const FlowKey a = key_of(1), b = key_of(2);
    const std::uint32_t ha = FlowTable::hash(a), hb = FlowTable::hash(b);
    EXPECT_EQ(table.find(a, ha), nullptr);
    bool evicted = true;
    Flow* fa = table.create(a, ha, 100, evicted);
    ASSERT_NE(fa, nullptr);
    EXPECT_FALSE(evicted);
    EXPECT_EQ(fa->key, a);
    EXPECT_EQ(fa->last_seen_ns, 100u);
    EXPECT_FALSE(fa->side[0].initialized);
    EXPECT_FALSE(fa->side[1].initialized);
    EXPECT_FALSE(fa->state_lost);
    EXPECT_EQ(table.size(), 1u);
    EXPECT_EQ(table.find(a, ha), fa);
    EXPECT_EQ(table.find(b, hb), nullptr);
    fa->stream_id = 42;

    Flow* fb = table.create(b, hb, 200, evicted);
    EXPECT_NE(fb, fa);
    EXPECT_EQ(table.size(), 2u);
    EXPECT_EQ(table.find(a, ha)->stream_id, 42u);
    EXPECT_EQ(table.find(b, hb), fb);

    table.remove(*fa);
    EXPECT_EQ(table.size(), 1u);
    EXPECT_EQ(table.find(a, ha), nullptr);
    EXPECT_EQ(table.find(b, hb), fb);
    // A flow made again for the same key starts from scratch.
    Flow* again = table.create(a, ha, 300, evicted);
    EXPECT_EQ(again->stream_id, 0u);
    EXPECT_EQ(again->last_seen_ns, 300u);
    EXPECT_EQ(table.find(a, ha), again);
}

TEST(FlowTable, KeysDifferingInAnyFieldAreDifferentFlows) {
    FlowTable table(1024, kPlenty);
    std::vector<FlowKey> keys(7, key_of(5));
    keys[1].low_address[15] = 1;
    keys[2].high_address[0] = 193;
    keys[3].low_port = 7;
    keys[4].high_port = 80;
    keys[5].vlan = 10;
    keys[6].protocol = 17;
    FlowKey v6 = key_of(5);
    v6.ipv6 = 1;
    keys.push_back(v6);
    std::vector<Flow*> flows;
    bool evicted = false;
    for (const FlowKey& key : keys) {
        ASSERT_EQ(table.find(key, FlowTable::hash(key)), nullptr);
        flows.push_back(table.create(key, FlowTable::hash(key), 1, evicted));
    }
    for (std::size_t i = 0; i < keys.size(); ++i) {
        EXPECT_EQ(table.find(keys[i], FlowTable::hash(keys[i])), flows[i]) << i;
    }
}

// Random inserts, lookups and removals against std::unordered_map. hash_of gives the hash each
// key id is stored under (the real one, or one forced into a few colliding values).
template <typename HashOf>
void churn(std::size_t capacity, std::uint32_t universe, int operations, std::uint64_t seed,
           HashOf hash_of) {
    SCOPED_TRACE(testing::Message() << "seed " << seed);
    FlowTable table(capacity, kPlenty);
    ASSERT_EQ(table.capacity(), capacity);
    std::mt19937_64 rng(seed);
    std::uniform_int_distribution<std::uint32_t> pick(0, universe - 1);
    std::unordered_map<std::uint32_t, Flow*> model;
    std::uint64_t next_tag = 1;
    std::uint64_t now = 1;
    auto check_all = [&](int step) {
        ASSERT_EQ(table.size(), model.size()) << "step " << step;
        for (const auto& [id, flow] : model) {
            const FlowKey key = key_of(id);
            ASSERT_EQ(table.find(key, hash_of(id, key)), flow) << "step " << step << " id " << id;
        }
    };
    for (int step = 0; step < operations; ++step) {
        const std::uint32_t id = pick(rng);
        const FlowKey key = key_of(id);
        const std::uint32_t hash = hash_of(id, key);
        Flow* found = table.find(key, hash);
        const auto it = model.find(id);
        ASSERT_EQ(found, it == model.end() ? nullptr : it->second) << "step " << step;
        if (found != nullptr) {
            ASSERT_EQ(found->key, key);
        }
        const int op = static_cast<int>(rng() % 8);
        if (found == nullptr) {
            // Insert (keeping the table below capacity: eviction is tested separately), or let
            // a removal-heavy phase thin the table out.
            if (model.size() < capacity && (op < 5 || model.size() < capacity / 2)) {
                bool evicted = true;
                Flow* flow = table.create(key, hash, ++now, evicted);
                ASSERT_FALSE(evicted);
                flow->stream_id = next_tag++;
                model.emplace(id, flow);
            }
        } else if (op < 4) {
            const std::uint64_t tag = found->stream_id;
            table.remove(*found);
            model.erase(id);
            ASSERT_EQ(table.find(key, hash), nullptr) << "step " << step << " tag " << tag;
        } else {
            table.touch(*found, static_cast<FlowClass>(rng() % kFlowClasses), ++now);
        }
        if (step % 997 == 0) {
            check_all(step);
            if (testing::Test::HasFatalFailure()) return;
        }
    }
    check_all(operations);
    // Empty it completely, then every lookup misses.
    std::vector<Flow*> all;
    for (const auto& [id, flow] : model)
        all.push_back(flow);
    for (Flow* flow : all)
        table.remove(*flow);
    EXPECT_EQ(table.size(), 0u);
    for (std::uint32_t id = 0; id < universe; ++id) {
        const FlowKey key = key_of(id);
        ASSERT_EQ(table.find(key, hash_of(id, key)), nullptr) << id;
    }
}

TEST(FlowTable, ChurnAgainstAModelWithTheRealHash) {
    churn(4096, 6000, 300000, 1,
          [](std::uint32_t, const FlowKey& key) { return FlowTable::hash(key); });
}

TEST(FlowTable, ChurnAgainstAModelWithCollidingHashesAroundTheWrap) {
    // A few hash values for everything, among them ones whose home slot is the last one of the
    // index (all ones in the low bits, whatever its size) and the first: long probe chains that
    // wrap around, where backward-shift deletion has to get the cyclic comparison right.
    const std::uint32_t values[] = {0xFFFFFFFFu, 0xFFFFFFFEu, 0x0u, 0x1u, 0x7Fu, 0x40u, 0x3Fu};
    for (std::uint64_t seed = 1; seed <= 8; ++seed) {
        churn(64, 300, 40000, seed, [&](std::uint32_t id, const FlowKey&) {
            return values[(id * 2654435761u >> 7) % std::size(values)];
        });
        if (HasFatalFailure()) return;
    }
}

TEST(FlowTable, ChurnWithAllHashesEqual) {
    churn(32, 100, 20000, 3, [](std::uint32_t, const FlowKey&) { return 0xFFFFFFFFu; });
}

TEST(FlowTable, EvictsTheLeastRecentlyUsedWhenFull) {
    // Flows in all four classes, used at distinct times; each eviction must take the one used
    // longest ago, whatever its class.
    FlowTable table(16, kPlenty);
    ASSERT_EQ(table.capacity(), 16u);
    std::mt19937_64 rng(11);
    std::map<std::uint32_t, std::uint64_t> last_use;  // id -> time
    std::map<std::uint32_t, Flow*> flows;
    std::uint64_t now = 1000;
    std::uint32_t next_id = 0;
    bool evicted = true;
    for (; next_id < 16; ++next_id) {
        const FlowKey key = key_of(next_id);
        Flow* flow = table.create(key, FlowTable::hash(key), ++now, evicted);
        ASSERT_FALSE(evicted);
        table.touch(*flow, static_cast<FlowClass>(next_id % kFlowClasses), now);
        flows[next_id] = flow;
        last_use[next_id] = now;
    }
    for (int round = 0; round < 2000; ++round) {
        // Use a few random flows (sometimes moving them to another class).
        for (int i = 0; i < 3; ++i) {
            auto it = flows.begin();
            std::advance(it, static_cast<long>(rng() % flows.size()));
            table.touch(*it->second, static_cast<FlowClass>(rng() % kFlowClasses), ++now);
            last_use[it->first] = now;
        }
        std::uint32_t oldest = last_use.begin()->first;
        for (const auto& [id, time] : last_use) {
            if (time < last_use[oldest]) oldest = id;
        }
        const FlowKey key = key_of(next_id);
        Flow* flow = table.create(key, FlowTable::hash(key), ++now, evicted);
        ASSERT_TRUE(evicted) << "round " << round;
        ASSERT_EQ(table.size(), 16u);
        const FlowKey gone = key_of(oldest);
        ASSERT_EQ(table.find(gone, FlowTable::hash(gone)), nullptr)
            << "round " << round << ": expected flow " << oldest << " to be evicted";
        flows.erase(oldest);
        last_use.erase(oldest);
        for (const auto& [id, kept] : flows) {
            const FlowKey k = key_of(id);
            ASSERT_EQ(table.find(k, FlowTable::hash(k)), kept) << "round " << round;
        }
        flows[next_id] = flow;
        last_use[next_id] = now;
        ++next_id;
    }
}

TEST(FlowTable, ExpireRemovesExactlyTheIdleOnesPerClass) {
    // Timeouts: half-open 30, open 300, closed 10, UDP 60 (units of 1 ns here).
    const std::array<std::uint64_t, kFlowClasses> timeouts = {30, 300, 10, 60};
    std::mt19937_64 rng(21);
    for (int round = 0; round < 200; ++round) {
        FlowTable table(256, kPlenty);
        struct Entry {
            FlowClass flow_class;
            std::uint64_t last;
        };
        std::map<std::uint32_t, Entry> model;
        std::uint64_t now = 1000;
        bool evicted = false;
        for (std::uint32_t id = 0; id < 200; ++id) {
            now += rng() % 5;  // time moves forward, several flows may share a time
            const FlowKey key = key_of(id);
            Flow* flow = table.create(key, FlowTable::hash(key), now, evicted);
            const auto flow_class = static_cast<FlowClass>(rng() % kFlowClasses);
            table.touch(*flow, flow_class, now);
            model[id] = {flow_class, now};
        }
        // Touch some again later, maybe in another class.
        for (int i = 0; i < 100; ++i) {
            now += rng() % 3;
            const std::uint32_t id = static_cast<std::uint32_t>(rng() % 200);
            const FlowKey key = key_of(id);
            const auto flow_class = static_cast<FlowClass>(rng() % kFlowClasses);
            Flow* flow = table.find(key, FlowTable::hash(key));
            ASSERT_NE(flow, nullptr);
            table.touch(*flow, flow_class, now);
            model[id] = {flow_class, now};
        }
        const std::uint64_t at = now + rng() % 400;
        std::size_t idle = 0;
        for (const auto& [id, entry] : model) {
            if (at - entry.last > timeouts[static_cast<std::size_t>(entry.flow_class)]) ++idle;
        }
        ASSERT_EQ(table.expire(at, timeouts), idle) << "round " << round;
        for (const auto& [id, entry] : model) {
            const FlowKey key = key_of(id);
            const bool expired =
                at - entry.last > timeouts[static_cast<std::size_t>(entry.flow_class)];
            ASSERT_EQ(table.find(key, FlowTable::hash(key)) == nullptr, expired)
                << "round " << round << " id " << id << " idle " << at - entry.last;
        }
        ASSERT_EQ(table.size(), model.size() - idle);
        EXPECT_EQ(table.expire(at, timeouts), 0u);  // nothing more
    }
}

TEST(FlowTable, ExpireWithATouchAtAnOlderTime) {
    const std::array<std::uint64_t, kFlowClasses> timeouts = {60, 60, 60, 60};
    FlowTable table(64, kPlenty);
    bool evicted = false;
    const FlowKey a = key_of(1), b = key_of(2);
    Flow* fa = table.create(a, FlowTable::hash(a), 10, evicted);
    table.create(b, FlowTable::hash(b), 20, evicted);
    table.touch(*fa, FlowClass::udp, 5);  // a packet of a stamped before its last use
    EXPECT_EQ(fa->last_seen_ns, 10u);
    // At 75: a idle for 65 (> 60), b for 55.
    EXPECT_EQ(table.expire(75, timeouts), 1u);
    EXPECT_EQ(table.find(a, FlowTable::hash(a)), nullptr);
    EXPECT_NE(table.find(b, FlowTable::hash(b)), nullptr);
}

TEST(FlowTable, ZeroTimeoutNeverExpires) {
    FlowTable table(64, kPlenty);
    bool evicted = false;
    const FlowKey key = key_of(1);
    Flow* flow = table.create(key, FlowTable::hash(key), 5, evicted);
    table.touch(*flow, FlowClass::tcp_open, 5);
    EXPECT_EQ(table.expire(1'000'000'000'000ull, {1, 0, 1, 1}), 0u);
    EXPECT_EQ(table.size(), 1u);
    EXPECT_EQ(table.expire(1'000'000'000'000ull, {1, 1, 1, 1}), 1u);
}

TEST(FlowTable, AFlowCostsWhatTheDocumentationSays) {
    // docs/annotations.md, "Bounded memory": 684 bytes a flow, of which a 128-byte entry.
    EXPECT_EQ(FlowTable::kBytesPerFlow, 684u);
    EXPECT_EQ(sizeof(Flow), 128u);
    FlowTable table(1000, kPlenty);
    EXPECT_LE(table.memory_bytes(), table.capacity() * FlowTable::kBytesPerFlow);
    EXPECT_GE(table.memory_bytes(), table.capacity() * (FlowTable::kBytesPerFlow - 16));
}

TEST(FlowTable, CapacityIsMaxFlowsWhenMemoryAllows) {
    for (std::size_t flows : {16u, 100u, 1024u, 65536u, 262144u}) {
        FlowTable table(flows, kPlenty);
        EXPECT_EQ(table.capacity(), flows);
        EXPECT_LE(table.memory_bytes(), kPlenty);
        EXPECT_GE(table.memory_bytes(), flows * sizeof(Flow));  // at least the pool itself
    }
}

TEST(FlowTable, MemoryCapLimitsCapacity) {
    for (std::size_t cap = std::size_t{1} << 20; cap <= std::size_t{1} << 30; cap *= 2) {
        for (std::size_t extra : {std::size_t{0}, std::size_t{12345}, cap / 3}) {
            const std::size_t budget = cap + extra;
            FlowTable table(std::size_t{1} << 26, budget);
            SCOPED_TRACE(testing::Message() << "budget " << budget);
            EXPECT_LE(table.memory_bytes(), budget);
            EXPECT_LT(table.capacity(), std::size_t{1} << 26);
            // Not needlessly small: the pool, its side arrays and the index use most of the
            // budget.
            EXPECT_GE(table.memory_bytes(), budget / 2);
            EXPECT_GE(table.capacity() * FlowTable::kBytesPerFlow, budget / 2);
            EXPECT_GE(table.capacity() * (sizeof(Flow) + 2 * sizeof(tcp::DirectionState)),
                      budget / 2);
        }
    }
    // A memory budget with room for more than 65536 flows: the flow cap is the smaller one.
    FlowTable table(65536, 128u << 20);
    EXPECT_EQ(table.capacity(), 65536u);
    EXPECT_LE(table.memory_bytes(), 128u << 20);
}

TEST(FlowTable, FullTableUnderTheMemoryCapStaysUsable) {
    // A small budget: fill it, then keep creating (every create evicts), lookups stay right.
    FlowTable table(std::size_t{1} << 20, 256u << 10);
    const std::size_t capacity = table.capacity();
    ASSERT_GE(capacity, 16u);
    ASSERT_LE(table.memory_bytes(), 256u << 10);
    bool evicted = false;
    std::uint64_t evictions = 0;
    for (std::uint32_t id = 0; id < capacity * 5; ++id) {
        const FlowKey key = key_of(id);
        table.create(key, FlowTable::hash(key), id + 1, evicted);
        evictions += evicted ? 1 : 0;
        ASSERT_LE(table.size(), capacity);
    }
    EXPECT_EQ(evictions, capacity * 4);
    for (std::uint32_t id = 0; id < capacity * 5; ++id) {
        const FlowKey key = key_of(id);
        EXPECT_EQ(table.find(key, FlowTable::hash(key)) != nullptr, id >= capacity * 4) << id;
    }
}

TEST(LazyArray, HugePagesAreAlignedAndEveryElementIsThere) {
    // More than one huge page and not a multiple of one; then one smaller than a huge page.
    const std::size_t count = (std::size_t{3} << 20) / sizeof(std::uint64_t) + 5;
    LazyArray<std::uint64_t> array(count, Pages::huge);
    ASSERT_NE(array.data(), nullptr);
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(array.data()) % (std::size_t{2} << 20), 0u);
    EXPECT_EQ(array.size(), count);
    for (std::size_t i = 0; i < count; i += 4099) {
        EXPECT_EQ(array[i], 0u) << i;  // zero-filled
        array[i] = i + 1;
    }
    array[count - 1] = 77;
    for (std::size_t i = 0; i < count - 1; i += 4099)
        EXPECT_EQ(array[i], i + 1) << i;
    EXPECT_EQ(array[count - 1], 77u);
    LazyArray<std::uint32_t> small(1000, Pages::huge);
    small[999] = 5;
    EXPECT_EQ(small[999], 5u);
    EXPECT_EQ(small[0], 0u);
}

}  // namespace
}  // namespace ringdump
