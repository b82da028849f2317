/*
 * agency_api.c - HTTP API of agencies and organisation changes:
 *   GET  /api/v1/agencies?q=&parent=&at=&include_retired=   (tree via parent_code)
 *   GET  /api/v1/agencies/{code}?at=        a retired code answers with its successor and
 *                                           "resolved_from" naming the code asked for
 *   GET  /api/v1/agencies/changes           organisation changes, newest first
 *   POST /api/v1/agencies/changes           merge | split | rename | recode (admin)
 */
#include <string.h>
#include <stdlib.h>
#include "catalog/catalog.h"
#include "catalog/internal.h"
#include "identity/identity.h"

#define AGENCY_COLS                                                                                \
    "code, valid_from, valid_to, name, short_name, parent_code, kind, level, successor_code, "     \
    "address, version"

static json_t *row_json(eg_stmt *q, const char *today)
{
    const char *vf = eg_col_text(q, 1), *vt = eg_col_text(q, 2);
    int active = strcmp(vf, today) <= 0 && (!vt || strcmp(today, vt) <= 0);
    return json_pack("{s:s, s:s, s:o, s:o, s:s, s:I, s:s, s:o, s:o, s:o, s:s}", "code",
                     eg_col_text(q, 0), "name", eg_col_text(q, 3), "short_name",
                     eg_json_strn(eg_col_text(q, 4)), "parent_code",
                     eg_json_strn(eg_col_text(q, 5)), "kind", eg_col_text(q, 6), "level",
                     (json_int_t)eg_col_int64(q, 7), "valid_from", vf, "valid_to", eg_json_strn(vt),
                     "successor_code", eg_json_strn(eg_col_text(q, 8)), "address",
                     eg_json_strn(eg_col_text(q, 9)), "status",
                     active                  ? "active"
                     : strcmp(vf, today) > 0 ? "future"
                                             : "retired");
}

static int check_date_param(eg_req *r, const char *name, char out[11])
{
    const char *at = eg_req_query(r, name);
    if (!at || !*at) {
        eg__cat_today(out);
        return EG_OK;
    }
    if (!eg__cat_valid_date(at))
        return eg_req_fail_field(r, EG_EINVAL, name, "Ngày '%s' không hợp lệ (YYYY-MM-DD)", name);
    memcpy(out, at, 11);
    return EG_OK;
}

/* GET /api/v1/agencies */
static int agencies_list(eg_req *r)
{
    eg_app *app = eg_req_app(r);
    eg_arena *a = eg_req_arena(r);
    char at[11];
    int rc = check_date_param(r, "at", at);
    if (rc)
        return rc;
    const char *q = eg_req_query(r, "q"), *parent = eg_req_query(r, "parent");
    const char *cursor = eg_req_query(r, "cursor");
    int all =
        eg_req_query(r, "include_retired") && strcmp(eg_req_query(r, "include_retired"), "1") == 0;
    if (parent && *parent && !eg_valid_agency_code(parent))
        return eg_req_fail_field(r, EG_EINVAL, "parent", "Mã cơ quan cha không hợp lệ");
    char *fq = q && *q ? eg_fold_arena(a, q) : NULL;
    if (q && *q && !fq)
        return eg_req_fail_field(r, EG_EINVAL, "q", "Chuỗi tìm kiếm không phải UTF-8 hợp lệ");
    int limit = eg_req_limit(r);
    eg_conn *c = eg_db_conn(app->db);
    eg_stmt *st;
    rc = eg_query(c, &st,
                  "SELECT " AGENCY_COLS " FROM catalog_agencies WHERE code > ? AND "
                  "(CAST(? AS TEXT) IS NULL OR parent_code = ?) AND "
                  "(? = 1 OR (valid_from <= ? AND (valid_to IS NULL OR valid_to >= ?))) "
                  "ORDER BY code, valid_from",
                  "tttitt", cursor ? cursor : "", parent && *parent ? parent : NULL,
                  parent && *parent ? parent : NULL, all, at, at);
    if (rc)
        return rc;
    json_t *items = json_array();
    const char *last = NULL;
    int more = 0;
    while ((rc = eg_step(st)) == EG_ROW) {
        if (fq) {
            char *fn = eg_fold_arena(a, eg_col_text(st, 3));
            char *fs = eg_fold_arena(a, eg_col_text(st, 4) ? eg_col_text(st, 4) : "");
            if (!strstr(fn, fq) && !strstr(fs, fq) && !strstr(eg_col_text(st, 0), q))
                continue;
        }
        if ((int)json_array_size(items) == limit) {
            if (!last || strcmp(last, eg_col_text(st, 0)) != 0) {
                more = 1;
                break;
            }
        }
        json_array_append_new(items, row_json(st, at));
        last = eg_arena_strdup(a, eg_col_text(st, 0));
    }
    eg_stmt_done(st);
    if (rc < 0) {
        json_decref(items);
        return rc;
    }
    return eg_reply_json(r, 200,
                         json_pack("{s:o, s:o}", "items", items, "next_cursor",
                                   more ? json_string(last) : json_null()));
}

