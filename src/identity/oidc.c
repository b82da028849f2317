/*
 * oidc.c - the OpenID Connect provider (api.md §4): discovery, authorize (code flow, PKCE
 * S256 mandatory for public clients, RFC 8252 loopback redirects on any port), token
 * (authorization_code, refresh_token with rotation and family revocation on reuse,
 * client_credentials; client_secret_basic / client_secret_post), userinfo, JWKS,
 * introspection (RFC 7662), revocation (RFC 7009) and RP-initiated logout.
 *
 * Codes and refresh tokens are random strings stored only as SHA-256. A code's tokens form
 * a family (fam = first 32 hex of the code hash): access tokens carry "fam", refresh tokens
 * store it, so replaying a code or a spent refresh token revokes the whole family.
 */
#include <string.h>
#include "identity/internal.h"

/* ------------------------------------------------------------------ helpers */

void eg__pkce_s256(const char *verifier, char out[64])
{
    unsigned char dig[32];
    EVP_Digest(verifier, strlen(verifier), dig, NULL, EVP_sha256(), NULL);
    eg_b64url_encode(dig, 32, out);
}

static int oauth_error(eg_req *r, int status, const char *err, const char *desc)
{
    eg_reply_header(r, "Cache-Control", "no-store");
    if (status == 401)
        eg_reply_header(r, "WWW-Authenticate", "Basic realm=\"egov\"");
    return eg_reply_json(r, status,
                         json_pack("{s:s, s:s}", "error", err, "error_description", desc));
}

static void fam_of(const char *code_hash, char fam[33])
{
    memcpy(fam, code_hash, 32);
    fam[32] = 0;
}

/* Registered URI reg matches the requested one: exactly, or for loopback http URIs
 * (127.0.0.1, [::1], localhost) on any port (RFC 8252 §7.3). Relative registrations are
 * resolved against the issuer. */
static int uri_match(eg_app *app, const char *reg, const char *req)
{
    char abs[1024];
    if (reg[0] == '/') {
        snprintf(abs, sizeof(abs), "%s%s", eg__issuer(app), reg);
        reg = abs;
    }
    if (strcmp(reg, req) == 0)
        return 1;
    static const char *const hosts[] = {"http://127.0.0.1", "http://[::1]", "http://localhost"};
    for (int i = 0; i < 3; i++) {
        size_t hl = strlen(hosts[i]);
        if (strncmp(reg, hosts[i], hl) != 0 || strncmp(req, hosts[i], hl) != 0)
            continue;
        const char *a = reg + hl, *b = req + hl;
        if (*a == ':')
            a += strspn(a + 1, "0123456789") + 1;
        if (*b == ':') {
            size_t d = strspn(b + 1, "0123456789");
            if (d == 0 || d > 5)
                return 0;
            b += d + 1;
        }
        return strcmp(a, b) == 0;
    }
    return 0;
}

static int redirect_ok(eg_app *app, const id_client *cl, const char *uri)
{
    if (!uri || strlen(uri) > 1000)
        return 0;
    char buf[2048];
    snprintf(buf, sizeof(buf), "%s", cl->redirect_uris);
    for (char *save = NULL, *t = strtok_r(buf, " ", &save); t; t = strtok_r(NULL, " ", &save))
        if (uri_match(app, t, uri))
            return 1;
    return 0;
}

static int scope_ok(const char *allowed, const char *req)
{
    if (!req)
        return 1;
    char buf[512];
    if (strlen(req) >= sizeof(buf))
        return 0;
    snprintf(buf, sizeof(buf), "%s", req);
    for (char *save = NULL, *t = strtok_r(buf, " ", &save); t; t = strtok_r(NULL, " ", &save))
        if (!eg__list_has(allowed, t))
            return 0;
    return 1;
}

/* Authenticates the client of a token/introspect/revoke request. Public clients (no
 * secret) are identified by client_id only when allow_public. */
static int client_auth(eg_req *r, id_client *cl, int allow_public, const char **why)
{
    eg_app *app = eg_req_app(r);
    const char *id = NULL, *secret = NULL;
    const char *h = eg_req_header(r, "Authorization");
    if (h && strncasecmp(h, "Basic ", 6) == 0) {
        eg_buf raw = EG_BUF_INIT;
        if (eg_b64_decode(h + 6, strlen(h + 6), &raw) || !raw.data ||
            !memchr(raw.data, ':', raw.len)) {
            eg_buf_free(&raw);
            *why = "malformed Basic credentials";
            return EG_EAUTH;
        }
        char *colon = memchr(raw.data, ':', raw.len);
        eg_buf a = EG_BUF_INIT, b = EG_BUF_INIT;
        eg_url_decode_query(raw.data, (size_t)(colon - raw.data), &a);
        eg_url_decode_query(colon + 1, raw.len - (size_t)(colon + 1 - raw.data), &b);
        id = eg_arena_strdup(eg_req_arena(r), eg_buf_cstr(&a));
        secret = eg_arena_strdup(eg_req_arena(r), eg_buf_cstr(&b));
        eg_buf_free(&a);
        eg_buf_free(&b);
        eg_buf_free(&raw);
    } else {
        id = eg__form(r, "client_id");
        secret = eg__form(r, "client_secret");
    }
    if (!id || !*id) {
        *why = "client authentication required";
        return EG_EAUTH;
    }
    int grc = eg__client_get(eg_db_conn(app->db), eg_req_arena(r), id, cl);
    if (grc) {
        *why = grc == EG_ENOTFOUND ? "unknown client" : "client lookup failed";
        return EG_EAUTH;
    }
    if (strcmp(cl->type, "confidential") == 0) {
        char hash[65];
        if (!secret || !cl->secret_hash) {
            *why = "client secret required";
            return EG_EAUTH;
        }
        eg_sha256_hex(secret, strlen(secret), hash);
        if (!eg_ct_equal(hash, 64, cl->secret_hash, strlen(cl->secret_hash))) {
            *why = "wrong client secret";
            return EG_EAUTH;
        }
    } else if (!allow_public || secret) {
        *why = "public client cannot authenticate here";
        return EG_EAUTH;
    }
    return EG_OK;
}

