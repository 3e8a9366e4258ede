/*
 * check_value.c - the value strategy (Pareto / ABC tiers by cumulative
 * share of value) on hand-computed cases: the boundary customer, a share
 * landing exactly on a threshold, ties broken by id bytes, zero and
 * negative values, custom thresholds and names, the aov and frequency
 * metrics, as_of, the CSV layout and bad options.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "custseg.h"
#include "testutil.h"

#define E4 10000
#define DAY 86400
#define JAN1_2024 1704067200 /* 2024-01-01T00:00:00Z */

/* Pre-aggregated customers: recency 3, frequency 1, monetary in units. */
static custseg_dataset *summary(size_t n, const char *const *ids,
                                const int64_t *money)
{
    custseg_dataset *ds = NULL;
    size_t i;

    ck_assert_int_eq(custseg_dataset_new(&ds), CUSTSEG_OK);
    for (i = 0; i < n; i++)
        ck_assert_int_eq(custseg_dataset_add_customer(ds, ids[i], 3, 1,
                                                      money[i] * E4),
                         CUSTSEG_OK);
    return ds;
}

static custseg_strategy *strategy(const char *thresholds, const char *tiers)
{
    custseg_strategy *s = NULL;

    ck_assert_int_eq(custseg_strategy_new(&s, "value"), CUSTSEG_OK);
    if (thresholds != NULL)
        ck_assert_int_eq(custseg_strategy_set_string(s, "thresholds",
                                                     thresholds),
                         CUSTSEG_OK);
    if (tiers != NULL)
        ck_assert_int_eq(custseg_strategy_set_string(s, "tiers", tiers),
                         CUSTSEG_OK);
    return s;
}

static custseg_result *run(custseg_strategy *s, custseg_dataset *ds)
{
    custseg_result *r = NULL;
    int st = custseg_run(&r, s, ds);

    ck_assert_msg(st == CUSTSEG_OK, "%s", custseg_strategy_errmsg(s));
    return r;
}

static custseg_result *run_tiers(custseg_dataset *ds, const char *thr,
                                 const char *tiers)
{
    custseg_strategy *s = strategy(thr, tiers);
    custseg_result *r = run(s, ds);

    custseg_strategy_free(s);
    return r;
}

static const char *tier(const custseg_result *r, const char *id)
{
    const custseg_segment *seg;
    size_t row;

    ck_assert_msg(custseg_result_find(&row, r, id) == CUSTSEG_OK, "%s", id);
    ck_assert_int_eq(custseg_result_segment_at(
                         &seg, r, custseg_result_customer_segment(r, row)),
                     CUSTSEG_OK);
    return custseg_segment_name(seg);
}

static const custseg_segment *segment(const custseg_result *r, size_t i,
                                      const char *name)
{
    const custseg_segment *seg;

    ck_assert_int_eq(custseg_result_segment_at(&seg, r, i), CUSTSEG_OK);
    ck_assert_str_eq(custseg_segment_name(seg), name);
    return seg;
}

static void near(double got, double want)
{
    ck_assert_msg(fabs(got - want) < 1e-12, "got %.17g, want %.17g", got,
                  want);
}

/*
 * Positive total T = 50 + 35 + 5 + 4 + 3 + 2 + 1 = 100 (zero and negative
 * values do not count). Order by value desc, share before each customer:
 *   a 50: 0%   -> A
 *   b 35: 50%  -> A  (crosses 80%: the boundary customer stays in A)
 *   c 5:  85%  -> B
 *   d 4:  90%  -> B
 *   e 3:  94%  -> B  (crosses 95%)
 *   f 2:  97%  -> C
 *   g 1:  99%  -> C
 *   h 0, i -20 -> C  (never above the last tier)
 */
