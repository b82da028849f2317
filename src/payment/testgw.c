/*
 * testgw.c - the built-in test gateway peer. It keeps its own ledger (payment_testgw_txn), shows
 * the citizen a small Vietnamese page to confirm or cancel, then sends the signed callback to
 * the platform from the scheduler (retrying until the platform gives a definitive answer), and
 * publishes a daily statement for reconciliation. Enabled by payment.test_gateway = 1 (the demo
 * default); payment.test_gateway_tamper = 1 additionally lets tests alter the statement.
 */
#include <string.h>
#include <stdlib.h>
#include <curl/curl.h>
#include "payment/internal.h"

int eg__testgw_create(eg_conn *c, const char *order_id, int64_t amount, const char *desc,
                      const char *callback_url, const char *return_url, char txn[32])
{
    char id[27], now_iso[25];
    eg_new_id(id);
    snprintf(txn, 32, "TG%s", id);
    eg_time_iso_ms(eg_now_ms(), now_iso);
    return eg_exec(c, NULL,
                   "INSERT INTO payment_testgw_txn (gateway_txn, order_id, merchant_id, "
                   "amount_vnd, statement_amount_vnd, description, callback_url, return_url, "
                   "state, created_at) VALUES (?,?,?,?,?,?,?,?,'pending',?)",
                   "tttlltttt", txn, order_id, eg__pay->merchant, amount, amount, desc,
                   callback_url, return_url, now_iso);
}

int eg__testgw_query(eg_conn *c, const char *order_id, eg_arena *a, char **state, int64_t *amount)
{
    int rc = eg_query_text(c, a, state, "SELECT state FROM payment_testgw_txn WHERE order_id = ?",
                           "t", order_id);
    if (!rc)
        rc = eg_query_int64(c, amount,
                            "SELECT amount_vnd FROM payment_testgw_txn WHERE order_id = ?", "t",
                            order_id);
    return rc;
}

int eg__testgw_refund(eg_conn *c, const char *order_id, int64_t amount)
{
    int64_t ch = 0;
    int rc = eg_exec(c, &ch,
                     "UPDATE payment_testgw_txn SET state = 'refunded' WHERE order_id = ? AND "
                     "state = 'paid' AND amount_vnd = ?",
                     "tl", order_id, amount);
    return rc ? rc : ch == 1 ? 0 : EG_ECONFLICT;
}

int eg__testgw_statement(eg_conn *c, const char *day, json_t **items)
{
    return eg_query_json(c, items,
                         "SELECT order_id, gateway_txn, statement_amount_vnd AS amount_vnd, "
                         "state FROM payment_testgw_txn WHERE settled_day = ? AND state IN "
                         "('paid', 'refunded') ORDER BY order_id",
                         "t", day);
}

/* ------------------------------------------------------------------ the citizen's page */

static json_t *load_txn(eg_conn *c, const char *txn)
{
    json_t *rows = NULL;
    if (eg_query_json(c, &rows,
                      "SELECT gateway_txn, order_id, amount_vnd, description, state, return_url "
                      "FROM payment_testgw_txn WHERE gateway_txn = ?",
                      "t", txn))
        return NULL;
    json_t *one = json_array_size(rows) ? json_incref(json_array_get(rows, 0)) : NULL;
    json_decref(rows);
    return one;
}

static void money(eg_buf *b, long long v)
{
    char digits[32];
    int n = snprintf(digits, sizeof(digits), "%lld", v);
    for (int i = 0; i < n; i++) {
        if (i && (n - i) % 3 == 0)
            eg_buf_putc(b, '.');
        eg_buf_putc(b, digits[i]);
    }
    eg_buf_puts(b, " đồng");
}

static void page_head(eg_buf *b)
{
    eg_buf_puts(b, "<!doctype html><html lang=\"vi\"><head><meta charset=\"utf-8\">"
                   "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                   "<title>Cổng thanh toán thử nghiệm</title><link rel=\"icon\" "
                   "href=\"/favicon.svg\" type=\"image/svg+xml\">"
                   "<link rel=\"stylesheet\" href=\"/lib/egov.css\"></head><body>"
                   "<header><p><strong>Cổng thanh toán thử nghiệm</strong> (mô phỏng Nền tảng "
                   "thanh toán quốc gia, chỉ dùng cho trình diễn)</p></header><main>");
}

