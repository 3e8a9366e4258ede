/*
 * backend.c - libcustseg as a shop backend uses it.
 *
 * The rows come from the backend's own store (simulated here), already in
 * columns: one byte buffer of customer ids with int64 offsets, the same
 * for order ids, and arrays of times and amounts. They go into a dataset
 * in one bulk call, without a CSV round trip and without per-row
 * allocation. The dataset is frozen once and then serves several runs
 * (rfm and decile); one customer is looked up for a page view, and the
 * RFM table is exported as CSV into memory, e.g. for an HTTP response.
 *
 *   cc backend.c $(pkg-config --cflags --libs custseg)
 *
 * SPDX-License-Identifier: MIT
 */
#include <custseg.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CUSTOMERS 1000
#define ORDERS 5000
#define ID_WIDTH 12 /* "cust-000042" plus room; the bound for the buffers */
#define UNIT 10000  /* money is in ten-thousandths of the currency unit */

/* The columns the backend hands over: ids packed end to end. */
struct columns {
    size_t n;
    char *customer_bytes;
    int64_t *customer_offsets; /* n + 1 */
    char *order_bytes;
    int64_t *order_offsets; /* n + 1 */
    int64_t *times;
    int64_t *amounts;
};

static void columns_free(struct columns *c)
{
    free(c->customer_bytes);
    free(c->customer_offsets);
    free(c->order_bytes);
    free(c->order_offsets);
    free(c->times);
    free(c->amounts);
}

static int columns_alloc(struct columns *c, size_t n)
{
    memset(c, 0, sizeof *c);
    c->n = n;
    c->customer_bytes = malloc(n * ID_WIDTH);
    c->customer_offsets = malloc((n + 1) * sizeof(int64_t));
    c->order_bytes = malloc(n * ID_WIDTH);
    c->order_offsets = malloc((n + 1) * sizeof(int64_t));
    c->times = malloc(n * sizeof(int64_t));
    c->amounts = malloc(n * sizeof(int64_t));
    if (c->customer_bytes && c->customer_offsets && c->order_bytes &&
        c->order_offsets && c->times && c->amounts)
        return 0;
    columns_free(c);
    return -1;
}

/* Append one id to a packed column; offsets[i + 1] ends row i. */
static void put_id(char *bytes, int64_t *offsets, size_t i,
                   const char *prefix, unsigned long id)
{
    int len = sprintf(bytes + offsets[i], "%s%06lu", prefix, id);

    offsets[i + 1] = offsets[i] + len;
}

/* Stand-in for a database query: deterministic orders over 2024, one
 * line each, with customer 42 a heavy, recent buyer. */
static void fetch_orders(struct columns *c)
{
    const int64_t jan1 = 1704067200; /* 2024-01-01T00:00:00Z */
    uint64_t x = 12345;
    size_t i;

    c->customer_offsets[0] = c->order_offsets[0] = 0;
    for (i = 0; i < c->n; i++) {
        unsigned long cust;

        /* Knuth's 64-bit LCG, high bits only: enough for a demo. */
        x = x * 6364136223846793005u + 1442695040888963407u;
        cust = i % 7 == 0 ? 42 : (unsigned long)(x >> 33) % CUSTOMERS;
        put_id(c->customer_bytes, c->customer_offsets, i, "cust-", cust);
        put_id(c->order_bytes, c->order_offsets, i, "ord-",
               (unsigned long)i);
        c->times[i] = jan1 + (int64_t)((x >> 20) % (366u * 86400u));
        /* 5.00 .. 204.99 in whole cents */
        c->amounts[i] = (int64_t)(500 + (x >> 40) % 20000) * (UNIT / 100);
    }
}

static int build_dataset(custseg_dataset **out, const struct columns *c)
{
    int st = custseg_dataset_new(out);

    if (st == CUSTSEG_OK)
        st = custseg_dataset_add_columns(*out, c->n, c->customer_bytes,
                                         c->customer_offsets,
                                         c->order_bytes, c->order_offsets,
                                         c->times, c->amounts, NULL);
    /* Freezing computes per-customer metrics once, for every later run. */
    if (st == CUSTSEG_OK)
        st = custseg_dataset_freeze(*out);
    if (st != CUSTSEG_OK && *out)
        fprintf(stderr, "dataset: %s\n", custseg_dataset_errmsg(*out));
    return st;
}

