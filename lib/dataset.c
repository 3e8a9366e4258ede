/*
 * dataset.c - the dataset handle: options, adding rows, freezing.
 *
 * Transactions are stored column by column (customer index, order index,
 * time, amount), 24 bytes a row, so a frozen dataset of millions of rows
 * stays compact and scans are sequential. Freezing computes the customers'
 * id order and the per-customer metrics once; strategies only read them.
 */
#include "attributes.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

const char *const custseg__role_names[CUSTSEG__ROLE_COUNT] = {
    "customer", "order", "time", "amount", "quantity", "price", "category",
    "recency", "frequency", "monetary"
};

static const char *const reason_names[CUSTSEG_REJECT_REASON_COUNT] = {
    "missing customer", "bad number", "bad date", "wrong field count",
    "return dropped", "duplicate customer", "missing value"
};

static void report_reset(custseg__report *r)
{
    int i, k;

    memset(r, 0, sizeof *r);
    for (i = 0; i < CUSTSEG_REJECT_REASON_COUNT; i++)
        for (k = 0; k < CUSTSEG__REPORT_LINES; k++)
            r->first_lines[i][k] = -1;
}

int custseg_dataset_new(custseg_dataset **out)
{
    custseg_dataset *ds;

    if (out == NULL)
        return CUSTSEG_EINVAL;
    *out = NULL;
    ds = custseg__calloc(1, sizeof *ds);
    if (ds == NULL)
        return CUSTSEG_ENOMEM;
    custseg__err_clear(&ds->err);
    ds->header = 1;
    ds->threads = 1;
    ds->delimiter = ',';
    ds->min_time = INT64_MAX;
    ds->max_time = INT64_MIN;
    ds->default_as_of_day = INT64_MIN;
    custseg__strtab_init(&ds->customers);
    custseg__strtab_init(&ds->orders);
    custseg__strtab_init(&ds->categories);
    report_reset(&ds->report);
    *out = ds;
    return CUSTSEG_OK;
}

void custseg_dataset_free(custseg_dataset *ds)
{
    int i;

    if (ds == NULL)
        return;
    for (i = 0; i < CUSTSEG__ROLE_COUNT; i++)
        custseg__free(ds->map[i]);
    custseg__strtab_free(&ds->customers);
    custseg__strtab_free(&ds->orders);
    custseg__strtab_free(&ds->categories);
    custseg__free(ds->tx_customer);
    custseg__free(ds->tx_order);
    custseg__free(ds->tx_time);
    custseg__free(ds->tx_amount);
    custseg__free(ds->tx_category);
    custseg__free(ds->sum_recency);
    custseg__free(ds->sum_frequency);
    custseg__free(ds->sum_monetary);
    custseg__free(ds->by_id);
    custseg__free(ds->id_rank);
    custseg__metrics_free(&ds->metrics);
    custseg__custdata_free(ds->cd);
    custseg__free(ds);
}

const char *custseg_dataset_errmsg(const custseg_dataset *ds)
{
    return ds == NULL ? "no dataset" : ds->err.msg;
}

int64_t custseg_dataset_error_line(const custseg_dataset *ds)
{
    return ds == NULL ? -1 : ds->err.line;
}

int64_t custseg_dataset_error_column(const custseg_dataset *ds)
{
    return ds == NULL ? -1 : ds->err.column;
}

static int check_mutable(custseg_dataset *ds)
{
    if (ds->frozen)
        return custseg__err_set(&ds->err, CUSTSEG_EMISUSE,
                                "dataset is frozen (read-only)");
    return CUSTSEG_OK;
}

