/*
 * api.c - the statistics routes. Every handler: parse and validate the parameters (400/422
 * problem naming the field, nothing read before that), resolve the caller's agency scope,
 * run eg_dossier_stats (dossier.h) and shape JSON or CSV.
 *
 * Scope: the agencies that have facts are checked one by one with eg_authz(read, report,
 * agency), which honours "and its sub-units" through the catalogue's hierarchy. When every
 * agency is allowed no filter is applied. ?agency=X narrows to X and its sub-units and is 403
 * when the caller may not read X's reports (cross-agency denial).
 */
#include <math.h>
#include <stdlib.h>
#include "reports/internal.h"

typedef struct {
    eg_dossier_stats_query q;
    const char *from_s, *to_s, *agency;
    int group;
} rp_params;

static const char *channel_name(int ch)
{
    return ch == 1 ? "Trực tiếp" : ch == 2 ? "Trực tuyến" : ch == 3 ? "Bưu chính" : "?";
}

static json_t *pct(int64_t num, int64_t den)
{
    if (den <= 0)
        return json_null();
    return json_real(round(1000.0 * (double)num / (double)den) / 10.0);
}

/* Parses the common parameters; allowed_groups is a NULL-terminated list of names. */
static int parse_params(eg_req *r, rp_params *p, const char *def_group,
                        const char *const *allowed_groups)
{
    memset(p, 0, sizeof *p);
    const char *g = eg_req_query(r, "group_by");
    if (!g || !*g)
        g = def_group;
    int ok = 0;
    for (int i = 0; allowed_groups[i]; i++)
        ok |= !strcmp(g, allowed_groups[i]);
    p->group = ok ? eg_reports_group(g) : -1;
    if (p->group < 0)
        return eg_req_fail_field(r, EG_EINVAL, "group_by", "group_by không hợp lệ: '%s'", g);
    p->from_s = eg_req_query(r, "from");
    p->to_s = eg_req_query(r, "to");
    if (p->from_s && *p->from_s && eg__rp_day(p->from_s, &p->q.from_day))
        return eg_req_fail_field(r, EG_EINVAL, "from", "from phải là ngày dạng YYYY-MM-DD");
    if (p->to_s && *p->to_s && eg__rp_day(p->to_s, &p->q.to_day))
        return eg_req_fail_field(r, EG_EINVAL, "to", "to phải là ngày dạng YYYY-MM-DD");
    if (p->q.from_day && p->q.to_day && p->q.from_day > p->q.to_day)
        return eg_req_fail_field(r, EG_EUNPROCESSABLE, "to", "to phải từ ngày from trở đi");
    if (p->group == EG_DS_BY_DAY) {
        if (!p->q.from_day || !p->q.to_day)
            return eg_req_fail_field(r, EG_EUNPROCESSABLE, "from",
                                     "thống kê theo ngày cần from và to");
        int32_t a = eg_days_from_civil(p->q.from_day / 10000, p->q.from_day / 100 % 100,
                                       p->q.from_day % 100);
        int32_t b =
            eg_days_from_civil(p->q.to_day / 10000, p->q.to_day / 100 % 100, p->q.to_day % 100);
        if (b - a > 366)
            return eg_req_fail_field(r, EG_EUNPROCESSABLE, "to",
                                     "thống kê theo ngày tối đa 366 ngày");
    }
    p->agency = eg_req_query(r, "agency");
    if (p->agency && !*p->agency)
        p->agency = NULL;
    if (p->agency && !eg_valid_agency_code(p->agency))
        return eg_req_fail_field(r, EG_EINVAL, "agency", "mã cơ quan không hợp lệ: '%s'",
                                 p->agency);
    const char *proc = eg_req_query(r, "procedure");
    if (proc && *proc) {
        if (strlen(proc) > 40)
            return eg_req_fail_field(r, EG_EINVAL, "procedure", "mã thủ tục không hợp lệ");
        p->q.procedure_code = proc;
    }
    const char *field = eg_req_query(r, "field");
    if (field && *field) {
        if (strlen(field) > 40)
            return eg_req_fail_field(r, EG_EINVAL, "field", "mã lĩnh vực không hợp lệ");
        p->q.field = field;
    }
    const char *ch = eg_req_query(r, "channel");
    if (ch && *ch) {
        if (strlen(ch) != 1 || ch[0] < '1' || ch[0] > '3')
            return eg_req_fail_field(r, EG_EINVAL, "channel",
                                     "channel là 1 (trực tiếp), 2 (trực tuyến) hoặc 3 (bưu chính)");
        p->q.channel = ch[0] - '0';
    }
    p->q.group = p->group;
    p->q.now_ms = eg_now_ms();
    return 0;
}

