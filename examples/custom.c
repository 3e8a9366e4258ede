/*
 * custom.c - a custom strategy: "High value & recent" customers (spent at
 * least a threshold and bought within a number of days) and the rest.
 *
 *   cc custom.c $(pkg-config --cflags --libs custseg) && ./a.out
 *   ./a.out orders.csv    (columns customer_id,order_id,order_time,amount)
 *
 * The callback only decides each customer's segment and score; the
 * library computes the statistics and writes the table.
 */
#include <custseg.h>
#include <math.h>
#include <stdio.h>

typedef struct rule {
    int64_t min_monetary; /* ten-thousandths of the currency unit */
    int64_t max_recency;  /* days */
} rule;

static const char *const sales[][4] = { /* customer, order, date, amount */
    {"alice", "A1", "2024-01-05", "49.99"}, {"bob", "B1", "2023-11-20", "12"},
    {"alice", "A2", "2024-06-01", "25.00"}, {"dave", "D1", "2023-08-14", "8"},
    {"carol", "C1", "2024-05-30", "99.00"}, {"carol", "C2", "2024-06-02", "15"},
    {"erin", "E1", "2024-02-11", "310.00"},
};
static const char *const map[][2] = {{"customer", "customer_id"},
    {"order", "order_id"}, {"time", "order_time"}, {"amount", "amount"}};

/* Called once per custseg_run(); rows are customers in id order. */
static int high_value_recent(custseg_assign *ctx, void *payload)
{
    const rule *want = payload;
    size_t hv, rest, row, n = custseg_assign_customer_count(ctx);
    int64_t money, recency;
    int st;

    if ((st = custseg_assign_define_segment(&hv, ctx,
                                            "High value & recent")) != 0 ||
        (st = custseg_assign_define_segment(&rest, ctx, "Others")) != 0)
        return st;
    for (row = 0; row < n; row++) {
        if (custseg_assign_metric(&money, ctx, row,
                                  CUSTSEG_FIELD_MONETARY) != CUSTSEG_OK ||
            custseg_assign_metric(&recency, ctx, row,
                                  CUSTSEG_FIELD_RECENCY) != CUSTSEG_OK)
            return custseg_assign_error(ctx, "metrics missing");
        /* NaN score: the default, monetary in currency units. */
        st = custseg_assign_set(ctx, row,
                                money >= want->min_monetary &&
                                        recency <= want->max_recency
                                    ? hv
                                    : rest,
                                NAN);
        if (st != CUSTSEG_OK)
            return st;
    }
    return 0;
}

static int fill(custseg_dataset *ds, const char *csv)
{
    int64_t t, amount;
    int st = CUSTSEG_OK;
    size_t i;

    for (i = 0; csv && st == CUSTSEG_OK && i < 4; i++)
        st = custseg_dataset_map_column(ds, map[i][0], map[i][1]);
    if (csv)
        return st == CUSTSEG_OK ? custseg_dataset_load_csv(ds, csv) : st;
    for (i = 0; st == CUSTSEG_OK && i < sizeof sales / sizeof *sales; i++)
        if ((st = custseg_parse_time(&t, sales[i][2])) == CUSTSEG_OK &&
            (st = custseg_parse_amount(&amount, sales[i][3])) == CUSTSEG_OK)
            st = custseg_dataset_add_transaction(ds, sales[i][0],
                                                 sales[i][1], t, amount, NULL);
    return st;
}

static int to_stdout(const char *data, size_t len, void *payload)
{
    (void)payload;
    return fwrite(data, 1, len, stdout) == len ? 0 : -1;
}

int main(int argc, char **argv)
{
    static rule limits = {50 * 10000, 90}; /* 50.00 within 90 days */
    custseg_strategy_ops ops = {CUSTSEG_STRATEGY_OPS_VERSION,
                                "high_value_recent", high_value_recent,
                                NULL, &limits};
    custseg_dataset *ds = NULL;
    custseg_strategy *s = NULL;
    custseg_result *r = NULL;
    int st = custseg_register_strategy(&ops);

    if (st == CUSTSEG_OK)
        st = custseg_dataset_new(&ds);
    if (st == CUSTSEG_OK)
        st = fill(ds, argc > 1 ? argv[1] : NULL);
    if (st == CUSTSEG_OK)
        st = custseg_strategy_new(&s, "high_value_recent");
    if (st == CUSTSEG_OK)
        st = custseg_run(&r, s, ds);
    if (st == CUSTSEG_OK)
        st = custseg_result_write(r, CUSTSEG_FORMAT_TABLE, 2, to_stdout,
                                  NULL);
    if (st != CUSTSEG_OK) /* the failing handle keeps the details */
        fprintf(stderr, "custom: %s %s%s\n", custseg_strerror(st),
                ds ? custseg_dataset_errmsg(ds) : "",
                s ? custseg_strategy_errmsg(s) : "");
    custseg_result_free(r);
    custseg_strategy_free(s);
    custseg_dataset_free(ds);
    custseg_unregister_strategy("high_value_recent");
    return st == CUSTSEG_OK ? 0 : 1;
}
