#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# The Wireshark plugin on the committed test vector (docs/annotations.md, "The test-vector
# file"): tests/data/annotation-vector.pcapng, the annotated form of annotation-vector.pcap
# (tests/tools/make_vector.cpp), whose fields were derived by hand into
# tests/data/annotation-vector.expected. No network. tshark runs with the plugin in a
# temporary home as uid 65534 (root ignores personal plugin folders), or as this user when not
# root. Checks:
#  - tshark -G plugins / -G fields: the plugin is a dissector and registers exactly the fields
#    and expert infos below;
#  - the fields of every frame equal the expected file; display filters and expert infos select
#    exactly the frames of the table; the streams table (-z ringdump,streams);
#  - make_vector and ringdump annotate regenerate the same pcap bytes and the same fields;
#  - files re-saved by Wireshark (tshark -w, editcap) keep the records;
#  - a record with an unknown version or a bad length: the expert ringdump.malformed on that
#    frame only, tshark exits 0;
#  - as root tshark does not load the plugin even when pointed at it, and still reads the file.
set -euo pipefail
source "$(dirname "$0")/../lib/e2e.sh"
e2e_init_files plugin_vector grep cmp paste dd
[[ $(id -u) -ne 0 ]] || command -v setpriv >/dev/null || skip "'setpriv' is not installed"
: "${RINGDUMP:?RINGDUMP must name the ringdump executable}"
[[ -n ${RDVECTOR:-} && -x ${RDVECTOR:-} ]] ||
    fail "RDVECTOR='${RDVECTOR:-}' is not an executable; run through ctest (or set RDVECTOR)"
make_plugin_home

data=$(cd "$(dirname "$0")/../data" && pwd)
vec=$E2E_TMP/vector.pcapng
expected=$E2E_TMP/vector.expected
install -m 0644 "$data/annotation-vector.pcapng" "$vec"
install -m 0644 "$data/annotation-vector.expected" "$expected"
FIELDS=(frame.number ringdump.dir ringdump.stream ringdump.role ringdump.transport
    ringdump.tcp.status ringdump.tcp.rel_seq ringdump.tcp.stream_offset ringdump.tcp.gap_bytes
    ringdump.capture_loss_bytes ringdump.flags)

# fields FILE: the golden-file columns of every frame of FILE (exit status: tshark's).
fields() {
    local args=() field
    for field in "${FIELDS[@]}"; do args+=(-e "$field"); done
    tshark_as_plugin_user -r "$1" -T fields -E header=y -E separator=/t "${args[@]}"
}
# frames FILE FILTER: the numbers of the frames of FILE that FILTER selects, comma-separated.
frames() {
    local out
    out=$(tshark_as_plugin_user -r "$1" -Y "$2" -T fields -e frame.number </dev/null \
        2>"$E2E_TMP/frames.err") || { echo "tshark failed: $(head -2 "$E2E_TMP/frames.err")"; return 0; }
    [[ -z $out ]] || paste -sd, - <<<"$out"
}
# same_fields WHAT FILE: FILE's fields equal the expected file (diff shown on failure).
same_fields() {
    local out=$E2E_TMP/fields.out status=0
    fields "$2" >"$out" 2>"$E2E_TMP/fields.err" || status=$?
    if [[ $status -ne 0 ]]; then
        check_fail "$1: tshark exited with $status: $(head -3 "$E2E_TMP/fields.err")"
    elif cmp -s "$expected" "$out"; then
        pass "$1: fields of all $(($(wc -l <"$out") - 1)) frames as expected"
    else
        check_fail "$1: fields differ from annotation-vector.expected:
$(diff "$expected" "$out" | head -20)"
    fi
}
# records FILE: how many ringdump records (option 2989, length 44, PEN, version 1, length 40).
records() {
    LC_ALL=C grep -obUaP '\xad\x0b\x2c\x00\xd9\x7e\x00\x00\x01\x28' "$1" | wc -l
}

# 1. The plugin is loaded, as a dissector, from the personal folder.
plugins=$(tshark_as_plugin_user -G plugins 2>/dev/null |
    awk -F'\t' '{ sub(/ +$/, "", $1) } $1 == "ringdump.so" { print $3 "\t" $4 }')
expect_eq "tshark -G plugins: ringdump.so, a dissector, from the personal folder" \
    "dissector	$E2E_PLUGIN_HOME/.local/lib/wireshark/plugins/$WIRESHARK_MM/epan/ringdump.so" \
    "$plugins"

