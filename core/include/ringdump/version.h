// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <string_view>

namespace ringdump {

std::string_view version();           // "0.1.0"
std::string_view user_application();  // "ringdump 0.1.0"

}  // namespace ringdump
