// SPDX-License-Identifier: BSD-2-Clause
// Capture::run driven by an in-memory fake Source: stop conditions (packet count mid-batch,
// stop flag, duration, size), the ISB written at the end, a failing source, a vanished reader,
// sink errors, two sources with their own interface ids, and the release of every batch read.
#include "ringdump/capture.h"

#include <fcntl.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <deque>
#include <limits>
#include <memory>
#include <thread>

#include "pcapng_blocks.h"
#include "ringdump/error.h"
#include "ringdump/source.h"
#include "test_support.h"

namespace ringdump {
namespace {

using test::Bytes;
namespace rd = test::pcapng;

std::uint64_t now_realtime_ns() {
    timespec ts{};
    ::clock_gettime(CLOCK_REALTIME, &ts);
    return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000ull +
           static_cast<std::uint64_t>(ts.tv_nsec);
}

constexpr std::uint64_t kBaseTimestamp = 1'700'000'000'000'000'000ull;
constexpr std::size_t kEndless = std::numeric_limits<std::size_t>::max();

// A Source over packets generated in memory. Every packet read is copied into a "ring" that
// release() frees, so a write after release would read freed memory (caught by ASan).
class FakeSource final : public Source {
  public:
    enum class Readiness { always, never, error };  // what poll() reports for poll_fd()
    enum class WhenEmpty { nothing, set_stop, fail };

    struct Config {
        std::string name = "fake0";
        std::uint16_t link_type = 1;
        std::uint8_t tag = 0xA0;  // first byte of every packet
        std::size_t packets = 0;  // packets to deliver in all; kEndless for no end
        std::size_t per_read = 16;
        std::size_t packet_size = 100;
        std::size_t idle_reads_first = 0;  // read() returns 0 this many times before packets
        Readiness readiness = Readiness::always;
        WhenEmpty when_empty = WhenEmpty::nothing;
        std::atomic<bool>* stop = nullptr;  // for set_stop and stop_after
        std::size_t stop_after = 0;         // set *stop once this many packets were read (0: never)
        std::chrono::microseconds read_delay{0};  // time a read() that returns packets takes
        SourceStats stats;                        // received, dropped and device counters reported
        // The last held_back packets stay unreadable until *stop is set, like packets in a
        // partly filled TPACKET_V3 block; handover_delay is what the source then promises.
        std::size_t held_back = 0;
        std::chrono::milliseconds handover_delay{0};
        std::uint64_t unattributed_drops = 0;  // drops counted after the last packet
    };

    struct Counters {
        std::size_t read_calls = 0;
        std::size_t delivered = 0;  // packets handed out
        std::size_t released = 0;   // packets given back through release()
        std::size_t release_calls = 0;
        std::size_t check_error_calls = 0;
        std::size_t stats_calls = 0;
    };

    FakeSource(Config config, std::shared_ptr<Counters> counters)
        : config_(std::move(config)), counters_(std::move(counters)) {
        description_.link_type = config_.link_type;
        description_.snap_length = 262144;
        description_.name = config_.name;
        description_.description = "fake source " + config_.name;
        switch (config_.readiness) {
            case Readiness::always:
                poll_fd_ = ::eventfd(1, EFD_CLOEXEC);  // readable until read, which never happens
                break;
            case Readiness::never:
                poll_fd_ = ::eventfd(0, EFD_CLOEXEC);
                break;
            case Readiness::error: {
                int fds[2];
                if (::pipe2(fds, O_CLOEXEC) == 0) {
                    ::close(fds[0]);  // a write end without a reader polls as POLLERR
                    poll_fd_ = fds[1];
                }
                break;
            }
        }
    }
    ~FakeSource() override {
        if (poll_fd_ >= 0) ::close(poll_fd_);
    }

    const InterfaceDescription& description() const override { return description_; }
    int poll_fd() const override { return poll_fd_; }