START_TEST(default_abc)
{
    static const char *const ids[] = {"a", "b", "c", "d", "e", "f", "g",
                                      "h", "i"};
    static const int64_t money[] = {50, 35, 5, 4, 3, 2, 1, 0, -20};
    static const char *const want = "AABBBCCCC";
    custseg_dataset *ds = summary(9, ids, money);
    custseg_result *r = run_tiers(ds, NULL, NULL);
    size_t i;

    ck_assert_str_eq(custseg_result_strategy(r), "value");
    ck_assert_uint_eq(custseg_result_segment_count(r), 3);
    for (i = 0; i < 9; i++)
        ck_assert_msg(tier(r, ids[i])[0] == want[i] && !tier(r, ids[i])[1],
                      "%s: %s", ids[i], tier(r, ids[i]));
    ck_assert_int_eq(custseg_segment_count(segment(r, 0, "A")), 2);
    ck_assert_int_eq(custseg_segment_count(segment(r, 1, "B")), 3);
    ck_assert_int_eq(custseg_segment_count(segment(r, 2, "C")), 4);
    /* revenue is net monetary: C holds 2 + 1 + 0 - 20 */
    ck_assert_int_eq(custseg_segment_revenue(segment(r, 2, "C")),
                     -17 * E4);
    near(custseg_segment_stat(segment(r, 0, "A"), CUSTSEG_STAT_SCORE_MEAN),
         42.5);
    near(custseg_segment_stat(segment(r, 2, "C"), CUSTSEG_STAT_SCORE_MIN),
         -20.0);
    custseg_result_free(r);
    custseg_dataset_free(ds);
}
END_TEST

/* A share exactly on a threshold is not below it: with T = 100 and a cut
 * at 0.07, the customer after the first 7 goes to B. A double computation
 * 0.07 * 100 = 7.000000000000001 would wrongly keep it in A. c00..c13
 * are 7 each, c14 is 2. Shares before: c00 0, c01 7 (B), ..., c07 49 (B),
 * c08 56 (C). */
START_TEST(exact_boundary)
{
    const char *ids[15];
    char names[15][4];
    int64_t money[15];
    custseg_dataset *ds;
    custseg_result *r;
    size_t i;

    for (i = 0; i < 15; i++) {
        snprintf(names[i], sizeof names[i], "c%02u", (unsigned)i);
        ids[i] = names[i];
        money[i] = i < 14 ? 7 : 2;
    }
    ds = summary(15, ids, money);
    r = run_tiers(ds, "0.07,0.5", NULL);
    for (i = 0; i < 15; i++)
        ck_assert_str_eq(tier(r, ids[i]), i == 0 ? "A" : i < 8 ? "B" : "C");
    custseg_result_free(r);
    custseg_dataset_free(ds);
}
END_TEST

/* Equal values are ordered by id bytes: "Z" (0x5a) before "a" (0x61).
 * T = 100, cuts 0.4 and 0.9: Z 0% gold, a 40% silver, m 80% silver. */
START_TEST(ties_by_id)
{
    static const char *const ids[] = {"a", "m", "Z"};
    static const int64_t money[] = {40, 20, 40};
    custseg_dataset *ds = summary(3, ids, money);
    custseg_result *r = run_tiers(ds, "0.4, 0.9", "gold, silver,bronze");

    ck_assert_str_eq(tier(r, "Z"), "gold");
    ck_assert_str_eq(tier(r, "a"), "silver");
    ck_assert_str_eq(tier(r, "m"), "silver");
    ck_assert_int_eq(custseg_segment_count(segment(r, 2, "bronze")), 0);
    custseg_result_free(r);
    custseg_dataset_free(ds);
}
END_TEST

/* No positive value at all: everybody is in the last tier. */
START_TEST(no_positive_value)
{
    static const char *const ids[] = {"x", "y"};
    static const int64_t money[] = {0, -5};
    custseg_dataset *ds = summary(2, ids, money);
    custseg_result *r = run_tiers(ds, NULL, NULL);

    ck_assert_str_eq(tier(r, "x"), "C");
    ck_assert_str_eq(tier(r, "y"), "C");
    ck_assert_int_eq(custseg_segment_count(segment(r, 0, "A")), 0);
    custseg_result_free(r);
    custseg_dataset_free(ds);
}
END_TEST

/* Four tiers with default letter names, and a last cut of 1: T = 100,
 * cuts 0.5, 0.8, 1. Shares before: p 0% A, q 60% B, r 90% C (below 1,
 * as every positive customer is); s has no value: D, the last tier. */
