/*
 * actions.c - POST /api/v1/dossiers/{code}/actions/{action}: the one-stop processing steps.
 *   accept             1 → 2 → 4  receiver; starts the procedure's BPMN process, due date
 *                                 from the working calendar (cut-off, working days)
 *   refuse             1 → 3      receiver; reason required (Mẫu 03)
 *   request-supplement 4 → 5      officer/leader/receiver; reason; the clock stops (Mẫu 02)
 *   supplement         5 → 4      the applicant (or the desk); due date moves by the pause
 *   stop               4 → 8      officer/leader; reason; the process is terminated
 *   withdraw           * → 7      the applicant, from any non-final status
 *   approve            4 → 9      leader; completes the approval task, issues the e-result
 *   return-result      9 → 10     receiver; completes the return task
 *   transfer           1|2        receiver; re-routes to the competent agency (Decree 118)
 *   request-fee        4 → 6      officer/receiver; fee due (fees.c), payment created; the
 *                                 verified payment callback moves it back to 4
 *   pay                6          the applicant (the desk for a desk dossier): a new payment
 *                                 when the last one failed
 * Order of checks: the dossier must be visible (else 404), the action permitted (403), the
 * move allowed from the current status (409). Nothing changes on any error.
 */
#include <stdlib.h>
#include "dossier/internal.h"

#if DS_HAVE_WORKFLOW
static int has_element(const json_t *inst, const char *el)
{
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(inst, "active_elements"), i,
                       v) if (json_string_value(v) && !strcmp(json_string_value(v), el)) return 1;
    return 0;
}
#endif

int eg__ds_start_processing(eg_app *app, eg_conn *c, eg_req *r, ds_row *d, char *err, size_t n)
{
    int64_t now = eg_now_ms(), due = 0;
    int rc = eg_calendar_deadline(app->calendar, now, d->processing_days, &due);
    if (rc)
        return rc;
    int64_t iid = 0;
#if DS_HAVE_WORKFLOW
    if (d->process_key && *d->process_key) {
        json_t *vars =
            json_pack("{s:s, s:s, s:i, s:s}", "dossier_code", d->code, "procedure_code",
                      d->procedure_code, "channel", d->channel, "receiving_agency", d->agency);
        rc = eg_wf_start(app, c,
                         &(eg_wf_start_opts){.definition_key = d->process_key,
                                             .business_key = d->code,
                                             .agency_code = d->handling,
                                             .variables = vars,
                                             .by = r ? eg_actor(r) : "system",
                                             .due_ms = due},
                         &iid, err, n);
        json_decref(vars);
        if (rc)
            return rc;
        /* acceptance is the reception step of the generic process */
        int s = eg_wf_signal(app, c, iid, "Task_Receive", r ? eg_actor(r) : "system", NULL, err, n);
        if (s && s != EG_ENOTFOUND)
            return s;
        err[0] = 0;
    }
#else
    (void)err, (void)n;
#endif
    rc = eg_exec(c, NULL,
                 "UPDATE dossiers SET received_at = ?, due_at = ?, instance_id = ? WHERE id = ?",
                 "llll", now, due, iid, d->id);
    if (rc)
        return rc;
    d->received_at = now;
    d->due_at = due;
    d->instance_id = iid;
    char dues[25];
    eg_time_iso_ms(due, dues);
    json_t *det = json_pack("{s:s, s:I}", "due_at", dues, "workflow_instance", (json_int_t)iid);
    rc = eg__ds_transition(c, r, d, "process", EG_DS_PROCESSING, NULL, det);
    json_decref(det);
    if (!rc)
        d->status = EG_DS_PROCESSING;
    return rc;
}

