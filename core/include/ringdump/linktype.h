// SPDX-License-Identifier: BSD-2-Clause
// Link-layer header types (the LINKTYPE_* values written in pcap and pcapng files).
#pragma once

#include <cstdint>
#include <string_view>

namespace ringdump {

inline constexpr std::uint16_t kLinktypeEthernet = 1;
inline constexpr std::uint16_t kLinktypeRaw = 101;

// LINKTYPE for frames an AF_PACKET SOCK_RAW socket returns on a device of this ARPHRD_* type,
// or 0 when ringdump's own backends do not handle the type (libpcap does; see pcap_source.h).
std::uint16_t linktype_for_arphrd(std::uint16_t arphrd);

// LINKTYPE for a libpcap DLT_* value (the two differ for a few historical types).
std::uint16_t linktype_for_dlt(int dlt);

// libpcap's DLT for a LINKTYPE, for compiling filters with pcap_open_dead.
int dlt_for_linktype(std::uint16_t linktype);

// Short name ("EN10MB", "RAW") and description ("Ethernet", "Raw IP"), as tcpdump and the
// extcap dlt sentence use them.
std::string_view linktype_name(std::uint16_t linktype);
std::string_view linktype_description(std::uint16_t linktype);

}  // namespace ringdump
