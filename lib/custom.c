/*
 * custom.c - strategies written by the caller: the registry of callback
 * tables, the assign context handed to a callback, and the run that turns
 * what the callback assigned into an ordinary result.
 *
 * The registry is the one piece of global state besides the allocator
 * hooks. It is guarded by a mutex rather than by a "register before
 * anything else" rule because bindings (Python, Ruby) define strategies
 * whenever user code runs, possibly after datasets exist and from any
 * thread. Each entry is reference counted: a strategy handle keeps its
 * entry (and so the callback and payload) alive after the name is
 * unregistered, and destroy(payload) runs once nothing refers to it.
 *
 * A run calls the callback once, without holding the mutex, with rows in
 * the order of results (customer id bytes). Segments, scores and the
 * recency/frequency/monetary fields go straight into the result, so the
 * statistics, iterators and exports are those of the built-in strategies.
 */
#include "internal.h"
#include "attributes.h"

#include <math.h>
#include <pthread.h>
#include <string.h>

#define NAME_MAX_LEN 31 /* fits custseg_result.strategy with its NUL */

typedef struct custom_entry {
    custseg__strategy_kind kind; /* first: a strategy's kind points here */
    char name[NAME_MAX_LEN + 1];
    custseg_strategy_ops ops;    /* the caller's table, copied */
    size_t refs;                 /* strategy handles, +1 while registered */
    struct custom_entry *next;   /* registered entries only */
} custom_entry;

struct custseg_assign {
    custseg_result *r;
    const custseg_dataset *ds;   /* for attributes; frozen */
    custseg__strtab names;       /* segments in order of definition */
    char msg[CUSTSEG__ERRMSG_MAX];
    bool failed;                 /* custseg_assign_error() was called */
    bool nomem;                  /* an assign call ran out of memory */
};

static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static custom_entry *registry;

/* Common options: the same names and ranges as the built-ins. "threads"
 * is accepted so callers can set it on any strategy; the callback runs
 * once, on the thread that called custseg_run(). */
static const custseg__optdef custom_options[] = {
    {"as_of", CUSTSEG_OPT_STRING, 0, 0, NULL, 0, NULL},
    {"threads", CUSTSEG_OPT_INT, 1, 256, NULL, 1, NULL},
};

static int custom_run(custseg_result **out, custseg_strategy *s,
                      const custseg_dataset *ds);

/* ------------------------------------------------------------ registry */

static bool valid_name(const char *name)
{
    size_t i, len = strlen(name);

    if (len == 0 || len > NAME_MAX_LEN)
        return false;
    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)name[i];
        bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                     (c >= '0' && c <= '9');
        if (!alnum && c != '_' && c != '-' && c != '.')
            return false;
    }
    return true;
}

static bool valid_ops(const custseg_strategy_ops *ops)
{
    /* A table newer than this library has fields it cannot honour. */
    return ops != NULL && ops->version >= 1 &&
           ops->version <= CUSTSEG_STRATEGY_OPS_VERSION &&
           ops->name != NULL && ops->assign != NULL && valid_name(ops->name);
}

/* Caller holds registry_lock. */
static custom_entry *find_registered(const char *name)
{
    custom_entry *e;

    for (e = registry; e != NULL; e = e->next)
        if (strcmp(e->name, name) == 0)
            return e;
    return NULL;
}

static custom_entry *new_entry(const custseg_strategy_ops *ops)
{
    custom_entry *e = custseg__calloc(1, sizeof *e);

    if (e == NULL)
        return NULL;
    memcpy(e->name, ops->name, strlen(ops->name) + 1);
    e->ops = *ops; /* version 1 is the whole table */
    e->ops.name = e->name;
    e->kind.name = e->name;
    e->kind.options = custom_options;
    e->kind.noptions = sizeof custom_options / sizeof *custom_options;
    e->kind.run = custom_run;
    e->refs = 1;
    return e;
}

int custseg_register_strategy(const custseg_strategy_ops *ops)
{
    custom_entry *e;
    int rc = CUSTSEG_OK;

    if (!valid_ops(ops))
        return CUSTSEG_EINVAL;
    if (custseg__builtin_kind(ops->name) != NULL)
        return CUSTSEG_EMISUSE;
    if ((e = new_entry(ops)) == NULL)
        return CUSTSEG_ENOMEM;
    pthread_mutex_lock(&registry_lock);
    if (find_registered(e->name) != NULL) {
        rc = CUSTSEG_EMISUSE;
    } else {
        e->next = registry;
        registry = e;
    }
    pthread_mutex_unlock(&registry_lock);
    if (rc != CUSTSEG_OK)
        custseg__free(e); /* the caller keeps its payload */
    return rc;
}

