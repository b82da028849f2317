/*
 * gateway.c - ANY /gw/{service}/{version}/{path*}: the security-server role of X-Road for
 * REST and SOAP services, in one pass:
 *
 *   1. the consumer is the OAuth client of the bearer token (client_credentials) -> 401
 *   2. the service exists, is published/deprecated and the version matches       -> 404
 *   3. a grant for (service, client) allows the method and path prefix            -> 403
 *   4. size limit (lgsp.max_body)                                                 -> 413
 *   5. rate limit (per second, token bucket) and daily quota of the grant         -> 429
 *   6. forward over this worker thread's reused curl handle (keep-alive pool):
 *      raw path and query as received, body as received, the consumer's
 *      Authorization/Cookie and hop-by-hop headers (including any named in Connection)
 *      stripped, X-Road-Client set to the consumer, X-Road-Id generated when absent;
 *      X-Road-UserId / X-Road-Issue and other end-to-end headers pass through. No
 *      redirects are followed (a 3xx is a 502); every connection is re-checked against the
 *      SSRF rules when the socket opens. Timeout -> 504, other failures -> 502.
 *   7. the exchange record goes to the message log (group commit, see msglog.c), the stats
 *      are counted, and the upstream response is returned with X-Road-Id.
 *
 * Errors are problem+json (type https://egov.local/problems/lgsp/<slug>), or SOAP 1.1 faults
 * for services registered with kind "soap".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include "lgsp/internal.h"

#define RESPONSE_MAX ((size_t)64 * 1024 * 1024)

static const char *const TITLES[][2] = {
    {"unauthenticated", "Chưa xác thực hệ thống gọi dịch vụ"},
    {"access-denied", "Hệ thống không được cấp quyền gọi dịch vụ"},
    {"unknown-service", "Không có dịch vụ này trên LGSP"},
    {"quota-exceeded", "Vượt hạn mức gọi dịch vụ"},
    {"payload-too-large", "Nội dung yêu cầu quá lớn"},
    {"upstream-unreachable", "Không kết nối được dịch vụ cung cấp"},
    {"upstream-timeout", "Dịch vụ cung cấp không trả lời kịp thời hạn"},
    {"unavailable", "LGSP tạm thời quá tải"},
    {"bad-request", "Yêu cầu không hợp lệ"},
    {NULL, NULL},
};

static const char *title_of(const char *slug)
{
    for (int i = 0; TITLES[i][0]; i++)
        if (strcmp(TITLES[i][0], slug) == 0)
            return TITLES[i][1];
    return "Lỗi LGSP";
}

int eg__lgsp_fail(eg_req *r, int soap, int status, const char *slug, const char *detail)
{
    if (!soap)
        return eg_reply_problem_ex(r, status, eg_arena_printf(eg_req_arena(r), "lgsp/%s", slug),
                                   title_of(slug), detail, NULL);
    eg_buf b = EG_BUF_INIT;
    eg_buf_puts(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                    "<SOAP-ENV:Envelope xmlns:SOAP-ENV=\"http://schemas.xmlsoap.org/soap/"
                    "envelope/\"><SOAP-ENV:Body><SOAP-ENV:Fault><faultcode>");
    eg_buf_puts(&b, status >= 500 ? "SOAP-ENV:Server" : "SOAP-ENV:Client");
    eg_buf_puts(&b, "</faultcode><faultstring>");
    eg_buf_xml(&b, title_of(slug));
    if (detail) {
        eg_buf_puts(&b, ": ");
        eg_buf_xml(&b, detail);
    }
    eg_buf_printf(&b,
                  "</faultstring><detail><problem xmlns=\"urn:egov:lgsp\"><type>" LGSP_PROBLEM
                  "%s</type><status>%d</status><instance>",
                  slug, status);
    eg_buf_xml(&b, eg_req_id(r));
    eg_buf_puts(&b, "</instance></problem></detail></SOAP-ENV:Fault></SOAP-ENV:Body>"
                    "</SOAP-ENV:Envelope>\n");
    /* SOAP 1.1: faults travel with HTTP 500 except for client errors we keep as-is. */
    int rc = eg_reply(r, status, "text/xml; charset=utf-8", b.data, b.len);
    eg_buf_free(&b);
    return rc;
}

