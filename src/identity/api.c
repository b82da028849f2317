/*
 * api.c - identity's JSON API: GET /api/v1/me, the directory (staff and agencies,
 * diacritic-insensitive), and user administration (list, show, role grants, disable),
 * each authorised through eg_authorize with the user's agency as the owning agency.
 */
#include <string.h>
#include "identity/internal.h"

void eg__api_client_routes(eg_app *app, eg_http *h);
static int directory_tree(eg_req *r);

static json_t *grants_json(const eg_role_grant *g, int n)
{
    json_t *arr = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(arr, json_pack("{s:s, s:o, s:b}", "role", g[i].role, "agency_code",
                                             eg_json_strn(g[i].agency_code), "include_subunits",
                                             g[i].include_subunits));
    return arr;
}

/* GET /api/v1/me */
static int me(eg_req *r)
{
    const eg_principal *p;
    int rc = eg_require_principal(r, &p);
    if (rc)
        return rc;
    json_t *roles = json_array();
    for (int i = 0; i < p->nroles; i++)
        json_array_append_new(roles, json_string(p->roles[i].role));
    json_t *j = json_pack(
        "{s:s, s:o, s:o, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:s}", "sub", p->subject,
        "username", eg_json_strn(p->username), "name", eg_json_strn(p->name), "kind", p->kind,
        "agency_code", eg_json_strn(p->agency_code), "citizen_id", eg_json_strn(p->citizen_id),
        "tax_code", eg_json_strn(p->tax_code), "client_id", eg_json_strn(p->client_id), "scope",
        eg_json_strn(p->scope), "roles", roles, "grants", grants_json(p->roles, p->nroles), "auth",
        p->via_session ? "session" : "bearer");
    if (p->via_session) {
        eg_app *app = eg_req_app(r);
        char *totp = NULL;
        eg_query_text(eg_db_conn(app->db), eg_req_arena(r), &totp,
                      "SELECT CASE WHEN totp_secret IS NULL THEN 'no' ELSE 'yes' END FROM "
                      "identity_accounts WHERE id = ?",
                      "t", p->subject);
        json_object_set_new(j, "totp_enrolled", json_boolean(totp && strcmp(totp, "yes") == 0));
    }
    return eg_reply_json(r, 200, j);
}

/* GET /api/v1/directory?q=&agency=&limit=&cursor= : staff (public fields) of every agency;
 * any signed-in principal. */
static int directory(eg_req *r)
{
    int rc = eg_require_principal(r, NULL);
    if (rc)
        return rc;
    eg_app *app = eg_req_app(r);
    const char *q = eg_req_query(r, "q"), *agency = eg_req_query(r, "agency");
    const char *cursor = eg_req_query(r, "cursor");
    if (q && strlen(q) > 200)
        return eg_req_fail_field(r, EG_EINVAL, "q", "Chuỗi tìm kiếm dài quá 200 byte");
    if (agency && !eg_valid_agency_code(agency))
        return eg_req_fail_field(r, EG_EINVAL, "agency", "Mã cơ quan không hợp lệ");
    char *fold = q ? eg_fold_arena(eg_req_arena(r), q) : NULL;
    if (q && !fold)
        return eg_req_fail_field(r, EG_EINVAL, "q", "Chuỗi tìm kiếm không phải UTF-8 hợp lệ");
    char *like = fold ? eg_arena_printf(eg_req_arena(r), "%%%s%%", fold) : NULL;
    int limit = eg_req_limit(r);
    eg_stmt *st;
    rc = eg_query(eg_db_conn(app->db), &st,
                  "SELECT id, username, name, agency_code, position FROM identity_accounts WHERE "
                  "kind = 'staff' AND status = 'active' AND (CAST(? AS TEXT) IS NULL OR "
                  "name_fold LIKE ? OR username LIKE ?) AND (CAST(? AS TEXT) IS NULL OR "
                  "agency_code = ?) AND (CAST(? AS TEXT) IS NULL OR username > ?) ORDER BY "
                  "username LIMIT ?",
                  "ttttttti", like, like, like, agency, agency, cursor, cursor, limit + 1);
    if (rc)
        return rc;
    json_t *items = json_array();
    int n = 0;
    const char *last = NULL;
    while ((rc = eg_step(st)) == EG_ROW) {
        if (n == limit) {
            n++;
            break;
        }
        json_array_append_new(items,
                              json_pack("{s:s, s:s, s:s, s:o, s:o, s:s}", "id", eg_col_text(st, 0),
                                        "username", eg_col_text(st, 1), "name", eg_col_text(st, 2),
                                        "agency_code", eg_json_strn(eg_col_text(st, 3)), "position",
                                        eg_json_strn(eg_col_text(st, 4)), "type", "staff"));
        last = eg_arena_strdup(eg_req_arena(r), eg_col_text(st, 1));
        n++;
    }
    eg_stmt_done(st);
    if (rc < 0) {
        json_decref(items);
        return rc;
    }
    return eg_reply_json(r, 200,
                         json_pack("{s:o, s:o}", "items", items, "next_cursor",
                                   eg_json_strn(n > limit ? last : NULL)));
}

