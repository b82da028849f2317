/*
 * engine_api.c - HTTP API of the catalogue engine (api.md §5) and the DMDC-compatible
 * endpoints used by provincial LGSPs (references.md §B.3):
 *   GET  /api/v1/catalogs                          (CSV with Accept: text/csv)
 *   POST /api/v1/catalogs                          create (admin / agency_admin of owner)
 *   GET  /api/v1/catalogs/{code}                   metadata + ETag (CSV rows with text/csv)
 *   PUT  /api/v1/catalogs/{code}                   update metadata, If-Match
 *   GET  /api/v1/catalogs/{code}/items?q=&at=      rows (CSV with Accept: text/csv)
 *   PUT  /api/v1/catalogs/{code}/items/{item}      create/update one row, If-Match
 *   GET  /api/v1/catalogs/{code}/items/{item}/history
 *   POST /api/v1/catalogs/{code}/import            CSV or JSON, all-or-nothing
 *   GET  /api/v1/catalogs/{code}/export            JSON {catalog, items} (import's input)
 *   GET  /dmdc/Metadata/{catalog}  GET|POST /dmdc/Category/{catalog}
 */
#include <string.h>
#include <stdlib.h>
#include "catalog/engine.h"
#include "identity/identity.h"

static int load_meta(eg_req *r, eg_conn *c, const char *code, eg__catmeta *m)
{
    int rc = eg__catalog_load_meta(c, eg_req_arena(r), code ? code : "", m);
    if (rc == EG_ENOTFOUND)
        return eg_req_fail_field(r, rc, "catalog", "Không có danh mục '%s'", code ? code : "");
    return rc;
}

static json_t *meta_json(const eg__catmeta *m, int64_t rows)
{
    json_t *j =
        json_pack("{s:s, s:s, s:o, s:o, s:o, s:I, s:o}", "code", m->code, "name", m->name,
                  "description", eg_json_strn(m->description), "owner_agency",
                  eg_json_strn(m->owner_agency), "source", eg_json_strn(m->source), "version",
                  (json_int_t)m->version, "properties", eg__catalog_props_json(m));
    if (rows >= 0)
        json_object_set_new(j, "row_count", json_integer(rows));
    return j;
}

static json_t *row_json(eg_stmt *q)
{
    const char *d = eg_col_text(q, 2);
    json_t *props = eg_json_parse(d, strlen(d), 8, NULL, 0);
    return json_pack("{s:s, s:s, s:o, s:o, s:o, s:I}", "code", eg_col_text(q, 0), "name",
                     eg_col_text(q, 1), "properties", props ? props : json_object(), "valid_from",
                     eg_json_strn(eg_col_text(q, 3)), "valid_to", eg_json_strn(eg_col_text(q, 4)),
                     "version", (json_int_t)eg_col_int64(q, 5));
}

/* Rows of a catalogue valid at `at` (all when include_retired), in catalogue order. */
static int query_rows(eg_conn *c, const char *cat, const char *at, int all, int64_t after,
                      eg_stmt **q)
{
    return eg_query(c, q,
                    "SELECT code, name, data, valid_from, valid_to, version, seq FROM "
                    "catalog_rows WHERE catalog = ? AND seq > ? AND (? = 1 OR ((valid_from IS "
                    "NULL OR valid_from <= ?) AND (valid_to IS NULL OR valid_to >= ?))) ORDER "
                    "BY seq",
                    "tlitt", cat, after, all, at, at);
}

static int at_param(eg_req *r, char at[11], int *all)
{
    const char *s = eg_req_query(r, "at");
    const char *inc = eg_req_query(r, "include_retired");
    *all = inc && !strcmp(inc, "1");
    if (!s || !*s) {
        eg__cat_today(at);
        return EG_OK;
    }
    if (!eg__cat_valid_date(s))
        return eg_req_fail_field(r, EG_EINVAL, "at", "Ngày không hợp lệ (YYYY-MM-DD)");
    memcpy(at, s, 11);
    return EG_OK;
}

