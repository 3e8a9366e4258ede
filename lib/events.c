/*
 * events.c - customer events (cart adds, visits, e-mail opens...): adding
 * them, sorting them at freeze, and the lookups rules make.
 *
 * Events arrive in any order. Freezing sorts them into one run per
 * customer ordered by (name, time, order added): a counting sort by
 * customer, which is linear, then a small sort inside each run. A count
 * in a time window is then two binary searches in the customer's run.
 */
#include "attributes.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* Year 1 to year 9999, as for transactions (ingest.c). */
#define MIN_TIME (-62135596800LL)
#define MAX_TIME 253402300799LL

uint32_t custseg__event_name(const custseg_dataset *ds, const char *name,
                             size_t len)
{
    if (ds->cd == NULL)
        return CUSTSEG__NONE;
    return custseg__strtab_find(&ds->cd->ev.names, name, len);
}

static int grow_events(custseg__events *ev, size_t need)
{
    size_t cap = ev->cap < 256 ? 256 : ev->cap;
    void *p;

    if (need <= ev->cap)
        return CUSTSEG_OK;
    while (cap < need)
        cap *= 2;
    /* Each column moves on its own; cap changes only when all have. */
    if ((p = custseg__realloc(ev->customer, cap * 4)) == NULL)
        return CUSTSEG_ENOMEM;
    ev->customer = p;
    if ((p = custseg__realloc(ev->name, cap * 4)) == NULL)
        return CUSTSEG_ENOMEM;
    ev->name = p;
    if ((p = custseg__realloc(ev->time, cap * 8)) == NULL)
        return CUSTSEG_ENOMEM;
    ev->time = p;
    if ((p = custseg__realloc(ev->value, cap * 8)) == NULL)
        return CUSTSEG_ENOMEM;
    ev->value = p;
    ev->cap = cap;
    return CUSTSEG_OK;
}

int custseg__events_append(custseg_dataset *ds, uint32_t customer,
                           const char *name, size_t len, int64_t time,
                           double value)
{
    custseg__custdata *cd;
    uint32_t k;
    int rc;

    if ((rc = custseg__custdata_get(ds, &cd)) != CUSTSEG_OK)
        return rc;
    rc = custseg__strtab_intern(&cd->ev.names, name, len,
                                CUSTSEG_MAX_CUSTOMERS, &k, NULL);
    if (rc == CUSTSEG_OK)
        rc = grow_events(&cd->ev, cd->ev.n + 1);
    if (rc != CUSTSEG_OK)
        return custseg__err_set(&ds->err, rc, rc == CUSTSEG_ELIMIT
                                ? "too many event names" : "out of memory");
    cd->ev.customer[cd->ev.n] = customer;
    cd->ev.name[cd->ev.n] = k;
    cd->ev.time[cd->ev.n] = time;
    cd->ev.value[cd->ev.n] = value;
    cd->ev.n++;
    return CUSTSEG_OK;
}

/* ------------------------------------------------------------ API */

static int check_event(custseg_dataset *ds, size_t row, size_t namelen,
                       int64_t time, double value)
{
    if (namelen == 0)
        return custseg__err_set(&ds->err, CUSTSEG_EINVAL,
                                "row %zu: empty event name", row);
    if (time < MIN_TIME || time > MAX_TIME)
        return custseg__err_set(&ds->err, CUSTSEG_EINVAL,
                                "row %zu: time %" PRId64 " is outside years "
                                "1..9999", row, time);
    if (isinf(value))
        return custseg__err_set(&ds->err, CUSTSEG_EINVAL,
                                "row %zu: event value is infinite", row);
    return CUSTSEG_OK;
}

int custseg_dataset_add_event(custseg_dataset *ds, const char *customer,
                              const char *name, int64_t time, double value)
{
    int64_t off[2], noff[2];

    if (ds == NULL || customer == NULL || name == NULL)
        return CUSTSEG_EINVAL;
    off[0] = noff[0] = 0;
    off[1] = (int64_t)strlen(customer);
    noff[1] = (int64_t)strlen(name);
    return custseg_dataset_add_events(ds, 1, customer, off, name, noff,
                                      &time, &value);
}

