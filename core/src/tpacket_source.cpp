// SPDX-License-Identifier: BSD-2-Clause
// AF_PACKET TPACKET_V3 capture.
//
// Kernel facts this file relies on (Linux):
//  - TPACKET_V3 (block-based rings) exists since 3.2; tp_vlan_tpid and TP_STATUS_VLAN_TPID_VALID
//    since 3.14. Older kernels are not supported.
//  - For V3, tp_frame_size/tp_frame_nr only have to satisfy frame_nr == block_nr *
//    (block_size / frame_size); packets are laid out back to back in each block. We use one
//    "frame" per block.
//  - A socket created with protocol 0 receives nothing until bind() names a protocol, so the
//    filter and ring are in place before the first packet arrives.
//  - PACKET_STATISTICS returns the counters since the previous call and resets them; for V3,
//    tp_packets already includes tp_drops. We keep the running totals.
//  - When every block is held by user space, the kernel "freezes" the queue and drops (and
//    counts) what arrives, until the block it waits for - the oldest one we hold - is released.
//  - On NETDEV_DOWN and NETDEV_UNREGISTER of the bound device the socket gets sk_err = ENETDOWN
//    (poll reports POLLERR). After a down, the kernel re-attaches the socket on NETDEV_UP.
//  - On loopback every packet passes the tap twice (PACKET_OUTGOING, then PACKET_HOST); like
//    libpcap we keep the arriving copy, but reject the other in the kernel filter.
#include "ringdump/tpacket_source.h"

#include <arpa/inet.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <bit>
#include <cerrno>
#include <utility>
#include <vector>

#include "link_monitor.h"
#include "ringdump/capture_filter.h"
#include "ringdump/error.h"
#include "ringdump/interfaces.h"
#include "ringdump/linktype.h"
#include "ringdump/system_info.h"

namespace ringdump {
namespace {

static_assert(sizeof(BpfInstruction) == sizeof(sock_filter));

constexpr std::uint32_t kMinBlocks = 8;
constexpr std::uint64_t kMiB = 1ull << 20;

// epb_flags for each sll_pkttype (PACKET_HOST ... PACKET_KERNEL).
constexpr std::array<std::uint32_t, 8> kFlagsForPacketType = {
    epb_flags::kInbound | epb_flags::kUnicast,      // PACKET_HOST
    epb_flags::kInbound | epb_flags::kBroadcast,    // PACKET_BROADCAST
    epb_flags::kInbound | epb_flags::kMulticast,    // PACKET_MULTICAST
    epb_flags::kInbound | epb_flags::kPromiscuous,  // PACKET_OTHERHOST
    epb_flags::kOutbound,                           // PACKET_OUTGOING
    epb_flags::kInbound,                            // PACKET_LOOPBACK (looped multicast)
    0,                                              // PACKET_USER
    0,                                              // PACKET_KERNEL
};

class TpacketSource final : public Source {
  public:
    TpacketSource(const SourceOptions& options, const InterfaceInfo& info);
    ~TpacketSource() override;

    const InterfaceDescription& description() const override { return description_; }
    int poll_fd() const override { return fd_; }
    std::size_t read(std::span<PacketView> out) override;
    void release() override;
    SourceStats stats() override;
    void check_error() override;
    std::chrono::milliseconds handover_delay() const override {
        // The retire timer closes the active block only when it was already active at the
        // timer's previous run: up to two periods. The margin covers timer slack.
        return std::chrono::milliseconds(2 * block_timeout_ms_ + 20);
    }

  private:
    tpacket_block_desc* block(std::uint32_t index) const {
        return reinterpret_cast<tpacket_block_desc*>(ring_ + std::size_t{index} * block_size_);
    }
    std::uint64_t read_kernel_counters();  // returns the drops since the previous read
    std::uint64_t unattributed_drops() const override {
        std::uint64_t total = pending_drops_;
        for (const std::uint64_t drops : drops_before_block_)
            total += drops;
        return total;
    }
    [[noreturn]] void fail(ErrorKind kind, const std::string& what) const;

    std::string name_;
    int fd_ = -1;
    std::uint8_t* ring_ = nullptr;
    std::size_t ring_size_ = 0;
    std::uint32_t block_size_ = 0;
    std::uint32_t block_count_ = 0;
    std::uint32_t block_timeout_ms_ = 0;

