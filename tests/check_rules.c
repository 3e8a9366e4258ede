/*
 * check_rules.c - the rule language of the "prior" strategy: every
 * operator, precedence, SQL-like missing values, metrics and windows,
 * syntax errors with their line and column, and compile-time errors
 * (unknown names, type mismatches) reported before any customer is
 * evaluated.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "custseg.h"
#include "testutil.h"

#define DAY 86400LL
#define E4 10000LL

static int64_t at(const char *date)
{
    int64_t t;

    ck_assert_int_eq(custseg_parse_time(&t, date), CUSTSEG_OK);
    return t;
}

static void tx(custseg_dataset *ds, const char *c, const char *o,
               const char *date, int64_t amount)
{
    ck_assert_int_eq(custseg_dataset_add_transaction(ds, c, o, at(date),
                                                     amount, NULL),
                     CUSTSEG_OK);
}

static void str_attr(custseg_dataset *ds, const char *c, const char *name,
                     const char *v)
{
    ck_assert_int_eq(custseg_dataset_set_attribute_string(ds, c, name, v),
                     CUSTSEG_OK);
}

static void num_attr(custseg_dataset *ds, const char *c, const char *name,
                     double v)
{
    ck_assert_int_eq(custseg_dataset_set_attribute_number(ds, c, name, v),
                     CUSTSEG_OK);
}

/* as_of 2024-03-01. a, b, c and e bought; d is a prospect; c and e have
 * no size; e has no attribute at all.
 *   a  UK              size 50   150.00 in 2 orders, last 2024-02-20
 *   b  DE              size 500  1000.00, 2023-06-01
 *   c  FR                        20.00 - 5.00 return, both 2024-02-28
 *   d  United Kingdom  size 5    no transaction
 *   e                            10.00, 2024-01-01 */
static custseg_dataset *fixture(void)
{
    custseg_dataset *ds = NULL;

    ck_assert_int_eq(custseg_dataset_new(&ds), CUSTSEG_OK);
    tx(ds, "a", "o1", "2024-01-10", 100 * E4);
    tx(ds, "a", "o2", "2024-02-20T10:00:00", 50 * E4);
    tx(ds, "b", "o3", "2023-06-01", 1000 * E4);
    tx(ds, "c", "o4", "2024-02-28", 20 * E4);
    tx(ds, "c", "C5", "2024-02-28T18:00:00", -5 * E4);
    tx(ds, "e", "o6", "2024-01-01", 10 * E4);
    str_attr(ds, "a", "country", "UK");
    str_attr(ds, "b", "country", "DE");
    str_attr(ds, "c", "country", "FR");
    str_attr(ds, "d", "country", "United Kingdom");
    num_attr(ds, "a", "size", 50);
    num_attr(ds, "b", "size", 500);
    num_attr(ds, "d", "size", 5);
    str_attr(ds, "a", "name", "It's \"A\"");
    ck_assert_int_eq(custseg_dataset_add_event(ds, "c", "cart_add",
                                               at("2024-02-27"), NAN),
                     CUSTSEG_OK);
    return ds;
}

static custseg_strategy *prior(const char *expr, int *rc)
{
    custseg_strategy *s = NULL;

    ck_assert_int_eq(custseg_strategy_new(&s, "prior"), CUSTSEG_OK);
    ck_assert_int_eq(custseg_strategy_set_string(s, "as_of", "2024-03-01"),
                     CUSTSEG_OK);
    *rc = custseg_strategy_add_rule(s, "Y", expr);
    return s;
}

/* The ids the rule matches, comma-separated, in id order. */
static const char *match(custseg_dataset *ds, const char *expr)
{
    static char out[256];
    custseg_strategy *s;
    custseg_result *r = NULL;
    size_t i;
    int rc;

    s = prior(expr, &rc);
    ck_assert_msg(rc == CUSTSEG_OK, "%s: %s", expr,
                  custseg_strategy_errmsg(s));
    rc = custseg_run(&r, s, ds);
    ck_assert_msg(rc == CUSTSEG_OK, "%s: %s", expr,
                  custseg_strategy_errmsg(s));
    out[0] = '\0';
    for (i = 0; i < custseg_result_customer_count(r); i++)
        if (custseg_result_customer_segment(r, i) == 0) {
            if (out[0] != '\0')
                strcat(out, ",");
            strcat(out, custseg_result_customer_id(r, i));
        }
    custseg_result_free(r);
    custseg_strategy_free(s);
    return out;
}

static custseg_dataset *ds_;

static void setup(void)
{
    ds_ = fixture();
}

static void teardown(void)
{
    custseg_dataset_free(ds_);
}

