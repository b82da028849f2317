/*
 * eams.c - the architecture register: seed from the CSV files of data/eams/ (copied from the source
 * document's extraction; never read from outside the repository), the read API, the
 * application × application matrix, the source's inconsistencies, and links from
 * procedures / LGSP services to BRM and ARM codes.
 *   GET  /api/v1/eams/brm | arm | applications | relations | process-steps
 *   GET  /api/v1/eams/matrix      applications × applications from the relations
 *   GET  /api/v1/eams/issues      the `note` columns and the table-20-only applications
 *   GET  /api/v1/eams/links?code=&subject_ref=
 *   POST /api/v1/eams/links       {subject_type: procedure|lgsp_service, subject_ref, code}
 * The register is small (a few hundred rows): list endpoints answer every row by default
 * (limit up to 1000) so a table shows the whole register.
 */
#include <string.h>
#include <stdlib.h>
#include "eams/eams.h"
#include "catalog/catalog.h"
#include "audit/audit.h"
#include "identity/identity.h"

static const struct eg_permission permissions[] = {
    {"admin", "create", "eams", EG_SCOPE_ALL},
    {"admin", "delete", "eams", EG_SCOPE_ALL},
    {NULL, NULL, NULL, 0},
};

/* One register table: its kind, CSV file, and the columns that give code and name. */
typedef struct {
    const char *kind, *file, *code_col, *name_col;
} source;

static const source sources[] = {
    {"brm", "brm_business_catalog.csv", "type_code", "type_name_vi"},
    {"arm", "arm_application_services.csv", "service_code", "service_name_vi"},
    {"applications", "applications.csv", "stt", "name_vi"},
    {"relations", "app_relations.csv", NULL, "relation_vi"},
    {"process-steps", "process_steps.csv", "process_code", "step_vi"},
};
#define NSOURCES (sizeof(sources) / sizeof(sources[0]))

static int seed_source(eg_app *app, eg_conn *c, const source *s)
{
    int64_t n = 0;
    int rc = eg_query_int64(c, &n, "SELECT COUNT(*) FROM eams_rows WHERE kind = ?", "t", s->kind);
    if (rc || n)
        return rc; /* already loaded: idempotent */
    char path[1024], err[200];
    snprintf(path, sizeof(path), "%s/data/eams/%s", app->share_dir, s->file);
    eg_buf raw = EG_BUF_INIT;
    rc = eg_read_file(path, 16u << 20, &raw);
    if (rc) {
        eg_log(EG_LOG_ERROR, "eams", NULL, "seed file missing", "path", path, NULL);
        eg_buf_free(&raw);
        return rc;
    }
    eg_arena *a = eg_arena_new(0);
    eg_csv csv;
    rc = eg_csv_parse(a, raw.data, raw.len, 100000, &csv, err, sizeof(err));
    if (rc)
        eg_log(EG_LOG_ERROR, "eams", NULL, "seed file rejected", "path", path, "error", err, NULL);
    int ic = s->code_col ? eg_csv_col(&csv, s->code_col) : -1;
    int in = eg_csv_col(&csv, s->name_col), inote = eg_csv_col(&csv, "note");
    for (int i = 1; !rc && i < csv.nrows; i++) {
        const eg_csv_row *r = &csv.rows[i];
        json_t *o = json_object();
        for (int k = 0; k < csv.rows[0].n; k++)
            json_object_set_new(o, csv.rows[0].f[k], json_string(eg_csv_get(r, k)));
        char *data = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
        json_decref(o);
        const char *code = ic >= 0 ? eg_csv_get(r, ic) : "";
        const char *note = inote >= 0 ? eg_csv_get(r, inote) : "";
        rc = eg_exec(c, NULL,
                     "INSERT INTO eams_rows (kind, seq, code, name, data, note) VALUES "
                     "(?,?,?,?,?,?)",
                     "tltttt", s->kind, (int64_t)i, *code ? code : NULL, eg_csv_get(r, in), data,
                     *note ? note : NULL);
        free(data);
    }
    eg_arena_free(a);
    eg_buf_free(&raw);
    return rc;
}

