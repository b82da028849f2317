/*
 * inforeq.c - information requests between agencies during processing (liên thông cung cấp
 * thông tin, Table 5): instead of an official letter, staff of the dossier's agency ask
 * another agency's LGSP service and the answer is attached to the dossier.
 *
 *   POST /api/v1/dossiers/{code}/info-requests {service, params: {name: value}, purpose?}
 *        -> 201 the request with the provider's answer (Idempotency-Key honoured)
 *   GET  /api/v1/dossiers/{code}/info-requests -> {items, next_cursor: null}
 *   GET  /api/v1/info-services                -> the demo information services (for the UI)
 *
 * The call goes through the LGSP gateway in-process (eg_lgsp_call): the consumer is the
 * requesting agency's one-stop system "motcua-<agency>", X-Road-UserId the officer and
 * X-Road-Issue the dossier code, so the exchange is in the LGSP message log and subject to the
 * service's grants, rate limits and quota. The call is made before any transaction is opened
 * (the message log commits on its own thread); the record and its audit entry are then written
 * together. Gateway refusals (unknown service 404, no grant 403, bad parameters 422, quota 429,
 * provider down 502/504) are answered as problems and change nothing.
 *
 * A BPMN service task with handler "dossier.info-request" queues a request from the instance
 * variable info_request {service, params} (state pending, inside the step's transaction); the
 * scheduler tick sends pending requests through the gateway and records the answers.
 *
 * Only staff holding "request_info" in the dossier's handling or receiving agency may ask or
 * read; everyone else gets 404 (no existence leak). Reads of the answers are audited.
 */
#include <stdio.h>
#include <stdlib.h>
#include "dossier/inforeq.h"
#include "lgsp/lgsp.h"

#define MAX_PARAMS 10

static int valid_name(const char *s, size_t max)
{
    size_t n = s ? strlen(s) : 0;
    if (!n || n > max)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '_' || ch == '-' || ch == '.'))
            return 0;
    }
    return 1;
}

static void decref(void *j)
{
    json_decref(j);
}

/* "?k=v&..." from a params object of strings (already validated). */
static char *query_of(eg_arena *a, const json_t *params)
{
    eg_buf b = EG_BUF_INIT;
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)params, k, v)
    {
        eg_buf_putc(&b, b.len ? '&' : '?');
        eg_buf_urlencode(&b, k, strlen(k));
        eg_buf_putc(&b, '=');
        const char *s = json_string_value(v);
        eg_buf_urlencode(&b, s, strlen(s));
    }
    char *out = eg_arena_strndup(a, b.data ? b.data : "", b.len);
    eg_buf_free(&b);
    return out;
}

/* The agency on whose behalf p may ask about d (handling first), or NULL. */
static const char *requesting_agency(const eg_principal *p, const ds_row *d)
{
    if (!p || !p->kind || strcmp(p->kind, "staff") != 0)
        return NULL;
    if (eg_authz(p, "request_info", &(eg_object){"dossier", d->handling, NULL}) == 0)
        return d->handling;
    if (eg_authz(p, "request_info", &(eg_object){"dossier", d->agency, NULL}) == 0)
        return d->agency;
    return NULL;
}

/* One exchange through the gateway; fills the answer columns. */
typedef struct {
    int rc, http_status;
    char xroad_id[80], problem[40], detail[300];
    json_t *answer; /* owned */
} exchange;

static void ask(eg_app *app, eg_arena *a, const char *agency, const char *user, const char *code,
                const char *service, const json_t *params, exchange *x)
{
    char client[64];
    eg__ds_consumer_of(agency, client, sizeof(client));
    eg_lgsp_call_in in = {.client_id = client,
                          .service = service,
                          .method = "GET",
                          .path = query_of(a, params),
                          .user_id = user,
                          .issue = code};
    eg_lgsp_call_out out;
    memset(x, 0, sizeof(*x));
    x->rc = eg_lgsp_call(app, &in, &out);
    x->http_status = out.status;
    snprintf(x->xroad_id, sizeof(x->xroad_id), "%s", out.xroad_id);
    snprintf(x->problem, sizeof(x->problem), "%s", out.problem);
    snprintf(x->detail, sizeof(x->detail), "%s", out.detail);
    if (!x->rc && out.body) {
        x->answer = eg_json_parse(out.body, out.body_len, 32, NULL, 0);
        if (!x->answer)
            x->answer = json_string(out.body);
    }
    eg_lgsp_call_out_free(&out);
}

