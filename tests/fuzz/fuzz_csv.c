/*
 * fuzz_csv.c - libFuzzer target for the CSV loader.
 *
 * The first input byte picks the loading options, the rest is the CSV
 * text. Bits 0-1: delimiter (',' ';' tab whitespace); bit 2: no header
 * (columns by position); bit 3: drop_returns; bits 4-5: the column map
 * (see maps[]); bit 6: load the text twice (appending); bit 7: also run
 * the rfm quantile and decile aov strategies. With a header the columns
 * are named by one letter (c o t a q p k r f m) so that the fuzzer finds
 * them quickly.
 *
 * Checked: a load returns a documented status; every data row read is
 * accepted or rejected exactly once; a failed load changes nothing; what
 * loads can be frozen, segmented and exported.
 */
#include "fuzz.h"

#ifndef FUZZ_CSV
#define FUZZ_CSV LLVMFuzzerTestOneInput
#endif

/* role=column pairs per map; positions are used without a header. */
static const char *const fuzz_csv_maps[4][10] = {
    {"customer", "c", "order", "o", "time", "t", "amount", "a", NULL},
    {"customer", "c", "time", "t", "quantity", "q", "price", "p",
     "category", "k"},
    {"customer", "c", "recency", "r", "frequency", "f", "monetary", "m",
     NULL},
    {"customer", "c", "time", "t", "amount", "a", NULL},
};

static void fuzz_csv_options(custseg_dataset *ds, unsigned b)
{
    static const char *const delims[4] = {",", ";", "\t", "whitespace"};
    const char *const *m = fuzz_csv_maps[(b >> 4) & 3];
    char pos[4];
    int i;

    FUZZ_REQUIRE(custseg_dataset_set_string(ds, "delimiter",
                                            delims[b & 3]) == CUSTSEG_OK);
    FUZZ_REQUIRE(custseg_dataset_set_int(ds, "header", !(b & 4)) ==
                 CUSTSEG_OK);
    FUZZ_REQUIRE(custseg_dataset_set_int(ds, "drop_returns", !!(b & 8)) ==
                 CUSTSEG_OK);
    for (i = 0; i < 10 && m[i] != NULL; i += 2) {
        pos[0] = (char)('1' + i / 2);
        pos[1] = '\0';
        FUZZ_REQUIRE(custseg_dataset_map_column(ds, m[i], (b & 4) ? pos
                                                          : m[i + 1]) ==
                     CUSTSEG_OK);
    }
}

static bool fuzz_csv_status_ok(int rc)
{
    return rc == CUSTSEG_OK || rc == CUSTSEG_EPARSE ||
           rc == CUSTSEG_ELIMIT || rc == CUSTSEG_ENOMEM;
}

/* One load: a documented status, a complete report, all or nothing. */
static int fuzz_csv_load(custseg_dataset *ds, const char *text, size_t len)
{
    size_t customers = custseg_dataset_customer_count(ds);
    size_t tx = custseg_dataset_transaction_count(ds);
    int64_t sum;
    int rc = custseg_dataset_load_csv_buffer(ds, text, len, "fuzz.csv");
    int k;

    FUZZ_REQUIRE(fuzz_csv_status_ok(rc));
    if (rc != CUSTSEG_OK) {
        FUZZ_REQUIRE(custseg_dataset_errmsg(ds)[0] != '\0');
        FUZZ_REQUIRE(custseg_dataset_customer_count(ds) == customers);
        FUZZ_REQUIRE(custseg_dataset_transaction_count(ds) == tx);
        return rc;
    }
    sum = custseg_dataset_rows_accepted(ds);
    for (k = 0; k < CUSTSEG_REJECT_REASON_COUNT; k++)
        sum += custseg_dataset_rows_rejected(ds, k);
    FUZZ_REQUIRE(sum == custseg_dataset_rows_read(ds));
    return rc;
}

static void fuzz_csv_segment(custseg_dataset *ds, unsigned b)
{
    custseg_strategy *s = NULL;

    if (custseg_dataset_freeze(ds) != CUSTSEG_OK)
        return;
    FUZZ_REQUIRE(custseg_strategy_new(&s, "rfm") == CUSTSEG_OK);
    fuzz_run(s, ds);
    if (b & 128) {
        FUZZ_REQUIRE(custseg_strategy_set_string(s, "binning", "quantile")
                     == CUSTSEG_OK);
        fuzz_run(s, ds);
        custseg_strategy_free(s);
        FUZZ_REQUIRE(custseg_strategy_new(&s, "decile") == CUSTSEG_OK);
        FUZZ_REQUIRE(custseg_strategy_set_string(s, "metric", "aov") ==
                     CUSTSEG_OK);
        fuzz_run(s, ds);
    }
    custseg_strategy_free(s);
}

int FUZZ_CSV(const uint8_t *data, size_t size);
int FUZZ_CSV(const uint8_t *data, size_t size)
{
    custseg_dataset *ds = NULL;
    const char *text = (const char *)data + 1;
    unsigned b;
    int rc;

    if (size < 1)
        return 0;
    b = data[0];
    FUZZ_REQUIRE(custseg_dataset_new(&ds) == CUSTSEG_OK);
    fuzz_csv_options(ds, b);
    rc = fuzz_csv_load(ds, text, size - 1);
    if (rc == CUSTSEG_OK && (b & 64))
        rc = fuzz_csv_load(ds, text, size - 1);
    if (rc == CUSTSEG_OK)
        fuzz_csv_segment(ds, b);
    custseg_dataset_free(ds);
    return 0;
}
