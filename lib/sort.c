/*
 * sort.c - stable sorts of customer index arrays.
 *
 * NTILE ranking needs "ORDER BY key, customer_id": customers are first put
 * in id order, then sorted stably by key, so equal keys stay in id order.
 * LSD radix sort is stable, needs no comparison callback and runs in a few
 * linear passes; passes whose byte is the same for every key are skipped,
 * so small integer keys (frequency, recency) cost two or three passes.
 */
#include "internal.h"

#include <string.h>

typedef struct keyed {
    uint64_t key;
    uint32_t idx;
} keyed;

/* Map int64 to uint64 preserving order; invert for descending. */
static uint64_t order_key(int64_t v, bool desc)
{
    uint64_t u = (uint64_t)v ^ 0x8000000000000000ULL;
    return desc ? ~u : u;
}

static void histograms(const keyed *a, size_t n, size_t (*hist)[256])
{
    size_t i;
    int b;

    memset(hist, 0, 8 * 256 * sizeof(size_t));
    for (i = 0; i < n; i++)
        for (b = 0; b < 8; b++)
            hist[b][(a[i].key >> (8 * b)) & 0xff]++;
}

static void radix_pass(const keyed *src, keyed *dst, size_t n,
                       const size_t *count, int byte)
{
    size_t pos[256], sum = 0, i;
    int d;

    for (d = 0; d < 256; d++) {
        pos[d] = sum;
        sum += count[d];
    }
    for (i = 0; i < n; i++)
        dst[pos[(src[i].key >> (8 * byte)) & 0xff]++] = src[i];
}

/* Sort a[0..n) by key, stably; tmp has n elements. Returns the array that
 * holds the result (a or tmp). */
static keyed *radix_sort(keyed *a, keyed *tmp, size_t n)
{
    size_t (*hist)[256] = custseg__malloc(8 * 256 * sizeof(size_t));
    int b;

    if (hist == NULL)
        return NULL;
    histograms(a, n, hist);
    for (b = 0; b < 8; b++) {
        keyed *t;
        if (hist[b][(a[0].key >> (8 * b)) & 0xff] == n)
            continue; /* every key has the same byte here */
        radix_pass(a, tmp, n, hist[b], b);
        t = a;
        a = tmp;
        tmp = t;
    }
    custseg__free(hist);
    return a;
}

/* Any keys: 16-byte (key, index) records, up to 8 byte passes. */
static int sort_keyed(uint32_t *idx, size_t n, const int64_t *key,
                      bool desc)
{
    keyed *a, *sorted;
    size_t i;

    a = custseg__malloc(2 * n * sizeof *a);
    if (a == NULL)
        return CUSTSEG_ENOMEM;
    for (i = 0; i < n; i++) {
        a[i].key = order_key(key[idx[i]], desc);
        a[i].idx = idx[i];
    }
    sorted = radix_sort(a, a + n, n);
    if (sorted == NULL) {
        custseg__free(a);
        return CUSTSEG_ENOMEM;
    }
    for (i = 0; i < n; i++)
        idx[i] = sorted[i].idx;
    custseg__free(a);
    return CUSTSEG_OK;
}

/* ---------------------------------------------------------- packed keys
 * The usual case: key ranges are small (days, order counts, money of one
 * shop), so key - min and the input position fit together in one uint64,
 * (key - min) << shift | position. Sorting those words by their key bits
 * alone, with a stable LSD radix sort of 11-bit digits, needs half the
 * memory traffic of the 16-byte records and only ceil(bits / 11) passes:
 * one for recency or frequency, three or four for money. The position
 * rides along and restores the index afterwards. */
#define DIGIT_BITS 11
#define DIGIT_COUNT (1u << DIGIT_BITS)
#define MAX_PASSES ((64 + DIGIT_BITS - 1) / DIGIT_BITS)

static unsigned bit_length(uint64_t x)
{
    unsigned b = 0;

    for (; x != 0; x >>= 1)
        b++;
    return b;
}

static unsigned digit(uint64_t w, unsigned shift, unsigned pass)
{
    return (unsigned)(w >> (shift + pass * DIGIT_BITS)) & (DIGIT_COUNT - 1);
}

