/*
 * lifecycle.c - the "lifecycle" strategy: where each customer stands with
 * the shop. Six states, always all six segments, in this order, tested in
 * this order (the first match wins):
 *   prospect  no transaction up to as_of
 *   new       first transaction within new_days of as_of:
 *             as_of - first transaction day <= new_days
 *   active    recency <= active_days
 *   at risk   recency <= at_risk_days
 *   dormant   recency <= dormant_days (a member who has stopped buying)
 *   lost      recency beyond that
 * Recency is as everywhere (DESIGN.md): days from the customer's last
 * transaction up to as_of (returns included) to as_of.
 *
 * Mode "gap" scales the recency limits by each customer's own rhythm:
 * active <= m1 x G, at risk <= m2 x G, dormant <= m3 x G (multipliers
 * 1, 2, 4 by default). G is the median of the gaps, in days, between the
 * customer's consecutive distinct transaction days up to as_of (the same
 * transactions recency counts, returns included); for an even number of
 * gaps the mean of the middle two. A customer with a single transaction
 * day has no gap and uses the dataset's G: the median of all customers'
 * gaps pooled together. When nobody bought on two days there is no G at
 * all and the fixed day limits apply.
 *
 * Exactness: G is kept doubled (an integer) and the multipliers, parsed
 * from their decimal text, in thousandths, so recency <= m x G is tested
 * as 2000 x recency <= m_milli x 2G in 128-bit integers.
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

__extension__ typedef __int128 i128; /* __extension__: -Wpedantic */

enum { S_PROSPECT, S_NEW, S_ACTIVE, S_AT_RISK, S_DORMANT, S_LOST, NSTATES };

static const char *const state_names[NSTATES] = {
    "prospect", "new", "active", "at risk", "dormant", "lost"};

#define MAX_DAYS 1000000      /* about 2,700 years */
#define MILLI_PLACES 3
#define MAX_MILLI 1000000     /* a multiplier of at most 1000 */
#define NLIMITS 3             /* active, at risk, dormant */

enum { OPT_AS_OF, OPT_MODE, OPT_NEW, OPT_ACTIVE, OPT_AT_RISK, OPT_DORMANT,
       OPT_MULTIPLIERS, OPT_THREADS };

static const char *const mode_choices[] = {"fixed", "gap", NULL};

/* Indexed by OPT_*. */
static const custseg__optdef lifecycle_options[] = {
    {"as_of", CUSTSEG_OPT_STRING, 0, 0, NULL, 0, NULL},
    {"mode", CUSTSEG_OPT_STRING, 0, 0, mode_choices, 0, "fixed"},
    {"new_days", CUSTSEG_OPT_INT, 0, MAX_DAYS, NULL, 30, NULL},
    {"active_days", CUSTSEG_OPT_INT, 0, MAX_DAYS, NULL, 90, NULL},
    {"at_risk_days", CUSTSEG_OPT_INT, 0, MAX_DAYS, NULL, 180, NULL},
    {"dormant_days", CUSTSEG_OPT_INT, 0, MAX_DAYS, NULL, 365, NULL},
    {"gap_multipliers", CUSTSEG_OPT_STRING, 0, 0, NULL, 0, "1,2,4"},
    {"threads", CUSTSEG_OPT_INT, 1, 256, NULL, 1, NULL},
};

typedef struct life_plan {
    bool gap;
    int64_t new_days;
    int64_t days[NLIMITS];  /* fixed recency limits */
    int64_t milli[NLIMITS]; /* gap multipliers, thousandths */
} life_plan;

/* ------------------------------------------------------------ options */

static int parse_multipliers(custseg_strategy *s, const char *text,
                             int64_t *milli)
{
    size_t n, k;
    bool ok = custseg__parse_fixed_list(text, MILLI_PLACES, milli,
                                        NLIMITS, &n) == CUSTSEG_OK &&
              n == NLIMITS;

    for (k = 0; ok && k < NLIMITS; k++)
        ok = milli[k] > 0 && milli[k] <= MAX_MILLI &&
             (k == 0 || milli[k] >= milli[k - 1]);
    if (!ok)
        return custseg__err_set(&s->err, CUSTSEG_EINVAL, "option "
                                "gap_multipliers: \"%s\" is not three "
                                "nondecreasing numbers in (0, 1000] with "
                                "up to 3 decimals, such as \"1,2,4\"",
                                text);
    return CUSTSEG_OK;
}

static int validate(custseg_strategy *s, size_t opt, const char *value)
{
    int64_t milli[NLIMITS];

    if (opt == OPT_MULTIPLIERS)
        return parse_multipliers(s, value, milli);
    return CUSTSEG_OK;
}

/* The day limits are set one at a time, so their order can only be
 * checked here, at run time. */
