/*
 * api.c - the workflow HTTP API (api.md §6): definitions, instances, the task inbox and
 * monitoring. Authorisation: definitions and instances go through eg_authorize with the
 * instance's owning agency; a task is visible only to its assignee, its candidate users and
 * holders of one of its candidate roles in the instance's agency (eg_has_role applies the
 * sub-unit rules). A task one may not see answers 404, so its existence does not leak.
 */
#include <stdlib.h>
#include <string.h>
#include "audit/audit.h"
#include "identity/identity.h"
#include "workflow/internal.h"

int eg__wf_return_task(eg_app *app, eg_conn *c, int64_t task_id, const char *by, const char *reason,
                       char *err, size_t errlen);

static const char *who(const eg_principal *p)
{
    return p->username ? p->username : p->subject;
}

/* 1 when name is an item of the comma-separated list. */
static int in_list(const char *list, const char *name)
{
    if (!list || !name)
        return 0;
    size_t n = strlen(name);
    const char *s = list;
    while (*s) {
        while (*s == ' ' || *s == ',')
            s++;
        const char *e = s;
        while (*e && *e != ',')
            e++;
        const char *t = e;
        while (t > s && t[-1] == ' ')
            t--;
        if ((size_t)(t - s) == n && !memcmp(s, name, n))
            return 1;
        s = e;
    }
    return 0;
}

static int is_candidate(const eg_principal *p, const char *agency, const char *groups,
                        const char *users)
{
    if (in_list(users, who(p)))
        return 1;
    if (!groups)
        return 0;
    const char *s = groups;
    char role[64];
    while (*s) {
        while (*s == ' ' || *s == ',')
            s++;
        const char *e = s;
        while (*e && *e != ',')
            e++;
        size_t n = (size_t)(e - s);
        while (n && s[n - 1] == ' ')
            n--;
        if (n && n < sizeof(role)) {
            memcpy(role, s, n);
            role[n] = 0;
            if (agency && eg_has_role(p, role, agency))
                return 1;
        }
        s = e;
    }
    return 0;
}

typedef struct {
    int64_t id, instance_id, rev;
    const char *element_id, *name, *def_key, *bk, *agency, *groups, *users, *assignee, *state;
    int64_t created_at, due_at, completed_at;
    int has_due, escalated;
} task_row;

#define TASK_COLS                                                                                  \
    "id, instance_id, element_id, name, def_key, business_key, agency_code, candidate_groups, "    \
    "candidate_users, assignee, state, created_at, due_at, rev, escalated"

static void task_from(eg_arena *a, eg_stmt *st, task_row *t)
{
    t->id = eg_col_int64(st, 0);
    t->instance_id = eg_col_int64(st, 1);
    t->element_id = eg_arena_strdup(a, eg_col_text(st, 2));
    t->name = eg_arena_strdup(a, eg_col_text(st, 3));
    t->def_key = eg_arena_strdup(a, eg_col_text(st, 4));
    t->bk = eg_arena_strdup(a, eg_col_text(st, 5));
    t->agency = eg_arena_strdup(a, eg_col_text(st, 6));
    t->groups = eg_arena_strdup(a, eg_col_text(st, 7));
    t->users = eg_arena_strdup(a, eg_col_text(st, 8));
    t->assignee = eg_arena_strdup(a, eg_col_text(st, 9));
    t->state = eg_arena_strdup(a, eg_col_text(st, 10));
    t->created_at = eg_col_int64(st, 11);
    t->has_due = !eg_col_is_null(st, 12);
    t->due_at = eg_col_int64(st, 12);
    t->rev = eg_col_int64(st, 13);
    t->escalated = (int)eg_col_int64(st, 14);
}

static json_t *iso(int64_t ms)
{
    char ts[25];
    eg_time_iso_ms(ms, ts);
    return json_string(ts);
}

static json_t *task_json(const task_row *t, int64_t now)
{
    json_t *groups = json_array();
    if (t->groups) {
        const char *s = t->groups;
        while (*s) {
            while (*s == ' ' || *s == ',')
                s++;
            const char *e = s;
            while (*e && *e != ',')
                e++;
            if (e > s)
                json_array_append_new(groups, json_stringn(s, (size_t)(e - s)));
            s = e;
        }
    }
    return json_pack(
        "{s:I, s:s?, s:s, s:I, s:s, s:s?, s:s?, s:o, s:s?, s:o, s:s, s:o, s:b, s:b}", "id",
        (json_int_t)t->id, "name", t->name, "element_id", t->element_id, "instance_id",
        (json_int_t)t->instance_id, "definition_key", t->def_key, "business_key", t->bk,
        "agency_code", t->agency, "due_at", t->has_due ? iso(t->due_at) : json_null(), "assignee",
        t->assignee, "candidate_groups", groups, "state", t->state, "created_at",
        iso(t->created_at), "overdue", t->has_due && t->due_at < now && !strcmp(t->state, "open"),
        "escalated", t->escalated != 0);
}

