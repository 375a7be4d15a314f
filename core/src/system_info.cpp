// SPDX-License-Identifier: BSD-2-Clause
#include "ringdump/system_info.h"

#include <sys/utsname.h>
#include <time.h>

#include <fstream>
#include <string>

namespace ringdump {

std::string os_description() {
    struct utsname names {};
    if (::uname(&names) != 0) return "Linux";
    return std::string(names.sysname) + " " + names.release;
}

std::string hardware_description() {
    struct utsname names {};
    std::string machine = ::uname(&names) == 0 ? names.machine : "";
    std::ifstream cpuinfo("/proc/cpuinfo");
    std::string line;
    while (std::getline(cpuinfo, line)) {
        if (line.rfind("model name", 0) == 0) {
            auto colon = line.find(':');
            if (colon != std::string::npos && colon + 2 <= line.size()) {
                return machine + ", " + line.substr(colon + 2);
            }
        }
    }
    return machine;
}

std::optional<std::uint64_t> memory_available_bytes() {
    std::ifstream meminfo("/proc/meminfo");
    std::string key;
    std::uint64_t kib = 0;
    std::string unit;
    while (meminfo >> key >> kib >> unit) {
        if (key == "MemAvailable:") return kib * 1024;
    }
    return std::nullopt;
}

std::uint64_t realtime_ns() {
    struct timespec now {};
    ::clock_gettime(CLOCK_REALTIME, &now);
    return static_cast<std::uint64_t>(now.tv_sec) * 1000000000ull +
           static_cast<std::uint64_t>(now.tv_nsec);
}

}  // namespace ringdump
