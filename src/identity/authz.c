/*
 * authz.c - who is calling (the authenticator hook: bearer JWS or session cookie), the
 * CSRF double-submit check, and the one permission check every route uses.
 *
 * Permissions are data: every module's eg_permission table is copied into
 * identity_role_permissions at start-up and the table is loaded into memory (a small
 * array, read-mostly, swapped under a lock). Before any load (unit tests without a
 * database) the check uses the module tables directly.
 *
 * eg_authz(p, action, obj) allows when some role grant g of p has a permission
 * (g.role, action|"*", obj.type|"*") whose scope covers obj:
 *   ALL    always;
 *   AGENCY obj.agency_code equals g.agency_code, or lies within it when the grant
 *          includes sub-units (agency resolver installed by catalog);
 *   OWN    obj.owner equals p.subject.
 * Everything else is denied.
 */
#include <string.h>
#include "audit/audit.h"
#include "identity/internal.h"

static pthread_rwlock_t perm_lock = PTHREAD_RWLOCK_INITIALIZER;
static id_perm *perms;
static int nperms;
static int perms_owned; /* 1 when the strings were copied from the database */
static eg_agency_within_fn within_fn;
static void *within_ctx;

void eg_identity_set_agency_resolver(eg_agency_within_fn fn, void *ctx)
{
    within_fn = fn;
    within_ctx = ctx;
}

static eg_agency_name_fn name_fn;

void eg_identity_set_agency_namer(eg_agency_name_fn fn)
{
    name_fn = fn;
}

int eg__agency_name(const char *code, char *out, size_t n)
{
    return name_fn ? name_fn(code, out, n) : EG_ENOTFOUND;
}

static void load_from_modules(void)
{
    int n = 0;
    for (int m = 0; eg_modules[m]; m++)
        for (const struct eg_permission *p = eg_modules[m]->permissions; p && p->role; p++)
            n++;
    id_perm *arr = eg_calloc((size_t)n + 1, sizeof(*arr));
    int k = 0;
    for (int m = 0; eg_modules[m]; m++)
        for (const struct eg_permission *p = eg_modules[m]->permissions; p && p->role; p++)
            arr[k++] = (id_perm){p->role, p->action, p->resource_type, p->scope};
    perms = arr;
    nperms = n;
}

int eg__perms_sync(eg_conn *c)
{
    int rc = EG_OK;
    for (int m = 0; !rc && eg_modules[m]; m++) {
        for (const struct eg_permission *p = eg_modules[m]->permissions; !rc && p && p->role; p++) {
            int64_t one;
            int e = eg_query_int64(c, &one,
                                   "SELECT 1 FROM identity_role_permissions WHERE role = ? AND "
                                   "action = ? AND resource_type = ?",
                                   "ttt", p->role, p->action, p->resource_type);
            if (e == EG_ENOTFOUND)
                rc = eg_exec(c, NULL,
                             "INSERT INTO identity_role_permissions (role, action, resource_type, "
                             "scope, module) VALUES (?,?,?,?,?)",
                             "tttit", p->role, p->action, p->resource_type, p->scope,
                             eg_modules[m]->name);
            else if (e)
                rc = e;
        }
    }
    return rc;
}

void eg__authz_load(eg_conn *c)
{
    eg_stmt *st;
    if (eg_query(c, &st, "SELECT role, action, resource_type, scope FROM identity_role_permissions",
                 ""))
        return;
    int cap = 64, n = 0;
    id_perm *arr = eg_calloc((size_t)cap, sizeof(*arr));
    while (eg_step(st) == EG_ROW) {
        if (n + 1 >= cap) {
            cap *= 2;
            arr = eg_realloc(arr, sizeof(*arr) * (size_t)cap);
        }
        arr[n++] = (id_perm){eg_strdup(eg_col_text(st, 0)), eg_strdup(eg_col_text(st, 1)),
                             eg_strdup(eg_col_text(st, 2)), (int)eg_col_int64(st, 3)};
    }
    eg_stmt_done(st);
    pthread_rwlock_wrlock(&perm_lock);
    /* Readers use the array only while holding the read lock, so it can go now. */
    if (perms && perms_owned) {
        for (int i = 0; i < nperms; i++) {
            free((char *)perms[i].role);
            free((char *)perms[i].action);
            free((char *)perms[i].type);
        }
    }
    free(perms);
    perms = arr;
    nperms = n;
    perms_owned = 1;
    pthread_rwlock_unlock(&perm_lock);
}

static int agency_within(const char *agency, const char *ancestor)
{
    if (!agency || !ancestor)
        return 0;
    if (strcmp(agency, ancestor) == 0)
        return 1;
    return within_fn ? within_fn(within_ctx, agency, ancestor) : 0;
}

