/*
 * rules_window.c - per-customer aggregates over a time window: orders in
 * the last N days, revenue in the last N days, orders after the
 * customer's last event of a kind. All windows of a run are filled in
 * one pass over the transaction columns, however many rules use them.
 *
 * "The last N days" uses recency's measure: a transaction is in it when
 * as_of - its day <= N (and it is not after as_of), so recency <= N holds
 * exactly when orders(N) >= 1. Orders are distinct order ids, counted as
 * metrics.c counts frequency: each order remembers the first customer
 * seen with it and a bitmap per window marks it counted; the rare orders
 * shared by several customers are sorted and deduplicated at the end.
 * Columns are filled in result row order (customers in id order).
 */
#include "rules.h"

#include <stdlib.h>
#include <string.h>

typedef struct wstate {
    custseg__window *w;
    int64_t *rev;          /* RW_REVENUE: exact sum, e4 */
    uint64_t *seen;        /* order counted (bitmap), count windows */
    int64_t *after;        /* RW_ORDERS_AFTER: last event time, by
                              customer (INT64_MIN: none) */
    int64_t *limit;        /* and the end of the window after it */
} wstate;

typedef struct shared {
    uint32_t w, o, c;
} shared;

typedef struct pass {
    const custseg_dataset *ds;
    const uint32_t *rank;  /* customer -> result row */
    int64_t as_of_day, as_of_end;
    wstate *ws;
    size_t nw;
    uint32_t *owner;
    shared *sh;
    size_t nsh, capsh;
} pass;

static void free_pass(pass *p)
{
    size_t i;

    for (i = 0; p->ws != NULL && i < p->nw; i++) {
        custseg__free(p->ws[i].rev);
        custseg__free(p->ws[i].seen);
        custseg__free(p->ws[i].after);
        custseg__free(p->ws[i].limit);
    }
    custseg__free(p->ws);
    custseg__free(p->owner);
    custseg__free(p->sh);
}

/* When the customer's last event of the kind was, and until when its
 * window after it runs. */
static int event_bounds(pass *p, wstate *s, const custseg__rctx *ctx)
{
    const custseg__events *ev = &ctx->ds->cd->ev;
    size_t n = p->ds->customers.count, c;

    s->after = custseg__malloc((n ? n : 1) * sizeof *s->after);
    s->limit = custseg__malloc((n ? n : 1) * sizeof *s->limit);
    if (s->after == NULL || s->limit == NULL)
        return CUSTSEG_ENOMEM;
    for (c = 0; c < n; c++) {
        int64_t t = custseg__events_last(ev, (uint32_t)c, s->w->event,
                                         p->as_of_end);
        int64_t lim = p->as_of_end;
        if (t != INT64_MIN && s->w->days >= 0 &&
            t + s->w->days * 86400 < lim)
            lim = t + s->w->days * 86400;
        s->after[c] = t;
        s->limit[c] = lim;
        /* no event: unknown */
        s->w->out[p->rank[c]] = t == INT64_MIN ? NAN : 0.0;
    }
    return CUSTSEG_OK;
}

static int setup(pass *p, custseg__program *pg, const custseg__rctx *ctx)
{
    const custseg_dataset *ds = ctx->ds;
    size_t n = ds->customers.count, i, c;
    size_t words = (ds->norders + 63) / 64;
    int rc = CUSTSEG_OK;

    p->ws = custseg__calloc(pg->nwin ? pg->nwin : 1, sizeof *p->ws);
    if (p->ws == NULL)
        return CUSTSEG_ENOMEM;
    p->nw = pg->nwin;
    for (i = 0; i < pg->nwin && rc == CUSTSEG_OK; i++) {
        wstate *s = &p->ws[i];
        s->w = &pg->win[i];
        for (c = 0; c < n; c++)
            s->w->out[c] = 0.0;
        if (s->w->kind == RW_REVENUE) {
            s->rev = custseg__calloc(n ? n : 1, sizeof *s->rev);
            rc = s->rev == NULL ? CUSTSEG_ENOMEM : CUSTSEG_OK;
            continue;
        }
        s->seen = custseg__calloc(words ? words : 1, sizeof *s->seen);
        if (s->seen == NULL)
            rc = CUSTSEG_ENOMEM;
        else if (s->w->kind == RW_ORDERS_AFTER)
            rc = event_bounds(p, s, ctx);
    }
    if (rc == CUSTSEG_OK && ds->norders > 0) {
        p->owner = custseg__malloc(ds->norders * sizeof *p->owner);
        if (p->owner == NULL)
            return CUSTSEG_ENOMEM;
        memset(p->owner, 0xff, ds->norders * sizeof *p->owner); /* NONE */
    }
    return rc;
}

