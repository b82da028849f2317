/*
 * queue.c - asynchronous delivery (store-and-forward), durable on the database.
 *
 *   POST /api/v1/lgsp/queue/{service}[?path=/sub/path]   body = the message; 202 + receipt id
 *   GET  /api/v1/lgsp/queue/messages/{id}                the delivery receipt
 *
 * The consumer is checked exactly as at the gateway (token, grant for POST and the path).
 * The message is committed before 202 is returned. A delivery thread (started by `serve`)
 * sends due messages in id order with POST to the service's upstream, X-Road-Id = the
 * message id (stable across retries, so a provider can de-duplicate), and records every
 * attempt in the message log. 2xx: delivered. 408/429/5xx/network errors: retried with
 * exponential backoff (1 s, 2 s, 4 s ... capped at 10 min) up to lgsp.queue_max_attempts
 * (default 8), then dead-lettered; other 4xx: dead-lettered at once.
 *
 * lgsp.queue_backend = nats carries the messages through NATS JetStream instead (see
 * queue_nats.c); the receipts stay in lgsp_queue either way, and rows of the SQL backend
 * queued before a switch are still delivered from here.
 *
 * Delivery guarantee: a message is marked delivered in the same moment its 2xx arrives; if
 * the process is killed between the provider's 2xx and that commit (a window of one
 * database write), the message is sent again after restart with the same X-Road-Id. So
 * delivery is at-least-once with an idempotency key, which is exactly-once for providers
 * that honour X-Road-Id, and exactly-once outright for messages not in flight at the crash.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "lgsp/internal.h"

static pthread_t deliverer;
static int deliverer_started;
static volatile int deliverer_stop;

static int enqueue(eg_req *r)
{
    eg_app *app = eg_req_app(r);
    eg_arena *a = eg_req_arena(r);
    const char *code = eg_req_param(r, "service");
    eg_conn *c = eg_db_conn(app->db);
    lgsp_service sv;
    int have = eg__lgsp_service_get(c, a, code, &sv) == 0;
    const eg_principal *p = eg_principal_of(r);
    if (!p)
        return eg__lgsp_fail(r, 0, 401, "unauthenticated",
                             "Cần access token của hệ thống (OAuth2 client_credentials)");
    /* Consumers are systems: a person's token (even one issued to an app) is not a consumer. */
    if (!p->client_id || !p->kind || strcmp(p->kind, "system") != 0)
        return eg__lgsp_fail(r, 0, 403, "access-denied",
                             "Chỉ hệ thống dùng access token client_credentials được gọi dịch vụ");
    if (!have || (strcmp(sv.status, "published") && strcmp(sv.status, "deprecated")))
        return eg__lgsp_fail(r, 0, 404, "unknown-service",
                             eg_arena_printf(a, "Không có dịch vụ %s đang công bố", code));
    lgsp_grant g;
    const char *path = eg_req_query(r, "path");
    if (!path)
        path = "/";
    if (path[0] != '/' || strstr(path, "..") || strpbrk(path, "\r\n#") || strlen(path) > 2000)
        return eg_req_fail_field(r, EG_EINVAL, "path", "Đường dẫn phải bắt đầu bằng '/'");
    if (eg__lgsp_grant_get(c, a, code, p->client_id, &g) ||
        (g.methods && !strstr(g.methods, ",POST,")) ||
        (g.path_prefix && !eg_str_has_prefix(path, g.path_prefix)))
        return eg__lgsp_fail(
            r, 0, 403, "access-denied",
            eg_arena_printf(a, "Hệ thống %s chưa được cấp quyền gửi tới %s", p->client_id, code));
    size_t blen = 0;
    const char *body = eg_req_body(r, &blen);
    char id[27];
    eg_new_id(id);
    const char *given = eg_req_header(r, "X-Road-Id");
    const char *msg_id = given && *given && strlen(given) <= 64 && !strpbrk(given, "\r\n")
                             ? given
                             : eg_arena_printf(a, "q-%s", id);
    char now[25];
    eg_time_iso_ms(eg_now_ms(), now);
    lgsp_state *s = eg__lgsp_state(app);
    int nats = eg__lgsp_nats_enabled(s);
    int rc = eg_tx_begin(c);
    if (rc)
        return rc;
    /* SQL backend: the row carries the body. NATS: the row is the receipt; the body is
     * published to JetStream inside this transaction, so 202 means both are durable. */
    rc = eg_exec(c, NULL,
                 "INSERT INTO lgsp_queue (msg_id, service_code, client_id, path, content_type, "
                 "user_id, issue, body, status, attempts, next_at, created_at, backend) "
                 "VALUES (?,?,?,?,?,?,?,?,'queued',0,?,?,?)",
                 "tttttttblt"
                 "t",
                 msg_id, code, p->client_id, path, eg_req_header(r, "Content-Type"),
                 eg_req_header(r, "X-Road-UserId"), eg_req_header(r, "X-Road-Issue"),
                 nats ? NULL : body, nats ? 0 : blen, eg_now_ms(), now, nats ? "nats" : "sqlite");
    if (!rc && nats) {
        lgsp_qmsg m = {msg_id,
                       code,
                       p->client_id,
                       path,
                       eg_req_header(r, "Content-Type"),
                       eg_req_header(r, "X-Road-UserId"),
                       eg_req_header(r, "X-Road-Issue"),
                       body,
                       blen,
                       0};
        if (eg__lgsp_nats_publish(s, &m) != 0) {
            eg_tx_rollback(c);
            eg_reply_header(r, "Retry-After", "1");
            return eg__lgsp_fail(r, 0, 503, "unavailable",
                                 "Hàng đợi NATS JetStream không sẵn sàng; thử lại sau");
        }
    }
    if (rc)
        eg_tx_rollback(c);
    else
        rc = eg_tx_commit(c);
    if (rc == EG_ECONFLICT) {
        /* Same X-Road-Id again: idempotent when it is the same consumer's message. */
        char *owner = NULL;
        if (eg_query_text(c, a, &owner, "SELECT client_id FROM lgsp_queue WHERE msg_id = ?", "t",
                          msg_id) == 0 &&
            strcmp(owner, p->client_id) == 0) {
            eg_reply_header(r, "X-Road-Id", msg_id);
            return eg_reply_json(r, 200, json_pack("{s:s, s:b}", "id", msg_id, "duplicate", 1));
        }
        return eg_req_fail_field(r, EG_ECONFLICT, "X-Road-Id", "X-Road-Id đã được dùng");
    }
    if (rc)
        return rc;
    eg_reply_header(r, "X-Road-Id", msg_id);
    eg_reply_header(r, "Location", eg_arena_printf(a, "/api/v1/lgsp/queue/messages/%s", msg_id));
    return eg_reply_json(
        r, 202, json_pack("{s:s, s:s, s:s}", "id", msg_id, "status", "queued", "service", code));
}

