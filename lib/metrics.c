/*
 * metrics.c - per-customer metrics: first and last transaction day,
 * recency, frequency (distinct orders) and net monetary value.
 *
 * One pass over the transaction columns into per-customer tallies.
 * Distinct orders are counted without hashing pairs: an order id nearly always belongs to a single
 * customer, so each order remembers the first customer seen with it, and
 * only the rare (customer, order) pairs of shared orders are sorted and
 * deduplicated afterwards. Exact, and linear in the common case.
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

/* owned bit private to this file: first_day starts one block that holds
 * all five arrays (alloc_arrays), freed as one. */
#define OWN_BLOCK 32u

void custseg__metrics_free(custseg__metrics *m)
{
    if (m->owned & OWN_BLOCK)
        custseg__free(m->first_day);
    if (m->owned & CUSTSEG__OWN_FIRST)
        custseg__free(m->first_day);
    if (m->owned & CUSTSEG__OWN_LAST)
        custseg__free(m->last_day);
    if (m->owned & CUSTSEG__OWN_RECENCY)
        custseg__free(m->recency);
    if (m->owned & CUSTSEG__OWN_FREQUENCY)
        custseg__free(m->frequency);
    if (m->owned & CUSTSEG__OWN_MONETARY)
        custseg__free(m->monetary);
    memset(m, 0, sizeof *m);
}

/* The five arrays in one block: each separate big block would start and
 * end part-way into a huge page, and those ends are faulted in 4 KiB at
 * a time (see alloc.c), at several milliseconds per block. Not zeroed:
 * every element is written (summary_metrics, spread), and a calloc'd
 * block would not start on a huge page. */
static int alloc_arrays(custseg__metrics *m, size_t n)
{
    size_t each = n ? n : 1, count;
    int64_t *block;

    memset(m, 0, sizeof *m);
    if (!custseg__mul_size(each, 5, &count) ||
        !custseg__mul_size(count, sizeof(int64_t), &count) ||
        (block = custseg__malloc(count)) == NULL)
        return CUSTSEG_ENOMEM;
    m->n = n;
    m->owned = OWN_BLOCK;
    m->first_day = block;
    m->last_day = block + each;
    m->recency = block + 2 * each;
    m->frequency = block + 3 * each;
    m->monetary = block + 4 * each;
    return CUSTSEG_OK;
}

static int summary_metrics(const custseg_dataset *ds, custseg__metrics *m)
{
    size_t n = ds->customers.count, i;
    int rc = alloc_arrays(m, n);

    if (rc != CUSTSEG_OK)
        return rc;
    m->as_of_day = INT64_MIN; /* unused, as in R rfm_table_customer */
    m->active = n;
    memcpy(m->recency, ds->sum_recency, n * sizeof(int64_t));
    memcpy(m->frequency, ds->sum_frequency, n * sizeof(int64_t));
    memcpy(m->monetary, ds->sum_monetary, n * sizeof(int64_t));
    for (i = 0; i < n; i++)
        m->first_day[i] = m->last_day[i] = INT64_MIN;
    return CUSTSEG_OK;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

    return x < y ? -1 : x > y;
}

/* A customer's running totals side by side, 32-byte aligned: each
 * transaction then costs one cache miss instead of one per metric array
 * (customers are scattered over the transactions, so every access is a
 * miss once there are more than a few thousand). */
typedef struct tally {
    int64_t first, last, money, orders;
} tally;

/* How far ahead of the transaction being added its tally is prefetched:
 * enough misses in flight to hide memory latency. */
#define PREFETCH_AHEAD 24

/* The state of one pass. Splitting the customers into ranges, one
 * thread and one pass over all transactions per range, was tried: on two
 * cores the second pass and owner array cost more than the thread won.
 * So did cutting the transactions into parts, each with tallies of its
 * own: two threads updating two sets of tallies at random ran no faster
 * than one, the memory system being the limit. */
