// SPDX-License-Identifier: BSD-2-Clause
// Giving up privilege, checked the way an administrator would: /proc/self/status of a process
// that went through it. Each case runs in a forked child (capabilities and user ids cannot be
// given back), which reports its status file through a pipe. Needs root.
#include <gtest/gtest.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>

#include "privileges.h"

namespace ringdump::app {
namespace {

constexpr CapabilityMask bit(int capability) {
    return CapabilityMask{1} << capability;
}

struct ChildReport {
    int exit_code = -1;
    std::string output;  // what the child wrote: its /proc/self/status, or an error
};

// Runs `body` in a child; whatever it returns is written to the parent.
ChildReport in_child(const std::function<std::string()>& body) {
    int fds[2];
    if (::pipe(fds) != 0) return {};
    const pid_t pid = ::fork();
    if (pid == 0) {
        ::close(fds[0]);
        std::string text;
        int code = 0;
        try {
            text = body();
        } catch (const std::exception& error) {
            text = std::string("exception: ") + error.what();
            code = 1;
        }
        const char* data = text.data();
        std::size_t left = text.size();
        while (left > 0) {
            const ssize_t n = ::write(fds[1], data, left);
            if (n <= 0) break;
            data += n;
            left -= static_cast<std::size_t>(n);
        }
        std::_Exit(code);
    }
    ::close(fds[1]);
    ChildReport report;
    char buffer[4096];
    ssize_t n;
    while ((n = ::read(fds[0], buffer, sizeof buffer)) > 0)
        report.output.append(buffer, static_cast<std::size_t>(n));
    ::close(fds[0]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    report.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return report;
}

std::string own_status() {
    std::ifstream file("/proc/self/status");
    std::stringstream text;
    text << file.rdbuf();
    return text.str();
}

// "CapEff:\t0000000000003000" -> its value; "Uid:\t1\t2\t3\t4" -> "1\t2\t3\t4".
std::string field(const std::string& status, const std::string& name) {
    const std::string key = "\n" + name + ":\t";
    const auto at = status.find(key);
    if (at == std::string::npos) return "<no " + name + ">";
    const auto start = at + key.size();
    return status.substr(start, status.find('\n', start) - start);
}

CapabilityMask mask_field(const std::string& status, const std::string& name) {
    return std::stoull(field(status, name), nullptr, 16);
}

Settings live_settings(Backend backend) {
    Settings settings;
    settings.mode = Mode::capture;
    settings.interfaces = {"rdtest0"};
    settings.backend = backend;
    return settings;
}

#define SKIP_UNLESS_ROOT()                                                                     \
    do {                                                                                       \
        if (::geteuid() != 0) GTEST_SKIP() << "needs root: it gives up capabilities root has"; \
    } while (0)

TEST(Privileges, DroppingLeavesNoCapabilityAndSetsNoNewPrivs) {
    SKIP_UNLESS_ROOT();
    const ChildReport child = in_child([] {
        drop_privileges(0);
        return own_status();
    });
    ASSERT_EQ(child.exit_code, 0) << child.output;
    for (const char* set : {"CapEff", "CapPrm", "CapInh", "CapAmb", "CapBnd"}) {
        EXPECT_EQ(mask_field(child.output, set), 0u) << set << " in\n" << child.output;
    }
    EXPECT_EQ(field(child.output, "NoNewPrivs"), "1");
}

TEST(Privileges, XdpShareKeepsOnlyWhatDetachingNeeds) {
    SKIP_UNLESS_ROOT();
    Settings settings = live_settings(Backend::afxdp);
    settings.xdp.share = true;
    const CapabilityMask keep = capabilities_needed_after_open(settings);
    EXPECT_NE(keep & bit(CAP_NET_ADMIN), 0u);
    EXPECT_NE(keep & bit(CAP_SYS_ADMIN), 0u);  // libxdp finds its dispatcher by id
    EXPECT_EQ(keep & bit(CAP_NET_RAW), 0u);
    const ChildReport child = in_child([keep] {
        drop_privileges(keep);
        return own_status();
    });
    ASSERT_EQ(child.exit_code, 0) << child.output;
    EXPECT_EQ(mask_field(child.output, "CapEff"), keep) << child.output;
    EXPECT_EQ(mask_field(child.output, "CapPrm"), keep) << child.output;
    EXPECT_EQ(mask_field(child.output, "CapBnd"), keep) << child.output;
    EXPECT_EQ(mask_field(child.output, "CapInh"), 0u) << child.output;
    EXPECT_EQ(field(child.output, "NoNewPrivs"), "1");
    // A plain capture keeps nothing.
    EXPECT_EQ(capabilities_needed_after_open(live_settings(Backend::tpacket)), 0u);
    EXPECT_EQ(capabilities_needed_after_open(live_settings(Backend::afxdp)), 0u);
}

// The setuid-root fallback: started with real uid 65534 and effective/saved uid 0, the process
// becomes 65534 in every uid and keeps the capture capabilities only.
TEST(Privileges, SetuidRootStartBecomesTheUserWithCaptureCapabilities) {
    SKIP_UNLESS_ROOT();
    const ChildReport child = in_child([] {
        if (::setresuid(65534, 0, 0) != 0) return std::string("setresuid failed");
        take_capture_capabilities();
        return own_status();
    });
    ASSERT_EQ(child.exit_code, 0) << child.output;
    EXPECT_EQ(field(child.output, "Uid"), "65534\t65534\t65534\t65534") << child.output;
    EXPECT_EQ(mask_field(child.output, "CapEff"), capture_capabilities()) << child.output;
    EXPECT_EQ(mask_field(child.output, "CapPrm"), capture_capabilities()) << child.output;
}

// File capabilities are granted permitted only (=p): at start ringdump raises the capture ones
// into its effective set, and nothing else.
TEST(Privileges, PermittedCaptureCapabilitiesAreRaisedAtStart) {
    SKIP_UNLESS_ROOT();
    const ChildReport child = in_child([] {
        // As an exec of a =p file leaves it: permitted, not effective (plus one that is not a
        // capture capability, which must stay out of the effective set).
        drop_privileges(capture_capabilities() | bit(CAP_CHOWN));
        __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
        __user_cap_data_struct data[2] = {};
        ::syscall(SYS_capget, &header, data);
        data[0].effective = data[1].effective = 0;
        if (::syscall(SYS_capset, &header, data) != 0) return std::string("capset failed");
        const std::string before = own_status();
        take_capture_capabilities();
        return before + "--\n" + own_status();
    });
    ASSERT_EQ(child.exit_code, 0) << child.output;
    const auto split = child.output.find("--\n");
    ASSERT_NE(split, std::string::npos) << child.output;
    const std::string before = child.output.substr(0, split);
    const std::string after = child.output.substr(split + 3);
    EXPECT_EQ(mask_field(before, "CapEff"), 0u) << before;
    EXPECT_EQ(mask_field(after, "CapEff"), capture_capabilities()) << after;
    EXPECT_EQ(mask_field(after, "CapPrm"), capture_capabilities() | bit(CAP_CHOWN)) << after;
}

// Without CAP_NET_RAW the capture is refused before anything is opened, in one line that names
// the missing capability and the fix; an AF_XDP capture names what XDP needs too.
TEST(Privileges, LackingCapabilitiesIsRefusedNamingTheFix) {
    SKIP_UNLESS_ROOT();
    const ChildReport child = in_child([] {
        drop_privileges(0);
        std::string lines;
        for (Backend backend : {Backend::tpacket, Backend::afxdp}) {
            try {
                check_capture_privileges(live_settings(backend));
                lines += "no refusal\n";
            } catch (const CaptureRefused& refused) {
                lines += std::string(refused.what()) + "\n";
            }
        }
        Settings file = live_settings(Backend::automatic);
        file.mode = Mode::annotate;
        check_capture_privileges(file);  // a file needs nothing: must not throw
        return lines;
    });
    ASSERT_EQ(child.exit_code, 0) << child.output;
    std::istringstream lines(child.output);
    std::string tpacket, afxdp;
    std::getline(lines, tpacket);
    std::getline(lines, afxdp);
    EXPECT_NE(tpacket.find("capturing on rdtest0 needs cap_net_raw,"), std::string::npos)
        << tpacket;
    EXPECT_NE(tpacket.find("sudo setcap cap_net_raw,cap_net_admin,"), std::string::npos) << tpacket;
    EXPECT_NE(afxdp.find("needs cap_net_raw,cap_net_admin,cap_bpf"), std::string::npos) << afxdp;
}

TEST(Privileges, CapabilityNamesAreWhatSetcapTakes) {
    EXPECT_EQ(capability_names(bit(CAP_NET_ADMIN) | bit(CAP_NET_RAW)), "cap_net_raw,cap_net_admin");
    EXPECT_EQ(capability_names(0), "");
    EXPECT_EQ(capability_names(bit(CAP_CHOWN)), "cap_0");
}

}  // namespace
}  // namespace ringdump::app
