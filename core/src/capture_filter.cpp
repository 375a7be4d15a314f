// SPDX-License-Identifier: BSD-2-Clause
#include "ringdump/capture_filter.h"

#include <linux/filter.h>
#include <linux/if_packet.h>
#include <pcap/pcap.h>

#include <memory>

#include "ringdump/error.h"
#include "ringdump/linktype.h"

namespace ringdump {
namespace {

struct DeadHandle {
    pcap_t* handle;
    ~DeadHandle() {
        if (handle != nullptr) ::pcap_close(handle);
    }
};

// Compiles with libpcap against a dead handle of the right link type. Returns libpcap's error
// text on failure.
std::optional<std::string> compile_with_pcap(std::string_view expression, std::uint16_t link_type,
                                             std::uint32_t accept_length, std::uint32_t netmask,
                                             std::vector<BpfInstruction>* out) {
    DeadHandle dead{::pcap_open_dead(dlt_for_linktype(link_type), static_cast<int>(accept_length))};
    if (dead.handle == nullptr) return std::string("libpcap cannot open a compiler handle");
    std::string text(expression);
    bpf_program program{};
    if (::pcap_compile(dead.handle, &program, text.c_str(), 1,
                       netmask != 0 ? netmask : PCAP_NETMASK_UNKNOWN) != 0) {
        return std::string(::pcap_geterr(dead.handle));
    }
    if (out != nullptr) {
        out->clear();
        out->reserve(program.bf_len);
        for (unsigned i = 0; i < program.bf_len; ++i) {
            const bpf_insn& insn = program.bf_insns[i];
            out->push_back({insn.code, insn.jt, insn.jf, insn.k});
        }
    }
    ::pcap_freecode(&program);
    return std::nullopt;
}

}  // namespace

CaptureFilter CaptureFilter::compile(std::string_view expression, std::uint16_t link_type,
                                     std::uint32_t accept_length, std::uint32_t netmask) {
    CaptureFilter filter;
    if (auto error =
            compile_with_pcap(expression, link_type, accept_length, netmask, &filter.program_)) {
        throw Error(ErrorKind::bad_filter, "capture filter \"" + std::string(expression) +
                                               "\" is invalid: " + *error +
                                               "; see pcap-filter(7) for the syntax");
    }
    return filter;
}

CaptureFilter CaptureFilter::compile_for_interface(std::string_view expression,
                                                   const std::string& interface,
                                                   std::uint16_t link_type,
                                                   std::uint32_t accept_length,
                                                   std::uint32_t netmask) {
    char error_text[PCAP_ERRBUF_SIZE] = {};
    DeadHandle live{::pcap_create(interface.c_str(), error_text)};  // closed the same way
    if (live.handle != nullptr) {
        ::pcap_set_snaplen(live.handle, static_cast<int>(accept_length));
        ::pcap_set_buffer_size(live.handle, 1 << 20);  // the ring is never read
        if (::pcap_activate(live.handle) >= 0 &&
            ::pcap_datalink(live.handle) == dlt_for_linktype(link_type)) {
            const std::string text(expression);
            bpf_program program{};
            if (::pcap_compile(live.handle, &program, text.c_str(), 1,
                               netmask != 0 ? netmask : PCAP_NETMASK_UNKNOWN) != 0) {
                throw Error(ErrorKind::bad_filter, "capture filter \"" + text + "\" is invalid: " +
                                                       ::pcap_geterr(live.handle) +
                                                       "; see pcap-filter(7) for the syntax");
            }
            CaptureFilter filter;
            for (unsigned i = 0; i < program.bf_len; ++i) {
                const bpf_insn& insn = program.bf_insns[i];
                filter.program_.push_back({insn.code, insn.jt, insn.jf, insn.k});
            }
            ::pcap_freecode(&program);
            return filter;
        }
    }
    return compile(expression, link_type, accept_length, netmask);
}

CaptureFilter CaptureFilter::accept_all(std::uint32_t accept_length) {
    CaptureFilter filter;
    filter.program_.push_back({BPF_RET | BPF_K, 0, 0, accept_length});
    return filter;
}

void CaptureFilter::reject_outgoing() {
    // Classic BPF jumps are relative, so the original program runs unchanged after these three.
    const BpfInstruction prologue[] = {
        {BPF_LD | BPF_B | BPF_ABS, 0, 0, static_cast<std::uint32_t>(SKF_AD_OFF + SKF_AD_PKTTYPE)},
        {BPF_JMP | BPF_JEQ | BPF_K, 0, 1, PACKET_OUTGOING},
        {BPF_RET | BPF_K, 0, 0, 0},
    };
    program_.insert(program_.begin(), std::begin(prologue), std::end(prologue));
}

std::uint32_t CaptureFilter::run(const std::uint8_t* data, std::uint32_t wire_length,
                                 std::uint32_t captured_length) const {
    static_assert(sizeof(BpfInstruction) == sizeof(bpf_insn));
    return ::bpf_filter(reinterpret_cast<const bpf_insn*>(program_.data()), data, wire_length,
                        captured_length);
}

std::optional<std::string> filter_error(std::string_view expression, std::uint16_t link_type) {
    return compile_with_pcap(expression, link_type, 262144, 0, nullptr);
}

}  // namespace ringdump
