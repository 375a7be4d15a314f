// SPDX-License-Identifier: BSD-2-Clause
// Stop requests. SIGINT and SIGTERM ask the capture loop to stop cleanly (it then writes the
// statistics blocks); a second SIGINT ends the process at once. SIGPIPE is ignored so that a
// reader going away shows up as EPIPE, a normal stop.
#pragma once

#include <atomic>

namespace ringdump::app {

void install_stop_handlers();
const std::atomic<bool>& stop_requested();

}  // namespace ringdump::app
