// SPDX-License-Identifier: BSD-2-Clause
#include "capture_command.h"

#include <unistd.h>

#include <cstdio>
#include <memory>

#include "privileges.h"
#include "ringdump/annotator.h"
#include "ringdump/capture.h"
#include "ringdump/file_source.h"
#include "ringdump/linktype.h"
#include "ringdump/system_info.h"
#include "ringdump/version.h"
#include "signals.h"

namespace ringdump::app {
namespace {

std::string_view stop_reason_text(StopReason reason) {
    switch (reason) {
        case StopReason::requested:
            return "stopped";
        case StopReason::packet_limit:
            return "packet count reached";
        case StopReason::duration_limit:
            return "duration reached";
        case StopReason::size_limit:
            return "file size reached";
        case StopReason::reader_gone:
            return "the reader closed the output";
        case StopReason::end_of_input:
            return "end of input";
        case StopReason::source_failed:
            return "capture failed";
    }
    return "stopped";
}

// Local networks: the ones given with --local-net, else (live capture) the prefixes of the
// captured interfaces' own addresses. A file has no interfaces of this host: none by default.
AnnotatorOptions annotator_options(const Settings& settings,
                                   const std::vector<std::unique_ptr<Source>>& sources) {
    AnnotatorOptions options;
    options.max_flows = settings.max_flows;
    options.max_memory_bytes = settings.flow_memory_mib << 20;
    if (!settings.local_networks.empty()) {
        for (const IpPrefix& prefix : settings.local_networks)
            options.local_networks.add(prefix);
    } else if (settings.mode != Mode::annotate) {
        for (const auto& source : sources) {
            for (const IpPrefix& prefix : source->description().addresses) {
                options.local_networks.add(prefix);
            }
        }
    }
    return options;
}

void print_summary(const Capture& capture, const CaptureResult& result, const Annotator* annotator,
                   bool live) {
    const std::string_view reason = stop_reason_text(result.reason);
    std::fprintf(stderr, "ringdump: %llu packets %s (%.*s)\n",
                 static_cast<unsigned long long>(result.packets_written),
                 live ? "captured" : "annotated", static_cast<int>(reason.size()), reason.data());
    for (std::size_t i = 0; live && i < result.stats.size(); ++i) {
        const SourceStats& stats = result.stats[i];
        const std::string& name = capture.sources()[i]->description().name;
        if (stats.xdp) {
            std::fprintf(stderr, "ringdump: %s: %llu received, %llu dropped by kernel (%s)\n",
                         name.c_str(), static_cast<unsigned long long>(stats.received),
                         static_cast<unsigned long long>(stats.dropped),
                         drop_causes_text(stats).c_str());
            continue;
        }
        std::fprintf(stderr,
                     "ringdump: %s: %llu received by filter, %llu dropped by kernel, %llu ring "
                     "freezes\n",
                     name.c_str(), static_cast<unsigned long long>(stats.received),
                     static_cast<unsigned long long>(stats.dropped),
                     static_cast<unsigned long long>(stats.freezes));
    }
    if (annotator != nullptr) {
        const AnnotatorCounters& c = annotator->counters();
        std::fprintf(stderr,
                     "ringdump: %llu TCP and %llu UDP streams, %llu gaps (%llu bytes), %llu bytes "
                     "acknowledged but never captured, %llu flows evicted (capacity %llu)\n",
                     static_cast<unsigned long long>(c.tcp_streams),
                     static_cast<unsigned long long>(c.udp_streams),
                     static_cast<unsigned long long>(c.gaps),
                     static_cast<unsigned long long>(c.gap_bytes),
                     static_cast<unsigned long long>(c.capture_loss_bytes),
                     static_cast<unsigned long long>(c.flows_evicted),
                     static_cast<unsigned long long>(c.flow_capacity));
    }
}

}  // namespace

std::string error_line(const Error& error) {
    std::string line = "ringdump: " + std::string(error.what());
    if (error.kind() == ErrorKind::permission &&
        dynamic_cast<const CaptureRefused*>(&error) == nullptr) {
        line += "; " + permission_hint();
    }
    return line;
}

int run_capture(const Settings& settings, Sink& sink) {
    const bool extcap = settings.mode == Mode::extcap_capture;
    const bool live = settings.mode != Mode::annotate;
    try {
        std::vector<std::unique_ptr<Source>> sources;
        if (!live) sources.push_back(open_file_source(settings.input));
        for (const std::string& interface : settings.interfaces) {
            sources.push_back(open_source(source_options(settings, interface)));
            const InterfaceDescription& description = sources.back()->description();
            // What AF_XDP obtained (mode, copy or zero-copy, queues) goes to the extcap's log
            // at the default level; the standalone start line says it instead.
            const bool notable = extcap && !sources.back()->start_note().empty();
            log(notable ? LogLevel::warning : LogLevel::info,
                "capturing on " + interface + ": " + description.description);
            const std::string note = sources.back()->start_note();
            if (!extcap && !settings.quiet) {
                std::fprintf(stderr, "ringdump: capturing on %s, link-type %s, snaplen %u%s%s\n",
                             interface.c_str(),
                             std::string(linktype_name(description.link_type)).c_str(),
                             description.snap_length, note.empty() ? "" : ", ", note.c_str());
            }
        }

        // Every socket is open and every XDP program attached: what parses packets and writes
        // files from here on holds no privilege.
        drop_privileges(capabilities_needed_after_open(settings));

        StopConditions conditions;
        conditions.packets = settings.packet_count;
        if (settings.duration_seconds) {
            conditions.duration = std::chrono::nanoseconds(
                static_cast<std::int64_t>(*settings.duration_seconds * 1e9));
        }
        if (settings.filesize_kb) conditions.bytes = *settings.filesize_kb * 1024;

        std::unique_ptr<Annotator> annotator;
        if (settings.annotate) {
            annotator = std::make_unique<Annotator>(annotator_options(settings, sources));
        }
        Capture capture(
            std::move(sources), sink,
            SectionInfo{hardware_description(), os_description(), std::string(user_application())});
        capture.set_annotator(annotator.get());
        const CaptureResult result = capture.run(conditions, stop_requested());

        log(LogLevel::info, std::string("capture ended: ") +
                                std::string(stop_reason_text(result.reason)) + ", " +
                                std::to_string(result.packets_written) + " packets written");
        if (!extcap && !settings.quiet) print_summary(capture, result, annotator.get(), live);
        if (result.error) {
            std::fprintf(stderr, "%s\n", error_line(*result.error).c_str());
            return 1;
        }
        return 0;
    } catch (const Error& error) {
        std::fprintf(stderr, "%s\n", error_line(error).c_str());
        return 1;
    }
}

}  // namespace ringdump::app
