/*
 * bench - time libcustseg on a transactions CSV and compare it with peers.
 *
 *   bench --input FILE [--cli PATH] [--work DIR] [--runs N]
 *         [--peer NAME=COMMAND]... [--skip NAME=REASON]...
 *
 * FILE has gendata's columns. One run prints one table:
 *   - CSV load with 1 and 2 threads: seconds, MB/s and MB/s per core,
 *     then freeze of the loaded dataset, timed on its own;
 *   - rfm + decile on the loaded, frozen dataset: seconds and rows/s;
 *   - prior: 20 rules on the frozen dataset, and the same rules as a
 *     SQL CASE in sqlite3 over a precomputed per-customer table (the
 *     query alone, timed by sqlite3's .timer), as a ratio;
 *   - dataset bytes per transaction and this process's peak RSS;
 *   - the custseg CLI end to end (rfm, CSV out), wall time and peak RSS;
 *   - each peer COMMAND (run with sh -c) doing the same job, as a ratio
 *     peer time / CLI time, so > 1 means custseg is faster.
 * Where the project has a target for a figure, its note says whether the
 * figure meets it.
 * Library timings are the best of --runs runs. bench/run.sh prepares the
 * data and the peer commands; this program only measures, through the
 * public API, linked statically as the Makefile does.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include <custseg.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_PEERS 8
#define MAP "customer=customer_id,order=order_id,time=order_time," \
            "amount=amount"

struct peer {
    const char *name;
    const char *text; /* command, or the reason it was skipped */
};

struct opts {
    const char *input;
    const char *cli;
    const char *work;
    int runs;
    struct peer peers[MAX_PEERS], skips[MAX_PEERS];
    int npeers, nskips;
};

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ru_maxrss is kilobytes on Linux (bytes on macOS); this reports MiB as
 * Linux counts. */
static double maxrss_mib(int who)
{
    struct rusage ru;

    if (getrusage(who, &ru) != 0)
        return 0;
    return (double)ru.ru_maxrss / 1024.0;
}

/* ------------------------------------------------------------------ */
/* Table                                                              */
/* ------------------------------------------------------------------ */

static void row(const char *step, double secs, const char *rate,
                const char *note)
{
    char t[32] = "-";

    if (secs >= 0)
        snprintf(t, sizeof t, "%.3f", secs);
    if (note && *note)
        printf("%-30s %8s  %-13s %s\n", step, t, rate, note);
    else
        printf("%-30s %8s  %s\n", step, t, rate);
}

static void header(const struct opts *o, double mb)
{
    printf("libcustseg %s benchmark\n%s: %.1f MB\n\n",
           custseg_version_string(), o->input, mb);
    printf("%-30s %8s  %-13s %s\n", "step", "seconds", "rate", "notes");
    printf("%-30s %8s  %-13s %s\n", "----", "-------", "----", "-----");
}

/* ------------------------------------------------------------------ */
/* Library steps                                                      */
/* ------------------------------------------------------------------ */

static int fail(const char *what, int st, const char *msg)
{
    fprintf(stderr, "bench: %s: %s%s%s\n", what, custseg_strerror(st),
            msg && *msg ? ": " : "", msg ? msg : "");
    return st;
}

static int map_columns(custseg_dataset *ds)
{
    static const char *const roles[][2] = {
        {"customer", "customer_id"}, {"order", "order_id"},
        {"time", "order_time"}, {"amount", "amount"}};
    size_t i;
    int st = CUSTSEG_OK;

    for (i = 0; st == CUSTSEG_OK && i < sizeof roles / sizeof *roles; i++)
        st = custseg_dataset_map_column(ds, roles[i][0], roles[i][1]);
    return st;
}

/* One timed load: custseg_dataset_load_csv, then freeze, as a caller
 * pays them; secs[0] the load, secs[1] the freeze. */
