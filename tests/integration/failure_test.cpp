// SPDX-License-Identifier: BSD-2-Clause
// What goes wrong in real life, on real interfaces: a missing or down interface, no
// permission, a ring that cannot fit in memory, the interface deleted during the capture.
// Each must give a one-line Error of the right kind that names the interface and the fix.
#include <gtest/gtest.h>
#include <linux/capability.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ringdump/error.h"
#include "ringdump/system_info.h"
#include "test_network.h"

namespace ringdump::test {
namespace {

using namespace std::chrono_literals;

// Opens a source in ns and returns the Error it throws (fails the test if it opens).
Error open_error(const std::string& ns, const SourceOptions& options) {
    return in_netns(ns, [&]() -> Error {
        try {
            open_source(options);
        } catch (const Error& error) {
            return error;
        }
        ADD_FAILURE() << "opening " << options.interface << " succeeded";
        return Error(ErrorKind::system, "");
    });
}

void expect_one_line_naming(const Error& error, const std::string& interface) {
    const std::string message = error.what();
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
    EXPECT_EQ(message.rfind(interface + ": ", 0), 0u) << message;
}

TEST(Failures, MissingInterface) {
    RINGDUMP_SKIP_WITHOUT_NETNS();
    TestNetwork net("n");
    for (Backend backend : {Backend::automatic, Backend::tpacket, Backend::pcap}) {
        SourceOptions options;
        options.interface = "nosuch0";
        options.backend = backend;
        const Error error = open_error(net.cap_ns(), options);
        EXPECT_EQ(error.kind(), ErrorKind::no_such_interface) << error.what();
        expect_one_line_naming(error, "nosuch0");
        EXPECT_NE(std::string(error.what()).find("ringdump -D"), std::string::npos) << error.what();
    }
}

TEST(Failures, InterfaceThatIsDown) {
    RINGDUMP_SKIP_WITHOUT_NETNS();
    TestNetwork net("d");
    net.in_cap("ip link set " + net.cap_if() + " down");
    for (Backend backend : {Backend::tpacket, Backend::pcap}) {
        SourceOptions options;
        options.interface = net.cap_if();
        options.backend = backend;
        const Error error = open_error(net.cap_ns(), options);
        EXPECT_EQ(error.kind(), ErrorKind::interface_down) << error.what();
        expect_one_line_naming(error, net.cap_if());
        EXPECT_NE(std::string(error.what()).find("ip link set " + net.cap_if() + " up"),
                  std::string::npos)
            << error.what();
    }
}

TEST(Failures, NoPermissionWithoutCapNetRaw) {
    RINGDUMP_SKIP_WITHOUT_NETNS();
    TestNetwork net("c");
    SourceOptions options;
    options.interface = net.cap_if();
    options.buffer_bytes = 1u << 20;
    const Error error = in_netns(net.cap_ns(), [&]() -> Error {
        // Capabilities are per thread on Linux: drop CAP_NET_RAW from this one only.
        __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
        __user_cap_data_struct data[2] = {};
        if (::syscall(SYS_capget, &header, data) != 0) return Error(ErrorKind::system, "capget");
        data[CAP_TO_INDEX(CAP_NET_RAW)].effective &= ~CAP_TO_MASK(CAP_NET_RAW);
        if (::syscall(SYS_capset, &header, data) != 0) return Error(ErrorKind::system, "capset");
        try {
            open_source(options);
        } catch (const Error& caught) {
            return caught;
        }
        return Error(ErrorKind::system, "opened without CAP_NET_RAW");
    });
    EXPECT_EQ(error.kind(), ErrorKind::permission) << error.what();
    expect_one_line_naming(error, net.cap_if());
    EXPECT_NE(std::string(error.what()).find("CAP_NET_RAW"), std::string::npos) << error.what();
}

TEST(Failures, RingLargerThanMemoryIsRefusedBeforeAskingTheKernel) {
    RINGDUMP_SKIP_WITHOUT_NETNS();
    TestNetwork net("o");
    const auto available = memory_available_bytes();
    ASSERT_TRUE(available);
    SourceOptions options;
    options.interface = net.cap_if();
    options.buffer_bytes = *available * 2;
    const Error error = open_error(net.cap_ns(), options);
    EXPECT_EQ(error.kind(), ErrorKind::out_of_memory) << error.what();
    expect_one_line_naming(error, net.cap_if());
    EXPECT_NE(std::string(error.what()).find("smaller buffer"), std::string::npos) << error.what();
}

TEST(Failures, InterfaceRemovedDuringCaptureEndsItWithTheFileIntact) {
    RINGDUMP_SKIP_WITHOUT_NETNS();
    TestNetwork net("r");
    SourceOptions options;
    options.interface = net.cap_if();
    options.buffer_bytes = 4u << 20;
    std::vector<std::unique_ptr<Source>> sources;
    sources.push_back(in_netns(net.cap_ns(), [&] { return open_source(options); }));
    BackgroundCapture capture(std::move(sources), StopConditions{{}, 30s, {}});
    in_netns(net.peer_ns(), [&] {
        UdpSocket out(9002);
        return out.send("198.18.0.1", 9000, 150);
    });
    std::this_thread::sleep_for(100ms);
    const auto removed = std::chrono::steady_clock::now();
    net.in_cap("ip link del " + net.cap_if());
    const CaptureResult result = capture.wait(10s);
    EXPECT_LT(std::chrono::steady_clock::now() - removed, 5s) << "noticed the removal late";
    ASSERT_EQ(result.reason, StopReason::source_failed);
    ASSERT_TRUE(result.error);
    EXPECT_EQ(result.error->kind(), ErrorKind::interface_gone) << result.error->what();
    expect_one_line_naming(*result.error, net.cap_if());

    const ReadFile file = capture.file();  // throws if any block is torn
    std::uint64_t udp = 0;
    for (const ReadPacket& packet : file.packets)
        udp += payload_sequence(packet.data).has_value();
    EXPECT_EQ(udp, 150u) << "every packet sent before the removal is in the file";
    ASSERT_EQ(file.statistics.size(), 1u);
    EXPECT_EQ(file.block_types.back(), 5u) << "the file ends with the statistics block";
}

}  // namespace
}  // namespace ringdump::test