# 2. Exactly these fields and expert infos, with these types.
expected_fields="ringdump.version FT_UINT8
ringdump.dir FT_UINT8
ringdump.kernel_dir FT_UINT32
ringdump.reception FT_UINT32
ringdump.layers FT_UINT8
ringdump.transport FT_UINT8
ringdump.stream FT_UINT64
ringdump.role FT_UINT8
ringdump.flags FT_UINT16
ringdump.flags.stream_start FT_BOOLEAN
ringdump.flags.stream_end FT_BOOLEAN
ringdump.flags.midstream FT_BOOLEAN
ringdump.flags.state_lost FT_BOOLEAN
ringdump.flags.holes_dropped FT_BOOLEAN
ringdump.flags.truncated FT_BOOLEAN
ringdump.flags.malformed FT_BOOLEAN
ringdump.flags.fragment FT_BOOLEAN
ringdump.flags.vlan FT_BOOLEAN
ringdump.tcp.status FT_UINT8
ringdump.tcp.rel_seq FT_UINT32
ringdump.tcp.stream_offset FT_UINT64
ringdump.tcp.gap_bytes FT_UINT32
ringdump.capture_loss_bytes FT_UINT32
ringdump.tcp.gap FT_NONE
ringdump.capture_loss FT_NONE
ringdump.tcp.retransmission FT_NONE
ringdump.tcp.out_of_order FT_NONE
ringdump.malformed FT_NONE"
expect_eq "tshark -G fields: the ringdump fields and expert infos" "$(sort <<<"$expected_fields")" \
    "$(tshark_as_plugin_user -G fields 2>/dev/null |
        awk -F'\t' '$1 == "F" && ($5 == "ringdump" || $3 ~ /^ringdump\./) { print $3, $4 }' | sort)"
expect_eq "tshark -G protocols: ringdump" "ringdump annotations	ringdump	ringdump" \
    "$(tshark_as_plugin_user -G protocols 2>/dev/null | grep -P '\tringdump$' || true)"

# 3. The fields of every frame, as derived by hand.
expect_eq "committed vector: packets" 31 "$(pcap_count "$vec")"
expect_eq "committed vector: records" 31 "$(records "$vec")"
same_fields "committed vector" "$vec"

# 4. Display filters select exactly the frames of the table.
while IFS='@' read -r filter want; do
    expect_eq "-Y '$filter'" "$want" "$(frames "$vec" "$filter")"
done <<'EOF'
ringdump@1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
ringdump.version == 1@1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
ringdump.dir == "up"@1,3,4,5,6,7,8,9,12,13,14,16,17,19,20,24,25,27,29,30,31
ringdump.dir == "down"@2,10,11,15,18,21,26,28
ringdump.dir == "unknown"@22,23
ringdump.dir == "local" || ringdump.dir == "transit"@
ringdump.layers == "ARP"@23
ringdump.layers == "IPv4"@1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,24,25,26,27,28,29,30,31
ringdump.layers == "IPv6"@22
ringdump.layers == "none"@
ringdump.transport == "TCP"@1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,26,27,28
ringdump.transport == "UDP"@20,21,22,25,29
ringdump.transport == "ICMP"@24
ringdump.transport == "none"@23,30,31
ringdump.stream == 0@1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16
ringdump.stream == 1@17,18,19
ringdump.stream == 2@20,21
ringdump.stream == 3@22
ringdump.stream == 4@25
ringdump.stream == 5@26,27,28
!ringdump.stream@23,24,29,30,31
ringdump.role == "client"@1,3,4,5,6,7,8,9,12,13,14,16,17,19,20,22,25,27
ringdump.role == "server"@2,10,11,15,18,21,26,28
ringdump.tcp.status == "in-order"@4,5,11,14,15,26
ringdump.tcp.status == "retransmission"@7
ringdump.tcp.status == "partial-overlap"@13
ringdump.tcp.status == "out-of-order"@6,9
ringdump.tcp.status == "hole-filled"@8
ringdump.tcp.status == "keep-alive"@12
ringdump.tcp.status == "window-probe"@28
ringdump.tcp.status == "ack-only"@3,10,16,27
ringdump.tcp.status == "handshake"@1,2,17,18
ringdump.tcp.status == "reset"@19
ringdump.tcp.gap_bytes > 0@6,9
ringdump.tcp.gap_bytes == 100@6,9
ringdump.capture_loss_bytes > 0@10
ringdump.capture_loss_bytes@1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,26,27,28
ringdump.tcp.stream_offset == 599 && ringdump.tcp.rel_seq == 600@12
ringdump.flags.stream_start == 1@1,17,20,22,25,26
ringdump.flags.stream_end == 1@14,15,19
ringdump.flags.midstream == 1@26,27
ringdump.flags.state_lost == 1 || ringdump.flags.holes_dropped == 1@
ringdump.flags.truncated == 1@30
ringdump.flags.malformed == 1@31
ringdump.flags.fragment == 1@29
ringdump.flags.vlan == 1@25
ringdump.flags == 0x0000@23,24
ringdump.flags.stream_start@1,17,20,22,25,26
ringdump.flags.stream_end@14,15,19
ringdump.flags.midstream@26,27
ringdump.flags.state_lost || ringdump.flags.holes_dropped@
ringdump.flags.truncated@30
ringdump.flags.malformed@31
ringdump.flags.fragment@29
ringdump.flags.vlan@25
ringdump.flags.vlan == 0 || ringdump.flags.truncated == 0@
ringdump.kernel_dir || ringdump.reception@
ringdump.tcp.gap@6,9
ringdump.capture_loss@10
ringdump.tcp.retransmission@7,13
ringdump.tcp.out_of_order@6,8,9
ringdump.malformed@
EOF

