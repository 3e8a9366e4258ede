/*
 * custseg - the command-line front end of libcustseg (custseg(1)).
 *
 * A thin client: everything it knows about segmentation comes through
 * custseg.h, so it doubles as a worked example of the public API. main()
 * parses the arguments into a struct cli, then make_strategy(),
 * load_input(), run_job() and write_output() each do one step and return
 * an exit status: 0 ok, 1 data or runtime error, 2 usage error.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include <custseg.h>

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { ST_OK = 0, ST_DATA = 1, ST_USAGE = 2, ST_EXIT0 = 3 };

/* The library accepts 1..256 threads; more cores than that gain nothing. */
#define MAX_THREADS 256
#define STDIN_NAME "<stdin>"
#define MAX_ATTRS 64 /* --attr options */

/* Parsed command line. Option values stay text until they are checked, so
 * that one place (check_args) turns them into numbers. */
struct cli {
    const char *command; /* "rfm", "decile", "value" or "lifecycle" */
    const char *input;
    const char *map;
    const char *as_of;
    const char *bins;
    const char *binning;
    const char *segments;
    const char *metric;
    const char *thresholds;
    const char *tiers;
    const char *mode;
    const char *new_days;
    const char *active_days;
    const char *at_risk_days;
    const char *dormant_days;
    const char *gap_multipliers;
    const char *delimiter;
    const char *output;
    const char *format_text;
    const char *decimals_text;
    const char *threads_text;
    /* prior */
    const char *rules;
    const char *group_by;
    const char *max_groups;
    const char *default_segment;
    const char *attr_last;
    const char *attrs[MAX_ATTRS]; /* --attr, repeatable */
    int nattrs;
    const char *customers;
    const char *customers_map;
    const char *events;
    const char *events_map;
    int rfm_scores;
    int no_header;
    int drop_returns;
    int format;
    int decimals;
    int64_t threads;
};

/* Options that take a value, stored as text at offset in struct cli. */
struct valopt {
    const char *name;
    size_t offset;
};

static const struct valopt VALOPTS[] = {
    {"input", offsetof(struct cli, input)},
    {"map", offsetof(struct cli, map)},
    {"as-of", offsetof(struct cli, as_of)},
    {"bins", offsetof(struct cli, bins)},
    {"binning", offsetof(struct cli, binning)},
    {"segments", offsetof(struct cli, segments)},
    {"metric", offsetof(struct cli, metric)},
    {"thresholds", offsetof(struct cli, thresholds)},
    {"tiers", offsetof(struct cli, tiers)},
    {"mode", offsetof(struct cli, mode)},
    {"new-days", offsetof(struct cli, new_days)},
    {"active-days", offsetof(struct cli, active_days)},
    {"at-risk-days", offsetof(struct cli, at_risk_days)},
    {"dormant-days", offsetof(struct cli, dormant_days)},
    {"gap-multipliers", offsetof(struct cli, gap_multipliers)},
    {"delimiter", offsetof(struct cli, delimiter)},
    {"output", offsetof(struct cli, output)},
    {"format", offsetof(struct cli, format_text)},
    {"decimals", offsetof(struct cli, decimals_text)},
    {"threads", offsetof(struct cli, threads_text)},
    {"rules", offsetof(struct cli, rules)},
    {"group-by", offsetof(struct cli, group_by)},
    {"max-groups", offsetof(struct cli, max_groups)},
    {"default-segment", offsetof(struct cli, default_segment)},
    {"attr", offsetof(struct cli, attr_last)},
    {"customers", offsetof(struct cli, customers)},
    {"customers-map", offsetof(struct cli, customers_map)},
    {"events", offsetof(struct cli, events)},
    {"events-map", offsetof(struct cli, events_map)},
};

