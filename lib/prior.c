/*
 * prior.c - the "prior" strategy: segments from rules over what is known
 * about customers (attributes) and what they did (metrics, windows,
 * events), or one segment per value of an attribute (group_by).
 *
 * Rules are kept parsed in the strategy; a run compiles them against the
 * dataset (rules_compile.c), fills the windowed aggregates they use in
 * one pass (rules_window.c), evaluates them block by block
 * (rules_eval.c), and builds a result with a row for every customer,
 * including those with attributes or events but no transaction up to
 * as_of (prospects): their recency is -1 in the result, as lifecycle
 * reports it, and missing (SQL NULL) in rules. The score for segment
 * statistics is monetary unless option "score" says otherwise.
 *
 * Rows are customers in byte order of id, which freeze made the
 * customers' own order (idorder.c): the metrics are copied into the
 * result's fields once, sequentially, and the rules read those fields,
 * so a run over a million customers costs tens of milliseconds.
 */
#include "rules.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

struct custseg__prior {
    custseg__rule *rules;
    size_t nrules, caprules;
    /* RFM scores copied from a result: rows in id byte order */
    size_t rfm_n;
    char *rfm_ids;
    uint64_t *rfm_off;
    uint8_t *rfm_score;           /* r, f, m per row */
    uint32_t *rfm_seg;            /* segment per row, into rfm_names */
    custseg__strtab rfm_names;
};

static const char *const score_choices[] = {"monetary", "frequency", NULL};

static const custseg__optdef prior_options[] = {
    {"as_of", CUSTSEG_OPT_STRING, 0, 0, NULL, 0, NULL},
    {"default_segment", CUSTSEG_OPT_STRING, 0, 0, NULL, 0, "Other"},
    {"group_by", CUSTSEG_OPT_STRING, 0, 0, NULL, 0, NULL},
    {"max_groups", CUSTSEG_OPT_INT, 0, CUSTSEG_MAX_SEGMENTS - 2, NULL, 0,
     NULL},
    {"score", CUSTSEG_OPT_STRING, 0, 0, score_choices, 0, "monetary"},
    {"threads", CUSTSEG_OPT_INT, 1, 256, NULL, 1, NULL},
};

/* ------------------------------------------------------------ state */

static void free_rfm(custseg__prior *p)
{
    custseg__free(p->rfm_ids);
    custseg__free(p->rfm_off);
    custseg__free(p->rfm_score);
    custseg__free(p->rfm_seg);
    custseg__strtab_free(&p->rfm_names);
    p->rfm_ids = NULL;
    p->rfm_off = NULL;
    p->rfm_score = NULL;
    p->rfm_seg = NULL;
    p->rfm_n = 0;
}

static void free_rule(custseg__rule *r)
{
    custseg__free(r->segment);
    custseg__free(r->source);
    custseg__rnode_free(r->expr);
}

void custseg__prior_free(custseg__prior *p)
{
    size_t i;

    if (p == NULL)
        return;
    for (i = 0; i < p->nrules; i++)
        free_rule(&p->rules[i]);
    custseg__free(p->rules);
    free_rfm(p);
    custseg__free(p);
}

/* The strategy's rule state, created on first use; prior only. */
static int state(custseg_strategy *s, custseg__prior **out)
{
    if (s->kind != &custseg__prior_kind)
        return custseg__err_set(&s->err, CUSTSEG_EMISUSE, "strategy %s "
                                "takes no rules (only \"prior\" does)",
                                s->kind->name);
    if (s->prior == NULL) {
        if ((s->prior = custseg__calloc(1, sizeof *s->prior)) == NULL)
            return custseg__err_set(&s->err, CUSTSEG_ENOMEM,
                                    "out of memory");
        custseg__strtab_init(&s->prior->rfm_names);
    }
    *out = s->prior;
    return CUSTSEG_OK;
}

int64_t custseg_strategy_error_line(const custseg_strategy *s)
{
    return s == NULL ? -1 : s->err.line;
}

int64_t custseg_strategy_error_column(const custseg_strategy *s)
{
    return s == NULL ? -1 : s->err.column;
}

/* ------------------------------------------------------------ rules */