static int load_once(custseg_dataset **out, const char *path, int threads,
                     double secs[2])
{
    double t0, t1;
    int st = custseg_dataset_new(out);

    if (st == CUSTSEG_OK)
        st = custseg_dataset_set_int(*out, "threads", threads);
    if (st == CUSTSEG_OK)
        st = map_columns(*out);
    t0 = now();
    if (st == CUSTSEG_OK)
        st = custseg_dataset_load_csv(*out, path);
    t1 = now();
    if (st == CUSTSEG_OK)
        st = custseg_dataset_freeze(*out);
    secs[0] = t1 - t0;
    secs[1] = now() - t1;
    if (st != CUSTSEG_OK)
        fail(path, st, *out ? custseg_dataset_errmsg(*out) : NULL);
    return st;
}

/* Best of runs loads and freezes (each on its own); the last dataset is
 * kept in *out. */
static int load_best(custseg_dataset **out, const char *path, int threads,
                     int runs, double best[2])
{
    int i, k, st = CUSTSEG_OK;

    best[0] = best[1] = -1;
    *out = NULL;
    for (i = 0; i < runs && st == CUSTSEG_OK; i++) {
        double secs[2];

        custseg_dataset_free(*out);
        *out = NULL;
        st = load_once(out, path, threads, secs);
        for (k = 0; k < 2 && st == CUSTSEG_OK; k++)
            if (best[k] < 0 || secs[k] < best[k])
                best[k] = secs[k];
    }
    return st;
}

static int run_one(custseg_dataset *ds, const char *name, int threads)
{
    custseg_strategy *s = NULL;
    custseg_result *r = NULL;
    int st = custseg_strategy_new(&s, name);

    if (st == CUSTSEG_OK)
        st = custseg_strategy_set_int(s, "threads", threads);
    if (st == CUSTSEG_OK)
        st = custseg_run(&r, s, ds);
    if (st != CUSTSEG_OK)
        fail(name, st, s ? custseg_strategy_errmsg(s) : NULL);
    custseg_result_free(r);
    custseg_strategy_free(s);
    return st;
}

/* rfm then decile on one frozen dataset; best of runs. */
static int segment_best(custseg_dataset *ds, int threads, int runs,
                        double *best)
{
    int i, st = CUSTSEG_OK;

    *best = -1;
    for (i = 0; i < runs && st == CUSTSEG_OK; i++) {
        double t0 = now(), secs;

        st = run_one(ds, "rfm", threads);
        if (st == CUSTSEG_OK)
            st = run_one(ds, "decile", threads);
        secs = now() - t0;
        if (st == CUSTSEG_OK && (*best < 0 || secs < *best))
            *best = secs;
    }
    return st;
}

/* The targets, printed beside the figures they judge. */
#define TARGET_LOAD_MBS 300.0  /* CSV load, MB/s per core */
#define TARGET_SEGMENT_MTX 50.0 /* rfm + decile, M tx/s on one core */
#define TARGET_DUCKDB_RATIO 4.0 /* end to end, DuckDB time / custseg's */

static void load_rows(int threads, const double secs[2], double mb)
{
    char step[64], rate[32], note[96];
    double per_core = mb / secs[0] / threads;

    snprintf(step, sizeof step, "load CSV, %d thread%s", threads,
             threads > 1 ? "s" : "");
    snprintf(rate, sizeof rate, "%.1f MB/s", mb / secs[0]);
    snprintf(note, sizeof note, "%.0f MB/s per core (target %.0f: %s)",
             per_core, TARGET_LOAD_MBS,
             per_core >= TARGET_LOAD_MBS ? "met" : "BELOW");
    row(step, secs[0], rate, note);
    snprintf(step, sizeof step, "freeze, %d thread%s", threads,
             threads > 1 ? "s" : "");
    row(step, secs[1], "-", "id order, per-customer metrics");
}

