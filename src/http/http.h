/*
 * http.h - the HTTP core every module serves through: a libmicrohttpd thread pool, a router
 * with path parameters, per-request arenas, request ids, body limits, problem+json errors,
 * security headers, static files, the access log and Prometheus metrics.
 *
 * It is a library below the application modules: modules register handlers; the router
 * calls them through function pointers. It knows nothing about accounts: the identity
 * module installs an authenticator hook that resolves the principal of a request.
 *
 * Handler contract: a handler sets the response with one of the eg_reply_* functions and
 * returns 0, or returns a negative EG_E* code and the core answers with the problem+json
 * for that code (detail from eg_req_fail(), if the handler set one).
 */
#ifndef EG_HTTP_H
#define EG_HTTP_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "base/base.h"

typedef struct eg_http eg_http;
typedef struct eg_req eg_req;
typedef int (*eg_handler)(eg_req *req);

/* Per-route options. Zero-initialised means: body up to the server default (1 MiB),
 * JSON depth 32, no authentication demanded by the core (handlers check themselves). */
typedef struct {
    size_t max_body;     /* bytes; 0 = server default */
    int public_route;    /* 1 = skip CSRF check (login form, token endpoint, callbacks) */
    const char *summary; /* one line for the OpenAPI document */
    const char *tag;     /* OpenAPI tag, usually the module name */
    /* Problem-type namespace for the problems the core itself sends on this route (413 body
     * too large, ...): "lgsp" turns "payload-too-large" into "lgsp/payload-too-large".
     * NULL = the plain slugs of the error table. */
    const char *problem_ns;
} eg_route_opts;

/* Server configuration (filled from eg_config by the caller). */
typedef struct {
    const char *listen;    /* "127.0.0.1:8080"; port 0 picks a free port */
    int threads;           /* 0 = max(16, 8 per core): handlers block on fsync and upstreams */
    size_t max_body;       /* default body limit, bytes */
    int max_json_depth;    /* default 32 */
    const char *web_root;  /* static files root (web/), NULL = none */
    const char *site_name; /* province name shown by the web shell */
    int access_log;        /* 1 = one JSON line per request */
    int conn_timeout_s;    /* idle connection timeout, default 30 */
} eg_http_config;

eg_http *eg_http_new(const eg_http_config *cfg);
void eg_http_free(eg_http *h);
/* Registers a route. method: "GET", "POST", "PUT", "PATCH", "DELETE" or "*" (any).
 * pattern: "/api/v1/dossiers/{code}/actions/{action}"; a final "{name*}" matches the rest of
 * the path including slashes. Literal segments win over parameters. */
void eg_http_route(eg_http *h, const char *method, const char *pattern, eg_handler fn,
                   const eg_route_opts *opts);
/* Opaque application context handed to every handler (eg_req_app). */
void eg_http_set_app(eg_http *h, void *app);
/* Authenticator: called lazily by eg_req_principal(); returns a principal pointer (arena
 * allocated, owned by the request) or NULL for anonymous. */
typedef void *(*eg_authenticator)(eg_req *req);
void eg_http_set_authenticator(eg_http *h, eg_authenticator fn);
/* CSRF check hook for cookie-authenticated unsafe requests: returns 0 to allow. */
typedef int (*eg_csrf_check)(eg_req *req);
void eg_http_set_csrf_check(eg_http *h, eg_csrf_check fn);
/* Extra metrics text appended to /metrics (Prometheus format) by modules. */
typedef void (*eg_metrics_fn)(eg_buf *out, void *app);
void eg_http_add_metrics(eg_http *h, eg_metrics_fn fn);
/* Readiness probe used by /readyz: returns 0 when ready, else sets a detail. */
typedef int (*eg_ready_fn)(void *app, char *detail, size_t n);
void eg_http_set_ready(eg_http *h, eg_ready_fn fn);
/* Fills /api/v1/version from the app. */
typedef json_t *(*eg_version_fn)(void *app);
void eg_http_set_version(eg_http *h, eg_version_fn fn);

/* Starts listening; writes the bound address "http://HOST:PORT" into url. */
int eg_http_start(eg_http *h, char *url, size_t urllen);
/* Stops accepting, waits for in-flight requests (up to timeout_ms), joins threads. */
void eg_http_stop(eg_http *h, int timeout_ms);
/* The route table as an OpenAPI 3.1 document (every registered /api/v1 route). */
json_t *eg_http_openapi(eg_http *h);

/* ------------------------------------------------------------------ request */

