/*
 * result.c - results: building them (for strategies), per-segment
 * statistics, and every read accessor and iterator of the API.
 *
 * A result owns copies of the customer ids and all per-customer values, so
 * it stays valid after its dataset and strategy are freed. Rows are in
 * byte order of customer id, which makes exports sorted and lookups a
 * binary search.
 *
 * The error buffer of a result is written by export functions that take a
 * const result: it is the one mutable part of an otherwise read-only
 * object (like a C++ mutable member) and, as for every handle, a result
 * belongs to one thread at a time.
 */
#include "internal.h"

#include <math.h>
#include <string.h>

struct custseg_iter {
    const custseg_result *r;
    size_t pos;
};

struct custseg_member_iter {
    const custseg_result *r;
    size_t pos, end;
};

static bool row_included(const custseg_dataset *ds, const custseg__metrics *m,
                         uint32_t c)
{
    return m == NULL || ds->kind == CUSTSEG__DS_SUMMARY ||
           m->last_day[c] != INT64_MIN;
}

int custseg__result_rows(const custseg_dataset *ds, const custseg__metrics *m,
                         const uint32_t **out_rows, size_t *out_n,
                         uint32_t **owned)
{
    size_t i, n = ds->customers.count;

    *owned = NULL;
    *out_rows = ds->by_id;
    *out_n = n;
    if (ds->kind == CUSTSEG__DS_SUMMARY || m->active == n)
        return CUSTSEG_OK; /* every customer: borrow ds->by_id */
    if ((*owned = custseg__malloc((m->active + 1) * sizeof **owned)) == NULL)
        return CUSTSEG_ENOMEM;
    for (i = 0, *out_n = 0; i < n; i++)
        if (row_included(ds, m, ds->by_id[i]))
            (*owned)[(*out_n)++] = ds->by_id[i];
    *out_rows = *owned;
    return CUSTSEG_OK;
}

#if defined(__GNUC__)
#define PREFETCH(p) __builtin_prefetch(p)
#else
#define PREFETCH(p) ((void)(p))
#endif

/* Ids are taken in byte order, which is random in the string table: the
 * offset of the id 2 * AHEAD rows on and the bytes of the one AHEAD rows
 * on are requested early, so that the cache misses overlap. */
#define AHEAD 16

static void prefetch_id(const custseg_dataset *ds, size_t i)
{
    const custseg__strtab *t = &ds->customers;

    if (i + 2 * AHEAD < t->count)
        PREFETCH(&t->offsets[ds->by_id[i + 2 * AHEAD]]);
    if (i + AHEAD < t->count)
        PREFETCH(custseg__strtab_get(t, ds->by_id[i + AHEAD]));
}

/* Every customer: walk the table in its own order and write each id to
 * its row (id_rank), so reads are sequential and the scattered writes
 * overlap, instead of a gather whose two misses (offset, then bytes)
 * wait on each other. */
static void copy_all_ids(custseg_result *r, const custseg_dataset *ds)
{
    const custseg__strtab *t = &ds->customers;
    uint64_t *off = r->id_offsets, sum = 0, len;
    size_t c, n = t->count;

    for (c = 0; c < n && ds->by_id[c] == c; c++)
        ;
    if (c == n) { /* ids in byte order already: freeze renumbers them */
        memcpy(r->id_bytes, t->bytes, (size_t)t->offsets[n]);
        memcpy(off, t->offsets, (n + 1) * sizeof *off);
        memcpy(r->row_customer, ds->by_id, n * sizeof *r->row_customer);
        return;
    }
    for (c = 0; c < n; c++) /* each row's length, with its NUL */
        off[ds->id_rank[c]] = t->offsets[c + 1] - t->offsets[c];
    for (c = 0; c < n; c++) {
        len = off[c];
        off[c] = sum;
        sum += len;
    }
    off[n] = sum;
    for (c = 0; c < n; c++)
        memcpy(r->id_bytes + off[ds->id_rank[c]], t->bytes + t->offsets[c],
               (size_t)(t->offsets[c + 1] - t->offsets[c]));
    memcpy(r->row_customer, ds->by_id, n * sizeof *r->row_customer);
}