static int load_at(eg_conn *c, const char *code, const char *at, json_t **out, int *open)
{
    eg_stmt *q;
    int rc = eg_query(c, &q,
                      "SELECT " AGENCY_COLS " FROM catalog_agencies WHERE code = ? AND "
                      "valid_from <= ? AND (valid_to IS NULL OR valid_to >= ?)",
                      "ttt", code, at, at);
    if (rc)
        return rc;
    rc = eg_step(q);
    if (rc == EG_ROW) {
        *out = row_json(q, at);
        *open = 1;
        eg_stmt_done(q);
        return EG_OK;
    }
    eg_stmt_done(q);
    if (rc < 0)
        return rc;
    *open = 0;
    rc = eg_query(c, &q,
                  "SELECT " AGENCY_COLS " FROM catalog_agencies WHERE code = ? "
                  "ORDER BY valid_from DESC LIMIT 1",
                  "t", code);
    if (rc)
        return rc;
    rc = eg_step(q);
    if (rc == EG_ROW) {
        *out = row_json(q, at);
        rc = EG_OK;
    } else if (rc == EG_DONE) {
        rc = EG_ENOTFOUND;
    }
    eg_stmt_done(q);
    return rc;
}

/* GET /api/v1/agencies/{code} */
static int agency_get(eg_req *r)
{
    eg_app *app = eg_req_app(r);
    const char *code = eg_req_param(r, "code");
    if (!eg_valid_agency_code(code))
        return eg_req_fail_field(r, EG_EINVAL, "code",
                                 "Mã định danh cơ quan phải có dạng CCC.BB.AA.LNN (QCVN 102)");
    char at[11];
    int rc = check_date_param(r, "at", at);
    if (rc)
        return rc;
    eg_conn *c = eg_db_conn(app->db);
    json_t *j = NULL;
    int open = 0;
    rc = load_at(c, code, at, &j, &open);
    if (rc == EG_ENOTFOUND)
        return eg_req_fail(r, rc, "Không có cơ quan mã %s", code);
    if (rc)
        return rc;
    /* follow successors from a retired code to the agency valid at `at` */
    json_t *from = NULL;
    for (int hop = 0; !open && hop < 16; hop++) {
        const char *succ = eg_json_str(j, "successor_code");
        if (!succ || strcmp(succ, eg_json_str(j, "code")) == 0 ||
            strcmp(eg_json_str(j, "valid_from"), at) > 0)
            break;
        if (!from)
            from = json_pack("{s:s, s:s, s:O}", "code", eg_json_str(j, "code"), "name",
                             eg_json_str(j, "name"), "valid_to", json_object_get(j, "valid_to"));
        json_t *next = NULL;
        char sc[14];
        snprintf(sc, sizeof(sc), "%s", succ);
        rc = load_at(c, sc, at, &next, &open);
        if (rc) {
            json_decref(from);
            json_decref(j);
            return rc == EG_ENOTFOUND ? eg_req_fail(r, rc, "Không có cơ quan kế thừa %s", sc) : rc;
        }
        json_decref(j);
        j = next;
    }
    if (from)
        json_object_set_new(j, "resolved_from", from);
    eg_stmt *q;
    rc = eg_query(c, &q,
                  "SELECT code, name FROM catalog_agencies WHERE parent_code = ? AND "
                  "valid_from <= ? AND (valid_to IS NULL OR valid_to >= ?) ORDER BY code",
                  "ttt", eg_json_str(j, "code"), at, at);
    if (rc) {
        json_decref(j);
        return rc;
    }
    json_t *children = json_array();
    while ((rc = eg_step(q)) == EG_ROW)
        json_array_append_new(children, json_pack("{s:s, s:s}", "code", eg_col_text(q, 0), "name",
                                                  eg_col_text(q, 1)));
    eg_stmt_done(q);
    json_object_set_new(j, "children", children);
    return eg_reply_json(r, 200, j);
}

