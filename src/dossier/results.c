/*
 * results.c - the e-result and the applicant's electronic data store (Kho quản lý dữ liệu
 * điện tử, Decree 45/2020), and the satisfaction rating.
 *
 * When a dossier reaches 9 the result is issued as an XML document (KetQuaGiaiQuyet) signed
 * with an enveloped XML-DSig by the platform key (eg_sign_xml), stored as a file owned by the
 * applicant, and put into the applicant's data store together with the papers they
 * submitted (reusable: later submissions attach them by file id without uploading again).
 *   GET  /api/v1/me/datastore
 *   POST /api/v1/dossiers/{code}/rating {score 1-5, comment}: the owner, after 10, once.
 */
#include <stdlib.h>
#include "dossier/internal.h"

static void xml_el(eg_buf *b, const char *name, const char *v)
{
    eg_buf_printf(b, "  <%s>", name);
    eg_buf_xml(b, v);
    eg_buf_printf(b, "</%s>\n", name);
}

int eg__ds_issue_result(eg_app *app, eg_conn *c, const ds_row *d, const char *by)
{
    json_t *ap = json_loads(d->applicant, 0, NULL);
    int64_t now = eg_now_ms();
    char now_s[25];
    eg_time_iso_ms(now, now_s);
    eg_buf x = {0};
    eg_buf_puts(&x, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                    "<KetQuaGiaiQuyet xmlns=\"urn:egov:dossier:result:1\" Id=\"ketqua\">\n");
    xml_el(&x, "MaHoSo", d->code);
    xml_el(&x, "MaTTHC", d->procedure_code);
    xml_el(&x, "TenTTHC", d->procedure_name);
    xml_el(&x, "CoQuanGiaiQuyet", d->handling);
    xml_el(&x, "TenNguoiNop", eg_json_str(ap, "name"));
    xml_el(&x, "SoDinhDanh",
           eg_json_str(ap, "personal_id") ? eg_json_str(ap, "personal_id")
                                          : eg_json_str(ap, "tax_code"));
    xml_el(&x, "KetQua", "Hồ sơ đã được giải quyết");
    xml_el(&x, "NgayBanHanh", now_s);
    xml_el(&x, "NguoiDuyet", by);
    eg_buf_puts(&x, "</KetQuaGiaiQuyet>\n");
    json_decref(ap);
    eg_buf doc = {0};
    int signed_ok = 0;
#if DS_HAVE_SIGN
    char err[256];
    if (eg_sign_xml(app, x.data, x.len, &doc, err, sizeof err) == 0)
        signed_ok = 1;
    else
        eg_log(EG_LOG_WARN, "dossier", NULL, "e-result not signed", "error", err, NULL);
#endif
    if (!signed_ok) {
        eg_buf_reset(&doc);
        eg_buf_append(&doc, x.data, x.len);
    }
    eg_buf_free(&x);
    char sha[65];
    int rc = eg_blob_put(app->blobs, doc.data, doc.len, sha);
    size_t len = doc.len;
    eg_buf_free(&doc);
    if (rc)
        return rc;
    const char *owner = d->owner ? d->owner : d->created_by;
    char fid[80];
    snprintf(fid, sizeof fid, "kq-%s", sha);
    fid[3 + 32] = 0;
    char fname[160];
    snprintf(fname, sizeof fname, "ketqua-%s.xml", d->code);
    rc = eg_exec(c, NULL,
                 "INSERT INTO dossier_files (id, sha256, size, content_type, filename, owner, "
                 "created_at) VALUES (?,?,?,?,?,?,?) ON CONFLICT (id) DO NOTHING",
                 "ttltttt", fid, sha, (int64_t)len, "application/xml", fname, owner, now_s);
    if (!rc)
        rc = eg_exec(c, NULL,
                     "INSERT INTO dossier_file_refs (code, file_id, component) VALUES (?,?,?) "
                     "ON CONFLICT DO NOTHING",
                     "ttt", d->code, fid, "KETQUA");
    if (!rc)
        rc = eg_exec(c, NULL, "UPDATE dossiers SET result_file = ?, finished_at = ? WHERE id = ?",
                     "tll", fid, now, d->id);
    if (!rc && d->owner) {
        char *name = NULL;
        eg_arena *a = eg_arena_new(0);
        name = eg_arena_printf(a, "Kết quả: %s (%s)", d->procedure_name, d->code);
        rc = eg_exec(c, NULL,
                     "INSERT INTO dossier_datastore (owner, kind, file_id, name, component, "
                     "dossier_code, created_at) VALUES (?,?,?,?,?,?,?) ON CONFLICT (owner, "
                     "file_id) DO NOTHING",
                     "ttttttt", d->owner, "result", fid, name, "KETQUA", d->code, now_s);
        /* the papers they submitted become reusable */
        json_t *comps = json_loads(d->components, 0, NULL);
        size_t i, j;
        json_t *v, *f;
        json_array_foreach(comps, i, v)
        {
            json_array_foreach(json_object_get(v, "file_ids"), j, f) if (!rc) rc = eg_exec(
                c, NULL,
                "INSERT INTO dossier_datastore (owner, kind, file_id, name, component, "
                "dossier_code, created_at) SELECT ?, 'paper', id, ?, ?, ?, ? FROM dossier_files "
                "WHERE id = ? AND owner = ? ON CONFLICT (owner, file_id) DO NOTHING",
                "ttttttt", d->owner, eg_json_str(v, "name"), eg_json_str(v, "code"), d->code, now_s,
                json_string_value(f), d->owner);
        }
        json_decref(comps);
        eg_arena_free(a);
    }
    if (!rc) {
        json_t *det =
            json_pack("{s:s, s:s, s:b}", "file_id", fid, "sha256", sha, "signed", signed_ok);
        rc = eg_audit_append(c, &(eg_audit_event){.actor = by,
                                                  .action = "dossier.result.issue",
                                                  .object_type = "dossier",
                                                  .object_id = d->code,
                                                  .agency = d->handling,
                                                  .detail = det});
        json_decref(det);
    }
    return rc;
}

