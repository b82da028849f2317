/*
 * server.c - the libmicrohttpd daemon and the life of one request.
 *
 * MHD runs a pool of worker threads (epoll; by default 8 per core, at least 16, because
 * handlers wait for the store's group-commit barrier rather than compute; see pool_size). For each
 * request the access handler is called several times: once when the headers are in (stage 0:
 * request id, path decoding, routing, body limit from Content-Length), then once per chunk of body
 * (accumulated into the request arena up to the route's limit), then a last time with no
 * data, when the handler runs (stage 2). The completion callback records metrics, writes
 * the access log line and frees the arena: one free per request.
 *
 * MHD's own URL unescaping is switched off so url.c sees the raw path and can refuse %2F,
 * NUL and traversal before anything else looks at it.
 */
#include <arpa/inet.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "http/internal.h"

/* MHD 0.9.75 cannot queue a response while a body is arriving, so a chunked body that
 * crosses its limit is read and dropped until it ends, then answered 413; past this many
 * extra bytes the connection is closed instead. */
#define DISCARD_MAX ((size_t)8 * 1024 * 1024)

/* Creates a server from cfg (strings copied). Routes for /healthz, /readyz, /metrics,
 * /api/v1/version and /api/v1/openapi.json are registered here. Free with eg_http_free. */
eg_http *eg_http_new(const eg_http_config *cfg)
{
    eg_http *h = eg_calloc(1, sizeof(*h));
    h->listen = eg_strdup(cfg->listen ? cfg->listen : "127.0.0.1:8080");
    h->threads = cfg->threads;
    h->max_body = cfg->max_body ? cfg->max_body : EG_HTTP_DEFAULT_BODY;
    h->max_json_depth = cfg->max_json_depth > 0 ? cfg->max_json_depth : EG_HTTP_DEFAULT_DEPTH;
    if (cfg->web_root) {
        char *real = realpath(cfg->web_root, NULL);
        if (!real)
            eg_log(EG_LOG_WARN, "http", NULL, "web root not found", "web_root", cfg->web_root,
                   NULL);
        h->web_root = real;
    }
    h->site_name = cfg->site_name ? eg_strdup(cfg->site_name) : NULL;
    h->access_log = cfg->access_log;
    h->conn_timeout_s = cfg->conn_timeout_s > 0 ? cfg->conn_timeout_s : 30;
    eg__ops_register(h);
    return h;
}

/* Frees the server (stopping it first, 1 s grace, if still running). NULL is a no-op. */
void eg_http_free(eg_http *h)
{
    if (!h)
        return;
    if (h->daemon)
        eg_http_stop(h, 1000);
    eg__route_free_all(h);
    free(h->metric_fns);
    free(h->listen);
    free(h->web_root);
    free(h->site_name);
    free(h);
}

void eg_http_set_app(eg_http *h, void *app)
{
    h->app = app;
}

void eg_http_set_authenticator(eg_http *h, eg_authenticator fn)
{
    h->authenticator = fn;
}

void eg_http_set_csrf_check(eg_http *h, eg_csrf_check fn)
{
    h->csrf = fn;
}

void eg_http_add_metrics(eg_http *h, eg_metrics_fn fn)
{
    h->metric_fns = eg_realloc(h->metric_fns, (size_t)(h->nmetric_fns + 1) * sizeof(fn));
    h->metric_fns[h->nmetric_fns++] = fn;
}

void eg_http_set_ready(eg_http *h, eg_ready_fn fn)
{
    h->ready = fn;
}

void eg_http_set_version(eg_http *h, eg_version_fn fn)
{
    h->version = fn;
}

/* ------------------------------------------------------------------ request life */

static size_t no_unescape(void *cls, struct MHD_Connection *c, char *s)
{
    return strlen(s);
}

static void take_request_id(eg_req *r)
{
    const char *id = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "X-Request-Id");
    if (id && eg__valid_request_id(id)) {
        snprintf(r->id, sizeof(r->id), "%s", id);
    } else {
        char fresh[27];
        eg_new_id(fresh);
        memcpy(r->id, fresh, sizeof(fresh));
    }
}

