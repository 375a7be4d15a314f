// SPDX-License-Identifier: BSD-2-Clause
// Micro-benchmarks of the per-packet path: the annotator on a realistic traffic mix, the header
// decoder alone, the annotator under a SYN flood at the flow cap (every packet evicts), and the
// pcapng writer encoding EPBs into /dev/null.
//
// Frames are built in memory before timing (headers plus a little payload, with the wire length
// of the whole packet, as a snap length would leave them) and annotated in batches of 1024
// views, as a capture does. Every allocation in the process is counted (global operator new);
// "allocs/pkt" is measured over the timed loop only, after warm-up, and must be 0.
//
//   cmake -S . -B build/bench -DCMAKE_BUILD_TYPE=Release && cmake --build build/bench -j
//   build/bench/bench/micro/annotator_benchmark
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>
#include <random>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "frame_builder.h"
#include "ringdump/annotator.h"
#include "ringdump/linktype.h"
#include "ringdump/packet_decoder.h"
#include "ringdump/pcapng_writer.h"
#include "ringdump/sink.h"

// ---------------------------------------------------------------------------------------------
// Allocation counting: every operator new of the process goes through here.

namespace {
std::atomic<std::uint64_t> g_allocations{0};

void* counted_allocation(std::size_t size) {
    g_allocations.fetch_add(1, std::memory_order_relaxed);
    if (size == 0) size = 1;
    if (void* memory = std::malloc(size)) return memory;
    throw std::bad_alloc();
}

void* counted_aligned_allocation(std::size_t size, std::align_val_t alignment) {
    g_allocations.fetch_add(1, std::memory_order_relaxed);
    const auto align = static_cast<std::size_t>(alignment);
    // aligned_alloc wants a size that is a multiple of the alignment.
    const std::size_t rounded = (std::max<std::size_t>(size, 1) + align - 1) / align * align;
    if (void* memory = std::aligned_alloc(align, rounded)) return memory;
    throw std::bad_alloc();
}
}  // namespace

void* operator new(std::size_t size) {
    return counted_allocation(size);
}
void* operator new[](std::size_t size) {
    return counted_allocation(size);
}
void* operator new(std::size_t size, std::align_val_t alignment) {
    return counted_aligned_allocation(size, alignment);
}
void* operator new[](std::size_t size, std::align_val_t alignment) {
    return counted_aligned_allocation(size, alignment);
}
void operator delete(void* memory) noexcept {
    std::free(memory);
}
void operator delete[](void* memory) noexcept {
    std::free(memory);
}
void operator delete(void* memory, std::size_t) noexcept {
    std::free(memory);
}
void operator delete[](void* memory, std::size_t) noexcept {
    std::free(memory);
}
void operator delete(void* memory, std::align_val_t) noexcept {
    std::free(memory);
}
void operator delete[](void* memory, std::align_val_t) noexcept {
    std::free(memory);
}
void operator delete(void* memory, std::size_t, std::align_val_t) noexcept {
    std::free(memory);
}
void operator delete[](void* memory, std::size_t, std::align_val_t) noexcept {
    std::free(memory);
}

