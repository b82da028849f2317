/*
 * feedback.c - phản ánh, kiến nghị: filing (citizen/business), routing to the responsible
 * agency (from the catalogue for a procedure when the catalog module is built in, from the
 * dossier module's resolver for a dossier, else the agency named in the request), the SLA due
 * date in working days, the grievance-style state machine, the author's and the agency's
 * lists, and the public list of answered feedback the author allowed to publish.
 *
 * Visibility: the author (OWN) and staff of the routed agency (AGENCY); anyone else gets 404
 * so the existence of another person's feedback is not revealed. Every change is audited in
 * the transaction that makes it.
 */
#include <string.h>
#include <stdlib.h>
#include "audit/audit.h"
#include "identity/identity.h"
#include "feedback/feedback.h"
#if __has_include("catalog/catalog.h")
#include "catalog/catalog.h"
#define FB_HAVE_CATALOG 1
#else
#define FB_HAVE_CATALOG 0
#endif

typedef struct {
    eg_app *app;
    int sla_days;
    int reopen_days;
} fb_state;
static fb_state *fb;
static eg_feedback_dossier_fn dossier_fn;

void eg_feedback_set_dossier_resolver(eg_feedback_dossier_fn fn)
{
    dossier_fn = fn;
}

#define FB_COLS                                                                                    \
    "id, object_type, object_code, agency_code, author_subject, author_kind, author_name, "        \
    "title, content, allow_publish, state, assignee, answer, reject_reason, rating, "              \
    "rating_comment, reopen_count, sla_days, due_at, created_at, answered_at, answered_ms, "       \
    "closed_at, version"

static json_t *shape(json_t *row)
{
    json_object_set_new(row, "allow_publish",
                        json_boolean(json_integer_value(json_object_get(row, "allow_publish"))));
    const char *st = eg_json_str(row, "state");
    const char *due = eg_json_str(row, "due_at");
    int64_t due_ms = 0;
    int open = st && (strcmp(st, "pending_assignment") == 0 || strcmp(st, "assigned") == 0);
    json_object_set_new(
        row, "overdue",
        json_boolean(open && due && !eg_time_parse(due, &due_ms) && eg_now_ms() > due_ms));
    json_object_del(row, "answered_ms");
    return row;
}

static json_t *load(eg_conn *c, int64_t id)
{
    json_t *rows = NULL;
    if (eg_query_json(c, &rows, "SELECT " FB_COLS " FROM feedback_items WHERE id = ?", "l", id))
        return NULL;
    json_t *one = json_array_size(rows) ? json_incref(json_array_get(rows, 0)) : NULL;
    json_decref(rows);
    return one;
}

static int add_event(eg_conn *c, eg_req *r, int64_t id, const char *agency, const char *action,
                     const char *note)
{
    char iso[25];
    eg_time_iso_ms(eg_now_ms(), iso);
    int rc = eg_exec(c, NULL,
                     "INSERT INTO feedback_events (feedback_id, at, actor, action, note) VALUES "
                     "(?,?,?,?,?)",
                     "ltttt", id, iso, eg_actor(r), action, note);
    if (rc)
        return rc;
    char ids[24], act[48];
    snprintf(ids, sizeof(ids), "%lld", (long long)id);
    snprintf(act, sizeof(act), "feedback.%s", action);
    eg_audit_event ev = {.actor = eg_actor(r),
                         .action = act,
                         .object_type = "feedback",
                         .object_id = ids,
                         .agency = agency,
                         .request_id = eg_req_id(r),
                         .client_addr = eg_req_client_ip(r)};
    return eg_audit_append(c, &ev);
}

