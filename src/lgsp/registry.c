/*
 * registry.c - the LGSP registry: provider services (REST and SOAP), consumer systems and
 * grants. Every change is validated in full before anything is written, runs in one
 * transaction with its audit record, and is refused with problem+json naming the field.
 *
 *   POST  /api/v1/lgsp/services                     register (status draft unless given)
 *   GET   /api/v1/lgsp/services[?status=]           list (admin: all; agency_admin: own)
 *   GET   /api/v1/lgsp/services/{code}              one, with ETag
 *   PATCH /api/v1/lgsp/services/{code}              update / lifecycle, If-Match
 *   POST  /api/v1/lgsp/services/{code}/grants       allow a consumer {client_id, methods?,
 *                                                   path_prefix?, quota?, rate_limit?}
 *   GET   /api/v1/lgsp/services/{code}/grants
 *   POST  /api/v1/lgsp/consumers / GET              consumer systems (OAuth client ids)
 *   GET   /api/v1/lgsp/catalog                      public: published services + documents
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "audit/audit.h"
#include "lgsp/internal.h"

#define SPEC_MAX (1024 * 1024)

/* NFC copy of s in the arena (the input as given when it is not valid UTF-8; the JSON parser
 * already refused that). */
static const char *nfca(eg_arena *a, const char *s)
{
    if (!s)
        return NULL;
    eg_buf b = EG_BUF_INIT;
    const char *out = s;
    if (eg_nfc(s, strlen(s), &b) == 0)
        out = eg_arena_strndup(a, b.data ? b.data : "", b.len);
    eg_buf_free(&b);
    return out;
}

static eg_conn *conn_of(eg_req *r)
{
    return eg_db_conn(((eg_app *)eg_req_app(r))->db);
}

static int valid_token(const char *s, size_t max, int allow_upper)
{
    size_t n = s ? strlen(s) : 0;
    if (n < 1 || n > max || !isalnum((unsigned char)s[0]))
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (!(isdigit(ch) || islower(ch) || (allow_upper && isupper(ch)) || ch == '-' ||
              ch == '_' || ch == '.'))
            return 0;
    }
    return 1;
}

static const char *const STATUSES[] = {"draft", "published", "deprecated", "retired", NULL};

static int status_rank(const char *s)
{
    for (int i = 0; STATUSES[i]; i++)
        if (s && strcmp(s, STATUSES[i]) == 0)
            return i;
    return -1;
}

int eg__lgsp_service_get(eg_conn *c, eg_arena *a, const char *code, lgsp_service *out)
{
    eg_stmt *st = NULL;
    int rc = eg_query(c, &st,
                      "SELECT code, version, name, owner_agency, kind, upstream_url, status, "
                      "timeout_ms, transform FROM lgsp_service WHERE code = ?",
                      "t", code);
    if (rc)
        return rc;
    rc = eg_step(st);
    if (rc == EG_ROW) {
        out->code = eg_arena_strdup(a, eg_col_text(st, 0));
        out->version = eg_arena_strdup(a, eg_col_text(st, 1));
        out->name = eg_arena_strdup(a, eg_col_text(st, 2));
        out->owner_agency = eg_arena_strdup(a, eg_col_text(st, 3));
        out->kind = eg_arena_strdup(a, eg_col_text(st, 4));
        out->upstream_url = eg_arena_strdup(a, eg_col_text(st, 5));
        out->status = eg_arena_strdup(a, eg_col_text(st, 6));
        out->timeout_ms = eg_col_int64(st, 7);
        out->transform = eg_arena_strdup(a, eg_col_text(st, 8));
        rc = EG_OK;
    } else if (rc == EG_DONE) {
        rc = EG_ENOTFOUND;
    }
    eg_stmt_done(st);
    return rc;
}

