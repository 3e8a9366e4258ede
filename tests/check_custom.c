/*
 * check_custom.c - custom strategies: registration rules, the assign
 * context, and results that get the statistics, iterators and exports of
 * built-in strategies, on a hand-computed "high value & recent" split.
 *
 * Every test unregisters what it registers, so the suite also passes
 * with CK_FORK=no, where tests share the process and its registry.
 */
#include <check.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "custseg.h"
#include "testutil.h"

#define E4 10000

/* Five customers (recency days, orders, monetary):
 *   a 5 10 500   b 40 2 80   c 3 4 300   d 100 1 20   e 10 6 1000
 * High value & recent = monetary >= 250 and recency <= 30: a, c, e. */
static custseg_dataset *five_customers(void)
{
    static const char *const ids[5] = {"c", "a", "e", "b", "d"};
    static const int64_t rec[5] = {3, 5, 10, 40, 100};
    static const int64_t freq[5] = {4, 10, 6, 2, 1};
    static const int64_t money[5] = {300, 500, 1000, 80, 20};
    custseg_dataset *ds = NULL;
    size_t i;

    ck_assert_int_eq(custseg_dataset_new(&ds), CUSTSEG_OK);
    for (i = 0; i < 5; i++) /* added out of id order on purpose */
        ck_assert_int_eq(custseg_dataset_add_customer(ds, ids[i], rec[i],
                                                      freq[i],
                                                      money[i] * E4),
                         CUSTSEG_OK);
    return ds;
}

/* What a test callback does, and what it saw. */
typedef struct probe {
    int mode;
    int destroyed;
    size_t rows;
    char ids[8][8];
    int64_t recency[8];
    int rc_checks; /* argument checks that failed as expected */
} probe;

enum { HV_SCORE_FREQ, HV_SCORE_DEFAULT, HV_RANGE, FAIL_MSG, FAIL_PLAIN,
       SKIP_ROW, FAIL_AFTER_ERROR_CALL, RECORD };

static int hv_segment(const custseg_assign *ctx, size_t row)
{
    int64_t r, m;

    ck_assert_int_eq(custseg_assign_metric(&r, ctx, row,
                                           CUSTSEG_FIELD_RECENCY),
                     CUSTSEG_OK);
    ck_assert_int_eq(custseg_assign_metric(&m, ctx, row,
                                           CUSTSEG_FIELD_MONETARY),
                     CUSTSEG_OK);
    return m >= 250 * E4 && r <= 30 ? 0 : 1;
}

static int hv_rows(custseg_assign *ctx, const probe *p)
{
    size_t hv, others, again, row, n = custseg_assign_customer_count(ctx);
    int64_t f;

    ck_assert_int_eq(custseg_assign_define_segment(&hv, ctx,
                                                   "High value & recent"),
                     CUSTSEG_OK);
    ck_assert_int_eq(custseg_assign_define_segment(&others, ctx, "Others"),
                     CUSTSEG_OK);
    ck_assert_int_eq(custseg_assign_define_segment(&again, ctx, "Others"),
                     CUSTSEG_OK);
    ck_assert_uint_eq(hv, 0);
    ck_assert_uint_eq(others, 1);
    ck_assert_uint_eq(again, 1);
    for (row = 0; row < n; row++) {
        ck_assert_int_eq(custseg_assign_metric(&f, ctx, row,
                                               CUSTSEG_FIELD_FREQUENCY),
                         CUSTSEG_OK);
        ck_assert_int_eq(custseg_assign_set(ctx, row,
                                            (size_t)hv_segment(ctx, row),
                                            p->mode == HV_SCORE_FREQ
                                                ? (double)f
                                                : NAN),
                         CUSTSEG_OK);
    }
    return 0;
}

/* The same split through the range calls, score = frequency. */
static int hv_range(custseg_assign *ctx)
{
    size_t i, s, n = custseg_assign_customer_count(ctx);
    int64_t freq[8];
    uint32_t seg[8];
    double score[8];

    ck_assert_uint_le(n, 8);
    ck_assert_int_eq(custseg_assign_define_segment(&s, ctx,
                                                   "High value & recent"),
                     CUSTSEG_OK);
    ck_assert_int_eq(custseg_assign_define_segment(&s, ctx, "Others"),
                     CUSTSEG_OK);
    ck_assert_int_eq(custseg_assign_metric_range(freq, ctx,
                                                 CUSTSEG_FIELD_FREQUENCY, 0,
                                                 n),
                     CUSTSEG_OK);
    for (i = 0; i < n; i++) {
        seg[i] = (uint32_t)hv_segment(ctx, i);
        score[i] = (double)freq[i];
    }
    ck_assert_int_eq(custseg_assign_set_range(ctx, 0, n, seg, score),
                     CUSTSEG_OK);
    return 0;
}

