/*
 * internal.h - private declarations shared by the files of lib/.
 *
 * Nothing here is part of the ABI. Functions shared between files are named
 * custseg__* and are hidden by -fvisibility=hidden; tests reach them through
 * the static library.
 */
#ifndef CUSTSEG_INTERNAL_H
#define CUSTSEG_INTERNAL_H

#include "custseg.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* ------------------------------------------------------------------ limits
 * Documented in custseg(7). Customer and order indexes are uint32; the
 * limits stay below UINT32_MAX so a sentinel value is always free. A build
 * may lower them (-DCUSTSEG_MAX_CUSTOMERS=...) to test the checks. */
#ifndef CUSTSEG_MAX_CUSTOMERS
#define CUSTSEG_MAX_CUSTOMERS 2000000000u
#endif
#ifndef CUSTSEG_MAX_TRANSACTIONS
#define CUSTSEG_MAX_TRANSACTIONS ((size_t)1 << 40)
#endif
#ifndef CUSTSEG_MAX_ORDERS
#define CUSTSEG_MAX_ORDERS 4000000000u
#endif
#ifndef CUSTSEG_MAX_SEGMENTS
#define CUSTSEG_MAX_SEGMENTS 100000u
#endif
#define CUSTSEG__NONE UINT32_MAX /* "no index" sentinel */

#define CUSTSEG__UNUSED(x) ((void)(x))

#if defined(__GNUC__)
#define CUSTSEG__PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define CUSTSEG__PRINTF(a, b)
#endif

/* ------------------------------------------------------------------ alloc.c
 * Every allocation goes through the hooks of custseg_set_allocator(). */
void *custseg__malloc(size_t size);
void *custseg__calloc(size_t count, size_t size);
void *custseg__realloc(void *ptr, size_t size);
void custseg__free(void *ptr);
char *custseg__strdup(const char *s);
char *custseg__strndup(const char *s, size_t len);
/* Checked size arithmetic: return false on overflow (and leave *out). */
bool custseg__mul_size(size_t a, size_t b, size_t *out);
bool custseg__add_size(size_t a, size_t b, size_t *out);
/* Grow *ptr (element size elem, capacity *cap) to hold at least need
 * elements, amortised doubling. Returns CUSTSEG_OK or CUSTSEG_ENOMEM (then
 * *ptr and *cap are unchanged). */
int custseg__grow(void **ptr, size_t *cap, size_t need, size_t elem);
/* Shrink an array to exactly n elements (n > 0); keeps it on failure. */
void custseg__shrink(void **ptr, size_t *cap, size_t n, size_t elem);

/* ------------------------------------------------------------------ error.c
 * A handle's last error: message with detail, and a position. */
#define CUSTSEG__ERRMSG_MAX 512
typedef struct custseg__err {
    char msg[CUSTSEG__ERRMSG_MAX];
    int64_t line;   /* -1 when not applicable */
    int64_t column; /* -1 when not applicable */
} custseg__err;

void custseg__err_clear(custseg__err *e);
/* Record a message; returns status so callers can `return seterr(...)`. */
int custseg__err_set(custseg__err *e, int status, const char *fmt, ...)
    CUSTSEG__PRINTF(3, 4);
int custseg__err_vset(custseg__err *e, int status, const char *fmt,
                      va_list ap);
/* As err_set, with an input position (file line and 1-based field). */
int custseg__err_set_at(custseg__err *e, int status, int64_t line,
                        int64_t column, const char *fmt, ...)
    CUSTSEG__PRINTF(5, 6);

/* ------------------------------------------------------------------ strtab.c
 * Interned byte strings: each distinct string gets a dense index 0..n-1 in
 * order of first appearance. Strings are stored NUL-terminated back to back;
 * lookup is an open-addressing hash table of indexes. */
