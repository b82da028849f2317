/*
 * call.c - in-process calls through the gateway for platform modules that act as LGSP
 * consumer systems (the dossier module asking another agency's service, the DVCQG connector),
 * and the registry helpers their seeds use.
 *
 * eg_lgsp_call runs the steps of gateway.c in the same order (consumer + grant -> 403, service
 * -> 404, size -> 413, rate/quota -> 429, log room -> 503, data service or forward) and writes
 * one message-log record like an HTTP exchange would, so an in-process exchange is
 * indistinguishable in /api/v1/lgsp/messages, the stats and the opmon records. The caller is
 * trusted platform code, so there is no bearer token: client_id names the consumer, and the
 * grant join (active consumer) is the authorisation. Rate limits and quotas are the gateway's
 * own buckets, so a grant's limit counts HTTP and in-process calls together.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "audit/audit.h"
#include "lgsp/internal.h"

/* ------------------------------------------------------------------ helpers */

/* Headers a caller may not set: hop-by-hop, framing, credentials and those the gateway sets. */
static int reserved(const char *k, size_t n)
{
    static const char *const h[] = {"connection",
                                    "keep-alive",
                                    "proxy-authorization",
                                    "te",
                                    "trailer",
                                    "upgrade",
                                    "host",
                                    "content-length",
                                    "transfer-encoding",
                                    "authorization",
                                    "cookie",
                                    "expect",
                                    "x-road-client",
                                    "x-road-id",
                                    "x-road-service",
                                    "x-road-userid",
                                    "x-road-issue",
                                    NULL};
    for (int i = 0; h[i]; i++)
        if (strlen(h[i]) == n && strncasecmp(k, h[i], n) == 0)
            return 1;
    return 0;
}

static struct curl_slist *add_headers(struct curl_slist *l, const char *const *hdrs, json_t *rename)
{
    for (int i = 0; hdrs && hdrs[i]; i++) {
        const char *line = hdrs[i], *colon = strchr(line, ':');
        if (!colon || colon == line || strchr(line, '\r') || strchr(line, '\n'))
            continue;
        size_t kn = (size_t)(colon - line);
        if (reserved(line, kn))
            continue;
        const char *v = colon + 1;
        while (*v == ' ')
            v++;
        const char *hk;
        json_t *hv;
        char *out = NULL;
        json_object_foreach(rename, hk, hv)
        {
            if (strlen(hk) == kn && strncasecmp(hk, line, kn) == 0 && json_is_string(hv)) {
                out = eg_asprintf("%s: %s", json_string_value(hv), v);
                break;
            }
        }
        if (!out)
            out = eg_asprintf("%.*s: %s", (int)kn, line, v);
        l = curl_slist_append(l, out);
        free(out);
    }
    return l;
}

struct qargs {
    const char *query; /* raw query string (after '?'), may be NULL */
    eg_arena *a;
};

/* Decoded value of query argument name, or NULL (for data providers). */
static const char *query_arg(void *ctx, const char *name)
{
    struct qargs *q = ctx;
    if (!q->query)
        return NULL;
    size_t nl = strlen(name);
    const char *p = q->query;
    while (*p) {
        const char *amp = strchr(p, '&'), *end = amp ? amp : p + strlen(p);
        const char *eq = memchr(p, '=', (size_t)(end - p));
        const char *kend = eq ? eq : end;
        if ((size_t)(kend - p) == nl && strncmp(p, name, nl) == 0) {
            eg_buf b = EG_BUF_INIT;
            const char *v = eq ? eq + 1 : end;
            int rc = eg_url_decode_query(v, (size_t)(end - v), &b);
            const char *out = rc ? NULL : eg_arena_strndup(q->a, b.data ? b.data : "", b.len);
            eg_buf_free(&b);
            return out;
        }
        p = amp ? amp + 1 : end;
    }
    return NULL;
}

static char *dupn(const char *s)
{
    return s ? eg_strdup(s) : NULL;
}

