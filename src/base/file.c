/*
 * file.c - whole-file reads, durable atomic writes and directory creation.
 *
 * "Nothing acknowledged is lost" applies to files too: a write goes to a temporary file in
 * the same directory, is fsync'ed, renamed over the target and the directory is fsync'ed,
 * so after a crash the file is either the old or the new content, never a torn mix.
 */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <ftw.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "base/base.h"

int eg_read_file(const char *path, size_t max, eg_buf *out)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? EG_ENOTFOUND : EG_EIO;
    char chunk[65536];
    size_t total = 0;
    for (;;) {
        ssize_t n = read(fd, chunk, sizeof(chunk));
        if (n < 0) {
            if (errno == EINTR)
                continue;
            close(fd);
            return EG_EIO;
        }
        if (n == 0)
            break;
        total += (size_t)n;
        if (total > max) {
            close(fd);
            return EG_ETOOBIG;
        }
        eg_buf_append(out, chunk, (size_t)n);
    }
    close(fd);
    if (!out->data)
        eg_buf_reserve(out, 0);
    return EG_OK;
}

static int fsync_dir(const char *path)
{
    char *copy = eg_strdup(path);
    int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    free(copy);
    if (fd < 0)
        return EG_EIO;
    int rc = fsync(fd);
    close(fd);
    return rc ? EG_EIO : EG_OK;
}

int eg_write_file_atomic(const char *path, const void *data, size_t n, int mode)
{
    char tmp[4096];
    char rnd[9];
    unsigned char r[4];
    eg_random(r, sizeof(r));
    eg_hex(r, sizeof(r), rnd);
    if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp%s", path, rnd) >= sizeof(tmp))
        return EG_EINVAL;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd < 0)
        return EG_EIO;
    const char *p = data;
    size_t left = n;
    while (left > 0) {
        ssize_t w = write(fd, p, left);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            close(fd);
            unlink(tmp);
            return EG_EIO;
        }
        p += w;
        left -= (size_t)w;
    }
    if (fsync(fd) != 0 || close(fd) != 0) {
        unlink(tmp);
        return EG_EIO;
    }
    if (rename(tmp, path) != 0) {
        unlink(tmp);
        return EG_EIO;
    }
    return fsync_dir(path);
}

int eg_mkdir_p(const char *path, int mode)
{
    char buf[4096];
    size_t n = strlen(path);
    if (n == 0 || n >= sizeof(buf))
        return EG_EINVAL;
    memcpy(buf, path, n + 1);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, (mode_t)mode) != 0 && errno != EEXIST)
            return EG_EIO;
        *p = '/';
    }
    if (mkdir(buf, (mode_t)mode) != 0 && errno != EEXIST)
        return EG_EIO;
    return EG_OK;
}

int eg_path_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

int eg_remove_tree(const char *path)
{
    return nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS) == 0 ? EG_OK : EG_EIO;
}
