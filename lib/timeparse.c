/*
 * timeparse.c - timestamps to Unix seconds, and civil dates to day numbers.
 *
 * Accepted forms (DESIGN.md, custseg(7)):
 *   YYYY-MM-DD
 *   YYYY-MM-DD[T ]HH:MM[:SS[.fff]] [Z | +hh:mm | -hh:mm | +hhmm | +hh]
 *   YYYYMMDD            exactly 8 digits that form a valid date
 *   M/D/YYYY[ H:MM[:SS]] US order, 1 or 2 digit month, day and hour
 *   [-]digits           Unix seconds (any other all-digit text)
 * A date-time without an offset is taken as given (as UTC); with one it is
 * converted to UTC. Years run 1..9999, and so must the UTC result.
 *
 * Everything is parsed by hand: strptime and sscanf depend on the locale,
 * and the loader calls this once per row, so the ISO date-time form that
 * most exports use is checked first with fixed offsets.
 */
#include "internal.h"

#include <string.h>

#define MIN_TIME (-62135596800LL) /* 0001-01-01T00:00:00Z */
#define MAX_TIME 253402300799LL   /* 9999-12-31T23:59:59Z */

/* Howard Hinnant's days_from_civil: proleptic Gregorian, exact for any
 * year, branch-light, and free of tables. Day 0 is 1970-01-01. */
int64_t custseg__days_from_civil(int64_t y, unsigned m, unsigned d)
{
    int64_t era, yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (int64_t)(m > 2 ? m - 3 : m + 9) + 2) / 5 + (int64_t)d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* The inverse (Hinnant's civil_from_days). */
void custseg__civil_from_days(int64_t days, int64_t *y, unsigned *m,
                              unsigned *d)
{
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    unsigned mm = (unsigned)(mp < 10 ? mp + 3 : mp - 9);

    *d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
    *m = mm;
    *y = yoe + era * 400 + (mm <= 2);
}

static char *put_digits(char *p, uint64_t v, int width)
{
    char tmp[24];
    int n = 0;

    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    while (n < width)
        tmp[n++] = '0';
    while (n > 0)
        *p++ = tmp[--n];
    return p;
}

void custseg__format_day(char buf[16], int64_t day)
{
    /* About +-8 million years: keeps the arithmetic far from overflow and
     * the text within 16 bytes ("-YYYYYYY-MM-DD"). Real days are far
     * inside; only nonsense input is clamped. */
    const int64_t lim = 3000000000LL;
    int64_t y;
    unsigned m, d;
    char *p = buf;

    if (day > lim)
        day = lim;
    if (day < -lim)
        day = -lim;
    custseg__civil_from_days(day, &y, &m, &d);
    if (y < 0) {
        *p++ = '-';
        y = -y;
    }
    p = put_digits(p, (uint64_t)y, 4);
    *p++ = '-';
    p = put_digits(p, m, 2);
    *p++ = '-';
    p = put_digits(p, d, 2);
    *p = '\0';
}

static bool is_digit(char c)
{
    return (unsigned)(c - '0') < 10u;
}

/* n digits exactly (n small), or false. */
static bool fixed(const char *s, int n, unsigned *out)
{
    unsigned v = 0;
    int i;

    for (i = 0; i < n; i++) {
        if (!is_digit(s[i]))
            return false;
        v = v * 10 + (unsigned)(s[i] - '0');
    }
    *out = v;
    return true;
}

/* 1 or 2 digits at s[*pos], advancing *pos. */
static bool short_num(const char *s, size_t len, size_t *pos, unsigned *out)
{
    size_t i = *pos;

    if (i >= len || !is_digit(s[i]))
        return false;
    *out = (unsigned)(s[i++] - '0');
    if (i < len && is_digit(s[i]))
        *out = *out * 10 + (unsigned)(s[i++] - '0');
    *pos = i;
    return true;
}

static bool valid_date(unsigned y, unsigned m, unsigned d)
{
    static const unsigned char mdays[12] = {31, 28, 31, 30, 31, 30,
                                            31, 31, 30, 31, 30, 31};
    bool leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);

    if (y < 1 || y > 9999 || m < 1 || m > 12 || d < 1)
        return false;
    return d <= mdays[m - 1] + (unsigned)(m == 2 && leap);
}

static bool valid_clock(unsigned h, unsigned mi, unsigned s)
{
    return h <= 23 && mi <= 59 && s <= 60; /* 60: a leap second */
}

static int finish(int64_t days, int64_t secs, int64_t *out)
{
    int64_t t = days * 86400 + secs;

    if (t < MIN_TIME || t > MAX_TIME)
        return CUSTSEG_EINVAL;
    *out = t;
    return CUSTSEG_OK;
}

