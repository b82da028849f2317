/*
 * request.c - what a handler can ask of a request: method, path, parameters, query
 * arguments, headers, cookies, body (raw, JSON, multipart), the principal and a private slot.
 *
 * Everything handed out lives in the request arena and is valid until the request
 * completes. Query arguments are decoded here, not by MHD (whose unescaping is off), so
 * '+' and %XX follow one rule (url.c). Multipart bodies are parsed in place: parts point
 * into the body buffer, nothing is copied.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include "http/internal.h"

void *eg_req_app(eg_req *r)
{
    return r->h->app;
}

eg_arena *eg_req_arena(eg_req *r)
{
    return r->arena;
}

const char *eg_req_method(eg_req *r)
{
    return r->method;
}

const char *eg_req_path(eg_req *r)
{
    return r->path ? r->path : "";
}

/* The path as sent, still percent-encoded. */
const char *eg_req_raw_path(eg_req *r)
{
    return r->raw_path ? r->raw_path : "";
}

static enum MHD_Result raw_query_visit(void *cls, enum MHD_ValueKind kind, const char *key,
                                       const char *value)
{
    eg_buf *b = cls;
    if (b->len)
        eg_buf_putc(b, '&');
    eg_buf_puts(b, key);
    if (value) {
        eg_buf_putc(b, '=');
        eg_buf_puts(b, value);
    }
    return MHD_YES;
}

/* The query as sent: MHD keeps the arguments undecoded (no_unescape), in order. */
const char *eg_req_raw_query(eg_req *r)
{
    eg_buf b = EG_BUF_INIT;
    MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, raw_query_visit, &b);
    const char *s = eg_arena_strndup(r->arena, b.data ? b.data : "", b.len);
    eg_buf_free(&b);
    return s;
}

/* The matched pattern ("static" or "unmatched" when no route matched). */
const char *eg_req_route(eg_req *r)
{
    return r->route_label;
}

const char *eg_req_id(eg_req *r)
{
    return r->id;
}

/* Peer address as text ("127.0.0.1", "::1"); "-" when unknown. Computed once. */
const char *eg_req_client_ip(eg_req *r)
{
    if (r->client_ip)
        return r->client_ip;
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    char buf[INET6_ADDRSTRLEN] = "-";
    if (ci && ci->client_addr) {
        const struct sockaddr *sa = ci->client_addr;
        if (sa->sa_family == AF_INET)
            inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, buf, sizeof(buf));
        else if (sa->sa_family == AF_INET6)
            inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, buf, sizeof(buf));
    }
    r->client_ip = eg_arena_strdup(r->arena, buf);
    return r->client_ip;
}

/* Decoded path parameter {name} (or {name*}), NULL when the route has none of that name. */
const char *eg_req_param(eg_req *r, const char *name)
{
    for (int i = 0; i < r->nparams; i++) {
        if (strcmp(r->param_names[i], name) == 0)
            return r->param_values[i];
    }
    return NULL;
}

struct query_find {
    eg_req *r;
    const char *name;
    const char *found;
};

static enum MHD_Result query_visit(void *cls, enum MHD_ValueKind kind, const char *key,
                                   const char *value)
{
    struct query_find *q = cls;
    eg_buf k = EG_BUF_INIT;
    int rc = eg_url_decode_query(key, strlen(key), &k);
    if (rc == 0 && strcmp(eg_buf_cstr(&k), q->name) == 0) {
        eg_buf v = EG_BUF_INIT;
        const char *raw = value ? value : "";
        if (eg_url_decode_query(raw, strlen(raw), &v) == 0)
            q->found = eg_arena_strdup(q->r->arena, eg_buf_cstr(&v));
        eg_buf_free(&v);
    }
    eg_buf_free(&k);
    return q->found ? MHD_NO : MHD_YES;
}

/* Decoded query argument (first occurrence), "" for "?flag", NULL when absent or when its
 * encoding is invalid. */
const char *eg_req_query(eg_req *r, const char *name)
{
    struct query_find q = {r, name, NULL};
    MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, query_visit, &q);
    return q.found;
}

/* ?limit= per api.md §2: default 50, clamped to [1, 500]; junk gives the default. */
int eg_req_limit(eg_req *r)
{
    const char *s = eg_req_query(r, "limit");
    if (!s || !*s)
        return 50;
    char *end = NULL;
    long v = strtol(s, &end, 10);
    if (*end != '\0')
        return 50;
    if (v < 1)
        return 1;
    return v > 500 ? 500 : (int)v;
}

const char *eg_req_header(eg_req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

const char *eg_req_cookie(eg_req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, name);
}

struct header_visit {
    void (*fn)(void *ctx, const char *k, const char *v);
    void *ctx;
};

static enum MHD_Result header_visit(void *cls, enum MHD_ValueKind kind, const char *key,
                                    const char *value)
{
    struct header_visit *hv = cls;
    hv->fn(hv->ctx, key, value ? value : "");
    return MHD_YES;
}