static int all_in_one(custseg_assign *ctx)
{
    size_t s, row;

    ck_assert_int_eq(custseg_assign_define_segment(&s, ctx, "All"),
                     CUSTSEG_OK);
    for (row = 0; row < custseg_assign_customer_count(ctx); row++)
        ck_assert_int_eq(custseg_assign_set(ctx, row, s, 1.0), CUSTSEG_OK);
    return 0;
}

static int record(custseg_assign *ctx, probe *p)
{
    size_t row;

    p->rows = custseg_assign_customer_count(ctx);
    for (row = 0; row < p->rows && row < 8; row++) {
        snprintf(p->ids[row], sizeof p->ids[row], "%s",
                 custseg_assign_customer_id(ctx, row));
        ck_assert_int_eq(custseg_assign_metric(&p->recency[row], ctx, row,
                                               CUSTSEG_FIELD_RECENCY),
                         CUSTSEG_OK);
    }
    return all_in_one(ctx);
}

static int assign_cb(custseg_assign *ctx, void *payload)
{
    probe *p = payload;

    switch (p->mode) {
    case HV_SCORE_FREQ:
    case HV_SCORE_DEFAULT:
        return hv_rows(ctx, p);
    case HV_RANGE:
        return hv_range(ctx);
    case FAIL_MSG:
        return custseg_assign_error(ctx, "no model for region \"EU\"");
    case FAIL_PLAIN:
        return 42;
    case FAIL_AFTER_ERROR_CALL:
        custseg_assign_error(ctx, "flagged");
        return all_in_one(ctx);
    case SKIP_ROW: {
        size_t s;
        ck_assert_int_eq(custseg_assign_define_segment(&s, ctx, "One"),
                         CUSTSEG_OK);
        return custseg_assign_set(ctx, 0, s, 1.0);
    }
    default:
        return record(ctx, p);
    }
}

static void destroy_cb(void *payload)
{
    ((probe *)payload)->destroyed++;
}

static custseg_strategy_ops ops_for(const char *name, probe *p)
{
    custseg_strategy_ops ops;

    memset(&ops, 0, sizeof ops);
    ops.version = CUSTSEG_STRATEGY_OPS_VERSION;
    ops.name = name;
    ops.assign = assign_cb;
    ops.destroy = destroy_cb;
    ops.payload = p;
    return ops;
}

static void reg(const char *name, probe *p)
{
    custseg_strategy_ops ops = ops_for(name, p);

    ck_assert_int_eq(custseg_register_strategy(&ops), CUSTSEG_OK);
}

/* Register, run once on ds, unregister; returns the run's status. */
static int run_once(custseg_result **out, custseg_strategy **sp,
                    const char *name, probe *p, custseg_dataset *ds)
{
    int rc;

    reg(name, p);
    ck_assert_int_eq(custseg_strategy_new(sp, name), CUSTSEG_OK);
    rc = custseg_run(out, *sp, ds);
    ck_assert_int_eq(custseg_unregister_strategy(name), CUSTSEG_OK);
    return rc;
}

static void near(double got, double want)
{
    ck_assert_msg(fabs(got - want) < 1e-12, "got %.17g, want %.17g", got,
                  want);
}

static const custseg_segment *seg_at(const custseg_result *r, size_t i,
                                     const char *name)
{
    const custseg_segment *seg;

    ck_assert_int_eq(custseg_result_segment_at(&seg, r, i), CUSTSEG_OK);
    ck_assert_str_eq(custseg_segment_name(seg), name);
    return seg;
}

/* Hand-computed: HV = a, c, e (scores 10, 4, 6; revenue 1800); Others =
 * b, d (scores 2, 1; revenue 100). Mean 20/3, SD sqrt(56/9). */
