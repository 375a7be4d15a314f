#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# packaging/rpm/ringdump.spec through rpm's own parser and rpmlint, and against the source tree:
#   - rpmspec -P parses it, with and without a Wireshark SDK visible to pkg-config, and the
#     plugin's Wireshark bounds agree with its plugin folder (X.Y to X.Y+1, with an epoch);
#   - rpmlint reports no error, and every warning it gives is justified in the spec by a
#     comment "# rpmlint <warning>: <why>";
#   - Version is the project VERSION in CMakeLists.txt, and the newest %changelog entry is for
#     this Version-Release;
#   - every %doc/%license file exists;
#   - every -DRINGDUMP_* option the spec passes to CMake is an option or cache entry of the
#     build (CMake only warns about unknown ones, and a silently ignored option loses a feature);
#   - the capabilities in %caps are those in packaging/capabilities.txt (when that file exists),
#     are names the kernel headers know, and are granted =p (permitted; ringdump raises them itself).
# Needs rpm (rpmspec) and rpmlint only: no root, no Fedora build dependencies, no rpmbuild.
#   tests/packaging/rpm_spec.sh [SOURCE_DIR]     (default: the tree this script is in)
# Exit status: 0 pass, 1 fail, 77 skip.
set -uo pipefail
root=$(cd "${1:-$(dirname "$0")/../..}" && pwd)
spec=$root/packaging/rpm/ringdump.spec
caps_file=$root/packaging/capabilities.txt

for tool in rpmspec rpmlint; do
    command -v "$tool" >/dev/null ||
        { echo "SKIP: $tool is missing (Debian: apt-get install rpm rpmlint)"; exit 77; }
done
[[ -f $spec ]] || { echo "FAIL: $spec does not exist"; exit 1; }

work=$(mktemp -d /tmp/ringdump-rpmspec.XXXXXX)
trap 'rm -rf "$work"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
ok() { echo "ok: $*"; }

