/*
 * engine.c - the token engine. Every operation (start, complete a task, fire a timer, run a
 * job, return a task, terminate) is one database transaction that first locks the instance
 * row (UPDATE ... rev = rev + 1, which serialises writers on both backends), loads the
 * variables, moves tokens through the model until every token waits again (user task, job,
 * timer, joining gateway) or the instance ends, and writes everything back. A crash before
 * commit leaves no trace; after commit the state is complete. Timers and jobs are claimed by
 * an UPDATE guarded on their state in the same transaction as their effect, so each fires
 * exactly once even across crashes and with several processes on PostgreSQL.
 *
 * Models are parsed once and cached by the SHA-256 of their XML (definitions are immutable).
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "audit/audit.h"
#include "workflow/internal.h"

eg_app *eg__wf_app;
volatile long eg__wf_timers_fired, eg__wf_jobs_failed, eg__wf_tasks_completed,
    eg__wf_instances_started, eg__wf_instances_ended;

/* ---------------------------------------------------------------- registries */

static pthread_mutex_t reg_mu = PTHREAD_MUTEX_INITIALIZER;
static struct {
    char *name;
    eg_wf_handler fn;
    void *ctx;
} handlers[64];
static int nhandlers;
static eg_wf_remote_fn lgsp_fn;
static void *lgsp_ctx;
static struct {
    eg_wf_end_hook fn;
    void *ctx;
} hooks[8];
static int nhooks;
static struct {
    eg_wf_overdue_hook fn;
    void *ctx;
} ohooks[8];
static int nohooks;
static struct {
    char sha[65];
    wf_model *m;
} * cache;
static int ncache, capcache;

int eg_wf_register_handler(const char *name, eg_wf_handler fn, void *ctx)
{
    int rc = EG_OK;
    pthread_mutex_lock(&reg_mu);
    for (int i = 0; i < nhandlers; i++)
        if (!strcmp(handlers[i].name, name))
            rc = EG_ECONFLICT;
    if (!rc && nhandlers == 64)
        rc = EG_ENOMEM;
    if (!rc) {
        handlers[nhandlers].name = strdup(name);
        handlers[nhandlers].fn = fn;
        handlers[nhandlers].ctx = ctx;
        nhandlers++;
    }
    pthread_mutex_unlock(&reg_mu);
    return rc;
}

void eg_wf_set_lgsp_caller(eg_wf_remote_fn fn, void *ctx)
{
    pthread_mutex_lock(&reg_mu);
    lgsp_fn = fn;
    lgsp_ctx = ctx;
    pthread_mutex_unlock(&reg_mu);
}

void eg_wf_on_end(eg_wf_end_hook fn, void *ctx)
{
    pthread_mutex_lock(&reg_mu);
    if (nhooks < 8) {
        hooks[nhooks].fn = fn;
        hooks[nhooks].ctx = ctx;
        nhooks++;
    }
    pthread_mutex_unlock(&reg_mu);
}

void eg_wf_on_overdue(eg_wf_overdue_hook fn, void *ctx)
{
    pthread_mutex_lock(&reg_mu);
    if (nohooks < 8) {
        ohooks[nohooks].fn = fn;
        ohooks[nohooks].ctx = ctx;
        nohooks++;
    }
    pthread_mutex_unlock(&reg_mu);
}

void eg__wf_call_overdue(eg_conn *c, int64_t task_id, int64_t inst, const char *el,
                         const char *agency)
{
    pthread_mutex_lock(&reg_mu);
    int n = nohooks;
    pthread_mutex_unlock(&reg_mu);
    for (int i = 0; i < n; i++)
        ohooks[i].fn(c, task_id, inst, el, agency, ohooks[i].ctx);
}

eg_wf_handler eg__wf_find_handler(const char *name, void **ctx)
{
    eg_wf_handler fn = NULL;
    pthread_mutex_lock(&reg_mu);
    for (int i = 0; i < nhandlers; i++)
        if (!strcmp(handlers[i].name, name)) {
            fn = handlers[i].fn;
            *ctx = handlers[i].ctx;
        }
    pthread_mutex_unlock(&reg_mu);
    return fn;
}

