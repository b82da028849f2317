/*
 * test_http.c - the HTTP core driven over the wire: a real server on 127.0.0.1:0 with a few
 * test routes and a temporary web root, talked to with libcurl. Covers routing, problem+json,
 * request ids, body and JSON limits, static files and traversal, security headers, the
 * operations endpoints, multipart, CSRF and graceful stop; plus the URL decoder and the
 * multipart parser as plain functions.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <pthread.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <cmocka.h>
#include <curl/curl.h>
#include "http/http.h"

static eg_http *srv;
static char base[128];
static char tmpdir[256];
static int ready_fail;

/* ------------------------------------------------------------------ client */

typedef struct {
    long status;
    eg_buf body;
    eg_buf headers;
    CURLcode cc;
} resp_t;

static size_t on_data(char *p, size_t sz, size_t n, void *ud)
{
    eg_buf_append(ud, p, sz * n);
    return sz * n;
}

struct upload {
    const char *data;
    size_t len, pos;
};

static size_t on_read(char *p, size_t sz, size_t n, void *ud)
{
    struct upload *u = ud;
    size_t k = sz * n;
    if (k > 1000)
        k = 1000; /* small chunks */
    if (k > u->len - u->pos)
        k = u->len - u->pos;
    memcpy(p, u->data + u->pos, k);
    u->pos += k;
    return k;
}

/* Sends one request. hdrs: NULL-terminated list of "Name: value". chunked uploads body with
 * Transfer-Encoding: chunked instead of Content-Length. */
static resp_t req_full(const char *url_base, const char *method, const char *path,
                       const char *const *hdrs, const char *body, size_t len, int chunked)
{
    resp_t r = {0, EG_BUF_INIT, EG_BUF_INIT, CURLE_OK};
    CURL *c = curl_easy_init();
    char url[1024];
    snprintf(url, sizeof(url), "%s%s", url_base, path);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &r.body);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &r.headers);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 20L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    struct curl_slist *sl = NULL;
    for (int i = 0; hdrs && hdrs[i]; i++)
        sl = curl_slist_append(sl, hdrs[i]);
    struct upload up = {body, len, 0};
    if (body && chunked) {
        sl = curl_slist_append(sl, "Transfer-Encoding: chunked");
        curl_easy_setopt(c, CURLOPT_POST, 1L);
        curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read);
        curl_easy_setopt(c, CURLOPT_READDATA, &up);
    } else if (body) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    }
    if (strcmp(method, "HEAD") == 0)
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    sl = curl_slist_append(sl, "Expect:");
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, sl);
    r.cc = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
    curl_slist_free_all(sl);
    curl_easy_cleanup(c);
    eg_buf_putc(&r.body, '\0');
    r.body.len--;
    eg_buf_putc(&r.headers, '\0');
    return r;
}

static resp_t req(const char *method, const char *path, const char *const *hdrs, const char *body)
{
    return req_full(base, method, path, hdrs, body, body ? strlen(body) : 0, 0);
}

static resp_t get(const char *path)
{
    return req("GET", path, NULL, NULL);
}

static void resp_free(resp_t *r)
{
    eg_buf_free(&r->body);
    eg_buf_free(&r->headers);
}

/* Value of a response header (last occurrence), in a static buffer; NULL if absent. */
static const char *header(resp_t *r, const char *name)
{
    static char val[1024];
    const char *p = eg_buf_cstr(&r->headers);
    const char *found = NULL;
    size_t n = strlen(name);
    while (*p) {
        if (strncasecmp(p, name, n) == 0 && p[n] == ':') {
            const char *v = p + n + 1;
            while (*v == ' ')
                v++;
            size_t vn = strcspn(v, "\r\n");
            if (vn >= sizeof(val))
                vn = sizeof(val) - 1;
            memcpy(val, v, vn);
            val[vn] = '\0';
            found = val;
        }
        p += strcspn(p, "\n");
        if (*p)
            p++;
    }
    return found;
}

static json_t *body_json(resp_t *r)
{
    json_t *j = json_loadb(r->body.data ? r->body.data : "", r->body.len, 0, NULL);
    assert_non_null(j);
    return j;
}

/* Asserts a problem+json response with this status and slug; returns the parsed body. */
static json_t *assert_problem(resp_t *r, long status, const char *slug)
{
    assert_int_equal(r->status, status);
    const char *ct = header(r, "Content-Type");
    assert_non_null(ct);
    assert_string_equal(ct, "application/problem+json");
    json_t *j = body_json(r);
    char type[128];
    snprintf(type, sizeof(type), "https://egov.local/problems/%s", slug);
    assert_string_equal(eg_json_str(j, "type"), type);
    assert_int_equal(eg_json_int(j, "status", 0), status);
    assert_non_null(eg_json_str(j, "title"));
    assert_non_null(eg_json_str(j, "detail"));
    const char *rid = header(r, "X-Request-Id");
    assert_non_null(rid);
    assert_string_equal(eg_json_str(j, "instance"), rid);
    return j;
}