static json_t *account_json(const id_account *a)
{
    return json_pack(
        "{s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:s, s:b, s:o}", "id", a->id, "username",
        a->username, "name", a->name, "kind", a->kind, "agency_code", eg_json_strn(a->agency_code),
        "position", eg_json_strn(a->position), "citizen_id", eg_json_strn(a->citizen_id),
        "tax_code", eg_json_strn(a->tax_code), "email", eg_json_strn(a->email), "status", a->status,
        "totp_enrolled", a->totp_secret != NULL, "roles", grants_json(a->roles, a->nroles));
}

/* GET /api/v1/users/{id}: the account's own user, or staff with "read user" in its agency. */
static int user_get(eg_req *r)
{
    eg_app *app = eg_req_app(r);
    id_account acc;
    const char *id = eg_req_param(r, "id");
    int rc = eg_require_principal(r, NULL);
    if (rc)
        return rc;
    rc = eg__account_get(eg_db_conn(app->db), eg_req_arena(r), "id", id, &acc);
    if (rc == EG_ENOTFOUND)
        return eg_req_fail(r, rc, "Không có tài khoản %s", id);
    if (rc)
        return rc;
    rc = eg_authorize(r, "read", &(eg_object){"user", acc.agency_code, acc.id});
    if (rc)
        return rc;
    json_t *j = account_json(&acc);
    int64_t version = 1;
    eg_reply_etag(r, version);
    return eg_reply_json(r, 200, j);
}

/* GET /api/v1/users?agency=CODE : accounts of one agency (or all, for platform admins). */
static int user_list(eg_req *r)
{
    eg_app *app = eg_req_app(r);
    const char *agency = eg_req_query(r, "agency");
    if (agency && !eg_valid_agency_code(agency))
        return eg_req_fail_field(r, EG_EINVAL, "agency", "Mã cơ quan không hợp lệ");
    int rc = eg_authorize(r, "read", &(eg_object){"user", agency, NULL});
    if (rc)
        return rc;
    const char *cursor = eg_req_query(r, "cursor");
    int limit = eg_req_limit(r);
    eg_stmt *st;
    rc = eg_query(eg_db_conn(app->db), &st,
                  "SELECT id FROM identity_accounts WHERE (CAST(? AS TEXT) IS NULL OR "
                  "agency_code = ?) AND (CAST(? AS TEXT) IS NULL OR id > ?) ORDER BY id LIMIT ?",
                  "ttttl", agency, agency, cursor, cursor, (int64_t)limit + 1);
    if (rc)
        return rc;
    const char *ids[501];
    int n = 0;
    while (n <= limit && (rc = eg_step(st)) == EG_ROW)
        ids[n++] = eg_arena_strdup(eg_req_arena(r), eg_col_text(st, 0));
    eg_stmt_done(st);
    if (rc < 0)
        return rc;
    json_t *items = json_array();
    for (int i = 0; i < n && i < limit; i++) {
        id_account acc;
        if (eg__account_get(eg_db_conn(app->db), eg_req_arena(r), "id", ids[i], &acc) == 0)
            json_array_append_new(items, account_json(&acc));
    }
    return eg_reply_json(r, 200,
                         json_pack("{s:o, s:o}", "items", items, "next_cursor",
                                   eg_json_strn(n > limit ? ids[limit - 1] : NULL)));
}

