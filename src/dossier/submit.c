/*
 * submit.c - POST /api/v1/dossiers (the three channels), dossier codes, GET
 * /api/v1/dossiers/{code} and GET /api/v1/dossiers (lists).
 *
 * Channel 2 (online) is submitted by a citizen or business for itself and starts at status 1;
 * channels 1 (in person) and 3 (post) are entered by a receiver at the one-stop desk, whose
 * agency becomes the receiving agency (Decree 118/2025: any desk in the province), and are
 * accepted at once (1 → 2 → 4, the workflow starts). The competent (handling) agency is the
 * procedure's. Codes: {receiving agency}-{yymmdd}-{daily sequence}, the sequence bumped in
 * dossier_seq inside the same transaction and guarded by UNIQUE(agency_code, day, seq).
 */
#include <stdlib.h>
#include "dossier/internal.h"

static void err_add(json_t *errs, const char *field, const char *msg)
{
    json_array_append_new(errs, json_pack("{s:s, s:s}", "field", field, "message", msg));
}

static int fail_errors(eg_req *r, int rc, json_t *errs)
{
    eg_buf b = {0};
    size_t i;
    json_t *e;
    json_array_foreach(errs, i, e)
    {
        if (i)
            eg_buf_puts(&b, "; ");
        eg_buf_printf(&b, "%s: %s", eg_json_str(e, "field"), eg_json_str(e, "message"));
    }
    int out = eg_reply_problem(r, rc, eg_buf_cstr(&b), errs);
    eg_buf_free(&b);
    return out;
}

/* NFC copy of a JSON string member (NULL when absent or invalid). */
static char *nfc_str(eg_arena *a, const json_t *o, const char *key)
{
    const char *s = eg_json_str(o, key);
    if (!s)
        return NULL;
    eg_buf b = {0};
    char *out = NULL;
    if (!eg_nfc(s, strlen(s), &b))
        out = eg_arena_strdup(a, eg_buf_cstr(&b));
    eg_buf_free(&b);
    return out;
}

/* Validates the applicant object into a normalised copy; errors appended. */
static json_t *check_applicant(eg_arena *a, const json_t *in, const eg_principal *p, int online,
                               json_t *errs)
{
    json_t *out = json_object();
    const char *name = in ? nfc_str(a, in, "name") : NULL;
    const char *pid = in ? eg_json_str(in, "personal_id") : NULL;
    const char *tax = in ? eg_json_str(in, "tax_code") : NULL;
    const char *phone = in ? eg_json_str(in, "phone") : NULL;
    const char *email = in ? eg_json_str(in, "email") : NULL;
    const char *addr = in ? nfc_str(a, in, "address") : NULL;
    if (online) { /* pre-filled from the signed-in profile */
        if (!name || !*name)
            name = p->name;
        if (!pid && p->citizen_id)
            pid = p->citizen_id;
        if (!tax && p->tax_code)
            tax = p->tax_code;
    }
    if (!name || !*name || strlen(name) > 200)
        err_add(errs, "applicant.name", "họ tên người nộp là bắt buộc (tối đa 200 ký tự)");
    if (pid && !eg_valid_personal_id(pid))
        err_add(errs, "applicant.personal_id", "số định danh cá nhân không hợp lệ (12 chữ số)");
    if (tax && !eg_valid_tax_code(tax))
        err_add(errs, "applicant.tax_code", "mã số thuế không hợp lệ");
    if (!pid && !tax)
        err_add(errs, "applicant.personal_id",
                "cần số định danh cá nhân hoặc mã số thuế của người nộp");
    if (phone && *phone && !eg_valid_phone(phone))
        err_add(errs, "applicant.phone", "số điện thoại không hợp lệ");
    if (email && *email && !eg_valid_email(email))
        err_add(errs, "applicant.email", "địa chỉ email không hợp lệ");
    json_object_set_new(out, "name", eg_json_strn(name));
    json_object_set_new(out, "kind", json_string(tax && !pid ? "business" : "citizen"));
    if (pid)
        json_object_set_new(out, "personal_id", json_string(pid));
    if (tax)
        json_object_set_new(out, "tax_code", json_string(tax));
    if (phone && *phone)
        json_object_set_new(out, "phone", json_string(phone));
    if (email && *email)
        json_object_set_new(out, "email", json_string(email));
    if (addr && *addr)
        json_object_set_new(out, "address", json_string(addr));
    const json_t *owner = in ? json_object_get(in, "owner") : NULL;
    if (json_is_object(owner)) { /* chủ hồ sơ when not the applicant */
        const char *on = nfc_str(a, owner, "name"), *opid = eg_json_str(owner, "personal_id"),
                   *otax = eg_json_str(owner, "tax_code");
        if (!on || !*on)
            err_add(errs, "applicant.owner.name", "họ tên chủ hồ sơ là bắt buộc");
        if (opid && !eg_valid_personal_id(opid))
            err_add(errs, "applicant.owner.personal_id", "số định danh chủ hồ sơ không hợp lệ");
        if (otax && !eg_valid_tax_code(otax))
            err_add(errs, "applicant.owner.tax_code", "mã số thuế chủ hồ sơ không hợp lệ");
        json_object_set_new(out, "owner",
                            json_pack("{s:o, s:o, s:o}", "name", eg_json_strn(on), "personal_id",
                                      eg_json_strn(opid), "tax_code", eg_json_strn(otax)));
    }
    return out;
}