/* ------------------------------------------------------------------ test routes */

static int h_item(eg_req *r)
{
    return eg_reply_json(
        r, 200, json_pack("{s:s, s:s}", "id", eg_req_param(r, "id"), "route", eg_req_route(r)));
}

static int h_special(eg_req *r)
{
    return eg_reply_json(r, 200, json_pack("{s:b}", "special", 1));
}

static int h_files(eg_req *r)
{
    return eg_reply_json(r, 200, json_pack("{s:s}", "path", eg_req_param(r, "path")));
}

static int h_delete(eg_req *r)
{
    return eg_reply(r, 204, "text/plain", "", 0);
}

static int h_echo(eg_req *r)
{
    int rc = 0;
    json_t *j = eg_req_json(r, &rc);
    if (!j)
        return rc;
    return eg_reply_json(r, 200, json_incref(j));
}

static int h_upload(eg_req *r)
{
    eg_part *parts;
    int n;
    int rc = eg_req_multipart(r, &parts, &n);
    if (rc)
        return eg_req_fail(r, rc, "multipart không hợp lệ");
    json_t *arr = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(arr, json_pack("{s:s, s:o, s:s%}", "name", parts[i].name, "filename",
                                             eg_json_strn(parts[i].filename), "data", parts[i].data,
                                             parts[i].len));
    return eg_reply_json(r, 200, json_pack("{s:o}", "parts", arr));
}

static int h_slow(eg_req *r)
{
    struct timespec ts = {0, 600 * 1000 * 1000};
    nanosleep(&ts, NULL);
    return eg_reply_json(r, 200, json_pack("{s:s}", "slow", "done"));
}

static int h_fail(eg_req *r)
{
    return eg_req_fail_field(r, EG_EUNPROCESSABLE, "name", "Tên không được để trống");
}

static int h_noreply(eg_req *r)
{
    return 0;
}

static int h_query(eg_req *r)
{
    return eg_reply_json(r, 200,
                         json_pack("{s:o, s:i, s:b, s:o}", "q", eg_json_strn(eg_req_query(r, "q")),
                                   "limit", eg_req_limit(r), "csv", eg_req_accepts(r, "text/csv"),
                                   "cookie", eg_json_strn(eg_req_cookie(r, "sid"))));
}

static int h_guarded(eg_req *r)
{
    return eg_reply_json(r, 200, json_pack("{s:b}", "ok", 1));
}

static int csrf_check(eg_req *r)
{
    const char *t = eg_req_header(r, "X-CSRF-Token");
    return t && strcmp(t, "good") == 0 ? 0 : -1;
}

static int ready_hook(void *app, char *detail, size_t n)
{
    if (ready_fail) {
        snprintf(detail, n, "cơ sở dữ liệu chưa sẵn sàng");
        return -1;
    }
    return 0;
}

static void extra_metrics(eg_buf *out, void *app)
{
    eg_buf_puts(out, "egov_test_extra 7\n");
}

static void write_file(const char *rel, const char *text)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", tmpdir, rel);
    assert_int_equal(eg_write_file_atomic(path, text, strlen(text), 0644), 0);
}

static eg_http *make_server(const char *web_root, int access_log)
{
    eg_http_config cfg = {0};
    cfg.listen = "127.0.0.1:0";
    cfg.threads = 2;
    cfg.max_body = 64 * 1024;
    cfg.max_json_depth = 8;
    cfg.web_root = web_root;
    cfg.access_log = access_log;
    eg_http *h = eg_http_new(&cfg);
    eg_route_opts items = {.summary = "Xem mục", .tag = "test"};
    eg_http_route(h, "GET", "/api/v1/items/{id}", h_item, &items);
    eg_http_route(h, "DELETE", "/api/v1/items/{id}", h_delete, &items);
    eg_http_route(h, "GET", "/api/v1/items/special", h_special, NULL);
    eg_http_route(h, "GET", "/api/v1/files/{path*}", h_files, NULL);
    eg_route_opts small = {.max_body = 1024, .public_route = 1};
    eg_http_route(h, "POST", "/api/v1/echo", h_echo, &small);
    eg_route_opts pub = {.public_route = 1};
    eg_http_route(h, "POST", "/api/v1/upload", h_upload, &pub);
    eg_http_route(h, "GET", "/api/v1/slow", h_slow, NULL);
    eg_http_route(h, "GET", "/api/v1/fail", h_fail, NULL);
    eg_http_route(h, "GET", "/api/v1/noreply", h_noreply, NULL);
    eg_http_route(h, "GET", "/api/v1/query", h_query, NULL);
    eg_http_route(h, "POST", "/api/v1/guarded", h_guarded, NULL);
    eg_http_set_csrf_check(h, csrf_check);
    eg_http_set_ready(h, ready_hook);
    eg_http_add_metrics(h, extra_metrics);
    return h;
}