int custseg_dataset_set_int(custseg_dataset *ds, const char *name,
                            int64_t value)
{
    int rc;

    if (ds == NULL || name == NULL)
        return CUSTSEG_EINVAL;
    custseg__err_clear(&ds->err);
    if ((rc = check_mutable(ds)) != CUSTSEG_OK)
        return rc;
    if (strcmp(name, "header") == 0 || strcmp(name, "drop_returns") == 0) {
        if (value != 0 && value != 1)
            return custseg__err_set(&ds->err, CUSTSEG_EINVAL,
                                    "option %s: %" PRId64 " is not 0 or 1",
                                    name, value);
        *(name[0] == 'h' ? &ds->header : &ds->drop_returns) = (int)value;
        return CUSTSEG_OK;
    }
    if (strcmp(name, "threads") == 0) {
        if (value < 1 || value > 256)
            return custseg__err_set(&ds->err, CUSTSEG_EINVAL,
                                    "option threads: %" PRId64
                                    " is outside 1..256", value);
        ds->threads = (int)value;
        return CUSTSEG_OK;
    }
    if (strcmp(name, "delimiter") == 0)
        return custseg__err_set(&ds->err, CUSTSEG_EINVAL,
                                "option delimiter is a string option");
    return custseg__err_set(&ds->err, CUSTSEG_ENOTFOUND,
                            "unknown dataset option \"%s\" (options: "
                            "header, drop_returns, threads, delimiter)",
                            name);
}

int custseg_dataset_set_string(custseg_dataset *ds, const char *name,
                               const char *value)
{
    int rc;

    if (ds == NULL || name == NULL || value == NULL)
        return CUSTSEG_EINVAL;
    custseg__err_clear(&ds->err);
    if ((rc = check_mutable(ds)) != CUSTSEG_OK)
        return rc;
    if (strcmp(name, "delimiter") != 0) {
        if (strcmp(name, "header") == 0 || strcmp(name, "threads") == 0 ||
            strcmp(name, "drop_returns") == 0)
            return custseg__err_set(&ds->err, CUSTSEG_EINVAL,
                                    "option %s is an integer option", name);
        return custseg__err_set(&ds->err, CUSTSEG_ENOTFOUND,
                                "unknown dataset option \"%s\"", name);
    }
    if (strcmp(value, "whitespace") == 0) {
        ds->delimiter = -1;
        return CUSTSEG_OK;
    }
    if (strlen(value) != 1 || value[0] == '"' || value[0] == '\r' ||
        value[0] == '\n')
        return custseg__err_set(&ds->err, CUSTSEG_EINVAL,
                                "option delimiter: \"%s\" is not one byte "
                                "(other than a quote or line end) or "
                                "\"whitespace\"", value);
    ds->delimiter = (unsigned char)value[0];
    return CUSTSEG_OK;
}

int custseg_dataset_map_column(custseg_dataset *ds, const char *role,
                               const char *column)
{
    char *copy = NULL;
    int i, rc;

    if (ds == NULL || role == NULL)
        return CUSTSEG_EINVAL;
    custseg__err_clear(&ds->err);
    if ((rc = check_mutable(ds)) != CUSTSEG_OK)
        return rc;
    if (strncmp(role, "attr:", 5) == 0) /* attributes.c */
        return custseg__attr_map(ds, role + 5, column);
    for (i = 0; i < CUSTSEG__ROLE_COUNT; i++)
        if (strcmp(role, custseg__role_names[i]) == 0)
            break;
    if (i == CUSTSEG__ROLE_COUNT)
        return custseg__err_set(&ds->err, CUSTSEG_ENOTFOUND,
                                "unknown column role \"%s\" (roles: customer,"
                                " order, time, amount, quantity, price, "
                                "category, recency, frequency, monetary, "
                                "attr:NAME)",
                                role);
    if (column != NULL) {
        if (*column == '\0')
            return custseg__err_set(&ds->err, CUSTSEG_EINVAL,
                                    "empty column name for role %s", role);
        if ((copy = custseg__strdup(column)) == NULL)
            return custseg__err_set(&ds->err, CUSTSEG_ENOMEM,
                                    "out of memory");
    }
    custseg__free(ds->map[i]);
    ds->map[i] = copy;
    return CUSTSEG_OK;
}

void custseg_dataset_set_progress(custseg_dataset *ds, custseg_progress_fn fn,
                                  void *payload)
{
    if (ds == NULL)
        return;
    ds->progress = fn;
    ds->progress_payload = payload;
}

