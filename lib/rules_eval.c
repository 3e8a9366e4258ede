/*
 * rules_eval.c - compiled rules over all result rows, a block at a time.
 *
 * Evaluation is column-wise with selection vectors, as in vectorized
 * databases: a condition takes the rows of the block still in question
 * (sorted offsets) and splits them into those where it is true and, when
 * a "not" above needs it, those where it is false; the rest are unknown.
 * "and" evaluates its right side only on the rows its left side did not
 * rule out, "or" only on the rows its left side did not accept, and each
 * rule only sees the rows no earlier rule took. So, as with SQL's CASE,
 * work shrinks as rules and conjuncts narrow the rows, while every loop
 * stays a tight pass over a few kilobytes that stay in cache.
 *
 * Leaves never read transactions or rule text: a metric or attribute is
 * one node shared by every rule that names it, filled for the whole block
 * on first use into the (cache-resident) frame, so each customer's
 * metrics are touched once; windows and RFM scores are columns made once
 * per run in row order.
 * Numbers are doubles with NaN for missing; a value buffer is indexed by
 * the row's offset in the block, and only selected offsets are valid.
 *
 * Blocks are independent, so they are shared among threads: each job
 * takes a run of blocks with a frame of its own and writes only its own
 * rows' segments. The result does not depend on the thread count.
 */
#include "rules.h"

#include <string.h>

#define B CUSTSEG__RULE_BLOCK
#define BLOCKS_PER_JOB 16
#define SEL B
#define SLOT_BYTES (8 * SEL * 2) /* a value buffer, or 8 selections */

typedef uint16_t sel_t; /* offsets in a block */
typedef custseg__cnode cnode;

typedef struct blk {
    const custseg__rctx *ctx;
    size_t r0;            /* first row of the block */
    size_t len;
    unsigned char *frame; /* nslots slots of SLOT_BYTES */
    size_t *filled;       /* per slot: 1 + first row of the block that a
                             shared leaf holds, or 0 */
    uint8_t *mask;        /* B bytes for set operations, zero between */
} blk;

/* A node's scratch: its value buffer, or selections for "and"/"or". */
static void *slot(const blk *b, const cnode *n)
{
    return b->frame + (size_t)n->slot * SLOT_BYTES;
}

static sel_t *sel_slot(const blk *b, const cnode *n, int k)
{
    return (sel_t *)slot(b, n) + (size_t)k * SEL;
}

/* ------------------------------------------------------------ values */

/* A day of each row's customer, or NaN; tenure counts to as_of. */
static void days(const blk *b, const int64_t *day, bool tenure, double *o)
{
    const uint32_t *rc = b->ctx->row_customer + b->r0;
    size_t i;

    for (i = 0; i < b->len; i++) {
        int64_t d = day[rc[i]];
        o[i] = d == INT64_MIN ? NAN
                              : (double)(tenure ? b->ctx->as_of_day - d : d);
    }
}

/* A metric for the whole block. A customer without a transaction up to
 * as_of has frequency 0 and no recency (summaries give recency as it
 * is). Money is in currency units. */
static void metric(const cnode *n, const blk *b, double *o)
{
    const custseg__rctx *x = b->ctx;
    const int64_t *rec = x->recency + b->r0, *fq = x->frequency + b->r0;
    const double *money = x->money + b->r0;
    size_t i;

    switch (n->metric) {
    case CX_RECENCY:
        for (i = 0; i < b->len; i++)
            o[i] = x->summary || fq[i] > 0 ? (double)rec[i] : NAN;
        break;
    case CX_FREQUENCY:
        for (i = 0; i < b->len; i++)
            o[i] = (double)fq[i];
        break;
    case CX_AOV:
        for (i = 0; i < b->len; i++)
            o[i] = fq[i] > 0 ? money[i] / (double)fq[i] : NAN;
        break;
    default:
        days(b, n->metric == CX_LAST ? x->m->last_day : x->m->first_day,
             n->metric == CX_TENURE, o);
        break;
    }
}

/* Shared leaves (a metric, an attribute) are filled once per block, for
 * every row, on first use; later rules read the same buffer. */
static bool fresh(const cnode *n, const blk *b)
{
    if (b->filled[n->slot] == b->r0 + 1)
        return false;
    b->filled[n->slot] = b->r0 + 1;
    return true;
}

static const uint32_t *str(const cnode *n, const blk *b)
{
    const uint32_t *rc = b->ctx->row_customer + b->r0;
    uint32_t *o = slot(b, n);
    size_t i;

    if (n->op != CX_ASCOL)
        return n->scol + b->r0;
    if (fresh(n, b))
        for (i = 0; i < b->len; i++)
            o[i] = n->attr->str[rc[i]];
    return o;
}