typedef struct pass {
    const custseg_dataset *ds;
    int64_t as_of_day;
    tally *t;
    uint64_t *pairs; /* (order << 32 | customer) of shared orders */
    size_t npairs, cap;
    int rc;
} pass;

/* Remember (order, customer) of a shared order; false when out of
 * memory. */
static bool add_pair(pass *p, uint32_t o, uint32_t c)
{
    if (custseg__grow((void **)&p->pairs, &p->cap, p->npairs + 1,
                      sizeof *p->pairs) != CUSTSEG_OK)
        return false;
    p->pairs[p->npairs++] = ((uint64_t)o << 32) | c;
    return true;
}

/* Add the transactions to their customers' tallies, in transaction
 * order. Distinct orders: each order remembers the first customer seen
 * with it (owner holds customer + 1, 0 = none). A money overflow ends
 * the pass with CUSTSEG_ERANGE; running out of memory (owner NULL, or
 * no room for shared pairs) only stops counting orders, so an overflow
 * is still found and reported first. */
static void tally_pass(pass *ps, uint32_t *owner)
{
    const custseg_dataset *ds = ps->ds;
    const uint32_t *cust = ds->tx_customer, *ord = ds->tx_order;
    bool nomem = false;
    size_t i, ntx = ds->ntx;

    for (i = 0; i < ntx; i++) {
        uint32_t c = cust[i], o = ord[i];
        int64_t day;
        tally *t;
        if (i + PREFETCH_AHEAD < ntx)
            __builtin_prefetch(&ps->t[cust[i + PREFETCH_AHEAD]], 1);
        day = custseg__day_of(ds->tx_time[i]);
        if (day > ps->as_of_day)
            continue; /* a snapshot sees only its past */
        t = &ps->t[c];
        t->first = day < t->first ? day : t->first;
        t->last = day > t->last ? day : t->last;
        if (__builtin_add_overflow(t->money, ds->tx_amount[i], &t->money)) {
            ps->rc = CUSTSEG_ERANGE;
            return;
        }
        if (o == CUSTSEG__NONE) {
            t->orders++; /* no order column: each row an order */
        } else if (owner == NULL) {
            nomem = true; /* keep looking for an overflow */
        } else if (owner[o] == 0) {
            owner[o] = c + 1;
            t->orders++;
        } else if (owner[o] != c + 1 && !nomem) {
            nomem = !add_pair(ps, o, c);
        }
    }
    if (nomem)
        ps->rc = CUSTSEG_ENOMEM;
}

/* Count each distinct (order, customer) pair of shared orders once. */
static void count_shared(pass *p, tally *t)
{
    size_t i;

    if (p->npairs > 0)
        qsort(p->pairs, p->npairs, sizeof *p->pairs, cmp_u64);
    for (i = 0; i < p->npairs; i++)
        if (i == 0 || p->pairs[i] != p->pairs[i - 1])
            t[p->pairs[i] & 0xffffffffu].orders++;
}

static void spread(const tally *t, custseg__metrics *m)
{
    size_t i;

    for (i = 0; i < m->n; i++) {
        m->frequency[i] = t[i].orders;
        m->monetary[i] = t[i].money;
        if (t[i].last == INT64_MIN) { /* nothing up to as_of */
            m->first_day[i] = m->last_day[i] = INT64_MIN;
            m->recency[i] = 0;
            continue;
        }
        m->first_day[i] = t[i].first;
        m->last_day[i] = t[i].last;
        m->recency[i] = m->as_of_day - t[i].last;
        m->active++;
    }
}

/* Room for n tallies from the first 2 MiB boundary inside the block:
 * the allocator asks for huge pages only on the whole 2 MiB pages of a
 * block (alloc.c), and the unaligned ends, faulted in 4 KiB at a time,
 * would cost milliseconds. Returns the block to free; *t points into it. */
#define HUGE_ALIGN ((size_t)2 << 20)

