// SPDX-License-Identifier: BSD-2-Clause
// The annotation engine end to end: hand-built frames in, the EPB option of every packet out,
// decoded as any pcapng reader would (option header, PEN, record). Expected values come from
// docs/annotations.md: direction, streams and their ids, roles, VLANs, several interfaces,
// truncated/malformed/fragments, TCP status through the whole pipeline, timeouts (packet time),
// eviction, counters and their payload. Last, two adversarial floods with resident memory and
// time measured (printed, and bounded by the configured cap).
#include "ringdump/annotator.h"

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "frame_builder.h"
#include "ringdump/annotation_format.h"
#include "ringdump/linktype.h"
#include "ringdump/packet_decoder.h"
#include "tcp_tracker.h"

#if defined(__SANITIZE_ADDRESS__)
#define RINGDUMP_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define RINGDUMP_TEST_ASAN 1
#endif
#endif

namespace ringdump {
namespace {

using annotation::Direction;
using annotation::Layers;
using annotation::Record;
using annotation::Role;
using annotation::TcpStatus;
using annotation::Transport;
using test::address;
using test::Bytes;
using test::PacketSpec;
using test::prefix;
namespace f = annotation::flags;
namespace proto = test::ip_protocol;

constexpr std::uint64_t kSecond = 1'000'000'000ull;
constexpr std::uint64_t kStart = 1'700'000'000ull * kSecond;  // some absolute packet time
constexpr std::uint8_t kSyn = tcp_flags::kSyn;
constexpr std::uint8_t kAck = tcp_flags::kAck;
constexpr std::uint8_t kFin = tcp_flags::kFin;
constexpr std::uint8_t kRst = tcp_flags::kRst;
constexpr std::uint8_t kPsh = tcp_flags::kPsh;

// One packet to annotate.
struct Input {
    PacketSpec spec;
    std::uint64_t timestamp_ns = kStart;
    std::uint32_t interface_id = 0;
    std::uint16_t vlan_tpid = 0;  // a tag the kernel stripped
    std::uint16_t vlan_tci = 0;
    std::optional<std::uint32_t> caplen;  // captured bytes (default: the whole frame)
    std::function<void(Bytes&)> edit;     // changes to the built frame
};

Input at(PacketSpec spec, std::uint64_t timestamp_ns = kStart, std::uint32_t interface_id = 0) {
    Input input;
    input.spec = std::move(spec);
    input.timestamp_ns = timestamp_ns;
    input.interface_id = interface_id;
    return input;
}

// The option of an annotated view, decoded and checked against the carrier format.
Record record_of(const PacketView& view) {
    EXPECT_EQ(view.options.size(), 48u);  // 4-byte header + 44, no padding needed
    if (view.options.size() < 48) return Record{};
    const std::uint8_t* option = view.options.data();
    std::uint16_t code = 0, length = 0;
    std::uint32_t pen = 0;
    std::memcpy(&code, option, 2);  // section (host) byte order
    std::memcpy(&length, option + 2, 2);
    std::memcpy(&pen, option + 4, 4);
    EXPECT_EQ(code, 2989);
    EXPECT_EQ(length, 44);
    EXPECT_EQ(pen, annotation::kPen);
    EXPECT_EQ(option[8], 1);   // version
    EXPECT_EQ(option[9], 40);  // record length
    EXPECT_EQ(option[15], 0);  // zero bytes
    EXPECT_EQ(option[18], 0);
    EXPECT_EQ(option[19], 0);
    annotation::DecodeError error = annotation::DecodeError::too_short;
    const auto record = annotation::decode(view.options.subspan(8), &error);
    EXPECT_EQ(error, annotation::DecodeError::none);
    return record.value_or(Record{});
}

std::string describe(const Record& r) {
    char text[256];
    std::snprintf(
        text, sizeof text,
        "dir=%d layers=%d transport=%d role=%d status=%d flags=0x%04x stream=%llu "
        "relseq=%u offset=%llu gap=%u loss=%u",
        static_cast<int>(r.direction), static_cast<int>(r.layers), static_cast<int>(r.transport),
        static_cast<int>(r.role), static_cast<int>(r.tcp_status), r.flags,
        static_cast<unsigned long long>(r.stream_id), r.relative_sequence,
        static_cast<unsigned long long>(r.stream_offset), r.gap_bytes, r.capture_loss_bytes);
    return text;
}

class Harness {
  public:
    explicit Harness(AnnotatorOptions options = {}) : annotator(std::move(options)) {}

    // Annotates the packets as one batch.
    std::vector<Record> batch(const std::vector<Input>& inputs) {
        std::vector<Bytes> frames;
        frames.reserve(inputs.size());
        std::vector<PacketView> views;
        for (const Input& input : inputs) {
            Bytes frame = test::build_frame(input.spec);
            if (input.edit) input.edit(frame);
            const std::uint32_t wirelen = static_cast<std::uint32_t>(frame.size());
            // Exactly the captured bytes in their own buffer: ASan sees any read past caplen.
            const std::uint32_t caplen = input.caplen.value_or(wirelen);
            frames.emplace_back(frame.begin(), frame.begin() + caplen);
            PacketView view = test::view_of(frames.back(), input.timestamp_ns, input.interface_id);
            view.caplen = caplen;
            view.wirelen = wirelen;
            view.vlan_tpid = input.vlan_tpid;
            view.vlan_tci = input.vlan_tci;
            views.push_back(view);
        }
        annotator.annotate(views, link_types);
        std::vector<Record> records;
        for (const PacketView& view : views)
            records.push_back(record_of(view));
        return records;
    }
    Record one(const Input& input) { return batch({input}).front(); }
    Record one(const PacketSpec& spec, std::uint64_t timestamp_ns = kStart,
               std::uint32_t interface_id = 0) {
        return one(at(spec, timestamp_ns, interface_id));
    }
    const AnnotatorCounters& counters() const { return annotator.counters(); }

    Annotator annotator;
    // Interfaces 0 and 1 Ethernet, 2 raw IP.
    std::vector<std::uint16_t> link_types = {kLinktypeEthernet, kLinktypeEthernet, kLinktypeRaw};
};

AnnotatorOptions with_local(std::initializer_list<const char*> networks) {
    AnnotatorOptions options;
    for (const char* text : networks)
        options.local_networks.add(prefix(text));
    options.max_flows = 4096;
    options.max_memory_bytes = 64u << 20;
    return options;
}

PacketSpec udp(std::string_view source, std::uint16_t source_port, std::string_view destination,
               std::uint16_t destination_port, std::uint32_t payload = 10) {
    PacketSpec spec;
    spec.source = address(source);
    spec.destination = address(destination);
    spec.protocol = proto::kUdp;
    spec.source_port = source_port;
    spec.destination_port = destination_port;
    spec.payload = payload;
    return spec;
}

PacketSpec icmp(std::string_view source, std::string_view destination) {
    PacketSpec spec;
    spec.source = address(source);
    spec.destination = address(destination);
    spec.protocol = spec.source.ipv6 ? proto::kIcmpv6 : proto::kIcmp;
    spec.payload = 8;
    return spec;
}

// A TCP conversation: client and server endpoints and initial sequence numbers; segments are
// given by stream offsets (0 = first byte after the SYN).
struct Conversation {
    std::string client = "10.0.0.1";
    std::uint16_t client_port = 40000;
    std::string server = "192.0.2.10";
    std::uint16_t server_port = 443;
    std::uint32_t client_isn = 1000;
    std::uint32_t server_isn = 500000;
    std::vector<std::uint16_t> vlans;

