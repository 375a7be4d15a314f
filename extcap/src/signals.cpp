// SPDX-License-Identifier: BSD-2-Clause
#include "signals.h"

#include <signal.h>
#include <time.h>

#include <cstdint>

namespace ringdump::app {
namespace {

std::atomic<bool> g_stop{false};
static_assert(std::atomic<bool>::is_always_lock_free);
// When the first SIGINT came (CLOCK_MONOTONIC, ns); 0 = none yet.
std::atomic<std::int64_t> g_first_interrupt_ns{0};
static_assert(std::atomic<std::int64_t>::is_always_lock_free);
constexpr std::int64_t kSecondInterruptAfterNs = 500'000'000;

std::int64_t monotonic_ns() {
    timespec now{};
    ::clock_gettime(CLOCK_MONOTONIC, &now);  // async-signal-safe
    return std::int64_t{now.tv_sec} * 1'000'000'000 + now.tv_nsec;
}

void on_stop_signal(int) {
    g_stop.store(true, std::memory_order_relaxed);
}

void on_interrupt(int signal) {
    const std::int64_t now = monotonic_ns();
    std::int64_t first = 0;
    if (g_first_interrupt_ns.compare_exchange_strong(first, now)) {
        g_stop.store(true, std::memory_order_relaxed);
        return;
    }
    if (now - first < kSecondInterruptAfterNs) return;  // the same request, delivered twice
    // A user insisting: end now, as killed by SIGINT.
    struct sigaction fallback {};
    fallback.sa_handler = SIG_DFL;
    sigemptyset(&fallback.sa_mask);
    ::sigaction(signal, &fallback, nullptr);
    ::raise(signal);
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
    action.sa_handler = on_interrupt;  // a second Ctrl-C kills
    ::sigaction(SIGINT, &action, nullptr);
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN;
    ::sigaction(SIGPIPE, &ignore, nullptr);
}

const std::atomic<bool>& stop_requested() {
    return g_stop;
}

}  // namespace ringdump::app
