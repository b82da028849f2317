/*
 * portal.c - the public portal's server side: the site information the web shell shows
 * (from configuration, so nothing assumes one province) and website feedback (góp ý).
 */
#include <string.h>
#include "egov.h"
#include "audit/audit.h"
#include "portal/portal.h"

static int site_info(eg_req *r)
{
    eg_app *app = eg_req_app(r);
    json_t *j =
        json_pack("{s:s, s:s, s:s}", "site_name",
                  eg_config_get(app->cfg, "site.name", "Cổng dịch vụ công tỉnh Vĩnh Long"),
                  "province", eg_config_get(app->cfg, "site.province", "Tỉnh Vĩnh Long"),
                  "agency_code", eg_config_get(app->cfg, "site.agency_code", "000.00.00.H61"));
    return eg_reply_json(r, 200, j);
}

/* Checks an optional string field: absent/null is fine, otherwise a string of at most max
 * bytes of valid UTF-8. Returns its value via *out (NULL when absent). */
static int opt_string(eg_req *r, json_t *body, const char *field, size_t max, int required,
                      const char **out)
{
    json_t *v = json_object_get(body, field);
    *out = NULL;
    if (!v || json_is_null(v)) {
        if (required)
            return eg_req_fail_field(r, EG_EUNPROCESSABLE, field, "Trường %s là bắt buộc", field);
        return EG_OK;
    }
    if (!json_is_string(v))
        return eg_req_fail_field(r, EG_EUNPROCESSABLE, field, "Trường %s phải là chuỗi", field);
    const char *s = json_string_value(v);
    size_t n = strlen(s);
    if (n > max)
        return eg_req_fail_field(r, EG_EUNPROCESSABLE, field, "Trường %s dài quá %zu ký tự", field,
                                 max);
    if (required && n == 0)
        return eg_req_fail_field(r, EG_EUNPROCESSABLE, field, "Trường %s không được để trống",
                                 field);
    *out = n ? s : NULL;
    return EG_OK;
}

/* POST /api/v1/site/feedback {message, name?, email?, page?} -> 201 {id, created_at} */
static int feedback_create(eg_req *r)
{
    eg_app *app = eg_req_app(r);
    int rc = EG_OK;
    json_t *body = eg_req_json(r, &rc);
    if (!body)
        return rc;
    const char *message, *name, *email, *page;
    rc = opt_string(r, body, "message", 4000, 1, &message);
    if (!rc)
        rc = opt_string(r, body, "name", 200, 0, &name);
    if (!rc)
        rc = opt_string(r, body, "email", 254, 0, &email);
    if (!rc)
        rc = opt_string(r, body, "page", 500, 0, &page);
    if (!rc && email && !eg_valid_email(email))
        rc = eg_req_fail_field(r, EG_EUNPROCESSABLE, "email", "Địa chỉ email không hợp lệ");
    if (rc)
        return rc;
    eg_buf nfc = EG_BUF_INIT;
    eg_nfc(message, strlen(message), &nfc);
    char ts[25];
    eg_time_iso_ms(eg_now_ms(), ts);
    eg_conn *c = eg_db_conn(app->db);
    int64_t id = 0;
    rc = eg_tx_begin(c);
    if (!rc)
        rc = eg_query_int64(c, &id,
                            "INSERT INTO portal_feedback (created_at, name, email, message, page, "
                            "client_addr, request_id) VALUES (?,?,?,?,?,?,?) RETURNING id",
                            "ttttttt", ts, name, email, eg_buf_cstr(&nfc), page,
                            eg_req_client_ip(r), eg_req_id(r));
    if (!rc) {
        char sid[32];
        snprintf(sid, sizeof(sid), "%lld", (long long)id);
        eg_audit_event ev = {.actor = "anonymous",
                             .action = "portal.feedback.create",
                             .object_type = "portal_feedback",
                             .object_id = sid,
                             .request_id = eg_req_id(r),
                             .client_addr = eg_req_client_ip(r)};
        rc = eg_audit_append(c, &ev);
    }
    rc = rc ? (eg_tx_rollback(c), rc) : eg_tx_commit(c);
    eg_buf_free(&nfc);
    if (rc)
        return rc;
    return eg_reply_json(r, 201, json_pack("{s:I, s:s}", "id", (json_int_t)id, "created_at", ts));
}

static void portal_routes(eg_app *app, eg_http *h)
{
    (void)app;
    static const eg_route_opts site = {.summary = "Tên cổng và tỉnh cho giao diện web",
                                       .tag = "portal"};
    static const eg_route_opts fb = {.summary = "Gửi góp ý về cổng thông tin",
                                     .tag = "portal",
                                     .max_body = 16 * 1024,
                                     .public_route = 1};
    eg_http_route(h, "GET", "/api/v1/site", site_info, &site);
    eg_http_route(h, "POST", "/api/v1/site/feedback", feedback_create, &fb);
}

const struct eg_module eg_portal_module = {
    .name = "portal",
    .routes = portal_routes,
};