/* Queues the reply of r (or a 500 if none was set). */
static enum MHD_Result queue(eg_req *r)
{
    struct MHD_Response *resp = eg__build_response(r);
    if (!resp)
        return MHD_NO;
    enum MHD_Result ok = MHD_queue_response(r->conn, (unsigned)r->status, resp);
    MHD_destroy_response(resp);
    r->queued = ok == MHD_YES;
    return ok;
}

/* Stage 0: everything that needs only the headers. Returns 1 when a reply is ready now. */
static int begin(eg_req *r, const char *url)
{
    eg_http *h = r->h;
    take_request_id(r);
    r->raw_path = eg_arena_strdup(r->arena, url);
    r->route_label = "unmatched";
    r->metrics = &h->unmatched_metrics;
    r->max_body = h->max_body;

    eg_buf p = EG_BUF_INIT;
    int rc = eg_url_decode_path(url, strlen(url), &p);
    if (rc) {
        eg_buf_free(&p);
        eg_reply_problem(r, EG_EINVAL, "Đường dẫn không hợp lệ", NULL);
        return 1;
    }
    r->path = eg_arena_strndup(r->arena, p.data, p.len);
    eg_buf_free(&p);

    rc = eg__route_match(h, r);
    if (rc == 0) {
        r->route_label = r->route->pattern;
        r->metrics = r->route->metrics;
        if (r->route->max_body)
            r->max_body = r->route->max_body;
    }
    const char *cl = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Content-Length");
    if (cl) {
        char *end = NULL;
        unsigned long long n = strtoull(cl, &end, 10);
        if (end == cl || *end != '\0' || cl[0] == '-') {
            eg_reply_problem(r, EG_EINVAL, "Content-Length không hợp lệ", NULL);
            return 1;
        }
        if (n > r->max_body) {
            r->too_big = 1;
            eg_reply_problem(r, EG_ETOOBIG, NULL, NULL);
            return 1;
        }
        r->body_cap = (size_t)n + 1;
        r->body = eg_arena_alloc(r->arena, r->body_cap);
    }
    return 0;
}

static void append_body(eg_req *r, const char *data, size_t n)
{
    if (!r->too_big && n > r->max_body - r->body_len)
        r->too_big = 1;
    if (r->too_big) {
        r->discarded += n;
        return;
    }
    if (r->body_len + n + 1 > r->body_cap) {
        size_t cap = r->body_cap ? r->body_cap : 4096;
        while (cap < r->body_len + n + 1)
            cap *= 2;
        char *nb = eg_arena_alloc(r->arena, cap);
        if (r->body_len)
            memcpy(nb, r->body, r->body_len);
        r->body = nb;
        r->body_cap = cap;
    }
    memcpy(r->body + r->body_len, data, n);
    r->body_len += n;
    r->body[r->body_len] = '\0';
}

static int unsafe_method(const char *m)
{
    return strcmp(m, "POST") == 0 || strcmp(m, "PUT") == 0 || strcmp(m, "PATCH") == 0 ||
           strcmp(m, "DELETE") == 0;
}