static const char USAGE[] =
    "usage: custseg rfm|decile|value|lifecycle|prior --input FILE\n"
    "               --map ROLE=COL[,ROLE=COL...]\n"
    "               [--as-of DATE] [--bins N] [--binning ntile|quantile]\n"
    "               [--segments FILE] [--metric monetary|frequency|aov]\n"
    "               [--thresholds LIST] [--tiers LIST] [--mode fixed|gap]\n"
    "               [--new-days N] [--active-days N] [--at-risk-days N]\n"
    "               [--dormant-days N] [--gap-multipliers LIST]\n"
    "               [--format table|csv|json] [--output FILE]\n"
    "               [--delimiter C] [--no-header] [--drop-returns]\n"
    "               [--decimals N] [--threads N]\n"
    "               [--rules FILE | --group-by ATTR [--max-groups N]]\n"
    "               [--default-segment NAME] [--attr NAME=COL]...\n"
    "               [--customers FILE --customers-map id=COL,NAME=COL...]\n"
    "               [--events FILE --events-map customer=COL,name=COL,\n"
    "                time=COL[,value=COL]] [--rfm]\n"
    "       custseg --help | --version\n"
    "\n"
    "Segment the customers of a CSV file of transactions (or of\n"
    "pre-aggregated customers) and print the result.\n"
    "\n"
    "  rfm               recency, frequency, monetary scores and segments\n"
    "  decile            customers ranked by value in ten equal groups\n"
    "  value             tiers by cumulative share of value (Pareto/ABC)\n"
    "  lifecycle         prospect, new, active, at risk, dormant, lost\n"
    "  prior             rules over attributes and behaviour, first match\n"
    "                    wins (custseg-rules(7)), or one segment per value\n"
    "                    of an attribute\n"
    "  --input FILE      CSV input; - reads standard input\n"
    "  --map ROLES       roles to columns: customer, order, time, amount\n"
    "                    (or quantity and price), category; or customer,\n"
    "                    recency, frequency, monetary for pre-aggregated\n"
    "                    input. Without order every row is one order.\n"
    "  --as-of DATE      reference date (default: the day after the last\n"
    "                    transaction; unused for pre-aggregated input)\n"
    "  --bins N          rfm score bins, 2..10 (default 5)\n"
    "  --binning MODE    rfm: ntile (SQL NTILE, default) or quantile (R rfm)\n"
    "  --segments FILE   rfm segment map CSV:\n"
    "                    segment,r_min,r_max,f_min,f_max,m_min,m_max\n"
    "  --metric NAME     decile, value: monetary (default), frequency or\n"
    "                    aov; value also attr:NAME, a number attribute\n"
    "                    (see --attr and --customers)\n"
    "  --thresholds LIST value: cut points on the cumulative share of\n"
    "                    value, increasing, in (0, 1] (default 0.8,0.95)\n"
    "  --tiers LIST      value: tier names, one more than the cut points\n"
    "                    (default A,B,C...)\n"
    "  --mode MODE       lifecycle: fixed (default) day limits, or gap:\n"
    "                    limits in multiples of the customer's median gap\n"
    "  --new-days N      lifecycle: new when the first purchase is at most\n"
    "                    N days before the as-of date (default 30)\n"
    "  --active-days N   lifecycle: recency limits of active (default 90),\n"
    "  --at-risk-days N  at risk (180) and dormant (365); beyond is lost\n"
    "  --dormant-days N\n"
    "  --gap-multipliers LIST  lifecycle gap mode: the three limits as\n"
    "                    multiples of the median gap (default 1,2,4)\n"
    "  --format FMT      table (default), csv or json\n"
    "  --output FILE     write there instead of standard output\n"
    "  --delimiter C     one byte, tab, or whitespace (CDNOW files)\n"
    "  --no-header       no header line; map columns by 1-based position\n"
    "  --drop-returns    skip rows with a negative amount\n"
    "  --decimals N      money decimals, 0..4 (default 2)\n"
    "  --threads N       threads to use (default: all cores)\n";

/* Split from USAGE: ISO C guarantees string literals of 4095 bytes. */
static const char USAGE_MORE[] =
    "  --rules FILE      prior: \"segment: expression\" lines\n"
    "  --group-by ATTR   prior: a segment per value of an attribute;\n"
    "  --max-groups N    at most N, the smallest folded into \"Other\"\n"
    "  --default-segment NAME  prior: for customers no rule matches\n"
    "                    (default Other)\n"
    "  --attr NAME=COL   prior: column COL of the input as attribute NAME\n"
    "                    (each customer's most recent value); repeatable\n"
    "  --customers FILE  prior: a CSV of customer attributes, mapped by\n"
    "  --customers-map M id=COL,NAME=COL,...\n"
    "  --events FILE     prior: a CSV of events, mapped by --events-map\n"
    "  --events-map M    customer=COL,name=COL,time=COL[,value=COL]\n"
    "  --rfm             prior: compute RFM scores for r_score, f_score,\n"
    "                    m_score and rfm_segment\n"
    "\n"
    "Options may also be written --option=value. Exit status: 0 ok,\n"
    "1 data or runtime error, 2 usage error. See custseg(1).\n";

/* ------------------------------------------------------------------ */
/* Messages                                                           */
/* ------------------------------------------------------------------ */

static int usage_error(const char *what, const char *detail)
{
    fprintf(stderr, "custseg: %s%s%s\n", what, detail ? ": " : "",
            detail ? detail : "");
    fputs("Try 'custseg --help' for more information.\n", stderr);
    return ST_USAGE;
}