eg_wf_remote_fn eg__wf_lgsp_caller(void **ctx)
{
    pthread_mutex_lock(&reg_mu);
    eg_wf_remote_fn fn = lgsp_fn;
    *ctx = lgsp_ctx;
    pthread_mutex_unlock(&reg_mu);
    return fn;
}

void eg__wf_call_hooks(wf_run *r, const char *state)
{
    pthread_mutex_lock(&reg_mu);
    int n = nhooks;
    pthread_mutex_unlock(&reg_mu);
    for (int i = 0; i < n; i++)
        hooks[i].fn(r->c, r->inst, r->def_key, r->bk, state, r->vars, hooks[i].ctx);
}

const wf_model *eg__wf_model_get(eg_conn *c, int64_t def_id, const char *sha)
{
    const wf_model *m = NULL;
    pthread_mutex_lock(&reg_mu);
    for (int i = 0; i < ncache; i++)
        if (!strcmp(cache[i].sha, sha))
            m = cache[i].m;
    pthread_mutex_unlock(&reg_mu);
    if (m)
        return m;
    eg_arena *a = eg_arena_new(0);
    char *xml = NULL;
    if (eg_query_text(c, a, &xml, "SELECT xml FROM wf_definition WHERE id = ?", "l", def_id)) {
        eg_arena_free(a);
        return NULL;
    }
    char err[400];
    wf_model *nm = eg__wf_model_parse(xml, strlen(xml), err, sizeof(err));
    eg_arena_free(a);
    if (!nm)
        return NULL;
    pthread_mutex_lock(&reg_mu);
    for (int i = 0; i < ncache; i++)
        if (!strcmp(cache[i].sha, sha))
            m = cache[i].m;
    if (!m) {
        if (ncache == capcache) {
            capcache = capcache ? capcache * 2 : 16;
            cache = realloc(cache, sizeof(*cache) * (size_t)capcache);
        }
        snprintf(cache[ncache].sha, sizeof(cache[ncache].sha), "%s", sha);
        cache[ncache].m = nm;
        ncache++;
        m = nm;
        nm = NULL;
    }
    pthread_mutex_unlock(&reg_mu);
    eg__wf_model_free(nm);
    return m;
}

/* ---------------------------------------------------------------- run context */

int eg_wf_deploy(eg_conn *c, const char *xml, size_t len, const char *by, char key[128],
                 int *version, char *err, size_t errlen)
{
    wf_model *m = eg__wf_model_parse(xml, len, err, errlen);
    if (!m)
        return EG_EUNPROCESSABLE;
    snprintf(key, 128, "%s", m->key);
    char sha[65];
    eg_sha256_hex(xml, len, sha);
    char ts[25];
    eg_time_iso_ms(eg_now_ms(), ts);
    eg_arena *a = eg_arena_new(0);
    int rc = eg_tx_begin(c);
    int64_t latest = 0;
    char *lsha = NULL;
    if (!rc) {
        eg_query_int64(c, &latest,
                       "SELECT COALESCE(MAX(version), 0) FROM wf_definition WHERE "
                       "def_key = ?",
                       "t", key);
        if (latest)
            eg_query_text(c, a, &lsha,
                          "SELECT sha256 FROM wf_definition WHERE def_key = ? AND version = ?",
                          "tl", key, latest);
    }
    if (!rc && lsha && !strcmp(lsha, sha)) {
        *version = (int)latest; /* the same document again: no new version */
    } else if (!rc) {
        char *x = eg_arena_strndup(a, xml, len);
        rc = eg_exec(c, NULL,
                     "INSERT INTO wf_definition (def_key, version, name, xml, sha256, "
                     "deployed_at, deployed_by) VALUES (?,?,?,?,?,?,?)",
                     "tlttttt", key, latest + 1, m->name, x, sha, ts, by);
        *version = (int)latest + 1;
        if (!rc) {
            eg_audit_event ev = {.actor = by ? by : "system",
                                 .action = "workflow.definition.deploy",
                                 .object_type = "workflow_definition",
                                 .object_id = key};
            rc = eg_audit_append(c, &ev);
        }
    }
    rc = rc ? (eg_tx_rollback(c), rc) : eg_tx_commit(c);
    eg_arena_free(a);
    eg__wf_model_free(m);
    return rc;
}

