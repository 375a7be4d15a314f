// SPDX-License-Identifier: BSD-2-Clause
// Diagnostics. In extcap mode anything on stderr becomes an error dialog in Wireshark, so logs
// go only to the file named by --log-file; standalone, they go to stderr.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace ringdump::app {

enum class LogLevel { error, warning, info, debug };

std::optional<LogLevel> parse_log_level(std::string_view name);
std::string_view log_level_name(LogLevel level);

// Sends messages at or above level to path (appending), to stderr when path is empty and
// use_stderr is set, or nowhere. Returns an error text when the file cannot be opened.
std::optional<std::string> configure_log(LogLevel level, const std::string& path, bool use_stderr);

void log(LogLevel level, std::string_view message);

}  // namespace ringdump::app
