// SPDX-License-Identifier: BSD-2-Clause
// A strict whole-file pcapng reader for tests, built on the block decoder of pcapng_blocks.h:
// any framing error (lengths, padding, options, 262144-byte limit, an EPB before its IDB) is a
// FormatError. Host byte order only, as ringdump writes it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

namespace ringdump::test {

using OptionMap = std::multimap<std::uint16_t, std::vector<std::uint8_t>>;

struct ReadInterface {
    std::uint16_t link_type = 0;
    std::uint32_t snap_length = 0;
    OptionMap options;
    std::string option_string(std::uint16_t code) const;
};

struct ReadPacket {
    std::uint32_t interface_id = 0;
    std::uint64_t timestamp_ns = 0;
    std::uint32_t caplen = 0;
    std::uint32_t wirelen = 0;
    std::vector<std::uint8_t> data;
    OptionMap options;
    std::optional<std::uint32_t> flags() const;
    std::optional<std::uint64_t> drop_count() const;
};

struct ReadStatistics {
    std::uint32_t interface_id = 0;
    OptionMap options;
    std::optional<std::uint64_t> counter(std::uint16_t code) const;
};

struct ReadFile {
    OptionMap section_options;
    std::vector<ReadInterface> interfaces;
    std::vector<ReadPacket> packets;
    std::vector<ReadStatistics> statistics;
    std::vector<std::uint32_t> block_types;  // in file order
};

class FormatError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// Throws FormatError describing the first framing error.
ReadFile read_pcapng(std::span<const std::uint8_t> bytes);

// The whole content of a file descriptor (from offset 0) or a path.
std::vector<std::uint8_t> read_all(int fd);
std::vector<std::uint8_t> read_file(const std::string& path);

}  // namespace ringdump::test
