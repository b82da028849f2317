/*
 * payment.c - the payment module: payments of other modules' objects, the gateway callback
 * (signature, replay, amount and order checks, then the owner's paid hook, all in one
 * transaction with the audit record), staff routes (create a fee request, read, query the
 * gateway, refund) and the module table entry.
 */
#include <string.h>
#include <stdlib.h>
#include "audit/audit.h"
#include "identity/identity.h"
#include "payment/internal.h"

pay_state *eg__pay;

#define MAX_HOOKS 8
static struct {
    char type[33];
    eg_payment_paid_fn fn;
} hooks[MAX_HOOKS];
static int nhooks;

void eg_payment_on_paid(const char *ref_type, eg_payment_paid_fn hook)
{
    for (int i = 0; i < nhooks; i++)
        if (strcmp(hooks[i].type, ref_type) == 0) {
            hooks[i].fn = hook;
            return;
        }
    EG_ASSERT(nhooks < MAX_HOOKS && strlen(ref_type) < sizeof(hooks[0].type));
    snprintf(hooks[nhooks].type, sizeof(hooks[nhooks].type), "%s", ref_type);
    hooks[nhooks++].fn = hook;
}

static eg_payment_paid_fn hook_for(const char *ref_type)
{
    for (int i = 0; i < nhooks; i++)
        if (strcmp(hooks[i].type, ref_type) == 0)
            return hooks[i].fn;
    return NULL;
}

void eg__pay_day(int64_t ms, char out[11])
{
    char iso[21];
    eg_time_iso(ms + EG_VN_OFFSET_MS, iso);
    memcpy(out, iso, 10);
    out[10] = 0;
}

static int ref_type_ok(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > 32)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || s[i] == '_'))
            return 0;
    return 1;
}

static int ref_id_ok(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > 64)
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x21 || (unsigned char)s[i] > 0x7e)
            return 0;
    return 1;
}

static json_t *audit_detail(const char *order_id, int64_t amount, const char *state)
{
    return json_pack("{s:s, s:I, s:s}", "order_id", order_id, "amount_vnd", (json_int_t)amount,
                     "state", state);
}

int eg_payment_create(eg_app *app, eg_conn *conn, const char *ref_type, const char *ref_id,
                      const char *agency_code, int64_t amount_vnd, const char *description,
                      const char *payer_subject, int64_t *payment_id, char *redirect_url_out,
                      size_t n)
{
    if (!eg__pay || !eg__pay->testgw)
        return EG_EUNAVAIL;
    if (!ref_type_ok(ref_type) || !ref_id_ok(ref_id) || !agency_code ||
        !eg_valid_agency_code(agency_code) || amount_vnd <= 0 || amount_vnd > 100000000000LL ||
        !description || !*description || strlen(description) > 500 ||
        !eg_utf8_valid(description, strlen(description)))
        return EG_EUNPROCESSABLE;
    int64_t busy = 0;
    int rc = eg_query_int64(conn, &busy,
                            "SELECT COUNT(*) FROM payment_payments WHERE ref_type = ? AND "
                            "ref_id = ? AND state IN ('pending', 'paid')",
                            "tt", ref_type, ref_id);
    if (rc)
        return rc;
    if (busy)
        return EG_ECONFLICT;
    char id[27], order_id[32], now_iso[25], txn[32];
    eg_new_id(id);
    snprintf(order_id, sizeof(order_id), "EG%s", id);
    eg_time_iso_ms(eg_now_ms(), now_iso);
    eg_buf nfc = EG_BUF_INIT;
    eg_nfc(description, strlen(description), &nfc);
    rc = eg_tx_begin(conn);
    if (rc) {
        eg_buf_free(&nfc);
        return rc;
    }
    eg_stmt *st = NULL;
    int64_t pid = 0;
    rc = eg_query(conn, &st,
                  "INSERT INTO payment_payments (order_id, ref_type, ref_id, agency_code, "
                  "amount_vnd, description, payer_subject, state, gateway, created_at) VALUES "
                  "(?,?,?,?,?,?,?,'pending','testgw',?) RETURNING id",
                  "ttttlttt", order_id, ref_type, ref_id, agency_code, amount_vnd, nfc.data,
                  payer_subject, now_iso);
    if (!rc) {
        rc = eg_step(st);
        if (rc == EG_ROW) {
            pid = eg_col_int64(st, 0);
            rc = 0;
        } else if (rc == EG_DONE) {
            rc = EG_EDB;
        }
    }
    eg_stmt_done(st);
    char cb[512], ret[512];
    snprintf(cb, sizeof(cb), "%s/api/v1/payment/callback", app->base_url);
    snprintf(ret, sizeof(ret), "%s/portal/payment.html?id=%lld", app->base_url, (long long)pid);
    if (!rc)
        rc = eg__testgw_create(conn, order_id, amount_vnd, nfc.data, cb, ret, txn);
    if (!rc)
        rc = eg_exec(conn, NULL, "UPDATE payment_payments SET gateway_txn = ? WHERE id = ?", "tl",
                     txn, pid);
    if (!rc) {
        char pids[24];
        snprintf(pids, sizeof(pids), "%lld", (long long)pid);
        json_t *d = audit_detail(order_id, amount_vnd, EG_PAY_PENDING);
        json_object_set_new(d, "ref", json_pack("{s:s, s:s}", "type", ref_type, "id", ref_id));
        eg_audit_event ev = {.actor = "system",
                             .action = "payment.create",
                             .object_type = "payment",
                             .object_id = pids,
                             .agency = agency_code,
                             .detail = d};
        rc = eg_audit_append(conn, &ev);
        json_decref(d);
    }
    eg_buf_free(&nfc);
    if (rc) {
        eg_tx_rollback(conn);
        return rc;
    }
    rc = eg_tx_commit(conn);
    if (rc)
        return rc;
    *payment_id = pid;
    if (redirect_url_out && n)
        snprintf(redirect_url_out, n, "%s/api/v1/payment/testgw/pay/%s", app->base_url, txn);
    return 0;
}