static int rc_of(int status)
{
    switch (status) {
    case 400:
        return EG_EINVAL;
    case 403:
        return EG_EFORBIDDEN;
    case 404:
        return EG_ENOTFOUND;
    case 405:
        return EG_EMETHOD;
    case 413:
        return EG_ETOOBIG;
    case 429:
        return EG_ERATE;
    case 503:
        return EG_EUNAVAIL;
    case 504:
        return EG_ETIMEOUT;
    default:
        return EG_EUPSTREAM;
    }
}

/* ------------------------------------------------------------------ the call */

int eg_lgsp_call(eg_app *app, const eg_lgsp_call_in *in, eg_lgsp_call_out *out)
{
    memset(out, 0, sizeof(*out));
    lgsp_state *s = eg__lgsp_state(app);
    if (!s || !in || !in->client_id || !in->service || !in->method)
        return EG_EINVAL;
    int64_t t_in = eg_now_ms(), m_in = eg_mono_ms();
    eg_arena *a = eg_arena_new(4096);
    eg_conn *c = eg_db_conn(app->db);
    const char *path = in->path ? in->path : "";
    const char *q = strchr(path, '?');
    const char *sub = q ? eg_arena_strndup(a, path, (size_t)(q - path)) : path;
    eg__lgsp_new_uuid(out->xroad_id);

    lgsp_service sv;
    int have = eg__lgsp_service_get(c, a, in->service, &sv) == 0;
    const char *version = in->version ? in->version : have ? sv.version : "";

    lgsp_record *rec = eg__lgsp_record_new();
    snprintf(rec->xroad_id, sizeof(rec->xroad_id), "%s", out->xroad_id);
    snprintf(rec->request_id, sizeof(rec->request_id), "inproc-%.40s", out->xroad_id);
    snprintf(rec->side, sizeof(rec->side), "client");
    rec->client_id = dupn(in->client_id);
    rec->service_code = dupn(in->service);
    rec->service_version = dupn(version);
    rec->method = dupn(in->method);
    rec->path = dupn(path);
    rec->user_id = eg__lgsp_header_value_ok(in->user_id, 200) ? dupn(in->user_id) : NULL;
    rec->issue = eg__lgsp_header_value_ok(in->issue, 500) ? dupn(in->issue) : NULL;
    rec->request_in_ms = t_in;
    size_t blen = in->body ? in->body_len : 0;
    rec->request_size = (int64_t)blen;
    eg_sha256_hex(in->body ? in->body : "", blen, rec->request_sha256);
    if ((int64_t)blen <= s->log_body_max && !in->private_bodies) {
        rec->request_body = eg_malloc(blen + 1);
        if (blen)
            memcpy(rec->request_body, in->body, blen);
        rec->request_body_len = blen;
    }

    int status = 0, upstream_ok = 0;
    const char *slug = NULL, *detail = NULL;
    lgsp_grant g;
    lgsp_upstream_reply up = {0};
    struct curl_slist *hdrs = NULL;
    json_t *tf = have && sv.transform ? json_loads(sv.transform, 0, NULL) : NULL;
    int64_t retry = 0;

    if (!have || strcmp(sv.version, version) != 0 ||
        (strcmp(sv.status, "published") && strcmp(sv.status, "deprecated"))) {
        status = 404, slug = "unknown-service";
        detail = eg_arena_printf(a, "Không có dịch vụ %s phiên bản %s đang công bố", in->service,
                                 version);
    } else if (eg__lgsp_grant_get(c, a, in->service, in->client_id, &g) != 0) {
        status = 403, slug = "access-denied";
        detail = eg_arena_printf(a, "Hệ thống %s chưa được cấp quyền gọi %s", in->client_id,
                                 in->service);
    } else if (g.methods && !strstr(g.methods, eg_arena_printf(a, ",%s,", in->method))) {
        status = 403, slug = "access-denied";
        detail = eg_arena_printf(a, "Quyền không cho phép phương thức %s", in->method);
    } else if (g.path_prefix && !eg_str_has_prefix(*sub ? sub : "/", g.path_prefix)) {
        status = 403, slug = "access-denied";
        detail = eg_arena_printf(a, "Quyền chỉ cho phép đường dẫn %s", g.path_prefix);
    } else if ((int64_t)blen > s->max_body) {
        status = 413, slug = "payload-too-large";
        detail = eg_arena_printf(a, "Tối đa %lld byte", (long long)s->max_body);
    } else if ((retry = eg__lgsp_rate_check(s, &g)) > 0) {
        status = 429, slug = "quota-exceeded";
        detail = "Vượt hạn mức số lần gọi trong ngày hoặc mỗi giây";
    } else if (!eg__lgsp_log_has_room(s)) {
        status = 503, slug = "unavailable";
        detail = "Hàng đợi nhật ký thông điệp đầy; thử lại sau";
    } else if (eg__lgsp_data_provider(sv.upstream_url)) {
        rec->request_out_ms = eg_now_ms();
        if (strcmp(in->method, "GET") && strcmp(in->method, "HEAD")) {
            status = 405, slug = "access-denied";
            detail = "Dịch vụ dữ liệu chỉ cho phép đọc (GET)";
        } else {
            json_t *res = NULL;
            struct qargs qa = {q ? q + 1 : NULL, a};
            int drc = eg__lgsp_data_provider(sv.upstream_url)(app, sub, query_arg, &qa, &res);
            if (drc == EG_ENOTFOUND) {
                status = 404, slug = "unknown-service";
                detail = "Không có dữ liệu ở đường dẫn này";
            } else if (drc) {
                status = 400, slug = "bad-request";
                detail = "Tham số truy vấn không hợp lệ";
            } else {
                char *txt = json_dumps(res, JSON_COMPACT);
                json_decref(res);
                eg_buf_puts(&up.body, txt);
                free(txt);
                snprintf(up.ctype, sizeof(up.ctype), "application/json");
                status = up.status = 200;
                upstream_ok = 1;
            }
        }
        rec->response_in_ms = eg_now_ms();
    } else if (tf && (eg_json_str(tf, "request") || eg_json_str(tf, "response"))) {
        /* Body conversions are the HTTP gateway's business; in-process callers speak the
         * provider's format. */
        status = 400, slug = "bad-request";
        detail = "Dịch vụ có chuyển đổi nội dung: hãy gọi qua /gw";
    } else {
        hdrs = add_headers(NULL, in->headers, tf ? json_object_get(tf, "headers") : NULL);
        hdrs = curl_slist_append(hdrs, eg_arena_printf(a, "X-Road-Client: %s", in->client_id));
        hdrs = curl_slist_append(hdrs, eg_arena_printf(a, "X-Road-Id: %s", out->xroad_id));
        hdrs = curl_slist_append(hdrs,
                                 eg_arena_printf(a, "X-Road-Service: %s/%s", in->service, version));
        if (rec->user_id)
            hdrs = curl_slist_append(hdrs, eg_arena_printf(a, "X-Road-UserId: %s", rec->user_id));
        if (rec->issue)
            hdrs = curl_slist_append(hdrs, eg_arena_printf(a, "X-Road-Issue: %s", rec->issue));
        hdrs = curl_slist_append(hdrs, "Expect:");
        size_t ul = strlen(sv.upstream_url);
        while (ul && sv.upstream_url[ul - 1] == '/')
            ul--;
        const char *url = eg_arena_printf(a, "%.*s%s", (int)ul, sv.upstream_url, path);
        int fed = eg__lgsp_fed_is_peer(s, url);
        if (fed) {
            const char *slash = strstr(url, "://");
            const char *target = slash ? strchr(slash + 3, '/') : NULL;
            hdrs = eg__lgsp_fed_sign(s, hdrs, in->method, target ? target : "/", out->xroad_id,
                                     in->client_id, in->body, blen);
        }
        rec->request_out_ms = eg_now_ms();
        eg__lgsp_forward(s, url, in->method, hdrs, in->body, blen, sv.timeout_ms, &up);
        rec->response_in_ms = eg_now_ms();
        if (fed && !up.err &&
            eg__lgsp_fed_verify_response(s, up.status, out->xroad_id, in->body, blen, &up) != 0) {
            up.err = EG_EUPSTREAM;
            snprintf(up.errmsg, sizeof(up.errmsg), "chữ ký phản hồi của LGSP đối tác không hợp lệ");
        }
        if (up.err == EG_ETIMEOUT) {
            status = 504, slug = "upstream-timeout";
            detail = eg_arena_printf(a, "Dịch vụ %s không trả lời trong %lld ms", in->service,
                                     (long long)sv.timeout_ms);
        } else if (up.err) {
            status = 502, slug = "upstream-unreachable";
            detail = eg_arena_printf(a, "Dịch vụ %s: %s", in->service, up.errmsg);
        } else if (up.status >= 300 && up.status < 400 && up.status != 304) {
            status = 502, slug = "upstream-unreachable";
            detail =
                eg_arena_printf(a, "Dịch vụ %s trả về chuyển hướng %d", in->service, up.status);
        } else {
            status = up.status;
            upstream_ok = up.status < 500;
        }
    }
    curl_slist_free_all(hdrs);
    json_decref(tf);
    (void)retry;

    int rc = 0;
    out->status = status;
    if (slug) {
        rec->error_type = eg_strdup(slug);
        snprintf(out->problem, sizeof(out->problem), "%s", slug);
        snprintf(out->detail, sizeof(out->detail), "%s", detail ? detail : "");
        eg_sha256_hex("", 0, rec->response_sha256);
        rc = rc_of(status);
    } else {
        rec->response_size = (int64_t)up.body.len;
        eg_sha256_hex(up.body.data ? up.body.data : "", up.body.len, rec->response_sha256);
        if ((int64_t)up.body.len <= s->log_body_max && !in->private_bodies) {
            rec->response_body = eg_malloc(up.body.len + 1);
            if (up.body.len)
                memcpy(rec->response_body, up.body.data, up.body.len);
            rec->response_body_len = up.body.len;
        }
        out->body = eg_malloc(up.body.len + 1);
        if (up.body.len)
            memcpy(out->body, up.body.data, up.body.len);
        out->body[up.body.len] = '\0';
        out->body_len = up.body.len;
        snprintf(out->content_type, sizeof(out->content_type), "%.120s", up.ctype);
    }
    rec->status = status;
    rec->response_out_ms = eg_now_ms();
    eg__lgsp_stats_add(s->stats, in->service, in->client_id, status, slug ? 0 : upstream_ok,
                       eg_mono_ms() - m_in);
    eg_buf_free(&up.body);
    eg_buf_free(&up.headers);
    int lrc = eg__lgsp_log_submit(s, rec);
    if (lrc)
        eg_log(EG_LOG_ERROR, "lgsp", out->xroad_id, "message log write failed", "error",
               eg_strerror(lrc), NULL);
    eg_arena_free(a);
    return rc;
}