/* Stage 2: routing result, CSRF, the handler, and the problem if it failed. */
static void dispatch(eg_req *r)
{
    eg_http *h = r->h;
    if (r->too_big) {
        eg_reply_problem(r, EG_ETOOBIG, NULL, NULL);
        return;
    }
    if (!r->route) {
        if (r->allow) {
            eg_reply_header(r, "Allow", r->allow);
            eg_reply_problem(r, EG_EMETHOD, NULL, NULL);
            return;
        }
        if (h->web_root && !eg_str_has_prefix(r->path, "/api/") &&
            (strcmp(r->method, "GET") == 0 || strcmp(r->method, "HEAD") == 0)) {
            r->route_label = "static";
            r->metrics = &h->static_metrics;
            int rc = eg__serve_static(r);
            if (rc < 0 && !r->replied)
                eg_reply_problem(r, rc, NULL, NULL);
            return;
        }
        eg_reply_problem(r, EG_ENOTFOUND, NULL, NULL);
        return;
    }
    if (unsafe_method(r->method) && !r->route->public_route && h->csrf && h->csrf(r) != 0) {
        eg_reply_problem(r, EG_EFORBIDDEN, "Thiếu hoặc sai mã chống giả mạo (CSRF)", NULL);
        return;
    }
    int rc = r->route->fn(r);
    if (r->replied)
        return;
    if (rc < 0) {
        json_t *errs = r->fail_errors;
        r->fail_errors = NULL;
        eg_reply_problem(r, rc, r->fail_detail ? r->fail_detail : eg_err_title_vi(rc), errs);
        return;
    }
    eg_log(EG_LOG_ERROR, "http", r->id, "handler returned without a reply", "route", r->route_label,
           "method", r->method, NULL);
    eg_reply_problem(r, EG_EINTERNAL, NULL, NULL);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_size, void **con_cls)
{
    eg_http *h = cls;
    eg_req *r = *con_cls;
    if (!r) {
        eg_arena *a = eg_arena_new(0);
        r = eg_arena_zalloc(a, sizeof(*r));
        r->arena = a;
        r->h = h;
        r->conn = conn;
        r->out_fd = -1;
        r->start_ms = eg_mono_ms();
        r->method = eg_arena_strdup(a, method);
        *con_cls = r;
        atomic_fetch_add(&h->inflight, 1);
        r->stage = 1;
        if (begin(r, url))
            return queue(r);
        return MHD_YES;
    }
    if (r->queued) { /* early reply sent: drop whatever body still arrives */
        *upload_size = 0;
        return MHD_YES;
    }
    if (*upload_size) {
        append_body(r, upload_data, *upload_size);
        *upload_size = 0;
        if (r->too_big && !r->replied) {
            /* Answer now when MHD allows it; otherwise the rest is discarded and the 413
             * goes out at the end of the body. */
            eg_reply_problem(r, EG_ETOOBIG, NULL, NULL);
            queue(r);
        }
        if (r->too_big && r->discarded > r->max_body + DISCARD_MAX)
            return MHD_NO; /* a client that keeps sending after the limit: hang up */
        return MHD_YES;
    }
    r->stage = 2;
    if (!r->body)
        r->body = "";
    dispatch(r);
    return queue(r);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    eg_http *h = cls;
    eg_req *r = *con_cls;
    if (!r)
        return;
    *con_cls = NULL;
    int64_t dur = eg_mono_ms() - r->start_ms;
    if (r->queued)
        eg__metrics_record(h, r, dur);
    if (h->access_log) {
        char status[16], ms[32];
        snprintf(status, sizeof(status), "%d", r->queued ? r->status : 0);
        snprintf(ms, sizeof(ms), "%lld", (long long)dur);
        eg_log(EG_LOG_INFO, "http", r->id, "request", "method", r->method, "route", r->route_label,
               "path", r->raw_path, "status", status, "duration_ms", ms, "client_ip",
               eg_req_client_ip(r), NULL);
    }
    eg__req_release(r);
    eg_arena_free(r->arena);
    atomic_fetch_sub(&h->inflight, 1);
}

__attribute__((format(printf, 2, 0))) static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    char msg[512];
    vsnprintf(msg, sizeof(msg), fmt, ap);
    size_t n = strlen(msg);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
        msg[--n] = '\0';
    /* mostly client mistakes (malformed requests): not worth a warning each */
    eg_log(EG_LOG_INFO, "http", NULL, msg, NULL);
}

/* ------------------------------------------------------------------ start / stop */

/* Splits "HOST:PORT" / "[V6]:PORT" and resolves it into ss. */
static int parse_listen(const char *listen, struct sockaddr_storage *ss, socklen_t *sslen)
{
    char host[256];
    const char *colon = strrchr(listen, ':');
    if (!colon)
        return EG_EINVAL;
    size_t hn = (size_t)(colon - listen);
    const char *hp = listen;
    if (hn >= 2 && listen[0] == '[' && listen[hn - 1] == ']') {
        hp++;
        hn -= 2;
    }
    if (hn == 0 || hn >= sizeof(host))
        return EG_EINVAL;
    memcpy(host, hp, hn);
    host[hn] = '\0';
    struct addrinfo hints = {0}, *res = NULL;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    if (getaddrinfo(host, colon + 1, &hints, &res) != 0 || !res)
        return EG_EINVAL;
    memcpy(ss, res->ai_addr, res->ai_addrlen);
    *sslen = res->ai_addrlen;
    freeaddrinfo(res);
    return 0;
}

