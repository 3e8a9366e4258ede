/*
 * rules_compile.c - from syntax trees to typed programs for one dataset.
 *
 * Names are resolved here: metrics first (recency, frequency, ...), then
 * the dataset's attributes (attr("...") always means an attribute).
 * Every operator checks its operand types, so "country > 5" or an
 * unknown name fails before any customer is looked at, with the rule,
 * line and column. String conditions against literals become a table
 * with one verdict per distinct value of the column; windowed aggregates
 * become columns filled in one pass over the transactions
 * (rules_window.c), shared by every rule that asks for the same window.
 */
#include "rules.h"

#include <stdlib.h>
#include <string.h>

#define MAX_DAYS 100000 /* windows: about 270 years */

typedef struct cctx {
    custseg__program *pg;
    const custseg__rctx *ctx;
    custseg__rsrc src;
    custseg__err *e;
} cctx;

typedef custseg__cnode cnode;
typedef custseg__rnode rnode;

static int comp(cctx *cc, const rnode *x, cnode **out);

static int err_at(cctx *cc, int status, const rnode *x, const char *fmt,
                  const char *a, const char *b)
{
    return custseg__rule_error(cc->e, status, &cc->src, x->line, x->col,
                               fmt, a, b);
}

static int nomem(cctx *cc)
{
    return custseg__err_set(cc->e, CUSTSEG_ENOMEM, "out of memory");
}

static const char *type_name(int t)
{
    switch (t) {
    case RT_NUM: return "a number";
    case RT_DATE: return "a date";
    case RT_STR: return "a string";
    default: return "a condition";
    }
}

static cnode *new_node(cctx *cc, int op, int type)
{
    custseg__program *pg = cc->pg;
    cnode *n;

    if (custseg__grow((void **)&pg->nodes, &pg->capnodes, pg->nnodes + 1,
                      sizeof *pg->nodes) != CUSTSEG_OK)
        return NULL;
    if ((n = custseg__calloc(1, sizeof *n)) == NULL)
        return NULL;
    n->op = op;
    n->type = type;
    n->slot = pg->nslots++;
    n->event = CUSTSEG__NONE;
    pg->nodes[pg->nnodes++] = n;
    return n;
}

static int make(cctx *cc, int op, int type, cnode *a, cnode *b, cnode **out)
{
    if ((*out = new_node(cc, op, type)) == NULL)
        return nomem(cc);
    (*out)->a = a;
    (*out)->b = b;
    return CUSTSEG_OK;
}

static int bconst(cctx *cc, int verdict, cnode **out)
{
    int rc = make(cc, CX_BCONST, RT_BOOL, NULL, NULL, out);

    if (rc == CUSTSEG_OK)
        (*out)->k = verdict;
    return rc;
}

/* ------------------------------------------------------------ names */

typedef struct builtin {
    const char *name;
    int op, type;
} builtin;

static const builtin metrics[] = {
    {"recency", CX_RECENCY, RT_NUM}, {"frequency", CX_FREQUENCY, RT_NUM},
    {"monetary", CX_MONETARY, RT_NUM}, {"tenure", CX_TENURE, RT_NUM},
    {"aov", CX_AOV, RT_NUM}, {"first_purchase", CX_FIRST, RT_DATE},
    {"last_purchase", CX_LAST, RT_DATE}, {"customer_id", CX_CUSTID, RT_STR},
    {"r_score", CX_COL, RT_NUM}, {"f_score", CX_COL, RT_NUM},
    {"m_score", CX_COL, RT_NUM}, {"rfm_segment", CX_SCOL, RT_STR},
};
#define NMETRICS (sizeof metrics / sizeof metrics[0])

static bool needs_transactions(int op)
{
    return op == CX_TENURE || op == CX_FIRST || op == CX_LAST;
}

/* Leaves are shared: one node per metric or attribute, whatever number
 * of rules read it, so each is computed once per block (rules_eval.c). */
static cnode *metric_node(cctx *cc, int op, int type)
{
    cnode **n = &cc->pg->metric[op];

    if (*n == NULL && (*n = new_node(cc, CX_METRIC, type)) != NULL)
        (*n)->metric = op;
    return *n;
}