/* Parse one rule into r (which owns what it gets, even on failure). */
static int parse_rule(custseg_strategy *s, custseg__rule *r,
                      const char *segment, size_t seglen, const char *text,
                      size_t len, const char *file, int64_t line,
                      int64_t col)
{
    custseg__rsrc src;

    memset(r, 0, sizeof *r);
    r->segment = custseg__strndup(segment, seglen);
    if (file != NULL)
        r->source = custseg__strdup(file);
    if (r->segment == NULL || (file != NULL && r->source == NULL))
        return custseg__err_set(&s->err, CUSTSEG_ENOMEM, "out of memory");
    src.file = file;
    src.segment = r->segment;
    src.line = line;
    src.col = col;
    return custseg__rule_parse(text, len, &src, &s->err, &r->expr);
}

static int append_rules(custseg_strategy *s, custseg__prior *p,
                        custseg__rule *add, size_t n)
{
    if (n == 0) /* a file without rules: add is NULL, memcpy must not see
                   it (undefined even for 0 bytes) */
        return CUSTSEG_OK;
    if (p->nrules + n > CUSTSEG__MAX_RULES)
        return custseg__err_set(&s->err, CUSTSEG_ELIMIT, "more than %u "
                                "rules", CUSTSEG__MAX_RULES);
    if (custseg__grow((void **)&p->rules, &p->caprules, p->nrules + n,
                      sizeof *p->rules) != CUSTSEG_OK)
        return custseg__err_set(&s->err, CUSTSEG_ENOMEM, "out of memory");
    memcpy(p->rules + p->nrules, add, n * sizeof *add);
    p->nrules += n;
    return CUSTSEG_OK;
}

int custseg_strategy_add_rule(custseg_strategy *s, const char *segment,
                              const char *expression)
{
    custseg__prior *p;
    custseg__rule r;
    int rc;

    if (s == NULL)
        return CUSTSEG_EINVAL;
    custseg__err_clear(&s->err);
    if ((rc = state(s, &p)) != CUSTSEG_OK)
        return rc;
    if (segment == NULL || *segment == '\0' || expression == NULL)
        return custseg__err_set(&s->err, CUSTSEG_EINVAL, "a rule needs a "
                                "segment name and an expression");
    rc = parse_rule(s, &r, segment, strlen(segment), expression,
                    strlen(expression), NULL, 1, 1);
    if (rc == CUSTSEG_OK)
        rc = append_rules(s, p, &r, 1);
    if (rc != CUSTSEG_OK)
        free_rule(&r);
    return rc;
}

/* ------------------------------------------------------------ rule files */

typedef struct rfile {
    custseg__rule *v;
    size_t n, cap;
} rfile;

static bool blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

/* One line "segment: expression"; blank and # lines are skipped. */
static int rule_line(custseg_strategy *s, rfile *f, const char *p,
                     const char *e, const char *file, int64_t line)
{
    const char *colon, *n0 = p, *n1;
    int rc;

    while (n0 < e && blank(*n0))
        n0++;
    if (n0 == e || *n0 == '#')
        return CUSTSEG_OK;
    colon = memchr(n0, ':', (size_t)(e - n0));
    for (n1 = colon != NULL ? colon : n0; n1 > n0 && blank(n1[-1]); n1--)
        ;
    if (colon == NULL || n1 == n0)
        return custseg__err_set_at(&s->err, CUSTSEG_EPARSE, line,
                                   (int64_t)(n0 - p) + 1, "%s:%" PRId64
                                   ": expected \"segment: expression\"",
                                   file, line);
    if (custseg__grow((void **)&f->v, &f->cap, f->n + 1, sizeof *f->v))
        return custseg__err_set(&s->err, CUSTSEG_ENOMEM, "out of memory");
    rc = parse_rule(s, &f->v[f->n], n0, (size_t)(n1 - n0), colon + 1,
                    (size_t)(e - colon - 1), file, line,
                    (int64_t)(colon + 1 - p) + 1);
    f->n++; /* owned by f even on failure */
    return rc;
}

int custseg_strategy_load_rules_buffer(custseg_strategy *s, const char *data,
                                       size_t len, const char *name)
{
    const char *p = data, *end = data + len, *nl;
    custseg__prior *pr;
    rfile f = {NULL, 0, 0};
    int64_t line = 1;
    size_t i;
    int rc;

    if (s == NULL || (data == NULL && len > 0))
        return CUSTSEG_EINVAL;
    custseg__err_clear(&s->err);
    if ((rc = state(s, &pr)) != CUSTSEG_OK)
        return rc;
    if (name == NULL)
        name = "<buffer>";
    for (; rc == CUSTSEG_OK && p < end; p = nl + 1, line++) {
        nl = memchr(p, '\n', (size_t)(end - p));
        if (nl == NULL)
            nl = end;
        rc = rule_line(s, &f, p, nl, name, line);
    }
    if (rc == CUSTSEG_OK)
        rc = append_rules(s, pr, f.v, f.n);
    if (rc != CUSTSEG_OK) /* all or nothing */
        for (i = 0; i < f.n; i++)
            free_rule(&f.v[i]);
    custseg__free(f.v);
    return rc;
}

