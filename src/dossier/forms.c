/*
 * forms.c - the one-stop forms of TT 01/2018 (kept by Decree 118/2025) as PDF in Vietnamese,
 * each with a QR code to the public lookup:
 *   GET /api/v1/dossiers/{code}/forms/{receipt|supplement|refusal|apology|control}.pdf
 *       Mẫu 01 receipt and appointment, 02 supplement request, 03 refusal, 04 apology and new
 *       date, 05 processing-control slip (the timeline with hand-overs)
 *   GET /api/v1/dossier-register?agency=&from=YYYY-MM-DD&to=YYYY-MM-DD&format=csv|pdf
 *       Mẫu 06 dossier register of an agency for a period
 */
#include <stdlib.h>
#include "dossier/internal.h"

__attribute__((unused)) static const char *vn_date(eg_arena *a, int64_t ms)
{
    if (!ms)
        return "";
    eg_tm t;
    eg_time_vn(ms, &t);
    return eg_arena_printf(a, "%02d giờ %02d phút, ngày %02d/%02d/%04d", t.hour, t.min, t.day,
                           t.month, t.year);
}

__attribute__((unused)) static const char *agency_name(eg_arena *a, const char *code)
{
#if DS_HAVE_CATALOG
    char n[256];
    if (!eg_catalog_agency_name(code, n, sizeof n))
        return eg_arena_strdup(a, n);
#endif
    return code;
}

__attribute__((unused)) static const char *upper_ascii_safe(eg_arena *a, const char *s)
{
    return eg_arena_printf(a, "UBND TỈNH VĨNH LONG\n%s", s);
}

