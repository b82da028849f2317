/*
 * providers.c - information-provision services of other agencies (the DVCC services of
 * Table 5) answered from the platform's own issued results: read-only LGSP data services
 * ("data:<name>", see lgsp.h) registered by the dossier module, and their demo registration
 * (published services owned by the issuing agencies, one consumer system per agency's one-stop
 * desk, and grants).
 *
 * A provider answers only from dossiers whose result was issued (status 9 or 10 with an
 * e-result) of its procedures, looked up by the subject's personal ID, tax code or the
 * document number (the dossier code the result was issued under). The answer is minimal: the
 * document's number, name, issuing agency and date, never the applicant's name, address,
 * phone or the dossier's papers. Procedures are matched on the national part of their code
 * (the first 8 characters, "2.000488"), so the providers work in any province.
 *
 *   dossier.judicial-record   ?personal_id= | number=         Phiếu LLTP (Sở Tư pháp)
 *   dossier.civil-status      ?personal_id= | number= [&event=]  hộ tịch: khai sinh, kết hôn...
 *   dossier.construction-permit ?number= | personal_id= | tax_code=  giấy phép xây dựng
 *   dossier.food-safety       ?number= | tax_code= | personal_id=  giấy chứng nhận ATTP
 *   dossier.business-registration ?tax_code= | number=        đăng ký DN / hộ kinh doanh
 * Several parameters narrow the search (all must match); none is 400 (EG_EINVAL).
 */
#include <stdio.h>
#include <stdlib.h>
#include "dossier/inforeq.h"
#include "lgsp/lgsp.h"

typedef struct {
    const char *national; /* first 8 characters of the procedure code */
    const char *kind;     /* what the issued result is */
} proc_kind;

typedef struct {
    const char *name; /* provider name (upstream "data:<name>") */
    const char *service, *title, *owner, *description;
    const char *by_id, *by_tax, *by_number; /* accepted parameters (NULL = not accepted) */
    const proc_kind *procs;
} provider;

static const proc_kind JUDICIAL[] = {
    {"2.000488", "phieu_ly_lich_tu_phap"}, {"2.001481", "phieu_ly_lich_tu_phap"}, {NULL, NULL}};
static const proc_kind CIVIL[] = {{"1.001193", "khai_sinh"},
                                  {"1.000894", "ket_hon"},
                                  {"1.000970", "ket_hon"},
                                  {"1.000656", "khai_tu"},
                                  {"1.004873", "trich_luc_ho_tich"},
                                  {"1.004884", "cai_chinh_ho_tich"},
                                  {"1.001022", "nhan_cha_me_con"},
                                  {"1.003583", "xac_nhan_tinh_trang_hon_nhan"},
                                  {NULL, NULL}};
static const proc_kind PERMIT[] = {{"1.009972", "giay_phep_xay_dung"},
                                   {"1.009974", "giay_phep_xay_dung"},
                                   {"1.009975", "giay_phep_xay_dung_dieu_chinh"},
                                   {NULL, NULL}};
static const proc_kind FOOD[] = {
    {"1.001049", "giay_chung_nhan_attp"}, {"1.012596", "giay_chung_nhan_attp"}, {NULL, NULL}};
static const proc_kind BUSINESS[] = {
    {"2.001610", "dang_ky_doanh_nghiep"},  {"2.002040", "dang_ky_doanh_nghiep"},
    {"2.002041", "dang_ky_doanh_nghiep"},  {"2.002098", "thay_doi_dang_ky_doanh_nghiep"},
    {"1.001612", "dang_ky_ho_kinh_doanh"}, {NULL, NULL}};

static const provider PROVIDERS[] = {
    {"dossier.judicial-record", "ltp-phieu", "Tra cứu Phiếu lý lịch tư pháp đã cấp",
     "000.00.04.H61", "Phiếu lý lịch tư pháp đã cấp cho một công dân (theo số định danh)",
     "personal_id", NULL, "number", JUDICIAL},
    {"dossier.civil-status", "hotich-sukien", "Tra cứu sự kiện hộ tịch đã đăng ký", "000.00.04.H61",
     "Khai sinh, kết hôn, khai tử... đã đăng ký (theo số định danh)", "personal_id", NULL, "number",
     CIVIL},
    {"dossier.construction-permit", "xd-giayphep", "Tra cứu giấy phép xây dựng đã cấp",
     "000.00.05.H61", "Giấy phép xây dựng theo số giấy phép, số định danh hoặc mã số thuế",
     "personal_id", "tax_code", "number", PERMIT},
    {"dossier.food-safety", "attp-giaychungnhan", "Tra cứu giấy chứng nhận cơ sở đủ điều kiện ATTP",
     "000.00.07.H61", "Giấy chứng nhận an toàn thực phẩm theo số, mã số thuế hoặc số định danh",
     "personal_id", "tax_code", "number", FOOD},
    {"dossier.business-registration", "dkkd-doanhnghiep", "Tra cứu đăng ký doanh nghiệp",
     "000.00.03.H61", "Đăng ký doanh nghiệp, hộ kinh doanh đã cấp (theo mã số thuế)", NULL,
     "tax_code", "number", BUSINESS},
};
#define NPROV (sizeof(PROVIDERS) / sizeof(PROVIDERS[0]))