int eg_wf_start(eg_app *app, eg_conn *c, const eg_wf_start_opts *o, int64_t *instance_id, char *err,
                size_t errlen)
{
    wf_run r;
    eg__wf_r_init(&r, app, c, o->by, err, errlen);
    int rc = eg_tx_begin(c);
    if (rc) {
        eg_arena_free(r.a);
        return rc;
    }
    if (o->idempotency_key && o->by) {
        int64_t prev = 0;
        if (eg_query_int64(c, &prev,
                           "SELECT id FROM wf_instance WHERE started_by = ? AND idem_key = ?", "tt",
                           o->by, o->idempotency_key) == EG_OK) {
            *instance_id = prev;
            eg_tx_commit(c);
            eg_arena_free(r.a);
            return EG_OK;
        }
    }
    int64_t def = 0, ver = 0;
    char sha[65] = "";
    eg_stmt *st;
    rc = eg_query(c, &st,
                  "SELECT id, version, sha256 FROM wf_definition WHERE def_key = ? ORDER BY "
                  "version DESC LIMIT 1",
                  "t", o->definition_key);
    if (!rc) {
        if (eg_step(st) == EG_ROW) {
            def = eg_col_int64(st, 0);
            ver = eg_col_int64(st, 1);
            snprintf(sha, sizeof(sha), "%s", eg_col_text(st, 2));
        }
        eg_stmt_done(st);
        if (!def)
            rc = eg__wf_fail(&r, EG_ENOTFOUND, "không có quy trình '%s'", o->definition_key);
    }
    if (!rc) {
        r.m = eg__wf_model_get(c, def, sha);
        if (!r.m)
            rc = EG_EINTERNAL;
    }
    r.vars =
        o->variables && json_is_object(o->variables) ? json_deep_copy(o->variables) : json_object();
    if (!rc && o->variables && !json_is_object(o->variables) && !json_is_null(o->variables))
        rc = eg__wf_fail(&r, EG_EUNPROCESSABLE, "variables phải là một đối tượng JSON");
    r.vars_dirty = 1; /* the row was inserted with '{}' */
    r.def_key = o->definition_key;
    r.bk = o->business_key;
    r.agency = o->agency_code;
    int64_t due = o->due_ms;
    if (!rc && !due && r.m->working_days > 0) {
        if (r.app && r.app->calendar)
            eg_calendar_deadline(r.app->calendar, r.now, r.m->working_days, &due);
        else
            due = r.now + (int64_t)r.m->working_days * 86400000;
    }
    if (!rc) {
        eg_stmt *ist;
        rc = eg_prepare(c,
                        "INSERT INTO wf_instance (definition_id, def_key, version, business_key, "
                        "agency_code, state, variables, started_at, started_by, due_at, "
                        "idem_key) VALUES (?,?,?,?,?,'active','{}',?,?,?,?) RETURNING id",
                        &ist);
        if (!rc) {
            eg_bind_int64(ist, 1, def);
            eg_bind_text(ist, 2, o->definition_key, -1);
            eg_bind_int64(ist, 3, ver);
            eg_bind_text(ist, 4, o->business_key, -1);
            eg_bind_text(ist, 5, o->agency_code, -1);
            eg_bind_int64(ist, 6, r.now);
            eg_bind_text(ist, 7, o->by, -1);
            if (due)
                eg_bind_int64(ist, 8, due);
            else
                eg_bind_null(ist, 8);
            eg_bind_text(ist, 9, o->idempotency_key, -1);
            rc = eg_step(ist);
            if (rc == EG_ROW) {
                r.inst = eg_col_int64(ist, 0);
                rc = EG_OK;
            } else if (rc == EG_DONE)
                rc = EG_EDB;
            eg_stmt_done(ist);
        }
    }
    if (!rc) {
        r.nq = 0;
        /* enter the start event directly */
        rc = eg__wf_hist(&r, r.m->start, 0, o->by, NULL, NULL);
        if (!rc)
            rc = eg__wf_leave(&r, r.m->start);
        if (!rc)
            rc = eg__wf_run(&r);
    }
    if (!rc)
        rc = eg__wf_save(&r);
    if (!rc)
        rc = eg__wf_audit(&r, "workflow.instance.start",
                          json_pack("{s:s, s:I}", "definition_key", o->definition_key, "version",
                                    (json_int_t)ver));
    if (!rc) {
        *instance_id = r.inst;
        __atomic_add_fetch(&eg__wf_instances_started, 1, __ATOMIC_RELAXED);
    }
    return eg__wf_r_finish(&r, rc);
}

