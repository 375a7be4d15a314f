// SPDX-License-Identifier: BSD-2-Clause
// Heap allocations of the benchmark process, counted. alloc_counter.cpp replaces the C allocation
// functions (malloc, calloc, realloc, the aligned ones) of the executable, forwarding to glibc's
// allocator; operator new of libstdc++ allocates through malloc, so it is counted as well. A
// benchmark reads the count before and after its timed loop: anything the hot path allocates
// shows up.
#pragma once

#include <cstdint>
#include <string>

namespace ringdump::bench {

// Allocations so far (every call that can return new memory: malloc, calloc, realloc, aligned
// allocations, operator new through them).
std::uint64_t allocations();

// How allocations are counted (for the benchmark context), and whether the counting works: an
// allocation through malloc and one through operator new must both show up. Empty when it does.
std::string allocation_counting();
std::string allocation_counting_problem();

}  // namespace ringdump::bench