static int seed_links(eg_conn *c)
{
    json_t *procs;
    int rc = eg_catalog_procedure_links(c, &procs);
    if (rc)
        return rc;
    char now[25];
    eg_time_iso_ms(eg_now_ms(), now);
    size_t i, k;
    json_t *p, *code;
    json_array_foreach(procs, i, p)
    {
        json_array_foreach(json_object_get(p, "eams"), k, code)
        {
            if (rc)
                break;
            if (!eg_eams_code_exists(c, json_string_value(code)))
                continue;
            rc = eg_exec(c, NULL,
                         "INSERT INTO eams_links (subject_type, subject_ref, code, actor, "
                         "created_at) VALUES ('procedure', ?, ?, 'system', ?) ON CONFLICT "
                         "(subject_type, subject_ref, code) DO NOTHING",
                         "ttt", eg_json_str(p, "code"), json_string_value(code), now);
        }
    }
    json_decref(procs);
    return rc;
}

static int eams_seed(eg_app *app, int demo)
{
    eg_conn *c = eg_db_conn(app->db);
    int rc = eg_tx_begin(c);
    for (size_t i = 0; !rc && i < NSOURCES; i++)
        rc = seed_source(app, c, &sources[i]);
    if (!rc && demo)
        rc = seed_links(c);
    return rc ? (eg_tx_rollback(c), rc) : eg_tx_commit(c);
}

int eg_eams_code_exists(eg_conn *c, const char *code)
{
    if (!code || !*code)
        return 0;
    int64_t n = 0;
    size_t len = strlen(code);
    /* a type/service code, or the group/domain prefix of one */
    if (eg_query_int64(c, &n,
                       "SELECT COUNT(*) FROM eams_rows WHERE kind IN ('brm', 'arm') AND "
                       "(code = ? OR SUBSTR(code, 1, ?) = ?)",
                       "tlt", code, (int64_t)len, code))
        return 0;
    return n > 0 && (len == 6 || len == 10 || len == 14);
}

/* ------------------------------------------------------------------ read API */

static json_t *parse_data(const char *s)
{
    json_t *j = eg_json_parse(s, strlen(s), 8, NULL, 0);
    return j ? j : json_object();
}

static int list_kind(eg_req *r, const char *kind, int only_numbered)
{
    eg_app *app = eg_req_app(r);
    eg_conn *c = eg_db_conn(app->db);
    const char *lim = eg_req_query(r, "limit"), *cur = eg_req_query(r, "cursor");
    long limit = lim ? strtol(lim, NULL, 10) : 1000;
    if (limit < 1 || limit > 1000)
        return eg_req_fail_field(r, EG_EINVAL, "limit", "limit phải trong khoảng 1-1000");
    int64_t after = cur ? strtoll(cur, NULL, 10) : 0;
    eg_stmt *q;
    int rc = eg_query(c, &q,
                      "SELECT seq, data FROM eams_rows WHERE kind = ? AND seq > ? AND (? = 0 OR "
                      "code IS NOT NULL) ORDER BY seq",
                      "tli", kind, after, only_numbered);
    if (rc)
        return rc;
    json_t *items = json_array();
    int64_t last = 0;
    int more = 0;
    while ((rc = eg_step(q)) == EG_ROW) {
        if ((long)json_array_size(items) == limit) {
            more = 1;
            break;
        }
        last = eg_col_int64(q, 0);
        json_array_append_new(items, parse_data(eg_col_text(q, 1)));
    }
    eg_stmt_done(q);
    char nc[24];
    snprintf(nc, sizeof(nc), "%lld", (long long)last);
    return eg_reply_json(r, 200,
                         json_pack("{s:o, s:I, s:o}", "items", items, "count",
                                   (json_int_t)json_array_size(items), "next_cursor",
                                   more ? json_string(nc) : json_null()));
}

static int get_brm(eg_req *r)
{
    return list_kind(r, "brm", 0);
}
static int get_arm(eg_req *r)
{
    return list_kind(r, "arm", 0);
}
/* Table 21's 24 applications; the row that appears only in Table 20 (no number) is an
 * inconsistency of the source, listed by /issues. */
static int get_apps(eg_req *r)
{
    return list_kind(r, "applications", 1);
}
static int get_rel(eg_req *r)
{
    return list_kind(r, "relations", 0);
}
static int get_steps(eg_req *r)
{
    return list_kind(r, "process-steps", 0);
}

