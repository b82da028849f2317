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
 * Models are parsed once per definition id and cached (definitions are immutable).
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

#define MAX_ATTEMPTS 3
#define MAX_STEPS    10000

/* ---------------------------------------------------------------- registries */

static pthread_mutex_t reg_mu = PTHREAD_MUTEX_INITIALIZER;
static struct {
    char *name;
    eg_wf_handler fn;
    void *ctx;
} handlers[64];
static int nhandlers;
static eg_wf_handler lgsp_fn;
static void *lgsp_ctx;
static struct {
    eg_wf_end_hook fn;
    void *ctx;
} hooks[8];
static int nhooks;
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

void eg_wf_set_lgsp_caller(eg_wf_handler fn, void *ctx)
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

static eg_wf_handler find_handler(const char *name, void **ctx)
{
    eg_wf_handler fn = NULL;
    pthread_mutex_lock(&reg_mu);
    if (!strncmp(name, "lgsp:", 5)) {
        fn = lgsp_fn;
        *ctx = lgsp_ctx;
    } else {
        for (int i = 0; i < nhandlers; i++)
            if (!strcmp(handlers[i].name, name)) {
                fn = handlers[i].fn;
                *ctx = handlers[i].ctx;
            }
    }
    pthread_mutex_unlock(&reg_mu);
    return fn;
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

typedef struct {
    eg_app *app;
    eg_conn *c;
    eg_arena *a;
    const wf_model *m;
    int64_t inst, now;
    const char *def_key, *bk, *agency, *actor;
    json_t *vars;
    int *q, nq, capq, steps;
    int ended; /* 1 completed, 2 terminated */
    const char *force_assignee;
    int64_t last_task;
    char *err;
    size_t errlen;
} R;

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

static int fail(R *r, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(R *r, int rc, const char *fmt, ...)
{
    if (r->err && r->errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(r->err, r->errlen, fmt, ap);
        va_end(ap);
    }
    return rc;
}

static int hist(R *r, int el, int open, const char *actor, const char *detail, int64_t *id)
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

static int hist_end(R *r, int64_t hid, const char *actor, const char *detail)
{
    if (!hid)
        return EG_OK;
    return eg_exec(r->c, NULL,
                   "UPDATE wf_history SET ended_at = ?, actor = COALESCE(?, actor), detail = "
                   "COALESCE(?, detail) WHERE id = ?",
                   "lttl", r->now, actor, detail, hid);
}

static int token(R *r, int el, int64_t hid, int64_t *id)
{
    return eg_query_int64(r->c, id,
                          "INSERT INTO wf_token (instance_id, element_id, hist_id, created_at) "
                          "VALUES (?,?,?,?) RETURNING id",
                          "ltll", r->inst, r->m->els[el].id, hid, r->now);
}

static void push(R *r, int el)
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

static int cond_true(R *r, const wf_flow *f, int *out)
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
static int leave(R *r, int el)
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
        return fail(r, EG_EUNPROCESSABLE,
                    "phần tử '%s': không có luồng nào thỏa điều kiện và không có luồng mặc định",
                    e->id);
    return EG_OK;
}

static int cancel_token_work(R *r, int64_t tok, const char *task_state)
{
    int rc = eg_exec(r->c, NULL,
                     "UPDATE wf_task SET state = ?, completed_at = ?, rev = rev + 1 WHERE "
                     "token_id = ? AND state = 'open'",
                     "tll", task_state, r->now, tok);
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

static int cancel_all(R *r, const char *why)
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

static int add_timers(R *r, int el, int64_t tok)
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
            return fail(r, EG_EUNPROCESSABLE, "hẹn giờ: %s", msg);
        rc = eg_exec(r->c, NULL,
                     "INSERT INTO wf_timer (instance_id, element_id, token_id, due_at, state) "
                     "VALUES (?,?,?,?, 'pending')",
                     "ltll", r->inst, r->m->els[ids[k]].id, tok, due);
    }
    return rc;
}

