/*
 * check_attributes.c - customer attributes: set one by one and in bulk,
 * types, "no value", all-or-nothing failures, customers CSV files, and
 * "attr:" columns of flat transaction files (most recent value wins).
 */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "attributes.h"
#include "testutil.h"

#define E4 10000LL

static custseg_dataset *new_ds(void)
{
    custseg_dataset *ds = NULL;

    ck_assert_int_eq(custseg_dataset_new(&ds), CUSTSEG_OK);
    return ds;
}

static uint32_t cust(const custseg_dataset *ds, const char *id)
{
    uint32_t i;

    for (i = 0; i < ds->customers.count; i++)
        if (strcmp(custseg__strtab_get(&ds->customers, i), id) == 0)
            return i;
    return CUSTSEG__NONE;
}

static const custseg__attr *attr(const custseg_dataset *ds, const char *n)
{
    const custseg__attr *a = custseg__attr_find(ds, n, strlen(n));

    ck_assert_msg(a != NULL, "no attribute %s", n);
    return a;
}

static double num(const custseg_dataset *ds, const char *id, const char *n)
{
    uint32_t c = cust(ds, id);

    ck_assert_uint_ne(c, CUSTSEG__NONE);
    ck_assert_int_eq(attr(ds, n)->type, CUSTSEG_ATTR_NUMBER);
    return custseg__attr_number(attr(ds, n), c);
}

/* The string value, or "(none)". */
static const char *str(const custseg_dataset *ds, const char *id,
                       const char *n)
{
    const custseg__attr *a = attr(ds, n);
    uint32_t c = cust(ds, id), v;

    ck_assert_uint_ne(c, CUSTSEG__NONE);
    ck_assert_int_eq(a->type, CUSTSEG_ATTR_STRING);
    v = custseg__attr_string(a, c);
    return v == CUSTSEG__NONE ? "(none)" : custseg__strtab_get(&a->values, v);
}

START_TEST(set_one_by_one)
{
    custseg_dataset *ds = new_ds();

    ck_assert_int_eq(custseg_dataset_set_attribute_string(ds, "a", "country",
                                                          "DE"), CUSTSEG_OK);
    ck_assert_int_eq(custseg_dataset_set_attribute_number(ds, "b", "size",
                                                          12.5), CUSTSEG_OK);
    ck_assert_int_eq(custseg_dataset_set_attribute_string(ds, "b", "country",
                                                          "FR"), CUSTSEG_OK);
    ck_assert_int_eq(custseg_dataset_set_attribute_string(ds, "a", "country",
                                                          "AT"), CUSTSEG_OK);
    /* customers come into being with their first attribute */
    ck_assert_uint_eq(custseg_dataset_customer_count(ds), 2);
    ck_assert_uint_eq(custseg_dataset_attribute_count(ds), 2);
    ck_assert_str_eq(custseg_dataset_attribute_name(ds, 0), "country");
    ck_assert_int_eq(custseg_dataset_attribute_type(ds, 0),
                     CUSTSEG_ATTR_STRING);
    ck_assert_int_eq(custseg_dataset_attribute_type(ds, 1),
                     CUSTSEG_ATTR_NUMBER);
    ck_assert_ptr_null(custseg_dataset_attribute_name(ds, 2));
    ck_assert_int_eq(custseg_dataset_attribute_type(ds, 2), 0);
    ck_assert_str_eq(str(ds, "a", "country"), "AT");
    ck_assert_str_eq(str(ds, "b", "country"), "FR");
    ck_assert(num(ds, "b", "size") == 12.5);
    ck_assert(isnan(num(ds, "a", "size")));
    /* "" and NaN remove a value */
    ck_assert_int_eq(custseg_dataset_set_attribute_string(ds, "a", "country",
                                                          ""), CUSTSEG_OK);
    ck_assert_str_eq(str(ds, "a", "country"), "(none)");
    ck_assert_int_eq(custseg_dataset_set_attribute_string(ds, "b", "country",
                                                          NULL), CUSTSEG_OK);
    ck_assert_str_eq(str(ds, "b", "country"), "(none)");
    ck_assert_int_eq(custseg_dataset_set_attribute_number(ds, "b", "size",
                                                          NAN), CUSTSEG_OK);
    ck_assert(isnan(num(ds, "b", "size")));
    custseg_dataset_free(ds);
}
END_TEST

