/*
 * check_golden_rfm.c - quantile binning against the R rfm 0.3.0 golden
 * files in ../shared/data/rfm (README.md there): every row of both order
 * tables (metrics, scores, segment), the reported thresholds, the package's
 * Champions figures, and every score of the 39,999-customer summary table.
 * Skipped, with a message, where the reference data is absent.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "custseg.h"
#include "testutil.h"

/* ------------------------------------------------------------ CSV reader
 * Enough RFC 4180 for the golden files: quoted fields ("" for a quote,
 * ids such as "Abbey O'Reilly"), LF or CRLF line ends. */
typedef struct table {
    char *text;        /* unescaped cells, NUL-terminated */
    char **cell;       /* row-major; row 0 is the header */
    size_t ncols, nrows;
} table;

static char *cell_end(char *p, char **w)
{
    if (*p == '"') {
        for (p++;; p++) {
            if (*p == '"' && p[1] == '"')
                p++;
            else if (*p == '"' || *p == '\0')
                break;
            *(*w)++ = *p;
        }
        if (*p == '"')
            p++;
    } else {
        while (*p != ',' && *p != '\n' && *p != '\r' && *p != '\0')
            *(*w)++ = *p++;
    }
    return p;
}

static void read_table(table *t, const char *path)
{
    size_t len, n = 0, cap = 1024;
    char *p, *w, c;

    memset(t, 0, sizeof *t);
    t->text = tu_read_file(path, &len);
    ck_assert_msg(t->text != NULL, "cannot read %s", path);
    t->cell = malloc(cap * sizeof *t->cell);
    ck_assert_ptr_nonnull(t->cell);
    for (p = w = t->text; *p != '\0';) {
        char *start = w;
        p = cell_end(p, &w);
        if (n == cap) {
            t->cell = realloc(t->cell, (cap *= 2) * sizeof *t->cell);
            ck_assert_ptr_nonnull(t->cell);
        }
        t->cell[n++] = start;
        c = *p;
        *w++ = '\0'; /* w never passes p, but may overwrite *p: c keeps it */
        if (c != '\0')
            p++;
        if (c == ',')
            continue;
        if (c == '\r' && *p == '\n')
            p++;
        if (t->ncols == 0)
            t->ncols = n;
        ck_assert_msg(n % t->ncols == 0, "%s: ragged row %u", path,
                      (unsigned)(n / t->ncols));
    }
    t->nrows = n / t->ncols;
}

static void free_table(table *t)
{
    free(t->cell);
    free(t->text);
}

static size_t col(const table *t, const char *name)
{
    size_t k;

    for (k = 0; k < t->ncols; k++)
        if (strcmp(t->cell[k], name) == 0)
            return k;
    ck_abort_msg("no column %s", name);
    return 0;
}

static const char *at(const table *t, size_t row, size_t k)
{
    return t->cell[row * t->ncols + k];
}

static int64_t num(const table *t, size_t row, size_t k)
{
    return strtoll(at(t, row, k), NULL, 10);
}

/* ------------------------------------------------------------ runs */

static custseg_dataset *load(const char *file, const char *const map[][2],
                             size_t nmap)
{
    custseg_dataset *ds = NULL;
    size_t i;
    int st;

    ck_assert_int_eq(custseg_dataset_new(&ds), CUSTSEG_OK);
    for (i = 0; i < nmap; i++)
        ck_assert_int_eq(custseg_dataset_map_column(ds, map[i][0],
                                                    map[i][1]),
                         CUSTSEG_OK);
    st = custseg_dataset_load_csv(ds, file);
    ck_assert_msg(st == CUSTSEG_OK, "%s: %s", file,
                  custseg_dataset_errmsg(ds));
    return ds;
}

static custseg_dataset *orders(void)
{
    static const char *const map[][2] = {
        {"customer", "customer_id"}, {"time", "order_date"},
        {"amount", "revenue"}};
    const char *path = tu_data_path("rfm/rfm_data_orders.csv");
    custseg_dataset *ds;

    if (path == NULL)
        return NULL;
    ds = load(path, map, 3);
    ck_assert_int_eq(custseg_dataset_rows_accepted(ds), 4906);
    return ds;
}

static custseg_result *run_quantile(custseg_dataset *ds, const char *as_of,
                                    const char *segments)
{
    custseg_strategy *s = NULL;
    custseg_result *r = NULL;
    int st;

    ck_assert_int_eq(custseg_strategy_new(&s, "rfm"), CUSTSEG_OK);
    ck_assert_int_eq(custseg_strategy_set_string(s, "binning", "quantile"),
                     CUSTSEG_OK);
    ck_assert_int_eq(custseg_strategy_set_string(s, "as_of", as_of),
                     CUSTSEG_OK);
    if (segments != NULL) {
        const char *path = tu_data_path(segments);
        ck_assert_ptr_nonnull(path);
        st = custseg_strategy_load_segments(s, path);
        ck_assert_msg(st == CUSTSEG_OK, "%s", custseg_strategy_errmsg(s));
    }
    st = custseg_run(&r, s, ds);
    ck_assert_msg(st == CUSTSEG_OK, "%s", custseg_strategy_errmsg(s));
    custseg_strategy_free(s);
    return r;
}