typedef struct custseg__strtab {
    char *bytes;      /* all strings, each followed by '\0' */
    size_t nbytes, capbytes;
    uint64_t *offsets; /* start of string i; offsets[count] = nbytes */
    size_t count, capoffsets;
    uint64_t *slots;  /* hash slots: (hash tag << 32) | (index + 1);
                         0 = empty */
    size_t nslots;    /* power of two, or 0 */
} custseg__strtab;

void custseg__strtab_init(custseg__strtab *t);
void custseg__strtab_free(custseg__strtab *t);
/* Find or add s[0..len). *out_index gets the index; *out_added (may be
 * NULL) says whether it is new. limit: maximum number of strings.
 * Returns CUSTSEG_OK, CUSTSEG_ENOMEM or CUSTSEG_ELIMIT. */
int custseg__strtab_intern(custseg__strtab *t, const char *s, size_t len,
                           uint32_t limit, uint32_t *out_index,
                           bool *out_added);
/* As custseg__strtab_intern with h == custseg__hash_bytes(s, len), for
 * callers that hashed already (to prefetch). */
int custseg__strtab_intern_hashed(custseg__strtab *t, const char *s,
                                  size_t len, uint64_t h, uint32_t limit,
                                  uint32_t *out_index, bool *out_added);
/* The slot where probing starts for the 32-bit tag (hash >> 32) that
 * each slot stores, so rehashing needs no string: the tag scaled to the
 * table, so slots follow tag order and the ids of one hash partition
 * (idpart.h) have their homes side by side. */
static inline size_t custseg__slot_home(uint64_t tag, size_t nslots)
{
    uint64_t n = (uint64_t)nslots;

    return (size_t)(n <= ((uint64_t)1 << 32) ? (tag * n) >> 32
                                             : tag * (n >> 32));
}
/* The home slot of hash h (t->nslots > 0). */
static inline size_t custseg__strtab_home(const custseg__strtab *t,
                                          uint64_t h)
{
    return custseg__slot_home(h >> 32, t->nslots);
}
static inline uint64_t custseg__load8(const char *p)
{
    uint64_t v;

    memcpy(&v, p, 8);
    return v;
}

/* a[0..len) == b[0..len) (strtab lookups, the loader). Ids and time
 * stamps are mostly a few bytes to a few dozen, for which a call to
 * memcmp costs more than the comparison: overlapping loads cover 4 to 32
 * bytes, and nothing outside the two ranges is read. */
static inline bool custseg__same_bytes(const char *a, const char *b,
                                       size_t len)
{
    uint32_t x0, x1, y0, y1;

    if (len > 32)
        return memcmp(a, b, len) == 0;
    if (len > 16 &&
        (custseg__load8(a + 8) != custseg__load8(b + 8) ||
         custseg__load8(a + len - 16) != custseg__load8(b + len - 16)))
        return false;
    if (len > 8)
        return custseg__load8(a) == custseg__load8(b) &&
               custseg__load8(a + len - 8) == custseg__load8(b + len - 8);
    if (len < 4) {
        size_t i;
        for (i = 0; i < len; i++)
            if (a[i] != b[i])
                return false;
        return true;
    }
    memcpy(&x0, a, 4);
    memcpy(&y0, b, 4);
    memcpy(&x1, a + len - 4, 4);
    memcpy(&y1, b + len - 4, 4);
    return x0 == y0 && x1 == y1;
}
/* Index of s or CUSTSEG__NONE (a table without slots is read through:
 * intern, which builds them, is the fast way). */
uint32_t custseg__strtab_find(const custseg__strtab *t, const char *s,
                              size_t len);
static inline const char *custseg__strtab_get(const custseg__strtab *t,
                                              uint32_t i)
{
    return t->bytes + t->offsets[i];
}
static inline size_t custseg__strtab_len(const custseg__strtab *t,
                                         uint32_t i)
{
    return (size_t)(t->offsets[i + 1] - t->offsets[i] - 1);
}
/* Remove the strings added after the table had `count` strings, latest
 * first (undo of a failed all-or-nothing add). */
