// SPDX-License-Identifier: BSD-2-Clause
#include "ringdump/local_networks.h"

#include <algorithm>
#include <cstring>

#include "hash_mix.h"

namespace ringdump {
namespace {

constexpr std::uint8_t kEmpty = 255;

}  // namespace

LocalNetworks::LocalNetworks(std::span<const IpPrefix> prefixes) {
    for (const IpPrefix& prefix : prefixes)
        add(prefix);
}

LocalNetworks::Key LocalNetworks::key_of(bool ipv6, const std::uint8_t* address,
                                         std::uint8_t length) {
    Key key;
    for (int i = 0; i < 8; ++i) {
        const std::uint8_t high_byte = ipv6 || i < 4 ? address[i] : 0;
        key.high = key.high << 8 | high_byte;
        key.low = key.low << 8 | (ipv6 ? address[8 + i] : 0);
    }
    // Keep the first `length` bits of the 128-bit value high:low.
    if (length < 64) {
        key.high = length == 0 ? 0 : key.high & (~0ull << (64 - length));
        key.low = 0;
    } else if (length < 128) {
        key.low = length == 64 ? 0 : key.low & (~0ull << (128 - length));
    }
    key.length = length;
    key.ipv6 = ipv6;
    return key;
}

std::size_t LocalNetworks::home(const Key& key) {
    return hash_mix(key.high ^ hash_mix(key.low) ^ (std::uint64_t{key.length} << 1 | key.ipv6));
}

bool LocalNetworks::find(const Key& key) const {
    if (table_.empty()) return false;
    const std::size_t mask = table_.size() - 1;
    std::size_t slot = home(key) & mask;
    for (;; slot = (slot + 1) & mask) {
        const Key& entry = table_[slot];
        if (entry.length == kEmpty) return false;
        if (entry.length == key.length && entry.ipv6 == key.ipv6 && entry.high == key.high &&
            entry.low == key.low) {
            return true;
        }
    }
}

void LocalNetworks::insert(const Key& key) {
    if (find(key)) return;
    if ((count_ + 1) * 2 > table_.size()) {  // keep the load at most one half
        std::vector<Key> old = std::move(table_);
        table_.assign(std::max<std::size_t>(16, old.size() * 2), Key{0, 0, kEmpty, false});
        count_ = 0;
        for (const Key& entry : old) {
            if (entry.length != kEmpty) insert(entry);
        }
    }
    const std::size_t mask = table_.size() - 1;
    std::size_t slot = home(key) & mask;
    while (table_[slot].length != kEmpty)
        slot = (slot + 1) & mask;
    table_[slot] = key;
    ++count_;
}

void LocalNetworks::add(const IpPrefix& prefix) {
    const bool ipv6 = !prefix.is_ipv4();
    insert(key_of(ipv6, prefix.address.data(), prefix.length));
    auto& lengths = ipv6 ? v6_lengths_ : v4_lengths_;
    if (std::find(lengths.begin(), lengths.end(), prefix.length) == lengths.end()) {
        lengths.push_back(prefix.length);
        std::sort(lengths.begin(), lengths.end(), std::greater<>());
    }
}

bool LocalNetworks::contains(bool ipv6, const std::uint8_t* address) const {
    for (std::uint8_t length : ipv6 ? v6_lengths_ : v4_lengths_) {
        if (find(key_of(ipv6, address, length))) return true;
    }
    return false;
}

HostDirection LocalNetworks::classify(bool ipv6, const std::uint8_t* source,
                                      const std::uint8_t* destination) const {
    // No network of this family is known: nothing can be said (not "transit").
    if ((ipv6 ? v6_lengths_ : v4_lengths_).empty()) return HostDirection::unknown;
    const bool from_local = contains(ipv6, source);
    const bool to_local = contains(ipv6, destination);
    if (from_local && to_local) return HostDirection::local;
    if (from_local) return HostDirection::up;
    if (to_local) return HostDirection::down;
    return HostDirection::transit;
}

}  // namespace ringdump