static bool in_window(const pass *p, const wstate *s, uint32_t c,
                      int64_t t, int64_t day)
{
    if (s->w->kind != RW_ORDERS_AFTER)
        return p->as_of_day - day <= s->w->days;
    return s->after[c] != INT64_MIN && t > s->after[c] && t <= s->limit[c];
}

static int count_order(pass *p, wstate *s, uint32_t w, uint32_t c,
                       uint32_t o)
{
    if (o == CUSTSEG__NONE) { /* no order column: each row an order */
        s->w->out[p->rank[c]] += 1.0;
    } else if (p->owner[o] == c) {
        if (!(s->seen[o / 64] >> (o % 64) & 1u)) {
            s->seen[o / 64] |= (uint64_t)1 << (o % 64);
            s->w->out[p->rank[c]] += 1.0;
        }
    } else {
        if (custseg__grow((void **)&p->sh, &p->capsh, p->nsh + 1,
                          sizeof *p->sh) != CUSTSEG_OK)
            return CUSTSEG_ENOMEM;
        p->sh[p->nsh].w = w;
        p->sh[p->nsh].o = o;
        p->sh[p->nsh++].c = c;
    }
    return CUSTSEG_OK;
}

static int scan(pass *p)
{
    const custseg_dataset *ds = p->ds;
    size_t i;
    uint32_t w;
    int rc = CUSTSEG_OK;

    for (i = 0; i < ds->ntx && rc == CUSTSEG_OK; i++) {
        uint32_t c = ds->tx_customer[i], o = ds->tx_order[i];
        int64_t t = ds->tx_time[i], day;
        if (t > p->as_of_end)
            continue; /* a snapshot sees only its past */
        day = custseg__day_of(t);
        if (o != CUSTSEG__NONE && p->owner[o] == CUSTSEG__NONE)
            p->owner[o] = c;
        for (w = 0; w < p->nw && rc == CUSTSEG_OK; w++) {
            wstate *s = &p->ws[w];
            if (!in_window(p, s, c, t, day))
                continue;
            if (s->rev == NULL)
                rc = count_order(p, s, w, c, o);
            else if (__builtin_add_overflow(s->rev[c], ds->tx_amount[i],
                                            &s->rev[c]))
                rc = CUSTSEG_ERANGE;
        }
    }
    return rc;
}

static int cmp_shared(const void *a, const void *b)
{
    const shared *x = a, *y = b;

    if (x->w != y->w)
        return x->w < y->w ? -1 : 1;
    if (x->o != y->o)
        return x->o < y->o ? -1 : 1;
    return x->c < y->c ? -1 : x->c > y->c;
}

static void finish(pass *p)
{
    size_t i, c, n = p->ds->customers.count;

    if (p->nsh > 0)
        qsort(p->sh, p->nsh, sizeof *p->sh, cmp_shared);
    for (i = 0; i < p->nsh; i++)
        if (i == 0 || cmp_shared(&p->sh[i], &p->sh[i - 1]) != 0)
            p->ws[p->sh[i].w].w->out[p->rank[p->sh[i].c]] += 1.0;
    for (i = 0; i < p->nw; i++)
        if (p->ws[i].rev != NULL)
            for (c = 0; c < n; c++)
                p->ws[i].w->out[p->rank[c]] =
                    (double)p->ws[i].rev[c] / CUSTSEG__E4;
}

int custseg__program_windows(custseg__program *pg, const custseg__rctx *ctx)
{
    pass p;
    int rc;

    if (pg->nwin == 0)
        return CUSTSEG_OK;
    memset(&p, 0, sizeof p);
    p.ds = ctx->ds;
    p.rank = ctx->ds->id_rank; /* prior's rows are all customers */
    p.as_of_day = ctx->as_of_day;
    p.as_of_end = ctx->as_of_day * 86400 + 86399;
    rc = setup(&p, pg, ctx);
    if (rc == CUSTSEG_OK)
        rc = scan(&p);
    if (rc == CUSTSEG_OK)
        finish(&p);
    free_pass(&p);
    return rc;
}