/* Completes (or, with ret_reason, returns to the previous step) an open task. */
static int finish_task(eg_app *app, eg_conn *c, int64_t task_id, const char *by, const json_t *vars,
                       const char *ret_reason, char *err, size_t errlen)
{
    wf_run r;
    eg__wf_r_init(&r, app, c, by, err, errlen);
    int rc = eg_tx_begin(c);
    if (rc) {
        eg_arena_free(r.a);
        return rc;
    }
    int64_t inst = 0, tok = 0, hid = 0;
    char *el_id = NULL, *state = NULL;
    eg_stmt *st;
    rc = eg_query(c, &st,
                  "SELECT instance_id, token_id, element_id, state FROM wf_task WHERE id = ?", "l",
                  task_id);
    if (!rc) {
        if (eg_step(st) == EG_ROW) {
            inst = eg_col_int64(st, 0);
            tok = eg_col_int64(st, 1);
            el_id = eg_arena_strdup(r.a, eg_col_text(st, 2));
            state = eg_arena_strdup(r.a, eg_col_text(st, 3));
        }
        eg_stmt_done(st);
    }
    if (!rc && !inst)
        rc = eg__wf_fail(&r, EG_ENOTFOUND, "không có công việc");
    if (!rc && strcmp(state, "open") != 0)
        rc = eg__wf_fail(&r, EG_ECONFLICT, "công việc đã ở trạng thái '%s'", state);
    if (!rc)
        rc = eg__wf_load(&r, inst);
    int el = rc ? -1 : eg__wf_el_index(r.m, el_id);
    if (!rc && el < 0)
        rc = EG_EINTERNAL;
    if (!rc)
        rc = eg__wf_merge_vars(&r, vars);
    int64_t prev_task = 0;
    int prev_el = -1;
    char *prev_by = NULL;
    if (!rc && ret_reason) {
        rc = eg_query(c, &st,
                      "SELECT id, element_id, completed_by FROM wf_task WHERE instance_id = ? "
                      "AND state = 'completed' AND element_id <> ? ORDER BY completed_at DESC, "
                      "id DESC LIMIT 1",
                      "lt", inst, el_id);
        if (!rc) {
            if (eg_step(st) == EG_ROW) {
                prev_task = eg_col_int64(st, 0);
                prev_el = eg__wf_el_index(r.m, eg_col_text(st, 1));
                prev_by = eg_arena_strdup(r.a, eg_col_text(st, 2));
            }
            eg_stmt_done(st);
        }
        if (!rc && (!prev_task || prev_el < 0))
            rc = eg__wf_fail(&r, EG_ECONFLICT, "không có bước trước để trả lại");
    }
    if (!rc) {
        int64_t n = 0;
        rc = eg_exec(c, &n,
                     "UPDATE wf_task SET state = ?, completed_at = ?, completed_by = ?, rev = "
                     "rev + 1 WHERE id = ? AND state = 'open'",
                     "tltl", ret_reason ? "returned" : "completed", r.now, by, task_id);
        if (!rc && n != 1)
            rc = eg__wf_fail(&r, EG_ECONFLICT, "công việc đã được xử lý");
    }
    if (!rc)
        rc = eg_query_int64(c, &hid, "SELECT COALESCE(hist_id, 0) FROM wf_token WHERE id = ?", "l",
                            tok);
    if (!rc)
        rc = eg__wf_cancel_token_work(&r, tok, NULL); /* the task was settled above */
    if (!rc)
        rc = eg__wf_hist_end(&r, hid, by, ret_reason ? ret_reason : NULL);
    if (!rc && ret_reason) {
        r.force_assignee = prev_by;
        r.q = eg_arena_alloc(r.a, sizeof(int) * 16);
        r.capq = 16;
        r.q[r.nq++] = prev_el;
    } else if (!rc) {
        rc = eg__wf_leave(&r, el);
    }
    if (!rc)
        rc = eg__wf_run(&r);
    if (!rc)
        rc = eg__wf_save(&r);
    if (!rc)
        rc = eg__wf_audit(
            &r, ret_reason ? "workflow.task.return" : "workflow.task.complete",
            json_pack("{s:I, s:s}", "task_id", (json_int_t)task_id, "element_id", el_id));
    if (!rc)
        __atomic_add_fetch(&eg__wf_tasks_completed, 1, __ATOMIC_RELAXED);
    return eg__wf_r_finish(&r, rc);
}

