// SPDX-License-Identifier: BSD-2-Clause
// libFuzzer target for the command-line parser: the input is split at NUL bytes into argv. Every
// outcome must be Settings or UsageError; anything else (a crash, another exception, a sanitizer
// report) is a bug. The first byte picks extcap mode, so both faces get exercised.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "settings.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    std::vector<std::string> storage;
    if (data[0] & 1) storage.emplace_back("--capture");
    std::string current;
    for (std::size_t i = 1; i < size; ++i) {
        if (data[i] == 0) {
            storage.push_back(current);
            current.clear();
        } else {
            current.push_back(static_cast<char>(data[i]));
        }
    }
    storage.push_back(current);
    std::vector<std::string_view> args(storage.begin(), storage.end());
    try {
        const ringdump::app::Settings settings = ringdump::app::parse_settings(args);
        (void)ringdump::app::source_options(
            settings, settings.interfaces.empty() ? std::string() : settings.interfaces.front());
    } catch (const ringdump::app::UsageError&) {
    }
    (void)ringdump::app::fifo_path(args);
    return 0;
}
