/*
 * check_load_data.c - loading the real reference files of ../shared/data
 * and checking the counts against their READMEs and against totals worked
 * out independently (see each test). Skipped when the data is absent.
 */
#include "internal.h"
#include "testutil.h"

#include <check.h>
#include <string.h>

#define RETAIL "online_retail/online_retail_spark_byday_concat.csv"

static custseg_dataset *new_ds(void)
{
    custseg_dataset *ds = NULL;

    ck_assert_int_eq(custseg_dataset_new(&ds), CUSTSEG_OK);
    return ds;
}

static void map(custseg_dataset *ds, const char *role, const char *col)
{
    ck_assert_int_eq(custseg_dataset_map_column(ds, role, col), CUSTSEG_OK);
}

static void check_invariant(const custseg_dataset *ds)
{
    int64_t sum = custseg_dataset_rows_accepted(ds);
    int r;

    for (r = 0; r < CUSTSEG_REJECT_REASON_COUNT; r++)
        sum += custseg_dataset_rows_rejected(ds, r);
    ck_assert_int_eq(custseg_dataset_rows_read(ds), sum);
}

static int64_t total_amount(const custseg_dataset *ds)
{
    int64_t sum = 0;
    size_t i;

    for (i = 0; i < ds->ntx; i++)
        sum += ds->tx_amount[i];
    return sum;
}

static custseg_dataset *load_retail(const char *path, int threads,
                                    int drop_returns)
{
    custseg_dataset *ds = new_ds();

    map(ds, "customer", "CustomerID");
    map(ds, "order", "InvoiceNo");
    map(ds, "time", "InvoiceDate");
    map(ds, "quantity", "Quantity");
    map(ds, "price", "UnitPrice");
    ck_assert_int_eq(custseg_dataset_set_int(ds, "threads", threads),
                     CUSTSEG_OK);
    ck_assert_int_eq(custseg_dataset_set_int(ds, "drop_returns",
                                             drop_returns), CUSTSEG_OK);
    ck_assert_msg(custseg_dataset_load_csv(ds, path) == CUSTSEG_OK, "%s",
                  custseg_dataset_errmsg(ds));
    check_invariant(ds);
    return ds;
}

/*
 * The net total of Quantity x UnitPrice over the rows with a CustomerID,
 * each product rounded half to even to 4 places, was computed with
 * Python's csv and decimal modules (exact decimal arithmetic, no floats):
 * 8,300,065.8140 net; 8,911,407.9040 over the non-negative rows only.
 * Every product is exact at 4 places, so the rounding rule does not
 * matter here, and the second number agrees with the README's cleaned
 * revenue of 8,911,407.90. Its 9,288 cancellations all have a negative
 * quantity; 8,905 of them have a customer, and no other row with a
 * customer is negative (the 1,336 other negative rows all lack one).
 */
START_TEST(online_retail)
{
    const char *path = tu_data_path(RETAIL);
    custseg_dataset *ds;
    size_t i;

    if (path == NULL)
        return;
    ds = load_retail(path, 1, 0);
    ck_assert_int_eq(custseg_dataset_rows_read(ds), 541909);
    ck_assert_int_eq(custseg_dataset_rows_rejected(ds,
                     CUSTSEG_REJECT_MISSING_CUSTOMER), 135080);
    ck_assert_int_eq(custseg_dataset_rows_accepted(ds), 406829);
    ck_assert_uint_eq(custseg_dataset_customer_count(ds), 4372);
    ck_assert_uint_eq(custseg_dataset_transaction_count(ds), 406829);
    ck_assert_int_eq(total_amount(ds), 83000658140LL);
    /* every negative row with a customer is a "C" invoice */
    for (i = 0; i < ds->ntx; i++)
        if (ds->tx_amount[i] < 0)
            ck_assert_int_eq(custseg__strtab_get(&ds->orders,
                                                 ds->tx_order[i])[0], 'C');
    /* 2010-12-01 08:26:00 to 2011-12-09 12:50:00 */
    ck_assert_int_eq(ds->min_time, 1291191960);
    ck_assert_int_eq(ds->max_time, 1323435000);
    custseg_dataset_free(ds);
}
END_TEST

START_TEST(online_retail_drop_returns)
{
    const char *path = tu_data_path(RETAIL);
    custseg_dataset *ds;

    if (path == NULL)
        return;
    ds = load_retail(path, 1, 1);
    ck_assert_int_eq(custseg_dataset_rows_rejected(ds,
                     CUSTSEG_REJECT_RETURN_DROPPED), 8905);
    ck_assert_int_eq(custseg_dataset_rows_rejected(ds,
                     CUSTSEG_REJECT_MISSING_CUSTOMER), 135080);
    /* README: without missing customers and "C" invoices, 397,924 rows
     * of 4,339 customers */
    ck_assert_int_eq(custseg_dataset_rows_accepted(ds), 397924);
    ck_assert_uint_eq(custseg_dataset_customer_count(ds), 4339);
    ck_assert_int_eq(total_amount(ds), 89114079040LL);
    custseg_dataset_free(ds);
}
END_TEST