static void segment_row(int threads, double secs, size_t ntx)
{
    char step[64], rate[32];

    char note[96];
    double mtx = (double)ntx / secs / 1e6;

    snprintf(step, sizeof step, "rfm + decile, %d thread%s", threads,
             threads > 1 ? "s" : "");
    snprintf(rate, sizeof rate, "%.1f M tx/s", mtx);
    if (threads == 1)
        snprintf(note, sizeof note, "frozen dataset (target %.0f: %s)",
                 TARGET_SEGMENT_MTX,
                 mtx >= TARGET_SEGMENT_MTX ? "met" : "BELOW");
    else
        snprintf(note, sizeof note, "frozen dataset");
    row(step, secs, rate, note);
}

static void memory_rows(const custseg_dataset *ds)
{
    size_t ntx = custseg_dataset_transaction_count(ds);
    size_t bytes = custseg_dataset_memory_bytes(ds);
    char rate[32], note[96];

    snprintf(rate, sizeof rate, "%.1f B/tx",
             ntx ? (double)bytes / (double)ntx : 0.0);
    snprintf(note, sizeof note, "%.1f MiB, %zu customers",
             (double)bytes / (1024.0 * 1024.0),
             custseg_dataset_customer_count(ds));
    row("dataset memory", -1, rate, note);
    snprintf(rate, sizeof rate, "%.1f MiB", maxrss_mib(RUSAGE_SELF));
    row("peak RSS, library steps", -1, rate, NULL);
}

/* ------------------------------------------------------------------ */
/* Rules: prior against the same rules as a SQL CASE in sqlite3        */
/* ------------------------------------------------------------------ */

/* 20 rules on each customer's cached metrics: name, the library's rule,
 * the SQL over the table c(id, recency, frequency, monetary, aov). */
static const char *const RULES[][3] = {
    {"Champions", "recency <= 30 and frequency >= 10 and monetary >= 1000",
     "recency <= 30 AND frequency >= 10 AND monetary >= 1000"},
    {"Loyal", "frequency >= 8 and recency <= 90",
     "frequency >= 8 AND recency <= 90"},
    {"Big spenders", "monetary >= 2000", "monetary >= 2000"},
    {"High AOV", "aov >= 150 and frequency >= 2",
     "aov >= 150 AND frequency >= 2"},
    {"Recent big", "recency <= 14 and monetary >= 500",
     "recency <= 14 AND monetary >= 500"},
    {"Potential", "recency <= 30 and frequency between 3 and 7",
     "recency <= 30 AND frequency BETWEEN 3 AND 7"},
    {"New", "recency <= 30 and frequency = 1",
     "recency <= 30 AND frequency = 1"},
    {"Promising", "recency <= 60 and frequency <= 2 and monetary >= 100",
     "recency <= 60 AND frequency <= 2 AND monetary >= 100"},
    {"Need attention", "recency between 60 and 120 and frequency >= 3",
     "recency BETWEEN 60 AND 120 AND frequency >= 3"},
    {"About to sleep", "recency between 90 and 180 and frequency <= 2",
     "recency BETWEEN 90 AND 180 AND frequency <= 2"},
    {"At risk", "recency > 180 and frequency >= 5",
     "recency > 180 AND frequency >= 5"},
    {"Cannot lose", "recency > 180 and monetary >= 1500",
     "recency > 180 AND monetary >= 1500"},
    {"Hibernating", "recency between 180 and 365 and monetary < 300",
     "recency BETWEEN 180 AND 365 AND monetary < 300"},
    {"Lost cheap", "recency > 365 and monetary < 100",
     "recency > 365 AND monetary < 100"},
    {"Lost", "recency > 365", "recency > 365"},
    {"Returners", "monetary < 0", "monetary < 0"},
    {"Small baskets", "aov < 20 and frequency >= 3",
     "aov < 20 AND frequency >= 3"},
    {"Mid value", "monetary between 300 and 800 or aov between 80 and 120",
     "monetary BETWEEN 300 AND 800 OR aov BETWEEN 80 AND 120"},
    {"Occasional", "frequency in (2, 3) and recency > 60",
     "frequency IN (2, 3) AND recency > 60"},
    {"Active", "not (recency > 120) and frequency >= 1",
     "NOT (recency > 120) AND frequency >= 1"},
};
#define NRULES (sizeof RULES / sizeof RULES[0])