/* ------------------------------------------------------------------ organisation changes */

static void day_before(const char *date, char out[11])
{
    int32_t d = eg_days_from_civil(atoi(date), atoi(date + 5), atoi(date + 8)) - 1;
    int y, m, dd;
    eg_civil_from_days(d, &y, &m, &dd);
    snprintf(out, 11, "%04d-%02d-%02d", y, m, dd);
}

typedef struct {
    const char *code, *name, *short_name, *parent, *kind, *valid_from;
    int level;
} target;

/* Validates the body of a change; fills the parsed targets. Records the problem. */
static int change_validate(eg_req *r, eg_conn *c, json_t *body, const char **kind, const char **eff,
                           char prev[11], target *t, int *nt)
{
    eg_arena *a = eg_req_arena(r);
    *kind = eg_json_str(body, "kind");
    *eff = eg_json_str(body, "effective_date");
    if (!*kind || (strcmp(*kind, "merge") && strcmp(*kind, "split") && strcmp(*kind, "rename") &&
                   strcmp(*kind, "recode")))
        return eg_req_fail_field(r, EG_EUNPROCESSABLE, "kind",
                                 "kind phải là merge, split, rename hoặc recode");
    if (!*eff || !eg__cat_valid_date(*eff))
        return eg_req_fail_field(r, EG_EUNPROCESSABLE, "effective_date",
                                 "Ngày hiệu lực không hợp lệ (YYYY-MM-DD)");
    day_before(*eff, prev);
    json_t *src = json_object_get(body, "sources"), *tg = json_object_get(body, "targets");
    if (!json_is_array(src) || json_array_size(src) == 0 || json_array_size(src) > 64)
        return eg_req_fail_field(r, EG_EUNPROCESSABLE, "sources",
                                 "sources phải là danh sách 1-64 mã cơ quan");
    if (!json_is_array(tg) || json_array_size(tg) == 0 || json_array_size(tg) > 64)
        return eg_req_fail_field(r, EG_EUNPROCESSABLE, "targets",
                                 "targets phải là danh sách 1-64 cơ quan");
    size_t i;
    json_t *v;
    json_array_foreach(src, i, v)
    {
        const char *s = json_string_value(v);
        char f[32];
        snprintf(f, sizeof(f), "sources[%zu]", i);
        if (!s || !eg_valid_agency_code(s))
            return eg_req_fail_field(r, EG_EUNPROCESSABLE, f, "Mã cơ quan không hợp lệ");
        int64_t n = 0;
        int rc = eg_query_int64(c, &n,
                                "SELECT COUNT(*) FROM catalog_agencies WHERE code = ? AND "
                                "valid_from <= ? AND (valid_to IS NULL OR valid_to >= ?)",
                                "ttt", s, prev, *eff);
        if (rc)
            return rc;
        if (!n)
            return eg_req_fail_field(r, EG_EUNPROCESSABLE, f,
                                     "Cơ quan %s không còn hiệu lực đến ngày %s", s, *eff);
    }
    *nt = 0;
    json_array_foreach(tg, i, v)
    {
        char f[40];
        target *x = &t[(*nt)++];
        memset(x, 0, sizeof(*x));
        snprintf(f, sizeof(f), "targets[%zu].code", i);
        x->code = eg_json_str(v, "code");
        if (!x->code || !eg_valid_agency_code(x->code))
            return eg_req_fail_field(r, EG_EUNPROCESSABLE, f, "Mã cơ quan không hợp lệ");
        x->name = eg__cat_nfc(a, eg_json_str(v, "name"));
        x->short_name = eg__cat_nfc(a, eg_json_str(v, "short_name"));
        x->parent = eg_json_str(v, "parent_code");
        x->kind = eg_json_str(v, "kind");
        x->level = (int)eg_json_int(v, "level", 0);
        snprintf(f, sizeof(f), "targets[%zu].name", i);
        if (eg_json_str(v, "name") && (!x->name || strlen(x->name) > 300 || !*x->name))
            return eg_req_fail_field(r, EG_EUNPROCESSABLE, f, "Tên cơ quan không hợp lệ");
        snprintf(f, sizeof(f), "targets[%zu].parent_code", i);
        if (x->parent && !eg_valid_agency_code(x->parent))
            return eg_req_fail_field(r, EG_EUNPROCESSABLE, f, "Mã cơ quan cha không hợp lệ");
    }
    size_t ns = json_array_size(src);
    const char *s0 = json_string_value(json_array_get(src, 0));
    if (!strcmp(*kind, "merge") && (*nt != 1 || ns < 2))
        return eg_req_fail_field(r, EG_EUNPROCESSABLE, "targets",
                                 "Hợp nhất cần ít nhất 2 cơ quan nguồn và đúng 1 cơ quan đích");
    if (!strcmp(*kind, "split") && (*nt < 2 || ns != 1))
        return eg_req_fail_field(r, EG_EUNPROCESSABLE, "targets",
                                 "Chia tách cần 1 cơ quan nguồn và ít nhất 2 cơ quan đích");
    if (!strcmp(*kind, "rename") && (*nt != 1 || ns != 1 || strcmp(t[0].code, s0) || !t[0].name))
        return eg_req_fail_field(r, EG_EUNPROCESSABLE, "targets",
                                 "Đổi tên cần 1 cơ quan, cùng mã, có tên mới");
    if (!strcmp(*kind, "recode") && (*nt != 1 || ns != 1 || !strcmp(t[0].code, s0)))
        return eg_req_fail_field(r, EG_EUNPROCESSABLE, "targets",
                                 "Đổi mã cần 1 cơ quan nguồn và 1 mã mới khác mã cũ");
    return EG_OK;
}

