/*
 * check_rfm.c - the rfm strategy on small hand-computed cases: NTILE
 * scores (ties by id bytes, uneven groups, fewer customers than bins), R
 * rfm quantile scores (REFERENCE.md 1.2 examples), as_of filtering, the
 * default 11-segment map, caller maps, r-f-m naming for other bin counts,
 * thread counts and cancellation.
 */
#include <check.h>
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h" /* custseg__sort_by_i64 */
#include "testutil.h"

#define E4 10000

/* ------------------------------------------------------------ helpers */

typedef struct cust {
    const char *id;
    int64_t recency, frequency, monetary; /* monetary in e4 */
} cust;

static custseg_dataset *summary(const cust *c, size_t n)
{
    custseg_dataset *ds = NULL;
    size_t i;

    ck_assert_int_eq(custseg_dataset_new(&ds), CUSTSEG_OK);
    for (i = 0; i < n; i++)
        ck_assert_int_eq(custseg_dataset_add_customer(ds, c[i].id,
                                                      c[i].recency,
                                                      c[i].frequency,
                                                      c[i].monetary),
                         CUSTSEG_OK);
    return ds;
}

static custseg_strategy *rfm(int bins, const char *binning)
{
    custseg_strategy *s = NULL;

    ck_assert_int_eq(custseg_strategy_new(&s, "rfm"), CUSTSEG_OK);
    ck_assert_int_eq(custseg_strategy_set_int(s, "bins", bins), CUSTSEG_OK);
    ck_assert_int_eq(custseg_strategy_set_string(s, "binning", binning),
                     CUSTSEG_OK);
    return s;
}

static custseg_result *run(custseg_strategy *s, custseg_dataset *ds)
{
    custseg_result *r = NULL;
    int st = custseg_run(&r, s, ds);

    ck_assert_msg(st == CUSTSEG_OK, "run: %s: %s", custseg_strerror(st),
                  custseg_strategy_errmsg(s));
    return r;
}

static int64_t field(const custseg_result *r, const char *id, int f)
{
    size_t row;
    int64_t v = -1;

    ck_assert_msg(custseg_result_find(&row, r, id) == CUSTSEG_OK,
                  "customer %s not in the result", id);
    ck_assert_int_eq(custseg_result_customer_field(&v, r, row, f),
                     CUSTSEG_OK);
    return v;
}

static const char *segment_of(const custseg_result *r, const char *id)
{
    const custseg_segment *seg;
    size_t row;

    ck_assert_int_eq(custseg_result_find(&row, r, id), CUSTSEG_OK);
    ck_assert_int_eq(custseg_result_segment_at(
                         &seg, r, custseg_result_customer_segment(r, row)),
                     CUSTSEG_OK);
    return custseg_segment_name(seg);
}

static void expect_scores(const custseg_result *r, const char *id, int sr,
                          int sf, int sm)
{
    ck_assert_msg(field(r, id, CUSTSEG_FIELD_R) == sr &&
                  field(r, id, CUSTSEG_FIELD_F) == sf &&
                  field(r, id, CUSTSEG_FIELD_M) == sm,
                  "%s: scores %lld%lld%lld, want %d%d%d", id,
                  (long long)field(r, id, CUSTSEG_FIELD_R),
                  (long long)field(r, id, CUSTSEG_FIELD_F),
                  (long long)field(r, id, CUSTSEG_FIELD_M), sr, sf, sm);
}

static void expect_threshold(const custseg_result *r, int var, int score,
                             double lo, double hi)
{
    double l, u;

    ck_assert_int_eq(custseg_result_threshold(&l, &u, r, var, score),
                     CUSTSEG_OK);
    if (isnan(lo))
        ck_assert_msg(isnan(l) && isnan(u), "var %d score %d: want NaN",
                      var, score);
    else
        ck_assert_msg(fabs(l - lo) < 1e-9 && fabs(u - hi) < 1e-9,
                      "var %d score %d: [%.17g, %.17g], want [%g, %g]",
                      var, score, l, u, lo, hi);
}

/* ------------------------------------------------------------ ntile */

/* All values equal: NTILE splits the tie by id bytes, so "10" < "9" <
 * "B" < "a" < "z" < "\xc3\xa9" (UTF-8 e-acute, bytes above ASCII). */
START_TEST(ntile_ties_by_id_bytes)
{
    static const cust c[] = {
        {"a", 5, 2, 10 * E4}, {"\xc3\xa9", 5, 2, 10 * E4},
        {"9", 5, 2, 10 * E4}, {"z", 5, 2, 10 * E4},
        {"B", 5, 2, 10 * E4}, {"10", 5, 2, 10 * E4},
    };
    custseg_dataset *ds = summary(c, 6);
    custseg_strategy *s = rfm(3, "ntile");
    custseg_result *r = run(s, ds);

    expect_scores(r, "10", 1, 1, 1);
    expect_scores(r, "9", 1, 1, 1);
    expect_scores(r, "B", 2, 2, 2);
    expect_scores(r, "a", 2, 2, 2);
    expect_scores(r, "z", 3, 3, 3);
    expect_scores(r, "\xc3\xa9", 3, 3, 3);
    custseg_result_free(r);
    custseg_strategy_free(s);
    custseg_dataset_free(ds);
}
END_TEST