static int make_plan(custseg_strategy *s, life_plan *p)
{
    static const char *const names[NLIMITS] = {
        "active_days", "at_risk_days", "dormant_days"};
    int k;

    p->gap = strcmp(custseg__opt_str(s, "mode"), "gap") == 0;
    p->new_days = custseg__opt_int(s, "new_days");
    for (k = 0; k < NLIMITS; k++) {
        p->days[k] = custseg__opt_int(s, names[k]);
        if (k > 0 && p->days[k] < p->days[k - 1])
            return custseg__err_set(&s->err, CUSTSEG_EINVAL, "lifecycle: "
                                    "%s (%lld) is below %s (%lld)",
                                    names[k], (long long)p->days[k],
                                    names[k - 1],
                                    (long long)p->days[k - 1]);
    }
    return parse_multipliers(s, custseg__opt_str(s, "gap_multipliers"),
                             p->milli);
}

/* ------------------------------------------------------------ gaps */

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

    return x < y ? -1 : x > y;
}

/* Twice the median of v[0..n) (n > 0), sorting v. */
static int64_t median2(int64_t *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_i64);
    return n % 2 ? 2 * v[n / 2] : v[n / 2 - 1] + v[n / 2];
}

/* Sort a customer's days, then overwrite them with the gaps between
 * distinct days (gap j lands at j < the day just read). Returns the
 * number of gaps. */
static size_t days_to_gaps(int64_t *d, size_t n)
{
    int64_t prev;
    size_t j, k = 0;

    if (n < 2)
        return 0;
    qsort(d, n, sizeof *d, cmp_i64);
    prev = d[0];
    for (j = 1; j < n; j++) {
        if (d[j] == prev)
            continue;
        d[k++] = d[j] - prev; /* k < j, so d[j] is still a day */
        prev = d[j];
    }
    return k;
}

/* Per customer gap statistics: med2[c] is twice the customer's median gap
 * (0: fewer than two days), all2 twice the pooled median (0: no gap). */
typedef struct gap_stats {
    int64_t *med2;
    int64_t all2;
} gap_stats;

/* Days of the transactions up to as_of, grouped by customer (counting
 * sort): customer c's days are day[off[c] .. off[c + 1]). */
static int group_days(const custseg_dataset *ds, int64_t as_of_day,
                      size_t *off, int64_t **out)
{
    size_t n = ds->customers.count, i, *next;
    int64_t *day;

    for (i = 0; i < ds->ntx; i++)
        if (custseg__day_of(ds->tx_time[i]) <= as_of_day)
            off[ds->tx_customer[i] + 1]++;
    for (i = 0; i < n; i++)
        off[i + 1] += off[i];
    day = custseg__malloc((off[n] ? off[n] : 1) * sizeof *day);
    next = custseg__malloc((n ? n : 1) * sizeof *next);
    if (day == NULL || next == NULL) {
        custseg__free(day);
        custseg__free(next);
        return CUSTSEG_ENOMEM;
    }
    memcpy(next, off, n * sizeof *next);
    for (i = 0; i < ds->ntx; i++) {
        int64_t d = custseg__day_of(ds->tx_time[i]);
        if (d <= as_of_day)
            day[next[ds->tx_customer[i]]++] = d;
    }
    custseg__free(next);
    *out = day;
    return CUSTSEG_OK;
}

/* Each customer's gaps replace their days, get their median, and are
 * packed to the front (w <= off[c], so nothing unread is overwritten) for
 * the pooled median. */
static void gap_medians(int64_t *day, const size_t *off, size_t n,
                        gap_stats *g)
{
    size_t c, w = 0;

    for (c = 0; c < n; c++) {
        size_t k = days_to_gaps(day + off[c], off[c + 1] - off[c]);
        g->med2[c] = k > 0 ? median2(day + off[c], k) : 0;
        memmove(day + w, day + off[c], k * sizeof *day);
        w += k;
    }
    g->all2 = w > 0 ? median2(day, w) : 0;
}

static int compute_gaps(const custseg_dataset *ds, int64_t as_of_day,
                        gap_stats *g)
{
    size_t n = ds->customers.count, *off;
    int64_t *day = NULL;
    int st;

    g->med2 = custseg__malloc((n ? n : 1) * sizeof *g->med2);
    off = custseg__calloc(n + 1, sizeof *off);
    if (g->med2 == NULL || off == NULL) {
        custseg__free(off);
        return CUSTSEG_ENOMEM;
    }
    st = group_days(ds, as_of_day, off, &day);
    if (st == CUSTSEG_OK)
        gap_medians(day, off, n, g);
    custseg__free(day);
    custseg__free(off);
    return st;
}

/* ------------------------------------------------------------ states */

/* recency <= limit k: fixed days, or m_k x G with G doubled in med2. */
static bool within(const life_plan *p, int k, int64_t rec, int64_t med2)
{
    if (med2 == 0)
        return rec <= p->days[k];
    return (i128)rec * 2000 <= (i128)p->milli[k] * med2;
}