int eg__ds_sync(eg_app *app, eg_conn *c, const char *code)
{
#if DS_HAVE_WORKFLOW
    eg_arena *a = eg_arena_new(0);
    ds_row d;
    int rc = eg__ds_load(c, a, code, &d);
    if (rc || d.status != EG_DS_PROCESSING || !d.instance_id) {
        eg_arena_free(a);
        return rc;
    }
    json_t *inst = NULL;
    rc = eg_wf_instance_json(c, d.instance_id, &inst);
    if (!rc) {
        const char *state = eg_json_str(inst, "state");
        int ready =
            has_element(inst, "Task_ReturnResult") || (state && !strcmp(state, "completed"));
        if (ready) {
            rc = eg_tx_begin(c);
            if (!rc) {
                rc = eg__ds_transition(c, NULL, &d, "approve", EG_DS_DONE,
                                       "Đã phê duyệt trong quy trình", NULL);
                if (!rc)
                    rc = eg__ds_issue_result(app, c, &d, "system");
                if (rc)
                    eg_tx_rollback(c);
                else
                    rc = eg_tx_commit(c);
            }
        }
        json_decref(inst);
    }
    eg_arena_free(a);
    return rc;
#else
    (void)app, (void)c, (void)code;
    return 0;
#endif
}

static int wf_signal(eg_app *app, eg_conn *c, eg_req *r, const ds_row *d, const char *el,
                     const json_t *vars, int required)
{
#if DS_HAVE_WORKFLOW
    if (!d->instance_id)
        return 0;
    char err[256] = "";
    int rc = eg_wf_signal(app, c, d->instance_id, el, eg_actor(r), vars, err, sizeof err);
    if (rc == EG_ENOTFOUND && !required)
        return 0;
    if (rc == EG_ENOTFOUND)
        return eg_req_fail(r, EG_ECONFLICT, "quy trình chưa đến bước %s", el);
    if (rc)
        return eg_req_fail(r, rc, "quy trình: %s", err);
    return 0;
#else
    (void)app, (void)c, (void)r, (void)d, (void)el, (void)vars, (void)required;
    return 0;
#endif
}

static int wf_terminate(eg_app *app, eg_conn *c, eg_req *r, const ds_row *d, const char *why)
{
#if DS_HAVE_WORKFLOW
    if (!d->instance_id)
        return 0;
    int rc = eg_wf_terminate(app, c, d->instance_id, eg_actor(r), why);
    return rc == EG_ENOTFOUND || rc == EG_ECONFLICT ? 0 : rc;
#else
    (void)app, (void)c, (void)r, (void)d, (void)why;
    return 0;
#endif
}

typedef struct {
    const char *name;
    const char *perm; /* permission action on the dossier; NULL = the owner */
    int to;
} action_def;

static const action_def actions[] = {
    {"accept", "receive", EG_DS_ACCEPTED},
    {"refuse", "receive", EG_DS_REFUSED},
    {"request-supplement", "process", EG_DS_SUPPLEMENT},
    {"supplement", NULL, EG_DS_PROCESSING},
    {"stop", "process", EG_DS_STOPPED},
    {"withdraw", NULL, EG_DS_WITHDRAWN},
    {"approve", "approve", EG_DS_DONE},
    {"return-result", "receive", EG_DS_RETURNED},
    {"transfer", "receive", 0},
    {"apology", "process", 0},
    {"inter-agency", "process", 0},
    {"inter-agency-done", "process", 0},
    {"request-fee", "process", EG_DS_FEES},
    {"pay", NULL, 0},
    {NULL, NULL, 0},
};

