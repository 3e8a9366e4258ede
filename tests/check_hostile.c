/*
 * check_hostile.c - hostile and broken input: each case ends in its
 * documented error or handling (custseg(7), INPUT HANDLING), and what is
 * valid is never lost with it.
 *
 * main() installs a counting allocator (nothing fails) so that tests can
 * see that repeated calls don't accumulate memory.
 */
#include <check.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "custseg.h"
#include "testutil.h"

#define E4 10000

static long live; /* library blocks not yet freed */

static void *t_alloc(void *payload, size_t size)
{
    void *p = malloc(size);

    (void)payload;
    live += p != NULL;
    return p;
}

static void *t_realloc(void *payload, void *ptr, size_t size)
{
    (void)payload;
    return realloc(ptr, size);
}

static void t_free(void *payload, void *ptr)
{
    (void)payload;
    live -= ptr != NULL;
    free(ptr);
}

/* ------------------------------------------------------------ helpers */

typedef struct buf {
    char *p;
    size_t len, cap;
} buf;

static int buf_write(const char *data, size_t len, void *payload)
{
    buf *b = payload;

    if (b->len + len + 1 > b->cap) {
        size_t cap = (b->len + len + 1) * 2;
        char *p = realloc(b->p, cap);
        if (p == NULL)
            return 1;
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, data, len);
    b->len += len;
    b->p[b->len] = '\0';
    return 0;
}

/* The result written in one format (malloc'ed; length in *len). */
static char *export_fmt(const custseg_result *r, int format, size_t *len)
{
    buf b = {NULL, 0, 0};

    ck_assert_int_eq(custseg_result_write(r, format, 2, buf_write, &b),
                     CUSTSEG_OK);
    if (len != NULL)
        *len = b.len;
    return b.p != NULL ? b.p : calloc(1, 1);
}

static custseg_dataset *new_cota(void)
{
    custseg_dataset *ds;

    ck_assert_int_eq(custseg_dataset_new(&ds), CUSTSEG_OK);
    ck_assert_int_eq(custseg_dataset_map_column(ds, "customer", "c"), 0);
    ck_assert_int_eq(custseg_dataset_map_column(ds, "order", "o"), 0);
    ck_assert_int_eq(custseg_dataset_map_column(ds, "time", "t"), 0);
    ck_assert_int_eq(custseg_dataset_map_column(ds, "amount", "a"), 0);
    return ds;
}

static int load_n(custseg_dataset *ds, const char *text, size_t len)
{
    return custseg_dataset_load_csv_buffer(ds, text, len, "in.csv");
}

static int load(custseg_dataset *ds, const char *text)
{
    return load_n(ds, text, strlen(text));
}

static custseg_result *run(custseg_dataset *ds, const char *strategy)
{
    custseg_strategy *s;
    custseg_result *r;

    ck_assert_int_eq(custseg_strategy_new(&s, strategy), CUSTSEG_OK);
    ck_assert_msg(custseg_run(&r, s, ds) == CUSTSEG_OK, "%s",
                  custseg_strategy_errmsg(s));
    custseg_strategy_free(s);
    return r;
}

/* rfm as CSV for the rows of text (loaded into a fresh dataset). */
static char *rfm_csv(const char *text, size_t len)
{
    custseg_dataset *ds = new_cota();
    custseg_result *r;
    char *out;

    ck_assert_int_eq(load_n(ds, text, len), CUSTSEG_OK);
    r = run(ds, "rfm");
    out = export_fmt(r, CUSTSEG_FORMAT_CSV, NULL);
    custseg_result_free(r);
    custseg_dataset_free(ds);
    return out;
}

static int64_t rejected(const custseg_dataset *ds, int reason)
{
    return custseg_dataset_rows_rejected(ds, reason);
}

static int64_t field_of(const custseg_result *r, const char *id, int field)
{
    size_t row;
    int64_t v;

    ck_assert_int_eq(custseg_result_find(&row, r, id), CUSTSEG_OK);
    ck_assert_int_eq(custseg_result_customer_field(&v, r, row, field),
                     CUSTSEG_OK);
    return v;
}

/* Whether s[0..n) contains the bytes w[0..k) (which may hold a NUL). */
static int contains(const char *s, size_t n, const char *w, size_t k)
{
    size_t i;

    for (i = 0; i + k <= n; i++)
        if (memcmp(s + i, w, k) == 0)
            return 1;
    return 0;
}