static int reply_csv(eg_req *r, eg_conn *c, const eg__catmeta *m, const char *at, int all)
{
    eg_stmt *q;
    int rc = query_rows(c, m->code, at, all, 0, &q);
    if (rc)
        return rc;
    eg_buf out = EG_BUF_INIT;
    for (int i = 0; i < m->nprops; i++) {
        eg_csv_put(&out, m->props[i].code);
        eg_buf_putc(&out, ',');
    }
    eg_buf_puts(&out, "valid_from,valid_to\r\n");
    while ((rc = eg_step(q)) == EG_ROW) {
        const char *d = eg_col_text(q, 2);
        json_t *props = eg_json_parse(d, strlen(d), 8, NULL, 0);
        for (int i = 0; i < m->nprops; i++) {
            json_t *v = json_object_get(props, m->props[i].code);
            if (json_is_string(v))
                eg_csv_put(&out, json_string_value(v));
            else if (json_is_integer(v))
                eg_buf_printf(&out, "%lld", (long long)json_integer_value(v));
            else if (json_is_boolean(v))
                eg_buf_puts(&out, json_is_true(v) ? "true" : "false");
            eg_buf_putc(&out, ',');
        }
        json_decref(props);
        eg_csv_put(&out, eg_col_text(q, 3));
        eg_buf_putc(&out, ',');
        eg_csv_put(&out, eg_col_text(q, 4));
        eg_buf_puts(&out, "\r\n");
    }
    eg_stmt_done(q);
    if (rc < 0) {
        eg_buf_free(&out);
        return rc;
    }
    char cd[200];
    snprintf(cd, sizeof(cd), "attachment; filename=\"%s.csv\"", m->code);
    eg_reply_header(r, "Content-Disposition", cd);
    rc = eg_reply(r, 200, "text/csv; charset=utf-8", out.data ? out.data : "", out.len);
    eg_buf_free(&out);
    return rc;
}

/* GET /api/v1/catalogs */
static int catalogs_list(eg_req *r)
{
    eg_app *app = eg_req_app(r);
    eg_conn *c = eg_db_conn(app->db);
    eg_stmt *q;
    int rc = eg_query(c, &q,
                      "SELECT k.code, (SELECT COUNT(*) FROM catalog_rows r WHERE r.catalog = "
                      "k.code) FROM catalog_catalogs k ORDER BY k.code",
                      "");
    if (rc)
        return rc;
    json_t *items = json_array();
    eg_buf csv = EG_BUF_INIT;
    int as_csv = eg_req_accepts(r, "text/csv");
    eg_buf_puts(&csv, "code,name,owner_agency,version,row_count\r\n");
    while ((rc = eg_step(q)) == EG_ROW) {
        eg__catmeta m;
        if (eg__catalog_load_meta(c, eg_req_arena(r), eg_col_text(q, 0), &m))
            continue;
        int64_t n = eg_col_int64(q, 1);
        if (as_csv) {
            eg_csv_put(&csv, m.code);
            eg_buf_putc(&csv, ',');
            eg_csv_put(&csv, m.name);
            eg_buf_putc(&csv, ',');
            eg_csv_put(&csv, m.owner_agency);
            eg_buf_printf(&csv, ",%lld,%lld\r\n", (long long)m.version, (long long)n);
        }
        json_array_append_new(items, meta_json(&m, n));
    }
    eg_stmt_done(q);
    if (as_csv) {
        json_decref(items);
        rc = eg_reply(r, 200, "text/csv; charset=utf-8", eg_buf_cstr(&csv), csv.len);
        eg_buf_free(&csv);
        return rc;
    }
    eg_buf_free(&csv);
    return eg_reply_json(r, 200, json_pack("{s:o, s:n}", "items", items, "next_cursor"));
}

