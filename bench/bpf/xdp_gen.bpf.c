// SPDX-License-Identifier: BSD-2-Clause
// The XDP program behind rdxdpgen (bench/tools/rdxdpgen.cpp), a traffic generator for the
// benchmarks. It is never attached to a device: rdxdpgen runs it with BPF_PROG_RUN in
// "live frames" mode (BPF_F_TEST_XDP_LIVE_FRAMES, Linux 5.18+), where the kernel feeds it
// copies of one frame `repeat` times and really transmits each frame the program returns
// XDP_TX for, out of the device named by the context's ingress_ifindex.
//
// For every run the program stamps the next sequence number into rdgen's payload, optionally
// spreads the frames over several UDP source ports, and returns XDP_TX.
//
// Live frames come from a page pool whose pages are initialised from the user's frame once,
// when the pool first hands them out, and are then recycled within one BPF_PROG_RUN call with
// whatever the program last wrote into them. So the program must write every byte it varies,
// from values it does not read back from the frame: the sequence number and the source port
// are computed from the counter and the configuration, never updated in place.
#include <linux/bpf.h>
#include <linux/udp.h>

#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "xdp_gen.h"

// Set by the loader before loading (see xdp_gen.h). The defaults are never used.
const volatile struct xdp_gen_config config SEC(XDP_GEN_CONFIG_SECTION) = {
    .first_sequence = 0,
    .flow_count = 1,
    .ifindex = 0,
    .first_port = 9000,
};

// Program runs so far (see xdp_gen.h).
__u64 runs SEC(XDP_GEN_COUNTER_SECTION) = 0;

SEC("xdp")
int xdp_gen(struct xdp_md* ctx) {
    // rdxdpgen may also attach this program to a device where no traffic flows (see "the XDP
    // dispatcher" in rdxdpgen.cpp); should a frame turn up there anyway, it passes untouched.
    if (ctx->ingress_ifindex != config.ifindex) return XDP_PASS;

    void* data = (void*)(long)ctx->data;
    void* data_end = (void*)(long)ctx->data_end;
    if (data + XDP_GEN_MIN_FRAME > data_end) return XDP_DROP;  // the loader never sends these

    // One BPF_PROG_RUN call runs on one CPU, so a plain increment would do for rdxdpgen as it
    // is; the atomic add (BPF_FETCH, Linux 5.12+) keeps the numbers unique should calls on
    // several CPUs ever share the program.
    __u64 sequence = config.first_sequence + __sync_fetch_and_add(&runs, 1);

    struct udphdr* udp = data + XDP_GEN_UDP_OFFSET;
    if (config.flow_count > 1)
        udp->source = bpf_htons((__u16)(config.first_port + sequence % config.flow_count));
    // UDP checksum 0 ("none", allowed over IPv4): the IPv4 header checksum covers only the IPv4
    // header, which never changes, so every frame stays valid without checksum arithmetic.
    udp->check = 0;
    __builtin_memcpy(data + XDP_GEN_SEQUENCE_OFFSET, &sequence, sizeof sequence);
    return XDP_TX;
}

// "Dual BSD/GPL" is the kernel's spelling for a GPL-compatible program under a BSD licence; it
// keeps GPL-only helpers available should the program ever need one.
char LICENSE[] SEC("license") = "Dual BSD/GPL";
