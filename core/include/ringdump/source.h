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

#include "ringdump/packet.h"
#include "ringdump/pcapng_writer.h"

namespace ringdump {

enum class Backend {
    automatic,  // TPACKET_V3 where the device type allows it, libpcap otherwise
    tpacket,    // AF_PACKET with a TPACKET_V3 memory-mapped ring
    pcap,       // libpcap (portable fallback; copies each packet once)
};

std::optional<Backend> parse_backend(std::string_view name);
std::string_view backend_name(Backend backend);

inline constexpr std::uint32_t kMaxSnapLength = 262144;

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
};

struct SourceStats {
    std::uint64_t received = 0;   // packets that passed the filter (kernel count, drops included)
    std::uint64_t dropped = 0;    // of those, lost because the buffer was full
    std::uint64_t freezes = 0;    // times the TPACKET_V3 queue froze waiting for a free block
    std::uint64_t delivered = 0;  // packets handed out by read()
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
    // True once a finite source (a file) has handed out its last packet.
    virtual bool exhausted() const { return false; }
    // Longest time a packet the kernel has accepted can stay invisible to read(): a partly
    // filled ring block is handed over only by the kernel's block timer. A capture that stops
    // keeps reading this long so that nothing accepted before the stop is lost.
    virtual std::chrono::milliseconds handover_delay() const = 0;

    void set_interface_id(std::uint32_t id) { interface_id_ = id; }
    std::uint32_t interface_id() const { return interface_id_; }

  protected:
    std::uint32_t interface_id_ = 0;
};

// Opens a source with the backend the options ask for. Throws Error with a one-line message
// naming the interface, the cause and the fix.
std::unique_ptr<Source> open_source(const SourceOptions& options);

}  // namespace ringdump
