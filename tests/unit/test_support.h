// SPDX-License-Identifier: BSD-2-Clause
// Small helpers shared by the unit tests: an in-memory file (memfd) to write pcapng into, a pipe,
// a temporary directory, and a byte-vector builder for expected bytes written by hand.
#pragma once

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <initializer_list>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace ringdump::test {

using Bytes = std::vector<std::uint8_t>;

// Writes to a closed pipe must fail with EPIPE instead of killing the test process.
inline void ignore_sigpipe() {
    std::signal(SIGPIPE, SIG_IGN);
}

// An anonymous in-memory file: what a Sink writes into it can be read back whole.
class MemFile {
  public:
    explicit MemFile(unsigned extra_flags = 0)
        : fd_(::memfd_create("ringdump-unit-test", MFD_CLOEXEC | extra_flags)) {
        if (fd_ < 0) throw std::runtime_error("memfd_create failed");
    }
    MemFile(const MemFile&) = delete;
    MemFile& operator=(const MemFile&) = delete;
    ~MemFile() { ::close(fd_); }

    int fd() const { return fd_; }

    Bytes contents() const {
        struct stat info {};
        if (::fstat(fd_, &info) != 0) throw std::runtime_error("fstat failed");
        Bytes bytes(static_cast<std::size_t>(info.st_size));
        std::size_t done = 0;
        while (done < bytes.size()) {
            const ssize_t n =
                ::pread(fd_, bytes.data() + done, bytes.size() - done, static_cast<off_t>(done));
            if (n <= 0) throw std::runtime_error("pread failed");
            done += static_cast<std::size_t>(n);
        }
        return bytes;
    }

  private:
    int fd_;
};

// A pipe whose ends can be closed (or handed over) one at a time.
class Pipe {
  public:
    explicit Pipe(int flags = O_CLOEXEC) {
        if (::pipe2(fds_, flags) != 0) throw std::runtime_error("pipe2 failed");
    }
    Pipe(const Pipe&) = delete;
    Pipe& operator=(const Pipe&) = delete;
    ~Pipe() {
        close_read();
        close_write();
    }

    int read_fd() const { return fds_[0]; }
    int write_fd() const { return fds_[1]; }
    void close_read() { close_end(0); }
    void close_write() { close_end(1); }
    // Gives up ownership of the write end (e.g. to a Sink that closes it).
    int release_write() {
        const int fd = fds_[1];
        fds_[1] = -1;
        return fd;
    }

  private:
    void close_end(int i) {
        if (fds_[i] >= 0) ::close(fds_[i]);
        fds_[i] = -1;
    }
    int fds_[2] = {-1, -1};
};

// A fresh directory under the test temp dir, removed with its contents.
class TempDir {
  public:
    TempDir() {
        std::string pattern = (std::filesystem::temp_directory_path() / "ringdump-unit-XXXXXX");
        if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
        path_ = pattern;
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    ~TempDir() {
        std::error_code ignored;
        std::filesystem::remove_all(path_, ignored);
    }
    const std::filesystem::path& path() const { return path_; }

  private:
    std::filesystem::path path_;
};

// Builds expected bytes field by field, multi-byte fields in host byte order (the order of the
// pcapng sections ringdump writes).
class ByteBuilder {
  public:
    ByteBuilder& u8(std::uint8_t v) {
        bytes_.push_back(v);
        return *this;
    }
    ByteBuilder& u16(std::uint16_t v) { return put(v); }
    ByteBuilder& u32(std::uint32_t v) { return put(v); }
    ByteBuilder& u64(std::uint64_t v) { return put(v); }
    ByteBuilder& i64(std::int64_t v) { return put(v); }
    ByteBuilder& raw(std::initializer_list<std::uint8_t> values) {
        bytes_.insert(bytes_.end(), values.begin(), values.end());
        return *this;
    }
    ByteBuilder& raw(const Bytes& values) {
        bytes_.insert(bytes_.end(), values.begin(), values.end());
        return *this;
    }
    ByteBuilder& text(std::string_view s) {
        bytes_.insert(bytes_.end(), s.begin(), s.end());
        return *this;
    }
    ByteBuilder& zeros(std::size_t n) {
        bytes_.insert(bytes_.end(), n, 0);
        return *this;
    }
    const Bytes& bytes() const { return bytes_; }
    std::size_t size() const { return bytes_.size(); }

  private:
    template <typename T>
    ByteBuilder& put(T v) {
        std::uint8_t raw_bytes[sizeof v];
        std::memcpy(raw_bytes, &v, sizeof v);
        bytes_.insert(bytes_.end(), raw_bytes, raw_bytes + sizeof v);
        return *this;
    }
    Bytes bytes_;
};

// First position where a and b differ (or the shorter size), for readable failure messages.
inline std::size_t first_difference(const Bytes& a, const Bytes& b) {
    std::size_t i = 0;
    while (i < a.size() && i < b.size() && a[i] == b[i])
        ++i;
    return i;
}

}  // namespace ringdump::test
