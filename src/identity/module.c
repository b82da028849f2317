/*
 * module.c - the identity module's table entry: start-up (keys, permissions as data,
 * password hashing bounds, throttling), seeding (built-in roles; demo accounts), the
 * scheduler tick (key ring reload after `egov keys rotate`, expired rows), and token
 * issuance shared by /oauth2/token and `egov token`.
 */
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <curl/curl.h>
#include "audit/audit.h"
#include "identity/internal.h"
#include "identity/demo.h"

id_state *eg__id;

const struct eg_permission eg__identity_permissions[] = {
    {"admin", "*", "*", EG_SCOPE_ALL},
    {"auditor", "read", "*", EG_SCOPE_ALL},
    {"agency_admin", "read", "user", EG_SCOPE_AGENCY},
    {"agency_admin", "create", "user", EG_SCOPE_AGENCY},
    {"agency_admin", "update", "user", EG_SCOPE_AGENCY},
    {"agency_admin", "read", "audit_event", EG_SCOPE_AGENCY},
    {"receiver", "read", "user", EG_SCOPE_AGENCY},
    {"officer", "read", "user", EG_SCOPE_AGENCY},
    {"unit_leader", "read", "user", EG_SCOPE_AGENCY},
    {"leader", "read", "user", EG_SCOPE_AGENCY},
    {"clerk", "read", "user", EG_SCOPE_AGENCY},
    {"citizen", "read", "user", EG_SCOPE_OWN},
    {"business", "read", "user", EG_SCOPE_OWN},
    {NULL, NULL, NULL, 0},
};

static const struct {
    const char *name, *title;
    int bound, admin;
} builtin_roles[] = {
    {"citizen", "Công dân", 0, 0},
    {"business", "Doanh nghiệp", 0, 0},
    {"receiver", "Cán bộ tiếp nhận (một cửa)", 1, 0},
    {"officer", "Chuyên viên", 1, 0},
    {"unit_leader", "Lãnh đạo phòng", 1, 0},
    {"leader", "Lãnh đạo cơ quan", 1, 0},
    {"clerk", "Văn thư", 1, 0},
    {"agency_admin", "Quản trị cơ quan", 1, 1},
    {"admin", "Quản trị hệ thống", 0, 1},
    {"auditor", "Kiểm tra viên", 0, 0},
    {"system", "Hệ thống (ứng dụng)", 1, 0},
};

/* The served issuer is written to keys/identity/issuer at the first tick of `serve`, so
 * `egov token` (another process) signs tokens with the same "iss". */
static char served_issuer[512];

const char *eg__issuer(eg_app *app)
{
    const char *cfg = eg_config_get(app->cfg, "identity.issuer", NULL);
    if (cfg)
        return cfg;
    if (app->http || served_issuer[0] == '-')
        return app->base_url;
    if (!served_issuer[0]) {
        char path[4096];
        snprintf(path, sizeof(path), "%s/keys/identity/issuer", app->data_dir);
        eg_buf b = EG_BUF_INIT;
        if (eg_read_file(path, 400, &b) == 0 && b.len > 0 && b.len < sizeof(served_issuer))
            memcpy(served_issuer, b.data, b.len);
        else
            served_issuer[0] = '-';
        eg_buf_free(&b);
    }
    return served_issuer[0] == '-' ? app->base_url : served_issuer;
}

const id_keyring *eg__keys_lock(void)
{
    pthread_rwlock_rdlock(&eg__id->lock);
    return eg__id->kr;
}

void eg__keys_unlock(void)
{
    pthread_rwlock_unlock(&eg__id->lock);
}

static int64_t ring_mtime(const char *data_dir)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/keys/identity/ring.json", data_dir);
    struct stat stt;
    if (stat(path, &stt))
        return 0;
    return (int64_t)stt.st_mtim.tv_sec * 1000000000LL + stt.st_mtim.tv_nsec;
}