/* Revokes a token family: refresh tokens marked revoked, access tokens through "fam:". */
static int revoke_family(eg_conn *c, const char *fam)
{
    int rc = eg_exec(c, NULL, "UPDATE identity_refresh SET revoked = 1 WHERE family = ?", "t", fam);
    char key[64];
    snprintf(key, sizeof(key), "fam:%s", fam);
    int64_t one;
    if (!rc && eg_query_int64(c, &one, "SELECT 1 FROM identity_revoked WHERE rkey = ?", "t", key) ==
                   EG_ENOTFOUND)
        rc = eg_exec(c, NULL, "INSERT INTO identity_revoked (rkey, expires_ms) VALUES (?, ?)", "tl",
                     key, eg_now_ms() + (eg__id->refresh_ttl + eg__id->access_ttl) * 1000);
    return rc;
}

/* ------------------------------------------------------------------ discovery, jwks */

static int discovery(eg_req *r)
{
    eg_app *app = eg_req_app(r);
    const char *iss = eg__issuer(app);
    eg_arena *a = eg_req_arena(r);
    json_t *j = json_pack(
        "{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:[s], s:[s,s,s], s:[s], s:[s,s], s:[s,s,s], "
        "s:[s], s:[s,s,s,s,s], s:b, s:[s,s], s:[s,s,s], s:[s,s,s,s,s,s,s,s,s,s,s,s,s], s:[s]}",
        "issuer", iss, "authorization_endpoint", eg_arena_printf(a, "%s/oauth2/authorize", iss),
        "token_endpoint", eg_arena_printf(a, "%s/oauth2/token", iss), "userinfo_endpoint",
        eg_arena_printf(a, "%s/oauth2/userinfo", iss), "jwks_uri",
        eg_arena_printf(a, "%s/oauth2/jwks", iss), "introspection_endpoint",
        eg_arena_printf(a, "%s/oauth2/introspect", iss), "revocation_endpoint",
        eg_arena_printf(a, "%s/oauth2/revoke", iss), "end_session_endpoint",
        eg_arena_printf(a, "%s/oauth2/logout", iss), "response_types_supported", "code",
        "grant_types_supported", "authorization_code", "refresh_token", "client_credentials",
        "subject_types_supported", "public", "id_token_signing_alg_values_supported", "ES256",
        "EdDSA", "token_endpoint_auth_methods_supported", "client_secret_basic",
        "client_secret_post", "none", "code_challenge_methods_supported", "S256",
        "scopes_supported", "openid", "profile", "email", "offline_access", "api",
        "authorization_response_iss_parameter_supported", 1,
        "introspection_endpoint_auth_methods_supported", "client_secret_basic",
        "client_secret_post", "revocation_endpoint_auth_methods_supported", "client_secret_basic",
        "client_secret_post", "none", "claims_supported", "sub", "iss", "aud", "exp", "iat",
        "auth_time", "nonce", "at_hash", "name", "preferred_username", "agency_code", "roles",
        "citizen_id", "tax_code", "response_modes_supported", "query");
    eg_reply_header(r, "Cache-Control", "public, max-age=300");
    return eg_reply_json(r, 200, j);
}

static int jwks(eg_req *r)
{
    const id_keyring *kr = eg__keys_lock();
    json_t *j = eg__jwks(kr, eg_now_ms(), (eg__id->access_ttl + 60) * 1000);
    eg__keys_unlock();
    eg_reply_header(r, "Cache-Control", "public, max-age=60");
    return eg_reply_json(r, 200, j);
}

/* ------------------------------------------------------------------ authorize */

static int error_page(eg_req *r, int status, const char *msg)
{
    eg_buf b = EG_BUF_INIT;
    eg_buf_puts(&b,
                "<!doctype html><html lang=\"vi\"><head><meta charset=\"utf-8\">"
                "<title>Lỗi đăng nhập</title><link rel=\"stylesheet\" href=\"/lib/egov.css\">"
                "</head><body><main id=\"main\"><h1>Không thể đăng nhập</h1><p role=\"alert\">");
    eg_buf_html(&b, msg);
    eg_buf_puts(&b, "</p></main></body></html>\n");
    int rc = eg_reply_html(r, status, b.data, b.len);
    eg_buf_free(&b);
    return rc;
}