/* ------------------------------------------------------------------ rate limiting */

struct lgsp_bucket {
    int64_t grant_id;
    double tokens;
    int64_t last_ms;
    int32_t day;
    int64_t used_today;
    struct lgsp_bucket *next;
};

int64_t eg__lgsp_rate_check(lgsp_state *s, const lgsp_grant *g)
{
    if (!g->rate_per_sec && !g->quota_per_day)
        return 0;
    int64_t now = eg_now_ms();
    int32_t day = (int32_t)((now + 7 * 3600000LL) / 86400000LL); /* Vietnam civil day */
    pthread_mutex_lock(&s->rl_mu);
    struct lgsp_bucket *b = s->buckets;
    while (b && b->grant_id != g->id)
        b = b->next;
    if (!b) {
        b = eg_calloc(1, sizeof(*b));
        b->grant_id = g->id;
        b->tokens = (double)g->rate_per_sec;
        b->last_ms = now;
        b->day = day;
        b->next = s->buckets;
        s->buckets = b;
    }
    int64_t retry = 0;
    if (b->day != day) {
        b->day = day;
        b->used_today = 0;
    }
    if (g->quota_per_day && b->used_today >= g->quota_per_day) {
        int64_t next_midnight = ((int64_t)day + 1) * 86400000LL - 7 * 3600000LL;
        retry = (next_midnight - now) / 1000 + 1;
    } else if (g->rate_per_sec) {
        b->tokens += (double)(now - b->last_ms) * (double)g->rate_per_sec / 1000.0;
        if (b->tokens > (double)g->rate_per_sec)
            b->tokens = (double)g->rate_per_sec;
        b->last_ms = now;
        if (b->tokens < 1.0)
            retry = 1;
        else
            b->tokens -= 1.0;
    }
    if (!retry)
        b->used_today++;
    pthread_mutex_unlock(&s->rl_mu);
    return retry;
}

void eg__lgsp_rate_free(lgsp_state *s)
{
    pthread_mutex_lock(&s->rl_mu);
    while (s->buckets) {
        struct lgsp_bucket *n = s->buckets->next;
        free(s->buckets);
        s->buckets = n;
    }
    pthread_mutex_unlock(&s->rl_mu);
}

/* ------------------------------------------------------------------ curl */

void eg__lgsp_gateway_global_init(void)
{
    static int done;
    if (!done) {
        curl_global_init(CURL_GLOBAL_ALL);
        done = 1;
    }
}

static _Thread_local CURL *tl_curl;
/* The key only carries a destructor: a thread that exits (an HTTP worker at shutdown, the
 * scheduler) cleans up its handle and the connections it kept alive. */
static pthread_key_t curl_key;
static pthread_once_t curl_key_once = PTHREAD_ONCE_INIT;

static void curl_free_handle(void *h)
{
    curl_easy_cleanup(h);
}

static void curl_key_make(void)
{
    pthread_key_create(&curl_key, curl_free_handle);
}

struct sockctx {
    lgsp_state *s;
    int refused;
};

static curl_socket_t open_socket(void *clientp, curlsocktype purpose, struct curl_sockaddr *a)
{
    struct sockctx *x = clientp;
    if (!eg__lgsp_addr_allowed(&a->addr, x->s->allow)) {
        x->refused = 1;
        return CURL_SOCKET_BAD;
    }
    return socket(a->family, a->socktype, a->protocol);
}

struct sink {
    eg_buf *b;
    size_t max;
    int over;
};

