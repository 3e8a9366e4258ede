/*
 * rules_parse.c - recursive descent from tokens to a syntax tree.
 *
 * Precedence, loosest first (custseg-rules(7)):
 *   or;  and;  not;  comparisons (= != < <= > >=, [not] in, [not] between,
 *   starts_with, ends_with, contains, is [not] null);  + -;  * /;  unary -.
 * Comparisons do not chain: "a < b < c" is an error, not a surprise.
 * The first error stops the parse; it names the rule, the line, the
 * column and what was expected there.
 */
#include "rules.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

typedef struct parser {
    custseg__lexer lx;
    custseg__token tok;
    const custseg__rsrc *src;
    custseg__err *e;
    int depth;
    int status;                   /* first error, or CUSTSEG_OK */
} parser;

int custseg__rule_error(custseg__err *e, int status,
                        const custseg__rsrc *src, int64_t line, int64_t col,
                        const char *fmt, ...)
{
    char msg[CUSTSEG__ERRMSG_MAX];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (src->file != NULL)
        return custseg__err_set_at(e, status, line, col, "%s:%" PRId64 ":%"
                                   PRId64 ": rule \"%s\": %s", src->file,
                                   line, col, src->segment, msg);
    return custseg__err_set_at(e, status, line, col, "rule \"%s\": line %"
                               PRId64 ", column %" PRId64 ": %s",
                               src->segment, line, col, msg);
}

void custseg__rnode_free(custseg__rnode *n)
{
    size_t i;

    if (n == NULL)
        return;
    for (i = 0; i < n->nkid; i++)
        custseg__rnode_free(n->kid[i]);
    custseg__free(n->kid);
    custseg__free(n->text);
    custseg__free(n);
}

static void next(parser *ps)
{
    custseg__lex_next(&ps->lx, &ps->tok);
}

static custseg__rnode *fail(parser *ps, const char *expected)
{
    const custseg__token *t = &ps->tok;
    char found[64];

    if (ps->status != CUSTSEG_OK)
        return NULL;
    if (t->kind == TK_ERROR) {
        ps->status = custseg__rule_error(ps->e, CUSTSEG_EPARSE, ps->src,
                                         t->line, t->col, "%s: %.*s",
                                         t->error, (int)(t->len < 40
                                         ? t->len : 40), t->p);
        return NULL;
    }
    custseg__tok_describe(t, found, sizeof found);
    ps->status = custseg__rule_error(ps->e, CUSTSEG_EPARSE, ps->src,
                                     t->line, t->col, "expected %s, found "
                                     "%s", expected, found);
    return NULL;
}

static custseg__rnode *nomem(parser *ps)
{
    if (ps->status == CUSTSEG_OK)
        ps->status = custseg__err_set(ps->e, CUSTSEG_ENOMEM,
                                      "out of memory");
    return NULL;
}

/* A node for op at token t with nkid children (taken even on failure). */
static custseg__rnode *node(parser *ps, int op, const custseg__token *t,
                            size_t nkid, custseg__rnode **kids)
{
    custseg__rnode *n = custseg__calloc(1, sizeof *n);
    size_t i;

    if (n != NULL && nkid > 0 &&
        (n->kid = custseg__malloc(nkid * sizeof *n->kid)) == NULL) {
        custseg__free(n);
        n = NULL;
    }
    if (n == NULL) {
        for (i = 0; i < nkid; i++)
            custseg__rnode_free(kids[i]);
        return nomem(ps);
    }
    n->op = op;
    n->line = t->line;
    n->col = t->col;
    n->nkid = nkid;
    for (i = 0; i < nkid; i++)
        n->kid[i] = kids[i];
    return n;
}

static custseg__rnode *binary(parser *ps, int op, const custseg__token *t,
                              custseg__rnode *l, custseg__rnode *r)
{
    custseg__rnode *k[2];

    k[0] = l;
    k[1] = r;
    if (l == NULL || r == NULL) {
        custseg__rnode_free(l);
        custseg__rnode_free(r);
        return NULL;
    }
    return node(ps, op, t, 2, k);
}

static custseg__rnode *parse_or(parser *ps);
static custseg__rnode *parse_sum(parser *ps);

static bool deeper(parser *ps)
{
    if (++ps->depth <= CUSTSEG__RULE_DEPTH)
        return true;
    if (ps->status == CUSTSEG_OK)
        ps->status = custseg__rule_error(ps->e, CUSTSEG_EPARSE, ps->src,
                                         ps->tok.line, ps->tok.col,
                                         "expression nested more than %d "
                                         "deep", CUSTSEG__RULE_DEPTH);
    return false;
}

static custseg__rnode *literal(parser *ps, int op)
{
    custseg__rnode *n = node(ps, op, &ps->tok, 0, NULL);

    if (n == NULL)
        return NULL;
    n->num = ps->tok.num;
    if (op == RX_STR && (n->text = custseg__lex_string(&ps->tok, &n->len))
                            == NULL) {
        custseg__rnode_free(n);
        return nomem(ps);
    }
    next(ps);
    return n;
}

