/*
 * attributes_csv.c - attributes and events from CSV files: a customers
 * file (one row per customer), an events file (one row per event), and
 * "attr:" columns of a flat transactions export, where every row repeats
 * its customer's attributes (Online Retail's Country).
 *
 * Rows are read with csv.c's row reader. Attribute values are staged per
 * column first (distinct values interned once, one slot per customer),
 * because a column's type is known only after its last row: a number
 * when every non-empty value parses as one, else a string. Committing
 * then allocates everything before it writes anything, so a failed load
 * changes no attribute.
 */
#include "attributes.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ------------------------------------------------------------ helpers */

int custseg__read_file(custseg__err *e, const char *path, char **out,
                       size_t *len)
{
    size_t cap = 0;
    char *buf = NULL;
    int fd = open(path, O_RDONLY), rc = CUSTSEG_OK;

    *out = NULL;
    *len = 0;
    if (fd < 0)
        return custseg__err_set(e, CUSTSEG_EIO, "%s: cannot open: %s", path,
                                strerror(errno));
    for (;;) {
        ssize_t got;
        if (*len == cap &&
            custseg__grow((void **)&buf, &cap, *len + 65536, 1) != 0) {
            rc = custseg__err_set(e, CUSTSEG_ENOMEM, "%s: out of memory",
                                  path);
            break;
        }
        got = read(fd, buf + *len, cap - *len);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            rc = custseg__err_set(e, CUSTSEG_EIO, "%s: cannot read: %s",
                                  path, strerror(errno));
            break;
        }
        if (got == 0)
            break;
        *len += (size_t)got;
    }
    close(fd);
    if (rc != CUSTSEG_OK) {
        custseg__free(buf);
        *len = 0;
        return rc;
    }
    *out = buf;
    return CUSTSEG_OK;
}

int custseg__split_map(custseg_dataset *ds, const char *map, char **buf,
                       char ***keys, char ***cols, size_t *n)
{
    size_t cap = 1, i;
    char *p;

    *n = 0;
    *keys = *cols = NULL;
    if (map == NULL || *map == '\0')
        return custseg__err_set(&ds->err, CUSTSEG_EINVAL, "empty map");
    for (p = (char *)map; *p; p++)
        cap += *p == ',';
    *buf = custseg__strdup(map);
    *keys = custseg__malloc(cap * sizeof **keys);
    *cols = custseg__malloc(cap * sizeof **cols);
    if (*buf == NULL || *keys == NULL || *cols == NULL)
        return custseg__err_set(&ds->err, CUSTSEG_ENOMEM, "out of memory");
    for (p = *buf, i = 0; i < cap; i++) {
        char *comma = strchr(p, ','), *eq;
        if (comma != NULL)
            *comma = '\0';
        eq = strchr(p, '=');
        if (eq == NULL || eq == p || eq[1] == '\0')
            return custseg__err_set(&ds->err, CUSTSEG_EINVAL, "map entry "
                                    "\"%s\" is not KEY=COLUMN", p);
        *eq = '\0';
        (*keys)[i] = p;
        (*cols)[i] = eq + 1;
        p = comma != NULL ? comma + 1 : p + strlen(p);
    }
    *n = cap;
    return CUSTSEG_OK;
}

static void free_map(char *buf, char **keys, char **cols)
{
    custseg__free(buf);
    custseg__free(keys);
    custseg__free(cols);
}

static void report_reset(custseg__report *r)
{
    int i, k;

    memset(r, 0, sizeof *r);
    for (i = 0; i < CUSTSEG_REJECT_REASON_COUNT; i++)
        for (k = 0; k < CUSTSEG__REPORT_LINES; k++)
            r->first_lines[i][k] = -1;
}

static void reject(custseg__report *r, int reason, int64_t line)
{
    int64_t k = r->rejected[reason]++;

    if (k < CUSTSEG__REPORT_LINES)
        r->first_lines[reason][k] = line;
}

