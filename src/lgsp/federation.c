/*
 * federation.c - two egov instances (a province and the national hub, or two provinces)
 * exchange calls over mutual TLS with signed requests and responses, X-Road's security
 * server to security server leg (references.md §A.2) in a small form.
 *
 * Provider side: a TLS listener (lgsp.federation_listen) that demands a client certificate
 * issued by lgsp.federation_ca (OpenSSL, SSL_VERIFY_FAIL_IF_NO_PEER_CERT), reads one HTTP/1.1
 * request per connection: POST|GET|... /fed/{service}/{version}/{path}?query. The request must
 * carry X-Lgsp-Origin (the calling instance, which is the consumer client_id the grant names),
 * X-Lgsp-Timestamp (ms, within 5 minutes) and X-Lgsp-Signature = base64 Ed25519 over
 *   "egov-lgsp-fed-req\n" METHOD "\n" TARGET "\n" X-Road-Id "\n" X-Road-Client "\n"
 *   sha256hex(body) "\n" timestamp
 * by one of lgsp.federation_peer_keys (hex public keys). A bad or missing signature is 403
 * lgsp/access-denied and nothing is forwarded. Then the usual service/grant checks, the call to
 * the local upstream, a "producer" record in this instance's message log, and a response signed
 * over "egov-lgsp-fed-res\n" status "\n" X-Road-Id "\n" sha256hex(request) "\n"
 * sha256hex(response).
 *
 * Consumer side: a service whose upstream_url starts with one of lgsp.federation_peers is called
 * with this instance's client certificate (lgsp.federation_cert/key), the peer verified against
 * lgsp.federation_ca, the request signed with <data_dir>/keys/lgsp-log.key and the response
 * signature checked (a bad one is 502 and the body is not returned).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sodium.h>
#include "lgsp/internal.h"

#define MAX_PEERS 8
#define HDR_MAX   (16 * 1024)

struct lgsp_fed {
    lgsp_state *s;
    lgsp_tls_server *srv;
    unsigned char peer_pk[MAX_PEERS][crypto_sign_PUBLICKEYBYTES];
    int npeers;
    unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
    int have_key;
    char name[128];
};

static struct lgsp_fed *fed_of(lgsp_state *s)
{
    return s->fed;
}

const char *eg__lgsp_fed_cfg(lgsp_state *s, const char *what)
{
    char key[64];
    snprintf(key, sizeof(key), "lgsp.federation_%s", what);
    const char *v = eg_config_get(s->app->cfg, key, NULL);
    return v && *v ? v : NULL;
}

int eg__lgsp_fed_is_peer(lgsp_state *s, const char *url)
{
    const char *peers = eg__lgsp_fed_cfg(s, "peers");
    if (!peers)
        return 0;
    char *copy = eg_strdup(peers), *save = NULL;
    int hit = 0;
    for (char *t = strtok_r(copy, ", ", &save); t && !hit; t = strtok_r(NULL, ", ", &save))
        hit = eg_str_has_prefix(url, t);
    free(copy);
    return hit;
}

static int hex32(const char *h, unsigned char out[32])
{
    if (strlen(h) != 64)
        return -1;
    for (int i = 0; i < 32; i++) {
        unsigned v;
        if (sscanf(h + 2 * i, "%2x", &v) != 1)
            return -1;
        out[i] = (unsigned char)v;
    }
    return 0;
}

static void load_keys(struct lgsp_fed *f)
{
    f->have_key = eg__lgsp_keypair(f->s->app->data_dir, 1, f->pk, f->sk) == 0;
    const char *keys = eg__lgsp_fed_cfg(f->s, "peer_keys");
    if (keys) {
        char *copy = eg_strdup(keys), *save = NULL;
        for (char *t = strtok_r(copy, ", ", &save); t && f->npeers < MAX_PEERS;
             t = strtok_r(NULL, ", ", &save))
            if (hex32(t, f->peer_pk[f->npeers]) == 0)
                f->npeers++;
        free(copy);
    }
    snprintf(f->name, sizeof(f->name), "%s",
             eg_config_get(f->s->app->cfg, "lgsp.federation_name", "egov"));
}

static int verify_any(struct lgsp_fed *f, const eg_buf *msg, const char *sig_b64)
{
    eg_buf sig = EG_BUF_INIT;
    int ok = 0;
    if (sig_b64 && eg_b64_decode(sig_b64, strlen(sig_b64), &sig) == 0 &&
        sig.len == crypto_sign_BYTES) {
        for (int i = 0; i < f->npeers && !ok; i++)
            ok = crypto_sign_verify_detached((unsigned char *)sig.data,
                                             (const unsigned char *)msg->data, msg->len,
                                             f->peer_pk[i]) == 0;
    }
    eg_buf_free(&sig);
    return ok;
}

static char *sign_b64(struct lgsp_fed *f, const eg_buf *msg)
{
    unsigned char sig[crypto_sign_BYTES];
    crypto_sign_detached(sig, NULL, (const unsigned char *)msg->data, msg->len, f->sk);
    char *out = eg_malloc(crypto_sign_BYTES * 2);
    eg_b64_encode(sig, sizeof(sig), out);
    return out;
}

static void req_message(eg_buf *m, const char *method, const char *target, const char *xid,
                        const char *client, const char *body, size_t len, const char *ts)
{
    char h[65];
    eg_sha256_hex(body ? body : "", len, h);
    eg_buf_printf(m, "egov-lgsp-fed-req\n%s\n%s\n%s\n%s\n%s\n%s", method, target, xid,
                  client ? client : "", h, ts);
}

static void res_message(eg_buf *m, int status, const char *xid, const char *req, size_t rl,
                        const char *res, size_t sl)
{
    char h1[65], h2[65];
    eg_sha256_hex(req ? req : "", rl, h1);
    eg_sha256_hex(res ? res : "", sl, h2);
    eg_buf_printf(m, "egov-lgsp-fed-res\n%d\n%s\n%s\n%s", status, xid, h1, h2);
}

/* ------------------------------------------------------------------ consumer side */

