/*
 * expr.c - the small, safe condition language of sequence flows and due dates: a JUEL subset.
 *
 *   ${approved == true && amount > 1000}    ${!(kind eq 'A') || note != "x"}
 *
 * Grammar (recursive descent, depth-limited): or := and (('||'|or) and)*;
 * and := unary (('&&'|and) unary)*; unary := ('!'|not|'-'|empty) unary | cmp;
 * cmp := sum (op sum)? with op in == != < <= > >= eq ne lt le gt ge;
 * sum := prod (('+'|'-') prod)*; prod := prim (('*'|'/'|'%'|div|mod) prim)*;
 * prim := number | 'str' | "str" | true | false | null | name('.'name)* | '(' or ')'.
 * There are no method calls, no assignment, no indexing by expression: evaluation only reads
 * the instance variables (a JSON object). Unknown variables are null.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "workflow/internal.h"

enum { N_NUM, N_STR, N_BOOL, N_NULL, N_VAR, N_NOT, N_NEG, N_EMPTY, N_BIN };
enum {
    OP_OR = 1,
    OP_AND,
    OP_EQ,
    OP_NE,
    OP_LT,
    OP_LE,
    OP_GT,
    OP_GE,
    OP_ADD,
    OP_SUB,
    OP_MUL,
    OP_DIV,
    OP_MOD
};

struct wf_expr {
    int kind, op;
    double num;
    const char *str; /* string literal or dotted variable path */
    struct wf_expr *l, *r;
};

typedef struct {
    eg_arena *a;
    const char *p, *end;
    int depth;
    char *err;
    size_t errlen;
    int failed;
    const char *msg;
} P;

#define MAX_DEPTH 64

static void fail(P *p, const char *msg)
{
    if (!p->failed)
        p->msg = msg;
    p->failed = 1;
}

static void ws(P *p)
{
    while (p->p < p->end && (*p->p == ' ' || *p->p == '\t' || *p->p == '\n' || *p->p == '\r'))
        p->p++;
}