static int redirect_error(eg_req *r, const char *uri, const char *err, const char *desc,
                          const char *state)
{
    eg_app *app = eg_req_app(r);
    eg_buf b = EG_BUF_INIT;
    eg_buf_printf(&b, "%s%serror=%s&error_description=", uri, strchr(uri, '?') ? "&" : "?", err);
    eg_buf_urlencode(&b, desc, strlen(desc));
    if (state) {
        eg_buf_puts(&b, "&state=");
        eg_buf_urlencode(&b, state, strlen(state));
    }
    eg_buf_puts(&b, "&iss=");
    eg_buf_urlencode(&b, eg__issuer(app), strlen(eg__issuer(app)));
    int rc = eg_reply_redirect(r, 302, b.data);
    eg_buf_free(&b);
    return rc;
}

static int authorize(eg_req *r)
{
    eg_app *app = eg_req_app(r);
    eg_conn *c = eg_db_conn(app->db);
    const char *cid = eg_req_query(r, "client_id"), *uri = eg_req_query(r, "redirect_uri");
    const char *state = eg_req_query(r, "state");
    id_client cl;
    if (!cid || eg__client_get(c, eg_req_arena(r), cid, &cl))
        return error_page(r, 400, "Ứng dụng (client_id) không được đăng ký.");
    if (!uri || !redirect_ok(app, &cl, uri))
        return error_page(r, 400, "Địa chỉ chuyển hướng (redirect_uri) không khớp với đăng ký.");
    const char *rt = eg_req_query(r, "response_type"), *scope = eg_req_query(r, "scope");
    const char *cc = eg_req_query(r, "code_challenge");
    const char *ccm = eg_req_query(r, "code_challenge_method");
    if (!rt || strcmp(rt, "code") != 0)
        return redirect_error(r, uri, "unsupported_response_type", "response_type must be code",
                              state);
    if (!eg__list_has(cl.grants, "authorization_code"))
        return redirect_error(r, uri, "unauthorized_client",
                              "client may not use the authorization code flow", state);
    if (!scope_ok(cl.scopes, scope))
        return redirect_error(r, uri, "invalid_scope", "scope not allowed for this client", state);
    if (cc && (!ccm || strcmp(ccm, "S256") != 0))
        return redirect_error(r, uri, "invalid_request", "code_challenge_method must be S256",
                              state);
    if (cc && (strlen(cc) != 43 || strspn(cc, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                              "0123456789-_") != 43))
        return redirect_error(r, uri, "invalid_request", "malformed code_challenge", state);
    if (!cc && strcmp(cl.type, "public") == 0)
        return redirect_error(r, uri, "invalid_request",
                              "PKCE (code_challenge, S256) is required for public clients", state);
    const char *nonce = eg_req_query(r, "nonce"), *prompt = eg_req_query(r, "prompt");
    if ((nonce && strlen(nonce) > 255) || (state && strlen(state) > 1000))
        return redirect_error(r, uri, "invalid_request", "nonce or state too long", state);
    id_account acc;
    int have = eg__session_account(r, eg_req_arena(r), &acc) == 0;
    if (have && prompt && strcmp(prompt, "none") == 0)
        prompt = NULL;
    if (!have || (prompt && strstr(prompt, "login"))) {
        if (prompt && strcmp(prompt, "none") == 0)
            return redirect_error(r, uri, "login_required", "no session", state);
        /* Back to this very request after the login form. */
        eg_buf ret = EG_BUF_INIT, loc = EG_BUF_INIT;
        eg_buf_puts(&ret, "/oauth2/authorize?");
        const char *keys[] = {
            "response_type", "client_id", "redirect_uri",   "scope",
            "state",         "nonce",     "code_challenge", "code_challenge_method"};
        int first = 1;
        for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
            const char *v = eg_req_query(r, keys[i]);
            if (!v)
                continue;
            eg_buf_printf(&ret, "%s%s=", first ? "" : "&", keys[i]);
            eg_buf_urlencode(&ret, v, strlen(v));
            first = 0;
        }
        eg_buf_puts(&loc, "/login?return=");
        eg_buf_urlencode(&loc, ret.data, ret.len);
        int rc = eg_reply_redirect(r, 302, loc.data);
        eg_buf_free(&ret);
        eg_buf_free(&loc);
        return rc;
    }
    char *code = eg_random_token(eg_req_arena(r), 32), hash[65];
    eg_sha256_hex(code, strlen(code), hash);
    int64_t now = eg_now_ms();
    int rc = eg_exec(c, NULL,
                     "INSERT INTO identity_codes (code_hash, client_id, account_id, redirect_uri, "
                     "scope, nonce, code_challenge, auth_time, expires_ms) VALUES "
                     "(?,?,?,?,?,?,?,?,?)",
                     "tttttttll", hash, cl.client_id, acc.id, uri, scope ? scope : "openid", nonce,
                     cc, now / 1000, now + 60000);
    if (rc)
        return rc;
    eg_buf b = EG_BUF_INIT;
    eg_buf_printf(&b, "%s%scode=%s", uri, strchr(uri, '?') ? "&" : "?", code);
    if (state) {
        eg_buf_puts(&b, "&state=");
        eg_buf_urlencode(&b, state, strlen(state));
    }
    eg_buf_puts(&b, "&iss=");
    eg_buf_urlencode(&b, eg__issuer(app), strlen(eg__issuer(app)));
    rc = eg_reply_redirect(r, 302, b.data);
    eg_buf_free(&b);
    return rc;
}

/* ------------------------------------------------------------------ token */

