/*
 * run.c - moving tokens through a model inside one operation's transaction: history rows,
 * waiting tokens, user tasks with due dates in working time, boundary/intermediate timers,
 * service-task calls in a savepoint (jobs on failure), gateways (exclusive, parallel join,
 * inclusive join settled when nothing else can arrive), end events, and writing the instance
 * back. engine.c (operations) and sched.c (timers, jobs) build on these helpers.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "audit/audit.h"
#include "workflow/internal.h"

#define MAX_STEPS 10000

static const char *type_name(int t)
{
    static const char *const n[] = {"",
                                    "startEvent",
                                    "endEvent",
                                    "userTask",
                                    "serviceTask",
                                    "task",
                                    "exclusiveGateway",
                                    "parallelGateway",
                                    "inclusiveGateway",
                                    "intermediateCatchEvent",
                                    "intermediateThrowEvent",
                                    "boundaryEvent"};
    return t > 0 && t <= WF_BOUNDARY ? n[t] : "?";
}

int eg__wf_fail(wf_run *r, int rc, const char *fmt, ...)
{
    if (r->err && r->errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(r->err, r->errlen, fmt, ap);
        va_end(ap);
    }
    return rc;
}

int eg__wf_hist(wf_run *r, int el, int open, const char *actor, const char *detail, int64_t *id)
{
    int64_t hid = 0;
    int rc;
    if (open)
        rc = eg_query_int64(r->c, &hid,
                            "INSERT INTO wf_history (instance_id, element_id, element_type, "
                            "started_at, ended_at, actor, detail) VALUES (?,?,?,?,NULL,?,?) "
                            "RETURNING id",
                            "lttltt", r->inst, r->m->els[el].id, type_name(r->m->els[el].type),
                            r->now, actor, detail);
    else
        rc = eg_exec(r->c, NULL,
                     "INSERT INTO wf_history (instance_id, element_id, element_type, started_at, "
                     "ended_at, actor, detail) VALUES (?,?,?,?,?,?,?)",
                     "lttlltt", r->inst, r->m->els[el].id, type_name(r->m->els[el].type), r->now,
                     r->now, actor, detail);
    if (id)
        *id = hid;
    return rc;
}

int eg__wf_hist_end(wf_run *r, int64_t hid, const char *actor, const char *detail)
{
    if (!hid)
        return EG_OK;
    return eg_exec(r->c, NULL,
                   "UPDATE wf_history SET ended_at = ?, actor = COALESCE(?, actor), detail = "
                   "COALESCE(?, detail) WHERE id = ?",
                   "lttl", r->now, actor, detail, hid);
}

int eg__wf_token(wf_run *r, int el, int64_t hid, int64_t *id)
{
    return eg_query_int64(r->c, id,
                          "INSERT INTO wf_token (instance_id, element_id, hist_id, created_at) "
                          "VALUES (?,?,?,?) RETURNING id",
                          "ltll", r->inst, r->m->els[el].id, hid, r->now);
}

static void push(wf_run *r, int el)
{
    if (r->nq == r->capq) {
        r->capq = r->capq ? r->capq * 2 : 16;
        int *nq = eg_arena_alloc(r->a, sizeof(int) * (size_t)r->capq);
        if (r->nq)
            memcpy(nq, r->q, sizeof(int) * (size_t)r->nq);
        r->q = nq;
    }
    r->q[r->nq++] = r->m->flows[el].dst;
}

static int cond_true(wf_run *r, const wf_flow *f, int *out)
{
    if (!f->cond) {
        *out = 1;
        return EG_OK;
    }
    char e[200];
    int rc = eg__wf_expr_truth(f->cond, r->vars, out, e, sizeof(e));
    if (rc) {
        snprintf(r->err, r->errlen, "luồng '%s': %s", f->id, e);
        return EG_EUNPROCESSABLE;
    }
    return EG_OK;
}

/* Takes the outgoing flows of el per its kind. */
int eg__wf_leave(wf_run *r, int el)
{
    const wf_el *e = &r->m->els[el];
    int taken = 0, rc;
    for (int k = 0; k < e->nout; k++) {
        int f = e->out[k], t;
        if (f == e->default_flow)
            continue;
        if (e->type == WF_AND) {
            push(r, f);
            taken++;
            continue;
        }
        if ((rc = cond_true(r, &r->m->flows[f], &t)))
            return rc;
        if (t) {
            push(r, f);
            taken++;
            if (e->type == WF_XOR)
                return EG_OK;
        }
    }
    if (!taken && e->default_flow >= 0) {
        push(r, e->default_flow);
        taken++;
    }
    if (!taken && e->nout > 0)
        return eg__wf_fail(
            r, EG_EUNPROCESSABLE,
            "phần tử '%s': không có luồng nào thỏa điều kiện và không có luồng mặc định", e->id);
    return EG_OK;
}

