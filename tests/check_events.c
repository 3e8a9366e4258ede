/*
 * check_events.c - customer events: added one by one, in bulk and from
 * CSV files (with the load report), sorted at freeze for windowed
 * lookups, and a cart-abandonment rule on a small events file.
 */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "attributes.h"
#include "testutil.h"

#define DAY 86400LL
#define E4 10000LL

static int64_t at(const char *date)
{
    int64_t t;

    ck_assert_int_eq(custseg_parse_time(&t, date), CUSTSEG_OK);
    return t;
}

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
    ck_abort_msg("no customer %s", id);
    return 0;
}

START_TEST(add_and_lookup)
{
    custseg_dataset *ds = new_ds();
    const custseg__events *ev;
    uint32_t k, a;

    ck_assert_int_eq(custseg_dataset_add_event(ds, "a", "visit",
                                               at("2024-01-03"), NAN), 0);
    ck_assert_int_eq(custseg_dataset_add_event(ds, "b", "visit",
                                               at("2024-01-01"), 2.5), 0);
    ck_assert_int_eq(custseg_dataset_add_event(ds, "a", "visit",
                                               at("2024-01-01"), NAN), 0);
    ck_assert_int_eq(custseg_dataset_add_event(ds, "a", "cart_add",
                                               at("2024-01-02"), 9), 0);
    ck_assert_int_eq(custseg_dataset_add_event(ds, "a", "visit",
                                               at("2024-01-02"), NAN), 0);
    ck_assert_uint_eq(custseg_dataset_event_count(ds), 5);
    ck_assert_uint_eq(custseg_dataset_customer_count(ds), 2);
    ck_assert_int_eq(custseg_dataset_freeze(ds), CUSTSEG_OK);
    ev = &ds->cd->ev;
    k = custseg__event_name(ds, "visit", 5);
    a = cust(ds, "a");
    ck_assert_uint_eq(custseg__events_count(ev, a, k, INT64_MIN,
                                            INT64_MAX), 3);
    ck_assert_uint_eq(custseg__events_count(ev, a, k, at("2024-01-02"),
                                            at("2024-01-02")), 1);
    ck_assert_uint_eq(custseg__events_count(ev, a, k, at("2024-01-02"),
                                            INT64_MAX), 2);
    ck_assert_int_eq(custseg__events_last(ev, a, k, INT64_MAX),
                     at("2024-01-03"));
    ck_assert_int_eq(custseg__events_last(ev, a, k, at("2024-01-02") + 5),
                     at("2024-01-02"));
    ck_assert_int_eq(custseg__events_last(ev, a, k, at("2023-12-31")),
                     INT64_MIN);
    ck_assert_int_eq(custseg__events_last(ev, cust(ds, "b"),
                                          custseg__event_name(ds,
                                                              "cart_add",
                                                              8),
                                          INT64_MAX),
                     INT64_MIN);
    ck_assert_uint_eq(custseg__event_name(ds, "nope", 4), CUSTSEG__NONE);
    ck_assert_int_eq(custseg_dataset_add_event(ds, "a", "visit", 0, NAN),
                     CUSTSEG_EMISUSE);
    custseg_dataset_free(ds);
}
END_TEST

START_TEST(add_errors_and_bulk)
{
    static const char ids[] = "abc";
    static const int64_t off[] = {0, 1, 2, 3};
    static const char names[] = "visitvisitopen";
    static const int64_t noff[] = {0, 5, 10, 14};
    static const int64_t noff_bad[] = {0, 5, 5, 14};
    int64_t times[3];
    double vals[3] = {1, NAN, 3};
    custseg_dataset *ds = new_ds();

    times[0] = times[1] = times[2] = at("2024-01-01");
    ck_assert_int_eq(custseg_dataset_add_event(ds, "a", "", 0, NAN),
                     CUSTSEG_EINVAL);
    ck_assert_int_eq(custseg_dataset_add_event(ds, "", "x", 0, NAN),
                     CUSTSEG_EINVAL);
    ck_assert_int_eq(custseg_dataset_add_event(ds, "a", "x", INT64_MAX,
                                               NAN), CUSTSEG_EINVAL);
    ck_assert_int_eq(custseg_dataset_add_event(ds, "a", "x", 0, INFINITY),
                     CUSTSEG_EINVAL);
    ck_assert_int_eq(custseg_dataset_add_event(ds, "a", NULL, 0, 0),
                     CUSTSEG_EINVAL);
    ck_assert_uint_eq(custseg_dataset_customer_count(ds), 0);
    /* an empty name in row 1 fails the whole call */
    ck_assert_int_eq(custseg_dataset_add_events(ds, 3, ids, off, names,
                                                noff_bad, times, vals),
                     CUSTSEG_EINVAL);
    ck_assert_uint_eq(custseg_dataset_event_count(ds), 0);
    ck_assert_int_eq(custseg_dataset_add_events(ds, 3, ids, off, names,
                                                noff, times, vals),
                     CUSTSEG_OK);
    ck_assert_int_eq(custseg_dataset_add_events(ds, 3, ids, off, names,
                                                noff, times, NULL),
                     CUSTSEG_OK);
    ck_assert_uint_eq(custseg_dataset_event_count(ds), 6);
    ck_assert_uint_eq(custseg_dataset_customer_count(ds), 3);
    ck_assert_uint_eq(ds->cd->ev.names.count, 2);
    custseg_dataset_free(ds);
}
END_TEST