void custseg__strtab_truncate(custseg__strtab *t, size_t count);
/* Drop the hash slots (find then reads through the strings; the next
 * intern builds them again). */
void custseg__strtab_drop_index(custseg__strtab *t);
/* Build the hash slots of a table that has strings but no slots. */
int custseg__strtab_index(custseg__strtab *t);
size_t custseg__strtab_memory(const custseg__strtab *t);
uint64_t custseg__hash_bytes(const char *s, size_t len);

/* ------------------------------------------------------------------ timeparse.c
 * Timestamps (DESIGN.md): ISO 8601 date / date-time with optional offset,
 * YYYYMMDD, M/D/YYYY[ H:MM[:SS]], Unix seconds. Locale independent. */
int custseg__parse_time(const char *s, size_t len, int64_t *out_unix);
int64_t custseg__days_from_civil(int64_t y, unsigned m, unsigned d);
void custseg__civil_from_days(int64_t days, int64_t *y, unsigned *m,
                              unsigned *d);
/* floor(t / 86400) */
static inline int64_t custseg__day_of(int64_t t)
{
    return t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
}
/* Writes YYYY-MM-DD (10 bytes + NUL) for a day number. */
void custseg__format_day(char buf[16], int64_t day);

/* ------------------------------------------------------------------ decimal.c
 * Money: int64 ten-thousandths. Parsing is exact and locale independent. */
#define CUSTSEG__E4 10000
/* Parse "[-+]digits[.digits][e[-+]digits]" into ten-thousandths, rounding
 * half to even. Returns 0, CUSTSEG_EINVAL (not a number, NaN, Inf, empty) or
 * CUSTSEG_ERANGE (too large). */
int custseg__parse_e4(const char *s, size_t len, int64_t *out);
/* Parse a plain integer. Returns 0, CUSTSEG_EINVAL or CUSTSEG_ERANGE. */
int custseg__parse_int64(const char *s, size_t len, int64_t *out);
/* a * b where both are in ten-thousandths, result rounded half to even to
 * ten-thousandths. Returns 0 or CUSTSEG_ERANGE. */
int custseg__mul_e4(int64_t a, int64_t b, int64_t *out);
/* a / b (b != 0) in ten-thousandths, rounded half to even. */
int64_t custseg__div_e4(int64_t num_e4, int64_t den);
/* double currency units -> ten-thousandths, half to even; 0 or error. */
int custseg__double_to_e4(double x, int64_t *out);
/* Format e4 money with 0..4 decimals, rounded half away from zero. Returns
 * the length written; buf needs 32 bytes. */
size_t custseg__format_e4(char *buf, int64_t v, int decimals);
/* Format a double with a fixed number of decimals (0..9), no exponent, '.'
 * as decimal point whatever the locale. buf needs 64 bytes. NaN -> "nan". */
size_t custseg__format_double(char *buf, double x, int decimals);
/* Format an int64. buf needs 24 bytes. */
size_t custseg__format_int64(char *buf, int64_t v);

/* ------------------------------------------------------------------ dataset.c */
enum custseg__dskind {
    CUSTSEG__DS_EMPTY = 0,
    CUSTSEG__DS_TRANSACTIONS = 1,
    CUSTSEG__DS_SUMMARY = 2
};

/* Column roles for loading. */
enum custseg__role {
    CUSTSEG__ROLE_CUSTOMER = 0,
    CUSTSEG__ROLE_ORDER,
    CUSTSEG__ROLE_TIME,
    CUSTSEG__ROLE_AMOUNT,
    CUSTSEG__ROLE_QUANTITY,
    CUSTSEG__ROLE_PRICE,
    CUSTSEG__ROLE_CATEGORY,
    CUSTSEG__ROLE_RECENCY,
    CUSTSEG__ROLE_FREQUENCY,
    CUSTSEG__ROLE_MONETARY,
    CUSTSEG__ROLE_COUNT
};
extern const char *const custseg__role_names[CUSTSEG__ROLE_COUNT];

