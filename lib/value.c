/*
 * value.c - the "value" strategy: Pareto / ABC tiers by cumulative share
 * of historical value (by default A = the customers making the top 80% of
 * the value, B the next 15%, C the rest).
 *
 * The rule, exactly: customers are taken in order of value descending,
 * then customer id bytes. Shares are of T, the total of the positive
 * values. A customer with a positive value goes to the first tier t whose
 * threshold is still above the share held by the customers before them,
 *     cum_before / T < threshold[t],
 * so the customer who crosses 80% is still in A; past the last threshold
 * comes the last tier. Customers with zero or negative value are always
 * in the last tier (so is everybody when T is 0).
 *
 * Exactness: values are integers (money in ten-thousandths, or order
 * counts) and thresholds are parsed from their decimal text into parts
 * per billion (optlist.c; at most 9 decimals), so the test is
 *     cum_before * 10^9 < threshold_ppb * T
 * in 128-bit integers. With int64 values and fewer than 2^32 customers
 * both sides stay below 2^126: the boundary customer depends on no
 * rounding, summation order or machine.
 *
 * With metric "attr:NAME" the value is a number attribute of the customer
 * (attributes.h), taken once into ten-thousandths (half to even), so the
 * same integer rule applies. Every customer of the dataset then has a
 * row, with or without transactions; a customer without a value counts
 * as 0, in the last tier.
 */
#include "attributes.h"
#include "internal.h"

#include <math.h>
#include <string.h>

__extension__ typedef __int128 i128; /* __extension__: -Wpedantic */

#define PPB 1000000000 /* thresholds are parts per billion */
#define PPB_PLACES 9
#define MAX_TIERS 100
#define LETTERS 26     /* default tier names: A .. Z */
#define ATTR_PREFIX "attr:"

enum { METRIC_MONETARY, METRIC_FREQUENCY, METRIC_AOV, METRIC_ATTR };
enum { OPT_AS_OF, OPT_METRIC, OPT_THRESHOLDS, OPT_TIERS, OPT_THREADS };

/* Indexed by OPT_*. Metric, thresholds and tiers are free text checked by
 * validate(); "tiers" defaults to letters, as many as there are tiers. */
static const custseg__optdef value_options[] = {
    {"as_of", CUSTSEG_OPT_STRING, 0, 0, NULL, 0, NULL},
    {"metric", CUSTSEG_OPT_STRING, 0, 0, NULL, 0, "monetary"},
    {"thresholds", CUSTSEG_OPT_STRING, 0, 0, NULL, 0, "0.8,0.95"},
    {"tiers", CUSTSEG_OPT_STRING, 0, 0, NULL, 0, NULL},
    {"threads", CUSTSEG_OPT_INT, 1, 256, NULL, 1, NULL},
};

/* What a run needs from the options, parsed once. */
typedef struct value_plan {
    int metric;
    int64_t ppb[MAX_TIERS - 1]; /* cut points, increasing, in (0, PPB] */
    size_t nthr;                /* tiers = nthr + 1 */
    const char *tiers;          /* the option text, or NULL: letters */
    const custseg__attr *attr;  /* METRIC_ATTR: the number attribute */
} value_plan;

/* ------------------------------------------------------------ options */

static int metric_of(const char *name)
{
    if (strcmp(name, "monetary") == 0)
        return METRIC_MONETARY;
    if (strcmp(name, "frequency") == 0)
        return METRIC_FREQUENCY;
    if (strcmp(name, "aov") == 0)
        return METRIC_AOV;
    if (strncmp(name, ATTR_PREFIX, strlen(ATTR_PREFIX)) == 0 &&
        name[strlen(ATTR_PREFIX)] != '\0')
        return METRIC_ATTR;
    return -1;
}