    std::size_t read(std::span<PacketView> out) override {
        ++counters_->read_calls;
        if (idle_reads_ < config_.idle_reads_first) {
            ++idle_reads_;
            return 0;
        }
        std::size_t visible = config_.packets;
        if (config_.held_back != 0 && !(config_.stop != nullptr && config_.stop->load())) {
            visible = config_.packets - config_.held_back;
        }
        std::size_t count = 0;
        while (count < out.size() && count < config_.per_read && next_ < visible) {
            ring_.push_back(make_packet(next_));
            const Bytes& bytes = ring_.back();
            PacketView& view = out[count++];
            view = PacketView{};
            view.data = bytes.data();
            view.caplen = static_cast<std::uint32_t>(bytes.size());
            view.wirelen = view.caplen;
            view.timestamp_ns = kBaseTimestamp + next_ * 1000;
            view.interface_id = interface_id();
            view.flags = 0x1;  // inbound
            ++next_;
        }
        if (count > 0 && config_.read_delay.count() > 0) {
            std::this_thread::sleep_for(config_.read_delay);
        }
        outstanding_ += count;
        counters_->delivered += count;
        if (config_.stop != nullptr && config_.stop_after != 0 &&
            counters_->delivered >= config_.stop_after) {
            config_.stop->store(true);
        }
        if (count == 0 && next_ >= config_.packets && config_.when_empty == WhenEmpty::set_stop &&
            config_.stop != nullptr) {
            config_.stop->store(true);
        }
        return count;
    }

    void release() override {
        ++counters_->release_calls;
        counters_->released += outstanding_;
        outstanding_ = 0;
        ring_.clear();
    }

    SourceStats stats() override {
        ++counters_->stats_calls;
        SourceStats stats = config_.stats;
        stats.delivered = counters_->delivered;
        return stats;
    }

    std::chrono::milliseconds handover_delay() const override { return config_.handover_delay; }
    std::uint64_t unattributed_drops() const override { return config_.unattributed_drops; }

    void check_error() override {
        ++counters_->check_error_calls;
        if (config_.when_empty == WhenEmpty::fail && next_ >= config_.packets) {
            throw Error(ErrorKind::interface_gone, config_.name + ": interface removed");
        }
    }

    // The bytes of packet `index` of a source tagged `tag`.
    static Bytes packet_bytes(std::uint8_t tag, std::size_t size, std::size_t index) {
        Bytes bytes(size + index % 7);
        for (std::size_t i = 0; i < bytes.size(); ++i) {
            bytes[i] = static_cast<std::uint8_t>(i * 3 + index);
        }
        bytes[0] = tag;
        const std::uint64_t value = index;
        std::memcpy(bytes.data() + 1, &value, sizeof value);
        return bytes;
    }

  private:
    Bytes make_packet(std::size_t index) const {
        return packet_bytes(config_.tag, config_.packet_size, index);
    }

