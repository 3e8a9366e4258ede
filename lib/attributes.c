/*
 * attributes.c - customer attributes: storage, the set calls, "attr:"
 * column maps, and what freeze does with them.
 *
 * The layout is described in attributes.h. Every set call is all or
 * nothing: ids and values are interned first (and removed again on
 * failure), the column is grown next, and values are written last, when
 * nothing can fail any more.
 */
#include "attributes.h"

#include <inttypes.h>
#include <string.h>

/* ------------------------------------------------------------ the block */

int custseg__custdata_get(custseg_dataset *ds, custseg__custdata **out)
{
    *out = ds->cd;
    if (ds->cd == NULL) {
        ds->cd = custseg__calloc(1, sizeof *ds->cd);
        if (ds->cd == NULL)
            return custseg__err_set(&ds->err, CUSTSEG_ENOMEM,
                                    "out of memory");
        custseg__strtab_init(&ds->cd->ev.names);
    }
    *out = ds->cd;
    return CUSTSEG_OK;
}

static void attr_free(custseg__attr *a)
{
    custseg__free(a->name);
    custseg__free(a->num);
    custseg__free(a->str);
    custseg__free(a->when);
    custseg__strtab_free(&a->values);
}

void custseg__custdata_free(custseg__custdata *cd)
{
    size_t i;

    if (cd == NULL)
        return;
    for (i = 0; i < cd->nattrs; i++)
        attr_free(&cd->attrs[i]);
    custseg__free(cd->attrs);
    for (i = 0; i < cd->nmaps; i++) {
        custseg__free(cd->maps[i].name);
        custseg__free(cd->maps[i].column);
    }
    custseg__free(cd->maps);
    custseg__strtab_free(&cd->ev.names);
    custseg__free(cd->ev.customer);
    custseg__free(cd->ev.name);
    custseg__free(cd->ev.time);
    custseg__free(cd->ev.value);
    custseg__free(cd->ev.start);
    custseg__free(cd);
}

size_t custseg__custdata_memory(const custseg__custdata *cd)
{
    size_t bytes, i;

    if (cd == NULL)
        return 0;
    bytes = sizeof *cd + cd->capattrs * sizeof *cd->attrs;
    for (i = 0; i < cd->nattrs; i++) {
        const custseg__attr *a = &cd->attrs[i];
        bytes += a->cap * (a->type == CUSTSEG_ATTR_NUMBER ? 8 : 4);
        bytes += a->when != NULL ? a->cap * 8 : 0;
        bytes += custseg__strtab_memory(&a->values);
    }
    bytes += cd->ev.cap * (4 + 4 + 8 + 8);
    bytes += custseg__strtab_memory(&cd->ev.names);
    return bytes;
}

/* ------------------------------------------------------------ columns */

const custseg__attr *custseg__attr_find(const custseg_dataset *ds,
                                        const char *name, size_t len)
{
    size_t i;

    if (ds->cd == NULL)
        return NULL;
    for (i = 0; i < ds->cd->nattrs; i++) {
        const char *s = ds->cd->attrs[i].name;
        if (strncmp(s, name, len) == 0 && s[len] == '\0')
            return &ds->cd->attrs[i];
    }
    return NULL;
}

static const char *type_name(int type)
{
    return type == CUSTSEG_ATTR_NUMBER ? "numbers" : "strings";
}

