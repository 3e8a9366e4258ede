/*
 * check_prior.c - the "prior" strategy: options, first match wins,
 * shared and default segments, prospects, group_by with its cap, rule
 * files, RFM scores in rules, summaries, as_of snapshots, threads and
 * the CSV export of a result.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "custseg.h"
#include "testutil.h"

#define DAY 86400LL
#define E4 10000LL

static int64_t at(const char *date)
{
    int64_t t;

    ck_assert_int_eq(custseg_parse_time(&t, date), CUSTSEG_OK);
    return t;
}

static custseg_strategy *prior(void)
{
    custseg_strategy *s = NULL;

    ck_assert_int_eq(custseg_strategy_new(&s, "prior"), CUSTSEG_OK);
    return s;
}

static void rule(custseg_strategy *s, const char *name, const char *expr)
{
    int rc = custseg_strategy_add_rule(s, name, expr);

    ck_assert_msg(rc == CUSTSEG_OK, "%s", custseg_strategy_errmsg(s));
}

static custseg_result *run(custseg_strategy *s, custseg_dataset *ds)
{
    custseg_result *r = NULL;
    int rc = custseg_run(&r, s, ds);

    ck_assert_msg(rc == CUSTSEG_OK, "%s", custseg_strategy_errmsg(s));
    return r;
}

/* "name=count name=count ..." in result order. */
static const char *segments(const custseg_result *r)
{
    static char out[512];
    size_t i, n = 0;

    out[0] = '\0';
    for (i = 0; i < custseg_result_segment_count(r); i++) {
        const custseg_segment *g;
        ck_assert_int_eq(custseg_result_segment_at(&g, r, i), CUSTSEG_OK);
        n += (size_t)snprintf(out + n, sizeof out - n, "%s%s=%lld",
                              i ? " " : "", custseg_segment_name(g),
                              (long long)custseg_segment_count(g));
    }
    return out;
}

static const char *segment_of(const custseg_result *r, const char *id)
{
    const custseg_segment *g;
    size_t row;

    ck_assert_int_eq(custseg_result_find(&row, r, id), CUSTSEG_OK);
    ck_assert_int_eq(custseg_result_segment_at(
                         &g, r, custseg_result_customer_segment(r, row)),
                     CUSTSEG_OK);
    return custseg_segment_name(g);
}

/* Six buyers with a country and a size, one prospect. */
static custseg_dataset *shop(void)
{
    static const struct {
        const char *id, *country, *date;
        double size;
        int64_t amount;
    } rows[] = {
        {"c1", "UK", "2024-03-01", 10, 100}, {"c2", "UK", "2024-01-01", 20,
                                              900},
        {"c3", "DE", "2024-02-25", 30, 50},  {"c4", "DE", "2023-01-01", 40,
                                              700},
        {"c5", "FR", "2024-02-28", 50, 20},  {"c6", "NL", "2024-02-01", 60,
                                              10},
    };
    custseg_dataset *ds = NULL;
    size_t i;

    ck_assert_int_eq(custseg_dataset_new(&ds), CUSTSEG_OK);
    for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        ck_assert_int_eq(custseg_dataset_add_transaction(
                             ds, rows[i].id, NULL, at(rows[i].date),
                             rows[i].amount * E4, NULL), CUSTSEG_OK);
        ck_assert_int_eq(custseg_dataset_set_attribute_string(
                             ds, rows[i].id, "country", rows[i].country),
                         CUSTSEG_OK);
        ck_assert_int_eq(custseg_dataset_set_attribute_number(
                             ds, rows[i].id, "size", rows[i].size),
                         CUSTSEG_OK);
    }
    ck_assert_int_eq(custseg_dataset_set_attribute_string(ds, "p1",
                                                          "country", "UK"),
                     CUSTSEG_OK);
    return ds;
}

