/*
 * check_time.c - timestamp parsing and civil-date arithmetic.
 *
 * Expected values were computed by hand and cross-checked with Python's
 * calendar.timegm() and datetime.date arithmetic.
 */
#include "internal.h"
#include "testutil.h"

#include <check.h>
#include <string.h>

static int parse(const char *s, int64_t *out)
{
    return custseg__parse_time(s, strlen(s), out);
}

static void expect_time(const char *s, int64_t want)
{
    int64_t t = -12345;

    ck_assert_msg(parse(s, &t) == CUSTSEG_OK, "\"%s\" rejected", s);
    ck_assert_msg(t == want, "\"%s\": got %lld, want %lld", s, (long long)t,
                  (long long)want);
}

static void expect_bad(const char *s)
{
    int64_t t = 777;

    ck_assert_msg(parse(s, &t) == CUSTSEG_EINVAL, "\"%s\" accepted", s);
    ck_assert_msg(t == 777, "\"%s\": output written on failure", s);
}

START_TEST(civil_days)
{
    ck_assert_int_eq(custseg__days_from_civil(1970, 1, 1), 0);
    ck_assert_int_eq(custseg__days_from_civil(1969, 12, 31), -1);
    ck_assert_int_eq(custseg__days_from_civil(2000, 3, 1), 11017);
    ck_assert_int_eq(custseg__days_from_civil(2024, 2, 29), 19782);
    ck_assert_int_eq(custseg__days_from_civil(1600, 2, 29), -135081);
    ck_assert_int_eq(custseg__days_from_civil(1, 1, 1), -719162);
    ck_assert_int_eq(custseg__days_from_civil(9999, 12, 31), 2932896);
}
END_TEST

START_TEST(civil_round_trip)
{
    int64_t d, y;
    unsigned m, dd;

    /* Every day from 0001-01-01 to 9999-12-31, and back. */
    for (d = -719162; d <= 2932896; d++) {
        custseg__civil_from_days(d, &y, &m, &dd);
        if (m < 1 || m > 12 || dd < 1 || dd > 31 ||
            custseg__days_from_civil(y, m, dd) != d)
            ck_abort_msg("day %lld round trip failed", (long long)d);
    }
    custseg__civil_from_days(19782, &y, &m, &dd);
    ck_assert(y == 2024 && m == 2 && dd == 29);
    custseg__civil_from_days(-1, &y, &m, &dd);
    ck_assert(y == 1969 && m == 12 && dd == 31);
}
END_TEST

START_TEST(format_day)
{
    char buf[16];

    custseg__format_day(buf, 0);
    ck_assert_str_eq(buf, "1970-01-01");
    custseg__format_day(buf, -1);
    ck_assert_str_eq(buf, "1969-12-31");
    custseg__format_day(buf, 19782);
    ck_assert_str_eq(buf, "2024-02-29");
    custseg__format_day(buf, -719162);
    ck_assert_str_eq(buf, "0001-01-01");
    custseg__format_day(buf, 2932896);
    ck_assert_str_eq(buf, "9999-12-31");
    custseg__format_day(buf, -719163); /* proleptic year 0 */
    ck_assert_str_eq(buf, "0000-12-31");
    custseg__format_day(buf, -719529); /* year -1 */
    ck_assert_str_eq(buf, "-0001-12-31");
    /* Nonsense day numbers are clamped, never overflow the buffer. */
    custseg__format_day(buf, INT64_MAX);
    ck_assert(strlen(buf) < 16);
    custseg__format_day(buf, INT64_MIN);
    ck_assert(strlen(buf) < 16 && buf[0] == '-');
}
END_TEST

START_TEST(day_of)
{
    ck_assert_int_eq(custseg__day_of(0), 0);
    ck_assert_int_eq(custseg__day_of(86399), 0);
    ck_assert_int_eq(custseg__day_of(86400), 1);
    ck_assert_int_eq(custseg__day_of(-1), -1);
    ck_assert_int_eq(custseg__day_of(-86400), -1);
    ck_assert_int_eq(custseg__day_of(-86401), -2);
}
END_TEST

START_TEST(iso_dates)
{
    expect_time("2024-03-05", 1709596800);
    expect_time("1970-01-01", 0);
    expect_time("1969-12-31", -86400);
    expect_time("2024-02-29", 19782LL * 86400);
    expect_time("0001-01-01", -62135596800LL);
    expect_bad("2023-02-29");
    expect_bad("2024-02-30");
    expect_bad("1900-02-29"); /* not a leap year */
    expect_time("2000-02-29", 951782400);
    expect_bad("2024-13-01");
    expect_bad("2024-00-10");
    expect_bad("2024-04-31");
    expect_bad("2024-04-00");
    expect_bad("0000-01-01");
    expect_bad("2024-3-05");
    expect_bad("2024/03/05");
    expect_bad("2024-03-05x");
    expect_bad("2O24-03-05");
}
END_TEST