static void check_hv_stats(const custseg_result *r)
{
    const custseg_segment *hv = seg_at(r, 0, "High value & recent");
    const custseg_segment *ot = seg_at(r, 1, "Others");

    ck_assert_uint_eq(custseg_result_segment_count(r), 2);
    ck_assert_int_eq(custseg_segment_count(hv), 3);
    ck_assert_int_eq(custseg_segment_count(ot), 2);
    ck_assert_int_eq(custseg_segment_revenue(hv), 1800 * E4);
    ck_assert_int_eq(custseg_segment_revenue(ot), 100 * E4);
    near(custseg_segment_stat(hv, CUSTSEG_STAT_SHARE), 0.6);
    near(custseg_segment_stat(hv, CUSTSEG_STAT_REVENUE_SHARE), 18.0 / 19);
    near(custseg_segment_stat(hv, CUSTSEG_STAT_SCORE_MEAN), 20.0 / 3);
    near(custseg_segment_stat(hv, CUSTSEG_STAT_SCORE_SD), sqrt(56.0 / 9));
    near(custseg_segment_stat(hv, CUSTSEG_STAT_SCORE_MIN), 4);
    near(custseg_segment_stat(hv, CUSTSEG_STAT_SCORE_MAX), 10);
    near(custseg_segment_stat(ot, CUSTSEG_STAT_SCORE_MEAN), 1.5);
    near(custseg_segment_stat(ot, CUSTSEG_STAT_SCORE_SD), 0.5);
    near(custseg_segment_stat(ot, CUSTSEG_STAT_LIFT), 50.0 / 380);
}

static void check_members(const custseg_result *r)
{
    static const char *const want[3] = {"a", "c", "e"};
    const custseg_segment *hv = seg_at(r, 0, "High value & recent");
    custseg_member_iter *it = NULL;
    size_t row, k = 0;

    ck_assert_int_eq(custseg_member_iter_new(&it, r, hv), CUSTSEG_OK);
    while (custseg_member_iter_next(&row, it) == CUSTSEG_OK) {
        ck_assert_uint_lt(k, 3);
        ck_assert_str_eq(custseg_result_customer_id(r, row), want[k++]);
    }
    ck_assert_uint_eq(k, 3);
    custseg_member_iter_free(it);
}

START_TEST(high_value_recent)
{
    probe p = {HV_SCORE_FREQ, 0, 0, {{0}}, {0}, 0};
    custseg_dataset *ds = five_customers();
    custseg_strategy *s = NULL;
    custseg_result *r = NULL;
    size_t row;
    int64_t v;

    ck_assert_int_eq(run_once(&r, &s, "hv_recent", &p, ds), CUSTSEG_OK);
    ck_assert_str_eq(custseg_result_strategy(r), "hv_recent");
    ck_assert_uint_eq(custseg_result_customer_count(r), 5);
    check_hv_stats(r);
    check_members(r);
    ck_assert_int_eq(custseg_result_find(&row, r, "e"), CUSTSEG_OK);
    ck_assert_uint_eq(custseg_result_customer_segment(r, row), 0);
    ck_assert_int_eq(custseg_result_customer_field(&v, r, row,
                                                   CUSTSEG_FIELD_MONETARY),
                     CUSTSEG_OK);
    ck_assert_int_eq(v, 1000 * E4);
    ck_assert_int_eq(custseg_result_customer_field(&v, r, row,
                                                   CUSTSEG_FIELD_R),
                     CUSTSEG_ENOTFOUND);
    ck_assert_int_eq(p.destroyed, 0); /* s still holds the entry */
    custseg_strategy_free(s);
    ck_assert_int_eq(p.destroyed, 1);
    custseg_dataset_free(ds); /* the result owns its copies */
    near(custseg_result_customer_score(r, row), 6);
    custseg_result_free(r);
}
END_TEST

START_TEST(range_calls_match)
{
    probe p = {HV_RANGE, 0, 0, {{0}}, {0}, 0};
    custseg_dataset *ds = five_customers();
    custseg_strategy *s = NULL;
    custseg_result *r = NULL;

    ck_assert_int_eq(run_once(&r, &s, "hv_range", &p, ds), CUSTSEG_OK);
    check_hv_stats(r);
    custseg_result_free(r);
    custseg_strategy_free(s);
    custseg_dataset_free(ds);
}
END_TEST

