// SPDX-License-Identifier: BSD-2-Clause
#include "ringdump/ip_prefix.h"

#include <arpa/inet.h>

#include <charconv>

namespace ringdump {

std::string IpPrefix::address_string() const {
    char text[INET6_ADDRSTRLEN] = {};
    ::inet_ntop(is_ipv4() ? AF_INET : AF_INET6, address.data(), text, sizeof text);
    return text;
}

std::string IpPrefix::to_string() const {
    return address_string() + "/" + std::to_string(length);
}

std::optional<IpPrefix> IpPrefix::parse(std::string_view text) {
    IpPrefix prefix;
    std::string_view address_part = text;
    std::optional<unsigned> length;
    if (auto slash = text.find('/'); slash != std::string_view::npos) {
        address_part = text.substr(0, slash);
        std::string_view length_part = text.substr(slash + 1);
        unsigned value = 0;
        auto [end, ec] =
            std::from_chars(length_part.data(), length_part.data() + length_part.size(), value);
        if (ec != std::errc() || end != length_part.data() + length_part.size() ||
            length_part.empty()) {
            return std::nullopt;
        }
        length = value;
    }
    std::string address_copy(address_part);  // inet_pton needs a terminated string
    if (::inet_pton(AF_INET, address_copy.c_str(), prefix.address.data()) == 1) {
        prefix.family = Family::ipv4;
    } else if (::inet_pton(AF_INET6, address_copy.c_str(), prefix.address.data()) == 1) {
        prefix.family = Family::ipv6;
    } else {
        return std::nullopt;
    }
    const unsigned max_length = prefix.is_ipv4() ? 32 : 128;
    if (length && *length > max_length) return std::nullopt;
    prefix.length = static_cast<std::uint8_t>(length.value_or(max_length));
    return prefix;
}

}  // namespace ringdump