static int isid0(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static int isid(char c)
{
    return isid0(c) || (c >= '0' && c <= '9');
}

/* Consumes the symbol s when next (words must not continue into an identifier). */
static int eat(P *p, const char *s)
{
    ws(p);
    size_t n = strlen(s);
    if ((size_t)(p->end - p->p) < n || memcmp(p->p, s, n) != 0)
        return 0;
    if (isid0(s[0]) && p->p + n < p->end && isid(p->p[n]))
        return 0;
    /* "<" must not eat the first half of "<=" etc. */
    if ((s[0] == '<' || s[0] == '>' || s[0] == '!' || s[0] == '=') && n == 1 && p->p + 1 < p->end &&
        p->p[1] == '=')
        return 0;
    p->p += n;
    return 1;
}

static wf_expr *node(P *p, int kind)
{
    wf_expr *e = eg_arena_zalloc(p->a, sizeof(*e));
    e->kind = kind;
    return e;
}

static wf_expr *bin(P *p, int op, wf_expr *l, wf_expr *r)
{
    wf_expr *e = node(p, N_BIN);
    e->op = op;
    e->l = l;
    e->r = r;
    return e;
}

static wf_expr *parse_or(P *p);

static wf_expr *parse_prim(P *p)
{
    ws(p);
    if (p->p >= p->end) {
        fail(p, "thiếu toán hạng");
        return NULL;
    }
    char c = *p->p;
    if (c == '(') {
        p->p++;
        wf_expr *e = parse_or(p);
        if (!e)
            return NULL;
        if (!eat(p, ")")) {
            fail(p, "thiếu ')'");
            return NULL;
        }
        return e;
    }
    if (c >= '0' && c <= '9') {
        const char *s = p->p;
        while (p->p < p->end && ((*p->p >= '0' && *p->p <= '9') || *p->p == '.'))
            p->p++;
        char buf[64];
        size_t n = (size_t)(p->p - s);
        if (n >= sizeof(buf)) {
            fail(p, "số quá dài");
            return NULL;
        }
        memcpy(buf, s, n);
        buf[n] = 0;
        char *endp;
        double v = strtod(buf, &endp);
        if (*endp) {
            fail(p, "số không hợp lệ");
            return NULL;
        }
        wf_expr *e = node(p, N_NUM);
        e->num = v;
        return e;
    }
    if (c == '\'' || c == '"') {
        p->p++;
        eg_buf b = EG_BUF_INIT;
        while (p->p < p->end && *p->p != c) {
            if (*p->p == '\\' && p->p + 1 < p->end)
                p->p++;
            eg_buf_putc(&b, *p->p);
            p->p++;
        }
        if (p->p >= p->end) {
            eg_buf_free(&b);
            fail(p, "chuỗi không đóng");
            return NULL;
        }
        p->p++;
        wf_expr *e = node(p, N_STR);
        e->str = eg_arena_strdup(p->a, eg_buf_cstr(&b));
        eg_buf_free(&b);
        return e;
    }
    if (isid0(c)) {
        if (eat(p, "true") || eat(p, "false")) {
            wf_expr *e = node(p, N_BOOL);
            e->num = p->p[-1] == 'e' && p->p[-2] == 'u';
            return e;
        }
        if (eat(p, "null")) {
            return node(p, N_NULL);
        }
        const char *s = p->p;
        for (;;) {
            while (p->p < p->end && isid(*p->p))
                p->p++;
            if (p->p + 1 < p->end && *p->p == '.' && isid0(p->p[1])) {
                p->p++;
                continue;
            }
            break;
        }
        ws(p);
        if (p->p < p->end && (*p->p == '(' || *p->p == '[')) {
            fail(p, "không cho phép gọi hàm hoặc chỉ mục");
            return NULL;
        }
        wf_expr *e = node(p, N_VAR);
        e->str = eg_arena_strndup(p->a, s, (size_t)(p->p - s));
        /* trailing spaces were skipped: trim them from the name */
        char *t = (char *)e->str + strlen(e->str);
        while (t > e->str && (t[-1] == ' ' || t[-1] == '\t' || t[-1] == '\n' || t[-1] == '\r'))
            *--t = 0;
        return e;
    }
    fail(p, "ký tự không mong đợi");
    return NULL;
}

static wf_expr *parse_unary(P *p)
{
    if (++p->depth > MAX_DEPTH) {
        fail(p, "lồng quá sâu");
        return NULL;
    }
    wf_expr *e;
    int kind = -1;
    if (eat(p, "!") || eat(p, "not"))
        kind = N_NOT;
    else if (eat(p, "-"))
        kind = N_NEG;
    else if (eat(p, "empty"))
        kind = N_EMPTY;
    if (kind >= 0) {
        wf_expr *x = parse_unary(p);
        if (!x)
            return NULL;
        e = node(p, kind);
        e->l = x;
    } else {
        e = parse_prim(p);
    }
    p->depth--;
    return e;
}

static wf_expr *parse_prod(P *p)
{
    wf_expr *l = parse_unary(p);
    while (l) {
        int op = eat(p, "*")                      ? OP_MUL
                 : (eat(p, "/") || eat(p, "div")) ? OP_DIV
                 : (eat(p, "%") || eat(p, "mod")) ? OP_MOD
                                                  : 0;
        if (!op)
            break;
        wf_expr *r = parse_unary(p);
        if (!r)
            return NULL;
        l = bin(p, op, l, r);
    }
    return l;
}

static wf_expr *parse_sum(P *p)
{
    wf_expr *l = parse_prod(p);
    while (l) {
        int op = eat(p, "+") ? OP_ADD : eat(p, "-") ? OP_SUB : 0;
        if (!op)
            break;
        wf_expr *r = parse_prod(p);
        if (!r)
            return NULL;
        l = bin(p, op, l, r);
    }
    return l;
}

static wf_expr *parse_cmp(P *p)
{
    wf_expr *l = parse_sum(p);
    if (!l)
        return NULL;
    static const struct {
        const char *s;
        int op;
    } ops[] = {{"==", OP_EQ}, {"!=", OP_NE}, {"<=", OP_LE}, {">=", OP_GE},
               {"<", OP_LT},  {">", OP_GT},  {"eq", OP_EQ}, {"ne", OP_NE},
               {"le", OP_LE}, {"ge", OP_GE}, {"lt", OP_LT}, {"gt", OP_GT}};
    for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
        if (eat(p, ops[i].s)) {
            wf_expr *r = parse_sum(p);
            return r ? bin(p, ops[i].op, l, r) : NULL;
        }
    }
    return l;
}

static wf_expr *parse_and(P *p)
{
    wf_expr *l = parse_cmp(p);
    while (l && (eat(p, "&&") || eat(p, "and"))) {
        wf_expr *r = parse_cmp(p);
        if (!r)
            return NULL;
        l = bin(p, OP_AND, l, r);
    }
    return l;
}