int eg__lgsp_grant_get(eg_conn *c, eg_arena *a, const char *service, const char *client,
                       lgsp_grant *out)
{
    eg_stmt *st = NULL;
    int rc = eg_query(c, &st,
                      "SELECT g.id, g.methods, g.path_prefix, g.quota_per_day, g.rate_per_sec, "
                      "k.cert_sha256 "
                      "FROM lgsp_grant g JOIN lgsp_consumer k ON k.client_id = g.client_id "
                      "WHERE g.service_code = ? AND g.client_id = ? AND k.status = 'active'",
                      "tt", service, client);
    if (rc)
        return rc;
    rc = eg_step(st);
    if (rc == EG_ROW) {
        out->id = eg_col_int64(st, 0);
        out->methods = eg_arena_strdup(a, eg_col_text(st, 1));
        out->path_prefix = eg_arena_strdup(a, eg_col_text(st, 2));
        out->quota_per_day = eg_col_is_null(st, 3) ? 0 : eg_col_int64(st, 3);
        out->rate_per_sec = eg_col_is_null(st, 4) ? 0 : eg_col_int64(st, 4);
        out->cert_sha256 = eg_arena_strdup(a, eg_col_text(st, 5));
        rc = EG_OK;
    } else if (rc == EG_DONE) {
        rc = EG_ENOTFOUND;
    }
    eg_stmt_done(st);
    return rc;
}

static const char *SERVICE_COLS =
    "code, version, name, owner_agency, kind, upstream_url, timeout_ms, description, spec, "
    "spec_type, brm_ref, arm_ref, status, transform, row_version, created_at, updated_at";

static int load_service_json(eg_conn *c, const char *code, json_t **out, int64_t *version)
{
    char sql[512];
    snprintf(sql, sizeof(sql), "SELECT %s FROM lgsp_service WHERE code = ?", SERVICE_COLS);
    json_t *rows = NULL;
    int rc = eg_query_json(c, &rows, sql, "t", code);
    if (rc)
        return rc;
    if (json_array_size(rows) == 0) {
        json_decref(rows);
        return EG_ENOTFOUND;
    }
    *out = json_incref(json_array_get(rows, 0));
    json_decref(rows);
    if (version)
        *version = json_integer_value(json_object_get(*out, "row_version"));
    return EG_OK;
}

/* Optional string field: absent/null ok; otherwise a string of at most max bytes. */
static int opt_str(eg_req *r, json_t *b, const char *key, size_t max, const char **out)
{
    json_t *v = json_object_get(b, key);
    *out = NULL;
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_string(v) || json_string_length(v) > max)
        return eg_req_fail_field(r, EG_EUNPROCESSABLE, key,
                                 "Trường '%s' phải là chuỗi không quá %zu byte", key, max);
    *out = eg_arena_strdup(eg_req_arena(r), nfca(eg_req_arena(r), json_string_value(v)));
    return 0;
}

