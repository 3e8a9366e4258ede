/*
 * rules_lex.c - tokens of the rule language (custseg-rules(7)).
 *
 * Keywords are case-insensitive, names are not. A number is digits with
 * an optional fraction and exponent, parsed without the locale; a date is
 * YYYY-MM-DD written bare, which therefore is never a subtraction. # starts
 * a comment that runs to the end of the line. Every token carries its
 * line and 1-based byte column, so errors can point at it.
 */
#include "rules.h"

#include <stdio.h>
#include <string.h>

static bool is_digit(int c)
{
    return c >= '0' && c <= '9';
}

static bool is_ident_start(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_ident(int c)
{
    return is_ident_start(c) || is_digit(c);
}

static void advance(custseg__lexer *lx, size_t n)
{
    while (n-- > 0 && lx->p < lx->end) {
        if (*lx->p == '\n') {
            lx->line++;
            lx->col = 1;
        } else {
            lx->col++;
        }
        lx->p++;
    }
}

static void skip_space(custseg__lexer *lx)
{
    while (lx->p < lx->end) {
        char c = *lx->p;
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
            advance(lx, 1);
        } else if (c == '#') {
            while (lx->p < lx->end && *lx->p != '\n')
                advance(lx, 1);
        } else {
            break;
        }
    }
}

static const struct {
    const char *word;
    int kind;
} keywords[] = {
    {"and", TK_AND}, {"or", TK_OR}, {"not", TK_NOT}, {"in", TK_IN},
    {"between", TK_BETWEEN}, {"is", TK_IS}, {"null", TK_NULL},
    {"starts_with", TK_STARTS}, {"ends_with", TK_ENDS},
    {"contains", TK_CONTAINS},
};

static bool same_word(const char *p, size_t len, const char *word)
{
    size_t i;

    if (strlen(word) != len)
        return false;
    for (i = 0; i < len; i++) {
        char c = p[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != word[i])
            return false;
    }
    return true;
}

static void word(custseg__lexer *lx, custseg__token *t)
{
    size_t n = 0, k;

    while (lx->p + n < lx->end && is_ident(lx->p[n]))
        n++;
    t->kind = TK_IDENT;
    t->len = n;
    for (k = 0; k < sizeof keywords / sizeof keywords[0]; k++)
        if (same_word(lx->p, n, keywords[k].word))
            t->kind = keywords[k].kind;
    advance(lx, n);
}

static int digits_at(const custseg__lexer *lx, size_t at)
{
    int n = 0;

    while (lx->p + at + (size_t)n < lx->end && is_digit(lx->p[at + n]))
        n++;
    return n;
}

static int two(const char *p)
{
    return (p[0] - '0') * 10 + (p[1] - '0');
}

/* YYYY-MM-DD, checked against the calendar. */
static void date(custseg__lexer *lx, custseg__token *t)
{
    const char *p = lx->p;
    int64_t y = two(p) * 100 + two(p + 2);
    int m = two(p + 5), d = two(p + 8);
    static const int mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31,
                                  30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

    t->len = 10;
    advance(lx, 10);
    if (m < 1 || m > 12 || d < 1 || d > mdays[m - 1] ||
        (m == 2 && d == 29 && !leap)) {
        t->kind = TK_ERROR;
        t->error = "not a valid date";
        return;
    }
    t->kind = TK_DATE;
    t->num = (double)custseg__days_from_civil(y, (unsigned)m, (unsigned)d);
}

static bool looks_like_date(const custseg__lexer *lx)
{
    const char *p = lx->p;

    return lx->end - p >= 10 && digits_at(lx, 0) == 4 && p[4] == '-' &&
           digits_at(lx, 5) == 2 && p[7] == '-' && digits_at(lx, 8) == 2 &&
           (lx->end - p == 10 || (!is_ident(p[10]) && p[10] != '.'));
}

