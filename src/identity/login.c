/*
 * login.c - browser sessions, the Vietnamese login page (password, then TOTP when
 * enrolled; TOTP enrolment when an admin role demands it), "my account" TOTP enrolment,
 * and logout.
 *
 * Session cookie egov_session: 32 random bytes, HttpOnly, SameSite=Strict; only its
 * SHA-256 is stored. CSRF: double submit - egov_csrf cookie (readable by JS) must equal the
 * X-CSRF-Token header (API) or the hidden "csrf" field (login form). A session row's stage
 * is "active", "totp" (password ok, code pending) or "enrol:<secret>" (admin must enrol).
 */
#include <string.h>
#include "identity/internal.h"

/* ------------------------------------------------------------------ forms */

const char *eg__form(eg_req *r, const char *name)
{
    size_t n = 0;
    const char *body = eg_req_body(r, &n);
    size_t kl = strlen(name);
    const char *p = body, *end = body + n;
    while (p < end) {
        const char *amp = memchr(p, '&', (size_t)(end - p));
        const char *e = amp ? amp : end;
        const char *eq = memchr(p, '=', (size_t)(e - p));
        if (eq) {
            eg_buf k = EG_BUF_INIT;
            int ok = eg_url_decode_query(p, (size_t)(eq - p), &k) == 0 && k.len == kl &&
                     memcmp(k.data, name, kl) == 0;
            eg_buf_free(&k);
            if (ok) {
                eg_buf v = EG_BUF_INIT;
                if (eg_url_decode_query(eq + 1, (size_t)(e - eq - 1), &v)) {
                    eg_buf_free(&v);
                    return NULL;
                }
                char *s = eg_arena_strndup(eg_req_arena(r), v.data ? v.data : "", v.len);
                eg_buf_free(&v);
                return s;
            }
        }
        p = e + 1;
    }
    return NULL;
}

/* ------------------------------------------------------------------ sessions */

static void hash_token(const char *tok, char out[65])
{
    eg_sha256_hex(tok, strlen(tok), out);
}

static int session_row(eg_req *r, char hash[65], char **account_id, char **stage)
{
    const char *tok = eg_req_cookie(r, "egov_session");
    if (!tok || strlen(tok) < 20 || strlen(tok) > 100)
        return EG_ENOTFOUND;
    hash_token(tok, hash);
    eg_app *app = eg_req_app(r);
    eg_stmt *st;
    int rc = eg_query(eg_db_conn(app->db), &st,
                      "SELECT account_id, stage FROM identity_sessions WHERE id_hash = ? AND "
                      "expires_ms > ?",
                      "tl", hash, eg_now_ms());
    if (rc)
        return rc;
    rc = eg_step(st);
    if (rc == EG_ROW) {
        *account_id = eg_arena_strdup(eg_req_arena(r), eg_col_text(st, 0));
        *stage = eg_arena_strdup(eg_req_arena(r), eg_col_text(st, 1));
        rc = EG_OK;
    } else {
        rc = EG_ENOTFOUND;
    }
    eg_stmt_done(st);
    return rc;
}

int eg__session_account(eg_req *r, eg_arena *a, id_account *acc)
{
    char hash[65], *aid, *stage;
    if (session_row(r, hash, &aid, &stage) || strcmp(stage, "active") != 0)
        return EG_ENOTFOUND;
    eg_app *app = eg_req_app(r);
    int rc = eg__account_get(eg_db_conn(app->db), a, "id", aid, acc);
    if (rc || strcmp(acc->status, "active") != 0)
        return EG_ENOTFOUND;
    return EG_OK;
}

static void set_cookie(eg_req *r, const char *name, const char *value, int http_only,
                       int64_t max_age)
{
    eg_reply_header(r, "Set-Cookie",
                    eg_arena_printf(eg_req_arena(r),
                                    "%s=%s; Path=/; SameSite=Strict%s; Max-Age=%lld", name, value,
                                    http_only ? "; HttpOnly" : "", (long long)max_age));
}

/* The CSRF token of this browser (existing cookie, else a new one set on the reply). */
static const char *csrf_token(eg_req *r)
{
    const char *c = eg_req_cookie(r, "egov_csrf");
    if (c && strlen(c) >= 20 && strlen(c) < 100)
        return c;
    char *t = eg_random_token(eg_req_arena(r), 24);
    set_cookie(r, "egov_csrf", t, 0, 30LL * 86400);
    return t;
}

