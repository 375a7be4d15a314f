#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# The man page ringdump(1) (docs/ringdump.1.md, built by docs/CMakeLists.txt) against the
# program it documents:
#   - man(1) renders it at 80 columns without a groff warning, with its sections;
#   - every long option `ringdump --help` prints, every extcap option `ringdump --extcap-config`
#     offers (call=--name) and the label Wireshark's dialog shows for it (display=...) appear in
#     the page; every long option its OPTIONS section documents is one the program has;
#   - the version in its title line is the version `ringdump --version` prints.
# Needs no root. Exit status: 0 pass, 1 fail (naming what is missing), 77 skip (no man(1)).
#
# Usage: man_page.sh PAGE RINGDUMP (ctest runs it as docs.man_page with the built page and
# executable).
set -uo pipefail
# shellcheck source-path=SCRIPTDIR source=../lib/e2e.sh
source "$(dirname "$0")/../lib/e2e.sh"
E2E_NAME=man_page

page=${1:-}
ringdump=${2:-${RINGDUMP:-}}
[[ -n $page ]] || fail "usage: man_page.sh PAGE RINGDUMP"
[[ -f $page ]] || fail "$page: no such man page; build it first (target ringdump_man)"
[[ -n $ringdump && -x $ringdump ]] ||
    fail "RINGDUMP='$ringdump' is not an executable; pass the ringdump executable as the second argument"
man_command=$(type -P man || true)
if [[ -z $man_command || ! -x $man_command ]]; then
    skip "man(1) is not installed (apt-get install man-db), so the page cannot be rendered"
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/ringdump-man-page.XXXXXX")
trap 'rm -rf -- "$work"' EXIT

# man -l formats the file itself (no database, no pager when -P cat); C.UTF-8 for a fixed locale.
render() {  # render WIDTH [man options...] > text
    local width=$1
    shift
    env -u MANOPT -u MAN_KEEP_FORMATTING LC_ALL=C.UTF-8 MANWIDTH="$width" MANPAGER=cat PAGER=cat \
        man -P cat "$@" -l "$page"
}

# --- Rendering: 80 columns, no groff warning (--warnings=w: every warning groff has) ----------
if ! render 80 >"$work/page.txt" 2>"$work/render.err" || [[ ! -s $work/page.txt ]]; then
    if grep -qi minimi "$work/render.err" "$work/page.txt" 2>/dev/null; then
        skip "man(1) here is the stub of a minimized system (unminimize restores it)"
    fi
    fail "man -l $page did not render it: $(head -3 "$work/render.err")"
fi
render 80 --warnings=w 2>"$work/warnings.txt" >/dev/null
if [[ -s $work/warnings.txt ]]; then
    check_fail "groff warns about the page:"$'\n'"$(cat "$work/warnings.txt")"
else
    pass "renders at 80 columns ($(wc -l <"$work/page.txt") lines) without a groff warning"
fi

missing=()
for section in NAME SYNOPSIS DESCRIPTION OPTIONS "EXTCAP INTERFACE" ANNOTATIONS PERMISSIONS \
    "EXIT STATUS" FILES EXAMPLES "SEE ALSO"; do
    grep -qx -- "$section" "$work/page.txt" || missing+=("$section")
