/*
 * files.c - attachments: POST /api/v1/files (multipart field "file") and GET
 * /api/v1/files/{id}. The type is sniffed from the bytes (PDF, DOC/DOCX, XLS/XLSX, JPEG, PNG);
 * the declared type is never trusted. Bytes go to the content-addressed blob store; the row
 * records the uploader. Readers: the uploader, and staff who may read a dossier that
 * references the file. Optional virus scanner: config dossier.scan_command is run as
 * `sh -c '<command> "$1"' sh <blob path>`; exit 0 = clean, anything else rejects the upload.
 */
#include <spawn.h>
#include <sys/wait.h>
#include "dossier/internal.h"

extern char **environ;

/* Runs the configured scanner on a stored blob; 0 clean, EG_EUNPROCESSABLE infected. */
static int scan(eg_app *app, const char *sha)
{
    const char *cmd = eg_config_get(app->cfg, "dossier.scan_command", NULL);
    if (!cmd || !*cmd)
        return 0;
    char path[1024], script[1200];
    if (eg_blob_path(app->blobs, sha, path, sizeof path))
        return EG_EIO;
    snprintf(script, sizeof script, "%s \"$1\"", cmd);
    char *argv[] = {"sh", "-c", script, "sh", path, NULL};
    pid_t pid;
    if (posix_spawnp(&pid, "sh", NULL, NULL, argv, environ))
        return EG_EIO;
    int st = 0;
    while (waitpid(pid, &st, 0) < 0)
        ;
    return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : EG_EUNPROCESSABLE;
}

static int upload(eg_req *r)
{
    eg_app *app = eg_req_app(r);
    const eg_principal *p;
    int rc = eg_require_principal(r, &p);
    if (rc)
        return rc;
    eg_part *parts;
    int np;
    rc = eg_req_multipart(r, &parts, &np);
    if (rc)
        return eg_req_fail(r, rc, "cần multipart/form-data với trường 'file'");
    eg_part *f = NULL;
    for (int i = 0; i < np; i++)
        if (parts[i].name && !strcmp(parts[i].name, "file"))
            f = &parts[i];
    if (!f)
        return eg_req_fail_field(r, EG_EUNPROCESSABLE, "file", "thiếu trường 'file'");
    size_t max = (size_t)eg_config_int(app->cfg, "dossier.max_file_bytes", DS_MAX_FILE);
    if (f->len > max)
        return eg_req_fail_field(r, EG_ETOOBIG, "file", "tệp %zu byte vượt giới hạn %zu byte",
                                 f->len, max);
    if (f->len == 0)
        return eg_req_fail_field(r, EG_EUNPROCESSABLE, "file", "tệp rỗng");
    const char *ct = eg_dossier_sniff(f->data, f->len);
    if (!ct)
        return eg_req_fail_field(r, EG_EMEDIA, "file",
                                 "loại tệp không được chấp nhận (chỉ PDF, DOC/DOCX, XLS/XLSX, "
                                 "JPEG, PNG; xác định theo nội dung tệp)");
    char sha[65];
    rc = eg_blob_put(app->blobs, f->data, f->len, sha);
    if (rc)
        return rc;
    rc = scan(app, sha);
    if (rc == EG_EUNPROCESSABLE)
        return eg_req_fail_field(r, rc, "file", "tệp bị trình quét virus từ chối");
    if (rc)
        return rc;
    eg_arena *a = eg_req_arena(r);
    const char *id = eg_random_token(a, 16);
    char now[25];
    eg_time_iso_ms(eg_now_ms(), now);
    const char *fname = NULL;
    if (f->filename) {
        eg_buf b = {0};
        if (eg_utf8_valid(f->filename, strlen(f->filename)) &&
            !eg_nfc(f->filename, strlen(f->filename), &b))
            fname = eg_arena_strndup(a, eg_buf_cstr(&b), b.len > 200 ? 200 : b.len);
        eg_buf_free(&b);
    }
    eg_conn *c = eg_db_conn(app->db);
    rc = eg_tx_begin(c);
    if (rc)
        return rc;
    rc = eg_exec(c, NULL,
                 "INSERT INTO dossier_files (id, sha256, size, content_type, filename, owner, "
                 "created_at) VALUES (?,?,?,?,?,?,?)",
                 "ttltttt", id, sha, (int64_t)f->len, ct, fname, p->subject, now);
    if (!rc) {
        json_t *d = json_pack("{s:s, s:I, s:s}", "sha256", sha, "size", (json_int_t)f->len,
                              "content_type", ct);
        rc = eg_audit_append(c, &(eg_audit_event){.actor = eg_actor(r),
                                                  .action = "file.upload",
                                                  .object_type = "file",
                                                  .object_id = id,
                                                  .request_id = eg_req_id(r),
                                                  .client_addr = eg_req_client_ip(r),
                                                  .detail = d});
        json_decref(d);
    }
    if (rc) {
        eg_tx_rollback(c);
        return rc;
    }
    rc = eg_tx_commit(c);
    if (rc)
        return rc;
    return eg_reply_json(r, 201,
                         json_pack("{s:s, s:s, s:I, s:s, s:o}", "id", id, "sha256", sha, "size",
                                   (json_int_t)f->len, "content_type", ct, "filename",
                                   eg_json_strn(fname)));
}

