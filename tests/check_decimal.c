/*
 * check_decimal.c - fixed-point money: parsing, products, quotients and
 * printing, with the rounding edge cases worked out by hand.
 */
#include "internal.h"
#include "testutil.h"

#include <check.h>
#include <math.h>
#include <string.h>

static int e4(const char *s, int64_t *out)
{
    return custseg__parse_e4(s, strlen(s), out);
}

static void expect_e4(const char *s, int64_t want)
{
    int64_t v = -1;

    ck_assert_msg(e4(s, &v) == CUSTSEG_OK, "\"%s\" rejected", s);
    ck_assert_msg(v == want, "\"%s\": got %lld, want %lld", s, (long long)v,
                  (long long)want);
}

static void expect_e4_fail(const char *s, int rc)
{
    int64_t v = 777;

    ck_assert_msg(e4(s, &v) == rc, "\"%s\": wrong status", s);
    ck_assert_msg(v == 777, "\"%s\": output written on failure", s);
}

START_TEST(parse_plain)
{
    expect_e4("12.3456", 123456);
    expect_e4("-7", -70000);
    expect_e4("+1.5", 15000);
    expect_e4("0", 0);
    expect_e4("-0", 0);
    expect_e4("-0.0", 0);
    expect_e4(".5", 5000);
    expect_e4("5.", 50000);
    expect_e4("-.25", -2500);
    expect_e4("00012.50", 125000);
    expect_e4("35.90", 359000);
    expect_e4("922337203685477.5807", INT64_MAX);
    expect_e4("-922337203685477.5807", -INT64_MAX);
    expect_e4("123456789012345", 1234567890123450000LL);
}
END_TEST

START_TEST(parse_rounding)
{
    /* Beyond four places: half to even. */
    expect_e4("0.00005", 0);     /* 0.5 -> 0 */
    expect_e4("0.00015", 2);     /* 1.5 -> 2 */
    expect_e4("0.00025", 2);     /* 2.5 -> 2 */
    expect_e4("0.00035", 4);     /* 3.5 -> 4 */
    expect_e4("0.000250000000000000000001", 3); /* just above half */
    expect_e4("0.00024999", 2);
    expect_e4("-0.00015", -2);
    expect_e4("-0.00025", -2);
    expect_e4("-0.000251", -3);
    expect_e4("1.23456789", 12346);
    expect_e4("2.99995", 30000); /* 29999.5 -> 30000 */
    expect_e4("2.99985", 29998); /* 29998.5 -> 29998 */
    expect_e4("0.0000499999", 0);
    /* At the top of the range: ...5806.5 stays (even), ...5807.5 would
     * round up past INT64_MAX. */
    expect_e4("922337203685477.58065", INT64_MAX - 1);
    expect_e4_fail("922337203685477.58075", CUSTSEG_ERANGE);
}
END_TEST

START_TEST(parse_exponent)
{
    expect_e4("1e3", 10000000);
    expect_e4("1E3", 10000000);
    expect_e4("1e+3", 10000000);
    expect_e4("1.5e2", 1500000);
    expect_e4("1e-4", 1);
    expect_e4("1e-5", 0);
    expect_e4("5e-5", 0);   /* half -> even */
    expect_e4("15e-5", 2);  /* 1.5 -> 2 */
    expect_e4("-25e-5", -2);
    expect_e4(".5e1", 50000);
    expect_e4("5.e-1", 5000);
    expect_e4("0e999999999999", 0);
    expect_e4("1e-99999999999", 0);
    expect_e4("123456789012345678901234567890e-25", 123456789);
    expect_e4("0.000000000000000000000000000001e30", 10000);
    expect_e4_fail("1e20", CUSTSEG_ERANGE);
    expect_e4_fail("1e99999999999", CUSTSEG_ERANGE);
    expect_e4_fail("1e", CUSTSEG_EINVAL);
    expect_e4_fail("1e+", CUSTSEG_EINVAL);
    expect_e4_fail("1e-", CUSTSEG_EINVAL);
    expect_e4_fail("e5", CUSTSEG_EINVAL);
    expect_e4_fail(".e5", CUSTSEG_EINVAL);
    expect_e4_fail("1e5.0", CUSTSEG_EINVAL);
}
END_TEST