START_TEST(options)
{
    custseg_strategy *s = prior();
    size_t i, n = custseg_strategy_option_count(s);
    const char *want[] = {"as_of", "default_segment", "group_by",
                          "max_groups", "score", "threads"};

    ck_assert_str_eq(custseg_strategy_name(s), "prior");
    ck_assert_uint_eq(n, 6);
    for (i = 0; i < n; i++)
        ck_assert_str_eq(custseg_strategy_option_name(s, i), want[i]);
    ck_assert_int_eq(custseg_strategy_option_type(s, 3), CUSTSEG_OPT_INT);
    ck_assert_int_eq(custseg_strategy_set_string(s, "default_segment", ""),
                     CUSTSEG_EINVAL);
    ck_assert_int_eq(custseg_strategy_set_string(s, "group_by", ""),
                     CUSTSEG_EINVAL);
    ck_assert_int_eq(custseg_strategy_set_string(s, "score", "recency"),
                     CUSTSEG_EINVAL);
    ck_assert_int_eq(custseg_strategy_set_int(s, "max_groups", -1),
                     CUSTSEG_EINVAL);
    ck_assert_int_eq(custseg_strategy_set_string(s, "as_of", "soon"),
                     CUSTSEG_EINVAL);
    ck_assert_int_eq(custseg_strategy_set_int(s, "bins", 5),
                     CUSTSEG_ENOTFOUND);
    ck_assert_int_eq(custseg_strategy_add_rule(s, "", "size > 1"),
                     CUSTSEG_EINVAL);
    ck_assert_int_eq(custseg_strategy_add_rule(s, "x", NULL),
                     CUSTSEG_EINVAL);
    ck_assert_int_eq(custseg_strategy_error_line(NULL), -1);
    custseg_strategy_free(s);
    ck_assert_int_eq(custseg_strategy_new(&s, "rfm"), CUSTSEG_OK);
    ck_assert_int_eq(custseg_strategy_add_rule(s, "x", "size > 1"),
                     CUSTSEG_EMISUSE);
    ck_assert_int_eq(custseg_strategy_set_rfm(s, NULL), CUSTSEG_EMISUSE);
    ck_assert_int_eq(custseg_strategy_load_rules_buffer(s, "", 0, NULL),
                     CUSTSEG_EMISUSE);
    custseg_strategy_free(s);
}
END_TEST

START_TEST(first_match_and_default)
{
    custseg_dataset *ds = shop();
    custseg_strategy *s = prior();
    custseg_result *r;
    int64_t v;
    size_t row;

    ck_assert_int_eq(custseg_strategy_set_string(s, "as_of", "2024-03-02"),
                     CUSTSEG_OK);
    rule(s, "Big", "monetary >= 700");
    rule(s, "UK", "country = 'UK'");          /* c2 is Big already */
    rule(s, "Recent", "recency <= 5");
    rule(s, "Big", "size = 60");              /* shares Big's segment */
    rule(s, "Nobody", "size > 1000");
    r = run(s, ds);
    ck_assert_str_eq(segments(r),
                     "Big=3 UK=2 Recent=1 Nobody=0 Other=1");
    ck_assert_str_eq(segment_of(r, "c2"), "Big");
    ck_assert_str_eq(segment_of(r, "c6"), "Big");
    ck_assert_str_eq(segment_of(r, "p1"), "UK");  /* a prospect */
    ck_assert_str_eq(segment_of(r, "c5"), "Recent");
    ck_assert_str_eq(segment_of(r, "c3"), "Other");
    ck_assert_str_eq(custseg_result_strategy(r), "prior");
    /* prospects: recency -1, frequency and monetary 0, score monetary */
    ck_assert_int_eq(custseg_result_find(&row, r, "p1"), CUSTSEG_OK);
    ck_assert_int_eq(custseg_result_customer_field(
                         &v, r, row, CUSTSEG_FIELD_RECENCY), CUSTSEG_OK);
    ck_assert_int_eq(v, -1);
    ck_assert(custseg_result_customer_score(r, row) == 0.0);
    ck_assert_int_eq(custseg_result_find(&row, r, "c4"), CUSTSEG_OK);
    ck_assert(custseg_result_customer_score(r, row) == 700.0);
    custseg_result_free(r);
    /* the default segment's name is an option; a rule may use it */
    ck_assert_int_eq(custseg_strategy_set_string(s, "default_segment",
                                                 "UK"), CUSTSEG_OK);
    ck_assert_int_eq(custseg_strategy_set_string(s, "score", "frequency"),
                     CUSTSEG_OK);
    r = run(s, ds);
    ck_assert_str_eq(segments(r), "Big=3 UK=3 Recent=1 Nobody=0");
    custseg_result_free(r);
    custseg_strategy_free(s);
    custseg_dataset_free(ds);
}
END_TEST