/* POST /api/v1/users/{id}/roles {role, agency_code, include_subunits} */
static int role_add(eg_req *r)
{
    eg_app *app = eg_req_app(r);
    eg_conn *c = eg_db_conn(app->db);
    id_account acc;
    const char *id = eg_req_param(r, "id");
    int rc = eg_require_principal(r, NULL);
    if (rc)
        return rc;
    rc = eg__account_get(c, eg_req_arena(r), "id", id, &acc);
    if (rc == EG_ENOTFOUND)
        return eg_req_fail(r, rc, "Không có tài khoản %s", id);
    if (rc)
        return rc;
    json_t *body = eg_req_json(r, &rc);
    if (!body)
        return rc;
    const char *role = eg_json_str(body, "role"), *ag = eg_json_str(body, "agency_code");
    int sub = eg_json_bool(body, "include_subunits", 0);
    int bound = 0;
    if (!role || eg__role_exists(c, role, &bound))
        rc = eg_req_fail_field(r, EG_EUNPROCESSABLE, "role", "Vai trò không tồn tại");
    else if (bound && (!ag || !eg_valid_agency_code(ag)))
        rc = eg_req_fail_field(r, EG_EUNPROCESSABLE, "agency_code",
                               "Vai trò %s cần mã cơ quan hợp lệ", role);
    if (rc) {
        return rc;
    }
    if (!bound)
        ag = NULL;
    /* Granting needs "update user" both on the account and in the target agency; only
     * platform admins may grant roles that are not agency-bound. */
    rc = eg_authorize(r, "update", &(eg_object){"user", acc.agency_code, NULL});
    if (!rc)
        rc = eg_authorize(r, "update", &(eg_object){"user", ag, NULL});
    if (!rc && !ag && !eg_has_role(eg_principal_of(r), "admin", NULL))
        rc = eg_req_fail(r, EG_EFORBIDDEN, "Chỉ quản trị hệ thống được cấp vai trò %s", role);
    if (!rc)
        rc = eg_tx_begin(c);
    if (!rc) {
        rc = eg__role_grant(c, acc.id, role, ag, sub);
        if (!rc)
            rc = eg__audit(r, c, NULL, "identity.role.grant", "user", acc.id, ag,
                           json_pack("{s:s, s:o, s:b}", "role", role, "agency_code",
                                     eg_json_strn(ag), "include_subunits", sub));
        if (rc) {
            eg_tx_rollback(c);
            if (rc == EG_ECONFLICT)
                rc = eg_req_fail(r, rc, "Tài khoản đã có vai trò này");
        } else {
            rc = eg_tx_commit(c);
        }
    }
    if (rc)
        return rc;
    eg__account_get(c, eg_req_arena(r), "id", id, &acc);
    return eg_reply_json(r, 201, account_json(&acc));
}

