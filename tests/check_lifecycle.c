/*
 * check_lifecycle.c - the lifecycle strategy on hand-computed cases: each
 * state and each limit from both sides, prospects (nothing up to as_of),
 * returns counting for recency, custom limits, gap mode (per-customer
 * median of distinct-day gaps, a .5 median, the dataset's pooled median
 * for one-day customers, no gap anywhere), the CSV layout and bad
 * options.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "custseg.h"
#include "testutil.h"

#define E4 10000
#define DAY 86400
#define AS_OF "2024-07-01"
#define AS_OF_T 1719792000 /* 2024-07-01T00:00:00Z */

static const char *const states[6] = {"prospect", "new", "active",
                                      "at risk", "dormant", "lost"};

/* A transaction at noon, `off` days from as_of (negative: before). */
static void tx(custseg_dataset *ds, const char *id, const char *order,
               int off, int64_t units)
{
    ck_assert_int_eq(custseg_dataset_add_transaction(
                         ds, id, order,
                         AS_OF_T + (int64_t)off * DAY + DAY / 2,
                         units * E4, NULL),
                     CUSTSEG_OK);
}

static custseg_strategy *strategy(const char *mode)
{
    custseg_strategy *s = NULL;

    ck_assert_int_eq(custseg_strategy_new(&s, "lifecycle"), CUSTSEG_OK);
    /* a date-time is cut to its date */
    ck_assert_int_eq(custseg_strategy_set_string(s, "as_of",
                                                 AS_OF "T23:00:00"),
                     CUSTSEG_OK);
    if (mode != NULL)
        ck_assert_int_eq(custseg_strategy_set_string(s, "mode", mode),
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

static const char *state(const custseg_result *r, const char *id)
{
    const custseg_segment *seg;
    size_t row;

    ck_assert_msg(custseg_result_find(&row, r, id) == CUSTSEG_OK, "%s", id);
    ck_assert_int_eq(custseg_result_segment_at(
                         &seg, r, custseg_result_customer_segment(r, row)),
                     CUSTSEG_OK);
    return custseg_segment_name(seg);
}

/* ids[i] must be in state want[i] (an index into states[]). */
static void expect(const custseg_result *r, const char *const *ids,
                   const int *want, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        ck_assert_msg(strcmp(state(r, ids[i]), states[want[i]]) == 0,
                      "%s: %s, want %s", ids[i], state(r, ids[i]),
                      states[want[i]]);
}

static void counts(const custseg_result *r, const int64_t *want)
{
    const custseg_segment *seg;
    size_t i;

    ck_assert_uint_eq(custseg_result_segment_count(r), 6);
    for (i = 0; i < 6; i++) {
        ck_assert_int_eq(custseg_result_segment_at(&seg, r, i), CUSTSEG_OK);
        ck_assert_str_eq(custseg_segment_name(seg), states[i]);
        ck_assert_int_eq(custseg_segment_count(seg), want[i]);
    }
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

/* Days are offsets from as_of; D = as_of. */
static custseg_dataset *fixed_set(void)
{
    custseg_dataset *ds = NULL;

    ck_assert_int_eq(custseg_dataset_new(&ds), CUSTSEG_OK);
    tx(ds, "p", "1", 5, 10);     /* only after as_of: prospect */
    tx(ds, "n1", "2", -30, 10);  /* first 30 days ago: new */
    tx(ds, "n2", "3", -31, 10);  /* 31: not new, recency 31: active */
    tx(ds, "n3", "4", -10, 10);  /* new; the order after as_of */
    tx(ds, "n3", "5", 3, 99);    /* is not seen */
    tx(ds, "a1", "6", -400, 10);
    tx(ds, "a1", "7", -90, 10);  /* recency 90: active */
    tx(ds, "r1", "8", -400, 10);
    tx(ds, "r1", "9", -91, 10);  /* 91: at risk */
    tx(ds, "r2", "10", -400, 10);
    tx(ds, "r2", "11", -180, 10); /* 180: at risk */
    tx(ds, "d1", "12", -400, 10);
    tx(ds, "d1", "13", -181, 10); /* 181: dormant */
    tx(ds, "d2", "14", -400, 10);
    tx(ds, "d2", "15", -365, 10); /* 365: dormant */
    tx(ds, "l1", "16", -400, 10);
    tx(ds, "l1", "17", -366, 10); /* 366: lost */
    tx(ds, "ret", "18", -400, 50);
    tx(ds, "ret", "19", -50, -20); /* a return 50 days ago: active */
    return ds;
}

static const char *const fixed_ids[] = {"p", "n1", "n2", "n3", "a1", "r1",
                                        "r2", "d1", "d2", "l1", "ret"};

START_TEST(fixed_defaults)
{
    static const int want[] = {0, 1, 2, 1, 2, 3, 3, 4, 4, 5, 2};
    static const int64_t per_state[6] = {1, 2, 3, 2, 2, 1};
    custseg_dataset *ds = fixed_set();
    custseg_strategy *s = strategy(NULL);
    custseg_result *r = run(s, ds);
    const custseg_segment *seg;

    ck_assert_str_eq(custseg_result_strategy(r), "lifecycle");
    ck_assert_uint_eq(custseg_result_customer_count(r), 11);
    expect(r, fixed_ids, want, 11);
    counts(r, per_state);
    /* a prospect has no recency (-1), no orders and no money */
    ck_assert_int_eq(field(r, "p", CUSTSEG_FIELD_RECENCY), -1);
    ck_assert_int_eq(field(r, "p", CUSTSEG_FIELD_FREQUENCY), 0);
    ck_assert_int_eq(field(r, "p", CUSTSEG_FIELD_MONETARY), 0);
    ck_assert_int_eq(field(r, "n3", CUSTSEG_FIELD_RECENCY), 10);
    ck_assert_int_eq(field(r, "n3", CUSTSEG_FIELD_FREQUENCY), 1);
    ck_assert_int_eq(field(r, "ret", CUSTSEG_FIELD_MONETARY), 30 * E4);
    /* the score is monetary: active holds n2 10, a1 20, ret 30 */
    ck_assert_int_eq(custseg_result_segment_at(&seg, r, 2), CUSTSEG_OK);
    ck_assert(fabs(custseg_segment_stat(seg, CUSTSEG_STAT_SCORE_MEAN) -
                   20.0) < 1e-12);
    ck_assert_int_eq(custseg_segment_revenue(seg), 60 * E4);
    custseg_result_free(r);
    custseg_strategy_free(s);
    custseg_dataset_free(ds);
}
END_TEST

/* new_days 0 (only a first purchase on the as_of day), active 30, at risk
 * 60, dormant 400. */
START_TEST(fixed_custom)
{
    static const int want[] = {0, 2, 3, 2, 4, 4, 4, 4, 4, 4, 3};
    static const int64_t per_state[6] = {1, 0, 2, 2, 6, 0};
    static const char *const names[4] = {"new_days", "active_days",
                                         "at_risk_days", "dormant_days"};
    static const int64_t days[4] = {0, 30, 60, 400};
    custseg_dataset *ds = fixed_set();
    custseg_strategy *s = strategy("fixed");
    custseg_result *r;
    size_t i;

    for (i = 0; i < 4; i++)
        ck_assert_int_eq(custseg_strategy_set_int(s, names[i], days[i]),
                         CUSTSEG_OK);
    r = run(s, ds);
    expect(r, fixed_ids, want, 11);
    counts(r, per_state);
    custseg_result_free(r);
    custseg_strategy_free(s);
    custseg_dataset_free(ds);
}
END_TEST

/*
 * Gap mode, multipliers 1, 2, 4 of G, the median gap between distinct
 * transaction days up to as_of:
 *   g1  days -100 -80 -60 -40      gaps 20 20 20  G 20    rec 40 at risk
 *   g2  -200 -190 -170 -140 (+10)  gaps 10 20 30  G 20    rec 140 lost
 *   g3  -50 -40 -25                gaps 10 15     G 12.5  rec 25 at risk
 *   g4  -38 -28 -13                gaps 10 15     G 12.5  rec 13 at risk
 *   g5  -60 (two orders) -40       gap 20         G 20    rec 40 at risk
 *   g6  -60 -55 -15                gaps 5 40      G 22.5  rec 15 active
 *   nw  -5 -3                      gap 2                  new
 * Pooled gaps: 2 5 10 10 10 15 15 | 20 20 20 20 20 30 40: G = 17.5, so
 * one-day customers: active <= 17.5, at risk <= 35, dormant <= 70:
 *   s3 -35 at risk, s2 -36 dormant, s1 -70 (two orders) dormant, s4 -71
 *   lost; pp only after as_of: prospect.
 * g2's day after as_of would add a gap of 150 and make G 20 (s4 dormant);
 * counting g5's same-day orders twice would give it G 10 (dormant).
 */
static custseg_dataset *gap_set(void)
{
    static const struct { const char *id; int off; } rows[] = {
        {"g1", -100}, {"g1", -80}, {"g1", -60}, {"g1", -40},
        {"g2", -200}, {"g2", -190}, {"g2", -170}, {"g2", -140},
        {"g2", 10}, {"g3", -50}, {"g3", -40}, {"g3", -25}, {"g4", -38},
        {"g4", -28}, {"g4", -13}, {"g5", -60}, {"g5", -60}, {"g5", -40},
        {"g6", -60}, {"g6", -55}, {"g6", -15}, {"nw", -5}, {"nw", -3},
        {"s1", -70}, {"s1", -70}, {"s2", -36}, {"s3", -35}, {"s4", -71},
        {"pp", 1}};
    custseg_dataset *ds = NULL;
    size_t i;

    ck_assert_int_eq(custseg_dataset_new(&ds), CUSTSEG_OK);
    for (i = 0; i < sizeof rows / sizeof *rows; i++)
        tx(ds, rows[i].id, NULL, rows[i].off, 1); /* each row an order */
    return ds;
}

static const char *const gap_ids[] = {"g1", "g2", "g3", "g4", "g5", "g6",
                                      "nw", "s1", "s2", "s3", "s4", "pp"};

START_TEST(gap_mode)
{
    static const int want[] = {3, 5, 3, 3, 3, 2, 1, 4, 4, 3, 5, 0};
    static const int64_t per_state[6] = {1, 1, 1, 5, 2, 2};
    custseg_dataset *ds = gap_set();
    custseg_strategy *s = strategy("gap");
    custseg_result *r = run(s, ds);

    expect(r, gap_ids, want, 12);
    counts(r, per_state);
    ck_assert_int_eq(field(r, "g5", CUSTSEG_FIELD_FREQUENCY), 3);
    custseg_result_free(r);
    custseg_strategy_free(s);
    custseg_dataset_free(ds);
}
END_TEST

/* Multipliers 0.5, 1, 1.5: g1 (G 20) limits 10 20 30, rec 40 lost; g6 (G
 * 22.5) 11.25 22.5 33.75, rec 15 at risk; s3 (pooled 17.5) 8.75 17.5
 * 26.25, rec 35 lost; g4 (G 12.5) 6.25 12.5 18.75, rec 13 dormant. */
START_TEST(gap_multipliers)
{
    static const char *const ids[] = {"g1", "g6", "s3", "g4"};
    static const int want[] = {5, 3, 5, 4};
    custseg_dataset *ds = gap_set();
    custseg_strategy *s = strategy("gap");
    custseg_result *r;

    ck_assert_int_eq(custseg_strategy_set_string(s, "gap_multipliers",
                                                 "0.5, 1, 1.5"),
                     CUSTSEG_OK);
    r = run(s, ds);
    expect(r, ids, want, 4);
    custseg_result_free(r);
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

/* Nobody bought on two days: there is no gap to scale by, and gap mode
 * falls back to the fixed limits (x: recency 100, at risk). Also the CSV
 * layout, with the prospect's recency -1. */
START_TEST(no_gap_and_csv)
{
    custseg_dataset *ds = NULL;
    custseg_strategy *s = strategy("gap");
    custseg_result *r;
    char buf[1024] = "";

    ck_assert_int_eq(custseg_dataset_new(&ds), CUSTSEG_OK);
    tx(ds, "x", "1", -100, 10);
    tx(ds, "y", "2", -10, 5);
    tx(ds, "z", "3", 2, 3);
    r = run(s, ds);
    ck_assert_int_eq(custseg_result_write(r, CUSTSEG_FORMAT_CSV, 2,
                                          mb_write, buf),
                     CUSTSEG_OK);
    ck_assert_str_eq(buf,
                     "customer_id,recency,frequency,monetary,score,segment\n"
                     "x,100,1,10.00,10.000000,at risk\n"
                     "y,10,1,5.00,5.000000,new\n"
                     "z,-1,0,0.00,0.000000,prospect\n");
    custseg_result_free(r);
    custseg_strategy_free(s);
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
    static const char *const mult[] = {"1,2", "1,2,4,8", "2,1,4", "0,1,2",
                                       "1,2,4.0001", "1,2,1001", "-1,2,4",
                                       "", "a,b,c"};
    custseg_strategy *s = strategy(NULL);
    size_t i;

    ck_assert_uint_eq(custseg_strategy_option_count(s), 8);
    bad_string(s, "mode", "adaptive");
    for (i = 0; i < sizeof mult / sizeof *mult; i++)
        bad_string(s, "gap_multipliers", mult[i]);
    ck_assert_int_eq(custseg_strategy_set_string(s, "gap_multipliers",
                                                 "1,1,1000"),
                     CUSTSEG_OK);
    ck_assert_int_eq(custseg_strategy_set_int(s, "active_days", -1),
                     CUSTSEG_EINVAL);
    ck_assert_int_eq(custseg_strategy_set_int(s, "new_days", 1000001),
                     CUSTSEG_EINVAL);
    ck_assert_int_eq(custseg_strategy_set_int(s, "bins", 5),
                     CUSTSEG_ENOTFOUND);
    ck_assert_int_eq(custseg_strategy_set_string(s, "active_days", "9"),
                     CUSTSEG_EINVAL);
    custseg_strategy_free(s);
}
END_TEST

/* Limits out of order are found at run time (they are set one by one);
 * pre-aggregated customers have no first purchase day. */
START_TEST(run_time_errors)
{
    custseg_dataset *ds = fixed_set(), *sum = NULL;
    custseg_strategy *s = strategy(NULL);
    custseg_result *r = NULL;

    ck_assert_int_eq(custseg_strategy_set_int(s, "active_days", 200),
                     CUSTSEG_OK);
    ck_assert_int_eq(custseg_run(&r, s, ds), CUSTSEG_EINVAL);
    ck_assert_ptr_null(r);
    ck_assert_ptr_nonnull(strstr(custseg_strategy_errmsg(s),
                                 "at_risk_days"));
    ck_assert_int_eq(custseg_dataset_new(&sum), CUSTSEG_OK);
    ck_assert_int_eq(custseg_dataset_add_customer(sum, "c", 3, 1, E4),
                     CUSTSEG_OK);
    ck_assert_int_eq(custseg_strategy_set_int(s, "active_days", 90),
                     CUSTSEG_OK);
    ck_assert_int_eq(custseg_run(&r, s, sum), CUSTSEG_EMISUSE);
    ck_assert_ptr_null(r);
    custseg_strategy_free(s);
    custseg_dataset_free(sum);
    custseg_dataset_free(ds);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("lifecycle");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, fixed_defaults);
    tcase_add_test(tc, fixed_custom);
    tcase_add_test(tc, gap_mode);
    tcase_add_test(tc, gap_multipliers);
    tcase_add_test(tc, no_gap_and_csv);
    tcase_add_test(tc, bad_options);
    tcase_add_test(tc, run_time_errors);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(suite());
}
