// SPDX-License-Identifier: BSD-2-Clause
// The XDP program behind ringdump's AF_XDP backend (core/src/afxdp_source.cpp). It is compiled
// with clang at build time and embedded in the executable (cmake/BpfObject.cmake), so there is
// no file to install.
//
// Every frame that arrives on an RX queue is redirected to the AF_XDP socket ringdump bound to
// that queue, through the XSKMAP below (key: RX queue index, value: the socket). When the map
// has no socket for the queue (a queue left out with --xdp-queues, or the sockets are already
// closed because ringdump is exiting), bpf_redirect_map returns its fallback action, XDP_PASS,
// and the frame goes on to the host's stack as if no program were attached.
//
// Kernel facts:
//  - The fallback action in the low bits of bpf_redirect_map's flags exists since Linux 5.3;
//    older kernels drop a frame whose queue has no socket (ringdump needs 5.9+ anyway, for the
//    BPF link that detaches this program when ringdump exits).
//  - An XSKMAP entry is removed by the kernel when its socket is closed, also when the process
//    is killed, so a program that outlives ringdump (only possible when it was attached through
//    libxdp's dispatcher, --xdp-share) passes everything to the stack.
#include <linux/bpf.h>

#include <bpf/bpf_helpers.h>

// One entry per RX queue of the interface; the loader sets max_entries to the queue count
// before loading (bpf_map__set_max_entries), so the 1 here is only a placeholder.
struct {
    __uint(type, BPF_MAP_TYPE_XSKMAP);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, __u32);
} ringdump_xsks SEC(".maps");

SEC("xdp")
int ringdump_afxdp(struct xdp_md* ctx) {
    return bpf_redirect_map(&ringdump_xsks, ctx->rx_queue_index, XDP_PASS);
}

// GPL-compatible, as libxdp's dispatcher (freplace) expects of the programs it chains; the
// code itself is BSD-2-Clause like the rest of ringdump.
char LICENSE[] SEC("license") = "Dual BSD/GPL";