    PacketSpec base(bool from_client) const {
        PacketSpec spec;
        spec.source = address(from_client ? client : server);
        spec.destination = address(from_client ? server : client);
        spec.source_port = from_client ? client_port : server_port;
        spec.destination_port = from_client ? server_port : client_port;
        spec.vlans = vlans;
        return spec;
    }
    PacketSpec syn() const {
        PacketSpec spec = base(true);
        spec.sequence = client_isn;
        spec.tcp_flags = kSyn;
        return spec;
    }
    PacketSpec syn_ack() const {
        PacketSpec spec = base(false);
        spec.sequence = server_isn;
        spec.acknowledgement = client_isn + 1;
        spec.tcp_flags = kSyn | kAck;
        return spec;
    }
    // Client bytes [offset, offset + payload), acknowledging server bytes below acked.
    PacketSpec from_client(std::uint64_t offset, std::uint32_t payload, std::uint64_t acked = 0,
                           std::uint8_t flags = kAck | kPsh) const {
        PacketSpec spec = base(true);
        spec.sequence = static_cast<std::uint32_t>(client_isn + 1 + offset);
        spec.acknowledgement = static_cast<std::uint32_t>(server_isn + 1 + acked);
        spec.tcp_flags = flags;
        spec.payload = payload;
        return spec;
    }
    PacketSpec from_server(std::uint64_t offset, std::uint32_t payload, std::uint64_t acked = 0,
                           std::uint8_t flags = kAck | kPsh) const {
        PacketSpec spec = base(false);
        spec.sequence = static_cast<std::uint32_t>(server_isn + 1 + offset);
        spec.acknowledgement = static_cast<std::uint32_t>(client_isn + 1 + acked);
        spec.tcp_flags = flags;
        spec.payload = payload;
        return spec;
    }
    // SYN, SYN-ACK, ACK.
    std::vector<Input> handshake(std::uint64_t time = kStart,
                                 std::uint32_t interface_id = 0) const {
        return {at(syn(), time, interface_id), at(syn_ack(), time + 1000, interface_id),
                at(from_client(0, 0, 0, kAck), time + 2000, interface_id)};
    }
};

// ---------------------------------------------------------------------------------------------
// Carrier and layers

TEST(Annotator, EveryPacketCarriesOneDocumentedOption) {
    Harness h(with_local({"10.0.0.0/8"}));
    Input arp;
    arp.edit = [](Bytes& frame) {
        test::FrameBuilder b;
        b.ethernet(0x0806).be16(1).be16(0x0800).u8(6).u8(4).be16(1).fill(20, 0x11);
        frame = b.bytes();
    };
    Input other;  // an Ethernet type that is neither IP nor ARP
    other.edit = [](Bytes& frame) {
        test::FrameBuilder b;
        b.ethernet(0x88cc).fill(40, 0x22);  // LLDP
        frame = b.bytes();
    };
    const auto records = h.batch({at(Conversation{}.syn()), at(udp("10.0.0.1", 1, "10.0.0.2", 2)),
                                  at(icmp("10.0.0.1", "8.8.8.8")), arp, other});
    ASSERT_EQ(records.size(), 5u);
    EXPECT_EQ(records[0].layers, Layers::ipv4);
    EXPECT_EQ(records[0].transport, Transport::tcp);
    EXPECT_EQ(records[1].transport, Transport::udp);
    EXPECT_EQ(records[2].transport, Transport::icmp);
    EXPECT_EQ(records[2].direction, Direction::up);
    EXPECT_EQ(records[2].flags & f::kHasStream, 0);  // ICMP: a direction but no stream
    EXPECT_EQ(records[2].tcp_status, TcpStatus::none);
    EXPECT_EQ(records[3].layers, Layers::arp);
    EXPECT_EQ(records[3].transport, Transport::none);
    EXPECT_EQ(records[3].direction, Direction::unknown);  // no IP header
    EXPECT_EQ(records[3].flags, 0);
    EXPECT_EQ(records[4].layers, Layers::none);
    EXPECT_EQ(records[4].direction, Direction::unknown);
    EXPECT_EQ(records[4].flags, 0);
    EXPECT_EQ(h.counters().packets, 5u);
}

TEST(Annotator, OptionBytesAreExactlyTheEncodedRecord) {
    // Every byte of the record, the zero padding included, as annotation::encode() gives it,
    // for records with every field in use: streams both ways over IPv4 and IPv6, a gap, a filled
    // hole, capture loss, VLAN, truncation, UDP, ICMP.
    Harness h(with_local({"10.0.0.0/8"}));
    Conversation c;
    c.vlans = {42};
    std::vector<Input> inputs = c.handshake();
    inputs.push_back(at(c.from_client(0, 100), kStart + 3000));
    inputs.push_back(at(c.from_client(300, 100), kStart + 4000));          // a gap
    inputs.push_back(at(c.from_client(100, 200), kStart + 5000));          // fills it
    inputs.push_back(at(c.from_server(0, 50, 900, kAck), kStart + 6000));  // capture loss
    Conversation v6;
    v6.client = "2001:db8::1";
    v6.server = "2001:db8:ff::2";
    v6.client_isn = 0xfffffff0u;  // sequence numbers wrap
    for (const Input& input : v6.handshake(kStart + 7000))
        inputs.push_back(input);
    inputs.push_back(at(v6.from_client(0, 1000), kStart + 10000));
    inputs.push_back(at(v6.from_server(0, 0, 1000, kRst | kAck), kStart + 11000));
    inputs.push_back(at(udp("10.0.0.1", 5353, "10.0.0.2", 53), kStart + 12000));
    inputs.push_back(at(icmp("10.0.0.1", "8.8.8.8"), kStart + 13000));
    Input cut = at(c.from_client(400, 100), kStart + 14000);
    cut.caplen = 30;
    inputs.push_back(cut);

    std::vector<Bytes> frames;
    std::vector<PacketView> views;
    frames.reserve(inputs.size());
    for (const Input& input : inputs) {
        frames.push_back(test::build_frame(input.spec));
        PacketView view = test::view_of(frames.back(), input.timestamp_ns);
        if (input.caplen) view.caplen = *input.caplen;
        views.push_back(view);
    }
    h.annotator.annotate(views, h.link_types);
    std::set<std::uint16_t> flags_seen;
    for (std::size_t i = 0; i < views.size(); ++i) {
        SCOPED_TRACE(testing::Message() << "packet " << i);
        const Record record = record_of(views[i]);
        flags_seen.insert(record.flags);
        const auto encoded = annotation::encode(record);
        ASSERT_EQ(views[i].options.size(), 8u + encoded.size());
        EXPECT_TRUE(std::equal(encoded.begin(), encoded.end(), views[i].options.begin() + 8))
            << describe(record);
    }
    EXPECT_GT(flags_seen.size(), 5u);  // records of many kinds were compared
    EXPECT_EQ(h.counters().gaps, 1u);
    EXPECT_GT(h.counters().capture_loss_bytes, 0u);
}

TEST(Annotator, RawIpAndUnknownLinkTypes) {
    Harness h(with_local({"10.0.0.0/8"}));
    PacketSpec raw = Conversation{}.syn();
    raw.link = test::Link::raw;
    Record r = h.one(raw, kStart, 2);  // interface 2: LINKTYPE_RAW
    EXPECT_EQ(r.layers, Layers::ipv4);
    EXPECT_EQ(r.transport, Transport::tcp);
    EXPECT_EQ(r.direction, Direction::up);
    EXPECT_EQ(r.tcp_status, TcpStatus::handshake);
    EXPECT_NE(r.flags & f::kHasStream, 0);
    // An interface id without a link type: nothing decoded, still one option.
    r = h.one(Conversation{}.syn(), kStart, 7);
    EXPECT_EQ(r.layers, Layers::none);
    EXPECT_EQ(r.direction, Direction::unknown);
    EXPECT_EQ(r.flags, 0);
}

TEST(Annotator, EmptyBatchIsFine) {
    Harness h;
    std::vector<PacketView> none;
    h.annotator.annotate(none, h.link_types);
    EXPECT_EQ(h.counters().packets, 0u);
}

// ---------------------------------------------------------------------------------------------
// Direction

TEST(Annotator, DirectionIpv4) {
    Harness h(with_local({"10.0.0.0/8", "192.168.1.0/24"}));
    EXPECT_EQ(h.one(udp("10.1.2.3", 5000, "8.8.8.8", 53)).direction, Direction::up);
    EXPECT_EQ(h.one(udp("8.8.4.4", 53, "192.168.1.7", 5001)).direction, Direction::down);
    EXPECT_EQ(h.one(udp("10.1.2.3", 5002, "192.168.1.7", 80)).direction, Direction::local);
    EXPECT_EQ(h.one(udp("1.1.1.1", 5003, "8.8.8.8", 53)).direction, Direction::transit);
    EXPECT_EQ(h.one(udp("192.168.2.1", 5004, "8.8.8.8", 53)).direction, Direction::transit);
    // The reply of the first stream: down.
    EXPECT_EQ(h.one(udp("8.8.8.8", 53, "10.1.2.3", 5000)).direction, Direction::down);
    // No stream: ICMP both ways, and TCP.
    EXPECT_EQ(h.one(icmp("8.8.8.8", "10.9.9.9")).direction, Direction::down);
    Conversation c;
    c.client = "10.0.0.5";
    c.server = "203.0.113.9";
    EXPECT_EQ(h.one(c.syn()).direction, Direction::up);
    EXPECT_EQ(h.one(c.syn_ack()).direction, Direction::down);
}

TEST(Annotator, DirectionIpv6) {
    Harness h(with_local({"2001:db8:1::/48", "fd00::/8"}));
    EXPECT_EQ(h.one(udp("2001:db8:1::5", 5000, "2001:db8:2::5", 53)).direction, Direction::up);
    EXPECT_EQ(h.one(udp("2001:db8:2::5", 53, "fd12::1", 5001)).direction, Direction::down);
    EXPECT_EQ(h.one(udp("fd12::1", 1, "2001:db8:1:ffff::1", 2)).direction, Direction::local);
    EXPECT_EQ(h.one(udp("2001:db8:2::5", 1, "2001:db8:3::5", 2)).direction, Direction::transit);
    EXPECT_EQ(h.one(udp("2001:db8:2::5", 5000, "2001:db8:1::5", 53)).layers, Layers::ipv6);
    EXPECT_EQ(h.one(icmp("2001:db8:1::5", "2001:db8:9::1")).direction, Direction::up);
    EXPECT_EQ(h.one(icmp("2001:db8:1::5", "2001:db8:9::1")).transport, Transport::icmpv6);
    Conversation c;
    c.client = "2001:db8:1::77";
    c.server = "2001:db8:4::1";
    const Record syn = h.one(c.syn());
    EXPECT_EQ(syn.direction, Direction::up);
    EXPECT_EQ(syn.layers, Layers::ipv6);
    EXPECT_EQ(syn.tcp_status, TcpStatus::handshake);
    EXPECT_EQ(h.one(c.syn_ack()).direction, Direction::down);
    EXPECT_EQ(h.one(c.syn_ack()).stream_id, syn.stream_id);
}

TEST(Annotator, NoLocalNetworksMeansUnknownDirection) {
    Harness h;
    EXPECT_EQ(h.one(udp("10.1.2.3", 5000, "8.8.8.8", 53)).direction, Direction::unknown);
    EXPECT_EQ(h.one(udp("2001:db8::1", 5000, "2001:db8::2", 53)).direction, Direction::unknown);
    EXPECT_EQ(h.one(Conversation{}.syn()).direction, Direction::unknown);
    EXPECT_EQ(h.one(icmp("10.0.0.1", "10.0.0.2")).direction, Direction::unknown);
}

// ---------------------------------------------------------------------------------------------
// Streams and roles

TEST(Annotator, StreamIdsCountFromZeroInStartOrder) {
    Harness h(with_local({"10.0.0.0/8"}));
    Conversation a, b;
    b.client_port = 40001;
    const auto records = h.batch({
        at(a.syn()),                                  // a starts: 0
        at(b.syn()),                                  // b starts: 1
        at(a.syn_ack()),                              //
        at(udp("10.0.0.1", 5353, "10.0.0.2", 5353)),  // udp starts: 2
        at(b.syn_ack()),                              //
        at(udp("10.0.0.2", 5353, "10.0.0.1", 5353)),  // the udp reply
        at(a.from_client(0, 0, 0, kAck)),             //
    });
    const std::uint64_t expected_ids[] = {0, 1, 0, 2, 1, 2, 0};
    const bool starts[] = {true, true, false, true, false, false, false};
    for (std::size_t i = 0; i < records.size(); ++i) {
        SCOPED_TRACE(testing::Message() << "packet " << i << ": " << describe(records[i]));
        EXPECT_NE(records[i].flags & f::kHasStream, 0);
        EXPECT_EQ(records[i].stream_id, expected_ids[i]);
        EXPECT_EQ((records[i].flags & f::kStreamStart) != 0, starts[i]);
    }
    EXPECT_EQ(h.counters().tcp_streams, 2u);
    EXPECT_EQ(h.counters().udp_streams, 1u);
    EXPECT_EQ(h.counters().flows_created, 3u);
    // The same numbering goes on across batches.
    EXPECT_EQ(h.one(udp("10.0.0.3", 1, "10.0.0.4", 2)).stream_id, 3u);
}

TEST(Annotator, RolesFromTheHandshake) {
    Harness h(with_local({"10.0.0.0/8"}));
    Conversation c;
    c.client_port = 443;  // the client has the lower port: roles still come from the SYN
    c.server_port = 8443;
    auto records = h.batch(c.handshake());
    records.push_back(h.one(c.from_server(0, 100, 0)));
    records.push_back(h.one(c.from_client(0, 50, 100)));
    const Role roles[] = {Role::client, Role::server, Role::client, Role::server, Role::client};
    const TcpStatus statuses[] = {TcpStatus::handshake, TcpStatus::handshake, TcpStatus::ack_only,
                                  TcpStatus::in_order, TcpStatus::in_order};
    for (std::size_t i = 0; i < records.size(); ++i) {
        SCOPED_TRACE(testing::Message() << "packet " << i << ": " << describe(records[i]));
        EXPECT_EQ(records[i].role, roles[i]);
        EXPECT_EQ(records[i].tcp_status, statuses[i]);
        EXPECT_EQ(records[i].stream_id, 0u);
        EXPECT_EQ(records[i].flags & f::kMidstream, 0);
    }
    EXPECT_EQ(records[3].relative_sequence, 1u);
    EXPECT_EQ(records[4].stream_offset, 0u);
}

TEST(Annotator, CaptureJoiningAtTheSynAckStillKnowsTheRoles) {
    Harness h;
    Conversation c;
    const Record syn_ack = h.one(c.syn_ack());
    EXPECT_EQ(syn_ack.role, Role::server);
    EXPECT_EQ(syn_ack.tcp_status, TcpStatus::handshake);
    EXPECT_NE(syn_ack.flags & f::kStreamStart, 0);
    const Record ack = h.one(c.from_client(0, 0, 0, kAck));
    EXPECT_EQ(ack.role, Role::client);
    EXPECT_EQ(ack.stream_id, syn_ack.stream_id);
}

TEST(Annotator, MidstreamRolesByPort) {
    Harness h(with_local({"10.0.0.0/8"}));
    Conversation c;  // client 10.0.0.1:40000, server 192.0.2.10:443
    // The capture joins with a server segment: the lower port (443) is the server.
    Record r = h.one(c.from_server(5000, 100, 300));
    EXPECT_EQ(r.role, Role::server);
    EXPECT_NE(r.flags & f::kMidstream, 0);
    EXPECT_NE(r.flags & f::kStreamStart, 0);
    EXPECT_EQ(r.stream_offset, 0u);
    EXPECT_EQ(r.relative_sequence, 0u);
    EXPECT_EQ(r.tcp_status, TcpStatus::in_order);
    EXPECT_EQ(r.direction, Direction::down);
    // The client's first segment starts its own byte stream mid-way too.
    r = h.one(c.from_client(300, 0, 5100, kAck));
    EXPECT_EQ(r.role, Role::client);
    EXPECT_NE(r.flags & f::kMidstream, 0);
    EXPECT_EQ(r.flags & f::kStreamStart, 0);
    EXPECT_EQ(r.tcp_status, TcpStatus::ack_only);
    EXPECT_EQ(r.capture_loss_bytes, 0u);
    // Later segments: no midstream flag.
    r = h.one(c.from_server(5100, 100, 300));
    EXPECT_EQ(r.flags & f::kMidstream, 0);
    EXPECT_EQ(r.tcp_status, TcpStatus::in_order);
    EXPECT_EQ(r.stream_offset, 100u);
    EXPECT_EQ(r.relative_sequence, 100u);

    // Joining with a client segment: the higher port is still the client.
    Conversation d;
    d.client_port = 50001;
    EXPECT_EQ(h.one(d.from_client(10, 10)).role, Role::client);
    EXPECT_EQ(h.one(d.from_server(10, 10)).role, Role::server);
}

TEST(Annotator, MidstreamWithEqualPortsTheFirstDestinationIsTheServer) {
    Harness h;
    Conversation c;
    c.client = "10.0.0.9";
    c.server = "10.0.0.2";  // lower address: the flow's "low" endpoint is the server here
    c.client_port = c.server_port = 7000;
    EXPECT_EQ(h.one(c.from_client(0, 10)).role, Role::client);
    EXPECT_EQ(h.one(c.from_server(0, 10)).role, Role::server);
    Conversation d = c;
    d.client = "10.0.0.1";  // and the other address order
    EXPECT_EQ(h.one(d.from_client(0, 10)).role, Role::client);
    EXPECT_EQ(h.one(d.from_server(0, 10)).role, Role::server);
}

TEST(Annotator, UdpFirstSenderIsTheClient) {
    Harness h;
    // Sent from the lower port first: still the client.
    const Record first = h.one(udp("10.0.0.2", 53, "10.0.0.1", 40000));
    EXPECT_EQ(first.role, Role::client);
    EXPECT_NE(first.flags & f::kStreamStart, 0);
    EXPECT_EQ(first.tcp_status, TcpStatus::none);
    const Record reply = h.one(udp("10.0.0.1", 40000, "10.0.0.2", 53));
    EXPECT_EQ(reply.role, Role::server);
    EXPECT_EQ(reply.stream_id, first.stream_id);
    EXPECT_EQ(reply.flags & f::kStreamStart, 0);
    EXPECT_EQ(h.one(udp("10.0.0.2", 53, "10.0.0.1", 40000)).role, Role::client);
}

TEST(Annotator, BothDirectionsOfATupleAreOneStreamWhateverTheAddresses) {
    // Endpoint pairs whose addresses differ in the first, a middle or the last byte, in the first
    // or the second half of an IPv6 address, by the sign bit of a byte, or not at all (then the
    // ports decide, or nothing does). Each pair is sent both ways, starting with either side:
    // one stream, the first sender the client, directions from the local network 10/8 and
    // 2001:db8:1::/48.
    struct Pair {
        const char* a;
        const char* b;
        std::uint16_t a_port, b_port;
    };
    const Pair pairs[] = {
        {"10.0.0.1", "10.0.0.2", 1000, 1000},
        {"10.0.1.1", "10.0.0.255", 1000, 2000},
        {"9.255.255.255", "10.0.0.0", 5, 6},
        {"10.0.0.1", "192.168.1.1", 40000, 443},
        {"10.0.0.1", "138.0.0.1", 40000, 443},  // 138 = 0x8a: the sign bit of the first byte
        {"10.0.0.7", "10.0.0.7", 1000, 2000},   // same address: the ports decide
        {"10.0.0.7", "10.0.0.7", 3000, 3000},   // nothing decides: one endpoint both ways
        {"2001:db8:1::1", "2001:db8:1::2", 1000, 1000},
        {"2001:db8:1::1:0:0:0", "2001:db8:1::ffff", 7, 7},  // second halves decide
        {"2001:db8:1:0:8000::", "2001:db8:1:0:7fff:ffff:ffff:ffff", 7, 7},
        {"2001:db8:1:1::", "2001:db8:1::ffff:ffff:ffff:ffff", 7, 7},  // byte 7 decides
        {"2001:db8:1::5", "2001:db8:1::5", 80, 8080},
        {"2001:db8:1::9", "fe80::9", 1, 1},
        {"2001:db8:1::9", "::1", 1, 1},
    };
    for (const Pair& pair : pairs) {
        for (const bool a_first : {true, false}) {
            SCOPED_TRACE(testing::Message()
                         << pair.a << " port " << pair.a_port << ", " << pair.b << " port "
                         << pair.b_port << (a_first ? ", a first" : ", b first"));
            Harness h(with_local({"10.0.0.0/8", "2001:db8:1::/48"}));
            const PacketSpec ab = udp(pair.a, pair.a_port, pair.b, pair.b_port);
            const PacketSpec ba = udp(pair.b, pair.b_port, pair.a, pair.a_port);
            const Record first = h.one(a_first ? ab : ba);
            const Record second = h.one(a_first ? ba : ab);
            const Record third = h.one(a_first ? ab : ba);
            EXPECT_NE(first.flags & f::kStreamStart, 0);
            EXPECT_EQ(second.flags & f::kStreamStart, 0) << describe(second);
            EXPECT_EQ(second.stream_id, first.stream_id);
            EXPECT_EQ(third.stream_id, first.stream_id);
            EXPECT_EQ(h.counters().flows_created, 1u);
            EXPECT_EQ(first.role, Role::client);
            EXPECT_EQ(third.role, Role::client);
            const bool same_endpoint =
                std::string_view(pair.a) == pair.b && pair.a_port == pair.b_port;
            EXPECT_EQ(second.role, same_endpoint ? Role::client : Role::server);
            // The direction of each packet as its own addresses give it.
            Harness fresh(with_local({"10.0.0.0/8", "2001:db8:1::/48"}));
            EXPECT_EQ(first.direction, fresh.one(a_first ? ab : ba).direction);
            Harness fresh_reverse(with_local({"10.0.0.0/8", "2001:db8:1::/48"}));
            EXPECT_EQ(second.direction, fresh_reverse.one(a_first ? ba : ab).direction);
        }
    }
}

// Handshake, data both ways, FIN both ways (client first); times from kStart on.
std::vector<Input> whole_connection(const Conversation& c, std::uint64_t time = kStart) {
    std::vector<Input> inputs = c.handshake(time);
    inputs.push_back(at(c.from_client(0, 100, 0), time + 3000));
    inputs.push_back(at(c.from_server(0, 200, 100), time + 4000));
    inputs.push_back(at(c.from_client(100, 0, 200, kFin | kAck), time + 5000));
    inputs.push_back(at(c.from_server(200, 0, 101, kFin | kAck), time + 6000));
    inputs.push_back(at(c.from_client(101, 0, 201, kAck), time + 7000));
    return inputs;
}

TEST(Annotator, NewStreamAfterFinBothWaysAndANewSyn) {
    Harness h(with_local({"10.0.0.0/8"}));
    Conversation c;
    const auto first = h.batch(whole_connection(c));
    for (const Record& r : first)
        EXPECT_EQ(r.stream_id, 0u) << describe(r);
    EXPECT_NE(first[5].flags & f::kStreamEnd, 0);
    EXPECT_NE(first[6].flags & f::kStreamEnd, 0);
    EXPECT_EQ(first[7].flags & f::kStreamEnd, 0);
    EXPECT_EQ(first[5].tcp_status, TcpStatus::in_order);
    EXPECT_EQ(first[6].tcp_status, TcpStatus::in_order);
    EXPECT_EQ(first[7].capture_loss_bytes, 0u);
    // The same ports again, a new connection.
    Conversation again = c;
    again.client_isn = 9'000'000;
    again.server_isn = 77;
    const auto second = h.batch(whole_connection(again, kStart + kSecond));
    for (const Record& r : second)
        EXPECT_EQ(r.stream_id, 1u) << describe(r);
    EXPECT_NE(second[0].flags & f::kStreamStart, 0);
    EXPECT_EQ(second[0].tcp_status, TcpStatus::handshake);
    EXPECT_EQ(second[0].role, Role::client);
    EXPECT_EQ(second[3].stream_offset, 0u);
    EXPECT_EQ(second[3].tcp_status, TcpStatus::in_order);
    EXPECT_EQ(h.counters().streams_restarted, 1u);
    EXPECT_EQ(h.counters().tcp_streams, 2u);
}

TEST(Annotator, NewStreamAfterRstAndASyn) {
    Harness h;
    Conversation c;
    auto inputs = c.handshake();
    inputs.push_back(at(c.from_client(0, 10)));
    inputs.push_back(at(c.from_server(0, 0, 10, kRst | kAck)));
    const auto first = h.batch(inputs);
    EXPECT_EQ(first[4].tcp_status, TcpStatus::reset);
    EXPECT_NE(first[4].flags & f::kStreamEnd, 0);
    EXPECT_EQ(first[4].stream_id, 0u);
    Conversation again = c;
    again.client_isn = 123456789;
    const Record syn = h.one(again.syn(), kStart + kSecond);
    EXPECT_EQ(syn.stream_id, 1u);
    EXPECT_NE(syn.flags & f::kStreamStart, 0);
    EXPECT_EQ(syn.tcp_status, TcpStatus::handshake);
    EXPECT_EQ(h.counters().streams_restarted, 1u);
}

TEST(Annotator, SynWithAnotherIsnStartsANewStream) {
    Harness h;
    Conversation c;
    h.batch(c.handshake());
    h.one(c.from_client(0, 100));
    Conversation again = c;
    again.client_isn = c.client_isn + 5'000'000;
    const Record syn = h.one(again.syn());
    EXPECT_EQ(syn.stream_id, 1u);
    EXPECT_EQ(syn.tcp_status, TcpStatus::handshake);
    EXPECT_EQ(h.counters().streams_restarted, 1u);
}

TEST(Annotator, SynRetransmissionKeepsTheStream) {
    Harness h;
    Conversation c;
    const Record syn = h.one(c.syn());
    const Record again = h.one(c.syn(), kStart + kSecond);
    EXPECT_EQ(again.stream_id, syn.stream_id);
    EXPECT_EQ(again.tcp_status, TcpStatus::retransmission);
    EXPECT_EQ(again.flags & f::kStreamStart, 0);
    EXPECT_EQ(h.counters().streams_restarted, 0u);
    EXPECT_EQ(h.counters().tcp_streams, 1u);
}

TEST(Annotator, SimultaneousOpenIsOneStream) {
    Harness h;
    Conversation c;
    c.client_port = c.server_port = 5000;
    const Record first = h.one(c.syn());
    PacketSpec other = c.base(false);  // the peer's own SYN, crossing the first
    other.sequence = c.server_isn;
    other.tcp_flags = kSyn;
    const Record second = h.one(other);
    EXPECT_EQ(second.stream_id, first.stream_id);
    EXPECT_EQ(second.tcp_status, TcpStatus::handshake);
    EXPECT_EQ(h.counters().streams_restarted, 0u);
}

// ---------------------------------------------------------------------------------------------
// Timeouts (packet time)

TEST(Annotator, UdpIdleTimeout) {
    Harness h;  // UDP 60 s
    const PacketSpec p = udp("10.0.0.1", 1000, "10.0.0.2", 2000);
    EXPECT_EQ(h.one(p, kStart).stream_id, 0u);
    EXPECT_EQ(h.one(p, kStart + 59 * kSecond).stream_id, 0u);
    EXPECT_EQ(h.one(p, kStart + 118 * kSecond).stream_id, 0u);  // 59 s after the last packet
    const Record r = h.one(p, kStart + 180 * kSecond);          // 62 s idle
    EXPECT_EQ(r.stream_id, 1u);
    EXPECT_NE(r.flags & f::kStreamStart, 0);
    EXPECT_EQ(h.counters().flows_expired, 1u);
    EXPECT_EQ(h.counters().udp_streams, 2u);
}

TEST(Annotator, ConfiguredTimeoutsApply) {
    AnnotatorOptions options;
    options.udp_timeout = std::chrono::seconds(5);
    options.tcp_idle_timeout = std::chrono::seconds(20);
    Harness h(std::move(options));
    const PacketSpec p = udp("10.0.0.1", 1000, "10.0.0.2", 2000);
    EXPECT_EQ(h.one(p, kStart).stream_id, 0u);
    EXPECT_EQ(h.one(p, kStart + 4 * kSecond).stream_id, 0u);
    EXPECT_EQ(h.one(p, kStart + 10 * kSecond).stream_id, 1u);
    Conversation c;
    h.batch(c.handshake(kStart + 10 * kSecond));
    EXPECT_EQ(h.one(c.from_client(0, 10), kStart + 29 * kSecond).stream_id, 2u);
    EXPECT_EQ(h.one(c.from_client(10, 10), kStart + 50 * kSecond).stream_id, 3u);  // 21 s idle
}

TEST(Annotator, TcpTimeoutsByState) {
    Harness h;  // half-open 30 s, established 300 s, closed 10 s
    // Half-open: a SYN, then the same SYN 31 s later is a new stream.
    Conversation half;
    half.client_port = 1;
    EXPECT_EQ(h.one(half.syn(), kStart).stream_id, 0u);
    EXPECT_EQ(h.one(half.syn(), kStart + 29 * kSecond).tcp_status, TcpStatus::retransmission);
    const Record late_syn = h.one(half.syn(), kStart + 60 * kSecond);
    EXPECT_EQ(late_syn.stream_id, 1u);
    EXPECT_EQ(late_syn.tcp_status, TcpStatus::handshake);
    EXPECT_EQ(h.counters().flows_expired, 1u);

    // Established: 299 s of silence keep the stream, 301 s end it.
    Conversation open;
    open.client_port = 2;
    const std::uint64_t t0 = kStart + 100 * kSecond;
    h.batch(open.handshake(t0));
    EXPECT_EQ(h.one(open.from_client(0, 10), t0 + 299 * kSecond).stream_id, 2u);
    const Record resumed = h.one(open.from_client(10, 10), t0 + 600 * kSecond);
    EXPECT_EQ(resumed.stream_id, 3u);
    EXPECT_NE(resumed.flags & f::kMidstream, 0);
    EXPECT_NE(resumed.flags & f::kStreamStart, 0);

    // Closed (FIN both ways): 9 s later still the stream, 11 s after that a new one.
    Conversation closed;
    closed.client_port = 3;
    const std::uint64_t t1 = kStart + 2000 * kSecond;
    h.batch(whole_connection(closed, t1));
    EXPECT_EQ(h.one(closed.from_client(101, 0, 201, kAck), t1 + 9 * kSecond).stream_id, 4u);
    EXPECT_EQ(h.one(closed.from_client(101, 0, 201, kAck), t1 + 20 * kSecond).stream_id, 5u);
}

TEST(Annotator, ALaterPacketInTheBatchDoesNotExpireAnEarlierOnesFlow) {
    Harness h;  // UDP 60 s
    const PacketSpec a = udp("10.0.0.1", 1000, "10.0.0.2", 2000);
    const PacketSpec b = udp("10.0.0.3", 1000, "10.0.0.4", 2000);
    EXPECT_EQ(h.one(a, kStart).stream_id, 0u);
    // a again after 50 s (alive), then b at 70 s, in one batch: a keeps its stream.
    const auto records = h.batch({at(a, kStart + 50 * kSecond), at(b, kStart + 70 * kSecond)});
    EXPECT_EQ(records[0].stream_id, 0u);
    EXPECT_EQ(records[0].flags & f::kStreamStart, 0);
    EXPECT_EQ(records[1].stream_id, 1u);
    EXPECT_EQ(h.counters().flows_expired, 0u);
}

TEST(Annotator, AFlowIdleBeyondItsTimeoutWithinOneBatchStartsANewStream) {
    Harness h;  // UDP 60 s
    const PacketSpec c = udp("10.0.0.5", 1000, "10.0.0.6", 2000);
    const auto records = h.batch({at(c, kStart), at(c, kStart + 100 * kSecond)});
    EXPECT_EQ(records[0].stream_id, 0u);
    EXPECT_EQ(records[1].stream_id, 1u);
    EXPECT_NE(records[1].flags & f::kStreamStart, 0);
    EXPECT_EQ(h.counters().flows_expired, 1u);
}

TEST(Annotator, TimeoutsDoNotDependOnBatchBoundaries) {
    // One packet per batch: the reference the batched runs above must agree with.
    Harness h;
    const PacketSpec a = udp("10.0.0.1", 1000, "10.0.0.2", 2000);
    const PacketSpec b = udp("10.0.0.3", 1000, "10.0.0.4", 2000);
    EXPECT_EQ(h.one(a, kStart).stream_id, 0u);
    EXPECT_EQ(h.one(a, kStart + 50 * kSecond).stream_id, 0u);
    EXPECT_EQ(h.one(b, kStart + 70 * kSecond).stream_id, 1u);
    EXPECT_EQ(h.one(a, kStart + 200 * kSecond).stream_id, 2u);
    EXPECT_EQ(h.counters().flows_expired, 2u);  // a at 200 s, b by the same packet's time
}

// ---------------------------------------------------------------------------------------------
// VLANs, damaged packets, fragments

TEST(Annotator, VlanIdIsPartOfTheFlow) {
    Harness h;
    PacketSpec untagged = udp("10.0.0.1", 1000, "10.0.0.2", 2000);
    PacketSpec vlan10 = untagged;
    vlan10.vlans = {10};
    PacketSpec vlan20 = untagged;
    vlan20.vlans = {20};
    PacketSpec pcp_vlan10 = untagged;
    pcp_vlan10.vlans = {0xa00a};  // priority 5, VLAN 10
    PacketSpec qinq = untagged;
    qinq.vlans = {10, 20};          // outer 10
    Input stripped = at(untagged);  // the kernel removed a tag of VLAN 10
    stripped.vlan_tpid = 0x8100;
    stripped.vlan_tci = 0x200a;
    Input stripped_outer = at(vlan20);  // stripped outer 10, inner 20 still in the frame
    stripped_outer.vlan_tpid = 0x88a8;
    stripped_outer.vlan_tci = 10;
    const auto r = h.batch(
        {at(untagged), at(vlan10), at(vlan20), at(pcp_vlan10), at(qinq), stripped, stripped_outer});
    EXPECT_EQ(r[0].stream_id, 0u);
    EXPECT_EQ(r[0].flags & f::kVlan, 0);
    EXPECT_EQ(r[1].stream_id, 1u);
    EXPECT_EQ(r[2].stream_id, 2u);
    for (std::size_t i = 1; i < r.size(); ++i) {
        EXPECT_NE(r[i].flags & f::kVlan, 0) << i;
        EXPECT_NE(r[i].flags & f::kHasStream, 0) << i;
    }
    for (std::size_t i : {3u, 4u, 5u, 6u})
        EXPECT_EQ(r[i].stream_id, 1u) << i;
    EXPECT_EQ(h.counters().udp_streams, 3u);
}

TEST(Annotator, TcpOverVlanIsTracked) {
    Harness h;
    Conversation c;
    c.vlans = {42};
    const auto r = h.batch(c.handshake());
    EXPECT_EQ(r[0].tcp_status, TcpStatus::handshake);
    EXPECT_EQ(r[1].tcp_status, TcpStatus::handshake);
    EXPECT_EQ(r[2].tcp_status, TcpStatus::ack_only);
    for (const Record& record : r)
        EXPECT_NE(record.flags & f::kVlan, 0);
    // The same tuple without the tag is another flow.
    Conversation plain;
    EXPECT_EQ(h.one(plain.syn()).stream_id, 1u);
}

TEST(Annotator, TruncatedHeadersGetTheFlagAndNoStream) {
    Harness h(with_local({"10.0.0.0/8"}));
    Conversation c;
    Input cut_tcp = at(c.syn());
    cut_tcp.caplen = 14 + 20 + 10;  // half a TCP header
    Record r = h.one(cut_tcp);
    EXPECT_NE(r.flags & f::kTruncated, 0) << describe(r);
    EXPECT_EQ(r.flags & f::kHasStream, 0);
    EXPECT_EQ(r.layers, Layers::ipv4);
    EXPECT_EQ(r.tcp_status, TcpStatus::none);
    Input cut_ip = at(udp("10.0.0.1", 1, "10.0.0.2", 2));
    cut_ip.caplen = 14 + 12;  // inside the IPv4 header
    r = h.one(cut_ip);
    EXPECT_NE(r.flags & f::kTruncated, 0) << describe(r);
    EXPECT_EQ(r.flags & f::kHasStream, 0);
    Input cut_ethernet = at(udp("10.0.0.1", 1, "10.0.0.2", 2));
    cut_ethernet.caplen = 10;  // a short frame
    r = h.one(cut_ethernet);
    EXPECT_NE(r.flags & f::kTruncated, 0) << describe(r);
    EXPECT_EQ(r.direction, Direction::unknown);
    EXPECT_EQ(h.counters().truncated_packets, 3u);
    EXPECT_EQ(h.counters().flows_created, 0u);
}

TEST(Annotator, MalformedHeadersGetTheFlagAndNoStream) {
    Harness h;
    Input bad_offset = at(Conversation{}.syn());
    bad_offset.edit = [](Bytes& frame) { frame[14 + 20 + 12] = 0x40; };  // data offset 4
    Record r = h.one(bad_offset);
    EXPECT_NE(r.flags & f::kMalformed, 0) << describe(r);
    EXPECT_EQ(r.flags & f::kHasStream, 0);
    EXPECT_EQ(r.tcp_status, TcpStatus::none);
    Input bad_udp = at(udp("10.0.0.1", 1, "10.0.0.2", 2));
    bad_udp.edit = [](Bytes& frame) { frame[14 + 20 + 5] = 4; };  // UDP length 4 < 8
    r = h.one(bad_udp);
    EXPECT_NE(r.flags & f::kMalformed, 0) << describe(r);
    EXPECT_EQ(r.flags & f::kHasStream, 0);
    Input bad_ihl = at(udp("10.0.0.1", 1, "10.0.0.2", 2));
    bad_ihl.edit = [](Bytes& frame) { frame[14] = 0x43; };  // IPv4 header length 12
    r = h.one(bad_ihl);
    EXPECT_NE(r.flags & f::kMalformed, 0) << describe(r);
    EXPECT_EQ(r.flags & f::kHasStream, 0);
    EXPECT_EQ(h.counters().malformed_packets, 3u);
    EXPECT_EQ(h.counters().flows_created, 0u);
}

TEST(Annotator, SnapLengthCutsPayloadNotStreamFacts) {
    // Whole packets: lengths come from the headers, so a frame cut right after its TCP header
    // still advances the stream by its full payload.
    Harness h;
    Conversation c;
    h.batch(c.handshake());
    Input big = at(c.from_client(0, 1400));
    big.caplen = 14 + 20 + 20;
    Record r = h.one(big);
    EXPECT_EQ(r.flags & f::kTruncated, 0) << describe(r);
    EXPECT_EQ(r.tcp_status, TcpStatus::in_order);
    r = h.one(c.from_client(1400, 100));
    EXPECT_EQ(r.tcp_status, TcpStatus::in_order);
    EXPECT_EQ(r.stream_offset, 1400u);
    EXPECT_EQ(r.gap_bytes, 0u);
}

TEST(Annotator, NonFirstFragmentsHaveNoStream) {
    Harness h(with_local({"10.0.0.0/8", "2001:db8:1::/48"}));
    PacketSpec first = udp("10.0.0.1", 4000, "8.8.8.8", 53, 100);
    first.ipv4_fragment = 0x2000;  // MF, offset 0
    PacketSpec second = first;
    second.ipv4_fragment = 0x0010;  // offset 128 bytes, last
    Record r = h.one(first);
    EXPECT_NE(r.flags & f::kHasStream, 0) << describe(r);
    EXPECT_EQ(r.flags & f::kFragment, 0);
    r = h.one(second);
    EXPECT_NE(r.flags & f::kFragment, 0) << describe(r);
    EXPECT_EQ(r.flags & f::kHasStream, 0);
    EXPECT_EQ(r.layers, Layers::ipv4);
    EXPECT_EQ(r.direction, Direction::up);
    // IPv6: a fragment header with offset 1448 (181 units), then a TCP "continuation".
    PacketSpec v6 = udp("2001:db8:1::1", 4000, "2001:db8:9::1", 53, 100);
    v6.protocol = proto::kTcp;
    v6.ipv6_fragment = static_cast<std::uint16_t>(181 << 3);
    r = h.one(v6);
    EXPECT_NE(r.flags & f::kFragment, 0) << describe(r);
    EXPECT_EQ(r.flags & f::kHasStream, 0);
    EXPECT_EQ(r.layers, Layers::ipv6);
    EXPECT_EQ(r.tcp_status, TcpStatus::none);
    EXPECT_EQ(r.direction, Direction::up);
    EXPECT_EQ(h.counters().flows_created, 1u);
}

// ---------------------------------------------------------------------------------------------
// Several interfaces

TEST(Annotator, TcpIsTrackedOnTheFirstInterfaceOnly) {
    Harness h(with_local({"10.0.0.0/8"}));
    Conversation c;
    std::vector<Input> inputs;
    // Every segment seen twice: on interface 0 (a bridge), then on 1 (its port).
    for (const Input& input : whole_connection(c)) {
        inputs.push_back(input);
        Input copy = input;
        copy.interface_id = 1;
        copy.timestamp_ns += 10;
        inputs.push_back(copy);
    }
    const auto r = h.batch(inputs);
    const TcpStatus owner[] = {TcpStatus::handshake, TcpStatus::handshake, TcpStatus::ack_only,
                               TcpStatus::in_order,  TcpStatus::in_order,  TcpStatus::in_order,
                               TcpStatus::in_order,  TcpStatus::ack_only};
    for (std::size_t i = 0; i < r.size(); ++i) {
        SCOPED_TRACE(testing::Message() << "packet " << i << ": " << describe(r[i]));
        const Record& first = r[i - i % 2];
        EXPECT_EQ(r[i].stream_id, 0u);
        EXPECT_EQ(r[i].role, first.role);
        EXPECT_EQ(r[i].direction, first.direction);
        if (i % 2 == 0) {
            EXPECT_EQ(r[i].tcp_status, owner[i / 2]);
        } else {
            EXPECT_EQ(r[i].tcp_status, TcpStatus::none);
        }
    }
    EXPECT_EQ(h.counters().flows_created, 1u);
    EXPECT_EQ(h.counters().tcp_streams, 1u);
}

TEST(Annotator, OwnerIsTheInterfaceWhereTheStreamWasFirstSeen) {
    Harness h;
    Conversation c;
    const Record syn = h.one(c.syn(), kStart, 1);
    EXPECT_EQ(syn.tcp_status, TcpStatus::handshake);
    const Record copy = h.one(c.syn(), kStart + 5, 0);
    EXPECT_EQ(copy.tcp_status, TcpStatus::none);
    EXPECT_EQ(copy.stream_id, syn.stream_id);
    EXPECT_EQ(h.one(c.syn_ack(), kStart + 10, 1).tcp_status, TcpStatus::handshake);
}

TEST(Annotator, InterfaceIdsAbove255AreTracked) {
    Harness h;
    h.link_types.assign(301, kLinktypeEthernet);
    Conversation c;
    const Record syn = h.one(c.syn(), kStart, 300);
    EXPECT_EQ(syn.tcp_status, TcpStatus::handshake);
    EXPECT_EQ(h.one(c.syn_ack(), kStart + 1, 300).tcp_status, TcpStatus::handshake);
    EXPECT_EQ(h.one(c.syn_ack(), kStart + 2, 256).tcp_status, TcpStatus::none);
}

// ---------------------------------------------------------------------------------------------
// Eviction

TEST(Annotator, EvictionWhenFullAndStateLostWhenTheTupleReturns) {
    AnnotatorOptions options;
    options.max_flows = 16;
    Harness h(std::move(options));
    ASSERT_EQ(h.counters().flow_capacity, 16u);
    for (std::uint16_t port = 0; port < 17; ++port) {
        h.one(udp("10.0.0.1", static_cast<std::uint16_t>(1000 + port), "10.0.0.2", 53),
              kStart + port);
    }
    EXPECT_EQ(h.counters().flows_evicted, 1u);  // the least recently used: port 1000
    EXPECT_EQ(h.counters().flows_created, 17u);
    // Port 1016 (the newest) is still known.
    Record r = h.one(udp("10.0.0.1", 1016, "10.0.0.2", 53), kStart + 100);
    EXPECT_EQ(r.stream_id, 16u);
    EXPECT_EQ(r.flags & f::kStateLost, 0);
    // Port 1000 returns: tracked again from scratch, under a new id.
    r = h.one(udp("10.0.0.1", 1000, "10.0.0.2", 53), kStart + 200);
    EXPECT_EQ(r.stream_id, 17u);
    EXPECT_NE(r.flags & f::kStreamStart, 0);
    EXPECT_EQ(h.counters().flows_evicted, 2u);
}

TEST(Annotator, StateLostFlagAfterEviction) {
    AnnotatorOptions options;
    options.max_flows = 16;
    Harness h(std::move(options));
    Conversation evicted;
    evicted.client_port = 999;
    h.batch(evicted.handshake(kStart));
    h.one(evicted.from_client(0, 100), kStart + 3000);
    for (std::uint16_t port = 0; port < 16; ++port) {
        h.one(udp("10.0.0.1", static_cast<std::uint16_t>(1000 + port), "10.0.0.2", 53),
              kStart + 10000 + port);
    }
    ASSERT_EQ(h.counters().flows_evicted, 1u);
    const Record r = h.one(evicted.from_client(100, 100), kStart + 20000);
    EXPECT_NE(r.flags & f::kStateLost, 0) << describe(r);
    EXPECT_NE(r.flags & f::kMidstream, 0);
    EXPECT_NE(r.flags & f::kStreamStart, 0);
    // Every later packet of the stream carries it too.
    EXPECT_NE(h.one(evicted.from_server(0, 0, 200, kAck), kStart + 20001).flags & f::kStateLost, 0);
    // A tuple never evicted does not.
    EXPECT_EQ(h.one(udp("10.0.0.1", 1015, "10.0.0.2", 53), kStart + 20002).flags & f::kStateLost,
              0);
}

// ---------------------------------------------------------------------------------------------
// TCP facts through the pipeline and the counters

TEST(Annotator, CountersAreExact) {
    AnnotatorOptions options = with_local({"10.0.0.0/8"});
    options.max_flows = 1000;
    Harness h(std::move(options));
    Conversation c;
    auto records = h.batch(c.handshake());                     // 3 packets
    records.push_back(h.one(c.from_client(0, 100)));           // in order
    records.push_back(h.one(c.from_client(300, 100)));         // gap 200: [100, 300)
    records.push_back(h.one(c.from_client(100, 200)));         // hole filled
    records.push_back(h.one(c.from_client(500, 100)));         // gap 100: [400, 500)
    records.push_back(h.one(c.from_server(0, 0, 600, kAck)));  // capture loss 100
    records.push_back(h.one(c.from_server(0, 0, 600, kAck)));  // nothing new
    EXPECT_EQ(records[3].tcp_status, TcpStatus::in_order);
    EXPECT_EQ(records[4].tcp_status, TcpStatus::out_of_order);
    EXPECT_EQ(records[4].gap_bytes, 200u);
    EXPECT_EQ(records[4].stream_offset, 300u);
    EXPECT_EQ(records[4].relative_sequence, 301u);
    EXPECT_EQ(records[5].tcp_status, TcpStatus::hole_filled);
    EXPECT_EQ(records[6].gap_bytes, 100u);
    EXPECT_EQ(records[7].capture_loss_bytes, 100u);
    EXPECT_EQ(records[7].tcp_status, TcpStatus::ack_only);
    EXPECT_EQ(records[8].capture_loss_bytes, 0u);
    // A second connection with one hole more than tracked: one hole forgotten.
    Conversation d;
    d.client_port = 40001;
    h.batch(d.handshake());  // 3 packets
    h.one(d.from_client(0, 10));
    Record ninth;
    for (std::uint64_t k = 1; k <= tcp::kMaxHoles + 1; ++k)
        ninth = h.one(d.from_client(20 * k, 10));  // kMaxHoles + 1
    EXPECT_NE(ninth.flags & f::kHolesDropped, 0);
    // A UDP stream of two packets; then an RST and a new SYN on the first connection.
    h.one(udp("10.0.0.1", 5000, "10.0.0.2", 6000));
    h.one(udp("10.0.0.2", 6000, "10.0.0.1", 5000));
    h.one(c.from_client(600, 0, 0, kRst));
    Conversation c2 = c;
    c2.client_isn = 424242;
    EXPECT_EQ(h.one(c2.syn()).stream_id, 3u);
    // One truncated and one malformed packet.
    Input cut = at(udp("10.0.0.1", 1, "10.0.0.2", 2));
    cut.caplen = 20;
    h.one(cut);
    Input bad = at(udp("10.0.0.1", 1, "10.0.0.2", 2));
    bad.edit = [](Bytes& frame) { frame[14 + 20 + 5] = 2; };
    h.one(bad);

    const AnnotatorCounters& n = h.counters();
    constexpr std::uint64_t kSecondConnection = 3 + 1 + tcp::kMaxHoles + 1;
    EXPECT_EQ(n.packets, 9u + kSecondConnection + 2u + 2u + 2u);
    EXPECT_EQ(n.flows_created, 4u);  // c, d, udp, c again
    EXPECT_EQ(n.tcp_streams, 3u);
    EXPECT_EQ(n.udp_streams, 1u);
    EXPECT_EQ(n.streams_restarted, 1u);
    EXPECT_EQ(n.flows_expired, 0u);
    EXPECT_EQ(n.flows_evicted, 0u);
    EXPECT_EQ(n.gaps, 2u + (tcp::kMaxHoles + 1));
    EXPECT_EQ(n.gap_bytes, 300u + 10u * (tcp::kMaxHoles + 1));
    EXPECT_EQ(n.holes_filled, 1u);
    EXPECT_EQ(n.hole_cap_hits, 1u);
    EXPECT_EQ(n.capture_loss_bytes, 100u);
    EXPECT_EQ(n.truncated_packets, 1u);
    EXPECT_EQ(n.malformed_packets, 1u);
    EXPECT_EQ(n.flow_capacity, 1000u);
    EXPECT_GT(n.memory_bytes, 1000u * sizeof(tcp::DirectionState) * 2);
    EXPECT_LE(n.memory_bytes, 64u << 20);

    // The payload of the statistics option: version 1, 16 counters, little-endian, in the
    // documented order.
    const std::vector<std::uint8_t> payload = h.annotator.counters_payload();
    ASSERT_EQ(payload.size(), 4u + 16u * 8u);
    EXPECT_EQ(payload[0], 1);
    EXPECT_EQ(payload[1], 0);
    EXPECT_EQ(payload[2], 16);
    EXPECT_EQ(payload[3], 0);
    const std::uint64_t documented[] = {
        n.packets,           n.flows_created,     n.tcp_streams,   n.udp_streams,
        n.streams_restarted, n.flows_expired,     n.flows_evicted, n.gaps,
        n.gap_bytes,         n.holes_filled,      n.hole_cap_hits, n.capture_loss_bytes,
        n.truncated_packets, n.malformed_packets, n.flow_capacity, n.memory_bytes};
    for (std::size_t i = 0; i < 16; ++i) {
        std::uint64_t value = 0;
        for (std::size_t b = 0; b < 8; ++b) {
            value |= std::uint64_t{payload[4 + 8 * i + b]} << (8 * b);
        }
        EXPECT_EQ(value, documented[i]) << "counter " << i;
    }
    // Spot check the bytes themselves: the packet count is the first value, little-endian.
    EXPECT_EQ(payload[4], static_cast<std::uint8_t>(n.packets));
    EXPECT_EQ(payload[5], static_cast<std::uint8_t>(n.packets >> 8));
}

TEST(Annotator, HolesFilledCountsOnlySegmentsThatFilledAHole) {
    Harness h;
    Conversation c;
    h.batch(c.handshake());
    h.one(c.from_client(0, 1000));
    const Record r = h.one(c.from_client(500, 1000));  // re-sent with more: no hole anywhere
    EXPECT_EQ(r.tcp_status, TcpStatus::partial_overlap);
    EXPECT_EQ(h.counters().holes_filled, 0u);
}

TEST(Annotator, WindowProbeAndKeepAliveThroughThePipeline) {
    Harness h;
    Conversation c;
    h.batch(c.handshake());
    h.one(c.from_client(0, 100));
    PacketSpec zero_window = c.from_server(0, 0, 100, kAck);
    zero_window.window = 0;
    EXPECT_EQ(h.one(zero_window).tcp_status, TcpStatus::ack_only);
    EXPECT_EQ(h.one(c.from_client(100, 1)).tcp_status, TcpStatus::window_probe);
    EXPECT_EQ(h.one(c.from_client(100, 0, 0, kAck)).tcp_status, TcpStatus::keep_alive);
    EXPECT_EQ(h.one(c.from_client(101, 0, 0, kAck)).tcp_status, TcpStatus::ack_only);
}

TEST(Annotator, LargeBatchesAreAnnotatedWhole) {
    // More packets than the option arena holds up front (1024).
    Harness h;
    std::vector<Input> inputs;
    for (std::uint32_t i = 0; i < 3000; ++i) {
        inputs.push_back(
            at(udp("10.0.0.1", static_cast<std::uint16_t>(1000 + i % 1500), "10.0.0.2", 53),
               kStart + i));
    }
    const auto records = h.batch(inputs);
    ASSERT_EQ(records.size(), 3000u);
    for (std::uint32_t i = 0; i < 3000; ++i) {
        ASSERT_EQ(records[i].stream_id, i % 1500) << i;
        ASSERT_EQ((records[i].flags & f::kStreamStart) != 0, i < 1500) << i;
    }
}

// ---------------------------------------------------------------------------------------------
// Adversarial input: memory stays within the cap, time stays bounded.

std::size_t resident_bytes() {
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line)) {
        if (line.rfind("VmRSS:", 0) == 0) return std::stoull(line.substr(6)) * 1024;
    }
    return 0;
}

