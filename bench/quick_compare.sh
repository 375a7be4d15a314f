#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# First side-by-side measurement: ringdump (standalone, pcapng to a RAM-backed file) against
# tcpdump (pcap to the same folder) on the same veth, same offered load, in one run.
#
#   bench/quick_compare.sh [BUILD_DIR]       env: RATES="250000 500000 0" COUNT=2000000 REPS=3
#
# Method (../shared/reference/bench-testbed.md): a generator namespace sends 60-byte UDP frames
# with AF_PACKET to a MAC that is not the capture end's, so the receiver sees PACKET_OTHERHOST
# and drops them right after the taps: no replies, no stack cost. The generator is pinned to
# CPU 0, the tool to CPU 1. Both tools get a 32 MiB kernel buffer, far smaller than the burst,
# so the numbers are sustained rates, not buffering. Tools alternate (A B A B ...), REPS times
# per rate; rate 0 means as fast as the generator goes. Offered = the capture veth's receive
# counter. Captured = packets in the output file. CPU = the tool's user + system time from the
# moment its capture is live until it has drained the burst (/proc/PID/stat), so the one-off
# cost of allocating its ring (slow and erratic in a VM that returns freed memory to the host)
# and of exiting is left out for both tools alike.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/release}
rates=${RATES:-"250000 500000 0"}
count=${COUNT:-2000000}
reps=${REPS:-3}
[[ $(id -u) -eq 0 ]] || { echo "quick_compare: needs root (network namespaces)" >&2; exit 1; }
command -v tcpdump >/dev/null || { echo "quick_compare: tcpdump is missing (scripts/bootstrap.sh)" >&2; exit 1; }
[[ -x $build/extcap/ringdump && -x $build/tests/rdgen ]] || {
    echo "quick_compare: build ringdump and rdgen into $build first" >&2; exit 1; }

source tests/lib/testnet.sh
net=rdbq
out=$(mktemp -d /dev/shm/ringdump-bench.XXXXXX)
trap 'testnet_down $net; rm -rf "$out"' EXIT
testnet_up $net
cap_if=${net}c

rx_packets() { in_cap $net cat /sys/class/net/$cap_if/statistics/rx_packets; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
ticks_per_second=$(getconf CLK_TCK)

# run_tool NAME RATE: prints "offered captured cpu_seconds sent_pps"
run_tool() {
    local tool=$1 rate=$2 file pid before after cpu_before cpu_after captured gen
    case $tool in
        ringdump) file=$out/rd.pcapng
            ip netns exec $net-cap taskset -c 1 "$build/extcap/ringdump" -i $cap_if -B 32 -q -w "$file" \
                2>"$out/err" &
            ;;
        tcpdump) file=$out/td.pcap
            ip netns exec $net-cap taskset -c 1 tcpdump -i $cap_if -B 32768 -s 262144 -n -w "$file" \
                2>"$out/err" &
            ;;
    esac
    pid=$!  # ip netns exec and taskset exec the tool: same process (a shell function would fork)
    wait_capture_socket $net-cap $cap_if 20 || { cat "$out/err" >&2; return 1; }
    sleep 0.2
    before=$(rx_packets)
    cpu_before=$(cpu_ticks $pid)
    gen=$(in_peer $net taskset -c 0 "$build/tests/rdgen" raw --interface ${net}p \
        --dst-mac 02:00:00:00:00:99 --src 198.18.0.2 --dst 198.18.0.1 --count "$count" \
        --rate "$rate" --size 60 --max-seconds 120)
    after=$(rx_packets)
    # Let the tool drain its buffer: wait until the file stops growing.
    local size=-1 now
    while now=$(stat -c %s "$file" 2>/dev/null || echo 0); [[ $now != "$size" ]]; do
        size=$now; sleep 0.5
    done
    cpu_after=$(cpu_ticks $pid)
    kill -INT "$pid"
    wait "$pid" || true
    captured=$(capinfos -c -M "$file" 2>/dev/null | awk '/Number of packets/ {print $NF}')
    echo "$((after - before)) $captured $(awk -v a="$cpu_before" -v b="$cpu_after" -v t="$ticks_per_second" 'BEGIN {print (b - a) / t}') $(echo "$gen" | sed -n 's/.*(\([0-9]*\) pps).*/\1/p')"
    rm -f "$file"
}

median() { sort -g | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }

results=$out/results
: >"$results"
for rate in $rates; do
    for ((rep = 1; rep <= reps; rep++)); do
        for tool in ringdump tcpdump; do
            read -r offered captured cpu sent_pps < <(run_tool $tool "$rate")
            echo "$tool $rate $rep $offered $captured $cpu $sent_pps" | tee -a "$results" >&2
        done
    done
done

echo
echo "Machine: $(nproc) cores, $(uname -r); tcpdump $(tcpdump --version 2>&1 | head -1 | awk '{print $3}'),"\
     "$("$build/extcap/ringdump" --version)"
echo "$count 60-byte frames per run, $reps runs per tool and rate, medians (min-max)"
echo
printf "| %-8s | %-10s | %-12s | %-14s | %-22s | %-14s |\n" tool "rate asked" "offered pps" "loss %" "CPU ns/packet" "ns vs tcpdump"
printf "|%s|%s|%s|%s|%s|%s|\n" ---------- ------------ -------------- ---------------- ------------------------ ----------------
for rate in $rates; do
    tcp_ns=$(awk -v r="$rate" '$1=="tcpdump" && $2==r && $5>0 {print $6*1e9/$5}' "$results" | median)
    for tool in ringdump tcpdump; do
        rows=$(awk -v t=$tool -v r="$rate" '$1==t && $2==r' "$results")
        loss=$(awk '{print ($4>0) ? 100*($4-$5)/$4 : 0}' <<<"$rows" | median)
        loss_range=$(awk '{l=($4>0)?100*($4-$5)/$4:0; if(NR==1||l<a)a=l; if(NR==1||l>b)b=l} END {printf "%.2f-%.2f", a, b}' <<<"$rows")
        ns=$(awk '$5>0 {print $6*1e9/$5}' <<<"$rows" | median)
        ns_range=$(awk '$5>0 {n=$6*1e9/$5; if(NR==1||n<a)a=n; if(NR==1||n>b)b=n} END {printf "%.0f-%.0f", a, b}' <<<"$rows")
        pps=$(awk '{print $7}' <<<"$rows" | median)
        printf "| %-8s | %-10s | %-12.0f | %5.2f (%s) | %6.0f (%s) | %14.2f |\n" "$tool" \
            "$([[ $rate == 0 ]] && echo max || echo "$rate")" "$pps" "$loss" "$loss_range" "$ns" "$ns_range" \
            "$(awk -v a="$ns" -v b="$tcp_ns" 'BEGIN {print (b>0) ? a/b : 0}')"
    done
done