int eg__wf_cancel_token_work(wf_run *r, int64_t tok, const char *task_state)
{
    int rc = EG_OK;
    if (task_state)
        rc = eg_exec(r->c, NULL,
                     "UPDATE wf_task SET state = ?, completed_at = ?, rev = rev + 1 WHERE "
                     "instance_id = ? AND token_id = ? AND state = 'open'",
                     "tlll", task_state, r->now, r->inst, tok);
    if (!rc)
        rc = eg_exec(r->c, NULL,
                     "UPDATE wf_timer SET state = 'cancelled' WHERE token_id = ? AND state = "
                     "'pending'",
                     "l", tok);
    if (!rc)
        rc = eg_exec(r->c, NULL,
                     "UPDATE wf_job SET state = 'cancelled' WHERE token_id = ? AND state IN "
                     "('pending','incident')",
                     "l", tok);
    if (!rc)
        rc = eg_exec(r->c, NULL, "DELETE FROM wf_token WHERE id = ?", "l", tok);
    return rc;
}

int eg__wf_cancel_all(wf_run *r, const char *why)
{
    int rc = eg_exec(r->c, NULL,
                     "UPDATE wf_task SET state = 'cancelled', completed_at = ?, rev = rev + 1 "
                     "WHERE instance_id = ? AND state = 'open'",
                     "ll", r->now, r->inst);
    if (!rc)
        rc = eg_exec(r->c, NULL,
                     "UPDATE wf_timer SET state = 'cancelled' WHERE instance_id = ? AND state = "
                     "'pending'",
                     "l", r->inst);
    if (!rc)
        rc = eg_exec(r->c, NULL,
                     "UPDATE wf_job SET state = 'cancelled' WHERE instance_id = ? AND state IN "
                     "('pending','incident')",
                     "l", r->inst);
    if (!rc)
        rc = eg_exec(r->c, NULL,
                     "UPDATE wf_history SET ended_at = ?, detail = COALESCE(detail, ?) WHERE "
                     "instance_id = ? AND ended_at IS NULL",
                     "ltl", r->now, why, r->inst);
    if (!rc)
        rc = eg_exec(r->c, NULL, "DELETE FROM wf_token WHERE instance_id = ?", "l", r->inst);
    return rc;
}

static int add_timers(wf_run *r, int el, int64_t tok)
{
    const wf_el *e = &r->m->els[el];
    int rc = EG_OK;
    int ids[64], n = 0;
    if (e->type == WF_TIMER_CATCH)
        ids[n++] = el;
    for (int k = 0; k < e->nbounds && n < 64; k++)
        ids[n++] = e->bounds[k];
    for (int k = 0; k < n && !rc; k++) {
        int64_t due;
        char msg[200];
        rc = eg__wf_timer_due(&r->m->els[ids[k]].timer, r->vars, r->app ? r->app->calendar : NULL,
                              r->now, &due, msg, sizeof(msg));
        if (rc)
            return eg__wf_fail(r, EG_EUNPROCESSABLE, "hẹn giờ: %s", msg);
        rc = eg_exec(r->c, NULL,
                     "INSERT INTO wf_timer (instance_id, element_id, token_id, due_at, state) "
                     "VALUES (?,?,?,?, 'pending')",
                     "ltll", r->inst, r->m->els[ids[k]].id, tok, due);
    }
    return rc;
}

static const char *resolve_assignee(wf_run *r, const char *a)
{
    if (!a || (a[0] != '$' && a[0] != '#'))
        return a;
    char e[200];
    wf_expr *x = eg__wf_expr_parse(r->a, a, e, sizeof(e));
    json_t *v = NULL;
    if (!x || eg__wf_expr_value(x, r->vars, &v, e, sizeof(e)))
        return NULL;
    const char *s = json_is_string(v) ? eg_arena_strdup(r->a, json_string_value(v)) : NULL;
    json_decref(v);
    return s;
}