static void attr_numbers(const cnode *n, const blk *b, double *o)
{
    const uint32_t *rc = b->ctx->row_customer + b->r0;
    size_t i;

    for (i = 0; i < b->len; i++)
        o[i] = n->attr->num[rc[i]];
}

static const double *num(const cnode *n, const blk *b, const sel_t *s,
                         size_t ns);

static void events(const cnode *n, const blk *b, const sel_t *s,
                   size_t ns, double *o)
{
    const custseg__events *e = &b->ctx->ds->cd->ev;
    const uint32_t *cust = b->ctx->row_customer + b->r0;
    size_t j;

    for (j = 0; j < ns; j++) {
        uint32_t c = cust[s[j]];
        int64_t t;
        if (n->op == CX_EVCOUNT) {
            o[s[j]] = (double)custseg__events_count(e, c, n->event, n->lo,
                                                    n->hi);
            continue;
        }
        t = custseg__events_last(e, c, n->event, n->hi);
        o[s[j]] = t == INT64_MIN ? NAN
                                 : (double)(b->ctx->as_of_day -
                                            custseg__day_of(t));
    }
}

/* NaN flows through arithmetic as SQL's NULL does; x / 0 is NULL too. */
static void arith(const cnode *n, const blk *b, const sel_t *s, size_t ns,
                  double *o)
{
    const double *x = num(n->a, b, s, ns), *y;
    size_t j;

    if (n->op == CX_NEG) {
        for (j = 0; j < ns; j++)
            o[s[j]] = -x[s[j]];
        return;
    }
    y = num(n->b, b, s, ns);
    for (j = 0; j < ns; j++) {
        double u = x[s[j]], v = y[s[j]];
        o[s[j]] = n->op == CX_ADD ? u + v : n->op == CX_SUB ? u - v
                : n->op == CX_MUL ? u * v : v == 0.0 ? NAN : u / v;
    }
}

/* The node's numbers, valid at the selected offsets. Columns are read
 * in place; constants come from a buffer filled when the frame is made. */
static const double *num(const cnode *n, const blk *b, const sel_t *s,
                         size_t ns)
{
    double *o = slot(b, n);

    switch (n->op) {
    case CX_COL:
        return n->dcol + b->r0;
    case CX_CONST:
        return o;
    case CX_METRIC:
        if (n->metric == CX_MONETARY) /* a column of the run's own */
            return b->ctx->money + b->r0;
        if (fresh(n, b))
            metric(n, b, o);
        return o;
    case CX_ACOL:
        if (fresh(n, b))
            attr_numbers(n, b, o);
        return o;
    case CX_EVCOUNT: case CX_EVSINCE:
        events(n, b, s, ns, o);
        return o;
    default:
        arith(n, b, s, ns, o);
        return o;
    }
}

/* ------------------------------------------------------------ conditions
 * Each writes the selected offsets where it is true to t (*nt) and,
 * when f is not NULL, where it is false to f (*nf). */

typedef struct split {
    sel_t *t, *f;
    size_t nt, nf;
} split;

/* Branch-free appends: every row is written, the count moves when the
 * row belongs. A selection of the whole block is the identity (offsets
 * are sorted and distinct), read without the indirection. */
#define SPLIT_LOOP(row, test_t, test_f)                                   \
    do {                                                                  \
        if (o->f == NULL) {                                               \
            for (j = 0; j < ns; j++) {                                    \
                sel_t r = (row);                                          \
                o->t[o->nt] = r;                                          \
                o->nt += (test_t);                                        \
            }                                                             \
        } else {                                                          \
            for (j = 0; j < ns; j++) {                                    \
                sel_t r = (row);                                          \
                o->t[o->nt] = r;                                          \
                o->nt += (test_t);                                        \
                o->f[o->nf] = r;                                          \
                o->nf += (test_f);                                        \
            }                                                             \
        }                                                                 \
    } while (0)
#define SPLIT(test_t, test_f)                                             \
    do {                                                                  \
        if (ns == b->len)                                                 \
            SPLIT_LOOP((sel_t)j, test_t, test_f);                         \
        else                                                              \
            SPLIT_LOOP(s[j], test_t, test_f);                             \
    } while (0)

