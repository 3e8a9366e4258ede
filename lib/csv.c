/*
 * csv.c - loading transactions or customer summaries from CSV text.
 *
 * RFC 4180 input: quoted fields with "" escapes, delimiters and line ends
 * inside quotes, LF, CRLF or CR line ends, a UTF-8 BOM. Unquoted fields are
 * trimmed of spaces and tabs; blank lines are skipped and not counted as
 * rows. Leniencies, chosen so a row is never silently altered:
 *   - a quote inside an unquoted field is an ordinary byte;
 *   - text between a closing quote and the next delimiter is appended;
 *   - a quote still open at the end of the input makes the last row end
 *     there; that row is rejected as "wrong field count", because its field
 *     boundaries are unknown (the quote swallowed them).
 *
 * Every data row is either accepted or rejected for exactly one reason,
 * so rows_read == accepted + sum of rejected. A load that fails (bad
 * header, out of memory, limit, cancel) leaves the dataset as it was: rows
 * are written past ds->ntx and only counted at the very end, and ids it
 * interned are removed again with custseg__strtab_truncate().
 *
 * Speed: a common row (no quote, within 64 bytes) is read off bit masks
 * of its delimiters found 16 bytes at a time (parse_row_fast); others are
 * scanned field by field, eight or sixteen bytes at a time. Fields are
 * referenced in place (only "" escapes are copied); the ISO date-time
 * form is parsed with fixed offsets. Rows go straight into the dataset's
 * spare column space.
 *
 * Ids: when the dataset has none yet (the usual case), an id equal to
 * the previous row's costs a comparison, and the others are not looked
 * up while parsing but appended to lists by hash partition and interned
 * afterwards, partition by partition, in tables that stay in cache
 * (idpart.h, "partitions" below). Otherwise ids are looked up in the
 * dataset's tables in batches with prefetching ("batches").
 *
 * Threads: the input is cut into chunks just after line feeds; the first
 * chunk is parsed by the calling thread, the others on their own threads,
 * each straight into its own part of the dataset's columns ("regions"),
 * and the partitions are then interned on all threads. Line numbers,
 * every count and every index are identical to a single-threaded load.
 * (In the batch way, chunks parse into private columns and string tables,
 * merged in input order.) A cut can land inside a quoted field that
 * spans lines: the chunk before it then ends past the cut, and everything
 * after is parsed again from the true row boundary in the calling thread.
 * Progress callbacks run only on the calling thread.
 */
#include "attributes.h"
#include "idpart.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define PROGRESS_MIN ((size_t)256 << 10) /* report every 1/64 of the */
#define PROGRESS_MAX ((size_t)4 << 20)   /* input, within these bounds */
#define CHUNK_MIN ((size_t)1 << 20)     /* threads only for >= 1 MB each */
#define THREADS_MIN_INPUT ((size_t)4 << 20)
#define GROW_MIN ((size_t)1024)         /* rows, doubled as needed */
#define SCRATCH_MAX ((size_t)1 << 20)   /* flush a batch beyond this */
#define HEADER_LIST_MAX 200             /* bytes of header in a message */

enum { CL_DELIM = 1, CL_EOL = 2, CL_BLANK = 4 };

#define ONES 0x0101010101010101ULL
#define HIGHS 0x8080808080808080ULL

/* Word-at-a-time scanning needs the first byte in the low bits. */
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && \
    __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define SWAR 1
#else
#define SWAR 0
#endif

#if defined(__SSE2__) && defined(__GNUC__)
#include <emmintrin.h>
#define CUSTSEG_SSE2 1
#else
#define CUSTSEG_SSE2 0
#endif

/* High bit set in each zero byte of x. Borrows make false positives only
 * above a true zero byte, so the lowest flagged byte is always right. */
static inline uint64_t zero_bytes(uint64_t x)
{
    return (x - ONES) & ~x & HIGHS;
}
enum { T_CUST = 0, T_ORD = 1, T_CAT = 2, T_COUNT = 3 };

/* ------------------------------------------------------------ lexing */

typedef struct lexer {
    uint64_t stops[4];       /* bytes that end an unquoted field, x 8 */
    unsigned char cls[256];
    bool ws;                 /* the delimiter is runs of spaces and tabs */
    bool fast;               /* parse_row_fast() may read rows */
    const unsigned char *end;
    const int16_t *slot;     /* per column: where to capture it, or -1 */
    int ncolslot;            /* columns covered by slot[] */
} lexer;

/* A field in place, or (p == NULL) unescaped into the scratch buffer at
 * off: the buffer may move while the row is read. */
typedef struct field {
    const char *p;
    size_t len, off;
} field;

typedef struct scratch {
    char *buf;
    size_t len, cap;
} scratch;

typedef struct rowinfo {
    int nf;           /* fields on the row */
    bool broken;      /* a quote was still open at the end of the input */
    bool scratch;     /* a captured field lives in the scratch buffer */
    bool nomem;
    int64_t lines;    /* line ends consumed, the row's own included */
} rowinfo;

static void lexer_init(lexer *lx, int delimiter, const char *end)
{
    memset(lx, 0, sizeof *lx);
    lx->ws = delimiter < 0;
    lx->end = (const unsigned char *)end;
    lx->cls['\n'] = lx->cls['\r'] = CL_EOL;
    lx->stops[0] = ONES * '\n';
    lx->stops[1] = ONES * '\r';
    if (lx->ws) {
        lx->cls[' '] = lx->cls['\t'] = CL_DELIM;
        lx->stops[2] = ONES * ' ';
        lx->stops[3] = ONES * '\t';
        return;
    }
    lx->stops[2] = lx->stops[3] = ONES * (unsigned char)delimiter;
    lx->fast = delimiter != '\n' && delimiter != '\r' && delimiter != '"';
    lx->cls[' '] = lx->cls['\t'] = CL_BLANK;
    lx->cls[(unsigned char)delimiter] = CL_DELIM; /* a tab is no blank */
}

/* The end of an unquoted field: the first delimiter or line end. Sixteen
 * bytes at a time with SSE2 (every x86-64 has it), else eight where the
 * byte order allows; fields are short, but finding their ends is still
 * the largest cost of parsing. */
static const unsigned char *scan_field(const lexer *lx,
                                       const unsigned char *u,
                                       const unsigned char *e)
{
#if CUSTSEG_SSE2
    const __m128i s0 = _mm_set1_epi8((char)lx->stops[0]);
    const __m128i s1 = _mm_set1_epi8((char)lx->stops[1]);
    const __m128i s2 = _mm_set1_epi8((char)lx->stops[2]);
    const __m128i s3 = _mm_set1_epi8((char)lx->stops[3]);

    while (e - u >= 16) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)u);
        __m128i m = _mm_or_si128(
            _mm_or_si128(_mm_cmpeq_epi8(x, s0), _mm_cmpeq_epi8(x, s1)),
            _mm_or_si128(_mm_cmpeq_epi8(x, s2), _mm_cmpeq_epi8(x, s3)));
        int bits = _mm_movemask_epi8(m);
        if (bits != 0)
            return u + __builtin_ctz((unsigned)bits);
        u += 16;
    }
#endif
#if SWAR
    while (e - u >= 8) {
        uint64_t x, m;
        memcpy(&x, u, 8);
        m = zero_bytes(x ^ lx->stops[0]) | zero_bytes(x ^ lx->stops[1]) |
            zero_bytes(x ^ lx->stops[2]) | zero_bytes(x ^ lx->stops[3]);
        if (m != 0)
            return u + (__builtin_ctzll(m) >> 3);
        u += 8;
    }
#endif
    while (u < e && !(lx->cls[*u] & (CL_DELIM | CL_EOL)))
        u++;
    return u;
}

static const unsigned char *skip_eol(const unsigned char *u,
                                     const unsigned char *e)
{
    if (*u == '\r' && u + 1 < e && u[1] == '\n')
        return u + 2;
    return u + 1;
}

/* Line ends inside a quoted field, which count as physical lines. */
static int64_t count_eols(const unsigned char *s, const unsigned char *e)
{
    int64_t n = 0;

    for (; s < e; s++) {
        if (*s == '\n')
            n++;
        else if (*s == '\r' && !(s + 1 < e && s[1] == '\n'))
            n++;
    }
    return n;
}

static bool scratch_need(scratch *sc, size_t more)
{
    size_t need = sc->len + more;

    if (need <= sc->cap)
        return true;
    return custseg__grow((void **)&sc->buf, &sc->cap, need, 1) ==
           CUSTSEG_OK;
}

/* Copy a quoted field's content with "" collapsed, then any text that
 * followed the closing quote, into the scratch buffer. */
static void unescape(field *f, const unsigned char *s, const unsigned char *q,
                     const unsigned char *js, const unsigned char *je,
                     scratch *sc, rowinfo *ri)
{
    char *d;

    if (!scratch_need(sc, (size_t)(q - s) + (size_t)(je - js))) {
        ri->nomem = true;
        f->p = "";
        f->len = 0;
        return;
    }
    f->p = NULL;
    f->off = sc->len;
    d = sc->buf + sc->len;
    while (s < q) {
        *d++ = (char)*s;
        s += (*s == '"') ? 2 : 1;
    }
    memcpy(d, js, (size_t)(je - js));
    d += je - js;
    f->len = (size_t)(d - (sc->buf + sc->len));
    sc->len += f->len;
    ri->scratch = true;
}

/* A quoted field starting at u (on the quote). Returns where the field
 * ends: on a delimiter, a line end, or the end of the input. */
static const unsigned char *quoted(const lexer *lx, const unsigned char *u,
                                   field *f, scratch *sc, rowinfo *ri)
{
    const unsigned char *s = u + 1, *q = s, *e = lx->end, *js, *je;
    bool esc = false;

    for (;;) {
        q = memchr(q, '"', (size_t)(e - q));
        if (q == NULL) {
            ri->broken = true;
            q = e;
            break;
        }
        if (q + 1 < e && q[1] == '"') {
            esc = true;
            q += 2;
            continue;
        }
        break;
    }
    ri->lines += count_eols(s, q);
    js = q < e ? q + 1 : e;
    while (js < e && (lx->cls[*js] & CL_BLANK))
        js++;
    je = js;
    while (je < e && !(lx->cls[*je] & (CL_DELIM | CL_EOL)))
        je++;
    u = je;
    while (je > js && (lx->cls[je[-1]] & CL_BLANK))
        je--;
    if (f == NULL)
        return u;
    if (!esc && je == js) {
        f->p = (const char *)s;
        f->len = (size_t)(q - s);
    } else {
        unescape(f, s, q, js, je, sc, ri);
    }
    return u;
}

static field *capture_slot(const lexer *lx, field *f, int col)
{
    if (col < lx->ncolslot && lx->slot[col] >= 0)
        return &f[lx->slot[col]];
    return NULL;
}

/* After a delimiter: in whitespace mode a run of blanks is one delimiter
 * and blanks before the line end are not a field. Returns true when the
 * row ended. */
static bool after_delim(const lexer *lx, const unsigned char **pu,
                        rowinfo *ri)
{
    const unsigned char *u = *pu + 1, *e = lx->end;

    if (lx->ws) {
        while (u < e && (lx->cls[*u] & CL_DELIM))
            u++;
        if (u >= e) {
            *pu = u;
            return true;
        }
        if (lx->cls[*u] & CL_EOL) {
            *pu = skip_eol(u, e);
            ri->lines++;
            return true;
        }
    }
    *pu = u;
    return false;
}

/* Read one row starting at p, which is not on a blank line. Captured
 * fields go to f[slot]; the caller resolves those in the scratch buffer
 * (see resolve()) once the row is complete. */
