#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# A capture through Wireshark's path: tshark -i ringdump-<veth> -a packets:N -w FILE, with N/2
# UDP packets each way. The file (written by dumpcap from ringdump's stream) must hold exactly
# N packets: N/2 inbound and N/2 outbound in epb_flags, each rdgen sequence number once per
# direction, Ethernet, interface name = the veth, and ringdump's SHB.
set -euo pipefail
source "$(dirname "$0")/../lib/e2e.sh"
e2e_init tshark_capture

net=rdec
veth=${net}c
half=100
total=$((2 * half))
e2e_testnet $net
make_extcap_config_dir
out=$E2E_TMP/capture.pcapng

# Sinks on port 9000 on both sides, so that no packet is answered with ICMP (the capture must
# see only the packets sent here).
start_sink $net-cap 9000 60
start_sink $net-peer 9000 60

start_tshark_capture $net-cap "$veth" "$out" -a packets:$total
# Outbound from the capture side (source port 9001), then inbound from the peer (9002).
send_udp $net-cap 198.18.0.2 9000 9001 $half 20000
send_udp $net-peer 198.18.0.1 9000 9002 $half 20000
finish_tshark_capture "$out"

capinfos "$out" >"$E2E_TMP/capinfos.txt" 2>&1 || fail "capinfos rejects the file: $(cat "$E2E_TMP/capinfos.txt")"
pass "capinfos accepts the file"
expect_eq "capinfos: number of packets" $total "$(pcap_count "$out")"
expect_eq "capinfos: file encapsulation" "Ethernet" "$(capinfos_field "$out" "File encapsulation")"
expect_match "capinfos: capture application (SHB shb_userappl)" '^ringdump [0-9]' \
    "$(capinfos_field "$out" "Capture application")"
expect_eq "capinfos: interface name (IDB if_name)" "$veth" "$(idb_field "$out" Name)"
expect_eq "capinfos: number of interfaces" 1 "$(capinfos_field "$out" "Number of interfaces in file")"

tshark -r "$out" >/dev/null 2>"$E2E_TMP/read.err" || fail "tshark -r fails: $(cat "$E2E_TMP/read.err")"
pass "tshark -r reads the whole file"
# The kernel's direction in epb_flags, as Wireshark decodes it: 1 inbound, 2 outbound.
inbound='frame.packet_flags_direction == 0x00000001'
outbound='frame.packet_flags_direction == 0x00000002'
expect_eq "inbound packets (epb_flags direction 1)" $half "$(count_packets "$out" "$inbound")"
expect_eq "outbound packets (epb_flags direction 2)" $half "$(count_packets "$out" "$outbound")"
expect_eq "inbound packets are the peer's (source port 9002)" $half \
    "$(count_packets "$out" "$inbound && ip.src == 198.18.0.2 && udp.srcport == 9002")"
expect_eq "outbound packets are ours (source port 9001)" $half \
    "$(count_packets "$out" "$outbound && ip.src == 198.18.0.1 && udp.srcport == 9001")"
expect_eq "inbound sequence numbers 0..$((half - 1)) once each" ok \
    "$(check_sequences "$out" "$inbound" $half)"
expect_eq "outbound sequence numbers 0..$((half - 1)) once each" ok \
    "$(check_sequences "$out" "$outbound" $half)"
expect_eq "frames with the full length captured (frame.len == frame.cap_len == 106)" $total \
    "$(count_packets "$out" 'frame.len == 106 && frame.cap_len == 106')"

e2e_finish
