/*
 * check_decile.c - the decile strategy on hand-computed tables: NTILE(10)
 * group sizes, revenue share, cumulative share, lift and cumulative lift,
 * the frequency and aov metrics, and ties broken by id bytes.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "custseg.h"
#include "testutil.h"

#define E4 10000

static custseg_dataset *dataset(size_t n, const int64_t *freq,
                                const int64_t *money, char ids[][8])
{
    custseg_dataset *ds = NULL;
    size_t i;

    ck_assert_int_eq(custseg_dataset_new(&ds), CUSTSEG_OK);
    for (i = 0; i < n; i++) {
        snprintf(ids[i], 8, "id%02u", (unsigned)i + 1);
        ck_assert_int_eq(custseg_dataset_add_customer(ds, ids[i], 3, freq[i],
                                                      money[i]),
                         CUSTSEG_OK);
    }
    return ds;
}

static custseg_result *run_metric(custseg_dataset *ds, const char *metric)
{
    custseg_strategy *s = NULL;
    custseg_result *r = NULL;
    int st;

    ck_assert_int_eq(custseg_strategy_new(&s, "decile"), CUSTSEG_OK);
    if (metric != NULL)
        ck_assert_int_eq(custseg_strategy_set_string(s, "metric", metric),
                         CUSTSEG_OK);
    st = custseg_run(&r, s, ds);
    ck_assert_msg(st == CUSTSEG_OK, "%s", custseg_strategy_errmsg(s));
    custseg_strategy_free(s);
    return r;
}

static int64_t field(const custseg_result *r, const char *id, int f)
{
    size_t row;
    int64_t v;

    ck_assert_int_eq(custseg_result_find(&row, r, id), CUSTSEG_OK);
    ck_assert_int_eq(custseg_result_customer_field(&v, r, row, f),
                     CUSTSEG_OK);
    return v;
}

static const custseg_segment *decile(const custseg_result *r, size_t d)
{
    const custseg_segment *seg;
    char name[4];

    ck_assert_int_eq(custseg_result_segment_at(&seg, r, d - 1), CUSTSEG_OK);
    snprintf(name, sizeof name, "%u", (unsigned)d);
    ck_assert_str_eq(custseg_segment_name(seg), name);
    return seg;
}

static void near(double got, double want)
{
    ck_assert_msg(fabs(got - want) < 1e-12, "got %.17g, want %.17g", got,
                  want);
}

/* 23 customers with monetary 1..23: deciles hold 3,3,3,2,2,2,2,2,2,2
 * customers, the biggest spenders first. Revenue per decile: 66, 57, 48,
 * 27, 23, 19, 15, 11, 7, 3 (total 276, overall mean 12). */