static uint32_t state_of(const life_plan *p, const custseg__metrics *m,
                         uint32_t c, int64_t med2)
{
    int k;

    if (m->last_day[c] == INT64_MIN)
        return S_PROSPECT;
    if (m->as_of_day - m->first_day[c] <= p->new_days)
        return S_NEW;
    for (k = 0; k < NLIMITS; k++)
        if (within(p, k, m->recency[c], med2))
            return (uint32_t)(S_ACTIVE + k);
    return S_LOST;
}

/* Prospects have no last transaction: their recency reads -1, which no
 * customer with a transaction up to as_of can have. */
static void fill_rows(custseg_result *r, const custseg__metrics *m,
                      const life_plan *p, const gap_stats *g)
{
    size_t i;

    for (i = 0; i < r->n; i++) {
        uint32_t c = r->row_customer[i];
        int64_t med2 = 0;
        if (p->gap)
            med2 = g->med2[c] != 0 ? g->med2[c] : g->all2;
        r->segment[i] = state_of(p, m, c, med2);
        r->field[CUSTSEG_FIELD_RECENCY][i] =
            m->last_day[c] == INT64_MIN ? -1 : m->recency[c];
        r->field[CUSTSEG_FIELD_FREQUENCY][i] = m->frequency[c];
        r->field[CUSTSEG_FIELD_MONETARY][i] = m->monetary[c];
        r->score[i] = (double)m->monetary[c] / CUSTSEG__E4;
    }
}

/* ------------------------------------------------------------ run */

#define LIFE_FIELDS                                                       \
    (1u << CUSTSEG_FIELD_RECENCY | 1u << CUSTSEG_FIELD_FREQUENCY |        \
     1u << CUSTSEG_FIELD_MONETARY | CUSTSEG__RESULT_ALL_CUSTOMERS)

static int build(custseg_result **out, const custseg_dataset *ds,
                 const custseg__metrics *m, const life_plan *p,
                 const gap_stats *g)
{
    custseg_result *r = NULL;
    size_t i;
    int st = custseg__result_new(&r, ds, m, "lifecycle", LIFE_FIELDS,
                                 NSTATES);

    if (st == CUSTSEG_OK)
        fill_rows(r, m, p, g);
    for (i = 0; st == CUSTSEG_OK && i < NSTATES; i++)
        st = custseg__result_name_segment(r, i, state_names[i]);
    if (st == CUSTSEG_OK)
        st = custseg__result_finish(r);
    if (st != CUSTSEG_OK) {
        custseg_result_free(r);
        return st;
    }
    *out = r;
    return CUSTSEG_OK;
}

static int fail(custseg_strategy *s, int st)
{
    if (st == CUSTSEG_ECANCELED)
        return custseg__err_set(&s->err, st, "lifecycle: canceled by the "
                                "progress callback");
    if (st == CUSTSEG_ENOMEM)
        return custseg__err_set(&s->err, st, "lifecycle: out of memory");
    if (st == CUSTSEG_ERANGE)
        return custseg__err_set(&s->err, st, "lifecycle: a monetary "
                                "total overflows");
    return st;
}

static int classify(custseg_result **out, custseg_strategy *s,
                    const custseg_dataset *ds, const life_plan *p)
{
    int64_t as_of = custseg__opt_as_of_day(s, ds);
    gap_stats g = {NULL, 0};
    custseg__metrics m;
    int st = custseg__metrics_for(ds, as_of, &m, NULL);

    if (st != CUSTSEG_OK)
        return st;
    if (p->gap)
        st = compute_gaps(ds, as_of, &g);
    if (st == CUSTSEG_OK)
        st = custseg__progress(s->progress, s->progress_payload, 0.6);
    if (st == CUSTSEG_OK)
        st = build(out, ds, &m, p, &g);
    custseg__free(g.med2);
    custseg__metrics_free(&m);
    return st;
}

/* custseg_run() freezes the dataset and reports progress 0 and 1. The
 * "threads" option is accepted for symmetry with rfm (the CLI always sets
 * it); the passes here are linear and not worth a thread. */
static int lifecycle_run_fn(custseg_result **out, custseg_strategy *s,
                            const custseg_dataset *ds)
{
    life_plan p;
    int st;

    if (ds->customers.count == 0)
        return custseg__err_set(&s->err, CUSTSEG_ENODATA,
                                "lifecycle: the dataset has no customers");
    if (ds->kind == CUSTSEG__DS_SUMMARY)
        return custseg__err_set(&s->err, CUSTSEG_EMISUSE, "lifecycle: "
                                "needs transactions (first purchase days),"
                                " not pre-aggregated customers");
    if ((st = make_plan(s, &p)) != CUSTSEG_OK)
        return st;
    st = classify(out, s, ds, &p);
    return st == CUSTSEG_OK ? CUSTSEG_OK : fail(s, st);
}

const custseg__strategy_kind custseg__lifecycle_kind = {
    "lifecycle", lifecycle_options,
    sizeof lifecycle_options / sizeof *lifecycle_options, validate,
    lifecycle_run_fn,
};