static int receipt(eg_req *r)
{
    eg_app *app = eg_req_app(r);
    const char *id = eg_req_param(r, "id");
    json_t *rows = NULL;
    int rc = eg_query_json(eg_db_conn(app->db), &rows,
                           "SELECT msg_id AS id, service_code AS service, client_id, path, "
                           "status, attempts, last_error, response_status, created_at, "
                           "delivered_at FROM lgsp_queue WHERE msg_id = ?",
                           "t", id);
    if (rc)
        return rc;
    json_t *row = json_array_get(rows, 0);
    const eg_principal *p = eg_principal_of(r);
    int mine = row && p && p->client_id && strcmp(p->client_id, eg_json_str(row, "client_id")) == 0;
    if (!row || (!mine && eg_authorize(r, "read", &(eg_object){"lgsp_message", NULL, NULL}))) {
        json_decref(rows);
        if (!p)
            return eg_req_fail(r, EG_EAUTH, "Chưa xác thực");
        return eg_req_fail(r, EG_ENOTFOUND, "Không có thông điệp %s", id);
    }
    json_incref(row);
    json_decref(rows);
    return eg_reply_json(r, 200, row);
}

/* One delivery attempt of a queued message (both backends): POST to the service's upstream,
 * the exchange recorded in the message log, the outcome in *out. */
