/*
 * check_limits.c - the documented size limits (custseg(7), LIMITS) and
 * the checked size arithmetic under them.
 *
 * The limits are far too large to reach in a test, so make check-limits
 * builds the library and this suite with lowered limits (LIMIT_FLAGS in
 * the Makefile: 10 customers, 12 orders, 40 transactions, 6 segments) and
 * runs it; in a normal build only the arithmetic tests run and the rest
 * say they are skipped. Nothing here allocates more than a few KB.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "testutil.h"

#if CUSTSEG_MAX_CUSTOMERS <= 100
#define LOWERED 1
#define MAXC ((int)CUSTSEG_MAX_CUSTOMERS)
#define MAXO ((int)CUSTSEG_MAX_ORDERS)
#define MAXT ((int)CUSTSEG_MAX_TRANSACTIONS)
#define MAXS ((int)CUSTSEG_MAX_SEGMENTS)
#else
#define LOWERED 0 /* the limit tests skip: these are never used */
#define MAXC 0
#define MAXO 0
#define MAXT 0
#define MAXS 0
#endif

static int skip(void)
{
    if (!LOWERED)
        fprintf(stderr, "skipped: limits not lowered (make check-limits)\n");
    return !LOWERED;
}

/* ------------------------------------------------------------ arithmetic */

START_TEST(checked_arithmetic)
{
    size_t out = 7;

    ck_assert(custseg__mul_size(SIZE_MAX / 3, 3, &out));
    ck_assert_uint_eq(out, SIZE_MAX / 3 * 3);
    out = 7;
    ck_assert(!custseg__mul_size(SIZE_MAX / 3 + 1, 3, &out));
    ck_assert(!custseg__mul_size(SIZE_MAX, SIZE_MAX, &out));
    ck_assert(!custseg__mul_size((size_t)1 << (sizeof(size_t) * 4),
                                 (size_t)1 << (sizeof(size_t) * 4), &out));
    ck_assert_uint_eq(out, 7); /* left alone on overflow */
    ck_assert(custseg__mul_size(0, SIZE_MAX, &out));
    ck_assert_uint_eq(out, 0);
    ck_assert(custseg__add_size(SIZE_MAX / 2, SIZE_MAX / 2 + 1, &out));
    ck_assert_uint_eq(out, SIZE_MAX);
    ck_assert(!custseg__add_size(SIZE_MAX / 2 + 1, SIZE_MAX / 2 + 1, &out));
    ck_assert(!custseg__add_size(1, SIZE_MAX, &out));
}
END_TEST

/* Requests that would overflow a size fail before any allocation. */
START_TEST(overflowing_requests)
{
    void *p = NULL;
    size_t cap = 0;
    custseg_dataset *ds;

    ck_assert_ptr_null(custseg__calloc(SIZE_MAX / 2, 3));
    ck_assert_ptr_null(custseg__calloc(3, SIZE_MAX / 2));
    ck_assert_int_eq(custseg__grow(&p, &cap, SIZE_MAX, 8), CUSTSEG_ENOMEM);
    ck_assert_int_eq(custseg__grow(&p, &cap, SIZE_MAX / 4, 16),
                     CUSTSEG_ENOMEM);
    ck_assert_ptr_null(p);
    ck_assert_uint_eq(cap, 0);
    ck_assert_int_eq(custseg__grow(&p, &cap, 3, 8), CUSTSEG_OK);
    /* Doubling would pass SIZE_MAX: refused, not wrapped. */
    ck_assert_int_eq(custseg__grow(&p, &cap, SIZE_MAX / 2 + 2, 1),
                     CUSTSEG_ENOMEM);
    ck_assert_uint_eq(cap, 16); /* unchanged on failure */
    custseg__free(p);
    ck_assert_int_eq(custseg_dataset_new(&ds), CUSTSEG_OK);
    ck_assert_int_eq(custseg__dataset_reserve(ds, SIZE_MAX, false),
                     CUSTSEG_ELIMIT);
    ck_assert_int_eq(custseg__dataset_reserve(
                         ds, (size_t)CUSTSEG_MAX_TRANSACTIONS + 1, false),
                     CUSTSEG_ELIMIT);
    ck_assert_uint_eq(ds->captx, 0);
    ck_assert_int_eq(custseg_dataset_add_transaction(ds, "a", NULL, 0, 1,
                                                     NULL), CUSTSEG_OK);
    ck_assert_int_eq(custseg__dataset_reserve(ds, SIZE_MAX - 1, true),
                     CUSTSEG_ELIMIT);
    custseg_dataset_free(ds);
}
END_TEST