static void number(custseg__lexer *lx, custseg__token *t)
{
    size_t n = (size_t)digits_at(lx, 0);

    if (looks_like_date(lx)) {
        date(lx, t);
        return;
    }
    if (lx->p + n < lx->end && lx->p[n] == '.' && digits_at(lx, n + 1) > 0)
        n += 1 + (size_t)digits_at(lx, n + 1);
    if (lx->p + n < lx->end && (lx->p[n] == 'e' || lx->p[n] == 'E')) {
        size_t s = n + 1;
        if (lx->p + s < lx->end && (lx->p[s] == '+' || lx->p[s] == '-'))
            s++;
        if (digits_at(lx, s) > 0)
            n = s + (size_t)digits_at(lx, s);
    }
    while (lx->p + n < lx->end && (is_ident(lx->p[n]) || lx->p[n] == '.'))
        n++; /* "90d", "1.2.3": one bad token, not two good ones */
    t->len = n;
    t->kind = custseg__parse_number(lx->p, n, &t->num) ? TK_NUM : TK_ERROR;
    t->error = "not a valid number";
    advance(lx, n);
}

static void string(custseg__lexer *lx, custseg__token *t)
{
    char q = *lx->p;
    size_t n = 1;

    while (lx->p + n < lx->end && lx->p[n] != q) {
        if (lx->p[n] == '\\') {
            char e = lx->p + n + 1 < lx->end ? lx->p[n + 1] : '\0';
            if (e != '\\' && e != '"' && e != '\'' && e != 'n' && e != 't') {
                t->kind = TK_ERROR;
                t->error = "unknown escape in string (use \\\\ \\\" \\' "
                           "\\n \\t)";
                t->len = n;
                advance(lx, n);
                return;
            }
            n++;
        }
        n++;
    }
    if (lx->p + n >= lx->end) {
        t->kind = TK_ERROR;
        t->error = "string is not closed";
        t->len = n;
        advance(lx, n);
        return;
    }
    t->kind = TK_STR;
    t->len = n + 1;
    advance(lx, n + 1);
}

static const struct {
    const char *text;
    int kind;
} ops[] = {
    {"<=", TK_LE}, {">=", TK_GE}, {"!=", TK_NE}, {"<>", TK_NE},
    {"(", TK_LP}, {")", TK_RP}, {",", TK_COMMA}, {"+", TK_PLUS},
    {"-", TK_MINUS}, {"*", TK_STAR}, {"/", TK_SLASH}, {"=", TK_EQ},
    {"<", TK_LT}, {">", TK_GT},
};

static void punct(custseg__lexer *lx, custseg__token *t)
{
    size_t k, len;

    for (k = 0; k < sizeof ops / sizeof ops[0]; k++) {
        len = strlen(ops[k].text);
        if ((size_t)(lx->end - lx->p) >= len &&
            memcmp(lx->p, ops[k].text, len) == 0) {
            t->kind = ops[k].kind;
            t->len = len;
            advance(lx, len);
            return;
        }
    }
    t->kind = TK_ERROR;
    t->error = "unexpected character";
    t->len = 1;
    advance(lx, 1);
}

void custseg__lex_next(custseg__lexer *lx, custseg__token *t)
{
    memset(t, 0, sizeof *t);
    skip_space(lx);
    t->p = lx->p;
    t->line = lx->line;
    t->col = lx->col;
    if (lx->p >= lx->end)
        t->kind = TK_END;
    else if (is_ident_start(*lx->p))
        word(lx, t);
    else if (is_digit(*lx->p))
        number(lx, t);
    else if (*lx->p == '"' || *lx->p == '\'')
        string(lx, t);
    else
        punct(lx, t);
}

char *custseg__lex_string(const custseg__token *t, size_t *len)
{
    char *out = custseg__malloc(t->len), *d = out;
    size_t i;

    if (out == NULL)
        return NULL;
    for (i = 1; i + 1 < t->len; i++) {
        char c = t->p[i];
        if (c == '\\') {
            c = t->p[++i];
            c = c == 'n' ? '\n' : c == 't' ? '\t' : c;
        }
        *d++ = c;
    }
    *d = '\0';
    *len = (size_t)(d - out);
    return out;
}

void custseg__tok_describe(const custseg__token *t, char *buf, size_t cap)
{
    size_t n = t->len < 40 ? t->len : 40;

    if (t->kind == TK_END)
        snprintf(buf, cap, "end of rule");
    else
        snprintf(buf, cap, "'%.*s%s'", (int)n, t->p,
                 n < t->len ? "..." : "");
}
