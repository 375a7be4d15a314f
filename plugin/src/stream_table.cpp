// SPDX-License-Identifier: BSD-2-Clause
// "ringdump Streams": one row per stream with its endpoints, packets and bytes each way, gaps and
// capture loss. Registered as a statistics table, which tshark offers as -z ringdump,streams and
// the Qt GUI lists in its Statistics menu.
//
// Endpoint A is the source of the first packet of the stream in the file.
#include <epan/address.h>
#include <epan/stat_tap_ui.h>
#include <epan/tap.h>
#include <epan/to_str.h>

#include <cstring>
#include <map>
#include <string>
#include <unordered_map>

#include "dissector.h"
#include "ringdump/annotation_format.h"

namespace ringdump::plugin {
namespace {

enum Column : guint {
    kStream,
    kTransport,
    kEndpointA,
    kEndpointB,
    kPacketsAB,
    kBytesAB,
    kPacketsBA,
    kBytesBA,
    kGaps,
    kGapBytes,
    kCaptureLossBytes,
    kColumns
};

stat_tap_table_item kFields[kColumns] = {
    {TABLE_ITEM_UINT, TAP_ALIGN_RIGHT, "Stream", "%u"},
    {TABLE_ITEM_STRING, TAP_ALIGN_LEFT, "Transport", "%s"},
    {TABLE_ITEM_STRING, TAP_ALIGN_LEFT, "Endpoint A", "%s"},
    {TABLE_ITEM_STRING, TAP_ALIGN_LEFT, "Endpoint B", "%s"},
    {TABLE_ITEM_UINT, TAP_ALIGN_RIGHT, "Packets A->B", "%u"},
    {TABLE_ITEM_UINT, TAP_ALIGN_RIGHT, "Bytes A->B", "%u"},
    {TABLE_ITEM_UINT, TAP_ALIGN_RIGHT, "Packets B->A", "%u"},
    {TABLE_ITEM_UINT, TAP_ALIGN_RIGHT, "Bytes B->A", "%u"},
    {TABLE_ITEM_UINT, TAP_ALIGN_RIGHT, "Gaps", "%u"},
    {TABLE_ITEM_UINT, TAP_ALIGN_RIGHT, "Gap bytes", "%u"},
    {TABLE_ITEM_UINT, TAP_ALIGN_RIGHT, "Capture loss bytes", "%u"},
};

constexpr const char* kTitle = "ringdump Streams";

// Row of each stream id, per table (a capture file may be reloaded: reset clears it).
std::map<const stat_tap_table*, std::unordered_map<std::uint64_t, guint>> g_rows;

std::string endpoint(const address& host, std::uint32_t port) {
    char* text = address_to_str(nullptr, &host);
    std::string result = text != nullptr ? text : "?";
    wmem_free(nullptr, text);
    if (port != 0) {
        result = (host.type == AT_IPv6 ? "[" + result + "]" : result) + ":" + std::to_string(port);
    }
    return result;
}

const char* transport_name(std::uint8_t transport) {
    switch (static_cast<annotation::Transport>(transport)) {
        case annotation::Transport::tcp:
            return "TCP";
        case annotation::Transport::udp:
            return "UDP";
        default:
            return "other";
    }
}

void add_to(stat_tap_table* table, guint row, guint column, guint amount) {
    stat_tap_table_item_type* item = stat_tap_get_field_data(table, row, column);
    item->value.uint_value += amount;
    stat_tap_set_field_data(table, row, column, item);
}

void init_table(stat_tap_table_ui* ui) {
    if (stat_tap_table* existing = stat_tap_find_table(ui, kTitle)) {
        if (ui->stat_tap_reset_table_cb != nullptr) ui->stat_tap_reset_table_cb(existing);
        return;
    }
    stat_tap_table* table = stat_tap_init_table(kTitle, kColumns, 0, nullptr);
    stat_tap_add_table(ui, table);
}

tap_packet_status add_packet(void* tapdata, packet_info*, epan_dissect_t*, const void* data,
                             tap_flags_t) {
    auto* stat = static_cast<stat_data_t*>(tapdata);
    if (stat->stat_tap_data->tables->len == 0) return TAP_PACKET_DONT_REDRAW;
    stat_tap_table* table = g_array_index(stat->stat_tap_data->tables, stat_tap_table*, 0);
    const auto* packet = static_cast<const StreamTapData*>(data);
    const std::string source = endpoint(packet->source, packet->source_port);

    auto& rows = g_rows[table];
    auto found = rows.find(packet->stream_id);
    guint row;
    if (found == rows.end()) {
        row = table->num_elements;
        stat_tap_table_item_type items[kColumns] = {};
        for (guint c = 0; c < kColumns; ++c)
            items[c].type = kFields[c].type;
        items[kStream].value.uint_value = static_cast<guint>(packet->stream_id);
        items[kTransport].value.string_value = g_strdup(transport_name(packet->transport));
        items[kEndpointA].value.string_value = g_strdup(source.c_str());
        items[kEndpointB].value.string_value =
            g_strdup(endpoint(packet->destination, packet->destination_port).c_str());
        stat_tap_init_table_row(table, row, kColumns, items);
        rows.emplace(packet->stream_id, row);
    } else {
        row = found->second;
    }
    const char* endpoint_a = stat_tap_get_field_data(table, row, kEndpointA)->value.string_value;
    const bool a_to_b = endpoint_a != nullptr && source == endpoint_a;
    add_to(table, row, a_to_b ? kPacketsAB : kPacketsBA, 1);
    add_to(table, row, a_to_b ? kBytesAB : kBytesBA, packet->length);
    if (packet->gap_bytes != 0) {
        add_to(table, row, kGaps, 1);
        add_to(table, row, kGapBytes, packet->gap_bytes);
    }
    add_to(table, row, kCaptureLossBytes, packet->capture_loss_bytes);
    return TAP_PACKET_REDRAW;
}

void reset_table(stat_tap_table* table) {
    for (guint row = 0; row < table->num_elements; ++row) {
        for (guint column :
             {kPacketsAB, kBytesAB, kPacketsBA, kBytesBA, kGaps, kGapBytes, kCaptureLossBytes}) {
            stat_tap_table_item_type* item = stat_tap_get_field_data(table, row, column);
            item->value.uint_value = 0;
            stat_tap_set_field_data(table, row, column, item);
        }
    }
}

void free_item(stat_tap_table* table, guint, guint column, stat_tap_table_item_type* item) {
    if (column == kTransport || column == kEndpointA || column == kEndpointB) {
        g_free(const_cast<char*>(item->value.string_value));
        item->value.string_value = nullptr;
    }
    g_rows.erase(table);
}

}  // namespace

void register_stream_table() {
    static stat_tap_table_ui ui = {REGISTER_STAT_GROUP_CONVERSATION_LIST,
                                   kTitle,
                                   "ringdump",
                                   "ringdump,streams",
                                   init_table,
                                   add_packet,
                                   reset_table,
                                   free_item,
                                   nullptr,
                                   kColumns,
                                   kFields,
                                   0,
                                   nullptr,
                                   nullptr,
                                   0};
    register_stat_tap_table_ui(&ui);
}

}  // namespace ringdump::plugin