/* Normalised text field: required, NFC, at most max bytes. NULL and a problem on failure. */
static char *text_field(eg_req *r, json_t *b, const char *key, size_t max, int required, int *rc)
{
    const char *s = eg_json_str(b, key);
    if (!s || !*s) {
        if (required)
            *rc = eg_req_fail_field(r, EG_EUNPROCESSABLE, key, "Trường %s là bắt buộc", key);
        return NULL;
    }
    eg_buf n = EG_BUF_INIT;
    if (eg_nfc(s, strlen(s), &n) || n.len > max) {
        eg_buf_free(&n);
        *rc = eg_req_fail_field(r, EG_EUNPROCESSABLE, key, "Trường %s quá dài (tối đa %zu byte)",
                                key, max);
        return NULL;
    }
    char *out = eg_arena_strdup(eg_req_arena(r), n.data);
    eg_buf_free(&n);
    return out;
}

static int is_public_author(const eg_principal *p)
{
    return p && p->kind && (strcmp(p->kind, "citizen") == 0 || strcmp(p->kind, "business") == 0);
}

static int h_create(eg_req *r)
{
    const eg_principal *p = NULL;
    int rc = eg_require_principal(r, &p);
    if (rc)
        return rc;
    if (!is_public_author(p))
        return eg_req_fail(r, EG_EFORBIDDEN, "Chỉ công dân, doanh nghiệp gửi phản ánh, kiến nghị");
    json_t *b = eg_req_json(r, &rc);
    if (!b)
        return rc;
    const char *otype = eg_json_str(b, "object_type");
    const char *ocode = eg_json_str(b, "object_code");
    const char *agency_in = eg_json_str(b, "agency_code");
    if (!otype || (strcmp(otype, "procedure") && strcmp(otype, "dossier")))
        return eg_req_fail_field(r, EG_EUNPROCESSABLE, "object_type",
                                 "object_type phải là procedure hoặc dossier");
    if (!ocode || !*ocode || strlen(ocode) > 64)
        return eg_req_fail_field(r, EG_EUNPROCESSABLE, "object_code", "Thiếu mã thủ tục/hồ sơ");
    if (agency_in && !eg_valid_agency_code(agency_in))
        return eg_req_fail_field(r, EG_EUNPROCESSABLE, "agency_code", "Mã cơ quan không hợp lệ");
    char agency[14] = "";
    eg_conn *c = eg_db_conn(fb->app->db);
    if (strcmp(otype, "procedure") == 0) {
        if (!eg_valid_procedure_code(ocode))
            return eg_req_fail_field(r, EG_EUNPROCESSABLE, "object_code",
                                     "Mã thủ tục hành chính không hợp lệ");
#if FB_HAVE_CATALOG
        json_t *proc = NULL;
        if (eg_catalog_procedure(c, ocode, &proc))
            return eg_req_fail_field(r, EG_EUNPROCESSABLE, "object_code",
                                     "Không có thủ tục %s trong danh mục", ocode);
        const char *pa = eg_json_str(proc, "agency_code");
        snprintf(agency, sizeof(agency), "%s", pa ? pa : "");
        json_decref(proc);
        if (!agency[0] && agency_in)
            snprintf(agency, sizeof(agency), "%s", agency_in);
#else
        if (agency_in)
            snprintf(agency, sizeof(agency), "%s", agency_in);
#endif
    } else if (dossier_fn) {
        char owner[128] = "";
        if (dossier_fn(c, ocode, agency, owner, sizeof(owner)) || strcmp(owner, p->subject) != 0)
            return eg_req_fail_field(r, EG_ENOTFOUND, "object_code",
                                     "Không tìm thấy hồ sơ %s của người gửi", ocode);
    } else if (agency_in) {
        snprintf(agency, sizeof(agency), "%s", agency_in);
    }
    if (!agency[0])
        return eg_req_fail_field(r, EG_EUNPROCESSABLE, "agency_code",
                                 "Cần mã cơ quan chịu trách nhiệm");
    char *title = text_field(r, b, "title", 300, 1, &rc);
    if (!title)
        return rc;
    char *content = text_field(r, b, "content", 8000, 1, &rc);
    if (!content)
        return rc;
    json_t *pub = json_object_get(b, "allow_publish");
    if (pub && !json_is_boolean(pub))
        return eg_req_fail_field(r, EG_EUNPROCESSABLE, "allow_publish", "Phải là true/false");
    int64_t now = eg_now_ms(), due = 0;
    eg_calendar_deadline(fb->app->calendar, now, fb->sla_days, &due);
    char now_iso[25], due_iso[25];
    eg_time_iso_ms(now, now_iso);
    eg_time_iso_ms(due, due_iso);
    rc = eg_tx_begin(c);
    if (rc)
        return rc;
    eg_stmt *st = NULL;
    int64_t id = 0;
    rc = eg_query(c, &st,
                  "INSERT INTO feedback_items (object_type, object_code, agency_code, "
                  "author_subject, author_kind, author_name, title, content, allow_publish, "
                  "state, sla_days, due_at, created_at) VALUES (?,?,?,?,?,?,?,?,?,"
                  "'pending_assignment',?,?,?) RETURNING id",
                  "ttttttttiitt", otype, ocode, agency, p->subject, p->kind, p->name, title,
                  content, pub && json_is_true(pub) ? 1 : 0, fb->sla_days, due_iso, now_iso);
    if (!rc) {
        rc = eg_step(st);
        if (rc == EG_ROW) {
            id = eg_col_int64(st, 0);
            rc = 0;
        } else if (rc == EG_DONE) {
            rc = EG_EDB;
        }
    }
    eg_stmt_done(st);
    if (!rc)
        rc = add_event(c, r, id, agency, "create", NULL);
    if (rc) {
        eg_tx_rollback(c);
        return rc;
    }
    rc = eg_tx_commit(c);
    if (rc)
        return rc;
    json_t *out = shape(load(c, id));
    eg_reply_etag(r, 1);
    return eg_reply_json(r, 201, out);
}