/* Strict UTF-8 (RFC 3629), as a JSON reader checks it. */
static int valid_utf8(const unsigned char *s, size_t n)
{
    size_t i = 0, k, len;

    while (i < n) {
        unsigned c = s[i];
        unsigned lo = 0x80, hi = 0xBF;
        if (c < 0x80) {
            i++;
            continue;
        }
        len = c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3
            : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
        lo = c == 0xE0 ? 0xA0 : c == 0xF0 ? 0x90 : lo;
        hi = c == 0xED ? 0x9F : c == 0xF4 ? 0x8F : hi;
        if (len == 0 || i + len > n || s[i + 1] < lo || s[i + 1] > hi)
            return 0;
        for (k = 2; k < len; k++)
            if ((s[i + k] & 0xC0) != 0x80)
                return 0;
        i += len;
    }
    return 1;
}

/* ------------------------------------------------------------ files */

START_TEST(empty_input)
{
    custseg_dataset *ds = new_cota();
    char *path = tu_write_temp("", 0);

    ck_assert_int_eq(custseg_dataset_load_csv(ds, path), CUSTSEG_EPARSE);
    ck_assert_ptr_nonnull(strstr(custseg_dataset_errmsg(ds), "empty"));
    ck_assert_int_eq(load_n(ds, NULL, 0), CUSTSEG_EPARSE);
    ck_assert_int_eq(load(ds, "\n\n  \r\n"), CUSTSEG_EPARSE);
    /* Nothing changed: the same handle still loads. */
    ck_assert_int_eq(load(ds, "c,o,t,a\nA,1,2024-01-01,1\n"), CUSTSEG_OK);
    ck_assert_uint_eq(custseg_dataset_transaction_count(ds), 1);
    custseg_dataset_free(ds);
    unlink(path);
    free(path);
}
END_TEST

START_TEST(header_only)
{
    custseg_dataset *ds = new_cota();
    custseg_strategy *s;
    custseg_result *r = (custseg_result *)&r;

    ck_assert_int_eq(load(ds, "c,o,t,a\n"), CUSTSEG_OK);
    ck_assert_int_eq(load(ds, "c,o,t,a"), CUSTSEG_OK);
    ck_assert_int_eq(custseg_dataset_rows_read(ds), 0);
    ck_assert_int_eq(custseg_dataset_freeze(ds), CUSTSEG_ENODATA);
    ck_assert_int_eq(custseg_strategy_new(&s, "rfm"), CUSTSEG_OK);
    ck_assert_int_eq(custseg_run(&r, s, ds), CUSTSEG_ENODATA);
    ck_assert_ptr_null(r);
    ck_assert_ptr_nonnull(strstr(custseg_strategy_errmsg(s),
                                 "no customers"));
    custseg_strategy_free(s);
    custseg_dataset_free(ds);
}
END_TEST

START_TEST(missing_columns)
{
    custseg_dataset *ds = new_cota();
    const char *msg;

    ck_assert_int_eq(load(ds, "c,o,t\nA,1,2024-01-01\n"), CUSTSEG_EPARSE);
    msg = custseg_dataset_errmsg(ds);
    ck_assert_msg(strstr(msg, "\"a\"") != NULL &&
                  strstr(msg, "amount") != NULL, "%s", msg);
    ck_assert_int_eq(custseg_dataset_error_line(ds), 1);
    ck_assert_uint_eq(custseg_dataset_customer_count(ds), 0);
    /* A data row short of fields is rejected, its neighbours kept. */
    ck_assert_int_eq(load(ds, "c,o,t,a\nA,1,2024-01-01\nB,2,2024-01-01,2\n"
                              "C,3,2024-01-01,3,extra\n"), CUSTSEG_OK);
    ck_assert_int_eq(rejected(ds, CUSTSEG_REJECT_FIELD_COUNT), 2);
    ck_assert_int_eq(custseg_dataset_reject_line(ds,
                         CUSTSEG_REJECT_FIELD_COUNT, 0), 2);
    ck_assert_int_eq(custseg_dataset_rows_accepted(ds), 1);
    custseg_dataset_free(ds);
}
END_TEST

/* A BOM and CRLF line ends change nothing in what is loaded. */
START_TEST(bom_and_crlf)
{
    static const char lf[] = "c,o,t,a\nA,1,2024-01-01,1.5\n"
                             "\"B\nb\",2,2024-01-02,2\nA,3,2024-02-01,3\n";
    static const char crlf[] = "\xEF\xBB\xBF" "c,o,t,a\r\nA,1,2024-01-01,1.5"
                               "\r\n\"B\nb\",2,2024-01-02,2\r\n"
                               "A,3,2024-02-01,3\r\n\r\n";
    char *a = rfm_csv(lf, sizeof lf - 1), *b = rfm_csv(crlf, sizeof crlf - 1);

    ck_assert_str_eq(a, b);
    ck_assert_ptr_nonnull(strstr(a, "\"B\nb\",")); /* kept, quoted */
    free(a);
    free(b);
}
END_TEST

