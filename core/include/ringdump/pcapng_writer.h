// SPDX-License-Identifier: BSD-2-Clause
// Streams a pcapng section: one SHB, an IDB per interface, EPBs in batches, ISBs at the end.
//
// Packet bytes are never copied. For each batch the writer builds the EPB headers and trailers
// in a fixed arena and hands header, packet bytes (still in the source's ring) and trailer to
// the sink as one iovec list, so a batch of up to a thousand packets costs a writev or two.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "ringdump/ip_prefix.h"
#include "ringdump/packet.h"
#include "ringdump/sink.h"

namespace ringdump {

struct SectionInfo {
    std::string hardware;          // shb_hardware
    std::string os;                // shb_os
    std::string user_application;  // shb_userappl
};

// What goes into an Interface Description Block.
struct InterfaceDescription {
    std::uint16_t link_type = 1;                     // LINKTYPE_*
    std::uint32_t snap_length = 262144;              // also the most bytes written per packet
    std::string name;                                // if_name
    std::string description;                         // if_description
    std::string filter;                              // if_filter (libpcap syntax); empty = none
    std::string os;                                  // if_os
    std::optional<std::array<std::uint8_t, 6>> mac;  // if_MACaddr
    std::vector<IpPrefix> addresses;                 // if_IPv4addr / if_IPv6addr
};

// What goes into an Interface Statistics Block. Unknown counters are left out of the block.
struct InterfaceStatistics {
    std::uint64_t timestamp_ns = 0;
    std::optional<std::uint64_t> start_ns;         // isb_starttime
    std::optional<std::uint64_t> end_ns;           // isb_endtime
    std::optional<std::uint64_t> if_received;      // isb_ifrecv
    std::optional<std::uint64_t> if_dropped;       // isb_ifdrop
    std::optional<std::uint64_t> filter_accepted;  // isb_filteraccept
    std::optional<std::uint64_t> os_dropped;       // isb_osdrop
    std::optional<std::uint64_t> user_delivered;   // isb_usrdeliv
    std::string comment;                           // opt_comment; empty = none
    // Further options, already encoded as TLVs (e.g. a custom option), written before the end.
    std::vector<std::uint8_t> extra_options;
};

class PcapngWriter {
  public:
    // Most packets per write_packets call that fit one arena fill; larger batches are split.
    static constexpr std::size_t kBatchPackets = 1024;

    explicit PcapngWriter(Sink& sink);

    // Each write returns false when the reader went away (EPIPE) and throws Error on any other
    // write failure. Nothing is buffered across calls: when a call returns, its bytes are in
    // the sink, so a source may release the packet memory.
    bool write_section_header(const SectionInfo& info);
    // Writes an IDB now and returns its interface id through id.
    bool write_interface(const InterfaceDescription& description, std::uint32_t& id);
    bool write_packets(std::span<const PacketView> packets);
    bool write_statistics(std::uint32_t interface_id, const InterfaceStatistics& stats);

    std::uint64_t packets_written() const { return packets_written_; }
    std::uint64_t bytes_written() const { return sink_.bytes_written(); }
    std::size_t interface_count() const { return snap_lengths_.size(); }

    // Largest captured length an EPB can carry with option_bytes of options and stay within
    // pcapng::kMaxBlockSize.
    static std::uint32_t max_captured_length(std::uint32_t option_bytes);

  private:
    bool append_packet(const PacketView& packet);
    void add_arena_iov(std::size_t end);
    bool flush();

    Sink& sink_;
    std::vector<std::uint8_t> arena_;  // EPB headers, re-inserted VLAN tags, trailers
    std::size_t arena_used_ = 0;
    std::size_t arena_iov_start_ = 0;  // arena bytes not yet covered by an iovec start here
    std::vector<iovec> iov_;
    std::size_t iov_used_ = 0;
    std::vector<std::uint32_t> snap_lengths_;  // per interface id
    std::vector<std::uint16_t> link_types_;    // per interface id
    std::uint64_t packets_written_ = 0;
};

// Appends one option TLV (header, value, zero padding) to out. For custom options, the value
// starts with the 4-byte Private Enterprise Number. Values beyond 65535 bytes are cut there.
void append_option(std::vector<std::uint8_t>& out, std::uint16_t code,
                   std::span<const std::uint8_t> value);

}  // namespace ringdump
