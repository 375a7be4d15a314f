#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# ringdump's benchmark: every capture tool side by side on the same offered loads, in one run.
#
#   bench/run.sh            the full matrix (tens of minutes): writes bench/RESULTS.md,
#                           bench/results.json and bench/results.png
#   bench/run.sh --smoke    seconds: tiny loads, every tool once; asserts only that every tool
#                           wrote a readable file and that the report was written (CI runs it)
#
# Other options go to bench/harness/main.py (--generator, --reps, --tools, --no-micro, --out).
# Needs root (namespaces, packet sockets, XDP); the peers come from scripts/bootstrap.sh.
# See bench/README.md for the method.
set -euo pipefail
cd "$(dirname "$0")/.."
smoke=0 out=bench args=()
while (($#)); do
    case $1 in
    --smoke) smoke=1 out=build/bench-smoke args+=(--smoke) ;;
    --out) out=$2; shift ;;
    *) args+=("$1") ;;
    esac
    shift
done
[[ $(id -u) -eq 0 ]] || { echo "bench: needs root (network namespaces, packet sockets); run it with sudo" >&2; exit 1; }
# RINGDUMP_BENCH_BUILD: use that build tree as it is (the test command passes its own);
# otherwise build/release is configured and built here.
if [[ -n ${RINGDUMP_BENCH_BUILD:-} ]]; then
    build=$RINGDUMP_BENCH_BUILD
else
    build=build/release
    cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
    cmake --build "$build" -j"$(nproc)" >/dev/null
fi
python3 bench/harness/main.py --build "$build" --out "$out" "${args[@]}"
if ((smoke)); then
    python3 bench/harness/smoke_check.py "$out"
fi