static const char *parse_row(const lexer *lx, const char *p, field *f,
                             scratch *sc, rowinfo *ri)
{
    const unsigned char *u = (const unsigned char *)p, *e = lx->end;
    const unsigned char *cls = lx->cls;
    int col = 0;

    ri->broken = ri->scratch = ri->nomem = false;
    ri->lines = 0;
    for (;;) {
        field *dst;
        while (u < e && (cls[*u] & CL_BLANK))
            u++;
        dst = capture_slot(lx, f, col);
        if (u < e && *u == '"') {
            u = quoted(lx, u, dst, sc, ri);
        } else {
            const unsigned char *s = u, *fe;
            u = scan_field(lx, u, e);
            fe = u;
            while (fe > s && (cls[fe[-1]] & CL_BLANK))
                fe--;
            if (dst != NULL) {
                dst->p = (const char *)s;
                dst->len = (size_t)(fe - s);
            }
        }
        col++;
        if (u >= e)
            break;
        if (cls[*u] & CL_DELIM) {
            if (after_delim(lx, &u, ri))
                break;
            continue;
        }
        u = skip_eol(u, e);
        ri->lines++;
        break;
    }
    ri->nf = col;
    return (const char *)u;
}

#if CUSTSEG_SSE2
/* Where the delimiters, line ends and quotes are in 64 bytes. */
typedef struct stopbits {
    uint64_t delim, eol, quote;
} stopbits;

static void find_stops(const unsigned char *u, unsigned char delim,
                       stopbits *b)
{
    const __m128i d = _mm_set1_epi8((char)delim);
    const __m128i lf = _mm_set1_epi8('\n'), cr = _mm_set1_epi8('\r');
    const __m128i q = _mm_set1_epi8('"');
    int k;

    b->delim = b->eol = b->quote = 0;
    for (k = 0; k < 64; k += 16) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(u + k));
        __m128i eol = _mm_or_si128(_mm_cmpeq_epi8(x, lf),
                                   _mm_cmpeq_epi8(x, cr));
        b->delim |= (uint64_t)(unsigned)_mm_movemask_epi8(
                        _mm_cmpeq_epi8(x, d)) << k;
        b->eol |= (uint64_t)(unsigned)_mm_movemask_epi8(eol) << k;
        b->quote |= (uint64_t)(unsigned)_mm_movemask_epi8(
                        _mm_cmpeq_epi8(x, q)) << k;
    }
}

/* The common row at once: it ends within 64 bytes, has no quote, and no
 * field starts or ends with a blank. One pass finds the row's delimiters
 * and line end as bits, and the fields are read off the bits. Returns
 * NULL for any other row, which parse_row() then reads (fields this left
 * behind are all written again there). */
static const char *parse_row_fast(const lexer *lx, const char *p, field *f,
                                  rowinfo *ri)
{
    const unsigned char *u = (const unsigned char *)p, *cls = lx->cls;
    unsigned char delim = (unsigned char)lx->stops[2];
    unsigned start = 0, eol;
    uint64_t bits;
    stopbits b;
    int col = 0;

    if (!lx->fast || lx->end - u < 64)
        return NULL;
    find_stops(u, delim, &b);
    if (b.eol == 0)
        return NULL;
    eol = (unsigned)__builtin_ctzll(b.eol);
    bits = (b.delim & ((1ULL << eol) - 1)) | 1ULL << eol;
    if (b.quote & ((1ULL << eol) - 1))
        return NULL;
    for (; bits != 0; bits &= bits - 1) {
        unsigned end = (unsigned)__builtin_ctzll(bits);
        field *dst;
        if (end > start && ((cls[u[start]] | cls[u[end - 1]]) & CL_BLANK))
            return NULL;
        if ((dst = capture_slot(lx, f, col)) != NULL) {
            dst->p = (const char *)u + start;
            dst->len = end - start;
        }
        col++;
        start = end + 1;
    }
    ri->nf = col;
    ri->broken = ri->scratch = ri->nomem = false;
    ri->lines = 1;
    return (const char *)skip_eol(u + eol, lx->end);
}
#endif

/* Resolve fields unescaped into the scratch buffer. */
static void resolve(field *f, int n, const scratch *sc)
{
    int i;

    for (i = 0; i < n; i++)
        if (f[i].p == NULL)
            f[i].p = sc->buf + f[i].off;
}

/* Skip blanks (and, in whitespace mode, leading delimiters) at p. Returns
 * the first byte of the row; *blank says the line held nothing. */
static const char *row_start(const lexer *lx, const char *p, bool *blank)
{
    const unsigned char *u = (const unsigned char *)p, *e = lx->end;
    unsigned skip = lx->ws ? CL_DELIM : CL_BLANK;

    while (u < e && (lx->cls[*u] & skip))
        u++;
    *blank = u >= e || (lx->cls[*u] & CL_EOL);
    return (const char *)u;
}

/* Reallocate *pp (any pointer type) to n elements of elem bytes. */
static bool resize_array(void *pp, size_t n, size_t elem)
{
    void **p = pp;
    void *q = custseg__realloc(*p, n * elem);

    if (q == NULL)
        return false;
    *p = q;
    return true;
}

#if defined(__GNUC__)
#define PREFETCH(p) __builtin_prefetch(p)
#else
#define PREFETCH(p) ((void)(p))
#endif

#define TAG_MASK 0xffffffff00000000ULL

/* Where strtab.c starts probing for a hash. Only used for prefetching:
 * were strtab.c to start elsewhere, time would be lost, never a result. */
static const uint64_t *first_slot(const custseg__strtab *t, uint64_t hash)
{
    return &t->slots[custseg__strtab_home(t, hash)];
}

/* The index that a string with this hash probably has in t: the first
 * slot with its tag (the slot layout is documented in internal.h) from
 * first_slot() on. A hint for prefetching, or CUSTSEG__NONE. */
static uint32_t peek_slot(const custseg__strtab *t, uint64_t hash)
{
    size_t mask = t->nslots - 1, pos;
    int k;

    if (t->nslots == 0)
        return CUSTSEG__NONE;
    pos = (size_t)(first_slot(t, hash) - t->slots);
    for (k = 0; k < 4 && t->slots[pos] != 0; k++) {
        uint64_t sl = t->slots[pos];
        uint32_t idx = (uint32_t)(sl & 0xffffffffu) - 1;
        if ((sl & TAG_MASK) == (hash & TAG_MASK) && idx < t->count)
            return idx;
        pos = (pos + 1) & mask;
    }
    return CUSTSEG__NONE;
}

/* ------------------------------------------------------------ load state */

typedef struct cols {
    uint32_t *cust, *ord, *cat;
    int64_t *time, *amount;
    size_t n, cap;
} cols;

struct load;

#define BATCH 32

/* An accepted row whose ids are not interned yet. */
typedef struct pending {
    field id[T_COUNT];       /* customer, order, category; len 0: none */
    uint64_t hash[T_COUNT];
    uint32_t hint[T_COUNT];  /* index whose bytes were prefetched */
    bool same[T_COUNT];      /* same bytes as the previous row's id */
    int64_t line, time, amount;
} pending;

typedef struct chunk {
    struct load *ld;
    const char *begin, *end; /* rows that start in [begin, end) */
    const char *stop;        /* where parsing really ended */
    int64_t lines;           /* line ends consumed */
    custseg__report rep;     /* lines relative to the chunk's first line */
    custseg__strtab own[T_COUNT];  /* ids of a chunk after the first */
    custseg__idlist ids[T_COUNT];  /* ids by partition (load.part) */
    const char *prevp[T_COUNT];    /* previous row's id, if in the input */
    size_t prevlen[T_COUNT];
    char tbytes[32];               /* the last time stamp parsed, */
    size_t tlen;                   /* its length (0: none), */
    int64_t tvalue;                /* and its value */
    custseg__strtab *tab[T_COUNT]; /* own, or the dataset's for chunk 0 */
    uint32_t last[T_COUNT];  /* previous row's id index, per table */
    cols out;
    bool direct;             /* out is the dataset's spare column space */
    bool region;             /* out is a fixed part of it (regions) */
    size_t at;               /* rows past ntx where that part starts */
    int64_t min_time, max_time;
    scratch sc;
    field *f;
    pending *pb;             /* accepted rows waiting for their ids */
    size_t npb;
    int status;              /* first fatal error */
    int64_t err_line;        /* relative, like rep */
    int err_role;
    size_t reported;         /* bytes already counted for progress */
    pthread_t tid;
    bool started;
} chunk;

typedef struct load {
    custseg_dataset *ds;
    const char *name;
    const char *data, *end;  /* input after the BOM */
    lexer lx;
    int16_t *colslot;        /* lx.slot storage */
    int ncols;               /* fields every row must have */
    int slot[CUSTSEG__ROLE_COUNT]; /* role -> capture slot, or -1 */
    int col[CUSTSEG__ROLE_COUNT];  /* role -> 0-based column, or -1 */
    int nslots;
    bool summary, qty_price, drop_returns;
    int64_t first_line;      /* line number where data rows begin */
    size_t step;             /* bytes between progress reports */
    bool serial;             /* one chunk, whatever ds->threads says */
    bool part;               /* ids by partition (idpart.h), not batches */
    bool quiet;              /* no progress reports until the end */
    atomic_size_t done;      /* bytes parsed, all chunks together */
    atomic_int cancel;
    chunk *chunks;
    size_t nchunks;
} load;

static bool mapped(const custseg_dataset *ds, int role)
{
    return ds->map[role] != NULL;
}

/* Which roles make sense together (custseg_dataset_map_column(3)). */
static int check_roles(load *ld)
{
    custseg_dataset *ds = ld->ds;
    bool sum = mapped(ds, CUSTSEG__ROLE_RECENCY) ||
               mapped(ds, CUSTSEG__ROLE_FREQUENCY) ||
               mapped(ds, CUSTSEG__ROLE_MONETARY);
    bool tx = mapped(ds, CUSTSEG__ROLE_ORDER) ||
              mapped(ds, CUSTSEG__ROLE_TIME) ||
              mapped(ds, CUSTSEG__ROLE_AMOUNT) ||
              mapped(ds, CUSTSEG__ROLE_QUANTITY) ||
              mapped(ds, CUSTSEG__ROLE_PRICE) ||
              mapped(ds, CUSTSEG__ROLE_CATEGORY);
    bool amt = mapped(ds, CUSTSEG__ROLE_AMOUNT);
    bool qty = mapped(ds, CUSTSEG__ROLE_QUANTITY);
    bool price = mapped(ds, CUSTSEG__ROLE_PRICE);
    const char *why = NULL;

    if (!mapped(ds, CUSTSEG__ROLE_CUSTOMER))
        why = "no column is mapped to role customer";
    else if (sum && tx)
        why = "transaction roles (order, time, amount, quantity, price, "
              "category) and summary roles (recency, frequency, monetary) "
              "cannot be mixed";
    else if (sum && !(mapped(ds, CUSTSEG__ROLE_RECENCY) &&
                      mapped(ds, CUSTSEG__ROLE_FREQUENCY) &&
                      mapped(ds, CUSTSEG__ROLE_MONETARY)))
        why = "summaries need recency, frequency and monetary";
    else if (!sum && !mapped(ds, CUSTSEG__ROLE_TIME))
        why = "transactions need a time column";
    else if (!sum && amt && (qty || price))
        why = "map either amount, or quantity and price, not both";
    else if (!sum && !amt && !(qty && price))
        why = "transactions need amount, or both quantity and price";
    if (why != NULL)
        return custseg__err_set(&ds->err, CUSTSEG_EINVAL, "%s: %s",
                                ld->name, why);
    ld->summary = sum;
    ld->qty_price = !sum && !amt;
    ld->drop_returns = !sum && ds->drop_returns != 0;
    return CUSTSEG_OK;
}

/* ------------------------------------------------------------ header */

/* The fields of the first row, all captured (header or positional). */
typedef struct firstrow {
    field *f;
    int nf;
    const char *next;  /* after the row */
    int64_t line;      /* its line number */
    int64_t lines;     /* line ends up to and including it */
    bool broken;
} firstrow;