static int visible(const eg_principal *p, const task_row *t)
{
    if (t->assignee && !strcmp(t->assignee, who(p)))
        return 1;
    return is_candidate(p, t->agency, t->groups, t->users);
}

/* Loads a task the caller may see; 404 otherwise. */
static int load_task(eg_req *r, const eg_principal *p, task_row *t)
{
    eg_app *app = eg_req_app(r);
    const char *ids = eg_req_param(r, "id");
    char *end;
    long long id = strtoll(ids ? ids : "", &end, 10);
    if (!ids || *end || id <= 0)
        return eg_req_fail(r, EG_ENOTFOUND, "Không tìm thấy công việc");
    eg_stmt *st;
    int rc = eg_query(eg_db_conn(app->db), &st, "SELECT " TASK_COLS " FROM wf_task WHERE id = ?",
                      "l", (int64_t)id);
    if (rc)
        return rc;
    rc = eg_step(st) == EG_ROW ? EG_OK : EG_ENOTFOUND;
    if (!rc)
        task_from(eg_req_arena(r), st, t);
    eg_stmt_done(st);
    if (rc || !visible(p, t))
        return eg_req_fail(r, EG_ENOTFOUND, "Không tìm thấy công việc %lld", id);
    return EG_OK;
}

static int reply_task(eg_req *r, const task_row *t, int status)
{
    eg_reply_etag(r, t->rev);
    return eg_reply_json(r, status, task_json(t, eg_now_ms()));
}

/* GET /api/v1/tasks?scope=mine|candidate (default both)&definition_key=&q=&cursor=&limit= */
static int tasks_list(eg_req *r)
{
    eg_app *app = eg_req_app(r);
    const eg_principal *p;
    int rc = eg_require_principal(r, &p);
    if (rc)
        return rc;
    const char *scope = eg_req_query(r, "scope");
    if (scope && strcmp(scope, "mine") && strcmp(scope, "candidate") && strcmp(scope, "all"))
        return eg_req_fail_field(r, EG_EINVAL, "scope", "scope phải là mine, candidate hoặc all");
    int mine = scope && !strcmp(scope, "mine"), cand = scope && !strcmp(scope, "candidate");
    const char *key = eg_req_query(r, "definition_key");
    const char *cur = eg_req_query(r, "cursor");
    int overdue_only = eg_req_query(r, "overdue") && !strcmp(eg_req_query(r, "overdue"), "true");
    int64_t after = cur ? strtoll(cur, NULL, 10) : 0;
    int limit = eg_req_limit(r);
    int64_t now = eg_now_ms();
    eg_conn *c = eg_db_conn(app->db);
    json_t *items = json_array();
    int64_t last = after, scanned = 0;
    int more = 0;
    while ((int)json_array_size(items) < limit && scanned < 20000) {
        eg_stmt *st;
        if (mine)
            rc = eg_query(c, &st,
                          "SELECT " TASK_COLS " FROM wf_task WHERE state = 'open' AND id > ? AND "
                          "assignee = ? AND (CAST(? AS TEXT) IS NULL OR def_key = ?) ORDER BY id "
                          "LIMIT 200",
                          "lttt", last, who(p), key, key);
        else
            rc = eg_query(c, &st,
                          "SELECT " TASK_COLS " FROM wf_task WHERE state = 'open' AND id > ? AND "
                          "(CAST(? AS TEXT) IS NULL OR def_key = ?) ORDER BY id LIMIT 200",
                          "ltt", last, key, key);
        if (rc)
            break;
        int n = 0;
        while (eg_step(st) == EG_ROW) {
            task_row t;
            task_from(eg_req_arena(r), st, &t);
            n++;
            scanned++;
            if ((int)json_array_size(items) >= limit) {
                more = 1;
                break;
            }
            last = t.id;
            int ok = mine   ? 1
                     : cand ? !t.assignee && is_candidate(p, t.agency, t.groups, t.users)
                            : visible(p, &t);
            if (ok && overdue_only && !(t.has_due && t.due_at < now))
                ok = 0;
            if (ok)
                json_array_append_new(items, task_json(&t, now));
        }
        eg_stmt_done(st);
        if (more || n < 200)
            break;
    }
    if (rc) {
        json_decref(items);
        return rc;
    }
    json_t *next = json_null();
    if (more || scanned >= 20000) {
        char b[32];
        snprintf(b, sizeof(b), "%lld", (long long)last);
        next = json_string(b);
    }
    return eg_reply_json(r, 200, json_pack("{s:o, s:o}", "items", items, "next_cursor", next));
}

