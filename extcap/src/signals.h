// SPDX-License-Identifier: BSD-2-Clause
// Stop requests. SIGINT and SIGTERM ask the capture loop to stop cleanly (it then writes the
// statistics blocks); a second SIGINT ends the process at once, if it comes at least half a
// second after the first: `timeout -s INT` sends SIGINT to the command and then to its whole
// process group, so one stop request often arrives twice within microseconds. SIGPIPE is
// ignored so that a reader going away shows up as EPIPE, a normal stop.
#pragma once

#include <atomic>

namespace ringdump::app {

void install_stop_handlers();
const std::atomic<bool>& stop_requested();

}  // namespace ringdump::app
