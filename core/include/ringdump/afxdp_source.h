// SPDX-License-Identifier: BSD-2-Clause
// AF_XDP capture: an XDP program (core/bpf/afxdp_redirect.bpf.c, embedded) redirects every frame
// that arrives on the interface's RX queues to an AF_XDP socket per queue, each with its own
// UMEM. Packets are handed out as views into the UMEM and the frames go back to the fill ring
// on release(). See docs/afxdp.md for what this takes away from the host and why the
// automatic backend never chooses it.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ringdump/interfaces.h"
#include "ringdump/source.h"

namespace ringdump {

// Opens the AF_XDP source, or throws Error with a one-line message (foreign XDP program, an
// interface the host uses without take_host_traffic, a kernel or driver that refuses, ...).
std::unique_ptr<Source> open_afxdp_source(const SourceOptions& options);

// False when ringdump was built without AF_XDP support (no clang, libbpf or libxdp at build
// time); open_afxdp_source then always throws.
bool afxdp_available();

// The number of RX queues of the interface: ETHTOOL_GCHANNELS (rx + combined channels),
// else the rx-N entries of /sys/class/net/NAME/queues when sysfs shows this network namespace,
// else 1. Asks in the calling thread's network namespace.
std::uint32_t rx_queue_count(const std::string& interface);

// Why an XDP redirect on this interface would take traffic away from the host: its addresses,
// its master (bridge, bond), VLAN/macvlan/ipvlan devices on top of it. Empty when none (a
// mirror port or a TAP port that nothing else uses). Asks rtnetlink in the calling thread's
// network namespace.
std::vector<std::string> host_traffic_users(const InterfaceInfo& info);

}  // namespace ringdump