int custseg__attr_get(custseg_dataset *ds, const char *name, int type,
                      custseg__attr **out, bool *created)
{
    custseg__custdata *cd;
    custseg__attr *a;
    int rc;

    *created = false;
    if (name == NULL || *name == '\0')
        return custseg__err_set(&ds->err, CUSTSEG_EINVAL,
                                "empty attribute name");
    if ((rc = custseg__custdata_get(ds, &cd)) != CUSTSEG_OK)
        return rc;
    a = (custseg__attr *)custseg__attr_find(ds, name, strlen(name));
    if (a != NULL && a->type != type)
        return custseg__err_set(&ds->err, CUSTSEG_EINVAL,
                                "attribute %s holds %s, not %s", name,
                                type_name(a->type), type_name(type));
    if (a == NULL) {
        if (custseg__grow((void **)&cd->attrs, &cd->capattrs,
                          cd->nattrs + 1, sizeof *cd->attrs) != CUSTSEG_OK)
            return custseg__err_set(&ds->err, CUSTSEG_ENOMEM,
                                    "out of memory");
        a = &cd->attrs[cd->nattrs];
        memset(a, 0, sizeof *a);
        custseg__strtab_init(&a->values);
        a->type = type;
        if ((a->name = custseg__strdup(name)) == NULL)
            return custseg__err_set(&ds->err, CUSTSEG_ENOMEM,
                                    "out of memory");
        cd->nattrs++;
        *created = true;
    }
    *out = a;
    return CUSTSEG_OK;
}

void custseg__attr_drop_last(custseg_dataset *ds)
{
    if (ds->cd != NULL && ds->cd->nattrs > 0)
        attr_free(&ds->cd->attrs[--ds->cd->nattrs]);
}

/* Grow one column to cap entries; new entries (from old) get no value. */
static int grow_column(void **p, size_t old, size_t cap, size_t elem,
                       int type)
{
    void *q = custseg__realloc(*p, cap * elem);
    size_t i;

    if (q == NULL)
        return CUSTSEG_ENOMEM;
    *p = q;
    for (i = old; i < cap; i++) {
        if (type == CUSTSEG_ATTR_NUMBER)
            ((double *)q)[i] = NAN;
        else if (type == CUSTSEG_ATTR_STRING)
            ((uint32_t *)q)[i] = CUSTSEG__NONE;
        else
            ((int64_t *)q)[i] = INT64_MIN;
    }
    return CUSTSEG_OK;
}

int custseg__attr_reserve(custseg__attr *a, size_t n)
{
    size_t cap = a->cap < 64 ? 64 : a->cap;
    int rc;

    if (n <= a->n)
        return CUSTSEG_OK;
    if (n > a->cap) {
        while (cap < n)
            cap *= 2;
        rc = a->type == CUSTSEG_ATTR_NUMBER
                 ? grow_column((void **)&a->num, a->cap, cap, 8, a->type)
                 : grow_column((void **)&a->str, a->cap, cap, 4, a->type);
        if (rc == CUSTSEG_OK && a->when != NULL)
            rc = grow_column((void **)&a->when, a->cap, cap, 8, 0);
        if (rc != CUSTSEG_OK)
            return rc; /* a grown column is harmless: cap did not move */
        a->cap = cap;
    }
    a->n = n;
    return CUSTSEG_OK;
}

/* ------------------------------------------------------------ customers */

int custseg__customer_index(custseg_dataset *ds, const char *id,
                            size_t len, uint32_t *out)
{
    int rc;

    if (len == 0)
        return custseg__err_set(&ds->err, CUSTSEG_EINVAL,
                                "empty customer id");
    if (ds->kind == CUSTSEG__DS_SUMMARY) {
        /* Summary arrays are indexed by customer: a customer without a
         * summary would have none. */
        *out = custseg__strtab_find(&ds->customers, id, len);
        if (*out == CUSTSEG__NONE)
            return custseg__err_set(&ds->err, CUSTSEG_EINVAL,
                                    "customer %.*s is not in the dataset "
                                    "(a dataset of customer summaries "
                                    "takes attributes and events only for "
                                    "its customers)",
                                    len > 64 ? 64 : (int)len, id);
        return CUSTSEG_OK;
    }
    rc = custseg__strtab_intern(&ds->customers, id, len,
                                CUSTSEG_MAX_CUSTOMERS, out, NULL);
    if (rc == CUSTSEG_ELIMIT)
        return custseg__err_set(&ds->err, rc, "more than %" PRIu32
                                " customers", CUSTSEG_MAX_CUSTOMERS);
    if (rc != CUSTSEG_OK)
        return custseg__err_set(&ds->err, rc, "out of memory");
    return CUSTSEG_OK;
}

/* ------------------------------------------------------------ numbers */

static const double pow10_exact[23] = {
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22
};