/* Bytes of the ids of the result's rows, NULs included. */
static size_t id_bytes_of(const custseg_result *r, const custseg_dataset *ds,
                          const custseg__metrics *m)
{
    const custseg__strtab *t = &ds->customers;
    size_t bytes = 0, i;

    if (r->n == t->count) /* every id: the table's size */
        return (size_t)t->offsets[t->count];
    for (i = 0; i < t->count; i++)
        if (row_included(ds, m, ds->by_id[i]))
            bytes += custseg__strtab_len(t, ds->by_id[i]) + 1;
    return bytes;
}

static void copy_ids(custseg_result *r, const custseg_dataset *ds,
                     const custseg__metrics *m)
{
    const custseg__strtab *t = &ds->customers;
    size_t bytes = 0, row = 0, i;

    if (r->n == t->count) {
        copy_all_ids(r, ds);
        return;
    }
    for (i = 0; i < t->count; i++) {
        uint32_t c = ds->by_id[i];
        size_t len;
        prefetch_id(ds, i);
        if (!row_included(ds, m, c))
            continue;
        len = custseg__strtab_len(t, c);
        memcpy(r->id_bytes + bytes, custseg__strtab_get(t, c), len + 1);
        r->id_offsets[row] = bytes;
        r->row_customer[row++] = c;
        bytes += len + 1;
    }
    r->id_offsets[row] = bytes;
}

/* Every per-row array of a result lives in one zeroed block. Its pages
 * are first touched right after allocation, and a fresh 4 KiB page costs
 * many microseconds on virtual machines, while the default allocator
 * backs only the 2 MiB-aligned interior of big blocks with huge pages. A
 * dozen separate arrays would each fault in their unaligned ends page by
 * page; one block, used from its first 2 MiB boundary for a whole number
 * of 2 MiB, faults in huge pages only. */
enum { A_IDS, A_OFFSETS, A_CUSTOMER, A_SEGMENT, A_SCORE, A_MEMBERS,
       A_FIELD0, A_COUNT = A_FIELD0 + CUSTSEG_FIELD_COUNT_OF };
#define BLOCK_ALIGN ((size_t)2 << 20)
#define BLOCK_PADDED ((size_t)4 << 20) /* from here on worth aligning */

static bool round_up(size_t *x, size_t to)
{
    if (!custseg__add_size(*x, to - 1, x))
        return false;
    *x -= *x % to;
    return true;
}

static int alloc_block(custseg_result *r, size_t id_bytes, unsigned fields)
{
    size_t size[A_COUNT] = {0}, off[A_COUNT], total = 0, pad = 0;
    uintptr_t base;
    int a, f;

    size[A_IDS] = id_bytes ? id_bytes : 1;
    size[A_OFFSETS] = (r->n + 1) * sizeof *r->id_offsets;
    size[A_CUSTOMER] = r->n * sizeof *r->row_customer;
    size[A_SEGMENT] = r->n * sizeof *r->segment;
    size[A_SCORE] = r->n * sizeof *r->score;
    size[A_MEMBERS] = r->n * sizeof *r->members;
    for (f = 0; f < CUSTSEG_FIELD_COUNT_OF; f++)
        if (fields & (1u << f))
            size[A_FIELD0 + f] = r->n * sizeof(int64_t);
    for (a = 0; a < A_COUNT; a++) { /* cache-line aligned arrays */
        off[a] = total;
        if (!custseg__add_size(total, size[a], &total) ||
            !round_up(&total, 64))
            return CUSTSEG_ENOMEM;
    }
    if (total >= BLOCK_PADDED) {
        if (!round_up(&total, BLOCK_ALIGN))
            return CUSTSEG_ENOMEM;
        pad = BLOCK_ALIGN;
    }
    if ((r->block = custseg__calloc(1, total + pad)) == NULL)
        return CUSTSEG_ENOMEM;
    base = (uintptr_t)r->block;
    if (pad > 0) /* the first 2 MiB boundary in the block */
        base = (base + BLOCK_ALIGN - 1) & ~(uintptr_t)(BLOCK_ALIGN - 1);
    r->id_bytes = (char *)(base + off[A_IDS]);
    r->id_offsets = (uint64_t *)(base + off[A_OFFSETS]);
    r->row_customer = (uint32_t *)(base + off[A_CUSTOMER]);
    r->segment = (uint32_t *)(base + off[A_SEGMENT]);
    r->score = (double *)(base + off[A_SCORE]);
    r->members = (uint32_t *)(base + off[A_MEMBERS]);
    for (f = 0; f < CUSTSEG_FIELD_COUNT_OF; f++)
        if (fields & (1u << f))
            r->field[f] = (int64_t *)(base + off[A_FIELD0 + f]);
    r->block_fields = fields & ((1u << CUSTSEG_FIELD_COUNT_OF) - 1);
    return CUSTSEG_OK;
}