static int64_t field(const custseg_result *r, size_t row, int f)
{
    int64_t v;

    ck_assert_int_eq(custseg_result_customer_field(&v, r, row, f),
                     CUSTSEG_OK);
    return v;
}

static const char *segment_name(const custseg_result *r, size_t row)
{
    const custseg_segment *seg;

    ck_assert_int_eq(custseg_result_segment_at(
                         &seg, r, custseg_result_customer_segment(r, row)),
                     CUSTSEG_OK);
    return custseg_segment_name(seg);
}

/* The result row of golden row i, by its customer id. */
static size_t row_of(const custseg_result *r, const table *t, size_t i)
{
    size_t row;

    ck_assert_msg(custseg_result_find(&row, r, at(t, i, 0)) == CUSTSEG_OK,
                  "customer %s missing", at(t, i, 0));
    return row;
}

static void expect_eq(const table *t, size_t i, const char *what,
                      int64_t got, int64_t want)
{
    ck_assert_msg(got == want, "%s: %s = %lld, golden %lld", at(t, i, 0),
                  what, (long long)got, (long long)want);
}

/* The R/F/M scores of every golden row, from rfm_score = 100R + 10F + M
 * (and the separate score columns when present). */
static void compare_scores(const custseg_result *r, const table *t)
{
    size_t i, k = col(t, "rfm_score");

    for (i = 1; i < t->nrows; i++) {
        size_t row = row_of(r, t, i);
        int64_t code = num(t, i, k);
        expect_eq(t, i, "R", field(r, row, CUSTSEG_FIELD_R), code / 100);
        expect_eq(t, i, "F", field(r, row, CUSTSEG_FIELD_F), code / 10 % 10);
        expect_eq(t, i, "M", field(r, row, CUSTSEG_FIELD_M), code % 10);
    }
}

static void compare_metrics(const custseg_result *r, const table *t)
{
    size_t i, kr = col(t, "recency_days"), kf = col(t, "transaction_count");
    size_t ka = col(t, "amount"), ks = col(t, "recency_score");
    size_t kfs = col(t, "frequency_score"), kms = col(t, "monetary_score");

    for (i = 1; i < t->nrows; i++) {
        size_t row = row_of(r, t, i);
        int64_t amount;
        ck_assert_int_eq(custseg_parse_amount(&amount, at(t, i, ka)),
                         CUSTSEG_OK);
        expect_eq(t, i, "recency", field(r, row, CUSTSEG_FIELD_RECENCY),
                  num(t, i, kr));
        expect_eq(t, i, "frequency", field(r, row, CUSTSEG_FIELD_FREQUENCY),
                  num(t, i, kf));
        expect_eq(t, i, "amount", field(r, row, CUSTSEG_FIELD_MONETARY),
                  amount);
        expect_eq(t, i, "R", field(r, row, CUSTSEG_FIELD_R), num(t, i, ks));
        expect_eq(t, i, "F", field(r, row, CUSTSEG_FIELD_F), num(t, i, kfs));
        expect_eq(t, i, "M", field(r, row, CUSTSEG_FIELD_M), num(t, i, kms));
    }
}

static void compare_segments(const custseg_result *r, const table *t)
{
    size_t i, k = col(t, "segment");

    for (i = 1; i < t->nrows; i++)
        ck_assert_msg(strcmp(segment_name(r, row_of(r, t, i)),
                             at(t, i, k)) == 0,
                      "%s: segment %s, golden %s", at(t, i, 0),
                      segment_name(r, row_of(r, t, i)), at(t, i, k));
}

static const custseg_segment *segment_named(const custseg_result *r,
                                            const char *name)
{
    const custseg_segment *seg;
    size_t i;

    for (i = 0; i < custseg_result_segment_count(r); i++) {
        ck_assert_int_eq(custseg_result_segment_at(&seg, r, i), CUSTSEG_OK);
        if (strcmp(custseg_segment_name(seg), name) == 0)
            return seg;
    }
    ck_abort_msg("no segment %s", name);
    return NULL;
}

static int64_t segment_orders(const custseg_result *r,
                              const custseg_segment *seg)
{
    custseg_member_iter *it = NULL;
    int64_t sum = 0;
    size_t row;

    ck_assert_int_eq(custseg_member_iter_new(&it, r, seg), CUSTSEG_OK);
    while (custseg_member_iter_next(&row, it) == CUSTSEG_OK)
        sum += field(r, row, CUSTSEG_FIELD_FREQUENCY);
    custseg_member_iter_free(it);
    return sum;
}

/* ------------------------------------------------------------ tests */

