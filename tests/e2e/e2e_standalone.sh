#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# The standalone command (ringdump -i IF -w FILE|-), and the extcap's FIFO mode run by hand:
#   -D lists the veth with its address; bad options exit 2 naming the option;
#   ringdump -c N -w - | tshark -r -      exact count, directions, sequences;
#   SIGINT after the traffic              exit 0, valid file ending with an ISB;
#   the reader goes away (head -c)        exit 0 at once, no crash;
#   extcap FIFO whose reader goes away    exit 0, nothing on stderr;
#   tun device                            LINKTYPE_RAW (capinfos "Raw IP"), outbound packets;
#   interface deleted mid-capture         exit 1 at once, one line saying so, a valid file
#                                         holding the packets sent before.
set -euo pipefail
source "$(dirname "$0")/../lib/e2e.sh"
e2e_init standalone

net=rdes
cap=$net-cap
peer=$net-peer
veth=${net}c
e2e_testnet $net
T=$E2E_TMP

# Sinks on both sides: no ICMP errors, so the capture holds only the packets sent here.
start_sink $cap 9000 110
start_sink $peer 9000 110

# start_sender NAME READY_FILE NS DST COUNT RATE: in the background, waits until READY_FILE has
# ringdump's "capturing on" line (READY_FILE "socket": until the packet socket is live), then
# sends COUNT packets at RATE to DST:9000. Bounded by count, rate and timeout 30.
start_sender() {
    local name=$1 ready=$2 ns=$3 dst=$4 count=$5 rate=$6
    (
        if [[ $ready == socket ]]; then
            wait_capture_socket $cap "$veth" 20 || exit 1
        else
            wait_for_line "$ready" '^ringdump: capturing on' 20 || exit 1
        fi
        exec timeout 30 ip netns exec "$ns" "$RDGEN" udp --dst "$dst" --port 9000 \
            --src-port 9005 --count "$count" --rate "$rate"
    ) >"$T/$name.sender" 2>&1 &
    E2E_SENDER=$!
    E2E_PIDS+=("$E2E_SENDER")
}

stop_sender() {
    e2e_is_running_child "$E2E_SENDER" && e2e_kill_tree TERM "$E2E_SENDER"
    e2e_wait "$E2E_SENDER"
}

# --- ringdump -D -----------------------------------------------------------------------------
status=0
ip netns exec $cap "$RINGDUMP" -D >"$T/D.out" 2>"$T/D.err" || status=$?
expect_eq "-D exits" 0 "$status"
expect_eq "-D stderr" "" "$(cat "$T/D.err")"
expect_match "-D lists $veth: flags, link type, MAC" \
    "^[0-9]+\. $veth \[up, running\] EN10MB 02:00:00:00:00:01\$" "$(grep -E "^[0-9]+\. $veth " "$T/D.out" || true)"
expect_eq "-D lists $veth's address on the next line" "    inet  198.18.0.1/24" \
    "$(awk -v dev="$veth" 'found { print; exit } $2 == dev { found = 1 }' "$T/D.out")"

# --- bad options: exit 2, one line naming the option, nothing captured or written -------------
bad_option() {  # bad_option ERE OPTION...
    local pattern=$1 status=0
    shift
    rm -f "$T/bad.pcapng"
    timeout 10 ip netns exec $cap "$RINGDUMP" -i "$veth" -a duration:1 -w "$T/bad.pcapng" "$@" \
        >/dev/null 2>"$T/bad.err" || status=$?
    expect_eq "ringdump $*: exit status" 2 "$status"
    expect_eq "ringdump $*: stderr lines" 1 "$(wc -l <"$T/bad.err")"
    expect_match "ringdump $*: message names the option" "$pattern" "$(cat "$T/bad.err")"
    if [[ -e $T/bad.pcapng ]]; then
        check_fail "ringdump $*: the output file was created despite the usage error"
    else
        pass "ringdump $*: no output file"
    fi
}
bad_option "^ringdump: bad value '300000' for -s: use a whole number from 0 to 262144\$" -s 300000
bad_option "^ringdump: bad value '0' for -B: use a whole number from 1 to 65536\$" -B 0
bad_option "^ringdump: bad value 'foo' for --backend: use auto, tpacket, pcap or afxdp\$" --backend foo
bad_option "^ringdump: unknown option '--bogus'" --bogus

# --- ringdump -c 20 -w - | tshark -r - -------------------------------------------------------
: >"$T/pipe.err"
(
    wait_for_line "$T/pipe.err" '^ringdump: capturing on' 20 || exit 1
    timeout 30 ip netns exec $cap "$RDGEN" udp --dst 198.18.0.2 --port 9000 --src-port 9001 \
        --count 10 --rate 10000
    timeout 30 ip netns exec $peer "$RDGEN" udp --dst 198.18.0.1 --port 9000 --src-port 9002 \
        --count 10 --rate 10000
) >"$T/pipe.sender" 2>&1 &
E2E_SENDER=$!
E2E_PIDS+=("$E2E_SENDER")
pipe_status=()
{
    timeout 30 ip netns exec $cap "$RINGDUMP" -i "$veth" -c 20 -w - 2>"$T/pipe.err" |
        timeout 30 tshark -r - -T fields -e frame.packet_flags_direction -e udp.srcport \
            -e udp.payload >"$T/pipe.txt" 2>"$T/pipe.tshark.err"
    pipe_status=("${PIPESTATUS[@]}")
} || true
stop_sender
expect_eq "pipe: ringdump and tshark -r - exit statuses" "0 0" "${pipe_status[*]}"
expect_eq "pipe: packets tshark read" 20 "$(wc -l <"$T/pipe.txt")"
expect_eq "pipe: inbound from the peer (direction 1, source port 9002)" 10 \
    "$(grep -c $'^0x00000001\t9002\t' "$T/pipe.txt" || true)"