#if DS_HAVE_PDF
static int render_form(eg_req *r, eg_conn *c, const ds_row *d, const char *form, eg_buf *out)
{
    eg_app *app = eg_req_app(r);
    eg_arena *a = eg_req_arena(r);
    eg_pdf *p = eg_pdf_new(eg_config_get(app->cfg, "pdf.font_dir", NULL));
    if (!p)
        return eg_req_fail(r, EG_EUNAVAIL, "không nạp được phông chữ cho PDF");
    json_t *ap = json_loads(d->applicant, 0, NULL);
    const char *ag = agency_name(a, d->agency);
    eg_tm t;
    eg_time_vn(eg_now_ms(), &t);
    eg_pdf_heading(
        p, upper_ascii_safe(a, ag),
        eg_arena_printf(a, "Vĩnh Long, ngày %02d tháng %02d năm %04d", t.day, t.month, t.year));
    const char *lookup = eg_arena_printf(a, "%s/portal/lookup.html?code=%s",
                                         app->base_url ? app->base_url : "", d->code);
    if (!strcmp(form, "receipt")) {
        eg_pdf_info(p, "Giấy tiếp nhận hồ sơ và hẹn trả kết quả", "egov");
        eg_pdf_title(p, "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ", "Mẫu số 01");
        eg_pdf_field(p, "Mã hồ sơ", d->code);
        eg_pdf_paragraph(p, eg_arena_printf(a, "%s tiếp nhận hồ sơ của:", ag), 0);
        eg_pdf_field(p, "Ông/Bà", eg_json_str(ap, "name"));
        eg_pdf_field(p, "Địa chỉ", eg_json_str(ap, "address") ? eg_json_str(ap, "address") : "");
        eg_pdf_field(p, "Số điện thoại", eg_json_str(ap, "phone") ? eg_json_str(ap, "phone") : "");
        eg_pdf_field(p, "Nội dung yêu cầu giải quyết", d->procedure_name);
        json_t *comps = json_loads(d->components, 0, NULL);
        size_t n = json_array_size(comps), i;
        const char **cells = eg_arena_alloc(a, sizeof(char *) * 3 * (n ? n : 1));
        for (i = 0; i < n; i++) {
            json_t *v = json_array_get(comps, i);
            cells[i * 3] = eg_arena_printf(a, "%zu", i + 1);
            cells[i * 3 + 1] = eg_arena_strdup(a, eg_json_str(v, "name"));
            cells[i * 3 + 2] =
                eg_arena_printf(a, "%zu tệp", json_array_size(json_object_get(v, "file_ids")));
        }
        const char *hdr[] = {"STT", "Tên giấy tờ", "Số lượng"};
        float w[] = {1, 8, 2};
        eg_pdf_table(p, 3, hdr, cells, (int)n, w);
        json_decref(comps);
        eg_pdf_field(p, "Thời gian nhận hồ sơ",
                     vn_date(a, d->received_at ? d->received_at : d->submitted_at));
        eg_pdf_field(p, "Thời gian trả kết quả giải quyết hồ sơ",
                     d->due_at ? vn_date(a, d->due_at) : "(sau khi hồ sơ được tiếp nhận)");
        eg_pdf_field(p, "Vào Sổ theo dõi hồ sơ", "Quyển số 01");
        eg_pdf_signature(p, "NGƯỜI TIẾP NHẬN HỒ SƠ", "(Ký và ghi rõ họ tên)", "");
    } else if (!strcmp(form, "supplement")) {
        eg_pdf_title(p, "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ", "Mẫu số 02");
        eg_pdf_field(p, "Mã hồ sơ", d->code);
        eg_pdf_field(p, "Kính gửi", eg_json_str(ap, "name"));
        eg_pdf_field(p, "Thủ tục", d->procedure_name);
        eg_pdf_paragraph(p, "Yêu cầu bổ sung, hoàn thiện hồ sơ gồm những nội dung sau:", 0);
        eg_pdf_paragraph(p, d->reason ? d->reason : "", 0);
        eg_pdf_paragraph(p,
                         "Lý do: hồ sơ chưa đầy đủ, hợp lệ theo quy định. Thời gian giải "
                         "quyết tạm dừng cho đến khi hồ sơ được bổ sung đầy đủ.",
                         0);
        eg_pdf_signature(p, "NGƯỜI HƯỚNG DẪN", "(Ký và ghi rõ họ tên)", "");
    } else if (!strcmp(form, "refusal")) {
        eg_pdf_title(p, "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ", "Mẫu số 03");
        eg_pdf_field(p, "Mã hồ sơ", d->code);
        eg_pdf_field(p, "Kính gửi", eg_json_str(ap, "name"));
        eg_pdf_field(p, "Thủ tục", d->procedure_name);
        eg_pdf_paragraph(p, "Cơ quan không tiếp nhận, giải quyết hồ sơ này với lý do:", 0);
        eg_pdf_paragraph(p, d->reason ? d->reason : "", 0);
        eg_pdf_signature(p, "NGƯỜI TIẾP NHẬN HỒ SƠ", "(Ký và ghi rõ họ tên)", "");
    } else if (!strcmp(form, "apology")) {
        eg_pdf_title(p, "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ", "Mẫu số 04");
        eg_pdf_field(p, "Mã hồ sơ", d->code);
        eg_pdf_field(p, "Kính gửi", eg_json_str(ap, "name"));
        eg_pdf_field(p, "Thủ tục", d->procedure_name);
        eg_pdf_field(p, "Ngày hẹn trả kết quả", vn_date(a, d->due_at));
        eg_pdf_paragraph(p,
                         eg_arena_printf(a,
                                         "Việc giải quyết hồ sơ quá hạn so với quy định. "
                                         "Lý do: %s",
                                         d->reason ? d->reason : ""),
                         0);
        eg_pdf_paragraph(p,
                         "Cơ quan thành thật xin lỗi Ông/Bà và hẹn lại thời gian trả kết "
                         "quả:",
                         0);
        eg_pdf_field(p, "Ngày hẹn mới", vn_date(a, d->new_due_at));
        eg_pdf_signature(p, "THỦ TRƯỞNG CƠ QUAN", "(Ký, ghi rõ họ tên và đóng dấu)", "");
    } else { /* control */
        eg_pdf_title(p, "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ", "Mẫu số 05");
        eg_pdf_field(p, "Mã hồ sơ", d->code);
        eg_pdf_field(p, "Thủ tục", d->procedure_name);
        eg_pdf_field(p, "Ngày hẹn trả kết quả", vn_date(a, d->due_at));
        json_t *tl = eg__ds_timeline(c, d->code, 1);
        size_t n = json_array_size(tl), i;
        const char **cells = eg_arena_alloc(a, sizeof(char *) * 4 * (n ? n : 1));
        for (i = 0; i < n; i++) {
            json_t *e = json_array_get(tl, i);
            int64_t at = 0;
            eg_time_parse(eg_json_str(e, "at"), &at);
            cells[i * 4] = vn_date(a, at);
            cells[i * 4 + 1] = eg_arena_strdup(a, eg_json_str(e, "actor"));
            cells[i * 4 + 2] = eg_arena_strdup(a, eg_json_str(e, "status_name"));
            cells[i * 4 + 3] =
                eg_arena_strdup(a, eg_json_str(e, "note") ? eg_json_str(e, "note") : "");
        }
        const char *hdr[] = {"Thời gian", "Người thực hiện", "Trạng thái", "Ghi chú"};
        float w[] = {3, 2, 3, 4};
        eg_pdf_table(p, 4, hdr, cells, (int)n, w);
        json_decref(tl);
    }
    json_decref(ap);
    eg_pdf_qr(p, lookup, eg_arena_printf(a, "Tra cứu hồ sơ %s", d->code));
    int rc = eg_pdf_render(p, out);
    eg_pdf_free(p);
    return rc;
}
#endif

