/*
 * attributes.h - private: customer attributes and events (attributes.c,
 * attributes_csv.c, events.c), read by strategies (prior, value, ...).
 *
 * Attributes are stored column by column, one column per name, indexed by
 * customer index. Numbers are doubles with NaN for "no value": values
 * themselves are always finite, so NaN is free, and it carries SQL NULL
 * through arithmetic for nothing. Strings are indexes into the column's
 * own table of distinct values (CUSTSEG__NONE = no value), so a rule on a
 * string is decided once per distinct value, not once per customer.
 * Freezing extends every column to all customers: afterwards num[c] and
 * str[c] are valid for every customer index c.
 *
 * Events are appended in any order and sorted at freeze into one run per
 * customer (CSR: start[c] .. start[c + 1]), ordered by (name, time, order
 * added) inside the run, so a windowed count is two binary searches.
 *
 * Everything lives in one block hanging off the dataset (ds->cd), NULL
 * until the first attribute, event or "attr:" map is set.
 */
#ifndef CUSTSEG_ATTRIBUTES_H
#define CUSTSEG_ATTRIBUTES_H

#include "internal.h"

#include <math.h>

typedef struct custseg__custdata custseg__custdata;

typedef struct custseg__attr {
    char *name;
    int type;               /* CUSTSEG_ATTR_NUMBER or CUSTSEG_ATTR_STRING */
    size_t n, cap;          /* customers covered: index < n */
    double *num;            /* numbers: the value, NaN = none */
    uint32_t *str;          /* strings: value index, CUSTSEG__NONE = none */
    int64_t *when;          /* time of the row a flat load took each value
                               from (INT64_MIN: set otherwise), or NULL
                               before the first flat load */
    custseg__strtab values; /* strings: the distinct values */
} custseg__attr;

typedef struct custseg__events {
    custseg__strtab names;  /* distinct event names */
    size_t n, cap;
    uint32_t *customer, *name;
    int64_t *time;          /* Unix seconds */
    double *value;          /* NaN = none */
    uint64_t *start;        /* after freeze: n customers + 1 offsets */
} custseg__events;

typedef struct custseg__attrmap {
    char *name;             /* attribute */
    char *column;           /* header name or 1-based position */
} custseg__attrmap;

struct custseg__custdata {
    custseg__attr *attrs;
    size_t nattrs, capattrs;
    custseg__events ev;
    custseg__attrmap *maps; /* "attr:NAME" roles of the transaction map */
    size_t nmaps, capmaps;
};

/* ------------------------------------------------------------ attributes.c */

/* ds->cd, created on first use. CUSTSEG_OK or CUSTSEG_ENOMEM (on ds). */
int custseg__custdata_get(custseg_dataset *ds, custseg__custdata **out);
void custseg__custdata_free(custseg__custdata *cd);
/* Called by freeze: extend the attribute columns to every customer and
 * sort the events. CUSTSEG_OK or CUSTSEG_ENOMEM (nothing changed). */
int custseg__custdata_freeze(custseg_dataset *ds);
/* Extend the attribute columns to every customer (CUSTSEG_ENOMEM). */
int custseg__custdata_reserve(custseg_dataset *ds);
/* Customer c becomes id_rank[c] (idorder.c): permute the attribute
 * columns (tmp: scratch of one int64 per customer) and the events'
 * customers. Cannot fail once the columns are reserved. */
void custseg__custdata_renumber(custseg_dataset *ds, int64_t *tmp);

/* ------------------------------------------------------------ idorder.c */

/* At freeze, after by_id is known: renumber customers in byte order of
 * id, so that by_id and id_rank become the identity. CUSTSEG_OK or
 * CUSTSEG_ENOMEM (nothing changed). */
int custseg__renumber_customers(custseg_dataset *ds);
size_t custseg__custdata_memory(const custseg__custdata *cd);

/* The attribute called name[0..len), or NULL. */
const custseg__attr *custseg__attr_find(const custseg_dataset *ds,
                                        const char *name, size_t len);
/* The value of customer c; NaN / CUSTSEG__NONE when it has none. */
static inline double custseg__attr_number(const custseg__attr *a,
                                          uint32_t c)
{
    return c < a->n ? a->num[c] : (double)NAN;
}
static inline uint32_t custseg__attr_string(const custseg__attr *a,
                                            uint32_t c)
{
    return c < a->n ? a->str[c] : CUSTSEG__NONE;
}

/* Find or create the attribute name of type type; *created says whether
 * it is new (undo with custseg__attr_drop_last). Errors are set on ds:
 * EINVAL (empty name, other type), ENOMEM. */
int custseg__attr_get(custseg_dataset *ds, const char *name, int type,
                      custseg__attr **out, bool *created);
void custseg__attr_drop_last(custseg_dataset *ds);
/* Let a cover customer indexes below n (new entries have no value). */
int custseg__attr_reserve(custseg__attr *a, size_t n);
/* Index of customer id[0..len), added when new. A dataset of customer
 * summaries takes only customers it has (EINVAL otherwise). Errors on
 * ds: EINVAL (empty id), ENOMEM, ELIMIT. */
int custseg__customer_index(custseg_dataset *ds, const char *id,
                            size_t len, uint32_t *out);
/* A number as attributes and rules write it: [-+]digits[.digits]
 * [e[-+]digits], finite, locale independent, correctly rounded in the
 * common case (see attributes.c). */
bool custseg__parse_number(const char *s, size_t len, double *out);
/* "attr:NAME" roles (custseg_dataset_map_column). */
int custseg__attr_map(custseg_dataset *ds, const char *name,
                      const char *column);

/* ------------------------------------------------------- attributes_csv.c */

/* The "attr:" columns of a transactions file the loader has just taken
 * (csv.c): each customer keeps the value of its most recent accepted row.
 * Errors on ds; on failure no attribute changed. */
int custseg__attrs_load_flat(custseg_dataset *ds, const char *data,
                             size_t len, const char *name);
/* Read a whole file (rules, customers, events); *out is freed with
 * custseg__free. Errors on e: EIO, ENOMEM. */
int custseg__read_file(custseg__err *e, const char *path, char **out,
                       size_t *len);
/* Split a "key=COL,key=COL" map into pairs (copies in *buf). Errors on
 * ds: EINVAL with the bad entry. */
int custseg__split_map(custseg_dataset *ds, const char *map, char **buf,
                       char ***keys, char ***cols, size_t *n);

/* ------------------------------------------------------------ events.c */

/* Index of event name[0..len), or CUSTSEG__NONE. */
uint32_t custseg__event_name(const custseg_dataset *ds, const char *name,
                             size_t len);
/* Events of frozen customer c named k with lo <= time <= hi. */
size_t custseg__events_count(const custseg__events *ev, uint32_t c,
                             uint32_t k, int64_t lo, int64_t hi);
/* Time of c's last event named k at or before hi, or INT64_MIN. */
int64_t custseg__events_last(const custseg__events *ev, uint32_t c,
                             uint32_t k, int64_t hi);
/* Append one event (customer already interned, name copied). */
int custseg__events_append(custseg_dataset *ds, uint32_t customer,
                           const char *name, size_t len, int64_t time,
                           double value);
int custseg__events_freeze(custseg_dataset *ds);

#endif /* CUSTSEG_ATTRIBUTES_H */
