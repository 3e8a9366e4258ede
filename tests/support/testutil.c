/*
 * testutil.c - helpers shared by the Check suites.
 */
#include "testutil.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Files above this size (the Online Retail set) are skipped in quick runs:
 * under valgrind one load of it takes minutes. */
#define TU_QUICK_MAX (8 << 20)

int tu_quick(void)
{
    const char *q = getenv("CUSTSEG_QUICK");

    return q != NULL && *q != '\0' && strcmp(q, "0") != 0;
}

const char *tu_data_path(const char *relative)
{
    static char path[4096];
    const char *dir = getenv("CUSTSEG_DATA_DIR");
    struct stat st;

    if (dir == NULL || *dir == '\0')
        dir = "../shared/data";
    snprintf(path, sizeof path, "%s/%s", dir, relative);
    if (access(path, R_OK) != 0) {
        fprintf(stderr, "skipped: reference data %s not found "
                "(set CUSTSEG_DATA_DIR)\n", path);
        return NULL;
    }
    if (tu_quick() && stat(path, &st) == 0 && st.st_size > TU_QUICK_MAX) {
        fprintf(stderr, "skipped: reference data %s is over %d MB and "
                "CUSTSEG_QUICK is set\n", path, TU_QUICK_MAX >> 20);
        return NULL;
    }
    return path;
}

char *tu_read_file(const char *path, size_t *out_len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t cap = 0, len = 0, got;

    if (f == NULL)
        return NULL;
    do {
        if (len + 65536 + 1 > cap) {
            char *nb = realloc(buf, cap = (len + 65536 + 1) * 2);
            if (nb == NULL) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = nb;
        }
        got = fread(buf + len, 1, cap - len - 1, f);
        len += got;
    } while (got > 0);
    fclose(f);
    buf[len] = '\0';
    if (out_len != NULL)
        *out_len = len;
    return buf;
}

char *tu_write_temp(const char *text, size_t len)
{
    char tmpl[] = "/tmp/custseg-test-XXXXXX";
    int fd = mkstemp(tmpl);
    char *path;

    if (fd < 0)
        return NULL;
    if (write(fd, text, len) != (ssize_t)len) {
        close(fd);
        return NULL;
    }
    close(fd);
    path = malloc(sizeof tmpl);
    if (path != NULL)
        memcpy(path, tmpl, sizeof tmpl);
    return path;
}

int tu_run_suite(Suite *s)
{
    SRunner *sr = srunner_create(s);
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

int tu_buf_write(const char *data, size_t len, void *payload)
{
    tu_buf *b = payload;

    if (b->len + len + 1 > b->cap) {
        size_t cap = (b->len + len + 1) * 2;
        char *p = realloc(b->p, cap);
        if (p == NULL)
            return 1;
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, data, len);
    b->len += len;
    b->p[b->len] = '\0';
    return 0;
}