static int read_first_row(load *ld, firstrow *fr, scratch *sc)
{
    lexer lx = ld->lx;
    const char *p = ld->data;
    int16_t *ident;
    rowinfo ri;
    bool blank = true;
    int i;

    fr->lines = 0;
    for (;;) { /* skip leading blank lines */
        p = row_start(&lx, p, &blank);
        if (!blank || p >= ld->end)
            break;
        p = (const char *)skip_eol((const unsigned char *)p, lx.end);
        fr->lines++;
    }
    fr->line = fr->lines + 1;
    fr->nf = 0;
    fr->f = NULL;
    /* Set even for an input of blank lines: prepare() reads them first
     * (they were read uninitialized when "header" was 0). */
    fr->broken = false;
    fr->next = p;
    if (blank)
        return CUSTSEG_OK;
    lx.ncolslot = 0; /* first pass: count the fields */
    parse_row(&lx, p, NULL, sc, &ri);
    if (ri.nf > INT16_MAX)
        return CUSTSEG_ERANGE;
    ident = custseg__malloc((size_t)ri.nf * sizeof *ident);
    fr->f = custseg__calloc((size_t)ri.nf, sizeof *fr->f);
    if (ident == NULL || fr->f == NULL) {
        custseg__free(ident);
        return CUSTSEG_ENOMEM;
    }
    for (i = 0; i < ri.nf; i++)
        ident[i] = (int16_t)(i < INT16_MAX ? i : -1);
    lx.slot = ident;
    lx.ncolslot = ri.nf;
    fr->next = parse_row(&lx, p, fr->f, sc, &ri);
    custseg__free(ident);
    if (ri.nomem)
        return CUSTSEG_ENOMEM;
    resolve(fr->f, ri.nf, sc);
    fr->nf = ri.nf;
    fr->broken = ri.broken;
    fr->lines += ri.lines;
    return CUSTSEG_OK;
}

/* "a, b, c" for messages, cut at HEADER_LIST_MAX bytes. */
static void header_list(char *buf, size_t cap, const firstrow *fr)
{
    size_t n = 0;
    int i;

    buf[0] = '\0';
    for (i = 0; i < fr->nf && n + 8 < cap; i++) {
        size_t len = fr->f[i].len, room = cap - n - 8;
        if (i > 0) {
            memcpy(buf + n, ", ", 2);
            n += 2;
        }
        if (len > room) {
            memcpy(buf + n, fr->f[i].p, room);
            n += room;
            memcpy(buf + n, "...", 4);
            return;
        }
        memcpy(buf + n, fr->f[i].p, len);
        n += len;
        buf[n] = '\0';
    }
    if (i < fr->nf)
        memcpy(buf + n, "...", 4);
}

static int find_named(load *ld, const firstrow *fr, int role)
{
    const char *want = ld->ds->map[role];
    size_t len = strlen(want);
    char list[HEADER_LIST_MAX];
    int i;

    for (i = 0; i < fr->nf; i++)
        if (fr->f[i].len == len && memcmp(fr->f[i].p, want, len) == 0)
            return i;
    header_list(list, sizeof list, fr);
    return custseg__err_set_at(&ld->ds->err, CUSTSEG_EPARSE, fr->line, -1,
                               "%s: line %" PRId64 ": column \"%s\" (role "
                               "%s) is not in the header: %s", ld->name,
                               fr->line, want, custseg__role_names[role],
                               list);
}

/* A position written in decimal, 1-based, when there is no header. */
static int find_position(load *ld, const firstrow *fr, int role)
{
    const char *s = ld->ds->map[role];
    long v = 0;

    for (; *s >= '0' && *s <= '9' && v < 100000; s++)
        v = v * 10 + (*s - '0');
    if (*s != '\0' || v < 1 || v >= 100000)
        return custseg__err_set(&ld->ds->err, CUSTSEG_EINVAL,
                                "%s: role %s: \"%s\" is not a column "
                                "position (header is off)", ld->name,
                                custseg__role_names[role], ld->ds->map[role]);
    if (v > fr->nf)
        return custseg__err_set_at(&ld->ds->err, CUSTSEG_EPARSE, fr->line,
                                   v, "%s: line %" PRId64 ": role %s is "
                                   "column %ld, but the row has %d fields",
                                   ld->name, fr->line,
                                   custseg__role_names[role], v, fr->nf);
    return (int)(v - 1);
}

/* Map every role to a column and a capture slot. */
static int map_columns(load *ld, const firstrow *fr)
{
    int role, c;

    ld->colslot = custseg__malloc((size_t)(fr->nf + 1) * sizeof(int16_t));
    if (ld->colslot == NULL)
        return custseg__err_set(&ld->ds->err, CUSTSEG_ENOMEM,
                                "out of memory");
    for (c = 0; c < fr->nf; c++)
        ld->colslot[c] = -1;
    ld->nslots = 0;
    for (role = 0; role < CUSTSEG__ROLE_COUNT; role++) {
        ld->slot[role] = ld->col[role] = -1;
        if (ld->ds->map[role] == NULL)
            continue;
        c = ld->ds->header ? find_named(ld, fr, role)
                           : find_position(ld, fr, role);
        if (c < 0)
            return c;
        if (ld->colslot[c] < 0)
            ld->colslot[c] = (int16_t)ld->nslots++;
        ld->col[role] = c;
        ld->slot[role] = ld->colslot[c];
    }
    ld->lx.slot = ld->colslot;
    ld->lx.ncolslot = fr->nf;
    ld->ncols = fr->nf;
    return CUSTSEG_OK;
}

/* Read the header (or look at the first row), map the roles, and leave
 * ld->data at the first data row. */
static int prepare(load *ld)
{
    custseg_dataset *ds = ld->ds;
    firstrow fr;
    scratch sc = {NULL, 0, 0};
    int rc = read_first_row(ld, &fr, &sc);

    if (rc != CUSTSEG_OK) {
        custseg__free(sc.buf);
        custseg__free(fr.f);
        if (rc == CUSTSEG_ERANGE)
            return custseg__err_set_at(&ds->err, CUSTSEG_EPARSE, fr.line,
                                       -1, "%s: line %" PRId64 ": more "
                                       "than %d fields", ld->name, fr.line,
                                       INT16_MAX);
        return custseg__err_set(&ds->err, rc, "out of memory");
    }
    if (fr.nf == 0 && ds->header) {
        rc = custseg__err_set_at(&ds->err, CUSTSEG_EPARSE, 1, -1,
                                 "%s: no header line (the input is empty)",
                                 ld->name);
    } else if (fr.broken && ds->header) {
        rc = custseg__err_set_at(&ds->err, CUSTSEG_EPARSE, fr.line, -1,
                                 "%s: line %" PRId64 ": the header has a "
                                 "quote that is never closed", ld->name,
                                 fr.line);
    } else if (fr.nf > 0) {
        rc = map_columns(ld, &fr);
    }
    if (rc == CUSTSEG_OK && ds->header && fr.nf > 0) {
        ld->data = fr.next;
        ld->first_line = fr.lines + 1;
    } else {
        ld->first_line = 1;
    }
    custseg__free(sc.buf);
    custseg__free(fr.f);
    return rc;
}

/* ------------------------------------------------------------ rows */

static void reject(chunk *ch, int reason, int64_t line)
{
    int64_t k = ch->rep.rejected[reason]++;

    if (k < CUSTSEG__REPORT_LINES)
        ch->rep.first_lines[reason][k] = line;
}

static int fail(chunk *ch, int rc, int64_t line, int role)
{
    ch->status = rc;
    ch->err_line = line;
    ch->err_role = role;
    return rc;
}

/* Room for one more row: the first chunk grows the dataset's own columns
 * (rows past ntx are not part of it until the load commits); the others
 * grow private arrays. */
/* Rows the chunk probably holds, from the line length of its first 16
 * KiB. Reserving them at once spares the doublings, each of which would
 * copy every column (realloc cannot always remap); a guess too high only
 * reserves address space, which freezing gives back. */
static size_t estimate_rows(const chunk *ch)
{
    /* The first chunk's columns are the dataset's, which the other
     * chunks' rows join at the end: room for all spares a realloc that
     * would copy them. */
    size_t bytes = ch->direct ? (size_t)(ch->ld->end - ch->begin)
                              : (size_t)(ch->end - ch->begin);
    size_t probe = (size_t)(ch->end - ch->begin), lines = 0;
    const char *p;

    if (probe > 16384)
        probe = 16384;
    for (p = ch->begin; p < ch->begin + probe; p++)
        lines += *p == '\n';
    if (lines == 0)
        return GROW_MIN;
    return bytes / (probe / lines) + bytes / (probe / lines) / 16 + GROW_MIN;
}

/* The chunk's columns are the dataset's, from absolute row `at` on. */
static void point_at_dataset(chunk *ch, size_t at)
{
    custseg_dataset *ds = ch->ld->ds;

    ch->out.cust = ds->tx_customer + at;
    ch->out.ord = ds->tx_order + at;
    ch->out.time = ds->tx_time + at;
    ch->out.amount = ds->tx_amount + at;
    ch->out.cat = ds->tx_category != NULL ? ds->tx_category + at : NULL;
}

static int grow_direct(chunk *ch)
{
    custseg_dataset *ds = ch->ld->ds;
    size_t more = ch->out.cap < GROW_MIN ? estimate_rows(ch)
                                         : ch->out.cap * 2;
    size_t base = ds->ntx, room = CUSTSEG_MAX_TRANSACTIONS - base;
    int rc;

    /* more (rows past base, the room held now included) is a guess: ask
     * for no more than the limit leaves, or, when the room already
     * reaches it, for one row past it: the limit is then met (ELIMIT) at
     * the row that really exceeds it, not at a guess. */
    if (more > room)
        more = room > ch->out.cap ? room : ch->out.cap + 1;
    rc = custseg__dataset_reserve(ds, more,
                                  ch->ld->slot[CUSTSEG__ROLE_CATEGORY] >= 0);

    if (rc != CUSTSEG_OK)
        return rc;
    point_at_dataset(ch, base);
    ch->out.cap = ds->captx - base;
    return CUSTSEG_OK;
}

static int grow_local(chunk *ch)
{
    cols *o = &ch->out;
    size_t cap = o->cap < GROW_MIN ? estimate_rows(ch) : o->cap * 2;

    if (cap > SIZE_MAX / 8 || !resize_array(&o->cust, cap, 4) ||
        !resize_array(&o->ord, cap, 4) || !resize_array(&o->time, cap, 8) ||
        !resize_array(&o->amount, cap, 8) ||
        (ch->ld->slot[CUSTSEG__ROLE_CATEGORY] >= 0 &&
         !resize_array(&o->cat, cap, 4)))
        return CUSTSEG_ENOMEM;
    o->cap = cap;
    return CUSTSEG_OK;
}

static bool parse_num(const field *f, int64_t *out)
{
    return f->len > 0 && custseg__parse_e4(f->p, f->len, out) == CUSTSEG_OK;
}

/* The amount of a row: the amount column, or quantity x price. */
static bool row_amount(const load *ld, const field *f, int64_t *out)
{
    int64_t q, p;

    if (!ld->qty_price)
        return parse_num(&f[ld->slot[CUSTSEG__ROLE_AMOUNT]], out);
    return parse_num(&f[ld->slot[CUSTSEG__ROLE_QUANTITY]], &q) &&
           parse_num(&f[ld->slot[CUSTSEG__ROLE_PRICE]], &p) &&
           custseg__mul_e4(q, p, out) == CUSTSEG_OK;
}

/* ------------------------------------------------------------ batches
 *
 * Looking ids up is most of the cost of a load: in a large table each
 * lookup misses the cache three times (slot, offset, bytes), one after
 * the other. Accepted rows are therefore collected in batches; the ids
 * of a batch are hashed and their slots, offsets and bytes prefetched in
 * three passes, so that the misses overlap, and are then interned one by
 * one in input order, which keeps indexes identical to a row-by-row
 * load.
 *
 * The first chunk interns straight into the dataset's tables, which
 * costs no copy; a failed load removes what it added again. */

