/*
 * check_value_data.c - value tiers of the Online Retail customers against
 * an independent cumulative sum: this file reads the CSV itself with a
 * tiny reader (no library code), totals Quantity x UnitPrice per customer
 * in exact ten-thousandths, orders customers by value descending then id,
 * and cuts at the thresholds with integer arithmetic. The boundary
 * customer (the one whose own value crosses 80%) is checked by name.
 * Skipped, with a message, when the data is missing.
 */
#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "custseg.h"
#include "testutil.h"

#define RETAIL "online_retail/online_retail_spark_byday_concat.csv"
#define NCUSTOMERS 4372
#define NFIELDS 8
#define F_QUANTITY 3
#define F_DATE 4
#define F_PRICE 5
#define F_CUSTOMER 6

typedef struct cust {
    char id[16];
    int64_t value;  /* net Quantity x UnitPrice, ten-thousandths */
} cust;

/* ------------------------------------------------------ the tiny reader */

/* Split one line into fields in place (RFC 4180 quotes; no field of this
 * file spans lines). Returns the number of fields. */
static int split(char *line, char **field)
{
    char *r = line, *w = line;
    int n = 0;

    for (;;) {
        bool quoted = *r == '"';
        field[n++] = w;
        r += quoted;
        while (*r != '\0' && *r != '\n' && (quoted || *r != ',')) {
            if (quoted && *r == '"' && r[1] == '"')
                r++;
            else if (quoted && *r == '"') {
                quoted = false;
                r++;
                continue;
            }
            *w++ = *r++;
        }
        if (*r != ',' || n == NFIELDS + 1)
            break;
        *w++ = '\0';
        r++;
    }
    *w = '\0';
    return n;
}

/* "[-]digits[.digits]" with at most 4 decimals, exactly. */
static int64_t price_e4(const char *s)
{
    bool neg = *s == '-';
    int64_t v = 0;
    int places = -1;

    for (s += neg; *s != '\0'; s++) {
        if (*s == '.') {
            places = 0;
            continue;
        }
        ck_assert_msg(*s >= '0' && *s <= '9', "price %s", s);
        v = v * 10 + (*s - '0');
        places += places >= 0;
    }
    ck_assert_int_le(places, 4);
    for (places = places < 0 ? 0 : places; places < 4; places++)
        v *= 10;
    return neg ? -v : v;
}

static int by_id(const void *a, const void *b)
{
    return strcmp(((const cust *)a)->id, ((const cust *)b)->id);
}

/* Value descending, then id bytes ascending (strcmp compares bytes as
 * unsigned char, as the library does). */
static int by_value(const void *a, const void *b)
{
    const cust *x = a, *y = b;

    if (x->value != y->value)
        return x->value > y->value ? -1 : 1;
    return strcmp(x->id, y->id);
}

/* Per customer totals of the rows dated on or before as_of (NULL: all),
 * sorted by value descending then id. */
static cust *read_customers(const char *path, const char *as_of, size_t *n)
{
    FILE *f = fopen(path, "r");
    char line[2048], *field[NFIELDS + 1];
    cust *rows = NULL;
    size_t nrows = 0, cap = 0, i, k = 0;

    ck_assert_ptr_nonnull(f);
    ck_assert_ptr_nonnull(fgets(line, sizeof line, f)); /* header */
    while (fgets(line, sizeof line, f) != NULL) {
        ck_assert_int_eq(split(line, field), NFIELDS);
        if (field[F_CUSTOMER][0] == '\0' ||
            (as_of != NULL && strncmp(field[F_DATE], as_of, 10) > 0))
            continue;
        if (nrows == cap) {
            rows = realloc(rows, (cap = cap ? cap * 2 : 4096) * sizeof *rows);
            ck_assert_ptr_nonnull(rows);
        }
        ck_assert_uint_lt(strlen(field[F_CUSTOMER]), sizeof rows->id);
        strcpy(rows[nrows].id, field[F_CUSTOMER]);
        rows[nrows++].value = strtoll(field[F_QUANTITY], NULL, 10) *
                              price_e4(field[F_PRICE]);
    }
    fclose(f);
    qsort(rows, nrows, sizeof *rows, by_id);
    for (i = 0; i < nrows; i++) { /* sum runs of equal ids */
        if (k > 0 && strcmp(rows[k - 1].id, rows[i].id) == 0)
            rows[k - 1].value += rows[i].value;
        else
            rows[k++] = rows[i];
    }
    qsort(rows, k, sizeof *rows, by_value);
    *n = k;
    return rows;
}

