// SPDX-License-Identifier: BSD-2-Clause
// rdrelay: a seeded impairment relay between two tun devices, with a capture tap between two
// impairment stages, and the bounded TCP bulk sender and receiver that run across it. This
// kernel has no netem; this gives drop, duplication and reordering that repeat from a seed.
//
//   rdrelay relay --a [NETNS/]TUN --b [NETNS/]TUN [--tap [NETNS/]TUN] [--seed N]
//                 [--drop P] [--dup P] [--reorder P]                  stage "pre" (before the tap)
//                 [--post-drop P] [--post-dup P] [--post-reorder P]  stage "post" (after the tap)
//                 [--tap-drop P] [--reorder-depth K] [--reorder-ms T] [--max-seconds S]
//   rdrelay receive --listen IP --port P --bytes N [--mss M] [--max-seconds S]
//   rdrelay send --dst IP --port P --bytes N [--mss M] [--max-seconds S]
//
// relay: attaches to existing tun devices (`ip tuntap add ... mode tun`; NETNS/ is a name under
// /run/netns, entered with setns only to attach, so one process serves tuns in different
// namespaces) and moves every IP packet read from --a to --b and from --b to --a through
//
//     read ──► pre stage ──► tap ──► post stage ──► write to the other tun
//               drop/dup/     copy to --tap     drop/dup/
//               reorder       (unless tap-drop) reorder
//
// The tap is a third tun, in a namespace of its own that drops what it receives: the one point
// of the path where a capture (ringdump -i TAP) sees the traffic, like a mirror port. Loss in
// the pre stage is loss the capture sees as a hole (and the receiver never gets); loss in the
// post stage is loss after the capture point (captured, then retransmitted); --tap-drop is loss
// of the capture alone (the receiver gets the packet and acknowledges bytes the capture never
// saw). Per stage and packet: with probability P(drop) the packet is dropped; otherwise with
// probability P(reorder) it is held and released after the next K packets the stage forwards in
// that direction or after T ms, whichever comes first (at most 16 held per stage); otherwise it
// is forwarded, and with probability P(dup) forwarded a second time right after. Every packet
// draws the same three numbers from its own generator (std::mt19937_64, seeded from --seed, the
// direction and the stage), so the n-th packet of a direction meets the same fate in every run
// with the same seed, whatever the other direction does. It prints "attached" when all tuns have
// their reader, runs until SIGINT/SIGTERM or --max-seconds (default 60), releases what it still
// holds, and prints one line of counters per direction.
//
// receive: listens on IP:PORT (SO_REUSEADDR), accepts one connection, reads until the peer
// closes and checks every byte against the pattern below; prints "listening" when ready and
// "received N bytes in S s: ok" at the end. Exit 0 only if exactly --bytes bytes matched.
// send: connects, writes --bytes bytes of the pattern, shuts down its side and waits for the
// receiver to close; prints "sent N bytes in S s". --mss sets TCP_MAXSEG (small segments give
// many packets per megabyte). Both give up after --max-seconds (default 60) and exit 1.
// The pattern: byte i is byte (i mod 8) of splitmix64(i / 8), so a shifted, repeated or
// misplaced byte is caught.
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace {

volatile std::sig_atomic_t g_stop = 0;
void on_signal(int) {
    g_stop = 1;
}

[[noreturn]] void die(const std::string& message) {
    std::fprintf(stderr, "rdrelay: %s\n", message.c_str());
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

double probability(std::string_view name, std::string_view text) {
    const double p = number<double>(name, text);
    if (!(p >= 0 && p <= 1)) die(std::string(name) + " must be a probability in 0..1");
    return p;
}

struct Impairment {
    double drop = 0, dup = 0, reorder = 0;
};

struct Options {
    std::string mode;
    // relay
    std::string a, b, tap;
    std::uint64_t seed = 1;
    Impairment pre, post;
    double tap_drop = 0;
    unsigned reorder_depth = 3;
    double reorder_ms = 5;
    // send / receive
    std::string address;
    unsigned port = 0;
    std::uint64_t bytes = 0;
    int mss = 0;
    double max_seconds = 60;
};

Options parse(int argc, char** argv) {
    if (argc < 2) die("usage: rdrelay relay|send|receive [options]; see the top of rdrelay.cpp");
    Options o;
    o.mode = argv[1];
    for (int i = 2; i < argc; ++i) {
        const std::string_view name = argv[i];
        if (i + 1 >= argc) die("option " + std::string(name) + " needs a value");
        const std::string_view value = argv[++i];
        if (name == "--a")
            o.a = value;
        else if (name == "--b")
            o.b = value;
        else if (name == "--tap")
            o.tap = value;
        else if (name == "--seed")
            o.seed = number<std::uint64_t>(name, value);
        else if (name == "--drop")
            o.pre.drop = probability(name, value);
        else if (name == "--dup")
            o.pre.dup = probability(name, value);
        else if (name == "--reorder")
            o.pre.reorder = probability(name, value);
        else if (name == "--post-drop")
            o.post.drop = probability(name, value);
        else if (name == "--post-dup")
            o.post.dup = probability(name, value);
        else if (name == "--post-reorder")
            o.post.reorder = probability(name, value);
        else if (name == "--tap-drop")
            o.tap_drop = probability(name, value);
        else if (name == "--reorder-depth")
            o.reorder_depth = number<unsigned>(name, value);
        else if (name == "--reorder-ms")
            o.reorder_ms = number<double>(name, value);
        else if (name == "--listen" || name == "--dst")
            o.address = value;
        else if (name == "--port")
            o.port = number<unsigned>(name, value);
        else if (name == "--bytes")
            o.bytes = number<std::uint64_t>(name, value);
        else if (name == "--mss")
            o.mss = number<int>(name, value);
        else if (name == "--max-seconds")
            o.max_seconds = number<double>(name, value);
        else
            die("unknown option " + std::string(name));
    }
    if (!(o.max_seconds > 0 && o.max_seconds <= 3600)) die("--max-seconds must be in (0, 3600]");
    if (o.reorder_depth < 1 || o.reorder_depth > 1000) die("--reorder-depth must be 1..1000");
    if (!(o.reorder_ms > 0 && o.reorder_ms <= 10000)) die("--reorder-ms must be in (0, 10000]");
    return o;
}

// ---------------------------------------------------------------------------------------------
// relay

// Opens /dev/net/tun and attaches to the tun SPEC ("[NETNS/]NAME"), entering NETNS for the
// attach only. The descriptor stays bound to the device whatever namespace the process is in.
int attach_tun(const std::string& spec) {
    std::string netns, name = spec;
    if (const auto slash = spec.find('/'); slash != std::string::npos) {
        netns = spec.substr(0, slash);
        name = spec.substr(slash + 1);
    }
    if (name.empty() || name.size() >= IFNAMSIZ) die("bad tun name in '" + spec + "'");
    int home = -1;
    if (!netns.empty()) {
        home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
        const int target = open(("/run/netns/" + netns).c_str(), O_RDONLY | O_CLOEXEC);
        if (home < 0 || target < 0) die("network namespace " + netns + ": " + std::strerror(errno));
        if (setns(target, CLONE_NEWNET) != 0) die("setns " + netns + ": " + std::strerror(errno));
        close(target);
    }
    const int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) die(std::string("/dev/net/tun: ") + std::strerror(errno));
    ifreq request{};
    request.ifr_flags = IFF_TUN | IFF_NO_PI;
    name.copy(request.ifr_name, IFNAMSIZ - 1);
    if (ioctl(fd, TUNSETIFF, &request) != 0) {
        die("attach to tun " + spec + ": " + std::strerror(errno));
    }
    if (home >= 0) {
        if (setns(home, CLONE_NEWNET) != 0) die(std::string("setns back: ") + std::strerror(errno));
        close(home);
    }
    return fd;
}

using Bytes = std::vector<std::uint8_t>;

struct Counters {
    std::uint64_t in = 0, dropped = 0, duplicated = 0, reordered = 0, out = 0;
};

// One impairment stage of one direction.
class Stage {
  public:
    static constexpr std::size_t kMaxHeld = 16;

    Stage(Impairment impairment, std::uint64_t seed, unsigned depth, double hold_seconds)
        : impairment_(impairment), rng_(seed), depth_(depth), hold_seconds_(hold_seconds) {}

    // Passes one packet through; emit(span) is called for every packet that leaves the stage.
    template <typename Emit>
    void push(std::span<const std::uint8_t> packet, double now, Emit&& emit) {
        ++counters_.in;
        const double u_drop = uniform(), u_reorder = uniform(), u_dup = uniform();
        if (u_drop < impairment_.drop) {
            ++counters_.dropped;
            return;
        }
        if (u_reorder < impairment_.reorder && held_.size() < kMaxHeld) {
            ++counters_.reordered;
            held_.push_back({Bytes(packet.begin(), packet.end()), depth_, now + hold_seconds_});
            return;
        }
        out(packet, emit);
        if (u_dup < impairment_.dup) {
            ++counters_.duplicated;
            out(packet, emit);
        }
        // The packet just forwarded counts towards the release of every held one.
        for (Held& held : held_)
            --held.after;
        release_if(emit, [](const Held& held) { return held.after == 0; });
    }

    // Releases the held packets whose time is up (all of them when flush).
    template <typename Emit>
    void expire(double now, bool flush, Emit&& emit) {
        release_if(emit, [&](const Held& held) { return flush || held.deadline <= now; });
    }

    // The earliest release time of a held packet, or a large number.
    double next_deadline() const {
        double next = 1e300;
        for (const Held& held : held_)
            next = std::min(next, held.deadline);
        return next;
    }

    const Counters& counters() const { return counters_; }

  private:
    struct Held {
        Bytes bytes;
        unsigned after;  // forwarded packets still to come before it is released
        double deadline;
    };

    double uniform() { return static_cast<double>(rng_() >> 11) * 0x1.0p-53; }

    template <typename Emit>
    void out(std::span<const std::uint8_t> packet, Emit& emit) {
        ++counters_.out;
        emit(packet);
    }

    // Releases, in the order they were held, the held packets for which due(held) is true. A
    // released packet does not count towards the release of the others.
    template <typename Emit, typename Due>
    void release_if(Emit& emit, Due due) {
        for (auto it = held_.begin(); it != held_.end();) {
            if (due(*it)) {
                const Bytes bytes = std::move(it->bytes);
                it = held_.erase(it);
                out(bytes, emit);
            } else {
                ++it;
            }
        }
    }

    Impairment impairment_;
    std::mt19937_64 rng_;
    unsigned depth_;
    double hold_seconds_;
    std::deque<Held> held_;
    Counters counters_;
};

// One direction: pre stage, tap, post stage, output.
class Direction {
  public:
    Direction(const Options& o, std::uint64_t index, int out_fd, int tap_fd)
        : pre_(o.pre, derive(o.seed, index, 1), o.reorder_depth, o.reorder_ms / 1000),
          post_(o.post, derive(o.seed, index, 2), o.reorder_depth, o.reorder_ms / 1000),
          tap_rng_(derive(o.seed, index, 3)),
          tap_drop_(o.tap_drop),
          out_fd_(out_fd),
          tap_fd_(tap_fd) {}

    void push(std::span<const std::uint8_t> packet, double now) {
        ++read_;
        pre_.push(packet, now, [&](std::span<const std::uint8_t> p) { tap_then_post(p, now); });
    }

    void expire(double now, bool flush) {
        pre_.expire(now, flush, [&](std::span<const std::uint8_t> p) { tap_then_post(p, now); });
        post_.expire(now, flush, [&](std::span<const std::uint8_t> p) { write_out(p); });
    }

    double next_deadline() const { return std::min(pre_.next_deadline(), post_.next_deadline()); }

    void report(const char* name) const {
        const Counters& a = pre_.counters();
        const Counters& b = post_.counters();
        std::printf(
            "%s: read %llu; pre: dropped %llu duplicated %llu reordered %llu; tap: copied %llu "
            "dropped %llu; post: dropped %llu duplicated %llu reordered %llu; written %llu, "
            "write errors %llu\n",
            name, ull(read_), ull(a.dropped), ull(a.duplicated), ull(a.reordered), ull(tapped_),
            ull(tap_dropped_), ull(b.dropped), ull(b.duplicated), ull(b.reordered), ull(written_),
            ull(write_errors_));
    }

  private:
    static unsigned long long ull(std::uint64_t v) { return static_cast<unsigned long long>(v); }

    static std::uint64_t derive(std::uint64_t seed, std::uint64_t direction, std::uint64_t stage) {
        std::seed_seq sequence{
            static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32),
            static_cast<std::uint32_t>(direction), static_cast<std::uint32_t>(stage)};
        std::array<std::uint32_t, 2> words{};
        sequence.generate(words.begin(), words.end());
        return (std::uint64_t{words[0]} << 32) | words[1];
    }

    void tap_then_post(std::span<const std::uint8_t> packet, double now) {
        const double u = static_cast<double>(tap_rng_() >> 11) * 0x1.0p-53;
        if (tap_fd_ >= 0) {
            if (u < tap_drop_) {
                ++tap_dropped_;
            } else if (write(tap_fd_, packet.data(), packet.size()) >= 0) {
                ++tapped_;
            } else {
                ++write_errors_;
            }
        }
        post_.push(packet, now, [&](std::span<const std::uint8_t> p) { write_out(p); });
    }

    void write_out(std::span<const std::uint8_t> packet) {
        if (write(out_fd_, packet.data(), packet.size()) >= 0) {
            ++written_;
        } else {
            ++write_errors_;
        }
    }

    Stage pre_, post_;
    std::mt19937_64 tap_rng_;
    double tap_drop_;
    int out_fd_, tap_fd_;
    std::uint64_t read_ = 0, tapped_ = 0, tap_dropped_ = 0, written_ = 0, write_errors_ = 0;
};