/* Ids are remembered with their place in the scratch buffer, which may
 * move before the batch is interned. */
static void keep_id(field *dst, const field *src, const scratch *sc)
{
    *dst = *src;
    if (sc->buf != NULL && src->p >= sc->buf && src->p < sc->buf + sc->cap) {
        dst->off = (size_t)(src->p - sc->buf);
        dst->p = NULL;
    }
}

static void push_row(chunk *ch, int64_t line, int64_t t, int64_t amount)
{
    const load *ld = ch->ld;
    pending *r = &ch->pb[ch->npb++];
    static const int roles[T_COUNT] = {
        CUSTSEG__ROLE_CUSTOMER, CUSTSEG__ROLE_ORDER, CUSTSEG__ROLE_CATEGORY
    };
    int k;

    for (k = 0; k < T_COUNT; k++) {
        int slot = ld->slot[roles[k]];
        if (slot >= 0) {
            keep_id(&r->id[k], &ch->f[slot], &ch->sc);
        } else {
            r->id[k].p = "";
            r->id[k].len = 0;
        }
    }
    r->line = line;
    r->time = t;
    r->amount = amount;
}

/* Pass 1: an id equal to the previous row's needs no lookup (the lines
 * of one order, and of one customer, come together); the others are
 * hashed and their first slot fetched. */
static void batch_hash(chunk *ch, int t)
{
    const custseg__strtab *tab = ch->tab[t];
    size_t i;
    const char *pp = NULL;
    size_t plen = 0;

    if (ch->last[t] != CUSTSEG__NONE) {
        pp = custseg__strtab_get(tab, ch->last[t]);
        plen = custseg__strtab_len(tab, ch->last[t]);
    }
    for (i = 0; i < ch->npb; i++) {
        pending *r = &ch->pb[i];
        const field *f = &r->id[t];
        r->hint[t] = CUSTSEG__NONE;
        r->same[t] = pp != NULL && plen == f->len &&
                     memcmp(pp, f->p, plen) == 0;
        if (f->len == 0 || r->same[t])
            continue;
        r->hash[t] = custseg__hash_bytes(f->p, f->len);
        if (tab->nslots != 0)
            PREFETCH(first_slot(tab, r->hash[t]));
        pp = f->p;
        plen = f->len;
    }
}

/* Pass 2: the slot whose tag matches names the likely index. */
static void batch_peek(chunk *ch, int t)
{
    const custseg__strtab *tab = ch->tab[t];
    size_t i;

    for (i = 0; i < ch->npb; i++) {
        pending *r = &ch->pb[i];
        if (r->id[t].len == 0 || r->same[t])
            continue;
        r->hint[t] = peek_slot(tab, r->hash[t]);
        if (r->hint[t] != CUSTSEG__NONE)
            PREFETCH(&tab->offsets[r->hint[t]]);
    }
}

/* Pass 3: the bytes to compare with. */
static void batch_bytes(chunk *ch, int t)
{
    const custseg__strtab *tab = ch->tab[t];
    size_t i;

    for (i = 0; i < ch->npb; i++)
        if (ch->pb[i].hint[t] != CUSTSEG__NONE)
            PREFETCH(custseg__strtab_get(tab, ch->pb[i].hint[t]));
}

static const uint32_t id_limits[T_COUNT] = {
    CUSTSEG_MAX_CUSTOMERS, CUSTSEG_MAX_ORDERS, CUSTSEG_MAX_CUSTOMERS
};
static const int id_roles[T_COUNT] = {
    CUSTSEG__ROLE_CUSTOMER, CUSTSEG__ROLE_ORDER, CUSTSEG__ROLE_CATEGORY
};

static int intern_pending(chunk *ch, pending *r, int t, uint32_t *out)
{
    int rc;

    if (r->id[t].len == 0) {
        *out = CUSTSEG__NONE;
        return CUSTSEG_OK;
    }
    if (r->same[t]) {
        *out = ch->last[t];
        return CUSTSEG_OK;
    }
    rc = custseg__strtab_intern_hashed(ch->tab[t], r->id[t].p,
                                       r->id[t].len, r->hash[t],
                                       id_limits[t], out, NULL);
    if (rc != CUSTSEG_OK)
        return fail(ch, rc, r->line, id_roles[t]);
    ch->last[t] = *out;
    return CUSTSEG_OK;
}

/* One row into the chunk's columns, which have room for it. */
static void append_row(chunk *ch, const uint32_t *id, int64_t time,
                       int64_t amount)
{
    size_t n = ch->out.n;

    ch->out.cust[n] = id[T_CUST];
    ch->out.ord[n] = id[T_ORD];
    if (ch->out.cat != NULL)
        ch->out.cat[n] = id[T_CAT];
    ch->out.time[n] = time;
    ch->out.amount[n] = amount;
    ch->out.n = n + 1;
    if (time < ch->min_time)
        ch->min_time = time;
    if (time > ch->max_time)
        ch->max_time = time;
}

static int store_row(chunk *ch, pending *r)
{
    uint32_t id[T_COUNT];
    int t, rc;

    for (t = 0; t < T_COUNT; t++)
        if ((rc = intern_pending(ch, r, t, &id[t])) != CUSTSEG_OK)
            return rc;
    append_row(ch, id, r->time, r->amount);
    return CUSTSEG_OK;
}

/* Where a batch that found no room fails: at the first row past the
 * transaction limit (as a row-by-row load would), else its first row. */
static int64_t grow_fail_line(const chunk *ch, int rc)
{
    size_t used = ch->ld->ds->ntx + ch->out.n;
    size_t room = CUSTSEG_MAX_TRANSACTIONS - used;

    if (rc == CUSTSEG_ELIMIT && ch->direct && room < ch->npb)
        return ch->pb[room].line;
    return ch->pb[0].line;
}

/* Intern and store the batch, then start the next one. */
static int flush(chunk *ch)
{
    size_t i;
    int t, k, rc = CUSTSEG_OK;

    if (ch->npb == 0)
        return CUSTSEG_OK;
    while (ch->out.cap - ch->out.n < ch->npb && rc == CUSTSEG_OK)
        rc = ch->direct ? grow_direct(ch) : grow_local(ch);
    if (rc != CUSTSEG_OK)
        return fail(ch, rc, grow_fail_line(ch, rc), -1);
    for (i = 0; i < ch->npb; i++)
        for (k = 0; k < T_COUNT; k++)
            if (ch->pb[i].id[k].p == NULL)
                ch->pb[i].id[k].p = ch->sc.buf + ch->pb[i].id[k].off;
    for (t = 0; t < T_COUNT; t++)
        batch_hash(ch, t);
    for (t = 0; t < T_COUNT; t++)
        batch_peek(ch, t);
    for (t = 0; t < T_COUNT; t++)
        batch_bytes(ch, t);
    for (i = 0; i < ch->npb && rc == CUSTSEG_OK; i++)
        rc = store_row(ch, &ch->pb[i]);
    ch->npb = 0;
    ch->sc.len = 0;
    return rc;
}

/* ------------------------------------------------------------ partitions
 *
 * The fast way (load.part, see idpart.h): a row's ids are not looked up
 * but appended to the chunk's partition lists, and the row's columns get
 * CUSTSEG__IDSAME (the id of the row before) or a placeholder that the
 * interning overwrites; finish_ids() resolves both once every chunk is
 * parsed. Used when the dataset has no ids yet, so no id needs to be
 * found among earlier ones. */

static bool in_input(const load *ld, const char *p)
{
    return p >= ld->data && p < ld->end;
}

/* The column value of table t for the row being stored. */
static int id_value(chunk *ch, int t, uint32_t row, uint32_t *out)
{
    int slot = ch->ld->slot[id_roles[t]], rc;
    const field *f;
    bool stable;

    *out = CUSTSEG__NONE;
    if (slot < 0 || ch->f[slot].len == 0)
        return CUSTSEG_OK;
    f = &ch->f[slot];
    if (ch->prevp[t] != NULL && ch->prevlen[t] == f->len &&
        custseg__same_bytes(ch->prevp[t], f->p, f->len)) {
        *out = CUSTSEG__IDSAME;
        return CUSTSEG_OK;
    }
    stable = in_input(ch->ld, f->p);
    rc = custseg__idlist_add(&ch->ids[t], f->p, f->len, stable, row);
    ch->prevp[t] = stable ? f->p : NULL; /* unescaped bytes move */
    ch->prevlen[t] = f->len;
    *out = 0; /* the interning writes the index */
    return rc;
}

static void take_ids(chunk *ch, int64_t line, int64_t time, int64_t amount)
{
    size_t n = ch->out.n;
    uint32_t id[T_COUNT];
    int t, rc = CUSTSEG_OK;

    if (n == ch->out.cap)
        rc = ch->region   ? CUSTSEG__EFALLBACK /* cannot happen */
             : ch->direct ? grow_direct(ch)
                          : grow_local(ch);
    if (rc == CUSTSEG_OK && n >= CUSTSEG__NONE)
        rc = CUSTSEG__EFALLBACK; /* rows are 32-bit in the lists */
    if (rc != CUSTSEG_OK) {
        fail(ch, rc, line, -1);
        return;
    }
    for (t = 0; t < T_COUNT; t++)
        if ((rc = id_value(ch, t, (uint32_t)n, &id[t])) != CUSTSEG_OK) {
            fail(ch, rc, line, id_roles[t]);
            return;
        }
    append_row(ch, id, time, amount);
}

/* The row's time. The lines of an order nearly always repeat its time
 * stamp, byte for byte: the same bytes give the same time, unparsed. */
static bool row_time(chunk *ch, const field *tf, int64_t *t)
{
    if (tf->len == ch->tlen && tf->len > 0 &&
        custseg__same_bytes(tf->p, ch->tbytes, tf->len)) {
        *t = ch->tvalue;
        return true;
    }
    if (tf->len == 0 || custseg__parse_time(tf->p, tf->len, t) != 0)
        return false;
    if (tf->len <= sizeof ch->tbytes) {
        memcpy(ch->tbytes, tf->p, tf->len);
        ch->tlen = tf->len;
        ch->tvalue = *t;
    }
    return true;
}

/* One transaction row: checks in a fixed order, so each rejected row has
 * exactly one reason. */
static void take_tx(chunk *ch, const rowinfo *ri, int64_t line)
{
    const load *ld = ch->ld;
    const field *f = ch->f, *tf;
    int64_t t, amount;

    if (ri->broken || ri->nf != ld->ncols) {
        reject(ch, CUSTSEG_REJECT_FIELD_COUNT, line);
        return;
    }
    if (f[ld->slot[CUSTSEG__ROLE_CUSTOMER]].len == 0) {
        reject(ch, CUSTSEG_REJECT_MISSING_CUSTOMER, line);
        return;
    }
    tf = &f[ld->slot[CUSTSEG__ROLE_TIME]];
    if (!row_time(ch, tf, &t)) {
        reject(ch, CUSTSEG_REJECT_BAD_DATE, line);
        return;
    }
    if (!row_amount(ld, f, &amount)) {
        reject(ch, CUSTSEG_REJECT_BAD_NUMBER, line);
        return;
    }
    if (ld->drop_returns && amount < 0) {
        reject(ch, CUSTSEG_REJECT_RETURN_DROPPED, line);
        return;
    }
    ch->rep.accepted++;
    if (ld->part) {
        take_ids(ch, line, t, amount);
        return;
    }
    push_row(ch, line, t, amount);
    if (ch->npb == BATCH)
        flush(ch);
}

/* A count: an integer, or a decimal with a zero fraction ("12.0", as
 * spreadsheets write them); never negative. */