/* x op y; NaN on either side is unknown. */
static void compare(const cnode *n, const blk *b, const sel_t *s,
                    size_t ns, split *o)
{
    const double *x = num(n->a, b, s, ns);
    size_t j;

    if (n->b->op == CX_CONST) { /* the common case: a column and a literal */
        double k = n->b->k;
        switch (n->cmp) {
        case RX_EQ: SPLIT(x[r] == k, x[r] != k && x[r] == x[r]); break;
        case RX_NE: SPLIT(x[r] != k && x[r] == x[r], x[r] == k); break;
        case RX_LT: SPLIT(x[r] < k, x[r] >= k); break;
        case RX_LE: SPLIT(x[r] <= k, x[r] > k); break;
        case RX_GT: SPLIT(x[r] > k, x[r] <= k); break;
        default: SPLIT(x[r] >= k, x[r] < k); break;
        }
        return;
    }
    {
        const double *y = num(n->b, b, s, ns);
#define OK2 (x[r] == x[r] && y[r] == y[r])
        switch (n->cmp) {
        case RX_EQ: SPLIT(x[r] == y[r], x[r] != y[r] && OK2); break;
        case RX_NE: SPLIT(x[r] != y[r] && OK2, x[r] == y[r]); break;
        case RX_LT: SPLIT(x[r] < y[r], x[r] >= y[r]); break;
        case RX_LE: SPLIT(x[r] <= y[r], x[r] > y[r]); break;
        case RX_GT: SPLIT(x[r] > y[r], x[r] <= y[r]); break;
        default: SPLIT(x[r] >= y[r], x[r] < y[r]); break;
        }
#undef OK2
    }
}

static bool in_list(const cnode *n, double v)
{
    size_t lo = 0, hi = n->nlist;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (n->list[mid] < v)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n->nlist && n->list[lo] == v;
}

static void in(const cnode *n, const blk *b, const sel_t *s, size_t ns,
               split *o)
{
    const double *x = num(n->a, b, s, ns);
    size_t j;

    SPLIT(in_list(n, x[r]), x[r] == x[r] && !in_list(n, x[r]));
}

/* One verdict per distinct string, decided at compile time. */
static void table(const cnode *n, const blk *b, const sel_t *s, size_t ns,
                  split *o)
{
    const uint32_t *x = str(n->a, b);
    const uint8_t *tab = n->table;
    size_t j;

    SPLIT(x[r] != CUSTSEG__NONE && tab[x[r]] == RB_T,
          x[r] != CUSTSEG__NONE && tab[x[r]] == RB_F);
}

static int str_cmp(const cnode *n, const blk *b, sel_t r)
{
    uint32_t x = str(n->a, b)[r], y = str(n->b, b)[r];
    const custseg__strtab *tx = n->a->stab, *ty = n->b->stab;
    size_t lx = custseg__strtab_len(tx, x), ly = custseg__strtab_len(ty, y);
    int c = memcmp(custseg__strtab_get(tx, x), custseg__strtab_get(ty, y),
                   lx < ly ? lx : ly);

    if (c == 0)
        c = lx < ly ? -1 : lx > ly;
    switch (n->cmp) {
    case RX_EQ: return c == 0;
    case RX_NE: return c != 0;
    case RX_LT: return c < 0;
    case RX_LE: return c <= 0;
    case RX_GT: return c > 0;
    default: return c >= 0;
    }
}

/* Two string columns, compared as bytes row by row. */
static void str_compare(const cnode *n, const blk *b, const sel_t *s,
                        size_t ns, split *o)
{
    const uint32_t *x = str(n->a, b), *y = str(n->b, b);
    size_t j;

#define KNOWN (x[r] != CUSTSEG__NONE && y[r] != CUSTSEG__NONE)
    SPLIT(KNOWN && str_cmp(n, b, r), KNOWN && !str_cmp(n, b, r));
#undef KNOWN
}

static void null_test(const cnode *n, const blk *b, const sel_t *s,
                      size_t ns, split *o)
{
    bool want = n->op == CX_ISNULL;
    size_t j;

    if (n->a->type == RT_STR) {
        const uint32_t *x = str(n->a, b);
        SPLIT((x[r] == CUSTSEG__NONE) == want,
              (x[r] == CUSTSEG__NONE) != want);
    } else {
        const double *x = num(n->a, b, s, ns);
        SPLIT((x[r] != x[r]) == want, (x[r] != x[r]) != want);
    }
}

/* ------------------------------------------------------------ sets
 * Selections are sorted offsets. Set operations mark one side in the
 * block's byte mask (all zero between operations) and filter the other
 * through it: every step of the filter is independent of the last, so
 * it runs at a few cycles a row, where a merge would wait on itself. */

