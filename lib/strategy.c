/*
 * strategy.c - the strategy handle: creation by name, typed options checked
 * at set time, option introspection for bindings, and custseg_run().
 *
 * Each built-in strategy is a table (custseg__strategy_kind) that declares
 * its options; the setters here check names, types and ranges for all of
 * them, so an unknown name or a bad value is an error when it is set.
 */
#include "internal.h"

#include <inttypes.h>
#include <math.h>
#include <string.h>

static const custseg__strategy_kind *const kinds[] = {
    &custseg__rfm_kind, &custseg__decile_kind, &custseg__value_kind,
    &custseg__lifecycle_kind, &custseg__prior_kind
};
#define NKINDS (sizeof kinds / sizeof kinds[0])

const custseg__strategy_kind *custseg__builtin_kind(const char *name)
{
    size_t k;

    for (k = 0; k < NKINDS; k++)
        if (strcmp(kinds[k]->name, name) == 0)
            return kinds[k];
    return NULL;
}

int custseg_strategy_new(custseg_strategy **out, const char *name)
{
    const custseg__strategy_kind *kind;
    custseg_strategy *s;

    if (out == NULL || name == NULL)
        return CUSTSEG_EINVAL;
    *out = NULL;
    /* Built-in names cannot be registered, so the order does not matter. */
    kind = custseg__builtin_kind(name);
    if (kind == NULL && (kind = custseg__custom_acquire(name)) == NULL)
        return CUSTSEG_ENOTFOUND;
    s = custseg__calloc(1, sizeof *s);
    if (s != NULL)
        s->values = custseg__calloc(kind->noptions ? kind->noptions : 1,
                                    sizeof *s->values);
    if (s == NULL || s->values == NULL) {
        custseg__free(s);
        custseg__custom_release(kind);
        return CUSTSEG_ENOMEM;
    }
    s->kind = kind;
    custseg__err_clear(&s->err);
    *out = s;
    return CUSTSEG_OK;
}

static void free_segs(custseg_strategy *s)
{
    size_t i;

    for (i = 0; i < s->nsegs; i++) {
        custseg__free(s->segs[i].name);
        custseg__free(s->segs[i].codes);
    }
    custseg__free(s->segs);
    s->segs = NULL;
    s->nsegs = s->capsegs = 0;
}

void custseg_strategy_free(custseg_strategy *s)
{
    size_t i;

    if (s == NULL)
        return;
    for (i = 0; i < s->kind->noptions; i++)
        custseg__free(s->values[i].s);
    custseg__free(s->values);
    free_segs(s);
    custseg__prior_free(s->prior);
    custseg__custom_release(s->kind); /* may free the kind: use it first */
    custseg__free(s);
}

void custseg_strategy_clear_segments(custseg_strategy *s)
{
    if (s != NULL)
        free_segs(s);
}

const char *custseg_strategy_name(const custseg_strategy *s)
{
    return s == NULL ? "" : s->kind->name;
}

const char *custseg_strategy_errmsg(const custseg_strategy *s)
{
    return s == NULL ? "no strategy" : s->err.msg;
}

void custseg_strategy_set_progress(custseg_strategy *s,
                                   custseg_progress_fn fn, void *payload)
{
    if (s == NULL)
        return;
    s->progress = fn;
    s->progress_payload = payload;
}

/* Index of the option called name, or an ENOTFOUND error on s. */
static int find_option(custseg_strategy *s, const char *name, size_t *out)
{
    size_t i;

    for (i = 0; i < s->kind->noptions; i++) {
        if (strcmp(s->kind->options[i].name, name) == 0) {
            *out = i;
            return CUSTSEG_OK;
        }
    }
    return custseg__err_set(&s->err, CUSTSEG_ENOTFOUND,
                            "strategy %s has no option \"%s\"",
                            s->kind->name, name);
}

static int wrong_type(custseg_strategy *s, const custseg__optdef *d)
{
    static const char *const names[] = { "?", "integer", "double",
                                         "string" };

    return custseg__err_set(&s->err, CUSTSEG_EINVAL,
                            "option %s takes a %s value", d->name,
                            names[d->type >= 1 && d->type <= 3 ? d->type
                                                               : 0]);
}

static int begin_set(custseg_strategy *s, const char *name, int type,
                     size_t *opt)
{
    int rc;

    if (s == NULL || name == NULL)
        return CUSTSEG_EINVAL;
    custseg__err_clear(&s->err);
    if ((rc = find_option(s, name, opt)) != CUSTSEG_OK)
        return rc;
    if (s->kind->options[*opt].type != type)
        return wrong_type(s, &s->kind->options[*opt]);
    return CUSTSEG_OK;
}

int custseg_strategy_set_int(custseg_strategy *s, const char *name,
                             int64_t value)
{
    const custseg__optdef *d;
    size_t i;
    int rc;

    if ((rc = begin_set(s, name, CUSTSEG_OPT_INT, &i)) != CUSTSEG_OK)
        return rc;
    d = &s->kind->options[i];
    if (value < d->min || value > d->max)
        return custseg__err_set(&s->err, CUSTSEG_EINVAL,
                                "option %s: %" PRId64 " is outside %" PRId64
                                "..%" PRId64, name, value, d->min, d->max);
    s->values[i].i = value;
    s->values[i].set = true;
    return CUSTSEG_OK;
}

