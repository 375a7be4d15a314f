// SPDX-License-Identifier: BSD-2-Clause
// rdxdpgen: a fast, bounded traffic generator for ringdump's benchmarks, using XDP "live frames".
//
//   rdxdpgen [raw] --interface IF --dst-mac MAC --src IP --dst IP --count N [--rate PPS]
//            [--size FRAME_BYTES] [--flows K] [--port P] [--max-seconds S] [--batch B]
//            [--first-sequence Q]
//
// The same frames as `rdgen raw` (tests/tools/rdgen.cpp): Ethernet/IPv4/UDP from IF's own MAC
// address to --dst-mac, UDP port --port (default 9000) both ways, --size bytes in all (60 to
// IF's MTU + 14; default 64), payload "RDGEN\0\0\1" then a 64-bit sequence number
// (--first-sequence, default 0, counting up). --flows K spreads the frames over K UDP source
// ports, --port + sequence % K. Sending stops after --count frames or --max-seconds (default
// 60), whichever comes first, or at SIGINT/SIGTERM; the result goes to stdout as rdgen's:
// "sent N packets in S s (R pps)". With --rate the frames leave in chunks of at most 1 ms worth,
// each started when its last frame is due; without it (or --rate 0) as fast as the kernel goes.
//
// How: the embedded XDP program (bench/bpf/xdp_gen.bpf.c) is run with BPF_PROG_RUN
// (bpf_prog_test_run_opts) and BPF_F_TEST_XDP_LIVE_FRAMES (Linux 5.18+): the kernel runs it
// `repeat` times on copies of the frame given as data_in and transmits every frame it returns
// XDP_TX for out of the device in the xdp_md context's ingress_ifindex, through that device's
// ndo_xdp_xmit. No socket, no skb, no qdisc: into a veth on a 2-core VM with Linux 6.18, about
// 4 Mpps flat out (60 and 1514-byte frames alike), against about 0.85 Mpps for rdgen's AF_PACKET
// sendmmsg, and --rate 500000 / 1000000 / 2000000 held to 0.1 %. The program counts its runs in a
// global variable, which rdxdpgen reads to know exactly how many frames went out, also when a
// signal cut a call short. See "The XDP dispatcher" below for why the program is also attached to a
// device no one sees.
//
// Traps (kernel 6.18; the first two drop every frame without an error from BPF_PROG_RUN):
//   - A veth transmits XDP frames only when its peer has NAPI: GRO on at the peer
//     (ethtool -K PEER gro on) or an XDP program attached there. Since Linux 6.3 the device
//     says so in its XDP features (NETDEV_XDP_ACT_NDO_XMIT, netdev generic netlink family),
//     which rdxdpgen checks before sending; on older kernels it cannot tell.
//   - A frame longer than the receiver's MTU + 14 (+ 4 for a VLAN tag) is dropped by the veth
//     (rdxdpgen checks --size against the sending device's MTU only: keep both MTUs equal).
//     So is a frame that finds the receiver's queue (256 frames) full, at full speed when the
//     receiver's NAPI is held up. The veth counts both in tx_dropped.
//   - Without the dispatcher trick below, every call costs 25-40 ms, which would cap paced
//     sending at a few dozen calls a second.
// After sending, rdxdpgen compares the device's transmit counters with what it handed over and
// says on stderr when frames went missing (an error when none was transmitted at all).
//
// Privileges: root, or CAP_BPF + CAP_NET_ADMIN (CAP_SYS_ADMIN before Linux 5.8) and
// CAP_SYS_ADMIN for the dispatcher trick's private namespace (without it, a warning and slow
// calls).
//
// Exit status: 0 done (also when stopped by a signal or --max-seconds: the line says how many
// went out), 1 an error (one line on stderr naming the cause and the fix), 2 bad arguments.
// RDXDPGEN_VERBOSE=1 in the environment shows libbpf's own messages.
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/genetlink.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <csignal>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "xdp_gen.h"
#include "xdp_gen_bpf.h"

