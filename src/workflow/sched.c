/*
 * sched.c - the scheduler side of the engine: due timers are claimed and fired, due service-task
 * jobs are retried with backoff (an incident after the last attempt), overdue tasks and
 * instances are flagged (escalation), each in its own transaction; plus the instance view
 * (state, active elements, history) that the API and other modules read.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "audit/audit.h"
#include "workflow/internal.h"

#define MAX_ATTEMPTS 3

/* Parks a timer whose firing failed as an incident (listed with the service-task incidents by
 * the monitoring API, retried from there), with its audit record, in one transaction. */
static void timer_incident(eg_conn *c, int64_t timer_id, int64_t inst, const char *agency,
                           const char *why, int64_t now)
{
    if (eg_tx_begin(c))
        return;
    int64_t n = 0;
    int rc = eg_exec(c, &n,
                     "UPDATE wf_timer SET state = 'incident', attempts = attempts + 1, "
                     "last_error = ?, failed_at = ? WHERE id = ? AND state = 'pending'",
                     "tll", why, now, timer_id);
    if (!rc && n == 1) {
        char sid[48];
        snprintf(sid, sizeof(sid), "timer-%lld", (long long)timer_id);
        json_t *d = json_pack("{s:I, s:s}", "instance_id", (json_int_t)inst, "error", why);
        eg_audit_event ev = {.actor = "system",
                             .action = "workflow.incident.open",
                             .object_type = "workflow_incident",
                             .object_id = sid,
                             .agency = agency,
                             .detail = d};
        rc = eg_audit_append(c, &ev);
        json_decref(d);
    }
    if (rc)
        eg_tx_rollback(c);
    else
        eg_tx_commit(c);
}

static int fire_timer(eg_app *app, eg_conn *c, int64_t timer_id)
{
    wf_run r;
    eg__wf_r_init(&r, app, c, "system", NULL, 0);
    char err[300] = "";
    r.err = err;
    r.errlen = sizeof(err);
    int rc = eg_tx_begin(c);
    if (rc) {
        eg_arena_free(r.a);
        return rc;
    }
    int64_t n = 0, inst = 0, tok = 0;
    char *el_id = NULL;
    /* Lock order as every other operation: the instance row first, then the timer claim
     * (a task completion cancelling this timer holds the instance and then the timer). */
    eg_stmt *st;
    rc = eg_query(c, &st,
                  "SELECT instance_id, token_id, element_id FROM wf_timer WHERE id = ? AND state = "
                  "'pending'",
                  "l", timer_id);
    if (!rc) {
        if (eg_step(st) == EG_ROW) {
            inst = eg_col_int64(st, 0);
            tok = eg_col_int64(st, 1);
            el_id = eg_arena_strdup(r.a, eg_col_text(st, 2));
        }
        eg_stmt_done(st);
    }
    if (!rc && inst) {
        rc = eg__wf_load(&r, inst);
        if (rc == EG_ECONFLICT) /* instance ended meanwhile: the timer is moot */
            rc = eg_exec(c, NULL,
                         "UPDATE wf_timer SET state = 'cancelled' WHERE id = ? AND state = "
                         "'pending'",
                         "l", timer_id);
        else if (!rc)
            rc = eg_exec(c, &n,
                         "UPDATE wf_timer SET state = 'fired', fired_at = ? WHERE id = ? AND "
                         "state = 'pending'",
                         "ll", r.now, timer_id);
    }
    if (!rc && n == 1) {
        int el = rc ? -1 : eg__wf_el_index(r.m, el_id);
        if (!rc && el < 0)
            rc = EG_EINTERNAL;
        if (!rc) {
            const wf_el *e = &r.m->els[el];
            int64_t hid = 0;
            eg_query_int64(c, &hid, "SELECT COALESCE(hist_id, 0) FROM wf_token WHERE id = ?", "l",
                           tok);
            if (e->type == WF_TIMER_CATCH) {
                rc = eg__wf_hist_end(&r, hid, "system", NULL);
                if (!rc)
                    rc = eg_exec(c, NULL, "DELETE FROM wf_token WHERE id = ?", "l", tok);
            } else if (e->cancel_activity) {
                rc = eg__wf_hist_end(&r, hid, "system", "interrupted by timer");
                if (!rc)
                    rc = eg__wf_cancel_token_work(&r, tok, "cancelled");
            }
            if (!rc && e->type == WF_BOUNDARY)
                rc = eg__wf_hist(&r, el, 0, "system", NULL, NULL);
            if (!rc)
                rc = eg__wf_leave(&r, el);
            if (!rc)
                rc = eg__wf_run(&r);
            if (!rc)
                rc = eg__wf_save(&r);
            if (!rc)
                rc = eg__wf_audit(
                    &r, "workflow.timer.fire",
                    json_pack("{s:I, s:s}", "timer_id", (json_int_t)timer_id, "element_id", el_id));
        }
    }
    if (rc && rc != EG_EBUSY) {
        /* a timer whose path cannot run must not spin: park it as a visible incident */
        if (!err[0])
            snprintf(err, sizeof(err), "%s: %s", eg_errname(rc), eg_conn_errmsg(c));
        eg_tx_rollback(c);
        eg_log(EG_LOG_ERROR, "workflow", NULL, "timer failed", "timer_id",
               eg_arena_printf(r.a, "%lld", (long long)timer_id), "error", err, NULL);
        timer_incident(c, timer_id, inst, r.agency, err, r.now);
        json_decref(r.vars);
        eg_arena_free(r.a);
        return 0;
    }
    int fired = !rc && n == 1;
    rc = eg__wf_r_finish(&r, rc);
    if (!rc && fired)
        __atomic_add_fetch(&eg__wf_timers_fired, 1, __ATOMIC_RELAXED);
    return rc ? rc : fired;
}

