/*
 * quickstart.c - RFM segments of a few customers.
 *
 *   cc quickstart.c $(pkg-config --cflags --libs custseg) && ./a.out
 *   ./a.out orders.csv    (columns customer_id,order_id,order_time,amount)
 */
#include <custseg.h>
#include <stdio.h>

static const char *const sales[][4] = { /* customer, order, date, amount */
    {"alice", "A1", "2024-01-05", "49.99"}, {"bob", "B1", "2023-11-20", "12"},
    {"alice", "A2", "2024-06-01", "25.00"}, {"dave", "D1", "2023-08-14", "8"},
    {"carol", "C1", "2024-05-30", "99.00"}, {"carol", "C2", "2024-06-02", "15"},
};
static const char *const map[][2] = {{"customer", "customer_id"},
    {"order", "order_id"}, {"time", "order_time"}, {"amount", "amount"}};

static int fill(custseg_dataset *ds, const char *csv)
{
    int64_t t, amount; /* Unix seconds; ten-thousandths of a unit */
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

int main(int argc, char **argv)
{
    custseg_dataset *ds = NULL;
    custseg_strategy *s = NULL;
    custseg_result *r = NULL;
    custseg_iter *it = NULL;
    const custseg_segment *seg;
    int st = custseg_dataset_new(&ds);

    if (st == CUSTSEG_OK)
        st = fill(ds, argc > 1 ? argv[1] : NULL);
    if (st == CUSTSEG_OK)
        st = custseg_strategy_new(&s, "rfm");
    if (st == CUSTSEG_OK)
        st = custseg_run(&r, s, ds);
    if (st == CUSTSEG_OK)
        st = custseg_result_iter_new(&it, r);
    while (st == CUSTSEG_OK && custseg_iter_next(&seg, it) == CUSTSEG_OK)
        printf("%-20s %6lld customers %5.1f%% revenue %10.2f\n",
               custseg_segment_name(seg),
               (long long)custseg_segment_count(seg),
               100 * custseg_segment_stat(seg, CUSTSEG_STAT_SHARE),
               custseg_segment_stat(seg, CUSTSEG_STAT_REVENUE));
    if (st != CUSTSEG_OK) /* the failing handle keeps the details */
        fprintf(stderr, "quickstart: %s %s%s\n", custseg_strerror(st),
                ds ? custseg_dataset_errmsg(ds) : "",
                s ? custseg_strategy_errmsg(s) : "");
    custseg_iter_free(it);
    custseg_result_free(r);
    custseg_strategy_free(s);
    custseg_dataset_free(ds);
    return st == CUSTSEG_OK ? 0 : 1;
}