/* Sets p->q.agencies to what the caller may read (NULL = everything). */
static int resolve_scope(eg_req *r, eg_conn *c, rp_params *p)
{
    const eg_principal *pr;
    int rc = eg_require_principal(r, &pr);
    if (rc)
        return rc;
    if (p->agency && eg_authz(pr, "read", &(eg_object){"report", p->agency, NULL}))
        return eg_req_fail(r, EG_EFORBIDDEN, "không có quyền xem thống kê của cơ quan %s",
                           p->agency);
    const char **all;
    int n;
    rc = eg_dossier_stats_agencies(c, eg_req_arena(r), &all, &n);
    if (rc)
        return rc;
    const char **keep = eg_arena_alloc(eg_req_arena(r), (size_t)(n + 1) * sizeof *keep);
    int k = 0;
    for (int i = 0; i < n; i++) {
        if (p->agency && strcmp(all[i], p->agency) && !eg_catalog_agency_within(all[i], p->agency))
            continue;
        if (eg_authz(pr, "read", &(eg_object){"report", all[i], NULL}))
            continue;
        keep[k++] = all[i];
    }
    if (!p->agency && !k &&
        eg_authz(pr, "read",
                 &(eg_object){"report", pr->agency_code ? pr->agency_code : "000.00.00.H00", NULL}))
        return eg_req_fail(r, EG_EFORBIDDEN, "không có quyền xem thống kê hồ sơ");
    if (k == n && !p->agency) {
        p->q.agencies = NULL;
    } else {
        p->q.agencies = keep;
        p->q.nagencies = k;
    }
    return 0;
}

/* Procedure names, cached per process for five minutes (a procedure group lists hundreds of
 * codes; unknown codes are cached as ""). */
static void procedure_name(eg_conn *c, const char *code, char *out, size_t n)
{
    rp_state *st = eg__rp_state();
    out[0] = 0;
    if (!st)
        return;
    pthread_mutex_lock(&st->lock);
    if (!st->proc_names || eg_mono_ms() - st->proc_names_at > 300000) {
        json_decref(st->proc_names);
        st->proc_names = json_object();
        st->proc_names_at = eg_mono_ms();
    }
    const char *hit = eg_json_str(st->proc_names, code);
    if (hit)
        snprintf(out, n, "%s", hit);
    pthread_mutex_unlock(&st->lock);
    if (hit)
        return;
    json_t *pj = NULL;
    if (eg_catalog_procedure(c, code, &pj) == 0 && pj) {
        snprintf(out, n, "%s", eg_json_str(pj, "name") ? eg_json_str(pj, "name") : "");
        json_decref(pj);
    }
    pthread_mutex_lock(&st->lock);
    if (json_object_size(st->proc_names) < 20000)
        json_object_set_new(st->proc_names, code, json_string(out));
    pthread_mutex_unlock(&st->lock);
}

static const char *key_name(eg_conn *c, eg_arena *a, int group, const char *key)
{
    char buf[512] = "";
    if (group == EG_DS_BY_AGENCY) {
        eg_catalog_agency_name(key, buf, sizeof buf);
    } else if (group == EG_DS_BY_PROCEDURE) {
        procedure_name(c, key, buf, sizeof buf);
    } else if (group == EG_DS_BY_FIELD) {
        rp_state *st = eg__rp_state();
        const char *n = st ? eg_json_str(st->fields, key) : NULL;
        snprintf(buf, sizeof buf, "%s", n ? n : "");
    } else if (group == EG_DS_BY_CHANNEL) {
        snprintf(buf, sizeof buf, "%s", channel_name(atoi(key)));
    } else if (group == EG_DS_BY_NONE) {
        snprintf(buf, sizeof buf, "Tổng cộng");
    }
    return buf[0] ? eg_arena_strdup(a, buf) : NULL;
}