struct curl_slist *eg__lgsp_fed_sign(lgsp_state *s, struct curl_slist *h, const char *method,
                                     const char *target, const char *xroad_id, const char *client,
                                     const char *body, size_t len)
{
    struct lgsp_fed *f = fed_of(s);
    if (!f || !f->have_key)
        return h;
    char ts[32];
    snprintf(ts, sizeof(ts), "%lld", (long long)eg_now_ms());
    eg_buf m = EG_BUF_INIT;
    req_message(&m, method, target, xroad_id, client, body, len, ts);
    char *sig = sign_b64(f, &m);
    eg_buf_free(&m);
    char line[512];
    snprintf(line, sizeof(line), "X-Lgsp-Origin: %s", f->name);
    h = curl_slist_append(h, line);
    snprintf(line, sizeof(line), "X-Lgsp-Timestamp: %s", ts);
    h = curl_slist_append(h, line);
    snprintf(line, sizeof(line), "X-Lgsp-Signature: %s", sig);
    h = curl_slist_append(h, line);
    free(sig);
    return h;
}

int eg__lgsp_fed_verify_response(lgsp_state *s, int status, const char *xroad_id,
                                 const char *req_body, size_t req_len,
                                 const lgsp_upstream_reply *up)
{
    struct lgsp_fed *f = fed_of(s);
    if (!f)
        return EG_EUPSTREAM;
    char sig[256] = "";
    const char *p = up->headers.data;
    while (p && *p) {
        const char *e = strstr(p, "\r\n");
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (n > 17 && strncasecmp(p, "X-Lgsp-Signature:", 17) == 0) {
            const char *v = p + 17;
            while (*v == ' ')
                v++;
            snprintf(sig, sizeof(sig), "%.*s", (int)(n - (size_t)(v - p)), v);
        }
        p = e ? e + 2 : NULL;
    }
    eg_buf m = EG_BUF_INIT;
    res_message(&m, status, xroad_id, req_body, req_len, up->body.data, up->body.len);
    int ok = verify_any(f, &m, sig);
    eg_buf_free(&m);
    return ok ? EG_OK : EG_EUPSTREAM;
}

