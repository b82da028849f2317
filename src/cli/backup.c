/*
 * backup.c - `egov backup` and `egov restore`: one file holding database, blobs and keys.
 *
 * The file is a POSIX ustar archive (readable with tar(1)) whose last member is
 * manifest.json with the size and SHA-256 of every other member. Consistency while serving:
 * the SQLite database is copied with VACUUM INTO (a transactionally consistent snapshot);
 * blobs are immutable and written before any row refers to them, so copying them after the
 * snapshot captures every blob the snapshot references. The archive is written to a
 * temporary name, fsync'ed and renamed, so a failed backup never leaves a truncated file.
 * Restore extracts into a temporary sibling directory, verifies every hash, then renames it
 * into place; it refuses a non-empty target.
 */
#define _XOPEN_SOURCE 700
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <openssl/evp.h>
#include "cli/cli.h"

struct tarw {
    int fd;
    json_t *files;
    int failed;
};

static void octal(char *dst, size_t n, unsigned long long v)
{
    snprintf(dst, n, "%0*llo", (int)n - 1, v);
}

static int write_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n > 0) {
        ssize_t w = write(fd, c, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return EG_EIO;
        }
        c += w;
        n -= (size_t)w;
    }
    return EG_OK;
}

static int tar_header(int fd, const char *name, unsigned long long size, int mode)
{
    char h[512];
    memset(h, 0, sizeof(h));
    if (strlen(name) >= 100)
        return EG_EINVAL;
    memcpy(h, name, strlen(name));
    octal(h + 100, 8, (unsigned)mode);
    octal(h + 108, 8, 0);
    octal(h + 116, 8, 0);
    octal(h + 124, 12, size);
    octal(h + 136, 12, (unsigned long long)(eg_now_ms() / 1000));
    memset(h + 148, ' ', 8);
    h[156] = '0';
    memcpy(h + 257, "ustar", 6);
    memcpy(h + 263, "00", 2);
    unsigned sum = 0;
    for (int i = 0; i < 512; i++)
        sum += (unsigned char)h[i];
    snprintf(h + 148, 8, "%06o", sum);
    h[155] = ' ';
    return write_all(fd, h, sizeof(h));
}

static int tar_pad(int fd, unsigned long long size)
{
    static const char zero[512];
    size_t pad = (size_t)((512 - size % 512) % 512);
    return pad ? write_all(fd, zero, pad) : EG_OK;
}

/* Adds the file at path to the archive as member name, hashing it on the way. */
static int tar_add_file(struct tarw *t, const char *path, const char *name)
{
    int in = open(path, O_RDONLY | O_CLOEXEC);
    if (in < 0)
        return EG_EIO;
    struct stat st;
    if (fstat(in, &st) != 0) {
        close(in);
        return EG_EIO;
    }
    int rc = tar_header(t->fd, name, (unsigned long long)st.st_size, 0600);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    EVP_DigestInit_ex(md, EVP_sha256(), NULL);
    char buf[65536];
    unsigned long long done = 0;
    while (!rc && done < (unsigned long long)st.st_size) {
        ssize_t n = read(in, buf, sizeof(buf));
        if (n <= 0) {
            rc = EG_EIO;
            break;
        }
        if (done + (unsigned long long)n > (unsigned long long)st.st_size)
            n = (ssize_t)((unsigned long long)st.st_size - done);
        EVP_DigestUpdate(md, buf, (size_t)n);
        rc = write_all(t->fd, buf, (size_t)n);
        done += (unsigned long long)n;
    }
    close(in);
    unsigned char d[32];
    EVP_DigestFinal_ex(md, d, NULL);
    EVP_MD_CTX_free(md);
    if (!rc)
        rc = tar_pad(t->fd, done);
    if (!rc) {
        char hex[65];
        eg_hex(d, sizeof(d), hex);
        json_array_append_new(t->files, json_pack("{s:s, s:I, s:s}", "path", name, "size",
                                                  (json_int_t)done, "sha256", hex));
    }
    return rc;
}

