/*
 * monitor.c - process monitoring: counts of open tasks per process/step/agency and instances
 * per process/agency/state with overdue counts, service-task incidents (list, retry), and the
 * Prometheus metrics appended to /metrics. Every list is filtered to the agencies whose
 * instances the caller may read.
 */
#include <stdlib.h>
#include <string.h>
#include "audit/audit.h"
#include "identity/identity.h"
#include "workflow/internal.h"

/* ---------------------------------------------------------------- monitoring */

/* GET /api/v1/workflow/stats: open tasks per process/step/agency, instances per process/state,
 * overdue counts; only agencies whose instances the caller may read. */
int eg__wf_stats(eg_req *r)
{
    eg_app *app = eg_req_app(r);
    const eg_principal *p;
    int rc = eg_require_principal(r, &p);
    if (rc)
        return rc;
    int64_t now = eg_now_ms();
    eg_conn *c = eg_db_conn(app->db);
    json_t *steps = NULL, *procs = NULL;
    rc = eg_query_json(c, &steps,
                       "SELECT def_key AS definition_key, element_id, agency_code, COUNT(*) AS "
                       "open_tasks, SUM(CASE WHEN due_at IS NOT NULL AND due_at < ? THEN 1 ELSE "
                       "0 END) AS overdue FROM wf_task WHERE state = 'open' GROUP BY def_key, "
                       "element_id, agency_code ORDER BY def_key, element_id, agency_code",
                       "l", now);
    if (!rc)
        rc = eg_query_json(c, &procs,
                           "SELECT def_key AS definition_key, agency_code, state, COUNT(*) AS "
                           "instances, SUM(CASE WHEN state = 'active' AND due_at IS NOT NULL AND "
                           "due_at < ? THEN 1 ELSE 0 END) AS overdue FROM wf_instance GROUP BY "
                           "def_key, agency_code, state ORDER BY def_key, agency_code, state",
                           "l", now);
    if (rc) {
        json_decref(steps);
        return rc;
    }
    json_t *out[2] = {json_array(), json_array()}, *in[2] = {steps, procs};
    for (int k = 0; k < 2; k++) {
        size_t i;
        json_t *row;
        json_array_foreach(in[k], i, row)
        {
            if (eg__wf_may_read(p, eg_json_str(row, "agency_code")))
                json_array_append(out[k], row);
        }
        json_decref(in[k]);
    }
    return eg_reply_json(r, 200, json_pack("{s:o, s:o}", "steps", out[0], "processes", out[1]));
}

int eg__wf_incidents(eg_req *r)
{
    eg_app *app = eg_req_app(r);
    const eg_principal *p;
    int rc = eg_require_principal(r, &p);
    if (rc)
        return rc;
    json_t *rows = NULL;
    rc = eg__wf_incident_list(eg_db_conn(app->db), &rows);
    if (rc)
        return rc;
    json_t *items = json_array();
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row)
    {
        if (eg__wf_may_read(p, eg_json_str(row, "agency_code")))
            json_array_append(items, row);
    }
    json_decref(rows);
    return eg_reply_json(r, 200, json_pack("{s:o, s:n}", "items", items, "next_cursor"));
}

/* Puts an incident back to work: a job gets its attempts back and runs at the next tick; a
 * timer ("timer-<id>") is due again now. 404 for an unknown id or another agency's incident. */
