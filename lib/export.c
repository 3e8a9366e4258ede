/*
 * export.c - writing a result as CSV, JSON or a readable table.
 *
 * The schemas are documented in custseg(1). Everything goes through one
 * 64 KiB buffer flushed through the caller's write callback, so a million
 * CSV rows cost a few hundred callback calls, not millions.
 *
 * Numbers are formatted with the decimal.c helpers, or for CSV rows with
 * exact copies of them tuned for a million rows, never with printf: %f and
 * %g follow LC_NUMERIC, and the output must be byte-identical whatever
 * locale the host has set. Money (int64 ten-thousandths) is printed with
 * the caller's decimals and never goes through a double.
 *
 * The result is const and only read. A failure records why in r->err, the
 * one mutable part of a result (see result.c); success leaves it as it is.
 */
#include "internal.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#define EXPORT_BUF ((size_t)64 * 1024)
#define NUM_MAX 64      /* room for any custseg__format_* output */
#define FIX_DECIMALS 6  /* doubles in CSV and JSON */

/* ------------------------------------------------------------ the buffer */

typedef struct writer {
    char *buf;          /* EXPORT_BUF bytes */
    size_t len;
    custseg_write_fn fn;
    void *payload;
    int status;         /* CUSTSEG_ECALLBACK once fn failed, ENOMEM once
                           a format ran out of memory; sticky */
} writer;

static void w_flush(writer *w)
{
    if (w->len > 0 && w->status == CUSTSEG_OK &&
        w->fn(w->buf, w->len, w->payload) != 0)
        w->status = CUSTSEG_ECALLBACK;
    /* After a failure later output is dropped; loops stop on w->status. */
    w->len = 0;
}

/* Room for n (<= EXPORT_BUF) bytes at the end of the buffer. */
static char *w_room(writer *w, size_t n)
{
    if (EXPORT_BUF - w->len < n)
        w_flush(w);
    return w->buf + w->len;
}

static void w_put(writer *w, const char *s, size_t n)
{
    while (n > 0) {
        size_t k;

        if (w->len == EXPORT_BUF)
            w_flush(w);
        k = EXPORT_BUF - w->len;
        if (k > n)
            k = n;
        memcpy(w->buf + w->len, s, k);
        w->len += k;
        s += k;
        n -= k;
    }
}

static void w_char(writer *w, char c)
{
    if (w->len == EXPORT_BUF)
        w_flush(w);
    w->buf[w->len++] = c;
}

static void w_str(writer *w, const char *s)
{
    w_put(w, s, strlen(s));
}

static void w_repeat(writer *w, char c, size_t n)
{
    while (n-- > 0)
        w_char(w, c);
}

static void w_int(writer *w, int64_t v)
{
    char *p = w_room(w, NUM_MAX);

    w->len += custseg__format_int64(p, v);
}

static void w_money(writer *w, int64_t v, int decimals)
{
    char *p = w_room(w, NUM_MAX);

    w->len += custseg__format_e4(p, v, decimals);
}

/* A statistic: NaN or an infinity is "null" in JSON and empty in CSV
 * (what CSV readers take as missing), never "nan". */
static void w_num(writer *w, double x, int decimals, bool json)
{
    char *p;

    if (!isfinite(x)) {
        if (json)
            w_put(w, "null", 4);
        return;
    }
    p = w_room(w, NUM_MAX);
    w->len += custseg__format_double(p, x, decimals);
}

/* RFC 4180: quote only when needed, doubling quotes inside. */
static bool csv_needs_quotes(const char *s, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];

        /* All four specials are below '-': one compare for most bytes. */
        if (c < '-' && (c == ',' || c == '"' || c == '\r' || c == '\n'))
            return true;
    }
    return false;
}

static void w_csv_str(writer *w, const char *s, size_t n)
{
    if (!csv_needs_quotes(s, n)) {
        w_put(w, s, n);
        return;
    }
    w_char(w, '"');
    for (;;) {
        const char *q = memchr(s, '"', n);
        size_t k = q != NULL ? (size_t)(q - s) + 1 : n;

        w_put(w, s, k);
        if (q == NULL)
            break;
        w_char(w, '"');
        s += k;
        n -= k;
    }
    w_char(w, '"');
}

/* Length of the valid UTF-8 sequence at s (RFC 3629: no overlong form,
 * no surrogate, nothing above U+10FFFF) whose lead byte is >= 0x80, or 0
 * when the bytes are not one. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    unsigned lo = 0x80, hi = 0xBF; /* allowed second bytes */
    size_t len, i;

    if (s[0] >= 0xC2 && s[0] <= 0xDF)
        len = 2;
    else if (s[0] >= 0xE0 && s[0] <= 0xEF)
        len = 3;
    else if (s[0] >= 0xF0 && s[0] <= 0xF4)
        len = 4;
    else
        return 0;
    if (s[0] == 0xE0)
        lo = 0xA0;
    else if (s[0] == 0xED)
        hi = 0x9F;
    else if (s[0] == 0xF0)
        lo = 0x90;
    else if (s[0] == 0xF4)
        hi = 0x8F;
    if (n < len || s[1] < lo || s[1] > hi)
        return 0;
    for (i = 2; i < len; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    return len;
}

/* RFC 8259 string. Valid UTF-8 passes through; a byte that is not part
 * of valid UTF-8 (ids are bytes, not checked on input) becomes U+FFFD,
 * because JSON text must be UTF-8 and readers reject anything else. */
