/*
 * check_alloc_big.c - a threaded CSV load when big blocks are refused.
 *
 * A threaded load reserves room for the last chunk's rows from a loose
 * bound (csv.c, "regions"): mostly address space, but an allocator, or a
 * system without overcommit, may refuse that much. The load must then
 * count the last chunk and take only what it needs, with the same result;
 * and when even that is refused, fail with CUSTSEG_ENOMEM and leave the
 * dataset as it was. main() installs an allocator that refuses blocks
 * above a cap (counters are atomic: the load runs on two threads).
 */
#include <check.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "custseg.h"
#include "testutil.h"

static atomic_size_t cap = SIZE_MAX; /* bigger blocks are refused */
static atomic_long refused;
static atomic_long live;

static void *t_alloc(void *payload, size_t size)
{
    void *p;

    (void)payload;
    if (size > atomic_load(&cap)) {
        atomic_fetch_add(&refused, 1);
        return NULL;
    }
    if ((p = malloc(size)) != NULL)
        atomic_fetch_add(&live, 1);
    return p;
}

static void *t_realloc(void *payload, void *ptr, size_t size)
{
    (void)payload;
    if (size > atomic_load(&cap)) {
        atomic_fetch_add(&refused, 1);
        return NULL;
    }
    return realloc(ptr, size);
}

static void t_free(void *payload, void *ptr)
{
    (void)payload;
    if (ptr != NULL)
        atomic_fetch_sub(&live, 1);
    free(ptr);
}

/* About 6 MB of transactions: over the size at which loads use threads,
 * and 1,000 customers of 200 rows each. */
static char *make_csv(size_t *len)
{
    size_t rows = 200000, i, n = 0, room = 64 * rows + 64;
    char *buf = malloc(room);

    ck_assert_ptr_nonnull(buf);
    n += (size_t)sprintf(buf, "customer,order,time,amount\n");
    for (i = 0; i < rows; i++)
        n += (size_t)snprintf(buf + n, room - n,
                              "C%05zu,O%07zu,2024-%02zu-%02zu 10:00:00,"
                              "%zu.%02zu\n", (i * 7919) % 1000, i / 2,
                              1 + i % 12, 1 + i % 28, i % 500, i % 100);
    *len = n;
    return buf;
}

static custseg_dataset *new_ds(int threads)
{
    custseg_dataset *ds = NULL;

    ck_assert_int_eq(custseg_dataset_new(&ds), CUSTSEG_OK);
    ck_assert_int_eq(custseg_dataset_set_int(ds, "threads", threads),
                     CUSTSEG_OK);
    ck_assert_int_eq(custseg_dataset_map_column(ds, "customer", "customer"),
                     CUSTSEG_OK);
    ck_assert_int_eq(custseg_dataset_map_column(ds, "order", "order"),
                     CUSTSEG_OK);
    ck_assert_int_eq(custseg_dataset_map_column(ds, "time", "time"),
                     CUSTSEG_OK);
    ck_assert_int_eq(custseg_dataset_map_column(ds, "amount", "amount"),
                     CUSTSEG_OK);
    return ds;
}

/* The rfm CSV of a loaded dataset (the cap lifted for the run). */
static tu_buf rfm_csv(custseg_dataset *ds)
{
    custseg_strategy *s = NULL;
    custseg_result *r = NULL;
    tu_buf o = {NULL, 0, 0};

    atomic_store(&cap, SIZE_MAX);
    ck_assert_int_eq(custseg_strategy_new(&s, "rfm"), CUSTSEG_OK);
    ck_assert_int_eq(custseg_run(&r, s, ds), CUSTSEG_OK);
    ck_assert_int_eq(custseg_result_write(r, CUSTSEG_FORMAT_CSV, 2,
                                          tu_buf_write, &o), CUSTSEG_OK);
    custseg_result_free(r);
    custseg_strategy_free(s);
    return o;
}

/* The two datasets give the same rfm output; both are freed, and then
 * no block of the library may be live. */
static void same_and_free(custseg_dataset *one, custseg_dataset *two)
{
    tu_buf a = rfm_csv(one), b = rfm_csv(two);

    ck_assert_uint_eq(a.len, b.len);
    ck_assert(memcmp(a.p, b.p, a.len) == 0);
    free(a.p);
    free(b.p);
    custseg_dataset_free(one);
    custseg_dataset_free(two);
    ck_assert_int_eq(atomic_load(&live), 0);
}

/* The reference: the same rows loaded by one thread, nothing refused. */
static custseg_dataset *reference(const char *csv, size_t len)
{
    custseg_dataset *one = new_ds(1);

    ck_assert_int_eq(custseg_dataset_load_csv_buffer(one, csv, len, "t"),
                     CUSTSEG_OK);
    return one;
}

START_TEST(loose_bound_refused)
{
    size_t len;
    char *csv = make_csv(&len);
    custseg_dataset *one = reference(csv, len), *two = new_ds(2);

    /* 200,000 rows take 2 MB per 8-byte column; the loose bound of the
     * second chunk's rows asks for 8 MB. */
    atomic_store(&cap, (size_t)4 << 20);
    atomic_store(&refused, 0);
    ck_assert_msg(custseg_dataset_load_csv_buffer(two, csv, len, "t") ==
                      CUSTSEG_OK, "%s", custseg_dataset_errmsg(two));
    ck_assert_int_gt(atomic_load(&refused), 0);
    ck_assert_uint_eq(custseg_dataset_transaction_count(two), 200000);
    ck_assert_uint_eq(custseg_dataset_customer_count(two), 1000);
    same_and_free(one, two);
    free(csv);
}
END_TEST

START_TEST(everything_refused)
{
    size_t len;
    char *csv = make_csv(&len);
    custseg_dataset *one = reference(csv, len), *two = new_ds(2);

    atomic_store(&cap, (size_t)256 << 10);
    ck_assert_int_eq(custseg_dataset_load_csv_buffer(two, csv, len, "t"),
                     CUSTSEG_ENOMEM);
    ck_assert_uint_eq(custseg_dataset_transaction_count(two), 0);
    ck_assert_uint_eq(custseg_dataset_customer_count(two), 0);
    /* nothing was kept: the same handle then loads as if new */
    atomic_store(&cap, SIZE_MAX);
    ck_assert_int_eq(custseg_dataset_load_csv_buffer(two, csv, len, "t"),
                     CUSTSEG_OK);
    same_and_free(one, two);
    free(csv);
}
END_TEST

int main(void)
{
    static const custseg_allocator hooks = {
        CUSTSEG_ALLOCATOR_VERSION, t_alloc, t_realloc, t_free, NULL
    };
    Suite *s = suite_create("alloc_big");
    TCase *tc = tcase_create("threaded_load");

    if (custseg_set_allocator(&hooks) != CUSTSEG_OK)
        return EXIT_FAILURE;
    tcase_add_test(tc, loose_bound_refused);
    tcase_add_test(tc, everything_refused);
    tcase_set_timeout(tc, 120);
    suite_add_tcase(s, tc);
    return tu_run_suite(s);
}
