// SPDX-License-Identifier: BSD-2-Clause
#include "ringdump/annotator.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>

#include "flow_table.h"
#include "hash_mix.h"
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

// Tuples of evicted flows, remembered (direct-mapped by tuple_hash) so that a flow created again
// afterwards is marked as having lost its state rather than as a plain mid-stream pickup.
constexpr std::size_t kEvictedMemory = 1u << 16;

std::uint64_t word_at(const std::uint8_t* bytes) {
    std::uint64_t value;
    std::memcpy(&value, bytes, sizeof value);
    return value;
}

// The name of a tuple in the evicted-tuple memory. Which evicted tuples that memory still holds
// when they return (and so which streams carry state_lost) depends on this hash, so it stays the
// one the memory has always used, apart from the flow table's lookup hash (FlowTable::hash,
// chosen for speed). Computed only when a flow is created or evicted.
std::uint32_t tuple_hash(const FlowKey& key) {
    std::uint64_t h = hash_mix(word_at(key.low_address.data()) ^ 0x9e3779b97f4a7c15ull);
    h = hash_mix(h ^ word_at(key.low_address.data() + 8));
    h = hash_mix(h ^ word_at(key.high_address.data()));
    h = hash_mix(h ^ word_at(key.high_address.data() + 8));
    h = hash_mix(h ^ (std::uint64_t{key.low_port} | std::uint64_t{key.high_port} << 16 |
                      std::uint64_t{key.vlan} << 32 | std::uint64_t{key.protocol} << 48 |
                      std::uint64_t{key.ipv6} << 56));
    return static_cast<std::uint32_t>(h ^ (h >> 32));
}

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

// The decoder's truncated, malformed, fragment and VLAN flags as record flags: two shifts, as the
// bits line up (checked here), rather than a branch per flag.
std::uint16_t record_flags_of(const DecodedPacket& packet) {
    namespace in = decode_flags;
    namespace to = annotation::flags;
    static_assert((in::kTruncated << 6) == to::kTruncated &&
                  (in::kMalformed << 6) == to::kMalformed &&
                  (in::kFragment << 6) == to::kFragment && (in::kVlan << 5) == to::kVlan);
    const unsigned flags = packet.flags;
    return static_cast<std::uint16_t>(
        ((flags & (in::kTruncated | in::kMalformed | in::kFragment)) << 6) |
        ((flags & in::kVlan) << 5));
}

std::uint32_t saturate(std::uint64_t value) {
    return static_cast<std::uint32_t>(std::min<std::uint64_t>(value, 0xFFFFFFFFu));
}

// A word loaded from network byte order, as a number that orders like the bytes.
std::uint64_t big_endian(std::uint64_t value) {
    if constexpr (std::endian::native == std::endian::little) return __builtin_bswap64(value);
    return value;
}

// The EPB option of one record: header (code, length) and PEN in section (host) byte order, like
// all of pcapng, then the record (little-endian, annotation_format.h). On a little-endian host
// the record's fields are stored as the six 64-bit words of the option, the same bytes
// annotation::encode() gives (its padding zero) without assembling them byte by byte.
void write_option(const Record& record, std::uint8_t* option) {
    const pcapng::OptionHeader header{annotation::kOptionCode,
                                      static_cast<std::uint16_t>(kOptionValueBytes)};
    const std::uint32_t pen = annotation::kPen;
    std::memcpy(option, &header, sizeof header);
    std::memcpy(option + sizeof header, &pen, sizeof pen);
    std::uint8_t* const out = option + sizeof header + sizeof pen;
    if constexpr (std::endian::native == std::endian::little) {
        namespace at = annotation::layout;
        static_assert(at::kVersion == 0 && at::kLength == 1 && at::kDirection == 2 &&
                      at::kLayers == 3 && at::kTransport == 4 && at::kRole == 5 &&
                      at::kTcpStatus == 6 && at::kFlags == 8 && at::kRelativeSequence == 12 &&
                      at::kStreamId == 16 && at::kStreamOffset == 24 && at::kGapBytes == 32 &&
                      at::kCaptureLossBytes == 36 && annotation::kRecordSize == 40);
        // Five stores of registers (an array here would be assembled on the stack and read back
        // wider than it was written: a store-forwarding stall per packet).
        const auto put = [out](std::size_t at, std::uint64_t word) {
            std::memcpy(out + at, &word, sizeof word);
        };
        put(0, std::uint64_t{annotation::kVersion} | std::uint64_t{annotation::kRecordSize} << 8 |
                   std::uint64_t{static_cast<std::uint8_t>(record.direction)} << 16 |
                   std::uint64_t{static_cast<std::uint8_t>(record.layers)} << 24 |
                   std::uint64_t{static_cast<std::uint8_t>(record.transport)} << 32 |
                   std::uint64_t{static_cast<std::uint8_t>(record.role)} << 40 |
                   std::uint64_t{static_cast<std::uint8_t>(record.tcp_status)} << 48);
        put(8, std::uint64_t{record.flags} | std::uint64_t{record.relative_sequence} << 32);
        put(16, record.stream_id);
        put(24, record.stream_offset);
        put(32, std::uint64_t{record.gap_bytes} | std::uint64_t{record.capture_loss_bytes} << 32);
    } else {
        const auto encoded = annotation::encode(record);
        std::memcpy(out, encoded.data(), encoded.size());
    }
}

