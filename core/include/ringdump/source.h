// SPDX-License-Identifier: BSD-2-Clause
// A capture source: packets from one interface, handed out in batches of views into memory the
// source shares with the kernel.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ringdump/packet.h"
#include "ringdump/pcapng_writer.h"

namespace ringdump {

enum class Backend {
    // TPACKET_V3 where the device type allows it, libpcap otherwise. Never AF_XDP: see
    // docs/afxdp.md, "Why auto never picks AF_XDP".
    automatic,
    tpacket,  // AF_PACKET with a TPACKET_V3 memory-mapped ring
    pcap,     // libpcap (portable fallback; copies each packet once)
    afxdp,    // an XDP program redirecting every RX queue to AF_XDP sockets (docs/afxdp.md)
};

std::optional<Backend> parse_backend(std::string_view name);
std::string_view backend_name(Backend backend);

inline constexpr std::uint32_t kMaxSnapLength = 262144;

// Where the AF_XDP backend's XDP program runs.
enum class XdpMode {
    automatic,  // native (driver) mode where the driver has it, generic (skb) mode otherwise
    native,     // in the driver, before an skb exists; fails where the driver lacks it
    generic,    // after the skb is built: works on every device, slower
};

std::optional<XdpMode> parse_xdp_mode(std::string_view name);
std::string_view xdp_mode_name(XdpMode mode);

// The AF_XDP backend's settings (SourceOptions::xdp). Ring sizes and the frame size must be
// powers of two; see docs/afxdp.md for what each one costs.
struct XdpOptions {
    std::vector<std::uint32_t> queues;  // RX queues to capture, ascending; empty = all of them
    XdpMode mode = XdpMode::automatic;
    std::uint32_t frame_size = 4096;      // UMEM frame (chunk): 2048 or 4096 bytes
    std::uint32_t fill_ring = 4096;       // fill ring entries = UMEM frames, per queue
    std::uint32_t rx_ring = 4096;         // RX ring entries, per queue
    std::uint32_t comp_ring = 64;         // completion ring entries (unused: nothing is sent)
    std::uint32_t busy_poll_us = 0;       // SO_BUSY_POLL with SO_PREFER_BUSY_POLL; 0 = off
    std::uint32_t busy_poll_budget = 64;  // SO_BUSY_POLL_BUDGET, when busy polling
    // The interface has addresses (or a master or VLAN/macvlan devices on top): the redirect
    // takes its traffic away from the host's stack. Refused unless this is set.
    bool take_host_traffic = false;
    // Another XDP program is attached: join it through libxdp's multi-program dispatcher
    // instead of refusing. The dispatcher is attached through netlink, not a BPF link.
    bool share = false;
};

// Parses an RX queue list: "0", "0,2", "1-3", "0,4-7". Ascending, no repeats, each at most
// 65535; nullopt when malformed.
std::optional<std::vector<std::uint32_t>> parse_queue_list(std::string_view text);
// The reverse, compressed into ranges: {0,1,2,5} -> "0-2,5".
std::string queue_list_text(const std::vector<std::uint32_t>& queues);

struct SourceOptions {
    std::string interface;
    Backend backend = Backend::automatic;
    std::uint32_t snap_length = kMaxSnapLength;  // bytes stored per packet
    bool promiscuous = true;
    std::uint64_t buffer_bytes = 128ull << 20;  // kernel ring: the burst buffer
    std::uint32_t block_bytes = 1u << 20;       // TPACKET_V3 block size (power of two)
    std::uint32_t block_timeout_ms = 10;        // a partly filled block is handed over after this
    std::string filter;                         // libpcap syntax; empty = everything
    // Have the kernel keep whole packets even when snap_length is smaller, for the annotator,
    // which reads headers past the stored prefix; the writer still stores snap_length bytes.
    bool whole_packets = false;
    XdpOptions xdp;  // for Backend::afxdp
};

// XDP_STATISTICS of the AF_XDP sockets (struct xdp_statistics), summed over the queues. Kernel
// counters, per cause: rx_dropped counts frames dropped because the fill ring was empty (those
// are also in rx_fill_ring_empty_descs) or because a frame was larger than a UMEM frame;
// rx_ring_full frames dropped because the RX ring was full.
struct XdpCounters {
    std::uint64_t rx_dropped = 0;
    std::uint64_t rx_invalid_descs = 0;
    std::uint64_t rx_ring_full = 0;
    std::uint64_t rx_fill_ring_empty_descs = 0;
};

struct SourceStats {
    std::uint64_t received = 0;   // packets that passed the filter (kernel count, drops included)
    std::uint64_t dropped = 0;    // of those, lost because the buffer was full
    std::uint64_t freezes = 0;    // times the TPACKET_V3 queue froze waiting for a free block
    std::uint64_t delivered = 0;  // packets handed out by read()
    std::uint64_t filtered_out = 0;  // rejected by a capture filter run in user space
    std::optional<XdpCounters> xdp;  // AF_XDP only
    // Device counters over the capture (received + sent, dropped), where the device keeps them.
    std::optional<std::uint64_t> interface_packets;
    std::optional<std::uint64_t> interface_dropped;
};

class Source {
  public:
    virtual ~Source() = default;

    // The IDB this source's packets belong to (link type, snap length, names, filter).
    virtual const InterfaceDescription& description() const = 0;
    // Descriptor to poll for POLLIN; POLLERR means call check_error().
    virtual int poll_fd() const = 0;
    // Every descriptor to poll, when the source has several (an AF_XDP socket per RX queue):
    // POLLIN on any of them means read() has packets. The list does not change after opening.
    virtual std::vector<int> poll_fds() const { return {poll_fd()}; }
    // Fills out with up to out.size() packets that are ready now, without blocking. The views
    // stay valid until release(). Returns how many were filled; 0 when none are ready.
    virtual std::size_t read(std::span<PacketView> out) = 0;
    // Returns the memory of every packet read so far to the kernel.
    virtual void release() = 0;
    // Current totals since the source opened (reads kernel counters; not for the hot path).
    virtual SourceStats stats() = 0;
    // Called after POLLERR. Throws Error when the capture cannot go on (interface removed);
    // returns if it can.
    virtual void check_error() = 0;
    // Drops the source has counted but not yet attached to a packet as drops_before (they
    // happened after the last packet read). Asked only when the capture is idle.
    virtual std::uint64_t unattributed_drops() const { return 0; }
    // True once a finite source (a file) has handed out its last packet.
    virtual bool exhausted() const { return false; }
    // Longest time a packet the kernel has accepted can stay invisible to read(): a partly
    // filled ring block is handed over only by the kernel's block timer. A capture that stops
    // keeps reading this long so that nothing accepted before the stop is lost.
    virtual std::chrono::milliseconds handover_delay() const = 0;
    // What the backend obtained that the user should see when the capture starts ("AF_XDP,
    // native XDP, copy mode, queues 0-3"); empty when there is nothing beyond the defaults.
    virtual std::string start_note() const { return {}; }

    void set_interface_id(std::uint32_t id) { interface_id_ = id; }
    std::uint32_t interface_id() const { return interface_id_; }

  protected:
    std::uint32_t interface_id_ = 0;
};

// Opens a source with the backend the options ask for. Throws Error with a one-line message
// naming the interface, the cause and the fix.
std::unique_ptr<Source> open_source(const SourceOptions& options);

}  // namespace ringdump