int custseg_strategy_set_double(custseg_strategy *s, const char *name,
                                double value)
{
    size_t i;
    int rc;

    if ((rc = begin_set(s, name, CUSTSEG_OPT_DOUBLE, &i)) != CUSTSEG_OK)
        return rc;
    if (!isfinite(value))
        return custseg__err_set(&s->err, CUSTSEG_EINVAL,
                                "option %s: value is not finite", name);
    s->values[i].d = value;
    s->values[i].set = true;
    return CUSTSEG_OK;
}

static int check_choice(custseg_strategy *s, const custseg__optdef *d,
                        const char *value)
{
    size_t k;

    for (k = 0; d->choices[k] != NULL; k++)
        if (strcmp(d->choices[k], value) == 0)
            return CUSTSEG_OK;
    return custseg__err_set(&s->err, CUSTSEG_EINVAL,
                            "option %s: \"%s\" is not one of the accepted "
                            "values (%s%s%s%s%s)", d->name, value,
                            d->choices[0], d->choices[1] ? ", " : "",
                            d->choices[1] ? d->choices[1] : "",
                            d->choices[1] && d->choices[2] ? ", " : "",
                            d->choices[1] && d->choices[2] ? d->choices[2]
                                                           : "");
}

static int check_string(custseg_strategy *s, size_t i, const char *value)
{
    const custseg__optdef *d = &s->kind->options[i];
    int64_t t;

    if (strcmp(d->name, "as_of") == 0) {
        if (custseg_parse_time(&t, value) != CUSTSEG_OK)
            return custseg__err_set(&s->err, CUSTSEG_EINVAL,
                                    "option as_of: \"%s\" is not a date or "
                                    "date-time", value);
        return CUSTSEG_OK;
    }
    if (d->choices != NULL)
        return check_choice(s, d, value);
    if (s->kind->validate != NULL)
        return s->kind->validate(s, i, value);
    return CUSTSEG_OK;
}

int custseg_strategy_set_string(custseg_strategy *s, const char *name,
                                const char *value)
{
    char *copy;
    size_t i;
    int rc;

    if ((rc = begin_set(s, name, CUSTSEG_OPT_STRING, &i)) != CUSTSEG_OK)
        return rc;
    if (value == NULL)
        return custseg__err_set(&s->err, CUSTSEG_EINVAL,
                                "option %s: NULL value", name);
    if ((rc = check_string(s, i, value)) != CUSTSEG_OK)
        return rc;
    if ((copy = custseg__strdup(value)) == NULL)
        return custseg__err_set(&s->err, CUSTSEG_ENOMEM, "out of memory");
    custseg__free(s->values[i].s);
    s->values[i].s = copy;
    s->values[i].set = true;
    return CUSTSEG_OK;
}

size_t custseg_strategy_option_count(const custseg_strategy *s)
{
    return s == NULL ? 0 : s->kind->noptions;
}

const char *custseg_strategy_option_name(const custseg_strategy *s,
                                         size_t i)
{
    if (s == NULL || i >= s->kind->noptions)
        return NULL;
    return s->kind->options[i].name;
}

int custseg_strategy_option_type(const custseg_strategy *s, size_t i)
{
    if (s == NULL || i >= s->kind->noptions)
        return 0;
    return s->kind->options[i].type;
}

static size_t option_index(const custseg_strategy *s, const char *name)
{
    size_t i;

    for (i = 0; i < s->kind->noptions; i++)
        if (strcmp(s->kind->options[i].name, name) == 0)
            return i;
    return SIZE_MAX;
}

int64_t custseg__opt_int(const custseg_strategy *s, const char *name)
{
    size_t i = option_index(s, name);

    if (i == SIZE_MAX)
        return 0;
    return s->values[i].set ? s->values[i].i
                            : s->kind->options[i].int_default;
}

const char *custseg__opt_str(const custseg_strategy *s, const char *name)
{
    size_t i = option_index(s, name);

    if (i == SIZE_MAX)
        return NULL;
    return s->values[i].s != NULL ? s->values[i].s
                                  : s->kind->options[i].str_default;
}

int64_t custseg__opt_as_of_day(const custseg_strategy *s,
                               const custseg_dataset *ds)
{
    const char *text = custseg__opt_str(s, "as_of");
    int64_t t;

    if (text == NULL || custseg_parse_time(&t, text) != CUSTSEG_OK)
        return ds->default_as_of_day;
    return custseg__day_of(t); /* a date-time is cut to its date */
}

int custseg_run(custseg_result **out, custseg_strategy *s,
                custseg_dataset *ds)
{
    int rc;

    if (out == NULL)
        return CUSTSEG_EINVAL;
    *out = NULL;
    if (s == NULL || ds == NULL)
        return CUSTSEG_EINVAL;
    custseg__err_clear(&s->err);
    if (!ds->frozen && (rc = custseg_dataset_freeze(ds)) != CUSTSEG_OK)
        return custseg__err_set(&s->err, rc, "%s", ds->err.msg);
    if ((rc = custseg__progress(s->progress, s->progress_payload, 0.0)) !=
        CUSTSEG_OK)
        return custseg__err_set(&s->err, rc, "canceled");
    rc = s->kind->run(out, s, ds);
    if (rc != CUSTSEG_OK) {
        if (s->err.msg[0] == '\0')
            custseg__err_set(&s->err, rc, "%s", custseg_strerror(rc));
        return rc;
    }
    rc = custseg__progress(s->progress, s->progress_payload, 1.0);
    if (rc != CUSTSEG_OK) {
        custseg_result_free(*out);
        *out = NULL;
        return custseg__err_set(&s->err, rc, "canceled");
    }
    return CUSTSEG_OK;
}