static int h_page(eg_req *r)
{
    json_t *t = load_txn(eg_db_conn(eg__pay->app->db), eg_req_param(r, "txn"));
    if (!t)
        return eg_req_fail(r, EG_ENOTFOUND, "Không có giao dịch");
    eg_buf b = EG_BUF_INIT;
    page_head(&b);
    eg_buf_puts(&b, "<h1>Xác nhận thanh toán</h1><dl><dt>Nội dung</dt><dd>");
    eg_buf_html(&b, eg_json_str(t, "description"));
    eg_buf_puts(&b, "</dd><dt>Số tiền</dt><dd>");
    money(&b, eg_json_int(t, "amount_vnd", 0));
    eg_buf_puts(&b, "</dd><dt>Mã giao dịch</dt><dd>");
    eg_buf_html(&b, eg_json_str(t, "gateway_txn"));
    eg_buf_puts(&b, "</dd></dl>");
    if (strcmp(eg_json_str(t, "state"), "pending") == 0) {
        const char *forms[2][2] = {{"confirm", "Xác nhận thanh toán"}, {"cancel", "Huỷ"}};
        for (int i = 0; i < 2; i++) {
            eg_buf_puts(&b, "<form method=\"post\" action=\"/api/v1/payment/testgw/pay/");
            eg_buf_html(&b, eg_json_str(t, "gateway_txn"));
            eg_buf_printf(&b, "/%s\"><button type=\"submit\">%s</button></form>", forms[i][0],
                          forms[i][1]);
        }
    } else {
        eg_buf_puts(&b, "<p>Giao dịch đã được xử lý: ");
        eg_buf_html(&b, eg_json_str(t, "state"));
        eg_buf_puts(&b, "</p>");
    }
    eg_buf_puts(&b, "</main></body></html>");
    json_decref(t);
    int rc = eg_reply_html(r, 200, b.data, b.len);
    eg_buf_free(&b);
    return rc;
}

static int h_decide(eg_req *r)
{
    const char *txn = eg_req_param(r, "txn"), *d = eg_req_param(r, "decision");
    const char *next = strcmp(d, "confirm") == 0  ? "paid"
                       : strcmp(d, "cancel") == 0 ? "failed"
                                                  : NULL;
    if (!next)
        return eg_req_fail(r, EG_ENOTFOUND, "Thao tác không hợp lệ");
    eg_conn *c = eg_db_conn(eg__pay->app->db);
    char day[11];
    eg__pay_day(eg_now_ms(), day);
    int64_t ch = 0;
    int rc = eg_exec(c, &ch,
                     "UPDATE payment_testgw_txn SET state = ?, settled_day = ?, "
                     "callback_pending = 1 WHERE gateway_txn = ? AND state = 'pending'",
                     "ttt", next, strcmp(next, "paid") == 0 ? day : NULL, txn);
    if (rc)
        return rc;
    json_t *t = load_txn(c, txn);
    if (!t)
        return eg_req_fail(r, EG_ENOTFOUND, "Không có giao dịch");
    if (ch != 1) {
        json_decref(t);
        return eg_req_fail(r, EG_ECONFLICT, "Giao dịch đã được xử lý trước đó");
    }
    eg_buf b = EG_BUF_INIT;
    page_head(&b);
    eg_buf_printf(&b, "<h1>%s</h1><p><a href=\"",
                  strcmp(next, "paid") == 0 ? "Thanh toán thành công" : "Đã huỷ thanh toán");
    eg_buf_html(&b, eg_json_str(t, "return_url"));
    eg_buf_puts(&b, "\">Quay lại Cổng dịch vụ công</a></p></main></body></html>");
    json_decref(t);
    rc = eg_reply_html(r, 200, b.data, b.len);
    eg_buf_free(&b);
    return rc;
}

static int h_statement(eg_req *r)
{
    const char *day = eg_req_query(r, "date");
    int64_t ms;
    if (!day || strlen(day) != 10 || eg_time_parse(day, &ms))
        return eg_req_fail_field(r, EG_EINVAL, "date", "date phải có dạng YYYY-MM-DD");
    json_t *items = NULL;
    int rc = eg__testgw_statement(eg_db_conn(eg__pay->app->db), day, &items);
    if (rc)
        return rc;
    return eg_reply_json(r, 200,
                         json_pack("{s:s, s:s, s:o}", "merchant_id", eg__pay->merchant, "date", day,
                                   "items", items));
}

static int h_adjust(eg_req *r)
{
    if (!eg__pay->tamper)
        return eg_req_fail(r, EG_EFORBIDDEN, "payment.test_gateway_tamper chưa bật");
    int rc = 0;
    json_t *b = eg_req_json(r, &rc);
    if (!b)
        return rc;
    const char *order_id = eg_json_str(b, "order_id");
    long long amt = eg_json_int(b, "amount_vnd", -1);
    if (!order_id || amt < 0)
        return eg_req_fail(r, EG_EUNPROCESSABLE, "Cần order_id và amount_vnd");
    int64_t ch = 0;
    rc = eg_exec(eg_db_conn(eg__pay->app->db), &ch,
                 "UPDATE payment_testgw_txn SET statement_amount_vnd = ? WHERE order_id = ?", "lt",
                 (int64_t)amt, order_id);
    if (rc)
        return rc;
    if (ch != 1)
        return eg_req_fail(r, EG_ENOTFOUND, "Không có giao dịch");
    return eg_reply_json(r, 200, json_pack("{s:s}", "result", "ok"));
}

