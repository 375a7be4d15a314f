#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Every capture of the corpus (../shared/corpus/tcpdump-tests: 830 files from tcpdump's test
# suite, many crafted to break decoders) through `ringdump annotate`: no crash and no sanitizer
# report (the script also runs with the ASan/UBSan build of ringdump), and Wireshark's reader
# finds in the output exactly the packets libpcap read from the input. Files libpcap cannot read
# must be refused with one clear line and exit status 1. Needs no root.
set -uo pipefail
corpus=${RINGDUMP_CORPUS:-$(cd "$(dirname "$0")/../.." && pwd)/../shared/corpus/tcpdump-tests}
[[ -d $corpus ]] || { echo "SKIP: corpus not found at $corpus"; exit 77; }
command -v capinfos >/dev/null || { echo "SKIP: capinfos (Wireshark) is missing"; exit 77; }
: "${RINGDUMP:?RINGDUMP must name the ringdump executable}"
work=$(mktemp -d /tmp/ringdump-corpus.XXXXXX)
trap 'rm -rf "$work"' EXIT

files=0 annotated=0 refused=0 failures=0 packets=0
for input in "$corpus"/*; do
    [[ -f $input ]] || continue
    files=$((files + 1))
    name=$(basename "$input")
    out=$work/out.pcapng
    "$RINGDUMP" annotate "$input" -w "$out" 2>"$work/err"
    status=$?
    if ((status > 1)) || grep -qE "Sanitizer|runtime error" "$work/err"; then
        echo "FAIL: $name: ringdump exit status $status"; head -5 "$work/err"
        failures=$((failures + 1)); continue
    fi
    if ((status == 1)); then
        # Refused: one line naming the file.
        if [[ $(wc -l <"$work/err") -ne 1 ]] || ! grep -qF "$name" "$work/err"; then
            echo "FAIL: $name: refused without one clear line:"; head -5 "$work/err"
            failures=$((failures + 1))
        fi
        refused=$((refused + 1)); continue
    fi
    read_in=$(sed -n 's/^ringdump: \([0-9]*\) packets annotated.*/\1/p' "$work/err")
    read_out=$(capinfos -c -M "$out" 2>"$work/capinfos.err" | awk '/Number of packets/ {print $NF}')
    if [[ -z $read_in || $read_in != "$read_out" ]]; then
        echo "FAIL: $name: libpcap read ${read_in:-?} packets, Wireshark reads ${read_out:-none} back: $(head -2 "$work/capinfos.err")"
        failures=$((failures + 1)); continue
    fi
    annotated=$((annotated + 1))
    packets=$((packets + read_in))
done
echo "corpus: $files files, $annotated annotated ($packets packets), $refused refused by libpcap, $failures failures"
((failures == 0 && annotated > 0))