/* Loads {id} and checks the caller may see it; 404 otherwise (existence not revealed). */
static int load_visible(eg_req *r, const eg_principal **pp, json_t **out)
{
    int rc = eg_require_principal(r, pp);
    if (rc)
        return rc;
    const char *ids = eg_req_param(r, "id");
    char *end = NULL;
    long long id = ids ? strtoll(ids, &end, 10) : 0;
    json_t *f = (ids && end && !*end && id > 0) ? load(eg_db_conn(fb->app->db), id) : NULL;
    eg_object o = {"feedback", f ? eg_json_str(f, "agency_code") : NULL,
                   f ? eg_json_str(f, "author_subject") : NULL};
    if (!f || eg_authz(*pp, "read", &o)) {
        json_decref(f);
        return eg_req_fail(r, EG_ENOTFOUND, "Không có phản ánh %s", ids ? ids : "");
    }
    *out = f;
    return 0;
}

static int h_get(eg_req *r)
{
    const eg_principal *p;
    json_t *f = NULL;
    int rc = load_visible(r, &p, &f);
    if (rc)
        return rc;
    json_t *ev = NULL;
    eg_query_json(eg_db_conn(fb->app->db), &ev,
                  "SELECT at, actor, action, note FROM feedback_events WHERE feedback_id = ? "
                  "ORDER BY id",
                  "l", (int64_t)json_integer_value(json_object_get(f, "id")));
    json_object_set_new(f, "timeline", ev ? ev : json_array());
    eg_reply_etag(r, json_integer_value(json_object_get(f, "version")));
    return eg_reply_json(r, 200, shape(f));
}