static void mark(uint8_t *m, const sel_t *a, size_t na, uint8_t v)
{
    size_t i;

    for (i = 0; i < na; i++)
        m[a[i]] = v;
}

/* The rows of s whose mark is want. */
static size_t filter(const sel_t *s, size_t ns, const uint8_t *m,
                     uint8_t want, sel_t *o)
{
    size_t i, n = 0;

    for (i = 0; i < ns; i++) {
        sel_t x = s[i];
        o[n] = x;
        n += m[x] == want;
    }
    return n;
}

/* s \ b. */
static size_t minus(const blk *k, const sel_t *s, size_t ns, const sel_t *b,
                    size_t nb, sel_t *o)
{
    size_t n;

    mark(k->mask, b, nb, 1);
    n = filter(s, ns, k->mask, 0, o);
    mark(k->mask, b, nb, 0);
    return n;
}

/* a or b, both within s. */
static size_t either(const blk *k, const sel_t *s, size_t ns,
                     const sel_t *a, size_t na, const sel_t *b, size_t nb,
                     sel_t *o)
{
    size_t n;

    mark(k->mask, a, na, 1);
    mark(k->mask, b, nb, 1);
    n = filter(s, ns, k->mask, 1, o);
    mark(k->mask, a, na, 0);
    mark(k->mask, b, nb, 0);
    return n;
}

/* a and b. */
static size_t both(const blk *k, const sel_t *a, size_t na, const sel_t *b,
                   size_t nb, sel_t *o)
{
    size_t n;

    mark(k->mask, a, na, 1);
    n = filter(b, nb, k->mask, 1, o);
    mark(k->mask, a, na, 0);
    return n;
}

static void cond(const cnode *n, const blk *b, const sel_t *s, size_t ns,
                 split *o);

/* Evaluate n on s into the node's own selections k, k + 1. */
static split sub(const cnode *n, const cnode *owner, const blk *b,
                 const sel_t *s, size_t ns, int k, bool want_f)
{
    split x;

    x.t = sel_slot(b, owner, k);
    x.f = want_f ? sel_slot(b, owner, k + 1) : NULL;
    x.nt = x.nf = 0;
    cond(n, b, s, ns, &x);
    return x;
}

/* and: true where both are; false where either is. The right side sees
 * only the rows the left side did not make false. */
static void and_(const cnode *n, const blk *b, const sel_t *s, size_t ns,
                 split *o)
{
    split l = sub(n->a, n, b, s, ns, 0, o->f != NULL), r;
    sel_t *rest = sel_slot(b, n, 2);
    size_t nrest;

    if (o->f == NULL) { /* only the true rows matter */
        cond(n->b, b, l.t, l.nt, o);
        return;
    }
    nrest = minus(b, s, ns, l.f, l.nf, rest);
    r = sub(n->b, n, b, rest, nrest, 3, true);
    o->nt = both(b, l.t, l.nt, r.t, r.nt, o->t);
    o->nf = either(b, s, ns, l.f, l.nf, r.f, r.nf, o->f);
}

/* or: true where either is; false where both are. The right side sees
 * only the rows the left side did not make true. */
static void or_(const cnode *n, const blk *b, const sel_t *s, size_t ns,
                split *o)
{
    split l = sub(n->a, n, b, s, ns, 0, o->f != NULL), r;
    sel_t *rest = sel_slot(b, n, 2);
    size_t nrest = minus(b, s, ns, l.t, l.nt, rest);

    r = sub(n->b, n, b, rest, nrest, 3, o->f != NULL);
    o->nt = either(b, s, ns, l.t, l.nt, r.t, r.nt, o->t);
    if (o->f != NULL)
        o->nf = both(b, l.f, l.nf, r.f, r.nf, o->f);
}

/* not: true where the operand is false, and the other way round. */
static void not_(const cnode *n, const blk *b, const sel_t *s, size_t ns,
                 split *o)
{
    split x = sub(n->a, n, b, s, ns, 0, true);

    memcpy(o->t, x.f, x.nf * sizeof *x.f);
    o->nt = x.nf;
    if (o->f != NULL) {
        memcpy(o->f, x.t, x.nt * sizeof *x.t);
        o->nf = x.nt;
    }
}

