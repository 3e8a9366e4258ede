/*
 * check_segmap.c - segment maps of the rfm strategy: ranges, code lists
 * and map CSVs, with the position each error message names, and the
 * all-or-nothing rule (a failed call adds no segment).
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h" /* to look at s->segs */
#include "testutil.h"

static custseg_strategy *rfm(void)
{
    custseg_strategy *s = NULL;

    ck_assert_int_eq(custseg_strategy_new(&s, "rfm"), CUSTSEG_OK);
    return s;
}

static bool has_code(const custseg__segdef *d, int r, int f, int m)
{
    int code = r * 121 + f * 11 + m;

    return d->codes != NULL && ((d->codes[code / 8] >> (code % 8)) & 1);
}

static void expect_msg(const custseg_strategy *s, const char *part)
{
    ck_assert_msg(strstr(custseg_strategy_errmsg(s), part) != NULL,
                  "message \"%s\" lacks \"%s\"", custseg_strategy_errmsg(s),
                  part);
}

/* ------------------------------------------------------------ ranges */

START_TEST(ranges)
{
    custseg_strategy *s = rfm(), *d = NULL;

    ck_assert_int_eq(custseg_strategy_add_segment_range(s, "A", 1, 5, 2, 3,
                                                        10, 10),
                     CUSTSEG_OK);
    ck_assert_uint_eq(s->nsegs, 1);
    ck_assert_str_eq(s->segs[0].name, "A");
    ck_assert_int_eq(s->segs[0].f_min, 2);
    ck_assert_int_eq(s->segs[0].m_max, 10);
    ck_assert_ptr_null(s->segs[0].codes);
    ck_assert_int_eq(custseg_strategy_add_segment_range(s, "B", 3, 2, 1, 1,
                                                        1, 1),
                     CUSTSEG_EINVAL);
    expect_msg(s, "segment \"B\"");
    ck_assert_int_eq(custseg_strategy_add_segment_range(s, "B", 0, 2, 1, 1,
                                                        1, 1),
                     CUSTSEG_EINVAL);
    ck_assert_int_eq(custseg_strategy_add_segment_range(s, "B", 1, 2, 1, 11,
                                                        1, 1),
                     CUSTSEG_EINVAL);
    ck_assert_int_eq(custseg_strategy_add_segment_range(s, "", 1, 1, 1, 1,
                                                        1, 1),
                     CUSTSEG_EINVAL);
    ck_assert_int_eq(custseg_strategy_add_segment_range(s, NULL, 1, 1, 1, 1,
                                                        1, 1),
                     CUSTSEG_EINVAL);
    ck_assert_uint_eq(s->nsegs, 1);
    custseg_strategy_clear_segments(s);
    ck_assert_uint_eq(s->nsegs, 0);

    ck_assert_int_eq(custseg_strategy_new(&d, "decile"), CUSTSEG_OK);
    ck_assert_int_eq(custseg_strategy_add_segment_range(d, "A", 1, 1, 1, 1,
                                                        1, 1),
                     CUSTSEG_EMISUSE);
    expect_msg(d, "rfm");
    ck_assert_int_eq(custseg_strategy_load_segments_buffer(d, "", 0, NULL),
                     CUSTSEG_EMISUSE);
    ck_assert_int_eq(custseg_strategy_load_segments(d, "/nonexistent"),
                     CUSTSEG_EMISUSE);
    custseg_strategy_free(d);
    custseg_strategy_free(s);
}
END_TEST

/* ------------------------------------------------------------ codes */

START_TEST(codes_ok)
{
    custseg_strategy *s = rfm();
    const custseg__segdef *d;

    ck_assert_int_eq(custseg_strategy_add_segment_codes(
                         s, "X", " 555 554,544,\t10-9-8\n1-1-10 , 555"),
                     CUSTSEG_OK);
    ck_assert_uint_eq(s->nsegs, 1);
    d = &s->segs[0];
    ck_assert(has_code(d, 5, 5, 5));
    ck_assert(has_code(d, 5, 5, 4));
    ck_assert(has_code(d, 5, 4, 4));
    ck_assert(has_code(d, 10, 9, 8));
    ck_assert(has_code(d, 1, 1, 10));
    ck_assert(!has_code(d, 4, 4, 4));
    ck_assert(!has_code(d, 1, 1, 1));
    custseg_strategy_free(s);
}
END_TEST