void eg__keys_refresh(eg_app *app)
{
    int64_t m = ring_mtime(app->data_dir);
    if (!m || m == eg__id->ring_mtime)
        return;
    id_keyring *kr = NULL;
    if (eg__keys_load(app->data_dir, &kr))
        return;
    pthread_rwlock_wrlock(&eg__id->lock);
    id_keyring *old = eg__id->kr;
    eg__id->kr = kr;
    eg__id->ring_mtime = m;
    pthread_rwlock_unlock(&eg__id->lock);
    eg__keys_free(old);
}

static int identity_init(eg_app *app)
{
    int rc = eg__keys_ensure(app->data_dir);
    if (rc)
        return rc;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    id_state *s = eg_calloc(1, sizeof(*s));
    s->app = app;
    pthread_rwlock_init(&s->lock, NULL);
    s->alg = strcmp(eg_config_get(app->cfg, "identity.token_alg", "ES256"), "EdDSA") == 0
                 ? ID_ALG_EDDSA
                 : ID_ALG_ES256;
    s->access_ttl = eg_config_int(app->cfg, "identity.access_token_ttl", 900);
    s->refresh_ttl = eg_config_int(app->cfg, "identity.refresh_token_ttl", 30 * 86400);
    s->session_ttl = eg_config_int(app->cfg, "identity.session_ttl", 8 * 3600);
    s->require_totp_admin = eg_config_bool(app->cfg, "identity.require_totp_for_admin", 1);
    s->audience = eg_config_get(app->cfg, "identity.audience", "egov");
    eg__id = s;
    app->mod[eg_module_slot("identity")] = s;
    eg__keys_refresh(app);
    if (!s->kr)
        return EG_EINTERNAL;
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    eg__pw_init(
        (int)eg_config_int(app->cfg, "identity.max_concurrent_hashes", cores > 0 ? cores : 2),
        (unsigned long long)eg_config_int(app->cfg, "identity.argon2_opslimit", 2),
        (size_t)eg_config_int(app->cfg, "identity.argon2_memlimit_kib", 19456) * 1024);
    eg__throttle_config((int)eg_config_int(app->cfg, "identity.throttle_max_failures", 10),
                        (int)eg_config_int(app->cfg, "identity.throttle_window", 900));
    eg_conn *c = eg_db_conn(app->db);
    rc = eg_tx_begin(c);
    for (size_t i = 0; !rc && i < sizeof(builtin_roles) / sizeof(builtin_roles[0]); i++) {
        int64_t one;
        int e = eg_query_int64(c, &one, "SELECT 1 FROM identity_roles WHERE name = ?", "t",
                               builtin_roles[i].name);
        if (e == EG_ENOTFOUND)
            rc = eg_exec(c, NULL,
                         "INSERT INTO identity_roles (name, title_vi, agency_bound, admin) "
                         "VALUES (?,?,?,?)",
                         "ttii", builtin_roles[i].name, builtin_roles[i].title,
                         builtin_roles[i].bound, builtin_roles[i].admin);
        else if (e)
            rc = e;
    }
    if (!rc)
        rc = eg__perms_sync(c);
    if (rc) {
        eg_tx_rollback(c);
        return rc;
    }
    rc = eg_tx_commit(c);
    if (!rc)
        eg__authz_load(c);
    return rc;
}

static void identity_shutdown(eg_app *app)
{
    if (!eg__id)
        return;
    eg__keys_free(eg__id->kr);
    pthread_rwlock_destroy(&eg__id->lock);
    free(eg__id);
    eg__id = NULL;
}

static void identity_tick(eg_app *app, int64_t now)
{
    static int64_t next_gc;
    static int issuer_written;
    eg__keys_refresh(app);
    if (!issuer_written && app->http) {
        issuer_written = 1;
        char path[4096];
        snprintf(path, sizeof(path), "%s/keys/identity/issuer", app->data_dir);
        const char *iss = eg__issuer(app);
        eg_write_file_atomic(path, iss, strlen(iss), 0600);
    }
    if (now < next_gc)
        return;
    next_gc = now + 60000;
    eg_conn *c = eg_db_conn(app->db);
    eg_exec(c, NULL, "DELETE FROM identity_revoked WHERE expires_ms < ?", "l", now);
    eg_exec(c, NULL, "DELETE FROM identity_codes WHERE expires_ms < ?", "l", now - 3600000);
    eg_exec(c, NULL, "DELETE FROM identity_sessions WHERE expires_ms < ?", "l", now);
    eg_exec(c, NULL, "DELETE FROM identity_refresh WHERE expires_ms < ?", "l", now);
}