static int parse_thresholds(custseg_strategy *s, const char *text,
                            value_plan *p)
{
    size_t i;

    if (custseg__parse_fixed_list(text, PPB_PLACES, p->ppb,
                                  MAX_TIERS - 1, &p->nthr) != CUSTSEG_OK)
        return custseg__err_set(&s->err, CUSTSEG_EINVAL, "option "
                                "thresholds: \"%s\" is not a list of at "
                                "most %d decimals such as \"0.8,0.95\" "
                                "(up to %d decimal places)", text,
                                MAX_TIERS - 1, PPB_PLACES);
    for (i = 0; i < p->nthr; i++)
        if (p->ppb[i] <= 0 || p->ppb[i] > PPB ||
            (i > 0 && p->ppb[i] <= p->ppb[i - 1]))
            return custseg__err_set(&s->err, CUSTSEG_EINVAL, "option "
                                    "thresholds: \"%s\": cut points must "
                                    "increase and lie in (0, 1]", text);
    return CUSTSEG_OK;
}

/* Tier names: non-empty and distinct. *count gets how many. */
static int check_tiers(custseg_strategy *s, const char *text,
                       size_t *count)
{
    const char *p = text, *item, *q, *other;
    size_t len, olen, n = 0;

    while (custseg__list_next(&p, &item, &len)) {
        if (len == 0 || ++n > MAX_TIERS)
            return custseg__err_set(&s->err, CUSTSEG_EINVAL, "option "
                                    "tiers: \"%s\" must name 2..%d tiers, "
                                    "none empty", text, MAX_TIERS);
        for (q = text; custseg__list_next(&q, &other, &olen) &&
                       other != item;)
            if (olen == len && memcmp(other, item, len) == 0)
                return custseg__err_set(&s->err, CUSTSEG_EINVAL, "option "
                                        "tiers: \"%.*s\" appears twice",
                                        (int)len, item);
    }
    if (n < 2)
        return custseg__err_set(&s->err, CUSTSEG_EINVAL, "option tiers: "
                                "\"%s\" must name 2..%d tiers", text,
                                MAX_TIERS);
    *count = n;
    return CUSTSEG_OK;
}

static int validate(custseg_strategy *s, size_t opt, const char *value)
{
    value_plan p;
    size_t n;

    if (opt == OPT_METRIC && metric_of(value) < 0)
        return custseg__err_set(&s->err, CUSTSEG_EINVAL, "option metric: "
                                "\"%s\" is not monetary, frequency, aov "
                                "or attr:NAME", value);
    if (opt == OPT_THRESHOLDS)
        return parse_thresholds(s, value, &p);
    if (opt == OPT_TIERS)
        return check_tiers(s, value, &n);
    return CUSTSEG_OK;
}

/* A metric "attr:NAME" must name a number attribute of this dataset. */
static int find_attr(custseg_strategy *s, const custseg_dataset *ds,
                     const char *metric, value_plan *p)
{
    const char *name = metric + strlen(ATTR_PREFIX);

    p->attr = custseg__attr_find(ds, name, strlen(name));
    if (p->attr == NULL)
        return custseg__err_set(&s->err, CUSTSEG_ENOTFOUND, "value: the "
                                "dataset has no attribute \"%s\"", name);
    if (p->attr->type != CUSTSEG_ATTR_NUMBER)
        return custseg__err_set(&s->err, CUSTSEG_EINVAL, "value: "
                                "attribute \"%s\" holds strings, not "
                                "numbers", name);
    return CUSTSEG_OK;
}

/* Options are set one at a time, so the tier count can only be checked
 * against the thresholds here, at run time. */
