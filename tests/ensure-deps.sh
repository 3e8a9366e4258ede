#!/bin/sh
# Make sure the test dependencies (Check, pkg-config, abigail-tools) are
# present. As root on Debian/Ubuntu they are installed with apt-get;
# otherwise print the exact command to run and fail.
missing=""
command -v pkg-config >/dev/null 2>&1 || missing="$missing pkg-config"
if ! pkg-config --exists check 2>/dev/null; then
    missing="$missing check"
fi
# abidw and abidiff, for the ABI check against abi/libcustseg.abi.
command -v abidiff >/dev/null 2>&1 || missing="$missing abigail-tools"
# The Python and Ruby bindings' tests (tests/bindings.sh): Debian's python3,
# ruby with the ffi gem and minitest.
[ -x /usr/bin/python3 ] || command -v python3 >/dev/null 2>&1 ||
    missing="$missing python3"
command -v ruby >/dev/null 2>&1 || missing="$missing ruby"
ruby -e 'require "ffi"' >/dev/null 2>&1 || missing="$missing ruby-ffi"
ruby -e 'require "minitest"' >/dev/null 2>&1 ||
    missing="$missing ruby-minitest"
[ -z "$missing" ] && exit 0
pkgs=$(echo "$missing" | sed 's/^ //')
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing test dependencies: $pkgs"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -qq $pkgs >/dev/null || exit 1
    exit 0
fi
echo "make check needs: $pkgs" >&2
echo "run: sudo apt-get install -y $pkgs" >&2
exit 1