static int new_session(eg_req *r, const char *account_id, const char *stage)
{
    eg_app *app = eg_req_app(r);
    char *tok = eg_random_token(eg_req_arena(r), 32), hash[65];
    hash_token(tok, hash);
    int64_t now = eg_now_ms();
    int rc = eg_exec(eg_db_conn(app->db), NULL,
                     "INSERT INTO identity_sessions (id_hash, account_id, stage, csrf, "
                     "created_ms, expires_ms) VALUES (?,?,?,?,?,?)",
                     "ttttll", hash, account_id, stage, "", now,
                     now + (strcmp(stage, "active") == 0 ? eg__id->session_ttl * 1000 : 600000));
    if (!rc)
        set_cookie(r, "egov_session", tok, 1, eg__id->session_ttl);
    return rc;
}

/* ------------------------------------------------------------------ page */

static const char *safe_return(const char *ret)
{
    if (!ret || ret[0] != '/' || ret[1] == '/' || ret[1] == '\\' || strlen(ret) > 2000 ||
        strpbrk(ret, "\r\n"))
        return "/";
    return ret;
}

/* Renders the login page. step: "password", "totp" or "enrol". */
static int page(eg_req *r, int status, const char *step, const char *error, const char *ret,
                const char *username, const char *secret)
{
    const char *csrf = csrf_token(r);
    eg_buf b = EG_BUF_INIT;
    eg_buf_puts(&b, "<!doctype html>\n<html lang=\"vi\"><head><meta charset=\"utf-8\">"
                    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                    "<title>Đăng nhập - Cổng dịch vụ công</title>"
                    "<link rel=\"stylesheet\" href=\"/lib/egov.css\">"
                    "<link rel=\"stylesheet\" href=\"/portal/login.css\"></head><body>"
                    "<header class=\"site-header\"><p class=\"site-name\">Cổng dịch vụ công"
                    "</p></header><main id=\"main\" class=\"login\">"
                    "<h1>Đăng nhập</h1>");
    if (error) {
        eg_buf_puts(&b, "<p class=\"error\" role=\"alert\" id=\"login-error\">");
        eg_buf_html(&b, error);
        eg_buf_puts(&b, "</p>");
    }
    eg_buf_puts(&b, "<form method=\"post\" action=\"/login\" id=\"login-form\">"
                    "<input type=\"hidden\" name=\"csrf\" value=\"");
    eg_buf_html(&b, csrf);
    eg_buf_puts(&b, "\"><input type=\"hidden\" name=\"return\" value=\"");
    eg_buf_html(&b, safe_return(ret));
    eg_buf_puts(&b, "\">");
    if (strcmp(step, "password") == 0) {
        eg_buf_puts(&b, "<p><label for=\"username\">Tên đăng nhập</label><br>"
                        "<input id=\"username\" name=\"username\" autocomplete=\"username\" "
                        "required maxlength=\"64\" value=\"");
        eg_buf_html(&b, username ? username : "");
        eg_buf_puts(&b, "\"></p><p><label for=\"password\">Mật khẩu</label><br>"
                        "<input id=\"password\" name=\"password\" type=\"password\" "
                        "autocomplete=\"current-password\" required maxlength=\"200\"></p>");
    } else {
        if (strcmp(step, "enrol") == 0) {
            eg_buf_puts(&b, "<p>Tài khoản quản trị bắt buộc xác thực hai lớp. Thêm khoá sau vào "
                            "ứng dụng xác thực (TOTP, 6 chữ số, 30 giây) rồi nhập mã:</p>"
                            "<p><code id=\"totp-secret\">");
            eg_buf_html(&b, secret ? secret : "");
            eg_buf_puts(&b, "</code></p>");
        } else {
            eg_buf_puts(&b, "<p>Nhập mã xác thực 6 chữ số từ ứng dụng xác thực.</p>");
        }
        eg_buf_puts(&b, "<p><label for=\"totp\">Mã xác thực</label><br>"
                        "<input id=\"totp\" name=\"totp\" inputmode=\"numeric\" "
                        "autocomplete=\"one-time-code\" pattern=\"[0-9]{6}\" required "
                        "maxlength=\"6\"></p>");
    }
    eg_buf_puts(&b, "<p><button type=\"submit\" id=\"login-submit\">Đăng nhập</button></p></form>"
                    "</main></body></html>\n");
    eg_reply_header(r, "Cache-Control", "no-store");
    int rc = eg_reply_html(r, status, b.data, b.len);
    eg_buf_free(&b);
    return rc;
}