    std::uint32_t read_block_ = 0;     // block being read, or the next one to read
    std::uint32_t release_block_ = 0;  // oldest block we hold
    std::uint32_t held_ = 0;           // blocks read from and not yet given back
    bool in_block_ = false;
    std::uint32_t packets_left_ = 0;
    const std::uint8_t* next_packet_ = nullptr;

    // Drops measured when a block was given back happened before that block's next fill.
    std::vector<std::uint64_t> drops_before_block_;
    std::uint64_t pending_drops_ = 0;

    std::uint64_t received_ = 0;
    std::uint64_t dropped_ = 0;
    std::uint64_t freezes_ = 0;
    std::uint64_t delivered_ = 0;

    LinkMonitor link_;
    LinkState link_at_start_;
    bool link_down_ = false;
    InterfaceDescription description_;
};

void TpacketSource::fail(ErrorKind kind, const std::string& what) const {
    throw Error(kind, name_ + ": " + what);
}

TpacketSource::TpacketSource(const SourceOptions& options, const InterfaceInfo& info)
    : name_(info.name), link_(info.index) {
    const std::uint16_t link_type = info.link_type();
    if (link_type == 0) {
        fail(ErrorKind::unsupported,
             "the TPACKET_V3 backend does not handle this device type "
             "(ARPHRD " +
                 std::to_string(info.arphrd) + "); use --backend pcap");
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

    // Ring geometry: blocks of the configured size, halved until there are enough of them for
    // the kernel to keep filling while we hold a few.
    const auto page = static_cast<std::uint32_t>(::sysconf(_SC_PAGESIZE));
    std::uint32_t block_size = options.block_bytes;
    if (block_size < page || !std::has_single_bit(block_size)) {
        fail(ErrorKind::bad_value, "block size " + std::to_string(block_size) +
                                       " must be a power of two of at least " +
                                       std::to_string(page) + " bytes");
    }
    if (options.buffer_bytes < page) {
        fail(ErrorKind::bad_value, "the ring buffer must be at least one page");
    }
    while (block_size > page && options.buffer_bytes / block_size < kMinBlocks)
        block_size /= 2;
    const std::uint64_t block_count64 = options.buffer_bytes / block_size;
    if (block_count64 > 0xFFFFFFFFull) fail(ErrorKind::bad_value, "the ring buffer is too large");
    block_size_ = block_size;
    block_count_ = static_cast<std::uint32_t>(block_count64);
    ring_size_ = std::size_t{block_size_} * block_count_;
    block_timeout_ms_ = options.block_timeout_ms;

    // Asking the kernel for more than the machine has makes it dig into reclaim and can wake
    // the OOM killer before it gives up, so refuse that here.
    if (auto available = memory_available_bytes(); available && ring_size_ > *available) {
        fail(ErrorKind::out_of_memory,
             "a " + std::to_string(ring_size_ / kMiB) + " MiB ring buffer does not fit in the " +
                 std::to_string(*available / kMiB) +
                 " MiB of memory available; choose a smaller buffer size");
    }

    fd_ = ::socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
    if (fd_ < 0) {
        const int error = errno;
        if (error == EPERM || error == EACCES) {
            fail(ErrorKind::permission,
                 "no permission to open a packet socket (capturing needs CAP_NET_RAW)");
        }
        fail(ErrorKind::system, "cannot open a packet socket: " + errno_text(error));
    }

    const int version = TPACKET_V3;
    if (::setsockopt(fd_, SOL_PACKET, PACKET_VERSION, &version, sizeof version) != 0) {
        fail(ErrorKind::unsupported, "this kernel does not offer TPACKET_V3 rings (" +
                                         errno_text(errno) + "); use --backend pcap");
    }

    // The kernel truncates to the snap length through the filter's return value, so the ring
    // only holds what will be written (unless the annotator needs whole packets).
    std::uint32_t netmask = 0;
    for (const IpPrefix& prefix : info.addresses) {
        if (prefix.is_ipv4() && prefix.length > 0) {
            netmask = ~0u << (32 - prefix.length);
            break;
        }
    }
    const std::uint32_t kept = options.whole_packets ? kMaxSnapLength : options.snap_length;
    const bool needs_program =
        !options.filter.empty() || info.is_loopback() || kept < kMaxSnapLength;
    if (needs_program) {
        CaptureFilter filter = options.filter.empty()
                                   ? CaptureFilter::accept_all(kept)
                                   : CaptureFilter::compile_for_interface(options.filter, name_,
                                                                          link_type, kept, netmask);
        if (info.is_loopback()) filter.reject_outgoing();
        const auto& program = filter.instructions();
        sock_fprog fprog{
            static_cast<unsigned short>(program.size()),
            reinterpret_cast<sock_filter*>(const_cast<BpfInstruction*>(program.data()))};
        if (::setsockopt(fd_, SOL_SOCKET, SO_ATTACH_FILTER, &fprog, sizeof fprog) != 0) {
            const int error = errno;
            fail(ErrorKind::bad_filter, "the kernel rejected the capture filter (" +
                                            errno_text(error) + "); simplify the filter");
        }
    }

    tpacket_req3 request{};
    request.tp_block_size = block_size_;
    request.tp_block_nr = block_count_;
    request.tp_frame_size = block_size_;
    request.tp_frame_nr = block_count_;
    request.tp_retire_blk_tov = options.block_timeout_ms;
    if (::setsockopt(fd_, SOL_PACKET, PACKET_RX_RING, &request, sizeof request) != 0) {
        const int error = errno;
        fail(error == ENOMEM ? ErrorKind::out_of_memory : ErrorKind::bad_value,
             "the kernel refused a " + std::to_string(ring_size_ / kMiB) + " MiB ring of " +
                 std::to_string(block_count_) + " blocks of " + std::to_string(block_size_ / 1024) +
                 " KiB (" + errno_text(error) + "); choose a smaller buffer size");
    }
    void* ring = ::mmap(nullptr, ring_size_, PROT_READ | PROT_WRITE, MAP_SHARED, fd_, 0);
    if (ring == MAP_FAILED) {
        fail(ErrorKind::out_of_memory, "cannot map the " + std::to_string(ring_size_ / kMiB) +
                                           " MiB ring (" + errno_text(errno) +
                                           "); choose a smaller buffer size");
    }
    ring_ = static_cast<std::uint8_t*>(ring);
    drops_before_block_.assign(block_count_, 0);

    sockaddr_ll address{};
    address.sll_family = AF_PACKET;
    address.sll_protocol = htons(ETH_P_ALL);
    address.sll_ifindex = static_cast<int>(info.index);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
        const int error = errno;
        if (error == ENODEV) fail(ErrorKind::no_such_interface, "the interface disappeared");
        if (error == ENETDOWN) {
            fail(ErrorKind::interface_down,
                 "the interface is down; bring it up with `ip link set " + name_ + " up`");
        }
        fail(ErrorKind::system, "cannot bind the packet socket: " + errno_text(error));
    }
    if (options.promiscuous) {
        packet_mreq membership{};
        membership.mr_ifindex = static_cast<int>(info.index);
        membership.mr_type = PACKET_MR_PROMISC;
        if (::setsockopt(fd_, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &membership, sizeof membership) !=
            0) {
            fail(ErrorKind::system,
                 "cannot enter promiscuous mode (" + errno_text(errno) + "); try --promisc false");
        }
    }
    link_at_start_ = link_.query();

    description_.link_type = link_type;
    description_.snap_length = options.snap_length;
    description_.name = name_;
    description_.description = "ringdump TPACKET_V3 capture on " + name_ + ", " +
                               std::to_string(ring_size_ / kMiB) + " MiB ring (" +
                               std::to_string(block_count_) + " x " +
                               std::to_string(block_size_ / 1024) + " KiB), kernel timestamps";
    description_.filter = options.filter;
    description_.os = os_description();
    description_.mac = info.mac;
    description_.addresses = info.addresses;
}

TpacketSource::~TpacketSource() {
    if (ring_ != nullptr) ::munmap(ring_, ring_size_);
    if (fd_ >= 0) ::close(fd_);
}

std::size_t TpacketSource::read(std::span<PacketView> out) {
    std::size_t count = 0;
    while (count < out.size()) {
        if (!in_block_) {
            tpacket_block_desc* next = block(read_block_);
            const std::uint32_t status =
                __atomic_load_n(&next->hdr.bh1.block_status, __ATOMIC_ACQUIRE);
            if ((status & TP_STATUS_USER) == 0) break;
            in_block_ = true;
            ++held_;
            packets_left_ = next->hdr.bh1.num_pkts;
            next_packet_ =
                reinterpret_cast<const std::uint8_t*>(next) + next->hdr.bh1.offset_to_first_pkt;
            pending_drops_ += std::exchange(drops_before_block_[read_block_], 0);
        }
        while (packets_left_ > 0 && count < out.size()) {
            const auto* header = reinterpret_cast<const tpacket3_hdr*>(next_packet_);
            const auto* link = reinterpret_cast<const sockaddr_ll*>(
                next_packet_ + TPACKET_ALIGN(sizeof(tpacket3_hdr)));
            PacketView& view = out[count++];
            view.data = next_packet_ + header->tp_mac;
            view.caplen = header->tp_snaplen;
            view.wirelen = header->tp_len;
            view.timestamp_ns = std::uint64_t{header->tp_sec} * 1000000000ull + header->tp_nsec;
            view.interface_id = interface_id_;
            view.flags = kFlagsForPacketType[link->sll_pkttype & 7];
            view.drops_before = std::exchange(pending_drops_, 0);
            view.queue = kNoQueue;  // the batch may have held another source's packets
            if ((header->tp_status & TP_STATUS_VLAN_VALID) != 0) {
                view.vlan_tci = static_cast<std::uint16_t>(header->hv1.tp_vlan_tci);
                view.vlan_tpid = (header->tp_status & TP_STATUS_VLAN_TPID_VALID) != 0
                                     ? static_cast<std::uint16_t>(header->hv1.tp_vlan_tpid)
                                     : std::uint16_t{ETH_P_8021Q};
            } else {
                view.vlan_tci = 0;
                view.vlan_tpid = 0;
            }
            view.options = {};
            next_packet_ += header->tp_next_offset;
            --packets_left_;
        }
        if (packets_left_ == 0) {
            in_block_ = false;
            read_block_ = read_block_ + 1 == block_count_ ? 0 : read_block_ + 1;
        }
    }
    delivered_ += count;
    return count;
}

void TpacketSource::release() {
    const std::uint32_t finished = held_ - (in_block_ ? 1u : 0u);
    if (finished == 0) return;
    const std::uint32_t first = release_block_;
    for (std::uint32_t i = 0; i < finished; ++i) {
        __atomic_store_n(&block(release_block_)->hdr.bh1.block_status, TP_STATUS_KERNEL,
                         __ATOMIC_RELEASE);
        release_block_ = release_block_ + 1 == block_count_ ? 0 : release_block_ + 1;
    }
    held_ -= finished;
    // If the kernel dropped while we held every block, it was waiting for `first`: the drops
    // precede whatever it writes there next. One getsockopt per given-back batch of blocks.
    if (const std::uint64_t drops = read_kernel_counters(); drops != 0) {
        drops_before_block_[first] += drops;
    }
}

std::uint64_t TpacketSource::read_kernel_counters() {
    tpacket_stats_v3 counters{};
    socklen_t length = sizeof counters;
    if (::getsockopt(fd_, SOL_PACKET, PACKET_STATISTICS, &counters, &length) != 0) return 0;
    received_ += counters.tp_packets;
    dropped_ += counters.tp_drops;
    freezes_ += counters.tp_freeze_q_cnt;
    return counters.tp_drops;
}

SourceStats TpacketSource::stats() {
    // Drops read here happened before the next block the kernel fills, which is the one read()
    // looks at next once everything read has been given back (the only time this is called
    // with packets flowing is at the end).
    if (const std::uint64_t drops = read_kernel_counters();
        drops != 0 && !drops_before_block_.empty()) {
        drops_before_block_[read_block_] += drops;
    }
    SourceStats stats;
    stats.received = received_;
    stats.dropped = dropped_;
    stats.freezes = freezes_;
    stats.delivered = delivered_;
    add_interface_counters(link_at_start_, link_.query(), stats);
    return stats;
}

void TpacketSource::check_error() {
    int error = 0;
    socklen_t length = sizeof error;
    ::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &error, &length);
    if (error != 0 && error != ENETDOWN) {
        fail(ErrorKind::system, "the capture socket failed: " + errno_text(error));
    }
    if (error == ENETDOWN) link_down_ = true;
    if (!link_down_) return;
    // Removal first takes the device down, so keep asking until it is either gone or up again.
    const LinkState state = link_.query();
    if (!state.exists) {
        fail(ErrorKind::interface_gone,
             "the interface was removed during the capture; the packets captured until then "
             "are saved");
    }
    if ((state.flags & IFF_UP) != 0) link_down_ = false;
}

}  // namespace

std::unique_ptr<Source> open_tpacket_source(const SourceOptions& options) {
    auto info = find_interface(options.interface);
    if (!info) {
        throw Error(ErrorKind::no_such_interface,
                    options.interface + ": no such interface; `ringdump -D` lists the interfaces");
    }
    return std::make_unique<TpacketSource>(options, *info);
}

}  // namespace ringdump
