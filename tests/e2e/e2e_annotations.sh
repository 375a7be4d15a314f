#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Annotations through the real paths (docs/annotations.md):
#  - Wireshark's: tshark -i ringdump-<veth> (extcap -> FIFO -> dumpcap -> file) keeps the custom
#    option 2989 on every packet; -o extcap.<if>.localnet sets the local networks (up/down);
#    -o extcap.<if>.annotations:false leaves the option out.
#  - standalone: every EPB annotated, the counters in the statistics block; --no-annotations.
# The option is found in the file's bytes: option code 2989, length 44, PEN 32473 (little-endian
# host), then the record (version 1, length 40, direction, ...).
set -euo pipefail
source "$(dirname "$0")/../lib/e2e.sh"
e2e_init annotations

net=rdea
veth=${net}c
half=50
total=$((2 * half))
pref=extcap.ringdump_${veth}
e2e_testnet $net
make_extcap_config_dir
start_sink $net-cap 9000 90
start_sink $net-peer 9000 90

hex() { od -An -tx1 -v "$1" | tr -s ' \n' ' '; }
# Records whose option header, PEN, version and length are followed by direction byte $2.
records_with_direction() { hex "$1" | grep -o "ad 0b 2c 00 d9 7e 00 00 01 28 $2" | wc -l; }
records() { hex "$1" | grep -o "ad 0b 2c 00 d9 7e 00 00 01 28" | wc -l; }
# The counters option in the statistics block: code 2989, length 4 + 4 + 16 * 8 = 136.
counters_options() { hex "$1" | grep -o "ad 0b 88 00 d9 7e 00 00 01 00 10 00" | wc -l; }

exchange() {
    send_udp $net-cap 198.18.0.2 9000 9001 $half 20000
    send_udp $net-peer 198.18.0.1 9000 9002 $half 20000
}

# 1. Through Wireshark's path, this side (198.18.0.1/32) as the local network.
out=$E2E_TMP/wireshark.pcapng
start_tshark_capture $net-cap "$veth" "$out" -a packets:$total -o "$pref.localnet:198.18.0.1/32"
exchange
finish_tshark_capture "$out"
expect_eq "tshark path: packets" $total "$(pcap_count "$out")"
expect_eq "tshark path: every packet carries a record" $total "$(records "$out")"
expect_eq "tshark path: up (from 198.18.0.1)" $half "$(records_with_direction "$out" 01)"
expect_eq "tshark path: down (to 198.18.0.1)" $half "$(records_with_direction "$out" 02)"

# 2. The default local networks: the interface's own prefix, 198.18.0.0/24, holds both ends.
out=$E2E_TMP/default.pcapng
start_tshark_capture $net-cap "$veth" "$out" -a packets:$total
exchange
finish_tshark_capture "$out"
expect_eq "default local networks: both ends local" $total "$(records_with_direction "$out" 03)"

# 3. Annotations off from tshark.
out=$E2E_TMP/off.pcapng
start_tshark_capture $net-cap "$veth" "$out" -a packets:$total -o "$pref.annotations:false"
exchange
finish_tshark_capture "$out"
expect_eq "annotations:false: packets" $total "$(pcap_count "$out")"
expect_eq "annotations:false: no record" 0 "$(records "$out")"

# 4. Standalone: records and the counters in the statistics block; then --no-annotations.
for mode in on off; do
    out=$E2E_TMP/standalone-$mode.pcapng
    flags=()
    [[ $mode == off ]] && flags=(--no-annotations)
    e2e_bg ip netns exec $net-cap "$RINGDUMP" -i "$veth" -c $total "${flags[@]}" -w "$out" \
        2>"$E2E_TMP/$mode.err"
    pid=$E2E_LAST_PID
    wait_for_line "$E2E_TMP/$mode.err" '^ringdump: capturing on' 20 ||
        fail "standalone $mode: ringdump did not start: $(cat "$E2E_TMP/$mode.err")"
    exchange
    e2e_wait_exit "$pid" 20
    expect_eq "standalone $mode: exit status" 0 "$E2E_STATUS"
    expect_eq "standalone $mode: packets" $total "$(pcap_count "$out")"
    if [[ $mode == on ]]; then
        expect_eq "standalone: every packet carries a record" $total "$(records "$out")"
        expect_eq "standalone: the counters option in the statistics block" 1 "$(counters_options "$out")"
        expect_match "standalone: summary line" "1 UDP streams|[0-9]+ TCP and [0-9]+ UDP streams" \
            "$(cat "$E2E_TMP/$mode.err")"
    else
        expect_eq "--no-annotations: no record" 0 "$(records "$out")"
        expect_eq "--no-annotations: no counters" 0 "$(counters_options "$out")"
    fi
done

e2e_finish