#define MATCH(expr, want) ck_assert_str_eq(match(ds_, expr), want)

/* ------------------------------------------------------------ operators */

START_TEST(comparisons)
{
    MATCH("country = \"UK\"", "a");
    MATCH("country != 'UK'", "b,c,d");        /* e: unknown */
    MATCH("country <> 'UK'", "b,c,d");
    MATCH("size < 50", "d");
    MATCH("size <= 50", "a,d");
    MATCH("size > 50", "b");
    MATCH("size >= 500", "b");
    MATCH("size = 5", "d");
    MATCH("country < \"E\"", "b");            /* bytes: "DE" < "E" */
    MATCH("\"E\" > country", "b");            /* literal on the left */
    MATCH("country >= 'UK'", "a,d");
    MATCH("name = 'It\\'s \"A\"'", "a");
    MATCH("customer_id in (\"a\", \"e\")", "a,e");
    MATCH("customer_id >= 'd'", "d,e");
    MATCH("attr(\"size\") > 100", "b");
    MATCH("1 < 2 and 'x' = 'x'", "a,b,c,d,e");
}
END_TEST

START_TEST(lists_ranges_strings)
{
    MATCH("country in (\"DE\", 'FR')", "b,c");
    MATCH("country not in (\"DE\", 'FR')", "a,d");
    MATCH("size in (5, 500, -1)", "b,d");
    MATCH("size not in (5)", "a,b");
    MATCH("monetary between 15 and 150", "a,c");
    MATCH("monetary not between 15 and 150", "b,d,e");
    MATCH("last_purchase between 2024-01-01 and 2024-02-20", "a,e");
    MATCH("country starts_with \"U\"", "a,d");
    MATCH("country ends_with 'dom'", "d");
    MATCH("country contains \"ni\"", "d");
    MATCH("country contains ''", "a,b,c,d");
    MATCH("size is null", "c,e");
    MATCH("size is not null", "a,b,d");
    MATCH("country IS NULL", "e");
}
END_TEST

START_TEST(precedence)
{
    /* and binds tighter than or */
    MATCH("country = 'UK' or country = 'DE' and size > 100", "a,b");
    MATCH("(country = 'UK' or country = 'DE') and size > 100", "b");
    MATCH("size > 100 and country = 'DE' or country = 'FR'", "b,c");
    /* not binds looser than a comparison, tighter than and */
    MATCH("not country = 'UK'", "b,c,d");
    MATCH("not country = 'UK' and size > 1", "b,d");
    MATCH("not not country = 'UK'", "a");
    /* * / before + -, unary minus, left to right */
    MATCH("size + 10 * 2 = 70", "a");
    MATCH("(size + 10) * 2 = 120", "a");
    MATCH("size - 10 - 20 = 20", "a");
    MATCH("size / 5 / 2 = 5", "a");
    MATCH("-size < -100", "b");
    MATCH("- -size = 50", "a");
    /* keywords in any case */
    MATCH("country = 'UK' AND NOT size IS NULL", "a");
    MATCH("size > 100 Or country = 'FR'", "b,c");
    /* comments */
    MATCH("size > 100 # or everyone\n or country = 'FR'", "b,c");
}
END_TEST

START_TEST(missing_values)
{
    /* three-valued logic: unknown or true is true, unknown and false is
     * false, not unknown is unknown */
    MATCH("size > 100 or country = 'FR'", "b,c");
    MATCH("not (size > 100)", "a,d");
    MATCH("size > 100 and country = 'XX'", "");
    MATCH("not (size > 100 and country = 'XX')", "a,b,c,d");
    MATCH("not (size > 100 or country = 'XX')", "a,d");
    /* x / 0 is unknown, as in SQL */
    MATCH("monetary / frequency >= 0", "a,b,c,e");
    MATCH("aov = 75", "a");
    MATCH("aov is null", "d");
    /* no purchase: recency, tenure, dates unknown; counts are 0 */
    MATCH("recency is null", "d");
    MATCH("tenure is null or first_purchase is null", "d");
    MATCH("frequency = 0 and monetary = 0", "d");
    MATCH("orders(10000) = 0", "d");
}
END_TEST