/* GET /api/v1/eams/matrix: {apps: [names], cells: [[relation or null]]} */
static int matrix(eg_req *r)
{
    eg_app *app = eg_req_app(r);
    eg_conn *c = eg_db_conn(app->db);
    json_t *rows;
    int rc = eg_query_json(c, &rows,
                           "SELECT data FROM eams_rows WHERE kind = 'relations' ORDER "
                           "BY seq",
                           "");
    if (rc)
        return rc;
    json_t *apps = json_array(), *rels = json_array();
    size_t i, k;
    json_t *v, *x;
    json_array_foreach(rows, i, v)
    {
        json_t *d = parse_data(eg_json_str(v, "data"));
        json_array_append_new(rels, d);
        const char *ends[2] = {eg_json_str(d, "from_app_vi"), eg_json_str(d, "to_app_vi")};
        for (int e = 0; e < 2; e++) {
            int seen = 0;
            json_array_foreach(apps, k, x) seen |= !strcmp(json_string_value(x), ends[e]);
            if (!seen && ends[e])
                json_array_append_new(apps, json_string(ends[e]));
        }
    }
    json_decref(rows);
    size_t n = json_array_size(apps);
    json_t *cells = json_array();
    for (i = 0; i < n; i++) {
        json_t *row = json_array();
        for (k = 0; k < n; k++)
            json_array_append_new(row, json_null());
        json_array_append_new(cells, row);
    }
    json_array_foreach(rels, i, v)
    {
        size_t fi = 0, ti = 0;
        json_array_foreach(apps, k, x)
        {
            if (!strcmp(json_string_value(x), eg_json_str(v, "from_app_vi")))
                fi = k;
            if (!strcmp(json_string_value(x), eg_json_str(v, "to_app_vi")))
                ti = k;
        }
        json_array_set_new(
            json_array_get(cells, fi), ti,
            json_string(eg_json_str(v, "relation_vi") ? eg_json_str(v, "relation_vi") : "x"));
    }
    json_decref(rels);
    return eg_reply_json(r, 200, json_pack("{s:o, s:o}", "apps", apps, "cells", cells));
}

/* GET /api/v1/eams/issues */
static int issues(eg_req *r)
{
    eg_app *app = eg_req_app(r);
    eg_conn *c = eg_db_conn(app->db);
    eg_stmt *q;
    int rc = eg_query(c, &q,
                      "SELECT kind, seq, code, name, note FROM eams_rows WHERE note IS NOT NULL "
                      "OR (kind = 'applications' AND code IS NULL) ORDER BY kind, seq",
                      "");
    if (rc)
        return rc;
    json_t *items = json_array();
    while ((rc = eg_step(q)) == EG_ROW)
        json_array_append_new(
            items,
            json_pack("{s:s, s:I, s:o, s:o, s:s}", "kind", eg_col_text(q, 0), "row",
                      (json_int_t)eg_col_int64(q, 1), "code", eg_json_strn(eg_col_text(q, 2)),
                      "name", eg_json_strn(eg_col_text(q, 3)), "note",
                      eg_col_text(q, 4) ? eg_col_text(q, 4) : "không có số thứ tự trong Bảng 21"));
    eg_stmt_done(q);
    /* duplicate codes, computed (not only as the source notes them) */
    json_t *dups;
    rc = eg_query_json(c, &dups,
                       "SELECT kind, code, COUNT(*) AS count FROM eams_rows WHERE kind IN "
                       "('brm', 'arm') AND code IS NOT NULL GROUP BY kind, code HAVING COUNT(*) "
                       "> 1 ORDER BY kind, code",
                       "");
    if (rc) {
        json_decref(items);
        return rc;
    }
    return eg_reply_json(r, 200,
                         json_pack("{s:o, s:o, s:I}", "items", items, "duplicate_codes", dups,
                                   "count", (json_int_t)json_array_size(items)));
}

/* ------------------------------------------------------------------ links */

static int links_list(eg_req *r)
{
    eg_app *app = eg_req_app(r);
    const char *code = eg_req_query(r, "code"), *ref = eg_req_query(r, "subject_ref");
    json_t *rows;
    int rc = eg_query_json(
        eg_db_conn(app->db), &rows,
        "SELECT l.id, l.subject_type, l.subject_ref, l.code, "
        "(SELECT name FROM eams_rows e WHERE e.code = l.code AND e.kind "
        "IN ('brm', 'arm') ORDER BY e.seq LIMIT 1) AS code_name, l.actor, l.created_at FROM "
        "eams_links l WHERE (CAST(? AS TEXT) IS NULL OR l.code = ?) AND "
        "(CAST(? AS TEXT) IS NULL OR l.subject_ref = ?) ORDER BY l.id",
        "tttt", code, code, ref, ref);
    if (rc)
        return rc;
    return eg_reply_json(r, 200, json_pack("{s:o, s:n}", "items", rows, "next_cursor"));
}