static int identity_seed(eg_app *app, int demo)
{
    if (!demo)
        return EG_OK;
    for (const struct eg__demo_account *d = eg__demo_accounts; d->username; d++) {
        eg_arena *a = eg_arena_new(0);
        id_account acc;
        int rc = eg__account_get(eg_db_conn(app->db), a, "username", d->username, &acc);
        eg_arena_free(a);
        if (rc == 0)
            continue;
        if (rc != EG_ENOTFOUND)
            return rc;
        const char *roles[4];
        int n = 0;
        char buf[128];
        snprintf(buf, sizeof(buf), "%s", d->roles);
        for (char *save = NULL, *t = strtok_r(buf, ",", &save); t && n < 4;
             t = strtok_r(NULL, ",", &save))
            roles[n++] = t;
        id_new_account na = {.username = d->username,
                             .name = d->name,
                             .kind = d->kind,
                             .agency_code = d->agency,
                             .position = d->position,
                             .citizen_id = d->citizen_id,
                             .tax_code = d->tax_code,
                             .password = d->password,
                             .roles = roles,
                             .nroles = n};
        char id[27], err[256];
        rc = eg__account_create(app, &na, "system:seed", id, err, sizeof(err));
        if (rc) {
            eg_log(EG_LOG_ERROR, "identity", NULL, "demo account failed", "username", d->username,
                   "error", err, NULL);
            return rc;
        }
        if (d->totp_secret)
            rc = eg_exec(eg_db_conn(app->db), NULL,
                         "UPDATE identity_accounts SET totp_secret = ? WHERE id = ?", "tt",
                         d->totp_secret, id);
        if (rc)
            return rc;
    }
    /* The demo OIDC client used by the portal's own "sign in" and by tests. */
    int64_t one;
    if (eg_query_int64(eg_db_conn(app->db), &one,
                       "SELECT 1 FROM identity_clients WHERE client_id = 'egov-portal'",
                       "") == EG_ENOTFOUND) {
        char ts[25];
        eg_time_iso_ms(eg_now_ms(), ts);
        int rc =
            eg_exec(eg_db_conn(app->db), NULL,
                    "INSERT INTO identity_clients (client_id, type, name, redirect_uris, "
                    "post_logout_uris, grants, scopes, created_at) VALUES ('egov-portal', "
                    "'public', 'Cổng dịch vụ công', ?, ?, "
                    "'authorization_code refresh_token', 'openid profile email offline_access', ?)",
                    "ttt", "/portal/callback.html http://127.0.0.1/callback", "/", ts);
        if (rc)
            return rc;
    }
    return EG_OK;
}