/* DELETE /api/v1/users/{id}/roles/{role}?agency_code= */
static int role_remove(eg_req *r)
{
    eg_app *app = eg_req_app(r);
    eg_conn *c = eg_db_conn(app->db);
    id_account acc;
    const char *id = eg_req_param(r, "id"), *role = eg_req_param(r, "role");
    const char *ag = eg_req_query(r, "agency_code");
    int rc = eg_require_principal(r, NULL);
    if (rc)
        return rc;
    rc = eg__account_get(c, eg_req_arena(r), "id", id, &acc);
    if (rc == EG_ENOTFOUND)
        return eg_req_fail(r, rc, "Không có tài khoản %s", id);
    if (rc)
        return rc;
    rc = eg_authorize(r, "update", &(eg_object){"user", acc.agency_code, NULL});
    if (!rc && ag)
        rc = eg_authorize(r, "update", &(eg_object){"user", ag, NULL});
    if (!rc && !ag && !eg_has_role(eg_principal_of(r), "admin", NULL))
        rc = eg_req_fail(r, EG_EFORBIDDEN, "Chỉ quản trị hệ thống được thu hồi vai trò %s", role);
    if (rc)
        return rc;
    int64_t n = 0;
    rc = eg_tx_begin(c);
    if (!rc)
        rc = eg_exec(c, &n,
                     "DELETE FROM identity_role_assignments WHERE account_id = ? AND role = ? AND "
                     "agency_code = ?",
                     "ttt", acc.id, role, ag ? ag : "");
    if (!rc && n == 0)
        rc = eg_req_fail(r, EG_ENOTFOUND, "Tài khoản không có vai trò %s", role);
    if (!rc)
        rc = eg__audit(r, c, NULL, "identity.role.revoke", "user", acc.id, ag,
                       json_pack("{s:s, s:o}", "role", role, "agency_code", eg_json_strn(ag)));
    if (rc) {
        eg_tx_rollback(c);
        return rc;
    }
    rc = eg_tx_commit(c);
    if (rc)
        return rc;
    eg__account_get(c, eg_req_arena(r), "id", id, &acc);
    return eg_reply_json(r, 200, account_json(&acc));
}

/* GET /api/v1/roles : built-in roles with their permissions. */
static int roles_list(eg_req *r)
{
    int rc = eg_require_principal(r, NULL);
    if (rc)
        return rc;
    eg_app *app = eg_req_app(r);
    json_t *roles = NULL, *perms = NULL;
    rc = eg_query_json(eg_db_conn(app->db), &roles,
                       "SELECT name, title_vi, agency_bound, admin FROM identity_roles ORDER BY "
                       "name",
                       "");
    if (!rc)
        rc = eg_query_json(eg_db_conn(app->db), &perms,
                           "SELECT role, action, resource_type, scope, module FROM "
                           "identity_role_permissions ORDER BY role, module, resource_type",
                           "");
    if (rc) {
        json_decref(roles);
        return rc;
    }
    return eg_reply_json(r, 200, json_pack("{s:o, s:o}", "items", roles, "permissions", perms));
}

void eg__api_routes(eg_app *app, eg_http *h)
{
    eg_route_opts o = {.tag = "identity"};
    o.summary = "The signed-in principal";
    eg_http_route(h, "GET", "/api/v1/me", me, &o);
    o.summary = "Directory of staff (diacritic-insensitive ?q=)";
    eg_http_route(h, "GET", "/api/v1/directory", directory, &o);
    o.summary = "Organisation tree: agencies (by code) with their staff";
    eg_http_route(h, "GET", "/api/v1/directory/tree", directory_tree, &o);
    o.summary = "Accounts (?agency=)";
    eg_http_route(h, "GET", "/api/v1/users", user_list, &o);
    o.summary = "One account";
    eg_http_route(h, "GET", "/api/v1/users/{id}", user_get, &o);
    o.summary = "Grant a role in an agency";
    eg_http_route(h, "POST", "/api/v1/users/{id}/roles", role_add, &o);
    o.summary = "Revoke a role (?agency_code=)";
    eg_http_route(h, "DELETE", "/api/v1/users/{id}/roles/{role}", role_remove, &o);
    o.summary = "Roles and permissions";
    eg_http_route(h, "GET", "/api/v1/roles", roles_list, &o);
    eg__api_client_routes(app, h);
}

/* ------------------------------------------------------------------ OAuth clients */