START_TEST(parse_rejects)
{
    expect_e4_fail("", CUSTSEG_EINVAL);
    expect_e4_fail(".", CUSTSEG_EINVAL);
    expect_e4_fail("-", CUSTSEG_EINVAL);
    expect_e4_fail("+", CUSTSEG_EINVAL);
    expect_e4_fail("+-1", CUSTSEG_EINVAL);
    expect_e4_fail("--1", CUSTSEG_EINVAL);
    expect_e4_fail("1-", CUSTSEG_EINVAL);
    expect_e4_fail("nan", CUSTSEG_EINVAL);
    expect_e4_fail("NaN", CUSTSEG_EINVAL);
    expect_e4_fail("inf", CUSTSEG_EINVAL);
    expect_e4_fail("-Infinity", CUSTSEG_EINVAL);
    expect_e4_fail("0x10", CUSTSEG_EINVAL);
    expect_e4_fail("1,5", CUSTSEG_EINVAL);
    expect_e4_fail("1.2.3", CUSTSEG_EINVAL);
    expect_e4_fail(" 1", CUSTSEG_EINVAL);
    expect_e4_fail("1 ", CUSTSEG_EINVAL);
    expect_e4_fail("12,x", CUSTSEG_EINVAL);
    expect_e4_fail("$5", CUSTSEG_EINVAL);
    expect_e4_fail("922337203685477.5808", CUSTSEG_ERANGE);
    expect_e4_fail("-922337203685477.5808", CUSTSEG_ERANGE);
    expect_e4_fail("99999999999999999999", CUSTSEG_ERANGE);
    expect_e4_fail("99999999999999999999x", CUSTSEG_EINVAL);
}
END_TEST

START_TEST(parse_in_place)
{
    const char buf[] = "35.90,2,17.95";
    int64_t v;

    ck_assert_int_eq(custseg__parse_e4(buf, 5, &v), CUSTSEG_OK);
    ck_assert_int_eq(v, 359000);
    ck_assert_int_eq(custseg__parse_e4(buf + 6, 1, &v), CUSTSEG_OK);
    ck_assert_int_eq(v, 20000);
    ck_assert_int_eq(custseg__parse_e4(buf, 0, &v), CUSTSEG_EINVAL);
}
END_TEST

START_TEST(parse_int64)
{
    int64_t v = 5;

    ck_assert_int_eq(custseg__parse_int64("0", 1, &v), CUSTSEG_OK);
    ck_assert_int_eq(v, 0);
    ck_assert_int_eq(custseg__parse_int64("+42", 3, &v), CUSTSEG_OK);
    ck_assert_int_eq(v, 42);
    ck_assert_int_eq(custseg__parse_int64("-9223372036854775808", 20, &v),
                     CUSTSEG_OK);
    ck_assert(v == INT64_MIN);
    ck_assert_int_eq(custseg__parse_int64("9223372036854775807", 19, &v),
                     CUSTSEG_OK);
    ck_assert(v == INT64_MAX);
    v = 5;
    ck_assert_int_eq(custseg__parse_int64("9223372036854775808", 19, &v),
                     CUSTSEG_ERANGE);
    ck_assert_int_eq(custseg__parse_int64("-9223372036854775809", 20, &v),
                     CUSTSEG_ERANGE);
    ck_assert_int_eq(custseg__parse_int64("99999999999999999999x", 21, &v),
                     CUSTSEG_EINVAL);
    ck_assert_int_eq(custseg__parse_int64("12.0", 4, &v), CUSTSEG_EINVAL);
    ck_assert_int_eq(custseg__parse_int64("", 0, &v), CUSTSEG_EINVAL);
    ck_assert_int_eq(custseg__parse_int64("-", 1, &v), CUSTSEG_EINVAL);
    ck_assert_int_eq(custseg__parse_int64("1e3", 3, &v), CUSTSEG_EINVAL);
    ck_assert_int_eq(v, 5);
}
END_TEST

static int64_t mul(int64_t a, int64_t b)
{
    int64_t v = 0;

    ck_assert_int_eq(custseg__mul_e4(a, b, &v), CUSTSEG_OK);
    return v;
}