/* 7 customers in 3 groups: sizes 3, 2, 2 (larger groups first). Recency
 * is ranked descending: the oldest customers get R = 1. */
START_TEST(ntile_uneven_groups)
{
    static const cust c[] = {
        {"c1", 10, 1, 15000}, {"c2", 20, 2, 30000}, {"c3", 30, 3, 45000},
        {"c4", 40, 4, 60000}, {"c5", 50, 5, 75000}, {"c6", 60, 6, 90000},
        {"c7", 70, 7, 105000},
    };
    custseg_dataset *ds = summary(c, 7);
    custseg_strategy *s = rfm(3, "ntile");
    custseg_result *r = run(s, ds);

    expect_scores(r, "c1", 3, 1, 1);
    expect_scores(r, "c2", 3, 1, 1);
    expect_scores(r, "c3", 2, 1, 1);
    expect_scores(r, "c4", 2, 2, 2);
    expect_scores(r, "c5", 1, 2, 2);
    expect_scores(r, "c6", 1, 3, 3);
    expect_scores(r, "c7", 1, 3, 3);
    ck_assert_int_eq(custseg_result_bins(r), 3);
    /* ntile thresholds: smallest and largest value given each score */
    expect_threshold(r, CUSTSEG_FIELD_RECENCY, 1, 50, 70);
    expect_threshold(r, CUSTSEG_FIELD_RECENCY, 3, 10, 20);
    expect_threshold(r, CUSTSEG_FIELD_FREQUENCY, 1, 1, 3);
    expect_threshold(r, CUSTSEG_FIELD_FREQUENCY, 2, 4, 5);
    expect_threshold(r, CUSTSEG_FIELD_MONETARY, 3, 9.0, 10.5);
    ck_assert_double_eq(custseg_result_customer_score(r, 0), 5.0);
    custseg_result_free(r);
    custseg_strategy_free(s);
    custseg_dataset_free(ds);
}
END_TEST

/* 12 rows in 5 groups: 3, 3, 2, 2, 2. */
START_TEST(ntile_twelve_in_five)
{
    static const int want[12] = {1, 1, 1, 2, 2, 2, 3, 3, 4, 4, 5, 5};
    cust c[12];
    char ids[12][4];
    custseg_dataset *ds;
    custseg_strategy *s = rfm(5, "ntile");
    custseg_result *r;
    int i;

    for (i = 0; i < 12; i++) {
        snprintf(ids[i], sizeof ids[i], "%c", 'a' + i);
        c[i].id = ids[i];
        c[i].recency = 100 - i; /* descending ranks in id order too */
        c[i].frequency = 1;     /* all tied: id order decides */
        c[i].monetary = (12 - i) * E4; /* reverse id order */
    }
    ds = summary(c, 12);
    r = run(s, ds);
    for (i = 0; i < 12; i++) {
        ck_assert_int_eq(field(r, ids[i], CUSTSEG_FIELD_R), want[i]);
        ck_assert_int_eq(field(r, ids[i], CUSTSEG_FIELD_F), want[i]);
        ck_assert_int_eq(field(r, ids[i], CUSTSEG_FIELD_M), want[11 - i]);
    }
    custseg_result_free(r);
    custseg_strategy_free(s);
    custseg_dataset_free(ds);
}
END_TEST

/* Fewer customers than bins: one per group, the last groups empty. */
START_TEST(ntile_fewer_than_bins)
{
    static const cust c[] = {
        {"x", 3, 9, 1 * E4}, {"y", 2, 8, 2 * E4}, {"w", 1, 7, 3 * E4},
    };
    custseg_dataset *ds = summary(c, 3);
    custseg_strategy *s = rfm(5, "ntile");
    custseg_result *r = run(s, ds);

    expect_scores(r, "x", 1, 3, 1);
    expect_scores(r, "y", 2, 2, 2);
    expect_scores(r, "w", 3, 1, 3);
    expect_threshold(r, CUSTSEG_FIELD_FREQUENCY, 1, 7, 7);
    expect_threshold(r, CUSTSEG_FIELD_FREQUENCY, 4, NAN, NAN);
    expect_threshold(r, CUSTSEG_FIELD_RECENCY, 5, NAN, NAN);
    custseg_result_free(r);
    custseg_strategy_free(s);
    custseg_dataset_free(ds);
}
END_TEST

/* ------------------------------------------------------------ quantile */

/* REFERENCE.md 1.2: F of [1,1,1,1,1,1,2,2,3,5] -> 1,1,1,1,1,1,3,3,4,5
 * (score 2 unused). Edges: quantiles 1, 1, 1.4, 2.2 plus 1. */
