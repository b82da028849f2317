/*
 * procedure.c - the procedure catalogue (thủ tục hành chính, TTHC): each procedure is one
 * JSON document (code, name, field, implementing agency, level, processing time, fees,
 * components with form templates, result type, online level, legal basis, BPMN process key)
 * with its searchable columns lifted into catalog_procedures.
 *   GET /api/v1/procedures?q=&agency=&field=&cursor=&limit=
 *   GET /api/v1/procedures/{code}
 */
#include <string.h>
#include <stdlib.h>
#include "catalog/catalog.h"
#include "catalog/internal.h"

/* Checks one procedure document from data/ or an admin; message names the field. */
static int procedure_check(json_t *p, char *err, size_t n)
{
    const char *code = eg_json_str(p, "code");
    if (!code || !eg_valid_procedure_code(code))
        return snprintf(err, n, "code: mã thủ tục không hợp lệ"), EG_EUNPROCESSABLE;
    static const char *req[] = {"national_code", "name",   "field",      "agency_code",
                                "level",         "online", "process_key"};
    for (size_t i = 0; i < sizeof(req) / sizeof(req[0]); i++)
        if (!eg_json_str(p, req[i]) || !*eg_json_str(p, req[i]))
            return snprintf(err, n, "%s: bắt buộc", req[i]), EG_EUNPROCESSABLE;
    if (!eg_valid_agency_code(eg_json_str(p, "agency_code")))
        return snprintf(err, n, "agency_code: mã cơ quan không hợp lệ"), EG_EUNPROCESSABLE;
    const char *on = eg_json_str(p, "online");
    if (strcmp(on, "full") && strcmp(on, "partial") && strcmp(on, "none"))
        return snprintf(err, n, "online: full, partial hoặc none"), EG_EUNPROCESSABLE;
    json_t *d = json_object_get(p, "processing_days"), *h = json_object_get(p, "processing_hours");
    if ((d && !json_is_null(d) && (!json_is_integer(d) || json_integer_value(d) < 0)) ||
        (h && !json_is_null(h) && (!json_is_integer(h) || json_integer_value(h) < 0)))
        return snprintf(err, n, "processing_days: số ngày làm việc không âm"), EG_EUNPROCESSABLE;
    json_t *comps = json_object_get(p, "components");
    if (!json_is_array(comps))
        return snprintf(err, n, "components: phải là danh sách"), EG_EUNPROCESSABLE;
    size_t i;
    json_t *v;
    json_array_foreach(comps, i, v)
    {
        if (!eg_json_str(v, "code") || !eg_json_str(v, "name") ||
            !json_is_boolean(json_object_get(v, "required")))
            return snprintf(err, n, "components[%zu]: cần code, name, required", i),
                   EG_EUNPROCESSABLE;
    }
    if (!json_is_array(json_object_get(p, "fees")))
        return snprintf(err, n, "fees: phải là danh sách"), EG_EUNPROCESSABLE;
    return EG_OK;
}

static int procedure_store(eg_conn *c, json_t *p, const char *now, int replace)
{
    char *doc = json_dumps(p, JSON_COMPACT);
    json_t *d = json_object_get(p, "processing_days"), *h = json_object_get(p, "processing_hours");
    int64_t changed = 0;
    int rc = eg_exec(
        c, &changed,
        replace ? "INSERT INTO catalog_procedures (code, national_code, name, field, agency_code, "
                  "level, processing_days, processing_hours, online, result_type, process_key, "
                  "doc, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT (code) DO "
                  "UPDATE SET name = excluded.name, field = excluded.field, agency_code = "
                  "excluded.agency_code, level = excluded.level, processing_days = "
                  "excluded.processing_days, processing_hours = excluded.processing_hours, "
                  "online = excluded.online, result_type = excluded.result_type, process_key = "
                  "excluded.process_key, doc = excluded.doc, updated_at = excluded.updated_at, "
                  "version = catalog_procedures.version + 1"
                : "INSERT INTO catalog_procedures (code, national_code, name, field, agency_code, "
                  "level, processing_days, processing_hours, online, result_type, process_key, "
                  "doc, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT (code) DO "
                  "NOTHING",
        "tttttt"
        "ttttttt",
        eg_json_str(p, "code"), eg_json_str(p, "national_code"), eg_json_str(p, "name"),
        eg_json_str(p, "field"), eg_json_str(p, "agency_code"), eg_json_str(p, "level"), NULL, NULL,
        eg_json_str(p, "online"), eg_json_str(p, "result_type"), eg_json_str(p, "process_key"), doc,
        now);
    free(doc);
    if (rc)
        return rc;
    if (json_is_integer(d) || json_is_integer(h)) {
        rc = eg_exec(c, NULL,
                     "UPDATE catalog_procedures SET processing_days = ?, processing_hours = ? "
                     "WHERE code = ?",
                     "llt", (int64_t)(json_is_integer(d) ? json_integer_value(d) : 0),
                     (int64_t)(json_is_integer(h) ? json_integer_value(h) : 0),
                     eg_json_str(p, "code"));
        if (rc)
            return rc;
    }
    if (!changed)
        return EG_OK;
    eg_buf body = EG_BUF_INIT;
    eg_buf_printf(&body, "%s %s", eg_json_str(p, "code"),
                  eg_json_str(p, "description") ? eg_json_str(p, "description") : "");
    rc = eg__search_put(c, "procedure", eg_json_str(p, "code"), eg_json_str(p, "name"),
                        eg_buf_cstr(&body));
    eg_buf_free(&body);
    return rc;
}