static size_t on_body(char *p, size_t sz, size_t n, void *ud)
{
    struct sink *k = ud;
    if (k->b->len + sz * n > k->max) {
        k->over = 1;
        return 0;
    }
    eg_buf_append(k->b, p, sz * n);
    return sz * n;
}

static size_t on_header(char *p, size_t sz, size_t n, void *ud)
{
    lgsp_upstream_reply *o = ud;
    size_t len = sz * n;
    /* A new status line (after 100 Continue) starts the header block again. */
    if (len > 5 && strncmp(p, "HTTP/", 5) == 0)
        eg_buf_reset(&o->headers);
    else
        eg_buf_append(&o->headers, p, len);
    return len;
}

int eg__lgsp_forward(lgsp_state *s, const char *url, const char *method, struct curl_slist *hdrs,
                     const char *body, size_t len, int64_t timeout_ms, lgsp_upstream_reply *out)
{
    if (!tl_curl) {
        pthread_once(&curl_key_once, curl_key_make);
        tl_curl = curl_easy_init();
        pthread_setspecific(curl_key, tl_curl);
    }
    CURL *c = tl_curl;
    curl_easy_reset(c); /* keeps the live connections and DNS cache of this handle */
    struct sockctx sx = {s, 0};
    struct sink sk = {&out->body, RESPONSE_MAX, 0};
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)(timeout_ms < 5000 ? timeout_ms : 5000));
    curl_easy_setopt(c, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_1_1);
    curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L);
    curl_easy_setopt(c, CURLOPT_OPENSOCKETFUNCTION, open_socket);
    curl_easy_setopt(c, CURLOPT_OPENSOCKETDATA, &sx);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &sk);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, out);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
    if (eg__lgsp_fed_is_peer(s, url)) { /* mutual TLS to a federation peer */
        curl_easy_setopt(c, CURLOPT_SSLCERT, eg__lgsp_fed_cfg(s, "cert"));
        curl_easy_setopt(c, CURLOPT_SSLKEY, eg__lgsp_fed_cfg(s, "key"));
        curl_easy_setopt(c, CURLOPT_CAINFO, eg__lgsp_fed_cfg(s, "ca"));
        curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
        curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
    }
    if (strcmp(method, "HEAD") == 0) {
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    } else if (strcmp(method, "GET") == 0 && len == 0) {
        curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
    } else {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body ? body : "");
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    }
    CURLcode cc = curl_easy_perform(c);
    out->err = 0;
    if (cc == CURLE_OK) {
        long st = 0;
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &st);
        out->status = (int)st;
        char *ct = NULL;
        curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ct);
        snprintf(out->ctype, sizeof(out->ctype), "%s", ct ? ct : "");
        return EG_OK;
    }
    if (cc == CURLE_OPERATION_TIMEDOUT) {
        out->err = EG_ETIMEOUT;
        snprintf(out->errmsg, sizeof(out->errmsg), "quá %lld ms", (long long)timeout_ms);
    } else {
        out->err = EG_EUPSTREAM;
        snprintf(out->errmsg, sizeof(out->errmsg), "%s",
                 sx.refused ? "địa chỉ đích bị chặn (SSRF)"
                 : sk.over  ? "phản hồi quá lớn"
                            : curl_easy_strerror(cc));
    }
    /* A failed transfer may leave the connection in an unknown state: start afresh. */
    curl_easy_cleanup(c);
    tl_curl = NULL;
    pthread_setspecific(curl_key, NULL);
    return out->err;
}

/* ------------------------------------------------------------------ headers */

