#!/bin/sh
# Command-line tool tests: exit codes, output schemas with hand-computed
# values, stdin, --output in place, and the load report on stderr.
# Usage: sh tests/cli.sh [path/to/custseg]
CLI=${CLI:-examples/custseg}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }

# expect STATUS DESCRIPTION -- command...
expect() {
    want=$1; what=$2; shift 3
    "$@" >"$tmp/out" 2>"$tmp/err"
    got=$?
    if [ "$got" -eq "$want" ]; then ok; else
        bad "$what: exit $got, expected $want"; cat "$tmp/err"; fi
}

same() { # same FILE EXPECTED-TEXT DESCRIPTION
    printf '%s\n' "$2" > "$tmp/want"
    if cmp -s "$1" "$tmp/want"; then ok; else
        bad "$3"; diff "$tmp/want" "$1" | head -20; fi
}

cat > "$tmp/tx.csv" <<'CSV'
customer,order,time,amount
a,1,2024-01-01,10.00
b,2,2024-01-02,20.00
b,3,2024-01-03,5.50
c,4,2024-01-05,30.00
d,5,2024-01-05,1.00
d,6,2024-01-06,1.00
d,7,2024-01-07,1.00
e,8,2024-01-04,100.125
CSV
MAP=customer=customer,order=order,time=time,amount=amount

# Worked by hand: as_of = 2024-01-08; R = NTILE(5) by recency desc, F by
# frequency, M by monetary, ties by id; codes map to the default segments.
expect 0 "rfm csv" -- "$CLI" rfm --input "$tmp/tx.csv" --map "$MAP" \
    --format csv
same "$tmp/out" "customer_id,recency,frequency,monetary,r,f,m,score,segment
a,7,1,10.00,1,1,2,4,Lost
b,5,2,25.50,2,4,3,9,At Risk
c,3,1,30.00,4,2,4,10,Promising
d,1,3,3.00,5,5,1,11,Potential Loyalist
e,4,1,100.13,3,3,5,11,Loyal Customers" "rfm csv output"
grep -q "8" "$tmp/err" && ok || bad "load report on stderr"

expect 0 "decile csv" -- "$CLI" decile --input "$tmp/tx.csv" --map "$MAP" \
    --format csv --decimals 3
same "$tmp/out" "customer_id,value,decile
a,10.000,4
b,25.500,3
c,30.000,2
d,3.000,5
e,100.125,1" "decile csv output"

# stdin gives the same bytes as a file.
"$CLI" rfm --input - --map "$MAP" --format csv < "$tmp/tx.csv" \
    > "$tmp/stdin.out" 2>/dev/null
"$CLI" rfm --input "$tmp/tx.csv" --map "$MAP" --format csv \
    > "$tmp/file.out" 2>/dev/null
cmp -s "$tmp/stdin.out" "$tmp/file.out" && ok || bad "stdin differs"

# --output writes in place; /dev/null works.
expect 0 "output file" -- "$CLI" rfm --input "$tmp/tx.csv" --map "$MAP" \
    --format csv --output "$tmp/o.csv"
cmp -s "$tmp/o.csv" "$tmp/file.out" && ok || bad "--output content"
expect 0 "output /dev/null" -- "$CLI" rfm --input "$tmp/tx.csv" \
    --map "$MAP" --output /dev/null

# JSON is valid when python3 is there to say so.
expect 0 "json" -- "$CLI" rfm --input "$tmp/tx.csv" --map "$MAP" \
    --format json
if command -v python3 >/dev/null 2>&1; then
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1]));
assert d["customers"] == 5 and len(d["rows"]) == 5
assert d["rows"][4]["segment"] == "Loyal Customers"' "$tmp/out" \
        && ok || bad "json content"
fi
expect 0 "table" -- "$CLI" rfm --input "$tmp/tx.csv" --map "$MAP"
grep -q "Potential Loyalist" "$tmp/out" && ok || bad "table has segments"

# Rejected rows are reported, not fatal.
printf 'customer,order,time,amount\na,1,2024-01-01,1\n,2,2024-01-01,1\nb,3,notadate,1\nc,4,2024-01-02,x\n' \
    > "$tmp/bad.csv"
expect 0 "rejects keep exit 0" -- "$CLI" rfm --input "$tmp/bad.csv" \
    --map "$MAP" --format csv
grep -q "missing customer" "$tmp/err" && ok || bad "report names reason"
grep -q "3" "$tmp/err" && ok || bad "report names line"

# Usage errors exit 2, data errors 1, never a negative status.
expect 0 "help" -- "$CLI" --help
expect 2 "no arguments" -- "$CLI"
expect 2 "unknown command" -- "$CLI" frobnicate --input "$tmp/tx.csv"
expect 2 "missing --input" -- "$CLI" rfm --map "$MAP"
expect 2 "unknown option" -- "$CLI" rfm --input "$tmp/tx.csv" --map "$MAP" \
    --bogus
expect 2 "bad role" -- "$CLI" rfm --input "$tmp/tx.csv" --map who=customer
expect 2 "bins out of range" -- "$CLI" rfm --input "$tmp/tx.csv" \
    --map "$MAP" --bins 11
expect 1 "missing file" -- "$CLI" rfm --input "$tmp/nope.csv" --map "$MAP"
expect 1 "missing column" -- "$CLI" rfm --input "$tmp/tx.csv" \
    --map customer=nope,time=time,amount=amount

echo "cli: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
