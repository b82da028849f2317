/*
 * static.c - the web UI files under web_root (portal, office, admin, shared lib).
 *
 * Requests that no route claims fall through to here for GET and HEAD. The decoded path
 * has already lost its dot segments (url.c refuses any that climb out), and the resolved
 * file must still lie under the real web_root after realpath(), so a symlink pointing out
 * of the tree is refused too. Files are sent with sendfile via an MHD fd response, with an
 * ETag from size and mtime (304 on If-None-Match) and the HTML security headers.
 *
 * HTML pages may share their header, navigation and footer through server-side includes,
 * `<!--#include virtual="/lib/partials/NAME.html" -->` (one level, files under web_root only),
 * so every page carries the same landmarks without a build step or client-side rendering.
 * Such pages are assembled in memory with an ETag from the assembled bytes.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include "http/internal.h"

static const struct {
    const char *ext;
    const char *type;
} mime_types[] = {
    {"html", "text/html; charset=utf-8"},
    {"htm", "text/html; charset=utf-8"},
    {"css", "text/css; charset=utf-8"},
    {"js", "text/javascript; charset=utf-8"},
    {"mjs", "text/javascript; charset=utf-8"},
    {"json", "application/json; charset=utf-8"},
    {"map", "application/json; charset=utf-8"},
    {"svg", "image/svg+xml"},
    {"png", "image/png"},
    {"jpg", "image/jpeg"},
    {"jpeg", "image/jpeg"},
    {"gif", "image/gif"},
    {"webp", "image/webp"},
    {"ico", "image/x-icon"},
    {"woff2", "font/woff2"},
    {"woff", "font/woff"},
    {"txt", "text/plain; charset=utf-8"},
    {"xml", "application/xml; charset=utf-8"},
    {"bpmn", "application/xml; charset=utf-8"},
    {"pdf", "application/pdf"},
    {"webmanifest", "application/manifest+json"},
};

/* MIME type for a file name by extension; application/octet-stream when unknown. */
static const char *mime_for(const char *path)
{
    const char *slash = strrchr(path, '/');
    const char *dot = strrchr(slash ? slash : path, '.');
    if (dot) {
        for (size_t i = 0; i < sizeof(mime_types) / sizeof(mime_types[0]); i++) {
            if (strcasecmp(dot + 1, mime_types[i].ext) == 0)
                return mime_types[i].type;
        }
    }
    return "application/octet-stream";
}

/* 1 when the If-None-Match list contains etag (or "*"). */
static int etag_matches(const char *inm, const char *etag)
{
    size_t en = strlen(etag);
    const char *p = inm;
    while (*p) {
        while (*p == ' ' || *p == ',' || *p == '\t')
            p++;
        if (*p == '*')
            return 1;
        if (strncmp(p, "W/", 2) == 0)
            p += 2;
        if (strncmp(p, etag, en) == 0)
            return 1;
        while (*p && *p != ',')
            p++;
    }
    return 0;
}

/* Resolves the request path to a real file under web_root; NULL when refused or absent. */
static char *resolve(eg_req *r, struct stat *st)
{
    const char *root = r->h->web_root;
    const char *path = r->path;
    char *file;
    if (strcmp(path, "/") == 0)
        file = eg_arena_printf(r->arena, "%s/portal/index.html", root);
    else
        file = eg_arena_printf(r->arena, "%s%s", root, path);
    char *real = realpath(file, NULL);
    if (!real)
        return NULL;
    size_t rn = strlen(root);
    if (strncmp(real, root, rn) != 0 || (real[rn] != '/' && real[rn] != '\0')) {
        free(real);
        return NULL;
    }
    if (stat(real, st) == 0 && S_ISDIR(st->st_mode)) {
        char *index = eg_arena_printf(r->arena, "%s/index.html", real);
        free(real);
        real = realpath(index, NULL);
        if (!real)
            return NULL;
        if (strncmp(real, root, rn) != 0 || real[rn] != '/') {
            free(real);
            return NULL;
        }
    }
    char *out = eg_arena_strdup(r->arena, real);
    free(real);
    return out;
}

#define INCLUDE_OPEN "<!--#include virtual=\""
#define MAX_HTML     (1024 * 1024)

/* Reads a partial named by an include directive; it must resolve under web_root. */
static int read_partial(eg_req *r, const char *vpath, size_t n, eg_buf *out)
{
    const char *root = r->h->web_root;
    if (n == 0 || n > 200 || vpath[0] != '/' || memchr(vpath, '\0', n))
        return EG_ENOTFOUND;
    char *file = eg_arena_printf(r->arena, "%s%.*s", root, (int)n, vpath);
    char *real = realpath(file, NULL);
    if (!real)
        return EG_ENOTFOUND;
    size_t rn = strlen(root);
    int inside = strncmp(real, root, rn) == 0 && real[rn] == '/';
    int rc = inside ? eg_read_file(real, MAX_HTML, out) : EG_ENOTFOUND;
    free(real);
    return rc;
}

