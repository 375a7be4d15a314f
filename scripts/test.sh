#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# The whole test suite: unit, integration (root, network namespaces) and end-to-end (real tshark),
# then the unit tests again under AddressSanitizer and UndefinedBehaviorSanitizer.
# Tests that cannot run here (not root, no namespaces) are reported as skipped, with the reason.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/bootstrap.sh
jobs=$(nproc)

cmake -S . -B build/test -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRINGDUMP_WERROR=ON >/dev/null
cmake --build build/test -j "$jobs"
ctest --test-dir build/test --output-on-failure -j "$jobs"

cmake -S . -B build/sanitize -DCMAKE_BUILD_TYPE=Debug -DRINGDUMP_WERROR=ON \
    -DRINGDUMP_SANITIZE=address,undefined >/dev/null
cmake --build build/sanitize -j "$jobs" --target ringdump_unit_tests
ctest --test-dir build/sanitize --output-on-failure -j "$jobs" -L unit