#define CUSTSEG__REPORT_LINES 5
typedef struct custseg__report {
    int64_t read, accepted;
    int64_t rejected[CUSTSEG_REJECT_REASON_COUNT];
    int64_t first_lines[CUSTSEG_REJECT_REASON_COUNT][CUSTSEG__REPORT_LINES];
} custseg__report;

/* Per-customer metrics for one as_of day (metrics.c). Arrays have n
 * entries indexed by customer index. A customer whose transactions all lie
 * after as_of has last_day == INT64_MIN and is left out of results: a
 * snapshot sees only its past. Tenure is as_of_day - first_day. */
typedef struct custseg__metrics {
    size_t n;
    size_t active;       /* customers with a transaction up to as_of */
    int64_t as_of_day;   /* day number (days since 1970-01-01) */
    int64_t *first_day;  /* first transaction day; INT64_MIN if none */
    int64_t *last_day;   /* last transaction day; INT64_MIN if none */
    int64_t *recency;    /* as_of_day - last_day (summary: as given) */
    int64_t *frequency;  /* distinct orders */
    int64_t *monetary;   /* net amount, e4 */
    unsigned owned;      /* bit set of arrays this struct must free:
                            METRICS_OWN_* (borrowed copies own fewer) */
} custseg__metrics;
#define CUSTSEG__OWN_FIRST 1u
#define CUSTSEG__OWN_LAST 2u
#define CUSTSEG__OWN_RECENCY 4u
#define CUSTSEG__OWN_FREQUENCY 8u
#define CUSTSEG__OWN_MONETARY 16u
#define CUSTSEG__OWN_ALL 31u

struct custseg_dataset {
    custseg__err err;
    int kind;            /* enum custseg__dskind */
    bool frozen;

    /* loading options */
    int header;          /* 1: first line is a header */
    int drop_returns;
    int threads;
    int delimiter;       /* a byte, or -1 for runs of whitespace */
    char *map[CUSTSEG__ROLE_COUNT]; /* column names or 1-based positions */
    custseg_progress_fn progress;
    void *progress_payload;
    custseg__report report;

    /* customers */
    custseg__strtab customers;

    /* transactions, column by column (kind == TRANSACTIONS) */
    size_t ntx, captx;
    uint32_t *tx_customer;
    uint32_t *tx_order;  /* CUSTSEG__NONE: the row is an order of its own */
    int64_t *tx_time;    /* Unix seconds */
    int64_t *tx_amount;  /* e4 */
    uint32_t *tx_category; /* NULL until a category is added */
    custseg__strtab orders;     /* freed at freeze, after norders is set */
    size_t norders;
    custseg__strtab categories;
    int64_t min_time, max_time;

    /* summaries (kind == SUMMARY), indexed by customer */
    size_t capsum;
    int64_t *sum_recency;
    int64_t *sum_frequency;
    int64_t *sum_monetary;

    /* computed at freeze, which also renumbers the customers in byte
     * order of id (idorder.c): once frozen, both are the identity and
     * per-customer arrays are in result row order */
    uint32_t *by_id;     /* customer indexes in byte order of id */
    uint32_t *id_rank;   /* inverse of by_id */
    custseg__metrics metrics; /* at the default as_of */
    int64_t default_as_of_day; /* day after the latest transaction */

    /* attributes, events and "attr:" maps (attributes.h); NULL until the
     * first is set */
    struct custseg__custdata *cd;
};

/* Append n transactions whose customers are already interned (used by the
 * CSV loader and the add calls). order may be NULL (every row its own order),
 * category may be NULL. All or nothing: CUSTSEG_OK, ENOMEM, ELIMIT. */
int custseg__dataset_append(custseg_dataset *ds, size_t n,
                            const uint32_t *customer, const uint32_t *order,
                            const int64_t *time, const int64_t *amount,
                            const uint32_t *category);
