/*
 * rules.h - private: the rule language of the "prior" strategy
 * (custseg-rules(7)).
 *
 *   rules_lex.c      tokens, with line and column
 *   rules_parse.c    tokens -> syntax tree (custseg__rnode), rule files
 *   rules_compile.c  syntax tree + dataset -> typed program (custseg__cnode)
 *   rules_window.c   windowed transaction aggregates, one pass for all
 *   rules_eval.c     the program over blocks of customers
 *   prior.c          the strategy: options, API, segments, result
 *
 * Parsing happens when a rule is added, so syntax errors come at once.
 * Names and types depend on the dataset (its attributes and events), so
 * they are resolved when the strategy runs, before any customer is
 * evaluated: an unknown name or a type mismatch is an error then, never a
 * silent false. The compiled program is evaluated column-wise, a block
 * of customers at a time: every operator is a tight loop over the block,
 * and string conditions are decided once per distinct value.
 *
 * Missing values follow SQL: a comparison with a missing value is
 * unknown, and/or/not use three-valued logic, and a rule matches only
 * when it is true. Booleans are bytes F = 0, U = 1, T = 2, so that AND is
 * min, OR is max and NOT is 2 - x.
 */
#ifndef CUSTSEG_RULES_H
#define CUSTSEG_RULES_H

#include "attributes.h"

#define CUSTSEG__RULE_DEPTH 100   /* nesting limit of an expression */
#define CUSTSEG__RULE_BLOCK 1024  /* customers evaluated together */
#define CUSTSEG__MAX_RULES 100000u

enum { RB_F = 0, RB_U = 1, RB_T = 2 };

/* Value types. */
enum { RT_NUM = 1, RT_DATE, RT_STR, RT_BOOL };

/* ------------------------------------------------------------ syntax */

enum custseg__rop {
    RX_NUM, RX_STR, RX_DATE, RX_IDENT, RX_CALL,
    RX_NEG, RX_ADD, RX_SUB, RX_MUL, RX_DIV,
    RX_EQ, RX_NE, RX_LT, RX_LE, RX_GT, RX_GE,
    RX_IN, RX_NOTIN, RX_BETWEEN, RX_NOTBETWEEN,
    RX_STARTS, RX_ENDS, RX_CONTAINS, RX_ISNULL, RX_NOTNULL,
    RX_AND, RX_OR, RX_NOT
};

typedef struct custseg__rnode {
    int op;                       /* RX_* */
    int64_t line, col;            /* where its token starts */
    double num;                   /* RX_NUM value, RX_DATE day number */
    char *text;                   /* RX_STR value, RX_IDENT/RX_CALL name */
    size_t len;
    struct custseg__rnode **kid;  /* operands, arguments, list items */
    size_t nkid;
} custseg__rnode;

typedef struct custseg__rule {
    char *segment;
    char *source;                 /* file name, or NULL (add_rule) */
    custseg__rnode *expr;
} custseg__rule;

/* Where an expression starts, for error positions. */
typedef struct custseg__rsrc {
    const char *file;             /* NULL: custseg_strategy_add_rule */
    const char *segment;
    int64_t line, col;            /* of the expression's first byte */
} custseg__rsrc;

/* Parse text[0..len) into *out. Errors on e: EPARSE with line/column,
 * ENOMEM. */
int custseg__rule_parse(const char *text, size_t len,
                        const custseg__rsrc *src, custseg__err *e,
                        custseg__rnode **out);
void custseg__rnode_free(custseg__rnode *n);
/* Set e to "where: message" for a rule error at (line, col). */
int custseg__rule_error(custseg__err *e, int status,
                        const custseg__rsrc *src, int64_t line, int64_t col,
                        const char *fmt, ...) CUSTSEG__PRINTF(6, 7);

/* ------------------------------------------------------------ lexing */

enum custseg__tok {
    TK_END, TK_ERROR, TK_NUM, TK_STR, TK_DATE, TK_IDENT,
    TK_LP, TK_RP, TK_COMMA, TK_PLUS, TK_MINUS, TK_STAR, TK_SLASH,
    TK_EQ, TK_NE, TK_LT, TK_LE, TK_GT, TK_GE,
    TK_AND, TK_OR, TK_NOT, TK_IN, TK_BETWEEN, TK_IS, TK_NULL,
    TK_STARTS, TK_ENDS, TK_CONTAINS
};

typedef struct custseg__token {
    int kind;
    const char *p;                /* its text */
    size_t len;
    int64_t line, col;
    double num;                   /* TK_NUM, TK_DATE (day number) */
    const char *error;            /* TK_ERROR: what is wrong */
} custseg__token;

typedef struct custseg__lexer {
    const char *p, *end;
    int64_t line, col;
} custseg__lexer;

void custseg__lex_next(custseg__lexer *lx, custseg__token *t);
/* The value of a TK_STR token, unescaped, NUL-terminated (owned). */
char *custseg__lex_string(const custseg__token *t, size_t *len);
/* "'text'" or "end of rule", for messages. */
void custseg__tok_describe(const custseg__token *t, char *buf, size_t cap);