int eg_wf_complete_task(eg_app *app, eg_conn *c, int64_t task_id, const char *by,
                        const json_t *vars, char *err, size_t errlen)
{
    return finish_task(app, c, task_id, by, vars, NULL, err, errlen);
}

int eg__wf_return_task(eg_app *app, eg_conn *c, int64_t task_id, const char *by, const char *reason,
                       char *err, size_t errlen);
int eg__wf_return_task(eg_app *app, eg_conn *c, int64_t task_id, const char *by, const char *reason,
                       char *err, size_t errlen)
{
    return finish_task(app, c, task_id, by, NULL, reason, err, errlen);
}

int eg_wf_signal(eg_app *app, eg_conn *c, int64_t instance_id, const char *element_id,
                 const char *by, const json_t *vars, char *err, size_t errlen)
{
    int64_t tid = 0;
    int rc = eg_query_int64(c, &tid,
                            "SELECT id FROM wf_task WHERE instance_id = ? AND element_id = ? AND "
                            "state = 'open' ORDER BY id LIMIT 1",
                            "lt", instance_id, element_id);
    if (rc == EG_ENOTFOUND && err)
        snprintf(err, errlen, "không có công việc đang mở tại '%s'", element_id);
    if (rc)
        return rc;
    return finish_task(app, c, tid, by, vars, NULL, err, errlen);
}

int eg_wf_terminate(eg_app *app, eg_conn *c, int64_t instance_id, const char *by,
                    const char *reason)
{
    wf_run r;
    eg__wf_r_init(&r, app, c, by, NULL, 0);
    int rc = eg_tx_begin(c);
    if (rc) {
        eg_arena_free(r.a);
        return rc;
    }
    rc = eg__wf_load(&r, instance_id);
    if (!rc)
        rc = eg__wf_cancel_all(&r, reason ? reason : "terminated");
    r.ended = 2;
    if (!rc)
        rc = eg__wf_save(&r);
    if (!rc)
        rc = eg__wf_audit(&r, "workflow.instance.terminate", json_pack("{s:s?}", "reason", reason));
    return eg__wf_r_finish(&r, rc);
}

int eg_wf_find_by_business_key(eg_conn *c, const char *business_key, int64_t *instance_id)
{
    return eg_query_int64(c, instance_id,
                          "SELECT id FROM wf_instance WHERE business_key = ? ORDER BY id DESC "
                          "LIMIT 1",
                          "t", business_key);
}

/* ---------------------------------------------------------------- scheduler */

/* Fires one claimed timer. Returns 1 when it fired, 0 when someone else had it. */