/* 1 when the caller may attach file_id: its uploader, or it is in the caller's data store. */
static int file_usable(eg_conn *c, const char *file_id, const char *subject)
{
    int64_t n = 0;
    eg_query_int64(c, &n,
                   "SELECT COUNT(*) FROM dossier_files f WHERE f.id = ? AND (f.owner = ? OR "
                   "EXISTS (SELECT 1 FROM dossier_datastore s WHERE s.file_id = f.id AND "
                   "s.owner = ?))",
                   "ttt", file_id, subject, subject);
    return n > 0;
}

/* Maps submitted components onto the procedure's; every missing required one is named. */
static json_t *check_components(eg_conn *c, eg_arena *a, const json_t *proc, const json_t *in,
                                const char *subject, json_t *errs)
{
    json_t *out = json_array();
    const json_t *pcomps = json_object_get(proc, "components");
    if (in && !json_is_array(in)) {
        err_add(errs, "components", "phải là danh sách");
        return out;
    }
    size_t i, k;
    json_t *v, *pc;
    json_array_foreach(in, i, v)
    {
        const char *code = eg_json_str(v, "code");
        char field[96];
        snprintf(field, sizeof field, "components[%zu]", i);
        const json_t *match = NULL;
        json_array_foreach(pcomps, k, pc) if (code && !strcmp(code, eg_json_str(pc, "code")))
            match = pc;
        if (!match) {
            err_add(errs, field,
                    eg_arena_printf(a, "thành phần '%s' không thuộc thủ tục này",
                                    code ? code : "(thiếu code)"));
            continue;
        }
        json_t *ids = json_object_get(v, "file_ids");
        json_t *clean = json_array();
        size_t j;
        json_t *fid;
        json_array_foreach(ids, j, fid)
        {
            const char *s = json_string_value(fid);
            if (!s || !file_usable(c, s, subject))
                err_add(errs, eg_arena_printf(a, "%s.file_ids[%zu]", field, j),
                        "tệp không tồn tại hoặc không thuộc người nộp");
            else
                json_array_append_new(clean, json_string(s));
        }
        json_t *form = json_object_get(v, "form");
        json_t *c1 = json_pack("{s:s, s:s, s:o}", "code", code, "name", eg_json_str(match, "name"),
                               "file_ids", clean);
        if (json_is_object(form)) {
            const json_t *schema = json_object_get(match, "form");
            json_t *req = json_object_get(schema, "required");
            json_t *rq;
            json_array_foreach(req, j, rq)
            {
                const char *key = json_string_value(rq);
                const char *val = key ? eg_json_str(form, key) : NULL;
                if (key && (!val || !*val))
                    err_add(errs, eg_arena_printf(a, "%s.form.%s", field, key),
                            "trường bắt buộc của tờ khai chưa điền");
            }
            json_object_set(c1, "form", form);
        }
        json_array_append_new(out, c1);
    }
    json_array_foreach(pcomps, k, pc)
    {
        if (!json_is_true(json_object_get(pc, "required")))
            continue;
        const char *code = eg_json_str(pc, "code");
        int present = 0;
        json_array_foreach(out, i, v) if (!strcmp(eg_json_str(v, "code"), code) &&
                                          (json_array_size(json_object_get(v, "file_ids")) ||
                                           json_object_get(v, "form"))) present = 1;
        if (!present)
            err_add(errs, eg_arena_printf(a, "components.%s", code),
                    eg_arena_printf(a, "thiếu thành phần bắt buộc: %s (%s)",
                                    eg_json_str(pc, "name"), code));
    }
    return out;
}

