/*
 * federation.c - citizens sign in through an upstream OpenID Connect provider (the role
 * VNeID / the national portal play), configured by issuer URL and client credentials:
 *
 *   identity.upstream.issuer         https://sso.example.gov.vn
 *   identity.upstream.client_id      ...
 *   identity.upstream.client_secret  ...
 *   identity.upstream.name           VNeID              (button label)
 *   identity.upstream.id_claim       citizen_id         (claim with the 12-digit personal ID)
 *
 * GET /login/upstream?return=  -> authorization request (code + PKCE S256, state, nonce)
 * GET /login/upstream/callback -> code exchange (client_secret_basic), ID token verified
 * against the upstream JWKS (ES256/EdDSA), iss/aud/exp/nonce checked; the account is the
 * citizen with that personal ID (created, without a password, on first sign-in).
 * The pending request is a short-lived identity_sessions row keyed by the state's hash.
 */
#include <string.h>
#include <curl/curl.h>
#include <openssl/core_names.h>
#include <openssl/param_build.h>
#include "identity/internal.h"

static size_t on_body(char *p, size_t sz, size_t n, void *ud)
{
    eg_buf *b = ud;
    if (b->len + sz * n > (1 << 20))
        return 0;
    eg_buf_append(b, p, sz * n);
    return sz * n;
}

/* GET (form == NULL) or POST form with HTTP Basic; parses a JSON object reply. */
static json_t *http_json(const char *url, const char *form, const char *user, const char *pass)
{
    CURL *c = curl_easy_init();
    if (!c)
        return NULL;
    eg_buf b = EG_BUF_INIT;
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    if (form) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, form);
        curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
        curl_easy_setopt(c, CURLOPT_USERNAME, user);
        curl_easy_setopt(c, CURLOPT_PASSWORD, pass);
    }
    long status = 0;
    CURLcode cr = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(c);
    json_t *j = NULL;
    if (cr == CURLE_OK && status == 200 && b.len) {
        char err[64];
        j = eg_json_parse(b.data, b.len, 16, err, sizeof(err));
        if (j && !json_is_object(j)) {
            json_decref(j);
            j = NULL;
        }
    }
    eg_buf_free(&b);
    return j;
}

/* Public key from a JWK (EC P-256 or OKP Ed25519); NULL for anything else. */
static EVP_PKEY *jwk_import(const json_t *k, int *alg)
{
    const char *kty = eg_json_str(k, "kty"), *crv = eg_json_str(k, "crv");
    const char *x = eg_json_str(k, "x"), *y = eg_json_str(k, "y");
    if (!kty || !crv || !x)
        return NULL;
    eg_buf bx = EG_BUF_INIT, by = EG_BUF_INIT;
    EVP_PKEY *pk = NULL;
    if (strcmp(kty, "OKP") == 0 && strcmp(crv, "Ed25519") == 0) {
        if (eg_b64url_decode(x, strlen(x), &bx) == 0 && bx.len == 32)
            pk = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, (const unsigned char *)bx.data,
                                             32);
        *alg = ID_ALG_EDDSA;
    } else if (strcmp(kty, "EC") == 0 && strcmp(crv, "P-256") == 0 && y &&
               eg_b64url_decode(x, strlen(x), &bx) == 0 && bx.len == 32 &&
               eg_b64url_decode(y, strlen(y), &by) == 0 && by.len == 32) {
        unsigned char pt[65];
        pt[0] = 4;
        memcpy(pt + 1, bx.data, 32);
        memcpy(pt + 33, by.data, 32);
        OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
        OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0);
        OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pt, sizeof(pt));
        OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
        EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
        if (ctx && EVP_PKEY_fromdata_init(ctx) == 1)
            EVP_PKEY_fromdata(ctx, &pk, EVP_PKEY_PUBLIC_KEY, params);
        EVP_PKEY_CTX_free(ctx);
        OSSL_PARAM_free(params);
        OSSL_PARAM_BLD_free(bld);
        *alg = ID_ALG_ES256;
    }
    eg_buf_free(&bx);
    eg_buf_free(&by);
    return pk;
}

id_keyring *eg__keyring_from_jwks(const json_t *jwks)
{
    id_keyring *kr = eg_calloc(1, sizeof(*kr));
    size_t i;
    json_t *k;
    json_array_foreach(json_object_get(jwks, "keys"), i, k)
    {
        if (kr->n >= 32)
            break;
        int alg = 0;
        EVP_PKEY *pk = jwk_import(k, &alg);
        if (!pk)
            continue;
        id_key *d = &kr->keys[kr->n++];
        snprintf(d->kid, sizeof(d->kid), "%s", eg_json_str(k, "kid") ? eg_json_str(k, "kid") : "");
        d->alg = alg;
        d->pkey = pk;
    }
    return kr;
}

static const char *up(eg_app *app, const char *key)
{
    char k[96];
    snprintf(k, sizeof(k), "identity.upstream.%s", key);
    return eg_config_get(app->cfg, k, NULL);
}