/* One scatter pass by digit `pass` of the key bits, from src to dst. */
static void packed_pass(const uint64_t *src, uint64_t *dst, size_t n,
                        size_t *count, unsigned shift, unsigned pass)
{
    size_t sum = 0, c, i;
    unsigned d;

    for (d = 0; d < DIGIT_COUNT; d++) {
        c = count[d];
        count[d] = sum;
        sum += c;
    }
    for (i = 0; i < n; i++)
        dst[count[digit(src[i], shift, pass)]++] = src[i];
}

/* Sort a[0..n) by bits [shift, shift + kbits) stably; tmp has n words.
 * Returns the array holding the result, or NULL (out of memory). */
static uint64_t *packed_sort(uint64_t *a, uint64_t *tmp, size_t n,
                             unsigned shift, unsigned kbits)
{
    unsigned passes = (kbits + DIGIT_BITS - 1) / DIGIT_BITS, p;
    size_t *hist = custseg__calloc((size_t)passes * DIGIT_COUNT,
                                   sizeof *hist);
    size_t i;

    if (hist == NULL)
        return NULL;
    for (i = 0; i < n; i++) /* all histograms in one sweep */
        for (p = 0; p < passes; p++)
            hist[p * DIGIT_COUNT + digit(a[i], shift, p)]++;
    for (p = 0; p < passes; p++) {
        uint64_t *t;
        if (hist[p * DIGIT_COUNT + digit(a[0], shift, p)] == n)
            continue; /* every key has the same digit here */
        packed_pass(a, tmp, n, hist + p * DIGIT_COUNT, shift, p);
        t = a;
        a = tmp;
        tmp = t;
    }
    custseg__free(hist);
    return a;
}

static int sort_packed(uint32_t *idx, size_t n, const int64_t *key,
                       bool desc, int64_t lo, int64_t hi, unsigned shift)
{
    uint64_t *a = custseg__malloc(2 * n * sizeof *a), *sorted, *spare;
    uint32_t *orig;
    size_t i;

    if (a == NULL)
        return CUSTSEG_ENOMEM;
    for (i = 0; i < n; i++) { /* unsigned differences cannot overflow */
        int64_t v = key[idx[i]];
        uint64_t rel = desc ? (uint64_t)hi - (uint64_t)v
                            : (uint64_t)v - (uint64_t)lo;
        a[i] = rel << shift | i;
    }
    sorted = packed_sort(a, a + n, n, shift,
                         bit_length((uint64_t)hi - (uint64_t)lo));
    if (sorted == NULL) {
        custseg__free(a);
        return CUSTSEG_ENOMEM;
    }
    spare = sorted == a ? a + n : a; /* free now: holds the old indexes */
    orig = (uint32_t *)spare;
    memcpy(orig, idx, n * sizeof *idx);
    for (i = 0; i < n; i++)
        idx[i] = orig[sorted[i] & (((uint64_t)1 << shift) - 1)];
    custseg__free(a);
    return CUSTSEG_OK;
}

int custseg__sort_by_i64(uint32_t *idx, size_t n, const int64_t *key,
                         bool desc)
{
    int64_t lo, hi;
    unsigned shift;
    size_t i;

    if (n < 2)
        return CUSTSEG_OK;
    lo = hi = key[idx[0]];
    for (i = 1; i < n; i++) {
        int64_t v = key[idx[i]];
        lo = v < lo ? v : lo;
        hi = v > hi ? v : hi;
    }
    if (lo == hi)
        return CUSTSEG_OK; /* all keys equal: a stable sort changes nothing */
    shift = bit_length(n - 1);
    if (bit_length((uint64_t)hi - (uint64_t)lo) + shift > 64)
        return sort_keyed(idx, n, key, desc);
    return sort_packed(idx, n, key, desc, lo, hi, shift);
}

/* ---------------------------------------------------------- NTILE
 * NTILE over rows already in tie-break order. Small key ranges (days,
 * order counts) need no sort: a counting pass gives each key value its
 * first rank, and rows then take consecutive ranks in row order, which is
 * exactly the stable order. Each value remembers its current tile and
 * where that tile ends, so no division is needed per row. Large ranges
 * (money) need no full sort either: see ntile_select. */
#define COUNTING_RANGE 65536u

typedef struct tiling {
    size_t q, rem, big; /* N / bins, N % bins, rows in the larger tiles */
    size_t n;
    int bins;
} tiling;

typedef struct value_state {
    uint32_t next, end; /* next rank for this value; end of its tile */
    uint32_t tile;
} value_state;

