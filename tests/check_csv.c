/*
 * check_csv.c - the CSV loader: RFC 4180 details, the column map, the
 * load report, summaries, threads, and all-or-nothing failures.
 */
#include "idpart.h"
#include "internal.h"
#include "testutil.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ helpers */

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

/* customer, order (may be NULL), time, amount (may be NULL) */
static custseg_dataset *new_tx(const char *c, const char *o, const char *t,
                               const char *a)
{
    custseg_dataset *ds = new_ds();

    map(ds, "customer", c);
    if (o != NULL)
        map(ds, "order", o);
    map(ds, "time", t);
    if (a != NULL)
        map(ds, "amount", a);
    return ds;
}

/* The usual four columns c,o,t,a. */
static custseg_dataset *new_cota(void)
{
    return new_tx("c", "o", "t", "a");
}

static int load(custseg_dataset *ds, const char *text)
{
    return custseg_dataset_load_csv_buffer(ds, text, strlen(text), "t.csv");
}

static int64_t rejected(const custseg_dataset *ds, int reason)
{
    return custseg_dataset_rows_rejected(ds, reason);
}

/* rows read == accepted + every rejected row, whatever happened. */
static void check_invariant(const custseg_dataset *ds)
{
    int64_t sum = custseg_dataset_rows_accepted(ds);
    int r;

    for (r = 0; r < CUSTSEG_REJECT_REASON_COUNT; r++)
        sum += rejected(ds, r);
    ck_assert_int_eq(custseg_dataset_rows_read(ds), sum);
}

/* The reject lines of a reason, -1 terminated lists compared. */
static void expect_lines(const custseg_dataset *ds, int reason,
                         const int64_t *want, int n)
{
    int k;

    for (k = 0; k < CUSTSEG__REPORT_LINES; k++) {
        int64_t w = k < n ? want[k] : -1;
        ck_assert_msg(custseg_dataset_reject_line(ds, reason, k) == w,
                      "reason %d, k %d: line %lld, want %lld", reason, k,
                      (long long)custseg_dataset_reject_line(ds, reason, k),
                      (long long)w);
    }
}

static const char *cust(const custseg_dataset *ds, uint32_t i)
{
    return custseg__strtab_get(&ds->customers, i);
}

static const char *cust_of_row(const custseg_dataset *ds, size_t row)
{
    return cust(ds, ds->tx_customer[row]);
}

/* ------------------------------------------------------------ basics */

START_TEST(basic_load)
{
    custseg_dataset *ds = new_tx("customer_id", "order_id", "order_time",
                                 "amount");
    const char *csv =
        "customer_id,order_id,order_time,amount\n"
        "C1,O1,2024-03-05 14:22:10,35.90\n"
        "C2,O2,2024-03-06,10\n"
        "C1,O3,2024-03-07T00:00:00Z,-5.5\n";
    uint32_t c1, c2;

    ck_assert_int_eq(load(ds, csv), CUSTSEG_OK);
    ck_assert_str_eq(custseg_dataset_errmsg(ds), "");
    ck_assert_int_eq(custseg_dataset_rows_read(ds), 3);
    ck_assert_int_eq(custseg_dataset_rows_accepted(ds), 3);
    check_invariant(ds);
    ck_assert_uint_eq(custseg_dataset_customer_count(ds), 2);
    ck_assert_uint_eq(custseg_dataset_transaction_count(ds), 3);
    ck_assert_int_eq(ds->kind, CUSTSEG__DS_TRANSACTIONS);
    /* indexes follow hash partitions (idpart.h), not input order */
    c1 = custseg__strtab_find(&ds->customers, "C1", 2);
    c2 = custseg__strtab_find(&ds->customers, "C2", 2);
    ck_assert_uint_lt(c1, 2);
    ck_assert_uint_lt(c2, 2);
    ck_assert_uint_ne(c1, c2);
    ck_assert_str_eq(cust(ds, c1), "C1");
    ck_assert_str_eq(cust(ds, c2), "C2");
    ck_assert_uint_eq(ds->tx_customer[0], c1);
    ck_assert_uint_eq(ds->tx_customer[1], c2);
    ck_assert_uint_eq(ds->tx_customer[2], c1);
    ck_assert_uint_eq(ds->orders.count, 3);
    ck_assert_uint_eq(ds->tx_order[2],
                      custseg__strtab_find(&ds->orders, "O3", 2));
    ck_assert_uint_lt(ds->tx_order[2], 3);
    ck_assert_int_eq(ds->tx_time[0], 1709648530);
    ck_assert_int_eq(ds->tx_time[1], 1709683200);
    ck_assert_int_eq(ds->tx_time[2], 1709769600);
    ck_assert_int_eq(ds->tx_amount[0], 359000);
    ck_assert_int_eq(ds->tx_amount[1], 100000);
    ck_assert_int_eq(ds->tx_amount[2], -55000);
    ck_assert_int_eq(ds->min_time, 1709648530);
    ck_assert_int_eq(ds->max_time, 1709769600);
    ck_assert_ptr_null(ds->tx_category);
    custseg_dataset_free(ds);
}
END_TEST

START_TEST(quoting)
{
    custseg_dataset *ds = new_cota();
    static const int64_t bad_date[] = {5};
    static const int64_t missing[] = {10};
    const char *csv =
        "c,o,t,a\n"
        "\"Smith, \"\"J\"\"\",\"O,1\",2024-01-01,\"12.50\"\n" /* 2 */
        "\"multi\nline\",o2,2024-01-02,1\n"                  /* 3-4 */
        "x,o3,bad,1\n"                                       /* 5 */
        "\"  spaced  \",o4,2024-01-03,2\n"                   /* 6 */
        "  trimmed\t, o5 , 2024-01-04 ,\t3 \n"               /* 7 */
        "\"q\"x,o6,2024-01-05,4\n"                           /* 8 */
        "a\"b,o7,2024-01-06,5\n"                             /* 9 */
        "\"\",o8,2024-01-07,6\n"                             /* 10 */
        " \"in\"  ,o9,2024-01-08,7\n";                       /* 11 */

    ck_assert_int_eq(load(ds, csv), CUSTSEG_OK);
    ck_assert_int_eq(custseg_dataset_rows_read(ds), 9);
    ck_assert_int_eq(custseg_dataset_rows_accepted(ds), 7);
    check_invariant(ds);
    expect_lines(ds, CUSTSEG_REJECT_BAD_DATE, bad_date, 1);
    expect_lines(ds, CUSTSEG_REJECT_MISSING_CUSTOMER, missing, 1);
    ck_assert_str_eq(cust_of_row(ds, 0), "Smith, \"J\"");
    ck_assert_str_eq(custseg__strtab_get(&ds->orders, ds->tx_order[0]),
                     "O,1");
    ck_assert_int_eq(ds->tx_amount[0], 125000);
    ck_assert_str_eq(cust_of_row(ds, 1), "multi\nline");
    ck_assert_str_eq(cust_of_row(ds, 2), "  spaced  ");
    ck_assert_str_eq(cust_of_row(ds, 3), "trimmed");
    ck_assert_str_eq(custseg__strtab_get(&ds->orders, ds->tx_order[3]),
                     "o5");
    ck_assert_int_eq(ds->tx_amount[3], 30000);
    ck_assert_str_eq(cust_of_row(ds, 4), "qx");
    ck_assert_str_eq(cust_of_row(ds, 5), "a\"b");
    ck_assert_str_eq(cust_of_row(ds, 6), "in");
    custseg_dataset_free(ds);
}
END_TEST