/* The library's message when it left one, else the status text, so an
 * error line is never empty. */
static const char *lib_message(const char *msg, int status)
{
    return (msg && *msg) ? msg : custseg_strerror(status);
}

/* "custseg: FILE: MESSAGE"; library messages often start with the file
 * name already, and it is not repeated then. */
static void report_error(const char *file, const char *msg, int status)
{
    size_t n = strlen(file);

    msg = lib_message(msg, status);
    if (strncmp(msg, file, n) == 0 && msg[n] == ':')
        fprintf(stderr, "custseg: %s\n", msg);
    else
        fprintf(stderr, "custseg: %s: %s\n", file, msg);
}

/* ------------------------------------------------------------------ */
/* Argument parsing                                                   */
/* ------------------------------------------------------------------ */

static const struct valopt *find_valopt(const char *name, size_t len)
{
    size_t i;

    for (i = 0; i < sizeof VALOPTS / sizeof VALOPTS[0]; i++)
        if (strlen(VALOPTS[i].name) == len &&
            memcmp(VALOPTS[i].name, name, len) == 0)
            return &VALOPTS[i];
    return NULL;
}

/* Flags take no value; "--flag=x" is refused rather than ignored. name
 * is the option with its dashes, as the user wrote it. */
static int parse_flag(struct cli *c, const char *name, int has_value)
{
    int *flag = NULL;

    if (strcmp(name, "--help") == 0 && !has_value) {
        fputs(USAGE, stdout);
        fputs(USAGE_MORE, stdout);
        return ST_EXIT0;
    }
    if (strcmp(name, "--version") == 0 && !has_value) {
        printf("custseg %s\n", custseg_version_string());
        return ST_EXIT0;
    }
    if (strcmp(name, "--no-header") == 0)
        flag = &c->no_header;
    else if (strcmp(name, "--drop-returns") == 0)
        flag = &c->drop_returns;
    else if (strcmp(name, "--rfm") == 0)
        flag = &c->rfm_scores;
    if (!flag)
        return usage_error("unknown option", name);
    if (has_value)
        return usage_error("option takes no value", name);
    *flag = 1;
    return ST_OK;
}

/* Parse argv[*i], a "--name[=value]" option; may consume argv[*i + 1]. */
static int parse_option(struct cli *c, int argc, char **argv, int *i)
{
    const char *name = argv[*i] + 2;
    const char *eq = strchr(name, '=');
    size_t len = eq ? (size_t)(eq - name) : strlen(name);
    const struct valopt *opt = find_valopt(name, len);
    const char *value;

    if (!opt) {
        char flag[32];

        if (len + 2 >= sizeof flag)
            return usage_error("unknown option", argv[*i]);
        memcpy(flag, argv[*i], len + 2);
        flag[len + 2] = '\0';
        return parse_flag(c, flag, eq != NULL);
    }
    if (eq) {
        value = eq + 1;
    } else {
        if (*i + 1 >= argc)
            return usage_error("option needs a value", argv[*i]);
        value = argv[++*i];
    }
    *(const char **)(void *)((char *)c + opt->offset) = value;
    if (opt->offset == offsetof(struct cli, attr_last)) {
        if (c->nattrs == MAX_ATTRS)
            return usage_error("too many --attr options", value);
        c->attrs[c->nattrs++] = value;
    }
    return ST_OK;
}

static int parse_args(struct cli *c, int argc, char **argv)
{
    int i;
    int st;

    for (i = 1; i < argc; i++) {
        const char *a = argv[i];

        if (strcmp(a, "-h") == 0)
            return parse_flag(c, "--help", 0);
        if (a[0] == '-' && a[1] == '-' && a[2] != '\0') {
            st = parse_option(c, argc, argv, &i);
            if (st != ST_OK)
                return st;
        } else if (a[0] == '-' && a[1] != '\0') {
            return usage_error("unknown option", a);
        } else if (c->command) {
            return usage_error("unexpected argument", a);
        } else {
            c->command = a;
        }
    }
    return ST_OK;
}

/* Strict decimal integer: the whole text, in [lo, hi]. */
static int parse_int(int64_t *out, const char *text, int64_t lo, int64_t hi)
{
    char *end;
    long long v;

    errno = 0;
    v = strtoll(text, &end, 10);
    if (errno || end == text || *end != '\0' || v < lo || v > hi)
        return -1;
    *out = (int64_t)v;
    return 0;
}

static int default_threads(void)
{
    long n = 1;

#ifdef _SC_NPROCESSORS_ONLN
    n = sysconf(_SC_NPROCESSORS_ONLN);
#endif
    if (n < 1)
        return 1;
    return n > MAX_THREADS ? MAX_THREADS : (int)n;
}

