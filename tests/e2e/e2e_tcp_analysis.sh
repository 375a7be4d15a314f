#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# ringdump's TCP annotations against Wireshark's own TCP analysis of the same capture.
#
# Real kernel TCP at both ends, a seeded impairment relay between them (this kernel has no netem),
# and the capture at a tap in the middle of the path:
#
#   ns rdta-a (client)                                                  ns rdta-b (server)
#   rdtaa 198.18.0.1/24                                                 rdtab 198.18.0.2/24
#   rdrelay send/receive  ══ tun ══╗                          ╔══ tun ══  rdrelay receive/send
#                                  ║   rdrelay relay (seeded)  ║
#                                  ╚═► pre stage ─► tap ─► post stage ═╝   (and back the same way)
#                                      drop/dup/    │      drop/dup/
#                                      reorder      │      reorder
#                                                   ▼ copy (minus --tap-drop)
#                                      ns rdta-m: rdtam (tun, no address: a mirror port)
#                                      ringdump -i rdtam -w run.pcapng
#
# Where the loss happens relative to the capture decides what the file shows:
#   pre stage (before the tap): the capture and the receiver both miss the segment: a hole in the
#     capture (tshark lost_segment, ringdump out_of_order with gap_bytes), filled later by the
#     retransmission (tshark retransmission/fast retransmission, ringdump hole_filled).
#   post stage (after the tap): the capture saw the segment, the receiver did not: its
#     retransmission repeats captured bytes (tshark retransmission, ringdump retransmission).
#   tap drop: only the capture misses it; the receiver acknowledges bytes the capture never saw
#     (tshark ack_lost_segment, ringdump capture_loss_bytes).
# Duplication and reordering work the same way in each stage. Each run moves 2 MB each way at
# the same time (two connections, MSS 536, offloads off on every tun so segments are real),
# with one impairment mix and seed. Per run: tshark's analysis flags are printed (so the
# traffic is known to be rich enough, which is checked), and tcp_compare compares ringdump's
# annotations with them (tests/tools/tcp_compare.cpp has the mapping and the Wireshark rules).
# Until the capture carries annotations this test skips with "ringdump wrote no annotations yet"
# after doing everything else; then it fails below 99% agreement (differences explained by
# named Wireshark rules count as agreement; TCP_COMPARE_STRICT=1 counts only identical calls).
# The same comparison runs on the capture annotated offline (ringdump annotate).
#
# Environment: RINGDUMP, RDGEN, RDRELAY, RDTCPCOMPARE (from CTest); E2E_KEEP=1 keeps the files
# of a failed run; TCP_ANALYSIS_BYTES (default 2000000) per connection.
set -euo pipefail
source "$(dirname "$0")/../lib/e2e.sh"
e2e_init tcp_analysis ethtool

[[ -n ${RDRELAY:-} && -x ${RDRELAY:-} ]] ||
    fail "RDRELAY='${RDRELAY:-}' is not an executable; run through ctest (or set RDRELAY)"
[[ -n ${RDTCPCOMPARE:-} && -x ${RDTCPCOMPARE:-} ]] ||
    fail "RDTCPCOMPARE='${RDTCPCOMPARE:-}' is not an executable; run through ctest (or set RDTCPCOMPARE)"

net=rdta
bytes=${TCP_ANALYSIS_BYTES:-2000000}
mss=536
threshold=0.99
strict=()
[[ ${TCP_COMPARE_STRICT:-0} == 1 ]] && strict=(--strict)

# The runs: name, seed, relay impairment options.
runs=(
    "pre-tap|11|--drop 0.02 --dup 0.01 --reorder 0.02"
    "post-tap|23|--post-drop 0.02 --post-dup 0.01 --post-reorder 0.01"
    "tap-loss|37|--tap-drop 0.01 --drop 0.01 --reorder 0.01"
    "mixed|41|--drop 0.01 --dup 0.01 --reorder 0.01 --post-drop 0.01 --post-reorder 0.01 --tap-drop 0.005"
)

# tshark's fields for tcp_compare (it finds them by the header line).
tshark_fields=(frame.number frame.time_epoch ip.proto ip.src tcp.srcport tcp.stream tcp.seq_raw
    tcp.ack_raw tcp.len tcp.flags tcp.window_size_value tcp.analysis.initial_rtt
    tcp.analysis.retransmission tcp.analysis.fast_retransmission
    tcp.analysis.spurious_retransmission tcp.analysis.out_of_order tcp.analysis.lost_segment
    tcp.analysis.ack_lost_segment tcp.analysis.keep_alive tcp.analysis.duplicate_ack
    tcp.analysis.zero_window_probe)