/* Arguments of name( ... ), the '(' being the current token. */
static custseg__rnode *call(parser *ps, custseg__rnode *n)
{
    custseg__rnode *arg;
    size_t cap = 0;

    n->op = RX_CALL;
    next(ps);
    while (ps->tok.kind != TK_RP) {
        if (n->nkid > 0) {
            if (ps->tok.kind != TK_COMMA) {
                custseg__rnode_free(n);
                return fail(ps, "',' or ')' in the arguments");
            }
            next(ps);
        }
        if ((arg = parse_sum(ps)) == NULL ||
            custseg__grow((void **)&n->kid, &cap, n->nkid + 1,
                          sizeof *n->kid) != CUSTSEG_OK) {
            custseg__rnode_free(arg);
            custseg__rnode_free(n);
            return arg == NULL ? NULL : nomem(ps);
        }
        n->kid[n->nkid++] = arg;
    }
    next(ps);
    return n;
}

static custseg__rnode *name(parser *ps)
{
    custseg__rnode *n = node(ps, RX_IDENT, &ps->tok, 0, NULL);

    if (n == NULL)
        return NULL;
    if ((n->text = custseg__strndup(ps->tok.p, ps->tok.len)) == NULL) {
        custseg__rnode_free(n);
        return nomem(ps);
    }
    n->len = ps->tok.len;
    next(ps);
    return ps->tok.kind == TK_LP ? call(ps, n) : n;
}

static custseg__rnode *primary(parser *ps)
{
    custseg__rnode *n;

    switch (ps->tok.kind) {
    case TK_NUM:
        return literal(ps, RX_NUM);
    case TK_STR:
        return literal(ps, RX_STR);
    case TK_DATE:
        return literal(ps, RX_DATE);
    case TK_IDENT:
        return name(ps);
    case TK_LP:
        next(ps);
        if (!deeper(ps))
            return NULL;
        n = parse_or(ps);
        ps->depth--;
        if (n != NULL && ps->tok.kind != TK_RP) {
            custseg__rnode_free(n);
            return fail(ps, "')'");
        }
        if (n != NULL)
            next(ps);
        return n;
    default:
        return fail(ps, "a name, number, string, date or '('");
    }
}

static custseg__rnode *unary(parser *ps)
{
    custseg__token t = ps->tok;
    custseg__rnode *k;

    if (t.kind != TK_MINUS)
        return primary(ps);
    next(ps);
    if (!deeper(ps))
        return NULL;
    k = unary(ps);
    ps->depth--;
    if (k != NULL && k->op == RX_NUM) { /* a negative literal */
        k->num = -k->num;
        k->line = t.line;
        k->col = t.col;
        return k;
    }
    return k == NULL ? NULL : node(ps, RX_NEG, &t, 1, &k);
}

static custseg__rnode *product(parser *ps)
{
    custseg__rnode *l = unary(ps);

    while (l != NULL &&
           (ps->tok.kind == TK_STAR || ps->tok.kind == TK_SLASH)) {
        custseg__token t = ps->tok;
        next(ps);
        l = binary(ps, t.kind == TK_STAR ? RX_MUL : RX_DIV, &t, l,
                   unary(ps));
    }
    return l;
}

static custseg__rnode *parse_sum(parser *ps)
{
    custseg__rnode *l = product(ps);

    while (l != NULL &&
           (ps->tok.kind == TK_PLUS || ps->tok.kind == TK_MINUS)) {
        custseg__token t = ps->tok;
        next(ps);
        l = binary(ps, t.kind == TK_PLUS ? RX_ADD : RX_SUB, &t, l,
                   product(ps));
    }
    return l;
}

/* ( item, item, ... ) after 'in'. */
static custseg__rnode *in_list(parser *ps, custseg__rnode *l, int op,
                               const custseg__token *t)
{
    custseg__rnode *n = node(ps, op, t, 1, &l), *item;
    size_t cap = 1;

    if (n == NULL)
        return NULL;
    if (ps->tok.kind != TK_LP) {
        custseg__rnode_free(n);
        return fail(ps, "'(' to start the list");
    }
    do {
        next(ps);
        if ((item = parse_sum(ps)) == NULL ||
            custseg__grow((void **)&n->kid, &cap, n->nkid + 1,
                          sizeof *n->kid) != CUSTSEG_OK) {
            custseg__rnode_free(n);
            custseg__rnode_free(item);
            return item == NULL ? NULL : nomem(ps);
        }
        n->kid[n->nkid++] = item;
    } while (ps->tok.kind == TK_COMMA);
    if (ps->tok.kind != TK_RP) {
        custseg__rnode_free(n);
        return fail(ps, "',' or ')' in the list");
    }
    next(ps);
    return n;
}