static cnode *attr_node(cctx *cc, const custseg__attr *a)
{
    custseg__program *pg = cc->pg;
    size_t i;
    cnode *n;

    for (i = 0; i < pg->nattrs; i++)
        if (pg->attrs[i]->attr == a)
            return pg->attrs[i];
    if (custseg__grow((void **)&pg->attrs, &pg->capattrs, pg->nattrs + 1,
                      sizeof *pg->attrs) != CUSTSEG_OK)
        return NULL;
    n = new_node(cc, a->type == CUSTSEG_ATTR_NUMBER ? CX_ACOL : CX_ASCOL,
                 a->type == CUSTSEG_ATTR_NUMBER ? RT_NUM : RT_STR);
    if (n != NULL) {
        n->attr = a;
        n->stab = &a->values;
        pg->attrs[pg->nattrs++] = n;
    }
    return n;
}

static int rfm_metric(cctx *cc, const rnode *x, size_t k, cnode *n)
{
    if (cc->ctx->rfm[0] == NULL)
        return err_at(cc, CUSTSEG_EMISUSE, x, "%s needs RFM scores "
                      "(custseg_strategy_set_rfm(), or --rfm)", x->text,
                      NULL);
    if (n->op == CX_SCOL) {
        n->scol = cc->ctx->rfm_seg;
        n->stab = cc->ctx->rfm_names;
    } else {
        n->dcol = cc->ctx->rfm[k - 8]; /* r_score, f_score, m_score */
    }
    return CUSTSEG_OK;
}

static int metric(cctx *cc, const rnode *x, size_t k, cnode **out)
{
    const builtin *b = &metrics[k];
    int op = b->op;

    if (cc->ctx->summary && needs_transactions(op))
        return err_at(cc, CUSTSEG_EMISUSE, x, "%s needs transactions (the "
                      "dataset holds customer summaries)", b->name, NULL);
    if (op >= CX_RECENCY && op <= CX_LAST)
        return (*out = metric_node(cc, op, b->type)) == NULL ? nomem(cc)
                                                             : CUSTSEG_OK;
    if ((*out = new_node(cc, op == CX_CUSTID ? CX_SCOL : op, b->type)) ==
        NULL)
        return nomem(cc);
    if (op == CX_CUSTID) { /* the value index is the customer index */
        (*out)->scol = cc->ctx->row_customer;
        (*out)->stab = &cc->ctx->ds->customers;
    }
    if (k >= 8)
        return rfm_metric(cc, x, k, *out);
    return CUSTSEG_OK;
}

static int attribute(cctx *cc, const rnode *x, const char *name, size_t len,
                     cnode **out)
{
    const custseg__attr *a = custseg__attr_find(cc->ctx->ds, name, len);

    if (a == NULL)
        return custseg__rule_error(cc->e, CUSTSEG_EINVAL, &cc->src,
                                   x->line, x->col, "unknown name '%.*s' "
                                   "(not a metric, nor an attribute of the "
                                   "dataset)", (int)(len < 64 ? len : 64),
                                   name);
    return (*out = attr_node(cc, a)) == NULL ? nomem(cc) : CUSTSEG_OK;
}

static int identifier(cctx *cc, const rnode *x, cnode **out)
{
    size_t k;

    for (k = 0; k < NMETRICS; k++)
        if (strcmp(metrics[k].name, x->text) == 0)
            return metric(cc, x, k, out);
    return attribute(cc, x, x->text, x->len, out);
}

/* ------------------------------------------------------------ calls */

static int want_args(cctx *cc, const rnode *x, size_t lo, size_t hi,
                     const char *usage)
{
    if (x->nkid < lo || x->nkid > hi)
        return err_at(cc, CUSTSEG_EINVAL, x, "%s takes %s", x->text,
                      usage);
    return CUSTSEG_OK;
}

static int string_arg(cctx *cc, const rnode *x, size_t i, const char *what)
{
    if (x->kid[i]->op != RX_STR)
        return err_at(cc, CUSTSEG_EINVAL, x->kid[i], "%s: %s must be a "
                      "quoted string", x->text, what);
    return CUSTSEG_OK;
}

static int days_arg(cctx *cc, const rnode *x, size_t i, int64_t *days)
{
    const rnode *k = x->kid[i];

    if (k->op != RX_NUM || k->num < 0 || k->num > MAX_DAYS ||
        k->num != (double)(int64_t)k->num)
        return err_at(cc, CUSTSEG_EINVAL, k, "%s: the number of days must "
                      "be a whole number from 0 to 100000", x->text, NULL);
    *days = (int64_t)k->num;
    return CUSTSEG_OK;
}