static int task_get(eg_req *r)
{
    const eg_principal *p;
    task_row t;
    int rc = eg_require_principal(r, &p);
    if (!rc)
        rc = load_task(r, p, &t);
    return rc ? rc : reply_task(r, &t, 200);
}

static int task_audit(eg_conn *c, eg_req *r, const char *action, const task_row *t, json_t *d)
{
    char sid[32];
    snprintf(sid, sizeof(sid), "%lld", (long long)t->id);
    eg_audit_event ev = {.actor = eg_actor(r),
                         .action = action,
                         .object_type = "workflow_task",
                         .object_id = sid,
                         .agency = t->agency,
                         .request_id = eg_req_id(r),
                         .client_addr = eg_req_client_ip(r),
                         .detail = d};
    int rc = eg_audit_append(c, &ev);
    json_decref(d);
    return rc;
}

/* Sets the assignee of an open task when its current assignee is `expect` (NULL = none). */
static int set_assignee(eg_req *r, const task_row *t, const char *expect, const char *to,
                        const char *action)
{
    eg_app *app = eg_req_app(r);
    eg_conn *c = eg_db_conn(app->db);
    int rc = eg_tx_begin(c);
    if (rc)
        return rc;
    int64_t n = 0;
    int64_t now = eg_now_ms();
    if (expect)
        rc = eg_exec(c, &n,
                     "UPDATE wf_task SET assignee = ?, owner = COALESCE(owner, ?), claimed_at = ?, "
                     "rev = rev + 1 WHERE id = ? AND state = 'open' AND assignee = ?",
                     "ttllt", to, expect, now, t->id, expect);
    else
        rc = eg_exec(c, &n,
                     "UPDATE wf_task SET assignee = ?, claimed_at = ?, rev = rev + 1 WHERE id = ? "
                     "AND state = 'open' AND assignee IS NULL",
                     "tll", to, now, t->id);
    if (!rc && n != 1)
        rc = eg_req_fail(r, EG_ECONFLICT, "Công việc đã được người khác nhận hoặc đã xử lý");
    if (!rc)
        rc = task_audit(c, r, action, t, json_pack("{s:s?}", "assignee", to));
    rc = rc ? (eg_tx_rollback(c), rc) : eg_tx_commit(c);
    return rc;
}

static int reload_reply(eg_req *r, const eg_principal *p, int status)
{
    task_row t;
    int rc = load_task(r, p, &t);
    if (rc == EG_ENOTFOUND) /* delegated away: no longer visible to the caller */
        return eg_reply_json(r, status, json_pack("{s:s}", "status", "ok"));
    return rc ? rc : reply_task(r, &t, status);
}

static int task_open_check(eg_req *r, const task_row *t)
{
    if (strcmp(t->state, "open") != 0)
        return eg_req_fail(r, EG_ECONFLICT, "Công việc đã ở trạng thái %s", t->state);
    return eg_req_check_if_match(r, t->rev);
}

static int task_claim(eg_req *r)
{
    const eg_principal *p;
    task_row t;
    int rc = eg_require_principal(r, &p);
    if (!rc)
        rc = load_task(r, p, &t);
    if (!rc)
        rc = task_open_check(r, &t);
    if (rc)
        return rc;
    if (t.assignee && !strcmp(t.assignee, who(p)))
        return reply_task(r, &t, 200); /* already mine: idempotent */
    if (t.assignee)
        return eg_req_fail(r, EG_ECONFLICT, "Công việc đã được %s nhận", t.assignee);
    if (!is_candidate(p, t.agency, t.groups, t.users))
        return eg_req_fail(r, EG_EFORBIDDEN, "Bạn không thuộc nhóm xử lý công việc này");
    rc = set_assignee(r, &t, NULL, who(p), "workflow.task.claim");
    return rc ? rc : reload_reply(r, p, 200);
}

