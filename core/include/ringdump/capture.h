// SPDX-License-Identifier: BSD-2-Clause
// The capture loop: sources in, pcapng out.
//
//   sources ──read batch──► PcapngWriter ──writev──► Sink ──► release batch
//
// One thread polls every source, annotates each ready batch (when an Annotator is set), writes it
// straight from the source's memory and gives the memory back once it is written. While a write
// blocks (a slow reader), the kernel keeps filling the rings, which is what makes them burst
// buffers.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ringdump/annotator.h"
#include "ringdump/error.h"
#include "ringdump/pcapng_writer.h"
#include "ringdump/sink.h"
#include "ringdump/source.h"

namespace ringdump {

struct StopConditions {
    std::optional<std::uint64_t> packets;  // after this many packets in total
    std::optional<std::chrono::nanoseconds> duration;
    std::optional<std::uint64_t> bytes;  // after the output reaches this size
};

enum class StopReason {
    requested,  // the stop flag was set (SIGINT, SIGTERM)
    packet_limit,
    duration_limit,
    size_limit,
    reader_gone,    // the reader closed the pipe (EPIPE): a normal end
    end_of_input,   // every source was finite (a file) and is exhausted
    source_failed,  // a source reported a fatal error (see CaptureResult::error)
};

struct CaptureResult {
    StopReason reason = StopReason::requested;
    std::uint64_t packets_written = 0;
    std::uint64_t bytes_written = 0;
    std::vector<SourceStats> stats;  // per source, at the end
    std::vector<std::uint64_t> packets_per_source;
    std::optional<Error> error;  // set when reason == source_failed
};

// The per-cause counters of an AF_XDP source (and the packets a user-space filter rejected) as
// one line, for the ISB's opt_comment and the standalone summary; empty when there are none.
std::string drop_causes_text(const SourceStats& stats);

class Capture {
  public:
    Capture(std::vector<std::unique_ptr<Source>> sources, Sink& sink, SectionInfo section);

    // Writes the SHB and the IDBs, then captures until a stop condition is met, stop is set, the
    // reader goes away or a source fails. Ends with an ISB per interface when the sink is still
    // open. Errors of the sink itself are thrown as Error.
    CaptureResult run(const StopConditions& conditions, const std::atomic<bool>& stop);

    // Annotates every packet before it is written, and writes the annotator's counters as a
    // custom block at the end. Not owned; must outlive run().
    void set_annotator(Annotator* annotator) { annotator_ = annotator; }

    const std::vector<std::unique_ptr<Source>>& sources() const { return sources_; }

  private:
    std::vector<std::unique_ptr<Source>> sources_;
    Sink& sink_;
    SectionInfo section_;
    Annotator* annotator_ = nullptr;
};

}  // namespace ringdump