static void *alloc_tallies(size_t n, tally **t)
{
    size_t bytes;
    char *raw;

    if (!custseg__mul_size(n ? n : 1, sizeof **t, &bytes) ||
        !custseg__add_size(bytes, HUGE_ALIGN, &bytes) ||
        (raw = custseg__malloc(bytes)) == NULL)
        return NULL;
    *t = (tally *)(raw + (HUGE_ALIGN - (uintptr_t)raw % HUGE_ALIGN) %
                             HUGE_ALIGN);
    return raw;
}

static void init_tallies(tally *t, size_t n)
{
    size_t c;

    for (c = 0; c < n; c++) {
        t[c].first = INT64_MAX;
        t[c].last = INT64_MIN;
        t[c].money = t[c].orders = 0;
    }
}

/* Tally the transactions into m. */
static int tally_all(const custseg_dataset *ds, custseg__metrics *m)
{
    size_t norders = ds->norders;
    uint32_t *owner;
    void *scratch;
    pass ps = { NULL, 0, NULL, NULL, 0, 0, CUSTSEG_OK };

    ps.ds = ds;
    ps.as_of_day = m->as_of_day;
    if ((scratch = alloc_tallies(m->n, &ps.t)) == NULL)
        return CUSTSEG_ENOMEM;
    init_tallies(ps.t, m->n);
    /* calloc: fresh pages come zeroed; a block of its own, so that once
     * freed, later allocations of that size can reuse its pages */
    owner = custseg__calloc(norders ? norders : 1, sizeof *owner);
    tally_pass(&ps, owner);
    custseg__free(owner);
    if (ps.rc == CUSTSEG_OK) {
        count_shared(&ps, ps.t);
        spread(ps.t, m);
    }
    custseg__free(ps.pairs);
    custseg__free(scratch);
    return ps.rc;
}

int custseg__metrics_compute(const custseg_dataset *ds, int64_t as_of_day,
                             custseg__metrics *out)
{
    custseg__metrics m;
    int rc;

    if (ds->kind == CUSTSEG__DS_SUMMARY)
        return summary_metrics(ds, out);
    if ((rc = alloc_arrays(&m, ds->customers.count)) != CUSTSEG_OK)
        return rc;
    m.as_of_day = as_of_day;
    if ((rc = tally_all(ds, &m)) != CUSTSEG_OK) {
        custseg__metrics_free(&m);
        return rc;
    }
    *out = m;
    return CUSTSEG_OK;
}

/* Borrow the cached metrics, with recency recomputed for another as_of
 * that still sees every transaction. */
static int shifted(const custseg_dataset *ds, int64_t as_of_day,
                   custseg__metrics *out)
{
    const custseg__metrics *c = &ds->metrics;
    size_t i;

    *out = *c;
    out->owned = 0;
    if (as_of_day == c->as_of_day)
        return CUSTSEG_OK;
    out->recency = custseg__malloc((c->n ? c->n : 1) * sizeof(int64_t));
    if (out->recency == NULL)
        return CUSTSEG_ENOMEM;
    out->owned = CUSTSEG__OWN_RECENCY;
    out->as_of_day = as_of_day;
    for (i = 0; i < c->n; i++)
        out->recency[i] = c->last_day[i] == INT64_MIN
                              ? 0 : as_of_day - c->last_day[i];
    return CUSTSEG_OK;
}

int custseg__metrics_for(const custseg_dataset *ds, int64_t as_of_day,
                         custseg__metrics *out, bool *owned)
{
    int rc;

    memset(out, 0, sizeof *out);
    if (ds->kind == CUSTSEG__DS_SUMMARY) {
        *out = ds->metrics;
        out->owned = 0;
        rc = CUSTSEG_OK;
    } else if (as_of_day >= custseg__day_of(ds->max_time)) {
        rc = shifted(ds, as_of_day, out);
    } else {
        rc = custseg__metrics_compute(ds, as_of_day, out);
    }
    if (owned != NULL)
        *owned = out->owned != 0;
    return rc;
}