static int check_bulk(custseg_dataset *ds, size_t n, const int64_t *off,
                      const char *nbytes, const int64_t *noff,
                      const int64_t *times, const double *values)
{
    size_t i;
    int rc;

    if (nbytes == NULL || noff == NULL || times == NULL)
        return custseg__err_set(&ds->err, CUSTSEG_EINVAL,
                                "missing column array");
    for (i = 0; i < n; i++) {
        if (off[i] < 0 || off[i + 1] <= off[i])
            return custseg__err_set(&ds->err, CUSTSEG_EINVAL,
                                    "row %zu: empty customer id or offsets "
                                    "not increasing", i);
        if (noff[i] < 0 || noff[i + 1] < noff[i])
            return custseg__err_set(&ds->err, CUSTSEG_EINVAL,
                                    "row %zu: name offsets decrease", i);
        rc = check_event(ds, i, (size_t)(noff[i + 1] - noff[i]), times[i],
                         values != NULL ? values[i] : 0.0);
        if (rc != CUSTSEG_OK)
            return rc;
    }
    return CUSTSEG_OK;
}

int custseg_dataset_add_events(custseg_dataset *ds, size_t n,
                               const char *customer_bytes,
                               const int64_t *customer_offsets,
                               const char *name_bytes,
                               const int64_t *name_offsets,
                               const int64_t *times, const double *values)
{
    custseg__custdata *cd;
    size_t customers, names, events, i;
    uint32_t c;
    int rc;

    if (ds == NULL)
        return CUSTSEG_EINVAL;
    custseg__err_clear(&ds->err);
    if (ds->frozen)
        return custseg__err_set(&ds->err, CUSTSEG_EMISUSE,
                                "dataset is frozen (read-only)");
    if (n == 0)
        return CUSTSEG_OK;
    if (customer_bytes == NULL || customer_offsets == NULL)
        return custseg__err_set(&ds->err, CUSTSEG_EINVAL,
                                "missing customer array");
    rc = check_bulk(ds, n, customer_offsets, name_bytes, name_offsets,
                    times, values);
    if (rc != CUSTSEG_OK || (rc = custseg__custdata_get(ds, &cd)))
        return rc;
    customers = ds->customers.count;
    names = cd->ev.names.count;
    events = cd->ev.n;
    for (i = 0; i < n && rc == CUSTSEG_OK; i++) {
        const int64_t *o = customer_offsets, *no = name_offsets;
        rc = custseg__customer_index(ds, customer_bytes + o[i],
                                     (size_t)(o[i + 1] - o[i]), &c);
        if (rc == CUSTSEG_OK)
            rc = custseg__events_append(ds, c, name_bytes + no[i],
                                        (size_t)(no[i + 1] - no[i]),
                                        times[i],
                                        values != NULL ? values[i] : NAN);
    }
    if (rc != CUSTSEG_OK) { /* all or nothing */
        custseg__strtab_truncate(&ds->customers, customers);
        custseg__strtab_truncate(&cd->ev.names, names);
        cd->ev.n = events;
    }
    return rc;
}

size_t custseg_dataset_event_count(const custseg_dataset *ds)
{
    return ds == NULL || ds->cd == NULL ? 0 : ds->cd->ev.n;
}

/* ------------------------------------------------------------ freeze */

/* Sort key inside a customer's run: name, then time; the index (the
 * order added) makes the order total and so deterministic. */
static int cmp_event(const void *a, const void *b, const custseg__events *ev)
{
    uint32_t i = *(const uint32_t *)a, j = *(const uint32_t *)b;

    if (ev->name[i] != ev->name[j])
        return ev->name[i] < ev->name[j] ? -1 : 1;
    if (ev->time[i] != ev->time[j])
        return ev->time[i] < ev->time[j] ? -1 : 1;
    return i < j ? -1 : i > j;
}

/* Runs are short (a customer's events): insertion sort is right for
 * them and needs no comparison callback state. */
static void sort_run(uint32_t *v, size_t n, const custseg__events *ev)
{
    size_t i, j;

    for (i = 1; i < n; i++) {
        uint32_t x = v[i];
        for (j = i; j > 0 && cmp_event(&v[j - 1], &x, ev) > 0; j--)
            v[j] = v[j - 1];
        v[j] = x;
    }
}

/* Long runs (a bot, a test fixture) would make insertion sort quadratic:
 * merge sort them instead, with a scratch buffer. */
static void merge_sort(uint32_t *v, uint32_t *tmp, size_t n,
                       const custseg__events *ev)
{
    size_t mid = n / 2, i = 0, j = mid, k = 0;

    if (n <= 32) {
        sort_run(v, n, ev);
        return;
    }
    merge_sort(v, tmp, mid, ev);
    merge_sort(v + mid, tmp, n - mid, ev);
    while (i < mid && j < n)
        tmp[k++] = cmp_event(&v[j], &v[i], ev) < 0 ? v[j++] : v[i++];
    while (i < mid)
        tmp[k++] = v[i++];
    while (j < n)
        tmp[k++] = v[j++];
    memcpy(v, tmp, n * sizeof *v);
}

