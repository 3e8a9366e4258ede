/*
 * decimal.c - money as int64 ten-thousandths: exact parsing, products,
 * quotients and printing.
 *
 * Amounts are never routed through double: "0.1" + "0.2" must total
 * exactly 0.3, and totals must not depend on summation order. Rounding is
 * half to even when a value is stored (as SQL DECIMAL casts and R's round()
 * do) and half away from zero when printed (as people round on paper).
 * Nothing here reads the locale.
 */
#include "internal.h"

#include <string.h>

/* The product of two int64 needs 128 bits; gcc and clang have them, and
 * __extension__ keeps -Wpedantic quiet. */
__extension__ typedef __int128 i128;
__extension__ typedef unsigned __int128 u128;

static const int64_t pow10_tab[19] = {
    1LL, 10LL, 100LL, 1000LL, 10000LL, 100000LL, 1000000LL, 10000000LL,
    100000000LL, 1000000000LL, 10000000000LL, 100000000000LL,
    1000000000000LL, 10000000000000LL, 100000000000000LL,
    1000000000000000LL, 10000000000000000LL, 100000000000000000LL,
    1000000000000000000LL
};

static bool is_digit(char c)
{
    return (unsigned)(c - '0') < 10u;
}

/* ------------------------------------------------------------ parsing */

/* The digits of a number with its '.' removed: the integer digits
 * s[i0..i1) followed by the fraction digits s[f0..f1). */
typedef struct digits {
    const char *s;
    size_t i0, i1, f0, f1;
} digits;

static int digit_at(const digits *g, int64_t k)
{
    int64_t nint = (int64_t)(g->i1 - g->i0);

    return k < nint ? g->s[g->i0 + (size_t)k] - '0'
                    : g->s[g->f0 + (size_t)(k - nint)] - '0';
}

/* Magnitude of digits * 10^scale, rounded half to even, at most limit. */
static int scale_round(const digits *g, int64_t scale, uint64_t limit,
                       uint64_t *out)
{
    int64_t n = (int64_t)(g->i1 - g->i0 + g->f1 - g->f0);
    int64_t keep = n + scale, k;
    uint64_t acc = 0;
    int next = 0;
    bool sticky = false;

    if (keep < 0) { /* below half a ten-thousandth */
        *out = 0;
        return CUSTSEG_OK;
    }
    for (k = 0; k < n && k < keep; k++) {
        unsigned dg = (unsigned)digit_at(g, k);
        if (acc > (limit - dg) / 10)
            return CUSTSEG_ERANGE;
        acc = acc * 10 + dg;
    }
    for (; k < keep && acc != 0; k++) { /* scale > 0: append zeros */
        if (acc > limit / 10)
            return CUSTSEG_ERANGE;
        acc *= 10;
    }
    if (keep < n) {
        next = digit_at(g, keep);
        for (k = keep + 1; k < n && !sticky; k++)
            sticky = digit_at(g, k) != 0;
    }
    if (next > 5 || (next == 5 && (sticky || (acc & 1) != 0))) {
        if (acc == limit)
            return CUSTSEG_ERANGE;
        acc++;
    }
    *out = acc;
    return CUSTSEG_OK;
}

/* "e[-+]digits" at s[*pos]; huge exponents saturate, which keeps the
 * arithmetic safe and gives the same answer (zero or ERANGE). */
static bool parse_exponent(const char *s, size_t len, size_t *pos,
                           int64_t *exp)
{
    size_t i = *pos + 1;
    bool neg = false;
    int64_t e = 0;

    if (i < len && (s[i] == '+' || s[i] == '-'))
        neg = s[i++] == '-';
    if (i >= len || !is_digit(s[i]))
        return false;
    for (; i < len && is_digit(s[i]); i++)
        if (e < 100000000)
            e = e * 10 + (s[i] - '0');
    *exp = neg ? -e : e;
    *pos = i;
    return true;
}

/* The general path: any number of digits, exponents, rounding. */
static int parse_slow(const char *s, size_t len, int64_t *out)
{
    digits g;
    size_t i = 0;
    bool neg = false;
    int64_t exp = 0;
    uint64_t mag;
    int rc;

    if (i < len && (s[i] == '+' || s[i] == '-'))
        neg = s[i++] == '-';
    g.s = s;
    g.i0 = i;
    while (i < len && is_digit(s[i]))
        i++;
    g.i1 = g.f0 = g.f1 = i;
    if (i < len && s[i] == '.') {
        g.f0 = ++i;
        while (i < len && is_digit(s[i]))
            i++;
        g.f1 = i;
    }
    if (g.i1 == g.i0 && g.f1 == g.f0) /* no digit at all: "", ".", "-" */
        return CUSTSEG_EINVAL;
    if (i < len && (s[i] == 'e' || s[i] == 'E') &&
        !parse_exponent(s, len, &i, &exp))
        return CUSTSEG_EINVAL;
    if (i != len)
        return CUSTSEG_EINVAL;
    rc = scale_round(&g, exp + 4 - (int64_t)(g.f1 - g.f0), INT64_MAX, &mag);
    if (rc != CUSTSEG_OK)
        return rc;
    *out = neg ? -(int64_t)mag : (int64_t)mag;
    return CUSTSEG_OK;
}