int64_t custseg_dataset_rows_read(const custseg_dataset *ds)
{
    return ds == NULL ? 0 : ds->report.read;
}

int64_t custseg_dataset_rows_accepted(const custseg_dataset *ds)
{
    return ds == NULL ? 0 : ds->report.accepted;
}

int64_t custseg_dataset_rows_rejected(const custseg_dataset *ds, int reason)
{
    if (ds == NULL || reason < 0 || reason >= CUSTSEG_REJECT_REASON_COUNT)
        return 0;
    return ds->report.rejected[reason];
}

int64_t custseg_dataset_reject_line(const custseg_dataset *ds, int reason,
                                    int k)
{
    if (ds == NULL || reason < 0 || reason >= CUSTSEG_REJECT_REASON_COUNT ||
        k < 0 || k >= CUSTSEG__REPORT_LINES)
        return -1;
    return ds->report.first_lines[reason][k];
}

const char *custseg_reject_reason_name(int reason)
{
    if (reason < 0 || reason >= CUSTSEG_REJECT_REASON_COUNT)
        return "unknown reason";
    return reason_names[reason];
}

int custseg__dataset_require_kind(custseg_dataset *ds, int kind)
{
    /* Summary arrays are indexed by customer, so they cannot start
     * after attributes or events have added customers of their own. */
    if (ds->kind == CUSTSEG__DS_EMPTY && kind == CUSTSEG__DS_SUMMARY &&
        ds->customers.count > 0)
        return custseg__err_set(&ds->err, CUSTSEG_EMISUSE,
                                "customer summaries must be added before "
                                "attributes or events");
    if (ds->kind == CUSTSEG__DS_EMPTY) {
        ds->kind = kind;
        return CUSTSEG_OK;
    }
    if (ds->kind == kind)
        return CUSTSEG_OK;
    return custseg__err_set(&ds->err, CUSTSEG_EMISUSE,
                            "dataset holds %s; it cannot also take %s",
                            ds->kind == CUSTSEG__DS_SUMMARY ?
                                "customer summaries" : "transactions",
                            kind == CUSTSEG__DS_SUMMARY ?
                                "customer summaries" : "transactions");
}

static int resize(void **p, size_t n, size_t elem)
{
    void *q = custseg__realloc(*p, n * elem);

    if (q == NULL)
        return CUSTSEG_ENOMEM;
    *p = q;
    return CUSTSEG_OK;
}

/* Make room for `more` transactions in every column. A failure leaves
 * some columns larger than captx, which is harmless: captx only grows
 * once every column has the new size. */
int custseg__dataset_reserve(custseg_dataset *ds, size_t more,
                            bool category)
{
    size_t need, cap = ds->captx < 1024 ? 1024 : ds->captx, i;
    int rc = CUSTSEG_OK;

    if (!custseg__add_size(ds->ntx, more, &need) ||
        need > CUSTSEG_MAX_TRANSACTIONS)
        return custseg__err_set(&ds->err, CUSTSEG_ELIMIT,
                                "more than %zu transactions",
                                (size_t)CUSTSEG_MAX_TRANSACTIONS);
    while (cap < need)
        cap *= 2; /* need <= MAX_TRANSACTIONS keeps this finite */
    /* Never room past the limit: the CSV loader fills whatever room there
     * is without asking again, and must meet the limit at the right row. */
    if (cap > CUSTSEG_MAX_TRANSACTIONS)
        cap = CUSTSEG_MAX_TRANSACTIONS;
    if (need > ds->captx) {
        rc = resize((void **)&ds->tx_customer, cap, 4);
        if (rc == CUSTSEG_OK)
            rc = resize((void **)&ds->tx_order, cap, 4);
        if (rc == CUSTSEG_OK)
            rc = resize((void **)&ds->tx_time, cap, 8);
        if (rc == CUSTSEG_OK)
            rc = resize((void **)&ds->tx_amount, cap, 8);
        if (rc == CUSTSEG_OK && ds->tx_category != NULL)
            rc = resize((void **)&ds->tx_category, cap, 4);
        if (rc != CUSTSEG_OK)
            return custseg__err_set(&ds->err, rc, "out of memory");
        ds->captx = cap;
    }
    if (category && ds->tx_category == NULL) {
        if (resize((void **)&ds->tx_category, ds->captx, 4) != CUSTSEG_OK)
            return custseg__err_set(&ds->err, CUSTSEG_ENOMEM,
                                    "out of memory");
        for (i = 0; i < ds->ntx; i++)
            ds->tx_category[i] = CUSTSEG__NONE;
    }
    return CUSTSEG_OK;
}

