#!/bin/sh
# headertest.sh - compile tests/headertest.c, which includes only
# <custseg.h>, in strict modes, so that the public header stays
# self-contained and warning-free as C99, C11 and C++11.
#
#   sh tests/headertest.sh
#
# CC (default cc) and CXX (default: the first of c++, g++, clang++ found)
# choose the compilers; without a C++ compiler the C++ checks are skipped.
# The last line is "headertest: N passed, M failed"; the exit status is 1
# when anything failed.
#
# SPDX-License-Identifier: MIT

LC_ALL=C
export LC_ALL

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 1

passed=0
failed=0

tmp=$(mktemp -d "${TMPDIR:-/tmp}/headertest.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT HUP INT TERM

# check NAME COMMAND...: run the command; a failure or any diagnostic fails.
check() {
    name=$1
    shift
    if "$@" >"$tmp/out" 2>&1 && [ ! -s "$tmp/out" ]; then
        passed=$((passed + 1))
        echo "ok: $name"
    else
        failed=$((failed + 1))
        echo "FAIL: $name: $*"
        sed 's/^/    /' "$tmp/out"
    fi
}

cc=${CC:-cc}
if ! command -v "$cc" >/dev/null 2>&1; then
    echo "headertest: no C compiler ($cc)" >&2
    exit 1
fi

check "C99" \
    "$cc" -std=c99 -pedantic -Werror -Wall -Wextra -Iinclude \
    -c tests/headertest.c -o "$tmp/c99.o"
check "C11, CUSTSEG_STATIC, extra warnings" \
    "$cc" -std=c11 -pedantic -Werror -Wall -Wextra -Wstrict-prototypes \
    -Wmissing-prototypes -Wshadow -DCUSTSEG_STATIC -Iinclude \
    -c tests/headertest.c -o "$tmp/c11.o"

cxx=${CXX:-}
if [ -z "$cxx" ]; then
    for c in c++ g++ clang++; do
        if command -v "$c" >/dev/null 2>&1; then
            cxx=$c
            break
        fi
    done
fi
if [ -n "$cxx" ] && command -v "$cxx" >/dev/null 2>&1; then
    check "C++11 ($cxx)" \
        "$cxx" -x c++ -std=c++11 -Wall -Wextra -pedantic -Werror -Iinclude \
        -c tests/headertest.c -o "$tmp/cxx.o"
    # extern "C": the C++ object must refer to the plain C names.
    if [ -f "$tmp/cxx.o" ] && command -v nm >/dev/null 2>&1; then
        if nm "$tmp/cxx.o" | grep -q ' U custseg_run$'; then
            passed=$((passed + 1))
            echo "ok: C++ uses C linkage"
        else
            failed=$((failed + 1))
            echo "FAIL: C++ object does not reference custseg_run with C" \
                "linkage (extern \"C\" missing?)"
        fi
    fi
else
    echo "no C++ compiler (c++, g++, clang++), C++ check skipped"
fi

echo "headertest: $passed passed, $failed failed"
[ $failed -eq 0 ]