static void w_json_str(writer *w, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *u = (const unsigned char *)s;
    size_t i, k, run = 0;

    w_char(w, '"');
    for (i = 0; i < n; i++) {
        unsigned char c = u[i];
        char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};

        if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\')
            continue;
        if (c >= 0x80 && (k = utf8_len(u + i, n - i)) > 0) {
            i += k - 1;
            continue;
        }
        w_put(w, s + run, i - run);
        run = i + 1;
        if (c >= 0x80) {
            w_put(w, "\\ufffd", 6);
        } else if (c >= 0x20) {
            e[1] = (char)c;
            w_put(w, e, 2);
        } else {
            w_put(w, e, 6);
        }
    }
    w_put(w, s + run, n - run);
    w_char(w, '"');
}

static void w_text(writer *w, const char *s, bool json)
{
    if (json)
        w_json_str(w, s, strlen(s));
    else
        w_csv_str(w, s, strlen(s));
}

/* ------------------------------------------------------- per-row columns */

static const char *row_id(const custseg_result *r, size_t row, size_t *len)
{
    /* Ids are stored NUL-terminated back to back, n + 1 offsets. */
    *len = (size_t)(r->id_offsets[row + 1] - r->id_offsets[row] - 1);
    return r->id_bytes + r->id_offsets[row];
}

static const char *row_segment(const custseg_result *r, size_t row)
{
    uint32_t s = r->segment[row];

    return s < r->nseg ? r->segs[s].name : "";
}

enum {
    COL_ID,
    COL_INT,      /* an integer field */
    COL_MONEY,    /* an e4 field */
    COL_RFM_SUM,  /* r + f + m */
    COL_SCORE,    /* the strategy's score, a double */
    COL_SEGMENT
};

typedef struct column {
    int kind;
    int field;    /* CUSTSEG_FIELD_* for COL_INT and COL_MONEY */
    const char *name;
} column;

#define MAX_COLUMNS 12

static const column rfm_columns[] = {
    {COL_ID, 0, "customer_id"},
    {COL_INT, CUSTSEG_FIELD_RECENCY, "recency"},
    {COL_INT, CUSTSEG_FIELD_FREQUENCY, "frequency"},
    {COL_MONEY, CUSTSEG_FIELD_MONETARY, "monetary"},
    {COL_INT, CUSTSEG_FIELD_R, "r"},
    {COL_INT, CUSTSEG_FIELD_F, "f"},
    {COL_INT, CUSTSEG_FIELD_M, "m"},
    {COL_RFM_SUM, 0, "score"},
    {COL_SEGMENT, 0, "segment"}
};

static const column decile_columns[] = {
    {COL_ID, 0, "customer_id"},
    {COL_INT, CUSTSEG_FIELD_VALUE, "value"},
    {COL_INT, CUSTSEG_FIELD_DECILE, "decile"}
};

/* Strategies without a fixed layout: the metrics they have, then the
 * score and the segment. */
static size_t generic_columns(const custseg_result *r, column *c)
{
    static const column metric[] = {
        {COL_INT, CUSTSEG_FIELD_RECENCY, "recency"},
        {COL_INT, CUSTSEG_FIELD_FREQUENCY, "frequency"},
        {COL_MONEY, CUSTSEG_FIELD_MONETARY, "monetary"},
        {COL_INT, CUSTSEG_FIELD_VALUE, "value"}
    };
    size_t i, n = 0;

    c[n++] = rfm_columns[0];
    for (i = 0; i < sizeof metric / sizeof metric[0]; i++)
        if (r->field[metric[i].field] != NULL)
            c[n++] = metric[i];
    c[n++] = (column){COL_SCORE, 0, "score"};
    c[n++] = (column){COL_SEGMENT, 0, "segment"};
    return n;
}

static size_t row_columns(const custseg_result *r, column *c)
{
    size_t i, n;

    if (r->field[CUSTSEG_FIELD_R] != NULL) {
        n = sizeof rfm_columns / sizeof rfm_columns[0];
        memcpy(c, rfm_columns, sizeof rfm_columns);
    } else if (r->field[CUSTSEG_FIELD_DECILE] != NULL) {
        n = sizeof decile_columns / sizeof decile_columns[0];
        memcpy(c, decile_columns, sizeof decile_columns);
    } else {
        n = generic_columns(r, c);
    }
    /* The ranked value is money for some metrics, a count for others. */
    for (i = 0; i < n; i++)
        if (c[i].kind == COL_INT && c[i].field == CUSTSEG_FIELD_VALUE &&
            r->value_is_money)
            c[i].kind = COL_MONEY;
    return n;
}

static bool rfm_sum(const custseg_result *r, size_t row, int64_t *out)
{
    const int64_t *R = r->field[CUSTSEG_FIELD_R];
    const int64_t *F = r->field[CUSTSEG_FIELD_F];
    const int64_t *M = r->field[CUSTSEG_FIELD_M];

    if (R == NULL || F == NULL || M == NULL)
        return false;
    *out = R[row] + F[row] + M[row];
    return true;
}

static void w_missing(writer *w, bool json)
{
    if (json)
        w_put(w, "null", 4);
}

static void w_cell(writer *w, const custseg_result *r, const column *c,
                   size_t row, int decimals, bool json)
{
    const int64_t *f = c->kind == COL_INT || c->kind == COL_MONEY
                           ? r->field[c->field] : NULL;
    const char *s;
    size_t len;
    int64_t v;

    switch (c->kind) {
    case COL_ID:
        s = row_id(r, row, &len);
        if (json)
            w_json_str(w, s, len);
        else
            w_csv_str(w, s, len);
        return;
    case COL_SEGMENT:
        w_text(w, row_segment(r, row), json);
        return;
    case COL_SCORE:
        w_num(w, r->score[row], FIX_DECIMALS, json);
        return;
    case COL_RFM_SUM:
        if (rfm_sum(r, row, &v))
            w_int(w, v);
        else
            w_missing(w, json);
        return;
    default:
        if (f == NULL)
            w_missing(w, json);
        else if (c->kind == COL_MONEY)
            w_money(w, f[row], decimals);
        else
            w_int(w, f[row]);
        return;
    }
}