/* Digits and exponent of "[-+]d[.d][e[-+]d]"; false when malformed. */
static bool scan_number(const char *s, size_t len, bool *neg,
                        uint64_t *mant, int *ndig, long *exp10)
{
    size_t i = 0;
    bool any = false;
    long e = 0, x = 0;
    int esign = 1;

    *neg = false;
    *mant = 0;
    *ndig = 0;
    if (i < len && (s[i] == '-' || s[i] == '+'))
        *neg = s[i++] == '-';
    for (; i < len && s[i] >= '0' && s[i] <= '9'; i++, any = true) {
        if (*ndig < 19 && (*mant != 0 || s[i] != '0')) {
            *mant = *mant * 10 + (uint64_t)(s[i] - '0');
            ++*ndig;
        } else if (*mant != 0) {
            e++; /* digits past 19: only their count matters */
            *ndig = 20;
        }
    }
    if (i < len && s[i] == '.') {
        for (i++; i < len && s[i] >= '0' && s[i] <= '9'; i++, any = true) {
            if (*ndig < 19 && (*mant != 0 || s[i] != '0')) {
                *mant = *mant * 10 + (uint64_t)(s[i] - '0');
                ++*ndig;
                e--;
            } else if (*mant == 0) {
                e--;
            } else {
                *ndig = 20;
            }
        }
    }
    if (!any)
        return false;
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < len && (s[i] == '-' || s[i] == '+'))
            esign = s[i++] == '-' ? -1 : 1;
        if (i >= len || s[i] < '0' || s[i] > '9')
            return false;
        for (; i < len && s[i] >= '0' && s[i] <= '9'; i++)
            if (x < 100000)
                x = x * 10 + (s[i] - '0');
    }
    *exp10 = e + esign * x;
    return i == len;
}

/* Exact when the digits fit in 53 bits and the power of ten is exact
 * (Clinger's fast path): then one rounding gives the nearest double, as
 * strtod would, without strtod's dependence on the locale. Longer
 * numbers are computed in long double, good to within an ulp. */
bool custseg__parse_number(const char *s, size_t len, double *out)
{
    bool neg;
    uint64_t mant;
    int ndig;
    long e;
    double v;

    if (!scan_number(s, len, &neg, &mant, &ndig, &e))
        return false;
    if (mant == 0) {
        v = 0.0;
    } else if (ndig <= 15 && e >= -22 && e <= 22) {
        v = e < 0 ? (double)mant / pow10_exact[-e]
                  : (double)mant * pow10_exact[e];
    } else if (e < -400 || e > 400) {
        return false;
    } else {
        long double x = (long double)mant;
        long k;
        for (k = 0; k < (e < 0 ? -e : e); k++)
            x = e < 0 ? x / 10.0L : x * 10.0L;
        v = (double)x;
    }
    if (!isfinite(v))
        return false;
    *out = neg ? -v : v;
    return true;
}

/* ------------------------------------------------------------ set calls */

static int begin(custseg_dataset *ds)
{
    custseg__err_clear(&ds->err);
    if (ds->frozen)
        return custseg__err_set(&ds->err, CUSTSEG_EMISUSE,
                                "dataset is frozen (read-only)");
    return CUSTSEG_OK;
}

/* A bulk call's undo point: customers, and the attribute's values. */
typedef struct mark {
    size_t customers, values;
    bool created;
} mark;

static int undo(custseg_dataset *ds, custseg__attr *a, const mark *m,
                int rc)
{
    custseg__strtab_truncate(&ds->customers, m->customers);
    if (m->created)
        custseg__attr_drop_last(ds);
    else if (a != NULL)
        custseg__strtab_truncate(&a->values, m->values);
    return rc;
}

static int check_number(custseg_dataset *ds, double v, size_t row)
{
    if (isinf(v))
        return custseg__err_set(&ds->err, CUSTSEG_EINVAL,
                                "row %zu: attribute value is infinite",
                                row);
    return CUSTSEG_OK;
}

