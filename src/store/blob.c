/*
 * blob.c - the content-addressed blob store (attachments, results, signed documents).
 *
 * A blob's name is the SHA-256 of its bytes, stored as dir/ab/cd/<64 hex> (two fan-out
 * levels keep directories small). Because the name is the content, a blob is immutable,
 * writing it twice is a no-op, and concurrent writers of the same blob cannot conflict.
 * Writes go through eg_write_file_atomic (temp file in the target directory, fsync,
 * rename, fsync of the directory), so an acknowledged blob survives a crash and a torn file
 * never appears under a blob's name. Hashes from callers are validated as exactly 64
 * lowercase hex characters before any path is built, so no path traversal is possible.
 * Reads check the size limit before reading and verify the hash after.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "store/store.h"

struct eg_blobs {
    char *dir;
};

static int valid_hash(const char *h)
{
    if (!h)
        return 0;
    for (int i = 0; i < 64; i++) {
        char ch = h[i];
        if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f')))
            return 0;
    }
    return h[64] == '\0';
}

/* Opens (creating it, mode 0750, with parents) the blob directory dir. *out is the
 * caller's (eg_blobs_close). EG_EINVAL for an empty dir, EG_EIO when it cannot be created. */
int eg_blobs_open(const char *dir, eg_blobs **out)
{
    *out = NULL;
    if (!dir || !*dir)
        return EG_EINVAL;
    int rc = eg_mkdir_p(dir, 0750);
    if (rc)
        return rc;
    eg_blobs *b = eg_calloc(1, sizeof(*b));
    b->dir = eg_strdup(dir);
    size_t n = strlen(b->dir);
    while (n > 1 && b->dir[n - 1] == '/')
        b->dir[--n] = '\0';
    *out = b;
    return EG_OK;
}

/* Frees b (files stay). NULL is a no-op. */
void eg_blobs_close(eg_blobs *b)
{
    if (!b)
        return;
    free(b->dir);
    free(b);
}

/* The blob directory as given to eg_blobs_open (without trailing '/'). */
const char *eg_blobs_dir(const eg_blobs *b)
{
    return b->dir;
}

/* Writes dir/ab/cd/<hash> into out. EG_EINVAL for a malformed hash or a too small out. */
int eg_blob_path(eg_blobs *b, const char *sha256_hex, char *out, size_t outlen)
{
    if (!valid_hash(sha256_hex))
        return EG_EINVAL;
    int n =
        snprintf(out, outlen, "%s/%.2s/%.2s/%s", b->dir, sha256_hex, sha256_hex + 2, sha256_hex);
    if (n < 0 || (size_t)n >= outlen)
        return EG_EINVAL;
    return EG_OK;
}

/* Stores n bytes durably and writes their SHA-256 (64 hex + NUL) into sha256_hex.
 * Idempotent: an existing blob of the same size is not rewritten. EG_EIO on I/O failure. */
int eg_blob_put(eg_blobs *b, const void *data, size_t n, char sha256_hex[65])
{
    eg_sha256_hex(data ? data : "", n, sha256_hex);
    char path[4096];
    int rc = eg_blob_path(b, sha256_hex, path, sizeof(path));
    if (rc)
        return rc;
    struct stat sb;
    if (stat(path, &sb) == 0 && S_ISREG(sb.st_mode) && (size_t)sb.st_size == n)
        return EG_OK;
    char sub[4096];
    snprintf(sub, sizeof(sub), "%s/%.2s/%.2s", b->dir, sha256_hex, sha256_hex + 2);
    rc = eg_mkdir_p(sub, 0750);
    if (rc)
        return rc;
    return eg_write_file_atomic(path, data ? data : "", n, 0640);
}

/* Appends the blob's bytes to out. EG_EINVAL for a malformed hash, EG_ENOTFOUND when
 * absent, EG_ETOOBIG when larger than max (nothing read), EG_EIO when unreadable or when
 * its content no longer matches its hash. On error out keeps its previous length. */
int eg_blob_get(eg_blobs *b, const char *sha256_hex, size_t max, eg_buf *out)
{
    char path[4096];
    int rc = eg_blob_path(b, sha256_hex, path, sizeof(path));
    if (rc)
        return rc;
    struct stat sb;
    if (stat(path, &sb) != 0)
        return errno == ENOENT ? EG_ENOTFOUND : EG_EIO;
    if ((uint64_t)sb.st_size > (uint64_t)max)
        return EG_ETOOBIG;
    size_t start = out->len;
    rc = eg_read_file(path, max, out);
    if (rc == 0) {
        char sum[65];
        eg_sha256_hex(out->data + start, out->len - start, sum);
        if (strcmp(sum, sha256_hex) != 0)
            rc = EG_EIO;
    }
    if (rc && out->data) {
        out->len = start;
        out->data[start] = '\0';
    }
    return rc;
}

/* 1 when the blob exists, 0 when not or when the hash is malformed. */
int eg_blob_exists(eg_blobs *b, const char *sha256_hex)
{
    char path[4096];
    if (eg_blob_path(b, sha256_hex, path, sizeof(path)) != 0)
        return 0;
    struct stat sb;
    return stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
}
