/*
 * status.c - the status machine (TrangThaiHoSo 1-10 and the allowed moves of domain-vn.md),
 * loading a dossier, the access rule, and the one place a transition is recorded: status
 * update, timeline event, audit record and the applicant's notification, together in the
 * caller's transaction.
 */
#include <stdlib.h>
#include "dossier/internal.h"

#define DS_COLS                                                                                    \
    "id, code, agency_code, handling_agency, procedure_code, procedure_name, "                     \
    "COALESCE(process_key, ''), owner, applicant, components, reason, result_file, created_by, "   \
    "channel, status, processing_days, paused_days, COALESCE(rating, 0), version, submitted_at, "  \
    "COALESCE(received_at, 0), COALESCE(due_at, 0), COALESCE(pause_started, 0), "                  \
    "COALESCE(instance_id, 0), COALESCE(finished_at, 0), COALESCE(returned_at, 0), "               \
    "COALESCE(new_due_at, 0), overdue"

int eg__ds_load(eg_conn *c, eg_arena *a, const char *code, ds_row *d)
{
    eg_stmt *st;
    int rc = eg_query(c, &st, "SELECT " DS_COLS " FROM dossiers WHERE code = ?", "t", code);
    if (rc)
        return rc;
    if (eg_step(st) != EG_ROW) {
        eg_stmt_done(st);
        return EG_ENOTFOUND;
    }
    memset(d, 0, sizeof *d);
    d->id = eg_col_int64(st, 0);
    const char **s[] = {&d->code,           &d->agency,      &d->handling,    &d->procedure_code,
                        &d->procedure_name, &d->process_key, &d->owner,       &d->applicant,
                        &d->components,     &d->reason,      &d->result_file, &d->created_by};
    for (int i = 0; i < 12; i++)
        *s[i] = eg_arena_strdup(a, eg_col_text(st, i + 1));
    d->channel = (int)eg_col_int64(st, 13);
    d->status = (int)eg_col_int64(st, 14);
    d->processing_days = (int)eg_col_int64(st, 15);
    d->paused_days = (int)eg_col_int64(st, 16);
    d->rating = (int)eg_col_int64(st, 17);
    d->version = (int)eg_col_int64(st, 18);
    d->submitted_at = eg_col_int64(st, 19);
    d->received_at = eg_col_int64(st, 20);
    d->due_at = eg_col_int64(st, 21);
    d->pause_started = eg_col_int64(st, 22);
    d->instance_id = eg_col_int64(st, 23);
    d->finished_at = eg_col_int64(st, 24);
    d->returned_at = eg_col_int64(st, 25);
    d->new_due_at = eg_col_int64(st, 26);
    d->overdue = (int)eg_col_int64(st, 27);
    eg_stmt_done(st);
    return 0;
}

int eg__ds_may(eg_req *r, const ds_row *d, const char *action)
{
    const eg_principal *p = eg_principal_of(r);
    if (!p)
        return EG_EAUTH;
    if (eg_authz(p, action, &(eg_object){"dossier", d->handling, d->owner}) == 0)
        return 0;
    if (strcmp(d->agency, d->handling) &&
        eg_authz(p, action, &(eg_object){"dossier", d->agency, d->owner}) == 0)
        return 0;
    /* an agency with an inter-agency step on the dossier */
    if (p->agency_code && eg__ds_share_agency(r, eg_db_conn(eg__ds_app()->db), d, action))
        return 0;
    return EG_ENOTFOUND;
}

/* Contact of the applicant for notifications. */
static void notify_applicant(eg_conn *c, const ds_row *d, int to, const char *note)
{
#if DS_HAVE_NOTIFY
    json_t *ap = json_loads(d->applicant, 0, NULL);
    if (!ap)
        return;
    eg_app *app = eg__ds_app();
    char body[1024];
    snprintf(body, sizeof body, "Hồ sơ %s (%s): %s.%s%s Tra cứu: %s/portal/lookup.html?code=%s",
             d->code, d->procedure_name, eg_dossier_status_name(to), note ? " " : "",
             note ? note : "", app && app->base_url ? app->base_url : "", d->code);
    char subject[256];
    snprintf(subject, sizeof subject, "Hồ sơ %s: %s", d->code, eg_dossier_status_name(to));
    const char *email = eg_json_str(ap, "email"), *phone = eg_json_str(ap, "phone");
    if (email && *email)
        eg_notify_enqueue(c, EG_NOTIFY_EMAIL, email, subject, body, "dossier", d->code, NULL);
    if (phone && *phone)
        eg_notify_enqueue(c, EG_NOTIFY_SMS, phone, NULL, body, "dossier", d->code, NULL);
    json_decref(ap);
#else
    (void)c, (void)d, (void)to, (void)note;
#endif
}

int eg__ds_transition(eg_conn *c, eg_req *r, const ds_row *d, const char *action, int to,
                      const char *note, json_t *detail)
{
    return eg__ds_transition_ex(c, r, d, action, to, note, detail, 1);
}