# 5. Expert infos by severity (tshark -z expert): the gap warnings, the capture-loss error and
# the notes, with their counts.
expert=$(tshark_as_plugin_user -r "$vec" -q -z expert 2>/dev/null | awk '
    /^(Errors|Warns|Notes|Chats|Comments) \(/ { section = $1 }
    $3 == "ringdump" { text = $0; sub(/^ *[0-9]+ +[A-Za-z]+ +ringdump +/, "", text); print section "|" $1 "|" text }' |
    sort)
expect_eq "tshark -z expert: ringdump's entries" "$(sort <<'EOF'
Errors|1|100 bytes acknowledged but not captured
Warns|2|100 bytes missing before this segment (not captured yet)
Notes|3|Out of order: ahead of a hole, or filling one
Notes|2|Retransmission: bytes seen before
EOF
)" "$expert"

# 6. The streams table: endpoints, packets and bytes each way, gaps, capture loss.
streams=$(tshark_as_plugin_user -r "$vec" -q -z ringdump,streams 2>/dev/null |
    awk '/^[0-9]+ \|/ { gsub(/ \|/, "|"); sub(/\|$/, ""); print }')
expect_eq "tshark -z ringdump,streams" "0|TCP|198.18.0.1:40000|198.19.0.9:80|12|1348|4|266|2|200|100
1|TCP|198.18.0.1:40000|198.19.0.9:80|2|108|1|54|0|0|0
2|UDP|198.18.0.1:40002|198.19.0.9:7777|1|62|1|82|0|0|0
3|UDP|[2001:db8::1]:5000|[2001:db8::2]:5001|1|78|0|0|0|0|0
4|UDP|198.18.0.1:40002|198.19.0.9:7777|1|66|0|0|0|0|0
5|TCP|198.19.0.9:443|198.18.0.1:40001|2|209|1|54|0|0|0" "$streams"

# 7. Determinism: the generator gives the committed pcap byte for byte, and annotating it again
# gives the same fields (the pcapng's SHB/IDB strings name this machine, so not its bytes).
"$RDVECTOR" "$E2E_TMP/regen.pcap" >/dev/null
if cmp -s "$data/annotation-vector.pcap" "$E2E_TMP/regen.pcap"; then
    pass "make_vector regenerates annotation-vector.pcap byte for byte"
else
    check_fail "make_vector's output differs from tests/data/annotation-vector.pcap"
fi
"$RINGDUMP" annotate "$E2E_TMP/regen.pcap" -w "$E2E_TMP/regen.pcapng" --local-net 198.18.0.1/32 \
    2>"$E2E_TMP/annotate.err" || fail "ringdump annotate failed: $(cat "$E2E_TMP/annotate.err")"
chmod 0644 "$E2E_TMP/regen.pcapng"
same_fields "regenerated and annotated again" "$E2E_TMP/regen.pcapng"

# 8. Re-saved by Wireshark's writer: the copyable option survives.
tshark -r "$vec" -w "$E2E_TMP/resaved.pcapng" 2>/dev/null
editcap "$vec" "$E2E_TMP/edited.pcapng"
editcap -F pcapng "$vec" "$E2E_TMP/edited-F.pcapng"
for name in resaved edited edited-F; do
    chmod 0644 "$E2E_TMP/$name.pcapng"
    expect_eq "$name.pcapng: records" 31 "$(records "$E2E_TMP/$name.pcapng")"
    same_fields "$name.pcapng" "$E2E_TMP/$name.pcapng"
done

