// SPDX-License-Identifier: BSD-2-Clause
// Facts about the running system for pcapng headers and error messages.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace ringdump {

std::string os_description();        // "Linux 6.1.0-18-amd64"
std::string hardware_description();  // "x86_64, Intel(R) Xeon(R) ..."
// MemAvailable from /proc/meminfo, in bytes.
std::optional<std::uint64_t> memory_available_bytes();
// CLOCK_REALTIME in nanoseconds since the Unix epoch.
std::uint64_t realtime_ns();

}  // namespace ringdump
