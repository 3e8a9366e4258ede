/*
 * check_lifecycle_sqlite.c - lifecycle states of all 4,372 Online Retail
 * customers, in both modes and at two as_of dates, against sqlite3
 * queries written from the rules (custseg_strategy_new(3)), run by the
 * sqlite3 command-line tool on the same CSV. The mid-year as_of leaves
 * some customers without a transaction up to it: prospects. Skipped, with
 * a message, when the data or the sqlite3 program is missing.
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

/*
 * One line per customer: id|fixed state|gap state. Days are the dates of
 * InvoiceDate (no time zone: taken as UTC, like the library). Every row
 * with a CustomerID counts, returns included. %s is the as_of expression.
 *   gap   days between consecutive distinct days up to as_of (LAG)
 *   med2  twice a customer's median gap: the middle gap doubled, or the
 *         two middle ones added (rows (n+1)/2 and (n+2)/2 in gap order)
 *   all2  the same over every customer's gaps pooled
 * Limits in gap mode are 1, 2 and 4 times the median: rec <= m * med2 / 2
 * is tested as 2 * rec <= m * med2, exact integers.
 */
static const char script[] =
    ".bail on\n"
    ".mode csv\n"
    ".import %s t\n"
    ".mode list\n"
    ".separator |\n"
    "WITH d AS (SELECT CustomerID AS id, date(InvoiceDate) AS day\n"
    "      FROM t WHERE CustomerID <> ''),\n"
    "a AS (SELECT %s AS as_of),\n"
    "ids AS (SELECT DISTINCT id FROM d),\n"
    "c AS (SELECT id, MIN(day) AS first, MAX(day) AS last FROM d, a\n"
    "      WHERE day <= a.as_of GROUP BY id),\n"
    "m AS (SELECT id,\n"
    "        CAST(julianday(a.as_of) - julianday(first) AS INTEGER) AS age,\n"
    "        CAST(julianday(a.as_of) - julianday(last) AS INTEGER) AS rec\n"
    "      FROM c, a),\n"
    "days AS (SELECT DISTINCT d.id, d.day FROM d, a\n"
    "         WHERE d.day <= a.as_of),\n"
    "g AS (SELECT id, CAST(julianday(day) - julianday(LAG(day) OVER\n"
    "        (PARTITION BY id ORDER BY day)) AS INTEGER) AS gap FROM days),\n"
    "gg AS (SELECT id, gap FROM g WHERE gap IS NOT NULL),\n"
    "r AS (SELECT id, gap,\n"
    "        ROW_NUMBER() OVER (PARTITION BY id ORDER BY gap) AS rn,\n"
    "        COUNT(*) OVER (PARTITION BY id) AS n FROM gg),\n"
    "med AS (SELECT id, CASE WHEN MAX(n) %% 2 = 1 THEN 2 * SUM(gap)\n"
    "        ELSE SUM(gap) END AS med2 FROM r\n"
    "        WHERE rn IN ((n + 1) / 2, (n + 2) / 2) GROUP BY id),\n"
    "pr AS (SELECT gap, ROW_NUMBER() OVER (ORDER BY gap) AS rn,\n"
    "        COUNT(*) OVER () AS n FROM gg),\n"
    "pool AS (SELECT CASE WHEN MAX(n) %% 2 = 1 THEN 2 * SUM(gap)\n"
    "        ELSE SUM(gap) END AS all2 FROM pr\n"
    "        WHERE rn IN ((n + 1) / 2, (n + 2) / 2)),\n"
    "x AS (SELECT ids.id AS id, m.age AS age, m.rec AS rec,\n"
    "        COALESCE(med.med2, pool.all2) AS g2\n"
    "      FROM ids LEFT JOIN m ON m.id = ids.id\n"
    "      LEFT JOIN med ON med.id = ids.id, pool)\n"
    "SELECT id,\n"
    "  CASE WHEN rec IS NULL THEN 'prospect' WHEN age <= 30 THEN 'new'\n"
    "       WHEN rec <= 90 THEN 'active' WHEN rec <= 180 THEN 'at risk'\n"
    "       WHEN rec <= 365 THEN 'dormant' ELSE 'lost' END,\n"
    "  CASE WHEN rec IS NULL THEN 'prospect' WHEN age <= 30 THEN 'new'\n"
    "       WHEN 2 * rec <= 1 * g2 THEN 'active'\n"
    "       WHEN 2 * rec <= 2 * g2 THEN 'at risk'\n"
    "       WHEN 2 * rec <= 4 * g2 THEN 'dormant' ELSE 'lost' END\n"
    "FROM x ORDER BY id;\n";

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
                           const char *mode)
{
    custseg_strategy *s = NULL;
    custseg_result *r = NULL;
    int st;

    ck_assert_int_eq(custseg_strategy_new(&s, "lifecycle"), CUSTSEG_OK);
    if (as_of != NULL)
        ck_assert_int_eq(custseg_strategy_set_string(s, "as_of", as_of),
                         CUSTSEG_OK);
    ck_assert_int_eq(custseg_strategy_set_string(s, "mode", mode),
                     CUSTSEG_OK);
    st = custseg_run(&r, s, ds);
    ck_assert_msg(st == CUSTSEG_OK, "%s", custseg_strategy_errmsg(s));
    ck_assert_uint_eq(custseg_result_customer_count(r), NCUSTOMERS);
    custseg_strategy_free(s);
    return r;
}