/* Issues the next code of agency for the VN-local day of now (inside the transaction). */
int eg__ds_next_code(eg_conn *c, eg_arena *a, const char *agency, int64_t now, char **day,
                     int64_t *seq, char **code)
{
    eg_tm t;
    eg_time_vn(now, &t);
    *day = eg_arena_printf(a, "%02d%02d%02d", t.year % 100, t.month, t.day);
    eg_stmt *st;
    int rc = eg_query(c, &st,
                      "INSERT INTO dossier_seq (agency_code, day, last_seq) VALUES (?, ?, 1) "
                      "ON CONFLICT (agency_code, day) DO UPDATE SET last_seq = "
                      "dossier_seq.last_seq + 1 RETURNING last_seq",
                      "tt", agency, *day);
    if (rc)
        return rc;
    rc = eg_step(st);
    if (rc == EG_ROW) {
        *seq = eg_col_int64(st, 0);
        rc = 0;
    } else if (rc == EG_DONE) {
        rc = EG_EDB;
    }
    eg_stmt_done(st);
    if (rc)
        return rc;
    eg_app *app = eg__ds_app();
    int digits = (int)eg_config_int(app->cfg, "dossier.code_digits", 4);
    if (digits < 4 || digits > 7)
        digits = 4;
    *code = eg_arena_printf(a, "%s-%s-%0*lld", agency, *day, digits, (long long)*seq);
    return 0;
}

static int reply_existing(eg_req *r, eg_conn *c, const char *code, int status)
{
    ds_row d;
    int rc = eg__ds_load(c, eg_req_arena(r), code, &d);
    if (rc)
        return rc;
    eg_reply_etag(r, d.version);
    return eg_reply_json(r, status, eg__ds_json(c, &d, 1));
}