/* ------------------------------------------------------ the comparison */

/* Tier of each customer (in value order) for cut points pct[] in percent:
 * the first t with cum_before * 100 < pct[t] * T, else the last; values
 * <= 0 always the last. T is below 10^11 here, so int64 is plenty. */
static void reference_tiers(const cust *c, size_t n, const int *pct,
                            int ncut, int *tier)
{
    int64_t total = 0, cum = 0;
    size_t i;

    for (i = 0; i < n; i++)
        total += c[i].value > 0 ? c[i].value : 0;
    for (i = 0; i < n; i++) {
        int t = 0;
        if (c[i].value <= 0) {
            tier[i] = ncut;
            continue;
        }
        while (t < ncut && cum * 100 >= (int64_t)pct[t] * total)
            t++;
        tier[i] = t;
        cum += c[i].value;
    }
}

static custseg_dataset *load(const char *path)
{
    static const char *const map[][2] = {
        {"customer", "CustomerID"}, {"order", "InvoiceNo"},
        {"time", "InvoiceDate"}, {"quantity", "Quantity"},
        {"price", "UnitPrice"}};
    custseg_dataset *ds = NULL;
    size_t i;
    int st;

    ck_assert_int_eq(custseg_dataset_new(&ds), CUSTSEG_OK);
    for (i = 0; i < 5; i++)
        ck_assert_int_eq(custseg_dataset_map_column(ds, map[i][0],
                                                    map[i][1]),
                         CUSTSEG_OK);
    st = custseg_dataset_load_csv(ds, path);
    ck_assert_msg(st == CUSTSEG_OK, "%s", custseg_dataset_errmsg(ds));
    return ds;
}

static custseg_result *run(custseg_dataset *ds, const char *as_of,
                           const char *thresholds, const char *tiers)
{
    custseg_strategy *s = NULL;
    custseg_result *r = NULL;
    int st;

    ck_assert_int_eq(custseg_strategy_new(&s, "value"), CUSTSEG_OK);
    if (as_of != NULL)
        ck_assert_int_eq(custseg_strategy_set_string(s, "as_of", as_of),
                         CUSTSEG_OK);
    if (thresholds != NULL)
        ck_assert_int_eq(custseg_strategy_set_string(s, "thresholds",
                                                     thresholds),
                         CUSTSEG_OK);
    if (tiers != NULL)
        ck_assert_int_eq(custseg_strategy_set_string(s, "tiers", tiers),
                         CUSTSEG_OK);
    st = custseg_run(&r, s, ds);
    ck_assert_msg(st == CUSTSEG_OK, "%s", custseg_strategy_errmsg(s));
    custseg_strategy_free(s);
    return r;
}

static size_t row_of(const custseg_result *r, const char *id)
{
    size_t row;

    ck_assert_msg(custseg_result_find(&row, r, id) == CUSTSEG_OK,
                  "customer %s missing", id);
    return row;
}

