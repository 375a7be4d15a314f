// SPDX-License-Identifier: BSD-2-Clause
// Micro-benchmarks of the per-packet path, each on one core:
//
//   BM_AnnotateRealisticMix          the annotator on the realistic traffic mix
//                                    (realistic_traffic.h), 1024 packets per call as a capture
//                                    hands them over
//   BM_DecodePacket                  the header decoder alone, on the same frames
//   BM_AnnotateSynFloodAtCapacity    the annotator under a SYN flood at the flow cap (every
//                                    packet a new tuple that evicts the least recently used flow)
//   BM_PcapngWriteEpbs/<kept>/<ann>  the pcapng writer encoding EPBs into /dev/null: <kept> bytes
//                                    stored per frame (128, or whole 1514-byte frames), <ann> 1
//                                    when each EPB carries the 48-byte annotation option
//   BM_CapturePipelineRealisticMix   the whole core pipeline: Capture::run reading the realistic
//                                    mix from an in-memory source (a ring of views, 1024 per
//                                    read), annotating it and writing pcapng to a Sink on
//                                    /dev/null
//
// Every benchmark reports items_per_second (packets per second) and allocs_per_packet: calls to
// malloc and its relatives (which operator new uses) in the timed part, divided by the packets
// it handled (alloc_counter.h). Anything the hot path allocated, even once per batch, would show
// up there; the target is 0. Frames are built in memory before timing.
//
//   cmake -S . -B build-micro -DCMAKE_BUILD_TYPE=Release && cmake --build build-micro -j
//   build-micro/bench/micro/annotator_benchmark [--benchmark_format=json]
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "alloc_counter.h"
#include "frame_builder.h"
#include "realistic_traffic.h"
#include "ringdump/annotator.h"
#include "ringdump/capture.h"
#include "ringdump/linktype.h"
#include "ringdump/packet_decoder.h"
#include "ringdump/pcapng_writer.h"
#include "ringdump/sink.h"
#include "ringdump/source.h"