int run_relay(const Options& o) {
    if (o.a.empty() || o.b.empty()) die("relay needs --a and --b");
    const int fd_a = attach_tun(o.a);
    const int fd_b = attach_tun(o.b);
    const int fd_tap = o.tap.empty() ? -1 : attach_tun(o.tap);
    Direction ab(o, 1, fd_b, fd_tap), ba(o, 2, fd_a, fd_tap);
    std::printf("attached\n");
    std::fflush(stdout);

    const double end = now_seconds() + o.max_seconds;
    static std::array<std::uint8_t, 65536> buffer;
    while (g_stop == 0) {
        double now = now_seconds();
        if (now >= end) break;
        ab.expire(now, false);
        ba.expire(now, false);
        const double wake = std::min({end, ab.next_deadline(), ba.next_deadline(), now + 0.1});
        const int timeout_ms = static_cast<int>(std::max(0.0, (wake - now) * 1000.0) + 0.999);
        std::array<pollfd, 3> fds{pollfd{fd_a, POLLIN, 0}, pollfd{fd_b, POLLIN, 0},
                                  pollfd{fd_tap, POLLIN, 0}};
        const int ready = poll(fds.data(), fd_tap >= 0 ? 3 : 2, timeout_ms);
        if (ready < 0 && errno != EINTR) die(std::string("poll: ") + std::strerror(errno));
        if (ready <= 0) continue;
        for (std::size_t i = 0; i < 3; ++i) {
            if (fds[i].fd < 0 || (fds[i].revents & (POLLIN | POLLERR | POLLHUP)) == 0) continue;
            // A bounded batch per descriptor and round, so neither direction starves the other.
            for (int n = 0; n < 64; ++n) {
                const ssize_t got = read(fds[i].fd, buffer.data(), buffer.size());
                if (got <= 0) break;
                const std::span<const std::uint8_t> packet(buffer.data(),
                                                           static_cast<std::size_t>(got));
                now = now_seconds();
                if (i == 0) ab.push(packet, now);
                if (i == 1) ba.push(packet, now);
                // i == 2: whatever the tap's namespace sends out is discarded.
            }
        }
    }
    ab.expire(now_seconds(), true);
    ba.expire(now_seconds(), true);
    ab.report("a->b");
    ba.report("b->a");
    std::fflush(stdout);
    close(fd_a);
    close(fd_b);
    if (fd_tap >= 0) close(fd_tap);
    return 0;
}

