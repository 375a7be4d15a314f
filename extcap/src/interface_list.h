// SPDX-License-Identifier: BSD-2-Clause
// The text of `ringdump -D`.
#pragma once

#include <string>
#include <vector>

#include "ringdump/interfaces.h"

namespace ringdump::app {

std::string interface_list_text(const std::vector<InterfaceInfo>& interfaces);

}  // namespace ringdump::app