static tiling make_tiling(size_t n, int bins)
{
    tiling w;

    w.q = n / (size_t)bins;
    w.rem = n % (size_t)bins;
    w.big = w.rem * (w.q + 1);
    w.n = n;
    w.bins = bins;
    return w;
}

static uint32_t tile_of_rank(const tiling *w, size_t r)
{
    if (r < w->big)
        return (uint32_t)(r / (w->q + 1) + 1);
    return (uint32_t)(w->rem + (r - w->big) / w->q + 1);
}

/* One past the last rank of tile t (1-based). */
static uint32_t tile_end(const tiling *w, uint32_t t)
{
    if (t <= w->rem)
        return (uint32_t)(t * (w->q + 1));
    return (uint32_t)(w->big + (t - w->rem) * w->q);
}

static size_t rel_index(int64_t v, int64_t lo, int64_t hi, bool desc)
{
    return (size_t)(desc ? (uint64_t)hi - (uint64_t)v
                         : (uint64_t)v - (uint64_t)lo);
}

/* The key whose distance from the first key in rank order is rel. */
static int64_t key_at(uint64_t rel, int64_t lo, int64_t hi, bool desc)
{
    return desc ? (int64_t)((uint64_t)hi - rel)
                : (int64_t)((uint64_t)lo + rel);
}

static void range_clear(custseg__tile_range *range)
{
    int t;

    for (t = 0; t < 10; t++)
        range->any[t] = false;
}

/* Widen tile t's [min, max] (1-based t) to include v. */
static void range_add(custseg__tile_range *range, uint32_t t, int64_t v)
{
    if (!range->any[t - 1] || v < range->min[t - 1])
        range->min[t - 1] = v;
    if (!range->any[t - 1] || v > range->max[t - 1])
        range->max[t - 1] = v;
    range->any[t - 1] = true;
}

/* Each key value with count c holds ranks [first, first + c): it belongs
 * to every tile from that of its first rank to that of its last. */
static void counting_range(custseg__tile_range *range, const value_state *v,
                           size_t nvalues, const tiling *w, int64_t lo,
                           int64_t hi, bool desc)
{
    size_t i, first = 0;
    uint32_t t;

    range_clear(range);
    for (i = 0; i < nvalues; i++) {
        size_t c = (i + 1 < nvalues ? v[i + 1].next : w->n) - first;
        if (c > 0)
            for (t = tile_of_rank(w, first);
                 t <= tile_of_rank(w, first + c - 1); t++)
                range_add(range, t, key_at(i, lo, hi, desc));
        first += c;
    }
}

static int ntile_counting(int64_t *tile, const int64_t *key,
                          const tiling *w, int64_t lo, int64_t hi,
                          bool desc, custseg__tile_range *range)
{
    size_t range_n = (size_t)((uint64_t)hi - (uint64_t)lo) + 1, i, sum = 0;
    value_state *v = custseg__calloc(range_n, sizeof *v);

    if (v == NULL)
        return CUSTSEG_ENOMEM;
    for (i = 0; i < w->n; i++)
        v[rel_index(key[i], lo, hi, desc)].next++;
    for (i = 0; i < range_n; i++) { /* counts become first ranks */
        size_t c = v[i].next;
        v[i].next = (uint32_t)sum;
        if (c > 0) {
            v[i].tile = tile_of_rank(w, sum);
            v[i].end = tile_end(w, v[i].tile);
        }
        sum += c;
    }
    if (range != NULL) /* before the ranks below are consumed */
        counting_range(range, v, range_n, w, lo, hi, desc);
    for (i = 0; i < w->n; i++) {
        value_state *s = &v[rel_index(key[i], lo, hi, desc)];
        while (s->next >= s->end) /* at most bins - 1 times in all */
            s->end = tile_end(w, ++s->tile);
        s->next++;
        tile[i] = s->tile;
    }
    custseg__free(v);
    return CUSTSEG_OK;
}

static void range_by_pass(custseg__tile_range *range, const int64_t *tile,
                          const int64_t *key, size_t n)
{
    size_t i;

    range_clear(range);
    for (i = 0; i < n; i++)
        range_add(range, (uint32_t)tile[i], key[i]);
}

