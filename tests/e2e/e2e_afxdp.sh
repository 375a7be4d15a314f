#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# The AF_XDP backend end to end (docs/afxdp.md):
#   tshark -i ringdump-<veth> -o extcap.ringdump_<veth>.backend:afxdp ... captures every packet
#     (epb_queue on each, the IDB and the extcap log say what was obtained);
#   standalone --backend afxdp: the start line and the per-cause summary;
#   kill -9 of a capture: no XDP program is left on the interface and the host's stack
#     receives again;
#   refusals: an interface with addresses without --xdp-take-host-traffic (standalone and
#     through tshark), a foreign XDP program (ip link set ... xdpgeneric obj ...), and auto never
#     choosing AF_XDP, also on an interface without addresses.
set -euo pipefail
source "$(dirname "$0")/../lib/e2e.sh"
e2e_init afxdp
[[ -n ${RDAFXDP_OBJECT:-} ]] ||
    skip "ringdump was built without the AF_XDP backend (RINGDUMP_AFXDP=OFF: needs clang, libbpf-dev and libxdp-dev)"
[[ -f $RDAFXDP_OBJECT ]] || fail "RDAFXDP_OBJECT='$RDAFXDP_OBJECT' does not exist; build the ringdump_afxdp_bpf target"

net=rdea
veth=${net}c
pref=extcap.ringdump_${veth}
e2e_testnet $net
make_extcap_config_dir
T=$E2E_TMP

# ip_in_receives NS: IPv4 packets the namespace's stack has received (Ip InReceives).
ip_in_receives() {
    ip netns exec "$1" awk '/^Ip: [0-9]/ { print $4; exit }' /proc/net/snmp
}
# xdp_program_id NS IF: the id of the XDP program attached to IF, or nothing.
xdp_program_id() {
    ip -n "$1" -j link show dev "$2" | grep -o '"xdp":{"mode":[0-9]*,"prog":{"id":[0-9]*' |
        sed 's/.*"id"://' || true
}
# wait_xdp_attached NS IF: until an XDP program is attached to IF (10 s at most).
wait_xdp_attached() {
    local i
    for ((i = 0; i < 200; i++)); do
        [[ -n $(xdp_program_id "$1" "$2") ]] && return 0
        sleep 0.05
    done
    return 1
}

# --- tshark, -o backend:afxdp ----------------------------------------------------------------
# The capture side has an address, so AF_XDP needs xdptakehosttraffic too. AF_XDP sees only
# what the interface receives: the peer's packets.
out=$T/tshark.pcapng
start_tshark_capture $net-cap "$veth" "$out" -o "$pref.backend:afxdp" \
    -o "$pref.xdptakehosttraffic:TRUE" -o "$pref.logfile:$T/extcap.log" -a packets:200
send_udp $net-peer 198.18.0.1 9000 9002 200 20000
finish_tshark_capture "$out"
expect_eq "tshark afxdp: packets" 200 "$(pcap_count "$out")"
expect_eq "tshark afxdp: sequence numbers 0..199" ok "$(check_sequences "$out" 'udp.srcport == 9002' 200)"
expect_eq "tshark afxdp: epb_queue 0 on every packet" 200 \
    "$(count_packets "$out" 'frame.interface_queue == 0')"
expect_eq "tshark afxdp: all inbound" 200 "$(count_packets "$out" 'frame.packet_flags_direction == 1')"
description=$(idb_field "$out" Description)
expect_match "tshark afxdp: IDB description says AF_XDP, the XDP mode and copy mode" \
    'AF_XDP capture on rdeac, RX queue 0 of 1, native XDP, copy mode' "$description"
expect_match "tshark afxdp: IDB description names the clock" 'CLOCK_REALTIME read once per batch' \
    "$description"
expect_match "tshark afxdp: the extcap log says what was obtained" \
    'capturing on rdeac: ringdump AF_XDP capture .*native XDP, copy mode' "$(cat "$T/extcap.log")"