static bool parse_count(const field *f, int64_t *out)
{
    int64_t v;

    if (f->len == 0)
        return false;
    if (custseg__parse_int64(f->p, f->len, &v) != CUSTSEG_OK) {
        if (custseg__parse_e4(f->p, f->len, &v) != CUSTSEG_OK ||
            v % CUSTSEG__E4 != 0)
            return false;
        v /= CUSTSEG__E4;
    }
    *out = v;
    return v >= 0;
}

/* One summary row. The row is checked completely before its customer is
 * interned, so a rejected row never leaves a customer without summary. */
static void take_sum(chunk *ch, const rowinfo *ri, int64_t line)
{
    const load *ld = ch->ld;
    custseg_dataset *ds = ld->ds;
    const field *f = ch->f, *cf = &f[ld->slot[CUSTSEG__ROLE_CUSTOMER]];
    int64_t r, fq, m;
    uint32_t c;
    bool added;
    int rc;

    if (ri->broken || ri->nf != ld->ncols) {
        reject(ch, CUSTSEG_REJECT_FIELD_COUNT, line);
        return;
    }
    if (cf->len == 0) {
        reject(ch, CUSTSEG_REJECT_MISSING_CUSTOMER, line);
        return;
    }
    if (!parse_count(&f[ld->slot[CUSTSEG__ROLE_RECENCY]], &r) ||
        !parse_count(&f[ld->slot[CUSTSEG__ROLE_FREQUENCY]], &fq) ||
        !parse_num(&f[ld->slot[CUSTSEG__ROLE_MONETARY]], &m)) {
        reject(ch, CUSTSEG_REJECT_BAD_NUMBER, line);
        return;
    }
    rc = custseg__strtab_intern(&ds->customers, cf->p, cf->len,
                                CUSTSEG_MAX_CUSTOMERS, &c, &added);
    if (rc != CUSTSEG_OK) {
        fail(ch, rc, line, CUSTSEG__ROLE_CUSTOMER);
        return;
    }
    if (!added) {
        reject(ch, CUSTSEG_REJECT_DUPLICATE_CUSTOMER, line);
        return;
    }
    rc = custseg__dataset_append_summary(ds, c, r, fq, m);
    if (rc != CUSTSEG_OK) {
        fail(ch, rc, line, -1);
        return;
    }
    ch->rep.accepted++;
}

/* ------------------------------------------------------------ chunks */

/* Count parsed bytes; the first chunk (the caller's thread) also calls
 * the progress callback, so a callback never runs on a library thread. */
static int progress(chunk *ch, const char *p, bool first)
{
    load *ld = ch->ld;
    size_t pos = (size_t)(p - ch->begin), total;

    if (pos - ch->reported < ld->step)
        return CUSTSEG_OK;
    atomic_fetch_add(&ld->done, pos - ch->reported);
    ch->reported = pos;
    if (atomic_load(&ld->cancel))
        return CUSTSEG_ECANCELED;
    if (!first || ld->quiet || ld->ds->progress == NULL)
        return CUSTSEG_OK;
    total = (size_t)(ld->end - ld->data);
    /* Parsing is most of a load; the merge takes the last 5%. */
    if (custseg__progress(ld->ds->progress, ld->ds->progress_payload,
                          0.95 * (double)atomic_load(&ld->done) /
                              (double)(total + 1)) != CUSTSEG_OK) {
        atomic_store(&ld->cancel, 1);
        return CUSTSEG_ECANCELED;
    }
    return CUSTSEG_OK;
}

static void parse_chunk(chunk *ch, bool first)
{
    const load *ld = ch->ld;
    const char *p = ch->begin;
    rowinfo ri;
    bool blank;

    while (p < ch->end && ch->status == CUSTSEG_OK) {
        int64_t line = ch->lines;
        p = row_start(&ld->lx, p, &blank);
        if (blank) {
            if (p < ld->end) {
                p = (const char *)skip_eol((const unsigned char *)p,
                                           ld->lx.end);
                ch->lines++;
            }
            continue;
        }
#if CUSTSEG_SSE2
        {
            const char *next = parse_row_fast(&ld->lx, p, ch->f, &ri);
            p = next != NULL ? next
                             : parse_row(&ld->lx, p, ch->f, &ch->sc, &ri);
        }
#else
        p = parse_row(&ld->lx, p, ch->f, &ch->sc, &ri);
#endif
        ch->lines += ri.lines;
        ch->rep.read++;
        if (ri.nomem) {
            fail(ch, CUSTSEG_ENOMEM, line, -1);
            break;
        }
        if (ri.scratch)
            resolve(ch->f, ld->nslots, &ch->sc);
        if (ld->summary) {
            take_sum(ch, &ri, line);
            ch->sc.len = 0;
        } else {
            take_tx(ch, &ri, line);
            /* Rejected rows' escapes pile up until the batch is done. */
            if (ch->npb > 0 && ch->sc.len > SCRATCH_MAX)
                flush(ch);
            if (ch->npb == 0) /* nothing refers to the scratch buffer */
                ch->sc.len = 0;
        }
        if (progress(ch, p, first) != CUSTSEG_OK)
            fail(ch, CUSTSEG_ECANCELED, line, -1);
    }
    if (ch->status == CUSTSEG_OK)
        flush(ch);
    ch->stop = p;
}

static void *chunk_thread(void *arg)
{
    parse_chunk(arg, false);
    return NULL;
}

static void report_init(custseg__report *r)
{
    int i, k;

    memset(r, 0, sizeof *r);
    for (i = 0; i < CUSTSEG_REJECT_REASON_COUNT; i++)
        for (k = 0; k < CUSTSEG__REPORT_LINES; k++)
            r->first_lines[i][k] = -1;
}

static int chunk_init(chunk *ch, load *ld, const char *begin,
                      const char *end, bool direct)
{
    size_t expect;
    int t;

    memset(ch, 0, sizeof *ch);
    ch->ld = ld;
    ch->begin = ch->stop = begin;
    ch->end = end;
    ch->direct = direct;
    ch->min_time = INT64_MAX;
    ch->max_time = INT64_MIN;
    report_init(&ch->rep);
    expect = ld->part ? estimate_rows(ch) / 2 : 0; /* ids: about a row in
                                                      two changes each */
    for (t = 0; t < T_COUNT; t++) {
        custseg__strtab_init(&ch->own[t]);
        custseg__idlist_init(&ch->ids[t], expect);
        ch->last[t] = CUSTSEG__NONE;
    }
    ch->tab[T_CUST] = direct ? &ld->ds->customers : &ch->own[T_CUST];
    ch->tab[T_ORD] = direct ? &ld->ds->orders : &ch->own[T_ORD];
    ch->tab[T_CAT] = direct ? &ld->ds->categories : &ch->own[T_CAT];
    ch->f = custseg__calloc((size_t)ld->nslots + 1, sizeof *ch->f);
    ch->pb = custseg__malloc(BATCH * sizeof *ch->pb);
    return ch->f == NULL || ch->pb == NULL ? CUSTSEG_ENOMEM : CUSTSEG_OK;
}

static void chunk_free(chunk *ch)
{
    int t;

    for (t = 0; t < T_COUNT; t++) {
        custseg__strtab_free(&ch->own[t]);
        custseg__idlist_free(&ch->ids[t]);
    }
    if (!ch->direct && !ch->region) { /* its own columns */
        custseg__free(ch->out.cust);
        custseg__free(ch->out.ord);
        custseg__free(ch->out.cat);
        custseg__free(ch->out.time);
        custseg__free(ch->out.amount);
    }
    memset(&ch->out, 0, sizeof ch->out);
    custseg__free(ch->sc.buf);
    ch->sc.buf = NULL;
    custseg__free(ch->f);
    ch->f = NULL;
    custseg__free(ch->pb);
    ch->pb = NULL;
}

/* Cut points: just after a line feed at or past each even share. */
static size_t plan_chunks(const load *ld, const char **cuts, size_t max)
{
    size_t len = (size_t)(ld->end - ld->data), n = 1, k;
    int threads = ld->ds->threads;

    cuts[0] = ld->data;
    if (threads > 1 && !ld->serial && !ld->summary &&
        len >= THREADS_MIN_INPUT) {
        size_t want = len / CHUNK_MIN, step;
        if (want > (size_t)threads)
            want = (size_t)threads;
        if (want > max - 1)
            want = max - 1;
        step = len / (want > 0 ? want : 1);
        for (k = 1; k < want; k++) {
            const char *t = ld->data + k * step, *nl;
            if (t <= cuts[n - 1])
                continue;
            nl = memchr(t, '\n', (size_t)(ld->end - t));
            if (nl == NULL || nl + 1 >= ld->end)
                break;
            cuts[n++] = nl + 1;
        }
    }
    cuts[n] = ld->end;
    return n;
}

/* Parse every chunk, the first in this thread. Threads that can't be
 * started leave their chunk to this thread: slower, same result. */
static void run_chunks(load *ld)
{
    size_t k;

    for (k = 1; k < ld->nchunks; k++)
        ld->chunks[k].started =
            pthread_create(&ld->chunks[k].tid, NULL, chunk_thread,
                           &ld->chunks[k]) == 0;
    parse_chunk(&ld->chunks[0], true);
    for (k = 1; k < ld->nchunks; k++) {
        if (ld->chunks[k].started)
            pthread_join(ld->chunks[k].tid, NULL);
        else
            parse_chunk(&ld->chunks[k], false);
    }
}

/* A chunk is right only if the one before ended exactly where it begins;
 * otherwise a quoted field ran across the cut. Parse again from the true
 * boundary, here, as one chunk. */
static int fix_cuts(load *ld)
{
    size_t k;
    chunk *prev, *ch;
    int rc;

    for (k = 1; k < ld->nchunks; k++) {
        prev = &ld->chunks[k - 1];
        if (prev->status != CUSTSEG_OK)
            return CUSTSEG_OK; /* the load fails there anyway */
        if (prev->stop == ld->chunks[k].begin)
            continue;
        while (ld->nchunks > k)
            chunk_free(&ld->chunks[--ld->nchunks]);
        ch = &ld->chunks[k];
        if ((rc = chunk_init(ch, ld, prev->stop, ld->end, false)) !=
            CUSTSEG_OK) {
            chunk_free(ch);
            return rc;
        }
        ld->nchunks = k + 1;
        parse_chunk(ch, true);
        return CUSTSEG_OK;
    }
    return CUSTSEG_OK;
}

/* ------------------------------------------------------------ merging */

#define MERGE_BATCH 64

/* Prefetch what interning n ids with these hashes will compare with in
 * the dataset's table, in the three passes of "batches". */
static void merge_prefetch(const custseg__strtab *t, const uint64_t *hash,
                           size_t n)
{
    uint32_t hint[MERGE_BATCH];
    size_t i;

    if (t->nslots == 0)
        return;
    for (i = 0; i < n; i++)
        PREFETCH(first_slot(t, hash[i]));
    for (i = 0; i < n; i++)
        if ((hint[i] = peek_slot(t, hash[i])) != CUSTSEG__NONE)
            PREFETCH(&t->offsets[hint[i]]);
    for (i = 0; i < n; i++)
        if (hint[i] != CUSTSEG__NONE)
            PREFETCH(custseg__strtab_get(t, hint[i]));
}

/* Intern a later chunk's ids into the dataset's table in the chunk's
 * order of first appearance, which gives the indexes a single thread
 * would have given; map[i] gets the index of chunk id i. */