START_TEST(unterminated_quote)
{
    custseg_dataset *ds = new_cota();

    ck_assert_int_eq(load(ds, "c,o,t,a\nA,1,2024-01-01,1\n"
                              "B,\"2,2024-01-01,1\nC,3,2024-01-01,1\n"),
                     CUSTSEG_OK);
    /* The open quote swallows the rest: that row's fields are unknown. */
    ck_assert_int_eq(custseg_dataset_rows_read(ds), 2);
    ck_assert_int_eq(custseg_dataset_rows_accepted(ds), 1);
    ck_assert_int_eq(rejected(ds, CUSTSEG_REJECT_FIELD_COUNT), 1);
    ck_assert_int_eq(custseg_dataset_reject_line(ds,
                         CUSTSEG_REJECT_FIELD_COUNT, 0), 3);
    /* In the header it is an error. */
    ck_assert_int_eq(load(ds, "c,o,\"t,a\nA,1,2024-01-01,1\n"),
                     CUSTSEG_EPARSE);
    ck_assert_uint_eq(custseg_dataset_transaction_count(ds), 1);
    custseg_dataset_free(ds);
}
END_TEST

/* A NUL byte is data: ids keep it (and differ from the id cut there);
 * CSV writes it as is, JSON as \u0000; C-string calls see the id up to
 * it. In a number or a date it makes the row invalid. */
START_TEST(embedded_nul)
{
    static const char text[] = "c,o,t,a\nA\0B,1,2024-01-01,1\n"
                               "A,2,2024-01-01,2\nC,3,2024-01-01,1\0\n"
                               "D,4,2024-01\0-01,1\n";
    custseg_dataset *ds = new_cota();
    custseg_result *r;
    size_t len;
    char *csv, *json;

    ck_assert_int_eq(load_n(ds, text, sizeof text - 1), CUSTSEG_OK);
    ck_assert_int_eq(custseg_dataset_rows_accepted(ds), 2);
    ck_assert_int_eq(rejected(ds, CUSTSEG_REJECT_BAD_NUMBER), 1);
    ck_assert_int_eq(rejected(ds, CUSTSEG_REJECT_BAD_DATE), 1);
    ck_assert_uint_eq(custseg_dataset_customer_count(ds), 2);
    r = run(ds, "rfm");
    ck_assert_int_eq(field_of(r, "A", CUSTSEG_FIELD_MONETARY), 2 * E4);
    ck_assert_str_eq(custseg_result_customer_id(r, 1), "A"); /* "A\0B" */
    csv = export_fmt(r, CUSTSEG_FORMAT_CSV, &len);
    ck_assert(contains(csv, len, "\nA\0B,1,1,1.00,", 14));
    json = export_fmt(r, CUSTSEG_FORMAT_JSON, &len);
    ck_assert_uint_eq(strlen(json), len);
    ck_assert_ptr_nonnull(strstr(json, "\"customer_id\":\"A\\u0000B\""));
    free(csv);
    free(json);
    custseg_result_free(r);
    custseg_dataset_free(ds);
}
END_TEST

/* A 10 MB field, mapped or not, is read whole. */
START_TEST(ten_megabyte_field)
{
    const size_t big = (size_t)10 << 20;
    char *text = malloc(big + 64), *id = malloc(big + 1), *csv;
    custseg_dataset *ds = new_cota();
    custseg_result *r;
    size_t n, len;

    ck_assert_ptr_nonnull(text);
    ck_assert_ptr_nonnull(id);
    memset(id, 'x', big);
    id[big] = '\0';
    /* An unmapped quoted field of 10 MB. */
    n = (size_t)sprintf(text, "c,o,note,t,a\nA,1,\"");
    memset(text + n, 'n', big);
    n += big;
    n += (size_t)sprintf(text + n, "\",2024-01-01,1\n");
    ck_assert_int_eq(load_n(ds, text, n), CUSTSEG_OK);
    ck_assert_int_eq(custseg_dataset_rows_accepted(ds), 1);
    /* A customer id of 10 MB. */
    n = (size_t)sprintf(text, "c,o,t,a\n%s,2,2024-01-02,2\n", id);
    ck_assert_int_eq(load_n(ds, text, n), CUSTSEG_OK);
    ck_assert_int_eq(custseg_dataset_rows_accepted(ds), 1);
    ck_assert_uint_eq(custseg_dataset_customer_count(ds), 2);
    r = run(ds, "decile");
    ck_assert_uint_eq(strlen(custseg_result_customer_id(r, 1)), big);
    ck_assert_int_eq(field_of(r, id, CUSTSEG_FIELD_VALUE), 2 * E4);
    csv = export_fmt(r, CUSTSEG_FORMAT_CSV, &len);
    ck_assert_uint_gt(len, big);
    free(csv);
    custseg_result_free(r);
    custseg_dataset_free(ds);
    free(text);
    free(id);
}
END_TEST

