#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# The Debian packages installed for real on this machine, used the way their users would:
#   - file capabilities and modes (getcap, stat) as the debconf answer asks, the extcap in
#     Wireshark's folder, the link on PATH, `man ringdump`;
#   - a user in the group wireshark: tshark -D lists ringdump's interfaces, tshark -i
#     ringdump-<veth> captures (annotations dissected by the installed plugin), ringdump in a
#     pipeline works, AF_XDP works with the helper's capabilities (--xdp-share, root only, is
#     refused in one line), and the capture process holds no capability once the capture is
#     open (/proc/PID/status);
#   - a user outside the group, and one added to it after logging in, get ringdump's one-line
#     refusal naming the fix; with "only root captures" answered, the refusal says how to change
#     it; the setuid-root fallback turns into the user with nothing once open;
#   - purge removes every file the packages installed.
# It changes the machine while it runs (packages, two users, a debconf answer) and puts all of
# it back at exit, by exact name. Needs root; skips (77) with the reason otherwise.
#
#   deb_install.sh DEBDIR      (DEBDIR: where packaging/build-deb.sh put the .deb files)
set -euo pipefail
source "$(dirname "$0")/../lib/e2e.sh"

debdir=${1:?usage: deb_install.sh DEBDIR}
e2e_init deb_install dpkg apt-get getcap setcap debconf-set-selections useradd userdel usermod gpasswd man
shopt -s nullglob
debs=("$debdir"/ringdump_*.deb "$debdir"/wireshark-plugin-ringdump_*.deb)
((${#debs[@]} == 2)) || fail "expected the two .deb files in $debdir (run packaging/build-deb.sh), found: ${debs[*]:-none}"
for package in ringdump wireshark-plugin-ringdump; do
    if dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'installed'; then
        fail "$package is already installed on this machine; purge it first (dpkg --purge $package)"
    fi
done

HELPER=/usr/libexec/ringdump/ringdump-capture
EXTCAP_DIR=$(pkg-config --variable=libdir wireshark 2>/dev/null || true)/wireshark/extcap
IN_USER=rdpkgin     # in the group wireshark
OUT_USER=rdpkgout   # not in it
net=rdpkg
ifname=${net}c

# --- Machine state, restored at exit -----------------------------------------------------------
old_answer=$(debconf-show wireshark-common 2>/dev/null |
    sed -n 's/^[* ]*wireshark-common\/install-setuid: *//p')
had_group=$(getent group wireshark >/dev/null && echo yes || echo no)
set_answer() {
    echo "wireshark-common wireshark-common/install-setuid boolean $1" | debconf-set-selections
}
restore() {
    dpkg --purge wireshark-plugin-ringdump ringdump >/dev/null 2>&1 || true
    userdel "$IN_USER" 2>/dev/null || true
    userdel "$OUT_USER" 2>/dev/null || true
    if [[ -n $old_answer ]]; then set_answer "$old_answer"; fi
    # The package's postinst made the group for this test: gone with it.
    if [[ $had_group == no ]]; then groupdel wireshark 2>/dev/null || true; fi
}
e2e_on_exit restore
e2e_testnet "$net"

for user in "$IN_USER" "$OUT_USER"; do
    userdel "$user" 2>/dev/null || true
    useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$user"
    mkdir -p "$E2E_TMP/home-$user"
    chown "$user:" "$E2E_TMP/home-$user"
done

# --- Install with "non-superusers may capture" answered yes -----------------------------------
set_answer true
DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${debs[@]}" \
    >"$E2E_TMP/install.log" 2>&1 || fail "apt-get install failed: $(tail -n 20 "$E2E_TMP/install.log")"
pass "installed ${debs[*]##*/}"
usermod -aG wireshark "$IN_USER"

# What each package installed (for the purge check), from dpkg's own lists.
dpkg -L ringdump wireshark-plugin-ringdump | sort -u >"$E2E_TMP/files"

expect_eq "extcap in Wireshark's folder: mode, owner, no capabilities" \
    "755 root:root " "$(stat -c '%a %U:%G' "$EXTCAP_DIR/ringdump") $(getcap "$EXTCAP_DIR/ringdump")"
expect_eq "ringdump on PATH links to the extcap" "$EXTCAP_DIR/ringdump" "$(readlink -f /usr/bin/ringdump)"
expect_eq "capture helper: mode and owner" "750 root:wireshark" "$(stat -c '%a %U:%G' "$HELPER")"
# getcap prints capabilities in bit order; compare them as sets.
sorted_caps() { tr ',' '\n' <<<"${1%=*}" | sort | paste -sd, -; }
caps=$(getcap "$HELPER" | awk '{ print $2 }')
expected=cap_net_raw,cap_net_admin,cap_ipc_lock
(($(cat /proc/sys/kernel/cap_last_cap) >= 39)) && expected+=,cap_bpf
expect_eq "capture helper: file capabilities (getcap)" "$(sorted_caps "$expected")=p" "$(sorted_caps "$caps")=${caps#*=}"
plugin=$(grep -E '/wireshark/plugins/[0-9.]+/epan/ringdump\.so$' "$E2E_TMP/files" || true)
[[ -n $plugin && -f $plugin ]] && pass "plugin installed: $plugin" || check_fail "plugin not installed (dpkg -L: $(grep ringdump.so "$E2E_TMP/files"))"

man_text=$(MANWIDTH=80 MANPAGER=cat PAGER=cat man ringdump 2>"$E2E_TMP/man.err" || true)
expect_match "man ringdump renders (NAME, PERMISSIONS)" $'NAME\n.*ringdump.*PERMISSIONS' "$man_text"
expect_eq "man ringdump: no warnings" "" "$(cat "$E2E_TMP/man.err")"

# user_command USER [--clear-groups]: sets AS_USER to the command prefix that runs a command in
# the capture namespace as USER, with USER's groups from the group database (a fresh login) or
# none, and a clean environment. An array, so that it can follow timeout / e2e_bg.
user_command() {
    local groups=--init-groups
    [[ ${2:-} == --clear-groups ]] && groups=--clear-groups
    AS_USER=(ip netns exec "$net-cap" setpriv --reuid="$1" --regid="$1" "$groups"
        env -i HOME="$E2E_TMP/home-$1" PATH=/usr/sbin:/usr/bin:/sbin:/bin)
}
# as_user USER CMD...: CMD run that way.
as_user() {
    user_command "$1"
    shift
    "${AS_USER[@]}" "$@"
}

# --- A member of the group ---------------------------------------------------------------------
listing=$(as_user "$IN_USER" tshark -D 2>"$E2E_TMP/D.err" || true)
expect_match "tshark -D as $IN_USER lists ringdump-$ifname" "ringdump-$ifname" "$listing"

plugins=$(as_user "$IN_USER" tshark -G plugins 2>&1 || true)
expect_match "tshark -G plugins as $IN_USER loads the installed plugin" "ringdump\.so.*dissector" "$plugins"

# A capture through tshark and the extcap, as the user; traffic from the peer namespace.
capture=$E2E_TMP/in.pcapng
user_command "$IN_USER"
e2e_bg timeout 60 "${AS_USER[@]}" tshark -q -i "ringdump-$ifname" -o "extcap.ringdump_$ifname.localnet:198.18.0.1/32" -w - \
    -a duration:30 -c 200 >"$capture" 2>"$E2E_TMP/in.err"
tshark_pid=$E2E_LAST_PID
wait_capture_live "$net-cap" "$ifname" "$tshark_pid" 20 ||
    fail "tshark -i ringdump-$ifname as $IN_USER did not start capturing: $(cat "$E2E_TMP/in.err")"
helper_pid=$(pgrep -f "^$HELPER " | head -n 1 || true)
if [[ -n $helper_pid ]]; then
    status=$(grep -E '^(Uid|CapEff|CapPrm|CapInh|CapAmb|NoNewPrivs):' "/proc/$helper_pid/status")
    expect_eq "capture process after opening: uids, capabilities, no_new_privs" \
        "$(printf 'Uid:\t%s\t%s\t%s\t%s\nCapInh:\t0000000000000000\nCapPrm:\t0000000000000000\nCapEff:\t0000000000000000\nCapAmb:\t0000000000000000\nNoNewPrivs:\t1' \
            "$(id -u "$IN_USER")" "$(id -u "$IN_USER")" "$(id -u "$IN_USER")" "$(id -u "$IN_USER")")" \
        "$(grep -E '^(Uid|CapInh|CapPrm|CapEff|CapAmb|NoNewPrivs):' <<<"$status")"
else
    check_fail "no $HELPER process while $IN_USER captures: ringdump did not run the capture helper"
fi
start_sink "$net-cap" 9000 20
send_udp "$net-peer" 198.18.0.1 9000 40000 200 2000
e2e_wait_exit "$tshark_pid" 30
expect_eq "tshark as $IN_USER exit status" 0 "$E2E_STATUS"
expect_eq "packets captured as $IN_USER" 200 "$(pcap_count "$capture")"
expect_eq "no extcap error as $IN_USER" "" "$(extcap_errors "$E2E_TMP/in.err")"
# The installed plugin dissects the annotations: with the host alone local (the extcap option
# set from tshark), what the peer sent is "down".
down=$(as_user "$IN_USER" tshark -r "$capture" -Y 'udp.dstport == 9000 && ringdump.dir == "down"' 2>&1 | wc -l)
expect_eq "received datagrams with ringdump.dir == \"down\" (installed plugin)" 200 "$down"

# The command on PATH, in a pipeline, as the user.
user_command "$IN_USER"
e2e_bg timeout 60 "${AS_USER[@]}" ringdump -i "$ifname" -c 50 -q -w - \
    >"$E2E_TMP/pipe.pcapng" 2>"$E2E_TMP/pipe.err"
pipe_pid=$E2E_LAST_PID
wait_capture_live "$net-cap" "$ifname" "$pipe_pid" 20 ||
    fail "ringdump -i $ifname -w - as $IN_USER did not start: $(cat "$E2E_TMP/pipe.err")"
send_udp "$net-peer" 198.18.0.1 9000 40001 50 2000
e2e_wait_exit "$pipe_pid" 30
expect_eq "ringdump -w - as $IN_USER: exit status" 0 "$E2E_STATUS"
expect_eq "ringdump -w - as $IN_USER: packets" 50 "$(pcap_count "$E2E_TMP/pipe.pcapng")"

# AF_XDP as the user: the helper's capabilities are enough to load and attach the XDP program
# and pin the packet memory (no CAP_PERFMON, no CAP_SYS_ADMIN), and are dropped once it runs.
# (The package always has the AF_XDP backend: packaging/debian/rules turns it on.)
user_command "$IN_USER"
e2e_bg timeout 60 "${AS_USER[@]}" ringdump -i "$ifname" --backend afxdp \
    --xdp-take-host-traffic -c 40 -q -w - >"$E2E_TMP/xdp.pcapng" 2>"$E2E_TMP/xdp.err"
xdp_pid=$E2E_LAST_PID
if wait_capture_live "$net-cap" "$ifname" "$xdp_pid" 20; then
    helper_pid=$(pgrep -f "^$HELPER " | head -n 1 || true)
    expect_eq "AF_XDP as $IN_USER: capabilities once attached" \
        "$(printf 'CapPrm:\t0000000000000000\nCapEff:\t0000000000000000')" \
        "$(grep -E '^(CapEff|CapPrm):' "/proc/${helper_pid:-0}/status" 2>&1)"
    send_udp "$net-peer" 198.18.0.1 9000 40003 40 2000
    e2e_wait_exit "$xdp_pid" 30
    expect_eq "AF_XDP as $IN_USER: exit status" 0 "$E2E_STATUS"
    expect_eq "AF_XDP as $IN_USER: packets" 40 "$(pcap_count "$E2E_TMP/xdp.pcapng")"
else
    check_fail "AF_XDP as $IN_USER did not start: $(cat "$E2E_TMP/xdp.err")"
fi

# --xdp-share needs CAP_SYS_ADMIN, which the helper is never granted: a clear refusal.
status=0
err=$(as_user "$IN_USER" ringdump -i "$ifname" --backend afxdp --xdp-take-host-traffic \
    --xdp-share -c 1 -w /dev/null 2>&1 >/dev/null) || status=$?
expect_eq "--xdp-share as $IN_USER: the refusal" \
    "ringdump: capturing on $ifname needs cap_sys_admin, which this process does not have: cap_sys_admin is for root only (libxdp needs it to share XDP with other programs): run as root, or capture without --xdp-share" \
    "$err"
expect_eq "--xdp-share as $IN_USER: exit status" 1 "$status"
expect_eq "--xdp-share as $IN_USER: nothing attached" "" "$(ip -n "$net-cap" -j link show dev "$ifname" | grep -o '"xdp":{' || true)"

# --- Users who may not capture -----------------------------------------------------------------
refusal="you may not capture: only root and members of the group 'wireshark' may run $HELPER; add yourself with 'sudo usermod -aG wireshark $OUT_USER' and log in again"
status=0
as_user "$OUT_USER" tshark -i "ringdump-$ifname" -w /dev/null -a duration:10 >/dev/null 2>"$E2E_TMP/out.err" || status=$?
expect_eq "tshark as $OUT_USER (not in the group): the extcap's error" \
    "Error by extcap pipe: ringdump: $refusal" "$(extcap_errors "$E2E_TMP/out.err")"
[[ $status != 0 ]] && pass "tshark as $OUT_USER fails (status $status)" || check_fail "tshark as $OUT_USER succeeded"
status=0
err=$(as_user "$OUT_USER" ringdump -i "$ifname" -w /dev/null -c 1 2>&1 >/dev/null) || status=$?
expect_eq "ringdump as $OUT_USER: one line" "ringdump: $refusal" "$err"
expect_eq "ringdump as $OUT_USER: exit status" 1 "$status"

# In the group database but not in this session's groups (added after logging in).
usermod -aG wireshark "$OUT_USER"
user_command "$OUT_USER" --clear-groups
err=$("${AS_USER[@]}" ringdump -i "$ifname" -w /dev/null -c 1 2>&1 >/dev/null || true)
expect_eq "ringdump, added to the group after logging in" \
    "ringdump: you were added to the group 'wireshark' after this session started: log out and in again (or run 'newgrp wireshark'), then capture again" "$err"
gpasswd -d "$OUT_USER" wireshark >/dev/null

# --- Setuid-root fallback (a filesystem without file capabilities) ------------------------------
setcap -r "$HELPER"
chmod 4750 "$HELPER"
user_command "$IN_USER"
e2e_bg timeout 60 "${AS_USER[@]}" ringdump -i "$ifname" -c 20 -q -w - \
    >"$E2E_TMP/suid.pcapng" 2>"$E2E_TMP/suid.err"
suid_pid=$E2E_LAST_PID
if wait_capture_live "$net-cap" "$ifname" "$suid_pid" 20; then
    helper_pid=$(pgrep -f "^$HELPER " | head -n 1 || true)
    uid=$(id -u "$IN_USER")
    expect_eq "setuid helper after opening: every uid is the user's, no capability" \
        "$(printf 'Uid:\t%s\t%s\t%s\t%s\nCapPrm:\t0000000000000000\nCapEff:\t0000000000000000' "$uid" "$uid" "$uid" "$uid")" \
        "$(grep -E '^(Uid|CapEff|CapPrm):' "/proc/${helper_pid:-0}/status" 2>&1)"
    send_udp "$net-peer" 198.18.0.1 9000 40002 20 2000
    e2e_wait_exit "$suid_pid" 30
    expect_eq "setuid helper: packets" 20 "$(pcap_count "$E2E_TMP/suid.pcapng")"
else
    check_fail "setuid helper did not start capturing: $(cat "$E2E_TMP/suid.err")"
fi

# --- "Only root captures" ----------------------------------------------------------------------
set_answer false
DEBIAN_FRONTEND=noninteractive dpkg-reconfigure ringdump >"$E2E_TMP/reconfigure.log" 2>&1 ||
    fail "dpkg-reconfigure ringdump failed: $(cat "$E2E_TMP/reconfigure.log")"
expect_eq "answer 'no': helper mode, owner, capabilities" "755 root:root " \
    "$(stat -c '%a %U:%G' "$HELPER") $(getcap "$HELPER")"
err=$(as_user "$IN_USER" ringdump -i "$ifname" -w /dev/null -c 1 2>&1 >/dev/null || true)
expect_eq "answer 'no': the refusal says how to let the group capture" \
    "ringdump: capturing on $ifname needs cap_net_raw, which this process does not have (it has no capabilities): $HELPER holds no capture capabilities, so only root may capture here; to let a group capture, run: sudo dpkg-reconfigure wireshark-common ringdump" \
    "$err"

# --- Purge -------------------------------------------------------------------------------------
dpkg --purge wireshark-plugin-ringdump ringdump >"$E2E_TMP/purge.log" 2>&1 ||
    fail "dpkg --purge failed: $(cat "$E2E_TMP/purge.log")"
left=()
while read -r path; do
    [[ -e $path || -L $path ]] || continue
    [[ -d $path && ! -L $path ]] && [[ -n $(ls -A "$path") ]] && continue  # shared folder in use
    left+=("$path")
done <"$E2E_TMP/files"
expect_eq "files left after purge" "" "${left[*]}"
expect_eq "dpkg knows nothing of the packages" "" \
    "$(dpkg-query -W -f='${Package} ${Status}\n' ringdump wireshark-plugin-ringdump 2>/dev/null | grep -v 'not-installed' || true)"

e2e_finish
