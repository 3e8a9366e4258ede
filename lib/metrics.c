/*
 * metrics.c - per-customer metrics: first and last transaction day,
 * recency, frequency (distinct orders) and net monetary value.
 *
 * One pass over the transaction columns. Distinct orders are counted
 * without hashing pairs: an order id nearly always belongs to a single
 * customer, so each order remembers the first customer seen with it, and
 * only the rare (customer, order) pairs of shared orders are sorted and
 * deduplicated afterwards. Exact, and linear in the common case.
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

void custseg__metrics_free(custseg__metrics *m)
{
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

static int alloc_arrays(custseg__metrics *m, size_t n)
{
    memset(m, 0, sizeof *m);
    m->n = n;
    m->owned = CUSTSEG__OWN_ALL;
    m->first_day = custseg__calloc(n ? n : 1, sizeof(int64_t));
    m->last_day = custseg__calloc(n ? n : 1, sizeof(int64_t));
    m->recency = custseg__calloc(n ? n : 1, sizeof(int64_t));
    m->frequency = custseg__calloc(n ? n : 1, sizeof(int64_t));
    m->monetary = custseg__calloc(n ? n : 1, sizeof(int64_t));
    if (m->first_day == NULL || m->last_day == NULL || m->recency == NULL ||
        m->frequency == NULL || m->monetary == NULL) {
        custseg__metrics_free(m);
        return CUSTSEG_ENOMEM;
    }
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

typedef struct shared_pairs {
    uint64_t *v;
    size_t n, cap;
} shared_pairs;

/* Count distinct orders per customer into m->frequency. */
static int count_orders(const custseg_dataset *ds, int64_t as_of_day,
                        custseg__metrics *m)
{
    uint32_t *owner = NULL;
    shared_pairs sp = { NULL, 0, 0 };
    size_t i;

    if (ds->norders > 0) {
        owner = custseg__malloc(ds->norders * sizeof *owner);
        if (owner == NULL)
            return CUSTSEG_ENOMEM;
        memset(owner, 0xff, ds->norders * sizeof *owner); /* NONE */
    }
    for (i = 0; i < ds->ntx; i++) {
        uint32_t c = ds->tx_customer[i], o = ds->tx_order[i];
        if (custseg__day_of(ds->tx_time[i]) > as_of_day)
            continue;
        if (o == CUSTSEG__NONE) {
            m->frequency[c]++; /* no order column: each row an order */
        } else if (owner[o] == CUSTSEG__NONE) {
            owner[o] = c;
            m->frequency[c]++;
        } else if (owner[o] != c) {
            if (custseg__grow((void **)&sp.v, &sp.cap, sp.n + 1,
                              sizeof *sp.v) != CUSTSEG_OK) {
                custseg__free(owner);
                custseg__free(sp.v);
                return CUSTSEG_ENOMEM;
            }
            sp.v[sp.n++] = ((uint64_t)o << 32) | c;
        }
    }
    if (sp.n > 0)
        qsort(sp.v, sp.n, sizeof *sp.v, cmp_u64);
    for (i = 0; i < sp.n; i++)
        if (i == 0 || sp.v[i] != sp.v[i - 1])
            m->frequency[sp.v[i] & 0xffffffffu]++;
    custseg__free(owner);
    custseg__free(sp.v);
    return CUSTSEG_OK;
}

static int sum_transactions(const custseg_dataset *ds, int64_t as_of_day,
                            custseg__metrics *m)
{
    size_t i;

    for (i = 0; i < m->n; i++) {
        m->first_day[i] = INT64_MAX;
        m->last_day[i] = INT64_MIN;
    }
    for (i = 0; i < ds->ntx; i++) {
        uint32_t c = ds->tx_customer[i];
        int64_t day = custseg__day_of(ds->tx_time[i]);
        if (day > as_of_day)
            continue; /* a snapshot sees only its past */
        if (day < m->first_day[c])
            m->first_day[c] = day;
        if (day > m->last_day[c])
            m->last_day[c] = day;
        if (__builtin_add_overflow(m->monetary[c], ds->tx_amount[i],
                                   &m->monetary[c]))
            return CUSTSEG_ERANGE;
    }
    return CUSTSEG_OK;
}

int custseg__metrics_compute(const custseg_dataset *ds, int64_t as_of_day,
                             custseg__metrics *out)
{
    custseg__metrics m;
    size_t i;
    int rc;

    if (ds->kind == CUSTSEG__DS_SUMMARY)
        return summary_metrics(ds, out);
    if ((rc = alloc_arrays(&m, ds->customers.count)) != CUSTSEG_OK)
        return rc;
    m.as_of_day = as_of_day;
    rc = sum_transactions(ds, as_of_day, &m);
    if (rc == CUSTSEG_OK)
        rc = count_orders(ds, as_of_day, &m);
    if (rc != CUSTSEG_OK) {
        custseg__metrics_free(&m);
        return rc;
    }
    for (i = 0; i < m.n; i++) {
        if (m.last_day[i] == INT64_MIN) {
            m.first_day[i] = INT64_MIN; /* nothing up to as_of */
            continue;
        }
        m.recency[i] = as_of_day - m.last_day[i];
        m.active++;
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
