/*
 * testutil.h - helpers shared by the Check suites.
 */
#ifndef CUSTSEG_TESTUTIL_H
#define CUSTSEG_TESTUTIL_H

#include <stddef.h>

/*
 * Path of a file under the shared reference data directory
 * ($CUSTSEG_DATA_DIR, default ../shared/data relative to the repository
 * root, where the tests run). Returns NULL, after printing a "skipped"
 * message naming the file, when it does not exist: a user's clone has no
 * reference data (or, see tu_quick(), when it is big and the run quick).
 * The string is static until the next call.
 */
const char *tu_data_path(const char *relative);

/*
 * Non-zero when CUSTSEG_QUICK is set (and not "0"): the slow checkers
 * (valgrind, ThreadSanitizer) set it, and tests then skip their biggest
 * inputs with a message. tu_data_path() skips reference files over 8 MB.
 */
int tu_quick(void);

/* Read a whole file into a malloc'ed NUL-terminated buffer (NULL on error). */
char *tu_read_file(const char *path, size_t *out_len);

/* Write text to a fresh temporary file; returns its malloc'ed path. */
char *tu_write_temp(const char *text, size_t len);

/* A growing, NUL-terminated buffer that custseg_result_write() can fill
 * with tu_buf_write() as its write callback; start it as {NULL, 0, 0}
 * and free(p) when done. */
typedef struct tu_buf {
    char *p;
    size_t len, cap;
} tu_buf;
int tu_buf_write(const char *data, size_t len, void *payload);

/* Run a Check suite and return the process exit status (0 = all passed). */
struct Suite;
int tu_run_suite(struct Suite *s);

#endif
