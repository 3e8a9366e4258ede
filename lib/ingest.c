/*
 * ingest.c - adding transactions and customer summaries through the API:
 * one row at a time, or column by column in bulk.
 *
 * Every add is all or nothing: on failure the strings it interned are
 * removed again and the row count is left as it was, so a caller can fix
 * its input and retry on the same handle.
 */
#include "internal.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/* Year 1 to year 9999, the range every timestamp format can express. */
#define MIN_TIME (-62135596800LL)
#define MAX_TIME 253402300799LL

typedef struct undo {
    size_t customers, orders, categories;
} undo;

static undo mark(const custseg_dataset *ds)
{
    undo u;

    u.customers = ds->customers.count;
    u.orders = ds->orders.count;
    u.categories = ds->categories.count;
    return u;
}

static int rollback(custseg_dataset *ds, undo u, int rc)
{
    custseg__strtab_truncate(&ds->customers, u.customers);
    custseg__strtab_truncate(&ds->orders, u.orders);
    custseg__strtab_truncate(&ds->categories, u.categories);
    return rc;
}

static int begin(custseg_dataset *ds, int kind)
{
    custseg__err_clear(&ds->err);
    if (ds->frozen)
        return custseg__err_set(&ds->err, CUSTSEG_EMISUSE,
                                "dataset is frozen (read-only)");
    return custseg__dataset_require_kind(ds, kind);
}

static int intern(custseg_dataset *ds, custseg__strtab *t, const char *what,
                  const char *s, size_t len, uint32_t limit, uint32_t *out)
{
    int rc = custseg__strtab_intern(t, s, len, limit, out, NULL);

    if (rc == CUSTSEG_ELIMIT)
        return custseg__err_set(&ds->err, rc, "more than %" PRIu32 " %s",
                                limit, what);
    if (rc != CUSTSEG_OK)
        return custseg__err_set(&ds->err, rc, "out of memory");
    return CUSTSEG_OK;
}

static int check_time(custseg_dataset *ds, int64_t t, size_t row)
{
    if (t < MIN_TIME || t > MAX_TIME)
        return custseg__err_set(&ds->err, CUSTSEG_EINVAL,
                                "row %zu: time %" PRId64 " is outside years "
                                "1..9999", row, t);
    return CUSTSEG_OK;
}

static void note_time(custseg_dataset *ds, int64_t t)
{
    if (t < ds->min_time)
        ds->min_time = t;
    if (t > ds->max_time)
        ds->max_time = t;
}

int custseg_dataset_add_transaction(custseg_dataset *ds, const char *customer,
                                    const char *order, int64_t time,
                                    int64_t amount, const char *category)
{
    uint32_t c, o = CUSTSEG__NONE, k = CUSTSEG__NONE;
    undo u;
    int rc;

    if (ds == NULL)
        return CUSTSEG_EINVAL;
    if ((rc = begin(ds, CUSTSEG__DS_TRANSACTIONS)) != CUSTSEG_OK)
        return rc;
    if (customer == NULL || *customer == '\0')
        return custseg__err_set(&ds->err, CUSTSEG_EINVAL,
                                "empty customer id");
    if ((rc = check_time(ds, time, 0)) != CUSTSEG_OK)
        return rc;
    u = mark(ds);
    rc = intern(ds, &ds->customers, "customers", customer, strlen(customer),
                CUSTSEG_MAX_CUSTOMERS, &c);
    if (rc == CUSTSEG_OK && order != NULL)
        rc = intern(ds, &ds->orders, "orders", order, strlen(order),
                    CUSTSEG_MAX_ORDERS, &o);
    if (rc == CUSTSEG_OK && category != NULL)
        rc = intern(ds, &ds->categories, "categories", category,
                    strlen(category), CUSTSEG_MAX_CUSTOMERS, &k);
    if (rc == CUSTSEG_OK)
        rc = custseg__dataset_append(ds, 1, &c, &o, &time, &amount,
                                     category != NULL ? &k : NULL);
    return rc == CUSTSEG_OK ? rc : rollback(ds, u, rc);
}

