/*
 * check_alloc_fail.c - allocation-failure injection over the main
 * scenarios: loading CSV, every strategy, every export, the add calls.
 *
 * main() installs a counting allocator before the library allocates
 * anything (the hooks can't change later; Check's forked tests inherit
 * them). Each scenario's call is then made again and again with threads =
 * 1 on at most 100 rows, failing its 1st, 2nd, ... allocation in turn,
 * until it completes without meeting a failure. Each time the status
 * must be CUSTSEG_ENOMEM (or CUSTSEG_OK where the call can do without
 * that memory), the handle must still work (the call, retried, gives the
 * reference output), and once everything is freed no block may be live.
 * Two modes: only the n-th allocation fails (a transient failure), and
 * every allocation from the n-th on fails (memory really exhausted).
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "custseg.h"
#include "testutil.h"

/* ------------------------------------------------------------ allocator
 * Only the library's allocations come here; the test's own use malloc.
 * threads = 1 everywhere, so plain counters suffice. */
static long fail_at = -1; /* allocation (counted from arm()) to fail */
static int fail_rest;     /* also fail every allocation after it */
static long nalloc;       /* allocations since arm() */
static long nfailed;      /* failures injected since arm() */
static long live;         /* library blocks not yet freed */
static long live_base;    /* live before a sweep (the custom registry) */

static int should_fail(void)
{
    long i = nalloc++;

    if (fail_at < 0 || i < fail_at || (i > fail_at && !fail_rest))
        return 0;
    nfailed++;
    return 1;
}

static void *t_alloc(void *payload, size_t size)
{
    void *p;

    (void)payload;
    if (should_fail())
        return NULL;
    if ((p = malloc(size)) != NULL)
        live++;
    return p;
}

static void *t_realloc(void *payload, void *ptr, size_t size)
{
    (void)payload;
    if (should_fail())
        return NULL;
    return realloc(ptr, size); /* the library never passes NULL here */
}

static void t_free(void *payload, void *ptr)
{
    (void)payload;
    if (ptr != NULL)
        live--;
    free(ptr);
}

static void arm(long k, int rest)
{
    nalloc = nfailed = 0;
    fail_at = k;
    fail_rest = rest;
}

static void disarm(void)
{
    fail_at = -1;
}

/* ------------------------------------------------------------ output */

typedef struct buf {
    char *p;
    size_t len, cap;
} buf;

static int buf_write(const char *data, size_t len, void *payload)
{
    buf *b = payload;

    if (b->len + len + 1 > b->cap) {
        size_t cap = (b->len + len + 1) * 2;
        char *p = realloc(b->p, cap);
        if (p == NULL)
            return 1;
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, data, len);
    b->len += len;
    b->p[b->len] = '\0';
    return 0;
}

static void buf_printf(buf *b, const char *fmt, long long v)
{
    char tmp[64];
    int n = snprintf(tmp, sizeof tmp, fmt, v);

    buf_write(tmp, (size_t)n, b);
}

/* Everything a result reports, as CSV and JSON text. */
static void result_text(buf *b, const custseg_result *r)
{
    ck_assert_int_eq(custseg_result_write(r, CUSTSEG_FORMAT_CSV, 4,
                                          buf_write, b), CUSTSEG_OK);
    ck_assert_int_eq(custseg_result_write(r, CUSTSEG_FORMAT_JSON, 4,
                                          buf_write, b), CUSTSEG_OK);
}

/* ------------------------------------------------------------ inputs */

#define ROWS 100

/* 100 data rows: 30 customers (ids with commas and quotes), orders of
 * several lines, returns, and a few rows the loader rejects. */
static const char *csv_text(void)
{
    static char text[16384];
    size_t n = 0;
    int i;

    if (text[0] != '\0')
        return text;
    n += (size_t)sprintf(text, "customer,order,time,amount\n");
    for (i = 0; i < ROWS; i++) {
        const char *amount = i % 17 == 5 ? "x" : i % 9 == 4 ? "-2.5"
                                                            : "7.25";
        n += (size_t)sprintf(text + n, "\"c%02d, \"\"q\"\"\",o%d,"
                             "2024-%02d-%02d,%s%d\n", (i * 7) % 30, i / 3,
                             i % 12 + 1, i % 28 + 1, amount,
                             i % 9 == 4 ? 0 : i);
    }
    return text;
}

