/*
 * check_ntile_sqlite.c - ntile scores and deciles of all 4,372 Online
 * Retail customers against sqlite3's own NTILE, computed here from the
 * same CSV by the sqlite3 command-line tool. Skipped, with a message,
 * when the data or the sqlite3 program is missing.
 */
#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "custseg.h"
#include "testutil.h"

#define RETAIL "online_retail/online_retail_spark_byday_concat.csv"
#define NCUSTOMERS 4372

/* Per customer: recency and frequency as the library defines them
 * (DESIGN.md), and the window functions exactly as DESIGN.md writes them.
 * The CSV is imported as TEXT columns, so ORDER BY ..., CustomerID compares
 * ids with memcmp, i.e. as bytes, like the library.
 *
 * Monetary is an exact integer in ten-thousandths. UnitPrice has at most
 * three decimals in this file (README.md), so UnitPrice * 10000 is within
 * far less than 0.5 of an integer as a double and ROUND gives the exact
 * price in 1e-4 units; Quantity is an integer, so the product and the SUM
 * are exact 64-bit integer arithmetic. Such a product needs no rounding to
 * 4 places, so it equals the library's quantity x price rounded half to
 * even. Recency subtracts two midnight julian days: an exact integer. */
static const char script[] =
    ".bail on\n"
    ".mode csv\n"
    ".import %s t\n"
    ".mode list\n"
    ".separator |\n"
    "WITH c AS (\n"
    "  SELECT CustomerID AS id, date(MAX(InvoiceDate)) AS last,\n"
    "         COUNT(DISTINCT InvoiceNo) AS frequency,\n"
    "         SUM(CAST(Quantity AS INTEGER) *\n"
    "             CAST(ROUND(CAST(UnitPrice AS REAL) * 10000) AS INTEGER))\n"
    "           AS monetary\n"
    "  FROM t WHERE CustomerID <> '' GROUP BY CustomerID),\n"
    "a AS (SELECT date(MAX(InvoiceDate), '+1 day') AS as_of\n"
    "      FROM t WHERE CustomerID <> ''),\n"
    "m AS (SELECT id, CAST(julianday(a.as_of) - julianday(c.last)\n"
    "                      AS INTEGER) AS recency, frequency, monetary\n"
    "      FROM c, a)\n"
    "SELECT id, recency, frequency, monetary,\n"
    "  NTILE(5) OVER (ORDER BY recency DESC, id),\n"
    "  NTILE(5) OVER (ORDER BY frequency, id),\n"
    "  NTILE(5) OVER (ORDER BY monetary, id),\n"
    "  NTILE(10) OVER (ORDER BY monetary DESC, id)\n"
    "FROM m ORDER BY id;\n";

static bool have_sqlite3(void)
{
    FILE *p = popen("command -v sqlite3 2>/dev/null", "r");
    char buf[512];
    bool found;

    if (p == NULL)
        return false;
    found = fgets(buf, sizeof buf, p) != NULL;
    pclose(p);
    if (!found)
        fprintf(stderr, "skipped: sqlite3 is not on PATH\n");
    return found;
}

static custseg_result *run(custseg_dataset *ds, const char *name)
{
    custseg_strategy *s = NULL;
    custseg_result *r = NULL;
    int st;

    ck_assert_int_eq(custseg_strategy_new(&s, name), CUSTSEG_OK);
    if (strcmp(name, "rfm") == 0)
        ck_assert_int_eq(custseg_strategy_set_string(s, "binning", "ntile"),
                         CUSTSEG_OK);
    st = custseg_run(&r, s, ds);
    ck_assert_msg(st == CUSTSEG_OK, "%s", custseg_strategy_errmsg(s));
    custseg_strategy_free(s);
    return r;
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

static int64_t field(const custseg_result *r, size_t row, int f)
{
    int64_t v;

    ck_assert_int_eq(custseg_result_customer_field(&v, r, row, f),
                     CUSTSEG_OK);
    return v;
}

/* One output line: id|recency|frequency|monetary|r|f|m|decile. */
static void compare_line(char *line, const custseg_result *rfm,
                         const custseg_result *dec)
{
    static const int fields[7] = {
        CUSTSEG_FIELD_RECENCY, CUSTSEG_FIELD_FREQUENCY,
        CUSTSEG_FIELD_MONETARY, CUSTSEG_FIELD_R, CUSTSEG_FIELD_F,
        CUSTSEG_FIELD_M, CUSTSEG_FIELD_DECILE};
    static const char *const names[7] = {"recency", "frequency", "monetary",
                                         "r", "f", "m", "decile"};
    char *bar = strchr(line, '|'), *p;
    size_t row, drow;
    int k;

    ck_assert_msg(bar != NULL, "sqlite3 printed: %s", line);
    *bar = '\0';
    ck_assert_msg(custseg_result_find(&row, rfm, line) == CUSTSEG_OK,
                  "%s missing", line);
    ck_assert_int_eq(custseg_result_find(&drow, dec, line), CUSTSEG_OK);
    for (p = bar + 1, k = 0; k < 7; k++) {
        int64_t want = strtoll(p, &p, 10);
        int64_t got = k < 6 ? field(rfm, row, fields[k])
                            : field(dec, drow, fields[k]);
        ck_assert_msg(got == want, "customer %s: %s %lld, sqlite %lld",
                      line, names[k], (long long)got, (long long)want);
        ck_assert(*p == (k < 6 ? '|' : '\n'));
        p++;
    }
}

START_TEST(ntile_matches_sqlite)
{
    const char *data = tu_data_path(RETAIL);
    char text[sizeof script + 512], cmd[600], line[256], *path;
    custseg_dataset *ds;
    custseg_result *rfm, *dec;
    size_t n = 0;
    FILE *p;

    if (data == NULL || !have_sqlite3())
        return;
    ds = load(data);
    rfm = run(ds, "rfm");
    dec = run(ds, "decile");
    ck_assert_uint_eq(custseg_result_customer_count(rfm), NCUSTOMERS);
    snprintf(text, sizeof text, script, tu_data_path(RETAIL));
    path = tu_write_temp(text, strlen(text));
    ck_assert_ptr_nonnull(path);
    snprintf(cmd, sizeof cmd, "sqlite3 -batch < '%s'", path);
    p = popen(cmd, "r");
    ck_assert_ptr_nonnull(p);
    while (fgets(line, sizeof line, p) != NULL) {
        compare_line(line, rfm, dec);
        n++;
    }
    ck_assert_int_eq(pclose(p), 0);
    ck_assert_uint_eq(n, NCUSTOMERS);
    unlink(path);
    free(path);
    custseg_result_free(rfm);
    custseg_result_free(dec);
    custseg_dataset_free(ds);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("ntile_sqlite");
    TCase *tc = tcase_create("sqlite");

    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, ntile_matches_sqlite);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(suite());
}