START_TEST(metrics_and_windows)
{
    MATCH("recency <= 10", "a,c");
    MATCH("recency = 60", "e");
    MATCH("frequency = 2", "a,c");
    MATCH("monetary = 15", "c");
    MATCH("tenure > 100", "b");
    MATCH("tenure = 51", "a");
    MATCH("last_purchase >= 2024-02-01", "a,c");
    MATCH("first_purchase < date(\"2023-12-31T23:00:00\")", "b");
    /* windows are measured as recency is: recency <= N iff orders(N) */
    MATCH("orders(10) >= 1", "a,c");
    MATCH("orders(9) >= 1", "c");
    MATCH("orders(60) = 2", "a,c");
    MATCH("orders(0) >= 1", "");
    MATCH("revenue(30) > 14.99", "a,c");
    MATCH("revenue(10) = 15", "c");
    MATCH("revenue(365) = monetary", "a,b,c,d,e");
    MATCH("events('cart_add', 3) = 1", "c");
    MATCH("events('cart_add', 1) = 1", "");
    MATCH("events('cart_add') = 0", "a,b,d,e");
    MATCH("days_since('cart_add') = 3", "c");
    MATCH("days_since('cart_add') is null", "a,b,d,e");
    /* c added to its cart on 02-27 and bought twice on 02-28 */
    MATCH("orders_after('cart_add') = 2", "c");
    MATCH("orders_after('cart_add', 1) = 1", "c");
    MATCH("orders_after('cart_add', 0) = 0", "c");
    MATCH("orders_after('cart_add') is null", "a,b,d,e");
}
END_TEST

/* ------------------------------------------------------------ errors */

static void syntax(const char *expr, int64_t line, int64_t col,
                   const char *what)
{
    custseg_strategy *s;
    int rc;

    s = prior(expr, &rc);
    ck_assert_msg(rc == CUSTSEG_EPARSE, "%s: %d", expr, rc);
    ck_assert_msg(strstr(custseg_strategy_errmsg(s), what) != NULL,
                  "%s: message %s", expr, custseg_strategy_errmsg(s));
    ck_assert_msg(strstr(custseg_strategy_errmsg(s), "rule \"Y\"") != NULL,
                  "%s", custseg_strategy_errmsg(s));
    ck_assert_int_eq(custseg_strategy_error_line(s), line);
    ck_assert_msg(custseg_strategy_error_column(s) == col,
                  "%s: column %lld, want %lld", expr,
                  (long long)custseg_strategy_error_column(s),
                  (long long)col);
    custseg_strategy_free(s);
}

START_TEST(syntax_errors)
{
    syntax("country = ", 1, 11, "expected a name, number, string, date "
           "or '(', found end of rule");
    syntax("size > 5 5", 1, 10, "expected 'and', 'or' or end of rule, "
           "found '5'");
    syntax("(size > 5", 1, 10, "expected ')'");
    syntax("country in \"UK\"", 1, 12, "expected '(' to start the list");
    syntax("country in ('a' 'b')", 1, 17, "expected ',' or ')' in the "
           "list");
    syntax("size between 1 or 5", 1, 16, "expected 'and' in 'between");
    syntax("size is 5", 1, 9, "expected 'null' or 'not null'");
    syntax("size not 5", 1, 10, "expected 'in' or 'between' after 'not'");
    syntax("country = \"UK", 1, 11, "string is not closed");
    syntax("country = 'a\\qb'", 1, 11, "unknown escape");
    syntax("size > 5 @", 1, 10, "unexpected character");
    syntax("size > 90d", 1, 8, "not a valid number");
    syntax("last_purchase > 2024-13-01", 1, 17, "not a valid date");
    syntax("size < 1 < 2", 1, 10, "found '<'");
    syntax("orders(1 2)", 1, 10, "',' or ')' in the arguments");
    syntax("", 1, 1, "empty rule");
    syntax("  # only a comment", 1, 19, "empty rule");
    syntax("size > 5 and\n   (country = )", 2, 15, "found ')'");
    syntax("size > 5 and\r\n\tnot", 2, 5, "found end of rule");
}
END_TEST

START_TEST(nesting_limit)
{
    char expr[512];
    custseg_strategy *s;
    int rc, i;

    for (i = 0; i < 150; i++)
        expr[i] = '(';
    strcpy(expr + 150, "size > 1");
    s = prior(expr, &rc);
    ck_assert_int_eq(rc, CUSTSEG_EPARSE);
    ck_assert_ptr_nonnull(strstr(custseg_strategy_errmsg(s), "nested"));
    custseg_strategy_free(s);
}
END_TEST