/* Make room for n more transactions in every column (all columns stay
 * valid on failure). category: also allocate the category column. */
int custseg__dataset_reserve(custseg_dataset *ds, size_t n, bool category);
/* Give back the columns' room past ntx (a failed shrink keeps it). */
void custseg__dataset_trim(custseg_dataset *ds);
/* Switch an empty dataset to a kind, or check it already is that kind.
 * Returns CUSTSEG_OK or CUSTSEG_EMISUSE (with message). */
int custseg__dataset_require_kind(custseg_dataset *ds, int kind);
/* Append one customer summary for an interned customer index (summary
 * datasets; the index must be the next one). */
int custseg__dataset_append_summary(custseg_dataset *ds, uint32_t customer,
                                    int64_t recency, int64_t frequency,
                                    int64_t monetary);
/* Call the progress callback; returns CUSTSEG_ECANCELED when asked. */
int custseg__progress(custseg_progress_fn fn, void *payload, double f);

/* ------------------------------------------------------------------ csv.c */
/* Line ends (LF, CRLF, lone CR) in s[0..len): a bound on rows. */
size_t custseg__count_line_ends(const char *s, size_t len);
int custseg__load_csv(custseg_dataset *ds, const char *data, size_t len,
                      const char *name);
/* Row reader for the customers, events and "attr:" loaders
 * (attributes_csv.c): the loader's lexing on one thread. columns[k] is a
 * header name, or a 1-based position when "header" is 0; fn gets the
 * fields of those columns in that order (trimmed, unescaped, not
 * NUL-terminated, valid during the call), the row's first line, and
 * whether the row has the first row's field count. A non-zero return
 * from fn stops the scan and is returned. Errors are set on ds. */
typedef struct custseg__csv_field {
    const char *p;
    size_t len;
} custseg__csv_field;
typedef int (*custseg__csv_row_fn)(void *payload,
                                   const custseg__csv_field *f,
                                   int64_t line, bool complete);
int custseg__csv_rows(custseg_dataset *ds, const char *data, size_t len,
                      const char *name, const char *const *columns,
                      int ncolumns, custseg__csv_row_fn fn, void *payload);

/* ------------------------------------------------------------------ metrics.c
 * Compute metrics for as_of_day over the transactions dated on or before
 * it. For a summary dataset the given values are copied (as_of unused). */
int custseg__metrics_compute(const custseg_dataset *ds, int64_t as_of_day,
                             custseg__metrics *out);
void custseg__metrics_free(custseg__metrics *m);
/* Metrics for a run: the cached ones when as_of_day is at or after the
 * latest transaction (borrowed, with a recency array of its own), else
 * freshly computed. Always release with custseg__metrics_free(), which
 * frees only what *out owns; *owned says whether it owns anything. */
int custseg__metrics_for(const custseg_dataset *ds, int64_t as_of_day,
                         custseg__metrics *out, bool *owned);

/* ------------------------------------------------------------------ sort.c
 * Stable sorts of index arrays, used for NTILE ranking and id order. */
/* Sort idx[0..n) by key[idx[i]] ascending (descending when desc), stably:
 * equal keys keep their input order. tmp: scratch of n uint32. */
int custseg__sort_by_i64(uint32_t *idx, size_t n, const int64_t *key,
                         bool desc);
/* Customer indexes 0..n-1 in byte order of their ids. */
int custseg__sort_ids(const custseg__strtab *t, uint32_t *out);
/* SQL NTILE(bins) OVER (ORDER BY key[i] [DESC], i) for rows 0..n-1:
 * tile[i] gets 1..bins, the first n % bins tiles one row more. */
int custseg__ntile_i64(int64_t *tile, const int64_t *key, size_t n,
                       int bins, bool desc);
/* The same, also giving each tile's smallest and largest key (any[t] is
 * false for a tile without rows); range may be NULL. */
