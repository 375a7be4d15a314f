// SPDX-License-Identifier: BSD-2-Clause
// The realistic traffic mix (realistic_traffic.h).
#include "realistic_traffic.h"

#include <algorithm>
#include <cstdio>
#include <deque>
#include <random>

#include "ringdump/packet_decoder.h"

namespace ringdump::bench {
namespace {

using test::address;
using test::PacketSpec;

constexpr std::uint8_t kSyn = tcp_flags::kSyn;
constexpr std::uint8_t kAck = tcp_flags::kAck;
constexpr std::uint8_t kPsh = tcp_flags::kPsh;
constexpr std::uint8_t kFin = tcp_flags::kFin;

constexpr std::uint64_t kPacketSpacingNs = 1000;  // 1 Mpps
constexpr std::uint64_t kSecond = 1'000'000'000;

// Where an endpoint pair sits: VLAN tagged in the frame, tag stripped by the kernel, or neither.
struct Vlan {
    std::uint16_t in_frame = 0;
    std::uint16_t stripped = 0;
};

void add32(test::Bytes& bytes, std::size_t at, std::uint32_t delta) {
    std::uint32_t value = std::uint32_t{bytes[at]} << 24 | std::uint32_t{bytes[at + 1]} << 16 |
                          std::uint32_t{bytes[at + 2]} << 8 | bytes[at + 3];
    value += delta;
    bytes[at] = static_cast<std::uint8_t>(value >> 24);
    bytes[at + 1] = static_cast<std::uint8_t>(value >> 16);
    bytes[at + 2] = static_cast<std::uint8_t>(value >> 8);
    bytes[at + 3] = static_cast<std::uint8_t>(value);
}

std::string v4(int a, int b, std::uint32_t c, std::uint32_t d) {
    return std::to_string(a) + "." + std::to_string(b) + "." + std::to_string(c) + "." +
           std::to_string(d);
}

// A TCP connection of the mix: its endpoints and what each side has sent so far.
struct Connection {
    PacketSpec client_to_server;  // addresses, ports, VLAN
    Vlan vlan;
    std::uint32_t client_isn = 0, server_isn = 0;
    std::uint64_t client_sent = 0, server_sent = 0;  // sequence space used after the SYN
    std::uint32_t client_stream = 0, server_stream = 0;
};

// One step of a short connection's exchange.
struct Step {
    bool from_client;
    std::uint8_t flags;
    std::uint32_t payload;
};

class Builder {
  public:
    Builder(std::vector<RealisticTraffic::Frame>& steady, RealisticTraffic::Shares& shares)
        : steady_(steady), shares_(shares) {}

    RealisticTraffic::Frame frame(const PacketSpec& spec, const Vlan& vlan) {
        RealisticTraffic::Frame frame;
        PacketSpec tagged = spec;
        if (vlan.in_frame != 0) tagged.vlans = {vlan.in_frame};
        frame.bytes = test::build_frame(tagged);
        frame.wirelen = static_cast<std::uint32_t>(frame.bytes.size());
        frame.stripped_vlan = vlan.stripped;
        if (spec.protocol == test::ip_protocol::kTcp) {
            frame.tcp_at = static_cast<std::uint32_t>(frame.bytes.size() - spec.payload - 20);
        }
        if (frame.bytes.size() > RealisticTraffic::kSnap) {
            frame.bytes.resize(RealisticTraffic::kSnap);
        }
        return frame;
    }