static int merge_ids(custseg__strtab *dst, const custseg__strtab *src,
                     uint32_t limit, uint32_t *map)
{
    uint64_t hash[MERGE_BATCH];
    size_t i0, i, n;
    int rc;

    for (i0 = 0; i0 < src->count; i0 += n) {
        n = src->count - i0 < MERGE_BATCH ? src->count - i0 : MERGE_BATCH;
        for (i = 0; i < n; i++)
            hash[i] = custseg__hash_bytes(
                custseg__strtab_get(src, (uint32_t)(i0 + i)),
                custseg__strtab_len(src, (uint32_t)(i0 + i)));
        merge_prefetch(dst, hash, n);
        for (i = i0; i < i0 + n; i++) {
            rc = custseg__strtab_intern_hashed(
                dst, custseg__strtab_get(src, (uint32_t)i),
                custseg__strtab_len(src, (uint32_t)i), hash[i - i0], limit,
                &map[i], NULL);
            if (rc != CUSTSEG_OK)
                return rc;
        }
    }
    return CUSTSEG_OK;
}

static uint32_t remap(const uint32_t *map, uint32_t i)
{
    return i == CUSTSEG__NONE || map == NULL ? i : map[i];
}

/* Copy a later chunk's rows after `base` new rows, with dataset ids. */
static void copy_rows(custseg_dataset *ds, const chunk *ch, size_t base,
                      uint32_t *const map[T_COUNT])
{
    size_t at = ds->ntx + base, i, n = ch->out.n;

    for (i = 0; i < n; i++) {
        ds->tx_customer[at + i] = remap(map[T_CUST], ch->out.cust[i]);
        ds->tx_order[at + i] = remap(map[T_ORD], ch->out.ord[i]);
    }
    memcpy(ds->tx_time + at, ch->out.time, n * sizeof *ch->out.time);
    memcpy(ds->tx_amount + at, ch->out.amount, n * sizeof *ch->out.amount);
    if (ds->tx_category != NULL)
        for (i = 0; i < n; i++)
            ds->tx_category[at + i] =
                ch->out.cat != NULL ? remap(map[T_CAT], ch->out.cat[i])
                                    : CUSTSEG__NONE;
}

static int merge_chunk(load *ld, chunk *ch, size_t base)
{
    custseg_dataset *ds = ld->ds;
    custseg__strtab *dst[T_COUNT];
    uint32_t *map[T_COUNT] = {NULL, NULL, NULL};
    int t, rc = CUSTSEG_OK;

    dst[T_CUST] = &ds->customers;
    dst[T_ORD] = &ds->orders;
    dst[T_CAT] = &ds->categories;
    for (t = 0; t < T_COUNT && rc == CUSTSEG_OK; t++) {
        if (ch->own[t].count == 0)
            continue;
        map[t] = custseg__malloc(ch->own[t].count * sizeof(uint32_t));
        rc = map[t] == NULL ? CUSTSEG_ENOMEM
                            : merge_ids(dst[t], &ch->own[t], id_limits[t],
                                        map[t]);
        if (rc == CUSTSEG_ELIMIT)
            custseg__err_set(&ds->err, rc, "%s: more than %" PRIu32
                             " distinct %s ids", ld->name, id_limits[t],
                             custseg__role_names[id_roles[t]]);
    }
    if (rc == CUSTSEG_OK && ch->out.n > 0)
        rc = custseg__dataset_reserve(ds, base + ch->out.n,
                                      ld->slot[CUSTSEG__ROLE_CATEGORY] >= 0);
    if (rc == CUSTSEG_OK)
        copy_rows(ds, ch, base, map);
    else if (rc != CUSTSEG_ELIMIT)
        custseg__err_set(&ds->err, rc, "%s: out of memory", ld->name);
    for (t = 0; t < T_COUNT; t++)
        custseg__free(map[t]);
    return rc;
}

/* Put the later chunks' rows after the first's, freeing each chunk as
 * soon as it is in. */
static int merge_rows(load *ld, size_t *rows)
{
    size_t k;
    int rc;

    *rows = ld->chunks[0].out.n;
    for (k = 1; k < ld->nchunks; k++) {
        chunk *ch = &ld->chunks[k];
        if ((rc = merge_chunk(ld, ch, *rows)) != CUSTSEG_OK)
            return rc;
        *rows += ch->out.n;
        chunk_free(ch);
    }
    return CUSTSEG_OK;
}

/* ------------------------------------------------------------ regions
 *
 * In the partitioned way every chunk of a threaded load parses straight
 * into its own part of the dataset's columns, so that no chunk's rows are
 * copied (a copy into fresh memory costs more than the parse on some
 * machines). A lone chunk simply grows the columns. A chunk has
 * no more rows than line ends plus one, so parts sized that way never
 * overlap; they are counted before parsing, and the rows are moved down
 * over the gaps (blank lines, rejected rows) afterwards. */

#if CUSTSEG_SSE2
/* The sum of the 16 byte counters in acc (each at most 255). */
static size_t sum_bytes(__m128i acc)
{
    __m128i s = _mm_sad_epu8(acc, _mm_setzero_si128());

    return (size_t)_mm_cvtsi128_si32(s) +
           (size_t)_mm_cvtsi128_si32(_mm_srli_si128(s, 8));
}
#endif

/* Line ends in [s, e): LF, CRLF or a lone CR, each once; that is, LFs
 * plus CRs less CRLF pairs. Sixteen bytes at a time with SSE2, counting
 * matches in byte counters (a match is -1, subtracted) that are summed
 * before they can overflow. */
size_t custseg__count_line_ends(const char *text, size_t len)
{
    const unsigned char *s = (const unsigned char *)text, *e = s + len;
    size_t n = 0;
#if CUSTSEG_SSE2
    const __m128i lf = _mm_set1_epi8('\n'), cr = _mm_set1_epi8('\r');

    while (e - s >= 17) { /* the CRLF test reads one byte ahead */
        __m128i nl = _mm_setzero_si128(), nc = nl, np = nl;
        int k;
        for (k = 0; k < 255 && e - s >= 17; k++, s += 16) {
            __m128i x = _mm_loadu_si128((const __m128i *)(const void *)s);
            __m128i y = _mm_loadu_si128(
                (const __m128i *)(const void *)(s + 1));
            __m128i c = _mm_cmpeq_epi8(x, cr);
            nl = _mm_sub_epi8(nl, _mm_cmpeq_epi8(x, lf));
            nc = _mm_sub_epi8(nc, c);
            np = _mm_sub_epi8(np, _mm_and_si128(c, _mm_cmpeq_epi8(y, lf)));
        }
        n += sum_bytes(nl) + sum_bytes(nc) - sum_bytes(np);
    }
#endif
    return n + (size_t)count_eols(s, e);
}

#define COUNT_PIECE ((size_t)32 << 20) /* bytes counted per job */
#define PAGE_STEP 4096

typedef struct piece {
    const char *begin, *end;
    size_t chunk, count;
    bool touch_only;
} piece;

/* Read a byte of every page: the first read of a page of a mapped file
 * is a fault (the mapping is made then), the costliest part of reading
 * it; made here, on all threads, it leaves the last chunk's parsing no
 * slower than the others'. */
static size_t touch_pages(const char *p, const char *end)
{
    size_t sum = 0;

    for (; p < end; p += PAGE_STEP)
        sum += (unsigned char)*(const volatile char *)p;
    return sum;
}

static int count_piece(size_t k, void *payload)
{
    piece *pc = &((piece *)payload)[k];
    size_t len = (size_t)(pc->end - pc->begin);

    pc->count = 0;
    if (pc->touch_only)
        (void)touch_pages(pc->begin, pc->end);
    else
        pc->count = custseg__count_line_ends(pc->begin, len);
    return CUSTSEG_OK;
}

/* Line ends of chunks [0, n), counted in pieces on all threads, into
 * out.cap as a bound on each chunk's rows (a line end cut in two by a
 * piece boundary counts twice: still a bound); the pages of the chunks
 * after them are only touched. */
static int count_chunks(load *ld, size_t n)
{
    size_t k, np = 0;
    piece *pc;

    for (k = 0; k < ld->nchunks; k++)
        np += (size_t)(ld->chunks[k].end - ld->chunks[k].begin) /
                  COUNT_PIECE + 1;
    if ((pc = custseg__malloc(np * sizeof *pc)) == NULL)
        return CUSTSEG_ENOMEM;
    for (k = 0, np = 0; k < ld->nchunks; k++) {
        const char *p = ld->chunks[k].begin, *end = ld->chunks[k].end;
        do {
            pc[np].begin = p;
            p = (size_t)(end - p) > COUNT_PIECE ? p + COUNT_PIECE : end;
            pc[np].end = p;
            pc[np].touch_only = k >= n;
            pc[np++].chunk = k;
        } while (p < end);
        if (k < n)
            ld->chunks[k].out.cap = 1; /* the last row's line end */
    }
    (void)custseg__run_jobs(np, ld->serial ? 1 : ld->ds->threads,
                            count_piece, pc);
    for (k = 0; k < np; k++)
        if (!pc[k].touch_only)
            ld->chunks[pc[k].chunk].out.cap += pc[k].count;
    custseg__free(pc);
    return CUSTSEG_OK;
}

/* A bound on the accepted rows of a chunk without reading it: such a row
 * has every field, a delimiter between each two, a line end (but maybe
 * the last) and a byte of customer, time and amount at least (one byte,
 * should the three be one column). */
static size_t rows_bound(const load *ld, const chunk *ch)
{
    return (size_t)(ch->end - ch->begin) / ((size_t)ld->ncols + 1) + 1;
}

/* Room for every chunk's rows in the dataset, and each chunk's part. The
 * last part needs no exact bound (nothing comes after it), so its bytes
 * are not read twice: it gets the loose bound above, mere address space
 * until written, given back once the rows are in (dataset_trim); only
 * if that much cannot be had is it counted too. */
static int plan_regions(load *ld)
{
    custseg_dataset *ds = ld->ds;
    bool cat = ld->slot[CUSTSEG__ROLE_CATEGORY] >= 0;
    size_t k, total = 0, base = ds->ntx, last = ld->nchunks - 1;
    int rc;

    if ((rc = count_chunks(ld, last)) != CUSTSEG_OK)
        return custseg__err_set(&ds->err, rc, "out of memory");
    ld->chunks[last].out.cap = rows_bound(ld, &ld->chunks[last]);
    for (k = 0; k < ld->nchunks; k++) {
        ld->chunks[k].at = total;
        total += ld->chunks[k].out.cap;
    }
    rc = custseg__dataset_reserve(ds, total, cat);
    if (rc == CUSTSEG_ENOMEM) {
        custseg__err_clear(&ds->err);
        total -= ld->chunks[last].out.cap;
        if ((rc = count_chunks(ld, ld->nchunks)) == CUSTSEG_OK) {
            total += ld->chunks[last].out.cap;
            rc = custseg__dataset_reserve(ds, total, cat);
        }
    }
    if (rc != CUSTSEG_OK) /* a limit: load_rows() loads in one piece */
        return rc;
    for (k = 0; k < ld->nchunks; k++) {
        chunk *ch = &ld->chunks[k];
        ch->region = true;
        ch->out.n = 0;
        point_at_dataset(ch, base + ch->at);
    }
    return CUSTSEG_OK;
}

/* ------------------------------------------------------------ partitions */

typedef struct id_finish {
    load *ld;
    size_t *rowbase;                          /* first dataset row */
    uint32_t base[T_COUNT][CUSTSEG__IDPARTS]; /* idparts_intern() */
} id_finish;

static uint32_t *id_column(cols *o, int t)
{
    return t == T_CUST ? o->cust : t == T_ORD ? o->ord : o->cat;
}

/* Final ids from what take_ids() and the interning wrote. */
static void resolve_ids(uint32_t *dst, const uint32_t *src, size_t n,
                        const uint32_t *base)
{
    uint32_t last = CUSTSEG__NONE;
    size_t i;

    for (i = 0; i < n; i++) {
        uint32_t v = src[i];
        if (v == CUSTSEG__IDSAME)
            v = last;
        else if (v != CUSTSEG__NONE)
            v = base[v >> 24] + (v & 0xffffffu);
        dst[i] = v;
        if (v != CUSTSEG__NONE)
            last = v;
    }
}