/* The LGSP exchange of a job whose handler is "lgsp:<service>", made before the step's
 * transaction: reads the instance (no lock: the token waits at this job, so only the job
 * moves it on), calls the hook with a copy of the variables. *out gets that copy after the
 * call (NULL when the job is not an LGSP call); returns the hook's result. */
static int remote_call(eg_app *app, eg_conn *c, int64_t job_id, json_t **out, char *msg,
                       size_t msglen)
{
    *out = NULL;
    msg[0] = 0;
    eg_stmt *st;
    int rc = eg_query(c, &st,
                      "SELECT j.handler, j.element_id, j.attempts, i.id, i.def_key, "
                      "i.business_key, i.agency_code, i.variables FROM wf_job j JOIN wf_instance "
                      "i ON i.id = j.instance_id WHERE j.id = ? AND j.state = 'pending' AND "
                      "i.state = 'active'",
                      "l", job_id);
    if (rc)
        return rc;
    if (eg_step(st) != EG_ROW || !EG__WF_IS_LGSP(eg_col_text(st, 0))) {
        eg_stmt_done(st);
        return EG_OK;
    }
    eg_arena *a = eg_arena_new(0);
    const char *vs = eg_col_text(st, 7);
    json_t *vars = json_loads(vs ? vs : "{}", 0, NULL);
    eg_wf_call call = {.instance_id = eg_col_int64(st, 3),
                       .definition_key = eg_arena_strdup(a, eg_col_text(st, 4)),
                       .business_key = eg_arena_strdup(a, eg_col_text(st, 5)),
                       .agency_code = eg_arena_strdup(a, eg_col_text(st, 6)),
                       .element_id = eg_arena_strdup(a, eg_col_text(st, 1)),
                       .handler = eg_arena_strdup(a, eg_col_text(st, 0)),
                       .attempt = (int)eg_col_int64(st, 2) + 1,
                       .vars = vars ? vars : json_object()};
    eg_stmt_done(st);
    void *ctx = NULL;
    eg_wf_remote_fn fn = eg__wf_lgsp_caller(&ctx);
    if (!fn) {
        snprintf(msg, msglen, "chưa có bộ gọi dịch vụ LGSP cho '%s'", call.handler);
        rc = EG_EUNAVAIL;
    } else {
        rc = fn(app, &call, ctx, msg, msglen);
        if (rc && !msg[0])
            snprintf(msg, msglen, "%s", eg_errname(rc));
    }
    *out = call.vars;
    eg_arena_free(a);
    return rc;
}

