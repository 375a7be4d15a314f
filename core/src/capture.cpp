// SPDX-License-Identifier: BSD-2-Clause
#include "ringdump/capture.h"

#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "ringdump/annotation_format.h"
#include "ringdump/error.h"

#include "ringdump/system_info.h"

namespace ringdump {
namespace {

// Longest sleep in poll(): bounds how late a stop flag, a deadline or a vanished interface is
// noticed when no packet arrives.
constexpr int kIdlePollMs = 200;

}  // namespace

std::string drop_causes_text(const SourceStats& stats) {
    std::string text;
    if (stats.xdp) {
        const XdpCounters& c = *stats.xdp;
        text = "AF_XDP: " + std::to_string(c.rx_dropped) + " rx_dropped (" +
               std::to_string(c.rx_fill_ring_empty_descs) + " rx_fill_ring_empty_descs), " +
               std::to_string(c.rx_ring_full) + " rx_ring_full, " +
               std::to_string(c.rx_invalid_descs) + " rx_invalid_descs";
    }
    if (stats.filtered_out != 0) {
        text += std::string(text.empty() ? "" : "; ") + std::to_string(stats.filtered_out) +
                " rejected by the capture filter in user space";
    }
    return text;
}

Capture::Capture(std::vector<std::unique_ptr<Source>> sources, Sink& sink, SectionInfo section)
    : sources_(std::move(sources)), sink_(sink), section_(std::move(section)) {}

CaptureResult Capture::run(const StopConditions& conditions, const std::atomic<bool>& stop) {
    CaptureResult result;
    result.packets_per_source.assign(sources_.size(), 0);
    PcapngWriter writer(sink_);
    const std::uint64_t start_ns = realtime_ns();
    using Clock = std::chrono::steady_clock;
    const auto started = Clock::now();
    const auto deadline =
        conditions.duration ? started + *conditions.duration : Clock::time_point::max();

    bool open = writer.write_section_header(section_);
    std::vector<std::uint16_t> link_types;  // by interface id, for the annotator
    for (auto& source : sources_) {
        std::uint32_t id = 0;
        if (!open) break;
        open = writer.write_interface(source->description(), id);
        source->set_interface_id(id);
        link_types.resize(id + 1);
        link_types[id] = source->description().link_type;
    }

    std::vector<PacketView> batch(PcapngWriter::kBatchPackets);
    // Every descriptor of every source (an AF_XDP source has one per RX queue), and which source
    // each belongs to.
    std::vector<pollfd> waiters;
    std::vector<std::size_t> waiter_source;
    for (std::size_t i = 0; i < sources_.size(); ++i) {
        for (int fd : sources_[i]->poll_fds()) {
            waiters.push_back({fd, POLLIN, 0});
            waiter_source.push_back(i);
        }
    }
    auto arm_waiters = [&] {
        for (pollfd& waiter : waiters) {
            waiter.events = POLLIN;
            waiter.revents = 0;
        }
    };
    std::vector<bool> source_error(sources_.size());
    if (!open) result.reason = StopReason::reader_gone;

    // Reads and writes one batch from source i. Sets progressed when there was one. Returns false
    // when the capture must end (result.reason says why).
    auto pump = [&](std::size_t i, bool& progressed) {
        Source& source = *sources_[i];
        std::size_t count = source.read(batch);
        if (count == 0) return true;
        progressed = true;
        if (conditions.packets) {
            count = static_cast<std::size_t>(
                std::min<std::uint64_t>(count, *conditions.packets - result.packets_written));
        }
        if (annotator_ != nullptr) annotator_->annotate(std::span(batch.data(), count), link_types);
        const bool written = writer.write_packets(std::span(batch.data(), count));
        source.release();
        if (!written) {
            result.reason = StopReason::reader_gone;
            return false;
        }
        result.packets_written += count;
        result.packets_per_source[i] += count;
        if (conditions.packets && result.packets_written >= *conditions.packets) {
            result.reason = StopReason::packet_limit;
            return false;
        }
        if (conditions.bytes && writer.bytes_written() >= *conditions.bytes) {
            result.reason = StopReason::size_limit;
            return false;
        }
        return true;
    };
    // The stop flag and the deadline, checked between batches.
    auto time_to_stop = [&] {
        if (stop.load(std::memory_order_relaxed)) {
            result.reason = StopReason::requested;
            return true;
        }
        if (Clock::now() >= deadline) {
            result.reason = StopReason::duration_limit;
            return true;
        }
        return false;
    };
    auto fail = [&](const Error& error) {
        result.reason = StopReason::source_failed;
        result.error = error;
        return false;
    };

    // An ISB with the source's counters so far. At the end of a capture; and also mid-stream
    // when the capture goes idle with drops that no packet has carried yet as epb_dropcount
    // (they happened after the last packet written): through Wireshark, ringdump is stopped
    // with the FIFO's reader, so an ISB written at the end may never reach the file, and
    // dumpcap copies a mid-stream ISB byte for byte.
    auto write_statistics = [&](std::size_t i, const SourceStats& stats, std::uint64_t now_ns) {
        InterfaceStatistics isb;
        isb.timestamp_ns = now_ns;
        isb.start_ns = start_ns;
        isb.end_ns = now_ns;
        isb.if_received = stats.interface_packets;
        isb.if_dropped = stats.interface_dropped;
        isb.filter_accepted = stats.received;
        isb.os_dropped = stats.dropped;
        isb.user_delivered = result.packets_per_source[i];
        isb.comment = drop_causes_text(stats);
        if (i == 0 && annotator_ != nullptr) {
            // The annotator's counters cover every interface: they go with the first one, as a
            // custom option (a custom block would show up as an extra record in Wireshark 4.0).
            std::vector<std::uint8_t> value(4);
            const std::uint32_t pen = annotation::kPen;
            std::memcpy(value.data(), &pen, sizeof pen);
            const std::vector<std::uint8_t> counters = annotator_->counters_payload();
            value.insert(value.end(), counters.begin(), counters.end());
            append_option(isb.extra_options, annotation::kOptionCode, value);
        }
        return writer.write_statistics(sources_[i]->interface_id(), isb);
    };
    // Drops reported in an interim ISB, per source, so that one idle stretch writes one.
    std::vector<std::uint64_t> drops_in_isb(sources_.size(), 0);
    auto report_uncarried_drops = [&](std::size_t i) {
        if (sources_[i]->unattributed_drops() == 0) return true;
        const SourceStats stats = sources_[i]->stats();
        if (stats.dropped == drops_in_isb[i]) return true;
        drops_in_isb[i] = stats.dropped;
        if (write_statistics(i, stats, realtime_ns())) return true;
        result.reason = StopReason::reader_gone;
        return false;
    };

    bool running = open;
    while (running && !time_to_stop()) {
        bool progressed = false;
        for (std::size_t i = 0; i < sources_.size() && running; ++i) {
            running = pump(i, progressed);
        }
        if (!running || progressed) continue;
        if (std::all_of(sources_.begin(), sources_.end(),
                        [](const auto& source) { return source->exhausted(); })) {
            result.reason = StopReason::end_of_input;
            for (auto& source : sources_) {
                try {
                    source->check_error();  // a damaged file ends the input with an error
                } catch (const Error& failure) {
                    running = fail(failure);
                }
            }
            break;
        }

        const auto until_deadline =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count() +
            1;
        const int timeout = static_cast<int>(
            std::max<long long>(0, std::min<long long>(kIdlePollMs, until_deadline)));
        arm_waiters();
        const int ready = ::poll(waiters.data(), waiters.size(), timeout);
        if (ready < 0 && errno != EINTR) {
            running =
                fail(Error(ErrorKind::system, "waiting for packets failed: " + errno_text(errno)));
            break;
        }
        std::fill(source_error.begin(), source_error.end(), false);
        for (std::size_t w = 0; w < waiters.size(); ++w) {
            if ((waiters[w].revents & (POLLERR | POLLHUP | POLLNVAL)) != 0) {
                source_error[waiter_source[w]] = true;
            }
        }
        // On an error, and every idle poll period, ask the sources whether they are still
        // healthy (an interface that went down can come back, or be removed meanwhile). What is
        // still in the ring is written first: the main loop does that before the next check.
        for (std::size_t i = 0; i < sources_.size() && running; ++i) {
            const bool error = source_error[i];
            if (ready != 0 && !error) continue;
            bool more = true;
            while (running && more && !time_to_stop()) {
                more = false;
                running = pump(i, more);
            }
            if (!running || more) break;
            try {
                sources_[i]->check_error();
            } catch (const Error& failure) {
                running = fail(failure);
            }
            if (running && ready == 0) running = report_uncarried_drops(i);
        }
    }

    // A stop must not lose what the kernel already accepted but still holds in a partly filled
    // block: keep reading until every source has handed such blocks over.
    if (result.reason == StopReason::requested || result.reason == StopReason::duration_limit ||
        result.reason == StopReason::source_failed) {
        std::chrono::milliseconds delay{0};
        for (const auto& source : sources_)
            delay = std::max(delay, source->handover_delay());
        const auto until = Clock::now() + delay;
        bool flushing = true;
        while (flushing && Clock::now() < until) {
            bool progressed = false;
            for (std::size_t i = 0; i < sources_.size() && flushing; ++i) {
                flushing = pump(i, progressed);
            }
            if (!flushing || progressed) continue;
            const auto left =
                std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now()).count();
            arm_waiters();
            if (left > 0) ::poll(waiters.data(), waiters.size(), static_cast<int>(left));
        }
    }

    const std::uint64_t end_ns = realtime_ns();
    result.stats.reserve(sources_.size());
    for (std::size_t i = 0; i < sources_.size(); ++i) {
        SourceStats stats = sources_[i]->stats();
        result.stats.push_back(stats);
        if (result.reason == StopReason::reader_gone) continue;
        if (!write_statistics(i, stats, end_ns)) result.reason = StopReason::reader_gone;
    }
    result.bytes_written = writer.bytes_written();
    return result;
}

}  // namespace ringdump