/* ------------------------------------------------------------ CSV rows
 * The per-row loop is where a CSV export spends its time, so rows are
 * written straight into the buffer after one room check for the most a
 * row can take, integers two digits at a time and money with constant
 * divisors. The bytes are exactly those of w_cell, which still writes a
 * row too long for the buffer. */

static const char digit_pairs[] =
    "00010203040506070809101112131415161718192021222324252627282930313233"
    "34353637383940414243444546474849505152535455565758596061626364656667"
    "6869707172737475767778798081828384858687888990919293949596979899";

/* The decimal digits of v, zero-padded to at least width, written from
 * the last one back: no temporary to copy. */
static char *put_digits(char *p, uint64_t v, int width)
{
    uint64_t t = v;
    int n = 1;
    char *end, *s;

    while (t >= 10) {
        t /= 10;
        n++;
    }
    while (n < width) {
        *p++ = '0';
        width--;
    }
    end = s = p + n;
    while (v >= 100) {
        unsigned d = (unsigned)(v % 100) * 2;
        v /= 100;
        s -= 2;
        s[0] = digit_pairs[d];
        s[1] = digit_pairs[d + 1];
    }
    if (v >= 10) {
        s[-2] = digit_pairs[v * 2];
        s[-1] = digit_pairs[v * 2 + 1];
    } else {
        s[-1] = (char)('0' + v);
    }
    return end;
}

/* As custseg__format_int64. Scores and day or order counts are mostly
 * one or two digits: those take no call. */
static inline char *put_int(char *p, int64_t v)
{
    if (v >= 0 && v < 100) {
        if (v < 10) {
            *p = (char)('0' + v);
            return p + 1;
        }
        p[0] = digit_pairs[v * 2];
        p[1] = digit_pairs[v * 2 + 1];
        return p + 2;
    }
    if (v < 0) {
        *p++ = '-';
        return put_digits(p, 0 - (uint64_t)v, 1);
    }
    return put_digits(p, (uint64_t)v, 1);
}

/* As custseg__format_e4 with `decimals` places (unit = 10^decimals, div =
 * 10^(4 - decimals)): rounded half away from zero, no sign on a zero.
 * Inlined with constants, the divisions become multiplications. */
static inline char *put_e4(char *p, int64_t v, uint64_t div, uint64_t unit,
                           int decimals)
{
    uint64_t mag = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    uint64_t q = mag / div + ((mag % div) * 2 >= div);

    if (v < 0 && q != 0)
        *p++ = '-';
    p = put_digits(p, q / unit, 1);
    if (decimals > 0) {
        *p++ = '.';
        p = put_digits(p, q % unit, decimals);
    }
    return p;
}

static char *put_money(char *p, int64_t v, int decimals)
{
    switch (decimals) {
    case 0:
        return put_e4(p, v, 10000, 1, 0);
    case 1:
        return put_e4(p, v, 1000, 10, 1);
    case 2:
        return put_e4(p, v, 100, 100, 2);
    case 3:
        return put_e4(p, v, 10, 1000, 3);
    default:
        return put_e4(p, v, 1, 10000, 4);
    }
}

/* s as a CSV cell (w_csv_str's bytes); p has room for 2 * n + 2. Ids
 * and names are short: a byte loop that also looks for the specials
 * beats a scan followed by a library copy. */
static char *put_csv_str(char *p, const char *s, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < '-' && (c == ',' || c == '"' || c == '\r' || c == '\n'))
            break;
        p[i] = (char)c;
    }
    if (i == n)
        return p + n;
    *p++ = '"';
    for (i = 0; i < n; i++) {
        if (s[i] == '"')
            *p++ = '"';
        *p++ = s[i];
    }
    *p++ = '"';
    return p;
}

typedef struct csv_rows {
    const custseg_result *r;
    const column *c;
    size_t nc;
    int decimals;
    const int64_t *f[MAX_COLUMNS]; /* each column's field, or NULL */
    char *segtext;  /* each segment's name as a CSV cell, back to back */
    size_t *segoff; /* nseg + 1 offsets into segtext */
    size_t bound;   /* most bytes of a row, its id aside */
} csv_rows;

/* Segment names are quoted once per export, not once per row. */
static int csv_rows_init(csv_rows *cr, const custseg_result *r,
                         const column *c, size_t nc, int decimals)
{
    size_t i, bytes = 0, widest = 0;

    memset(cr, 0, sizeof *cr);
    cr->r = r;
    cr->c = c;
    cr->nc = nc;
    cr->decimals = decimals;
    cr->segoff = custseg__malloc((r->nseg + 1) * sizeof *cr->segoff);
    if (cr->segoff == NULL)
        return CUSTSEG_ENOMEM;
    for (i = 0; i < r->nseg; i++)
        bytes += 2 * strlen(r->segs[i].name) + 2;
    if ((cr->segtext = custseg__malloc(bytes ? bytes : 1)) == NULL)
        return CUSTSEG_ENOMEM;
    cr->segoff[0] = 0;
    for (i = 0; i < r->nseg; i++) {
        const char *name = r->segs[i].name;
        char *end = put_csv_str(cr->segtext + cr->segoff[i], name,
                                strlen(name));
        cr->segoff[i + 1] = (size_t)(end - cr->segtext);
        if (cr->segoff[i + 1] - cr->segoff[i] > widest)
            widest = cr->segoff[i + 1] - cr->segoff[i];
    }
    cr->bound = nc + 2; /* commas, newline and the id's quotes */
    for (i = 0; i < nc; i++) {
        if (c[i].kind == COL_INT || c[i].kind == COL_MONEY)
            cr->f[i] = r->field[c[i].field];
        cr->bound += c[i].kind == COL_SEGMENT ? widest
                     : c[i].kind == COL_ID    ? 0
                                              : NUM_MAX;
    }
    return CUSTSEG_OK;
}

