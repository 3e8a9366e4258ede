/*
 * gendata - deterministic synthetic transactions for demos and benchmarks.
 *
 *   gendata --customers N --transactions M [--seed S] [--output FILE|-]
 *
 * Writes M order lines of N customers as CSV with the header
 * customer_id,order_id,order_time,amount,quantity,unit_price. The data is
 * shaped like a web shop's order export:
 *   - activity is skewed: customers are ranked in random order and get
 *     lines in proportion to 1 / (rank + 50), a Zipf-like tail, on top of
 *     one order each (every customer has at least one line);
 *   - orders have 1..10 lines sharing order id and time;
 *   - each customer is active from a random first day to a random last
 *     day within two years (2022-2023), so recency varies;
 *   - about 5% of orders (never a customer's first) are returns of one
 *     or two single items: order id prefixed "C", quantity -1, negative
 *     amount (a few percent of the lines);
 *   - amount = quantity x unit_price exactly, with 2 decimals;
 *   - rows are in time order and order ids grow with time, as invoices do.
 *
 * Output is byte-identical on every platform and run: the PRNG is
 * splitmix64 and only integer arithmetic decides what is written. It does
 * not use libcustseg, so benchmarks do not depend on the code under test.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EPOCH_2022 1640995200LL     /* 2022-01-01 00:00:00 UTC */
#define SPAN_SECONDS (730LL * 86400) /* two years */
#define PRODUCTS 4096
#define RETURN_PER_MILLE 50
#define OUTBUF (1 << 20)

/* ------------------------------------------------------------------ */
/* PRNG: splitmix64, fully specified, so every platform agrees.        */
/* ------------------------------------------------------------------ */

static uint64_t next_u64(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15u);

    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    return z ^ (z >> 31);
}

/* Uniform in [0, n) by multiply-shift: bias below 2^-32 is harmless
 * here, and unlike rejection it draws a fixed number of values. */
static uint64_t below(uint64_t *state, uint64_t n)
{
    return ((next_u64(state) >> 32) * n) >> 32;
}

/* Pick from a cumulative table in per-mille. */
static int pick(uint64_t *state, const int *cum, const int *vals, int n)
{
    int u = (int)below(state, 1000);
    int i;

    for (i = 0; i < n - 1 && u >= cum[i]; i++)
        ;
    return vals[i];
}

/* ------------------------------------------------------------------ */
/* Options                                                            */
/* ------------------------------------------------------------------ */

struct opts {
    uint64_t customers;
    uint64_t transactions;
    uint64_t seed;
    const char *output;
};

/* msg names what is wrong: a message, or the offending option or value */
static int usage(const char *msg)
{
    if (msg)
        fprintf(stderr, "gendata: bad argument: %s\n", msg);
    fputs("usage: gendata --customers N --transactions M [--seed S]"
          " [--output FILE|-]\n", stderr);
    return 2;
}

static int parse_u64(uint64_t *out, const char *text)
{
    char *end;
    unsigned long long v;

    errno = 0;
    if (text[0] < '0' || text[0] > '9')
        return -1;
    v = strtoull(text, &end, 10);
    if (errno || *end)
        return -1;
    *out = v;
    return 0;
}

static int set_opt(struct opts *o, const char *name, const char *value)
{
    uint64_t *num = NULL;

    if (strcmp(name, "customers") == 0)
        num = &o->customers;
    else if (strcmp(name, "transactions") == 0)
        num = &o->transactions;
    else if (strcmp(name, "seed") == 0)
        num = &o->seed;
    else if (strcmp(name, "output") == 0)
        o->output = value;
    else
        return usage(name);
    if (num && parse_u64(num, value) != 0)
        return usage(value);
    return 0;
}

static int parse_args(struct opts *o, int argc, char **argv)
{
    int i;

    o->customers = 1000;
    o->transactions = 10000;
    o->seed = 1;
    o->output = "-";
    for (i = 1; i < argc; i++) {
        char name[32];
        const char *a = argv[i], *eq, *value;
        size_t len;

        if (strncmp(a, "--", 2) != 0)
            return usage("unexpected argument");
        a += 2;
        eq = strchr(a, '=');
        len = eq ? (size_t)(eq - a) : strlen(a);
        if (len >= sizeof name)
            return usage("unknown option");
        memcpy(name, a, len);
        name[len] = '\0';
        if (!eq && i + 1 >= argc)
            return usage("option needs a value");
        value = eq ? eq + 1 : argv[++i];
        if (set_opt(o, name, value) != 0)
            return 2;
    }
    if (o->customers < 1 || o->customers > 0xFFFFFFFEu)
        return usage("--customers must be 1..4294967294");
    if (o->transactions < o->customers)
        return usage("--transactions must be at least --customers");
    return 0;
}

