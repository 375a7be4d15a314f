// SPDX-License-Identifier: BSD-2-Clause
// Capture filters in libpcap syntax, compiled with libpcap's own compiler to classic BPF so the
// kernel can run them on the socket (SO_ATTACH_FILTER) and user space never sees a rejected
// packet; or, for AF_XDP, run in user space before a packet is handed out.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ringdump {

struct BpfInstruction {
    std::uint16_t code;
    std::uint8_t jt;
    std::uint8_t jf;
    std::uint32_t k;
};

class CaptureFilter {
  public:
    // Compiles expression for frames of link_type. accept_length is what the program returns
    // for an accepted packet (the kernel keeps that many bytes). netmask is the IPv4 netmask
    // used by "ip broadcast" (0 when unknown). Throws Error(bad_filter) with libpcap's message.
    static CaptureFilter compile(std::string_view expression, std::uint16_t link_type,
                                 std::uint32_t accept_length, std::uint32_t netmask = 0);

    // The same, compiled the way libpcap compiles for a live capture on interface: on Linux that
    // is the only way to get libpcap's special code for the vlan keyword, which tests the tag
    // the kernel has already moved out of the frame (SKF_AD_VLAN_TAG_PRESENT) instead of the
    // frame's EtherType. Briefly opens a libpcap capture on the interface, so it needs the
    // capture privileges; falls back to compile() when that fails.
    static CaptureFilter compile_for_interface(std::string_view expression,
                                               const std::string& interface,
                                               std::uint16_t link_type, std::uint32_t accept_length,
                                               std::uint32_t netmask);

    // A program that accepts every packet, returning accept_length.
    static CaptureFilter accept_all(std::uint32_t accept_length);

    // Prepends a test that rejects packets the kernel reports as PACKET_OUTGOING. On loopback
    // every packet is seen twice, once leaving and once arriving; this keeps one copy.
    void reject_outgoing();

    const std::vector<BpfInstruction>& instructions() const { return program_; }

    // Runs the program in user space (libpcap's bpf_filter) on a frame of wire_length bytes of
    // which captured_length are at data: what the kernel would return, 0 = rejected. For
    // sources whose kernel side cannot run classic BPF (AF_XDP).
    std::uint32_t run(const std::uint8_t* data, std::uint32_t wire_length,
                      std::uint32_t captured_length) const;

  private:
    std::vector<BpfInstruction> program_;
};

// Checks a filter without capturing: nullopt if it compiles, else libpcap's error text.
std::optional<std::string> filter_error(std::string_view expression, std::uint16_t link_type);

}  // namespace ringdump
