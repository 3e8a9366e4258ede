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

# value: T = 168.625; by value desc the share before each customer is
# e 0%, c 59.4%, b 77.2% (A, the one crossing 80%), a 92.3% (B), d 98.2%.
expect 0 "value csv" -- "$CLI" value --input "$tmp/tx.csv" --map "$MAP" \
    --format csv
same "$tmp/out" "customer_id,recency,frequency,monetary,value,score,segment
a,7,1,10.00,10.00,10.000000,B
b,5,2,25.50,25.50,25.500000,A
c,3,1,30.00,30.00,30.000000,A
d,1,3,3.00,3.00,3.000000,C
e,4,1,100.13,100.13,100.125000,A" "value csv output"
expect 0 "value tiers" -- "$CLI" value --input "$tmp/tx.csv" --map "$MAP" \
    --format csv --thresholds 0.5 --tiers top,rest
grep -q "^c,.*,rest$" "$tmp/out" && ok || bad "value custom tiers"

# lifecycle, fixed limits: first purchases 6..7 days ago are not new
# with --new-days 2; recency 1..3 active, 4..5 at risk, 6 dormant, 7 lost.
expect 0 "lifecycle csv" -- "$CLI" lifecycle --input "$tmp/tx.csv" \
    --map "$MAP" --format csv --new-days 2 --active-days 3 \
    --at-risk-days 5 --dormant-days 6
same "$tmp/out" "customer_id,recency,frequency,monetary,score,segment
a,7,1,10.00,10.000000,lost
b,5,2,25.50,25.500000,at risk
c,3,1,30.00,30.000000,active
d,1,3,3.00,3.000000,active
e,4,1,100.13,100.125000,at risk" "lifecycle csv output"
# gap mode: every gap is one day, so limits are 1, 2 and 4 days.
expect 0 "lifecycle gap" -- "$CLI" lifecycle --input "$tmp/tx.csv" \
    --map "$MAP" --format csv --new-days 0 --mode gap
same "$tmp/out" "customer_id,recency,frequency,monetary,score,segment
a,7,1,10.00,10.000000,lost
b,5,2,25.50,25.500000,lost
c,3,1,30.00,30.000000,dormant
d,1,3,3.00,3.000000,active
e,4,1,100.13,100.125000,dormant" "lifecycle gap output"

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
expect 2 "bad thresholds" -- "$CLI" value --input "$tmp/tx.csv" \
    --map "$MAP" --thresholds 0.9,0.8
expect 2 "option of another strategy" -- "$CLI" rfm --input "$tmp/tx.csv" \
    --map "$MAP" --tiers A,B
expect 2 "bad mode" -- "$CLI" lifecycle --input "$tmp/tx.csv" \
    --map "$MAP" --mode sometimes
expect 2 "days not a number" -- "$CLI" lifecycle --input "$tmp/tx.csv" \
    --map "$MAP" --new-days soon
expect 1 "limits out of order" -- "$CLI" lifecycle \
    --input "$tmp/tx.csv" --map "$MAP" --active-days 500
expect 1 "missing file" -- "$CLI" rfm --input "$tmp/nope.csv" --map "$MAP"
expect 1 "missing column" -- "$CLI" rfm --input "$tmp/tx.csv" \
    --map customer=nope,time=time,amount=amount

# prior: rules over attributes (a customers file), behaviour and events;
# z is a prospect known only from the customers and events files.
cat > "$tmp/rules.txt" <<'RULES'
# first match wins
Frequent: frequency >= 2 and tier = "gold"
Big: monetary > 50
Recent: recency <= 3
Visited: days_since("visit") <= 2
RULES
printf 'id,tier\nb,gold\nd,silver\nz,gold\n' > "$tmp/crm.csv"
printf 'who,ev,ts\nz,visit,2024-01-07 10:00:00\n' > "$tmp/ev.csv"
expect 0 "prior rules" -- "$CLI" prior --input "$tmp/tx.csv" --map "$MAP" \
    --rules "$tmp/rules.txt" --customers "$tmp/crm.csv" \
    --customers-map id=id,tier=tier --events "$tmp/ev.csv" \
    --events-map customer=who,name=ev,time=ts --default-segment Rest \
    --format csv
same "$tmp/out" "customer_id,recency,frequency,monetary,score,segment
a,7,1,10.00,10.000000,Rest
b,5,2,25.50,25.500000,Frequent
c,3,1,30.00,30.000000,Recent
d,1,3,3.00,3.000000,Recent
e,4,1,100.13,100.125000,Big
z,-1,0,0.00,0.000000,Visited" "prior rules output"
expect 0 "prior group-by" -- "$CLI" prior --input "$tmp/tx.csv" \
    --map "$MAP" --customers "$tmp/crm.csv" --customers-map id=id,tier=tier \
    --group-by tier --format csv
cut -d, -f1,6 "$tmp/out" > "$tmp/cut"
same "$tmp/cut" "customer_id,segment
a,Other
b,gold
c,Other
d,silver
e,Other
z,gold" "prior group-by output"
cat > "$tmp/flat.csv" <<'CSV'
customer,order,time,amount,country
a,1,2024-01-01,10.00,UK
a,2,2024-01-03,5.00,DE
b,3,2024-01-02,20.00,FR
CSV
expect 0 "prior --attr" -- "$CLI" prior --input "$tmp/flat.csv" \
    --map "$MAP" --attr country=country --group-by country --format csv
cut -d, -f1,6 "$tmp/out" > "$tmp/cut"
same "$tmp/cut" "customer_id,segment
a,DE
b,FR" "prior --attr output"
expect 2 "prior without rules" -- "$CLI" prior --input "$tmp/tx.csv" \
    --map "$MAP"
expect 2 "customers without map" -- "$CLI" prior --input "$tmp/tx.csv" \
    --map "$MAP" --group-by tier --customers "$tmp/crm.csv"
printf 'Ok: recency > 1\nBad: recency >\n' > "$tmp/bad.rules"
expect 1 "bad rule" -- "$CLI" prior --input "$tmp/tx.csv" --map "$MAP" \
    --rules "$tmp/bad.rules"
grep -q "bad.rules:2:15: rule \"Bad\": expected" "$tmp/err" && ok ||
    bad "bad rule message: $(cat "$tmp/err")"
expect 1 "unknown name" -- "$CLI" prior --input "$tmp/tx.csv" \
    --map "$MAP" --rules "$tmp/rules.txt"
grep -q "unknown name 'tier'" "$tmp/err" && ok || bad "unknown name message"

echo "cli: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