namespace ringdump {
namespace {

using test::address;
using test::Bytes;
using test::PacketSpec;

constexpr std::size_t kBatch = 1024;
constexpr std::uint32_t kSnap = 128;  // bytes kept of each frame in memory
constexpr std::uint64_t kStart = 1'700'000'000ull * 1'000'000'000ull;
constexpr std::uint16_t kLinkTypes[] = {kLinktypeEthernet};

// A frame kept to kSnap bytes, with the wire length of the whole.
struct Frame {
    Bytes bytes;
    std::uint32_t wirelen = 0;
    // TCP frames of the steady trace: where sequence and acknowledgement are, and whose.
    std::uint32_t tcp_at = 0;  // 0: not TCP
    std::uint32_t flow = 0;
    bool from_client = false;
};

Frame snap(const PacketSpec& spec) {
    Frame frame;
    frame.bytes = test::build_frame(spec);
    frame.wirelen = static_cast<std::uint32_t>(frame.bytes.size());
    if (frame.bytes.size() > kSnap) frame.bytes.resize(kSnap);
    return frame;
}

void add32(Bytes& bytes, std::size_t at, std::uint32_t delta) {
    std::uint32_t value = std::uint32_t{bytes[at]} << 24 | std::uint32_t{bytes[at + 1]} << 16 |
                          std::uint32_t{bytes[at + 2]} << 8 | bytes[at + 3];
    value += delta;
    bytes[at] = static_cast<std::uint8_t>(value >> 24);
    bytes[at + 1] = static_cast<std::uint8_t>(value >> 16);
    bytes[at + 2] = static_cast<std::uint8_t>(value >> 8);
    bytes[at + 3] = static_cast<std::uint8_t>(value);
}

// The mix: 10,000 TCP connections (a fifth over IPv6) between local clients and remote
// servers, established first (warm-up); then a steady trace of 65,536 packets: server data
// (1448-byte segments), client requests, client ACKs, a little UDP (DNS-like, 1,000 flows) and
// ICMP. The steady trace loops; each pass shifts its TCP sequence numbers past the previous
// one, so every pass continues the streams in order.
class Traffic {
  public:
    static constexpr std::uint32_t kTcpFlows = 10000;
    static constexpr std::uint32_t kUdpFlows = 1000;
    static constexpr std::size_t kSteady = 65536;

    Traffic() {
        std::mt19937_64 rng(7);
        struct Tcp {
            PacketSpec client_to_server;
            std::uint32_t client_isn, server_isn;
            std::uint64_t client_sent = 0, server_sent = 0;
        };
        std::vector<Tcp> tcp(kTcpFlows);
        for (std::uint32_t i = 0; i < kTcpFlows; ++i) {
            const bool v6 = i % 5 == 0;
            const std::string client =
                v6 ? "2001:db8:1::" + std::to_string(i % 4000 + 1)
                   : "10.0." + std::to_string(i / 250) + "." + std::to_string(i % 250 + 1);
            const std::string server = v6 ? "2001:db8:ff::" + std::to_string(i % 50 + 1)
                                          : "198.51.100." + std::to_string(i % 200 + 1);
            PacketSpec& spec = tcp[i].client_to_server;
            spec.source = address(client);
            spec.destination = address(server);
            spec.source_port = static_cast<std::uint16_t>(20000 + i % 40000);
            spec.destination_port = i % 3 == 0 ? 80 : 443;
            tcp[i].client_isn = static_cast<std::uint32_t>(rng());
            tcp[i].server_isn = static_cast<std::uint32_t>(rng());
        }
        auto segment = [&](std::uint32_t i, bool from_client, std::uint8_t flags,
                           std::uint32_t payload) {
            Tcp& t = tcp[i];
            PacketSpec spec = t.client_to_server;
            if (!from_client) {
                std::swap(spec.source, spec.destination);
                std::swap(spec.source_port, spec.destination_port);
            }
            const bool syn = (flags & tcp_flags::kSyn) != 0;
            const std::uint32_t own_isn = from_client ? t.client_isn : t.server_isn;
            const std::uint32_t peer_isn = from_client ? t.server_isn : t.client_isn;
            const std::uint64_t own_sent = from_client ? t.client_sent : t.server_sent;
            const std::uint64_t peer_sent = from_client ? t.server_sent : t.client_sent;
            spec.sequence = syn ? own_isn : static_cast<std::uint32_t>(own_isn + 1 + own_sent);
            spec.acknowledgement = static_cast<std::uint32_t>(peer_isn + 1 + peer_sent);
            spec.tcp_flags = flags;
            spec.payload = payload;
            (from_client ? t.client_sent : t.server_sent) += payload;
            Frame frame = snap(spec);
            frame.tcp_at = spec.source.ipv6 ? 14 + 40 : 14 + 20;
            frame.flow = i;
            frame.from_client = from_client;
            return frame;
        };
        for (std::uint32_t i = 0; i < kTcpFlows; ++i) {
            handshake_.push_back(segment(i, true, tcp_flags::kSyn, 0));
            handshake_.back().tcp_at = 0;
            handshake_.push_back(segment(i, false, tcp_flags::kSyn | tcp_flags::kAck, 0));
            handshake_.back().tcp_at = 0;
            handshake_.push_back(segment(i, true, tcp_flags::kAck, 0));
            handshake_.back().tcp_at = 0;
        }
        std::vector<std::uint64_t> client_start(kTcpFlows), server_start(kTcpFlows);
        for (std::uint32_t i = 0; i < kTcpFlows; ++i) {
            client_start[i] = tcp[i].client_sent;
            server_start[i] = tcp[i].server_sent;
        }
        std::uniform_real_distribution<double> unit(0, 1);
        std::uniform_int_distribution<std::uint32_t> pick_tcp(0, kTcpFlows - 1);
        std::uniform_int_distribution<std::uint32_t> pick_udp(0, kUdpFlows - 1);
        while (steady_.size() < kSteady) {
            const double r = unit(rng);
            if (r < 0.06) {
                const std::uint32_t u = pick_udp(rng);
                PacketSpec spec = test::PacketSpec{};
                spec.protocol = test::ip_protocol::kUdp;
                spec.source =
                    address("10.1." + std::to_string(u / 250) + "." + std::to_string(u % 250 + 1));
                spec.destination = address("9.9.9.9");
                spec.source_port = static_cast<std::uint16_t>(30000 + u);
                spec.destination_port = 53;
                spec.payload = 40;
                if (unit(rng) < 0.5) {
                    std::swap(spec.source, spec.destination);
                    std::swap(spec.source_port, spec.destination_port);
                    spec.payload = 120;
                }
                steady_.push_back(snap(spec));
            } else if (r < 0.07) {
                PacketSpec spec;
                spec.protocol = test::ip_protocol::kIcmp;
                spec.source = address("10.2.0.1");
                spec.destination = address("1.1.1.1");
                spec.payload = 56;
                steady_.push_back(snap(spec));
            } else {
                const std::uint32_t i = pick_tcp(rng);
                const double kind = unit(rng);
                if (kind < 0.6) {
                    steady_.push_back(segment(i, false, tcp_flags::kAck | tcp_flags::kPsh, 1448));
                } else if (kind < 0.75) {
                    steady_.push_back(segment(i, true, tcp_flags::kAck | tcp_flags::kPsh, 200));
                } else {
                    steady_.push_back(segment(i, true, tcp_flags::kAck, 0));
                }
            }
        }
        client_delta_.resize(kTcpFlows);
        server_delta_.resize(kTcpFlows);
        for (std::uint32_t i = 0; i < kTcpFlows; ++i) {
            client_delta_[i] = static_cast<std::uint32_t>(tcp[i].client_sent - client_start[i]);
            server_delta_[i] = static_cast<std::uint32_t>(tcp[i].server_sent - server_start[i]);
        }
        handshake_views_ = views_of(handshake_, kStart);
        steady_views_ = views_of(steady_, kStart + kSecond);
    }