/* ------------------------------------------------------------ limits */

static custseg_dataset *new_cota(void)
{
    custseg_dataset *ds;

    ck_assert_int_eq(custseg_dataset_new(&ds), CUSTSEG_OK);
    ck_assert_int_eq(custseg_dataset_map_column(ds, "customer", "c"), 0);
    ck_assert_int_eq(custseg_dataset_map_column(ds, "order", "o"), 0);
    ck_assert_int_eq(custseg_dataset_map_column(ds, "time", "t"), 0);
    ck_assert_int_eq(custseg_dataset_map_column(ds, "amount", "a"), 0);
    return ds;
}

/* rows CSV rows: customer i % customers, order i % orders. */
static int load_rows(custseg_dataset *ds, int rows, int customers,
                     int orders)
{
    char text[8192];
    size_t n = (size_t)sprintf(text, "c,o,t,a\n");
    int i;

    for (i = 0; i < rows; i++)
        n += (size_t)sprintf(text + n, "C%d,O%d,2024-01-%02d,1.5\n",
                             i % customers, i % orders, i % 28 + 1);
    return custseg_dataset_load_csv_buffer(ds, text, n, "lim.csv");
}

static void expect_limit(custseg_dataset *ds, int rc, const char *what)
{
    ck_assert_int_eq(rc, CUSTSEG_ELIMIT);
    ck_assert_msg(strstr(custseg_dataset_errmsg(ds), what) != NULL, "%s",
                  custseg_dataset_errmsg(ds));
}

START_TEST(customers)
{
    custseg_dataset *ds;
    char id[16];
    int i;

    if (skip())
        return;
    ds = new_cota();
    expect_limit(ds, load_rows(ds, MAXC + 1, MAXC + 1, 1), "c");
    ck_assert_uint_eq(custseg_dataset_customer_count(ds), 0);
    ck_assert_int_eq(load_rows(ds, MAXC, MAXC, 1), CUSTSEG_OK);
    ck_assert_int_eq(custseg_dataset_add_transaction(ds, "C0", NULL, 0, 1,
                                                     NULL), CUSTSEG_OK);
    expect_limit(ds, custseg_dataset_add_transaction(ds, "new", NULL, 0, 1,
                                                     NULL), "customers");
    ck_assert_uint_eq(custseg_dataset_customer_count(ds), MAXC);
    ck_assert_uint_eq(custseg_dataset_transaction_count(ds), MAXC + 1);
    ck_assert_int_eq(custseg_dataset_freeze(ds), CUSTSEG_OK);
    custseg_dataset_free(ds);
    /* Pre-aggregated customers count against the same limit. */
    ck_assert_int_eq(custseg_dataset_new(&ds), CUSTSEG_OK);
    for (i = 0; i <= MAXC; i++) {
        snprintf(id, sizeof id, "K%d", i);
        ck_assert_int_eq(custseg_dataset_add_customer(ds, id, 1, 1, 1),
                         i < MAXC ? CUSTSEG_OK : CUSTSEG_ELIMIT);
    }
    ck_assert_uint_eq(custseg_dataset_customer_count(ds), MAXC);
    custseg_dataset_free(ds);
}
END_TEST

START_TEST(bulk_customers_all_or_nothing)
{
    int64_t keys[64], times[64], amounts[64];
    custseg_dataset *ds;
    int i;

    if (skip())
        return;
    for (i = 0; i < 64; i++) {
        keys[i] = i;
        times[i] = 1700000000 + i;
        amounts[i] = 10000;
    }
    ck_assert_int_eq(custseg_dataset_new(&ds), CUSTSEG_OK);
    ck_assert_int_eq(custseg_dataset_add_columns_keys(ds, (size_t)MAXC + 1,
                                                      keys, NULL, times,
                                                      amounts, NULL),
                     CUSTSEG_ELIMIT);
    ck_assert_uint_eq(custseg_dataset_customer_count(ds), 0);
    ck_assert_uint_eq(custseg_dataset_transaction_count(ds), 0);
    ck_assert_int_eq(custseg_dataset_add_columns_keys(ds, (size_t)MAXC,
                                                      keys, NULL, times,
                                                      amounts, NULL),
                     CUSTSEG_OK);
    ck_assert_uint_eq(custseg_dataset_customer_count(ds), MAXC);
    custseg_dataset_free(ds);
}
END_TEST