/* Each bad token is quoted with its 1-based character position. */
START_TEST(codes_errors)
{
    static const struct {
        const char *codes, *token, *where;
    } bad[] = {
        {"55", "\"55\"", "character 1:"},
        {"555 5x5", "\"5x5\"", "character 5:"},
        {"555,  0-1-1", "\"0-1-1\"", "character 7:"},
        {"11-1-1", "\"11-1-1\"", "character 1:"},
        {"555 1-1", "\"1-1\"", "character 5:"},
        {"5555", "\"5555\"", "character 1:"},
        {"505", "\"505\"", "character 1:"},
        {"1-2-3-", "\"1-2-3-\"", "character 1:"},
        {"1--2-3", "\"1--2-3\"", "character 1:"},
        {"555;444", "\"555;444\"", "character 1:"},
        {"444 010-1-1", "\"010-1-1\"", "character 5:"},
    };
    custseg_strategy *s = rfm();
    size_t i;

    for (i = 0; i < sizeof bad / sizeof *bad; i++) {
        ck_assert_int_eq(custseg_strategy_add_segment_codes(s, "Seg",
                                                            bad[i].codes),
                         CUSTSEG_EPARSE);
        expect_msg(s, "segment \"Seg\"");
        expect_msg(s, bad[i].token);
        expect_msg(s, bad[i].where);
    }
    ck_assert_int_eq(custseg_strategy_add_segment_codes(s, "Seg", " , "),
                     CUSTSEG_EINVAL);
    expect_msg(s, "no score codes");
    ck_assert_int_eq(custseg_strategy_add_segment_codes(s, "", "555"),
                     CUSTSEG_EINVAL);
    ck_assert_int_eq(custseg_strategy_add_segment_codes(s, "Seg", NULL),
                     CUSTSEG_EINVAL);
    ck_assert_uint_eq(s->nsegs, 0);
    custseg_strategy_free(s);
}
END_TEST

/* ------------------------------------------------------------ map CSV */

static int load(custseg_strategy *s, const char *text)
{
    return custseg_strategy_load_segments_buffer(s, text, strlen(text),
                                                 "map.csv");
}

START_TEST(map_ok)
{
    /* BOM, quoted header field, CRLF, a quoted name with a comma and a
     * quote, padded numbers, blank lines, no final line end */
    static const char text[] =
        "\xEF\xBB\xBF" "segment,\"r_min\",r_max,f_min,f_max,m_min,m_max\r\n"
        "Champions,4,5,4,5,4,5\r\n"
        "\r\n"
        "\"Big, \"\"loyal\"\"\", 1 ,10,2,3,\"3\",3\n"
        "\n"
        "Last,1,1,1,1,1,1";
    custseg_strategy *s = rfm();

    ck_assert_int_eq(load(s, text), CUSTSEG_OK);
    ck_assert_uint_eq(s->nsegs, 3);
    ck_assert_str_eq(s->segs[0].name, "Champions");
    ck_assert_int_eq(s->segs[0].r_min, 4);
    ck_assert_str_eq(s->segs[1].name, "Big, \"loyal\"");
    ck_assert_int_eq(s->segs[1].r_min, 1);
    ck_assert_int_eq(s->segs[1].r_max, 10);
    ck_assert_int_eq(s->segs[1].m_min, 3);
    ck_assert_str_eq(s->segs[2].name, "Last");
    /* loading appends */
    ck_assert_int_eq(load(s, "segment,r_min,r_max,f_min,f_max,m_min,m_max\n"
                             "More,1,2,1,2,1,2\n"),
                     CUSTSEG_OK);
    ck_assert_uint_eq(s->nsegs, 4);
    /* a header alone adds nothing and is fine */
    ck_assert_int_eq(load(s, "segment,r_min,r_max,f_min,f_max,m_min,m_max"),
                     CUSTSEG_OK);
    ck_assert_uint_eq(s->nsegs, 4);
    custseg_strategy_free(s);
}
END_TEST

