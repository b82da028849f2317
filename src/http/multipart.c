/*
 * multipart.c - multipart/form-data (RFC 7578) parsed in place.
 *
 * Uploads arrive through the normal body limit, so the whole body is in memory; parts
 * point into it and only the small names are copied into the arena. The parser is strict
 * where leniency would hide an attack (missing closing delimiter, part without a name, a
 * header section longer than 8 KiB, more than 256 parts) and is a fuzz target
 * (tests/fuzz/fuzz_multipart.c).
 */
#include <string.h>
#include <strings.h>
#include "http/internal.h"

#define MAX_PARTS       256
#define MAX_HEADER_SIZE 8192
#define MAX_BOUNDARY    70

/* Copies the boundary parameter of ct into out (NUL-terminated). EG_EINVAL if missing. */
static int find_boundary(const char *ct, char *out, size_t outlen)
{
    const char *p = ct;
    while ((p = strchr(p, ';')) != NULL) {
        p++;
        while (*p == ' ' || *p == '\t')
            p++;
        if (strncasecmp(p, "boundary=", 9) != 0)
            continue;
        p += 9;
        size_t n;
        if (*p == '"') {
            p++;
            const char *e = strchr(p, '"');
            if (!e)
                return EG_EINVAL;
            n = (size_t)(e - p);
        } else {
            n = strcspn(p, "; \t");
        }
        if (n == 0 || n > MAX_BOUNDARY || n >= outlen)
            return EG_EINVAL;
        memcpy(out, p, n);
        out[n] = '\0';
        return 0;
    }
    return EG_EINVAL;
}

/* Reads a parameter value at *pp (quoted string with \-escapes, or token) into the arena. */
static char *param_value(eg_arena *a, const char **pp, const char *end)
{
    const char *p = *pp;
    eg_buf b = EG_BUF_INIT;
    if (p < end && *p == '"') {
        p++;
        while (p < end && *p != '"') {
            if (*p == '\\' && p + 1 < end)
                p++;
            eg_buf_putc(&b, *p++);
        }
        if (p >= end) {
            eg_buf_free(&b);
            return NULL;
        }
        p++;
    } else {
        while (p < end && *p != ';' && *p != ' ' && *p != '\t')
            eg_buf_putc(&b, *p++);
    }
    *pp = p;
    char *s = eg_arena_strdup(a, eg_buf_cstr(&b));
    eg_buf_free(&b);
    return s;
}

/* Parses "form-data; name=...; filename=..." into the part. */
static int parse_disposition(eg_arena *a, const char *v, const char *end, eg_part *part)
{
    size_t vn = (size_t)(end - v);
    if (vn < 9 || strncasecmp(v, "form-data", 9) != 0)
        return EG_EINVAL;
    const char *p = v + 9;
    while (p < end) {
        while (p < end && (*p == ';' || *p == ' ' || *p == '\t'))
            p++;
        const char *k = p;
        while (p < end && *p != '=' && *p != ';')
            p++;
        if (p >= end || *p != '=') {
            continue;
        }
        size_t kn = (size_t)(p - k);
        p++;
        char *val = param_value(a, &p, end);
        if (!val)
            return EG_EINVAL;
        if (kn == 4 && strncasecmp(k, "name", 4) == 0)
            part->name = val;
        else if (kn == 8 && strncasecmp(k, "filename", 8) == 0)
            part->filename = val;
    }
    return part->name ? 0 : EG_EINVAL;
}

