/*
 * segmap.c - caller segment maps for the "rfm" strategy: score ranges,
 * explicit score-code lists, and map files in CSV form.
 *
 * Segments are kept in s->segs in the order added; rfm.c applies them
 * first match wins and sends unmatched customers to "Others", as R rfm's
 * rfm_segment() does. A code list is stored as a bitmap over the code
 * index r * 121 + f * 11 + m (scores 1..10), the index rfm.c uses.
 *
 * Every call is all or nothing: a map file with one bad row adds no
 * segment at all, so a caller can fix the file and load it again.
 */
#include "internal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define CODE_BITMAP_BYTES ((11 * 11 * 11 + 7) / 8)
#define MAP_FIELDS 7
#define TOKEN_SHOWN 40 /* longest bad token quoted in a message */

static const char *const map_header[MAP_FIELDS] = {
    "segment", "r_min", "r_max", "f_min", "f_max", "m_min", "m_max"};

/* ------------------------------------------------------------ common */

static int require_rfm(custseg_strategy *s)
{
    custseg__err_clear(&s->err);
    if (s->kind != &custseg__rfm_kind)
        return custseg__err_set(&s->err, CUSTSEG_EMISUSE,
                                "segment maps apply only to the rfm "
                                "strategy, not to %s", s->kind->name);
    return CUSTSEG_OK;
}

static void segdef_free(custseg__segdef *d)
{
    custseg__free(d->name);
    custseg__free(d->codes);
}

/* A map leaves one segment of the result's limit to "Others": a map
 * that filled the limit would make every run fail. */
#define MAP_MAX_SEGMENTS (CUSTSEG_MAX_SEGMENTS - 1)

/* Room for k more segments, within the documented limit. */
static int reserve(custseg_strategy *s, size_t k)
{
    if (k > MAP_MAX_SEGMENTS || s->nsegs > MAP_MAX_SEGMENTS - k)
        return custseg__err_set(&s->err, CUSTSEG_ELIMIT,
                                "more than %u segments in a map (one of "
                                "the %u a result may have is \"Others\")",
                                (unsigned)MAP_MAX_SEGMENTS,
                                (unsigned)CUSTSEG_MAX_SEGMENTS);
    if (custseg__grow((void **)&s->segs, &s->capsegs, s->nsegs + k,
                      sizeof *s->segs) != CUSTSEG_OK)
        return custseg__err_set(&s->err, CUSTSEG_ENOMEM, "out of memory");
    return CUSTSEG_OK;
}

int custseg__segdef_add(custseg_strategy *s, const custseg__segdef *def)
{
    custseg__segdef d = *def;
    int st = reserve(s, 1);

    if (st != CUSTSEG_OK)
        return st;
    d.name = custseg__strdup(def->name);
    d.codes = NULL;
    if (d.name != NULL && def->codes != NULL &&
        (d.codes = custseg__malloc(CODE_BITMAP_BYTES)) != NULL)
        memcpy(d.codes, def->codes, CODE_BITMAP_BYTES);
    if (d.name == NULL || (def->codes != NULL && d.codes == NULL)) {
        segdef_free(&d);
        return custseg__err_set(&s->err, CUSTSEG_ENOMEM, "out of memory");
    }
    s->segs[s->nsegs++] = d;
    return CUSTSEG_OK;
}

/* ------------------------------------------------------------ ranges */

static bool range_ok(int lo, int hi)
{
    return lo >= 1 && hi <= 10 && lo <= hi;
}