typedef struct {
    eg_req *r;
    eg_conn *c;
    int group;
    json_t *items;
    eg_dossier_stats_row total;
} collect_ctx;

static void add_row(eg_dossier_stats_row *t, const eg_dossier_stats_row *x)
{
    t->received += x->received;
    t->in_progress += x->in_progress;
    t->overdue += x->overdue;
    t->on_time += x->on_time;
    t->late += x->late;
    t->closed += x->closed;
    t->rated += x->rated;
    t->rating_sum += x->rating_sum;
    for (int i = 0; i < 5; i++)
        t->ratings[i] += x->ratings[i];
}

static json_t *counts_json(const eg_dossier_stats_row *x)
{
    int64_t resolved = x->on_time + x->late;
    json_t *j =
        json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "received", (json_int_t)x->received,
                  "resolved", (json_int_t)resolved, "on_time", (json_int_t)x->on_time, "late",
                  (json_int_t)x->late, "in_progress", (json_int_t)x->in_progress, "overdue",
                  (json_int_t)x->overdue, "withdrawn_refused", (json_int_t)x->closed);
    json_object_set_new(j, "on_time_percent", pct(x->on_time, resolved));
    return j;
}

static json_t *satisfaction_json(const eg_dossier_stats_row *x)
{
    json_t *d = json_object();
    for (int i = 0; i < 5; i++) {
        char k[2] = {(char)('1' + i), 0};
        json_object_set_new(d, k, json_integer(x->ratings[i]));
    }
    json_t *avg = x->rated
                      ? json_real(round(100.0 * (double)x->rating_sum / (double)x->rated) / 100.0)
                      : json_null();
    return json_pack("{s:I, s:o, s:o}", "count", (json_int_t)x->rated, "average", avg,
                     "distribution", d);
}

static json_t *keyed(collect_ctx *cx, const eg_dossier_stats_row *x, json_t *body)
{
    json_t *j = json_pack("{s:s}", "key", x->key);
    const char *name = key_name(cx->c, eg_req_arena(cx->r), cx->group, x->key);
    json_object_set_new(j, "name", eg_json_strn(name));
    if (cx->group == EG_DS_BY_CHANNEL)
        json_object_set_new(j, "channel", json_integer(atoi(x->key)));
    json_object_update(j, body);
    json_decref(body);
    return j;
}

static int collect_counts(void *ctx, const eg_dossier_stats_row *x)
{
    collect_ctx *cx = ctx;
    add_row(&cx->total, x);
    json_array_append_new(cx->items, keyed(cx, x, counts_json(x)));
    return 0;
}

static int collect_satisfaction(void *ctx, const eg_dossier_stats_row *x)
{
    collect_ctx *cx = ctx;
    if (!x->rated)
        return 0;
    add_row(&cx->total, x);
    json_array_append_new(cx->items, keyed(cx, x, satisfaction_json(x)));
    return 0;
}

static json_t *envelope(const rp_params *p, const char *group, json_t *items, json_t *total)
{
    return json_pack("{s:s, s:o, s:o, s:o, s:o, s:o, s:n}", "group_by", group, "from",
                     eg_json_strn(p->from_s && *p->from_s ? p->from_s : NULL), "to",
                     eg_json_strn(p->to_s && *p->to_s ? p->to_s : NULL), "agency",
                     eg_json_strn(p->agency), "items", items, "total", total, "next_cursor");
}

static int wants_csv(eg_req *r)
{
    const char *f = eg_req_query(r, "format");
    if (f && !strcmp(f, "csv"))
        return 1;
    const char *acc = eg_req_header(r, "Accept");
    return acc && strstr(acc, "text/csv") != NULL;
}