static int submit(eg_req *r)
{
    eg_app *app = eg_req_app(r);
    eg_arena *a = eg_req_arena(r);
    const eg_principal *p;
    int rc = eg_require_principal(r, &p);
    if (rc)
        return rc;
    json_t *body = eg_req_json(r, &rc);
    if (!body)
        return rc;
    eg_conn *c = eg_db_conn(app->db);
    const char *idem = eg_req_header(r, "Idempotency-Key");
    if (idem && (strlen(idem) > 128 || !*idem))
        return eg_req_fail_field(r, EG_EINVAL, "Idempotency-Key", "tối đa 128 ký tự");
    if (idem) {
        char *code = NULL;
        if (!eg_query_text(c, a, &code,
                           "SELECT code FROM dossiers WHERE created_by = ? AND idem_key = ?", "tt",
                           p->subject, idem)) {
            eg_reply_header(r, "Idempotent-Replayed", "true");
            return reply_existing(r, c, code, 201);
        }
    }
    long long channel = eg_json_int(body, "channel", 2);
    if (channel < 1 || channel > 3)
        return eg_req_fail_field(r, EG_EUNPROCESSABLE, "channel",
                                 "kênh nộp: 1 trực tiếp, 2 trực tuyến, 3 bưu chính công ích");
    int online = channel == 2;
    /* Who may submit on which channel. */
    const char *receiving = NULL, *owner = NULL;
    if (online) {
        if (strcmp(p->kind, "citizen") && strcmp(p->kind, "business"))
            return eg_req_fail(r, EG_EFORBIDDEN,
                               "chỉ công dân, doanh nghiệp nộp trực tuyến; cán bộ một cửa dùng "
                               "kênh 1 hoặc 3");
        rc = eg_authorize(r, "create", &(eg_object){"dossier", NULL, p->subject});
        if (rc)
            return rc;
        owner = p->subject;
    } else {
        if (!p->agency_code || !eg_has_role(p, "receiver", p->agency_code))
            return eg_req_fail(r, EG_EFORBIDDEN,
                               "chỉ cán bộ tiếp nhận (một cửa) nhập hồ sơ trực tiếp/bưu chính");
        rc = eg_authorize(r, "receive", &(eg_object){"dossier", p->agency_code, NULL});
        if (rc)
            return rc;
        receiving = p->agency_code;
    }
    const char *pcode = eg_json_str(body, "procedure_code");
    if (!pcode || !eg_valid_procedure_code(pcode))
        return eg_req_fail_field(r, EG_EUNPROCESSABLE, "procedure_code", "mã thủ tục không hợp lệ");
#if DS_HAVE_CATALOG
    json_t *proc = NULL;
    rc = eg_catalog_procedure(c, pcode, &proc);
    if (rc == EG_ENOTFOUND)
        return eg_req_fail_field(r, EG_EUNPROCESSABLE, "procedure_code",
                                 "không có thủ tục %s trong danh mục", pcode);
    if (rc)
        return rc;
    eg_arena_on_free(a, (void (*)(void *))json_decref, proc);
#else
    return eg_req_fail(r, EG_EUNAVAIL, "danh mục thủ tục chưa sẵn sàng");
    json_t *proc = NULL;
#endif
    const char *handling = eg_json_str(proc, "agency_code");
    if (!handling)
        return eg_req_fail_field(r, EG_EUNPROCESSABLE, "procedure_code", "thủ tục thiếu cơ quan");
    if (online && !strcmp(eg_json_str(proc, "online") ? eg_json_str(proc, "online") : "", "none"))
        return eg_req_fail_field(r, EG_EUNPROCESSABLE, "channel",
                                 "thủ tục %s không cung cấp trực tuyến", pcode);
    if (online)
        receiving = handling;
    json_t *errs = json_array();
    json_t *applicant = check_applicant(a, json_object_get(body, "applicant"), p, online, errs);
    json_t *comps =
        check_components(c, a, proc, json_object_get(body, "components"), p->subject, errs);
    if (json_array_size(errs)) {
        json_decref(applicant);
        json_decref(comps);
        return fail_errors(r, EG_EUNPROCESSABLE, errs);
    }
    json_decref(errs);
    char *app_s = eg_json_dump_arena(a, applicant), *comp_s = eg_json_dump_arena(a, comps);
    json_decref(applicant);
    int64_t now = eg_now_ms();
    rc = eg_tx_begin(c);
    if (rc) {
        json_decref(comps);
        return rc;
    }
    char *day = NULL, *code = NULL;
    int64_t seq, id = 0;
    rc = eg__ds_next_code(c, a, receiving, now, &day, &seq, &code);
    if (!rc) {
        eg_stmt *st;
        rc = eg_query(
            c, &st,
            "INSERT INTO dossiers (code, agency_code, day, seq, handling_agency, procedure_code, "
            "procedure_name, processing_days, process_key, channel, status, owner, applicant, "
            "components, submitted_at, created_by, idem_key) VALUES "
            "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) RETURNING id",
            "tttlttti"
            "tiitttl"
            "tt",
            code, receiving, day, seq, handling, pcode, eg_json_str(proc, "name"),
            (int)eg_json_int(proc, "processing_days", 0), eg_json_str(proc, "process_key"),
            (int)channel, online ? 1 : 2, owner, app_s, comp_s, now, p->subject, idem);
        if (!rc) {
            rc = eg_step(st);
            if (rc == EG_ROW) {
                id = eg_col_int64(st, 0);
                rc = 0;
            }
            eg_stmt_done(st);
        }
    }
    size_t i;
    json_t *v;
    json_array_foreach(comps, i, v)
    {
        size_t j;
        json_t *fid;
        json_array_foreach(json_object_get(v, "file_ids"), j, fid) if (!rc) rc =
            eg_exec(c, NULL,
                    "INSERT INTO dossier_file_refs (code, file_id, component) VALUES (?,?,?) "
                    "ON CONFLICT DO NOTHING",
                    "ttt", code, json_string_value(fid), eg_json_str(v, "code"));
    }
    json_decref(comps);
    /* the row just inserted, without reading it back */
    ds_row d = {.id = id,
                .code = code,
                .agency = receiving,
                .handling = handling,
                .procedure_code = pcode,
                .procedure_name = eg_json_str(proc, "name"),
                .process_key =
                    eg_json_str(proc, "process_key") ? eg_json_str(proc, "process_key") : "",
                .owner = owner,
                .applicant = app_s,
                .components = comp_s,
                .created_by = p->subject,
                .channel = (int)channel,
                .status = online ? 1 : 2,
                .processing_days = (int)eg_json_int(proc, "processing_days", 0),
                .version = 1,
                .submitted_at = now};
    if (!rc) {
        /* the creation event (status 1 online, 2 at the desk); a desk dossier moves on to 4
         * in this transaction, and that move notifies the applicant once */
        ds_row fresh = d;
        fresh.status = 0;
        json_t *det = json_pack("{s:s, s:i}", "procedure_code", pcode, "channel", (int)channel);
        rc = eg__ds_transition_ex(c, r, &fresh, "submit", d.status, NULL, det, online);
        json_decref(det);
    }
    (void)id;
    if (!rc && !online) {
        char err[256] = "";
        rc = eg__ds_start_processing(app, c, r, &d, err, sizeof err);
        if (!rc && json_is_true(json_object_get(body, "collect_fees")))
            rc = eg__ds_fee_due(app, c, r, &d, 0, NULL, err, sizeof err);
        if (rc && err[0])
            eg_req_fail(r, rc, "%s", err);
    }
    if (rc) {
        eg_tx_rollback(c);
        if (rc == EG_ECONFLICT && idem) {
            char *prev = NULL;
            if (!eg_query_text(c, a, &prev,
                               "SELECT code FROM dossiers WHERE created_by = ? AND idem_key = ?",
                               "tt", p->subject, idem))
                return reply_existing(r, c, prev, 201);
        }
        return rc;
    }
    /* On SQLite the store queues writers on its own slot (woken at once, released before the
     * group-commit barrier), so concurrent submissions share one WAL sync. */
    rc = eg_tx_commit(c);
    if (rc)
        return rc;
    eg_reply_header(r, "Location", eg_arena_printf(a, "/api/v1/dossiers/%s", code));
    return reply_existing(r, c, code, 201);
}