static int hop_by_hop(const char *k)
{
    static const char *const h[] = {"connection",
                                    "keep-alive",
                                    "proxy-authenticate",
                                    "proxy-authorization",
                                    "proxy-connection",
                                    "te",
                                    "trailer",
                                    "trailers",
                                    "transfer-encoding",
                                    "upgrade",
                                    "host",
                                    "content-length",
                                    "authorization",
                                    "cookie",
                                    "expect",
                                    "x-road-client",
                                    "x-csrf-token",
                                    "x-road-id",
                                    "x-lgsp-client-cert",
                                    "x-lgsp-relay",
                                    NULL};
    for (int i = 0; h[i]; i++)
        if (strcasecmp(k, h[i]) == 0)
            return 1;
    return 0;
}

/* 1 when k is listed as a token of the Connection header (those are hop-by-hop too). */
static int named_in_connection(const char *conn, const char *k)
{
    if (!conn)
        return 0;
    size_t kl = strlen(k);
    const char *p = conn;
    while (*p) {
        while (*p == ' ' || *p == ',' || *p == '\t')
            p++;
        const char *e = p;
        while (*e && *e != ',' && *e != ' ' && *e != '\t')
            e++;
        if ((size_t)(e - p) == kl && strncasecmp(p, k, kl) == 0)
            return 1;
        p = e;
    }
    return 0;
}

struct hdr_ctx {
    struct curl_slist *list;
    const char *connection;
    json_t *rename; /* transform.headers: {"From": "To"} */
    int drop_ctype; /* the body is converted: Content-Type is set anew */
};

static void add_header(void *ud, const char *k, const char *v)
{
    struct hdr_ctx *x = ud;
    if (hop_by_hop(k) || named_in_connection(x->connection, k))
        return;
    if (strchr(k, '\r') || strchr(k, '\n') || strchr(v, '\r') || strchr(v, '\n'))
        return;
    if (x->drop_ctype && strcasecmp(k, "Content-Type") == 0)
        return;
    const char *hk;
    json_t *hv;
    json_object_foreach(x->rename, hk, hv)
    {
        if (strcasecmp(hk, k) == 0) {
            k = json_string_value(hv);
            break;
        }
    }
    char *line = eg_asprintf("%s: %s", k, v);
    x->list = curl_slist_append(x->list, line);
    free(line);
}

/* Passes the upstream's response headers except hop-by-hop and those the core sets. */
static void copy_response_headers(eg_req *r, const eg_buf *h)
{
    static const char *const skip[] = {"content-length", "content-type", "server",
                                       "date",           "x-request-id", "set-cookie",
                                       "location",       "x-road-id",    NULL};
    const char *conn = NULL;
    char *copy = eg_arena_strndup(eg_req_arena(r), h->data ? h->data : "", h->len);
    /* First pass: the Connection header's tokens. */
    for (char *line = copy; line && *line;) {
        char *e = strstr(line, "\r\n");
        if (strncasecmp(line, "connection:", 11) == 0)
            conn = eg_arena_strndup(eg_req_arena(r), line + 11,
                                    e ? (size_t)(e - line - 11) : strlen(line + 11));
        line = e ? e + 2 : NULL;
    }
    for (char *line = copy; line && *line;) {
        char *e = strstr(line, "\r\n");
        if (e)
            *e = '\0';
        char *colon = strchr(line, ':');
        if (colon && colon != line) {
            *colon = '\0';
            char *v = colon + 1;
            while (*v == ' ' || *v == '\t')
                v++;
            int drop = hop_by_hop(line) || named_in_connection(conn, line);
            for (int i = 0; skip[i] && !drop; i++)
                drop = strcasecmp(line, skip[i]) == 0;
            if (!drop)
                eg_reply_header(r, line, v);
        }
        line = e ? e + 2 : NULL;
    }
}

void eg__lgsp_new_uuid(char out[37])
{
    unsigned char b[16];
    eg_random(b, sizeof(b));
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
    snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0],
             b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13],
             b[14], b[15]);
}

int eg__lgsp_header_value_ok(const char *s, size_t max)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > max)
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return 0;
    return 1;
}