static void csv_rows_free(csv_rows *cr)
{
    custseg__free(cr->segtext);
    custseg__free(cr->segoff);
}

static char *put_cell(char *p, const csv_rows *cr, size_t i, size_t row)
{
    const custseg_result *r = cr->r;
    const char *s;
    size_t len;
    uint32_t g;
    int64_t v;

    switch (cr->c[i].kind) {
    case COL_ID:
        s = row_id(r, row, &len);
        return put_csv_str(p, s, len);
    case COL_SEGMENT:
        g = r->segment[row];
        if (g >= r->nseg)
            return p; /* row_segment's "" */
        for (s = cr->segtext + cr->segoff[g],
            len = cr->segoff[g + 1] - cr->segoff[g]; len > 0; len--)
            *p++ = *s++;
        return p;
    case COL_SCORE:
        if (!isfinite(r->score[row]))
            return p;
        return p + custseg__format_double(p, r->score[row], FIX_DECIMALS);
    case COL_RFM_SUM:
        return rfm_sum(r, row, &v) ? put_int(p, v) : p;
    case COL_MONEY:
        return cr->f[i] ? put_money(p, cr->f[i][row], cr->decimals) : p;
    default:
        return cr->f[i] ? put_int(p, cr->f[i][row]) : p;
    }
}

static void csv_row(writer *w, const csv_rows *cr, size_t row)
{
    size_t i, idlen = (size_t)(cr->r->id_offsets[row + 1] -
                               cr->r->id_offsets[row] - 1);
    size_t most = cr->bound + 2 * idlen;
    char *p, *start;

    if (most > EXPORT_BUF) { /* a huge id: cell by cell */
        for (i = 0; i < cr->nc; i++) {
            if (i > 0)
                w_char(w, ',');
            w_cell(w, cr->r, &cr->c[i], row, cr->decimals, false);
        }
        w_char(w, '\n');
        return;
    }
    p = start = w_room(w, most);
    for (i = 0; i < cr->nc; i++) {
        if (i > 0)
            *p++ = ',';
        p = put_cell(p, cr, i, row);
    }
    *p++ = '\n';
    w->len += (size_t)(p - start);
}

static void write_csv(writer *w, const custseg_result *r, int decimals)
{
    column c[MAX_COLUMNS];
    size_t nc = row_columns(r, c), i, row;
    csv_rows cr;

    if (csv_rows_init(&cr, r, c, nc, decimals) != CUSTSEG_OK) {
        csv_rows_free(&cr);
        w->status = CUSTSEG_ENOMEM; /* nothing written yet */
        return;
    }
    for (i = 0; i < nc; i++) {
        if (i > 0)
            w_char(w, ',');
        w_str(w, c[i].name);
    }
    w_char(w, '\n');
    for (row = 0; row < r->n && w->status == CUSTSEG_OK; row++)
        csv_row(w, &cr, row);
    csv_rows_free(&cr);
}

/* ---------------------------------------------------- segment statistics */

typedef struct segstat {
    const char *csv;   /* SEGMENTS_CSV header */
    const char *json;  /* JSON key */
    int stat;
} segstat;

static const segstat seg_stats[] = {
    {"customers", "count", CUSTSEG_STAT_COUNT},
    {"share", "share", CUSTSEG_STAT_SHARE},
    {"revenue", "revenue", CUSTSEG_STAT_REVENUE},
    {"revenue_share", "revenue_share", CUSTSEG_STAT_REVENUE_SHARE},
    {"score_mean", "score_mean", CUSTSEG_STAT_SCORE_MEAN},
    {"score_sd", "score_sd", CUSTSEG_STAT_SCORE_SD},
    {"score_min", "score_min", CUSTSEG_STAT_SCORE_MIN},
    {"score_max", "score_max", CUSTSEG_STAT_SCORE_MAX},
    {"cum_revenue_share", "cum_revenue_share",
     CUSTSEG_STAT_CUM_REVENUE_SHARE},
    {"lift", "lift", CUSTSEG_STAT_LIFT},
    {"cum_lift", "cum_lift", CUSTSEG_STAT_CUM_LIFT}
};
#define NSEG_STATS (sizeof seg_stats / sizeof seg_stats[0])

/* Count and revenue come from the exact integers, not the doubles. */
static void w_segstat(writer *w, const custseg_segment *s, int stat,
                      int decimals, bool json)
{
    if (stat == CUSTSEG_STAT_COUNT)
        w_int(w, s->count);
    else if (stat == CUSTSEG_STAT_REVENUE)
        w_money(w, s->revenue, decimals);
    else
        w_num(w, s->stat[stat], FIX_DECIMALS, json);
}

static void write_segments_csv(writer *w, const custseg_result *r,
                               int decimals)
{
    size_t i, k;

    w_str(w, "segment");
    for (k = 0; k < NSEG_STATS; k++) {
        w_char(w, ',');
        w_str(w, seg_stats[k].csv);
    }
    w_char(w, '\n');
    for (i = 0; i < r->nseg; i++) {
        w_text(w, r->segs[i].name, false);
        for (k = 0; k < NSEG_STATS; k++) {
            w_char(w, ',');
            w_segstat(w, &r->segs[i], seg_stats[k].stat, decimals, false);
        }
        w_char(w, '\n');
    }
}

/* ------------------------------------------------------------------ JSON */

static const char *const rfm_vars[3] = {"recency", "frequency", "monetary"};

static int threshold_bins(const custseg_result *r)
{
    return r->bins < 0 ? 0 : r->bins > 10 ? 10 : r->bins;
}