/* Adds supplemented papers to the dossier's components. */
static int add_supplement(eg_conn *c, eg_req *r, const ds_row *d, const json_t *in)
{
    if (!in)
        return 0;
    if (!json_is_array(in))
        return eg_req_fail_field(r, EG_EUNPROCESSABLE, "components", "phải là danh sách");
    const eg_principal *p = eg_principal_of(r);
    json_t *comps = json_loads(d->components, 0, NULL);
    if (!comps)
        comps = json_array();
    size_t i, j;
    json_t *v, *fid;
    int rc = 0;
    json_array_foreach(in, i, v)
    {
        const char *code = eg_json_str(v, "code");
        if (!code) {
            rc = eg_req_fail_field(r, EG_EUNPROCESSABLE, "components", "thiếu code");
            break;
        }
        json_t *target = NULL, *cv;
        size_t k;
        json_array_foreach(comps, k, cv) if (!strcmp(eg_json_str(cv, "code"), code)) target = cv;
        if (!target) {
            target = json_pack("{s:s, s:s, s:[]}", "code", code, "name", code, "file_ids");
            json_array_append_new(comps, target);
        }
        json_array_foreach(json_object_get(v, "file_ids"), j, fid)
        {
            const char *s = json_string_value(fid);
            int64_t ok = 0;
            if (s)
                eg_query_int64(c, &ok,
                               "SELECT COUNT(*) FROM dossier_files WHERE id = ? AND owner = ?",
                               "tt", s, p->subject);
            if (!ok) {
                rc = eg_req_fail_field(r, EG_EUNPROCESSABLE, "components.file_ids",
                                       "tệp không tồn tại hoặc không thuộc người nộp");
                break;
            }
            json_array_append_new(json_object_get(target, "file_ids"), json_string(s));
            rc = eg_exec(c, NULL,
                         "INSERT INTO dossier_file_refs (code, file_id, component) VALUES "
                         "(?,?,?) ON CONFLICT DO NOTHING",
                         "ttt", d->code, s, code);
            if (rc)
                break;
        }
        if (rc)
            break;
    }
    if (!rc) {
        char *s = json_dumps(comps, JSON_COMPACT);
        rc = eg_exec(c, NULL, "UPDATE dossiers SET components = ? WHERE id = ?", "tl", s, d->id);
        free(s);
    }
    json_decref(comps);
    return rc;
}