static json_t *row_json(json_t *row)
{
    const char *params = eg_json_str(row, "params"), *answer = eg_json_str(row, "answer");
    json_t *pj = params ? json_loads(params, 0, NULL) : NULL;
    json_t *aj = answer ? json_loads(answer, JSON_DECODE_ANY, NULL) : NULL;
    json_object_set_new(row, "params", pj ? pj : json_object());
    json_object_set_new(row, "answer", aj ? aj : json_null());
    return row;
}

#define COLS                                                                                       \
    "id, dossier_code, agency_code, service_code AS service, params, purpose, state, via, "        \
    "http_status, problem, answer, xroad_id, requested_by, requested_at, answered_at"

static int load_dossier(eg_req *r, ds_row *d, const char **agency)
{
    eg_conn *c = eg_db_conn(eg__ds_app()->db);
    const char *code = eg_req_param(r, "code");
    const eg_principal *p = NULL;
    int rc = eg_require_principal(r, &p);
    if (rc)
        return rc;
    rc = eg__ds_load(c, eg_req_arena(r), code, d);
    *agency = rc ? NULL : requesting_agency(p, d);
    if (rc == EG_ENOTFOUND || (!rc && !*agency))
        return eg_req_fail(r, EG_ENOTFOUND, "không có hồ sơ mã %s", code);
    return rc;
}