/* ------------------------------------------------------------------ */
/* Lines per customer                                                 */
/* ------------------------------------------------------------------ */

/* Random ranks: activity must not follow customer id order. */
static uint32_t *random_ranks(uint64_t n, uint64_t *rng)
{
    uint32_t *rank = malloc(n * sizeof *rank);
    uint64_t i;

    if (!rank)
        return NULL;
    for (i = 0; i < n; i++)
        rank[i] = (uint32_t)i;
    for (i = n - 1; i > 0; i--) {
        uint64_t j = below(rng, i + 1);
        uint32_t t = rank[i];

        rank[i] = rank[j];
        rank[j] = t;
    }
    return rank;
}

/* lines[c] = 1 + share of the rest by weight 2^32 / (rank + 50), in
 * integers so that rounding is the same everywhere; what the floors leave
 * over goes one line each to the most active customers. */
static uint64_t *lines_per_customer(const struct opts *o, uint64_t *rng)
{
    uint64_t n = o->customers, extra = o->transactions - n;
    uint32_t *rank = random_ranks(n, rng);
    uint64_t *lines = rank ? malloc(n * sizeof *lines) : NULL;
    uint64_t c, total = 0, given = 0, wsum = 0;

    if (!lines) {
        free(rank);
        return NULL;
    }
    for (c = 0; c < n; c++)
        wsum += (1ull << 32) / (rank[c] + 50ull);
    for (c = 0; c < n; c++) {
        uint64_t w = (1ull << 32) / (rank[c] + 50ull);
        /* split the product to stay inside 64 bits */
        uint64_t share = extra / wsum * w + extra % wsum * w / wsum;

        lines[c] = 1 + share;
        given += share;
    }
    for (c = 0; c < n; c++)
        if (rank[c] < extra - given)
            lines[c]++;
    for (c = 0; c < n; c++)
        total += lines[c];
    free(rank);
    if (total != o->transactions) {
        fputs("gendata: internal error: line count\n", stderr);
        free(lines);
        return NULL;
    }
    return lines;
}

/* ------------------------------------------------------------------ */
/* Orders                                                             */
/* ------------------------------------------------------------------ */

struct order {
    uint32_t customer;
    uint8_t lines;
    uint8_t is_return;
};

struct orders {
    struct order *v;
    uint64_t *key; /* (seconds since 2022 << 32) | index into v */
    uint64_t n, cap;
};

static int orders_push(struct orders *o, uint32_t customer, int lines,
                       int is_return, int64_t t)
{
    if (o->n == o->cap) {
        uint64_t cap = o->cap ? o->cap * 2 : 1 << 16;
        struct order *v = realloc(o->v, cap * sizeof *v);
        uint64_t *k = v ? realloc(o->key, cap * sizeof *k) : NULL;

        if (v)
            o->v = v;
        if (!k)
            return -1;
        o->key = k;
        o->cap = cap;
    }
    if (o->n > 0xFFFFFFFFu)
        return -1;
    o->v[o->n].customer = customer;
    o->v[o->n].lines = (uint8_t)lines;
    o->v[o->n].is_return = (uint8_t)is_return;
    o->key[o->n] = ((uint64_t)t << 32) | o->n;
    o->n++;
    return 0;
}

static const int LINES_CUM[] = {400, 620, 750, 830, 890, 930, 960, 980,
                                 990, 1000};
static const int LINES_VAL[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};

/* One customer's orders: first at a random day, the rest spread up to a
 * last active moment; 30% are still active at the end of the period. */
static int customer_orders(struct orders *o, uint32_t c, uint64_t lines,
                           uint64_t *rng)
{
    int64_t first = (int64_t)below(rng, SPAN_SECONDS);
    int64_t left = SPAN_SECONDS - first;
    int64_t last = below(rng, 10) < 3
                       ? SPAN_SECONDS - 1
                       : first + (int64_t)below(rng, (uint64_t)left);
    int64_t t = first;
    int is_first = 1;

    while (lines > 0) {
        uint64_t k = (uint64_t)pick(rng, LINES_CUM, LINES_VAL, 10);
        int ret = !is_first && below(rng, 1000) < RETURN_PER_MILLE;

        if (k > lines)
            k = lines;
        if (ret && k > 2)
            k = 2;
        if (!is_first)
            t = first + (int64_t)below(rng, (uint64_t)(last - first + 1));
        if (orders_push(o, c, (int)k, ret, t) != 0)
            return -1;
        lines -= k;
        is_first = 0;
    }
    return 0;
}