static custseg_dataset *new_dataset(void)
{
    custseg_dataset *ds;

    ck_assert_int_eq(custseg_dataset_new(&ds), CUSTSEG_OK);
    ck_assert_int_eq(custseg_dataset_map_column(ds, "customer", "customer"),
                     CUSTSEG_OK);
    ck_assert_int_eq(custseg_dataset_map_column(ds, "order", "order"),
                     CUSTSEG_OK);
    ck_assert_int_eq(custseg_dataset_map_column(ds, "time", "time"),
                     CUSTSEG_OK);
    ck_assert_int_eq(custseg_dataset_map_column(ds, "amount", "amount"),
                     CUSTSEG_OK);
    return ds;
}

static custseg_dataset *loaded(void)
{
    custseg_dataset *ds = new_dataset();
    const char *t = csv_text();

    ck_assert_int_eq(custseg_dataset_load_csv_buffer(ds, t, strlen(t),
                                                     "in.csv"), CUSTSEG_OK);
    return ds;
}

/* ------------------------------------------------------------ scenarios */

typedef struct fixture {
    custseg_dataset *ds;
    custseg_strategy *s;
    custseg_result *r;
    buf out;          /* what the call wrote, for exports */
    const struct scenario *sc;
} fixture;

typedef struct scenario {
    const char *name;
    void (*setup)(fixture *f);   /* handles, with no failure armed */
    int (*call)(fixture *f);     /* the call under test */
    void (*output)(fixture *f, buf *b); /* what the call produced */
    const char *strategy;        /* for the strategy scenarios */
    void (*options)(custseg_strategy *s);
} scenario;

static void teardown(fixture *f)
{
    custseg_result_free(f->r);
    custseg_strategy_free(f->s);
    custseg_dataset_free(f->ds);
    free(f->out.p);
    memset(f, 0, sizeof *f);
}

/* A dataset's load report and an rfm run over it. */
static void dataset_text(fixture *f, buf *b)
{
    custseg_strategy *s;
    custseg_result *r;
    int k;

    buf_printf(b, "read %lld", custseg_dataset_rows_read(f->ds));
    buf_printf(b, " accepted %lld", custseg_dataset_rows_accepted(f->ds));
    for (k = 0; k < 6; k++)
        buf_printf(b, " %lld", custseg_dataset_rows_rejected(f->ds, k));
    buf_printf(b, " tx %lld\n",
               (long long)custseg_dataset_transaction_count(f->ds));
    ck_assert_int_eq(custseg_strategy_new(&s, "rfm"), CUSTSEG_OK);
    ck_assert_int_eq(custseg_run(&r, s, f->ds), CUSTSEG_OK);
    result_text(b, r);
    custseg_result_free(r);
    custseg_strategy_free(s);
}

static void result_output(fixture *f, buf *b)
{
    result_text(b, f->r);
}

static void export_output(fixture *f, buf *b)
{
    buf_write(f->out.p != NULL ? f->out.p : "", f->out.len, b);
}

/* -- loading */

static void setup_new(fixture *f)
{
    f->ds = new_dataset();
}

static void setup_loaded(fixture *f)
{
    f->ds = loaded();
}

static int call_load(fixture *f)
{
    const char *t = csv_text();

    return custseg_dataset_load_csv_buffer(f->ds, t, strlen(t), "in.csv");
}

static int call_load_file(fixture *f)
{
    const char *t = csv_text();
    char *path = tu_write_temp(t, strlen(t));
    int rc;

    ck_assert_ptr_nonnull(path);
    rc = custseg_dataset_load_csv(f->ds, path);
    unlink(path);
    free(path);
    return rc;
}

static void setup_qty(fixture *f)
{
    f->ds = new_dataset();
    ck_assert_int_eq(custseg_dataset_map_column(f->ds, "amount", NULL),
                     CUSTSEG_OK);
    ck_assert_int_eq(custseg_dataset_map_column(f->ds, "quantity", "q"),
                     CUSTSEG_OK);
    ck_assert_int_eq(custseg_dataset_map_column(f->ds, "price", "p"),
                     CUSTSEG_OK);
    ck_assert_int_eq(custseg_dataset_map_column(f->ds, "category", "k"),
                     CUSTSEG_OK);
}

