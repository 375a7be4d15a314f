// SPDX-License-Identifier: BSD-2-Clause
// make_vector: writes the plugin's test vector, a small deterministic classic pcap (Ethernet,
// fixed timestamps) crafted so that ringdump annotate gives every annotation field and TCP
// status at least once. The frames, and what ringdump must say about each, are listed in
// docs/annotations.md ("The test-vector file"); tests/data/annotation-vector.pcap is this
// program's output, tests/data/annotation-vector.pcapng its annotated form:
//
//   make_vector OUT.pcap
//   ringdump annotate OUT.pcap -w OUT.pcapng --local-net 198.18.0.1/32
//
// The host is 198.18.0.1 (local); its peer 198.19.0.9 (remote). Checksums are correct, so that
// Wireshark's own analysis has nothing to say about the bytes.
#include <pcap/pcap.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

namespace {

using Bytes = std::vector<std::uint8_t>;
using Ip4 = std::array<std::uint8_t, 4>;
using Ip6 = std::array<std::uint8_t, 16>;
using Mac = std::array<std::uint8_t, 6>;

constexpr Mac kHostMac = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
constexpr Mac kPeerMac = {0x02, 0x00, 0x00, 0x00, 0x00, 0x02};
constexpr Mac kBroadcast = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
constexpr Ip4 kHost = {198, 18, 0, 1};
constexpr Ip4 kPeer = {198, 19, 0, 9};
constexpr Ip6 kHost6 = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
constexpr Ip6 kPeer6 = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};

constexpr std::uint8_t kFin = 0x01, kSyn = 0x02, kRst = 0x04, kPsh = 0x08, kAck = 0x10;

void be16(Bytes& out, std::uint32_t v) {
    out.push_back(static_cast<std::uint8_t>(v >> 8));
    out.push_back(static_cast<std::uint8_t>(v));
}
void be32(Bytes& out, std::uint32_t v) {
    be16(out, v >> 16);
    be16(out, v & 0xffff);
}
template <typename Container>
void append(Bytes& out, const Container& bytes) {
    out.insert(out.end(), bytes.begin(), bytes.end());
}
void put16(Bytes& out, std::size_t at, std::uint16_t v) {
    out[at] = static_cast<std::uint8_t>(v >> 8);
    out[at + 1] = static_cast<std::uint8_t>(v);
}

// The Internet checksum of bytes, starting from sum (a partial sum, e.g. a pseudo-header's).
std::uint16_t checksum(const Bytes& bytes, std::uint32_t sum = 0) {
    for (std::size_t i = 0; i < bytes.size(); i += 2) {
        sum += static_cast<std::uint32_t>(bytes[i] << 8);
        if (i + 1 < bytes.size()) sum += bytes[i + 1];
    }
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return static_cast<std::uint16_t>(~sum);
}
template <typename Address>
std::uint32_t pseudo_sum(const Address& src, const Address& dst, std::uint8_t protocol,
                         std::size_t length) {
    std::uint32_t sum = protocol + static_cast<std::uint32_t>(length);
    for (std::size_t i = 0; i < src.size(); i += 2) {
        sum += static_cast<std::uint32_t>(src[i] << 8 | src[i + 1]);
        sum += static_cast<std::uint32_t>(dst[i] << 8 | dst[i + 1]);
    }
    return sum;
}

Bytes payload(std::size_t length, std::uint8_t seed) {
    Bytes out(length);
    for (std::size_t i = 0; i < length; ++i)
        out[i] = static_cast<std::uint8_t>(seed + i);
    return out;
}

struct Tcp {
    std::uint16_t sport, dport;
    std::uint32_t seq, ack;
    std::uint8_t flags;
    std::uint16_t window = 64240;
    std::size_t length = 0;  // payload bytes
};

template <typename Address>
Bytes tcp_segment(const Address& src, const Address& dst, const Tcp& t) {
    Bytes out;
    be16(out, t.sport);
    be16(out, t.dport);
    be32(out, t.seq);
    be32(out, t.ack);
    out.push_back(5 << 4);  // data offset: 20 bytes, no options
    out.push_back(t.flags);
    be16(out, t.window);
    be16(out, 0);  // checksum, below
    be16(out, 0);  // urgent pointer
    append(out, payload(t.length, static_cast<std::uint8_t>(t.seq)));
    put16(out, 16, checksum(out, pseudo_sum(src, dst, 6, out.size())));
    return out;
}

template <typename Address>
Bytes udp_datagram(const Address& src, const Address& dst, std::uint16_t sport, std::uint16_t dport,
                   std::size_t length) {
    Bytes out;
    be16(out, sport);
    be16(out, dport);
    be16(out, static_cast<std::uint32_t>(8 + length));
    be16(out, 0);
    append(out, payload(length, static_cast<std::uint8_t>(sport)));
    std::uint16_t sum = checksum(out, pseudo_sum(src, dst, 17, out.size()));
    put16(out, 6, sum == 0 ? 0xffff : sum);
    return out;
}