START_TEST(mul_e4)
{
    int64_t v = 3;

    ck_assert_int_eq(mul(20000, 179500), 359000);    /* 2 x 17.95 */
    ck_assert_int_eq(mul(30000, 3333), 9999);        /* 3 x 0.3333 */
    ck_assert_int_eq(mul(-60000, 25500), -153000);   /* -6 x 2.55 */
    ck_assert_int_eq(mul(0, INT64_MAX), 0);
    /* Half to even on the fifth decimal. */
    ck_assert_int_eq(mul(5000, 1), 0);     /* 0.5 x 0.0001 = 0.00005 */
    ck_assert_int_eq(mul(15000, 1), 2);    /* 0.00015 */
    ck_assert_int_eq(mul(5000, 5), 2);     /* 0.00025 */
    ck_assert_int_eq(mul(5000, 7), 4);     /* 0.00035 */
    ck_assert_int_eq(mul(-5000, 3), -2);   /* -0.00015 */
    ck_assert_int_eq(mul(-5000, 1), 0);
    ck_assert_int_eq(mul(5001, 1), 1);     /* 0.00005001 -> above half */
    /* The 128-bit path, with the same rounding. */
    ck_assert_int_eq(mul(1000000000000LL, 123455000), 12345500000000000LL);
    ck_assert_int_eq(mul(5000000001LL, 5000), 2500000000LL);
    ck_assert_int_eq(mul(5000000003LL, 5000), 2500000002LL);
    ck_assert_int_eq(mul(-5000000001LL, 5000), -2500000000LL);
    ck_assert_int_eq(mul(-5000000003LL, 5000), -2500000002LL);
    ck_assert(mul(INT64_MAX, 10000) == INT64_MAX);
    ck_assert(mul(-INT64_MAX, 10000) == -INT64_MAX);
    ck_assert_int_eq(custseg__mul_e4(INT64_MAX, 20000, &v), CUSTSEG_ERANGE);
    ck_assert_int_eq(custseg__mul_e4(INT64_MIN, 10000, &v), CUSTSEG_ERANGE);
    ck_assert_int_eq(custseg__mul_e4(4000000000000LL, 4000000000000LL, &v),
                     CUSTSEG_ERANGE);
    ck_assert_int_eq(v, 3);
}
END_TEST

START_TEST(div_e4)
{
    ck_assert_int_eq(custseg__div_e4(10, 4), 2);   /* 2.5 -> 2 */
    ck_assert_int_eq(custseg__div_e4(30, 4), 8);   /* 7.5 -> 8 */
    ck_assert_int_eq(custseg__div_e4(-10, 4), -2);
    ck_assert_int_eq(custseg__div_e4(-30, 4), -8);
    ck_assert_int_eq(custseg__div_e4(10, -4), -2);
    ck_assert_int_eq(custseg__div_e4(7, 2), 4);
    ck_assert_int_eq(custseg__div_e4(-7, 2), -4);
    ck_assert_int_eq(custseg__div_e4(1, 3), 0);
    ck_assert_int_eq(custseg__div_e4(2, 3), 1);
    ck_assert_int_eq(custseg__div_e4(-2, 3), -1);
    ck_assert_int_eq(custseg__div_e4(359000, 2), 179500);
    ck_assert(custseg__div_e4(INT64_MAX, 1) == INT64_MAX);
    ck_assert(custseg__div_e4(INT64_MIN, 1) == INT64_MIN);
    ck_assert(custseg__div_e4(INT64_MIN, -1) == INT64_MAX); /* saturates */
    ck_assert(custseg__div_e4(INT64_MAX, INT64_MIN) == -1);
    ck_assert_int_eq(custseg__div_e4(5, 0), 0);
}
END_TEST

