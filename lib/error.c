/*
 * error.c - status strings, per-handle error messages, version queries.
 */
#include "internal.h"

#include <stdio.h>
#include <string.h>

unsigned custseg_version(void)
{
    return CUSTSEG_VERSION_NUMBER;
}

const char *custseg_version_string(void)
{
    return CUSTSEG_VERSION_STRING;
}

const char *custseg_strerror(int status)
{
    switch (status) {
    case CUSTSEG_OK: return "success";
    case CUSTSEG_ITEROVER: return "iteration finished";
    case CUSTSEG_ENOMEM: return "out of memory";
    case CUSTSEG_EINVAL: return "invalid argument";
    case CUSTSEG_EIO: return "input/output error";
    case CUSTSEG_EPARSE: return "parse error";
    case CUSTSEG_ENOTFOUND: return "not found";
    case CUSTSEG_EMISUSE: return "call not allowed in this state";
    case CUSTSEG_ERANGE: return "value out of range";
    case CUSTSEG_ECANCELED: return "canceled by the progress callback";
    case CUSTSEG_ENODATA: return "no customers to segment";
    case CUSTSEG_ELIMIT: return "size limit exceeded";
    case CUSTSEG_ECALLBACK: return "a callback reported failure";
    default: return "unknown status";
    }
}

void custseg__err_clear(custseg__err *e)
{
    e->msg[0] = '\0';
    e->line = -1;
    e->column = -1;
}

int custseg__err_vset(custseg__err *e, int status, const char *fmt,
                      va_list ap)
{
    /* Only %s/%d-style conversions are used, which do not depend on the
     * locale's decimal point. */
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    e->line = -1;
    e->column = -1;
    return status;
}

int custseg__err_set(custseg__err *e, int status, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    custseg__err_vset(e, status, fmt, ap);
    va_end(ap);
    return status;
}

int custseg__err_set_at(custseg__err *e, int status, int64_t line,
                        int64_t column, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    custseg__err_vset(e, status, fmt, ap);
    va_end(ap);
    e->line = line;
    e->column = column;
    return status;
}

int custseg__progress(custseg_progress_fn fn, void *payload, double f)
{
    if (fn == NULL)
        return CUSTSEG_OK;
    if (f < 0.0)
        f = 0.0;
    if (f > 1.0)
        f = 1.0;
    return fn(f, payload) != 0 ? CUSTSEG_ECANCELED : CUSTSEG_OK;
}
