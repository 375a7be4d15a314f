// SPDX-License-Identifier: BSD-2-Clause
// The traffic the micro-benchmarks annotate and write: what a capture point in front of a few
// thousand busy hosts (a server access switch, a site uplink) sees in 65 ms, built in memory.
//
//   flows in the table          ~11,500 at once: 10,000 long-lived TCP connections, ~300 short
//                               ones (new every pass), 1,000 DNS client ports, 200 QUIC flows
//   packets per pass            65,536, one every microsecond (a 1 Mpps link), looped
//   by protocol                 TCP ~87 % (of which pure ACKs ~1 in 4), UDP ~12 % (DNS ~5 %,
//                               QUIC ~7 %), ICMP/ICMPv6 and ARP ~1 %
//   IPv6                        ~22 % of packets (a fifth of the TCP connections, a quarter of
//                               DNS, a third of QUIC, a third of ICMP)
//   VLAN                        ~17 %: ~11 % tagged in the frame (802.1Q), ~6 % with the tag
//                               stripped by the kernel (PacketView::vlan_tci, as TPACKET_V3
//                               hands it over)
//   sizes on the wire           data 1448-byte TCP segments (MSS 1460 with timestamps), requests
//                               200-350 bytes, ACKs 0, DNS 28-270, QUIC 1252 / 40-80
//   kept in memory              the first 128 bytes of each frame (headers and a little payload),
//                               wirelen the whole frame, as a snap length leaves them
//
// The long-lived connections are set up first (their handshakes: setup_views()); the steady
// pass then carries server data (60 % of their packets), client requests (15 %) and client ACKs
// (25 %), each packet of a connection picked at random: there are no packet trains, so
// consecutive packets almost never share a flow and every lookup goes to a random flow of the
// ~11,500 (the pessimistic case for caches; real captures interleave less). The short
// connections live through a whole exchange within a pass (SYN, SYN-ACK, ACK, request, 1-6
// response segments with delayed ACKs, FIN both ways, last ACK, ~9-14 packets); in the next pass
// their tuples return with new initial sequence numbers, so the annotator ends each old stream
// and starts a new one (streams restarted, the same work as new flows plus the removal of the
// old). DNS queries are answered a few packets later.
//
// Each pass continues the previous one: next_pass() moves every TCP sequence and
// acknowledgement number on by what its sender sent in a pass (long connections) or to a new
// initial sequence number (short ones), and time by a pass. A clean trace: annotated pass after
// pass it has no gaps, no capture loss and nothing to evict.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "frame_builder.h"
#include "ringdump/annotator.h"
#include "ringdump/packet.h"

namespace ringdump::bench {

class RealisticTraffic {
  public:
    static constexpr std::size_t kSteadyPackets = 65536;
    static constexpr std::uint32_t kSnap = 128;  // bytes kept of each frame
    static constexpr std::uint32_t kLongConnections = 10000;
    static constexpr std::uint32_t kDnsClients = 1000;
    static constexpr std::uint32_t kQuicFlows = 200;
    static constexpr std::uint64_t kStart = 1'700'000'000ull * 1'000'000'000ull;

    RealisticTraffic();

    // The handshakes of the long-lived connections.
    std::span<PacketView> setup_views() { return setup_views_; }
    // One pass of the steady trace, in capture order.
    std::span<PacketView> steady_views() { return steady_views_; }
    // Moves the steady trace one pass on: sequence numbers continue, time goes on.
    void next_pass() { shift(1); }
    // Back to the first pass (for a new annotator, right after the setup).
    void rewind() { shift(-passes_); }

    // What one steady pass holds, counted while it was built.
    struct Shares {
        std::size_t packets = 0, tcp = 0, tcp_pure_acks = 0, udp = 0, dns = 0, quic = 0, icmp = 0,
                    arp = 0, ipv6 = 0, vlan_in_frame = 0, vlan_stripped = 0, short_connections = 0;
    };
    const Shares& shares() const { return shares_; }
    std::string describe() const;

    // The local networks of the mix (the hosts on this side of the capture point).
    static AnnotatorOptions options(std::size_t max_flows = 262144,
                                    std::size_t max_memory_bytes = std::size_t{128} << 20);

    struct Frame {
        test::Bytes bytes;  // the frame, cut to kSnap bytes
        std::uint32_t wirelen = 0;
        std::uint16_t stripped_vlan = 0;  // a tag the kernel removed (0: none)
        // TCP: where the header is, and the sequence streams (see next_pass) of the sender and
        // of the receiver, whose bytes the acknowledgement number counts.
        std::uint32_t tcp_at = 0;  // 0: not TCP
        std::uint32_t sender = 0;
        std::uint32_t receiver = 0;
        bool acknowledges = false;  // ACK flag set
    };

  private:
    void shift(std::int64_t passes);

    std::vector<Frame> setup_;
    std::vector<Frame> steady_;
    std::vector<std::uint32_t> stream_delta_;  // per sequence stream: what one pass adds
    std::vector<PacketView> setup_views_;
    std::vector<PacketView> steady_views_;
    std::int64_t passes_ = 0;
    Shares shares_;
};

// One instance for the whole benchmark process (building it takes a moment).
RealisticTraffic& realistic_traffic();

}  // namespace ringdump::bench