/* Validates the fields of a service body; with partial=1 only those present. */
static int check_service(eg_req *r, json_t *b, int partial, lgsp_state *s)
{
    static const char *const known[] = {"code",   "version",      "name",       "owner_agency",
                                        "kind",   "upstream_url", "timeout_ms", "description",
                                        "spec",   "spec_type",    "brm_ref",    "arm_ref",
                                        "status", "transform",    NULL};
    const char *key;
    json_t *v;
    json_object_foreach(b, key, v)
    {
        int ok = 0;
        for (int i = 0; known[i]; i++)
            ok |= strcmp(known[i], key) == 0;
        if (!ok)
            return eg_req_fail_field(r, EG_EUNPROCESSABLE, key, "Trường không được hỗ trợ: %s",
                                     key);
    }
    const char *t;
    if (!partial || json_object_get(b, "code")) {
        t = eg_json_str(b, "code");
        if (partial)
            return eg_req_fail_field(r, EG_EUNPROCESSABLE, "code", "Không thể đổi mã dịch vụ");
        if (!valid_token(t, 64, 1))
            return eg_req_fail_field(r, EG_EUNPROCESSABLE, "code",
                                     "Mã dịch vụ gồm chữ, số, '-', '_', '.', tối đa 64 ký tự");
    }
    if (!partial || json_object_get(b, "version")) {
        if (!valid_token(eg_json_str(b, "version"), 32, 1))
            return eg_req_fail_field(r, EG_EUNPROCESSABLE, "version",
                                     "Phiên bản gồm chữ, số, '-', '_', '.', tối đa 32 ký tự");
    }
    if (!partial || json_object_get(b, "name")) {
        t = eg_json_str(b, "name");
        if (!t || !*t || strlen(t) > 300)
            return eg_req_fail_field(r, EG_EUNPROCESSABLE, "name",
                                     "Tên dịch vụ là bắt buộc (tối đa 300 byte)");
    }
    if (!partial || json_object_get(b, "owner_agency")) {
        if (!eg_valid_agency_code(eg_json_str(b, "owner_agency")))
            return eg_req_fail_field(r, EG_EUNPROCESSABLE, "owner_agency",
                                     "Mã định danh cơ quan không hợp lệ (QCVN 102:2016)");
    }
    if (json_object_get(b, "kind")) {
        t = eg_json_str(b, "kind");
        if (!t || (strcmp(t, "rest") && strcmp(t, "soap")))
            return eg_req_fail_field(r, EG_EUNPROCESSABLE, "kind",
                                     "Loại dịch vụ là rest hoặc soap");
    }
    if (!partial || json_object_get(b, "upstream_url")) {
        t = eg_json_str(b, "upstream_url");
        char why[256] = "";
        if (t && strncmp(t, "data:", 5) == 0) {
            if (!eg__lgsp_data_provider(t))
                return eg_req_fail_field(r, EG_EUNPROCESSABLE, "upstream_url",
                                         "Không có dịch vụ dữ liệu %s", t + 5);
        } else if (!t || strlen(t) > 2000 || eg__lgsp_check_url(t, s->allow, why, sizeof(why)))
            return eg_req_fail_field(r, EG_EUNPROCESSABLE, "upstream_url",
                                     "Địa chỉ dịch vụ cung cấp bị từ chối: %s",
                                     why[0] ? why : "phải là URL http(s)");
    }
    if (json_object_get(b, "timeout_ms")) {
        json_t *tv = json_object_get(b, "timeout_ms");
        if (!json_is_integer(tv) || json_integer_value(tv) < 50 || json_integer_value(tv) > 300000)
            return eg_req_fail_field(r, EG_EUNPROCESSABLE, "timeout_ms",
                                     "Thời gian chờ phải là số nguyên 50..300000 ms");
    }
    if (json_object_get(b, "spec_type")) {
        t = eg_json_str(b, "spec_type");
        if (!t || (strcmp(t, "openapi") && strcmp(t, "wsdl")))
            return eg_req_fail_field(r, EG_EUNPROCESSABLE, "spec_type",
                                     "Loại tài liệu là openapi hoặc wsdl");
    }
    if (json_object_get(b, "status") && status_rank(eg_json_str(b, "status")) < 0)
        return eg_req_fail_field(r, EG_EUNPROCESSABLE, "status",
                                 "Trạng thái là draft, published, deprecated hoặc retired");
    json_t *tf = json_object_get(b, "transform");
    if (tf && !json_is_null(tf)) {
        static const char *const conv[] = {"json-to-xml", "xml-to-json", NULL};
        int ok = json_is_object(tf);
        const char *k;
        json_t *x;
        json_object_foreach(tf, k, x)
        {
            if (!ok)
                break;
            if (strcmp(k, "request") == 0 || strcmp(k, "response") == 0) {
                int known_conv = 0;
                for (int i = 0; conv[i]; i++)
                    known_conv |= json_is_string(x) && strcmp(json_string_value(x), conv[i]) == 0;
                ok = known_conv || json_is_null(x);
            } else if (strcmp(k, "headers") == 0) {
                const char *hk;
                json_t *hv;
                ok = json_is_object(x) && json_object_size(x) <= 32;
                json_object_foreach(x, hk, hv)
                {
                    ok = ok && valid_token(hk, 64, 1) && json_is_string(hv) &&
                         valid_token(json_string_value(hv), 64, 1);
                }
            } else {
                ok = 0;
            }
        }
        if (!ok)
            return eg_req_fail_field(r, EG_EUNPROCESSABLE, "transform",
                                     "transform: {request, response: json-to-xml|xml-to-json, "
                                     "headers: {tên cũ: tên mới}}");
    }
    const char *dummy;
    int rc = opt_str(r, b, "description", 20000, &dummy);
    if (!rc)
        rc = opt_str(r, b, "spec", SPEC_MAX, &dummy);
    if (!rc)
        rc = opt_str(r, b, "brm_ref", 2000, &dummy);
    if (!rc)
        rc = opt_str(r, b, "arm_ref", 2000, &dummy);
    return rc;
}

static const char *nfc(eg_req *r, json_t *b, const char *key)
{
    const char *s = eg_json_str(b, key);
    return s ? nfca(eg_req_arena(r), s) : NULL;
}

/* The transform object as stored (compact JSON text), NULL for absent/null. */
static const char *transform_text(eg_req *r, json_t *v)
{
    if (!v || json_is_null(v))
        return NULL;
    return eg_json_dump_arena(eg_req_arena(r), v);
}