// Whether a packet from source (port source_port) to destination (destination_port) goes from
// the lower endpoint to the higher: the lower address (compared as memcmp compares bytes), or
// with equal addresses the lower or equal port. Addresses are the decoder's 16-byte arrays, whose
// last 12 bytes are zero for IPv4, so comparing all 16 bytes orders IPv4 addresses like their 4.
// Branch-free: the order of two endpoints is as unpredictable as the direction of a packet.
bool from_low_endpoint(const std::uint8_t* source, const std::uint8_t* destination,
                       std::uint16_t source_port, std::uint16_t destination_port) {
    std::uint64_t s[2], d[2];
    std::memcpy(s, source, sizeof s);
    std::memcpy(d, destination, sizeof d);
    const std::uint64_t s0 = big_endian(s[0]), d0 = big_endian(d[0]);
    const std::uint64_t s1 = big_endian(s[1]), d1 = big_endian(d[1]);
    const bool high_equal = s0 == d0;
    const bool lower = (s0 < d0) | (high_equal & (s1 < d1));
    const bool equal = high_equal & (s1 == d1);
    return lower | (equal & (source_port <= destination_port));
}

// A packet decoded ahead of its turn, with the flow key it will look up.
struct Pending {
    DecodedPacket packet;
    FlowKey key;
    std::uint32_t hash = 0;
    bool has_flow = false;  // TCP or UDP with ports, not malformed: key and hash are set
    bool from_low = false;  // sent by the key's low endpoint
};

// Packets are annotated in order, but decoded kAhead packets before their turn. Two packets
// later the flow key is built from the decoded headers (not at once: the decoder's narrow stores
// of the addresses could not be forwarded to the key's wide loads yet, a stall per packet), hashed
// and its index slot asked for (prefetch); three packets after that the flow the slot names;
// three packets later the packet is annotated. Lookups of a batch of packets of unrelated flows
// then wait for memory side by side instead of one after another. Only hints run ahead: every
// lookup and update still happens in packet order.
constexpr std::size_t kAhead = 8;
constexpr std::size_t kKeyStep = 2;   // steps after decoding: key, hash, index prefetch
constexpr std::size_t kFlowStep = 5;  // steps after decoding: flow prefetch
constexpr std::size_t kRing = 16;     // pending packets: kAhead + 1 at most, a power of two
static_assert(kKeyStep < kFlowStep && kFlowStep < kAhead);
static_assert(kRing > kAhead && (kRing & (kRing - 1)) == 0);

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

    void decode(const PacketView& view, std::uint16_t link_type, Pending& pending);
    void find_key(Pending& pending);
    void annotate(PacketView& view, const Pending& pending, std::uint8_t* option);
    bool idle_too_long(const Flow& flow, std::uint64_t now) const {
        const std::uint64_t timeout = timeouts[static_cast<std::size_t>(flow.flow_class)];
        return timeout != 0 && now > flow.last_seen_ns && now - flow.last_seen_ns > timeout;
    }
    void track_flow(const PacketView& view, const Pending& pending, Record& record);

    AnnotatorOptions options;
    FlowTable flows;
    std::vector<std::uint32_t> evicted;
    std::array<std::uint64_t, kFlowClasses> timeouts{};
    std::uint64_t next_stream_id = 0;
    AnnotatorCounters counters;
    std::vector<std::uint8_t> arena;
    std::array<Pending, kRing> ring;  // packets decoded ahead (see kAhead); reused
};