static int begin(custseg_dataset *ds, const char *data, size_t len)
{
    custseg__err_clear(&ds->err);
    report_reset(&ds->report);
    if (ds->frozen)
        return custseg__err_set(&ds->err, CUSTSEG_EMISUSE,
                                "dataset is frozen (read-only)");
    if (data == NULL && len > 0)
        return custseg__err_set(&ds->err, CUSTSEG_EINVAL,
                                "data is NULL but len is %zu", len);
    return CUSTSEG_OK;
}

/* ------------------------------------------------------------ staging */

typedef struct stage {
    const char *name;      /* attribute */
    custseg__strtab vals;  /* distinct non-empty values */
    uint32_t *val;         /* per customer: value index, NONE = none */
    int64_t *when;         /* flat files: time of val[c] */
    size_t cap;
    int64_t text_line;     /* first line with a non-number, or -1 */
} stage;

static void stage_free(stage *st, size_t n)
{
    size_t j;

    for (j = 0; st != NULL && j < n; j++) {
        custseg__strtab_free(&st[j].vals);
        custseg__free(st[j].val);
        custseg__free(st[j].when);
    }
    custseg__free(st);
}

/* Cover customer c in every stage; new slots have no value. */
static int stage_reserve(stage *st, size_t n, uint32_t c, bool when)
{
    size_t j, i, cap;
    void *p;

    for (j = 0; j < n; j++) {
        if (c < st[j].cap)
            continue;
        cap = st[j].cap < 256 ? 256 : st[j].cap;
        while (cap <= c)
            cap *= 2;
        if ((p = custseg__realloc(st[j].val, cap * 4)) == NULL)
            return CUSTSEG_ENOMEM;
        st[j].val = p;
        if (when) {
            if ((p = custseg__realloc(st[j].when, cap * 8)) == NULL)
                return CUSTSEG_ENOMEM;
            st[j].when = p;
        }
        for (i = st[j].cap; i < cap; i++) {
            st[j].val[i] = CUSTSEG__NONE;
            if (when)
                st[j].when[i] = INT64_MIN;
        }
        st[j].cap = cap;
    }
    return CUSTSEG_OK;
}

/* Intern one non-empty value; note the first one that is no number. */
static int stage_value(stage *s, const custseg__csv_field *f, int64_t line,
                       uint32_t *out)
{
    bool added;
    double d;
    int rc;

    *out = CUSTSEG__NONE;
    if (f->len == 0)
        return CUSTSEG_OK;
    rc = custseg__strtab_intern(&s->vals, f->p, f->len,
                                CUSTSEG_MAX_CUSTOMERS, out, &added);
    if (rc == CUSTSEG_OK && added && s->text_line < 0 &&
        !custseg__parse_number(f->p, f->len, &d))
        s->text_line = line;
    return rc;
}

/* ------------------------------------------------------------ commit */

typedef struct commit {
    custseg_dataset *ds;
    stage *st;
    size_t n;
    const char *file;
    const uint8_t *touched; /* customers file: rows seen, or NULL (flat) */
    size_t ncust;           /* customers covered by the stages */
    size_t nattrs0;         /* attributes before the load */
    size_t *values0;        /* per stage: values of its attribute before */
    int *attr;              /* per stage: attribute index */
    double **num;           /* per stage: numbers of its distinct values */
    uint32_t **str;         /* per stage: attribute value indexes */
} commit;

static int stage_type(const commit *cm, size_t j)
{
    const custseg__attr *a =
        custseg__attr_find(cm->ds, cm->st[j].name, strlen(cm->st[j].name));

    if (a != NULL)
        return a->type;
    return cm->st[j].text_line < 0 && cm->st[j].vals.count > 0
               ? CUSTSEG_ATTR_NUMBER : CUSTSEG_ATTR_STRING;
}

/* A column of text cannot go into an attribute of numbers. */
static int check_types(commit *cm)
{
    size_t j;

    for (j = 0; j < cm->n; j++)
        if (stage_type(cm, j) == CUSTSEG_ATTR_NUMBER &&
            cm->st[j].text_line >= 0)
            return custseg__err_set_at(&cm->ds->err, CUSTSEG_EINVAL,
                                       cm->st[j].text_line, -1, "%s: line "
                                       "%" PRId64 ": attribute %s holds "
                                       "numbers, but this value is not one",
                                       cm->file, cm->st[j].text_line,
                                       cm->st[j].name);
    return CUSTSEG_OK;
}

