// SPDX-License-Identifier: BSD-2-Clause
#include "ringdump/annotator.h"

#include <algorithm>
#include <array>
#include <cstring>

#include "flow_table.h"
#include "ringdump/annotation_format.h"
#include "ringdump/packet_decoder.h"
#include "ringdump/pcapng_format.h"
#include "tcp_tracker.h"

namespace ringdump {
namespace {

using annotation::Record;
using annotation::Role;
using annotation::TcpStatus;

// One EPB option: header (code, length), PEN, record. 44 bytes of value: no padding needed.
constexpr std::size_t kOptionValueBytes = 4 + annotation::kRecordSize;
constexpr std::size_t kOptionBytes = sizeof(pcapng::OptionHeader) + kOptionValueBytes;
static_assert(kOptionValueBytes % 4 == 0);

// Tuples of evicted flows, remembered (direct-mapped by hash) so that a flow created again
// afterwards is marked as having lost its state rather than as a plain mid-stream pickup.
constexpr std::size_t kEvictedMemory = 1u << 16;

std::uint64_t seconds_ns(std::chrono::seconds seconds) {
    return static_cast<std::uint64_t>(seconds.count()) * 1000000000ull;
}

annotation::Direction flip(annotation::Direction direction) {
    switch (direction) {
        case annotation::Direction::up:
            return annotation::Direction::down;
        case annotation::Direction::down:
            return annotation::Direction::up;
        default:
            return direction;
    }
}

annotation::Layers layers_of(const DecodedPacket& packet) {
    switch (packet.network) {
        case Network::ipv4:
            return annotation::Layers::ipv4;
        case Network::ipv6:
            return annotation::Layers::ipv6;
        case Network::arp:
            return annotation::Layers::arp;
        default:
            return annotation::Layers::none;
    }
}

std::uint16_t record_flags_of(const DecodedPacket& packet) {
    std::uint16_t flags = 0;
    if (packet.flags & decode_flags::kTruncated) flags |= annotation::flags::kTruncated;
    if (packet.flags & decode_flags::kMalformed) flags |= annotation::flags::kMalformed;
    if (packet.flags & decode_flags::kFragment) flags |= annotation::flags::kFragment;
    if (packet.flags & decode_flags::kVlan) flags |= annotation::flags::kVlan;
    return flags;
}

std::uint32_t saturate(std::uint64_t value) {
    return static_cast<std::uint32_t>(std::min<std::uint64_t>(value, 0xFFFFFFFFu));
}

}  // namespace

struct Annotator::State {
    explicit State(AnnotatorOptions given)
        : options(std::move(given)),
          flows(options.max_flows, options.max_memory_bytes),
          evicted(kEvictedMemory, 0) {
        timeouts[static_cast<std::size_t>(FlowClass::tcp_half_open)] =
            seconds_ns(options.tcp_half_open_timeout);
        timeouts[static_cast<std::size_t>(FlowClass::tcp_open)] =
            seconds_ns(options.tcp_idle_timeout);
        timeouts[static_cast<std::size_t>(FlowClass::tcp_closed)] =
            seconds_ns(options.tcp_closed_timeout);
        timeouts[static_cast<std::size_t>(FlowClass::udp)] = seconds_ns(options.udp_timeout);
        counters.flow_capacity = flows.capacity();
        counters.memory_bytes = flows.memory_bytes();
        arena.resize(1024 * kOptionBytes);
    }

    void annotate(PacketView& view, std::uint16_t link_type, std::uint8_t* option);
    bool idle_too_long(const Flow& flow, std::uint64_t now) const {
        const std::uint64_t timeout = timeouts[static_cast<std::size_t>(flow.flow_class)];
        return timeout != 0 && now > flow.last_seen_ns && now - flow.last_seen_ns > timeout;
    }
    void track_flow(const PacketView& view, const DecodedPacket& packet, Record& record);

