// SPDX-License-Identifier: BSD-2-Clause
// An IPv4 or IPv6 network prefix (address plus prefix length), as found on interfaces and given
// by users in CIDR notation.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ringdump {

struct IpPrefix {
    enum class Family : std::uint8_t { ipv4 = 4, ipv6 = 6 };

    Family family = Family::ipv4;
    std::array<std::uint8_t, 16> address{};  // network byte order; IPv4 uses the first 4 bytes
    std::uint8_t length = 0;                 // prefix length in bits

    bool is_ipv4() const { return family == Family::ipv4; }
    std::size_t address_size() const { return is_ipv4() ? 4 : 16; }

    // "198.18.0.1/24", "2001:db8::1/64".
    std::string to_string() const;
    // Just the address: "198.18.0.1".
    std::string address_string() const;

    // Parses "a.b.c.d/n", "x:y::z/n", or a bare address (full-length prefix). nullopt if malformed.
    static std::optional<IpPrefix> parse(std::string_view text);

    friend bool operator==(const IpPrefix&, const IpPrefix&) = default;
};

}  // namespace ringdump