/* Distinct values of stage j in the attribute's terms. */
static int convert(commit *cm, size_t j, custseg__attr *a)
{
    const custseg__strtab *v = &cm->st[j].vals;
    uint32_t i;
    size_t cnt = v->count ? v->count : 1;

    if (a->type == CUSTSEG_ATTR_NUMBER) {
        if ((cm->num[j] = custseg__malloc(cnt * sizeof(double))) == NULL)
            return CUSTSEG_ENOMEM;
        for (i = 0; i < v->count; i++)
            custseg__parse_number(custseg__strtab_get(v, i),
                                  custseg__strtab_len(v, i),
                                  &cm->num[j][i]);
        return CUSTSEG_OK;
    }
    if ((cm->str[j] = custseg__malloc(cnt * sizeof(uint32_t))) == NULL)
        return CUSTSEG_ENOMEM;
    for (i = 0; i < v->count; i++)
        if (custseg__strtab_intern(&a->values, custseg__strtab_get(v, i),
                                   custseg__strtab_len(v, i),
                                   CUSTSEG_MAX_CUSTOMERS, &cm->str[j][i],
                                   NULL) != CUSTSEG_OK)
            return CUSTSEG_ENOMEM;
    return CUSTSEG_OK;
}

/* Everything that can fail: attributes, room, value tables. */
static int prepare(commit *cm)
{
    custseg_dataset *ds = cm->ds;
    size_t j, i;
    bool created;
    int rc = CUSTSEG_OK;

    for (j = 0; j < cm->n && rc == CUSTSEG_OK; j++) {
        custseg__attr *a;
        rc = custseg__attr_get(ds, cm->st[j].name, stage_type(cm, j), &a,
                               &created);
        if (rc != CUSTSEG_OK)
            return rc;
        cm->attr[j] = (int)(a - ds->cd->attrs);
        cm->values0[j] = created ? 0 : a->values.count;
        if (custseg__attr_reserve(a, ds->customers.count) != CUSTSEG_OK)
            rc = CUSTSEG_ENOMEM;
        if (rc == CUSTSEG_OK && cm->touched == NULL && a->when == NULL) {
            if ((a->when = custseg__malloc(a->cap * 8)) == NULL)
                rc = CUSTSEG_ENOMEM;
            for (i = 0; rc == CUSTSEG_OK && i < a->cap; i++)
                a->when[i] = INT64_MIN;
        }
        if (rc == CUSTSEG_OK)
            rc = convert(cm, j, a);
    }
    if (rc != CUSTSEG_OK)
        return custseg__err_set(&ds->err, rc, "%s: out of memory",
                                cm->file);
    return CUSTSEG_OK;
}

static void undo(commit *cm)
{
    custseg_dataset *ds = cm->ds;
    size_t j;

    for (j = 0; j < cm->n && ds->cd != NULL; j++)
        if (cm->attr[j] >= 0 && (size_t)cm->attr[j] < cm->nattrs0)
            custseg__strtab_truncate(&ds->cd->attrs[cm->attr[j]].values,
                                     cm->values0[j]);
    while (ds->cd != NULL && ds->cd->nattrs > cm->nattrs0)
        custseg__attr_drop_last(ds);
}

/* Nothing fails here. */
static void write_values(commit *cm)
{
    size_t j, c;

    for (j = 0; j < cm->n; j++) {
        custseg__attr *a = &cm->ds->cd->attrs[cm->attr[j]];
        const stage *s = &cm->st[j];
        for (c = 0; c < cm->ncust && c < s->cap; c++) {
            uint32_t v = s->val[c];
            if (cm->touched != NULL ? !cm->touched[c]
                                    : v == CUSTSEG__NONE ||
                                          s->when[c] < a->when[c])
                continue;
            if (a->type == CUSTSEG_ATTR_NUMBER)
                a->num[c] = v == CUSTSEG__NONE ? NAN : cm->num[j][v];
            else
                a->str[c] = v == CUSTSEG__NONE ? CUSTSEG__NONE
                                               : cm->str[j][v];
            if (a->when != NULL)
                a->when[c] = cm->touched != NULL ? INT64_MIN : s->when[c];
        }
    }
}