static custseg__rnode *between(parser *ps, custseg__rnode *l, int op,
                               const custseg__token *t)
{
    custseg__rnode *k[3] = {l, NULL, NULL};

    k[1] = parse_sum(ps);
    if (k[1] != NULL && ps->tok.kind != TK_AND) {
        custseg__rnode_free(k[0]);
        custseg__rnode_free(k[1]);
        return fail(ps, "'and' in 'between ... and ...'");
    }
    if (k[1] != NULL) {
        next(ps);
        k[2] = parse_sum(ps);
    }
    if (k[1] == NULL || k[2] == NULL) {
        custseg__rnode_free(k[0]);
        custseg__rnode_free(k[1]);
        return NULL;
    }
    return node(ps, op, t, 3, k);
}

static custseg__rnode *is_null(parser *ps, custseg__rnode *l,
                               const custseg__token *t)
{
    bool neg = ps->tok.kind == TK_NOT;

    if (neg)
        next(ps);
    if (ps->tok.kind != TK_NULL) {
        custseg__rnode_free(l);
        return fail(ps, neg ? "'null'" : "'null' or 'not null'");
    }
    next(ps);
    return node(ps, neg ? RX_NOTNULL : RX_ISNULL, t, 1, &l);
}

static int cmp_op(int kind)
{
    switch (kind) {
    case TK_EQ: return RX_EQ;
    case TK_NE: return RX_NE;
    case TK_LT: return RX_LT;
    case TK_LE: return RX_LE;
    case TK_GT: return RX_GT;
    case TK_GE: return RX_GE;
    case TK_STARTS: return RX_STARTS;
    case TK_ENDS: return RX_ENDS;
    case TK_CONTAINS: return RX_CONTAINS;
    default: return -1;
    }
}

static custseg__rnode *comparison(parser *ps)
{
    custseg__rnode *l = parse_sum(ps);
    custseg__token t = ps->tok;
    bool neg = false;
    int op = cmp_op(t.kind);

    if (l == NULL)
        return NULL;
    if (op >= 0) {
        next(ps);
        return binary(ps, op, &t, l, parse_sum(ps));
    }
    if (t.kind == TK_IS) {
        next(ps);
        return is_null(ps, l, &t);
    }
    if (t.kind == TK_NOT) {
        neg = true;
        next(ps);
        if (ps->tok.kind != TK_IN && ps->tok.kind != TK_BETWEEN) {
            custseg__rnode_free(l);
            return fail(ps, "'in' or 'between' after 'not'");
        }
    }
    if (ps->tok.kind == TK_IN) {
        next(ps);
        return in_list(ps, l, neg ? RX_NOTIN : RX_IN, &t);
    }
    if (ps->tok.kind == TK_BETWEEN) {
        next(ps);
        return between(ps, l, neg ? RX_NOTBETWEEN : RX_BETWEEN, &t);
    }
    return l;
}

static custseg__rnode *negation(parser *ps)
{
    custseg__token t = ps->tok;
    custseg__rnode *k;

    if (t.kind != TK_NOT)
        return comparison(ps);
    next(ps);
    if (!deeper(ps))
        return NULL;
    k = negation(ps);
    ps->depth--;
    return k == NULL ? NULL : node(ps, RX_NOT, &t, 1, &k);
}

static custseg__rnode *conjunction(parser *ps)
{
    custseg__rnode *l = negation(ps);

    while (l != NULL && ps->tok.kind == TK_AND) {
        custseg__token t = ps->tok;
        next(ps);
        l = binary(ps, RX_AND, &t, l, negation(ps));
    }
    return l;
}

static custseg__rnode *parse_or(parser *ps)
{
    custseg__rnode *l = conjunction(ps);

    while (l != NULL && ps->tok.kind == TK_OR) {
        custseg__token t = ps->tok;
        next(ps);
        l = binary(ps, RX_OR, &t, l, conjunction(ps));
    }
    return l;
}

int custseg__rule_parse(const char *text, size_t len,
                        const custseg__rsrc *src, custseg__err *e,
                        custseg__rnode **out)
{
    parser ps;
    custseg__rnode *n;

    memset(&ps, 0, sizeof ps);
    ps.lx.p = text;
    ps.lx.end = text + len;
    ps.lx.line = src->line;
    ps.lx.col = src->col;
    ps.src = src;
    ps.e = e;
    *out = NULL;
    next(&ps);
    if (ps.tok.kind == TK_END)
        return custseg__rule_error(e, CUSTSEG_EPARSE, src, ps.tok.line,
                                   ps.tok.col, "empty rule");
    n = parse_or(&ps);
    if (n != NULL && ps.tok.kind != TK_END) {
        custseg__rnode_free(n);
        n = fail(&ps, "'and', 'or' or end of rule");
    }
    if (n == NULL)
        return ps.status != CUSTSEG_OK ? ps.status : CUSTSEG_EPARSE;
    *out = n;
    return CUSTSEG_OK;
}