/* Ids are bytes: kept as they are, and written unchanged to CSV; JSON,
 * which must be UTF-8, gets U+FFFD for each byte that is not. */
START_TEST(invalid_utf8_ids)
{
    static const char text[] = "c,o,t,a\n\xff\xfe,1,2024-01-01,1\n"
                               "\xC3\xA9t\xC3\xA9,2,2024-01-01,2\n"
                               "\xC0\xAF,3,2024-01-01,3\n"
                               "\xED\xA0\x80,4,2024-01-01,4\n"
                               "ok\xE2\x82,5,2024-01-01,5\n";
    custseg_dataset *ds = new_cota();
    custseg_result *r;
    size_t len;
    char *csv, *json;

    ck_assert_int_eq(load_n(ds, text, sizeof text - 1), CUSTSEG_OK);
    ck_assert_int_eq(custseg_dataset_rows_accepted(ds), 5);
    r = run(ds, "rfm");
    ck_assert_int_eq(field_of(r, "\xff\xfe", CUSTSEG_FIELD_MONETARY), E4);
    csv = export_fmt(r, CUSTSEG_FORMAT_CSV, &len);
    ck_assert_ptr_nonnull(strstr(csv, "\n\xff\xfe,"));
    ck_assert_ptr_nonnull(strstr(csv, "\n\xC3\xA9t\xC3\xA9,"));
    json = export_fmt(r, CUSTSEG_FORMAT_JSON, &len);
    ck_assert(valid_utf8((const unsigned char *)json, len));
    ck_assert_ptr_nonnull(strstr(json, "\"\\ufffd\\ufffd\""));
    ck_assert_ptr_nonnull(strstr(json, "\"\xC3\xA9t\xC3\xA9\""));
    ck_assert_ptr_nonnull(strstr(json, "\"ok\\ufffd\\ufffd\""));
    ck_assert_ptr_nonnull(strstr(json, "\"\\ufffd\\ufffd\\ufffd\""));
    free(csv);
    free(json);
    custseg_result_free(r);
    custseg_dataset_free(ds);
}
END_TEST

/* Years 1..9999 (UTC) are valid; outside, or impossible dates, are
 * rejected as bad dates and the other rows kept. */
START_TEST(dates_out_of_range)
{
    static const char text[] =
        "c,o,t,a\n"
        "A,1,0000-01-01,1\nA,2,10000-01-01,1\nA,3,2023-02-29,1\n"
        "A,4,2024-02-30,1\nA,5,2024-13-01,1\nA,6,-62135596801,1\n"
        "A,7,253402300800,1\nA,8,9999-12-31T23:59:59-01:00,1\n"
        "A,9,0001-01-01T00:00:00+01:00,1\nA,10,2024-01-01T24:00:01,1\n"
        "A,11,99999999999999999999999,1\nA,12,,1\n"
        "B,13,0001-01-01,1\nB,14,9999-12-31T23:59:59,1\n"
        "C,15,2024-02-29,1\n";
    custseg_dataset *ds = new_cota();
    custseg_result *r;
    int64_t t;

    ck_assert_int_eq(load(ds, text), CUSTSEG_OK);
    ck_assert_int_eq(rejected(ds, CUSTSEG_REJECT_BAD_DATE), 12);
    ck_assert_int_eq(custseg_dataset_rows_accepted(ds), 3);
    r = run(ds, "rfm");
    ck_assert_int_eq(field_of(r, "B", CUSTSEG_FIELD_RECENCY), 1);
    ck_assert_int_eq(field_of(r, "C", CUSTSEG_FIELD_RECENCY),
                     2932897 - 19782);
    ck_assert_int_eq(custseg_parse_time(&t, "10000-01-01"), CUSTSEG_EINVAL);
    ck_assert_int_eq(custseg_dataset_add_transaction(ds, "X", NULL,
                                                     INT64_MAX, 1, NULL),
                     CUSTSEG_EMISUSE); /* frozen by the run */
    custseg_result_free(r);
    custseg_dataset_free(ds);
    ck_assert_int_eq(custseg_dataset_new(&ds), CUSTSEG_OK);
    ck_assert_int_eq(custseg_dataset_add_transaction(ds, "X", NULL,
                                                     INT64_MAX, 1, NULL),
                     CUSTSEG_EINVAL);
    ck_assert_int_eq(custseg_dataset_add_transaction(ds, "X", NULL,
                                                     INT64_MIN, 1, NULL),
                     CUSTSEG_EINVAL);
    ck_assert_uint_eq(custseg_dataset_customer_count(ds), 0);
    custseg_dataset_free(ds);
}
END_TEST