static int commit_stages(commit *cm)
{
    custseg__custdata *cd;
    size_t j;
    int rc = check_types(cm);

    if (rc != CUSTSEG_OK)
        return rc;
    if ((rc = custseg__custdata_get(cm->ds, &cd)) != CUSTSEG_OK)
        return rc;
    cm->nattrs0 = cd->nattrs;
    cm->values0 = custseg__calloc(cm->n + 1, sizeof *cm->values0);
    cm->attr = custseg__malloc((cm->n + 1) * sizeof *cm->attr);
    cm->num = custseg__calloc(cm->n + 1, sizeof *cm->num);
    cm->str = custseg__calloc(cm->n + 1, sizeof *cm->str);
    if (cm->values0 == NULL || cm->attr == NULL || cm->num == NULL ||
        cm->str == NULL)
        rc = custseg__err_set(&cm->ds->err, CUSTSEG_ENOMEM,
                              "out of memory");
    for (j = 0; rc == CUSTSEG_OK && j < cm->n; j++)
        cm->attr[j] = -1;
    if (rc == CUSTSEG_OK && (rc = prepare(cm)) != CUSTSEG_OK)
        undo(cm);
    if (rc == CUSTSEG_OK)
        write_values(cm);
    for (j = 0; j < cm->n; j++) {
        if (cm->num != NULL)
            custseg__free(cm->num[j]);
        if (cm->str != NULL)
            custseg__free(cm->str[j]);
    }
    custseg__free(cm->values0);
    custseg__free(cm->attr);
    custseg__free(cm->num);
    custseg__free(cm->str);
    return rc;
}

static stage *stages_new(char **keys, size_t n)
{
    stage *st = custseg__calloc(n ? n : 1, sizeof *st);
    size_t j;

    for (j = 0; st != NULL && j < n; j++) {
        st[j].name = keys[j];
        st[j].text_line = -1;
        custseg__strtab_init(&st[j].vals);
    }
    return st;
}

/* ------------------------------------------------------------ customers */

typedef struct custload {
    custseg_dataset *ds;
    const char *file;
    stage *st;
    size_t n;               /* attribute columns */
    uint8_t *touched;       /* per customer: a row was read */
    size_t captouched;
} custload;

static int touch(custload *cl, uint32_t c)
{
    size_t old = cl->captouched;

    if (c < cl->captouched)
        return CUSTSEG_OK;
    if (custseg__grow((void **)&cl->touched, &cl->captouched, c + 1, 1))
        return CUSTSEG_ENOMEM;
    memset(cl->touched + old, 0, cl->captouched - old);
    return CUSTSEG_OK;
}

static int customer_row(void *payload, const custseg__csv_field *f,
                        int64_t line, bool complete)
{
    custload *cl = payload;
    custseg_dataset *ds = cl->ds;
    uint32_t c, v;
    size_t j;
    int rc;

    ds->report.read++;
    if (!complete) {
        reject(&ds->report, CUSTSEG_REJECT_FIELD_COUNT, line);
        return CUSTSEG_OK;
    }
    if (f[0].len == 0) {
        reject(&ds->report, CUSTSEG_REJECT_MISSING_CUSTOMER, line);
        return CUSTSEG_OK;
    }
    if ((rc = custseg__customer_index(ds, f[0].p, f[0].len, &c)) != 0)
        return custseg__err_set_at(&ds->err, rc, line, -1, "%s: line %"
                                   PRId64 ": %s", cl->file, line,
                                   ds->err.msg);
    rc = touch(cl, c);
    if (rc == CUSTSEG_OK)
        rc = stage_reserve(cl->st, cl->n, c, false);
    for (j = 0; rc == CUSTSEG_OK && j < cl->n; j++) {
        rc = stage_value(&cl->st[j], &f[j + 1], line, &v);
        cl->st[j].val[c] = v; /* a later row replaces an earlier one */
    }
    if (rc != CUSTSEG_OK)
        return custseg__err_set(&ds->err, rc, "%s: %s", cl->file,
                                rc == CUSTSEG_ELIMIT ? "too many values"
                                                     : "out of memory");
    cl->touched[c] = 1;
    ds->report.accepted++;
    return CUSTSEG_OK;
}