START_TEST(quantile_frequency_example)
{
    static const int64_t f[10] = {1, 1, 1, 1, 1, 1, 2, 2, 3, 5};
    static const int want[10] = {1, 1, 1, 1, 1, 1, 3, 3, 4, 5};
    cust c[10];
    char ids[10][4];
    custseg_dataset *ds;
    custseg_strategy *s = rfm(5, "quantile");
    custseg_result *r;
    int i;

    for (i = 0; i < 10; i++) {
        snprintf(ids[i], sizeof ids[i], "k%d", i);
        c[i].id = ids[i];
        c[i].recency = 10;
        c[i].frequency = f[i];
        c[i].monetary = E4;
    }
    ds = summary(c, 10);
    r = run(s, ds);
    for (i = 0; i < 10; i++)
        ck_assert_int_eq(field(r, ids[i], CUSTSEG_FIELD_F), want[i]);
    expect_threshold(r, CUSTSEG_FIELD_FREQUENCY, 1, 1, 2);
    expect_threshold(r, CUSTSEG_FIELD_FREQUENCY, 2, 2, 2);
    expect_threshold(r, CUSTSEG_FIELD_FREQUENCY, 3, 2, 2.4);
    expect_threshold(r, CUSTSEG_FIELD_FREQUENCY, 4, 2.4, 3.2);
    expect_threshold(r, CUSTSEG_FIELD_FREQUENCY, 5, 3.2, 6);
    custseg_result_free(r);
    custseg_strategy_free(s);
    custseg_dataset_free(ds);
}
END_TEST

/* All-equal data [7,7,7,7]: F = 1 and R = 5 for everyone (the only
 * non-empty interval is the first; recency scores count down). */
START_TEST(quantile_all_equal)
{
    static const cust c[] = {
        {"a", 7, 7, 7 * E4}, {"b", 7, 7, 7 * E4},
        {"c", 7, 7, 7 * E4}, {"d", 7, 7, 7 * E4},
    };
    custseg_dataset *ds = summary(c, 4);
    custseg_strategy *s = rfm(5, "quantile");
    custseg_result *r = run(s, ds);
    size_t i;

    for (i = 0; i < 4; i++)
        expect_scores(r, c[i].id, 5, 1, 1);
    expect_threshold(r, CUSTSEG_FIELD_RECENCY, 5, 7, 8);
    expect_threshold(r, CUSTSEG_FIELD_RECENCY, 1, 8, 8);
    custseg_result_free(r);
    custseg_strategy_free(s);
    custseg_dataset_free(ds);
}
END_TEST

/* R rfm's own test: bins(mtcars, "mpg", 5) == 16.20, 18.92, 22.00, 25.08
 * (quantiles plus one); here as money, whose edges are in currency units. */
START_TEST(quantile_mtcars_edges)
{
    static const double mpg[32] = {
        21.0, 21.0, 22.8, 21.4, 18.7, 18.1, 14.3, 24.4, 22.8, 19.2, 17.8,
        16.4, 17.3, 15.2, 10.4, 10.4, 14.7, 32.4, 30.4, 33.9, 21.5, 15.5,
        15.2, 13.3, 19.2, 27.3, 26.0, 30.4, 15.8, 19.7, 15.0, 21.4};
    cust c[32];
    char ids[32][8];
    custseg_dataset *ds;
    custseg_strategy *s = rfm(5, "quantile");
    custseg_result *r;
    int i;

    for (i = 0; i < 32; i++) {
        snprintf(ids[i], sizeof ids[i], "car%02d", i);
        c[i].id = ids[i];
        c[i].recency = 1;
        c[i].frequency = 1;
        c[i].monetary = (int64_t)llround(mpg[i] * E4);
    }
    ds = summary(c, 32);
    r = run(s, ds);
    expect_threshold(r, CUSTSEG_FIELD_MONETARY, 1, 10.4, 16.2);
    expect_threshold(r, CUSTSEG_FIELD_MONETARY, 2, 16.2, 18.92);
    expect_threshold(r, CUSTSEG_FIELD_MONETARY, 3, 18.92, 22.0);
    expect_threshold(r, CUSTSEG_FIELD_MONETARY, 4, 22.0, 25.08);
    expect_threshold(r, CUSTSEG_FIELD_MONETARY, 5, 25.08, 34.9);
    /* 15.2 < 16.2 -> 1; 17.3 -> 2; 21.4 -> 3; 22.8 -> 4; 30.4 -> 5 */
    ck_assert_int_eq(field(r, "car13", CUSTSEG_FIELD_M), 1);
    ck_assert_int_eq(field(r, "car12", CUSTSEG_FIELD_M), 2);
    ck_assert_int_eq(field(r, "car03", CUSTSEG_FIELD_M), 3);
    ck_assert_int_eq(field(r, "car02", CUSTSEG_FIELD_M), 4);
    ck_assert_int_eq(field(r, "car18", CUSTSEG_FIELD_M), 5);
    custseg_result_free(r);
    custseg_strategy_free(s);
    custseg_dataset_free(ds);
}
END_TEST

/* ------------------------------------------------------------ as_of */

static void add_tx(custseg_dataset *ds, const char *who, const char *order,
                   const char *when, int64_t amount)
{
    int64_t t;

    ck_assert_int_eq(custseg_parse_time(&t, when), CUSTSEG_OK);
    ck_assert_int_eq(custseg_dataset_add_transaction(ds, who, order, t,
                                                     amount, NULL),
                     CUSTSEG_OK);
}