static int make_plan(custseg_strategy *s, const custseg_dataset *ds,
                     value_plan *p)
{
    const char *metric = custseg__opt_str(s, "metric");
    size_t ntiers = 0;
    int st;

    p->metric = metric_of(metric);
    p->tiers = custseg__opt_str(s, "tiers");
    p->attr = NULL;
    st = parse_thresholds(s, custseg__opt_str(s, "thresholds"), p);
    if (st == CUSTSEG_OK && p->tiers != NULL)
        st = check_tiers(s, p->tiers, &ntiers);
    if (st != CUSTSEG_OK)
        return st;
    if (p->tiers != NULL && ntiers != p->nthr + 1)
        return custseg__err_set(&s->err, CUSTSEG_EINVAL, "value: %zu tier "
                                "names for %zu thresholds (want %zu)",
                                ntiers, p->nthr, p->nthr + 1);
    if (p->tiers == NULL && p->nthr + 1 > LETTERS)
        return custseg__err_set(&s->err, CUSTSEG_EINVAL, "value: more "
                                "than %d tiers need names (option tiers)",
                                LETTERS);
    return p->metric == METRIC_ATTR ? find_attr(s, ds, metric, p)
                                    : CUSTSEG_OK;
}

/* ------------------------------------------------------------ tiers */

/* The ranked value of customer c; aov is monetary / frequency rounded
 * half to even to 1e-4 (as decile.c), 0 for a customer without orders;
 * an attribute is taken to 1e-4 (ERANGE when too large), 0 without one. */
static int value_of(const value_plan *p, const custseg__metrics *m,
                    uint32_t c, int64_t *out)
{
    int64_t money = m->monetary[c], freq = m->frequency[c];
    double x;

    switch (p->metric) {
    case METRIC_FREQUENCY:
        *out = freq;
        return CUSTSEG_OK;
    case METRIC_AOV:
        *out = freq == 0 ? 0 : custseg__div_e4(money, freq);
        return CUSTSEG_OK;
    case METRIC_ATTR:
        x = custseg__attr_number(p->attr, c);
        *out = 0;
        return isnan(x) ? CUSTSEG_OK : custseg__double_to_e4(x, out);
    default:
        *out = money;
        return CUSTSEG_OK;
    }
}

/* With an attribute metric customers without a transaction up to as_of
 * have rows too; their recency reads -1, as lifecycle's prospects. */
static int fill_fields(custseg_result *r, const custseg__metrics *m,
                       const value_plan *p)
{
    int64_t *value = r->field[CUSTSEG_FIELD_VALUE];
    size_t i;
    int st = CUSTSEG_OK;

    r->value_is_money = p->metric != METRIC_FREQUENCY;
    for (i = 0; st == CUSTSEG_OK && i < r->n; i++) {
        uint32_t c = r->row_customer[i];
        bool none = m->as_of_day != INT64_MIN && m->last_day[c] == INT64_MIN;
        r->field[CUSTSEG_FIELD_RECENCY][i] = none ? -1 : m->recency[c];
        r->field[CUSTSEG_FIELD_FREQUENCY][i] = m->frequency[c];
        r->field[CUSTSEG_FIELD_MONETARY][i] = m->monetary[c];
        st = value_of(p, m, c, &value[i]);
        r->score[i] = r->value_is_money ? (double)value[i] / CUSTSEG__E4
                                        : (double)value[i];
    }
    return st;
}

/* Walk the rows by value descending (a stable sort of rows that are in id
 * order, so equal values stay in id order) and cut at the thresholds. */
static void cut(custseg_result *r, const uint32_t *order,
                const value_plan *p)
{
    const int64_t *value = r->field[CUSTSEG_FIELD_VALUE];
    i128 total = 0, cum = 0;
    size_t i, t = 0;

    for (i = 0; i < r->n; i++)
        if (value[i] > 0)
            total += value[i];
    for (i = 0; i < r->n; i++) {
        uint32_t row = order[i];
        if (value[row] <= 0) {
            r->segment[row] = (uint32_t)p->nthr;
            continue;
        }
        while (t < p->nthr && cum * PPB >= (i128)p->ppb[t] * total)
            t++;
        r->segment[row] = (uint32_t)t;
        cum += value[row];
    }
}

static int assign_tiers(custseg_result *r, const value_plan *p)
{
    uint32_t *order = custseg__malloc((r->n ? r->n : 1) * sizeof *order);
    size_t i;
    int st;

    if (order == NULL)
        return CUSTSEG_ENOMEM;
    for (i = 0; i < r->n; i++)
        order[i] = (uint32_t)i;
    st = custseg__sort_by_i64(order, r->n, r->field[CUSTSEG_FIELD_VALUE],
                              true);
    if (st == CUSTSEG_OK)
        cut(r, order, p);
    custseg__free(order);
    return st;
}