/* The map's id key first, then the attributes, as columns to read. */
static int customer_columns(custseg_dataset *ds, char **keys, char **cols,
                            size_t n, const char **out)
{
    size_t i, k = 1, j;

    out[0] = NULL;
    for (i = 0; i < n; i++) {
        for (j = 0; j < i; j++)
            if (strcmp(keys[i], keys[j]) == 0)
                return custseg__err_set(&ds->err, CUSTSEG_EINVAL, "map "
                                        "names %s twice", keys[i]);
        if (strcmp(keys[i], "id") == 0 || strcmp(keys[i], "customer") == 0)
            out[0] = cols[i];
        else if (k < n) { /* a map without id must not write past out */
            keys[k - 1] = keys[i]; /* attribute names, in order */
            out[k++] = cols[i];
        } else {
            k++; /* k != n below reports the missing id */
        }
    }
    if (out[0] == NULL || k != n)
        return custseg__err_set(&ds->err, CUSTSEG_EINVAL, "the map needs "
                                "exactly one id=COLUMN");
    return CUSTSEG_OK;
}

static int load_customers(custseg_dataset *ds, const char *data, size_t len,
                          const char *name, const char *map)
{
    custload cl;
    commit cm;
    char *buf = NULL, **keys = NULL, **cols = NULL;
    const char **want = NULL;
    size_t n;
    int rc = custseg__split_map(ds, map, &buf, &keys, &cols, &n);

    memset(&cl, 0, sizeof cl);
    cl.ds = ds;
    cl.file = name;
    if (rc == CUSTSEG_OK && (want = custseg__malloc(n * sizeof *want)) ==
                                NULL)
        rc = custseg__err_set(&ds->err, CUSTSEG_ENOMEM, "out of memory");
    if (rc == CUSTSEG_OK)
        rc = customer_columns(ds, keys, cols, n, want);
    cl.n = n - 1;
    if (rc == CUSTSEG_OK && (cl.st = stages_new(keys, cl.n)) == NULL)
        rc = custseg__err_set(&ds->err, CUSTSEG_ENOMEM, "out of memory");
    if (rc == CUSTSEG_OK)
        rc = custseg__csv_rows(ds, data, len, name, want, (int)n,
                               customer_row, &cl);
    if (rc == CUSTSEG_OK) {
        memset(&cm, 0, sizeof cm);
        cm.ds = ds;
        cm.st = cl.st;
        cm.n = cl.n;
        cm.file = name;
        cm.touched = cl.touched != NULL ? cl.touched : (const uint8_t *)"";
        cm.ncust = cl.captouched;
        rc = commit_stages(&cm);
    }
    stage_free(cl.st, cl.n);
    custseg__free(cl.touched);
    custseg__free(want);
    free_map(buf, keys, cols);
    return rc;
}

int custseg_dataset_load_customers_csv_buffer(custseg_dataset *ds,
                                              const char *data, size_t len,
                                              const char *name,
                                              const char *map)
{
    size_t customers;
    int rc;

    if (ds == NULL)
        return CUSTSEG_EINVAL;
    if ((rc = begin(ds, data, len)) != CUSTSEG_OK)
        return rc;
    customers = ds->customers.count;
    rc = load_customers(ds, data != NULL ? data : "", len,
                        name != NULL ? name : "<buffer>", map);
    if (rc != CUSTSEG_OK) { /* all or nothing */
        custseg__strtab_truncate(&ds->customers, customers);
        report_reset(&ds->report);
    }
    return rc;
}

