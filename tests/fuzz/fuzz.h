/*
 * fuzz.h - helpers shared by the libFuzzer targets in tests/fuzz/.
 *
 * Each target defines its entry under a macro name that defaults to
 * LLVMFuzzerTestOneInput, so tests/check_fuzz_replay.c can include all
 * of them in one program and replay the corpora in every make check,
 * without libFuzzer. A broken invariant calls abort(): libFuzzer saves
 * the input, and the replay's forked test reports an error.
 */
#ifndef CUSTSEG_FUZZ_H
#define CUSTSEG_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define FUZZ_REQUIRE(cond)                                               \
    do {                                                                 \
        if (!(cond))                                                     \
            abort();                                                     \
    } while (0)

/* Exports go nowhere; only their status matters. */
static int fuzz_sink(const char *data, size_t len, void *payload)
{
    (void)data;
    (void)len;
    (void)payload;
    return 0;
}

/* Every export format of a result, and a lookup of each customer by id
 * (ids with an inner NUL byte are found only up to it: skip those). */
static void fuzz_use_result(const custseg_result *r)
{
    size_t i, row, n = custseg_result_customer_count(r);
    int f;

    for (f = CUSTSEG_FORMAT_CSV; f <= CUSTSEG_FORMAT_SEGMENTS_CSV; f++)
        FUZZ_REQUIRE(custseg_result_write(r, f, 2, fuzz_sink, NULL) ==
                     CUSTSEG_OK);
    for (i = 0; i < n; i++) {
        const char *id = custseg_result_customer_id(r, i);
        FUZZ_REQUIRE(id != NULL);
        if (custseg_result_find(&row, r, id) == CUSTSEG_OK)
            FUZZ_REQUIRE(strcmp(custseg_result_customer_id(r, row), id) ==
                         0);
        FUZZ_REQUIRE(custseg_result_customer_segment(r, i) <
                     custseg_result_segment_count(r));
    }
}

/* Run a strategy on ds and use the result; a run may fail only cleanly.
 * (inline: not every target uses it, and unused inline is no warning) */
static inline void fuzz_run(custseg_strategy *s, custseg_dataset *ds)
{
    custseg_result *r = NULL;
    int rc = custseg_run(&r, s, ds);

    FUZZ_REQUIRE((rc == CUSTSEG_OK) == (r != NULL));
    if (r != NULL)
        fuzz_use_result(r);
    custseg_result_free(r);
}

#endif