static int call_load_qty(fixture *f)
{
    static const char t[] =
        "customer,order,time,q,p,k\n"
        "a,1,2024-01-01,2,1.25,toys\n\"b,\"\"x\"\"\",2,2024-02-01,1,3,books\n"
        "a,3,2024-03-01,-1,1.25,toys\nc,4,2024-03-05,3,0.5,\n"
        "d,5,bad,1,1,k\n";

    return custseg_dataset_load_csv_buffer(f->ds, t, sizeof t - 1, "q.csv");
}

static void setup_summary(fixture *f)
{
    ck_assert_int_eq(custseg_dataset_new(&f->ds), CUSTSEG_OK);
    ck_assert_int_eq(custseg_dataset_map_column(f->ds, "customer", "id"),
                     CUSTSEG_OK);
    ck_assert_int_eq(custseg_dataset_map_column(f->ds, "recency", "r"),
                     CUSTSEG_OK);
    ck_assert_int_eq(custseg_dataset_map_column(f->ds, "frequency", "f"),
                     CUSTSEG_OK);
    ck_assert_int_eq(custseg_dataset_map_column(f->ds, "monetary", "m"),
                     CUSTSEG_OK);
}

static int call_load_summary(fixture *f)
{
    char t[4096];
    size_t n = (size_t)sprintf(t, "id,r,f,m\n");
    int i;

    for (i = 0; i < 60; i++)
        n += (size_t)sprintf(t + n, "s%d,%d,%d,%d.5\n", i % 55, i * 3,
                             i % 7, i * 11);
    return custseg_dataset_load_csv_buffer(f->ds, t, n, "s.csv");
}

static int call_freeze(fixture *f)
{
    return custseg_dataset_freeze(f->ds);
}

/* -- adding rows through the API */

static int call_add_transaction(fixture *f)
{
    return custseg_dataset_add_transaction(f->ds, "new, \"one\"", "o-new",
                                           1700000000, 123456, "cat");
}

static int call_add_columns(fixture *f)
{
    static const char ids[] = "aabbbcc";
    static const int64_t off[] = {0, 1, 2, 3, 5, 7};
    static const int64_t times[] = {1700000000, 1700086400, 1700172800,
                                    1700259200, 1700345600};
    static const double amounts[] = {1.5, 2.25, -1, 0.00005, 1e6};

    return custseg_dataset_add_columns(f->ds, 5, ids, off, NULL, NULL,
                                       times, NULL, amounts);
}

static int call_add_keys(fixture *f)
{
    int64_t keys[50], orders[50], times[50], amounts[50];
    int i;

    for (i = 0; i < 50; i++) {
        keys[i] = i % 13 * 1000003;
        orders[i] = i / 2;
        times[i] = 1700000000 + i * 3600 * 7;
        amounts[i] = (i % 5 - 1) * 12345;
    }
    return custseg_dataset_add_columns_keys(f->ds, 50, keys, orders, times,
                                            amounts, NULL);
}

static void setup_empty(fixture *f)
{
    ck_assert_int_eq(custseg_dataset_new(&f->ds), CUSTSEG_OK);
}

static int call_add_customers(fixture *f)
{
    char id[16];
    int i, rc = CUSTSEG_OK;

    /* Each call is all or nothing, so a failed one is simply retried. */
    for (i = 0; i < 40 && rc == CUSTSEG_OK; i++) {
        snprintf(id, sizeof id, "k%d", i);
        if (custseg_dataset_customer_count(f->ds) > (size_t)i)
            continue; /* added before a failure: a retry goes on */
        rc = custseg_dataset_add_customer(f->ds, id, i % 9, i % 4,
                                          (int64_t)i * 99999);
    }
    return rc;
}

/* -- strategies */

static void setup_strategy(fixture *f)
{
    f->ds = loaded();
    ck_assert_int_eq(custseg_dataset_freeze(f->ds), CUSTSEG_OK);
    ck_assert_int_eq(custseg_strategy_new(&f->s, f->sc->strategy),
                     CUSTSEG_OK);
    if (f->sc->options != NULL)
        f->sc->options(f->s);
}