static int setup(void **state)
{
    curl_global_init(CURL_GLOBAL_ALL);
    eg_log_set_level(EG_LOG_WARN);
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/egov-test-http-XXXXXX");
    assert_non_null(mkdtemp(tmpdir));
    char p[512];
    snprintf(p, sizeof(p), "%s/web/portal", tmpdir);
    assert_int_equal(eg_mkdir_p(p, 0755), 0);
    snprintf(p, sizeof(p), "%s/web/office", tmpdir);
    assert_int_equal(eg_mkdir_p(p, 0755), 0);
    write_file("web/portal/index.html", "<!doctype html><title>Cổng</title>");
    write_file("web/office/index.html", "<!doctype html><title>Một cửa</title>");
    write_file("web/portal/app.js", "console.log('x');\n");
    write_file("web/portal/app.mjs", "export {};\n");
    write_file("web/portal/style.css", "body{}\n");
    write_file("web/portal/logo.svg", "<svg xmlns='http://www.w3.org/2000/svg'/>");
    write_file("web/portal/flow.bpmn", "<definitions/>");
    write_file("secret.txt", "TOP-SECRET");
    char target[512];
    snprintf(target, sizeof(target), "%s/secret.txt", tmpdir);
    snprintf(p, sizeof(p), "%s/web/portal/escape.txt", tmpdir);
    assert_int_equal(symlink(target, p), 0);
    snprintf(p, sizeof(p), "%s/web", tmpdir);
    srv = make_server(p, 0);
    assert_int_equal(eg_http_start(srv, base, sizeof(base)), 0);
    assert_true(strncmp(base, "http://127.0.0.1:", 17) == 0);
    assert_true(atoi(base + 17) > 0);
    return 0;
}

static int teardown(void **state)
{
    eg_http_stop(srv, 2000);
    eg_http_free(srv);
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", tmpdir);
    curl_global_cleanup();
    return 0;
}

/* ------------------------------------------------------------------ tests */

static void test_healthz(void **state)
{
    resp_t r = get("/healthz");
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body.data, "{\"status\":\"ok\"}");
    assert_non_null(header(&r, "X-Request-Id"));
    resp_free(&r);
}

static void test_router_params_and_wildcard(void **state)
{
    resp_t r = get("/api/v1/items/HS-0042");
    assert_int_equal(r.status, 200);
    json_t *j = body_json(&r);
    assert_string_equal(eg_json_str(j, "id"), "HS-0042");
    assert_string_equal(eg_json_str(j, "route"), "/api/v1/items/{id}");
    json_decref(j);
    resp_free(&r);

    /* literal beats parameter, whatever the registration order */
    r = get("/api/v1/items/special");
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body.data, "{\"special\":true}");
    resp_free(&r);

    /* percent-decoded parameter */
    r = get("/api/v1/items/a%20b");
    j = body_json(&r);
    assert_string_equal(eg_json_str(j, "id"), "a b");
    json_decref(j);
    resp_free(&r);

    r = get("/api/v1/files/a/b/c.pdf");
    assert_int_equal(r.status, 200);
    j = body_json(&r);
    assert_string_equal(eg_json_str(j, "path"), "a/b/c.pdf");
    json_decref(j);
    resp_free(&r);

    /* a parameter needs a non-empty segment; a trailing extra segment does not match */
    r = get("/api/v1/items/x/y");
    json_decref(assert_problem(&r, 404, "not-found"));
    resp_free(&r);
}

static void test_not_found_problem(void **state)
{
    resp_t r = get("/api/v1/nothing-here");
    json_t *j = assert_problem(&r, 404, "not-found");
    assert_string_equal(eg_json_str(j, "title"), "Không tìm thấy");
    assert_string_equal(header(&r, "X-Content-Type-Options"), "nosniff");
    json_decref(j);
    resp_free(&r);
}

static void test_method_not_allowed(void **state)
{
    resp_t r = req("PUT", "/api/v1/items/7", NULL, "{}");
    json_t *j = assert_problem(&r, 405, "method-not-allowed");
    assert_string_equal(eg_json_str(j, "title"), "Phương thức không được hỗ trợ");
    assert_string_equal(header(&r, "Allow"), "GET, HEAD, DELETE");
    json_decref(j);
    resp_free(&r);

    const char *tok[] = {"X-CSRF-Token: good", NULL};
    r = req("DELETE", "/api/v1/items/7", tok, NULL);
    assert_int_equal(r.status, 204);
    resp_free(&r);
}

static void test_request_id(void **state)
{
    const char *ok[] = {"X-Request-Id: abc-123-XYZ", NULL};
    resp_t r = req("GET", "/healthz", ok, NULL);
    assert_string_equal(header(&r, "X-Request-Id"), "abc-123-XYZ");
    resp_free(&r);

    const char *junk[] = {"X-Request-Id: <script>alert(1)</script>", NULL};
    r = req("GET", "/api/v1/none", junk, NULL);
    const char *id = header(&r, "X-Request-Id");
    assert_non_null(id);
    assert_int_equal(strlen(id), 26);
    json_t *j = assert_problem(&r, 404, "not-found");
    json_decref(j);
    resp_free(&r);

    char longid[100];
    memset(longid, 'a', 65);
    longid[65] = '\0';
    char h[128];
    snprintf(h, sizeof(h), "X-Request-Id: %s", longid);
    const char *toolong[] = {h, NULL};
    r = req("GET", "/healthz", toolong, NULL);
    assert_int_equal(strlen(header(&r, "X-Request-Id")), 26);
    resp_free(&r);
}