START_TEST(escaped_fields_in_batches)
{
    /* Unescaped ids live in a scratch buffer that grows while a batch of
     * rows is collected; they must survive its moves. */
    custseg_dataset *ds = new_cota();
    size_t cap = 200000, n = 0;
    char *buf = malloc(cap);
    int i;

    ck_assert_ptr_nonnull(buf);
    n += (size_t)sprintf(buf + n, "c,o,t,a\n");
    for (i = 0; i < 300; i++) {
        int k, w = 1 + i % 40;
        buf[n++] = '"';
        for (k = 0; k < w; k++)
            n += (size_t)sprintf(buf + n, "\"\"%c", 'a' + i % 26);
        n += (size_t)sprintf(buf + n, "%d\",o%d,2024-01-01,1\n", i, i / 3);
    }
    ck_assert_int_eq(custseg_dataset_load_csv_buffer(ds, buf, n, "e.csv"),
                     CUSTSEG_OK);
    ck_assert_int_eq(custseg_dataset_rows_accepted(ds), 300);
    for (i = 0; i < 300; i++) {
        char want[256];
        size_t m = 0;
        int k, w = 1 + i % 40;
        for (k = 0; k < w; k++) {
            want[m++] = '"';
            want[m++] = (char)('a' + i % 26);
        }
        sprintf(want + m, "%d", i);
        ck_assert_str_eq(cust_of_row(ds, (size_t)i), want);
    }
    free(buf);
    custseg_dataset_free(ds);
}
END_TEST

START_TEST(line_ends)
{
    custseg_dataset *ds = new_cota();
    static const int64_t l3[] = {3}, l4[] = {4};

    ck_assert_int_eq(load(ds, "c,o,t,a\r\nA,1,2024-01-01,1\r\n"
                              "B,2,2024-01-02,2"), CUSTSEG_OK);
    ck_assert_int_eq(custseg_dataset_rows_accepted(ds), 2);
    ck_assert_str_eq(cust_of_row(ds, 1), "B");
    ck_assert_int_eq(ds->tx_amount[1], 20000);

    /* CR only */
    ck_assert_int_eq(load(ds, "c,o,t,a\rA,1,2024-01-01,1\rB,2,bad,2\r"),
                     CUSTSEG_OK);
    ck_assert_int_eq(custseg_dataset_rows_read(ds), 2);
    expect_lines(ds, CUSTSEG_REJECT_BAD_DATE, l3, 1);

    /* mixed */
    ck_assert_int_eq(load(ds, "c,o,t,a\nA,1,2024-01-01,1\r\n"
                              "B,2,2024-01-02,2\rC,3,bad,3\n"), CUSTSEG_OK);
    ck_assert_int_eq(custseg_dataset_rows_read(ds), 3);
    expect_lines(ds, CUSTSEG_REJECT_BAD_DATE, l4, 1);

    /* a CRLF inside quotes is one line */
    ck_assert_int_eq(load(ds, "c,o,t,a\r\n\"x\r\ny\",1,2024-01-01,1\r\n"
                              "B,2,bad,2\r\n"), CUSTSEG_OK);
    expect_lines(ds, CUSTSEG_REJECT_BAD_DATE, l4, 1);
    check_invariant(ds);
    custseg_dataset_free(ds);
}
END_TEST

START_TEST(bom_and_blank_lines)
{
    custseg_dataset *ds = new_cota();
    static const int64_t l6[] = {6};

    ck_assert_int_eq(load(ds, "\xEF\xBB\xBF" "c,o,t,a\n\nA,1,2024-01-01,1\n"
                              "   \n\t\nB,2,bad,1\n\n"), CUSTSEG_OK);
    ck_assert_int_eq(custseg_dataset_rows_read(ds), 2);
    ck_assert_int_eq(custseg_dataset_rows_accepted(ds), 1);
    expect_lines(ds, CUSTSEG_REJECT_BAD_DATE, l6, 1);
    check_invariant(ds);

    /* BOM before a quoted header; blank lines before the header */
    ck_assert_int_eq(load(ds, "\xEF\xBB\xBF\n\n\"c\",\"o\",\"t\",\"a\"\n"
                              "C,3,2024-01-01,1\nD,4,bad,1\n"), CUSTSEG_OK);
    ck_assert_int_eq(custseg_dataset_rows_accepted(ds), 1);
    ck_assert_int_eq(custseg_dataset_reject_line(ds,
                     CUSTSEG_REJECT_BAD_DATE, 0), 5);
    custseg_dataset_free(ds);
}
END_TEST

START_TEST(unterminated_quote)
{
    /* The quote opened on line 3 swallows the rest of the input: that
     * row's fields are unknown, so it is rejected as a field count. */
    custseg_dataset *ds = new_cota();
    static const int64_t l3[] = {3};

    ck_assert_int_eq(load(ds, "c,o,t,a\nA,1,2024-01-01,1\n"
                              "B,\"2,2024-01-01,1\nC,3,2024-01-01,1\n"),
                     CUSTSEG_OK);
    ck_assert_int_eq(custseg_dataset_rows_read(ds), 2);
    ck_assert_int_eq(custseg_dataset_rows_accepted(ds), 1);
    expect_lines(ds, CUSTSEG_REJECT_FIELD_COUNT, l3, 1);
    check_invariant(ds);
    /* ... even when the field count happens to be right */
    ck_assert_int_eq(load(ds, "c,o,t,a\nA,1,2024-01-01,\"1"), CUSTSEG_OK);
    ck_assert_int_eq(rejected(ds, CUSTSEG_REJECT_FIELD_COUNT), 1);
    /* an unclosed quote in the header is an error */
    ck_assert_int_eq(load(ds, "c,o,\"t,a\nA,1,2024-01-01,1\n"),
                     CUSTSEG_EPARSE);
    custseg_dataset_free(ds);
}
END_TEST

/* ------------------------------------------------------------ mapping */

START_TEST(missing_column)
{
    custseg_dataset *ds = new_tx("CustomerID", "order_id", "order_time",
                                 "amount");
    const char *msg;

    ck_assert_int_eq(load(ds, "customer_id,order_id,order_time,amount\n"
                              "C1,O1,2024-03-05,1\n"), CUSTSEG_EPARSE);
    msg = custseg_dataset_errmsg(ds);
    ck_assert_msg(strstr(msg, "t.csv") != NULL, "%s", msg);
    ck_assert_msg(strstr(msg, "line 1") != NULL, "%s", msg);
    ck_assert_msg(strstr(msg, "\"CustomerID\"") != NULL, "%s", msg);
    ck_assert_msg(strstr(msg, "customer_id, order_id, order_time, amount")
                  != NULL, "%s", msg);
    ck_assert_int_eq(custseg_dataset_error_line(ds), 1);
    /* nothing was loaded, nothing changed */
    ck_assert_int_eq(ds->kind, CUSTSEG__DS_EMPTY);
    ck_assert_uint_eq(custseg_dataset_customer_count(ds), 0);
    ck_assert_uint_eq(custseg_dataset_transaction_count(ds), 0);
    ck_assert_int_eq(custseg_dataset_rows_read(ds), 0);
    /* names are exact: case and surrounding text matter */
    map(ds, "customer", "Customer_id");
    ck_assert_int_eq(load(ds, "customer_id,order_id,order_time,amount\n"),
                     CUSTSEG_EPARSE);
    custseg_dataset_free(ds);
}
END_TEST

START_TEST(role_combinations)
{
    custseg_dataset *ds = new_ds();
    const char *csv = "c,o,t,a,q,p,r,f,m\n";

    map(ds, "time", "t");
    map(ds, "amount", "a");
    ck_assert_int_eq(load(ds, csv), CUSTSEG_EINVAL); /* no customer */
    map(ds, "customer", "c");
    map(ds, "time", NULL);
    ck_assert_int_eq(load(ds, csv), CUSTSEG_EINVAL); /* no time */
    map(ds, "time", "t");
    map(ds, "quantity", "q");
    ck_assert_int_eq(load(ds, csv), CUSTSEG_EINVAL); /* amount and qty */
    map(ds, "amount", NULL);
    ck_assert_int_eq(load(ds, csv), CUSTSEG_EINVAL); /* qty, no price */
    map(ds, "price", "p");
    ck_assert_int_eq(load(ds, csv), CUSTSEG_OK);
    map(ds, "recency", "r");
    map(ds, "frequency", "f");
    map(ds, "monetary", "m");
    ck_assert_int_eq(load(ds, csv), CUSTSEG_EINVAL); /* mixed */
    ck_assert_ptr_nonnull(strstr(custseg_dataset_errmsg(ds), "mixed"));
    map(ds, "time", NULL);
    map(ds, "quantity", NULL);
    map(ds, "price", NULL);
    map(ds, "frequency", NULL);
    ck_assert_int_eq(load(ds, csv), CUSTSEG_EINVAL); /* no frequency */
    custseg_dataset_free(ds);
}
END_TEST