static const char events_csv[] =
    "user;event;when;amount\n"
    "u1;cart_add;2024-03-01 10:00:00;19.99\n"
    ";visit;2024-03-01;\n"
    "u2;;2024-03-01;\n"
    "u2;visit;yesterday;\n"
    "u2;visit;2024-03-02;lots\n"
    "u2;visit;2024-03-02\n"
    "u3;email_open;1709251200;\n";

START_TEST(events_file)
{
    custseg_dataset *ds = new_ds();
    int rc;

    ck_assert_int_eq(custseg_dataset_set_string(ds, "delimiter", ";"), 0);
    rc = custseg_dataset_load_events_csv_buffer(
        ds, events_csv, strlen(events_csv), "events.csv",
        "customer=user,name=event,time=when,value=amount");
    ck_assert_msg(rc == CUSTSEG_OK, "%s", custseg_dataset_errmsg(ds));
    ck_assert_int_eq(custseg_dataset_rows_read(ds), 7);
    ck_assert_int_eq(custseg_dataset_rows_accepted(ds), 2);
    ck_assert_int_eq(custseg_dataset_rows_rejected(
                         ds, CUSTSEG_REJECT_MISSING_CUSTOMER), 1);
    ck_assert_int_eq(custseg_dataset_rows_rejected(
                         ds, CUSTSEG_REJECT_MISSING_VALUE), 1);
    ck_assert_int_eq(custseg_dataset_reject_line(
                         ds, CUSTSEG_REJECT_MISSING_VALUE, 0), 4);
    ck_assert_int_eq(custseg_dataset_rows_rejected(
                         ds, CUSTSEG_REJECT_BAD_DATE), 1);
    ck_assert_int_eq(custseg_dataset_rows_rejected(
                         ds, CUSTSEG_REJECT_BAD_NUMBER), 1);
    ck_assert_int_eq(custseg_dataset_rows_rejected(
                         ds, CUSTSEG_REJECT_FIELD_COUNT), 1);
    ck_assert_str_eq(custseg_reject_reason_name(
                         CUSTSEG_REJECT_MISSING_VALUE), "missing value");
    ck_assert_uint_eq(custseg_dataset_event_count(ds), 2);
    ck_assert(ds->cd->ev.value[0] == 19.99);
    ck_assert(isnan(ds->cd->ev.value[1]));
    ck_assert_int_eq(ds->cd->ev.time[1], at("2024-03-01"));
    /* value is optional; unknown keys are errors */
    ck_assert_int_eq(custseg_dataset_load_events_csv_buffer(
                         ds, events_csv, strlen(events_csv), "e",
                         "customer=user,name=event,time=when"),
                     CUSTSEG_OK);
    ck_assert_int_eq(custseg_dataset_rows_accepted(ds), 3);
    ck_assert_int_eq(custseg_dataset_load_events_csv_buffer(
                         ds, events_csv, strlen(events_csv), "e",
                         "customer=user,name=event,time=when,kind=x"),
                     CUSTSEG_EINVAL);
    ck_assert_int_eq(custseg_dataset_load_events_csv_buffer(
                         ds, events_csv, strlen(events_csv), "e",
                         "customer=user,name=event"),
                     CUSTSEG_EINVAL);
    ck_assert_int_eq(custseg_dataset_load_events_csv_buffer(
                         ds, events_csv, strlen(events_csv), "e",
                         "customer=user,name=event,time=nope"),
                     CUSTSEG_EPARSE);
    ck_assert_uint_eq(custseg_dataset_event_count(ds), 5);
    custseg_dataset_free(ds);
}
END_TEST

/* ------------------------------------------------------------ abandonment */