int custseg_strategy_load_rules(custseg_strategy *s, const char *path)
{
    custseg__prior *p;
    char *data;
    size_t len;
    int rc;

    if (s == NULL || path == NULL)
        return CUSTSEG_EINVAL;
    custseg__err_clear(&s->err);
    if ((rc = state(s, &p)) != CUSTSEG_OK ||
        (rc = custseg__read_file(&s->err, path, &data, &len)) != CUSTSEG_OK)
        return rc;
    rc = custseg_strategy_load_rules_buffer(s, data != NULL ? data : "",
                                            len, path);
    custseg__free(data);
    return rc;
}

/* ------------------------------------------------------------ RFM */

static int copy_rfm(custseg__prior *p, const custseg_result *r)
{
    size_t i, bytes = (size_t)r->id_offsets[r->n];
    int f, rc = CUSTSEG_OK;

    p->rfm_ids = custseg__malloc(bytes ? bytes : 1);
    p->rfm_off = custseg__malloc((r->n + 1) * sizeof *p->rfm_off);
    p->rfm_score = custseg__malloc(r->n * 3 + 1);
    p->rfm_seg = custseg__malloc((r->n + 1) * sizeof *p->rfm_seg);
    if (p->rfm_ids == NULL || p->rfm_off == NULL || p->rfm_score == NULL ||
        p->rfm_seg == NULL)
        return CUSTSEG_ENOMEM;
    memcpy(p->rfm_ids, r->id_bytes, bytes);
    memcpy(p->rfm_off, r->id_offsets, (r->n + 1) * sizeof *p->rfm_off);
    for (i = 0; i < r->n; i++)
        for (f = 0; f < 3; f++)
            p->rfm_score[i * 3 + (size_t)f] =
                (uint8_t)r->field[CUSTSEG_FIELD_R + f][i];
    for (i = 0; i < r->nseg && rc == CUSTSEG_OK; i++) {
        uint32_t k;
        rc = custseg__strtab_intern(&p->rfm_names, r->segs[i].name,
                                    strlen(r->segs[i].name),
                                    CUSTSEG_MAX_SEGMENTS, &k, NULL);
    }
    for (i = 0; rc == CUSTSEG_OK && i < r->n; i++) /* names may repeat */
        p->rfm_seg[i] = custseg__strtab_find(&p->rfm_names,
                                             r->segs[r->segment[i]].name,
                                             strlen(r->segs[r->segment[i]]
                                                        .name));
    p->rfm_n = r->n;
    return rc;
}

int custseg_strategy_set_rfm(custseg_strategy *s, const custseg_result *rfm)
{
    custseg__prior *p;
    int rc;

    if (s == NULL)
        return CUSTSEG_EINVAL;
    custseg__err_clear(&s->err);
    if ((rc = state(s, &p)) != CUSTSEG_OK)
        return rc;
    free_rfm(p);
    if (rfm == NULL)
        return CUSTSEG_OK;
    if (rfm->field[CUSTSEG_FIELD_R] == NULL ||
        rfm->field[CUSTSEG_FIELD_F] == NULL ||
        rfm->field[CUSTSEG_FIELD_M] == NULL)
        return custseg__err_set(&s->err, CUSTSEG_EINVAL, "result of "
                                "strategy %s has no RFM scores",
                                rfm->strategy);
    if ((rc = copy_rfm(p, rfm)) != CUSTSEG_OK) {
        free_rfm(p);
        return custseg__err_set(&s->err, rc, "out of memory");
    }
    return CUSTSEG_OK;
}

/* ------------------------------------------------------------ run */


