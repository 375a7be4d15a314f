#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# The Wireshark plugin on a live capture through the extcap, with real network loss.
#
#   ns rdpl-snd              ns rdpl-rtr (forwards)                 ns rdpl-cap
#   rdrelay send             nft forward: drops every 50th          rdrelay receive
#   rdpls 198.18.1.2 ══ veth ══ rdplr1 ─► data segment ─► rdplr0 ══ veth ══ rdplc 198.18.0.1
#                            198.18.1.1                198.18.0.2        │
#                                                  tshark -i ringdump-rdplc -w FIFO (root)
#                                                                        │ tee capture.pcapng
#                                                                        ▼
#                                       tshark -r FIFO -Y ... (uid 65534, the plugin loaded)
#
# Real kernel TCP (MSS 536, offloads off, so segments are real). The drops happen before the
# capture point, so the capture and the receiver both miss those segments: holes in the
# capture (ringdump.tcp.gap_bytes, the expert warning ringdump.tcp.gap) that the sender's
# retransmissions fill later (ringdump.tcp.status == "hole-filled"), and no capture loss (the
# receiver never acknowledges bytes the capture missed). The drop is in a router namespace
# because the sender's own hooks (netdev egress, tc, nft output) see TCP's GSO super-packets:
# segmentation happens after them, even with GSO off on the device.
#
# Capturing needs root (or CAP_NET_RAW), and Wireshark run by root ignores personal plugin
# folders: so root captures through the extcap into a FIFO, and a second tshark, as uid 65534
# with the plugin in its home, dissects the stream as it arrives (live, through dumpcap). The
# same fields read from the saved file afterwards must be identical. (Live dissection with the
# plugin in one tshark needs a non-root user with capture rights.)
set -euo pipefail
source "$(dirname "$0")/../lib/e2e.sh"
e2e_init plugin nft ethtool tee mkfifo
[[ -n ${RDRELAY:-} && -x ${RDRELAY:-} ]] ||
    fail "RDRELAY='${RDRELAY:-}' is not an executable; run through ctest (or set RDRELAY)"
make_plugin_home

net=rdpl
veth=${net}c  # capture side: 198.18.0.1, the receiver
pref=extcap.ringdump_${veth}
port=5001
bytes=${PLUGIN_E2E_BYTES:-1000000}
mss=536