static int enter_user_task(wf_run *r, int el)
{
    const wf_el *e = &r->m->els[el];
    int64_t hid, tok, due = 0;
    int rc = eg__wf_hist(r, el, 1, NULL, NULL, &hid);
    if (!rc)
        rc = eg__wf_token(r, el, hid, &tok);
    if (rc)
        return rc;
    r->waits++;
    char msg[200];
    if (e->due_working_days > 0) {
        if (r->app && r->app->calendar)
            eg_calendar_deadline(r->app->calendar, r->now, e->due_working_days, &due);
        else
            due = r->now + (int64_t)e->due_working_days * 86400000;
    } else if (e->due_date &&
               eg__wf_due_value(e->due_date, r->vars, r->now, &due, msg, sizeof(msg)))
        return eg__wf_fail(r, EG_EUNPROCESSABLE, "dueDate: %s", msg);
    const char *assignee = r->force_assignee ? r->force_assignee : resolve_assignee(r, e->assignee);
    r->force_assignee = NULL;
    eg_stmt *st;
    rc = eg_prepare(r->c,
                    "INSERT INTO wf_task (instance_id, token_id, element_id, name, def_key, "
                    "business_key, agency_code, candidate_groups, candidate_users, assignee, "
                    "state, created_at, due_at, claimed_at) VALUES "
                    "(?,?,?,?,?,?,?,?,?,?,'open',?,?,?) RETURNING id",
                    &st);
    if (rc)
        return rc;
    eg_bind_int64(st, 1, r->inst);
    eg_bind_int64(st, 2, tok);
    eg_bind_text(st, 3, e->id, -1);
    eg_bind_text(st, 4, e->name ? e->name : e->id, -1);
    eg_bind_text(st, 5, r->def_key, -1);
    eg_bind_text(st, 6, r->bk, -1);
    eg_bind_text(st, 7, r->agency, -1);
    eg_bind_text(st, 8, e->candidate_groups, -1);
    eg_bind_text(st, 9, e->candidate_users, -1);
    eg_bind_text(st, 10, assignee, -1);
    eg_bind_int64(st, 11, r->now);
    if (due)
        eg_bind_int64(st, 12, due);
    else
        eg_bind_null(st, 12);
    if (assignee)
        eg_bind_int64(st, 13, r->now);
    else
        eg_bind_null(st, 13);
    rc = eg_step(st);
    if (rc == EG_ROW) {
        r->last_task = eg_col_int64(st, 0);
        rc = EG_OK;
    } else if (rc == EG_DONE)
        rc = EG_EDB;
    eg_stmt_done(st);
    if (!rc)
        rc = add_timers(r, el, tok);
    return rc;
}

/* Calls a service handler inside a savepoint on a copy of the variables. */
int eg__wf_call_handler(wf_run *r, int el, int attempt, char *msg, size_t msglen)
{
    const wf_el *e = &r->m->els[el];
    void *ctx = NULL;
    eg_wf_handler fn = eg__wf_find_handler(e->handler, &ctx);
    if (!fn) {
        snprintf(msg, msglen, "chưa có bộ xử lý '%s'", e->handler);
        return EG_EUNAVAIL;
    }
    json_t *copy = json_deep_copy(r->vars);
    eg_wf_call call = {.instance_id = r->inst,
                       .definition_key = r->def_key,
                       .business_key = r->bk,
                       .agency_code = r->agency,
                       .element_id = e->id,
                       .handler = e->handler,
                       .attempt = attempt,
                       .vars = copy};
    int rc = eg_tx_begin(r->c);
    if (rc) {
        json_decref(copy);
        return rc;
    }
    msg[0] = 0;
    rc = fn(r->c, &call, ctx, msg, msglen);
    if (rc) {
        eg_tx_rollback(r->c);
        json_decref(copy);
        if (!msg[0])
            snprintf(msg, msglen, "%s", eg_errname(rc));
        return rc;
    }
    rc = eg_tx_commit(r->c);
    if (rc || !json_is_object(copy)) {
        json_decref(copy);
        return rc ? rc : EG_EINTERNAL;
    }
    json_decref(r->vars);
    r->vars = copy;
    r->vars_dirty = 1;
    return EG_OK;
}

static int enter_service_task(wf_run *r, int el)
{
    int64_t hid, tok;
    int rc = eg__wf_hist(r, el, 1, "system", NULL, &hid);
    if (rc)
        return rc;
    char msg[300];
    /* An LGSP call is never made inside the step's transaction (the exchange writes the
     * message log and may wait on an upstream): the token waits as a job due now, and the
     * scheduler makes the call outside any transaction (sched.c run_job). */
    int remote = EG__WF_IS_LGSP(r->m->els[el].handler);
    if (!remote && eg__wf_call_handler(r, el, 1, msg, sizeof(msg)) == 0) {
        rc = eg__wf_hist_end(r, hid, NULL, NULL);
        return rc ? rc : eg__wf_leave(r, el);
    }
    if (!remote)
        __atomic_add_fetch(&eg__wf_jobs_failed, 1, __ATOMIC_RELAXED);
    r->waits++;
    rc = eg__wf_token(r, el, hid, &tok);
    if (!rc)
        rc = eg_exec(r->c, NULL,
                     "INSERT INTO wf_job (instance_id, token_id, element_id, handler, attempts, "
                     "next_at, state, last_error, created_at) VALUES (?,?,?,?,?,?,'pending',?,?)",
                     "llttiltl", r->inst, tok, r->m->els[el].id, r->m->els[el].handler,
                     remote ? 0 : 1, remote ? r->now : r->now + 2000, remote ? NULL : msg, r->now);
    if (!rc)
        rc = add_timers(r, el, tok);
    return rc;
}