/* ------------------------------------------------------------------ provider side */

static const char *hdr(char **names, char **values, int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (strcasecmp(names[i], name) == 0)
            return values[i];
    return NULL;
}

static void send_reply(SSL *ssl, struct lgsp_fed *f, int status, const char *ctype,
                       const char *body, size_t len, const char *xid, const char *req, size_t rl)
{
    eg_buf m = EG_BUF_INIT;
    res_message(&m, status, xid ? xid : "", req, rl, body, len);
    char *sig = f->have_key ? sign_b64(f, &m) : eg_strdup("");
    eg_buf_free(&m);
    eg_buf out = EG_BUF_INIT;
    eg_buf_printf(&out,
                  "HTTP/1.1 %d LGSP\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
                  "X-Road-Id: %s\r\nX-Lgsp-Signature: %s\r\nConnection: close\r\n\r\n",
                  status, ctype, len, xid ? xid : "", sig);
    eg_buf_append(&out, body, len);
    SSL_write(ssl, out.data, (int)out.len);
    eg_buf_free(&out);
    free(sig);
}

static void send_problem(SSL *ssl, struct lgsp_fed *f, int status, const char *slug,
                         const char *detail, const char *xid, const char *req, size_t rl)
{
    char type[160];
    snprintf(type, sizeof(type), LGSP_PROBLEM "%s", slug);
    json_t *p = json_pack("{s:s, s:s, s:i, s:s}", "type", type, "title", "Lỗi liên thông LGSP",
                          "status", status, "detail", detail);
    eg_buf b = EG_BUF_INIT;
    eg_json_dump_buf(&b, p);
    json_decref(p);
    send_reply(ssl, f, status, "application/problem+json", b.data, b.len, xid, req, rl);
    eg_buf_free(&b);
}