static int run(custseg_result **out, custseg_dataset *ds, const char *name)
{
    custseg_strategy *s = NULL;
    int st = custseg_strategy_new(&s, name);

    if (st == CUSTSEG_OK)
        st = custseg_strategy_set_int(s, "threads", 2);
    if (st == CUSTSEG_OK)
        st = custseg_run(out, s, ds);
    if (st != CUSTSEG_OK && s)
        fprintf(stderr, "%s: %s\n", name, custseg_strategy_errmsg(s));
    custseg_strategy_free(s); /* the result does not need it */
    return st;
}

static int field(const custseg_result *r, size_t row, int f)
{
    int64_t v = -1;

    custseg_result_customer_field(&v, r, row, f);
    return (int)v;
}

/* What a customer page shows: RFM scores, segment and value decile. */
static int show_customer(const custseg_result *rfm,
                         const custseg_result *dec, const char *id)
{
    const custseg_segment *seg;
    size_t row, drow;
    int64_t monetary = 0;
    int st = custseg_result_find(&row, rfm, id);

    if (st == CUSTSEG_OK)
        st = custseg_result_find(&drow, dec, id);
    if (st == CUSTSEG_OK)
        st = custseg_result_segment_at(
            &seg, rfm, custseg_result_customer_segment(rfm, row));
    if (st == CUSTSEG_OK)
        st = custseg_result_customer_field(&monetary, rfm, row,
                                           CUSTSEG_FIELD_MONETARY);
    if (st != CUSTSEG_OK)
        return st;
    printf("%s: R%d F%d M%d \"%s\", recency %d days, %d orders, "
           "%.2f spent, decile %d\n",
           id, field(rfm, row, CUSTSEG_FIELD_R),
           field(rfm, row, CUSTSEG_FIELD_F),
           field(rfm, row, CUSTSEG_FIELD_M), custseg_segment_name(seg),
           field(rfm, row, CUSTSEG_FIELD_RECENCY),
           field(rfm, row, CUSTSEG_FIELD_FREQUENCY),
           (double)monetary / UNIT,
           field(dec, drow, CUSTSEG_FIELD_DECILE));
    return CUSTSEG_OK;
}

/* A growing memory buffer filled by the export's write callback. */
struct membuf {
    char *data;
    size_t len, cap;
};

static int membuf_write(const char *data, size_t len, void *payload)
{
    struct membuf *b = payload;

    if (b->cap - b->len < len) {
        size_t cap = b->cap ? b->cap : 4096;
        char *p;

        while (cap - b->len < len)
            cap *= 2;
        if (!(p = realloc(b->data, cap)))
            return 1; /* the export stops with CUSTSEG_ECALLBACK */
        b->data = p;
        b->cap = cap;
    }
    memcpy(b->data + b->len, data, len);
    b->len += len;
    return 0;
}

static int export_csv(const custseg_result *r)
{
    struct membuf buf = {NULL, 0, 0};
    int st = custseg_result_write(r, CUSTSEG_FORMAT_CSV, 2, membuf_write,
                                  &buf);

    if (st == CUSTSEG_OK) {
        /* Header and first row: the rest would go to the client. */
        size_t head = 0;
        int lines = 0;

        while (head < buf.len && lines < 2)
            lines += buf.data[head++] == '\n';
        printf("CSV export: %zu bytes, %zu customers; it starts:\n%.*s",
               buf.len, custseg_result_customer_count(r), (int)head,
               buf.data ? buf.data : "");
    }
    free(buf.data);
    return st;
}

static int serve(custseg_dataset *ds)
{
    custseg_result *rfm = NULL, *dec = NULL;
    int st = run(&rfm, ds, "rfm");

    if (st == CUSTSEG_OK)
        st = run(&dec, ds, "decile");
    if (st == CUSTSEG_OK)
        st = show_customer(rfm, dec, "cust-000042");
    if (st == CUSTSEG_OK)
        st = export_csv(rfm);
    custseg_result_free(dec);
    custseg_result_free(rfm);
    return st;
}

int main(void)
{
    struct columns cols;
    custseg_dataset *ds = NULL;
    int st;

    if (columns_alloc(&cols, ORDERS) != 0) {
        fputs("backend: out of memory\n", stderr);
        return 1;
    }
    fetch_orders(&cols);
    st = build_dataset(&ds, &cols);
    columns_free(&cols); /* the dataset keeps its own copy */
    if (st == CUSTSEG_OK) {
        printf("%zu customers, %zu transactions, %zu bytes\n",
               custseg_dataset_customer_count(ds),
               custseg_dataset_transaction_count(ds),
               custseg_dataset_memory_bytes(ds));
        st = serve(ds);
    }
    if (st != CUSTSEG_OK)
        fprintf(stderr, "backend: %s\n", custseg_strerror(st));
    custseg_dataset_free(ds);
    return st == CUSTSEG_OK ? 0 : 1;
}