/* GET /api/v1/catalogs/{code} */
static int catalog_get(eg_req *r)
{
    eg_app *app = eg_req_app(r);
    eg_conn *c = eg_db_conn(app->db);
    eg__catmeta m;
    int rc = load_meta(r, c, eg_req_param(r, "code"), &m);
    if (rc)
        return rc;
    char at[11];
    int all;
    rc = at_param(r, at, &all);
    if (rc)
        return rc;
    if (eg_req_accepts(r, "text/csv"))
        return reply_csv(r, c, &m, at, all);
    int64_t n = 0;
    eg_query_int64(c, &n, "SELECT COUNT(*) FROM catalog_rows WHERE catalog = ?", "t", m.code);
    eg_reply_etag(r, m.version);
    return eg_reply_json(r, 200, meta_json(&m, n));
}

/* GET /api/v1/catalogs/{code}/items */
static int items_list(eg_req *r)
{
    eg_app *app = eg_req_app(r);
    eg_arena *a = eg_req_arena(r);
    eg_conn *c = eg_db_conn(app->db);
    eg__catmeta m;
    int rc = load_meta(r, c, eg_req_param(r, "code"), &m);
    if (rc)
        return rc;
    char at[11];
    int all;
    rc = at_param(r, at, &all);
    if (rc)
        return rc;
    if (eg_req_accepts(r, "text/csv"))
        return reply_csv(r, c, &m, at, all);
    const char *qs = eg_req_query(r, "q"), *cur = eg_req_query(r, "cursor");
    char *fq = qs && *qs ? eg_fold_arena(a, qs) : NULL;
    if (qs && *qs && !fq)
        return eg_req_fail_field(r, EG_EINVAL, "q", "Chuỗi tìm kiếm không phải UTF-8 hợp lệ");
    int64_t after = cur ? strtoll(cur, NULL, 10) : 0;
    int limit = eg_req_limit(r);
    eg_stmt *q;
    rc = query_rows(c, m.code, at, all, after, &q);
    if (rc)
        return rc;
    json_t *items = json_array();
    int64_t last = 0;
    int more = 0;
    while ((rc = eg_step(q)) == EG_ROW) {
        if (fq) {
            char *fn = eg_fold_arena(a, eg_col_text(q, 1));
            char *fc = eg_fold_arena(a, eg_col_text(q, 0));
            if (!(fn && strstr(fn, fq)) && !(fc && strstr(fc, fq)))
                continue;
        }
        if ((int)json_array_size(items) == limit) {
            more = 1;
            break;
        }
        json_array_append_new(items, row_json(q));
        last = eg_col_int64(q, 6);
    }
    eg_stmt_done(q);
    if (rc < 0) {
        json_decref(items);
        return rc;
    }
    return eg_reply_json(
        r, 200,
        json_pack("{s:o, s:o}", "items", items, "next_cursor",
                  more ? json_string(eg_arena_printf(a, "%lld", (long long)last)) : json_null()));
}

static int authorize_catalog(eg_req *r, const char *action, const eg__catmeta *m)
{
    eg_object obj = {"catalog", m ? m->owner_agency : NULL, NULL};
    return eg_authorize(r, action, &obj);
}

static int valid_code(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n < 2 || n > 40)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
            return 0;
    return 1;
}