static int words_of(eg_req *r, json_t *body, const char *field, eg_buf *out, int required)
{
    json_t *arr = json_object_get(body, field);
    if (!arr || json_is_null(arr))
        return required
                   ? eg_req_fail_field(r, EG_EUNPROCESSABLE, field, "Trường %s là bắt buộc", field)
                   : EG_OK;
    if (!json_is_array(arr) || json_array_size(arr) > 16)
        return eg_req_fail_field(r, EG_EUNPROCESSABLE, field, "Trường %s phải là mảng chuỗi",
                                 field);
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v)
    {
        const char *s = json_string_value(v);
        if (!s || !*s || strlen(s) > 500 || strpbrk(s, " \t\r\n,"))
            return eg_req_fail_field(r, EG_EUNPROCESSABLE, field, "Giá trị %zu của %s không hợp lệ",
                                     i, field);
        eg_buf_printf(out, "%s%s", out->len ? " " : "", s);
    }
    return EG_OK;
}

/* GET /api/v1/clients */
static int clients_list(eg_req *r)
{
    int rc = eg_authorize(r, "read", &(eg_object){"oauth_client", NULL, NULL});
    if (rc)
        return rc;
    eg_app *app = eg_req_app(r);
    json_t *items = NULL;
    rc = eg_query_json(eg_db_conn(app->db), &items,
                       "SELECT client_id, type, name, redirect_uris, post_logout_uris, grants, "
                       "scopes, agency_code, status, created_at FROM identity_clients ORDER BY "
                       "client_id",
                       "");
    if (rc)
        return rc;
    return eg_reply_json(r, 200, json_pack("{s:o, s:n}", "items", items, "next_cursor"));
}

/* POST /api/v1/clients {client_id, type, name?, redirect_uris[], post_logout_uris[], grants[],
 * scopes[], agency_code?} -> 201 {..., client_secret (confidential, shown once)} */
