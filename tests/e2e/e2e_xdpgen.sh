#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# rdxdpgen (bench/tools/rdxdpgen.cpp), the XDP live-frames traffic generator, on a veth pair in
# two namespaces of its own (testnet.sh, prefix rdxg: rdxg-peer sends from rdxgp, rdxg-cap
# receives on rdxgc, 198.18.0.0/24). Every frame goes to a MAC that is not the receiver's, so
# the receiver drops it right after the taps (PACKET_OTHERHOST): no replies, no stack cost.
# Checked against the receiving veth's rx_packets and a tcpdump capture read back by tshark:
#   - at a fixed rate (500 kpps) and flat out: exactly N frames arrive, the payloads carry
#     rdgen's magic and the sequence numbers 0..N-1 once each; the rate is held (within 10 %)
#     and never exceeded; flat out, any frame the veth drops is counted in its tx_dropped;
#   - --size 1514 (MTU + 14) frames arrive whole, with a valid IPv4 header checksum;
#   - --flows 16: the UDP source port is 9000 + sequence % 16 on every frame;
#   - the traps are reported, not silent: GRO off on the receiving veth (exit 1, before sending;
#     Linux 6.3+), a frame longer than the receiver's MTU (exit 1, counted as dropped);
#   - SIGTERM and --max-seconds stop it cleanly with an exact count; bad flags exit 2; a missing
#     interface and missing privileges exit 1 with one line naming the fix.
# Every rdxdpgen run is bounded by --count, --max-seconds and timeout; everything made here
# is deleted by exact name at exit.
set -euo pipefail
source "$(dirname "$0")/../lib/e2e.sh"
e2e_init xdpgen tcpdump ethtool setpriv

[[ -n ${RDXDPGEN:-} && -x ${RDXDPGEN:-} ]] ||
    fail "RDXDPGEN='${RDXDPGEN:-}' is not an executable; run through ctest (or set RDXDPGEN)"
read -r kmajor kminor < <(uname -r | sed -n 's/^\([0-9]*\)\.\([0-9]*\).*/\1 \2/p')
kernel=$((kmajor * 100 + kminor))
((kernel >= 518)) || skip "XDP live frames (BPF_F_TEST_XDP_LIVE_FRAMES) need Linux 5.18+, this is $(uname -r)"

net=rdxg
gen_ns=$net-peer
gen_if=${net}p
cap_ns=$net-cap
cap_if=${net}c
other_mac=02:00:00:00:00:99  # not the receiver's: PACKET_OTHERHOST
snap=128
e2e_testnet $net
# GRO on at the receiver: without it (or an XDP program there) a veth drops XDP frames.
ip netns exec $cap_ns ethtool -K $cap_if gro on >/dev/null

rx_packets() { ip netns exec $cap_ns cat /sys/class/net/$cap_if/statistics/rx_packets; }
tx_dropped() { ip netns exec $gen_ns cat /sys/class/net/$gen_if/statistics/tx_dropped; }

# xdpgen ARGS...: rdxdpgen in the generator namespace, to the receiver, bounded by timeout.
# stdout in $E2E_TMP/gen.out, stderr in $E2E_TMP/gen.err, exit status in XDPGEN_STATUS.
xdpgen() {
    XDPGEN_STATUS=0
    timeout 90 ip netns exec $gen_ns "$RDXDPGEN" --interface $gen_if --dst-mac $other_mac \
        --src 198.18.0.2 --dst 198.18.0.1 --max-seconds 30 "$@" \
        >"$E2E_TMP/gen.out" 2>"$E2E_TMP/gen.err" || XDPGEN_STATUS=$?
}
gen_err() { cat "$E2E_TMP/gen.err"; }

# capture_start FILE: tcpdump on the receiving veth, pcap, snap length $snap, written packet
# by packet (-U) so that the file's size tells how many packets it holds.
capture_start() {
    e2e_bg timeout 120 ip netns exec $cap_ns tcpdump -i $cap_if -Z root -U -n -s $snap \
        -B 131072 -w "$1" 2>"$1.err"
    CAPTURE_PID=$E2E_LAST_PID
    wait_capture_live $cap_ns $cap_if "$CAPTURE_PID" 20 ||
        fail "tcpdump on $cap_if did not start: $(cat "$1.err")"
}