static void handle(struct lgsp_fed *f, SSL *ssl)
{
    lgsp_state *s = f->s;
    eg_buf in = EG_BUF_INIT;
    char buf[8192];
    char *end = NULL;
    while (!end) {
        int n = SSL_read(ssl, buf, sizeof(buf));
        if (n <= 0)
            goto out;
        eg_buf_append(&in, buf, (size_t)n);
        end = strstr(in.data, "\r\n\r\n");
        if (!end && in.len > HDR_MAX)
            goto out;
    }
    size_t hlen = (size_t)(end - in.data) + 4;
    *end = '\0';
    char *names[64], *values[64];
    int nh = 0;
    char *save = NULL;
    char *line = strtok_r(in.data, "\r\n", &save);
    char method[16] = "", target[4096] = "";
    if (!line || sscanf(line, "%15s %4095s", method, target) != 2)
        goto out;
    while ((line = strtok_r(NULL, "\r\n", &save)) && nh < 64) {
        char *c = strchr(line, ':');
        if (!c)
            continue;
        *c = '\0';
        char *v = c + 1;
        while (*v == ' ' || *v == '\t')
            v++;
        names[nh] = line;
        values[nh++] = v;
    }
    const char *cl = hdr(names, values, nh, "Content-Length");
    size_t blen = cl ? (size_t)strtoull(cl, NULL, 10) : 0;
    if (hdr(names, values, nh, "Transfer-Encoding") || (int64_t)blen > s->max_body) {
        send_problem(ssl, f, 413, "payload-too-large", "Nội dung quá lớn hoặc không hỗ trợ", NULL,
                     "", 0);
        goto out;
    }
    eg_buf body = EG_BUF_INIT;
    eg_buf_append(&body, in.data + hlen, in.len - hlen);
    while (body.len < blen) {
        int n = SSL_read(ssl, buf, sizeof(buf));
        if (n <= 0) {
            eg_buf_free(&body);
            goto out;
        }
        eg_buf_append(&body, buf, (size_t)n);
    }
    body.len = blen < body.len ? blen : body.len;
    const char *bd = body.data ? body.data : "";
    const char *xid = hdr(names, values, nh, "X-Road-Id");
    const char *client = hdr(names, values, nh, "X-Road-Client");
    const char *origin = hdr(names, values, nh, "X-Lgsp-Origin");
    const char *ts = hdr(names, values, nh, "X-Lgsp-Timestamp");
    const char *sig = hdr(names, values, nh, "X-Lgsp-Signature");
    int64_t t_in = eg_now_ms();
    eg_buf m = EG_BUF_INIT;
    req_message(&m, method, target, xid ? xid : "", client, bd, body.len, ts ? ts : "");
    int64_t tsv = ts ? strtoll(ts, NULL, 10) : 0;
    int sig_ok =
        xid && origin && ts && verify_any(f, &m, sig) && tsv > t_in - 300000 && tsv < t_in + 300000;
    eg_buf_free(&m);
    if (!sig_ok) {
        send_problem(ssl, f, 403, "access-denied", "Chữ ký của yêu cầu liên thông không hợp lệ",
                     xid, bd, body.len);
        eg_buf_free(&body);
        goto out;
    }
    /* /fed/{service}/{version}{rest} */
    char svc[128] = "", ver[64] = "";
    const char *rest = "";
    if (strncmp(target, "/fed/", 5) == 0) {
        const char *a = target + 5, *b = strchr(a, '/');
        const char *c2 = b ? strpbrk(b + 1, "/?") : NULL;
        if (b && (size_t)(b - a) < sizeof(svc)) {
            snprintf(svc, sizeof(svc), "%.*s", (int)(b - a), a);
            size_t vl = c2 ? (size_t)(c2 - b - 1) : strlen(b + 1);
            if (vl < sizeof(ver))
                snprintf(ver, sizeof(ver), "%.*s", (int)vl, b + 1);
            rest = c2 ? c2 : "";
        }
    }
    eg_arena *a = eg_arena_new(0);
    eg_conn *c = eg_db_conn(s->app->db);
    lgsp_service sv;
    lgsp_grant g;
    lgsp_upstream_reply up = {0};
    int status;
    const char *err = NULL;
    if (strstr(target, "%2F") || strstr(target, "%2f") || strstr(target, "/../") ||
        eg__lgsp_service_get(c, a, svc, &sv) != 0 || strcmp(sv.version, ver) != 0 ||
        (strcmp(sv.status, "published") && strcmp(sv.status, "deprecated"))) {
        status = 404, err = "unknown-service";
    } else if (eg__lgsp_grant_get(c, a, svc, origin, &g) != 0 ||
               (g.methods && !strstr(g.methods, eg_arena_printf(a, ",%s,", method)))) {
        status = 403, err = "access-denied";
    } else {
        struct curl_slist *h = NULL;
        h = curl_slist_append(
            h, eg_arena_printf(a, "X-Road-Client: %s/%s", origin, client ? client : ""));
        h = curl_slist_append(h, eg_arena_printf(a, "X-Road-Id: %s", xid));
        const char *pass[] = {"X-Road-UserId", "X-Road-Issue", "Content-Type",
                              "SOAPAction",    "Accept",       NULL};
        for (int i = 0; pass[i]; i++) {
            const char *v = hdr(names, values, nh, pass[i]);
            if (v)
                h = curl_slist_append(h, eg_arena_printf(a, "%s: %s", pass[i], v));
        }
        h = curl_slist_append(h, "Expect:");
        size_t ul = strlen(sv.upstream_url);
        while (ul && sv.upstream_url[ul - 1] == '/')
            ul--;
        eg__lgsp_forward(s, eg_arena_printf(a, "%.*s%s", (int)ul, sv.upstream_url, rest), method, h,
                         bd, body.len, sv.timeout_ms, &up);
        curl_slist_free_all(h);
        status = up.err == EG_ETIMEOUT ? 504 : up.err ? 502 : up.status;
        err = up.err == EG_ETIMEOUT ? "upstream-timeout" : up.err ? "upstream-unreachable" : NULL;
    }
    if (err)
        send_problem(ssl, f, status, err, "Liên thông: dịch vụ không phục vụ được yêu cầu", xid, bd,
                     body.len);
    else
        send_reply(ssl, f, status, up.ctype[0] ? up.ctype : "application/octet-stream",
                   up.body.data ? up.body.data : "", up.body.len, xid, bd, body.len);

    lgsp_record *rec = eg__lgsp_record_new();
    snprintf(rec->xroad_id, sizeof(rec->xroad_id), "%s", xid);
    snprintf(rec->side, sizeof(rec->side), "producer");
    rec->client_id = eg_asprintf("%s/%s", origin, client ? client : "");
    rec->service_code = eg_strdup(svc[0] ? svc : "-");
    rec->service_version = eg_strdup(ver);
    rec->method = eg_strdup(method);
    rec->path = eg_strdup(rest);
    const char *uid = hdr(names, values, nh, "X-Road-UserId");
    rec->user_id = uid ? eg_strdup(uid) : NULL;
    rec->status = status;
    rec->error_type = err ? eg_strdup(err) : NULL;
    rec->request_in_ms = t_in;
    rec->response_out_ms = eg_now_ms();
    rec->request_size = (int64_t)body.len;
    rec->response_size = (int64_t)up.body.len;
    eg_sha256_hex(bd, body.len, rec->request_sha256);
    eg_sha256_hex(up.body.data ? up.body.data : "", up.body.len, rec->response_sha256);
    eg__lgsp_stats_add(s->stats, rec->service_code, rec->client_id, status, err == NULL,
                       rec->response_out_ms - t_in);
    eg__lgsp_log_submit(s, rec);
    eg_buf_free(&up.body);
    eg_buf_free(&up.headers);
    eg_buf_free(&body);
    eg_arena_free(a);
out:
    eg_buf_free(&in);
}

