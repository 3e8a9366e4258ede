/*
 * check_result.c - the result builder, statistics by hand, iterators,
 * lookups, and a result outliving its dataset.
 */
#include <check.h>
#include <math.h>
#include <string.h>

#include "internal.h"
#include "testutil.h"

#define T0 1704067200LL
#define E4 10000LL

/* Customers d, b, a, c with monetary 40, 20, 10, 30 (currency units). */
static custseg_dataset *dataset4(void)
{
    custseg_dataset *ds = NULL;
    const char *ids[] = { "d", "b", "a", "c" };
    const int64_t money[] = { 40, 20, 10, 30 };
    int i;

    ck_assert_int_eq(custseg_dataset_new(&ds), CUSTSEG_OK);
    for (i = 0; i < 4; i++)
        ck_assert_int_eq(custseg_dataset_add_transaction(
                             ds, ids[i], NULL, T0 + i * 86400,
                             money[i] * E4, NULL), CUSTSEG_OK);
    ck_assert_int_eq(custseg_dataset_freeze(ds), CUSTSEG_OK);
    return ds;
}

/* Rows a, b, c, d; segment "hi" = c, d (scores 3, 4), "lo" = a, b
 * (scores 1, 2), "empty" has nobody. */
static custseg_result *build(custseg_dataset *ds)
{
    custseg_result *r = NULL;
    size_t i;

    ck_assert_int_eq(custseg__result_new(&r, ds, &ds->metrics, "test",
                                         1u << CUSTSEG_FIELD_MONETARY, 3),
                     CUSTSEG_OK);
    ck_assert_uint_eq(r->n, 4);
    ck_assert_int_eq(custseg__result_name_segment(r, 0, "hi"), 0);
    ck_assert_int_eq(custseg__result_name_segment(r, 1, "lo"), 0);
    ck_assert_int_eq(custseg__result_name_segment(r, 2, "empty"), 0);
    for (i = 0; i < r->n; i++) {
        uint32_t c = r->row_customer[i];
        r->field[CUSTSEG_FIELD_MONETARY][i] = ds->metrics.monetary[c];
        r->score[i] = (double)(i + 1);
        r->segment[i] = i < 2 ? 1 : 0;
    }
    ck_assert_int_eq(custseg__result_finish(r), CUSTSEG_OK);
    return r;
}

START_TEST(test_rows_in_id_order)
{
    custseg_dataset *ds = dataset4();
    custseg_result *r = build(ds);
    int64_t v;

    ck_assert_uint_eq(custseg_result_customer_count(r), 4);
    ck_assert_str_eq(custseg_result_customer_id(r, 0), "a");
    ck_assert_str_eq(custseg_result_customer_id(r, 3), "d");
    ck_assert_ptr_null(custseg_result_customer_id(r, 4));
    ck_assert_int_eq(custseg_result_customer_field(&v, r, 3,
                                                   CUSTSEG_FIELD_MONETARY),
                     CUSTSEG_OK);
    ck_assert_int_eq(v, 40 * E4);
    ck_assert_int_eq(custseg_result_customer_field(&v, r, 3,
                                                   CUSTSEG_FIELD_R),
                     CUSTSEG_ENOTFOUND);
    ck_assert_int_eq(custseg_result_customer_field(&v, r, 4,
                                                   CUSTSEG_FIELD_MONETARY),
                     CUSTSEG_ENOTFOUND);
    ck_assert_str_eq(custseg_result_strategy(r), "test");
    custseg_result_free(r);
    custseg_dataset_free(ds);
}
END_TEST