int custseg_dataset_load_customers_csv(custseg_dataset *ds,
                                       const char *path, const char *map)
{
    char *data;
    size_t len;
    int rc;

    if (ds == NULL || path == NULL)
        return CUSTSEG_EINVAL;
    if ((rc = begin(ds, "", 0)) != CUSTSEG_OK ||
        (rc = custseg__read_file(&ds->err, path, &data, &len)) != CUSTSEG_OK)
        return rc;
    rc = custseg_dataset_load_customers_csv_buffer(ds, data, len, path, map);
    custseg__free(data);
    return rc;
}

/* ------------------------------------------------------------ events */

enum { EV_CUSTOMER, EV_NAME, EV_TIME, EV_VALUE, EV_KEYS };
static const char *const ev_keys[EV_KEYS] = {"customer", "name", "time",
                                             "value"};

typedef struct evload {
    custseg_dataset *ds;
    const char *file;
    bool has_value;
} evload;

/* Checks in a fixed order, so a rejected row has exactly one reason. */
static int event_reason(const evload *el, const custseg__csv_field *f,
                        bool complete, int64_t *t, double *v)
{
    *v = NAN;
    if (!complete)
        return CUSTSEG_REJECT_FIELD_COUNT;
    if (f[EV_CUSTOMER].len == 0)
        return CUSTSEG_REJECT_MISSING_CUSTOMER;
    if (f[EV_NAME].len == 0)
        return CUSTSEG_REJECT_MISSING_VALUE;
    if (f[EV_TIME].len == 0 ||
        custseg__parse_time(f[EV_TIME].p, f[EV_TIME].len, t) != 0)
        return CUSTSEG_REJECT_BAD_DATE;
    if (el->has_value && f[EV_VALUE].len > 0 &&
        !custseg__parse_number(f[EV_VALUE].p, f[EV_VALUE].len, v))
        return CUSTSEG_REJECT_BAD_NUMBER;
    return -1;
}

static int event_row(void *payload, const custseg__csv_field *f,
                     int64_t line, bool complete)
{
    evload *el = payload;
    custseg_dataset *ds = el->ds;
    int64_t t = 0;
    double v;
    uint32_t c;
    int reason, rc;

    ds->report.read++;
    if ((reason = event_reason(el, f, complete, &t, &v)) >= 0) {
        reject(&ds->report, reason, line);
        return CUSTSEG_OK;
    }
    rc = custseg__customer_index(ds, f[EV_CUSTOMER].p, f[EV_CUSTOMER].len,
                                 &c);
    if (rc == CUSTSEG_OK)
        rc = custseg__events_append(ds, c, f[EV_NAME].p, f[EV_NAME].len, t,
                                    v);
    if (rc != CUSTSEG_OK)
        return custseg__err_set_at(&ds->err, rc, line, -1, "%s: line %"
                                   PRId64 ": %s", el->file, line,
                                   ds->err.msg);
    ds->report.accepted++;
    return CUSTSEG_OK;
}

static int event_columns(custseg_dataset *ds, char **keys, char **cols,
                         size_t n, const char **want, bool *has_value)
{
    size_t i;
    int k;

    for (k = 0; k < EV_KEYS; k++)
        want[k] = NULL;
    for (i = 0; i < n; i++) {
        for (k = 0; k < EV_KEYS && strcmp(keys[i], ev_keys[k]) != 0; k++)
            ;
        if (k == EV_KEYS || want[k] != NULL)
            return custseg__err_set(&ds->err, CUSTSEG_EINVAL, "events map: "
                                    "%s key \"%s\" (keys: customer, name, "
                                    "time, value)", k == EV_KEYS
                                    ? "unknown" : "repeated", keys[i]);
        want[k] = cols[i];
    }
    if (want[EV_CUSTOMER] == NULL || want[EV_NAME] == NULL ||
        want[EV_TIME] == NULL)
        return custseg__err_set(&ds->err, CUSTSEG_EINVAL, "events map "
                                "needs customer, name and time");
    *has_value = want[EV_VALUE] != NULL;
    return CUSTSEG_OK;
}