/* ------------------------------------------------------------ program */

typedef struct custseg__prior custseg__prior; /* prior.c */

/* A column of per-customer numbers computed before evaluation. */
typedef struct custseg__window {
    int kind;                     /* RW_* */
    int64_t days;                 /* window, or -1 for none */
    uint32_t event;               /* RW_ORDERS_AFTER: event name */
    double *out;                  /* by row */
} custseg__window;
enum { RW_ORDERS = 1, RW_REVENUE, RW_ORDERS_AFTER };

/* Compiled operators. CX_RECENCY .. CX_LAST name metrics: they appear in
 * trees only as the "metric" of a shared CX_METRIC leaf; CX_CUSTID
 * compiles to a CX_SCOL over the row's customer index. */
enum custseg__cop {
    /* numbers and dates, into doubles (NaN: missing) */
    CX_CONST, CX_COL, CX_RECENCY, CX_FREQUENCY, CX_MONETARY, CX_TENURE,
    CX_AOV, CX_FIRST, CX_LAST, CX_EVCOUNT, CX_EVSINCE,
    CX_NEG, CX_ADD, CX_SUB, CX_MUL, CX_DIV,
    /* per block, shared: a metric, a number attribute */
    CX_METRIC, CX_ACOL,
    /* strings, into indexes of stab (CUSTSEG__NONE: missing) */
    CX_SCOL, CX_CUSTID, CX_SLIT, CX_ASCOL,
    /* conditions, into RB_* bytes */
    CX_BCONST, CX_CMP, CX_IN, CX_STABLE, CX_SCMP, CX_ISNULL, CX_NOTNULL,
    CX_AND, CX_OR, CX_NOT
};

typedef struct custseg__cnode {
    int op;                       /* CX_* */
    int type;                     /* RT_* */
    int cmp;                      /* CX_CMP, CX_SCMP: RX_EQ .. RX_GE */
    int slot;                     /* its buffer in a frame */
    struct custseg__cnode *a, *b;
    double k;                     /* CX_CONST value, CX_BCONST RB_* */
    const char *text;             /* CX_SLIT (during compilation) */
    size_t len;
    int metric;                   /* CX_METRIC: CX_RECENCY .. CX_LAST */
    const custseg__attr *attr;    /* CX_ACOL, CX_ASCOL */
    const double *dcol;           /* CX_COL: numbers by row */
    const uint32_t *scol;         /* CX_SCOL: value indexes by row */
    const custseg__strtab *stab;  /* the strings value indexes point to */
    uint8_t *table;               /* per distinct string: RB_* */
    double *list;                 /* sorted IN list */
    size_t nlist;
    uint32_t event;
    int64_t lo, hi;               /* event time window */
} custseg__cnode;

/* What the program reads, fixed for one run. Programs work on result
 * rows (customers in byte order of id: row i is customer
 * row_customer[i]), so that segments are written in result order and
 * columns are read sequentially. */
typedef struct custseg__rctx {
    const custseg_dataset *ds;
    const custseg__metrics *m;    /* by customer */
    const uint32_t *row_customer; /* by row */
    size_t nrows;
    const int64_t *recency;       /* by row, from m */
    const int64_t *frequency;
    const int64_t *monetary;
    const double *money;          /* monetary in currency units, by row */
    int64_t as_of_day;
    bool summary;                 /* metrics are given, not computed */
    const double *rfm[3];         /* r, f, m scores by row, or NULL */
    const uint32_t *rfm_seg;      /* RFM segment by row */
    const custseg__strtab *rfm_names;
} custseg__rctx;

typedef struct custseg__program {
    custseg__cnode **rules;       /* one tree per rule */
    size_t nrules;
    custseg__cnode **nodes;       /* every node, for freeing */
    size_t nnodes, capnodes;
    custseg__window *win;
    size_t nwin, capwin;
    struct custseg__cnode *metric[CX_LAST + 1]; /* shared leaves */
    struct custseg__cnode **attrs; /* shared attribute leaves */
    size_t nattrs, capattrs;
    int nslots;
} custseg__program;

/* Compile rules[0..n) for ctx. Errors on e (EINVAL for names and types,
 * EMISUSE when the dataset lacks what a rule needs, ENOMEM). */
int custseg__program_compile(custseg__program *pg,
                             const custseg__rule *rules, size_t n,
                             const custseg__rctx *ctx, custseg__err *e);
void custseg__program_free(custseg__program *pg);
/* Fill every window column (rules_window.c). */
int custseg__program_windows(custseg__program *pg, const custseg__rctx *ctx);
/* seg[row] = rule_seg[first rule the row matches] or dflt, for all
 * rows, on up to threads threads (rules_eval.c). */
int custseg__program_run(const custseg__program *pg,
                         const custseg__rctx *ctx, const uint32_t *rule_seg,
                         uint32_t dflt, int threads, uint32_t *seg);

#endif /* CUSTSEG_RULES_H */