/* Drop one reference; the last one frees the entry. destroy runs outside
 * the lock so that it may call back into the library. */
static void unref(custom_entry *e)
{
    bool last;

    pthread_mutex_lock(&registry_lock);
    last = --e->refs == 0;
    pthread_mutex_unlock(&registry_lock);
    if (!last)
        return;
    if (e->ops.destroy != NULL)
        e->ops.destroy(e->ops.payload);
    custseg__free(e);
}

int custseg_unregister_strategy(const char *name)
{
    custom_entry **link, *e = NULL;

    if (name == NULL)
        return CUSTSEG_EINVAL;
    pthread_mutex_lock(&registry_lock);
    for (link = &registry; *link != NULL; link = &(*link)->next) {
        if (strcmp((*link)->name, name) == 0) {
            e = *link;
            *link = e->next;
            break;
        }
    }
    pthread_mutex_unlock(&registry_lock);
    if (e == NULL)
        return CUSTSEG_ENOTFOUND;
    unref(e);
    return CUSTSEG_OK;
}

const custseg__strategy_kind *custseg__custom_acquire(const char *name)
{
    custom_entry *e;

    pthread_mutex_lock(&registry_lock);
    if ((e = find_registered(name)) != NULL)
        e->refs++;
    pthread_mutex_unlock(&registry_lock);
    return e != NULL ? &e->kind : NULL;
}

void custseg__custom_release(const custseg__strategy_kind *kind)
{
    /* Built-in kinds are static tables; only entries run custom_run. */
    if (kind != NULL && kind->run == custom_run)
        unref((custom_entry *)(void *)kind);
}

/* ------------------------------------------------------- assign context */

size_t custseg_assign_customer_count(const custseg_assign *ctx)
{
    return ctx == NULL ? 0 : ctx->r->n;
}

const char *custseg_assign_customer_id(const custseg_assign *ctx,
                                       size_t row)
{
    return custseg_result_customer_id(ctx == NULL ? NULL : ctx->r, row);
}

static bool metric_field(int field)
{
    return field == CUSTSEG_FIELD_RECENCY ||
           field == CUSTSEG_FIELD_FREQUENCY ||
           field == CUSTSEG_FIELD_MONETARY;
}

int custseg_assign_metric(int64_t *out, const custseg_assign *ctx,
                          size_t row, int field)
{
    if (out == NULL || ctx == NULL)
        return CUSTSEG_EINVAL;
    if (row >= ctx->r->n || !metric_field(field))
        return CUSTSEG_ENOTFOUND;
    *out = ctx->r->field[field][row];
    return CUSTSEG_OK;
}

int custseg_assign_metric_range(int64_t *out, const custseg_assign *ctx,
                                int field, size_t first, size_t n)
{
    if ((out == NULL && n > 0) || ctx == NULL)
        return CUSTSEG_EINVAL;
    if (!metric_field(field) || first > ctx->r->n || n > ctx->r->n - first)
        return CUSTSEG_ENOTFOUND;
    if (n > 0)
        memcpy(out, ctx->r->field[field] + first, n * sizeof *out);
    return CUSTSEG_OK;
}

/* The attribute called name of the given type, for row; ENOTFOUND for an
 * unknown row or name, EINVAL for the other type. */
static int find_attr(const custseg__attr **out, const custseg_assign *ctx,
                     size_t row, const char *name, int type)
{
    if (ctx == NULL || name == NULL)
        return CUSTSEG_EINVAL;
    if (row >= ctx->r->n ||
        (*out = custseg__attr_find(ctx->ds, name, strlen(name))) == NULL)
        return CUSTSEG_ENOTFOUND;
    return (*out)->type == type ? CUSTSEG_OK : CUSTSEG_EINVAL;
}

int custseg_assign_attribute_number(double *out, const custseg_assign *ctx,
                                    size_t row, const char *name)
{
    const custseg__attr *a;
    int rc;

    if (out == NULL)
        return CUSTSEG_EINVAL;
    rc = find_attr(&a, ctx, row, name, CUSTSEG_ATTR_NUMBER);
    if (rc == CUSTSEG_OK)
        *out = custseg__attr_number(a, ctx->r->row_customer[row]);
    return rc;
}