expect_eq "tshark afxdp: program detached after the capture" "" "$(xdp_program_id $net-cap "$veth")"

# --- standalone: start line and summary ------------------------------------------------------
out=$T/standalone.pcapng
e2e_bg timeout 60 ip netns exec $net-cap "$RINGDUMP" -i "$veth" --backend afxdp \
    --xdp-take-host-traffic --xdp-mode generic -c 50 -w "$out" 2>"$T/standalone.err"
pid=$E2E_LAST_PID
wait_xdp_attached $net-cap "$veth" || fail "the standalone AF_XDP capture did not attach: $(cat "$T/standalone.err")"
send_udp $net-peer 198.18.0.1 9000 9003 50 20000
e2e_wait_exit "$pid" 20
expect_eq "standalone afxdp: exit status" 0 "$E2E_STATUS"
expect_eq "standalone afxdp: packets" 50 "$(pcap_count "$out")"
expect_match "standalone afxdp: start line reports mode, copy mode, queues and timestamps" \
    "capturing on $veth, link-type EN10MB, snaplen 262144, AF_XDP, generic XDP, copy mode, RX queue 0 of 1, batch timestamps" \
    "$(cat "$T/standalone.err")"
expect_match "standalone afxdp: summary names the drop causes" \
    "$veth: 50 received, 0 dropped by kernel \(AF_XDP: 0 rx_dropped \(0 rx_fill_ring_empty_descs\), 0 rx_ring_full, 0 rx_invalid_descs\)" \
    "$(cat "$T/standalone.err")"

# --- kill -9 ---------------------------------------------------------------------------------
# The program hangs on a BPF link owned by the process: it goes when the process does, however
# it ends. While it runs, the host's stack gets none of the interface's packets.
e2e_bg ip netns exec $net-cap "$RINGDUMP" -i "$veth" --backend afxdp --xdp-take-host-traffic \
    -q -w "$T/killed.pcapng"
pid=$E2E_LAST_PID
wait_xdp_attached $net-cap "$veth" || true
expect_match "kill -9: XDP program attached while capturing" '^[0-9]+$' "$(xdp_program_id $net-cap "$veth")"
before=$(ip_in_receives $net-cap)
send_udp $net-peer 198.18.0.1 9000 9004 50 20000
sleep 0.2
expect_eq "kill -9: the host's stack got none of them during the capture" "$before" \
    "$(ip_in_receives $net-cap)"
kill -KILL "$pid"
e2e_wait "$pid"
expect_eq "kill -9: exit status" 137 "$E2E_STATUS"
sleep 0.2
expect_eq "kill -9: no XDP program left (ip -j link show)" "" "$(xdp_program_id $net-cap "$veth")"
if command -v bpftool >/dev/null; then
    expect_no_match "kill -9: bpftool net shows no XDP program" "$veth" \
        "$(ip netns exec $net-cap bpftool net show 2>/dev/null | sed -n '/^xdp:/,/^tc:/p')"
fi
before=$(ip_in_receives $net-cap)
start_sink $net-cap 9000 30
send_udp $net-peer 198.18.0.1 9000 9005 50 20000
sleep 0.2
expect_eq "kill -9: the interface passes traffic to the host again" $((before + 50)) \
    "$(ip_in_receives $net-cap)"

# --- refusals --------------------------------------------------------------------------------
status=0
ip netns exec $net-cap "$RINGDUMP" -i "$veth" --backend afxdp -c 1 -w "$T/refused.pcapng" \
    2>"$T/refused.err" || status=$?
expect_eq "addresses: exit status" 1 "$status"
expect_eq "addresses: one line" 1 "$(wc -l <"$T/refused.err")"
expect_match "addresses: names the address and the option" \
    "^ringdump: $veth: the host uses this interface \(addresses 198.18.0.1/24\).*--xdp-take-host-traffic" \
    "$(cat "$T/refused.err")"