/* LSD radix sort of the keys, 16 bits a pass: keys are unique, so the
 * order is total and the same on every platform. */
static int sort_keys(uint64_t *key, uint64_t n)
{
    uint64_t *tmp = malloc(n * sizeof *tmp);
    static uint64_t count[1 << 16];
    int shift;

    if (!tmp)
        return -1;
    for (shift = 0; shift < 64; shift += 16) {
        uint64_t i, sum = 0;

        memset(count, 0, sizeof count);
        for (i = 0; i < n; i++)
            count[(key[i] >> shift) & 0xFFFF]++;
        for (i = 0; i < (1 << 16); i++) {
            uint64_t c = count[i];

            count[i] = sum;
            sum += c;
        }
        for (i = 0; i < n; i++)
            tmp[count[(key[i] >> shift) & 0xFFFF]++] = key[i];
        memcpy(key, tmp, n * sizeof *key);
    }
    free(tmp);
    return 0;
}

/* ------------------------------------------------------------------ */
/* Output                                                             */
/* ------------------------------------------------------------------ */

struct out {
    FILE *f;
    char buf[OUTBUF];
    size_t len;
    int failed;
};

static void out_flush(struct out *w)
{
    if (w->len && fwrite(w->buf, 1, w->len, w->f) != w->len)
        w->failed = 1;
    w->len = 0;
}

/* Room for one row; rows are far shorter than 256 bytes. */
static char *out_reserve(struct out *w)
{
    if (OUTBUF - w->len < 256)
        out_flush(w);
    return w->buf + w->len;
}

/* Decimal digits of v, zero-padded to width; returns the end. */
static char *put_uint(char *p, uint64_t v, int width)
{
    char tmp[24];
    int n = 0;

    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n < width)
        tmp[n++] = '0';
    while (n)
        *p++ = tmp[--n];
    return p;
}

static char *put_cents(char *p, int64_t cents)
{
    uint64_t u = cents < 0 ? (uint64_t)-cents : (uint64_t)cents;

    if (cents < 0)
        *p++ = '-';
    p = put_uint(p, u / 100, 1);
    *p++ = '.';
    return put_uint(p, u % 100, 2);
}

/* "YYYY-MM-DD HH:MM:SS" from Unix seconds (days_from_civil inverse,
 * H. Hinnant), integer only. */
static char *put_time(char *p, int64_t t)
{
    int64_t days = t / 86400, sec = t % 86400;
    int64_t z = days + 719468, era = z / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t d = doy - (153 * mp + 2) / 5 + 1;
    int64_t m = mp < 10 ? mp + 3 : mp - 9;
    int64_t y = yoe + era * 400 + (m <= 2);

    p = put_uint(p, (uint64_t)y, 4);
    *p++ = '-';
    p = put_uint(p, (uint64_t)m, 2);
    *p++ = '-';
    p = put_uint(p, (uint64_t)d, 2);
    *p++ = ' ';
    p = put_uint(p, (uint64_t)(sec / 3600), 2);
    *p++ = ':';
    p = put_uint(p, (uint64_t)(sec / 60 % 60), 2);
    *p++ = ':';
    return put_uint(p, (uint64_t)(sec % 60), 2);
}

/* ------------------------------------------------------------------ */
/* Lines                                                              */
/* ------------------------------------------------------------------ */

static const int QTY_CUM[] = {550, 750, 830, 880, 920, 970, 1000};
static const int QTY_VAL[] = {1, 2, 3, 4, 6, 12, 24};

/* Prices in cents: mostly cheap items, a few expensive ones. */
static void make_catalog(int64_t *price, uint64_t *rng)
{
    static const int TIER_CUM[] = {350, 750, 950, 1000};
    static const int TIER_LO[] = {19, 300, 2000, 10000};
    static const int TIER_HI[] = {299, 1999, 9999, 49999};
    int i;

    for (i = 0; i < PRODUCTS; i++) {
        int t = pick(rng, TIER_CUM, (const int[]){0, 1, 2, 3}, 4);
        int64_t span = TIER_HI[t] - TIER_LO[t] + 1;

        price[i] = TIER_LO[t] + (int64_t)below(rng, (uint64_t)span);
    }
}

struct gen {
    struct out *w;
    int64_t price[PRODUCTS];
    int cust_width, order_width;
    uint64_t seed;
};