/* Not frozen: the run freezes the dataset itself. */
static void setup_strategy_open(fixture *f)
{
    f->ds = loaded();
    ck_assert_int_eq(custseg_strategy_new(&f->s, f->sc->strategy),
                     CUSTSEG_OK);
}

static int call_run(fixture *f)
{
    return custseg_run(&f->r, f->s, f->ds);
}

static void opt_quantile(custseg_strategy *s)
{
    ck_assert_int_eq(custseg_strategy_set_string(s, "binning", "quantile"),
                     CUSTSEG_OK);
    ck_assert_int_eq(custseg_strategy_set_string(s, "as_of", "2024-10-01"),
                     CUSTSEG_OK);
}

static void opt_map(custseg_strategy *s)
{
    static const char map[] =
        "segment,r_min,r_max,f_min,f_max,m_min,m_max\n"
        "\"Top, \"\"A\"\"\",4,5,4,5,4,5\nLow,1,2,1,5,1,5\n";

    ck_assert_int_eq(custseg_strategy_set_int(s, "bins", 7), CUSTSEG_OK);
    ck_assert_int_eq(custseg_strategy_add_segment_codes(s, "Codes",
                                                        "777 7-7-6 111"),
                     CUSTSEG_OK);
    ck_assert_int_eq(custseg_strategy_load_segments_buffer(s, map,
                                                           sizeof map - 1,
                                                           NULL),
                     CUSTSEG_OK);
}

static void opt_frequency(custseg_strategy *s)
{
    ck_assert_int_eq(custseg_strategy_set_string(s, "metric", "frequency"),
                     CUSTSEG_OK);
}

static void opt_aov(custseg_strategy *s)
{
    ck_assert_int_eq(custseg_strategy_set_string(s, "metric", "aov"),
                     CUSTSEG_OK);
}

static void opt_tiers(custseg_strategy *s)
{
    ck_assert_int_eq(custseg_strategy_set_string(s, "thresholds", "0.5,0.9"),
                     CUSTSEG_OK);
    ck_assert_int_eq(custseg_strategy_set_string(s, "tiers", "top,mid,low"),
                     CUSTSEG_OK);
}

/* An as_of that leaves 20 of the 30 customers without a transaction up
 * to it: prospects. */
static void opt_gap(custseg_strategy *s)
{
    ck_assert_int_eq(custseg_strategy_set_string(s, "mode", "gap"),
                     CUSTSEG_OK);
    ck_assert_int_eq(custseg_strategy_set_string(s, "as_of", "2024-03-01"),
                     CUSTSEG_OK);
}

/* -- rules ("prior") and a custom strategy */

static const char rules[] =
    "Big: monetary > 50 and orders(400) >= 2\n"
    "# a comment\n"
    "UK: country = \"UK\" or customer_id ends_with \"7, \\\"q\\\"\"\n"
    "Cart: events(\"cart\") > 0 and orders_after(\"cart\") = 0\n";

/* The CSV's customers, some with an attribute and an event. */
static custseg_dataset *with_attributes(void)
{
    custseg_dataset *ds = loaded();
    char id[32];
    int i;

    for (i = 0; i < 30; i += 3) {
        snprintf(id, sizeof id, "c%02d, \"q\"", i);
        ck_assert_int_eq(custseg_dataset_set_attribute_string(
                             ds, id, "country", i % 2 ? "UK" : "FR"), 0);
        ck_assert_int_eq(custseg_dataset_add_event(ds, id, "cart",
                                                   1717200000 + i * 86400,
                                                   1.0), 0);
    }
    ck_assert_int_eq(custseg_dataset_freeze(ds), CUSTSEG_OK);
    return ds;
}

static void setup_prior_empty(fixture *f)
{
    f->ds = with_attributes();
    ck_assert_int_eq(custseg_strategy_new(&f->s, "prior"), CUSTSEG_OK);
}

static void setup_prior(fixture *f)
{
    setup_prior_empty(f);
    ck_assert_int_eq(custseg_strategy_load_rules_buffer(f->s, rules,
                                                        sizeof rules - 1,
                                                        "r.rules"), 0);
}

