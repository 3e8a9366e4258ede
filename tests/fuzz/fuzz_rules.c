/*
 * fuzz_rules.c - libFuzzer target for the rule-expression compiler of
 * the "prior" strategy (lexer, parser, compiler and evaluator).
 *
 * The first input byte picks the entry point: below 0x80 the rest is a
 * rules file for custseg_strategy_load_rules_buffer(); from 0x80 it is
 * one expression for custseg_strategy_add_rule(), cut at its first NUL.
 * Bit 0x40 also gives the rules an rfm result (r_score, rfm_segment...).
 * Rules that are accepted are compiled and run on a small dataset with
 * attributes and events, and the result is used and exported.
 *
 * Checked: documented statuses; a rejected rule adds nothing (the
 * strategy still runs as before); a run fails only with a message.
 */
#include <math.h>

#include "fuzz.h"

#ifndef FUZZ_RULES
#define FUZZ_RULES LLVMFuzzerTestOneInput
#endif

static void fuzz_rules_customer(custseg_dataset *ds, int i)
{
    static const char *const country[] = {"United Kingdom", "DE", "",
                                          "France"};
    char id[16];

    snprintf(id, sizeof id, "c%02d", i % 13);
    FUZZ_REQUIRE(custseg_dataset_add_transaction(
                     ds, id, NULL, 1700000000 + (int64_t)i * 86400 * 5,
                     (int64_t)((i * 37) % 23 - 3) * 10000, NULL) ==
                 CUSTSEG_OK);
    if (i >= 13)
        return;
    FUZZ_REQUIRE(custseg_dataset_set_attribute_string(ds, id, "country",
                                                      country[i % 4]) ==
                 CUSTSEG_OK);
    FUZZ_REQUIRE(custseg_dataset_set_attribute_number(
                     ds, id, "employees", i % 3 ? i * 100.0 : NAN) ==
                 CUSTSEG_OK);
    FUZZ_REQUIRE(custseg_dataset_add_event(ds, id, "cart_add",
                                           1700000000 + (int64_t)i * 86400 *
                                                            17,
                                           i * 1.5) == CUSTSEG_OK);
}

/* Built once per process and only read (frozen), with an rfm result. */
static custseg_dataset *fuzz_rules_data(custseg_result **rfm)
{
    static custseg_dataset *ds;
    static custseg_result *r;
    custseg_strategy *s;
    int i;

    if (ds == NULL) {
        FUZZ_REQUIRE(custseg_dataset_new(&ds) == CUSTSEG_OK);
        for (i = 0; i < 50; i++)
            fuzz_rules_customer(ds, i);
        FUZZ_REQUIRE(custseg_dataset_freeze(ds) == CUSTSEG_OK);
        FUZZ_REQUIRE(custseg_strategy_new(&s, "rfm") == CUSTSEG_OK);
        FUZZ_REQUIRE(custseg_run(&r, s, ds) == CUSTSEG_OK);
        custseg_strategy_free(s);
    }
    *rfm = r;
    return ds;
}

static bool fuzz_rules_status_ok(int rc)
{
    return rc == CUSTSEG_OK || rc == CUSTSEG_EPARSE ||
           rc == CUSTSEG_EINVAL || rc == CUSTSEG_ELIMIT ||
           rc == CUSTSEG_ENOMEM;
}

/* A run either gives a result or fails with a message. */
static void fuzz_rules_run(custseg_strategy *s, custseg_dataset *ds)
{
    custseg_result *r = NULL;
    int rc = custseg_run(&r, s, ds);

    FUZZ_REQUIRE((rc == CUSTSEG_OK) == (r != NULL));
    if (r != NULL)
        fuzz_use_result(r);
    else
        FUZZ_REQUIRE(custseg_strategy_errmsg(s)[0] != '\0');
    custseg_result_free(r);
}

int FUZZ_RULES(const uint8_t *data, size_t size);
int FUZZ_RULES(const uint8_t *data, size_t size)
{
    custseg_strategy *s = NULL;
    custseg_result *rfm;
    custseg_dataset *ds;
    char *text;
    int rc;

    if (size < 1 || (text = malloc(size)) == NULL)
        return 0;
    memcpy(text, data + 1, size - 1);
    text[size - 1] = '\0';
    ds = fuzz_rules_data(&rfm);
    FUZZ_REQUIRE(custseg_strategy_new(&s, "prior") == CUSTSEG_OK);
    if (data[0] & 0x40)
        FUZZ_REQUIRE(custseg_strategy_set_rfm(s, rfm) == CUSTSEG_OK);
    FUZZ_REQUIRE(custseg_strategy_add_rule(s, "Known", "recency >= 0") ==
                 CUSTSEG_OK);
    if (data[0] < 0x80) /* the fuzzer's own buffer: exact bounds */
        rc = custseg_strategy_load_rules_buffer(s, (const char *)data + 1,
                                                size - 1, "rules");
    else
        rc = custseg_strategy_add_rule(s, "Fuzz", text);
    FUZZ_REQUIRE(fuzz_rules_status_ok(rc));
    if (rc != CUSTSEG_OK)
        FUZZ_REQUIRE(custseg_strategy_errmsg(s)[0] != '\0');
    fuzz_rules_run(s, ds);
    custseg_strategy_free(s);
    free(text);
    return 0;
}
