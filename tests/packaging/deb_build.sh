#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# packaging/build-deb.sh as a test: the Debian packages build from a clean copy of the tree and
# lintian finds no error or warning. Skips (77) where the Debian tools are missing.
#   deb_build.sh SOURCE_DIR OUT_DIR
set -euo pipefail
src=${1:?usage: deb_build.sh SOURCE_DIR OUT_DIR}
out=${2:?usage: deb_build.sh SOURCE_DIR OUT_DIR}
for command in dpkg-buildpackage dh lintian git; do
    if ! command -v "$command" >/dev/null; then
        echo "SKIP [deb_build] '$command' is not installed (scripts/bootstrap.sh installs it)"
        exit 77
    fi
done
"$src/packaging/build-deb.sh" "$out"
for package in ringdump wireshark-plugin-ringdump; do
    ls "$out/${package}_"*.deb >/dev/null || { echo "FAIL [deb_build] no $package .deb" >&2; exit 1; }
done
echo "PASS [deb_build] $(cd "$out" && ls *.deb | tr '\n' ' ')"
