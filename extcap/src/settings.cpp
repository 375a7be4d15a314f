// SPDX-License-Identifier: BSD-2-Clause
#include "settings.h"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace ringdump::app {
namespace {

// One option occurrence: its name as the user wrote it ("--snaplen", "-s") and its value.
struct Argument {
    std::string_view name;
    std::string_view value;
};

class Reader {
  public:
    explicit Reader(std::span<const std::string_view> args) : args_(args) {}
    bool done() const { return index_ >= args_.size(); }
    std::string_view peek() const { return args_[index_]; }
    std::string_view take() { return args_[index_++]; }
    bool next_is_value() const { return !done() && !args_[index_].starts_with("--"); }

  private:
    std::span<const std::string_view> args_;
    std::size_t index_ = 0;
};

std::uint64_t parse_unsigned(const Argument& argument, std::uint64_t min, std::uint64_t max) {
    std::uint64_t value = 0;
    const auto* begin = argument.value.data();
    const auto* end = begin + argument.value.size();
    auto [stop, ec] = std::from_chars(begin, end, value);
    if (argument.value.empty() || ec != std::errc() || stop != end || value < min || value > max) {
        throw UsageError("bad value '" + std::string(argument.value) + "' for " +
                         std::string(argument.name) + ": use a whole number from " +
                         std::to_string(min) + " to " + std::to_string(max));
    }
    return value;
}

bool parse_bool(const Argument& argument) {
    const std::string_view v = argument.value;
    if (v == "true" || v == "1" || v == "yes" || v == "on" || v == "TRUE" || v == "True") {
        return true;
    }
    if (v == "false" || v == "0" || v == "no" || v == "off" || v == "FALSE" || v == "False") {
        return false;
    }
    throw UsageError("bad value '" + std::string(v) + "' for " + std::string(argument.name) +
                     ": use true or false");
}

double parse_seconds(const Argument& argument, std::string_view text) {
    double value = 0;
    auto [stop, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc() || stop != text.data() + text.size() ||
        !std::isfinite(value) || value <= 0 || value > 1e9) {
        throw UsageError("bad value '" + std::string(argument.value) + "' for " +
                         std::string(argument.name) + ": use a positive number of seconds");
    }
    return value;
}

void parse_autostop(Settings& settings, const Argument& argument) {
    const auto colon = argument.value.find(':');
    const std::string_view kind = argument.value.substr(0, colon);
    const std::string_view rest =
        colon == std::string_view::npos ? std::string_view() : argument.value.substr(colon + 1);
    const Argument inner{argument.name, rest};
    if (kind == "duration") {
        settings.duration_seconds = parse_seconds(argument, rest);
    } else if (kind == "packets") {
        settings.packet_count = parse_unsigned(inner, 1, UINT64_MAX);
    } else if (kind == "filesize") {
        settings.filesize_kb = parse_unsigned(inner, 1, UINT64_MAX / 1024);
    } else {
        throw UsageError("bad value '" + std::string(argument.value) + "' for " +
                         std::string(argument.name) +
                         ": use duration:SECONDS, packets:COUNT or filesize:KB");
    }
}

// "198.18.0.0/15", or several separated by commas or spaces (the extcap passes one string).
void parse_local_networks(Settings& settings, const Argument& argument) {
    std::string_view rest = argument.value;
    bool any = false;
    while (!rest.empty()) {
        const std::size_t end = rest.find_first_of(", ");
        const std::string_view item = rest.substr(0, end);
        rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
        if (item.empty()) continue;
        auto prefix = IpPrefix::parse(item);
        if (!prefix) {
            throw UsageError("bad value '" + std::string(item) + "' for " +
                             std::string(argument.name) +
                             ": use CIDR notation, e.g. 198.18.0.0/15 or 2001:db8::/32");
        }
        settings.local_networks.push_back(*prefix);
        any = true;
    }
    if (!any && !argument.value.empty()) {
        throw UsageError("bad value '" + std::string(argument.value) + "' for " +
                         std::string(argument.name) + ": use CIDR notation, e.g. 198.18.0.0/15");
    }
}

// A power of two within [min, max]; the option names the ring or frame it sizes.
std::uint32_t parse_power_of_two(const Argument& argument, std::uint32_t min, std::uint32_t max) {
    const auto value = static_cast<std::uint32_t>(parse_unsigned(argument, min, max));
    if ((value & (value - 1)) != 0) {
        throw UsageError("bad value '" + std::string(argument.value) + "' for " +
                         std::string(argument.name) + ": use a power of two from " +
                         std::to_string(min) + " to " + std::to_string(max));
    }
    return value;
}

bool is_bool_word(std::string_view v) {
    for (std::string_view word :
         {"true", "false", "1", "0", "yes", "no", "on", "off", "TRUE", "FALSE", "True", "False"}) {
        if (v == word) return true;
    }
    return false;
}

std::string strip_extcap_prefix(std::string_view name) {
    if (!name.starts_with(kExtcapPrefix)) {
        throw UsageError("extcap interface '" + std::string(name) + "' is not one of ringdump's (" +
                         std::string(kExtcapPrefix) +
                         "<interface>); run ringdump "
                         "--extcap-interfaces to list them");
    }
    return std::string(name.substr(kExtcapPrefix.size()));
}

// Options that take a value, and flags, by every name they go by.
// clang-format off
constexpr std::string_view kWithValue[] = {
    "-i", "--interface", "-w", "--write", "-f", "--filter", "-s", "--snaplen", "-c", "--count",
    "-a", "--autostop", "-B", "--buffer-size", "--backend", "--block-size", "--block-timeout",
    "--promisc", "--log-level", "--log-file", "--local-net", "--annotations", "--max-flows",
    "--flow-memory", "--extcap-interface", "--fifo", "--extcap-capture-filter",
    "--extcap-control-in", "--extcap-control-out", "--extcap-reload-option", "--extcap-version",
    "--xdp-queues", "--xdp-mode", "--xdp-frame-size", "--xdp-fill-ring", "--xdp-rx-ring",
    "--xdp-comp-ring", "--xdp-busy-poll", "--xdp-busy-poll-budget"};
constexpr std::string_view kFlags[] = {
    "-D", "--list-interfaces", "-h", "--help", "-v", "--version", "-p", "--no-promiscuous-mode",
    "-q", "--quiet", "--no-annotations", "--extcap-interfaces", "--extcap-dlts", "--extcap-config",
    "--capture"};
// Flags that may be followed by true or false (the extcap passes booleans that way):
// "--xdp-share" alone means true, "--xdp-share false" or "--xdp-share=false" false.
constexpr std::string_view kFlagsWithOptionalValue[] = {"--xdp-take-host-traffic", "--xdp-share"};
// clang-format on

bool takes_value(std::string_view name) {
    return std::find(std::begin(kWithValue), std::end(kWithValue), name) != std::end(kWithValue);
}

bool is_flag(std::string_view name) {
    return std::find(std::begin(kFlags), std::end(kFlags), name) != std::end(kFlags);
}

bool takes_optional_value(std::string_view name) {
    return std::find(std::begin(kFlagsWithOptionalValue), std::end(kFlagsWithOptionalValue),
                     name) != std::end(kFlagsWithOptionalValue);
}

}  // namespace