static int call_add_rule(fixture *f)
{
    return custseg_strategy_add_rule(f->s, "Mixed", "not (recency between "
                                     "10 and 100) or aov * 2 >= 7.5");
}

static int call_load_rules(fixture *f)
{
    return custseg_strategy_load_rules_buffer(f->s, rules, sizeof rules - 1,
                                              "r.rules");
}

#define CUSTOM "af_custom"

/* High and Low by monetary; a failed library call fails the callback
 * (the library then reports CUSTSEG_ENOMEM when that was the cause). */
static int af_assign(custseg_assign *ctx, void *payload)
{
    size_t n = custseg_assign_customer_count(ctx), row, hi, lo;
    int64_t m;

    (void)payload;
    if (custseg_assign_define_segment(&hi, ctx, "High") != CUSTSEG_OK ||
        custseg_assign_define_segment(&lo, ctx, "Low") != CUSTSEG_OK)
        return 1;
    for (row = 0; row < n; row++)
        if (custseg_assign_metric(&m, ctx, row, CUSTSEG_FIELD_MONETARY) !=
                CUSTSEG_OK ||
            custseg_assign_set(ctx, row, m > 500000 ? hi : lo, NAN) !=
                CUSTSEG_OK)
            return 1;
    return 0;
}

/* Registered once per test process, before a sweep measures live. */
static void register_custom(void)
{
    static const custseg_strategy_ops ops = {
        CUSTSEG_STRATEGY_OPS_VERSION, CUSTOM, af_assign, NULL, NULL
    };
    static int done;

    if (!done)
        ck_assert_int_eq(custseg_register_strategy(&ops), CUSTSEG_OK);
    done = 1;
}

/* -- configuring a strategy */

static void setup_rfm(fixture *f)
{
    f->ds = loaded();
    ck_assert_int_eq(custseg_strategy_new(&f->s, "rfm"), CUSTSEG_OK);
}

static void run_output(fixture *f, buf *b)
{
    ck_assert_int_eq(custseg_run(&f->r, f->s, f->ds), CUSTSEG_OK);
    result_text(b, f->r);
}

static int call_strategy_new(fixture *f)
{
    custseg_strategy_free(f->s);
    f->s = NULL;
    return custseg_strategy_new(&f->s, "rfm");
}

static int call_set_string(fixture *f)
{
    return custseg_strategy_set_string(f->s, "as_of", "2024-06-30T12:00Z");
}

static int call_add_codes(fixture *f)
{
    return custseg_strategy_add_segment_codes(f->s, "Best, \"really\"",
                                              "555 554 5-4-5");
}

static int call_load_map(fixture *f)
{
    static const char map[] =
        "segment,r_min,r_max,f_min,f_max,m_min,m_max\n"
        "A,4,5,1,5,1,5\r\n\"B\nb\",1,3,1,5,1,5\n";

    return custseg_strategy_load_segments_buffer(f->s, map, sizeof map - 1,
                                                 "map.csv");
}

static int call_add_range(fixture *f)
{
    return custseg_strategy_add_segment_range(f->s, "Mid", 2, 4, 1, 5, 1, 5);
}

/* -- exports and iteration */

static void setup_result(fixture *f)
{
    f->ds = loaded();
    ck_assert_int_eq(custseg_strategy_new(&f->s, "rfm"), CUSTSEG_OK);
    ck_assert_int_eq(custseg_run(&f->r, f->s, f->ds), CUSTSEG_OK);
}

static int write_format(fixture *f, int format)
{
    f->out.len = 0; /* a failed export may have written part */
    return custseg_result_write(f->r, format, 2, buf_write, &f->out);
}

static int call_csv(fixture *f)
{
    return write_format(f, CUSTSEG_FORMAT_CSV);
}

static int call_json(fixture *f)
{
    return write_format(f, CUSTSEG_FORMAT_JSON);
}

static int call_table(fixture *f)
{
    return write_format(f, CUSTSEG_FORMAT_TABLE);
}

static int call_segments(fixture *f)
{
    return write_format(f, CUSTSEG_FORMAT_SEGMENTS_CSV);
}

