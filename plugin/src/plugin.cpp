// SPDX-License-Identifier: BSD-2-Clause
// The symbols Wireshark's plugin loader looks for (wsutil/plugins.c). In C++ each definition
// needs its own extern "C": inside an extern "C" { } block a namespace-scope const has internal
// linkage, the visibility attribute is ignored and the loader rejects the plugin.
#include <epan/packet.h>
#include <epan/proto.h>
#include <ws_version.h>

#include "dissector.h"

#ifndef PLUGIN_VERSION
#define PLUGIN_VERSION "0.0.0"
#endif

extern "C" WS_DLL_PUBLIC_DEF const gchar plugin_version[] = PLUGIN_VERSION;
extern "C" WS_DLL_PUBLIC_DEF const int plugin_want_major = WIRESHARK_VERSION_MAJOR;
extern "C" WS_DLL_PUBLIC_DEF const int plugin_want_minor = WIRESHARK_VERSION_MINOR;
extern "C" WS_DLL_PUBLIC_DEF void plugin_register(void);

#ifdef WS_PLUGIN_DESC_DISSECTOR  // 4.4 and later describe what a plugin is
extern "C" WS_DLL_PUBLIC_DEF uint32_t plugin_describe(void);
uint32_t plugin_describe(void) {
    return WS_PLUGIN_DESC_DISSECTOR;
}
#endif

void plugin_register(void) {
    static proto_plugin plugin;
    plugin.register_protoinfo = ringdump::plugin::register_protocol;
    plugin.register_handoff = ringdump::plugin::register_handoff;
    proto_register_plugin(&plugin);
}
