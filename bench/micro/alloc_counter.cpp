// SPDX-License-Identifier: BSD-2-Clause
// Counting allocations (alloc_counter.h). The executable's own malloc, calloc, realloc, free and
// aligned allocation functions take precedence over glibc's for every library of the process
// (symbol interposition, what glibc documents under "Replacing malloc"); they count and forward
// to glibc's allocator through its __libc_* entry points, so memory from either side can be freed
// by the other. Under AddressSanitizer, which has its own allocator, only operator new is
// replaced and counted.
#include "alloc_counter.h"

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <new>

#if defined(__SANITIZE_ADDRESS__)
#define RINGDUMP_BENCH_COUNT_MALLOC 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define RINGDUMP_BENCH_COUNT_MALLOC 0
#endif
#endif
#ifndef RINGDUMP_BENCH_COUNT_MALLOC
#define RINGDUMP_BENCH_COUNT_MALLOC 1
#endif

namespace {
std::atomic<std::uint64_t> g_allocations{0};

inline void count() {
    g_allocations.fetch_add(1, std::memory_order_relaxed);
}

// Keeps an allocation the compiler could otherwise elide (a new/delete or malloc/free pair).
void benchmark_keep(const void* memory) {
    asm volatile("" : : "r"(memory) : "memory");
}
}  // namespace

#if RINGDUMP_BENCH_COUNT_MALLOC

extern "C" {
void* __libc_malloc(std::size_t size);
void* __libc_calloc(std::size_t count, std::size_t size);
void* __libc_realloc(void* memory, std::size_t size);
void* __libc_memalign(std::size_t alignment, std::size_t size);
void __libc_free(void* memory);

void* malloc(std::size_t size) noexcept {
    count();
    return __libc_malloc(size);
}
void* calloc(std::size_t n, std::size_t size) noexcept {
    count();
    return __libc_calloc(n, size);
}
void* realloc(void* memory, std::size_t size) noexcept {
    count();
    return __libc_realloc(memory, size);
}
void free(void* memory) noexcept {
    __libc_free(memory);
}
void* aligned_alloc(std::size_t alignment, std::size_t size) noexcept {
    count();
    return __libc_memalign(alignment, size);
}
void* memalign(std::size_t alignment, std::size_t size) noexcept {
    count();
    return __libc_memalign(alignment, size);
}
int posix_memalign(void** out, std::size_t alignment, std::size_t size) noexcept {
    count();
    if (alignment % sizeof(void*) != 0 || (alignment & (alignment - 1)) != 0) return EINVAL;
    void* memory = __libc_memalign(alignment, size);
    if (memory == nullptr) return ENOMEM;
    *out = memory;
    return 0;
}
}  // extern "C"

#else  // AddressSanitizer: count operator new only

void* operator new(std::size_t size) {
    count();
    if (void* memory = std::malloc(size == 0 ? 1 : size)) return memory;
    throw std::bad_alloc();
}
void* operator new[](std::size_t size) {
    return operator new(size);
}
void operator delete(void* memory) noexcept {
    std::free(memory);
}
void operator delete[](void* memory) noexcept {
    std::free(memory);
}
void operator delete(void* memory, std::size_t) noexcept {
    std::free(memory);
}
void operator delete[](void* memory, std::size_t) noexcept {
    std::free(memory);
}

#endif

namespace ringdump::bench {

std::uint64_t allocations() {
    return g_allocations.load(std::memory_order_relaxed);
}

std::string allocation_counting() {
    return RINGDUMP_BENCH_COUNT_MALLOC
               ? "malloc, calloc, realloc, aligned allocations, operator new"
               : "operator new (sanitizer build)";
}

std::string allocation_counting_problem() {
    std::uint64_t before = allocations();
    int* through_new = new int(7);
    benchmark_keep(through_new);
    delete through_new;
    if (allocations() == before) return "an operator new was not counted";
#if RINGDUMP_BENCH_COUNT_MALLOC
    before = allocations();
    void* through_malloc = std::malloc(24);
    benchmark_keep(through_malloc);
    std::free(through_malloc);
    if (allocations() == before) return "a malloc was not counted";
#endif
    return {};
}

}  // namespace ringdump::bench