int eg__procedure_seed(eg_app *app, eg_conn *c, int demo)
{
    (void)demo;
    eg_buf raw = EG_BUF_INIT;
    int rc = eg__cat_read_data(app, "data/procedures/procedures.json", &raw);
    if (rc) {
        eg_buf_free(&raw);
        eg_log(EG_LOG_ERROR, "catalog", NULL, "data/procedures/procedures.json missing", NULL);
        return rc;
    }
    char err[256];
    json_t *all = eg_json_parse(raw.data, raw.len, 32, err, sizeof(err));
    eg_buf_free(&raw);
    if (!json_is_array(all)) {
        eg_log(EG_LOG_ERROR, "catalog", NULL, "procedures.json", "error", err, NULL);
        json_decref(all);
        return EG_EINVAL;
    }
    char now[25];
    eg_time_iso_ms(eg_now_ms(), now);
    rc = eg_tx_begin(c);
    size_t i;
    json_t *p;
    json_array_foreach(all, i, p)
    {
        if (rc)
            break;
        rc = procedure_check(p, err, sizeof(err));
        if (rc) {
            eg_log(EG_LOG_ERROR, "catalog", NULL, "procedures.json: bad procedure", "code",
                   eg_json_str(p, "code"), "error", err, NULL);
            break;
        }
        rc = procedure_store(c, p, now, 0);
    }
    rc = rc ? (eg_tx_rollback(c), rc) : eg_tx_commit(c);
    json_decref(all);
    return rc;
}

static json_t *item_json(eg_stmt *q)
{
    char agency[400] = "";
    eg_catalog_agency_name(eg_col_text(q, 3), agency, sizeof(agency));
    json_t *j =
        json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "code", eg_col_text(q, 0),
                  "national_code", eg_col_text(q, 1), "name", eg_col_text(q, 2), "agency_code",
                  eg_col_text(q, 3), "agency_name", agency, "field", eg_col_text(q, 4), "level",
                  eg_col_text(q, 5), "online", eg_col_text(q, 8));
    json_object_set_new(j, "processing_days",
                        eg_col_is_null(q, 6) ? json_null() : json_integer(eg_col_int64(q, 6)));
    if (!eg_col_is_null(q, 7) && eg_col_int64(q, 7) > 0)
        json_object_set_new(j, "processing_hours", json_integer(eg_col_int64(q, 7)));
    return j;
}

#define PROC_COLS                                                                                  \
    "code, national_code, name, agency_code, field, level, processing_days, processing_hours, "    \
    "online, doc, version"

/* GET /api/v1/procedures */
static int procedures_list(eg_req *r)
{
    eg_app *app = eg_req_app(r);
    eg_arena *a = eg_req_arena(r);
    const char *q = eg_req_query(r, "q"), *agency = eg_req_query(r, "agency"),
               *field = eg_req_query(r, "field"), *cursor = eg_req_query(r, "cursor");
    if (agency && *agency && !eg_valid_agency_code(agency))
        return eg_req_fail_field(r, EG_EINVAL, "agency",
                                 "Mã cơ quan phải có dạng CCC.BB.AA.LNN (QCVN 102)");
    char resolved[14] = "";
    if (agency && *agency && eg_catalog_agency_resolve(agency, resolved))
        snprintf(resolved, sizeof(resolved), "%s", agency);
    char *fq = q && *q ? eg_fold_arena(a, q) : NULL;
    if (q && *q && !fq)
        return eg_req_fail_field(r, EG_EINVAL, "q", "Chuỗi tìm kiếm không phải UTF-8 hợp lệ");
    int limit = eg_req_limit(r);
    eg_conn *c = eg_db_conn(app->db);
    eg_stmt *st;
    const char *ag = agency && *agency ? resolved : NULL, *fl = field && *field ? field : NULL;
    int rc = eg_query(c, &st,
                      "SELECT " PROC_COLS " FROM catalog_procedures WHERE code > ? AND "
                      "(CAST(? AS TEXT) IS NULL OR agency_code = ?) AND "
                      "(CAST(? AS TEXT) IS NULL OR field = ?) ORDER BY code",
                      "ttttt", cursor ? cursor : "", ag, ag, fl, fl);
    if (rc)
        return rc;
    json_t *items = json_array();
    const char *last = NULL;
    int more = 0;
    while ((rc = eg_step(st)) == EG_ROW) {
        if (fq) {
            char *fn = eg_fold_arena(a, eg_col_text(st, 2));
            if (!fn || (!strstr(fn, fq) && !strstr(eg_col_text(st, 0), fq)))
                continue;
        }
        if ((int)json_array_size(items) == limit) {
            more = 1;
            break;
        }
        json_array_append_new(items, item_json(st));
        last = eg_arena_strdup(a, eg_col_text(st, 0));
    }
    eg_stmt_done(st);
    if (rc < 0) {
        json_decref(items);
        return rc;
    }
    return eg_reply_json(r, 200,
                         json_pack("{s:o, s:o}", "items", items, "next_cursor",
                                   more && last ? json_string(last) : json_null()));
}