/* NaN, infinities and amounts beyond the int64 money range are bad
 * numbers; a customer total that would overflow fails the freeze with
 * CUSTSEG_ERANGE and a message, instead of wrapping. */
START_TEST(nan_inf_huge_amounts)
{
    static const char text[] =
        "c,o,t,a\nA,1,2024-01-01,NaN\nA,2,2024-01-01,inf\n"
        "A,3,2024-01-01,-Infinity\nA,4,2024-01-01,1e400\n"
        "A,5,2024-01-01,922337203685477.5808\nA,6,2024-01-01,0x10\n"
        "A,7,2024-01-01,1e-400\nB,8,2024-01-01,922337203685477.5807\n"
        "C,9,2024-01-01,-922337203685477.5808\n";
    static const double bad[] = {NAN, INFINITY, -INFINITY, 1e300};
    static const int64_t off[] = {0, 1};
    static const int64_t times[] = {1700000000};
    custseg_dataset *ds = new_cota();
    int64_t v;
    size_t i;

    ck_assert_int_eq(load(ds, text), CUSTSEG_OK);
    /* Text amounts are symmetric: -922337203685477.5808 is out too. */
    ck_assert_int_eq(rejected(ds, CUSTSEG_REJECT_BAD_NUMBER), 7);
    ck_assert_int_eq(custseg_dataset_rows_accepted(ds), 2);
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_int_ne(custseg_dataset_add_columns(ds, 1, "Z", off, NULL,
                                                     NULL, times, NULL,
                                                     &bad[i]), CUSTSEG_OK);
    ck_assert_uint_eq(custseg_dataset_customer_count(ds), 2);
    ck_assert_int_eq(custseg_parse_amount(&v, "nan"), CUSTSEG_EINVAL);
    ck_assert_int_eq(custseg_parse_amount(&v, "1e19"), CUSTSEG_ERANGE);
    /* B's total would pass INT64_MAX ten-thousandths. */
    ck_assert_int_eq(custseg_dataset_add_transaction(ds, "B", NULL,
                                                     1700000000, 1, NULL),
                     CUSTSEG_OK);
    ck_assert_int_eq(custseg_dataset_freeze(ds), CUSTSEG_ERANGE);
    ck_assert_ptr_nonnull(strstr(custseg_dataset_errmsg(ds), "overflow"));
    custseg_dataset_free(ds);
}
END_TEST

/* Every strategy and export over ds (UBSan checks the arithmetic). */
static void all_strategies(custseg_dataset *ds)
{
    static const char *const metrics[] = {"monetary", "frequency", "aov"};
    custseg_strategy *s;
    custseg_result *r;
    int f, m;

    for (m = 0; m < 4; m++) {
        ck_assert_int_eq(custseg_strategy_new(&s, m < 3 ? "decile" : "rfm"),
                         CUSTSEG_OK);
        if (m < 3)
            ck_assert_int_eq(custseg_strategy_set_string(s, "metric",
                                                         metrics[m]), 0);
        else
            ck_assert_int_eq(custseg_strategy_set_string(s, "binning",
                                                         "quantile"), 0);
        ck_assert_msg(custseg_run(&r, s, ds) == CUSTSEG_OK, "%s",
                      custseg_strategy_errmsg(s));
        for (f = CUSTSEG_FORMAT_CSV; f <= CUSTSEG_FORMAT_SEGMENTS_CSV; f++)
            free(export_fmt(r, f, NULL));
        custseg_result_free(r);
        custseg_strategy_free(s);
    }
}