static int login_get(eg_req *r)
{
    return page(r, 200, "password", NULL, eg_req_query(r, "return"), NULL, NULL);
}

static int finish(eg_req *r, const char *account_id, const char *old_hash, const char *ret)
{
    eg_app *app = eg_req_app(r);
    eg_conn *c = eg_db_conn(app->db);
    if (old_hash)
        eg_exec(c, NULL, "DELETE FROM identity_sessions WHERE id_hash = ?", "t", old_hash);
    int rc = new_session(r, account_id, "active");
    if (rc)
        return rc;
    /* A fresh CSRF token for the new session. */
    set_cookie(r, "egov_csrf", eg_random_token(eg_req_arena(r), 24), 0, 30LL * 86400);
    return eg_reply_redirect(r, 303, safe_return(ret));
}

static int too_many(eg_req *r, int wait, const char *ret)
{
    char s[32];
    snprintf(s, sizeof(s), "%d", wait);
    eg_reply_header(r, "Retry-After", s);
    char msg[160];
    snprintf(msg, sizeof(msg), "Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau %d giây.", wait);
    return page(r, 429, "password", msg, ret, NULL, NULL);
}

static int login_post(eg_req *r)
{
    eg_app *app = eg_req_app(r);
    eg_conn *c = eg_db_conn(app->db);
    const char *ret = eg__form(r, "return");
    const char *csrf = eg__form(r, "csrf"), *cookie = eg_req_cookie(r, "egov_csrf");
    if (!csrf || !cookie || !eg_ct_equal(csrf, strlen(csrf), cookie, strlen(cookie)))
        return page(r, 403, "password", "Phiên biểu mẫu đã hết hạn, vui lòng đăng nhập lại.", ret,
                    NULL, NULL);
    int64_t now = eg_now_ms();
    char ipkey[96];
    snprintf(ipkey, sizeof(ipkey), "ip:%s", eg_req_client_ip(r));
    const char *totp = eg__form(r, "totp");
    if (totp) {
        char hash[65], *aid, *stage;
        if (session_row(r, hash, &aid, &stage) || strcmp(stage, "active") == 0)
            return page(r, 400, "password", "Phiên đăng nhập đã hết hạn, vui lòng đăng nhập lại.",
                        ret, NULL, NULL);
        id_account acc;
        if (eg__account_get(c, eg_req_arena(r), "id", aid, &acc))
            return page(r, 400, "password", "Tài khoản không còn tồn tại.", ret, NULL, NULL);
        char akey[96];
        snprintf(akey, sizeof(akey), "acct:%s", acc.username);
        int wait = eg__throttle_check(akey, now);
        if (!wait)
            wait = eg__throttle_check(ipkey, now);
        if (wait)
            return too_many(r, wait, ret);
        int enrol = strncmp(stage, "enrol:", 6) == 0;
        const char *secret = enrol ? stage + 6 : acc.totp_secret;
        int64_t step = eg__totp_check(secret, totp, now / 1000, acc.totp_last_step);
        if (step < 0) {
            eg__throttle_fail(akey, now);
            eg__throttle_fail(ipkey, now);
            eg__audit(r, c, acc.username, "identity.login.failed", "user", acc.id, acc.agency_code,
                      json_pack("{s:s}", "reason", "totp"));
            return page(r, 401, enrol ? "enrol" : "totp", "Mã xác thực không đúng.", ret, NULL,
                        enrol ? secret : NULL);
        }
        int rc = eg_tx_begin(c);
        if (!rc)
            rc = eg_exec(c, NULL,
                         "UPDATE identity_accounts SET totp_last_step = ?, totp_secret = ? "
                         "WHERE id = ?",
                         "ltt", step, secret, acc.id);
        if (!rc)
            rc = eg__audit(r, c, acc.username, "identity.login.success", "user", acc.id,
                           acc.agency_code,
                           json_pack("{s:s, s:b}", "method", "password+totp", "enrolled", enrol));
        if (!rc)
            rc = finish(r, acc.id, hash, ret);
        if (rc) {
            eg_tx_rollback(c);
            return rc;
        }
        eg__throttle_reset(akey);
        return eg_tx_commit(c);
    }
    const char *username = eg__form(r, "username"), *password = eg__form(r, "password");
    if (!username || !password || !*username)
        return page(r, 400, "password", "Vui lòng nhập tên đăng nhập và mật khẩu.", ret, username,
                    NULL);
    char akey[96];
    snprintf(akey, sizeof(akey), "acct:%.80s", username);
    int wait = eg__throttle_check(akey, now);
    if (!wait)
        wait = eg__throttle_check(ipkey, now);
    if (wait)
        return too_many(r, wait, ret);
    id_account acc;
    int found = eg__account_get(c, eg_req_arena(r), "username", username, &acc) == 0;
    /* Verify against a fixed dummy hash when the account is unknown (same timing). */
    static const char dummy[] = "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$"
                                "0JgKxzJ1p7Z0zS+eWmUZQwz9s8Hn7mE0tq4uQyYgGZk";
    int ok = eg__pw_verify(found && acc.password_hash ? acc.password_hash : dummy, password) &&
             found && acc.password_hash && strcmp(acc.status, "active") == 0;
    if (!ok) {
        eg__throttle_fail(akey, now);
        eg__throttle_fail(ipkey, now);
        eg_tx_begin(c);
        eg__audit(r, c, username, "identity.login.failed", "user", found ? acc.id : NULL,
                  found ? acc.agency_code : NULL,
                  json_pack("{s:s}", "reason", found ? "password" : "unknown_user"));
        eg_tx_commit(c);
        return page(r, 401, "password", "Tên đăng nhập hoặc mật khẩu không đúng.", ret, username,
                    NULL);
    }
    int admin = 0;
    for (int i = 0; i < acc.nroles; i++)
        admin |= eg__role_is_admin(acc.roles[i].role);
    if (acc.totp_secret) {
        int rc = new_session(r, acc.id, "totp");
        return rc ? rc : page(r, 200, "totp", NULL, ret, NULL, NULL);
    }
    if (admin && eg__id->require_totp_admin) {
        char secret[33];
        eg__totp_new_secret(secret);
        char stage[48];
        snprintf(stage, sizeof(stage), "enrol:%s", secret);
        int rc = new_session(r, acc.id, stage);
        return rc ? rc : page(r, 200, "enrol", NULL, ret, NULL, secret);
    }
    int rc = eg_tx_begin(c);
    if (!rc)
        rc = eg__audit(r, c, acc.username, "identity.login.success", "user", acc.id,
                       acc.agency_code, json_pack("{s:s}", "method", "password"));
    if (!rc)
        rc = finish(r, acc.id, NULL, ret);
    if (rc) {
        eg_tx_rollback(c);
        return rc;
    }
    eg__throttle_reset(akey);
    return eg_tx_commit(c);
}