static int task_unclaim(eg_req *r)
{
    const eg_principal *p;
    task_row t;
    int rc = eg_require_principal(r, &p);
    if (!rc)
        rc = load_task(r, p, &t);
    if (!rc)
        rc = task_open_check(r, &t);
    if (rc)
        return rc;
    if (!t.assignee || strcmp(t.assignee, who(p)) != 0)
        return eg_req_fail(r, EG_ECONFLICT, "Chỉ người đang nhận công việc mới trả lại được");
    rc = set_assignee(r, &t, who(p), NULL, "workflow.task.unclaim");
    return rc ? rc : reload_reply(r, p, 200);
}

static int task_delegate(eg_req *r)
{
    const eg_principal *p;
    task_row t;
    int rc = eg_require_principal(r, &p);
    if (!rc)
        rc = load_task(r, p, &t);
    if (!rc)
        rc = task_open_check(r, &t);
    if (rc)
        return rc;
    json_t *body = eg_req_json(r, &rc);
    if (!body)
        return rc;
    const char *to = eg_json_str(body, "assignee");
    if (!to || !*to || strlen(to) > 100)
        rc = eg_req_fail_field(r, EG_EUNPROCESSABLE, "assignee", "Cần tên đăng nhập người nhận");
    else if (!t.assignee || strcmp(t.assignee, who(p)) != 0)
        rc = eg_req_fail(r, EG_ECONFLICT, "Hãy nhận công việc trước khi chuyển cho người khác");
    if (!rc)
        rc = set_assignee(r, &t, who(p), to, "workflow.task.delegate");
    return rc ? rc : reload_reply(r, p, 200);
}

static int map_engine_error(eg_req *r, int rc, const char *err)
{
    if (rc == EG_EUNPROCESSABLE || rc == EG_ECONFLICT || rc == EG_ENOTFOUND)
        return eg_req_fail(r, rc, "%s", err[0] ? err : eg_err_title_vi(rc));
    return rc;
}

static int task_complete(eg_req *r)
{
    eg_app *app = eg_req_app(r);
    const eg_principal *p;
    task_row t;
    int rc = eg_require_principal(r, &p);
    if (!rc)
        rc = load_task(r, p, &t);
    if (!rc)
        rc = task_open_check(r, &t);
    if (rc)
        return rc;
    if (t.assignee ? strcmp(t.assignee, who(p)) != 0
                   : !is_candidate(p, t.agency, t.groups, t.users))
        return eg_req_fail(r, EG_EFORBIDDEN, "Công việc đang do %s xử lý", t.assignee);
    json_t *body = NULL;
    size_t blen = 0;
    eg_req_body(r, &blen);
    if (blen) {
        body = eg_req_json(r, &rc);
        if (!body)
            return rc;
    }
    json_t *vars = body ? json_object_get(body, "variables") : NULL;
    char err[400] = "";
    if (vars && !json_is_object(vars) && !json_is_null(vars))
        rc = eg_req_fail_field(r, EG_EUNPROCESSABLE, "variables", "variables phải là đối tượng");
    if (!rc) {
        rc = eg_wf_complete_task(app, eg_db_conn(app->db), t.id, who(p), vars, err, sizeof(err));
        rc = map_engine_error(r, rc, err);
    }
    if (rc)
        return rc;
    task_row done;
    eg_stmt *st;
    rc = eg_query(eg_db_conn(app->db), &st, "SELECT " TASK_COLS " FROM wf_task WHERE id = ?", "l",
                  t.id);
    if (rc)
        return rc;
    if (eg_step(st) == EG_ROW)
        task_from(eg_req_arena(r), st, &done);
    else
        done = t;
    eg_stmt_done(st);
    return reply_task(r, &done, 200);
}

static int task_return(eg_req *r)
{
    eg_app *app = eg_req_app(r);
    const eg_principal *p;
    task_row t;
    int rc = eg_require_principal(r, &p);
    if (!rc)
        rc = load_task(r, p, &t);
    if (!rc)
        rc = task_open_check(r, &t);
    if (rc)
        return rc;
    if (t.assignee ? strcmp(t.assignee, who(p)) != 0
                   : !is_candidate(p, t.agency, t.groups, t.users))
        return eg_req_fail(r, EG_EFORBIDDEN, "Công việc đang do %s xử lý", t.assignee);
    json_t *body = eg_req_json(r, &rc);
    if (!body)
        return rc;
    const char *reason = eg_json_str(body, "reason");
    char err[400] = "";
    if (!reason || !*reason || strlen(reason) > 2000)
        rc = eg_req_fail_field(r, EG_EUNPROCESSABLE, "reason", "Cần nêu lý do trả lại");
    if (!rc) {
        eg_buf nfc = EG_BUF_INIT;
        if (eg_nfc(reason, strlen(reason), &nfc))
            rc = eg_req_fail_field(r, EG_EUNPROCESSABLE, "reason", "Lý do không phải UTF-8");
        else
            rc = eg__wf_return_task(app, eg_db_conn(app->db), t.id, who(p), eg_buf_cstr(&nfc), err,
                                    sizeof(err));
        eg_buf_free(&nfc);
        rc = map_engine_error(r, rc, err);
    }
    if (rc)
        return rc;
    return eg_reply_json(r, 200,
                         json_pack("{s:I, s:s}", "id", (json_int_t)t.id, "state", "returned"));
}