/* A chunk's ids resolved where its rows are: in its part of the
 * dataset's columns, or in its own columns (a chunk parsed again after a
 * bad cut), which move later. */
static int resolve_chunk(size_t k, void *payload)
{
    id_finish *fn = payload;
    chunk *ch = &fn->ld->chunks[k];
    int t;

    for (t = 0; t < T_COUNT; t++) {
        uint32_t *col = id_column(&ch->out, t);
        if (col != NULL)
            resolve_ids(col, col, ch->out.n, fn->base[t]);
    }
    return CUSTSEG_OK;
}

static void move_column(void *dst, const void *src, size_t n, size_t elem)
{
    if (dst != src && n > 0)
        memmove(dst, src, n * elem);
}

/* Rows to their final place, chunk after chunk, over the gaps: each
 * chunk moves down, never onto a part that a later chunk still holds. */
static void move_rows(load *ld, const size_t *rowbase)
{
    custseg_dataset *ds = ld->ds;
    size_t k;

    for (k = 0; k < ld->nchunks; k++) {
        const cols *o = &ld->chunks[k].out;
        size_t at = ds->ntx + rowbase[k], n = o->n;
        if (n == 0) /* nothing to move, and maybe no columns yet */
            continue;
        move_column(ds->tx_customer + at, o->cust, n, 4);
        move_column(ds->tx_order + at, o->ord, n, 4);
        move_column(ds->tx_time + at, o->time, n, 8);
        move_column(ds->tx_amount + at, o->amount, n, 8);
        if (ds->tx_category != NULL && o->cat != NULL)
            move_column(ds->tx_category + at, o->cat, n, 4);
        else if (ds->tx_category != NULL)
            memset(ds->tx_category + at, 0xff, n * 4); /* NONE */
    }
}

/* Intern the ids of every chunk by partition, then put the rows in
 * place with their final ids. */
static int finish_ids(load *ld, size_t *rows)
{
    custseg_dataset *ds = ld->ds;
    custseg__strtab *dst[T_COUNT];
    const custseg__idlist **lists;
    uint32_t **idcols;
    id_finish *fn;
    bool cat = ld->slot[CUSTSEG__ROLE_CATEGORY] >= 0;
    int threads = ld->serial ? 1 : ds->threads, t, rc;
    size_t k, n = ld->nchunks;

    dst[T_CUST] = &ds->customers;
    dst[T_ORD] = &ds->orders;
    dst[T_CAT] = &ds->categories;
    fn = custseg__calloc(1, sizeof *fn);
    lists = custseg__malloc(n * sizeof *lists);
    idcols = custseg__malloc(n * sizeof *idcols);
    rc = fn == NULL || lists == NULL || idcols == NULL ? CUSTSEG_ENOMEM
                                                       : CUSTSEG_OK;
    if (rc == CUSTSEG_OK && (fn->rowbase = custseg__malloc(
                                 n * sizeof *fn->rowbase)) == NULL)
        rc = CUSTSEG_ENOMEM;
    *rows = 0;
    for (k = 0; k < n && rc == CUSTSEG_OK; k++) {
        fn->rowbase[k] = *rows;
        *rows += ld->chunks[k].out.n;
    }
    /* Only a chunk parsed again after a bad cut can need more room; its
     * own columns are not in the dataset's, so they do not move here. */
    if (rc == CUSTSEG_OK && *rows > 0)
        rc = custseg__dataset_reserve(ds, *rows, cat);
    for (k = 0; k < n && rc == CUSTSEG_OK; k++) {
        chunk *ch = &ld->chunks[k];
        /* the columns may have moved (and a load of no rows has none) */
        if ((ch->region || ch->direct) && ds->tx_customer != NULL)
            point_at_dataset(ch, ds->ntx + ch->at);
    }
    for (t = 0; t < T_COUNT && rc == CUSTSEG_OK; t++) {
        if (ld->slot[id_roles[t]] < 0)
            continue;
        for (k = 0; k < n; k++) {
            lists[k] = &ld->chunks[k].ids[t];
            idcols[k] = id_column(&ld->chunks[k].out, t);
        }
        rc = custseg__idparts_intern(dst[t], lists, idcols, n, threads,
                                     id_limits[t], t != T_ORD,
                                     fn->base[t]);
    }
    if (rc == CUSTSEG_OK) {
        fn->ld = ld;
        rc = custseg__run_jobs(n, threads, resolve_chunk, fn);
    }
    if (rc == CUSTSEG_OK)
        move_rows(ld, fn->rowbase);
    if (fn != NULL)
        custseg__free(fn->rowbase);
    custseg__free(fn);
    custseg__free(lists);
    custseg__free(idcols);
    if (rc == CUSTSEG_ENOMEM)
        custseg__err_set(&ds->err, rc, "%s: out of memory", ld->name);
    return rc;
}

/* Chunk report lines are relative to the chunk; make them absolute and
 * keep the first five per reason, in input order. */
static void merge_report(custseg__report *dst, const custseg__report *src,
                         int64_t base)
{
    int r, k;

    dst->read += src->read;
    dst->accepted += src->accepted;
    for (r = 0; r < CUSTSEG_REJECT_REASON_COUNT; r++) {
        int64_t have = dst->rejected[r];
        for (k = 0; k < CUSTSEG__REPORT_LINES && have + k <
                    CUSTSEG__REPORT_LINES && src->first_lines[r][k] >= 0;
             k++)
            dst->first_lines[r][have + k] = src->first_lines[r][k] + base;
        dst->rejected[r] += src->rejected[r];
    }
}

static int chunk_error(load *ld, const chunk *ch, int64_t base)
{
    custseg_dataset *ds = ld->ds;
    int64_t line = ch->err_line + base;
    int role = ch->err_role;

    if (ch->status == CUSTSEG_ECANCELED)
        return custseg__err_set(&ds->err, ch->status, "%s: canceled by the "
                                "progress callback", ld->name);
    if (ch->err_line < 0)
        return custseg__err_set(&ds->err, ch->status, "%s: %s", ld->name,
                                ch->status == CUSTSEG_ELIMIT
                                    ? "too many customers, orders or "
                                      "categories"
                                    : "out of memory");
    if (ch->status == CUSTSEG_ELIMIT && role >= 0)
        return custseg__err_set_at(&ds->err, ch->status, line,
                                   ld->col[role] + 1, "%s: line %" PRId64
                                   ", field %d (%s): too many distinct %s "
                                   "ids", ld->name, line, ld->col[role] + 1,
                                   ld->ds->map[role],
                                   custseg__role_names[role]);
    if (ch->status == CUSTSEG_ELIMIT) /* the one limit without a role */
        return custseg__err_set_at(&ds->err, ch->status, line, -1,
                                   "%s: line %" PRId64 ": more than %zu "
                                   "transactions", ld->name, line,
                                   (size_t)CUSTSEG_MAX_TRANSACTIONS);
    return custseg__err_set_at(&ds->err, ch->status, line, -1,
                               "%s: line %" PRId64 ": out of memory",
                               ld->name, line);
}

/* The report of the whole load, in input order; the first failed chunk
 * (in input order, as a single thread would have met it) fails it. */
static int merge_reports(load *ld, int64_t *minmax)
{
    int64_t base = ld->first_line;
    size_t k;

    for (k = 0; k < ld->nchunks; k++) {
        const chunk *ch = &ld->chunks[k];
        if (ch->status != CUSTSEG_OK)
            return chunk_error(ld, ch, base);
        merge_report(&ld->ds->report, &ch->rep, base);
        base += ch->lines;
        if (ch->min_time < minmax[0])
            minmax[0] = ch->min_time;
        if (ch->max_time > minmax[1])
            minmax[1] = ch->max_time;
    }
    return CUSTSEG_OK;
}

static int parse_and_merge(load *ld)
{
    custseg_dataset *ds = ld->ds;
    const char *cuts[258];
    int64_t minmax[2] = {INT64_MAX, INT64_MIN};
    size_t n = plan_chunks(ld, cuts, 257), k, rows;
    int rc = CUSTSEG_OK;

    ld->chunks = custseg__calloc(n, sizeof *ld->chunks);
    if (ld->chunks == NULL)
        return custseg__err_set(&ds->err, CUSTSEG_ENOMEM, "out of memory");
    for (k = 0; k < n && rc == CUSTSEG_OK; k++, ld->nchunks = k)
        rc = chunk_init(&ld->chunks[k], ld, cuts[k], cuts[k + 1], k == 0);
    if (rc != CUSTSEG_OK)
        return custseg__err_set(&ds->err, rc, "out of memory");
    /* One chunk grows the dataset's columns itself: nothing to plan. */
    if (ld->part && n > 1 && (rc = plan_regions(ld)) != CUSTSEG_OK)
        return rc;
    run_chunks(ld);
    if ((rc = fix_cuts(ld)) != CUSTSEG_OK)
        return custseg__err_set(&ds->err, rc, "out of memory");
    if ((rc = merge_reports(ld, minmax)) != CUSTSEG_OK)
        return rc;
    rc = ld->part ? finish_ids(ld, &rows) : merge_rows(ld, &rows);
    if (rc != CUSTSEG_OK)
        return rc;
    rc = custseg__progress(ds->progress, ds->progress_payload, 1.0);
    if (rc != CUSTSEG_OK)
        return custseg__err_set(&ds->err, rc, "%s: canceled by the "
                                "progress callback", ld->name);
    /* Commit: the rows past ntx become part of the dataset. */
    ds->ntx += rows;
    if (n > 1 && ld->part)
        custseg__dataset_trim(ds); /* the loose bound of plan_regions() */
    if (minmax[0] < ds->min_time)
        ds->min_time = minmax[0];
    if (minmax[1] > ds->max_time)
        ds->max_time = minmax[1];
    return CUSTSEG_OK;
}

/* ------------------------------------------------------------ entry */

static void load_free(load *ld)
{
    size_t k;

    for (k = 0; k < ld->nchunks; k++)
        chunk_free(&ld->chunks[k]);
    custseg__free(ld->chunks);
    ld->chunks = NULL;
    ld->nchunks = 0;
}

/* What a load may change, to put it back when the load fails. */
typedef struct undo {
    size_t count[T_COUNT];
    int kind;
    size_t ntx;              /* rows commit before the "attr:" pass */
    int64_t min_time, max_time;
} undo;

static undo mark(const custseg_dataset *ds)
{
    undo u;

    u.count[T_CUST] = ds->customers.count;
    u.count[T_ORD] = ds->orders.count;
    u.count[T_CAT] = ds->categories.count;
    u.kind = ds->kind;
    u.ntx = ds->ntx;
    u.min_time = ds->min_time;
    u.max_time = ds->max_time;
    return u;
}

/* Remove the ids a failed load added; a table that was empty is freed
 * entirely, so that it holds no memory either. Rows past ntx were never
 * counted and need nothing. */
static void undo_table(custseg__strtab *t, size_t count)
{
    if (count == 0)
        custseg__strtab_free(t);
    else
        custseg__strtab_truncate(t, count);
}

static void rollback(custseg_dataset *ds, undo u)
{
    undo_table(&ds->customers, u.count[T_CUST]);
    undo_table(&ds->orders, u.count[T_ORD]);
    undo_table(&ds->categories, u.count[T_CAT]);
    ds->kind = u.kind;
    ds->ntx = u.ntx;
    ds->min_time = u.min_time;
    ds->max_time = u.max_time;
    report_init(&ds->report);
}

/* Parse and merge the rows. A chunk meets a size limit later than the
 * whole load would (it counts only its own ids), so a threaded load
 * that hits one is done again in one piece: the error then names the
 * same row as with one thread. The partitioned way (idpart.h) knows id
 * counts only at the end, so it too leaves limits, and the inputs it
 * cannot take (CUSTSEG__EFALLBACK), to a load in one piece. */
