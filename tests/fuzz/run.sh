#!/bin/sh
# Run each libFuzzer target for a bounded time (make fuzz).
# Usage: sh tests/fuzz/run.sh BUILD_DIR SECONDS TARGET...
#
# Each target starts from a working copy of its seed corpus and regression
# inputs (so the repository is not filled with generated inputs). A crash
# input is copied into tests/fuzz/regress/<target>/, which make check
# replays from then on, and the run fails: fix the bug, keep the input.
# Prints the executions of each target and writes them to
# BUILD_DIR/fuzz/stats.txt.
b=$1
secs=$2
shift 2
status=0
mkdir -p "$b/fuzz"
: >"$b/fuzz/stats.txt"
for t in "$@"; do
    bin="$b/fuzz/fuzz_$t"
    work="$b/fuzz/corpus-$t"
    crashes="$b/fuzz/crashes-$t"
    regress="tests/fuzz/regress/$t"
    log="$b/fuzz/$t.log"
    mkdir -p "$work" "$crashes"
    cp tests/fuzz/corpus/"$t"/* "$work"/ 2>/dev/null
    [ -d "$regress" ] && cp "$regress"/* "$work"/ 2>/dev/null
    dict=""
    [ -f "tests/fuzz/$t.dict" ] && dict="-dict=tests/fuzz/$t.dict"
    echo "== fuzz $t for ${secs}s"
    # shellcheck disable=SC2086 # $dict is empty or one option
    ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
        "$bin" -max_total_time="$secs" -timeout=20 -rss_limit_mb=2048 \
        -max_len=16384 -print_final_stats=1 $dict \
        -artifact_prefix="$crashes/" "$work" >"$log" 2>&1
    rc=$?
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    echo "$t: ${runs:-0} executions in ${secs}s, exit $rc" |
        tee -a "$b/fuzz/stats.txt"
    found=$(ls "$crashes" 2>/dev/null)
    if [ "$rc" -ne 0 ] || [ -n "$found" ]; then
        status=1
        tail -40 "$log"
        mkdir -p "$regress"
        for f in $found; do
            cp "$crashes/$f" "$regress/$f"
            echo "fuzz $t: crash input saved as $regress/$f"
        done
        rm -f "$crashes"/*
    fi
done
exit $status