static void test_json_errors(void **state)
{
    const char *json[] = {"Content-Type: application/json; charset=utf-8", NULL};
    resp_t r = req("POST", "/api/v1/echo", json, "{\"a\": [1, 2}");
    json_t *j = assert_problem(&r, 400, "bad-request");
    assert_non_null(strstr(eg_json_str(j, "detail"), "dòng 1"));
    assert_non_null(strstr(eg_json_str(j, "detail"), "cột"));
    json_decref(j);
    resp_free(&r);

    r = req("POST", "/api/v1/echo", json, "[[[[[[[[[[[[1]]]]]]]]]]]]");
    json_decref(assert_problem(&r, 400, "bad-request"));
    resp_free(&r);

    r = req("POST", "/api/v1/echo", json, "[1]");
    json_decref(assert_problem(&r, 400, "bad-request"));
    resp_free(&r);

    const char *text[] = {"Content-Type: text/plain", NULL};
    r = req("POST", "/api/v1/echo", text, "{}");
    json_decref(assert_problem(&r, 415, "unsupported-media-type"));
    resp_free(&r);

    r = req("POST", "/api/v1/echo", json, "{\"tên\":\"Hà Nội\"}");
    assert_int_equal(r.status, 200);
    j = body_json(&r);
    assert_string_equal(eg_json_str(j, "tên"), "Hà Nội");
    json_decref(j);
    resp_free(&r);
}

static void test_body_too_large(void **state)
{
    const char *json[] = {"Content-Type: application/json", NULL};
    size_t n = 5000; /* route limit 1024 */
    char *big = malloc(n + 1);
    memset(big, ' ', n);
    big[0] = '{';
    big[n - 1] = '}';
    big[n] = '\0';
    resp_t r = req_full(base, "POST", "/api/v1/echo", json, big, n, 0);
    json_decref(assert_problem(&r, 413, "payload-too-large"));
    resp_free(&r);

    r = req_full(base, "POST", "/api/v1/echo", json, big, n, 1);
    json_decref(assert_problem(&r, 413, "payload-too-large"));
    resp_free(&r);

    /* server default limit (64 KiB) applies to routes without their own */
    size_t m = 200 * 1024;
    char *huge = calloc(1, m + 1);
    memset(huge, 'x', m);
    r = req_full(base, "POST", "/api/v1/upload", NULL, huge, m, 1);
    json_decref(assert_problem(&r, 413, "payload-too-large"));
    resp_free(&r);
    free(huge);
    free(big);

    /* within the limit still works afterwards */
    r = req("POST", "/api/v1/echo", json, "{\"ok\":1}");
    assert_int_equal(r.status, 200);
    resp_free(&r);
}

static void test_static_files(void **state)
{
    static const struct {
        const char *path, *type;
    } cases[] = {
        {"/portal/app.js", "text/javascript; charset=utf-8"},
        {"/portal/app.mjs", "text/javascript; charset=utf-8"},
        {"/portal/style.css", "text/css; charset=utf-8"},
        {"/portal/logo.svg", "image/svg+xml"},
        {"/portal/flow.bpmn", "application/xml; charset=utf-8"},
        {"/portal/index.html", "text/html; charset=utf-8"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        resp_t r = get(cases[i].path);
        assert_int_equal(r.status, 200);
        assert_string_equal(header(&r, "Content-Type"), cases[i].type);
        assert_non_null(header(&r, "ETag"));
        assert_non_null(header(&r, "Cache-Control"));
        resp_free(&r);
    }
    resp_t r = get("/portal/app.js");
    assert_string_equal(r.body.data, "console.log('x');\n");
    char inm[256];
    snprintf(inm, sizeof(inm), "If-None-Match: %s", header(&r, "ETag"));
    resp_free(&r);
    const char *h[] = {inm, NULL};
    r = req("GET", "/portal/app.js", h, NULL);
    assert_int_equal(r.status, 304);
    assert_int_equal(r.body.len, 0);
    resp_free(&r);

    /* "/" is the portal; a directory serves its index.html, with the HTML CSP */
    r = get("/");
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body.data, "Cổng"));
    const char *csp = header(&r, "Content-Security-Policy");
    assert_non_null(csp);
    assert_non_null(strstr(csp, "script-src 'self'"));
    assert_non_null(strstr(csp, "frame-ancestors 'none'"));
    resp_free(&r);
    r = get("/office");
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body.data, "Một cửa"));
    resp_free(&r);

    r = req("HEAD", "/portal/style.css", NULL, NULL);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.body.len, 0);
    assert_string_equal(header(&r, "Content-Type"), "text/css; charset=utf-8");
    resp_free(&r);

    r = get("/portal/missing.js");
    json_decref(assert_problem(&r, 404, "not-found"));
    resp_free(&r);
}

