#!/bin/sh
# Run every Check suite given as an argument, then the build checks
# (exported symbols, man pages, public header). Prints one summary line
# "N passed, N failed" and exits non-zero when anything failed.
B=${B:-build}
passed=0
failed=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT

count_check() {
    # Check prints "NN%: Checks: C, Failures: F, Errors: E".
    line=$(grep -E '^[0-9]+%: Checks: ' "$log" | tail -1)
    c=$(echo "$line" | sed -n 's/.*Checks: \([0-9]*\).*/\1/p')
    f=$(echo "$line" | sed -n 's/.*Failures: \([0-9]*\).*/\1/p')
    e=$(echo "$line" | sed -n 's/.*Errors: \([0-9]*\).*/\1/p')
    c=${c:-0}; f=${f:-0}; e=${e:-0}
    passed=$((passed + c - f - e))
    failed=$((failed + f + e))
}

for t in "$@"; do
    echo "== $t"
    if "$t" >"$log" 2>&1; then status=0; else status=$?; fi
    cat "$log"
    count_check
    if [ "$status" -ne 0 ] && ! grep -qE '^[0-9]+%: Checks: ' "$log"; then
        echo "FAILED: $t exited with status $status"
        failed=$((failed + 1))
    fi
done

for s in symbols manpages headertest cli; do
    [ -f "tests/$s.sh" ] || continue
    echo "== tests/$s.sh"
    if sh "tests/$s.sh" "$B/libcustseg.so.1" >"$log" 2>&1; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        echo "FAILED: tests/$s.sh"
    fi
    cat "$log"
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