int eg_payment_state(eg_conn *conn, const char *ref_type, const char *ref_id, char *state, size_t n,
                     int64_t *payment_id)
{
    eg_stmt *st = NULL;
    int rc = eg_query(conn, &st,
                      "SELECT id, state FROM payment_payments WHERE ref_type = ? AND ref_id = ? "
                      "ORDER BY id DESC LIMIT 1",
                      "tt", ref_type, ref_id);
    if (rc)
        return rc;
    rc = eg_step(st);
    if (rc == EG_ROW) {
        if (payment_id)
            *payment_id = eg_col_int64(st, 0);
        if (state && n)
            snprintf(state, n, "%s", eg_col_text(st, 1));
        rc = 0;
    } else if (rc == EG_DONE) {
        rc = EG_ENOTFOUND;
    }
    eg_stmt_done(st);
    return rc;
}

int eg_payment_latest(eg_app *app, eg_conn *conn, const char *ref_type, const char *ref_id,
                      eg_payment_summary *out)
{
    memset(out, 0, sizeof(*out));
    eg_stmt *st = NULL;
    int rc = eg_query(conn, &st,
                      "SELECT id, amount_vnd, state, gateway_txn FROM payment_payments WHERE "
                      "ref_type = ? AND ref_id = ? ORDER BY id DESC LIMIT 1",
                      "tt", ref_type, ref_id);
    if (rc)
        return rc;
    rc = eg_step(st);
    if (rc == EG_ROW) {
        out->id = eg_col_int64(st, 0);
        out->amount_vnd = eg_col_int64(st, 1);
        snprintf(out->state, sizeof(out->state), "%s", eg_col_text(st, 2));
        const char *txn = eg_col_text(st, 3);
        if (!strcmp(out->state, EG_PAY_PENDING) && txn && *txn && eg__pay && eg__pay->testgw)
            snprintf(out->pay_url, sizeof(out->pay_url), "%s/api/v1/payment/testgw/pay/%s",
                     app && app->base_url ? app->base_url : "", txn);
        rc = 0;
    } else if (rc == EG_DONE) {
        rc = EG_ENOTFOUND;
    }
    eg_stmt_done(st);
    return rc;
}