int eg__ds_transition_ex(eg_conn *c, eg_req *r, const ds_row *d, const char *action, int to,
                         const char *note, json_t *detail, int notify)
{
    const char *actor = r ? eg_actor(r) : "system";
    int64_t now = eg_now_ms();
    int rc = 0;
    if (d->status == 0) {
        rc = 0; /* creation: the row was just inserted with status `to` */
    } else if (to != d->status) {
        int64_t ch = 0;
        rc = eg_exec(c, &ch,
                     "UPDATE dossiers SET status = ?, version = version + 1 WHERE id = ? AND "
                     "status = ?",
                     "ili", to, d->id, d->status);
        if (!rc && ch != 1)
            rc = EG_ECONFLICT;
    } else {
        rc = eg_exec(c, NULL, "UPDATE dossiers SET version = version + 1 WHERE id = ?", "l", d->id);
    }
    if (!rc)
        rc = eg_exec(c, NULL,
                     "INSERT INTO dossier_events (code, at, action, from_status, to_status, actor, "
                     "agency_code, note) VALUES (?,?,?,?,?,?,?,?)",
                     "tltiitt"
                     "t",
                     d->code, now, action, d->status, to, actor, d->handling, note);
    if (!rc) {
        json_t *det = detail ? json_incref(detail) : json_object();
        json_object_set_new(det, "from", json_integer(d->status));
        json_object_set_new(det, "to", json_integer(to));
        char act[64];
        snprintf(act, sizeof act, "dossier.%s", action);
        rc = eg_audit_append(c, &(eg_audit_event){.actor = actor,
                                                  .action = act,
                                                  .object_type = "dossier",
                                                  .object_id = d->code,
                                                  .agency = d->handling,
                                                  .request_id = r ? eg_req_id(r) : NULL,
                                                  .client_addr = r ? eg_req_client_ip(r) : NULL,
                                                  .detail = det});
        json_decref(det);
    }
    if (!rc)
        rc = eg__ds_facts_sync(c, d->id); /* statistics fact (facts.c) */
    if (!rc && notify && (to != d->status || !strcmp(action, "apology")))
        notify_applicant(c, d, to, note);
    return rc;
}

json_t *eg__ds_timeline(eg_conn *c, const char *code, int with_actor)
{
    json_t *out = json_array();
    eg_stmt *st;
    if (eg_query(c, &st,
                 "SELECT at, action, from_status, to_status, actor, agency_code, note FROM "
                 "dossier_events WHERE code = ? ORDER BY id",
                 "t", code))
        return out;
    while (eg_step(st) == EG_ROW) {
        char at[25];
        eg_time_iso_ms(eg_col_int64(st, 0), at);
        int to = (int)eg_col_int64(st, 3);
        json_t *e = json_pack(
            "{s:s, s:s, s:o, s:i, s:s, s:o}", "at", at, "action", eg_col_text(st, 1), "from_status",
            eg_col_is_null(st, 2) || !eg_col_int64(st, 2) ? json_null()
                                                          : json_integer(eg_col_int64(st, 2)),
            "status", to, "status_name", eg_dossier_status_name(to), "agency_code",
            eg_json_strn(eg_col_text(st, 5)));
        if (with_actor) {
            json_object_set_new(e, "actor", eg_json_strn(eg_col_text(st, 4)));
            json_object_set_new(e, "note", eg_json_strn(eg_col_text(st, 6)));
        }
        json_array_append_new(out, e);
    }
    eg_stmt_done(st);
    return out;
}

static json_t *iso_or_null(int64_t ms)
{
    if (!ms)
        return json_null();
    char b[25];
    eg_time_iso_ms(ms, b);
    return json_string(b);
}

json_t *eg__ds_json(eg_conn *c, const ds_row *d, int with_personal)
{
    eg_app *app = eg__ds_app();
    char url[512];
    snprintf(url, sizeof url, "/api/v1/dossiers/%s/forms/receipt.pdf", d->code);
    json_t *j = json_pack(
        "{s:s, s:s, s:s, s:s, s:s, s:i, s:i, s:s, s:o, s:o, s:o, s:i, s:b, s:o, s:o}", "code",
        d->code, "procedure_code", d->procedure_code, "procedure_name", d->procedure_name,
        "agency_code", d->agency, "handling_agency_code", d->handling, "channel", d->channel,
        "status", d->status, "status_name", eg_dossier_status_name(d->status), "submitted_at",
        iso_or_null(d->submitted_at), "received_at", iso_or_null(d->received_at), "due_at",
        iso_or_null(d->due_at), "paused_days", d->paused_days, "overdue", d->overdue, "new_due_at",
        iso_or_null(d->new_due_at), "finished_at", iso_or_null(d->finished_at));
    json_object_set_new(j, "returned_at", iso_or_null(d->returned_at));
    json_object_set_new(j, "timeline", eg__ds_timeline(c, d->code, with_personal));
    if (with_personal) {
        json_object_set_new(j, "receipt_url", json_string(url));
        json_object_set_new(j, "applicant", json_loads(d->applicant, 0, NULL));
        json_object_set_new(j, "components", json_loads(d->components, 0, NULL));
        json_object_set_new(j, "reason", eg_json_strn(d->reason));
        json_object_set_new(j, "result_file_id", eg_json_strn(d->result_file));
        json_object_set_new(j, "rating", d->rating ? json_integer(d->rating) : json_null());
        json_object_set_new(j, "workflow_instance_id",
                            d->instance_id ? json_integer(d->instance_id) : json_null());
        json_object_set_new(j, "version", json_integer(d->version));
        json_object_set_new(j, "inter_agency", eg__ds_shares_json(c, d->code));
        json_object_set_new(j, "payment", eg__ds_payment_json(c, d->code));
#if DS_HAVE_NOTIFY
        json_t *msgs = NULL;
        if (eg_notify_list(c, "dossier", d->code, &msgs) == 0 && msgs)
            json_object_set_new(j, "notifications", msgs);
#endif
    }
    (void)app;
    return j;
}
