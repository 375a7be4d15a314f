// SPDX-License-Identifier: BSD-2-Clause
// pcapng wire format: block types, option codes and the fixed part of every block ringdump
// writes. Field order and sizes follow draft-ietf-opsawg-pcapng; everything is written in host
// byte order (the Section Header's byte-order magic tells readers which one), which is what
// dumpcap requires of a pipe. The block layouts are drawn in src/pcapng_writer.cpp next to the
// code that fills them.
#pragma once

#include <cstddef>
#include <cstdint>

namespace ringdump::pcapng {

inline constexpr std::uint32_t kSectionHeaderBlock = 0x0A0D0D0A;
inline constexpr std::uint32_t kInterfaceDescriptionBlock = 0x00000001;
inline constexpr std::uint32_t kInterfaceStatisticsBlock = 0x00000005;
inline constexpr std::uint32_t kEnhancedPacketBlock = 0x00000006;

inline constexpr std::uint32_t kByteOrderMagic = 0x1A2B3C4D;
inline constexpr std::uint16_t kMajorVersion = 1;
inline constexpr std::uint16_t kMinorVersion = 0;
inline constexpr std::int64_t kSectionLengthUnknown = -1;  // a stream: length not known upfront

// Largest block dumpcap accepts from a pipe (WTAP_MAX_PACKET_SIZE_STANDARD), options included.
inline constexpr std::uint32_t kMaxBlockSize = 262144;

// Options common to all blocks.
inline constexpr std::uint16_t kOptEndOfOpt = 0;
inline constexpr std::uint16_t kOptComment = 1;
inline constexpr std::uint16_t kOptCustomStringCopy = 2988;
inline constexpr std::uint16_t kOptCustomBinaryCopy = 2989;

// Section Header Block options.
inline constexpr std::uint16_t kShbHardware = 2;
inline constexpr std::uint16_t kShbOs = 3;
inline constexpr std::uint16_t kShbUserAppl = 4;

// Interface Description Block options.
inline constexpr std::uint16_t kIfName = 2;
inline constexpr std::uint16_t kIfDescription = 3;
inline constexpr std::uint16_t kIfIpv4Addr = 4;
inline constexpr std::uint16_t kIfIpv6Addr = 5;
inline constexpr std::uint16_t kIfMacAddr = 6;
inline constexpr std::uint16_t kIfTsresol = 9;
inline constexpr std::uint16_t kIfFilter = 11;
inline constexpr std::uint16_t kIfOs = 12;

// Enhanced Packet Block options.
inline constexpr std::uint16_t kEpbFlags = 2;
inline constexpr std::uint16_t kEpbDropCount = 4;
inline constexpr std::uint16_t kEpbPacketId = 5;
inline constexpr std::uint16_t kEpbQueue = 6;

// Interface Statistics Block options.
inline constexpr std::uint16_t kIsbStartTime = 2;
inline constexpr std::uint16_t kIsbEndTime = 3;
inline constexpr std::uint16_t kIsbIfRecv = 4;
inline constexpr std::uint16_t kIsbIfDrop = 5;
inline constexpr std::uint16_t kIsbFilterAccept = 6;
inline constexpr std::uint16_t kIsbOsDrop = 7;
inline constexpr std::uint16_t kIsbUsrDeliv = 8;

inline constexpr std::uint8_t kTsresolNanoseconds = 9;  // if_tsresol: 10^-9 s
inline constexpr std::uint8_t kFilterLibpcap = 0;       // if_filter: first byte, libpcap syntax

struct OptionHeader {
    std::uint16_t code;
    std::uint16_t length;  // value length, without padding
};
static_assert(sizeof(OptionHeader) == 4);

struct SectionHeaderFixed {
    std::uint32_t block_type;  // kSectionHeaderBlock
    std::uint32_t block_total_length;
    std::uint32_t byte_order_magic;
    std::uint16_t major_version;
    std::uint16_t minor_version;
    std::int64_t section_length;
};
static_assert(sizeof(SectionHeaderFixed) == 24);
static_assert(offsetof(SectionHeaderFixed, section_length) == 16);

struct InterfaceDescriptionFixed {
    std::uint32_t block_type;  // kInterfaceDescriptionBlock
    std::uint32_t block_total_length;
    std::uint16_t link_type;
    std::uint16_t reserved;
    std::uint32_t snap_length;
};
static_assert(sizeof(InterfaceDescriptionFixed) == 16);

struct EnhancedPacketFixed {
    std::uint32_t block_type;  // kEnhancedPacketBlock
    std::uint32_t block_total_length;
    std::uint32_t interface_id;
    std::uint32_t timestamp_high;
    std::uint32_t timestamp_low;
    std::uint32_t captured_length;
    std::uint32_t original_length;
};
static_assert(sizeof(EnhancedPacketFixed) == 28);

struct InterfaceStatisticsFixed {
    std::uint32_t block_type;  // kInterfaceStatisticsBlock
    std::uint32_t block_total_length;
    std::uint32_t interface_id;
    std::uint32_t timestamp_high;
    std::uint32_t timestamp_low;
};
static_assert(sizeof(InterfaceStatisticsFixed) == 20);

// Bytes of a block's trailing Block Total Length copy.
inline constexpr std::uint32_t kBlockTrailerSize = 4;

constexpr std::uint32_t pad4(std::uint32_t n) {
    return (n + 3u) & ~3u;
}

// Encoded size of one option (header plus value padded to 32 bits).
constexpr std::uint32_t option_size(std::uint32_t value_length) {
    return static_cast<std::uint32_t>(sizeof(OptionHeader)) + pad4(value_length);
}

}  // namespace ringdump::pcapng