// ---------------------------------------------------------------------------------------------
// send / receive

std::uint64_t splitmix64(std::uint64_t x) {
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

// Fills out with the pattern bytes starting at stream offset `offset`.
void pattern(std::uint64_t offset, std::span<std::uint8_t> out) {
    for (std::size_t i = 0; i < out.size(); ++i) {
        const std::uint64_t at = offset + i;
        out[i] = static_cast<std::uint8_t>(splitmix64(at / 8) >> (8 * (at % 8)));
    }
}

sockaddr_in endpoint(const Options& o) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(o.port));
    if (o.port == 0 || o.port > 65535) die("--port must be 1..65535");
    if (inet_pton(AF_INET, o.address.c_str(), &address.sin_addr) != 1) {
        die("'" + o.address + "' is not an IPv4 address");
    }
    return address;
}

int tcp_socket(const Options& o) {
    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) die(std::string("socket: ") + std::strerror(errno));
    if (o.mss > 0 && setsockopt(fd, IPPROTO_TCP, TCP_MAXSEG, &o.mss, sizeof o.mss) != 0) {
        die("TCP_MAXSEG " + std::to_string(o.mss) + ": " + std::strerror(errno));
    }
    return fd;
}

void make_nonblocking(int fd) {
    const int flags = fcntl(fd, F_GETFL);
    if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) != 0) {
        die(std::string("fcntl: ") + std::strerror(errno));
    }
}