typedef struct run {
    custseg_strategy *s;
    const custseg_dataset *ds;
    custseg__metrics m;
    custseg__rctx ctx;
    custseg_result *r;
    double *rfm[3];
    uint32_t *rfm_seg;
    custseg__strtab names;        /* segment names, in result order */
    uint32_t dflt;                /* default segment, or NONE */
    uint32_t *rule_seg;           /* rules: segment of each rule */
    uint32_t *group;              /* group_by: segment of each value */
    const custseg__attr *attr;    /* group_by attribute */
    double *vals;                 /* its distinct numbers */
    size_t nvals;
} run;

static int cmp_ids(const char *a, size_t la, const char *b, size_t lb)
{
    int c = memcmp(a, b, la < lb ? la : lb);

    if (c != 0)
        return c;
    return la < lb ? -1 : la > lb;
}

/* Both the result rows and the RFM rows are in byte order of id: one
 * merge joins them. */
static int join_rfm(run *rn, const custseg__prior *p)
{
    const custseg_result *r = rn->r;
    size_t n = r->n, i, j = 0, k;

    for (k = 0; k < 3; k++)
        if ((rn->rfm[k] = custseg__malloc((n ? n : 1) * 8)) == NULL)
            return CUSTSEG_ENOMEM;
    if ((rn->rfm_seg = custseg__malloc((n ? n : 1) * 4)) == NULL)
        return CUSTSEG_ENOMEM;
    for (i = 0; i < n; i++) {
        const char *id = r->id_bytes + r->id_offsets[i];
        size_t len = r->id_offsets[i + 1] - r->id_offsets[i] - 1;
        int cmp = 1;
        while (j < p->rfm_n &&
               (cmp = cmp_ids(p->rfm_ids + p->rfm_off[j],
                              p->rfm_off[j + 1] - p->rfm_off[j] - 1, id,
                              len)) < 0)
            j++;
        for (k = 0; k < 3; k++)
            rn->rfm[k][i] = j < p->rfm_n && cmp == 0
                                ? p->rfm_score[j * 3 + k] : NAN;
        rn->rfm_seg[i] = j < p->rfm_n && cmp == 0 ? p->rfm_seg[j]
                                                  : CUSTSEG__NONE;
    }
    for (k = 0; k < 3; k++)
        rn->ctx.rfm[k] = rn->rfm[k];
    rn->ctx.rfm_seg = rn->rfm_seg;
    rn->ctx.rfm_names = &p->rfm_names;
    return CUSTSEG_OK;
}

/* as_of: the option, else the day after the latest transaction, else
 * after the latest event (a dataset of prospects), else day 0. */
static int64_t as_of_day(const custseg_strategy *s, const custseg_dataset *ds)
{
    int64_t day = custseg__opt_as_of_day(s, ds), max = INT64_MIN;
    size_t i;

    if (day != INT64_MIN)
        return day;
    for (i = 0; ds->cd != NULL && i < ds->cd->ev.n; i++)
        if (ds->cd->ev.time[i] > max)
            max = ds->cd->ev.time[i];
    return max == INT64_MIN ? 0 : custseg__day_of(max) + 1;
}

static int metrics(run *rn)
{
    const custseg_dataset *ds = rn->ds;

    rn->ctx.ds = ds;
    rn->ctx.as_of_day = as_of_day(rn->s, ds);
    rn->ctx.summary = ds->kind == CUSTSEG__DS_SUMMARY;
    rn->ctx.m = &rn->m;
    if (ds->kind != CUSTSEG__DS_EMPTY)
        return custseg__metrics_for(ds, rn->ctx.as_of_day, &rn->m, NULL);
    rn->m = ds->metrics; /* attributes and events only */
    rn->m.owned = 0;
    rn->m.as_of_day = rn->ctx.as_of_day;
    return CUSTSEG_OK;
}

static int name_index(run *rn, const char *name, uint32_t *out)
{
    return custseg__strtab_intern(&rn->names, name, strlen(name),
                                  CUSTSEG_MAX_SEGMENTS, out, NULL);
}

/* Rules mode: the segments are the rule names, then the default. */
static int rule_names(run *rn)
{
    const custseg__prior *p = rn->s->prior;
    size_t i;
    int rc = CUSTSEG_OK;

    if (p == NULL || p->nrules == 0)
        return custseg__err_set(&rn->s->err, CUSTSEG_EINVAL, "prior: no "
                                "rules (custseg_strategy_add_rule()) and "
                                "no group_by");
    if ((rn->rule_seg = custseg__malloc(p->nrules * 4)) == NULL)
        return CUSTSEG_ENOMEM;
    for (i = 0; i < p->nrules && rc == CUSTSEG_OK; i++)
        rc = name_index(rn, p->rules[i].segment, &rn->rule_seg[i]);
    if (rc == CUSTSEG_OK)
        rc = name_index(rn, custseg__opt_str(rn->s, "default_segment"),
                        &rn->dflt);
    return rc;
}

