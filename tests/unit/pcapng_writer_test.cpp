// SPDX-License-Identifier: BSD-2-Clause
// PcapngWriter: the exact bytes of SHB, IDB, EPB and ISB (expected blocks are built by hand from
// draft-ietf-opsawg-pcapng), snap-length truncation, VLAN tag reinsertion, the 262144-byte block
// limit dumpcap enforces, EPIPE handling, and a 5000-packet batch read back packet for packet.
#include "ringdump/pcapng_writer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <random>
#include <string>
#include <vector>

#include "pcapng_blocks.h"
#include "ringdump/ip_prefix.h"
#include "ringdump/packet.h"
#include "ringdump/sink.h"
#include "test_support.h"

namespace ringdump {
namespace {

using test::ByteBuilder;
using test::Bytes;
namespace rd = test::pcapng;

class PcapngWriterTest : public ::testing::Test {
  protected:
    test::MemFile file;
    Sink sink{file.fd(), false, "memfd"};
    PcapngWriter writer{sink};

    std::uint32_t add_interface(std::uint16_t link_type, std::uint32_t snap_length) {
        InterfaceDescription description;
        description.link_type = link_type;
        description.snap_length = snap_length;
        std::uint32_t id = 99;
        EXPECT_TRUE(writer.write_interface(description, id));
        return id;
    }

    // The bytes written since offset `from`.
    Bytes written_since(std::size_t from) const {
        Bytes all = file.contents();
        return from <= all.size()
                   ? Bytes(all.begin() + static_cast<std::ptrdiff_t>(from), all.end())
                   : Bytes();
    }

    // Writes one packet and returns its EPB as written.
    Bytes write_one(const PacketView& packet) {
        const std::size_t before = file.contents().size();
        EXPECT_TRUE(writer.write_packets(std::span(&packet, 1)));
        return written_since(before);
    }