static int load(eg_conn *c, const char *code, json_t **out, int64_t *version)
{
    eg_stmt *st;
    int rc =
        eg_query(c, &st, "SELECT " PROC_COLS " FROM catalog_procedures WHERE code = ?", "t", code);
    if (rc)
        return rc;
    rc = eg_step(st);
    if (rc != EG_ROW) {
        eg_stmt_done(st);
        return rc < 0 ? rc : EG_ENOTFOUND;
    }
    json_t *j = item_json(st);
    const char *doc = eg_col_text(st, 9);
    json_t *d = eg_json_parse(doc, strlen(doc), 32, NULL, 0);
    if (version)
        *version = eg_col_int64(st, 10);
    eg_stmt_done(st);
    if (d) {
        static const char *extra[] = {"components",         "fees",        "process_key",
                                      "result_type",        "legal_basis", "channels",
                                      "description",        "field_name",  "eams",
                                      "implementing_level", "form_code"};
        for (size_t i = 0; i < sizeof(extra) / sizeof(extra[0]); i++) {
            json_t *v = json_object_get(d, extra[i]);
            if (v)
                json_object_set(j, extra[i], v);
        }
        json_decref(d);
    }
    *out = j;
    return EG_OK;
}

int eg_catalog_procedure(eg_conn *c, const char *code, json_t **out)
{
    return load(c, code, out, NULL);
}

int eg_catalog_procedure_links(eg_conn *c, json_t **out)
{
    eg_stmt *st;
    int rc = eg_query(c, &st,
                      "SELECT code, name, agency_code, doc FROM catalog_procedures "
                      "ORDER BY code",
                      "");
    if (rc)
        return rc;
    json_t *arr = json_array();
    while ((rc = eg_step(st)) == EG_ROW) {
        const char *doc = eg_col_text(st, 3);
        json_t *d = eg_json_parse(doc, strlen(doc), 32, NULL, 0);
        json_t *e = json_object_get(d, "eams");
        json_t *ev = json_is_array(e) ? json_incref(e) : json_array();
        json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:o}", "code", eg_col_text(st, 0),
                                             "name", eg_col_text(st, 1), "agency_code",
                                             eg_col_text(st, 2), "eams", ev));
        json_decref(d);
    }
    eg_stmt_done(st);
    if (rc < 0) {
        json_decref(arr);
        return rc;
    }
    *out = arr;
    return EG_OK;
}

/* GET /api/v1/procedures/{code} */
static int procedure_get(eg_req *r)
{
    eg_app *app = eg_req_app(r);
    const char *code = eg_req_param(r, "code");
    if (!eg_valid_procedure_code(code))
        return eg_req_fail_field(r, EG_EINVAL, "code",
                                 "Mã thủ tục phải có dạng 1.001193.000.00.00.H61");
    json_t *j;
    int64_t version = 0;
    int rc = load(eg_db_conn(app->db), code, &j, &version);
    if (rc == EG_ENOTFOUND)
        return eg_req_fail(r, rc, "Không có thủ tục mã %s", code);
    if (rc)
        return rc;
    eg_reply_etag(r, version);
    return eg_reply_json(r, 200, j);
}

void eg__procedure_routes(eg_app *app, eg_http *h)
{
    (void)app;
    static const eg_route_opts list = {.summary = "Danh mục thủ tục hành chính (q, agency, field)",
                                       .tag = "catalog"};
    static const eg_route_opts get = {.summary = "Chi tiết một thủ tục hành chính",
                                      .tag = "catalog"};
    eg_http_route(h, "GET", "/api/v1/procedures", procedures_list, &list);
    eg_http_route(h, "GET", "/api/v1/procedures/{code}", procedure_get, &get);
}