static int64_t count_tokens(wf_run *r, const char *el)
{
    int64_t n = 0;
    if (el)
        eg_query_int64(r->c, &n,
                       "SELECT COUNT(*) FROM wf_token WHERE instance_id = ? AND element_id = ?",
                       "lt", r->inst, el);
    else
        eg_query_int64(r->c, &n, "SELECT COUNT(*) FROM wf_token WHERE instance_id = ?", "l",
                       r->inst);
    return n;
}

static int enter(wf_run *r, int el)
{
    const wf_el *e = &r->m->els[el];
    int rc;
    switch (e->type) {
    case WF_USER_TASK:
        return enter_user_task(r, el);
    case WF_SERVICE_TASK:
        return enter_service_task(r, el);
    case WF_TIMER_CATCH: {
        int64_t hid, tok;
        rc = eg__wf_hist(r, el, 1, NULL, NULL, &hid);
        if (!rc)
            rc = eg__wf_token(r, el, hid, &tok);
        r->waits++;
        return rc ? rc : add_timers(r, el, tok);
    }
    case WF_END:
        if ((rc = eg__wf_hist(r, el, 0, NULL, NULL, NULL)))
            return rc;
        if (e->terminate) {
            r->nq = 0;
            r->ended = 1;
            return eg__wf_cancel_all(r, "terminate end event");
        }
        return EG_OK;
    case WF_AND:
    case WF_OR:
        if (e->nin > 1) {
            int64_t tok;
            if ((rc = eg__wf_token(r, el, 0, &tok)))
                return rc;
            if (e->type == WF_OR)
                return EG_OK; /* settled when nothing else can arrive */
            if (count_tokens(r, e->id) < e->nin)
                return EG_OK;
            rc =
                eg_exec(r->c, NULL, "DELETE FROM wf_token WHERE instance_id = ? AND element_id = ?",
                        "lt", r->inst, e->id);
            if (rc)
                return rc;
        }
        /* fall through */
    default:
        rc = eg__wf_hist(r, el, 0, NULL, NULL, NULL);
        return rc ? rc : eg__wf_leave(r, el);
    }
}

static int has_or_join(const wf_model *m)
{
    for (int i = 0; i < m->nel; i++)
        if (m->els[i].type == WF_OR && m->els[i].nin > 1)
            return 1;
    return 0;
}

/* Runs queued elements; then fires inclusive joins nothing else can reach; then ends the
 * instance when no token is left. */
int eg__wf_run(wf_run *r)
{
    for (;;) {
        while (r->nq > 0) {
            int el = r->q[0];
            memmove(r->q, r->q + 1, sizeof(int) * (size_t)(r->nq - 1));
            r->nq--;
            if (++r->steps > MAX_STEPS)
                return eg__wf_fail(r, EG_EUNPROCESSABLE, "quy trình lặp vô hạn (quá %s bước)",
                                   "10000");
            int rc = enter(r, el);
            if (rc)
                return rc;
        }
        if (r->ended)
            break;
        /* a wait state entered now is still there (only a terminate end removes it, and that
         * ends the instance): the instance goes on, and without inclusive joins there is
         * nothing else to settle */
        if (r->waits > 0 && !has_or_join(r->m))
            break;
        int fired = 0;
        int64_t total = count_tokens(r, NULL);
        for (int i = 0; i < r->m->nel && !fired; i++) {
            const wf_el *e = &r->m->els[i];
            if (e->type != WF_OR || e->nin < 2)
                continue;
            int64_t here = count_tokens(r, e->id);
            if (here > 0 && here == total) {
                int rc = eg_exec(r->c, NULL,
                                 "DELETE FROM wf_token WHERE instance_id = ? AND element_id = ?",
                                 "lt", r->inst, e->id);
                if (!rc)
                    rc = eg__wf_hist(r, i, 0, NULL, NULL, NULL);
                if (!rc)
                    rc = eg__wf_leave(r, i);
                if (rc)
                    return rc;
                fired = 1;
            }
        }
        if (!fired) {
            if (total == 0)
                r->ended = 1;
            break;
        }
    }
    return EG_OK;
}