/* nftw carries no context pointer; the CLI is single-threaded, so the walk state is static. */
static struct tarw *walk_tar;
static const char *walk_root;
static const char *walk_prefix;

/* Adds every regular file under walk_root as "<walk_prefix>/<relative path>". */
static int walk_add(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    if (flag != FTW_F || strstr(path, ".tmp"))
        return 0;
    const char *rel = path + strlen(walk_root) + 1;
    char name[128];
    if (snprintf(name, sizeof(name), "%s/%s", walk_prefix, rel) >= (int)sizeof(name))
        return 1; /* a name tar's 100-byte field cannot hold: fail rather than skip */
    return tar_add_file(walk_tar, path, name) ? 1 : 0;
}

int eg__cmd_backup(int argc, char **argv)
{
    static const char *const opts[] = {"--data-dir", "--out", "--config", NULL};
    if (eg_arg_check(argc, argv, "backup", opts, NULL))
        return 2;
    const char *out = eg_arg(argc, argv, "--out");
    if (!out)
        return eg_cli_fail("backup: --out is required");
    eg_app app;
    if (eg_cli_open(&app, argc, argv, "backup", 0))
        return 1;
    const char *dir = app.data_dir;
    char err[512] = "";
    int rc;
    if (eg_db_backend(app.db) != EG_DB_SQLITE) {
        eg_app_close(&app);
        return eg_cli_fail("backup: the database is PostgreSQL; back it up with pg_basebackup "
                           "or pg_dump (see docs/operator-guide.md)");
    }
    char snap[4200], tmp[4200];
    snprintf(snap, sizeof(snap), "%s/backup-snapshot-%d.db", dir, (int)getpid());
    snprintf(tmp, sizeof(tmp), "%s.tmp%d", out, (int)getpid());
    unlink(snap);
    rc = eg_exec(eg_db_conn(app.db), NULL, "VACUUM INTO ?", "t", snap);
    if (rc) {
        snprintf(err, sizeof(err), "snapshot failed: %s", eg_conn_errmsg(eg_db_conn(app.db)));
        eg_app_close(&app);
        unlink(snap);
        return eg_cli_fail("backup: %s", err);
    }
    struct tarw t = {.fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600),
                     .files = json_array()};
    if (t.fd < 0) {
        eg_app_close(&app);
        unlink(snap);
        json_decref(t.files);
        return eg_cli_fail("backup: cannot write %s", out);
    }
    rc = tar_add_file(&t, snap, "egov.db");
    unlink(snap);
    if (!rc) {
        char kd[4200];
        snprintf(kd, sizeof(kd), "%s/keys", dir);
        walk_tar = &t;
        walk_root = kd;
        walk_prefix = "keys";
        if (nftw(kd, walk_add, 16, FTW_PHYS) != 0)
            rc = EG_EIO;
    }
    char conf[4200];
    snprintf(conf, sizeof(conf), "%s/egov.conf", dir);
    if (!rc && eg_path_exists(conf))
        rc = tar_add_file(&t, conf, "egov.conf");
    if (!rc) {
        char bd[4200];
        snprintf(bd, sizeof(bd), "%s/blobs", dir);
        walk_tar = &t;
        walk_root = bd;
        walk_prefix = "blobs";
        if (nftw(bd, walk_add, 16, FTW_PHYS) != 0)
            rc = EG_EIO;
    }
    int nfiles = (int)json_array_size(t.files);
    if (!rc) {
        char ts[21];
        eg_time_iso(eg_now_ms(), ts);
        json_t *m = json_pack("{s:s, s:i, s:s, s:s, s:s, s:i, s:O}", "format", "egov-backup",
                              "format_version", 1, "created_at", ts, "egov_version", EG_VERSION,
                              "db", "sqlite", "schema", eg_schema_version(), "files", t.files);
        char *s = json_dumps(m, JSON_INDENT(1));
        json_decref(m);
        rc = tar_header(t.fd, "manifest.json", strlen(s), 0600);
        if (!rc)
            rc = write_all(t.fd, s, strlen(s));
        if (!rc)
            rc = tar_pad(t.fd, strlen(s));
        free(s);
        static const char end[1024];
        if (!rc)
            rc = write_all(t.fd, end, sizeof(end));
    }
    json_decref(t.files);
    if (!rc && fsync(t.fd) != 0)
        rc = EG_EIO;
    close(t.fd);
    if (!rc && rename(tmp, out) != 0)
        rc = EG_EIO;
    if (rc) {
        unlink(tmp);
        eg_app_close(&app);
        return eg_cli_fail("backup: writing %s failed: %s", out, eg_strerror(rc));
    }
    json_t *d = json_pack("{s:s, s:i}", "file", out, "members", nfiles);
    eg_app_audit(&app, "platform.backup", "data_dir", dir, NULL, d);
    json_decref(d);
    eg_app_close(&app);
    printf("backup written: %s (%d files)\n", out, nfiles + 1);
    return 0;
}

