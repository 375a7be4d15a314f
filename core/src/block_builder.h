// SPDX-License-Identifier: BSD-2-Clause
// Builds one non-packet pcapng block (SHB, IDB, ISB) in a byte vector. These blocks are rare,
// so clarity wins over speed here; the packet path is in pcapng_writer.cpp.
#pragma once

#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>
#include <vector>

#include "ringdump/pcapng_format.h"
#include "ringdump/pcapng_writer.h"

namespace ringdump::pcapng {

class BlockBuilder {
  public:
    // Starts a block whose fixed part is `fixed` (its block_total_length is patched in finish()).
    template <typename Fixed>
    explicit BlockBuilder(const Fixed& fixed) {
        bytes_.resize(sizeof(Fixed));
        std::memcpy(bytes_.data(), &fixed, sizeof(Fixed));
    }

    void option(std::uint16_t code, std::span<const std::uint8_t> value) {
        append_option(bytes_, code, value);
        has_options_ = true;
    }
    void option(std::uint16_t code, std::string_view text) {
        option(code, std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
    }
    // Options already encoded as TLVs.
    void raw_options(std::span<const std::uint8_t> encoded) {
        if (encoded.empty()) return;
        bytes_.insert(bytes_.end(), encoded.begin(), encoded.end());
        has_options_ = true;
    }
    template <typename T>
    void option_value(std::uint16_t code, const T& value) {
        option(code, std::span(reinterpret_cast<const std::uint8_t*>(&value), sizeof value));
    }

    // Ends the options (opt_endofopt when there were any), appends the trailing length and
    // patches the leading one. Returns the finished block.
    std::vector<std::uint8_t>& finish() {
        if (has_options_) append_option(bytes_, kOptEndOfOpt, {});
        const auto total = static_cast<std::uint32_t>(bytes_.size() + kBlockTrailerSize);
        const auto* raw = reinterpret_cast<const std::uint8_t*>(&total);
        bytes_.insert(bytes_.end(), raw, raw + sizeof total);
        std::memcpy(bytes_.data() + 4, &total, sizeof total);
        return bytes_;
    }

  private:
    std::vector<std::uint8_t> bytes_;
    bool has_options_ = false;
};

}  // namespace ringdump::pcapng