START_TEST(test_statistics_by_hand)
{
    custseg_dataset *ds = dataset4();
    custseg_result *r = build(ds);
    const custseg_segment *hi, *lo, *empty;

    ck_assert_uint_eq(custseg_result_segment_count(r), 3);
    ck_assert_int_eq(custseg_result_segment_at(&hi, r, 0), CUSTSEG_OK);
    ck_assert_int_eq(custseg_result_segment_at(&lo, r, 1), CUSTSEG_OK);
    ck_assert_int_eq(custseg_result_segment_at(&empty, r, 2), CUSTSEG_OK);
    ck_assert_int_eq(custseg_result_segment_at(&empty, r, 3),
                     CUSTSEG_ENOTFOUND);
    ck_assert_int_eq(custseg_result_segment_at(&empty, r, 2), CUSTSEG_OK);
    ck_assert_str_eq(custseg_segment_name(hi), "hi");
    ck_assert_int_eq(custseg_segment_count(hi), 2);
    ck_assert_int_eq(custseg_segment_revenue(hi), 70 * E4); /* c + d */
    ck_assert_int_eq(custseg_segment_revenue(lo), 30 * E4);
    ck_assert_double_eq(custseg_segment_stat(hi, CUSTSEG_STAT_SHARE), 0.5);
    ck_assert_double_eq_tol(custseg_segment_stat(hi,
                            CUSTSEG_STAT_REVENUE_SHARE), 0.7, 1e-12);
    ck_assert_double_eq(custseg_segment_stat(hi, CUSTSEG_STAT_REVENUE), 70);
    ck_assert_double_eq(custseg_segment_stat(hi, CUSTSEG_STAT_SCORE_MEAN),
                        3.5);
    ck_assert_double_eq(custseg_segment_stat(hi, CUSTSEG_STAT_SCORE_SD),
                        0.5);
    ck_assert_double_eq(custseg_segment_stat(hi, CUSTSEG_STAT_SCORE_MIN), 3);
    ck_assert_double_eq(custseg_segment_stat(hi, CUSTSEG_STAT_SCORE_MAX), 4);
    /* Lift: mean revenue 35 against the overall mean of 25. */
    ck_assert_double_eq_tol(custseg_segment_stat(hi, CUSTSEG_STAT_LIFT), 1.4,
                            1e-12);
    ck_assert_double_eq_tol(custseg_segment_stat(lo,
                            CUSTSEG_STAT_CUM_REVENUE_SHARE), 1.0, 1e-12);
    ck_assert_double_eq_tol(custseg_segment_stat(lo, CUSTSEG_STAT_CUM_LIFT),
                            1.0, 1e-12);
    ck_assert_int_eq(custseg_segment_count(empty), 0);
    ck_assert_double_eq(custseg_segment_stat(empty, CUSTSEG_STAT_SCORE_SD),
                        0);
    ck_assert_double_eq(custseg_segment_stat(empty, CUSTSEG_STAT_LIFT), 0);
    ck_assert(isnan(custseg_segment_stat(hi, 99)));
    custseg_result_free(r);
    custseg_dataset_free(ds);
}
END_TEST

START_TEST(test_iterators)
{
    custseg_dataset *ds = dataset4();
    custseg_result *r = build(ds);
    custseg_iter *it = NULL;
    custseg_member_iter *mi = NULL;
    const custseg_segment *seg;
    const char *names[] = { "hi", "lo", "empty" };
    size_t row, n = 0;

    ck_assert_int_eq(custseg_result_iter_new(&it, r), CUSTSEG_OK);
    while (custseg_iter_next(&seg, it) == CUSTSEG_OK)
        ck_assert_str_eq(custseg_segment_name(seg), names[n++]);
    ck_assert_uint_eq(n, 3);
    ck_assert_int_eq(custseg_iter_next(&seg, it), CUSTSEG_ITEROVER);
    ck_assert_ptr_null(seg);
    custseg_iter_reset(it);
    ck_assert_int_eq(custseg_iter_next(&seg, it), CUSTSEG_OK);
    ck_assert_str_eq(custseg_segment_name(seg), "hi");
    ck_assert_uint_eq(custseg_segment_index(seg), 0);
    ck_assert_int_eq(custseg_member_iter_new(&mi, r, seg), CUSTSEG_OK);
    ck_assert_int_eq(custseg_member_iter_next(&row, mi), CUSTSEG_OK);
    ck_assert_str_eq(custseg_result_customer_id(r, row), "c");
    ck_assert_int_eq(custseg_member_iter_next(&row, mi), CUSTSEG_OK);
    ck_assert_str_eq(custseg_result_customer_id(r, row), "d");
    ck_assert_int_eq(custseg_member_iter_next(&row, mi), CUSTSEG_ITEROVER);
    custseg_member_iter_free(mi);
    custseg_iter_free(it);
    custseg_iter_free(NULL);
    custseg_member_iter_free(NULL);
    custseg_result_free(r);
    custseg_dataset_free(ds);
}
END_TEST