char *eg__issue_id_token(eg_app *app, eg_arena *a, const id_account *acc, const char *client_id,
                         const char *nonce, int64_t auth_time, const char *access_token)
{
    int64_t now = eg_now_ms() / 1000;
    json_t *c =
        json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:s, s:s, s:s, s:o}", "iss", eg__issuer(app),
                  "sub", acc->id, "aud", client_id, "iat", (json_int_t)now, "exp",
                  (json_int_t)(now + eg__id->access_ttl), "auth_time", (json_int_t)auth_time,
                  "name", acc->name, "preferred_username", acc->username, "kind", acc->kind,
                  "agency_code", eg_json_strn(acc->agency_code));
    json_object_set_new(c, "azp", json_string(client_id));
    if (nonce)
        json_object_set_new(c, "nonce", json_string(nonce));
    json_t *roles = json_array();
    for (int i = 0; i < acc->nroles; i++)
        json_array_append_new(roles, json_string(acc->roles[i].role));
    json_object_set_new(c, "roles", roles);
    if (acc->citizen_id)
        json_object_set_new(c, "citizen_id", json_string(acc->citizen_id));
    if (acc->tax_code)
        json_object_set_new(c, "tax_code", json_string(acc->tax_code));
    if (access_token) {
        /* OIDC Core §3.1.3.6: the left half of the access token's hash under the signing
         * algorithm's hash (SHA-256 for ES256, SHA-512 for EdDSA/Ed25519), base64url. */
        unsigned char dig[EVP_MAX_MD_SIZE];
        unsigned int dn = 0;
        EVP_Digest(access_token, strlen(access_token), dig, &dn,
                   eg__id->alg == ID_ALG_EDDSA ? EVP_sha512() : EVP_sha256(), NULL);
        char ah[64];
        ah[eg_b64url_encode(dig, dn / 2, ah)] = '\0';
        json_object_set_new(c, "at_hash", json_string(ah));
    }
    const id_keyring *kr = eg__keys_lock();
    char *t = eg__jws_sign(a, kr, eg__id->alg, "JWT", c);
    eg__keys_unlock();
    json_decref(c);
    return t;
}

/* Issues access (+ id, + refresh) tokens for an account and writes the token response. */
static int grant_user_tokens(eg_req *r, eg_conn *c, const id_client *cl, const id_account *acc,
                             const char *scope, const char *nonce, int64_t auth_time,
                             const char *fam, const char *grant)
{
    eg_app *app = eg_req_app(r);
    eg_arena *a = eg_req_arena(r);
    char *at = NULL;
    json_t *claims = NULL;
    int rc = eg__issue_access(app, a, acc, cl, scope, eg__id->access_ttl, fam, &at, &claims);
    if (rc)
        return rc;
    json_t *resp = json_pack("{s:s, s:s, s:I, s:s}", "access_token", at, "token_type", "Bearer",
                             "expires_in", (json_int_t)eg__id->access_ttl, "scope", scope);
    if (eg__list_has(scope, "openid"))
        json_object_set_new(
            resp, "id_token",
            json_string(eg__issue_id_token(app, a, acc, cl->client_id, nonce, auth_time, at)));
    if (eg__list_has(cl->grants, "refresh_token")) {
        char *rt = eg_random_token(a, 32), hash[65];
        eg_sha256_hex(rt, strlen(rt), hash);
        int64_t now = eg_now_ms();
        rc = eg_exec(c, NULL,
                     "INSERT INTO identity_refresh (token_hash, family, client_id, account_id, "
                     "scope, auth_time, expires_ms, created_ms) VALUES (?,?,?,?,?,?,?,?)",
                     "tttttlll", hash, fam, cl->client_id, acc->id, scope, auth_time,
                     now + eg__id->refresh_ttl * 1000, now);
        json_object_set_new(resp, "refresh_token", json_string(rt));
    }
    if (!rc)
        rc = eg__audit(r, c, acc->username, "identity.token.issue", "user", acc->id,
                       acc->agency_code,
                       json_pack("{s:s, s:s, s:O, s:s}", "grant", grant, "client_id", cl->client_id,
                                 "jti", json_object_get(claims, "jti"), "scope", scope));
    json_decref(claims);
    if (rc) {
        json_decref(resp);
        return rc;
    }
    eg_reply_header(r, "Cache-Control", "no-store");
    return eg_reply_json(r, 200, resp);
}