void Annotator::State::decode(const PacketView& view, std::uint16_t link_type, Pending& pending) {
    DecodedPacket& packet = pending.packet;
    decode_packet(view, link_type, packet);
    pending.has_flow =
        packet.is_ip() && packet.has_ports() && (packet.flags & decode_flags::kMalformed) == 0;
}

void Annotator::State::find_key(Pending& pending) {
    if (!pending.has_flow) return;
    const DecodedPacket& packet = pending.packet;
    const bool from_low = from_low_endpoint(packet.source.data(), packet.destination.data(),
                                            packet.source_port, packet.destination_port);
    // The endpoints in key order, chosen by pointer and value rather than by branch.
    const std::uint8_t* low = from_low ? packet.source.data() : packet.destination.data();
    const std::uint8_t* high = from_low ? packet.destination.data() : packet.source.data();
    FlowKey& key = pending.key;
    std::memcpy(key.low_address.data(), low, key.low_address.size());
    std::memcpy(key.high_address.data(), high, key.high_address.size());
    key.low_port = from_low ? packet.source_port : packet.destination_port;
    key.high_port = from_low ? packet.destination_port : packet.source_port;
    key.vlan = packet.vlan_id;
    key.protocol = packet.transport == Transport::tcp ? 6 : 17;
    key.ipv6 = packet.network == Network::ipv6 ? 1 : 0;
    pending.from_low = from_low;
    pending.hash = FlowTable::hash(key);
    flows.prefetch_slot(pending.hash);
}

void Annotator::State::annotate(PacketView& view, const Pending& pending, std::uint8_t* option) {
    const DecodedPacket& packet = pending.packet;
    ++counters.packets;
    counters.truncated_packets += (packet.flags & decode_flags::kTruncated) != 0;
    counters.malformed_packets += (packet.flags & decode_flags::kMalformed) != 0;

    Record record;
    record.layers = layers_of(packet);
    record.transport = static_cast<annotation::Transport>(packet.transport);
    record.flags = record_flags_of(packet);
    if (pending.has_flow) {
        track_flow(view, pending, record);
    } else if (packet.is_ip()) {
        record.direction = static_cast<annotation::Direction>(options.local_networks.classify(
            packet.network == Network::ipv6, packet.source.data(), packet.destination.data()));
    }

    write_option(record, option);
    view.options = std::span<const std::uint8_t>(option, kOptionBytes);
}