json_t *eg__pay_load(eg_conn *c, int64_t id)
{
    json_t *rows = NULL;
    if (eg_query_json(c, &rows,
                      "SELECT id, order_id, ref_type, ref_id, agency_code, amount_vnd, "
                      "description, payer_subject, state, gateway_txn, created_at, paid_at, "
                      "refunded_at, version FROM payment_payments WHERE id = ?",
                      "l", id))
        return NULL;
    json_t *one = json_array_size(rows) ? json_incref(json_array_get(rows, 0)) : NULL;
    json_decref(rows);
    return one;
}

/* ------------------------------------------------------------------ callback */

/* Applies one verified callback. Returns the HTTP status and sets *resp; 0 status means an
 * internal error (rc in *err). */
static int apply_callback(eg_conn *c, const eg_pay_params *p, json_t **resp, int *err,
                          const char **detail)
{
    const char *order_id = eg_pay_param(p, "order_id");
    const char *status = eg_pay_param(p, "status");
    const char *amount_s = eg_pay_param(p, "amount");
    const char *txn = eg_pay_param(p, "gateway_txn");
    char *end = NULL;
    long long amount = amount_s ? strtoll(amount_s, &end, 10) : -1;
    if (!order_id || !status || !amount_s || !end || *end || amount < 0) {
        *detail = "Thiếu hoặc sai tham số order_id, status, amount";
        return 400;
    }
    eg_stmt *st = NULL;
    int rc = eg_query(c, &st,
                      "SELECT id, amount_vnd, state, ref_type, ref_id, agency_code, gateway_txn "
                      "FROM payment_payments WHERE order_id = ?",
                      "t", order_id);
    if (rc) {
        *err = rc;
        return 0;
    }
    rc = eg_step(st);
    if (rc != EG_ROW) {
        eg_stmt_done(st);
        if (rc == EG_DONE) {
            *detail = "Không có giao dịch với order_id này";
            return 404;
        }
        *err = rc;
        return 0;
    }
    int64_t pid = eg_col_int64(st, 0), want = eg_col_int64(st, 1);
    char cur[16], ref_type[40], ref_id[80], agency[16], gtxn[40];
    snprintf(cur, sizeof(cur), "%s", eg_col_text(st, 2));
    snprintf(ref_type, sizeof(ref_type), "%s", eg_col_text(st, 3));
    snprintf(ref_id, sizeof(ref_id), "%s", eg_col_text(st, 4));
    snprintf(agency, sizeof(agency), "%s", eg_col_text(st, 5));
    snprintf(gtxn, sizeof(gtxn), "%s", eg_col_text(st, 6) ? eg_col_text(st, 6) : "");
    eg_stmt_done(st);
    if (txn && gtxn[0] && strcmp(txn, gtxn) != 0) {
        *detail = "gateway_txn không khớp với giao dịch";
        return 422;
    }
    if (amount != want) {
        *detail = "Số tiền không khớp với khoản phải nộp";
        return 422;
    }
    const char *next = NULL;
    if (strcmp(status, cur) == 0) {
        next = NULL; /* same state again: idempotent, nothing to change */
    } else if (strcmp(cur, EG_PAY_PENDING) == 0 &&
               (strcmp(status, EG_PAY_PAID) == 0 || strcmp(status, EG_PAY_FAILED) == 0)) {
        next = status;
    } else if (strcmp(cur, EG_PAY_PAID) == 0 && strcmp(status, EG_PAY_REFUNDED) == 0) {
        next = status;
    } else if (strcmp(status, EG_PAY_PAID) && strcmp(status, EG_PAY_FAILED) &&
               strcmp(status, EG_PAY_REFUNDED)) {
        *detail = "status phải là paid, failed hoặc refunded";
        return 400;
    } else {
        *detail = "Trạng thái không hợp lệ so với trạng thái hiện tại của giao dịch";
        return 409;
    }
    char now_iso[25], day[11];
    int64_t now = eg_now_ms();
    eg_time_iso_ms(now, now_iso);
    eg__pay_day(now, day);
    if (next) {
        if (strcmp(next, EG_PAY_PAID) == 0)
            rc = eg_exec(c, NULL,
                         "UPDATE payment_payments SET state = 'paid', paid_at = ?, paid_day = ?, "
                         "version = version + 1 WHERE id = ?",
                         "ttl", now_iso, day, pid);
        else if (strcmp(next, EG_PAY_REFUNDED) == 0)
            rc = eg_exec(c, NULL,
                         "UPDATE payment_payments SET state = 'refunded', refunded_at = ?, "
                         "version = version + 1 WHERE id = ?",
                         "tl", now_iso, pid);
        else
            rc = eg_exec(c, NULL,
                         "UPDATE payment_payments SET state = ?, version = version + 1 WHERE "
                         "id = ?",
                         "tl", next, pid);
        if (!rc) {
            char pids[24];
            snprintf(pids, sizeof(pids), "%lld", (long long)pid);
            json_t *d = audit_detail(order_id, amount, next);
            json_object_set_new(d, "nonce", json_string(eg_pay_param(p, "nonce")));
            eg_audit_event ev = {.actor = "gateway",
                                 .action = "payment.callback",
                                 .object_type = "payment",
                                 .object_id = pids,
                                 .agency = agency,
                                 .detail = d};
            rc = eg_audit_append(c, &ev);
            json_decref(d);
        }
        if (!rc && strcmp(next, EG_PAY_PAID) == 0) {
            eg_payment_paid_fn fn = hook_for(ref_type);
            if (fn)
                rc = fn(eg__pay->app, c, ref_type, ref_id, amount, pid);
        }
        if (rc) {
            *err = rc;
            return 0;
        }
    }
    *resp = json_pack("{s:s, s:s, s:I, s:s}", "result", "ok", "order_id", order_id, "payment_id",
                      (json_int_t)pid, "state", next ? next : cur);
    (void)day;
    return 200;
}