START_TEST(test_find)
{
    custseg_dataset *ds = dataset4();
    custseg_result *r = build(ds);
    size_t row = 99;

    ck_assert_int_eq(custseg_result_find(&row, r, "c"), CUSTSEG_OK);
    ck_assert_uint_eq(row, 2);
    ck_assert_uint_eq(custseg_result_customer_segment(r, row), 0);
    ck_assert_int_eq(custseg_result_find(&row, r, "a"), CUSTSEG_OK);
    ck_assert_uint_eq(row, 0);
    ck_assert_int_eq(custseg_result_find(&row, r, "cc"), CUSTSEG_ENOTFOUND);
    ck_assert_int_eq(custseg_result_find(&row, r, ""), CUSTSEG_ENOTFOUND);
    ck_assert_double_eq(custseg_result_customer_score(r, 2), 3.0);
    ck_assert(isnan(custseg_result_customer_score(r, 9)));
    custseg_result_free(r);
    custseg_dataset_free(ds);
}
END_TEST

START_TEST(test_outlives_dataset)
{
    custseg_dataset *ds = dataset4();
    custseg_result *r = build(ds);
    const custseg_segment *seg;
    size_t row;

    custseg_dataset_free(ds); /* the result owns copies */
    ck_assert_int_eq(custseg_result_find(&row, r, "d"), CUSTSEG_OK);
    ck_assert_str_eq(custseg_result_customer_id(r, row), "d");
    ck_assert_int_eq(custseg_result_segment_at(&seg, r, 1), CUSTSEG_OK);
    ck_assert_str_eq(custseg_segment_name(seg), "lo");
    custseg_result_free(r);
}
END_TEST

START_TEST(test_no_thresholds)
{
    custseg_dataset *ds = dataset4();
    custseg_result *r = build(ds);
    double lo, hi;

    ck_assert_int_eq(custseg_result_bins(r), 0);
    ck_assert_int_eq(custseg_result_threshold(&lo, &hi, r,
                                              CUSTSEG_FIELD_RECENCY, 1),
                     CUSTSEG_ENOTFOUND);
    custseg_result_free(r);
    custseg_dataset_free(ds);
}
END_TEST

START_TEST(test_snapshot_leaves_out_future_customers)
{
    custseg_dataset *ds = dataset4();
    custseg__metrics m;
    custseg_result *r = NULL;
    bool owned;

    /* As of the first day only "d" had bought. */
    ck_assert_int_eq(custseg__metrics_for(ds, T0 / 86400, &m, &owned), 0);
    ck_assert_int_eq(custseg__result_new(&r, ds, &m, "t", 0, 1), 0);
    ck_assert_uint_eq(r->n, 1);
    ck_assert_str_eq(custseg_result_customer_id(r, 0), "d");
    custseg_result_free(r);
    custseg__metrics_free(&m);
    /* Before anybody: no data. */
    ck_assert_int_eq(custseg__metrics_for(ds, T0 / 86400 - 1, &m, &owned),
                     0);
    ck_assert_int_eq(custseg__result_new(&r, ds, &m, "t", 0, 1),
                     CUSTSEG_ENODATA);
    ck_assert_ptr_null(r);
    custseg__metrics_free(&m);
    custseg_dataset_free(ds);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("result");
    TCase *tc = tcase_create("result");

    tcase_add_test(tc, test_rows_in_id_order);
    tcase_add_test(tc, test_statistics_by_hand);
    tcase_add_test(tc, test_iterators);
    tcase_add_test(tc, test_find);
    tcase_add_test(tc, test_outlives_dataset);
    tcase_add_test(tc, test_no_thresholds);
    tcase_add_test(tc, test_snapshot_leaves_out_future_customers);
    suite_add_tcase(s, tc);
    return tu_run_suite(s);
}
