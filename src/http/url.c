/*
 * url.c - percent-decoding of request paths and query components.
 *
 * The server turns libmicrohttpd's own unescaping off so that it sees the raw path and can
 * refuse what a file system or a router would misread: an encoded '/' (a segment that
 * contains a slash), NUL, and dot segments that climb above the root (also when encoded as
 * %2e%2e). Dot segments that stay inside are resolved, so "/a/./b/../c" routes as "/a/c".
 */
#include <string.h>
#include "http/internal.h"

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decodes in[0..n) into out; '+' becomes a space when plus is set. Refuses bad escapes, NUL
 * and (when no_slash) an encoded '/'. */
static int decode(const char *in, size_t n, eg_buf *out, int plus, int no_slash)
{
    for (size_t i = 0; i < n; i++) {
        char c = in[i];
        if (c == '%') {
            if (n - i < 3)
                return EG_EINVAL;
            int hi = hexval(in[i + 1]), lo = hexval(in[i + 2]);
            if (hi < 0 || lo < 0)
                return EG_EINVAL;
            c = (char)(hi * 16 + lo);
            if (c == '\0' || (no_slash && (c == '/' || c == '\\')))
                return EG_EINVAL;
            i += 2;
        } else if (c == '\0') {
            return EG_EINVAL;
        } else if (plus && c == '+') {
            c = ' ';
        }
        eg_buf_putc(out, c);
    }
    return 0;
}

/* Percent-decodes a path (must start with '/'), resolving "." and ".." segments; EG_EINVAL
 * for bad escapes, %2F, %5C, NUL, or a ".." above the root. Appends to out. */
int eg_url_decode_path(const char *in, size_t n, eg_buf *out)
{
    if (n == 0 || in[0] != '/')
        return EG_EINVAL;
    eg_buf seg = EG_BUF_INIT;
    size_t base = out->len;
    int rc = 0;
    size_t i = 0;
    eg_buf_reserve(out, n + 1);
    while (i < n) {
        /* in[i] == '/' here */
        size_t j = i + 1;
        while (j < n && in[j] != '/')
            j++;
        eg_buf_reset(&seg);
        rc = decode(in + i + 1, j - i - 1, &seg, 0, 1);
        if (rc)
            break;
        const char *s = eg_buf_cstr(&seg);
        if (strcmp(s, ".") == 0) {
            if (j == n)
                eg_buf_putc(out, '/');
        } else if (strcmp(s, "..") == 0) {
            if (out->len == base) {
                rc = EG_EINVAL;
                break;
            }
            while (out->len > base && out->data[out->len - 1] != '/')
                out->len--;
            out->len--; /* the slash before the removed segment */
            out->data[out->len] = '\0';
            if (j == n)
                eg_buf_putc(out, '/');
        } else {
            eg_buf_putc(out, '/');
            eg_buf_append(out, seg.data ? seg.data : "", seg.len);
        }
        i = j;
    }
    if (!rc && out->len == base)
        eg_buf_putc(out, '/');
    if (rc) {
        out->len = base;
        if (out->data)
            out->data[base] = '\0';
    }
    eg_buf_free(&seg);
    return rc;
}

/* Percent-decodes one query key or value ('+' = space); EG_EINVAL on bad escapes or NUL. */
int eg_url_decode_query(const char *in, size_t n, eg_buf *out)
{
    size_t base = out->len;
    eg_buf_reserve(out, n + 1);
    int rc = decode(in, n, out, 1, 0);
    if (rc)
        out->len = base;
    out->data[out->len] = '\0'; /* also when nothing was appended */
    return rc;
}