/* Every customer gets a row; the metrics are copied into the rows'
 * fields once, for the result and for the rules alike: read in customer
 * order and written to each customer's row, so that the writes, which
 * do not wait on each other, are the scattered side. A customer without
 * a transaction up to as_of has recency -1 here. */
static int make_result(run *rn)
{
    const custseg__metrics *m = &rn->m;
    custseg_result *r;
    int64_t *rec, *freq, *mon;
    size_t c, n;
    int f, rc = custseg__result_new(&rn->r, rn->ds, m, "prior",
                                    CUSTSEG__RESULT_ALL_CUSTOMERS,
                                    rn->names.count);

    if (rc != CUSTSEG_OK)
        return rc;
    r = rn->r;
    n = r->n;
    for (f = CUSTSEG_FIELD_RECENCY; f <= CUSTSEG_FIELD_MONETARY; f++)
        if ((r->field[f] = custseg__malloc(n * sizeof(int64_t))) == NULL)
            return CUSTSEG_ENOMEM; /* malloc: every entry is written */
    rec = r->field[CUSTSEG_FIELD_RECENCY];
    freq = r->field[CUSTSEG_FIELD_FREQUENCY];
    mon = r->field[CUSTSEG_FIELD_MONETARY];
    for (c = 0; c < n; c++) { /* rows are all customers, in id order */
        size_t i = rn->ds->id_rank[c];
        freq[i] = m->frequency[c];
        mon[i] = m->monetary[c];
        rec[i] = rn->ctx.summary || m->frequency[c] > 0 ? m->recency[c]
                                                        : -1;
    }
    for (c = 0; c < n; c++) /* the score, and money for the rules */
        r->score[c] = (double)mon[c] / CUSTSEG__E4;
    rn->ctx.row_customer = r->row_customer;
    rn->ctx.nrows = n;
    rn->ctx.recency = rec;
    rn->ctx.frequency = freq;
    rn->ctx.monetary = mon;
    rn->ctx.money = r->score;
    return CUSTSEG_OK;
}

static int by_rules(run *rn)
{
    const custseg__prior *p = rn->s->prior;
    custseg__program pg;
    int rc = CUSTSEG_OK;

    if (p->rfm_ids != NULL)
        rc = join_rfm(rn, p);
    if (rc != CUSTSEG_OK)
        return rc;
    rc = custseg__program_compile(&pg, p->rules, p->nrules, &rn->ctx,
                                  &rn->s->err);
    if (rc == CUSTSEG_OK)
        rc = custseg__program_windows(&pg, &rn->ctx);
    if (rc == CUSTSEG_OK)
        rc = custseg__program_run(&pg, &rn->ctx, rn->rule_seg, rn->dflt,
                                  (int)custseg__opt_int(rn->s, "threads"),
                                  rn->r->segment);
    custseg__program_free(&pg);
    return rc;
}
/* ------------------------------------------------------------ group_by */

typedef struct group {
    int64_t count;
    uint32_t key;
    const char *name;             /* string attributes */
    size_t len;
    double value;                 /* number attributes */
} group;

static int cmp_group(const void *pa, const void *pb)
{
    const group *a = pa, *b = pb;

    if (a->count != b->count) /* largest first */
        return a->count > b->count ? -1 : 1;
    if (a->name != NULL)
        return cmp_ids(a->name, a->len, b->name, b->len);
    return a->value < b->value ? -1 : a->value > b->value;
}

static int cmp_double(const void *pa, const void *pb)
{
    double a = *(const double *)pa, b = *(const double *)pb;

    return a < b ? -1 : a > b;
}

/* The distinct numbers of a number attribute, sorted (no -0). */
static int number_values(run *rn)
{
    const custseg__attr *a = rn->attr;
    size_t n = rn->ds->customers.count, i, k = 0;

    if ((rn->vals = custseg__malloc((n ? n : 1) * sizeof *rn->vals)) ==
        NULL)
        return CUSTSEG_ENOMEM;
    for (i = 0; i < n; i++)
        if (!isnan(a->num[i]))
            rn->vals[k++] = a->num[i] == 0.0 ? 0.0 : a->num[i];
    qsort(rn->vals, k, sizeof *rn->vals, cmp_double);
    for (i = 0, rn->nvals = 0; i < k; i++)
        if (rn->nvals == 0 || rn->vals[rn->nvals - 1] != rn->vals[i])
            rn->vals[rn->nvals++] = rn->vals[i];
    return CUSTSEG_OK;
}