/* Closes the version of code valid on prev; returns its fields via the statement copy. */
static int close_source(eg_conn *c, const char *code, const char *prev, const char *succ,
                        const char *now, target *old, eg_arena *a)
{
    eg_stmt *q;
    int rc = eg_query(c, &q,
                      "SELECT name, short_name, parent_code, kind, level, valid_from FROM "
                      "catalog_agencies WHERE code = ? AND valid_from <= ? AND "
                      "(valid_to IS NULL OR valid_to >= ?)",
                      "ttt", code, prev, prev);
    if (rc)
        return rc;
    rc = eg_step(q);
    if (rc != EG_ROW) {
        eg_stmt_done(q);
        return rc < 0 ? rc : EG_ECONFLICT;
    }
    old->code = code;
    old->name = eg_arena_strdup(a, eg_col_text(q, 0));
    old->short_name = eg_arena_strdup(a, eg_col_text(q, 1));
    old->parent = eg_arena_strdup(a, eg_col_text(q, 2));
    old->kind = eg_arena_strdup(a, eg_col_text(q, 3));
    old->level = (int)eg_col_int64(q, 4);
    char *vf = eg_arena_strdup(a, eg_col_text(q, 5));
    old->valid_from = vf;
    eg_stmt_done(q);
    /* a later version (already planned) would be cut off: refuse */
    int64_t later = 0;
    rc = eg_query_int64(c, &later,
                        "SELECT COUNT(*) FROM catalog_agencies WHERE code = ? AND valid_from > ?",
                        "tt", code, prev);
    if (rc)
        return rc;
    if (later)
        return EG_ECONFLICT;
    return eg_exec(c, NULL,
                   "UPDATE catalog_agencies SET valid_to = ?, successor_code = ?, "
                   "version = version + 1, updated_at = ? WHERE code = ? AND valid_from = ?",
                   "ttttt", prev, succ, now, code, vf);
}

