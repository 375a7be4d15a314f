#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Every capture error must reach the user of tshark as ringdump's one-line message
# ("Error by extcap pipe: ringdump: ..."), and tshark must not hang (ringdump opens the FIFO
# before failing; otherwise dumpcap waits on it forever) and must exit non-zero:
#   invalid capture filter, snap length and buffer size out of range, interface down, no
#   permission (tshark as uid 65534), and - run directly, as Wireshark does - an interface that
#   does not exist.
set -euo pipefail
source "$(dirname "$0")/../lib/e2e.sh"
e2e_init tshark_errors

net=rdee
veth=${net}c
down=${net}d  # a second veth pair (${net}d/${net}e) in the capture namespace, left down
pref=extcap.ringdump_${veth}
e2e_testnet $net
make_extcap_config_dir
T=$E2E_TMP
ip -n $net-cap link add "$down" type veth peer name ${net}e
e2e_on_exit "ip -n $net-cap link del $down 2>/dev/null"

# expect_extcap_error NAME ERE USER IFNAME [TSHARK OPTIONS...]: runs, as USER (root or nobody),
#   timeout 30 tshark -i ringdump-IFNAME -w FILE -a duration:20 [options]   (in the namespace)
# and checks: it ends before the timeout, exits non-zero, and its stderr has exactly one
# "Error by extcap pipe: ringdump: ..." line, which matches ERE. duration:20 is a safety net:
# the capture must fail at once, which is checked by the elapsed time (< 10 s).
expect_extcap_error() {
    local name=$1 pattern=$2 user=$3 ifname=$4 status=0 start elapsed errors out
    shift 4
    out=$T/$name.pcapng
    [[ $user == nobody ]] && out=$T/nobody/$name.pcapng
    tshark_command $net-cap "$user"
    start=$(now_ms)
    timeout 30 "${E2E_CMD[@]}" -i "ringdump-$ifname" -w "$out" -a duration:20 "$@" \
        >"$T/$name.out" 2>"$T/$name.err" || status=$?
    elapsed=$(($(now_ms) - start))
    errors=$(extcap_errors "$T/$name.err")
    e2e_log "$name: tshark exit $status after $elapsed ms; ${errors:-no extcap error line}"
    if [[ $status == 124 ]]; then
        check_fail "$name: tshark hung (killed by timeout after 30 s); stderr: $(without_root_warning "$T/$name.err")"
        return
    fi
    # 1-123: tshark's own failure codes (0: success; 124-127: timeout/could not run; >128: signal)
    if ((status >= 1 && status <= 123)); then
        pass "$name: tshark exits with status $status"
    else
        check_fail "$name: tshark exit status: expected a failure status (1-123), got $status"
    fi
    if ((elapsed < 10000)); then
        pass "$name: tshark gave up at once ($elapsed ms)"
    else
        check_fail "$name: tshark took $elapsed ms (expected < 10 s: the capture should fail at once)"
    fi
    expect_eq "$name: number of 'Error by extcap pipe' lines" 1 "$(grep -c 'Error by extcap pipe' "$T/$name.err" || true)"
    expect_match "$name: message" "^Error by extcap pipe: ringdump: $pattern" "$errors"
    # Nothing else but tshark's usual lines: a second line from ringdump would show up here.
    expect_eq "$name: other stderr lines" "" "$(without_root_warning "$T/$name.err" |
        grep -Ev "^(Capturing on '.*'|tshark: ?|0 packets captured|)\$" | grep -v 'Error by extcap pipe: ' || true)"
}

# Invalid capture filter, passed by tshark as --extcap-capture-filter.
expect_extcap_error bad_filter \
    'capture filter "udp port" is invalid: .*syntax error' root "$veth" -f 'udp port'

# Snap length and buffer size out of the ranges --extcap-config advertises (snaplen 1-262144,
# buffersize 1-65536). The message must name the option and the range the user can use.
expect_extcap_error snaplen_0 "bad value '0' for --snaplen: use a whole number from 1 to 262144" \
    root "$veth" -o "$pref.snaplen:0"
expect_extcap_error snaplen_300000 \
    "bad value '300000' for --snaplen: use a whole number from 1 to 262144" \
    root "$veth" -o "$pref.snaplen:300000"
expect_extcap_error buffersize_0 \
    "bad value '0' for --buffer-size: use a whole number from 1 to 65536" \
    root "$veth" -o "$pref.buffersize:0"

# Interface down: the message says so and how to bring it up.
expect_extcap_error interface_down \
    "$down: the interface is down; bring it up with \`ip link set $down up\`" \
    root "$down"

# No permission: tshark (and so the extcap) as uid 65534, which has no CAP_NET_RAW.
mkdir -p "$T/nobody"
chown 65534:65534 "$T/nobody"
expect_extcap_error no_permission \
    "capturing on $veth needs cap_net_raw, which this process does not have \(it has no capabilities\): run as root, or grant it once with: sudo setcap cap_net_raw,cap_net_admin,cap_bpf,cap_ipc_lock=p $E2E_EXTCAP\$" \
    nobody "$veth"

# A non-existent interface, run the way Wireshark runs the extcap: the FIFO must be opened
# (the reader, cat, sees EOF and ends) and the one-line error names the interface.
mkfifo "$T/fifo"
e2e_bg timeout 30 cat "$T/fifo" >"$T/fifo.out"
reader=$E2E_LAST_PID
status=0
timeout 30 ip netns exec $net-cap "$E2E_EXTCAP" --capture --extcap-interface ringdump-nosuch0 \
    --fifo "$T/fifo" >"$T/nosuch.out" 2>"$T/nosuch.err" || status=$?
if [[ $status != 0 && $status != 124 ]]; then
    pass "no such interface: extcap exits with status $status"
else
    check_fail "no such interface: extcap exit status: expected non-zero (and no timeout), got $status"
fi
expect_eq "no such interface: stderr lines" 1 "$(wc -l <"$T/nosuch.err")"
expect_match "no such interface: message names nosuch0" '^ringdump: nosuch0: no such interface' \
    "$(cat "$T/nosuch.err")"
e2e_wait_exit "$reader" 5
expect_eq "no such interface: the FIFO was opened and closed (reader got EOF, exit status)" 0 "$E2E_STATUS"
expect_eq "no such interface: bytes written to the FIFO" 0 "$(wc -c <"$T/fifo.out")"

e2e_finish