static int form_pdf(eg_req *r)
{
    eg_app *app = eg_req_app(r);
    eg_conn *c = eg_db_conn(app->db);
    const char *code = eg_req_param(r, "code");
    const char *form = eg_req_param(r, "form");
    const char *forms[] = {"receipt.pdf", "supplement.pdf", "refusal.pdf", "apology.pdf",
                           "control.pdf"};
    int ok = 0;
    for (int i = 0; i < 5; i++)
        if (!strcmp(form, forms[i]))
            ok = 1;
    if (!ok)
        return eg_req_fail(r, EG_ENOTFOUND,
                           "biểu mẫu: receipt, supplement, refusal, apology, control (.pdf)");
    const eg_principal *p;
    int rc = eg_require_principal(r, &p);
    if (rc)
        return rc;
    ds_row d;
    rc = eg__ds_load(c, eg_req_arena(r), code, &d);
    if (!rc)
        rc = eg__ds_may(r, &d, "read");
    if (rc == EG_ENOTFOUND)
        return eg_req_fail(r, rc, "không có hồ sơ %s", code);
    if (rc)
        return rc;
    char name[32];
    snprintf(name, sizeof name, "%.*s", (int)(strlen(form) - 4), form);
    if ((!strcmp(name, "refusal") && d.status != EG_DS_REFUSED) ||
        (!strcmp(name, "supplement") && !d.reason) || (!strcmp(name, "apology") && !d.new_due_at))
        return eg_req_fail(r, EG_ECONFLICT, "hồ sơ %s chưa có %s", code, name);
#if DS_HAVE_PDF
    eg_buf out = {0};
    rc = render_form(r, c, &d, name, &out);
    if (!rc) {
        eg_audit_append(c, &(eg_audit_event){.actor = eg_actor(r),
                                             .action = "dossier.form",
                                             .object_type = "dossier",
                                             .object_id = code,
                                             .agency = d.handling,
                                             .request_id = eg_req_id(r)});
        eg_reply_header(r, "Content-Disposition",
                        eg_arena_printf(eg_req_arena(r), "inline; filename=\"%s-%s\"", code, form));
        rc = eg_reply(r, 200, "application/pdf", out.data, out.len);
    }
    eg_buf_free(&out);
    return rc;
#else
    return eg_req_fail(r, EG_EUNAVAIL, "mô-đun PDF chưa sẵn sàng");
#endif
}

static void csv_cell(eg_buf *b, const char *s)
{
    eg_buf_putc(b, '"');
    for (; s && *s; s++) {
        if (*s == '"')
            eg_buf_putc(b, '"');
        eg_buf_putc(b, *s);
    }
    eg_buf_putc(b, '"');
}

