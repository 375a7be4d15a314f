// SPDX-License-Identifier: BSD-2-Clause
// Link types: ARPHRD device types to LINKTYPE values, libpcap DLT <-> LINKTYPE, and the names
// tcpdump and the extcap dlt sentence use.
#include "ringdump/linktype.h"

#include <net/if.h>
#include <net/if_arp.h>
#include <pcap/pcap.h>

#include <gtest/gtest.h>

#include "ringdump/interfaces.h"

namespace ringdump {
namespace {

TEST(Linktype, FromArphrd) {
    EXPECT_EQ(linktype_for_arphrd(ARPHRD_ETHER), 1);
    EXPECT_EQ(linktype_for_arphrd(ARPHRD_LOOPBACK), 1);
    EXPECT_EQ(linktype_for_arphrd(ARPHRD_NONE), 101);
    EXPECT_EQ(linktype_for_arphrd(ARPHRD_RAWIP), 101);
    EXPECT_EQ(linktype_for_arphrd(ARPHRD_TUNNEL), 101);
    EXPECT_EQ(linktype_for_arphrd(ARPHRD_TUNNEL6), 101);
    EXPECT_EQ(linktype_for_arphrd(ARPHRD_SIT), 101);
    EXPECT_EQ(linktype_for_arphrd(ARPHRD_IPGRE), 0);
    EXPECT_EQ(linktype_for_arphrd(ARPHRD_PPP), 0);
    EXPECT_EQ(linktype_for_arphrd(ARPHRD_IEEE80211_RADIOTAP), 0);
}

TEST(Linktype, DltConversions) {
    EXPECT_EQ(linktype_for_dlt(DLT_RAW), 101);
    EXPECT_EQ(dlt_for_linktype(101), DLT_RAW);
    EXPECT_EQ(linktype_for_dlt(DLT_EN10MB), 1);
    EXPECT_EQ(dlt_for_linktype(1), DLT_EN10MB);
    EXPECT_EQ(linktype_for_dlt(DLT_LINUX_SLL), 113);
    EXPECT_EQ(dlt_for_linktype(113), DLT_LINUX_SLL);
    for (std::uint16_t linktype : std::initializer_list<std::uint16_t>{1, 101, 113, 127, 276}) {
        EXPECT_EQ(linktype_for_dlt(dlt_for_linktype(linktype)), linktype) << linktype;
    }
}

TEST(Linktype, Names) {
    EXPECT_EQ(linktype_name(1), "EN10MB");
    EXPECT_EQ(linktype_name(101), "RAW");
    EXPECT_EQ(linktype_description(1), "Ethernet");
    EXPECT_EQ(linktype_description(101), "Raw IP");
    EXPECT_EQ(linktype_name(113), "LINUX_SLL");  // from libpcap
    EXPECT_FALSE(linktype_description(113).empty());
}

TEST(InterfaceInfo, LinkTypeAndFlagSummary) {
    InterfaceInfo info;
    info.arphrd = ARPHRD_ETHER;
    EXPECT_EQ(info.link_type(), 1);
    info.arphrd = ARPHRD_NONE;
    EXPECT_EQ(info.link_type(), 101);
    EXPECT_EQ(info.flag_summary(), "down");
    EXPECT_FALSE(info.is_up());
    info.flags = IFF_UP | IFF_RUNNING | IFF_LOOPBACK | IFF_PROMISC;
    EXPECT_TRUE(info.is_up());
    EXPECT_TRUE(info.is_running());
    EXPECT_TRUE(info.is_loopback());
    EXPECT_EQ(info.flag_summary(), "up, running, loopback, promiscuous");
}

}  // namespace
}  // namespace ringdump