static int h_create(eg_req *r)
{
    ds_row d;
    const char *agency = NULL;
    int rc = load_dossier(r, &d, &agency);
    if (rc)
        return rc;
    eg_arena *a = eg_req_arena(r);
    json_t *b = eg_req_json(r, &rc);
    if (!b)
        return rc;
    const char *service = eg_json_str(b, "service");
    if (!valid_name(service, 64))
        return eg_req_fail_field(r, EG_EUNPROCESSABLE, "service",
                                 "cần mã dịch vụ LGSP (chữ, số, '-', '_', '.'; tối đa 64 ký tự)");
    json_t *params = json_object_get(b, "params");
    if (params && (!json_is_object(params) || json_object_size(params) > MAX_PARAMS))
        return eg_req_fail_field(r, EG_EUNPROCESSABLE, "params",
                                 "params là đối tượng tối đa %d tham số chuỗi", MAX_PARAMS);
    json_t *clean = json_object();
    eg_arena_on_free(a, decref, clean);
    const char *k;
    json_t *v;
    json_object_foreach(params, k, v)
    {
        if (!valid_name(k, 32))
            return eg_req_fail_field(r, EG_EUNPROCESSABLE, eg_arena_printf(a, "params.%s", k),
                                     "tên tham số không hợp lệ");
        if (!json_is_string(v) || json_string_length(v) == 0 || json_string_length(v) > 200)
            return eg_req_fail_field(r, EG_EUNPROCESSABLE, eg_arena_printf(a, "params.%s", k),
                                     "giá trị là chuỗi 1-200 ký tự");
        eg_buf n = EG_BUF_INIT;
        eg_nfc(json_string_value(v), json_string_length(v), &n);
        json_object_set_new(clean, k, json_stringn(n.data ? n.data : "", n.len));
        eg_buf_free(&n);
    }
    const char *purpose = eg_json_str(b, "purpose");
    if (purpose && strlen(purpose) > 500)
        return eg_req_fail_field(r, EG_EUNPROCESSABLE, "purpose", "tối đa 500 ký tự");
    const char *idem = eg_req_header(r, "Idempotency-Key");
    if (idem && strlen(idem) > 128)
        return eg_req_fail_field(r, EG_EINVAL, "Idempotency-Key", "tối đa 128 ký tự");
    const char *actor = eg_actor(r);
    eg_conn *c = eg_db_conn(eg__ds_app()->db);
    json_t *rows = NULL;
    if (idem) {
        rc = eg_query_json(c, &rows,
                           "SELECT " COLS " FROM dossier_info_requests WHERE requested_by = ? "
                           "AND idem_key = ?",
                           "tt", actor, idem);
        if (rc)
            return rc;
        if (json_array_size(rows)) {
            json_t *one = json_incref(json_array_get(rows, 0));
            json_decref(rows);
            return eg_reply_json(r, 200, row_json(one));
        }
        json_decref(rows);
    }

    /* The exchange, outside any transaction. */
    exchange x;
    ask(eg__ds_app(), a, agency, actor, d.code, service, clean, &x);
    if (x.rc) {
        json_decref(x.answer);
        if (x.rc == EG_ENOTFOUND)
            return eg_req_fail_field(r, EG_ENOTFOUND, "service", "LGSP: %s", x.detail);
        if (x.rc == EG_EFORBIDDEN)
            return eg_req_fail_field(r, EG_EFORBIDDEN, "service", "LGSP: %s", x.detail);
        if (x.rc == EG_EINVAL)
            return eg_req_fail_field(r, EG_EUNPROCESSABLE, "params", "LGSP: %s", x.detail);
        if (x.rc == EG_ERATE || x.rc == EG_EUNAVAIL || x.rc == EG_ETIMEOUT)
            return eg_req_fail(r, x.rc, "LGSP: %s", x.detail);
        return eg_req_fail(r, EG_EUPSTREAM, "LGSP: %s", x.detail);
    }
    int ok = x.http_status >= 200 && x.http_status < 300;
    char now[25];
    eg_time_iso_ms(eg_now_ms(), now);
    char *ptxt = json_dumps(clean, JSON_COMPACT | JSON_SORT_KEYS);
    char *atxt = x.answer ? json_dumps(x.answer, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
    json_decref(x.answer);
    int64_t id = 0;
    rc = eg_tx_begin(c);
    if (!rc)
        rc = eg_query_int64(c, &id,
                            "INSERT INTO dossier_info_requests (dossier_code, agency_code, "
                            "service_code, params, purpose, state, via, http_status, answer, "
                            "xroad_id, requested_by, requested_at, answered_at, attempts, "
                            "idem_key) VALUES (?,?,?,?,?,?,'officer',?,?,?,?,?,?,1,?) RETURNING id",
                            "tttttti"
                            "tttttt",
                            d.code, agency, service, ptxt, purpose, ok ? "answered" : "failed",
                            x.http_status, atxt, x.xroad_id, actor, now, now, idem);
    if (!rc) {
        char ids[24];
        snprintf(ids, sizeof(ids), "%lld", (long long)id);
        json_t *det =
            json_pack("{s:s, s:s, s:s, s:i, s:O}", "dossier_code", d.code, "service", service,
                      "xroad_id", x.xroad_id, "http_status", x.http_status, "params", clean);
        eg_audit_event ev = {.actor = actor,
                             .action = "dossier.info_request",
                             .object_type = "dossier_info_request",
                             .object_id = ids,
                             .agency = agency,
                             .request_id = eg_req_id(r),
                             .client_addr = eg_req_client_ip(r),
                             .detail = det};
        rc = eg_audit_append(c, &ev);
        json_decref(det);
    }
    free(ptxt);
    free(atxt);
    if (rc) {
        eg_tx_rollback(c);
        return rc;
    }
    rc = eg_tx_commit(c);
    if (rc)
        return rc;
    rc =
        eg_query_json(c, &rows, "SELECT " COLS " FROM dossier_info_requests WHERE id = ?", "l", id);
    if (rc)
        return rc;
    json_t *one = json_incref(json_array_get(rows, 0));
    json_decref(rows);
    eg_reply_header(
        r, "Location",
        eg_arena_printf(a, "/api/v1/dossiers/%s/info-requests/%lld", d.code, (long long)id));
    return eg_reply_json(r, 201, row_json(one));
}

static int h_list(eg_req *r)
{
    ds_row d;
    const char *agency = NULL;
    int rc = load_dossier(r, &d, &agency);
    if (rc)
        return rc;
    eg_conn *c = eg_db_conn(eg__ds_app()->db);
    json_t *rows = NULL;
    rc = eg_query_json(c, &rows,
                       "SELECT " COLS " FROM dossier_info_requests WHERE dossier_code = ? "
                       "ORDER BY id DESC LIMIT 500",
                       "t", d.code);
    if (rc)
        return rc;
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row) row_json(row);
    if (json_array_size(rows)) { /* the answers are personal data: the read is audited */
        eg_audit_event ev = {.actor = eg_actor(r),
                             .action = "dossier.info_request.read",
                             .object_type = "dossier",
                             .object_id = d.code,
                             .agency = agency,
                             .request_id = eg_req_id(r),
                             .client_addr = eg_req_client_ip(r)};
        rc = eg_audit_append(c, &ev);
        if (rc) {
            json_decref(rows);
            return rc;
        }
    }
    return eg_reply_json(r, 200, json_pack("{s:o, s:n}", "items", rows, "next_cursor"));
}