START_TEST(no_header_positions)
{
    custseg_dataset *ds = new_tx("1", NULL, "3", "4");
    static const int64_t l2[] = {2};

    ck_assert_int_eq(custseg_dataset_set_int(ds, "header", 0), CUSTSEG_OK);
    ck_assert_int_eq(load(ds, "A,x,2024-01-01,1\nB,y,2024-01-02,2,extra\n"
                              "C,z,2024-01-03,3\n"), CUSTSEG_OK);
    ck_assert_int_eq(custseg_dataset_rows_read(ds), 3);
    ck_assert_int_eq(custseg_dataset_rows_accepted(ds), 2);
    expect_lines(ds, CUSTSEG_REJECT_FIELD_COUNT, l2, 1);
    ck_assert_str_eq(cust_of_row(ds, 1), "C");
    ck_assert_int_eq(ds->tx_order[0], CUSTSEG__NONE);
    /* the first row sets the field count, even when it is short */
    ck_assert_int_eq(load(ds, "\n\nA,x,2024-01-01,1\n"), CUSTSEG_OK);
    ck_assert_int_eq(custseg_dataset_rows_accepted(ds), 1);
    map(ds, "amount", "5");
    ck_assert_int_eq(load(ds, "A,x,2024-01-01,1\n"), CUSTSEG_EPARSE);
    ck_assert_ptr_nonnull(strstr(custseg_dataset_errmsg(ds), "column 5"));
    map(ds, "amount", "x4");
    ck_assert_int_eq(load(ds, "A,x,2024-01-01,1\n"), CUSTSEG_EINVAL);
    map(ds, "amount", "0");
    ck_assert_int_eq(load(ds, "A,x,2024-01-01,1\n"), CUSTSEG_EINVAL);
    /* no header and no rows: nothing to do */
    map(ds, "amount", "4");
    ck_assert_int_eq(load(ds, ""), CUSTSEG_OK);
    ck_assert_int_eq(custseg_dataset_rows_read(ds), 0);
    custseg_dataset_free(ds);
}
END_TEST

START_TEST(empty_input)
{
    custseg_dataset *ds = new_cota();

    ck_assert_int_eq(load(ds, ""), CUSTSEG_EPARSE);
    ck_assert_int_eq(load(ds, "\n\r\n  \n"), CUSTSEG_EPARSE);
    ck_assert_int_eq(load(ds, "c,o,t,a"), CUSTSEG_OK);
    ck_assert_int_eq(custseg_dataset_rows_read(ds), 0);
    ck_assert_int_eq(load(ds, "c,o,t,a\n\n"), CUSTSEG_OK);
    ck_assert_int_eq(custseg_dataset_load_csv_buffer(ds, NULL, 0, NULL),
                     CUSTSEG_EPARSE);
    ck_assert_ptr_nonnull(strstr(custseg_dataset_errmsg(ds), "<buffer>"));
    ck_assert_int_eq(custseg_dataset_load_csv_buffer(ds, NULL, 5, NULL),
                     CUSTSEG_EINVAL);
    ck_assert_int_eq(custseg_dataset_load_csv_buffer(NULL, "x", 1, NULL),
                     CUSTSEG_EINVAL);
    custseg_dataset_free(ds);
}
END_TEST

/* ------------------------------------------------------------ rows */

START_TEST(reject_reasons)
{
    custseg_dataset *ds = new_cota();
    static const int64_t fc[] = {3, 9}, mc[] = {4, 12}, bd[] = {5, 6},
                         bn[] = {7, 8, 10}, rd[] = {11};
    const char *csv =
        "c,o,t,a\n"
        "A,1,2024-01-01,1\n"    /* 2 ok */
        "B,2,2024-01-01\n"      /* 3 field count */
        ",3,2024-01-01,1\n"     /* 4 missing customer */
        "C,4,,1\n"              /* 5 bad date (empty) */
        "D,5,2024-02-30,1\n"    /* 6 bad date */
        "E,6,2024-01-01,12x\n"  /* 7 bad number */
        "F,7,2024-01-01,\n"     /* 8 bad number (empty) */
        "G,8,2024-01-01,1,x\n"  /* 9 field count */
        "H,9,2024-01-01,1e30\n" /* 10 bad number (range) */
        "I,10,2024-01-01,-3\n"  /* 11 a return */
        " ,11,bad,x\n";         /* 12 missing customer comes first */

    ck_assert_int_eq(load(ds, csv), CUSTSEG_OK);
    ck_assert_int_eq(custseg_dataset_rows_read(ds), 11);
    ck_assert_int_eq(custseg_dataset_rows_accepted(ds), 2);
    ck_assert_int_eq(rejected(ds, CUSTSEG_REJECT_FIELD_COUNT), 2);
    ck_assert_int_eq(rejected(ds, CUSTSEG_REJECT_MISSING_CUSTOMER), 2);
    ck_assert_int_eq(rejected(ds, CUSTSEG_REJECT_BAD_DATE), 2);
    ck_assert_int_eq(rejected(ds, CUSTSEG_REJECT_BAD_NUMBER), 3);
    ck_assert_int_eq(rejected(ds, CUSTSEG_REJECT_RETURN_DROPPED), 0);
    expect_lines(ds, CUSTSEG_REJECT_FIELD_COUNT, fc, 2);
    expect_lines(ds, CUSTSEG_REJECT_MISSING_CUSTOMER, mc, 2);
    expect_lines(ds, CUSTSEG_REJECT_BAD_DATE, bd, 2);
    expect_lines(ds, CUSTSEG_REJECT_BAD_NUMBER, bn, 3);
    expect_lines(ds, CUSTSEG_REJECT_RETURN_DROPPED, NULL, 0);
    check_invariant(ds);
    ck_assert_uint_eq(custseg_dataset_customer_count(ds), 2);
    /* a rejected row interns nothing */
    ck_assert_uint_eq(custseg__strtab_find(&ds->customers, "E", 1),
                      CUSTSEG__NONE);
    ck_assert_uint_eq(ds->orders.count, 2);

    /* the same with drop_returns: line 11 is a dropped return */
    custseg_dataset_free(ds);
    ds = new_cota();
    ck_assert_int_eq(custseg_dataset_set_int(ds, "drop_returns", 1),
                     CUSTSEG_OK);
    ck_assert_int_eq(load(ds, csv), CUSTSEG_OK);
    ck_assert_int_eq(custseg_dataset_rows_accepted(ds), 1);
    ck_assert_int_eq(rejected(ds, CUSTSEG_REJECT_RETURN_DROPPED), 1);
    expect_lines(ds, CUSTSEG_REJECT_RETURN_DROPPED, rd, 1);
    check_invariant(ds);
    custseg_dataset_free(ds);
}
END_TEST

START_TEST(first_five_lines)
{
    custseg_dataset *ds = new_cota();
    static const int64_t lines[] = {3, 5, 7, 9, 11};
    char csv[1024];
    size_t n = 0;
    int i;

    n += (size_t)sprintf(csv + n, "c,o,t,a\n");
    for (i = 0; i < 9; i++)
        n += (size_t)sprintf(csv + n, "A,1,2024-01-01,1\n,1,2024-01-01,1\n");
    ck_assert_int_eq(load(ds, csv), CUSTSEG_OK);
    ck_assert_int_eq(rejected(ds, CUSTSEG_REJECT_MISSING_CUSTOMER), 9);
    expect_lines(ds, CUSTSEG_REJECT_MISSING_CUSTOMER, lines, 5);
    ck_assert_int_eq(custseg_dataset_reject_line(ds, 0, 5), -1);
    ck_assert_int_eq(custseg_dataset_reject_line(ds, 99, 0), -1);
    check_invariant(ds);
    custseg_dataset_free(ds);
}
END_TEST