/* Keys too wide to pack with a row number: sort, then deal out ranks. */
static int ntile_sorted(int64_t *tile, const int64_t *key, const tiling *w,
                        bool desc, custseg__tile_range *range)
{
    uint32_t *idx = custseg__malloc(w->n * sizeof *idx);
    size_t i, p = 0, n = w->n;
    uint32_t t;
    int st;

    if (idx == NULL)
        return CUSTSEG_ENOMEM;
    for (i = 0; i < n; i++)
        idx[i] = (uint32_t)i;
    st = custseg__sort_by_i64(idx, n, key, desc);
    for (t = 1; st == CUSTSEG_OK && p < n; t++)
        for (; p < tile_end(w, t); p++)
            tile[idx[p]] = t;
    custseg__free(idx);
    if (st == CUSTSEG_OK && range != NULL)
        range_by_pass(range, tile, key, n);
    return st;
}

/* ---------------------------------------------------------- NTILE by
 * selection. As in sort_packed, (key - min) << shift | row words are
 * distinct and ordered like (key, row), so a row's tile is 1 + the number
 * of tile ends (the words at ranks tile_end - 1) its word is above. Only
 * those few words are needed, plus each tile's first and last for the
 * key ranges: a histogram of key buckets tells which buckets hold these
 * ranks, and only the rows of those buckets are gathered and sorted.
 * Three linear passes over the keys, no n-sized scratch. */
#define MAX_RANKS 20 /* first and last rank of up to 10 tiles */

/* Buckets are like floats of key - min: exact below 2^MANT_BITS, then
 * 2^(MANT_BITS - 1) buckets per power of two. Money has a long tail (a
 * few customers spend thousands of times the median), so equal-width
 * buckets would put most rows in a handful of them; these stay narrow
 * where keys are dense, whatever the largest one. */
#define MANT_BITS 12

static unsigned bit_length_fast(uint64_t x)
{
#if defined(__GNUC__)
    return x == 0 ? 0 : 64 - (unsigned)__builtin_clzll(x);
#else
    return bit_length(x);
#endif
}

static size_t float_bucket(uint64_t x)
{
    unsigned b = bit_length_fast(x);

    if (b <= MANT_BITS)
        return (size_t)x;
    return ((size_t)(b - MANT_BITS) << (MANT_BITS - 1)) +
           (size_t)(x >> (b - MANT_BITS));
}

typedef struct selector {
    const int64_t *key;
    int64_t lo, hi;
    bool desc;
    unsigned shift;         /* row bits */
    unsigned wbits;         /* bits of a word: shift + key bits */
    uint32_t *hist;         /* per bucket: count, first rank, then slot */
    size_t nbuckets;
    size_t rank[MAX_RANKS], nranks;
    uint64_t word[MAX_RANKS]; /* the word at rank[k] */
} selector;

static uint64_t rel_of(const selector *s, size_t i)
{
    return s->desc ? (uint64_t)s->hi - (uint64_t)s->key[i]
                   : (uint64_t)s->key[i] - (uint64_t)s->lo;
}

/* Buckets in rank order: descending keys take them from the top. */
static size_t bucket_of(const selector *s, size_t i)
{
    size_t b = float_bucket((uint64_t)s->key[i] - (uint64_t)s->lo);

    return s->desc ? s->nbuckets - 1 - b : b;
}

/* The ranks to select, ascending and distinct: each non-empty tile's
 * first and last. */
static void wanted_ranks(selector *s, const tiling *w)
{
    uint32_t t;
    size_t first = 0, last;

    s->nranks = 0;
    for (t = 1; t <= (uint32_t)w->bins && first < w->n; t++) {
        last = tile_end(w, t) - 1;
        if (last < first)
            continue; /* an empty tile (fewer rows than tiles) */
        s->rank[s->nranks++] = first;
        if (last != first)
            s->rank[s->nranks++] = last;
        first = last + 1;
    }
}

/* Bucket of each wanted rank; hist[] becomes 0 for other buckets and
 * 1 + the slot of the bucket's first row in the gather buffer for wanted
 * ones. Returns the buffer size. base[k] gets the slot of rank[k]. */