    // A segment of connection c from one side; counts it in the steady pass when steady.
    RealisticTraffic::Frame segment(Connection& c, bool from_client, std::uint8_t flags,
                                    std::uint32_t payload) {
        PacketSpec spec = c.client_to_server;
        if (!from_client) {
            std::swap(spec.source, spec.destination);
            std::swap(spec.source_port, spec.destination_port);
        }
        const bool syn = (flags & kSyn) != 0;
        const std::uint32_t own_isn = from_client ? c.client_isn : c.server_isn;
        const std::uint32_t peer_isn = from_client ? c.server_isn : c.client_isn;
        std::uint64_t& own_sent = from_client ? c.client_sent : c.server_sent;
        const std::uint64_t peer_sent = from_client ? c.server_sent : c.client_sent;
        spec.sequence = syn ? own_isn : static_cast<std::uint32_t>(own_isn + 1 + own_sent);
        spec.acknowledgement =
            (flags & kAck) != 0 ? static_cast<std::uint32_t>(peer_isn + 1 + peer_sent) : 0;
        spec.tcp_flags = flags;
        spec.payload = payload;
        spec.window = 64240;
        own_sent += payload + ((flags & kFin) != 0 ? 1 : 0);
        RealisticTraffic::Frame frame = this->frame(spec, c.vlan);
        frame.sender = from_client ? c.client_stream : c.server_stream;
        frame.receiver = from_client ? c.server_stream : c.client_stream;
        frame.acknowledges = (flags & kAck) != 0;
        return frame;
    }

    void push(RealisticTraffic::Frame frame, const PacketSpec& spec) {
        ++shares_.packets;
        if (spec.source.ipv6) ++shares_.ipv6;
        if (frame.stripped_vlan != 0) ++shares_.vlan_stripped;
        if (frame.bytes.size() > 12 && frame.bytes[12] == 0x81 && frame.bytes[13] == 0x00) {
            ++shares_.vlan_in_frame;
        }
        steady_.push_back(std::move(frame));
    }