/* A NaN score is the default: monetary in currency units. */
START_TEST(nan_score_is_monetary)
{
    probe p = {HV_SCORE_DEFAULT, 0, 0, {{0}}, {0}, 0};
    custseg_dataset *ds = five_customers();
    custseg_strategy *s = NULL;
    custseg_result *r = NULL;

    ck_assert_int_eq(run_once(&r, &s, "hv_money", &p, ds), CUSTSEG_OK);
    near(custseg_segment_stat(seg_at(r, 0, "High value & recent"),
                              CUSTSEG_STAT_SCORE_MEAN), 600);
    near(custseg_segment_stat(seg_at(r, 1, "Others"),
                              CUSTSEG_STAT_SCORE_MAX), 80);
    custseg_result_free(r);
    custseg_strategy_free(s);
    custseg_dataset_free(ds);
}
END_TEST

static int collect(const char *data, size_t len, void *payload)
{
    char *buf = payload;
    size_t have = strlen(buf);

    if (have + len >= 4096)
        return 1;
    memcpy(buf + have, data, len);
    buf[have + len] = '\0';
    return 0;
}

/* Exports pick their columns from the result's fields, as for built-ins:
 * the metrics, the segment and the score. */
START_TEST(exports_like_builtins)
{
    probe p = {HV_SCORE_FREQ, 0, 0, {{0}}, {0}, 0};
    custseg_dataset *ds = five_customers();
    custseg_strategy *s = NULL;
    custseg_result *r = NULL;
    static char csv[4096], json[4096];

    ck_assert_int_eq(run_once(&r, &s, "hv_export", &p, ds), CUSTSEG_OK);
    csv[0] = json[0] = '\0';
    ck_assert_int_eq(custseg_result_write(r, CUSTSEG_FORMAT_CSV, 2, collect,
                                          csv),
                     CUSTSEG_OK);
    ck_assert_msg(strstr(csv, "recency") != NULL &&
                      strstr(csv, "monetary") != NULL,
                  "%s", csv);
    ck_assert_msg(strstr(csv, "\na,5,10,500.00,") != NULL, "%s", csv);
    ck_assert_msg(strstr(csv, "High value & recent") != NULL, "%s", csv);
    ck_assert_int_eq(custseg_result_write(r, CUSTSEG_FORMAT_JSON, 2, collect,
                                          json),
                     CUSTSEG_OK);
    ck_assert_msg(strstr(json, "\"hv_export\"") != NULL, "%s", json);
    custseg_result_free(r);
    custseg_strategy_free(s);
    custseg_dataset_free(ds);
}
END_TEST

static void add_tx(custseg_dataset *ds, const char *id, const char *date,
                   int64_t amount)
{
    int64_t t;

    ck_assert_int_eq(custseg_parse_time(&t, date), CUSTSEG_OK);
    ck_assert_int_eq(custseg_dataset_add_transaction(ds, id, NULL, t,
                                                     amount * E4, NULL),
                     CUSTSEG_OK);
}

/* Rows are the customers active up to as_of, in id byte order, with
 * metrics for that as_of; "threads" is accepted. */
START_TEST(rows_follow_as_of)
{
    probe p = {RECORD, 0, 0, {{0}}, {0}, 0};
    custseg_dataset *ds = NULL;
    custseg_strategy *s = NULL;
    custseg_result *r = NULL;

    ck_assert_int_eq(custseg_dataset_new(&ds), CUSTSEG_OK);
    add_tx(ds, "z", "2024-01-20", 5);
    add_tx(ds, "y", "2024-01-05", 7);
    add_tx(ds, "x", "2024-01-01", 9);
    add_tx(ds, "X", "2024-01-02", 9);
    reg("recorder", &p);
    ck_assert_int_eq(custseg_strategy_new(&s, "recorder"), CUSTSEG_OK);
    ck_assert_str_eq(custseg_strategy_name(s), "recorder");
    ck_assert_uint_eq(custseg_strategy_option_count(s), 2);
    ck_assert_int_eq(custseg_strategy_set_string(s, "as_of", "2024-01-10"),
                     CUSTSEG_OK);
    ck_assert_int_eq(custseg_strategy_set_int(s, "threads", 4), CUSTSEG_OK);
    ck_assert_int_eq(custseg_strategy_set_int(s, "bins", 5),
                     CUSTSEG_ENOTFOUND);
    ck_assert_int_eq(custseg_run(&r, s, ds), CUSTSEG_OK);
    ck_assert_uint_eq(p.rows, 3);
    ck_assert_str_eq(p.ids[0], "X");
    ck_assert_str_eq(p.ids[1], "x");
    ck_assert_str_eq(p.ids[2], "y");
    ck_assert_int_eq(p.recency[0], 8);
    ck_assert_int_eq(p.recency[1], 9);
    ck_assert_int_eq(p.recency[2], 5);
    ck_assert_int_eq(custseg_segment_count(seg_at(r, 0, "All")), 3);
    custseg_result_free(r);
    custseg_strategy_free(s);
    ck_assert_int_eq(custseg_unregister_strategy("recorder"), CUSTSEG_OK);
    ck_assert_int_eq(p.destroyed, 1);
    custseg_dataset_free(ds);
}
END_TEST

