/*
 * rfm.c - the "rfm" strategy: recency, frequency and monetary scores and
 * named segments.
 *
 * Two binning modes (DESIGN.md "Scores"):
 *   ntile     SQL NTILE(bins) over (value, customer id bytes): equal-count
 *             groups, the larger ones first; ties are split by id.
 *   quantile  the R rfm 0.3.0 rule (REFERENCE.md 1.2): type-7 quantile
 *             edges + 1, computed with R's own floating-point steps so the
 *             golden files are reproduced bit for bit; ties share a score.
 * Each score code (r, f, m) then maps to a segment: the caller's map (first
 * match wins, "Others" last), the 11-segment default code lists for 5 bins,
 * or else one segment per code that occurs.
 */
#include "internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

enum { V_R = 0, V_F = 1, V_M = 2, NVARS = 3 };

/* Score codes index tables as r * 121 + f * 11 + m (scores 1..10); the
 * segment code bitmaps of segmap.c use the same index. */
#define CODES (11 * 11 * 11)
#define CODE(r, f, m) ((r) * 121 + (f) * 11 + (m))

static const char *const binning_choices[] = {"ntile", "quantile", NULL};

static const custseg__optdef rfm_options[] = {
    {"as_of", CUSTSEG_OPT_STRING, 0, 0, NULL, 0, NULL},
    {"bins", CUSTSEG_OPT_INT, 2, 10, NULL, 5, NULL},
    {"binning", CUSTSEG_OPT_STRING, 0, 0, binning_choices, 0, "ntile"},
    {"threads", CUSTSEG_OPT_INT, 1, 256, NULL, 1, NULL},
};

/* The default map for 5 bins: the "11 named segments" as explicit code
 * lists (REFERENCE.md section 2 (b)). They partition all 125 codes, so no
 * customer is left over and the default map has no "Others". */
static const char *const default_names[] = {
    "Champions", "Loyal Customers", "Potential Loyalist", "New Customers",
    "Promising", "Need Attention", "About To Sleep", "At Risk",
    "Can't Lose Them", "Hibernating", "Lost",
};
static const char *const default_codes[] = {
    "555 554 544 545 454 455 445",
    "543 444 435 355 354 345 344 335",
    "553 551 552 541 542 533 532 531 452 451 442 441 431 453 433 432 423 "
    "353 352 351 342 341 333 323",
    "512 511 422 421 412 411 311",
    "525 524 523 522 521 515 514 513 425 424 413 414 415 315 314 313",
    "535 534 443 434 343 334 325 324",
    "331 321 312 221 213 231 241 251",
    "255 254 245 244 253 252 243 242 235 234 225 224 153 152 145 143 142 "
    "135 134 133 125 124",
    "155 154 144 214 215 115 114 113",
    "332 322 233 232 223 222 132 123 122 212 211",
    "111 112 121 131 141 151",
};
#define NDEFAULT (sizeof default_names / sizeof *default_names)

/* Everything is kept per result row (customers in id byte order), in the
 * result's own fields: metric v in field[v], its score in field[3 + v]
 * (the CUSTSEG_FIELD_* order). Ranking row numbers keeps memory access
 * sequential and gives the id tie-break for free.
 * The three rankings are independent jobs (custseg__run_jobs); each writes
 * only its own two arrays and threshold row, so no locking is needed and
 * the result does not depend on the thread count. */
#define NFIELDS 6
typedef struct rfm_job {
    const custseg__metrics *m;
    const uint32_t *rows;      /* customer index of each row */
    size_t n;
    int bins;
    bool quantile;
    int64_t *field[NFIELDS];   /* per row; the result's arrays */
    double lower[NVARS][10], upper[NVARS][10]; /* by score - 1 */
} rfm_job;

/* Code -> segment table for one run. */
typedef struct segtab {
    uint32_t of_code[CODES];
    uint16_t code_of[1000]; /* per-code mode: segment -> code */
    size_t nseg;
} segtab;

/* ------------------------------------------------------------ scores */

/* A metric as R sees it: a double, money in currency units. */
static double units(int var, int64_t v)
{
    return var == V_M ? (double)v / CUSTSEG__E4 : (double)v;
}

static double sorted_at(const rfm_job *j, int var, const uint32_t *idx,
                        size_t p)
{
    return units(var, j->field[var][idx[p]]);
}

/* custseg__ntile_range has the SQL semantics, ties kept in row order.
 * Thresholds are the smallest and largest value given each score, NaN
 * for a score nobody got (fewer customers than bins). */
