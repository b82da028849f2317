/*
 * adapter.c - the portal side of one sync event, following references.md §B.4:
 *   1 POST {base}/token              {client_id, client_secret} -> {access_token, expires_in}
 *   2 POST {base}/GetNextValue       {code: agency}             -> {value: portal dossier code}
 *   3 POST {base}/UploadFile         {TenTep, HashTepTin, NoiDung(base64)} -> {IdTepTin,
 *                                                                              HashTepTin}
 *   4 POST {base}/NoiHoSo            dossier fields             -> {error_code: 0, IdHoSo}
 *   5 POST {base}/CapNhatTienTrinh   [{IDHoSo, MaHoSo, NguoiXuLy, ...}]
 *   6 POST {base}/CapNhatTrangThai   [{IdHoSo, MaHoSo, TrangThai}]
 * Every call but the token carries the portal's bearer token and "X-Idempotency-Key:
 * <dossier code>/<event id>/<step>", so a call repeated after a crash or a lost answer is
 * answered from the portal's memory instead of being applied twice.
 *
 * Through the LGSP (dvcqg.via_lgsp = 1, the default): the portal is the upstream of the
 * published LGSP service dvcqg.lgsp_service ("dvcqg"), registered on first use with
 * upstream dvcqg.base_url, and every call is an in-process gateway exchange (eg_lgsp_call) by
 * the consumer system dvcqg.lgsp_client ("egov-dvcqg") with X-Road-Issue = the dossier code, so
 * it is in the LGSP message log, behind the grant, rate limit and SSRF rules
 * (lgsp.upstream_allow must list the portal when it is on a private address). The gateway
 * never forwards an Authorization header, so the portal token travels as
 * X-Dvcqg-Authorization and the service's header rename turns it back into Authorization. The
 * token step is logged without bodies (the client secret and the token are credentials).
 * With via_lgsp = 0 the portal is called directly (as before).
 */
#include <string.h>
#include <stdlib.h>
#include <curl/curl.h>
#include "dvcqg/internal.h"
#include "lgsp/lgsp.h"

static size_t sink(char *p, size_t sz, size_t n, void *ud)
{
    eg_buf_append(ud, p, sz * n);
    return sz * n;
}

/* The portal's answer to a call that reached it: 0 with *out for a 2xx JSON answer whose
 * error_code is 0 (or absent); EG_EAUTH for 401 (the token is dropped); EG_EUPSTREAM otherwise. */
static int portal_answer(const char *step, long status, const eg_buf *resp, json_t **out, char *err,
                         size_t errlen)
{
    int rc = 0;
    if (status == 401) {
        eg__dq->token_expires_ms = 0;
        snprintf(err, errlen, "%s: HTTP 401", step);
        rc = EG_EAUTH;
    } else if (status < 200 || status > 299) {
        snprintf(err, errlen, "%s: HTTP %ld", step, status);
        rc = EG_EUPSTREAM;
    } else {
        *out = eg_json_parse(resp->data ? resp->data : "", resp->len, 32, NULL, 0);
        if (!*out) {
            snprintf(err, errlen, "%s: answer is not JSON", step);
            rc = EG_EUPSTREAM;
        } else if (json_is_object(*out) && eg_json_int(*out, "error_code", 0) != 0) {
            snprintf(err, errlen, "%s: error_code %lld %s", step,
                     eg_json_int(*out, "error_code", 0),
                     eg_json_str(*out, "message") ? eg_json_str(*out, "message") : "");
            json_decref(*out);
            *out = NULL;
            rc = EG_EUPSTREAM;
        }
    }
    return rc;
}

/* Registers the portal as an LGSP service, the connector as its consumer and the grant
 * (idempotent; once per process). */
static int ensure_lgsp(char *err, size_t errlen)
{
    if (eg__dq->lgsp_ready)
        return 0;
    eg_app *app = eg__dq->app;
    eg_conn *c = eg_db_conn(app->db);
    eg_lgsp_service_def d = {
        .code = eg__dq->lgsp_service,
        .version = "v1",
        .name = "Cổng Dịch vụ công quốc gia: đồng bộ hồ sơ",
        .owner_agency = eg__dq->lgsp_owner,
        .upstream_url = eg__dq->base_url,
        .description = "Sáu bước đồng bộ hồ sơ với Cổng DVC quốc gia (references.md §B.4)",
        .transform = "{\"headers\":{\"X-Dvcqg-Authorization\":\"Authorization\"}}",
        .timeout_ms = eg__dq->timeout_ms};
    int rc = eg_lgsp_ensure_service(app, c, &d);
    if (!rc)
        rc = eg_lgsp_ensure_consumer(c, eg__dq->lgsp_client, "Kết nối Cổng DVC quốc gia",
                                     eg__dq->lgsp_agency);
    if (!rc)
        rc = eg_lgsp_ensure_grant(c, eg__dq->lgsp_service, eg__dq->lgsp_client, "POST");
    if (rc) {
        snprintf(err, errlen, "LGSP: cannot register service %s (%s)", eg__dq->lgsp_service,
                 rc == EG_EUNPROCESSABLE ? "upstream refused by lgsp.upstream_allow"
                                         : eg_strerror(rc));
        return EG_EUPSTREAM;
    }
    eg__dq->lgsp_ready = 1;
    return 0;
}