static const char *kind_of(const provider *p, const char *procedure_code)
{
    for (int i = 0; p->procs[i].national; i++)
        if (procedure_code && strncmp(procedure_code, p->procs[i].national, 8) == 0 &&
            (procedure_code[8] == '.' || procedure_code[8] == '\0'))
            return p->procs[i].kind;
    return NULL;
}

/* Issued results of p about the subject; EG_EINVAL when no usable parameter was given. */
static int answer(eg_app *app, const provider *p, const char *path, eg_lgsp_arg_fn get, void *ctx,
                  json_t **out)
{
    if (path && *path && strcmp(path, "/") != 0)
        return EG_ENOTFOUND;
    const char *pid = p->by_id ? get(ctx, p->by_id) : NULL;
    const char *tax = p->by_tax ? get(ctx, p->by_tax) : NULL;
    const char *num = p->by_number ? get(ctx, p->by_number) : NULL;
    const char *event = get(ctx, "event");
    if (pid && !eg_valid_personal_id(pid))
        return EG_EINVAL;
    if (tax && !eg_valid_tax_code(tax))
        return EG_EINVAL;
    if (num && (!*num || strlen(num) > 64))
        return EG_EINVAL;
    if (!pid && !tax && !num)
        return EG_EINVAL;
    /* Coarse filter in SQL (the applicant is stored as JSON text), exact match below. */
    char like[80];
    snprintf(like, sizeof(like), "%%\"%s\"%%", pid ? pid : tax ? tax : "");
    json_t *rows = NULL;
    int rc = eg_query_json(eg_db_conn(app->db), &rows,
                           "SELECT code, procedure_code, procedure_name, handling_agency, "
                           "applicant, finished_at FROM dossiers WHERE status IN (9, 10) AND "
                           "result_file IS NOT NULL AND (CAST(? AS TEXT) IS NULL OR code = ?) "
                           "AND (CAST(? AS TEXT) IS NULL OR applicant LIKE ?) "
                           "ORDER BY finished_at DESC, id DESC LIMIT 500",
                           "tttt", num, num, pid || tax ? like : NULL, pid || tax ? like : NULL);
    if (rc)
        return rc;
    json_t *items = json_array();
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row)
    {
        const char *kind = kind_of(p, eg_json_str(row, "procedure_code"));
        if (!kind || (event && strcmp(event, kind) != 0))
            continue;
        const char *ap_txt = eg_json_str(row, "applicant");
        json_t *ap = ap_txt ? json_loads(ap_txt, 0, NULL) : NULL;
        const char *apid = eg_json_str(ap, "personal_id"), *atax = eg_json_str(ap, "tax_code");
        int match = (!pid || (apid && strcmp(apid, pid) == 0)) &&
                    (!tax || (atax && strcmp(atax, tax) == 0));
        json_decref(ap);
        if (!match)
            continue;
        char issued[25] = "";
        json_int_t fin = json_integer_value(json_object_get(row, "finished_at"));
        if (fin)
            eg_time_iso_ms(fin, issued);
        json_array_append_new(items, json_pack("{s:s, s:s?, s:s?, s:s?, s:s?, s:s?}", "kind", kind,
                                               "number", eg_json_str(row, "code"), "document",
                                               eg_json_str(row, "procedure_name"), "procedure_code",
                                               eg_json_str(row, "procedure_code"), "issued_by",
                                               eg_json_str(row, "handling_agency"), "issued_at",
                                               issued[0] ? issued : NULL));
        if (json_array_size(items) >= 50)
            break;
    }
    json_decref(rows);
    json_t *subject = json_object();
    if (pid)
        json_object_set_new(subject, "personal_id", json_string(pid));
    if (tax)
        json_object_set_new(subject, "tax_code", json_string(tax));
    if (num)
        json_object_set_new(subject, "number", json_string(num));
    *out = json_pack("{s:s, s:o, s:b, s:I, s:o}", "provider", p->name, "subject", subject, "found",
                     json_array_size(items) > 0, "count", (json_int_t)json_array_size(items),
                     "items", items);
    return EG_OK;
}