/* ------------------------------------------------------------------ restore */

static int safe_member(const char *name)
{
    if (!*name || name[0] == '/' || strstr(name, ".."))
        return 0;
    return !strcmp(name, "egov.db") || !strcmp(name, "egov.conf") ||
           !strcmp(name, "manifest.json") || !strncmp(name, "keys/", 5) ||
           !strncmp(name, "blobs/", 6);
}

static int dir_is_empty(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return errno == ENOENT;
    struct dirent *e;
    int empty = 1;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
            empty = 0;
            break;
        }
    }
    closedir(d);
    return empty;
}

static int parent_of(const char *path, char *out, size_t n)
{
    snprintf(out, n, "%s", path);
    char *slash = strrchr(out, '/');
    if (!slash)
        return EG_EINVAL;
    *slash = '\0';
    return EG_OK;
}

/* Reads the archive, writing members under tmpdir; fills hashes (path -> sha256). */
static int extract(int fd, const char *tmpdir, json_t *hashes, json_t **manifest, char *err,
                   size_t errlen)
{
    char h[512];
    for (;;) {
        ssize_t n = read(fd, h, sizeof(h));
        if (n != 512) {
            snprintf(err, errlen, "truncated archive");
            return EG_EINVAL;
        }
        if (h[0] == '\0')
            return EG_OK;
        char name[101];
        memcpy(name, h, 100);
        name[100] = '\0';
        char sz[13];
        memcpy(sz, h + 124, 12);
        sz[12] = '\0';
        char *end;
        unsigned long long size = strtoull(sz, &end, 8);
        if (h[156] != '0' && h[156] != '\0') {
            snprintf(err, errlen, "unexpected member type in %s", name);
            return EG_EINVAL;
        }
        if (!safe_member(name) || size > (1ULL << 40)) {
            snprintf(err, errlen, "refusing archive member '%s'", name);
            return EG_EINVAL;
        }
        int is_manifest = !strcmp(name, "manifest.json");
        char path[4400], parent[4400];
        snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
        if (parent_of(path, parent, sizeof(parent)) || eg_mkdir_p(parent, 0700))
            return EG_EIO;
        int out = is_manifest ? -1 : open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (!is_manifest && out < 0) {
            snprintf(err, errlen, "cannot create %s", name);
            return EG_EIO;
        }
        EVP_MD_CTX *md = EVP_MD_CTX_new();
        EVP_DigestInit_ex(md, EVP_sha256(), NULL);
        eg_buf mbuf = EG_BUF_INIT;
        unsigned long long left = size + (512 - size % 512) % 512, data_left = size;
        char buf[65536];
        int rc = EG_OK;
        while (left > 0) {
            size_t want = left < sizeof(buf) ? (size_t)left : sizeof(buf);
            ssize_t r = read(fd, buf, want);
            if (r <= 0) {
                snprintf(err, errlen, "truncated archive in %s", name);
                rc = EG_EINVAL;
                break;
            }
            size_t data = (unsigned long long)r < data_left ? (size_t)r : (size_t)data_left;
            if (data) {
                EVP_DigestUpdate(md, buf, data);
                if (is_manifest)
                    eg_buf_append(&mbuf, buf, data);
                else if (write_all(out, buf, data))
                    rc = EG_EIO;
            }
            data_left -= data;
            left -= (unsigned long long)r;
        }
        unsigned char d[32];
        EVP_DigestFinal_ex(md, d, NULL);
        EVP_MD_CTX_free(md);
        if (out >= 0) {
            if (fsync(out) != 0)
                rc = EG_EIO;
            close(out);
        }
        if (!rc && is_manifest) {
            char jerr[200];
            *manifest = eg_json_parse(eg_buf_cstr(&mbuf), mbuf.len, 8, jerr, sizeof(jerr));
            if (!*manifest) {
                snprintf(err, errlen, "manifest: %s", jerr);
                rc = EG_EINVAL;
            }
        } else if (!rc) {
            char hex[65];
            eg_hex(d, sizeof(d), hex);
            json_object_set_new(hashes, name, json_string(hex));
        }
        eg_buf_free(&mbuf);
        if (rc)
            return rc;
    }
}

