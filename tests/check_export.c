/*
 * check_export.c - CSV, segment CSV, JSON and table output of results.
 *
 * The expected bytes below are computed by hand from a four-customer
 * dataset (see small_dataset()), so a change to any schema, to rounding or
 * to quoting shows up here as a diff.
 */
#include "custseg.h"
#include "internal.h"
#include "testutil.h"

#include <check.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define DAY 86400
#define JAN1_2024 1704067200 /* 2024-01-01T00:00:00Z */
#define JAN(d) ((int64_t)JAN1_2024 + (int64_t)((d) - 1) * DAY)

/* ------------------------------------------------------------ helpers */

typedef struct membuf {
    char *data;
    size_t len, cap;
    int calls;
    int fail_at; /* fail on this call (1-based); 0 = never */
} membuf;

static int mb_write(const char *data, size_t len, void *payload)
{
    membuf *mb = payload;

    mb->calls++;
    if (mb->fail_at > 0 && mb->calls >= mb->fail_at)
        return -1;
    if (mb->len + len + 1 > mb->cap) {
        size_t cap = (mb->len + len + 1) * 2;
        char *p = realloc(mb->data, cap);
        ck_assert_ptr_nonnull(p);
        mb->data = p;
        mb->cap = cap;
    }
    memcpy(mb->data + mb->len, data, len);
    mb->len += len;
    mb->data[mb->len] = '\0';
    return 0;
}

/* Export into a malloc'ed string; the call must succeed. */
static char *export_str(const custseg_result *r, int format, int decimals)
{
    membuf mb = {NULL, 0, 0, 0, 0};
    int st = custseg_result_write(r, format, decimals, mb_write, &mb);

    ck_assert_msg(st == CUSTSEG_OK, "write: %s (%s)", custseg_strerror(st),
                  custseg_result_errmsg(r));
    if (mb.data == NULL)
        mb.data = calloc(1, 1);
    ck_assert_ptr_nonnull(mb.data);
    ck_assert_uint_eq(strlen(mb.data), mb.len);
    return mb.data;
}

/* got must begin with prefix. */
static void check_prefix(const char *got, const char *prefix)
{
    ck_assert_msg(strncmp(got, prefix, strlen(prefix)) == 0,
                  "want a prefix of\n%s\ngot\n%s", prefix, got);
}

static void check_export(const custseg_result *r, int format, int decimals,
                         const char *want)
{
    char *got = export_str(r, format, decimals);

    ck_assert_str_eq(got, want);
    free(got);
}

static void add(custseg_dataset *ds, const char *id, int64_t t, int64_t a)
{
    int st = custseg_dataset_add_transaction(ds, id, NULL, t, a, NULL);

    ck_assert_msg(st == CUSTSEG_OK, "add %s: %s", id,
                  custseg_dataset_errmsg(ds));
}

/*
 * Four customers whose ids need CSV quoting (a comma, a quote), one plain
 * and one UTF-8 (e-acute). Latest day 2024-01-10, so as_of = 2024-01-11.
 *   id    recency  frequency  monetary   (every row its own order)
 *   a,b   6        2          15.0050    (10.0000 + 5.0050)
 *   q"x   2        1          100.0000
 *   z     8        2          17.4950    (20.0000 - 2.5050, a return)
 *   é     1        1          1.0000
 */
static custseg_dataset *small_dataset(void)
{
    custseg_dataset *ds = NULL;

    ck_assert_int_eq(custseg_dataset_new(&ds), CUSTSEG_OK);
    add(ds, "a,b", JAN(1), 100000);
    add(ds, "a,b", JAN(5), 50050);
    add(ds, "q\"x", JAN(9), 1000000);
    add(ds, "z", JAN(2), 200000);
    add(ds, "z", JAN(3), -25050);
    add(ds, "\xc3\xa9", JAN(10), 10000);
    return ds;
}

static custseg_result *run(custseg_strategy *s, custseg_dataset *ds)
{
    custseg_result *r = NULL;
    int st = custseg_run(&r, s, ds);

    ck_assert_msg(st == CUSTSEG_OK, "run: %s (%s)", custseg_strerror(st),
                  custseg_strategy_errmsg(s));
    return r;
}

/*
 * rfm with 2 bins (NTILE(2), 2 customers per score):
 *   R by recency desc: z 1, a,b 1, q"x 2, é 2
 *   F by frequency:    q"x 1, é 1, a,b 2, z 2
 *   M by monetary:     é 1, a,b 1, z 2, q"x 2
 * so a,b 1-2-1 (4), q"x 2-1-2 (5), z 1-2-2 (5), é 2-1-1 (4); segments
 * 'Recent, "new"' = {q"x, é}, Frequent = {a,b}, Others = {z}.
 */