/* The prefix shared by an order's lines: customer, order id, time. */
static size_t order_prefix(char *p, const struct gen *g, uint32_t cust,
                           uint64_t order_no, int is_return, int64_t t)
{
    char *s = p;

    *p++ = 'C';
    p = put_uint(p, cust, g->cust_width);
    *p++ = ',';
    if (is_return)
        *p++ = 'C';
    p = put_uint(p, order_no, g->order_width);
    *p++ = ',';
    p = put_time(p, EPOCH_2022 + t);
    *p++ = ',';
    return (size_t)(p - s);
}

/* Each order has its own PRNG stream, seeded from its number, so line
 * contents do not depend on how the orders were generated or sorted. */
static void write_order(struct gen *g, const struct order *o,
                        uint64_t order_no, int64_t t)
{
    char prefix[96];
    size_t plen = order_prefix(prefix, g, o->customer, order_no,
                               o->is_return, t);
    uint64_t rng = g->seed ^ (order_no * 0xD1B54A32D192ED03u);
    int i;

    for (i = 0; i < o->lines; i++) {
        char *p = out_reserve(g->w), *s = p;
        uint64_t u = below(&rng, PRODUCTS);
        /* product popularity skews toward low numbers */
        int64_t price = g->price[u * below(&rng, PRODUCTS) / PRODUCTS];
        int64_t qty = pick(&rng, QTY_CUM, QTY_VAL, 7);

        if (o->is_return) /* one item back: refunds stay plausible */
            qty = -1;
        memcpy(p, prefix, plen);
        p = put_cents(p + plen, qty * price);
        *p++ = ',';
        if (qty < 0)
            *p++ = '-';
        p = put_uint(p, (uint64_t)(qty < 0 ? -qty : qty), 1);
        *p++ = ',';
        p = put_cents(p, price);
        *p++ = '\n';
        g->w->len += (size_t)(p - s);
    }
}

static int digits(uint64_t v)
{
    int n = 1;

    while (v >= 10) {
        v /= 10;
        n++;
    }
    return n;
}

static void write_all(struct gen *g, const struct orders *os)
{
    static const char header[] =
        "customer_id,order_id,order_time,amount,quantity,unit_price\n";
    uint64_t i;

    memcpy(out_reserve(g->w), header, sizeof header - 1);
    g->w->len += sizeof header - 1;
    for (i = 0; i < os->n; i++) {
        uint64_t k = os->key[i];

        write_order(g, &os->v[k & 0xFFFFFFFFu], 1000000 + i,
                    (int64_t)(k >> 32));
    }
    out_flush(g->w);
}

/* ------------------------------------------------------------------ */
/* Main                                                               */
/* ------------------------------------------------------------------ */

static int make_orders(struct orders *os, const struct opts *o,
                       uint64_t *rng)
{
    uint64_t *lines = lines_per_customer(o, rng);
    uint64_t c;
    int st = lines ? 0 : -1;

    for (c = 0; st == 0 && c < o->customers; c++)
        st = customer_orders(os, (uint32_t)c + 1, lines[c], rng);
    free(lines);
    return st == 0 ? sort_keys(os->key, os->n) : st;
}

static int open_output(struct out *w, const char *path)
{
    w->len = 0;
    w->failed = 0;
    w->f = strcmp(path, "-") == 0 ? stdout : fopen(path, "wb");
    if (!w->f) {
        fprintf(stderr, "gendata: %s: %s\n", path, strerror(errno));
        return -1;
    }
    return 0;
}

static int close_output(struct out *w, const char *path)
{
    int bad = w->failed;

    if (w->f == stdout)
        bad |= fflush(stdout) != 0;
    else
        bad |= fclose(w->f) != 0;
    if (bad)
        fprintf(stderr, "gendata: %s: write error\n", path);
    return bad ? -1 : 0;
}

int main(int argc, char **argv)
{
    struct opts o;
    struct orders os = {NULL, NULL, 0, 0};
    static struct gen g;
    static struct out w;
    uint64_t rng;
    int st = parse_args(&o, argc, argv);

    if (st != 0)
        return st;
    rng = o.seed;
    g.seed = o.seed;
    g.w = &w;
    g.cust_width = digits(o.customers) < 7 ? 7 : digits(o.customers);
    make_catalog(g.price, &rng);
    if (make_orders(&os, &o, &rng) != 0) {
        fputs("gendata: out of memory\n", stderr);
        st = 1;
    } else {
        g.order_width = digits(1000000 + os.n);
        st = open_output(&w, o.output) != 0;
        if (st == 0) {
            write_all(&g, &os);
            st = close_output(&w, o.output) != 0;
        }
    }
    free(os.v);
    free(os.key);
    return st;
}