# 9. Broken records in a copy: frame 5's version byte 1 -> 2, frame 12's length byte 40 -> 20.
bad=$E2E_TMP/bad.pcapng
cp "$vec" "$bad"
mapfile -t offsets < <(LC_ALL=C grep -obUaP '\xad\x0b\x2c\x00\xd9\x7e\x00\x00\x01\x28' "$bad" | cut -d: -f1)
expect_eq "bad copy: record offsets found" 31 "${#offsets[@]}"
printf '\x02' | dd of="$bad" bs=1 seek=$((offsets[4] + 8)) conv=notrunc status=none
printf '\x14' | dd of="$bad" bs=1 seek=$((offsets[11] + 9)) conv=notrunc status=none
chmod 0644 "$bad"
status=0
tshark_as_plugin_user -r "$bad" -V >"$E2E_TMP/bad.txt" 2>"$E2E_TMP/bad.err" || status=$?
expect_eq "bad records: tshark -V exit status" 0 "$status"
expect_eq "bad records: -Y ringdump.malformed" "5,12" "$(frames "$bad" ringdump.malformed)"
expect_eq "bad records: the expert messages" "5	Malformed ringdump annotation (unknown version)
12	Malformed ringdump annotation (bad length)" \
    "$(tshark_as_plugin_user -r "$bad" -Y ringdump.malformed -T fields -e frame.number \
        -e _ws.expert.message 2>/dev/null | sed 's/\t.*\(Malformed ringdump annotation ([a-z ]*)\).*/\t\1/')"
expect_match "bad records: an error in tshark -z expert" \
    "Errors \([0-9]+\).*Malformed ringdump annotation \(unknown version\)" \
    "$(tshark_as_plugin_user -r "$bad" -q -z expert 2>/dev/null | tr '\n' ' ')"
# Every other frame exactly as before; frames 5 and 12 without record fields.
fields "$bad" >"$E2E_TMP/bad.fields" 2>/dev/null || check_fail "bad records: tshark -T fields failed"
expect_eq "bad records: the fields, other frames unaffected" \
    "$(awk -F'\t' -v OFS='\t' 'NR > 1 && ($1 == 5 || $1 == 12) { for (i = 2; i <= NF; i++) $i = "" } 1' "$expected")" \
    "$(cat "$E2E_TMP/bad.fields")"

# 10. The root trap: as root, tshark loads neither the personal folder nor WIRESHARK_PLUGIN_DIR
# (docs: the plugin then needs a non-root user) and still reads the file without the plugin.
if [[ $(id -u) -eq 0 ]]; then
    root_tshark() {
        env HOME="$E2E_PLUGIN_HOME" WIRESHARK_PLUGIN_DIR="$E2E_PLUGIN_HOME/.local/lib/wireshark/plugins" \
            tshark "$@"
    }
    expect_eq "as root: ringdump.so not loaded (personal folder and WIRESHARK_PLUGIN_DIR ignored)" 0 \
        "$(root_tshark -G plugins 2>/dev/null | grep -c '^ringdump\.so' || true)"
    expect_eq "as root: no ringdump fields registered" 0 \
        "$(root_tshark -G fields 2>/dev/null | grep -cP '\tringdump\.' || true)"
    status=0
    root_tshark -r "$vec" -T fields -e frame.number -e frame.len >"$E2E_TMP/root.txt" 2>/dev/null ||
        status=$?
    expect_eq "as root: tshark reads the file (exit status)" 0 "$status"
    expect_eq "as root: every frame read" 31 "$(wc -l <"$E2E_TMP/root.txt")"
    status=0
    root_tshark -r "$vec" -T fields -e ringdump.dir >/dev/null 2>"$E2E_TMP/root.err" || status=$?
    expect_match "as root: ringdump.dir is not a field without the plugin" \
        "Some fields aren't valid:.*ringdump\.dir" "$(tr '\n' ' ' <"$E2E_TMP/root.err")"
else
    e2e_log "not root: the root-trap checks are skipped"
fi

# The "ringdump" profile (scripts/install-profile.sh) adds Direction and Stream columns: with it,
# the packet list shows each frame's direction name and stream id.
HOME=$E2E_PLUGIN_HOME XDG_CONFIG_HOME= WIRESHARK_CONFIG_DIR= \
    "$(dirname "$0")/../../scripts/install-profile.sh" >/dev/null
[[ $(id -u) -eq 0 ]] && chown -R 65534:65534 "$E2E_PLUGIN_HOME/.config"
tshark_as_plugin_user -C ringdump -r "$vec" -T fields -e frame.number -e _ws.col.Direction \
    -e _ws.col.Stream >"$E2E_TMP/profile.txt" 2>/dev/null
expect_eq "profile: frames listed" 31 "$(wc -l <"$E2E_TMP/profile.txt")"
expect_eq "profile: frame 1's Direction and Stream columns" "$(printf '1\tup\t0')" \
    "$(head -1 "$E2E_TMP/profile.txt")"
expect_eq "profile: frames whose Direction column says up" \
    "1,3,4,5,6,7,8,9,12,13,14,16,17,19,20,24,25,27,29,30,31" \
    "$(awk -F'\t' '$2 == "up" {print $1}' "$E2E_TMP/profile.txt" | paste -sd,)"

e2e_finish