static int audit(eg_req *r, eg_conn *c, const char *action, const char *type, const char *id,
                 const char *agency, json_t *detail)
{
    eg_audit_event ev = {.actor = eg_actor(r),
                         .action = action,
                         .object_type = type,
                         .object_id = id,
                         .agency = agency,
                         .request_id = eg_req_id(r),
                         .client_addr = eg_req_client_ip(r),
                         .detail = detail};
    int rc = eg_audit_append(c, &ev);
    json_decref(detail);
    return rc;
}

static int create_service(eg_req *r)
{
    int rc = 0;
    json_t *b = eg_req_json(r, &rc);
    if (!b)
        return rc;
    lgsp_state *s = eg__lgsp_state(eg_req_app(r));
    const char *agency = eg_json_str(b, "owner_agency");
    rc = eg_authorize(r, "create", &(eg_object){"lgsp_service", agency, NULL});
    if (rc)
        return rc;
    rc = check_service(r, b, 0, s);
    if (rc)
        return rc;
    const char *status = eg_json_str(b, "status");
    char now[25];
    eg_time_iso_ms(eg_now_ms(), now);
    eg_conn *c = conn_of(r);
    const char *code = eg_json_str(b, "code");
    rc = eg_tx_begin(c);
    if (rc)
        return rc;
    rc = eg_exec(c, NULL,
                 "INSERT INTO lgsp_service (code, version, name, owner_agency, kind, "
                 "upstream_url, timeout_ms, description, spec, spec_type, brm_ref, arm_ref, "
                 "status, transform, row_version, created_at, updated_at) "
                 "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,1,?,?)",
                 "ttttttlttttttt"
                 "tt",
                 code, eg_json_str(b, "version"), nfc(r, b, "name"), agency,
                 eg_json_str(b, "kind") ? eg_json_str(b, "kind") : "rest",
                 eg_json_str(b, "upstream_url"), (int64_t)eg_json_int(b, "timeout_ms", 30000),
                 nfc(r, b, "description"), eg_json_str(b, "spec"), eg_json_str(b, "spec_type"),
                 eg_json_str(b, "brm_ref"), eg_json_str(b, "arm_ref"), status ? status : "draft",
                 transform_text(r, json_object_get(b, "transform")), now, now);
    if (rc == EG_ECONFLICT) {
        eg_tx_rollback(c);
        return eg_req_fail_field(r, EG_ECONFLICT, "code", "Mã dịch vụ %s đã tồn tại", code);
    }
    if (!rc)
        rc = audit(r, c, "lgsp.service.create", "lgsp_service", code, agency,
                   json_pack("{s:s, s:s}", "upstream_url", eg_json_str(b, "upstream_url"),
                             "version", eg_json_str(b, "version")));
    if (rc) {
        eg_tx_rollback(c);
        return rc;
    }
    rc = eg_tx_commit(c);
    if (rc)
        return rc;
    eg__lgsp_cache_invalidate(eg__lgsp_state(eg_req_app(r)));
    json_t *out = NULL;
    int64_t ver = 1;
    rc = load_service_json(c, code, &out, &ver);
    if (rc)
        return rc;
    eg_reply_etag(r, ver);
    eg_reply_header(r, "Location",
                    eg_arena_printf(eg_req_arena(r), "/api/v1/lgsp/services/%s", code));
    return eg_reply_json(r, 201, out);
}

static int get_service(eg_req *r)
{
    json_t *out = NULL;
    int64_t ver = 0;
    int rc = load_service_json(conn_of(r), eg_req_param(r, "code"), &out, &ver);
    if (rc == EG_ENOTFOUND)
        return eg_req_fail(r, rc, "Không có dịch vụ %s", eg_req_param(r, "code"));
    if (rc)
        return rc;
    rc = eg_authorize(r, "read",
                      &(eg_object){"lgsp_service", eg_json_str(out, "owner_agency"), NULL});
    if (rc) {
        json_decref(out);
        return rc;
    }
    eg_reply_etag(r, ver);
    return eg_reply_json(r, 200, out);
}

static int list_services(eg_req *r)
{
    const eg_principal *p = NULL;
    int rc = eg_require_principal(r, &p);
    if (rc)
        return rc;
    const char *status = eg_req_query(r, "status");
    char sql[512];
    snprintf(sql, sizeof(sql),
             "SELECT %s FROM lgsp_service WHERE (CAST(? AS TEXT) IS NULL OR status = ?) "
             "ORDER BY code",
             SERVICE_COLS);
    json_t *rows = NULL;
    rc = eg_query_json(conn_of(r), &rows, sql, "tt", status, status);
    if (rc)
        return rc;
    json_t *items = json_array();
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row)
    {
        eg_object o = {"lgsp_service", eg_json_str(row, "owner_agency"), NULL};
        if (eg_authz(p, "read", &o) == 0) {
            json_object_del(row, "spec");
            json_array_append(items, row);
        }
    }
    json_decref(rows);
    return eg_reply_json(r, 200, json_pack("{s:o, s:n}", "items", items, "next_cursor"));
}