/* ---------------------------------------------------------------- definitions */

static int defs_deploy(eg_req *r)
{
    eg_app *app = eg_req_app(r);
    int rc = eg_authorize(r, "deploy", &(eg_object){"workflow_definition", NULL, NULL});
    if (rc)
        return rc;
    size_t len = 0;
    const char *xml = eg_req_body(r, &len);
    char key[128], err[512];
    int version = 0;
    rc = eg_wf_deploy(eg_db_conn(app->db), xml, len, eg_actor(r), key, &version, err, sizeof(err));
    if (rc == EG_EUNPROCESSABLE) {
        /* the field is the element id quoted first in the message */
        char field[128] = "bpmn";
        const char *q = strchr(err, '\'');
        const char *q2 = q ? strchr(q + 1, '\'') : NULL;
        if (q && q2 && (size_t)(q2 - q - 1) < sizeof(field))
            snprintf(field, sizeof(field), "%.*s", (int)(q2 - q - 1), q + 1);
        return eg_req_fail_field(r, rc, field, "%s", err);
    }
    if (rc)
        return rc;
    return eg_reply_json(r, 201, json_pack("{s:s, s:i}", "key", key, "version", version));
}

static int defs_list(eg_req *r)
{
    eg_app *app = eg_req_app(r);
    const eg_principal *p;
    int rc = eg_require_principal(r, &p);
    if (rc)
        return rc;
    json_t *rows = NULL;
    rc = eg_query_json(eg_db_conn(app->db), &rows,
                       "SELECT d.def_key AS key, d.version, d.name, d.deployed_at, d.deployed_by, "
                       "(SELECT COUNT(*) FROM wf_instance i WHERE i.def_key = d.def_key AND "
                       "i.state = 'active') AS active_instances FROM wf_definition d WHERE "
                       "d.version = (SELECT MAX(version) FROM wf_definition x WHERE x.def_key = "
                       "d.def_key) ORDER BY d.def_key",
                       "");
    if (rc)
        return rc;
    return eg_reply_json(r, 200, json_pack("{s:o, s:n}", "items", rows, "next_cursor"));
}

static int defs_get(eg_req *r)
{
    eg_app *app = eg_req_app(r);
    const eg_principal *p;
    int rc = eg_require_principal(r, &p);
    if (rc)
        return rc;
    const char *key = eg_req_param(r, "key");
    const char *v = eg_req_query(r, "version");
    int64_t ver = v ? strtoll(v, NULL, 10) : 0;
    json_t *rows = NULL;
    rc = eg_query_json(eg_db_conn(app->db), &rows,
                       "SELECT def_key AS key, version, name, xml, deployed_at, deployed_by FROM "
                       "wf_definition WHERE def_key = ? AND (? = 0 OR version = ?) ORDER BY "
                       "version DESC LIMIT 1",
                       "tll", key, ver, ver);
    if (rc)
        return rc;
    if (json_array_size(rows) == 0) {
        json_decref(rows);
        return eg_req_fail(r, EG_ENOTFOUND, "Không có quy trình '%s'", key);
    }
    json_t *d = json_incref(json_array_get(rows, 0));
    json_decref(rows);
    return eg_reply_json(r, 200, d);
}

/* ---------------------------------------------------------------- instances */

static int may_read_instance(const eg_principal *p, const char *agency)
{
    eg_object o = {"workflow_instance", agency, NULL};
    return eg_authz(p, "read", &o) == 0;
}