/* "Z", "+hh:mm", "-hhmm", "+hh" at s[pos..len): seconds east of UTC. */
static bool parse_offset(const char *s, size_t len, size_t pos,
                         int64_t *east)
{
    unsigned h, mi = 0;
    size_t rest = len - pos;

    if (rest == 1 && (s[pos] == 'Z' || s[pos] == 'z')) {
        *east = 0;
        return true;
    }
    if (rest < 3 || (s[pos] != '+' && s[pos] != '-') ||
        !fixed(s + pos + 1, 2, &h))
        return false;
    if (rest == 6 && s[pos + 3] == ':') {
        if (!fixed(s + pos + 4, 2, &mi))
            return false;
    } else if (rest == 5) {
        if (!fixed(s + pos + 3, 2, &mi))
            return false;
    } else if (rest != 3) {
        return false;
    }
    if (h > 23 || mi > 59)
        return false;
    *east = (int64_t)(h * 3600 + mi * 60) * (s[pos] == '-' ? -1 : 1);
    return true;
}

/* ":SS[.fff]" at *pos; fractions are cut (times are whole seconds). */
static bool parse_seconds(const char *s, size_t len, size_t *pos,
                          unsigned *sec)
{
    size_t i = *pos;

    *sec = 0;
    if (i >= len || s[i] != ':')
        return true;
    if (len - i < 3 || !fixed(s + i + 1, 2, sec))
        return false;
    i += 3;
    if (i < len && s[i] == '.') {
        if (++i >= len || !is_digit(s[i]))
            return false;
        while (i < len && is_digit(s[i]))
            i++;
    }
    *pos = i;
    return true;
}

/* Called when s[4] == '-' and s[7] == '-' and len >= 10. */
static int parse_iso(const char *s, size_t len, int64_t *out)
{
    unsigned y, m, d, h, mi, sec;
    int64_t days, east = 0;
    size_t pos = 16;

    if (!fixed(s, 4, &y) || !fixed(s + 5, 2, &m) || !fixed(s + 8, 2, &d) ||
        !valid_date(y, m, d))
        return CUSTSEG_EINVAL;
    days = custseg__days_from_civil(y, m, d);
    if (len == 10)
        return finish(days, 0, out);
    if (len < 16 || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
        s[13] != ':' || !fixed(s + 11, 2, &h) || !fixed(s + 14, 2, &mi))
        return CUSTSEG_EINVAL;
    if (!parse_seconds(s, len, &pos, &sec) || !valid_clock(h, mi, sec))
        return CUSTSEG_EINVAL;
    if (pos < len && !parse_offset(s, len, pos, &east))
        return CUSTSEG_EINVAL;
    return finish(days, (int64_t)(h * 3600 + mi * 60 + sec) - east, out);
}

/* M/D/YYYY[ H:MM[:SS]] */
static int parse_us(const char *s, size_t len, int64_t *out)
{
    unsigned y, m, d, h = 0, mi = 0, sec = 0;
    size_t pos = 0;

    if (!short_num(s, len, &pos, &m) || pos >= len || s[pos++] != '/' ||
        !short_num(s, len, &pos, &d) || pos >= len || s[pos++] != '/' ||
        len - pos < 4 || !fixed(s + pos, 4, &y) || !valid_date(y, m, d))
        return CUSTSEG_EINVAL;
    pos += 4;
    if (pos < len) {
        if (s[pos++] != ' ' || !short_num(s, len, &pos, &h) ||
            len - pos < 3 || s[pos] != ':' || !fixed(s + pos + 1, 2, &mi))
            return CUSTSEG_EINVAL;
        pos += 3;
        if (pos < len && (len - pos != 3 || s[pos] != ':' ||
                          !fixed(s + pos + 1, 2, &sec)))
            return CUSTSEG_EINVAL;
        if (!valid_clock(h, mi, sec))
            return CUSTSEG_EINVAL;
    }
    return finish(custseg__days_from_civil(y, m, d),
                  (int64_t)(h * 3600 + mi * 60 + sec), out);
}

/* All digits with an optional leading '-': YYYYMMDD when it is exactly
 * eight digits forming a valid date, else Unix seconds. */
static int parse_number(const char *s, size_t len, int64_t *out)
{
    bool neg = len > 0 && s[0] == '-';
    size_t i = neg ? 1 : 0;
    uint64_t v = 0;
    unsigned y, m, d;

    if (i == len || len - i > 18) /* 18 digits: beyond year 9999 anyway */
        return CUSTSEG_EINVAL;
    for (; i < len; i++) {
        if (!is_digit(s[i]))
            return CUSTSEG_EINVAL;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    if (!neg && len == 8) {
        y = (unsigned)(v / 10000);
        m = (unsigned)(v / 100 % 100);
        d = (unsigned)(v % 100);
        if (valid_date(y, m, d))
            return finish(custseg__days_from_civil(y, m, d), 0, out);
    }
    return finish(0, neg ? -(int64_t)v : (int64_t)v, out);
}

int custseg__parse_time(const char *s, size_t len, int64_t *out_unix)
{
    if (len >= 10 && s[4] == '-' && s[7] == '-')
        return parse_iso(s, len, out_unix);
    if (len >= 8 && memchr(s, '/', 3) != NULL)
        return parse_us(s, len, out_unix);
    return parse_number(s, len, out_unix);
}

int custseg_parse_time(int64_t *out, const char *text)
{
    int64_t t;

    if (out == NULL || text == NULL)
        return CUSTSEG_EINVAL;
    if (custseg__parse_time(text, strlen(text), &t) != CUSTSEG_OK)
        return CUSTSEG_EINVAL;
    *out = t;
    return CUSTSEG_OK;
}