static void json_thresholds(writer *w, const custseg_result *r)
{
    int v, k, bins = threshold_bins(r);

    w_str(w, ",\"thresholds\":{");
    for (v = 0; v < 3; v++) {
        w_str(w, v > 0 ? ",\"" : "\"");
        w_str(w, rfm_vars[v]);
        w_str(w, "\":[");
        for (k = 0; k < bins; k++) {
            w_str(w, k > 0 ? ",{\"score\":" : "{\"score\":");
            w_int(w, k + 1);
            w_str(w, ",\"lower\":");
            w_num(w, r->thr_lower[v][k], FIX_DECIMALS, true);
            w_str(w, ",\"upper\":");
            w_num(w, r->thr_upper[v][k], FIX_DECIMALS, true);
            w_char(w, '}');
        }
        w_char(w, ']');
    }
    w_char(w, '}');
}

static void json_segments(writer *w, const custseg_result *r, int decimals)
{
    size_t i, k;

    w_str(w, ",\"segments\":[");
    for (i = 0; i < r->nseg; i++) {
        w_str(w, i > 0 ? ",{\"name\":" : "{\"name\":");
        w_text(w, r->segs[i].name, true);
        for (k = 0; k < NSEG_STATS; k++) {
            w_str(w, ",\"");
            w_str(w, seg_stats[k].json);
            w_str(w, "\":");
            w_segstat(w, &r->segs[i], seg_stats[k].stat, decimals, true);
        }
        w_char(w, '}');
    }
    w_char(w, ']');
}

static void json_rows(writer *w, const custseg_result *r, int decimals)
{
    column c[MAX_COLUMNS];
    size_t nc = row_columns(r, c), i, row;

    w_str(w, ",\"rows\":[");
    for (row = 0; row < r->n && w->status == CUSTSEG_OK; row++) {
        w_str(w, row > 0 ? ",{" : "{");
        for (i = 0; i < nc; i++) {
            w_str(w, i > 0 ? ",\"" : "\"");
            w_str(w, c[i].name);
            w_str(w, "\":");
            w_cell(w, r, &c[i], row, decimals, true);
        }
        w_char(w, '}');
    }
    w_char(w, ']');
}

static void write_json(writer *w, const custseg_result *r, int decimals)
{
    w_str(w, "{\"strategy\":");
    w_text(w, r->strategy, true);
    w_str(w, ",\"customers\":");
    w_int(w, (int64_t)r->n);
    if (r->bins > 0) {
        w_str(w, ",\"bins\":");
        w_int(w, r->bins);
    }
    if (r->has_thresholds)
        json_thresholds(w, r);
    json_segments(w, r, decimals);
    json_rows(w, r, decimals);
    w_str(w, "}\n");
}

/* ----------------------------------------------------------------- table
 * A small generic aligned-table printer: widths are measured in a first
 * pass over the cells and the cells are formatted again in the second, so
 * nothing is allocated however many segments there are. */

#define TMAX 12

typedef struct tcell {
    const char *s;
    size_t len;
    char buf[3 * NUM_MAX];
} tcell;

typedef void (*tcell_fn)(const void *ctx, size_t row, size_t col,
                         tcell *c);

typedef struct table {
    size_t nrows, ncols;
    const char *head[TMAX];
    const char *group[TMAX]; /* label over a run of columns, or NULL */
    size_t width[TMAX];
    unsigned left;           /* bit i: column i is left-aligned */
    bool total;              /* the last row is a total: rule above it */
    tcell_fn cell;
    const void *ctx;
} table;

/* Terminal columns of UTF-8 text: one per character, i.e. per byte that
 * is not a continuation byte. Wide (CJK) characters are not counted
 * twice: that would need Unicode tables for a cosmetic gain. */
static size_t disp_width(const char *s, size_t n)
{
    size_t i, w = 0;

    for (i = 0; i < n; i++)
        w += ((unsigned char)s[i] & 0xC0) != 0x80;
    return w;
}

static bool same_group(const table *t, size_t a, size_t b)
{
    return t->group[a] != NULL && t->group[b] != NULL &&
           strcmp(t->group[a], t->group[b]) == 0;
}

/* Width of the columns a..b-1 with their separators. */
static size_t span_width(const table *t, size_t a, size_t b)
{
    size_t w = 2 * (b - a - 1);

    while (a < b)
        w += t->width[a++];
    return w;
}

static size_t group_end(const table *t, size_t a)
{
    size_t b = a + 1;

    while (b < t->ncols && same_group(t, a, b))
        b++;
    return b;
}

static void t_measure(table *t)
{
    size_t row, col, end, len;
    tcell c;

    for (col = 0; col < t->ncols; col++)
        t->width[col] = strlen(t->head[col]);
    for (row = 0; row < t->nrows; row++)
        for (col = 0; col < t->ncols; col++) {
            t->cell(t->ctx, row, col, &c);
            len = disp_width(c.s, c.len);
            if (len > t->width[col])
                t->width[col] = len;
        }
    /* A group label wider than its columns widens the last of them. */
    for (col = 0; col < t->ncols; col = end) {
        end = group_end(t, col);
        len = t->group[col] != NULL ? strlen(t->group[col]) : 0;
        if (span_width(t, col, end) < len)
            t->width[end - 1] += len - span_width(t, col, end);
    }
}

/* Names come from callers: a control byte would break the layout. */
static void w_sanitized(writer *w, const char *s, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];

        w_char(w, c < 0x20 || c == 0x7f ? '?' : (char)c);
    }
}