START_TEST(group_by)
{
    custseg_dataset *ds = shop();
    custseg_strategy *s = prior();
    custseg_result *r;

    ck_assert_int_eq(custseg_strategy_set_string(s, "group_by", "country"),
                     CUSTSEG_OK);
    r = run(s, ds);
    /* largest first, ties in byte order */
    ck_assert_str_eq(segments(r), "UK=3 DE=2 FR=1 NL=1");
    custseg_result_free(r);
    ck_assert_int_eq(custseg_strategy_set_int(s, "max_groups", 2),
                     CUSTSEG_OK);
    r = run(s, ds);
    ck_assert_str_eq(segments(r), "UK=3 DE=2 Other=2");
    custseg_result_free(r);
    /* customers without a value go to the default segment */
    ck_assert_int_eq(custseg_strategy_set_string(s, "group_by", "size"),
                     CUSTSEG_OK);
    ck_assert_int_eq(custseg_strategy_set_string(s, "default_segment",
                                                 "No size"), CUSTSEG_OK);
    r = run(s, ds);
    ck_assert_str_eq(segments(r), "10=1 20=1 Other=4 No size=1");
    custseg_result_free(r);
    ck_assert_int_eq(custseg_strategy_set_int(s, "max_groups", 0),
                     CUSTSEG_OK);
    custseg_dataset_free(ds); /* frozen by the run */
    ds = shop();
    ck_assert_int_eq(custseg_dataset_set_attribute_number(ds, "c1", "size",
                                                          -2.25),
                     CUSTSEG_OK);
    r = run(s, ds);
    ck_assert_str_eq(segments(r), "-2.25=1 20=1 30=1 40=1 50=1 60=1 "
                                  "No size=1");
    custseg_result_free(r);
    /* rules and group_by do not mix; the attribute must exist */
    rule(s, "x", "size > 1");
    ck_assert_int_eq(custseg_run(&r, s, ds), CUSTSEG_EINVAL);
    custseg_strategy_free(s);
    s = prior();
    ck_assert_int_eq(custseg_strategy_set_string(s, "group_by", "nope"),
                     CUSTSEG_OK);
    ck_assert_int_eq(custseg_run(&r, s, ds), CUSTSEG_EINVAL);
    ck_assert_ptr_nonnull(strstr(custseg_strategy_errmsg(s), "nope"));
    custseg_strategy_free(s);
    s = prior();
    ck_assert_int_eq(custseg_run(&r, s, ds), CUSTSEG_EINVAL); /* no rules */
    custseg_strategy_free(s);
    custseg_dataset_free(ds);
}
END_TEST

START_TEST(rule_files)
{
    static const char text[] =
        "# high value first\n"
        "\n"
        "  Big spenders : monetary >= 700   # euros\r\n"
        "UK: country = 'UK'\n"
        "Colon in string: country = 'a:b'\n";
    custseg_dataset *ds = shop();
    custseg_strategy *s = prior();
    custseg_result *r;
    char *path = tu_write_temp(text, strlen(text));

    ck_assert_ptr_nonnull(path);
    ck_assert_int_eq(custseg_strategy_load_rules(s, path), CUSTSEG_OK);
    r = run(s, ds);
    ck_assert_str_eq(segments(r), "Big spenders=2 UK=2 Colon in string=0 "
                                  "Other=3");
    custseg_result_free(r);
    /* a bad line adds nothing; the error names the file and line */
    ck_assert_int_eq(custseg_strategy_load_rules_buffer(
                         s, "A: size > 1\nno colon here\n", 28, "r.txt"),
                     CUSTSEG_EPARSE);
    ck_assert_str_eq(custseg_strategy_errmsg(s),
                     "r.txt:2: expected \"segment: expression\"");
    ck_assert_int_eq(custseg_strategy_error_line(s), 2);
    ck_assert_int_eq(custseg_strategy_load_rules_buffer(
                         s, ": size > 1\n", 11, "r.txt"), CUSTSEG_EPARSE);
    ck_assert_int_eq(custseg_strategy_load_rules(s, "/nonexistent/rules"),
                     CUSTSEG_EIO);
    r = run(s, ds);
    ck_assert_uint_eq(custseg_result_segment_count(r), 4);
    custseg_result_free(r);
    unlink(path);
    free(path);
    custseg_strategy_free(s);
    custseg_dataset_free(ds);
}
END_TEST