static void cond(const cnode *n, const blk *b, const sel_t *s, size_t ns,
                 split *o)
{
    switch (n->op) {
    case CX_BCONST:
        if (n->k == RB_T) {
            memcpy(o->t, s, ns * sizeof *s);
            o->nt = ns;
        } else if (n->k == RB_F && o->f != NULL) {
            memcpy(o->f, s, ns * sizeof *s);
            o->nf = ns;
        }
        break;
    case CX_CMP: compare(n, b, s, ns, o); break;
    case CX_IN: in(n, b, s, ns, o); break;
    case CX_STABLE: table(n, b, s, ns, o); break;
    case CX_SCMP: str_compare(n, b, s, ns, o); break;
    case CX_ISNULL: case CX_NOTNULL: null_test(n, b, s, ns, o); break;
    case CX_AND: and_(n, b, s, ns, o); break;
    case CX_OR: or_(n, b, s, ns, o); break;
    default: not_(n, b, s, ns, o); break;
    }
}

/* ------------------------------------------------------------ running */

typedef struct job {
    const custseg__program *pg;
    const custseg__rctx *ctx;
    const uint32_t *rule_seg;
    uint32_t dflt;
    uint32_t *seg;
} job;

/* First match wins. Rows a rule takes are marked taken; the list of
 * rows left is compacted only once a good share of it is taken, since a
 * pass to drop a few rows costs more than letting later rules look at
 * them again (a taken row keeps its first segment). */
static void run_block(const job *j, const blk *b, sel_t *bufs)
{
    sel_t *left = bufs, *next = bufs + SEL, *hit = bufs + 2 * SEL, *tmp;
    uint8_t *taken = (uint8_t *)(bufs + 3 * SEL);
    uint32_t *seg = j->seg + b->r0;
    size_t i, r, nleft = b->len, stale = 0;
    split o;

    for (i = 0; i < b->len; i++) {
        left[i] = (sel_t)i;
        seg[i] = j->dflt;
        taken[i] = 0;
    }
    for (r = 0; r < j->pg->nrules && nleft > stale; r++) {
        uint32_t to = j->rule_seg[r];
        o.t = hit;
        o.f = NULL;
        o.nt = o.nf = 0;
        cond(j->pg->rules[r], b, left, nleft, &o);
        for (i = 0; i < o.nt; i++) {
            sel_t x = hit[i];
            uint8_t was = taken[x];
            seg[x] = was ? seg[x] : to;
            taken[x] = 1;
            stale += 1u - was;
        }
        if (stale * 8 >= nleft && stale > 0) {
            nleft = filter(left, nleft, taken, 0, next);
            stale = 0;
            tmp = left;
            left = next;
            next = tmp;
        }
    }
}

/* Constants are written once per frame: they never change. */
static void fill_constants(const custseg__program *pg, unsigned char *fr)
{
    size_t i, k;

    for (i = 0; i < pg->nnodes; i++) {
        const cnode *n = pg->nodes[i];
        double *o = (double *)(void *)(fr + (size_t)n->slot * SLOT_BYTES);
        if (n->op == CX_CONST)
            for (k = 0; k < B; k++)
                o[k] = n->k;
    }
}

static int run_job(size_t k, void *payload)
{
    const job *j = payload;
    size_t first = k * BLOCKS_PER_JOB * B, r0, n = j->ctx->nrows;
    unsigned char *frame =
        custseg__malloc(((size_t)j->pg->nslots + 1) * SLOT_BYTES);
    size_t *filled = custseg__calloc((size_t)j->pg->nslots + 1,
                                     sizeof *filled);
    uint8_t *mask = custseg__calloc(B, 1);
    blk b;

    if (frame == NULL || filled == NULL || mask == NULL) {
        custseg__free(frame);
        custseg__free(filled);
        custseg__free(mask);
        return CUSTSEG_ENOMEM;
    }
    b.mask = mask;
    fill_constants(j->pg, frame);
    b.ctx = j->ctx;
    b.frame = frame;
    b.filled = filled;
    for (r0 = first; r0 < n && r0 < first + BLOCKS_PER_JOB * B; r0 += B) {
        b.r0 = r0;
        b.len = n - r0 < B ? n - r0 : B;
        run_block(j, &b, (sel_t *)(void *)(frame + (size_t)j->pg->nslots *
                                                       SLOT_BYTES));
    }
    custseg__free(frame);
    custseg__free(filled);
    custseg__free(mask);
    return CUSTSEG_OK;
}

int custseg__program_run(const custseg__program *pg,
                         const custseg__rctx *ctx, const uint32_t *rule_seg,
                         uint32_t dflt, int threads, uint32_t *seg)
{
    job j;
    size_t per = (size_t)BLOCKS_PER_JOB * B;

    j.pg = pg;
    j.ctx = ctx;
    j.rule_seg = rule_seg;
    j.dflt = dflt;
    j.seg = seg;
    return custseg__run_jobs((ctx->nrows + per - 1) / per, threads, run_job,
                             &j);
}