/* One run of the rules; the rules are parsed before the clock starts. */
static int prior_once(custseg_dataset *ds, int threads, custseg_result **out,
                      double *secs)
{
    custseg_strategy *s = NULL;
    size_t i;
    double t0;
    int st = custseg_strategy_new(&s, "prior");

    if (st == CUSTSEG_OK)
        st = custseg_strategy_set_int(s, "threads", threads);
    for (i = 0; st == CUSTSEG_OK && i < NRULES; i++)
        st = custseg_strategy_add_rule(s, RULES[i][0], RULES[i][1]);
    t0 = now();
    if (st == CUSTSEG_OK)
        st = custseg_run(out, s, ds);
    *secs = now() - t0;
    if (st != CUSTSEG_OK)
        fail("prior", st, s ? custseg_strategy_errmsg(s) : NULL);
    custseg_strategy_free(s);
    return st;
}

static int have_sqlite3(void)
{
    FILE *p = popen("command -v sqlite3 2>/dev/null", "r");
    char buf[512];
    int found;

    if (!p)
        return 0;
    found = fgets(buf, sizeof buf, p) != NULL;
    pclose(p);
    return found;
}

/* The per-customer table comes from r's CSV; only the CASE query is
 * timed (.timer), runs times, as the library is. The segment counts
 * sqlite3 prints are checked against r. */
static void write_case(FILE *f)
{
    size_t i;

    fprintf(f, "DROP TABLE IF EXISTS s;\n.timer on\n"
               "CREATE TABLE s AS SELECT id, CASE\n");
    for (i = 0; i < NRULES; i++)
        fprintf(f, "  WHEN %s THEN '%s'\n", RULES[i][2], RULES[i][0]);
    fprintf(f, "  ELSE 'Other' END AS segment FROM c;\n.timer off\n");
}

static int write_case_sql(const char *path, const char *table, int runs)
{
    FILE *f = fopen(path, "w");
    int i;

    if (!f)
        return -1;
    fprintf(f, ".bail on\n.import --csv '%s' raw\n"
               "CREATE TABLE c AS SELECT customer_id AS id,\n"
               "  CAST(recency AS INTEGER) AS recency,\n"
               "  CAST(frequency AS INTEGER) AS frequency,\n"
               "  CAST(monetary AS REAL) AS monetary,\n"
               "  CAST(monetary AS REAL) / CAST(frequency AS INTEGER) AS aov"
               "\n  FROM raw;\nDROP TABLE raw;\n", table);
    for (i = 0; i < runs; i++)
        write_case(f);
    fprintf(f, ".mode list\n.separator |\n"
               "SELECT segment, COUNT(*) FROM s GROUP BY segment;\n");
    return fclose(f) == 0 ? 0 : -1;
}

static int segment_count_of(const custseg_result *r, const char *name,
                            int64_t *out)
{
    const custseg_segment *g;
    size_t i;

    for (i = 0; i < custseg_result_segment_count(r); i++)
        if (custseg_result_segment_at(&g, r, i) == CUSTSEG_OK &&
            strcmp(custseg_segment_name(g), name) == 0) {
            *out = custseg_segment_count(g);
            return 0;
        }
    return -1;
}

static int sqlite_case(const struct opts *o, const custseg_result *r,
                       double *secs, int *agree)
{
    char table[1024], script[1024], cmd[2200], line[512];
    int64_t total = 0, ours;
    FILE *p;

    snprintf(table, sizeof table, "%s/prior-customers.csv", o->work);
    snprintf(script, sizeof script, "%s/prior-case.sql", o->work);
    if (custseg_result_write_file(r, CUSTSEG_FORMAT_CSV, 2, table) != 0 ||
        write_case_sql(script, table, o->runs) != 0)
        return -1;
    snprintf(cmd, sizeof cmd, "sqlite3 :memory: < '%s' 2>&1", script);
    if (!(p = popen(cmd, "r")))
        return -1;
    *secs = -1;
    *agree = 1;
    while (fgets(line, sizeof line, p)) {
        char *bar = strchr(line, '|');
        double real;
        if (sscanf(line, "Run Time: real %lf", &real) == 1) {
            if (*secs < 0 || real < *secs) /* best of runs */
                *secs = real;
        } else if (bar) {
            *bar = '\0';
            total += strtoll(bar + 1, NULL, 10);
            if (segment_count_of(r, line, &ours) != 0 ||
                ours != strtoll(bar + 1, NULL, 10))
                *agree = 0;
        }
    }
    if (pclose(p) != 0 || *secs < 0)
        return -1;
    if ((size_t)total != custseg_result_customer_count(r))
        *agree = 0;
    return 0;
}

