// SPDX-License-Identifier: BSD-2-Clause
// Where pcapng bytes go: a file, standard output, a pipe or Wireshark's FIFO. A sink writes
// whole iovec batches with writev and hides partial writes and EINTR, so a block is never torn
// by a signal.
#pragma once

#include <sys/uio.h>

#include <cstddef>
#include <cstdint>
#include <string>

namespace ringdump {

class Sink {
  public:
    // Opens a destination: "-" is standard output; an existing FIFO is opened for writing
    // (blocking until a reader is there, as Wireshark's is); anything else is created or
    // truncated as a regular file. Throws Error naming the path on failure.
    static Sink open(const std::string& path);

    // Wraps an open descriptor; the sink closes it only if owns_fd.
    Sink(int fd, bool owns_fd, std::string name);
    Sink(Sink&& other) noexcept;
    Sink& operator=(Sink&&) = delete;
    Sink(const Sink&) = delete;
    ~Sink();

    // Writes all bytes described by iov[0..count), in as many writev calls as it takes. The
    // array is modified. Returns false if the reader went away (EPIPE): a normal end of capture.
    // Throws Error for any other failure.
    bool write_all(iovec* iov, std::size_t count);
    bool write_all(const void* data, std::size_t length);

    int fd() const { return fd_; }
    bool is_pipe() const { return is_pipe_; }
    const std::string& name() const { return name_; }
    std::uint64_t bytes_written() const { return bytes_written_; }

  private:
    int fd_;
    bool owns_fd_;
    bool is_pipe_ = false;
    std::string name_;
    std::uint64_t bytes_written_ = 0;
};

}  // namespace ringdump