  private:
    std::vector<RealisticTraffic::Frame>& steady_;
    RealisticTraffic::Shares& shares_;
};

}  // namespace

RealisticTraffic::RealisticTraffic() {
    std::mt19937_64 rng(7);
    std::uniform_real_distribution<double> unit(0, 1);
    Builder builder(steady_, shares_);
    auto new_stream = [&] {
        stream_delta_.push_back(0);
        return static_cast<std::uint32_t>(stream_delta_.size() - 1);
    };

    // Long-lived connections: local clients (10.0/16, 2001:db8:1::/48) to remote servers.
    std::vector<Connection> tcp(kLongConnections);
    for (std::uint32_t i = 0; i < kLongConnections; ++i) {
        const bool ipv6 = i % 5 == 0;
        Connection& c = tcp[i];
        PacketSpec& spec = c.client_to_server;
        spec.source = address(ipv6 ? "2001:db8:1::" + std::to_string(i % 4000 + 1)
                                   : v4(10, 0, i / 250, i % 250 + 1));
        spec.destination = address(ipv6 ? "2001:db8:ff::" + std::to_string(i % 50 + 1)
                                        : v4(198, 51, 100, i % 200 + 1));
        spec.source_port = static_cast<std::uint16_t>(20000 + i % 40000);
        spec.destination_port = i % 3 == 0 ? 80 : 443;
        const std::uint32_t k = i % 50;
        if (k < 6) c.vlan.in_frame = static_cast<std::uint16_t>(100 + i % 4);            // 12 %
        if (k >= 6 && k < 9) c.vlan.stripped = static_cast<std::uint16_t>(200 + i % 4);  // 6 %
        c.client_isn = static_cast<std::uint32_t>(rng());
        c.server_isn = static_cast<std::uint32_t>(rng());
        c.client_stream = new_stream();
        c.server_stream = new_stream();
    }
    for (Connection& c : tcp) {
        setup_.push_back(builder.segment(c, true, kSyn, 0));
        setup_.push_back(builder.segment(c, false, kSyn | kAck, 0));
        setup_.push_back(builder.segment(c, true, kAck, 0));
    }
    for (Frame& frame : setup_)
        frame.tcp_at = 0;  // the setup is not shifted
    std::vector<std::uint64_t> client_start(kLongConnections), server_start(kLongConnections);
    for (std::uint32_t i = 0; i < kLongConnections; ++i) {
        client_start[i] = tcp[i].client_sent;
        server_start[i] = tcp[i].server_sent;
    }

    // Short connections: a whole exchange each, new in every pass (same tuples, new ISNs).
    struct Short {
        Connection connection;
        std::vector<Step> steps;
        std::size_t next = 0;
    };
    std::vector<Short> active;
    std::uint32_t short_count = 0;
    auto start_short = [&] {
        const std::uint32_t n = short_count++;
        const bool ipv6 = n % 5 == 1;
        Short s;
        Connection& c = s.connection;
        PacketSpec& spec = c.client_to_server;
        spec.source = address(ipv6 ? "2001:db8:1:3::" + std::to_string(n + 1)
                                   : v4(10, 3, n / 250, n % 250 + 1));
        spec.destination = address(ipv6 ? "2001:db8:fe::" + std::to_string(n % 100 + 1)
                                        : v4(203, 0, 113, n % 100 + 1));
        spec.source_port = static_cast<std::uint16_t>(40000 + n % 20000);
        spec.destination_port = 443;
        if (n % 10 == 3) c.vlan.in_frame = 110;
        c.client_isn = static_cast<std::uint32_t>(rng());
        c.server_isn = static_cast<std::uint32_t>(rng());
        c.client_stream = new_stream();
        c.server_stream = new_stream();
        // A new initial sequence number on each side every pass.
        stream_delta_[c.client_stream] = static_cast<std::uint32_t>(rng()) | 1u;
        stream_delta_[c.server_stream] = static_cast<std::uint32_t>(rng()) | 1u;
        s.steps = {
            {true, kSyn, 0}, {false, kSyn | kAck, 0}, {true, kAck, 0}, {true, kAck | kPsh, 350}};
        const std::uint32_t segments = 1 + static_cast<std::uint32_t>(rng() % 6);
        for (std::uint32_t k = 1; k <= segments; ++k) {
            s.steps.push_back(
                {false, static_cast<std::uint8_t>(kAck | (k == segments ? kPsh : 0)), 1448});
            if (k % 2 == 0 || k == segments) s.steps.push_back({true, kAck, 0});
        }
        s.steps.push_back({false, kFin | kAck, 0});
        s.steps.push_back({true, kFin | kAck, 0});
        s.steps.push_back({false, kAck, 0});
        active.push_back(std::move(s));
        ++shares_.short_connections;
        return active.size() - 1;
    };

    // DNS: client ports of local hosts asking two resolvers; answered a few packets later.
    struct Dns {
        PacketSpec query;
        Vlan vlan;
    };
    std::vector<Dns> dns(kDnsClients);
    for (std::uint32_t d = 0; d < kDnsClients; ++d) {
        const bool ipv6 = d % 4 == 0;
        PacketSpec& spec = dns[d].query;
        spec.protocol = test::ip_protocol::kUdp;
        spec.source = address(ipv6 ? "2001:db8:1:1::" + std::to_string(d + 1)
                                   : v4(10, 1, d / 250, d % 250 + 1));
        spec.destination = address(ipv6 ? "2620:fe::fe" : "9.9.9.9");
        spec.source_port = static_cast<std::uint16_t>(30000 + d);
        spec.destination_port = 53;
        if (d % 10 == 5) dns[d].vlan.stripped = 300;
    }
    std::deque<std::uint32_t> unanswered;

    // QUIC: mostly server to client.
    std::vector<PacketSpec> quic(kQuicFlows);
    for (std::uint32_t q = 0; q < kQuicFlows; ++q) {
        const bool ipv6 = q % 3 == 0;
        PacketSpec& spec = quic[q];
        spec.protocol = test::ip_protocol::kUdp;
        spec.source = address(ipv6 ? "2001:db8:1:2::" + std::to_string(q + 1)
                                   : v4(10, 2, q / 250, q % 250 + 1));
        spec.destination = address(ipv6 ? "2001:db8:ee::" + std::to_string(q % 50 + 1)
                                        : v4(192, 0, 2, q % 50 + 1));
        spec.source_port = static_cast<std::uint16_t>(50000 + q);
        spec.destination_port = 443;
    }

    std::uniform_int_distribution<std::uint32_t> pick_long(0, kLongConnections - 1);
    std::uint32_t icmp_sequence = 0;
    while (steady_.size() < kSteadyPackets) {
        const double r = unit(rng);
        if (r < 0.82) {
            // A packet of a long-lived connection.
            Connection& c = tcp[pick_long(rng)];
            const double kind = unit(rng);
            PacketSpec spec = c.client_to_server;
            if (kind < 0.6) {
                builder.push(builder.segment(c, false, kAck | kPsh, 1448), spec);
            } else if (kind < 0.75) {
                builder.push(builder.segment(c, true, kAck | kPsh, 200), spec);
            } else {
                builder.push(builder.segment(c, true, kAck, 0), spec);
                ++shares_.tcp_pure_acks;
            }
            ++shares_.tcp;
        } else if (r < 0.87) {
            // The next packet of a short connection, or a new one (about 16 in flight).
            std::size_t at;
            if (active.size() < 16 || unit(rng) < 0.1) {
                at = start_short();
            } else {
                at = static_cast<std::size_t>(rng() % active.size());
            }
            Short& s = active[at];
            const Step step = s.steps[s.next++];
            builder.push(builder.segment(s.connection, step.from_client, step.flags, step.payload),
                         s.connection.client_to_server);
            ++shares_.tcp;
            if (step.payload == 0 && step.flags == kAck) ++shares_.tcp_pure_acks;
            if (s.next == s.steps.size()) {
                active[at] = std::move(active.back());
                active.pop_back();
            }
        } else if (r < 0.94) {
            const std::uint32_t q = static_cast<std::uint32_t>(rng() % kQuicFlows);
            PacketSpec spec = quic[q];
            if (unit(rng) < 0.8) {
                std::swap(spec.source, spec.destination);
                std::swap(spec.source_port, spec.destination_port);
                spec.payload = 1252;
            } else {
                spec.payload = 40 + static_cast<std::uint32_t>(rng() % 41);
            }
            builder.push(builder.frame(spec, {}), spec);
            ++shares_.udp;
            ++shares_.quic;
        } else if (r < 0.99) {
            PacketSpec spec;
            Vlan vlan;
            if (!unanswered.empty() && (unanswered.size() > 8 || unit(rng) < 0.5)) {
                const std::uint32_t d = unanswered.front();
                unanswered.pop_front();
                spec = dns[d].query;
                vlan = dns[d].vlan;
                std::swap(spec.source, spec.destination);
                std::swap(spec.source_port, spec.destination_port);
                spec.payload = 80 + static_cast<std::uint32_t>(rng() % 190);
            } else {
                const std::uint32_t d = static_cast<std::uint32_t>(rng() % kDnsClients);
                unanswered.push_back(d);
                spec = dns[d].query;
                vlan = dns[d].vlan;
                spec.payload = 28 + static_cast<std::uint32_t>(rng() % 40);
            }
            builder.push(builder.frame(spec, vlan), spec);
            ++shares_.udp;
            ++shares_.dns;
        } else if (r < 0.996) {
            PacketSpec spec;
            const bool ipv6 = icmp_sequence % 3 == 0;
            spec.protocol = ipv6 ? test::ip_protocol::kIcmpv6 : test::ip_protocol::kIcmp;
            spec.source = address(ipv6 ? "2001:db8:1::99" : "10.4.0.1");
            spec.destination = address(ipv6 ? "2001:4860::8888" : "1.1.1.1");
            if (icmp_sequence++ % 2 == 1) std::swap(spec.source, spec.destination);
            spec.payload = 56;
            builder.push(builder.frame(spec, {}), spec);
            ++shares_.icmp;
        } else {
            // ARP request: who has 10.0.0.1, tell 10.0.x.y.
            test::FrameBuilder f;
            f.raw({0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x02})
                .be16(0x0806)
                .be16(1)
                .be16(0x0800)
                .u8(6)
                .u8(4)
                .be16(1)
                .raw({0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 10, 0})
                .u8(static_cast<std::uint8_t>(rng() % 40))
                .u8(static_cast<std::uint8_t>(1 + rng() % 250))
                .fill(6)
                .raw({10, 0, 0, 1})
                .fill(18);  // Ethernet padding to 60 bytes
            Frame frame;
            frame.bytes = f.bytes();
            frame.wirelen = static_cast<std::uint32_t>(frame.bytes.size());
            builder.push(std::move(frame), PacketSpec{});
            ++shares_.arp;
        }
    }
    // What one pass adds to each long-lived connection's sequence streams.
    for (std::uint32_t i = 0; i < kLongConnections; ++i) {
        stream_delta_[tcp[i].client_stream] =
            static_cast<std::uint32_t>(tcp[i].client_sent - client_start[i]);
        stream_delta_[tcp[i].server_stream] =
            static_cast<std::uint32_t>(tcp[i].server_sent - server_start[i]);
    }

    auto views_of = [](std::vector<Frame>& frames, std::uint64_t start) {
        std::vector<PacketView> views;
        views.reserve(frames.size());
        for (std::size_t i = 0; i < frames.size(); ++i) {
            PacketView view = test::view_of(frames[i].bytes, start + i * kPacketSpacingNs);
            view.wirelen = frames[i].wirelen;
            if (frames[i].stripped_vlan != 0) {  // the frame itself is untagged
                view.vlan_tpid = 0x8100;
                view.vlan_tci = frames[i].stripped_vlan;
            }
            views.push_back(view);
        }
        return views;
    };
    setup_views_ = views_of(setup_, kStart);
    steady_views_ = views_of(steady_, kStart + kSecond);
}

void RealisticTraffic::shift(std::int64_t passes) {
    const auto times = static_cast<std::uint32_t>(passes);  // modulo 2^32, like TCP
    for (Frame& frame : steady_) {
        if (frame.tcp_at == 0) continue;
        add32(frame.bytes, frame.tcp_at + 4, stream_delta_[frame.sender] * times);
        if (frame.acknowledges) {
            add32(frame.bytes, frame.tcp_at + 8, stream_delta_[frame.receiver] * times);
        }
    }
    const auto pass = static_cast<std::int64_t>(kSteadyPackets * kPacketSpacingNs);
    for (PacketView& view : steady_views_) {
        view.timestamp_ns = static_cast<std::uint64_t>(
            static_cast<std::int64_t>(view.timestamp_ns) + passes * pass);
    }
    passes_ += passes;
}

std::string RealisticTraffic::describe() const {
    const Shares& s = shares_;
    auto percent = [&](std::size_t n) {
        char text[16];
        std::snprintf(text, sizeof text, "%.1f%%",
                      100.0 * static_cast<double>(n) / static_cast<double>(s.packets));
        return std::string(text);
    };
    return std::to_string(s.packets) + " packets per pass: TCP " + percent(s.tcp) + " (pure ACKs " +
           percent(s.tcp_pure_acks) + "), UDP " + percent(s.udp) + " (DNS " + percent(s.dns) +
           ", QUIC " + percent(s.quic) + "), ICMP " + percent(s.icmp) + ", ARP " + percent(s.arp) +
           "; IPv6 " + percent(s.ipv6) + "; VLAN " + percent(s.vlan_in_frame) + " in frame + " +
           percent(s.vlan_stripped) + " stripped; " + std::to_string(kLongConnections) +
           " long TCP connections, " + std::to_string(s.short_connections) +
           " short ones per pass, " + std::to_string(kDnsClients) + " DNS and " +
           std::to_string(kQuicFlows) + " QUIC flows";
}

AnnotatorOptions RealisticTraffic::options(std::size_t max_flows, std::size_t max_memory_bytes) {
    AnnotatorOptions options;
    options.local_networks.add(test::prefix("10.0.0.0/8"));
    options.local_networks.add(test::prefix("2001:db8:1::/48"));
    options.max_flows = max_flows;
    options.max_memory_bytes = max_memory_bytes;
    return options;
}

RealisticTraffic& realistic_traffic() {
    static RealisticTraffic instance;
    return instance;
}

}  // namespace ringdump::bench