static int load_rows(load *ld, undo u)
{
    int rc;
    bool chunked;

    ld->part = !ld->summary && u.count[T_CUST] == 0 &&
               u.count[T_ORD] == 0 && u.count[T_CAT] == 0;
    rc = parse_and_merge(ld);
    chunked = ld->nchunks > 1 || ld->part;
    load_free(ld);
    if (!(rc == CUSTSEG_ELIMIT || rc == CUSTSEG__EFALLBACK) || !chunked)
        return rc;
    ld->part = false;
    rollback(ld->ds, u);
    custseg__err_clear(&ld->ds->err);
    ld->ds->kind = ld->summary ? CUSTSEG__DS_SUMMARY
                               : CUSTSEG__DS_TRANSACTIONS;
    ld->serial = ld->quiet = true; /* progress must not go back */
    rc = parse_and_merge(ld);
    load_free(ld);
    return rc;
}

int custseg__load_csv(custseg_dataset *ds, const char *data, size_t len,
                      const char *name)
{
    undo u = mark(ds);
    load ld;
    int rc, role;

    memset(&ld, 0, sizeof ld);
    for (role = 0; role < CUSTSEG__ROLE_COUNT; role++)
        ld.slot[role] = ld.col[role] = -1;
    ld.ds = ds;
    ld.name = name != NULL ? name : "<buffer>";
    ld.data = data;
    ld.end = data + len;
    ld.step = len / 64 < PROGRESS_MIN ? PROGRESS_MIN
            : len / 64 > PROGRESS_MAX ? PROGRESS_MAX : len / 64;
    atomic_init(&ld.done, 0);
    atomic_init(&ld.cancel, 0);
    custseg__err_clear(&ds->err);
    report_init(&ds->report);
    if (ds->frozen)
        return custseg__err_set(&ds->err, CUSTSEG_EMISUSE,
                                "dataset is frozen (read-only)");
    if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
        ld.data += 3; /* UTF-8 byte order mark */
    lexer_init(&ld.lx, ds->delimiter, ld.end);
    if ((rc = check_roles(&ld)) != CUSTSEG_OK)
        return rc;
    rc = custseg__dataset_require_kind(ds, ld.summary
                                               ? CUSTSEG__DS_SUMMARY
                                               : CUSTSEG__DS_TRANSACTIONS);
    if (rc == CUSTSEG_OK)
        rc = prepare(&ld);
    if (rc == CUSTSEG_OK)
        rc = load_rows(&ld, u);
    if (rc == CUSTSEG_OK) /* "attr:" columns (attributes_csv.c) */
        rc = custseg__attrs_load_flat(ds, data, len, ld.name);
    custseg__free(ld.colslot);
    if (rc != CUSTSEG_OK)
        rollback(ds, u); /* all or nothing */
    return rc;
}

int custseg_dataset_load_csv_buffer(custseg_dataset *ds, const char *data,
                                    size_t len, const char *name)
{
    if (ds == NULL)
        return CUSTSEG_EINVAL;
    if (data == NULL && len > 0)
        return custseg__err_set(&ds->err, CUSTSEG_EINVAL,
                                "data is NULL but len is %zu", len);
    return custseg__load_csv(ds, data != NULL ? data : "", len, name);
}

/* ------------------------------------------------------------ files */

static int io_error(custseg_dataset *ds, const char *path, const char *what)
{
    return custseg__err_set(&ds->err, CUSTSEG_EIO, "%s: %s: %s", path, what,
                            strerror(errno));
}

/* Fallback for files that can't be mapped (pipes, some file systems). */
static int read_all(custseg_dataset *ds, int fd, const char *path)
{
    char *buf = NULL;
    size_t len = 0, cap = 0;
    int rc;

    for (;;) {
        ssize_t got;
        if (len == cap &&
            custseg__grow((void **)&buf, &cap, len + 65536, 1) != CUSTSEG_OK) {
            custseg__free(buf);
            return custseg__err_set(&ds->err, CUSTSEG_ENOMEM,
                                    "%s: out of memory", path);
        }
        got = read(fd, buf + len, cap - len);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            custseg__free(buf);
            return io_error(ds, path, "cannot read");
        }
        if (got == 0)
            break;
        len += (size_t)got;
    }
    rc = custseg__load_csv(ds, buf != NULL ? buf : "", len, path);
    custseg__free(buf);
    return rc;
}

int custseg_dataset_load_csv(custseg_dataset *ds, const char *path)
{
    struct stat st;
    void *map;
    int fd, rc;

    if (ds == NULL || path == NULL)
        return CUSTSEG_EINVAL;
    custseg__err_clear(&ds->err);
    if (ds->frozen)
        return custseg__err_set(&ds->err, CUSTSEG_EMISUSE,
                                "dataset is frozen (read-only)");
    fd = open(path, O_RDONLY);
    if (fd < 0)
        return io_error(ds, path, "cannot open");
    if (fstat(fd, &st) != 0) {
        rc = io_error(ds, path, "cannot stat");
        close(fd);
        return rc;
    }
    if (!S_ISREG(st.st_mode) || st.st_size == 0) {
        rc = read_all(ds, fd, path);
        close(fd);
        return rc;
    }
    /* Mapping avoids a copy of the whole file; pages are read on demand
     * and shared with the page cache. */
    map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (map == MAP_FAILED) {
        rc = read_all(ds, fd, path);
        close(fd);
        return rc;
    }
    close(fd);
    posix_madvise(map, (size_t)st.st_size, POSIX_MADV_SEQUENTIAL);
    rc = custseg__load_csv(ds, map, (size_t)st.st_size, path);
    munmap(map, (size_t)st.st_size);
    return rc;
}

/* ------------------------------------------------------------ row reader
 *
 * For the customers, events and "attr:" loaders (attributes_csv.c): the
 * same lexing as above, on one thread, handing each row's wanted fields
 * to a callback. Those files are small next to transactions, and a flat
 * file's attribute pass reads only a few columns. */

/* Column of name in the header, or of a 1-based position without one. */
static int rows_column(custseg_dataset *ds, const firstrow *fr,
                       const char *want, const char *name)
{
    size_t len = strlen(want);
    char list[HEADER_LIST_MAX];
    long v = 0;
    int i;

    if (!ds->header) {
        for (i = 0; want[i] >= '0' && want[i] <= '9' && v < 100000; i++)
            v = v * 10 + (want[i] - '0');
        if (want[i] == '\0' && v >= 1 && v <= fr->nf)
            return (int)(v - 1);
        return custseg__err_set_at(&ds->err, CUSTSEG_EPARSE, fr->line, -1,
                                   "%s: \"%s\" is not a column position "
                                   "of the first row (%d fields; header is "
                                   "off)", name, want, fr->nf);
    }
    for (i = 0; i < fr->nf; i++)
        if (fr->f[i].len == len && memcmp(fr->f[i].p, want, len) == 0)
            return i;
    header_list(list, sizeof list, fr);
    return custseg__err_set_at(&ds->err, CUSTSEG_EPARSE, fr->line, -1,
                               "%s: line %" PRId64 ": column \"%s\" is not "
                               "in the header: %s", name, fr->line, want,
                               list);
}

typedef struct rowscan {
    load ld;
    firstrow fr;
    scratch sc;
    int16_t *slots;   /* per input column: capture slot or -1 */
    int *pick;        /* per wanted column: its capture slot */
    field *f;
    custseg__csv_field *out;
    int nslots;
} rowscan;

static int rows_map(rowscan *rs, const char *const *columns, int ncolumns)
{
    custseg_dataset *ds = rs->ld.ds;
    int k, c;

    rs->slots = custseg__malloc((size_t)rs->fr.nf * sizeof *rs->slots);
    rs->pick = custseg__malloc((size_t)ncolumns * sizeof *rs->pick + 1);
    rs->f = custseg__calloc((size_t)ncolumns + 1, sizeof *rs->f);
    rs->out = custseg__calloc((size_t)ncolumns + 1, sizeof *rs->out);
    if (rs->slots == NULL || rs->pick == NULL || rs->f == NULL ||
        rs->out == NULL)
        return custseg__err_set(&ds->err, CUSTSEG_ENOMEM, "out of memory");
    for (c = 0; c < rs->fr.nf; c++)
        rs->slots[c] = -1;
    for (k = 0; k < ncolumns; k++) {
        if ((c = rows_column(ds, &rs->fr, columns[k], rs->ld.name)) < 0)
            return c;
        if (rs->slots[c] < 0)
            rs->slots[c] = (int16_t)rs->nslots++;
        rs->pick[k] = rs->slots[c];
    }
    rs->ld.lx.slot = rs->slots;
    rs->ld.lx.ncolslot = rs->fr.nf;
    return CUSTSEG_OK;
}

static int rows_loop(rowscan *rs, int ncolumns, custseg__csv_row_fn fn,
                     void *payload)
{
    const lexer *lx = &rs->ld.lx;
    const char *p = rs->ld.data, *end = rs->ld.end;
    int64_t line = 1, start;
    rowinfo ri;
    bool blank;
    int k, rc = CUSTSEG_OK;

    if (rs->ld.ds->header) {
        p = rs->fr.next;
        line = rs->fr.lines + 1;
    }
    while (p < end && rc == CUSTSEG_OK) {
        p = row_start(lx, p, &blank);
        if (blank) {
            if (p < end) {
                p = (const char *)skip_eol((const unsigned char *)p,
                                           lx->end);
                line++;
            }
            continue;
        }
        for (k = 0; k < rs->nslots; k++) { /* short rows leave slots */
            rs->f[k].p = "";
            rs->f[k].len = 0;
        }
        rs->sc.len = 0;
        start = line;
        p = parse_row(lx, p, rs->f, &rs->sc, &ri);
        line += ri.lines;
        if (ri.nomem)
            return custseg__err_set(&rs->ld.ds->err, CUSTSEG_ENOMEM,
                                    "out of memory");
        if (ri.scratch)
            resolve(rs->f, rs->nslots, &rs->sc);
        for (k = 0; k < ncolumns; k++) {
            rs->out[k].p = rs->f[rs->pick[k]].p;
            rs->out[k].len = rs->f[rs->pick[k]].len;
        }
        rc = fn(payload, rs->out, start, !ri.broken && ri.nf == rs->fr.nf);
    }
    return rc;
}

int custseg__csv_rows(custseg_dataset *ds, const char *data, size_t len,
                      const char *name, const char *const *columns,
                      int ncolumns, custseg__csv_row_fn fn, void *payload)
{
    rowscan rs;
    int rc;

    memset(&rs, 0, sizeof rs);
    rs.ld.ds = ds;
    rs.ld.name = name != NULL ? name : "<buffer>";
    rs.ld.data = data;
    rs.ld.end = data + len;
    if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
        rs.ld.data += 3; /* UTF-8 byte order mark */
    lexer_init(&rs.ld.lx, ds->delimiter, rs.ld.end);
    rc = read_first_row(&rs.ld, &rs.fr, &rs.sc);
    if (rc != CUSTSEG_OK)
        rc = custseg__err_set(&ds->err, rc == CUSTSEG_ERANGE
                              ? CUSTSEG_EPARSE : rc, "%s: %s", rs.ld.name,
                              rc == CUSTSEG_ERANGE ? "too many fields"
                                                   : "out of memory");
    else if (rs.fr.nf == 0 && ds->header)
        rc = custseg__err_set_at(&ds->err, CUSTSEG_EPARSE, 1, -1, "%s: no "
                                 "header line (the input is empty)",
                                 rs.ld.name);
    else if (rs.fr.nf > 0 && (rc = rows_map(&rs, columns, ncolumns)) ==
                                 CUSTSEG_OK)
        rc = rows_loop(&rs, ncolumns, fn, payload);
    custseg__free(rs.sc.buf);
    custseg__free(rs.fr.f);
    custseg__free(rs.slots);
    custseg__free(rs.pick);
    custseg__free(rs.f);
    custseg__free(rs.out);
    return rc;
}