static int update_service(eg_req *r)
{
    int rc = 0;
    json_t *b = eg_req_json(r, &rc);
    if (!b)
        return rc;
    const char *code = eg_req_param(r, "code");
    eg_conn *c = conn_of(r);
    json_t *cur = NULL;
    int64_t ver = 0;
    rc = load_service_json(c, code, &cur, &ver);
    if (rc == EG_ENOTFOUND)
        return eg_req_fail(r, rc, "Không có dịch vụ %s", code);
    if (rc)
        return rc;
    const char *agency = eg_arena_strdup(eg_req_arena(r), eg_json_str(cur, "owner_agency"));
    const char *old_status = eg_arena_strdup(eg_req_arena(r), eg_json_str(cur, "status"));
    json_decref(cur);
    rc = eg_authorize(r, "update", &(eg_object){"lgsp_service", agency, NULL});
    if (rc)
        return rc;
    rc = eg_req_check_if_match(r, ver);
    if (rc)
        return eg_req_fail(r, rc, "Dịch vụ đã bị thay đổi (ETag \"v%lld\")", (long long)ver);
    rc = check_service(r, b, 1, eg__lgsp_state(eg_req_app(r)));
    if (rc)
        return rc;
    const char *ns = eg_json_str(b, "status");
    if (ns && status_rank(ns) < status_rank(old_status))
        return eg_req_fail_field(r, EG_ECONFLICT, "status",
                                 "Không thể chuyển trạng thái từ %s về %s", old_status, ns);
    if (json_object_get(b, "owner_agency") && strcmp(eg_json_str(b, "owner_agency"), agency) != 0) {
        rc = eg_authorize(r, "update",
                          &(eg_object){"lgsp_service", eg_json_str(b, "owner_agency"), NULL});
        if (rc)
            return rc;
    }
    rc = eg_tx_begin(c);
    if (rc)
        return rc;
    static const char *const cols[] = {"version",      "name",       "owner_agency", "kind",
                                       "upstream_url", "timeout_ms", "description",  "spec",
                                       "spec_type",    "brm_ref",    "arm_ref",      "status",
                                       "transform",    NULL};
    char now[25];
    eg_time_iso_ms(eg_now_ms(), now);
    for (int i = 0; cols[i] && !rc; i++) {
        json_t *v = json_object_get(b, cols[i]);
        if (!v)
            continue;
        char sql[160];
        snprintf(sql, sizeof(sql), "UPDATE lgsp_service SET %s = ? WHERE code = ?", cols[i]);
        if (strcmp(cols[i], "transform") == 0)
            rc = eg_exec(c, NULL, sql, "tt", transform_text(r, v), code);
        else if (json_is_integer(v))
            rc = eg_exec(c, NULL, sql, "lt", (int64_t)json_integer_value(v), code);
        else
            rc = eg_exec(c, NULL, sql, "tt",
                         json_is_string(v) ? nfca(eg_req_arena(r), json_string_value(v)) : NULL,
                         code);
    }
    int64_t changes = 0;
    if (!rc)
        rc = eg_exec(c, &changes,
                     "UPDATE lgsp_service SET row_version = row_version + 1, updated_at = ? "
                     "WHERE code = ? AND row_version = ?",
                     "ttl", now, code, ver);
    if (!rc && changes != 1)
        rc = eg_req_fail(r, EG_EPRECOND, "Dịch vụ vừa bị thay đổi bởi yêu cầu khác");
    if (!rc)
        rc = audit(r, c, "lgsp.service.update", "lgsp_service", code, agency, json_deep_copy(b));
    if (rc) {
        eg_tx_rollback(c);
        return rc;
    }
    rc = eg_tx_commit(c);
    if (rc)
        return rc;
    eg__lgsp_cache_invalidate(eg__lgsp_state(eg_req_app(r)));
    json_t *out = NULL;
    rc = load_service_json(c, code, &out, &ver);
    if (rc)
        return rc;
    eg_reply_etag(r, ver);
    return eg_reply_json(r, 200, out);
}