static custseg_result *run_rfm(custseg_dataset *ds)
{
    custseg_strategy *s = NULL;
    custseg_result *r;

    ck_assert_int_eq(custseg_strategy_new(&s, "rfm"), CUSTSEG_OK);
    ck_assert_int_eq(custseg_strategy_set_int(s, "bins", 2), CUSTSEG_OK);
    ck_assert_int_eq(custseg_strategy_add_segment_range(
                         s, "Recent, \"new\"", 2, 2, 1, 2, 1, 2),
                     CUSTSEG_OK);
    ck_assert_int_eq(custseg_strategy_add_segment_range(s, "Frequent", 1,
                                                        1, 2, 2, 1, 1),
                     CUSTSEG_OK);
    r = run(s, ds);
    custseg_strategy_free(s);
    return r;
}

/* Deciles by monetary, NTILE(10) of 4: q"x 1, z 2, a,b 3, é 4. */
static custseg_result *run_decile(custseg_dataset *ds)
{
    custseg_strategy *s = NULL;
    custseg_result *r;

    ck_assert_int_eq(custseg_strategy_new(&s, "decile"), CUSTSEG_OK);
    r = run(s, ds);
    custseg_strategy_free(s);
    return r;
}

/* ------------------------------------------------------------ rfm */

#define RFM_CSV_HEAD "customer_id,recency,frequency,monetary,r,f,m,score," \
                     "segment\n"

START_TEST(test_rfm_csv)
{
    custseg_dataset *ds = small_dataset();
    custseg_result *r = run_rfm(ds);

    check_export(r, CUSTSEG_FORMAT_CSV, 2,
                 RFM_CSV_HEAD
                 "\"a,b\",6,2,15.01,1,2,1,4,Frequent\n"
                 "\"q\"\"x\",2,1,100.00,2,1,2,5,\"Recent, \"\"new\"\"\"\n"
                 "z,8,2,17.50,1,2,2,5,Others\n"
                 "\xc3\xa9,1,1,1.00,2,1,1,4,\"Recent, \"\"new\"\"\"\n");
    custseg_result_free(r);
    custseg_dataset_free(ds);
}
END_TEST

START_TEST(test_rfm_csv_decimals)
{
    custseg_dataset *ds = small_dataset();
    custseg_result *r = run_rfm(ds);

    check_export(r, CUSTSEG_FORMAT_CSV, 0,
                 RFM_CSV_HEAD
                 "\"a,b\",6,2,15,1,2,1,4,Frequent\n"
                 "\"q\"\"x\",2,1,100,2,1,2,5,\"Recent, \"\"new\"\"\"\n"
                 "z,8,2,17,1,2,2,5,Others\n"
                 "\xc3\xa9,1,1,1,2,1,1,4,\"Recent, \"\"new\"\"\"\n");
    check_export(r, CUSTSEG_FORMAT_CSV, 4,
                 RFM_CSV_HEAD
                 "\"a,b\",6,2,15.0050,1,2,1,4,Frequent\n"
                 "\"q\"\"x\",2,1,100.0000,2,1,2,5,"
                 "\"Recent, \"\"new\"\"\"\n"
                 "z,8,2,17.4950,1,2,2,5,Others\n"
                 "\xc3\xa9,1,1,1.0000,2,1,1,4,\"Recent, \"\"new\"\"\"\n");
    custseg_result_free(r);
    custseg_dataset_free(ds);
}
END_TEST

#define SEG_CSV_HEAD "segment,customers,share,revenue,revenue_share," \
                     "score_mean,score_sd,score_min,score_max," \
                     "cum_revenue_share,lift,cum_lift\n"

START_TEST(test_rfm_segments_csv)
{
    custseg_dataset *ds = small_dataset();
    custseg_result *r = run_rfm(ds);

    check_export(r, CUSTSEG_FORMAT_SEGMENTS_CSV, 2,
                 SEG_CSV_HEAD
                 "\"Recent, \"\"new\"\"\",2,0.500000,101.00,0.756554,"
                 "4.500000,0.500000,4.000000,5.000000,0.756554,1.513109,"
                 "1.513109\n"
                 "Frequent,1,0.250000,15.01,0.112397,4.000000,0.000000,"
                 "4.000000,4.000000,0.868951,0.449588,1.158602\n"
                 "Others,1,0.250000,17.50,0.131049,5.000000,0.000000,"
                 "5.000000,5.000000,1.000000,0.524195,1.000000\n");
    custseg_result_free(r);
    custseg_dataset_free(ds);
}
END_TEST

