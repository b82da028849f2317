/*
 * mtls.c - the gateway's TLS entrance for consumer systems bound to a client certificate.
 *
 * A consumer registered with cert_sha256 must present that certificate: the gateway answers
 * lgsp/unauthenticated (401) to its calls unless they came through this listener with a
 * client certificate whose SHA-256 (of the DER) equals the registered one.
 *
 * lgsp.tls_listen (HOST:PORT), lgsp.tls_cert / lgsp.tls_key (the server certificate), and
 * optionally lgsp.tls_ca (then client certificates must also chain to it; without it any
 * client certificate is accepted at the TLS layer and the binding is by fingerprint, like
 * X-Road's registered authentication certificates). One request per connection: the request
 * is read (Content-Length bodies up to lgsp.max_body), must target /gw/..., and is relayed to
 * this instance's own HTTP listener (lgsp.tls_target, default the served base URL) with
 * X-Lgsp-Client-Cert (the fingerprint, or "none") and X-Lgsp-Relay (a random secret made at
 * start-up). The gateway trusts X-Lgsp-Client-Cert only next to the right secret and never
 * forwards either header, so a client on the plain listener cannot claim a certificate.
 * Everything else (authentication, grants, limits, the message log) is the gateway's.
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
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include "lgsp/internal.h"

#define HDR_MAX (16 * 1024)

struct lgsp_mtls {
    lgsp_state *s;
    lgsp_tls_server *srv;
    char *target;
};

static int accept_any(int ok, X509_STORE_CTX *x)
{
    (void)ok;
    (void)x;
    return 1;
}

static void send_simple(SSL *ssl, int status, const char *slug, const char *detail)
{
    char type[160];
    snprintf(type, sizeof(type), LGSP_PROBLEM "%s", slug);
    json_t *p = json_pack("{s:s, s:s, s:i, s:s}", "type", type, "title", "Yêu cầu không hợp lệ",
                          "status", status, "detail", detail);
    eg_buf b = EG_BUF_INIT;
    eg_json_dump_buf(&b, p);
    json_decref(p);
    eg_buf out = EG_BUF_INIT;
    eg_buf_printf(&out,
                  "HTTP/1.1 %d LGSP\r\nContent-Type: application/problem+json\r\n"
                  "Content-Length: %zu\r\nConnection: close\r\n\r\n",
                  status, b.len);
    eg_buf_append(&out, b.data, b.len);
    SSL_write(ssl, out.data, (int)out.len);
    eg_buf_free(&out);
    eg_buf_free(&b);
}

static int skip_request_header(const char *k)
{
    static const char *const h[] = {"connection",         "keep-alive",   "te",
                                    "transfer-encoding",  "upgrade",      "host",
                                    "content-length",     "expect",       "proxy-connection",
                                    "x-lgsp-client-cert", "x-lgsp-relay", NULL};
    for (int i = 0; h[i]; i++)
        if (strcasecmp(k, h[i]) == 0)
            return 1;
    return 0;
}

static size_t on_data(char *p, size_t sz, size_t n, void *ud)
{
    eg_buf_append(ud, p, sz * n);
    return sz * n;
}

static size_t on_hdr(char *p, size_t sz, size_t n, void *ud)
{
    eg_buf *h = ud;
    size_t len = sz * n;
    if (len > 5 && strncmp(p, "HTTP/", 5) == 0)
        eg_buf_reset(h);
    else if (len > 2 && strncasecmp(p, "content-length:", 15) != 0 &&
             strncasecmp(p, "transfer-encoding:", 18) != 0 &&
             strncasecmp(p, "connection:", 11) != 0 && strncasecmp(p, "keep-alive:", 11) != 0)
        eg_buf_append(h, p, len);
    return len;
}

static void fingerprint(SSL *ssl, char out[65])
{
    snprintf(out, 65, "none");
    X509 *crt = SSL_get1_peer_certificate(ssl);
    if (!crt)
        return;
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (X509_digest(crt, EVP_sha256(), md, &n) == 1 && n == 32)
        eg_hex(md, 32, out);
    X509_free(crt);
}

static void relay(struct lgsp_mtls *m, SSL *ssl)
{
    lgsp_state *s = m->s;
    eg_buf in = EG_BUF_INIT, body = EG_BUF_INIT, rh = EG_BUF_INIT, rb = EG_BUF_INIT;
    struct curl_slist *hl = NULL;
    CURL *c = NULL;
    char buf[8192];
    char *end = NULL;
    while (!end) {
        int n = SSL_read(ssl, buf, sizeof(buf));
        if (n <= 0)
            goto out;
        eg_buf_append(&in, buf, (size_t)n);
        end = strstr(eg_buf_cstr(&in), "\r\n\r\n");
        if (!end && in.len > HDR_MAX)
            goto out;
    }
    size_t hlen = (size_t)(end - in.data) + 4;
    *end = '\0';
    char *save = NULL;
    char *line = strtok_r(in.data, "\r\n", &save);
    char method[16] = "", target[4096] = "";
    if (!line || sscanf(line, "%15s %4095s", method, target) != 2) {
        send_simple(ssl, 400, "bad-request", "Dòng yêu cầu HTTP không hợp lệ");
        goto out;
    }
    if (strncmp(target, "/gw/", 4) != 0) {
        send_simple(ssl, 404, "unknown-service", "Cổng TLS chỉ phục vụ /gw/...");
        goto out;
    }
    char fp[65];
    fingerprint(ssl, fp);
    size_t blen = 0;
    int chunked = 0;
    while ((line = strtok_r(NULL, "\r\n", &save))) {
        char *colon = strchr(line, ':');
        if (!colon || colon == line)
            continue;
        *colon = '\0';
        char *v = colon + 1;
        while (*v == ' ' || *v == '\t')
            v++;
        if (strcasecmp(line, "Content-Length") == 0)
            blen = (size_t)strtoull(v, NULL, 10);
        if (strcasecmp(line, "Transfer-Encoding") == 0)
            chunked = 1;
        if (skip_request_header(line))
            continue;
        char *h = eg_asprintf("%s: %s", line, v);
        hl = curl_slist_append(hl, h);
        free(h);
    }
    if (chunked || (int64_t)blen > s->max_body) {
        send_simple(ssl, 413, "payload-too-large", "Nội dung quá lớn hoặc không có Content-Length");
        goto out;
    }
    eg_buf_append(&body, in.data + hlen, in.len - hlen);
    while (body.len < blen) {
        int n = SSL_read(ssl, buf, sizeof(buf));
        if (n <= 0)
            goto out;
        eg_buf_append(&body, buf, (size_t)n);
    }
    body.len = blen < body.len ? blen : body.len;
    char *h1 = eg_asprintf("X-Lgsp-Client-Cert: %s", fp);
    char *h2 = eg_asprintf("X-Lgsp-Relay: %s", s->relay_secret);
    hl = curl_slist_append(hl, h1);
    hl = curl_slist_append(hl, h2);
    hl = curl_slist_append(hl, "Expect:");
    free(h1);
    free(h2);
    const char *base = m->target ? m->target : s->app->base_url;
    size_t bl = strlen(base);
    while (bl && base[bl - 1] == '/')
        bl--;
    char *url = eg_asprintf("%.*s%s", (int)bl, base, target);
    c = curl_easy_init();
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 600000L);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &rb);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_hdr);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &rh);
    if (strcmp(method, "HEAD") == 0) {
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    } else if (strcmp(method, "GET") == 0 && body.len == 0) {
        curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
    } else {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.data ? body.data : "");
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body.len);
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    }
    CURLcode cc = curl_easy_perform(c);
    free(url);
    if (cc != CURLE_OK) {
        send_simple(ssl, 502, "upstream-unreachable", "Không chuyển được yêu cầu tới cổng LGSP");
        goto out;
    }
    long st = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &st);
    eg_buf res = EG_BUF_INIT;
    eg_buf_printf(&res, "HTTP/1.1 %ld LGSP\r\n", st);
    /* on_hdr kept the header lines without the final empty line; ours follow. */
    eg_buf_append(&res, rh.data ? rh.data : "", rh.len);
    eg_buf_printf(&res, "Content-Length: %zu\r\nConnection: close\r\n\r\n", rb.len);
    eg_buf_append(&res, rb.data ? rb.data : "", rb.len);
    SSL_write(ssl, res.data, (int)res.len);
    eg_buf_free(&res);