/* Customers at both ends of the money range are segmented and exported;
 * a revenue total beyond it is CUSTSEG_ERANGE with a message, not a
 * wrapped number. */
START_TEST(extreme_totals)
{
    custseg_dataset *ds = new_cota();
    custseg_strategy *s;
    custseg_result *r;

    ck_assert_int_eq(load(ds, "c,o,t,a\nMAX,1,2024-01-01,"
                              "922337203685477.5807\nN,2,2024-01-02,-5\n"
                              "Z,3,2024-01-03,0\n"), CUSTSEG_OK);
    all_strategies(ds);
    custseg_dataset_free(ds);
    ds = new_cota();
    ck_assert_int_eq(load(ds, "c,o,t,a\nP,2,2024-01-02,5\n"
                              "Z,3,2024-01-03,0\n"), CUSTSEG_OK);
    /* INT64_MIN itself only through the API (text amounts are
     * symmetric). */
    ck_assert_int_eq(custseg_dataset_add_transaction(ds, "MIN", NULL,
                                                     1704067200, INT64_MIN,
                                                     NULL), CUSTSEG_OK);
    all_strategies(ds);
    r = run(ds, "rfm");
    ck_assert(field_of(r, "MIN", CUSTSEG_FIELD_MONETARY) == INT64_MIN);
    custseg_result_free(r);
    custseg_dataset_free(ds);
    ds = new_cota();
    ck_assert_int_eq(load(ds, "c,o,t,a\nMAX,1,2024-01-01,"
                              "922337203685477.5807\nS,2,2024-01-02,"
                              "0.0001\n"), CUSTSEG_OK);
    ck_assert_int_eq(custseg_strategy_new(&s, "rfm"), CUSTSEG_OK);
    ck_assert_int_eq(custseg_run(&r, s, ds), CUSTSEG_ERANGE);
    ck_assert_ptr_nonnull(strstr(custseg_strategy_errmsg(s), "overflow"));
    custseg_strategy_free(s);
    custseg_dataset_free(ds);
}
END_TEST

/* Duplicate rows are kept: a line repeated with the same order id adds
 * its amount again but not another order (frequency counts orders). */
START_TEST(duplicate_rows)
{
    custseg_dataset *ds = new_cota();
    custseg_result *r;

    ck_assert_int_eq(load(ds, "c,o,t,a\nA,1,2024-01-01,5\nA,1,2024-01-01,5\n"
                              "B,2,2024-01-01,5\n"), CUSTSEG_OK);
    ck_assert_int_eq(custseg_dataset_rows_accepted(ds), 3);
    r = run(ds, "rfm");
    ck_assert_int_eq(field_of(r, "A", CUSTSEG_FIELD_MONETARY), 10 * E4);
    ck_assert_int_eq(field_of(r, "A", CUSTSEG_FIELD_FREQUENCY), 1);
    custseg_result_free(r);
    custseg_dataset_free(ds);
}
END_TEST

/* An id with commas, quotes and a line end survives CSV export and
 * loading that export again, and is escaped in JSON. */
START_TEST(id_with_commas_and_quotes)
{
    static const char id[] = "ACME, \"the\" shop\r\n2";
    static const char text[] = "c,o,t,a\n\"ACME, \"\"the\"\" shop\r\n2\",1,"
                               "2024-01-01,5\nB,2,2024-01-03,7\n";
    custseg_dataset *ds = new_cota(), *again;
    custseg_result *r, *r2;
    char *csv, *csv2, *json;
    size_t len;

    ck_assert_int_eq(load(ds, text), CUSTSEG_OK);
    r = run(ds, "rfm");
    ck_assert_int_eq(field_of(r, id, CUSTSEG_FIELD_MONETARY), 5 * E4);
    csv = export_fmt(r, CUSTSEG_FORMAT_CSV, &len);
    json = export_fmt(r, CUSTSEG_FORMAT_JSON, NULL);
    ck_assert_ptr_nonnull(strstr(json, "\"ACME, \\\"the\\\" shop"
                                       "\\u000d\\u000a2\""));
    ck_assert_int_eq(custseg_dataset_new(&again), CUSTSEG_OK);
    ck_assert_int_eq(custseg_dataset_map_column(again, "customer",
                                                "customer_id"), 0);
    ck_assert_int_eq(custseg_dataset_map_column(again, "recency",
                                                "recency"), 0);
    ck_assert_int_eq(custseg_dataset_map_column(again, "frequency",
                                                "frequency"), 0);
    ck_assert_int_eq(custseg_dataset_map_column(again, "monetary",
                                                "monetary"), 0);
    ck_assert_int_eq(load_n(again, csv, len), CUSTSEG_OK);
    r2 = run(again, "rfm");
    csv2 = export_fmt(r2, CUSTSEG_FORMAT_CSV, NULL);
    ck_assert_str_eq(csv, csv2);
    free(csv);
    free(csv2);
    free(json);
    custseg_result_free(r);
    custseg_result_free(r2);
    custseg_dataset_free(ds);
    custseg_dataset_free(again);
}
END_TEST

