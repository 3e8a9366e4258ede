/*
 * fuzz_segmap.c - libFuzzer target for the rfm segment-map parser.
 *
 * The first input byte picks the entry point: below 0xC0 the rest is a
 * segment map CSV for custseg_strategy_load_segments_buffer(); from 0xC0
 * it is a score-code list for custseg_strategy_add_segment_codes(), cut
 * at its first NUL. Either way the text is given twice, so appending to
 * existing segments is exercised too, and the segments are then used on
 * a small dataset with 5 and with 10 bins.
 *
 * Checked: a documented status; a failed call adds no segment (all or
 * nothing); an accepted map works in a run and in every export.
 */
#include "fuzz.h"

#ifndef FUZZ_SEGMAP
#define FUZZ_SEGMAP LLVMFuzzerTestOneInput
#endif

/* Built once per process and only read (frozen), like a host would. */
static custseg_dataset *fuzz_segmap_data(void)
{
    static custseg_dataset *ds;
    char id[16];
    int i;

    if (ds != NULL)
        return ds;
    FUZZ_REQUIRE(custseg_dataset_new(&ds) == CUSTSEG_OK);
    for (i = 0; i < 40; i++) {
        snprintf(id, sizeof id, "c%02d", i % 17);
        FUZZ_REQUIRE(custseg_dataset_add_transaction(
                         ds, id, NULL, 1700000000 + (int64_t)i * 86400 * 3,
                         (int64_t)((i * 37) % 23 + 1) * 10000, NULL) ==
                     CUSTSEG_OK);
    }
    FUZZ_REQUIRE(custseg_dataset_freeze(ds) == CUSTSEG_OK);
    return ds;
}

/* The map is read from the fuzzer's own buffer, whose exact bounds
 * AddressSanitizer knows; the code list from a NUL-terminated copy. */
static int fuzz_segmap_add(custseg_strategy *s, bool codes,
                           const char *text, const uint8_t *map, size_t len)
{
    size_t before = s->nsegs;
    int rc;

    if (codes)
        rc = custseg_strategy_add_segment_codes(s, "fuzz", text);
    else
        rc = custseg_strategy_load_segments_buffer(s, (const char *)map,
                                                   len, "map");
    FUZZ_REQUIRE(rc == CUSTSEG_OK || rc == CUSTSEG_EPARSE ||
                 rc == CUSTSEG_EINVAL || rc == CUSTSEG_ELIMIT ||
                 rc == CUSTSEG_ENOMEM);
    if (rc != CUSTSEG_OK) {
        FUZZ_REQUIRE(s->nsegs == before);
        FUZZ_REQUIRE(custseg_strategy_errmsg(s)[0] != '\0');
    }
    return rc;
}

int FUZZ_SEGMAP(const uint8_t *data, size_t size);
int FUZZ_SEGMAP(const uint8_t *data, size_t size)
{
    custseg_strategy *s = NULL;
    bool codes;
    char *text;
    int rc;

    if (size < 1)
        return 0;
    codes = data[0] >= 0xC0;
    if ((text = malloc(size)) == NULL)
        return 0;
    memcpy(text, data + 1, size - 1);
    text[size - 1] = '\0';
    FUZZ_REQUIRE(custseg_strategy_new(&s, "rfm") == CUSTSEG_OK);
    rc = fuzz_segmap_add(s, codes, text, data + 1, size - 1);
    if (rc == CUSTSEG_OK)
        rc = fuzz_segmap_add(s, codes, text, data + 1, size - 1);
    if (rc == CUSTSEG_OK) {
        fuzz_run(s, fuzz_segmap_data());
        FUZZ_REQUIRE(custseg_strategy_set_int(s, "bins", 10) ==
                     CUSTSEG_OK);
        fuzz_run(s, fuzz_segmap_data());
    }
    custseg_strategy_free(s);
    free(text);
    return 0;
}
