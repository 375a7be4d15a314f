// SPDX-License-Identifier: BSD-2-Clause
// Command-line settings for both faces of the executable: the Wireshark extcap protocol and the
// standalone dumpcap/tcpdump-shaped capture command. Both apply the same defaults, which are the
// ones --extcap-config advertises.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "log.h"
#include "ringdump/ip_prefix.h"
#include "ringdump/source.h"

namespace ringdump::app {

inline constexpr std::string_view kExtcapPrefix = "ringdump-";

enum class Mode {
    capture,              // standalone capture (-i ... -w ...)
    annotate,             // ringdump annotate IN -w OUT
    list_interfaces,      // -D
    help,                 // --help
    version,              // --version
    extcap_interfaces,    // --extcap-interfaces
    extcap_dlts,          // --extcap-dlts --extcap-interface X
    extcap_config,        // --extcap-config [--extcap-interface X]
    extcap_filter_check,  // --extcap-capture-filter F --extcap-interface X (no --capture)
    extcap_capture,       // --capture --extcap-interface X --fifo PATH
};

// A malformed command line. The message names the option and what would be accepted.
class UsageError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

namespace defaults {
inline constexpr std::uint32_t kSnapLength = kMaxSnapLength;
inline constexpr bool kPromiscuous = true;
inline constexpr std::uint64_t kBufferMib = 128;
inline constexpr std::uint64_t kMaxBufferMib = 65536;
inline constexpr std::uint32_t kBlockKib = 1024;
inline constexpr std::uint32_t kBlockTimeoutMs = 10;
inline constexpr std::uint32_t kMaxBlockTimeoutMs = 10000;
inline constexpr bool kAnnotate = true;
inline constexpr std::uint64_t kMaxFlows = 262144;
inline constexpr std::uint64_t kFlowMemoryMib = 256;
// AF_XDP (the values of XdpOptions' initialisers)
inline constexpr std::uint32_t kXdpFrameSize = XdpOptions{}.frame_size;
inline constexpr std::uint32_t kXdpFillRing = XdpOptions{}.fill_ring;
inline constexpr std::uint32_t kXdpRxRing = XdpOptions{}.rx_ring;
inline constexpr std::uint32_t kXdpCompRing = XdpOptions{}.comp_ring;
inline constexpr std::uint32_t kXdpMinRing = 64;
inline constexpr std::uint32_t kXdpMaxRing = 262144;
inline constexpr std::uint32_t kXdpBusyPollUs = XdpOptions{}.busy_poll_us;
inline constexpr std::uint32_t kXdpMaxBusyPollUs = 1000000;
inline constexpr std::uint32_t kXdpBusyPollBudget = XdpOptions{}.busy_poll_budget;
inline constexpr std::uint32_t kXdpMaxBusyPollBudget = 65535;
}  // namespace defaults

struct Settings {
    Mode mode = Mode::capture;

    std::vector<std::string> interfaces;  // Linux interface names
    std::string output;                   // -w FILE, "-" or the extcap FIFO; empty = stdout
    std::string filter;
    Backend backend = Backend::automatic;
    std::uint32_t snap_length = defaults::kSnapLength;
    bool promiscuous = defaults::kPromiscuous;
    std::uint64_t buffer_mib = defaults::kBufferMib;
    std::uint32_t block_kib = defaults::kBlockKib;
    std::uint32_t block_timeout_ms = defaults::kBlockTimeoutMs;
    XdpOptions xdp;  // --xdp-* (the AF_XDP backend)

    bool annotate = defaults::kAnnotate;   // --no-annotations / --annotations false
    std::vector<IpPrefix> local_networks;  // --local-net; empty = the interfaces' own prefixes
    std::uint64_t max_flows = defaults::kMaxFlows;
    std::uint64_t flow_memory_mib = defaults::kFlowMemoryMib;
    std::string input;  // annotate: the capture file to read

    std::optional<std::uint64_t> packet_count;  // -c, -a packets:N
    std::optional<double> duration_seconds;     // -a duration:SEC
    std::optional<std::uint64_t> filesize_kb;   // -a filesize:KB
    bool quiet = false;

    LogLevel log_level = LogLevel::warning;
    std::string log_file;

    std::string extcap_version;        // from --extcap-version=X.Y
    std::vector<std::string> ignored;  // extcap arguments this version does not know
};

// Parses argv (without argv[0]). Throws UsageError.
Settings parse_settings(std::span<const std::string_view> args);

// True when the arguments ask for an extcap capture; the FIFO path then comes from fifo_path
// before anything else is parsed, so that errors can be reported through Wireshark.
bool is_extcap_capture(std::span<const std::string_view> args);
std::string fifo_path(std::span<const std::string_view> args);

// The SourceOptions for one interface of these settings.
SourceOptions source_options(const Settings& settings, const std::string& interface);

}  // namespace ringdump::app