static void t_field(writer *w, const table *t, size_t col, const char *s,
                    size_t n)
{
    size_t pad = t->width[col] - disp_width(s, n);
    bool left = (t->left >> col) & 1u;

    if (col > 0)
        w_repeat(w, ' ', 2);
    if (!left)
        w_repeat(w, ' ', pad);
    w_sanitized(w, s, n);
    /* No trailing blanks at the end of a line. */
    if (left && col + 1 < t->ncols)
        w_repeat(w, ' ', pad);
}

/* "---- label ----" centred over a span, or the bare label if tight. */
static void t_label(writer *w, const char *label, size_t span,
                    size_t *pending)
{
    size_t len = strlen(label), dash = span - len;

    if (span >= len + 4) {
        w_repeat(w, ' ', *pending);
        w_repeat(w, '-', (dash - 2) / 2);
        w_char(w, ' ');
        w_str(w, label);
        w_char(w, ' ');
        w_repeat(w, '-', dash - 2 - (dash - 2) / 2);
        *pending = 0;
        return;
    }
    w_repeat(w, ' ', *pending + dash / 2);
    w_str(w, label);
    *pending = dash - dash / 2;
}

static void t_groups(writer *w, const table *t)
{
    size_t col, end, pending = 0;
    bool any = false;

    for (col = 0; col < t->ncols; col++)
        any = any || t->group[col] != NULL;
    if (!any)
        return;
    for (col = 0; col < t->ncols; col = end) {
        end = group_end(t, col);
        pending += col > 0 ? 2 : 0;
        if (t->group[col] == NULL)
            pending += span_width(t, col, end);
        else
            t_label(w, t->group[col], span_width(t, col, end), &pending);
    }
    w_char(w, '\n');
}

static void t_print(writer *w, table *t)
{
    size_t row, col;
    tcell c;

    t_measure(t);
    t_groups(w, t);
    for (col = 0; col < t->ncols; col++)
        t_field(w, t, col, t->head[col], strlen(t->head[col]));
    w_char(w, '\n');
    for (row = 0; row < t->nrows && w->status == CUSTSEG_OK; row++) {
        if (t->total && row + 1 == t->nrows) {
            w_repeat(w, '-', span_width(t, 0, t->ncols));
            w_char(w, '\n');
        }
        for (col = 0; col < t->ncols; col++) {
            t->cell(t->ctx, row, col, &c);
            t_field(w, t, col, c.s, c.len);
        }
        w_char(w, '\n');
    }
}

static void cell_text(tcell *c, const char *s)
{
    c->s = s;
    c->len = strlen(s);
}

static void cell_double(tcell *c, double x, int decimals)
{
    if (!isfinite(x)) {
        cell_text(c, "-");
        return;
    }
    c->s = c->buf;
    c->len = custseg__format_double(c->buf, x, decimals);
}

/* Up to two decimals, trailing zeros trimmed: 255.8, 115, 0.25. */
static size_t format_trimmed(char *buf, double x)
{
    size_t n;

    if (!isfinite(x)) {
        buf[0] = '-';
        return 1;
    }
    n = custseg__format_double(buf, x, 2);
    while (n > 1 && buf[n - 1] == '0' && memchr(buf, '.', n) != NULL)
        n--;
    if (n > 1 && buf[n - 1] == '.')
        n--;
    if (n == 2 && buf[0] == '-' && buf[1] == '0') {
        buf[0] = '0';
        n = 1;
    }
    return n;
}

/* ---------------------------------------------- segment statistics table */

enum {
    T_NAME, T_COUNT, T_SHARE, T_REVENUE, T_REVSHARE, T_CUMSHARE, T_LIFT,
    T_MEAN, T_SD, T_MIN, T_MAX
};

typedef struct tcolumn {
    int id;
    const char *head, *group;
} tcolumn;

static const tcolumn seg_tcolumns[] = {
    {T_NAME, "segment", NULL},
    {T_COUNT, "count", "customers"},
    {T_SHARE, "%", "customers"},
    {T_REVENUE, "total", "revenue"},
    {T_REVSHARE, "%", "revenue"},
    {T_CUMSHARE, "cum %", "revenue"},
    {T_LIFT, "lift", "revenue"},
    {T_MEAN, "mean", "score"},
    {T_SD, "sd", "score"},
    {T_MIN, "min", "score"},
    {T_MAX, "max", "score"}
};

typedef struct segtab {
    const custseg_result *r;
    int decimals;
    int score_decimals;    /* for mean and sd */
    int minmax_decimals;   /* for min and max */
    int ids[TMAX];
    custseg_segment total; /* the last row */
} segtab;

static const custseg_segment *segtab_row(const segtab *st, size_t row)
{
    return row < st->r->nseg ? &st->r->segs[row] : &st->total;
}

static void segtab_cell(const void *ctx, size_t row, size_t col, tcell *c)
{
    const segtab *st = ctx;
    const custseg_segment *s = segtab_row(st, row);
    int id = st->ids[col];

    c->s = c->buf;
    switch (id) {
    case T_NAME:
        cell_text(c, row < st->r->nseg ? s->name : "total");
        return;
    case T_COUNT:
        c->len = custseg__format_int64(c->buf, s->count);
        return;
    case T_REVENUE:
        c->len = custseg__format_e4(c->buf, s->revenue, st->decimals);
        return;
    case T_SHARE:
        cell_double(c, 100.0 * s->stat[CUSTSEG_STAT_SHARE], 1);
        return;
    case T_REVSHARE:
        cell_double(c, 100.0 * s->stat[CUSTSEG_STAT_REVENUE_SHARE], 1);
        return;
    case T_CUMSHARE:
        cell_double(c, 100.0 * s->stat[CUSTSEG_STAT_CUM_REVENUE_SHARE], 1);
        return;
    case T_LIFT:
        cell_double(c, s->stat[CUSTSEG_STAT_LIFT], 2);
        return;
    case T_MEAN:
    case T_SD:
        cell_double(c, s->stat[id == T_MEAN ? CUSTSEG_STAT_SCORE_MEAN
                                            : CUSTSEG_STAT_SCORE_SD],
                    st->score_decimals);
        return;
    default:
        cell_double(c, s->stat[id == T_MIN ? CUSTSEG_STAT_SCORE_MIN
                                           : CUSTSEG_STAT_SCORE_MAX],
                    st->minmax_decimals);
        return;
    }
}