/* Ends the browser session (used by /oauth2/logout and POST /logout). */
void eg__session_end(eg_req *r)
{
    char hash[65], *aid, *stage;
    if (session_row(r, hash, &aid, &stage) == 0) {
        eg_app *app = eg_req_app(r);
        eg_conn *c = eg_db_conn(app->db);
        eg_tx_begin(c);
        eg_exec(c, NULL, "DELETE FROM identity_sessions WHERE id_hash = ?", "t", hash);
        eg__audit(r, c, NULL, "identity.logout", "user", aid, NULL, NULL);
        eg_tx_commit(c);
    }
    set_cookie(r, "egov_session", "", 1, 0);
}

/* POST /logout (form or fetch, CSRF-checked by the core) */
static int logout_post(eg_req *r)
{
    eg__session_end(r);
    return eg_reply_redirect(r, 303, "/");
}

/* POST /api/v1/me/totp : starts enrolment, returns a new secret + otpauth URI.
 * POST /api/v1/me/totp/confirm {code}: checks the code, stores the secret. Session only. */
static int totp_start(eg_req *r)
{
    const eg_principal *p;
    int rc = eg_require_principal(r, &p);
    if (rc)
        return rc;
    if (!p->username)
        return eg_req_fail(r, EG_EFORBIDDEN, "Chỉ tài khoản người dùng mới đăng ký TOTP");
    char secret[33];
    eg__totp_new_secret(secret);
    char *id = eg_random_token(eg_req_arena(r), 12);
    eg_app *app = eg_req_app(r);
    eg_conn *c = eg_db_conn(app->db);
    /* Pending secret kept as a short-lived session row of stage "pending:<secret>". */
    char hash[65];
    eg_sha256_hex(id, strlen(id), hash);
    int64_t now = eg_now_ms();
    rc = eg_exec(c, NULL,
                 "INSERT INTO identity_sessions (id_hash, account_id, stage, csrf, created_ms, "
                 "expires_ms) VALUES (?,?,?,?,?,?)",
                 "ttttll", hash, p->subject, eg_arena_printf(eg_req_arena(r), "pending:%s", secret),
                 "", now, now + 600000);
    if (rc)
        return rc;
    eg_buf uri = EG_BUF_INIT;
    eg_buf_puts(&uri, "otpauth://totp/egov:");
    eg_buf_urlencode(&uri, p->username, strlen(p->username));
    eg_buf_printf(&uri, "?secret=%s&issuer=egov&digits=6&period=30", secret);
    json_t *j = json_pack("{s:s, s:s, s:s}", "enrolment_id", id, "secret", secret, "otpauth_uri",
                          eg_buf_cstr(&uri));
    eg_buf_free(&uri);
    return eg_reply_json(r, 201, j);
}

