/*
 * idorder.c - at freeze, renumber customers in byte order of id.
 *
 * Loading numbers customers in order of first appearance; results list
 * them in byte order of id. Renumbering once, when the dataset is frozen,
 * makes the two orders one: by_id and id_rank become the identity, and
 * every per-customer array (metrics, summaries, attributes) is already
 * in result order, so strategies copy and read them sequentially instead
 * of gathering through a random permutation on every run. The cost is
 * one pass over the transactions' customer column and one copy of the
 * ids, paid once.
 *
 * Everything that can fail (allocation) happens first; the rest cannot
 * fail, so the dataset is consistent whatever happens later in freeze.
 * The id hash slots are renumbered in place (a string's slot depends
 * only on its hash), so an unfrozen dataset still finds its ids.
 */
#include "attributes.h"

#include <string.h>

static bool identity(const custseg_dataset *ds)
{
    size_t i;

    for (i = 0; i < ds->customers.count; i++)
        if (ds->by_id[i] != i)
            return false;
    return true;
}

/* The ids, in their new order, into fresh arrays. */
static void copy_strings(const custseg_dataset *ds, char *bytes,
                         uint64_t *off)
{
    const custseg__strtab *t = &ds->customers;
    uint64_t pos = 0;
    size_t i;

    for (i = 0; i < t->count; i++) {
        uint32_t c = ds->by_id[i];
        uint64_t len = t->offsets[c + 1] - t->offsets[c];
        memcpy(bytes + pos, t->bytes + t->offsets[c], (size_t)len);
        off[i] = pos;
        pos += len;
    }
    off[t->count] = pos;
}

static void renumber_slots(custseg__strtab *t, const uint32_t *rank)
{
    size_t i;

    for (i = 0; i < t->nslots; i++) {
        uint64_t s = t->slots[i];
        if (s != 0)
            t->slots[i] = (s & 0xffffffff00000000ULL) |
                          ((uint64_t)rank[(s & 0xffffffffu) - 1] + 1);
    }
}

/* arr[i] = old arr[by_id[i]], 8-byte elements, through tmp. */
static void permute64(int64_t *arr, const uint32_t *by_id, size_t n,
                      int64_t *tmp)
{
    size_t i;

    if (arr == NULL)
        return;
    for (i = 0; i < n; i++)
        tmp[i] = arr[by_id[i]];
    memcpy(arr, tmp, n * sizeof *arr);
}

/* Rows per job when the customer column is renumbered on threads. */
#define REMAP_ROWS ((size_t)1 << 20)

typedef struct remap_job {
    uint32_t *col;
    const uint32_t *rank;
    size_t n;
} remap_job;

static int remap_rows(size_t job, void *payload)
{
    const remap_job *r = payload;
    size_t i = job * REMAP_ROWS, end = i + REMAP_ROWS;

    if (end > r->n)
        end = r->n;
    for (; i < end; i++)
        r->col[i] = r->rank[r->col[i]];
    return CUSTSEG_OK;
}

/* Per-customer arrays to permute through a scratch array. */
static bool needs_tmp(const custseg_dataset *ds)
{
    return ds->kind == CUSTSEG__DS_SUMMARY ||
           (ds->cd != NULL && ds->cd->nattrs > 0);
}

int custseg__renumber_customers(custseg_dataset *ds)
{
    custseg__strtab *t = &ds->customers;
    size_t n = t->count, i;
    char *bytes;
    uint64_t *off;
    int64_t *tmp = NULL;
    bool permute = needs_tmp(ds);
    remap_job rj;

    if (n == 0 || identity(ds))
        return CUSTSEG_OK;
    if (custseg__custdata_reserve(ds) != CUSTSEG_OK)
        return CUSTSEG_ENOMEM;
    bytes = custseg__malloc(t->nbytes ? t->nbytes : 1);
    off = custseg__malloc((n + 1) * sizeof *off);
    if (permute)
        tmp = custseg__malloc(n * sizeof *tmp);
    if (bytes == NULL || off == NULL || (tmp == NULL && permute)) {
        custseg__free(bytes);
        custseg__free(off);
        custseg__free(tmp);
        return CUSTSEG_ENOMEM;
    }
    copy_strings(ds, bytes, off);
    custseg__free(t->bytes);
    custseg__free(t->offsets);
    t->bytes = bytes;
    t->capbytes = t->nbytes ? t->nbytes : 1;
    t->offsets = off;
    t->capoffsets = n + 1;
    renumber_slots(t, ds->id_rank);
    rj.col = ds->tx_customer;
    rj.rank = ds->id_rank;
    rj.n = ds->ntx;
    /* Jobs never fail, so neither does this. */
    (void)custseg__run_jobs((ds->ntx + REMAP_ROWS - 1) / REMAP_ROWS,
                            ds->threads, remap_rows, &rj);
    if (ds->kind == CUSTSEG__DS_SUMMARY) {
        permute64(ds->sum_recency, ds->by_id, n, tmp);
        permute64(ds->sum_frequency, ds->by_id, n, tmp);
        permute64(ds->sum_monetary, ds->by_id, n, tmp);
    }
    custseg__custdata_renumber(ds, tmp);
    for (i = 0; i < n; i++)
        ds->by_id[i] = ds->id_rank[i] = (uint32_t)i;
    custseg__free(tmp);
    return CUSTSEG_OK;
}
