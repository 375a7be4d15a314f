// SPDX-License-Identifier: BSD-2-Clause
// Who may capture, and for how long the capture process keeps that right.
//
// A live capture needs capabilities (CAP_NET_RAW for packet sockets, CAP_NET_ADMIN, CAP_BPF and
// CAP_IPC_LOCK for AF_XDP). Packages grant them the way Debian and Fedora grant dumpcap's: as
// file capabilities on a capture helper (ringdump-capture, the same program) that only root and
// one group may execute, while the ringdump that Wireshark and the shell run holds nothing. This
// module
//   - checks, before anything is opened, that the process holds what the capture needs, and
//     otherwise runs the helper in its place or says exactly what to do;
//   - turns a setuid-root start (the fallback when a filesystem cannot hold file capabilities)
//     into the real user with just the capture capabilities, before any file is opened;
//   - drops every capability once the sockets are open, and sets no_new_privs.
// docs/ringdump.1.md, PERMISSIONS, is the user's side of it.
#pragma once

#include <cstdint>
#include <string>

#include "ringdump/error.h"
#include "settings.h"

namespace ringdump::app {

// Capability bit masks (1 << CAP_x), as in /proc/PID/status.
using CapabilityMask = std::uint64_t;

// ringdump-capture (the helper packages install) says so at start: it never runs a helper
// itself, and its refusals speak of its own missing file capabilities.
void set_capture_helper_role(bool helper);

// What a capture with these settings needs while opening its sources; 0 when it reads a file.
CapabilityMask capabilities_needed_to_open(const Settings& settings);

// What it still needs after the sources are open: with --xdp-share, libxdp finds and rewrites
// its dispatcher to detach at the end (CAP_NET_ADMIN, CAP_BPF, CAP_SYS_ADMIN); otherwise nothing.
CapabilityMask capabilities_needed_after_open(const Settings& settings);

// This process's effective capabilities.
CapabilityMask effective_capabilities();

// "cap_net_raw,cap_net_admin", in bit order; the form setcap(8) takes.
std::string capability_names(CapabilityMask mask);

// Every capability packages grant the helper (packaging/capabilities.txt lists the same):
// CAP_NET_RAW, CAP_NET_ADMIN, CAP_IPC_LOCK, and CAP_BPF when the running kernel knows it
// (5.8+; CAP_SYS_ADMIN stands in for it before).
CapabilityMask capture_capabilities();

// Call first, before any file is opened. Started setuid root by a user other than root: becomes
// that user, keeping only the capture capabilities. Started with file capabilities (granted
// permitted only, =p): raises the capture ones into the effective set.
void take_capture_capabilities();

// Before opening sources: when this process lacks what the capture needs and a capture
// helper is installed that this user may run, executes it with the same arguments (does not
// return). Returns when the capture should go on here (enough privilege, no helper, or the
// helper cannot run): check_capture_privileges then tells what is missing.
void run_capture_helper_if_needed(const Settings& settings, char** argv);

// A refusal to capture whose message already names the fix.
class CaptureRefused : public Error {
  public:
    explicit CaptureRefused(const std::string& message) : Error(ErrorKind::permission, message) {}
};

// Throws CaptureRefused with one line naming what is missing and the fix when this process
// lacks a capability the capture needs.
void check_capture_privileges(const Settings& settings);

// What to do about a permission error raised while opening a capture (added to its line).
std::string permission_hint();

// Keeps only `keep` (effective and permitted), clears the inheritable and ambient sets,
// empties the bounding set where allowed (root) and sets no_new_privs. Throws Error(system)
// if the kernel refuses: a capture must not go on believing it gave up what it still holds.
void drop_privileges(CapabilityMask keep);

}  // namespace ringdump::app