int eg__cmd_restore(int argc, char **argv)
{
    static const char *const opts[] = {"--data-dir", "--in", NULL};
    if (eg_arg_check(argc, argv, "restore", opts, NULL))
        return 2;
    const char *dir = eg_arg(argc, argv, "--data-dir");
    const char *in = eg_arg(argc, argv, "--in");
    if (!dir || !in)
        return eg_cli_fail("restore: --data-dir and --in are required");
    if (!dir_is_empty(dir))
        return eg_cli_fail("restore: %s is not empty; restore only into an empty directory", dir);
    int fd = open(in, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return eg_cli_fail("restore: cannot read %s", in);
    char tmpdir[4200];
    snprintf(tmpdir, sizeof(tmpdir), "%s.restore%d", dir, (int)getpid());
    if (eg_mkdir_p(tmpdir, 0700)) {
        close(fd);
        return eg_cli_fail("restore: cannot create %s", tmpdir);
    }
    json_t *hashes = json_object(), *manifest = NULL;
    char err[512] = "";
    int rc = extract(fd, tmpdir, hashes, &manifest, err, sizeof(err));
    close(fd);
    if (!rc && !manifest) {
        snprintf(err, sizeof(err), "archive has no manifest.json");
        rc = EG_EINVAL;
    }
    if (!rc) {
        json_t *files = json_object_get(manifest, "files"), *f;
        size_t i;
        if (!json_is_array(files) || json_array_size(files) != json_object_size(hashes)) {
            snprintf(err, sizeof(err), "manifest does not list the archive's members");
            rc = EG_EINVAL;
        }
        json_array_foreach(files, i, f)
        {
            const char *p = eg_json_str(f, "path"), *want = eg_json_str(f, "sha256");
            const char *got = p ? json_string_value(json_object_get(hashes, p)) : NULL;
            if (!rc && (!want || !got || strcmp(want, got) != 0)) {
                snprintf(err, sizeof(err), "checksum mismatch for %s", p ? p : "?");
                rc = EG_EINVAL;
            }
        }
    }
    json_decref(hashes);
    json_decref(manifest);
    if (!rc) {
        rmdir(dir); /* empty or absent */
        if (rename(tmpdir, dir) != 0) {
            snprintf(err, sizeof(err), "cannot move restored data into %s", dir);
            rc = EG_EIO;
        }
    }
    if (rc) {
        eg_remove_tree(tmpdir);
        return eg_cli_fail("restore: %s", err);
    }
    printf("restored %s from %s\n", dir, in);
    return 0;
}