static int grant_code(eg_req *r, eg_conn *c, const id_client *cl)
{
    const char *code = eg__form(r, "code"), *uri = eg__form(r, "redirect_uri");
    const char *verifier = eg__form(r, "code_verifier");
    if (!code || !uri)
        return oauth_error(r, 400, "invalid_request", "code and redirect_uri are required");
    char hash[65], fam[33];
    eg_sha256_hex(code, strlen(code), hash);
    fam_of(hash, fam);
    eg_stmt *st;
    int rc = eg_query(c, &st,
                      "SELECT client_id, account_id, redirect_uri, scope, nonce, code_challenge, "
                      "auth_time, expires_ms, used FROM identity_codes WHERE code_hash = ?",
                      "t", hash);
    if (rc)
        return rc;
    if (eg_step(st) != EG_ROW) {
        eg_stmt_done(st);
        return oauth_error(r, 400, "invalid_grant", "unknown or expired authorization code");
    }
    eg_arena *a = eg_req_arena(r);
    const char *ccid = eg_arena_strdup(a, eg_col_text(st, 0));
    const char *aid = eg_arena_strdup(a, eg_col_text(st, 1));
    const char *curi = eg_arena_strdup(a, eg_col_text(st, 2));
    const char *scope = eg_arena_strdup(a, eg_col_text(st, 3));
    const char *nonce = eg_arena_strdup(a, eg_col_text(st, 4));
    const char *chal = eg_arena_strdup(a, eg_col_text(st, 5));
    int64_t auth_time = eg_col_int64(st, 6), exp = eg_col_int64(st, 7);
    int used = (int)eg_col_int64(st, 8);
    eg_stmt_done(st);
    if (used) {
        /* Replay: the code was already exchanged; revoke everything issued from it. */
        rc = eg_tx_begin(c);
        if (!rc)
            rc = revoke_family(c, fam);
        if (!rc)
            rc = eg__audit(r, c, NULL, "identity.code.replay", "oauth_client", ccid, NULL,
                           json_pack("{s:s}", "family", fam));
        if (rc)
            eg_tx_rollback(c);
        else
            eg_tx_commit(c);
        return oauth_error(r, 400, "invalid_grant", "authorization code already used");
    }
    if (strcmp(ccid, cl->client_id) != 0)
        return oauth_error(r, 400, "invalid_grant", "code was issued to another client");
    if (strcmp(curi, uri) != 0)
        return oauth_error(r, 400, "invalid_grant", "redirect_uri does not match");
    if (exp < eg_now_ms())
        return oauth_error(r, 400, "invalid_grant", "authorization code expired");
    if (chal) {
        if (!verifier || strlen(verifier) < 43 || strlen(verifier) > 128)
            return oauth_error(r, 400, "invalid_grant", "code_verifier missing or malformed");
        char b64[64];
        eg__pkce_s256(verifier, b64);
        if (strcmp(b64, chal) != 0)
            return oauth_error(r, 400, "invalid_grant", "code_verifier does not match");
    } else if (strcmp(cl->type, "public") == 0) {
        return oauth_error(r, 400, "invalid_grant", "PKCE required");
    }
    id_account acc;
    if (eg__account_get(c, a, "id", aid, &acc) || strcmp(acc.status, "active") != 0)
        return oauth_error(r, 400, "invalid_grant", "account not active");
    rc = eg_tx_begin(c);
    int64_t n = 0;
    if (!rc)
        rc = eg_exec(c, &n, "UPDATE identity_codes SET used = 1 WHERE code_hash = ? AND used = 0",
                     "t", hash);
    if (!rc && n != 1) {
        eg_tx_rollback(c);
        return oauth_error(r, 400, "invalid_grant", "authorization code already used");
    }
    if (!rc)
        rc = grant_user_tokens(r, c, cl, &acc, scope, nonce, auth_time, fam, "authorization_code");
    if (rc) {
        eg_tx_rollback(c);
        return rc;
    }
    return eg_tx_commit(c);
}

static int grant_refresh(eg_req *r, eg_conn *c, const id_client *cl)
{
    const char *rt = eg__form(r, "refresh_token"), *req_scope = eg__form(r, "scope");
    if (!rt)
        return oauth_error(r, 400, "invalid_request", "refresh_token is required");
    if (!eg__list_has(cl->grants, "refresh_token"))
        return oauth_error(r, 400, "unauthorized_client", "client may not refresh");
    char hash[65];
    eg_sha256_hex(rt, strlen(rt), hash);
    eg_stmt *st;
    int rc = eg_query(c, &st,
                      "SELECT family, client_id, account_id, scope, auth_time, expires_ms, used, "
                      "revoked FROM identity_refresh WHERE token_hash = ?",
                      "t", hash);
    if (rc)
        return rc;
    if (eg_step(st) != EG_ROW) {
        eg_stmt_done(st);
        return oauth_error(r, 400, "invalid_grant", "unknown refresh token");
    }
    eg_arena *a = eg_req_arena(r);
    const char *fam = eg_arena_strdup(a, eg_col_text(st, 0));
    const char *ccid = eg_arena_strdup(a, eg_col_text(st, 1));
    const char *aid = eg_arena_strdup(a, eg_col_text(st, 2));
    const char *scope = eg_arena_strdup(a, eg_col_text(st, 3));
    int64_t auth_time = eg_col_int64(st, 4), exp = eg_col_int64(st, 5);
    int used = (int)eg_col_int64(st, 6), revoked = (int)eg_col_int64(st, 7);
    eg_stmt_done(st);
    if (strcmp(ccid, cl->client_id) != 0)
        return oauth_error(r, 400, "invalid_grant", "refresh token of another client");
    if (used) {
        rc = eg_tx_begin(c);
        if (!rc)
            rc = revoke_family(c, fam);
        if (!rc)
            rc = eg__audit(r, c, NULL, "identity.refresh.reuse", "user", aid, NULL,
                           json_pack("{s:s, s:s}", "family", fam, "client_id", ccid));
        if (rc)
            eg_tx_rollback(c);
        else
            eg_tx_commit(c);
        return oauth_error(r, 400, "invalid_grant",
                           "refresh token already used; the token family is revoked");
    }
    if (revoked || exp < eg_now_ms())
        return oauth_error(r, 400, "invalid_grant", "refresh token revoked or expired");
    if (req_scope && !scope_ok(scope, req_scope))
        return oauth_error(r, 400, "invalid_scope", "scope exceeds the original grant");
    id_account acc;
    if (eg__account_get(c, a, "id", aid, &acc) || strcmp(acc.status, "active") != 0)
        return oauth_error(r, 400, "invalid_grant", "account not active");
    rc = eg_tx_begin(c);
    int64_t n = 0;
    if (!rc)
        rc =
            eg_exec(c, &n, "UPDATE identity_refresh SET used = 1 WHERE token_hash = ? AND used = 0",
                    "t", hash);
    if (!rc && n != 1) {
        eg_tx_rollback(c);
        return oauth_error(r, 400, "invalid_grant", "refresh token already used");
    }
    if (!rc)
        rc = grant_user_tokens(r, c, cl, &acc, req_scope ? req_scope : scope, NULL, auth_time, fam,
                               "refresh_token");
    if (rc) {
        eg_tx_rollback(c);
        return rc;
    }
    return eg_tx_commit(c);
}

