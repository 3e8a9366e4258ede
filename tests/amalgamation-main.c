/*
 * amalgamation-main.c - a small program for tests/amalgamation.sh: it is
 * linked once with dist-style custseg.o and once with the shared library,
 * and both must print the same bytes.
 */
#include <stdio.h>
#include <string.h>

#include "custseg.h"

static const char *const rows[][4] = { /* customer, order, date, amount */
    {"c1", "o1", "2024-01-03", "10.00"}, {"c2", "o2", "2024-02-10", "250"},
    {"c1", "o3", "2024-03-01", "35.50"}, {"c3", "o4", "2023-12-24", "5"},
    {"c4", "o5", "2024-03-02", "99.99"}, {"c5", "o6", "2024-01-15", "-4"},
    {"c5", "o7", "2024-02-20", "60"},    {"c6", "o8", "2024-03-03", "12"},
};

static int out(const char *data, size_t len, void *payload)
{
    (void)payload;
    return fwrite(data, 1, len, stdout) == len ? 0 : -1;
}

/* Two segments by recency, to run the registry in this build too. */
static int by_recency(custseg_assign *ctx, void *payload)
{
    size_t recent, old, row;
    int64_t days;

    (void)payload;
    if (custseg_assign_define_segment(&recent, ctx, "recent") != 0 ||
        custseg_assign_define_segment(&old, ctx, "old") != 0)
        return custseg_assign_error(ctx, "define failed");
    for (row = 0; row < custseg_assign_customer_count(ctx); row++)
        if (custseg_assign_metric(&days, ctx, row,
                                  CUSTSEG_FIELD_RECENCY) != 0 ||
            custseg_assign_set(ctx, row, days <= 30 ? recent : old,
                               (double)days) != 0)
            return -1;
    return 0;
}

static int run(custseg_dataset *ds, const char *name, int format)
{
    custseg_strategy *s = NULL;
    custseg_result *r = NULL;
    int st = custseg_strategy_new(&s, name);

    if (st == CUSTSEG_OK && strcmp(name, "rfm") == 0)
        st = custseg_strategy_set_int(s, "bins", 3);
    if (st == CUSTSEG_OK)
        st = custseg_run(&r, s, ds);
    if (st == CUSTSEG_OK)
        st = custseg_result_write(r, format, 2, out, NULL);
    if (st != CUSTSEG_OK)
        fprintf(stderr, "%s: %s %s\n", name, custseg_strerror(st),
                custseg_strategy_errmsg(s));
    custseg_result_free(r);
    custseg_strategy_free(s);
    return st;
}

int main(void)
{
    custseg_strategy_ops ops = {CUSTSEG_STRATEGY_OPS_VERSION, "by_recency",
                                by_recency, NULL, NULL};
    custseg_dataset *ds = NULL;
    int64_t t, amount;
    size_t i;
    int st = custseg_dataset_new(&ds);

    for (i = 0; st == CUSTSEG_OK && i < sizeof rows / sizeof *rows; i++)
        if ((st = custseg_parse_time(&t, rows[i][2])) == CUSTSEG_OK &&
            (st = custseg_parse_amount(&amount, rows[i][3])) == CUSTSEG_OK)
            st = custseg_dataset_add_transaction(ds, rows[i][0], rows[i][1],
                                                 t, amount, NULL);
    if (st == CUSTSEG_OK)
        st = custseg_register_strategy(&ops);
    printf("version %s\n", custseg_version_string());
    if (st == CUSTSEG_OK)
        st = run(ds, "rfm", CUSTSEG_FORMAT_CSV);
    if (st == CUSTSEG_OK)
        st = run(ds, "decile", CUSTSEG_FORMAT_SEGMENTS_CSV);
    if (st == CUSTSEG_OK)
        st = run(ds, "by_recency", CUSTSEG_FORMAT_CSV);
    custseg_unregister_strategy("by_recency");
    custseg_dataset_free(ds);
    return st == CUSTSEG_OK ? 0 : 1;
}