START_TEST(orders)
{
    custseg_dataset *ds;

    if (skip())
        return;
    ds = new_cota();
    expect_limit(ds, load_rows(ds, MAXO + 1, 1, MAXO + 1), "o");
    ck_assert_uint_eq(custseg_dataset_transaction_count(ds), 0);
    ck_assert_int_eq(load_rows(ds, MAXO, 1, MAXO), CUSTSEG_OK);
    expect_limit(ds, custseg_dataset_add_transaction(ds, "C0", "new", 0, 1,
                                                     NULL), "orders");
    ck_assert_int_eq(custseg_dataset_add_transaction(ds, "C0", "O0", 0, 1,
                                                     NULL), CUSTSEG_OK);
    custseg_dataset_free(ds);
}
END_TEST

START_TEST(transactions)
{
    custseg_dataset *ds;
    int i, rc = CUSTSEG_OK;

    if (skip())
        return;
    ds = new_cota();
    expect_limit(ds, load_rows(ds, MAXT + 1, 2, 2), "transactions");
    ck_assert_int_eq(custseg_dataset_error_line(ds), MAXT + 2);
    ck_assert_uint_eq(custseg_dataset_transaction_count(ds), 0);
    ck_assert_uint_eq(custseg_dataset_customer_count(ds), 0);
    ck_assert_int_eq(load_rows(ds, MAXT - 1, 2, 2), CUSTSEG_OK);
    for (i = 0; i < 2; i++)
        rc = custseg_dataset_add_transaction(ds, "C1", NULL, 0, 1, NULL);
    expect_limit(ds, rc, "transactions");
    ck_assert_uint_eq(custseg_dataset_transaction_count(ds), MAXT);
    ck_assert_int_eq(custseg_dataset_freeze(ds), CUSTSEG_OK);
    custseg_dataset_free(ds);
}
END_TEST

static const char map_header[] =
    "segment,r_min,r_max,f_min,f_max,m_min,m_max\n";

/* An rfm map may hold MAX_SEGMENTS - 1 segments: the result adds
 * "Others" and holds at most MAX_SEGMENTS. */
START_TEST(segments)
{
    custseg_strategy *s;
    custseg_dataset *ds;
    custseg_result *r;
    char map[1024], name[16];
    size_t n;
    int i;

    if (skip())
        return;
    ck_assert_int_eq(custseg_strategy_new(&s, "rfm"), CUSTSEG_OK);
    n = (size_t)sprintf(map, "%s", map_header);
    for (i = 0; i < MAXS; i++)
        n += (size_t)sprintf(map + n, "S%d,%d,5,1,5,1,5\n", i, i % 5 + 1);
    ck_assert_int_eq(custseg_strategy_load_segments_buffer(s, map, n, NULL),
                     CUSTSEG_ELIMIT);
    ck_assert_ptr_nonnull(strstr(custseg_strategy_errmsg(s), "segments"));
    ck_assert_uint_eq(s->nsegs, 0);
    for (i = 0; i < MAXS; i++) {
        snprintf(name, sizeof name, "R%d", i);
        ck_assert_int_eq(custseg_strategy_add_segment_range(s, name, 1, 5,
                                                            1, 5, 1, 5),
                         i < MAXS - 1 ? CUSTSEG_OK : CUSTSEG_ELIMIT);
    }
    ck_assert_int_eq(custseg_strategy_add_segment_codes(s, "X", "555"),
                     CUSTSEG_ELIMIT);
    ds = new_cota();
    ck_assert_int_eq(load_rows(ds, 8, 4, 8), CUSTSEG_OK);
    ck_assert_int_eq(custseg_run(&r, s, ds), CUSTSEG_OK);
    ck_assert_uint_eq(custseg_result_segment_count(r), MAXS);
    custseg_result_free(r);
    custseg_dataset_free(ds);
    custseg_strategy_free(s);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("limits");
    TCase *tc = tcase_create("limits");

    tcase_add_test(tc, checked_arithmetic);
    tcase_add_test(tc, overflowing_requests);
    tcase_add_test(tc, customers);
    tcase_add_test(tc, bulk_customers_all_or_nothing);
    tcase_add_test(tc, orders);
    tcase_add_test(tc, transactions);
    tcase_add_test(tc, segments);
    suite_add_tcase(s, tc);
    return tu_run_suite(s);
}
