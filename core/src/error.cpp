// SPDX-License-Identifier: BSD-2-Clause
#include "ringdump/error.h"

#include <cstring>

namespace ringdump {

std::string errno_text(int error) {
    char buffer[256];
    // GNU strerror_r returns the message, which may or may not be in buffer.
    return ::strerror_r(error, buffer, sizeof buffer);
}

}  // namespace ringdump