/* One call through the LGSP gateway; the outcome in the shape of a direct HTTP call. */
static int via_lgsp(const char *step, const char *idem, const char *issue, const char *txt,
                    long *status, eg_buf *resp, char *err, size_t errlen)
{
    int rc = ensure_lgsp(err, errlen);
    if (rc)
        return rc;
    char auth[1100], key[300], path[64];
    const char *hdrs[4] = {"Content-Type: application/json", NULL, NULL, NULL};
    int n = 1;
    if (strcmp(step, "token") != 0) {
        snprintf(auth, sizeof(auth), "X-Dvcqg-Authorization: Bearer %s", eg__dq->token);
        hdrs[n++] = auth;
    }
    if (idem) {
        snprintf(key, sizeof(key), "X-Idempotency-Key: %s", idem);
        hdrs[n++] = key;
    }
    snprintf(path, sizeof(path), "/%s", step);
    eg_lgsp_call_in in = {.client_id = eg__dq->lgsp_client,
                          .service = eg__dq->lgsp_service,
                          .method = "POST",
                          .path = path,
                          .user_id = "dvcqg",
                          .issue = issue,
                          .headers = hdrs,
                          .body = txt,
                          .body_len = strlen(txt),
                          .private_bodies = strcmp(step, "token") == 0};
    eg_lgsp_call_out o;
    rc = eg_lgsp_call(eg__dq->app, &in, &o);
    if (rc) {
        snprintf(err, errlen, "%s: LGSP %d %.200s", step, o.status, o.detail);
        eg_lgsp_call_out_free(&o);
        return rc == EG_ETIMEOUT ? EG_ETIMEOUT : EG_EUPSTREAM;
    }
    *status = o.status;
    eg_buf_append(resp, o.body ? o.body : "", o.body_len);
    eg_lgsp_call_out_free(&o);
    return 0;
}

/* POSTs JSON; *out gets the parsed answer (object/array) for 2xx. issue: the dossier code. */
static int post(const char *step, const char *idem, const char *issue, const json_t *body,
                json_t **out, char *err, size_t errlen)
{
    if (eg__dq->via_lgsp) {
        char *txt = json_dumps(body, JSON_COMPACT);
        eg_buf resp = EG_BUF_INIT;
        long status = 0;
        int rc = via_lgsp(step, idem, issue, txt, &status, &resp, err, errlen);
        free(txt);
        if (!rc)
            rc = portal_answer(step, status, &resp, out, err, errlen);
        eg_buf_free(&resp);
        return rc;
    }
    char url[1024];
    snprintf(url, sizeof(url), "%s/%s", eg__dq->base_url, step);
    CURL *h = curl_easy_init();
    if (!h)
        return EG_EIO;
    char *txt = json_dumps(body, JSON_COMPACT);
    struct curl_slist *hd = curl_slist_append(NULL, "Content-Type: application/json");
    char line[1200];
    if (strcmp(step, "token") != 0) {
        snprintf(line, sizeof(line), "Authorization: Bearer %s", eg__dq->token);
        hd = curl_slist_append(hd, line);
    }
    if (idem) {
        snprintf(line, sizeof(line), "X-Idempotency-Key: %s", idem);
        hd = curl_slist_append(hd, line);
    }
    eg_buf resp = EG_BUF_INIT;
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hd);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, txt);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, eg__dq->timeout_ms);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, eg__dq->timeout_ms);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, sink);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &resp);
    long status = 0;
    CURLcode cc = curl_easy_perform(h);
    if (cc == CURLE_OK)
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(h);
    curl_slist_free_all(hd);
    free(txt);
    int rc = 0;
    if (cc != CURLE_OK) {
        snprintf(err, errlen, "%s: %s", step, curl_easy_strerror(cc));
        rc = cc == CURLE_OPERATION_TIMEDOUT ? EG_ETIMEOUT : EG_EUPSTREAM;
    } else {
        rc = portal_answer(step, status, &resp, out, err, errlen);
    }
    eg_buf_free(&resp);
    return rc;
}