static int check_format(struct cli *c)
{
    static const char *const names[] = {"csv", "json", "table"};
    static const int codes[] = {CUSTSEG_FORMAT_CSV, CUSTSEG_FORMAT_JSON,
                                CUSTSEG_FORMAT_TABLE};
    size_t i;

    c->format = CUSTSEG_FORMAT_TABLE;
    if (!c->format_text)
        return ST_OK;
    for (i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(c->format_text, names[i]) == 0) {
            c->format = codes[i];
            return ST_OK;
        }
    return usage_error("--format must be table, csv or json",
                       c->format_text);
}

/* Commands are strategy names; only these are offered by the tool. */
static int known_command(const char *name)
{
    static const char *const names[] = {"rfm", "decile", "value",
                                        "lifecycle", "prior"};
    size_t i;

    for (i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(name, names[i]) == 0)
            return 1;
    return 0;
}

/* prior needs rules or a group; files come with their maps. */
static int check_prior_args(const struct cli *c)
{
    if (strcmp(c->command, "prior") == 0 && !c->rules && !c->group_by)
        return usage_error("prior needs --rules FILE or --group-by ATTR",
                           NULL);
    if (!c->customers != !c->customers_map)
        return usage_error("--customers and --customers-map go together",
                           NULL);
    if (!c->events != !c->events_map)
        return usage_error("--events and --events-map go together", NULL);
    return ST_OK;
}

/* Turn the text options into numbers and check what is required. The
 * library re-checks option values; these checks exist to give usage
 * errors before a large input is read. */
static int check_args(struct cli *c)
{
    int64_t v;
    int st;

    if (!c->command)
        return usage_error("missing command (rfm, decile, value, "
                           "lifecycle or prior)", NULL);
    if (!known_command(c->command))
        return usage_error("unknown command", c->command);
    if (!c->input)
        return usage_error("missing --input", NULL);
    if (!c->map)
        return usage_error("missing --map", NULL);
    if ((st = check_prior_args(c)) != ST_OK)
        return st;
    c->decimals = 2;
    if (c->decimals_text) {
        if (parse_int(&v, c->decimals_text, 0, 4) != 0)
            return usage_error("--decimals must be 0..4", c->decimals_text);
        c->decimals = (int)v;
    }
    c->threads = default_threads();
    if (c->threads_text &&
        parse_int(&c->threads, c->threads_text, 1, MAX_THREADS) != 0)
        return usage_error("--threads must be 1..256", c->threads_text);
    return check_format(c);
}

/* ------------------------------------------------------------------ */
/* Progress bar (only on a terminal, so logs and pipes stay clean)    */
/* ------------------------------------------------------------------ */

struct progress {
    const char *label;
    int shown; /* last percentage drawn, -1 before the first */
};

static int draw_progress(double fraction, void *payload)
{
    struct progress *p = payload;
    int pct = (int)(fraction * 100.0 + 0.5);
    char bar[41];
    int fill;

    if (pct < 0)
        pct = 0;
    if (pct > 100)
        pct = 100;
    if (pct == p->shown)
        return 0;
    p->shown = pct;
    fill = pct * 40 / 100;
    memset(bar, '#', (size_t)fill);
    memset(bar + fill, '.', (size_t)(40 - fill));
    bar[40] = '\0';
    fprintf(stderr, "\r%-8s [%s] %3d%%", p->label, bar, pct);
    fflush(stderr);
    return 0;
}

/* Erase the bar so that messages that follow start on a clean line. */
static void end_progress(struct progress *p)
{
    if (p->shown >= 0)
        fprintf(stderr, "\r%60s\r", "");
    p->shown = -1;
}

/* ------------------------------------------------------------------ */
/* Strategy                                                           */
/* ------------------------------------------------------------------ */

static int option_error(const char *option, const custseg_strategy *s,
                        int status)
{
    return usage_error(option,
                       lib_message(custseg_strategy_errmsg(s), status));
}

/* Options handed to the strategy as given: the command-line flag, the
 * strategy's option name, and where struct cli keeps the value. A strategy
 * without the option refuses it, which becomes a usage error. */
struct passopt {
    const char *flag;
    const char *name;
    size_t offset;
};

static const struct passopt TEXT_OPTS[] = {
    {"--as-of", "as_of", offsetof(struct cli, as_of)},
    {"--binning", "binning", offsetof(struct cli, binning)},
    {"--metric", "metric", offsetof(struct cli, metric)},
    {"--thresholds", "thresholds", offsetof(struct cli, thresholds)},
    {"--tiers", "tiers", offsetof(struct cli, tiers)},
    {"--mode", "mode", offsetof(struct cli, mode)},
    {"--gap-multipliers", "gap_multipliers",
     offsetof(struct cli, gap_multipliers)},
    {"--group-by", "group_by", offsetof(struct cli, group_by)},
    {"--default-segment", "default_segment",
     offsetof(struct cli, default_segment)},
};