int eg__ds_file_visible(eg_req *r, eg_conn *c, const char *file_id, const char *owner)
{
    const eg_principal *p = eg_principal_of(r);
    if (!p)
        return 0;
    if (owner && p->subject && !strcmp(owner, p->subject))
        return 1;
    eg_stmt *st;
    if (eg_query(c, &st, "SELECT code FROM dossier_file_refs WHERE file_id = ?", "t", file_id))
        return 0;
    eg_arena *a = eg_req_arena(r);
    const char *codes[16];
    int n = 0;
    while (n < 16 && eg_step(st) == EG_ROW)
        codes[n++] = eg_arena_strdup(a, eg_col_text(st, 0));
    eg_stmt_done(st);
    for (int i = 0; i < n; i++) {
        ds_row d;
        if (!eg__ds_load(c, a, codes[i], &d) && eg__ds_may(r, &d, "read") == 0)
            return 1;
    }
    return 0;
}

static int download(eg_req *r)
{
    eg_app *app = eg_req_app(r);
    const eg_principal *p;
    int rc = eg_require_principal(r, &p);
    if (rc)
        return rc;
    const char *id = eg_req_param(r, "id");
    eg_conn *c = eg_db_conn(app->db);
    eg_stmt *st;
    rc = eg_query(c, &st,
                  "SELECT sha256, content_type, owner, COALESCE(filename, '') FROM dossier_files "
                  "WHERE id = ?",
                  "t", id);
    if (rc)
        return rc;
    if (eg_step(st) != EG_ROW) {
        eg_stmt_done(st);
        return eg_req_fail(r, EG_ENOTFOUND, "không có tệp %s", id);
    }
    eg_arena *a = eg_req_arena(r);
    char *sha = eg_arena_strdup(a, eg_col_text(st, 0));
    char *ct = eg_arena_strdup(a, eg_col_text(st, 1));
    char *owner = eg_arena_strdup(a, eg_col_text(st, 2));
    eg_stmt_done(st);
    if (!eg__ds_file_visible(r, c, id, owner))
        return eg_req_fail(r, EG_ENOTFOUND, "không có tệp %s", id);
    eg_buf b = {0};
    rc = eg_blob_get(app->blobs, sha, 64u << 20, &b);
    if (rc) {
        eg_buf_free(&b);
        return rc;
    }
    if (strcmp(owner, p->subject)) {
        eg_audit_append(c, &(eg_audit_event){.actor = eg_actor(r),
                                             .action = "file.read",
                                             .object_type = "file",
                                             .object_id = id,
                                             .request_id = eg_req_id(r),
                                             .client_addr = eg_req_client_ip(r)});
    }
    eg_reply_header(r, "Cache-Control", "private, no-store");
    rc = eg_reply(r, 200, ct, b.data, b.len);
    eg_buf_free(&b);
    return rc;
}

void eg__ds_files_routes(eg_http *h)
{
    eg_http_route(h, "POST", "/api/v1/files", upload,
                  &(eg_route_opts){.max_body = DS_MAX_FILE + (1u << 20),
                                   .summary = "Tải lên tệp đính kèm (PDF, DOC/DOCX, XLS/XLSX, "
                                              "JPEG, PNG)",
                                   .tag = "dossier"});
    eg_http_route(h, "GET", "/api/v1/files/{id}", download,
                  &(eg_route_opts){.summary = "Tải tệp (người tải lên, cán bộ xử lý hồ sơ)",
                                   .tag = "dossier"});
}
