// SPDX-License-Identifier: BSD-2-Clause
#include "pcapng_reader.h"

#include <unistd.h>

#include <cstring>
#include <fstream>
#include <iterator>

#include "pcapng_blocks.h"

namespace ringdump::test {
namespace {

OptionMap to_map(const pcapng::Options& options, const std::string& where) {
    if (!options.error.empty()) throw FormatError(where + ": " + options.error);
    OptionMap map;
    for (const pcapng::Option& option : options.list)
        map.emplace(option.code, option.value);
    return map;
}

template <typename T>
std::optional<T> option_value(const OptionMap& options, std::uint16_t code) {
    auto it = options.find(code);
    if (it == options.end() || it->second.size() != sizeof(T)) return std::nullopt;
    T value;
    std::memcpy(&value, it->second.data(), sizeof value);
    return value;
}

}  // namespace

std::string ReadInterface::option_string(std::uint16_t code) const {
    auto it = options.find(code);
    return it == options.end() ? std::string() : std::string(it->second.begin(), it->second.end());
}

std::optional<std::uint32_t> ReadPacket::flags() const {
    return option_value<std::uint32_t>(options, 2);
}
std::optional<std::uint64_t> ReadPacket::drop_count() const {
    return option_value<std::uint64_t>(options, 4);
}
std::optional<std::uint64_t> ReadStatistics::counter(std::uint16_t code) const {
    return option_value<std::uint64_t>(options, code);
}

ReadFile read_pcapng(std::span<const std::uint8_t> bytes) {
    const pcapng::Blocks blocks = pcapng::read_blocks(bytes);
    if (!blocks.error.empty()) throw FormatError(blocks.error);
    ReadFile file;
    for (const pcapng::Block& block : blocks.blocks) {
        const std::string where = "block at " + std::to_string(block.offset);
        if (block.total_length > pcapng::kMaxDumpcapBlock) {
            throw FormatError(where + " is longer than " +
                              std::to_string(pcapng::kMaxDumpcapBlock));
        }
        if (file.block_types.empty() && block.type != pcapng::kShb) {
            throw FormatError("the first block is not a section header");
        }
        file.block_types.push_back(block.type);
        switch (block.type) {
            case pcapng::kShb: {
                const pcapng::SectionHeader shb = pcapng::decode_shb(block);
                if (shb.magic != 0x1A2B3C4D) throw FormatError(where + ": bad byte-order magic");
                file.section_options = to_map(shb.options, where);
                break;
            }
            case pcapng::kIdb: {
                const pcapng::InterfaceDescription idb = pcapng::decode_idb(block);
                file.interfaces.push_back(
                    {idb.link_type, idb.snap_length, to_map(idb.options, where)});
                break;
            }
            case pcapng::kEpb: {
                const pcapng::EnhancedPacket epb = pcapng::decode_epb(block);
                if (!epb.error.empty()) throw FormatError(where + ": " + epb.error);
                if (epb.interface_id >= file.interfaces.size()) {
                    throw FormatError(where + ": packet before the IDB it refers to");
                }
                file.packets.push_back({epb.interface_id, epb.timestamp, epb.captured_length,
                                        epb.original_length, epb.data, to_map(epb.options, where)});
                break;
            }
            case pcapng::kIsb: {
                const pcapng::InterfaceStatistics isb = pcapng::decode_isb(block);
                file.statistics.push_back({isb.interface_id, to_map(isb.options, where)});
                break;
            }
            default:
                break;
        }
    }
    return file;
}

std::vector<std::uint8_t> read_all(int fd) {
    std::vector<std::uint8_t> bytes;
    std::uint8_t buffer[65536];
    off_t position = 0;
    for (;;) {
        const ssize_t got = ::pread(fd, buffer, sizeof buffer, position);
        if (got <= 0) break;
        bytes.insert(bytes.end(), buffer, buffer + got);
        position += got;
    }
    return bytes;
}

std::vector<std::uint8_t> read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace ringdump::test