bool is_extcap_capture(std::span<const std::string_view> args) {
    for (std::string_view arg : args) {
        if (arg == "--capture") return true;
    }
    return false;
}

std::string fifo_path(std::span<const std::string_view> args) {
    for (std::size_t i = 0; i < args.size(); ++i) {
        if (args[i] == "--fifo" && i + 1 < args.size()) return std::string(args[i + 1]);
        if (args[i].starts_with("--fifo=")) return std::string(args[i].substr(7));
    }
    return {};
}

Settings parse_settings(std::span<const std::string_view> args) {
    Settings settings;
    bool extcap = false;
    for (std::string_view arg : args) {
        if (arg.starts_with("--extcap-") || arg == "--capture") extcap = true;
    }
    bool want_list = false, want_help = false, want_version = false;
    bool want_interfaces = false, want_dlts = false, want_config = false, want_capture = false;
    bool have_filter_option = false;
    std::string extcap_interface;
    std::vector<std::string> filter_words;

    bool annotate_command = false;
    if (!extcap && !args.empty() && args.front() == "annotate") {
        annotate_command = true;
        args = args.subspan(1);
    }

    Reader reader(args);
    while (!reader.done()) {
        std::string_view token = reader.take();
        Argument argument{token, {}};
        bool has_inline_value = false;
        if (token.starts_with("--")) {
            if (auto equals = token.find('='); equals != std::string_view::npos) {
                argument = {token.substr(0, equals), token.substr(equals + 1)};
                has_inline_value = true;
            }
        } else if (token.size() > 2 && token[0] == '-' && takes_value(token.substr(0, 2))) {
            argument = {token.substr(0, 2), token.substr(2)};  // -ieth0, -c10
            has_inline_value = true;
        } else if (token.empty() || token[0] != '-' || token == "-") {
            if (extcap) {
                settings.ignored.emplace_back(token);
            } else {
                filter_words.emplace_back(token);  // tcpdump style: the rest is the filter
            }
            continue;
        }
        const std::string_view name = argument.name;

        if (takes_optional_value(name)) {
            if (!has_inline_value) {
                argument.value = "true";
                if (!reader.done() && is_bool_word(reader.peek())) argument.value = reader.take();
            }
            const bool value = parse_bool(argument);
            if (name == "--xdp-take-host-traffic") {
                settings.xdp.take_host_traffic = value;
            } else {
                settings.xdp.share = value;
            }
            continue;
        }
        if (!takes_value(name) && !is_flag(name)) {
            if (!extcap) {
                throw UsageError("unknown option '" + std::string(name) +
                                 "'; ringdump --help lists the options");
            }
            // A newer Wireshark or an old saved preference: ignore it, and its value if any.
            settings.ignored.emplace_back(token);
            if (!has_inline_value && reader.next_is_value()) {
                settings.ignored.emplace_back(reader.take());
            }
            continue;
        }
        if (takes_value(name) && !has_inline_value) {
            if (reader.done()) {
                throw UsageError("option " + std::string(name) + " needs a value");
            }
            argument.value = reader.take();
        } else if (is_flag(name) && has_inline_value) {
            throw UsageError("option " + std::string(name) + " takes no value");
        }

        if (name == "-D" || name == "--list-interfaces") {
            want_list = true;
        } else if (name == "-h" || name == "--help") {
            want_help = true;
        } else if (name == "-v" || name == "--version") {
            want_version = true;
        } else if (name == "-p" || name == "--no-promiscuous-mode") {
            settings.promiscuous = false;
        } else if (name == "-q" || name == "--quiet") {
            settings.quiet = true;
        } else if (name == "-i" || name == "--interface") {
            settings.interfaces.emplace_back(argument.value);
        } else if (name == "-w" || name == "--write" || name == "--fifo") {
            settings.output = std::string(argument.value);
        } else if (name == "-f" || name == "--filter" || name == "--extcap-capture-filter") {
            settings.filter = std::string(argument.value);
            have_filter_option = true;
        } else if (name == "-s" || name == "--snaplen") {
            // tcpdump's -s 0 means "the largest"; the extcap advertises 1 to the largest.
            const std::uint64_t value = parse_unsigned(argument, extcap ? 1 : 0, kMaxSnapLength);
            settings.snap_length = value == 0 ? kMaxSnapLength : static_cast<std::uint32_t>(value);
        } else if (name == "-c" || name == "--count") {
            settings.packet_count = parse_unsigned(argument, 1, UINT64_MAX);
        } else if (name == "-a" || name == "--autostop") {
            parse_autostop(settings, argument);
        } else if (name == "-B" || name == "--buffer-size") {
            settings.buffer_mib = parse_unsigned(argument, 1, defaults::kMaxBufferMib);
        } else if (name == "--block-size") {
            const std::uint64_t kib = parse_unsigned(argument, 4, 128 * 1024);
            if ((kib & (kib - 1)) != 0) {
                throw UsageError("bad value '" + std::string(argument.value) +
                                 "' for --block-size: use a power of two number of KiB, "
                                 "e.g. 1024");
            }
            settings.block_kib = static_cast<std::uint32_t>(kib);
        } else if (name == "--block-timeout") {
            settings.block_timeout_ms = static_cast<std::uint32_t>(
                parse_unsigned(argument, 1, defaults::kMaxBlockTimeoutMs));
        } else if (name == "--promisc") {
            settings.promiscuous = parse_bool(argument);
        } else if (name == "--backend") {
            auto backend = parse_backend(argument.value);
            if (!backend) {
                throw UsageError("bad value '" + std::string(argument.value) +
                                 "' for --backend: use auto, tpacket, pcap or afxdp");
            }
            settings.backend = *backend;
        } else if (name == "--xdp-queues") {
            // The extcap passes "all" from its placeholder only if the user types it.
            if (argument.value == "all" || argument.value.empty()) {
                settings.xdp.queues.clear();
            } else if (auto queues = parse_queue_list(argument.value)) {
                settings.xdp.queues = *queues;
            } else {
                throw UsageError("bad value '" + std::string(argument.value) +
                                 "' for --xdp-queues: use RX queue numbers and ranges in "
                                 "ascending order, e.g. 0,2-3, or all");
            }
        } else if (name == "--xdp-mode") {
            auto mode = parse_xdp_mode(argument.value);
            if (!mode) {
                throw UsageError("bad value '" + std::string(argument.value) +
                                 "' for --xdp-mode: use auto, native or generic");
            }
            settings.xdp.mode = *mode;
        } else if (name == "--xdp-frame-size") {
            settings.xdp.frame_size = parse_power_of_two(argument, 2048, 4096);
        } else if (name == "--xdp-fill-ring") {
            settings.xdp.fill_ring =
                parse_power_of_two(argument, defaults::kXdpMinRing, defaults::kXdpMaxRing);
        } else if (name == "--xdp-rx-ring") {
            settings.xdp.rx_ring =
                parse_power_of_two(argument, defaults::kXdpMinRing, defaults::kXdpMaxRing);
        } else if (name == "--xdp-comp-ring") {
            settings.xdp.comp_ring = parse_power_of_two(argument, 1, defaults::kXdpMaxRing);
        } else if (name == "--xdp-busy-poll") {
            settings.xdp.busy_poll_us = static_cast<std::uint32_t>(
                parse_unsigned(argument, 0, defaults::kXdpMaxBusyPollUs));
        } else if (name == "--xdp-busy-poll-budget") {
            settings.xdp.busy_poll_budget = static_cast<std::uint32_t>(
                parse_unsigned(argument, 1, defaults::kXdpMaxBusyPollBudget));
        } else if (name == "--log-level") {
            auto level = parse_log_level(argument.value);
            if (!level) {
                throw UsageError("bad value '" + std::string(argument.value) +
                                 "' for --log-level: use error, warning, info or debug");
            }
            settings.log_level = *level;
        } else if (name == "--no-annotations") {
            settings.annotate = false;
        } else if (name == "--annotations") {
            settings.annotate = parse_bool(argument);
        } else if (name == "--local-net") {
            parse_local_networks(settings, argument);
        } else if (name == "--max-flows") {
            settings.max_flows = parse_unsigned(argument, 1024, 1u << 26);
        } else if (name == "--flow-memory") {
            settings.flow_memory_mib = parse_unsigned(argument, 1, 65536);
        } else if (name == "--log-file") {
            settings.log_file = std::string(argument.value);
        } else if (name == "--extcap-interfaces") {
            want_interfaces = true;
        } else if (name == "--extcap-dlts") {
            want_dlts = true;
        } else if (name == "--extcap-config") {
            want_config = true;
        } else if (name == "--capture") {
            want_capture = true;
        } else if (name == "--extcap-interface") {
            extcap_interface = std::string(argument.value);
        } else if (name == "--extcap-version") {
            settings.extcap_version = std::string(argument.value);
        }
        // --extcap-control-in/out and --extcap-reload-option: no toolbar, nothing to reload.
    }

    if (annotate_command) {
        if (filter_words.size() != 1 || have_filter_option || !settings.interfaces.empty()) {
            throw UsageError(
                "annotate reads one capture file: ringdump annotate IN -w OUT "
                "[--local-net CIDR ...]");
        }
        settings.mode = Mode::annotate;
        settings.input = filter_words.front();
        return settings;
    }
    if (!filter_words.empty()) {
        if (have_filter_option) {
            throw UsageError(
                "give the capture filter either with -f or after the options, "
                "not both");
        }
        for (const std::string& word : filter_words) {
            if (!settings.filter.empty()) settings.filter += ' ';
            settings.filter += word;
        }
    }

    if (want_help) {
        settings.mode = Mode::help;
    } else if (want_version) {
        settings.mode = Mode::version;
    } else if (want_interfaces) {
        settings.mode = Mode::extcap_interfaces;
    } else if (want_dlts || want_config || want_capture || (have_filter_option && extcap)) {
        settings.mode = want_capture  ? Mode::extcap_capture
                        : want_dlts   ? Mode::extcap_dlts
                        : want_config ? Mode::extcap_config
                                      : Mode::extcap_filter_check;
        if (!extcap_interface.empty()) {
            settings.interfaces = {strip_extcap_prefix(extcap_interface)};
        } else if (settings.mode != Mode::extcap_config) {
            throw UsageError("--extcap-interface is missing; Wireshark always passes it");
        }
        if (settings.mode == Mode::extcap_capture && settings.output.empty()) {
            throw UsageError("--fifo is missing; Wireshark always passes it");
        }
    } else if (want_list) {
        settings.mode = Mode::list_interfaces;
    } else {
        settings.mode = Mode::capture;
        if (settings.interfaces.empty()) {
            throw UsageError("no interface given; name one with -i (ringdump -D lists them)");
        }
    }
    return settings;
}

SourceOptions source_options(const Settings& settings, const std::string& interface) {
    SourceOptions options;
    options.interface = interface;
    options.backend = settings.backend;
    options.snap_length = settings.snap_length;
    options.promiscuous = settings.promiscuous;
    options.buffer_bytes = settings.buffer_mib << 20;
    options.block_bytes = settings.block_kib << 10;
    options.block_timeout_ms = settings.block_timeout_ms;
    options.filter = settings.filter;
    options.whole_packets = settings.annotate;
    options.xdp = settings.xdp;
    return options;
}

}  // namespace ringdump::app
