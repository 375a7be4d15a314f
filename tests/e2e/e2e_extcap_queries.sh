#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# The extcap query modes, as Wireshark 4.0 runs them and through tshark itself:
#   tshark -D lists ringdump-<veth> with its address; tshark -i ringdump-<veth> -L shows EN10MB;
#   --extcap-interfaces answers in < 50 ms (median) and is silent on stderr;
#   --extcap-config is accepted by tshark (tshark -G currentprefs shows every option and default);
#   --extcap-capture-filter: valid filter -> no output, bad filter -> one line with libpcap's error;
#   every query exits 0 and writes nothing to stderr.
set -euo pipefail
source "$(dirname "$0")/../lib/e2e.sh"
e2e_init extcap_queries

net=rdeq
cap_ns=$net-cap
veth=${net}c
e2e_testnet $net
make_extcap_config_dir
T=$E2E_TMP

# query NAME ARGS...: runs the extcap as Wireshark does, in the capture namespace; stdout in
# $T/NAME.out, stderr in $T/NAME.err; checks exit status 0 and silence on stderr.
query() {
    local name=$1 status=0
    shift
    ip netns exec "$cap_ns" "$E2E_EXTCAP" "$@" >"$T/$name.out" 2>"$T/$name.err" || status=$?
    expect_eq "ringdump $* exits" 0 "$status"
    expect_eq "ringdump $* stderr" "" "$(cat "$T/$name.err")"
}

# --- --extcap-interfaces ---------------------------------------------------------------------
query interfaces --extcap-interfaces --extcap-version=4.0
expect_match "--extcap-interfaces starts with an extcap sentence" \
    '^extcap \{version=[^}]+\}' "$(head -n 1 "$T/interfaces.out")"
expect_eq "--extcap-interfaces announces $veth with its address" \
    "interface {value=ringdump-$veth}{display=ringdump on $veth (198.18.0.1/24)}" \
    "$(grep -F "{value=ringdump-$veth}" "$T/interfaces.out" || true)"
# Wireshark retries without --extcap-version when the first call fails; both must work.
query interfaces_noversion --extcap-interfaces
expect_eq "--extcap-interfaces without --extcap-version gives the same list" \
    "$(cat "$T/interfaces.out")" "$(cat "$T/interfaces_noversion.out")"

# Wireshark runs this at every start-up, with no timeout: it must be fast. The median of 11 runs
# is measured inside the namespace with $EPOCHREALTIME (no fork for the clock itself).
timings=$(ip netns exec "$cap_ns" bash -c '
    for i in 1 2 3 4 5 6 7 8 9 10 11; do
        start=${EPOCHREALTIME/./}
        "$1" --extcap-interfaces --extcap-version=4.0 >/dev/null 2>>"$2" || echo "exit $?" >>"$2"
        end=${EPOCHREALTIME/./}
        echo $(( (10#$end - 10#$start) / 1000 ))
    done' timing "$E2E_EXTCAP" "$T/timing.err")
median_ms=$(sort -n <<<"$timings" | sed -n 6p)
e2e_log "--extcap-interfaces run times (ms): $(tr '\n' ' ' <<<"$timings")"
if ((median_ms < 50)); then
    pass "--extcap-interfaces median run time ${median_ms} ms < 50 ms"
else
    check_fail "--extcap-interfaces median run time: expected < 50 ms, got ${median_ms} ms"
fi
expect_eq "--extcap-interfaces (timed runs) stderr and exit status" "" "$(cat "$T/timing.err")"

# --- --extcap-dlts ---------------------------------------------------------------------------
query dlts --extcap-dlts --extcap-interface "ringdump-$veth"
expect_eq "--extcap-dlts" "dlt {number=1}{name=EN10MB}{display=Ethernet}" "$(cat "$T/dlts.out")"

# --- --extcap-config -------------------------------------------------------------------------
query config --extcap-config --extcap-interface "ringdump-$veth"
expect_match "--extcap-config prints arg sentences" '^arg \{number=0\}' "$(head -n 1 "$T/config.out")"

# --- --extcap-capture-filter (the GUI's filter check; empty output = valid) ------------------
query filter_ok --extcap-capture-filter 'udp port 53' --extcap-interface "ringdump-$veth"
expect_eq "--extcap-capture-filter 'udp port 53' (valid) output" "" "$(cat "$T/filter_ok.out")"
query filter_bad --extcap-capture-filter 'udp port' --extcap-interface "ringdump-$veth"
expect_eq "--extcap-capture-filter 'udp port' (invalid) output lines" 1 "$(wc -l <"$T/filter_bad.out")"
# libpcap's own text for this mistake is "syntax error" (from pcap_compile).
expect_match "--extcap-capture-filter 'udp port' output carries libpcap's error" \
    'syntax error' "$(cat "$T/filter_bad.out")"

# --- through tshark --------------------------------------------------------------------------
status=0
tshark_in_ns "$cap_ns" -D >"$T/D.out" 2>"$T/D.err" || status=$?
expect_eq "tshark -D exits" 0 "$status"
expect_match "tshark -D lists ringdump-$veth with its display string and address" \
    "^[0-9]+\. ringdump-$veth \(ringdump on $veth \(198\.18\.0\.1/24\)\)$" \
    "$(grep -F "ringdump-$veth " "$T/D.out" || true)"
# Whatever the extcap writes to stderr during queries lands on tshark's stderr.
expect_eq "tshark -D stderr (without the root warning)" "" "$(without_root_warning "$T/D.err")"

status=0
tshark_in_ns "$cap_ns" -i "ringdump-$veth" -L >"$T/L.out" 2>"$T/L.err" || status=$?
expect_eq "tshark -i ringdump-$veth -L exits" 0 "$status"
expect_eq "tshark -i ringdump-$veth -L shows EN10MB" "  EN10MB (Ethernet)" \
    "$(grep -F EN10MB "$T/L.out" || true)"
expect_eq "tshark -L stderr (without the root warning)" "" "$(without_root_warning "$T/L.err")"

# tshark registers one preference per arg of --extcap-config: an arg it could not parse (bad
# type, missing field, range without a comma) would be missing here.
status=0
tshark_in_ns "$cap_ns" -G currentprefs >"$T/prefs.out" 2>"$T/prefs.err" || status=$?
expect_eq "tshark -G currentprefs exits" 0 "$status"
pref_prefix="extcap.ringdump_${veth}"
for expected in "snaplen: 262144" "promisc: true" "buffersize: 128" "blocktimeout: 10" \
    "backend:" "loglevel:" "logfile:"; do
    name=${expected%%:*}
    line=$(grep -E "^#?$pref_prefix\.$name:" "$T/prefs.out" || true)
    expect_match "tshark -G currentprefs has $pref_prefix.$expected" \
        "^#?$pref_prefix\.$expected" "$line"
done
expect_no_match "tshark rejected no extcap sentence" 'invalid type|ARG sentence' \
    "$(cat "$T/prefs.out" "$T/D.out")"
expect_eq "tshark -G currentprefs stderr (without the root warning)" "" \
    "$(without_root_warning "$T/prefs.err")"

e2e_finish