START_TEST(monetary_table)
{
    static const int64_t count[10] = {3, 3, 3, 2, 2, 2, 2, 2, 2, 2};
    static const int64_t rev[10] = {66, 57, 48, 27, 23, 19, 15, 11, 7, 3};
    int64_t freq[23], money[23], cum = 0, cum_n = 0;
    char ids[23][8];
    custseg_dataset *ds;
    custseg_result *r;
    size_t i;

    for (i = 0; i < 23; i++) {
        freq[i] = 1;
        money[i] = (int64_t)(i + 1) * E4;
    }
    ds = dataset(23, freq, money, ids);
    r = run_metric(ds, NULL);
    ck_assert_str_eq(custseg_result_strategy(r), "decile");
    ck_assert_uint_eq(custseg_result_segment_count(r), 10);
    for (i = 1; i <= 10; i++) {
        const custseg_segment *seg = decile(r, i);
        cum += rev[i - 1];
        cum_n += count[i - 1];
        ck_assert_int_eq(custseg_segment_count(seg), count[i - 1]);
        ck_assert_int_eq(custseg_segment_revenue(seg), rev[i - 1] * E4);
        near(custseg_segment_stat(seg, CUSTSEG_STAT_SHARE),
             count[i - 1] / 23.0);
        near(custseg_segment_stat(seg, CUSTSEG_STAT_REVENUE),
             (double)rev[i - 1]);
        near(custseg_segment_stat(seg, CUSTSEG_STAT_REVENUE_SHARE),
             rev[i - 1] / 276.0);
        near(custseg_segment_stat(seg, CUSTSEG_STAT_CUM_REVENUE_SHARE),
             cum / 276.0);
        near(custseg_segment_stat(seg, CUSTSEG_STAT_LIFT),
             (double)rev[i - 1] / (double)count[i - 1] / 12.0);
        near(custseg_segment_stat(seg, CUSTSEG_STAT_CUM_LIFT),
             (double)cum / (double)cum_n / 12.0);
    }
    near(custseg_segment_stat(decile(r, 1), CUSTSEG_STAT_LIFT), 22.0 / 12);
    near(custseg_segment_stat(decile(r, 10), CUSTSEG_STAT_CUM_REVENUE_SHARE),
         1.0);
    /* the score is the value in currency units */
    near(custseg_segment_stat(decile(r, 1), CUSTSEG_STAT_SCORE_MEAN), 22.0);
    near(custseg_segment_stat(decile(r, 1), CUSTSEG_STAT_SCORE_MIN), 21.0);
    near(custseg_segment_stat(decile(r, 4), CUSTSEG_STAT_SCORE_SD), 0.5);
    ck_assert_int_eq(field(r, "id23", CUSTSEG_FIELD_DECILE), 1);
    ck_assert_int_eq(field(r, "id21", CUSTSEG_FIELD_DECILE), 1);
    ck_assert_int_eq(field(r, "id20", CUSTSEG_FIELD_DECILE), 2);
    ck_assert_int_eq(field(r, "id01", CUSTSEG_FIELD_DECILE), 10);
    ck_assert_int_eq(field(r, "id23", CUSTSEG_FIELD_VALUE), 23 * E4);
    ck_assert_int_eq(field(r, "id23", CUSTSEG_FIELD_MONETARY), 23 * E4);
    ck_assert_int_eq(field(r, "id23", CUSTSEG_FIELD_FREQUENCY), 1);
    ck_assert_int_eq(field(r, "id23", CUSTSEG_FIELD_RECENCY), 3);
    custseg_result_free(r);
    custseg_dataset_free(ds);
}
END_TEST

/* Equal values: NTILE splits the tie in id byte order (ascending), even
 * though the value is ranked descending. 4 customers: deciles 1..4, the
 * other six deciles exist and are empty. */
START_TEST(ties_by_id)
{
    static const int64_t freq[4] = {2, 2, 2, 2};
    static const int64_t money[4] = {5 * E4, 5 * E4, 9 * E4, 5 * E4};
    char ids[4][8];
    custseg_dataset *ds = dataset(4, freq, money, ids);
    custseg_result *r = run_metric(ds, "monetary");
    size_t d;

    ck_assert_int_eq(field(r, "id03", CUSTSEG_FIELD_DECILE), 1);
    ck_assert_int_eq(field(r, "id01", CUSTSEG_FIELD_DECILE), 2);
    ck_assert_int_eq(field(r, "id02", CUSTSEG_FIELD_DECILE), 3);
    ck_assert_int_eq(field(r, "id04", CUSTSEG_FIELD_DECILE), 4);
    ck_assert_uint_eq(custseg_result_segment_count(r), 10);
    for (d = 5; d <= 10; d++) {
        ck_assert_int_eq(custseg_segment_count(decile(r, d)), 0);
        near(custseg_segment_stat(decile(r, d), CUSTSEG_STAT_SCORE_MEAN), 0);
    }
    near(custseg_segment_stat(decile(r, 4), CUSTSEG_STAT_CUM_REVENUE_SHARE),
         1.0);
    custseg_result_free(r);
    custseg_dataset_free(ds);
}
END_TEST

/* metric frequency: ranked by order count, ties by id; revenue columns
 * still sum monetary; the score is the plain count. */