static int inst_create(eg_req *r)
{
    eg_app *app = eg_req_app(r);
    int rc = EG_OK;
    json_t *body = eg_req_json(r, &rc);
    if (!body)
        return rc;
    const char *key = eg_json_str(body, "definition_key");
    const char *bk = eg_json_str(body, "business_key");
    const char *agency = eg_json_str(body, "agency_code");
    json_t *vars = json_object_get(body, "variables");
    if (!key)
        rc = eg_req_fail_field(r, EG_EUNPROCESSABLE, "definition_key", "Cần definition_key");
    else if (!agency || !eg_valid_agency_code(agency))
        rc = eg_req_fail_field(r, EG_EUNPROCESSABLE, "agency_code",
                               "agency_code phải có dạng CCC.BB.AA.LNN");
    else if (bk && strlen(bk) > 200)
        rc = eg_req_fail_field(r, EG_EUNPROCESSABLE, "business_key", "business_key quá dài");
    else if (vars && !json_is_object(vars) && !json_is_null(vars))
        rc = eg_req_fail_field(r, EG_EUNPROCESSABLE, "variables", "variables phải là đối tượng");
    if (!rc)
        rc = eg_authorize(r, "create", &(eg_object){"workflow_instance", agency, NULL});
    int64_t id = 0;
    char err[400] = "";
    if (!rc) {
        eg_wf_start_opts o = {.definition_key = key,
                              .business_key = bk,
                              .agency_code = agency,
                              .variables = vars,
                              .by = eg_actor(r)};
        rc = eg_wf_start(app, eg_db_conn(app->db), &o, &id, err, sizeof(err));
        if (rc == EG_ENOTFOUND)
            rc = eg_req_fail_field(r, EG_EUNPROCESSABLE, "definition_key", "%s", err);
        else
            rc = map_engine_error(r, rc, err);
    }
    if (rc)
        return rc;
    json_t *j = NULL;
    rc = eg_wf_instance_json(eg_db_conn(app->db), id, &j);
    return rc ? rc : eg_reply_json(r, 201, j);
}

static int inst_get(eg_req *r)
{
    eg_app *app = eg_req_app(r);
    const eg_principal *p;
    int rc = eg_require_principal(r, &p);
    if (rc)
        return rc;
    int64_t id = strtoll(eg_req_param(r, "id"), NULL, 10);
    json_t *j = NULL;
    rc = eg_wf_instance_json(eg_db_conn(app->db), id, &j);
    if (rc == EG_ENOTFOUND)
        return eg_req_fail(r, rc, "Không tìm thấy hồ sơ quy trình");
    if (rc)
        return rc;
    if (!may_read_instance(p, eg_json_str(j, "agency_code"))) {
        json_decref(j);
        return eg_req_fail(r, EG_ENOTFOUND, "Không tìm thấy hồ sơ quy trình");
    }
    /* open tasks, for the instance page */
    json_t *tasks = NULL;
    eg_query_json(eg_db_conn(app->db), &tasks,
                  "SELECT id, element_id, name, assignee, due_at FROM wf_task WHERE instance_id = "
                  "? AND state = 'open' ORDER BY id",
                  "l", id);
    json_object_set_new(j, "open_tasks", tasks ? tasks : json_array());
    return eg_reply_json(r, 200, j);
}

static int inst_list(eg_req *r)
{
    eg_app *app = eg_req_app(r);
    const eg_principal *p;
    int rc = eg_require_principal(r, &p);
    if (rc)
        return rc;
    const char *key = eg_req_query(r, "definition_key");
    const char *state = eg_req_query(r, "state");
    const char *bk = eg_req_query(r, "business_key");
    const char *cur = eg_req_query(r, "cursor");
    int overdue = eg_req_query(r, "overdue") && !strcmp(eg_req_query(r, "overdue"), "true");
    int64_t before = cur ? strtoll(cur, NULL, 10) : INT64_MAX;
    int limit = eg_req_limit(r);
    json_t *rows = NULL;
    rc = eg_query_json(eg_db_conn(app->db), &rows,
                       "SELECT id, def_key AS definition_key, version, business_key, agency_code, "
                       "state, started_at, due_at FROM wf_instance WHERE id < ? AND "
                       "(CAST(? AS TEXT) IS NULL OR def_key = ?) AND (CAST(? AS TEXT) IS NULL OR "
                       "state = ?) AND (CAST(? AS TEXT) IS NULL OR business_key = ?) AND (? = 0 "
                       "OR (state = 'active' AND due_at IS NOT NULL AND due_at < ?)) ORDER BY id "
                       "DESC LIMIT 1000",
                       "lttttttil", before, key, key, state, state, bk, bk, overdue, eg_now_ms());
    if (rc)
        return rc;
    json_t *items = json_array();
    size_t i;
    json_t *row;
    int64_t last = 0;
    int more = 0;
    json_array_foreach(rows, i, row)
    {
        if (!may_read_instance(p, eg_json_str(row, "agency_code")))
            continue;
        if ((int)json_array_size(items) >= limit) {
            more = 1;
            break;
        }
        last = eg_json_int(row, "id", 0);
        json_t *it = json_deep_copy(row);
        int64_t st = eg_json_int(row, "started_at", 0);
        json_object_set_new(it, "started_at", iso(st));
        json_t *due = json_object_get(row, "due_at");
        json_object_set_new(it, "due_at",
                            json_is_integer(due) ? iso(json_integer_value(due)) : json_null());
        json_array_append_new(items, it);
    }
    json_decref(rows);
    json_t *next = json_null();
    if (more) {
        char b[32];
        snprintf(b, sizeof(b), "%lld", (long long)last);
        next = json_string(b);
    }
    return eg_reply_json(r, 200, json_pack("{s:o, s:o}", "items", items, "next_cursor", next));
}