int custseg_dataset_load_events_csv_buffer(custseg_dataset *ds,
                                           const char *data, size_t len,
                                           const char *name, const char *map)
{
    const char *want[EV_KEYS];
    char *buf = NULL, **keys = NULL, **cols = NULL;
    size_t n, customers, names = 0, events = 0;
    evload el;
    int rc;

    if (ds == NULL)
        return CUSTSEG_EINVAL;
    if ((rc = begin(ds, data, len)) != CUSTSEG_OK)
        return rc;
    el.ds = ds;
    el.file = name != NULL ? name : "<buffer>";
    customers = ds->customers.count;
    if (ds->cd != NULL) {
        names = ds->cd->ev.names.count;
        events = ds->cd->ev.n;
    }
    rc = custseg__split_map(ds, map, &buf, &keys, &cols, &n);
    if (rc == CUSTSEG_OK)
        rc = event_columns(ds, keys, cols, n, want, &el.has_value);
    if (rc == CUSTSEG_OK)
        rc = custseg__csv_rows(ds, data != NULL ? data : "", len, el.file,
                               want, el.has_value ? 4 : 3, event_row, &el);
    free_map(buf, keys, cols);
    if (rc != CUSTSEG_OK) { /* all or nothing */
        custseg__strtab_truncate(&ds->customers, customers);
        if (ds->cd != NULL) {
            custseg__strtab_truncate(&ds->cd->ev.names, names);
            ds->cd->ev.n = events;
        }
        report_reset(&ds->report);
    }
    return rc;
}

int custseg_dataset_load_events_csv(custseg_dataset *ds, const char *path,
                                    const char *map)
{
    char *data;
    size_t len;
    int rc;

    if (ds == NULL || path == NULL)
        return CUSTSEG_EINVAL;
    if ((rc = begin(ds, "", 0)) != CUSTSEG_OK ||
        (rc = custseg__read_file(&ds->err, path, &data, &len)) != CUSTSEG_OK)
        return rc;
    rc = custseg_dataset_load_events_csv_buffer(ds, data, len, path, map);
    custseg__free(data);
    return rc;
}

/* ------------------------------------------------------------ flat files
 *
 * The transactions loader has taken the file; this pass reads the
 * customer, time, amount (or quantity and price) and "attr:" columns
 * again and keeps, per customer, the value of its most recent row (on
 * equal times the later row). Only rows the loader accepted count: the
 * checks below are the loader's own (csv.c take_tx), in its order. */

enum { FL_CUSTOMER, FL_TIME, FL_AMOUNT, FL_PRICE, FL_FIXED };

typedef struct flatload {
    custseg_dataset *ds;
    const char *file;
    stage *st;
    size_t n;
    bool qty_price;
} flatload;

static bool row_accepted(const flatload *fl, const custseg__csv_field *f,
                         bool complete, int64_t *t)
{
    int64_t a, q, p;

    if (!complete || f[FL_CUSTOMER].len == 0 || f[FL_TIME].len == 0 ||
        custseg__parse_time(f[FL_TIME].p, f[FL_TIME].len, t) != 0)
        return false;
    if (!fl->qty_price) {
        if (f[FL_AMOUNT].len == 0 ||
            custseg__parse_e4(f[FL_AMOUNT].p, f[FL_AMOUNT].len, &a) != 0)
            return false;
    } else if (f[FL_AMOUNT].len == 0 || f[FL_PRICE].len == 0 ||
               custseg__parse_e4(f[FL_AMOUNT].p, f[FL_AMOUNT].len, &q) ||
               custseg__parse_e4(f[FL_PRICE].p, f[FL_PRICE].len, &p) ||
               custseg__mul_e4(q, p, &a) != 0) {
        return false;
    }
    return !(fl->ds->drop_returns && a < 0);
}