/* POST /api/v1/catalogs */
static int catalog_create(eg_req *r)
{
    eg_app *app = eg_req_app(r);
    eg_arena *a = eg_req_arena(r);
    int rc = EG_OK;
    json_t *body = eg_req_json(r, &rc);
    if (!body)
        return rc;
    eg__catmeta m = {.owner_agency = eg_arena_strdup(a, eg_json_str(body, "owner_agency"))};
    rc = authorize_catalog(r, "create", &m);
    const char *code = eg_arena_strdup(a, eg_json_str(body, "code"));
    char *name = eg__cat_nfc(a, eg_json_str(body, "name"));
    json_t *props = json_object_get(body, "properties");
    if (!rc && !valid_code(code))
        rc = eg_req_fail_field(r, EG_EUNPROCESSABLE, "code", "Mã danh mục: 2-40 ký tự a-z, 0-9, _");
    if (!rc && (!name || !*name || strlen(name) > 300))
        rc = eg_req_fail_field(r, EG_EUNPROCESSABLE, "name", "Tên danh mục là bắt buộc");
    if (!rc && m.owner_agency && !eg_valid_agency_code(m.owner_agency))
        rc = eg_req_fail_field(r, EG_EUNPROCESSABLE, "owner_agency", "Mã cơ quan không hợp lệ");
    if (!rc && (!json_is_array(props) || json_array_size(props) < 2 ||
                json_array_size(props) > EG__MAX_PROPS))
        rc = eg_req_fail_field(r, EG_EUNPROCESSABLE, "properties",
                               "Cần 2-%d thuộc tính (mã, tên, ...)", EG__MAX_PROPS);
    size_t i;
    json_t *p;
    json_array_foreach(props, i, p)
    {
        if (rc)
            break;
        char f[40];
        snprintf(f, sizeof(f), "properties[%zu]", i);
        const char *pc = eg_json_str(p, "code"), *t = eg_json_str(p, "type");
        if (!pc || !*pc || strlen(pc) > 64 || !eg_json_str(p, "name") ||
            (t && !eg__valid_prop_type(t)) || !strcmp(pc, "valid_from") || !strcmp(pc, "valid_to"))
            rc = eg_req_fail_field(r, EG_EUNPROCESSABLE, f,
                                   "Thuộc tính cần code, name, type (string|integer|date|boolean)");
        for (size_t k = 0; !rc && k < i; k++)
            if (!strcmp(pc, eg_json_str(json_array_get(props, k), "code")))
                rc = eg_req_fail_field(r, EG_EUNPROCESSABLE, f, "Mã thuộc tính bị trùng");
    }
    if (rc) {
        return rc;
    }
    eg_conn *c = eg_db_conn(app->db);
    char now[25];
    eg_time_iso_ms(eg_now_ms(), now);
    char *pj = json_dumps(props, JSON_COMPACT);
    rc = eg_tx_begin(c);
    int64_t changed = 0;
    if (!rc)
        rc = eg_exec(c, &changed,
                     "INSERT INTO catalog_catalogs (code, name, description, owner_agency, "
                     "properties, source, updated_at) VALUES (?,?,?,?,?,?,?) ON CONFLICT (code) "
                     "DO NOTHING",
                     "ttttttt", code, name, eg_json_str(body, "description"), m.owner_agency, pj,
                     eg_json_str(body, "source"), now);
    free(pj);
    if (!rc && !changed)
        rc = eg_req_fail_field(r, EG_ECONFLICT, "code", "Danh mục '%s' đã tồn tại", code);
    if (!rc)
        rc = eg__cat_audit(c, r, NULL, "catalog.create", "catalog", code, m.owner_agency, NULL);
    rc = rc ? (eg_tx_rollback(c), rc) : eg_tx_commit(c);
    if (rc)
        return rc;
    rc = eg__catalog_load_meta(c, a, code, &m);
    if (rc)
        return rc;
    eg_reply_etag(r, m.version);
    return eg_reply_json(r, 201, meta_json(&m, 0));
}

/* PUT /api/v1/catalogs/{code}: name, description, source (properties are fixed once rows
 * exist, so imports stay comparable). */