    // Writes one packet and decodes the EPB (which must be the only block written).
    rd::EnhancedPacket write_and_decode(const PacketView& packet) {
        const Bytes bytes = write_one(packet);
        const rd::Blocks blocks = rd::read_blocks(bytes);
        EXPECT_EQ(blocks.error, "");
        EXPECT_EQ(blocks.blocks.size(), 1u);
        if (blocks.blocks.size() != 1) return {};
        EXPECT_EQ(blocks.blocks[0].type, rd::kEpb);
        rd::EnhancedPacket epb = rd::decode_epb(blocks.blocks[0]);
        EXPECT_EQ(epb.error, "");
        EXPECT_EQ(epb.options.error, "");
        return epb;
    }
};

Bytes pattern(std::size_t size, std::uint8_t seed) {
    Bytes bytes(size);
    for (std::size_t i = 0; i < size; ++i)
        bytes[i] = static_cast<std::uint8_t>(seed + i * 7);
    return bytes;
}

PacketView view_of(const Bytes& frame, std::uint32_t interface_id = 0) {
    PacketView view;
    view.data = frame.data();
    view.caplen = static_cast<std::uint32_t>(frame.size());
    view.wirelen = static_cast<std::uint32_t>(frame.size());
    view.interface_id = interface_id;
    return view;
}

::testing::AssertionResult same_bytes(const Bytes& actual, const Bytes& expected) {
    if (actual == expected) return ::testing::AssertionSuccess();
    const std::size_t at = test::first_difference(actual, expected);
    auto result = ::testing::AssertionFailure();
    result << "sizes " << actual.size() << " (actual) vs " << expected.size()
           << " (expected); first difference at byte " << at;
    if (at < actual.size() && at < expected.size()) {
        result << ": actual 0x" << std::hex << int{actual[at]} << ", expected 0x"
               << int{expected[at]};
    }
    return result;
}

// ---------------------------------------------------------------------------------------------
// Section Header Block

TEST_F(PcapngWriterTest, SectionHeaderBlockBytes) {
    ASSERT_TRUE(writer.write_section_header({"x86_64", "Linux 6.1", "ringdump 0.1.0"}));
    // 24 fixed + shb_hardware 4+8 + shb_os 4+12 + shb_userappl 4+16 + opt_endofopt 4 + trailer 4.
    const Bytes expected = ByteBuilder()
                               .u32(0x0A0D0D0A)  // block type
                               .u32(80)          // block total length
                               .u32(0x1A2B3C4D)  // byte-order magic
                               .u16(1)           // major version
                               .u16(0)           // minor version
                               .i64(-1)          // section length: unknown
                               .u16(2)           // shb_hardware
                               .u16(6)
                               .text("x86_64")
                               .zeros(2)
                               .u16(3)  // shb_os
                               .u16(9)
                               .text("Linux 6.1")
                               .zeros(3)
                               .u16(4)  // shb_userappl
                               .u16(14)
                               .text("ringdump 0.1.0")
                               .zeros(2)
                               .u16(0)  // opt_endofopt
                               .u16(0)
                               .u32(80)
                               .bytes();
    EXPECT_TRUE(same_bytes(file.contents(), expected));
}

TEST_F(PcapngWriterTest, SectionHeaderStartsWithLittleEndianMagicOnThisHost) {
    if constexpr (std::endian::native != std::endian::little) {
        GTEST_SKIP() << "byte-level check written for little-endian hosts";
    }
    ASSERT_TRUE(writer.write_section_header({}));
    const Bytes expected = {0x0A, 0x0D, 0x0D, 0x0A, 28,   0,    0,    0,    0x4D, 0x3C,
                            0x2B, 0x1A, 0x01, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF,
                            0xFF, 0xFF, 0xFF, 0xFF, 28,   0,    0,    0};
    EXPECT_TRUE(same_bytes(file.contents(), expected));
}

TEST_F(PcapngWriterTest, SectionHeaderLeavesOutEmptyStringsAndEndOfOptWithoutOptions) {
    ASSERT_TRUE(writer.write_section_header({"", "Linux", ""}));
    // 24 fixed + shb_os 4+8 + opt_endofopt 4 + trailer 4 = 44.
    const Bytes expected = ByteBuilder()
                               .u32(0x0A0D0D0A)
                               .u32(44)
                               .u32(0x1A2B3C4D)
                               .u16(1)
                               .u16(0)
                               .i64(-1)
                               .u16(3)
                               .u16(5)
                               .text("Linux")
                               .zeros(3)
                               .u16(0)
                               .u16(0)
                               .u32(44)
                               .bytes();
    EXPECT_TRUE(same_bytes(file.contents(), expected));
}

// ---------------------------------------------------------------------------------------------
// Interface Description Block

TEST_F(PcapngWriterTest, InterfaceDescriptionBlockBytes) {
    InterfaceDescription description;
    description.link_type = 1;
    description.snap_length = 65535;
    description.name = "eth0";
    description.description = "ringdump test";
    description.filter = "tcp port 80";
    description.os = "Linux";
    description.mac = std::array<std::uint8_t, 6>{0x02, 0x00, 0x5e, 0x10, 0x00, 0x01};
    description.addresses = {*IpPrefix::parse("198.18.0.1/24"), *IpPrefix::parse("198.18.17.2/20"),
                             *IpPrefix::parse("2001:db8::1/64")};
    std::uint32_t id = 99;
    ASSERT_TRUE(writer.write_interface(description, id));
    EXPECT_EQ(id, 0u);

    // 16 fixed + if_name 8 + if_description 20 + 2 x if_IPv4addr 12 + if_IPv6addr 24 +
    // if_MACaddr 12 + if_tsresol 8 + if_filter 16 + if_os 12 + opt_endofopt 4 + trailer 4 = 148.
    const Bytes expected =
        ByteBuilder()
            .u32(0x00000001)  // block type
            .u32(148)
            .u16(1)  // LINKTYPE_ETHERNET
            .u16(0)  // reserved
            .u32(65535)
            .u16(2)  // if_name
            .u16(4)
            .text("eth0")
            .u16(3)  // if_description
            .u16(13)
            .text("ringdump test")
            .zeros(3)
            .u16(4)  // if_IPv4addr: address, then netmask, network byte order
            .u16(8)
            .raw({198, 18, 0, 1, 255, 255, 255, 0})
            .u16(4)
            .u16(8)
            .raw({198, 18, 17, 2, 255, 255, 240, 0})
            .u16(5)  // if_IPv6addr: address, then prefix length
            .u16(17)
            .raw({0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 64})
            .zeros(3)
            .u16(6)  // if_MACaddr
            .u16(6)
            .raw({0x02, 0x00, 0x5e, 0x10, 0x00, 0x01})
            .zeros(2)
            .u16(9)  // if_tsresol: 10^-9
            .u16(1)
            .u8(9)
            .zeros(3)
            .u16(11)  // if_filter: 0 = libpcap filter string, then the expression
            .u16(12)
            .u8(0)
            .text("tcp port 80")
            .u16(12)  // if_os
            .u16(5)
            .text("Linux")
            .zeros(3)
            .u16(0)
            .u16(0)
            .u32(148)
            .bytes();
    EXPECT_TRUE(same_bytes(file.contents(), expected));
}

TEST_F(PcapngWriterTest, InterfaceDescriptionMinimalHasOnlyTsresol) {
    InterfaceDescription description;
    description.link_type = 101;
    description.snap_length = 1500;
    std::uint32_t id = 99;
    ASSERT_TRUE(writer.write_interface(description, id));
    const Bytes expected = ByteBuilder()
                               .u32(1)
                               .u32(32)
                               .u16(101)  // LINKTYPE_RAW
                               .u16(0)
                               .u32(1500)
                               .u16(9)
                               .u16(1)
                               .u8(9)
                               .zeros(3)
                               .u16(0)
                               .u16(0)
                               .u32(32)
                               .bytes();
    EXPECT_TRUE(same_bytes(file.contents(), expected));
}

TEST_F(PcapngWriterTest, InterfaceIdsCountUp) {
    EXPECT_EQ(add_interface(1, 262144), 0u);
    EXPECT_EQ(add_interface(101, 262144), 1u);
    EXPECT_EQ(add_interface(1, 96), 2u);
    EXPECT_EQ(writer.interface_count(), 3u);
}

TEST_F(PcapngWriterTest, IpPrefixMasksOfEveryLength) {
    InterfaceDescription description;
    for (int length : {0, 1, 8, 31, 32}) {
        description.addresses.push_back(*IpPrefix::parse("198.18.0.1/" + std::to_string(length)));
    }
    std::uint32_t id = 0;
    ASSERT_TRUE(writer.write_interface(description, id));
    const rd::Blocks blocks = rd::read_blocks(file.contents());
    ASSERT_EQ(blocks.error, "");
    ASSERT_EQ(blocks.blocks.size(), 1u);
    const rd::InterfaceDescription idb = rd::decode_idb(blocks.blocks[0]);
    ASSERT_EQ(idb.options.error, "");
    std::vector<Bytes> masks;
    for (const rd::Option& option : idb.options.list) {
        if (option.code != 4) continue;
        ASSERT_EQ(option.value.size(), 8u);
        masks.emplace_back(option.value.begin() + 4, option.value.end());
    }
    const std::vector<Bytes> expected = {
        {0, 0, 0, 0}, {0x80, 0, 0, 0}, {255, 0, 0, 0}, {255, 255, 255, 254}, {255, 255, 255, 255}};
    EXPECT_EQ(masks, expected);
}

// An option value longer than 65535 bytes cannot be encoded (the option length is 16 bits); the
// block must stay parseable whatever the writer does about it (truncate or leave it out).
TEST_F(PcapngWriterTest, OverlongOptionValueKeepsBlockWellFormed) {
    InterfaceDescription description;
    description.filter = std::string(70000, 'x');
    std::uint32_t id = 0;
    ASSERT_TRUE(writer.write_interface(description, id));
    const rd::Blocks blocks = rd::read_blocks(file.contents());
    ASSERT_EQ(blocks.error, "");
    ASSERT_EQ(blocks.blocks.size(), 1u);
    EXPECT_LE(blocks.blocks[0].total_length, rd::kMaxDumpcapBlock);
    const rd::InterfaceDescription idb = rd::decode_idb(blocks.blocks[0]);
    EXPECT_EQ(idb.options.error, "");
    EXPECT_TRUE(idb.options.has_end);
}

// ---------------------------------------------------------------------------------------------
// Enhanced Packet Block

TEST_F(PcapngWriterTest, EnhancedPacketBlockWithAllOptions) {
    add_interface(1, 262144);
    const Bytes frame = {0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16};
    // A custom binary option (2989) with PEN 32473 (documentation PEN, RFC 5612) and "ab".
    const Bytes custom = ByteBuilder().u16(2989).u16(6).u32(32473).text("ab").zeros(2).bytes();
    PacketView packet = view_of(frame);
    packet.wirelen = 60;
    packet.timestamp_ns = (std::uint64_t{0x12345678} << 32) | 0x9ABCDEF0;
    packet.flags = 0x5;  // inbound (bits 0-1 = 01), unicast (bits 2-4 = 001)
    packet.drops_before = 3;
    packet.options = custom;

    // 28 fixed + 8 data + epb_flags 8 + epb_dropcount 12 + custom 12 + opt_endofopt 4 + 4 = 76.
    const Bytes expected = ByteBuilder()
                               .u32(6)  // block type
                               .u32(76)
                               .u32(0)           // interface id
                               .u32(0x12345678)  // timestamp high
                               .u32(0x9ABCDEF0)  // timestamp low
                               .u32(7)           // captured length
                               .u32(60)          // original length
                               .raw(frame)
                               .zeros(1)
                               .u16(2)  // epb_flags
                               .u16(4)
                               .u32(0x5)
                               .u16(4)  // epb_dropcount
                               .u16(8)
                               .u64(3)
                               .raw(custom)
                               .u16(0)
                               .u16(0)
                               .u32(76)
                               .bytes();
    EXPECT_TRUE(same_bytes(write_one(packet), expected));
    EXPECT_EQ(writer.packets_written(), 1u);
}

// epb_queue (code 6, 4 bytes) goes after epb_flags and epb_dropcount, before custom options.
TEST_F(PcapngWriterTest, EnhancedPacketBlockWithQueue) {
    add_interface(1, 262144);
    const Bytes frame = {0x20, 0x21, 0x22, 0x23, 0x24};
    const Bytes custom = ByteBuilder().u16(2989).u16(4).u32(32473).bytes();
    PacketView packet = view_of(frame);
    packet.timestamp_ns = 7;
    packet.flags = 0x1;
    packet.drops_before = 2;
    packet.queue = 3;
    packet.options = custom;
    // 28 fixed + 8 data + flags 8 + dropcount 12 + queue 8 + custom 8 + end 4 + 4 = 80.
    const Bytes expected = ByteBuilder()
                               .u32(6)
                               .u32(80)
                               .u32(0)
                               .u32(0)
                               .u32(7)
                               .u32(5)
                               .u32(5)
                               .raw(frame)
                               .zeros(3)
                               .u16(2)  // epb_flags
                               .u16(4)
                               .u32(0x1)
                               .u16(4)  // epb_dropcount
                               .u16(8)
                               .u64(2)
                               .u16(6)  // epb_queue
                               .u16(4)
                               .u32(3)
                               .raw(custom)
                               .u16(0)
                               .u16(0)
                               .u32(80)
                               .bytes();
    EXPECT_TRUE(same_bytes(write_one(packet), expected));
}

// Queue 0 is a queue like any other: only kNoQueue leaves the option out.
TEST_F(PcapngWriterTest, EnhancedPacketBlockWithOnlyQueueZero) {
    add_interface(1, 262144);
    const Bytes frame = {1, 2, 3, 4};
    PacketView packet = view_of(frame);
    packet.queue = 0;
    const Bytes expected = ByteBuilder()
                               .u32(6)
                               .u32(48)
                               .u32(0)
                               .u32(0)
                               .u32(0)
                               .u32(4)
                               .u32(4)
                               .raw(frame)
                               .u16(6)
                               .u16(4)
                               .u32(0)
                               .u16(0)
                               .u16(0)
                               .u32(48)
                               .bytes();
    EXPECT_TRUE(same_bytes(write_one(packet), expected));
    EXPECT_FALSE(PacketView{}.has_queue()) << "no queue unless a source sets one";
}

TEST_F(PcapngWriterTest, EnhancedPacketBlockWithoutOptionsHasNoEndOfOpt) {
    add_interface(1, 262144);
    add_interface(1, 262144);
    const Bytes frame = {1, 2, 3, 4, 5};
    PacketView packet = view_of(frame, 1);
    packet.timestamp_ns = 1'000'000'000ull * 1'700'000'000ull + 5;  // 0x17979CFE_362A0005
    const Bytes expected = ByteBuilder()
                               .u32(6)
                               .u32(40)
                               .u32(1)
                               .u32(0x17979CFE)
                               .u32(0x362A0005)
                               .u32(5)
                               .u32(5)
                               .raw(frame)
                               .zeros(3)
                               .u32(40)
                               .bytes();
    EXPECT_TRUE(same_bytes(write_one(packet), expected));
}

TEST_F(PcapngWriterTest, EnhancedPacketBlockWithOnlyDropCount) {
    add_interface(1, 262144);
    const Bytes frame = {9, 8, 7, 6};
    PacketView packet = view_of(frame);
    packet.drops_before = 0x1'0000'0002ull;
    const Bytes expected = ByteBuilder()
                               .u32(6)
                               .u32(52)
                               .u32(0)
                               .u32(0)
                               .u32(0)
                               .u32(4)
                               .u32(4)
                               .raw(frame)
                               .u16(4)
                               .u16(8)
                               .u64(0x1'0000'0002ull)
                               .u16(0)
                               .u16(0)
                               .u32(52)
                               .bytes();
    EXPECT_TRUE(same_bytes(write_one(packet), expected));
}

TEST_F(PcapngWriterTest, EnhancedPacketBlockWithOnlyCustomOptions) {
    add_interface(1, 262144);
    const Bytes frame = {0xAA, 0xBB};
    // Two custom options back to back: a string (2988) and a binary (2989) one.
    const Bytes custom = ByteBuilder()
                             .u16(2988)
                             .u16(7)
                             .u32(32473)
                             .text("abc")
                             .zeros(1)
                             .u16(2989)
                             .u16(4)
                             .u32(32473)
                             .bytes();
    PacketView packet = view_of(frame);
    packet.options = custom;
    // 28 fixed + 4 data + custom 12 + 8 + opt_endofopt 4 + trailer 4 = 60.
    const Bytes expected = ByteBuilder()
                               .u32(6)
                               .u32(60)
                               .u32(0)
                               .u32(0)
                               .u32(0)
                               .u32(2)
                               .u32(2)
                               .raw(frame)
                               .zeros(2)
                               .raw(custom)
                               .u16(0)
                               .u16(0)
                               .u32(60)
                               .bytes();
    EXPECT_TRUE(same_bytes(write_one(packet), expected));
}

TEST_F(PcapngWriterTest, EmptyPacketAndEmptyBatch) {
    add_interface(1, 262144);
    const std::size_t before = file.contents().size();
    EXPECT_TRUE(writer.write_packets({}));
    EXPECT_EQ(file.contents().size(), before);

    PacketView empty;  // caplen 0, no data
    const Bytes expected =
        ByteBuilder().u32(6).u32(32).u32(0).u32(0).u32(0).u32(0).u32(0).u32(32).bytes();
    EXPECT_TRUE(same_bytes(write_one(empty), expected));
}

TEST_F(PcapngWriterTest, SnapLengthTruncatesCapturedLengthAndKeepsOriginal) {
    add_interface(1, 64);
    const Bytes frame = pattern(100, 3);
    PacketView packet = view_of(frame);
    packet.wirelen = 1514;
    const rd::EnhancedPacket epb = write_and_decode(packet);
    EXPECT_EQ(epb.captured_length, 64u);
    EXPECT_EQ(epb.original_length, 1514u);
    EXPECT_EQ(epb.data, Bytes(frame.begin(), frame.begin() + 64));
}

TEST_F(PcapngWriterTest, SnapLengthWithOddValuePadsToFourBytes) {
    add_interface(1, 61);
    const Bytes frame = pattern(100, 5);
    const rd::EnhancedPacket epb = write_and_decode(view_of(frame));
    EXPECT_EQ(epb.captured_length, 61u);
    EXPECT_EQ(epb.data, Bytes(frame.begin(), frame.begin() + 61));
    EXPECT_EQ(epb.padding, Bytes(3, 0));
}

// ---------------------------------------------------------------------------------------------
// VLAN tags the kernel stripped

Bytes ethernet_frame(std::size_t size) {
    Bytes frame = pattern(size, 0x40);
    const Bytes head = {0x02, 0, 0, 0, 0, 0x01, 0x02, 0, 0, 0, 0, 0x02, 0x08, 0x00};
    std::copy(head.begin(), head.end(), frame.begin());
    return frame;
}

TEST_F(PcapngWriterTest, VlanTagIsReinsertedAfterTheMacAddresses) {
    add_interface(1, 262144);
    const Bytes frame = ethernet_frame(60);
    PacketView packet = view_of(frame);
    packet.vlan_tpid = 0x8100;
    packet.vlan_tci = 10;
    const rd::EnhancedPacket epb = write_and_decode(packet);
    const Bytes expected = ByteBuilder()
                               .raw(Bytes(frame.begin(), frame.begin() + 12))
                               .raw({0x81, 0x00, 0x00, 0x0a})
                               .raw(Bytes(frame.begin() + 12, frame.end()))
                               .bytes();
    EXPECT_EQ(epb.captured_length, 64u);
    EXPECT_EQ(epb.original_length, 64u);
    EXPECT_EQ(epb.data, expected);
}

TEST_F(PcapngWriterTest, VlanTagKeepsTpidAndPriorityBits) {
    add_interface(1, 262144);
    const Bytes frame = ethernet_frame(61);
    PacketView packet = view_of(frame);
    packet.wirelen = 1000;
    packet.vlan_tpid = 0x88a8;  // 802.1ad
    packet.vlan_tci = 0xE00A;   // PCP 7, VID 10
    packet.flags = 0x1;
    const rd::EnhancedPacket epb = write_and_decode(packet);
    ASSERT_EQ(epb.data.size(), 65u);
    EXPECT_EQ(Bytes(epb.data.begin() + 12, epb.data.begin() + 16), Bytes({0x88, 0xa8, 0xe0, 0x0a}));
    EXPECT_EQ(Bytes(epb.data.begin() + 16, epb.data.end()), Bytes(frame.begin() + 12, frame.end()));
    EXPECT_EQ(epb.original_length, 1004u);
    EXPECT_EQ(epb.padding, Bytes(3, 0));
    EXPECT_EQ(epb.options.u32(2), 0x1u);
}

TEST_F(PcapngWriterTest, VlanTagIsNotReinsertedForRawIp) {
    add_interface(101, 262144);
    const Bytes frame = pattern(60, 0x45);
    PacketView packet = view_of(frame);
    packet.vlan_tpid = 0x8100;
    packet.vlan_tci = 10;
    const rd::EnhancedPacket epb = write_and_decode(packet);
    EXPECT_EQ(epb.captured_length, 60u);
    EXPECT_EQ(epb.original_length, 60u);
    EXPECT_EQ(epb.data, frame);
}

TEST_F(PcapngWriterTest, VlanTagCutBySnapLength) {
    add_interface(1, 14);
    const Bytes frame = ethernet_frame(60);
    PacketView packet = view_of(frame);
    packet.vlan_tpid = 0x8100;
    packet.vlan_tci = 10;
    const rd::EnhancedPacket epb = write_and_decode(packet);
    EXPECT_EQ(epb.captured_length, 14u);
    EXPECT_EQ(epb.original_length, 64u);
    EXPECT_EQ(
        epb.data,
        ByteBuilder().raw(Bytes(frame.begin(), frame.begin() + 12)).raw({0x81, 0x00}).bytes());
}

TEST_F(PcapngWriterTest, VlanTagWithSnapLengthInsideTheFrame) {
    add_interface(1, 40);
    const Bytes frame = ethernet_frame(60);
    PacketView packet = view_of(frame);
    packet.vlan_tpid = 0x8100;
    packet.vlan_tci = 0x0FFF;
    const rd::EnhancedPacket epb = write_and_decode(packet);
    EXPECT_EQ(epb.captured_length, 40u);
    EXPECT_EQ(epb.original_length, 64u);
    EXPECT_EQ(epb.data, ByteBuilder()
                            .raw(Bytes(frame.begin(), frame.begin() + 12))
                            .raw({0x81, 0x00, 0x0F, 0xFF})
                            .raw(Bytes(frame.begin() + 12, frame.begin() + 36))
                            .bytes());
}

// ---------------------------------------------------------------------------------------------
// The block size limit dumpcap enforces (262144 bytes, options included)

TEST(PcapngWriterLimits, MaxCapturedLength) {
    // 262144 - 28 (EPB fixed part) - 4 (trailer) - options, rounded down to 32 bits.
    EXPECT_EQ(PcapngWriter::max_captured_length(0), 262112u);
    EXPECT_EQ(PcapngWriter::max_captured_length(12), 262100u);
    EXPECT_EQ(PcapngWriter::max_captured_length(13), 262096u);
}

TEST_F(PcapngWriterTest, HugePacketsStayWithinTheDumpcapBlockLimit) {
    add_interface(1, 262144);
    const Bytes frame = ethernet_frame(300000);
    const Bytes custom = ByteBuilder().u16(2989).u16(8).u32(32473).u32(0xDEADBEEF).bytes();

    struct Case {
        std::uint32_t flags;
        std::uint64_t drops;
        bool custom;
        bool vlan;
        std::uint32_t expected_caplen;  // 262144 - 28 - 4 - options
    };
    const Case cases[] = {
        {0, 0, false, false, 262112},
        {0x1, 0, false, false, 262100},  // epb_flags 8 + opt_endofopt 4
        {0x1, 2, true, false, 262076},   // + epb_dropcount 12 + custom 12
        {0, 0, false, true, 262112},     // tag reinserted, still capped
        {0x2, 1, false, true, 262088},   // epb_flags 8 + epb_dropcount 12 + end 4
    };
    for (const Case& c : cases) {
        SCOPED_TRACE("expected caplen " + std::to_string(c.expected_caplen));
        PacketView packet = view_of(frame);
        packet.flags = c.flags;
        packet.drops_before = c.drops;
        if (c.custom) packet.options = custom;
        if (c.vlan) {
            packet.vlan_tpid = 0x8100;
            packet.vlan_tci = 7;
        }
        const Bytes bytes = write_one(packet);
        const rd::Blocks blocks = rd::read_blocks(bytes);
        ASSERT_EQ(blocks.error, "");
        ASSERT_EQ(blocks.blocks.size(), 1u);
        EXPECT_LE(blocks.blocks[0].total_length, rd::kMaxDumpcapBlock);
        EXPECT_EQ(blocks.blocks[0].total_length % 4, 0u);
        const rd::EnhancedPacket epb = rd::decode_epb(blocks.blocks[0]);
        ASSERT_EQ(epb.error, "");
        EXPECT_EQ(epb.options.error, "");
        EXPECT_EQ(epb.captured_length, c.expected_caplen);
        EXPECT_EQ(epb.original_length, 300000u + (c.vlan ? 4 : 0));
        if (c.vlan) {
            EXPECT_EQ(Bytes(epb.data.begin(), epb.data.begin() + 12),
                      Bytes(frame.begin(), frame.begin() + 12));
            EXPECT_EQ(Bytes(epb.data.begin() + 12, epb.data.begin() + 16),
                      Bytes({0x81, 0x00, 0x00, 0x07}));
            EXPECT_TRUE(std::equal(epb.data.begin() + 16, epb.data.end(), frame.begin() + 12));
        } else {
            EXPECT_TRUE(std::equal(epb.data.begin(), epb.data.end(), frame.begin()));
        }
        EXPECT_EQ(epb.options.u64(4),
                  c.drops != 0 ? std::optional<std::uint64_t>(c.drops) : std::nullopt);
    }
}

TEST_F(PcapngWriterTest, EveryBlockIsAlignedAndBounded) {
    ASSERT_TRUE(writer.write_section_header({"hw", "os", "app"}));
    add_interface(1, 262144);
    add_interface(101, 1000);
    std::vector<Bytes> frames;
    for (std::size_t size : {0u, 1u, 2u, 3u, 13u, 14u, 1514u, 9001u, 262144u, 300000u}) {
        frames.push_back(ethernet_frame(std::max<std::size_t>(size, 14)));
        frames.back().resize(size);
    }
    std::vector<PacketView> packets;
    for (std::size_t i = 0; i < frames.size(); ++i) {
        for (std::uint32_t interface_id : {0u, 1u}) {
            PacketView packet = view_of(frames[i], interface_id);
            packet.flags = static_cast<std::uint32_t>(i % 3);
            packet.vlan_tpid = i % 2 == 0 ? 0x8100 : 0;
            packets.push_back(packet);
        }
    }
    ASSERT_TRUE(writer.write_packets(packets));
    InterfaceStatistics stats;
    stats.user_delivered = packets.size();
    ASSERT_TRUE(writer.write_statistics(0, stats));

    const Bytes bytes = file.contents();
    const rd::Blocks blocks = rd::read_blocks(bytes);
    ASSERT_EQ(blocks.error, "");
    ASSERT_EQ(blocks.blocks.size(), 1 + 2 + packets.size() + 1);
    for (const rd::Block& block : blocks.blocks) {
        EXPECT_EQ(block.total_length % 4, 0u) << "block at " << block.offset;
        EXPECT_LE(block.total_length, rd::kMaxDumpcapBlock) << "block at " << block.offset;
    }
    EXPECT_EQ(writer.bytes_written(), bytes.size());
}

// ---------------------------------------------------------------------------------------------
// A large batch, split into several arena fills, reads back packet for packet

struct ModelPacket {
    Bytes frame;
    Bytes custom;
    PacketView view;
};

TEST_F(PcapngWriterTest, LargeBatchReadsBackPacketForPacket) {
    const std::uint32_t snaps[] = {262144, 262144, 128};
    const std::uint16_t links[] = {1, 101, 1};
    for (int i = 0; i < 3; ++i)
        add_interface(links[i], snaps[i]);

    std::mt19937 random(12345);
    auto uniform = [&](std::uint32_t low, std::uint32_t high) {
        return std::uniform_int_distribution<std::uint32_t>(low, high)(random);
    };
    constexpr std::size_t kPackets = 5000;
    std::vector<ModelPacket> model(kPackets);
    for (std::size_t i = 0; i < kPackets; ++i) {
        ModelPacket& m = model[i];
        const std::uint32_t kind = uniform(0, 99);
        const std::uint32_t size = kind < 2   ? uniform(0, 13)
                                   : kind < 5 ? uniform(9000, 70000)
                                              : uniform(14, 1600);
        m.frame = pattern(size, static_cast<std::uint8_t>(i));
        if (uniform(0, 3) == 0) {
            // Custom options of 12 to 1024 bytes: enough to force several arena flushes.
            Bytes value(uniform(4, 1016) & ~3u, static_cast<std::uint8_t>(i));
            const std::uint32_t pen = 32473;
            std::memcpy(value.data(), &pen, 4);
            append_option(m.custom, 2989, value);
        }
    }
    std::vector<PacketView> views;
    for (std::size_t i = 0; i < kPackets; ++i) {
        ModelPacket& m = model[i];
        PacketView& v = m.view;
        v.data = m.frame.data();
        v.caplen = static_cast<std::uint32_t>(m.frame.size());
        v.wirelen = v.caplen + (i % 3 == 0 ? 100 : 0);
        v.timestamp_ns = 1'700'000'000'000'000'000ull + i * 1'234'567ull;
        v.interface_id = static_cast<std::uint32_t>(i % 3);
        v.flags = uniform(0, 4) == 0 ? 0 : uniform(1, 0x13);
        v.drops_before = uniform(0, 9) == 0 ? uniform(1, 100000) : 0;
        v.queue = uniform(0, 2) == 0 ? uniform(0, 63) : kNoQueue;
        if (uniform(0, 4) == 0) {
            v.vlan_tpid = 0x8100;
            v.vlan_tci = static_cast<std::uint16_t>(uniform(0, 0xFFFF));
        }
        v.options = m.custom;
        views.push_back(v);
    }

    const std::size_t before = file.contents().size();
    ASSERT_TRUE(writer.write_packets(views));
    EXPECT_EQ(writer.packets_written(), kPackets);
    const Bytes bytes = written_since(before);
    const rd::Blocks blocks = rd::read_blocks(bytes);
    ASSERT_EQ(blocks.error, "");
    ASSERT_EQ(blocks.blocks.size(), kPackets);

    for (std::size_t i = 0; i < kPackets; ++i) {
        SCOPED_TRACE("packet " + std::to_string(i));
        const ModelPacket& m = model[i];
        const PacketView& v = m.view;
        ASSERT_EQ(blocks.blocks[i].type, rd::kEpb);
        EXPECT_LE(blocks.blocks[i].total_length, rd::kMaxDumpcapBlock);
        const rd::EnhancedPacket epb = rd::decode_epb(blocks.blocks[i]);
        ASSERT_EQ(epb.error, "");
        ASSERT_EQ(epb.options.error, "");

        // Expected frame: the tag goes back after 12 MAC bytes on Ethernet interfaces.
        const bool tagged = v.vlan_tpid != 0 && links[v.interface_id] == 1 && m.frame.size() > 12;
        Bytes frame = m.frame;
        if (tagged) {
            const Bytes tag = {static_cast<std::uint8_t>(v.vlan_tpid >> 8),
                               static_cast<std::uint8_t>(v.vlan_tpid & 0xFF),
                               static_cast<std::uint8_t>(v.vlan_tci >> 8),
                               static_cast<std::uint8_t>(v.vlan_tci & 0xFF)};
            frame.insert(frame.begin() + 12, tag.begin(), tag.end());
        }
        const std::uint32_t option_bytes =
            (v.flags != 0 ? 8u : 0u) + (v.drops_before != 0 ? 12u : 0u) +
            (v.has_queue() ? 8u : 0u) + static_cast<std::uint32_t>(m.custom.size());
        const std::uint32_t with_end = option_bytes + (option_bytes != 0 ? 4u : 0u);
        const std::uint32_t limit = (262144u - 28u - 4u - with_end) & ~3u;
        const std::uint32_t stored = std::min<std::uint32_t>(
            {static_cast<std::uint32_t>(frame.size()), snaps[v.interface_id], limit});

        EXPECT_EQ(epb.interface_id, v.interface_id);
        EXPECT_EQ(epb.timestamp, v.timestamp_ns);
        EXPECT_EQ(epb.captured_length, stored);
        EXPECT_EQ(epb.original_length, v.wirelen + (tagged ? 4u : 0u));
        EXPECT_TRUE(epb.data == Bytes(frame.begin(), frame.begin() + stored));
        EXPECT_EQ(epb.padding, Bytes((4 - stored % 4) % 4, 0));
        EXPECT_EQ(epb.options.u32(2),
                  v.flags != 0 ? std::optional<std::uint32_t>(v.flags) : std::nullopt);
        EXPECT_EQ(epb.options.u64(4), v.drops_before != 0
                                          ? std::optional<std::uint64_t>(v.drops_before)
                                          : std::nullopt);
        EXPECT_EQ(epb.options.u32(6),
                  v.has_queue() ? std::optional<std::uint32_t>(v.queue) : std::nullopt);
        EXPECT_EQ(epb.options.count(2989), m.custom.empty() ? 0u : 1u);
        EXPECT_EQ(epb.options.has_end, option_bytes != 0);
    }
    EXPECT_EQ(writer.bytes_written(), before + bytes.size());
}

// ---------------------------------------------------------------------------------------------
// Interface Statistics Block

TEST_F(PcapngWriterTest, InterfaceStatisticsBlockWithEveryOption) {
    InterfaceStatistics stats;
    stats.timestamp_ns = 0x17A2B3C4D5E6F708ull;
    stats.start_ns = 0x17A2B3C400000010ull;
    stats.end_ns = 0x17A2B3C4D5E6F708ull;
    stats.if_received = 1000;
    stats.if_dropped = 2;
    stats.filter_accepted = 900;
    stats.os_dropped = 7;
    stats.user_delivered = 893;
    ASSERT_TRUE(writer.write_statistics(1, stats));
    // 20 fixed + 7 options of 12 bytes + opt_endofopt 4 + trailer 4 = 112.
    const Bytes expected = ByteBuilder()
                               .u32(5)
                               .u32(112)
                               .u32(1)  // interface id
                               .u32(0x17A2B3C4)
                               .u32(0xD5E6F708)
                               .u16(2)  // isb_starttime: high, low
                               .u16(8)
                               .u32(0x17A2B3C4)
                               .u32(0x00000010)
                               .u16(3)  // isb_endtime
                               .u16(8)
                               .u32(0x17A2B3C4)
                               .u32(0xD5E6F708)
                               .u16(4)  // isb_ifrecv
                               .u16(8)
                               .u64(1000)
                               .u16(5)  // isb_ifdrop
                               .u16(8)
                               .u64(2)
                               .u16(6)  // isb_filteraccept
                               .u16(8)
                               .u64(900)
                               .u16(7)  // isb_osdrop
                               .u16(8)
                               .u64(7)
                               .u16(8)  // isb_usrdeliv
                               .u16(8)
                               .u64(893)
                               .u16(0)
                               .u16(0)
                               .u32(112)
                               .bytes();
    EXPECT_TRUE(same_bytes(file.contents(), expected));
}

TEST_F(PcapngWriterTest, InterfaceStatisticsLeaveOutUnknownCounters) {
    InterfaceStatistics stats;
    stats.timestamp_ns = 42;
    stats.filter_accepted = 5;
    stats.os_dropped = 0;  // known to be zero: written
    stats.user_delivered = 5;
    ASSERT_TRUE(writer.write_statistics(0, stats));
    const Bytes expected = ByteBuilder()
                               .u32(5)
                               .u32(64)
                               .u32(0)
                               .u32(0)
                               .u32(42)
                               .u16(6)
                               .u16(8)
                               .u64(5)
                               .u16(7)
                               .u16(8)
                               .u64(0)
                               .u16(8)
                               .u16(8)
                               .u64(5)
                               .u16(0)
                               .u16(0)
                               .u32(64)
                               .bytes();
    EXPECT_TRUE(same_bytes(file.contents(), expected));
}

// The per-cause drop counters of an AF_XDP source go in opt_comment, after the counters.
TEST_F(PcapngWriterTest, InterfaceStatisticsWithComment) {
    InterfaceStatistics stats;
    stats.timestamp_ns = 9;
    stats.os_dropped = 4;
    stats.comment = "AF_XDP: 4 rx_dropped";
    ASSERT_TRUE(writer.write_statistics(0, stats));
    // 20 fixed + isb_osdrop 12 + opt_comment 4 + 20 + opt_endofopt 4 + trailer 4 = 64.
    const Bytes expected = ByteBuilder()
                               .u32(5)
                               .u32(64)
                               .u32(0)
                               .u32(0)
                               .u32(9)
                               .u16(7)
                               .u16(8)
                               .u64(4)
                               .u16(1)  // opt_comment
                               .u16(20)
                               .text("AF_XDP: 4 rx_dropped")
                               .u16(0)
                               .u16(0)
                               .u32(64)
                               .bytes();
    EXPECT_TRUE(same_bytes(file.contents(), expected));
}

TEST_F(PcapngWriterTest, InterfaceStatisticsWithoutAnyOption) {
    InterfaceStatistics stats;
    stats.timestamp_ns = 0x0000000100000002ull;
    ASSERT_TRUE(writer.write_statistics(3, stats));
    const Bytes expected = ByteBuilder().u32(5).u32(24).u32(3).u32(1).u32(2).u32(24).bytes();
    EXPECT_TRUE(same_bytes(file.contents(), expected));
}

// ---------------------------------------------------------------------------------------------
// Helpers and constants

TEST(AppendOption, PadsValueToFourBytes) {
    Bytes out = {0xEE};
    const Bytes value = {'h', 'e', 'l', 'l', 'o'};
    append_option(out, 1, value);
    EXPECT_EQ(out, ByteBuilder().u8(0xEE).u16(1).u16(5).text("hello").zeros(3).bytes());

    Bytes aligned;
    append_option(aligned, 2989, ByteBuilder().u32(32473).u32(7).bytes());
    EXPECT_EQ(aligned, ByteBuilder().u16(2989).u16(8).u32(32473).u32(7).bytes());

    Bytes end;
    append_option(end, 0, {});
    EXPECT_EQ(end, ByteBuilder().u16(0).u16(0).bytes());
}

TEST(EpbFlags, ValuesFollowTheSpecification) {
    // Bits 0-1 direction (01 inbound, 10 outbound); bits 2-4 reception type (001 unicast,
    // 010 multicast, 011 broadcast, 100 promiscuous).
    EXPECT_EQ(epb_flags::kInbound, 0x1u);
    EXPECT_EQ(epb_flags::kOutbound, 0x2u);
    EXPECT_EQ(epb_flags::kUnicast, 0x4u);
    EXPECT_EQ(epb_flags::kMulticast, 0x8u);
    EXPECT_EQ(epb_flags::kBroadcast, 0xCu);
    EXPECT_EQ(epb_flags::kPromiscuous, 0x10u);
    EXPECT_EQ(epb_flags::direction(0x12), 0x2u);
    EXPECT_EQ(epb_flags::reception(0x12), 4u);
    EXPECT_EQ(epb_flags::reception(0xFFFFFFE3u), 0u);
}

TEST(PcapngWriterEpipe, EveryWriteReturnsFalseWhenTheReaderIsGone) {
    test::ignore_sigpipe();
    test::Pipe pipe;
    pipe.close_read();
    Sink sink(pipe.write_fd(), false, "closed pipe");
    PcapngWriter writer(sink);
    EXPECT_FALSE(writer.write_section_header({"hw", "os", "app"}));
    std::uint32_t id = 0;
    EXPECT_FALSE(writer.write_interface({}, id));
    const Bytes frame = pattern(100, 1);
    const PacketView packet = view_of(frame);
    EXPECT_FALSE(writer.write_packets(std::span(&packet, 1)));
    EXPECT_FALSE(writer.write_statistics(0, {}));
}

}  // namespace
}  // namespace ringdump