static int clients_create(eg_req *r)
{
    int rc = EG_OK;
    json_t *body = eg_req_json(r, &rc);
    if (!body)
        return rc;
    const char *id = eg_json_str(body, "client_id"), *type = eg_json_str(body, "type");
    const char *agency = eg_json_str(body, "agency_code"), *name = eg_json_str(body, "name");
    rc = eg_authorize(r, "create", &(eg_object){"oauth_client", agency, NULL});
    if (rc)
        return rc;
    if (!id || !*id || strlen(id) > 100 ||
        strspn(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnop"
                   "qrstuvwxyz0123456789-_.") != strlen(id))
        return eg_req_fail_field(r, EG_EUNPROCESSABLE, "client_id",
                                 "Mã ứng dụng chỉ gồm A-Z a-z 0-9 - _ . (tối đa 100)");
    if (!type || (strcmp(type, "confidential") != 0 && strcmp(type, "public") != 0))
        return eg_req_fail_field(r, EG_EUNPROCESSABLE, "type",
                                 "Loại phải là confidential hoặc public");
    if (agency && !eg_valid_agency_code(agency))
        return eg_req_fail_field(r, EG_EUNPROCESSABLE, "agency_code", "Mã cơ quan không hợp lệ");
    eg_buf uris = EG_BUF_INIT, logout = EG_BUF_INIT, grants = EG_BUF_INIT, scopes = EG_BUF_INIT;
    rc = words_of(r, body, "redirect_uris", &uris, 0);
    if (!rc)
        rc = words_of(r, body, "post_logout_uris", &logout, 0);
    if (!rc)
        rc = words_of(r, body, "grants", &grants, 0);
    if (!rc)
        rc = words_of(r, body, "scopes", &scopes, 0);
    int conf = strcmp(type, "confidential") == 0;
    if (!rc && !grants.len)
        eg_buf_puts(&grants, uris.len ? "authorization_code refresh_token" : "client_credentials");
    if (!rc && !scopes.len)
        eg_buf_puts(&scopes, "openid profile email offline_access api");
    static const char *const known[] = {"authorization_code", "refresh_token",
                                        "client_credentials"};
    char gb[256];
    snprintf(gb, sizeof(gb), "%s", eg_buf_cstr(&grants));
    for (char *save = NULL, *t = strtok_r(gb, " ", &save); !rc && t;
         t = strtok_r(NULL, " ", &save)) {
        int ok = 0;
        for (int i = 0; i < 3; i++)
            ok |= strcmp(t, known[i]) == 0;
        if (!ok || (!conf && strcmp(t, "client_credentials") == 0))
            rc = eg_req_fail_field(r, EG_EUNPROCESSABLE, "grants", "Loại cấp quyền %s không hợp lệ",
                                   t);
    }
    if (!rc && eg__list_has(eg_buf_cstr(&grants), "authorization_code") && !uris.len)
        rc = eg_req_fail_field(r, EG_EUNPROCESSABLE, "redirect_uris",
                               "Cần ít nhất một địa chỉ chuyển hướng");
    char secret[64] = "", hash[65] = "";
    if (!rc && conf) {
        unsigned char rnd[32];
        eg_random(rnd, sizeof(rnd));
        eg_b64url_encode(rnd, sizeof(rnd), secret);
        eg_sha256_hex(secret, strlen(secret), hash);
    }
    eg_app *app = eg_req_app(r);
    eg_conn *c = eg_db_conn(app->db);
    char ts[25];
    eg_time_iso_ms(eg_now_ms(), ts);
    if (!rc)
        rc = eg_tx_begin(c);
    if (!rc) {
        rc = eg_exec(c, NULL,
                     "INSERT INTO identity_clients (client_id, type, secret_hash, name, "
                     "redirect_uris, post_logout_uris, grants, scopes, agency_code, created_at) "
                     "VALUES (?,?,?,?,?,?,?,?,?,?)",
                     "tttttttttt", id, type, conf ? hash : NULL, name ? name : id,
                     eg_buf_cstr(&uris), eg_buf_cstr(&logout), eg_buf_cstr(&grants),
                     eg_buf_cstr(&scopes), agency, ts);
        if (!rc)
            rc = eg__audit(r, c, NULL, "identity.client.create", "oauth_client", id, agency,
                           json_pack("{s:s, s:s, s:s}", "type", type, "grants",
                                     eg_buf_cstr(&grants), "redirect_uris", eg_buf_cstr(&uris)));
        if (rc) {
            eg_tx_rollback(c);
            if (rc == EG_ECONFLICT)
                rc = eg_req_fail_field(r, rc, "client_id", "Mã ứng dụng %s đã tồn tại", id);
        } else {
            rc = eg_tx_commit(c);
        }
    }
    json_t *out = NULL;
    if (!rc) {
        out = json_pack("{s:s, s:s, s:s, s:s, s:s}", "client_id", id, "type", type, "grants",
                        eg_buf_cstr(&grants), "scopes", eg_buf_cstr(&scopes), "redirect_uris",
                        eg_buf_cstr(&uris));
        if (conf)
            json_object_set_new(out, "client_secret", json_string(secret));
    }
    eg_buf_free(&uris);
    eg_buf_free(&logout);
    eg_buf_free(&grants);
    eg_buf_free(&scopes);
    if (rc)
        return rc;
    eg_reply_header(r, "Cache-Control", "no-store");
    return eg_reply_json(r, 201, out);
}

/* DELETE /api/v1/clients/{id} */
static int clients_delete(eg_req *r)
{
    eg_app *app = eg_req_app(r);
    eg_conn *c = eg_db_conn(app->db);
    const char *id = eg_req_param(r, "id");
    id_client cl;
    int rc = eg_require_principal(r, NULL);
    if (rc)
        return rc;
    if (eg__client_get(c, eg_req_arena(r), id, &cl))
        return eg_req_fail(r, EG_ENOTFOUND, "Không có ứng dụng %s", id);
    rc = eg_authorize(r, "delete", &(eg_object){"oauth_client", cl.agency_code, NULL});
    if (rc)
        return rc;
    rc = eg_tx_begin(c);
    if (!rc)
        rc = eg_exec(c, NULL, "DELETE FROM identity_clients WHERE client_id = ?", "t", id);
    if (!rc)
        rc = eg_exec(c, NULL, "UPDATE identity_refresh SET revoked = 1 WHERE client_id = ?", "t",
                     id);
    if (!rc)
        rc = eg__audit(r, c, NULL, "identity.client.remove", "oauth_client", id, cl.agency_code,
                       NULL);
    if (rc) {
        eg_tx_rollback(c);
        return rc;
    }
    rc = eg_tx_commit(c);
    return rc ? rc : eg_reply_json(r, 200, json_pack("{s:s, s:b}", "client_id", id, "removed", 1));
}