static const struct passopt DAY_OPTS[] = {
    {"--new-days", "new_days", offsetof(struct cli, new_days)},
    {"--active-days", "active_days", offsetof(struct cli, active_days)},
    {"--at-risk-days", "at_risk_days", offsetof(struct cli, at_risk_days)},
    {"--dormant-days", "dormant_days", offsetof(struct cli, dormant_days)},
    {"--max-groups", "max_groups", offsetof(struct cli, max_groups)},
};

static const char *pass_value(const struct cli *c, const struct passopt *o)
{
    return *(const char *const *)(const void *)((const char *)c +
                                                o->offset);
}

static int set_text_options(custseg_strategy *s, const struct cli *c)
{
    size_t i;
    int st;

    for (i = 0; i < sizeof TEXT_OPTS / sizeof TEXT_OPTS[0]; i++) {
        const char *v = pass_value(c, &TEXT_OPTS[i]);
        if (v && (st = custseg_strategy_set_string(s, TEXT_OPTS[i].name,
                                                   v)) != CUSTSEG_OK)
            return option_error(TEXT_OPTS[i].flag, s, st);
    }
    return ST_OK;
}

/* Day counts: any integer here; the strategy checks the range. */
static int set_day_options(custseg_strategy *s, const struct cli *c)
{
    char what[64];
    int64_t v;
    size_t i;
    int st;

    for (i = 0; i < sizeof DAY_OPTS / sizeof DAY_OPTS[0]; i++) {
        const char *text = pass_value(c, &DAY_OPTS[i]);
        if (!text)
            continue;
        if (parse_int(&v, text, INT64_MIN, INT64_MAX) != 0) {
            snprintf(what, sizeof what, "%s must be an integer",
                     DAY_OPTS[i].flag);
            return usage_error(what, text);
        }
        st = custseg_strategy_set_int(s, DAY_OPTS[i].name, v);
        if (st != CUSTSEG_OK)
            return option_error(DAY_OPTS[i].flag, s, st);
    }
    return ST_OK;
}

static int set_int_options(custseg_strategy *s, const struct cli *c)
{
    int64_t bins;
    int st;

    st = custseg_strategy_set_int(s, "threads", c->threads);
    if (st != CUSTSEG_OK)
        return option_error("--threads", s, st);
    if (!c->bins)
        return ST_OK;
    if (parse_int(&bins, c->bins, INT32_MIN, INT32_MAX) != 0)
        return usage_error("--bins must be an integer", c->bins);
    st = custseg_strategy_set_int(s, "bins", bins);
    return st == CUSTSEG_OK ? ST_OK : option_error("--bins", s, st);
}

/* A segment map that cannot be read is bad data (1); asking for one with
 * a strategy that has no segment map is a usage error (2). */
static int load_segments(custseg_strategy *s, const struct cli *c)
{
    int st;

    if (!c->segments)
        return ST_OK;
    st = custseg_strategy_load_segments(s, c->segments);
    if (st == CUSTSEG_OK)
        return ST_OK;
    if (st == CUSTSEG_EMISUSE)
        return option_error("--segments", s, st);
    report_error(c->segments, custseg_strategy_errmsg(s), st);
    return ST_DATA;
}

/* prior's rules file: bad rules are bad data (1). */
static int load_rules(custseg_strategy *s, const struct cli *c)
{
    int st;

    if (!c->rules)
        return ST_OK;
    st = custseg_strategy_load_rules(s, c->rules);
    if (st == CUSTSEG_OK)
        return ST_OK;
    if (st == CUSTSEG_EMISUSE)
        return option_error("--rules", s, st);
    report_error(c->rules, custseg_strategy_errmsg(s), st);
    return ST_DATA;
}

/* The strategy is built before the input is read, so that a bad option
 * fails at once rather than after loading a large file. */
static int make_strategy(custseg_strategy **out, const struct cli *c)
{
    int st = custseg_strategy_new(out, c->command);

    if (st != CUSTSEG_OK) {
        if (st == CUSTSEG_ENOTFOUND)
            return usage_error("unknown command", c->command);
        report_error(c->command, NULL, st);
        return ST_DATA;
    }
    st = set_int_options(*out, c);
    if (st == ST_OK)
        st = set_day_options(*out, c);
    if (st == ST_OK)
        st = set_text_options(*out, c);
    if (st == ST_OK)
        st = load_segments(*out, c);
    if (st == ST_OK)
        st = load_rules(*out, c);
    return st;
}

