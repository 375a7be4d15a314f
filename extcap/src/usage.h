// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <string>

namespace ringdump::app {

std::string usage_text();

}  // namespace ringdump::app