static int score_ntile(rfm_job *j, int var)
{
    custseg__tile_range g;
    int i, st = custseg__ntile_range(j->field[NVARS + var], j->field[var],
                                     j->n, j->bins, var == V_R, &g);

    for (i = 0; st == CUSTSEG_OK && i < j->bins; i++) {
        j->lower[var][i] = g.any[i] ? units(var, g.min[i]) : NAN;
        j->upper[var][i] = g.any[i] ? units(var, g.max[i]) : NAN;
    }
    return st;
}

/* R's quantile(x, p, type = 7) on ascending x, step by step as R 4.x
 * quantile.default does it. The volatile temporaries force each product
 * and sum to be rounded to double on its own: a compiler may otherwise
 * fuse them into an fma (or keep x87 excess precision) and move an edge
 * by one ulp, which changes scores of values sitting on the edge. */
static double r_quantile7(const rfm_job *j, int var, const uint32_t *idx,
                          size_t n, double p)
{
    volatile double t = (double)(n - 1) * p;
    volatile double index = 1.0 + t;
    double lo = floor(index), hi = ceil(index);
    double q = sorted_at(j, var, idx, (size_t)lo - 1);
    double xh = sorted_at(j, var, idx, (size_t)hi - 1);

    if (index > lo && xh != q) {
        volatile double h = index - lo;
        volatile double a = (1.0 - h) * q;
        volatile double b = h * xh;
        q = a + b;
    }
    return q;
}

/* R rfm's bins_lower / bins_upper: [min, b1..b(n-1)] and [b1..b(n-1),
 * max + 1] with b_k = quantile(v, k/n) + 1. probs come from
 * seq(0, 1, length.out = n + 1), which R computes as 0 + k * (1 / n). */
static void quantile_edges(const rfm_job *j, int var, const uint32_t *idx,
                           size_t n, double *lower, double *upper)
{
    volatile double by = 1.0 / j->bins;
    int k;

    lower[0] = sorted_at(j, var, idx, 0);
    upper[j->bins - 1] = sorted_at(j, var, idx, n - 1) + 1.0;
    for (k = 1; k < j->bins; k++) {
        volatile double p = 0.0 + k * by;
        double b = r_quantile7(j, var, idx, n, p) + 1.0;
        upper[k - 1] = lower[k] = b;
    }
}

/* Score of bin i (0-based): F and M count up, R counts down (a small
 * recency is good). */
static int bin_score(int var, int bins, int i)
{
    return var == V_R ? bins - i : i + 1;
}

/* R assigns bins in a loop i = 1..n where a later bin overwrites, so the
 * highest bin with lower <= v < upper wins. Edges from R's arithmetic are
 * nondecreasing, so some bin always matches; the fallback (where R would
 * give NA) only guards against a pathological rounding. */
static int quantile_score(int var, int bins, const double *lower,
                          const double *upper, double v)
{
    int i;

    for (i = bins - 1; i >= 0; i--)
        if (lower[i] <= v && v < upper[i])
            return bin_score(var, bins, i);
    for (i = bins - 1; i > 0 && !(lower[i] <= v); i--)
        ;
    return bin_score(var, bins, i);
}

static void score_quantile(rfm_job *j, int var, const uint32_t *idx,
                           size_t n)
{
    double lower[10], upper[10];
    int64_t prev = 0;
    size_t p;
    int i, sc = 1;

    quantile_edges(j, var, idx, n, lower, upper);
    for (p = 0; p < n; p++) { /* equal values share a score: score once */
        int64_t v = j->field[var][idx[p]];
        if (p == 0 || v != prev)
            sc = quantile_score(var, j->bins, lower, upper, units(var, v));
        j->field[NVARS + var][idx[p]] = sc;
        prev = v;
    }
    for (i = 0; i < j->bins; i++) {
        int s = bin_score(var, j->bins, i);
        j->lower[var][s - 1] = lower[i];
        j->upper[var][s - 1] = upper[i];
    }
}

static const int64_t *metric_of(const custseg__metrics *m, int var)
{
    return var == V_R ? m->recency : var == V_F ? m->frequency : m->monetary;
}

/* Quantile edges need the values in ascending order. */
static int rank_quantile(rfm_job *j, int var)
{
    uint32_t *idx = custseg__malloc(j->n * sizeof *idx);
    size_t i;
    int st;

    if (idx == NULL)
        return CUSTSEG_ENOMEM;
    for (i = 0; i < j->n; i++)
        idx[i] = (uint32_t)i;
    st = custseg__sort_by_i64(idx, j->n, j->field[var], false);
    if (st == CUSTSEG_OK)
        score_quantile(j, var, idx, j->n);
    custseg__free(idx);
    return st;
}

/* One ranking. Rows are in id order, so ranking row numbers stably by
 * the metric orders them as "ORDER BY metric, customer_id" wants. */