namespace ringdump::bench {
namespace {

using test::address;
using test::Bytes;
using test::PacketSpec;

constexpr std::size_t kBatch = 1024;
constexpr std::uint16_t kLinkTypes[] = {kLinktypeEthernet};

void annotate_all(Annotator& annotator, std::span<PacketView> views) {
    for (std::size_t at = 0; at < views.size(); at += kBatch) {
        annotator.annotate(views.subspan(at, std::min(kBatch, views.size() - at)), kLinkTypes);
    }
}

// Packets handled and the allocations made while handling them.
void report(benchmark::State& state, std::uint64_t packets, std::uint64_t allocations) {
    state.SetItemsProcessed(static_cast<std::int64_t>(packets));
    state.counters["allocs_per_packet"] = benchmark::Counter(
        packets == 0 ? 0.0 : static_cast<double>(allocations) / static_cast<double>(packets));
    state.counters["allocs"] = benchmark::Counter(static_cast<double>(allocations));
}

// What the annotator found in the mix: the trace is clean (no gaps, no capture loss, nothing
// evicted), so any of those would mean it was annotated wrongly.
void report_mix(benchmark::State& state, const AnnotatorCounters& c) {
    state.counters["flows"] = benchmark::Counter(static_cast<double>(c.flows_created));
    state.counters["restarts"] = benchmark::Counter(static_cast<double>(c.streams_restarted));
    state.counters["gaps"] = benchmark::Counter(static_cast<double>(c.gaps));
    state.counters["loss"] = benchmark::Counter(static_cast<double>(c.capture_loss_bytes));
    state.counters["evicted"] = benchmark::Counter(static_cast<double>(c.flows_evicted));
}

// An annotator that has seen the mix's connections set up and one pass of steady traffic.
void warm_up(Annotator& annotator, RealisticTraffic& t) {
    t.rewind();
    annotate_all(annotator, t.setup_views());
    annotate_all(annotator, t.steady_views());
    t.next_pass();
}

// ---------------------------------------------------------------------------------------------

void BM_AnnotateRealisticMix(benchmark::State& state) {
    RealisticTraffic& t = realistic_traffic();
    Annotator annotator(RealisticTraffic::options());
    warm_up(annotator, t);
    const std::span<PacketView> steady = t.steady_views();
    std::size_t at = 0;
    std::uint64_t packets = 0;
    const std::uint64_t before = allocations();
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
    report(state, packets, allocations() - before);
    report_mix(state, annotator.counters());
}
BENCHMARK(BM_AnnotateRealisticMix);

void BM_DecodePacket(benchmark::State& state) {
    const std::span<PacketView> steady = realistic_traffic().steady_views();
    DecodedPacket decoded;
    std::size_t at = 0;
    std::uint64_t packets = 0;
    const std::uint64_t before = allocations();
    for (auto _ : state) {
        for (std::size_t i = 0; i < kBatch; ++i) {
            decode_packet(steady[at + i], kLinktypeEthernet, decoded);
            benchmark::DoNotOptimize(decoded);
        }
        packets += kBatch;
        at = (at + kBatch) % steady.size();
    }
    report(state, packets, allocations() - before);
}
BENCHMARK(BM_DecodePacket);

void BM_AnnotateSynFloodAtCapacity(benchmark::State& state) {
    constexpr std::size_t kFrames = 65536;
    constexpr std::uint64_t kStart = RealisticTraffic::kStart;
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
    Annotator annotator(RealisticTraffic::options(16384));
    annotate_all(annotator, views);  // warm-up: the table is full from here on
    std::size_t at = 0;
    std::uint64_t packets = 0;
    const std::uint64_t before = allocations();
    for (auto _ : state) {
        annotator.annotate(std::span(views).subspan(at, kBatch), kLinkTypes);
        packets += kBatch;
        at = (at + kBatch) % kFrames;
    }
    report(state, packets, allocations() - before);
    state.counters["evicted"] =
        benchmark::Counter(static_cast<double>(annotator.counters().flows_evicted));
}
BENCHMARK(BM_AnnotateSynFloodAtCapacity);

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
        views[i] = test::view_of(frames[i], RealisticTraffic::kStart + i * 1000);
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
    const std::uint64_t before = allocations();
    for (auto _ : state) {
        if (!writer.write_packets(views)) {
            state.SkipWithError("write failed");
            break;
        }
        packets += kBatch;
    }
    report(state, packets, allocations() - before);
    state.SetBytesProcessed(static_cast<std::int64_t>(writer.bytes_written() - bytes_before));
}
BENCHMARK(BM_PcapngWriteEpbs)->Args({128, 0})->Args({128, 1})->Args({1514, 0})->Args({1514, 1});

// ---------------------------------------------------------------------------------------------
// The whole pipeline.

// CPU time of the calling thread, user and system (the writes to /dev/null included), in seconds:
// what one core spent, whatever else runs on the machine.
double thread_cpu_seconds() {
    timespec now{};
    ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
    return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) * 1e-9;
}

// What the capture loop did between taking its first batch from the source and giving its last
// one back: the part of Capture::run that runs per packet (read, annotate, write, release),
// without the file header before it and the statistics after it.
struct LoopWindow {
    double first_read = 0, last_release = 0;  // thread CPU time
    std::uint64_t allocations_at_first_read = 0;
    std::uint64_t allocations_at_last_release = 0;
    bool complete = false;
};

// A Source over one pass of the mix, handing out views into memory that stays put, as a
// TPACKET_V3 ring does: up to one batch per read(), never blocking, exhausted at the end of the
// pass. Building a view per packet is all it does.
class TraceSource final : public Source {
  public:
    TraceSource(std::span<const PacketView> views, LoopWindow& window)
        : views_(views), window_(window) {
        description_.link_type = kLinktypeEthernet;
        description_.snap_length = kMaxSnapLength;
        description_.name = "trace0";
    }

