#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Options passed the way Wireshark users pass them:
#   -o extcap.ringdump_<veth>.snaplen:64   -> every packet cut to 64 bytes, frame.len still full
#   -o extcap.ringdump_<veth>.backend:pcap -> captured through libpcap (IDB description says so)
#   tshark -f 'udp dst port 9100'          -> only the matching half of mixed traffic is kept
set -euo pipefail
source "$(dirname "$0")/../lib/e2e.sh"
e2e_init tshark_options

net=rdeo
veth=${net}c
pref=extcap.ringdump_${veth}
e2e_testnet $net
make_extcap_config_dir
T=$E2E_TMP

start_sink $net-cap 9000 90
start_sink $net-peer 9000 90
start_sink $net-cap 9100 90
start_sink $net-cap 9200 90

# --- snaplen ---------------------------------------------------------------------------------
# rdgen's 64-byte payload makes 106-byte frames: 14 Ethernet + 20 IP + 8 UDP + 64.
out=$T/snaplen.pcapng
start_tshark_capture $net-cap "$veth" "$out" -o "$pref.snaplen:64" -a packets:20
send_udp $net-cap 198.18.0.2 9000 9001 10 10000
send_udp $net-peer 198.18.0.1 9000 9002 10 10000
finish_tshark_capture "$out"
expect_eq "snaplen 64: packets" 20 "$(pcap_count "$out")"
expect_eq "snaplen 64: IDB snap length (capinfos 'Capture length')" 64 "$(idb_field "$out" "Capture length")"
expect_eq "snaplen 64: packets with caplen 64 and frame.len 106" 20 \
    "$(count_packets "$out" 'frame.cap_len == 64 && frame.len == 106')"
expect_eq "snaplen 64: capinfos packet size limit" "inferred: 64 bytes" \
    "$(capinfos -l "$out" | sed -n 's/^Packet size limit: *//p' | grep inferred || true)"
# A truncated frame still starts with the real headers.
expect_eq "snaplen 64: inbound/outbound split" "10 10" \
    "$(count_packets "$out" 'frame.packet_flags_direction == 1 && udp.srcport == 9002') $(count_packets "$out" 'frame.packet_flags_direction == 2 && udp.srcport == 9001')"

# --- backend pcap ----------------------------------------------------------------------------
out=$T/pcap.pcapng
start_tshark_capture $net-cap "$veth" "$out" -o "$pref.backend:pcap" -a packets:20
send_udp $net-cap 198.18.0.2 9000 9001 10 10000
send_udp $net-peer 198.18.0.1 9000 9002 10 10000
finish_tshark_capture "$out"
expect_eq "backend pcap: packets" 20 "$(pcap_count "$out")"
expect_match "backend pcap: IDB description mentions libpcap" '[Ll]ibpcap' \
    "$(idb_field "$out" Description)"
expect_eq "backend pcap: interface name" "$veth" "$(idb_field "$out" Name)"
expect_eq "backend pcap: outbound sequence numbers 0..9" ok \
    "$(check_sequences "$out" 'udp.srcport == 9001' 10)"
expect_eq "backend pcap: inbound sequence numbers 0..9" ok \
    "$(check_sequences "$out" 'udp.srcport == 9002' 10)"

# --- capture filter --------------------------------------------------------------------------
# Mixed traffic from the peer: 30 to port 9200, then 30 to 9100, then 30 to 9200 again. The
# capture stops at 30 packets, so a filter that let port 9200 through would be caught by the
# first 30 packets of the file.
out=$T/filter.pcapng
start_tshark_capture $net-cap "$veth" "$out" -f 'udp dst port 9100' -a packets:30
send_udp $net-peer 198.18.0.1 9200 9201 30 10000
send_udp $net-peer 198.18.0.1 9100 9101 30 10000
send_udp $net-peer 198.18.0.1 9200 9202 30 10000 --first-sequence 30
finish_tshark_capture "$out"
expect_eq "filter: packets" 30 "$(pcap_count "$out")"
expect_eq "filter: packets to port 9100" 30 "$(count_packets "$out" 'udp.dstport == 9100')"
expect_eq "filter: packets to port 9100 carry sequence numbers 0..29" ok \
    "$(check_sequences "$out" 'udp.dstport == 9100' 30)"
expect_eq "filter: IDB if_filter" "udp dst port 9100" \
    "$(capinfos -I "$out" | sed -n 's/^ *Filter string = //p' | head -n 1)"

e2e_finish