namespace {

constexpr char kMagic[8] = {'R', 'D', 'G', 'E', 'N', 0, 0, 1};
constexpr std::size_t kMinFrame = 60;  // Ethernet minimum without the FCS
// Largest BPF_PROG_RUN call when not pacing: ~25 ms at full speed, so --max-seconds and
// signals are noticed quickly.
constexpr std::uint64_t kFlatOutChunk = 65536;
constexpr std::size_t kLargestLiveFrame = 3408;  // see run_failed()
constexpr unsigned kMaxBatch = 256;              // the kernel's TEST_XDP_MAX_BATCH (E2BIG above)
// NETDEV_XDP_ACT_NDO_XMIT and the netdev family's attributes (include/uapi/linux/netdev.h,
// Linux 6.3+; not in the 6.1 headers this builds against).
constexpr std::uint64_t kXdpActNdoXmit = 1u << 2;
constexpr std::uint16_t kNetdevCmdDevGet = 1;
constexpr std::uint16_t kNetdevAttrIfindex = 1;
constexpr std::uint16_t kNetdevAttrXdpFeatures = 3;

struct Options {
    std::string interface, dst_mac, src, dst;
    std::uint64_t count = 1000;
    double rate = 0;  // packets per second, 0 = as fast as possible
    std::size_t size = 64;
    std::uint32_t flows = 1;
    unsigned port = 9000;
    double max_seconds = 60;
    unsigned batch = 0;  // 0: the kernel's default (64)
    std::uint64_t first_sequence = 0;
};

volatile std::sig_atomic_t g_stop = 0;

[[noreturn]] void usage_error(const std::string& message) {
    std::fprintf(stderr, "rdxdpgen: %s\n", message.c_str());
    std::exit(2);
}

[[noreturn]] void fail(const std::string& message) {
    std::fprintf(stderr, "rdxdpgen: %s\n", message.c_str());
    std::exit(1);
}

std::string error_text(int error) {
    return std::strerror(error);
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
    if (ec != std::errc() || end != text.data() + text.size())
        usage_error("bad value '" + std::string(text) + "' for " + std::string(name));
    return value;
}

Options parse(int argc, char** argv) {
    Options options;
    int i = 1;
    if (i < argc && std::string_view(argv[i]) == "raw") ++i;  // rdgen's mode word, optional
    if (i >= argc)
        usage_error(
            "usage: rdxdpgen --interface IF --dst-mac MAC --src IP --dst IP --count N "
            "[--rate PPS] [--size BYTES] [--flows K] [--port P] [--max-seconds S] [--batch B]");
    for (; i < argc; ++i) {
        std::string_view name = argv[i];
        if (i + 1 >= argc) usage_error("option " + std::string(name) + " needs a value");
        std::string_view value = argv[++i];
        if (name == "--interface")
            options.interface = value;
        else if (name == "--dst-mac")
            options.dst_mac = value;
        else if (name == "--src")
            options.src = value;
        else if (name == "--dst")
            options.dst = value;
        else if (name == "--count")
            options.count = number<std::uint64_t>(name, value);
        else if (name == "--rate")
            options.rate = number<double>(name, value);
        else if (name == "--size")
            options.size = number<std::size_t>(name, value);
        else if (name == "--flows")
            options.flows = number<std::uint32_t>(name, value);
        else if (name == "--port")
            options.port = number<unsigned>(name, value);
        else if (name == "--max-seconds")
            options.max_seconds = number<double>(name, value);
        else if (name == "--batch")
            options.batch = number<unsigned>(name, value);
        else if (name == "--first-sequence")
            options.first_sequence = number<std::uint64_t>(name, value);
        else
            usage_error("unknown option " + std::string(name));
    }
    if (options.interface.empty()) usage_error("--interface is required");
    if (options.interface.size() >= IFNAMSIZ) usage_error("--interface: name too long");
    if (options.dst_mac.empty() || options.src.empty() || options.dst.empty())
        usage_error("--dst-mac, --src and --dst are required");
    if (!(options.rate >= 0 && options.rate <= 1e9)) usage_error("--rate must be 0 to 1e9");
    if (!(options.max_seconds > 0 && options.max_seconds <= 3600))
        usage_error("--max-seconds must be more than 0 and at most 3600");
    if (options.port == 0 || options.port > 65535) usage_error("--port must be 1-65535");
    if (options.flows == 0 || options.port + options.flows - 1 > 65535)
        usage_error("--flows must be at least 1, with --port + --flows - 1 at most 65535");
    if (options.batch > kMaxBatch)
        usage_error("--batch must be 1-" + std::to_string(kMaxBatch) + " (0: kernel default)");
    if (options.size < kMinFrame) usage_error("--size must be at least 60 (bytes per frame)");
    return options;
}

// ---------------------------------------------------------------------------------------------
// Netlink: the device's state and counters (rtnetlink) and XDP features (generic netlink).
// Through netlink rather than /sys/class/net, which shows the namespace sysfs was mounted in,
// not necessarily this process's (nsenter --net).

using Attributes = std::vector<std::pair<std::uint16_t, std::string>>;

// Netlink attributes: header (length, type), payload, padding to 4 bytes.
void put_attribute(std::vector<std::uint8_t>& message, std::uint16_t type, const void* data,
                   std::size_t length) {
    nlattr attribute{};
    attribute.nla_len = static_cast<std::uint16_t>(NLA_HDRLEN + length);
    attribute.nla_type = type;
    const std::size_t at = message.size();
    message.resize(at + NLA_ALIGN(NLA_HDRLEN + length), 0);
    std::memcpy(message.data() + at, &attribute, sizeof attribute);
    std::memcpy(message.data() + at + NLA_HDRLEN, data, length);
}

const std::string* find_attribute(const Attributes& attributes, std::uint16_t type) {
    for (const auto& [found, value] : attributes)
        if (found == type) return &value;
    return nullptr;
}

// Sends one request (message type, flags, fixed header, attributes) on a netlink socket of
// `protocol` and reads the first message of the answer into `answer`. Returns that message's
// length, or 0 on any failure (then `error` is the errno value or the kernel's NLMSG_ERROR
// code; an acknowledgement is an NLMSG_ERROR with code 0).
std::size_t netlink_exchange(int protocol, std::uint16_t type, std::uint16_t flags,
                             const void* header, std::size_t header_size,
                             const std::vector<std::uint8_t>& attributes,
                             std::vector<std::uint8_t>& answer, int& error) {
    error = 0;
    const int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, protocol);
    if (fd < 0) {
        error = errno;
        return 0;
    }
    timeval timeout{2, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    std::vector<std::uint8_t> message(NLMSG_HDRLEN + NLMSG_ALIGN(header_size), 0);
    message.insert(message.end(), attributes.begin(), attributes.end());
    nlmsghdr request{};
    request.nlmsg_len = static_cast<std::uint32_t>(message.size());
    request.nlmsg_type = type;
    request.nlmsg_flags = static_cast<std::uint16_t>(NLM_F_REQUEST | flags);
    request.nlmsg_seq = 1;
    std::memcpy(message.data(), &request, sizeof request);
    std::memcpy(message.data() + NLMSG_HDRLEN, header, header_size);
    sockaddr_nl kernel{};
    kernel.nl_family = AF_NETLINK;
    answer.assign(65536, 0);
    ssize_t got = -1;
    if (sendto(fd, message.data(), message.size(), 0, reinterpret_cast<sockaddr*>(&kernel),
               sizeof kernel) >= 0)
        got = recv(fd, answer.data(), answer.size(), 0);
    if (got < 0) error = errno;
    close(fd);
    if (got < static_cast<ssize_t>(NLMSG_HDRLEN)) {
        if (error == 0) error = EPROTO;
        return 0;
    }
    nlmsghdr reply{};
    std::memcpy(&reply, answer.data(), sizeof reply);
    if (reply.nlmsg_len > static_cast<std::size_t>(got) || reply.nlmsg_len < NLMSG_HDRLEN) {
        error = EPROTO;
        return 0;
    }
    if (reply.nlmsg_type == NLMSG_ERROR) {
        nlmsgerr status{};
        if (reply.nlmsg_len >= NLMSG_HDRLEN + sizeof status)
            std::memcpy(&status, answer.data() + NLMSG_HDRLEN, sizeof status);
        error = -status.error;
        return 0;
    }
    return reply.nlmsg_len;
}

// A request whose answer is one message: its attributes as (type, payload) pairs, or nullopt
// on any error (no such family or device, old kernel, ...).
std::optional<Attributes> netlink_request(int protocol, std::uint16_t type, const void* header,
                                          std::size_t header_size,
                                          const std::vector<std::uint8_t>& attributes) {
    std::vector<std::uint8_t> answer;
    int error = 0;
    const std::size_t length =
        netlink_exchange(protocol, type, 0, header, header_size, attributes, answer, error);
    const std::size_t fixed = NLMSG_HDRLEN + NLMSG_ALIGN(header_size);
    if (length < fixed) return std::nullopt;
    Attributes result;
    std::size_t at = fixed;
    while (at + NLA_HDRLEN <= length) {
        nlattr attribute{};
        std::memcpy(&attribute, answer.data() + at, sizeof attribute);
        if (attribute.nla_len < NLA_HDRLEN || at + attribute.nla_len > length) break;
        result.emplace_back(
            static_cast<std::uint16_t>(attribute.nla_type & NLA_TYPE_MASK),
            std::string(reinterpret_cast<const char*>(answer.data() + at + NLA_HDRLEN),
                        attribute.nla_len - NLA_HDRLEN));
        at += NLA_ALIGN(attribute.nla_len);
    }
    return result;
}

// A request answered by an acknowledgement: 0 or the errno value.
int netlink_command(int protocol, std::uint16_t type, std::uint16_t flags, const void* header,
                    std::size_t header_size, const std::vector<std::uint8_t>& attributes) {
    std::vector<std::uint8_t> answer;
    int error = 0;
    netlink_exchange(protocol, type, static_cast<std::uint16_t>(flags | NLM_F_ACK), header,
                     header_size, attributes, answer, error);
    return error;
}

struct LinkState {
    bool carrier = false;  // IFLA_CARRIER, immediate (IFF_RUNNING follows up to 1 s later)
    std::uint64_t tx_packets = 0, tx_dropped = 0;
};

std::optional<LinkState> link_state(unsigned ifindex) {
    ifinfomsg header{};
    header.ifi_family = AF_UNSPEC;
    header.ifi_index = static_cast<int>(ifindex);
    const auto attributes = netlink_request(NETLINK_ROUTE, RTM_GETLINK, &header, sizeof header, {});
    if (!attributes) return std::nullopt;
    LinkState state;
    if (const std::string* value = find_attribute(*attributes, IFLA_CARRIER);
        value && !value->empty())
        state.carrier = (*value)[0] != 0;
    if (const std::string* value = find_attribute(*attributes, IFLA_STATS64);
        value && value->size() >= sizeof(rtnl_link_stats64)) {
        rtnl_link_stats64 stats{};
        std::memcpy(&stats, value->data(), sizeof stats);
        state.tx_packets = stats.tx_packets;
        state.tx_dropped = stats.tx_dropped;
    }
    return state;
}

// The device's XDP feature bits from the "netdev" generic netlink family (Linux 6.3+), or
// nullopt when the kernel cannot say.
std::optional<std::uint64_t> xdp_features(unsigned ifindex) {
    genlmsghdr header{};
    header.cmd = CTRL_CMD_GETFAMILY;
    header.version = 1;
    std::vector<std::uint8_t> attributes;
    put_attribute(attributes, CTRL_ATTR_FAMILY_NAME, "netdev", sizeof "netdev");
    const auto family =
        netlink_request(NETLINK_GENERIC, GENL_ID_CTRL, &header, sizeof header, attributes);
    if (!family) return std::nullopt;
    const std::string* id_value = find_attribute(*family, CTRL_ATTR_FAMILY_ID);
    if (id_value == nullptr || id_value->size() < 2) return std::nullopt;
    std::uint16_t id = 0;
    std::memcpy(&id, id_value->data(), 2);
    header.cmd = kNetdevCmdDevGet;
    attributes.clear();
    const std::uint32_t index = ifindex;
    put_attribute(attributes, kNetdevAttrIfindex, &index, sizeof index);
    const auto device = netlink_request(NETLINK_GENERIC, id, &header, sizeof header, attributes);
    if (!device) return std::nullopt;
    const std::string* bits_value = find_attribute(*device, kNetdevAttrXdpFeatures);
    if (bits_value == nullptr || bits_value->size() != 8) return std::nullopt;
    std::uint64_t bits = 0;
    std::memcpy(&bits, bits_value->data(), 8);
    return bits;
}

// ---------------------------------------------------------------------------------------------
// The device

struct Device {
    unsigned ifindex = 0;
    std::uint8_t mac[6] = {};
    int mtu = 0;
    bool up = false;
};

Device describe_device(const std::string& name) {
    Device device;
    device.ifindex = if_nametoindex(name.c_str());
    if (device.ifindex == 0)
        fail("--interface " + name + ": no such interface in this network namespace (ip link)");
    const int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) fail("socket for interface ioctls: " + error_text(errno));
    ifreq request{};
    name.copy(request.ifr_name, IFNAMSIZ - 1);
    if (ioctl(fd, SIOCGIFHWADDR, &request) != 0)
        fail("--interface " + name + ": reading its MAC address: " + error_text(errno));
    if (request.ifr_hwaddr.sa_family != ARPHRD_ETHER)
        fail("--interface " + name + " is not an Ethernet device; rdxdpgen sends Ethernet frames");
    std::memcpy(device.mac, request.ifr_hwaddr.sa_data, 6);
    if (ioctl(fd, SIOCGIFMTU, &request) != 0)
        fail("--interface " + name + ": reading its MTU: " + error_text(errno));
    device.mtu = request.ifr_mtu;
    if (ioctl(fd, SIOCGIFFLAGS, &request) != 0)
        fail("--interface " + name + ": reading its flags: " + error_text(errno));
    device.up = (request.ifr_flags & IFF_UP) != 0;
    close(fd);
    return device;
}

