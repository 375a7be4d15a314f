#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Sets up, builds, installs the ringdump extcap (and the plugin) where this user's Wireshark looks
# for them, makes a small test network (two network namespaces joined by a veth pair,
# 198.18.0.0/24), sends a bounded burst of UDP both ways and a TCP transfer, captures it with
# `tshark -i ringdump-<veth>` and shows what was captured, annotations included. Needs root
# (network namespaces); everything it creates is removed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null && exec sudo "$0" "$@"
    echo "demo: run as root (it creates network namespaces)" >&2
    exit 1
fi

packets=${DEMO_PACKETS:-2000}  # per direction
scripts/bootstrap.sh
cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release -DRINGDUMP_BUILD_TESTS=ON >/dev/null
cmake --build build/release -j "$(nproc)" --target ringdump rdgen rdrelay ringdump_plugin >/dev/null

# Wireshark 4.0 and 3.6 look in <config>/extcap; 4.2 and later in ~/.local/lib/wireshark/extcap.
version=$(tshark --version 2>/dev/null | sed -n '1s/.*(Wireshark) \([0-9]*\)\.\([0-9]*\).*/\1 \2/p')
read -r major minor <<<"$version"
if (( major > 4 || (major == 4 && minor >= 2) )); then
    extcap_dir="$HOME/.local/lib/wireshark/extcap"
elif [[ -n ${WIRESHARK_CONFIG_DIR:-} ]]; then
    extcap_dir="$WIRESHARK_CONFIG_DIR/extcap"
else
    extcap_dir="${XDG_CONFIG_HOME:-$HOME/.config}/wireshark/extcap"
fi
install -D -m 0755 build/release/extcap/ringdump "$extcap_dir/ringdump"
echo "demo: installed the extcap as $extcap_dir/ringdump (Wireshark $major.$minor)"
plugin=$(find build/release/plugin -name ringdump.so | head -1)
plugin_dir="$HOME/.local/lib/wireshark/plugins/$major.$minor/epan"
install -D -m 0644 "$plugin" "$plugin_dir/ringdump.so"
echo "demo: installed the plugin as $plugin_dir/ringdump.so (Wireshark loads personal plugins for"
echo "      users other than root; root needs it in the system folder: cmake --install)"

source tests/lib/testnet.sh
net=rddemo
out=$(mktemp -d /tmp/ringdump-demo.XXXXXX)
trap 'testnet_down $net; rm -rf "$out"' EXIT
testnet_up $net
echo "demo: test network up: ${net}c (198.18.0.1, namespace $net-cap) <-> ${net}p (198.18.0.2, namespace $net-peer)"

rdgen=build/release/tests/rdgen
# This side (198.18.0.1/32) is "the host": its packets go up, the peer's come down.
in_cap $net tshark -q -i ringdump-${net}c -a duration:60 -o extcap.ringdump_${net}c.localnet:198.18.0.1/32 \
    -w "$out/demo.pcapng" 2>"$out/tshark.log" &
tshark_pid=$!
wait_capture_socket $net-cap ${net}c || { cat "$out/tshark.log"; exit 1; }

# A socket listens on port 9000 on each side, so no packet is answered with an ICMP error.
in_cap $net $rdgen udp --dst 198.18.0.2 --port 9000 --count 0 --linger 3 >/dev/null &
in_peer $net $rdgen udp --dst 198.18.0.1 --port 9000 --count 0 --linger 3 >/dev/null &
sleep 0.2
in_cap $net $rdgen udp --dst 198.18.0.2 --port 9000 --src-port 9001 --count "$packets" \
    --rate 20000 | sed 's/^/demo: out: /'
in_peer $net $rdgen udp --dst 198.18.0.1 --port 9000 --src-port 9002 --count "$packets" \
    --rate 20000 | sed 's/^/demo: in:  /'
# A TCP transfer: this side (198.18.0.1) sends 200 kB to the peer.
rdrelay=build/release/tests/rdrelay
in_peer $net $rdrelay receive --listen 198.18.0.2 --port 5001 --bytes 200000 --max-seconds 20 \
    >"$out/receive.log" &
receiver=$!
for _ in $(seq 100); do grep -q listening "$out/receive.log" && break; sleep 0.05; done
in_cap $net $rdrelay send --dst 198.18.0.2 --port 5001 --bytes 200000 --max-seconds 20 |
    sed 's/^/demo: tcp: /'
wait $receiver
sleep 0.5  # let the ring hand over its last partly filled block
kill -TERM $tshark_pid 2>/dev/null || true
wait $tshark_pid || true

echo
echo "== capinfos =="
capinfos -c -I -e -a "$out/demo.pcapng" | sed -n '1,40p'
echo
echo "== first packets (tshark -r) =="
tshark -r "$out/demo.pcapng" -c 6 -T fields -E header=y -e frame.number -e frame.interface_name \
    -e frame.packet_flags_direction -e ip.src -e ip.dst -e udp.dstport -e frame.len 2>/dev/null
echo
echo "== packets per kernel direction (1 = inbound, 2 = outbound) =="
tshark -r "$out/demo.pcapng" -T fields -e frame.packet_flags_direction 2>/dev/null | sort | uniq -c

# The annotations, read with the plugin. Wireshark skips personal plugins for root, so the
# reader runs as an unprivileged user with a temporary home holding the plugin.
home=$out/home
install -D -m 0644 "$plugin" "$home/.local/lib/wireshark/plugins/$major.$minor/epan/ringdump.so"
chmod -R a+rX "$out"
as_reader() { setpriv --reuid=65534 --regid=65534 --clear-groups env -i HOME="$home" PATH="$PATH" "$@"; }
echo
columns='gui.column.format:"No.","%m","Source","%s","Destination","%d","Direction","%Cus:ringdump.dir","Stream","%Cus:ringdump.stream","Role","%Cus:ringdump.role","TCP status","%Cus:ringdump.tcp.status","Offset","%Cus:ringdump.tcp.stream_offset"'
echo "== annotations: the first packet of each stream, and the TCP transfer (ringdump plugin) =="
as_reader tshark -r "$out/demo.pcapng" -o "$columns" \
    -Y 'ringdump.flags.stream_start || ringdump.transport == "TCP"' 2>/dev/null | head -16
echo
as_reader tshark -r "$out/demo.pcapng" -q -z ringdump,streams 2>/dev/null