int eg__pay_callback(eg_arena *a, const char *body, size_t len, json_t **resp, char *detail,
                     size_t dn)
{
    eg_pay_params p;
    *resp = NULL;
    if (eg_pay_params_parse(a, body, len, &p))
        return snprintf(detail, dn, "Tham số callback không đúng định dạng"), EG_EINVAL;
    const char *sig = eg_pay_param(&p, "signature");
    char want[65];
    eg_pay_sign(eg__pay->secret, &p, want);
    if (!sig || !eg_ct_equal(sig, strlen(sig), want, 64))
        return snprintf(detail, dn, "Chữ ký callback không hợp lệ"), EG_EFORBIDDEN;
    const char *merchant = eg_pay_param(&p, "merchant_id");
    const char *nonce = eg_pay_param(&p, "nonce");
    const char *ts = eg_pay_param(&p, "ts");
    if (!merchant || strcmp(merchant, eg__pay->merchant) != 0)
        return snprintf(detail, dn, "merchant_id không đúng"), EG_EFORBIDDEN;
    if (!nonce || strlen(nonce) < 8 || strlen(nonce) > 64 || !ts)
        return snprintf(detail, dn, "Thiếu nonce hoặc ts"), EG_EINVAL;
    eg_conn *c = eg_db_conn(eg__pay->app->db);
    int rc = eg_tx_begin(c);
    if (rc)
        return rc;
    eg_stmt *st = NULL;
    rc = eg_query(c, &st, "SELECT http_status, response FROM payment_callbacks WHERE nonce = ?",
                  "t", nonce);
    if (!rc && eg_step(st) == EG_ROW) {
        /* Replay: answer exactly what the first delivery got; change nothing. */
        json_t *j = eg_json_parse(eg_col_text(st, 1), strlen(eg_col_text(st, 1)), 8, NULL, 0);
        eg_stmt_done(st);
        eg_tx_rollback(c);
        *resp = j ? j : json_object();
        return 0;
    }
    eg_stmt_done(st);
    char *tend = NULL;
    long long tsv = strtoll(ts, &tend, 10);
    long long skew = eg_now_ms() / 1000 - tsv;
    if (!tend || *tend || skew > eg__pay->window_s || skew < -eg__pay->window_s) {
        eg_tx_rollback(c);
        return snprintf(detail, dn, "Callback quá hạn (ts ngoài cửa sổ cho phép)"), EG_EFORBIDDEN;
    }
    int err = 0;
    const char *why = NULL;
    int status = apply_callback(c, &p, resp, &err, &why);
    if (status != 200) {
        eg_tx_rollback(c);
        if (status == 0)
            return err ? err : EG_EINTERNAL;
        snprintf(detail, dn, "%s", why ? why : "Callback bị từ chối");
        return status == 400   ? EG_EINVAL
               : status == 404 ? EG_ENOTFOUND
               : status == 409 ? EG_ECONFLICT
                               : EG_EUNPROCESSABLE;
    }
    char now_iso[25];
    eg_time_iso_ms(eg_now_ms(), now_iso);
    char *txt = json_dumps(*resp, JSON_COMPACT);
    rc = eg_exec(c, NULL,
                 "INSERT INTO payment_callbacks (nonce, payment_id, status, http_status, "
                 "response, received_at) VALUES (?,?,?,200,?,?)",
                 "tlttt", nonce, (int64_t)json_integer_value(json_object_get(*resp, "payment_id")),
                 eg_pay_param(&p, "status"), txt, now_iso);
    free(txt);
    if (!rc)
        rc = eg_tx_commit(c);
    else
        eg_tx_rollback(c);
    if (rc) {
        json_decref(*resp);
        *resp = NULL;
    }
    return rc;
}

