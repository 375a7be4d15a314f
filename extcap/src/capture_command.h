// SPDX-License-Identifier: BSD-2-Clause
// Runs a capture described by Settings into a sink, for both the standalone command and the
// extcap --capture mode, and reports the outcome the way each face must.
#pragma once

#include "ringdump/error.h"
#include "ringdump/sink.h"
#include "settings.h"

namespace ringdump::app {

// Returns the process exit status. Fatal errors are printed as one line on stderr. Captures from
// the interfaces of settings, or (Mode::annotate) reads settings.input. The caller has checked
// the privileges first (check_capture_privileges), before creating the output.
int run_capture(const Settings& settings, Sink& sink);

// The one-line message for an error, with the fix that depends on how ringdump was started.
std::string error_line(const Error& error);

}  // namespace ringdump::app