out:
    if (c)
        curl_easy_cleanup(c);
    curl_slist_free_all(hl);
    eg_buf_free(&in);
    eg_buf_free(&body);
    eg_buf_free(&rh);
    eg_buf_free(&rb);
}

static void on_conn(void *ud, SSL *ssl)
{
    relay(ud, ssl);
}

void eg__lgsp_mtls_start(lgsp_state *s)
{
    eg_config *cfg = s->app->cfg;
    const char *listen_at = eg_config_get(cfg, "lgsp.tls_listen", NULL);
    const char *cert = eg_config_get(cfg, "lgsp.tls_cert", NULL);
    const char *key = eg_config_get(cfg, "lgsp.tls_key", NULL);
    const char *ca = eg_config_get(cfg, "lgsp.tls_ca", NULL);
    if (!listen_at || !*listen_at)
        return;
    if (!cert || !key) {
        eg_log(EG_LOG_ERROR, "lgsp", NULL, "tls_listen needs tls_cert and tls_key", NULL);
        return;
    }
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1 ||
        SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1 ||
        (ca && SSL_CTX_load_verify_locations(ctx, ca, NULL) != 1)) {
        eg_log(EG_LOG_ERROR, "lgsp", NULL, "gateway TLS: cannot load certificate/key/CA", NULL);
        SSL_CTX_free(ctx);
        return;
    }
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, ca ? NULL : accept_any);
    /* Every connection shows its certificate again: no session resumption. */
    SSL_CTX_set_session_id_context(ctx, (const unsigned char *)"egov-lgsp-gw", 12);
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
    struct lgsp_mtls *m = eg_calloc(1, sizeof(*m));
    m->s = s;
    const char *tgt = eg_config_get(cfg, "lgsp.tls_target", NULL);
    m->target = tgt && *tgt ? eg_strdup(tgt) : NULL;
    m->srv = eg__lgsp_tls_listen("gateway (client certificates)", listen_at, ctx, on_conn, m);
    if (!m->srv) {
        free(m->target);
        free(m);
        return;
    }
    s->mtls = m;
}

void eg__lgsp_mtls_stop(lgsp_state *s)
{
    struct lgsp_mtls *m = s->mtls;
    if (!m)
        return;
    eg__lgsp_tls_stop(m->srv);
    free(m->target);
    free(m);
    s->mtls = NULL;
}
