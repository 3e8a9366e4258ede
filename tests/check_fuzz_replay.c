/*
 * check_fuzz_replay.c - replay the fuzzing corpora in every make check.
 *
 * The libFuzzer targets of tests/fuzz/ are included here under their own
 * names, so their seed corpora (tests/fuzz/corpus/<target>/) and every
 * input that once crashed (tests/fuzz/regress/<target>/) run through the
 * same checks without clang or libFuzzer, and under the sanitizers and
 * valgrind in check-asan and check-valgrind.
 */
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "testutil.h"

#define FUZZ_CSV fuzz_csv
#include "fuzz/fuzz_csv.c"
#define FUZZ_SEGMAP fuzz_segmap
#include "fuzz/fuzz_segmap.c"
#define FUZZ_RULES fuzz_rules
#include "fuzz/fuzz_rules.c"

typedef int (*entry_fn)(const uint8_t *data, size_t size);

/* Run every regular file of dir through fn; returns how many. A missing
 * directory (no regression input yet) is no error. */
static int replay_dir(const char *dir, entry_fn fn)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    struct stat st;
    char path[1024];
    int n = 0;

    if (d == NULL)
        return 0;
    while ((e = readdir(d)) != NULL) {
        size_t len;
        char *buf;

        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
            continue;
        buf = tu_read_file(path, &len);
        ck_assert_msg(buf != NULL, "cannot read %s", path);
        /* A copy of exactly len bytes: the target must not read past. */
        {
            uint8_t *exact = malloc(len ? len : 1);
            ck_assert_ptr_nonnull(exact);
            memcpy(exact, buf, len);
            ck_assert_int_eq(fn(exact, len), 0);
            free(exact);
        }
        free(buf);
        n++;
    }
    closedir(d);
    return n;
}

static void replay(const char *target, entry_fn fn, int min_seeds)
{
    char dir[256];
    int seeds, regress;

    snprintf(dir, sizeof dir, "tests/fuzz/corpus/%s", target);
    seeds = replay_dir(dir, fn);
    snprintf(dir, sizeof dir, "tests/fuzz/regress/%s", target);
    regress = replay_dir(dir, fn);
    fprintf(stderr, "fuzz replay %s: %d seeds, %d regression inputs\n",
            target, seeds, regress);
    ck_assert_int_ge(seeds, min_seeds);
}

START_TEST(replay_csv)
{
    replay("csv", fuzz_csv, 10);
}
END_TEST

START_TEST(replay_segmap)
{
    replay("segmap", fuzz_segmap, 5);
}
END_TEST

START_TEST(replay_rules)
{
    replay("rules", fuzz_rules, 10);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("fuzz_replay");
    TCase *tc = tcase_create("replay");

    tcase_add_test(tc, replay_csv);
    tcase_add_test(tc, replay_segmap);
    tcase_add_test(tc, replay_rules);
    tcase_set_timeout(tc, 60);
    suite_add_tcase(s, tc);
    return tu_run_suite(s);
}
