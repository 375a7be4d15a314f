// SPDX-License-Identifier: BSD-2-Clause
// AF_XDP capture: an XDP program redirects each RX queue's frames to an AF_XDP socket with its
// own UMEM; packets are views into the UMEM until release() gives their frames back to the
// fill ring. docs/afxdp.md describes the backend for users.
//
// Kernel facts this file relies on (Linux; the backend needs 5.9+, busy polling 5.11+):
//  - AF_XDP sockets exist since 4.18; the need_wakeup flags (XDP_USE_NEED_WAKEUP) since 5.4;
//    struct xdp_statistics grew rx_ring_full, rx_fill_ring_empty_descs and tx_ring_empty_descs
//    in 5.9 (older kernels fill only the first three fields and fold rx_ring_full into
//    rx_dropped; getsockopt reports the length it filled).
//  - BPF links for XDP (bpf_link_create with BPF_XDP) since 5.9. A link detaches its program
//    when its last file descriptor closes, so the program goes away with ringdump even after
//    SIGKILL. bpf_link_create takes at most one mode flag; it fails with EBUSY when any program
//    is attached in that mode (through netlink or another link) and with EEXIST when one is
//    attached in the other mode ("native and generic XDP can't be active at the same time").
//    It carries no extended ack, so the reasons below are guessed from errno.
//  - bpf_redirect_map's fallback action (the low bits of flags) since 5.3: a queue without a
//    socket in the XSKMAP passes its frames to the stack. Closing a socket removes it from
//    every XSKMAP.
//  - SO_PREFER_BUSY_POLL and SO_BUSY_POLL_BUDGET since 5.11 (ENOPROTOOPT before). Raising
//    SO_BUSY_POLL above net.core.busy_read needs CAP_NET_ADMIN. Busy polling only happens in
//    recvmsg/sendmsg on the socket (and in poll() only when net.core.busy_poll is set).
//  - Copy mode (XDP_COPY, the only mode veth and generic XDP offer; zero-copy bind fails with
//    EOPNOTSUPP): the kernel copies each frame to a UMEM frame taken from the fill ring, at
//    XDP_PACKET_HEADROOM (256) bytes into it, so a frame may be at most frame size - 256 bytes;
//    a longer one is dropped and counted in rx_dropped. An empty fill ring drops the frame and
//    counts it twice: in rx_dropped and in rx_fill_ring_empty_descs. A full RX ring counts in
//    rx_ring_full. In copy mode the fill ring's need-wakeup flag is never set.
//  - When the device is unregistered, every socket bound to it gets sk_err = ENETDOWN and is
//    unbound, but poll() on an unbound AF_XDP socket reports nothing (no POLLERR): the capture
//    loop's idle check (check_error) is what notices. A device that goes down and up again
//    keeps its XDP program and the sockets stay bound.
//  - XDP runs before the packet taps, in native and in generic mode: AF_PACKET captures
//    (tcpdump, ringdump's TPACKET_V3 backend) on the same interface see none of the redirected
//    frames, and neither does the host's stack.
//  - veth: native XDP needs the peer's MTU to fit a page (ERANGE otherwise) and at least as
//    many RX queues as the peer has TX queues (ENOSPC otherwise). The RX queue of a frame is
//    the TX queue the peer chose for it (netdev_pick_tx: XPS, else the flow hash). veth
//    answers ETHTOOL_GCHANNELS with its real RX and TX queue counts.
//  - A VLAN tag that the NIC strips (rx-vlan-offload) is not in the XDP frame; frames are
//    written as the XDP program saw them.
#include "ringdump/afxdp_source.h"

#include <linux/if_link.h>
#include <linux/if_xdp.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>
#include <xdp/xsk.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <utility>

#include "afxdp_redirect_bpf.h"
#include "link_monitor.h"
#include "ringdump/capture_filter.h"
#include "ringdump/error.h"
#include "ringdump/linktype.h"
#include "ringdump/system_info.h"
#include "unique_fd.h"

