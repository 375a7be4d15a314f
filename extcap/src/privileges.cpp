// SPDX-License-Identifier: BSD-2-Clause
#include "privileges.h"

#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <vector>

#include "log.h"
#include "privileges_config.h"
#include "ringdump/error.h"

namespace ringdump::app {
namespace {

// CAP_BPF and CAP_PERFMON came with Linux 5.8; older headers lack the names.
constexpr int kCapBpf = 39;

constexpr CapabilityMask bit(int capability) {
    return CapabilityMask{1} << capability;
}

// The helper role is a property of the executable (main.cpp of ringdump-capture sets it), not
// of its path: a copied or renamed helper must still never try to run a helper.
bool g_capture_helper = false;

struct CapabilitySets {
    CapabilityMask effective = 0;
    CapabilityMask permitted = 0;
    CapabilityMask inheritable = 0;
};

CapabilitySets read_capabilities() {
    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    std::array<__user_cap_data_struct, _LINUX_CAPABILITY_U32S_3> data{};
    if (::syscall(SYS_capget, &header, data.data()) != 0) {
        throw Error(ErrorKind::system,
                    "cannot read this process's capabilities (capget: " + errno_text(errno) + ")");
    }
    auto join = [](std::uint32_t low, std::uint32_t high) {
        return CapabilityMask{low} | (CapabilityMask{high} << 32);
    };
    return {join(data[0].effective, data[1].effective), join(data[0].permitted, data[1].permitted),
            join(data[0].inheritable, data[1].inheritable)};
}

void write_capabilities(const CapabilitySets& sets) {
    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    std::array<__user_cap_data_struct, _LINUX_CAPABILITY_U32S_3> data{};
    auto low = [](CapabilityMask mask) { return static_cast<std::uint32_t>(mask); };
    auto high = [](CapabilityMask mask) { return static_cast<std::uint32_t>(mask >> 32); };
    data[0] = {low(sets.effective), low(sets.permitted), low(sets.inheritable)};
    data[1] = {high(sets.effective), high(sets.permitted), high(sets.inheritable)};
    if (::syscall(SYS_capset, &header, data.data()) != 0) {
        throw Error(ErrorKind::system,
                    "cannot set this process's capabilities (capset: " + errno_text(errno) + ")");
    }
}

// The highest capability the running kernel knows (CAP_BPF is 39, from Linux 5.8).
int last_capability() {
    std::ifstream file("/proc/sys/kernel/cap_last_cap");
    int last = CAP_AUDIT_READ;  // 37: Linux 3.16, the oldest kernel ringdump runs on
    file >> last;
    return last;
}

// CAP_BPF where the kernel has it; before 5.8 loading BPF programs needed CAP_SYS_ADMIN.
CapabilityMask bpf_capability() {
    return last_capability() >= kCapBpf ? bit(kCapBpf) : bit(CAP_SYS_ADMIN);
}

bool uses_afxdp(const Settings& settings) {
    return settings.backend == Backend::afxdp;
}

bool memlock_unlimited() {
    rlimit limit{};
    return ::getrlimit(RLIMIT_MEMLOCK, &limit) == 0 && limit.rlim_cur == RLIM_INFINITY;
}

std::string executable_path() {
    char path[PATH_MAX] = {};
    const ssize_t length = ::readlink("/proc/self/exe", path, sizeof path - 1);
    return length > 0 ? std::string(path, static_cast<std::size_t>(length)) : "ringdump";
}

std::string user_name() {
    if (const passwd* entry = ::getpwuid(::getuid()); entry != nullptr) return entry->pw_name;
    return std::to_string(::getuid());
}

std::string group_name(gid_t gid) {
    if (const group* entry = ::getgrgid(gid); entry != nullptr) return entry->gr_name;
    return std::to_string(gid);
}

// In the group for this process (its real, effective or supplementary groups)?
bool session_in_group(gid_t gid) {
    if (::getgid() == gid || ::getegid() == gid) return true;
    const int count = ::getgroups(0, nullptr);
    if (count <= 0) return false;
    std::vector<gid_t> groups(static_cast<std::size_t>(count));
    const int got = ::getgroups(count, groups.data());
    for (int i = 0; i < got; ++i) {
        if (groups[static_cast<std::size_t>(i)] == gid) return true;
    }
    return false;
}

// In the group according to the group database (what `usermod -aG` changed)?
bool listed_in_group(gid_t gid) {
    const passwd* user = ::getpwuid(::getuid());
    if (user == nullptr) return false;
    if (user->pw_gid == gid) return true;
    const group* entry = ::getgrgid(gid);
    if (entry == nullptr || entry->gr_mem == nullptr) return false;
    const std::string name = user->pw_name;
    for (char** member = entry->gr_mem; *member != nullptr; ++member) {
        if (name == *member) return true;
    }
    return false;
}

std::string what_lacks(const Settings& settings, CapabilityMask missing) {
    std::string where;
    if (settings.interfaces.size() == 1) where = " on " + settings.interfaces.front();
    return "capturing" + where + " needs " + capability_names(missing) + ", which this process " +
           (effective_capabilities() == 0 ? "does not have (it has no capabilities)"
                                          : "does not have");
}

// The one line a user without the right to capture gets, naming the fix.
std::string refusal(const Settings& settings, CapabilityMask missing) {
    const std::string helper = kCaptureHelperPath;
    const std::string enable_hint = kCaptureEnableHint;
    const std::string caps = capability_names(capture_capabilities()) + "=p";
    if (const CapabilityMask root_only = missing & ~capture_capabilities(); root_only != 0) {
        // What no capture helper is granted (CAP_SYS_ADMIN for --xdp-share).
        return what_lacks(settings, missing) + ": " + capability_names(root_only) +
               " is for root only" +
               (settings.xdp.share ? " (libxdp needs it to share XDP with other programs): run "
                                     "as root, or capture without --xdp-share"
                                   : ": run as root");
    }
    if (g_capture_helper) {
        // The helper runs without its file capabilities: the package was told that only root
        // captures, or the filesystem could not hold them.
        return what_lacks(settings, missing) + ": " + executable_path() +
               (effective_capabilities() == 0 ? " holds no capture capabilities"
                                              : " does not hold them") +
               ", so only root may capture here; " +
               (enable_hint.empty()
                    ? "grant them with: sudo setcap " + caps + " " + executable_path()
                    : "to let a group capture, run: " + enable_hint);
    }
    if (helper.empty()) {
        return what_lacks(settings, missing) +
               ": run as root, or grant it once with: sudo setcap " + caps + " " +
               executable_path();
    }
    struct stat status {};
    if (::stat(helper.c_str(), &status) != 0) {
        return what_lacks(settings, missing) + ", and its capture helper " + helper +
               " is missing: reinstall the ringdump package, or run as root";
    }
    const std::string group = group_name(status.st_gid);
    if (listed_in_group(status.st_gid) && !session_in_group(status.st_gid)) {
        return "you were added to the group '" + group +
               "' after this session started: log out and in again (or run 'newgrp " + group +
               "'), then capture again";
    }
    return "you may not capture: only root and members of the group '" + group + "' may run " +
           helper + "; add yourself with 'sudo usermod -aG " + group + " " + user_name() +
           "' and log in again";
}

}  // namespace

void set_capture_helper_role(bool helper) {
    g_capture_helper = helper;
}

CapabilityMask capabilities_needed_to_open(const Settings& settings) {
    const bool live = settings.mode == Mode::capture || settings.mode == Mode::extcap_capture;
    if (!live) return 0;
    CapabilityMask needed = bit(CAP_NET_RAW);
    if (uses_afxdp(settings)) {
        needed |= bit(CAP_NET_ADMIN) | bpf_capability();
        // UMEM pages are charged to RLIMIT_MEMLOCK unless CAP_IPC_LOCK.
        if (!memlock_unlimited()) needed |= bit(CAP_IPC_LOCK);
        // libxdp finds the programs already attached by id (BPF_PROG_GET_FD_BY_ID), which
        // needs CAP_SYS_ADMIN. Seen on 6.18: with CAP_NET_ADMIN and CAP_BPF only, libxdp
        // attached the program and then could not detach it (e2e.afxdp checks the detach).
        if (settings.xdp.share) needed |= bit(CAP_SYS_ADMIN);
    }
    return needed;
}

CapabilityMask capabilities_needed_after_open(const Settings& settings) {
    // libxdp rewrites its dispatcher to detach at the end, finding it by id again.
    if (uses_afxdp(settings) && settings.xdp.share) {
        return bit(CAP_NET_ADMIN) | bpf_capability() | bit(CAP_SYS_ADMIN);
    }
    return 0;
}

CapabilityMask effective_capabilities() {
    return read_capabilities().effective;
}

std::string capability_names(CapabilityMask mask) {
    // The capture ones first, in the order the documentation and packages name them.
    static constexpr std::array<std::pair<int, const char*>, 6> kNamed{{
        {CAP_NET_RAW, "cap_net_raw"},
        {CAP_NET_ADMIN, "cap_net_admin"},
        {kCapBpf, "cap_bpf"},
        {CAP_IPC_LOCK, "cap_ipc_lock"},
        {CAP_SYS_ADMIN, "cap_sys_admin"},
        {CAP_SETPCAP, "cap_setpcap"},
    }};
    std::string names;
    auto add = [&names](const std::string& name) { names += (names.empty() ? "" : ",") + name; };
    for (const auto& [capability, name] : kNamed) {
        if ((mask & bit(capability)) != 0) add(name);
        mask &= ~bit(capability);
    }
    for (int capability = 0; capability < 64; ++capability) {
        if ((mask & bit(capability)) != 0) add("cap_" + std::to_string(capability));
    }
    return names;
}

CapabilityMask capture_capabilities() {
    return bit(CAP_NET_RAW) | bit(CAP_NET_ADMIN) | bit(CAP_IPC_LOCK) | bpf_capability();
}

void take_capture_capabilities() {
    const uid_t real = ::getuid();
    if (::geteuid() == 0 && real != 0) {
        // Keep the permitted set across the change of user, then keep only the capture ones.
        if (::prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0 || ::setresuid(real, real, real) != 0 ||
            ::prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) != 0) {
            std::fprintf(stderr, "ringdump: cannot give up root for user %u (%s)\n", real,
                         errno_text(errno).c_str());
            std::_Exit(1);
        }
        const CapabilityMask keep = capture_capabilities() & read_capabilities().permitted;
        write_capabilities({keep, keep, 0});
        return;
    }
    // File capabilities are granted permitted only (=p): then an exec never fails because a
    // container's bounding set lacks one of them (with =ep the kernel refuses to run the file),
    // and the check before the capture names what is missing instead.
    CapabilitySets sets = read_capabilities();
    const CapabilityMask raise = sets.permitted & capture_capabilities() & ~sets.effective;
    if (raise != 0) {
        sets.effective |= raise;
        write_capabilities(sets);
    }
}

