/*
 * router.c - method + path pattern matching.
 *
 * Patterns are split into segments once, at registration: literal text, "{name}" (one
 * segment) or a final "{name*}" (the rest of the path, slashes included). A request is
 * compared against every route; among those that match, the most specific wins, compared
 * segment by segment (literal > parameter > rest), so "/dossiers/stats" beats
 * "/dossiers/{code}" whatever the registration order. A linear scan over a few hundred
 * precompiled routes costs less than the JSON work of any handler, so no trie.
 *
 * A path that matches some route under another method gives 405 with an Allow header.
 */
#include <string.h>
#include "http/internal.h"

static void parse_pattern(struct eg__route *rt)
{
    const char *p = rt->pattern;
    EG_ASSERT(p[0] == '/');
    rt->segs = eg_calloc(EG_HTTP_MAX_SEGS, sizeof(struct eg__seg));
    rt->nsegs = 0;
    while (*p == '/') {
        p++;
        const char *e = strchr(p, '/');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        EG_ASSERT(rt->nsegs < EG_HTTP_MAX_SEGS);
        struct eg__seg *s = &rt->segs[rt->nsegs++];
        if (n >= 2 && p[0] == '{' && p[n - 1] == '}') {
            if (n >= 3 && p[n - 2] == '*') {
                EG_ASSERT(e == NULL); /* {name*} must be last */
                s->kind = SEG_REST;
                s->text = eg_strndup(p + 1, n - 3);
            } else {
                s->kind = SEG_PARAM;
                s->text = eg_strndup(p + 1, n - 2);
            }
        } else {
            s->kind = SEG_LITERAL;
            s->text = eg_strndup(p, n);
        }
        p += n;
    }
}

/* Registers a route (see http.h). Routes must be registered before eg_http_start; the
 * pattern, summary and tag are copied. */
void eg_http_route(eg_http *h, const char *method, const char *pattern, eg_handler fn,
                   const eg_route_opts *opts)
{
    EG_ASSERT(h && method && pattern && fn && h->daemon == NULL);
    if (h->nroutes == h->routes_cap) {
        h->routes_cap = h->routes_cap ? h->routes_cap * 2 : 32;
        h->routes = eg_realloc(h->routes, (size_t)h->routes_cap * sizeof(*h->routes));
    }
    struct eg__route *rt = &h->routes[h->nroutes++];
    memset(rt, 0, sizeof(*rt));
    rt->method = eg_strdup(method);
    rt->pattern = eg_strdup(pattern);
    rt->fn = fn;
    if (opts) {
        rt->max_body = opts->max_body;
        rt->public_route = opts->public_route;
        rt->summary = opts->summary ? eg_strdup(opts->summary) : NULL;
        rt->tag = opts->tag ? eg_strdup(opts->tag) : NULL;
        rt->problem_ns = opts->problem_ns ? eg_strdup(opts->problem_ns) : NULL;
    }
    rt->metrics = eg_calloc(1, sizeof(*rt->metrics));
    parse_pattern(rt);
}

void eg__route_free_all(eg_http *h)
{
    for (int i = 0; i < h->nroutes; i++) {
        struct eg__route *rt = &h->routes[i];
        for (int k = 0; k < rt->nsegs; k++)
            free(rt->segs[k].text);
        free(rt->segs);
        free(rt->method);
        free(rt->pattern);
        free(rt->summary);
        free(rt->tag);
        free(rt->problem_ns);
        free(rt->metrics);
    }
    free(h->routes);
    h->routes = NULL;
    h->nroutes = 0;
}

/* Splits the decoded path into segments (pointers into a copy in the arena). */
static int split_path(eg_arena *a, const char *path, char **segs, int max)
{
    char *copy = eg_arena_strdup(a, path);
    int n = 0;
    char *p = copy;
    while (*p == '/') {
        *p++ = '\0';
        if (n == max)
            return -1;
        segs[n++] = p;
        char *e = strchr(p, '/');
        if (!e)
            break;
        p = e;
    }
    return n;
}

