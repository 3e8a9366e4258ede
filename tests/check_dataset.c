/*
 * check_dataset.c - adding rows (one by one, bulk columns, integer keys,
 * summaries), options, freezing and the per-customer metrics.
 */
#include <check.h>
#include <string.h>

#include "internal.h"
#include "testutil.h"

#define DAY 86400LL
/* 2024-01-01T00:00:00Z */
#define T0 1704067200LL
#define E4 10000LL

static custseg_dataset *new_ds(void)
{
    custseg_dataset *ds = NULL;

    ck_assert_int_eq(custseg_dataset_new(&ds), CUSTSEG_OK);
    ck_assert_ptr_nonnull(ds);
    return ds;
}

static uint32_t cust(const custseg_dataset *ds, const char *id)
{
    uint32_t i;

    for (i = 0; i < ds->customers.count; i++)
        if (strcmp(custseg__strtab_get(&ds->customers, i), id) == 0)
            return i;
    ck_abort_msg("customer %s not found", id);
    return 0;
}

/* Three customers; b has a return and an order split over two rows. */
static custseg_dataset *sample(void)
{
    custseg_dataset *ds = new_ds();

    ck_assert_int_eq(custseg_dataset_add_transaction(ds, "b", "o1", T0,
                                                     10 * E4, NULL), 0);
    ck_assert_int_eq(custseg_dataset_add_transaction(ds, "b", "o1",
                                                     T0 + 3600, 5 * E4,
                                                     NULL), 0);
    ck_assert_int_eq(custseg_dataset_add_transaction(ds, "b", "C9",
                                                     T0 + 9 * DAY, -4 * E4,
                                                     NULL), 0);
    ck_assert_int_eq(custseg_dataset_add_transaction(ds, "a", "o2",
                                                     T0 + 2 * DAY, 7 * E4,
                                                     "toys"), 0);
    ck_assert_int_eq(custseg_dataset_add_transaction(ds, "c", NULL,
                                                     T0 + 4 * DAY, 1, NULL),
                     0);
    ck_assert_int_eq(custseg_dataset_add_transaction(ds, "c", NULL,
                                                     T0 + 4 * DAY, 2, NULL),
                     0);
    return ds;
}

START_TEST(test_metrics_by_hand)
{
    custseg_dataset *ds = sample();
    const custseg__metrics *m;
    uint32_t a, b, c;

    ck_assert_int_eq(custseg_dataset_freeze(ds), CUSTSEG_OK);
    ck_assert_uint_eq(custseg_dataset_customer_count(ds), 3);
    ck_assert_uint_eq(custseg_dataset_transaction_count(ds), 6);
    m = &ds->metrics;
    a = cust(ds, "a");
    b = cust(ds, "b");
    c = cust(ds, "c");
    /* as_of = day after the latest transaction (day 9) = day 10. */
    ck_assert_int_eq(m->as_of_day, T0 / DAY + 10);
    ck_assert_int_eq(m->recency[b], 1);
    ck_assert_int_eq(m->recency[a], 8);
    ck_assert_int_eq(m->recency[c], 6);
    /* b: o1 (two rows) and the return C9; c: no order column, 2 rows. */
    ck_assert_int_eq(m->frequency[b], 2);
    ck_assert_int_eq(m->frequency[a], 1);
    ck_assert_int_eq(m->frequency[c], 2);
    ck_assert_int_eq(m->monetary[b], 11 * E4); /* net of the return */
    ck_assert_int_eq(m->monetary[c], 3);
    ck_assert_int_eq(m->first_day[b], T0 / DAY);
    ck_assert_int_eq(m->last_day[b], T0 / DAY + 9);
    ck_assert_uint_eq(m->active, 3);
    /* Byte order of ids. */
    ck_assert_uint_eq(ds->by_id[0], a);
    ck_assert_uint_eq(ds->by_id[1], b);
    ck_assert_uint_eq(ds->by_id[2], c);
    ck_assert_uint_eq(ds->id_rank[c], 2);
    custseg_dataset_free(ds);
}
END_TEST