int custseg_strategy_add_segment_range(custseg_strategy *s,
                                       const char *name, int r_min,
                                       int r_max, int f_min, int f_max,
                                       int m_min, int m_max)
{
    custseg__segdef d;
    int st;

    if (s == NULL)
        return CUSTSEG_EINVAL;
    if ((st = require_rfm(s)) != CUSTSEG_OK)
        return st;
    if (name == NULL || name[0] == '\0')
        return custseg__err_set(&s->err, CUSTSEG_EINVAL,
                                "a segment needs a non-empty name");
    if (!range_ok(r_min, r_max) || !range_ok(f_min, f_max) ||
        !range_ok(m_min, m_max))
        return custseg__err_set(&s->err, CUSTSEG_EINVAL,
                                "segment \"%s\": ranges r %d..%d, f %d..%d,"
                                " m %d..%d must lie in 1..10 with min <= "
                                "max", name, r_min, r_max, f_min, f_max,
                                m_min, m_max);
    memset(&d, 0, sizeof d);
    d.name = (char *)name; /* copied by custseg__segdef_add */
    d.r_min = r_min, d.r_max = r_max;
    d.f_min = f_min, d.f_max = f_max;
    d.m_min = m_min, d.m_max = m_max;
    return custseg__segdef_add(s, &d);
}

/* ------------------------------------------------------------ codes */

static bool is_code_sep(char c)
{
    return c == ' ' || c == ',' || c == '\t' || c == '\n' || c == '\r';
}

/* "r-f-m" with each score 1..10 in decimal; -1 when malformed. */
static int parse_dashed(const char *t, size_t len)
{
    int part[3], k;
    size_t i = 0;

    for (k = 0; k < 3; k++) {
        int v = 0;
        size_t start = i;
        while (i < len && i - start < 2 && t[i] >= '0' && t[i] <= '9')
            v = v * 10 + (t[i++] - '0');
        if (i == start || v < 1 || v > 10)
            return -1;
        part[k] = v;
        if (k < 2 && (i >= len || t[i++] != '-'))
            return -1;
    }
    return i == len ? part[0] * 121 + part[1] * 11 + part[2] : -1;
}

/* A score code: three digits 1..9 ("555") or the dashed form; returns
 * its index r * 121 + f * 11 + m, or -1. */
static int parse_code(const char *t, size_t len)
{
    size_t i;

    if (memchr(t, '-', len) != NULL)
        return parse_dashed(t, len);
    if (len != 3)
        return -1;
    for (i = 0; i < 3; i++)
        if (t[i] < '1' || t[i] > '9')
            return -1;
    return (t[0] - '0') * 121 + (t[1] - '0') * 11 + (t[2] - '0');
}

static int bad_code(custseg_strategy *s, const char *name, const char *t,
                    size_t len, size_t pos)
{
    return custseg__err_set(&s->err, CUSTSEG_EPARSE,
                            "segment \"%s\": bad score code \"%.*s%s\" at "
                            "character %zu: want three digits 1-9 (555) "
                            "or r-f-m with scores 1-10 (10-9-8)", name,
                            (int)(len > TOKEN_SHOWN ? TOKEN_SHOWN : len), t,
                            len > TOKEN_SHOWN ? "..." : "", pos + 1);
}

/* Fill bits (CODE_BITMAP_BYTES) from a code list; counts codes in *n. */
static int parse_codes(custseg_strategy *s, const char *name,
                       const char *codes, uint8_t *bits, size_t *n)
{
    size_t i = 0, len = strlen(codes);

    *n = 0;
    while (i < len) {
        size_t start;
        int code;
        if (is_code_sep(codes[i])) {
            i++;
            continue;
        }
        for (start = i; i < len && !is_code_sep(codes[i]); i++)
            ;
        if ((code = parse_code(codes + start, i - start)) < 0)
            return bad_code(s, name, codes + start, i - start, start);
        bits[code / 8] |= (uint8_t)(1u << (code % 8));
        ++*n;
    }
    return CUSTSEG_OK;
}

int custseg_strategy_add_segment_codes(custseg_strategy *s,
                                       const char *name, const char *codes)
{
    uint8_t bits[CODE_BITMAP_BYTES] = {0};
    custseg__segdef d;
    size_t n;
    int st;

    if (s == NULL)
        return CUSTSEG_EINVAL;
    if ((st = require_rfm(s)) != CUSTSEG_OK)
        return st;
    if (name == NULL || name[0] == '\0' || codes == NULL)
        return custseg__err_set(&s->err, CUSTSEG_EINVAL, "a segment needs "
                                "a non-empty name and a code list");
    if ((st = parse_codes(s, name, codes, bits, &n)) != CUSTSEG_OK)
        return st;
    if (n == 0)
        return custseg__err_set(&s->err, CUSTSEG_EINVAL,
                                "segment \"%s\": no score codes", name);
    memset(&d, 0, sizeof d);
    d.name = (char *)name; /* name and bits are copied */
    d.codes = bits;
    return custseg__segdef_add(s, &d);
}

