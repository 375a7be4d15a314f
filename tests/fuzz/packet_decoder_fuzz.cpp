// SPDX-License-Identifier: BSD-2-Clause
// libFuzzer target for the header decoder. The first byte chooses the capture: bit 0 the link
// type (Ethernet or raw IP), bit 1 a VLAN tag the kernel stripped (TCI from the same byte), bits
// 2..7 how much longer than the captured bytes the packet was on the wire (0 or up to 63 * 1024
// bytes: snap lengths and GSO super-packets). The rest is the frame, copied into a heap buffer of
// exactly its size so AddressSanitizer sees any read past it.
//
// Beyond not crashing, the contract of packet_decoder.h must hold for every input, and a decode
// that was not truncated must not change when more bytes are captured.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "ringdump/linktype.h"
#include "ringdump/packet.h"
#include "ringdump/packet_decoder.h"

namespace {

using namespace ringdump;
using namespace ringdump::decode_flags;

void check(bool condition) {
    if (!condition) std::abort();
}

void check_invariants(const DecodedPacket& p, const PacketView& view, std::uint16_t link_type) {
    const bool stripped_tag = view.vlan_tpid != 0;
    const bool ip = p.is_ip();
    check(!p.has_ports() || ip);
    check(p.transport == Transport::none || ip);
    check(!((p.flags & kFragment) && (p.flags & kFirstFragment)));
    check(!(p.flags & (kFragment | kFirstFragment)) || ip);
    check((p.flags & 0xe0) == 0);  // no undefined flag bits
    check((p.flags & kVlan) || p.vlan_id == 0);
    check(p.vlan_id <= 0x0fff);
    check(!stripped_tag || link_type != kLinktypeEthernet || (p.flags & kVlan));
    check(link_type == kLinktypeEthernet || !(p.flags & kVlan));
    check(link_type == kLinktypeEthernet ||
          (p.network != Network::arp && p.network != Network::other));
    check(p.tcp_flags <= 0x3f);
    if (p.transport != Transport::tcp) {
        check(p.sequence == 0 && p.acknowledgement == 0 && p.window == 0 && p.tcp_flags == 0);
    }
    if (!p.has_ports()) check(p.source_port == 0 && p.destination_port == 0);
    if (p.transport == Transport::none) check(p.payload_length == 0);
    // Truncated or malformed stops decoding before the transport: never ports to track.
    check(p.transport == Transport::none || !(p.flags & (kTruncated | kMalformed)));
    // From a 16-bit IP length, or from the wire length: never a wrapped-around negative.
    check(p.payload_length <= 0xffff || p.payload_length <= view.wirelen);
    if (!ip) {
        check(p.ip_protocol == 0);
        for (std::size_t i = 0; i < 16; ++i)
            check(p.source[i] == 0 && p.destination[i] == 0);
    }
    if (p.network == Network::ipv4) {
        for (std::size_t i = 4; i < 16; ++i)
            check(p.source[i] == 0 && p.destination[i] == 0);
    }
    // A header that did not fit and one that contradicts itself: decoding stopped at the first.
    check((p.flags & (kTruncated | kMalformed)) != (kTruncated | kMalformed));
}

bool same(const DecodedPacket& a, const DecodedPacket& b) {
    return a.network == b.network && a.transport == b.transport && a.flags == b.flags &&
           a.ip_protocol == b.ip_protocol && a.vlan_id == b.vlan_id && a.source == b.source &&
           a.destination == b.destination && a.source_port == b.source_port &&
           a.destination_port == b.destination_port && a.sequence == b.sequence &&
           a.acknowledgement == b.acknowledgement && a.window == b.window &&
           a.tcp_flags == b.tcp_flags && a.payload_length == b.payload_length;
}

DecodedPacket decode_prefix(const std::uint8_t* frame, std::size_t caplen, PacketView view,
                            std::uint16_t link_type) {
    std::unique_ptr<std::uint8_t[]> copy(new std::uint8_t[caplen]);
    if (caplen != 0) std::memcpy(copy.get(), frame, caplen);
    view.data = copy.get();
    view.caplen = static_cast<std::uint32_t>(caplen);
    DecodedPacket out;
    decode_packet(view, link_type, out);
    return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0 || size > 0x10000) return 0;
    const std::uint8_t control = data[0];
    const std::uint8_t* frame = data + 1;
    const std::size_t length = size - 1;
    const std::uint16_t link_type = (control & 1) ? kLinktypeRaw : kLinktypeEthernet;
    const bool stripped_tag = (control & 2) != 0;

    PacketView view;
    view.wirelen = static_cast<std::uint32_t>(length + (control >> 2) * 1024u);
    if (stripped_tag) {
        view.vlan_tpid = (control & 4) ? 0x88a8 : 0x8100;
        view.vlan_tci = static_cast<std::uint16_t>(control * 0x0101);
    }

    const DecodedPacket whole = decode_prefix(frame, length, view, link_type);
    check_invariants(whole, view, link_type);

    // Capture only part of the frame (same wire length): every field the decoder needed was in
    // that part unless it says truncated, and then more captured bytes change nothing.
    const std::size_t part = length / 2 + (control & 7);
    if (part < length) {
        const DecodedPacket cut = decode_prefix(frame, part, view, link_type);
        check_invariants(cut, view, link_type);
        if (!(cut.flags & kTruncated)) check(same(cut, whole));
        if (whole.flags & kTruncated) check(cut.flags & kTruncated);
    }
    return 0;
}
