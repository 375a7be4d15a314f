// SPDX-License-Identifier: BSD-2-Clause
// Annotations on real traffic: a kernel TCP connection between two namespaces, captured live
// with the annotator, every packet's record decoded from the file.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <map>
#include <thread>

#include "ringdump/annotation_format.h"
#include "ringdump/annotator.h"
#include "test_network.h"

namespace ringdump::test {
namespace {

using namespace std::chrono_literals;
using annotation::Record;
using annotation::TcpStatus;

constexpr std::size_t kBytes = 200000;

// The record in a packet's custom option 2989, or nullopt.
std::optional<Record> record_of(const ReadPacket& packet) {
    auto [begin, end] = packet.options.equal_range(annotation::kOptionCode);
    for (auto it = begin; it != end; ++it) {
        const std::vector<std::uint8_t>& value = it->second;
        std::uint32_t pen = 0;
        if (value.size() < 4) continue;
        std::memcpy(&pen, value.data(), 4);
        if (pen == annotation::kPen) return annotation::decode(std::span(value).subspan(4));
    }
    return std::nullopt;
}

// The server listens in the peer namespace; the client in the capture namespace connects,
// sends kBytes and closes; the server reads everything and closes.
void tcp_transfer(const TestNetwork& net) {
    const int listener = in_netns(net.peer_ns(), [] {
        const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in local{};
        local.sin_family = AF_INET;
        local.sin_port = htons(8080);
        const int one = 1;
        ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (::bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0 ||
            ::listen(fd, 1) != 0) {
            ::close(fd);
            return -1;
        }
        return fd;
    });
    ASSERT_GE(listener, 0);
    std::thread server([listener] {
        const int connection = ::accept(listener, nullptr, nullptr);
        char buffer[65536];
        while (connection >= 0 && ::read(connection, buffer, sizeof buffer) > 0) {
        }
        ::close(connection);
        ::close(listener);
    });
    in_netns(net.cap_ns(), [] {
        const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in to{};
        to.sin_family = AF_INET;
        to.sin_port = htons(8080);
        ::inet_pton(AF_INET, "198.18.0.2", &to.sin_addr);
        const int mss = 1000;  // many segments, fixed size
        ::setsockopt(fd, IPPROTO_TCP, TCP_MAXSEG, &mss, sizeof mss);
        if (::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0) return ::close(fd);
        std::vector<char> data(kBytes, 'x');
        for (std::size_t sent = 0; sent < data.size();) {
            const ssize_t n = ::write(fd, data.data() + sent, data.size() - sent);
            if (n <= 0) break;
            sent += static_cast<std::size_t>(n);
        }
        ::shutdown(fd, SHUT_WR);
        char drain[64];
        while (::read(fd, drain, sizeof drain) > 0) {
        }
        return ::close(fd);
    });
    server.join();
}

void check_transfer(std::uint32_t snap_length) {
    TestNetwork net(snap_length < 100 ? "ts" : "tf");
    // Segments as the stack sends them, not 64 KB super-packets.
    net.in_cap("ethtool -K " + net.cap_if() + " tso off gso off gro off >/dev/null 2>&1 || true");
    net.in_peer("ethtool -K " + net.peer_if() + " tso off gso off gro off >/dev/null 2>&1 || true");
    SourceOptions options;
    options.interface = net.cap_if();
    options.buffer_bytes = 16u << 20;
    options.snap_length = snap_length;
    options.whole_packets = true;  // as the front end sets it when annotating
    std::vector<std::unique_ptr<Source>> sources;
    sources.push_back(in_netns(net.cap_ns(), [&] { return open_source(options); }));
    AnnotatorOptions annotator_options;
    annotator_options.local_networks.add(*IpPrefix::parse("198.18.0.1/32"));  // this side only
    Annotator annotator(std::move(annotator_options));
    BackgroundCapture capture(std::move(sources), StopConditions{{}, 30s, {}}, &annotator);
    tcp_transfer(net);
    std::this_thread::sleep_for(200ms);
    capture.stop();

    const ReadFile file = capture.file();
    ASSERT_GT(file.packets.size(), kBytes / 1000);
    std::map<TcpStatus, int> statuses;
    std::uint64_t client_payload = 0, previous_offset = 0;
    int syns = 0, fins = 0;
    for (const ReadPacket& packet : file.packets) {
        if (snap_length < 100) {
            EXPECT_LE(packet.caplen, snap_length);
        }
        const auto record = record_of(packet);
        ASSERT_TRUE(record) << "every packet carries a record";
        EXPECT_EQ(record->layers, annotation::Layers::ipv4);
        EXPECT_EQ(record->transport, annotation::Transport::tcp);
        EXPECT_TRUE(record->flags & annotation::flags::kHasStream);
        EXPECT_EQ(record->stream_id, 0u) << "one connection, one stream";
        EXPECT_FALSE(record->flags & annotation::flags::kMidstream);
        EXPECT_EQ(record->gap_bytes, 0u);
        EXPECT_EQ(record->capture_loss_bytes, 0u);
        const bool from_client = packet.data[29] == 1;  // source 198.18.0.1
        EXPECT_EQ(record->role, from_client ? annotation::Role::client : annotation::Role::server);
        EXPECT_EQ(record->direction,
                  from_client ? annotation::Direction::up : annotation::Direction::down);
        ++statuses[record->tcp_status];
        syns += record->tcp_status == TcpStatus::handshake;
        fins += (record->flags & annotation::flags::kStreamEnd) != 0;
        if (from_client && record->tcp_status == TcpStatus::in_order) {
            EXPECT_GE(record->stream_offset, previous_offset);
            previous_offset = record->stream_offset;
            const std::size_t ip_length = packet.data[16] << 8 | packet.data[17];
            const std::size_t tcp_header = (packet.data[46] >> 4) * 4u;  // inside 64 bytes
            client_payload += ip_length - 20 - tcp_header;
        }
    }
    EXPECT_EQ(syns, 2) << "SYN and SYN-ACK";
    EXPECT_GE(fins, 2) << "a FIN each way";
    EXPECT_EQ(statuses[TcpStatus::retransmission], 0);
    EXPECT_EQ(statuses[TcpStatus::out_of_order], 0);
    EXPECT_GT(statuses[TcpStatus::in_order], static_cast<int>(kBytes / 1000) - 1);
    EXPECT_GT(statuses[TcpStatus::ack_only], 0);
    EXPECT_EQ(client_payload, kBytes) << "every byte in order";
    EXPECT_EQ(annotator.counters().tcp_streams, 1u);
    EXPECT_EQ(annotator.counters().gaps, 0u);
    EXPECT_EQ(annotator.counters().capture_loss_bytes, 0u);
}

TEST(Annotation, RealTcpConnectionIsAnnotatedPacketByPacket) {
    RINGDUMP_SKIP_WITHOUT_NETNS();
    check_transfer(262144);
}

// Stream facts come from the headers: the same with only 64 bytes of each packet stored.
TEST(Annotation, StreamFactsSurviveASmallSnapLength) {
    RINGDUMP_SKIP_WITHOUT_NETNS();
    check_transfer(64);
}

}  // namespace
}  // namespace ringdump::test