static int flat_row(void *payload, const custseg__csv_field *f,
                    int64_t line, bool complete)
{
    flatload *fl = payload;
    uint32_t c, v;
    int64_t t;
    size_t j;
    int rc;

    if (!row_accepted(fl, f, complete, &t))
        return CUSTSEG_OK;
    c = custseg__strtab_find(&fl->ds->customers, f[FL_CUSTOMER].p,
                             f[FL_CUSTOMER].len);
    if (c == CUSTSEG__NONE) /* cannot happen for an accepted row */
        return CUSTSEG_OK;
    rc = stage_reserve(fl->st, fl->n, c, true);
    for (j = 0; rc == CUSTSEG_OK && j < fl->n; j++) {
        stage *s = &fl->st[j];
        rc = stage_value(s, &f[FL_FIXED + j], line, &v);
        if (rc == CUSTSEG_OK && v != CUSTSEG__NONE && t >= s->when[c]) {
            s->val[c] = v;
            s->when[c] = t;
        }
    }
    if (rc != CUSTSEG_OK)
        return custseg__err_set(&fl->ds->err, rc, "%s: %s", fl->file,
                                rc == CUSTSEG_ELIMIT ? "too many values"
                                                     : "out of memory");
    return CUSTSEG_OK;
}

static int flat_columns(flatload *fl, const char **want)
{
    custseg_dataset *ds = fl->ds;
    size_t j;

    if (ds->kind != CUSTSEG__DS_TRANSACTIONS)
        return custseg__err_set(&ds->err, CUSTSEG_EINVAL, "%s: attr: "
                                "columns are read from transaction files; "
                                "load a customers file with "
                                "custseg_dataset_load_customers_csv()",
                                fl->file);
    fl->qty_price = ds->map[CUSTSEG__ROLE_AMOUNT] == NULL;
    want[FL_CUSTOMER] = ds->map[CUSTSEG__ROLE_CUSTOMER];
    want[FL_TIME] = ds->map[CUSTSEG__ROLE_TIME];
    want[FL_AMOUNT] = fl->qty_price ? ds->map[CUSTSEG__ROLE_QUANTITY]
                                    : ds->map[CUSTSEG__ROLE_AMOUNT];
    want[FL_PRICE] = fl->qty_price ? ds->map[CUSTSEG__ROLE_PRICE]
                                   : ds->map[CUSTSEG__ROLE_CUSTOMER];
    for (j = 0; j < fl->n; j++)
        want[FL_FIXED + j] = ds->cd->maps[j].column;
    return CUSTSEG_OK;
}

int custseg__attrs_load_flat(custseg_dataset *ds, const char *data,
                             size_t len, const char *name)
{
    const char **want = NULL;
    char **names = NULL;
    flatload fl;
    commit cm;
    size_t j;
    int rc = CUSTSEG_OK;

    if (ds->cd == NULL || ds->cd->nmaps == 0)
        return CUSTSEG_OK;
    memset(&fl, 0, sizeof fl);
    fl.ds = ds;
    fl.file = name;
    fl.n = ds->cd->nmaps;
    want = custseg__malloc((FL_FIXED + fl.n) * sizeof *want);
    names = custseg__malloc(fl.n * sizeof *names);
    if (want == NULL || names == NULL)
        rc = custseg__err_set(&ds->err, CUSTSEG_ENOMEM, "out of memory");
    for (j = 0; rc == CUSTSEG_OK && j < fl.n; j++)
        names[j] = ds->cd->maps[j].name;
    if (rc == CUSTSEG_OK && (fl.st = stages_new(names, fl.n)) == NULL)
        rc = custseg__err_set(&ds->err, CUSTSEG_ENOMEM, "out of memory");
    if (rc == CUSTSEG_OK)
        rc = flat_columns(&fl, want);
    if (rc == CUSTSEG_OK)
        rc = custseg__csv_rows(ds, data, len, name, want,
                               (int)(FL_FIXED + fl.n), flat_row, &fl);
    if (rc == CUSTSEG_OK) {
        memset(&cm, 0, sizeof cm);
        cm.ds = ds;
        cm.st = fl.st;
        cm.n = fl.n;
        cm.file = name;
        cm.ncust = ds->customers.count;
        rc = commit_stages(&cm);
    }
    stage_free(fl.st, fl.n);
    custseg__free(want);
    custseg__free(names);
    return rc;
}