START_TEST(iso_date_times)
{
    expect_time("2024-03-05 14:22:10", 1709648530);
    expect_time("2024-03-05T14:22:10", 1709648530);
    expect_time("2024-03-05t14:22:10", 1709648530);
    expect_time("2024-03-05 14:22", 1709648520);
    expect_time("2024-03-05T14:22:10.999", 1709648530); /* cut */
    expect_time("2024-03-05T14:22:10.5Z", 1709648530);
    expect_time("2024-03-05T14:22:10Z", 1709648530);
    expect_time("2024-03-05T14:22:10z", 1709648530);
    expect_time("2024-03-05T14:22:10+01:00", 1709648530 - 3600);
    expect_time("2024-03-05T14:22:10-05:30", 1709648530 + 19800);
    expect_time("2024-03-05T14:22:10+0100", 1709648530 - 3600);
    expect_time("2024-03-05T14:22:10+01", 1709648530 - 3600);
    expect_time("2024-03-05 14:22+02:00", 1709648520 - 7200);
    /* An offset can move the UTC date. */
    expect_time("2024-03-05T23:30:00-01:00", 1709596800 + 86400 + 1800);
    expect_time("2016-12-31T23:59:60Z", 1483228800); /* leap second */
    expect_time("9999-12-31T23:59:59", 253402300799LL);
    expect_bad("9999-12-31T23:59:59-01:00"); /* past year 9999 in UTC */
    expect_bad("0001-01-01T00:30:00+01:00"); /* before year 1 in UTC */
    expect_bad("2024-03-05 24:00");
    expect_bad("2024-03-05 12:60");
    expect_bad("2024-03-05 12:00:61");
    expect_bad("2024-03-05 12");
    expect_bad("2024-03-05T");
    expect_bad("2024-03-05 1:00");
    expect_bad("2024-03-05x12:00");
    expect_bad("2024-03-05 12:00:00.");
    expect_bad("2024-03-05 12:00:5");
    expect_bad("2024-03-05 12:00:00+1");
    expect_bad("2024-03-05 12:00:00+01:0");
    expect_bad("2024-03-05 12:00:00+24:00");
    expect_bad("2024-03-05 12:00:00+01:60");
    expect_bad("2024-03-05 12:00:00ZZ");
    expect_bad("2024-03-05 12:00:00 ");
    expect_bad("2024-03-05 12:00.5");
}
END_TEST

START_TEST(compact_dates)
{
    expect_time("19970101", 852076800);
    expect_time("20240229", 19782LL * 86400);
    /* Eight digits that are no date are Unix seconds. */
    expect_time("20240230", 20240230);
    expect_time("12345678", 12345678);
    expect_time("00000101", 101); /* year 0 is no date */
}
END_TEST

START_TEST(us_dates)
{
    expect_time("12/1/2010 8:26", 1291191960);
    expect_time("12/01/2010 08:26", 1291191960);
    expect_time("1/1/2024", 1704067200);
    expect_time("12/31/1999 23:59:59", 946684799);
    expect_time("2/29/2024", 19782LL * 86400);
    expect_bad("13/1/2020");
    expect_bad("2/30/2020");
    expect_bad("1/1/20");
    expect_bad("1/1/20200");
    expect_bad("1/1/2020 8:6");
    expect_bad("1/1/2020 24:00");
    expect_bad("1/1/2020 8:00:6");
    expect_bad("1/1/2020  8:00");
    expect_bad("1/1/2020 8:00 PM");
    expect_bad("123/1/2020");
    expect_bad("1//2020");
}
END_TEST

START_TEST(unix_seconds)
{
    expect_time("0", 0);
    expect_time("1700000000", 1700000000);
    expect_time("-86400", -86400);
    expect_time("-0", 0);
    expect_time("253402300799", 253402300799LL);
    expect_bad("253402300800"); /* year 10000 */
    expect_bad("-62135596801");
    expect_bad("99999999999999999999");
    expect_bad("");
    expect_bad("-");
    expect_bad("+5");
    expect_bad("12a");
    expect_bad(" 12");
    expect_bad("1.5");
}
END_TEST

START_TEST(public_parse)
{
    int64_t t = 0;

    ck_assert_int_eq(custseg_parse_time(&t, "2024-03-05T14:22:10Z"),
                     CUSTSEG_OK);
    ck_assert_int_eq(t, 1709648530);
    ck_assert_int_eq(custseg_parse_time(&t, "not a date"), CUSTSEG_EINVAL);
    ck_assert_int_eq(t, 1709648530);
    ck_assert_int_eq(custseg_parse_time(NULL, "0"), CUSTSEG_EINVAL);
    ck_assert_int_eq(custseg_parse_time(&t, NULL), CUSTSEG_EINVAL);
}
END_TEST

START_TEST(no_nul_needed)
{
    /* The loader passes fields in place: only len bytes may be read. */
    const char buf[] = "2024-03-05 14:22:10,35.90";
    int64_t t;

    ck_assert_int_eq(custseg__parse_time(buf, 19, &t), CUSTSEG_OK);
    ck_assert_int_eq(t, 1709648530);
    ck_assert_int_eq(custseg__parse_time(buf, 10, &t), CUSTSEG_OK);
    ck_assert_int_eq(t, 1709596800);
    ck_assert_int_eq(custseg__parse_time(buf, 13, &t), CUSTSEG_EINVAL);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("time");
    TCase *tc = tcase_create("time");

    tcase_add_test(tc, civil_days);
    tcase_add_test(tc, civil_round_trip);
    tcase_add_test(tc, format_day);
    tcase_add_test(tc, day_of);
    tcase_add_test(tc, iso_dates);
    tcase_add_test(tc, iso_date_times);
    tcase_add_test(tc, compact_dates);
    tcase_add_test(tc, us_dates);
    tcase_add_test(tc, unix_seconds);
    tcase_add_test(tc, public_parse);
    tcase_add_test(tc, no_nul_needed);
    suite_add_tcase(s, tc);
    return tu_run_suite(s);
}
