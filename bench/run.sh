#!/bin/sh
# bench/run.sh - `make bench`: libcustseg against sqlite3 and DuckDB.
#
# Generates (once, then reuses) a deterministic CSV of BENCH_TX
# transactions of BENCH_CUSTOMERS customers with bench/gendata, then runs
# bench/bench, which times the library, the custseg CLI and each peer
# doing the same job, and prints one table.
#
# Environment (defaults in brackets):
#   BENCH_TX [10000000]  BENCH_CUSTOMERS [1000000]  BENCH_SEED [42]
#   BENCH_RUNS [3]       best of N runs for the library steps (a first
#                        run may also pay for memory new to the process)
#   BENCH_DIR [$TMPDIR/custseg-bench]  data, outputs, log, node packages
#   BENCH_NO_DUCKDB      set to skip the DuckDB peer (no npm install)
#   B [build]            build directory of the shared library that the
#                        Python binding benchmark loads
#
# A missing sqlite3, node or npm, or a failed npm install, skips that peer
# with a message; only a failure of custseg itself fails the benchmark.
set -u

ROOT=$(cd "$(dirname "$0")/.." && pwd)
TX=${BENCH_TX:-10000000}
CUSTOMERS=${BENCH_CUSTOMERS:-1000000}
SEED=${BENCH_SEED:-42}
RUNS=${BENCH_RUNS:-3}
WORK=${BENCH_DIR:-${TMPDIR:-/tmp}/custseg-bench}
DATA=$WORK/tx-$CUSTOMERS-$TX-$SEED.csv
LOG=$WORK/bench.log

mkdir -p "$WORK" || exit 1
: > "$LOG" || exit 1
rm -f "$WORK/custseg-rfm.csv" "$WORK/sqlite-rfm.csv" "$WORK/duckdb-rfm.csv"

# The data depends only on the arguments and gendata itself, so it is made
# again only when missing or older than gendata.
if [ ! -s "$DATA" ] ||
    [ -n "$(find "$ROOT/bench/gendata" -newer "$DATA")" ]; then
    echo "bench: generating $TX transactions of $CUSTOMERS customers"
    "$ROOT/bench/gendata" --customers "$CUSTOMERS" --transactions "$TX" \
        --seed "$SEED" --output "$DATA.part" &&
        mv "$DATA.part" "$DATA" || exit 1
    sync # so that write-back does not slow down the first timings
fi

# fill TEMPLATE OUTPUT_CSV SCRIPT: a peer's script with the paths filled in.
fill() {
    sed -e "s|@INPUT@|$DATA|g" -e "s|@OUTPUT@|$2|g" "$1" > "$3"
}

set -- --input "$DATA" --cli "$ROOT/examples/custseg" --work "$WORK" \
    --runs "$RUNS"

if command -v sqlite3 > /dev/null 2>&1; then
    fill "$ROOT/bench/rfm-sqlite.sql" "$WORK/sqlite-rfm.csv" \
        "$WORK/rfm-sqlite.sql"
    version=$(sqlite3 --version | cut -d' ' -f1)
    set -- "$@" --peer \
        "sqlite3 $version=sqlite3 :memory: < '$WORK/rfm-sqlite.sql'"
else
    set -- "$@" --skip "sqlite3=sqlite3 not found (apt-get install sqlite3)"
fi

# DuckDB through its Node.js client, installed under $WORK, never into the
# source tree. Prints the reason on stdout when it cannot be used.
duckdb_unavailable() {
    pkg=$WORK/node/node_modules/@duckdb/node-api
    if [ -n "${BENCH_NO_DUCKDB:-}" ]; then
        echo "BENCH_NO_DUCKDB is set"
    elif ! command -v node > /dev/null 2>&1; then
        echo "node not found"
    elif [ -d "$pkg" ]; then
        return 0
    elif ! command -v npm > /dev/null 2>&1; then
        echo "npm not found"
    elif ! npm install --prefix "$WORK/node" --no-audit --no-fund \
            --loglevel=error @duckdb/node-api >> "$LOG" 2>&1; then
        echo "npm install @duckdb/node-api failed (see $LOG)"
    fi
}

reason=$(duckdb_unavailable)
if [ -z "$reason" ]; then
    fill "$ROOT/bench/rfm-duckdb.sql" "$WORK/duckdb-rfm.csv" \
        "$WORK/rfm-duckdb.sql"
    version=$(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' \
        "$WORK/node/node_modules/@duckdb/node-api/package.json" | head -n 1)
    set -- "$@" --peer "duckdb $version=NODE_PATH='$WORK/node/node_modules'\
 node '$ROOT/bench/duckdb.js' '$WORK/rfm-duckdb.sql'"
else
    set -- "$@" --skip "duckdb=$reason"
fi

"$ROOT/bench/bench" "$@"
status=$?

# The peers must compute what custseg computes: compare the per-customer
# columns they share (id, recency, frequency, monetary, r, f, m, segment).
normalize() {
    tr -d '\r"' < "$1" |
        awk -F, '{ print $1 "," $2 "," $3 "," $4 "," $5 "," $6 "," $7 \
                   "," $9 }' > "$2"
}

ours=$WORK/custseg-rfm.csv
if [ "$status" -eq 0 ] && [ -s "$ours" ]; then
    normalize "$ours" "$WORK/custseg.cmp"
    for peer in sqlite duckdb; do
        theirs=$WORK/$peer-rfm.csv
        [ -s "$theirs" ] || continue
        normalize "$theirs" "$WORK/$peer.cmp"
        if cmp -s "$WORK/custseg.cmp" "$WORK/$peer.cmp"; then
            echo "check: $peer output agrees with custseg on every customer"
        else
            echo "check: $peer output DIFFERS from custseg:" \
                "diff $WORK/custseg.cmp $WORK/$peer.cmp"
        fi
    done
fi

# The Python binding's bulk build from numpy arrays against the same bulk
# call from C (bench/bench_python.py; skipped without python3 or numpy).
python=/usr/bin/python3
[ -x "$python" ] || python=$(command -v python3 || true)
if [ -n "$python" ]; then
    echo
    CUSTSEG_LIBRARY=${CUSTSEG_LIBRARY:-$ROOT/${B:-build}/libcustseg.so.1} \
        BENCH_TX=$TX BENCH_CUSTOMERS=$CUSTOMERS BENCH_RUNS=$RUNS \
        "$python" "$ROOT/bench/bench_python.py" || status=1
else
    echo "bench_python: skipped: python3 not found"
fi
exit "$status"
