/*
 * check_core.c - version, status strings, allocator hooks, interning,
 * sorting and checked size arithmetic.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "testutil.h"

START_TEST(test_version)
{
    ck_assert_uint_eq(custseg_version(), CUSTSEG_VERSION_NUMBER);
    ck_assert_uint_eq(custseg_version(), 10000);
    ck_assert_str_eq(custseg_version_string(), CUSTSEG_VERSION_STRING);
    ck_assert_str_eq(custseg_version_string(), "1.0.0");
}
END_TEST

START_TEST(test_strerror)
{
    int codes[] = { CUSTSEG_OK, CUSTSEG_ITEROVER, CUSTSEG_ENOMEM,
                    CUSTSEG_EINVAL, CUSTSEG_EIO, CUSTSEG_EPARSE,
                    CUSTSEG_ENOTFOUND, CUSTSEG_EMISUSE, CUSTSEG_ERANGE,
                    CUSTSEG_ECANCELED, CUSTSEG_ENODATA, CUSTSEG_ELIMIT,
                    CUSTSEG_ECALLBACK };
    size_t i, j;

    for (i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        ck_assert_ptr_nonnull(custseg_strerror(codes[i]));
        ck_assert_str_ne(custseg_strerror(codes[i]), "unknown status");
        for (j = 0; j < i; j++) /* every code has its own text */
            ck_assert_str_ne(custseg_strerror(codes[i]),
                             custseg_strerror(codes[j]));
    }
    ck_assert_str_eq(custseg_strerror(-999), "unknown status");
    ck_assert_str_eq(custseg_strerror(CUSTSEG_ENOMEM), "out of memory");
}
END_TEST

static size_t hook_calls;
static void *hook_alloc(void *p, size_t n)
{
    (void)p;
    hook_calls++;
    return malloc(n);
}
static void *hook_realloc(void *p, void *q, size_t n)
{
    (void)p;
    hook_calls++;
    return realloc(q, n);
}
static void hook_free(void *p, void *q)
{
    (void)p;
    free(q);
}

/* Runs in its own process (Check forks), so the hooks can still be set. */
START_TEST(test_allocator_hooks)
{
    custseg_allocator a = { CUSTSEG_ALLOCATOR_VERSION, hook_alloc,
                            hook_realloc, hook_free, NULL };
    custseg_allocator bad = a;
    custseg_dataset *ds;

    bad.free = NULL;
    ck_assert_int_eq(custseg_set_allocator(&bad), CUSTSEG_EINVAL);
    bad = a;
    bad.version = 0;
    ck_assert_int_eq(custseg_set_allocator(&bad), CUSTSEG_EINVAL);
    ck_assert_int_eq(custseg_set_allocator(&a), CUSTSEG_OK);
    ck_assert_int_eq(custseg_dataset_new(&ds), CUSTSEG_OK);
    ck_assert_uint_gt(hook_calls, 0);
    /* After the first allocation the hooks may no longer change. */
    ck_assert_int_eq(custseg_set_allocator(NULL), CUSTSEG_EMISUSE);
    custseg_dataset_free(ds);
}
END_TEST

START_TEST(test_strtab)
{
    custseg__strtab t;
    uint32_t idx, i;
    bool added;
    char buf[32];

    custseg__strtab_init(&t);
    ck_assert_int_eq(custseg__strtab_intern(&t, "b", 1, 10, &idx, &added),
                     CUSTSEG_OK);
    ck_assert_uint_eq(idx, 0);
    ck_assert(added);
    ck_assert_int_eq(custseg__strtab_intern(&t, "a,\"x", 4, 10, &idx,
                                            &added), CUSTSEG_OK);
    ck_assert_uint_eq(idx, 1);
    ck_assert_int_eq(custseg__strtab_intern(&t, "b", 1, 10, &idx, &added),
                     CUSTSEG_OK);
    ck_assert_uint_eq(idx, 0);
    ck_assert(!added);
    ck_assert_str_eq(custseg__strtab_get(&t, 1), "a,\"x");
    ck_assert_uint_eq(custseg__strtab_len(&t, 1), 4);
    ck_assert_uint_eq(custseg__strtab_find(&t, "zz", 2), CUSTSEG__NONE);
    /* The limit is checked before adding. */
    for (i = 2; i < 10; i++) {
        int n = snprintf(buf, sizeof buf, "id%u", (unsigned)i);
        ck_assert_int_eq(custseg__strtab_intern(&t, buf, (size_t)n, 10,
                                                &idx, NULL), CUSTSEG_OK);
    }
    ck_assert_int_eq(custseg__strtab_intern(&t, "new", 3, 10, &idx, NULL),
                     CUSTSEG_ELIMIT);
    /* Truncation removes the latest strings and their index entries. */
    custseg__strtab_truncate(&t, 2);
    ck_assert_uint_eq(t.count, 2);
    ck_assert_uint_eq(custseg__strtab_find(&t, "id5", 3), CUSTSEG__NONE);
    ck_assert_uint_eq(custseg__strtab_find(&t, "b", 1), 0);
    ck_assert_int_eq(custseg__strtab_intern(&t, "id5", 3, 10, &idx, &added),
                     CUSTSEG_OK);
    ck_assert_uint_eq(idx, 2);
    custseg__strtab_free(&t);
}
END_TEST