static void test_traversal_refused(void **state)
{
    static const char *const paths[] = {
        "/../etc/passwd",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/portal/..%2F..%2Fsecret.txt",
        "/api%2Fv1/items/1",
        "/portal/%00.html",
        "/portal/../../secret.txt",
        "/portal/escape.txt",
        "/%2E%2E/secret.txt",
        "/portal/%zz",
        "/..",
    };
    for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
        resp_t r = get(paths[i]);
        if (r.status != 400 && r.status != 404)
            fail_msg("%s answered %ld", paths[i], r.status);
        assert_null(strstr(r.body.data, "root:"));
        assert_null(strstr(r.body.data, "TOP-SECRET"));
        assert_string_equal(header(&r, "Content-Type"), "application/problem+json");
        resp_free(&r);
    }
    resp_t r = get("/api/v1/items/%2F");
    json_decref(assert_problem(&r, 400, "bad-request"));
    resp_free(&r);
    /* dot segments that stay inside are resolved */
    r = get("/portal/./x/../app.js");
    assert_int_equal(r.status, 200);
    resp_free(&r);
    r = get("/healthz");
    assert_int_equal(r.status, 200);
    resp_free(&r);
}

static void test_security_headers(void **state)
{
    resp_t r = get("/api/v1/items/1");
    assert_string_equal(header(&r, "X-Content-Type-Options"), "nosniff");
    assert_string_equal(header(&r, "Referrer-Policy"), "same-origin");
    assert_string_equal(header(&r, "X-Frame-Options"), "DENY");
    assert_string_equal(header(&r, "Content-Type"), "application/json; charset=utf-8");
    resp_free(&r);
}

static void test_readyz(void **state)
{
    ready_fail = 0;
    resp_t r = get("/readyz");
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body.data, "{\"status\":\"ready\"}");
    resp_free(&r);
    ready_fail = 1;
    r = get("/readyz");
    json_t *j = assert_problem(&r, 503, "unavailable");
    assert_string_equal(eg_json_str(j, "detail"), "cơ sở dữ liệu chưa sẵn sàng");
    json_decref(j);
    resp_free(&r);
    ready_fail = 0;
}

static void test_metrics(void **state)
{
    for (int i = 0; i < 3; i++) {
        resp_t r = get("/api/v1/items/m");
        resp_free(&r);
    }
    resp_t r = get("/api/v1/unknown");
    resp_free(&r);
    /* the completion callback records after the response is out: give it a moment */
    struct timespec ts = {0, 50 * 1000 * 1000};
    nanosleep(&ts, NULL);
    r = get("/metrics");
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(header(&r, "Content-Type"), "text/plain"));
    const char *b = r.body.data;
    assert_non_null(strstr(b, "egov_build_info{version=\"0.1.0\",commit=\""));
    const char *want =
        "egov_http_requests_total{route=\"/api/v1/items/{id}\",method=\"GET\",status=\"200\"} ";
    const char *line = strstr(b, want);
    assert_non_null(line);
    assert_true(atoi(line + strlen(want)) >= 3);
    assert_non_null(
        strstr(b, "egov_http_requests_total{route=\"unmatched\",method=\"GET\",status=\"404\"}"));
    assert_non_null(strstr(b, "# TYPE egov_http_request_duration_seconds histogram"));
    assert_non_null(strstr(b, "egov_http_request_duration_seconds_bucket{le=\"+Inf\"}"));
    assert_non_null(strstr(b, "egov_http_request_duration_seconds_sum "));
    assert_non_null(strstr(b, "egov_http_request_duration_seconds_count "));
    assert_non_null(strstr(b, "egov_test_extra 7\n"));
    resp_free(&r);
}

static void test_openapi(void **state)
{
    resp_t r = get("/api/v1/openapi.json");
    assert_int_equal(r.status, 200);
    json_t *j = body_json(&r);
    assert_string_equal(eg_json_str(j, "openapi"), "3.1.0");
    json_t *paths = json_object_get(j, "paths");
    json_t *item = json_object_get(paths, "/api/v1/items/{id}");
    assert_non_null(item);
    json_t *op = json_object_get(item, "get");
    assert_non_null(op);
    assert_non_null(json_object_get(item, "delete"));
    assert_string_equal(eg_json_str(op, "summary"), "Xem mục");
    assert_string_equal(json_string_value(json_array_get(json_object_get(op, "tags"), 0)), "test");
    json_t *p0 = json_array_get(json_object_get(op, "parameters"), 0);
    assert_string_equal(eg_json_str(p0, "name"), "id");
    assert_string_equal(eg_json_str(p0, "in"), "path");
    assert_non_null(json_object_get(paths, "/api/v1/files/{path}"));
    assert_non_null(json_object_get(paths, "/api/v1/version"));
    assert_null(json_object_get(paths, "/healthz"));
    json_decref(j);
    resp_free(&r);

    r = get("/api/v1/version");
    j = body_json(&r);
    assert_string_equal(eg_json_str(j, "version"), "0.1.0");
    assert_non_null(eg_json_str(j, "commit"));
    json_decref(j);
    resp_free(&r);
}

