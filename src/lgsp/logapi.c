/*
 * logapi.c - reading the message log: GET /api/v1/lgsp/messages (filters service, client,
 * from, to; newest first, cursor = record id), GET /api/v1/lgsp/messages/{id} (numeric id
 * or X-Road-Id, with the logged bodies base64-encoded), and archiving of records older than
 * the retention period into JSON-lines files under <data_dir>/lgsp-archive/.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lgsp/internal.h"

static const char *const LIST_COLS =
    "id, xroad_id, request_id, side, client_id, service_code, service_version, method, path, "
    "user_id, issue, status, error_type, request_in_ms, request_out_ms, response_in_ms, "
    "response_out_ms, request_size, response_size, request_sha256, response_sha256, "
    "prev_hash, hash";

static int parse_time(const char *s, int64_t *out)
{
    if (!s)
        return 0;
    char *end = NULL;
    long long v = strtoll(s, &end, 10);
    if (end != s && *end == '\0') {
        *out = v;
        return 0;
    }
    return eg_time_parse(s, out) ? EG_EINVAL : 0;
}

static int authorize_read(eg_req *r, const char *service)
{
    eg_object obj = {"lgsp_message", NULL, NULL};
    if (service) {
        lgsp_service sv;
        eg_conn *c = eg_db_conn(((eg_app *)eg_req_app(r))->db);
        if (eg__lgsp_service_get(c, eg_req_arena(r), service, &sv) == 0)
            obj.agency_code = sv.owner_agency;
    }
    return eg_authorize(r, "read", &obj);
}

static int list_messages(eg_req *r)
{
    const char *service = eg_req_query(r, "service"), *client = eg_req_query(r, "client");
    int rc = authorize_read(r, service);
    if (rc)
        return rc;
    int64_t from = 0, to = INT64_MAX, cursor = INT64_MAX;
    if (parse_time(eg_req_query(r, "from"), &from))
        return eg_req_fail_field(r, EG_EINVAL, "from", "Thời điểm 'from' không hợp lệ");
    if (parse_time(eg_req_query(r, "to"), &to))
        return eg_req_fail_field(r, EG_EINVAL, "to", "Thời điểm 'to' không hợp lệ");
    const char *cur = eg_req_query(r, "cursor");
    if (cur) {
        char *end = NULL;
        cursor = strtoll(cur, &end, 10);
        if (end == cur || *end)
            return eg_req_fail_field(r, EG_EINVAL, "cursor", "Con trỏ phân trang không hợp lệ");
    }
    int limit = eg_req_limit(r);
    eg_app *app = eg_req_app(r);
    eg_buf sql = EG_BUF_INIT;
    eg_buf_printf(&sql,
                  "SELECT %s FROM lgsp_message WHERE id < ? "
                  "AND (CAST(? AS TEXT) IS NULL OR service_code = ?) "
                  "AND (CAST(? AS TEXT) IS NULL OR client_id = ?) "
                  "AND request_in_ms >= ? AND request_in_ms <= ? ORDER BY id DESC LIMIT ?",
                  LIST_COLS);
    json_t *rows = NULL;
    rc = eg_query_json(eg_db_conn(app->db), &rows, eg_buf_cstr(&sql), "lttttlli", cursor, service,
                       service, client, client, from, to, limit + 1);
    eg_buf_free(&sql);
    if (rc)
        return rc;
    json_t *next = json_null();
    if (json_array_size(rows) > (size_t)limit) {
        json_array_remove(rows, (size_t)limit);
        json_t *lastrow = json_array_get(rows, (size_t)limit - 1);
        next = json_sprintf("%lld", (long long)json_integer_value(json_object_get(lastrow, "id")));
    }
    return eg_reply_json(r, 200, json_pack("{s:o, s:o}", "items", rows, "next_cursor", next));
}

static json_t *b64_json(const void *p, size_t n, int is_null)
{
    if (is_null)
        return json_null();
    char *out = eg_malloc(n * 4 / 3 + 8);
    eg_b64_encode(p ? p : "", n, out);
    json_t *j = json_string(out);
    free(out);
    return j;
}

static int get_message(eg_req *r)
{
    eg_app *app = eg_req_app(r);
    const char *id = eg_req_param(r, "id");
    char *end = NULL;
    long long num = strtoll(id, &end, 10);
    int numeric = end != id && *end == '\0';
    eg_buf sql = EG_BUF_INIT;
    eg_buf_printf(&sql, "SELECT %s, request_body, response_body FROM lgsp_message WHERE %s",
                  LIST_COLS, numeric ? "id = ?" : "xroad_id = ? ORDER BY id LIMIT 1");
    eg_stmt *st = NULL;
    eg_conn *c = eg_db_conn(app->db);
    int rc = numeric ? eg_query(c, &st, eg_buf_cstr(&sql), "l", (int64_t)num)
                     : eg_query(c, &st, eg_buf_cstr(&sql), "t", id);
    eg_buf_free(&sql);
    if (rc)
        return rc;
    rc = eg_step(st);
    if (rc != EG_ROW) {
        eg_stmt_done(st);
        return rc < 0 ? rc : eg_req_fail(r, EG_ENOTFOUND, "Không có thông điệp %s", id);
    }
    json_t *o = json_object();
    int n = eg_col_count(st);
    for (int i = 0; i < n - 2; i++) {
        json_t *v;
        if (eg_col_is_null(st, i))
            v = json_null();
        else if (i == 0 || i == 11 || (i >= 13 && i <= 18))
            v = json_integer(eg_col_int64(st, i));
        else
            v = json_string(eg_col_text(st, i));
        json_object_set_new(o, eg_col_name(st, i), v);
    }
    size_t bl = 0;
    const void *b = eg_col_blob(st, n - 2, &bl);
    json_object_set_new(o, "request_body_base64", b64_json(b, bl, eg_col_is_null(st, n - 2)));
    b = eg_col_blob(st, n - 1, &bl);
    json_object_set_new(o, "response_body_base64", b64_json(b, bl, eg_col_is_null(st, n - 1)));
    eg_stmt_done(st);
    const char *service = json_string_value(json_object_get(o, "service_code"));
    rc = authorize_read(r, service);
    if (rc) {
        json_decref(o);
        return rc;
    }
    return eg_reply_json(r, 200, o);
}

/* Moves records older than before_ms (and already covered by a checkpoint) to a JSON-lines
 * archive file, then deletes them and advances the chain base in one transaction. */