/* Mẫu 06: Sổ theo dõi hồ sơ. */
static int reg(eg_req *r)
{
    eg_app *app = eg_req_app(r);
    eg_arena *a = eg_req_arena(r);
    const eg_principal *p;
    int rc = eg_require_principal(r, &p);
    if (rc)
        return rc;
    const char *agency = eg_req_query(r, "agency");
    if (!agency)
        agency = p->agency_code;
    if (!agency || !eg_valid_agency_code(agency))
        return eg_req_fail_field(r, EG_EINVAL, "agency", "mã cơ quan không hợp lệ");
    rc = eg_authorize(r, "read", &(eg_object){"dossier", agency, NULL});
    if (rc)
        return rc;
    int64_t from = 0, to = INT64_MAX;
    const char *fs = eg_req_query(r, "from"), *ts = eg_req_query(r, "to");
    if ((fs && eg_time_parse(fs, &from)) || (ts && eg_time_parse(ts, &to)))
        return eg_req_fail_field(r, EG_EINVAL, "from", "ngày dạng YYYY-MM-DD");
    if (ts)
        to += 86400000LL;
    const char *fmt = eg_req_query(r, "format");
    if (!fmt)
        fmt = eg_req_accepts(r, "text/csv") ? "csv" : "pdf";
    eg_conn *c = eg_db_conn(app->db);
    json_t *rows = NULL;
    rc = eg_query_json(c, &rows,
                       "SELECT code FROM dossiers WHERE (agency_code = ? OR handling_agency = ?) "
                       "AND submitted_at >= ? AND submitted_at < ? ORDER BY id LIMIT 10000",
                       "ttll", agency, agency, from, to);
    if (rc)
        return rc;
    size_t n = json_array_size(rows), i;
    const char *hdr[] = {"STT",       "Mã hồ sơ",     "Thủ tục",    "Người nộp",
                         "Ngày nhận", "Ngày hẹn trả", "Trạng thái", "Ngày trả"};
    const char **cells = eg_arena_alloc(a, sizeof(char *) * 8 * (n ? n : 1));
    for (i = 0; i < n; i++) {
        ds_row d;
        if (eg__ds_load(c, a, eg_json_str(json_array_get(rows, i), "code"), &d))
            continue;
        json_t *ap = json_loads(d.applicant, 0, NULL);
        char b1[25] = "", b2[25] = "", b3[25] = "";
        if (d.received_at)
            eg_time_iso(d.received_at, b1);
        if (d.due_at)
            eg_time_iso(d.due_at, b2);
        if (d.returned_at)
            eg_time_iso(d.returned_at, b3);
        const char *v[] = {eg_arena_printf(a, "%zu", i + 1),
                           d.code,
                           d.procedure_name,
                           eg_arena_strdup(a, eg_json_str(ap, "name")),
                           eg_arena_strdup(a, b1),
                           eg_arena_strdup(a, b2),
                           eg_dossier_status_name(d.status),
                           eg_arena_strdup(a, b3)};
        memcpy(&cells[i * 8], v, sizeof v);
        json_decref(ap);
    }
    json_decref(rows);
    eg_audit_append(c, &(eg_audit_event){.actor = eg_actor(r),
                                         .action = "dossier.register",
                                         .object_type = "dossier_register",
                                         .object_id = agency,
                                         .agency = agency,
                                         .request_id = eg_req_id(r)});
    if (!strcmp(fmt, "csv")) {
        eg_buf b = {0};
        for (int k = 0; k < 8; k++) {
            if (k)
                eg_buf_putc(&b, ',');
            csv_cell(&b, hdr[k]);
        }
        eg_buf_puts(&b, "\r\n");
        for (i = 0; i < n; i++) {
            for (int k = 0; k < 8; k++) {
                if (k)
                    eg_buf_putc(&b, ',');
                csv_cell(&b, cells[i * 8 + k]);
            }
            eg_buf_puts(&b, "\r\n");
        }
        rc = eg_reply(r, 200, "text/csv; charset=utf-8", b.data, b.len);
        eg_buf_free(&b);
        return rc;
    }
#if DS_HAVE_PDF
    eg_pdf *pdf = eg_pdf_new(eg_config_get(app->cfg, "pdf.font_dir", NULL));
    if (!pdf)
        return eg_req_fail(r, EG_EUNAVAIL, "không nạp được phông chữ cho PDF");
    eg_pdf_landscape(pdf);
    eg_pdf_heading(pdf, upper_ascii_safe(a, agency_name(a, agency)), NULL);
    eg_pdf_title(pdf, "SỔ THEO DÕI HỒ SƠ", "Mẫu số 06");
    float w[] = {1, 4, 6, 3, 3, 3, 3, 3};
    eg_pdf_table(pdf, 8, hdr, cells, (int)n, w);
    eg_buf out = {0};
    rc = eg_pdf_render(pdf, &out);
    eg_pdf_free(pdf);
    if (!rc)
        rc = eg_reply(r, 200, "application/pdf", out.data, out.len);
    eg_buf_free(&out);
    return rc;
#else
    return eg_req_fail(r, EG_EUNAVAIL, "mô-đun PDF chưa sẵn sàng; dùng format=csv");
#endif
}

void eg__ds_forms_routes(eg_http *h)
{
    eg_http_route(
        h, "GET", "/api/v1/dossiers/{code}/forms/{form}", form_pdf,
        &(eg_route_opts){.summary = "Biểu mẫu PDF Mẫu 01-05 của hồ sơ", .tag = "dossier"});
    eg_http_route(
        h, "GET", "/api/v1/dossier-register", reg,
        &(eg_route_opts){.summary = "Sổ theo dõi hồ sơ (Mẫu 06), CSV hoặc PDF", .tag = "dossier"});
}