/* 100,000 options set and reset on one strategy: every call is checked,
 * memory stays flat, and the strategy then runs as a fresh one would. */
static void set_options(custseg_strategy *s, int i)
{
    char date[16];

    snprintf(date, sizeof date, "2024-%02d-%02d", i % 12 + 1, i % 28 + 1);
    ck_assert_int_eq(custseg_strategy_set_string(s, "as_of", date), 0);
    ck_assert_int_eq(custseg_strategy_set_int(s, "bins", 2 + i % 9), 0);
    ck_assert_int_eq(custseg_strategy_set_string(s, "binning",
                                                 i % 2 ? "quantile"
                                                       : "ntile"), 0);
}

START_TEST(options_churn)
{
    custseg_dataset *ds = new_cota();
    custseg_strategy *s, *fresh;
    custseg_result *r, *r2;
    char *a, *b;
    long base = 0;
    int i;

    ck_assert_int_eq(load(ds, "c,o,t,a\nA,1,2024-01-01,5\nB,2,2024-02-01,7\n"
                              "C,3,2024-03-01,1\nA,4,2024-03-02,2\n"),
                     CUSTSEG_OK);
    ck_assert_int_eq(custseg_strategy_new(&s, "rfm"), CUSTSEG_OK);
    for (i = 0; i < 100000; i++) {
        set_options(s, i);
        ck_assert_int_eq(custseg_strategy_set_int(s, "bins", 11),
                         CUSTSEG_EINVAL);
        ck_assert_int_eq(custseg_strategy_set_string(s, "binning", "x"),
                         CUSTSEG_EINVAL);
        ck_assert_int_eq(custseg_strategy_add_segment_codes(s, "X", "111"),
                         CUSTSEG_OK);
        custseg_strategy_clear_segments(s);
        if (i == 10)
            base = live;
    }
    ck_assert_int_eq(live, base); /* nothing piles up */
    ck_assert_int_eq(custseg_strategy_new(&fresh, "rfm"), CUSTSEG_OK);
    set_options(fresh, i - 1);
    ck_assert_int_eq(custseg_run(&r, s, ds), CUSTSEG_OK);
    ck_assert_int_eq(custseg_run(&r2, fresh, ds), CUSTSEG_OK);
    a = export_fmt(r, CUSTSEG_FORMAT_JSON, NULL);
    b = export_fmt(r2, CUSTSEG_FORMAT_JSON, NULL);
    ck_assert_str_eq(a, b);
    free(a);
    free(b);
    custseg_result_free(r);
    custseg_result_free(r2);
    custseg_strategy_free(s);
    custseg_strategy_free(fresh);
    custseg_dataset_free(ds);
}
END_TEST

/* A result owns copies of what it reports: with its dataset and strategy
 * freed, every accessor, iterator and export still works (ASan and
 * valgrind check that nothing freed is read). */
START_TEST(result_outlives_dataset)
{
    custseg_dataset *ds = new_cota();
    custseg_result *r;
    custseg_iter *it;
    custseg_member_iter *mi;
    const custseg_segment *seg;
    char *before, *after;
    size_t row, members = 0;
    int f;

    ck_assert_int_eq(load(ds, "c,o,t,a\nA,1,2024-01-01,5\nB,2,2024-02-01,7\n"
                              "\"C,c\",3,2024-03-01,1\n"), CUSTSEG_OK);
    r = run(ds, "rfm");
    before = export_fmt(r, CUSTSEG_FORMAT_JSON, NULL);
    custseg_dataset_free(ds);
    after = export_fmt(r, CUSTSEG_FORMAT_JSON, NULL);
    ck_assert_str_eq(before, after);
    for (f = CUSTSEG_FORMAT_CSV; f <= CUSTSEG_FORMAT_SEGMENTS_CSV; f++)
        free(export_fmt(r, f, NULL));
    ck_assert_str_eq(custseg_result_customer_id(r, 2), "C,c");
    ck_assert_int_eq(custseg_result_find(&row, r, "B"), CUSTSEG_OK);
    ck_assert_str_eq(custseg_result_strategy(r), "rfm");
    ck_assert_int_eq(custseg_result_iter_new(&it, r), CUSTSEG_OK);
    while (custseg_iter_next(&seg, it) == CUSTSEG_OK) {
        ck_assert_ptr_nonnull(custseg_segment_name(seg));
        ck_assert_int_eq(custseg_member_iter_new(&mi, r, seg), CUSTSEG_OK);
        while (custseg_member_iter_next(&row, mi) == CUSTSEG_OK)
            members++;
        custseg_member_iter_free(mi);
    }
    ck_assert_uint_eq(members, 3);
    custseg_iter_free(it);
    custseg_result_free(r);
    free(before);
    free(after);
}
END_TEST

