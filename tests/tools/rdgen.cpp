// SPDX-License-Identifier: BSD-2-Clause
// rdgen: a bounded traffic generator for ringdump's tests and benchmarks.
//
//   rdgen udp --dst 198.18.0.2 --port 9000 [--src-port P] --count N [--rate PPS] [--size BYTES]
//             [--linger S]
//   rdgen raw --interface IF --dst-mac MAC --src IP --dst IP --count N [--rate PPS] [--size BYTES]
//   rdgen tun --interface TUN [--max-seconds S]
//
// "udp" sends through the kernel's UDP stack from a socket bound to --src-port (default: --port),
// so the peer's packets to that port land in a socket instead of provoking ICMP errors; with
// --count 0 and --linger it is just such a sink. "raw" writes whole
// Ethernet frames with AF_PACKET, for load without the stack's cost; sent to a MAC that is not
// the receiver's, they are seen by every tap and then dropped as PACKET_OTHERHOST.
//
// "tun" attaches to an existing tun device (ip tuntap add) and reads and discards what the
// kernel sends out through it: a tun without a reader has no carrier and drops every packet
// before any packet socket sees it. It prints "attached" once the device has its reader.
//
// Every payload starts with the magic "RDGEN\0\0\1" and a 64-bit sequence number, so a capture
// can be checked packet by packet. Sending stops after --count packets or --max-seconds
// (default 60), whichever comes first. The result goes to stdout as "sent N packets in S s".
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <linux/if_tun.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace {

constexpr std::size_t kBatch = 64;
constexpr char kMagic[8] = {'R', 'D', 'G', 'E', 'N', 0, 0, 1};

struct Options {
    std::string mode;
    std::string dst, src, interface, dst_mac;
    unsigned port = 9000;
    unsigned src_port = 0;  // 0: same as port
    std::uint64_t count = 1000;
    double rate = 0;        // packets per second, 0 = as fast as possible
    std::size_t size = 64;  // UDP payload bytes (raw: whole frame bytes)
    double max_seconds = 60;
    double linger = 0;
    std::uint64_t first_sequence = 0;
};

[[noreturn]] void die(const std::string& message) {
    std::fprintf(stderr, "rdgen: %s\n", message.c_str());
    std::exit(2);
}

double now_seconds() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

template <typename T>
T number(std::string_view name, std::string_view text) {
    T value{};
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size()) {
        die("bad value '" + std::string(text) + "' for " + std::string(name));
    }
    return value;
}

Options parse(int argc, char** argv) {
    if (argc < 2) die("usage: rdgen udp|raw [options]; see the comment at the top of rdgen.cpp");
    Options options;
    options.mode = argv[1];
    for (int i = 2; i < argc; ++i) {
        std::string_view name = argv[i];
        if (i + 1 >= argc) die("option " + std::string(name) + " needs a value");
        std::string_view value = argv[++i];
        if (name == "--dst")
            options.dst = value;
        else if (name == "--src")
            options.src = value;
        else if (name == "--interface")
            options.interface = value;
        else if (name == "--dst-mac")
            options.dst_mac = value;
        else if (name == "--port")
            options.port = number<unsigned>(name, value);
        else if (name == "--src-port")
            options.src_port = number<unsigned>(name, value);
        else if (name == "--count")
            options.count = number<std::uint64_t>(name, value);
        else if (name == "--rate")
            options.rate = number<double>(name, value);
        else if (name == "--size")
            options.size = number<std::size_t>(name, value);
        else if (name == "--max-seconds")
            options.max_seconds = number<double>(name, value);
        else if (name == "--linger")
            options.linger = number<double>(name, value);
        else if (name == "--first-sequence")
            options.first_sequence = number<std::uint64_t>(name, value);
        else
            die("unknown option " + std::string(name));
    }
    if (options.max_seconds <= 0 || options.max_seconds > 3600) die("--max-seconds must be 0-3600");
    return options;
}

// Waits until packet number `sent` is due at the requested rate.
void pace(const Options& options, double start, std::uint64_t sent) {
    if (options.rate <= 0) return;
    const double due = start + static_cast<double>(sent) / options.rate;
    for (;;) {
        const double left = due - now_seconds();
        if (left <= 0) return;
        if (left > 200e-6) {
            timespec pause{0, static_cast<long>((left - 100e-6) * 1e9)};
            nanosleep(&pause, nullptr);
        }
    }
}