static int ensure_token(char *err, size_t errlen)
{
    if (eg__dq->token[0] && eg_now_ms() < eg__dq->token_expires_ms)
        return 0;
    json_t *body = json_pack("{s:s, s:s}", "client_id", eg__dq->client_id, "client_secret",
                             eg__dq->client_secret);
    json_t *out = NULL;
    int rc = post("token", NULL, NULL, body, &out, err, errlen);
    json_decref(body);
    if (rc)
        return rc;
    const char *t = eg_json_str(out, "access_token");
    if (!t || strlen(t) >= sizeof(eg__dq->token)) {
        json_decref(out);
        snprintf(err, errlen, "token: no access_token");
        return EG_EUPSTREAM;
    }
    snprintf(eg__dq->token, sizeof(eg__dq->token), "%s", t);
    long long ttl = eg_json_int(out, "expires_in", 300);
    eg__dq->token_expires_ms = eg_now_ms() + (ttl > 30 ? ttl - 30 : ttl) * 1000;
    json_decref(out);
    return 0;
}

/* ISO 8601 instant -> "yyyy-MM-dd HH:mm:ss" in Vietnam time; "" when absent/invalid. */
static void vn_time(const char *iso, char out[20])
{
    int64_t ms;
    out[0] = 0;
    if (!iso || eg_time_parse(iso, &ms))
        return;
    char s[21];
    eg_time_iso(ms + EG_VN_OFFSET_MS, s);
    snprintf(out, 20, "%.10s %.8s", s, s + 11);
}

static int call(dq_delivery *d, const char *step, const json_t *body, json_t **out)
{
    char key[256];
    snprintf(key, sizeof(key), "%s/%lld/%s", d->dossier_code, (long long)d->id, step);
    int rc = post(step, key, d->dossier_code, body, out, d->error, sizeof(d->error));
    if (rc == EG_EAUTH) { /* token expired at the portal: one fresh try */
        rc = ensure_token(d->error, sizeof(d->error));
        if (!rc)
            rc = post(step, key, d->dossier_code, body, out, d->error, sizeof(d->error));
    }
    return rc;
}

static int submitted(dq_delivery *d)
{
    const json_t *p = d->payload;
    const json_t *ap = json_object_get(p, "applicant");
    const char *agency = eg_json_str(p, "agency_code");
    json_t *out = NULL;
    int rc = 0;
    const char *code = d->portal_code;
    if (!code) { /* step 2: the portal's dossier code */
        json_t *b = json_pack("{s:s?}", "code", agency);
        rc = call(d, "GetNextValue", b, &out);
        json_decref(b);
        if (rc)
            return rc;
        const char *v = eg_json_str(out, "value");
        if (!v || strlen(v) >= sizeof(d->new_portal_code)) {
            json_decref(out);
            snprintf(d->error, sizeof(d->error), "GetNextValue: no value");
            return EG_EUPSTREAM;
        }
        snprintf(d->new_portal_code, sizeof(d->new_portal_code), "%s", v);
        json_decref(out);
        code = d->new_portal_code;
    }
    /* step 3: files, then step 4: NoiHoSo */
    json_t *tp = json_array();
    size_t i, j;
    json_t *comp, *file;
    json_array_foreach(json_object_get(p, "components"), i, comp)
    {
        json_t *giay = json_array();
        json_array_foreach(json_object_get(comp, "files"), j, file)
        {
            const char *sha = eg_json_str(file, "sha256");
            eg_buf data = EG_BUF_INIT;
            char *b64 = NULL;
            if (sha && eg__dq->app->blobs &&
                eg_blob_get(eg__dq->app->blobs, sha, 50u << 20, &data) == 0) {
                b64 = eg_malloc(data.len * 4 / 3 + 8);
                eg_b64_encode(data.data ? data.data : "", data.len, b64);
            }
            eg_buf_free(&data);
            char step[32];
            snprintf(step, sizeof(step), "UploadFile");
            json_t *ub = json_pack("{s:s?, s:s?, s:s?}", "TenTep", eg_json_str(file, "name"),
                                   "HashTepTin", sha, "NoiDung", b64);
            free(b64);
            char key[256];
            snprintf(key, sizeof(key), "%s/%lld/UploadFile/%zu/%zu", d->dossier_code,
                     (long long)d->id, i, j);
            rc = post(step, key, d->dossier_code, ub, &out, d->error, sizeof(d->error));
            json_decref(ub);
            if (rc)
                break;
            json_array_append_new(giay, json_pack("{s:O?, s:s?, s:O?}", "IdGiayTo",
                                                  json_object_get(out, "IdTepTin"), "TenGiayTo",
                                                  eg_json_str(file, "name"), "HashTepTin",
                                                  json_object_get(out, "HashTepTin")));
            json_decref(out);
            out = NULL;
        }
        json_array_append_new(tp, json_pack("{s:s?, s:s?, s:I, s:i, s:o}", "MaThanhPhanHoSo",
                                            eg_json_str(comp, "code"), "TenThanhPhanHoSo",
                                            eg_json_str(comp, "name"), "SoLuong", (json_int_t)1,
                                            "LoaiBan", 2, "GiayToDinhKem", giay));
        if (rc)
            break;
    }
    if (rc) {
        json_decref(tp);
        return rc;
    }
    char nop[20], nhan[20];
    vn_time(eg_json_str(p, "submitted_at"), nop);
    vn_time(eg_json_str(p, "received_at"), nhan);
    const char *kind = eg_json_str(ap, "kind");
    int loai = kind && strcmp(kind, "business") == 0 ? 1 : 0;
    json_t *fees = json_object_get(p, "fees");
    fees = json_is_array(fees) ? json_incref(fees) : json_array();
    json_t *b = json_pack(
        "{s:s, s:s, s:s?, s:s?, s:s?, s:i, s:s?, s:s, s:s, s:o, s:{s:i, s:s?, s:{s:s?, s:s?, "
        "s:s?, s:s?, s:s?}}, s:o, s:I}",
        "MaHoSo", code, "MaHoSoNguon", d->dossier_code, "MaTTHC", eg_json_str(p, "procedure_code"),
        "MaDichVuCong", eg_json_str(p, "procedure_code"), "ChuHoSo", eg_json_str(ap, "name"),
        "LoaiDoiTuong", loai, "MaDonViTiepNhan", agency, "NgayNop", nop, "NgayTiepNhan", nhan,
        "ThanhPhanHoSo", tp, "ThongTinNguoiNop", "LoaiDoiTuong", loai, "IdDoiTuong",
        eg_json_str(ap, "id_number"), "ThongTinChiTiet", "TenNguoiNop", eg_json_str(ap, "name"),
        "SoDinhDanh", eg_json_str(ap, "id_number"), "SoDienThoai", eg_json_str(ap, "phone"),
        "Email", eg_json_str(ap, "email"), "DiaChiChiTiet", eg_json_str(ap, "address"),
        "DanhSachLePhi", fees, "TrangThai", (json_int_t)eg_json_int(p, "status", 1));
    rc = call(d, "NoiHoSo", b, &out);
    json_decref(b);
    if (rc)
        return rc;
    const char *idhs = eg_json_str(out, "IdHoSo");
    snprintf(d->new_portal_id, sizeof(d->new_portal_id), "%s", idhs ? idhs : code);
    if (code != d->new_portal_code)
        snprintf(d->new_portal_code, sizeof(d->new_portal_code), "%s", code);
    json_decref(out);
    return 0;
}