/* Checks that don't touch the dataset, so a bad call changes nothing. */
static int check_columns(custseg_dataset *ds, size_t n, const char *bytes,
                         const int64_t *off, const char *obytes,
                         const int64_t *ooff, const int64_t *times,
                         const int64_t *amounts, const double *famounts)
{
    size_t i;
    int rc;

    if ((amounts == NULL) == (famounts == NULL))
        return custseg__err_set(&ds->err, CUSTSEG_EINVAL, "exactly one of "
                                "amounts and amounts_double must be given");
    if (times == NULL || (bytes != NULL && off == NULL) ||
        (obytes != NULL && ooff == NULL))
        return custseg__err_set(&ds->err, CUSTSEG_EINVAL,
                                "missing column array");
    for (i = 0; i < n; i++) {
        if ((rc = check_time(ds, times[i], i)) != CUSTSEG_OK)
            return rc;
        if (famounts != NULL && !isfinite(famounts[i]))
            return custseg__err_set(&ds->err, CUSTSEG_EINVAL,
                                    "row %zu: amount is not finite", i);
        if (off != NULL && (off[i] < 0 || off[i + 1] <= off[i]))
            return custseg__err_set(&ds->err, CUSTSEG_EINVAL,
                                    "row %zu: empty customer id or offsets "
                                    "not increasing", i);
        if (ooff != NULL && (ooff[i] < 0 || ooff[i + 1] < ooff[i]))
            return custseg__err_set(&ds->err, CUSTSEG_EINVAL,
                                    "row %zu: order offsets decrease", i);
    }
    return CUSTSEG_OK;
}

static int amount_of(custseg_dataset *ds, const int64_t *amounts,
                     const double *famounts, size_t i, int64_t *out)
{
    if (amounts != NULL) {
        *out = amounts[i];
        return CUSTSEG_OK;
    }
    if (custseg__double_to_e4(famounts[i], out) != 0)
        return custseg__err_set(&ds->err, CUSTSEG_ERANGE,
                                "row %zu: amount out of range", i);
    return CUSTSEG_OK;
}

typedef struct bulk {
    size_t n;
    const char *bytes, *obytes;
    const int64_t *off, *ooff, *keys, *okeys, *times, *amounts;
    const double *famounts;
} bulk;

static size_t key_text(char *buf, int64_t key)
{
    return custseg__format_int64(buf, key);
}

/* Intern row i's customer and order. */
static int intern_row(custseg_dataset *ds, const bulk *b, size_t i,
                      uint32_t *c, uint32_t *o)
{
    char buf[32];
    int rc;

    if (b->keys != NULL)
        rc = intern(ds, &ds->customers, "customers", buf,
                    key_text(buf, b->keys[i]), CUSTSEG_MAX_CUSTOMERS, c);
    else
        rc = intern(ds, &ds->customers, "customers", b->bytes + b->off[i],
                    (size_t)(b->off[i + 1] - b->off[i]),
                    CUSTSEG_MAX_CUSTOMERS, c);
    *o = CUSTSEG__NONE;
    if (rc == CUSTSEG_OK && b->okeys != NULL)
        rc = intern(ds, &ds->orders, "orders", buf,
                    key_text(buf, b->okeys[i]), CUSTSEG_MAX_ORDERS, o);
    else if (rc == CUSTSEG_OK && b->obytes != NULL)
        rc = intern(ds, &ds->orders, "orders", b->obytes + b->ooff[i],
                    (size_t)(b->ooff[i + 1] - b->ooff[i]),
                    CUSTSEG_MAX_ORDERS, o);
    return rc;
}

/* Write the rows straight into the reserved column space; the row count
 * moves only when every row is in, which makes the call all or nothing
 * without any per-row or per-call scratch memory. */
static int add_bulk(custseg_dataset *ds, const bulk *b)
{
    size_t i, base = ds->ntx;
    undo u = mark(ds);
    int rc;

    if ((rc = custseg__dataset_reserve(ds, b->n, false)) != CUSTSEG_OK)
        return rc;
    for (i = 0; i < b->n; i++) {
        rc = intern_row(ds, b, i, &ds->tx_customer[base + i],
                        &ds->tx_order[base + i]);
        if (rc == CUSTSEG_OK)
            rc = amount_of(ds, b->amounts, b->famounts, i,
                           &ds->tx_amount[base + i]);
        if (rc != CUSTSEG_OK)
            return rollback(ds, u, rc);
        ds->tx_time[base + i] = b->times[i];
        if (ds->tx_category != NULL)
            ds->tx_category[base + i] = CUSTSEG__NONE;
    }
    for (i = 0; i < b->n; i++)
        note_time(ds, b->times[i]);
    ds->ntx += b->n;
    return CUSTSEG_OK;
}