#ifdef RINGDUMP_TEST_ASAN
constexpr bool kAsan = true;
#else
constexpr bool kAsan = false;
#endif

// Ethernet + IPv4 + TCP header (54 bytes), to be patched per packet.
struct HeaderFrames {
    explicit HeaderFrames(std::size_t count) : frames(count) {
        for (Bytes& frame : frames) {
            PacketSpec spec = Conversation{}.syn();
            frame = test::build_frame(spec);
        }
    }
    static void put16(Bytes& frame, std::size_t at, std::uint16_t v) {
        frame[at] = static_cast<std::uint8_t>(v >> 8);
        frame[at + 1] = static_cast<std::uint8_t>(v);
    }
    static void put32(Bytes& frame, std::size_t at, std::uint32_t v) {
        put16(frame, at, static_cast<std::uint16_t>(v >> 16));
        put16(frame, at + 2, static_cast<std::uint16_t>(v));
    }
    std::vector<Bytes> frames;
};

TEST(AnnotatorAdversarial, AMillionSynsStayWithinTheFlowMemoryCap) {
    constexpr std::size_t kCap = 32u << 20;
    const std::size_t syns = 1'000'000;
    constexpr std::size_t kBatch = 1024;
    HeaderFrames batch(kBatch);
    std::vector<PacketView> views(kBatch);
    const std::uint16_t link_types[] = {kLinktypeEthernet};

    const std::size_t before = resident_bytes();
    const auto started = std::chrono::steady_clock::now();
    AnnotatorOptions options;
    options.max_flows = 65536;
    options.max_memory_bytes = kCap;
    Annotator annotator(std::move(options));
    const std::uint64_t capacity = annotator.counters().flow_capacity;
    ASSERT_LE(capacity, 65536u);
    ASSERT_GE(capacity, 16u);
    std::uint64_t checked = 0;
    for (std::size_t done = 0; done < syns; done += kBatch) {
        const std::size_t n = std::min(kBatch, syns - done);
        for (std::size_t i = 0; i < n; ++i) {
            const auto id = static_cast<std::uint32_t>(done + i);
            Bytes& frame = batch.frames[i];
            // Source 10.x.y.z from the packet number, port too: a million distinct tuples.
            frame[26] = 10;
            frame[27] = static_cast<std::uint8_t>(id >> 16);
            frame[28] = static_cast<std::uint8_t>(id >> 8);
            frame[29] = static_cast<std::uint8_t>(id);
            HeaderFrames::put16(frame, 34, static_cast<std::uint16_t>(1024 + id % 60000));
            HeaderFrames::put32(frame, 38, id * 2654435761u);
            views[i] = test::view_of(frame, kStart + id * 1000ull);  // 1 µs apart
        }
        annotator.annotate(std::span(views.data(), n), link_types);
        // Sample: every SYN starts a stream of its own, numbered in order.
        const Record r = record_of(views[n - 1]);
        ASSERT_EQ(r.stream_id, done + n - 1);
        ASSERT_EQ(r.tcp_status, TcpStatus::handshake);
        ++checked;
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    const std::size_t after = resident_bytes();
    const AnnotatorCounters& n = annotator.counters();
    const long long growth = static_cast<long long>(after) - static_cast<long long>(before);
    std::printf(
        "1M SYNs: capacity %llu flows, table %llu bytes (cap %zu), RSS %zu -> %zu "
        "(+%lld bytes = %.1f MiB), %.2f s (%.0f ns/packet)%s\n",
        static_cast<unsigned long long>(capacity), static_cast<unsigned long long>(n.memory_bytes),
        kCap, before, after, growth, static_cast<double>(growth) / (1 << 20), seconds,
        seconds * 1e9 / static_cast<double>(syns), kAsan ? " [ASan]" : "");
    EXPECT_EQ(n.packets, syns);
    EXPECT_EQ(n.flows_created, syns);
    EXPECT_EQ(n.tcp_streams, syns);
    EXPECT_EQ(n.flows_evicted, syns - capacity);
    EXPECT_EQ(n.flows_expired, 0u);
    EXPECT_LE(n.memory_bytes, kCap);
    // Resident memory: the table (at most the cap) plus a small fixed part (option arena,
    // evicted-tuple memory). ASan adds shadow memory for what the process touches.
    const std::size_t slack = kAsan ? (kCap / 8 + (16u << 20)) : (4u << 20);
    EXPECT_LE(growth, static_cast<long long>(kCap + slack));
    EXPECT_LT(seconds, kAsan ? 50.0 : 10.0);
}

TEST(AnnotatorAdversarial, AFloodOfOverlappingSegmentsOnOneFlow) {
    const std::size_t segments = 1'000'000;
    constexpr std::size_t kBatch = 1024;
    HeaderFrames batch(kBatch);
    std::vector<PacketView> views(kBatch);
    const std::uint16_t link_types[] = {kLinktypeEthernet};
    Conversation c;

    AnnotatorOptions options;
    options.max_flows = 1024;
    options.max_memory_bytes = 8u << 20;
    Annotator annotator(std::move(options));
    // The handshake first, then the flood. A tracker of its own follows the same segments, to
    // check the hole invariants after every one and the statuses the annotator reports.
    tcp::DirectionState client, server;
    {
        Bytes syn = test::build_frame(c.syn()), syn_ack = test::build_frame(c.syn_ack());
        PacketView hs[2] = {test::view_of(syn, kStart), test::view_of(syn_ack, kStart + 1)};
        annotator.annotate(hs, link_types);
        tcp::track(client, server, {c.client_isn, 0, 65535, kSyn, 0});
        tcp::track(server, client, {c.server_isn, c.client_isn + 1, 65535, kSyn | kAck, 0});
    }
    // Half the segments jump ahead of the stream (each opens a hole), half land anywhere in
    // the last 64 KB below its end (overlaps, fills, splits of holes).
    std::mt19937_64 rng(31337);
    std::uniform_int_distribution<std::uint64_t> ahead(1, 3000);
    std::uniform_int_distribution<std::uint64_t> behind(0, 65536);
    std::uniform_int_distribution<std::uint32_t> length(1, 1460);
    const std::size_t before = resident_bytes();
    const auto started = std::chrono::steady_clock::now();
    std::uint64_t dropped = 0;
    for (std::size_t done = 0; done < segments; done += kBatch) {
        const std::size_t n = std::min(kBatch, segments - done);
        std::vector<TcpStatus> expected(n);
        for (std::size_t i = 0; i < n; ++i) {
            Bytes& frame = batch.frames[i];
            const std::uint64_t end = client.max_end;
            const std::uint64_t offset =
                rng() % 2 == 0 ? end + ahead(rng) : end - std::min(end, behind(rng));
            const auto sequence = static_cast<std::uint32_t>(c.client_isn + 1 + offset);
            const std::uint32_t payload = length(rng);
            HeaderFrames::put16(frame, 14 + 2, static_cast<std::uint16_t>(40 + payload));
            HeaderFrames::put32(frame, 38, sequence);
            HeaderFrames::put32(frame, 42, c.server_isn + 1);
            frame[47] = kAck;
            views[i] = test::view_of(frame, kStart + 10 + done + i);
            views[i].wirelen = 54 + payload;  // captured: the headers only (snap length)
            const tcp::Outcome o =
                tcp::track(client, server, {sequence, c.server_isn + 1, 65535, kAck, payload});
            expected[i] = o.status;
            dropped += o.holes_dropped ? 1 : 0;
            ASSERT_LE(client.hole_count, tcp::kMaxHoles);
            for (std::size_t k = 0; k < client.hole_count; ++k) {
                ASSERT_LT(client.holes[k].start, client.holes[k].end);
                ASSERT_LE(client.holes[k].end, client.max_end);
                if (k > 0) {
                    ASSERT_LT(client.holes[k - 1].end, client.holes[k].start);
                }
            }
        }
        annotator.annotate(std::span(views.data(), n), link_types);
        for (std::size_t i = 0; i < n; ++i) {
            ASSERT_EQ(record_of(views[i]).tcp_status, expected[i]) << "segment " << done + i;
        }
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    const std::size_t after = resident_bytes();
    const long long growth = static_cast<long long>(after) - static_cast<long long>(before);
    const AnnotatorCounters& n = annotator.counters();
    std::printf(
        "1M overlapping segments: RSS %zu -> %zu (%+lld bytes), %.2f s including the "
        "reference tracker and decoding every record; hole cap hits %llu%s\n",
        before, after, growth, seconds, static_cast<unsigned long long>(n.hole_cap_hits),
        kAsan ? " [ASan]" : "");
    EXPECT_EQ(n.packets, segments + 2);
    EXPECT_EQ(n.flows_created, 1u);
    EXPECT_EQ(n.hole_cap_hits, dropped);
    EXPECT_GT(n.hole_cap_hits, segments / 10);
    EXPECT_LE(growth, static_cast<long long>(kAsan ? (8u << 20) : (1u << 20)));
    EXPECT_LT(seconds, kAsan ? 50.0 : 10.0);
}

}  // namespace
}  // namespace ringdump