static int set_comma_locale(void)
{
    static const char *const names[] = {"de_DE.UTF-8", "de_DE.utf8",
                                        "de_DE"};
    size_t i;

    for (i = 0; i < sizeof names / sizeof names[0]; i++)
        if (setlocale(LC_ALL, names[i]) != NULL)
            return strcmp(localeconv()->decimal_point, ",") == 0;
    return 0;
}

/* Every format of an rfm run over text, ';'-separated. */
static void rfm_all(const char *text, char *out[4])
{
    custseg_dataset *ds = new_cota();
    custseg_result *r;
    int f;

    ck_assert_int_eq(custseg_dataset_set_string(ds, "delimiter", ";"), 0);
    ck_assert_int_eq(load(ds, text), CUSTSEG_OK);
    ck_assert_int_eq(rejected(ds, CUSTSEG_REJECT_BAD_NUMBER), 1);
    r = run(ds, "rfm");
    for (f = 0; f < 4; f++)
        out[f] = export_fmt(r, f, NULL);
    custseg_result_free(r);
    custseg_dataset_free(ds);
}

/* A host that set a comma-decimal locale changes neither parsing nor
 * output ("1,5" stays a bad number). */
START_TEST(comma_decimal_locale)
{
    static const char text[] = "c;o;t;a\nA;1;2024-01-01;1.5\n"
                               "B;2;2024-02-01T10:00:00+01:00;-2.25\n"
                               "A;3;2024-03-01;1e2\nC;4;2024-03-01;1,5\n";
    char *c_out[4], *de_out[4];
    int64_t v;
    int f;

    rfm_all(text, c_out);
    if (!set_comma_locale()) {
        fprintf(stderr, "skipped: no de_DE locale installed\n");
    } else {
        rfm_all(text, de_out);
        for (f = 0; f < 4; f++) {
            ck_assert_str_eq(de_out[f], c_out[f]);
            free(de_out[f]);
        }
        ck_assert_int_eq(custseg_parse_amount(&v, "1.5"), CUSTSEG_OK);
        ck_assert_int_eq(v, 15000);
        ck_assert_int_eq(custseg_parse_amount(&v, "1,5"), CUSTSEG_EINVAL);
        setlocale(LC_ALL, "C");
    }
    for (f = 0; f < 4; f++)
        free(c_out[f]);
}
END_TEST

int main(void)
{
    static const custseg_allocator hooks = {
        CUSTSEG_ALLOCATOR_VERSION, t_alloc, t_realloc, t_free, NULL
    };
    Suite *s = suite_create("hostile");
    TCase *tc = tcase_create("input");

    if (custseg_set_allocator(&hooks) != CUSTSEG_OK)
        return EXIT_FAILURE;
    tcase_add_test(tc, empty_input);
    tcase_add_test(tc, header_only);
    tcase_add_test(tc, missing_columns);
    tcase_add_test(tc, bom_and_crlf);
    tcase_add_test(tc, unterminated_quote);
    tcase_add_test(tc, embedded_nul);
    tcase_add_test(tc, ten_megabyte_field);
    tcase_add_test(tc, invalid_utf8_ids);
    tcase_add_test(tc, dates_out_of_range);
    tcase_add_test(tc, nan_inf_huge_amounts);
    tcase_add_test(tc, extreme_totals);
    tcase_add_test(tc, duplicate_rows);
    tcase_add_test(tc, id_with_commas_and_quotes);
    tcase_add_test(tc, options_churn);
    tcase_add_test(tc, result_outlives_dataset);
    tcase_add_test(tc, comma_decimal_locale);
    tcase_set_timeout(tc, 60);
    suite_add_tcase(s, tc);
    return tu_run_suite(s);
}