    std::span<PacketView> handshake_views() { return handshake_views_; }
    std::span<PacketView> steady_views() { return steady_views_; }
    const std::vector<Frame>& steady_frames() const { return steady_; }

    // Moves the steady trace one pass on: sequence numbers continue, time goes on.
    void next_pass() { shift(1); }
    // Back to the first pass (for a new annotator, right after the handshakes).
    void rewind() { shift(-passes_); }

  private:
    static constexpr std::uint64_t kSecond = 1'000'000'000;

    void shift(std::int64_t passes) {
        const auto times = static_cast<std::uint32_t>(passes);  // modulo 2^32, like TCP
        for (Frame& frame : steady_) {
            if (frame.tcp_at == 0) continue;
            const std::uint32_t own =
                frame.from_client ? client_delta_[frame.flow] : server_delta_[frame.flow];
            const std::uint32_t peer =
                frame.from_client ? server_delta_[frame.flow] : client_delta_[frame.flow];
            add32(frame.bytes, frame.tcp_at + 4, own * times);
            add32(frame.bytes, frame.tcp_at + 8, peer * times);
        }
        const auto pass = static_cast<std::int64_t>(kSteady * 1000);  // 1 µs per packet
        for (PacketView& view : steady_views_) {
            view.timestamp_ns = static_cast<std::uint64_t>(
                static_cast<std::int64_t>(view.timestamp_ns) + passes * pass);
        }
        passes_ += passes;
    }

    std::int64_t passes_ = 0;