int eg_authz(const eg_principal *p, const char *action, const eg_object *obj)
{
    if (!p)
        return EG_EAUTH;
    if (!action || !obj || !obj->type)
        return EG_EFORBIDDEN;
    pthread_rwlock_rdlock(&perm_lock);
    if (!perms) {
        pthread_rwlock_unlock(&perm_lock);
        pthread_rwlock_wrlock(&perm_lock);
        if (!perms)
            load_from_modules();
        pthread_rwlock_unlock(&perm_lock);
        pthread_rwlock_rdlock(&perm_lock);
    }
    int ok = 0;
    for (int g = 0; !ok && g < p->nroles; g++) {
        const eg_role_grant *gr = &p->roles[g];
        for (int i = 0; !ok && i < nperms; i++) {
            const id_perm *pm = &perms[i];
            if (strcmp(pm->role, gr->role) != 0)
                continue;
            if (strcmp(pm->action, "*") != 0 && strcmp(pm->action, action) != 0)
                continue;
            if (strcmp(pm->type, "*") != 0 && strcmp(pm->type, obj->type) != 0)
                continue;
            switch (pm->scope) {
            case EG_SCOPE_ALL:
                ok = 1;
                break;
            case EG_SCOPE_AGENCY:
                if (gr->agency_code && obj->agency_code)
                    ok = gr->include_subunits ? agency_within(obj->agency_code, gr->agency_code)
                                              : strcmp(obj->agency_code, gr->agency_code) == 0;
                break;
            case EG_SCOPE_OWN:
                ok = obj->owner && p->subject && strcmp(obj->owner, p->subject) == 0;
                break;
            default:
                break;
            }
        }
    }
    pthread_rwlock_unlock(&perm_lock);
    return ok ? EG_OK : EG_EFORBIDDEN;
}

int eg_has_role(const eg_principal *p, const char *role, const char *agency_code)
{
    if (!p || !role)
        return 0;
    for (int i = 0; i < p->nroles; i++) {
        if (strcmp(p->roles[i].role, role) != 0)
            continue;
        if (!agency_code)
            return 1;
        if (p->roles[i].agency_code &&
            (strcmp(p->roles[i].agency_code, agency_code) == 0 ||
             (p->roles[i].include_subunits && agency_within(agency_code, p->roles[i].agency_code))))
            return 1;
    }
    return 0;
}

const eg_principal *eg_principal_of(eg_req *r)
{
    return eg_req_principal(r);
}

int eg_require_principal(eg_req *r, const eg_principal **out)
{
    const eg_principal *p = eg_principal_of(r);
    if (out)
        *out = p;
    if (!p) {
        eg_reply_header(r, "WWW-Authenticate", "Bearer realm=\"egov\"");
        return eg_req_fail(r, EG_EAUTH, "Cần đăng nhập (thiếu hoặc sai thông tin xác thực)");
    }
    return EG_OK;
}

int eg_authorize(eg_req *r, const char *action, const eg_object *obj)
{
    const eg_principal *p;
    int rc = eg_require_principal(r, &p);
    if (rc)
        return rc;
    rc = eg_authz(p, action, obj);
    if (rc)
        return eg_req_fail(r, rc, "Không có quyền %s đối với %s%s%s", action,
                           obj && obj->type ? obj->type : "?",
                           obj && obj->agency_code ? " của cơ quan " : "",
                           obj && obj->agency_code ? obj->agency_code : "");
    return EG_OK;
}

const char *eg_actor(eg_req *r)
{
    const eg_principal *p = eg_principal_of(r);
    if (!p)
        return "anonymous";
    if (p->username)
        return p->username;
    return eg_arena_printf(eg_req_arena(r), "client:%s", p->client_id ? p->client_id : p->subject);
}

/* ------------------------------------------------------------------ authenticator */

static const char *jstr(eg_arena *a, const json_t *o, const char *k)
{
    return eg_arena_strdup(a, eg_json_str(o, k));
}

eg_principal *eg__principal_from_claims(eg_arena *a, const json_t *claims)
{
    eg_principal *p = eg_arena_zalloc(a, sizeof(*p));
    p->subject = jstr(a, claims, "sub");
    if (!p->subject)
        return NULL;
    p->username = jstr(a, claims, "preferred_username");
    p->name = jstr(a, claims, "name");
    p->kind = jstr(a, claims, "kind");
    if (!p->kind)
        p->kind = "system";
    p->agency_code = jstr(a, claims, "agency_code");
    p->citizen_id = jstr(a, claims, "citizen_id");
    p->tax_code = jstr(a, claims, "tax_code");
    p->client_id = jstr(a, claims, "client_id");
    p->scope = jstr(a, claims, "scope");
    json_t *grants = json_object_get(claims, "grants");
    size_t n = json_is_array(grants) ? json_array_size(grants) : 0;
    eg_role_grant *g = eg_arena_zalloc(a, sizeof(*g) * (n + 1));
    int k = 0;
    for (size_t i = 0; i < n && i < 64; i++) {
        json_t *v = json_array_get(grants, i);
        const char *role = eg_json_str(v, "role");
        if (!role)
            continue;
        g[k].role = eg_arena_strdup(a, role);
        g[k].agency_code = jstr(a, v, "agency_code");
        g[k].include_subunits = eg_json_bool(v, "include_subunits", 0);
        k++;
    }
    p->roles = g;
    p->nroles = k;
    return p;
}

