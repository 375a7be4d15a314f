// SPDX-License-Identifier: BSD-2-Clause
// Real networks for tests: two network namespaces joined by a veth pair (tests/lib/testnet.sh
// makes them, so shell and C++ tests share one definition), code run inside a namespace, UDP
// traffic stamped with sequence numbers, and a capture running in the background.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "pcapng_reader.h"
#include "ringdump/capture.h"
#include "ringdump/sink.h"
#include "ringdump/source.h"

namespace ringdump::test {

// Why tests that need root and network namespaces cannot run here; nullopt when they can.
std::optional<std::string> netns_unavailable_reason();

#define RINGDUMP_SKIP_WITHOUT_NETNS()                                         \
    do {                                                                      \
        if (auto reason = ::ringdump::test::netns_unavailable_reason()) {     \
            GTEST_SKIP() << "needs root and network namespaces: " << *reason; \
        }                                                                     \
    } while (0)

// Runs fn on a thread that has joined network namespace ns, and returns its result (or
// rethrows its exception). Sockets made there stay in that namespace.
template <typename F>
auto in_netns(const std::string& ns, F fn) -> decltype(fn());
void enter_netns(const std::string& ns);  // for the current thread; throws on failure

// Runs a shell command and returns its output; throws std::runtime_error with the output when
// it fails.
std::string shell(const std::string& command);

// ns "<prefix>-cap" with "<prefix>c" 198.18.0.1/24 02:00:00:00:00:01, ns "<prefix>-peer" with
// "<prefix>p" 198.18.0.2/24 02:00:00:00:00:02; static neighbours, IPv6 off. With queues > 1,
// both ends of the veth pair have that many RX and TX queues. Removed on destruction.
class TestNetwork {
  public:
    // prefix "rdi" + tag + pid digits
    explicit TestNetwork(const std::string& tag, unsigned queues = 1);
    ~TestNetwork();
    TestNetwork(const TestNetwork&) = delete;
    TestNetwork& operator=(const TestNetwork&) = delete;

    std::string cap_ns() const { return prefix_ + "-cap"; }
    std::string peer_ns() const { return prefix_ + "-peer"; }
    std::string cap_if() const { return prefix_ + "c"; }
    std::string peer_if() const { return prefix_ + "p"; }
    std::string in_cap(const std::string& command) const;  // shell command in the capture namespace
    std::string in_peer(const std::string& command) const;  // shell command in the peer namespace

  private:
    std::string prefix_;
};

// A UDP socket bound to port on every address of the namespace it is made in. Kept open as a
// sink, it stops the kernel from answering test traffic with ICMP errors.
class UdpSocket {
  public:
    explicit UdpSocket(std::uint16_t port);
    ~UdpSocket();
    UdpSocket(const UdpSocket&) = delete;
    UdpSocket& operator=(const UdpSocket&) = delete;
    // Sends count datagrams of payload_size bytes to address:port, each starting with
    // "RDGEN\0\0\1" and the 64-bit sequence number first_sequence + i. Paced to at most
    // rate_pps (0 = unpaced). Returns the number sent.
    std::uint64_t send(const std::string& address, std::uint16_t port, std::uint64_t count,
                       std::size_t payload_size = 64, double rate_pps = 200000,
                       std::uint64_t first_sequence = 0);
    int fd() const { return fd_; }

  private:
    int fd_ = -1;
};

// Sequence number of an rdgen/UdpSocket payload in an Ethernet+IPv4+UDP frame (or a raw IPv4
// one when ip_offset is 0); nullopt if the frame does not carry one.
std::optional<std::uint64_t> payload_sequence(const std::vector<std::uint8_t>& frame,
                                              std::size_t ip_offset = 14);

// A capture running on a background thread into an anonymous in-memory file.
class BackgroundCapture {
  public:
    BackgroundCapture(std::vector<std::unique_ptr<Source>> sources, StopConditions conditions,
                      Annotator* annotator = nullptr);
    ~BackgroundCapture();
    // Asks the capture to stop (as SIGINT would) and waits for it.
    CaptureResult stop();
    // Waits for the capture to end by itself, at most timeout; stops it after that.
    CaptureResult wait(std::chrono::milliseconds timeout);
    // The pcapng written so far, parsed (valid after stop or wait).
    ReadFile file() const;

  private:
    int memfd_;
    std::unique_ptr<Sink> sink_;
    std::unique_ptr<Capture> capture_;
    std::atomic<bool> stop_{false};
    std::future<CaptureResult> result_;
    std::optional<CaptureResult> finished_;
};

template <typename F>
auto in_netns(const std::string& ns, F fn) -> decltype(fn()) {
    std::packaged_task<decltype(fn())()> task([&ns, &fn] {
        enter_netns(ns);
        return fn();
    });
    auto result = task.get_future();
    std::thread(std::move(task)).join();
    return result.get();
}

}  // namespace ringdump::test