static const char mp_body[] = "--XyZ\r\n"
                              "Content-Disposition: form-data; name=\"title\"\r\n"
                              "\r\n"
                              "Giấy khai sinh\r\n"
                              "--XyZ\r\n"
                              "Content-Disposition: form-data; name=\"file\"; "
                              "filename=\"scan.pdf\"\r\n"
                              "Content-Type: application/pdf\r\n"
                              "\r\n"
                              "%PDF-1.4 data\r\n"
                              "--XyZ--\r\n";

static void test_multipart_http(void **state)
{
    const char *h[] = {"Content-Type: multipart/form-data; boundary=XyZ", NULL};
    resp_t r = req("POST", "/api/v1/upload", h, mp_body);
    assert_int_equal(r.status, 200);
    json_t *j = body_json(&r);
    json_t *parts = json_object_get(j, "parts");
    assert_int_equal(json_array_size(parts), 2);
    assert_string_equal(eg_json_str(json_array_get(parts, 0), "name"), "title");
    assert_string_equal(eg_json_str(json_array_get(parts, 0), "data"), "Giấy khai sinh");
    assert_string_equal(eg_json_str(json_array_get(parts, 1), "filename"), "scan.pdf");
    assert_string_equal(eg_json_str(json_array_get(parts, 1), "data"), "%PDF-1.4 data");
    json_decref(j);
    resp_free(&r);

    r = req("POST", "/api/v1/upload", h, "--XyZ\r\nContent-Disposition: form-data\r\n\r\nx");
    json_decref(assert_problem(&r, 400, "bad-request"));
    resp_free(&r);
}

static void test_multipart_parser(void **state)
{
    eg_arena *a = eg_arena_new(0);
    eg_part *parts;
    int n;
    const char *ct = "multipart/form-data; boundary=\"XyZ\"";
    assert_int_equal(eg_multipart_parse(a, ct, mp_body, strlen(mp_body), &parts, &n), 0);
    assert_int_equal(n, 2);
    assert_null(parts[0].filename);
    assert_string_equal(parts[1].content_type, "application/pdf");
    assert_int_equal(parts[1].len, strlen("%PDF-1.4 data"));
    /* no closing delimiter, no name, wrong type, no boundary */
    const char *open = "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nabc";
    assert_int_equal(eg_multipart_parse(a, ct, open, strlen(open), &parts, &n), EG_EINVAL);
    const char *noname = "--XyZ\r\nContent-Disposition: form-data\r\n\r\nabc\r\n--XyZ--";
    assert_int_equal(eg_multipart_parse(a, ct, noname, strlen(noname), &parts, &n), EG_EINVAL);
    assert_int_equal(eg_multipart_parse(a, "text/plain", "x", 1, &parts, &n), EG_EMEDIA);
    assert_int_equal(eg_multipart_parse(a, "multipart/form-data", "x", 1, &parts, &n), EG_EINVAL);
    eg_arena_free(a);
}