START_TEST(set_errors)
{
    custseg_dataset *ds = new_ds();

    ck_assert_int_eq(custseg_dataset_set_attribute_number(ds, "a", "size",
                                                          1), CUSTSEG_OK);
    ck_assert_int_eq(custseg_dataset_set_attribute_string(ds, "a", "size",
                                                          "big"),
                     CUSTSEG_EINVAL);
    ck_assert_ptr_nonnull(strstr(custseg_dataset_errmsg(ds),
                                 "attribute size holds numbers"));
    ck_assert_int_eq(custseg_dataset_set_attribute_number(ds, "a", "size",
                                                          INFINITY),
                     CUSTSEG_EINVAL);
    ck_assert_int_eq(custseg_dataset_set_attribute_number(ds, "", "size",
                                                          1),
                     CUSTSEG_EINVAL);
    ck_assert_int_eq(custseg_dataset_set_attribute_number(ds, "a", "", 1),
                     CUSTSEG_EINVAL);
    ck_assert_int_eq(custseg_dataset_set_attribute_number(ds, "b", NULL, 1),
                     CUSTSEG_EINVAL);
    ck_assert_int_eq(custseg_dataset_set_attribute_number(NULL, "b", "x",
                                                          1),
                     CUSTSEG_EINVAL);
    /* a failed call adds no customer */
    ck_assert_uint_eq(custseg_dataset_customer_count(ds), 1);
    ck_assert(num(ds, "a", "size") == 1);
    ck_assert_int_eq(custseg_dataset_freeze(ds), CUSTSEG_OK);
    ck_assert_int_eq(custseg_dataset_set_attribute_number(ds, "a", "size",
                                                          2),
                     CUSTSEG_EMISUSE);
    custseg_dataset_free(ds);
}
END_TEST

START_TEST(bulk)
{
    static const char ids[] = "c1c2c3";
    static const int64_t off[] = {0, 2, 4, 6};
    static const char vals[] = "retailwholesale";
    static const int64_t voff[] = {0, 6, 6, 15};
    static const double nums[] = {1, NAN, 3e3};
    static const int64_t bad[] = {0, 2, 2, 6};
    custseg_dataset *ds = new_ds();

    ck_assert_int_eq(custseg_dataset_set_attributes_string(ds, "industry", 3,
                                                           ids, off, vals,
                                                           voff),
                     CUSTSEG_OK);
    ck_assert_int_eq(custseg_dataset_set_attributes_number(ds, "employees",
                                                           3, ids, off,
                                                           nums),
                     CUSTSEG_OK);
    ck_assert_str_eq(str(ds, "c1", "industry"), "retail");
    ck_assert_str_eq(str(ds, "c2", "industry"), "(none)");
    ck_assert_str_eq(str(ds, "c3", "industry"), "wholesale");
    ck_assert(num(ds, "c3", "employees") == 3000);
    ck_assert(isnan(num(ds, "c2", "employees")));
    /* an empty id fails the whole call; nothing changes */
    ck_assert_int_eq(custseg_dataset_set_attributes_string(ds, "other", 3,
                                                           ids, bad, vals,
                                                           voff),
                     CUSTSEG_EINVAL);
    ck_assert_uint_eq(custseg_dataset_attribute_count(ds), 2);
    ck_assert_int_eq(custseg_dataset_set_attributes_number(ds, "industry",
                                                           3, ids, off,
                                                           nums),
                     CUSTSEG_EINVAL);
    ck_assert_int_eq(custseg_dataset_set_attributes_number(ds, "n", 0, NULL,
                                                           NULL, NULL),
                     CUSTSEG_OK);
    ck_assert_uint_eq(custseg_dataset_customer_count(ds), 3);
    custseg_dataset_free(ds);
}
END_TEST

START_TEST(bulk_rolls_back_new_customers)
{
    static const char ids[] = "xyz";
    static const int64_t off[] = {0, 1, 2, 3};
    static const double nums[] = {1, 2, -INFINITY};
    custseg_dataset *ds = new_ds();

    ck_assert_int_eq(custseg_dataset_set_attributes_number(ds, "n", 3, ids,
                                                           off, nums),
                     CUSTSEG_EINVAL);
    ck_assert_uint_eq(custseg_dataset_customer_count(ds), 0);
    ck_assert_uint_eq(custseg_dataset_attribute_count(ds), 0);
    custseg_dataset_free(ds);
}
END_TEST

