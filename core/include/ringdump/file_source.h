// SPDX-License-Identifier: BSD-2-Clause
// Packets from a capture file (pcap or pcapng, read by libpcap), for offline annotation. libpcap
// reads one link type per file and does not expose pcapng interface ids or options, so the
// file becomes one interface; packets are copied once into a batch arena.
#pragma once

#include <memory>
#include <string>

#include "ringdump/source.h"

namespace ringdump {

// Throws Error naming the path when libpcap cannot read it.
std::unique_ptr<Source> open_file_source(const std::string& path);

}  // namespace ringdump