static int alloc_segments(custseg_result *r, size_t nseg)
{
    size_t i;

    r->segs = custseg__calloc(nseg ? nseg : 1, sizeof *r->segs);
    if (r->segs == NULL)
        return CUSTSEG_ENOMEM;
    for (i = 0; i < nseg; i++)
        r->segs[i].index = i;
    r->nseg = nseg;
    return CUSTSEG_OK;
}

int custseg__result_new(custseg_result **out, const custseg_dataset *ds,
                        const custseg__metrics *m, const char *strategy,
                        unsigned fields, size_t nseg)
{
    custseg_result *r;
    size_t i;
    /* row_included() takes every customer when it has no metrics. */
    const custseg__metrics *pick =
        fields & CUSTSEG__RESULT_ALL_CUSTOMERS ? NULL : m;
    int v, s, rc;

    *out = NULL;
    if (nseg > CUSTSEG_MAX_SEGMENTS)
        return CUSTSEG_ELIMIT;
    r = custseg__calloc(1, sizeof *r);
    if (r == NULL)
        return CUSTSEG_ENOMEM;
    custseg__err_clear(&r->err);
    strncpy(r->strategy, strategy, sizeof r->strategy - 1);
    r->as_of_day = m != NULL ? m->as_of_day : INT64_MIN;
    for (v = 0; v < 3; v++)
        for (s = 0; s < 10; s++)
            r->thr_lower[v][s] = r->thr_upper[v][s] = NAN;
    for (i = 0; i < ds->customers.count; i++)
        if (row_included(ds, pick, (uint32_t)i))
            r->n++;
    rc = r->n == 0 ? CUSTSEG_ENODATA
                   : alloc_block(r, id_bytes_of(r, ds, pick), fields);
    if (rc == CUSTSEG_OK) {
        copy_ids(r, ds, pick);
        rc = alloc_segments(r, nseg);
    }
    if (rc != CUSTSEG_OK) {
        custseg_result_free(r);
        return rc;
    }
    *out = r;
    return CUSTSEG_OK;
}

int custseg__result_name_segment(custseg_result *r, size_t i,
                                 const char *name)
{
    char *copy;

    if (i >= r->nseg)
        return CUSTSEG_EINVAL;
    if ((copy = custseg__strdup(name)) == NULL)
        return CUSTSEG_ENOMEM;
    custseg__free(r->segs[i].name);
    r->segs[i].name = copy;
    return CUSTSEG_OK;
}

void custseg_result_free(custseg_result *r)
{
    size_t i;
    int f;

    if (r == NULL)
        return;
    for (i = 0; i < r->nseg; i++)
        custseg__free(r->segs[i].name);
    custseg__free(r->segs);
    for (f = 0; f < CUSTSEG_FIELD_COUNT_OF; f++)
        if (!(r->block_fields & (1u << f))) /* added by the strategy */
            custseg__free(r->field[f]);
    custseg__free(r->block); /* every other per-row array */
    custseg__free(r);
}