/* Worker threads: http.threads when set, else max(POOL_MIN, POOL_PER_CORE x cores). Handlers
 * block rather than compute: a write waits for the store's durability barrier (one WAL fsync
 * shared by every commit of the batch, see src/store/sqlite.c), so one thread per core would
 * let at most `cores` commits share an fsync. Idle workers cost a stack mapping and no RSS
 * until they run; each opens its database connection on first use. */
#define POOL_MIN      16
#define POOL_PER_CORE 8
#define POOL_MAX      256

static unsigned pool_size(int threads)
{
    long n = threads;
    if (n <= 0) {
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        n = cores > 0 ? cores * POOL_PER_CORE : POOL_MIN;
        if (n < POOL_MIN)
            n = POOL_MIN;
    }
    if (n > POOL_MAX)
        n = POOL_MAX;
    return n > 1 ? (unsigned)n : 1; /* 1: MHD's one internal thread, no pool */
}

/* Starts the daemon; writes "http://HOST:PORT" (the bound port) into url. EG_EINVAL for a
 * bad listen address, EG_EIO when binding fails. */
int eg_http_start(eg_http *h, char *url, size_t urllen)
{
    EG_ASSERT(h->daemon == NULL);
    struct sockaddr_storage ss;
    socklen_t sslen = 0;
    int rc = parse_listen(h->listen, &ss, &sslen);
    if (rc) {
        eg_log(EG_LOG_ERROR, "http", NULL, "bad listen address", "listen", h->listen, NULL);
        return rc;
    }
    unsigned flags =
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC | MHD_USE_ERROR_LOG;
    if (ss.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    unsigned threads = pool_size(h->threads);
    struct MHD_OptionItem opts[] = {
        {MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)mhd_log, NULL},
        {MHD_OPTION_SOCK_ADDR, 0, &ss},
        {MHD_OPTION_CONNECTION_TIMEOUT, h->conn_timeout_s, NULL},
        {MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_completed, h},
        {MHD_OPTION_UNESCAPE_CALLBACK, (intptr_t)no_unescape, NULL},
        {MHD_OPTION_CONNECTION_MEMORY_LIMIT, 64 * 1024, NULL},
        {threads > 1 ? MHD_OPTION_THREAD_POOL_SIZE : MHD_OPTION_END, (intptr_t)threads, NULL},
        {MHD_OPTION_END, 0, NULL},
    };
    h->daemon = MHD_start_daemon(flags, 0, NULL, NULL, on_request, h, MHD_OPTION_ARRAY, opts,
                                 MHD_OPTION_END);
    if (!h->daemon) {
        eg_log(EG_LOG_ERROR, "http", NULL, "cannot listen", "listen", h->listen, NULL);
        return EG_EIO;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(h->daemon, MHD_DAEMON_INFO_BIND_PORT);
    unsigned port = info ? info->port : 0;
    char host[INET6_ADDRSTRLEN] = "127.0.0.1";
    if (ss.ss_family == AF_INET6) {
        inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, host, sizeof(host));
        snprintf(url, urllen, "http://[%s]:%u", host, port);
    } else {
        inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, host, sizeof(host));
        snprintf(url, urllen, "http://%s:%u", host, port);
    }
    eg_log(EG_LOG_INFO, "http", NULL, "listening", "url", url, NULL);
    return 0;
}

/* Stops accepting, lets in-flight requests finish for up to timeout_ms, then stops the
 * workers (closing idle keep-alive connections). */
void eg_http_stop(eg_http *h, int timeout_ms)
{
    if (!h->daemon)
        return;
    MHD_socket fd = MHD_quiesce_daemon(h->daemon);
    if (fd != MHD_INVALID_SOCKET)
        close(fd);
    int64_t until = eg_mono_ms() + timeout_ms;
    while (atomic_load(&h->inflight) > 0 && eg_mono_ms() < until) {
        struct timespec ts = {0, 5 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    if (atomic_load(&h->inflight) > 0)
        eg_log(EG_LOG_WARN, "http", NULL, "stopping with requests in flight", NULL);
    MHD_stop_daemon(h->daemon);
    h->daemon = NULL;
}