static int catalog_update(eg_req *r)
{
    eg_app *app = eg_req_app(r);
    eg_arena *a = eg_req_arena(r);
    eg_conn *c = eg_db_conn(app->db);
    eg__catmeta m;
    int rc = load_meta(r, c, eg_req_param(r, "code"), &m);
    if (rc)
        return rc;
    rc = authorize_catalog(r, "update", &m);
    if (rc)
        return rc;
    rc = eg_req_check_if_match(r, m.version);
    if (rc)
        return eg_req_fail(r, rc, "Danh mục đã bị thay đổi (phiên bản hiện tại %lld)",
                           (long long)m.version);
    json_t *body = eg_req_json(r, &rc);
    if (!body)
        return rc;
    char *name = eg__cat_nfc(a, eg_json_str(body, "name") ? eg_json_str(body, "name") : m.name);
    char *desc = eg__cat_nfc(a, eg_json_str(body, "description") ? eg_json_str(body, "description")
                                                                 : m.description);
    if (!name || !*name || strlen(name) > 300) {
        return eg_req_fail_field(r, EG_EUNPROCESSABLE, "name", "Tên danh mục không hợp lệ");
    }
    char now[25];
    eg_time_iso_ms(eg_now_ms(), now);
    int64_t changed = 0;
    rc = eg_tx_begin(c);
    if (!rc)
        rc = eg_exec(c, &changed,
                     "UPDATE catalog_catalogs SET name = ?, description = ?, version = version "
                     "+ 1, updated_at = ? WHERE code = ? AND version = ?",
                     "ttttl", name, desc, now, m.code, m.version);
    if (!rc && !changed)
        rc = eg_req_fail(r, EG_EPRECOND, "Danh mục vừa bị thay đổi bởi người khác");
    if (!rc)
        rc = eg__cat_audit(c, r, NULL, "catalog.update", "catalog", m.code, m.owner_agency, body);
    rc = rc ? (eg_tx_rollback(c), rc) : eg_tx_commit(c);
    if (rc)
        return rc;
    eg__catalog_load_meta(c, a, m.code, &m);
    eg_reply_etag(r, m.version);
    return eg_reply_json(r, 200, meta_json(&m, -1));
}

/* Applies validated rows in one transaction with audit; 0 or a problem. */
static int apply_all(eg_req *r, eg_conn *c, const eg__catmeta *m, eg__catrow *rows, int n,
                     const char *action, int *cr, int *up)
{
    int rc = eg_tx_begin(c);
    if (!rc)
        rc = eg__catalog_apply(c, m, rows, n, eg_actor(r), cr, up);
    if (!rc) {
        json_t *d = json_pack("{s:i, s:i}", "created", *cr, "updated", *up);
        rc = eg__cat_audit(c, r, NULL, action, "catalog", m->code, m->owner_agency, d);
        json_decref(d);
    }
    return rc ? (eg_tx_rollback(c), rc) : eg_tx_commit(c);
}

/* PUT /api/v1/catalogs/{code}/items/{item} */
static int item_put(eg_req *r)
{
    eg_app *app = eg_req_app(r);
    eg_arena *a = eg_req_arena(r);
    eg_conn *c = eg_db_conn(app->db);
    eg__catmeta m;
    int rc = load_meta(r, c, eg_req_param(r, "code"), &m);
    if (rc)
        return rc;
    rc = authorize_catalog(r, "update", &m);
    if (rc)
        return rc;
    const char *item = eg_req_param(r, "item");
    int64_t version = 0;
    rc = eg_query_int64(c, &version,
                        "SELECT version FROM catalog_rows WHERE catalog = ? AND code = ?", "tt",
                        m.code, item);
    if (rc && rc != EG_ENOTFOUND)
        return rc;
    if (!rc && eg_req_check_if_match(r, version))
        return eg_req_fail(r, EG_EPRECOND, "Dòng %s đã bị thay đổi (phiên bản %lld)", item,
                           (long long)version);
    json_t *body = eg_req_json(r, &rc);
    if (!body)
        return rc;
    json_t *props = json_object_get(body, "properties");
    if (!json_is_object(props))
        json_object_set_new(body, "properties", props = json_object());
    json_object_set_new(props, m.props[0].code, json_string(item));
    if (eg_json_str(body, "name") && !json_object_get(props, m.props[1].code))
        json_object_set(props, m.props[1].code, json_object_get(body, "name"));
    json_object_del(body, "code");
    json_object_del(body, "name");
    json_t *arr = json_pack("[O]", body);
    eg__catrow *rows;
    int n = 0, cr = 0, up = 0;
    char err[300];
    rc = eg__catalog_parse_json(a, &m, arr, &rows, &n, err, sizeof(err));
    json_decref(arr);
    if (rc)
        return eg_req_fail(r, rc, "%s", err);
    rc = apply_all(r, c, &m, rows, n, "catalog.row.put", &cr, &up);
    int64_t nv = rows[0].version;
    eg__catalog_rows_free(rows, n);
    if (rc)
        return rc;
    eg_stmt *q;
    char at[11] = "9999-12-31";
    rc = eg_query(c, &q,
                  "SELECT code, name, data, valid_from, valid_to, version, seq FROM catalog_rows "
                  "WHERE catalog = ? AND code = ?",
                  "tt", m.code, item);
    (void)at;
    if (rc)
        return rc;
    json_t *j = eg_step(q) == EG_ROW ? row_json(q) : json_object();
    eg_stmt_done(q);
    eg_reply_etag(r, nv);
    return eg_reply_json(r, cr ? 201 : 200, j);
}

