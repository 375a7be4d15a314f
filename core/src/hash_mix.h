// SPDX-License-Identifier: BSD-2-Clause
// A 64-bit finalizer (MurmurHash3's fmix64) for the hash tables of the core: every input bit
// affects every output bit, so low bits can index a power-of-two table directly.
#pragma once

#include <cstdint>

namespace ringdump {

constexpr std::uint64_t hash_mix(std::uint64_t value) {
    value ^= value >> 33;
    value *= 0xff51afd7ed558ccdull;
    value ^= value >> 33;
    value *= 0xc4ceb9fe1a85ec53ull;
    value ^= value >> 33;
    return value;
}

}  // namespace ringdump