START_TEST(as_of_filters_transactions)
{
    custseg_dataset *ds = NULL;
    custseg_strategy *s = rfm(5, "ntile");
    custseg_result *r;
    size_t row;

    ck_assert_int_eq(custseg_dataset_new(&ds), CUSTSEG_OK);
    add_tx(ds, "A", "o1", "2024-01-01", 10 * E4);
    add_tx(ds, "A", "o2", "2024-03-01T10:00:00", 20 * E4);
    add_tx(ds, "B", "o3", "2024-02-01", 5 * E4);
    add_tx(ds, "B", "o3", "2024-02-15T23:59:59", 1 * E4);
    add_tx(ds, "C", "o4", "2024-04-01", 7 * E4);
    /* a date-time as_of is cut to its date */
    ck_assert_int_eq(custseg_strategy_set_string(s, "as_of",
                                                 "2024-02-15T08:00:00"),
                     CUSTSEG_OK);
    r = run(s, ds);
    ck_assert_uint_eq(custseg_result_customer_count(r), 2);
    ck_assert_int_eq(custseg_result_find(&row, r, "C"), CUSTSEG_ENOTFOUND);
    ck_assert_int_eq(field(r, "A", CUSTSEG_FIELD_RECENCY), 45);
    ck_assert_int_eq(field(r, "A", CUSTSEG_FIELD_FREQUENCY), 1);
    ck_assert_int_eq(field(r, "A", CUSTSEG_FIELD_MONETARY), 10 * E4);
    ck_assert_int_eq(field(r, "B", CUSTSEG_FIELD_RECENCY), 0);
    ck_assert_int_eq(field(r, "B", CUSTSEG_FIELD_FREQUENCY), 1);
    ck_assert_int_eq(field(r, "B", CUSTSEG_FIELD_MONETARY), 6 * E4);
    expect_scores(r, "A", 1, 1, 2);
    expect_scores(r, "B", 2, 2, 1);
    custseg_result_free(r);

    /* default as_of: the day after the latest transaction */
    custseg_strategy_free(s);
    s = rfm(5, "ntile");
    r = run(s, ds);
    ck_assert_uint_eq(custseg_result_customer_count(r), 3);
    ck_assert_int_eq(field(r, "C", CUSTSEG_FIELD_RECENCY), 1);
    ck_assert_int_eq(field(r, "A", CUSTSEG_FIELD_RECENCY), 32);
    ck_assert_int_eq(field(r, "A", CUSTSEG_FIELD_FREQUENCY), 2);

    /* an as_of before every transaction leaves nobody */
    custseg_result_free(r);
    r = NULL;
    ck_assert_int_eq(custseg_strategy_set_string(s, "as_of", "2023-12-31"),
                     CUSTSEG_OK);
    ck_assert_int_eq(custseg_run(&r, s, ds), CUSTSEG_ENODATA);
    ck_assert_ptr_null(r);
    ck_assert_int_eq(custseg_strategy_set_string(s, "as_of", "yesterday"),
                     CUSTSEG_EINVAL);
    custseg_strategy_free(s);
    custseg_dataset_free(ds);
}
END_TEST

/* ------------------------------------------------------------ segments */

/* REFERENCE.md 2 (b), typed again here so that the library's copy is
 * checked against an independent one. */
static const char *const map11[][2] = {
    {"Champions", "555 554 544 545 454 455 445"},
    {"Loyal Customers", "543 444 435 355 354 345 344 335"},
    {"Potential Loyalist", "553 551 552 541 542 533 532 531 452 451 442 "
     "441 431 453 433 432 423 353 352 351 342 341 333 323"},
    {"New Customers", "512 511 422 421 412 411 311"},
    {"Promising", "525 524 523 522 521 515 514 513 425 424 413 414 415 "
     "315 314 313"},
    {"Need Attention", "535 534 443 434 343 334 325 324"},
    {"About To Sleep", "331 321 312 221 213 231 241 251"},
    {"At Risk", "255 254 245 244 253 252 243 242 235 234 225 224 153 152 "
     "145 143 142 135 134 133 125 124"},
    {"Can't Lose Them", "155 154 144 214 215 115 114 113"},
    {"Hibernating", "332 322 233 232 223 222 132 123 122 212 211"},
    {"Lost", "111 112 121 131 141 151"},
};

/* Segment of each code 111..555 (index (r-1)*25 + (f-1)*5 + (m-1)) per
 * the lists above; fails unless they partition all 125 codes. */
static void map11_partition(int *seg_of)
{
    size_t i, k;

    for (k = 0; k < 125; k++)
        seg_of[k] = -1;
    for (i = 0; i < 11; i++) {
        const char *p = map11[i][1];
        for (; *p != '\0'; p += p[3] != '\0' ? 4 : 3) {
            int code = (p[0] - '1') * 25 + (p[1] - '1') * 5 + (p[2] - '1');
            ck_assert(p[0] >= '1' && p[0] <= '5' && p[1] >= '1' &&
                      p[1] <= '5' && p[2] >= '1' && p[2] <= '5');
            ck_assert_msg(seg_of[code] < 0, "code %.3s listed twice", p);
            seg_of[code] = (int)i;
        }
    }
    for (k = 0; k < 125; k++)
        ck_assert_msg(seg_of[k] >= 0, "code %d%d%d in no list",
                      (int)k / 25 + 1, (int)k / 5 % 5 + 1, (int)k % 5 + 1);
}

/* 125 customers, one per code: customer k = (a, b, c) gets values that
 * NTILE(5) ranks into R = a+1, F = b+1, M = c+1. */
