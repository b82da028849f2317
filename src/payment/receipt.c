/*
 * receipt.c - the PDF receipt (biên lai thu phí, lệ phí) of a paid payment, drawn with
 * src/pdf: agency heading, title, payer/amount/content fields, a QR code of the receipt's
 * verification URL. Readable by the payer and the agency's staff; each read is audited.
 */
#include <string.h>
#include <stdlib.h>
#include "audit/audit.h"
#include "identity/identity.h"
#include "payment/internal.h"
#include "pdf/pdf.h"

#ifndef EG_PAYMENT_PDF
#define EG_PAYMENT_PDF 1
#endif

static void money(char *out, size_t n, long long v)
{
    char d[32];
    int len = snprintf(d, sizeof(d), "%lld", v);
    size_t o = 0;
    for (int i = 0; i < len && o + 2 < n; i++) {
        if (i && (len - i) % 3 == 0)
            out[o++] = '.';
        out[o++] = d[i];
    }
    out[o] = 0;
    snprintf(out + o, n - o, " đồng");
}

static int h_receipt(eg_req *r)
{
    const char *ids = eg_req_param(r, "id");
    char *end = NULL;
    long long id = ids ? strtoll(ids, &end, 10) : 0;
    if (!ids || !end || *end || id <= 0)
        return eg_req_fail(r, EG_ENOTFOUND, "Không có khoản thanh toán");
    eg_conn *c = eg_db_conn(eg__pay->app->db);
    json_t *p = eg__pay_load(c, id);
    if (!p)
        return eg_req_fail(r, EG_ENOTFOUND, "Không có khoản thanh toán %lld", id);
    eg_object o = {"payment", eg_json_str(p, "agency_code"), eg_json_str(p, "payer_subject")};
    int rc = eg_authorize(r, "read", &o);
    if (!rc && strcmp(eg_json_str(p, "state"), EG_PAY_PAID) != 0 &&
        strcmp(eg_json_str(p, "state"), EG_PAY_REFUNDED) != 0)
        rc = eg_req_fail(r, EG_ECONFLICT, "Khoản này chưa được thanh toán");
    if (rc) {
        json_decref(p);
        return rc;
    }
#if EG_PAYMENT_PDF
    eg_pdf *pdf = eg_pdf_new(eg_config_get(eg__pay->app->cfg, "pdf.font_dir", NULL));
    if (!pdf) {
        json_decref(p);
        return eg_req_fail(r, EG_EUNAVAIL, "Không nạp được phông chữ để tạo PDF");
    }
    char amount[48], line[256], verify[512];
    money(amount, sizeof(amount), eg_json_int(p, "amount_vnd", 0));
    eg_pdf_info(pdf, "Biên lai thu phí, lệ phí", "egov");
    snprintf(line, sizeof(line), "CƠ QUAN THU\nMã: %s", eg_json_str(p, "agency_code"));
    eg_pdf_heading(pdf, line, NULL);
    eg_pdf_title(pdf, "BIÊN LAI THU PHÍ, LỆ PHÍ", "(Thanh toán trực tuyến)");
    eg_pdf_field(pdf, "Số biên lai", eg_json_str(p, "order_id"));
    eg_pdf_field(pdf, "Mã giao dịch cổng thanh toán", eg_json_str(p, "gateway_txn"));
    eg_pdf_field(pdf, "Nội dung thu", eg_json_str(p, "description"));
    snprintf(line, sizeof(line), "%s %s", eg_json_str(p, "ref_type"), eg_json_str(p, "ref_id"));
    eg_pdf_field(pdf, "Đối tượng", line);
    eg_pdf_field(pdf, "Số tiền", amount);
    eg_pdf_field(pdf, "Thời điểm thanh toán", eg_json_str(p, "paid_at"));
    if (strcmp(eg_json_str(p, "state"), EG_PAY_REFUNDED) == 0)
        eg_pdf_paragraph(pdf, "Khoản thu này đã được hoàn trả.", 1);
    snprintf(verify, sizeof(verify), "%s/api/v1/payment/%lld", eg__pay->app->base_url, id);
    eg_pdf_qr(pdf, verify, "Tra cứu biên lai");
    eg_pdf_signature(pdf, "ĐƠN VỊ THU", "(Biên lai điện tử)", "");
    eg_buf out = EG_BUF_INIT;
    rc = eg_pdf_render(pdf, &out);
    eg_pdf_free(pdf);
    if (!rc) {
        eg_audit_event ev = {.actor = eg_actor(r),
                             .action = "payment.receipt.read",
                             .object_type = "payment",
                             .object_id = ids,
                             .agency = eg_json_str(p, "agency_code"),
                             .request_id = eg_req_id(r),
                             .client_addr = eg_req_client_ip(r)};
        rc = eg_audit_append(c, &ev);
    }
    if (!rc)
        rc = eg_reply(r, 200, "application/pdf", out.data, out.len);
    eg_buf_free(&out);
    json_decref(p);
    return rc;
#else
    (void)money;
    json_decref(p);
    return eg_req_fail(r, EG_EUNAVAIL, "Chưa có mô-đun PDF trong bản dựng này");
#endif
}

void eg__pay_receipt_routes(eg_app *app, eg_http *h)
{
    eg_http_route(h, "GET", "/api/v1/payment/{id}/receipt.pdf", h_receipt,
                  &(eg_route_opts){.tag = "payment", .summary = "PDF receipt (biên lai)"});
}