static int event_arg(cctx *cc, const rnode *x, uint32_t *k)
{
    const rnode *a = x->kid[0];
    int rc = string_arg(cc, x, 0, "the event name");

    if (rc != CUSTSEG_OK)
        return rc;
    *k = custseg__event_name(cc->ctx->ds, a->text, a->len);
    if (*k == CUSTSEG__NONE)
        return custseg__rule_error(cc->e, CUSTSEG_EINVAL, &cc->src, a->line,
                                   a->col, "unknown event '%.*s' (the "
                                   "dataset has no event of that name)",
                                   (int)(a->len < 64 ? a->len : 64),
                                   a->text);
    return CUSTSEG_OK;
}

/* A column filled by rules_window.c; one per distinct request. */
static int window(cctx *cc, int kind, int64_t days, uint32_t event,
                  cnode **out)
{
    custseg__program *pg = cc->pg;
    size_t i, n = cc->ctx->nrows;
    custseg__window *w = NULL;

    for (i = 0; i < pg->nwin && w == NULL; i++)
        if (pg->win[i].kind == kind && pg->win[i].days == days &&
            pg->win[i].event == event)
            w = &pg->win[i];
    if (w == NULL) {
        if (custseg__grow((void **)&pg->win, &pg->capwin, pg->nwin + 1,
                          sizeof *pg->win) != CUSTSEG_OK)
            return nomem(cc);
        w = &pg->win[pg->nwin];
        w->kind = kind;
        w->days = days;
        w->event = event;
        if ((w->out = custseg__malloc((n ? n : 1) * sizeof(double))) ==
            NULL)
            return nomem(cc);
        pg->nwin++;
    }
    if ((*out = new_node(cc, CX_COL, RT_NUM)) == NULL)
        return nomem(cc);
    (*out)->dcol = w->out;
    return CUSTSEG_OK;
}

static int64_t day_end(int64_t day)
{
    return day * 86400 + 86399;
}

static int call_orders(cctx *cc, const rnode *x, int kind, cnode **out)
{
    int64_t days;
    int rc = want_args(cc, x, 1, 1, "one argument, a number of days");

    if (rc == CUSTSEG_OK)
        rc = days_arg(cc, x, 0, &days);
    if (rc == CUSTSEG_OK && cc->ctx->summary)
        rc = err_at(cc, CUSTSEG_EMISUSE, x, "%s needs transactions (the "
                    "dataset holds customer summaries)", x->text, NULL);
    return rc == CUSTSEG_OK ? window(cc, kind, days, CUSTSEG__NONE, out)
                            : rc;
}

static int call_events(cctx *cc, const rnode *x, bool since, cnode **out)
{
    int64_t days = -1;
    uint32_t k;
    int rc = since ? want_args(cc, x, 1, 1, "one argument, an event name")
                   : want_args(cc, x, 1, 2, "an event name and, "
                               "optionally, a number of days");

    if (rc == CUSTSEG_OK)
        rc = event_arg(cc, x, &k);
    if (rc == CUSTSEG_OK && x->nkid == 2)
        rc = days_arg(cc, x, 1, &days);
    if (rc != CUSTSEG_OK)
        return rc;
    if ((*out = new_node(cc, since ? CX_EVSINCE : CX_EVCOUNT, RT_NUM)) ==
        NULL)
        return nomem(cc);
    (*out)->event = k;
    (*out)->hi = day_end(cc->ctx->as_of_day);
    (*out)->lo = days < 0 ? INT64_MIN
                          : (cc->ctx->as_of_day - days) * 86400;
    return CUSTSEG_OK;
}

static int call_after(cctx *cc, const rnode *x, cnode **out)
{
    int64_t days = -1;
    uint32_t k;
    int rc = want_args(cc, x, 1, 2, "an event name and, optionally, a "
                       "number of days");

    if (rc == CUSTSEG_OK)
        rc = event_arg(cc, x, &k);
    if (rc == CUSTSEG_OK && x->nkid == 2)
        rc = days_arg(cc, x, 1, &days);
    if (rc == CUSTSEG_OK && cc->ctx->summary)
        rc = err_at(cc, CUSTSEG_EMISUSE, x, "%s needs transactions (the "
                    "dataset holds customer summaries)", x->text, NULL);
    return rc == CUSTSEG_OK ? window(cc, RW_ORDERS_AFTER, days, k, out)
                            : rc;
}