static size_t plan_gather(selector *s, size_t *base)
{
    size_t b = 0, sum = 0, slots = 0, k = 0, prev = SIZE_MAX;
    size_t bucket[MAX_RANKS], count[MAX_RANKS], first[MAX_RANKS];

    for (b = 0; b < s->nbuckets && k < s->nranks; b++) {
        size_t c = s->hist[b];
        for (; k < s->nranks && s->rank[k] < sum + c; k++) {
            if (b != prev) {
                bucket[slots] = b;
                count[slots] = c;
                first[slots++] = sum;
                prev = b;
            }
            base[k] = slots - 1; /* for now, which wanted bucket */
        }
        sum += c;
    }
    memset(s->hist, 0, s->nbuckets * sizeof *s->hist);
    for (b = 0, sum = 0; b < slots; b++) {
        s->hist[bucket[b]] = (uint32_t)sum + 1;
        sum += count[b];
    }
    for (k = 0; k < s->nranks; k++) { /* slot = start + rank in bucket */
        size_t j = base[k], start = 0, i;
        for (i = 0; i < j; i++)
            start += count[i];
        base[k] = start + (s->rank[k] - first[j]);
    }
    return sum;
}

static int select_words(selector *s, size_t n)
{
    size_t base[MAX_RANKS], m, i, k;
    uint64_t *buf, *sorted;
    uint32_t *hist = s->hist;

    for (i = 0; i < n; i++)
        hist[bucket_of(s, i)]++;
    m = plan_gather(s, base);
    buf = custseg__malloc(2 * m * sizeof *buf);
    if (buf == NULL)
        return CUSTSEG_ENOMEM;
    for (i = 0; i < n; i++) {
        uint32_t *slot = &hist[bucket_of(s, i)];
        if (*slot != 0)
            buf[(*slot)++ - 1] = rel_of(s, i) << s->shift | i;
    }
    /* Buckets are gathered in ascending order, so sorting the whole
     * buffer sorts each bucket in place. */
    sorted = m > 1 ? packed_sort(buf, buf + m, m, 0, s->wbits) : buf;
    if (sorted == NULL) {
        custseg__free(buf);
        return CUSTSEG_ENOMEM;
    }
    for (k = 0; k < s->nranks; k++)
        s->word[k] = sorted[base[k]];
    custseg__free(buf);
    return CUSTSEG_OK;
}

static void select_assign(int64_t *tile, const selector *s, const tiling *w)
{
    uint64_t end[10];
    size_t nend = 0, k, i;

    for (k = 0; k < s->nranks; k++) /* the tile ends before the last row */
        if (s->rank[k] + 1 < w->n && tile_of_rank(w, s->rank[k] + 1) !=
                                         tile_of_rank(w, s->rank[k]))
            end[nend++] = s->word[k];
    for (i = 0; i < w->n; i++) {
        uint64_t x = rel_of(s, i) << s->shift | i;
        int64_t t = 1;
        for (k = 0; k < nend; k++)
            t += x > end[k];
        tile[i] = t;
    }
}

static void select_range(custseg__tile_range *range, const selector *s,
                         const tiling *w)
{
    size_t k;

    range_clear(range);
    for (k = 0; k < s->nranks; k++)
        range_add(range, tile_of_rank(w, s->rank[k]),
                  key_at(s->word[k] >> s->shift, s->lo, s->hi, s->desc));
}

static int ntile_select(int64_t *tile, const int64_t *key, const tiling *w,
                        int64_t lo, int64_t hi, bool desc,
                        custseg__tile_range *range)
{
    unsigned kbits = bit_length((uint64_t)hi - (uint64_t)lo);
    selector s;
    int st;

    memset(&s, 0, sizeof s);
    s.key = key;
    s.lo = lo;
    s.hi = hi;
    s.desc = desc;
    s.shift = bit_length(w->n - 1);
    s.wbits = s.shift + kbits;
    s.nbuckets = float_bucket((uint64_t)hi - (uint64_t)lo) + 1;
    wanted_ranks(&s, w);
    if ((s.hist = custseg__calloc(s.nbuckets, sizeof *s.hist)) == NULL)
        return CUSTSEG_ENOMEM;
    st = select_words(&s, w->n);
    custseg__free(s.hist);
    if (st != CUSTSEG_OK)
        return st;
    select_assign(tile, &s, w);
    if (range != NULL)
        select_range(range, &s, w);
    return CUSTSEG_OK;
}

