// SPDX-License-Identifier: BSD-2-Clause
#include "ringdump/sink.h"

#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "ringdump/error.h"

namespace ringdump {
namespace {

// A bigger pipe buffer lets the writer hand over more per wake-up of a slow reader. 1 MiB is
// the default /proc/sys/fs/pipe-max-size, so unprivileged processes may ask for it.
constexpr int kPipeBytes = 1 << 20;

}  // namespace

Sink Sink::open(const std::string& path) {
    if (path == "-") return Sink(STDOUT_FILENO, false, "standard output");
    struct stat info {};
    int fd;
    if (::stat(path.c_str(), &info) == 0 && S_ISFIFO(info.st_mode)) {
        fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    } else {
        fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    }
    if (fd < 0) {
        const int error = errno;
        throw Error(ErrorKind::io, path + ": cannot open for writing: " + errno_text(error) +
                                       "; choose a path you can write to");
    }
    return Sink(fd, true, path);
}

Sink::Sink(int fd, bool owns_fd, std::string name)
    : fd_(fd), owns_fd_(owns_fd), name_(std::move(name)) {
    struct stat info {};
    if (::fstat(fd_, &info) == 0 && S_ISFIFO(info.st_mode)) {
        is_pipe_ = true;
        if (::fcntl(fd_, F_GETPIPE_SZ) < kPipeBytes) ::fcntl(fd_, F_SETPIPE_SZ, kPipeBytes);
    }
}

Sink::Sink(Sink&& other) noexcept
    : fd_(other.fd_),
      owns_fd_(other.owns_fd_),
      is_pipe_(other.is_pipe_),
      name_(std::move(other.name_)),
      bytes_written_(other.bytes_written_) {
    other.owns_fd_ = false;
}

Sink::~Sink() {
    if (owns_fd_) ::close(fd_);
}

bool Sink::write_all(iovec* iov, std::size_t count) {
    while (count > 0) {
        const int batch = static_cast<int>(std::min<std::size_t>(count, IOV_MAX));
        const ssize_t written = ::writev(fd_, iov, batch);
        if (written < 0) {
            const int error = errno;
            if (error == EINTR) continue;  // finish the block; the caller checks for a stop
            if (error == EAGAIN) {
                // Someone made the descriptor non-blocking (a shared stdout): wait for room.
                pollfd waiter{fd_, POLLOUT, 0};
                ::poll(&waiter, 1, -1);
                continue;
            }
            if (error == EPIPE) return false;
            throw Error(ErrorKind::io,
                        name_ + ": write failed: " + errno_text(error) +
                            (error == ENOSPC ? "; free some space or write elsewhere" : ""));
        }
        bytes_written_ += static_cast<std::uint64_t>(written);
        std::size_t left = static_cast<std::size_t>(written);
        while (count > 0 && left >= iov->iov_len) {
            left -= iov->iov_len;
            ++iov;
            --count;
        }
        if (count > 0 && left > 0) {
            iov->iov_base = static_cast<char*>(iov->iov_base) + left;
            iov->iov_len -= left;
        }
    }
    return true;
}

bool Sink::write_all(const void* data, std::size_t length) {
    iovec one{const_cast<void*>(data), length};
    return write_all(&one, 1);
}

}  // namespace ringdump