static int h_callback(eg_req *r)
{
    size_t len = 0;
    const char *body = eg_req_body(r, &len);
    json_t *resp = NULL;
    char detail[200] = "";
    int rc = eg__pay_callback(eg_req_arena(r), body, len, &resp, detail, sizeof(detail));
    if (rc)
        return detail[0] ? eg_req_fail(r, rc, "%s", detail) : rc;
    return eg_reply_json(r, 200, resp);
}

/* ------------------------------------------------------------------ staff / payer routes */

static int load_authorized(eg_req *r, const char *action, json_t **out)
{
    const char *ids = eg_req_param(r, "id");
    char *end = NULL;
    long long id = ids ? strtoll(ids, &end, 10) : 0;
    if (!ids || !end || *end || id <= 0)
        return eg_req_fail(r, EG_ENOTFOUND, "Không có khoản thanh toán %s", ids ? ids : "");
    json_t *p = eg__pay_load(eg_db_conn(eg__pay->app->db), id);
    if (!p)
        return eg_req_fail(r, EG_ENOTFOUND, "Không có khoản thanh toán %lld", id);
    eg_object o = {"payment", eg_json_str(p, "agency_code"), eg_json_str(p, "payer_subject")};
    int rc = eg_authorize(r, action, &o);
    if (rc) {
        json_decref(p);
        return rc;
    }
    *out = p;
    return 0;
}

static int h_get(eg_req *r)
{
    json_t *p = NULL;
    int rc = load_authorized(r, "read", &p);
    if (rc)
        return rc;
    eg_reply_etag(r, json_integer_value(json_object_get(p, "version")));
    return eg_reply_json(r, 200, p);
}

static int h_create(eg_req *r)
{
    int rc = 0;
    json_t *b = eg_req_json(r, &rc);
    if (!b)
        return rc;
    const char *agency = eg_json_str(b, "agency_code");
    if (!agency || !eg_valid_agency_code(agency))
        return eg_req_fail_field(r, EG_EUNPROCESSABLE, "agency_code", "Mã cơ quan không hợp lệ");
    eg_object o = {"payment", agency, NULL};
    rc = eg_authorize(r, "create", &o);
    if (rc)
        return rc;
    const char *ref_type = eg_json_str(b, "ref_type"), *ref_id = eg_json_str(b, "ref_id");
    const char *desc = eg_json_str(b, "description");
    json_t *amt = json_object_get(b, "amount_vnd");
    if (!ref_type_ok(ref_type))
        return eg_req_fail_field(r, EG_EUNPROCESSABLE, "ref_type", "ref_type không hợp lệ");
    if (!ref_id_ok(ref_id))
        return eg_req_fail_field(r, EG_EUNPROCESSABLE, "ref_id", "ref_id không hợp lệ");
    if (!json_is_integer(amt) || json_integer_value(amt) <= 0 ||
        json_integer_value(amt) > 100000000000LL)
        return eg_req_fail_field(r, EG_EUNPROCESSABLE, "amount_vnd",
                                 "Số tiền phải là số nguyên dương (đồng)");
    if (!desc || !*desc || strlen(desc) > 500)
        return eg_req_fail_field(r, EG_EUNPROCESSABLE, "description", "Thiếu nội dung thu");
    int64_t pid = 0;
    char url[600];
    eg_conn *c = eg_db_conn(eg__pay->app->db);
    rc = eg_payment_create(eg__pay->app, c, ref_type, ref_id, agency, json_integer_value(amt), desc,
                           eg_json_str(b, "payer_subject"), &pid, url, sizeof(url));
    if (rc == EG_ECONFLICT)
        return eg_req_fail(r, rc, "Đối tượng này đã có khoản thanh toán đang chờ hoặc đã nộp");
    if (rc)
        return rc;
    json_t *p = eg__pay_load(c, pid);
    json_object_set_new(p, "redirect_url", json_string(url));
    eg_reply_etag(r, 1);
    return eg_reply_json(r, 201, p);
}

