/*
 * optlist.c - list-valued strategy options: "0.8,0.95", "A,B,C", "1,2,4".
 *
 * Decimals are parsed straight from their text into exact fixed point
 * (an integer count of 10^-places units), never through a double, so a
 * threshold written as 0.8 is exactly 8/10 and comparisons against it can
 * be done in integers (value.c, lifecycle.c). Parsing does not depend on
 * the locale.
 */
#include "internal.h"

#include <string.h>

static bool is_space(char c)
{
    return c == ' ' || c == '\t';
}

bool custseg__list_next(const char **p, const char **item, size_t *len)
{
    const char *s = *p, *comma, *end;

    if (s == NULL)
        return false;
    comma = strchr(s, ',');
    end = comma != NULL ? comma : s + strlen(s);
    while (s < end && is_space(*s))
        s++;
    while (end > s && is_space(end[-1]))
        end--;
    *item = s;
    *len = (size_t)(end - s);
    *p = comma != NULL ? comma + 1 : NULL;
    return true;
}

/* v = v * 10 + d, or false when that would overflow int64. */
static bool push_digit(int64_t *v, int d)
{
    if (*v > (INT64_MAX - d) / 10)
        return false;
    *v = *v * 10 + d;
    return true;
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* digits[.digits], at most `places` decimals, no sign or exponent. */
static int parse_fixed(const char *s, size_t len, int places, int64_t *out)
{
    int64_t v = 0;
    size_t i = 0, nint, nfrac = 0;

    for (; i < len && is_digit(s[i]); i++)
        if (!push_digit(&v, s[i] - '0'))
            return CUSTSEG_EINVAL;
    nint = i;
    if (i < len && s[i] == '.')
        for (i++; i < len && is_digit(s[i]); i++, nfrac++)
            if (nfrac == (size_t)places || !push_digit(&v, s[i] - '0'))
                return CUSTSEG_EINVAL;
    if (i != len || nint + nfrac == 0)
        return CUSTSEG_EINVAL;
    for (; nfrac < (size_t)places; nfrac++)
        if (!push_digit(&v, 0))
            return CUSTSEG_EINVAL;
    *out = v;
    return CUSTSEG_OK;
}

int custseg__parse_fixed_list(const char *text, int places, int64_t *out,
                              size_t max, size_t *n)
{
    const char *p = text, *item;
    size_t len;

    *n = 0;
    while (custseg__list_next(&p, &item, &len)) {
        if (*n == max || parse_fixed(item, len, places, &out[*n]) != 0)
            return CUSTSEG_EINVAL;
        ++*n;
    }
    return CUSTSEG_OK;
}