static void prior_row(const custseg_result *r, int threads, double secs)
{
    char step[64], rate[32];

    snprintf(step, sizeof step, "prior, %zu rules, %d thread%s",
             (size_t)NRULES, threads, threads > 1 ? "s" : "");
    snprintf(rate, sizeof rate, "%.1f M cust/s",
             (double)custseg_result_customer_count(r) / secs / 1e6);
    row(step, secs, rate, "frozen dataset, cached metrics");
}

/* sqlite3 against the library on one thread, as sqlite3 runs. */
static void sqlite_row(const struct opts *o, const custseg_result *r,
                       double secs)
{
    char step[64], rate[32], note[96];
    double sq;
    int agree;

    snprintf(step, sizeof step, "sqlite3 CASE, %zu rules", (size_t)NRULES);
    if (!have_sqlite3()) {
        row(step, -1, "-", "skipped: sqlite3 not found");
        return;
    }
    if (sqlite_case(o, r, &sq, &agree) != 0) {
        row(step, -1, "-", "FAILED, see prior-case.sql in the work dir");
        return;
    }
    snprintf(rate, sizeof rate, "ratio %.1fx", sq / secs);
    snprintf(note, sizeof note, "query only, precomputed table; %s; %s",
             sq / secs >= 10 ? ">= 10x" : "BELOW 10x",
             agree ? "counts agree" : "COUNTS DIFFER");
    row(step, sq, rate, note);
}

/* Best of runs on 1 and 2 threads, then sqlite3 on the last result. */
static int rules_steps(const struct opts *o, custseg_dataset *ds)
{
    custseg_result *r = NULL;
    double best[2] = {-1, -1}, secs;
    int i, t, st = CUSTSEG_OK;

    for (t = 0; t < 2 && st == CUSTSEG_OK; t++) {
        for (i = 0; i < o->runs && st == CUSTSEG_OK; i++) {
            custseg_result_free(r);
            r = NULL;
            st = prior_once(ds, t + 1, &r, &secs);
            if (st == CUSTSEG_OK && (best[t] < 0 || secs < best[t]))
                best[t] = secs;
        }
        if (st == CUSTSEG_OK)
            prior_row(r, t + 1, best[t]);
    }
    if (st == CUSTSEG_OK)
        sqlite_row(o, r, best[0]);
    custseg_result_free(r);
    return st;
}

/* All library measurements; the dataset is freed before the commands run
 * so that they do not compete with it for memory. */
static int library_steps(const struct opts *o, double mb)
{
    custseg_dataset *ds = NULL;
    double secs, load[2];
    int threads, st = CUSTSEG_OK;

    for (threads = 1; threads <= 2 && st == CUSTSEG_OK; threads++) {
        custseg_dataset_free(ds);
        st = load_best(&ds, o->input, threads, o->runs, load);
        if (st == CUSTSEG_OK)
            load_rows(threads, load, mb);
    }
    for (threads = 1; threads <= 2 && st == CUSTSEG_OK; threads++) {
        st = segment_best(ds, threads, o->runs, &secs);
        if (st == CUSTSEG_OK)
            segment_row(threads, secs,
                        custseg_dataset_transaction_count(ds));
    }
    if (st == CUSTSEG_OK)
        st = rules_steps(o, ds);
    if (st == CUSTSEG_OK)
        memory_rows(ds);
    custseg_dataset_free(ds);
    return st;
}