static int do_action(eg_req *r)
{
    eg_app *app = eg_req_app(r);
    eg_arena *a = eg_req_arena(r);
    const char *code = eg_req_param(r, "code"), *name = eg_req_param(r, "action");
    const action_def *ad = NULL;
    for (int i = 0; actions[i].name; i++)
        if (!strcmp(actions[i].name, name))
            ad = &actions[i];
    if (!ad)
        return eg_req_fail(r, EG_ENOTFOUND, "không có thao tác '%s'", name);
    const eg_principal *p;
    int rc = eg_require_principal(r, &p);
    if (rc)
        return rc;
    json_t *body = NULL;
    size_t blen = 0;
    eg_req_body(r, &blen);
    if (blen) {
        body = eg_req_json(r, &rc);
        if (!body)
            return rc;
    }
    eg_conn *c = eg_db_conn(app->db);
    ds_row d;
    rc = eg__ds_load(c, a, code, &d);
    if (!rc)
        rc = eg__ds_may(r, &d, "read");
    if (rc == EG_ENOTFOUND)
        return eg_req_fail(r, rc, "không có hồ sơ %s (hoặc không thuộc quyền xem)", code);
    if (rc)
        return rc;
    if (d.status == EG_DS_PROCESSING && d.instance_id) {
        eg__ds_sync(app, c, code);
        eg__ds_load(c, a, code, &d);
    }
    /* permission */
    int is_owner = d.owner && !strcmp(d.owner, p->subject);
    if (ad->perm) {
        if (eg__ds_may(r, &d, ad->perm))
            return eg_req_fail(r, EG_EFORBIDDEN, "không có quyền '%s' với hồ sơ %s", ad->name,
                               code);
    } else if (!is_owner && !((!strcmp(ad->name, "supplement") || !strcmp(ad->name, "pay")) &&
                              !d.owner && eg__ds_may(r, &d, "receive") == 0)) {
        return eg_req_fail(r, EG_EFORBIDDEN, "chỉ người nộp hồ sơ được '%s'", ad->name);
    }
    rc = eg_req_check_if_match(r, d.version);
    if (rc)
        return rc;
    /* allowed move */
    int from_ok;
    if (!strcmp(ad->name, "transfer"))
        from_ok = d.status == EG_DS_NEW || d.status == EG_DS_ACCEPTED;
    else if (!strncmp(ad->name, "inter-agency", 12))
        from_ok = d.status == EG_DS_PROCESSING;
    else if (!strcmp(ad->name, "pay"))
        from_ok = d.status == EG_DS_FEES;
    else if (!strcmp(ad->name, "apology"))
        from_ok = d.status == EG_DS_ACCEPTED || d.status == EG_DS_PROCESSING ||
                  d.status == EG_DS_SUPPLEMENT || d.status == EG_DS_FEES;
    else
        from_ok = eg_dossier_transition_ok(d.status, ad->to);
    if (!from_ok)
        return eg_req_fail(r, EG_ECONFLICT, "không thể '%s' khi hồ sơ đang ở trạng thái %d (%s)",
                           ad->name, d.status, eg_dossier_status_name(d.status));
    const char *reason = body ? eg_json_str(body, "reason") : NULL;
    const char *note = body ? eg_json_str(body, "note") : NULL;
    if (reason) {
        eg_buf b = {0};
        if (eg_nfc(reason, strlen(reason), &b))
            reason = NULL;
        else
            reason = eg_arena_strdup(a, eg_buf_cstr(&b));
        eg_buf_free(&b);
    }
    int need_reason = !strcmp(ad->name, "refuse") || !strcmp(ad->name, "request-supplement") ||
                      !strcmp(ad->name, "stop") || !strcmp(ad->name, "apology");
    if (need_reason && (!reason || !*reason || strlen(reason) > 2000))
        return eg_req_fail_field(r, EG_EUNPROCESSABLE, "reason",
                                 "cần nêu lý do (tối đa 2000 ký tự)");
    const char *target = NULL;
    if (!strcmp(ad->name, "transfer")) {
        target = body ? eg_json_str(body, "agency_code") : NULL;
        if (!target || !eg_valid_agency_code(target))
            return eg_req_fail_field(r, EG_EUNPROCESSABLE, "agency_code",
                                     "mã cơ quan có thẩm quyền không hợp lệ");
#if DS_HAVE_CATALOG
        char now_code[14];
        if (eg_catalog_agency_resolve(target, now_code))
            return eg_req_fail_field(r, EG_EUNPROCESSABLE, "agency_code",
                                     "không có cơ quan %s trong danh mục", target);
        target = eg_arena_strdup(a, now_code);
#endif
        if (!strcmp(target, d.handling))
            return eg_req_fail_field(r, EG_EUNPROCESSABLE, "agency_code",
                                     "hồ sơ đã thuộc cơ quan %s", target);
    }
    int64_t new_due = 0;
    if (!strcmp(ad->name, "apology")) {
        const char *nd = body ? eg_json_str(body, "new_due") : NULL;
        int64_t day_ms;
        if (!nd || eg_time_parse(nd, &day_ms))
            return eg_req_fail_field(r, EG_EUNPROCESSABLE, "new_due",
                                     "cần ngày hẹn mới dạng YYYY-MM-DD");
        new_due = day_ms + 17 * 3600000LL; /* end of the working day, VN time */
        if (new_due <= (d.due_at ? d.due_at : eg_now_ms()))
            return eg_req_fail_field(r, EG_EUNPROCESSABLE, "new_due",
                                     "ngày hẹn mới phải sau ngày hẹn cũ");
    }
    int64_t now = eg_now_ms();
    rc = eg_tx_begin(c);
    if (rc)
        return rc;
    const char *why = reason ? reason : note;
    if (!strcmp(ad->name, "accept")) {
        rc = eg__ds_transition(c, r, &d, "accept", EG_DS_ACCEPTED, why, NULL);
        if (!rc) {
            d.status = EG_DS_ACCEPTED;
            char err[256] = "";
            rc = eg__ds_start_processing(app, c, r, &d, err, sizeof err);
            if (!rc && body && json_is_true(json_object_get(body, "collect_fees")))
                rc = eg__ds_fee_due(app, c, r, &d, 0, NULL, err, sizeof err);
            if (rc && err[0])
                eg_req_fail(r, rc, "%s", err);
        }
    } else if (!strcmp(ad->name, "request-fee") || !strcmp(ad->name, "pay")) {
        char err[256] = "";
        json_t *amt = body ? json_object_get(body, "amount_vnd") : NULL;
        if (amt && (!json_is_integer(amt) || json_integer_value(amt) <= 0))
            rc = eg_req_fail_field(r, EG_EUNPROCESSABLE, "amount_vnd",
                                   "số tiền phải là số nguyên dương (đồng)");
        else if (!strcmp(ad->name, "pay"))
            rc = eg__ds_fee_repay(app, c, r, &d, err, sizeof err);
        else
            rc = eg__ds_fee_due(app, c, r, &d, amt ? json_integer_value(amt) : 0, why, err,
                                sizeof err);
        if (rc && err[0])
            eg_req_fail(r, rc, "%s", err);
    } else if (!strcmp(ad->name, "refuse") || !strcmp(ad->name, "stop")) {
        rc = eg_exec(c, NULL, "UPDATE dossiers SET reason = ?, finished_at = ? WHERE id = ?", "tll",
                     reason, now, d.id);
        if (!rc)
            rc = wf_terminate(app, c, r, &d, reason);
        if (!rc)
            rc = eg__ds_transition(c, r, &d, ad->name, ad->to, reason, NULL);
    } else if (!strcmp(ad->name, "request-supplement")) {
        rc = eg_exec(c, NULL, "UPDATE dossiers SET reason = ?, pause_started = ? WHERE id = ?",
                     "tll", reason, now, d.id);
        if (!rc)
            rc = eg__ds_transition(c, r, &d, ad->name, ad->to, reason, NULL);
    } else if (!strcmp(ad->name, "supplement")) {
        rc = add_supplement(c, r, &d, body ? json_object_get(body, "components") : NULL);
        /* the clock resumes: the due date moves by the working days the dossier waited */
        int paused = 0;
        if (d.pause_started)
            paused = eg_calendar_working_days_between(app->calendar, eg_vn_day(d.pause_started),
                                                      eg_vn_day(now));
        int64_t due = d.due_at;
        if (paused > 0 && due) {
            int32_t day = eg_calendar_add_working_days(app->calendar, eg_vn_day(due), paused);
            due += (int64_t)(day - eg_vn_day(due)) * 86400000LL;
        }
        if (!rc)
            rc = eg_exec(c, NULL,
                         "UPDATE dossiers SET pause_started = NULL, paused_days = paused_days + ?, "
                         "due_at = ? WHERE id = ?",
                         "ill", paused, due, d.id);
        if (!rc) {
            json_t *det = json_pack("{s:i}", "paused_working_days", paused);
            rc = eg__ds_transition(c, r, &d, ad->name, ad->to, note, det);
            json_decref(det);
        }
    } else if (!strcmp(ad->name, "withdraw")) {
        rc = eg_exec(c, NULL, "UPDATE dossiers SET reason = ?, finished_at = ? WHERE id = ?", "tll",
                     why, now, d.id);
        if (!rc)
            rc = wf_terminate(app, c, r, &d, "Công dân rút hồ sơ");
        if (!rc)
            rc = eg__ds_transition(c, r, &d, ad->name, ad->to, why, NULL);
    } else if (!strcmp(ad->name, "approve")) {
        json_t *vars = json_pack("{s:b}", "approved", 1);
        rc = wf_signal(app, c, r, &d, "Task_Approve", vars, 1);
        json_decref(vars);
        if (!rc)
            rc = eg__ds_transition(c, r, &d, ad->name, ad->to, note, NULL);
        if (!rc)
            rc = eg__ds_issue_result(app, c, &d, eg_actor(r));
    } else if (!strcmp(ad->name, "return-result")) {
        int late = d.due_at && now > (d.new_due_at ? d.new_due_at : d.due_at);
        rc = eg_exec(c, NULL, "UPDATE dossiers SET returned_at = ?, overdue = ? WHERE id = ?",
                     "lil", now, late || d.overdue, d.id);
        if (!rc)
            rc = wf_signal(app, c, r, &d, "Task_ReturnResult", NULL, 0);
        if (!rc)
            rc = eg__ds_transition(c, r, &d, ad->name, ad->to, note, NULL);
    } else if (!strcmp(ad->name, "inter-agency")) {
        rc = eg__ds_share_open(app, c, r, &d, body);
    } else if (!strcmp(ad->name, "inter-agency-done")) {
        rc = eg__ds_share_close(c, r, &d, body);
    } else if (!strcmp(ad->name, "apology")) {
        rc = eg_exec(c, NULL, "UPDATE dossiers SET new_due_at = ?, reason = ? WHERE id = ?", "ltl",
                     new_due, reason, d.id);
        char nds[25];
        eg_time_iso_ms(new_due, nds);
        json_t *det = json_pack("{s:s, s:s}", "new_due_at", nds, "form", "Mẫu 04");
        if (!rc)
            rc = eg__ds_transition(c, r, &d, "apology", d.status,
                                   eg_arena_printf(a,
                                                   "Phiếu xin lỗi và hẹn lại ngày trả kết "
                                                   "quả: %s. Lý do: %s",
                                                   nds, reason),
                                   det);
        json_decref(det);
    } else if (!strcmp(ad->name, "transfer")) {
        rc = eg_exec(c, NULL, "UPDATE dossiers SET handling_agency = ? WHERE id = ?", "tl", target,
                     d.id);
        if (!rc) {
            json_t *det = json_pack("{s:s, s:s}", "from_agency", d.handling, "to_agency", target);
            const char *msg = eg_arena_printf(a, "Chuyển đến cơ quan có thẩm quyền %s%s%s", target,
                                              why ? ": " : "", why ? why : "");
            d.handling = target;
            rc = eg__ds_transition(c, r, &d, "transfer", d.status, msg, det);
            json_decref(det);
        }
    }
    if (rc) {
        eg_tx_rollback(c);
        return rc;
    }
    rc = eg_tx_commit(c);
    if (rc)
        return rc;
    rc = eg__ds_load(c, a, code, &d);
    if (rc)
        return rc;
    eg_reply_etag(r, d.version);
    return eg_reply_json(r, 200, eg__ds_json(c, &d, 1));
}