void eg__lgsp_queue_attempt(lgsp_state *s, const lgsp_qmsg *m, lgsp_qoutcome *out)
{
    eg_app *app = s->app;
    eg_conn *c = eg_db_conn(app->db);
    eg_arena *a = eg_arena_new(0);
    lgsp_service sv;
    const char *dead = NULL;
    lgsp_upstream_reply up = {0};
    lgsp_record *rec = eg__lgsp_record_new();
    rec->request_in_ms = eg_now_ms();
    if (eg__lgsp_service_get(c, a, m->service, &sv) != 0 || strcmp(sv.status, "retired") == 0) {
        dead = "dịch vụ không còn";
        up.err = EG_EUPSTREAM;
    } else {
        struct curl_slist *h = NULL;
        h = curl_slist_append(h, eg_arena_printf(a, "X-Road-Client: %s", m->client));
        h = curl_slist_append(h, eg_arena_printf(a, "X-Road-Id: %s", m->msg_id));
        h = curl_slist_append(h,
                              eg_arena_printf(a, "X-Road-Service: %s/%s", m->service, sv.version));
        if (m->ctype && !strpbrk(m->ctype, "\r\n"))
            h = curl_slist_append(h, eg_arena_printf(a, "Content-Type: %s", m->ctype));
        if (m->user_id && !strpbrk(m->user_id, "\r\n"))
            h = curl_slist_append(h, eg_arena_printf(a, "X-Road-UserId: %s", m->user_id));
        if (m->issue && !strpbrk(m->issue, "\r\n"))
            h = curl_slist_append(h, eg_arena_printf(a, "X-Road-Issue: %s", m->issue));
        h = curl_slist_append(h, "Expect:");
        size_t ul = strlen(sv.upstream_url);
        while (ul && sv.upstream_url[ul - 1] == '/')
            ul--;
        const char *url = eg_arena_printf(a, "%.*s%s", (int)ul, sv.upstream_url, m->path);
        rec->request_out_ms = eg_now_ms();
        eg__lgsp_forward(s, url, "POST", h, m->body, m->len, sv.timeout_ms, &up);
        rec->response_in_ms = eg_now_ms();
        curl_slist_free_all(h);
    }
    int ok = !up.err && up.status >= 200 && up.status < 300;
    int retry = up.err || up.status == 408 || up.status == 429 || up.status >= 500 ||
                (up.status >= 300 && up.status < 400);
    int64_t max_attempts = eg_config_int(app->cfg, "lgsp.queue_max_attempts", 8);
    int64_t attempts = m->attempts;
    out->status = ok                                            ? "delivered"
                  : (!dead && retry && attempts < max_attempts) ? "queued"
                                                                : "dead";
    int64_t backoff = 1000LL << (attempts - 1 < 20 ? attempts - 1 : 20);
    if (backoff > 600000)
        backoff = 600000;
    out->backoff_ms = backoff;
    out->http_status = up.err ? 0 : up.status;
    snprintf(out->error, sizeof(out->error), "%s",
             ok       ? ""
             : dead   ? dead
             : up.err ? up.errmsg
                      : eg_arena_printf(a, "HTTP %d", up.status));

    snprintf(rec->xroad_id, sizeof(rec->xroad_id), "%s", m->msg_id);
    snprintf(rec->side, sizeof(rec->side), "client");
    rec->client_id = eg_strdup(m->client);
    rec->service_code = eg_strdup(m->service);
    rec->service_version = dead ? NULL : eg_strdup(sv.version);
    rec->method = eg_strdup("POST");
    rec->path = eg_strdup(m->path);
    rec->user_id = m->user_id ? eg_strdup(m->user_id) : NULL;
    rec->issue = m->issue ? eg_strdup(m->issue) : NULL;
    rec->status = up.err ? (up.err == EG_ETIMEOUT ? 504 : 502) : up.status;
    rec->error_type =
        up.err ? eg_strdup(up.err == EG_ETIMEOUT ? "upstream-timeout" : "upstream-unreachable")
               : NULL;
    rec->request_size = (int64_t)m->len;
    eg_sha256_hex(m->body ? m->body : "", m->len, rec->request_sha256);
    rec->response_size = (int64_t)up.body.len;
    eg_sha256_hex(up.body.data ? up.body.data : "", up.body.len, rec->response_sha256);
    rec->response_out_ms = eg_now_ms();
    eg__lgsp_stats_add(s->stats, m->service, m->client, rec->status,
                       ok || (!up.err && up.status < 500),
                       rec->response_in_ms - rec->request_in_ms);
    eg_buf_free(&up.body);
    eg_buf_free(&up.headers);
    eg_arena_free(a);
    eg__lgsp_log_submit(s, rec);
}

/* Records an attempt's outcome on the receipt (by message id; a receipt missing because the
 * process died between publishing and committing it is created). */