static json_t *discovery(eg_app *app)
{
    char url[1024];
    snprintf(url, sizeof(url), "%s/.well-known/openid-configuration", up(app, "issuer"));
    json_t *d = http_json(url, NULL, NULL, NULL);
    if (d && (!eg_json_str(d, "issuer") || strcmp(eg_json_str(d, "issuer"), up(app, "issuer")) ||
              !eg_json_str(d, "authorization_endpoint") || !eg_json_str(d, "token_endpoint") ||
              !eg_json_str(d, "jwks_uri"))) {
        json_decref(d);
        d = NULL;
    }
    return d;
}

static int fail_page(eg_req *r, int status, const char *msg)
{
    eg_buf b = EG_BUF_INIT;
    eg_buf_puts(&b,
                "<!doctype html><html lang=\"vi\"><head><meta charset=\"utf-8\">"
                "<title>Lỗi đăng nhập</title><link rel=\"stylesheet\" href=\"/lib/egov.css\">"
                "</head><body><main id=\"main\"><h1>Không thể đăng nhập</h1><p role=\"alert\">");
    eg_buf_html(&b, msg);
    eg_buf_puts(&b, "</p><p><a href=\"/login\">Quay lại trang đăng nhập</a></p></main></body>"
                    "</html>\n");
    int rc = eg_reply_html(r, status, b.data, b.len);
    eg_buf_free(&b);
    return rc;
}

static int start(eg_req *r)
{
    eg_app *app = eg_req_app(r);
    if (!up(app, "issuer") || !up(app, "client_id"))
        return fail_page(r, 404, "Chưa cấu hình nhà cung cấp định danh bên ngoài.");
    json_t *d = discovery(app);
    if (!d)
        return fail_page(r, 502, "Không kết nối được nhà cung cấp định danh bên ngoài.");
    eg_arena *a = eg_req_arena(r);
    char *state = eg_random_token(a, 24), *nonce = eg_random_token(a, 24);
    char *verifier = eg_random_token(a, 32), chal[64], hash[65];
    eg__pkce_s256(verifier, chal);
    eg_sha256_hex(state, strlen(state), hash);
    const char *ret = eg_req_query(r, "return");
    json_t *pend = json_pack("{s:s, s:s, s:s}", "verifier", verifier, "nonce", nonce, "return",
                             ret && ret[0] == '/' && ret[1] != '/' ? ret : "/");
    char *stage = eg_arena_printf(a, "upstream:%s", eg_json_dump_arena(a, pend));
    json_decref(pend);
    int64_t now = eg_now_ms();
    int rc = eg_exec(eg_db_conn(app->db), NULL,
                     "INSERT INTO identity_sessions (id_hash, account_id, stage, csrf, created_ms, "
                     "expires_ms) VALUES (?,?,?,?,?,?)",
                     "ttttll", hash, "", stage, "", now, now + 600000);
    if (rc) {
        json_decref(d);
        return rc;
    }
    eg_buf u = EG_BUF_INIT;
    const char *cb = eg_arena_printf(a, "%s/login/upstream/callback", eg__issuer(app));
    eg_buf_printf(&u, "%s%sresponse_type=code&scope=openid%%20profile&client_id=",
                  eg_json_str(d, "authorization_endpoint"),
                  strchr(eg_json_str(d, "authorization_endpoint"), '?') ? "&" : "?");
    eg_buf_urlencode(&u, up(app, "client_id"), strlen(up(app, "client_id")));
    eg_buf_puts(&u, "&redirect_uri=");
    eg_buf_urlencode(&u, cb, strlen(cb));
    eg_buf_printf(&u, "&state=%s&nonce=%s&code_challenge=%s&code_challenge_method=S256", state,
                  nonce, chal);
    json_decref(d);
    rc = eg_reply_redirect(r, 302, u.data);
    eg_buf_free(&u);
    return rc;
}