static int open_target(eg_conn *c, const target *t, const target *old, const char *eff,
                       const char *now)
{
    /* an agency that stays valid (absorbs the others) is left as it is */
    int64_t n = 0;
    int rc = eg_query_int64(c, &n,
                            "SELECT COUNT(*) FROM catalog_agencies WHERE code = ? AND "
                            "valid_from <= ? AND (valid_to IS NULL OR valid_to >= ?)",
                            "ttt", t->code, eff, eff);
    if (rc || n)
        return rc;
    const char *name = t->name ? t->name : old->name;
    rc = eg_exec(c, NULL,
                 "INSERT INTO catalog_agencies (code, valid_from, name, short_name, parent_code, "
                 "kind, level, updated_at) VALUES (?,?,?,?,?,?,?,?)",
                 "ttttttlt", t->code, eff, name, t->short_name ? t->short_name : old->short_name,
                 t->parent ? t->parent : old->parent, t->kind ? t->kind : old->kind,
                 (int64_t)(t->level ? t->level : old->level), now);
    if (rc)
        return rc;
    char ref[40];
    snprintf(ref, sizeof(ref), "%s@%s", t->code, eff);
    return eg__search_put(c, "agency", ref, name, t->code);
}

/* Rewrites the search document of a closed version: same title, a body naming the end
 * date and the successor (its name as valid on eff). */
static int refresh_closed_doc(eg_conn *c, eg_arena *a, const target *old, const char *prev,
                              const char *succ, const char *eff)
{
    char *sname = NULL;
    int rc = eg_query_text(c, a, &sname,
                           "SELECT name FROM catalog_agencies WHERE code = ? AND valid_from <= ? "
                           "AND (valid_to IS NULL OR valid_to >= ?)",
                           "ttt", succ, eff, eff);
    if (rc && rc != EG_ENOTFOUND)
        return rc;
    char ref[40];
    snprintf(ref, sizeof(ref), "%s@%s", old->code, old->valid_from);
    return eg__search_put(
        c, "agency", ref, old->name,
        eg__agency_search_body(a, old->code, old->short_name, prev, succ, rc ? NULL : sname));
}