START_TEST(summary_datasets)
{
    custseg_dataset *ds = new_ds();

    ck_assert_int_eq(custseg_dataset_add_customer(ds, "a", 3, 2, 10 * E4),
                     CUSTSEG_OK);
    ck_assert_int_eq(custseg_dataset_set_attribute_string(ds, "a", "tier",
                                                          "gold"),
                     CUSTSEG_OK);
    /* a summary dataset takes attributes only for customers it has */
    ck_assert_int_eq(custseg_dataset_set_attribute_string(ds, "zz", "tier",
                                                          "gold"),
                     CUSTSEG_EINVAL);
    ck_assert_uint_eq(custseg_dataset_customer_count(ds), 1);
    custseg_dataset_free(ds);
    /* and summaries cannot follow customers made by attributes */
    ds = new_ds();
    ck_assert_int_eq(custseg_dataset_set_attribute_string(ds, "a", "tier",
                                                          "gold"),
                     CUSTSEG_OK);
    ck_assert_int_eq(custseg_dataset_add_customer(ds, "b", 3, 2, 10 * E4),
                     CUSTSEG_EMISUSE);
    custseg_dataset_free(ds);
}
END_TEST

/* ------------------------------------------------------------ customers */

static const char customers_csv[] =
    "id,Industry,Employees,Country\n"
    "c1,Retail,12,DE\n"
    "c2,\"Wholesale, B2B\",1.5e3,\n"
    ",Retail,3,FR\n"
    "c3,Retail,,FR,extra\n"
    "c4,,7,UK\n"
    "c1,Retail,15,AT\n";

START_TEST(customers_file)
{
    custseg_dataset *ds = new_ds();
    int rc;

    ck_assert_int_eq(custseg_dataset_add_transaction(ds, "c4", NULL, 0,
                                                     E4, NULL), CUSTSEG_OK);
    rc = custseg_dataset_load_customers_csv_buffer(
        ds, customers_csv, strlen(customers_csv), "customers.csv",
        "id=id,industry=Industry,size=Employees,country=Country");
    ck_assert_msg(rc == CUSTSEG_OK, "%s", custseg_dataset_errmsg(ds));
    ck_assert_int_eq(custseg_dataset_rows_read(ds), 6);
    ck_assert_int_eq(custseg_dataset_rows_accepted(ds), 4);
    ck_assert_int_eq(custseg_dataset_rows_rejected(
                         ds, CUSTSEG_REJECT_MISSING_CUSTOMER), 1);
    ck_assert_int_eq(custseg_dataset_reject_line(
                         ds, CUSTSEG_REJECT_MISSING_CUSTOMER, 0), 4);
    ck_assert_int_eq(custseg_dataset_rows_rejected(
                         ds, CUSTSEG_REJECT_FIELD_COUNT), 1);
    /* c4 joined its transactions; c1 and c2 are prospects */
    ck_assert_uint_eq(custseg_dataset_customer_count(ds), 3);
    ck_assert_str_eq(str(ds, "c2", "industry"), "Wholesale, B2B");
    ck_assert_str_eq(str(ds, "c4", "industry"), "(none)");
    ck_assert(num(ds, "c2", "size") == 1500);
    ck_assert_str_eq(str(ds, "c2", "country"), "(none)");
    /* the later row of c1 replaced the earlier one */
    ck_assert(num(ds, "c1", "size") == 15);
    ck_assert_str_eq(str(ds, "c1", "country"), "AT");
    custseg_dataset_free(ds);
}
END_TEST

