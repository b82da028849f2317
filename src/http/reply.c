/*
 * reply.c - building responses: JSON, bytes, HTML, redirects, problem+json (RFC 9457),
 * ETags, and the headers every response carries (request id, security headers).
 *
 * A reply is only recorded on the request (status, content type, bytes in the arena, extra
 * headers); server.c turns it into an MHD response once the handler has returned, so a
 * handler may replace its reply and nothing is sent half-built. Bytes stay in the arena,
 * which lives until MHD has sent them.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "http/internal.h"

#define CSP                                                                                        \
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "              \
    "object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'"

/* 1 when s matches [A-Za-z0-9-]{1,64}. */
int eg__valid_request_id(const char *s)
{
    size_t n = 0;
    for (; s[n]; n++) {
        char c = s[n];
        int ok =
            (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
        if (!ok || n >= 64)
            return 0;
    }
    return n > 0;
}

void eg__security_headers(struct MHD_Response *resp, int html)
{
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "Referrer-Policy", "same-origin");
    MHD_add_response_header(resp, "X-Frame-Options", "DENY");
    if (html)
        MHD_add_response_header(resp, "Content-Security-Policy", CSP);
}

/* Records a reply (data must live in the arena or be static). Replaces an earlier one. */
int eg__reply_set(eg_req *r, int status, const char *ctype, const char *data, size_t len)
{
    if (r->out_fd >= 0) {
        close(r->out_fd);
        r->out_fd = -1;
    }
    r->replied = 1;
    r->status = status;
    r->ctype = ctype;
    r->out = data;
    r->out_len = len;
    r->html = ctype && eg_str_has_prefix(ctype, "text/html");
    return 0;
}

/* Turns the recorded reply into an MHD response (a 500 problem when there is none). */
struct MHD_Response *eg__build_response(eg_req *r)
{
    if (!r->replied)
        eg_reply_problem(r, EG_EINTERNAL, NULL, NULL);
    struct MHD_Response *resp;
    if (r->out_fd >= 0) {
        resp = MHD_create_response_from_fd64(r->out_fd_size, r->out_fd);
        if (resp)
            r->out_fd = -1; /* MHD closes it */
    } else {
        resp = MHD_create_response_from_buffer(r->out_len, (void *)(r->out ? r->out : ""),
                                               MHD_RESPMEM_PERSISTENT);
    }
    if (!resp)
        return NULL;
    MHD_add_response_header(resp, "X-Request-Id", r->id);
    if (r->ctype)
        MHD_add_response_header(resp, "Content-Type", r->ctype);
    eg__security_headers(resp, r->html);
    for (struct eg__header *x = r->headers; x; x = x->next)
        MHD_add_response_header(resp, x->name, x->value);
    return resp;
}

/* Adds a response header (copied; sent with whatever reply goes out). */
void eg_reply_header(eg_req *r, const char *name, const char *value)
{
    struct eg__header *x = eg_arena_alloc(r->arena, sizeof(*x));
    x->name = eg_arena_strdup(r->arena, name);
    x->value = eg_arena_strdup(r->arena, value);
    x->next = r->headers;
    r->headers = x;
}

/* Sends body as JSON (the reference is stolen). Returns 0. */
int eg_reply_json(eg_req *r, int status, json_t *body)
{
    char *s = body ? eg_json_dump_arena(r->arena, body) : eg_arena_strdup(r->arena, "null");
    json_decref(body);
    return eg__reply_set(r, status, "application/json; charset=utf-8", s, strlen(s));
}

/* Sends a copy of data[0..len). Returns 0. */
int eg_reply(eg_req *r, int status, const char *content_type, const void *data, size_t len)
{
    char *copy = eg_arena_alloc(r->arena, len + 1);
    if (len)
        memcpy(copy, data, len);
    copy[len] = '\0';
    return eg__reply_set(r, status, eg_arena_strdup(r->arena, content_type), copy, len);
}

/* Sends an HTML page; the CSP header is added because of the content type. Returns 0. */
int eg_reply_html(eg_req *r, int status, const char *html, size_t len)
{
    return eg_reply(r, status, "text/html; charset=utf-8", html, len);
}