int eg__lgsp_queue_record(lgsp_state *s, const lgsp_qmsg *m, const lgsp_qoutcome *o)
{
    eg_conn *c = eg_db_conn(s->app->db);
    char ts[25];
    eg_time_iso_ms(eg_now_ms(), ts);
    int delivered = strcmp(o->status, "delivered") == 0;
    char hs[16];
    snprintf(hs, sizeof(hs), "%d", o->http_status);
    int64_t changed = 0;
    int rc = eg_exec(c, &changed,
                     "UPDATE lgsp_queue SET status = ?, attempts = ?, next_at = ?, last_error = ?, "
                     "response_status = CAST(? AS INTEGER), delivered_at = ? WHERE msg_id = ?",
                     "tlltttt", o->status, m->attempts, eg_now_ms() + o->backoff_ms,
                     o->error[0] ? o->error : NULL, o->http_status ? hs : NULL,
                     delivered ? ts : NULL, m->msg_id);
    if (!rc && changed == 0)
        rc = eg_exec(c, NULL,
                     "INSERT INTO lgsp_queue (msg_id, service_code, client_id, path, content_type, "
                     "user_id, issue, body, status, attempts, next_at, last_error, "
                     "response_status, created_at, delivered_at, backend) "
                     "VALUES (?,?,?,?,?,?,?,NULL,?,?,?,?,CAST(? AS INTEGER),?,?,?)",
                     "ttttttttll"
                     "ttttt",
                     m->msg_id, m->service, m->client, m->path, m->ctype, m->user_id, m->issue,
                     o->status, m->attempts, eg_now_ms() + o->backoff_ms,
                     o->error[0] ? o->error : NULL, o->http_status ? hs : NULL, ts,
                     delivered ? ts : NULL, "nats");
    if (rc)
        eg_log(EG_LOG_ERROR, "lgsp", NULL, "queue update failed", "error", eg_strerror(rc), NULL);
    return rc;
}

/* Delivers one due message of the SQL backend. 1 when one was handled, 0 when none is due. */
static int deliver_one(lgsp_state *s)
{
    eg_app *app = s->app;
    eg_conn *c = eg_db_conn(app->db);
    eg_stmt *st = NULL;
    int64_t now = eg_now_ms();
    int rc = eg_query(c, &st,
                      "SELECT id, msg_id, service_code, client_id, path, content_type, user_id, "
                      "issue, body, attempts FROM lgsp_queue WHERE status = 'queued' "
                      "AND backend = 'sqlite' AND next_at <= ? ORDER BY id LIMIT 1",
                      "l", now);
    if (rc || eg_step(st) != EG_ROW) {
        eg_stmt_done(st);
        return 0;
    }
    eg_arena *a = eg_arena_new(0);
    lgsp_qmsg m = {0};
    m.msg_id = eg_arena_strdup(a, eg_col_text(st, 1));
    m.service = eg_arena_strdup(a, eg_col_text(st, 2));
    m.client = eg_arena_strdup(a, eg_col_text(st, 3));
    m.path = eg_arena_strdup(a, eg_col_text(st, 4));
    m.ctype = eg_arena_strdup(a, eg_col_text(st, 5));
    m.user_id = eg_arena_strdup(a, eg_col_text(st, 6));
    m.issue = eg_arena_strdup(a, eg_col_text(st, 7));
    size_t blen = 0;
    const void *bp = eg_col_blob(st, 8, &blen);
    char *body = eg_arena_alloc(a, blen + 1);
    if (blen)
        memcpy(body, bp, blen);
    m.body = body;
    m.len = blen;
    m.attempts = eg_col_int64(st, 9) + 1;
    eg_stmt_done(st);
    lgsp_qoutcome o;
    eg__lgsp_queue_attempt(s, &m, &o);
    eg__lgsp_queue_record(s, &m, &o);
    eg_arena_free(a);
    return 1;
}

static void *deliver_main(void *arg)
{
    lgsp_state *s = arg;
    while (!deliverer_stop) {
        int n = 0;
        while (!deliverer_stop && n < 1000 && deliver_one(s))
            n++;
        struct timespec ts = {0, 100 * 1000000L};
        nanosleep(&ts, NULL);
    }
    return NULL;
}

void eg__lgsp_queue_start(lgsp_state *s)
{
    if (deliverer_started)
        return;
    deliverer_stop = 0;
    pthread_create(&deliverer, NULL, deliver_main, s);
    deliverer_started = 1;
    eg__lgsp_nats_start(s);
}

void eg__lgsp_queue_stop(lgsp_state *s)
{
    if (!deliverer_started)
        return;
    eg__lgsp_nats_stop(s);
    deliverer_stop = 1;
    pthread_join(deliverer, NULL);
    deliverer_started = 0;
}

void eg__lgsp_queue_tick(lgsp_state *s, int64_t now)
{
    (void)s;
    (void)now;
}

void eg__lgsp_queue_routes(eg_http *h)
{
    eg_http_route(h, "POST", "/api/v1/lgsp/queue/{service}", enqueue,
                  &(eg_route_opts){.summary = "Gửi thông điệp bất đồng bộ (lưu và chuyển tiếp)",
                                   .tag = "lgsp",
                                   .public_route = 1,
                                   .problem_ns = "lgsp"});
    eg_http_route(
        h, "GET", "/api/v1/lgsp/queue/messages/{id}", receipt,
        &(eg_route_opts){.summary = "Biên nhận chuyển phát của thông điệp", .tag = "lgsp"});
}