START_TEST(double_to_e4)
{
    int64_t v = 9;

    ck_assert_int_eq(custseg__double_to_e4(1.25, &v), CUSTSEG_OK);
    ck_assert_int_eq(v, 12500);
    /* 0.00025 * 1e4 and 0.00035 * 1e4 are exactly 2.5 and 3.5 in double */
    ck_assert_int_eq(custseg__double_to_e4(0.00025, &v), CUSTSEG_OK);
    ck_assert_int_eq(v, 2);
    ck_assert_int_eq(custseg__double_to_e4(0.00035, &v), CUSTSEG_OK);
    ck_assert_int_eq(v, 4);
    ck_assert_int_eq(custseg__double_to_e4(-0.00025, &v), CUSTSEG_OK);
    ck_assert_int_eq(v, -2);
    ck_assert_int_eq(custseg__double_to_e4(-0.00035, &v), CUSTSEG_OK);
    ck_assert_int_eq(v, -4);
    /* 1.00005 is 10000.500000000002 ten-thousandths: above half. */
    ck_assert_int_eq(custseg__double_to_e4(1.00005, &v), CUSTSEG_OK);
    ck_assert_int_eq(v, 10001);
    ck_assert_int_eq(custseg__double_to_e4(-0.0, &v), CUSTSEG_OK);
    ck_assert_int_eq(v, 0);
    ck_assert_int_eq(custseg__double_to_e4(9e14, &v), CUSTSEG_OK);
    ck_assert(v == 9000000000000000000LL);
    v = 9;
    ck_assert_int_eq(custseg__double_to_e4(NAN, &v), CUSTSEG_EINVAL);
    ck_assert_int_eq(custseg__double_to_e4(INFINITY, &v), CUSTSEG_EINVAL);
    ck_assert_int_eq(custseg__double_to_e4(-INFINITY, &v), CUSTSEG_EINVAL);
    ck_assert_int_eq(custseg__double_to_e4(1e15, &v), CUSTSEG_ERANGE);
    ck_assert_int_eq(custseg__double_to_e4(-1e300, &v), CUSTSEG_ERANGE);
    ck_assert_int_eq(v, 9);
}
END_TEST

static void expect_fmt_e4(int64_t v, int dec, const char *want)
{
    char buf[32];
    size_t n = custseg__format_e4(buf, v, dec);

    ck_assert_msg(strcmp(buf, want) == 0, "%lld/%d: got \"%s\", want \"%s\"",
                  (long long)v, dec, buf, want);
    ck_assert_uint_eq(n, strlen(want));
}

START_TEST(format_e4)
{
    expect_fmt_e4(123456, 2, "12.35");
    expect_fmt_e4(123456, 4, "12.3456");
    expect_fmt_e4(123456, 0, "12");
    expect_fmt_e4(123450, 2, "12.35");  /* half away from zero */
    expect_fmt_e4(-123450, 2, "-12.35");
    expect_fmt_e4(123449, 2, "12.34");
    expect_fmt_e4(5000, 0, "1");
    expect_fmt_e4(-5000, 0, "-1");     /* -0.5 rounds away: -1 */
    expect_fmt_e4(4999, 0, "0");
    expect_fmt_e4(-4999, 0, "0");      /* never "-0" */
    expect_fmt_e4(-49, 2, "0.00");     /* never "-0.00" */
    expect_fmt_e4(-50, 2, "-0.01");
    expect_fmt_e4(0, 4, "0.0000");
    expect_fmt_e4(0, 2, "0.00");
    expect_fmt_e4(10000, 0, "1");
    expect_fmt_e4(99995, 2, "10.00");  /* carry into the integer */
    expect_fmt_e4(-99995, 3, "-10.000");
    expect_fmt_e4(-99995, 4, "-9.9995");
    expect_fmt_e4(1, 1, "0.0");
    expect_fmt_e4(500, 1, "0.1");
    expect_fmt_e4(INT64_MAX, 4, "922337203685477.5807");
    expect_fmt_e4(INT64_MAX, 2, "922337203685477.58");
    expect_fmt_e4(INT64_MIN, 4, "-922337203685477.5808");
    expect_fmt_e4(INT64_MIN, 0, "-922337203685478");
    expect_fmt_e4(123456, -1, "12");   /* clamped to 0..4 */
    expect_fmt_e4(123456, 9, "12.3456");
}
END_TEST

static void expect_fmt_d(double x, int dec, const char *want)
{
    char buf[64];
    size_t n = custseg__format_double(buf, x, dec);

    ck_assert_msg(strcmp(buf, want) == 0, "%.17g/%d: got \"%s\", want \"%s\"",
                  x, dec, buf, want);
    ck_assert_uint_eq(n, strlen(want));
}