START_TEST(custom_thresholds)
{
    static const char *const ids[] = {"p", "q", "r", "s"};
    static const int64_t money[] = {60, 30, 10, 0};
    custseg_dataset *ds = summary(4, ids, money);
    custseg_result *r = run_tiers(ds, "0.5,0.8,1", NULL);

    ck_assert_uint_eq(custseg_result_segment_count(r), 4);
    ck_assert_str_eq(tier(r, "p"), "A");
    ck_assert_str_eq(tier(r, "q"), "B");
    ck_assert_str_eq(tier(r, "r"), "C");
    ck_assert_str_eq(tier(r, "s"), "D");
    near(custseg_segment_stat(segment(r, 1, "B"),
                              CUSTSEG_STAT_CUM_REVENUE_SHARE), 0.9);
    custseg_result_free(r);
    custseg_dataset_free(ds);
}
END_TEST

static void tx(custseg_dataset *ds, const char *id, const char *order,
               int day, int64_t amount)
{
    ck_assert_int_eq(custseg_dataset_add_transaction(
                         ds, id, order, JAN1_2024 + (int64_t)day * DAY,
                         amount, NULL),
                     CUSTSEG_OK);
}

/*
 * Transactions (day 0 = 2024-01-01):
 *   u: orders 1 (day 0, 30) and 2 (day 5, 10)  monetary 40, aov 20
 *   v: order 3 (day 2, 25)                      monetary 25, aov 25
 *   w: orders 4, 5, 6 (days 1..3, 5 each)       monetary 15, aov 5
 *   x: order 7 (day 20, 100), after as_of in the as_of run
 */