START_TEST(orders_readme_segments)
{
    const char *golden = "rfm/golden_rfm_table_order_2006-12-31_readme_"
                         "segments.csv";
    custseg_dataset *ds = orders();
    custseg_result *r;
    table t;

    if (ds == NULL || tu_data_path(golden) == NULL)
        return;
    r = run_quantile(ds, "2006-12-31", "rfm/segments_readme.csv");
    read_table(&t, tu_data_path(golden));
    ck_assert_uint_eq(t.nrows, 996);
    ck_assert_uint_eq(custseg_result_customer_count(r), 995);
    compare_metrics(r, &t);
    compare_scores(r, &t);
    compare_segments(r, &t);
    ck_assert_int_eq(custseg_segment_count(segment_named(r, "Others")), 0);
    free_table(&t);
    custseg_result_free(r);
    custseg_dataset_free(ds);
}
END_TEST

START_TEST(orders_test_segments)
{
    const char *golden = "rfm/golden_rfm_table_order_2006-12-31_test_"
                         "segments.csv";
    custseg_dataset *ds = orders();
    const custseg_segment *champions;
    custseg_result *r;
    table t;

    if (ds == NULL || tu_data_path(golden) == NULL)
        return;
    r = run_quantile(ds, "2006-12-31", "rfm/segments_test.csv");
    read_table(&t, tu_data_path(golden));
    ck_assert_uint_eq(t.nrows, 996);
    compare_scores(r, &t);
    compare_segments(r, &t);
    ck_assert_int_eq(custseg_segment_count(segment_named(r, "Others")), 48);
    /* tests/testthat/test-rfm-segment.R */
    champions = segment_named(r, "Champions");
    ck_assert_int_eq(custseg_segment_count(champions), 158);
    ck_assert_int_eq(segment_orders(r, champions), 1234);
    ck_assert_int_eq(custseg_segment_revenue(champions),
                     (int64_t)120178 * 10000);
    free_table(&t);
    custseg_result_free(r);
    custseg_dataset_free(ds);
}
END_TEST

/* README.md: edges R 1|115|181|297.4|482|977, F 1|4|5|6|8|15,
 * M 12|255.8|382|506.4|666|1489 (bin i: lower_i <= v < upper_i; recency
 * bins count down), and the score counts. */
START_TEST(orders_thresholds)
{
    static const double edge[3][6] = {
        {1, 115, 181, 297.4, 482, 977},
        {1, 4, 5, 6, 8, 15},
        {12, 255.8, 382, 506.4, 666, 1489}};
    static const int64_t counts[3][5] = {
        {197, 200, 199, 199, 200},
        {268, 187, 176, 244, 120},
        {200, 200, 198, 202, 195}};
    custseg_dataset *ds = orders();
    custseg_result *r;
    int v, i;

    if (ds == NULL)
        return;
    r = run_quantile(ds, "2006-12-31", NULL);
    ck_assert_int_eq(custseg_result_bins(r), 5);
    for (v = 0; v < 3; v++)
        for (i = 0; i < 5; i++) {
            int score = v == 0 ? 5 - i : i + 1;
            double lo, hi;
            int64_t n = 0;
            size_t row;
            ck_assert_int_eq(custseg_result_threshold(&lo, &hi, r, v, score),
                             CUSTSEG_OK);
            ck_assert_msg(fabs(lo - edge[v][i]) < 1e-9 &&
                          fabs(hi - edge[v][i + 1]) < 1e-9,
                          "var %d score %d: %.17g..%.17g", v, score, lo, hi);
            for (row = 0; row < custseg_result_customer_count(r); row++)
                n += field(r, row, CUSTSEG_FIELD_R + v) == i + 1;
            ck_assert_int_eq(n, counts[v][i]);
        }
    custseg_result_free(r);
    custseg_dataset_free(ds);
}
END_TEST

/* rfm_table_customer(rfm_data_customer, customer_id, number_of_orders,
 * recency_days, revenue, 2007-01-01): numeric recency is used as given. */
START_TEST(customer_summary)
{
    static const char *const map[][2] = {
        {"customer", "customer_id"}, {"recency", "recency_days"},
        {"frequency", "number_of_orders"}, {"monetary", "revenue"}};
    const char *golden = "rfm/golden_rfm_table_customer_2007-01-01.csv";
    const char *path = tu_data_path("rfm/rfm_data_customer.csv");
    custseg_dataset *ds;
    custseg_result *r;
    table t;

    if (path == NULL || tu_data_path(golden) == NULL)
        return;
    ds = load(tu_data_path("rfm/rfm_data_customer.csv"), map, 4);
    r = run_quantile(ds, "2007-01-01", NULL);
    read_table(&t, tu_data_path(golden));
    ck_assert_uint_eq(t.nrows, 40000);
    ck_assert_uint_eq(custseg_result_customer_count(r), 39999);
    compare_metrics(r, &t);
    compare_scores(r, &t);
    free_table(&t);
    custseg_result_free(r);
    custseg_dataset_free(ds);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("golden_rfm");
    TCase *tc = tcase_create("golden");

    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, orders_readme_segments);
    tcase_add_test(tc, orders_test_segments);
    tcase_add_test(tc, orders_thresholds);
    tcase_add_test(tc, customer_summary);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(suite());
}