static int check_offsets(custseg_dataset *ds, size_t n, const int64_t *off,
                         bool empty_ok, const char *what)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (off[i] < 0 || off[i + 1] < off[i] ||
            (!empty_ok && off[i + 1] == off[i]))
            return custseg__err_set(&ds->err, CUSTSEG_EINVAL,
                                    "row %zu: %s offsets not increasing%s",
                                    i, what, empty_ok ? "" : " (or empty)");
    return CUSTSEG_OK;
}

static void store_number(custseg__attr *a, uint32_t c, double v)
{
    a->num[c] = v;
    if (a->when != NULL)
        a->when[c] = INT64_MIN;
}

static void store_string(custseg__attr *a, uint32_t c, uint32_t v)
{
    a->str[c] = v;
    if (a->when != NULL)
        a->when[c] = INT64_MIN;
}

int custseg_dataset_set_attribute_number(custseg_dataset *ds,
                                         const char *customer,
                                         const char *name, double value)
{
    int64_t off[2];

    if (ds == NULL || customer == NULL)
        return CUSTSEG_EINVAL;
    off[0] = 0;
    off[1] = (int64_t)strlen(customer);
    return custseg_dataset_set_attributes_number(ds, name, 1, customer, off,
                                                 &value);
}

int custseg_dataset_set_attribute_string(custseg_dataset *ds,
                                         const char *customer,
                                         const char *name, const char *value)
{
    int64_t off[2], voff[2];

    if (ds == NULL || customer == NULL)
        return CUSTSEG_EINVAL;
    off[0] = voff[0] = 0;
    off[1] = (int64_t)strlen(customer);
    voff[1] = value != NULL ? (int64_t)strlen(value) : 0;
    return custseg_dataset_set_attributes_string(ds, name, 1, customer, off,
                                                 value != NULL ? value : "",
                                                 voff);
}

/* Intern the n customers into idx (the caller frees idx). */
static int intern_customers(custseg_dataset *ds, size_t n, const char *bytes,
                            const int64_t *off, uint32_t **idx)
{
    size_t i;
    int rc = CUSTSEG_OK;

    *idx = custseg__malloc((n ? n : 1) * sizeof **idx);
    if (*idx == NULL)
        return custseg__err_set(&ds->err, CUSTSEG_ENOMEM, "out of memory");
    for (i = 0; i < n && rc == CUSTSEG_OK; i++)
        rc = custseg__customer_index(ds, bytes + off[i],
                                     (size_t)(off[i + 1] - off[i]),
                                     &(*idx)[i]);
    return rc;
}

static int bulk_begin(custseg_dataset *ds, const char *name, size_t n,
                      const char *bytes, const int64_t *off)
{
    int rc;

    if ((rc = begin(ds)) != CUSTSEG_OK)
        return rc;
    if (name == NULL || *name == '\0')
        return custseg__err_set(&ds->err, CUSTSEG_EINVAL,
                                "empty attribute name");
    if (n > 0 && (bytes == NULL || off == NULL))
        return custseg__err_set(&ds->err, CUSTSEG_EINVAL,
                                "missing customer array");
    return n > 0 ? check_offsets(ds, n, off, false, "customer") : rc;
}

int custseg_dataset_set_attributes_number(custseg_dataset *ds,
                                          const char *name, size_t n,
                                          const char *customer_bytes,
                                          const int64_t *customer_offsets,
                                          const double *values)
{
    custseg__attr *a = NULL;
    uint32_t *idx = NULL;
    mark m;
    size_t i;
    int rc;

    if (ds == NULL)
        return CUSTSEG_EINVAL;
    rc = bulk_begin(ds, name, n, customer_bytes, customer_offsets);
    if (rc == CUSTSEG_OK && n > 0 && values == NULL)
        rc = custseg__err_set(&ds->err, CUSTSEG_EINVAL, "values is NULL");
    for (i = 0; rc == CUSTSEG_OK && i < n; i++)
        rc = check_number(ds, values[i], i);
    if (rc != CUSTSEG_OK)
        return rc;
    m.customers = ds->customers.count;
    m.values = 0;
    rc = custseg__attr_get(ds, name, CUSTSEG_ATTR_NUMBER, &a, &m.created);
    if (rc != CUSTSEG_OK)
        return rc;
    rc = intern_customers(ds, n, customer_bytes, customer_offsets, &idx);
    if (rc == CUSTSEG_OK && custseg__attr_reserve(a, ds->customers.count))
        rc = custseg__err_set(&ds->err, CUSTSEG_ENOMEM, "out of memory");
    if (rc == CUSTSEG_OK)
        for (i = 0; i < n; i++)
            store_number(a, idx[i], values[i]);
    custseg__free(idx);
    return rc == CUSTSEG_OK ? rc : undo(ds, a, &m, rc);
}