# capture_stop FILE PACKETS FRAME_SIZE: waits (at most 20 s) until FILE holds PACKETS records
# of FRAME_SIZE-byte frames cut at $snap, then stops tcpdump (SIGINT: it closes the file).
capture_stop() {
    local file=$1 want i
    want=$((24 + $2 * (16 + ($3 < snap ? $3 : snap))))
    for ((i = 0; i < 400; i++)); do
        (($(stat -c %s "$file" 2>/dev/null || echo 0) >= want)) && break
        sleep 0.05
    done
    kill -INT "$CAPTURE_PID"  # timeout passes it on to tcpdump
    e2e_wait_exit "$CAPTURE_PID" 10
    [[ $E2E_STATUS == 0 ]] || check_fail "tcpdump ended with status $E2E_STATUS: $(cat "$file.err")"
}

# check_frames FILE COUNT DROPPED FLOWS: every UDP payload in FILE is rdgen's (magic, then a
# little-endian 64-bit sequence number), the sequence numbers are distinct and below COUNT,
# there are COUNT - DROPPED of them, and (FLOWS > 1) the source port is 9000 + sequence % FLOWS.
# Prints "ok" or what is wrong.
check_frames() {
    tshark -r "$1" -T fields -e udp.srcport -e udp.payload 2>/dev/null | awk -v n="$2" \
        -v dropped="$3" -v flows="$4" '
        function hexval(s,   i, v) {
            v = 0
            for (i = 1; i <= length(s); i++) v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
            return v
        }
        {
            p = tolower($2); total++
            if (substr(p, 1, 16) != "524447454e000001") { badmagic++; next }
            seq = 0
            for (b = 7; b >= 0; b--) seq = seq * 256 + hexval(substr(p, 17 + 2 * b, 2))
            if (seq >= n) { outside++; next }
            if (seen[seq]++) dups++
            if (flows > 1 && $1 != 9000 + seq % flows) badport++
        }
        END {
            if (total == n - dropped && !badmagic && !outside && !dups && !badport) { print "ok"; exit }
            printf "%d frames (expected %d): %d without the magic, %d out of range, %d duplicates, %d with the wrong source port\n",
                total, n - dropped, badmagic + 0, outside + 0, dups + 0, badport + 0
        }'
}

# sent_count: N from rdxdpgen's "sent N packets in S s (R pps)" line (empty if malformed).
sent_count() { sed -n 's/^sent \([0-9]*\) packets in [0-9.]* s ([0-9]* pps)$/\1/p' "$E2E_TMP/gen.out"; }
sent_pps() { sed -n 's/^sent [0-9]* packets in [0-9.]* s (\([0-9]*\) pps)$/\1/p' "$E2E_TMP/gen.out"; }

# ---------------------------------------------------------------------------------------------
# Arguments and preconditions (nothing is sent)

for bad in "--size 59" "--size 1515" "--flows 0" "--flows 60000 --port 9000" "--batch 257" \
    "--rate -1" "--max-seconds 0" "--bogus 1" "--count"; do
    # shellcheck disable=SC2086
    xdpgen --count 10 $bad
    expect_eq "bad flags ($bad): exit status" 2 "$XDPGEN_STATUS"
done
expect_match "bad flags: one line naming the flag" "^rdxdpgen: .*--count.* needs a value$" "$(gen_err)"

XDPGEN_STATUS=0
timeout 30 ip netns exec $gen_ns "$RDXDPGEN" --interface ${net}nosuch --dst-mac $other_mac \
    --src 198.18.0.2 --dst 198.18.0.1 --count 10 >/dev/null 2>"$E2E_TMP/gen.err" || XDPGEN_STATUS=$?
expect_eq "missing interface: exit status" 1 "$XDPGEN_STATUS"
expect_match "missing interface: named" "^rdxdpgen: --interface ${net}nosuch: no such interface" "$(gen_err)"

if setpriv --reuid=65534 --regid=65534 --clear-groups test -x "$RDXDPGEN"; then
    XDPGEN_STATUS=0
    timeout 30 ip netns exec $gen_ns setpriv --reuid=65534 --regid=65534 --clear-groups \
        "$RDXDPGEN" --interface $gen_if --dst-mac $other_mac --src 198.18.0.2 \
        --dst 198.18.0.1 --count 10 >/dev/null 2>"$E2E_TMP/gen.err" || XDPGEN_STATUS=$?
    expect_eq "unprivileged: exit status" 1 "$XDPGEN_STATUS"
    expect_match "unprivileged: says what it needs" "^rdxdpgen: .*root.*CAP_BPF" "$(gen_err)"
else
    e2e_log "NOTE: uid 65534 cannot run $RDXDPGEN (a private build folder); unprivileged run not checked"
fi