done
if ((${#missing[@]} > 0)); then
    check_fail "sections missing from the page: $(printf '"%s" ' "${missing[@]}")"
else
    pass "has the sections NAME, SYNOPSIS, OPTIONS, PERMISSIONS, EXAMPLES and the others"
fi

# --- The options: searched in a rendering wide enough that no line is broken or hyphenated ---
# (groff breaks lines after the hyphens inside an option name, and hyphenates words). Hyphen
# and minus characters count as "-", for systems whose groff renders "-" as one of them.
render 4000 2>/dev/null | sed 's/\xe2\x80\x90/-/g; s/\xe2\x88\x92/-/g' >"$work/wide.txt"
tr -s ' \t\n' '   ' <"$work/wide.txt" >"$work/flat.txt"

"$ringdump" --help >"$work/help.txt" 2>&1 || fail "$ringdump --help failed: $(head -3 "$work/help.txt")"
"$ringdump" --extcap-config >"$work/config.txt" 2>&1 ||
    fail "$ringdump --extcap-config failed: $(head -3 "$work/config.txt")"
grep -oE -- '--[a-z][a-z0-9-]*' "$work/help.txt" | sed 's/-*$//' | sort -u >"$work/help-options"
sed -n 's/^arg .*{call=\(--[^}]*\)}.*/\1/p' "$work/config.txt" | sort -u >"$work/extcap-options"
sed -n 's/^arg .*{display=\([^}]*\)}.*/\1/p' "$work/config.txt" >"$work/extcap-labels"
(($(wc -l <"$work/help-options") >= 20)) ||
    fail "found only $(wc -l <"$work/help-options") long options in ringdump --help; is the parsing broken?"
(($(wc -l <"$work/extcap-options") >= 10)) ||
    fail "found only $(wc -l <"$work/extcap-options") options in ringdump --extcap-config"

# documented OPTION: the option, as a whole word (--xdp-busy-poll is not --xdp-busy-poll-budget).
documented() { grep -qE -- "(^|[^a-z0-9-])$1([^a-z0-9-]|\$)" "$work/wide.txt"; }

missing=()
while read -r option; do documented "$option" || missing+=("$option"); done <"$work/help-options"
if ((${#missing[@]} > 0)); then
    check_fail "options of ringdump --help missing from the page: ${missing[*]}"
else
    pass "all $(wc -l <"$work/help-options") long options of ringdump --help are in the page"
fi

missing=()
while read -r option; do documented "$option" || missing+=("$option"); done <"$work/extcap-options"
if ((${#missing[@]} > 0)); then
    check_fail "extcap options of ringdump --extcap-config missing from the page: ${missing[*]}"
else
    pass "all $(wc -l <"$work/extcap-options") extcap options of ringdump --extcap-config are in the page"
fi

missing=()
while IFS= read -r label; do
    grep -qF -- "$label" "$work/flat.txt" || missing+=("\"$label\"")
done <"$work/extcap-labels"
if ((${#missing[@]} > 0)); then
    check_fail "labels of Wireshark's extcap dialog missing from the page: ${missing[*]}"
else
    pass "all $(wc -l <"$work/extcap-labels") labels of Wireshark's extcap dialog are in the page"
fi

# The reverse: what OPTIONS documents (up to the next section heading) must exist.
sed -n '/^OPTIONS$/,/^[A-Z][A-Z ]*$/p' "$work/wide.txt" | grep -oE -- '--[a-z][a-z0-9-]*' |
    sed 's/-*$//' | sort -u >"$work/page-options"
unknown=$(sort -u "$work/help-options" "$work/extcap-options" | comm -23 "$work/page-options" -)
if [[ ! -s $work/page-options ]]; then
    check_fail "no long option found in the OPTIONS section"
elif [[ -n $unknown ]]; then
    check_fail "the OPTIONS section documents options ringdump does not have: $(paste -sd ' ' <<<"$unknown")"
else
    pass "every long option in OPTIONS ($(wc -l <"$work/page-options")) is one of ringdump's"
fi

# --- The version: the title line (.TH RINGDUMP 1 DATE "ringdump VERSION" ...) and the footer ---
version_line=$("$ringdump" --version 2>&1) || fail "$ringdump --version failed: $version_line"
version=$(awk 'NR == 1 && $1 == "ringdump" { print $2 }' <<<"$version_line")
[[ -n $version ]] || fail "cannot read the version from ringdump --version: $version_line"
title=$(grep -m1 '^\.TH ' "$page" || true)
title_re='^\.TH +"?RINGDUMP"? +"?1"? +"[^"]*" +"ringdump ([^"]*)"'
if [[ $title =~ $title_re ]]; then
    expect_eq "version in the title line (.TH)" "$version" "${BASH_REMATCH[1]}"
else
    check_fail "title line is not .TH RINGDUMP 1 \"DATE\" \"ringdump VERSION\" ...: ${title:-<none>}"
fi
footer=$(grep -v '^[[:space:]]*$' "$work/page.txt" | tail -n 1)
expect_match "footer names ringdump $version" "^ringdump ${version//./\\.} " "$footer"

e2e_finish