static int update(dq_delivery *d, int progress)
{
    if (!d->portal_code) {
        snprintf(d->error, sizeof(d->error), "dossier not yet created at the portal");
        return EG_ECONFLICT;
    }
    const json_t *p = d->payload;
    json_t *item;
    if (progress) {
        char at[20], start[20], due[20];
        vn_time(eg_json_str(p, "at"), at);
        vn_time(eg_json_str(p, "started_at"), start);
        vn_time(eg_json_str(p, "due_at"), due);
        item = json_pack("{s:s, s:s, s:s?, s:s, s:s?, s:s?, s:I, s:s, s:s}", "IDHoSo",
                         d->portal_id ? d->portal_id : d->portal_code, "MaHoSo", d->portal_code,
                         "NguoiXuLy", eg_json_str(p, "actor"), "ThoiDiemXuLy", at, "PhongBanXuLy",
                         eg_json_str(p, "unit"), "NoiDungXuLy", eg_json_str(p, "note"), "TrangThai",
                         (json_int_t)eg_json_int(p, "status", 4), "NgayBatDau", start,
                         "NgayKetThucTheoQuyDinh", due);
    } else {
        item = json_pack("{s:s, s:s, s:I}", "IdHoSo", d->portal_id ? d->portal_id : d->portal_code,
                         "MaHoSo", d->portal_code, "TrangThai",
                         (json_int_t)eg_json_int(p, "status", 0));
    }
    json_t *body = json_pack("[o]", item);
    json_t *out = NULL;
    int rc = call(d, progress ? "CapNhatTienTrinh" : "CapNhatTrangThai", body, &out);
    json_decref(body);
    json_decref(out);
    return rc;
}

int eg__dq_deliver(dq_delivery *d)
{
    int rc = ensure_token(d->error, sizeof(d->error));
    if (rc)
        return rc;
    if (strcmp(d->event, EG_DVCQG_SUBMITTED) == 0)
        return submitted(d);
    return update(d, strcmp(d->event, EG_DVCQG_PROGRESS) == 0);
}