int custseg_assign_attribute_string(const char **out,
                                    const custseg_assign *ctx, size_t row,
                                    const char *name)
{
    const custseg__attr *a;
    uint32_t v;
    int rc;

    if (out == NULL)
        return CUSTSEG_EINVAL;
    rc = find_attr(&a, ctx, row, name, CUSTSEG_ATTR_STRING);
    if (rc != CUSTSEG_OK)
        return rc;
    v = custseg__attr_string(a, ctx->r->row_customer[row]);
    *out = v == CUSTSEG__NONE ? NULL : custseg__strtab_get(&a->values, v);
    return CUSTSEG_OK;
}

int custseg_assign_define_segment(size_t *out, custseg_assign *ctx,
                                  const char *name)
{
    uint32_t index;
    int rc;

    if (out == NULL || ctx == NULL || name == NULL || name[0] == '\0')
        return CUSTSEG_EINVAL;
    rc = custseg__strtab_intern(&ctx->names, name, strlen(name),
                                CUSTSEG_MAX_SEGMENTS, &index, NULL);
    if (rc == CUSTSEG_ENOMEM)
        ctx->nomem = true;
    if (rc == CUSTSEG_OK)
        *out = index;
    return rc;
}

/* One row; the caller checked row. A NaN score stands for the default
 * score of DESIGN.md: monetary in currency units. */
static int set_row(custseg_assign *ctx, size_t row, size_t segment,
                   double score)
{
    custseg_result *r = ctx->r;

    if (segment >= ctx->names.count || isinf(score))
        return CUSTSEG_EINVAL;
    if (isnan(score))
        score = (double)r->field[CUSTSEG_FIELD_MONETARY][row] / CUSTSEG__E4;
    r->segment[row] = (uint32_t)segment;
    r->score[row] = score;
    return CUSTSEG_OK;
}

int custseg_assign_set(custseg_assign *ctx, size_t row, size_t segment,
                       double score)
{
    if (ctx == NULL)
        return CUSTSEG_EINVAL;
    if (row >= ctx->r->n)
        return CUSTSEG_ENOTFOUND;
    return set_row(ctx, row, segment, score);
}

int custseg_assign_set_range(custseg_assign *ctx, size_t first, size_t n,
                             const uint32_t *segments, const double *scores)
{
    size_t i;
    int rc;

    if (ctx == NULL || (segments == NULL && n > 0))
        return CUSTSEG_EINVAL;
    if (first > ctx->r->n || n > ctx->r->n - first)
        return CUSTSEG_ENOTFOUND;
    for (i = 0; i < n; i++) /* check all first: all rows or none */
        if (segments[i] >= ctx->names.count ||
            (scores != NULL && isinf(scores[i])))
            return CUSTSEG_EINVAL;
    for (i = 0; i < n; i++)
        if ((rc = set_row(ctx, first + i, segments[i],
                          scores != NULL ? scores[i] : NAN)) != CUSTSEG_OK)
            return rc;
    return CUSTSEG_OK;
}

int custseg_assign_error(custseg_assign *ctx, const char *message)
{
    if (ctx == NULL)
        return CUSTSEG_EINVAL;
    ctx->failed = true;
    ctx->msg[0] = '\0';
    if (message != NULL) {
        strncpy(ctx->msg, message, sizeof ctx->msg - 1);
        ctx->msg[sizeof ctx->msg - 1] = '\0';
    }
    return CUSTSEG_ECALLBACK;
}

/* ------------------------------------------------------------ the run */

/* The result starts with the metrics of its rows and every row
 * unassigned (CUSTSEG__NONE), so a row the callback skips is found. */
static int new_result(custseg_result **out, const custseg_dataset *ds,
                      const custseg__metrics *m, const char *name)
{
    const unsigned fields = 1u << CUSTSEG_FIELD_RECENCY |
                            1u << CUSTSEG_FIELD_FREQUENCY |
                            1u << CUSTSEG_FIELD_MONETARY;
    custseg_result *r;
    size_t i;
    int rc = custseg__result_new(out, ds, m, name, fields, 0);

    if (rc != CUSTSEG_OK)
        return rc;
    r = *out;
    for (i = 0; i < r->n; i++) {
        uint32_t c = r->row_customer[i];
        r->field[CUSTSEG_FIELD_RECENCY][i] = m->recency[c];
        r->field[CUSTSEG_FIELD_FREQUENCY][i] = m->frequency[c];
        r->field[CUSTSEG_FIELD_MONETARY][i] = m->monetary[c];
        r->segment[i] = CUSTSEG__NONE;
    }
    return CUSTSEG_OK;
}

