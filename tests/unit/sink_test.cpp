// SPDX-License-Identifier: BSD-2-Clause
// Sink: write_all delivers every byte in order through a slow pipe reader (partial writes,
// EAGAIN on a non-blocking pipe, more iovecs than IOV_MAX), returns false on EPIPE, throws Error
// on other write failures, and Sink::open errors name the path.
#include "ringdump/sink.h"

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

#include "ringdump/error.h"
#include "test_support.h"

namespace ringdump {
namespace {

using test::Bytes;
using ::testing::HasSubstr;

Bytes numbered_bytes(std::size_t size) {
    Bytes bytes(size);
    for (std::size_t i = 0; i < size; ++i) {
        bytes[i] = static_cast<std::uint8_t>((i * 131) ^ (i >> 8) ^ (i >> 16));
    }
    return bytes;
}

// Reads fd until EOF in small chunks, pausing now and then so the writer fills the pipe.
Bytes read_slowly(int fd, std::size_t chunk, int pause_every) {
    Bytes received;
    std::vector<std::uint8_t> buffer(chunk);
    for (int reads = 1;; ++reads) {
        const ssize_t n = ::read(fd, buffer.data(), buffer.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        received.insert(received.end(), buffer.begin(), buffer.begin() + n);
        if (reads % pause_every == 0) std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    return received;
}

// iovecs of irregular sizes (zero-length ones included) that cover data exactly.
std::vector<iovec> irregular_iovecs(Bytes& data) {
    std::vector<iovec> iov;
    std::size_t at = 0;
    for (std::size_t i = 0; at < data.size(); ++i) {
        const std::size_t want = i % 11 == 0 ? 0 : (i * 977) % 3001 + 1;
        const std::size_t size = std::min(want, data.size() - at);
        iov.push_back({data.data() + at, size});
        at += size;
    }
    return iov;
}

TEST(Sink, WriteAllThroughSlowPipeReaderKeepsEveryByteInOrder) {
    test::Pipe pipe;
    Bytes data = numbered_bytes(3 * 1024 * 1024 + 17);  // larger than the 1 MiB pipe buffer
    std::vector<iovec> iov = irregular_iovecs(data);
    ASSERT_GT(iov.size(), static_cast<std::size_t>(IOV_MAX));  // several writev calls

    Bytes received;
    std::thread reader([&] { received = read_slowly(pipe.read_fd(), 4093, 16); });
    {
        Sink sink(pipe.release_write(), true, "pipe");
        EXPECT_TRUE(sink.is_pipe());
        EXPECT_TRUE(sink.write_all(iov.data(), iov.size()));
        EXPECT_EQ(sink.bytes_written(), data.size());
    }  // closes the write end: the reader sees EOF
    reader.join();
    ASSERT_EQ(received.size(), data.size());
    EXPECT_TRUE(received == data) << "first difference at "
                                  << test::first_difference(received, data);
}

TEST(Sink, WriteAllOnNonBlockingPipeHandlesPartialWritesAndEagain) {
    test::Pipe pipe(O_CLOEXEC | O_NONBLOCK);
    // The reader blocks: only the write end is non-blocking.
    const int flags = ::fcntl(pipe.read_fd(), F_GETFL);
    ASSERT_EQ(::fcntl(pipe.read_fd(), F_SETFL, flags & ~O_NONBLOCK), 0);
    Bytes data = numbered_bytes(4 * 1024 * 1024 + 3);
    std::vector<iovec> iov = irregular_iovecs(data);

    Bytes received;
    std::thread reader([&] { received = read_slowly(pipe.read_fd(), 1000, 8); });
    {
        Sink sink(pipe.release_write(), true, "non-blocking pipe");
        EXPECT_TRUE(sink.write_all(iov.data(), iov.size()));
        // And the single-buffer form.
        const Bytes tail = {1, 2, 3, 4, 5};
        EXPECT_TRUE(sink.write_all(tail.data(), tail.size()));
        EXPECT_EQ(sink.bytes_written(), data.size() + tail.size());
    }
    reader.join();
    data.insert(data.end(), {1, 2, 3, 4, 5});
    ASSERT_EQ(received.size(), data.size());
    EXPECT_TRUE(received == data) << "first difference at "
                                  << test::first_difference(received, data);
}

TEST(Sink, WriteAllReturnsFalseWhenTheReaderIsGone) {
    test::ignore_sigpipe();
    test::Pipe pipe;
    pipe.close_read();
    Sink sink(pipe.write_fd(), false, "pipe");
    const Bytes data = numbered_bytes(100);
    bool result = true;
    EXPECT_NO_THROW(result = sink.write_all(data.data(), data.size()));
    EXPECT_FALSE(result);
    Bytes copy = data;
    iovec iov[2] = {{copy.data(), 50}, {copy.data() + 50, 50}};
    EXPECT_NO_THROW(result = sink.write_all(iov, 2));
    EXPECT_FALSE(result);
}

TEST(Sink, WriteAllReturnsFalseWhenTheReaderLeavesMidWrite) {
    test::ignore_sigpipe();
    test::Pipe pipe;
    std::thread reader([&] {
        std::vector<std::uint8_t> buffer(4096);
        ssize_t n = 0;
        do {
            n = ::read(pipe.read_fd(), buffer.data(), buffer.size());
        } while (n < 0 && errno == EINTR);
        pipe.close_read();
    });
    Sink sink(pipe.write_fd(), false, "pipe");
    const Bytes data = numbered_bytes(8 * 1024 * 1024);  // cannot fit in the pipe
    bool result = true;
    EXPECT_NO_THROW(result = sink.write_all(data.data(), data.size()));
    reader.join();
    EXPECT_FALSE(result);
    EXPECT_LT(sink.bytes_written(), data.size());
}

TEST(Sink, OtherWriteFailuresThrowErrorNamingTheSink) {
    test::Pipe pipe;
    Sink sink(pipe.read_fd(), false, "read-end-of-pipe");  // writing there fails with EBADF
    const Bytes data = {1, 2, 3};
    try {
        sink.write_all(data.data(), data.size());
        FAIL() << "write_all did not throw";
    } catch (const Error& error) {
        EXPECT_EQ(error.kind(), ErrorKind::io);
        EXPECT_THAT(error.what(), HasSubstr("read-end-of-pipe"));
    }
}

TEST(Sink, OpenInMissingDirectoryThrowsErrorNamingThePath) {
    test::TempDir dir;
    const std::string path = (dir.path() / "no-such-directory" / "capture.pcapng").string();
    try {
        Sink sink = Sink::open(path);
        FAIL() << "Sink::open did not throw";
    } catch (const Error& error) {
        EXPECT_EQ(error.kind(), ErrorKind::io);
        EXPECT_THAT(error.what(), HasSubstr(path));
        EXPECT_THAT(error.what(), HasSubstr(std::strerror(ENOENT)));
    }
}

TEST(Sink, OpenCreatesAndTruncatesARegularFile) {
    test::TempDir dir;
    const std::filesystem::path path = dir.path() / "out.pcapng";
    {
        std::ofstream old(path);
        old << "old contents that must disappear";
    }
    {
        Sink sink = Sink::open(path.string());
        EXPECT_FALSE(sink.is_pipe());
        EXPECT_EQ(sink.name(), path.string());
        const std::string text = "new";
        EXPECT_TRUE(sink.write_all(text.data(), text.size()));
        Sink moved(std::move(sink));  // the moved-to sink owns (and closes) the descriptor
        EXPECT_TRUE(moved.write_all("!", 1));
    }
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    char contents[64] = {};
    const ssize_t n = ::read(fd, contents, sizeof contents);
    ::close(fd);
    EXPECT_EQ(std::string(contents, static_cast<std::size_t>(std::max<ssize_t>(n, 0))), "new!");
}

TEST(Sink, OpenDashIsStandardOutputAndLeavesItOpen) {
    {
        const Sink sink = Sink::open("-");
        EXPECT_EQ(sink.fd(), STDOUT_FILENO);
        EXPECT_EQ(sink.name(), "standard output");
    }
    EXPECT_NE(::fcntl(STDOUT_FILENO, F_GETFD), -1) << "the sink closed standard output";
}

TEST(Sink, OpenExistingFifoWaitsForTheReaderAndIsAPipe) {
    test::TempDir dir;
    const std::string path = (dir.path() / "fifo").string();
    ASSERT_EQ(::mkfifo(path.c_str(), 0600), 0);
    Bytes received;
    std::thread reader([&] {
        const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) return;
        received = read_slowly(fd, 512, 1000);
        ::close(fd);
    });
    {
        Sink sink = Sink::open(path);
        EXPECT_TRUE(sink.is_pipe());
        const Bytes data = numbered_bytes(10000);
        EXPECT_TRUE(sink.write_all(data.data(), data.size()));
    }
    reader.join();
    EXPECT_EQ(received, numbered_bytes(10000));
    // Opening did not replace the FIFO with a regular file.
    struct stat info {};
    ASSERT_EQ(::stat(path.c_str(), &info), 0);
    EXPECT_TRUE(S_ISFIFO(info.st_mode));
}

}  // namespace
}  // namespace ringdump
