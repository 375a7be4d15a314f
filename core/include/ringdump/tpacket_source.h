// SPDX-License-Identifier: BSD-2-Clause
// AF_PACKET capture with a TPACKET_V3 memory-mapped ring.
//
// The ring doubles as the burst buffer: while the consumer is busy (or blocked on a slow
// reader such as Wireshark's dumpcap), the kernel keeps filling free blocks, and only drops,
// counting every drop, once all of them are full.
#pragma once

#include <memory>

#include "ringdump/source.h"

namespace ringdump {

std::unique_ptr<Source> open_tpacket_source(const SourceOptions& options);

}  // namespace ringdump
