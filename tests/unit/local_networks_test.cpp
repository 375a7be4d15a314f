// SPDX-License-Identifier: BSD-2-Clause
// Local networks (host-relative direction, docs/annotations.md "Direction"): contains() and
// classify() against a brute-force model (compare the first `length` bits with every prefix) on
// random prefix sets of many lengths and random addresses, plus the edges: /0, /32, /128, host
// bits set in a prefix, duplicates, IPv4 and IPv6 kept apart.
#include "ringdump/local_networks.h"

#include <array>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <algorithm>

#include "frame_builder.h"

namespace ringdump {
namespace {

using test::address;
using test::prefix;

// The brute-force model.
bool in_prefix(const IpPrefix& p, bool ipv6, const std::uint8_t* a) {
    if (ipv6 == p.is_ipv4()) return false;
    for (int bit = 0; bit < p.length; ++bit) {
        const int byte = bit / 8, shift = 7 - bit % 8;
        if (((p.address[static_cast<std::size_t>(byte)] >> shift) & 1) !=
            ((a[byte] >> shift) & 1)) {
            return false;
        }
    }
    return true;
}

bool model_contains(const std::vector<IpPrefix>& prefixes, bool ipv6, const std::uint8_t* a) {
    for (const IpPrefix& p : prefixes) {
        if (in_prefix(p, ipv6, a)) return true;
    }
    return false;
}

HostDirection model_classify(const std::vector<IpPrefix>& prefixes, bool ipv6,
                             const std::uint8_t* source, const std::uint8_t* destination) {
    // Nothing is known about a family without prefixes of its own.
    const bool any_of_family = std::any_of(prefixes.begin(), prefixes.end(),
                                           [&](const IpPrefix& p) { return p.is_ipv4() != ipv6; });
    if (!any_of_family) return HostDirection::unknown;
    const bool s = model_contains(prefixes, ipv6, source);
    const bool d = model_contains(prefixes, ipv6, destination);
    if (s && d) return HostDirection::local;
    if (s) return HostDirection::up;
    if (d) return HostDirection::down;
    return HostDirection::transit;
}

bool contains(const LocalNetworks& networks, std::string_view text) {
    const test::Address a = address(text);
    return networks.contains(a.ipv6, a.bytes.data());
}

HostDirection classify(const LocalNetworks& networks, std::string_view from, std::string_view to) {
    const test::Address s = address(from), d = address(to);
    EXPECT_EQ(s.ipv6, d.ipv6);
    return networks.classify(s.ipv6, s.bytes.data(), d.bytes.data());
}

TEST(LocalNetworks, EmptyKnowsNothing) {
    LocalNetworks networks;
    EXPECT_TRUE(networks.empty());
    EXPECT_EQ(networks.size(), 0u);
    EXPECT_FALSE(contains(networks, "10.0.0.1"));
    EXPECT_FALSE(contains(networks, "2001:db8::1"));
    EXPECT_EQ(classify(networks, "10.0.0.1", "10.0.0.2"), HostDirection::unknown);
    EXPECT_EQ(classify(networks, "2001:db8::1", "2001:db8::2"), HostDirection::unknown);
}

TEST(LocalNetworks, InterfacePrefixMakesItsNetworkLocal) {
    // docs: 198.18.0.1/24 makes 198.18.0.0/24 local.
    const std::vector<IpPrefix> prefixes = {prefix("198.18.0.1/24")};
    LocalNetworks networks(prefixes);
    EXPECT_FALSE(networks.empty());
    EXPECT_TRUE(contains(networks, "198.18.0.0"));
    EXPECT_TRUE(contains(networks, "198.18.0.1"));
    EXPECT_TRUE(contains(networks, "198.18.0.255"));
    EXPECT_FALSE(contains(networks, "198.18.1.0"));
    EXPECT_FALSE(contains(networks, "198.17.255.255"));
    EXPECT_EQ(classify(networks, "198.18.0.1", "8.8.8.8"), HostDirection::up);
    EXPECT_EQ(classify(networks, "8.8.8.8", "198.18.0.9"), HostDirection::down);
    EXPECT_EQ(classify(networks, "198.18.0.1", "198.18.0.200"), HostDirection::local);
    EXPECT_EQ(classify(networks, "1.1.1.1", "8.8.8.8"), HostDirection::transit);
}

TEST(LocalNetworks, Ipv6Prefixes) {
    LocalNetworks networks;
    networks.add(prefix("2001:db8:1::1/64"));
    networks.add(prefix("fe80::1234/10"));
    EXPECT_TRUE(contains(networks, "2001:db8:1::ffff"));
    EXPECT_TRUE(contains(networks, "2001:db8:1:0:ffff:ffff:ffff:ffff"));
    EXPECT_FALSE(contains(networks, "2001:db8:1:1::"));
    EXPECT_TRUE(contains(networks, "fe80::9"));
    EXPECT_TRUE(contains(networks, "febf:ffff::1"));
    EXPECT_FALSE(contains(networks, "fec0::1"));
    EXPECT_EQ(classify(networks, "2001:db8:1::5", "2001:db8:2::5"), HostDirection::up);
    EXPECT_EQ(classify(networks, "2001:db8:2::5", "fe80::1"), HostDirection::down);
    EXPECT_EQ(classify(networks, "2001:db8:2::5", "2001:db8:3::5"), HostDirection::transit);
}

TEST(LocalNetworks, FamiliesAreKeptApart) {
    LocalNetworks networks;
    networks.add(prefix("0.0.0.0/0"));  // every IPv4 address, no IPv6 one
    EXPECT_TRUE(contains(networks, "1.2.3.4"));
    EXPECT_TRUE(contains(networks, "255.255.255.255"));
    EXPECT_FALSE(contains(networks, "::"));
    EXPECT_FALSE(contains(networks, "2001:db8::1"));
    // The IPv4 bytes at the start of an IPv6 address do not make it local either.
    LocalNetworks v4;
    v4.add(prefix("32.1.13.184/32"));  // 0x20010db8: the first 4 bytes of 2001:db8::
    EXPECT_FALSE(contains(v4, "2001:db8::"));
    LocalNetworks v6;
    v6.add(prefix("::/0"));
    EXPECT_TRUE(contains(v6, "::"));
    EXPECT_TRUE(contains(v6, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"));
    EXPECT_FALSE(contains(v6, "0.0.0.0"));
    EXPECT_FALSE(contains(v6, "10.0.0.1"));
}

TEST(LocalNetworks, FullLengthPrefixesAreSingleAddresses) {
    LocalNetworks networks;
    networks.add(prefix("10.1.2.3/32"));
    networks.add(prefix("2001:db8::7/128"));
    EXPECT_TRUE(contains(networks, "10.1.2.3"));
    EXPECT_FALSE(contains(networks, "10.1.2.2"));
    EXPECT_FALSE(contains(networks, "10.1.2.4"));
    EXPECT_FALSE(contains(networks, "138.1.2.3"));  // differs in the first bit only
    EXPECT_TRUE(contains(networks, "2001:db8::7"));
    EXPECT_FALSE(contains(networks, "2001:db8::6"));
    EXPECT_FALSE(contains(networks, "2001:db8::8"));
    EXPECT_FALSE(contains(networks, "a001:db8::7"));
}

TEST(LocalNetworks, BoundaryLengths) {
    // /1, /7, /8, /9, /31 and the 64-bit boundary of IPv6 (/63, /64, /65, /127).
    LocalNetworks networks;
    for (const char* text : {"128.0.0.0/1", "2.0.0.0/7", "11.0.0.0/8", "12.128.0.0/9",
                             "13.0.0.2/31", "2001:db8:0:2::/63", "2001:db8:0:10::/64",
                             "2001:db8:0:20:8000::/65", "2001:db8::100/127"}) {
        networks.add(prefix(text));
    }
    EXPECT_TRUE(contains(networks, "200.1.1.1"));
    EXPECT_FALSE(contains(networks, "127.255.255.255"));
    EXPECT_TRUE(contains(networks, "3.255.0.0"));
    EXPECT_FALSE(contains(networks, "4.0.0.0"));
    EXPECT_TRUE(contains(networks, "11.255.255.255"));
    EXPECT_TRUE(contains(networks, "12.128.0.0"));
    EXPECT_FALSE(contains(networks, "12.127.255.255"));
    EXPECT_TRUE(contains(networks, "13.0.0.3"));
    EXPECT_FALSE(contains(networks, "13.0.0.4"));
    EXPECT_TRUE(contains(networks, "2001:db8:0:3:ffff::"));
    EXPECT_FALSE(contains(networks, "2001:db8:0:4::"));
    EXPECT_TRUE(contains(networks, "2001:db8:0:10:ffff:ffff:ffff:ffff"));
    EXPECT_FALSE(contains(networks, "2001:db8:0:11::"));
    EXPECT_TRUE(contains(networks, "2001:db8:0:20:ffff::1"));
    EXPECT_FALSE(contains(networks, "2001:db8:0:20:7fff::1"));
    EXPECT_TRUE(contains(networks, "2001:db8::101"));
    EXPECT_FALSE(contains(networks, "2001:db8::102"));
}

TEST(LocalNetworks, DuplicatesAndOverlaps) {
    LocalNetworks networks;
    networks.add(prefix("10.0.0.0/8"));
    networks.add(prefix("10.0.0.0/8"));
    networks.add(prefix("10.9.9.9/8"));  // the same network written with host bits
    EXPECT_EQ(networks.size(), 1u);
    networks.add(prefix("10.1.0.0/16"));  // inside the /8: changes nothing
    EXPECT_TRUE(contains(networks, "10.200.0.1"));
    EXPECT_TRUE(contains(networks, "10.1.0.1"));
    EXPECT_FALSE(contains(networks, "11.0.0.1"));
    // Many duplicates (past any table growth) still answer the same.
    for (int i = 0; i < 1000; ++i)
        networks.add(prefix("192.0.2.0/24"));
    EXPECT_EQ(networks.size(), 3u);
    EXPECT_TRUE(contains(networks, "192.0.2.77"));
    EXPECT_FALSE(contains(networks, "192.0.3.77"));
}

// Random prefix sets and random addresses, many near the prefixes (a prefix's address with the
// bits past a random point randomized), checked against the model.
TEST(LocalNetworks, RandomPrefixSetsAgainstBruteForce) {
    std::mt19937_64 rng(4242);
    std::uint64_t hits = 0, lookups = 0;
    for (int round = 0; round < 300; ++round) {
        std::vector<IpPrefix> prefixes;
        const int count = static_cast<int>(rng() % 40);
        const bool mostly_short = rng() % 2 == 0;
        for (int i = 0; i < count; ++i) {
            IpPrefix p;
            const bool v6 = rng() % 3 == 0;
            p.family = v6 ? IpPrefix::Family::ipv6 : IpPrefix::Family::ipv4;
            const unsigned bits = v6 ? 128 : 32;
            p.length = static_cast<std::uint8_t>(mostly_short ? rng() % (bits / 2 + 1)
                                                              : rng() % (bits + 1));
            for (std::size_t b = 0; b < (v6 ? 16u : 4u); ++b) {
                p.address[b] = static_cast<std::uint8_t>(rng());
            }
            // Now and then the same network again, or a sub-network of one already there.
            if (!prefixes.empty() && rng() % 5 == 0) {
                p = prefixes[rng() % prefixes.size()];
                if (rng() % 2 == 0) {
                    const unsigned max = p.is_ipv4() ? 32 : 128;
                    p.length = static_cast<std::uint8_t>(p.length + rng() % (max - p.length + 1));
                }
            }
            prefixes.push_back(p);
        }
        LocalNetworks networks(prefixes);
        EXPECT_EQ(networks.empty(), prefixes.empty());
        for (int i = 0; i < 400; ++i) {
            const bool v6 = rng() % 2 == 0;
            std::array<std::uint8_t, 16> a{}, b{};
            for (auto* address_bytes : {&a, &b}) {
                for (std::size_t k = 0; k < (v6 ? 16u : 4u); ++k) {
                    (*address_bytes)[k] = static_cast<std::uint8_t>(rng());
                }
                if (!prefixes.empty() && rng() % 4 != 0) {
                    const IpPrefix& near = prefixes[rng() % prefixes.size()];
                    if (near.is_ipv4() != v6) {
                        const unsigned bits = v6 ? 128 : 32;
                        const unsigned keep = static_cast<unsigned>(rng() % (bits + 1));
                        for (unsigned bit = 0; bit < keep; ++bit) {
                            const std::size_t byte = bit / 8;
                            const int shift = 7 - static_cast<int>(bit % 8);
                            const auto mask = static_cast<std::uint8_t>(1u << shift);
                            (*address_bytes)[byte] = static_cast<std::uint8_t>(
                                ((*address_bytes)[byte] & ~mask) | (near.address[byte] & mask));
                        }
                    }
                }
            }
            const bool expected = model_contains(prefixes, v6, a.data());
            ++lookups;
            hits += expected ? 1 : 0;
            ASSERT_EQ(networks.contains(v6, a.data()), expected)
                << "round " << round << " v6 " << v6;
            ASSERT_EQ(networks.classify(v6, a.data(), b.data()),
                      model_classify(prefixes, v6, a.data(), b.data()))
                << "round " << round;
        }
    }
    // Both answers were exercised plenty.
    EXPECT_GT(hits, lookups / 10);
    EXPECT_LT(hits, lookups * 9 / 10);
}

}  // namespace
}  // namespace ringdump