static int call_date(cctx *cc, const rnode *x, cnode **out)
{
    int64_t t;
    int rc = want_args(cc, x, 1, 1, "one argument, a quoted date");

    if (rc == CUSTSEG_OK)
        rc = string_arg(cc, x, 0, "the date");
    if (rc != CUSTSEG_OK)
        return rc;
    if (custseg_parse_time(&t, x->kid[0]->text) != CUSTSEG_OK)
        return err_at(cc, CUSTSEG_EINVAL, x->kid[0], "'%s' is not a date "
                      "or date-time", x->kid[0]->text, NULL);
    if ((rc = make(cc, CX_CONST, RT_DATE, NULL, NULL, out)) == CUSTSEG_OK)
        (*out)->k = (double)custseg__day_of(t);
    return rc;
}

static int call(cctx *cc, const rnode *x, cnode **out)
{
    const char *f = x->text;
    int rc;

    if (strcmp(f, "orders") == 0)
        return call_orders(cc, x, RW_ORDERS, out);
    if (strcmp(f, "revenue") == 0)
        return call_orders(cc, x, RW_REVENUE, out);
    if (strcmp(f, "events") == 0 || strcmp(f, "days_since") == 0)
        return call_events(cc, x, f[0] == 'd', out);
    if (strcmp(f, "orders_after") == 0)
        return call_after(cc, x, out);
    if (strcmp(f, "date") == 0)
        return call_date(cc, x, out);
    if (strcmp(f, "attr") == 0) {
        rc = want_args(cc, x, 1, 1, "one argument, a quoted attribute name");
        if (rc == CUSTSEG_OK)
            rc = string_arg(cc, x, 0, "the attribute name");
        return rc == CUSTSEG_OK ? attribute(cc, x->kid[0], x->kid[0]->text,
                                            x->kid[0]->len, out)
                                : rc;
    }
    return err_at(cc, CUSTSEG_EINVAL, x, "unknown function '%s' (functions:"
                  " orders, revenue, events, days_since, orders_after, "
                  "date, attr)", f, NULL);
}

/* ------------------------------------------------------------ strings */

/* Byte order, as ids are sorted. */
static int str_cmp(const char *a, size_t la, const char *b, size_t lb)
{
    int c = memcmp(a, b, la < lb ? la : lb);

    if (c != 0)
        return c;
    return la < lb ? -1 : la > lb;
}

static bool cmp_holds(int op, int c)
{
    switch (op) {
    case RX_EQ: return c == 0;
    case RX_NE: return c != 0;
    case RX_LT: return c < 0;
    case RX_LE: return c <= 0;
    case RX_GT: return c > 0;
    default: return c >= 0;
    }
}

static bool str_test(int op, const char *s, size_t ls, const char *t,
                     size_t lt)
{
    size_t i;

    switch (op) {
    case RX_STARTS:
        return ls >= lt && memcmp(s, t, lt) == 0;
    case RX_ENDS:
        return ls >= lt && memcmp(s + ls - lt, t, lt) == 0;
    case RX_CONTAINS:
        for (i = 0; i + lt <= ls; i++)
            if (memcmp(s + i, t, lt) == 0)
                return true;
        return false;
    default:
        return cmp_holds(op, str_cmp(s, ls, t, lt));
    }
}

/* The literals of an IN list, or one literal (x == NULL). */
typedef struct strlits {
    const rnode *const *kid;
    size_t n;
    const char *text;
    size_t len;
} strlits;

static bool lits_test(int op, const strlits *l, const char *s, size_t ls)
{
    size_t i;

    if (l->kid == NULL)
        return str_test(op, s, ls, l->text, l->len);
    for (i = 0; i < l->n; i++)
        if (str_test(RX_EQ, s, ls, l->kid[i]->text, l->kid[i]->len))
            return true;
    return false;
}