static const char rfm_json[] =
    "{\"strategy\":\"rfm\",\"customers\":4,\"bins\":2,\"thresholds\":{"
    "\"recency\":[{\"score\":1,\"lower\":6.000000,\"upper\":8.000000},"
    "{\"score\":2,\"lower\":1.000000,\"upper\":2.000000}],"
    "\"frequency\":[{\"score\":1,\"lower\":1.000000,\"upper\":1.000000},"
    "{\"score\":2,\"lower\":2.000000,\"upper\":2.000000}],"
    "\"monetary\":[{\"score\":1,\"lower\":1.000000,\"upper\":15.005000},"
    "{\"score\":2,\"lower\":17.495000,\"upper\":100.000000}]},"
    "\"segments\":["
    "{\"name\":\"Recent, \\\"new\\\"\",\"count\":2,\"share\":0.500000,"
    "\"revenue\":101.00,\"revenue_share\":0.756554,"
    "\"score_mean\":4.500000,\"score_sd\":0.500000,"
    "\"score_min\":4.000000,\"score_max\":5.000000,"
    "\"cum_revenue_share\":0.756554,\"lift\":1.513109,"
    "\"cum_lift\":1.513109},"
    "{\"name\":\"Frequent\",\"count\":1,\"share\":0.250000,"
    "\"revenue\":15.01,\"revenue_share\":0.112397,"
    "\"score_mean\":4.000000,\"score_sd\":0.000000,"
    "\"score_min\":4.000000,\"score_max\":4.000000,"
    "\"cum_revenue_share\":0.868951,\"lift\":0.449588,"
    "\"cum_lift\":1.158602},"
    "{\"name\":\"Others\",\"count\":1,\"share\":0.250000,"
    "\"revenue\":17.50,\"revenue_share\":0.131049,"
    "\"score_mean\":5.000000,\"score_sd\":0.000000,"
    "\"score_min\":5.000000,\"score_max\":5.000000,"
    "\"cum_revenue_share\":1.000000,\"lift\":0.524195,"
    "\"cum_lift\":1.000000}],"
    "\"rows\":["
    "{\"customer_id\":\"a,b\",\"recency\":6,\"frequency\":2,"
    "\"monetary\":15.01,\"r\":1,\"f\":2,\"m\":1,\"score\":4,"
    "\"segment\":\"Frequent\"},"
    "{\"customer_id\":\"q\\\"x\",\"recency\":2,\"frequency\":1,"
    "\"monetary\":100.00,\"r\":2,\"f\":1,\"m\":2,\"score\":5,"
    "\"segment\":\"Recent, \\\"new\\\"\"},"
    "{\"customer_id\":\"z\",\"recency\":8,\"frequency\":2,"
    "\"monetary\":17.50,\"r\":1,\"f\":2,\"m\":2,\"score\":5,"
    "\"segment\":\"Others\"},"
    "{\"customer_id\":\"\xc3\xa9\",\"recency\":1,\"frequency\":1,"
    "\"monetary\":1.00,\"r\":2,\"f\":1,\"m\":1,\"score\":4,"
    "\"segment\":\"Recent, \\\"new\\\"\"}]}\n";

START_TEST(test_rfm_json)
{
    custseg_dataset *ds = small_dataset();
    custseg_result *r = run_rfm(ds);
    char *got;

    check_export(r, CUSTSEG_FORMAT_JSON, 2, rfm_json);
    /* Money in JSON follows decimals too: a JSON number, no quotes. */
    got = export_str(r, CUSTSEG_FORMAT_JSON, 0);
    ck_assert_ptr_nonnull(strstr(got, "\"monetary\":15,\"r\""));
    ck_assert_ptr_nonnull(strstr(got, "\"revenue\":101,"));
    free(got);
    got = export_str(r, CUSTSEG_FORMAT_JSON, 4);
    ck_assert_ptr_nonnull(strstr(got, "\"monetary\":17.4950,\"r\""));
    free(got);
    custseg_result_free(r);
    custseg_dataset_free(ds);
}
END_TEST

/* Every line of a table fits in `cols` terminal columns (UTF-8). */
static void check_width(const char *text, size_t cols)
{
    const char *line = text, *p;
    size_t w = 0;

    for (p = text; *p != '\0'; p++) {
        if (*p == '\n') {
            line = p + 1;
            w = 0;
            continue;
        }
        w += ((unsigned char)*p & 0xC0) != 0x80;
        ck_assert_msg(w <= cols, "line wider than %zu: %.*s", cols,
                      (int)strcspn(line, "\n"), line);
    }
}