/* ------------------------------------------------------------------ */
/* Dataset: options and column map                                    */
/* ------------------------------------------------------------------ */

static const char *const ROLES[] = {
    "customer", "order", "time", "amount", "quantity", "price",
    "category", "recency", "frequency", "monetary",
};
enum {
    R_CUSTOMER = 1 << 0, R_TIME = 1 << 2, R_AMOUNT = 1 << 3,
    R_QUANTITY = 1 << 4, R_PRICE = 1 << 5,
    R_SUMMARY = (1 << 7) | (1 << 8) | (1 << 9)
};

static unsigned role_bit(const char *role)
{
    size_t i;

    for (i = 0; i < sizeof ROLES / sizeof ROLES[0]; i++)
        if (strcmp(ROLES[i], role) == 0)
            return 1u << i;
    return 0;
}

static int map_one(custseg_dataset *ds, char *pair, unsigned *roles)
{
    char *eq = strchr(pair, '=');
    int st;

    if (!eq || eq == pair || eq[1] == '\0')
        return usage_error("--map entries are ROLE=COLUMN", pair);
    *eq = '\0';
    st = custseg_dataset_map_column(ds, pair, eq + 1);
    if (st == CUSTSEG_ENOTFOUND)
        return usage_error("--map: unknown role", pair);
    if (st != CUSTSEG_OK)
        return usage_error("--map",
                           lib_message(custseg_dataset_errmsg(ds), st));
    *roles |= role_bit(pair);
    return ST_OK;
}

/* Say what is missing here, in the words of the --map option, rather than
 * let the loader fail on an incomplete map. */
static int check_roles(unsigned roles)
{
    if (!(roles & R_CUSTOMER))
        return usage_error("--map needs customer=COLUMN", NULL);
    if (roles & R_SUMMARY) {
        if ((roles & R_SUMMARY) != R_SUMMARY)
            return usage_error("--map needs recency, frequency and "
                               "monetary together", NULL);
        return ST_OK;
    }
    if (!(roles & R_TIME))
        return usage_error("--map needs time=COLUMN", NULL);
    if (!(roles & R_AMOUNT) &&
        (roles & (R_QUANTITY | R_PRICE)) != (R_QUANTITY | R_PRICE))
        return usage_error("--map needs amount=COLUMN or quantity=COLUMN"
                           " and price=COLUMN", NULL);
    return ST_OK;
}

static int apply_map(custseg_dataset *ds, const char *map)
{
    char *copy = strdup(map);
    char *pair;
    char *save = NULL;
    unsigned roles = 0;
    int st = ST_OK;

    if (!copy) {
        report_error("--map", NULL, CUSTSEG_ENOMEM);
        return ST_DATA;
    }
    for (pair = strtok_r(copy, ",", &save); pair && st == ST_OK;
         pair = strtok_r(NULL, ",", &save))
        st = map_one(ds, pair, &roles);
    free(copy);
    return st == ST_OK ? check_roles(roles) : st;
}

/* "tab" and a typed backslash-t are accepted because a literal tab is
 * awkward to pass through a shell. */
static const char *delimiter_value(const char *text)
{
    if (strcmp(text, "tab") == 0 || strcmp(text, "\\t") == 0)
        return "\t";
    return text;
}

static int ds_option_error(const char *option, const custseg_dataset *ds,
                           int status)
{
    return usage_error(option,
                       lib_message(custseg_dataset_errmsg(ds), status));
}

/* --attr NAME=COL: the "attr:NAME" role of the input's map. */
static int map_attrs(custseg_dataset *ds, const struct cli *c)
{
    char role[256];
    const char *eq;
    int i, st;

    for (i = 0; i < c->nattrs; i++) {
        eq = strchr(c->attrs[i], '=');
        if (!eq || eq == c->attrs[i] || eq[1] == '\0' ||
            (size_t)(eq - c->attrs[i]) + 6 > sizeof role)
            return usage_error("--attr takes NAME=COLUMN", c->attrs[i]);
        snprintf(role, sizeof role, "attr:%.*s",
                 (int)(eq - c->attrs[i]), c->attrs[i]);
        st = custseg_dataset_map_column(ds, role, eq + 1);
        if (st != CUSTSEG_OK)
            return ds_option_error("--attr", ds, st);
    }
    return ST_OK;
}