/* Score statistics over every customer, for the total row. */
static void score_summary(const custseg_result *r, double *stat)
{
    double sum = 0, ss = 0, lo = 0, hi = 0, mean;
    size_t i;

    for (i = 0; i < r->n; i++) {
        double x = r->score[i];

        sum += x;
        lo = i == 0 || x < lo ? x : lo;
        hi = i == 0 || x > hi ? x : hi;
    }
    mean = r->n > 0 ? sum / (double)r->n : 0;
    for (i = 0; i < r->n; i++)
        ss += (r->score[i] - mean) * (r->score[i] - mean);
    stat[CUSTSEG_STAT_SCORE_MEAN] = mean;
    stat[CUSTSEG_STAT_SCORE_SD] = r->n > 0 ? sqrt(ss / (double)r->n) : 0;
    stat[CUSTSEG_STAT_SCORE_MIN] = lo;
    stat[CUSTSEG_STAT_SCORE_MAX] = hi;
}

static void total_segment(const custseg_result *r, custseg_segment *t)
{
    /* The cumulative figures of the last segment are the totals, as
     * result.c computed them (NaN when there is no revenue). */
    const custseg_segment *last = r->nseg > 0 ? &r->segs[r->nseg - 1]
                                              : NULL;
    size_t i;

    memset(t, 0, sizeof *t);
    t->count = (int64_t)r->n;
    for (i = 0; i < r->nseg; i++)
        t->revenue += r->segs[i].revenue;
    t->stat[CUSTSEG_STAT_SHARE] = r->n > 0 ? 1.0 : 0.0;
    if (last != NULL) {
        t->stat[CUSTSEG_STAT_REVENUE_SHARE] =
            last->stat[CUSTSEG_STAT_CUM_REVENUE_SHARE];
        t->stat[CUSTSEG_STAT_CUM_REVENUE_SHARE] =
            last->stat[CUSTSEG_STAT_CUM_REVENUE_SHARE];
        t->stat[CUSTSEG_STAT_LIFT] = last->stat[CUSTSEG_STAT_CUM_LIFT];
    }
    score_summary(r, t->stat);
}

static bool whole(double x)
{
    return !isfinite(x) || (fabs(x) < 1e15 && x == floor(x));
}

static double max_abs(double a, double x)
{
    return isfinite(x) && fabs(x) > a ? fabs(x) : a;
}

/* Score statistics get about four significant digits: cents on a mean of
 * a few thousand (decile scores are money) only push the table past 80
 * columns. Min and max drop decimals when all are whole (rfm's R+F+M). */
static void score_decimals(segtab *st)
{
    static const int stats[] = {
        CUSTSEG_STAT_SCORE_MEAN, CUSTSEG_STAT_SCORE_SD,
        CUSTSEG_STAT_SCORE_MIN, CUSTSEG_STAT_SCORE_MAX
    };
    bool all_whole = true;
    double big = 0;
    size_t i, k;

    for (i = 0; i <= st->r->nseg; i++) {
        const custseg_segment *s = segtab_row(st, i);

        for (k = 0; k < 4; k++)
            big = max_abs(big, s->stat[stats[k]]);
        all_whole = all_whole && whole(s->stat[CUSTSEG_STAT_SCORE_MIN]) &&
                    whole(s->stat[CUSTSEG_STAT_SCORE_MAX]);
    }
    st->score_decimals = big >= 1000 ? 0 : big >= 100 ? 1 : 2;
    st->minmax_decimals = all_whole ? 0 : st->score_decimals;
}

static void segment_table(writer *w, const custseg_result *r, int decimals)
{
    /* Cumulative share and lift are what a decile table is read for;
     * for other strategies the segments have no meaningful order. */
    bool decile = r->field[CUSTSEG_FIELD_DECILE] != NULL;
    segtab st;
    table t;
    size_t i;

    memset(&t, 0, sizeof t);
    st.r = r;
    st.decimals = decimals;
    total_segment(r, &st.total);
    score_decimals(&st);
    for (i = 0; i < sizeof seg_tcolumns / sizeof seg_tcolumns[0]; i++) {
        int id = seg_tcolumns[i].id;

        if (!decile && (id == T_CUMSHARE || id == T_LIFT))
            continue;
        st.ids[t.ncols] = id;
        t.head[t.ncols] = seg_tcolumns[i].head;
        t.group[t.ncols++] = seg_tcolumns[i].group;
    }
    t.nrows = r->nseg + 1;
    t.left = 1u;
    t.total = true;
    t.cell = segtab_cell;
    t.ctx = &st;
    t_print(w, &t);
}

/* ------------------------------------------------------- thresholds table */

static void thrtab_cell(const void *ctx, size_t row, size_t col, tcell *c)
{
    const custseg_result *r = ctx;
    double lo, hi;
    size_t n;

    c->s = c->buf;
    if (col == 0) {
        c->len = custseg__format_int64(c->buf, (int64_t)row + 1);
        return;
    }
    lo = r->thr_lower[col - 1][row];
    hi = r->thr_upper[col - 1][row];
    if (!isfinite(lo) && !isfinite(hi)) {
        cell_text(c, "-");
        return;
    }
    /* Quantile bins mean lower <= v < upper (R rfm's bins); ntile
     * thresholds are the smallest and largest value given the score. */
    c->buf[0] = '[';
    n = 1 + format_trimmed(c->buf + 1, lo);
    memcpy(c->buf + n, ", ", 2);
    n += 2;
    n += format_trimmed(c->buf + n, hi);
    c->buf[n++] = r->thr_inclusive ? ']' : ')';
    c->len = n;
}