    static std::vector<PacketView> views_of(std::vector<Frame>& frames, std::uint64_t start) {
        std::vector<PacketView> views;
        views.reserve(frames.size());
        for (std::size_t i = 0; i < frames.size(); ++i) {
            PacketView view = test::view_of(frames[i].bytes, start + i * 1000);
            view.wirelen = frames[i].wirelen;
            views.push_back(view);
        }
        return views;
    }

    std::vector<Frame> handshake_;
    std::vector<Frame> steady_;
    std::vector<std::uint32_t> client_delta_, server_delta_;
    std::vector<PacketView> handshake_views_;
    std::vector<PacketView> steady_views_;
};

Traffic& traffic() {
    static Traffic instance;
    return instance;
}

AnnotatorOptions realistic_options(std::size_t max_flows = 262144,
                                   std::size_t memory = std::size_t{128} << 20) {
    AnnotatorOptions options;
    options.local_networks.add(test::prefix("10.0.0.0/8"));
    options.local_networks.add(test::prefix("2001:db8:1::/48"));
    options.max_flows = max_flows;
    options.max_memory_bytes = memory;
    return options;
}

void annotate_all(Annotator& annotator, std::span<PacketView> views) {
    for (std::size_t at = 0; at < views.size(); at += kBatch) {
        annotator.annotate(views.subspan(at, std::min(kBatch, views.size() - at)), kLinkTypes);
    }
}

void report_allocations(benchmark::State& state, std::uint64_t allocations_before,
                        std::uint64_t packets) {
    const std::uint64_t allocations =
        g_allocations.load(std::memory_order_relaxed) - allocations_before;
    state.counters["allocs/pkt"] = benchmark::Counter(
        packets == 0 ? 0.0 : static_cast<double>(allocations) / static_cast<double>(packets));
    state.counters["allocs"] = benchmark::Counter(static_cast<double>(allocations));
    state.SetItemsProcessed(static_cast<std::int64_t>(packets));
}

// The annotator on the realistic mix, 1024 packets per iteration.
void BM_AnnotateRealisticMix(benchmark::State& state) {
    Traffic& t = traffic();
    Annotator annotator(realistic_options());
    t.rewind();
    annotate_all(annotator, t.handshake_views());  // the connections exist
    annotate_all(annotator, t.steady_views());     // warm-up: one pass
    t.next_pass();
    const std::span<PacketView> steady = t.steady_views();
    std::size_t at = 0;
    std::uint64_t packets = 0;
    const std::uint64_t before = g_allocations.load(std::memory_order_relaxed);
    for (auto _ : state) {
        annotator.annotate(steady.subspan(at, kBatch), kLinkTypes);
        benchmark::DoNotOptimize(steady[at].options.data());
        packets += kBatch;
        at += kBatch;
        if (at == steady.size()) {
            state.PauseTiming();
            t.next_pass();
            at = 0;
            state.ResumeTiming();
        }
    }
    report_allocations(state, before, packets);
    const AnnotatorCounters& c = annotator.counters();
    state.counters["flows"] = benchmark::Counter(static_cast<double>(c.flows_created));
    // A clean trace: no gaps, no capture loss, nothing evicted (else the trace is wrong).
    state.counters["gaps"] = benchmark::Counter(static_cast<double>(c.gaps));
    state.counters["loss"] = benchmark::Counter(static_cast<double>(c.capture_loss_bytes));
    state.counters["evicted"] = benchmark::Counter(static_cast<double>(c.flows_evicted));
}
BENCHMARK(BM_AnnotateRealisticMix);

// The header decoder alone on the same frames.
void BM_DecodePacket(benchmark::State& state) {
    Traffic& t = traffic();
    const std::span<PacketView> steady = t.steady_views();
    DecodedPacket decoded;
    std::size_t at = 0;
    std::uint64_t packets = 0;
    const std::uint64_t before = g_allocations.load(std::memory_order_relaxed);
    for (auto _ : state) {
        for (std::size_t i = 0; i < kBatch; ++i) {
            decode_packet(steady[at + i], kLinktypeEthernet, decoded);
            benchmark::DoNotOptimize(decoded);
        }
        packets += kBatch;
        at = (at + kBatch) % steady.size();
    }
    report_allocations(state, before, packets);
}
BENCHMARK(BM_DecodePacket);

// A SYN flood at the flow cap: every packet is a new tuple, every one evicts the oldest flow.
void BM_AnnotateSynFloodAtCapacity(benchmark::State& state) {
    constexpr std::size_t kFrames = 65536;
    std::vector<Bytes> frames(kFrames);
    std::vector<PacketView> views(kFrames);
    for (std::size_t i = 0; i < kFrames; ++i) {
        PacketSpec spec;
        spec.source = address("203.0.113." + std::to_string(i % 250 + 1));
        spec.destination = address("10.0.0.1");
        spec.source_port = static_cast<std::uint16_t>(1024 + i / 250);
        spec.destination_port = 80;
        spec.sequence = static_cast<std::uint32_t>(i * 7919);
        spec.tcp_flags = tcp_flags::kSyn;
        frames[i] = test::build_frame(spec);
        views[i] = test::view_of(frames[i], kStart + i * 100);
    }
    Annotator annotator(realistic_options(16384));
    annotate_all(annotator, views);  // warm-up: the table is full from here on
    std::size_t at = 0;
    std::uint64_t packets = 0;
    const std::uint64_t before = g_allocations.load(std::memory_order_relaxed);
    for (auto _ : state) {
        annotator.annotate(std::span(views).subspan(at, kBatch), kLinkTypes);
        packets += kBatch;
        at = (at + kBatch) % kFrames;
    }
    report_allocations(state, before, packets);
    state.counters["evicted"] =
        benchmark::Counter(static_cast<double>(annotator.counters().flows_evicted));
}
BENCHMARK(BM_AnnotateSynFloodAtCapacity);

// The pcapng writer encoding EPBs of the mix into /dev/null. Arguments: bytes kept per frame
// (the trace's 128, or whole 1514-byte frames), and whether each EPB carries the 48-byte
// annotation option.
void BM_PcapngWriteEpbs(benchmark::State& state) {
    const auto kept = static_cast<std::uint32_t>(state.range(0));
    const bool annotations = state.range(1) != 0;
    std::vector<Bytes> frames(kBatch);
    std::vector<PacketView> views(kBatch);
    // One annotation option for every packet (the bytes do not matter to the writer).
    static const std::vector<std::uint8_t> option = [] {
        std::vector<std::uint8_t> bytes(48, 0);
        const std::uint16_t header[2] = {2989, 44};
        std::memcpy(bytes.data(), header, sizeof header);
        return bytes;
    }();
    for (std::size_t i = 0; i < kBatch; ++i) {
        PacketSpec spec;
        spec.source = address("10.0.0.1");
        spec.destination = address("198.51.100.7");
        spec.source_port = 40000;
        spec.destination_port = 443;
        spec.sequence = static_cast<std::uint32_t>(i * 1448);
        spec.tcp_flags = tcp_flags::kAck;
        spec.payload = 1448;
        frames[i] = test::build_frame(spec);
        const auto wirelen = static_cast<std::uint32_t>(frames[i].size());
        if (frames[i].size() > kept) frames[i].resize(kept);
        views[i] = test::view_of(frames[i], kStart + i * 1000);
        views[i].wirelen = wirelen;
        if (annotations) views[i].options = option;
    }
    const int fd = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (fd < 0) {
        state.SkipWithError("cannot open /dev/null");
        return;
    }
    Sink sink(fd, true, "null");
    PcapngWriter writer(sink);
    std::uint32_t id = 0;
    writer.write_section_header(SectionInfo{});
    InterfaceDescription description;
    description.name = "bench0";
    writer.write_interface(description, id);
    writer.write_packets(views);  // warm-up
    const std::uint64_t bytes_before = writer.bytes_written();
    std::uint64_t packets = 0;
    const std::uint64_t before = g_allocations.load(std::memory_order_relaxed);
    for (auto _ : state) {
        if (!writer.write_packets(views)) {
            state.SkipWithError("write failed");
            break;
        }
        packets += kBatch;
    }
    report_allocations(state, before, packets);
    state.SetBytesProcessed(static_cast<std::int64_t>(writer.bytes_written() - bytes_before));
}
BENCHMARK(BM_PcapngWriteEpbs)->Args({128, 0})->Args({128, 1})->Args({1514, 0})->Args({1514, 1});

}  // namespace
}  // namespace ringdump

BENCHMARK_MAIN();
