// SPDX-License-Identifier: BSD-2-Clause
#include "ringdump/ip_prefix.h"

#include <gtest/gtest.h>

namespace ringdump {
namespace {

TEST(IpPrefix, ParsesIpv4WithLength) {
    auto prefix = IpPrefix::parse("198.18.0.1/24");
    ASSERT_TRUE(prefix);
    EXPECT_TRUE(prefix->is_ipv4());
    EXPECT_EQ(prefix->length, 24);
    EXPECT_EQ(prefix->address[0], 198);
    EXPECT_EQ(prefix->address[3], 1);
    EXPECT_EQ(prefix->to_string(), "198.18.0.1/24");
}

TEST(IpPrefix, ParsesIpv6AndBareAddresses) {
    auto v6 = IpPrefix::parse("2001:db8::1/64");
    ASSERT_TRUE(v6);
    EXPECT_FALSE(v6->is_ipv4());
    EXPECT_EQ(v6->length, 64);
    EXPECT_EQ(v6->to_string(), "2001:db8::1/64");
    auto bare = IpPrefix::parse("2001:db8::2");
    ASSERT_TRUE(bare);
    EXPECT_EQ(bare->length, 128);
    EXPECT_EQ(IpPrefix::parse("198.18.0.9")->length, 32);
}

TEST(IpPrefix, RejectsMalformedText) {
    for (const char* text : {"", "/24", "198.18.0.1/33", "2001:db8::/129", "198.18.0.1/",
                             "198.18.0/8", "198.18.0.1/2x", "host/24", "198.18.0.1/-1"}) {
        EXPECT_FALSE(IpPrefix::parse(text)) << text;
    }
}

}  // namespace
}  // namespace ringdump
