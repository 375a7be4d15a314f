#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Installs the "ringdump" Wireshark configuration profile (Direction and Stream columns) for the
# current user: into $WIRESHARK_CONFIG_DIR/profiles, else ~/.config/wireshark/profiles. The
# columns show values only where the ringdump plugin is loaded.
set -euo pipefail
source_dir=$(cd "$(dirname "$0")/../plugin/profile/ringdump" && pwd)
config=${WIRESHARK_CONFIG_DIR:-${XDG_CONFIG_HOME:-$HOME/.config}/wireshark}
target=$config/profiles/ringdump
mkdir -p "$target"
install -m 0644 "$source_dir/preferences" "$target/preferences"
echo "installed the Wireshark profile 'ringdump' in $target (tshark -C ringdump, or pick it in Wireshark)"