void eg_lgsp_call_out_free(eg_lgsp_call_out *out)
{
    if (out) {
        free(out->body);
        out->body = NULL;
        out->body_len = 0;
    }
}

/* ------------------------------------------------------------------ registry helpers */

static int exists(eg_conn *c, const char *sql, const char *types, const char *a, const char *b)
{
    int64_t n = 0;
    int rc =
        types[1] ? eg_query_int64(c, &n, sql, types, a, b) : eg_query_int64(c, &n, sql, types, a);
    return rc ? rc : n > 0;
}

static int sys_audit(eg_conn *c, const char *action, const char *type, const char *id,
                     const char *agency, json_t *detail)
{
    eg_audit_event ev = {.actor = "system",
                         .action = action,
                         .object_type = type,
                         .object_id = id,
                         .agency = agency,
                         .detail = detail};
    int rc = eg_audit_append(c, &ev);
    json_decref(detail);
    return rc;
}

int eg_lgsp_ensure_service(eg_app *app, eg_conn *c, const eg_lgsp_service_def *d)
{
    if (!d || !d->code || !d->version || !d->name || !d->upstream_url ||
        !eg_valid_agency_code(d->owner_agency))
        return EG_EINVAL;
    int have = exists(c, "SELECT COUNT(*) FROM lgsp_service WHERE code = ?", "t", d->code, NULL);
    if (have)
        return have < 0 ? have : 0;
    if (strncmp(d->upstream_url, "data:", 5) == 0) {
        if (!eg__lgsp_data_provider(d->upstream_url))
            return EG_EUNPROCESSABLE;
    } else {
        lgsp_state *s = eg__lgsp_state(app);
        char why[256];
        if (eg__lgsp_check_url(d->upstream_url, s && s->allow ? s->allow : "", why, sizeof(why)))
            return EG_EUNPROCESSABLE;
    }
    char now[25];
    eg_time_iso_ms(eg_now_ms(), now);
    int rc = eg_tx_begin(c);
    if (rc)
        return rc;
    rc = eg_exec(c, NULL,
                 "INSERT INTO lgsp_service (code, version, name, owner_agency, kind, "
                 "upstream_url, timeout_ms, description, status, transform, row_version, "
                 "created_at, updated_at) VALUES (?,?,?,?,'rest',?,?,?,'published',?,1,?,?)",
                 "tttttlttt"
                 "t",
                 d->code, d->version, d->name, d->owner_agency, d->upstream_url,
                 d->timeout_ms > 0 ? d->timeout_ms : (int64_t)30000, d->description, d->transform,
                 now, now);
    if (!rc)
        rc = sys_audit(
            c, "lgsp.service.create", "lgsp_service", d->code, d->owner_agency,
            json_pack("{s:s, s:s}", "upstream_url", d->upstream_url, "version", d->version));
    if (rc) {
        eg_tx_rollback(c);
        return rc;
    }
    rc = eg_tx_commit(c);
    eg__lgsp_cache_invalidate(NULL); /* the gateway's cached registry (cache.c) */
    return rc;
}