static int name_tiers(custseg_result *r, const value_plan *p)
{
    const char *q = p->tiers, *item;
    char letter[2] = {'A', '\0'};
    size_t i, len;
    int st = CUSTSEG_OK;

    for (i = 0; st == CUSTSEG_OK && i <= p->nthr; i++) {
        char *name;
        if (p->tiers == NULL) {
            letter[0] = (char)('A' + i);
            st = custseg__result_name_segment(r, i, letter);
            continue;
        }
        custseg__list_next(&q, &item, &len); /* counted by make_plan */
        if ((name = custseg__strndup(item, len)) == NULL)
            return CUSTSEG_ENOMEM;
        st = custseg__result_name_segment(r, i, name);
        custseg__free(name);
    }
    return st;
}

/* ------------------------------------------------------------ run */

#define VALUE_FIELDS                                                      \
    (1u << CUSTSEG_FIELD_RECENCY | 1u << CUSTSEG_FIELD_FREQUENCY |        \
     1u << CUSTSEG_FIELD_MONETARY | 1u << CUSTSEG_FIELD_VALUE)

static int build(custseg_result **out, custseg_strategy *s,
                 const custseg_dataset *ds, const custseg__metrics *m,
                 const value_plan *p)
{
    unsigned fields = VALUE_FIELDS | (p->metric == METRIC_ATTR
                                      ? CUSTSEG__RESULT_ALL_CUSTOMERS : 0);
    custseg_result *r = NULL;
    int st = custseg__result_new(&r, ds, m, "value", fields, p->nthr + 1);

    if (st == CUSTSEG_ENODATA)
        return custseg__err_set(&s->err, st, "value: no customer has a "
                                "transaction up to as_of");
    if (st == CUSTSEG_OK)
        st = fill_fields(r, m, p);
    if (st == CUSTSEG_OK)
        st = assign_tiers(r, p);
    if (st == CUSTSEG_OK)
        st = custseg__progress(s->progress, s->progress_payload, 0.6);
    if (st == CUSTSEG_OK)
        st = name_tiers(r, p);
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
        return custseg__err_set(&s->err, st, "value: canceled by the "
                                "progress callback");
    if (st == CUSTSEG_ENOMEM)
        return custseg__err_set(&s->err, st, "value: out of memory");
    if (st == CUSTSEG_ERANGE)
        return custseg__err_set(&s->err, st, "value: a monetary total or "
                                "an attribute value is too large");
    return st; /* already described by the callee */
}

/* custseg_run() freezes the dataset and reports progress 0 and 1. The
 * "threads" option is accepted for symmetry with rfm (and so that the CLI
 * can always set it): one sort and one pass have no parts worth a
 * thread. */
static int value_run_fn(custseg_result **out, custseg_strategy *s,
                        const custseg_dataset *ds)
{
    custseg__metrics m;
    value_plan p;
    int st;

    if (ds->customers.count == 0)
        return custseg__err_set(&s->err, CUSTSEG_ENODATA,
                                "value: the dataset has no customers");
    if ((st = make_plan(s, ds, &p)) != CUSTSEG_OK)
        return st;
    st = custseg__metrics_for(ds, custseg__opt_as_of_day(s, ds), &m, NULL);
    if (st != CUSTSEG_OK)
        return fail(s, st);
    st = custseg__progress(s->progress, s->progress_payload, 0.2);
    if (st == CUSTSEG_OK)
        st = build(out, s, ds, &m, &p);
    custseg__metrics_free(&m);
    return st == CUSTSEG_OK ? CUSTSEG_OK : fail(s, st);
}

const custseg__strategy_kind custseg__value_kind = {
    "value", value_options, sizeof value_options / sizeof *value_options,
    validate, value_run_fn,
};
