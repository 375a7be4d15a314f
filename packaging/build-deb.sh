#!/bin/bash
# Builds ringdump's Debian packages (ringdump, wireshark-plugin-ringdump) with
# `dpkg-buildpackage -us -uc -b` from a clean copy of the source tree: the files git tracks,
# plus new files not ignored, never a build folder. packaging/debian becomes debian/ there.
#
#   packaging/build-deb.sh [OUTDIR]     (default OUTDIR: build-deb/)
#
# Needs the build dependencies of packaging/debian/control (scripts/bootstrap.sh installs them)
# and runs lintian on the result when it is installed; a lintian error fails the build.
set -euo pipefail

src=$(cd "$(dirname "$0")/.." && pwd)
out=$(realpath -m "${1:-$src/build-deb}")
version=$(dpkg-parsechangelog -l "$src/packaging/debian/changelog" -S Version)
work=$(mktemp -d /tmp/ringdump-deb.XXXXXX)
trap 'rm -rf "$work"' EXIT

tree=$work/ringdump-$version
mkdir -p "$tree" "$out"
(cd "$src" && git ls-files -z --cached --others --exclude-standard |
    xargs -0 -I{} sh -c 'test -e "{}" && printf "%s\0" "{}"' |
    tar --null -T - -cf -) | tar -xf - -C "$tree"
rm -rf "$tree/debian"
cp -r "$src/packaging/debian" "$tree/debian"

echo "build-deb: building ringdump $version in $tree" >&2
(cd "$tree" && dpkg-buildpackage -us -uc -b) >"$work/build.log" 2>&1 || {
    tail -n 60 "$work/build.log" >&2
    echo "build-deb: dpkg-buildpackage failed (log above)" >&2
    exit 1
}
rm -f "$out"/*.deb "$out"/*.changes "$out"/*.buildinfo
mv "$work"/*.deb "$work"/*.changes "$work"/*.buildinfo "$out"/
cp "$work/build.log" "$out/build.log"

if command -v lintian >/dev/null; then
    # Tags we accept are overridden, with the reason, in packaging/debian/*.lintian-overrides.
    lintian --fail-on error,warning --info --display-info "$out"/*.changes | tee "$out/lintian.txt" >&2
fi
ls -1 "$out"/*.deb