START_TEST(test_strtab_many)
{
    custseg__strtab t;
    uint32_t idx, i;
    char buf[32];

    custseg__strtab_init(&t);
    for (i = 0; i < 100000; i++) {
        int n = snprintf(buf, sizeof buf, "C%07u", (unsigned)(i * 7919u %
                                                              100000u));
        ck_assert_int_eq(custseg__strtab_intern(&t, buf, (size_t)n,
                                                UINT32_MAX - 1, &idx, NULL),
                         CUSTSEG_OK);
        ck_assert_uint_eq(idx, i);
    }
    ck_assert_uint_eq(custseg__strtab_find(&t, "C0000000", 8), 0);
    ck_assert_uint_eq(custseg__strtab_find(&t, "C0007919", 8), 1);
    custseg__strtab_free(&t);
}
END_TEST

START_TEST(test_sort_by_i64_stable)
{
    int64_t key[] = { 5, -3, 5, 0, INT64_MIN, INT64_MAX, -3, 5 };
    uint32_t idx[] = { 0, 1, 2, 3, 4, 5, 6, 7 };
    uint32_t asc[] = { 4, 1, 6, 3, 0, 2, 7, 5 };
    uint32_t desc[] = { 5, 0, 2, 7, 3, 1, 6, 4 };
    size_t i;

    ck_assert_int_eq(custseg__sort_by_i64(idx, 8, key, false), CUSTSEG_OK);
    for (i = 0; i < 8; i++)
        ck_assert_uint_eq(idx[i], asc[i]);
    for (i = 0; i < 8; i++)
        idx[i] = (uint32_t)i;
    ck_assert_int_eq(custseg__sort_by_i64(idx, 8, key, true), CUSTSEG_OK);
    for (i = 0; i < 8; i++)
        ck_assert_uint_eq(idx[i], desc[i]);
}
END_TEST

START_TEST(test_sort_ids_bytes)
{
    /* Byte order: shorter prefix first, bytes >= 0x80 after ASCII, long
     * ids sharing 8-byte prefixes are finished by a full comparison. */
    const char *ids[] = { "b", "a", "abcdefghZ", "abcdefgh", "\xc3\xa9",
                          "abcdefghA", "B", "10", "9", "" };
    const uint32_t want[] = { 9, 7, 8, 6, 1, 3, 5, 2, 0, 4 };
    custseg__strtab t;
    uint32_t out[10], idx, i;

    custseg__strtab_init(&t);
    for (i = 0; i < 10; i++)
        ck_assert_int_eq(custseg__strtab_intern(&t, ids[i], strlen(ids[i]),
                                                100, &idx, NULL),
                         CUSTSEG_OK);
    ck_assert_int_eq(custseg__sort_ids(&t, out), CUSTSEG_OK);
    for (i = 0; i < 10; i++)
        ck_assert_uint_eq(out[i], want[i]);
    custseg__strtab_free(&t);
}
END_TEST

START_TEST(test_checked_sizes)
{
    size_t out = 7;

    ck_assert(custseg__mul_size(3, 4, &out));
    ck_assert_uint_eq(out, 12);
    ck_assert(!custseg__mul_size(SIZE_MAX / 2 + 1, 2, &out));
    ck_assert_uint_eq(out, 12); /* untouched on overflow */
    ck_assert(custseg__mul_size(SIZE_MAX, 0, &out));
    ck_assert_uint_eq(out, 0);
    ck_assert(custseg__add_size(SIZE_MAX - 1, 1, &out));
    ck_assert(!custseg__add_size(SIZE_MAX, 1, &out));
}
END_TEST

static int job_fn(size_t job, void *payload)
{
    int *hits = payload;

    hits[job] += 1;
    return job == 5 ? CUSTSEG_ERANGE : CUSTSEG_OK;
}

START_TEST(test_run_jobs)
{
    int hits[64] = { 0 };
    size_t i;

    ck_assert_int_eq(custseg__run_jobs(5, 3, job_fn, hits), CUSTSEG_OK);
    for (i = 0; i < 5; i++)
        ck_assert_int_eq(hits[i], 1);
    ck_assert_int_eq(custseg__run_jobs(8, 1, job_fn, hits), CUSTSEG_ERANGE);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("core");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, test_version);
    tcase_add_test(tc, test_strerror);
    tcase_add_test(tc, test_allocator_hooks);
    tcase_add_test(tc, test_strtab);
    tcase_add_test(tc, test_strtab_many);
    tcase_add_test(tc, test_sort_by_i64_stable);
    tcase_add_test(tc, test_sort_ids_bytes);
    tcase_add_test(tc, test_checked_sizes);
    tcase_add_test(tc, test_run_jobs);
    suite_add_tcase(s, tc);
    return tu_run_suite(s);
}