int eg__wf_audit(wf_run *r, const char *action, json_t *detail)
{
    char sid[32];
    snprintf(sid, sizeof(sid), "%lld", (long long)r->inst);
    eg_audit_event ev = {.actor = r->actor ? r->actor : "system",
                         .action = action,
                         .object_type = "workflow_instance",
                         .object_id = sid,
                         .agency = r->agency,
                         .detail = detail};
    int rc = eg_audit_append(r->c, &ev);
    json_decref(detail);
    return rc;
}

/* Writes variables and state back. */
int eg__wf_save(wf_run *r)
{
    char *v = r->ended || r->vars_dirty ? eg_json_dump_arena(r->a, r->vars) : NULL;
    const char *state = r->ended == 2 ? "terminated" : r->ended ? "completed" : "active";
    int rc = EG_OK;
    if (r->ended)
        rc = eg_exec(r->c, NULL,
                     "UPDATE wf_instance SET variables = ?, state = ?, ended_at = ? WHERE id = ?",
                     "ttll", v, state, r->now, r->inst);
    else if (r->vars_dirty)
        rc = eg_exec(r->c, NULL, "UPDATE wf_instance SET variables = ? WHERE id = ?", "tl", v,
                     r->inst);
    if (!rc && r->ended) {
        __atomic_add_fetch(&eg__wf_instances_ended, 1, __ATOMIC_RELAXED);
        eg__wf_call_hooks(r, state);
    }
    return rc;
}

/* Locks an active instance and fills r (arena strings, variables). */
int eg__wf_load(wf_run *r, int64_t inst)
{
    int64_t n = 0;
    int rc = eg_exec(r->c, &n,
                     "UPDATE wf_instance SET rev = rev + 1 WHERE id = ? AND state = "
                     "'active'",
                     "l", inst);
    if (rc)
        return rc;
    if (n == 0)
        return eg__wf_fail(r, EG_ECONFLICT, "hồ sơ quy trình không còn hoạt động");
    eg_stmt *st;
    rc = eg_query(r->c, &st,
                  "SELECT i.definition_id, i.def_key, i.business_key, i.agency_code, "
                  "i.variables, d.sha256 FROM wf_instance i JOIN wf_definition d ON d.id = "
                  "i.definition_id WHERE i.id = ?",
                  "l", inst);
    if (rc)
        return rc;
    if (eg_step(st) != EG_ROW) {
        eg_stmt_done(st);
        return EG_ENOTFOUND;
    }
    int64_t def = eg_col_int64(st, 0);
    r->def_key = eg_arena_strdup(r->a, eg_col_text(st, 1));
    r->bk = eg_arena_strdup(r->a, eg_col_text(st, 2));
    r->agency = eg_arena_strdup(r->a, eg_col_text(st, 3));
    const char *vs = eg_col_text(st, 4);
    r->vars = json_loads(vs ? vs : "{}", 0, NULL);
    char sha[65];
    snprintf(sha, sizeof(sha), "%s", eg_col_text(st, 5) ? eg_col_text(st, 5) : "");
    eg_stmt_done(st);
    if (!r->vars)
        r->vars = json_object();
    r->inst = inst;
    r->m = eg__wf_model_get(r->c, def, sha);
    return r->m ? EG_OK : eg__wf_fail(r, EG_EINTERNAL, "không đọc được định nghĩa quy trình");
}

void eg__wf_r_init(wf_run *r, eg_app *app, eg_conn *c, const char *by, char *err, size_t errlen)
{
    memset(r, 0, sizeof(*r));
    r->app = app ? app : eg__wf_app;
    r->c = c;
    r->a = eg_arena_new(0);
    r->now = eg_now_ms();
    r->actor = by;
    r->err = err;
    r->errlen = errlen;
    if (err && errlen)
        err[0] = 0;
}

int eg__wf_r_finish(wf_run *r, int rc)
{
    rc = rc ? (eg_tx_rollback(r->c), rc) : eg_tx_commit(r->c);
    json_decref(r->vars);
    eg_arena_free(r->a);
    return rc;
}

int eg__wf_merge_vars(wf_run *r, const json_t *vars)
{
    if (!vars || json_is_null(vars))
        return EG_OK;
    if (!json_is_object(vars))
        return eg__wf_fail(r, EG_EUNPROCESSABLE, "variables phải là một đối tượng JSON");
    if (json_object_size(vars) > 0)
        r->vars_dirty = 1;
    return json_object_update(r->vars, (json_t *)vars) ? EG_EINTERNAL : EG_OK;
}

/* ---------------------------------------------------------------- public operations */
