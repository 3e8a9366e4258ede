#!/bin/sh
# Compare the symbols exported by the shared library with the version script
# lib/libcustseg.map and with the CUSTSEG_API declarations of the header.
lib=${1:-build/libcustseg.so.1}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
nm -D --defined-only "$lib" | awk '$2 ~ /^[TDBR]$/ {print $3}' |
    sed 's/@.*//' | grep -v '^CUSTSEG_' | sort -u > "$tmp/exported"
grep -oE '^[[:space:]]+custseg_[a-z0-9_]+;' lib/libcustseg.map |
    tr -d ' \t;' | sort -u > "$tmp/map"
# Declarations: the name before '(' on CUSTSEG_API lines (possibly wrapped).
awk '/CUSTSEG_API/ {d=$0; while (d !~ /\(/ && (getline l) > 0) d = d l; print d}' \
    include/custseg.h | grep -oE 'custseg_[a-z0-9_]+\(' | tr -d '(' |
    sort -u > "$tmp/header"
status=0
if ! diff -u "$tmp/map" "$tmp/exported" >"$tmp/d1"; then
    echo "symbols: exported symbols differ from lib/libcustseg.map:"
    cat "$tmp/d1"; status=1
fi
if ! diff -u "$tmp/header" "$tmp/map" >"$tmp/d2"; then
    echo "symbols: lib/libcustseg.map differs from include/custseg.h:"
    cat "$tmp/d2"; status=1
fi
n=$(wc -l < "$tmp/exported")
if [ $status -eq 0 ]; then
    echo "symbols: $n exported symbols match map and header"
fi
exit $status
