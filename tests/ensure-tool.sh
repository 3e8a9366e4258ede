#!/bin/sh
# Make sure a tool that a reliability target needs is present, in the style
# of tests/ensure-deps.sh: as root on Debian/Ubuntu the missing packages
# are installed with apt-get; otherwise print the exact command and fail.
#
# Usage: sh tests/ensure-tool.sh asan|tsan|fuzz|valgrind [CC]
# The compiler checks link a tiny program, because clang can be installed
# without the sanitizer runtimes (libclang-rt-14-dev) it needs to link.
tool=$1
cc=${2:-clang}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

links() {
    cat >"$tmp/t.c" <<'EOF'
#include <stddef.h>
#include <stdint.h>
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
    return (int)(n > 0 && d[0] == 0);
}
#ifndef FUZZ
int main(void) { return LLVMFuzzerTestOneInput(NULL, 0); }
#endif
EOF
    "$cc" "$@" "$tmp/t.c" -o "$tmp/t" >/dev/null 2>&1
}

case $tool in
asan)
    links -fsanitize=address,undefined && exit 0
    pkgs="clang libclang-rt-14-dev" ;;
tsan)
    links -fsanitize=thread && exit 0
    pkgs="clang libclang-rt-14-dev" ;;
fuzz)
    links -DFUZZ -fsanitize=fuzzer,address,undefined && exit 0
    pkgs="clang libclang-rt-14-dev libfuzzer-14-dev" ;;
valgrind)
    command -v valgrind >/dev/null 2>&1 && exit 0
    pkgs="valgrind" ;;
*)
    echo "usage: sh tests/ensure-tool.sh asan|tsan|fuzz|valgrind [CC]" >&2
    exit 2 ;;
esac

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing for $tool: $pkgs"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -qq $pkgs >/dev/null || exit 1
    [ "$tool" = valgrind ] && exit 0
    [ "$tool" = fuzz ] && set -- -DFUZZ -fsanitize=fuzzer,address,undefined
    [ "$tool" = asan ] && set -- -fsanitize=address,undefined
    [ "$tool" = tsan ] && set -- -fsanitize=thread
    links "$@" && exit 0
    echo "$cc still cannot link with $*" >&2
    exit 1
fi
echo "the $tool target needs: $pkgs" >&2
echo "run: sudo apt-get install -y $pkgs" >&2
exit 1