/* ------------------------------------------------------------------ consumers */

static int create_consumer(eg_req *r)
{
    int rc = 0;
    json_t *b = eg_req_json(r, &rc);
    if (!b)
        return rc;
    const char *client = eg_json_str(b, "client_id"), *agency = eg_json_str(b, "agency_code");
    const char *name = eg_json_str(b, "name"), *cert = eg_json_str(b, "cert_sha256");
    rc = eg_authorize(r, "create", &(eg_object){"lgsp_consumer", agency, NULL});
    if (rc)
        return rc;
    if (!valid_token(client, 128, 1))
        return eg_req_fail_field(r, EG_EUNPROCESSABLE, "client_id",
                                 "Mã ứng dụng (client_id) không hợp lệ");
    if (!name || !*name || strlen(name) > 300)
        return eg_req_fail_field(r, EG_EUNPROCESSABLE, "name", "Tên hệ thống là bắt buộc");
    if (!eg_valid_agency_code(agency))
        return eg_req_fail_field(r, EG_EUNPROCESSABLE, "agency_code",
                                 "Mã định danh cơ quan không hợp lệ");
    if (json_object_get(b, "cert_sha256") && !json_is_null(json_object_get(b, "cert_sha256"))) {
        int ok = cert && strlen(cert) == 64;
        for (size_t i = 0; ok && i < 64; i++)
            ok = isxdigit((unsigned char)cert[i]) && !isupper((unsigned char)cert[i]);
        if (!ok)
            return eg_req_fail_field(r, EG_EUNPROCESSABLE, "cert_sha256",
                                     "Dấu vân tay chứng thư phải là SHA-256 dạng hex thường");
    }
    char now[25];
    eg_time_iso_ms(eg_now_ms(), now);
    eg_conn *c = conn_of(r);
    rc = eg_tx_begin(c);
    if (rc)
        return rc;
    rc = eg_exec(c, NULL,
                 "INSERT INTO lgsp_consumer (client_id, name, agency_code, cert_sha256, status, "
                 "created_at) VALUES (?,?,?,?,'active',?)",
                 "ttttt", client, nfca(eg_req_arena(r), name), agency, cert, now);
    if (rc == EG_ECONFLICT) {
        eg_tx_rollback(c);
        return eg_req_fail_field(r, rc, "client_id", "Hệ thống %s đã được đăng ký", client);
    }
    if (!rc)
        rc = audit(r, c, "lgsp.consumer.create", "lgsp_consumer", client, agency, NULL);
    if (rc) {
        eg_tx_rollback(c);
        return rc;
    }
    rc = eg_tx_commit(c);
    if (rc)
        return rc;
    eg__lgsp_cache_invalidate(eg__lgsp_state(eg_req_app(r)));
    return eg_reply_json(r, 201,
                         json_pack("{s:s, s:s, s:s, s:o, s:s}", "client_id", client, "name", name,
                                   "agency_code", agency, "cert_sha256", eg_json_strn(cert),
                                   "status", "active"));
}

static int list_consumers(eg_req *r)
{
    int rc = eg_authorize(r, "read", &(eg_object){"lgsp_consumer", NULL, NULL});
    if (rc)
        return rc;
    json_t *rows = NULL;
    rc = eg_query_json(conn_of(r), &rows,
                       "SELECT client_id, name, agency_code, cert_sha256, status, created_at "
                       "FROM lgsp_consumer ORDER BY client_id",
                       "");
    if (rc)
        return rc;
    return eg_reply_json(r, 200, json_pack("{s:o, s:n}", "items", rows, "next_cursor"));
}

/* ------------------------------------------------------------------ grants */