START_TEST(test_metrics_as_of)
{
    custseg_dataset *ds = sample();
    custseg__metrics m;
    bool owned;
    uint32_t b;

    ck_assert_int_eq(custseg_dataset_freeze(ds), CUSTSEG_OK);
    b = cust(ds, "b");
    /* Before b's return: the return is left out of every metric. */
    ck_assert_int_eq(custseg__metrics_for(ds, T0 / DAY + 5, &m, &owned), 0);
    ck_assert(owned);
    ck_assert_int_eq(m.monetary[b], 15 * E4);
    ck_assert_int_eq(m.frequency[b], 1);
    ck_assert_int_eq(m.recency[b], 5);
    ck_assert_uint_eq(m.active, 3);
    custseg__metrics_free(&m);
    /* Before anyone but b bought: a and c are not customers yet. */
    ck_assert_int_eq(custseg__metrics_for(ds, T0 / DAY, &m, &owned), 0);
    ck_assert_uint_eq(m.active, 1);
    ck_assert_int_eq(m.last_day[cust(ds, "a")], INT64_MIN);
    ck_assert_int_eq(m.recency[b], 0);
    custseg__metrics_free(&m);
    /* Later than the data: cached metrics, recency shifted. */
    ck_assert_int_eq(custseg__metrics_for(ds, T0 / DAY + 40, &m, &owned),
                     0);
    ck_assert_int_eq(m.recency[b], 31);
    ck_assert_int_eq(m.monetary[b], 11 * E4);
    custseg__metrics_free(&m);
    custseg_dataset_free(ds);
}
END_TEST

START_TEST(test_frozen_is_read_only)
{
    custseg_dataset *ds = sample();

    ck_assert_int_eq(custseg_dataset_freeze(ds), CUSTSEG_OK);
    ck_assert_int_eq(custseg_dataset_freeze(ds), CUSTSEG_OK);
    ck_assert_int_eq(custseg_dataset_add_transaction(ds, "z", NULL, T0, 1,
                                                     NULL),
                     CUSTSEG_EMISUSE);
    ck_assert_ptr_nonnull(strstr(custseg_dataset_errmsg(ds), "frozen"));
    ck_assert_int_eq(custseg_dataset_set_int(ds, "threads", 2),
                     CUSTSEG_EMISUSE);
    ck_assert_int_eq(custseg_dataset_map_column(ds, "customer", "x"),
                     CUSTSEG_EMISUSE);
    ck_assert_uint_eq(custseg_dataset_customer_count(ds), 3);
    custseg_dataset_free(ds);
}
END_TEST

START_TEST(test_empty_freeze)
{
    custseg_dataset *ds = new_ds();

    ck_assert_int_eq(custseg_dataset_freeze(ds), CUSTSEG_ENODATA);
    ck_assert_str_eq(custseg_dataset_errmsg(ds), "dataset has no customers");
    custseg_dataset_free(ds);
    custseg_dataset_free(NULL);
}
END_TEST

START_TEST(test_add_errors)
{
    custseg_dataset *ds = new_ds();

    ck_assert_int_eq(custseg_dataset_add_transaction(ds, "", NULL, T0, 1,
                                                     NULL), CUSTSEG_EINVAL);
    ck_assert_int_eq(custseg_dataset_add_transaction(ds, NULL, NULL, T0, 1,
                                                     NULL), CUSTSEG_EINVAL);
    ck_assert_int_eq(custseg_dataset_add_transaction(ds, "x", NULL,
                                                     INT64_MAX, 1, NULL),
                     CUSTSEG_EINVAL);
    ck_assert_ptr_nonnull(strstr(custseg_dataset_errmsg(ds), "1..9999"));
    ck_assert_uint_eq(custseg_dataset_customer_count(ds), 0);
    ck_assert_int_eq(custseg_dataset_add_transaction(ds, "x", NULL, T0, 1,
                                                     NULL), CUSTSEG_OK);
    /* A transactions dataset takes no summaries, and the other way. */
    ck_assert_int_eq(custseg_dataset_add_customer(ds, "y", 1, 1, 1),
                     CUSTSEG_EMISUSE);
    ck_assert_uint_eq(custseg_dataset_customer_count(ds), 1);
    custseg_dataset_free(ds);
}
END_TEST