#define VIEW(n)                                                                                    \
    static int view_##n(eg_app *app, const char *path, eg_lgsp_arg_fn get, void *ctx,              \
                        json_t **out)                                                              \
    {                                                                                              \
        return answer(app, &PROVIDERS[n], path, get, ctx, out);                                    \
    }
VIEW(0)
VIEW(1)
VIEW(2)
VIEW(3)
VIEW(4)
static const eg_lgsp_data_fn VIEWS[NPROV] = {view_0, view_1, view_2, view_3, view_4};

void eg__ds_providers_register(void)
{
    for (size_t i = 0; i < NPROV; i++)
        eg_lgsp_register_data_provider(PROVIDERS[i].name, VIEWS[i]);
}

json_t *eg__ds_providers_json(void)
{
    json_t *items = json_array();
    for (size_t i = 0; i < NPROV; i++) {
        const provider *p = &PROVIDERS[i];
        json_t *params = json_array();
        if (p->by_id)
            json_array_append_new(params, json_string(p->by_id));
        if (p->by_tax)
            json_array_append_new(params, json_string(p->by_tax));
        if (p->by_number)
            json_array_append_new(params, json_string(p->by_number));
        json_array_append_new(items, json_pack("{s:s, s:s, s:s, s:s, s:o}", "service", p->service,
                                               "name", p->title, "owner_agency", p->owner,
                                               "description", p->description, "params", params));
    }
    return items;
}

/* Agencies whose one-stop desk gets a consumer system in the demo, and the services each may
 * call (Table 5: who asks whom). */
static const struct {
    const char *agency, *name;
    const char *services[6];
} DEMO_CONSUMERS[] = {
    {"000.00.05.H61",
     "Một cửa Sở Xây dựng",
     {"ltp-phieu", "hotich-sukien", "xd-giayphep", "dkkd-doanhnghiep", NULL}},
    {"000.00.04.H61",
     "Một cửa Sở Tư pháp",
     {"ltp-phieu", "hotich-sukien", "dkkd-doanhnghiep", NULL}},
    {"000.00.07.H61", "Một cửa Sở Y tế", {"attp-giaychungnhan", "dkkd-doanhnghiep", NULL}},
    {"000.00.11.H61",
     "Một cửa Trung tâm Phục vụ hành chính công",
     {"ltp-phieu", "hotich-sukien", "xd-giayphep", "attp-giaychungnhan", "dkkd-doanhnghiep", NULL}},
};

void eg__ds_consumer_of(const char *agency, char *out, size_t n)
{
    snprintf(out, n, "motcua-%s", agency ? agency : "");
}

int eg__ds_providers_seed(eg_app *app, int demo)
{
    /* dossier.demo_info_services = 0 keeps the demo LGSP registry empty (the LGSP module's own
     * tests count services). */
    if (!demo || !eg_config_bool(app->cfg, "dossier.demo_info_services", 1))
        return 0;
    eg_conn *c = eg_db_conn(app->db);
    for (size_t i = 0; i < NPROV; i++) {
        const provider *p = &PROVIDERS[i];
        char up[80];
        snprintf(up, sizeof(up), "data:%s", p->name);
        eg_lgsp_service_def d = {.code = p->service,
                                 .version = "v1",
                                 .name = p->title,
                                 .owner_agency = p->owner,
                                 .upstream_url = up,
                                 .description = p->description,
                                 .timeout_ms = 10000};
        int rc = eg_lgsp_ensure_service(app, c, &d);
        if (rc)
            return rc;
    }
    for (size_t i = 0; i < sizeof(DEMO_CONSUMERS) / sizeof(DEMO_CONSUMERS[0]); i++) {
        char client[64];
        eg__ds_consumer_of(DEMO_CONSUMERS[i].agency, client, sizeof(client));
        int rc =
            eg_lgsp_ensure_consumer(c, client, DEMO_CONSUMERS[i].name, DEMO_CONSUMERS[i].agency);
        for (int k = 0; !rc && DEMO_CONSUMERS[i].services[k]; k++)
            rc = eg_lgsp_ensure_grant(c, DEMO_CONSUMERS[i].services[k], client, "GET");
        if (rc)
            return rc;
    }
    return 0;
}