static const char *state(const custseg_result *r, const char *id)
{
    const custseg_segment *seg;
    size_t row;

    ck_assert_msg(custseg_result_find(&row, r, id) == CUSTSEG_OK,
                  "%s missing", id);
    ck_assert_int_eq(custseg_result_segment_at(
                         &seg, r, custseg_result_customer_segment(r, row)),
                     CUSTSEG_OK);
    return custseg_segment_name(seg);
}

/* line: id|fixed|gap\n; *prospects counts the prospects seen. */
static void compare_line(char *line, custseg_result *const *r,
                         size_t *prospects)
{
    char *f[3], *p = line;
    int k;

    for (k = 0; k < 3; k++) {
        f[k] = p;
        p += strcspn(p, k < 2 ? "|" : "\n");
        ck_assert_msg(*p != '\0' || k == 2, "sqlite3 printed: %s", line);
        *p++ = '\0';
    }
    for (k = 0; k < 2; k++)
        ck_assert_msg(strcmp(state(r[k], f[0]), f[k + 1]) == 0,
                      "customer %s (%s mode): %s, sqlite %s", f[0],
                      k ? "gap" : "fixed", state(r[k], f[0]), f[k + 1]);
    *prospects += strcmp(f[1], "prospect") == 0;
}

/* Run the script for as_of_sql against the fixed and gap results. */
static size_t check_as_of(const char *data, const char *as_of_sql,
                          custseg_result *const *r)
{
    size_t len = sizeof script + strlen(data) + strlen(as_of_sql);
    char *text = malloc(len), cmd[600], line[256], *path;
    size_t n = 0, prospects = 0;
    FILE *p;

    ck_assert_ptr_nonnull(text);
    snprintf(text, len, script, data, as_of_sql);
    path = tu_write_temp(text, strlen(text));
    ck_assert_ptr_nonnull(path);
    free(text);
    snprintf(cmd, sizeof cmd, "sqlite3 -batch < '%s'", path);
    p = popen(cmd, "r");
    ck_assert_ptr_nonnull(p);
    while (fgets(line, sizeof line, p) != NULL) {
        compare_line(line, r, &prospects);
        n++;
    }
    ck_assert_int_eq(pclose(p), 0);
    ck_assert_uint_eq(n, NCUSTOMERS);
    unlink(path);
    free(path);
    return prospects;
}

START_TEST(lifecycle_matches_sqlite)
{
    static const char *const as_of[2] = {NULL, "2011-06-30"};
    static const char *const sql[2] = {
        "(SELECT date(MAX(day), '+1 day') FROM d)", "'2011-06-30'"};
    const char *data = tu_data_path(RETAIL);
    custseg_dataset *ds;
    custseg_result *r[2];
    char *path;
    int k;

    if (data == NULL || !have_sqlite3())
        return;
    path = strdup(data); /* tu_data_path's buffer is static */
    ck_assert_ptr_nonnull(path);
    ds = load(path);
    for (k = 0; k < 2; k++) {
        size_t prospects;
        r[0] = run(ds, as_of[k], "fixed");
        r[1] = run(ds, as_of[k], "gap");
        prospects = check_as_of(path, sql[k], r);
        /* the default as_of sees everybody; mid-year does not */
        ck_assert(k == 0 ? prospects == 0 : prospects > 0);
        custseg_result_free(r[0]);
        custseg_result_free(r[1]);
    }
    custseg_dataset_free(ds);
    free(path);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("lifecycle_sqlite");
    TCase *tc = tcase_create("sqlite");

    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, lifecycle_matches_sqlite);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(suite());
}
