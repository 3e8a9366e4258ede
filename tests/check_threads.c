/*
 * check_threads.c - concurrency: many strategies at once on one frozen
 * dataset (every built-in one and a custom one), and distinct datasets in
 * distinct threads, with results byte-identical to a single-threaded run.
 * make check-tsan runs this under ThreadSanitizer, which also checks the
 * library's own threads (the "threads" options of loading and runs).
 *
 * Worker threads never call ck_assert (Check's failure path is not
 * thread-safe); they count mismatches, which the test thread checks.
 */
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "custseg.h"
#include "testutil.h"

#define NTHREADS 6
#define REPEAT 2

/* Over 4 MB, so that a load with threads > 1 really cuts it in chunks. */
#define ROWS 110000
#define CUSTOMERS 4000

typedef struct config {
    const char *strategy;
    const char *option, *value; /* one string option, or NULL */
    int bins;                   /* rfm bins, or 0 */
    int threads;                /* the strategy's threads option */
    const char *rules;          /* prior: a rules file, or NULL */
} config;

#define CUSTOM "threads_custom"

static const config configs[] = {
    {"rfm", NULL, NULL, 0, 1, NULL},
    {"rfm", "binning", "quantile", 0, 2, NULL},
    {"rfm", "as_of", "2023-06-30", 7, 4, NULL},
    {"decile", NULL, NULL, 0, 1, NULL},
    {"decile", "metric", "aov", 0, 3, NULL},
    {"decile", "metric", "frequency", 0, 1, NULL},
    {"value", NULL, NULL, 0, 2, NULL},
    {"lifecycle", NULL, NULL, 0, 1, NULL},
    {"prior", NULL, NULL, 0, 2, "Big: monetary > 2000 and orders(60) > 1\n"
                                "Lapsed: recency > 90\n"},
    {CUSTOM, NULL, NULL, 0, 1, NULL},
};
#define NCONFIGS (sizeof configs / sizeof configs[0])

static char *text;   /* the CSV input */
static size_t text_len;
static char *ref[NCONFIGS]; /* single-threaded outputs */

static void make_text(void)
{
    size_t cap = (size_t)ROWS * 64 + 64, n;
    int i;

    text = malloc(cap);
    ck_assert_ptr_nonnull(text);
    n = (size_t)sprintf(text, "customer,order,time,amount\n");
    for (i = 0; i < ROWS; i++)
        n += (size_t)sprintf(text + n, "c%05d,o%d,2022-%02d-%02dT%02d:00:00,"
                             "%s%d.%02d\n", (int)((i * 7919L) % CUSTOMERS),
                             i / 3, i % 12 + 1, i % 28 + 1, i % 24,
                             i % 23 == 0 ? "-" : "", i % 500, i % 100);
    text_len = n;
}

/* A dataset of the CSV text, loaded with `threads` threads. */
static custseg_dataset *load(int threads)
{
    custseg_dataset *ds;

    if (custseg_dataset_new(&ds) != CUSTSEG_OK)
        return NULL;
    if (custseg_dataset_map_column(ds, "customer", "customer") != 0 ||
        custseg_dataset_map_column(ds, "order", "order") != 0 ||
        custseg_dataset_map_column(ds, "time", "time") != 0 ||
        custseg_dataset_map_column(ds, "amount", "amount") != 0 ||
        custseg_dataset_set_int(ds, "threads", threads) != 0 ||
        custseg_dataset_load_csv_buffer(ds, text, text_len, "t.csv") != 0 ||
        custseg_dataset_freeze(ds) != CUSTSEG_OK) {
        custseg_dataset_free(ds);
        return NULL;
    }
    return ds;
}

/* A custom strategy: two segments split at the median customer row,
 * the score its frequency. Concurrent runs call it concurrently. */
static int halves(custseg_assign *ctx, void *payload)
{
    size_t n = custseg_assign_customer_count(ctx), row, seg[2];
    int64_t f;

    (void)payload;
    if (custseg_assign_define_segment(&seg[0], ctx, "First") != 0 ||
        custseg_assign_define_segment(&seg[1], ctx, "Second") != 0)
        return 1;
    for (row = 0; row < n; row++)
        if (custseg_assign_metric(&f, ctx, row, CUSTSEG_FIELD_FREQUENCY) !=
                0 ||
            custseg_assign_set(ctx, row, seg[row >= n / 2], (double)f) != 0)
            return 1;
    return 0;
}

static int has_option(const custseg_strategy *s, const char *name)
{
    size_t i;

    for (i = 0; i < custseg_strategy_option_count(s); i++)
        if (strcmp(custseg_strategy_option_name(s, i), name) == 0)
            return 1;
    return 0;
}

/* Run one configuration and return its CSV and JSON output (malloc'ed),
 * or NULL on any failure. single: threads = 1 whatever the config. */
