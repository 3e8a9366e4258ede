#!/bin/sh
# The Python and Ruby bindings' tests, against the shared library given as
# $1 (default build/libcustseg.so.1), which they load through
# CUSTSEG_LIBRARY. Python: Debian's /usr/bin/python3 when it exists (its
# numpy/pandas parts skip when those are absent). Ruby: minitest over the
# ffi gem. Prints "bindings: N passed, M failed" last; a missing
# interpreter or gem counts as a failure (tests/ensure-deps.sh installs
# them for make check).
lib=${1:-build/libcustseg.so.1}
case $lib in /*) ;; *) lib=$(pwd)/$lib ;; esac
export CUSTSEG_LIBRARY="$lib"
root=$(cd "$(dirname "$0")/.." && pwd)
log=$(mktemp)
example=$(mktemp)
trap 'rm -f "$log" "$example"' EXIT
quickstart_line="Potential Loyalist        1 customers  25.0% revenue      74.99"
passed=0
failed=0

if [ ! -f "$lib" ]; then
    echo "bindings: $lib not found"
    echo "bindings: 0 passed, 1 failed"
    exit 1
fi

python=/usr/bin/python3
[ -x "$python" ] || python=$(command -v python3)
echo "== python ($python)"
if [ -n "$python" ]; then
    "$python" "$root/bindings/python/tests/run.py" >"$log" 2>&1
    status=$?
    cat "$log"
    line=$(grep -E '^python: [0-9]+ passed, [0-9]+ failed' "$log" | tail -1)
    p=$(echo "$line" | sed -n 's/^python: \([0-9]*\) passed.*/\1/p')
    f=$(echo "$line" | sed -n 's/.* \([0-9]*\) failed.*/\1/p')
    passed=$((passed + ${p:-0}))
    failed=$((failed + ${f:-0}))
    if [ "$status" -ne 0 ] && [ "${f:-0}" -eq 0 ]; then
        echo "FAILED: python tests exited with status $status"
        failed=$((failed + 1))
    fi
    # The example prints what examples/quickstart prints.
    if "$python" "$root/bindings/python/example.py" >"$example" 2>&1 &&
        grep -qx "$quickstart_line" "$example"; then
        passed=$((passed + 1))
    else
        echo "FAILED: bindings/python/example.py"; cat "$example"
        failed=$((failed + 1))
    fi
    # The custom strategy example prints what examples/custom prints.
    if "$python" "$root/bindings/python/example_custom.py" >"$log" 2>&1 &&
        grep -q "^High value & recent      2   40.0  188.99   36.4" "$log"
    then
        passed=$((passed + 1))
    else
        echo "FAILED: bindings/python/example_custom.py"; cat "$log"
        failed=$((failed + 1))
    fi
else
    echo "FAILED: python3 not found (apt-get install python3)"
    failed=$((failed + 1))
fi

echo "== ruby"
if command -v ruby >/dev/null 2>&1 && ruby -e 'require "ffi"; require "minitest"' \
        >/dev/null 2>&1; then
    ruby "$root/bindings/ruby/test/run.rb" >"$log" 2>&1
    status=$?
    cat "$log"
    # "N runs, A assertions, F failures, E errors, S skips"
    line=$(grep -E '^[0-9]+ runs, ' "$log" | tail -1)
    r=$(echo "$line" | sed -n 's/^\([0-9]*\) runs.*/\1/p')
    f=$(echo "$line" | sed -n 's/.* \([0-9]*\) failures.*/\1/p')
    e=$(echo "$line" | sed -n 's/.* \([0-9]*\) errors.*/\1/p')
    s=$(echo "$line" | sed -n 's/.* \([0-9]*\) skips.*/\1/p')
    r=${r:-0}; f=${f:-0}; e=${e:-0}; s=${s:-0}
    passed=$((passed + r - f - e - s))
    failed=$((failed + f + e))
    if [ "$status" -ne 0 ] && [ $((f + e)) -eq 0 ]; then
        echo "FAILED: ruby tests exited with status $status"
        failed=$((failed + 1))
    fi
    if ruby "$root/bindings/ruby/example.rb" >"$log" 2>&1 &&
        grep -qx "$quickstart_line" "$log" &&
        { [ ! -s "$example" ] || cmp -s "$log" "$example"; }; then
        passed=$((passed + 1))
    else
        echo "FAILED: bindings/ruby/example.rb"; cat "$log"
        failed=$((failed + 1))
    fi
else
    echo "FAILED: ruby with the ffi and minitest gems not found" \
        "(apt-get install ruby ruby-ffi ruby-minitest)"
    failed=$((failed + 1))
fi

echo "bindings: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