static const char *resolve_assignee(R *r, const char *a)
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

static int enter_user_task(R *r, int el)
{
    const wf_el *e = &r->m->els[el];
    int64_t hid, tok, due = 0;
    int rc = hist(r, el, 1, NULL, NULL, &hid);
    if (!rc)
        rc = token(r, el, hid, &tok);
    if (rc)
        return rc;
    char msg[200];
    if (e->due_working_days > 0) {
        if (r->app && r->app->calendar)
            eg_calendar_deadline(r->app->calendar, r->now, e->due_working_days, &due);
        else
            due = r->now + (int64_t)e->due_working_days * 86400000;
    } else if (e->due_date &&
               eg__wf_due_value(e->due_date, r->vars, r->now, &due, msg, sizeof(msg)))
        return fail(r, EG_EUNPROCESSABLE, "dueDate: %s", msg);
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
static int call_handler(R *r, int el, int attempt, char *msg, size_t msglen)
{
    const wf_el *e = &r->m->els[el];
    void *ctx = NULL;
    eg_wf_handler fn = find_handler(e->handler, &ctx);
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
    return EG_OK;
}

static int enter_service_task(R *r, int el)
{
    int64_t hid, tok;
    int rc = hist(r, el, 1, "system", NULL, &hid);
    if (rc)
        return rc;
    char msg[300];
    if (call_handler(r, el, 1, msg, sizeof(msg)) == 0) {
        rc = hist_end(r, hid, NULL, NULL);
        return rc ? rc : leave(r, el);
    }
    __atomic_add_fetch(&eg__wf_jobs_failed, 1, __ATOMIC_RELAXED);
    rc = token(r, el, hid, &tok);
    if (!rc)
        rc = eg_exec(r->c, NULL,
                     "INSERT INTO wf_job (instance_id, token_id, element_id, handler, attempts, "
                     "next_at, state, last_error, created_at) VALUES (?,?,?,?,1,?,'pending',?,?)",
                     "llttltl", r->inst, tok, r->m->els[el].id, r->m->els[el].handler,
                     r->now + 2000, msg, r->now);
    if (!rc)
        rc = add_timers(r, el, tok);
    return rc;
}

static int64_t count_tokens(R *r, const char *el)
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

static int enter(R *r, int el)
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
        rc = hist(r, el, 1, NULL, NULL, &hid);
        if (!rc)
            rc = token(r, el, hid, &tok);
        return rc ? rc : add_timers(r, el, tok);
    }
    case WF_END:
        if ((rc = hist(r, el, 0, NULL, NULL, NULL)))
            return rc;
        if (e->terminate) {
            r->nq = 0;
            r->ended = 1;
            return cancel_all(r, "terminate end event");
        }
        return EG_OK;
    case WF_AND:
    case WF_OR:
        if (e->nin > 1) {
            int64_t tok;
            if ((rc = token(r, el, 0, &tok)))
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
        rc = hist(r, el, 0, NULL, NULL, NULL);
        return rc ? rc : leave(r, el);
    }
}

/* Runs queued elements; then fires inclusive joins nothing else can reach; then ends the
 * instance when no token is left. */
