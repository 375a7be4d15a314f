// SPDX-License-Identifier: BSD-2-Clause
// Errors raised while setting up or running a capture.
//
// Every message is one line that names the thing, the cause and the fix, e.g.
//   "rdv0: no such interface; `ringdump -D` lists the interfaces"
// Front ends prefix it with "ringdump: " and print it as is.
#pragma once

#include <stdexcept>
#include <string>

namespace ringdump {

enum class ErrorKind {
    no_such_interface,  // the named interface does not exist
    interface_down,     // the interface exists but is administratively down
    interface_gone,     // the interface was removed during the capture
    permission,         // missing capability (CAP_NET_RAW, ...)
    bad_filter,         // the capture filter does not compile
    bad_value,          // an option value is out of range or malformed
    out_of_memory,      // the kernel refused the requested buffer
    unsupported,        // the backend cannot capture on this interface
    io,                 // reading or writing a file or pipe failed
    system,             // any other failing system call
};

class Error : public std::runtime_error {
  public:
    Error(ErrorKind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}
    ErrorKind kind() const noexcept { return kind_; }

  private:
    ErrorKind kind_;
};

// strerror() text for an errno value, thread-safe.
std::string errno_text(int error);

}  // namespace ringdump
