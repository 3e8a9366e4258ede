#!/bin/sh
# abi.sh - compare the ABI of the shared library with the committed
# baseline abi/libcustseg.abi, using abidw and abidiff (libabigail, Debian
# package abigail-tools).
#
#   sh tests/abi.sh build/libcustseg.so.1            check
#   sh tests/abi.sh --update build/libcustseg.so.1   rewrite the baseline
#                                                    (make abi-baseline)
#
# Both sides are written by abidw with the same options: only the types of
# include/ (private structs stay opaque), only exported interfaces, and no
# paths or line numbers, so the baseline does not depend on where or how
# the tree was built. The library must carry debug information (-g, which
# the default CFLAGS have); without it the check is skipped.
#
# abidiff's exit status is a bit field: 1 error, 2 usage error, 4 the ABIs
# differ, 8 an incompatible change (a removed symbol). The check passes
# when nothing changed or when the only changes are added functions and
# variables; it fails on anything else, including a changed type of an
# existing interface, which abidiff reports with status 4 alone. The SONAME
# policy (README.md, custseg(7)) says what to do then.
# The last line is "abi: ..."; the exit status is 0 when the check passed.
#
# SPDX-License-Identifier: MIT

LC_ALL=C
export LC_ALL

update=0
if [ "${1:-}" = --update ]; then
    update=1
    shift
fi
root=$(cd "$(dirname "$0")/.." && pwd)
lib=${1:-$root/build/libcustseg.so.1}
baseline=$root/abi/libcustseg.abi

for t in abidw abidiff readelf; do
    if ! command -v $t >/dev/null 2>&1; then
        echo "abi: $t not found (apt-get install abigail-tools binutils)"
        exit 1
    fi
done
if [ ! -f "$lib" ]; then
    echo "abi: $lib: no such file"
    exit 1
fi
if ! readelf -S "$lib" | grep -q '\.debug_info'; then
    echo "abi: $lib has no debug information (build with -g): skipped"
    [ $update -eq 0 ] && exit 0
    exit 1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/abi.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT HUP INT TERM

# abidw runs from the root so that relative names stay relative.
dump() {
    (cd "$root" && abidw --no-corpus-path --no-comp-dir-path --no-show-locs \
        --headers-dir include --drop-private-types \
        --exported-interfaces-only --out-file "$2" "$1")
}

case $lib in /*) ;; *) lib=$(pwd)/$lib ;; esac
if ! dump "$lib" "$tmp/current.abi"; then
    echo "abi: abidw failed on $lib"
    exit 1
fi
if [ $update -eq 1 ]; then
    mkdir -p "$root/abi" && cp "$tmp/current.abi" "$baseline" || exit 1
    echo "abi: wrote abi/libcustseg.abi from $lib; review and commit it"
    exit 0
fi
if [ ! -f "$baseline" ]; then
    echo "abi: no baseline abi/libcustseg.abi (make abi-baseline)"
    exit 1
fi

# The baseline describes one platform ABI (x86-64 Linux); elsewhere type
# sizes differ and a comparison would mean nothing.
arch() {
    sed -n "s/.*<abi-corpus [^>]*architecture='\([^']*\)'.*/\1/p" "$1"
}
if [ "$(arch "$baseline")" != "$(arch "$tmp/current.abi")" ]; then
    echo "abi: baseline is for $(arch "$baseline"), this library for" \
        "$(arch "$tmp/current.abi"): skipped"
    exit 0
fi

abidiff "$baseline" "$tmp/current.abi" >"$tmp/report" 2>&1
status=$?
cat "$tmp/report"
# "Functions changes summary: R Removed, C Changed ..., A Added ..." and
# the same for variables and for symbols without debug information.
counts='s/.*changes summary: \([0-9]*\) Removed, \([0-9]*\) Changed.*/\1 \2/p'
symbols='s/.*symbols changes summary: \([0-9]*\) Removed.*/\1/p'
changed=$(sed -n -e "$counts" -e "$symbols" "$tmp/report" |
    tr ' ' '\n' | awk '{ s += $1 } END { print s + 0 }')
if [ $((status & 3)) -ne 0 ]; then
    echo "abi: abidiff failed (status $status)"
    exit 1
fi
if [ $((status & 8)) -ne 0 ] || [ "$changed" -ne 0 ]; then
    echo "abi: INCOMPATIBLE with abi/libcustseg.abi (abidiff status" \
        "$status). Restore the interface, or follow the SONAME policy in" \
        "README.md and run make abi-baseline."
    exit 1
fi
if [ $status -eq 0 ]; then
    echo "abi: same ABI as abi/libcustseg.abi"
else
    echo "abi: compatible with abi/libcustseg.abi (additions only)"
fi
exit 0