START_TEST(rfm_scores)
{
    custseg_dataset *ds = shop();
    custseg_strategy *rfm = NULL, *s = prior();
    custseg_result *scores, *r;
    size_t row;
    int64_t rs;

    ck_assert_int_eq(custseg_strategy_new(&rfm, "rfm"), CUSTSEG_OK);
    ck_assert_int_eq(custseg_strategy_set_int(rfm, "bins", 2), CUSTSEG_OK);
    scores = run(rfm, ds);
    ck_assert_int_eq(custseg_strategy_set_rfm(s, scores), CUSTSEG_OK);
    ck_assert_int_eq(custseg_result_find(&row, scores, "c1"), CUSTSEG_OK);
    ck_assert_int_eq(custseg_result_customer_field(&rs, scores, row,
                                                   CUSTSEG_FIELD_R), 0);
    custseg_result_free(scores); /* the strategy keeps a copy */
    rule(s, "Top", "r_score = 2 and m_score = 2");
    rule(s, "Code", "rfm_segment = '2-2-1' or rfm_segment is null");
    r = run(s, ds);
    ck_assert_str_eq(segment_of(r, "p1"), "Code");  /* no RFM row */
    ck_assert_str_eq(segment_of(r, "c1"), rs == 2 ? "Top" : "Other");
    custseg_result_free(r);
    /* a result without scores is refused; NULL removes them */
    ck_assert_int_eq(custseg_strategy_set_rfm(s, NULL), CUSTSEG_OK);
    ck_assert_int_eq(custseg_run(&r, s, ds), CUSTSEG_EMISUSE);
    custseg_strategy_free(rfm);
    ck_assert_int_eq(custseg_strategy_new(&rfm, "decile"), CUSTSEG_OK);
    scores = run(rfm, ds);
    ck_assert_int_eq(custseg_strategy_set_rfm(s, scores), CUSTSEG_EINVAL);
    custseg_result_free(scores);
    custseg_strategy_free(rfm);
    custseg_strategy_free(s);
    custseg_dataset_free(ds);
}
END_TEST

START_TEST(summaries)
{
    custseg_dataset *ds = NULL;
    custseg_strategy *s = prior();
    custseg_result *r;

    ck_assert_int_eq(custseg_dataset_new(&ds), CUSTSEG_OK);
    ck_assert_int_eq(custseg_dataset_add_customer(ds, "a", 3, 5, 100 * E4),
                     0);
    ck_assert_int_eq(custseg_dataset_add_customer(ds, "b", 300, 1, E4), 0);
    ck_assert_int_eq(custseg_dataset_set_attribute_string(ds, "b", "tier",
                                                          "gold"), 0);
    rule(s, "Active", "recency < 30 and frequency > 1");
    rule(s, "Gold", "tier = 'gold'");
    r = run(s, ds);
    ck_assert_str_eq(segments(r), "Active=1 Gold=1 Other=0");
    custseg_result_free(r);
    rule(s, "Long", "tenure > 1");
    ck_assert_int_eq(custseg_run(&r, s, ds), CUSTSEG_EMISUSE);
    ck_assert_ptr_nonnull(strstr(custseg_strategy_errmsg(s),
                                 "tenure needs transactions"));
    custseg_strategy_free(s);
    s = prior();
    rule(s, "W", "orders(30) > 1");
    ck_assert_int_eq(custseg_run(&r, s, ds), CUSTSEG_EMISUSE);
    custseg_strategy_free(s);
    custseg_dataset_free(ds);
}
END_TEST

START_TEST(as_of_snapshot)
{
    custseg_dataset *ds = shop();
    custseg_strategy *s = prior();
    custseg_result *r;

    /* on 2024-01-31 c1, c3, c5 and c6 have not bought yet */
    ck_assert_int_eq(custseg_strategy_set_string(s, "as_of", "2024-01-31"),
                     CUSTSEG_OK);
    rule(s, "None yet", "recency is null");
    rule(s, "Recent", "recency <= 30");
    r = run(s, ds);
    ck_assert_str_eq(segments(r), "None yet=5 Recent=1 Other=1");
    custseg_result_free(r);
    custseg_strategy_free(s);
    custseg_dataset_free(ds);
}
END_TEST