START_TEST(test_rfm_table)
{
    custseg_dataset *ds = small_dataset();
    custseg_result *r = run_rfm(ds);
    char *got = export_str(r, CUSTSEG_FORMAT_TABLE, 2);

    check_prefix(got, "rfm: 4 customers, as of 2024-01-11\n\n");
    ck_assert_ptr_nonnull(strstr(got, "Recent, \"new\""));
    ck_assert_ptr_nonnull(strstr(got, "101.00"));
    ck_assert_ptr_nonnull(strstr(got, "[6, 8]"));
    ck_assert_ptr_nonnull(strstr(got, "[1, 2]"));
    ck_assert_ptr_null(strstr(got, " \n")); /* no trailing blanks */
    ck_assert_ptr_null(strstr(got, "cum %")); /* decile only */
    check_width(got, 79);
    free(got);
    custseg_result_free(r);
    custseg_dataset_free(ds);
}
END_TEST

/* ------------------------------------------------------------ decile */

START_TEST(test_decile_csv)
{
    custseg_dataset *ds = small_dataset();
    custseg_result *r = run_decile(ds);

    check_export(r, CUSTSEG_FORMAT_CSV, 2,
                 "customer_id,value,decile\n"
                 "\"a,b\",15.01,3\n"
                 "\"q\"\"x\",100.00,1\n"
                 "z,17.50,2\n"
                 "\xc3\xa9,1.00,4\n");
    custseg_result_free(r);
    custseg_dataset_free(ds);
}
END_TEST

#define EMPTY_DECILE(k) k ",0,0.000000,0.00,0.000000,0.000000,0.000000," \
    "0.000000,0.000000,1.000000,0.000000,1.000000\n"

START_TEST(test_decile_segments_csv)
{
    custseg_dataset *ds = small_dataset();
    custseg_result *r = run_decile(ds);

    check_export(r, CUSTSEG_FORMAT_SEGMENTS_CSV, 2,
                 SEG_CSV_HEAD
                 "1,1,0.250000,100.00,0.749064,100.000000,0.000000,"
                 "100.000000,100.000000,0.749064,2.996255,2.996255\n"
                 "2,1,0.250000,17.50,0.131049,17.495000,0.000000,"
                 "17.495000,17.495000,0.880112,0.524195,1.760225\n"
                 "3,1,0.250000,15.01,0.112397,15.005000,0.000000,"
                 "15.005000,15.005000,0.992509,0.449588,1.323346\n"
                 "4,1,0.250000,1.00,0.007491,1.000000,0.000000,"
                 "1.000000,1.000000,1.000000,0.029963,1.000000\n"
                 EMPTY_DECILE("5") EMPTY_DECILE("6") EMPTY_DECILE("7")
                 EMPTY_DECILE("8") EMPTY_DECILE("9") EMPTY_DECILE("10"));
    custseg_result_free(r);
    custseg_dataset_free(ds);
}
END_TEST

START_TEST(test_decile_json_and_table)
{
    custseg_dataset *ds = small_dataset();
    custseg_result *r = run_decile(ds);
    char *got = export_str(r, CUSTSEG_FORMAT_JSON, 2);

    check_prefix(got, "{\"strategy\":\"decile\",\"customers\":4,"
                      "\"segments\":[{\"name\":\"1\",\"count\":1,");
    ck_assert_ptr_null(strstr(got, "\"thresholds\""));
    ck_assert_ptr_nonnull(strstr(got,
        ",\"rows\":[{\"customer_id\":\"a,b\",\"value\":15.01,\"decile\":3},"
        "{\"customer_id\":\"q\\\"x\",\"value\":100.00,\"decile\":1},"
        "{\"customer_id\":\"z\",\"value\":17.50,\"decile\":2},"
        "{\"customer_id\":\"\xc3\xa9\",\"value\":1.00,\"decile\":4}]}\n"));
    free(got);
    got = export_str(r, CUSTSEG_FORMAT_TABLE, 2);
    check_prefix(got, "decile: 4 customers, as of 2024-01-11\n\n");
    ck_assert_ptr_nonnull(strstr(got, "cum %"));
    ck_assert_ptr_nonnull(strstr(got, "lift"));
    ck_assert_ptr_nonnull(strstr(got, "3.00")); /* lift of decile 1 */
    ck_assert_ptr_null(strstr(got, " \n"));
    ck_assert_ptr_null(strstr(got, "thresholds"));
    free(got);
    custseg_result_free(r);
    custseg_dataset_free(ds);
}
END_TEST

/* ------------------------------------------------------------ rounding */