void custseg__dataset_trim(custseg_dataset *ds)
{
    size_t cap;

    if (ds->ntx == 0 || ds->ntx >= ds->captx)
        return;
    cap = ds->captx;
    custseg__shrink((void **)&ds->tx_customer, &cap, ds->ntx, 4);
    cap = ds->captx;
    custseg__shrink((void **)&ds->tx_order, &cap, ds->ntx, 4);
    cap = ds->captx;
    custseg__shrink((void **)&ds->tx_time, &cap, ds->ntx, 8);
    cap = ds->captx;
    custseg__shrink((void **)&ds->tx_amount, &cap, ds->ntx, 8);
    cap = ds->captx;
    if (ds->tx_category != NULL)
        custseg__shrink((void **)&ds->tx_category, &cap, ds->ntx, 4);
    ds->captx = ds->ntx; /* a failed shrink only keeps more memory */
}

int custseg__dataset_append(custseg_dataset *ds, size_t n,
                            const uint32_t *customer, const uint32_t *order,
                            const int64_t *time, const int64_t *amount,
                            const uint32_t *category)
{
    size_t i, base;
    int rc;

    if (n == 0)
        return CUSTSEG_OK;
    if ((rc = custseg__dataset_reserve(ds, n, category != NULL)) !=
        CUSTSEG_OK)
        return rc;
    base = ds->ntx;
    memcpy(ds->tx_customer + base, customer, n * sizeof *customer);
    if (order != NULL)
        memcpy(ds->tx_order + base, order, n * sizeof *order);
    else
        for (i = 0; i < n; i++)
            ds->tx_order[base + i] = CUSTSEG__NONE;
    memcpy(ds->tx_time + base, time, n * sizeof *time);
    memcpy(ds->tx_amount + base, amount, n * sizeof *amount);
    if (ds->tx_category != NULL) {
        for (i = 0; i < n; i++)
            ds->tx_category[base + i] =
                category != NULL ? category[i] : CUSTSEG__NONE;
    }
    for (i = 0; i < n; i++) {
        if (time[i] < ds->min_time)
            ds->min_time = time[i];
        if (time[i] > ds->max_time)
            ds->max_time = time[i];
    }
    ds->ntx += n;
    return CUSTSEG_OK;
}

int custseg__dataset_append_summary(custseg_dataset *ds, uint32_t customer,
                                    int64_t recency, int64_t frequency,
                                    int64_t monetary)
{
    size_t c1 = ds->capsum, c2 = ds->capsum, c3 = ds->capsum;
    int rc;

    if ((size_t)customer + 1 > ds->capsum) {
        rc = custseg__grow((void **)&ds->sum_recency, &c1, customer + 1, 8);
        if (rc == CUSTSEG_OK)
            rc = custseg__grow((void **)&ds->sum_frequency, &c2,
                               customer + 1, 8);
        if (rc == CUSTSEG_OK)
            rc = custseg__grow((void **)&ds->sum_monetary, &c3,
                               customer + 1, 8);
        if (rc != CUSTSEG_OK)
            return custseg__err_set(&ds->err, rc, "out of memory");
        ds->capsum = c1;
    }
    ds->sum_recency[customer] = recency;
    ds->sum_frequency[customer] = frequency;
    ds->sum_monetary[customer] = monetary;
    return CUSTSEG_OK;
}
