# SPDX-License-Identifier: BSD-2-Clause
# Shared helpers for the end-to-end tests (tests/e2e/*.sh): the real ringdump executable driven
# through real tshark, dumpcap and capinfos on a test network made with testnet.sh.
#
# A test script does:
#     source "$(dirname "$0")/../lib/e2e.sh"
#     e2e_init NAME              # name for messages; exit 77 (skip, with the reason) unless
#                                # root with network namespaces and tshark; cleanup on EXIT
#     e2e_testnet PREFIX         # testnet_up, deleted again at exit
#     make_extcap_config_dir     # $E2E_CFG/extcap/ringdump, for WIRESHARK_CONFIG_DIR
#     ... checks: expect_eq / expect_match / check_fail (all recorded, the script goes on) ...
#     e2e_finish                 # exit 1 if any check failed, else 0
#
# fail MESSAGE stops at once (broken preconditions); check_fail records a failed check and lets
# the remaining ones run, so one product bug does not hide the others.
#
# Environment (set by CTest): RINGDUMP, RDGEN (paths of the built executables). E2E_KEEP=1
# keeps a failed test's files (captures, tshark's stderr) in /tmp/ringdump-e2e-NAME.*.
# Exit status: 0 pass, 1 fail, 77 skip.

E2E_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=testnet.sh
source "$E2E_LIB_DIR/testnet.sh"

E2E_NAME=e2e
E2E_TMP=""
E2E_FAILED=0
E2E_PIDS=()      # background processes started by this script (stopped at exit if still running)
E2E_CLEANUP=()   # commands run at exit, last registered first

e2e_log() { printf '[%s] %s\n' "$E2E_NAME" "$*"; }
pass() { printf 'ok   [%s] %s\n' "$E2E_NAME" "$*"; }
fail() {
    printf 'FAIL [%s] %s\n' "$E2E_NAME" "$*" >&2
    exit 1
}
skip() {
    printf 'SKIP [%s] %s\n' "$E2E_NAME" "$*"
    exit 77
}
check_fail() {
    printf 'FAIL [%s] %s\n' "$E2E_NAME" "$*" >&2
    E2E_FAILED=$((E2E_FAILED + 1))
}

e2e_finish() {
    if ((E2E_FAILED > 0)); then
        printf 'FAIL [%s] %d check(s) failed\n' "$E2E_NAME" "$E2E_FAILED" >&2
        exit 1
    fi
    printf 'PASS [%s]\n' "$E2E_NAME"
    exit 0
}

# expect_eq WHAT EXPECTED ACTUAL
expect_eq() {
    if [[ "$3" == "$2" ]]; then
        if [[ "$3" == *$'\n'* ]]; then pass "$1: as expected ($(wc -l <<<"$3") lines)"; else pass "$1: '$3'"; fi
    else
        check_fail "$1: expected '$2', got '$3'"
    fi
}

# expect_match WHAT ERE TEXT: TEXT matches the extended regular expression ERE.
expect_match() {
    if [[ "$3" =~ $2 ]]; then
        pass "$1"
    else
        check_fail "$1: expected text matching /$2/, got: ${3:-<empty>}"
    fi
}

# expect_no_match WHAT ERE TEXT
expect_no_match() {
    if [[ "$3" =~ $2 ]]; then
        check_fail "$1: expected no match for /$2/, got: $3"
    else
        pass "$1"
    fi
}

# ---------------------------------------------------------------------------------------------
# Set-up and clean-up

e2e_on_error() {
    printf 'FAIL [%s] command failed (exit %s) at %s:%s: %s\n' "$E2E_NAME" "$1" "$2" "$3" "$4" >&2
}

e2e_is_running_child() {  # PID is still running and is a child of this shell
    local info
    info=$(ps -o ppid=,stat= -p "$1" 2>/dev/null) || return 1
    read -r -a info <<<"$info"
    [[ ${info[0]} == "$$" && ${info[1]} != Z* ]]
}

e2e_kill_tree() {  # e2e_kill_tree SIGNAL PID: the process and its descendants, by id
    local signal=$1 pid=$2 child
    for child in $(pgrep -P "$pid" 2>/dev/null || true); do e2e_kill_tree "$signal" "$child"; done
    kill -s "$signal" "$pid" 2>/dev/null || true
}