int eg_lgsp_ensure_consumer(eg_conn *c, const char *client_id, const char *name,
                            const char *agency_code)
{
    if (!client_id || !*client_id || !name || !eg_valid_agency_code(agency_code))
        return EG_EINVAL;
    int have =
        exists(c, "SELECT COUNT(*) FROM lgsp_consumer WHERE client_id = ?", "t", client_id, NULL);
    if (have)
        return have < 0 ? have : 0;
    char now[25];
    eg_time_iso_ms(eg_now_ms(), now);
    int rc = eg_tx_begin(c);
    if (rc)
        return rc;
    rc = eg_exec(c, NULL,
                 "INSERT INTO lgsp_consumer (client_id, name, agency_code, status, created_at) "
                 "VALUES (?,?,?,'active',?)",
                 "tttt", client_id, name, agency_code, now);
    if (!rc)
        rc = sys_audit(c, "lgsp.consumer.create", "lgsp_consumer", client_id, agency_code,
                       json_pack("{s:s}", "name", name));
    if (rc) {
        eg_tx_rollback(c);
        return rc;
    }
    rc = eg_tx_commit(c);
    eg__lgsp_cache_invalidate(NULL); /* the gateway's cached registry (cache.c) */
    return rc;
}

int eg_lgsp_ensure_grant(eg_conn *c, const char *service, const char *client_id,
                         const char *methods)
{
    if (!service || !client_id)
        return EG_EINVAL;
    int have = exists(c, "SELECT COUNT(*) FROM lgsp_grant WHERE service_code = ? AND client_id = ?",
                      "tt", service, client_id);
    if (have)
        return have < 0 ? have : 0;
    char now[25], m[128] = "";
    eg_time_iso_ms(eg_now_ms(), now);
    if (methods && *methods)
        snprintf(m, sizeof(m), ",%s,", methods);
    int rc = eg_tx_begin(c);
    if (rc)
        return rc;
    rc = eg_exec(c, NULL,
                 "INSERT INTO lgsp_grant (service_code, client_id, methods, created_at) "
                 "VALUES (?,?,?,?)",
                 "tttt", service, client_id, m[0] ? m : NULL, now);
    if (!rc)
        rc = sys_audit(c, "lgsp.grant.create", "lgsp_service", service, NULL,
                       json_pack("{s:s}", "client_id", client_id));
    if (rc) {
        eg_tx_rollback(c);
        return rc;
    }
    rc = eg_tx_commit(c);
    eg__lgsp_cache_invalidate(NULL); /* the gateway's cached registry (cache.c) */
    return rc;
}