// ---------------------------------------------------------------------------------------------
// The frame

std::uint16_t ip_checksum(const void* data, std::size_t length) {
    const auto* bytes = static_cast<const std::uint8_t*>(data);
    std::uint32_t sum = 0;
    for (std::size_t i = 0; i + 1 < length; i += 2)
        sum += static_cast<std::uint32_t>(bytes[i] << 8 | bytes[i + 1]);
    if (length & 1) sum += static_cast<std::uint32_t>(bytes[length - 1] << 8);
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return htons(static_cast<std::uint16_t>(~sum));
}

std::vector<std::uint8_t> build_frame(const Options& options, const Device& device) {
    std::uint8_t dst_mac[6];
    char tail = 0;
    if (std::sscanf(options.dst_mac.c_str(), "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx%c", &dst_mac[0],
                    &dst_mac[1], &dst_mac[2], &dst_mac[3], &dst_mac[4], &dst_mac[5], &tail) != 6)
        usage_error("--dst-mac needs aa:bb:cc:dd:ee:ff");
    in_addr src{}, dst{};
    if (inet_pton(AF_INET, options.src.c_str(), &src) != 1 ||
        inet_pton(AF_INET, options.dst.c_str(), &dst) != 1)
        usage_error("--src and --dst need IPv4 addresses");

    std::vector<std::uint8_t> frame(options.size, 0x5a);
    ether_header ethernet{};
    std::memcpy(ethernet.ether_dhost, dst_mac, 6);
    std::memcpy(ethernet.ether_shost, device.mac, 6);
    ethernet.ether_type = htons(ETHERTYPE_IP);
    std::memcpy(frame.data(), &ethernet, sizeof ethernet);

    iphdr ip{};
    ip.version = 4;
    ip.ihl = 5;
    ip.ttl = 64;
    ip.protocol = IPPROTO_UDP;
    ip.tot_len = htons(static_cast<std::uint16_t>(options.size - sizeof ethernet));
    ip.saddr = src.s_addr;
    ip.daddr = dst.s_addr;
    ip.check = ip_checksum(&ip, sizeof ip);
    std::memcpy(frame.data() + sizeof ethernet, &ip, sizeof ip);

    udphdr udp{};
    udp.source = htons(static_cast<std::uint16_t>(options.port));
    udp.dest = htons(static_cast<std::uint16_t>(options.port));
    udp.len = htons(static_cast<std::uint16_t>(options.size - sizeof ethernet - sizeof ip));
    udp.check = 0;  // none; the program keeps it so (see xdp_gen.bpf.c)
    std::memcpy(frame.data() + XDP_GEN_UDP_OFFSET, &udp, sizeof udp);

    static_assert(XDP_GEN_UDP_OFFSET == sizeof(ether_header) + sizeof(iphdr));
    static_assert(XDP_GEN_PAYLOAD_OFFSET == XDP_GEN_UDP_OFFSET + sizeof(udphdr));
    std::memcpy(frame.data() + XDP_GEN_PAYLOAD_OFFSET, kMagic, sizeof kMagic);
    const std::uint64_t sequence = options.first_sequence;
    std::memcpy(frame.data() + XDP_GEN_SEQUENCE_OFFSET, &sequence, sizeof sequence);
    return frame;
}

