// SPDX-License-Identifier: BSD-2-Clause
// CaptureFilter: libpcap expressions compile for Ethernet (1) and raw IP (101), errors carry the
// expression and libpcap's own reason, accept_all and reject_outgoing build the programs the
// kernel runs, and the accept length is what an accepting program returns.
#include "ringdump/capture_filter.h"

#include <linux/filter.h>
#include <linux/if_packet.h>
#include <pcap/pcap.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "ringdump/error.h"

namespace ringdump {
namespace {

using ::testing::HasSubstr;

// libpcap's own error text for expression, compiled here without ringdump's code.
std::string libpcap_reason(const std::string& expression, int dlt) {
    pcap_t* dead = ::pcap_open_dead(dlt, 262144);
    if (dead == nullptr) return "pcap_open_dead failed";
    bpf_program program{};
    std::string reason;
    if (::pcap_compile(dead, &program, expression.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0) {
        reason = ::pcap_geterr(dead);
    } else {
        ::pcap_freecode(&program);
    }
    ::pcap_close(dead);
    return reason;
}

bool returns_constant(const CaptureFilter& filter, std::uint32_t k) {
    for (const BpfInstruction& insn : filter.instructions()) {
        if (insn.code == (BPF_RET | BPF_K) && insn.k == k) return true;
    }
    return false;
}

TEST(CaptureFilter, ValidFiltersCompileForEthernet) {
    for (const char* expression :
         {"tcp port 80", "udp", "ip host 198.18.0.1", "ether host 02:00:5e:10:00:01", "vlan 10",
          "arp or icmp6", "not (tcp and port 22)", ""}) {
        SCOPED_TRACE(expression);
        CaptureFilter filter;
        ASSERT_NO_THROW(filter = CaptureFilter::compile(expression, 1, 262144));
        EXPECT_FALSE(filter.instructions().empty());
        EXPECT_EQ(filter_error(expression, 1), std::nullopt);
    }
}

TEST(CaptureFilter, ValidFiltersCompileForRawIp) {
    for (const char* expression : {"tcp port 443", "udp and host 198.18.0.2", "ip6", "icmp"}) {
        SCOPED_TRACE(expression);
        EXPECT_NO_THROW(CaptureFilter::compile(expression, 101, 262144));
        EXPECT_EQ(filter_error(expression, 101), std::nullopt);
    }
}

TEST(CaptureFilter, LinkTypeMatters) {
    // Raw IP frames have no Ethernet header to match.
    EXPECT_EQ(filter_error("ether host 02:00:5e:10:00:01", 1), std::nullopt);
    EXPECT_NE(filter_error("ether host 02:00:5e:10:00:01", 101), std::nullopt);
    // The same expression compiles to different programs (headers at different offsets).
    EXPECT_NE(CaptureFilter::compile("tcp", 1, 262144).instructions().size(), 0u);
    const auto ethernet = CaptureFilter::compile("ip", 1, 262144).instructions();
    const auto raw = CaptureFilter::compile("ip", 101, 262144).instructions();
    bool same = ethernet.size() == raw.size();
    for (std::size_t i = 0; same && i < ethernet.size(); ++i) {
        same = ethernet[i].code == raw[i].code && ethernet[i].k == raw[i].k;
    }
    EXPECT_FALSE(same);
}

TEST(CaptureFilter, InvalidFilterThrowsBadFilterWithExpressionAndReason) {
    struct Case {
        const char* expression;
        std::uint16_t link_type;
        int dlt;
    };
    for (const Case& c : {Case{"tcp port", 1, DLT_EN10MB}, Case{"host 999.1.1.1", 1, DLT_EN10MB},
                          Case{"bogus keyword", 1, DLT_EN10MB},
                          Case{"ether host 02:00:5e:10:00:01", 101, DLT_RAW}}) {
        SCOPED_TRACE(c.expression);
        const std::string reason = libpcap_reason(c.expression, c.dlt);
        ASSERT_FALSE(reason.empty()) << "libpcap accepts it";
        try {
            CaptureFilter::compile(c.expression, c.link_type, 262144);
            ADD_FAILURE() << "compiled";
        } catch (const Error& error) {
            EXPECT_EQ(error.kind(), ErrorKind::bad_filter);
            EXPECT_THAT(error.what(), HasSubstr(c.expression));
            EXPECT_THAT(error.what(), HasSubstr(reason));
        }
        const auto text = filter_error(c.expression, c.link_type);
        ASSERT_TRUE(text.has_value());
        EXPECT_THAT(*text, HasSubstr(reason));
    }
}

TEST(CaptureFilter, AcceptAllIsOneReturnOfTheLength) {
    const CaptureFilter filter = CaptureFilter::accept_all(1500);
    ASSERT_EQ(filter.instructions().size(), 1u);
    const BpfInstruction& ret = filter.instructions()[0];
    EXPECT_EQ(ret.code, BPF_RET | BPF_K);
    EXPECT_EQ(ret.k, 1500u);
    EXPECT_EQ(ret.jt, 0);
    EXPECT_EQ(ret.jf, 0);
}

TEST(CaptureFilter, AcceptLengthIsTheReturnValueOfACompiledProgram) {
    for (std::uint32_t length : {96u, 1500u, 65535u, 262144u}) {
        SCOPED_TRACE(length);
        const CaptureFilter filter = CaptureFilter::compile("tcp", 1, length);
        EXPECT_TRUE(returns_constant(filter, length));
        EXPECT_TRUE(returns_constant(filter, 0));  // and a rejecting path
    }
    EXPECT_TRUE(returns_constant(CaptureFilter::compile("udp", 101, 200), 200));
}

TEST(CaptureFilter, RejectOutgoingPrependsThreeInstructions) {
    for (CaptureFilter filter :
         {CaptureFilter::compile("tcp port 80", 1, 1500), CaptureFilter::accept_all(1500)}) {
        const std::vector<BpfInstruction> original = filter.instructions();
        filter.reject_outgoing();
        const std::vector<BpfInstruction>& program = filter.instructions();
        ASSERT_EQ(program.size(), original.size() + 3);
        // A = packet type (ancillary load); if it is PACKET_OUTGOING fall through to "return 0",
        // else skip that return and run the original program.
        EXPECT_EQ(program[0].code, BPF_LD | BPF_B | BPF_ABS);
        EXPECT_EQ(program[0].k, static_cast<std::uint32_t>(SKF_AD_OFF + SKF_AD_PKTTYPE));
        EXPECT_EQ(program[1].code, BPF_JMP | BPF_JEQ | BPF_K);
        EXPECT_EQ(program[1].k, static_cast<std::uint32_t>(PACKET_OUTGOING));
        EXPECT_EQ(program[1].jt, 0);
        EXPECT_EQ(program[1].jf, 1);
        EXPECT_EQ(program[2].code, BPF_RET | BPF_K);
        EXPECT_EQ(program[2].k, 0u);
        for (std::size_t i = 0; i < original.size(); ++i) {
            SCOPED_TRACE(i);
            EXPECT_EQ(program[i + 3].code, original[i].code);
            EXPECT_EQ(program[i + 3].jt, original[i].jt);
            EXPECT_EQ(program[i + 3].jf, original[i].jf);
            EXPECT_EQ(program[i + 3].k, original[i].k);
        }
    }
}

}  // namespace
}  // namespace ringdump
