#!/bin/sh
# amalgamation.sh - check the single-file library (tools/amalgamate.sh):
#
#   sh tests/amalgamation.sh [build/libcustseg.so.1]
#
#   - custseg.c compiles with nothing but `cc -c` (no -std, -D or -I);
#   - it compiles warning-free with -std=c11 -Wall -Wextra -Wpedantic
#     (file-local names of two lib/ files must not meet);
#   - tests/amalgamation-main.c linked with it and -lpthread -lm runs rfm,
#     decile and a custom strategy, and prints known rows;
#   - when the shared library is given, the same program linked with it
#     prints the same bytes.
# The last line is "amalgamation: N passed, M failed".
#
# SPDX-License-Identifier: MIT

LC_ALL=C
export LC_ALL

root=$(cd "$(dirname "$0")/.." && pwd)
lib=${1:-}
cc=${CC:-cc}
passed=0
failed=0
pass() { passed=$((passed + 1)); echo "ok: $*"; }
fail() { failed=$((failed + 1)); echo "FAIL: $*"; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/amalgamation.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT HUP INT TERM

# step NAME COMMAND...: run it; on failure show its output.
step() {
    name=$1
    shift
    if "$@" >"$tmp/out" 2>&1; then
        pass "$name"
        return 0
    fi
    fail "$name: $*"
    sed 's/^/    /' "$tmp/out" | head -40
    return 1
}

# Only what a vendoring user has: the two files and a compiler.
# A generator bug must not hang make check: bound it where timeout exists.
bound=
command -v timeout >/dev/null 2>&1 && bound="timeout 300"
# shellcheck disable=SC2086 # $bound is a command with an argument, or empty
step "generate" $bound sh "$root/tools/amalgamate.sh" "$tmp/dist" || {
    echo "amalgamation: $passed passed, $failed failed"
    exit 1
}
cd "$tmp" || exit 1
step "plain cc -c custseg.c" "$cc" -c dist/custseg.c -o custseg.o
step "strict C11 compile" "$cc" -std=c11 -Wall -Wextra -Wpedantic -Werror \
    -c dist/custseg.c -o strict.o

if [ -f custseg.o ] &&
    step "link a program" "$cc" -Idist "$root/tests/amalgamation-main.c" \
        custseg.o -o prog -lpthread -lm &&
    step "run it" sh -c './prog >got.txt'; then
    # Hand-checked rows: as_of is 2024-03-04, the day after the last sale.
    missing=
    for want in "c4,2,1,99.99,3,2,3,8," "c3,71,1,5.00,71.000000,old" \
        "1,1,0.166667,250.00,"; do
        grep -qF "$want" got.txt || missing="$missing '$want'"
    done
    if [ -z "$missing" ]; then pass "known rows"; else
        fail "rows missing from the output:$missing"
        sed 's/^/    /' got.txt
    fi
fi

if [ -n "$lib" ] && [ -f "$lib" ] && [ -f got.txt ]; then
    libdir=$(cd "$(dirname "$lib")" && pwd)
    if step "link with the shared library" "$cc" -I"$root/include" \
        "$root/tests/amalgamation-main.c" -o prog-so "$libdir/$(basename \
        "$lib")" -Wl,-rpath,"$libdir" -lpthread -lm &&
        step "run it" sh -c './prog-so >want.txt'; then
        if cmp -s got.txt want.txt; then
            pass "same output as the shared library"
        else
            fail "output differs from the shared library's:"
            diff want.txt got.txt | sed 's/^/    /' | head -20
        fi
    fi
fi

echo "amalgamation: $passed passed, $failed failed"
[ $failed -eq 0 ]