START_TEST(frequency_metric)
{
    static const int64_t freq[12] = {1, 7, 3, 3, 9, 2, 2, 5, 1, 4, 6, 8};
    static const int want[12] = {9, 2, 5, 6, 1, 7, 8, 3, 10, 4, 2, 1};
    int64_t money[12];
    char ids[12][8];
    custseg_dataset *ds;
    custseg_result *r;
    size_t i;

    for (i = 0; i < 12; i++)
        money[i] = (int64_t)(100 - i) * E4;
    ds = dataset(12, freq, money, ids);
    r = run_metric(ds, "frequency");
    /* order: id05(9) id12(8) | id02(7) id11(6) | id08(5) | id10(4) |
     * id03(3) | id04(3) | id06(2) | id07(2) | id01(1) | id09(1): 12 rows
     * give sizes 2, 2, 1, ..., 1; the ties keep id order */
    for (i = 0; i < 12; i++)
        ck_assert_msg(field(r, ids[i], CUSTSEG_FIELD_DECILE) == want[i],
                      "%s", ids[i]);
    ck_assert_int_eq(field(r, "id05", CUSTSEG_FIELD_VALUE), 9);
    ck_assert_int_eq(custseg_segment_revenue(decile(r, 1)),
                     (96 + 89) * (int64_t)E4);
    near(custseg_segment_stat(decile(r, 1), CUSTSEG_STAT_SCORE_MEAN), 8.5);
    custseg_result_free(r);
    custseg_dataset_free(ds);
}
END_TEST

/* metric aov: monetary / frequency, half to even to 1e-4; 0 without
 * orders. 10 / 3 = 3.3333, 20 / 3 = 6.6667, 0.0001 / 2 = 0.0000 (half to
 * even), 0.0003 / 2 = 0.0002. */
START_TEST(aov_metric)
{
    static const int64_t freq[5] = {3, 3, 0, 2, 2};
    static const int64_t money[5] = {10 * E4, 20 * E4, 50 * E4, 1, 3};
    char ids[5][8];
    custseg_dataset *ds = dataset(5, freq, money, ids);
    custseg_result *r = run_metric(ds, "aov");

    ck_assert_int_eq(field(r, "id01", CUSTSEG_FIELD_VALUE), 33333);
    ck_assert_int_eq(field(r, "id02", CUSTSEG_FIELD_VALUE), 66667);
    ck_assert_int_eq(field(r, "id03", CUSTSEG_FIELD_VALUE), 0);
    ck_assert_int_eq(field(r, "id04", CUSTSEG_FIELD_VALUE), 0);
    ck_assert_int_eq(field(r, "id05", CUSTSEG_FIELD_VALUE), 2);
    ck_assert_int_eq(field(r, "id02", CUSTSEG_FIELD_DECILE), 1);
    ck_assert_int_eq(field(r, "id01", CUSTSEG_FIELD_DECILE), 2);
    ck_assert_int_eq(field(r, "id05", CUSTSEG_FIELD_DECILE), 3);
    ck_assert_int_eq(field(r, "id03", CUSTSEG_FIELD_DECILE), 4);
    ck_assert_int_eq(field(r, "id04", CUSTSEG_FIELD_DECILE), 5);
    near(custseg_segment_stat(decile(r, 1), CUSTSEG_STAT_SCORE_MEAN),
         6.6667);
    ck_assert_int_eq(custseg_segment_revenue(decile(r, 4)), 50 * E4);
    custseg_result_free(r);
    custseg_dataset_free(ds);
}
END_TEST

START_TEST(options)
{
    custseg_strategy *s = NULL;

    ck_assert_int_eq(custseg_strategy_new(&s, "decile"), CUSTSEG_OK);
    ck_assert_int_eq(custseg_strategy_set_string(s, "metric", "margin"),
                     CUSTSEG_EINVAL);
    ck_assert_int_eq(custseg_strategy_set_int(s, "bins", 5),
                     CUSTSEG_ENOTFOUND);
    ck_assert_int_eq(custseg_strategy_set_int(s, "threads", 4), CUSTSEG_OK);
    ck_assert_int_eq(custseg_strategy_set_string(s, "as_of", "2024-01-01"),
                     CUSTSEG_OK);
    ck_assert_int_eq(custseg_strategy_add_segment_codes(s, "x", "555"),
                     CUSTSEG_EMISUSE);
    custseg_strategy_free(s);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("decile");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, monetary_table);
    tcase_add_test(tc, ties_by_id);
    tcase_add_test(tc, frequency_metric);
    tcase_add_test(tc, aov_metric);
    tcase_add_test(tc, options);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(suite());
}
