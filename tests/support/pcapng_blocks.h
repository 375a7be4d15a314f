// SPDX-License-Identifier: BSD-2-Clause
// A minimal, independent pcapng decoder for the tests: walks the blocks of a host-byte-order
// section and decodes SHB, IDB, EPB and ISB fields and options as draft-ietf-opsawg-pcapng
// defines them, reporting framing errors as text. It deliberately does not use ringdump's own
// pcapng_format.h structs, so a layout mistake there cannot hide in both writer and reader.
// pcapng_reader.h builds a whole-file view on top of it.
#pragma once

#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace ringdump::test {
using Bytes = std::vector<std::uint8_t>;
}  // namespace ringdump::test

namespace ringdump::test::pcapng {

// Block types from the specification.
inline constexpr std::uint32_t kShb = 0x0A0D0D0A;
inline constexpr std::uint32_t kIdb = 0x00000001;
inline constexpr std::uint32_t kIsb = 0x00000005;
inline constexpr std::uint32_t kEpb = 0x00000006;
inline constexpr std::uint32_t kMaxDumpcapBlock = 262144;  // WTAP_MAX_PACKET_SIZE_STANDARD

template <typename T>
T load(std::span<const std::uint8_t> bytes, std::size_t offset) {
    T value{};
    if (offset + sizeof value <= bytes.size())
        std::memcpy(&value, bytes.data() + offset, sizeof value);
    return value;
}

struct Block {
    std::size_t offset = 0;  // in the stream
    std::uint32_t type = 0;
    std::uint32_t total_length = 0;
    std::uint32_t trailing_length = 0;
    Bytes body;  // everything between the leading and the trailing Block Total Length
};

struct Blocks {
    std::vector<Block> blocks;
    std::string error;  // empty when every block was well formed

    std::vector<const Block*> of_type(std::uint32_t type) const {
        std::vector<const Block*> out;
        for (const Block& block : blocks) {
            if (block.type == type) out.push_back(&block);
        }
        return out;
    }
};

// Splits a stream into blocks, checking the framing rules dumpcap enforces.
inline Blocks read_blocks(std::span<const std::uint8_t> bytes) {
    Blocks result;
    std::size_t at = 0;
    while (at < bytes.size()) {
        if (bytes.size() - at < 12) {
            result.error = "truncated block at " + std::to_string(at);
            break;
        }
        Block block;
        block.offset = at;
        block.type = load<std::uint32_t>(bytes, at);
        block.total_length = load<std::uint32_t>(bytes, at + 4);
        if (block.total_length < 12 || block.total_length % 4 != 0 ||
            block.total_length > bytes.size() - at) {
            result.error = "bad block total length " + std::to_string(block.total_length) + " at " +
                           std::to_string(at);
            break;
        }
        block.trailing_length = load<std::uint32_t>(bytes, at + block.total_length - 4);
        if (block.trailing_length != block.total_length) {
            result.error = "trailing length " + std::to_string(block.trailing_length) +
                           " differs from " + std::to_string(block.total_length) + " at " +
                           std::to_string(at);
            break;
        }
        block.body.assign(bytes.begin() + static_cast<std::ptrdiff_t>(at + 8),
                          bytes.begin() + static_cast<std::ptrdiff_t>(at + block.total_length - 4));
        result.blocks.push_back(std::move(block));
        at += result.blocks.back().total_length;
    }
    return result;
}

struct Option {
    std::uint16_t code = 0;
    Bytes value;  // without padding
};

struct Options {
    std::vector<Option> list;  // opt_endofopt not included
    bool has_end = false;      // opt_endofopt seen
    std::string error;         // empty when well formed