/* Redirect (301/302/303/307/308) to location. Returns 0. */
int eg_reply_redirect(eg_req *r, int status, const char *location)
{
    eg_reply_header(r, "Location", location);
    return eg__reply_set(r, status, NULL, "", 0);
}

/* problem+json with an explicit status, slug and title. errors (stolen) may be NULL. */
int eg_reply_problem_ex(eg_req *r, int status, const char *slug, const char *title_vi,
                        const char *detail, json_t *errors)
{
    json_t *p = json_object();
    json_object_set_new(p, "type",
                        json_string(eg_arena_printf(r->arena, "https://egov.local/problems/%s",
                                                    slug ? slug : "internal")));
    json_object_set_new(p, "title", eg_json_strn(title_vi ? title_vi : ""));
    json_object_set_new(p, "status", json_integer(status));
    json_t *d = eg_json_strn(detail ? detail : title_vi);
    if (json_is_null(d)) { /* detail was not valid UTF-8 */
        json_decref(d);
        d = eg_json_strn(title_vi);
    }
    json_object_set_new(p, "detail", d);
    json_object_set_new(p, "instance", json_string(r->id));
    if (errors)
        json_object_set_new(p, "errors", errors);
    char *s = eg_json_dump_arena(r->arena, p);
    json_decref(p);
    return eg__reply_set(r, status, "application/problem+json", s, strlen(s));
}

/* problem+json for an EG_E* code from the error table. Returns 0. */
int eg_reply_problem(eg_req *r, int rc, const char *detail, json_t *errors)
{
    const char *slug = eg_err_slug(rc);
    if (r->route && r->route->problem_ns)
        slug = eg_arena_printf(r->arena, "%s/%s", r->route->problem_ns, slug);
    return eg_reply_problem_ex(r, eg_err_status(rc), slug, eg_err_title_vi(rc), detail, errors);
}

/* Records the detail of the problem the core sends when the handler returns rc < 0. */
int eg_req_fail(eg_req *r, int rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    eg_buf b = EG_BUF_INIT;
    eg_buf_vprintf(&b, fmt, ap);
    va_end(ap);
    r->fail_detail = eg_arena_strdup(r->arena, eg_buf_cstr(&b));
    eg_buf_free(&b);
    return rc;
}

/* Same as eg_req_fail, and appends {field, message} to the problem's errors. */
int eg_req_fail_field(eg_req *r, int rc, const char *field, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    eg_buf b = EG_BUF_INIT;
    eg_buf_vprintf(&b, fmt, ap);
    va_end(ap);
    r->fail_detail = eg_arena_strdup(r->arena, eg_buf_cstr(&b));
    if (!r->fail_errors)
        r->fail_errors = json_array();
    json_t *e = json_object();
    json_object_set_new(e, "field", eg_json_strn(field));
    json_object_set_new(e, "message", eg_json_strn(eg_buf_cstr(&b)));
    json_array_append_new(r->fail_errors, e);
    eg_buf_free(&b);
    return rc;
}

/* EG_EPRECOND when If-Match is present and names neither "*" nor "v<version>". */
int eg_req_check_if_match(eg_req *r, int64_t version)
{
    const char *im = eg_req_header(r, "If-Match");
    if (!im)
        return 0;
    char want[32];
    snprintf(want, sizeof(want), "\"v%lld\"", (long long)version);
    size_t wn = strlen(want);
    const char *p = im;
    while (*p) {
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        if (*p == '*')
            return 0;
        if (strncmp(p, "W/", 2) == 0)
            p += 2;
        if (strncmp(p, want, wn) == 0 && (p[wn] == '\0' || p[wn] == ',' || p[wn] == ' '))
            return 0;
        while (*p && *p != ',')
            p++;
    }
    return EG_EPRECOND;
}

/* Adds ETag: "v<version>". */
void eg_reply_etag(eg_req *r, int64_t version)
{
    eg_reply_header(r, "ETag", eg_arena_printf(r->arena, "\"v%lld\"", (long long)version));
}