static int score_job(size_t job, void *payload)
{
    rfm_job *j = payload;
    int var = (int)job;
    const int64_t *src = metric_of(j->m, var);
    int64_t *key = j->field[var];
    size_t i;

    for (i = 0; i < j->n; i++)
        key[i] = src[j->rows[i]];
    return j->quantile ? rank_quantile(j, var) : score_ntile(j, var);
}

static int score_all(rfm_job *j, const custseg_strategy *s)
{
    return custseg__run_jobs(NVARS, (int)custseg__opt_int(s, "threads"),
                             score_job, j);
}

static unsigned code_of_row(const rfm_job *j, size_t i)
{
    return (unsigned)CODE(j->field[CUSTSEG_FIELD_R][i],
                          j->field[CUSTSEG_FIELD_F][i],
                          j->field[CUSTSEG_FIELD_M][i]);
}

/* ------------------------------------------------------------ segments */

static bool segdef_matches(const custseg__segdef *d, int r, int f, int m)
{
    unsigned code = (unsigned)CODE(r, f, m);

    if (d->codes != NULL)
        return (d->codes[code / 8] >> (code % 8)) & 1u;
    return d->r_min <= r && r <= d->r_max && d->f_min <= f &&
           f <= d->f_max && d->m_min <= m && m <= d->m_max;
}

/* First match wins; unmatched codes go to "Others" (index nsegs). Only
 * codes that occur are looked up, so a long map costs little. */
static void segtab_caller(segtab *t, const custseg_strategy *s,
                          const bool *seen)
{
    int r, f, m;
    size_t i;

    t->nseg = s->nsegs + 1;
    for (r = 1; r <= 10; r++)
        for (f = 1; f <= 10; f++)
            for (m = 1; m <= 10; m++) {
                if (!seen[CODE(r, f, m)])
                    continue;
                for (i = 0; i < s->nsegs; i++)
                    if (segdef_matches(&s->segs[i], r, f, m))
                        break;
                t->of_code[CODE(r, f, m)] = (uint32_t)i;
            }
}

static void segtab_default(segtab *t)
{
    size_t i;
    const char *p;

    t->nseg = NDEFAULT;
    for (i = 0; i < NDEFAULT; i++)
        for (p = default_codes[i]; p[0] != '\0'; p += p[3] ? 4 : 3)
            t->of_code[CODE(p[0] - '0', p[1] - '0', p[2] - '0')] =
                (uint32_t)i;
}

/* Codes in ascending (r, f, m) order are ascending table indexes, since
 * every score is below 11. */
static void segtab_per_code(segtab *t, const bool *seen)
{
    unsigned code;

    t->nseg = 0;
    for (code = 0; code < CODES; code++)
        if (seen[code]) {
            t->code_of[t->nseg] = (uint16_t)code;
            t->of_code[code] = (uint32_t)t->nseg++;
        }
}

static void build_segtab(segtab *t, const custseg_strategy *s,
                         const rfm_job *j)
{
    bool seen[CODES] = {false};
    size_t i;

    if (s->nsegs == 0 && j->bins == 5) { /* fixed codes: no scan needed */
        segtab_default(t);
        return;
    }
    for (i = 0; i < j->n; i++)
        seen[code_of_row(j, i)] = true;
    if (s->nsegs > 0)
        segtab_caller(t, s, seen);
    else
        segtab_per_code(t, seen);
}

static int name_segments(custseg_result *r, const custseg_strategy *s,
                         const rfm_job *j, const segtab *t)
{
    size_t i;
    int st = CUSTSEG_OK;

    for (i = 0; st == CUSTSEG_OK && i < t->nseg; i++) {
        char buf[16];
        const char *name = buf;
        if (s->nsegs > 0)
            name = i < s->nsegs ? s->segs[i].name : "Others";
        else if (j->bins == 5)
            name = default_names[i];
        else
            snprintf(buf, sizeof buf, "%u-%u-%u", t->code_of[i] / 121u,
                     t->code_of[i] / 11u % 11u, t->code_of[i] % 11u);
        st = custseg__result_name_segment(r, i, name);
    }
    return st;
}

/* ------------------------------------------------------------ result */

static void fill_rows(custseg_result *r, const segtab *t)
{
    size_t i;

    for (i = 0; i < r->n; i++) {
        int64_t sr = r->field[CUSTSEG_FIELD_R][i];
        int64_t sf = r->field[CUSTSEG_FIELD_F][i];
        int64_t sm = r->field[CUSTSEG_FIELD_M][i];
        r->segment[i] = t->of_code[CODE(sr, sf, sm)];
        r->score[i] = (double)(sr + sf + sm);
    }
}

static void copy_thresholds(custseg_result *r, const rfm_job *j)
{
    r->bins = j->bins;
    r->has_thresholds = true;
    r->thr_inclusive = !j->quantile; /* ntile: [min, max] of each group */
    memcpy(r->thr_lower, j->lower, sizeof r->thr_lower);
    memcpy(r->thr_upper, j->upper, sizeof r->thr_upper);
}

