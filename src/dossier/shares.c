/*
 * shares.c - inter-agency processing (liên thông): the handling agency hands a step to another
 * agency (POST .../actions/inter-agency {agency_code, working_days, note}); that agency's staff
 * may then read the dossier and close its step (.../actions/inter-agency-done). Each share is
 * timed separately from its own start with the working calendar; a share closed after its own
 * due date is late and makes the whole dossier late (domain-vn.md §3.2.5). Status stays 4.
 */
#include <stdlib.h>
#include "dossier/internal.h"

int eg__ds_share_agency(eg_req *r, eg_conn *c, const ds_row *d, const char *action)
{
    const eg_principal *p = eg_principal_of(r);
    if (!p || !p->agency_code)
        return 0;
    int64_t n = 0;
    eg_query_int64(c, &n, "SELECT COUNT(*) FROM dossier_shares WHERE code = ? AND agency_code = ?",
                   "tt", d->code, p->agency_code);
    return n > 0 && eg_authz(p, action, &(eg_object){"dossier", p->agency_code, NULL}) == 0;
}

json_t *eg__ds_shares_json(eg_conn *c, const char *code)
{
    json_t *rows = NULL;
    if (eg_query_json(c, &rows,
                      "SELECT agency_code, working_days, started_at, due_at, ended_at, late, note "
                      "FROM dossier_shares WHERE code = ? ORDER BY id",
                      "t", code))
        return json_array();
    size_t i;
    json_t *v;
    json_array_foreach(rows, i, v)
    {
        const char *keys[] = {"started_at", "due_at", "ended_at"};
        for (int k = 0; k < 3; k++) {
            json_t *x = json_object_get(v, keys[k]);
            if (json_is_integer(x)) {
                char b[25];
                eg_time_iso_ms(json_integer_value(x), b);
                json_object_set_new(v, keys[k], json_string(b));
            }
        }
        json_object_set_new(v, "late",
                            json_boolean(json_integer_value(json_object_get(v, "late"))));
    }
    return rows;
}

int eg__ds_share_open(eg_app *app, eg_conn *c, eg_req *r, const ds_row *d, const json_t *body)
{
    const char *agency = body ? eg_json_str(body, "agency_code") : NULL;
    long long days = body ? eg_json_int(body, "working_days", -1) : -1;
    const char *note = body ? eg_json_str(body, "note") : NULL;
    if (!agency || !eg_valid_agency_code(agency))
        return eg_req_fail_field(r, EG_EUNPROCESSABLE, "agency_code",
                                 "mã cơ quan phối hợp không hợp lệ");
    if (!strcmp(agency, d->handling))
        return eg_req_fail_field(r, EG_EUNPROCESSABLE, "agency_code",
                                 "cơ quan phối hợp phải khác cơ quan giải quyết");
    if (days < 0 || days > 365)
        return eg_req_fail_field(r, EG_EUNPROCESSABLE, "working_days", "số ngày làm việc 0-365");
#if DS_HAVE_CATALOG
    char now_code[14];
    if (eg_catalog_agency_resolve(agency, now_code))
        return eg_req_fail_field(r, EG_EUNPROCESSABLE, "agency_code", "không có cơ quan %s",
                                 agency);
#endif
    int64_t now = eg_now_ms(), due = 0;
    int rc = eg_calendar_deadline(app->calendar, now, (int)days, &due);
    if (!rc)
        rc = eg_exec(c, NULL,
                     "INSERT INTO dossier_shares (code, agency_code, working_days, started_at, "
                     "due_at, note) VALUES (?,?,?,?,?,?)",
                     "ttillt", d->code, agency, (int)days, now, due, note);
    if (!rc) {
        json_t *det = json_pack("{s:s, s:i}", "agency_code", agency, "working_days", (int)days);
        rc = eg__ds_transition(c, r, d, "inter-agency", d->status,
                               eg_arena_printf(eg_req_arena(r),
                                               "Liên thông: chuyển %s xử lý (%lld "
                                               "ngày làm việc)",
                                               agency, days),
                               det);
        json_decref(det);
    }
    return rc;
}

int eg__ds_share_close(eg_conn *c, eg_req *r, const ds_row *d, const json_t *body)
{
    const eg_principal *p = eg_principal_of(r);
    int64_t now = eg_now_ms();
    eg_stmt *st;
    int rc =
        eg_query(c, &st,
                 "SELECT id, due_at FROM dossier_shares WHERE code = ? AND agency_code = ? AND "
                 "ended_at IS NULL ORDER BY id LIMIT 1",
                 "tt", d->code, p->agency_code ? p->agency_code : "");
    if (rc)
        return rc;
    if (eg_step(st) != EG_ROW) {
        eg_stmt_done(st);
        return eg_req_fail(r, EG_ECONFLICT, "cơ quan %s không có bước liên thông đang mở",
                           p->agency_code ? p->agency_code : "?");
    }
    int64_t id = eg_col_int64(st, 0), due = eg_col_int64(st, 1);
    eg_stmt_done(st);
    int late = now > due;
    rc = eg_exec(c, NULL, "UPDATE dossier_shares SET ended_at = ?, late = ? WHERE id = ?", "lil",
                 now, late, id);
    if (!rc && late)
        rc = eg_exec(c, NULL, "UPDATE dossiers SET overdue = 1 WHERE id = ?", "l", d->id);
    if (!rc) {
        json_t *det = json_pack("{s:s, s:b}", "agency_code", p->agency_code, "late", late);
        const char *note = body ? eg_json_str(body, "note") : NULL;
        rc = eg__ds_transition(c, r, d, "inter-agency-done", d->status,
                               eg_arena_printf(eg_req_arena(r), "Liên thông: %s hoàn thành%s%s%s",
                                               p->agency_code, late ? " (trễ hạn)" : "",
                                               note ? ": " : "", note ? note : ""),
                               det);
        json_decref(det);
    }
    return rc;
}