static int get_one(eg_req *r)
{
    eg_app *app = eg_req_app(r);
    eg_conn *c = eg_db_conn(app->db);
    const char *code = eg_req_param(r, "code");
    const eg_principal *p;
    int rc = eg_require_principal(r, &p);
    if (rc)
        return rc;
    ds_row d;
    rc = eg__ds_load(c, eg_req_arena(r), code, &d);
    if (!rc)
        rc = eg__ds_may(r, &d, "read");
    if (rc == EG_ENOTFOUND)
        return eg_req_fail(r, rc, "không có hồ sơ %s (hoặc không thuộc quyền xem)", code);
    if (rc)
        return rc;
    if (d.status == EG_DS_PROCESSING && d.instance_id) {
        eg__ds_sync(app, c, code);
        eg__ds_load(c, eg_req_arena(r), code, &d);
    }
    if (!d.owner || strcmp(d.owner, p->subject))
        eg_audit_append(c, &(eg_audit_event){.actor = eg_actor(r),
                                             .action = "dossier.read",
                                             .object_type = "dossier",
                                             .object_id = code,
                                             .agency = d.handling,
                                             .request_id = eg_req_id(r),
                                             .client_addr = eg_req_client_ip(r)});
    eg_reply_etag(r, d.version);
    return eg_reply_json(r, 200, eg__ds_json(c, &d, 1));
}