static int reply_csv(eg_req *r, json_t *items, const char *group)
{
    static const char *cols[] = {
        "key",         "name",    "received",          "resolved",        "on_time", "late",
        "in_progress", "overdue", "withdrawn_refused", "on_time_percent", NULL};
    eg_buf b = EG_BUF_INIT;
    for (int i = 0; cols[i]; i++) {
        if (i)
            eg_buf_putc(&b, ',');
        eg_buf_puts(&b, cols[i]);
    }
    eg_buf_puts(&b, "\r\n");
    size_t k;
    json_t *it;
    json_array_foreach(items, k, it)
    {
        for (int i = 0; cols[i]; i++) {
            if (i)
                eg_buf_putc(&b, ',');
            json_t *v = json_object_get(it, cols[i]);
            char num[64];
            if (json_is_string(v)) {
                eg_csv_put(&b, json_string_value(v));
            } else if (json_is_integer(v)) {
                snprintf(num, sizeof num, "%lld", (long long)json_integer_value(v));
                eg_buf_puts(&b, num);
            } else if (json_is_real(v)) {
                snprintf(num, sizeof num, "%.1f", json_real_value(v));
                eg_buf_puts(&b, num);
            }
        }
        eg_buf_puts(&b, "\r\n");
    }
    char disp[128];
    snprintf(disp, sizeof disp, "attachment; filename=\"thong-ke-ho-so-%s.csv\"", group);
    eg_reply_header(r, "Content-Disposition", disp);
    int rc = eg_reply(r, 200, "text/csv; charset=utf-8", b.data ? b.data : "", b.len);
    eg_buf_free(&b);
    return rc;
}

static const char *const COUNT_GROUPS[] = {"agency", "procedure", "field", "channel", "day",
                                           "month",  "quarter",   "year",  "none",    NULL};

static int get_dossiers(eg_req *r)
{
    eg_app *app = eg_req_app(r);
    rp_params p;
    int rc = parse_params(r, &p, "agency", COUNT_GROUPS);
    if (rc)
        return rc;
    eg_conn *c = eg_db_conn(app->db);
    rc = resolve_scope(r, c, &p);
    if (rc)
        return rc;
    collect_ctx cx = {.r = r, .c = c, .group = p.group, .items = json_array()};
    rc = eg_dossier_stats(c, &p.q, collect_counts, &cx);
    if (rc) {
        json_decref(cx.items);
        return rc;
    }
    const char *g = eg_req_query(r, "group_by");
    g = g && *g ? g : "agency";
    if (wants_csv(r)) {
        rc = reply_csv(r, cx.items, g);
        json_decref(cx.items);
        return rc;
    }
    return eg_reply_json(r, 200, envelope(&p, g, cx.items, counts_json(&cx.total)));
}

static int get_satisfaction(eg_req *r)
{
    static const char *const groups[] = {"procedure", "agency", "field", "none", NULL};
    eg_app *app = eg_req_app(r);
    rp_params p;
    int rc = parse_params(r, &p, "procedure", groups);
    if (rc)
        return rc;
    eg_conn *c = eg_db_conn(app->db);
    rc = resolve_scope(r, c, &p);
    if (rc)
        return rc;
    collect_ctx cx = {.r = r, .c = c, .group = p.group, .items = json_array()};
    rc = eg_dossier_stats(c, &p.q, collect_satisfaction, &cx);
    if (rc) {
        json_decref(cx.items);
        return rc;
    }
    const char *g = eg_req_query(r, "group_by");
    return eg_reply_json(
        r, 200, envelope(&p, g && *g ? g : "procedure", cx.items, satisfaction_json(&cx.total)));
}

/* Online counts by key, merged into the all-channel rows. */
static int collect_online(void *ctx, const eg_dossier_stats_row *x)
{
    json_object_set_new(ctx, x->key, json_integer(x->received));
    return 0;
}