    Config config_;
    std::shared_ptr<Counters> counters_;
    InterfaceDescription description_;
    int poll_fd_ = -1;
    std::size_t next_ = 0;
    std::size_t idle_reads_ = 0;
    std::size_t outstanding_ = 0;
    std::deque<Bytes> ring_;
};

struct Fake {
    std::shared_ptr<FakeSource::Counters> counters = std::make_shared<FakeSource::Counters>();
    std::unique_ptr<Source> source;
};

Fake make_fake(FakeSource::Config config) {
    Fake fake;
    fake.source = std::make_unique<FakeSource>(std::move(config), fake.counters);
    return fake;
}

std::vector<std::unique_ptr<Source>> sources_of(Fake& a) {
    std::vector<std::unique_ptr<Source>> sources;
    sources.push_back(std::move(a.source));
    return sources;
}

const SectionInfo kSection{"test hardware", "test os", "ringdump unit test"};

struct Output {
    CaptureResult result;
    Bytes bytes;
    rd::Blocks blocks;
};

// Runs a capture into an in-memory file and parses what it wrote.
Output capture_to_memory(std::vector<std::unique_ptr<Source>> sources,
                         const StopConditions& conditions, const std::atomic<bool>& stop) {
    test::MemFile file;
    Sink sink(file.fd(), false, "memfd");
    Capture capture(std::move(sources), sink, kSection);
    Output output;
    output.result = capture.run(conditions, stop);
    output.bytes = file.contents();
    output.blocks = rd::read_blocks(output.bytes);
    EXPECT_EQ(output.blocks.error, "");
    EXPECT_EQ(output.result.bytes_written, output.bytes.size());
    return output;
}

std::vector<std::uint32_t> block_types(const rd::Blocks& blocks) {
    std::vector<std::uint32_t> types;
    for (const rd::Block& block : blocks.blocks)
        types.push_back(block.type);
    return types;
}

std::uint64_t packet_index(const rd::EnhancedPacket& epb) {
    std::uint64_t index = 0;
    if (epb.data.size() >= 9) std::memcpy(&index, epb.data.data() + 1, sizeof index);
    return index;
}

TEST(Capture, PacketLimitStopsAfterExactlyNPacketsMidBatch) {
    FakeSource::Config config;
    config.packets = 100;
    config.per_read = 30;
    Fake fake = make_fake(config);
    std::atomic<bool> stop{false};
    StopConditions conditions;
    conditions.packets = 45;
    const Output out = capture_to_memory(sources_of(fake), conditions, stop);

    EXPECT_EQ(out.result.reason, StopReason::packet_limit);
    EXPECT_EQ(out.result.packets_written, 45u);
    ASSERT_EQ(out.result.packets_per_source.size(), 1u);
    EXPECT_EQ(out.result.packets_per_source[0], 45u);
    const auto epbs = out.blocks.of_type(rd::kEpb);
    ASSERT_EQ(epbs.size(), 45u);
    for (std::size_t i = 0; i < epbs.size(); ++i) {
        const rd::EnhancedPacket epb = rd::decode_epb(*epbs[i]);
        EXPECT_EQ(packet_index(epb), i);
        EXPECT_EQ(epb.data, FakeSource::packet_bytes(0xA0, 100, i));
        EXPECT_EQ(epb.timestamp, kBaseTimestamp + i * 1000);
    }
    const auto isbs = out.blocks.of_type(rd::kIsb);
    ASSERT_EQ(isbs.size(), 1u);
    EXPECT_EQ(rd::decode_isb(*isbs[0]).options.u64(8), 45u);  // isb_usrdeliv
    // Two reads of 30; everything read was given back.
    EXPECT_EQ(fake.counters->delivered, 60u);
    EXPECT_EQ(fake.counters->released, fake.counters->delivered);
}

TEST(Capture, WritesSectionInterfacePacketsAndStatisticsInOrder) {
    std::atomic<bool> stop{false};
    FakeSource::Config config;
    config.name = "veth-test";
    config.packets = 10;
    config.per_read = 4;
    config.when_empty = FakeSource::WhenEmpty::set_stop;
    config.stop = &stop;
    config.stats.received = 1000;
    config.stats.dropped = 7;
    config.stats.interface_packets = 5000;
    Fake fake = make_fake(config);

    const std::uint64_t before = now_realtime_ns();
    const Output out = capture_to_memory(sources_of(fake), {}, stop);
    const std::uint64_t after = now_realtime_ns();

    EXPECT_EQ(out.result.reason, StopReason::requested);
    EXPECT_EQ(out.result.packets_written, 10u);
    std::vector<std::uint32_t> expected_types = {rd::kShb, rd::kIdb};
    expected_types.insert(expected_types.end(), 10, rd::kEpb);
    expected_types.push_back(rd::kIsb);
    EXPECT_EQ(block_types(out.blocks), expected_types);

    const rd::SectionHeader shb = rd::decode_shb(out.blocks.blocks[0]);
    EXPECT_EQ(shb.options.text(2), "test hardware");
    EXPECT_EQ(shb.options.text(3), "test os");
    EXPECT_EQ(shb.options.text(4), "ringdump unit test");
    const rd::InterfaceDescription idb = rd::decode_idb(out.blocks.blocks[1]);
    EXPECT_EQ(idb.link_type, 1);
    EXPECT_EQ(idb.options.text(2), "veth-test");

    const rd::InterfaceStatistics isb = rd::decode_isb(out.blocks.blocks.back());
    ASSERT_EQ(isb.options.error, "");
    EXPECT_EQ(isb.interface_id, 0u);
    EXPECT_EQ(isb.options.u64(4), 5000u);                       // isb_ifrecv
    EXPECT_EQ(isb.options.find(5), nullptr);                    // isb_ifdrop: unknown, left out
    EXPECT_EQ(isb.options.u64(6), 1000u);                       // isb_filteraccept
    EXPECT_EQ(isb.options.u64(7), 7u);                          // isb_osdrop
    EXPECT_EQ(isb.options.u64(8), out.result.packets_written);  // isb_usrdeliv
    const auto start = isb.options.timestamp(2);
    const auto end = isb.options.timestamp(3);
    ASSERT_TRUE(start && end);
    EXPECT_LE(before, *start);
    EXPECT_LE(*start, *end);
    EXPECT_LE(*end, after);
    EXPECT_EQ(isb.timestamp, *end);

    ASSERT_EQ(out.result.stats.size(), 1u);
    EXPECT_EQ(out.result.stats[0].received, 1000u);
    EXPECT_EQ(out.result.stats[0].dropped, 7u);
    EXPECT_EQ(fake.counters->released, 10u);
}

TEST(Capture, StopFlagSetBeforeRunWritesOnlyHeadersAndStatistics) {
    FakeSource::Config config;
    config.packets = 50;
    Fake fake = make_fake(config);
    std::atomic<bool> stop{true};
    const Output out = capture_to_memory(sources_of(fake), {}, stop);

    EXPECT_EQ(out.result.reason, StopReason::requested);
    EXPECT_EQ(out.result.packets_written, 0u);
    EXPECT_EQ(block_types(out.blocks), (std::vector<std::uint32_t>{rd::kShb, rd::kIdb, rd::kIsb}));
    EXPECT_EQ(rd::decode_isb(out.blocks.blocks.back()).options.u64(8), 0u);
    EXPECT_EQ(fake.counters->delivered, 0u);
}

TEST(Capture, FailingSourceEndsWithSourceFailedAndAValidFile) {
    FakeSource::Config config;
    config.name = "gone0";
    config.packets = 5;
    config.readiness = FakeSource::Readiness::error;
    config.when_empty = FakeSource::WhenEmpty::fail;
    Fake fake = make_fake(config);
    std::atomic<bool> stop{false};
    Output out;
    ASSERT_NO_THROW(out = capture_to_memory(sources_of(fake), {}, stop));

    EXPECT_EQ(out.result.reason, StopReason::source_failed);
    ASSERT_TRUE(out.result.error.has_value());
    EXPECT_EQ(out.result.error->kind(), ErrorKind::interface_gone);
    EXPECT_STREQ(out.result.error->what(), "gone0: interface removed");
    EXPECT_GE(fake.counters->check_error_calls, 1u);

    EXPECT_EQ(out.result.packets_written, 5u);
    EXPECT_EQ(out.blocks.of_type(rd::kEpb).size(), 5u);
    ASSERT_FALSE(out.blocks.blocks.empty());
    ASSERT_EQ(out.blocks.blocks.back().type, rd::kIsb);
    const rd::InterfaceStatistics isb = rd::decode_isb(out.blocks.blocks.back());
    EXPECT_EQ(isb.options.error, "");
    EXPECT_EQ(isb.options.u64(8), 5u);
}

TEST(Capture, ReaderGoneBeforeTheFirstBlockIsANormalEnd) {
    test::ignore_sigpipe();
    test::Pipe pipe;
    pipe.close_read();
    Sink sink(pipe.write_fd(), false, "pipe");
    FakeSource::Config config;
    config.packets = kEndless;
    Fake fake = make_fake(config);
    Capture capture(sources_of(fake), sink, kSection);
    std::atomic<bool> stop{false};
    CaptureResult result;
    ASSERT_NO_THROW(result = capture.run({}, stop));
    EXPECT_EQ(result.reason, StopReason::reader_gone);
    EXPECT_EQ(result.packets_written, 0u);
    EXPECT_FALSE(result.error.has_value());
}

TEST(Capture, ReaderGoneMidCaptureIsANormalEnd) {
    test::ignore_sigpipe();
    test::Pipe pipe;
    std::thread reader([&] {
        std::vector<std::uint8_t> buffer(1000);
        std::size_t total = 0;
        while (total < 100000) {
            const ssize_t n = ::read(pipe.read_fd(), buffer.data(), buffer.size());
            if (n <= 0) break;
            total += static_cast<std::size_t>(n);
        }
        pipe.close_read();
    });
    FakeSource::Config config;
    config.packets = kEndless;
    config.packet_size = 1000;
    Fake fake = make_fake(config);
    std::atomic<bool> stop{false};
    CaptureResult result;
    {
        Sink sink(pipe.write_fd(), false, "pipe");
        Capture capture(sources_of(fake), sink, kSection);
        EXPECT_NO_THROW(result = capture.run({}, stop));
    }
    reader.join();
    EXPECT_EQ(result.reason, StopReason::reader_gone);
    EXPECT_FALSE(result.error.has_value());
    EXPECT_GT(result.packets_written, 0u);
    EXPECT_EQ(fake.counters->released, fake.counters->delivered);
    ASSERT_EQ(result.stats.size(), 1u);
}

TEST(Capture, TwoSourcesGetTwoInterfacesAndMatchingIds) {
    FakeSource::Config a;
    a.name = "fakeA";
    a.tag = 0xA0;
    a.packets = 30;
    a.per_read = 7;
    FakeSource::Config b;
    b.name = "fakeB";
    b.tag = 0xB0;
    b.link_type = 101;
    b.packets = 20;
    b.per_read = 6;
    Fake fake_a = make_fake(a);
    Fake fake_b = make_fake(b);
    std::vector<std::unique_ptr<Source>> sources;
    sources.push_back(std::move(fake_a.source));
    sources.push_back(std::move(fake_b.source));
    std::atomic<bool> stop{false};
    StopConditions conditions;
    conditions.packets = 50;
    const Output out = capture_to_memory(std::move(sources), conditions, stop);

    EXPECT_EQ(out.result.reason, StopReason::packet_limit);
    EXPECT_EQ(out.result.packets_per_source, (std::vector<std::uint64_t>{30, 20}));
    const auto idbs = out.blocks.of_type(rd::kIdb);
    ASSERT_EQ(idbs.size(), 2u);
    EXPECT_EQ(rd::decode_idb(*idbs[0]).options.text(2), "fakeA");
    EXPECT_EQ(rd::decode_idb(*idbs[0]).link_type, 1);
    EXPECT_EQ(rd::decode_idb(*idbs[1]).options.text(2), "fakeB");
    EXPECT_EQ(rd::decode_idb(*idbs[1]).link_type, 101);
    // Both IDBs come before the first EPB.
    EXPECT_LT(idbs[1]->offset, out.blocks.of_type(rd::kEpb).front()->offset);

    std::uint64_t next[2] = {0, 0};
    for (const rd::Block* block : out.blocks.of_type(rd::kEpb)) {
        const rd::EnhancedPacket epb = rd::decode_epb(*block);
        ASSERT_LT(epb.interface_id, 2u);
        const std::uint8_t tag = epb.interface_id == 0 ? 0xA0 : 0xB0;
        ASSERT_FALSE(epb.data.empty());
        EXPECT_EQ(epb.data[0], tag) << "packet on interface " << epb.interface_id;
        EXPECT_EQ(packet_index(epb), next[epb.interface_id]++);
    }
    EXPECT_EQ(next[0], 30u);
    EXPECT_EQ(next[1], 20u);

    const auto isbs = out.blocks.of_type(rd::kIsb);
    ASSERT_EQ(isbs.size(), 2u);
    const rd::InterfaceStatistics isb0 = rd::decode_isb(*isbs[0]);
    const rd::InterfaceStatistics isb1 = rd::decode_isb(*isbs[1]);
    EXPECT_EQ(isb0.interface_id, 0u);
    EXPECT_EQ(isb0.options.u64(8), 30u);
    EXPECT_EQ(isb1.interface_id, 1u);
    EXPECT_EQ(isb1.options.u64(8), 20u);
    EXPECT_EQ(fake_a.counters->released, 30u);
    EXPECT_EQ(fake_b.counters->released, 20u);
}

TEST(Capture, DurationLimitEndsAnIdleCapture) {
    FakeSource::Config config;
    config.readiness = FakeSource::Readiness::never;
    Fake fake = make_fake(config);
    std::atomic<bool> stop{false};
    StopConditions conditions;
    conditions.duration = std::chrono::milliseconds(60);
    const auto started = std::chrono::steady_clock::now();
    const Output out = capture_to_memory(sources_of(fake), conditions, stop);
    const auto elapsed = std::chrono::steady_clock::now() - started;

    EXPECT_EQ(out.result.reason, StopReason::duration_limit);
    EXPECT_GE(elapsed, std::chrono::milliseconds(60));
    EXPECT_LT(elapsed, std::chrono::seconds(3));
    EXPECT_EQ(block_types(out.blocks), (std::vector<std::uint32_t>{rd::kShb, rd::kIdb, rd::kIsb}));
}

// Drops after the last packet have no packet to carry them as epb_dropcount. When the capture
// goes idle, one ISB with the counters so far goes out mid-stream (one per idle stretch, not one
// per idle poll), so that a reader stopped with ringdump (Wireshark's) still has them.
TEST(Capture, IdleCaptureWritesAnInterimStatisticsBlockForDropsNoPacketCarries) {
    FakeSource::Config config;
    config.packets = 5;
    config.readiness = FakeSource::Readiness::never;
    config.stats.received = 25;
    config.stats.dropped = 20;
    config.unattributed_drops = 20;
    Fake fake = make_fake(config);
    std::atomic<bool> stop{false};
    StopConditions conditions;
    conditions.duration = std::chrono::milliseconds(700);  // at least three idle polls
    const Output out = capture_to_memory(sources_of(fake), conditions, stop);

    std::vector<std::uint32_t> expected = {rd::kShb, rd::kIdb};
    expected.insert(expected.end(), 5, rd::kEpb);
    expected.push_back(rd::kIsb);  // the interim one
    expected.push_back(rd::kIsb);  // the final one
    EXPECT_EQ(block_types(out.blocks), expected);
    const auto isbs = out.blocks.of_type(rd::kIsb);
    ASSERT_EQ(isbs.size(), 2u);
    const rd::InterfaceStatistics interim = rd::decode_isb(*isbs[0]);
    EXPECT_EQ(interim.options.u64(7), 20u);  // isb_osdrop
    EXPECT_EQ(interim.options.u64(8), 5u);   // isb_usrdeliv

    // Without uncarried drops, no interim block.
    config.unattributed_drops = 0;
    Fake quiet = make_fake(config);
    const Output plain = capture_to_memory(sources_of(quiet), conditions, stop);
    EXPECT_EQ(plain.blocks.of_type(rd::kIsb).size(), 1u);
}

TEST(Capture, SizeLimitStopsOnceTheOutputIsBigEnough) {
    FakeSource::Config config;
    config.packets = kEndless;
    config.packet_size = 1000;
    config.per_read = 4;
    Fake fake = make_fake(config);
    std::atomic<bool> stop{false};
    StopConditions conditions;
    conditions.bytes = 20000;
    const Output out = capture_to_memory(sources_of(fake), conditions, stop);

    EXPECT_EQ(out.result.reason, StopReason::size_limit);
    EXPECT_GE(out.result.bytes_written, 20000u);
    // It stops after the batch that crossed the limit. A batch is 4 EPBs of at most 28 (fixed
    // part) + 1008 (1006 data bytes, padded) + 12 (epb_flags) + 4 (opt_endofopt) + 4 (trailer).
    const std::size_t before_isb = out.result.bytes_written - out.blocks.blocks.back().total_length;
    EXPECT_LT(before_isb, 20000u + 4 * (28 + 1008 + 12 + 4 + 4));
    EXPECT_EQ(out.blocks.blocks.back().type, rd::kIsb);
}

TEST(Capture, SinkErrorsAreThrown) {
    test::Pipe pipe;
    Sink sink(pipe.read_fd(), false, "unwritable");  // writes fail with EBADF
    FakeSource::Config config;
    config.packets = 10;
    Fake fake = make_fake(config);
    Capture capture(sources_of(fake), sink, kSection);
    std::atomic<bool> stop{false};
    EXPECT_THROW(capture.run({}, stop), Error);
}

// A sink that fails part-way (here: a memfd that may not grow past 64 KiB, so writes fail with
// EPERM) is an error of the sink, not of a source: run() throws it (capture.h).
TEST(Capture, SinkErrorsMidCaptureAreThrown) {
    test::MemFile file(MFD_ALLOW_SEALING);
    ASSERT_EQ(::ftruncate(file.fd(), 64 * 1024), 0);
    ASSERT_EQ(::fcntl(file.fd(), F_ADD_SEALS, F_SEAL_GROW | F_SEAL_SHRINK), 0);
    Sink sink(file.fd(), false, "sealed memfd");
    FakeSource::Config config;
    config.packets = kEndless;
    config.packet_size = 1000;
    Fake fake = make_fake(config);
    Capture capture(sources_of(fake), sink, kSection);
    std::atomic<bool> stop{false};
    try {
        const CaptureResult result = capture.run({}, stop);
        ADD_FAILURE() << "run() returned (reason " << static_cast<int>(result.reason)
                      << (result.error ? std::string(", error: ") + result.error->what() : "")
                      << ") instead of throwing";
    } catch (const Error& error) {
        EXPECT_EQ(error.kind(), ErrorKind::io);
        EXPECT_NE(std::string(error.what()).find("sealed memfd"), std::string::npos)
            << error.what();
    }
}

// After an idle poll() the loop drains every source; a stop request made while packets keep
// coming must still end the capture promptly rather than when the source runs dry.
TEST(Capture, StopFlagIsHonouredWhileDrainingAfterAnIdlePoll) {
    std::atomic<bool> stop{false};
    FakeSource::Config config;
    config.packets = 20000;  // bounds the test if the stop request is ignored
    config.per_read = 1;
    config.idle_reads_first = 1;                      // nothing at first: the loop goes to poll()
    config.readiness = FakeSource::Readiness::never;  // poll() times out, then the drain runs
    config.stop = &stop;
    config.stop_after = 20;
    Fake fake = make_fake(config);
    const Output out = capture_to_memory(sources_of(fake), {}, stop);
    EXPECT_EQ(out.result.reason, StopReason::requested);
    EXPECT_LT(out.result.packets_written, 100u);
}

// The same for the -a duration deadline: a 100 ms capture must not run until the source is dry.
TEST(Capture, DurationIsHonouredWhileDrainingAfterAnIdlePoll) {
    FakeSource::Config config;
    config.packets = 2000;  // about 2 s of reads: bounds the test if the deadline is ignored
    config.per_read = 1;
    config.read_delay = std::chrono::milliseconds(1);
    config.idle_reads_first = 1;
    config.readiness = FakeSource::Readiness::never;
    Fake fake = make_fake(config);
    std::atomic<bool> stop{false};
    StopConditions conditions;
    conditions.duration = std::chrono::milliseconds(100);
    const auto started = std::chrono::steady_clock::now();
    const Output out = capture_to_memory(sources_of(fake), conditions, stop);
    const auto elapsed = std::chrono::steady_clock::now() - started;
    EXPECT_EQ(out.result.reason, StopReason::duration_limit);
    EXPECT_LT(elapsed, std::chrono::milliseconds(1000));
    EXPECT_LT(out.result.packets_written, 1000u);
}

// Packets the kernel accepted before a stop request but handed over only later (a partly filled
// ring block) must still be written: the capture keeps reading for the source's handover delay.
TEST(Capture, StopWritesWhatTheSourceHandsOverAfterTheRequest) {
    for (const auto delay : {std::chrono::milliseconds(0), std::chrono::milliseconds(50)}) {
        std::atomic<bool> stop{false};
        FakeSource::Config config;
        config.packets = 100;
        config.held_back = 30;
        config.stop = &stop;
        config.stop_after = 70;  // the stop request comes once the first 70 were read
        config.handover_delay = delay;
        Fake fake = make_fake(config);
        const Output out = capture_to_memory(sources_of(fake), {}, stop);
        EXPECT_EQ(out.result.reason, StopReason::requested);
        EXPECT_EQ(out.result.packets_written, delay.count() == 0 ? 70u : 100u)
            << "handover delay " << delay.count() << " ms";
    }
}

// ---------------------------------------------------------------------------------------------
// Sources with several descriptors (an AF_XDP socket per RX queue)

// A source whose first descriptor never becomes ready and whose second one is ready (or in
// error) from the start: only a capture that polls every descriptor reacts to it at once,
// well before the 200 ms idle poll period.
class MultiFdSource final : public Source {
  public:
    MultiFdSource(bool second_in_error, std::size_t idle_reads, std::atomic<bool>& stop)
        : idle_reads_(idle_reads), stop_(stop) {
        description_.name = "multi0";
        description_.description = "fake source with two descriptors";
        fds_[0] = ::eventfd(0, EFD_CLOEXEC);
        if (second_in_error) {
            int pipe_fds[2];
            if (::pipe2(pipe_fds, O_CLOEXEC) == 0) {
                ::close(pipe_fds[0]);  // a write end without a reader polls as POLLERR
                fds_[1] = pipe_fds[1];
            }
        } else {
            fds_[1] = ::eventfd(1, EFD_CLOEXEC);
        }
    }
    ~MultiFdSource() override {
        for (int fd : fds_) {
            if (fd >= 0) ::close(fd);
        }
    }
    const InterfaceDescription& description() const override { return description_; }
    int poll_fd() const override { return fds_[0]; }
    std::vector<int> poll_fds() const override { return {fds_[0], fds_[1]}; }
    std::size_t read(std::span<PacketView> out) override {
        if (reads_++ < idle_reads_ || out.empty()) return 0;
        out[0] = PacketView{};
        out[0].data = packet_.data();
        out[0].caplen = out[0].wirelen = static_cast<std::uint32_t>(packet_.size());
        out[0].queue = 1;
        return 1;
    }
    void release() override {}
    SourceStats stats() override { return {}; }
    void check_error() override {
        ++check_error_calls;
        stop_.store(true);
    }
    std::chrono::milliseconds handover_delay() const override { return {}; }