static custseg_dataset *one_per_code(char ids[125][8])
{
    cust c[125];
    int k;

    for (k = 0; k < 125; k++) {
        int a = k / 25, b = k / 5 % 5, m = k % 5;
        snprintf(ids[k], 8, "c%d%d%d", a + 1, b + 1, m + 1);
        c[k].id = ids[k];
        c[k].recency = (4 - a) * 100 + b * 5 + m;
        c[k].frequency = b * 100 + a * 5 + m;
        c[k].monetary = m * 100 + a * 5 + b;
    }
    return summary(c, 125);
}

START_TEST(default_map_partitions_codes)
{
    char ids[125][8];
    int seg_of[125], k;
    custseg_dataset *ds;
    custseg_strategy *s = rfm(5, "ntile");
    custseg_result *r;
    const custseg_segment *seg;
    size_t i;

    map11_partition(seg_of);
    ds = one_per_code(ids);
    r = run(s, ds);
    ck_assert_uint_eq(custseg_result_segment_count(r), 11);
    for (i = 0; i < 11; i++) {
        ck_assert_int_eq(custseg_result_segment_at(&seg, r, i), CUSTSEG_OK);
        ck_assert_str_eq(custseg_segment_name(seg), map11[i][0]);
    }
    for (k = 0; k < 125; k++) {
        expect_scores(r, ids[k], k / 25 + 1, k / 5 % 5 + 1, k % 5 + 1);
        ck_assert_str_eq(segment_of(r, ids[k]), map11[seg_of[k]][0]);
    }
    custseg_result_free(r);
    custseg_strategy_free(s);
    custseg_dataset_free(ds);
}
END_TEST

/* A caller map: first match wins, "Others" comes last and exists even
 * when empty; codes and ranges mix. */
START_TEST(caller_map_first_match)
{
    char ids[125][8];
    custseg_dataset *ds = one_per_code(ids);
    custseg_strategy *s = rfm(5, "ntile");
    custseg_result *r;
    const custseg_segment *seg;

    ck_assert_int_eq(custseg_strategy_add_segment_codes(s, "Best", "555"),
                     CUSTSEG_OK);
    ck_assert_int_eq(custseg_strategy_add_segment_range(s, "High", 4, 5, 4,
                                                        5, 4, 5),
                     CUSTSEG_OK);
    ck_assert_int_eq(custseg_strategy_add_segment_codes(s, "Picked",
                                                        "111, 5-5-5 123"),
                     CUSTSEG_OK);
    r = run(s, ds);
    ck_assert_uint_eq(custseg_result_segment_count(r), 4);
    ck_assert_str_eq(segment_of(r, "c555"), "Best");
    ck_assert_str_eq(segment_of(r, "c445"), "High");
    ck_assert_str_eq(segment_of(r, "c111"), "Picked");
    ck_assert_str_eq(segment_of(r, "c123"), "Picked");
    ck_assert_str_eq(segment_of(r, "c344"), "Others");
    ck_assert_int_eq(custseg_result_segment_at(&seg, r, 0), CUSTSEG_OK);
    ck_assert_int_eq(custseg_segment_count(seg), 1);
    ck_assert_int_eq(custseg_result_segment_at(&seg, r, 1), CUSTSEG_OK);
    ck_assert_int_eq(custseg_segment_count(seg), 7);
    ck_assert_int_eq(custseg_result_segment_at(&seg, r, 3), CUSTSEG_OK);
    ck_assert_str_eq(custseg_segment_name(seg), "Others");
    ck_assert_int_eq(custseg_segment_count(seg), 125 - 1 - 7 - 2);
    custseg_result_free(r);

    /* a map that catches everyone still ends with an empty "Others" */
    custseg_strategy_clear_segments(s);
    ck_assert_int_eq(custseg_strategy_add_segment_range(s, "All", 1, 5, 1,
                                                        5, 1, 5),
                     CUSTSEG_OK);
    r = run(s, ds);
    ck_assert_uint_eq(custseg_result_segment_count(r), 2);
    ck_assert_int_eq(custseg_result_segment_at(&seg, r, 1), CUSTSEG_OK);
    ck_assert_str_eq(custseg_segment_name(seg), "Others");
    ck_assert_int_eq(custseg_segment_count(seg), 0);
    custseg_result_free(r);
    custseg_strategy_free(s);
    custseg_dataset_free(ds);
}
END_TEST

/* Without a map and bins != 5: one segment per code that occurs, named
 * "r-f-m", in ascending (r, f, m) order. Scores are those of
 * ntile_uneven_groups. */