void eg__testgw_routes(eg_app *app, eg_http *h)
{
    eg_route_opts o = {.public_route = 1,
                       .tag = "payment",
                       .summary = "Test gateway peer: the citizen's payment page"};
    eg_http_route(h, "GET", "/api/v1/payment/testgw/pay/{txn}", h_page, &o);
    o.summary = "Test gateway peer: confirm or cancel (then the signed callback is sent)";
    eg_http_route(h, "POST", "/api/v1/payment/testgw/pay/{txn}/{decision}", h_decide, &o);
    o.summary = "Test gateway peer: daily statement";
    eg_http_route(h, "GET", "/api/v1/payment/testgw/statement", h_statement, &o);
    o.summary = "Test gateway peer: alter a statement line (tests only)";
    eg_http_route(h, "POST", "/api/v1/payment/testgw/statement/adjust", h_adjust, &o);
}

/* ------------------------------------------------------------------ callback sender */

static size_t sink(char *p, size_t sz, size_t n, void *ud)
{
    eg_buf_append(ud, p, sz * n);
    return sz * n;
}

static long post_form(const char *url, const char *body)
{
    CURL *h = curl_easy_init();
    if (!h)
        return 0;
    eg_buf resp = EG_BUF_INIT;
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 3000L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, sink);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &resp);
    long status = 0;
    if (curl_easy_perform(h) == CURLE_OK)
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(h);
    eg_buf_free(&resp);
    return status;
}

void eg__testgw_tick(eg_app *app, int64_t now)
{
    static int64_t next;
    if (now < next)
        return;
    next = now + 500;
    eg_conn *c = eg_db_conn(app->db);
    json_t *rows = NULL;
    if (eg_query_json(c, &rows,
                      "SELECT gateway_txn, order_id, merchant_id, amount_vnd, state, "
                      "callback_url, callback_attempts FROM payment_testgw_txn WHERE "
                      "callback_pending = 1 ORDER BY created_at LIMIT 10",
                      ""))
        return;
    size_t i;
    json_t *t;
    json_array_foreach(rows, i, t)
    {
        eg_arena *a = eg_arena_new(0);
        eg_pay_params p = {0};
        char amount[24], ts[24], nonce_raw[16], nonce[33], sig[65];
        snprintf(amount, sizeof(amount), "%lld", eg_json_int(t, "amount_vnd", 0));
        snprintf(ts, sizeof(ts), "%lld", (long long)(eg_now_ms() / 1000));
        eg_random(nonce_raw, sizeof(nonce_raw));
        eg_hex(nonce_raw, sizeof(nonce_raw), nonce);
        const char *k[] = {"merchant_id", "order_id", "gateway_txn", "amount",
                           "status",      "ts",       "nonce"};
        const char *v[] = {eg_json_str(t, "merchant_id"),
                           eg_json_str(t, "order_id"),
                           eg_json_str(t, "gateway_txn"),
                           amount,
                           eg_json_str(t, "state"),
                           ts,
                           nonce};
        eg_buf body = EG_BUF_INIT;
        for (int j = 0; j < 7; j++) {
            p.key[p.n] = k[j];
            p.val[p.n++] = v[j];
            if (j)
                eg_buf_putc(&body, '&');
            eg_buf_printf(&body, "%s=", k[j]);
            eg_buf_urlencode(&body, v[j], strlen(v[j]));
        }
        eg_pay_sign(eg__pay->secret, &p, sig);
        eg_buf_printf(&body, "&signature=%s", sig);
        long st = post_form(eg_json_str(t, "callback_url"), body.data);
        eg_buf_free(&body);
        eg_arena_free(a);
        /* 2xx: delivered; 4xx: the platform refused for good (logged); else retry. */
        int done = st >= 200 && st < 500;
        if (done && st >= 400)
            eg_log(EG_LOG_WARN, "payment", NULL, "test gateway callback refused", "order_id",
                   eg_json_str(t, "order_id"), NULL);
        eg_exec(c, NULL,
                "UPDATE payment_testgw_txn SET callback_pending = ?, callback_attempts = "
                "callback_attempts + 1 WHERE gateway_txn = ?",
                "it", done ? 0 : (eg_json_int(t, "callback_attempts", 0) >= 20 ? 0 : 1),
                eg_json_str(t, "gateway_txn"));
    }
    json_decref(rows);
}