/* Skips the first k segments of a raw path ("/gw/svc/v1/rest" -> "/rest"). */
static const char *skip_segments(const char *p, int k)
{
    for (int i = 0; i < k && p; i++) {
        p = strchr(p + 1, '/');
    }
    return p ? p : "";
}

/* ------------------------------------------------------------------ the handler */

/* 1 when the request came through our TLS listener (mtls.c) with the client certificate
 * whose SHA-256 is want. The listener's secret proves the header; clients cannot set it. */
static int cert_presented(eg_req *r, lgsp_state *s, const char *want)
{
    const char *relay = eg_req_header(r, "X-Lgsp-Relay");
    const char *fp = eg_req_header(r, "X-Lgsp-Client-Cert");
    if (!relay || !fp || strlen(relay) != 64 || !eg_ct_equal(relay, 64, s->relay_secret, 64))
        return 0;
    return strlen(fp) == 64 && strcasecmp(fp, want) == 0;
}

static const char *query_arg(void *ctx, const char *name)
{
    return eg_req_query(ctx, name);
}

static char *dupn(const char *s)
{
    return s ? eg_strdup(s) : NULL;
}

static int gateway(eg_req *r)
{
    eg_app *app = eg_req_app(r);
    lgsp_state *s = eg__lgsp_state(app);
    eg_arena *a = eg_req_arena(r);
    int64_t t_in = eg_now_ms(), m_in = eg_mono_ms();
    const char *code = eg_req_param(r, "service"), *version = eg_req_param(r, "version");
    const char *method = eg_req_method(r);
    eg_conn *c = eg_db_conn(app->db);

    lgsp_service sv;
    int have = eg__lgsp_service_cached(s, c, a, code, &sv) == 0;
    int soap = have && strcmp(sv.kind, "soap") == 0;

    char xid[80];
    const char *given = eg_req_header(r, "X-Road-Id");
    if (given && eg__lgsp_header_value_ok(given, 64))
        snprintf(xid, sizeof(xid), "%s", given);
    else
        eg__lgsp_new_uuid(xid);
    eg_reply_header(r, "X-Road-Id", xid);

    const eg_principal *p = eg__lgsp_principal(s, r);
    if (!p)
        return eg__lgsp_fail(r, soap, 401, "unauthenticated",
                             "Cần access token của hệ thống (OAuth2 client_credentials)");
    /* Consumers are systems: a person's token (even one issued to an app) is not a consumer. */
    if (!p->client_id || !p->kind || strcmp(p->kind, "system") != 0)
        return eg__lgsp_fail(r, soap, 403, "access-denied",
                             "Chỉ hệ thống dùng access token client_credentials được gọi dịch vụ");
    eg_reply_header(r, "X-Road-Client", p->client_id);

    size_t blen = 0;
    const char *body = eg_req_body(r, &blen);
    const char *raw_path = eg_req_raw_path(r), *raw_query = eg_req_raw_query(r);
    const char *rest = skip_segments(raw_path, 3);
    const char *target =
        *raw_query ? eg_arena_printf(a, "%s?%s", rest, raw_query) : eg_arena_strdup(a, rest);

    /* The record every outcome from here on is logged with. */
    lgsp_record *rec = eg__lgsp_record_new();
    eg__lgsp_log_enter(s, rec);
    snprintf(rec->xroad_id, sizeof(rec->xroad_id), "%s", xid);
    snprintf(rec->request_id, sizeof(rec->request_id), "%s", eg_req_id(r));
    snprintf(rec->side, sizeof(rec->side), "client");
    rec->client_id = dupn(p->client_id);
    rec->service_code = dupn(code);
    rec->service_version = dupn(version);
    rec->method = dupn(method);
    rec->path = dupn(target);
    const char *uid = eg_req_header(r, "X-Road-UserId"), *issue = eg_req_header(r, "X-Road-Issue");
    rec->user_id = eg__lgsp_header_value_ok(uid, 200) ? dupn(uid) : NULL;
    rec->issue = eg__lgsp_header_value_ok(issue, 500) ? dupn(issue) : NULL;
    rec->request_in_ms = t_in;
    rec->request_size = (int64_t)blen;
    eg_sha256_hex(body, blen, rec->request_sha256);
    if ((int64_t)blen <= s->log_body_max) {
        rec->request_body = eg_malloc(blen + 1);
        memcpy(rec->request_body, body, blen);
        rec->request_body_len = blen;
    }

    int status = 0, upstream_ok = 0;
    json_t *tf = have && sv.transform ? json_loads(sv.transform, 0, NULL) : NULL;
    const char *tf_req = tf ? eg_json_str(tf, "request") : NULL;
    const char *tf_res = tf ? eg_json_str(tf, "response") : NULL;
    eg_buf conv = EG_BUF_INIT;
    const char *slug = NULL, *detail = NULL;
    int64_t retry_after = 0;
    lgsp_grant g;
    lgsp_upstream_reply up = {0};
    struct curl_slist *hdrs = NULL;

    if (!have || strcmp(sv.version, version) != 0 ||
        (strcmp(sv.status, "published") && strcmp(sv.status, "deprecated"))) {
        status = 404, slug = "unknown-service";
        detail = eg_arena_printf(a, "Không có dịch vụ %s phiên bản %s đang công bố", code, version);
    } else if (eg__lgsp_grant_cached(s, c, a, code, p->client_id, &g) != 0) {
        status = 403, slug = "access-denied";
        detail = eg_arena_printf(a, "Hệ thống %s chưa được cấp quyền gọi %s", p->client_id, code);
    } else if (g.cert_sha256 && !cert_presented(r, s, g.cert_sha256)) {
        status = 401, slug = "unauthenticated";
        detail = eg_arena_printf(a,
                                 "Hệ thống %s phải trình chứng thư số máy trạm đã đăng ký "
                                 "(TLS hai chiều qua cổng TLS của LGSP)",
                                 p->client_id);
    } else if (g.methods && !strstr(g.methods, eg_arena_printf(a, ",%s,", method))) {
        status = 403, slug = "access-denied";
        detail = eg_arena_printf(a, "Quyền không cho phép phương thức %s", method);
    } else if (g.path_prefix &&
               !eg_str_has_prefix(
                   eg_arena_printf(a, "/%s",
                                   eg_req_param(r, "path") ? eg_req_param(r, "path") : ""),
                   g.path_prefix)) {
        status = 403, slug = "access-denied";
        detail = eg_arena_printf(a, "Quyền chỉ cho phép đường dẫn %s", g.path_prefix);
    } else if ((int64_t)blen > s->max_body) {
        status = 413, slug = "payload-too-large";
        detail = eg_arena_printf(a, "Tối đa %lld byte", (long long)s->max_body);
    } else if ((retry_after = eg__lgsp_rate_check(s, &g)) > 0) {
        status = 429, slug = "quota-exceeded";
        detail = g.quota_per_day ? "Vượt hạn mức số lần gọi trong ngày hoặc mỗi giây"
                                 : "Vượt giới hạn số lần gọi mỗi giây";
    } else if (!eg__lgsp_log_has_room(s)) {
        status = 503, slug = "unavailable";
        detail = "Hàng đợi nhật ký thông điệp đầy; thử lại sau";
        retry_after = 1;
    } else if (tf_req && blen &&
               (strcmp(tf_req, "json-to-xml") == 0
                    ? eg__lgsp_json_to_xml(body, blen, &conv)
                    : eg__lgsp_xml_to_json(body, blen, &conv)) != 0) {
        status = 400, slug = "bad-request";
        detail = eg_arena_printf(a, "Nội dung yêu cầu không chuyển đổi được (%s)", tf_req);
    } else if (eg__lgsp_data_provider(sv.upstream_url)) {
        /* Read-only data service: answered in-process, same checks and log. */
        rec->request_out_ms = eg_now_ms();
        if (strcmp(method, "GET") && strcmp(method, "HEAD")) {
            status = 405, slug = "access-denied";
            detail = "Dịch vụ dữ liệu chỉ cho phép đọc (GET)";
        } else {
            json_t *out = NULL;
            const char *sub = eg_req_param(r, "path");
            int drc = eg__lgsp_data_provider(sv.upstream_url)(
                app, sub ? eg_arena_printf(a, "/%s", sub) : "", query_arg, r, &out);
            if (drc == EG_ENOTFOUND) {
                status = 404, slug = "unknown-service";
                detail = "Không có dữ liệu ở đường dẫn này";
            } else if (drc) {
                status = 400, slug = "bad-request";
                detail = "Tham số truy vấn không hợp lệ";
            } else {
                char *txt = eg_json_dump_arena(a, out);
                json_decref(out);
                eg_buf_puts(&up.body, txt);
                snprintf(up.ctype, sizeof(up.ctype), "application/json");
                up.status = status = 200;
                upstream_ok = 1;
            }
        }
        rec->response_in_ms = eg_now_ms();
    } else {
        const char *fbody = body;
        size_t flen = blen;
        if (tf_req && blen) {
            fbody = conv.data;
            flen = conv.len;
        }
        struct hdr_ctx hx = {NULL, eg_req_header(r, "Connection"),
                             tf ? json_object_get(tf, "headers") : NULL, tf_req && blen};
        eg_req_headers_each(r, add_header, &hx);
        hdrs = hx.list;
        if (tf_req && blen)
            hdrs = curl_slist_append(hdrs, strcmp(tf_req, "json-to-xml") == 0
                                               ? "Content-Type: application/xml; charset=utf-8"
                                               : "Content-Type: application/json");
        hdrs = curl_slist_append(hdrs, eg_arena_printf(a, "X-Road-Client: %s", p->client_id));
        hdrs = curl_slist_append(hdrs, eg_arena_printf(a, "X-Road-Id: %s", xid));
        hdrs = curl_slist_append(hdrs, eg_arena_printf(a, "X-Road-Service: %s/%s", code, version));
        hdrs = curl_slist_append(hdrs, "Expect:");
        if (!eg_req_header(r, "Accept"))
            hdrs = curl_slist_append(hdrs, "Accept:");
        size_t ul = strlen(sv.upstream_url);
        while (ul && sv.upstream_url[ul - 1] == '/')
            ul--;
        const char *url = eg_arena_printf(a, "%.*s%s", (int)ul, sv.upstream_url, target);
        int fed = eg__lgsp_fed_is_peer(s, url);
        if (fed) {
            const char *slash = strstr(url, "://");
            const char *peer_target = slash ? strchr(slash + 3, '/') : NULL;
            hdrs = eg__lgsp_fed_sign(s, hdrs, method, peer_target ? peer_target : "/", xid,
                                     p->client_id, fbody, flen);
        }
        rec->request_out_ms = eg_now_ms();
        eg__lgsp_forward(s, url, method, hdrs, fbody, flen, sv.timeout_ms, &up);
        rec->response_in_ms = eg_now_ms();
        if (fed && !up.err &&
            eg__lgsp_fed_verify_response(s, up.status, xid, fbody, flen, &up) != 0) {
            up.err = EG_EUPSTREAM;
            snprintf(up.errmsg, sizeof(up.errmsg), "chữ ký phản hồi của LGSP đối tác không hợp lệ");
        }
        if (up.err == EG_ETIMEOUT) {
            status = 504, slug = "upstream-timeout";
            detail = eg_arena_printf(a, "Dịch vụ %s không trả lời trong %lld ms", code,
                                     (long long)sv.timeout_ms);
        } else if (up.err) {
            status = 502, slug = "upstream-unreachable";
            detail = eg_arena_printf(a, "Dịch vụ %s: %s", code, up.errmsg);
        } else if (up.status >= 300 && up.status < 400 && up.status != 304) {
            status = 502, slug = "upstream-unreachable";
            detail = eg_arena_printf(a,
                                     "Dịch vụ %s trả về chuyển hướng %d; LGSP không đi theo "
                                     "chuyển hướng",
                                     code, up.status);
        } else {
            status = up.status;
            upstream_ok = up.status < 500;
            eg_buf out = EG_BUF_INIT;
            int bad = 0;
            if (tf_res && up.body.len && strcmp(tf_res, "xml-to-json") == 0)
                bad = eg__lgsp_xml_to_json(up.body.data, up.body.len, &out);
            else if (tf_res && up.body.len)
                bad = eg__lgsp_json_to_xml(up.body.data, up.body.len, &out);
            if (bad) {
                status = 502, slug = "upstream-unreachable";
                detail = eg_arena_printf(a, "Phản hồi của dịch vụ %s không chuyển đổi được (%s)",
                                         code, tf_res);
                eg_buf_free(&out);
            } else if (tf_res && up.body.len) {
                eg_buf_free(&up.body);
                up.body = out;
                snprintf(up.ctype, sizeof(up.ctype), "%s",
                         strcmp(tf_res, "xml-to-json") == 0 ? "application/json"
                                                            : "application/xml; charset=utf-8");
            }
        }
    }
    curl_slist_free_all(hdrs);
    eg_buf_free(&conv);
    json_decref(tf);

    int rc;
    if (slug) {
        if (retry_after > 0)
            eg_reply_header(r, "Retry-After", eg_arena_printf(a, "%lld", (long long)retry_after));
        rec->error_type = eg_strdup(slug);
        rc = eg__lgsp_fail(r, soap, status, slug, detail);
        eg_sha256_hex("", 0, rec->response_sha256);
        rec->response_size = 0;
    } else {
        copy_response_headers(r, &up.headers);
        eg_reply_header(r, "X-Road-Service", eg_arena_printf(a, "%s/%s", code, version));
        rc = eg_reply(r, status, up.ctype[0] ? up.ctype : "application/octet-stream",
                      up.body.data ? up.body.data : "", up.body.len);
        rec->response_size = (int64_t)up.body.len;
        eg_sha256_hex(up.body.data ? up.body.data : "", up.body.len, rec->response_sha256);
        if ((int64_t)up.body.len <= s->log_body_max) {
            rec->response_body = eg_malloc(up.body.len + 1);
            if (up.body.len)
                memcpy(rec->response_body, up.body.data, up.body.len);
            rec->response_body_len = up.body.len;
        }
    }
    rec->status = status;
    rec->response_out_ms = eg_now_ms();
    eg__lgsp_stats_add(s->stats, code, p->client_id, status, slug == NULL ? upstream_ok : 0,
                       eg_mono_ms() - m_in);
    eg_buf_free(&up.body);
    eg_buf_free(&up.headers);
    int lrc = eg__lgsp_log_submit(s, rec);
    if (lrc)
        eg_log(EG_LOG_ERROR, "lgsp", eg_req_id(r), "message log write failed", "error",
               eg_strerror(lrc), NULL);
    return rc;
}

void eg__lgsp_gateway_routes(eg_http *h, lgsp_state *s)
{
    /* The core refuses larger bodies before buffering them, with lgsp/payload-too-large. */
    eg_route_opts o = {.summary = "Cổng LGSP: gọi dịch vụ đã đăng ký (X-Road)",
                       .tag = "lgsp",
                       .public_route = 1,
                       .max_body = (size_t)s->max_body,
                       .problem_ns = "lgsp"};
    eg_http_route(h, "*", "/gw/{service}/{version}/{path*}", gateway, &o);
    eg_http_route(h, "*", "/gw/{service}/{version}", gateway, &o);
}