START_TEST(other_bins_name_codes)
{
    static const cust c[] = {
        {"c1", 10, 1, 15000}, {"c2", 20, 2, 30000}, {"c3", 30, 3, 45000},
        {"c4", 40, 4, 60000}, {"c5", 50, 5, 75000}, {"c6", 60, 6, 90000},
        {"c7", 70, 7, 105000},
    };
    static const char *const names[] = {"1-2-2", "1-3-3", "2-1-1", "2-2-2",
                                        "3-1-1"};
    custseg_dataset *ds = summary(c, 7);
    custseg_strategy *s = rfm(3, "ntile");
    custseg_result *r = run(s, ds);
    const custseg_segment *seg;
    size_t i;

    ck_assert_uint_eq(custseg_result_segment_count(r), 5);
    for (i = 0; i < 5; i++) {
        ck_assert_int_eq(custseg_result_segment_at(&seg, r, i), CUSTSEG_OK);
        ck_assert_str_eq(custseg_segment_name(seg), names[i]);
    }
    ck_assert_str_eq(segment_of(r, "c2"), "3-1-1");
    ck_assert_int_eq(custseg_result_segment_at(&seg, r, 4), CUSTSEG_OK);
    ck_assert_int_eq(custseg_segment_count(seg), 2);
    ck_assert_double_eq(custseg_segment_stat(seg, CUSTSEG_STAT_SCORE_MEAN),
                        5.0);
    custseg_result_free(r);
    custseg_strategy_free(s);

    s = rfm(10, "ntile"); /* two-digit scores in names */
    r = run(s, ds);
    ck_assert_str_eq(segment_of(r, "c1"), "7-1-1");
    ck_assert_str_eq(segment_of(r, "c7"), "1-7-7");
    custseg_result_free(r);
    custseg_strategy_free(s);
    custseg_dataset_free(ds);
}
END_TEST

/* ------------------------------------------------------------ threads */

static uint64_t lcg(uint64_t *x)
{
    *x = *x * 6364136223846793005ULL + 1442695040888963407ULL;
    return *x >> 33;
}

static custseg_dataset *random_summary(size_t n)
{
    custseg_dataset *ds = NULL;
    uint64_t x = 42;
    size_t i;

    ck_assert_int_eq(custseg_dataset_new(&ds), CUSTSEG_OK);
    for (i = 0; i < n; i++) {
        char id[24];
        snprintf(id, sizeof id, "u%llu", (unsigned long long)lcg(&x));
        if (custseg_dataset_add_customer(ds, id, (int64_t)(lcg(&x) % 400),
                                         (int64_t)(lcg(&x) % 12),
                                         (int64_t)(lcg(&x) % 5000) * 100 -
                                             20000) != CUSTSEG_OK)
            continue; /* a duplicate random id */
    }
    return ds;
}

static void same_results(const custseg_result *a, const custseg_result *b)
{
    size_t i, n = custseg_result_customer_count(a);
    int f;

    ck_assert_uint_eq(n, custseg_result_customer_count(b));
    ck_assert_uint_eq(custseg_result_segment_count(a),
                      custseg_result_segment_count(b));
    for (i = 0; i < n; i++) {
        ck_assert_str_eq(custseg_result_customer_id(a, i),
                         custseg_result_customer_id(b, i));
        ck_assert_uint_eq(custseg_result_customer_segment(a, i),
                          custseg_result_customer_segment(b, i));
        for (f = CUSTSEG_FIELD_RECENCY; f <= CUSTSEG_FIELD_M; f++) {
            int64_t x, y;
            ck_assert_int_eq(custseg_result_customer_field(&x, a, i, f), 0);
            ck_assert_int_eq(custseg_result_customer_field(&y, b, i, f), 0);
            ck_assert_int_eq(x, y);
        }
    }
}

START_TEST(threads_identical)
{
    static const char *const modes[] = {"ntile", "quantile"};
    custseg_dataset *ds = random_summary(5000);
    int k, t;

    for (k = 0; k < 2; k++) {
        custseg_result *r[3];
        for (t = 0; t < 3; t++) {
            custseg_strategy *s = rfm(5, modes[k]);
            ck_assert_int_eq(custseg_strategy_set_int(s, "threads", t + 1),
                             CUSTSEG_OK);
            r[t] = run(s, ds);
            custseg_strategy_free(s);
        }
        same_results(r[0], r[1]);
        same_results(r[0], r[2]);
        for (t = 0; t < 3; t++)
            custseg_result_free(r[t]);
    }
    custseg_dataset_free(ds);
}
END_TEST

/* ------------------------------------------------------------ sort */

typedef struct ref {
    int64_t key;
    uint32_t pos, idx;
} ref;

static int cmp_ref(const void *a, const void *b)
{
    const ref *x = a, *y = b;

    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return x->pos < y->pos ? -1 : x->pos > y->pos;
}

/* The stable sort behind every ranking against qsort on (key, position),
 * for key ranges that take the packed path (one or several radix passes)
 * and the 16-byte fallback (a range of 2^64 - 1), both directions. */
START_TEST(sort_matches_reference)
{
    static const uint64_t ranges[] = {1, 3, 2000, 1u << 20, 1ull << 40,
                                      UINT64_MAX};
    enum { N = 20000 };
    int64_t *key = malloc(N * sizeof *key);
    uint32_t *idx = malloc(N * sizeof *idx);
    ref *want = malloc(N * sizeof *want);
    uint64_t x = 7;
    size_t k, i;
    int desc;

    ck_assert(key != NULL && idx != NULL && want != NULL);
    for (k = 0; k < sizeof ranges / sizeof *ranges; k++)
        for (desc = 0; desc < 2; desc++) {
            for (i = 0; i < N; i++) {
                x = x * 6364136223846793005ULL + 1442695040888963407ULL;
                key[i] = (int64_t)((x ^ (x >> 29)) % ranges[k]) - 1000;
                if (ranges[k] == UINT64_MAX) /* halved: can be negated */
                    key[i] = (int64_t)(x ^ (x >> 29)) / 2;
                idx[i] = (uint32_t)((i * 7919) % N); /* a permutation */
            }
            for (i = 0; i < N; i++) {
                want[i].key = desc ? -key[idx[i]] : key[idx[i]];
                want[i].pos = (uint32_t)i;
                want[i].idx = idx[i];
            }
            qsort(want, N, sizeof *want, cmp_ref);
            ck_assert_int_eq(custseg__sort_by_i64(idx, N, key, desc != 0),
                             CUSTSEG_OK);
            for (i = 0; i < N; i++)
                ck_assert_msg(idx[i] == want[i].idx, "range %llu desc %d "
                              "at %u", (unsigned long long)ranges[k], desc,
                              (unsigned)i);
        }
    free(key);
    free(idx);
    free(want);
}
END_TEST

