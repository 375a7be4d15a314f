// SPDX-License-Identifier: BSD-2-Clause
// libFuzzer target for CIDR parsing: a prefix that parses must print back to text that parses
// to the same prefix.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "ringdump/ip_prefix.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    if (auto prefix = ringdump::IpPrefix::parse(text)) {
        auto again = ringdump::IpPrefix::parse(prefix->to_string());
        if (!again || *again != *prefix) std::abort();
    }
    return 0;
}