START_TEST(quantity_times_price)
{
    custseg_dataset *ds = new_ds();
    static const int64_t bn[] = {8, 9};

    map(ds, "customer", "c");
    map(ds, "quantity", "q");
    map(ds, "price", "p");
    map(ds, "time", "t");
    ck_assert_int_eq(load(ds, "c,q,p,t\n"
                              "A,2,17.95,2024-01-01\n"     /* 35.90 */
                              "B,0.5,0.0003,2024-01-01\n"  /* 0.00015 */
                              "C,0.5,0.0005,2024-01-01\n"  /* 0.00025 */
                              "D,0.5,0.0007,2024-01-01\n"  /* 0.00035 */
                              "E,-0.5,0.0003,2024-01-01\n" /* -0.00015 */
                              "F,-6,2.55,2024-01-01\n"
                              "G,x,1,2024-01-01\n"
                              "H,1e10,1e10,2024-01-01\n"), CUSTSEG_OK);
    ck_assert_int_eq(custseg_dataset_rows_accepted(ds), 6);
    ck_assert_int_eq(ds->tx_amount[0], 359000);
    ck_assert_int_eq(ds->tx_amount[1], 2);
    ck_assert_int_eq(ds->tx_amount[2], 2);
    ck_assert_int_eq(ds->tx_amount[3], 4);
    ck_assert_int_eq(ds->tx_amount[4], -2);
    ck_assert_int_eq(ds->tx_amount[5], -153000);
    expect_lines(ds, CUSTSEG_REJECT_BAD_NUMBER, bn, 2);
    check_invariant(ds);
    custseg_dataset_free(ds);
}
END_TEST

START_TEST(drop_returns)
{
    custseg_dataset *ds = new_cota();
    static const int64_t rd[] = {3, 6};

    ck_assert_int_eq(custseg_dataset_set_int(ds, "drop_returns", 1),
                     CUSTSEG_OK);
    ck_assert_int_eq(load(ds, "c,o,t,a\nA,1,2024-01-01,1\n"
                              "B,2,2024-01-01,-1\nC,3,2024-01-01,0\n"
                              "D,4,2024-01-01,-0\nE,5,2024-01-01,-0.0001\n"),
                     CUSTSEG_OK);
    ck_assert_int_eq(custseg_dataset_rows_accepted(ds), 3);
    expect_lines(ds, CUSTSEG_REJECT_RETURN_DROPPED, rd, 2);
    ck_assert_uint_eq(custseg__strtab_find(&ds->customers, "B", 1),
                      CUSTSEG__NONE);
    check_invariant(ds);
    custseg_dataset_free(ds);
}
END_TEST

START_TEST(whitespace_delimiter)
{
    custseg_dataset *ds = new_tx("customer_id", NULL, "date",
                                 "dollar_value");
    static const int64_t fc[] = {4};

    ck_assert_int_eq(custseg_dataset_set_string(ds, "delimiter",
                                                "whitespace"), CUSTSEG_OK);
    ck_assert_int_eq(load(ds, " customer_id  date number_of_cds  "
                              "dollar_value\r\n"
                              " 00001 19970101  1  11.77\r\n"
                              "00002\t19970112 1 12.00   \r\n"
                              " 00003 19970102 2\r\n"
                              "   \r\n"
                              "\"0 4\"   19970103 1 1.5"), CUSTSEG_OK);
    ck_assert_int_eq(custseg_dataset_rows_read(ds), 4);
    ck_assert_int_eq(custseg_dataset_rows_accepted(ds), 3);
    expect_lines(ds, CUSTSEG_REJECT_FIELD_COUNT, fc, 1);
    ck_assert_str_eq(cust_of_row(ds, 0), "00001");
    ck_assert_str_eq(cust_of_row(ds, 1), "00002");
    ck_assert_str_eq(cust_of_row(ds, 2), "0 4");
    ck_assert_int_eq(ds->tx_time[0], 852076800);
    ck_assert_int_eq(ds->tx_amount[0], 117700);
    ck_assert_int_eq(ds->tx_amount[1], 120000);
    ck_assert_int_eq(ds->tx_amount[2], 15000);
    check_invariant(ds);
    custseg_dataset_free(ds);
}
END_TEST

START_TEST(other_delimiters)
{
    custseg_dataset *ds = new_cota();
    static const int64_t mc[] = {3};

    ck_assert_int_eq(custseg_dataset_set_string(ds, "delimiter", "\t"),
                     CUSTSEG_OK);
    /* with tabs as delimiters, only spaces are trimmed */
    ck_assert_int_eq(load(ds, "c\to\tt\ta\n A B \t1\t2024-01-01\t5\n"
                              "\t1\t2024-01-01\t5\n"), CUSTSEG_OK);
    ck_assert_str_eq(cust_of_row(ds, 0), "A B");
    expect_lines(ds, CUSTSEG_REJECT_MISSING_CUSTOMER, mc, 1);
    ck_assert_int_eq(custseg_dataset_set_string(ds, "delimiter", ";"),
                     CUSTSEG_OK);
    ck_assert_int_eq(load(ds, "c;o;t;a\n\"x;y\";1,5;2024-01-01;5\n"),
                     CUSTSEG_OK);
    ck_assert_str_eq(cust_of_row(ds, 1), "x;y");
    ck_assert_str_eq(custseg__strtab_get(&ds->orders, ds->tx_order[1]),
                     "1,5");
    custseg_dataset_free(ds);
}
END_TEST

START_TEST(time_formats)
{
    custseg_dataset *ds = new_cota();

    ck_assert_int_eq(load(ds, "c,o,t,a\n"
                              "A,1,12/1/2010 8:26,1\n"
                              "A,1,19970101,1\n"
                              "A,1,1700000000,1\n"
                              "A,1,2024-03-05T14:22:10+01:00,1\n"
                              "A,1,\"2024-03-05\",1\n"), CUSTSEG_OK);
    ck_assert_int_eq(custseg_dataset_rows_accepted(ds), 5);
    ck_assert_int_eq(ds->tx_time[0], 1291191960);
    ck_assert_int_eq(ds->tx_time[1], 852076800);
    ck_assert_int_eq(ds->tx_time[2], 1700000000);
    ck_assert_int_eq(ds->tx_time[3], 1709648530 - 3600);
    ck_assert_int_eq(ds->tx_time[4], 1709596800);
    ck_assert_uint_eq(ds->orders.count, 1);
    custseg_dataset_free(ds);
}
END_TEST

/* Rows with at least 64 bytes after them are read off bit masks
 * (parse_row_fast); every row that form does not fit must still be read
 * exactly as field by field. Each tricky row here is followed by enough
 * input for the fast form to be tried on it. */
START_TEST(fast_rows_fall_back_exactly)
{
    custseg_dataset *ds = new_cota();
    const char *csv =
        "c,o,t,a\n"
        "C1 ,O1,2024-01-01,1\n"              /* blank before delimiter */
        " C2,O2,2024-01-01,2\n"              /* blank at row start */
        "C3,\tO3,2024-01-01,3\n"             /* tab at a field start */
        "\"C,4\",O4,2024-01-01,4\n"          /* quoted delimiter */
        "C5,O5,2024-01-01,5\r\n"             /* CRLF */
        "C6,O6,2024-01-01,6\r"               /* lone CR */
        "C7,,2024-01-01,7\n"                 /* empty order */
        "C8,O8,2024-01-01,8,\n"              /* one field too many */
        "C9,O9,2024-01-01\n"                 /* one field too few */
        "C10,O10,2024-01-01,1\"0\n"           /* quote inside a field */
        "C11_a_customer_id_long_enough_to_end_past_64_bytes,O11,"
        "2024-01-01,11\n"
        "C12,O12,2024-01-01,12\n"
        "PAD,P1,2024-01-01,0\nPAD,P2,2024-01-01,0\nPAD,P3,2024-01-01,0\n"
        "PAD,P4,2024-01-01,0\nPAD,P5,2024-01-01,0\n";
    static const char *const ids[] = {
        "C1", "C2", "C3", "C,4", "C5", "C6", "C7",
        "C11_a_customer_id_long_enough_to_end_past_64_bytes", "C12", "PAD"
    };
    size_t i;

    ck_assert_int_eq(load(ds, csv), CUSTSEG_OK);
    check_invariant(ds);
    ck_assert_int_eq(custseg_dataset_rows_read(ds), 17);
    ck_assert_int_eq(custseg_dataset_rows_accepted(ds), 14);
    ck_assert_int_eq(rejected(ds, CUSTSEG_REJECT_FIELD_COUNT), 2);
    ck_assert_int_eq(custseg_dataset_reject_line(ds,
                         CUSTSEG_REJECT_FIELD_COUNT, 0), 9);
    ck_assert_int_eq(custseg_dataset_reject_line(ds,
                         CUSTSEG_REJECT_FIELD_COUNT, 1), 10);
    ck_assert_int_eq(rejected(ds, CUSTSEG_REJECT_BAD_NUMBER), 1);
    ck_assert_int_eq(custseg_dataset_reject_line(ds,
                         CUSTSEG_REJECT_BAD_NUMBER, 0), 11);
    ck_assert_uint_eq(custseg_dataset_customer_count(ds), 10);
    for (i = 0; i < sizeof ids / sizeof *ids; i++)
        ck_assert_msg(custseg__strtab_find(&ds->customers, ids[i],
                                           strlen(ids[i])) != CUSTSEG__NONE,
                      "customer \"%s\" missing", ids[i]);
    ck_assert_uint_ne(custseg__strtab_find(&ds->orders, "O3", 2),
                      CUSTSEG__NONE);
    ck_assert_uint_eq(ds->tx_order[6], CUSTSEG__NONE); /* C7 */
    ck_assert_int_eq(ds->tx_amount[5], 60000);         /* C6 after CR */
    ck_assert_int_eq(ds->tx_amount[8], 120000);        /* C12 */
    custseg_dataset_free(ds);
}
END_TEST