static int h_list(eg_req *r)
{
    const eg_principal *p = NULL;
    int rc = eg_require_principal(r, &p);
    if (rc)
        return rc;
    int limit = eg_req_limit(r);
    const char *cur = eg_req_query(r, "cursor");
    const char *state = eg_req_query(r, "state");
    long long before = cur ? strtoll(cur, NULL, 10) : 0;
    if (before <= 0)
        before = INT64_MAX;
    json_t *rows = NULL;
    if (is_public_author(p)) {
        rc = eg_query_json(r ? eg_db_conn(fb->app->db) : NULL, &rows,
                           "SELECT " FB_COLS " FROM feedback_items WHERE author_subject = ? AND "
                           "id < ? AND (CAST(? AS TEXT) IS NULL OR state = ?) ORDER BY id DESC "
                           "LIMIT ?",
                           "tltti", p->subject, (int64_t)before, state, state, limit + 1);
    } else {
        const char *agency = eg_req_query(r, "agency_code");
        if (!agency)
            agency = p->agency_code;
        if (!agency || !eg_valid_agency_code(agency))
            return eg_req_fail_field(r, EG_EINVAL, "agency_code", "Cần mã cơ quan");
        eg_object o = {"feedback", agency, NULL};
        rc = eg_authorize(r, "read", &o);
        if (rc)
            return rc;
        rc = eg_query_json(eg_db_conn(fb->app->db), &rows,
                           "SELECT " FB_COLS " FROM feedback_items WHERE agency_code = ? AND "
                           "id < ? AND (CAST(? AS TEXT) IS NULL OR state = ?) ORDER BY id DESC "
                           "LIMIT ?",
                           "tltti", agency, (int64_t)before, state, state, limit + 1);
    }
    if (rc)
        return rc;
    json_t *next = json_null();
    if (json_array_size(rows) > (size_t)limit) {
        json_array_remove(rows, (size_t)limit);
        json_decref(next);
        next = json_sprintf("%lld", (long long)json_integer_value(json_object_get(
                                        json_array_get(rows, (size_t)limit - 1), "id")));
    }
    size_t i;
    json_t *v;
    json_array_foreach(rows, i, v) shape(v);
    return eg_reply_json(r, 200, json_pack("{s:o, s:o}", "items", rows, "next_cursor", next));
}

static int h_public(eg_req *r)
{
    int limit = eg_req_limit(r);
    const char *cur = eg_req_query(r, "cursor");
    long long before = cur ? strtoll(cur, NULL, 10) : 0;
    if (before <= 0)
        before = INT64_MAX;
    json_t *rows = NULL;
    int rc = eg_query_json(eg_db_conn(fb->app->db), &rows,
                           "SELECT id, object_type, object_code, agency_code, title, content, "
                           "answer, created_at, answered_at, rating FROM feedback_items WHERE "
                           "allow_publish = 1 AND state IN ('resolved', 'closed') AND answer IS "
                           "NOT NULL AND id < ? ORDER BY id DESC LIMIT ?",
                           "li", (int64_t)before, limit + 1);
    if (rc)
        return rc;
    json_t *next = json_null();
    if (json_array_size(rows) > (size_t)limit) {
        json_array_remove(rows, (size_t)limit);
        json_decref(next);
        next = json_sprintf("%lld", (long long)json_integer_value(json_object_get(
                                        json_array_get(rows, (size_t)limit - 1), "id")));
    }
    return eg_reply_json(r, 200, json_pack("{s:o, s:o}", "items", rows, "next_cursor", next));
}

/* ------------------------------------------------------------------ actions */