e2e_cleanup() {
    local status=$? pid i running
    set +e
    trap - ERR
    # Stop what is still running: SIGTERM (tshark and ringdump stop cleanly), SIGKILL after 5 s.
    for pid in "${E2E_PIDS[@]}"; do
        e2e_is_running_child "$pid" && e2e_kill_tree TERM "$pid"
    done
    for ((i = 0; i < 50; i++)); do
        running=0
        for pid in "${E2E_PIDS[@]}"; do e2e_is_running_child "$pid" && running=1; done
        ((running)) || break
        sleep 0.1
    done
    for pid in "${E2E_PIDS[@]}"; do
        e2e_is_running_child "$pid" && e2e_kill_tree KILL "$pid"
    done
    for ((i = ${#E2E_CLEANUP[@]} - 1; i >= 0; i--)); do eval "${E2E_CLEANUP[i]}"; done
    if [[ -n $E2E_TMP && -d $E2E_TMP ]]; then
        if [[ $status -ne 0 && $status -ne 77 && -n ${E2E_KEEP:-} ]]; then
            printf '[%s] kept the test files in %s\n' "$E2E_NAME" "$E2E_TMP" >&2
        else
            rm -rf -- "$E2E_TMP"
        fi
    fi
    exit "$status"
}

# e2e_on_exit COMMAND: run COMMAND (a string, eval'd) at exit.
e2e_on_exit() { E2E_CLEANUP+=("$1"); }

# e2e_init NAME [COMMAND...]: names the test and arms the clean-up; skips (exit 77, with the
# reason) unless this is root with network namespaces and tshark & co (and COMMANDs) are
# installed; checks RINGDUMP and RDGEN; makes $E2E_TMP.
e2e_init() {
    E2E_NAME=$1
    shift
    set -E
    trap 'e2e_on_error $? "${BASH_SOURCE[0]##*/}" $LINENO "$BASH_COMMAND"' ERR
    trap e2e_cleanup EXIT
    require_root_and_netns "$@"
    [[ -n ${RINGDUMP:-} && -x ${RINGDUMP:-} ]] ||
        fail "RINGDUMP='${RINGDUMP:-}' is not an executable; run through ctest (or set RINGDUMP)"
    [[ -n ${RDGEN:-} && -x ${RDGEN:-} ]] ||
        fail "RDGEN='${RDGEN:-}' is not an executable; run through ctest (or set RDGEN)"
    E2E_TMP=$(mktemp -d "${TMPDIR:-/tmp}/ringdump-e2e-$E2E_NAME.XXXXXX")
    # World-searchable, so that tshark run as uid 65534 reaches the files made for it.
    chmod 0755 "$E2E_TMP"
}

# require_root_and_netns [COMMAND...]: skips (77) unless root, network namespaces and the
# listed commands are available. tshark, dumpcap and capinfos are always required.
require_root_and_netns() {
    local command
    [[ $(id -u) -eq 0 ]] || skip "needs root (it creates network namespaces and veth pairs)"
    for command in ip tshark dumpcap capinfos timeout setpriv mkfifo od pgrep "$@"; do
        command -v "$command" >/dev/null || skip "'$command' is not installed"
    done
    unshare --net true 2>/dev/null || skip "network namespaces are not available here"
}

# e2e_testnet PREFIX: testnet_up PREFIX (see testnet.sh), removed again at exit.
e2e_testnet() {
    e2e_on_exit "testnet_down $1"
    testnet_up "$1" >"$E2E_TMP/testnet-$1.log" 2>&1 ||
        skip "cannot create the test network (veth pair in two namespaces): $(tail -n 3 "$E2E_TMP/testnet-$1.log")"
}

# e2e_bg COMMAND...: starts COMMAND in the background and remembers its pid (E2E_LAST_PID); it
# is stopped at exit if still running. Use a plain command (no function) so that the pid is the
# program's own (ip netns exec and timeout exec/forward to it).
e2e_bg() {
    "$@" &
    E2E_LAST_PID=$!
    E2E_PIDS+=("$E2E_LAST_PID")
}

# e2e_wait PID: waits for PID and stores its exit status in E2E_STATUS (never fails).
e2e_wait() {
    E2E_STATUS=0
    wait "$1" || E2E_STATUS=$?
}

# e2e_wait_exit PID SECONDS: waits at most SECONDS for PID to end; E2E_STATUS is its exit status
# or "running" when it did not end in time.
e2e_wait_exit() {
    local pid=$1 i
    for ((i = 0; i < $2 * 20; i++)); do
        e2e_is_running_child "$pid" || { e2e_wait "$pid"; return 0; }
        sleep 0.05
    done
    E2E_STATUS=running
}

now_ms() { local t=${EPOCHREALTIME/./}; echo $((10#$t / 1000)); }

# wait_for_line FILE ERE SECONDS: until a line of FILE matches ERE. Fails on timeout.
wait_for_line() {
    local i
    for ((i = 0; i < $3 * 20; i++)); do
        grep -Eq -- "$2" "$1" 2>/dev/null && return 0
        sleep 0.05
    done
    return 1
}

# wait_udp_socket NS PORT [SECONDS]: until a UDP socket is bound to PORT in namespace NS.
wait_udp_socket() {
    local ns=$1 hex i
    hex=$(printf ':%04X' "$2")
    for ((i = 0; i < ${3:-10} * 20; i++)); do
        if ip netns exec "$ns" awk -v port="$hex" \
            'NR > 1 && substr($2, length($2) - 4) == port { found = 1 } END { exit !found }' \
            /proc/net/udp; then
            return 0
        fi
        sleep 0.05
    done
    return 1
}

# start_sink NS PORT SECONDS: a socket bound to UDP PORT in NS for SECONDS, so that packets to it
# are not answered with ICMP port unreachable (which would be captured too).
start_sink() {
    e2e_bg ip netns exec "$1" "$RDGEN" udp --dst 198.18.0.9 --port "$2" --count 0 --linger "$3" \
        >/dev/null
    wait_udp_socket "$1" "$2" || fail "the UDP sink on port $2 in $1 did not start"
}

# wait_carrier NS IFNAME [SECONDS]: until IFNAME in NS has a carrier.
wait_carrier() {
    local i
    for ((i = 0; i < ${3:-10} * 20; i++)); do
        [[ $(ip netns exec "$1" cat "/sys/class/net/$2/carrier" 2>/dev/null) == 1 ]] && return 0
        sleep 0.05
    done
    return 1
}

# ---------------------------------------------------------------------------------------------
# Wireshark

# make_extcap_config_dir: $E2E_CFG is a fresh Wireshark configuration directory whose extcap/
# holds a copy of ringdump (mode 0755, readable by any user), and $E2E_HOME an empty home
# owned by uid 65534. Pass both as WIRESHARK_CONFIG_DIR and HOME: Wireshark 4.0 looks for
# personal extcaps in $WIRESHARK_CONFIG_DIR/extcap, also when run as root. The real user's
# configuration is never touched.
make_extcap_config_dir() {
    E2E_CFG=$E2E_TMP/cfg
    E2E_HOME=$E2E_TMP/home
    E2E_EXTCAP=$E2E_CFG/extcap/ringdump
    mkdir -p "$E2E_CFG/extcap" "$E2E_HOME"
    install -m 0755 "$RINGDUMP" "$E2E_EXTCAP"
    chmod 0755 "$E2E_CFG" "$E2E_CFG/extcap"
    chown 65534:65534 "$E2E_HOME"
}

# tshark_command NS [nobody]: sets E2E_CMD to the command that runs tshark in namespace NS
# with the test's configuration: as root, or as uid/gid 65534 without supplementary groups.
# An array, not a function, so that it can go after timeout.
tshark_command() {
    if [[ ${2:-} == nobody ]]; then
        E2E_CMD=(ip netns exec "$1" setpriv --reuid=65534 --regid=65534 --clear-groups
            env -i HOME="$E2E_HOME" WIRESHARK_CONFIG_DIR="$E2E_CFG" PATH="$PATH" tshark)
    else
        E2E_CMD=(ip netns exec "$1" env HOME="$E2E_HOME" WIRESHARK_CONFIG_DIR="$E2E_CFG" tshark)
    fi
}

# tshark_in_ns NS ARGS...: tshark (as root) in namespace NS, with the test's configuration.
tshark_in_ns() {
    tshark_command "$1"
    shift
    "${E2E_CMD[@]}" "$@"
}

# tshark_as_nobody NS ARGS...: the same as uid 65534.
tshark_as_nobody() {
    tshark_command "$1" nobody
    shift
    "${E2E_CMD[@]}" "$@"
}

# without_root_warning FILE: FILE minus tshark's 'Running as user "root"' warning.
without_root_warning() { grep -v '^Running as user "root"' "$1" || true; }

# extcap_errors FILE: the "Error by extcap pipe:" lines tshark printed (FILE = its stderr).
extcap_errors() { grep -o 'Error by extcap pipe: .*' "$1" || true; }

# ---------------------------------------------------------------------------------------------
# Capture files

# pcap_count FILE: exact packet count from capinfos (-M: machine-readable, no "100 k").
pcap_count() { capinfos -M -c "$1" | sed -n 's/^Number of packets: *//p'; }

# capinfos_field FILE LABEL: the value capinfos prints after "LABEL:" (first match).
capinfos_field() {
    capinfos "$1" | awk -v label="$2:" '
        index($0, label) == 1 { v = substr($0, length(label) + 1); sub(/^[ \t]+/, "", v); print v; exit }'
}

# idb_field FILE LABEL: the value of "LABEL = value" in capinfos' interface info (first IDB).
idb_field() {
    capinfos -I "$1" | awk -v label="$2" '
        { line = $0; sub(/^[ \t]+/, "", line) }
        index(line, label " = ") == 1 { print substr(line, length(label) + 4); exit }'
}

# tshark_fields FILE DISPLAYFILTER FIELD...: one line per matching packet, fields tab-separated.
tshark_fields() {
    local file=$1 filter=$2 args=() field
    shift 2
    for field in "$@"; do args+=(-e "$field"); done
    tshark -r "$file" -Y "$filter" -T fields "${args[@]}" 2>/dev/null
}

# count_packets FILE DISPLAYFILTER: how many packets of FILE match.
count_packets() {
    local n
    n=$(tshark_fields "$1" "$2" frame.number | wc -l)
    echo $((n))
}

# check_sequences FILE DISPLAYFILTER COUNT: the rdgen payloads of the packets of FILE that match
# DISPLAYFILTER carry each sequence number 0..COUNT-1 exactly once (see check_payloads).
check_sequences() { tshark_fields "$1" "$2" udp.payload | check_payloads "$3"; }

# check_payloads COUNT: reads one UDP payload in hex per line (tshark -e udp.payload) and checks
# that they are rdgen's (magic "RDGEN\0\0\1", then a 64-bit little-endian sequence number)
# with each sequence number 0..COUNT-1 exactly once. Prints "ok", or what is wrong.
check_payloads() {
    awk -v n="$1" '
        function hexval(s,   i, v) {
            v = 0
            for (i = 1; i <= length(s); i++) v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
            return v
        }
        {
            p = tolower($1); gsub(/:/, "", p); total++
            if (substr(p, 1, 16) != "524447454e000001") { badmagic++; next }
            seq = 0
            for (b = 7; b >= 0; b--) seq = seq * 256 + hexval(substr(p, 17 + 2 * b, 2))
            if (seq >= n) { outside++; next }
            if (seen[seq]++) dups++
        }
        END {
            missing = 0
            for (s = 0; s < n; s++) if (!(s in seen)) { if (!missing) first = s; missing++ }
            if (total == n && !badmagic && !outside && !dups && !missing) { print "ok"; exit }
            printf "%d packets (expected %d): %d without the rdgen magic, %d out of range, %d duplicates, %d missing",
                total, n, badmagic + 0, outside + 0, dups + 0, missing
            if (missing) printf " (first missing: %d)", first
            print ""
        }'
}

# pcapng_blocks FILE: walks the pcapng block structure and prints one line per block: its type
# in decimal, for IDBs followed by the link type and snap length ("1 101 262144"). A block that
# is cut short or whose two length fields differ ends the list with "TRUNCATED" or
# "BADLENGTH". Host byte order (ringdump writes host order). Meant for small files.
pcapng_blocks() {
    od -An -v -tu4 -w4 "$1" | awk '
        { w[n++] = $1 + 0 }
        END {
            i = 0
            while (i < n) {
                if (i + 2 > n) { print "TRUNCATED"; exit }
                type = w[i]; len = w[i + 1]
                if (len < 12 || len % 4 != 0 || i + len / 4 > n) { print "TRUNCATED"; exit }
                if (w[i + len / 4 - 1] != len) { print "BADLENGTH"; exit }
                if (type == 1) print type, w[i + 2] % 65536, w[i + 3]
                else print type
                i += len / 4
            }
        }'
}

# count_epbs FILE: Enhanced Packet Blocks fully written so far (works on a file being written).
count_epbs() {
    local n
    n=$(pcapng_blocks "$1" 2>/dev/null | grep -c '^6$' || true)
    echo $((n))
}

# wait_epbs FILE COUNT SECONDS: until FILE holds at least COUNT packets.
wait_epbs() {
    local i
    for ((i = 0; i < $3 * 20; i++)); do
        [[ -s $1 ]] && (($(count_epbs "$1") >= $2)) && return 0
        sleep 0.05
    done
    return 1
}

# ---------------------------------------------------------------------------------------------
# tun

# ---------------------------------------------------------------------------------------------
# Traffic and captures

# send_udp NS DST PORT SRC_PORT COUNT RATE [RDGEN OPTIONS...]: sends COUNT rdgen UDP packets
# from namespace NS (bounded: count, rate and rdgen's own 60 s limit, plus timeout 90). Fails
# unless rdgen reports all of them sent. rdgen's report line is left in E2E_SENT_LINE.
send_udp() {
    local ns=$1 dst=$2 port=$3 src_port=$4 count=$5 rate=$6
    shift 6
    E2E_SENT_LINE=$(timeout 90 ip netns exec "$ns" "$RDGEN" udp --dst "$dst" --port "$port" \
        --src-port "$src_port" --count "$count" --rate "$rate" "$@") ||
        fail "rdgen in $ns to $dst:$port failed: $E2E_SENT_LINE"
    [[ $E2E_SENT_LINE == "sent $count packets "* ]] ||
        fail "rdgen in $ns to $dst:$port: expected 'sent $count packets', got '$E2E_SENT_LINE'"
}

# packet_socket_live NS IFNAME: a packet socket in NS is bound to IFNAME and running (see
# wait_capture_socket in testnet.sh).
packet_socket_live() {
    local index
    index=$(ip netns exec "$1" cat "/sys/class/net/$2/ifindex" 2>/dev/null) || return 1
    ip netns exec "$1" awk -v idx="$index" \
        'NR > 1 && $5 == idx && $6 == 1 { found = 1 } END { exit !found }' /proc/net/packet
}

# xdp_program_attached NS IFNAME: an XDP program is attached to IFNAME in NS. The AF_XDP
# backend attaches its program after its sockets are in place: then the capture is live.
xdp_program_attached() {
    ip -n "$1" -j link show dev "$2" 2>/dev/null | grep -q '"xdp":{'
}

# wait_capture_live NS IFNAME PID SECONDS: until the capture on IFNAME is live (a packet socket,
# or for AF_XDP an XDP program), or PID (the capturing process) ends, or SECONDS pass. Fails in
# the last two cases.
wait_capture_live() {
    local i
    for ((i = 0; i < $4 * 20; i++)); do
        packet_socket_live "$1" "$2" && return 0
        xdp_program_attached "$1" "$2" && return 0
        e2e_is_running_child "$3" || return 1
        sleep 0.05
    done
    return 1
}

# start_tshark_capture NS IFNAME FILE [TSHARK OPTIONS...]: runs, in the background,
#   tshark -q -i ringdump-IFNAME -w FILE [options] -a duration:60     (stderr in FILE.err)
# under timeout 90, and waits until ringdump's packet socket is live (dumpcap says "Capturing
# on" before the extcap has even started). E2E_TSHARK_PID is tshark's pid.
start_tshark_capture() {
    local ns=$1 ifname=$2 file=$3
    shift 3
    tshark_command "$ns"
    e2e_bg timeout 90 "${E2E_CMD[@]}" -q -i "ringdump-$ifname" -w "$file" "$@" -a duration:60 \
        2>"$file.err"
    E2E_TSHARK_PID=$E2E_LAST_PID
    wait_capture_live "$ns" "$ifname" "$E2E_TSHARK_PID" 20 ||
        fail "tshark -i ringdump-$ifname did not start capturing within 20 s: $(without_root_warning "$file.err")"
}

# finish_tshark_capture FILE [SECONDS]: waits for the tshark started by start_tshark_capture.
# If it has not reached its stop condition after SECONDS (default 30; packets were lost), that
# is a failed check: it is stopped (SIGTERM: tshark still writes the file) so that the file can
# be examined. Otherwise it must have exited 0. Any "Error by extcap pipe" line (anything
# ringdump wrote on stderr) stops the test.
finish_tshark_capture() {
    e2e_wait_exit "$E2E_TSHARK_PID" "${2:-30}"
    if [[ $E2E_STATUS == running ]]; then
        check_fail "tshark did not reach its stop condition within ${2:-30} s after the traffic (packets missing?); stopping it"
        kill -TERM "$E2E_TSHARK_PID"  # timeout passes it on to tshark
        e2e_wait_exit "$E2E_TSHARK_PID" 30
    elif [[ $E2E_STATUS != 0 ]]; then
        fail "tshark exited with status $E2E_STATUS (124: timed out): $(without_root_warning "$1.err")"
    fi
    [[ -z $(extcap_errors "$1.err") ]] ||
        fail "tshark reported an extcap error: $(extcap_errors "$1.err")"
}

# ---------------------------------------------------------------------------------------------
# The Wireshark plugin
#
# Wireshark ignores personal plugin folders (and WIRESHARK_PLUGIN_DIR) when started by root, so
# the plugin is tested from a user's personal folder with tshark run as that user: uid/gid 65534
# when the test runs as root, else the test's own user. Whatever that tshark reads must be
# readable by it ($E2E_TMP is world-searchable; make files 0644).

# e2e_init_files NAME [COMMAND...]: e2e_init for tests that work on files only: no root, no
# network namespaces. Skips (77, with the reason) unless tshark & co and the COMMANDs are
# installed; arms the clean-up; makes $E2E_TMP (0755).
e2e_init_files() {
    local command
    E2E_NAME=$1
    shift
    set -E
    trap 'e2e_on_error $? "${BASH_SOURCE[0]##*/}" $LINENO "$BASH_COMMAND"' ERR
    trap e2e_cleanup EXIT
    for command in tshark editcap capinfos od "$@"; do
        command -v "$command" >/dev/null || skip "'$command' is not installed"
    done
    E2E_TMP=$(mktemp -d "${TMPDIR:-/tmp}/ringdump-e2e-$E2E_NAME.XXXXXX")
    chmod 0755 "$E2E_TMP"
}

# make_plugin_home: $E2E_PLUGIN_HOME is a fresh home whose personal plugin folder holds the
# plugin under test ($RINGDUMP_PLUGIN, set by CTest) as
# .local/lib/wireshark/plugins/$WIRESHARK_MM/epan/ringdump.so, owned by the user that
# tshark_as_plugin_user runs as. Skips (77) when the plugin was not built (no Wireshark SDK) or
# was built for another Wireshark than the installed tshark (a plugin loads only into the
# major.minor it was built against).
make_plugin_home() {
    local dir installed
    [[ -n ${RINGDUMP_PLUGIN:-} ]] ||
        skip "the Wireshark plugin was not built (RINGDUMP_PLUGIN is empty: the Wireshark SDK, wireshark-dev and libwireshark-dev, was not found)"
    [[ -f $RINGDUMP_PLUGIN ]] ||
        fail "RINGDUMP_PLUGIN='$RINGDUMP_PLUGIN' does not exist; build the ringdump_plugin target"
    [[ -n ${WIRESHARK_MM:-} ]] || fail "WIRESHARK_MM is empty; run through ctest (or set it, e.g. 4.0)"
    installed=$(tshark --version 2>/dev/null | sed -n '1s/^TShark (Wireshark) \([0-9]*\.[0-9]*\)\..*/\1/p')
    [[ $installed == "$WIRESHARK_MM" ]] ||
        skip "the plugin was built for Wireshark $WIRESHARK_MM but the installed tshark is ${installed:-unknown}"
    E2E_PLUGIN_HOME=$E2E_TMP/plugin-home
    dir=$E2E_PLUGIN_HOME/.local/lib/wireshark/plugins/$WIRESHARK_MM/epan
    mkdir -p "$dir"
    install -m 0644 "$RINGDUMP_PLUGIN" "$dir/ringdump.so"
    if [[ $(id -u) -eq 0 ]]; then
        chown -R 65534:65534 "$E2E_PLUGIN_HOME"
    fi
}

# tshark_as_plugin_user ARGS...: tshark with the plugin loaded, from $E2E_PLUGIN_HOME (see
# make_plugin_home): as uid/gid 65534 without supplementary groups when this is root, else as
# this user; a clean environment either way (HOME and PATH only), in the current namespace.
tshark_as_plugin_user() {
    if [[ $(id -u) -eq 0 ]]; then
        setpriv --reuid=65534 --regid=65534 --clear-groups \
            env -i HOME="$E2E_PLUGIN_HOME" PATH="$PATH" tshark "$@"
    else
        env -i HOME="$E2E_PLUGIN_HOME" PATH="$PATH" tshark "$@"
    fi
}