# The GRO trap: a veth transmits XDP frames only when its peer has NAPI (GRO or XDP there).
ip netns exec $cap_ns ethtool -K $cap_if gro off >/dev/null
before=$(rx_packets)
xdpgen --count 1000
if ((kernel >= 603)); then
    expect_eq "GRO off at the receiver: exit status" 1 "$XDPGEN_STATUS"
    expect_match "GRO off at the receiver: names the fix" "^rdxdpgen: .*gro on" "$(gen_err)"
else
    # Before 6.3 the device does not tell; the frames vanish and rdxdpgen says so afterwards.
    expect_eq "GRO off at the receiver (kernel < 6.3): exit status" 1 "$XDPGEN_STATUS"
    expect_match "GRO off at the receiver (kernel < 6.3): reported" "transmitted 0 of" "$(gen_err)"
fi
expect_eq "GRO off at the receiver: nothing arrived" 0 $(($(rx_packets) - before))
ip netns exec $cap_ns ethtool -K $cap_if gro on >/dev/null

# ---------------------------------------------------------------------------------------------
# A fixed rate: 200000 frames at 500 kpps

count=200000
rate=500000
out=$E2E_TMP/rate.pcap
capture_start "$out"
before=$(rx_packets)
start_ms=$(now_ms)
xdpgen --count $count --rate $rate --size 60
wall_ms=$(($(now_ms) - start_ms))
expect_eq "fixed rate: exit status (stderr: $(gen_err))" 0 "$XDPGEN_STATUS"
expect_eq "fixed rate: result line" "$count" "$(sent_count)"
e2e_log "fixed rate: $(cat "$E2E_TMP/gen.out") (${wall_ms} ms wall clock)"
expect_eq "fixed rate: rx_packets of the receiving veth" $count $(($(rx_packets) - before))
pps=$(sent_pps)
if ((pps >= rate * 9 / 10 && pps <= rate * 101 / 100)); then
    pass "fixed rate: $pps pps reported for $rate asked (within -10 %/+1 %)"
else
    check_fail "fixed rate: $pps pps reported for $rate asked (want within -10 %/+1 %)"
fi
# Independent of rdxdpgen's own clock: 200000 frames at 500 kpps cannot take less than 0.4 s.
if ((wall_ms >= (count - 1000) * 1000 / rate)); then
    pass "fixed rate: not faster than asked (${wall_ms} ms for $count frames)"
else
    check_fail "fixed rate: $count frames in ${wall_ms} ms is faster than $rate pps"
fi
capture_stop "$out" $count 60
expect_eq "fixed rate: packets captured" $count "$(pcap_count "$out")"
expect_eq "fixed rate: sequence numbers 0..$((count - 1)) once each" ok "$(check_frames "$out" $count 0 1)"

# ---------------------------------------------------------------------------------------------
# Flat out: 200000 frames as fast as it goes. A veth drops frames (and counts them in
# tx_dropped) when the receiver's queue is full; whatever rdxdpgen says it sent must be
# accounted for exactly, and the capture must hold the rest.

out=$E2E_TMP/flat.pcap
capture_start "$out"
before=$(rx_packets)
dropped_before=$(tx_dropped)
xdpgen --count $count --size 60
expect_eq "flat out: exit status (stderr: $(gen_err))" 0 "$XDPGEN_STATUS"
expect_eq "flat out: result line" "$count" "$(sent_count)"
e2e_log "flat out: $(cat "$E2E_TMP/gen.out")"
received=$(($(rx_packets) - before))
dropped=$(($(tx_dropped) - dropped_before))
expect_eq "flat out: received + dropped by the veth = sent" $count $((received + dropped))
((dropped == 0)) || e2e_log "NOTE: the veth dropped $dropped frames (receiver's queue full)"
capture_stop "$out" $received 60
expect_eq "flat out: packets captured" $received "$(pcap_count "$out")"
expect_eq "flat out: sequence numbers below $count once each, $received of them" ok \
    "$(check_frames "$out" $count $dropped 1)"

# ---------------------------------------------------------------------------------------------
# --size 1514 (MTU + 14), flat out, and --flows 16 at 1 Mpps

count=100000
out=$E2E_TMP/big.pcap
capture_start "$out"
before=$(rx_packets)
dropped_before=$(tx_dropped)
xdpgen --count $count --size 1514
expect_eq "1514-byte frames: exit status (stderr: $(gen_err))" 0 "$XDPGEN_STATUS"
expect_eq "1514-byte frames: result line" "$count" "$(sent_count)"
e2e_log "1514-byte frames, flat out: $(cat "$E2E_TMP/gen.out")"
received=$(($(rx_packets) - before))
dropped=$(($(tx_dropped) - dropped_before))
expect_eq "1514-byte frames: received + dropped = sent" $count $((received + dropped))
capture_stop "$out" $received 1514
expect_eq "1514-byte frames: packets captured" $received "$(pcap_count "$out")"
expect_eq "1514-byte frames: frame length" 1514 \
    "$(tshark -r "$out" -T fields -e frame.len 2>/dev/null | sort -u | tr '\n' ' ' | sed 's/ $//')"
