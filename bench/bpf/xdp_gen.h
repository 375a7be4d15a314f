// SPDX-License-Identifier: BSD-2-Clause
// What the XDP traffic generator's program (xdp_gen.bpf.c) and its loader (rdxdpgen.cpp)
// share: the frame layout and the layout of the program's two global-data sections. Plain C,
// included by both the BPF program and the C++ loader.
#ifndef RINGDUMP_BENCH_XDP_GEN_H
#define RINGDUMP_BENCH_XDP_GEN_H

#include <linux/types.h>

// The frame is Ethernet + IPv4 (no options) + UDP, then rdgen's payload
// (tests/tools/rdgen.cpp): the magic "RDGEN\0\0\1" and a 64-bit sequence number in host byte
// order (little-endian here), which is what tests/lib/e2e.sh's check_payloads reads.
#define XDP_GEN_UDP_OFFSET 34      // 14 (Ethernet) + 20 (IPv4)
#define XDP_GEN_PAYLOAD_OFFSET 42  // + 8 (UDP)
#define XDP_GEN_SEQUENCE_OFFSET (XDP_GEN_PAYLOAD_OFFSET + 8)
#define XDP_GEN_MIN_FRAME (XDP_GEN_PAYLOAD_OFFSET + 16)

// Section ".rodata.config": set by the loader before the program is loaded, then read-only
// (the verifier knows the values and drops the branches they rule out). The only variable in
// its section, so it starts at offset 0 of the section's map.
#define XDP_GEN_CONFIG_SECTION ".rodata.config"
struct xdp_gen_config {
    __u64 first_sequence;  // sequence number of the first frame
    __u32 flow_count;      // UDP source port = first_port + sequence % flow_count (1: fixed)
    __u32 ifindex;         // the sending device: runs for any other device only return XDP_PASS
    __u16 first_port;
    __u16 reserved[3];
};

// Section ".data.counter": how many times the program has run, i.e. how many frames it has
// handed to the device. The loader reads it (memory-mapped) after each BPF_PROG_RUN.
#define XDP_GEN_COUNTER_SECTION ".data.counter"

#endif