/* One verdict per distinct value of the column p. */
static int str_table(cctx *cc, cnode *p, int op, const strlits *l,
                     cnode **out)
{
    const custseg__strtab *t = p->stab;
    size_t i, n = t->count;
    cnode *b;

    if (make(cc, CX_STABLE, RT_BOOL, p, NULL, &b) != CUSTSEG_OK)
        return CUSTSEG_ENOMEM;
    if ((b->table = custseg__malloc(n ? n : 1)) == NULL)
        return nomem(cc);
    for (i = 0; i < n; i++)
        b->table[i] = lits_test(op, l, custseg__strtab_get(t, (uint32_t)i),
                                custseg__strtab_len(t, (uint32_t)i))
                          ? RB_T : RB_F;
    *out = b;
    return CUSTSEG_OK;
}

static int flip(int op)
{
    switch (op) {
    case RX_LT: return RX_GT;
    case RX_LE: return RX_GE;
    case RX_GT: return RX_LT;
    case RX_GE: return RX_LE;
    default: return op;
    }
}

static int str_compare(cctx *cc, int op, cnode *a, cnode *b, cnode **out)
{
    strlits l;
    int rc;

    memset(&l, 0, sizeof l);
    if (a->op == CX_SLIT && b->op == CX_SLIT)
        return bconst(cc, str_test(op, a->text, a->len, b->text, b->len)
                              ? RB_T : RB_F, out);
    if (b->op == CX_SLIT || a->op == CX_SLIT) {
        cnode *col = b->op == CX_SLIT ? a : b, *lit = b->op == CX_SLIT ? b
                                                                       : a;
        l.text = lit->text;
        l.len = lit->len;
        return str_table(cc, col, b->op == CX_SLIT ? op : flip(op), &l,
                         out);
    }
    rc = make(cc, CX_SCMP, RT_BOOL, a, b, out);
    if (rc == CUSTSEG_OK)
        (*out)->cmp = op;
    return rc;
}

/* ------------------------------------------------------------ operators */

static int both(cctx *cc, const rnode *x, cnode **a, cnode **b)
{
    int rc = comp(cc, x->kid[0], a);

    return rc == CUSTSEG_OK ? comp(cc, x->kid[1], b) : rc;
}

static int compare(cctx *cc, const rnode *x, cnode **out)
{
    cnode *a, *b;
    int rc = both(cc, x, &a, &b);

    if (rc != CUSTSEG_OK)
        return rc;
    if (a->type != b->type || a->type == RT_BOOL ||
        (x->op >= RX_STARTS && a->type != RT_STR))
        return err_at(cc, CUSTSEG_EINVAL, x, "cannot compare %s with %s",
                      type_name(a->type), type_name(b->type));
    if (x->op >= RX_STARTS && b->op != CX_SLIT)
        return err_at(cc, CUSTSEG_EINVAL, x->kid[1], "starts_with, "
                      "ends_with and contains take a quoted string%s%s",
                      "", "");
    if (a->type == RT_STR)
        return str_compare(cc, x->op, a, b, out);
    rc = make(cc, CX_CMP, RT_BOOL, a, b, out);
    if (rc == CUSTSEG_OK)
        (*out)->cmp = x->op;
    return rc;
}

static int arith(cctx *cc, const rnode *x, cnode **out)
{
    static const int ops[] = {CX_ADD, CX_SUB, CX_MUL, CX_DIV};
    cnode *a, *b;
    int rc = both(cc, x, &a, &b);

    if (rc != CUSTSEG_OK)
        return rc;
    if (a->type != RT_NUM || b->type != RT_NUM)
        return err_at(cc, CUSTSEG_EINVAL, x, "arithmetic needs numbers, "
                      "not %s and %s", type_name(a->type),
                      type_name(b->type));
    return make(cc, ops[x->op - RX_ADD], RT_NUM, a, b, out);
}

static int logic(cctx *cc, const rnode *x, cnode **out)
{
    cnode *a, *b = NULL;
    int rc = x->op == RX_NOT ? comp(cc, x->kid[0], &a) : both(cc, x, &a, &b);

    if (rc != CUSTSEG_OK)
        return rc;
    if (a->type != RT_BOOL || (b != NULL && b->type != RT_BOOL))
        return err_at(cc, CUSTSEG_EINVAL, x, "'%s' needs conditions, not "
                      "%s", x->op == RX_AND ? "and" : x->op == RX_OR ? "or"
                                                                    : "not",
                      type_name(a->type != RT_BOOL ? a->type : b->type));
    return make(cc, x->op == RX_AND ? CX_AND : x->op == RX_OR ? CX_OR
                                                              : CX_NOT,
                RT_BOOL, a, b, out);
}