START_TEST(format_double)
{
    expect_fmt_d(1.5, 2, "1.50");
    expect_fmt_d(-1.5, 1, "-1.5");
    expect_fmt_d(0.0, 3, "0.000");
    expect_fmt_d(-0.0, 2, "0.00");
    expect_fmt_d(-0.001, 2, "0.00");
    expect_fmt_d(42.0, 0, "42");
    expect_fmt_d(0.5, 0, "1");          /* half away from zero */
    expect_fmt_d(-0.5, 0, "-1");
    expect_fmt_d(-0.4, 0, "0");
    expect_fmt_d(0.125, 2, "0.13");     /* exact binary half */
    expect_fmt_d(-0.125, 2, "-0.13");
    expect_fmt_d(2.675, 2, "2.67");     /* 2.67499999999999982... */
    expect_fmt_d(1.005, 2, "1.00");     /* 1.00499999999999989... */
    expect_fmt_d(0.999, 2, "1.00");
    expect_fmt_d(9.9999999999, 9, "10.000000000");
    expect_fmt_d(0.1, 9, "0.100000000");
    expect_fmt_d(123.456, 12, "123.456000000"); /* clamped to 9 */
    expect_fmt_d(7.25, -3, "7");
    expect_fmt_d(1e15, 2, "1000000000000000.00");
    expect_fmt_d(4503599627370495.5, 1, "4503599627370495.5");
    expect_fmt_d(123456789012345678.0, 0, "123456789012345680");
    expect_fmt_d(1e20, 1, "100000000000000000000.0");
    expect_fmt_d(-1e20, 0, "-100000000000000000000");
    expect_fmt_d(9.9e37, 0, "98999999999999993426744560981400092672");
    expect_fmt_d(1e38, 2, "inf");
    expect_fmt_d(-1e300, 2, "-inf");
    expect_fmt_d(INFINITY, 2, "inf");
    expect_fmt_d(-INFINITY, 2, "-inf");
    expect_fmt_d(NAN, 2, "nan");
}
END_TEST

START_TEST(format_int64)
{
    char buf[24];

    ck_assert_uint_eq(custseg__format_int64(buf, 0), 1);
    ck_assert_str_eq(buf, "0");
    custseg__format_int64(buf, -42);
    ck_assert_str_eq(buf, "-42");
    custseg__format_int64(buf, INT64_MAX);
    ck_assert_str_eq(buf, "9223372036854775807");
    ck_assert_uint_eq(custseg__format_int64(buf, INT64_MIN), 20);
    ck_assert_str_eq(buf, "-9223372036854775808");
}
END_TEST

START_TEST(public_parse_amount)
{
    int64_t v = 1;

    ck_assert_int_eq(custseg_parse_amount(&v, "12.3456"), CUSTSEG_OK);
    ck_assert_int_eq(v, 123456);
    ck_assert_int_eq(custseg_parse_amount(&v, "-7"), CUSTSEG_OK);
    ck_assert_int_eq(v, -70000);
    ck_assert_int_eq(custseg_parse_amount(&v, "1e3"), CUSTSEG_OK);
    ck_assert_int_eq(v, 10000000);
    ck_assert_int_eq(custseg_parse_amount(&v, "abc"), CUSTSEG_EINVAL);
    ck_assert_int_eq(custseg_parse_amount(&v, "1e30"), CUSTSEG_ERANGE);
    ck_assert_int_eq(v, 10000000);
    ck_assert_int_eq(custseg_parse_amount(NULL, "1"), CUSTSEG_EINVAL);
    ck_assert_int_eq(custseg_parse_amount(&v, NULL), CUSTSEG_EINVAL);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("decimal");
    TCase *tc = tcase_create("decimal");

    tcase_add_test(tc, parse_plain);
    tcase_add_test(tc, parse_rounding);
    tcase_add_test(tc, parse_exponent);
    tcase_add_test(tc, parse_rejects);
    tcase_add_test(tc, parse_in_place);
    tcase_add_test(tc, parse_int64);
    tcase_add_test(tc, mul_e4);
    tcase_add_test(tc, div_e4);
    tcase_add_test(tc, double_to_e4);
    tcase_add_test(tc, format_e4);
    tcase_add_test(tc, format_double);
    tcase_add_test(tc, format_int64);
    tcase_add_test(tc, public_parse_amount);
    suite_add_tcase(s, tc);
    return tu_run_suite(s);
}