static int datastore(eg_req *r)
{
    eg_app *app = eg_req_app(r);
    const eg_principal *p;
    int rc = eg_require_principal(r, &p);
    if (rc)
        return rc;
    eg_conn *c = eg_db_conn(app->db);
    /* results become visible as soon as the workflow has approved */
    json_t *pending = NULL;
    if (!eg_query_json(c, &pending,
                       "SELECT code FROM dossiers WHERE owner = ? AND status = 4 AND "
                       "instance_id IS NOT NULL AND instance_id <> 0",
                       "t", p->subject)) {
        size_t i;
        json_t *v;
        json_array_foreach(pending, i, v) eg__ds_sync(app, c, eg_json_str(v, "code"));
        json_decref(pending);
    }
    json_t *items = NULL;
    rc = eg_query_json(c, &items,
                       "SELECT s.id, s.kind, s.file_id, s.name, s.component, s.dossier_code, "
                       "s.created_at, f.content_type, f.size, f.sha256 FROM dossier_datastore s "
                       "JOIN dossier_files f ON f.id = s.file_id WHERE s.owner = ? ORDER BY s.id "
                       "DESC",
                       "t", p->subject);
    if (rc)
        return rc;
    return eg_reply_json(r, 200, json_pack("{s:o, s:n}", "items", items, "next_cursor"));
}

static int rating(eg_req *r)
{
    eg_app *app = eg_req_app(r);
    const eg_principal *p;
    int rc = eg_require_principal(r, &p);
    if (rc)
        return rc;
    json_t *body = eg_req_json(r, &rc);
    if (!body)
        return rc;
    const char *code = eg_req_param(r, "code");
    eg_conn *c = eg_db_conn(app->db);
    ds_row d;
    rc = eg__ds_load(c, eg_req_arena(r), code, &d);
    if (!rc)
        rc = eg__ds_may(r, &d, "read");
    if (rc == EG_ENOTFOUND)
        return eg_req_fail(r, rc, "không có hồ sơ %s", code);
    if (rc)
        return rc;
    if (!d.owner || strcmp(d.owner, p->subject))
        return eg_req_fail(r, EG_EFORBIDDEN, "chỉ người nộp hồ sơ được đánh giá");
    json_t *sv = json_object_get(body, "score");
    if (!json_is_integer(sv) || json_integer_value(sv) < 1 || json_integer_value(sv) > 5)
        return eg_req_fail_field(r, EG_EUNPROCESSABLE, "score", "điểm đánh giá từ 1 đến 5");
    const char *comment = eg_json_str(body, "comment");
    if (comment && strlen(comment) > 2000)
        return eg_req_fail_field(r, EG_EUNPROCESSABLE, "comment", "tối đa 2000 ký tự");
    if (d.status != EG_DS_RETURNED)
        return eg_req_fail(r, EG_ECONFLICT, "chỉ đánh giá sau khi đã trả kết quả (trạng thái 10)");
    if (d.rating)
        return eg_req_fail(r, EG_ECONFLICT, "hồ sơ %s đã được đánh giá", code);
    rc = eg_tx_begin(c);
    if (rc)
        return rc;
    int64_t ch = 0;
    rc = eg_exec(c, &ch,
                 "UPDATE dossiers SET rating = ?, rating_comment = ?, version = version + 1 "
                 "WHERE id = ? AND rating IS NULL",
                 "itl", (int)json_integer_value(sv), comment, d.id);
    if (!rc && ch != 1)
        rc = eg_req_fail(r, EG_ECONFLICT, "hồ sơ %s đã được đánh giá", code);
    if (!rc)
        rc = eg__ds_facts_sync(c, d.id); /* statistics fact (facts.c) */
    if (!rc) {
        json_t *det = json_pack("{s:I}", "score", json_integer_value(sv));
        rc = eg_audit_append(c, &(eg_audit_event){.actor = eg_actor(r),
                                                  .action = "dossier.rating",
                                                  .object_type = "dossier",
                                                  .object_id = code,
                                                  .agency = d.handling,
                                                  .request_id = eg_req_id(r),
                                                  .detail = det});
        json_decref(det);
    }
    if (rc) {
        eg_tx_rollback(c);
        return rc;
    }
    rc = eg_tx_commit(c);
    if (rc)
        return rc;
    return eg_reply_json(r, 201,
                         json_pack("{s:s, s:I, s:o}", "code", code, "score", json_integer_value(sv),
                                   "comment", eg_json_strn(comment)));
}

void eg__ds_results_routes(eg_http *h)
{
    eg_http_route(h, "GET", "/api/v1/me/datastore", datastore,
                  &(eg_route_opts){.summary = "Kho quản lý dữ liệu điện tử của tôi (kết quả, "
                                              "giấy tờ dùng lại)",
                                   .tag = "dossier"});
    eg_http_route(h, "POST", "/api/v1/dossiers/{code}/rating", rating,
                  &(eg_route_opts){.summary = "Đánh giá mức độ hài lòng", .tag = "dossier"});
}
