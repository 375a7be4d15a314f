// SPDX-License-Identifier: BSD-2-Clause
#include "test_network.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <stdexcept>

#include "ringdump/pcapng_writer.h"
#include "ringdump/system_info.h"

namespace ringdump::test {
namespace {

constexpr char kMagic[8] = {'R', 'D', 'G', 'E', 'N', 0, 0, 1};

std::string testnet_script() {
    return std::string(RINGDUMP_SOURCE_DIR) + "/tests/lib/testnet.sh";
}

}  // namespace

std::optional<std::string> netns_unavailable_reason() {
    if (::geteuid() != 0) return "not running as root";
    if (::access("/proc/self/ns/net", R_OK) != 0) return "no network namespace support";
    if (std::system("command -v ip >/dev/null 2>&1") != 0)
        return "the ip command (iproute2) is missing";
    static const std::optional<std::string> probe = []() -> std::optional<std::string> {
        const std::string name = "rdprobe" + std::to_string(::getpid());
        if (std::system(("ip netns add " + name + " 2>/dev/null").c_str()) != 0) {
            return "cannot create a network namespace";
        }
        std::system(("ip netns del " + name).c_str());
        return std::nullopt;
    }();
    return probe;
}

void enter_netns(const std::string& ns) {
    const std::string path = "/var/run/netns/" + ns;
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw std::runtime_error("cannot open " + path + ": " + std::strerror(errno));
    const int joined = ::setns(fd, CLONE_NEWNET);
    const int error = errno;
    ::close(fd);
    if (joined != 0) throw std::runtime_error("setns " + ns + ": " + std::strerror(error));
}

std::string shell(const std::string& command) {
    const std::string wrapped = command + " 2>&1";
    FILE* pipe = ::popen(wrapped.c_str(), "r");
    if (pipe == nullptr) throw std::runtime_error("cannot run: " + command);
    std::string output;
    char buffer[512];
    while (std::fgets(buffer, sizeof buffer, pipe) != nullptr)
        output += buffer;
    const int status = ::pclose(pipe);
    if (status != 0) throw std::runtime_error("command failed: " + command + "\n" + output);
    return output;
}

TestNetwork::TestNetwork(const std::string& tag, unsigned queues)
    : prefix_("rdi" + tag + std::to_string(::getpid() % 10000)) {
    if (prefix_.size() > 12) throw std::logic_error("test network tag too long: " + tag);
    shell("bash -c 'source " + testnet_script() + " && testnet_up " + prefix_ + " " +
          std::to_string(queues) + "'");
}

TestNetwork::~TestNetwork() {
    std::system(
        ("bash -c 'source " + testnet_script() + " && testnet_down " + prefix_ + "'").c_str());
}

std::string TestNetwork::in_cap(const std::string& command) const {
    return shell("ip netns exec " + cap_ns() + " sh -c '" + command + "'");
}

std::string TestNetwork::in_peer(const std::string& command) const {
    return shell("ip netns exec " + peer_ns() + " sh -c '" + command + "'");
}

UdpSocket::UdpSocket(std::uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) throw std::runtime_error(std::string("udp socket: ") + std::strerror(errno));
    sockaddr_in local{};
    local.sin_family = AF_INET;
    local.sin_port = htons(port);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0) {
        throw std::runtime_error("bind udp port " + std::to_string(port) + ": " +
                                 std::strerror(errno));
    }
}

UdpSocket::~UdpSocket() {
    if (fd_ >= 0) ::close(fd_);
}

std::uint64_t UdpSocket::send(const std::string& address, std::uint16_t port, std::uint64_t count,
                              std::size_t payload_size, double rate_pps,
                              std::uint64_t first_sequence) {
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(port);
    if (::inet_pton(AF_INET, address.c_str(), &to.sin_addr) != 1) {
        throw std::invalid_argument("not an IPv4 address: " + address);
    }
    std::vector<std::uint8_t> payload(std::max<std::size_t>(payload_size, 16), 0x5a);
    std::memcpy(payload.data(), kMagic, sizeof kMagic);
    using Clock = std::chrono::steady_clock;
    const auto start = Clock::now();
    std::uint64_t sent = 0;
    while (sent < count) {
        if (rate_pps > 0) {
            const auto due =
                start + std::chrono::duration<double>(static_cast<double>(sent) / rate_pps);
            while (Clock::now() < due) {
            }
        }
        const std::uint64_t sequence = first_sequence + sent;
        std::memcpy(payload.data() + 8, &sequence, sizeof sequence);
        if (::sendto(fd_, payload.data(), payload.size(), 0, reinterpret_cast<sockaddr*>(&to),
                     sizeof to) < 0) {
            if (errno == ENOBUFS || errno == EAGAIN || errno == EINTR) continue;
            throw std::runtime_error(std::string("sendto: ") + std::strerror(errno));
        }
        ++sent;
    }
    return sent;
}

std::optional<std::uint64_t> payload_sequence(const std::vector<std::uint8_t>& frame,
                                              std::size_t ip_offset) {
    if (frame.size() < ip_offset + 20) return std::nullopt;
    const std::size_t ip_header = (frame[ip_offset] & 0x0f) * 4u;
    const std::size_t payload = ip_offset + ip_header + 8;
    if (frame.size() < payload + 16 || frame[ip_offset + 9] != 17) return std::nullopt;
    if (std::memcmp(frame.data() + payload, kMagic, sizeof kMagic) != 0) return std::nullopt;
    std::uint64_t sequence;
    std::memcpy(&sequence, frame.data() + payload + 8, sizeof sequence);
    return sequence;
}

BackgroundCapture::BackgroundCapture(std::vector<std::unique_ptr<Source>> sources,
                                     StopConditions conditions, Annotator* annotator) {
    memfd_ = ::memfd_create("ringdump-test-capture", MFD_CLOEXEC);
    if (memfd_ < 0) throw std::runtime_error(std::string("memfd_create: ") + std::strerror(errno));
    sink_ = std::make_unique<Sink>(memfd_, false, "memory");
    capture_ =
        std::make_unique<Capture>(std::move(sources), *sink_,
                                  SectionInfo{"test hardware", os_description(), "ringdump tests"});
    capture_->set_annotator(annotator);
    result_ = std::async(std::launch::async,
                         [this, conditions] { return capture_->run(conditions, stop_); });
}

BackgroundCapture::~BackgroundCapture() {
    if (!finished_) stop();
    ::close(memfd_);
}

CaptureResult BackgroundCapture::stop() {
    if (!finished_) {
        stop_.store(true);
        finished_ = result_.get();
    }
    return *finished_;
}

CaptureResult BackgroundCapture::wait(std::chrono::milliseconds timeout) {
    if (!finished_ && result_.wait_for(timeout) == std::future_status::ready) {
        finished_ = result_.get();
    }
    return stop();
}

ReadFile BackgroundCapture::file() const {
    return read_pcapng(read_all(memfd_));
}

}  // namespace ringdump::test
