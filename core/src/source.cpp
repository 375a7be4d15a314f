// SPDX-License-Identifier: BSD-2-Clause
#include "ringdump/source.h"

#include <charconv>

#include "ringdump/afxdp_source.h"
#include "ringdump/interfaces.h"
#include "ringdump/pcap_source.h"
#include "ringdump/tpacket_source.h"

namespace ringdump {

std::optional<Backend> parse_backend(std::string_view name) {
    if (name == "auto") return Backend::automatic;
    if (name == "tpacket") return Backend::tpacket;
    if (name == "pcap") return Backend::pcap;
    if (name == "afxdp") return Backend::afxdp;
    return std::nullopt;
}

std::string_view backend_name(Backend backend) {
    switch (backend) {
        case Backend::automatic:
            return "auto";
        case Backend::tpacket:
            return "tpacket";
        case Backend::pcap:
            return "pcap";
        case Backend::afxdp:
            return "afxdp";
    }
    return "auto";
}

std::optional<XdpMode> parse_xdp_mode(std::string_view name) {
    if (name == "auto") return XdpMode::automatic;
    if (name == "native") return XdpMode::native;
    if (name == "generic") return XdpMode::generic;
    return std::nullopt;
}

std::string_view xdp_mode_name(XdpMode mode) {
    switch (mode) {
        case XdpMode::automatic:
            return "auto";
        case XdpMode::native:
            return "native";
        case XdpMode::generic:
            return "generic";
    }
    return "auto";
}

std::optional<std::vector<std::uint32_t>> parse_queue_list(std::string_view text) {
    constexpr std::uint32_t kMaxQueue = 65535;
    std::vector<std::uint32_t> queues;
    auto number = [](std::string_view digits) -> std::optional<std::uint32_t> {
        std::uint32_t value = 0;
        const char* end = digits.data() + digits.size();
        auto [stop, ec] = std::from_chars(digits.data(), end, value);
        if (digits.empty() || ec != std::errc() || stop != end || value > kMaxQueue) {
            return std::nullopt;
        }
        return value;
    };
    if (text.empty()) return std::nullopt;
    while (true) {
        const std::size_t comma = text.find(',');
        const std::string_view item = text.substr(0, comma);
        const std::size_t dash = item.find('-');
        const auto first = number(item.substr(0, dash));
        const auto last = dash == std::string_view::npos ? first : number(item.substr(dash + 1));
        if (!first || !last || *last < *first) return std::nullopt;
        if (!queues.empty() && *first <= queues.back()) return std::nullopt;  // ascending only
        for (std::uint32_t q = *first; q <= *last; ++q)
            queues.push_back(q);
        if (comma == std::string_view::npos) break;
        text = text.substr(comma + 1);
    }
    return queues;
}

std::string queue_list_text(const std::vector<std::uint32_t>& queues) {
    std::string text;
    for (std::size_t i = 0; i < queues.size();) {
        std::size_t j = i;
        while (j + 1 < queues.size() && queues[j + 1] == queues[j] + 1)
            ++j;
        if (!text.empty()) text += ',';
        text += std::to_string(queues[i]);
        if (j > i) text += '-' + std::to_string(queues[j]);
        i = j + 1;
    }
    return text;
}

std::unique_ptr<Source> open_source(const SourceOptions& options) {
    Backend backend = options.backend;
    if (backend == Backend::automatic) {
        // "any" and device types without a TPACKET_V3 mapping go to libpcap, which knows them.
        // AF_XDP is never chosen automatically (docs/afxdp.md explains why).
        backend = Backend::tpacket;
        if (options.interface == "any") {
            backend = Backend::pcap;
        } else if (auto info = find_interface(options.interface); info && info->link_type() == 0) {
            backend = Backend::pcap;
        }
    }
    switch (backend) {
        case Backend::pcap:
            return open_pcap_source(options);
        case Backend::afxdp:
            return open_afxdp_source(options);
        case Backend::automatic:
        case Backend::tpacket:
            break;
    }
    return open_tpacket_source(options);
}

}  // namespace ringdump