int custseg_dataset_add_columns(custseg_dataset *ds, size_t n,
                                const char *customer_bytes,
                                const int64_t *customer_offsets,
                                const char *order_bytes,
                                const int64_t *order_offsets,
                                const int64_t *times, const int64_t *amounts,
                                const double *amounts_double)
{
    bulk b;
    int rc;

    if (ds == NULL)
        return CUSTSEG_EINVAL;
    if ((rc = begin(ds, CUSTSEG__DS_TRANSACTIONS)) != CUSTSEG_OK)
        return rc;
    if (n == 0)
        return CUSTSEG_OK;
    if (customer_bytes == NULL)
        return custseg__err_set(&ds->err, CUSTSEG_EINVAL,
                                "customer_bytes is NULL");
    rc = check_columns(ds, n, customer_bytes, customer_offsets, order_bytes,
                       order_offsets, times, amounts, amounts_double);
    if (rc != CUSTSEG_OK)
        return rc;
    memset(&b, 0, sizeof b);
    b.n = n;
    b.bytes = customer_bytes;
    b.off = customer_offsets;
    b.obytes = order_bytes;
    b.ooff = order_offsets;
    b.times = times;
    b.amounts = amounts;
    b.famounts = amounts_double;
    return add_bulk(ds, &b);
}

int custseg_dataset_add_columns_keys(custseg_dataset *ds, size_t n,
                                     const int64_t *customer_keys,
                                     const int64_t *order_keys,
                                     const int64_t *times,
                                     const int64_t *amounts,
                                     const double *amounts_double)
{
    bulk b;
    int rc;

    if (ds == NULL)
        return CUSTSEG_EINVAL;
    if ((rc = begin(ds, CUSTSEG__DS_TRANSACTIONS)) != CUSTSEG_OK)
        return rc;
    if (n == 0)
        return CUSTSEG_OK;
    if (customer_keys == NULL)
        return custseg__err_set(&ds->err, CUSTSEG_EINVAL,
                                "customer_keys is NULL");
    rc = check_columns(ds, n, NULL, NULL, NULL, NULL, times, amounts,
                       amounts_double);
    if (rc != CUSTSEG_OK)
        return rc;
    memset(&b, 0, sizeof b);
    b.n = n;
    b.keys = customer_keys;
    b.okeys = order_keys;
    b.times = times;
    b.amounts = amounts;
    b.famounts = amounts_double;
    return add_bulk(ds, &b);
}

int custseg_dataset_add_customer(custseg_dataset *ds, const char *customer,
                                 int64_t recency_days, int64_t frequency,
                                 int64_t monetary)
{
    uint32_t c;
    bool added;
    undo u;
    int rc;

    if (ds == NULL)
        return CUSTSEG_EINVAL;
    if ((rc = begin(ds, CUSTSEG__DS_SUMMARY)) != CUSTSEG_OK)
        return rc;
    if (customer == NULL || *customer == '\0')
        return custseg__err_set(&ds->err, CUSTSEG_EINVAL,
                                "empty customer id");
    if (recency_days < 0 || frequency < 0)
        return custseg__err_set(&ds->err, CUSTSEG_EINVAL,
                                "customer %s: recency and frequency must not "
                                "be negative", customer);
    u = mark(ds);
    rc = custseg__strtab_intern(&ds->customers, customer, strlen(customer),
                                CUSTSEG_MAX_CUSTOMERS, &c, &added);
    if (rc == CUSTSEG_ELIMIT)
        return custseg__err_set(&ds->err, rc, "too many customers");
    if (rc != CUSTSEG_OK)
        return custseg__err_set(&ds->err, rc, "out of memory");
    if (!added)
        return custseg__err_set(&ds->err, CUSTSEG_EINVAL,
                                "customer %s was already added", customer);
    rc = custseg__dataset_append_summary(ds, c, recency_days, frequency,
                                         monetary);
    return rc == CUSTSEG_OK ? rc : rollback(ds, u, rc);
}