# ---------------------------------------------------------------------------------------------
# Topology: namespaces NET-a, NET-b, NET-m, each with one tun (NETa, NETb, NETm) that the relay
# attaches to. IPv6 off everywhere, so only the test's TCP crosses the relay.

topology_down() {
    local s
    for s in a b m; do ip netns del "$1-$s" 2>/dev/null || true; done
    return 0
}

topology_up() {
    local p=$1 s
    topology_down "$p"
    for s in a b m; do
        ip netns add "$p-$s" || return 1
        ip netns exec "$p-$s" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
            net.ipv6.conf.default.disable_ipv6=1 >/dev/null || return 1
        ip -n "$p-$s" link set lo up || return 1
        ip -n "$p-$s" tuntap add dev "$p$s" mode tun || return 1
    done
    ip -n "$p-a" addr add 198.18.0.1/24 dev "${p}a" || return 1
    ip -n "$p-b" addr add 198.18.0.2/24 dev "${p}b" || return 1
    # A long queue in front of the relay: a burst of a full congestion window must wait for
    # the relay, not be dropped by the tun (that loss would be neither seeded nor repeatable).
    for s in a b m; do
        ip -n "$p-$s" link set "$p$s" txqueuelen 10000 up || return 1
        ip netns exec "$p-$s" ethtool -K "$p$s" tso off gso off gro off || return 1
    done
}

# tx_dropped NS IF: packets the tun dropped on its way to the relay (queue full).
tx_dropped() { ip netns exec "$1" cat "/sys/class/net/$2/statistics/tx_dropped"; }

# offloads_off NS IF: TSO, GSO and GRO all report off.
offloads_off() {
    local on
    on=$(ip netns exec "$1" ethtool -k "$2" | grep -E \
        '^(tcp-segmentation-offload|generic-segmentation-offload|generic-receive-offload): on') || true
    [[ -z $on ]]
}

e2e_on_exit "topology_down $net"
topology_up $net >"$E2E_TMP/topology.log" 2>&1 ||
    skip "cannot create the tun topology (three namespaces, tun devices, ethtool): $(tail -n 3 "$E2E_TMP/topology.log")"
for s in a b m; do
    offloads_off "$net-$s" "$net$s" || fail "TSO/GSO/GRO still on for $net$s: $(ip netns exec "$net-$s" ethtool -k "$net$s" | grep offload)"
done
pass "topology up: $net-a, $net-b, $net-m; TSO, GSO and GRO off on $net{a,b,m}"

# ---------------------------------------------------------------------------------------------
# The comparer's own check, with hand-made records and a hand-made tshark table.

"$RDTCPCOMPARE" --self-test >"$E2E_TMP/self-test.log" 2>&1 ||
    fail "tcp_compare --self-test failed: $(grep -E '^FAIL|tcp_compare:' "$E2E_TMP/self-test.log" | head -n 5)"
pass "tcp_compare --self-test"

# ---------------------------------------------------------------------------------------------
# One run.

# stop_bg PID SIGNAL SECONDS: signals PID and waits up to SECONDS; E2E_STATUS as e2e_wait_exit.
stop_bg() {
    kill -s "$2" "$1" 2>/dev/null || true
    e2e_wait_exit "$1" "$3"
    if [[ $E2E_STATUS == running ]]; then
        e2e_kill_tree KILL "$1"
        e2e_wait "$1"
    fi
}

# compare_file NAME FILE LOGPREFIX: tshark's table for FILE, then tcp_compare. Sets
# COMPARE_STATUS (tcp_compare's exit status) and leaves its output in LOGPREFIX.compare.
compare_file() {
    local name=$1 file=$2 log=$3 args=() field
    for field in "${tshark_fields[@]}"; do args+=(-e "$field"); done
    tshark -r "$file" -Y tcp -T fields -E header=y -E separator=/t -E occurrence=f "${args[@]}" \
        >"$log.tsv" 2>"$log.tshark.err" ||
        fail "$name: tshark -r $file failed: $(without_root_warning "$log.tshark.err" | head -n 3)"
    COMPARE_STATUS=0
    "$RDTCPCOMPARE" --tshark "$log.tsv" --capture "$file" --label "$name" \
        --threshold "$threshold" "${strict[@]}" --list 60 >"$log.compare" 2>&1 ||
        COMPARE_STATUS=$?
}