# --- rpmspec: parses, here and where pkg-config knows no Wireshark ---------------------------
# The second case is the SRPM step of mock, or any machine without wireshark-devel.
mkdir "$work/no-pkgconfig"
declare -A parsed
for mode in host no-wireshark; do
    env=()
    [[ $mode == no-wireshark ]] && env=(env PKG_CONFIG_LIBDIR="$work/no-pkgconfig" PKG_CONFIG_PATH=)
    if "${env[@]}" rpmspec -P "$spec" >"$work/parsed.$mode" 2>"$work/parse-err.$mode"; then
        ok "rpmspec -P ($mode)"
        parsed[$mode]=$work/parsed.$mode
    else
        fail "rpmspec -P ($mode): $(head -3 "$work/parse-err.$mode")"
        continue
    fi
    # The plugin: its folder's X.Y and its Requires on wireshark-cli must agree.
    plugin=$(grep -E '/plugins/[0-9]+\.[0-9]+/epan/ringdump\.so$' "$work/parsed.$mode")
    mm=$(sed -nE 's#.*/plugins/([0-9]+\.[0-9]+)/epan/ringdump\.so$#\1#p' <<<"$plugin")
    if [[ -z $mm ]]; then
        fail "$mode: no %files line <plugindir>/<X.Y>/epan/ringdump.so in the parsed spec"
        continue
    fi
    next=$(awk -F. '{ print $1 "." $2 + 1 }' <<<"$mm")
    lower=$(sed -nE 's/^Requires:[[:space:]]+wireshark-cli[^ ]* >= ([0-9]+):([0-9.]+)$/\2/p' "$work/parsed.$mode")
    upper=$(sed -nE 's/^Requires:[[:space:]]+wireshark-cli[^ ]* < ([0-9]+):([0-9.]+)$/\2/p' "$work/parsed.$mode")
    # The lower bound is the release built against (X.Y.Z, as in packaging/debian) or X.Y.
    if [[ ($lower == "$mm" || $lower == "$mm".*) && $upper == "$next" ]]; then
        ok "$mode: plugin in plugins/$mm requires wireshark-cli >= E:$lower, < E:$next"
    else
        fail "$mode: plugin in plugins/$mm, but requires wireshark-cli >= '${lower:-?}' < '${upper:-?}'" \
             "(expected ${mm}[.z] and $next, each with an epoch)"
    fi
    if [[ $mode == no-wireshark && $plugin != /usr/lib*/wireshark/plugins/* ]]; then
        fail "no-wireshark: the fallback plugin path '$plugin' is not under %{_libdir}/wireshark"
    fi
    if [[ $mode == host ]] && command -v pkg-config >/dev/null &&
        host_ws=$(pkg-config --modversion wireshark 2>/dev/null); then
        [[ $(cut -d. -f1,2 <<<"$host_ws") == "$mm" ]] ||
            fail "host: pkg-config has Wireshark $host_ws, the parsed spec says $mm"
    fi
done

# --- rpmlint: no errors; each warning justified by a comment in the spec ---------------------
rpmlint "$spec" >"$work/rpmlint" 2>&1
summary=$(grep -E '[0-9]+ errors?, [0-9]+ warnings?' "$work/rpmlint" | tail -1)
errors=$(sed -nE 's/.* ([0-9]+) errors?,.*/\1/p' <<<"$summary")
warnings=$(sed -nE 's/.* ([0-9]+) warnings?.*/\1/p' <<<"$summary")
if [[ -z $errors ]]; then
    fail "rpmlint gave no summary line:"; sed 's/^/    /' "$work/rpmlint"
elif ((errors > 0)); then
    fail "rpmlint: $errors error(s)"; grep -E ': E: ' "$work/rpmlint" | sed 's/^/    /'
else
    ok "rpmlint: 0 errors, $warnings warning(s)"
fi
while read -r check detail; do
    if grep -qE "^#[[:space:]]*rpmlint[[:space:]]+$check:" "$spec"; then
        ok "rpmlint warning $check${detail:+ ($detail)}: justified in the spec"
    else
        fail "rpmlint warning $check${detail:+ ($detail)} is not justified in the spec" \
             "(a comment '# rpmlint $check: <why>' next to the line, or fix it)"
    fi
done < <(sed -nE 's/^[^ ]+: W: ([A-Za-z0-9_.-]+) ?(.*)$/\1 \2/p' "$work/rpmlint")

# The rest reads the spec as parsed on this machine.
p=${parsed[host]:-${parsed[no-wireshark]:-}}
[[ -n $p ]] || { echo "FAIL: the spec does not parse, nothing more to check"; exit 1; }

# --- Version and %changelog against CMakeLists.txt -------------------------------------------
project_version=$(sed -nE 's/^[[:space:]]*project\([[:space:]]*ringdump[[:space:]]+VERSION[[:space:]]+([0-9][0-9.]*).*/\1/p' \
    "$root/CMakeLists.txt" | head -1)
spec_vr=$(rpmspec -q --srpm --define 'dist %{nil}' --qf '%{VERSION} %{RELEASE}\n' "$spec" 2>/dev/null)
read -r spec_version spec_release <<<"$spec_vr"
if [[ -z $project_version ]]; then
    fail "no project(ringdump VERSION x.y.z) in CMakeLists.txt"
elif [[ $spec_version == "$project_version" ]]; then
    ok "Version $spec_version is the project VERSION in CMakeLists.txt"
else
    fail "spec Version '${spec_version:-?}' is not the project VERSION '$project_version' of CMakeLists.txt"
fi
newest=$(rpmspec -q --srpm --qf '[%{CHANGELOGNAME}\n]' "$spec" 2>/dev/null | head -1)
if [[ $newest == *" - $spec_version-$spec_release" ]]; then
    ok "the newest %changelog entry is for $spec_version-$spec_release"
else
    fail "the newest %changelog entry ('$newest') is not for $spec_version-$spec_release"
fi

# --- %doc and %license files exist -----------------------------------------------------------
docs=0
while read -r file; do
    docs=$((docs + 1))
    [[ -e $root/$file ]] || fail "%doc/%license $file is not in the source tree"
done < <(sed -nE 's/^%(doc|license)[[:space:]]+//p' "$p" | tr -s ' \t' '\n' | grep -v '^%' | grep .)
((docs > 0)) && ok "$docs %doc/%license file(s) looked for in the source tree"

# --- Every -DRINGDUMP_* the spec passes exists in the build ----------------------------------
mapfile -t cmake_files < <(find "$root" -path "$root/build*" -prune -o \
    \( -name CMakeLists.txt -o -name '*.cmake' \) -type f -print)
while read -r name; do
    if grep -qE "^[[:space:]]*option\([[:space:]]*$name([[:space:]]|$)" "${cmake_files[@]}" ||
        grep -hE -A3 "^[[:space:]]*set\([[:space:]]*$name([[:space:]]|$)" "${cmake_files[@]}" |
            grep -q CACHE; then
        ok "-D$name is an option of the build"
    else
        fail "the spec passes -D$name, which no CMakeLists.txt declares (option or cache entry)"
    fi
done < <(grep -oE -- '-DRINGDUMP_[A-Z0-9_]+' "$spec" | sed 's/^-D//' | sort -u)

# --- %caps against packaging/capabilities.txt --------------------------------------------------
caps_line=$(grep -E '%caps\(' "$p")
caps_spec=$(sed -nE 's/.*%caps\(([^)]*)\).*/\1/p' <<<"$caps_line")
if [[ $(grep -c '%caps(' "$p") -ne 1 ]]; then
    fail "expected exactly one %caps file (the capture helper), found: $(grep -c '%caps(' "$p")"
fi
if [[ $caps_line != *"/libexec/ringdump/ringdump-capture" ]]; then
    fail "%caps is not on the capture helper: $caps_line"
fi
if [[ $caps_spec != *=p ]]; then
    fail "%caps($caps_spec): expected the capabilities granted =p (permitted; ringdump raises them)"
fi
normalise() { tr ',' '\n' | sed -E 's/[[:space:]]//g' | tr '[:upper:]' '[:lower:]' | grep . | sort -u; }
spec_caps=$(normalise <<<"${caps_spec%%=*}")
header=/usr/include/linux/capability.h
if [[ -f $header ]]; then
    for cap in $spec_caps; do
        grep -qE "^#define[[:space:]]+${cap^^}[[:space:]]" "$header" ||
            fail "%caps: $cap is not a capability $header knows"
    done
fi
if [[ -f $caps_file ]]; then
    file_caps=$(grep -vE '^[[:space:]]*(#|$)' "$caps_file" | sed 's/=.*//' | normalise)
    if [[ -z $file_caps ]]; then
        fail "$caps_file lists no capabilities"
    elif [[ $spec_caps == "$file_caps" ]]; then
        ok "%caps are packaging/capabilities.txt: $(paste -sd, <<<"$spec_caps")"
    else
        fail "%caps ($(paste -sd, <<<"$spec_caps")) are not packaging/capabilities.txt ($(paste -sd, <<<"$file_caps"))"
    fi
else
    echo "note: $caps_file does not exist (yet): %caps ($(paste -sd, <<<"$spec_caps")) not compared"
fi

if ((failures > 0)); then
    echo "rpm_spec: $failures failure(s)"
    exit 1
fi
echo "rpm_spec: all checks passed"