/* Move every column into the order of perm. */
static int permute(custseg__events *ev, const uint32_t *perm)
{
    size_t n = ev->n, i;
    uint32_t *c = custseg__malloc(n * 4), *k = custseg__malloc(n * 4);
    int64_t *t = custseg__malloc(n * 8);
    double *v = custseg__malloc(n * 8);

    if (c == NULL || k == NULL || t == NULL || v == NULL) {
        custseg__free(c);
        custseg__free(k);
        custseg__free(t);
        custseg__free(v);
        return CUSTSEG_ENOMEM;
    }
    for (i = 0; i < n; i++) {
        c[i] = ev->customer[perm[i]];
        k[i] = ev->name[perm[i]];
        t[i] = ev->time[perm[i]];
        v[i] = ev->value[perm[i]];
    }
    custseg__free(ev->customer);
    custseg__free(ev->name);
    custseg__free(ev->time);
    custseg__free(ev->value);
    ev->customer = c;
    ev->name = k;
    ev->time = t;
    ev->value = v;
    ev->cap = n;
    return CUSTSEG_OK;
}

static void sort_runs(custseg__events *ev, uint32_t *perm, uint32_t *tmp,
                      size_t ncust)
{
    size_t c;

    for (c = 0; c < ncust; c++) {
        size_t a = (size_t)ev->start[c], b = (size_t)ev->start[c + 1];
        merge_sort(perm + a, tmp, b - a, ev);
    }
}

int custseg__events_freeze(custseg_dataset *ds)
{
    custseg__events *ev = &ds->cd->ev;
    size_t n = ev->n, nc = ds->customers.count, i;
    uint64_t *start = custseg__calloc(nc + 2, sizeof *start);
    uint32_t *perm = custseg__malloc((n ? n : 1) * sizeof *perm);
    uint32_t *tmp = custseg__malloc((n ? n : 1) * sizeof *tmp);
    int rc = CUSTSEG_OK;

    if (start == NULL || perm == NULL || tmp == NULL)
        rc = CUSTSEG_ENOMEM;
    if (rc == CUSTSEG_OK) {
        for (i = 0; i < n; i++) /* counting sort by customer */
            start[ev->customer[i] + 2]++;
        for (i = 2; i < nc + 2; i++)
            start[i] += start[i - 1];
        for (i = 0; i < n; i++)
            perm[start[ev->customer[i] + 1]++] = (uint32_t)i;
        ev->start = start; /* start[c] .. start[c + 1] is c's run */
        sort_runs(ev, perm, tmp, nc);
        ev->start = NULL;
        rc = permute(ev, perm);
    }
    custseg__free(perm);
    custseg__free(tmp);
    if (rc != CUSTSEG_OK) {
        custseg__free(start);
        return rc;
    }
    ev->start = start;
    return CUSTSEG_OK;
}

/* ------------------------------------------------------------ lookups */

/* First event in [a, b) not before (k, t). */
static size_t lower_bound(const custseg__events *ev, size_t a, size_t b,
                          uint32_t k, int64_t t)
{
    while (a < b) {
        size_t mid = a + (b - a) / 2;
        if (ev->name[mid] < k || (ev->name[mid] == k && ev->time[mid] < t))
            a = mid + 1;
        else
            b = mid;
    }
    return a;
}

/* First event in [a, b) after (k, t). */
static size_t upper_bound(const custseg__events *ev, size_t a, size_t b,
                          uint32_t k, int64_t t)
{
    while (a < b) {
        size_t mid = a + (b - a) / 2;
        if (ev->name[mid] < k || (ev->name[mid] == k && ev->time[mid] <= t))
            a = mid + 1;
        else
            b = mid;
    }
    return a;
}

size_t custseg__events_count(const custseg__events *ev, uint32_t c,
                             uint32_t k, int64_t lo, int64_t hi)
{
    size_t a = (size_t)ev->start[c], b = (size_t)ev->start[c + 1];

    if (a == b || lo > hi)
        return 0;
    return upper_bound(ev, a, b, k, hi) - lower_bound(ev, a, b, k, lo);
}

int64_t custseg__events_last(const custseg__events *ev, uint32_t c,
                             uint32_t k, int64_t hi)
{
    size_t a = (size_t)ev->start[c], b = (size_t)ev->start[c + 1], e;

    if (a == b)
        return INT64_MIN;
    e = upper_bound(ev, a, b, k, hi);
    if (e == a || ev->name[e - 1] != k)
        return INT64_MIN;
    return ev->time[e - 1];
}
