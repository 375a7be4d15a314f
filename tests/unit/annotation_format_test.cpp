// SPDX-License-Identifier: BSD-2-Clause
// The annotation record against the test vector of docs/annotations.md, byte for byte, and the
// decoder's refusals.
#include "ringdump/annotation_format.h"

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "ringdump/pcapng_format.h"

namespace ringdump::annotation {
namespace {

// docs/annotations.md, "Test vector": the whole option as written on a little-endian host.
const std::vector<std::uint8_t> kVector = {
    0xad, 0x0b, 0x2c, 0x00, 0xd9, 0x7e, 0x00, 0x00,  // option 2989, length 44, PEN 32473
    0x01, 0x28, 0x01, 0x02, 0x01, 0x01, 0x04, 0x00,  // v1, 40, up, IPv4, TCP, client, out-of-order
    0x09, 0x00, 0x00, 0x00, 0xe8, 0x03, 0x00, 0x00,  // flags 0x0009, relative sequence 1000
    0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01,  // stream id
    0x88, 0x13, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // stream offset 5000
    0xa8, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // gap 1448, capture loss 0
};

Record vector_record() {
    Record record;
    record.direction = Direction::up;
    record.layers = Layers::ipv4;
    record.transport = Transport::tcp;
    record.role = Role::client;
    record.tcp_status = TcpStatus::out_of_order;
    record.flags = flags::kHasStream | flags::kMidstream;
    record.stream_id = 0x0102030405060708ull;
    record.relative_sequence = 1000;
    record.stream_offset = 5000;
    record.gap_bytes = 1448;
    record.capture_loss_bytes = 0;
    return record;
}

TEST(AnnotationFormat, EncodesTheDocumentedTestVector) {
    std::vector<std::uint8_t> option(8);
    const pcapng::OptionHeader header{kOptionCode, 4 + kRecordSize};
    std::memcpy(option.data(), &header, sizeof header);
    const std::uint32_t pen = kPen;
    std::memcpy(option.data() + 4, &pen, sizeof pen);
    const auto record = encode(vector_record());
    option.insert(option.end(), record.begin(), record.end());
    EXPECT_EQ(option, kVector);
}

TEST(AnnotationFormat, DecodesTheDocumentedTestVector) {
    DecodeError error = DecodeError::too_short;
    const auto record = decode(std::span(kVector).subspan(8), &error);
    ASSERT_TRUE(record);
    EXPECT_EQ(error, DecodeError::none);
    EXPECT_EQ(*record, vector_record());
}

TEST(AnnotationFormat, RoundTripsExtremeValues) {
    Record record;
    record.direction = Direction::transit;
    record.layers = Layers::ipv6;
    record.transport = Transport::other;
    record.role = Role::server;
    record.tcp_status = TcpStatus::reset;
    record.flags = 0xFFFF;
    record.stream_id = ~0ull;
    record.relative_sequence = ~0u;
    record.stream_offset = ~0ull - 1;
    record.gap_bytes = ~0u;
    record.capture_loss_bytes = 1;
    const auto bytes = encode(record);
    EXPECT_EQ(decode(bytes), record);
}

TEST(AnnotationFormat, RefusesWhatItCannotRead) {
    auto bytes = encode(vector_record());
    DecodeError error = DecodeError::none;
    EXPECT_FALSE(decode(std::span(bytes).first(1), &error));
    EXPECT_EQ(error, DecodeError::too_short);
    EXPECT_FALSE(decode(std::span(bytes).first(39), &error));
    EXPECT_EQ(error, DecodeError::bad_length);
    bytes[0] = 2;
    EXPECT_FALSE(decode(bytes, &error));
    EXPECT_EQ(error, DecodeError::unknown_version);
    bytes[0] = 1;
    bytes[1] = 39;  // shorter than version 1 defines
    EXPECT_FALSE(decode(bytes, &error));
    EXPECT_EQ(error, DecodeError::bad_length);
}

TEST(AnnotationFormat, ReadsTheKnownFieldsOfALongerRecord) {
    std::vector<std::uint8_t> longer(48, 0xEE);
    const auto bytes = encode(vector_record());
    std::copy(bytes.begin(), bytes.end(), longer.begin());
    longer[1] = 48;  // a later minor version appended 8 bytes
    EXPECT_EQ(decode(longer), vector_record());
}

}  // namespace
}  // namespace ringdump::annotation
