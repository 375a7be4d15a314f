// SPDX-License-Identifier: BSD-2-Clause
#include "log.h"

#include <cerrno>
#include <cstdio>
#include <ctime>

#include "ringdump/error.h"

namespace ringdump::app {
namespace {

LogLevel g_level = LogLevel::warning;
FILE* g_stream = nullptr;

}  // namespace

std::optional<LogLevel> parse_log_level(std::string_view name) {
    if (name == "error") return LogLevel::error;
    if (name == "warning") return LogLevel::warning;
    if (name == "info") return LogLevel::info;
    if (name == "debug") return LogLevel::debug;
    return std::nullopt;
}

std::string_view log_level_name(LogLevel level) {
    switch (level) {
        case LogLevel::error:
            return "error";
        case LogLevel::warning:
            return "warning";
        case LogLevel::info:
            return "info";
        case LogLevel::debug:
            return "debug";
    }
    return "warning";
}

std::optional<std::string> configure_log(LogLevel level, const std::string& path, bool use_stderr) {
    g_level = level;
    if (g_stream != nullptr && g_stream != stderr) std::fclose(g_stream);
    g_stream = nullptr;
    if (!path.empty()) {
        g_stream = std::fopen(path.c_str(), "ae");
        if (g_stream == nullptr) {
            return path + ": cannot open the log file: " + errno_text(errno) +
                   "; choose a writable path";
        }
        std::setvbuf(g_stream, nullptr, _IOLBF, 0);
    } else if (use_stderr) {
        g_stream = stderr;
    }
    return std::nullopt;
}

void log(LogLevel level, std::string_view message) {
    if (g_stream == nullptr || level > g_level) return;
    if (g_stream == stderr) {
        std::fprintf(g_stream, "ringdump: %.*s\n", static_cast<int>(message.size()),
                     message.data());
        return;
    }
    char stamp[32] = {};
    const std::time_t now = std::time(nullptr);
    struct tm local {};
    ::localtime_r(&now, &local);
    std::strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M:%S", &local);
    std::fprintf(g_stream, "%s %-7s %.*s\n", stamp, log_level_name(level).data(),
                 static_cast<int>(message.size()), message.data());
}

}  // namespace ringdump::app
