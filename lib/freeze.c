/*
 * freeze.c - making a dataset read-only: id order, cached metrics, and
 * trimming every array to its final size.
 *
 * After freezing nothing in the dataset changes, so any number of runs may
 * read it concurrently without locks.
 */
#include "attributes.h"

#include <string.h>

static int sort_customers(custseg_dataset *ds)
{
    size_t n = ds->customers.count, i;
    int rc;

    ds->by_id = custseg__malloc(n * sizeof *ds->by_id);
    ds->id_rank = custseg__malloc(n * sizeof *ds->id_rank);
    if (ds->by_id == NULL || ds->id_rank == NULL)
        return CUSTSEG_ENOMEM;
    if ((rc = custseg__sort_ids(&ds->customers, ds->by_id)) != CUSTSEG_OK)
        return rc;
    for (i = 0; i < n; i++)
        ds->id_rank[ds->by_id[i]] = (uint32_t)i;
    return CUSTSEG_OK;
}

/* Give back the growth slack of every column; frozen data never grows. */
static void compact(custseg_dataset *ds)
{
    custseg__dataset_trim(ds);
    /* Order ids are only needed to tell orders apart while loading. */
    ds->norders = ds->orders.count;
    custseg__strtab_free(&ds->orders);
    custseg__strtab_drop_index(&ds->customers);
    custseg__shrink((void **)&ds->customers.bytes, &ds->customers.capbytes,
                    ds->customers.nbytes, 1);
    custseg__shrink((void **)&ds->customers.offsets,
                    &ds->customers.capoffsets, ds->customers.count + 1,
                    sizeof(uint64_t));
}

int custseg_dataset_freeze(custseg_dataset *ds)
{
    int rc;

    if (ds == NULL)
        return CUSTSEG_EINVAL;
    if (ds->frozen)
        return CUSTSEG_OK;
    custseg__err_clear(&ds->err);
    if (ds->customers.count == 0)
        return custseg__err_set(&ds->err, CUSTSEG_ENODATA,
                                "dataset has no customers");
    ds->norders = ds->orders.count;
    ds->default_as_of_day = ds->kind == CUSTSEG__DS_TRANSACTIONS
                                ? custseg__day_of(ds->max_time) + 1
                                : INT64_MIN;
    rc = sort_customers(ds);
    if (rc == CUSTSEG_OK) /* ids in byte order from here on (idorder.c) */
        rc = custseg__renumber_customers(ds);
    if (rc == CUSTSEG_OK)
        rc = custseg__metrics_compute(ds, ds->default_as_of_day,
                                      &ds->metrics);
    if (rc == CUSTSEG_OK && (rc = custseg__custdata_freeze(ds)) != 0)
        custseg__metrics_free(&ds->metrics); /* attributes.c */
    if (rc != CUSTSEG_OK) {
        custseg__free(ds->by_id);
        custseg__free(ds->id_rank);
        ds->by_id = ds->id_rank = NULL;
        if (rc == CUSTSEG_ERANGE)
            return custseg__err_set(&ds->err, rc, "a customer's net amount "
                                    "overflows the 64-bit money range");
        return custseg__err_set(&ds->err, rc, "out of memory");
    }
    compact(ds);
    ds->frozen = true;
    return CUSTSEG_OK;
}

size_t custseg_dataset_customer_count(const custseg_dataset *ds)
{
    return ds == NULL ? 0 : ds->customers.count;
}

size_t custseg_dataset_transaction_count(const custseg_dataset *ds)
{
    return ds == NULL ? 0 : ds->ntx;
}

size_t custseg_dataset_memory_bytes(const custseg_dataset *ds)
{
    size_t bytes, n;

    if (ds == NULL)
        return 0;
    n = ds->customers.count;
    bytes = sizeof *ds + custseg__strtab_memory(&ds->customers) +
            custseg__strtab_memory(&ds->orders) +
            custseg__strtab_memory(&ds->categories);
    bytes += ds->captx * (4 + 4 + 8 + 8);
    if (ds->tx_category != NULL)
        bytes += ds->captx * 4;
    bytes += ds->capsum * 3 * 8;
    if (ds->by_id != NULL)
        bytes += n * 2 * sizeof(uint32_t);
    if (ds->metrics.first_day != NULL)
        bytes += n * 5 * sizeof(int64_t);
    return bytes + custseg__custdata_memory(ds->cd);
}