/* Value i's index in a's table; an empty value is none. */
static int intern_value(custseg_dataset *ds, custseg__attr *a,
                        const char *s, size_t len, uint32_t *out)
{
    int rc;

    *out = CUSTSEG__NONE;
    if (len == 0)
        return CUSTSEG_OK;
    rc = custseg__strtab_intern(&a->values, s, len, CUSTSEG_MAX_CUSTOMERS,
                                out, NULL);
    if (rc != CUSTSEG_OK)
        return custseg__err_set(&ds->err, rc, rc == CUSTSEG_ELIMIT
                                ? "too many distinct values"
                                : "out of memory");
    return CUSTSEG_OK;
}

int custseg_dataset_set_attributes_string(custseg_dataset *ds,
                                          const char *name, size_t n,
                                          const char *customer_bytes,
                                          const int64_t *customer_offsets,
                                          const char *value_bytes,
                                          const int64_t *value_offsets)
{
    custseg__attr *a = NULL;
    uint32_t *idx = NULL, *val = NULL;
    mark m;
    size_t i;
    int rc;

    if (ds == NULL)
        return CUSTSEG_EINVAL;
    rc = bulk_begin(ds, name, n, customer_bytes, customer_offsets);
    if (rc == CUSTSEG_OK && n > 0 &&
        (value_bytes == NULL || value_offsets == NULL))
        rc = custseg__err_set(&ds->err, CUSTSEG_EINVAL,
                              "missing value array");
    if (rc == CUSTSEG_OK && n > 0)
        rc = check_offsets(ds, n, value_offsets, true, "value");
    if (rc != CUSTSEG_OK)
        return rc;
    m.customers = ds->customers.count;
    rc = custseg__attr_get(ds, name, CUSTSEG_ATTR_STRING, &a, &m.created);
    if (rc != CUSTSEG_OK)
        return rc;
    m.values = a->values.count;
    rc = intern_customers(ds, n, customer_bytes, customer_offsets, &idx);
    if (rc == CUSTSEG_OK &&
        (val = custseg__malloc((n ? n : 1) * sizeof *val)) == NULL)
        rc = custseg__err_set(&ds->err, CUSTSEG_ENOMEM, "out of memory");
    for (i = 0; rc == CUSTSEG_OK && i < n; i++)
        rc = intern_value(ds, a, value_bytes + value_offsets[i],
                          (size_t)(value_offsets[i + 1] - value_offsets[i]),
                          &val[i]);
    if (rc == CUSTSEG_OK && custseg__attr_reserve(a, ds->customers.count))
        rc = custseg__err_set(&ds->err, CUSTSEG_ENOMEM, "out of memory");
    if (rc == CUSTSEG_OK)
        for (i = 0; i < n; i++)
            store_string(a, idx[i], val[i]);
    custseg__free(idx);
    custseg__free(val);
    return rc == CUSTSEG_OK ? rc : undo(ds, a, &m, rc);
}

/* ------------------------------------------------------------ reading */

size_t custseg_dataset_attribute_count(const custseg_dataset *ds)
{
    return ds == NULL || ds->cd == NULL ? 0 : ds->cd->nattrs;
}

const char *custseg_dataset_attribute_name(const custseg_dataset *ds,
                                           size_t i)
{
    if (ds == NULL || ds->cd == NULL || i >= ds->cd->nattrs)
        return NULL;
    return ds->cd->attrs[i].name;
}