#if DS_HAVE_WORKFLOW
/* The process ended on its own (a model without a return step): processed → 9. */
static void on_end(eg_conn *c, int64_t iid, const char *key, const char *bk, const char *state,
                   const json_t *vars, void *ctx)
{
    if (!bk || strcmp(state, "completed"))
        return;
    eg_arena *a = eg_arena_new(0);
    ds_row d;
    if (!eg__ds_load(c, a, bk, &d) && d.status == EG_DS_PROCESSING && d.instance_id == iid) {
        if (!eg__ds_transition(c, NULL, &d, "approve", EG_DS_DONE, "Quy trình hoàn thành", NULL))
            eg__ds_issue_result(eg__ds_app(), c, &d, "system");
    }
    eg_arena_free(a);
}
#endif

void eg__ds_actions_routes(eg_http *h)
{
#if DS_HAVE_WORKFLOW
    static int hooked;
    if (!hooked) {
        hooked = 1;
        eg_wf_on_end(on_end, NULL);
    }
#endif
    eg__ds_fees_hook();
    eg_http_route(h, "POST", "/api/v1/dossiers/{code}/actions/{action}", do_action,
                  &(eg_route_opts){.summary = "Xử lý hồ sơ: accept, refuse, request-supplement, "
                                              "supplement, transfer, approve, return-result, "
                                              "withdraw, stop, request-fee, pay",
                                   .tag = "dossier"});
}
