// SPDX-License-Identifier: BSD-2-Clause
// The ringdump postdissector: after every other dissector, it looks in the packet's block for
// ringdump's custom option (2989, ringdump's PEN), decodes the record with the same code that
// wrote it (ringdump/annotation_format.h) and adds a "ringdump" tree. Every field is registered
// up front, so display filters (-Y, -R) and field output (-T fields) work in a single pass.
#include "dissector.h"

#include <epan/expert.h>
#include <epan/packet.h>
#include <epan/proto.h>
#include <epan/tap.h>
#include <wiretap/wtap.h>

#include <optional>
#include <string>
#include <utility>

#include "custom_options.h"
#include "ringdump/annotation_format.h"

namespace ringdump::plugin {
namespace {

namespace fmt = ringdump::annotation;

int proto_ringdump = -1;
int tap_ringdump = -1;

int hf_version = -1;
int hf_direction = -1;
int hf_kernel_direction = -1;
int hf_reception = -1;
int hf_layers = -1;
int hf_transport = -1;
int hf_stream = -1;
int hf_role = -1;
int hf_flags = -1;
int hf_flag_stream_start = -1;
int hf_flag_stream_end = -1;
int hf_flag_midstream = -1;
int hf_flag_state_lost = -1;
int hf_flag_holes_dropped = -1;
int hf_flag_truncated = -1;
int hf_flag_malformed = -1;
int hf_flag_fragment = -1;
int hf_flag_vlan = -1;
int hf_tcp_status = -1;
int hf_tcp_relative_sequence = -1;
int hf_tcp_stream_offset = -1;
int hf_tcp_gap_bytes = -1;
int hf_capture_loss_bytes = -1;

gint ett_ringdump = -1;
gint ett_flags = -1;
gint ett_tcp = -1;

expert_field ei_gap = EI_INIT;
expert_field ei_capture_loss = EI_INIT;
expert_field ei_retransmission = EI_INIT;
expert_field ei_out_of_order = EI_INIT;
expert_field ei_malformed = EI_INIT;

const value_string kDirectionNames[] = {{0, "unknown"}, {1, "up"},      {2, "down"},
                                        {3, "local"},   {4, "transit"}, {0, nullptr}};
const value_string kKernelDirectionNames[] = {
    {0, "unknown"}, {1, "inbound"}, {2, "outbound"}, {0, nullptr}};
const value_string kReceptionNames[] = {{0, "not specified"}, {1, "unicast"},     {2, "multicast"},
                                        {3, "broadcast"},     {4, "promiscuous"}, {0, nullptr}};
const value_string kLayerNames[] = {
    {0, "none"}, {1, "ARP"}, {2, "IPv4"}, {3, "IPv6"}, {0, nullptr}};
const value_string kTransportNames[] = {{0, "none"},   {1, "TCP"},   {2, "UDP"},  {3, "ICMP"},
                                        {4, "ICMPv6"}, {5, "other"}, {0, nullptr}};
const value_string kRoleNames[] = {{0, "unknown"}, {1, "client"}, {2, "server"}, {0, nullptr}};
const value_string kTcpStatusNames[] = {
    {0, "none"},         {1, "in-order"},    {2, "retransmission"}, {3, "partial-overlap"},
    {4, "out-of-order"}, {5, "hole-filled"}, {6, "keep-alive"},     {7, "window-probe"},
    {8, "ack-only"},     {9, "handshake"},   {10, "reset"},         {0, nullptr}};

// What the block of one packet holds for ringdump.
struct Found {
    bool present = false;  // an option with ringdump's PEN
    std::optional<fmt::Record> record;
    fmt::DecodeError error = fmt::DecodeError::none;
};

Found find_record(wtap_block_t block) {
    Found found;
    for_each_binary_custom_option(block,
                                  [&](std::uint32_t pen, std::span<const std::uint8_t> data) {
                                      if (pen != fmt::kPen) return true;
                                      found.present = true;
                                      found.record = fmt::decode(data, &found.error);
                                      return false;  // one record per packet
                                  });
    return found;
}

const char* decode_error_text(fmt::DecodeError error) {
    switch (error) {
        case fmt::DecodeError::too_short:
            return "too short";
        case fmt::DecodeError::unknown_version:
            return "unknown version";
        case fmt::DecodeError::bad_length:
            return "bad length";
        case fmt::DecodeError::none:
            break;
    }
    return "unreadable";
}

proto_item* add_generated(proto_item* item) {
    proto_item_set_generated(item);
    return item;
}

void add_tcp(proto_tree* tree, tvbuff_t* tvb, packet_info* pinfo, proto_item* top,
             const fmt::Record& record) {
    proto_item* tcp_item = add_generated(proto_tree_add_uint(
        tree, hf_tcp_status, tvb, 0, 0, static_cast<std::uint32_t>(record.tcp_status)));
    proto_tree* tcp = proto_item_add_subtree(tcp_item, ett_tcp);
    add_generated(
        proto_tree_add_uint(tcp, hf_tcp_relative_sequence, tvb, 0, 0, record.relative_sequence));
    add_generated(
        proto_tree_add_uint64(tcp, hf_tcp_stream_offset, tvb, 0, 0, record.stream_offset));
    proto_item* gap =
        add_generated(proto_tree_add_uint(tcp, hf_tcp_gap_bytes, tvb, 0, 0, record.gap_bytes));
    if (record.gap_bytes != 0) {
        expert_add_info_format(pinfo, gap, &ei_gap,
                               "%u bytes missing before this segment (not captured yet)",
                               record.gap_bytes);
    }
    switch (record.tcp_status) {
        case fmt::TcpStatus::retransmission:
        case fmt::TcpStatus::partial_overlap:
            expert_add_info(pinfo, tcp_item, &ei_retransmission);
            break;
        case fmt::TcpStatus::out_of_order:
        case fmt::TcpStatus::hole_filled:
            expert_add_info(pinfo, tcp_item, &ei_out_of_order);
            break;
        default:
            break;
    }
    (void)top;
}

int dissect_ringdump(tvbuff_t* tvb, packet_info* pinfo, proto_tree* tree, void*) {
    wtap_block_t block = packet_block(pinfo);
    if (block == nullptr) return 0;
    const Found found = find_record(block);
    if (!found.present) return 0;

    proto_item* top = proto_tree_add_item(tree, proto_ringdump, tvb, 0, 0, ENC_NA);
    proto_item_set_generated(top);
    proto_tree* subtree = proto_item_add_subtree(top, ett_ringdump);
    std::uint32_t epb_flags = 0;
    if (wtap_block_get_uint32_option_value(block, OPT_PKT_FLAGS, &epb_flags) ==
        WTAP_OPTTYPE_SUCCESS) {
        add_generated(
            proto_tree_add_uint(subtree, hf_kernel_direction, tvb, 0, 0, epb_flags & 0x3));
        add_generated(
            proto_tree_add_uint(subtree, hf_reception, tvb, 0, 0, (epb_flags >> 2) & 0x7));
    }
    if (!found.record) {
        expert_add_info_format(pinfo, top, &ei_malformed, "Malformed ringdump annotation (%s)",
                               decode_error_text(found.error));
        return 0;
    }
    const fmt::Record& record = *found.record;

    add_generated(proto_tree_add_uint(subtree, hf_version, tvb, 0, 0, fmt::kVersion));
    add_generated(proto_tree_add_uint(subtree, hf_direction, tvb, 0, 0,
                                      static_cast<std::uint32_t>(record.direction)));
    add_generated(proto_tree_add_uint(subtree, hf_layers, tvb, 0, 0,
                                      static_cast<std::uint32_t>(record.layers)));
    add_generated(proto_tree_add_uint(subtree, hf_transport, tvb, 0, 0,
                                      static_cast<std::uint32_t>(record.transport)));
    const bool has_stream = (record.flags & fmt::flags::kHasStream) != 0;
    if (has_stream) {
        add_generated(proto_tree_add_uint64(subtree, hf_stream, tvb, 0, 0, record.stream_id));
        add_generated(proto_tree_add_uint(subtree, hf_role, tvb, 0, 0,
                                          static_cast<std::uint32_t>(record.role)));
    }
    proto_item* flags_item =
        add_generated(proto_tree_add_uint(subtree, hf_flags, tvb, 0, 0, record.flags));
    proto_tree* flags = proto_item_add_subtree(flags_item, ett_flags);
    // Like Wireshark's analysis flags, each flag field is present only when set, so that a bare
    // `ringdump.flags.midstream` in a filter selects exactly the flagged packets.
    const std::pair<int*, std::uint16_t> flag_fields[] = {
        {&hf_flag_stream_start, fmt::flags::kStreamStart},
        {&hf_flag_stream_end, fmt::flags::kStreamEnd},
        {&hf_flag_midstream, fmt::flags::kMidstream},
        {&hf_flag_state_lost, fmt::flags::kStateLost},
        {&hf_flag_holes_dropped, fmt::flags::kHolesDropped},
        {&hf_flag_truncated, fmt::flags::kTruncated},
        {&hf_flag_malformed, fmt::flags::kMalformed},
        {&hf_flag_fragment, fmt::flags::kFragment},
        {&hf_flag_vlan, fmt::flags::kVlan}};
    for (const auto& [hf, bit] : flag_fields) {
        if (record.flags & bit) {
            add_generated(proto_tree_add_boolean(flags, *hf, tvb, 0, 0, record.flags));
        }
    }
    if (record.transport == fmt::Transport::tcp && record.tcp_status != fmt::TcpStatus::none) {
        add_tcp(subtree, tvb, pinfo, top, record);
    }
    if (record.transport == fmt::Transport::tcp) {
        proto_item* loss = add_generated(proto_tree_add_uint(subtree, hf_capture_loss_bytes, tvb, 0,
                                                             0, record.capture_loss_bytes));
        if (record.capture_loss_bytes != 0) {
            expert_add_info_format(pinfo, loss, &ei_capture_loss,
                                   "%u bytes acknowledged but not captured",
                                   record.capture_loss_bytes);
        }
    }
    proto_item_append_text(
        top, ", %s%s%s",
        val_to_str_const(static_cast<std::uint32_t>(record.direction), kDirectionNames, "?"),
        has_stream ? ", stream " : "", has_stream ? std::to_string(record.stream_id).c_str() : "");

    if (has_stream && have_tap_listener(tap_ringdump)) {
        auto* data = wmem_new0(pinfo->pool, StreamTapData);
        data->stream_id = record.stream_id;
        data->transport = static_cast<std::uint8_t>(record.transport);
        copy_address_shallow(&data->source, &pinfo->net_src);
        copy_address_shallow(&data->destination, &pinfo->net_dst);
        data->source_port = pinfo->srcport;
        data->destination_port = pinfo->destport;
        data->length = pinfo->fd->pkt_len;
        data->gap_bytes = record.gap_bytes;
        data->capture_loss_bytes = record.capture_loss_bytes;
        tap_queue_packet(tap_ringdump, pinfo, data);
    }
    return 0;
}

}  // namespace

void register_protocol() {
    static hf_register_info fields[] = {
        {&hf_version,
         {"Record version", "ringdump.version", FT_UINT8, BASE_DEC, nullptr, 0x0,
          "Version of the ringdump annotation record", HFILL}},
        {&hf_direction,
         {"Direction", "ringdump.dir", FT_UINT8, BASE_DEC, VALS(kDirectionNames), 0x0,
          "Direction relative to this host's networks: up (from a local address), "
          "down (to one), local (both), transit (neither)",
          HFILL}},
        {&hf_kernel_direction,
         {"Kernel direction", "ringdump.kernel_dir", FT_UINT32, BASE_DEC,
          VALS(kKernelDirectionNames), 0x0, "Direction relative to the interface, from epb_flags",
          HFILL}},
        {&hf_reception,
         {"Reception type", "ringdump.reception", FT_UINT32, BASE_DEC, VALS(kReceptionNames), 0x0,
          "Reception type, from epb_flags", HFILL}},
        {&hf_layers,
         {"Network layer", "ringdump.layers", FT_UINT8, BASE_DEC, VALS(kLayerNames), 0x0, nullptr,
          HFILL}},
        {&hf_transport,
         {"Transport", "ringdump.transport", FT_UINT8, BASE_DEC, VALS(kTransportNames), 0x0,
          nullptr, HFILL}},
        {&hf_stream,
         {"Stream", "ringdump.stream", FT_UINT64, BASE_DEC, nullptr, 0x0,
          "Stream id, unique within the capture, the same on every interface", HFILL}},
        {&hf_role,
         {"Sender role", "ringdump.role", FT_UINT8, BASE_DEC, VALS(kRoleNames), 0x0,
          "Role of the sender of this packet in its stream", HFILL}},
        {&hf_flags, {"Flags", "ringdump.flags", FT_UINT16, BASE_HEX, nullptr, 0x0, nullptr, HFILL}},
        {&hf_flag_stream_start,
         {"Stream start", "ringdump.flags.stream_start", FT_BOOLEAN, 16, nullptr,
          fmt::flags::kStreamStart, nullptr, HFILL}},
        {&hf_flag_stream_end,
         {"Stream end (FIN or RST)", "ringdump.flags.stream_end", FT_BOOLEAN, 16, nullptr,
          fmt::flags::kStreamEnd, nullptr, HFILL}},
        {&hf_flag_midstream,
         {"Joined mid-stream", "ringdump.flags.midstream", FT_BOOLEAN, 16, nullptr,
          fmt::flags::kMidstream, nullptr, HFILL}},
        {&hf_flag_state_lost,
         {"Tracking state lost (flow evicted)", "ringdump.flags.state_lost", FT_BOOLEAN, 16,
          nullptr, fmt::flags::kStateLost, nullptr, HFILL}},
        {&hf_flag_holes_dropped,
         {"Oldest hole forgotten", "ringdump.flags.holes_dropped", FT_BOOLEAN, 16, nullptr,
          fmt::flags::kHolesDropped, nullptr, HFILL}},
        {&hf_flag_truncated,
         {"Headers truncated", "ringdump.flags.truncated", FT_BOOLEAN, 16, nullptr,
          fmt::flags::kTruncated, nullptr, HFILL}},
        {&hf_flag_malformed,
         {"Headers malformed", "ringdump.flags.malformed", FT_BOOLEAN, 16, nullptr,
          fmt::flags::kMalformed, nullptr, HFILL}},
        {&hf_flag_fragment,
         {"IP fragment (not the first)", "ringdump.flags.fragment", FT_BOOLEAN, 16, nullptr,
          fmt::flags::kFragment, nullptr, HFILL}},
        {&hf_flag_vlan,
         {"VLAN tagged", "ringdump.flags.vlan", FT_BOOLEAN, 16, nullptr, fmt::flags::kVlan, nullptr,
          HFILL}},
        {&hf_tcp_status,
         {"TCP status", "ringdump.tcp.status", FT_UINT8, BASE_DEC, VALS(kTcpStatusNames), 0x0,
          "What this segment means for the sender's byte stream", HFILL}},
        {&hf_tcp_relative_sequence,
         {"Relative sequence number", "ringdump.tcp.rel_seq", FT_UINT32, BASE_DEC, nullptr, 0x0,
          nullptr, HFILL}},
        {&hf_tcp_stream_offset,
         {"Stream offset", "ringdump.tcp.stream_offset", FT_UINT64, BASE_DEC, nullptr, 0x0,
          "Position of the first payload byte in the sender's byte stream", HFILL}},
        {&hf_tcp_gap_bytes,
         {"Gap", "ringdump.tcp.gap_bytes", FT_UINT32, BASE_DEC, nullptr, 0x0,
          "Bytes missing right before this segment", HFILL}},
        {&hf_capture_loss_bytes,
         {"Capture loss", "ringdump.capture_loss_bytes", FT_UINT32, BASE_DEC, nullptr, 0x0,
          "Bytes this packet acknowledges that the capture never saw", HFILL}},
    };
    static gint* subtrees[] = {&ett_ringdump, &ett_flags, &ett_tcp};
    static ei_register_info expert_fields[] = {
        {&ei_gap,
         {"ringdump.tcp.gap", PI_SEQUENCE, PI_WARN, "Bytes missing before this segment", EXPFILL}},
        {&ei_capture_loss,
         {"ringdump.capture_loss", PI_SEQUENCE, PI_ERROR, "Bytes acknowledged but not captured",
          EXPFILL}},
        {&ei_retransmission,
         {"ringdump.tcp.retransmission", PI_SEQUENCE, PI_NOTE, "Retransmission: bytes seen before",
          EXPFILL}},
        {&ei_out_of_order,
         {"ringdump.tcp.out_of_order", PI_SEQUENCE, PI_NOTE,
          "Out of order: ahead of a hole, or filling one", EXPFILL}},
        {&ei_malformed,
         {"ringdump.malformed", PI_MALFORMED, PI_ERROR, "Malformed ringdump annotation", EXPFILL}},
    };

    proto_ringdump = proto_register_protocol("ringdump annotations", "ringdump", "ringdump");
    proto_register_field_array(proto_ringdump, fields, array_length(fields));
    proto_register_subtree_array(subtrees, array_length(subtrees));
    expert_module_t* expert = expert_register_protocol(proto_ringdump);
    expert_register_field_array(expert, expert_fields, array_length(expert_fields));
    tap_ringdump = register_tap("ringdump");
    register_stream_table();
}

void register_handoff() {
    register_postdissector(create_dissector_handle(dissect_ringdump, proto_ringdump));
}

}  // namespace ringdump::plugin