START_TEST(test_options)
{
    custseg_dataset *ds = new_ds();

    ck_assert_int_eq(custseg_dataset_set_int(ds, "threads", 0),
                     CUSTSEG_EINVAL);
    ck_assert_int_eq(custseg_dataset_set_int(ds, "threads", 257),
                     CUSTSEG_EINVAL);
    ck_assert_int_eq(custseg_dataset_set_int(ds, "threads", 4), CUSTSEG_OK);
    ck_assert_int_eq(ds->threads, 4);
    ck_assert_int_eq(custseg_dataset_set_int(ds, "header", 2),
                     CUSTSEG_EINVAL);
    ck_assert_int_eq(custseg_dataset_set_int(ds, "drop_returns", 1), 0);
    ck_assert_int_eq(ds->drop_returns, 1);
    ck_assert_int_eq(custseg_dataset_set_int(ds, "nope", 1),
                     CUSTSEG_ENOTFOUND);
    ck_assert_ptr_nonnull(strstr(custseg_dataset_errmsg(ds), "nope"));
    ck_assert_int_eq(custseg_dataset_set_string(ds, "delimiter", ";"), 0);
    ck_assert_int_eq(ds->delimiter, ';');
    ck_assert_int_eq(custseg_dataset_set_string(ds, "delimiter",
                                                "whitespace"), 0);
    ck_assert_int_eq(ds->delimiter, -1);
    ck_assert_int_eq(custseg_dataset_set_string(ds, "delimiter", ";;"),
                     CUSTSEG_EINVAL);
    ck_assert_int_eq(custseg_dataset_set_string(ds, "delimiter", "\""),
                     CUSTSEG_EINVAL);
    ck_assert_int_eq(custseg_dataset_set_string(ds, "threads", "2"),
                     CUSTSEG_EINVAL);
    ck_assert_int_eq(custseg_dataset_map_column(ds, "nope", "x"),
                     CUSTSEG_ENOTFOUND);
    ck_assert_int_eq(custseg_dataset_map_column(ds, "customer", ""),
                     CUSTSEG_EINVAL);
    ck_assert_int_eq(custseg_dataset_map_column(ds, "customer", "id"), 0);
    ck_assert_str_eq(ds->map[CUSTSEG__ROLE_CUSTOMER], "id");
    ck_assert_int_eq(custseg_dataset_map_column(ds, "customer", NULL), 0);
    ck_assert_ptr_null(ds->map[CUSTSEG__ROLE_CUSTOMER]);
    custseg_dataset_free(ds);
}
END_TEST

START_TEST(test_bulk_columns)
{
    const char ids[] = "bab";
    const int64_t off[] = { 0, 1, 2, 3 };
    const char orders[] = "o1o2o1";
    const int64_t ooff[] = { 0, 2, 4, 6 };
    const int64_t times[] = { T0, T0 + DAY, T0 + 2 * DAY };
    const double famounts[] = { 1.00005, 2.00015, -0.5 };
    custseg_dataset *ds = new_ds();
    uint32_t b;

    ck_assert_int_eq(custseg_dataset_add_columns(ds, 3, ids, off, orders,
                                                 ooff, times, NULL,
                                                 famounts), CUSTSEG_OK);
    ck_assert_uint_eq(custseg_dataset_transaction_count(ds), 3);
    /* Doubles are rounded to ten-thousandths. */
    ck_assert_int_eq(ds->tx_amount[2], -5000);
    ck_assert_int_eq(custseg_dataset_freeze(ds), CUSTSEG_OK);
    b = cust(ds, "b");
    ck_assert_int_eq(ds->metrics.frequency[b], 1); /* o1 twice */
    ck_assert_int_eq(ds->metrics.recency[b], 1);
    custseg_dataset_free(ds);
}
END_TEST

START_TEST(test_bulk_all_or_nothing)
{
    const char ids[] = "abc";
    const int64_t off[] = { 0, 1, 2, 2 }; /* third id empty */
    const int64_t times[] = { T0, T0, T0 };
    const int64_t amounts[] = { 1, 2, 3 };
    custseg_dataset *ds = new_ds();

    ck_assert_int_eq(custseg_dataset_add_columns(ds, 3, ids, off, NULL,
                                                 NULL, times, amounts, NULL),
                     CUSTSEG_EINVAL);
    ck_assert_ptr_nonnull(strstr(custseg_dataset_errmsg(ds), "row 2"));
    ck_assert_uint_eq(custseg_dataset_transaction_count(ds), 0);
    ck_assert_uint_eq(custseg_dataset_customer_count(ds), 0);
    ck_assert_int_eq(custseg_dataset_add_columns(ds, 3, ids, off, NULL,
                                                 NULL, times, amounts,
                                                 (const double *)amounts),
                     CUSTSEG_EINVAL); /* both amount arrays */
    custseg_dataset_free(ds);
}
END_TEST

START_TEST(test_bulk_keys)
{
    const int64_t keys[] = { 42, -7, 42, 1000 };
    const int64_t okeys[] = { 1, 2, 1, 3 };
    const int64_t times[] = { T0, T0, T0 + DAY, T0 };
    const int64_t amounts[] = { 5 * E4, 1, 5 * E4, 2 };
    custseg_dataset *ds = new_ds();
    uint32_t c;

    ck_assert_int_eq(custseg_dataset_add_columns_keys(ds, 4, keys, okeys,
                                                      times, amounts, NULL),
                     CUSTSEG_OK);
    ck_assert_uint_eq(custseg_dataset_customer_count(ds), 3);
    ck_assert_int_eq(custseg_dataset_freeze(ds), CUSTSEG_OK);
    c = cust(ds, "42");
    ck_assert_int_eq(ds->metrics.frequency[c], 1);
    ck_assert_int_eq(ds->metrics.monetary[c], 10 * E4);
    cust(ds, "-7");
    /* Ids compare as bytes: "-7" < "1000" < "42". */
    ck_assert_str_eq(custseg__strtab_get(&ds->customers, ds->by_id[0]),
                     "-7");
    ck_assert_str_eq(custseg__strtab_get(&ds->customers, ds->by_id[2]),
                     "42");
    custseg_dataset_free(ds);
}
END_TEST

