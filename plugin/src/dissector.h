// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <cstdint>

#include <epan/address.h>

namespace ringdump::plugin {

void register_protocol();
void register_handoff();

// What the dissector hands the streams table for each annotated packet of a stream.
struct StreamTapData {
    std::uint64_t stream_id;
    std::uint8_t transport;  // annotation::Transport
    address source;
    address destination;
    std::uint32_t source_port;
    std::uint32_t destination_port;
    std::uint32_t length;  // frame length on the wire
    std::uint32_t gap_bytes;
    std::uint32_t capture_loss_bytes;
};

// Defined in stream_table.cpp.
void register_stream_table();

}  // namespace ringdump::plugin