/* Customer c's group: a value index, or CUSTSEG__NONE. */
static uint32_t group_key(const run *rn, uint32_t c)
{
    const custseg__attr *a = rn->attr;
    double v;

    if (a->type == CUSTSEG_ATTR_STRING)
        return a->str[c];
    v = a->num[c];
    if (isnan(v))
        return CUSTSEG__NONE;
    return (uint32_t)((const double *)bsearch(&v, rn->vals, rn->nvals,
                                              sizeof *rn->vals,
                                              cmp_double) - rn->vals);
}

/* A number as a segment name: no exponent, no trailing zeros. */
static void number_name(char *buf, double v)
{
    size_t len = custseg__format_double(buf, v, 9);

    if (memchr(buf, '.', len) == NULL)
        return;
    while (len > 0 && buf[len - 1] == '0')
        buf[--len] = '\0';
    if (len > 0 && buf[len - 1] == '.')
        buf[--len] = '\0';
}

/* Largest groups first; beyond max_groups the smallest fold into
 * "Other". */
static int group_segments(run *rn, group *g, size_t ng)
{
    int64_t cap = custseg__opt_int(rn->s, "max_groups");
    size_t i, kept = 0;
    uint32_t other = CUSTSEG__NONE;
    char buf[64];
    int rc = CUSTSEG_OK;

    qsort(g, ng, sizeof *g, cmp_group);
    for (i = 0; i < ng && rc == CUSTSEG_OK && g[i].count > 0; i++) {
        uint32_t *to = &rn->group[g[i].key];
        if (cap > 0 && kept >= (size_t)cap) {
            if (other == CUSTSEG__NONE)
                rc = name_index(rn, "Other", &other);
            *to = other;
            continue;
        }
        if (g[i].name == NULL)
            number_name(buf, g[i].value);
        rc = g[i].name != NULL
                 ? custseg__strtab_intern(&rn->names, g[i].name, g[i].len,
                                          CUSTSEG_MAX_SEGMENTS, to, NULL)
                 : name_index(rn, buf, to);
        kept++;
    }
    return rc;
}

static int count_groups(run *rn, group *g, size_t ng, bool *missing)
{
    size_t n = rn->ds->customers.count, i;

    *missing = false;
    for (i = 0; i < ng; i++) {
        g[i].key = (uint32_t)i;
        if (rn->vals != NULL) {
            g[i].value = rn->vals[i];
        } else {
            g[i].name = custseg__strtab_get(&rn->attr->values, (uint32_t)i);
            g[i].len = custseg__strtab_len(&rn->attr->values, (uint32_t)i);
        }
    }
    for (i = 0; i < n; i++) {
        uint32_t k = group_key(rn, (uint32_t)i);
        if (k == CUSTSEG__NONE)
            *missing = true;
        else
            g[k].count++;
    }
    return CUSTSEG_OK;
}

/* Group mode: the segments are the groups, "Other" for the folded ones,
 * then the default segment when a customer has no value. */
static int group_names(run *rn, const char *attr)
{
    size_t ng;
    group *g = NULL;
    bool missing;
    int rc = CUSTSEG_OK;

    rn->attr = custseg__attr_find(rn->ds, attr, strlen(attr));
    if (rn->attr == NULL)
        return custseg__err_set(&rn->s->err, CUSTSEG_EINVAL, "group_by: "
                                "the dataset has no attribute \"%s\"", attr);
    if (rn->attr->type == CUSTSEG_ATTR_NUMBER)
        rc = number_values(rn);
    ng = rn->vals != NULL ? rn->nvals : rn->attr->values.count;
    if (rc == CUSTSEG_OK &&
        ((g = custseg__calloc(ng + 1, sizeof *g)) == NULL ||
         (rn->group = custseg__malloc((ng + 1) * sizeof *rn->group)) ==
             NULL))
        rc = CUSTSEG_ENOMEM;
    if (rc == CUSTSEG_OK)
        rc = count_groups(rn, g, ng, &missing);
    if (rc == CUSTSEG_OK)
        rc = group_segments(rn, g, ng);
    if (rc == CUSTSEG_OK && missing)
        rc = name_index(rn, custseg__opt_str(rn->s, "default_segment"),
                        &rn->dflt);
    custseg__free(g);
    return rc;
}