START_TEST(test_shared_order_ids)
{
    /* Order "o" used by two customers, interleaved: each counts it once. */
    custseg_dataset *ds = new_ds();

    ck_assert_int_eq(custseg_dataset_add_transaction(ds, "x", "o", T0, 1,
                                                     NULL), 0);
    ck_assert_int_eq(custseg_dataset_add_transaction(ds, "y", "o", T0, 1,
                                                     NULL), 0);
    ck_assert_int_eq(custseg_dataset_add_transaction(ds, "x", "o", T0, 1,
                                                     NULL), 0);
    ck_assert_int_eq(custseg_dataset_add_transaction(ds, "y", "o", T0, 1,
                                                     NULL), 0);
    ck_assert_int_eq(custseg_dataset_add_transaction(ds, "y", "p", T0, 1,
                                                     NULL), 0);
    ck_assert_int_eq(custseg_dataset_freeze(ds), CUSTSEG_OK);
    ck_assert_int_eq(ds->metrics.frequency[cust(ds, "x")], 1);
    ck_assert_int_eq(ds->metrics.frequency[cust(ds, "y")], 2);
    custseg_dataset_free(ds);
}
END_TEST

START_TEST(test_summaries)
{
    custseg_dataset *ds = new_ds();
    uint32_t b;

    ck_assert_int_eq(custseg_dataset_add_customer(ds, "a", 10, 3, 5 * E4),
                     0);
    ck_assert_int_eq(custseg_dataset_add_customer(ds, "b", 0, 0, 0), 0);
    ck_assert_int_eq(custseg_dataset_add_customer(ds, "a", 1, 1, 1),
                     CUSTSEG_EINVAL);
    ck_assert_int_eq(custseg_dataset_add_customer(ds, "c", -1, 1, 1),
                     CUSTSEG_EINVAL);
    ck_assert_uint_eq(custseg_dataset_customer_count(ds), 2);
    ck_assert_int_eq(custseg_dataset_add_transaction(ds, "t", NULL, T0, 1,
                                                     NULL), CUSTSEG_EMISUSE);
    ck_assert_int_eq(custseg_dataset_freeze(ds), CUSTSEG_OK);
    b = cust(ds, "b");
    ck_assert_int_eq(ds->metrics.recency[cust(ds, "a")], 10);
    ck_assert_int_eq(ds->metrics.frequency[cust(ds, "a")], 3);
    ck_assert_int_eq(ds->metrics.monetary[b], 0);
    ck_assert_uint_eq(ds->metrics.active, 2);
    custseg_dataset_free(ds);
}
END_TEST

START_TEST(test_memory_per_transaction)
{
    /* 1000 customers x 10 transactions: after freeze the dataset holds
     * its 24-byte columns plus small per-customer arrays. */
    custseg_dataset *ds = new_ds();
    static int64_t keys[10000], okeys[10000], times[10000], amounts[10000];
    size_t i, bytes;

    for (i = 0; i < 10000; i++) {
        keys[i] = (int64_t)(i % 1000) + 100000;
        okeys[i] = (int64_t)i;
        times[i] = T0 + (int64_t)i * 600;
        amounts[i] = (int64_t)i;
    }
    ck_assert_int_eq(custseg_dataset_add_columns_keys(ds, 10000, keys,
                                                      okeys, times, amounts,
                                                      NULL), 0);
    ck_assert_int_eq(custseg_dataset_freeze(ds), CUSTSEG_OK);
    bytes = custseg_dataset_memory_bytes(ds);
    ck_assert_uint_ge(bytes, 10000 * 24);
    ck_assert_uint_le(bytes, 10000 * 32);
    custseg_dataset_free(ds);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("dataset");
    TCase *tc = tcase_create("dataset");

    tcase_add_test(tc, test_metrics_by_hand);
    tcase_add_test(tc, test_metrics_as_of);
    tcase_add_test(tc, test_frozen_is_read_only);
    tcase_add_test(tc, test_empty_freeze);
    tcase_add_test(tc, test_add_errors);
    tcase_add_test(tc, test_options);
    tcase_add_test(tc, test_bulk_columns);
    tcase_add_test(tc, test_bulk_all_or_nothing);
    tcase_add_test(tc, test_bulk_keys);
    tcase_add_test(tc, test_shared_order_ids);
    tcase_add_test(tc, test_summaries);
    tcase_add_test(tc, test_memory_per_transaction);
    suite_add_tcase(s, tc);
    return tu_run_suite(s);
}