static int run_job(eg_app *app, eg_conn *c, int64_t job_id)
{
    wf_run r;
    eg__wf_r_init(&r, app, c, "system", NULL, 0);
    char err[300], msg[300];
    r.err = err;
    r.errlen = sizeof(err);
    json_t *remote = NULL;
    int rrc = remote_call(app, c, job_id, &remote, msg, sizeof(msg));
    int rc = eg_tx_begin(c);
    if (rc) {
        eg_arena_free(r.a);
        return rc;
    }
    int64_t inst = 0, tok = 0, attempts = 0;
    char *el_id = NULL;
    eg_stmt *st;
    rc = eg_query(c, &st,
                  "SELECT instance_id, token_id, element_id, attempts FROM wf_job WHERE id = ? "
                  "AND state = 'pending'",
                  "l", job_id);
    if (!rc) {
        if (eg_step(st) == EG_ROW) {
            inst = eg_col_int64(st, 0);
            tok = eg_col_int64(st, 1);
            el_id = eg_arena_strdup(r.a, eg_col_text(st, 2));
            attempts = eg_col_int64(st, 3);
        }
        eg_stmt_done(st);
    }
    if (!rc && !inst)
        return eg__wf_r_finish(&r, EG_OK);
    if (!rc)
        rc = eg__wf_load(&r, inst);
    int el = rc ? -1 : eg__wf_el_index(r.m, el_id);
    if (!rc && el < 0)
        rc = EG_EINTERNAL;
    int ok = 0;
    if (!rc && remote) {
        ok = rrc == 0 && json_is_object(remote);
        if (ok) { /* the keys the call set join the instance's variables */
            json_object_update(r.vars, remote);
            r.vars_dirty = 1;
        }
    } else if (!rc) {
        ok = eg__wf_call_handler(&r, el, (int)attempts + 1, msg, sizeof(msg)) == 0;
    }
    json_decref(remote);
    if (!rc) {
        if (ok) {
            int64_t n = 0, hid = 0;
            rc = eg_exec(c, &n,
                         "UPDATE wf_job SET state = 'done', attempts = attempts + 1 "
                         "WHERE id = ? AND state = 'pending'",
                         "l", job_id);
            if (!rc && n != 1)
                rc = EG_ECONFLICT;
            if (!rc)
                eg_query_int64(c, &hid, "SELECT COALESCE(hist_id, 0) FROM wf_token WHERE id = ?",
                               "l", tok);
            if (!rc)
                rc = eg__wf_hist_end(&r, hid, "system", NULL);
            if (!rc)
                rc = eg__wf_cancel_token_work(&r, tok, NULL); /* a job's token has no task */
            if (!rc)
                rc = eg__wf_leave(&r, el);
            if (!rc)
                rc = eg__wf_run(&r);
            if (!rc)
                rc = eg__wf_save(&r);
        } else {
            __atomic_add_fetch(&eg__wf_jobs_failed, 1, __ATOMIC_RELAXED);
            int64_t next = r.now + 2000 * ((int64_t)1 << (attempts < 10 ? attempts : 10));
            rc = eg_exec(c, NULL,
                         "UPDATE wf_job SET attempts = attempts + 1, next_at = ?, last_error = ?, "
                         "state = ? WHERE id = ?",
                         "lttl", next, msg, attempts + 1 >= MAX_ATTEMPTS ? "incident" : "pending",
                         job_id);
        }
    }
    return eg__wf_r_finish(&r, rc);
}