int custseg_dataset_attribute_type(const custseg_dataset *ds, size_t i)
{
    if (ds == NULL || ds->cd == NULL || i >= ds->cd->nattrs)
        return 0;
    return ds->cd->attrs[i].type;
}

/* ------------------------------------------------------------ maps */

int custseg__attr_map(custseg_dataset *ds, const char *name,
                      const char *column)
{
    custseg__custdata *cd;
    custseg__attrmap *mp = NULL;
    char *copy = NULL;
    size_t i;
    int rc;

    if (*name == '\0')
        return custseg__err_set(&ds->err, CUSTSEG_EINVAL,
                                "empty attribute name in role \"attr:\"");
    if (column != NULL && *column == '\0')
        return custseg__err_set(&ds->err, CUSTSEG_EINVAL,
                                "empty column name for role attr:%s", name);
    if ((rc = custseg__custdata_get(ds, &cd)) != CUSTSEG_OK)
        return rc;
    for (i = 0; i < cd->nmaps; i++)
        if (strcmp(cd->maps[i].name, name) == 0)
            mp = &cd->maps[i];
    if (column == NULL) { /* remove: the last one takes its place */
        if (mp != NULL) {
            custseg__free(mp->name);
            custseg__free(mp->column);
            *mp = cd->maps[--cd->nmaps];
        }
        return CUSTSEG_OK;
    }
    if ((copy = custseg__strdup(column)) == NULL ||
        (mp == NULL && custseg__grow((void **)&cd->maps, &cd->capmaps,
                                     cd->nmaps + 1, sizeof *cd->maps))) {
        custseg__free(copy);
        return custseg__err_set(&ds->err, CUSTSEG_ENOMEM, "out of memory");
    }
    if (mp == NULL) {
        mp = &cd->maps[cd->nmaps];
        if ((mp->name = custseg__strdup(name)) == NULL) {
            custseg__free(copy);
            return custseg__err_set(&ds->err, CUSTSEG_ENOMEM,
                                    "out of memory");
        }
        mp->column = NULL;
        cd->nmaps++;
    }
    custseg__free(mp->column);
    mp->column = copy;
    return CUSTSEG_OK;
}

/* ------------------------------------------------------------ freeze */

int custseg__custdata_reserve(custseg_dataset *ds)
{
    custseg__custdata *cd = ds->cd;
    size_t i, n = ds->customers.count;

    for (i = 0; cd != NULL && i < cd->nattrs; i++)
        if (custseg__attr_reserve(&cd->attrs[i], n) != CUSTSEG_OK)
            return CUSTSEG_ENOMEM;
    return CUSTSEG_OK;
}

int custseg__custdata_freeze(custseg_dataset *ds)
{
    if (ds->cd == NULL)
        return CUSTSEG_OK;
    if (custseg__custdata_reserve(ds) != CUSTSEG_OK)
        return CUSTSEG_ENOMEM;
    return custseg__events_freeze(ds);
}

/* col[i] = old col[by_id[i]] for elem-byte elements, through tmp. */
static void permute(void *col, size_t elem, const uint32_t *by_id,
                    size_t n, int64_t *tmp)
{
    char *c = col, *t = (char *)tmp;
    size_t i;

    if (col == NULL)
        return;
    for (i = 0; i < n; i++)
        memcpy(t + i * elem, c + (size_t)by_id[i] * elem, elem);
    memcpy(col, tmp, n * elem);
}

void custseg__custdata_renumber(custseg_dataset *ds, int64_t *tmp)
{
    custseg__custdata *cd = ds->cd;
    size_t i, n = ds->customers.count;

    for (i = 0; cd != NULL && i < cd->nattrs; i++) {
        custseg__attr *a = &cd->attrs[i];
        permute(a->num, sizeof *a->num, ds->by_id, n, tmp);
        permute(a->str, sizeof *a->str, ds->by_id, n, tmp);
        permute(a->when, sizeof *a->when, ds->by_id, n, tmp);
    }
    for (i = 0; cd != NULL && i < cd->ev.n; i++)
        cd->ev.customer[i] = ds->id_rank[cd->ev.customer[i]];
}