static int call_write_file(fixture *f)
{
    char *path = tu_write_temp("", 0);
    int rc;

    ck_assert_ptr_nonnull(path);
    rc = custseg_result_write_file(f->r, CUSTSEG_FORMAT_JSON, 3, path);
    f->out.len = 0;
    if (rc == CUSTSEG_OK) {
        size_t len;
        char *text = tu_read_file(path, &len);
        ck_assert_ptr_nonnull(text);
        buf_write(text, len, &f->out);
        free(text);
    }
    unlink(path);
    free(path);
    return rc;
}

/* Walk every segment and its members; the walk is the output. */
static int call_iterate(fixture *f)
{
    custseg_iter *it;
    custseg_member_iter *mi;
    const custseg_segment *seg;
    size_t row;
    int rc;

    f->out.len = 0;
    if ((rc = custseg_result_iter_new(&it, f->r)) != CUSTSEG_OK)
        return rc;
    while (custseg_iter_next(&seg, it) == CUSTSEG_OK) {
        const char *name = custseg_segment_name(seg);

        if ((rc = custseg_member_iter_new(&mi, f->r, seg)) != CUSTSEG_OK)
            break;
        buf_write(name, strlen(name), &f->out);
        while (custseg_member_iter_next(&row, mi) == CUSTSEG_OK)
            buf_printf(&f->out, " %lld", (long long)row);
        buf_write("\n", 1, &f->out);
        custseg_member_iter_free(mi);
    }
    custseg_iter_free(it);
    return rc;
}

static const scenario scenarios[] = {
    {"load csv", setup_new, call_load, dataset_text, NULL, NULL},
    {"load csv again", setup_loaded, call_load, dataset_text, NULL, NULL},
    {"load csv file", setup_new, call_load_file, dataset_text, NULL, NULL},
    {"load quantity x price", setup_qty, call_load_qty, dataset_text, NULL,
     NULL},
    {"load summaries", setup_summary, call_load_summary, dataset_text, NULL,
     NULL},
    {"freeze", setup_loaded, call_freeze, dataset_text, NULL, NULL},
    {"add transaction", setup_loaded, call_add_transaction, dataset_text,
     NULL, NULL},
    {"add columns", setup_loaded, call_add_columns, dataset_text, NULL,
     NULL},
    {"add columns keys", setup_empty, call_add_keys, dataset_text, NULL,
     NULL},
    {"add customers", setup_empty, call_add_customers, dataset_text, NULL,
     NULL},
    {"run rfm", setup_strategy, call_run, result_output, "rfm", NULL},
    {"run rfm unfrozen", setup_strategy_open, call_run, result_output, "rfm",
     NULL},
    {"run rfm quantile", setup_strategy, call_run, result_output, "rfm",
     opt_quantile},
    {"run rfm map", setup_strategy, call_run, result_output, "rfm",
     opt_map},
    {"run decile", setup_strategy, call_run, result_output, "decile", NULL},
    {"run decile frequency", setup_strategy, call_run, result_output,
     "decile", opt_frequency},
    {"run decile aov", setup_strategy, call_run, result_output, "decile",
     opt_aov},
    {"run value", setup_strategy, call_run, result_output, "value", NULL},
    {"run value tiers", setup_strategy, call_run, result_output, "value",
     opt_tiers},
    {"run lifecycle", setup_strategy, call_run, result_output, "lifecycle",
     NULL},
    {"run lifecycle gap", setup_strategy, call_run, result_output,
     "lifecycle", opt_gap},
    {"run prior", setup_prior, call_run, result_output, "prior", NULL},
    {"add rule", setup_prior_empty, call_add_rule, run_output, "prior",
     NULL},
    {"load rules", setup_prior_empty, call_load_rules, run_output, "prior",
     NULL},
    {"run custom", setup_strategy, call_run, result_output, CUSTOM, NULL},
    {"strategy new", setup_rfm, call_strategy_new, run_output, NULL, NULL},
    {"set string", setup_rfm, call_set_string, run_output, NULL, NULL},
    {"add codes", setup_rfm, call_add_codes, run_output, NULL, NULL},
    {"add range", setup_rfm, call_add_range, run_output, NULL, NULL},
    {"load map", setup_rfm, call_load_map, run_output, NULL, NULL},
    {"export csv", setup_result, call_csv, export_output, NULL, NULL},
    {"export json", setup_result, call_json, export_output, NULL, NULL},
    {"export table", setup_result, call_table, export_output, NULL, NULL},
    {"export segments", setup_result, call_segments, export_output, NULL,
     NULL},
    {"export file", setup_result, call_write_file, export_output, NULL,
     NULL},
    {"iterate", setup_result, call_iterate, export_output, NULL, NULL},
};
#define NSCENARIOS (sizeof scenarios / sizeof scenarios[0])