void run_capture_helper_if_needed(const Settings& settings, char** argv) {
    const std::string helper = kCaptureHelperPath;
    if (g_capture_helper || helper.empty()) return;
    const CapabilityMask needed = capabilities_needed_to_open(settings);
    if ((needed & ~effective_capabilities()) == 0) return;
    if (::access(helper.c_str(), X_OK) != 0) return;  // check_capture_privileges says why
    log(LogLevel::debug,
        "running the capture helper " + helper + " for " + capability_names(needed));
    // The helper's own path as argv[0], so that ps shows which program captures.
    std::string program = helper;
    char* const saved = argv[0];
    argv[0] = program.data();
    ::execv(helper.c_str(), argv);
    argv[0] = saved;
    log(LogLevel::warning, "cannot run the capture helper " + helper + ": " + errno_text(errno));
}

void check_capture_privileges(const Settings& settings) {
    const CapabilityMask missing =
        capabilities_needed_to_open(settings) & ~effective_capabilities();
    if (missing != 0) throw CaptureRefused(refusal(settings, missing));
}

std::string permission_hint() {
    const std::string helper = kCaptureHelperPath;
    if (!helper.empty() && !g_capture_helper) {
        return "only root and the group that may run " + helper + " may capture";
    }
    return "run as root, or grant the capabilities once with: sudo setcap " +
           capability_names(capture_capabilities()) + "=p " + executable_path();
}

void drop_privileges(CapabilityMask keep) {
    const CapabilitySets before = read_capabilities();
    keep &= before.permitted;
    // The bounding set limits what any later execve could gain; emptying it needs
    // CAP_SETPCAP, which only root has here.
    if ((before.effective & bit(CAP_SETPCAP)) != 0) {
        const int last = last_capability();
        for (int capability = 0; capability <= last; ++capability) {
            if ((keep & bit(capability)) != 0) continue;
            if (::prctl(PR_CAPBSET_DROP, capability, 0, 0, 0) != 0 && errno != EINVAL) {
                throw Error(ErrorKind::system,
                            "cannot drop capability " + std::to_string(capability) +
                                " from the bounding set (" + errno_text(errno) + ")");
            }
        }
    }
    if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL) {
        throw Error(ErrorKind::system,
                    "cannot clear the ambient capabilities (" + errno_text(errno) + ")");
    }
    write_capabilities({keep, keep, 0});
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
        throw Error(ErrorKind::system, "cannot set no_new_privs (" + errno_text(errno) + ")");
    }
    log(LogLevel::debug, "capabilities after opening the capture: " +
                             (keep == 0 ? std::string("none") : capability_names(keep)));
}

}  // namespace ringdump::app
