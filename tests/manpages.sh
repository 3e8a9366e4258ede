#!/bin/sh
# manpages.sh - check the man pages against the library and the header.
#
#   sh tests/manpages.sh build/libcustseg.so.1.0.0
#
# For every function the shared library exports (nm -D --defined-only,
# names starting custseg_):
#   - man/man3/<name>.3 exists (a page, or a ".so man3/<page>.3" link);
#   - the page it resolves to names the function in NAME;
#   - its SYNOPSIS holds the prototype of include/custseg.h (spaces aside).
# For every page:
#   - a .so link points to an existing page;
#   - man3 pages have the sections STYLE.md asks for;
#   - mandoc -T lint -W warning is clean (when mandoc is installed);
#   - the C program in EXAMPLE compiles against include/custseg.h (when a
#     C compiler is installed; set CC to choose one).
# The last line is "manpages: N passed, M failed"; the exit status is 1
# when anything failed, 2 on a usage error.
#
# SPDX-License-Identifier: MIT

LC_ALL=C
export LC_ALL

if [ $# -ne 1 ] || [ ! -f "$1" ]; then
    echo "usage: sh tests/manpages.sh path/to/libcustseg.so" >&2
    [ $# -eq 1 ] && echo "manpages: $1: no such file" >&2
    exit 2
fi
lib=$1
root=$(cd "$(dirname "$0")/.." && pwd)
man=$root/man
header=$root/include/custseg.h

passed=0
failed=0
pass() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "FAIL: $*"; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/manpages.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT HUP INT TERM

# ------------------------------------------------------------ helpers

# The page a man3 file stands for: itself, or the target of its .so line.
resolve() {
    sed -n '1s/^\.so[ 	][ 	]*\(.*[^ 	]\)[ 	]*$/\1/p' "$1"
}

# Lines of section $2 of page $1, without the .SH line.
section() {
    awk -v want="$2" '
        /^\.SH/ { sub(/^\.SH[ \t]+/, ""); gsub(/"/, ""); cur = $0; next }
        cur == want { print }' "$1"
}

# Plain text of roff source on stdin: macros, fonts and escapes removed.
unroff() {
    sed -e 's/^\.[A-Za-z][A-Za-z]*[ 	]*//' -e 's/"//g' \
        -e 's/\\f[BIRP]//g' -e 's/\\c//g' -e 's/\\-/-/g' \
        -e 's/\\(aq/'"'"'/g' -e 's/\\(dq/"/g' -e 's/\\&//g' \
        -e 's/\\e/\\/g'
}

# C source of the first .EX block of section EXAMPLE, escapes undone.
example() {
    section "$1" EXAMPLE | awk '/^\.EE/ { if (on) exit } on { print }
                                /^\.EX/ { on = 1 }' |
        sed -e 's/\\-/-/g' -e 's/\\(aq/'"'"'/g' -e 's/\\(dq/"/g' \
            -e 's/\\&//g' -e 's/\\e/\\/g'
}

# ------------------------------------------------- exported functions

if ! command -v nm >/dev/null 2>&1; then
    echo "manpages: nm not found" >&2
    exit 2
fi
nm -D --defined-only "$lib" 2>"$tmp/nm.err" |
    awk '$2 ~ /^[TWi]$/ && $3 ~ /^custseg_/ { sub(/@.*/, "", $3); print $3 }' |
    sort -u >"$tmp/symbols"
if [ ! -s "$tmp/symbols" ]; then
    cat "$tmp/nm.err" >&2
    echo "manpages: $lib exports no custseg_ function" >&2
    exit 2
fi

# Header prototypes, one per line as "name<TAB>text without spaces".
if [ -f "$header" ]; then
    awk '/^CUSTSEG_API/ { on = 1; buf = "" }
         on {
             buf = buf " " $0
             if (!index($0, ";"))
                 next
             on = 0
             sub(/^ *CUSTSEG_API/, "", buf)
             if (!match(buf, /custseg_[A-Za-z0-9_]*[ \t]*\(/))
                 next
             name = substr(buf, RSTART, RLENGTH)
             sub(/[ \t]*\($/, "", name)
             gsub(/[ \t]/, "", buf)
             print name "\t" buf
         }' "$header" >"$tmp/protos"
else
    echo "note: $header not found, SYNOPSIS check skipped"
    : >"$tmp/protos"
fi

while read -r name; do
    page=$man/man3/$name.3
    if [ ! -f "$page" ]; then
        fail "$name: no man page man/man3/$name.3"
        continue
    fi
    target=$(resolve "$page")
    [ -n "$target" ] && page=$man/$target
    if [ ! -f "$page" ]; then
        fail "$name: man/man3/$name.3 links to missing $target"
        continue
    fi
    if section "$page" NAME | unroff | tr ',' ' ' |
        awk '{ for (i = 1; i <= NF; i++) print $i }' | grep -qx "$name"; then
        pass
    else
        fail "$name: not listed in NAME of ${page#"$root"/}"
    fi
    proto=$(awk -F '	' -v n="$name" '$1 == n { print $2; exit }' \
        "$tmp/protos")
    if [ -n "$proto" ]; then
        synopsis=$(section "$page" SYNOPSIS | unroff | tr -d ' \t\n')
        case $synopsis in
        *"$proto"*) pass ;;
        *) fail "$name: SYNOPSIS of ${page#"$root"/} does not match" \
                "the header: $proto" ;;
        esac
    elif [ -s "$tmp/protos" ]; then
        fail "$name: exported but not declared in include/custseg.h"
    fi
done <"$tmp/symbols"

# ------------------------------------------------------------ pages

if command -v mandoc >/dev/null 2>&1; then
    have_mandoc=1
else
    have_mandoc=0
    echo "mandoc not installed, lint skipped"
fi
cc=${CC:-cc}
if command -v "$cc" >/dev/null 2>&1 && [ -f "$header" ]; then
    have_cc=1
else
    have_cc=0
    echo "no C compiler ($cc), EXAMPLE compile check skipped"
fi

required="NAME LIBRARY SYNOPSIS DESCRIPTION RETURN_VALUE ERRORS"
required="$required THREAD_SAFETY EXAMPLE HISTORY SEE_ALSO"

for page in "$man"/man1/*.1 "$man"/man3/*.3 "$man"/man7/*.7; do
    [ -f "$page" ] || continue
    rel=${page#"$man"/}
    target=$(resolve "$page")
    if [ -n "$target" ]; then
        if [ -f "$man/$target" ] && [ -z "$(resolve "$man/$target")" ]; then
            pass
        else
            fail "$rel: .so target $target is missing or itself a link"
        fi
        continue
    fi
    case $rel in
    man3/*)
        missing=
        for s in $required; do
            heading=$(echo "$s" | tr _ ' ')
            grep -q "^\.SH \"*$heading\"*\$" "$page" || missing="$missing $s"
        done
        if [ -z "$missing" ]; then pass; else
            fail "$rel: missing section(s):$missing"
        fi
        ;;
    esac
    if [ $have_mandoc = 1 ]; then
        if (cd "$man" && mandoc -T lint -W warning "$rel") \
            >"$tmp/lint" 2>&1 && [ ! -s "$tmp/lint" ]; then
            pass
        else
            fail "$rel: mandoc -T lint -W warning:"
            sed 's/^/    /' "$tmp/lint"
        fi
    fi
    case $rel in man1/*) continue ;; esac
    if [ $have_cc = 1 ]; then
        example "$page" >"$tmp/example.c"
        if [ -s "$tmp/example.c" ] && grep -q 'custseg\.h' "$tmp/example.c"
        then
            if $cc -std=c11 -pedantic -Wall -Wextra -Werror \
                -I"$root/include" -c "$tmp/example.c" -o "$tmp/example.o" \
                >"$tmp/cc" 2>&1; then
                pass
            else
                fail "$rel: EXAMPLE does not compile:"
                sed 's/^/    /' "$tmp/cc"
            fi
        fi
    fi
done

echo "manpages: $passed passed, $failed failed"
[ $failed -eq 0 ]