/* ------------------------------------------------------------ map CSV
 * RFC 4180 records: quoted fields with "" for a quote, LF, CRLF or CR line
 * ends, an optional UTF-8 BOM. Fields of a record are unescaped into buf,
 * each NUL-terminated. */
typedef struct reader {
    const char *p, *end;
    const char *file;
    int64_t line;           /* physical line of p */
    char *buf;
    size_t len, cap;
    size_t start[MAP_FIELDS + 1]; /* first fields' offsets in buf */
    size_t nfields;
    bool quoted;            /* some field of the record was quoted */
} reader;

static int put(reader *rd, char c)
{
    if (custseg__grow((void **)&rd->buf, &rd->cap, rd->len + 1, 1) !=
        CUSTSEG_OK)
        return CUSTSEG_ENOMEM;
    rd->buf[rd->len++] = c;
    return CUSTSEG_OK;
}

static bool at_field_end(const reader *rd)
{
    return rd->p == rd->end || *rd->p == ',' || *rd->p == '\n' ||
           *rd->p == '\r';
}

static int quoted_field(custseg_strategy *s, reader *rd)
{
    int64_t line = rd->line;

    for (rd->p++; rd->p < rd->end; rd->p++) {
        if (*rd->p == '"' && (rd->p + 1 == rd->end || rd->p[1] != '"'))
            break;
        if (*rd->p == '"')
            rd->p++; /* "" stands for one quote */
        else if (*rd->p == '\n' ||
                 (*rd->p == '\r' && (rd->p + 1 == rd->end ||
                                     rd->p[1] != '\n')))
            rd->line++;
        if (put(rd, *rd->p) != CUSTSEG_OK)
            return CUSTSEG_ENOMEM;
    }
    if (rd->p == rd->end)
        return custseg__err_set_at(&s->err, CUSTSEG_EPARSE, line,
                                   (int64_t)rd->nfields + 1,
                                   "%s:%" PRId64 ": field %zu: quote not "
                                   "closed", rd->file, line,
                                   rd->nfields + 1);
    rd->p++;
    rd->quoted = true;
    if (!at_field_end(rd))
        return custseg__err_set_at(&s->err, CUSTSEG_EPARSE, rd->line,
                                   (int64_t)rd->nfields + 1,
                                   "%s:%" PRId64 ": field %zu: text after "
                                   "a closing quote", rd->file, rd->line,
                                   rd->nfields + 1);
    return CUSTSEG_OK;
}

static int field(custseg_strategy *s, reader *rd)
{
    int st = CUSTSEG_OK;

    if (rd->nfields <= MAP_FIELDS)
        rd->start[rd->nfields] = rd->len;
    if (rd->p < rd->end && *rd->p == '"')
        st = quoted_field(s, rd);
    else
        while (st == CUSTSEG_OK && !at_field_end(rd))
            st = put(rd, *rd->p++);
    if (st == CUSTSEG_OK)
        st = put(rd, '\0');
    rd->nfields++;
    return st;
}

/* Read one record; rd->nfields is 0 at the end of the input. */
static int record(custseg_strategy *s, reader *rd)
{
    int st = CUSTSEG_OK;

    rd->len = rd->nfields = 0;
    rd->quoted = false;
    if (rd->p == rd->end)
        return CUSTSEG_OK;
    do {
        if (rd->nfields > 0)
            rd->p++; /* the comma */
        st = field(s, rd);
    } while (st == CUSTSEG_OK && rd->p < rd->end && *rd->p == ',');
    if (st == CUSTSEG_OK && rd->p < rd->end) { /* the line end */
        if (*rd->p++ == '\r' && rd->p < rd->end && *rd->p == '\n')
            rd->p++;
        rd->line++;
    }
    return st;
}