static void on_conn(void *ud, SSL *ssl)
{
    handle(ud, ssl);
}

void eg__lgsp_fed_start(lgsp_state *s)
{
    struct lgsp_fed *f = eg_calloc(1, sizeof(*f));
    f->s = s;
    s->fed = f;
    load_keys(f);
    const char *listen_at = eg__lgsp_fed_cfg(s, "listen");
    const char *cert = eg__lgsp_fed_cfg(s, "cert"), *key = eg__lgsp_fed_cfg(s, "key");
    const char *ca = eg__lgsp_fed_cfg(s, "ca");
    if (!listen_at)
        return;
    if (!cert || !key || !ca) {
        eg_log(EG_LOG_ERROR, "lgsp", NULL,
               "federation_listen needs federation_cert, federation_key and federation_ca", NULL);
        return;
    }
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1 ||
        SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_load_verify_locations(ctx, ca, NULL) != 1) {
        eg_log(EG_LOG_ERROR, "lgsp", NULL, "federation: cannot load certificate/key/CA", NULL);
        SSL_CTX_free(ctx);
        return;
    }
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
    f->srv = eg__lgsp_tls_listen("federation (mutual TLS)", listen_at, ctx, on_conn, f);
}

void eg__lgsp_fed_stop(lgsp_state *s)
{
    struct lgsp_fed *f = s->fed;
    if (!f)
        return;
    eg__lgsp_tls_stop(f->srv);
    sodium_memzero(f->sk, sizeof(f->sk));
    free(f);
    s->fed = NULL;
}