static int create_grant(eg_req *r)
{
    int rc = 0;
    json_t *b = eg_req_json(r, &rc);
    if (!b)
        return rc;
    const char *code = eg_req_param(r, "code");
    eg_conn *c = conn_of(r);
    lgsp_service sv;
    rc = eg__lgsp_service_get(c, eg_req_arena(r), code, &sv);
    if (rc == EG_ENOTFOUND)
        return eg_req_fail(r, rc, "Không có dịch vụ %s", code);
    if (rc)
        return rc;
    rc = eg_authorize(r, "update", &(eg_object){"lgsp_service", sv.owner_agency, NULL});
    if (rc)
        return rc;
    static const char *const known[] = {"client_id", "methods",    "path_prefix",
                                        "quota",     "rate_limit", NULL};
    const char *key;
    json_t *v;
    json_object_foreach(b, key, v)
    {
        int ok = 0;
        for (int i = 0; known[i]; i++)
            ok |= strcmp(known[i], key) == 0;
        if (!ok)
            return eg_req_fail_field(r, EG_EUNPROCESSABLE, key, "Trường không được hỗ trợ: %s",
                                     key);
    }
    const char *client = eg_json_str(b, "client_id");
    if (!valid_token(client, 128, 1))
        return eg_req_fail_field(r, EG_EUNPROCESSABLE, "client_id", "client_id là bắt buộc");
    int64_t known_client = 0;
    rc = eg_query_int64(c, &known_client, "SELECT COUNT(*) FROM lgsp_consumer WHERE client_id = ?",
                        "t", client);
    if (rc)
        return rc;
    if (!known_client)
        return eg_req_fail_field(r, EG_EUNPROCESSABLE, "client_id",
                                 "Hệ thống %s chưa được đăng ký là bên sử dụng LGSP", client);
    eg_buf methods = EG_BUF_INIT;
    json_t *m = json_object_get(b, "methods");
    if (m && !json_is_null(m)) {
        static const char *const ok_methods[] = {"GET",    "POST", "PUT",     "PATCH",
                                                 "DELETE", "HEAD", "OPTIONS", NULL};
        if (!json_is_array(m) || json_array_size(m) == 0 || json_array_size(m) > 7)
            return eg_req_fail_field(r, EG_EUNPROCESSABLE, "methods",
                                     "methods là mảng các phương thức HTTP");
        size_t i;
        json_t *x;
        json_array_foreach(m, i, x)
        {
            int ok = 0;
            for (int k = 0; ok_methods[k]; k++)
                ok |= json_is_string(x) && strcmp(json_string_value(x), ok_methods[k]) == 0;
            if (!ok) {
                eg_buf_free(&methods);
                return eg_req_fail_field(r, EG_EUNPROCESSABLE, "methods",
                                         "Phương thức không hợp lệ ở vị trí %zu", i);
            }
            eg_buf_printf(&methods, ",%s", json_string_value(x));
        }
        eg_buf_putc(&methods, ',');
    }
    const char *prefix = eg_json_str(b, "path_prefix");
    if (json_object_get(b, "path_prefix") && !json_is_null(json_object_get(b, "path_prefix")) &&
        (!prefix || prefix[0] != '/' || strlen(prefix) > 500 || strstr(prefix, "..") ||
         strchr(prefix, '%') || strchr(prefix, '?'))) {
        eg_buf_free(&methods);
        return eg_req_fail_field(r, EG_EUNPROCESSABLE, "path_prefix",
                                 "path_prefix phải bắt đầu bằng '/', không chứa '..', '%%', '?'");
    }
    int64_t quota = 0, rate = 0;
    const char *nums[] = {"quota", "rate_limit"};
    int64_t *dst[] = {&quota, &rate};
    for (int i = 0; i < 2; i++) {
        json_t *q = json_object_get(b, nums[i]);
        if (!q || json_is_null(q))
            continue;
        if (!json_is_integer(q) || json_integer_value(q) < 1 ||
            json_integer_value(q) > 1000000000) {
            eg_buf_free(&methods);
            return eg_req_fail_field(r, EG_EUNPROCESSABLE, nums[i], "%s phải là số nguyên dương",
                                     nums[i]);
        }
        *dst[i] = json_integer_value(q);
    }
    char now[25];
    eg_time_iso_ms(eg_now_ms(), now);
    rc = eg_tx_begin(c);
    if (!rc) {
        rc = eg_exec(c, NULL,
                     "INSERT INTO lgsp_grant (service_code, client_id, methods, path_prefix, "
                     "quota_per_day, rate_per_sec, created_at) VALUES (?,?,?,?,?,?,?)",
                     "tttt"
                     "llt",
                     code, client, methods.len ? eg_buf_cstr(&methods) : NULL, prefix, quota, rate,
                     now);
        if (!rc)
            rc = audit(r, c, "lgsp.grant.create", "lgsp_service", code, sv.owner_agency,
                       json_pack("{s:s}", "client_id", client));
        if (rc)
            eg_tx_rollback(c);
        else
            rc = eg_tx_commit(c);
    }
    eg_buf_free(&methods);
    if (!rc)
        eg__lgsp_cache_invalidate(eg__lgsp_state(eg_req_app(r)));
    if (rc == EG_ECONFLICT)
        return eg_req_fail_field(r, rc, "client_id", "Hệ thống %s đã được cấp quyền", client);
    if (rc)
        return rc;
    json_t *out =
        json_pack("{s:s, s:s, s:O, s:o, s:o, s:o}", "service_code", code, "client_id", client,
                  "methods", m ? m : json_null(), "path_prefix", eg_json_strn(prefix), "quota",
                  quota ? json_integer(quota) : json_null(), "rate_limit",
                  rate ? json_integer(rate) : json_null());
    return eg_reply_json(r, 201, out);
}