static const char *field_text(const reader *rd, size_t k)
{
    return rd->buf + rd->start[k];
}

static bool blank(const reader *rd)
{
    return rd->nfields == 1 && !rd->quoted && field_text(rd, 0)[0] == '\0';
}

/* Skip blank lines; *line gets the line of the record read. */
static int next_record(custseg_strategy *s, reader *rd, int64_t *line)
{
    int st;

    do {
        *line = rd->line;
        st = record(s, rd);
    } while (st == CUSTSEG_OK && blank(rd));
    return st;
}

static int check_header(custseg_strategy *s, reader *rd)
{
    int64_t line;
    size_t k;
    int st = next_record(s, rd, &line);

    if (st != CUSTSEG_OK)
        return st;
    for (k = 0; k < MAP_FIELDS && k < rd->nfields; k++)
        if (strcmp(field_text(rd, k), map_header[k]) != 0)
            break;
    if (k == MAP_FIELDS && rd->nfields == MAP_FIELDS)
        return CUSTSEG_OK;
    return custseg__err_set_at(&s->err, CUSTSEG_EPARSE, line,
                               (int64_t)k + 1, "%s:%" PRId64 ": field %zu:"
                               " the header must be segment,r_min,r_max,"
                               "f_min,f_max,m_min,m_max", rd->file, line,
                               k + 1);
}

/* A score 1..10, optionally padded with spaces or tabs. */
static int parse_score(const char *t)
{
    int v = 0, digits = 0;

    while (*t == ' ' || *t == '\t')
        t++;
    for (; *t >= '0' && *t <= '9' && digits < 3; t++, digits++)
        v = v * 10 + (*t - '0');
    while (*t == ' ' || *t == '\t')
        t++;
    return *t == '\0' && digits > 0 && v >= 1 && v <= 10 ? v : -1;
}

static int row_error(custseg_strategy *s, const reader *rd, int64_t line,
                     size_t k, const char *what)
{
    return custseg__err_set_at(&s->err, CUSTSEG_EPARSE, line,
                               (int64_t)k + 1, "%s:%" PRId64 ": field %zu "
                               "(%s): %s", rd->file, line, k + 1,
                               map_header[k < MAP_FIELDS ? k : 0], what);
}

/* Scores of one row into v[0..5]: r_min, r_max, f_min, ... */
static int row_scores(custseg_strategy *s, const reader *rd, int64_t line,
                      int *v)
{
    size_t k;

    for (k = 1; k < MAP_FIELDS; k++) {
        char what[96];
        if ((v[k - 1] = parse_score(field_text(rd, k))) >= 0)
            continue;
        snprintf(what, sizeof what, "\"%.*s\" is not a score 1..10",
                 TOKEN_SHOWN, field_text(rd, k));
        return row_error(s, rd, line, k, what);
    }
    for (k = 2; k < MAP_FIELDS; k += 2)
        if (v[k - 2] > v[k - 1])
            return row_error(s, rd, line, k, "the maximum is below the "
                             "minimum");
    return CUSTSEG_OK;
}

static int parse_row(custseg_strategy *s, const reader *rd, int64_t line,
                     custseg__segdef *d)
{
    int v[MAP_FIELDS - 1], st;

    if (rd->nfields != MAP_FIELDS)
        return custseg__err_set_at(
            &s->err, CUSTSEG_EPARSE, line,
            (int64_t)(rd->nfields < MAP_FIELDS ? rd->nfields + 1
                                               : MAP_FIELDS + 1),
            "%s:%" PRId64 ": expected %d fields, found %zu", rd->file,
            line, MAP_FIELDS, rd->nfields);
    if (field_text(rd, 0)[0] == '\0')
        return row_error(s, rd, line, 0, "empty segment name");
    if ((st = row_scores(s, rd, line, v)) != CUSTSEG_OK)
        return st;
    memset(d, 0, sizeof *d);
    d->r_min = v[0], d->r_max = v[1];
    d->f_min = v[2], d->f_max = v[3];
    d->m_min = v[4], d->m_max = v[5];
    if ((d->name = custseg__strdup(field_text(rd, 0))) == NULL)
        return custseg__err_set(&s->err, CUSTSEG_ENOMEM, "out of memory");
    return CUSTSEG_OK;
}