static void test_url_decode(void **state)
{
    static const struct {
        const char *in, *out; /* out NULL = refused */
    } cases[] = {
        {"/a/b", "/a/b"},   {"/a%20b", "/a b"},  {"/a/./b/../c", "/a/c"},
        {"/a/..", "/"},     {"/", "/"},          {"/..", NULL},
        {"/a/../..", NULL}, {"/%2e%2e/x", NULL}, {"/a%2Fb", NULL},
        {"/a%2fb", NULL},   {"/a%00", NULL},     {"/a%5cb", NULL},
        {"/a%", NULL},      {"/a%4", NULL},      {"/a%g0", NULL},
        {"a/b", NULL},      {"", NULL},          {"/Hà%20Nội", "/Hà Nội"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        eg_buf b = EG_BUF_INIT;
        int rc = eg_url_decode_path(cases[i].in, strlen(cases[i].in), &b);
        if (cases[i].out) {
            if (rc != 0)
                fail_msg("%s refused", cases[i].in);
            assert_string_equal(eg_buf_cstr(&b), cases[i].out);
        } else if (rc != EG_EINVAL) {
            fail_msg("%s accepted as %s", cases[i].in, eg_buf_cstr(&b));
        }
        eg_buf_free(&b);
    }
    eg_buf b = EG_BUF_INIT;
    assert_int_equal(eg_url_decode_query("a+b%2Bc%26", 10, &b), 0);
    assert_string_equal(eg_buf_cstr(&b), "a b+c&");
    eg_buf_reset(&b);
    assert_int_equal(eg_url_decode_query("x%00", 4, &b), EG_EINVAL);
    eg_buf_free(&b);
    /* empty input still gives a terminated string (found by fuzz_url) */
    eg_buf e = EG_BUF_INIT;
    assert_int_equal(eg_url_decode_query("", 0, &e), 0);
    assert_string_equal(eg_buf_cstr(&e), "");
    eg_buf_free(&e);
}

static void test_handler_errors(void **state)
{
    resp_t r = get("/api/v1/fail");
    json_t *j = assert_problem(&r, 422, "validation-failed");
    assert_string_equal(eg_json_str(j, "detail"), "Tên không được để trống");
    json_t *e0 = json_array_get(json_object_get(j, "errors"), 0);
    assert_string_equal(eg_json_str(e0, "field"), "name");
    json_decref(j);
    resp_free(&r);

    r = get("/api/v1/noreply");
    json_decref(assert_problem(&r, 500, "internal"));
    resp_free(&r);
}

static void test_query_and_cookies(void **state)
{
    const char *h[] = {"Accept: text/csv, application/json;q=0.5", "Cookie: sid=abc; x=1", NULL};
    resp_t r = req("GET", "/api/v1/query?q=H%C3%A0+N%E1%BB%99i&limit=9999", h, NULL);
    assert_int_equal(r.status, 200);
    json_t *j = body_json(&r);
    assert_string_equal(eg_json_str(j, "q"), "Hà Nội");
    assert_int_equal(eg_json_int(j, "limit", 0), 500);
    assert_int_equal(eg_json_bool(j, "csv", 0), 1);
    assert_string_equal(eg_json_str(j, "cookie"), "abc");
    json_decref(j);
    resp_free(&r);

    r = get("/api/v1/query?limit=abc&q=");
    j = body_json(&r);
    assert_string_equal(eg_json_str(j, "q"), "");
    assert_int_equal(eg_json_int(j, "limit", 0), 50);
    assert_int_equal(eg_json_bool(j, "csv", 1), 0);
    json_decref(j);
    resp_free(&r);
}

static void test_csrf(void **state)
{
    resp_t r = req("POST", "/api/v1/guarded", NULL, "x");
    json_decref(assert_problem(&r, 403, "forbidden"));
    resp_free(&r);
    const char *h[] = {"X-CSRF-Token: good", NULL};
    r = req("POST", "/api/v1/guarded", h, "x");
    assert_int_equal(r.status, 200);
    resp_free(&r);
}

struct slow_call {
    char base[128];
    resp_t r;
};

static void *slow_thread(void *arg)
{
    struct slow_call *sc = arg;
    sc->r = req_full(sc->base, "GET", "/api/v1/slow", NULL, NULL, 0, 0);
    return NULL;
}

static void test_graceful_stop(void **state)
{
    /* this server also writes the access log, captured in a file */
    char logpath[300];
    snprintf(logpath, sizeof(logpath), "%s/access.log", tmpdir);
    int logfd = open(logpath, O_CREAT | O_WRONLY | O_TRUNC, 0600);
    assert_true(logfd >= 0);
    eg_log_set_fd(logfd);
    eg_log_set_level(EG_LOG_INFO);
    eg_http *h = make_server(NULL, 1);
    struct slow_call sc;
    assert_int_equal(eg_http_start(h, sc.base, sizeof(sc.base)), 0);
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, slow_thread, &sc), 0);
    struct timespec ts = {0, 150 * 1000 * 1000};
    nanosleep(&ts, NULL);
    eg_http_stop(h, 5000);
    pthread_join(t, NULL);
    assert_int_equal(sc.r.cc, CURLE_OK);
    assert_int_equal(sc.r.status, 200);
    assert_string_equal(sc.r.body.data, "{\"slow\":\"done\"}");
    resp_free(&sc.r);
    /* no longer listening */
    resp_t r = req_full(sc.base, "GET", "/healthz", NULL, NULL, 0, 0);
    assert_int_not_equal(r.cc, CURLE_OK);
    resp_free(&r);
    eg_http_free(h);

    eg_log_set_fd(2);
    eg_log_set_level(EG_LOG_WARN);
    close(logfd);
    eg_buf log = EG_BUF_INIT;
    assert_int_equal(eg_read_file(logpath, 1 << 20, &log), 0);
    const char *all = eg_buf_cstr(&log);
    const char *hit = strstr(all, "\"route\":\"/api/v1/slow\"");
    assert_non_null(hit);
    const char *line = hit;
    while (line > all && line[-1] != '\n')
        line--;
    assert_true(strncmp(line, "{\"ts\":", 6) == 0);
    assert_non_null(strstr(line, "\"method\":\"GET\""));
    assert_non_null(strstr(line, "\"status\":\"200\""));
    assert_non_null(strstr(line, "\"duration_ms\":"));
    assert_non_null(strstr(line, "\"client_ip\":\"127.0.0.1\""));
    eg_buf_free(&log);
}