/* Errors found when the rules are compiled for the dataset. */
static void compile_error(const char *expr, int status, int64_t col,
                          const char *what)
{
    custseg_strategy *s;
    custseg_result *r = (custseg_result *)&r;
    int rc;

    s = prior(expr, &rc);
    ck_assert_msg(rc == CUSTSEG_OK, "%s: %s", expr,
                  custseg_strategy_errmsg(s));
    rc = custseg_run(&r, s, ds_);
    ck_assert_msg(rc == status, "%s: status %d: %s", expr, rc,
                  custseg_strategy_errmsg(s));
    ck_assert_ptr_null(r);
    ck_assert_msg(strstr(custseg_strategy_errmsg(s), what) != NULL,
                  "%s: message %s", expr, custseg_strategy_errmsg(s));
    ck_assert_int_eq(custseg_strategy_error_line(s), 1);
    ck_assert_msg(custseg_strategy_error_column(s) == col,
                  "%s: column %lld", expr,
                  (long long)custseg_strategy_error_column(s));
    custseg_strategy_free(s);
}

START_TEST(compile_errors)
{
    compile_error("cuntry = 'UK'", CUSTSEG_EINVAL, 1,
                  "unknown name 'cuntry'");
    compile_error("size > 1 and attr('nope') = 1", CUSTSEG_EINVAL, 19,
                  "unknown name 'nope'");
    compile_error("sized(3) > 1", CUSTSEG_EINVAL, 1,
                  "unknown function 'sized'");
    compile_error("country > 5", CUSTSEG_EINVAL, 9,
                  "cannot compare a string with a number");
    compile_error("last_purchase > 5", CUSTSEG_EINVAL, 15,
                  "cannot compare a date with a number");
    compile_error("size = 'UK'", CUSTSEG_EINVAL, 6,
                  "cannot compare a number with a string");
    compile_error("size and country = 'UK'", CUSTSEG_EINVAL, 6,
                  "'and' needs conditions, not a number");
    compile_error("size + country > 1", CUSTSEG_EINVAL, 6,
                  "arithmetic needs numbers");
    compile_error("frequency", CUSTSEG_EINVAL, 1,
                  "a rule must be a condition, not a number");
    compile_error("(size > 1) = (size > 2)", CUSTSEG_EINVAL, 12,
                  "cannot compare a condition");
    compile_error("country in (1, 2)", CUSTSEG_EINVAL, 13,
                  "the list must hold literals");
    compile_error("size in (1, size)", CUSTSEG_EINVAL, 13,
                  "the list must hold literals");
    compile_error("country starts_with country", CUSTSEG_EINVAL, 21,
                  "take a quoted string");
    compile_error("size between 'a' and 5", CUSTSEG_EINVAL, 6,
                  "'between' needs three numbers or three dates");
    compile_error("events('nope') > 0", CUSTSEG_EINVAL, 8,
                  "unknown event 'nope'");
    compile_error("events(cart_add) > 0", CUSTSEG_EINVAL, 8,
                  "must be a quoted string");
    compile_error("orders(-1) > 0", CUSTSEG_EINVAL, 8,
                  "whole number from 0 to 100000");
    compile_error("orders(1.5) > 0", CUSTSEG_EINVAL, 8,
                  "whole number");
    compile_error("orders() > 0", CUSTSEG_EINVAL, 1, "orders takes one");
    compile_error("date('soon') > first_purchase", CUSTSEG_EINVAL, 6,
                  "'soon' is not a date");
    compile_error("r_score > 3", CUSTSEG_EMISUSE, 1,
                  "r_score needs RFM scores");
    compile_error("size > 1 or -country = 1", CUSTSEG_EINVAL, 13,
                  "'-' needs a number");
}
END_TEST

START_TEST(error_names_rule_and_file)
{
    static const char text[] =
        "# segments\n"
        "\n"
        "Big: size > 100\n"
        "  Broken rule :  country = 'UK' and or\n";
    custseg_strategy *s = NULL;

    ck_assert_int_eq(custseg_strategy_new(&s, "prior"), CUSTSEG_OK);
    ck_assert_int_eq(custseg_strategy_load_rules_buffer(s, text,
                                                        strlen(text),
                                                        "seg.rules"),
                     CUSTSEG_EPARSE);
    ck_assert_str_eq(custseg_strategy_errmsg(s),
                     "seg.rules:4:37: rule \"Broken rule\": expected a "
                     "name, number, string, date or '(', found 'or'");
    ck_assert_int_eq(custseg_strategy_error_line(s), 4);
    ck_assert_int_eq(custseg_strategy_error_column(s), 37);
    custseg_strategy_free(s);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("rules");
    TCase *tc = tcase_create("language");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, comparisons);
    tcase_add_test(tc, lists_ranges_strings);
    tcase_add_test(tc, precedence);
    tcase_add_test(tc, missing_values);
    tcase_add_test(tc, metrics_and_windows);
    tcase_add_test(tc, syntax_errors);
    tcase_add_test(tc, nesting_limit);
    tcase_add_test(tc, compile_errors);
    tcase_add_test(tc, error_names_rule_and_file);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(suite());
}