void eg_req_headers_each(eg_req *r, void (*fn)(void *ctx, const char *k, const char *v), void *ctx)
{
    struct header_visit hv = {fn, ctx};
    MHD_get_connection_values(r->conn, MHD_HEADER_KIND, header_visit, &hv);
}

/* The body (NUL-terminated, may contain NULs); "" when none. */
const char *eg_req_body(eg_req *r, size_t *len)
{
    if (len)
        *len = r->body_len;
    return r->body ? r->body : "";
}

/* 1 for application/json and application/<x>+json, with or without parameters. */
static int is_json_type(const char *ct)
{
    if (!ct)
        return 0;
    size_t n = strcspn(ct, ";");
    while (n && (ct[n - 1] == ' ' || ct[n - 1] == '\t'))
        n--;
    if (n == 16 && strncasecmp(ct, "application/json", 16) == 0)
        return 1;
    return n > 17 && strncasecmp(ct, "application/", 12) == 0 &&
           strncasecmp(ct + n - 5, "+json", 5) == 0;
}

/* The body as a JSON object (owned by the request: do not decref; valid until completion).
 * NULL with *rc = EG_EMEDIA (not JSON content type) or EG_EINVAL (malformed, too deep, not
 * an object) and the problem detail recorded. */
json_t *eg_req_json(eg_req *r, int *rc)
{
    if (r->json) {
        *rc = 0;
        return r->json;
    }
    if (!is_json_type(eg_req_header(r, "Content-Type"))) {
        *rc = eg_req_fail(r, EG_EMEDIA, "Nội dung phải là application/json");
        return NULL;
    }
    if (r->body_len == 0) {
        *rc = eg_req_fail(r, EG_EINVAL, "Thiếu nội dung JSON");
        return NULL;
    }
    char err[256];
    json_t *j = eg_json_parse(r->body, r->body_len, r->h->max_json_depth, err, sizeof(err));
    if (!j) {
        *rc = eg_req_fail(r, EG_EINVAL, "%s", err);
        return NULL;
    }
    if (!json_is_object(j)) {
        json_decref(j);
        *rc = eg_req_fail(r, EG_EINVAL, "Nội dung JSON phải là một đối tượng");
        return NULL;
    }
    r->json = j;
    *rc = 0;
    return j;
}

/* q-value of one Accept entry ("text/csv;q=0.5" -> 0.5). */
static double accept_q(const char *params, size_t n)
{
    const char *q = NULL;
    for (size_t i = 0; i + 2 < n; i++) {
        if ((params[i] == 'q' || params[i] == 'Q') && params[i + 1] == '=' &&
            (i == 0 || params[i - 1] == ';' || params[i - 1] == ' ')) {
            q = params + i + 2;
            break;
        }
    }
    return q ? strtod(q, NULL) : 1.0;
}

/* 1 when Accept lists media_type (exactly, case-insensitive) with q > 0 and no other
 * explicitly listed type with a higher q; wildcards do not count as a preference. */
int eg_req_accepts(eg_req *r, const char *media_type)
{
    const char *acc = eg_req_header(r, "Accept");
    if (!acc)
        return 0;
    size_t mlen = strlen(media_type);
    double mine = -1, other = -1;
    const char *p = acc;
    while (*p) {
        while (*p == ' ' || *p == ',')
            p++;
        size_t n = strcspn(p, ",");
        size_t tn = strcspn(p, ";,");
        size_t te = tn;
        while (te && p[te - 1] == ' ')
            te--;
        double q = accept_q(p + tn, n - tn);
        if (te == mlen && strncasecmp(p, media_type, mlen) == 0) {
            if (q > mine)
                mine = q;
        } else if (te && memchr(p, '*', te) == NULL && q > other) {
            other = q;
        }
        p += n;
    }
    return mine > 0 && mine >= other;
}

/* The principal from the authenticator hook, resolved once per request. */
void *eg_req_principal(eg_req *r)
{
    if (!r->principal_done) {
        r->principal_done = 1;
        if (r->h->authenticator)
            r->principal = r->h->authenticator(r);
    }
    return r->principal;
}

void eg_req_set_principal(eg_req *r, void *p)
{
    r->principal = p;
    r->principal_done = 1;
}

void *eg_req_data(eg_req *r)
{
    return r->data;
}

void eg_req_set_data(eg_req *r, void *p)
{
    r->data = p;
}

/* Releases what the arena cannot (JSON values, an unsent file). */
void eg__req_release(eg_req *r)
{
    json_decref(r->json);
    r->json = NULL;
    json_decref(r->fail_errors);
    r->fail_errors = NULL;
    if (r->out_fd >= 0) {
        close(r->out_fd);
        r->out_fd = -1;
    }
}