namespace ringdump {
namespace {

constexpr std::uint64_t kMiB = 1ull << 20;
constexpr std::uint32_t kXdpPacketHeadroom = 256;  // XDP_PACKET_HEADROOM
constexpr std::uint64_t kStatsIntervalNs = 10'000'000;
constexpr const char* kMapName = "ringdump_xsks";
constexpr const char* kProgramName = "ringdump_afxdp";

// libbpf and libxdp print warnings on stderr by default, which an extcap must not do (Wireshark
// shows anything there as an error). Keep the last warning for error messages instead.
thread_local std::string g_library_message;

int keep_library_message(const char* format, va_list args) {
    char text[512];
    std::vsnprintf(text, sizeof text, format, args);
    std::string line = text;
    while (!line.empty() && (line.back() == '\n' || line.back() == ' '))
        line.pop_back();
    if (!line.empty()) g_library_message = line;
    return 0;
}

int libbpf_message(enum libbpf_print_level level, const char* format, va_list args) {
    return level == LIBBPF_WARN ? keep_library_message(format, args) : 0;
}

int libxdp_message(enum libxdp_print_level level, const char* format, va_list args) {
    return level == LIBXDP_WARN ? keep_library_message(format, args) : 0;
}

void quiet_libraries() {
    static std::once_flag once;
    std::call_once(once, [] {
        libbpf_set_print(libbpf_message);
        libxdp_set_print(libxdp_message);
    });
}

std::optional<std::uint32_t> interface_mtu(const std::string& interface) {
    UniqueFd fd(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (fd.get() < 0) return std::nullopt;
    ifreq request{};
    std::strncpy(request.ifr_name, interface.c_str(), IFNAMSIZ - 1);
    if (::ioctl(fd.get(), SIOCGIFMTU, &request) != 0) return std::nullopt;
    return static_cast<std::uint32_t>(request.ifr_mtu);
}

std::string program_description(std::uint32_t id) {
    std::string text = "id " + std::to_string(id);
    UniqueFd fd(bpf_prog_get_fd_by_id(id));
    if (fd.get() < 0) return text;
    bpf_prog_info info{};
    std::uint32_t length = sizeof info;
    if (bpf_obj_get_info_by_fd(fd.get(), &info, &length) == 0 && info.name[0] != '\0') {
        text += " (" + std::string(info.name, strnlen(info.name, sizeof info.name)) + ")";
    }
    return text;
}

// --- the source ------------------------------------------------------------------------------

struct Queue {
    std::uint32_t id = 0;
    std::uint8_t* area = nullptr;  // the UMEM
    std::size_t area_size = 0;
    xsk_umem* umem = nullptr;
    xsk_socket* socket = nullptr;
    xsk_ring_prod fill{};
    xsk_ring_cons completion{};
    xsk_ring_cons rx{};
    int fd = -1;
    bool zero_copy = false;

    std::uint32_t held = 0;           // RX descriptors read and not yet given back
    std::uint64_t seen = 0;           // RX descriptors read in all
    xdp_statistics counters{};        // at the last read
    std::uint64_t pending_drops = 0;  // for the next packet's epb_dropcount
};

class AfXdpSource final : public Source {
  public:
    AfXdpSource(const SourceOptions& options, const InterfaceInfo& info);
    ~AfXdpSource() override;

    const InterfaceDescription& description() const override { return description_; }
    int poll_fd() const override { return queues_.front().fd; }
    std::vector<int> poll_fds() const override;
    std::size_t read(std::span<PacketView> out) override;
    void release() override;
    SourceStats stats() override;
    std::uint64_t unattributed_drops() const override {
        std::uint64_t total = 0;
        for (const Queue& queue : queues_)
            total += queue.pending_drops;
        return total;
    }
    void check_error() override;
    // A frame is in the RX ring, visible, as soon as the driver's NAPI poll that redirected it
    // ends: microseconds. The margin covers a poll that is still running.
    std::chrono::milliseconds handover_delay() const override {
        return std::chrono::milliseconds(5);
    }
    std::string start_note() const override { return start_note_; }

  private:
    [[noreturn]] void fail(ErrorKind kind, const std::string& what) const;
    void check_host_use(const InterfaceInfo& info, const XdpOptions& xdp) const;
    void check_attached_program(const XdpOptions& xdp) const;
    void load_program(const XdpOptions& xdp, std::uint32_t map_entries);
    void attach_with_link(XdpMode mode);
    void attach_shared(XdpMode mode);
    void open_queue(Queue& queue, const XdpOptions& xdp, bool try_zero_copy);
    void set_busy_poll(Queue& queue, const XdpOptions& xdp);
    void read_counters(Queue& queue);
    void close_queue(Queue& queue);
    void close_all();

    std::string name_;
    unsigned ifindex_ = 0;
    std::array<std::uint8_t, 6> mac_{};
    std::uint32_t snap_length_ = 0;
    bool whole_packets_ = false;
    std::uint32_t frame_size_ = 0;
    std::uint32_t busy_poll_us_ = 0;

    bpf_object* object_ = nullptr;
    xdp_program* shared_program_ = nullptr;  // when attached through libxdp (--xdp-share)
    enum xdp_attach_mode shared_mode_ = XDP_MODE_UNSPEC;
    UniqueFd link_;
    int map_fd_ = -1;
    bool native_ = false;
    std::string attach_text_;  // how the program was attached, for the description
    std::string busy_poll_text_;
    std::string zero_copy_refusal_;

    std::vector<Queue> queues_;
    std::size_t next_queue_ = 0;  // read() starts here, for fairness between queues
    std::optional<CaptureFilter> filter_;
    std::uint64_t batch_ns_ = 0;
    std::uint64_t counters_ns_ = 0;

    std::uint64_t delivered_ = 0;
    std::uint64_t filtered_out_ = 0;

    LinkMonitor link_monitor_;
    LinkState link_at_start_;
    bool link_down_ = false;
    InterfaceDescription description_;
    std::string start_note_;
};

void AfXdpSource::fail(ErrorKind kind, const std::string& what) const {
    throw Error(kind, name_ + ": " + what);
}

std::string join(const std::vector<std::string>& items) {
    std::string text;
    for (const std::string& item : items)
        text += (text.empty() ? "" : "; ") + item;
    return text;
}

void AfXdpSource::check_host_use(const InterfaceInfo& info, const XdpOptions& xdp) const {
    if (xdp.take_host_traffic) return;
    const std::vector<std::string> users = host_traffic_users(info);
    if (users.empty()) return;
    fail(ErrorKind::unsupported,
         "the host uses this interface (" + join(users) +
             "), and AF_XDP would take its packets away from the host's stack while the capture "
             "runs; capture with --backend tpacket, or pass --xdp-take-host-traffic to do it "
             "anyway");
}

void AfXdpSource::check_attached_program(const XdpOptions& xdp) const {
    bpf_xdp_query_opts query{};
    query.sz = sizeof query;
    if (bpf_xdp_query(static_cast<int>(ifindex_), 0, &query) != 0) return;  // let attach tell
    std::uint32_t id = 0;
    std::string mode, keyword = "xdp";  // ip link's keyword for that mode
    if (query.drv_prog_id != 0) {
        id = query.drv_prog_id, mode = "native", keyword = "xdpdrv";
    } else if (query.skb_prog_id != 0) {
        id = query.skb_prog_id, mode = "generic", keyword = "xdpgeneric";
    } else if (query.hw_prog_id != 0) {
        id = query.hw_prog_id, mode = "offloaded", keyword = "xdpoffload";
    } else if (query.prog_id != 0) {
        id = query.prog_id, mode = "an unknown";
    }
    if (id == 0 || xdp.share) return;
    fail(ErrorKind::unsupported,
         "XDP program " + program_description(id) + " is already attached in " + mode +
             " mode; AF_XDP capture needs its own. Detach it (`ip link set dev " + name_ + " " +
             keyword + " off`, or `xdp-loader unload " + name_ +
             " --all`), capture with --backend tpacket, or, if it was attached through "
             "libxdp's dispatcher, share the interface with --xdp-share");
}

void AfXdpSource::load_program(const XdpOptions& xdp, std::uint32_t map_entries) {
    const std::span<const unsigned char> image = afxdp_redirect_bpf_object();
    bpf_object_open_opts open_options{};
    open_options.sz = sizeof open_options;
    open_options.object_name = "ringdump_afxdp";
    object_ = bpf_object__open_mem(image.data(), image.size(), &open_options);
    if (object_ == nullptr) {
        fail(ErrorKind::system, "cannot open the embedded XDP program (" + errno_text(errno) + ")");
    }
    bpf_map* map = bpf_object__find_map_by_name(object_, kMapName);
    if (map == nullptr || bpf_map__set_max_entries(map, map_entries) != 0) {
        fail(ErrorKind::system, "the embedded XDP program has no socket map");
    }
    if (xdp.share) return;  // libxdp loads it, as a dispatcher extension or on its own
    if (const int error = bpf_object__load(object_); error != 0) {
        const int code = -error;
        if (code == EPERM || code == EACCES) {
            fail(ErrorKind::permission,
                 "no permission to load an XDP program (AF_XDP capture needs CAP_BPF and "
                 "CAP_NET_ADMIN, or root)");
        }
        fail(ErrorKind::unsupported,
             "the kernel refused the XDP program (" + errno_text(code) +
                 (g_library_message.empty() ? "" : ": " + g_library_message) +
                 "); AF_XDP capture needs Linux 5.9 or later");
    }
    map_fd_ = bpf_map__fd(map);
}

void AfXdpSource::attach_with_link(XdpMode mode) {
    bpf_program* program = bpf_object__find_program_by_name(object_, kProgramName);
    if (program == nullptr) fail(ErrorKind::system, "the embedded XDP program is missing");
    auto attempt = [&](std::uint32_t flags) {
        bpf_link_create_opts link_options{};
        link_options.sz = sizeof link_options;
        link_options.flags = flags;
        const int fd = bpf_link_create(bpf_program__fd(program), static_cast<int>(ifindex_),
                                       BPF_XDP, &link_options);
        if (fd >= 0) link_ = UniqueFd(fd);
        return fd >= 0 ? 0 : -fd;
    };
    auto explain = [&](int error, bool native) -> std::string {
        switch (error) {
            case EBUSY:
            case EEXIST:
                return "another XDP program was attached meanwhile; run again to see which";
            case EOPNOTSUPP:
                return native ? "the driver has no native XDP; use --xdp-mode generic"
                              : "the kernel has no generic XDP";
            case ERANGE:
                return "the MTU is too large for native XDP on this device (veth: the peer's "
                       "MTU must fit in a page); lower it or use --xdp-mode generic";
            case ENOSPC:
                return "the device has fewer RX queues than its peer has TX queues (veth); use "
                       "--xdp-mode generic or give both ends the same queue counts";
            case EINVAL:
                return "this kernel cannot attach XDP through a BPF link (Linux 5.9 or later "
                       "needed)";
            case EPERM:
            case EACCES:
                return "no permission (needs CAP_NET_ADMIN and CAP_BPF, or root)";
            default:
                return errno_text(error);
        }
    };
    if (mode != XdpMode::generic) {
        const int error = attempt(XDP_FLAGS_DRV_MODE);
        if (error == 0) {
            native_ = true;
            attach_text_ = "native XDP";
            return;
        }
        if (mode == XdpMode::native || error == EBUSY || error == EEXIST || error == EPERM ||
            error == EACCES) {
            fail(error == EPERM || error == EACCES ? ErrorKind::permission : ErrorKind::unsupported,
                 "cannot attach the XDP program in native mode: " + explain(error, true));
        }
        attach_text_ = "generic XDP (native refused: " + explain(error, true) + ")";
    } else {
        attach_text_ = "generic XDP";
    }
    if (const int error = attempt(XDP_FLAGS_SKB_MODE); error != 0) {
        fail(error == EPERM || error == EACCES ? ErrorKind::permission : ErrorKind::unsupported,
             "cannot attach the XDP program in generic mode: " + explain(error, false));
    }
}

void AfXdpSource::attach_shared(XdpMode mode) {
    shared_program_ = xdp_program__from_bpf_obj(object_, "xdp");
    if (const long error = libxdp_get_error(shared_program_); error != 0) {
        shared_program_ = nullptr;
        fail(ErrorKind::system, "libxdp cannot use the embedded XDP program (" +
                                    errno_text(static_cast<int>(-error)) + ")");
    }
    shared_mode_ = mode == XdpMode::native    ? XDP_MODE_NATIVE
                   : mode == XdpMode::generic ? XDP_MODE_SKB
                                              : XDP_MODE_UNSPEC;
    g_library_message.clear();
    if (const int error =
            xdp_program__attach(shared_program_, static_cast<int>(ifindex_), shared_mode_, 0);
        error != 0) {
        xdp_program__close(shared_program_);
        shared_program_ = nullptr;
        fail(-error == EPERM || -error == EACCES ? ErrorKind::permission : ErrorKind::unsupported,
             "libxdp could not add the XDP program to the interface's programs (" +
                 errno_text(-error) + (g_library_message.empty() ? "" : ": " + g_library_message) +
                 "); sharing needs the program already there to be libxdp's dispatcher");
    }
    bpf_map* map = bpf_object__find_map_by_name(object_, kMapName);
    map_fd_ = map != nullptr ? bpf_map__fd(map) : -1;
    if (map_fd_ < 0) fail(ErrorKind::system, "libxdp loaded the XDP program without its map");
    std::string how = "through libxdp";
    if (xdp_multiprog* programs = xdp_multiprog__get_from_ifindex(static_cast<int>(ifindex_));
        libxdp_get_error(programs) == 0 && programs != nullptr) {
        shared_mode_ = xdp_multiprog__attach_mode(programs);
        how += xdp_multiprog__is_legacy(programs)
                   ? " as the only program (libxdp could not load its dispatcher)"
                   : "'s dispatcher, with " +
                         std::to_string(xdp_multiprog__program_count(programs)) + " program(s)";
        xdp_multiprog__close(programs);
    }
    native_ = shared_mode_ == XDP_MODE_NATIVE;
    attach_text_ = std::string(native_ ? "native" : "generic") + " XDP " + how +
                   " (netlink: stays attached if ringdump is killed)";
}

void AfXdpSource::open_queue(Queue& queue, const XdpOptions& xdp, bool try_zero_copy) {
    queue.area_size = std::size_t{xdp.fill_ring} * xdp.frame_size;
    void* area = ::mmap(nullptr, queue.area_size, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (area == MAP_FAILED) {
        queue.area = nullptr;
        fail(ErrorKind::out_of_memory, "cannot allocate a " +
                                           std::to_string(queue.area_size / kMiB) + " MiB UMEM (" +
                                           errno_text(errno) + ")");
    }
    queue.area = static_cast<std::uint8_t*>(area);

    auto create = [&](bool zero_copy) -> int {
        xsk_umem_config umem_config{};
        umem_config.fill_size = xdp.fill_ring;
        umem_config.comp_size = xdp.comp_ring;
        umem_config.frame_size = xdp.frame_size;
        umem_config.frame_headroom = 0;
        umem_config.flags = 0;
        g_library_message.clear();
        if (const int error = xsk_umem__create(&queue.umem, queue.area, queue.area_size,
                                               &queue.fill, &queue.completion, &umem_config);
            error != 0) {
            queue.umem = nullptr;
            const int code = -error;
            if (code == ENOBUFS || code == ENOMEM) {
                fail(ErrorKind::out_of_memory,
                     "the kernel refused to register a " + std::to_string(queue.area_size / kMiB) +
                         " MiB UMEM (" + errno_text(code) +
                         "): locked memory is limited (RLIMIT_MEMLOCK) without CAP_IPC_LOCK; run "
                         "as root, or choose a smaller --xdp-fill-ring");
            }
            if (code == EPERM || code == EACCES) {
                fail(ErrorKind::permission,
                     "no permission to open an AF_XDP socket (capturing needs CAP_NET_RAW)");
            }
            fail(ErrorKind::unsupported,
                 "cannot register the UMEM (" + errno_text(code) + "); AF_XDP needs Linux 5.9+");
        }
        xsk_socket_config socket_config{};
        socket_config.rx_size = xdp.rx_ring;
        socket_config.tx_size = 0;
        socket_config.libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD;
        socket_config.xdp_flags = 0;
        socket_config.bind_flags =
            static_cast<std::uint16_t>(XDP_USE_NEED_WAKEUP | (zero_copy ? XDP_ZEROCOPY : XDP_COPY));
        const int error = xsk_socket__create(&queue.socket, name_.c_str(), queue.id, queue.umem,
                                             &queue.rx, nullptr, &socket_config);
        if (error != 0) {
            queue.socket = nullptr;
            xsk_umem__delete(queue.umem);
            queue.umem = nullptr;
            return -error;
        }
        return 0;
    };

    int error = try_zero_copy ? create(true) : -1;
    if (error == 0) {
        queue.zero_copy = true;
    } else {
        if (try_zero_copy) zero_copy_refusal_ = errno_text(error);
        error = create(false);
    }
    if (error != 0) {
        if (error == EINVAL) {
            fail(ErrorKind::bad_value, "cannot bind an AF_XDP socket to RX queue " +
                                           std::to_string(queue.id) + " (" + errno_text(error) +
                                           "); check --xdp-queues against `ethtool -l " + name_ +
                                           "`");
        }
        if (error == EBUSY) {
            fail(ErrorKind::unsupported, "RX queue " + std::to_string(queue.id) +
                                             " already has an AF_XDP socket (another capture?)");
        }
        fail(error == EPERM || error == EACCES ? ErrorKind::permission : ErrorKind::system,
             "cannot bind an AF_XDP socket to RX queue " + std::to_string(queue.id) + " (" +
                 errno_text(error) + ")");
    }
    queue.fd = xsk_socket__fd(queue.socket);

    // Every frame starts in the fill ring: it has exactly as many entries as there are frames,
    // so giving frames back in release() always fits.
    std::uint32_t index = 0;
    if (xsk_ring_prod__reserve(&queue.fill, xdp.fill_ring, &index) != xdp.fill_ring) {
        fail(ErrorKind::system,
             "cannot fill the fill ring of RX queue " + std::to_string(queue.id));
    }
    for (std::uint32_t i = 0; i < xdp.fill_ring; ++i) {
        *xsk_ring_prod__fill_addr(&queue.fill, index + i) = std::uint64_t{i} * xdp.frame_size;
    }
    xsk_ring_prod__submit(&queue.fill, xdp.fill_ring);
}

void AfXdpSource::set_busy_poll(Queue& queue, const XdpOptions& xdp) {
    if (xdp.busy_poll_us == 0) return;
    const int prefer = 1;
    const int usecs = static_cast<int>(xdp.busy_poll_us);
    const int budget = static_cast<int>(xdp.busy_poll_budget);
    if (::setsockopt(queue.fd, SOL_SOCKET, SO_PREFER_BUSY_POLL, &prefer, sizeof prefer) != 0) {
        const int error = errno;
        if (error == ENOPROTOOPT) {
            busy_poll_text_ = "busy polling not available (Linux 5.11+ needed)";
            return;
        }
        fail(ErrorKind::system, "cannot set SO_PREFER_BUSY_POLL (" + errno_text(error) + ")");
    }
    if (::setsockopt(queue.fd, SOL_SOCKET, SO_BUSY_POLL, &usecs, sizeof usecs) != 0) {
        const int error = errno;
        fail(error == EPERM ? ErrorKind::permission : ErrorKind::system,
             "cannot set SO_BUSY_POLL to " + std::to_string(usecs) + " us (" + errno_text(error) +
                 (error == EPERM ? "; needs CAP_NET_ADMIN" : "") + ")");
    }
    if (::setsockopt(queue.fd, SOL_SOCKET, SO_BUSY_POLL_BUDGET, &budget, sizeof budget) != 0) {
        const int error = errno;
        fail(error == EPERM ? ErrorKind::permission : ErrorKind::system,
             "cannot set SO_BUSY_POLL_BUDGET to " + std::to_string(budget) + " (" +
                 errno_text(error) + ")");
    }
    busy_poll_us_ = xdp.busy_poll_us;
    busy_poll_text_ =
        "busy polling " + std::to_string(usecs) + " us, budget " + std::to_string(budget);
}

AfXdpSource::AfXdpSource(const SourceOptions& options, const InterfaceInfo& info)
    : name_(info.name), ifindex_(info.index), link_monitor_(info.index) {
    const XdpOptions& xdp = options.xdp;
    quiet_libraries();
    try {
        if (info.link_type() != kLinktypeEthernet || info.is_loopback()) {
            fail(ErrorKind::unsupported,
                 "AF_XDP capture needs an Ethernet interface; use --backend tpacket");
        }
        if (!info.is_up()) {
            fail(ErrorKind::interface_down,
                 "the interface is down; bring it up with `ip link set " + name_ + " up`");
        }
        if (options.snap_length == 0 || options.snap_length > kMaxSnapLength) {
            fail(ErrorKind::bad_value, "snap length " + std::to_string(options.snap_length) +
                                           " is out of range; use 1 to " +
                                           std::to_string(kMaxSnapLength));
        }
        const auto page = static_cast<std::uint32_t>(::sysconf(_SC_PAGESIZE));
        if (xdp.frame_size < 2048 || xdp.frame_size > page ||
            !std::has_single_bit(xdp.frame_size)) {
            fail(ErrorKind::bad_value, "AF_XDP frame size " + std::to_string(xdp.frame_size) +
                                           " must be a power of two from 2048 to " +
                                           std::to_string(page));
        }
        for (const auto& [what, size] : {std::pair{"fill", xdp.fill_ring},
                                         {"RX", xdp.rx_ring},
                                         {"completion", xdp.comp_ring}}) {
            if (size < 1 || !std::has_single_bit(size)) {
                fail(ErrorKind::bad_value, std::string("the AF_XDP ") + what + " ring size " +
                                               std::to_string(size) + " must be a power of two");
            }
        }
        frame_size_ = xdp.frame_size;
        snap_length_ = options.snap_length;
        whole_packets_ = options.whole_packets;
        if (info.mac) mac_ = *info.mac;

        // Frames longer than a UMEM frame allows would be dropped (and counted) one by one.
        const std::uint32_t largest = xdp.frame_size - kXdpPacketHeadroom;
        if (auto mtu = interface_mtu(name_); mtu && *mtu + 18 > largest) {
            fail(ErrorKind::bad_value,
                 "its MTU of " + std::to_string(*mtu) + " bytes does not fit an AF_XDP frame of " +
                     std::to_string(xdp.frame_size) + " bytes (frames up to " +
                     std::to_string(largest) +
                     " bytes including the Ethernet header and a VLAN "
                     "tag); lower the MTU, or capture with --backend tpacket");
        }

        check_host_use(info, xdp);

        const std::uint32_t queue_count = rx_queue_count(name_);
        std::vector<std::uint32_t> ids = xdp.queues;
        if (ids.empty()) {
            for (std::uint32_t q = 0; q < queue_count; ++q)
                ids.push_back(q);
        }
        for (std::uint32_t id : ids) {
            if (id >= queue_count) {
                fail(ErrorKind::bad_value, "it has no RX queue " + std::to_string(id) + " (" +
                                               std::to_string(queue_count) + " RX queues: 0 to " +
                                               std::to_string(queue_count - 1) + ")");
            }
        }
        const std::uint64_t total = std::uint64_t{xdp.fill_ring} * xdp.frame_size * ids.size();
        if (auto available = memory_available_bytes(); available && total > *available) {
            fail(ErrorKind::out_of_memory,
                 std::to_string(ids.size()) + " UMEMs of " +
                     std::to_string(std::uint64_t{xdp.fill_ring} * xdp.frame_size / kMiB) +
                     " MiB do not fit in the " + std::to_string(*available / kMiB) +
                     " MiB of memory available; choose a smaller --xdp-fill-ring or fewer queues");
        }

        if (!options.filter.empty()) {
            std::uint32_t netmask = 0;
            for (const IpPrefix& prefix : info.addresses) {
                if (prefix.is_ipv4() && prefix.length > 0) {
                    netmask = ~0u << (32 - prefix.length);
                    break;
                }
            }
            // Compiled for frames as XDP sees them: a VLAN tag is still in the frame, so the
            // plain compilation (not libpcap's live-capture variant) matches it.
            filter_ =
                CaptureFilter::compile(options.filter, kLinktypeEthernet, kMaxSnapLength, netmask);
        }

        check_attached_program(xdp);

        // UMEM pages are pinned and, without CAP_IPC_LOCK, charged to RLIMIT_MEMLOCK.
        rlimit unlimited{RLIM_INFINITY, RLIM_INFINITY};
        ::setrlimit(RLIMIT_MEMLOCK, &unlimited);

        load_program(xdp, queue_count);
        queues_.resize(ids.size());
        for (std::size_t i = 0; i < ids.size(); ++i)
            queues_[i].id = ids[i];
        auto open_queues = [&](bool try_zero_copy) {
            for (std::size_t i = 0; i < queues_.size(); ++i) {
                // After one refusal of zero-copy the other queues would be refused too.
                open_queue(queues_[i], xdp, try_zero_copy && (i == 0 || queues_[0].zero_copy));
                set_busy_poll(queues_[i], xdp);
            }
        };
        auto insert_queues = [&] {
            for (Queue& queue : queues_) {
                if (bpf_map_update_elem(map_fd_, &queue.id, &queue.fd, BPF_ANY) != 0) {
                    fail(ErrorKind::system, "cannot add the socket of RX queue " +
                                                std::to_string(queue.id) + " to the XDP map (" +
                                                errno_text(errno) + ")");
                }
            }
        };
        if (xdp.share) {
            // libxdp loads the program (and so creates the map) when it attaches it: frames pass
            // to the stack until the sockets are in the map.
            attach_shared(xdp.mode);
            open_queues(native_);
            insert_queues();
        } else {
            // Sockets first, then the program: once it is attached (visible in `ip link`), every
            // frame reaches a socket. Zero-copy needs native mode, which only the attach below
            // settles in auto mode; a driver that can do zero-copy has native XDP too.
            open_queues(xdp.mode != XdpMode::generic);
            insert_queues();
            attach_with_link(xdp.mode);
            if (!native_ && queues_[0].zero_copy) {
                for (Queue& queue : queues_)
                    close_queue(queue);
                open_queues(false);
                insert_queues();
            }
        }
        link_at_start_ = link_monitor_.query();

        const bool zero_copy = queues_[0].zero_copy;
        const std::string queue_text = queue_list_text(ids);
        const std::string copy_text =
            zero_copy ? "zero-copy"
                      : "copy mode" + (zero_copy_refusal_.empty()
                                           ? std::string()
                                           : " (zero-copy refused: " + zero_copy_refusal_ + ")");
        description_.link_type = kLinktypeEthernet;
        description_.snap_length = options.snap_length;
        description_.name = name_;
        description_.description =
            "ringdump AF_XDP capture on " + name_ + ", RX queue" + (ids.size() > 1 ? "s " : " ") +
            queue_text + " of " + std::to_string(queue_count) + ", " + attach_text_ + ", " +
            copy_text + ", " + std::to_string(xdp.fill_ring) + " frames of " +
            std::to_string(xdp.frame_size) + " bytes per queue, RX ring " +
            std::to_string(xdp.rx_ring) + (busy_poll_text_.empty() ? "" : ", " + busy_poll_text_) +
            (filter_ ? ", capture filter run in user space" : "") +
            "; received frames only; timestamps: CLOCK_REALTIME read once per batch when "
            "ringdump takes the packets (AF_XDP has no arrival timestamp)";
        description_.filter = options.filter;
        description_.os = os_description();
        description_.mac = info.mac;
        description_.addresses = info.addresses;
        start_note_ = "AF_XDP, " + std::string(native_ ? "native" : "generic") + " XDP" +
                      (xdp.share ? " through libxdp" : "") + ", " +
                      (zero_copy ? "zero-copy" : "copy mode") + ", RX queue" +
                      (ids.size() > 1 ? "s " : " ") + queue_text + " of " +
                      std::to_string(queue_count) + ", batch timestamps";
    } catch (...) {
        close_all();
        throw;
    }
}

AfXdpSource::~AfXdpSource() {
    close_all();
}

void AfXdpSource::close_all() {
    // Detach first, so that the host gets its traffic back before the sockets go.
    link_.reset();
    if (shared_program_ != nullptr) {
        xdp_program__detach(shared_program_, static_cast<int>(ifindex_), shared_mode_, 0);
        xdp_program__close(shared_program_);
        shared_program_ = nullptr;
    }
    for (Queue& queue : queues_)
        close_queue(queue);
    queues_.clear();
    if (object_ != nullptr) bpf_object__close(object_);
    object_ = nullptr;
}

void AfXdpSource::close_queue(Queue& queue) {
    if (queue.socket != nullptr) xsk_socket__delete(queue.socket);
    if (queue.umem != nullptr) xsk_umem__delete(queue.umem);
    if (queue.area != nullptr) ::munmap(queue.area, queue.area_size);
    const std::uint32_t id = queue.id;
    queue = Queue{};
    queue.id = id;
}

std::vector<int> AfXdpSource::poll_fds() const {
    std::vector<int> fds;
    for (const Queue& queue : queues_)
        fds.push_back(queue.fd);
    return fds;
}

std::size_t AfXdpSource::read(std::span<PacketView> out) {
    if (busy_poll_us_ != 0) {
        // Busy polling happens in recvmsg: one call per queue and batch drives its NAPI.
        for (Queue& queue : queues_)
            ::recvfrom(queue.fd, nullptr, 0, MSG_DONTWAIT, nullptr, nullptr);
    }
    std::size_t count = 0;
    bool stamped = false;
    const std::size_t queue_count = queues_.size();
    for (std::size_t k = 0; k < queue_count && count < out.size(); ++k) {
        Queue& queue = queues_[(next_queue_ + k) % queue_count];
        while (count < out.size()) {
            std::uint32_t index = 0;
            const auto wanted = static_cast<std::uint32_t>(out.size() - count);
            const std::uint32_t got = xsk_ring_cons__peek(&queue.rx, wanted, &index);
            if (got == 0) break;
            if (!stamped) {
                // One clock read per batch: AF_XDP has no per-packet timestamp to offer.
                timespec now{};
                ::clock_gettime(CLOCK_REALTIME, &now);
                batch_ns_ = static_cast<std::uint64_t>(now.tv_sec) * 1000000000ull +
                            static_cast<std::uint64_t>(now.tv_nsec);
                stamped = true;
            }
            queue.held += got;
            queue.seen += got;
            for (std::uint32_t i = 0; i < got; ++i) {
                const xdp_desc* desc = xsk_ring_cons__rx_desc(&queue.rx, index + i);
                const std::uint8_t* data = queue.area + desc->addr;
                const std::uint32_t length = desc->len;
                if (filter_ && filter_->run(data, length, length) == 0) {
                    ++filtered_out_;
                    continue;
                }
                PacketView& view = out[count++];
                view.data = data;
                view.caplen = whole_packets_ ? length : std::min(length, snap_length_);
                view.wirelen = length;
                view.timestamp_ns = batch_ns_;
                view.interface_id = interface_id_;
                std::uint32_t reception = epb_flags::kUnicast;
                if (length >= 6) {
                    if ((data[0] & 1) != 0) {
                        reception =
                            std::all_of(data, data + 6, [](std::uint8_t b) { return b == 0xff; })
                                ? epb_flags::kBroadcast
                                : epb_flags::kMulticast;
                    } else if (std::memcmp(data, mac_.data(), 6) != 0) {
                        reception = epb_flags::kPromiscuous;
                    }
                }
                view.flags = epb_flags::kInbound | reception;
                view.drops_before = std::exchange(queue.pending_drops, 0);
                view.queue = queue.id;
                view.vlan_tpid = 0;
                view.vlan_tci = 0;
                view.options = {};
            }
        }
    }
    next_queue_ = queue_count != 0 ? (next_queue_ + 1) % queue_count : 0;
    if (count == 0) {
        // Frames the filter rejected are held like delivered ones; with nothing delivered the
        // capture loop will not call release(), so they go back now.
        release();
        // Nothing ready. A driver in zero-copy mode may wait for a kick to refill from the fill
        // ring (need_wakeup): one recvfrom per such queue. Copy mode never asks for it.
        for (Queue& queue : queues_) {
            if (queue.held == 0 && xsk_ring_prod__needs_wakeup(&queue.fill)) {
                ::recvfrom(queue.fd, nullptr, 0, MSG_DONTWAIT, nullptr, nullptr);
            }
        }
    }
    delivered_ += count;
    return count;
}

void AfXdpSource::release() {
    for (Queue& queue : queues_) {
        if (queue.held == 0) continue;
        // The descriptors read since the last release are still in the RX ring (its consumer
        // index has not moved): their frames go back to the fill ring, then the RX entries are
        // released. The fill ring has room for every frame, so this cannot fail.
        std::uint32_t fill_index = 0;
        if (xsk_ring_prod__reserve(&queue.fill, queue.held, &fill_index) != queue.held) continue;
        const std::uint32_t first = queue.rx.cached_cons - queue.held;
        const std::uint64_t frame_mask = ~std::uint64_t{frame_size_ - 1};
        for (std::uint32_t i = 0; i < queue.held; ++i) {
            *xsk_ring_prod__fill_addr(&queue.fill, fill_index + i) =
                xsk_ring_cons__rx_desc(&queue.rx, first + i)->addr & frame_mask;
        }
        xsk_ring_prod__submit(&queue.fill, queue.held);
        xsk_ring_cons__release(&queue.rx, queue.held);
        queue.held = 0;
    }
    // The drop counters, at most every 10 ms (a getsockopt per queue), for epb_dropcount.
    if (batch_ns_ - counters_ns_ >= kStatsIntervalNs) {
        counters_ns_ = batch_ns_;
        for (Queue& queue : queues_)
            read_counters(queue);
    }
}

void AfXdpSource::read_counters(Queue& queue) {
    xdp_statistics now{};
    socklen_t length = sizeof now;
    if (::getsockopt(queue.fd, SOL_XDP, XDP_STATISTICS, &now, &length) != 0) return;
    const std::uint64_t drops_before = queue.counters.rx_dropped + queue.counters.rx_ring_full;
    const std::uint64_t drops_now = now.rx_dropped + now.rx_ring_full;
    if (drops_now > drops_before) queue.pending_drops += drops_now - drops_before;
    queue.counters = now;
}

SourceStats AfXdpSource::stats() {
    SourceStats stats;
    XdpCounters xdp;
    std::uint64_t seen = 0;
    for (Queue& queue : queues_) {
        read_counters(queue);
        xdp.rx_dropped += queue.counters.rx_dropped;
        xdp.rx_invalid_descs += queue.counters.rx_invalid_descs;
        xdp.rx_ring_full += queue.counters.rx_ring_full;
        xdp.rx_fill_ring_empty_descs += queue.counters.rx_fill_ring_empty_descs;
        seen += queue.seen;
    }
    stats.dropped = xdp.rx_dropped + xdp.rx_ring_full;
    // Like TPACKET_V3's count: packets that passed the filter, plus those dropped before it ran.
    stats.received = seen - filtered_out_ + stats.dropped;
    stats.delivered = delivered_;
    stats.filtered_out = filtered_out_;
    stats.xdp = xdp;
    add_interface_counters(link_at_start_, link_monitor_.query(), stats);
    return stats;
}

void AfXdpSource::check_error() {
    for (const Queue& queue : queues_) {
        int error = 0;
        socklen_t length = sizeof error;
        ::getsockopt(queue.fd, SOL_SOCKET, SO_ERROR, &error, &length);
        if (error == ENETDOWN) {
            link_down_ = true;
        } else if (error != 0) {
            fail(ErrorKind::system, "the AF_XDP socket of RX queue " + std::to_string(queue.id) +
                                        " failed: " + errno_text(error));
        }
    }
    // Unbound sockets report nothing to poll(), so ask the kernel about the device each time.
    const LinkState state = link_monitor_.query();
    if (!state.exists) {
        fail(ErrorKind::interface_gone,
             "the interface was removed during the capture; the packets captured until then "
             "are saved");
    }
    if (link_down_ && (state.flags & IFF_UP) != 0) link_down_ = false;
}

}  // namespace

bool afxdp_available() {
    return true;
}

std::unique_ptr<Source> open_afxdp_source(const SourceOptions& options) {
    auto info = find_interface(options.interface);
    if (!info) {
        throw Error(ErrorKind::no_such_interface,
                    options.interface + ": no such interface; `ringdump -D` lists the interfaces");
    }
    return std::make_unique<AfXdpSource>(options, *info);
}

}  // namespace ringdump