void eg__api_client_routes(eg_app *app, eg_http *h)
{
    eg_route_opts o = {.tag = "identity"};
    o.summary = "OAuth/OIDC clients";
    eg_http_route(h, "GET", "/api/v1/clients", clients_list, &o);
    o.summary = "Register an OAuth/OIDC client (secret shown once)";
    eg_http_route(h, "POST", "/api/v1/clients", clients_create, &o);
    o.summary = "Remove an OAuth/OIDC client";
    eg_http_route(h, "DELETE", "/api/v1/clients/{id}", clients_delete, &o);
}

/* ------------------------------------------------------------------ organisation tree */

/* Parent by the code's structure (lowest level first: CCC.BB.AA.LNN): clear the leftmost
 * non-zero level; the province (000.00.00.LNN) has none. The catalog module owns names and
 * reorganisations (GET /api/v1/agencies); the tree shows names through the namer it installs. */
static int parent_code(const char *code, char out[14])
{
    if (!eg_valid_agency_code(code))
        return 0;
    memcpy(out, code, 14);
    if (memcmp(out, "000", 3) != 0) {
        memcpy(out, "000", 3);
        return 1;
    }
    if (memcmp(out + 4, "00", 2) != 0) {
        memcpy(out + 4, "00", 2);
        return 1;
    }
    if (memcmp(out + 7, "00", 2) != 0) {
        memcpy(out + 7, "00", 2);
        return 1;
    }
    return 0;
}

static json_t *node_of(json_t *nodes, const char *code)
{
    json_t *n = json_object_get(nodes, code);
    if (!n) {
        char name[256];
        n = json_pack("{s:s, s:o, s:n, s:[], s:[]}", "agency_code", code, "name",
                      eg__agency_name(code, name, sizeof(name)) ? json_null() : json_string(name),
                      "parent_code", "staff", "children");
        json_object_set_new(nodes, code, n);
        char parent[14];
        if (parent_code(code, parent)) {
            json_object_set_new(n, "parent_code", json_string(parent));
            json_t *p = node_of(nodes, parent);
            json_array_append(json_object_get(p, "children"), n);
        }
    }
    return n;
}

/* GET /api/v1/directory/tree : agencies with their staff, nested by agency code. */
static int directory_tree(eg_req *r)
{
    int rc = eg_require_principal(r, NULL);
    if (rc)
        return rc;
    eg_app *app = eg_req_app(r);
    eg_stmt *st;
    rc = eg_query(eg_db_conn(app->db), &st,
                  "SELECT agency_code, username, name, position FROM identity_accounts WHERE "
                  "kind = 'staff' AND status = 'active' AND agency_code IS NOT NULL ORDER BY "
                  "agency_code, username",
                  "");
    if (rc)
        return rc;
    json_t *nodes = json_object();
    while ((rc = eg_step(st)) == EG_ROW) {
        json_t *n = node_of(nodes, eg_col_text(st, 0));
        json_array_append_new(json_object_get(n, "staff"),
                              json_pack("{s:s, s:s, s:o}", "username", eg_col_text(st, 1), "name",
                                        eg_col_text(st, 2), "position",
                                        eg_json_strn(eg_col_text(st, 3))));
    }
    eg_stmt_done(st);
    json_t *roots = json_array();
    const char *k;
    json_t *v;
    json_object_foreach(nodes, k, v)
    {
        if (json_is_null(json_object_get(v, "parent_code")))
            json_array_append(roots, v);
    }
    json_decref(nodes);
    if (rc < 0) {
        json_decref(roots);
        return rc;
    }
    return eg_reply_json(r, 200, json_pack("{s:o}", "items", roots));
}