/* GET /api/v1/catalogs/{code}/items/{item}/history */
static int item_history(eg_req *r)
{
    eg_app *app = eg_req_app(r);
    eg_conn *c = eg_db_conn(app->db);
    eg__catmeta m;
    int rc = load_meta(r, c, eg_req_param(r, "code"), &m);
    if (rc)
        return rc;
    json_t *rows;
    rc = eg_query_json(c, &rows,
                       "SELECT version, action, data, actor, at FROM catalog_row_history WHERE "
                       "catalog = ? AND code = ? ORDER BY id",
                       "tt", m.code, eg_req_param(r, "item"));
    if (rc)
        return rc;
    if (json_array_size(rows) == 0) {
        json_decref(rows);
        return eg_req_fail(r, EG_ENOTFOUND, "Không có dòng %s", eg_req_param(r, "item"));
    }
    size_t i;
    json_t *v;
    json_array_foreach(rows, i, v)
    {
        const char *d = eg_json_str(v, "data");
        json_t *p = d ? eg_json_parse(d, strlen(d), 8, NULL, 0) : NULL;
        json_object_set_new(v, "data", p ? p : json_null());
    }
    return eg_reply_json(r, 200, json_pack("{s:o, s:n}", "items", rows, "next_cursor"));
}

/* POST /api/v1/catalogs/{code}/import */
static int import(eg_req *r)
{
    eg_app *app = eg_req_app(r);
    eg_arena *a = eg_req_arena(r);
    eg_conn *c = eg_db_conn(app->db);
    eg__catmeta m;
    int rc = load_meta(r, c, eg_req_param(r, "code"), &m);
    if (rc)
        return rc;
    rc = authorize_catalog(r, "update", &m);
    if (rc)
        return rc;
    if (eg_req_check_if_match(r, m.version))
        return eg_req_fail(r, EG_EPRECOND, "Danh mục đã bị thay đổi (phiên bản hiện tại %lld)",
                           (long long)m.version);
    const char *ct = eg_req_header(r, "Content-Type");
    size_t len;
    const char *body = eg_req_body(r, &len);
    eg__catrow *rows = NULL;
    int n = 0, cr = 0, up = 0;
    char err[400];
    if (ct && !strncmp(ct, "text/csv", 8)) {
        rc = eg__catalog_parse_csv(a, &m, body, len, &rows, &n, err, sizeof(err));
    } else if (ct && !strncmp(ct, "application/json", 16)) {
        char perr[200];
        json_t *j = eg_json_parse(body, len, 16, perr, sizeof(perr));
        if (!j)
            return eg_req_fail(r, EG_EINVAL, "JSON không hợp lệ: %s", perr);
        json_t *items = json_is_array(j) ? j : json_object_get(j, "items");
        rc = eg__catalog_parse_json(a, &m, items, &rows, &n, err, sizeof(err));
        json_decref(j);
    } else {
        return eg_req_fail(r, EG_EMEDIA, "Nhập danh mục nhận text/csv hoặc application/json");
    }
    if (rc)
        return eg_req_fail_field(r, rc, "body", "%s", err);
    rc = apply_all(r, c, &m, rows, n, "catalog.import", &cr, &up);
    eg__catalog_rows_free(rows, n);
    if (rc)
        return rc;
    eg__catalog_load_meta(c, a, m.code, &m);
    eg_reply_etag(r, m.version);
    return eg_reply_json(r, 200,
                         json_pack("{s:s, s:i, s:i, s:i, s:I}", "catalog", m.code, "rows", n,
                                   "created", cr, "updated", up, "version", (json_int_t)m.version));
}