/* The count that sizes a threaded load's parts of the dataset, against
 * a byte-by-byte count, across the 16-byte steps, the one-byte look
 * ahead and the 255-step counter flush. */
START_TEST(line_end_count)
{
    static const char alphabet[] = "\n\r\r\na,";
    size_t len, i, want;
    char *buf = malloc(16 * 300 + 40);
    unsigned seed = 12345;

    ck_assert_ptr_nonnull(buf);
    for (len = 0; len < 16 * 300 + 40; len += len < 40 ? 1 : 97) {
        for (i = 0; i < len; i++) {
            seed = seed * 1103515245u + 12345u;
            buf[i] = alphabet[(seed >> 16) % (sizeof alphabet - 1)];
        }
        for (i = 0, want = 0; i < len; i++)
            want += buf[i] == '\n' ||
                    (buf[i] == '\r' && !(i + 1 < len && buf[i + 1] == '\n'));
        ck_assert_uint_eq(custseg__count_line_ends(buf, len), want);
    }
    memset(buf, '\n', 16 * 300 + 40); /* every counter at its limit */
    ck_assert_uint_eq(custseg__count_line_ends(buf, 16 * 300 + 40),
                      16 * 300 + 40);
    memset(buf, '\r', 16 * 300 + 40);
    ck_assert_uint_eq(custseg__count_line_ends(buf, 16 * 300 + 40),
                      16 * 300 + 40);
    free(buf);
}
END_TEST

/* The inline comparison of ids and time stamps, against memcmp: every
 * length up to 40, a difference at every position, and equal bytes. */
START_TEST(same_bytes_is_memcmp)
{
    char a[48], b[48];
    size_t len, at;

    for (len = 0; len <= 40; len++) {
        memset(a, 'x', sizeof a);
        memset(b, 'x', sizeof b);
        ck_assert(custseg__same_bytes(a, b, len));
        for (at = 0; at < len; at++) {
            b[at] = 'y';
            ck_assert_msg(!custseg__same_bytes(a, b, len),
                          "len %zu, difference at %zu", len, at);
            b[at] = 'x';
        }
        b[len] = 'y'; /* past the end: must not be read as a difference */
        ck_assert(custseg__same_bytes(a, b, len));
    }
}
END_TEST

START_TEST(orders_and_categories)
{
    custseg_dataset *ds = new_cota();
    uint32_t o1, toys;

    map(ds, "category", "k");
    ck_assert_int_eq(load(ds, "c,o,t,a,k\n"
                              "A,o1,2024-01-01,1,toys\n"
                              "A,,2024-01-01,1,\n"
                              "B,o1,2024-01-01,1,books\n"
                              "B,o2,2024-01-01,1,toys\n"), CUSTSEG_OK);
    ck_assert_int_eq(custseg_dataset_rows_accepted(ds), 4);
    ck_assert_uint_eq(ds->orders.count, 2);
    o1 = custseg__strtab_find(&ds->orders, "o1", 2);
    ck_assert_uint_lt(o1, 2);
    ck_assert_uint_eq(custseg__strtab_find(&ds->orders, "o2", 2), 1 - o1);
    ck_assert_uint_eq(ds->tx_order[0], o1);
    ck_assert_uint_eq(ds->tx_order[1], CUSTSEG__NONE);
    ck_assert_uint_eq(ds->tx_order[2], o1);
    ck_assert_uint_eq(ds->tx_order[3], 1 - o1);
    ck_assert_ptr_nonnull(ds->tx_category);
    ck_assert_uint_eq(ds->categories.count, 2);
    toys = custseg__strtab_find(&ds->categories, "toys", 4);
    ck_assert_uint_lt(toys, 2);
    ck_assert_uint_eq(ds->tx_category[0], toys);
    ck_assert_uint_eq(ds->tx_category[1], CUSTSEG__NONE);
    ck_assert_uint_eq(ds->tx_category[2], 1 - toys);
    ck_assert_uint_eq(ds->tx_category[3], toys);
    /* a later load without categories leaves them empty */
    map(ds, "category", NULL);
    ck_assert_int_eq(load(ds, "c,o,t,a\nC,o3,2024-01-01,1\n"), CUSTSEG_OK);
    ck_assert_uint_eq(custseg_dataset_transaction_count(ds), 5);
    ck_assert_uint_eq(ds->tx_category[4], CUSTSEG__NONE);
    ck_assert_uint_eq(ds->tx_customer[4], 2);
    custseg_dataset_free(ds);
}
END_TEST

START_TEST(loads_append)
{
    custseg_dataset *ds = new_cota();

    ck_assert_int_eq(load(ds, "c,o,t,a\nA,1,2024-01-01,1\nB,2,bad,1\n"),
                     CUSTSEG_OK);
    ck_assert_int_eq(load(ds, "c,o,t,a\nC,3,2024-01-02,2\nA,1,2024-01-03,3\n"),
                     CUSTSEG_OK);
    /* the report is the last load's */
    ck_assert_int_eq(custseg_dataset_rows_read(ds), 2);
    ck_assert_int_eq(rejected(ds, CUSTSEG_REJECT_BAD_DATE), 0);
    ck_assert_uint_eq(custseg_dataset_transaction_count(ds), 3);
    ck_assert_uint_eq(custseg_dataset_customer_count(ds), 2);
    ck_assert_uint_eq(ds->tx_customer[2], 0);
    ck_assert_uint_eq(ds->tx_order[2], 0);
    ck_assert_uint_eq(ds->orders.count, 2);
    custseg_dataset_free(ds);
}
END_TEST

/* ------------------------------------------------------------ summaries */

static custseg_dataset *new_summary(void)
{
    custseg_dataset *ds = new_ds();

    map(ds, "customer", "customer_id");
    map(ds, "recency", "recency_days");
    map(ds, "frequency", "number_of_orders");
    map(ds, "monetary", "revenue");
    return ds;
}