/* GET /api/v1/dossiers?status=&overdue=1&cursor=&limit= : the caller's own dossiers
 * (citizen/business) or those of the staff member's agency (received or handled there). */
static int list(eg_req *r)
{
    eg_app *app = eg_req_app(r);
    eg_conn *c = eg_db_conn(app->db);
    const eg_principal *p;
    int rc = eg_require_principal(r, &p);
    if (rc)
        return rc;
    int limit = eg_req_limit(r);
    int64_t cursor = eg_req_query(r, "cursor") ? atoll(eg_req_query(r, "cursor")) : 0;
    const char *status = eg_req_query(r, "status");
    const char *overdue = eg_req_query(r, "overdue");
    int64_t st_v = status ? atoll(status) : -1;
    const char *agency = eg_req_query(r, "agency");
    if (!agency)
        agency = p->agency_code;
    int staff = !strcmp(p->kind, "staff");
    if (staff) {
        if (!agency)
            return eg_req_fail(r, EG_EFORBIDDEN, "cán bộ không thuộc cơ quan nào");
        rc = eg_authorize(r, "read", &(eg_object){"dossier", agency, NULL});
        if (rc)
            return rc;
    }
    /* results approved in the workflow since the last look become status 9 first */
    json_t *pending = NULL;
    if (!eg_query_json(c, &pending,
                       "SELECT code FROM dossiers WHERE status = 4 AND instance_id <> 0 AND "
                       "((? = 1 AND handling_agency = ?) OR (? = 0 AND owner = ?)) LIMIT 200",
                       "itit", staff, agency, staff, p->subject)) {
        size_t k;
        json_t *pv;
        json_array_foreach(pending, k, pv) eg__ds_sync(app, c, eg_json_str(pv, "code"));
        json_decref(pending);
    }
    json_t *rows = NULL;
    rc = eg_query_json(
        c, &rows,
        "SELECT code FROM dossiers WHERE (? = 0 OR id < ?) AND "
        "((? = 1 AND (agency_code = ? OR handling_agency = ?)) OR (? = 0 AND owner = ?)) AND "
        "(? < 0 OR status = ?) AND (? = 0 OR overdue = 1) ORDER BY id DESC LIMIT ?",
        "llittitllii", cursor, cursor, staff, agency, agency, staff, p->subject, st_v, st_v,
        overdue ? 1 : 0, limit + 1);
    if (rc)
        return rc;
    json_t *items = json_array();
    size_t i;
    json_t *v;
    int64_t last = 0;
    json_array_foreach(rows, i, v)
    {
        if ((int)i == limit)
            break;
        ds_row d;
        if (!eg__ds_load(c, eg_req_arena(r), eg_json_str(v, "code"), &d)) {
            json_t *j = eg__ds_json(c, &d, 0);
            json_object_del(j, "timeline");
            json_t *ap = json_loads(d.applicant, 0, NULL);
            json_object_set_new(j, "applicant_name", eg_json_strn(eg_json_str(ap, "name")));
            json_decref(ap);
            json_array_append_new(items, j);
            last = d.id;
        }
    }
    int more = json_array_size(rows) > (size_t)limit;
    json_decref(rows);
    char cur[32];
    snprintf(cur, sizeof cur, "%lld", (long long)last);
    return eg_reply_json(r, 200,
                         json_pack("{s:o, s:o}", "items", items, "next_cursor",
                                   more ? json_string(cur) : json_null()));
}

void eg__ds_submit_routes(eg_http *h)
{
    eg_http_route(h, "POST", "/api/v1/dossiers", submit,
                  &(eg_route_opts){.summary = "Nộp hồ sơ (trực tuyến; trực tiếp/bưu chính tại "
                                              "bộ phận một cửa)",
                                   .tag = "dossier"});
    eg_http_route(
        h, "GET", "/api/v1/dossiers", list,
        &(eg_route_opts){.summary = "Danh sách hồ sơ (của tôi / của cơ quan)", .tag = "dossier"});
    eg_http_route(h, "GET", "/api/v1/dossiers/{code}", get_one,
                  &(eg_route_opts){.summary = "Chi tiết hồ sơ và tiến trình", .tag = "dossier"});
}