/* Bearer tokens: signature, expiry, issuer, audience, then revocation and account status. */
static eg_principal *from_bearer(eg_req *r, const char *tok)
{
    eg_app *app = eg_req_app(r);
    const id_keyring *kr = eg__keys_lock();
    json_t *claims = NULL;
    int rc = eg__jws_verify(kr, tok, eg_now_ms(), eg__id->access_ttl * 1000 + 60000, &claims);
    eg__keys_unlock();
    if (rc)
        return NULL;
    eg_principal *p = NULL;
    const char *iss = eg_json_str(claims, "iss"), *jti = eg_json_str(claims, "jti");
    json_t *aud = json_object_get(claims, "aud");
    int aud_ok = (json_is_string(aud) && strcmp(json_string_value(aud), eg__id->audience) == 0);
    for (size_t i = 0; !aud_ok && json_is_array(aud) && i < json_array_size(aud); i++)
        aud_ok = json_is_string(json_array_get(aud, i)) &&
                 strcmp(json_string_value(json_array_get(aud, i)), eg__id->audience) == 0;
    /* Our own key signed it; the issuer is the served URL, or the configured base URL that
     * `egov token` used when the server was not running. */
    if (!iss ||
        (strcmp(iss, eg__issuer(app)) != 0 &&
         strcmp(iss, eg_config_get(app->cfg, "identity.issuer",
                                   eg_config_get(app->cfg, "http.base_url",
                                                 "http://127.0.0.1:8080"))) != 0) ||
        !aud_ok || !jti)
        goto out;
    eg_conn *c = eg_db_conn(app->db);
    const char *fam = eg_json_str(claims, "fam");
    char famkey[96];
    snprintf(famkey, sizeof(famkey), "fam:%s", fam ? fam : "");
    int64_t one;
    if (eg_query_int64(c, &one, "SELECT 1 FROM identity_revoked WHERE rkey = ? OR rkey = ?", "tt",
                       jti, famkey) != EG_ENOTFOUND)
        goto out;
    const char *kind = eg_json_str(claims, "kind");
    if (kind && strcmp(kind, "system") != 0) {
        char *status = NULL;
        if (eg_query_text(c, eg_req_arena(r), &status,
                          "SELECT status FROM identity_accounts WHERE id = ?", "t",
                          eg_json_str(claims, "sub")) ||
            strcmp(status, "active") != 0)
            goto out;
    }
    p = eg__principal_from_claims(eg_req_arena(r), claims);
out:
    json_decref(claims);
    return p;
}

void *eg__authenticate(eg_req *r)
{
    const char *auth = eg_req_header(r, "Authorization");
    if (auth) {
        if (strncasecmp(auth, "Bearer ", 7) != 0)
            return NULL;
        return from_bearer(r, auth + 7);
    }
    id_account acc;
    if (eg__session_account(r, eg_req_arena(r), &acc) == 0) {
        eg_principal *p = eg__principal_from_account(eg_req_arena(r), &acc);
        p->via_session = 1;
        return p;
    }
    return NULL;
}

int eg__csrf_check(eg_req *r)
{
    /* Only cookie-authenticated requests carry ambient credentials. */
    if (eg_req_header(r, "Authorization") || !eg_req_cookie(r, "egov_session"))
        return 0;
    const char *cookie = eg_req_cookie(r, "egov_csrf");
    const char *hdr = eg_req_header(r, "X-CSRF-Token");
    if (cookie && hdr && *cookie && eg_ct_equal(cookie, strlen(cookie), hdr, strlen(hdr)))
        return 0;
    eg_req_fail(r, EG_EFORBIDDEN, "Thiếu hoặc sai mã chống giả mạo yêu cầu (X-CSRF-Token)");
    return EG_EFORBIDDEN;
}

int eg__audit(eg_req *r, eg_conn *c, const char *actor, const char *action, const char *otype,
              const char *oid, const char *agency, json_t *detail)
{
    eg_audit_event ev = {.actor = actor ? actor : (r ? eg_actor(r) : "system"),
                         .action = action,
                         .object_type = otype,
                         .object_id = oid,
                         .agency = agency,
                         .request_id = r ? eg_req_id(r) : NULL,
                         .client_addr = r ? eg_req_client_ip(r) : NULL,
                         .detail = detail};
    int rc = eg_audit_append(c, &ev);
    json_decref(detail);
    return rc;
}