struct Ip4Options {
    std::uint16_t id = 1;
    std::uint16_t fragment = 0x4000;  // flags and offset: DF, offset 0
    std::uint8_t ihl = 5;             // header length in 32-bit words as written (5 = correct)
};

Bytes ipv4(const Ip4& src, const Ip4& dst, std::uint8_t protocol, const Bytes& body,
           Ip4Options options = {}) {
    Bytes out;
    out.push_back(static_cast<std::uint8_t>(0x40 | options.ihl));
    out.push_back(0);
    be16(out, static_cast<std::uint32_t>(20 + body.size()));
    be16(out, options.id);
    be16(out, options.fragment);
    out.push_back(64);
    out.push_back(protocol);
    be16(out, 0);
    append(out, src);
    append(out, dst);
    put16(out, 10, checksum(out));
    append(out, body);
    return out;
}

Bytes ipv6(const Ip6& src, const Ip6& dst, std::uint8_t next_header, const Bytes& body) {
    Bytes out;
    be32(out, 0x60000000);
    be16(out, static_cast<std::uint32_t>(body.size()));
    out.push_back(next_header);
    out.push_back(64);
    append(out, src);
    append(out, dst);
    append(out, body);
    return out;
}

// Ethernet II, optionally with one 802.1Q tag.
Bytes ethernet(const Mac& dst, const Mac& src, std::uint16_t type, const Bytes& body,
               int vlan = -1) {
    Bytes out;
    append(out, dst);
    append(out, src);
    if (vlan >= 0) {
        be16(out, 0x8100);
        be16(out, static_cast<std::uint32_t>(vlan));
    }
    be16(out, type);
    append(out, body);
    return out;
}

// An IPv4 TCP frame from the host (up) or to it (down), by the sender's port.
Bytes tcp4(bool from_host, const Tcp& t) {
    const Ip4& src = from_host ? kHost : kPeer;
    const Ip4& dst = from_host ? kPeer : kHost;
    return ethernet(from_host ? kPeerMac : kHostMac, from_host ? kHostMac : kPeerMac, 0x0800,
                    ipv4(src, dst, 6, tcp_segment(src, dst, t)));
}
Bytes udp4(bool from_host, std::uint16_t sport, std::uint16_t dport, std::size_t length,
           int vlan = -1) {
    const Ip4& src = from_host ? kHost : kPeer;
    const Ip4& dst = from_host ? kPeer : kHost;
    return ethernet(from_host ? kPeerMac : kHostMac, from_host ? kHostMac : kPeerMac, 0x0800,
                    ipv4(src, dst, 17, udp_datagram(src, dst, sport, dport, length)), vlan);
}

Bytes arp_request() {
    Bytes body;
    be16(body, 1);       // Ethernet
    be16(body, 0x0800);  // IPv4
    body.push_back(6);
    body.push_back(4);
    be16(body, 1);  // request
    append(body, kHostMac);
    append(body, kHost);
    append(body, Mac{});
    append(body, kPeer);
    return ethernet(kBroadcast, kHostMac, 0x0806, body);
}

Bytes icmp_echo() {
    Bytes body = {8, 0, 0, 0};  // echo request, checksum below
    be16(body, 0x7264);         // identifier
    be16(body, 1);              // sequence
    append(body, payload(32, 0x40));
    put16(body, 2, checksum(body));
    return ethernet(kPeerMac, kHostMac, 0x0800, ipv4(kHost, kPeer, 1, body));
}

struct Frame {
    Bytes bytes;
    std::size_t caplen;  // bytes kept in the file (the frame's length is bytes.size())
};