START_TEST(summary_mode)
{
    custseg_dataset *ds = new_summary();
    static const int64_t dup[] = {4, 10}, bn[] = {5, 6, 8}, mc[] = {9};
    const char *csv =
        "customer_id,revenue,number_of_orders,recency_days\n"
        "A,100.5,3,10\n"  /* 2 */
        "B,0,0,0\n"       /* 3 */
        "A,1,1,5\n"       /* 4 duplicate */
        "C,1,1,-1\n"      /* 5 negative recency */
        "D,1,x,1\n"       /* 6 bad frequency */
        "E,7,2.0,1\n"     /* 7 2.0 is a count */
        "F,7,2.5,1\n"     /* 8 not a count */
        ",1,1,1\n"        /* 9 missing */
        "B,-3,1,1\n";     /* 10 duplicate */

    ck_assert_int_eq(load(ds, csv), CUSTSEG_OK);
    ck_assert_int_eq(ds->kind, CUSTSEG__DS_SUMMARY);
    ck_assert_int_eq(custseg_dataset_rows_read(ds), 9);
    ck_assert_int_eq(custseg_dataset_rows_accepted(ds), 3);
    expect_lines(ds, CUSTSEG_REJECT_DUPLICATE_CUSTOMER, dup, 2);
    expect_lines(ds, CUSTSEG_REJECT_BAD_NUMBER, bn, 3);
    expect_lines(ds, CUSTSEG_REJECT_MISSING_CUSTOMER, mc, 1);
    check_invariant(ds);
    ck_assert_uint_eq(custseg_dataset_customer_count(ds), 3);
    ck_assert_str_eq(cust(ds, 2), "E");
    ck_assert_int_eq(ds->sum_recency[0], 10);
    ck_assert_int_eq(ds->sum_frequency[0], 3);
    ck_assert_int_eq(ds->sum_monetary[0], 1005000);
    ck_assert_int_eq(ds->sum_frequency[2], 2);
    ck_assert_int_eq(ds->sum_monetary[2], 70000);
    /* rejected rows left no customer behind */
    ck_assert_uint_eq(custseg__strtab_find(&ds->customers, "C", 1),
                      CUSTSEG__NONE);
    ck_assert_uint_eq(custseg__strtab_find(&ds->customers, "F", 1),
                      CUSTSEG__NONE);
    /* a second load: customers already there are duplicates */
    ck_assert_int_eq(load(ds, "customer_id,revenue,number_of_orders,"
                              "recency_days\nG,1,1,1\nA,1,1,1\n"),
                     CUSTSEG_OK);
    ck_assert_int_eq(rejected(ds, CUSTSEG_REJECT_DUPLICATE_CUSTOMER), 1);
    ck_assert_uint_eq(custseg_dataset_customer_count(ds), 4);
    ck_assert_int_eq(ds->sum_recency[3], 1);
    /* transactions can't join summaries */
    custseg_dataset_free(ds);
}
END_TEST

START_TEST(kinds_do_not_mix)
{
    custseg_dataset *ds = new_cota();
    custseg_dataset *sm = new_summary();

    ck_assert_int_eq(load(ds, "c,o,t,a\nA,1,2024-01-01,1\n"), CUSTSEG_OK);
    map(ds, "order", NULL);
    map(ds, "time", NULL);
    map(ds, "amount", NULL);
    map(ds, "recency", "t");
    map(ds, "frequency", "o");
    map(ds, "monetary", "a");
    ck_assert_int_eq(load(ds, "c,o,t,a\nB,1,1,1\n"), CUSTSEG_EMISUSE);
    ck_assert_uint_eq(custseg_dataset_customer_count(ds), 1);
    ck_assert_int_eq(load(sm, "customer_id,revenue,number_of_orders,"
                              "recency_days\nG,1,1,1\n"), CUSTSEG_OK);
    map(sm, "recency", NULL);
    map(sm, "frequency", NULL);
    map(sm, "monetary", NULL);
    map(sm, "time", "recency_days");
    map(sm, "amount", "revenue");
    ck_assert_int_eq(load(sm, "customer_id,revenue,number_of_orders,"
                              "recency_days\nH,1,1,1\n"), CUSTSEG_EMISUSE);
    ck_assert_int_eq(sm->kind, CUSTSEG__DS_SUMMARY);
    custseg_dataset_free(ds);
    custseg_dataset_free(sm);
}
END_TEST

/* ------------------------------------------------------------ threads */

typedef struct gen {
    char *buf;
    size_t len, cap;
    uint64_t rng;
} gen;

static void put(gen *g, const char *s, size_t n)
{
    if (g->len + n + 1 > g->cap) {
        g->cap = (g->len + n + 1) * 2;
        g->buf = realloc(g->buf, g->cap);
        ck_assert_ptr_nonnull(g->buf);
    }
    memcpy(g->buf + g->len, s, n);
    g->len += n;
    g->buf[g->len] = '\0';
}

static void puts_(gen *g, const char *s)
{
    put(g, s, strlen(s));
}

static unsigned rnd(gen *g, unsigned n)
{
    g->rng = g->rng * 6364136223846793005ULL + 1442695040888963407ULL;
    return (unsigned)((g->rng >> 33) % n);
}

/* Rows of a shop export with a quoted note that sometimes holds commas
 * and line ends, a category, and a few bad rows. */
static void gen_rows(gen *g, int n, const char *eol, int *row)
{
    char line[256], id[16];
    int i;

    for (i = 0; i < n; i++, (*row)++) {
        int r = *row;
        unsigned c = rnd(g, 4000), lines = 1 + rnd(g, 3), k;
        const char *note = r % 7 == 0 ? "\"a, \"\"b\"\"\nc\"" :
                           r % 5 == 0 ? "\"x\r\ny\"" : "plain";
        const char *time = r % 1013 == 0 ? "2023-02-30" :
                           r % 2 ? "2023-05-06 07:08:09" : "1690000000";
        sprintf(id, "C%05u", c);
        for (k = 0; k < lines; k++) {
            if (r % 1511 == 0)
                sprintf(line, "%s,O%07d,2023-01-01,x,,%s", id, r, eol);
            else
                sprintf(line, "%s,O%07d,%s,%s%u.%02u,%s,%s%s",
                        r % 997 == 0 ? "" : id, r, time,
                        r % 31 == 0 ? "-" : "", rnd(g, 500), rnd(g, 100),
                        r % 3 ? "cat" : "", note, eol);
            puts_(g, line);
        }
    }
}

/* A quoted field of many lines, to put a chunk cut inside quotes. */
static void gen_giant(gen *g, size_t bytes, int *row)
{
    size_t k;

    puts_(g, "C09999,GIANT,2023-01-01,1.00,cat,\"");
    for (k = 0; k < bytes / 8; k++)
        puts_(g, "line,x\n");
    puts_(g, "end\"\n");
    (*row)++;
}

static char *make_big(size_t *len, const char *eol, bool giant)
{
    gen g = {NULL, 0, 0, 42};
    int row = 0;

    puts_(&g, "customer,order,time,amount,category,note");
    puts_(&g, eol);
    gen_rows(&g, 30000, eol, &row);
    if (giant)
        gen_giant(&g, (size_t)3 << 20, &row);
    gen_rows(&g, 30000, eol, &row);
    *len = g.len;
    return g.buf;
}

static custseg_dataset *load_big(const char *buf, size_t len, int threads)
{
    custseg_dataset *ds = new_tx("customer", "order", "time", "amount");

    map(ds, "category", "category");
    ck_assert_int_eq(custseg_dataset_set_int(ds, "threads", threads),
                     CUSTSEG_OK);
    ck_assert_int_eq(custseg_dataset_load_csv_buffer(ds, buf, len, "big"),
                     CUSTSEG_OK);
    check_invariant(ds);
    return ds;
}

static void same_strtab(const custseg__strtab *a, const custseg__strtab *b)
{
    ck_assert_uint_eq(a->count, b->count);
    ck_assert_uint_eq(a->nbytes, b->nbytes);
    ck_assert(a->count == 0 ||
              memcmp(a->bytes, b->bytes, a->nbytes) == 0);
    ck_assert(a->count == 0 ||
              memcmp(a->offsets, b->offsets,
                     (a->count + 1) * sizeof *a->offsets) == 0);
}

static void same_i64(const int64_t *a, const int64_t *b, size_t n)
{
    ck_assert(n == 0 || memcmp(a, b, n * sizeof *a) == 0);
}