/* Builds the claims of an access token and signs them. */
int eg__issue_access(eg_app *app, eg_arena *a, const id_account *acc, const id_client *cl,
                     const char *scope, int64_t ttl, const char *fam, char **token,
                     json_t **claims_out)
{
    int64_t now = eg_now_ms() / 1000;
    char jti[27];
    eg_new_id(jti);
    json_t *aud = json_array();
    json_array_append_new(aud, json_string(eg__id->audience));
    if (cl && strcmp(cl->client_id, eg__id->audience) != 0)
        json_array_append_new(aud, json_string(cl->client_id));
    json_t *c = json_pack("{s:s, s:o, s:I, s:I, s:I, s:s, s:s}", "iss", eg__issuer(app), "aud", aud,
                          "iat", (json_int_t)now, "nbf", (json_int_t)now, "exp",
                          (json_int_t)(now + ttl), "jti", jti, "scope", scope ? scope : "");
    if (cl)
        json_object_set_new(c, "client_id", json_string(cl->client_id));
    json_t *roles = json_array(), *grants = json_array();
    if (acc) {
        json_object_set_new(c, "sub", json_string(acc->id));
        json_object_set_new(c, "preferred_username", json_string(acc->username));
        json_object_set_new(c, "name", json_string(acc->name));
        json_object_set_new(c, "kind", json_string(acc->kind));
        json_object_set_new(c, "agency_code", eg_json_strn(acc->agency_code));
        if (acc->citizen_id)
            json_object_set_new(c, "citizen_id", json_string(acc->citizen_id));
        if (acc->tax_code)
            json_object_set_new(c, "tax_code", json_string(acc->tax_code));
        for (int i = 0; i < acc->nroles; i++) {
            const eg_role_grant *g = &acc->roles[i];
            int dup = 0;
            for (size_t k = 0; k < json_array_size(roles); k++)
                dup |= strcmp(json_string_value(json_array_get(roles, k)), g->role) == 0;
            if (!dup)
                json_array_append_new(roles, json_string(g->role));
            json_array_append_new(grants, json_pack("{s:s, s:o, s:b}", "role", g->role,
                                                    "agency_code", eg_json_strn(g->agency_code),
                                                    "include_subunits", g->include_subunits));
        }
    } else {
        json_object_set_new(c, "sub", json_string(cl->client_id));
        json_object_set_new(c, "name", json_string(cl->name));
        json_object_set_new(c, "kind", json_string("system"));
        json_object_set_new(c, "agency_code", eg_json_strn(cl->agency_code));
        json_array_append_new(roles, json_string("system"));
        json_array_append_new(grants,
                              json_pack("{s:s, s:o, s:b}", "role", "system", "agency_code",
                                        eg_json_strn(cl->agency_code), "include_subunits", 0));
    }
    json_object_set_new(c, "roles", roles);
    json_object_set_new(c, "grants", grants);
    if (fam)
        json_object_set_new(c, "fam", json_string(fam));
    const id_keyring *kr = eg__keys_lock();
    *token = eg__jws_sign(a, kr, eg__id->alg, "at+jwt", c);
    eg__keys_unlock();
    if (claims_out)
        *claims_out = c;
    else
        json_decref(c);
    return *token ? EG_OK : EG_EINTERNAL;
}

int eg_identity_issue_token(eg_app *app, eg_arena *a, const char *username, const char *scope,
                            int ttl_seconds, char **token)
{
    *token = NULL;
    if (!eg__id)
        return EG_EUNAVAIL;
    eg_conn *c = eg_db_conn(app->db);
    id_account acc;
    int rc = eg__account_get(c, a, "username", username, &acc);
    if (rc)
        return rc;
    if (strcmp(acc.status, "active") != 0)
        return EG_EFORBIDDEN;
    json_t *claims = NULL;
    rc = eg__issue_access(app, a, &acc, NULL, scope ? scope : "openid profile",
                          ttl_seconds > 0 ? ttl_seconds : eg__id->access_ttl, NULL, token, &claims);
    if (!rc) {
        json_t *d =
            json_pack("{s:s, s:O, s:O}", "grant", "operator", "jti", json_object_get(claims, "jti"),
                      "exp", json_object_get(claims, "exp"));
        rc = eg_app_audit(app, "identity.token.issue", "user", acc.id, acc.agency_code, d);
        json_decref(d);
    }
    json_decref(claims);
    return rc;
}

static void identity_routes(eg_app *app, eg_http *h)
{
    eg_http_set_authenticator(h, eg__authenticate);
    eg_http_set_csrf_check(h, eg__csrf_check);
    eg__api_routes(app, h);
    eg__oidc_routes(app, h);
    eg__login_routes(app, h);
    eg__federation_routes(app, h);
    eg__audit_routes(app, h);
}

const struct eg_module eg_identity_module = {
    .name = "identity",
    .permissions = eg__identity_permissions,
    .commands = eg__identity_commands,
    .init = identity_init,
    .routes = identity_routes,
    .seed = identity_seed,
    .tick = identity_tick,
    .shutdown = identity_shutdown,
};