/* Most amounts look like "-35.90": up to 14 integer digits and up to 4
 * decimals (18 digits) fit in int64 without any overflow check. */
int custseg__parse_e4(const char *s, size_t len, int64_t *out)
{
    size_t i = 0, start, end;
    bool neg = false;
    int64_t v = 0;
    int nint, nfrac = 0;

    if (len > 0 && (s[0] == '-' || s[0] == '+'))
        neg = s[i++] == '-';
    start = i;
    end = len - i > 14 ? i + 14 : len;
    for (; i < end && is_digit(s[i]); i++)
        v = v * 10 + (s[i] - '0');
    nint = (int)(i - start);
    if (i < len && s[i] == '.') {
        for (i++; i < len && nfrac < 4 && is_digit(s[i]); i++, nfrac++)
            v = v * 10 + (s[i] - '0');
    }
    if (i != len || nint + nfrac == 0)
        return parse_slow(s, len, out);
    v *= pow10_tab[4 - nfrac];
    *out = neg ? -v : v;
    return CUSTSEG_OK;
}

int custseg__parse_int64(const char *s, size_t len, int64_t *out)
{
    size_t i = 0;
    bool neg = false;
    uint64_t v = 0, limit;

    if (len > 0 && (s[0] == '-' || s[0] == '+'))
        neg = s[i++] == '-';
    if (i == len)
        return CUSTSEG_EINVAL;
    limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    for (; i < len; i++) {
        unsigned dg = (unsigned)(s[i] - '0');
        if (dg > 9)
            return CUSTSEG_EINVAL;
        if (v > (limit - dg) / 10) {
            while (++i < len) /* junk after an overflow is still junk */
                if (!is_digit(s[i]))
                    return CUSTSEG_EINVAL;
            return CUSTSEG_ERANGE;
        }
        v = v * 10 + dg;
    }
    *out = neg ? (int64_t)(0 - v) : (int64_t)v;
    return CUSTSEG_OK;
}

int custseg_parse_amount(int64_t *out, const char *text)
{
    int64_t v;
    int rc;

    if (out == NULL || text == NULL)
        return CUSTSEG_EINVAL;
    rc = custseg__parse_e4(text, strlen(text), &v);
    if (rc == CUSTSEG_OK)
        *out = v;
    return rc;
}

/* ------------------------------------------------------------ arithmetic */

int custseg__mul_e4(int64_t a, int64_t b, int64_t *out)
{
    /* Quantity x price is on the loader's hot path: most products fit in
     * 63 bits, where 64-bit division is much cheaper than 128-bit. */
    const int64_t small = 3037000499LL; /* floor(sqrt(INT64_MAX)) */
    i128 p, q, r;
    bool neg;

    if (a >= -small && a <= small && b >= -small && b <= small) {
        int64_t pp = a * b, qq = pp / CUSTSEG__E4, rr = pp % CUSTSEG__E4;
        neg = pp < 0;
        if (neg)
            rr = -rr;
        if (rr > CUSTSEG__E4 / 2 ||
            (rr == CUSTSEG__E4 / 2 && (qq & 1) != 0))
            qq += neg ? -1 : 1;
        *out = qq;
        return CUSTSEG_OK;
    }
    p = (i128)a * b;
    q = p / CUSTSEG__E4;
    r = p % CUSTSEG__E4;
    neg = p < 0;
    if (neg)
        r = -r;
    if (r > CUSTSEG__E4 / 2 || (r == CUSTSEG__E4 / 2 && (q & 1) != 0))
        q += neg ? -1 : 1;
    if (q > INT64_MAX || q < -INT64_MAX)
        return CUSTSEG_ERANGE;
    *out = (int64_t)q;
    return CUSTSEG_OK;
}

int64_t custseg__div_e4(int64_t num_e4, int64_t den)
{
    i128 n = num_e4, d = den, q, r;
    bool neg;

    if (den == 0)
        return 0; /* documented precondition; never divide by zero */
    q = n / d;
    r = n % d;
    neg = (n < 0) != (d < 0);
    if (r < 0)
        r = -r;
    if (d < 0)
        d = -d;
    if (2 * r > d || (2 * r == d && (q & 1) != 0))
        q += neg ? -1 : 1;
    if (q > INT64_MAX) /* only INT64_MIN / -1 */
        return INT64_MAX;
    return (int64_t)q;
}