typedef struct pending {
    custseg__segdef *v;
    size_t n, cap;
} pending;

static void pending_free(pending *p)
{
    size_t i;

    for (i = 0; i < p->n; i++)
        segdef_free(&p->v[i]);
    custseg__free(p->v);
}

static int read_rows(custseg_strategy *s, reader *rd, pending *out)
{
    int64_t line;
    int st;

    while ((st = next_record(s, rd, &line)) == CUSTSEG_OK &&
           rd->nfields > 0) {
        if (custseg__grow((void **)&out->v, &out->cap, out->n + 1,
                          sizeof *out->v) != CUSTSEG_OK)
            return custseg__err_set(&s->err, CUSTSEG_ENOMEM,
                                    "out of memory");
        if ((st = parse_row(s, rd, line, &out->v[out->n])) != CUSTSEG_OK)
            return st;
        out->n++;
    }
    return st;
}

int custseg__segmap_load(custseg_strategy *s, const char *data, size_t len,
                         const char *name)
{
    reader rd;
    pending rows = {NULL, 0, 0};
    int st;

    memset(&rd, 0, sizeof rd);
    rd.p = data;
    rd.end = data + len;
    rd.file = name != NULL ? name : "<buffer>";
    rd.line = 1;
    if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
        rd.p += 3;
    st = check_header(s, &rd);
    if (st == CUSTSEG_OK)
        st = read_rows(s, &rd, &rows);
    if (st == CUSTSEG_OK && rows.n > 0 &&
        (st = reserve(s, rows.n)) == CUSTSEG_OK) {
        memcpy(s->segs + s->nsegs, rows.v, rows.n * sizeof *rows.v);
        s->nsegs += rows.n;
        rows.n = 0; /* now owned by s */
    }
    if (st == CUSTSEG_ENOMEM && s->err.msg[0] == '\0')
        custseg__err_set(&s->err, st, "out of memory");
    pending_free(&rows);
    custseg__free(rd.buf);
    return st;
}

int custseg_strategy_load_segments_buffer(custseg_strategy *s,
                                          const char *data, size_t len,
                                          const char *name)
{
    int st;

    if (s == NULL || (data == NULL && len > 0))
        return CUSTSEG_EINVAL;
    if ((st = require_rfm(s)) != CUSTSEG_OK)
        return st;
    return custseg__segmap_load(s, data != NULL ? data : "", len, name);
}

/* Read a whole file into memory (maps are small). */
static int read_file(custseg_strategy *s, const char *path, char **out,
                     size_t *len)
{
    FILE *f = fopen(path, "rb");
    size_t cap = 0, got;
    int err;

    *out = NULL;
    *len = 0;
    if (f == NULL)
        return custseg__err_set(&s->err, CUSTSEG_EIO, "%s: %s", path,
                                strerror(errno));
    do {
        if (custseg__grow((void **)out, &cap, *len + 4096, 1) !=
            CUSTSEG_OK) {
            fclose(f);
            return custseg__err_set(&s->err, CUSTSEG_ENOMEM,
                                    "out of memory");
        }
        got = fread(*out + *len, 1, cap - *len, f);
        *len += got;
    } while (got > 0);
    err = ferror(f);
    fclose(f);
    if (err)
        return custseg__err_set(&s->err, CUSTSEG_EIO, "%s: read error",
                                path);
    return CUSTSEG_OK;
}

int custseg_strategy_load_segments(custseg_strategy *s, const char *path)
{
    char *data;
    size_t len;
    int st;

    if (s == NULL || path == NULL)
        return CUSTSEG_EINVAL;
    if ((st = require_rfm(s)) != CUSTSEG_OK)
        return st;
    st = read_file(s, path, &data, &len);
    if (st == CUSTSEG_OK)
        st = custseg__segmap_load(s, data, len, path);
    custseg__free(data);
    return st;
}