/* ------------------------------------------------------------------ */
/* Commands                                                           */
/* ------------------------------------------------------------------ */

struct timing {
    double secs;
    double rss_mib;
    int status; /* exit status, or 128 + signal */
};

/* The supervisor child runs the command and reports the command's own
 * peak RSS: RUSAGE_CHILDREN covers only the children it has waited for,
 * so each measurement is separate from the others. */
static void supervise(const char *cmd, const char *log, int fd)
{
    double report[2] = {127, 0};
    int status = 0;
    pid_t pid = fork();

    if (pid == 0) {
        int out = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);

        if (out >= 0) {
            dup2(out, STDOUT_FILENO);
            dup2(out, STDERR_FILENO);
        }
        execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
        _exit(127);
    }
    if (pid > 0 && waitpid(pid, &status, 0) == pid) {
        report[0] = WIFEXITED(status) ? WEXITSTATUS(status)
                                      : 128 + WTERMSIG(status);
        report[1] = maxrss_mib(RUSAGE_CHILDREN);
    }
    if (write(fd, report, sizeof report) != (ssize_t)sizeof report)
        _exit(1);
    _exit(0);
}

static int time_command(struct timing *t, const char *cmd, const char *log)
{
    double report[2] = {127, 0};
    double t0 = now();
    int fd[2];
    pid_t pid;

    if (pipe(fd) != 0)
        return -1;
    fflush(NULL); /* the child must not flush our buffers again */
    pid = fork();
    if (pid == 0) {
        close(fd[0]);
        supervise(cmd, log, fd[1]);
    }
    close(fd[1]);
    if (pid < 0 ||
        read(fd[0], report, sizeof report) != (ssize_t)sizeof report)
        report[0] = 127;
    close(fd[0]);
    if (pid > 0)
        waitpid(pid, NULL, 0);
    t->secs = now() - t0;
    t->status = (int)report[0];
    t->rss_mib = report[1];
    return 0;
}

/* Quote for sh: single quotes, with ' written as '\''. */
static void sh_quote(char *out, size_t cap, const char *s)
{
    size_t n = 0;

    if (cap < 8)
        return;
    out[n++] = '\'';
    for (; *s && n + 6 < cap; s++) {
        if (*s == '\'') {
            memcpy(out + n, "'\\''", 4);
            n += 4;
        } else {
            out[n++] = *s;
        }
    }
    out[n++] = '\'';
    out[n] = '\0';
}

/* base > 0: a peer, rated against the CLI; else the CLI, rated in MB/s
 * of input (-base). target > 0: the ratio the peer should reach. */
static void command_row(const char *step, const struct timing *t,
                        double base, double target)
{
    char rate[32] = "-", note[128];

    if (t->status != 0) {
        snprintf(note, sizeof note, "FAILED (exit %d), see the log",
                 t->status);
        row(step, t->secs, "-", note);
        return;
    }
    if (base > 0)
        snprintf(rate, sizeof rate, "ratio %.2fx", t->secs / base);
    else if (base < 0)
        snprintf(rate, sizeof rate, "%.1f MB/s", -base / t->secs);
    if (target > 0 && base > 0)
        snprintf(note, sizeof note, "peak RSS %.1f MiB; target %.0fx: %s",
                 t->rss_mib, target,
                 t->secs / base >= target ? "met" : "BELOW");
    else
        snprintf(note, sizeof note, "peak RSS %.1f MiB", t->rss_mib);
    row(step, t->secs, rate, note);
}