/* ------------------------------------------------------------ statistics */

static int sum_segments(custseg_result *r, int64_t *total_revenue)
{
    const int64_t *money = r->field[CUSTSEG_FIELD_MONETARY];
    size_t i;

    *total_revenue = 0;
    for (i = 0; i < r->n; i++) {
        custseg_segment *g = &r->segs[r->segment[i]];
        double x = r->score[i];
        if (g->count == 0 || x < g->stat[CUSTSEG_STAT_SCORE_MIN])
            g->stat[CUSTSEG_STAT_SCORE_MIN] = x;
        if (g->count == 0 || x > g->stat[CUSTSEG_STAT_SCORE_MAX])
            g->stat[CUSTSEG_STAT_SCORE_MAX] = x;
        g->count++;
        g->stat[CUSTSEG_STAT_SCORE_MEAN] += x; /* a sum until divided */
        if (money != NULL &&
            (__builtin_add_overflow(g->revenue, money[i], &g->revenue) ||
             __builtin_add_overflow(*total_revenue, money[i],
                                    total_revenue)))
            return CUSTSEG_ERANGE;
    }
    return CUSTSEG_OK;
}

/* Population standard deviation, from squared deviations around the mean
 * (two passes: no cancellation from sum-of-squares). */
static void spread(custseg_result *r)
{
    size_t i;

    for (i = 0; i < r->nseg; i++)
        if (r->segs[i].count > 0)
            r->segs[i].stat[CUSTSEG_STAT_SCORE_MEAN] /=
                (double)r->segs[i].count;
    for (i = 0; i < r->n; i++) {
        custseg_segment *g = &r->segs[r->segment[i]];
        double d = r->score[i] - g->stat[CUSTSEG_STAT_SCORE_MEAN];
        g->stat[CUSTSEG_STAT_SCORE_SD] += d * d;
    }
    for (i = 0; i < r->nseg; i++)
        if (r->segs[i].count > 0)
            r->segs[i].stat[CUSTSEG_STAT_SCORE_SD] =
                sqrt(r->segs[i].stat[CUSTSEG_STAT_SCORE_SD] /
                     (double)r->segs[i].count);
}

static double ratio(double a, double b)
{
    return b != 0.0 ? a / b : 0.0;
}

/* Revenue shares and lifts. Running sums go by segment, not by row as
 * the total did, so they can leave the 64-bit range where the total did
 * not (a huge gain, then a huge loss): that is CUSTSEG_ERANGE too. */
static int shares(custseg_result *r, int64_t total)
{
    double overall = ratio((double)total, (double)r->n);
    int64_t cum_rev = 0, cum_count = 0;
    size_t i;

    for (i = 0; i < r->nseg; i++) {
        custseg_segment *g = &r->segs[i];
        double *st = g->stat;
        if (__builtin_add_overflow(cum_rev, g->revenue, &cum_rev))
            return CUSTSEG_ERANGE;
        cum_count += g->count;
        st[CUSTSEG_STAT_COUNT] = (double)g->count;
        st[CUSTSEG_STAT_SHARE] = ratio((double)g->count, (double)r->n);
        st[CUSTSEG_STAT_REVENUE] = (double)g->revenue / CUSTSEG__E4;
        st[CUSTSEG_STAT_REVENUE_SHARE] =
            ratio((double)g->revenue, (double)total);
        st[CUSTSEG_STAT_CUM_REVENUE_SHARE] =
            ratio((double)cum_rev, (double)total);
        st[CUSTSEG_STAT_LIFT] =
            g->count ? ratio((double)g->revenue / (double)g->count, overall)
                     : 0.0;
        st[CUSTSEG_STAT_CUM_LIFT] =
            cum_count ? ratio((double)cum_rev / (double)cum_count, overall)
                      : 0.0;
    }
    return CUSTSEG_OK;
}