static wf_expr *parse_or(P *p)
{
    if (++p->depth > MAX_DEPTH) {
        fail(p, "lồng quá sâu");
        return NULL;
    }
    wf_expr *l = parse_and(p);
    while (l && (eat(p, "||") || eat(p, "or"))) {
        wf_expr *r = parse_and(p);
        if (!r)
            return NULL;
        l = bin(p, OP_OR, l, r);
    }
    p->depth--;
    return l;
}

wf_expr *eg__wf_expr_parse(eg_arena *a, const char *src, char *err, size_t errlen)
{
    size_t n = strlen(src);
    const char *s = src, *e = src + n;
    while (s < e && (*s == ' ' || *s == '\n' || *s == '\t' || *s == '\r'))
        s++;
    while (e > s && (e[-1] == ' ' || e[-1] == '\n' || e[-1] == '\t' || e[-1] == '\r'))
        e--;
    if (e - s >= 3 && (s[0] == '$' || s[0] == '#') && s[1] == '{' && e[-1] == '}') {
        s += 2;
        e--;
    }
    P p = {.a = a, .p = s, .end = e, .err = err, .errlen = errlen};
    if (s == e) {
        snprintf(err, errlen, "biểu thức rỗng");
        return NULL;
    }
    wf_expr *x = parse_or(&p);
    ws(&p);
    if (x && p.p != p.end)
        fail(&p, "thừa ký tự sau biểu thức");
    if (p.failed) {
        int rest = (int)(p.end - p.p);
        snprintf(err, errlen, "biểu thức không hợp lệ (%s) gần \"%.*s\"", p.msg,
                 rest > 20 ? 20 : rest, p.p);
        return NULL;
    }
    return x;
}

/* ---------------------------------------------------------------- evaluation */

typedef struct {
    int t; /* N_NUM, N_STR, N_BOOL, N_NULL */
    double n;
    const char *s;
} val;

static val from_json(const json_t *j)
{
    val v = {.t = N_NULL};
    if (json_is_number(j)) {
        v.t = N_NUM;
        v.n = json_number_value(j);
    } else if (json_is_string(j)) {
        v.t = N_STR;
        v.s = json_string_value(j);
    } else if (json_is_boolean(j)) {
        v.t = N_BOOL;
        v.n = json_is_true(j);
    } else if (j && !json_is_null(j)) {
        v.t = N_STR; /* objects/arrays: only "empty" and (in)equality with null make sense */
        v.s = json_is_array(j) ? (json_array_size(j) ? "[...]" : "")
                               : (json_object_size(j) ? "{...}" : "");
    }
    return v;
}

static const json_t *lookup(const json_t *vars, const char *path)
{
    char buf[256];
    const json_t *cur = vars;
    const char *s = path;
    while (cur && *s) {
        const char *d = strchr(s, '.');
        size_t n = d ? (size_t)(d - s) : strlen(s);
        if (n >= sizeof(buf))
            return NULL;
        memcpy(buf, s, n);
        buf[n] = 0;
        cur = json_is_object(cur) ? json_object_get(cur, buf) : NULL;
        s = d ? d + 1 : s + n;
    }
    return cur;
}

static int truthy(val v)
{
    switch (v.t) {
    case N_BOOL:
    case N_NUM:
        return v.n != 0;
    case N_STR:
        return strcmp(v.s, "true") == 0;
    default:
        return 0;
    }
}

typedef struct {
    const json_t *vars;
    char *err;
    size_t errlen;
    int rc;
} E;

