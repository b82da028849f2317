/*
 * static.c - the web UI files under web_root (portal, office, admin, shared lib).
 *
 * Requests that no route claims fall through to here for GET and HEAD. The decoded path
 * has already lost its dot segments (url.c refuses any that climb out), and the resolved
 * file must still lie under the real web_root after realpath(), so a symlink pointing out
 * of the tree is refused too. Files are sent with sendfile via an MHD fd response, with an
 * ETag from size and mtime (304 on If-None-Match) and the HTML security headers.
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