static int grant_client(eg_req *r, eg_conn *c, const id_client *cl)
{
    if (strcmp(cl->type, "confidential") != 0 || !eg__list_has(cl->grants, "client_credentials"))
        return oauth_error(r, 400, "unauthorized_client", "client may not use client_credentials");
    const char *scope = eg__form(r, "scope");
    if (!scope_ok(cl->scopes, scope))
        return oauth_error(r, 400, "invalid_scope", "scope not allowed for this client");
    if (!scope)
        scope = cl->scopes;
    eg_app *app = eg_req_app(r);
    char *at = NULL;
    json_t *claims = NULL;
    int rc = eg__issue_access(app, eg_req_arena(r), NULL, cl, scope, eg__id->access_ttl, NULL, &at,
                              &claims);
    if (!rc)
        rc = eg__audit_grouped(r, eg_arena_printf(eg_req_arena(r), "client:%s", cl->client_id),
                               "identity.token.issue", "oauth_client", cl->client_id,
                               cl->agency_code,
                               json_pack("{s:s, s:O}", "grant", "client_credentials", "jti",
                                         json_object_get(claims, "jti")));
    json_decref(claims);
    if (rc)
        return rc;
    eg_reply_header(r, "Cache-Control", "no-store");
    return eg_reply_json(r, 200,
                         json_pack("{s:s, s:s, s:I, s:s}", "access_token", at, "token_type",
                                   "Bearer", "expires_in", (json_int_t)eg__id->access_ttl, "scope",
                                   scope));
}

static int token(eg_req *r)
{
    eg_app *app = eg_req_app(r);
    eg_conn *c = eg_db_conn(app->db);
    int64_t now = eg_now_ms();
    char ipkey[96], ckey[160];
    snprintf(ipkey, sizeof(ipkey), "ip:%s", eg_req_client_ip(r));
    int wait = eg__throttle_check(ipkey, now);
    if (wait) {
        char s[16];
        snprintf(s, sizeof(s), "%d", wait);
        eg_reply_header(r, "Retry-After", s);
        return oauth_error(r, 429, "slow_down", "too many failed attempts");
    }
    const char *ct = eg_req_header(r, "Content-Type");
    if (!ct || strncasecmp(ct, "application/x-www-form-urlencoded", 33) != 0)
        return oauth_error(r, 400, "invalid_request",
                           "body must be application/x-www-form-urlencoded");
    id_client cl;
    const char *why = NULL;
    if (client_auth(r, &cl, 1, &why)) {
        eg__throttle_fail(ipkey, now);
        return oauth_error(r, 401, "invalid_client", why);
    }
    snprintf(ckey, sizeof(ckey), "client:%s", cl.client_id);
    wait = eg__throttle_check(ckey, now);
    if (wait) {
        char s[16];
        snprintf(s, sizeof(s), "%d", wait);
        eg_reply_header(r, "Retry-After", s);
        return oauth_error(r, 429, "slow_down", "too many failed attempts");
    }
    const char *gt = eg__form(r, "grant_type");
    if (!gt)
        return oauth_error(r, 400, "invalid_request", "grant_type is required");
    int rc;
    if (strcmp(gt, "client_credentials") == 0)
        rc = grant_client(r, c, &cl);
    else if (strcmp(gt, "authorization_code") == 0)
        rc = grant_code(r, c, &cl);
    else if (strcmp(gt, "refresh_token") == 0)
        rc = grant_refresh(r, c, &cl);
    else
        return oauth_error(r, 400, "unsupported_grant_type", "unsupported grant_type");
    return rc;
}

/* ------------------------------------------------------------------ userinfo */

static int userinfo(eg_req *r)
{
    const eg_principal *p = eg_principal_of(r);
    if (!p || p->via_session || !eg__list_has(p->scope, "openid")) {
        eg_reply_header(r, "WWW-Authenticate", "Bearer error=\"invalid_token\"");
        return eg_reply_json(r, 401, json_pack("{s:s}", "error", "invalid_token"));
    }
    json_t *roles = json_array();
    for (int i = 0; i < p->nroles; i++)
        json_array_append_new(roles, json_string(p->roles[i].role));
    json_t *j =
        json_pack("{s:s, s:o, s:o, s:s, s:o, s:o}", "sub", p->subject, "name",
                  eg_json_strn(p->name), "preferred_username", eg_json_strn(p->username), "kind",
                  p->kind, "agency_code", eg_json_strn(p->agency_code), "roles", roles);
    if (p->citizen_id)
        json_object_set_new(j, "citizen_id", json_string(p->citizen_id));
    if (p->tax_code)
        json_object_set_new(j, "tax_code", json_string(p->tax_code));
    eg_reply_header(r, "Cache-Control", "no-store");
    return eg_reply_json(r, 200, j);
}