static int failing_run(int mode, const char *name, char *msg, size_t cap)
{
    probe p = {0, 0, 0, {{0}}, {0}, 0};
    custseg_dataset *ds = five_customers();
    custseg_strategy *s = NULL;
    custseg_result *r = (custseg_result *)&p; /* must be reset to NULL */
    int rc;

    p.mode = mode;
    rc = run_once(&r, &s, name, &p, ds);
    ck_assert_ptr_null(r);
    snprintf(msg, cap, "%s", custseg_strategy_errmsg(s));
    custseg_strategy_free(s);
    ck_assert_int_eq(p.destroyed, 1);
    custseg_dataset_free(ds);
    return rc;
}

START_TEST(callback_errors)
{
    char msg[600];

    ck_assert_int_eq(failing_run(FAIL_MSG, "fails", msg, sizeof msg),
                     CUSTSEG_ECALLBACK);
    ck_assert_str_eq(msg, "no model for region \"EU\"");
    ck_assert_int_eq(failing_run(FAIL_PLAIN, "fails", msg, sizeof msg),
                     CUSTSEG_ECALLBACK);
    ck_assert_msg(strstr(msg, "returned 42") != NULL, "%s", msg);
    ck_assert_int_eq(failing_run(FAIL_AFTER_ERROR_CALL, "fails", msg,
                                 sizeof msg),
                     CUSTSEG_ECALLBACK);
    ck_assert_str_eq(msg, "flagged");
    ck_assert_int_eq(failing_run(SKIP_ROW, "fails", msg, sizeof msg),
                     CUSTSEG_EINVAL);
    ck_assert_msg(strstr(msg, "\"b\"") != NULL, "%s", msg);
}
END_TEST

static int bad_calls(custseg_assign *ctx, void *payload)
{
    probe *p = payload;
    static const uint32_t zeros[8];
    uint32_t seg[2] = {0, 7};
    int64_t v[2];
    size_t s, n = custseg_assign_customer_count(ctx);

#define EXPECT(call, want) p->rc_checks += (call) == (want)
    EXPECT(custseg_assign_set(ctx, 0, 0, 1.0), CUSTSEG_EINVAL);
    EXPECT(custseg_assign_define_segment(&s, ctx, ""), CUSTSEG_EINVAL);
    EXPECT(custseg_assign_define_segment(&s, ctx, NULL), CUSTSEG_EINVAL);
    EXPECT(custseg_assign_define_segment(&s, ctx, "S"), CUSTSEG_OK);
    EXPECT(custseg_assign_set(ctx, n, 0, 1.0), CUSTSEG_ENOTFOUND);
    EXPECT(custseg_assign_set(ctx, 0, 1, 1.0), CUSTSEG_EINVAL);
    EXPECT(custseg_assign_set(ctx, 0, 0, INFINITY), CUSTSEG_EINVAL);
    EXPECT(custseg_assign_set_range(ctx, 0, 2, seg, NULL), CUSTSEG_EINVAL);
    EXPECT(custseg_assign_set_range(ctx, n - 1, 2, seg, NULL),
           CUSTSEG_ENOTFOUND);
    EXPECT(custseg_assign_metric(&v[0], ctx, n, CUSTSEG_FIELD_RECENCY),
           CUSTSEG_ENOTFOUND);
    EXPECT(custseg_assign_metric(&v[0], ctx, 0, CUSTSEG_FIELD_R),
           CUSTSEG_ENOTFOUND);
    EXPECT(custseg_assign_metric(NULL, ctx, 0, CUSTSEG_FIELD_RECENCY),
           CUSTSEG_EINVAL);
    EXPECT(custseg_assign_metric_range(v, ctx, CUSTSEG_FIELD_MONETARY, n, 1),
           CUSTSEG_ENOTFOUND);
    EXPECT(custseg_assign_customer_id(ctx, n) == NULL, 1);
    EXPECT(custseg_assign_error(NULL, "x"), CUSTSEG_EINVAL);
#undef EXPECT
    /* The failed set_range changed nothing: row 0 is still unset. */
    return custseg_assign_set_range(ctx, 1, n - 1, zeros, NULL) != 0 ||
           custseg_assign_set(ctx, 0, 0, NAN) != 0;
}

