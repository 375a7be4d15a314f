#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# The whole test suite: unit, integration (root, network namespaces) and end-to-end (real tshark),
# a smoke run of the benchmark harness, then the unit tests and the corpus run again under AddressSanitizer and
# UndefinedBehaviorSanitizer, then a bounded libFuzzer session on each parser (clang, ASan+UBSan).
# Tests that cannot run here (not root, no namespaces) are reported as skipped, with the reason.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/bootstrap.sh
jobs=$(nproc)

cmake -S . -B build/test -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRINGDUMP_WERROR=ON >/dev/null
cmake --build build/test -j "$jobs"
ctest --test-dir build/test --output-on-failure -j "$jobs"

# The benchmark harness in smoke mode: every tool once on a tiny load, a readable file from each,
# the report written (bench/README.md). Numbers from it mean nothing.
if [[ $(id -u) -eq 0 ]]; then
    RINGDUMP_BENCH_BUILD=build/test bench/run.sh --smoke --out build/test/bench-smoke
else
    echo "SKIP bench smoke: needs root (network namespaces, packet sockets)"
fi

# Without the Wireshark SDK the plugin is left out, and configure says so.
configured=$(cmake -S . -B build/nosdk -DCMAKE_DISABLE_FIND_PACKAGE_Wireshark=ON \
    -DRINGDUMP_BUILD_TESTS=OFF)
grep -q "Wireshark SDK not found: the ringdump plugin is left out" <<<"$configured" ||
    { echo "test: configure without the Wireshark SDK did not say the plugin is left out" >&2; exit 1; }

cmake -S . -B build/sanitize -DCMAKE_BUILD_TYPE=Debug -DRINGDUMP_WERROR=ON \
    -DRINGDUMP_SANITIZE=address,undefined >/dev/null
cmake --build build/sanitize -j "$jobs" --target ringdump_unit_tests ringdump
ctest --test-dir build/sanitize --output-on-failure -j "$jobs" -L unit
# The whole annotate pipeline on every corpus capture, under the sanitizers.
RINGDUMP=build/sanitize/extcap/ringdump bash tests/e2e/e2e_corpus.sh || [[ $? -eq 77 ]]

CC=clang CXX=clang++ cmake -S . -B build/fuzz -DCMAKE_BUILD_TYPE=Debug -DRINGDUMP_FUZZ=ON \
    -DRINGDUMP_BUILD_TESTS=OFF -DRINGDUMP_SANITIZE=address,undefined >/dev/null
cmake --build build/fuzz -j "$jobs" --target settings_fuzz ip_prefix_fuzz packet_decoder_fuzz annotation_decode_fuzz
for target in settings_fuzz ip_prefix_fuzz packet_decoder_fuzz annotation_decode_fuzz; do
    corpus=build/fuzz/corpus/$target
    mkdir -p "$corpus"
    echo "fuzz: $target for ${FUZZ_SECONDS:-30} s"
    if ! build/fuzz/tests/fuzz/$target -max_total_time="${FUZZ_SECONDS:-30}" \
            -print_final_stats=1 "$corpus" >"build/fuzz/$target.log" 2>&1; then
        tail -40 "build/fuzz/$target.log" >&2
        echo "fuzz: $target found a failure (reproducer: crash-* in $PWD)" >&2
        exit 1
    fi
    grep -E "^Done" "build/fuzz/$target.log"
done
# The record decoder the Wireshark plugin runs must have seen at least a million inputs.
runs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' build/fuzz/annotation_decode_fuzz.log)
(( ${runs:-0} >= 1000000 )) || { echo "fuzz: annotation_decode_fuzz ran only ${runs:-0} inputs" >&2; exit 1; }