static custseg_dataset *orders(void)
{
    custseg_dataset *ds = NULL;

    ck_assert_int_eq(custseg_dataset_new(&ds), CUSTSEG_OK);
    tx(ds, "u", "1", 0, 30 * E4);
    tx(ds, "u", "2", 5, 10 * E4);
    tx(ds, "v", "3", 2, 25 * E4);
    tx(ds, "w", "4", 1, 5 * E4);
    tx(ds, "w", "5", 2, 5 * E4);
    tx(ds, "w", "6", 3, 5 * E4);
    tx(ds, "x", "7", 20, 100 * E4);
    return ds;
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

/* as_of 2024-01-10 leaves x out (no transaction up to then). aov: T = 50,
 * v 25 (0%) A, u 20 (50%) A, w 5 (90%) B. frequency: T = 6, w 3 (0%) A,
 * u 2 (50%) A, v 1 (83.3%) B. */
START_TEST(metrics_and_as_of)
{
    custseg_dataset *ds = orders();
    custseg_strategy *s = strategy(NULL, NULL);
    custseg_result *r;

    ck_assert_int_eq(custseg_strategy_set_string(s, "as_of", "2024-01-10"),
                     CUSTSEG_OK);
    ck_assert_int_eq(custseg_strategy_set_string(s, "metric", "aov"),
                     CUSTSEG_OK);
    r = run(s, ds);
    ck_assert_uint_eq(custseg_result_customer_count(r), 3);
    ck_assert_int_eq(field(r, "u", CUSTSEG_FIELD_VALUE), 20 * E4);
    ck_assert_int_eq(field(r, "u", CUSTSEG_FIELD_MONETARY), 40 * E4);
    ck_assert_int_eq(field(r, "u", CUSTSEG_FIELD_RECENCY), 4);
    ck_assert_str_eq(tier(r, "v"), "A");
    ck_assert_str_eq(tier(r, "u"), "A");
    ck_assert_str_eq(tier(r, "w"), "B");
    near(custseg_result_customer_score(r, 0), 20.0); /* u, money units */
    custseg_result_free(r);
    ck_assert_int_eq(custseg_strategy_set_string(s, "metric", "frequency"),
                     CUSTSEG_OK);
    r = run(s, ds);
    ck_assert_str_eq(tier(r, "w"), "A");
    ck_assert_str_eq(tier(r, "u"), "A");
    ck_assert_str_eq(tier(r, "v"), "B");
    near(custseg_result_customer_score(r, 2), 3.0); /* w, a count */
    custseg_result_free(r);
    custseg_strategy_free(s);
    custseg_dataset_free(ds);
}
END_TEST

/* metric attr:NAME ranks a number attribute; every customer has a row,
 * "pz" known only by its attributes too (recency -1). Attribute "spend":
 * pz 60, v 30, u 10, none for w and x (0, the last tier). T = 100: pz 0%
 * A, v 60% A, u 90% B. A string attribute or an unknown name fails. */
START_TEST(attribute_metric)
{
    static const char *const ids[] = {"pz", "v", "u"};
    static const double spend[] = {60, 30, 10.00004};
    custseg_dataset *ds = orders();
    custseg_strategy *s = strategy(NULL, NULL);
    custseg_result *r = NULL;
    size_t i;

    for (i = 0; i < 3; i++)
        ck_assert_int_eq(custseg_dataset_set_attribute_number(
                             ds, ids[i], "spend", spend[i]),
                         CUSTSEG_OK);
    ck_assert_int_eq(custseg_dataset_set_attribute_string(ds, "u", "land",
                                                          "NL"),
                     CUSTSEG_OK);
    ck_assert_int_eq(custseg_strategy_set_string(s, "metric", "attr:spend"),
                     CUSTSEG_OK);
    r = run(s, ds);
    ck_assert_uint_eq(custseg_result_customer_count(r), 5);
    ck_assert_str_eq(tier(r, "pz"), "A");
    ck_assert_str_eq(tier(r, "v"), "A");
    ck_assert_str_eq(tier(r, "u"), "B");
    ck_assert_str_eq(tier(r, "w"), "C");
    ck_assert_str_eq(tier(r, "x"), "C");
    ck_assert_int_eq(field(r, "pz", CUSTSEG_FIELD_RECENCY), -1);
    ck_assert_int_eq(field(r, "pz", CUSTSEG_FIELD_FREQUENCY), 0);
    ck_assert_int_eq(field(r, "pz", CUSTSEG_FIELD_VALUE), 60 * E4);
    ck_assert_int_eq(field(r, "u", CUSTSEG_FIELD_VALUE), 10 * E4);
    ck_assert_int_eq(field(r, "x", CUSTSEG_FIELD_RECENCY), 1);
    custseg_result_free(r);
    r = NULL;
    ck_assert_int_eq(custseg_strategy_set_string(s, "metric", "attr:land"),
                     CUSTSEG_OK);
    ck_assert_int_eq(custseg_run(&r, s, ds), CUSTSEG_EINVAL);
    ck_assert_int_eq(custseg_strategy_set_string(s, "metric", "attr:size"),
                     CUSTSEG_OK);
    ck_assert_int_eq(custseg_run(&r, s, ds), CUSTSEG_ENOTFOUND);
    ck_assert_ptr_nonnull(strstr(custseg_strategy_errmsg(s), "size"));
    ck_assert_ptr_null(r);
    custseg_strategy_free(s);
    custseg_dataset_free(ds);
}
END_TEST

static int mb_write(const char *data, size_t len, void *payload)
{
    char *buf = payload;
    size_t used = strlen(buf);

    ck_assert_uint_lt(used + len, 1024);
    memcpy(buf + used, data, len);
    buf[used + len] = '\0';
    return 0;
}

/* CSV: customer_id, the metrics, the ranked value, score and tier. With
 * the default as_of (2024-01-22) T = 180: x 100 (0%) A, u 40 (55.6%) A,
 * v 25 (77.8%) A, w 15 (91.7%) B. */
START_TEST(csv_layout)
{
    custseg_dataset *ds = orders();
    custseg_result *r = run_tiers(ds, NULL, NULL);
    char buf[1024] = "";

    ck_assert_int_eq(custseg_result_write(r, CUSTSEG_FORMAT_CSV, 2,
                                          mb_write, buf),
                     CUSTSEG_OK);
    ck_assert_str_eq(buf,
                     "customer_id,recency,frequency,monetary,value,score,"
                     "segment\n"
                     "u,16,2,40.00,40.00,40.000000,A\n"
                     "v,19,1,25.00,25.00,25.000000,A\n"
                     "w,18,3,15.00,15.00,15.000000,B\n"
                     "x,1,1,100.00,100.00,100.000000,A\n");
    custseg_result_free(r);
    custseg_dataset_free(ds);
}
END_TEST

static void bad_string(custseg_strategy *s, const char *name,
                       const char *value)
{
    ck_assert_msg(custseg_strategy_set_string(s, name, value) ==
                      CUSTSEG_EINVAL,
                  "%s=\"%s\" accepted", name, value);
    ck_assert_msg(strstr(custseg_strategy_errmsg(s), name) != NULL, "%s",
                  custseg_strategy_errmsg(s));
}

START_TEST(bad_options)
{
    static const char *const thresholds[] = {
        "", "0", "1.5", "0.8,0.8", "0.9,0.8", "-0.5", "0.8e-1", "0,8",
        "0.1234567891", "0.8,", ".", "abc"};
    custseg_strategy *s = strategy(NULL, NULL);
    size_t i;

    ck_assert_uint_eq(custseg_strategy_option_count(s), 5);
    bad_string(s, "metric", "margin");
    bad_string(s, "metric", "attr:");
    for (i = 0; i < sizeof thresholds / sizeof *thresholds; i++)
        bad_string(s, "thresholds", thresholds[i]);
    bad_string(s, "tiers", "A");
    bad_string(s, "tiers", "A,,B");
    bad_string(s, "tiers", "A,B,A");
    ck_assert_int_eq(custseg_strategy_set_string(s, "thresholds",
                                                 "0.123456789,1"),
                     CUSTSEG_OK);
    ck_assert_int_eq(custseg_strategy_set_int(s, "bins", 5),
                     CUSTSEG_ENOTFOUND);
    ck_assert_int_eq(custseg_strategy_set_int(s, "threads", 0),
                     CUSTSEG_EINVAL);
    ck_assert_int_eq(custseg_strategy_set_int(s, "threads", 8), CUSTSEG_OK);
    ck_assert_int_eq(custseg_strategy_set_string(s, "as_of", "yesterday"),
                     CUSTSEG_EINVAL);
    custseg_strategy_free(s);
}
END_TEST

/* Checks that need both options, or the dataset, happen at run time. */
START_TEST(run_time_errors)
{
    custseg_dataset *ds = orders();
    custseg_strategy *s = strategy("0.5,0.9", "top,rest");
    custseg_result *r = NULL;

    ck_assert_int_eq(custseg_run(&r, s, ds), CUSTSEG_EINVAL);
    ck_assert_ptr_null(r);
    ck_assert_ptr_nonnull(strstr(custseg_strategy_errmsg(s), "tier"));
    ck_assert_int_eq(custseg_strategy_set_string(s, "tiers", "a,b,c"),
                     CUSTSEG_OK);
    ck_assert_int_eq(custseg_strategy_set_string(s, "metric", "attr:size"),
                     CUSTSEG_OK);
    ck_assert_int_eq(custseg_run(&r, s, ds), CUSTSEG_ENOTFOUND);
    ck_assert_ptr_nonnull(strstr(custseg_strategy_errmsg(s), "size"));
    ck_assert_int_eq(custseg_strategy_set_string(s, "metric", "monetary"),
                     CUSTSEG_OK);
    ck_assert_int_eq(custseg_strategy_set_string(s, "as_of", "2023-06-01"),
                     CUSTSEG_OK);
    ck_assert_int_eq(custseg_run(&r, s, ds), CUSTSEG_ENODATA);
    custseg_strategy_free(s);
    /* 27 tiers have no default letters */
    s = strategy("0.01,0.02,0.03,0.04,0.05,0.06,0.07,0.08,0.09,0.1,0.11,"
                 "0.12,0.13,0.14,0.15,0.16,0.17,0.18,0.19,0.2,0.21,0.22,"
                 "0.23,0.24,0.25,0.26", NULL);
    ck_assert_int_eq(custseg_run(&r, s, ds), CUSTSEG_EINVAL);
    custseg_strategy_free(s);
    custseg_dataset_free(ds);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("value");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, default_abc);
    tcase_add_test(tc, exact_boundary);
    tcase_add_test(tc, ties_by_id);
    tcase_add_test(tc, no_positive_value);
    tcase_add_test(tc, custom_thresholds);
    tcase_add_test(tc, metrics_and_as_of);
    tcase_add_test(tc, attribute_metric);
    tcase_add_test(tc, csv_layout);
    tcase_add_test(tc, bad_options);
    tcase_add_test(tc, run_time_errors);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(suite());
}