static void threshold_table(writer *w, const custseg_result *r)
{
    table t;

    memset(&t, 0, sizeof t);
    t.nrows = (size_t)threshold_bins(r);
    t.ncols = 4;
    t.head[0] = "score";
    t.head[1] = rfm_vars[0];
    t.head[2] = rfm_vars[1];
    t.head[3] = rfm_vars[2];
    t.group[1] = t.group[2] = t.group[3] = "thresholds";
    t.left = 0xEu;
    t.cell = thrtab_cell;
    t.ctx = r;
    t_print(w, &t);
}

static void table_title(writer *w, const custseg_result *r)
{
    char day[16];

    w_str(w, r->strategy);
    w_str(w, ": ");
    w_int(w, (int64_t)r->n);
    w_str(w, r->n == 1 ? " customer" : " customers");
    if (r->as_of_day != INT64_MIN) {
        custseg__format_day(day, r->as_of_day);
        w_str(w, ", as of ");
        w_str(w, day);
    }
    w_str(w, "\n\n");
}

static void write_table(writer *w, const custseg_result *r, int decimals)
{
    table_title(w, r);
    segment_table(w, r, decimals);
    if (r->has_thresholds && r->bins > 0) {
        w_char(w, '\n');
        threshold_table(w, r);
    }
}

/* ------------------------------------------------------------ public API */

static custseg__err *result_err(const custseg_result *r)
{
    /* A failed export may note why on a const result (see result.c). */
    return (custseg__err *)&r->err;
}

static int check_args(const custseg_result *r, int format, int decimals,
                      custseg_write_fn fn)
{
    if (format < CUSTSEG_FORMAT_CSV || format > CUSTSEG_FORMAT_SEGMENTS_CSV)
        return custseg__err_set(result_err(r), CUSTSEG_EINVAL,
                                "export: unknown format %d", format);
    if (decimals < 0 || decimals > 4)
        return custseg__err_set(result_err(r), CUSTSEG_EINVAL,
                                "export: decimals %d is outside 0..4",
                                decimals);
    if (fn == NULL)
        return custseg__err_set(result_err(r), CUSTSEG_EINVAL,
                                "export: no write callback");
    return CUSTSEG_OK;
}

static void write_format(writer *w, const custseg_result *r, int format,
                         int decimals)
{
    switch (format) {
    case CUSTSEG_FORMAT_CSV:
        write_csv(w, r, decimals);
        break;
    case CUSTSEG_FORMAT_JSON:
        write_json(w, r, decimals);
        break;
    case CUSTSEG_FORMAT_TABLE:
        write_table(w, r, decimals);
        break;
    default:
        write_segments_csv(w, r, decimals);
        break;
    }
}

int custseg__export(const custseg_result *r, int format, int decimals,
                    custseg_write_fn fn, void *payload)
{
    writer w;
    int st;

    if (r == NULL)
        return CUSTSEG_EINVAL;
    st = check_args(r, format, decimals, fn);
    if (st != CUSTSEG_OK)
        return st;
    w.buf = custseg__malloc(EXPORT_BUF);
    if (w.buf == NULL)
        return custseg__err_set(result_err(r), CUSTSEG_ENOMEM,
                                "export: out of memory");
    w.len = 0;
    w.fn = fn;
    w.payload = payload;
    w.status = CUSTSEG_OK;
    write_format(&w, r, format, decimals);
    w_flush(&w);
    custseg__free(w.buf);
    if (w.status == CUSTSEG_ENOMEM)
        return custseg__err_set(result_err(r), w.status,
                                "export: out of memory");
    if (w.status != CUSTSEG_OK)
        return custseg__err_set(result_err(r), w.status,
                                "export: the write callback failed");
    return CUSTSEG_OK;
}

int custseg_result_write(const custseg_result *r, int format, int decimals,
                         custseg_write_fn fn, void *payload)
{
    return custseg__export(r, format, decimals, fn, payload);
}

typedef struct file_sink {
    FILE *f;
    int err;    /* errno of the first failed write */
} file_sink;

static int file_write(const char *data, size_t len, void *payload)
{
    file_sink *fs = payload;

    errno = 0;
    if (fwrite(data, 1, len, fs->f) == len)
        return 0;
    fs->err = errno != 0 ? errno : EIO;
    return 1;
}

static int io_error(const custseg_result *r, const char *path, int err)
{
    return custseg__err_set(result_err(r), CUSTSEG_EIO, "%s: %s", path,
                            strerror(err));
}

int custseg_result_write_file(const custseg_result *r, int format,
                              int decimals, const char *path)
{
    file_sink fs = {NULL, 0};
    int st;

    if (r == NULL)
        return CUSTSEG_EINVAL;
    if (path == NULL)
        return custseg__err_set(result_err(r), CUSTSEG_EINVAL,
                                "export: no path");
    st = check_args(r, format, decimals, file_write);
    if (st != CUSTSEG_OK)
        return st;
    /* "w" truncates in place rather than replacing the file, so devices
     * (/dev/null, /dev/stdout) and existing permissions keep working. */
    fs.f = fopen(path, "w");
    if (fs.f == NULL)
        return io_error(r, path, errno);
    st = custseg__export(r, format, decimals, file_write, &fs);
    if (st == CUSTSEG_ECALLBACK)
        st = io_error(r, path, fs.err);
    errno = 0;
    if (fclose(fs.f) != 0 && st == CUSTSEG_OK)
        st = io_error(r, path, errno != 0 ? errno : EIO);
    return st;
}