    std::size_t check_error_calls = 0;

  private:
    InterfaceDescription description_;
    int fds_[2] = {-1, -1};
    std::size_t idle_reads_;
    std::size_t reads_ = 0;
    std::atomic<bool>& stop_;
    Bytes packet_ = Bytes(60, 0x42);
};

TEST(Capture, PollsEveryDescriptorOfASource) {
    std::atomic<bool> stop{false};
    std::vector<std::unique_ptr<Source>> sources;
    sources.push_back(std::make_unique<MultiFdSource>(false, 3, stop));
    StopConditions conditions;
    conditions.packets = 1;
    conditions.duration = std::chrono::seconds(5);
    const auto started = std::chrono::steady_clock::now();
    const Output out = capture_to_memory(std::move(sources), conditions, stop);
    const auto elapsed = std::chrono::steady_clock::now() - started;
    EXPECT_EQ(out.result.reason, StopReason::packet_limit);
    EXPECT_LT(elapsed, std::chrono::milliseconds(150))
        << "three empty reads each waited for the idle poll period: the second descriptor "
           "was not polled";
    const auto epbs = out.blocks.of_type(rd::kEpb);
    ASSERT_EQ(epbs.size(), 1u);
    EXPECT_EQ(rd::decode_epb(*epbs[0]).options.u32(6), 1u) << "epb_queue";
}

TEST(Capture, AnErrorOnAnyDescriptorOfASourceAsksItAtOnce) {
    std::atomic<bool> stop{false};
    auto owned = std::make_unique<MultiFdSource>(true, ~std::size_t{0}, stop);
    MultiFdSource* source = owned.get();
    std::vector<std::unique_ptr<Source>> sources;
    sources.push_back(std::move(owned));
    StopConditions conditions;
    conditions.duration = std::chrono::seconds(5);
    test::MemFile file;
    Sink sink(file.fd(), false, "memfd");
    Capture capture(std::move(sources), sink, kSection);
    const auto started = std::chrono::steady_clock::now();
    const CaptureResult result = capture.run(conditions, stop);
    const auto elapsed = std::chrono::steady_clock::now() - started;
    EXPECT_EQ(result.reason, StopReason::requested) << "check_error set the stop flag";
    EXPECT_GE(source->check_error_calls, 1u);
    EXPECT_LT(elapsed, std::chrono::milliseconds(150))
        << "POLLERR on the second descriptor was noticed only at the idle poll period";
}

}  // namespace
}  // namespace ringdump