/* NTILE by counting (small key ranges) and by sorting (large ones)
 * against the definition: rank by (key, row), then the first n % bins
 * tiles get n / bins + 1 rows. Few distinct keys make ties cross tile
 * boundaries; n < bins leaves tiles empty. */
static void check_ntile(const int64_t *key, size_t n, int bins, bool desc)
{
    ref *want = malloc((n ? n : 1) * sizeof *want);
    int64_t *tile = malloc((n ? n : 1) * sizeof *tile);
    size_t i, q = n / (size_t)bins, rem = n % (size_t)bins;

    ck_assert(want != NULL && tile != NULL);
    for (i = 0; i < n; i++) {
        want[i].key = desc ? -key[i] : key[i];
        want[i].pos = want[i].idx = (uint32_t)i;
    }
    qsort(want, n, sizeof *want, cmp_ref);
    ck_assert_int_eq(custseg__ntile_i64(tile, key, n, bins, desc),
                     CUSTSEG_OK);
    for (i = 0; i < n; i++) {
        size_t r = i, t = r < rem * (q + 1) ? r / (q + 1)
                                           : rem + (r - rem * (q + 1)) / q;
        ck_assert_msg(tile[want[i].idx] == (int64_t)t + 1, "n %u bins %d "
                      "rank %u: tile %lld", (unsigned)n, bins, (unsigned)i,
                      (long long)tile[want[i].idx]);
    }
    free(want);
    free(tile);
}

START_TEST(ntile_matches_definition)
{
    static const int64_t spans[] = {1, 2, 7, 1000, 65535, 65536, 1 << 30};
    static const size_t sizes[] = {1, 3, 9, 10, 11, 1234, 30001};
    int64_t *key = malloc(30001 * sizeof *key);
    uint64_t x = 99;
    size_t a, b, i;
    int desc;

    ck_assert_ptr_nonnull(key);
    for (a = 0; a < sizeof spans / sizeof *spans; a++)
        for (b = 0; b < sizeof sizes / sizeof *sizes; b++) {
            for (i = 0; i < sizes[b]; i++)
                key[i] = (int64_t)(lcg(&x) % (uint64_t)spans[a]) - 5;
            if (spans[a] == 65535 && sizes[b] > 2) { /* the full range */
                key[0] = -5;
                key[1] = 65534 - 5;
            }
            for (desc = 0; desc < 2; desc++) {
                check_ntile(key, sizes[b], 5, desc != 0);
                check_ntile(key, sizes[b], 10, desc != 0);
                check_ntile(key, sizes[b], 3, desc != 0);
            }
        }
    free(key);
}
END_TEST

/* ------------------------------------------------------------ misc */

static int cancel_at(double f, void *payload)
{
    double *seen = payload;

    ck_assert(f >= *seen); /* never decreases */
    *seen = f;
    return f > 0.5 && f < 1.0;
}

START_TEST(cancel_and_options)
{
    custseg_dataset *ds = random_summary(100);
    custseg_strategy *s = rfm(5, "quantile");
    custseg_result *r = NULL;
    double seen = 0.0;

    custseg_strategy_set_progress(s, cancel_at, &seen);
    ck_assert_int_eq(custseg_run(&r, s, ds), CUSTSEG_ECANCELED);
    ck_assert_ptr_null(r);
    ck_assert(strstr(custseg_strategy_errmsg(s), "cancel") != NULL);
    custseg_strategy_set_progress(s, NULL, NULL);
    ck_assert_int_eq(custseg_strategy_set_int(s, "bins", 11),
                     CUSTSEG_EINVAL);
    ck_assert_int_eq(custseg_strategy_set_int(s, "bins", 1), CUSTSEG_EINVAL);
    ck_assert_int_eq(custseg_strategy_set_int(s, "threads", 0),
                     CUSTSEG_EINVAL);
    ck_assert_int_eq(custseg_strategy_set_string(s, "binning", "qcut"),
                     CUSTSEG_EINVAL);
    ck_assert_int_eq(custseg_strategy_set_string(s, "metric", "aov"),
                     CUSTSEG_ENOTFOUND);
    r = run(s, ds);
    ck_assert_str_eq(custseg_result_strategy(r), "rfm");
    custseg_result_free(r);
    custseg_strategy_free(s);
    custseg_dataset_free(ds);
}
END_TEST