    const InterfaceDescription& description() const override { return description_; }
    int poll_fd() const override { return -1; }
    std::size_t read(std::span<PacketView> out) override {
        if (next_ == views_.size()) return 0;
        if (next_ == 0) {
            window_.allocations_at_first_read = allocations();
            window_.first_read = thread_cpu_seconds();
        }
        const std::size_t count = std::min(out.size(), views_.size() - next_);
        const std::uint32_t id = interface_id();
        for (std::size_t i = 0; i < count; ++i) {
            out[i] = views_[next_ + i];
            out[i].interface_id = id;
        }
        next_ += count;
        return count;
    }
    void release() override {
        if (next_ == views_.size() && !window_.complete) {
            window_.last_release = thread_cpu_seconds();
            window_.allocations_at_last_release = allocations();
            window_.complete = true;
        }
    }
    SourceStats stats() override {
        SourceStats stats;
        stats.received = stats.delivered = next_;
        return stats;
    }
    void check_error() override {}
    bool exhausted() const override { return next_ == views_.size(); }
    std::chrono::milliseconds handover_delay() const override { return {}; }

  private:
    std::span<const PacketView> views_;
    LoopWindow& window_;
    InterfaceDescription description_;
    std::size_t next_ = 0;
};

// One pass per iteration: a Capture over a TraceSource with the annotator set, into a Sink on
// /dev/null. The annotator lives across iterations (one long capture, each pass continuing the
// previous); the Capture and its writer are made per pass, outside the measured loop. The time
// of an iteration is the CPU time of the loop window (manual time), so items_per_second is
// packets per second of one core.
void BM_CapturePipelineRealisticMix(benchmark::State& state) {
    RealisticTraffic& t = realistic_traffic();
    Annotator annotator(RealisticTraffic::options());
    warm_up(annotator, t);
    const int fd = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (fd < 0) {
        state.SkipWithError("cannot open /dev/null");
        return;
    }
    Sink sink(fd, true, "null");
    const SectionInfo section{"bench", "bench", "annotator_benchmark"};
    const std::atomic<bool> stop{false};
    const std::size_t pass = t.steady_views().size();
    std::uint64_t packets = 0, allocations_in_loop = 0;
    for (auto _ : state) {
        LoopWindow window;
        std::vector<std::unique_ptr<Source>> sources;
        sources.push_back(std::make_unique<TraceSource>(t.steady_views(), window));
        Capture capture(std::move(sources), sink, section);
        capture.set_annotator(&annotator);
        const CaptureResult result = capture.run(StopConditions{}, stop);
        if (result.reason != StopReason::end_of_input || result.packets_written != pass ||
            !window.complete) {
            state.SkipWithError("the capture did not write the whole pass");
            break;
        }
        state.SetIterationTime(window.last_release - window.first_read);
        allocations_in_loop +=
            window.allocations_at_last_release - window.allocations_at_first_read;
        packets += pass;
        t.next_pass();
    }
    report(state, packets, allocations_in_loop);
    report_mix(state, annotator.counters());
    // pcapng bytes written per packet (EPBs with the annotation option; the section header,
    // interface description and statistics of each pass spread over its packets).
    state.counters["bytes_per_packet"] =
        benchmark::Counter(static_cast<double>(sink.bytes_written()) /
                           static_cast<double>(std::max<std::uint64_t>(packets, 1)));
}
BENCHMARK(BM_CapturePipelineRealisticMix)->UseManualTime()->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace ringdump::bench

int main(int argc, char** argv) {
    // The allocation counts mean nothing unless allocations are seen at all.
    const std::string problem = ringdump::bench::allocation_counting_problem();
    if (!problem.empty()) {
        std::fprintf(stderr, "annotator_benchmark: allocation counting does not work: %s\n",
                     problem.c_str());
        return 1;
    }
    benchmark::AddCustomContext("allocs_counted", ringdump::bench::allocation_counting());
    benchmark::AddCustomContext("realistic_mix", ringdump::bench::realistic_traffic().describe());
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