void Annotator::State::track_flow(const PacketView& view, const Pending& pending, Record& record) {
    const DecodedPacket& packet = pending.packet;
    const bool ipv6 = packet.network == Network::ipv6;
    const bool tcp = packet.transport == Transport::tcp;
    const bool from_low = pending.from_low;
    const FlowKey& key = pending.key;
    const std::uint32_t hash = pending.hash;
    const std::size_t sender = from_low ? 0 : 1;
    // (The decoder leaves tcp_flags 0 for anything but TCP.)
    const bool syn = (packet.tcp_flags & tcp_flags::kSyn) != 0;
    const bool ack = (packet.tcp_flags & tcp_flags::kAck) != 0;
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
        const tcp::StreamState& side = flow->side[sender];
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
        FlowKey evicted_key;
        flow = flows.create(key, hash, view.timestamp_ns, evicted_one, &evicted_key);
        if (evicted_one) {
            ++counters.flows_evicted;
            const std::uint32_t evicted_hash = tuple_hash(evicted_key);
            evicted[evicted_hash & (kEvictedMemory - 1)] = evicted_hash | 1u;
        }
        const std::uint32_t name = tuple_hash(key);
        std::uint32_t& remembered = evicted[name & (kEvictedMemory - 1)];
        if (remembered == (name | 1u)) {
            flow->state_lost = true;
            remembered = 0;
        }
        flow->stream_id = next_stream_id++;
        flow->owner_interface = view.interface_id;
        const annotation::Direction as_sent = static_cast<annotation::Direction>(
            options.local_networks.classify(ipv6, packet.source.data(), packet.destination.data()));
        flow->direction[sender] = static_cast<std::uint8_t>(as_sent);
        flow->direction[1 - sender] = static_cast<std::uint8_t>(flip(as_sent));
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
        flow->role[client_side] = static_cast<std::uint8_t>(Role::client);
        flow->role[1 - client_side] = static_cast<std::uint8_t>(Role::server);
        ++counters.flows_created;
        ++(tcp ? counters.tcp_streams : counters.udp_streams);
        record.flags |= annotation::flags::kStreamStart;
    }

    record.flags |= annotation::flags::kHasStream;
    if (flow->state_lost) record.flags |= annotation::flags::kStateLost;
    record.stream_id = flow->stream_id;
    record.role = static_cast<Role>(flow->role[sender]);
    record.direction = static_cast<annotation::Direction>(flow->direction[sender]);

    FlowClass flow_class = FlowClass::udp;
    if (tcp) {
        if (view.interface_id == flow->owner_interface) {
            tcp::Segment segment{packet.sequence, packet.acknowledgement, packet.window,
                                 packet.tcp_flags, packet.payload_length};
            const tcp::Outcome outcome =
                tcp::track(flow->side[sender], flows.holes(*flow, sender), flow->side[1 - sender],
                           flows.holes(*flow, 1 - sender), segment);
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
        // Closed: RST, or FIN both ways. Half-open: only handshake packets so far, one way (a
        // capture of one direction of a working connection sees data and counts as open).
        // Open: anything else. Evaluated without branches (the conditions vary packet by packet
        // across flows; bitwise operators on the flags rather than && and ||).
        const tcp::StreamState& low = flow->side[0];
        const tcp::StreamState& high = flow->side[1];
        const bool closed = flow->reset | (low.fin_seen & high.fin_seen);
        const bool half_open = (low.syn_seen | high.syn_seen) & (low.max_end == 0) &
                               (high.max_end == 0) & !(low.initialized & high.initialized);
        flow_class = closed      ? FlowClass::tcp_closed
                     : half_open ? FlowClass::tcp_half_open
                                 : FlowClass::tcp_open;
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
    auto link_type_of = [&](const PacketView& view) -> std::uint16_t {
        return view.interface_id < link_types.size() ? link_types[view.interface_id] : 0;
    };
    // Packet i is decoded at step i, its key built at step i + kKeyStep, its flow asked for at
    // step i + kFlowStep and the packet annotated at step i + kAhead (see kAhead). The steps
    // where every stage has a packet run without checks; the first and last few check each stage.
    const std::size_t count = packets.size();
    std::uint8_t* const arena = state.arena.data();
    auto decode = [&](std::size_t i) {
        if (i + kAhead < count) __builtin_prefetch(packets[i + kAhead].data);
        state.decode(packets[i], link_type_of(packets[i]), state.ring[i % kRing]);
    };
    auto find_key = [&](std::size_t i) { state.find_key(state.ring[i % kRing]); };
    auto prefetch_flow = [&](std::size_t i) {
        const Pending& pending = state.ring[i % kRing];
        if (pending.has_flow) state.flows.prefetch_flow(pending.hash);
    };
    auto annotate = [&](std::size_t i) {
        state.annotate(packets[i], state.ring[i % kRing], arena + i * kOptionBytes);
    };
    auto partial_step = [&](std::size_t step) {
        if (step < count) decode(step);
        if (step >= kKeyStep && step - kKeyStep < count) find_key(step - kKeyStep);
        if (step >= kFlowStep && step - kFlowStep < count) prefetch_flow(step - kFlowStep);
        if (step >= kAhead) annotate(step - kAhead);
    };
    std::size_t step = 0;
    for (; step < std::min(kAhead, count); ++step)
        partial_step(step);
    for (; step < count; ++step) {
        if (step + kAhead < count) __builtin_prefetch(packets[step + kAhead].data);
        state.decode(packets[step], link_type_of(packets[step]), state.ring[step % kRing]);
        find_key(step - kKeyStep);
        prefetch_flow(step - kFlowStep);
        annotate(step - kAhead);
    }
    for (; step < count + kAhead; ++step)
        partial_step(step);
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