START_TEST(customers_file_errors)
{
    static const char text[] = "id,n\na,x\nb,2\n";
    custseg_dataset *ds = new_ds();

    ck_assert_int_eq(custseg_dataset_load_customers_csv_buffer(
                         ds, text, strlen(text), "c.csv", "n=n"),
                     CUSTSEG_EINVAL); /* no id */
    ck_assert_int_eq(custseg_dataset_load_customers_csv_buffer(
                         ds, text, strlen(text), "c.csv", "id=id,n"),
                     CUSTSEG_EINVAL);
    ck_assert_int_eq(custseg_dataset_load_customers_csv_buffer(
                         ds, text, strlen(text), "c.csv", "id=id,n=nope"),
                     CUSTSEG_EPARSE);
    ck_assert_ptr_nonnull(strstr(custseg_dataset_errmsg(ds),
                                 "column \"nope\" is not in the header"));
    ck_assert_int_eq(custseg_dataset_load_customers_csv(ds, "/nonexistent",
                                                        "id=id"),
                     CUSTSEG_EIO);
    /* a text column cannot go into a number attribute: nothing loads */
    ck_assert_int_eq(custseg_dataset_set_attribute_number(ds, "z", "n", 1),
                     CUSTSEG_OK);
    ck_assert_int_eq(custseg_dataset_load_customers_csv_buffer(
                         ds, text, strlen(text), "c.csv", "id=id,n=n"),
                     CUSTSEG_EINVAL);
    ck_assert_ptr_nonnull(strstr(custseg_dataset_errmsg(ds),
                                 "c.csv: line 2: attribute n holds numbers"));
    ck_assert_int_eq(custseg_dataset_error_line(ds), 2);
    ck_assert_uint_eq(custseg_dataset_customer_count(ds), 1);
    ck_assert_int_eq(custseg_dataset_rows_read(ds), 0);
    /* without a header, columns are positions */
    ck_assert_int_eq(custseg_dataset_set_int(ds, "header", 0), CUSTSEG_OK);
    ck_assert_int_eq(custseg_dataset_load_customers_csv_buffer(
                         ds, text, strlen(text), "c.csv", "id=1,k=2"),
                     CUSTSEG_OK);
    ck_assert_str_eq(str(ds, "id", "k"), "n"); /* the header is a row */
    ck_assert_str_eq(str(ds, "b", "k"), "2");
    custseg_dataset_free(ds);
}
END_TEST

/* ------------------------------------------------------------ flat files */

static const char flat_csv[] =
    "cust,inv,date,amount,Country,Seats\n"
    "a,1,2024-01-05,10,UK,3\n"
    "a,2,2024-02-01,10,FR,4\n"
    "a,3,2024-01-20,10,DE,5\n"
    "b,4,2024-03-01,10,NL,x\n"
    "b,5,2024-03-01,10,BE,\n"
    "b,6,2024-04-01,bad,IT,9\n"
    "c,7,2024-01-01,10,,1\n";

static custseg_dataset *flat(const char *extra_role, const char *col)
{
    custseg_dataset *ds = new_ds();

    ck_assert_int_eq(custseg_dataset_map_column(ds, "customer", "cust"), 0);
    ck_assert_int_eq(custseg_dataset_map_column(ds, "order", "inv"), 0);
    ck_assert_int_eq(custseg_dataset_map_column(ds, "time", "date"), 0);
    ck_assert_int_eq(custseg_dataset_map_column(ds, "amount", "amount"), 0);
    ck_assert_int_eq(custseg_dataset_map_column(ds, "attr:country",
                                                "Country"), 0);
    if (extra_role != NULL)
        ck_assert_int_eq(custseg_dataset_map_column(ds, extra_role, col), 0);
    return ds;
}

START_TEST(flat_most_recent)
{
    custseg_dataset *ds = flat("attr:seats", "Seats");
    int rc = custseg_dataset_load_csv_buffer(ds, flat_csv,
                                             strlen(flat_csv), "flat.csv");

    ck_assert_msg(rc == CUSTSEG_OK, "%s", custseg_dataset_errmsg(ds));
    ck_assert_int_eq(custseg_dataset_rows_accepted(ds), 6);
    /* the latest row, not the last one */
    ck_assert_str_eq(str(ds, "a", "country"), "FR");
    /* equal times: the later row; a rejected row (bad amount) is not
     * looked at */
    ck_assert_str_eq(str(ds, "b", "country"), "BE");
    /* an empty field is no value */
    ck_assert_str_eq(str(ds, "c", "country"), "(none)");
    /* "x" makes Seats a string column */
    ck_assert_str_eq(str(ds, "a", "seats"), "4");
    ck_assert_str_eq(str(ds, "b", "seats"), "x");
    custseg_dataset_free(ds);
}
END_TEST

