/*
 * headertest.c - include/custseg.h must stand on its own and stay clean.
 *
 * tests/headertest.sh compiles this file as C99 and C11 with -pedantic
 * -Werror, and as C++11, so that the public header publishes no sloppy
 * definitions (the idea of libgit2's tests/headertest). Nothing is
 * included but <custseg.h>, so the header must bring size_t and int64_t
 * itself. The file is never run: it only has to compile. Assignments of
 * API functions to pointers of the documented types check each prototype
 * exactly, also in C++, where function pointer types must match.
 *
 * SPDX-License-Identifier: MIT
 */
#include <custseg.h>
#include <custseg.h> /* a second time: the include guard must hold */

/* Compile-time checks, valid in C99 and C++ (no _Static_assert there). */
#define HT_ASSERT(name, cond) \
    typedef char headertest_##name[(cond) ? 1 : -1]

/* The version macros agree with each other. */
HT_ASSERT(version_number,
          CUSTSEG_VERSION_NUMBER == CUSTSEG_VERSION_MAJOR * 10000 +
                                        CUSTSEG_VERSION_MINOR * 100 +
                                        CUSTSEG_VERSION_PATCH);
HT_ASSERT(version_major, CUSTSEG_VERSION_MAJOR == 1);

/* Status codes never change their numbers (custseg(7)). */
HT_ASSERT(ok, CUSTSEG_OK == 0);
HT_ASSERT(iterover, CUSTSEG_ITEROVER == 1);
HT_ASSERT(enomem, CUSTSEG_ENOMEM == -1);
HT_ASSERT(einval, CUSTSEG_EINVAL == -2);
HT_ASSERT(eio, CUSTSEG_EIO == -3);
HT_ASSERT(eparse, CUSTSEG_EPARSE == -4);
HT_ASSERT(enotfound, CUSTSEG_ENOTFOUND == -5);
HT_ASSERT(emisuse, CUSTSEG_EMISUSE == -6);
HT_ASSERT(erange, CUSTSEG_ERANGE == -7);
HT_ASSERT(ecanceled, CUSTSEG_ECANCELED == -8);
HT_ASSERT(enodata, CUSTSEG_ENODATA == -9);
HT_ASSERT(elimit, CUSTSEG_ELIMIT == -10);
HT_ASSERT(ecallback, CUSTSEG_ECALLBACK == -11);

/* Other ABI numbers. */
HT_ASSERT(allocator_version, CUSTSEG_ALLOCATOR_VERSION == 1);
/* Enumerations may grow at the end (the *_COUNT_OF values with them), but
 * the values already published keep their numbers. */
HT_ASSERT(reject_reasons, CUSTSEG_REJECT_MISSING_CUSTOMER == 0 &&
                              CUSTSEG_REJECT_RETURN_DROPPED == 4 &&
                              CUSTSEG_REJECT_DUPLICATE_CUSTOMER == 5 &&
                              CUSTSEG_REJECT_REASON_COUNT >= 6);
HT_ASSERT(stats, CUSTSEG_STAT_COUNT == 0 && CUSTSEG_STAT_CUM_LIFT == 10 &&
                     CUSTSEG_STAT_COUNT_OF >= 11);
HT_ASSERT(fields, CUSTSEG_FIELD_RECENCY == 0 && CUSTSEG_FIELD_VALUE == 7 &&
                      CUSTSEG_FIELD_COUNT_OF >= 8);
HT_ASSERT(formats, CUSTSEG_FORMAT_CSV == 0 &&
                       CUSTSEG_FORMAT_SEGMENTS_CSV == 3);
HT_ASSERT(option_types, CUSTSEG_OPT_INT == 1 && CUSTSEG_OPT_STRING == 3);

/* Callbacks of the documented types. */
static int headertest_progress(double fraction, void *payload)
{
    (void)payload;
    return fraction > 1.0;
}

static int headertest_write(const char *data, size_t len, void *payload)
{
    (void)data;
    (void)payload;
    return len == 0;
}

int headertest_use(void); /* for -Wmissing-prototypes */

/* Never called: returns how many of the declarations below are non-null,
 * so that nothing is unused. */
int headertest_use(void)
{
    custseg_allocator a;
    custseg_progress_fn progress = headertest_progress;
    custseg_write_fn writer = headertest_write;
    int64_t line = -1;
    size_t n = 0;

    unsigned (*version)(void) = custseg_version;
    const char *(*strerror_fn)(int) = custseg_strerror;
    int (*set_allocator)(const custseg_allocator *) = custseg_set_allocator;
    int (*dataset_new)(custseg_dataset **) = custseg_dataset_new;
    void (*dataset_free)(custseg_dataset *) = custseg_dataset_free;
    int (*load_csv)(custseg_dataset *, const char *) =
        custseg_dataset_load_csv;
    int (*add_columns)(custseg_dataset *, size_t, const char *,
                       const int64_t *, const char *, const int64_t *,
                       const int64_t *, const int64_t *, const double *) =
        custseg_dataset_add_columns;
    int64_t (*reject_line)(const custseg_dataset *, int, int) =
        custseg_dataset_reject_line;
    void (*set_progress)(custseg_dataset *, custseg_progress_fn, void *) =
        custseg_dataset_set_progress;
    int (*strategy_new)(custseg_strategy **, const char *) =
        custseg_strategy_new;
    int (*set_int)(custseg_strategy *, const char *, int64_t) =
        custseg_strategy_set_int;
    int (*add_range)(custseg_strategy *, const char *, int, int, int, int,
                     int, int) = custseg_strategy_add_segment_range;
    int (*run)(custseg_result **, custseg_strategy *, custseg_dataset *) =
        custseg_run;
    int (*segment_at)(const custseg_segment **, const custseg_result *,
                      size_t) = custseg_result_segment_at;
    double (*segment_stat)(const custseg_segment *, int) =
        custseg_segment_stat;
    int (*iter_next)(const custseg_segment **, custseg_iter *) =
        custseg_iter_next;
    int (*member_next)(size_t *, custseg_member_iter *) =
        custseg_member_iter_next;
    int (*field)(int64_t *, const custseg_result *, size_t, int) =
        custseg_result_customer_field;
    int (*threshold)(double *, double *, const custseg_result *, int, int) =
        custseg_result_threshold;
    int (*write)(const custseg_result *, int, int, custseg_write_fn,
                 void *) = custseg_result_write;
    int (*parse_time)(int64_t *, const char *) = custseg_parse_time;
    int (*parse_amount)(int64_t *, const char *) = custseg_parse_amount;

    a.version = CUSTSEG_ALLOCATOR_VERSION;
    a.alloc = 0;
    a.realloc = 0;
    a.free = 0;
    a.payload = &line;

    n += version != 0;
    n += strerror_fn != 0;
    n += set_allocator != 0;
    n += dataset_new != 0;
    n += dataset_free != 0;
    n += load_csv != 0;
    n += add_columns != 0;
    n += reject_line != 0;
    n += set_progress != 0;
    n += strategy_new != 0;
    n += set_int != 0;
    n += add_range != 0;
    n += run != 0;
    n += segment_at != 0;
    n += segment_stat != 0;
    n += iter_next != 0;
    n += member_next != 0;
    n += field != 0;
    n += threshold != 0;
    n += write != 0;
    n += parse_time != 0;
    n += parse_amount != 0;
    n += progress != 0;
    n += writer != 0;
    n += a.payload != 0;
    return (int)n;
}