START_TEST(test_rounding_half_away)
{
    custseg_dataset *ds = NULL;
    custseg_result *r;

    ck_assert_int_eq(custseg_dataset_new(&ds), CUSTSEG_OK);
    add(ds, "p1", JAN(1), 50);      /* 0.0050 */
    add(ds, "p2", JAN(1), -50);     /* -0.0050 */
    add(ds, "p3", JAN(1), 25000);   /* 2.5000 */
    add(ds, "p4", JAN(1), -25000);  /* -2.5000 */
    add(ds, "p5", JAN(1), 24950);   /* 2.4950 */
    add(ds, "p6", JAN(1), 15000);   /* 1.5000 */
    r = run_decile(ds);
    /* value desc: p3, p5, p6, p1, p2, p4 */
    check_export(r, CUSTSEG_FORMAT_CSV, 2,
                 "customer_id,value,decile\n"
                 "p1,0.01,4\np2,-0.01,5\np3,2.50,1\np4,-2.50,6\n"
                 "p5,2.50,2\np6,1.50,3\n");
    check_export(r, CUSTSEG_FORMAT_CSV, 1,
                 "customer_id,value,decile\n"
                 "p1,0.0,4\np2,0.0,5\np3,2.5,1\np4,-2.5,6\n"
                 "p5,2.5,2\np6,1.5,3\n");
    check_export(r, CUSTSEG_FORMAT_CSV, 0,
                 "customer_id,value,decile\n"
                 "p1,0,4\np2,0,5\np3,3,1\np4,-3,6\np5,2,2\np6,2,3\n");
    check_export(r, CUSTSEG_FORMAT_CSV, 4,
                 "customer_id,value,decile\n"
                 "p1,0.0050,4\np2,-0.0050,5\np3,2.5000,1\np4,-2.5000,6\n"
                 "p5,2.4950,2\np6,1.5000,3\n");
    custseg_result_free(r);
    custseg_dataset_free(ds);
}
END_TEST

/* Pre-aggregated customers have no as_of date: none in the title. */
START_TEST(test_summary_table_title)
{
    custseg_dataset *ds = NULL;
    custseg_strategy *s = NULL;
    custseg_result *r;
    char *got;

    ck_assert_int_eq(custseg_dataset_new(&ds), CUSTSEG_OK);
    ck_assert_int_eq(custseg_dataset_add_customer(ds, "c1", 3, 1, 10000),
                     CUSTSEG_OK);
    ck_assert_int_eq(custseg_dataset_add_customer(ds, "c2", 9, 4, 99999),
                     CUSTSEG_OK);
    ck_assert_int_eq(custseg_strategy_new(&s, "rfm"), CUSTSEG_OK);
    ck_assert_int_eq(custseg_strategy_set_int(s, "bins", 2), CUSTSEG_OK);
    r = run(s, ds);
    got = export_str(r, CUSTSEG_FORMAT_TABLE, 2);
    check_prefix(got, "rfm: 2 customers\n\n");
    free(got);
    check_export(r, CUSTSEG_FORMAT_CSV, 2,
                 RFM_CSV_HEAD "c1,3,1,1.00,2,1,1,4,2-1-1\n"
                 "c2,9,4,10.00,1,2,2,5,1-2-2\n");
    custseg_result_free(r);
    custseg_strategy_free(s);
    custseg_dataset_free(ds);
}
END_TEST

/* ------------------------------------------------- hand-built results */

/*
 * A result no built-in strategy makes: recency, monetary and a count-like
 * value, a fractional score, NaN thresholds and no as_of. Exercises the
 * generic CSV layout and JSON escaping of control characters.
 */
static custseg_result *custom_result(custseg_dataset **pds)
{
    static const unsigned fields = 1u << CUSTSEG_FIELD_RECENCY |
                                   1u << CUSTSEG_FIELD_MONETARY |
                                   1u << CUSTSEG_FIELD_VALUE;
    custseg_dataset *ds = NULL;
    custseg_result *r = NULL;

    ck_assert_int_eq(custseg_dataset_new(&ds), CUSTSEG_OK);
    add(ds, "b\\s\"\n", JAN(1), 12345);   /* row 1 */
    add(ds, "a\x01\x1f\t", JAN(2), -7);   /* row 0 */
    ck_assert_int_eq(custseg_dataset_freeze(ds), CUSTSEG_OK);
    ck_assert_int_eq(custseg__result_new(&r, ds, NULL, "custom", fields, 2),
                     CUSTSEG_OK);
    ck_assert_uint_eq(r->n, 2);
    ck_assert_int_eq(custseg__result_name_segment(r, 0, "ctl\x02"),
                     CUSTSEG_OK);
    ck_assert_int_eq(custseg__result_name_segment(r, 1, "plain"),
                     CUSTSEG_OK);
    r->segment[0] = 0;
    r->segment[1] = 1;
    r->score[0] = 0.5;
    r->score[1] = -1.25;
    r->field[CUSTSEG_FIELD_RECENCY][0] = 3;
    r->field[CUSTSEG_FIELD_RECENCY][1] = 0;
    r->field[CUSTSEG_FIELD_MONETARY][0] = -7;
    r->field[CUSTSEG_FIELD_MONETARY][1] = 12345;
    r->field[CUSTSEG_FIELD_VALUE][0] = 42;
    r->field[CUSTSEG_FIELD_VALUE][1] = -1;
    r->value_is_money = false;
    r->bins = 2;
    r->has_thresholds = true;
    r->thr_lower[0][0] = 1.0;
    r->thr_upper[0][0] = 2.5;
    r->thr_lower[2][1] = 0.25;
    ck_assert_int_eq(custseg__result_finish(r), CUSTSEG_OK);
    *pds = ds;
    return r;
}