static int h_action(eg_req *r)
{
    const eg_principal *p;
    json_t *f = NULL;
    int rc = load_visible(r, &p, &f);
    if (rc)
        return rc;
    const char *action = eg_req_param(r, "action");
    size_t blen = 0;
    eg_req_body(r, &blen);
    json_t *b = blen ? eg_req_json(r, &rc) : NULL;
    if (blen && !b) {
        json_decref(f);
        return rc;
    }
    if (!b)
        b = json_object(), eg_arena_on_free(eg_req_arena(r), (void (*)(void *))json_decref, b);
    int64_t id = json_integer_value(json_object_get(f, "id"));
    int64_t ver = json_integer_value(json_object_get(f, "version"));
    char state[24], agency[16], author[128];
    snprintf(state, sizeof(state), "%s", eg_json_str(f, "state"));
    snprintf(agency, sizeof(agency), "%s", eg_json_str(f, "agency_code"));
    snprintf(author, sizeof(author), "%s", eg_json_str(f, "author_subject"));
    int64_t answered_ms = json_integer_value(json_object_get(f, "answered_ms"));
    json_decref(f);
    rc = eg_req_check_if_match(r, ver);
    if (rc)
        return rc;
    int is_author = strcmp(author, p->subject) == 0;
    eg_object o = {"feedback", agency, NULL};
    eg_conn *c = eg_db_conn(fb->app->db);
    char now_iso[25];
    int64_t now = eg_now_ms();
    eg_time_iso_ms(now, now_iso);
    const char *sql = NULL, *note = NULL;
    char *t1 = NULL;
    int rating = 0;
    if (strcmp(action, "assign") == 0) {
        rc = eg_authorize(r, "assign", &o);
        if (rc)
            return rc;
        if (strcmp(state, "pending_assignment") && strcmp(state, "assigned"))
            return eg_req_fail(r, EG_ECONFLICT, "Chỉ phân công phản ánh đang chờ hoặc đã phân");
        t1 = text_field(r, b, "assignee", 128, 0, &rc);
        if (rc)
            return rc;
        sql = "UPDATE feedback_items SET state = 'assigned', assignee = ?, version = version + "
              "1 WHERE id = ? AND version = ?";
        note = t1 ? t1 : eg_actor(r);
        if (!t1)
            t1 = (char *)eg_actor(r);
    } else if (strcmp(action, "resolve") == 0 || strcmp(action, "reject") == 0) {
        rc = eg_authorize(r, "process", &o);
        if (rc)
            return rc;
        int resolve = action[2] == 's';
        if (resolve ? strcmp(state, "assigned")
                    : (strcmp(state, "pending_assignment") && strcmp(state, "assigned")))
            return eg_req_fail(r, EG_ECONFLICT, "Trạng thái hiện tại không cho phép thao tác này");
        t1 = text_field(r, b, resolve ? "answer" : "reason", 8000, 1, &rc);
        if (!t1)
            return rc;
        note = t1;
        sql = resolve ? "UPDATE feedback_items SET state = 'resolved', answer = ?, answered_at = "
                        "?, answered_ms = ?, version = version + 1 WHERE id = ? AND version = ?"
                      : "UPDATE feedback_items SET state = 'rejected', reject_reason = ?, "
                        "answered_at = ?, answered_ms = ?, version = version + 1 WHERE id = ? "
                        "AND version = ?";
    } else if (strcmp(action, "reopen") == 0 || strcmp(action, "close") == 0) {
        if (!is_author)
            return eg_req_fail(r, EG_EFORBIDDEN, "Chỉ người gửi phản ánh được thực hiện");
        if (strcmp(state, "resolved") && strcmp(state, "rejected"))
            return eg_req_fail(r, EG_ECONFLICT, "Phản ánh chưa được trả lời hoặc đã đóng");
        if (action[0] == 'r') {
            if (now - answered_ms > (int64_t)fb->reopen_days * 86400000LL)
                return eg_req_fail(r, EG_ECONFLICT, "Đã quá %d ngày kể từ khi trả lời",
                                   fb->reopen_days);
            t1 = text_field(r, b, "reason", 4000, 1, &rc);
            if (!t1)
                return rc;
            note = t1;
            sql = "UPDATE feedback_items SET state = 'assigned', reopen_count = reopen_count + "
                  "1, version = version + 1 WHERE id = ? AND version = ?";
        } else {
            json_t *rt = json_object_get(b, "rating");
            if (!json_is_integer(rt) || json_integer_value(rt) < 1 || json_integer_value(rt) > 5)
                return eg_req_fail_field(r, EG_EUNPROCESSABLE, "rating",
                                         "Mức hài lòng phải là số nguyên từ 1 đến 5");
            rating = (int)json_integer_value(rt);
            t1 = text_field(r, b, "comment", 2000, 0, &rc);
            if (rc)
                return rc;
            note = t1;
            sql = "UPDATE feedback_items SET state = 'closed', rating = ?, rating_comment = ?, "
                  "closed_at = ?, version = version + 1 WHERE id = ? AND version = ?";
        }
    } else {
        return eg_req_fail(r, EG_ENOTFOUND, "Không có thao tác %s", action);
    }
    rc = eg_tx_begin(c);
    if (rc)
        return rc;
    int64_t ch = 0;
    if (strcmp(action, "assign") == 0)
        rc = eg_exec(c, &ch, sql, "tll", t1, id, ver);
    else if (strcmp(action, "resolve") == 0 || strcmp(action, "reject") == 0)
        rc = eg_exec(c, &ch, sql, "ttlll", t1, now_iso, now, id, ver);
    else if (strcmp(action, "reopen") == 0)
        rc = eg_exec(c, &ch, sql, "ll", id, ver);
    else
        rc = eg_exec(c, &ch, sql, "ittll", rating, t1, now_iso, id, ver);
    if (!rc && ch != 1)
        rc = EG_EPRECOND;
    if (!rc)
        rc = add_event(c, r, id, agency, action, note);
    if (rc) {
        eg_tx_rollback(c);
        return rc;
    }
    rc = eg_tx_commit(c);
    if (rc)
        return rc;
    json_t *nf = shape(load(c, id));
    eg_reply_etag(r, json_integer_value(json_object_get(nf, "version")));
    return eg_reply_json(r, 200, nf);
}