static int run(R *r)
{
    for (;;) {
        while (r->nq > 0) {
            int el = r->q[0];
            memmove(r->q, r->q + 1, sizeof(int) * (size_t)(r->nq - 1));
            r->nq--;
            if (++r->steps > MAX_STEPS)
                return fail(r, EG_EUNPROCESSABLE, "quy trình lặp vô hạn (quá %s bước)", "10000");
            int rc = enter(r, el);
            if (rc)
                return rc;
        }
        if (r->ended)
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
                    rc = hist(r, i, 0, NULL, NULL, NULL);
                if (!rc)
                    rc = leave(r, i);
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

static void call_hooks(R *r, const char *state)
{
    pthread_mutex_lock(&reg_mu);
    int n = nhooks;
    pthread_mutex_unlock(&reg_mu);
    for (int i = 0; i < n; i++)
        hooks[i].fn(r->c, r->inst, r->def_key, r->bk, state, r->vars, hooks[i].ctx);
}

static int audit(R *r, const char *action, json_t *detail)
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
static int save(R *r)
{
    char *v = eg_json_dump_arena(r->a, r->vars);
    const char *state = r->ended == 2 ? "terminated" : r->ended ? "completed" : "active";
    int rc;
    if (r->ended)
        rc = eg_exec(r->c, NULL,
                     "UPDATE wf_instance SET variables = ?, state = ?, ended_at = ? WHERE id = ?",
                     "ttll", v, state, r->now, r->inst);
    else
        rc = eg_exec(r->c, NULL, "UPDATE wf_instance SET variables = ? WHERE id = ?", "tl", v,
                     r->inst);
    if (!rc && r->ended) {
        __atomic_add_fetch(&eg__wf_instances_ended, 1, __ATOMIC_RELAXED);
        call_hooks(r, state);
    }
    return rc;
}

/* Locks an active instance and fills r (arena strings, variables). */
static int load(R *r, int64_t inst)
{
    int64_t n = 0;
    int rc = eg_exec(r->c, &n,
                     "UPDATE wf_instance SET rev = rev + 1 WHERE id = ? AND state = "
                     "'active'",
                     "l", inst);
    if (rc)
        return rc;
    if (n == 0)
        return fail(r, EG_ECONFLICT, "hồ sơ quy trình không còn hoạt động");
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
    return r->m ? EG_OK : fail(r, EG_EINTERNAL, "không đọc được định nghĩa quy trình");
}

static void r_init(R *r, eg_app *app, eg_conn *c, const char *by, char *err, size_t errlen)
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

static int r_finish(R *r, int rc)
{
    rc = rc ? (eg_tx_rollback(r->c), rc) : eg_tx_commit(r->c);
    json_decref(r->vars);
    eg_arena_free(r->a);
    return rc;
}

static int merge_vars(R *r, const json_t *vars)
{
    if (!vars || json_is_null(vars))
        return EG_OK;
    if (!json_is_object(vars))
        return fail(r, EG_EUNPROCESSABLE, "variables phải là một đối tượng JSON");
    return json_object_update(r->vars, (json_t *)vars) ? EG_EINTERNAL : EG_OK;
}

/* ---------------------------------------------------------------- public operations */

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
    R r;
    r_init(&r, app, c, o->by, err, errlen);
    int rc = eg_tx_begin(c);
    if (rc) {
        eg_arena_free(r.a);
        return rc;
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
            rc = fail(&r, EG_ENOTFOUND, "không có quy trình '%s'", o->definition_key);
    }
    if (!rc) {
        r.m = eg__wf_model_get(c, def, sha);
        if (!r.m)
            rc = EG_EINTERNAL;
    }
    r.vars =
        o->variables && json_is_object(o->variables) ? json_deep_copy(o->variables) : json_object();
    if (!rc && o->variables && !json_is_object(o->variables) && !json_is_null(o->variables))
        rc = fail(&r, EG_EUNPROCESSABLE, "variables phải là một đối tượng JSON");
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
                        "agency_code, state, variables, started_at, started_by, due_at) VALUES "
                        "(?,?,?,?,?,'active','{}',?,?,?) RETURNING id",
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
        rc = hist(&r, r.m->start, 0, o->by, NULL, NULL);
        if (!rc)
            rc = leave(&r, r.m->start);
        if (!rc)
            rc = run(&r);
    }
    if (!rc)
        rc = save(&r);
    if (!rc)
        rc = audit(&r, "workflow.instance.start",
                   json_pack("{s:s, s:I}", "definition_key", o->definition_key, "version",
                             (json_int_t)ver));
    if (!rc) {
        *instance_id = r.inst;
        __atomic_add_fetch(&eg__wf_instances_started, 1, __ATOMIC_RELAXED);
    }
    return r_finish(&r, rc);
}