static void compare(const custseg_result *r, const cust *c, size_t n,
                    const int *tier)
{
    size_t i, row;
    int64_t v;

    ck_assert_uint_eq(custseg_result_customer_count(r), n);
    for (i = 0; i < n; i++) {
        row = row_of(r, c[i].id);
        ck_assert_int_eq(custseg_result_customer_field(
                             &v, r, row, CUSTSEG_FIELD_VALUE),
                         CUSTSEG_OK);
        ck_assert_msg(v == c[i].value, "%s: value %lld, want %lld",
                      c[i].id, (long long)v, (long long)c[i].value);
        ck_assert_msg(custseg_result_customer_segment(r, row) ==
                          (size_t)tier[i],
                      "%s (rank %zu): tier %zu, want %d", c[i].id, i + 1,
                      custseg_result_customer_segment(r, row), tier[i]);
    }
}

/* The customer whose own value takes the cumulative share from below
 * pct% to pct% or more: index into c. */
static size_t boundary(const cust *c, size_t n, int pct)
{
    int64_t total = 0, cum = 0;
    size_t i;

    for (i = 0; i < n; i++)
        total += c[i].value > 0 ? c[i].value : 0;
    for (i = 0; i < n; i++) {
        if ((cum + c[i].value) * 100 >= (int64_t)pct * total)
            return i;
        cum += c[i].value;
    }
    ck_abort_msg("no boundary customer");
    return 0;
}

static void check_boundary(const custseg_result *r, const cust *c,
                           size_t n, int pct, size_t tier)
{
    size_t b = boundary(c, n, pct);

    fprintf(stderr, "boundary at %d%%: rank %zu, customer %s\n", pct,
            b + 1, c[b].id);
    ck_assert_uint_eq(custseg_result_customer_segment(r, row_of(r, c[b].id)),
                      tier);
    ck_assert_uint_eq(custseg_result_customer_segment(
                          r, row_of(r, c[b + 1].id)),
                      tier + 1);
}

START_TEST(default_abc)
{
    static const int pct[] = {80, 95};
    const char *path = tu_data_path(RETAIL);
    custseg_dataset *ds;
    custseg_result *r;
    size_t n;
    cust *c;
    int *tier;

    if (path == NULL)
        return;
    c = read_customers(path, NULL, &n);
    ck_assert_uint_eq(n, NCUSTOMERS);
    tier = malloc(n * sizeof *tier);
    ck_assert_ptr_nonnull(tier);
    reference_tiers(c, n, pct, 2, tier);
    ck_assert_int_eq(tier[n - 1], 2); /* some customers net <= 0 */
    ds = load(path);
    r = run(ds, NULL, NULL, NULL);
    compare(r, c, n, tier);
    check_boundary(r, c, n, 80, 0);
    check_boundary(r, c, n, 95, 1);
    custseg_result_free(r);
    custseg_dataset_free(ds);
    free(tier);
    free(c);
}
END_TEST

/* An earlier snapshot, other cut points and names: only transactions up
 * to as_of count, and customers without any are not tiered. */
START_TEST(as_of_custom)
{
    static const int pct[] = {50, 90};
    const char *path = tu_data_path(RETAIL);
    const custseg_segment *seg;
    custseg_dataset *ds;
    custseg_result *r;
    size_t n;
    cust *c;
    int *tier;

    if (path == NULL)
        return;
    c = read_customers(path, "2011-06-30", &n);
    ck_assert_uint_lt(n, NCUSTOMERS);
    tier = malloc(n * sizeof *tier);
    ck_assert_ptr_nonnull(tier);
    reference_tiers(c, n, pct, 2, tier);
    ds = load(path);
    r = run(ds, "2011-06-30", "0.5,0.9", "top,mid,low");
    compare(r, c, n, tier);
    check_boundary(r, c, n, 50, 0);
    ck_assert_int_eq(custseg_result_segment_at(&seg, r, 0), CUSTSEG_OK);
    ck_assert_str_eq(custseg_segment_name(seg), "top");
    custseg_result_free(r);
    custseg_dataset_free(ds);
    free(tier);
    free(c);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("value_data");
    TCase *tc = tcase_create("online_retail");

    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, default_abc);
    tcase_add_test(tc, as_of_custom);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(suite());
}