typedef struct custseg__tile_range {
    int64_t min[10], max[10];
    bool any[10];
} custseg__tile_range;
int custseg__ntile_range(int64_t *tile, const int64_t *key, size_t n,
                         int bins, bool desc, custseg__tile_range *range);

/* ------------------------------------------------------------------ strategy.c
 * Built-in strategies are tables of this shape; options are declared with
 * their type and range and checked by the generic setters. */
typedef struct custseg__optdef {
    const char *name;
    int type;            /* CUSTSEG_OPT_* */
    int64_t min, max;    /* for ints */
    const char *const *choices; /* for strings with fixed values, NULL end;
                                   NULL = free text, checked by validate */
    int64_t int_default;
    const char *str_default;
} custseg__optdef;

typedef struct custseg__optval {
    int64_t i;
    double d;
    char *s;             /* owned copy, NULL = default */
    bool set;
} custseg__optval;

/* A caller segment for rfm maps. */
typedef struct custseg__segdef {
    char *name;
    int r_min, r_max, f_min, f_max, m_min, m_max; /* ranges, or 0 when codes */
    uint8_t *codes;      /* NULL for ranges; else bitmap (11*11*11) */
} custseg__segdef;

typedef struct custseg__strategy_kind {
    const char *name;
    const custseg__optdef *options;
    size_t noptions;
    /* Extra validation of a string option's text (e.g. as_of); NULL = none.
     * Returns CUSTSEG_OK or an error set on s. */
    int (*validate)(custseg_strategy *s, size_t opt, const char *value);
    int (*run)(custseg_result **out, custseg_strategy *s,
               const custseg_dataset *ds);
} custseg__strategy_kind;

struct custseg_strategy {
    custseg__err err;
    const custseg__strategy_kind *kind;
    custseg__optval *values; /* one per kind->options */
    custseg__segdef *segs;
    size_t nsegs, capsegs;
    custseg_progress_fn progress;
    void *progress_payload;
    struct custseg__prior *prior; /* prior.c: rules and RFM scores; NULL
                                     for other kinds */
};

extern const custseg__strategy_kind custseg__rfm_kind;
extern const custseg__strategy_kind custseg__decile_kind;
extern const custseg__strategy_kind custseg__prior_kind;
/* prior.c: free s->prior (NULL is fine). */
void custseg__prior_free(struct custseg__prior *p);

/* The built-in kind called name, or NULL (strategy.c). */
const custseg__strategy_kind *custseg__builtin_kind(const char *name);
/* custom.c: the registered kind called name with one more reference
 * (a strategy handle's), or NULL; release drops it and ignores built-in
 * kinds, so strategy.c may call it for every strategy it frees. */
const custseg__strategy_kind *custseg__custom_acquire(const char *name);
void custseg__custom_release(const custseg__strategy_kind *kind);
extern const custseg__strategy_kind custseg__value_kind;
extern const custseg__strategy_kind custseg__lifecycle_kind;

/* optlist.c: list-valued option text ("0.8,0.95", "A,B,C").
 * custseg__list_next: the next comma-separated item at *p (start p at the
 * text), spaces and tabs around it trimmed; advances *p, false at the end.
 * "" is one empty item and "a," two items, the second empty.
 * custseg__parse_fixed_list: up to max unsigned decimals ("0.8", "2")
 * into exact fixed point with `places` decimals (0.8 -> 8 * 10^(places-1));
 * *n gets the count. More places than `places`, signs, exponents, empty
 * items, too many items or int64 overflow: CUSTSEG_EINVAL. */
bool custseg__list_next(const char **p, const char **item, size_t *len);
int custseg__parse_fixed_list(const char *text, int places, int64_t *out,
                              size_t max, size_t *n);

/* Option lookups for strategy implementations (by name; the name must be
 * one of the kind's options). */
int64_t custseg__opt_int(const custseg_strategy *s, const char *name);
const char *custseg__opt_str(const custseg_strategy *s, const char *name);
/* as_of option resolved: the day number, or the dataset default when unset.
 * A date-time is cut to its date. */