static void same_dataset(custseg_dataset *a, custseg_dataset *b)
{
    size_t n = a->ntx;

    ck_assert(memcmp(&a->report, &b->report, sizeof a->report) == 0);
    ck_assert_uint_eq(a->ntx, b->ntx);
    same_strtab(&a->customers, &b->customers);
    same_strtab(&a->orders, &b->orders);
    same_strtab(&a->categories, &b->categories);
    ck_assert(memcmp(a->tx_customer, b->tx_customer, n * 4) == 0);
    ck_assert(memcmp(a->tx_order, b->tx_order, n * 4) == 0);
    ck_assert((a->tx_category == NULL) == (b->tx_category == NULL));
    ck_assert(a->tx_category == NULL ||
              memcmp(a->tx_category, b->tx_category, n * 4) == 0);
    same_i64(a->tx_time, b->tx_time, n);
    same_i64(a->tx_amount, b->tx_amount, n);
    ck_assert_int_eq(a->min_time, b->min_time);
    ck_assert_int_eq(a->max_time, b->max_time);
    /* every id can still be found */
    ck_assert_uint_eq(custseg__strtab_find(&b->customers,
                                           cust(a, 17), strlen(cust(a, 17))),
                      17);
    ck_assert_int_eq(custseg_dataset_freeze(a), CUSTSEG_OK);
    ck_assert_int_eq(custseg_dataset_freeze(b), CUSTSEG_OK);
    n = a->metrics.n;
    ck_assert_uint_eq(n, b->metrics.n);
    same_i64(a->metrics.recency, b->metrics.recency, n);
    same_i64(a->metrics.frequency, b->metrics.frequency, n);
    same_i64(a->metrics.monetary, b->metrics.monetary, n);
    same_i64(a->metrics.first_day, b->metrics.first_day, n);
    same_i64(a->metrics.last_day, b->metrics.last_day, n);
}

static void threads_case(const char *eol, bool giant)
{
    size_t len;
    char *buf = make_big(&len, eol, giant);
    custseg_dataset *one = load_big(buf, len, 1);
    int threads[] = {2, 3, 8}, i;

    ck_assert(len > ((size_t)4 << 20));
    ck_assert_int_gt(rejected(one, CUSTSEG_REJECT_MISSING_CUSTOMER), 0);
    ck_assert_int_gt(rejected(one, CUSTSEG_REJECT_BAD_DATE), 0);
    ck_assert_int_gt(rejected(one, CUSTSEG_REJECT_BAD_NUMBER), 0);
    ck_assert_int_gt(custseg_dataset_rows_accepted(one), 100000);
    for (i = 0; i < 3; i++) {
        custseg_dataset *many = load_big(buf, len, threads[i]);
        custseg_dataset *ref = load_big(buf, len, 1);
        same_dataset(ref, many);
        custseg_dataset_free(ref);
        custseg_dataset_free(many);
    }
    custseg_dataset_free(one);
    free(buf);
}

START_TEST(threads_identical)
{
    threads_case("\n", false);
}
END_TEST

START_TEST(threads_identical_crlf)
{
    threads_case("\r\n", false);
}
END_TEST

START_TEST(threads_cut_inside_quotes)
{
    size_t len;
    char *buf = make_big(&len, "\n", true);
    custseg_dataset *one = load_big(buf, len, 1);
    uint32_t g = custseg__strtab_find(&one->orders, "GIANT", 5);
    int threads;

    /* the giant row is one accepted row, not a million short ones */
    ck_assert_uint_ne(g, CUSTSEG__NONE);
    ck_assert_int_eq(rejected(one, CUSTSEG_REJECT_FIELD_COUNT), 0);
    for (threads = 2; threads <= 5; threads += 3) {
        custseg_dataset *ref = load_big(buf, len, 1);
        custseg_dataset *many = load_big(buf, len, threads);
        same_dataset(ref, many);
        custseg_dataset_free(ref);
        custseg_dataset_free(many);
    }
    custseg_dataset_free(one);
    free(buf);
}
END_TEST

/* ------------------------------------------------------------ failures */

typedef struct snapshot {
    size_t customers, orders, ntx;
    int kind;
} snapshot;

static snapshot snap(const custseg_dataset *ds)
{
    snapshot s;

    s.customers = ds->customers.count;
    s.orders = ds->orders.count;
    s.ntx = ds->ntx;
    s.kind = ds->kind;
    return s;
}

static void same_snap(const custseg_dataset *ds, snapshot s)
{
    ck_assert_uint_eq(ds->customers.count, s.customers);
    ck_assert_uint_eq(ds->orders.count, s.orders);
    ck_assert_uint_eq(ds->ntx, s.ntx);
    ck_assert_int_eq(ds->kind, s.kind);
    ck_assert_int_eq(custseg_dataset_rows_read(ds), 0);
}

static int cancel_at_end(double f, void *payload)
{
    CUSTSEG__UNUSED(payload);
    return f >= 1.0;
}

static const char *second_csv =
    "c,o,t,a\nA,1,2024-01-02,5\nNEW1,9,2024-01-02,1\nNEW2,10,2024-01-03,2\n";

START_TEST(all_or_nothing)
{
    custseg_dataset *ds = new_cota();
    snapshot s;
    uint32_t b;

    ck_assert_int_eq(load(ds, "c,o,t,a\nA,1,2024-01-01,1\nB,2,2024-01-01,2\n"),
                     CUSTSEG_OK);
    s = snap(ds);
    b = custseg__strtab_find(&ds->customers, "B", 1);
    ck_assert_uint_lt(b, 2);
    /* a bad header */
    map(ds, "order", "missing");
    ck_assert_int_eq(load(ds, second_csv), CUSTSEG_EPARSE);
    same_snap(ds, s);
    map(ds, "order", "o");
    /* canceled by the progress callback after all rows were parsed */
    custseg_dataset_set_progress(ds, cancel_at_end, NULL);
    ck_assert_int_eq(load(ds, second_csv), CUSTSEG_ECANCELED);
    same_snap(ds, s);
    ck_assert_uint_eq(custseg__strtab_find(&ds->customers, "NEW1", 4),
                      CUSTSEG__NONE);
    ck_assert_uint_eq(custseg__strtab_find(&ds->customers, "B", 1), b);
    ck_assert_uint_eq(custseg__strtab_find(&ds->orders, "9", 1),
                      CUSTSEG__NONE);
    /* and then it loads as if nothing had happened */
    custseg_dataset_set_progress(ds, NULL, NULL);
    ck_assert_int_eq(load(ds, second_csv), CUSTSEG_OK);
    ck_assert_uint_eq(custseg_dataset_customer_count(ds), 4);
    ck_assert_str_eq(cust(ds, 2), "NEW1");
    ck_assert_uint_eq(ds->tx_order[3], 2);
    custseg_dataset_free(ds);
}
END_TEST

static long budget = -1; /* allocations left; -1: no limit */

static void *fail_alloc(void *p, size_t n)
{
    CUSTSEG__UNUSED(p);
    if (budget == 0)
        return NULL;
    if (budget > 0)
        budget--;
    return malloc(n);
}

static void *fail_realloc(void *p, void *q, size_t n)
{
    CUSTSEG__UNUSED(p);
    if (budget == 0)
        return NULL;
    if (budget > 0)
        budget--;
    return realloc(q, n);
}

static void fail_free(void *p, void *q)
{
    CUSTSEG__UNUSED(p);
    free(q);
}

static char *many_rows(size_t *len)
{
    gen g = {NULL, 0, 0, 7};
    char line[96];
    int i;

    puts_(&g, "c,o,t,a,k\n");
    for (i = 0; i < 3000; i++) {
        sprintf(line, "\"C%d\",O%d,2024-01-01,%d.5,k%d\n", (i * 7) % 1500,
                i / 2, i, i % 5);
        puts_(&g, line);
    }
    *len = g.len;
    return g.buf;
}

/* Every allocation of a load fails in turn: each failure must be
 * CUSTSEG_ENOMEM with the dataset as it was. */