static int cli_step(const struct opts *o, const char *log, double mb,
                    double *base)
{
    char in[1024], cli[1024], out[1024], path[1024], cmd[4096];
    struct timing t;

    snprintf(path, sizeof path, "%s/custseg-rfm.csv", o->work);
    sh_quote(in, sizeof in, o->input);
    sh_quote(cli, sizeof cli, o->cli);
    sh_quote(out, sizeof out, path);
    snprintf(cmd, sizeof cmd,
             "%s rfm --input %s --map %s --format csv --output %s", cli,
             in, MAP, out);
    if (time_command(&t, cmd, log) != 0)
        return -1;
    command_row("custseg CLI rfm, end to end", &t, -mb, 0);
    *base = t.status == 0 ? t.secs : 0;
    return t.status == 0 ? 0 : -1;
}

static void peer_steps(const struct opts *o, const char *log, double base)
{
    int i;

    for (i = 0; i < o->npeers; i++) {
        char step[64];
        struct timing t;

        snprintf(step, sizeof step, "%s, same job", o->peers[i].name);
        if (time_command(&t, o->peers[i].text, log) == 0)
            command_row(step, &t, base,
                        strncmp(o->peers[i].name, "duckdb", 6) == 0
                            ? TARGET_DUCKDB_RATIO
                            : 0);
    }
    for (i = 0; i < o->nskips; i++) {
        char note[256];

        snprintf(note, sizeof note, "skipped: %s", o->skips[i].text);
        row(o->skips[i].name, -1, "-", note);
    }
}

/* ------------------------------------------------------------------ */
/* Main                                                               */
/* ------------------------------------------------------------------ */

static int usage(void)
{
    fputs("usage: bench --input FILE [--cli PATH] [--work DIR] [--runs N]"
          "\n             [--peer NAME=COMMAND]... [--skip NAME=REASON]..."
          "\n", stderr);
    return 2;
}

static int add_peer(struct peer *list, int *n, const char *arg)
{
    const char *eq = strchr(arg, '=');
    static char names[2 * MAX_PEERS][64];
    static int used;
    size_t len;

    if (!eq || *n >= MAX_PEERS || used >= 2 * MAX_PEERS)
        return -1;
    len = (size_t)(eq - arg) < 63 ? (size_t)(eq - arg) : 63;
    memcpy(names[used], arg, len);
    names[used][len] = '\0';
    list[*n].name = names[used++];
    list[(*n)++].text = eq + 1;
    return 0;
}

static int set_opt(struct opts *o, const char *name, const char *value)
{
    if (strcmp(name, "--input") == 0)
        o->input = value;
    else if (strcmp(name, "--cli") == 0)
        o->cli = value;
    else if (strcmp(name, "--work") == 0)
        o->work = value;
    else if (strcmp(name, "--runs") == 0)
        o->runs = atoi(value);
    else if (strcmp(name, "--peer") == 0)
        return add_peer(o->peers, &o->npeers, value);
    else if (strcmp(name, "--skip") == 0)
        return add_peer(o->skips, &o->nskips, value);
    else
        return -1;
    return 0;
}

static int parse_args(struct opts *o, int argc, char **argv)
{
    int i;

    for (i = 1; i + 1 < argc; i += 2)
        if (set_opt(o, argv[i], argv[i + 1]) != 0)
            return usage();
    if (i != argc || !o->input || o->runs < 1)
        return usage();
    return 0;
}

int main(int argc, char **argv)
{
    struct opts o = {NULL, "examples/custseg", "/tmp", 1, {{0}}, {{0}}, 0,
                     0};
    char log[1024];
    struct stat sb;
    double mb, base = 0;
    int st;

    if (parse_args(&o, argc, argv) != 0)
        return 2;
    if (stat(o.input, &sb) != 0) {
        fprintf(stderr, "bench: %s: %s\n", o.input, strerror(errno));
        return 1;
    }
    mb = (double)sb.st_size / 1e6;
    snprintf(log, sizeof log, "%s/bench.log", o.work);
    header(&o, mb);
    if (library_steps(&o, mb) != CUSTSEG_OK)
        return 1;
    st = cli_step(&o, log, mb, &base);
    peer_steps(&o, log, base);
    printf("\nratio = peer seconds / custseg CLI seconds (> 1: custseg is "
           "faster).\nCommand output: %s\n", log);
    return st == 0 ? 0 : 1;
}