void stamp(std::uint8_t* payload, std::size_t size, std::uint64_t sequence) {
    if (size >= 16) {
        std::memcpy(payload, kMagic, 8);
        std::memcpy(payload + 8, &sequence, 8);
    }
}

std::uint16_t checksum(const void* data, std::size_t length) {
    const auto* bytes = static_cast<const std::uint8_t*>(data);
    std::uint32_t sum = 0;
    for (std::size_t i = 0; i + 1 < length; i += 2)
        sum += static_cast<std::uint32_t>(bytes[i] << 8 | bytes[i + 1]);
    if (length & 1) sum += static_cast<std::uint32_t>(bytes[length - 1] << 8);
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return htons(static_cast<std::uint16_t>(~sum));
}

// Sends count frames described by `frames` (one buffer per batch slot), restamping sequences.
std::uint64_t send_loop(int fd, const Options& options,
                        std::vector<std::vector<std::uint8_t>>& frames, std::size_t payload_offset,
                        sockaddr* to, socklen_t to_length) {
    std::vector<iovec> iov(kBatch);
    std::vector<mmsghdr> messages(kBatch);
    const double start = now_seconds();
    std::uint64_t sent = 0;
    while (sent < options.count && now_seconds() - start < options.max_seconds) {
        const std::size_t batch =
            static_cast<std::size_t>(std::min<std::uint64_t>(kBatch, options.count - sent));
        pace(options, start, sent + batch - 1);
        for (std::size_t i = 0; i < batch; ++i) {
            std::vector<std::uint8_t>& frame = frames[i];
            stamp(frame.data() + payload_offset, frame.size() - payload_offset,
                  options.first_sequence + sent + i);
            iov[i] = {frame.data(), frame.size()};
            messages[i] = {};
            messages[i].msg_hdr.msg_iov = &iov[i];
            messages[i].msg_hdr.msg_iovlen = 1;
            messages[i].msg_hdr.msg_name = to;
            messages[i].msg_hdr.msg_namelen = to_length;
        }
        const int done = sendmmsg(fd, messages.data(), static_cast<unsigned>(batch), 0);
        if (done < 0) {
            if (errno == ENOBUFS || errno == EAGAIN || errno == EINTR) continue;
            die(std::string("send failed: ") + std::strerror(errno));
        }
        sent += static_cast<std::uint64_t>(done);
    }
    const double elapsed = now_seconds() - start;
    std::printf("sent %llu packets in %.3f s (%.0f pps)\n", static_cast<unsigned long long>(sent),
                elapsed, elapsed > 0 ? static_cast<double>(sent) / elapsed : 0.0);
    std::fflush(stdout);
    return sent;
}

int run_udp(const Options& options) {
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(static_cast<std::uint16_t>(options.port));
    if (inet_pton(AF_INET, options.dst.c_str(), &to.sin_addr) != 1)
        die("--dst needs an IPv4 address");
    const int fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0) die(std::string("socket: ") + std::strerror(errno));
    const int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in local{};
    local.sin_family = AF_INET;
    local.sin_port =
        htons(static_cast<std::uint16_t>(options.src_port ? options.src_port : options.port));
    if (bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0) {
        die(std::string("bind to port ") + std::to_string(ntohs(local.sin_port)) + ": " +
            std::strerror(errno));
    }
    std::vector<std::vector<std::uint8_t>> frames(kBatch,
                                                  std::vector<std::uint8_t>(options.size, 0x5a));
    send_loop(fd, options, frames, 0, reinterpret_cast<sockaddr*>(&to), sizeof to);
    if (options.linger > 0) {
        timespec pause{
            static_cast<time_t>(options.linger),
            static_cast<long>(
                (options.linger - static_cast<double>(static_cast<time_t>(options.linger))) * 1e9)};
        nanosleep(&pause, nullptr);
    }
    close(fd);
    return 0;
}