/* Parses the header lines of one part, hdr[0..n). */
static int parse_part_headers(eg_arena *a, const char *hdr, size_t n, eg_part *part)
{
    const char *p = hdr, *end = hdr + n;
    while (p < end) {
        const char *eol = memmem(p, (size_t)(end - p), "\r\n", 2);
        const char *le = eol ? eol : end;
        const char *colon = memchr(p, ':', (size_t)(le - p));
        if (!colon)
            return EG_EINVAL;
        const char *v = colon + 1;
        while (v < le && (*v == ' ' || *v == '\t'))
            v++;
        const char *ve = le;
        while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
            ve--;
        size_t kn = (size_t)(colon - p);
        if (kn == 19 && strncasecmp(p, "Content-Disposition", 19) == 0) {
            int rc = parse_disposition(a, v, ve, part);
            if (rc)
                return rc;
        } else if (kn == 12 && strncasecmp(p, "Content-Type", 12) == 0) {
            part->content_type = eg_arena_strndup(a, v, (size_t)(ve - v));
        }
        p = eol ? eol + 2 : end;
    }
    return part->name ? 0 : EG_EINVAL;
}

/* Parses a multipart/form-data body (see http.h). EG_EMEDIA when content_type is not
 * multipart/form-data, EG_EINVAL when the body is malformed or over the part limits. */
int eg_multipart_parse(eg_arena *a, const char *content_type, const char *body, size_t len,
                       eg_part **parts, int *nparts)
{
    *parts = NULL;
    *nparts = 0;
    if (!content_type || strncasecmp(content_type, "multipart/form-data", 19) != 0)
        return EG_EMEDIA;
    char boundary[MAX_BOUNDARY + 1];
    if (find_boundary(content_type, boundary, sizeof(boundary)))
        return EG_EINVAL;
    char delim[MAX_BOUNDARY + 5];
    size_t dn = (size_t)snprintf(delim, sizeof(delim), "\r\n--%s", boundary);

    /* The first delimiter may open the body (no CRLF before it) or follow a preamble. */
    size_t p;
    if (len >= dn - 2 && memcmp(body, delim + 2, dn - 2) == 0) {
        p = dn - 2;
    } else {
        const char *f = memmem(body, len, delim, dn);
        if (!f)
            return EG_EINVAL;
        p = (size_t)(f - body) + dn;
    }
    int cap = 8, n = 0;
    eg_part *out = eg_arena_alloc(a, (size_t)cap * sizeof(*out));
    for (;;) {
        if (len - p >= 2 && body[p] == '-' && body[p + 1] == '-')
            break; /* closing delimiter; the epilogue is ignored */
        while (p < len && (body[p] == ' ' || body[p] == '\t'))
            p++;
        if (len - p < 2 || body[p] != '\r' || body[p + 1] != '\n')
            return EG_EINVAL;
        p += 2;
        size_t hlen;
        if (len - p >= 2 && body[p] == '\r' && body[p + 1] == '\n') {
            hlen = 0; /* no headers: invalid below (a part needs a name) */
        } else {
            size_t window = len - p < MAX_HEADER_SIZE ? len - p : MAX_HEADER_SIZE;
            const char *he = memmem(body + p, window, "\r\n\r\n", 4);
            if (!he)
                return EG_EINVAL;
            hlen = (size_t)(he - (body + p));
        }
        if (n == MAX_PARTS)
            return EG_EINVAL;
        if (n == cap) {
            eg_part *grown = eg_arena_alloc(a, (size_t)cap * 2 * sizeof(*out));
            memcpy(grown, out, (size_t)cap * sizeof(*out));
            out = grown;
            cap *= 2;
        }
        eg_part *part = &out[n];
        memset(part, 0, sizeof(*part));
        int rc = parse_part_headers(a, body + p, hlen, part);
        if (rc)
            return rc;
        p += hlen + (hlen ? 4 : 2);
        const char *e = memmem(body + p, len - p, delim, dn);
        if (!e)
            return EG_EINVAL;
        part->data = body + p;
        part->len = (size_t)(e - (body + p));
        n++;
        p = (size_t)(e - body) + dn;
    }
    *parts = out;
    *nparts = n;
    return 0;
}

/* The request body as multipart/form-data parts (arena-allocated, pointing into the body). */
int eg_req_multipart(eg_req *r, eg_part **parts, int *nparts)
{
    size_t len = 0;
    const char *body = eg_req_body(r, &len);
    return eg_multipart_parse(r->arena, eg_req_header(r, "Content-Type"), body, len, parts, nparts);
}