static int inst_terminate(eg_req *r)
{
    eg_app *app = eg_req_app(r);
    const eg_principal *p;
    int rc = eg_require_principal(r, &p);
    if (rc)
        return rc;
    int64_t id = strtoll(eg_req_param(r, "id"), NULL, 10);
    char *agency = NULL;
    eg_conn *c = eg_db_conn(app->db);
    rc = eg_query_text(c, eg_req_arena(r), &agency,
                       "SELECT COALESCE(agency_code, '') FROM wf_instance WHERE id = ?", "l", id);
    if (rc == EG_ENOTFOUND || (!rc && !may_read_instance(p, agency)))
        return eg_req_fail(r, EG_ENOTFOUND, "Không tìm thấy hồ sơ quy trình");
    if (!rc)
        rc = eg_authorize(r, "terminate", &(eg_object){"workflow_instance", agency, NULL});
    json_t *body = NULL;
    size_t blen = 0;
    eg_req_body(r, &blen);
    if (!rc && blen && !(body = eg_req_json(r, &rc)))
        return rc;
    if (!rc) {
        rc = eg_wf_terminate(app, c, id, eg_actor(r), body ? eg_json_str(body, "reason") : NULL);
        if (rc == EG_ECONFLICT)
            rc = eg_req_fail(r, rc, "Hồ sơ quy trình đã kết thúc");
    }
    if (rc)
        return rc;
    json_t *j = NULL;
    rc = eg_wf_instance_json(c, id, &j);
    return rc ? rc : eg_reply_json(r, 200, j);
}

/* ---------------------------------------------------------------- monitoring */

/* GET /api/v1/workflow/stats: open tasks per process/step/agency, instances per process/state,
 * overdue counts; only agencies whose instances the caller may read. */
static int stats(eg_req *r)
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
            if (may_read_instance(p, eg_json_str(row, "agency_code")))
                json_array_append(out[k], row);
        }
        json_decref(in[k]);
    }
    return eg_reply_json(r, 200, json_pack("{s:o, s:o}", "steps", out[0], "processes", out[1]));
}

static int incidents(eg_req *r)
{
    eg_app *app = eg_req_app(r);
    const eg_principal *p;
    int rc = eg_require_principal(r, &p);
    if (rc)
        return rc;
    json_t *rows = NULL;
    rc = eg_query_json(eg_db_conn(app->db), &rows,
                       "SELECT j.id, j.instance_id, j.element_id, j.handler, j.attempts, "
                       "j.last_error, j.state, i.business_key, i.agency_code, i.def_key AS "
                       "definition_key FROM wf_job j JOIN wf_instance i ON i.id = j.instance_id "
                       "WHERE j.state IN ('incident', 'pending') ORDER BY j.id LIMIT 500",
                       "");
    if (rc)
        return rc;
    json_t *items = json_array();
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row)
    {
        if (may_read_instance(p, eg_json_str(row, "agency_code")))
            json_array_append(items, row);
    }
    json_decref(rows);
    return eg_reply_json(r, 200, json_pack("{s:o, s:n}", "items", items, "next_cursor"));
}

