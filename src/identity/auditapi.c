/*
 * auditapi.c - the HTTP read side of the audit log (the audit module sits below identity, so
 * its routes live here where roles are known):
 *   GET /api/v1/audit/events   filtered search, newest first, cursor = record id
 *   GET /api/v1/audit/verify   recomputes the chain and the checkpoint signatures
 * Auditors and administrators read every record; an agency administrator reads the records of
 * their own agency only (?agency= is then required). The log names people and dossiers, so
 * every search is itself audited (action "audit.search" with the filters used).
 */
#include <stdlib.h>
#include <string.h>
#include "audit/audit.h"
#include "identity/internal.h"

#define MAX_FILTER 200

/* Copies a query argument after checking its length; NULL when absent or empty. */
static int text_arg(eg_req *r, const char *name, const char **out)
{
    const char *v = eg_req_query(r, name);
    *out = NULL;
    if (!v || !*v)
        return 0;
    if (strlen(v) > MAX_FILTER || !eg_utf8_valid(v, strlen(v)))
        return eg_req_fail_field(r, EG_EINVAL, name, "Giá trị lọc quá dài hoặc không hợp lệ");
    *out = v;
    return 0;
}

/* Date/time bound: YYYY-MM-DD (Vietnam midnight) or ISO 8601, normalised to the log's UTC
 * ISO form so the text comparison in SQL is exact. */
static int time_arg(eg_req *r, const char *name, char out[25], const char **res)
{
    const char *v = eg_req_query(r, name);
    int64_t ms;
    *res = NULL;
    if (!v || !*v)
        return 0;
    if (eg_time_parse(v, &ms))
        return eg_req_fail_field(r, EG_EINVAL, name,
                                 "Thời điểm không hợp lệ (YYYY-MM-DD hoặc ISO 8601)");
    eg_time_iso_ms(ms, out);
    *res = out;
    return 0;
}

static int events(eg_req *r)
{
    eg_audit_filter f = {.limit = eg_req_limit(r)};
    char from[25], to[25];
    int rc = text_arg(r, "object_type", &f.object_type);
    if (!rc)
        rc = text_arg(r, "object_id", &f.object_id);
    if (!rc)
        rc = text_arg(r, "actor", &f.actor);
    if (!rc)
        rc = text_arg(r, "action", &f.action);
    if (!rc)
        rc = text_arg(r, "agency", &f.agency);
    if (!rc)
        rc = time_arg(r, "from", from, &f.from);
    if (!rc)
        rc = time_arg(r, "to", to, &f.to);
    if (rc)
        return rc;
    if (f.agency && !eg_valid_agency_code(f.agency))
        return eg_req_fail_field(r, EG_EINVAL, "agency", "Mã cơ quan không hợp lệ");
    const char *cur = eg_req_query(r, "cursor");
    if (cur && *cur) {
        char *end;
        long long v = strtoll(cur, &end, 10);
        if (*end || v <= 0)
            return eg_req_fail_field(r, EG_EINVAL, "cursor", "Con trỏ phân trang không hợp lệ");
        f.before_id = v;
    }
    rc = eg_authorize(r, "read", &(eg_object){.type = "audit_event", .agency_code = f.agency});
    if (rc)
        return rc;
    eg_app *app = eg_req_app(r);
    json_t *items;
    rc = eg_audit_list(eg_db_conn(app->db), &f, &items);
    if (rc)
        return rc;
    json_t *detail = json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:I}", "object_type",
                               eg_json_strn(f.object_type), "object_id", eg_json_strn(f.object_id),
                               "actor", eg_json_strn(f.actor), "action", eg_json_strn(f.action),
                               "agency", eg_json_strn(f.agency), "from", eg_json_strn(f.from), "to",
                               eg_json_strn(f.to), "results", (json_int_t)json_array_size(items));
    rc = eg__audit_grouped(r, eg_actor(r), "audit.search", "audit_log", NULL, f.agency, detail);
    if (rc) {
        json_decref(items);
        return rc;
    }
    size_t n = json_array_size(items);
    json_t *next = json_null();
    if (n == (size_t)(f.limit > 0 && f.limit <= 500 ? f.limit : 50) && n > 0) {
        char buf[24];
        snprintf(
            buf, sizeof(buf), "%lld",
            (long long)json_integer_value(json_object_get(json_array_get(items, n - 1), "id")));
        next = json_string(buf);
    }
    return eg_reply_json(r, 200, json_pack("{s:o, s:o}", "items", items, "next_cursor", next));
}

static int verify(eg_req *r)
{
    int rc = eg_authorize(r, "read", &(eg_object){.type = "audit_event"});
    if (rc)
        return rc;
    eg_app *app = eg_req_app(r);
    int64_t count = 0;
    char msg[512] = "";
    int vr = eg_audit_verify(app->db, app->data_dir, &count, msg, sizeof(msg));
    if (vr && vr != EG_ECONFLICT)
        return vr;
    rc = eg__audit_grouped(r, eg_actor(r), "audit.verify", "audit_log", NULL, NULL,
                           json_pack("{s:b, s:I}", "ok", vr == 0, "records", (json_int_t)count));
    if (rc)
        return rc;
    return eg_reply_json(r, 200,
                         json_pack("{s:b, s:I, s:o}", "ok", vr == 0, "records", (json_int_t)count,
                                   "problem", vr ? json_string(msg) : json_null()));
}

void eg__audit_routes(eg_app *app, eg_http *h)
{
    (void)app;
    eg_route_opts o = {.tag = "audit"};
    o.summary = "Audit log search (?object_type=&object_id=&actor=&action=&agency=&from=&to=)";
    eg_http_route(h, "GET", "/api/v1/audit/events", events, &o);
    o.summary = "Verify the audit chain and its signed checkpoints";
    eg_http_route(h, "GET", "/api/v1/audit/verify", verify, &o);
}