/* ------------------------------------------------------------ ENOMEM
 * Counting allocator, installed by main() before anything else: the
 * sweep below fails the k-th allocation for k = 0, 1, ... and checks that
 * every call reports CUSTSEG_ENOMEM cleanly and nothing leaks. */
static atomic_long fail_at = -1, nalloc, live;

static void *t_alloc(void *payload, size_t size)
{
    void *p;

    (void)payload;
    if (atomic_fetch_add(&nalloc, 1) == atomic_load(&fail_at))
        return NULL;
    if ((p = malloc(size)) != NULL)
        atomic_fetch_add(&live, 1);
    return p;
}

static void *t_realloc(void *payload, void *ptr, size_t size)
{
    (void)payload;
    if (atomic_fetch_add(&nalloc, 1) == atomic_load(&fail_at))
        return NULL;
    return realloc(ptr, size);
}

static void t_free(void *payload, void *ptr)
{
    (void)payload;
    if (ptr != NULL)
        atomic_fetch_sub(&live, 1);
    free(ptr);
}

#define TRY(call)                                                        \
    do {                                                                 \
        if ((st = (call)) != CUSTSEG_OK) {                               \
            ck_assert_msg(st == CUSTSEG_ENOMEM, "%s: %s", #call,         \
                          custseg_strerror(st));                         \
            goto out;                                                    \
        }                                                                \
    } while (0)

static int run_free(custseg_strategy *s, custseg_dataset *ds)
{
    custseg_result *r = NULL;
    int st = custseg_run(&r, s, ds);

    if (st != CUSTSEG_OK)
        ck_assert_ptr_null(r);
    custseg_result_free(r);
    return st;
}

/* Everything this file's code allocates: a dataset, a map from codes,
 * ranges and CSV, ntile and quantile runs, per-code naming and deciles. */
static int pipeline(void)
{
    static const char map[] = "segment,r_min,r_max,f_min,f_max,m_min,"
                              "m_max\nMid,2,4,2,4,2,4\n";
    custseg_dataset *ds = NULL;
    custseg_strategy *s = NULL, *d = NULL;
    char id[16], order[16];
    int st, i;

    TRY(custseg_dataset_new(&ds));
    for (i = 0; i < 60; i++) {
        snprintf(id, sizeof id, "c%d", i % 23);
        snprintf(order, sizeof order, "o%d", i / 2);
        TRY(custseg_dataset_add_transaction(ds, id, order,
                                            1700000000 + i * 86400,
                                            (i * 37 % 11) * E4, NULL));
    }
    TRY(custseg_strategy_new(&s, "rfm"));
    TRY(custseg_strategy_add_segment_codes(s, "Top", "555 5-5-4"));
    TRY(custseg_strategy_add_segment_range(s, "Low", 1, 2, 1, 2, 1, 2));
    TRY(custseg_strategy_load_segments_buffer(s, map, sizeof map - 1,
                                              NULL));
    TRY(run_free(s, ds));
    TRY(custseg_strategy_set_string(s, "binning", "quantile"));
    TRY(run_free(s, ds));
    custseg_strategy_clear_segments(s);
    TRY(custseg_strategy_set_int(s, "bins", 3));
    TRY(run_free(s, ds));
    TRY(custseg_strategy_new(&d, "decile"));
    TRY(custseg_strategy_set_string(d, "metric", "aov"));
    TRY(run_free(d, ds));
out:
    custseg_strategy_free(d);
    custseg_strategy_free(s);
    custseg_dataset_free(ds);
    return st;
}

START_TEST(enomem_everywhere)
{
    long k;
    int st;

    for (k = 0;; k++) {
        atomic_store(&nalloc, 0);
        atomic_store(&live, 0);
        atomic_store(&fail_at, k);
        st = pipeline();
        ck_assert_msg(atomic_load(&live) == 0, "leak after failing "
                      "allocation %ld", k);
        if (atomic_load(&nalloc) <= k)
            break; /* nothing failed: the whole pipeline ran */
    }
    atomic_store(&fail_at, -1);
    ck_assert_int_eq(st, CUSTSEG_OK);
    ck_assert(k > 50);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("rfm");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, ntile_ties_by_id_bytes);
    tcase_add_test(tc, ntile_uneven_groups);
    tcase_add_test(tc, ntile_twelve_in_five);
    tcase_add_test(tc, ntile_fewer_than_bins);
    tcase_add_test(tc, quantile_frequency_example);
    tcase_add_test(tc, quantile_all_equal);
    tcase_add_test(tc, quantile_mtcars_edges);
    tcase_add_test(tc, as_of_filters_transactions);
    tcase_add_test(tc, default_map_partitions_codes);
    tcase_add_test(tc, caller_map_first_match);
    tcase_add_test(tc, other_bins_name_codes);
    tcase_add_test(tc, threads_identical);
    tcase_add_test(tc, sort_matches_reference);
    tcase_add_test(tc, ntile_matches_definition);
    tcase_add_test(tc, cancel_and_options);
    tcase_add_test(tc, enomem_everywhere);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    static const custseg_allocator counting = {
        CUSTSEG_ALLOCATOR_VERSION, t_alloc, t_realloc, t_free, NULL};

    if (custseg_set_allocator(&counting) != CUSTSEG_OK)
        return EXIT_FAILURE;
    return tu_run_suite(suite());
}