static char *run_config(custseg_dataset *ds, const config *c, int single)
{
    custseg_strategy *s = NULL;
    custseg_result *r = NULL;
    tu_buf b = {NULL, 0, 0};
    int rc = custseg_strategy_new(&s, c->strategy);

    if (rc == CUSTSEG_OK && c->option != NULL)
        rc = custseg_strategy_set_string(s, c->option, c->value);
    if (rc == CUSTSEG_OK && c->bins > 0)
        rc = custseg_strategy_set_int(s, "bins", c->bins);
    if (rc == CUSTSEG_OK && c->rules != NULL)
        rc = custseg_strategy_load_rules_buffer(s, c->rules,
                                                strlen(c->rules), NULL);
    if (rc == CUSTSEG_OK && has_option(s, "threads"))
        rc = custseg_strategy_set_int(s, "threads",
                                      single ? 1 : c->threads);
    if (rc == CUSTSEG_OK)
        rc = custseg_run(&r, s, ds);
    if (rc == CUSTSEG_OK)
        rc = custseg_result_write(r, CUSTSEG_FORMAT_CSV, 4, tu_buf_write, &b);
    if (rc == CUSTSEG_OK)
        rc = custseg_result_write(r, CUSTSEG_FORMAT_JSON, 2, tu_buf_write, &b);
    custseg_result_free(r);
    custseg_strategy_free(s);
    if (rc != CUSTSEG_OK) {
        free(b.p);
        return NULL;
    }
    return b.p;
}

typedef struct worker {
    pthread_t tid;
    int id;
    custseg_dataset *shared; /* NULL: load a dataset of its own */
    int runs, mismatches;
} worker;

/* Every configuration, REPEAT times, starting at a different one in each
 * thread so that different strategies overlap. */
static void run_all(worker *w, custseg_dataset *ds)
{
    size_t k, j;

    for (k = 0; k < REPEAT * NCONFIGS; k++) {
        char *out;
        j = (k + (size_t)w->id) % NCONFIGS;
        out = run_config(ds, &configs[j], 0);
        w->runs++;
        if (out == NULL || strcmp(out, ref[j]) != 0)
            w->mismatches++;
        free(out);
    }
}

static void *work(void *arg)
{
    worker *w = arg;
    custseg_dataset *ds = w->shared;

    if (ds == NULL && (ds = load(1 + w->id % 2)) == NULL) {
        w->mismatches++;
        return NULL;
    }
    run_all(w, ds);
    if (ds != w->shared)
        custseg_dataset_free(ds);
    return NULL;
}

static custseg_dataset *setup_reference(void)
{
    static const custseg_strategy_ops ops = {
        CUSTSEG_STRATEGY_OPS_VERSION, CUSTOM, halves, NULL, NULL
    };
    custseg_dataset *ds;
    size_t j;

    ck_assert_int_eq(custseg_register_strategy(&ops), CUSTSEG_OK);
    make_text();
    ds = load(1);
    ck_assert_ptr_nonnull(ds);
    ck_assert_uint_eq(custseg_dataset_customer_count(ds), CUSTOMERS);
    for (j = 0; j < NCONFIGS; j++) {
        ref[j] = run_config(ds, &configs[j], 1);
        ck_assert_msg(ref[j] != NULL, "%s fails", configs[j].strategy);
    }
    return ds;
}

static void teardown_reference(custseg_dataset *ds)
{
    size_t j;

    for (j = 0; j < NCONFIGS; j++)
        free(ref[j]);
    custseg_dataset_free(ds);
    free(text);
    ck_assert_int_eq(custseg_unregister_strategy(CUSTOM), CUSTSEG_OK);
}

/* shared: all threads on ds; else each on a dataset of its own. */
static void run_threads(custseg_dataset *ds, int shared)
{
    worker w[NTHREADS];
    int i;

    memset(w, 0, sizeof w);
    for (i = 0; i < NTHREADS; i++) {
        w[i].id = i;
        w[i].shared = shared ? ds : NULL;
        ck_assert_int_eq(pthread_create(&w[i].tid, NULL, work, &w[i]), 0);
    }
    for (i = 0; i < NTHREADS; i++)
        pthread_join(w[i].tid, NULL);
    for (i = 0; i < NTHREADS; i++) {
        ck_assert_msg(w[i].mismatches == 0, "thread %d: %d of %d runs "
                      "differ from the single-threaded run", i,
                      w[i].mismatches, w[i].runs);
        ck_assert_int_eq(w[i].runs, REPEAT * (int)NCONFIGS);
    }
}

START_TEST(strategies_share_a_frozen_dataset)
{
    custseg_dataset *ds = setup_reference();

    run_threads(ds, 1);
    teardown_reference(ds);
}
END_TEST

START_TEST(datasets_in_their_own_threads)
{
    custseg_dataset *ds = setup_reference();

    run_threads(ds, 0);
    teardown_reference(ds);
}
END_TEST

/* The library's own threads: a threaded load equals a serial one. */
START_TEST(threaded_load_identical)
{
    custseg_dataset *ds = setup_reference(), *par = load(4);
    char *out;

    ck_assert_ptr_nonnull(par);
    out = run_config(par, &configs[0], 1);
    ck_assert_ptr_nonnull(out);
    ck_assert_str_eq(out, ref[0]);
    free(out);
    custseg_dataset_free(par);
    teardown_reference(ds);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("threads");
    TCase *tc = tcase_create("threads");

    tcase_add_test(tc, strategies_share_a_frozen_dataset);
    tcase_add_test(tc, datasets_in_their_own_threads);
    tcase_add_test(tc, threaded_load_identical);
    tcase_set_timeout(tc, 120);
    suite_add_tcase(s, tc);
    return tu_run_suite(s);
}
