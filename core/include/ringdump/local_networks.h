// SPDX-License-Identifier: BSD-2-Clause
// The networks that count as "this host" for host-relative direction: by default the prefixes of
// the captured interfaces' own addresses, or the ones the user names (--local-net), which is what
// a mirror-port capture needs.
//
// A lookup masks the address to each distinct prefix length in use and probes a hash table:
// cost bounded by the number of distinct lengths (at most 33 or 129), never by the number of
// prefixes.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "ringdump/ip_prefix.h"

namespace ringdump {

enum class HostDirection : std::uint8_t {
    unknown = 0,  // no IP addresses, or no local network of the packet's family known
    up = 1,       // source local, destination not
    down = 2,     // destination local, source not
    local = 3,    // both local
    transit = 4,  // neither local
};

class LocalNetworks {
  public:
    LocalNetworks() = default;
    explicit LocalNetworks(std::span<const IpPrefix> prefixes);

    void add(const IpPrefix& prefix);
    bool empty() const { return count_ == 0; }
    std::size_t size() const { return count_; }

    // address: 4 (ipv6 false) or 16 network-order bytes.
    bool contains(bool ipv6, const std::uint8_t* address) const;
    HostDirection classify(bool ipv6, const std::uint8_t* source,
                           const std::uint8_t* destination) const;

  private:
    struct Key {
        std::uint64_t high = 0, low = 0;  // masked address
        std::uint8_t length = 0;          // 255 marks an empty slot
        bool ipv6 = false;
    };
    static Key key_of(bool ipv6, const std::uint8_t* address, std::uint8_t length);
    static std::size_t home(const Key& key);  // hash: the first slot to probe
    bool find(const Key& key) const;
    void insert(const Key& key);

    std::vector<Key> table_;                // open addressing, power-of-two size
    std::vector<std::uint8_t> v4_lengths_;  // distinct prefix lengths in use
    std::vector<std::uint8_t> v6_lengths_;
    std::size_t count_ = 0;
};

}  // namespace ringdump
