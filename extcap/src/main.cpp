// SPDX-License-Identifier: BSD-2-Clause
// ringdump: a Wireshark extcap and a standalone capture command in one executable.
#include <pcap/pcap.h>
#include <unistd.h>

#include <cstdio>
#include <string_view>
#include <vector>

#include "capture_command.h"
#include "extcap_text.h"
#include "interface_list.h"
#include "log.h"
#include "privileges.h"
#include "ringdump/capture_filter.h"
#include "ringdump/error.h"
#include "ringdump/interfaces.h"
#include "ringdump/linktype.h"
#include "ringdump/version.h"
#include "settings.h"
#include "signals.h"
#include "usage.h"

using namespace ringdump;
using namespace ringdump::app;

// ringdump-capture, the capture helper packages install with file capabilities, is this file
// compiled with RINGDUMP_CAPTURE_HELPER_MAIN (privileges.h).
#ifdef RINGDUMP_CAPTURE_HELPER_MAIN
constexpr bool kCaptureHelper = true;
#else
constexpr bool kCaptureHelper = false;
#endif

namespace {

void print(const std::string& text) {
    std::fwrite(text.data(), 1, text.size(), stdout);
}

std::uint16_t link_type_of(const std::string& interface) {
    auto info = find_interface(interface);
    return info && info->link_type() != 0 ? info->link_type() : kLinktypeEthernet;
}

// Wireshark's --capture: the FIFO is opened before anything can fail, because dumpcap waits
// on it forever if the extcap exits without opening it; errors then reach the user as our
// stderr line ("Error by extcap pipe: ...").
int extcap_capture(std::span<const std::string_view> args, char** argv) {
    const std::string fifo = fifo_path(args);
    if (fifo.empty()) {
        std::fprintf(stderr, "ringdump: --capture needs --fifo PATH; Wireshark always passes it\n");
        return 1;
    }
    // Before the FIFO is opened, so that the helper opens it; a bad command line is reported
    // below, once the FIFO is open.
    try {
        run_capture_helper_if_needed(parse_settings(args), argv);
    } catch (const UsageError&) {
    } catch (const Error&) {
    }
    try {
        Sink sink = Sink::open(fifo);
        Settings settings = parse_settings(args);
        if (auto problem = configure_log(settings.log_level, settings.log_file, false)) {
            std::fprintf(stderr, "ringdump: %s\n", problem->c_str());
            return 1;
        }
        for (const std::string& ignored : settings.ignored) {
            log(LogLevel::info, "ignoring unknown extcap argument '" + ignored + "'");
        }
        check_capture_privileges(settings);  // after the FIFO: Wireshark shows the refusal
        return run_capture(settings, sink);
    } catch (const UsageError& error) {
        std::fprintf(stderr, "ringdump: %s\n", error.what());
        return 1;
    } catch (const Error& error) {
        std::fprintf(stderr, "%s\n", error_line(error).c_str());
        return 1;
    }
}

int standalone_capture(const Settings& settings) {
    std::string output = settings.output;
    if (output.empty()) {
        if (::isatty(STDOUT_FILENO)) {
            std::fprintf(stderr,
                         "ringdump: refusing to write pcapng to a terminal; use -w FILE, or -w - "
                         "into a pipe\n");
            return 2;
        }
        output = "-";
    }
    if (auto problem = configure_log(settings.log_level, settings.log_file, true)) {
        std::fprintf(stderr, "ringdump: %s\n", problem->c_str());
        return 1;
    }
    try {
        check_capture_privileges(settings);  // before the output file is created
        Sink sink = Sink::open(output);
        return run_capture(settings, sink);
    } catch (const Error& error) {
        std::fprintf(stderr, "%s\n", error_line(error).c_str());
        return 1;
    }
}

}  // namespace

int main(int argc, char** argv) {
    // Setuid root (where the filesystem could not hold file capabilities): the real user with
    // the capture capabilities only, before anything else happens.
    take_capture_capabilities();
    set_capture_helper_role(kCaptureHelper);
    std::vector<std::string_view> args(argv + 1, argv + argc);
    install_stop_handlers();
    if (is_extcap_capture(args)) return extcap_capture(args, argv);

    Settings settings;
    try {
        settings = parse_settings(args);
    } catch (const UsageError& error) {
        std::fprintf(stderr, "ringdump: %s\n", error.what());
        return 2;
    }

    try {
        if (settings.mode == Mode::capture) {
            run_capture_helper_if_needed(settings, argv);
        } else {
            drop_privileges(0);  // nothing but a live capture needs any
        }
        switch (settings.mode) {
            case Mode::help:
                print(usage_text());
                return 0;
            case Mode::version:
                print("ringdump " + std::string(version()) + " (" + pcap_lib_version() + ")\n");
                return 0;
            case Mode::list_interfaces:
                print(interface_list_text(list_interfaces()));
                return 0;
            case Mode::extcap_interfaces:
                print(extcap_interfaces_text(list_interfaces()));
                return 0;
            case Mode::extcap_dlts:
                print(extcap_dlts_text(link_type_of(settings.interfaces.front())));
                return 0;
            case Mode::extcap_config:
                print(extcap_config_text());
                return 0;
            case Mode::extcap_filter_check:
                // Empty output means valid; otherwise the first line is shown as the error.
                if (auto problem =
                        filter_error(settings.filter, link_type_of(settings.interfaces.front()))) {
                    print(*problem + "\n");
                }
                return 0;
            case Mode::capture:
            case Mode::annotate:
                return standalone_capture(settings);
            case Mode::extcap_capture:
                break;  // handled above
        }
    } catch (const Error& error) {
        std::fprintf(stderr, "%s\n", error_line(error).c_str());
        return 1;
    }
    return 0;
}