START_TEST(prospects_only)
{
    custseg_dataset *ds = NULL;
    custseg_strategy *s = prior();
    custseg_result *r;

    ck_assert_int_eq(custseg_dataset_new(&ds), CUSTSEG_OK);
    ck_assert_int_eq(custseg_dataset_set_attribute_string(ds, "x", "src",
                                                          "ads"), 0);
    ck_assert_int_eq(custseg_dataset_set_attribute_string(ds, "y", "src",
                                                          "seo"), 0);
    ck_assert_int_eq(custseg_dataset_add_event(ds, "y", "visit",
                                               at("2024-05-01"), NAN), 0);
    rule(s, "Ads", "src = 'ads'");
    rule(s, "Visited", "days_since('visit') <= 1");
    r = run(s, ds);
    ck_assert_str_eq(segments(r), "Ads=1 Visited=1 Other=0");
    custseg_result_free(r);
    custseg_strategy_free(s);
    custseg_dataset_free(ds);
}
END_TEST

static int collect(const char *data, size_t len, void *payload)
{
    strncat(payload, data, len);
    return 0;
}

START_TEST(csv_export)
{
    custseg_dataset *ds = shop();
    custseg_strategy *s = prior();
    custseg_result *r;
    char out[2048] = "";

    ck_assert_int_eq(custseg_strategy_set_string(s, "as_of", "2024-03-02"),
                     CUSTSEG_OK);
    rule(s, "UK", "country = 'UK'");
    r = run(s, ds);
    ck_assert_int_eq(custseg_result_write(r, CUSTSEG_FORMAT_CSV, 2, collect,
                                          out), CUSTSEG_OK);
    ck_assert_str_eq(out,
                     "customer_id,recency,frequency,monetary,score,segment\n"
                     "c1,1,1,100.00,100.000000,UK\n"
                     "c2,61,1,900.00,900.000000,UK\n"
                     "c3,6,1,50.00,50.000000,Other\n"
                     "c4,426,1,700.00,700.000000,Other\n"
                     "c5,3,1,20.00,20.000000,Other\n"
                     "c6,30,1,10.00,10.000000,Other\n"
                     "p1,-1,0,0.00,0.000000,UK\n");
    custseg_result_free(r);
    custseg_strategy_free(s);
    custseg_dataset_free(ds);
}
END_TEST

/* Many customers: the segments do not depend on the thread count. */
START_TEST(threads_agree)
{
    custseg_dataset *ds = NULL;
    custseg_strategy *s;
    custseg_result *r[2];
    char id[32];
    size_t i;
    int t;

    ck_assert_int_eq(custseg_dataset_new(&ds), CUSTSEG_OK);
    for (i = 0; i < 50000; i++) {
        snprintf(id, sizeof id, "k%zu", i);
        ck_assert_int_eq(custseg_dataset_add_transaction(
                             ds, id, NULL, at("2024-01-01") +
                                 (int64_t)(i * 7919 % 365) * DAY,
                             (int64_t)(i % 977) * E4, NULL), 0);
        if (i % 3 != 0)
            ck_assert_int_eq(custseg_dataset_set_attribute_number(
                                 ds, id, "n", (double)(i % 11)), 0);
    }
    for (t = 0; t < 2; t++) {
        s = prior();
        ck_assert_int_eq(custseg_strategy_set_int(s, "threads", t ? 7 : 1),
                         CUSTSEG_OK);
        rule(s, "A", "n > 8 and monetary > 500");
        rule(s, "B", "recency between 10 and 100 or n is null");
        rule(s, "C", "orders(50) >= 1 and not n in (1, 2, 3)");
        r[t] = run(s, ds);
        custseg_strategy_free(s);
    }
    ck_assert_str_eq(segments(r[0]), segments(r[1]));
    for (i = 0; i < custseg_result_customer_count(r[0]); i++)
        ck_assert_uint_eq(custseg_result_customer_segment(r[0], i),
                          custseg_result_customer_segment(r[1], i));
    custseg_result_free(r[0]);
    custseg_result_free(r[1]);
    custseg_dataset_free(ds);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("prior");
    TCase *tc = tcase_create("prior");

    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, options);
    tcase_add_test(tc, first_match_and_default);
    tcase_add_test(tc, group_by);
    tcase_add_test(tc, rule_files);
    tcase_add_test(tc, rfm_scores);
    tcase_add_test(tc, summaries);
    tcase_add_test(tc, as_of_snapshot);
    tcase_add_test(tc, prospects_only);
    tcase_add_test(tc, csv_export);
    tcase_add_test(tc, threads_agree);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(suite());
}