int eg__lgsp_archive(lgsp_state *s, int64_t before_ms, int64_t *archived)
{
    *archived = 0;
    eg_conn *c = eg_db_conn(s->app->db);
    int64_t ckpt = 0;
    if (eg_query_int64(c, &ckpt, "SELECT COALESCE(MAX(last_id), 0) FROM lgsp_log_checkpoint", "") ||
        ckpt == 0)
        return EG_OK;
    eg_buf sql = EG_BUF_INIT;
    eg_buf_printf(&sql,
                  "SELECT %s FROM lgsp_message WHERE id <= ? AND id <= "
                  "(SELECT MIN(id) - 1 + 10000 FROM lgsp_message) ORDER BY id",
                  LIST_COLS);
    json_t *rows = NULL;
    int rc = eg_query_json(c, &rows, eg_buf_cstr(&sql), "l", ckpt);
    eg_buf_free(&sql);
    if (rc)
        return rc;
    /* Only the leading run older than the cut-off: the chain base must stay contiguous. */
    size_t n = 0;
    for (; n < json_array_size(rows); n++) {
        json_t *row = json_array_get(rows, n);
        if (json_integer_value(json_object_get(row, "response_out_ms")) >= before_ms)
            break;
    }
    if (n == 0) {
        json_decref(rows);
        return EG_OK;
    }
    json_t *first = json_array_get(rows, 0), *last = json_array_get(rows, n - 1);
    int64_t first_id = json_integer_value(json_object_get(first, "id"));
    int64_t last_id = json_integer_value(json_object_get(last, "id"));
    const char *last_hash = json_string_value(json_object_get(last, "hash"));
    eg_buf out = EG_BUF_INIT;
    for (size_t i = 0; i < n; i++) {
        eg_json_dump_buf(&out, json_array_get(rows, i));
        eg_buf_putc(&out, '\n');
    }
    char dir[4096], path[4200];
    snprintf(dir, sizeof(dir), "%s/lgsp-archive", s->app->data_dir);
    snprintf(path, sizeof(path), "%s/%012lld-%012lld.jsonl", dir, (long long)first_id,
             (long long)last_id);
    rc = eg_mkdir_p(dir, 0700);
    if (!rc)
        rc = eg_write_file_atomic(path, out.data, out.len, 0600);
    eg_buf_free(&out);
    if (!rc)
        rc = eg_tx_begin(c);
    if (!rc) {
        rc = eg_exec(c, NULL, "DELETE FROM lgsp_message WHERE id <= ?", "l", last_id);
        if (!rc)
            rc =
                eg_exec(c, NULL, "UPDATE lgsp_log_head SET base_id = ?, base_hash = ? WHERE id = 1",
                        "lt", last_id, last_hash);
        rc = rc ? (eg_tx_rollback(c), rc) : eg_tx_commit(c);
    }
    json_decref(rows);
    if (!rc) {
        *archived = (int64_t)n;
        eg_log(EG_LOG_INFO, "lgsp", NULL, "message log archived", "file", path, NULL);
    }
    return rc;
}

void eg__lgsp_log_routes(eg_http *h)
{
    eg_http_route(h, "GET", "/api/v1/lgsp/messages", list_messages,
                  &(eg_route_opts){.summary = "Tra cứu nhật ký thông điệp LGSP", .tag = "lgsp"});
    eg_http_route(h, "GET", "/api/v1/lgsp/messages/{id}", get_message,
                  &(eg_route_opts){.summary = "Một bản ghi nhật ký thông điệp (kèm băm, nội dung)",
                                   .tag = "lgsp"});
}