START_TEST(test_generic_csv)
{
    custseg_dataset *ds;
    custseg_result *r = custom_result(&ds);

    check_export(r, CUSTSEG_FORMAT_CSV, 2,
                 "customer_id,recency,monetary,value,score,segment\n"
                 "a\x01\x1f\t,3,0.00,42,0.500000,ctl\x02\n"
                 "\"b\\s\"\"\n\",0,1.23,-1,-1.250000,plain\n");
    custseg_result_free(r);
    custseg_dataset_free(ds);
}
END_TEST

START_TEST(test_generic_json)
{
    custseg_dataset *ds;
    custseg_result *r = custom_result(&ds);
    char *got = export_str(r, CUSTSEG_FORMAT_JSON, 4);

    check_prefix(got,
        "{\"strategy\":\"custom\",\"customers\":2,\"bins\":2,"
        "\"thresholds\":{\"recency\":[{\"score\":1,\"lower\":1.000000,"
        "\"upper\":2.500000},{\"score\":2,\"lower\":null,\"upper\":null}],"
        "\"frequency\":[{\"score\":1,\"lower\":null,\"upper\":null},"
        "{\"score\":2,\"lower\":null,\"upper\":null}],"
        "\"monetary\":[{\"score\":1,\"lower\":null,\"upper\":null},"
        "{\"score\":2,\"lower\":0.250000,\"upper\":null}]},"
        "\"segments\":[{\"name\":\"ctl\\u0002\",\"count\":1,");
    ck_assert_ptr_nonnull(strstr(got,
        ",\"rows\":[{\"customer_id\":\"a\\u0001\\u001f\\u0009\","
        "\"recency\":3,\"monetary\":-0.0007,\"value\":42,\"score\":0.500000,"
        "\"segment\":\"ctl\\u0002\"},"
        "{\"customer_id\":\"b\\\\s\\\"\\u000a\",\"recency\":0,"
        "\"monetary\":1.2345,\"value\":-1,\"score\":-1.250000,"
        "\"segment\":\"plain\"}]}\n"));
    free(got);
    custseg_result_free(r);
    custseg_dataset_free(ds);
}
END_TEST

START_TEST(test_generic_table)
{
    custseg_dataset *ds;
    custseg_result *r = custom_result(&ds);
    char *got = export_str(r, CUSTSEG_FORMAT_TABLE, 2);

    /* No as_of: no date in the title. Control bytes never reach it. */
    check_prefix(got, "custom: 2 customers\n\n");
    ck_assert_ptr_nonnull(strstr(got, "ctl?"));
    ck_assert_ptr_null(strchr(got, '\x02'));
    ck_assert_ptr_nonnull(strstr(got, "[1, 2.5)"));
    ck_assert_ptr_nonnull(strstr(got, "[0.25, -)"));
    free(got);
    custseg_result_free(r);
    custseg_dataset_free(ds);
}
END_TEST

/* ------------------------------------------------------------ errors */

START_TEST(test_bad_arguments)
{
    custseg_dataset *ds = small_dataset();
    custseg_result *r = run_rfm(ds);
    membuf mb = {NULL, 0, 0, 0, 0};

    ck_assert_int_eq(custseg_result_write(r, -1, 2, mb_write, &mb),
                     CUSTSEG_EINVAL);
    ck_assert_ptr_nonnull(strstr(custseg_result_errmsg(r), "format"));
    ck_assert_int_eq(custseg_result_write(r, 4, 2, mb_write, &mb),
                     CUSTSEG_EINVAL);
    ck_assert_int_eq(custseg_result_write(r, CUSTSEG_FORMAT_CSV, -1,
                                          mb_write, &mb), CUSTSEG_EINVAL);
    ck_assert_int_eq(custseg_result_write(r, CUSTSEG_FORMAT_CSV, 5,
                                          mb_write, &mb), CUSTSEG_EINVAL);
    ck_assert_ptr_nonnull(strstr(custseg_result_errmsg(r), "decimals"));
    ck_assert_int_eq(custseg_result_write(r, CUSTSEG_FORMAT_CSV, 2, NULL,
                                          NULL), CUSTSEG_EINVAL);
    ck_assert_int_eq(custseg_result_write(NULL, CUSTSEG_FORMAT_CSV, 2,
                                          mb_write, &mb), CUSTSEG_EINVAL);
    ck_assert_int_eq(mb.calls, 0);
    ck_assert_int_eq(custseg_result_write_file(r, 7, 2, "/dev/null"),
                     CUSTSEG_EINVAL);
    ck_assert_int_eq(custseg_result_write_file(r, CUSTSEG_FORMAT_CSV, 9,
                                               "/dev/null"),
                     CUSTSEG_EINVAL);
    ck_assert_int_eq(custseg_result_write_file(r, CUSTSEG_FORMAT_CSV, 2,
                                               NULL), CUSTSEG_EINVAL);
    custseg_result_free(r);
    custseg_dataset_free(ds);
}
END_TEST