/* Transactions up to 2024-03-10; as_of is the day after. */
static const char orders_csv[] =
    "customer,order,time,amount\n"
    "alice,1,2024-02-01 09:00:00,30.00\n"
    "alice,2,2024-03-09 12:00:00,45.00\n"
    "bob,3,2024-03-05 08:00:00,12.00\n"
    "carol,4,2024-03-08 16:00:00,80.00\n"
    "dave,5,2024-01-15 10:00:00,20.00\n"
    "erin,6,2024-03-10 18:00:00,5.00\n";

/* alice added to her cart and bought after; bob added after his last
 * order; carol's cart add is 10 days old; dave never bought since; erin
 * bought an hour after; frank is a prospect who added to his cart. */
static const char cart_csv[] =
    "customer,event,time\n"
    "alice,cart_add,2024-03-09 11:30:00\n"
    "bob,cart_add,2024-03-07 20:00:00\n"
    "bob,visit,2024-03-10 09:00:00\n"
    "carol,cart_add,2024-02-29 10:00:00\n"
    "dave,cart_add,2024-03-06 10:00:00\n"
    "erin,cart_add,2024-03-10 17:00:00\n"
    "frank,cart_add,2024-03-08 08:00:00\n"
    "alice,cart_add,2024-02-20 10:00:00\n";

static char *write_temp(const char *text)
{
    char *path = tu_write_temp(text, strlen(text));

    ck_assert_ptr_nonnull(path);
    return path;
}

START_TEST(cart_abandonment)
{
    char *orders = write_temp(orders_csv), *cart = write_temp(cart_csv);
    custseg_dataset *ds = new_ds();
    custseg_strategy *s = NULL;
    custseg_result *r = NULL;
    const custseg_segment *seg;
    custseg_member_iter *it;
    char got[128] = "";
    size_t row;
    int rc;

    ck_assert_int_eq(custseg_dataset_map_column(ds, "customer", "customer"),
                     0);
    ck_assert_int_eq(custseg_dataset_map_column(ds, "order", "order"), 0);
    ck_assert_int_eq(custseg_dataset_map_column(ds, "time", "time"), 0);
    ck_assert_int_eq(custseg_dataset_map_column(ds, "amount", "amount"), 0);
    ck_assert_int_eq(custseg_dataset_load_csv(ds, orders), CUSTSEG_OK);
    rc = custseg_dataset_load_events_csv(ds, cart, "customer=customer,"
                                         "name=event,time=time");
    ck_assert_msg(rc == CUSTSEG_OK, "%s", custseg_dataset_errmsg(ds));
    ck_assert_int_eq(custseg_strategy_new(&s, "prior"), CUSTSEG_OK);
    ck_assert_int_eq(custseg_strategy_add_rule(
                         s, "Abandoned cart",
                         "events(\"cart_add\", 7) > 0 and "
                         "orders_after(\"cart_add\") = 0"), CUSTSEG_OK);
    ck_assert_int_eq(custseg_strategy_set_string(s, "default_segment",
                                                 "Rest"), CUSTSEG_OK);
    rc = custseg_run(&r, s, ds);
    ck_assert_msg(rc == CUSTSEG_OK, "%s", custseg_strategy_errmsg(s));
    ck_assert_uint_eq(custseg_result_customer_count(r), 6);
    ck_assert_int_eq(custseg_result_segment_at(&seg, r, 0), CUSTSEG_OK);
    ck_assert_str_eq(custseg_segment_name(seg), "Abandoned cart");
    ck_assert_int_eq(custseg_member_iter_new(&it, r, seg), CUSTSEG_OK);
    while (custseg_member_iter_next(&row, it) == CUSTSEG_OK) {
        strcat(got, custseg_result_customer_id(r, row));
        strcat(got, " ");
    }
    custseg_member_iter_free(it);
    ck_assert_str_eq(got, "bob dave frank ");
    ck_assert_int_eq(custseg_result_segment_at(&seg, r, 1), CUSTSEG_OK);
    ck_assert_str_eq(custseg_segment_name(seg), "Rest");
    ck_assert_int_eq(custseg_segment_count(seg), 3);
    custseg_result_free(r);
    custseg_strategy_free(s);
    custseg_dataset_free(ds);
    unlink(orders);
    unlink(cart);
    free(orders);
    free(cart);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("events");
    TCase *tc = tcase_create("events");

    tcase_add_test(tc, add_and_lookup);
    tcase_add_test(tc, add_errors_and_bulk);
    tcase_add_test(tc, events_file);
    tcase_add_test(tc, cart_abandonment);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(suite());
}
