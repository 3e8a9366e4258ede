#!/bin/sh
# Run every Check suite given as an argument, then the build checks
# (exported symbols, man pages, public header). Prints one summary line
# "N passed, N failed" and exits non-zero when anything failed.
#   CUSTSEG_TEST_WRAPPER  command put before each suite (e.g. valgrind ...)
#   CUSTSEG_SUITES_ONLY=1 skip the build checks (sanitizer builds have no
#                         shared library or command-line tool of their own)
B=${B:-build}
# Check's default 4 s per test is too tight on a loaded 2-core machine;
# these are correctness tests, not timings.
export CK_DEFAULT_TIMEOUT=${CK_DEFAULT_TIMEOUT:-120}
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
    t0=$(date +%s)
    # shellcheck disable=SC2086 # the wrapper is a command with options
    if $CUSTSEG_TEST_WRAPPER "$t" >"$log" 2>&1; then
        status=0
    else
        status=$?
    fi
    cat "$log"
    echo "-- $t: $(($(date +%s) - t0)) s" # for the CI time budget
    before=$failed
    count_check
    # A non-zero exit that Check did not count (no summary, or an error
    # found by a wrapper such as valgrind after the tests) is a failure.
    if [ "$status" -ne 0 ] && [ "$failed" -eq "$before" ]; then
        echo "FAILED: $t exited with status $status"
        failed=$((failed + 1))
    fi
done

for s in symbols manpages headertest cli amalgamation abi bindings; do
    [ -f "tests/$s.sh" ] && [ "${CUSTSEG_SUITES_ONLY:-0}" != 1 ] || continue
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