START_TEST(test_callback_failure)
{
    custseg_dataset *ds = small_dataset();
    custseg_result *r = run_rfm(ds);
    int format;

    for (format = 0; format <= CUSTSEG_FORMAT_SEGMENTS_CSV; format++) {
        membuf mb = {NULL, 0, 0, 0, 1};

        ck_assert_int_eq(custseg_result_write(r, format, 2, mb_write, &mb),
                         CUSTSEG_ECALLBACK);
        ck_assert_int_eq(mb.calls, 1); /* stops at the first failure */
        ck_assert_str_ne(custseg_result_errmsg(r), "");
    }
    custseg_result_free(r);
    custseg_dataset_free(ds);
}
END_TEST

/* ------------------------------------------------------------ files */

static char *temp_path(void)
{
    char *path = tu_write_temp("old content that must be truncated", 34);

    ck_assert_ptr_nonnull(path);
    return path;
}

START_TEST(test_write_file)
{
    custseg_dataset *ds = small_dataset();
    custseg_result *r = run_rfm(ds);
    char *path = temp_path(), *want, *got;
    int format;

    for (format = 0; format <= CUSTSEG_FORMAT_SEGMENTS_CSV; format++) {
        ck_assert_int_eq(custseg_result_write_file(r, format, 3, path),
                         CUSTSEG_OK);
        got = tu_read_file(path, NULL);
        ck_assert_ptr_nonnull(got);
        want = export_str(r, format, 3);
        ck_assert_str_eq(got, want);
        free(got);
        free(want);
    }
    ck_assert_int_eq(custseg_result_write_file(r, CUSTSEG_FORMAT_JSON, 2,
                                               "/dev/null"), CUSTSEG_OK);
    unlink(path);
    free(path);
    custseg_result_free(r);
    custseg_dataset_free(ds);
}
END_TEST

START_TEST(test_write_file_errors)
{
    custseg_dataset *ds = small_dataset();
    custseg_result *r = run_rfm(ds);
    const char *bad = "/nonexistent-custseg-dir/out.csv";

    ck_assert_int_eq(custseg_result_write_file(r, CUSTSEG_FORMAT_CSV, 2,
                                               bad), CUSTSEG_EIO);
    ck_assert_msg(strncmp(custseg_result_errmsg(r), bad, strlen(bad)) == 0
                  && strstr(custseg_result_errmsg(r), ": ") != NULL,
                  "message: %s", custseg_result_errmsg(r));
    /* A full device fails on write or on close: EIO either way. */
    if (access("/dev/full", W_OK) == 0) {
        ck_assert_int_eq(custseg_result_write_file(
                             r, CUSTSEG_FORMAT_CSV, 2, "/dev/full"),
                         CUSTSEG_EIO);
        ck_assert_msg(strncmp(custseg_result_errmsg(r), "/dev/full: ", 11)
                      == 0, "message: %s", custseg_result_errmsg(r));
    } else {
        fprintf(stderr, "skipped: /dev/full not writable\n");
    }
    custseg_result_free(r);
    custseg_dataset_free(ds);
}
END_TEST

/* ------------------------------------------------------------ locale */

/* Output must not change when the host switches to a locale whose
 * decimal point is a comma. */
START_TEST(test_locale_independent)
{
    static const char *const names[] = {"de_DE.UTF-8", "de_DE.utf8",
                                        "de_DE", "fr_FR.UTF-8"};
    custseg_dataset *ds = small_dataset();
    custseg_result *r = run_rfm(ds), *d = run_decile(ds);
    char *c_out[4], *d_out[4], *got;
    size_t i;
    int f;

    for (f = 0; f < 4; f++) {
        c_out[f] = export_str(r, f, 2);
        d_out[f] = export_str(d, f, 2);
    }
    for (i = 0; i < sizeof names / sizeof names[0]; i++)
        if (setlocale(LC_ALL, names[i]) != NULL)
            break;
    if (i == sizeof names / sizeof names[0]) {
        fprintf(stderr, "skipped: no de_DE.UTF-8 locale installed\n");
    } else {
        ck_assert_str_eq(localeconv()->decimal_point, ",");
        for (f = 0; f < 4; f++) {
            got = export_str(r, f, 2);
            ck_assert_str_eq(got, c_out[f]);
            free(got);
            got = export_str(d, f, 2);
            ck_assert_str_eq(got, d_out[f]);
            free(got);
        }
        setlocale(LC_ALL, "C");
    }
    for (f = 0; f < 4; f++) {
        free(c_out[f]);
        free(d_out[f]);
    }
    custseg_result_free(r);
    custseg_result_free(d);
    custseg_dataset_free(ds);
}
END_TEST