static int list_grants(eg_req *r)
{
    const char *code = eg_req_param(r, "code");
    eg_conn *c = conn_of(r);
    lgsp_service sv;
    int rc = eg__lgsp_service_get(c, eg_req_arena(r), code, &sv);
    if (rc == EG_ENOTFOUND)
        return eg_req_fail(r, rc, "Không có dịch vụ %s", code);
    if (rc)
        return rc;
    rc = eg_authorize(r, "read", &(eg_object){"lgsp_service", sv.owner_agency, NULL});
    if (rc)
        return rc;
    json_t *rows = NULL;
    rc = eg_query_json(c, &rows,
                       "SELECT client_id, methods, path_prefix, quota_per_day AS quota, "
                       "rate_per_sec AS rate_limit, created_at FROM lgsp_grant "
                       "WHERE service_code = ? ORDER BY client_id",
                       "t", code);
    if (rc)
        return rc;
    return eg_reply_json(r, 200, json_pack("{s:o, s:n}", "items", rows, "next_cursor"));
}

/* Public catalogue for the developer portal: published and deprecated services only, with
 * their documents; never the upstream address. */
static int catalog(eg_req *r)
{
    json_t *rows = NULL;
    int rc = eg_query_json(conn_of(r), &rows,
                           "SELECT code, version, name, owner_agency, kind, description, spec, "
                           "spec_type, brm_ref, arm_ref, status FROM lgsp_service "
                           "WHERE status IN ('published', 'deprecated') ORDER BY code",
                           "");
    if (rc)
        return rc;
    return eg_reply_json(r, 200, json_pack("{s:o, s:n}", "items", rows, "next_cursor"));
}

void eg__lgsp_registry_routes(eg_http *h)
{
    eg_http_route(h, "POST", "/api/v1/lgsp/services", create_service,
                  &(eg_route_opts){.summary = "Đăng ký dịch vụ cung cấp (REST/SOAP)",
                                   .tag = "lgsp",
                                   .max_body = 2 << 20});
    eg_http_route(h, "GET", "/api/v1/lgsp/services", list_services,
                  &(eg_route_opts){.summary = "Danh sách dịch vụ LGSP", .tag = "lgsp"});
    eg_http_route(h, "GET", "/api/v1/lgsp/services/{code}", get_service,
                  &(eg_route_opts){.summary = "Một dịch vụ LGSP (ETag)", .tag = "lgsp"});
    eg_http_route(h, "PATCH", "/api/v1/lgsp/services/{code}", update_service,
                  &(eg_route_opts){.summary = "Cập nhật dịch vụ / vòng đời (If-Match)",
                                   .tag = "lgsp",
                                   .max_body = 2 << 20});
    eg_http_route(h, "POST", "/api/v1/lgsp/services/{code}/grants", create_grant,
                  &(eg_route_opts){.summary = "Cấp quyền gọi dịch vụ cho hệ thống", .tag = "lgsp"});
    eg_http_route(h, "GET", "/api/v1/lgsp/services/{code}/grants", list_grants,
                  &(eg_route_opts){.summary = "Các quyền gọi của một dịch vụ", .tag = "lgsp"});
    eg_http_route(
        h, "POST", "/api/v1/lgsp/consumers", create_consumer,
        &(eg_route_opts){.summary = "Đăng ký hệ thống sử dụng (OAuth client)", .tag = "lgsp"});
    eg_http_route(h, "GET", "/api/v1/lgsp/consumers", list_consumers,
                  &(eg_route_opts){.summary = "Danh sách hệ thống sử dụng", .tag = "lgsp"});
    eg_http_route(h, "GET", "/api/v1/lgsp/catalog", catalog,
                  &(eg_route_opts){.summary = "Danh mục dịch vụ đã công bố (cổng nhà phát triển)",
                                   .tag = "lgsp"});
}