/* POST /api/v1/agencies/changes */
static int change_create(eg_req *r)
{
    eg_app *app = eg_req_app(r);
    eg_arena *a = eg_req_arena(r);
    int rc = EG_OK;
    json_t *body = eg_req_json(r, &rc);
    if (!body)
        return rc;
    json_t *src0 = json_array_get(json_object_get(body, "sources"), 0);
    eg_object obj = {"agency", json_string_value(src0), NULL};
    rc = eg_authorize(r, "update", &obj);
    if (rc) {
        return rc;
    }
    eg_conn *c = eg_db_conn(app->db);
    const char *kind, *eff;
    char prev[11], now[25];
    target t[64];
    int nt = 0;
    eg_time_iso_ms(eg_now_ms(), now);
    rc = eg_tx_begin(c);
    if (rc) {
        return rc;
    }
    rc = change_validate(r, c, body, &kind, &eff, prev, t, &nt);
    json_t *src = json_object_get(body, "sources");
    target olds[64];
    size_t i, ns = json_array_size(src);
    for (i = 0; !rc && i < ns; i++) {
        const char *s = json_string_value(json_array_get(src, i));
        rc = close_source(c, s, prev, t[0].code, now, &olds[i], a);
        if (rc == EG_ECONFLICT)
            rc = eg_req_fail_field(r, rc, "sources", "Cơ quan %s đã có thay đổi sau ngày %s", s,
                                   prev);
    }
    for (int k = 0; !rc && k < nt; k++) {
        /* the new version inherits from the source with the same code, else the first */
        const target *base = &olds[0];
        for (i = 0; i < ns; i++)
            if (strcmp(olds[i].code, t[k].code) == 0)
                base = &olds[i];
        rc = open_target(c, &t[k], base, eff, now);
    }
    /* the closed versions' search documents now say until when they were valid and who
     * took over (the version that absorbs the others keeps its open document) */
    for (i = 0; !rc && i < ns; i++)
        rc = refresh_closed_doc(c, a, &olds[i], prev, t[0].code, eff);
    int64_t id = 0;
    if (!rc) {
        char *srcs = eg_json_dump_arena(a, src);
        char *tgs = eg_json_dump_arena(a, json_object_get(body, "targets"));
        rc = eg_query_int64(c, &id,
                            "INSERT INTO catalog_org_changes (kind, effective_date, sources, "
                            "targets, note, actor, created_at) VALUES (?,?,?,?,?,?,?) RETURNING id",
                            "ttttttt", kind, eff, srcs, tgs, eg_json_str(body, "note"), eg_actor(r),
                            now);
    }
    if (!rc) {
        char sid[24];
        snprintf(sid, sizeof(sid), "%lld", (long long)id);
        rc = eg__cat_audit(c, r, NULL, "agency.change", "agency_change", sid, t[0].code, body);
    }
    rc = rc ? (eg_tx_rollback(c), rc) : eg_tx_commit(c);
    if (!rc)
        rc = eg__agency_reload(eg__catalog_state(app), c);
    if (rc) {
        return rc;
    }
    json_t *out = json_pack("{s:I, s:s, s:s, s:O, s:O}", "id", (json_int_t)id, "kind", kind,
                            "effective_date", eff, "sources", json_object_get(body, "sources"),
                            "targets", json_object_get(body, "targets"));
    return eg_reply_json(r, 201, out);
}

/* GET /api/v1/agencies/changes */
static int change_list(eg_req *r)
{
    eg_app *app = eg_req_app(r);
    eg_conn *c = eg_db_conn(app->db);
    json_t *rows = NULL;
    int rc = eg_query_json(c, &rows,
                           "SELECT id, kind, effective_date, sources, targets, note, actor, "
                           "created_at FROM catalog_org_changes ORDER BY effective_date DESC, id "
                           "DESC LIMIT ?",
                           "i", eg_req_limit(r));
    if (rc)
        return rc;
    size_t i;
    json_t *v;
    json_array_foreach(rows, i, v)
    {
        for (int k = 0; k < 2; k++) {
            const char *key = k ? "targets" : "sources";
            json_t *p = eg_json_parse(eg_json_str(v, key), strlen(eg_json_str(v, key)), 8, NULL, 0);
            if (p)
                json_object_set_new(v, key, p);
        }
    }
    return eg_reply_json(r, 200, json_pack("{s:o, s:n}", "items", rows, "next_cursor"));
}

void eg__agency_routes(eg_app *app, eg_http *h)
{
    (void)app;
    static const eg_route_opts list = {.summary = "Danh sách cơ quan (lọc q, parent, at)",
                                       .tag = "catalog"};
    static const eg_route_opts get = {
        .summary = "Một cơ quan; mã đã giải thể trả về cơ quan kế thừa", .tag = "catalog"};
    static const eg_route_opts chl = {.summary = "Các thay đổi tổ chức", .tag = "catalog"};
    static const eg_route_opts chc = {
        .summary = "Ghi nhận thay đổi tổ chức (hợp nhất, chia tách, đổi tên, đổi mã)",
        .tag = "catalog"};
    eg_http_route(h, "GET", "/api/v1/agencies", agencies_list, &list);
    eg_http_route(h, "GET", "/api/v1/agencies/changes", change_list, &chl);
    eg_http_route(h, "POST", "/api/v1/agencies/changes", change_create, &chc);
    eg_http_route(h, "GET", "/api/v1/agencies/{code}", agency_get, &get);
}
