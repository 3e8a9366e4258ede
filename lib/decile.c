/*
 * decile.c - the "decile" strategy: customers ranked by a value in ten
 * equal-count groups, decile 1 being the top 10% (REFERENCE.md section 3).
 *
 * Assignment is rank based and deterministic on ties, exactly
 * NTILE(10) OVER (ORDER BY value DESC, customer_id) with ids compared as
 * bytes: group sizes differ by at most one, the larger groups first.
 * custseg__result_finish() computes the decile table (count, revenue,
 * shares, cumulative share, lift) from segment[], score[] and monetary.
 */
#include "internal.h"

#include <string.h>

#define NDECILES 10

enum { METRIC_MONETARY, METRIC_FREQUENCY, METRIC_AOV };

static const char *const metric_choices[] = {"monetary", "frequency", "aov",
                                             NULL};

static const custseg__optdef decile_options[] = {
    {"as_of", CUSTSEG_OPT_STRING, 0, 0, NULL, 0, NULL},
    {"metric", CUSTSEG_OPT_STRING, 0, 0, metric_choices, 0, "monetary"},
    {"threads", CUSTSEG_OPT_INT, 1, 256, NULL, 1, NULL},
};

static int metric_of(const custseg_strategy *s)
{
    const char *name = custseg__opt_str(s, "metric");

    if (strcmp(name, "frequency") == 0)
        return METRIC_FREQUENCY;
    return strcmp(name, "aov") == 0 ? METRIC_AOV : METRIC_MONETARY;
}

/* Everything is kept per result row (customers in id byte order), in the
 * result's own fields, written in place: ranking row numbers keeps memory
 * access sequential and gives the id tie-break for free. */
#define ROW_FIELDS                                                        \
    (1u << CUSTSEG_FIELD_RECENCY | 1u << CUSTSEG_FIELD_FREQUENCY |        \
     1u << CUSTSEG_FIELD_MONETARY | 1u << CUSTSEG_FIELD_DECILE |          \
     1u << CUSTSEG_FIELD_VALUE)

typedef struct decile_run {
    const custseg__metrics *m;
    const uint32_t *rows;  /* customer index of each row */
    size_t n;
    int metric;
    int64_t *const *field; /* the result's, per row */
} decile_run;

/* The ranked value of one row; aov is monetary / frequency rounded half
 * to even to 1e-4, and 0 for a customer without orders. */
static int64_t value_of(const decile_run *d, size_t i)
{
    int64_t money = d->field[CUSTSEG_FIELD_MONETARY][i];
    int64_t freq = d->field[CUSTSEG_FIELD_FREQUENCY][i];

    if (d->metric == METRIC_FREQUENCY)
        return freq;
    if (d->metric == METRIC_AOV)
        return freq == 0 ? 0 : custseg__div_e4(money, freq);
    return money;
}

static void gather(decile_run *d)
{
    const custseg__metrics *m = d->m;
    size_t i;

    for (i = 0; i < d->n; i++) {
        uint32_t c = d->rows[i];
        d->field[CUSTSEG_FIELD_RECENCY][i] = m->recency[c];
        d->field[CUSTSEG_FIELD_FREQUENCY][i] = m->frequency[c];
        d->field[CUSTSEG_FIELD_MONETARY][i] = m->monetary[c];
        d->field[CUSTSEG_FIELD_VALUE][i] = value_of(d, i);
    }
}

/* Rows are in id order, so NTILE over row numbers ordered by value
 * descending keeps equal values in id byte order. */
static int rank(decile_run *d)
{
    return custseg__ntile_i64(d->field[CUSTSEG_FIELD_DECILE],
                              d->field[CUSTSEG_FIELD_VALUE], d->n, NDECILES,
                              true);
}

static void fill_rows(custseg_result *r)
{
    const int64_t *value = r->field[CUSTSEG_FIELD_VALUE];
    const int64_t *decile = r->field[CUSTSEG_FIELD_DECILE];
    size_t i;

    for (i = 0; i < r->n; i++) {
        r->segment[i] = (uint32_t)decile[i] - 1;
        r->score[i] = r->value_is_money ? (double)value[i] / CUSTSEG__E4
                                        : (double)value[i];
    }
}

static int name_deciles(custseg_result *r)
{
    static const char *const names[NDECILES] = {"1", "2", "3", "4", "5",
                                                "6", "7", "8", "9", "10"};
    size_t i;
    int st = CUSTSEG_OK;

    for (i = 0; st == CUSTSEG_OK && i < NDECILES; i++)
        st = custseg__result_name_segment(r, i, names[i]);
    return st;
}

/* The result is made first and the ranking is written straight into its
 * fields: no array is allocated, filled and then moved. */
static int rank_and_build(custseg_result **out, custseg_strategy *s,
                          const custseg_dataset *ds, decile_run *d)
{
    custseg_result *r = NULL;
    int st = custseg__result_new(&r, ds, d->m, "decile", ROW_FIELDS,
                                 NDECILES);

    if (st == CUSTSEG_ENODATA)
        st = custseg__err_set(&s->err, CUSTSEG_ENODATA, "decile: no "
                              "customer has a transaction up to as_of");
    if (st == CUSTSEG_OK) {
        d->rows = r->row_customer;
        d->n = r->n;
        d->field = r->field;
        gather(d);
        st = rank(d);
    }
    if (st == CUSTSEG_OK)
        st = custseg__progress(s->progress, s->progress_payload, 0.6);
    if (st == CUSTSEG_OK) {
        r->value_is_money = d->metric != METRIC_FREQUENCY;
        fill_rows(r);
        st = name_deciles(r);
    }
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
        return custseg__err_set(&s->err, st, "decile: canceled by the "
                                "progress callback");
    if (st == CUSTSEG_ENOMEM)
        return custseg__err_set(&s->err, st, "decile: out of memory");
    if (st == CUSTSEG_ERANGE)
        return custseg__err_set(&s->err, st, "decile: a customer's "
                                "monetary total overflows");
    return st; /* already described by the callee */
}

/* custseg_run() freezes the dataset and reports progress 0 and 1. The
 * "threads" option is accepted for symmetry with rfm: a single ranking
 * has no independent parts worth a thread. */
static int decile_run_fn(custseg_result **out, custseg_strategy *s,
                         const custseg_dataset *ds)
{
    custseg__metrics m;
    decile_run d;
    int st;

    if (ds->customers.count == 0)
        return custseg__err_set(&s->err, CUSTSEG_ENODATA,
                                "decile: the dataset has no customers");
    st = custseg__metrics_for(ds, custseg__opt_as_of_day(s, ds), &m, NULL);
    if (st != CUSTSEG_OK)
        return fail(s, st);
    memset(&d, 0, sizeof d);
    d.m = &m;
    d.metric = metric_of(s);
    st = custseg__progress(s->progress, s->progress_payload, 0.2);
    if (st == CUSTSEG_OK)
        st = rank_and_build(out, s, ds, &d);
    custseg__metrics_free(&m);
    return st == CUSTSEG_OK ? CUSTSEG_OK : fail(s, st);
}

const custseg__strategy_kind custseg__decile_kind = {
    "decile", decile_options,
    sizeof decile_options / sizeof *decile_options, NULL, decile_run_fn,
};