static int negate(cctx *cc, int rc, cnode **out)
{
    return rc == CUSTSEG_OK ? make(cc, CX_NOT, RT_BOOL, *out, NULL, out)
                            : rc;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

static int num_list(cctx *cc, const rnode *x, cnode *a, cnode **out)
{
    size_t i;
    int want = a->type == RT_DATE ? RX_DATE : RX_NUM;

    if (make(cc, CX_IN, RT_BOOL, a, NULL, out) != CUSTSEG_OK)
        return CUSTSEG_ENOMEM;
    if (((*out)->list = custseg__malloc(x->nkid * sizeof(double))) == NULL)
        return nomem(cc);
    for (i = 1; i < x->nkid; i++) {
        if (x->kid[i]->op != want)
            return err_at(cc, CUSTSEG_EINVAL, x->kid[i], "the list must "
                          "hold literals of the type of its left side (%s)",
                          type_name(a->type), NULL);
        (*out)->list[i - 1] = x->kid[i]->num;
    }
    (*out)->nlist = x->nkid - 1;
    qsort((*out)->list, (*out)->nlist, sizeof(double), cmp_double);
    return CUSTSEG_OK;
}

static int in_list(cctx *cc, const rnode *x, cnode **out)
{
    strlits l;
    cnode *a;
    size_t i;
    int rc = comp(cc, x->kid[0], &a);

    if (rc != CUSTSEG_OK)
        return rc;
    if (a->type == RT_BOOL)
        return err_at(cc, CUSTSEG_EINVAL, x, "'in' needs a value on its "
                      "left, not %s", type_name(a->type), NULL);
    if (a->type != RT_STR)
        rc = num_list(cc, x, a, out);
    else {
        for (i = 1; i < x->nkid; i++)
            if (x->kid[i]->op != RX_STR)
                return err_at(cc, CUSTSEG_EINVAL, x->kid[i], "the list "
                              "must hold literals of the type of its left "
                              "side (%s)", type_name(RT_STR), NULL);
        memset(&l, 0, sizeof l);
        l.kid = (const rnode *const *)x->kid + 1;
        l.n = x->nkid - 1;
        if (a->op == CX_SLIT)
            rc = bconst(cc, lits_test(RX_EQ, &l, a->text, a->len) ? RB_T
                                                                   : RB_F,
                        out);
        else
            rc = str_table(cc, a, RX_EQ, &l, out);
    }
    return x->op == RX_NOTIN ? negate(cc, rc, out) : rc;
}

/* a between lo and hi: (a >= lo) and (a <= hi), so missing values give
 * unknown as SQL has it. */
static int between(cctx *cc, const rnode *x, cnode **out)
{
    cnode *a, *lo, *hi, *ge, *le;
    int rc = both(cc, x, &a, &lo);

    if (rc == CUSTSEG_OK)
        rc = comp(cc, x->kid[2], &hi);
    if (rc != CUSTSEG_OK)
        return rc;
    if ((a->type != RT_NUM && a->type != RT_DATE) || lo->type != a->type ||
        hi->type != a->type)
        return err_at(cc, CUSTSEG_EINVAL, x, "'between' needs three "
                      "numbers or three dates, not %s%s",
                      type_name(a->type != RT_NUM && a->type != RT_DATE
                                    ? a->type
                                    : lo->type != a->type ? lo->type
                                                          : hi->type), "");
    rc = make(cc, CX_CMP, RT_BOOL, a, lo, &ge);
    if (rc == CUSTSEG_OK)
        rc = make(cc, CX_CMP, RT_BOOL, a, hi, &le);
    if (rc != CUSTSEG_OK)
        return rc;
    ge->cmp = RX_GE;
    le->cmp = RX_LE;
    rc = make(cc, CX_AND, RT_BOOL, ge, le, out);
    return x->op == RX_NOTBETWEEN ? negate(cc, rc, out) : rc;
}

static int null_test(cctx *cc, const rnode *x, cnode **out)
{
    cnode *a;
    int rc = comp(cc, x->kid[0], &a);

    if (rc != CUSTSEG_OK)
        return rc;
    if (a->type == RT_BOOL)
        return err_at(cc, CUSTSEG_EINVAL, x, "'is null' needs a value, not "
                      "%s", type_name(a->type), NULL);
    if (a->op == CX_SLIT || a->op == CX_CONST) /* literals are never null */
        return bconst(cc, x->op == RX_ISNULL ? RB_F : RB_T, out);
    return make(cc, x->op == RX_ISNULL ? CX_ISNULL : CX_NOTNULL, RT_BOOL, a,
                NULL, out);
}

static int literal(cctx *cc, const rnode *x, cnode **out)
{
    int rc;

    if (x->op == RX_STR) {
        rc = make(cc, CX_SLIT, RT_STR, NULL, NULL, out);
        if (rc == CUSTSEG_OK) {
            (*out)->text = x->text;
            (*out)->len = x->len;
        }
        return rc;
    }
    rc = make(cc, CX_CONST, x->op == RX_DATE ? RT_DATE : RT_NUM, NULL, NULL,
              out);
    if (rc == CUSTSEG_OK)
        (*out)->k = x->num;
    return rc;
}

static int unary_minus(cctx *cc, const rnode *x, cnode **out)
{
    cnode *a;
    int rc = comp(cc, x->kid[0], &a);

    if (rc != CUSTSEG_OK)
        return rc;
    if (a->type != RT_NUM)
        return err_at(cc, CUSTSEG_EINVAL, x, "'-' needs a number, not %s",
                      type_name(a->type), NULL);
    return make(cc, CX_NEG, RT_NUM, a, NULL, out);
}

static int comp(cctx *cc, const rnode *x, cnode **out)
{
    switch (x->op) {
    case RX_NUM: case RX_STR: case RX_DATE:
        return literal(cc, x, out);
    case RX_IDENT:
        return identifier(cc, x, out);
    case RX_CALL:
        return call(cc, x, out);
    case RX_NEG:
        return unary_minus(cc, x, out);
    case RX_ADD: case RX_SUB: case RX_MUL: case RX_DIV:
        return arith(cc, x, out);
    case RX_IN: case RX_NOTIN:
        return in_list(cc, x, out);
    case RX_BETWEEN: case RX_NOTBETWEEN:
        return between(cc, x, out);
    case RX_ISNULL: case RX_NOTNULL:
        return null_test(cc, x, out);
    case RX_AND: case RX_OR: case RX_NOT:
        return logic(cc, x, out);
    default:
        return compare(cc, x, out);
    }
}

/* ------------------------------------------------------------ programs */

void custseg__program_free(custseg__program *pg)
{
    size_t i;

    for (i = 0; i < pg->nnodes; i++) {
        custseg__free(pg->nodes[i]->table);
        custseg__free(pg->nodes[i]->list);
        custseg__free(pg->nodes[i]);
    }
    for (i = 0; i < pg->nwin; i++)
        custseg__free(pg->win[i].out);
    custseg__free(pg->attrs);
    custseg__free(pg->nodes);
    custseg__free(pg->win);
    custseg__free(pg->rules);
    memset(pg, 0, sizeof *pg);
}

int custseg__program_compile(custseg__program *pg,
                             const custseg__rule *rules, size_t n,
                             const custseg__rctx *ctx, custseg__err *e)
{
    cctx cc;
    size_t i;
    int rc = CUSTSEG_OK;

    memset(pg, 0, sizeof *pg);
    memset(&cc, 0, sizeof cc);
    cc.pg = pg;
    cc.ctx = ctx;
    cc.e = e;
    if ((pg->rules = custseg__calloc(n ? n : 1, sizeof *pg->rules)) == NULL)
        return nomem(&cc);
    for (i = 0; i < n && rc == CUSTSEG_OK; i++) {
        cc.src.file = rules[i].source;
        cc.src.segment = rules[i].segment;
        rc = comp(&cc, rules[i].expr, &pg->rules[i]);
        if (rc == CUSTSEG_OK && pg->rules[i]->type != RT_BOOL)
            rc = err_at(&cc, CUSTSEG_EINVAL, rules[i].expr, "a rule must "
                        "be a condition, not %s%s",
                        type_name(pg->rules[i]->type), "");
        pg->nrules = i + 1;
    }
    if (rc != CUSTSEG_OK)
        custseg__program_free(pg);
    return rc;
}