/* Every error names file, line and field; nothing is added. */
START_TEST(map_errors)
{
    static const char head[] = "segment,r_min,r_max,f_min,f_max,m_min,"
                               "m_max\n";
    static const struct {
        const char *body; /* after the header, unless it starts with '!' */
        const char *where, *what;
    } bad[] = {
        {"!", "map.csv:1: field 1:", "header"},
        {"!segment,rmin,r_max,f_min,f_max,m_min,m_max\n",
         "map.csv:1: field 2:", "header"},
        {"!segment,r_min,r_max,f_min,f_max,m_min\n", "map.csv:1: field 7:",
         "header"},
        {"!segment,r_min,r_max,f_min,f_max,m_min,m_max,x\n",
         "map.csv:1: field 8:", "header"},
        {"A,1,2,1,2,1,2\nB,1,x,1,2,1,2\n", "map.csv:3: field 3 (r_max):",
         "\"x\" is not a score"},
        {"A,1,2,1,2,1,2\n\nB,1,2,1,2,1,11\n", "map.csv:4: field 7 (m_max):",
         "\"11\" is not a score"},
        {"A,1,2,1,2,0,2\n", "map.csv:2: field 6 (m_min):",
         "\"0\" is not a score"},
        {"A,1,2,3,2,1,2\n", "map.csv:2: field 5 (f_max):", "below"},
        {"A,1,2,1,2,1\n", "map.csv:2:", "expected 7 fields, found 6"},
        {"A,1,2,1,2,1,2,\n", "map.csv:2:", "expected 7 fields, found 8"},
        {",1,2,1,2,1,2\n", "map.csv:2: field 1 (segment):", "empty"},
        {"\"A\nB\",1,2,1,2,1,2\nC,1,2,1,2,1,-1\n",
         "map.csv:4: field 7 (m_max):", "not a score"},
        {"\"A,1,2,1,2,1,2\n", "map.csv:2: field 1:", "quote not closed"},
        {"A,\"1\"2,2,1,2,1,2\r\n", "map.csv:2: field 2:",
         "after a closing quote"},
        {"A,1,2,1,2,1,2\r\rB,1,2,1,2,1, 2 x\r", "map.csv:4: field 7",
         "not a score"},
    };
    custseg_strategy *s = rfm();
    size_t i;

    for (i = 0; i < sizeof bad / sizeof *bad; i++) {
        char text[256];
        if (bad[i].body[0] == '!')
            strcpy(text, bad[i].body + 1);
        else
            strcat(strcpy(text, head), bad[i].body);
        ck_assert_msg(load(s, text) == CUSTSEG_EPARSE, "case %u",
                      (unsigned)i);
        expect_msg(s, bad[i].where);
        expect_msg(s, bad[i].what);
        ck_assert_uint_eq(s->nsegs, 0);
    }
    custseg_strategy_free(s);
}
END_TEST

START_TEST(map_files)
{
    static const char text[] = "segment,r_min,r_max,f_min,f_max,m_min,"
                               "m_max\nTop,5,5,5,5,5,5\nBad,1,1,1\n";
    custseg_strategy *s = rfm();
    char *path = tu_write_temp(text, sizeof text - 1);

    ck_assert_ptr_nonnull(path);
    ck_assert_int_eq(custseg_strategy_load_segments(s, path),
                     CUSTSEG_EPARSE);
    expect_msg(s, path);
    expect_msg(s, ":3:");
    ck_assert_uint_eq(s->nsegs, 0);
    unlink(path);
    free(path);
    ck_assert_int_eq(custseg_strategy_load_segments(s, "/nonexistent/x.csv"),
                     CUSTSEG_EIO);
    expect_msg(s, "/nonexistent/x.csv");
    custseg_strategy_free(s);
}
END_TEST

/* The map as the run sees it: the first matching row wins. */
START_TEST(map_applied)
{
    static const char text[] =
        "segment,r_min,r_max,f_min,f_max,m_min,m_max\n"
        "High,2,2,1,2,1,2\nAny,1,2,1,2,1,2\n";
    custseg_strategy *s = rfm();
    custseg_dataset *ds = NULL;
    custseg_result *r = NULL;
    const custseg_segment *seg;
    size_t row;

    ck_assert_int_eq(custseg_strategy_set_int(s, "bins", 2), CUSTSEG_OK);
    ck_assert_int_eq(load(s, text), CUSTSEG_OK);
    ck_assert_int_eq(custseg_dataset_new(&ds), CUSTSEG_OK);
    ck_assert_int_eq(custseg_dataset_add_customer(ds, "old", 90, 1, 1),
                     CUSTSEG_OK);
    ck_assert_int_eq(custseg_dataset_add_customer(ds, "new", 1, 1, 1),
                     CUSTSEG_OK);
    ck_assert_int_eq(custseg_run(&r, s, ds), CUSTSEG_OK);
    ck_assert_uint_eq(custseg_result_segment_count(r), 3);
    ck_assert_int_eq(custseg_result_find(&row, r, "new"), CUSTSEG_OK);
    ck_assert_uint_eq(custseg_result_customer_segment(r, row), 0);
    ck_assert_int_eq(custseg_result_find(&row, r, "old"), CUSTSEG_OK);
    ck_assert_uint_eq(custseg_result_customer_segment(r, row), 1);
    ck_assert_int_eq(custseg_result_segment_at(&seg, r, 2), CUSTSEG_OK);
    ck_assert_str_eq(custseg_segment_name(seg), "Others");
    custseg_result_free(r);
    custseg_dataset_free(ds);
    custseg_strategy_free(s);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("segmap");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, ranges);
    tcase_add_test(tc, codes_ok);
    tcase_add_test(tc, codes_errors);
    tcase_add_test(tc, map_ok);
    tcase_add_test(tc, map_errors);
    tcase_add_test(tc, map_files);
    tcase_add_test(tc, map_applied);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(suite());
}