START_TEST(assign_argument_checks)
{
    probe p = {0, 0, 0, {{0}}, {0}, 0};
    custseg_strategy_ops ops = ops_for("checks", &p);
    custseg_dataset *ds = five_customers();
    custseg_strategy *s = NULL;
    custseg_result *r = NULL;

    ops.assign = bad_calls;
    ck_assert_int_eq(custseg_register_strategy(&ops), CUSTSEG_OK);
    ck_assert_int_eq(custseg_strategy_new(&s, "checks"), CUSTSEG_OK);
    ck_assert_int_eq(custseg_run(&r, s, ds), CUSTSEG_OK);
    ck_assert_int_eq(p.rc_checks, 15);
    ck_assert_int_eq(custseg_segment_count(seg_at(r, 0, "S")), 5);
    custseg_result_free(r);
    custseg_strategy_free(s);
    ck_assert_int_eq(custseg_unregister_strategy("checks"), CUSTSEG_OK);
    custseg_dataset_free(ds);
    ck_assert_uint_eq(custseg_assign_customer_count(NULL), 0);
}
END_TEST

START_TEST(registration_rules)
{
    probe p = {0, 0, 0, {{0}}, {0}, 0};
    custseg_strategy_ops ops = ops_for("mine", &p);
    static const char *const bad_names[] = {
        "", "has space", "x/y", "abcdefghijklmnopqrstuvwxyz0123456"};
    size_t i;

    ck_assert_int_eq(custseg_register_strategy(NULL), CUSTSEG_EINVAL);
    ops.version = 0;
    ck_assert_int_eq(custseg_register_strategy(&ops), CUSTSEG_EINVAL);
    ops.version = CUSTSEG_STRATEGY_OPS_VERSION + 1;
    ck_assert_int_eq(custseg_register_strategy(&ops), CUSTSEG_EINVAL);
    ops.version = CUSTSEG_STRATEGY_OPS_VERSION;
    ops.assign = NULL;
    ck_assert_int_eq(custseg_register_strategy(&ops), CUSTSEG_EINVAL);
    ops.assign = assign_cb;
    ops.name = NULL;
    ck_assert_int_eq(custseg_register_strategy(&ops), CUSTSEG_EINVAL);
    for (i = 0; i < sizeof bad_names / sizeof *bad_names; i++) {
        ops.name = bad_names[i];
        ck_assert_int_eq(custseg_register_strategy(&ops), CUSTSEG_EINVAL);
    }
    ops.name = "rfm";
    ck_assert_int_eq(custseg_register_strategy(&ops), CUSTSEG_EMISUSE);
    ops.name = "abcdefghijklmnopqrstuvwxyz.-_AB"; /* 31 bytes */
    ck_assert_int_eq(custseg_register_strategy(&ops), CUSTSEG_OK);
    ck_assert_int_eq(custseg_unregister_strategy(ops.name), CUSTSEG_OK);
    ck_assert_int_eq(p.destroyed, 1);
    ops.name = "mine";
    ck_assert_int_eq(custseg_register_strategy(&ops), CUSTSEG_OK);
    ck_assert_int_eq(custseg_register_strategy(&ops), CUSTSEG_EMISUSE);
    ck_assert_int_eq(custseg_unregister_strategy("mine"), CUSTSEG_OK);
    ck_assert_int_eq(p.destroyed, 2); /* the refused copy kept nothing */
    ck_assert_int_eq(custseg_unregister_strategy("rfm"), CUSTSEG_ENOTFOUND);
    ck_assert_int_eq(custseg_unregister_strategy(NULL), CUSTSEG_EINVAL);
}
END_TEST

/* The name is copied: the caller's buffer may change after registering.
 * After unregistering, the name is unknown again but live strategies
 * keep working, and the name may be registered anew. */