static int totp_confirm(eg_req *r)
{
    const eg_principal *p;
    int rc = eg_require_principal(r, &p);
    if (rc)
        return rc;
    json_t *body = eg_req_json(r, &rc);
    if (!body)
        return rc;
    const char *id = eg_json_str(body, "enrolment_id"), *code = eg_json_str(body, "code");
    eg_app *app = eg_req_app(r);
    eg_conn *c = eg_db_conn(app->db);
    char hash[65];
    char *stage = NULL;
    if (id)
        eg_sha256_hex(id, strlen(id), hash);
    if (!id || !code ||
        eg_query_text(c, eg_req_arena(r), &stage,
                      "SELECT stage FROM identity_sessions WHERE id_hash = ? AND account_id = ? "
                      "AND expires_ms > ?",
                      "ttl", hash, p->subject, eg_now_ms()) ||
        strncmp(stage, "pending:", 8) != 0) {
        json_decref(body);
        return eg_req_fail_field(r, EG_EUNPROCESSABLE, "enrolment_id",
                                 "Không có yêu cầu đăng ký TOTP đang chờ");
    }
    int64_t step = eg__totp_check(stage + 8, code, eg_now_ms() / 1000, 0);
    json_decref(body);
    if (step < 0)
        return eg_req_fail_field(r, EG_EUNPROCESSABLE, "code", "Mã xác thực không đúng");
    rc = eg_tx_begin(c);
    if (!rc)
        rc =
            eg_exec(c, NULL,
                    "UPDATE identity_accounts SET totp_secret = ?, totp_last_step = ? WHERE id = ?",
                    "tlt", stage + 8, step, p->subject);
    if (!rc)
        rc = eg_exec(c, NULL, "DELETE FROM identity_sessions WHERE id_hash = ?", "t", hash);
    if (!rc)
        rc = eg__audit(r, c, NULL, "identity.totp.enrol", "user", p->subject, p->agency_code, NULL);
    if (rc) {
        eg_tx_rollback(c);
        return rc;
    }
    rc = eg_tx_commit(c);
    return rc ? rc : eg_reply_json(r, 200, json_pack("{s:b}", "totp_enrolled", 1));
}

void eg__login_routes(eg_app *app, eg_http *h)
{
    eg_route_opts pub = {.tag = "identity", .public_route = 1, .max_body = 16384};
    pub.summary = "Login page";
    eg_http_route(h, "GET", "/login", login_get, &pub);
    pub.summary = "Login form submission (password, then TOTP)";
    eg_http_route(h, "POST", "/login", login_post, &pub);
    eg_route_opts o = {.tag = "identity", .max_body = 4096};
    o.summary = "End the browser session";
    eg_http_route(h, "POST", "/logout", logout_post, &o);
    o.summary = "Start TOTP enrolment";
    eg_http_route(h, "POST", "/api/v1/me/totp", totp_start, &o);
    o.summary = "Confirm TOTP enrolment with a code";
    eg_http_route(h, "POST", "/api/v1/me/totp/confirm", totp_confirm, &o);
}
