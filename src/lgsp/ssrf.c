/*
 * ssrf.c - where an upstream may point. Registrations and every outgoing connection (curl's
 * open-socket hook, so DNS rebinding after registration does not help) are checked: only
 * http/https URLs without credentials, and only addresses that are public unless an entry
 * of lgsp.upstream_allow (comma-separated IPs or CIDRs, e.g. "127.0.0.1/32,10.20.0.0/16")
 * covers them. Loopback, private, link-local (cloud metadata), CGNAT, multicast, reserved
 * and unspecified addresses are forbidden by default, in IPv4, IPv6 and IPv4-mapped form.
 */
#include <arpa/inet.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <curl/curl.h>
#include "lgsp/internal.h"

/* Address as 16 bytes (IPv4 mapped into ::ffff:0:0/96). */
static void to16(const struct sockaddr *sa, unsigned char out[16])
{
    memset(out, 0, 16);
    if (sa->sa_family == AF_INET) {
        out[10] = out[11] = 0xff;
        memcpy(out + 12, &((const struct sockaddr_in *)sa)->sin_addr, 4);
    } else {
        memcpy(out, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
    }
}

static int in_prefix(const unsigned char a[16], const unsigned char p[16], int bits)
{
    for (int i = 0; i < 16 && bits > 0; i++, bits -= 8) {
        unsigned char mask = bits >= 8 ? 0xff : (unsigned char)(0xff << (8 - bits));
        if ((a[i] & mask) != (p[i] & mask))
            return 0;
    }
    return 1;
}

/* Parses "ip" or "ip/bits" into a 16-byte prefix. 0 ok. */
static int parse_cidr(const char *s, unsigned char p[16], int *bits)
{
    char buf[64];
    snprintf(buf, sizeof(buf), "%s", s);
    char *slash = strchr(buf, '/');
    int b = -1;
    if (slash) {
        *slash = '\0';
        b = atoi(slash + 1);
    }
    struct in_addr v4;
    struct in6_addr v6;
    memset(p, 0, 16);
    if (inet_pton(AF_INET, buf, &v4) == 1) {
        p[10] = p[11] = 0xff;
        memcpy(p + 12, &v4, 4);
        *bits = 96 + (b < 0 || b > 32 ? 32 : b);
        return 0;
    }
    if (inet_pton(AF_INET6, buf, &v6) == 1) {
        memcpy(p, &v6, 16);
        *bits = b < 0 || b > 128 ? 128 : b;
        return 0;
    }
    return -1;
}

static int forbidden(const unsigned char a[16])
{
    static const char *const nets[] = {"0.0.0.0/8",    "10.0.0.0/8",     "100.64.0.0/10",
                                       "127.0.0.0/8",  "169.254.0.0/16", "172.16.0.0/12",
                                       "192.0.0.0/24", "192.168.0.0/16", "198.18.0.0/15",
                                       "224.0.0.0/3",  "::/128",         "::1/128",
                                       "fc00::/7",     "fe80::/10",      "ff00::/8",
                                       "64:ff9b::/96", "2001:db8::/32",  NULL};
    for (int i = 0; nets[i]; i++) {
        unsigned char p[16];
        int bits;
        if (parse_cidr(nets[i], p, &bits) == 0 && in_prefix(a, p, bits))
            return 1;
    }
    return 0;
}

static int allowed16(const unsigned char a[16], const char *allow)
{
    if (!forbidden(a))
        return 1;
    if (!allow || !*allow)
        return 0;
    char *copy = eg_strdup(allow), *save = NULL;
    int ok = 0;
    for (char *t = strtok_r(copy, ", ", &save); t && !ok; t = strtok_r(NULL, ", ", &save)) {
        unsigned char p[16];
        int bits;
        if (parse_cidr(t, p, &bits) == 0 && in_prefix(a, p, bits))
            ok = 1;
    }
    free(copy);
    return ok;
}

int eg__lgsp_addr_allowed(const void *sockaddr, const char *allow)
{
    const struct sockaddr *sa = sockaddr;
    if (sa->sa_family != AF_INET && sa->sa_family != AF_INET6)
        return 0;
    unsigned char a[16];
    to16(sa, a);
    return allowed16(a, allow);
}

int eg__lgsp_check_url(const char *url, const char *allow, char *why, size_t n)
{
    CURLU *u = curl_url();
    char *scheme = NULL, *host = NULL, *user = NULL, *pass = NULL, *port = NULL;
    int rc = EG_EUNPROCESSABLE;
    if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK) {
        snprintf(why, n, "URL không hợp lệ");
        goto out;
    }
    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0);
    curl_url_get(u, CURLUPART_HOST, &host, 0);
    curl_url_get(u, CURLUPART_USER, &user, 0);
    curl_url_get(u, CURLUPART_PASSWORD, &pass, 0);
    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT);
    if (!scheme || (strcmp(scheme, "http") && strcmp(scheme, "https"))) {
        snprintf(why, n, "chỉ chấp nhận http hoặc https");
        goto out;
    }
    if (user || pass) {
        snprintf(why, n, "URL không được chứa thông tin đăng nhập");
        goto out;
    }
    if (!host || !*host || strchr(url, '#')) {
        snprintf(why, n, "URL thiếu máy chủ hoặc có phân đoạn '#'");
        goto out;
    }
    char h[300];
    snprintf(h, sizeof(h), "%s", host);
    if (h[0] == '[') { /* [v6] */
        memmove(h, h + 1, strlen(h));
        char *e = strchr(h, ']');
        if (e)
            *e = '\0';
    }
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    struct addrinfo *res = NULL;
    if (getaddrinfo(h, port, &hints, &res) != 0 || !res) {
        snprintf(why, n, "không phân giải được máy chủ %s", h);
        goto out;
    }
    rc = EG_OK;
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        if (!eg__lgsp_addr_allowed(ai->ai_addr, allow)) {
            char ip[INET6_ADDRSTRLEN] = "?";
            if (ai->ai_family == AF_INET)
                inet_ntop(AF_INET, &((struct sockaddr_in *)ai->ai_addr)->sin_addr, ip, sizeof(ip));
            else
                inet_ntop(AF_INET6, &((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr, ip,
                          sizeof(ip));
            snprintf(why, n,
                     "địa chỉ %s thuộc vùng cấm (nội bộ/loopback) và không nằm trong "
                     "danh sách cho phép",
                     ip);
            rc = EG_EUNPROCESSABLE;
            break;
        }
    }
    freeaddrinfo(res);
out:
    curl_free(scheme);
    curl_free(host);
    curl_free(user);
    curl_free(pass);
    curl_free(port);
    curl_url_cleanup(u);
    return rc;
}