    const Option* find(std::uint16_t code) const {
        for (const Option& option : list) {
            if (option.code == code) return &option;
        }
        return nullptr;
    }
    std::size_t count(std::uint16_t code) const {
        std::size_t n = 0;
        for (const Option& option : list)
            n += option.code == code ? 1 : 0;
        return n;
    }
    std::optional<std::uint64_t> u64(std::uint16_t code) const {
        const Option* option = find(code);
        if (option == nullptr || option->value.size() != 8) return std::nullopt;
        return load<std::uint64_t>(option->value, 0);
    }
    std::optional<std::uint32_t> u32(std::uint16_t code) const {
        const Option* option = find(code);
        if (option == nullptr || option->value.size() != 4) return std::nullopt;
        return load<std::uint32_t>(option->value, 0);
    }
    // A timestamp option: high 32 bits then low 32 bits.
    std::optional<std::uint64_t> timestamp(std::uint16_t code) const {
        const Option* option = find(code);
        if (option == nullptr || option->value.size() != 8) return std::nullopt;
        return (std::uint64_t{load<std::uint32_t>(option->value, 0)} << 32) |
               load<std::uint32_t>(option->value, 4);
    }
    std::string text(std::uint16_t code) const {
        const Option* option = find(code);
        return option == nullptr ? std::string()
                                 : std::string(option->value.begin(), option->value.end());
    }
};

// Parses an options area that must be exactly consumed: TLVs padded to 32 bits and, when there
// is anything at all, an opt_endofopt at the very end.
inline Options read_options(std::span<const std::uint8_t> area) {
    Options result;
    std::size_t at = 0;
    while (at < area.size()) {
        if (area.size() - at < 4) {
            result.error = "truncated option header at " + std::to_string(at);
            return result;
        }
        const auto code = load<std::uint16_t>(area, at);
        const auto length = load<std::uint16_t>(area, at + 2);
        at += 4;
        if (code == 0) {
            if (length != 0) result.error = "opt_endofopt with length " + std::to_string(length);
            if (at != area.size()) result.error = "bytes after opt_endofopt";
            result.has_end = true;
            return result;
        }
        const std::size_t padded = (std::size_t{length} + 3) & ~std::size_t{3};
        if (area.size() - at < padded) {
            result.error = "option " + std::to_string(code) + " of length " +
                           std::to_string(length) + " overruns the block";
            return result;
        }
        Option option;
        option.code = code;
        option.value.assign(area.begin() + static_cast<std::ptrdiff_t>(at),
                            area.begin() + static_cast<std::ptrdiff_t>(at + length));
        for (std::size_t i = at + length; i < at + padded; ++i) {
            if (area[i] != 0) result.error = "non-zero option padding";
        }
        result.list.push_back(std::move(option));
        at += padded;
    }
    if (!result.list.empty()) result.error = "options without opt_endofopt";
    return result;
}

inline std::span<const std::uint8_t> tail(const Bytes& body, std::size_t from) {
    return from <= body.size() ? std::span<const std::uint8_t>(body).subspan(from)
                               : std::span<const std::uint8_t>();
}

struct SectionHeader {
    std::uint32_t magic = 0;
    std::uint16_t major = 0;
    std::uint16_t minor = 0;
    std::int64_t section_length = 0;
    Options options;
};

inline SectionHeader decode_shb(const Block& block) {
    SectionHeader shb;
    shb.magic = load<std::uint32_t>(block.body, 0);
    shb.major = load<std::uint16_t>(block.body, 4);
    shb.minor = load<std::uint16_t>(block.body, 6);
    shb.section_length = load<std::int64_t>(block.body, 8);
    shb.options = read_options(tail(block.body, 16));
    return shb;
}

struct InterfaceDescription {
    std::uint16_t link_type = 0;
    std::uint16_t reserved = 0;
    std::uint32_t snap_length = 0;
    Options options;
};

inline InterfaceDescription decode_idb(const Block& block) {
    InterfaceDescription idb;
    idb.link_type = load<std::uint16_t>(block.body, 0);
    idb.reserved = load<std::uint16_t>(block.body, 2);
    idb.snap_length = load<std::uint32_t>(block.body, 4);
    idb.options = read_options(tail(block.body, 8));
    return idb;
}

struct EnhancedPacket {
    std::uint32_t interface_id = 0;
    std::uint64_t timestamp = 0;
    std::uint32_t captured_length = 0;
    std::uint32_t original_length = 0;
    Bytes data;     // captured_length bytes
    Bytes padding;  // the bytes up to the next 32-bit boundary
    Options options;
    std::string error;
};

inline EnhancedPacket decode_epb(const Block& block) {
    EnhancedPacket epb;
    const Bytes& body = block.body;
    epb.interface_id = load<std::uint32_t>(body, 0);
    epb.timestamp =
        (std::uint64_t{load<std::uint32_t>(body, 4)} << 32) | load<std::uint32_t>(body, 8);
    epb.captured_length = load<std::uint32_t>(body, 12);
    epb.original_length = load<std::uint32_t>(body, 16);
    const std::size_t data_start = 20;
    const std::size_t padded = (std::size_t{epb.captured_length} + 3) & ~std::size_t{3};
    if (body.size() < data_start || body.size() - data_start < padded) {
        epb.error =
            "captured length " + std::to_string(epb.captured_length) + " overruns the block";
        return epb;
    }
    const auto begin = body.begin() + static_cast<std::ptrdiff_t>(data_start);
    epb.data.assign(begin, begin + epb.captured_length);
    epb.padding.assign(begin + epb.captured_length, begin + static_cast<std::ptrdiff_t>(padded));
    epb.options = read_options(tail(body, data_start + padded));
    return epb;
}

struct InterfaceStatistics {
    std::uint32_t interface_id = 0;
    std::uint64_t timestamp = 0;
    Options options;
};

inline InterfaceStatistics decode_isb(const Block& block) {
    InterfaceStatistics isb;
    isb.interface_id = load<std::uint32_t>(block.body, 0);
    isb.timestamp = (std::uint64_t{load<std::uint32_t>(block.body, 4)} << 32) |
                    load<std::uint32_t>(block.body, 8);
    isb.options = read_options(tail(block.body, 12));
    return isb;
}

}  // namespace ringdump::test::pcapng