# tshark_count LOG FIELD: the count tcp_compare printed for one tshark flag ("lost_segment 12").
tshark_count() {
    sed -n "s/^tshark .*[ (]$2 \([0-9]*\).*/\1/p" "$1" | head -n 1
}

no_annotations=0
annotated=0
run_number=0
for spec in "${runs[@]}"; do
    IFS='|' read -r name seed impairment <<<"$spec"
    run_number=$((run_number + 1))
    dir=$E2E_TMP/$name
    mkdir -p "$dir"
    chmod 0755 "$dir"
    cap=$dir/capture.pcapng
    started=$(now_ms)
    # shellcheck disable=SC2086 # the impairment options are words on purpose
    e2e_bg timeout 90 "$RDRELAY" relay --a "$net-a/${net}a" --b "$net-b/${net}b" \
        --tap "$net-m/${net}m" --seed "$seed" $impairment --max-seconds 60 >"$dir/relay.log" 2>&1
    relay=$E2E_LAST_PID
    wait_for_line "$dir/relay.log" '^attached$' 10 ||
        fail "$name: rdrelay did not attach: $(cat "$dir/relay.log")"
    for s in a b m; do
        wait_carrier "$net-$s" "$net$s" 10 || fail "$name: $net$s has no carrier with the relay attached"
    done

    e2e_bg timeout 90 ip netns exec "$net-m" "$RINGDUMP" -i "${net}m" -a duration:60 -w "$cap" \
        2>"$dir/ringdump.err"
    capture=$E2E_LAST_PID
    wait_capture_live "$net-m" "${net}m" "$capture" 20 ||
        fail "$name: ringdump -i ${net}m did not start capturing: $(cat "$dir/ringdump.err")"

    # Two connections at once, one each way: 5001 client -> server, 5002 server -> client.
    port_ab=$((5000 + 2 * run_number - 1)) port_ba=$((5000 + 2 * run_number))
    e2e_bg timeout 60 ip netns exec "$net-b" "$RDRELAY" receive --listen 198.18.0.2 \
        --port $port_ab --bytes "$bytes" --mss $mss --max-seconds 20 >"$dir/receive-ab.log" 2>&1
    receive_ab=$E2E_LAST_PID
    e2e_bg timeout 60 ip netns exec "$net-a" "$RDRELAY" receive --listen 198.18.0.1 \
        --port $port_ba --bytes "$bytes" --mss $mss --max-seconds 20 >"$dir/receive-ba.log" 2>&1
    receive_ba=$E2E_LAST_PID
    wait_for_line "$dir/receive-ab.log" '^listening$' 10 || fail "$name: receiver in $net-b not listening"
    wait_for_line "$dir/receive-ba.log" '^listening$' 10 || fail "$name: receiver in $net-a not listening"
    e2e_bg timeout 60 ip netns exec "$net-a" "$RDRELAY" send --dst 198.18.0.2 --port $port_ab \
        --bytes "$bytes" --mss $mss --max-seconds 20 >"$dir/send-ab.log" 2>&1
    send_ab=$E2E_LAST_PID
    e2e_bg timeout 60 ip netns exec "$net-b" "$RDRELAY" send --dst 198.18.0.1 --port $port_ba \
        --bytes "$bytes" --mss $mss --max-seconds 20 >"$dir/send-ba.log" 2>&1
    send_ba=$E2E_LAST_PID
    for pid_log in "$send_ab:send-ab" "$send_ba:send-ba" "$receive_ab:receive-ab" "$receive_ba:receive-ba"; do
        e2e_wait_exit "${pid_log%%:*}" 30
        [[ $E2E_STATUS == 0 ]] ||
            fail "$name: ${pid_log#*:} ended with status $E2E_STATUS: $(cat "$dir/${pid_log#*:}.log")"
    done
    transfer_ms=$(($(now_ms) - started))

    # The last ACKs and FINs, then stop the capture (it keeps reading for two block timeouts)
    # and the relay (it prints its counters).
    sleep 0.3
    stop_bg "$capture" INT 15
    [[ $E2E_STATUS == 0 ]] || fail "$name: ringdump exited with status $E2E_STATUS: $(cat "$dir/ringdump.err")"
    stop_bg "$relay" TERM 10
    [[ $E2E_STATUS == 0 ]] || fail "$name: rdrelay exited with status $E2E_STATUS: $(cat "$dir/relay.log")"
    e2e_log "$name (seed $seed: $impairment): both transfers ok, ${transfer_ms} ms"
    grep -E '^(a->b|b->a):' "$dir/relay.log" | sed "s/^/[$E2E_NAME]   relay /"
    dropped_a=$(tx_dropped "$net-a" "${net}a") dropped_b=$(tx_dropped "$net-b" "${net}b")
    e2e_log "  unseeded loss, dropped by the tuns before the relay (cumulative): a->b $dropped_a, b->a $dropped_b"

    compare_file "$name" "$cap" "$dir/live"
    [[ $COMPARE_STATUS == [013] ]] ||
        fail "$name: tcp_compare failed (status $COMPARE_STATUS): $(tail -n 3 "$dir/live.compare")"
    grep -E '^tshark ' "$dir/live.compare" | sed "s/^/[$E2E_NAME]   /"
    grep -E '^model of Wireshark' "$dir/live.compare" | sed "s/^/[$E2E_NAME]   /"
    # Rich enough: dozens of flagged packets per run, and each mix shows its own signature.
    flagged=0
    for field in retransmission out_of_order lost_segment ack_lost_segment; do
        flagged=$((flagged + $(tshark_count "$dir/live.compare" "$field")))
    done
    if ((flagged >= 30)); then
        pass "$name: tshark flags $flagged packets"
    else
        check_fail "$name: tshark flags only $flagged packets; the run is too tame to compare"
    fi
    case $name in
    pre-tap) signature=lost_segment ;;
    post-tap) signature=retransmission ;;
    tap-loss | mixed) signature=ack_lost_segment ;;
    esac
    if (($(tshark_count "$dir/live.compare" "$signature") > 0)); then
        pass "$name: tshark sees $signature"
    else
        check_fail "$name: tshark sees no $signature, which this mix exists to produce"
    fi

    case $COMPARE_STATUS in
    0 | 1)
        annotated=$((annotated + 1))
        if ((COMPARE_STATUS == 0)); then
            # The table and the differences grouped by reason; every frame on failure.
            sed -n '/^ringdump vs tshark/,/^  differences (first/p' "$dir/live.compare" | sed '$d'
            pass "$name: ringdump agrees with tshark (live capture)"
        else
            sed -n '/^ringdump vs tshark/,$p' "$dir/live.compare"
            check_fail "$name: ringdump's annotations agree with tshark below $threshold (live capture)"
        fi
        # The same capture without annotations, annotated offline.
        tshark -r "$cap" -F pcap -w "$dir/plain.pcap" 2>/dev/null ||
            fail "$name: tshark cannot rewrite the capture as pcap"
        if "$RINGDUMP" annotate "$dir/plain.pcap" -w "$dir/offline.pcapng" >"$dir/annotate.log" 2>&1; then
            compare_file "$name offline" "$dir/offline.pcapng" "$dir/offline"
            if ((COMPARE_STATUS == 0)); then
                pass "$name: ringdump annotate agrees with tshark"
            else
                sed -n '/^ringdump vs tshark/,$p' "$dir/offline.compare"
                check_fail "$name: ringdump annotate agrees with tshark below $threshold (status $COMPARE_STATUS)"
            fi
        else
            check_fail "$name: ringdump annotate failed: $(head -n 3 "$dir/annotate.log")"
        fi
        ;;
    3)
        no_annotations=$((no_annotations + 1))
        sed -n '/^preview/,/^  overall/p' "$dir/live.compare" | sed "s/^/[$E2E_NAME]   /"
        ;;
    esac
    e2e_log "$name: run took $(($(now_ms) - started)) ms"
done

if ((annotated == 0 && no_annotations > 0)); then
    ((E2E_FAILED == 0)) || e2e_finish
    skip "ringdump wrote no annotations yet (topology, traffic, capture and tshark's analysis all ran: see above)"
fi
((no_annotations == 0)) || check_fail "$no_annotations runs have captures without annotations, $annotated with"
e2e_finish