static val eval(E *x, const wf_expr *e)
{
    val v = {.t = N_NULL};
    if (x->rc)
        return v;
    switch (e->kind) {
    case N_NUM:
    case N_BOOL:
        v.t = e->kind;
        v.n = e->num;
        return v;
    case N_STR:
        v.t = N_STR;
        v.s = e->str;
        return v;
    case N_NULL:
        return v;
    case N_VAR:
        return from_json(lookup(x->vars, e->str));
    case N_NOT:
        v.t = N_BOOL;
        v.n = !truthy(eval(x, e->l));
        return v;
    case N_EMPTY: {
        val a = eval(x, e->l);
        v.t = N_BOOL;
        v.n = a.t == N_NULL || (a.t == N_STR && a.s[0] == 0);
        return v;
    }
    case N_NEG: {
        val a = eval(x, e->l);
        if (a.t != N_NUM) {
            x->rc = EG_EUNPROCESSABLE;
            snprintf(x->err, x->errlen, "phép đổi dấu cần một số");
            return v;
        }
        a.n = -a.n;
        return a;
    }
    default:
        break;
    }
    /* binary */
    if (e->op == OP_AND || e->op == OP_OR) {
        int l = truthy(eval(x, e->l));
        v.t = N_BOOL;
        if (e->op == OP_AND)
            v.n = l && truthy(eval(x, e->r));
        else
            v.n = l || truthy(eval(x, e->r));
        return v;
    }
    val a = eval(x, e->l), b = eval(x, e->r);
    if (x->rc)
        return v;
    if (e->op == OP_EQ || e->op == OP_NE) {
        int eq;
        if (a.t == N_NULL || b.t == N_NULL)
            eq = a.t == b.t;
        else if (a.t == N_STR && b.t == N_STR)
            eq = strcmp(a.s, b.s) == 0;
        else if (a.t == N_STR || b.t == N_STR) {
            /* JUEL coerces the other side to a string: "true" == true, "5" == 5 */
            val s = a.t == N_STR ? a : b, o = a.t == N_STR ? b : a;
            char buf[64];
            if (o.t == N_BOOL)
                snprintf(buf, sizeof(buf), "%s", o.n != 0 ? "true" : "false");
            else
                snprintf(buf, sizeof(buf), "%.15g", o.n);
            eq = strcmp(s.s, buf) == 0;
        } else
            eq = a.n == b.n;
        v.t = N_BOOL;
        v.n = e->op == OP_EQ ? eq : !eq;
        return v;
    }
    if (e->op >= OP_LT && e->op <= OP_GE) {
        int c;
        if (a.t == N_STR && b.t == N_STR)
            c = strcmp(a.s, b.s);
        else if ((a.t == N_NUM || a.t == N_BOOL) && (b.t == N_NUM || b.t == N_BOOL))
            c = a.n < b.n ? -1 : a.n > b.n ? 1 : 0;
        else if (a.t == N_NULL || b.t == N_NULL) {
            v.t = N_BOOL; /* comparisons with a missing variable are false */
            v.n = 0;
            return v;
        } else {
            x->rc = EG_EUNPROCESSABLE;
            snprintf(x->err, x->errlen, "không thể so sánh chuỗi với số");
            return v;
        }
        v.t = N_BOOL;
        v.n = e->op == OP_LT ? c < 0 : e->op == OP_LE ? c <= 0 : e->op == OP_GT ? c > 0 : c >= 0;
        return v;
    }
    if (e->op == OP_ADD && a.t == N_STR && b.t == N_STR) {
        x->rc = EG_EUNPROCESSABLE;
        snprintf(x->err, x->errlen, "không hỗ trợ nối chuỗi");
        return v;
    }
    if (a.t != N_NUM || b.t != N_NUM) {
        x->rc = EG_EUNPROCESSABLE;
        snprintf(x->err, x->errlen, "phép tính số học cần hai số");
        return v;
    }
    v.t = N_NUM;
    switch (e->op) {
    case OP_ADD:
        v.n = a.n + b.n;
        break;
    case OP_SUB:
        v.n = a.n - b.n;
        break;
    case OP_MUL:
        v.n = a.n * b.n;
        break;
    case OP_DIV:
    case OP_MOD:
        if (b.n == 0) {
            x->rc = EG_EUNPROCESSABLE;
            snprintf(x->err, x->errlen, "chia cho 0");
            return v;
        }
        v.n = e->op == OP_DIV ? a.n / b.n : fmod(a.n, b.n);
        break;
    }
    return v;
}

int eg__wf_expr_truth(const wf_expr *e, const json_t *vars, int *out, char *err, size_t errlen)
{
    E x = {.vars = vars, .err = err, .errlen = errlen};
    val v = eval(&x, e);
    *out = x.rc ? 0 : truthy(v);
    return x.rc;
}

int eg__wf_expr_value(const wf_expr *e, const json_t *vars, json_t **out, char *err, size_t errlen)
{
    E x = {.vars = vars, .err = err, .errlen = errlen};
    val v = eval(&x, e);
    *out = NULL;
    if (x.rc)
        return x.rc;
    switch (v.t) {
    case N_NUM:
        *out = json_real(v.n);
        break;
    case N_STR:
        *out = json_string(v.s);
        break;
    case N_BOOL:
        *out = json_boolean(v.n != 0);
        break;
    default:
        *out = json_null();
    }
    return EG_OK;
}

int eg_wf_eval(const char *expr, const json_t *vars, int *result, char *err, size_t errlen)
{
    eg_arena *a = eg_arena_new(0);
    wf_expr *e = eg__wf_expr_parse(a, expr, err, errlen);
    int rc = e ? eg__wf_expr_truth(e, vars, result, err, errlen) : EG_EUNPROCESSABLE;
    eg_arena_free(a);
    return rc;
}