static int incident_retry(eg_req *r)
{
    eg_app *app = eg_req_app(r);
    const eg_principal *p;
    int rc = eg_require_principal(r, &p);
    if (rc)
        return rc;
    int64_t id = strtoll(eg_req_param(r, "id"), NULL, 10);
    eg_conn *c = eg_db_conn(app->db);
    char *agency = NULL;
    rc = eg_query_text(c, eg_req_arena(r), &agency,
                       "SELECT COALESCE(i.agency_code, '') FROM wf_job j JOIN wf_instance i ON "
                       "i.id = j.instance_id WHERE j.id = ? AND j.state = 'incident'",
                       "l", id);
    if (rc == EG_ENOTFOUND || (!rc && !may_read_instance(p, agency)))
        return eg_req_fail(r, EG_ENOTFOUND, "Không có sự cố %lld", (long long)id);
    if (!rc)
        rc = eg_authorize(r, "retry", &(eg_object){"workflow_incident", agency, NULL});
    if (!rc)
        rc = eg_tx_begin(c);
    if (rc)
        return rc;
    rc = eg_exec(c, NULL,
                 "UPDATE wf_job SET state = 'pending', attempts = 0, next_at = ? WHERE id = ? AND "
                 "state = 'incident'",
                 "ll", eg_now_ms(), id);
    if (!rc) {
        char sid[32];
        snprintf(sid, sizeof(sid), "%lld", (long long)id);
        eg_audit_event ev = {.actor = eg_actor(r),
                             .action = "workflow.incident.retry",
                             .object_type = "workflow_incident",
                             .object_id = sid,
                             .agency = agency,
                             .request_id = eg_req_id(r)};
        rc = eg_audit_append(c, &ev);
    }
    rc = rc ? (eg_tx_rollback(c), rc) : eg_tx_commit(c);
    return rc ? rc
              : eg_reply_json(r, 200,
                              json_pack("{s:I, s:s}", "id", (json_int_t)id, "state", "pending"));
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
    if (!eg_query_int64(c, &n, "SELECT COUNT(*) FROM wf_job WHERE state = 'incident'", ""))
        eg_buf_printf(out, "# TYPE egov_workflow_incidents gauge\negov_workflow_incidents %lld\n",
                      (long long)n);
    if (!eg_query_int64(c, &n, "SELECT COUNT(*) FROM wf_instance WHERE state = 'active'", ""))
        eg_buf_printf(out,
                      "# TYPE egov_workflow_active_instances gauge\n"
                      "egov_workflow_active_instances %lld\n",
                      (long long)n);
}

void eg__wf_routes(eg_app *app, eg_http *h)
{
    (void)app;
#define R(m, path, fn, sum, ...)                                                                   \
    do {                                                                                           \
        static const eg_route_opts o_ = {.summary = sum, .tag = "workflow", __VA_ARGS__};          \
        eg_http_route(h, m, path, fn, &o_);                                                        \
    } while (0)
    R("POST", "/api/v1/workflow/definitions", defs_deploy, "Triển khai quy trình BPMN 2.0",
      .max_body = 4 * 1024 * 1024);
    R("GET", "/api/v1/workflow/definitions", defs_list, "Danh sách quy trình (phiên bản mới nhất)");
    R("GET", "/api/v1/workflow/definitions/{key}", defs_get, "Một quy trình và XML BPMN");
    R("POST", "/api/v1/workflow/instances", inst_create, "Khởi tạo hồ sơ quy trình");
    R("GET", "/api/v1/workflow/instances", inst_list, "Danh sách hồ sơ quy trình");
    R("GET", "/api/v1/workflow/instances/{id}", inst_get, "Trạng thái và lịch sử hồ sơ quy trình");
    R("POST", "/api/v1/workflow/instances/{id}/terminate", inst_terminate,
      "Chấm dứt hồ sơ quy trình");
    R("GET", "/api/v1/workflow/stats", stats, "Thống kê theo quy trình, bước và cơ quan");
    R("GET", "/api/v1/workflow/incidents", incidents, "Tác vụ dịch vụ lỗi (sự cố)");
    R("POST", "/api/v1/workflow/incidents/{id}/retry", incident_retry, "Chạy lại tác vụ lỗi");
    R("GET", "/api/v1/tasks", tasks_list, "Hộp công việc (scope=mine|candidate)");
    R("GET", "/api/v1/tasks/{id}", task_get, "Một công việc");
    R("POST", "/api/v1/tasks/{id}/claim", task_claim, "Nhận công việc");
    R("POST", "/api/v1/tasks/{id}/unclaim", task_unclaim, "Trả công việc về nhóm");
    R("POST", "/api/v1/tasks/{id}/complete", task_complete, "Hoàn thành công việc");
    R("POST", "/api/v1/tasks/{id}/delegate", task_delegate, "Chuyển công việc cho người khác");
    R("POST", "/api/v1/tasks/{id}/return", task_return, "Trả lại bước trước kèm lý do");
#undef R
    eg_http_add_metrics(h, eg__wf_metrics);
}