/* Rows grouped by segment (counting sort; id order kept inside). */
static int group_members(custseg_result *r)
{
    size_t i, pos = 0, *next = custseg__malloc(r->nseg * sizeof *next);

    if (next == NULL)
        return CUSTSEG_ENOMEM;
    for (i = 0; i < r->nseg; i++) {
        r->segs[i].member_start = next[i] = pos;
        pos += (size_t)r->segs[i].count;
    }
    for (i = 0; i < r->n; i++)
        r->members[next[r->segment[i]]++] = (uint32_t)i;
    custseg__free(next);
    return CUSTSEG_OK;
}

int custseg__result_finish(custseg_result *r)
{
    int64_t total;
    size_t i;
    int rc;

    for (i = 0; i < r->nseg; i++)
        if (r->segs[i].name == NULL &&
            custseg__result_name_segment(r, i, "") != CUSTSEG_OK)
            return CUSTSEG_ENOMEM;
    for (i = 0; i < r->n; i++)
        if (r->segment[i] >= r->nseg)
            return CUSTSEG_EINVAL;
    if ((rc = sum_segments(r, &total)) != CUSTSEG_OK)
        return rc;
    spread(r);
    if ((rc = shares(r, total)) != CUSTSEG_OK)
        return rc;
    return group_members(r);
}

/* ------------------------------------------------------------ accessors */

const char *custseg_result_errmsg(const custseg_result *r)
{
    return r == NULL ? "no result" : r->err.msg;
}

const char *custseg_result_strategy(const custseg_result *r)
{
    return r == NULL ? "" : r->strategy;
}

size_t custseg_result_segment_count(const custseg_result *r)
{
    return r == NULL ? 0 : r->nseg;
}

int custseg_result_segment_at(const custseg_segment **out,
                              const custseg_result *r, size_t i)
{
    if (out == NULL)
        return CUSTSEG_EINVAL;
    *out = NULL;
    if (r == NULL || i >= r->nseg)
        return CUSTSEG_ENOTFOUND;
    *out = &r->segs[i];
    return CUSTSEG_OK;
}

const char *custseg_segment_name(const custseg_segment *seg)
{
    return seg == NULL ? "" : seg->name;
}

size_t custseg_segment_index(const custseg_segment *seg)
{
    return seg == NULL ? 0 : seg->index;
}

int64_t custseg_segment_count(const custseg_segment *seg)
{
    return seg == NULL ? 0 : seg->count;
}

int64_t custseg_segment_revenue(const custseg_segment *seg)
{
    return seg == NULL ? 0 : seg->revenue;
}

double custseg_segment_stat(const custseg_segment *seg, int stat)
{
    if (seg == NULL || stat < 0 || stat >= CUSTSEG_STAT_COUNT_OF)
        return NAN;
    return seg->stat[stat];
}

int custseg_result_iter_new(custseg_iter **out, const custseg_result *r)
{
    custseg_iter *it;

    if (out == NULL || r == NULL)
        return CUSTSEG_EINVAL;
    *out = NULL;
    if ((it = custseg__malloc(sizeof *it)) == NULL)
        return CUSTSEG_ENOMEM;
    it->r = r;
    it->pos = 0;
    *out = it;
    return CUSTSEG_OK;
}

int custseg_iter_next(const custseg_segment **out, custseg_iter *it)
{
    if (out == NULL || it == NULL)
        return CUSTSEG_EINVAL;
    *out = NULL;
    if (it->pos >= it->r->nseg)
        return CUSTSEG_ITEROVER;
    *out = &it->r->segs[it->pos++];
    return CUSTSEG_OK;
}

void custseg_iter_reset(custseg_iter *it)
{
    if (it != NULL)
        it->pos = 0;
}

void custseg_iter_free(custseg_iter *it)
{
    custseg__free(it);
}