static void assign_groups(run *rn)
{
    custseg_result *r = rn->r;
    size_t i;

    for (i = 0; i < r->n; i++) {
        uint32_t k = group_key(rn, r->row_customer[i]);
        r->segment[i] = k == CUSTSEG__NONE ? rn->dflt : rn->group[k];
    }
}

/* ------------------------------------------------------------ finish */

static int finish(run *rn)
{
    custseg_result *r = rn->r;
    bool by_freq = strcmp(custseg__opt_str(rn->s, "score"), "frequency")
                   == 0;
    const int64_t *f = r->field[CUSTSEG_FIELD_FREQUENCY];
    size_t i;
    int rc = CUSTSEG_OK;

    for (i = 0; rc == CUSTSEG_OK && i < rn->names.count; i++)
        rc = custseg__result_name_segment(
            r, i, custseg__strtab_get(&rn->names, (uint32_t)i));
    for (i = 0; by_freq && i < r->n; i++) /* else monetary, made above */
        r->score[i] = (double)f[i];
    if (rn->ctx.summary)
        r->as_of_day = INT64_MIN;
    return rc == CUSTSEG_OK ? custseg__result_finish(r) : rc;
}

static int fail(custseg_strategy *s, int rc)
{
    if (s->err.msg[0] != '\0')
        return rc; /* described where it happened */
    if (rc == CUSTSEG_ENOMEM)
        return custseg__err_set(&s->err, rc, "prior: out of memory");
    if (rc == CUSTSEG_ERANGE)
        return custseg__err_set(&s->err, rc, "prior: a revenue window "
                                "overflows the 64-bit money range");
    return custseg__err_set(&s->err, rc, "prior: %s", custseg_strerror(rc));
}

static void run_free(run *rn)
{
    size_t k;

    custseg_result_free(rn->r);
    custseg__metrics_free(&rn->m);
    for (k = 0; k < 3; k++)
        custseg__free(rn->rfm[k]);
    custseg__free(rn->rfm_seg);
    custseg__free(rn->rule_seg);
    custseg__free(rn->group);
    custseg__free(rn->vals);
    custseg__strtab_free(&rn->names);
}

static int prior_run(custseg_result **out, custseg_strategy *s,
                     const custseg_dataset *ds)
{
    const char *group_by = custseg__opt_str(s, "group_by");
    run rn;
    int rc;

    memset(&rn, 0, sizeof rn);
    rn.s = s;
    rn.ds = ds;
    rn.dflt = CUSTSEG__NONE;
    custseg__strtab_init(&rn.names);
    if (group_by != NULL && s->prior != NULL && s->prior->nrules > 0)
        return custseg__err_set(&s->err, CUSTSEG_EINVAL, "prior: set rules "
                                "or group_by, not both");
    rc = metrics(&rn);
    if (rc == CUSTSEG_OK)
        rc = group_by != NULL ? group_names(&rn, group_by)
                              : rule_names(&rn);
    if (rc == CUSTSEG_OK)
        rc = make_result(&rn);
    if (rc == CUSTSEG_OK)
        rc = custseg__progress(s->progress, s->progress_payload, 0.3);
    if (rc == CUSTSEG_OK && group_by != NULL)
        assign_groups(&rn);
    else if (rc == CUSTSEG_OK)
        rc = by_rules(&rn);
    if (rc == CUSTSEG_OK)
        rc = custseg__progress(s->progress, s->progress_payload, 0.9);
    if (rc == CUSTSEG_OK && (rc = finish(&rn)) == CUSTSEG_OK) {
        *out = rn.r;
        rn.r = NULL;
    }
    run_free(&rn);
    return rc == CUSTSEG_OK ? rc : fail(s, rc);
}

static int prior_validate(custseg_strategy *s, size_t opt,
                          const char *value)
{
    if (*value == '\0')
        return custseg__err_set(&s->err, CUSTSEG_EINVAL, "option %s: empty "
                                "value", s->kind->options[opt].name);
    return CUSTSEG_OK;
}

const custseg__strategy_kind custseg__prior_kind = {
    "prior", prior_options, sizeof prior_options / sizeof *prior_options,
    prior_validate, prior_run,
};