static int escalate(eg_app *app, eg_conn *c, int64_t now)
{
    int n = 0;
    json_t *rows = NULL;
    if (eg_query_json(c, &rows,
                      "SELECT id, instance_id, element_id, agency_code FROM wf_task WHERE state = "
                      "'open' AND escalated = 0 AND due_at IS NOT NULL AND due_at < ? LIMIT 100",
                      "l", now))
        return 0;
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row)
    {
        if (eg_tx_begin(c))
            break;
        int64_t ch = 0;
        int64_t id = eg_json_int(row, "id", 0);
        int rc = eg_exec(c, &ch, "UPDATE wf_task SET escalated = 1 WHERE id = ? AND escalated = 0",
                         "l", id);
        if (!rc && ch == 1) {
            char sid[32];
            snprintf(sid, sizeof(sid), "%lld", (long long)id);
            json_t *d = json_pack("{s:I, s:s?}", "instance_id",
                                  (json_int_t)eg_json_int(row, "instance_id", 0), "element_id",
                                  eg_json_str(row, "element_id"));
            eg_audit_event ev = {.actor = "system",
                                 .action = "workflow.task.overdue",
                                 .object_type = "workflow_task",
                                 .object_id = sid,
                                 .agency = eg_json_str(row, "agency_code"),
                                 .detail = d};
            rc = eg_audit_append(c, &ev);
            json_decref(d);
            if (!rc)
                eg__wf_call_overdue(c, id, eg_json_int(row, "instance_id", 0),
                                    eg_json_str(row, "element_id"),
                                    eg_json_str(row, "agency_code"));
            n++;
        }
        if (rc)
            eg_tx_rollback(c);
        else
            eg_tx_commit(c);
    }
    json_decref(rows);
    eg_exec(c, NULL,
            "UPDATE wf_instance SET escalated = 1 WHERE state = 'active' AND escalated = 0 AND "
            "due_at IS NOT NULL AND due_at < ?",
            "l", now);
    (void)app;
    return n;
}

int eg_wf_tick(eg_app *app, int64_t now_ms)
{
    eg_conn *c = eg_db_conn(app->db);
    int n = 0;
    for (int round = 0; round < 20; round++) {
        json_t *ids = NULL;
        if (eg_query_json(c, &ids,
                          "SELECT id FROM wf_timer WHERE state = 'pending' AND due_at <= ? ORDER "
                          "BY due_at, id LIMIT 200",
                          "l", now_ms))
            break;
        size_t i, cnt = json_array_size(ids);
        json_t *row;
        json_array_foreach(ids, i, row)
        {
            if (fire_timer(app, c, eg_json_int(row, "id", 0)) > 0)
                n++;
        }
        json_decref(ids);
        if (cnt < 200)
            break;
    }
    json_t *jobs = NULL;
    if (!eg_query_json(c, &jobs,
                       "SELECT id FROM wf_job WHERE state = 'pending' AND next_at <= ? ORDER BY "
                       "next_at, id LIMIT 100",
                       "l", now_ms)) {
        size_t i;
        json_t *row;
        json_array_foreach(jobs, i, row)
        {
            run_job(app, c, eg_json_int(row, "id", 0));
            n++;
        }
        json_decref(jobs);
    }
    n += escalate(app, c, now_ms);
    return n;
}

/* Open incidents of every agency, oldest first: failed service-task jobs (still retrying:
 * state "pending", given up: "incident"; "id" is the job id) and timers whose firing failed
 * ("kind": "timer", "id": "timer-<id>", "handler": "timer"). */
int eg__wf_incident_list(eg_conn *c, json_t **out)
{
    json_t *jobs = NULL, *timers = NULL;
    int rc = eg_query_json(c, &jobs,
                           "SELECT j.id, 'service_task' AS kind, j.instance_id, j.element_id, "
                           "j.handler, j.attempts, j.last_error, j.state, i.business_key, "
                           "i.agency_code, i.def_key AS definition_key FROM wf_job j JOIN "
                           "wf_instance i ON i.id = j.instance_id WHERE j.state IN ('incident', "
                           "'pending') ORDER BY j.id LIMIT 500",
                           "");
    if (!rc)
        rc = eg_query_json(c, &timers,
                           "SELECT t.id, t.instance_id, t.element_id, t.attempts, t.last_error, "
                           "t.failed_at, i.business_key, i.agency_code, i.def_key AS "
                           "definition_key FROM wf_timer t JOIN wf_instance i ON i.id = "
                           "t.instance_id WHERE t.state = 'incident' ORDER BY t.id LIMIT 500",
                           "");
    if (rc) {
        json_decref(jobs);
        return rc;
    }
    size_t i;
    json_t *row;
    json_array_foreach(timers, i, row)
    {
        char id[48], ts[25];
        snprintf(id, sizeof(id), "timer-%lld", (long long)eg_json_int(row, "id", 0));
        json_object_set_new(row, "id", json_string(id));
        json_object_set_new(row, "kind", json_string("timer"));
        json_object_set_new(row, "handler", json_string("timer"));
        json_object_set_new(row, "state", json_string("incident"));
        eg_time_iso_ms(eg_json_int(row, "failed_at", 0), ts);
        json_object_set_new(row, "failed_at", json_string(ts));
        json_array_append(jobs, row);
    }
    json_decref(timers);
    *out = jobs;
    return EG_OK;
}

