/*
 * internal.h - what the files of src/http share and nobody else sees: the server, route and
 * request structures and the eg__ helpers that pass between router, server, replies, static
 * files and metrics. Modules use http.h only.
 */
#ifndef EG_HTTP_INTERNAL_H
#define EG_HTTP_INTERNAL_H

#include <stdatomic.h>
#include <stdint.h>
#include <microhttpd.h>
#include "http/http.h"

#define EG_HTTP_DEFAULT_BODY  (1024 * 1024)
#define EG_HTTP_DEFAULT_DEPTH 32
#define EG_HTTP_MAX_PARAMS    16
#define EG_HTTP_MAX_SEGS      32

/* Metrics: each route keeps a small table of (method, status) counters claimed with CAS, so
 * counting a request never takes a lock. */
#define EG_METRIC_SLOTS   32
#define EG_METRIC_BUCKETS 12
struct eg__counter {
    _Atomic unsigned key; /* method index * 1000 + status; 0 = free slot */
    atomic_uint_fast64_t count;
};
struct eg__route_metrics {
    struct eg__counter slot[EG_METRIC_SLOTS];
};

enum seg_kind { SEG_LITERAL = 2, SEG_PARAM = 1, SEG_REST = 0 };
struct eg__seg {
    int kind;
    char *text; /* literal text or parameter name */
};

struct eg__route {
    char *method;  /* "GET" ... or "*" */
    char *pattern; /* as registered */
    struct eg__seg *segs;
    int nsegs;
    eg_handler fn;
    size_t max_body;
    int public_route;
    char *summary;
    char *tag;
    char *problem_ns;
    struct eg__route_metrics *metrics;
};

struct eg_http {
    char *listen;
    int threads;
    size_t max_body;
    int max_json_depth;
    char *web_root; /* realpath of the configured root, NULL = none */
    char *site_name;
    int access_log;
    int conn_timeout_s;

    struct eg__route *routes;
    int nroutes, routes_cap;
    /* Pseudo-routes for requests no registered route matched. */
    struct eg__route_metrics unmatched_metrics;
    struct eg__route_metrics static_metrics;

    void *app;
    eg_authenticator authenticator;
    eg_csrf_check csrf;
    eg_metrics_fn *metric_fns;
    int nmetric_fns;
    eg_ready_fn ready;
    eg_version_fn version;

    struct MHD_Daemon *daemon;
    atomic_int inflight;
    atomic_uint_fast64_t dur_buckets[EG_METRIC_BUCKETS]; /* cumulative at render time */
    atomic_uint_fast64_t dur_sum_us;
    atomic_uint_fast64_t dur_count;
};

struct eg__header {
    const char *name, *value;
    struct eg__header *next;
};

struct eg_req {
    eg_http *h;
    struct MHD_Connection *conn;
    eg_arena *arena;
    int64_t start_ms;
    int stage; /* 0 new, 1 receiving body, 2 dispatched */

    const char *method;
    const char *raw_path;
    const char *path; /* decoded; NULL when the path was refused */
    char id[65];
    const char *client_ip;

    const struct eg__route *route;
    const char *route_label; /* pattern, "static" or "unmatched" */
    struct eg__route_metrics *metrics;
    const char *param_names[EG_HTTP_MAX_PARAMS];
    const char *param_values[EG_HTTP_MAX_PARAMS];
    int nparams;
    const char *allow; /* "GET, POST" when the path exists under other methods */

    char *body;
    size_t body_len, body_cap, max_body;
    int too_big;
    size_t discarded; /* body bytes dropped after the limit was crossed */
    json_t *json;     /* eg_req_json result, released with the arena */

    /* The reply being built. */
    int replied;
    int status;
    const char *ctype;
    const char *out;
    size_t out_len;
    int out_fd; /* static file, -1 = none */
    uint64_t out_fd_size;
    int html;
    struct eg__header *headers;
    int queued;

    /* What eg_req_fail recorded. */
    const char *fail_detail;
    json_t *fail_errors;

    void *principal;
    int principal_done;
    void *data;
};

/* router.c */
int eg__route_match(eg_http *h, eg_req *r);
void eg__route_free_all(eg_http *h);
/* reply.c */
void eg__security_headers(struct MHD_Response *resp, int html);
int eg__reply_set(eg_req *r, int status, const char *ctype, const char *data, size_t len);
struct MHD_Response *eg__build_response(eg_req *r);
int eg__valid_request_id(const char *s);
/* static.c */
int eg__serve_static(eg_req *r);
/* metrics.c */
void eg__metrics_record(eg_http *h, eg_req *r, int64_t dur_ms);
int eg__metrics_handler(eg_req *r);
/* ops.c */
void eg__ops_register(eg_http *h);
/* request.c */
void eg__req_release(eg_req *r);

#endif