START_TEST(unknown_after_unregister)
{
    probe p = {HV_SCORE_FREQ, 0, 0, {{0}}, {0}, 0};
    probe q = {HV_SCORE_FREQ, 0, 0, {{0}}, {0}, 0};
    char name[16] = "temp";
    custseg_strategy_ops ops = ops_for(name, &p);
    custseg_dataset *ds = five_customers();
    custseg_strategy *s = NULL, *t = NULL;
    custseg_result *r = NULL;

    ck_assert_int_eq(custseg_register_strategy(&ops), CUSTSEG_OK);
    strcpy(name, "zzzz");
    ck_assert_int_eq(custseg_strategy_new(&s, "zzzz"), CUSTSEG_ENOTFOUND);
    ck_assert_int_eq(custseg_strategy_new(&s, "temp"), CUSTSEG_OK);
    ck_assert_int_eq(custseg_unregister_strategy("temp"), CUSTSEG_OK);
    ck_assert_int_eq(custseg_unregister_strategy("temp"), CUSTSEG_ENOTFOUND);
    ck_assert_int_eq(custseg_strategy_new(&t, "temp"), CUSTSEG_ENOTFOUND);
    ck_assert_ptr_null(t);
    ck_assert_int_eq(p.destroyed, 0);
    ck_assert_int_eq(custseg_run(&r, s, ds), CUSTSEG_OK);
    check_hv_stats(r);
    custseg_result_free(r);
    reg("temp", &q); /* a new entry; s still uses the old one */
    custseg_strategy_free(s);
    ck_assert_int_eq(p.destroyed, 1);
    ck_assert_int_eq(q.destroyed, 0);
    ck_assert_int_eq(custseg_unregister_strategy("temp"), CUSTSEG_OK);
    ck_assert_int_eq(q.destroyed, 1);
    custseg_dataset_free(ds);
}
END_TEST

/* Attributes of the row's customer: country (string) and employees
 * (number); a is in DE with 40, c has only a country, e nothing. */
static int by_country(custseg_assign *ctx, void *payload)
{
    probe *p = payload;
    size_t row, seg, n = custseg_assign_customer_count(ctx);
    const char *country = "x";
    double staff = 0;

#define EXPECT(call, want) p->rc_checks += (call) == (want)
    EXPECT(custseg_assign_attribute_number(&staff, ctx, 0, "country"),
           CUSTSEG_EINVAL);
    EXPECT(custseg_assign_attribute_string(&country, ctx, 0, "employees"),
           CUSTSEG_EINVAL);
    EXPECT(custseg_assign_attribute_string(&country, ctx, 0, "nope"),
           CUSTSEG_ENOTFOUND);
    EXPECT(custseg_assign_attribute_string(&country, ctx, n, "country"),
           CUSTSEG_ENOTFOUND);
    EXPECT(custseg_assign_attribute_string(NULL, ctx, 0, "country"),
           CUSTSEG_EINVAL);
#undef EXPECT
    for (row = 0; row < n; row++) {
        ck_assert_int_eq(custseg_assign_attribute_string(&country, ctx, row,
                                                         "country"),
                         CUSTSEG_OK);
        ck_assert_int_eq(custseg_assign_attribute_number(&staff, ctx, row,
                                                         "employees"),
                         CUSTSEG_OK);
        ck_assert_int_eq(custseg_assign_define_segment(&seg, ctx,
                                                       country ? country
                                                               : "?"),
                         CUSTSEG_OK);
        ck_assert_int_eq(custseg_assign_set(ctx, row, seg,
                                            isnan(staff) ? -1 : staff),
                         CUSTSEG_OK);
    }
    return 0;
}