START_TEST(flat_numbers_and_more_files)
{
    static const char later[] =
        "cust,inv,date,amount,Country,Seats\n"
        "a,8,2023-01-01,10,PL,1\n"
        "c,9,2024-05-01,10,SE,2\n";
    static const char clean[] =
        "cust,inv,date,amount,Country,Seats\n"
        "a,1,2024-01-05,10,UK,3\n"
        "c,7,2024-01-01,10,,1.5\n";
    custseg_dataset *ds = flat("attr:seats", "Seats");

    ck_assert_int_eq(custseg_dataset_load_csv_buffer(ds, clean,
                                                     strlen(clean), "x"),
                     CUSTSEG_OK);
    ck_assert(num(ds, "c", "seats") == 1.5);
    /* a second file: an older row keeps the newer value */
    ck_assert_int_eq(custseg_dataset_load_csv_buffer(ds, later,
                                                     strlen(later), "y"),
                     CUSTSEG_OK);
    ck_assert_str_eq(str(ds, "a", "country"), "UK");
    ck_assert_str_eq(str(ds, "c", "country"), "SE");
    ck_assert(num(ds, "c", "seats") == 2);
    ck_assert_uint_eq(custseg_dataset_transaction_count(ds), 4);
    custseg_dataset_free(ds);
}
END_TEST

START_TEST(flat_errors)
{
    custseg_dataset *ds = flat("attr:seats", "Nope");

    /* a missing attribute column loads nothing */
    ck_assert_int_eq(custseg_dataset_load_csv_buffer(ds, flat_csv,
                                                     strlen(flat_csv),
                                                     "flat.csv"),
                     CUSTSEG_EPARSE);
    ck_assert_uint_eq(custseg_dataset_transaction_count(ds), 0);
    ck_assert_uint_eq(custseg_dataset_customer_count(ds), 0);
    ck_assert_uint_eq(custseg_dataset_attribute_count(ds), 0);
    /* removing the map fixes it */
    ck_assert_int_eq(custseg_dataset_map_column(ds, "attr:seats", NULL), 0);
    ck_assert_int_eq(custseg_dataset_load_csv_buffer(ds, flat_csv,
                                                     strlen(flat_csv),
                                                     "flat.csv"),
                     CUSTSEG_OK);
    ck_assert_uint_eq(custseg_dataset_attribute_count(ds), 1);
    ck_assert_int_eq(custseg_dataset_map_column(ds, "attr:", "x"),
                     CUSTSEG_EINVAL);
    ck_assert_int_eq(custseg_dataset_map_column(ds, "attr:x", ""),
                     CUSTSEG_EINVAL);
    custseg_dataset_free(ds);
}
END_TEST

/* ------------------------------------------------------------ no memory
 * A counting allocator (installed by main before anything is allocated)
 * fails the k-th allocation of a call, for k = 0, 1, ... until the call
 * meets no failure. Each failed call must return CUSTSEG_ENOMEM and
 * change nothing (or CUSTSEG_OK where it can do without the memory); the
 * same call must then succeed; nothing may leak. */
static long fail_at = -1, nalloc, live;

static bool failing(void)
{
    return fail_at >= 0 && nalloc++ == fail_at;
}

static void *t_alloc(void *payload, size_t size)
{
    void *p;

    (void)payload;
    if (failing())
        return NULL;
    if ((p = malloc(size)) != NULL)
        live++;
    return p;
}

static void *t_realloc(void *payload, void *ptr, size_t size)
{
    (void)payload;
    return failing() ? NULL : realloc(ptr, size);
}

static void t_free(void *payload, void *ptr)
{
    (void)payload;
    if (ptr != NULL)
        live--;
    free(ptr);
}

typedef struct shot {
    size_t customers, attributes, events, tx;
} shot;

static shot snap(const custseg_dataset *ds)
{
    shot x;

    x.customers = custseg_dataset_customer_count(ds);
    x.attributes = custseg_dataset_attribute_count(ds);
    x.events = custseg_dataset_event_count(ds);
    x.tx = custseg_dataset_transaction_count(ds);
    return x;
}

static const char events_csv[] =
    "who,what,when\nc1,cart_add,2024-01-02\nz9,visit,2024-01-03\n";