expect_eq "pipe: outbound (direction 2, source port 9001)" 10 \
    "$(grep -c $'^0x00000002\t9001\t' "$T/pipe.txt" || true)"
expect_eq "pipe: inbound sequence numbers 0..9" ok \
    "$(awk -F'\t' '$2 == 9002 { print $3 }' "$T/pipe.txt" | check_payloads 10)"
expect_eq "pipe: outbound sequence numbers 0..9" ok \
    "$(awk -F'\t' '$2 == 9001 { print $3 }' "$T/pipe.txt" | check_payloads 10)"
expect_match "pipe: ringdump's summary" '(^|
)ringdump: 20 packets captured \(packet count reached\)' "$(cat "$T/pipe.err")"

# --- SIGINT after the traffic ----------------------------------------------------------------
out=$T/sigint.pcapng
e2e_bg ip netns exec $cap "$RINGDUMP" -i "$veth" -w "$out" 2>"$T/sigint.err"
pid=$E2E_LAST_PID
wait_for_line "$T/sigint.err" '^ringdump: capturing on' 20 ||
    fail "sigint: ringdump did not start: $(cat "$T/sigint.err")"
send_udp $cap 198.18.0.2 9000 9001 10 10000
send_udp $peer 198.18.0.1 9000 9002 10 10000
# Stop once the packets are in the file (a stop right after the traffic is e2e_stop_flush's
# subject): this checks the clean stop itself.
wait_epbs "$out" 20 10 || check_fail "sigint: the 20 packets did not reach the file within 10 s"
kill -INT "$pid"
e2e_wait_exit "$pid" 10
expect_eq "sigint: exit status" 0 "$E2E_STATUS"
capinfos "$out" >"$T/sigint.capinfos" 2>&1 || check_fail "sigint: capinfos rejects the file: $(cat "$T/sigint.capinfos")"
expect_eq "sigint: packets" 20 "$(pcap_count "$out")"
# Block by block: SHB, IDB (Ethernet, snap length 262144), 20 EPBs, and an ISB at the end.
expect_eq "sigint: pcapng blocks" "168627466|1 1 262144|$(printf '6|%.0s' {1..20})5" \
    "$(pcapng_blocks "$out" | paste -sd '|')"
expect_eq "sigint: capinfos sees the ISB" "Number of stat entries = 1" \
    "$(capinfos -I "$out" | grep -o 'Number of stat entries = .*' || true)"
expect_match "sigint: ringdump's summary" '(^|
)ringdump: 20 packets captured \(stopped\)' "$(cat "$T/sigint.err")"

# --- the reader goes away: ringdump -w - | head -c 5000 --------------------------------------
# 50000 packets at 5000 pps: traffic for 10 s, so "promptly" means long before it ends.
: >"$T/head.err"
start_sender head "$T/head.err" $peer 198.18.0.1 50000 5000
head_status=()
start=$(now_ms)
{
    timeout 30 ip netns exec $cap "$RINGDUMP" -i "$veth" -w - 2>"$T/head.err" | head -c 5000 >/dev/null
    head_status=("${PIPESTATUS[@]}")
} || true
elapsed=$(($(now_ms) - start))
stop_sender
expect_eq "reader gone (head -c 5000): ringdump exit status" 0 "${head_status[0]}"
if ((elapsed < 5000)); then
    pass "reader gone (head -c 5000): ringdump ended after $elapsed ms"
else
    check_fail "reader gone (head -c 5000): ringdump took $elapsed ms to end (expected < 5000 ms)"
fi
expect_match "reader gone: ringdump's summary" \
    '(^|
)ringdump: [0-9]+ packets captured \(the reader closed the output\)' "$(cat "$T/head.err")"

# --- extcap FIFO whose reader goes away --------------------------------------------------------
# As under Wireshark (--capture --fifo), but the reader reads 1000 bytes and closes: ringdump
# must end with status 0 and say nothing (Wireshark would show any stderr as an error).
mkfifo "$T/fifo"
e2e_bg timeout 30 head -c 1000 "$T/fifo" >/dev/null
reader=$E2E_LAST_PID
start_sender fifo socket $peer 198.18.0.1 50000 5000
status=0
start=$(now_ms)
timeout 30 ip netns exec $cap "$RINGDUMP" --capture --extcap-interface "ringdump-$veth" \
    --fifo "$T/fifo" >"$T/fifo.out" 2>"$T/fifo.err" || status=$?