/* Completes (or, with ret_reason, returns to the previous step) an open task. */
static int finish_task(eg_app *app, eg_conn *c, int64_t task_id, const char *by, const json_t *vars,
                       const char *ret_reason, char *err, size_t errlen)
{
    R r;
    r_init(&r, app, c, by, err, errlen);
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
        rc = fail(&r, EG_ENOTFOUND, "không có công việc");
    if (!rc && strcmp(state, "open") != 0)
        rc = fail(&r, EG_ECONFLICT, "công việc đã ở trạng thái '%s'", state);
    if (!rc)
        rc = load(&r, inst);
    int el = rc ? -1 : eg__wf_el_index(r.m, el_id);
    if (!rc && el < 0)
        rc = EG_EINTERNAL;
    if (!rc)
        rc = merge_vars(&r, vars);
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
            rc = fail(&r, EG_ECONFLICT, "không có bước trước để trả lại");
    }
    if (!rc) {
        int64_t n = 0;
        rc = eg_exec(c, &n,
                     "UPDATE wf_task SET state = ?, completed_at = ?, completed_by = ?, rev = "
                     "rev + 1 WHERE id = ? AND state = 'open'",
                     "tltl", ret_reason ? "returned" : "completed", r.now, by, task_id);
        if (!rc && n != 1)
            rc = fail(&r, EG_ECONFLICT, "công việc đã được xử lý");
    }
    if (!rc)
        rc = eg_query_int64(c, &hid, "SELECT COALESCE(hist_id, 0) FROM wf_token WHERE id = ?", "l",
                            tok);
    if (!rc)
        rc = cancel_token_work(&r, tok, "cancelled");
    if (!rc)
        rc = hist_end(&r, hid, by, ret_reason ? ret_reason : NULL);
    if (!rc && ret_reason) {
        r.force_assignee = prev_by;
        r.q = eg_arena_alloc(r.a, sizeof(int) * 16);
        r.capq = 16;
        r.q[r.nq++] = prev_el;
    } else if (!rc) {
        rc = leave(&r, el);
    }
    if (!rc)
        rc = run(&r);
    if (!rc)
        rc = save(&r);
    if (!rc)
        rc = audit(&r, ret_reason ? "workflow.task.return" : "workflow.task.complete",
                   json_pack("{s:I, s:s}", "task_id", (json_int_t)task_id, "element_id", el_id));
    if (!rc)
        __atomic_add_fetch(&eg__wf_tasks_completed, 1, __ATOMIC_RELAXED);
    return r_finish(&r, rc);
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
    R r;
    r_init(&r, app, c, by, NULL, 0);
    int rc = eg_tx_begin(c);
    if (rc) {
        eg_arena_free(r.a);
        return rc;
    }
    rc = load(&r, instance_id);
    if (!rc)
        rc = cancel_all(&r, reason ? reason : "terminated");
    r.ended = 2;
    if (!rc)
        rc = save(&r);
    if (!rc)
        rc = audit(&r, "workflow.instance.terminate", json_pack("{s:s?}", "reason", reason));
    return r_finish(&r, rc);
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
static int fire_timer(eg_app *app, eg_conn *c, int64_t timer_id)
{
    R r;
    r_init(&r, app, c, "system", NULL, 0);
    char err[300];
    r.err = err;
    r.errlen = sizeof(err);
    int rc = eg_tx_begin(c);
    if (rc) {
        eg_arena_free(r.a);
        return rc;
    }
    int64_t n = 0, inst = 0, tok = 0;
    char *el_id = NULL;
    rc = eg_exec(c, &n,
                 "UPDATE wf_timer SET state = 'fired', fired_at = ? WHERE id = ? AND state = "
                 "'pending'",
                 "ll", r.now, timer_id);
    if (!rc && n == 1) {
        eg_stmt *st;
        rc = eg_query(c, &st, "SELECT instance_id, token_id, element_id FROM wf_timer WHERE id = ?",
                      "l", timer_id);
        if (!rc) {
            if (eg_step(st) == EG_ROW) {
                inst = eg_col_int64(st, 0);
                tok = eg_col_int64(st, 1);
                el_id = eg_arena_strdup(r.a, eg_col_text(st, 2));
            }
            eg_stmt_done(st);
        }
        if (!rc)
            rc = load(&r, inst);
        int el = rc ? -1 : eg__wf_el_index(r.m, el_id);
        if (!rc && el < 0)
            rc = EG_EINTERNAL;
        if (!rc) {
            const wf_el *e = &r.m->els[el];
            int64_t hid = 0;
            eg_query_int64(c, &hid, "SELECT COALESCE(hist_id, 0) FROM wf_token WHERE id = ?", "l",
                           tok);
            if (e->type == WF_TIMER_CATCH) {
                rc = hist_end(&r, hid, "system", NULL);
                if (!rc)
                    rc = eg_exec(c, NULL, "DELETE FROM wf_token WHERE id = ?", "l", tok);
            } else if (e->cancel_activity) {
                rc = hist_end(&r, hid, "system", "interrupted by timer");
                if (!rc)
                    rc = cancel_token_work(&r, tok, "cancelled");
            }
            if (!rc && e->type == WF_BOUNDARY)
                rc = hist(&r, el, 0, "system", NULL, NULL);
            if (!rc)
                rc = leave(&r, el);
            if (!rc)
                rc = run(&r);
            if (!rc)
                rc = save(&r);
            if (!rc)
                rc = audit(
                    &r, "workflow.timer.fire",
                    json_pack("{s:I, s:s}", "timer_id", (json_int_t)timer_id, "element_id", el_id));
        }
        if (rc == EG_ECONFLICT) /* instance already ended: the claim alone is the outcome */
            rc = EG_OK;
    }
    if (rc && rc != EG_EBUSY) {
        /* a timer whose path cannot run must not spin: park it as an incident */
        eg_tx_rollback(c);
        eg_log(EG_LOG_ERROR, "workflow", NULL, "timer failed", "timer_id",
               eg_arena_printf(r.a, "%lld", (long long)timer_id), "error", err, NULL);
        eg_exec(c, NULL,
                "UPDATE wf_timer SET state = 'incident' WHERE id = ? AND state = "
                "'pending'",
                "l", timer_id);
        json_decref(r.vars);
        eg_arena_free(r.a);
        return 0;
    }
    int fired = !rc && n == 1;
    rc = r_finish(&r, rc);
    if (!rc && fired)
        __atomic_add_fetch(&eg__wf_timers_fired, 1, __ATOMIC_RELAXED);
    return rc ? rc : fired;
}

static int run_job(eg_app *app, eg_conn *c, int64_t job_id)
{
    R r;
    r_init(&r, app, c, "system", NULL, 0);
    char err[300], msg[300];
    r.err = err;
    r.errlen = sizeof(err);
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
        return r_finish(&r, EG_OK);
    if (!rc)
        rc = load(&r, inst);
    int el = rc ? -1 : eg__wf_el_index(r.m, el_id);
    if (!rc && el < 0)
        rc = EG_EINTERNAL;
    if (!rc) {
        if (call_handler(&r, el, (int)attempts + 1, msg, sizeof(msg)) == 0) {
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
                rc = hist_end(&r, hid, "system", NULL);
            if (!rc)
                rc = cancel_token_work(&r, tok, "cancelled");
            if (!rc)
                rc = leave(&r, el);
            if (!rc)
                rc = run(&r);
            if (!rc)
                rc = save(&r);
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
    return r_finish(&r, rc);
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