/* Expands include directives of page into out. Unknown partials are an error (a broken
 * page is better found by tests than served half empty). */
static int expand_includes(eg_req *r, const char *page, size_t len, eg_buf *out)
{
    const char *p = page, *end = page + len;
    for (;;) {
        const char *dir = memmem(p, (size_t)(end - p), INCLUDE_OPEN, strlen(INCLUDE_OPEN));
        if (!dir) {
            eg_buf_append(out, p, (size_t)(end - p));
            return EG_OK;
        }
        eg_buf_append(out, p, (size_t)(dir - p));
        const char *name = dir + strlen(INCLUDE_OPEN);
        const char *quote = memchr(name, '"', (size_t)(end - name));
        const char *close = quote ? memmem(quote, (size_t)(end - quote), "-->", 3) : NULL;
        if (!close)
            return EG_EINTERNAL;
        int rc = read_partial(r, name, (size_t)(quote - name), out);
        if (rc)
            return rc;
        p = close + 3;
        if (out->len > MAX_HTML)
            return EG_ETOOBIG;
    }
}

/* Serves an HTML page that uses includes from memory; 0 when served, EG_EDECLINED when the
 * page has no include (the caller sends the file as is). */
static int serve_assembled(eg_req *r, int fd, const struct stat *st, const char *type)
{
    if (st->st_size > MAX_HTML)
        return EG_EDECLINED;
    eg_buf page = EG_BUF_INIT, out = EG_BUF_INIT;
    char chunk[16384];
    ssize_t n;
    while ((n = pread(fd, chunk, sizeof(chunk), (off_t)page.len)) > 0)
        eg_buf_append(&page, chunk, (size_t)n);
    if (!memmem(eg_buf_cstr(&page), page.len, INCLUDE_OPEN, strlen(INCLUDE_OPEN))) {
        eg_buf_free(&page);
        return EG_EDECLINED;
    }
    int rc = expand_includes(r, page.data, page.len, &out);
    eg_buf_free(&page);
    if (rc) {
        eg_log(EG_LOG_ERROR, "http", r->id, "page include failed", "path", r->path, "error",
               eg_strerror(rc), NULL);
        eg_buf_free(&out);
        return EG_EINTERNAL;
    }
    char hash[65];
    eg_sha256_hex(out.data, out.len, hash);
    char *etag = eg_arena_printf(r->arena, "\"h%.24s\"", hash);
    eg_reply_header(r, "ETag", etag);
    eg_reply_header(r, "Cache-Control", "no-cache");
    const char *inm = eg_req_header(r, "If-None-Match");
    if (inm && etag_matches(inm, etag)) {
        eg__reply_set(r, 304, NULL, "", 0);
    } else {
        eg__reply_set(r, 200, type, eg_arena_strndup(r->arena, out.data, out.len), out.len);
    }
    r->html = 1;
    eg_buf_free(&out);
    return 0;
}

/* Serves r->path from web_root. EG_ENOTFOUND when absent or refused (never says which). */
int eg__serve_static(eg_req *r)
{
    struct stat st;
    char *file = resolve(r, &st);
    if (!file)
        return EG_ENOTFOUND;
    int fd = open(file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return EG_ENOTFOUND;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return EG_ENOTFOUND;
    }
    const char *type = mime_for(file);
    if (eg_str_has_prefix(type, "text/html")) {
        int rc = serve_assembled(r, fd, &st, type);
        if (rc != EG_EDECLINED) {
            close(fd);
            return rc;
        }
    }
    char *etag = eg_arena_printf(r->arena, "\"%llx-%llx\"", (unsigned long long)st.st_size,
                                 (unsigned long long)st.st_mtim.tv_sec * 1000000000ULL +
                                     (unsigned long long)st.st_mtim.tv_nsec);
    eg_reply_header(r, "ETag", etag);
    int revalidate = eg_str_has_prefix(type, "text/html") ||
                     eg_str_has_prefix(type, "application/json") ||
                     eg_str_has_prefix(type, "application/xml");
    eg_reply_header(r, "Cache-Control", revalidate ? "no-cache" : "public, max-age=3600");
    const char *inm = eg_req_header(r, "If-None-Match");
    if (inm && etag_matches(inm, etag)) {
        close(fd);
        eg__reply_set(r, 304, NULL, "", 0);
        r->html = eg_str_has_prefix(type, "text/html");
        return 0;
    }
    eg__reply_set(r, 200, type, NULL, 0);
    r->out_fd = fd;
    r->out_fd_size = (uint64_t)st.st_size;
    return 0;
}