std::vector<Frame> frames() {
    std::vector<Frame> out;
    auto add = [&](Bytes bytes) {
        const std::size_t n = bytes.size();
        out.push_back({std::move(bytes), n});
    };
    constexpr bool up = true, down = false;
    // Stream 0: TCP 198.18.0.1:40000 (client, ISN 1000) <-> 198.19.0.9:80 (server, ISN 5000).
    // Client stream offset = seq - 1001, server stream offset = seq - 5001.
    const std::uint16_t c = 40000, s = 80;
    add(tcp4(up, {c, s, 1000, 0, kSyn}));                         //  1 SYN
    add(tcp4(down, {s, c, 5000, 1001, kSyn | kAck}));             //  2 SYN-ACK
    add(tcp4(up, {c, s, 1001, 5001, kAck}));                      //  3 ACK
    add(tcp4(up, {c, s, 1001, 5001, kPsh | kAck, 64240, 100}));   //  4 [0,100)
    add(tcp4(up, {c, s, 1101, 5001, kPsh | kAck, 64240, 100}));   //  5 [100,200)
    add(tcp4(up, {c, s, 1301, 5001, kPsh | kAck, 64240, 100}));   //  6 [300,400): gap
    add(tcp4(up, {c, s, 1301, 5001, kPsh | kAck, 64240, 100}));   //  7 again
    add(tcp4(up, {c, s, 1201, 5001, kPsh | kAck, 64240, 100}));   //  8 [200,300)
    add(tcp4(up, {c, s, 1501, 5001, kPsh | kAck, 64240, 100}));   //  9 [500,600): gap
    add(tcp4(down, {s, c, 5001, 1601, kAck}));                    // 10 ACKs the hole
    add(tcp4(down, {s, c, 5001, 1601, kPsh | kAck, 64240, 50}));  // 11 [0,50)
    add(tcp4(up, {c, s, 1600, 5051, kAck}));                      // 12 keep-alive
    add(tcp4(up, {c, s, 1551, 5051, kPsh | kAck, 64240, 100}));   // 13 [550,650)
    add(tcp4(up, {c, s, 1651, 5051, kFin | kAck}));               // 14 FIN (650)
    add(tcp4(down, {s, c, 5051, 1652, kFin | kAck}));             // 15 FIN (50)
    add(tcp4(up, {c, s, 1652, 5052, kAck}));                      // 16 last ACK
    // Stream 1: the same tuple again after the close, another ISN; reset by the client.
    add(tcp4(up, {c, s, 9000, 0, kSyn}));               // 17 SYN
    add(tcp4(down, {s, c, 20000, 9001, kSyn | kAck}));  // 18 SYN-ACK
    add(tcp4(up, {c, s, 9001, 0, kRst}));               // 19 RST
    // Stream 2: UDP, the host asks first.
    add(udp4(up, 40002, 7777, 20));    // 20
    add(udp4(down, 7777, 40002, 40));  // 21
    // Stream 3: IPv6 UDP (no IPv6 local network: direction unknown).
    add(ethernet(kPeerMac, kHostMac, 0x86dd,
                 ipv6(kHost6, kPeer6, 17, udp_datagram(kHost6, kPeer6, 5000, 5001, 16))));  // 22
    add(arp_request());  // 23 ARP, no stream
    add(icmp_echo());    // 24 ICMP, no stream
    // Stream 4: stream 2's tuple in VLAN 100: another stream.
    add(udp4(up, 40002, 7777, 20, 100));  // 25
    // Stream 5: TCP joined mid-stream; 198.19.0.9:443 (the lower port: server) sends first.
    const std::uint16_t ms = 443, mc = 40001;
    add(tcp4(down, {ms, mc, 70000, 80000, kPsh | kAck, 64240, 100}));  // 26 [0,100)
    add(tcp4(up, {mc, ms, 80000, 70100, kAck, 0}));                    // 27 window 0
    add(tcp4(down, {ms, mc, 70100, 80000, kAck, 64240, 1}));           // 28 window probe
    // 29: an IPv4 fragment other than the first (offset 1480, UDP).
    add(ethernet(kPeerMac, kHostMac, 0x0800,
                 ipv4(kHost, kPeer, 17, payload(24, 0x29), {0x1234, 185, 5})));
    // 30: a TCP SYN cut by the snap length 10 bytes into its TCP header.
    {
        Bytes bytes = tcp4(up, {40004, s, 3000, 0, kSyn});
        const std::size_t caplen = 14 + 20 + 10;
        out.push_back({std::move(bytes), caplen});
    }
    // 31: an IPv4 header whose header length field says 16 bytes (ihl 4 < 5).
    add(ethernet(
        kPeerMac, kHostMac, 0x0800,
        ipv4(kHost, kPeer, 17, udp_datagram(kHost, kPeer, 40005, 7777, 8), {7, 0x4000, 4})));
    return out;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: make_vector OUT.pcap\n");
        return 2;
    }
    pcap_t* dead = pcap_open_dead(DLT_EN10MB, 65535);
    if (dead == nullptr) {
        std::fprintf(stderr, "make_vector: pcap_open_dead failed\n");
        return 1;
    }
    pcap_dumper_t* dumper = pcap_dump_open(dead, argv[1]);
    if (dumper == nullptr) {
        std::fprintf(stderr, "make_vector: %s\n", pcap_geterr(dead));
        pcap_close(dead);
        return 1;
    }
    // Fixed timestamps: 2023-11-14 22:13:20 UTC, one millisecond apart (all flow timeouts are
    // seconds, so none expires inside the file).
    constexpr long kStart = 1700000000;
    long usec = 0;
    std::size_t count = 0;
    for (const Frame& frame : frames()) {
        pcap_pkthdr header{};
        header.ts.tv_sec = kStart + usec / 1000000;
        header.ts.tv_usec = usec % 1000000;
        header.caplen = static_cast<bpf_u_int32>(frame.caplen);
        header.len = static_cast<bpf_u_int32>(frame.bytes.size());
        pcap_dump(reinterpret_cast<u_char*>(dumper), &header, frame.bytes.data());
        usec += 1000;
        ++count;
    }
    const bool ok = pcap_dump_flush(dumper) == 0;
    pcap_dump_close(dumper);
    pcap_close(dead);
    if (!ok) {
        std::fprintf(stderr, "make_vector: writing %s failed\n", argv[1]);
        return 1;
    }
    std::printf("wrote %zu frames to %s\n", count, argv[1]);
    return 0;
}