static int set_dataset_options(custseg_dataset *ds, const struct cli *c)
{
    int st = custseg_dataset_set_int(ds, "threads", c->threads);

    if (st != CUSTSEG_OK)
        return ds_option_error("--threads", ds, st);
    if (c->no_header &&
        (st = custseg_dataset_set_int(ds, "header", 0)) != 0)
        return ds_option_error("--no-header", ds, st);
    if (c->drop_returns &&
        (st = custseg_dataset_set_int(ds, "drop_returns", 1)) != 0)
        return ds_option_error("--drop-returns", ds, st);
    if (c->delimiter &&
        (st = custseg_dataset_set_string(ds, "delimiter",
                                         delimiter_value(c->delimiter))) != 0)
        return ds_option_error("--delimiter", ds, st);
    st = apply_map(ds, c->map);
    return st == ST_OK ? map_attrs(ds, c) : st;
}

/* ------------------------------------------------------------------ */
/* Loading                                                            */
/* ------------------------------------------------------------------ */

/* Standard input cannot be mapped or re-read, so it is read whole. */
static int read_stream(char **out, size_t *out_len, FILE *f)
{
    size_t cap = 1 << 16;
    size_t len = 0;
    char *buf = malloc(cap);

    while (buf) {
        len += fread(buf + len, 1, cap - len, f);
        if (len < cap)
            break;
        if (cap > SIZE_MAX / 2) {
            free(buf);
            buf = NULL;
            errno = ENOMEM;
        } else {
            char *bigger = realloc(buf, cap *= 2);

            if (!bigger)
                free(buf);
            buf = bigger;
        }
    }
    if (buf && ferror(f)) {
        free(buf);
        buf = NULL;
    }
    *out = buf;
    *out_len = len;
    return buf ? 0 : -1;
}

static int load_stdin(custseg_dataset *ds)
{
    char *data;
    size_t len;
    int st;

    if (read_stream(&data, &len, stdin) != 0) {
        fprintf(stderr, "custseg: %s: %s\n", STDIN_NAME, strerror(errno));
        return CUSTSEG_EIO;
    }
    st = custseg_dataset_load_csv_buffer(ds, data, len, STDIN_NAME);
    free(data);
    return st;
}

/* Up to five line numbers per reason, so a user can find the bad rows. */
static void print_reject_lines(const custseg_dataset *ds, int reason,
                               int64_t count)
{
    int k;
    int64_t line;

    for (k = 0; k < 5; k++) {
        line = custseg_dataset_reject_line(ds, reason, k);
        if (line < 0)
            break;
        if (k == 0)
            fputs(count > 1 ? " (lines " : " (line ", stderr);
        fprintf(stderr, "%s%lld", k ? ", " : "", (long long)line);
    }
    if (k > 0)
        fputs(count > k ? ", ...)" : ")", stderr);
    fputc('\n', stderr);
}

/* The load report is always printed: rejected rows never change the exit
 * status, so this is where a user learns about them. */
static void print_report(const custseg_dataset *ds, const char *name)
{
    int reason;

    fprintf(stderr, "custseg: %s: %lld rows read, %lld accepted\n", name,
            (long long)custseg_dataset_rows_read(ds),
            (long long)custseg_dataset_rows_accepted(ds));
    for (reason = 0; reason < CUSTSEG_REJECT_REASON_COUNT; reason++) {
        int64_t n = custseg_dataset_rows_rejected(ds, reason);

        if (n <= 0)
            continue;
        fprintf(stderr, "custseg: %s: %lld rejected: %s", name,
                (long long)n, custseg_reject_reason_name(reason));
        print_reject_lines(ds, reason, n);
    }
}

static const char *input_name(const struct cli *c)
{
    return strcmp(c->input, "-") == 0 ? STDIN_NAME : c->input;
}

/* --customers and --events files, after the transactions. */
static int load_more(custseg_dataset *ds, const struct cli *c)
{
    int st = CUSTSEG_OK;
    const char *file = c->customers;

    if (c->customers) {
        st = custseg_dataset_load_customers_csv(ds, c->customers,
                                                c->customers_map);
        print_report(ds, c->customers);
    }
    if (st == CUSTSEG_OK && c->events) {
        file = c->events;
        st = custseg_dataset_load_events_csv(ds, c->events, c->events_map);
        print_report(ds, c->events);
    }
    if (st == CUSTSEG_OK)
        return ST_OK;
    report_error(file, custseg_dataset_errmsg(ds), st);
    return st == CUSTSEG_EINVAL ? ST_USAGE : ST_DATA;
}