expect_eq "1514-byte frames: IPv4 header checksums valid" $received \
    "$(tshark -r "$out" -o ip.check_checksum:TRUE -Y 'ip.checksum.status == 1' -T fields -e frame.number 2>/dev/null | wc -l)"
expect_eq "1514-byte frames: sequence numbers" ok "$(check_frames "$out" $count $dropped 1)"

flows=16
out=$E2E_TMP/flows.pcap
capture_start "$out"
before=$(rx_packets)
xdpgen --count $count --rate 1000000 --flows $flows --size 60
expect_eq "--flows $flows: exit status (stderr: $(gen_err))" 0 "$XDPGEN_STATUS"
expect_eq "--flows $flows: result line" "$count" "$(sent_count)"
expect_eq "--flows $flows: rx_packets" $count $(($(rx_packets) - before))
capture_stop "$out" $count 60
expect_eq "--flows $flows: sequence numbers, source port 9000 + sequence % $flows" ok \
    "$(check_frames "$out" $count 0 $flows)"
expect_eq "--flows $flows: frames per source port" "$flows ports x $((count / flows))" \
    "$(tshark -r "$out" -T fields -e udp.srcport 2>/dev/null | sort | uniq -c |
        awk '{ n[$1]++; ports++ } END { for (c in n) printf "%d ports x %d", n[c], c }')"

# ---------------------------------------------------------------------------------------------
# The MTU trap: frames longer than the receiver's MTU + 14 are dropped by the veth.

ip -n $cap_ns link set $cap_if mtu 1000
before=$(rx_packets)
xdpgen --count 1000 --size 1514 --rate 100000
expect_eq "receiver MTU 1000, 1514-byte frames: exit status" 1 "$XDPGEN_STATUS"
expect_match "receiver MTU 1000: reported as dropped" \
    "^rdxdpgen: error: $gen_if transmitted 0 of 1000 frames; 1000 counted as dropped" "$(gen_err)"
expect_eq "receiver MTU 1000: nothing arrived" 0 $(($(rx_packets) - before))
ip -n $cap_ns link set $cap_if mtu 1500

# ---------------------------------------------------------------------------------------------
# Stopping: SIGTERM, --max-seconds

before=$(rx_packets)
e2e_bg timeout 60 ip netns exec $gen_ns "$RDXDPGEN" --interface $gen_if --dst-mac $other_mac \
    --src 198.18.0.2 --dst 198.18.0.1 --count 1000000000 --rate 100000 --max-seconds 30 \
    >"$E2E_TMP/gen.out" 2>"$E2E_TMP/gen.err"
gen_pid=$E2E_LAST_PID
for ((i = 0; i < 200; i++)); do  # until frames arrive (at most 10 s), then 0.3 s more
    (($(rx_packets) > before)) && break
    sleep 0.05
done
sleep 0.3
kill -TERM "$gen_pid"  # timeout passes it on
e2e_wait_exit "$gen_pid" 5
expect_eq "SIGTERM: exit status" 0 "$E2E_STATUS"
sent=$(sent_count)
if [[ -n $sent ]] && ((sent > 0 && sent < 1000000000)); then
    pass "SIGTERM: stopped after $sent frames"
else
    check_fail "SIGTERM: result line: $(cat "$E2E_TMP/gen.out") $(gen_err)"
fi
expect_eq "SIGTERM: rx_packets = the frames it says it sent" "${sent:-?}" $(($(rx_packets) - before))

before=$(rx_packets)
start_ms=$(now_ms)
xdpgen --count 1000000000 --rate 100000 --max-seconds 1
wall_ms=$(($(now_ms) - start_ms))
sent=$(sent_count)
expect_eq "--max-seconds 1: exit status" 0 "$XDPGEN_STATUS"
if [[ -n $sent ]] && ((sent >= 90000 && sent <= 100001 && wall_ms < 3000)); then
    pass "--max-seconds 1 at 100 kpps: $sent frames, ${wall_ms} ms"
else
    check_fail "--max-seconds 1 at 100 kpps: '$(cat "$E2E_TMP/gen.out")' in ${wall_ms} ms"
fi
expect_eq "--max-seconds: rx_packets = the frames it says it sent" "${sent:-?}" $(($(rx_packets) - before))

e2e_finish
