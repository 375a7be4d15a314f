// SPDX-License-Identifier: BSD-2-Clause
// The annotation stage: for every packet of a batch, decode the headers, classify the
// host-relative direction, look the flow up, track TCP per direction, and encode one record
// (annotation_format.h) as a custom option of the packet's EPB.
//
//   batch ──► decode ──► direction ──► flow table ──► TCP tracker ──► record ──► EPB option
//
// Memory is bounded and allocated up front: a fixed-capacity flow table (capacity from the flow
// and memory caps), a fixed number of holes per direction, and one option arena per batch.
// Nothing is allocated per packet. Time comes from packet timestamps, so annotating a file
// gives the same result every time.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "ringdump/local_networks.h"
#include "ringdump/packet.h"

namespace ringdump {

struct AnnotatorOptions {
    LocalNetworks local_networks;                    // empty: direction "unknown" for every packet
    std::size_t max_flows = 262144;  // flows tracked at once
    std::size_t max_memory_bytes = 256u << 20;  // flow table and its index together
    std::chrono::seconds tcp_idle_timeout{300};      // established TCP with no packet
    std::chrono::seconds tcp_half_open_timeout{30};  // handshake never completed
    std::chrono::seconds tcp_closed_timeout{10};     // after FIN both ways or RST
    std::chrono::seconds udp_timeout{60};
};

// Totals since the annotator was made; written at stop as a custom block and printed by the
// standalone command.
struct AnnotatorCounters {
    std::uint64_t packets = 0;
    std::uint64_t flows_created = 0;
    std::uint64_t tcp_streams = 0;
    std::uint64_t udp_streams = 0;
    std::uint64_t streams_restarted = 0;  // a new connection (SYN) on a tuple in use: new id
    std::uint64_t flows_expired = 0;      // removed by a timeout
    std::uint64_t flows_evicted = 0;      // removed because the table was full (cap hit)
    std::uint64_t gaps = 0;               // holes opened (segments ahead of the stream)
    std::uint64_t gap_bytes = 0;
    std::uint64_t holes_filled = 0;
    std::uint64_t hole_cap_hits = 0;       // a hole forgotten because a direction had too many
    std::uint64_t capture_loss_bytes = 0;  // acknowledged by the peer, never captured
    std::uint64_t truncated_packets = 0;
    std::uint64_t malformed_packets = 0;
    std::uint64_t flow_capacity = 0;  // the cap in effect
    std::uint64_t memory_bytes = 0;   // what the tables use (fixed at construction)
};

class Annotator {
  public:
    explicit Annotator(AnnotatorOptions options);
    ~Annotator();
    Annotator(const Annotator&) = delete;
    Annotator& operator=(const Annotator&) = delete;

    // Annotates every packet: sets its options to the encoded custom option. link_types holds
    // the LINKTYPE of each interface id. The option bytes stay valid until the next call.
    void annotate(std::span<PacketView> packets, std::span<const std::uint16_t> link_types);

    const AnnotatorCounters& counters() const;

    // The counters as the payload of a pcapng custom block (after the PEN); the layout is in
    // docs/annotations.md.
    std::vector<std::uint8_t> counters_payload() const;

  private:
    struct State;
    std::unique_ptr<State> state_;
};

}  // namespace ringdump