static int links_create(eg_req *r)
{
    eg_app *app = eg_req_app(r);
    int rc = EG_OK;
    json_t *body = eg_req_json(r, &rc);
    if (!body)
        return rc;
    eg_object obj = {"eams", NULL, NULL};
    rc = eg_authorize(r, "create", &obj);
    if (rc)
        return rc;
    eg_conn *c = eg_db_conn(app->db);
    const char *type = eg_json_str(body, "subject_type"), *ref = eg_json_str(body, "subject_ref"),
               *code = eg_json_str(body, "code");
    if (!type || (strcmp(type, "procedure") && strcmp(type, "lgsp_service")))
        return eg_req_fail_field(r, EG_EUNPROCESSABLE, "subject_type",
                                 "subject_type phải là procedure hoặc lgsp_service");
    if (!ref || !*ref || strlen(ref) > 200)
        return eg_req_fail_field(r, EG_EUNPROCESSABLE, "subject_ref", "Thiếu subject_ref");
    if (!strcmp(type, "procedure")) {
        json_t *p = NULL;
        if (!eg_valid_procedure_code(ref) || eg_catalog_procedure(c, ref, &p))
            return eg_req_fail_field(r, EG_EUNPROCESSABLE, "subject_ref", "Không có thủ tục mã %s",
                                     ref);
        json_decref(p);
    }
    if (!eg_eams_code_exists(c, code))
        return eg_req_fail_field(r, EG_EUNPROCESSABLE, "code", "Mã %s không có trong BRM/ARM",
                                 code ? code : "");
    char now[25];
    eg_time_iso_ms(eg_now_ms(), now);
    int64_t id = 0;
    rc = eg_tx_begin(c);
    if (!rc)
        rc = eg_query_int64(c, &id,
                            "INSERT INTO eams_links (subject_type, subject_ref, code, actor, "
                            "created_at) VALUES (?,?,?,?,?) RETURNING id",
                            "ttttt", type, ref, code, eg_actor(r), now);
    if (rc == EG_ECONFLICT)
        rc = eg_req_fail(r, rc, "Liên kết đã tồn tại");
    if (!rc) {
        char sid[24];
        snprintf(sid, sizeof(sid), "%lld", (long long)id);
        eg_audit_event ev = {.actor = eg_actor(r),
                             .action = "eams.link.create",
                             .object_type = "eams_link",
                             .object_id = sid,
                             .request_id = eg_req_id(r),
                             .client_addr = eg_req_client_ip(r),
                             .detail = body};
        rc = eg_audit_append(c, &ev);
    }
    rc = rc ? (eg_tx_rollback(c), rc) : eg_tx_commit(c);
    if (rc)
        return rc;
    return eg_reply_json(r, 201,
                         json_pack("{s:I, s:s, s:s, s:s}", "id", (json_int_t)id, "subject_type",
                                   type, "subject_ref", ref, "code", code));
}

static void eams_routes(eg_app *app, eg_http *h)
{
    (void)app;
#define R(method, path, fn, sum)                                                                   \
    do {                                                                                           \
        static const eg_route_opts o = {.summary = sum, .tag = "eams"};                            \
        eg_http_route(h, method, path, fn, &o);                                                    \
    } while (0)
    R("GET", "/api/v1/eams/brm", get_brm, "Danh mục nghiệp vụ (BRM, Bảng 11)");
    R("GET", "/api/v1/eams/arm", get_arm, "Dịch vụ ứng dụng (ARM, Bảng 18)");
    R("GET", "/api/v1/eams/applications", get_apps, "Các ứng dụng (Bảng 21)");
    R("GET", "/api/v1/eams/relations", get_rel, "Quan hệ giữa các ứng dụng (Bảng 19)");
    R("GET", "/api/v1/eams/process-steps", get_steps, "Các bước quy trình nghiệp vụ");
    R("GET", "/api/v1/eams/matrix", matrix, "Ma trận ứng dụng × ứng dụng");
    R("GET", "/api/v1/eams/issues", issues, "Các điểm không nhất quán của tài liệu nguồn");
    R("GET", "/api/v1/eams/links", links_list, "Liên kết thủ tục/dịch vụ LGSP với mã BRM/ARM");
    R("POST", "/api/v1/eams/links", links_create, "Tạo liên kết (quản trị)");
#undef R
}

const struct eg_module eg_eams_module = {
    .name = "eams",
    .permissions = permissions,
    .routes = eams_routes,
    .seed = eams_seed,
};
