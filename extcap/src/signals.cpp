// SPDX-License-Identifier: BSD-2-Clause
#include "signals.h"

#include <signal.h>

namespace ringdump::app {
namespace {

std::atomic<bool> g_stop{false};
static_assert(std::atomic<bool>::is_always_lock_free);

void on_stop_signal(int) {
    g_stop.store(true, std::memory_order_relaxed);
}

}  // namespace

void install_stop_handlers() {
    struct sigaction action {};
    action.sa_handler = on_stop_signal;
    sigemptyset(&action.sa_mask);
    // Restart interrupted writes so a block being written is finished, never torn; poll()
    // still returns EINTR, which is where the loop looks at the flag.
    action.sa_flags = SA_RESTART;
    ::sigaction(SIGTERM, &action, nullptr);
    action.sa_flags = SA_RESTART | SA_RESETHAND;  // a second Ctrl-C kills
    ::sigaction(SIGINT, &action, nullptr);
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN;
    ::sigaction(SIGPIPE, &ignore, nullptr);
}

const std::atomic<bool>& stop_requested() {
    return g_stop;
}

}  // namespace ringdump::app