/* GET /api/v1/catalogs/{code}/export */
static int export(eg_req *r)
{
    eg_app *app = eg_req_app(r);
    eg_conn *c = eg_db_conn(app->db);
    eg__catmeta m;
    int rc = load_meta(r, c, eg_req_param(r, "code"), &m);
    if (rc)
        return rc;
    if (eg_req_accepts(r, "text/csv") ||
        (eg_req_query(r, "format") && !strcmp(eg_req_query(r, "format"), "csv")))
        return reply_csv(r, c, &m, "", 1);
    eg_stmt *q;
    rc = query_rows(c, m.code, "", 1, 0, &q);
    if (rc)
        return rc;
    json_t *items = json_array();
    while ((rc = eg_step(q)) == EG_ROW)
        json_array_append_new(items, row_json(q));
    eg_stmt_done(q);
    return eg_reply_json(r, 200,
                         json_pack("{s:o, s:o}", "catalog", meta_json(&m, -1), "items", items));
}

/* ------------------------------------------------------------------ DMDC */

static int dmdc_metadata(eg_req *r)
{
    eg_app *app = eg_req_app(r);
    eg__catmeta m;
    int rc = load_meta(r, eg_db_conn(app->db), eg_req_param(r, "catalog"), &m);
    if (rc)
        return rc;
    json_t *out = json_array();
    for (int i = 0; i < m.nprops; i++)
        json_array_append_new(out, json_pack("{s:s, s:s, s:s}", "PropertyCode", m.props[i].code,
                                             "PropertyName", m.props[i].name, "PropertyType",
                                             m.props[i].type));
    return eg_reply_json(r, 200, out);
}

static int dmdc_category(eg_req *r)
{
    eg_app *app = eg_req_app(r);
    eg_conn *c = eg_db_conn(app->db);
    eg__catmeta m;
    int rc = load_meta(r, c, eg_req_param(r, "catalog"), &m);
    if (rc)
        return rc;
    char at[11];
    eg__cat_today(at);
    eg_stmt *q;
    rc = query_rows(c, m.code, at, 0, 0, &q);
    if (rc)
        return rc;
    json_t *out = json_array();
    while ((rc = eg_step(q)) == EG_ROW) {
        const char *d = eg_col_text(q, 2);
        json_t *p = eg_json_parse(d, strlen(d), 8, NULL, 0);
        json_array_append_new(out, p ? p : json_object());
    }
    eg_stmt_done(q);
    return eg_reply_json(r, 200, out);
}

/* POST /dmdc/Category/{catalog}: adds rows. references.md §B.3 (the national DMDC adapter):
 * the endpoint returns {"MSG":"Done","Count":n} or, for a duplicate record,
 * {"MSG":"Data not insert: Record i: … is duplicate","Count":0}; both are answers of the
 * endpoint (HTTP 200, the outcome is in MSG/Count: a DMDC client reads the body, not the
 * status), and a batch with a duplicate adds nothing. */
