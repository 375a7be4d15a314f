// SPDX-License-Identifier: BSD-2-Clause
#include "pcapng_reader.h"

#include <unistd.h>

#include <cstring>
#include <fstream>
#include <iterator>

namespace ringdump::test {
namespace {

template <typename T>
T load(std::span<const std::uint8_t> bytes, std::size_t offset) {
    if (offset + sizeof(T) > bytes.size()) throw FormatError("read past the end of a block");
    T value;
    std::memcpy(&value, bytes.data() + offset, sizeof value);
    return value;
}

OptionMap parse_options(std::span<const std::uint8_t> body, std::size_t offset) {
    OptionMap options;
    bool ended = false;
    while (offset < body.size()) {
        if (ended) throw FormatError("bytes after opt_endofopt");
        const auto code = load<std::uint16_t>(body, offset);
        const auto length = load<std::uint16_t>(body, offset + 2);
        offset += 4;
        if (code == 0) {
            if (length != 0) throw FormatError("opt_endofopt with a length");
            ended = true;
            continue;
        }
        const std::size_t padded = (length + 3u) & ~3u;
        if (offset + padded > body.size()) throw FormatError("option runs past its block");
        options.emplace(
            code, std::vector<std::uint8_t>(body.begin() + static_cast<long>(offset),
                                            body.begin() + static_cast<long>(offset + length)));
        for (std::size_t i = length; i < padded; ++i) {
            if (body[offset + i] != 0) throw FormatError("non-zero option padding");
        }
        offset += padded;
    }
    if (!options.empty() && !ended) throw FormatError("options without opt_endofopt");
    return options;
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
    ReadFile file;
    std::size_t offset = 0;
    while (offset < bytes.size()) {
        const auto type = load<std::uint32_t>(bytes, offset);
        const auto length = load<std::uint32_t>(bytes, offset + 4);
        if (length < 12 || length % 4 != 0)
            throw FormatError("bad block length " + std::to_string(length));
        if (length > 262144) throw FormatError("block longer than 262144 bytes");
        if (offset + length > bytes.size()) throw FormatError("truncated block at the end");
        if (load<std::uint32_t>(bytes, offset + length - 4) != length) {
            throw FormatError("trailing block length differs");
        }
        const std::span<const std::uint8_t> body = bytes.subspan(offset, length - 4);
        if (file.block_types.empty() && type != 0x0A0D0D0A)
            throw FormatError("first block is not an SHB");
        file.block_types.push_back(type);
        switch (type) {
            case 0x0A0D0D0A:
                if (load<std::uint32_t>(body, 8) != 0x1A2B3C4D)
                    throw FormatError("bad byte-order magic");
                file.section_options = parse_options(body, 24);
                break;
            case 1: {
                ReadInterface interface;
                interface.link_type = load<std::uint16_t>(body, 8);
                interface.snap_length = load<std::uint32_t>(body, 12);
                interface.options = parse_options(body, 16);
                file.interfaces.push_back(std::move(interface));
                break;
            }
            case 6: {
                ReadPacket packet;
                packet.interface_id = load<std::uint32_t>(body, 8);
                if (packet.interface_id >= file.interfaces.size()) {
                    throw FormatError("EPB before the IDB it refers to");
                }
                packet.timestamp_ns = std::uint64_t{load<std::uint32_t>(body, 12)} << 32 |
                                      load<std::uint32_t>(body, 16);
                packet.caplen = load<std::uint32_t>(body, 20);
                packet.wirelen = load<std::uint32_t>(body, 24);
                const std::size_t padded = (packet.caplen + 3u) & ~3u;
                if (28 + padded > body.size()) throw FormatError("packet data runs past its block");
                packet.data.assign(body.begin() + 28, body.begin() + 28 + packet.caplen);
                packet.options = parse_options(body, 28 + padded);
                file.packets.push_back(std::move(packet));
                break;
            }
            case 5: {
                ReadStatistics statistics;
                statistics.interface_id = load<std::uint32_t>(body, 8);
                statistics.options = parse_options(body, 20);
                file.statistics.push_back(std::move(statistics));
                break;
            }
            default:
                break;
        }
        offset += length;
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