void *eg_req_app(eg_req *r);
eg_arena *eg_req_arena(eg_req *r);
const char *eg_req_method(eg_req *r);
const char *eg_req_path(eg_req *r); /* decoded path, no query */
/* The path exactly as the client sent it (still percent-encoded), for proxies. */
const char *eg_req_raw_path(eg_req *r);
/* The query string as sent, without '?' ("" when none), rebuilt from the parsed arguments in
 * their order ("k=v" or "k" joined by '&'; empty "&&" pieces are not kept). For proxies. */
const char *eg_req_raw_query(eg_req *r);
const char *eg_req_route(eg_req *r); /* matched pattern, for metrics and audit */
const char *eg_req_id(eg_req *r);    /* X-Request-Id */
const char *eg_req_client_ip(eg_req *r);
const char *eg_req_param(eg_req *r, const char *name); /* path parameter or NULL */
const char *eg_req_query(eg_req *r, const char *name); /* query argument or NULL */
/* limit/cursor per api.md §2: limit default 50, clamped to [1, 500]. */
int eg_req_limit(eg_req *r);
const char *eg_req_header(eg_req *r, const char *name); /* case-insensitive, NULL if absent */
const char *eg_req_cookie(eg_req *r, const char *name);
/* Visits every request header (for proxying). */
void eg_req_headers_each(eg_req *r, void (*fn)(void *ctx, const char *k, const char *v), void *ctx);
const char *eg_req_body(eg_req *r, size_t *len); /* never NULL; "" when no body */
/* Parses the body as a JSON object within the limits. On failure sets the problem
 * (400 malformed / 415 not JSON) and returns NULL; the handler returns the rc given.
 * The object is owned by the request (released at completion): do not json_decref it. */
json_t *eg_req_json(eg_req *r, int *rc);
/* 1 when the client prefers text/csv (Accept), 0 otherwise. */
int eg_req_accepts(eg_req *r, const char *media_type);
/* The authenticated principal (see identity), or NULL. */
void *eg_req_principal(eg_req *r);
void eg_req_set_principal(eg_req *r, void *p);
/* Module-private per-request slot. */
void *eg_req_data(eg_req *r);
void eg_req_set_data(eg_req *r, void *p);

/* ------------------------------------------------------------------ multipart */

typedef struct {
    const char *name;         /* form field name */
    const char *filename;     /* NULL for plain fields */
    const char *content_type; /* as sent (never trusted for files) */
    const char *data;
    size_t len;
} eg_part;
/* Parses a multipart/form-data body into parts (arena-allocated). EG_EINVAL / EG_EMEDIA. */
int eg_req_multipart(eg_req *r, eg_part **parts, int *nparts);
/* Parser entry usable without a request (fuzz target): boundary from the content type. */
int eg_multipart_parse(eg_arena *a, const char *content_type, const char *body, size_t len,
                       eg_part **parts, int *nparts);

/* ------------------------------------------------------------------ response */

void eg_reply_header(eg_req *r, const char *name, const char *value);
/* Sends a JSON value (steals the reference). */
int eg_reply_json(eg_req *r, int status, json_t *body);
/* Sends bytes (copied). content_type like "text/csv; charset=utf-8". */
int eg_reply(eg_req *r, int status, const char *content_type, const void *data, size_t len);
/* Sends an HTML page (adds the HTML security headers). */
int eg_reply_html(eg_req *r, int status, const char *html, size_t len);
int eg_reply_redirect(eg_req *r, int status, const char *location);
/* problem+json from an EG_E* code: status, type slug and Vietnamese title from the error
 * table; detail may be NULL; errors (may be NULL) is stolen: [{field, message}]. */
int eg_reply_problem(eg_req *r, int rc, const char *detail, json_t *errors);
/* problem+json with an explicit type slug/title (e.g. "lgsp/access-denied"). */
int eg_reply_problem_ex(eg_req *r, int status, const char *slug, const char *title_vi,
                        const char *detail, json_t *errors);
/* Records a detail for the problem the core will send when the handler returns rc < 0.
 * Returns rc so handlers can write: return eg_req_fail(r, EG_EINVAL, "…"). */
int eg_req_fail(eg_req *r, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Same, with a field-level error entry appended. */
int eg_req_fail_field(eg_req *r, int rc, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Conditional requests: weak-free ETag "\"v<version>\"". Returns EG_EPRECOND when an
 * If-Match header is present and does not match, 0 otherwise. */
int eg_req_check_if_match(eg_req *r, int64_t version);
void eg_reply_etag(eg_req *r, int64_t version);

/* Percent-decodes a URL path; rejects encoded '/' ("%2F") and NUL, and dot segments that
 * escape the root. EG_EINVAL on bad input. Exposed for the fuzz target. */
int eg_url_decode_path(const char *in, size_t n, eg_buf *out);
/* Percent-decodes a query component ('+' = space). */
int eg_url_decode_query(const char *in, size_t n, eg_buf *out);

#endif
