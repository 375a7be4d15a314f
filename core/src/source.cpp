// SPDX-License-Identifier: BSD-2-Clause
#include "ringdump/source.h"

#include "ringdump/interfaces.h"
#include "ringdump/pcap_source.h"
#include "ringdump/tpacket_source.h"

namespace ringdump {

std::optional<Backend> parse_backend(std::string_view name) {
    if (name == "auto") return Backend::automatic;
    if (name == "tpacket") return Backend::tpacket;
    if (name == "pcap") return Backend::pcap;
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
    }
    return "auto";
}

std::unique_ptr<Source> open_source(const SourceOptions& options) {
    Backend backend = options.backend;
    if (backend == Backend::automatic) {
        // "any" and device types without a TPACKET_V3 mapping go to libpcap, which knows them.
        backend = Backend::tpacket;
        if (options.interface == "any") {
            backend = Backend::pcap;
        } else if (auto info = find_interface(options.interface); info && info->link_type() == 0) {
            backend = Backend::pcap;
        }
    }
    return backend == Backend::pcap ? open_pcap_source(options) : open_tpacket_source(options);
}

}  // namespace ringdump
