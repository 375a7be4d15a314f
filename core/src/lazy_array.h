// SPDX-License-Identifier: BSD-2-Clause
// A fixed-size array in anonymous memory: the kernel supplies zero-filled pages on first touch,
// so a table sized for its cap costs resident memory only for the part in use.
//
// An array that is read at random on the hot path (the flow table's index and pool) can ask for
// transparent huge pages: with 4 KiB pages nearly every random access is a TLB miss and a page
// walk, with 2 MiB pages a few thousand flows fit in the TLB. The memory is then aligned to
// 2 MiB and given MADV_HUGEPAGE; the kernel still supplies it on first touch, in 2 MiB steps
// (never beyond the array: a last partial 2 MiB gets small pages), and falls back to small pages
// when it has no huge ones. Arrays smaller than a huge page are left alone.
#pragma once

#include <sys/mman.h>

#include <cstddef>
#include <cstdint>
#include <new>
#include <type_traits>

namespace ringdump {

enum class Pages { small, huge };

template <typename T>
class LazyArray {
    static_assert(std::is_trivially_destructible_v<T>, "elements are never destroyed");

  public:
    static constexpr std::size_t kHugePage = std::size_t{2} << 20;

    explicit LazyArray(std::size_t size, Pages pages = Pages::small) : size_(size) {
        if (size_ == 0) return;
        const bool huge = pages == Pages::huge && bytes() >= kHugePage;
        // For huge pages: map a huge page more, keep exactly bytes() from a 2 MiB boundary on,
        // give the rest back. The mapping ends with the array, so a huge page never extends past
        // it (a last partial 2 MiB stays in small pages) and resident memory stays within bytes().
        const std::size_t reserve = huge ? bytes() + kHugePage : bytes();
        void* memory = ::mmap(nullptr, reserve, PROT_READ | PROT_WRITE,
                              MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (memory == MAP_FAILED) throw std::bad_alloc();
        auto* start = static_cast<std::uint8_t*>(memory);
        if (huge) {
            const std::uintptr_t address = reinterpret_cast<std::uintptr_t>(start);
            const std::size_t head = (kHugePage - address % kHugePage) % kHugePage;
            if (head != 0) ::munmap(start, head);
            const std::size_t tail = reserve - head - bytes();
            if (tail != 0) ::munmap(start + head + bytes(), tail);
            start += head;
            ::madvise(start, bytes(), MADV_HUGEPAGE);  // a hint: failure changes nothing
        }
        data_ = reinterpret_cast<T*>(start);
    }
    ~LazyArray() {
        if (data_ != nullptr) ::munmap(data_, bytes());
    }
    LazyArray(const LazyArray&) = delete;
    LazyArray& operator=(const LazyArray&) = delete;

    T& operator[](std::size_t i) { return data_[i]; }
    const T& operator[](std::size_t i) const { return data_[i]; }
    T* data() { return data_; }
    const T* data() const { return data_; }
    std::size_t size() const { return size_; }
    std::size_t bytes() const { return size_ * sizeof(T); }

  private:
    T* data_ = nullptr;
    std::size_t size_;
};

}  // namespace ringdump