START_TEST(reads_attributes)
{
    probe p = {0, 0, 0, {{0}}, {0}, 0};
    custseg_strategy_ops ops = ops_for("country", &p);
    custseg_dataset *ds = five_customers();
    custseg_strategy *s = NULL;
    custseg_result *r = NULL;

    ck_assert_int_eq(custseg_dataset_set_attribute_string(ds, "a", "country",
                                                          "DE"),
                     CUSTSEG_OK);
    ck_assert_int_eq(custseg_dataset_set_attribute_number(ds, "a",
                                                          "employees", 40),
                     CUSTSEG_OK);
    ck_assert_int_eq(custseg_dataset_set_attribute_string(ds, "c", "country",
                                                          "FR"),
                     CUSTSEG_OK);
    ck_assert_int_eq(custseg_dataset_set_attribute_string(ds, "b", "country",
                                                          "DE"),
                     CUSTSEG_OK);
    ops.assign = by_country;
    ck_assert_int_eq(custseg_register_strategy(&ops), CUSTSEG_OK);
    ck_assert_int_eq(custseg_strategy_new(&s, "country"), CUSTSEG_OK);
    ck_assert_int_eq(custseg_run(&r, s, ds), CUSTSEG_OK);
    ck_assert_int_eq(p.rc_checks, 5);
    /* Rows a b c d e: segments in order of definition DE, FR, ?. */
    ck_assert_int_eq(custseg_segment_count(seg_at(r, 0, "DE")), 2);
    ck_assert_int_eq(custseg_segment_count(seg_at(r, 1, "FR")), 1);
    ck_assert_int_eq(custseg_segment_count(seg_at(r, 2, "?")), 2);
    near(custseg_segment_stat(seg_at(r, 0, "DE"), CUSTSEG_STAT_SCORE_MAX),
         40);
    near(custseg_segment_stat(seg_at(r, 0, "DE"), CUSTSEG_STAT_SCORE_MIN),
         -1);
    custseg_result_free(r);
    custseg_strategy_free(s);
    ck_assert_int_eq(custseg_unregister_strategy("country"), CUSTSEG_OK);
    custseg_dataset_free(ds);
}
END_TEST

/* Threads register, run and unregister at once: the registry's mutex and
 * reference counts keep every entry alive as long as it is used. */
typedef struct worker {
    custseg_dataset *ds;
    int index;
    int ok;
} worker;

static int all_one(custseg_assign *ctx, void *payload)
{
    (void)payload;
    return all_in_one(ctx);
}

static void *work(void *arg)
{
    worker *w = arg;
    custseg_strategy_ops ops;
    char name[16];
    int k;

    memset(&ops, 0, sizeof ops);
    ops.version = CUSTSEG_STRATEGY_OPS_VERSION;
    ops.name = name;
    ops.assign = all_one;
    snprintf(name, sizeof name, "t%d", w->index);
    for (k = 0; k < 50; k++) {
        custseg_strategy *s = NULL;
        custseg_result *r = NULL;
        int ok = custseg_register_strategy(&ops) == CUSTSEG_OK &&
                 custseg_strategy_new(&s, k % 2 ? name : "shared") ==
                     CUSTSEG_OK &&
                 custseg_unregister_strategy(name) == CUSTSEG_OK &&
                 custseg_run(&r, s, w->ds) == CUSTSEG_OK &&
                 custseg_result_customer_count(r) == 5;
        w->ok += ok;
        custseg_result_free(r);
        custseg_strategy_free(s);
    }
    return NULL;
}

START_TEST(threads_share_registry)
{
    probe p = {0, 0, 0, {{0}}, {0}, 0};
    custseg_strategy_ops ops = ops_for("shared", &p);
    custseg_dataset *ds = five_customers();
    pthread_t tid[4];
    worker w[4];
    int i;

    ops.assign = all_one;
    ck_assert_int_eq(custseg_register_strategy(&ops), CUSTSEG_OK);
    ck_assert_int_eq(custseg_dataset_freeze(ds), CUSTSEG_OK);
    for (i = 0; i < 4; i++) {
        w[i].ds = ds;
        w[i].index = i;
        w[i].ok = 0;
        ck_assert_int_eq(pthread_create(&tid[i], NULL, work, &w[i]), 0);
    }
    for (i = 0; i < 4; i++) {
        pthread_join(tid[i], NULL);
        ck_assert_int_eq(w[i].ok, 50);
    }
    ck_assert_int_eq(custseg_unregister_strategy("shared"), CUSTSEG_OK);
    ck_assert_int_eq(p.destroyed, 1);
    custseg_dataset_free(ds);
}
END_TEST

static Suite *custom_suite(void)
{
    Suite *s = suite_create("custom");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, high_value_recent);
    tcase_add_test(tc, range_calls_match);
    tcase_add_test(tc, nan_score_is_monetary);
    tcase_add_test(tc, exports_like_builtins);
    tcase_add_test(tc, rows_follow_as_of);
    tcase_add_test(tc, callback_errors);
    tcase_add_test(tc, assign_argument_checks);
    tcase_add_test(tc, registration_rules);
    tcase_add_test(tc, unknown_after_unregister);
    tcase_add_test(tc, reads_attributes);
    tcase_add_test(tc, threads_share_registry);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(custom_suite());
}