// ---------------------------------------------------------------------------------------------
// The BPF program

int libbpf_print(enum libbpf_print_level level, const char* format, va_list arguments) {
    static const bool verbose = [] {
        const char* value = std::getenv("RDXDPGEN_VERBOSE");
        return value != nullptr && *value != '\0' && std::string_view(value) != "0";
    }();
    (void)level;
    // Quiet by default, warnings included: rdxdpgen says what failed in one line of its own.
    if (!verbose) return 0;
    return std::vfprintf(stderr, format, arguments);
}

struct Generator {
    bpf_object* object = nullptr;
    int program_fd = -1;
    const volatile std::uint64_t* runs = nullptr;  // the program's counter, memory-mapped
    int counter_fd = -1;

    std::uint64_t read_runs() const {
        if (runs != nullptr) return *runs;
        std::uint32_t key = 0;
        std::uint64_t value = 0;
        if (bpf_map_lookup_elem(counter_fd, &key, &value) != 0)
            fail("reading the program's frame counter: " + error_text(errno));
        return value;
    }
};

bool ends_with(std::string_view text, std::string_view suffix) {
    return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

Generator load_generator(const Options& options, unsigned ifindex) {
    libbpf_set_print(libbpf_print);
    const auto image = xdp_gen_bpf_object();
    bpf_object_open_opts open_options;
    std::memset(&open_options, 0, sizeof open_options);
    open_options.sz = sizeof open_options;
    open_options.object_name = "rdxdpgen";
    Generator generator;
    generator.object = bpf_object__open_mem(image.data(), image.size(), &open_options);
    if (generator.object == nullptr)
        fail("opening the embedded BPF object: " + error_text(errno) +
             " (a libbpf older than the one rdxdpgen was built with?)");

    bpf_map* config_map = nullptr;
    bpf_map* counter_map = nullptr;
    bpf_map* map = nullptr;
    bpf_object__for_each_map(map, generator.object) {
        if (ends_with(bpf_map__name(map), XDP_GEN_CONFIG_SECTION)) config_map = map;
        if (ends_with(bpf_map__name(map), XDP_GEN_COUNTER_SECTION)) counter_map = map;
    }
    if (config_map == nullptr || counter_map == nullptr ||
        bpf_map__value_size(config_map) != sizeof(xdp_gen_config) ||
        bpf_map__value_size(counter_map) != sizeof(std::uint64_t))
        fail("the embedded BPF object does not have the expected data sections (build bug)");
    xdp_gen_config config{};
    config.first_sequence = options.first_sequence;
    config.flow_count = options.flows;
    config.first_port = static_cast<std::uint16_t>(options.port);
    config.ifindex = ifindex;
    if (bpf_map__set_initial_value(config_map, &config, sizeof config) != 0)
        fail("configuring the BPF program: " + error_text(errno));

    if (bpf_object__load(generator.object) != 0) {
        const int error = errno;
        if (error == EPERM || error == EACCES)
            fail("loading the XDP program was refused (" + error_text(error) +
                 "): run rdxdpgen as root, or give it CAP_BPF and CAP_NET_ADMIN "
                 "(CAP_SYS_ADMIN before Linux 5.8)");
        fail("loading the XDP program failed: " + error_text(error) +
             " (needs Linux 5.18+ with CONFIG_BPF_SYSCALL; RDXDPGEN_VERBOSE=1 shows libbpf's log)");
    }
    bpf_program* program = bpf_object__find_program_by_name(generator.object, "xdp_gen");
    if (program == nullptr) fail("the embedded BPF object has no program xdp_gen (build bug)");
    generator.program_fd = bpf_program__fd(program);
    generator.counter_fd = bpf_map__fd(counter_map);
    // The counter's map is memory-mappable (libbpf makes global-data maps BPF_F_MMAPABLE,
    // Linux 5.5+): read it through a mapping of our own, as bpf_object__load() (unlike a
    // skeleton's load) leaves libbpf's copy of the section unmapped from the kernel's map.
    // Without the flag, fall back to a lookup per read.
    if ((bpf_map__map_flags(counter_map) & BPF_F_MMAPABLE) != 0) {
        void* mapped = mmap(nullptr, static_cast<std::size_t>(sysconf(_SC_PAGESIZE)), PROT_READ,
                            MAP_SHARED, generator.counter_fd, 0);
        if (mapped != MAP_FAILED)
            generator.runs = static_cast<const volatile std::uint64_t*>(mapped);
    }
    return generator;
}

// The XDP dispatcher. BPF_PROG_RUN with repeat > 1 registers the program in the kernel's XDP
// dispatcher (bpf_prog_change_xdp) for the duration of the call and takes it out again after.
// When the program was not registered already, each of the two updates rewrites the dispatcher
// and, since Linux 6.2 (commit 4121d4481b72, also in stable kernels), waits for an RCU grace
// period: 25-40 ms per call on a 2-core VM with 6.18, against 30-250 us otherwise. That would
// make paced sending (one call per millisecond) impossible and halve the flat-out rate.
// Attaching the program to a device keeps it registered, and then a call only bumps a
// reference count. The device: a veth made for the purpose in a private network namespace
// (down, no traffic, seen by no one), the program attached in native mode through a bpf_link;
// all of it goes away with the process. Generic mode on that namespace's lo is the fallback
// (it would switch on the kernel's generic-XDP hook for every received packet on the machine,
// a small cost in the receive path being measured, hence not the first choice). Should a frame
// reach the program there anyway, it returns XDP_PASS (not the sending device's ifindex).
struct DispatcherHold {
    int netns_fd = -1;  // keeps the private namespace, hence its devices and the link, alive
    int link_fd = -1;
};

// Creates the veth pair rdxdpgen0/rdxdpgen1 in the current network namespace; returns the
// ifindex of rdxdpgen0, or 0 (then `error` says why).
unsigned make_private_veth(int& error) {
    std::vector<std::uint8_t> peer(NLMSG_ALIGN(sizeof(ifinfomsg)), 0);
    ifinfomsg peer_header{};
    peer_header.ifi_family = AF_UNSPEC;
    std::memcpy(peer.data(), &peer_header, sizeof peer_header);
    put_attribute(peer, IFLA_IFNAME, "rdxdpgen1", sizeof "rdxdpgen1");
    std::vector<std::uint8_t> info_data;
    put_attribute(info_data, NLA_F_NESTED | VETH_INFO_PEER, peer.data(), peer.size());
    std::vector<std::uint8_t> link_info;
    put_attribute(link_info, IFLA_INFO_KIND, "veth", sizeof "veth");
    put_attribute(link_info, NLA_F_NESTED | IFLA_INFO_DATA, info_data.data(), info_data.size());
    std::vector<std::uint8_t> attributes;
    put_attribute(attributes, IFLA_IFNAME, "rdxdpgen0", sizeof "rdxdpgen0");
    put_attribute(attributes, NLA_F_NESTED | IFLA_LINKINFO, link_info.data(), link_info.size());
    ifinfomsg header{};
    header.ifi_family = AF_UNSPEC;
    error = netlink_command(NETLINK_ROUTE, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, &header,
                            sizeof header, attributes);
    if (error != 0) return 0;
    const unsigned ifindex = if_nametoindex("rdxdpgen0");
    if (ifindex == 0) error = errno;
    return ifindex;
}

DispatcherHold hold_dispatcher(int program_fd, std::string& why_not) {
    DispatcherHold hold;
    const int original = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
    if (original < 0) {
        why_not = "/proc/self/ns/net: " + error_text(errno);
        return hold;
    }
    if (unshare(CLONE_NEWNET) != 0) {
        why_not = "a private network namespace: " + error_text(errno);
        close(original);
        return hold;
    }
    hold.netns_fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
    bpf_link_create_opts link_options;
    std::memset(&link_options, 0, sizeof link_options);
    link_options.sz = sizeof link_options;
    int error = 0;
    if (const unsigned veth = make_private_veth(error); veth != 0) {
        link_options.flags = XDP_FLAGS_DRV_MODE;
        hold.link_fd = bpf_link_create(program_fd, static_cast<int>(veth), BPF_XDP, &link_options);
        if (hold.link_fd < 0) why_not = "attaching to a private veth: " + error_text(errno);
    } else {
        why_not = "a private veth: " + error_text(error);
    }
    if (hold.link_fd < 0) {
        if (const unsigned lo = if_nametoindex("lo"); lo != 0) {
            link_options.flags = XDP_FLAGS_SKB_MODE;
            hold.link_fd =
                bpf_link_create(program_fd, static_cast<int>(lo), BPF_XDP, &link_options);
            if (hold.link_fd < 0) why_not += "; attaching to lo: " + error_text(errno);
        }
    }
    // Back to the namespace of the sending device, or nothing else will work.
    if (setns(original, CLONE_NEWNET) != 0)
        fail("returning to the original network namespace: " + error_text(errno));
    close(original);
    if (hold.link_fd < 0 && hold.netns_fd >= 0) {
        close(hold.netns_fd);
        hold.netns_fd = -1;
    }
    return hold;
}

std::string kernel_release() {
    utsname name{};
    if (uname(&name) != 0) return "unknown";
    return name.release;
}

// Runs the program `repeat` times in live-frames mode. Returns 0 or an errno value.
int run_live(const Generator& generator, std::vector<std::uint8_t>& frame, xdp_md& context,
             std::uint32_t repeat, unsigned batch) {
    bpf_test_run_opts run;
    std::memset(&run, 0, sizeof run);
    run.sz = sizeof run;
    run.data_in = frame.data();
    run.data_size_in = static_cast<std::uint32_t>(frame.size());
    run.ctx_in = &context;
    run.ctx_size_in = sizeof context;
    // data_out, data_size_out, ctx_out and ctx_size_out stay 0: live mode refuses them (EINVAL).
    run.repeat = static_cast<int>(repeat);
    run.flags = BPF_F_TEST_XDP_LIVE_FRAMES;
    run.batch_size = batch;
    if (bpf_prog_test_run_opts(generator.program_fd, &run) != 0) return errno ? errno : EIO;
    return 0;
}

[[noreturn]] void run_failed(int error, const Options& options) {
    switch (error) {
        case EINVAL:
            // A live frame has to fit in one page with the kernel's headroom and tail room:
            // 4096 - 256 - 112 - 320 = 3408 bytes on x86-64 with Linux 6.18.
            if (options.size > kLargestLiveFrame)
                fail("the kernel (" + kernel_release() + ") refused --size " +
                     std::to_string(options.size) +
                     " (EINVAL): live frames must fit in one page with the kernel's headroom, "
                     "about " +
                     std::to_string(kLargestLiveFrame) + " bytes at most");
            fail("the kernel (" + kernel_release() +
                 ") refused BPF_PROG_RUN with BPF_F_TEST_XDP_LIVE_FRAMES (EINVAL): live-frames "
                 "mode needs Linux 5.18 or later");
        case E2BIG:
            fail("the kernel refused --batch " + std::to_string(options.batch) +
                 " (E2BIG): use at most " + std::to_string(kMaxBatch));
        case EPERM:
        case EACCES:
            fail("BPF_PROG_RUN was refused (" + error_text(error) +
                 "): run rdxdpgen as root, or with CAP_BPF and CAP_NET_ADMIN");
        case ENODEV:
            fail("--interface " + options.interface + " disappeared while sending");
        default:
            fail("BPF_PROG_RUN in live-frames mode failed: " + error_text(error));
    }
}

void on_signal(int) {
    g_stop = 1;
}

// Sleeps until CLOCK_MONOTONIC reaches `due` (seconds), the last 100 us spinning.
void wait_until(double due) {
    for (;;) {
        const double left = due - now_seconds();
        if (left <= 0 || g_stop) return;
        if (left > 200e-6) {
            const double pause = left - 100e-6;
            timespec ts{
                static_cast<time_t>(pause),
                static_cast<long>((pause - static_cast<double>(static_cast<time_t>(pause))) * 1e9)};
            nanosleep(&ts, nullptr);
        }
    }
}

}  // namespace