// Waits for `events` on fd until the deadline; false on timeout or a stop signal.
bool wait_for(int fd, short events, double deadline) {
    for (;;) {
        if (g_stop != 0) return false;
        const double left = deadline - now_seconds();
        if (left <= 0) return false;
        pollfd waiter{fd, events, 0};
        const int ready = poll(&waiter, 1, static_cast<int>(std::min(left, 0.1) * 1000.0) + 1);
        if (ready > 0) return true;
        if (ready < 0 && errno != EINTR) die(std::string("poll: ") + std::strerror(errno));
    }
}

int run_receive(const Options& o) {
    const sockaddr_in address = endpoint(o);
    const int listener = tcp_socket(o);
    const int one = 1;
    setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(listener, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0 ||
        listen(listener, 1) != 0) {
        die("listen on " + o.address + ":" + std::to_string(o.port) + ": " + std::strerror(errno));
    }
    make_nonblocking(listener);
    std::printf("listening\n");
    std::fflush(stdout);
    const double start = now_seconds(), deadline = start + o.max_seconds;
    if (!wait_for(listener, POLLIN, deadline)) {
        std::printf("no connection within %.0f s\n", o.max_seconds);
        return 1;
    }
    const int fd = accept4(listener, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0) die(std::string("accept: ") + std::strerror(errno));
    close(listener);

    std::vector<std::uint8_t> buffer(1 << 16), expected(1 << 16);
    std::uint64_t received = 0, first_bad = UINT64_MAX;
    bool eof = false;
    while (!eof && wait_for(fd, POLLIN, deadline)) {
        const ssize_t got = read(fd, buffer.data(), buffer.size());
        if (got < 0) {
            if (errno == EAGAIN || errno == EINTR) continue;
            std::printf("read: %s\n", std::strerror(errno));
            return 1;
        }
        if (got == 0) {
            eof = true;
            break;
        }
        const auto n = static_cast<std::size_t>(got);
        pattern(received, std::span(expected.data(), n));
        if (first_bad == UINT64_MAX && std::memcmp(buffer.data(), expected.data(), n) != 0) {
            for (std::size_t i = 0; i < n; ++i) {
                if (buffer[i] != expected[i]) {
                    first_bad = received + i;
                    break;
                }
            }
        }
        received += n;
    }
    close(fd);
    const double elapsed = now_seconds() - start;
    const bool ok = eof && received == o.bytes && first_bad == UINT64_MAX;
    std::printf("received %llu bytes in %.3f s: %s", static_cast<unsigned long long>(received),
                elapsed, ok ? "ok" : "FAILED");
    if (!eof) std::printf(" (no end of stream within %.0f s)", o.max_seconds);
    if (received != o.bytes) {
        std::printf(" (expected %llu bytes)", static_cast<unsigned long long>(o.bytes));
    }
    if (first_bad != UINT64_MAX) {
        std::printf(" (first wrong byte at offset %llu)",
                    static_cast<unsigned long long>(first_bad));
    }
    std::printf("\n");
    return ok ? 0 : 1;
}

