/*
 * overdue.c - deadlines after acceptance: a warning before the due date (dossier.warn_hours,
 * default 24), detection once the due date passed (status 2/4/6; a paused dossier's clock is
 * stopped), each recorded once with an audit record and a timeline note. The apology slip
 * (Mẫu 04) with its new date is the "apology" action; overdue lists are GET
 * /api/v1/dossiers?overdue=1 per agency.
 */
#include <stdlib.h>
#include "dossier/internal.h"

static void mark(eg_app *app, eg_conn *c, const char *sql_pick, const char *set_col,
                 const char *action, int64_t bound)
{
    json_t *rows = NULL;
    if (eg_query_json(c, &rows, sql_pick, "l", bound))
        return;
    size_t i;
    json_t *v;
    json_array_foreach(rows, i, v)
    {
        const char *code = eg_json_str(v, "code");
        if (eg_tx_begin(c))
            break;
        int64_t ch = 0;
        char sql[160];
        snprintf(sql, sizeof sql, "UPDATE dossiers SET %s = 1 WHERE code = ? AND %s = 0", set_col,
                 set_col);
        int rc = eg_exec(c, &ch, sql, "t", code);
        if (!rc && ch == 1) {
            json_t *det = json_pack("{s:o}", "due_at", json_incref(json_object_get(v, "due_at")));
            rc = eg_audit_append(c, &(eg_audit_event){.actor = "system",
                                                      .action = action,
                                                      .object_type = "dossier",
                                                      .object_id = code,
                                                      .agency = eg_json_str(v, "handling_agency"),
                                                      .detail = det});
            json_decref(det);
        }
        if (rc)
            eg_tx_rollback(c);
        else
            eg_tx_commit(c);
    }
    json_decref(rows);
    (void)app;
}

void eg__ds_overdue_tick(eg_app *app, int64_t now)
{
    eg_conn *c = eg_db_conn(app->db);
    int64_t warn = eg_config_int(app->cfg, "dossier.warn_hours", 24) * 3600000LL;
    mark(app, c,
         "SELECT code, handling_agency, due_at FROM dossiers WHERE status IN (2, 4, 6) AND "
         "warned = 0 AND due_at IS NOT NULL AND due_at > 0 AND due_at < ? LIMIT 200",
         "warned", "dossier.overdue.warn", now + warn);
    mark(app, c,
         "SELECT code, handling_agency, due_at FROM dossiers WHERE status IN (2, 4, 6) AND "
         "overdue = 0 AND due_at IS NOT NULL AND due_at > 0 AND due_at < ? LIMIT 200",
         "overdue", "dossier.overdue", now);
}