/* A dataset with transactions, attributes and events (no failures). */
static custseg_dataset *base(void)
{
    custseg_dataset *ds = flat("attr:seats", "Seats");

    ck_assert_int_eq(custseg_dataset_load_csv_buffer(ds, flat_csv,
                                                     strlen(flat_csv), "f"),
                     CUSTSEG_OK);
    ck_assert_int_eq(custseg_dataset_load_events_csv_buffer(
                         ds, events_csv, strlen(events_csv), "e",
                         "customer=who,name=what,time=when"), CUSTSEG_OK);
    return ds;
}

static int call(int which, custseg_dataset *ds)
{
    static const char ids[] = "aq";
    static const int64_t off[] = {0, 1, 2}, voff[] = {0, 2, 4};
    custseg_strategy *s = NULL;
    custseg_result *r = NULL;
    int rc;

    switch (which) {
    case 0:
        return custseg_dataset_load_customers_csv_buffer(
            ds, customers_csv, strlen(customers_csv), "c",
            "id=id,industry=Industry,size=Employees");
    case 1:
        return custseg_dataset_load_events_csv_buffer(
            ds, events_csv, strlen(events_csv), "e",
            "customer=who,name=what,time=when");
    case 2:
        return custseg_dataset_load_csv_buffer(ds, flat_csv,
                                               strlen(flat_csv), "f");
    case 3:
        return custseg_dataset_set_attributes_string(ds, "tier", 2, ids,
                                                     off, "goldgrey", voff);
    case 4:
        return custseg_dataset_freeze(ds);
    default: /* runs on a frozen dataset: rules with windows, group_by */
        rc = custseg_strategy_new(&s, "prior");
        if (rc == CUSTSEG_OK && which == 5)
            rc = custseg_strategy_add_rule(
                s, "W", "orders(40) > 0 and country in ('FR', 'BE') or "
                        "events('cart_add', 400) > 0 or "
                        "orders_after('visit') = 0");
        if (rc == CUSTSEG_OK && which == 6)
            rc = custseg_strategy_set_string(s, "group_by", "country");
        if (rc == CUSTSEG_OK)
            rc = custseg_run(&r, s, ds);
        custseg_result_free(r);
        custseg_strategy_free(s);
        return rc;
    }
}

START_TEST(out_of_memory)
{
    int which = _i;
    long k, before = live;

    for (k = 0;; k++) {
        custseg_dataset *ds = base();
        shot x, now;
        int rc;
        if (which >= 5)
            ck_assert_int_eq(custseg_dataset_freeze(ds), CUSTSEG_OK);
        x = snap(ds);
        nalloc = 0;
        fail_at = k;
        rc = call(which, ds);
        fail_at = -1;
        if (nalloc <= k) { /* the call needed no more allocations */
            ck_assert_int_eq(rc, CUSTSEG_OK);
            custseg_dataset_free(ds);
            break;
        }
        /* OK: the memory was optional (a shrink that keeps a block) */
        ck_assert_msg(rc == CUSTSEG_ENOMEM || rc == CUSTSEG_OK,
                      "call %d, allocation %ld: %d", which, k, rc);
        now = snap(ds);
        if (rc == CUSTSEG_OK) {
            custseg_dataset_free(ds);
            continue;
        }
        ck_assert(memcmp(&x, &now, sizeof x) == 0); /* nothing changed */
        ck_assert_int_eq(call(which, ds), CUSTSEG_OK);
        custseg_dataset_free(ds);
        ck_assert_int_eq(live, before);
    }
    ck_assert_int_eq(live, before);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("attributes");
    TCase *tc = tcase_create("attributes");

    tcase_add_loop_test(tc, out_of_memory, 0, 7);
    tcase_add_test(tc, set_one_by_one);
    tcase_add_test(tc, set_errors);
    tcase_add_test(tc, bulk);
    tcase_add_test(tc, bulk_rolls_back_new_customers);
    tcase_add_test(tc, summary_datasets);
    tcase_add_test(tc, customers_file);
    tcase_add_test(tc, customers_file_errors);
    tcase_add_test(tc, flat_most_recent);
    tcase_add_test(tc, flat_numbers_and_more_files);
    tcase_add_test(tc, flat_errors);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    static const custseg_allocator a = {CUSTSEG_ALLOCATOR_VERSION, t_alloc,
                                        t_realloc, t_free, NULL};

    if (custseg_set_allocator(&a) != CUSTSEG_OK)
        return 1;
    return tu_run_suite(suite());
}