int custseg__double_to_e4(double x, int64_t *out)
{
    /* Round half to even by hand: rint() would follow the caller's
     * floating-point rounding mode, which a host may have changed. */
    double y = x * CUSTSEG__E4, t, frac;
    int64_t v;

    if (!(y == y) || y - y != 0) /* NaN or infinite */
        return CUSTSEG_EINVAL;
    if (y >= 9223372036854775807.0 || y <= -9223372036854775807.0)
        return CUSTSEG_ERANGE;
    v = (int64_t)y; /* truncates toward zero */
    t = (double)v;
    frac = y - t;   /* exact below 2^52; zero above */
    if (frac > 0.5 || (frac == 0.5 && (v & 1) != 0))
        v++;
    else if (frac < -0.5 || (frac == -0.5 && (v & 1) != 0))
        v--;
    *out = v;
    return CUSTSEG_OK;
}

/* ------------------------------------------------------------ printing */

/* Writes the decimal digits of v, left-padded with zeros to width. */
static char *put_u64(char *p, uint64_t v, int width)
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

size_t custseg__format_int64(char *buf, int64_t v)
{
    char *p = buf;
    uint64_t mag = (uint64_t)v;

    if (v < 0) {
        *p++ = '-';
        mag = 0 - mag;
    }
    p = put_u64(p, mag, 1);
    *p = '\0';
    return (size_t)(p - buf);
}

/* Integer part and decimals-digit fraction, already rounded. A value
 * that rounds to zero prints without a sign ("0.00", not "-0.00"): a
 * minus on a zero reads as a refund that isn't there. */
static size_t put_fixed(char *buf, bool neg, uint64_t ip, uint64_t frac,
                        int decimals)
{
    char *p = buf;

    if (neg && (ip != 0 || frac != 0))
        *p++ = '-';
    p = put_u64(p, ip, 1);
    if (decimals > 0) {
        *p++ = '.';
        p = put_u64(p, frac, decimals);
    }
    *p = '\0';
    return (size_t)(p - buf);
}

size_t custseg__format_e4(char *buf, int64_t v, int decimals)
{
    uint64_t mag = v < 0 ? 0 - (uint64_t)v : (uint64_t)v, div, q;

    if (decimals < 0)
        decimals = 0;
    if (decimals > 4)
        decimals = 4;
    div = (uint64_t)pow10_tab[4 - decimals];
    q = mag / div;
    if ((mag % div) * 2 >= div) /* half away from zero */
        q++;
    return put_fixed(buf, v < 0, q / (uint64_t)pow10_tab[decimals],
                     q % (uint64_t)pow10_tab[decimals], decimals);
}

/* Integral doubles from 2^63 up to 1e38 still fit 128 bits exactly. */
static size_t format_huge(char *buf, double x, int decimals)
{
    char tmp[48];
    u128 v;
    int n = 0;
    char *p = buf;

    if (x < 0) {
        *p++ = '-';
        x = -x;
    }
    v = (u128)x;
    do {
        tmp[n++] = (char)('0' + (int)(v % 10));
        v /= 10;
    } while (v != 0);
    while (n > 0)
        *p++ = tmp[--n];
    if (decimals > 0) {
        *p++ = '.';
        memset(p, '0', (size_t)decimals);
        p += decimals;
    }
    *p = '\0';
    return (size_t)(p - buf);
}

size_t custseg__format_double(char *buf, double x, int decimals)
{
    double ip_d, frac, scaled;
    uint64_t ip, f, unit;
    bool neg;

    if (decimals < 0)
        decimals = 0;
    if (decimals > 9)
        decimals = 9;
    if (x != x) {
        memcpy(buf, "nan", 4);
        return 3;
    }
    /* Beyond 1e38 (or infinite) a fixed notation would not fit in 64
     * bytes; no money or statistic of this library gets there. */
    if (x >= 1e38 || x <= -1e38) {
        memcpy(buf, x < 0 ? "-inf" : "inf", x < 0 ? 5 : 4);
        return x < 0 ? 4 : 3;
    }
    if (x >= 9223372036854775808.0 || x <= -9223372036854775808.0)
        return format_huge(buf, x, decimals);
    /* Split first: the integer part is exact, and scaling only the
     * fraction (below 1) keeps every digit within 64 bits. */
    neg = x < 0;
    if (neg)
        x = -x;
    ip = (uint64_t)x;
    ip_d = (double)ip;
    frac = x - ip_d; /* exact */
    unit = (uint64_t)pow10_tab[decimals];
    scaled = frac * (double)unit;
    f = (uint64_t)scaled;
    if (scaled - (double)f >= 0.5) /* half away from zero */
        f++;
    if (f >= unit) {
        f -= unit;
        ip++;
    }
    return put_fixed(buf, neg, ip, f, decimals);
}
