// SPDX-License-Identifier: BSD-2-Clause
// libFuzzer target for the annotation record decoder (ringdump/annotation_format.h), the code the
// Wireshark plugin runs on every custom option with ringdump's PEN. Any bytes must either be
// refused or decode to a record that encodes and decodes back to itself.
#include <cstdint>
#include <cstdlib>
#include <span>

#include "ringdump/annotation_format.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    namespace fmt = ringdump::annotation;
    fmt::DecodeError error = fmt::DecodeError::none;
    const auto record = fmt::decode(std::span(data, size), &error);
    if (!record) {
        if (error == fmt::DecodeError::none) std::abort();  // a refusal must say why
        return 0;
    }
    if (size < fmt::kRecordSize || error != fmt::DecodeError::none) std::abort();
    const auto again = fmt::decode(fmt::encode(*record));
    if (!again || !(*again == *record)) std::abort();
    return 0;
}