static json_t *targets_json(double total_pct, int has)
{
    rp_state *st = eg__rp_state();
    json_t *out = json_array();
    size_t i;
    json_t *t;
    json_array_foreach(st ? st->targets : NULL, i, t)
    {
        json_t *c = json_deep_copy(t);
        const char *lvl = eg_json_str(t, "level");
        if (has && lvl && !strcmp(lvl, "province"))
            json_object_set_new(
                c, "met",
                json_boolean(total_pct >= json_real_value(json_object_get(t, "target_percent"))));
        json_array_append_new(out, c);
    }
    return out;
}

static int online_rate(eg_req *r, eg_conn *c, rp_params *p, json_t **out)
{
    collect_ctx cx = {.r = r, .c = c, .group = p->group, .items = json_array()};
    int rc = eg_dossier_stats(c, &p->q, collect_counts, &cx);
    json_t *online = json_object();
    eg_dossier_stats_query q2 = p->q;
    q2.channel = 2;
    if (!rc)
        rc = eg_dossier_stats(c, &q2, collect_online, online);
    if (rc) {
        json_decref(cx.items);
        json_decref(online);
        return rc;
    }
    json_t *items = json_array();
    size_t i;
    json_t *it;
    int64_t total_online = 0;
    json_array_foreach(cx.items, i, it)
    {
        int64_t n = json_integer_value(json_object_get(it, "received"));
        int64_t on = json_integer_value(json_object_get(online, eg_json_str(it, "key")));
        total_online += on;
        json_t *row = json_pack("{s:O, s:O, s:I, s:I, s:o}", "key", json_object_get(it, "key"),
                                "name", json_object_get(it, "name"), "received", (json_int_t)n,
                                "online", (json_int_t)on, "online_percent", pct(on, n));
        json_array_append_new(items, row);
    }
    json_decref(cx.items);
    json_decref(online);
    json_t *pt = pct(total_online, cx.total.received);
    double tp = json_is_real(pt) ? json_real_value(pt) : 0;
    json_t *total = json_pack("{s:I, s:I, s:o}", "received", (json_int_t)cx.total.received,
                              "online", (json_int_t)total_online, "online_percent", pt);
    *out = json_pack("{s:o, s:o, s:o}", "items", items, "total", total, "targets",
                     targets_json(tp, cx.total.received > 0));
    return 0;
}

static int get_online_rate(eg_req *r)
{
    eg_app *app = eg_req_app(r);
    rp_params p;
    int rc = parse_params(r, &p, "none", COUNT_GROUPS);
    if (rc)
        return rc;
    if (p.q.channel)
        return eg_req_fail_field(r, EG_EUNPROCESSABLE, "channel",
                                 "tỷ lệ trực tuyến không lọc theo kênh");
    eg_conn *c = eg_db_conn(app->db);
    rc = resolve_scope(r, c, &p);
    if (rc)
        return rc;
    json_t *body = NULL;
    rc = online_rate(r, c, &p, &body);
    if (rc)
        return rc;
    const char *g = eg_req_query(r, "group_by");
    json_t *env = envelope(&p, g && *g ? g : "none", json_incref(json_object_get(body, "items")),
                           json_incref(json_object_get(body, "total")));
    json_object_set(env, "targets", json_object_get(body, "targets"));
    json_decref(body);
    return eg_reply_json(r, 200, env);
}

/* ------------------------------------------------------------------ public summary */

