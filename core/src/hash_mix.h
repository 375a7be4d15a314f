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

// The full 128-bit product of two words folded to 64 bits (high half xor low half): one
// multiplication mixes two words at once. Neither factor may be zero for the other to count, so
// callers xor their inputs with constants first. Cheap in latency (a few cycles), unlike a chain
// of hash_mix calls, but not a finalizer: follow it with hash_mix.
constexpr std::uint64_t multiply_fold(std::uint64_t a, std::uint64_t b) {
    __extension__ using Wide = unsigned __int128;
    const Wide product = static_cast<Wide>(a) * b;
    return static_cast<std::uint64_t>(product) ^ static_cast<std::uint64_t>(product >> 64);
}

}  // namespace ringdump