int custseg__ntile_range(int64_t *tile, const int64_t *key, size_t n,
                         int bins, bool desc, custseg__tile_range *range)
{
    tiling w = make_tiling(n, bins);
    int64_t lo, hi;
    size_t i;

    if (range != NULL)
        range_clear(range);
    if (n == 0)
        return CUSTSEG_OK;
    lo = hi = key[0];
    for (i = 1; i < n; i++) {
        lo = key[i] < lo ? key[i] : lo;
        hi = key[i] > hi ? key[i] : hi;
    }
    if ((uint64_t)hi - (uint64_t)lo < COUNTING_RANGE)
        return ntile_counting(tile, key, &w, lo, hi, desc, range);
    if (bit_length((uint64_t)hi - (uint64_t)lo) + bit_length(n - 1) <= 64)
        return ntile_select(tile, key, &w, lo, hi, desc, range);
    return ntile_sorted(tile, key, &w, desc, range);
}

int custseg__ntile_i64(int64_t *tile, const int64_t *key, size_t n,
                       int bins, bool desc)
{
    return custseg__ntile_range(tile, key, n, bins, desc, NULL);
}

/* The first 8 bytes of a string, big-endian, zero padded: comparing these
 * as integers orders strings like memcmp on their first 8 bytes. */
static uint64_t prefix_key(const char *s, size_t len)
{
    uint64_t k = 0;
    size_t i;

    for (i = 0; i < 8; i++)
        k = (k << 8) | (i < len ? (unsigned char)s[i] : 0u);
    return k;
}

static int cmp_ids(const custseg__strtab *t, uint32_t a, uint32_t b)
{
    size_t la = custseg__strtab_len(t, a), lb = custseg__strtab_len(t, b);
    int c = memcmp(custseg__strtab_get(t, a), custseg__strtab_get(t, b),
                   la < lb ? la : lb);

    if (c != 0)
        return c;
    return la < lb ? -1 : la > lb;
}

/* Merge sort with the table passed along (qsort has no payload argument,
 * and a static would be global mutable state). */
static void merge_sort(const custseg__strtab *t, uint32_t *v, uint32_t *tmp,
                       size_t n)
{
    size_t mid = n / 2, i = 0, j, k = 0;

    if (n < 12) { /* insertion sort for short runs */
        for (i = 1; i < n; i++) {
            uint32_t x = v[i];
            for (j = i; j > 0 && cmp_ids(t, v[j - 1], x) > 0; j--)
                v[j] = v[j - 1];
            v[j] = x;
        }
        return;
    }
    merge_sort(t, v, tmp, mid);
    merge_sort(t, v + mid, tmp, n - mid);
    j = mid;
    while (i < mid && j < n)
        tmp[k++] = cmp_ids(t, v[i], v[j]) <= 0 ? v[i++] : v[j++];
    while (i < mid)
        tmp[k++] = v[i++];
    while (j < n)
        tmp[k++] = v[j++];
    memcpy(v, tmp, n * sizeof *v);
}

/* Finish runs of equal 8-byte prefixes with a full comparison. */
static int finish_ties(const custseg__strtab *t, const keyed *a,
                       uint32_t *out, size_t n)
{
    uint32_t *tmp = NULL;
    size_t i, j;

    for (i = 0; i < n; i++)
        out[i] = a[i].idx;
    for (i = 0; i < n; i = j) {
        for (j = i + 1; j < n && a[j].key == a[i].key; j++)
            ;
        if (j - i < 2)
            continue;
        if (tmp == NULL && (tmp = custseg__malloc(n * sizeof *tmp)) == NULL)
            return CUSTSEG_ENOMEM;
        merge_sort(t, out + i, tmp, j - i);
    }
    custseg__free(tmp);
    return CUSTSEG_OK;
}

int custseg__sort_ids(const custseg__strtab *t, uint32_t *out)
{
    size_t n = t->count, i;
    keyed *a, *sorted;
    int rc;

    if (n == 0)
        return CUSTSEG_OK;
    a = custseg__malloc(2 * n * sizeof *a);
    if (a == NULL)
        return CUSTSEG_ENOMEM;
    for (i = 0; i < n; i++) {
        a[i].key = prefix_key(custseg__strtab_get(t, (uint32_t)i),
                              custseg__strtab_len(t, (uint32_t)i));
        a[i].idx = (uint32_t)i;
    }
    sorted = n > 1 ? radix_sort(a, a + n, n) : a;
    if (sorted == NULL) {
        custseg__free(a);
        return CUSTSEG_ENOMEM;
    }
    rc = finish_ties(t, sorted, out, n);
    custseg__free(a);
    return rc;
}