elapsed=$(($(now_ms) - start))
stop_sender
e2e_wait_exit "$reader" 5
expect_eq "extcap FIFO reader gone: exit status" 0 "$status"
expect_eq "extcap FIFO reader gone: stderr" "" "$(cat "$T/fifo.err")"
expect_eq "extcap FIFO reader gone: stdout" "" "$(cat "$T/fifo.out")"
if ((elapsed < 5000)); then
    pass "extcap FIFO reader gone: ringdump ended after $elapsed ms"
else
    check_fail "extcap FIFO reader gone: ringdump took $elapsed ms to end (expected < 5000 ms)"
fi

# --- tun -------------------------------------------------------------------------------------
# A tun carries raw IP (LINKTYPE_RAW, 101). Packets to 198.19.0.2 route out of it, so they are
# outbound. A tun without a reader has no carrier and drops packets before any packet socket
# sees them, so rdgen attaches to it and discards what it reads.
tun=${net}t
ip -n $cap tuntap add dev "$tun" mode tun
e2e_on_exit "ip -n $cap link del $tun 2>/dev/null"
ip -n $cap addr add 198.19.0.1/24 dev "$tun"
ip -n $cap link set "$tun" up
e2e_bg ip netns exec $cap "$RDGEN" tun --interface "$tun" --max-seconds 100 >"$T/tunhold.out" 2>&1
wait_carrier $cap "$tun" 10 || fail "tun: no carrier on $tun: $(cat "$T/tunhold.out")"
out=$T/tun.pcapng
e2e_bg ip netns exec $cap "$RINGDUMP" -i "$tun" -c 10 -w "$out" 2>"$T/tun.err"
pid=$E2E_LAST_PID
wait_for_line "$T/tun.err" '^ringdump: capturing on' 20 ||
    fail "tun: ringdump did not start: $(cat "$T/tun.err")"
expect_match "tun: start line says link-type RAW" "capturing on $tun, link-type RAW" "$(cat "$T/tun.err")"
send_udp $cap 198.19.0.2 9000 9003 10 10000
e2e_wait_exit "$pid" 10
expect_eq "tun: exit status (-c 10)" 0 "$E2E_STATUS"
expect_eq "tun: capinfos file encapsulation" "Raw IP" "$(capinfos_field "$out" "File encapsulation")"
expect_eq "tun: packets" 10 "$(pcap_count "$out")"
expect_eq "tun: IDB link type and snap length" "1 101 262144" "$(pcapng_blocks "$out" | grep '^1 ' || true)"
expect_eq "tun: outbound UDP to 198.19.0.2" 10 \
    "$(count_packets "$out" 'frame.packet_flags_direction == 2 && ip.dst == 198.19.0.2 && udp.srcport == 9003')"
expect_eq "tun: sequence numbers 0..9" ok "$(check_sequences "$out" udp 10)"

# --- interface deleted mid-capture (last: it removes the test network's veth pair) -----------
out=$T/deleted.pcapng
e2e_bg ip netns exec $cap "$RINGDUMP" -q -i "$veth" -w "$out" 2>"$T/deleted.err"
pid=$E2E_LAST_PID
wait_capture_live $cap "$veth" "$pid" 20 || fail "deleted: ringdump did not start: $(cat "$T/deleted.err")"
send_udp $peer 198.18.0.1 9000 9002 10 10000
# Delete once the packets are in the file: packets still in a ring block the kernel has not
# handed over yet are lost on removal (e2e_stop_flush's subject); here the removal itself.
wait_epbs "$out" 10 10 || check_fail "deleted: the 10 packets did not reach the file within 10 s"
start=$(now_ms)
ip -n $cap link del "$veth"
e2e_wait_exit "$pid" 10
elapsed=$(($(now_ms) - start))
if [[ $E2E_STATUS != running && $E2E_STATUS != 0 ]]; then
    pass "deleted: ringdump exits with status $E2E_STATUS"
else
    check_fail "deleted: ringdump exit status: expected non-zero, got $E2E_STATUS"
fi
if ((elapsed < 3000)); then
    pass "deleted: ringdump ended $elapsed ms after the deletion"
else
    check_fail "deleted: ringdump took $elapsed ms to notice the deletion (expected < 3000 ms)"
fi
expect_eq "deleted: stderr lines (-q)" 1 "$(wc -l <"$T/deleted.err")"
expect_match "deleted: the line says the interface was removed" \
    "^ringdump: $veth: the interface was removed" "$(cat "$T/deleted.err")"
capinfos "$out" >"$T/deleted.capinfos" 2>&1 ||
    check_fail "deleted: capinfos rejects the file: $(cat "$T/deleted.capinfos")"
expect_eq "deleted: packets sent before the deletion" 10 "$(pcap_count "$out")"
expect_eq "deleted: sequence numbers 0..9" ok "$(check_sequences "$out" 'udp.srcport == 9002' 10)"
expect_no_match "deleted: the file is whole" 'TRUNCATED|BADLENGTH' "$(pcapng_blocks "$out")"

e2e_finish