int run_raw(const Options& options) {
    const unsigned ifindex = if_nametoindex(options.interface.c_str());
    if (ifindex == 0) die("--interface " + options.interface + ": no such interface");
    std::uint8_t dst_mac[6];
    if (std::sscanf(options.dst_mac.c_str(), "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &dst_mac[0],
                    &dst_mac[1], &dst_mac[2], &dst_mac[3], &dst_mac[4], &dst_mac[5]) != 6) {
        die("--dst-mac needs aa:bb:cc:dd:ee:ff");
    }
    in_addr src{}, dst{};
    if (inet_pton(AF_INET, options.src.c_str(), &src) != 1 ||
        inet_pton(AF_INET, options.dst.c_str(), &dst) != 1) {
        die("--src and --dst need IPv4 addresses");
    }
    const std::size_t headers = sizeof(ether_header) + sizeof(iphdr) + sizeof(udphdr);
    const std::size_t frame_size = std::max(options.size, headers + 16);
    std::vector<std::uint8_t> frame(frame_size, 0x5a);
    // Clean headers (TOS, ID, fragment offset, UDP checksum 0): filler there would make every
    // frame a non-first IPv4 fragment, which no decoder takes for UDP.
    std::fill(frame.begin(), frame.begin() + static_cast<std::ptrdiff_t>(headers), 0);
    auto* ethernet = reinterpret_cast<ether_header*>(frame.data());
    std::memcpy(ethernet->ether_dhost, dst_mac, 6);
    const std::uint8_t src_mac[6] = {0x02, 0x52, 0x44, 0x47, 0x45, 0x4e};
    std::memcpy(ethernet->ether_shost, src_mac, 6);
    ethernet->ether_type = htons(ETHERTYPE_IP);
    auto* ip = reinterpret_cast<iphdr*>(frame.data() + sizeof(ether_header));
    ip->version = 4;
    ip->ihl = 5;
    ip->ttl = 64;
    ip->protocol = IPPROTO_UDP;
    ip->tot_len = htons(static_cast<std::uint16_t>(frame_size - sizeof(ether_header)));
    ip->saddr = src.s_addr;
    ip->daddr = dst.s_addr;
    ip->check = checksum(ip, sizeof(iphdr));
    auto* udp = reinterpret_cast<udphdr*>(frame.data() + sizeof(ether_header) + sizeof(iphdr));
    udp->source = htons(static_cast<std::uint16_t>(options.port));
    udp->dest = htons(static_cast<std::uint16_t>(options.port));
    udp->len = htons(static_cast<std::uint16_t>(frame_size - sizeof(ether_header) - sizeof(iphdr)));
    const int fd = socket(AF_PACKET, SOCK_RAW, 0);
    if (fd < 0) die(std::string("packet socket: ") + std::strerror(errno));
    sockaddr_ll to{};
    to.sll_family = AF_PACKET;
    to.sll_ifindex = static_cast<int>(ifindex);
    to.sll_halen = 6;
    std::memcpy(to.sll_addr, dst_mac, 6);
    std::vector<std::vector<std::uint8_t>> frames(kBatch, frame);
    send_loop(fd, options, frames, headers, reinterpret_cast<sockaddr*>(&to), sizeof to);
    close(fd);
    return 0;
}

int run_tun(const Options& options) {
    const int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
    if (fd < 0) die(std::string("/dev/net/tun: ") + std::strerror(errno));
    ifreq request{};
    request.ifr_flags = IFF_TUN | IFF_NO_PI;
    options.interface.copy(request.ifr_name, IFNAMSIZ - 1);
    if (ioctl(fd, TUNSETIFF, &request) != 0) {
        die("attach to tun " + options.interface + ": " + std::strerror(errno));
    }
    std::printf("attached\n");
    std::fflush(stdout);
    const double start = now_seconds();
    static std::uint8_t buffer[65536];
    while (now_seconds() - start < options.max_seconds) {
        pollfd waiter{fd, POLLIN, 0};
        if (poll(&waiter, 1, 100) > 0 && read(fd, buffer, sizeof buffer) < 0 && errno != EINTR)
            break;
    }
    close(fd);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    const Options options = parse(argc, argv);
    if (options.mode == "udp") return run_udp(options);
    if (options.mode == "raw") return run_raw(options);
    if (options.mode == "tun") return run_tun(options);
    die("mode must be udp, raw or tun");
}