/* ------------------------------------------------------------------ module */

static const struct eg_permission feedback_permissions[] = {
    {"citizen", "read", "feedback", EG_SCOPE_OWN},
    {"business", "read", "feedback", EG_SCOPE_OWN},
    {"receiver", "read", "feedback", EG_SCOPE_AGENCY},
    {"receiver", "assign", "feedback", EG_SCOPE_AGENCY},
    {"officer", "read", "feedback", EG_SCOPE_AGENCY},
    {"officer", "process", "feedback", EG_SCOPE_AGENCY},
    {"unit_leader", "read", "feedback", EG_SCOPE_AGENCY},
    {"unit_leader", "assign", "feedback", EG_SCOPE_AGENCY},
    {"unit_leader", "process", "feedback", EG_SCOPE_AGENCY},
    {"leader", "read", "feedback", EG_SCOPE_AGENCY},
    {"leader", "assign", "feedback", EG_SCOPE_AGENCY},
    {"leader", "process", "feedback", EG_SCOPE_AGENCY},
    {"clerk", "read", "feedback", EG_SCOPE_AGENCY},
    {NULL, NULL, NULL, 0},
};

static int feedback_init(eg_app *app)
{
    fb = eg_calloc(1, sizeof(*fb));
    fb->app = app;
    fb->sla_days = (int)eg_config_int(app->cfg, "feedback.sla_days", 10);
    fb->reopen_days = (int)eg_config_int(app->cfg, "feedback.reopen_days", 7);
    if (fb->sla_days < 1 || fb->sla_days > 90)
        fb->sla_days = 10;
    app->mod[eg_module_slot("feedback")] = fb;
    return 0;
}

static void feedback_routes(eg_app *app, eg_http *h)
{
    const char *tag = "feedback";
    eg_http_route(h, "POST", "/api/v1/feedback", h_create,
                  &(eg_route_opts){.tag = tag, .summary = "File feedback (citizen, business)"});
    eg_http_route(h, "GET", "/api/v1/feedback", h_list,
                  &(eg_route_opts){.tag = tag, .summary = "My feedback, or my agency's"});
    eg_http_route(h, "GET", "/api/v1/feedback/{id}", h_get,
                  &(eg_route_opts){.tag = tag, .summary = "One feedback with its timeline"});
    eg_http_route(
        h, "POST", "/api/v1/feedback/{id}/actions/{action}", h_action,
        &(eg_route_opts){.tag = tag, .summary = "assign, resolve, reject, reopen or close"});
    eg_http_route(h, "GET", "/api/v1/public/feedback", h_public,
                  &(eg_route_opts){.tag = tag, .summary = "Published answered feedback"});
}

static void feedback_shutdown(eg_app *app)
{
    free(fb);
    fb = NULL;
}

const struct eg_module eg_feedback_module = {
    .name = "feedback",
    .permissions = feedback_permissions,
    .init = feedback_init,
    .routes = feedback_routes,
    .shutdown = feedback_shutdown,
};