    AnnotatorOptions options;
    FlowTable flows;
    std::vector<std::uint32_t> evicted;
    std::array<std::uint64_t, kFlowClasses> timeouts{};
    std::uint64_t next_stream_id = 0;
    AnnotatorCounters counters;
    std::vector<std::uint8_t> arena;
    DecodedPacket decoded;  // reused: no per-packet construction
};

void Annotator::State::annotate(PacketView& view, std::uint16_t link_type, std::uint8_t* option) {
    decode_packet(view, link_type, decoded);
    const DecodedPacket& packet = decoded;
    ++counters.packets;
    if (packet.flags & decode_flags::kTruncated) ++counters.truncated_packets;
    if (packet.flags & decode_flags::kMalformed) ++counters.malformed_packets;

    Record record;
    record.layers = layers_of(packet);
    record.transport = static_cast<annotation::Transport>(packet.transport);
    record.flags = record_flags_of(packet);
    if (packet.is_ip()) {
        if (packet.has_ports() && (packet.flags & decode_flags::kMalformed) == 0) {
            track_flow(view, packet, record);
        } else {
            record.direction = static_cast<annotation::Direction>(options.local_networks.classify(
                packet.network == Network::ipv6, packet.source.data(), packet.destination.data()));
        }
    }

    const pcapng::OptionHeader header{annotation::kOptionCode,
                                      static_cast<std::uint16_t>(kOptionValueBytes)};
    std::memcpy(option, &header, sizeof header);
    const std::uint32_t pen = annotation::kPen;  // section (host) byte order, like all of pcapng
    std::memcpy(option + sizeof header, &pen, sizeof pen);
    const auto encoded = annotation::encode(record);
    std::memcpy(option + sizeof header + sizeof pen, encoded.data(), encoded.size());
    view.options = std::span<const std::uint8_t>(option, kOptionBytes);
}

void Annotator::State::track_flow(const PacketView& view, const DecodedPacket& packet,
                                  Record& record) {
    const bool ipv6 = packet.network == Network::ipv6;
    const bool tcp = packet.transport == Transport::tcp;
    const std::size_t address_bytes = ipv6 ? 16 : 4;
    const int order = std::memcmp(packet.source.data(), packet.destination.data(), address_bytes);
    const bool from_low =
        order < 0 || (order == 0 && packet.source_port <= packet.destination_port);

    FlowKey key;
    key.low_address = from_low ? packet.source : packet.destination;
    key.high_address = from_low ? packet.destination : packet.source;
    key.low_port = from_low ? packet.source_port : packet.destination_port;
    key.high_port = from_low ? packet.destination_port : packet.source_port;
    key.vlan = packet.vlan_id;
    key.protocol = tcp ? 6 : 17;
    key.ipv6 = ipv6 ? 1 : 0;
    const std::uint32_t hash = FlowTable::hash(key);
    const std::size_t sender = from_low ? 0 : 1;

    const bool syn = tcp && (packet.tcp_flags & tcp_flags::kSyn) != 0;
    const bool ack = tcp && (packet.tcp_flags & tcp_flags::kAck) != 0;
    Flow* flow = flows.find(key, hash);
    if (flow != nullptr && idle_too_long(*flow, view.timestamp_ns)) {
        // Its timeout passed before this packet (the per-batch expiry may not have run since):
        // the old stream ended, this tuple starts a new one.
        flows.remove(*flow);
        flow = nullptr;
        ++counters.flows_expired;
    }
    if (flow != nullptr && syn && !ack) {
        // A new connection on a tuple in use: after a close, with another initial sequence
        // number, or after state the capture joined mid-stream. The old stream ends here and
        // the new one gets its own id. (A second SYN of a simultaneous open is not new.)
        const tcp::DirectionState& side = flow->side[sender];
        const bool new_connection = flow->flow_class == FlowClass::tcp_closed ||
                                    (side.syn_seen && side.isn != packet.sequence) ||
                                    (side.initialized && !side.syn_seen);
        if (new_connection) {
            flows.remove(*flow);
            flow = nullptr;
            ++counters.streams_restarted;
        }
    }
    if (flow == nullptr) {
        bool evicted_one = false;
        std::uint32_t evicted_hash = 0;
        flow = flows.create(key, hash, view.timestamp_ns, evicted_one, &evicted_hash);
        if (evicted_one) {
            ++counters.flows_evicted;
            evicted[evicted_hash & (kEvictedMemory - 1)] = evicted_hash | 1u;
        }
        std::uint32_t& remembered = evicted[hash & (kEvictedMemory - 1)];
        if (remembered == (hash | 1u)) {
            flow->state_lost = true;
            remembered = 0;
        }
        flow->stream_id = next_stream_id++;
        flow->owner_interface = view.interface_id;
        const annotation::Direction as_sent = static_cast<annotation::Direction>(
            options.local_networks.classify(ipv6, packet.source.data(), packet.destination.data()));
        flow->low_to_high_direction = static_cast<std::uint8_t>(from_low ? as_sent : flip(as_sent));
        // Roles: from the handshake when it is seen; otherwise the endpoint with the lower port
        // is the server (ties: the destination of the first packet), and for UDP the first
        // sender is the client.
        std::size_t client_side;
        if (syn) {
            client_side = ack ? 1 - sender : sender;
        } else if (tcp && packet.source_port != packet.destination_port) {
            client_side = packet.source_port > packet.destination_port ? sender : 1 - sender;
        } else {
            client_side = sender;
        }
        flow->client = static_cast<std::uint8_t>(client_side + 1);
        ++counters.flows_created;
        ++(tcp ? counters.tcp_streams : counters.udp_streams);
        record.flags |= annotation::flags::kStreamStart;
    }

    record.flags |= annotation::flags::kHasStream;
    if (flow->state_lost) record.flags |= annotation::flags::kStateLost;
    record.stream_id = flow->stream_id;
    record.role = flow->client == sender + 1 ? Role::client : Role::server;
    const auto low_to_high = static_cast<annotation::Direction>(flow->low_to_high_direction);
    record.direction = from_low ? low_to_high : flip(low_to_high);

    FlowClass flow_class = FlowClass::udp;
    if (tcp) {
        if (view.interface_id == flow->owner_interface) {
            tcp::Segment segment{packet.sequence, packet.acknowledgement, packet.window,
                                 packet.tcp_flags, packet.payload_length};
            const tcp::Outcome outcome =
                tcp::track(flow->side[sender], flow->side[1 - sender], segment);
            record.tcp_status = outcome.status;
            record.relative_sequence = outcome.relative_sequence;
            record.stream_offset = outcome.stream_offset;
            record.gap_bytes = saturate(outcome.gap_bytes);
            record.capture_loss_bytes = saturate(outcome.capture_loss_bytes);
            if (outcome.midstream) record.flags |= annotation::flags::kMidstream;
            if (outcome.holes_dropped) {
                record.flags |= annotation::flags::kHolesDropped;
                ++counters.hole_cap_hits;
            }
            if (outcome.gap_bytes != 0) {
                ++counters.gaps;
                counters.gap_bytes += outcome.gap_bytes;
            }
            if (outcome.filled_hole) ++counters.holes_filled;
            counters.capture_loss_bytes += outcome.capture_loss_bytes;
        }
        // Packets of the same flow seen on another interface share its id and roles; their
        // sequence facts are not tracked, so the copies are not reported as retransmissions.
        if (packet.tcp_flags & (tcp_flags::kFin | tcp_flags::kRst)) {
            record.flags |= annotation::flags::kStreamEnd;
        }
        if (packet.tcp_flags & tcp_flags::kRst) flow->reset = true;
        const tcp::DirectionState& low = flow->side[0];
        const tcp::DirectionState& high = flow->side[1];
        if (flow->reset || (low.fin_seen && high.fin_seen)) {
            flow_class = FlowClass::tcp_closed;
        } else if ((low.syn_seen || high.syn_seen) && low.max_end == 0 && high.max_end == 0 &&
                   !(low.initialized && high.initialized)) {
            // Only handshake packets so far, one way: half-open (a capture of one direction of
            // a working connection sees data and counts as open).
            flow_class = FlowClass::tcp_half_open;
        } else {
            flow_class = FlowClass::tcp_open;
        }
    }
    flows.touch(*flow, flow_class, view.timestamp_ns);
}

Annotator::Annotator(AnnotatorOptions options)
    : state_(std::make_unique<State>(std::move(options))) {}

Annotator::~Annotator() = default;

void Annotator::annotate(std::span<PacketView> packets, std::span<const std::uint16_t> link_types) {
    State& state = *state_;
    if (packets.empty()) return;
    if (state.arena.size() < packets.size() * kOptionBytes) {
        state.arena.resize(packets.size() * kOptionBytes);  // only for batches above 1024
    }
    // Timeouts run on packet time: once per batch at the batch's first time (no flow a packet of
    // this batch uses is expired by a later packet's time), and for each flow when it is looked
    // up. A tuple seen again after its flow expired starts a new stream.
    state.counters.flows_expired +=
        state.flows.expire(packets.front().timestamp_ns, state.timeouts);
    for (std::size_t i = 0; i < packets.size(); ++i) {
        PacketView& view = packets[i];
        const std::uint16_t link_type =
            view.interface_id < link_types.size() ? link_types[view.interface_id] : 0;
        state.annotate(view, link_type, state.arena.data() + i * kOptionBytes);
    }
}

const AnnotatorCounters& Annotator::counters() const {
    return state_->counters;
}

std::vector<std::uint8_t> Annotator::counters_payload() const {
    const AnnotatorCounters& c = state_->counters;
    const std::uint64_t values[] = {
        c.packets,           c.flows_created,     c.tcp_streams,   c.udp_streams,
        c.streams_restarted, c.flows_expired,     c.flows_evicted, c.gaps,
        c.gap_bytes,         c.holes_filled,      c.hole_cap_hits, c.capture_loss_bytes,
        c.truncated_packets, c.malformed_packets, c.flow_capacity, c.memory_bytes};
    std::vector<std::uint8_t> payload;
    auto put = [&](std::uint64_t value, std::size_t bytes) {
        for (std::size_t i = 0; i < bytes; ++i)
            payload.push_back(static_cast<std::uint8_t>(value >> (8 * i)));
    };
    put(1, 2);                  // payload version
    put(std::size(values), 2);  // number of counters that follow
    for (std::uint64_t value : values)
        put(value, 8);
    return payload;
}

}  // namespace ringdump