/* Segments as many as the codes that occur, in place of the count the
 * result was made with (per-code mode only). */
static int resize_segments(custseg_result *r, size_t nseg)
{
    custseg_segment *segs = custseg__calloc(nseg ? nseg : 1, sizeof *segs);
    size_t i;

    if (segs == NULL)
        return CUSTSEG_ENOMEM;
    custseg__free(r->segs);
    r->segs = segs;
    r->nseg = nseg;
    for (i = 0; i < nseg; i++)
        segs[i].index = i;
    return CUSTSEG_OK;
}

/* The scores are already in r's fields: segments, score and statistics. */
static int build_result(custseg_result *r, const custseg_strategy *s,
                        const rfm_job *j)
{
    segtab t;
    int st = CUSTSEG_OK;

    build_segtab(&t, s, j);
    if (t.nseg != r->nseg)
        st = resize_segments(r, t.nseg);
    if (st == CUSTSEG_OK) {
        fill_rows(r, &t);
        copy_thresholds(r, j);
        st = name_segments(r, s, j, &t);
    }
    if (st == CUSTSEG_OK)
        st = custseg__result_finish(r);
    return st;
}

/* ------------------------------------------------------------ run
 * custseg_run() freezes the dataset and reports progress 0 and 1; as_of
 * is checked by the generic option setter. */

static int fail(custseg_strategy *s, int st)
{
    if (st == CUSTSEG_ECANCELED)
        return custseg__err_set(&s->err, st, "rfm: canceled by the "
                                "progress callback");
    if (st == CUSTSEG_ENOMEM)
        return custseg__err_set(&s->err, st, "rfm: out of memory");
    if (st == CUSTSEG_ERANGE)
        return custseg__err_set(&s->err, st, "rfm: a customer's monetary "
                                "total overflows");
    return st; /* already described by the callee */
}

/* The segment count known before scoring; per-code mode counts the
 * codes that occur afterwards. */
static size_t planned_segments(const custseg_strategy *s, int bins)
{
    if (s->nsegs > 0)
        return s->nsegs + 1; /* and "Others" */
    return bins == 5 ? NDEFAULT : 0;
}

/* The result is made first and scores are written straight into its
 * fields: no array is allocated, filled and then moved. */
static int rfm_score_and_build(custseg_result **out, custseg_strategy *s,
                               const custseg_dataset *ds,
                               const custseg__metrics *m)
{
    rfm_job j;
    custseg_result *r = NULL;
    int st, f;

    memset(&j, 0, sizeof j);
    j.m = m;
    j.bins = (int)custseg__opt_int(s, "bins");
    j.quantile = strcmp(custseg__opt_str(s, "binning"), "quantile") == 0;
    st = custseg__result_new(&r, ds, m, "rfm", (1u << NFIELDS) - 1,
                             planned_segments(s, j.bins));
    if (st == CUSTSEG_ENODATA)
        st = custseg__err_set(&s->err, CUSTSEG_ENODATA, "rfm: no customer "
                              "has a transaction up to as_of");
    if (st == CUSTSEG_OK) {
        j.rows = r->row_customer;
        j.n = r->n;
        for (f = 0; f < NFIELDS; f++)
            j.field[f] = r->field[f];
        st = score_all(&j, s);
    }
    if (st == CUSTSEG_OK)
        st = custseg__progress(s->progress, s->progress_payload, 0.6);
    if (st == CUSTSEG_OK)
        st = build_result(r, s, &j);
    if (st != CUSTSEG_OK) {
        custseg_result_free(r);
        return st;
    }
    *out = r;
    return CUSTSEG_OK;
}

static int rfm_run(custseg_result **out, custseg_strategy *s,
                   const custseg_dataset *ds)
{
    custseg__metrics m;
    int st;

    if (ds->customers.count == 0)
        return custseg__err_set(&s->err, CUSTSEG_ENODATA,
                                "rfm: the dataset has no customers");
    st = custseg__metrics_for(ds, custseg__opt_as_of_day(s, ds), &m, NULL);
    if (st != CUSTSEG_OK)
        return fail(s, st);
    st = custseg__progress(s->progress, s->progress_payload, 0.2);
    if (st == CUSTSEG_OK)
        st = rfm_score_and_build(out, s, ds, &m);
    custseg__metrics_free(&m);
    return st == CUSTSEG_OK ? CUSTSEG_OK : fail(s, st);
}

const custseg__strategy_kind custseg__rfm_kind = {
    "rfm", rfm_options, sizeof rfm_options / sizeof *rfm_options, NULL,
    rfm_run,
};