expect_eq "addresses: nothing attached" "" "$(xdp_program_id $net-cap "$veth")"

# The same through tshark: the refusal reaches it as one extcap error line.
tshark_command $net-cap
status=0
timeout 60 "${E2E_CMD[@]}" -q -i "ringdump-$veth" -o "$pref.backend:afxdp" -a duration:5 \
    -w "$T/tshark-refused.pcapng" 2>"$T/tshark-refused.err" || status=$?
expect_match "addresses through tshark: extcap error names the option" \
    "Error by extcap pipe: ringdump: $veth: the host uses this interface.*--xdp-take-host-traffic" \
    "$(extcap_errors "$T/tshark-refused.err")"

# A foreign program: our own object, attached by someone else with ip link.
ip -n $net-cap link set dev "$veth" xdpgeneric obj "$RDAFXDP_OBJECT" sec xdp
foreign=$(xdp_program_id $net-cap "$veth")
status=0
ip netns exec $net-cap "$RINGDUMP" -i "$veth" --backend afxdp --xdp-take-host-traffic -c 1 \
    -w "$T/foreign.pcapng" 2>"$T/foreign.err" || status=$?
expect_eq "foreign program: exit status" 1 "$status"
expect_eq "foreign program: one line" 1 "$(wc -l <"$T/foreign.err")"
expect_match "foreign program: names its id, the mode and the fix" \
    "XDP program id $foreign \(ringdump_afxdp\) is already attached in generic mode.*ip link set dev $veth xdpgeneric off.*--xdp-share" \
    "$(cat "$T/foreign.err")"
expect_eq "foreign program: left attached" "$foreign" "$(xdp_program_id $net-cap "$veth")"
ip -n $net-cap link set dev "$veth" xdpgeneric off

# --xdp-share: attached through libxdp, and detached at the end although the capture dropped
# every other capability once open (libxdp needs CAP_SYS_ADMIN to find its programs by id).
status=0
timeout 60 ip netns exec $net-cap "$RINGDUMP" -i "$veth" --backend afxdp --xdp-take-host-traffic \
    --xdp-share -a duration:0.5 -w "$T/share.pcapng" --log-level debug 2>"$T/share.err" || status=$?
expect_eq "--xdp-share: exit status" 0 "$status"
expect_match "--xdp-share: through libxdp" 'through libxdp' "$(cat "$T/share.err")"
expect_match "--xdp-share: keeps only what detaching needs" \
    'capabilities after opening the capture: cap_net_admin,cap_bpf,cap_sys_admin' "$(cat "$T/share.err")"
expect_eq "--xdp-share: nothing left attached" "" "$(xdp_program_id $net-cap "$veth")"
ip -n $net-cap link set dev "$veth" xdp off 2>/dev/null || true

# auto never picks AF_XDP: not with addresses, not without (a mirror port).
for state in "with addresses" "without addresses"; do
    [[ $state == "without addresses" ]] && ip -n $net-cap addr flush dev "$veth"
    timeout 60 ip netns exec $net-cap "$RINGDUMP" -i "$veth" -a duration:0.3 -w "$T/auto.pcapng" \
        2>"$T/auto.err" || true
    expect_match "auto $state: TPACKET_V3" "^ringdump: capturing on $veth, link-type EN10MB, snaplen 262144$" \
        "$(head -n 1 "$T/auto.err")"
    expect_match "auto $state: IDB says TPACKET_V3" 'TPACKET_V3' "$(idb_field "$T/auto.pcapng" Description)"
done
# Without addresses (and nothing else using the interface) AF_XDP needs no extra option.
timeout 60 ip netns exec $net-cap "$RINGDUMP" -i "$veth" --backend afxdp -a duration:0.3 \
    -w "$T/mirror.pcapng" 2>"$T/mirror.err" || true
expect_match "no addresses: --backend afxdp alone captures" 'AF_XDP, native XDP' "$(cat "$T/mirror.err")"

e2e_finish