int eg__wf_incident_retry(eg_req *r)
{
    eg_app *app = eg_req_app(r);
    const eg_principal *p;
    int rc = eg_require_principal(r, &p);
    if (rc)
        return rc;
    const char *sid = eg_req_param(r, "id");
    int timer = eg_str_has_prefix(sid, "timer-");
    char *end = NULL;
    int64_t id = strtoll(timer ? sid + 6 : sid, &end, 10);
    if (!end || *end || id <= 0)
        return eg_req_fail(r, EG_ENOTFOUND, "Không có sự cố %s", sid);
    eg_conn *c = eg_db_conn(app->db);
    char *agency = NULL;
    rc = eg_query_text(c, eg_req_arena(r), &agency,
                       timer ? "SELECT COALESCE(i.agency_code, '') FROM wf_timer t JOIN "
                               "wf_instance i ON i.id = t.instance_id WHERE t.id = ? AND "
                               "t.state = 'incident'"
                             : "SELECT COALESCE(i.agency_code, '') FROM wf_job j JOIN "
                               "wf_instance i ON i.id = j.instance_id WHERE j.id = ? AND "
                               "j.state = 'incident'",
                       "l", id);
    if (rc == EG_ENOTFOUND || (!rc && !eg__wf_may_read(p, agency)))
        return eg_req_fail(r, EG_ENOTFOUND, "Không có sự cố %s", sid);
    if (!rc)
        rc = eg_authorize(r, "retry", &(eg_object){"workflow_incident", agency, NULL});
    if (!rc)
        rc = eg_tx_begin(c);
    if (rc)
        return rc;
    int64_t n = 0;
    if (timer)
        rc = eg_exec(c, &n,
                     "UPDATE wf_timer SET state = 'pending', due_at = ? WHERE id = ? AND state = "
                     "'incident'",
                     "ll", eg_now_ms(), id);
    else
        rc = eg_exec(c, &n,
                     "UPDATE wf_job SET state = 'pending', attempts = 0, next_at = ? WHERE id = ? "
                     "AND state = 'incident'",
                     "ll", eg_now_ms(), id);
    if (!rc && n != 1)
        rc = eg_req_fail(r, EG_ECONFLICT, "Sự cố %s đã được xử lý", sid);
    if (!rc) {
        eg_audit_event ev = {.actor = eg_actor(r),
                             .action = "workflow.incident.retry",
                             .object_type = "workflow_incident",
                             .object_id = sid,
                             .agency = agency,
                             .request_id = eg_req_id(r)};
        rc = eg_audit_append(c, &ev);
    }
    rc = rc ? (eg_tx_rollback(c), rc) : eg_tx_commit(c);
    if (rc)
        return rc;
    json_t *body = timer ? json_pack("{s:s, s:s}", "id", sid, "state", "pending")
                         : json_pack("{s:I, s:s}", "id", (json_int_t)id, "state", "pending");
    return eg_reply_json(r, 200, body);
}

void eg__wf_metrics(eg_buf *out, void *appv)
{
    eg_app *app = appv;
    eg_buf_printf(out,
                  "# TYPE egov_workflow_instances_started_total counter\n"
                  "egov_workflow_instances_started_total %ld\n"
                  "# TYPE egov_workflow_instances_ended_total counter\n"
                  "egov_workflow_instances_ended_total %ld\n"
                  "# TYPE egov_workflow_tasks_completed_total counter\n"
                  "egov_workflow_tasks_completed_total %ld\n"
                  "# TYPE egov_workflow_timers_fired_total counter\n"
                  "egov_workflow_timers_fired_total %ld\n"
                  "# TYPE egov_workflow_job_failures_total counter\n"
                  "egov_workflow_job_failures_total %ld\n",
                  eg__wf_instances_started, eg__wf_instances_ended, eg__wf_tasks_completed,
                  eg__wf_timers_fired, eg__wf_jobs_failed);
    eg_conn *c = eg_db_conn(app->db);
    int64_t n = 0;
    if (!eg_query_int64(c, &n, "SELECT COUNT(*) FROM wf_task WHERE state = 'open'", ""))
        eg_buf_printf(out, "# TYPE egov_workflow_open_tasks gauge\negov_workflow_open_tasks %lld\n",
                      (long long)n);
    if (!eg_query_int64(c, &n,
                        "SELECT COUNT(*) FROM wf_task WHERE state = 'open' AND due_at IS NOT NULL "
                        "AND due_at < ?",
                        "l", eg_now_ms()))
        eg_buf_printf(
            out, "# TYPE egov_workflow_overdue_tasks gauge\negov_workflow_overdue_tasks %lld\n",
            (long long)n);
    if (!eg_query_int64(c, &n,
                        "SELECT (SELECT COUNT(*) FROM wf_job WHERE state = 'incident') + (SELECT "
                        "COUNT(*) FROM wf_timer WHERE state = 'incident')",
                        ""))
        eg_buf_printf(out, "# TYPE egov_workflow_incidents gauge\negov_workflow_incidents %lld\n",
                      (long long)n);
    if (!eg_query_int64(c, &n, "SELECT COUNT(*) FROM wf_instance WHERE state = 'active'", ""))
        eg_buf_printf(out,
                      "# TYPE egov_workflow_active_instances gauge\n"
                      "egov_workflow_active_instances %lld\n",
                      (long long)n);
}