START_TEST(online_retail_threads)
{
    const char *path = tu_data_path(RETAIL);
    custseg_dataset *one, *two;
    size_t n;

    if (path == NULL)
        return;
    one = load_retail(path, 1, 0);
    two = load_retail(path, 2, 0);
    ck_assert(memcmp(&one->report, &two->report, sizeof one->report) == 0);
    n = one->ntx;
    ck_assert_uint_eq(n, two->ntx);
    ck_assert_uint_eq(one->customers.count, two->customers.count);
    ck_assert_uint_eq(one->orders.count, two->orders.count);
    ck_assert(memcmp(one->tx_customer, two->tx_customer, n * 4) == 0);
    ck_assert(memcmp(one->tx_order, two->tx_order, n * 4) == 0);
    ck_assert(memcmp(one->tx_time, two->tx_time, n * 8) == 0);
    ck_assert(memcmp(one->tx_amount, two->tx_amount, n * 8) == 0);
    ck_assert(memcmp(one->customers.bytes, two->customers.bytes,
                     one->customers.nbytes) == 0);
    custseg_dataset_free(one);
    custseg_dataset_free(two);
}
END_TEST

/* CDNOW: README counts; the dollar total 2,500,315.63 is the README's. */
START_TEST(cdnow_master)
{
    const char *path = tu_data_path("cdnow/CDNOW_master.txt");
    custseg_dataset *ds;

    if (path == NULL)
        return;
    ds = new_ds();
    map(ds, "customer", "customer_id");
    map(ds, "time", "date");
    map(ds, "amount", "dollar_value");
    ck_assert_int_eq(custseg_dataset_set_string(ds, "delimiter",
                                                "whitespace"), CUSTSEG_OK);
    ck_assert_msg(custseg_dataset_load_csv(ds, path) == CUSTSEG_OK, "%s",
                  custseg_dataset_errmsg(ds));
    check_invariant(ds);
    ck_assert_int_eq(custseg_dataset_rows_read(ds), 69659);
    ck_assert_int_eq(custseg_dataset_rows_accepted(ds), 69659);
    ck_assert_uint_eq(custseg_dataset_customer_count(ds), 23570);
    ck_assert_int_eq(total_amount(ds), 25003156300LL);
    /* 1997-01-01 .. 1998-06-30 */
    ck_assert_int_eq(ds->min_time, 852076800);
    ck_assert_int_eq(ds->max_time, 899164800);
    ck_assert_uint_lt(custseg__strtab_find(&ds->customers, "00001", 5),
                      23570);
    custseg_dataset_free(ds);
}
END_TEST

START_TEST(rfm_orders)
{
    const char *path = tu_data_path("rfm/rfm_data_orders.csv");
    custseg_dataset *ds;

    if (path == NULL)
        return;
    ds = new_ds();
    map(ds, "customer", "customer_id");
    map(ds, "time", "order_date");
    map(ds, "amount", "revenue");
    ck_assert_msg(custseg_dataset_load_csv(ds, path) == CUSTSEG_OK, "%s",
                  custseg_dataset_errmsg(ds));
    check_invariant(ds);
    ck_assert_int_eq(custseg_dataset_rows_accepted(ds), 4906);
    ck_assert_uint_eq(custseg_dataset_customer_count(ds), 995);
    ck_assert_uint_lt(custseg__strtab_find(&ds->customers, "Brion Stark",
                                           11), 995);
    /* The README says the dates run 2004-12-20 .. 2006-12-31, but the
     * file's order_date column (checked with sort) runs 2001-10-29 ..
     * 2006-12-30; 2006-12-31 is the analysis date of the golden files. */
    ck_assert_int_eq(ds->min_time, 1004313600);
    ck_assert_int_eq(ds->max_time, 1167436800);
    custseg_dataset_free(ds);
}
END_TEST

/* The package's tests: the sum of number_of_orders is 393,223. */
START_TEST(rfm_customers)
{
    const char *path = tu_data_path("rfm/rfm_data_customer.csv");
    custseg_dataset *ds;
    int64_t orders = 0;
    size_t i;

    if (path == NULL)
        return;
    ds = new_ds();
    map(ds, "customer", "customer_id");
    map(ds, "recency", "recency_days");
    map(ds, "frequency", "number_of_orders");
    map(ds, "monetary", "revenue");
    ck_assert_msg(custseg_dataset_load_csv(ds, path) == CUSTSEG_OK, "%s",
                  custseg_dataset_errmsg(ds));
    check_invariant(ds);
    ck_assert_int_eq(custseg_dataset_rows_read(ds), 39999);
    ck_assert_int_eq(custseg_dataset_rows_accepted(ds), 39999);
    ck_assert_uint_eq(custseg_dataset_customer_count(ds), 39999);
    for (i = 0; i < 39999; i++)
        orders += ds->sum_frequency[i];
    ck_assert_int_eq(orders, 393223);
    /* first row: 22086,777,2006-05-14,9,232 */
    ck_assert_str_eq(custseg__strtab_get(&ds->customers, 0), "22086");
    ck_assert_int_eq(ds->sum_recency[0], 232);
    ck_assert_int_eq(ds->sum_frequency[0], 9);
    ck_assert_int_eq(ds->sum_monetary[0], 7770000);
    custseg_dataset_free(ds);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("load_data");
    TCase *tc = tcase_create("load_data");

    tcase_add_test(tc, online_retail);
    tcase_add_test(tc, online_retail_drop_returns);
    tcase_add_test(tc, online_retail_threads);
    tcase_add_test(tc, cdnow_master);
    tcase_add_test(tc, rfm_orders);
    tcase_add_test(tc, rfm_customers);
    tcase_set_timeout(tc, 30);
    suite_add_tcase(s, tc);
    return tu_run_suite(s);
}