/* ------------------------------------------------------------------ introspect, revoke */

static int lookup_refresh(eg_req *r, eg_conn *c, const char *tok, json_t **out, char *fam,
                          char *cid)
{
    char hash[65];
    eg_sha256_hex(tok, strlen(tok), hash);
    eg_stmt *st;
    int rc = eg_query(c, &st,
                      "SELECT family, client_id, account_id, scope, expires_ms, used, revoked, "
                      "created_ms FROM identity_refresh WHERE token_hash = ?",
                      "t", hash);
    if (rc)
        return rc;
    rc = EG_ENOTFOUND;
    if (eg_step(st) == EG_ROW) {
        snprintf(fam, 64, "%s", eg_col_text(st, 0));
        snprintf(cid, 128, "%s", eg_col_text(st, 1));
        int active =
            !eg_col_int64(st, 5) && !eg_col_int64(st, 6) && eg_col_int64(st, 4) > eg_now_ms();
        *out = active ? json_pack("{s:b, s:s, s:s, s:s, s:s, s:I, s:I}", "active", 1, "token_type",
                                  "refresh_token", "client_id", eg_col_text(st, 1), "sub",
                                  eg_col_text(st, 2), "scope", eg_col_text(st, 3), "exp",
                                  (json_int_t)(eg_col_int64(st, 4) / 1000), "iat",
                                  (json_int_t)(eg_col_int64(st, 7) / 1000))
                      : json_pack("{s:b}", "active", 0);
        rc = EG_OK;
    }
    eg_stmt_done(st);
    return rc;
}

static int introspect(eg_req *r)
{
    eg_app *app = eg_req_app(r);
    eg_conn *c = eg_db_conn(app->db);
    id_client cl;
    const char *why;
    if (client_auth(r, &cl, 0, &why))
        return oauth_error(r, 401, "invalid_client", why);
    const char *tok = eg__form(r, "token");
    if (!tok)
        return oauth_error(r, 400, "invalid_request", "token is required");
    eg_reply_header(r, "Cache-Control", "no-store");
    json_t *out = NULL;
    char fam[64], cid[128];
    if (lookup_refresh(r, c, tok, &out, fam, cid) == 0)
        return eg_reply_json(r, 200, out);
    /* Access token: authenticate it as a bearer would be. */
    eg_req_set_principal(r, NULL);
    const id_keyring *kr = eg__keys_lock();
    json_t *claims = NULL;
    int rc = eg__jws_verify(kr, tok, eg_now_ms(), (eg__id->access_ttl + 60) * 1000, &claims);
    eg__keys_unlock();
    if (rc || !json_object_get(claims, "jti") || !json_object_get(claims, "scope")) {
        json_decref(claims);
        return eg_reply_json(r, 200, json_pack("{s:b}", "active", 0));
    }
    char famkey[96];
    const char *f = eg_json_str(claims, "fam");
    snprintf(famkey, sizeof(famkey), "fam:%s", f ? f : "");
    int64_t one;
    if (eg_query_int64(c, &one, "SELECT 1 FROM identity_revoked WHERE rkey = ? OR rkey = ?", "tt",
                       eg_json_str(claims, "jti"), famkey) != EG_ENOTFOUND) {
        json_decref(claims);
        return eg_reply_json(r, 200, json_pack("{s:b}", "active", 0));
    }
    json_t *j = json_pack("{s:b, s:s}", "active", 1, "token_type", "access_token");
    const char *keys[] = {"scope", "client_id", "sub", "exp",         "iat",   "nbf",
                          "aud",   "iss",       "jti", "agency_code", "roles", "name"};
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        json_t *v = json_object_get(claims, keys[i]);
        if (v)
            json_object_set(j, keys[i], v);
    }
    json_t *u = json_object_get(claims, "preferred_username");
    if (u)
        json_object_set(j, "username", u);
    json_decref(claims);
    return eg_reply_json(r, 200, j);
}