static int load_input(custseg_dataset **out, const struct cli *c)
{
    struct progress bar = {"loading", -1};
    custseg_dataset *ds;
    int st = custseg_dataset_new(out);

    if (st != CUSTSEG_OK) {
        report_error(input_name(c), NULL, st);
        return ST_DATA;
    }
    ds = *out;
    if ((st = set_dataset_options(ds, c)) != ST_OK)
        return st;
    if (isatty(STDERR_FILENO))
        custseg_dataset_set_progress(ds, draw_progress, &bar);
    if (strcmp(c->input, "-") == 0)
        st = load_stdin(ds);
    else
        st = custseg_dataset_load_csv(ds, c->input);
    end_progress(&bar);
    custseg_dataset_set_progress(ds, NULL, NULL);
    print_report(ds, input_name(c));
    if (st == CUSTSEG_OK)
        return load_more(ds, c);
    report_error(input_name(c), custseg_dataset_errmsg(ds), st);
    /* EINVAL from the loader means the column map does not fit. */
    return st == CUSTSEG_EINVAL ? ST_USAGE : ST_DATA;
}

/* ------------------------------------------------------------------ */
/* Running and writing                                                */
/* ------------------------------------------------------------------ */

/* --rfm: RFM scores with the default options, for prior's rules. */
static int give_rfm(custseg_strategy *s, custseg_dataset *ds,
                    const struct cli *c)
{
    custseg_strategy *rfm = NULL;
    custseg_result *r = NULL;
    int st = custseg_strategy_new(&rfm, "rfm");

    if (st == CUSTSEG_OK)
        st = custseg_strategy_set_int(rfm, "threads", c->threads);
    if (st == CUSTSEG_OK)
        st = custseg_run(&r, rfm, ds);
    if (st == CUSTSEG_OK)
        st = custseg_strategy_set_rfm(s, r);
    if (st != CUSTSEG_OK)
        report_error("--rfm", rfm && !r ? custseg_strategy_errmsg(rfm)
                                        : custseg_strategy_errmsg(s), st);
    custseg_result_free(r);
    custseg_strategy_free(rfm);
    return st == CUSTSEG_OK ? ST_OK
                            : st == CUSTSEG_EMISUSE ? ST_USAGE : ST_DATA;
}

static int run_job(custseg_result **out, custseg_strategy *s,
                   custseg_dataset *ds, const struct cli *c)
{
    struct progress bar = {c->command, -1};
    int st;

    if (c->rfm_scores && (st = give_rfm(s, ds, c)) != ST_OK)
        return st;
    if (isatty(STDERR_FILENO))
        custseg_strategy_set_progress(s, draw_progress, &bar);
    st = custseg_run(out, s, ds);
    end_progress(&bar);
    custseg_strategy_set_progress(s, NULL, NULL);
    if (st == CUSTSEG_OK)
        return ST_OK;
    report_error(input_name(c), custseg_strategy_errmsg(s), st);
    return ST_DATA;
}

static int write_stdout(const char *data, size_t len, void *payload)
{
    (void)payload;
    return fwrite(data, 1, len, stdout) == len ? 0 : 1;
}

static int write_output(const custseg_result *r, const struct cli *c)
{
    int st;

    if (c->output && strcmp(c->output, "-") != 0) {
        st = custseg_result_write_file(r, c->format, c->decimals,
                                       c->output);
        if (st == CUSTSEG_OK)
            return ST_OK;
        report_error(c->output, custseg_result_errmsg(r), st);
        return ST_DATA;
    }
    st = custseg_result_write(r, c->format, c->decimals, write_stdout,
                              NULL);
    if (fflush(stdout) != 0 && st == CUSTSEG_OK)
        st = CUSTSEG_ECALLBACK;
    if (st == CUSTSEG_OK)
        return ST_OK;
    if (st == CUSTSEG_ECALLBACK)
        fprintf(stderr, "custseg: <stdout>: %s\n", strerror(errno));
    else
        report_error("<stdout>", custseg_result_errmsg(r), st);
    return ST_DATA;
}

static int run_command(const struct cli *c)
{
    custseg_strategy *s = NULL;
    custseg_dataset *ds = NULL;
    custseg_result *r = NULL;
    int st = make_strategy(&s, c);

    if (st == ST_OK)
        st = load_input(&ds, c);
    if (st == ST_OK)
        st = run_job(&r, s, ds, c);
    if (st == ST_OK)
        st = write_output(r, c);
    custseg_result_free(r);
    custseg_dataset_free(ds);
    custseg_strategy_free(s);
    return st;
}

int main(int argc, char **argv)
{
    struct cli c;
    int st;

    memset(&c, 0, sizeof c);
    if (argc < 2) {
        fputs(USAGE, stderr);
        fputs(USAGE_MORE, stderr);
        return ST_USAGE;
    }
    st = parse_args(&c, argc, argv);
    if (st == ST_OK)
        st = check_args(&c);
    if (st == ST_OK)
        st = run_command(&c);
    return st == ST_EXIT0 ? 0 : st;
}