static int dmdc_insert(eg_req *r)
{
    eg_app *app = eg_req_app(r);
    eg_arena *a = eg_req_arena(r);
    eg_conn *c = eg_db_conn(app->db);
    eg__catmeta m;
    int rc = load_meta(r, c, eg_req_param(r, "catalog"), &m);
    if (rc)
        return rc;
    rc = authorize_catalog(r, "create", &m);
    if (rc)
        return rc;
    size_t len;
    const char *body = eg_req_body(r, &len);
    char perr[200], err[400];
    json_t *j = eg_json_parse(body, len, 16, perr, sizeof(perr));
    if (!j)
        return eg_req_fail(r, EG_EINVAL, "JSON không hợp lệ: %s", perr);
    if (json_is_object(j)) {
        json_t *arr = json_pack("[o]", j);
        j = arr;
    }
    eg__catrow *rows = NULL;
    int n = 0, cr = 0, up = 0;
    rc = eg__catalog_parse_json(a, &m, j, &rows, &n, err, sizeof(err));
    json_decref(j);
    if (rc)
        return eg_req_fail_field(r, rc, "body", "%s", err);
    for (int i = 0; i < n; i++) {
        int64_t v;
        if (eg_query_int64(c, &v, "SELECT version FROM catalog_rows WHERE catalog = ? AND code = ?",
                           "tt", m.code, rows[i].code) == 0) {
            char msg[300];
            snprintf(msg, sizeof(msg), "Data not insert: Record %d: %s is duplicate", i + 1,
                     rows[i].code);
            eg__catalog_rows_free(rows, n);
            return eg_reply_json(r, 200, json_pack("{s:s, s:i}", "MSG", msg, "Count", 0));
        }
    }
    rc = apply_all(r, c, &m, rows, n, "catalog.dmdc.insert", &cr, &up);
    eg__catalog_rows_free(rows, n);
    if (rc)
        return rc;
    return eg_reply_json(r, 200, json_pack("{s:s, s:i}", "MSG", "Done", "Count", cr));
}

void eg__catalog_routes(eg_app *app, eg_http *h)
{
    (void)app;
#define R(method, path, fn, sum)                                                                   \
    do {                                                                                           \
        static const eg_route_opts o = {.summary = sum, .tag = "catalog"};                         \
        eg_http_route(h, method, path, fn, &o);                                                    \
    } while (0)
    R("GET", "/api/v1/catalogs", catalogs_list, "Danh sách danh mục dùng chung");
    R("POST", "/api/v1/catalogs", catalog_create, "Tạo danh mục (quản trị)");
    R("GET", "/api/v1/catalogs/{code}", catalog_get, "Siêu dữ liệu danh mục (CSV: các dòng)");
    R("PUT", "/api/v1/catalogs/{code}", catalog_update, "Sửa siêu dữ liệu danh mục (If-Match)");
    R("GET", "/api/v1/catalogs/{code}/items", items_list, "Các dòng của danh mục");
    R("PUT", "/api/v1/catalogs/{code}/items/{item}", item_put, "Tạo/sửa một dòng (If-Match)");
    R("GET", "/api/v1/catalogs/{code}/items/{item}/history", item_history, "Lịch sử một dòng");
    {
        static const eg_route_opts o = {.summary = "Nhập CSV/JSON (tất cả hoặc không)",
                                        .tag = "catalog",
                                        .max_body = 64u << 20};
        eg_http_route(h, "POST", "/api/v1/catalogs/{code}/import", import, &o);
    }
    R("GET", "/api/v1/catalogs/{code}/export", export, "Xuất danh mục (JSON hoặc CSV)");
    R("GET", "/dmdc/Metadata/{catalog}", dmdc_metadata, "DMDC: thuộc tính của danh mục");
    R("GET", "/dmdc/Category/{catalog}", dmdc_category, "DMDC: các dòng của danh mục");
    R("POST", "/dmdc/Category/{catalog}", dmdc_insert, "DMDC: thêm dòng");
#undef R
}