static int h_query(eg_req *r)
{
    json_t *p = NULL;
    int rc = load_authorized(r, "read", &p);
    if (rc)
        return rc;
    char *gs = NULL;
    int64_t gamt = 0;
    rc = eg__testgw_query(eg_db_conn(eg__pay->app->db), eg_json_str(p, "order_id"), eg_req_arena(r),
                          &gs, &gamt);
    json_t *out = json_pack("{s:O, s:s?, s:I}", "payment", p, "gateway_state", rc ? NULL : gs,
                            "gateway_amount_vnd", (json_int_t)(rc ? 0 : gamt));
    json_decref(p);
    return eg_reply_json(r, 200, out);
}

static int h_refund(eg_req *r)
{
    json_t *p = NULL;
    int rc = load_authorized(r, "refund", &p);
    if (rc)
        return rc;
    int64_t ver = json_integer_value(json_object_get(p, "version"));
    rc = eg_req_check_if_match(r, ver);
    if (rc) {
        json_decref(p);
        return rc;
    }
    if (strcmp(eg_json_str(p, "state"), EG_PAY_PAID) != 0) {
        json_decref(p);
        return eg_req_fail(r, EG_ECONFLICT, "Chỉ hoàn tiền khoản đã thanh toán");
    }
    int64_t id = json_integer_value(json_object_get(p, "id"));
    eg_conn *c = eg_db_conn(eg__pay->app->db);
    rc = eg_tx_begin(c);
    char now_iso[25];
    eg_time_iso_ms(eg_now_ms(), now_iso);
    int64_t ch = 0;
    if (!rc)
        rc = eg_exec(c, &ch,
                     "UPDATE payment_payments SET state = 'refunded', refunded_at = ?, version = "
                     "version + 1 WHERE id = ? AND state = 'paid'",
                     "tl", now_iso, id);
    if (!rc && ch != 1)
        rc = EG_ECONFLICT;
    if (!rc)
        rc = eg__testgw_refund(c, eg_json_str(p, "order_id"),
                               json_integer_value(json_object_get(p, "amount_vnd")));
    if (!rc) {
        char ids[24];
        snprintf(ids, sizeof(ids), "%lld", (long long)id);
        json_t *d =
            audit_detail(eg_json_str(p, "order_id"),
                         json_integer_value(json_object_get(p, "amount_vnd")), EG_PAY_REFUNDED);
        eg_audit_event ev = {.actor = eg_actor(r),
                             .action = "payment.refund",
                             .object_type = "payment",
                             .object_id = ids,
                             .agency = eg_json_str(p, "agency_code"),
                             .request_id = eg_req_id(r),
                             .client_addr = eg_req_client_ip(r),
                             .detail = d};
        rc = eg_audit_append(c, &ev);
        json_decref(d);
    }
    json_decref(p);
    if (rc) {
        eg_tx_rollback(c);
        return rc;
    }
    rc = eg_tx_commit(c);
    if (rc)
        return rc;
    json_t *np = eg__pay_load(c, id);
    eg_reply_etag(r, json_integer_value(json_object_get(np, "version")));
    return eg_reply_json(r, 200, np);
}

/* ------------------------------------------------------------------ module */