START_TEST(out_of_memory)
{
    static const custseg_allocator a = {
        CUSTSEG_ALLOCATOR_VERSION, fail_alloc, fail_realloc, fail_free, NULL
    };
    custseg_dataset *ds, *ref;
    size_t len;
    char *buf;
    snapshot s;
    long b;
    int rc = CUSTSEG_ENOMEM;

    if (custseg_set_allocator(&a) != CUSTSEG_OK)
        return; /* not forked (CK_FORK=no): the library already allocated */
    buf = many_rows(&len);
    ds = new_cota();
    map(ds, "category", "k");
    ref = new_cota();
    map(ref, "category", "k");
    ck_assert_int_eq(load(ds, "c,o,t,a,k\nC1,O1,2024-01-01,1,k0\n"),
                     CUSTSEG_OK);
    ck_assert_int_eq(load(ref, "c,o,t,a,k\nC1,O1,2024-01-01,1,k0\n"),
                     CUSTSEG_OK);
    s = snap(ds);
    for (b = 0; rc != CUSTSEG_OK; b++) {
        budget = b;
        rc = custseg_dataset_load_csv_buffer(ds, buf, len, "m.csv");
        budget = -1;
        if (rc != CUSTSEG_OK) {
            ck_assert_int_eq(rc, CUSTSEG_ENOMEM);
            same_snap(ds, s);
            ck_assert_uint_eq(custseg__strtab_find(&ds->customers, "C7", 2),
                              CUSTSEG__NONE);
        }
        ck_assert_int_lt(b, 1000);
    }
    ck_assert_int_eq(custseg_dataset_load_csv_buffer(ref, buf, len, "m.csv"),
                     CUSTSEG_OK);
    same_dataset(ref, ds);
    custseg_dataset_free(ds);
    custseg_dataset_free(ref);
    free(buf);
}
END_TEST

static int progress_calls;
static double progress_last;

static int record_progress(double f, void *payload)
{
    CUSTSEG__UNUSED(payload);
    ck_assert(f >= progress_last && f <= 1.0);
    progress_last = f;
    progress_calls++;
    return 0;
}

START_TEST(progress_reports)
{
    size_t len;
    char *buf = make_big(&len, "\n", false);
    int threads;

    for (threads = 1; threads <= 2; threads++) {
        custseg_dataset *ds = new_tx("customer", "order", "time", "amount");
        progress_calls = 0;
        progress_last = 0.0;
        custseg_dataset_set_progress(ds, record_progress, NULL);
        custseg_dataset_set_int(ds, "threads", threads);
        ck_assert_int_eq(custseg_dataset_load_csv_buffer(ds, buf, len, "p"),
                         CUSTSEG_OK);
        ck_assert_int_ge(progress_calls, 3);
        ck_assert(progress_last == 1.0);
        custseg_dataset_free(ds);
    }
    free(buf);
}
END_TEST

static int cancel_early(double f, void *payload)
{
    CUSTSEG__UNUSED(payload);
    return f > 0.0;
}

START_TEST(cancel_threads)
{
    size_t len;
    char *buf = make_big(&len, "\n", false);
    custseg_dataset *ds = new_tx("customer", "order", "time", "amount");

    custseg_dataset_set_progress(ds, cancel_early, NULL);
    custseg_dataset_set_int(ds, "threads", 2);
    ck_assert_int_eq(custseg_dataset_load_csv_buffer(ds, buf, len, "p"),
                     CUSTSEG_ECANCELED);
    ck_assert_uint_eq(custseg_dataset_customer_count(ds), 0);
    ck_assert_uint_eq(custseg_dataset_transaction_count(ds), 0);
    ck_assert_int_eq(ds->kind, CUSTSEG__DS_EMPTY);
    custseg_dataset_free(ds);
    free(buf);
}
END_TEST

/* Only meaningful in a build with lowered limits, e.g.
 * make B=build-lim CFLAGS="-O2 -DCUSTSEG_MAX_CUSTOMERS=5u" ... */
START_TEST(limits)
{
    custseg_dataset *ds = new_cota();
    snapshot s;
    char csv[512];
    size_t n = 0;
    int i;

    if (CUSTSEG_MAX_CUSTOMERS > 100) {
        custseg_dataset_free(ds);
        return;
    }
    ck_assert_int_eq(load(ds, "c,o,t,a\nA,1,2024-01-01,1\n"), CUSTSEG_OK);
    s = snap(ds);
    n += (size_t)sprintf(csv + n, "c,o,t,a\n");
    for (i = 0; i < (int)CUSTSEG_MAX_CUSTOMERS + 1; i++)
        n += (size_t)sprintf(csv + n, "C%d,1,2024-01-01,1\n", i);
    ck_assert_int_eq(load(ds, csv), CUSTSEG_ELIMIT);
    ck_assert_msg(strstr(custseg_dataset_errmsg(ds), "field 1 (c)") != NULL,
                  "%s", custseg_dataset_errmsg(ds));
    ck_assert_int_eq(custseg_dataset_error_column(ds), 1);
    same_snap(ds, s);
    custseg_dataset_free(ds);
}
END_TEST

START_TEST(files)
{
    const char *csv = "c,o,t,a\nA,1,2024-01-01,1\n";
    char *path = tu_write_temp(csv, strlen(csv));
    char *empty = tu_write_temp("", 0);
    custseg_dataset *ds = new_cota();

    ck_assert_ptr_nonnull(path);
    ck_assert_int_eq(custseg_dataset_load_csv(ds, path), CUSTSEG_OK);
    ck_assert_int_eq(custseg_dataset_rows_accepted(ds), 1);
    ck_assert_int_eq(custseg_dataset_load_csv(ds, "/nonexistent/x.csv"),
                     CUSTSEG_EIO);
    ck_assert_ptr_nonnull(strstr(custseg_dataset_errmsg(ds),
                                 "/nonexistent/x.csv"));
    ck_assert_int_eq(custseg_dataset_load_csv(ds, "/tmp"), CUSTSEG_EIO);
    ck_assert_int_eq(custseg_dataset_load_csv(ds, empty), CUSTSEG_EPARSE);
    ck_assert_ptr_nonnull(strstr(custseg_dataset_errmsg(ds), empty));
    ck_assert_int_eq(custseg_dataset_load_csv(NULL, path), CUSTSEG_EINVAL);
    ck_assert_int_eq(custseg_dataset_load_csv(ds, NULL), CUSTSEG_EINVAL);
    ck_assert_uint_eq(custseg_dataset_transaction_count(ds), 1);
    ck_assert_int_eq(custseg_dataset_freeze(ds), CUSTSEG_OK);
    ck_assert_int_eq(custseg_dataset_load_csv(ds, path), CUSTSEG_EMISUSE);
    ck_assert_int_eq(load(ds, csv), CUSTSEG_EMISUSE);
    custseg_dataset_free(ds);
    remove(path);
    remove(empty);
    free(path);
    free(empty);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("csv");
    TCase *tc = tcase_create("csv");
    TCase *big = tcase_create("threads");

    tcase_add_test(tc, basic_load);
    tcase_add_test(tc, fast_rows_fall_back_exactly);
    tcase_add_test(tc, line_end_count);
    tcase_add_test(tc, same_bytes_is_memcmp);
    tcase_add_test(tc, quoting);
    tcase_add_test(tc, escaped_fields_in_batches);
    tcase_add_test(tc, line_ends);
    tcase_add_test(tc, bom_and_blank_lines);
    tcase_add_test(tc, unterminated_quote);
    tcase_add_test(tc, missing_column);
    tcase_add_test(tc, role_combinations);
    tcase_add_test(tc, no_header_positions);
    tcase_add_test(tc, empty_input);
    tcase_add_test(tc, reject_reasons);
    tcase_add_test(tc, first_five_lines);
    tcase_add_test(tc, quantity_times_price);
    tcase_add_test(tc, drop_returns);
    tcase_add_test(tc, whitespace_delimiter);
    tcase_add_test(tc, other_delimiters);
    tcase_add_test(tc, time_formats);
    tcase_add_test(tc, orders_and_categories);
    tcase_add_test(tc, loads_append);
    tcase_add_test(tc, summary_mode);
    tcase_add_test(tc, kinds_do_not_mix);
    tcase_add_test(tc, all_or_nothing);
    tcase_add_test(tc, out_of_memory);
    tcase_add_test(tc, limits);
    tcase_add_test(tc, files);
    tcase_add_test(big, threads_identical);
    tcase_add_test(big, threads_identical_crlf);
    tcase_add_test(big, threads_cut_inside_quotes);
    tcase_add_test(big, progress_reports);
    tcase_add_test(big, cancel_threads);
    tcase_set_timeout(big, 60);
    suite_add_tcase(s, tc);
    suite_add_tcase(s, big);
    return tu_run_suite(s);
}
