// SPDX-License-Identifier: BSD-2-Clause
// libpcap capture: the portable fallback for device types the TPACKET_V3 backend does not
// handle (and the "any" pseudo-interface). libpcap reuses its buffer on every call, so this
// backend copies each packet once into a batch arena; it also cannot report per-packet
// direction.
#pragma once

#include <memory>

#include "ringdump/source.h"

namespace ringdump {

std::unique_ptr<Source> open_pcap_source(const SourceOptions& options);

}  // namespace ringdump