static int h_services(eg_req *r)
{
    const eg_principal *p = NULL;
    int rc = eg_require_principal(r, &p);
    if (rc)
        return rc;
    if (!p->kind || strcmp(p->kind, "staff") != 0)
        return eg_req_fail(r, EG_EFORBIDDEN, "chỉ cán bộ xử lý hồ sơ");
    return eg_reply_json(r, 200,
                         json_pack("{s:o, s:n}", "items", eg__ds_providers_json(), "next_cursor"));
}

/* ------------------------------------------------------------------ service task + tick */

#if DS_HAVE_WORKFLOW
static int wf_handler(eg_conn *c, const eg_wf_call *call, void *ctx, char *err, size_t errlen)
{
    json_t *req = json_object_get(call->vars, "info_request");
    const char *service = eg_json_str(req, "service");
    json_t *params = json_object_get(req, "params");
    if (!valid_name(service, 64) || (params && !json_is_object(params))) {
        snprintf(err, errlen, "biến info_request {service, params} không hợp lệ");
        return EG_EUNPROCESSABLE;
    }
    if (!call->business_key || !call->agency_code) {
        snprintf(err, errlen, "quy trình không gắn với hồ sơ");
        return EG_EUNPROCESSABLE;
    }
    char now[25], idem[64];
    eg_time_iso_ms(eg_now_ms(), now);
    snprintf(idem, sizeof(idem), "%lld/%s", (long long)call->instance_id, call->element_id);
    char *ptxt = json_dumps(params ? params : json_object(), JSON_COMPACT | JSON_SORT_KEYS);
    int64_t have = 0;
    int rc = eg_query_int64(c, &have,
                            "SELECT COUNT(*) FROM dossier_info_requests WHERE requested_by = "
                            "'workflow' AND idem_key = ?",
                            "t", idem);
    if (!rc && !have)
        rc = eg_exec(c, NULL,
                     "INSERT INTO dossier_info_requests (dossier_code, agency_code, service_code, "
                     "params, state, via, requested_by, requested_at, idem_key) VALUES "
                     "(?,?,?,?,'pending','workflow','workflow',?,?)",
                     "tttttt", call->business_key, call->agency_code, service, ptxt, now, idem);
    free(ptxt);
    if (rc)
        snprintf(err, errlen, "không ghi được yêu cầu thông tin");
    json_object_set_new(call->vars, "info_request_queued", json_true());
    return rc;
}
#endif