int64_t custseg__opt_as_of_day(const custseg_strategy *s,
                               const custseg_dataset *ds);

/* segmap.c: parse a segment map CSV / a code list into s->segs. */
int custseg__segmap_load(custseg_strategy *s, const char *data, size_t len,
                         const char *name);
int custseg__segdef_add(custseg_strategy *s, const custseg__segdef *def);

/* ------------------------------------------------------------------ result.c
 * Results are built by strategies through a builder, then finalised
 * (statistics, members, id order) by common code. */
struct custseg_segment {
    size_t index;
    char *name;
    int64_t count;
    int64_t revenue;        /* e4 */
    double stat[CUSTSEG_STAT_COUNT_OF];
    size_t member_start;    /* into result->members */
};

struct custseg_result {
    custseg__err err;      /* may be set on a const result: see result.c */
    char strategy[32];
    size_t n;               /* customers */
    /* ids in byte order: row i has id bytes[offsets[i]..] */
    char *id_bytes;
    uint64_t *id_offsets;
    uint32_t *row_customer; /* per row: the dataset's customer index */
    uint32_t *segment;      /* per row */
    double *score;          /* per row */
    int64_t *field[CUSTSEG_FIELD_COUNT_OF]; /* per row, NULL = absent */
    bool value_is_money;    /* how FIELD_VALUE prints */
    size_t nseg;
    custseg_segment *segs;
    uint32_t *members;      /* rows grouped by segment, id order inside */
    void *block;            /* holds the per-row arrays above (result.c) */
    unsigned block_fields;  /* fields in block: the others are freed alone */
    int bins;
    double thr_lower[3][10], thr_upper[3][10]; /* [R,F,M][score-1] */
    bool has_thresholds;
    bool thr_inclusive;     /* [lower, upper] (ntile) or [lower, upper) */
    int64_t as_of_day;
};

/* Builder: allocate a result with one row per customer of the dataset
 * that has a transaction up to m's as_of (m->last_day != INT64_MIN; all
 * customers of a summary dataset), rows in byte order of customer id:
 * r->row_customer[row] is the dataset's customer index of each row. fields
 * is a bit set of (1u << CUSTSEG_FIELD_*) to allocate, plus optionally
 * CUSTSEG__RESULT_ALL_CUSTOMERS: a row for every customer of the dataset,
 * with or without transactions (lifecycle's prospects); m still gives
 * as_of. Returns ENODATA when no customer qualifies. */
#define CUSTSEG__RESULT_ALL_CUSTOMERS (1u << 31)
/* The customers custseg__result_new gives rows to (without the
 * ALL_CUSTOMERS flag), in id order: *out_rows borrows ds->by_id when that
 * is every customer, else points to *owned, which the caller frees. */
int custseg__result_rows(const custseg_dataset *ds, const custseg__metrics *m,
                         const uint32_t **out_rows, size_t *out_n,
                         uint32_t **owned);
int custseg__result_new(custseg_result **out, const custseg_dataset *ds,
                        const custseg__metrics *m, const char *strategy,
                        unsigned fields, size_t nseg);
/* Name segment i (copied). */
int custseg__result_name_segment(custseg_result *r, size_t i,
                                 const char *name);
/* After segment[], score[] and FIELD_MONETARY are filled for every row:
 * compute counts, revenue, statistics and member lists. */
int custseg__result_finish(custseg_result *r);

/* ------------------------------------------------------------------ export.c */
int custseg__export(const custseg_result *r, int format, int decimals,
                    custseg_write_fn fn, void *payload);

/* ------------------------------------------------------------------ threads.c
 * Run n independent jobs on up to `threads` threads (1 = in the caller). */
typedef int (*custseg__job_fn)(size_t job, void *payload);
int custseg__run_jobs(size_t n, int threads, custseg__job_fn fn,
                      void *payload);

#endif /* CUSTSEG_INTERNAL_H */
