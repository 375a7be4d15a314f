// SPDX-License-Identifier: BSD-2-Clause
// Reading binary custom options (2989) of a packet's block across Wireshark versions. The only
// place that touches the option structures: Wireshark 4.6 changed them.
//
//   4.0 - 4.4: option type WTAP_OPTTYPE_CUSTOM, value custom_opt.{pen, data.generic_data}
//              (4.0 and 4.4 checked against their headers; 4.0 built and tested here)
//   4.6 -    : option type WTAP_OPTTYPE_CUSTOM_BINARY, value custom_binaryval.{pen, data}
//              (from Wireshark's master headers; not compiled here)
#pragma once

#include <cstdint>
#include <span>

#include <epan/packet.h>
#include <wiretap/wtap.h>
#include <wiretap/wtap_opttypes.h>
#include <ws_version.h>

namespace ringdump::plugin {

#define RINGDUMP_WS_VERSION (WIRESHARK_VERSION_MAJOR * 100 + WIRESHARK_VERSION_MINOR)

// The block with this packet's options: the user's edited copy when there is one (comments
// edited in the GUI), as the frame dissector does.
inline wtap_block_t packet_block(packet_info* pinfo) {
    if (pinfo->rec == nullptr || pinfo->rec->rec_type != REC_TYPE_PACKET) return nullptr;
    if (pinfo->fd->has_modified_block) return epan_get_modified_block(pinfo->epan, pinfo->fd);
    return pinfo->rec->block;
}

// Calls visit(pen, bytes) for every binary custom option of block until it returns false.
template <typename Visit>
void for_each_binary_custom_option(wtap_block_t block, Visit visit) {
    struct Context {
        Visit* visit;
    } context{&visit};
    auto callback = [](wtap_block_t, guint option_id, wtap_opttype_e type, wtap_optval_t* option,
                       void* user_data) -> gboolean {
        auto* ctx = static_cast<Context*>(user_data);
#if RINGDUMP_WS_VERSION >= 406
        if (type != WTAP_OPTTYPE_CUSTOM_BINARY) return TRUE;
        const auto& custom = option->custom_binaryval;
        const auto* data = reinterpret_cast<const std::uint8_t*>(custom.data.custom_data);
        const std::size_t length = custom.data.custom_data_len;
#else
        if (type != WTAP_OPTTYPE_CUSTOM) return TRUE;
        // 2988/19372 are the string kinds; 2989/19373 the binary ones.
        if (option_id != OPT_CUSTOM_BIN_COPY && option_id != OPT_CUSTOM_BIN_NO_COPY) return TRUE;
        const auto& custom = option->custom_opt;
        if (custom.pen == PEN_NFLX) return TRUE;  // stored in its own form
        const auto* data =
            reinterpret_cast<const std::uint8_t*>(custom.data.generic_data.custom_data);
        const std::size_t length = custom.data.generic_data.custom_data_len;
#endif
        if (data == nullptr && length != 0) return TRUE;
        return (*ctx->visit)(custom.pen, std::span<const std::uint8_t>(data, length)) ? TRUE
                                                                                      : FALSE;
    };
    wtap_block_foreach_option(block, callback, &context);
}

}  // namespace ringdump::plugin