int run_send(const Options& o) {
    const sockaddr_in address = endpoint(o);
    const int fd = tcp_socket(o);
    make_nonblocking(fd);
    const double start = now_seconds(), deadline = start + o.max_seconds;
    if (connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0 &&
        errno != EINPROGRESS) {
        die("connect to " + o.address + ":" + std::to_string(o.port) + ": " + std::strerror(errno));
    }
    if (!wait_for(fd, POLLOUT, deadline)) {
        std::printf("no connection within %.0f s\n", o.max_seconds);
        return 1;
    }
    int error = 0;
    socklen_t length = sizeof error;
    getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length);
    if (error != 0) die("connect to " + o.address + ": " + std::strerror(error));

    std::vector<std::uint8_t> chunk(1 << 16);
    std::uint64_t sent = 0;
    while (sent < o.bytes) {
        const std::size_t n =
            static_cast<std::size_t>(std::min<std::uint64_t>(chunk.size(), o.bytes - sent));
        pattern(sent, std::span(chunk.data(), n));
        const ssize_t done = write(fd, chunk.data(), n);
        if (done > 0) {
            sent += static_cast<std::uint64_t>(done);
            continue;
        }
        if (done < 0 && errno != EAGAIN && errno != EINTR) {
            std::printf("write after %llu bytes: %s\n", static_cast<unsigned long long>(sent),
                        std::strerror(errno));
            return 1;
        }
        if (!wait_for(fd, POLLOUT, deadline)) break;
    }
    if (sent < o.bytes) {
        std::printf("sent only %llu of %llu bytes within %.0f s\n",
                    static_cast<unsigned long long>(sent), static_cast<unsigned long long>(o.bytes),
                    o.max_seconds);
        return 1;
    }
    shutdown(fd, SHUT_WR);
    // The receiver closes once it has everything: wait for that end of stream.
    bool closed = false;
    while (!closed && wait_for(fd, POLLIN, deadline)) {
        const ssize_t got = read(fd, chunk.data(), chunk.size());
        if (got == 0 || (got < 0 && errno != EAGAIN && errno != EINTR)) closed = true;
    }
    close(fd);
    const double elapsed = now_seconds() - start;
    if (!closed) {
        std::printf("sent %llu bytes, but the receiver did not close within %.0f s\n",
                    static_cast<unsigned long long>(sent), o.max_seconds);
        return 1;
    }
    std::printf("sent %llu bytes in %.3f s\n", static_cast<unsigned long long>(sent), elapsed);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    const Options options = parse(argc, argv);
    struct sigaction action {};
    action.sa_handler = on_signal;
    sigaction(SIGINT, &action, nullptr);
    sigaction(SIGTERM, &action, nullptr);
    std::signal(SIGPIPE, SIG_IGN);
    if (options.mode == "relay") return run_relay(options);
    if (options.mode == "send") return run_send(options);
    if (options.mode == "receive") return run_receive(options);
    die("mode must be relay, send or receive");
}
