#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Installs everything ringdump needs to build and test on Debian 12 (bookworm) or later.
# Idempotent and quiet: when every package is present it only asks dpkg and exits.
set -euo pipefail

packages=(
    # build
    g++ cmake make pkg-config libpcap-dev
    # the Wireshark plugin
    wireshark-dev libwireshark-dev libglib2.0-dev
    # tests
    libgtest-dev libgmock-dev tshark iproute2 util-linux procps ethtool
    # fuzzing (libFuzzer comes with clang's runtime)
    clang libclang-rt-14-dev
    # XDP programs (built with clang) and their loader
    libbpf-dev libxdp-dev linux-libc-dev
    # benchmarks: the peers, the report's plot
    tcpdump netsniff-ng libbenchmark-dev python3 gnuplot-nox
    # the man page, the packages and their checks (packaging/)
    go-md2man man-db debhelper dpkg-dev lintian libcap2-bin rpm rpmlint
)

missing=()
for package in "${packages[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
    [[ $status == "install ok installed" ]] || missing+=("$package")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

if [[ $(id -u) -ne 0 ]]; then
    if command -v sudo >/dev/null; then
        exec sudo "$0" "$@"
    fi
    echo "bootstrap: missing packages (${missing[*]}); run this script as root to install them" >&2
    exit 1
fi

echo "bootstrap: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