static const struct eg_permission payment_permissions[] = {
    {"citizen", "read", "payment", EG_SCOPE_OWN},
    {"business", "read", "payment", EG_SCOPE_OWN},
    {"receiver", "read", "payment", EG_SCOPE_AGENCY},
    {"receiver", "create", "payment", EG_SCOPE_AGENCY},
    {"officer", "read", "payment", EG_SCOPE_AGENCY},
    {"officer", "create", "payment", EG_SCOPE_AGENCY},
    {"unit_leader", "read", "payment", EG_SCOPE_AGENCY},
    {"unit_leader", "refund", "payment", EG_SCOPE_AGENCY},
    {"leader", "read", "payment", EG_SCOPE_AGENCY},
    {"leader", "refund", "payment", EG_SCOPE_AGENCY},
    {"leader", "read", "payment_reconciliation", EG_SCOPE_AGENCY},
    {"unit_leader", "read", "payment_reconciliation", EG_SCOPE_AGENCY},
    {NULL, NULL, NULL, 0},
};

static int payment_init(eg_app *app)
{
    pay_state *s = eg_calloc(1, sizeof(*s));
    s->app = app;
    s->merchant = eg_config_get(app->cfg, "payment.merchant_id", "EGOV-VINHLONG");
    s->testgw = eg_config_bool(app->cfg, "payment.test_gateway", 1);
    s->tamper = eg_config_bool(app->cfg, "payment.test_gateway_tamper", 0);
    s->window_s = (int)eg_config_int(app->cfg, "payment.callback_window_s", 300);
    const char *sec = eg_config_get(app->cfg, "payment.secret", NULL);
    if (sec && *sec) {
        snprintf(s->secret, sizeof(s->secret), "%s", sec);
    } else {
        /* No configured secret: one random key per data directory, kept in keys/. */
        char path[4200], dir[4000];
        snprintf(dir, sizeof(dir), "%s/keys", app->data_dir);
        snprintf(path, sizeof(path), "%s/payment.secret", dir);
        eg_buf b = EG_BUF_INIT;
        if (eg_read_file(path, 128, &b) == 0 && b.len >= 32) {
            snprintf(s->secret, sizeof(s->secret), "%.*s", (int)b.len, b.data);
        } else {
            unsigned char raw[32];
            eg_random(raw, sizeof(raw));
            eg_hex(raw, sizeof(raw), s->secret);
            eg_mkdir_p(dir, 0700);
            eg_write_file_atomic(path, s->secret, 64, 0600);
        }
        eg_buf_free(&b);
    }
    eg__pay = s;
    app->mod[eg_module_slot("payment")] = s;
    return 0;
}

static void payment_routes(eg_app *app, eg_http *h)
{
    eg_route_opts cb = {.public_route = 1,
                        .max_body = 8192,
                        .tag = "payment",
                        .summary = "Gateway callback (signed, idempotent)"};
    eg_http_route(h, "POST", "/api/v1/payment/callback", h_callback, &cb);
    eg_http_route(h, "POST", "/api/v1/payment", h_create,
                  &(eg_route_opts){.tag = "payment", .summary = "Create a fee payment request"});
    eg_http_route(h, "GET", "/api/v1/payment/{id}", h_get,
                  &(eg_route_opts){.tag = "payment", .summary = "A payment (payer or agency)"});
    eg_http_route(h, "GET", "/api/v1/payment/{id}/query", h_query,
                  &(eg_route_opts){.tag = "payment", .summary = "Query the gateway for a payment"});
    eg_http_route(h, "POST", "/api/v1/payment/{id}/refund", h_refund,
                  &(eg_route_opts){.tag = "payment", .summary = "Refund a paid payment"});
    eg__pay_reconcile_routes(app, h);
    eg__pay_receipt_routes(app, h);
    if (eg__pay->testgw)
        eg__testgw_routes(app, h);
}

static void payment_tick(eg_app *app, int64_t now)
{
    if (eg__pay->testgw && app->http)
        eg__testgw_tick(app, now);
    eg__pay_reconcile_tick(app, now);
}

static void payment_shutdown(eg_app *app)
{
    free(eg__pay);
    eg__pay = NULL;
}

const struct eg_module eg_payment_module = {
    .name = "payment",
    .permissions = payment_permissions,
    .init = payment_init,
    .routes = payment_routes,
    .tick = payment_tick,
    .shutdown = payment_shutdown,
};
