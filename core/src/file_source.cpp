// SPDX-License-Identifier: BSD-2-Clause
#include "ringdump/file_source.h"

#include <pcap/pcap.h>

#include <cstring>
#include <vector>

#include "ringdump/error.h"
#include "ringdump/linktype.h"

namespace ringdump {
namespace {

constexpr std::size_t kArenaBytes = 8u << 20;

class FileSource final : public Source {
  public:
    explicit FileSource(const std::string& path) : path_(path), arena_(kArenaBytes) {
        char error_text[PCAP_ERRBUF_SIZE] = {};
        handle_ = ::pcap_open_offline_with_tstamp_precision(path.c_str(),
                                                            PCAP_TSTAMP_PRECISION_NANO, error_text);
        if (handle_ == nullptr) {
            throw Error(ErrorKind::io, path + ": cannot read it as a capture file: " + error_text);
        }
        const auto snap = static_cast<std::uint32_t>(::pcap_snapshot(handle_));
        description_.link_type = linktype_for_dlt(::pcap_datalink(handle_));
        description_.snap_length = snap > 0 && snap <= kMaxSnapLength ? snap : kMaxSnapLength;
        const std::size_t slash = path.rfind('/');
        description_.name = slash == std::string::npos ? path : path.substr(slash + 1);
        description_.description = "ringdump annotate of " + path;
    }
    ~FileSource() override { ::pcap_close(handle_); }

    const InterfaceDescription& description() const override { return description_; }
    int poll_fd() const override { return -1; }  // never waited on: always ready until the end
    bool exhausted() const override { return done_; }
    std::chrono::milliseconds handover_delay() const override { return {}; }
    void release() override {}
    void check_error() override {
        if (!error_.empty()) throw Error(ErrorKind::io, path_ + ": " + error_);
    }

    std::size_t read(std::span<PacketView> out) override {
        std::size_t count = 0, used = 0;
        // Stop while the arena still has room for the largest packet: libpcap's record is only
        // valid until the next call, so it cannot wait for room.
        while (!done_ && count < out.size() && arena_.size() - used >= kMaxSnapLength) {
            pcap_pkthdr* header = nullptr;
            const u_char* data = nullptr;
            const int status = ::pcap_next_ex(handle_, &header, &data);
            if (status != 1) {
                // End of file, or a damaged record: libpcap cannot go on past either.
                if (status == PCAP_ERROR) error_ = ::pcap_geterr(handle_);
                done_ = true;
                break;
            }
            const std::uint32_t length = std::min<std::uint32_t>(header->caplen, kMaxSnapLength);
            std::memcpy(arena_.data() + used, data, length);
            PacketView& view = out[count++];
            view = PacketView{};
            view.data = arena_.data() + used;
            view.caplen = length;
            view.wirelen = std::max(header->len, length);
            view.timestamp_ns = static_cast<std::uint64_t>(header->ts.tv_sec) * 1000000000ull +
                                static_cast<std::uint64_t>(header->ts.tv_usec);
            view.interface_id = interface_id_;
            used += (length + 7u) & ~std::size_t{7};
        }
        delivered_ += count;
        return count;
    }

    SourceStats stats() override {
        SourceStats stats;
        stats.received = delivered_;
        stats.delivered = delivered_;
        return stats;
    }

  private:
    std::string path_;
    pcap_t* handle_ = nullptr;
    std::vector<std::uint8_t> arena_;
    InterfaceDescription description_;
    std::uint64_t delivered_ = 0;
    bool done_ = false;
    std::string error_;
};

}  // namespace

std::unique_ptr<Source> open_file_source(const std::string& path) {
    return std::make_unique<FileSource>(path);
}

}  // namespace ringdump
