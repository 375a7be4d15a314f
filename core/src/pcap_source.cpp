// SPDX-License-Identifier: BSD-2-Clause
#include "ringdump/pcap_source.h"

#include <pcap/pcap.h>

#include <algorithm>
#include <climits>
#include <cstring>
#include <vector>

#include "ringdump/error.h"
#include "ringdump/interfaces.h"
#include "ringdump/linktype.h"
#include "ringdump/system_info.h"

namespace ringdump {
namespace {

constexpr std::size_t kArenaBytes = 8u << 20;

class PcapSource final : public Source {
  public:
    explicit PcapSource(const SourceOptions& options);
    ~PcapSource() override {
        if (handle_ != nullptr) ::pcap_close(handle_);
    }

    const InterfaceDescription& description() const override { return description_; }
    int poll_fd() const override { return fd_; }
    std::size_t read(std::span<PacketView> out) override;
    void release() override {}
    SourceStats stats() override;
    void check_error() override;
    std::chrono::milliseconds handover_delay() const override {
        // libpcap uses a TPACKET_V3 ring too, with its timeout as the block timeout.
        return std::chrono::milliseconds(2 * timeout_ms_ + 20);
    }

  private:
    [[noreturn]] void fail(ErrorKind kind, const std::string& what) const {
        throw Error(kind, name_ + ": " + what);
    }

    std::string name_;
    pcap_t* handle_ = nullptr;
    int fd_ = -1;
    std::uint32_t snap_length_ = 0;
    std::uint32_t timeout_ms_ = 0;
    std::vector<std::uint8_t> arena_;  // libpcap reuses its buffer, so packets are copied here
    std::uint64_t delivered_ = 0;
    std::string read_error_;
    InterfaceDescription description_;
};

PcapSource::PcapSource(const SourceOptions& options)
    : name_(options.interface),
      snap_length_(options.whole_packets ? kMaxSnapLength : options.snap_length),
      timeout_ms_(options.block_timeout_ms),
      arena_(kArenaBytes) {
    if (options.snap_length == 0 || options.snap_length > kMaxSnapLength) {
        fail(ErrorKind::bad_value, "snap length " + std::to_string(options.snap_length) +
                                       " is out of range; use 1 to " +
                                       std::to_string(kMaxSnapLength));
    }
    char error_text[PCAP_ERRBUF_SIZE] = {};
    handle_ = ::pcap_create(name_.c_str(), error_text);
    if (handle_ == nullptr) fail(ErrorKind::system, std::string("libpcap: ") + error_text);
    ::pcap_set_snaplen(
        handle_, static_cast<int>(options.whole_packets ? kMaxSnapLength : options.snap_length));
    ::pcap_set_promisc(handle_, options.promiscuous ? 1 : 0);
    ::pcap_set_timeout(handle_, static_cast<int>(options.block_timeout_ms));
    ::pcap_set_buffer_size(
        handle_, static_cast<int>(std::min<std::uint64_t>(options.buffer_bytes, INT_MAX)));
    ::pcap_set_tstamp_precision(handle_, PCAP_TSTAMP_PRECISION_NANO);
    const int status = ::pcap_activate(handle_);
    if (status < 0) {
        const std::string detail = ::pcap_geterr(handle_);
        switch (status) {
            case PCAP_ERROR_NO_SUCH_DEVICE:
                fail(ErrorKind::no_such_interface,
                     "no such interface; `ringdump -D` lists the interfaces");
            case PCAP_ERROR_PERM_DENIED:
                fail(ErrorKind::permission,
                     "no permission to capture (capturing needs CAP_NET_RAW): " + detail);
            case PCAP_ERROR_IFACE_NOT_UP:
                fail(ErrorKind::interface_down,
                     "the interface is down; bring it up with `ip link set " + name_ + " up`");
            default:
                fail(ErrorKind::system,
                     "libpcap cannot capture here: " +
                         (detail.empty() ? std::string(::pcap_statustostr(status)) : detail));
        }
    }
    if (!options.filter.empty()) {
        bpf_u_int32 network = 0;
        bpf_u_int32 netmask = PCAP_NETMASK_UNKNOWN;
        if (name_ != "any" &&
            ::pcap_lookupnet(name_.c_str(), &network, &netmask, error_text) != 0) {
            netmask = PCAP_NETMASK_UNKNOWN;
        }
        bpf_program program{};
        if (::pcap_compile(handle_, &program, options.filter.c_str(), 1, netmask) != 0) {
            throw Error(ErrorKind::bad_filter, name_ + ": capture filter \"" + options.filter +
                                                   "\" is invalid: " + ::pcap_geterr(handle_) +
                                                   "; see pcap-filter(7) for the syntax");
        }
        const int set = ::pcap_setfilter(handle_, &program);
        ::pcap_freecode(&program);
        if (set != 0) {
            fail(ErrorKind::bad_filter,
                 std::string("the kernel rejected the capture filter: ") + ::pcap_geterr(handle_));
        }
    }
    if (::pcap_setnonblock(handle_, 1, error_text) != 0) {
        fail(ErrorKind::system, std::string("libpcap: ") + error_text);
    }
    fd_ = ::pcap_get_selectable_fd(handle_);
    if (fd_ < 0) fail(ErrorKind::unsupported, "libpcap offers no descriptor to wait on here");

    description_.link_type = linktype_for_dlt(::pcap_datalink(handle_));
    description_.snap_length = options.snap_length;
    description_.name = name_;
    description_.description =
        "ringdump libpcap capture on " + name_ + " (" + ::pcap_lib_version() + ")";
    description_.filter = options.filter;
    description_.os = os_description();
    if (auto info = find_interface(name_)) {
        description_.mac = info->mac;
        description_.addresses = info->addresses;
    }
}

std::size_t PcapSource::read(std::span<PacketView> out) {
    std::size_t count = 0;
    std::size_t used = 0;
    while (count < out.size() && arena_.size() - used >= snap_length_) {
        pcap_pkthdr* header = nullptr;
        const u_char* data = nullptr;
        const int status = ::pcap_next_ex(handle_, &header, &data);
        if (status == 0 || status == PCAP_ERROR_BREAK) break;
        if (status < 0) {
            read_error_ = ::pcap_geterr(handle_);
            break;
        }
        const std::uint32_t length = std::min<std::uint32_t>(header->caplen, snap_length_);
        std::memcpy(arena_.data() + used, data, length);
        PacketView& view = out[count++];
        view = PacketView{};
        view.data = arena_.data() + used;
        view.caplen = length;
        view.wirelen = header->len;
        // With nanosecond precision requested, libpcap puts nanoseconds in tv_usec.
        view.timestamp_ns = static_cast<std::uint64_t>(header->ts.tv_sec) * 1000000000ull +
                            static_cast<std::uint64_t>(header->ts.tv_usec);
        view.interface_id = interface_id_;
        used += (length + 7u) & ~7u;
    }
    delivered_ += count;
    return count;
}

SourceStats PcapSource::stats() {
    SourceStats stats;
    stats.delivered = delivered_;
    pcap_stat counters{};
    if (::pcap_stats(handle_, &counters) == 0) {
        stats.received = counters.ps_recv;
        stats.dropped = counters.ps_drop;
        stats.interface_dropped = counters.ps_ifdrop;
    }
    return stats;
}

void PcapSource::check_error() {
    if (!read_error_.empty()) fail(ErrorKind::interface_gone, "libpcap: " + read_error_);
}

}  // namespace

std::unique_ptr<Source> open_pcap_source(const SourceOptions& options) {
    return std::make_unique<PcapSource>(options);
}

}  // namespace ringdump