static json_t *public_stats(eg_req *r, eg_conn *c)
{
    int64_t now = eg_now_ms();
    eg_tm t;
    eg_time_vn(now, &t);
    int32_t today = t.year * 10000 + t.month * 100 + t.day;
    int y0 = t.month == 12 ? t.year : t.year - 1, m0 = t.month == 12 ? 1 : t.month + 1;
    rp_params p;
    memset(&p, 0, sizeof p);
    p.q.now_ms = now;
    p.q.to_day = today;
    /* this year */
    p.q.from_day = t.year * 10000 + 101;
    p.q.group = EG_DS_BY_NONE;
    json_t *online = NULL;
    if (online_rate(r, c, &p, &online))
        return NULL;
    collect_ctx year = {.r = r, .c = c, .group = EG_DS_BY_NONE, .items = json_array()};
    collect_ctx months = {.r = r, .c = c, .group = EG_DS_BY_MONTH, .items = json_array()};
    collect_ctx fields = {.r = r, .c = c, .group = EG_DS_BY_FIELD, .items = json_array()};
    collect_ctx sat = {.r = r, .c = c, .group = EG_DS_BY_NONE, .items = json_array()};
    int rc = eg_dossier_stats(c, &p.q, collect_counts, &year);
    p.q.group = EG_DS_BY_FIELD;
    if (!rc)
        rc = eg_dossier_stats(c, &p.q, collect_counts, &fields);
    p.q.group = EG_DS_BY_NONE;
    if (!rc)
        rc = eg_dossier_stats(c, &p.q, collect_satisfaction, &sat);
    /* the last twelve months */
    p.q.from_day = y0 * 10000 + m0 * 100 + 1;
    p.q.group = EG_DS_BY_MONTH;
    if (!rc)
        rc = eg_dossier_stats(c, &p.q, collect_counts, &months);
    json_t *out = NULL;
    if (!rc) {
        char from[11], to[11];
        snprintf(from, sizeof from, "%04d-01-01", t.year);
        snprintf(to, sizeof to, "%04d-%02d-%02d", t.year, t.month, t.day);
        char at[25];
        eg_time_iso_ms(now, at);
        out = json_pack("{s:s, s:s, s:s, s:o, s:O, s:O, s:o, s:o, s:o}", "generated_at", at, "from",
                        from, "to", to, "totals", counts_json(&year.total), "online",
                        json_object_get(online, "total"), "targets",
                        json_object_get(online, "targets"), "satisfaction",
                        satisfaction_json(&sat.total), "by_field", json_incref(fields.items),
                        "by_month", json_incref(months.items));
    }
    json_decref(online);
    json_decref(year.items);
    json_decref(months.items);
    json_decref(fields.items);
    json_decref(sat.items);
    return out;
}

static int get_public_stats(eg_req *r)
{
    eg_app *app = eg_req_app(r);
    rp_state *st = eg__rp_state();
    char *body = NULL;
    pthread_mutex_lock(&st->lock);
    if (st->public_json && eg_mono_ms() - st->public_at < 60000)
        body = eg_strdup(st->public_json);
    pthread_mutex_unlock(&st->lock);
    if (!body) {
        json_t *j = public_stats(r, eg_db_conn(app->db));
        if (!j)
            return EG_EDB;
        body = json_dumps(j, JSON_COMPACT);
        json_decref(j);
        pthread_mutex_lock(&st->lock);
        free(st->public_json);
        st->public_json = eg_strdup(body);
        st->public_at = eg_mono_ms();
        pthread_mutex_unlock(&st->lock);
    }
    eg_reply_header(r, "Cache-Control", "public, max-age=60");
    int rc = eg_reply(r, 200, "application/json", body, strlen(body));
    free(body);
    return rc;
}

void eg__rp_routes(eg_app *app, eg_http *h)
{
    (void)app;
    eg_http_route(h, "GET", "/api/v1/reports/dossiers", get_dossiers,
                  &(eg_route_opts){.summary = "Thống kê hồ sơ TTHC theo cơ quan, thủ tục, lĩnh "
                                              "vực, kênh, kỳ (JSON hoặc CSV)",
                                   .tag = "reports"});
    eg_http_route(h, "GET", "/api/v1/reports/online-rate", get_online_rate,
                  &(eg_route_opts){.summary = "Tỷ lệ hồ sơ trực tuyến so với chỉ tiêu của tỉnh",
                                   .tag = "reports"});
    eg_http_route(
        h, "GET", "/api/v1/reports/satisfaction", get_satisfaction,
        &(eg_route_opts){.summary = "Mức độ hài lòng theo thủ tục hoặc cơ quan", .tag = "reports"});
    eg_http_route(h, "GET", "/api/v1/public/stats", get_public_stats,
                  &(eg_route_opts){.summary = "Số liệu công khai tổng hợp (không có dữ liệu cá "
                                              "nhân)",
                                   .tag = "reports"});
}