/* ---------------------------------------------------------------- queries */

static json_t *iso_or_null(int64_t ms, int null)
{
    if (null)
        return json_null();
    char ts[25];
    eg_time_iso_ms(ms, ts);
    return json_string(ts);
}

int eg_wf_instance_json(eg_conn *c, int64_t instance_id, json_t **out)
{
    eg_stmt *st;
    int rc = eg_query(c, &st,
                      "SELECT id, def_key, version, business_key, agency_code, state, variables, "
                      "started_at, ended_at, due_at, started_by, definition_id FROM wf_instance "
                      "WHERE id = ?",
                      "l", instance_id);
    if (rc)
        return rc;
    if (eg_step(st) != EG_ROW) {
        eg_stmt_done(st);
        return EG_ENOTFOUND;
    }
    int64_t now = eg_now_ms();
    json_t *vars = json_loads(eg_col_text(st, 6) ? eg_col_text(st, 6) : "{}", 0, NULL);
    int overdue = !eg_col_is_null(st, 9) && eg_col_int64(st, 9) < now &&
                  !strcmp(eg_col_text(st, 5), "active");
    json_t *j = json_pack(
        "{s:I, s:s, s:I, s:s?, s:s?, s:s, s:o, s:o, s:o, s:o, s:b, s:s?, s:I}", "id",
        (json_int_t)eg_col_int64(st, 0), "definition_key", eg_col_text(st, 1), "version",
        (json_int_t)eg_col_int64(st, 2), "business_key", eg_col_text(st, 3), "agency_code",
        eg_col_text(st, 4), "state", eg_col_text(st, 5), "variables", vars ? vars : json_object(),
        "started_at", iso_or_null(eg_col_int64(st, 7), 0), "ended_at",
        iso_or_null(eg_col_int64(st, 8), eg_col_is_null(st, 8)), "due_at",
        iso_or_null(eg_col_int64(st, 9), eg_col_is_null(st, 9)), "overdue", overdue, "started_by",
        eg_col_text(st, 10), "definition_id", (json_int_t)eg_col_int64(st, 11));
    eg_stmt_done(st);
    json_t *active = json_array();
    if (!eg_query(c, &st,
                  "SELECT DISTINCT element_id FROM wf_token WHERE instance_id = ? ORDER BY "
                  "element_id",
                  "l", instance_id)) {
        while (eg_step(st) == EG_ROW)
            json_array_append_new(active, json_string(eg_col_text(st, 0)));
        eg_stmt_done(st);
    }
    json_object_set_new(j, "active_elements", active);
    json_t *h = json_array();
    if (!eg_query(c, &st,
                  "SELECT element_id, element_type, started_at, ended_at, actor, detail FROM "
                  "wf_history WHERE instance_id = ? ORDER BY id",
                  "l", instance_id)) {
        while (eg_step(st) == EG_ROW)
            json_array_append_new(
                h, json_pack("{s:s, s:s, s:o, s:o, s:s?, s:s?}", "element_id", eg_col_text(st, 0),
                             "type", eg_col_text(st, 1), "started_at",
                             iso_or_null(eg_col_int64(st, 2), 0), "ended_at",
                             iso_or_null(eg_col_int64(st, 3), eg_col_is_null(st, 3)), "by",
                             eg_col_text(st, 4), "detail", eg_col_text(st, 5)));
        eg_stmt_done(st);
    }
    json_object_set_new(j, "history", h);
    *out = j;
    return EG_OK;
}