void eg__ds_inforeq_tick(eg_app *app)
{
    eg_conn *c = eg_db_conn(app->db);
    json_t *rows = NULL;
    if (eg_query_json(c, &rows,
                      "SELECT id, dossier_code, agency_code, service_code, params, attempts FROM "
                      "dossier_info_requests WHERE state = 'pending' ORDER BY id LIMIT 10",
                      ""))
        return;
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row)
    {
        eg_arena *a = eg_arena_new(0);
        const char *ptxt = eg_json_str(row, "params");
        json_t *params = ptxt ? json_loads(ptxt, 0, NULL) : NULL;
        exchange x;
        ask(app, a, eg_json_str(row, "agency_code"), "workflow", eg_json_str(row, "dossier_code"),
            eg_json_str(row, "service_code"), params ? params : json_object(), &x);
        json_decref(params);
        long long attempts = eg_json_int(row, "attempts", 0) + 1;
        int retry = (x.rc == EG_EUPSTREAM || x.rc == EG_ETIMEOUT || x.rc == EG_EUNAVAIL ||
                     x.rc == EG_ERATE) &&
                    attempts < 5;
        if (!retry) {
            char now[25];
            eg_time_iso_ms(eg_now_ms(), now);
            int ok = !x.rc && x.http_status >= 200 && x.http_status < 300;
            char *atxt = x.answer ? json_dumps(x.answer, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
            if (!eg_tx_begin(c)) {
                int rc = eg_exec(c, NULL,
                                 "UPDATE dossier_info_requests SET state = ?, http_status = ?, "
                                 "problem = ?, answer = ?, xroad_id = ?, answered_at = ?, "
                                 "attempts = ? WHERE id = ? AND state = 'pending'",
                                 "tittttil", ok ? "answered" : "failed", x.http_status,
                                 x.problem[0] ? x.problem : NULL, atxt, x.xroad_id, now,
                                 (int)attempts, (int64_t)eg_json_int(row, "id", 0));
                if (!rc) {
                    json_t *det =
                        json_pack("{s:s?, s:s, s:i}", "service", eg_json_str(row, "service_code"),
                                  "xroad_id", x.xroad_id, "http_status", x.http_status);
                    eg_audit_event ev = {.actor = "workflow",
                                         .action = "dossier.info_request",
                                         .object_type = "dossier",
                                         .object_id = eg_json_str(row, "dossier_code"),
                                         .agency = eg_json_str(row, "agency_code"),
                                         .detail = det};
                    rc = eg_audit_append(c, &ev);
                    json_decref(det);
                }
                if (rc)
                    eg_tx_rollback(c);
                else
                    eg_tx_commit(c);
            }
            free(atxt);
        } else {
            eg_exec(c, NULL, "UPDATE dossier_info_requests SET attempts = ? WHERE id = ?", "il",
                    (int)attempts, (int64_t)eg_json_int(row, "id", 0));
        }
        json_decref(x.answer);
        eg_arena_free(a);
    }
    json_decref(rows);
}

void eg__ds_inforeq_init(void)
{
    eg__ds_providers_register();
#if DS_HAVE_WORKFLOW
    eg_wf_register_handler("dossier.info-request", wf_handler, NULL);
#endif
}

void eg__ds_inforeq_routes(eg_http *h)
{
    eg_http_route(h, "POST", "/api/v1/dossiers/{code}/info-requests", h_create,
                  &(eg_route_opts){.summary = "Yêu cầu thông tin liên thông qua LGSP cho hồ sơ",
                                   .tag = "dossier"});
    eg_http_route(h, "GET", "/api/v1/dossiers/{code}/info-requests", h_list,
                  &(eg_route_opts){.summary = "Các yêu cầu thông tin liên thông của hồ sơ",
                                   .tag = "dossier"});
    eg_http_route(h, "GET", "/api/v1/info-services", h_services,
                  &(eg_route_opts){.summary = "Dịch vụ cung cấp thông tin liên thông (mẫu)",
                                   .tag = "dossier"});
}