/* ------------------------------------------------- default map, size */

static uint64_t lcg(uint64_t *state)
{
    *state = *state * 6364136223846793005u + 1442695040888963407u;
    return *state >> 33;
}

/* n customers with per orders on average, of 5.00..500.00 each, over
 * the two years before 2024-01-01. */
static custseg_dataset *random_dataset(size_t n, size_t per)
{
    custseg_dataset *ds = NULL;
    size_t total = n * per, i;
    int64_t *keys = malloc(total * sizeof *keys);
    int64_t *times = malloc(total * sizeof *times);
    int64_t *amounts = malloc(total * sizeof *amounts);
    uint64_t state = 42;

    ck_assert(keys != NULL && times != NULL && amounts != NULL);
    for (i = 0; i < total; i++) {
        /* Every customer once, then at random. */
        keys[i] = (int64_t)(i < n ? i : lcg(&state) % n);
        times[i] = JAN1_2024 - (int64_t)(lcg(&state) % 730) * DAY;
        amounts[i] = 50000 + (int64_t)(lcg(&state) % 4950000);
    }
    ck_assert_int_eq(custseg_dataset_new(&ds), CUSTSEG_OK);
    ck_assert_int_eq(custseg_dataset_add_columns_keys(ds, total, keys, NULL,
                                                      times, amounts, NULL),
                     CUSTSEG_OK);
    free(keys);
    free(times);
    free(amounts);
    return ds;
}

/* The 11 default segment names must fit an 80-column terminal. */
START_TEST(test_default_table_width)
{
    custseg_dataset *ds = random_dataset(2000, 10);
    custseg_strategy *s = NULL;
    custseg_result *r;
    char *got;

    ck_assert_int_eq(custseg_strategy_new(&s, "rfm"), CUSTSEG_OK);
    r = run(s, ds);
    got = export_str(r, CUSTSEG_FORMAT_TABLE, 2);
    ck_assert_ptr_nonnull(strstr(got, "\nPotential Loyalist "));
    ck_assert_ptr_nonnull(strstr(got, "\nCan't Lose Them "));
    check_width(got, 79);
    free(got);
    custseg_result_free(r);
    custseg_strategy_free(s);
    ck_assert_int_eq(custseg_strategy_new(&s, "decile"), CUSTSEG_OK);
    r = run(s, ds);
    got = export_str(r, CUSTSEG_FORMAT_TABLE, 2);
    check_width(got, 79);
    free(got);
    custseg_result_free(r);
    custseg_strategy_free(s);
    custseg_dataset_free(ds);
}
END_TEST

/* ------------------------------------------------------------ suite */

static Suite *export_suite(void)
{
    Suite *s = suite_create("export");
    TCase *tc = tcase_create("formats");
    TCase *big = tcase_create("big");

    tcase_add_test(tc, test_rfm_csv);
    tcase_add_test(tc, test_rfm_csv_decimals);
    tcase_add_test(tc, test_rfm_segments_csv);
    tcase_add_test(tc, test_rfm_json);
    tcase_add_test(tc, test_rfm_table);
    tcase_add_test(tc, test_decile_csv);
    tcase_add_test(tc, test_decile_segments_csv);
    tcase_add_test(tc, test_decile_json_and_table);
    tcase_add_test(tc, test_rounding_half_away);
    tcase_add_test(tc, test_summary_table_title);
    tcase_add_test(tc, test_generic_csv);
    tcase_add_test(tc, test_generic_json);
    tcase_add_test(tc, test_generic_table);
    tcase_add_test(tc, test_bad_arguments);
    tcase_add_test(tc, test_callback_failure);
    tcase_add_test(tc, test_write_file);
    tcase_add_test(tc, test_write_file_errors);
    tcase_add_test(tc, test_locale_independent);
    suite_add_tcase(s, tc);
    tcase_add_test(big, test_default_table_width);
    tcase_set_timeout(big, 120);
    suite_add_tcase(s, big);
    return s;
}

int main(void)
{
    return tu_run_suite(export_suite());
}