static int callback(eg_req *r)
{
    eg_app *app = eg_req_app(r);
    eg_conn *c = eg_db_conn(app->db);
    eg_arena *a = eg_req_arena(r);
    const char *state = eg_req_query(r, "state"), *code = eg_req_query(r, "code");
    if (!state || !code || !up(app, "issuer"))
        return fail_page(r, 400, "Thiếu tham số từ nhà cung cấp định danh.");
    if (eg_req_query(r, "iss") && strcmp(eg_req_query(r, "iss"), up(app, "issuer")) != 0)
        return fail_page(r, 400, "Phản hồi không đến từ nhà cung cấp đã cấu hình.");
    char hash[65], *stage = NULL;
    eg_sha256_hex(state, strlen(state), hash);
    if (eg_query_text(c, a, &stage,
                      "SELECT stage FROM identity_sessions WHERE id_hash = ? AND expires_ms > ?",
                      "tl", hash, eg_now_ms()) ||
        strncmp(stage, "upstream:", 9) != 0)
        return fail_page(r, 400, "Yêu cầu đăng nhập không hợp lệ hoặc đã hết hạn.");
    eg_exec(c, NULL, "DELETE FROM identity_sessions WHERE id_hash = ?", "t", hash); /* one use */
    char err[64];
    json_t *pend = eg_json_parse(stage + 9, strlen(stage + 9), 4, err, sizeof(err));
    json_t *d = discovery(app);
    if (!pend || !d) {
        json_decref(pend);
        json_decref(d);
        return fail_page(r, 502, "Không kết nối được nhà cung cấp định danh bên ngoài.");
    }
    eg_buf form = EG_BUF_INIT;
    const char *cb = eg_arena_printf(a, "%s/login/upstream/callback", eg__issuer(app));
    eg_buf_puts(&form, "grant_type=authorization_code&code=");
    eg_buf_urlencode(&form, code, strlen(code));
    eg_buf_puts(&form, "&redirect_uri=");
    eg_buf_urlencode(&form, cb, strlen(cb));
    eg_buf_printf(&form, "&code_verifier=%s", eg_json_str(pend, "verifier"));
    json_t *tok = http_json(eg_json_str(d, "token_endpoint"), form.data, up(app, "client_id"),
                            eg_config_get(app->cfg, "identity.upstream.client_secret", ""));
    eg_buf_free(&form);
    json_t *jwks = tok ? http_json(eg_json_str(d, "jwks_uri"), NULL, NULL, NULL) : NULL;
    json_t *claims = NULL;
    const char *why = NULL;
    if (!tok || !eg_json_str(tok, "id_token") || !jwks) {
        why = "Nhà cung cấp định danh từ chối mã xác thực.";
    } else {
        id_keyring *kr = eg__keyring_from_jwks(jwks);
        if (eg__jws_verify(kr, eg_json_str(tok, "id_token"), eg_now_ms(), 0, &claims))
            why = "Mã định danh (ID token) không hợp lệ.";
        eg__keys_free(kr);
    }
    if (!why) {
        json_t *aud = json_object_get(claims, "aud");
        int aud_ok =
            json_is_string(aud) && strcmp(json_string_value(aud), up(app, "client_id")) == 0;
        for (size_t i = 0; !aud_ok && json_is_array(aud) && i < json_array_size(aud); i++)
            aud_ok = json_is_string(json_array_get(aud, i)) &&
                     strcmp(json_string_value(json_array_get(aud, i)), up(app, "client_id")) == 0;
        const char *iss = eg_json_str(claims, "iss"), *nonce = eg_json_str(claims, "nonce");
        if (!aud_ok || !iss || strcmp(iss, up(app, "issuer")) != 0 || !nonce ||
            strcmp(nonce, eg_json_str(pend, "nonce")) != 0)
            why = "Mã định danh (ID token) không dành cho hệ thống này.";
    }
    const char *claim = eg_config_get(app->cfg, "identity.upstream.id_claim", "citizen_id");
    const char *pid = why ? NULL : eg_json_str(claims, claim);
    if (!why && (!pid || !eg_valid_personal_id(pid)))
        why = "Tài khoản bên ngoài không có số định danh cá nhân hợp lệ.";
    id_account acc;
    int rc = EG_OK;
    if (!why) {
        rc = eg__account_get(c, a, "citizen_id", pid, &acc);
        if (rc == EG_ENOTFOUND) {
            const char *name = eg_json_str(claims, "name");
            id_new_account na = {.username = eg_arena_printf(a, "cd.%s", pid),
                                 .name = name && *name ? name : pid,
                                 .kind = "citizen",
                                 .citizen_id = pid};
            char id[27], e2[200];
            rc = eg__account_create(app, &na, "upstream", id, e2, sizeof(e2));
            if (!rc)
                rc = eg__account_get(c, a, "id", id, &acc);
        }
        if (!rc && strcmp(acc.status, "active") != 0)
            why = "Tài khoản đã bị khoá.";
        else if (rc)
            why = "Không liên kết được tài khoản.";
    }
    const char *ret = eg_arena_strdup(a, eg_json_str(pend, "return"));
    json_decref(pend);
    json_decref(d);
    json_decref(tok);
    json_decref(jwks);
    json_decref(claims);
    if (why) {
        eg_tx_begin(c);
        eg__audit(r, c, "upstream", "identity.login.failed", "user", NULL, NULL,
                  json_pack("{s:s, s:s}", "reason", "upstream", "detail", why));
        eg_tx_commit(c);
        return fail_page(r, 401, why);
    }
    rc = eg_tx_begin(c);
    if (!rc)
        rc = eg__audit(r, c, acc.username, "identity.login.success", "user", acc.id, NULL,
                       json_pack("{s:s, s:s}", "method", "upstream", "issuer", up(app, "issuer")));
    if (!rc)
        rc = eg__session_start(r, acc.id, ret);
    if (rc) {
        eg_tx_rollback(c);
        return rc;
    }
    return eg_tx_commit(c);
}

void eg__federation_routes(eg_app *app, eg_http *h)
{
    eg_route_opts o = {.tag = "identity", .public_route = 1};
    o.summary = "Sign in through the upstream identity provider";
    eg_http_route(h, "GET", "/login/upstream", start, &o);
    o.summary = "Upstream identity provider callback";
    eg_http_route(h, "GET", "/login/upstream/callback", callback, &o);
}