/* Sends raw bytes to the test server and returns what came back (first 4 KiB). */
static void raw_exchange(const char *bytes, char *out, size_t outlen)
{
    int port = atoi(base + 17);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in sa = {0};
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    struct timeval tv = {5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    ssize_t w = write(fd, bytes, strlen(bytes));
    assert_true(w == (ssize_t)strlen(bytes));
    shutdown(fd, SHUT_WR);
    size_t got = 0;
    for (;;) {
        ssize_t n = read(fd, out + got, outlen - 1 - got);
        if (n <= 0)
            break;
        got += (size_t)n;
        if (got == outlen - 1)
            break;
    }
    out[got] = '\0';
    close(fd);
}

static void test_malformed_requests(void **state)
{
    static const char *const bad[] = {
        "POST /api/v1/echo HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: "
        "abc\r\n\r\n{}",
        "POST /api/v1/echo HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: -5\r\n\r\n",
        "GET /a%00b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        "GET /portal/..\\..\\secret.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        "GARBAGE\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Bad header\r\n\r\n",
        "POST /api/v1/echo HTTP/1.1\r\nHost: x\r\nConnection: close\r\nTransfer-Encoding: "
        "chunked\r\n\r\nzz\r\n",
        "GET /api/v1/items/1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Request-Id: a b\r\n\r\n",
    };
    char out[4096];
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        raw_exchange(bad[i], out, sizeof(out));
        assert_null(strstr(out, "TOP-SECRET"));
        if (strncmp(out, "HTTP/1.1 2", 10) == 0 && i != 7 && i != 5)
            fail_msg("request %zu accepted: %.80s", i, out);
    }
    raw_exchange(
        "POST /api/v1/echo HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 99999999\r\n"
        "Content-Type: application/json\r\n\r\n{}",
        out, sizeof(out));
    assert_true(strncmp(out, "HTTP/1.1 413", 12) == 0);
    assert_non_null(strstr(out, "payload-too-large"));
    resp_t r = get("/healthz");
    assert_int_equal(r.status, 200);
    resp_free(&r);
}

static void *hammer(void *arg)
{
    int *fails = arg;
    for (int i = 0; i < 100; i++) {
        resp_t r = get("/api/v1/items/load");
        if (r.status != 200)
            (*fails)++;
        resp_free(&r);
    }
    return NULL;
}

/* Concurrent clients: every request answered, and the lock-free counters lose none. */
static void test_concurrency(void **state)
{
    const char *want =
        "egov_http_requests_total{route=\"/api/v1/items/{id}\",method=\"GET\",status=\"200\"} ";
    resp_t r = get("/metrics");
    const char *line = strstr(r.body.data, want);
    long before = line ? atol(line + strlen(want)) : 0;
    resp_free(&r);
    pthread_t t[4];
    int fails[4] = {0};
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&t[i], NULL, hammer, &fails[i]), 0);
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(fails[i], 0);
    }
    struct timespec ts = {0, 50 * 1000 * 1000};
    nanosleep(&ts, NULL);
    r = get("/metrics");
    line = strstr(r.body.data, want);
    assert_non_null(line);
    assert_int_equal(atol(line + strlen(want)) - before, 400);
    resp_free(&r);
}

static void test_ipv6_listen(void **state)
{
    eg_http_config cfg = {.listen = "[::1]:0", .threads = 1};
    eg_http *h = eg_http_new(&cfg);
    char url[128];
    if (eg_http_start(h, url, sizeof(url)) != 0) {
        eg_http_free(h); /* no IPv6 on this host */
        skip();
    }
    assert_true(strncmp(url, "http://[::1]:", 13) == 0);
    resp_t r = req_full(url, "GET", "/healthz", NULL, NULL, 0, 0);
    assert_int_equal(r.status, 200);
    resp_free(&r);
    eg_http_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_url_decode),
        cmocka_unit_test(test_multipart_parser),
        cmocka_unit_test(test_healthz),
        cmocka_unit_test(test_router_params_and_wildcard),
        cmocka_unit_test(test_not_found_problem),
        cmocka_unit_test(test_method_not_allowed),
        cmocka_unit_test(test_request_id),
        cmocka_unit_test(test_json_errors),
        cmocka_unit_test(test_body_too_large),
        cmocka_unit_test(test_static_files),
        cmocka_unit_test(test_traversal_refused),
        cmocka_unit_test(test_security_headers),
        cmocka_unit_test(test_readyz),
        cmocka_unit_test(test_metrics),
        cmocka_unit_test(test_openapi),
        cmocka_unit_test(test_multipart_http),
        cmocka_unit_test(test_handler_errors),
        cmocka_unit_test(test_query_and_cookies),
        cmocka_unit_test(test_csrf),
        cmocka_unit_test(test_malformed_requests),
        cmocka_unit_test(test_concurrency),
        cmocka_unit_test(test_ipv6_listen),
        cmocka_unit_test(test_graceful_stop),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