static int revoke(eg_req *r)
{
    eg_app *app = eg_req_app(r);
    eg_conn *c = eg_db_conn(app->db);
    id_client cl;
    const char *why;
    if (client_auth(r, &cl, 1, &why))
        return oauth_error(r, 401, "invalid_client", why);
    const char *tok = eg__form(r, "token");
    if (!tok)
        return oauth_error(r, 400, "invalid_request", "token is required");
    json_t *info = NULL;
    char fam[64], cid[128];
    int rc = EG_OK;
    if (lookup_refresh(r, c, tok, &info, fam, cid) == 0) {
        json_decref(info);
        if (strcmp(cid, cl.client_id) == 0) {
            rc = eg_tx_begin(c);
            if (!rc)
                rc = revoke_family(c, fam);
            if (!rc)
                rc = eg__audit(
                    r, c, NULL, "identity.token.revoke", "oauth_client", cl.client_id, NULL,
                    json_pack("{s:s, s:s}", "token_type", "refresh_token", "family", fam));
            rc = rc ? eg_tx_rollback(c), rc : eg_tx_commit(c);
        }
    } else {
        const id_keyring *kr = eg__keys_lock();
        json_t *claims = NULL;
        int v = eg__jws_verify(kr, tok, eg_now_ms(), (eg__id->access_ttl + 60) * 1000, &claims);
        eg__keys_unlock();
        const char *tcid = v ? NULL : eg_json_str(claims, "client_id");
        const char *jti = v ? NULL : eg_json_str(claims, "jti");
        if (jti && tcid && strcmp(tcid, cl.client_id) == 0) {
            int64_t one;
            rc = eg_tx_begin(c);
            if (!rc && eg_query_int64(c, &one, "SELECT 1 FROM identity_revoked WHERE rkey = ?", "t",
                                      jti) == EG_ENOTFOUND)
                rc = eg_exec(c, NULL,
                             "INSERT INTO identity_revoked (rkey, expires_ms) VALUES (?, ?)", "tl",
                             jti, (int64_t)eg_json_int(claims, "exp", 0) * 1000 + 60000);
            if (!rc)
                rc = eg__audit(r, c, NULL, "identity.token.revoke", "oauth_client", cl.client_id,
                               NULL,
                               json_pack("{s:s, s:s}", "token_type", "access_token", "jti", jti));
            rc = rc ? eg_tx_rollback(c), rc : eg_tx_commit(c);
        }
        json_decref(claims);
    }
    if (rc)
        return rc;
    eg_reply_header(r, "Cache-Control", "no-store");
    return eg_reply(r, 200, "application/json", "{}", 2);
}

/* ------------------------------------------------------------------ logout */

static int logout(eg_req *r)
{
    eg_app *app = eg_req_app(r);
    const char *hint = eg_req_query(r, "id_token_hint");
    const char *post = eg_req_query(r, "post_logout_redirect_uri");
    const char *state = eg_req_query(r, "state");
    const char *cid = eg_req_query(r, "client_id");
    if (hint) {
        /* An expired ID token is still a valid hint: check the signature only. */
        id_jws j;
        if (eg__jws_parse(hint, strlen(hint), &j) == 0) {
            const char *aud = eg_json_str(j.payload, "aud");
            const id_keyring *kr = eg__keys_lock();
            json_t *claims = NULL;
            /* verify with exp ignored: pass a "now" before the token's iat */
            int64_t iat = eg_json_int(j.payload, "iat", 0);
            int ok = eg__jws_verify(kr, hint, iat * 1000, INT64_MAX / 4, &claims) == 0;
            eg__keys_unlock();
            json_decref(claims);
            if (ok && aud)
                cid = eg_arena_strdup(eg_req_arena(r), aud);
            eg__jws_clear(&j);
        }
    }
    eg__session_end(r);
    if (post && cid) {
        id_client cl;
        if (eg__client_get(eg_db_conn(app->db), eg_req_arena(r), cid, &cl) == 0) {
            char buf[1024];
            snprintf(buf, sizeof(buf), "%s", cl.post_logout_uris);
            for (char *save = NULL, *t = strtok_r(buf, " ", &save); t;
                 t = strtok_r(NULL, " ", &save)) {
                if (!uri_match(app, t, post))
                    continue;
                eg_buf b = EG_BUF_INIT;
                eg_buf_puts(&b, post);
                if (state) {
                    eg_buf_puts(&b, strchr(post, '?') ? "&state=" : "?state=");
                    eg_buf_urlencode(&b, state, strlen(state));
                }
                int rc = eg_reply_redirect(r, 302, b.data);
                eg_buf_free(&b);
                return rc;
            }
        }
    }
    static const char html[] =
        "<!doctype html><html lang=\"vi\"><head><meta charset=\"utf-8\"><title>Đã đăng xuất"
        "</title><link rel=\"stylesheet\" href=\"/lib/egov.css\"></head><body><main id=\"main\">"
        "<h1>Bạn đã đăng xuất</h1><p><a href=\"/login\">Đăng nhập lại</a></p></main></body>"
        "</html>\n";
    return eg_reply_html(r, 200, html, sizeof(html) - 1);
}

void eg__oidc_routes(eg_app *app, eg_http *h)
{
    eg_route_opts o = {.tag = "identity", .public_route = 1, .max_body = 16384};
    o.summary = "OpenID Connect discovery";
    eg_http_route(h, "GET", "/.well-known/openid-configuration", discovery, &o);
    o.summary = "JSON Web Key Set";
    eg_http_route(h, "GET", "/oauth2/jwks", jwks, &o);
    o.summary = "Authorization endpoint (code flow, PKCE S256)";
    eg_http_route(h, "GET", "/oauth2/authorize", authorize, &o);
    o.summary = "Token endpoint";
    eg_http_route(h, "POST", "/oauth2/token", token, &o);
    o.summary = "UserInfo";
    eg_http_route(h, "GET", "/oauth2/userinfo", userinfo, &o);
    eg_http_route(h, "POST", "/oauth2/userinfo", userinfo, &o);
    o.summary = "Token introspection (RFC 7662)";
    eg_http_route(h, "POST", "/oauth2/introspect", introspect, &o);
    o.summary = "Token revocation (RFC 7009)";
    eg_http_route(h, "POST", "/oauth2/revoke", revoke, &o);
    o.summary = "RP-initiated logout";
    eg_http_route(h, "GET", "/oauth2/logout", logout, &o);
}