int main(int argc, char** argv) {
    const Options options = parse(argc, argv);
    const Device device = describe_device(options.interface);
    const std::size_t max_size = static_cast<std::size_t>(device.mtu) + 14;
    if (options.size > max_size)
        usage_error("--size " + std::to_string(options.size) + " is more than " +
                    options.interface + "'s MTU + 14 (" + std::to_string(max_size) +
                    "); larger frames would be dropped silently");
    std::vector<std::uint8_t> frame = build_frame(options, device);
    if (!device.up)
        fail("--interface " + options.interface + " is down: ip link set " + options.interface +
             " up");
    // Not IFF_RUNNING: that follows the carrier through linkwatch, up to a second late.
    const auto state = link_state(device.ifindex);
    if (state && !state->carrier)
        fail("--interface " + options.interface +
             " has no carrier (for a veth: bring its peer up too); frames would be dropped");
    if (auto features = xdp_features(device.ifindex); features && !(*features & kXdpActNdoXmit))
        fail("--interface " + options.interface +
             " cannot transmit XDP frames now (no ndo_xdp_xmit in its XDP features): for a veth, "
             "turn GRO on at its peer (ethtool -K PEER gro on) or attach an XDP program there");

    Generator generator = load_generator(options, device.ifindex);

    std::string why_not;
    const DispatcherHold hold = hold_dispatcher(generator.program_fd, why_not);
    if (hold.link_fd < 0)
        std::fprintf(stderr,
                     "rdxdpgen: warning: could not keep the program in the XDP dispatcher (%s); "
                     "every BPF_PROG_RUN call costs tens of ms more, so rates will be lower\n",
                     why_not.c_str());

    struct sigaction action {};
    action.sa_handler = on_signal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = 0;  // no SA_RESTART: BPF_PROG_RUN and nanosleep return EINTR
    sigaction(SIGINT, &action, nullptr);
    sigaction(SIGTERM, &action, nullptr);
    prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);  // wake up on time when pacing

    xdp_md context{};
    context.data = 0;
    context.data_end = static_cast<std::uint32_t>(frame.size());
    context.ingress_ifindex = device.ifindex;  // where XDP_TX sends the frames
    context.rx_queue_index = 0;

    // Chunks: when pacing, at most 1 ms worth of frames, so that the traffic is smooth at the
    // millisecond scale; flat out, large ones (one system call each).
    std::uint64_t chunk = kFlatOutChunk;
    if (options.rate > 0)
        chunk = std::clamp<std::uint64_t>(static_cast<std::uint64_t>(options.rate / 1000), 1,
                                          kFlatOutChunk);

    const auto counters_before = link_state(device.ifindex);
    const std::uint64_t runs_before = generator.read_runs();
    std::uint64_t sent = 0;
    const double start = now_seconds();
    double end = start;
    while (sent < options.count && !g_stop) {
        if (now_seconds() - start >= options.max_seconds) break;
        const std::uint64_t n = std::min(chunk, options.count - sent);
        if (options.rate > 0) {
            // Start the chunk when its last frame is due, as rdgen paces its batches.
            wait_until(start + static_cast<double>(sent + n - 1) / options.rate);
            if (g_stop) break;
        }
        const int error =
            run_live(generator, frame, context, static_cast<std::uint32_t>(n), options.batch);
        sent = generator.read_runs() - runs_before;
        end = now_seconds();
        if (error == EINTR && g_stop) break;
        if (error != 0 && error != EINTR) run_failed(error, options);
    }
    sent = generator.read_runs() - runs_before;
    const double elapsed = end - start;
    std::printf("sent %llu packets in %.3f s (%.0f pps)\n", static_cast<unsigned long long>(sent),
                elapsed, elapsed > 0 ? static_cast<double>(sent) / elapsed : 0.0);
    std::fflush(stdout);

    // Frames that ndo_xdp_xmit did not take are reported nowhere but in the device's counters.
    // A veth counts what it passed to its peer in tx_packets, and in tx_dropped what it refused
    // because the peer's queue was full or the frame longer than the peer's MTU + 14 (+ 4);
    // when the peer has no NAPI, frames vanish without a count.
    const auto counters_after = link_state(device.ifindex);
    int status = 0;
    if (counters_before && counters_after &&
        counters_after->tx_packets - counters_before->tx_packets < sent) {
        const std::uint64_t transmitted = counters_after->tx_packets - counters_before->tx_packets;
        const std::uint64_t dropped =
            std::min(counters_after->tx_dropped - counters_before->tx_dropped, sent - transmitted);
        std::fprintf(stderr,
                     "rdxdpgen: %s: %s transmitted %llu of %llu frames; %llu counted as dropped "
                     "(receiver's queue full, or frames longer than its MTU + 14), %llu lost "
                     "without a count (for a veth: peer without GRO or an XDP program)\n",
                     transmitted == 0 ? "error" : "warning", options.interface.c_str(),
                     static_cast<unsigned long long>(transmitted),
                     static_cast<unsigned long long>(sent),
                     static_cast<unsigned long long>(dropped),
                     static_cast<unsigned long long>(sent - transmitted - dropped));
        if (transmitted == 0) status = 1;
    }
    if (hold.link_fd >= 0) close(hold.link_fd);
    if (hold.netns_fd >= 0) close(hold.netns_fd);
    bpf_object__close(generator.object);
    return status;
}