/* ------------------------------------------------------------ the sweep */

/* The scenario's output with no failure injected. */
static char *reference(const scenario *sc)
{
    fixture f;
    buf b = {NULL, 0, 0};

    memset(&f, 0, sizeof f);
    f.sc = sc;
    sc->setup(&f);
    ck_assert_int_eq(sc->call(&f), CUSTSEG_OK);
    sc->output(&f, &b);
    teardown(&f);
    ck_assert_int_eq(live, live_base);
    return b.p;
}

/* One failure point: fail allocation k of the call (and the later ones
 * when rest). Returns whether the call met a failure. */
static int attempt(const scenario *sc, long k, int rest, const char *ref)
{
    fixture f;
    buf b = {NULL, 0, 0};
    int rc, hit;

    memset(&f, 0, sizeof f);
    f.sc = sc;
    sc->setup(&f);
    arm(k, rest);
    rc = sc->call(&f);
    disarm();
    hit = nfailed > 0;
    ck_assert_msg(rc == CUSTSEG_ENOMEM || rc == CUSTSEG_OK,
                  "%s, allocation %ld failed: %s", sc->name, k,
                  custseg_strerror(rc));
    ck_assert_msg(hit || rc == CUSTSEG_OK, "%s: %s without a failure",
                  sc->name, custseg_strerror(rc));
    if (rc != CUSTSEG_OK) /* the handle still works: retry */
        ck_assert_msg(sc->call(&f) == CUSTSEG_OK, "%s: retry after "
                      "allocation %ld failed", sc->name, k);
    sc->output(&f, &b);
    ck_assert_msg(strcmp(b.p, ref) == 0, "%s: output differs after "
                  "allocation %ld failed", sc->name, k);
    free(b.p);
    teardown(&f);
    ck_assert_msg(live == live_base, "%s: %ld blocks leaked after "
                  "allocation %ld failed", sc->name, live - live_base, k);
    return hit;
}

static long sweep(const scenario *sc, int rest)
{
    char *ref;
    long k = 0;

    live_base = live;
    ref = reference(sc);

    while (attempt(sc, k, rest, ref))
        k++;
    free(ref);
    return k;
}

static int strategy_exists(const char *name)
{
    custseg_strategy *s = NULL;
    int rc = custseg_strategy_new(&s, name);

    custseg_strategy_free(s);
    return rc == CUSTSEG_OK;
}

START_TEST(each_scenario)
{
    const scenario *sc = &scenarios[_i];
    long once, rest;

    register_custom();
    if (sc->strategy != NULL && !strategy_exists(sc->strategy)) {
        fprintf(stderr, "skipped: no strategy %s\n", sc->strategy);
        return;
    }
    once = sweep(sc, 0);
    rest = sweep(sc, 1);
    ck_assert_int_gt(once, 0);
    fprintf(stderr, "alloc-fail %-22s %4ld points (one failure), %4ld "
            "(all later failing), 0 leaks\n", sc->name, once, rest);
}
END_TEST

int main(void)
{
    static const custseg_allocator hooks = {
        CUSTSEG_ALLOCATOR_VERSION, t_alloc, t_realloc, t_free, NULL
    };
    Suite *s = suite_create("alloc_fail");
    TCase *tc = tcase_create("sweep");

    if (custseg_set_allocator(&hooks) != CUSTSEG_OK)
        return EXIT_FAILURE;
    tcase_add_loop_test(tc, each_scenario, 0, (int)NSCENARIOS);
    tcase_set_timeout(tc, 120);
    suite_add_tcase(s, tc);
    return tu_run_suite(s);
}