/* Matches rt against the path segments. Fills score[] (segment kinds) and, when r is not
 * NULL, r's parameters. 1 on match. */
static int match(const struct eg__route *rt, char **segs, int nsegs, const char *path, int *score,
                 eg_req *r)
{
    int np = 0;
    for (int i = 0; i < rt->nsegs; i++) {
        const struct eg__seg *s = &rt->segs[i];
        score[i] = s->kind;
        if (s->kind == SEG_REST) {
            if (i >= nsegs || (i == nsegs - 1 && segs[i][0] == '\0'))
                return 0;
            if (r) {
                /* the rest of the path from segment i, slashes included */
                r->param_names[np] = s->text;
                r->param_values[np++] = path + (segs[i] - segs[0]) + 1;
                r->nparams = np;
            }
            return 1;
        }
        if (i >= nsegs)
            return 0;
        if (s->kind == SEG_LITERAL) {
            if (strcmp(s->text, segs[i]) != 0)
                return 0;
        } else {
            if (segs[i][0] == '\0')
                return 0;
            if (r && np < EG_HTTP_MAX_PARAMS - 1) {
                r->param_names[np] = s->text;
                r->param_values[np++] = segs[i];
            }
        }
    }
    if (rt->nsegs != nsegs)
        return 0;
    if (r)
        r->nparams = np;
    return 1;
}

static int method_ok(const char *route_method, const char *m)
{
    if (strcmp(route_method, "*") == 0 || strcmp(route_method, m) == 0)
        return 1;
    return strcmp(m, "HEAD") == 0 && strcmp(route_method, "GET") == 0;
}

/* 1 when score a is more specific than b (segment by segment, then longer). */
static int better(const int *a, int na, const int *b, int nb)
{
    for (int i = 0; i < na && i < nb; i++) {
        if (a[i] != b[i])
            return a[i] > b[i];
    }
    return na > nb;
}

/* Finds the route for r->method and r->path. Returns 0 and sets r->route (with params) on
 * a match; EG_EMETHOD with r->allow set when only other methods match; EG_ENOTFOUND. */
int eg__route_match(eg_http *h, eg_req *r)
{
    char *segs[EG_HTTP_MAX_SEGS + 1];
    int nsegs = split_path(r->arena, r->path, segs, EG_HTTP_MAX_SEGS);
    if (nsegs < 0)
        return EG_ENOTFOUND;
    int best = -1, best_score[EG_HTTP_MAX_SEGS], score[EG_HTTP_MAX_SEGS];
    int best_n = 0, path_known = 0;
    for (int i = 0; i < h->nroutes; i++) {
        const struct eg__route *rt = &h->routes[i];
        if (!match(rt, segs, nsegs, r->path, score, NULL))
            continue;
        path_known = 1;
        if (!method_ok(rt->method, r->method))
            continue;
        if (best < 0 || better(score, rt->nsegs, best_score, best_n)) {
            best = i;
            best_n = rt->nsegs;
            memcpy(best_score, score, sizeof(int) * (size_t)rt->nsegs);
        }
    }
    if (best >= 0) {
        r->route = &h->routes[best];
        match(r->route, segs, nsegs, r->path, score, r);
        return 0;
    }
    if (!path_known)
        return EG_ENOTFOUND;
    eg_buf allow = EG_BUF_INIT;
    static const char *const methods[] = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"};
    for (size_t m = 0; m < sizeof(methods) / sizeof(methods[0]); m++) {
        for (int i = 0; i < h->nroutes; i++) {
            const struct eg__route *rt = &h->routes[i];
            if (method_ok(rt->method, methods[m]) && match(rt, segs, nsegs, r->path, score, NULL)) {
                eg_buf_printf(&allow, "%s%s", allow.len ? ", " : "", methods[m]);
                break;
            }
        }
    }
    r->allow = eg_arena_strdup(r->arena, eg_buf_cstr(&allow));
    eg_buf_free(&allow);
    return EG_EMETHOD;
}