/* Why a callback failed, on s: its own message when it gave one. */
static int callback_failed(custseg_strategy *s, const custseg_assign *ctx,
                           int rc)
{
    const char *name = s->kind->name;

    if (ctx->nomem && !ctx->failed)
        return custseg__err_set(&s->err, CUSTSEG_ENOMEM, "custom strategy "
                                "%s: out of memory", name);
    if (ctx->failed && ctx->msg[0] != '\0')
        return custseg__err_set(&s->err, CUSTSEG_ECALLBACK, "%s", ctx->msg);
    return custseg__err_set(&s->err, CUSTSEG_ECALLBACK, "custom strategy "
                            "%s: assign callback failed (returned %d)",
                            name, rc);
}

static int check_assigned(custseg_strategy *s, const custseg_result *r)
{
    size_t i;

    for (i = 0; i < r->n; i++)
        if (r->segment[i] == CUSTSEG__NONE)
            return custseg__err_set(&s->err, CUSTSEG_EINVAL,
                                    "custom strategy %s: customer \"%s\" "
                                    "(row %zu) was given no segment",
                                    s->kind->name,
                                    custseg_result_customer_id(r, i), i);
    return CUSTSEG_OK;
}

/* The defined segments replace the empty list custseg__result_new made. */
static int take_segments(custseg_result *r, const custseg__strtab *names)
{
    size_t i, n = names->count;
    custseg_segment *segs = custseg__calloc(n ? n : 1, sizeof *segs);

    if (segs == NULL)
        return CUSTSEG_ENOMEM;
    custseg__free(r->segs);
    r->segs = segs;
    r->nseg = n;
    for (i = 0; i < n; i++) {
        segs[i].index = i;
        if (custseg__result_name_segment(r, i, custseg__strtab_get(
                                                   names, (uint32_t)i)) !=
            CUSTSEG_OK)
            return CUSTSEG_ENOMEM;
    }
    return CUSTSEG_OK;
}

static int assign_and_finish(custseg_strategy *s, custseg_result *r,
                             const custseg_dataset *ds)
{
    const custom_entry *e = (const custom_entry *)(const void *)s->kind;
    custseg_assign ctx;
    int rc;

    memset(&ctx, 0, sizeof ctx);
    ctx.r = r;
    ctx.ds = ds;
    custseg__strtab_init(&ctx.names);
    rc = e->ops.assign(&ctx, e->ops.payload);
    if (rc != 0 || ctx.failed)
        rc = callback_failed(s, &ctx, rc);
    else
        rc = check_assigned(s, r);
    if (rc == CUSTSEG_OK)
        rc = take_segments(r, &ctx.names);
    if (rc == CUSTSEG_OK)
        rc = custseg__result_finish(r);
    custseg__strtab_free(&ctx.names);
    return rc;
}

static int fail(custseg_strategy *s, int rc)
{
    if (s->err.msg[0] != '\0')
        return rc; /* already described */
    if (rc == CUSTSEG_ERANGE)
        return custseg__err_set(&s->err, rc, "custom strategy %s: a "
                                "segment's revenue overflows",
                                s->kind->name);
    return custseg__err_set(&s->err, rc, "custom strategy %s: %s",
                            s->kind->name, custseg_strerror(rc));
}

static int custom_run(custseg_result **out, custseg_strategy *s,
                      const custseg_dataset *ds)
{
    custseg_result *r = NULL;
    custseg__metrics m;
    int rc;

    if (ds->customers.count == 0)
        return custseg__err_set(&s->err, CUSTSEG_ENODATA, "custom strategy "
                                "%s: the dataset has no customers",
                                s->kind->name);
    rc = custseg__metrics_for(ds, custseg__opt_as_of_day(s, ds), &m, NULL);
    if (rc == CUSTSEG_OK)
        rc = new_result(&r, ds, &m, s->kind->name);
    custseg__metrics_free(&m);
    if (rc == CUSTSEG_OK)
        rc = assign_and_finish(s, r, ds);
    if (rc != CUSTSEG_OK) {
        custseg_result_free(r);
        return fail(s, rc);
    }
    *out = r;
    return CUSTSEG_OK;
}