int custseg_member_iter_new(custseg_member_iter **out,
                            const custseg_result *r,
                            const custseg_segment *seg)
{
    custseg_member_iter *it;

    if (out == NULL || r == NULL || seg == NULL)
        return CUSTSEG_EINVAL;
    *out = NULL;
    if (seg->index >= r->nseg || &r->segs[seg->index] != seg)
        return CUSTSEG_EINVAL; /* a segment of another result */
    if ((it = custseg__malloc(sizeof *it)) == NULL)
        return CUSTSEG_ENOMEM;
    it->r = r;
    it->pos = seg->member_start;
    it->end = seg->member_start + (size_t)seg->count;
    *out = it;
    return CUSTSEG_OK;
}

int custseg_member_iter_next(size_t *out, custseg_member_iter *it)
{
    if (out == NULL || it == NULL)
        return CUSTSEG_EINVAL;
    if (it->pos >= it->end)
        return CUSTSEG_ITEROVER;
    *out = it->r->members[it->pos++];
    return CUSTSEG_OK;
}

void custseg_member_iter_free(custseg_member_iter *it)
{
    custseg__free(it);
}

size_t custseg_result_customer_count(const custseg_result *r)
{
    return r == NULL ? 0 : r->n;
}

const char *custseg_result_customer_id(const custseg_result *r, size_t row)
{
    if (r == NULL || row >= r->n)
        return NULL;
    return r->id_bytes + r->id_offsets[row];
}

static int cmp_row(const custseg_result *r, size_t row, const char *id,
                   size_t len)
{
    size_t rlen = (size_t)(r->id_offsets[row + 1] - r->id_offsets[row] - 1);
    int c = memcmp(r->id_bytes + r->id_offsets[row], id,
                   rlen < len ? rlen : len);

    if (c != 0)
        return c;
    return rlen < len ? -1 : rlen > len;
}

int custseg_result_find(size_t *out, const custseg_result *r,
                        const char *customer)
{
    size_t lo = 0, hi, len;

    if (out == NULL || r == NULL || customer == NULL)
        return CUSTSEG_EINVAL;
    len = strlen(customer);
    hi = r->n;
    while (lo < hi) { /* rows are sorted by id bytes */
        size_t mid = lo + (hi - lo) / 2;
        int c = cmp_row(r, mid, customer, len);
        if (c == 0) {
            *out = mid;
            return CUSTSEG_OK;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return CUSTSEG_ENOTFOUND;
}

size_t custseg_result_customer_segment(const custseg_result *r, size_t row)
{
    if (r == NULL || row >= r->n)
        return SIZE_MAX;
    return r->segment[row];
}

int custseg_result_customer_field(int64_t *out, const custseg_result *r,
                                  size_t row, int field)
{
    if (out == NULL || r == NULL)
        return CUSTSEG_EINVAL;
    if (row >= r->n || field < 0 || field >= CUSTSEG_FIELD_COUNT_OF ||
        r->field[field] == NULL)
        return CUSTSEG_ENOTFOUND;
    *out = r->field[field][row];
    return CUSTSEG_OK;
}

double custseg_result_customer_score(const custseg_result *r, size_t row)
{
    if (r == NULL || row >= r->n)
        return NAN;
    return r->score[row];
}

int custseg_result_threshold(double *out_lower, double *out_upper,
                             const custseg_result *r, int variable,
                             int score)
{
    if (out_lower == NULL || out_upper == NULL || r == NULL)
        return CUSTSEG_EINVAL;
    if (!r->has_thresholds || variable < CUSTSEG_FIELD_RECENCY ||
        variable > CUSTSEG_FIELD_MONETARY || score < 1 || score > r->bins)
        return CUSTSEG_ENOTFOUND;
    *out_lower = r->thr_lower[variable][score - 1];
    *out_upper = r->thr_upper[variable][score - 1];
    return CUSTSEG_OK;
}

int custseg_result_bins(const custseg_result *r)
{
    return r == NULL ? 0 : r->bins;
}
