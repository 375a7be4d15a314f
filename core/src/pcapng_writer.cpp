// SPDX-License-Identifier: BSD-2-Clause
#include "ringdump/pcapng_writer.h"

#include <algorithm>
#include <cstring>

#include "block_builder.h"
#include "ringdump/pcapng_format.h"

namespace ringdump {
namespace {

using namespace pcapng;

// Arena room for one packet without custom options: EPB header, a re-inserted VLAN tag, the
// padding, epb_flags, epb_dropcount, epb_queue, opt_endofopt and the trailing length.
constexpr std::size_t kPacketOverhead = sizeof(EnhancedPacketFixed) + 4 + 3 + option_size(4) +
                                        option_size(8) + option_size(4) + option_size(0) +
                                        kBlockTrailerSize;
// Worst case iovecs per packet: header run, frame head, VLAN tag, frame rest.
constexpr std::size_t kIovPerPacket = 4;
constexpr std::size_t kArenaBytes = 256 * 1024;
constexpr std::size_t kIovCount = PcapngWriter::kBatchPackets * 3;
constexpr std::uint32_t kMacHeaderBytes = 12;  // the VLAN tag goes after destination and source
// Custom options beyond this per packet are left out rather than overflow the arena.
constexpr std::size_t kMaxCustomOptionBytes = 32 * 1024;

template <typename T>
std::uint8_t* put(std::uint8_t* at, const T& value) {
    std::memcpy(at, &value, sizeof value);
    return at + sizeof value;
}

std::uint8_t* put_option_header(std::uint8_t* at, std::uint16_t code, std::uint16_t length) {
    return put(at, OptionHeader{code, length});
}

std::uint32_t timestamp_high(std::uint64_t ns) {
    return static_cast<std::uint32_t>(ns >> 32);
}
std::uint32_t timestamp_low(std::uint64_t ns) {
    return static_cast<std::uint32_t>(ns);
}

}  // namespace

void append_option(std::vector<std::uint8_t>& out, std::uint16_t code,
                   std::span<const std::uint8_t> value) {
    // The length field has 16 bits; a longer value (only a pathological filter text could be)
    // is cut rather than allowed to corrupt the block.
    value = value.first(std::min<std::size_t>(value.size(), 0xFFFF));
    const OptionHeader header{code, static_cast<std::uint16_t>(value.size())};
    const auto* raw = reinterpret_cast<const std::uint8_t*>(&header);
    out.insert(out.end(), raw, raw + sizeof header);
    out.insert(out.end(), value.begin(), value.end());
    out.resize(out.size() + (pad4(static_cast<std::uint32_t>(value.size())) - value.size()), 0);
}

std::uint32_t PcapngWriter::max_captured_length(std::uint32_t option_bytes) {
    const std::uint32_t overhead =
        static_cast<std::uint32_t>(sizeof(EnhancedPacketFixed)) + option_bytes + kBlockTrailerSize;
    return (kMaxBlockSize - overhead) & ~3u;
}

PcapngWriter::PcapngWriter(Sink& sink) : sink_(sink), arena_(kArenaBytes), iov_(kIovCount) {}

//  Section Header Block (SHB), one per stream, first:
//
//   0                   1                   2                   3
//   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//  +---------------------------------------------------------------+
//  |                   Block Type = 0x0A0D0D0A                     |
//  +---------------------------------------------------------------+
//  |                      Block Total Length                       |
//  +---------------------------------------------------------------+
//  |                      Byte-Order Magic 0x1A2B3C4D              |
//  +-------------------------------+-------------------------------+
//  |     Major Version = 1         |       Minor Version = 0       |
//  +-------------------------------+-------------------------------+
//  |                  Section Length = -1 (a stream)               |
//  |                           (64 bits)                           |
//  +---------------------------------------------------------------+
//  /  shb_hardware (2), shb_os (3), shb_userappl (4), opt_endofopt /
//  +---------------------------------------------------------------+
//  |                      Block Total Length                       |
//  +---------------------------------------------------------------+
bool PcapngWriter::write_section_header(const SectionInfo& info) {
    BlockBuilder block(SectionHeaderFixed{kSectionHeaderBlock, 0, kByteOrderMagic, kMajorVersion,
                                          kMinorVersion, kSectionLengthUnknown});
    if (!info.hardware.empty()) block.option(kShbHardware, info.hardware);
    if (!info.os.empty()) block.option(kShbOs, info.os);
    if (!info.user_application.empty()) block.option(kShbUserAppl, info.user_application);
    const auto& bytes = block.finish();
    return sink_.write_all(bytes.data(), bytes.size());
}

//  Interface Description Block (IDB), before the first EPB that refers to it:
//
//   0                   1                   2                   3
//   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//  +---------------------------------------------------------------+
//  |                    Block Type = 0x00000001                    |
//  +---------------------------------------------------------------+
//  |                      Block Total Length                       |
//  +-------------------------------+-------------------------------+
//  |           LinkType            |           Reserved            |
//  +-------------------------------+-------------------------------+
//  |                            SnapLen                            |
//  +---------------------------------------------------------------+
//  /  if_name (2), if_description (3), if_IPv4addr (4) addr+mask,  /
//  /  if_IPv6addr (5) addr+prefix, if_MACaddr (6), if_tsresol (9)  /
//  /  = 9, if_filter (11) = 0x00 + expression, if_os (12),         /
//  /  opt_endofopt                                                 /
//  +---------------------------------------------------------------+
//  |                      Block Total Length                       |
//  +---------------------------------------------------------------+
bool PcapngWriter::write_interface(const InterfaceDescription& description, std::uint32_t& id) {
    BlockBuilder block(InterfaceDescriptionFixed{
        kInterfaceDescriptionBlock, 0, description.link_type, 0, description.snap_length});
    if (!description.name.empty()) block.option(kIfName, description.name);
    if (!description.description.empty()) block.option(kIfDescription, description.description);
    for (const IpPrefix& prefix : description.addresses) {
        std::uint8_t value[17] = {};
        if (prefix.is_ipv4()) {
            std::memcpy(value, prefix.address.data(), 4);
            const std::uint32_t mask =
                prefix.length == 0 ? 0 : ~0u << (32 - prefix.length);  // host order
            for (int i = 0; i < 4; ++i)
                value[4 + i] = static_cast<std::uint8_t>(mask >> (24 - 8 * i));
            block.option(kIfIpv4Addr, std::span<const std::uint8_t>(value, 8));
        } else {
            std::memcpy(value, prefix.address.data(), 16);
            value[16] = prefix.length;
            block.option(kIfIpv6Addr, std::span<const std::uint8_t>(value, 17));
        }
    }
    if (description.mac) block.option(kIfMacAddr, std::span<const std::uint8_t>(*description.mac));
    block.option_value(kIfTsresol, kTsresolNanoseconds);
    if (!description.filter.empty()) {
        std::vector<std::uint8_t> value;
        value.push_back(kFilterLibpcap);
        value.insert(value.end(), description.filter.begin(), description.filter.end());
        block.option(kIfFilter, value);
    }
    if (!description.os.empty()) block.option(kIfOs, description.os);
    const auto& bytes = block.finish();
    id = static_cast<std::uint32_t>(snap_lengths_.size());
    snap_lengths_.push_back(std::clamp<std::uint32_t>(description.snap_length, 1, kMaxBlockSize));
    link_types_.push_back(description.link_type);
    return sink_.write_all(bytes.data(), bytes.size());
}

//  Interface Statistics Block (ISB), one per interface when the capture stops:
//
//   0                   1                   2                   3
//   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//  +---------------------------------------------------------------+
//  |                    Block Type = 0x00000005                    |
//  +---------------------------------------------------------------+
//  |                      Block Total Length                       |
//  +---------------------------------------------------------------+
//  |                         Interface ID                          |
//  +---------------------------------------------------------------+
//  |                        Timestamp (High)                       |
//  +---------------------------------------------------------------+
//  |                        Timestamp (Low)                        |
//  +---------------------------------------------------------------+
//  /  isb_starttime (2), isb_endtime (3): timestamp high, low      /
//  /  isb_ifrecv (4), isb_ifdrop (5), isb_filteraccept (6),        /
//  /  isb_osdrop (7), isb_usrdeliv (8): 64-bit counters            /
//  /  opt_comment (1): per-cause drop counters (AF_XDP)            /
//  /  extra options (the annotator's counters: custom option 2989) /
//  /  opt_endofopt                                                 /
//  +---------------------------------------------------------------+
//  |                      Block Total Length                       |
//  +---------------------------------------------------------------+
bool PcapngWriter::write_statistics(std::uint32_t interface_id, const InterfaceStatistics& stats) {
    BlockBuilder block(InterfaceStatisticsFixed{kInterfaceStatisticsBlock, 0, interface_id,
                                                timestamp_high(stats.timestamp_ns),
                                                timestamp_low(stats.timestamp_ns)});
    auto timestamp_option = [&](std::uint16_t code, const std::optional<std::uint64_t>& ns) {
        if (!ns) return;
        const std::uint32_t value[2] = {timestamp_high(*ns), timestamp_low(*ns)};
        block.option_value(code, value);
    };
    auto counter_option = [&](std::uint16_t code, const std::optional<std::uint64_t>& counter) {
        if (counter) block.option_value(code, *counter);
    };
    timestamp_option(kIsbStartTime, stats.start_ns);
    timestamp_option(kIsbEndTime, stats.end_ns);
    counter_option(kIsbIfRecv, stats.if_received);
    counter_option(kIsbIfDrop, stats.if_dropped);
    counter_option(kIsbFilterAccept, stats.filter_accepted);
    counter_option(kIsbOsDrop, stats.os_dropped);
    counter_option(kIsbUsrDeliv, stats.user_delivered);
    if (!stats.comment.empty()) block.option(kOptComment, stats.comment);
    block.raw_options(stats.extra_options);
    const auto& bytes = block.finish();
    return sink_.write_all(bytes.data(), bytes.size());
}

bool PcapngWriter::write_packets(std::span<const PacketView> packets) {
    for (const PacketView& packet : packets) {
        const std::size_t custom =
            packet.options.size() <= kMaxCustomOptionBytes ? packet.options.size() : 0;
        if (arena_.size() - arena_used_ < kPacketOverhead + custom ||
            iov_.size() - iov_used_ < kIovPerPacket + 1) {
            if (!flush()) return false;
        }
        if (!append_packet(packet)) return false;
    }
    return flush();
}

void PcapngWriter::add_arena_iov(std::size_t end) {
    if (end > arena_iov_start_) {
        iov_[iov_used_++] = {arena_.data() + arena_iov_start_, end - arena_iov_start_};
    }
    arena_iov_start_ = end;
}

//  Enhanced Packet Block (EPB), one per packet:
//
//   0                   1                   2                   3
//   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//  +---------------------------------------------------------------+
//  |                    Block Type = 0x00000006                    |  ┐
//  +---------------------------------------------------------------+  │
//  |                      Block Total Length                       |  │
//  +---------------------------------------------------------------+  │
//  |                         Interface ID                          |  │ arena
//  +---------------------------------------------------------------+  │
//  |                 Timestamp (High), ns since 1970               |  │
//  +---------------------------------------------------------------+  │
//  |                        Timestamp (Low)                        |  │
//  +---------------------------------------------------------------+  │
//  |                    Captured Packet Length                     |  │
//  +---------------------------------------------------------------+  │
//  |                    Original Packet Length                     |  ┘
//  +---------------------------------------------------------------+
//  /   Packet Data: destination and source MAC          (ring)     /
//  /                802.1Q tag the kernel stripped      (arena)    /
//  /                rest of the frame                   (ring)     /
//  /                padding to 32 bits                  (arena)    /
//  +---------------------------------------------------------------+  ┐
//  /  epb_flags (2): direction bits 0-1, reception type bits 2-4   /  │
//  /  epb_dropcount (4): packets lost just before this one         /  │
//  /  epb_queue (6): RX queue, 32 bits, when the source knows it   /  │
//  /  custom options (2989, ...), opt_endofopt                     /  │ arena, contiguous
//  +---------------------------------------------------------------+  │ with the next
//  |                      Block Total Length                       |  │ packet's header
//  +---------------------------------------------------------------+  ┘
bool PcapngWriter::append_packet(const PacketView& packet) {
    const std::uint32_t interface_id = packet.interface_id;
    const std::uint32_t snap =
        interface_id < snap_lengths_.size() ? snap_lengths_[interface_id] : kMaxBlockSize;
    const bool reinsert_tag = packet.has_vlan_tag() && interface_id < link_types_.size() &&
                              link_types_[interface_id] == 1 && packet.caplen > kMacHeaderBytes;
    const std::uint32_t tag_bytes = reinsert_tag ? 4 : 0;

    const std::span<const std::uint8_t> custom = packet.options.size() <= kMaxCustomOptionBytes
                                                     ? packet.options
                                                     : std::span<const std::uint8_t>();
    const std::uint32_t option_bytes =
        (packet.flags != 0 ? option_size(4) : 0) + (packet.drops_before != 0 ? option_size(8) : 0) +
        (packet.has_queue() ? option_size(4) : 0) + static_cast<std::uint32_t>(custom.size());
    const std::uint32_t end_bytes = option_bytes != 0 ? option_size(0) : 0;
    const std::uint32_t stored =
        std::min({packet.caplen + tag_bytes, snap, max_captured_length(option_bytes + end_bytes)});
    const std::uint32_t padded = pad4(stored);
    const std::uint32_t total = static_cast<std::uint32_t>(sizeof(EnhancedPacketFixed)) + padded +
                                option_bytes + end_bytes + kBlockTrailerSize;

    std::uint8_t* at = arena_.data() + arena_used_;
    at = put(at, EnhancedPacketFixed{
                     kEnhancedPacketBlock, total, interface_id, timestamp_high(packet.timestamp_ns),
                     timestamp_low(packet.timestamp_ns), stored, packet.wirelen + tag_bytes});
    add_arena_iov(static_cast<std::size_t>(at - arena_.data()));

    if (reinsert_tag && stored > kMacHeaderBytes) {
        iov_[iov_used_++] = {const_cast<std::uint8_t*>(packet.data), kMacHeaderBytes};
        std::uint8_t tag[4] = {static_cast<std::uint8_t>(packet.vlan_tpid >> 8),
                               static_cast<std::uint8_t>(packet.vlan_tpid),
                               static_cast<std::uint8_t>(packet.vlan_tci >> 8),
                               static_cast<std::uint8_t>(packet.vlan_tci)};
        const std::uint32_t tag_stored = std::min<std::uint32_t>(4, stored - kMacHeaderBytes);
        std::memcpy(at, tag, tag_stored);
        at += tag_stored;
        add_arena_iov(static_cast<std::size_t>(at - arena_.data()));
        const std::uint32_t rest = stored - kMacHeaderBytes - tag_stored;
        if (rest > 0) {
            iov_[iov_used_++] = {const_cast<std::uint8_t*>(packet.data) + kMacHeaderBytes, rest};
        }
    } else if (stored > 0) {
        iov_[iov_used_++] = {const_cast<std::uint8_t*>(packet.data), stored};
    }

    const std::uint32_t padding = padded - stored;
    std::memset(at, 0, padding);
    at += padding;
    if (packet.flags != 0) {
        at = put_option_header(at, kEpbFlags, 4);
        at = put(at, packet.flags);
    }
    if (packet.drops_before != 0) {
        at = put_option_header(at, kEpbDropCount, 8);
        at = put(at, packet.drops_before);
    }
    if (packet.has_queue()) {
        at = put_option_header(at, kEpbQueue, 4);
        at = put(at, packet.queue);
    }
    if (!custom.empty()) {
        std::memcpy(at, custom.data(), custom.size());
        at += custom.size();
    }
    if (end_bytes != 0) at = put_option_header(at, kOptEndOfOpt, 0);
    at = put(at, total);
    arena_used_ = static_cast<std::size_t>(at - arena_.data());
    ++packets_written_;
    return true;
}

bool PcapngWriter::flush() {
    add_arena_iov(arena_used_);
    const bool open = iov_used_ == 0 || sink_.write_all(iov_.data(), iov_used_);
    iov_used_ = 0;
    arena_used_ = 0;
    arena_iov_start_ = 0;
    return open;
}

}  // namespace ringdump
