// SPDX-License-Identifier: BSD-2-Clause
// A fixed-size array in anonymous memory: the kernel supplies zero-filled pages on first touch,
// so a table sized for its cap costs resident memory only for the part in use.
#pragma once

#include <sys/mman.h>

#include <cstddef>
#include <new>
#include <type_traits>

namespace ringdump {

template <typename T>
class LazyArray {
    static_assert(std::is_trivially_destructible_v<T>, "elements are never destroyed");

  public:
    explicit LazyArray(std::size_t size) : size_(size) {
        if (size_ == 0) return;
        void* memory = ::mmap(nullptr, bytes(), PROT_READ | PROT_WRITE,
                              MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (memory == MAP_FAILED) throw std::bad_alloc();
        data_ = static_cast<T*>(memory);
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