# topology_down / topology_up: the three namespaces above, deleted by exact name.
topology_down() {
    local ns
    for ns in $net-snd $net-rtr $net-cap; do ip netns del "$ns" 2>/dev/null || true; done
}
topology_up() {
    local ns dev
    topology_down
    for ns in $net-snd $net-rtr $net-cap; do
        ip netns add "$ns" || return 1
        ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
            net.ipv6.conf.default.disable_ipv6=1 >/dev/null || return 1
        ip -n "$ns" link set lo up || return 1
    done
    ip link add ${net}s netns $net-snd type veth peer name ${net}r1 netns $net-rtr || return 1
    ip link add ${net}c netns $net-cap type veth peer name ${net}r0 netns $net-rtr || return 1
    ip -n $net-snd addr add 198.18.1.2/24 dev ${net}s || return 1
    ip -n $net-rtr addr add 198.18.1.1/24 dev ${net}r1 || return 1
    ip -n $net-rtr addr add 198.18.0.2/24 dev ${net}r0 || return 1
    ip -n $net-cap addr add 198.18.0.1/24 dev ${net}c || return 1
    for dev in snd:${net}s rtr:${net}r1 rtr:${net}r0 cap:${net}c; do
        ns=$net-${dev%%:*} dev=${dev#*:}
        ip -n "$ns" link set "$dev" up || return 1
        ip netns exec "$ns" ethtool -K "$dev" tso off gso off gro off >/dev/null || return 1
    done
    ip -n $net-snd route add default via 198.18.1.1 || return 1
    ip -n $net-cap route add 198.18.1.0/24 via 198.18.0.2 || return 1
    ip netns exec $net-rtr sysctl -qw net.ipv4.ip_forward=1 >/dev/null || return 1
    # Every 50th data segment to the receiver, dropped while forwarded (handshake, ACKs and
    # FINs are not counted).
    ip netns exec $net-rtr nft -f - <<EOF || return 1
table ip $net {
    chain forward {
        type filter hook forward priority 0; policy accept;
        ip daddr 198.18.0.1 tcp dport $port ip length > 200 numgen inc mod 50 == 25 counter drop
    }
}
EOF
}
e2e_on_exit topology_down
topology_up >"$E2E_TMP/topology.log" 2>&1 ||
    skip "cannot build the three-namespace topology (veth, ethtool -K, nftables forward): $(tail -n 3 "$E2E_TMP/topology.log")"
wait_carrier $net-cap "$veth" || fail "$veth has no carrier"
make_extcap_config_dir

# The reader: uid 65534 with the plugin, from a FIFO fed by tee (which keeps a copy).
capture=$E2E_TMP/capture.pcapng
cap_fifo=$E2E_TMP/dumpcap.fifo
live_fifo=$E2E_TMP/live.fifo
mkfifo -m 0600 "$cap_fifo"
mkfifo -m 0644 "$live_fifo"
# The frames that matter for loss, and what ringdump says about them.
filter='ringdump.tcp.gap_bytes > 0 || ringdump.tcp.status == "hole-filled" || ringdump.tcp.status == "partial-overlap" || ringdump.tcp.status == "retransmission"'
FIELDS=(-e frame.number -e ringdump.tcp.status -e ringdump.tcp.stream_offset
    -e ringdump.tcp.gap_bytes -e tcp.len -e ringdump.dir -e ringdump.role)
e2e_bg setpriv --reuid=65534 --regid=65534 --clear-groups \
    env -i HOME="$E2E_PLUGIN_HOME" PATH="$PATH" \
    tshark -r "$live_fifo" -Y "$filter" -T fields -E separator=/t "${FIELDS[@]}" \
    >"$E2E_TMP/live.txt" 2>"$E2E_TMP/live.err"
reader_pid=$E2E_LAST_PID
# shellcheck disable=SC2016 # the arguments are expanded by the inner bash
e2e_bg bash -c 'exec tee -- "$1" <"$2" >"$3"' tee "$capture" "$cap_fifo" "$live_fifo"
tee_pid=$E2E_LAST_PID

e2e_bg ip netns exec $net-cap "$RDRELAY" receive --listen 198.18.0.1 --port $port \
    --bytes "$bytes" --mss $mss --max-seconds 60 >"$E2E_TMP/receive.log"
receiver_pid=$E2E_LAST_PID
wait_for_line "$E2E_TMP/receive.log" '^listening' 10 ||
    fail "rdrelay receive did not start: $(cat "$E2E_TMP/receive.log")"

start_tshark_capture $net-cap "$veth" "$cap_fifo" -o "$pref.localnet:198.18.0.1/32"

# Packets through the capture side's veth during the transfer = packets the capture must hold.
veth_packets() {
    local rx tx
    rx=$(ip netns exec $net-cap cat "/sys/class/net/$veth/statistics/rx_packets")
    tx=$(ip netns exec $net-cap cat "/sys/class/net/$veth/statistics/tx_packets")
    echo $((rx + tx))
}
before=$(veth_packets)
sent=$(timeout 90 ip netns exec $net-snd "$RDRELAY" send --dst 198.18.0.1 --port $port \
    --bytes "$bytes" --mss $mss --max-seconds 60) || fail "rdrelay send failed: $sent"
e2e_wait_exit "$receiver_pid" 30
expect_match "the receiver got every byte, in order" "^received $bytes bytes in .*: ok$" \
    "$(tail -n 1 "$E2E_TMP/receive.log")"
expect_match "the sender sent every byte" "^sent $bytes bytes" "$sent"
expected_packets=$(($(veth_packets) - before))
drops=$(ip netns exec $net-rtr nft list chain ip $net forward |
    sed -n 's/.*counter packets \([0-9]*\) .*/\1/p')
drops=${drops:-0}
e2e_log "$expected_packets packets through $veth, $drops segments dropped before it"
((drops > 0)) || check_fail "the router dropped nothing"

# Stop the capture once it holds every packet (SIGTERM: tshark still finishes the file); the
# FIFO closes, tee ends, the reader sees the end of the stream.
wait_epbs "$capture" "$expected_packets" 30 ||
    check_fail "the capture holds $(count_epbs "$capture") packets, expected $expected_packets"
kill -TERM "$E2E_TSHARK_PID"
e2e_wait_exit "$E2E_TSHARK_PID" 30
expect_eq "capture: tshark exit status after SIGTERM" 0 "$E2E_STATUS"
[[ -z $(extcap_errors "$cap_fifo.err") ]] ||
    check_fail "tshark reported an extcap error: $(extcap_errors "$cap_fifo.err")"
e2e_wait_exit "$tee_pid" 30
expect_eq "tee exit status" 0 "$E2E_STATUS"
e2e_wait_exit "$reader_pid" 30
expect_eq "live reader (uid 65534, plugin): exit status" 0 "$E2E_STATUS"
[[ $E2E_STATUS == 0 ]] || e2e_log "live reader: $(head -3 "$E2E_TMP/live.err")"
chmod 0644 "$capture"
expect_eq "capture: packets" "$expected_packets" "$(pcap_count "$capture")"

# The plugin is really loaded by the live reader (the filter would be an error otherwise) and
# saw the same as a reader of the file afterwards.
expect_no_match "live reader: no error" "." "$(grep -v '^$' "$E2E_TMP/live.err" || true)"
tshark_as_plugin_user -r "$capture" -Y "$filter" -T fields -E separator=/t "${FIELDS[@]}" \
    >"$E2E_TMP/file.txt" 2>"$E2E_TMP/file.err" || check_fail "reading the capture with the plugin failed: $(head -3 "$E2E_TMP/file.err")"
if cmp -s "$E2E_TMP/live.txt" "$E2E_TMP/file.txt"; then
    pass "live dissection equals the saved file's ($(wc -l <"$E2E_TMP/file.txt") frames)"
else
    check_fail "live dissection differs from the saved file's: $(diff "$E2E_TMP/live.txt" "$E2E_TMP/file.txt" | head -5)"
fi

# Gaps and fills, from the live output: each hole (gap bytes right before a segment) is later
# covered exactly by hole-filled (or partial-overlap) segments; no capture loss.
read -r gaps gap_bytes fills fill_bytes uncovered < <(awk -F'\t' '
    function cut(a, b,   i, n0) {
        n0 = n
        for (i = 0; i < n0; i++) {
            if (he[i] <= a || hs[i] >= b) continue
            if (a > hs[i] && b < he[i]) { hs[n] = b; he[n] = he[i]; n++; he[i] = a }
            else if (a > hs[i]) he[i] = a
            else if (b < he[i]) hs[i] = b
            else he[i] = hs[i]
        }
    }
    $4 > 0 { gaps++; gap_bytes += $4; hs[n] = $3 - $4; he[n] = $3; n++ }
    $2 == 5 { fills++; fill_bytes += $5 }
    $2 == 5 || $2 == 3 { cut($3, $3 + $5) }
    END {
        for (i = 0; i < n; i++) left += he[i] - hs[i]
        print gaps + 0, gap_bytes + 0, fills + 0, fill_bytes + 0, left + 0
    }' "$E2E_TMP/live.txt")
e2e_log "live: $gaps gaps ($gap_bytes bytes), $fills hole-filled segments ($fill_bytes bytes)"
# at_least WHAT MIN VALUE / at_most WHAT MAX VALUE: numeric bounds.
at_least() { if (($3 >= $2)); then pass "$1: $3"; else check_fail "$1: $3, expected at least $2"; fi; }
at_most() { if (($3 <= $2)); then pass "$1: $3"; else check_fail "$1: $3, expected at most $2"; fi; }
at_least "live: frames with ringdump.tcp.gap_bytes > 0" 1 "$gaps"
at_most "live: gaps (at most one per dropped segment)" "$drops" "$gaps"
at_least "live: hole-filled frames" 1 "$fills"
expect_eq "live: bytes of the holes never covered by a later fill" 0 "$uncovered"
expect_eq "live: hole-filled bytes = gap bytes" "$gap_bytes" "$fill_bytes"
expect_eq "live: every gap and fill is a data segment to the host (dir down, sender client)" \
    "" "$(awk -F'\t' '$6 != 2 || $7 != 1 { print $1 }' "$E2E_TMP/live.txt" | head -5 | paste -sd, -)"

# The same facts from the file, through filters, expert infos and the streams table.
count() {
    tshark_as_plugin_user -r "$capture" -Y "$1" -T fields -e frame.number 2>/dev/null | wc -l
}
expect_eq "file: ringdump.tcp.gap_bytes > 0 frames" "$gaps" "$(count 'ringdump.tcp.gap_bytes > 0')"
expect_eq "file: expert ringdump.tcp.gap frames" "$gaps" "$(count 'ringdump.tcp.gap')"
expect_eq "file: hole-filled frames" "$fills" "$(count 'ringdump.tcp.status == "hole-filled"')"
expect_eq "file: capture loss (drops were before the capture point)" 0 \
    "$(count 'ringdump.capture_loss_bytes > 0')"
expect_eq "file: every data segment to port $port is down, from the client" 0 \
    "$(count "tcp.dstport == $port && tcp.len > 0 && !(ringdump.dir == \"down\" && ringdump.role == \"client\")")"
expect_eq "file: every frame annotated" "$expected_packets" "$(count ringdump)"
tcp_frames=$(count tcp)
expect_eq "file: every TCP frame in a ringdump stream" "$tcp_frames" "$(count ringdump.stream)"
warnings=$(tshark_as_plugin_user -r "$capture" -q -z expert 2>/dev/null | awk '
    /^(Errors|Warns|Notes|Chats|Comments) \(/ { section = $1 }
    section == "Warns" && $3 == "ringdump" { n += $1 }
    section == "Errors" && $3 == "ringdump" { errors += $1 }
    END { print n + 0, errors + 0 }')
expect_eq "tshark -z expert: ringdump gap warnings, ringdump errors" "$gaps 0" "$warnings"
streams=$(tshark_as_plugin_user -r "$capture" -q -z ringdump,streams 2>/dev/null |
    awk -F' *[|] *' '/^[0-9]+ \|/ { print $2, $3, $4, $5 + $7, $9, $10, $11 }')
expect_eq "tshark -z ringdump,streams: one TCP stream with the gaps, no capture loss" \
    "TCP 198.18.1.2:* 198.18.0.1:$port $tcp_frames $gaps $gap_bytes 0" \
    "$(sed -E 's/^TCP 198\.18\.1\.2:[0-9]+ /TCP 198.18.1.2:* /' <<<"$streams")"

e2e_finish
