// SPDX-License-Identifier: BSD-2-Clause
// The sentences ringdump prints for Wireshark's extcap queries (grammar: extcap_parser.c of
// Wireshark 4.0; see docs/extcap.md). Pure functions of their inputs, so tests compare them
// with golden text.
#pragma once

#include <string>
#include <vector>

#include "ringdump/interfaces.h"

namespace ringdump::app {

// --extcap-interfaces: the tool line, then one interface line per capturable interface.
std::string extcap_interfaces_text(const std::vector<InterfaceInfo>& interfaces);

// --extcap-dlts: the link type frames of this interface will have.
std::string extcap_dlts_text(std::uint16_t link_type);

// --extcap-config: the options, grouped, with the defaults ringdump applies itself.
std::string extcap_config_text();

// True if the name can be announced: the extcap grammar has no escapes, so a name holding
// '{' or '}' would break the sentence.
bool announceable(const std::string& interface_name);

}  // namespace ringdump::app
