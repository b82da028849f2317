/*
 * stats.c - LGSP monitoring: in-memory counters per (service, consumer) with a ring of the
 * latest latencies for percentiles, upstream health per service, Prometheus metrics, X-Road
 * style operational-monitoring records and the open-statistics export (aggregated per
 * service and hour, no consumer or user, published only after a delay - the Estonian
 * open-data model of references.md §A.6).
 *
 *   GET /api/v1/lgsp/stats                    counters and percentiles since start
 *   GET /api/v1/lgsp/opmon?from=&to=&limit=   operational-monitoring records (from the log)
 *   GET /api/v1/lgsp/opendata?day=YYYY-MM-DD  public, only for days older than
 *                                             lgsp.opendata_delay_days (default 10)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lgsp/internal.h"

#define RING 2048

struct entry {
    char *service, *client;
    uint64_t calls, errors, status_2xx, status_4xx, status_5xx;
    uint32_t ring[RING]; /* latencies, ms */
    uint64_t nring;
    struct entry *next;
};

struct health {
    char *service;
    int64_t last_ok_ms, last_fail_ms;
    int64_t consecutive_failures;
    struct health *next;
};

struct lgsp_stats {
    pthread_mutex_t mu;
    struct entry *entries;
    struct health *health;
};

struct lgsp_stats *eg__lgsp_stats_new(void)
{
    struct lgsp_stats *st = eg_calloc(1, sizeof(*st));
    pthread_mutex_init(&st->mu, NULL);
    return st;
}

void eg__lgsp_stats_free(struct lgsp_stats *st)
{
    if (!st)
        return;
    for (struct entry *e = st->entries, *n; e; e = n) {
        n = e->next;
        free(e->service);
        free(e->client);
        free(e);
    }
    for (struct health *h = st->health, *n; h; h = n) {
        n = h->next;
        free(h->service);
        free(h);
    }
    pthread_mutex_destroy(&st->mu);
    free(st);
}

void eg__lgsp_stats_add(struct lgsp_stats *st, const char *service, const char *client, int status,
                        int upstream_ok, int64_t ms)
{
    pthread_mutex_lock(&st->mu);
    struct entry *e = st->entries;
    while (e && (strcmp(e->service, service) || strcmp(e->client, client)))
        e = e->next;
    if (!e) {
        e = eg_calloc(1, sizeof(*e));
        e->service = eg_strdup(service);
        e->client = eg_strdup(client);
        e->next = st->entries;
        st->entries = e;
    }
    e->calls++;
    if (status >= 400)
        e->errors++;
    if (status < 300)
        e->status_2xx++;
    else if (status < 500)
        e->status_4xx++;
    else
        e->status_5xx++;
    e->ring[e->nring++ % RING] = (uint32_t)(ms < 0 ? 0 : ms);
    /* Upstream health only counts calls that reached (or tried to reach) the upstream. */
    if (upstream_ok || status == 502 || status == 504 || (status >= 500 && status != 503)) {
        struct health *h = st->health;
        while (h && strcmp(h->service, service))
            h = h->next;
        if (!h) {
            h = eg_calloc(1, sizeof(*h));
            h->service = eg_strdup(service);
            h->next = st->health;
            st->health = h;
        }
        if (upstream_ok) {
            h->last_ok_ms = eg_now_ms();
            h->consecutive_failures = 0;
        } else {
            h->last_fail_ms = eg_now_ms();
            h->consecutive_failures++;
        }
    }
    pthread_mutex_unlock(&st->mu);
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* Percentiles of the union of the rings (nearest-rank). */
static void percentiles(uint32_t *v, size_t n, json_t *o)
{
    qsort(v, n, sizeof(*v), cmp_u32);
    const double q[] = {0.5, 0.95, 0.99};
    const char *k[] = {"p50_ms", "p95_ms", "p99_ms"};
    for (int i = 0; i < 3; i++) {
        if (!n) {
            json_object_set_new(o, k[i], json_null());
            continue;
        }
        size_t idx = (size_t)(q[i] * (double)n + 0.999999);
        idx = idx ? idx - 1 : 0;
        if (idx >= n)
            idx = n - 1;
        json_object_set_new(o, k[i], json_integer(v[idx]));
    }
}

static size_t ring_copy(const struct entry *e, uint32_t *out)
{
    size_t n = e->nring < RING ? (size_t)e->nring : RING;
    memcpy(out, e->ring, n * sizeof(uint32_t));
    return n;
}

static json_t *stats_json(struct lgsp_stats *st)
{
    json_t *services = json_array();
    pthread_mutex_lock(&st->mu);
    /* Distinct services in first-seen order. */
    for (struct entry *e = st->entries; e; e = e->next) {
        int seen = 0;
        for (struct entry *f = st->entries; f != e; f = f->next)
            seen |= strcmp(f->service, e->service) == 0;
        if (seen)
            continue;
        json_t *svc = json_object(), *consumers = json_array();
        uint64_t calls = 0, errors = 0;
        size_t cap = 0, n = 0;
        for (struct entry *f = e; f; f = f->next)
            if (strcmp(f->service, e->service) == 0)
                cap += RING;
        uint32_t *all = eg_malloc(cap * sizeof(uint32_t) + 1);
        for (struct entry *f = e; f; f = f->next) {
            if (strcmp(f->service, e->service))
                continue;
            calls += f->calls;
            errors += f->errors;
            uint32_t one[RING];
            size_t m = ring_copy(f, one);
            memcpy(all + n, one, m * sizeof(uint32_t));
            n += m;
            json_t *c =
                json_pack("{s:s, s:I, s:I, s:I, s:I, s:I}", "client_id", f->client, "calls",
                          (json_int_t)f->calls, "errors", (json_int_t)f->errors, "status_2xx",
                          (json_int_t)f->status_2xx, "status_4xx", (json_int_t)f->status_4xx,
                          "status_5xx", (json_int_t)f->status_5xx);
            percentiles(one, m, c);
            json_array_append_new(consumers, c);
        }
        json_object_set_new(svc, "service", json_string(e->service));
        json_object_set_new(svc, "calls", json_integer((json_int_t)calls));
        json_object_set_new(svc, "errors", json_integer((json_int_t)errors));
        percentiles(all, n, svc);
        free(all);
        json_t *health = json_pack("{s:s}", "status", "unknown");
        for (struct health *h = st->health; h; h = h->next) {
            if (strcmp(h->service, e->service))
                continue;
            char ok[25] = "", bad[25] = "";
            if (h->last_ok_ms)
                eg_time_iso_ms(h->last_ok_ms, ok);
            if (h->last_fail_ms)
                eg_time_iso_ms(h->last_fail_ms, bad);
            json_decref(health);
            health = json_pack("{s:s, s:o, s:o, s:I}", "status",
                               h->consecutive_failures == 0 ? "up" : "down", "last_ok",
                               ok[0] ? json_string(ok) : json_null(), "last_failure",
                               bad[0] ? json_string(bad) : json_null(), "consecutive_failures",
                               (json_int_t)h->consecutive_failures);
        }
        json_object_set_new(svc, "upstream", health);
        json_object_set_new(svc, "consumers", consumers);
        json_array_append_new(services, svc);
    }
    pthread_mutex_unlock(&st->mu);
    return services;
}

static int get_stats(eg_req *r)
{
    int rc = eg_authorize(r, "read", &(eg_object){"lgsp_stats", NULL, NULL});
    if (rc)
        return rc;
    lgsp_state *s = eg__lgsp_state(eg_req_app(r));
    char since[25];
    eg_time_iso_ms(s->app->started_ms, since);
    return eg_reply_json(r, 200,
                         json_pack("{s:s, s:o}", "since", since, "services", stats_json(s->stats)));
}

void eg__lgsp_metrics(eg_buf *out, void *arg)
{
    eg_app *app = arg;
    lgsp_state *s = eg__lgsp_state(app);
    if (!s)
        return;
    struct lgsp_stats *st = s->stats;
    eg_buf_puts(out, "# HELP egov_lgsp_calls_total Calls through the LGSP gateway.\n"
                     "# TYPE egov_lgsp_calls_total counter\n");
    pthread_mutex_lock(&st->mu);
    for (struct entry *e = st->entries; e; e = e->next) {
        eg_buf_printf(out,
                      "egov_lgsp_calls_total{service=\"%s\",client=\"%s\",outcome=\"ok\"} %llu\n",
                      e->service, e->client, (unsigned long long)(e->calls - e->errors));
        eg_buf_printf(out,
                      "egov_lgsp_calls_total{service=\"%s\",client=\"%s\",outcome=\"error\"} "
                      "%llu\n",
                      e->service, e->client, (unsigned long long)e->errors);
    }
    eg_buf_puts(out, "# HELP egov_lgsp_upstream_up 1 when the last call reached the upstream.\n"
                     "# TYPE egov_lgsp_upstream_up gauge\n");
    for (struct health *h = st->health; h; h = h->next)
        eg_buf_printf(out, "egov_lgsp_upstream_up{service=\"%s\"} %d\n", h->service,
                      h->consecutive_failures == 0);
    pthread_mutex_unlock(&st->mu);
    pthread_mutex_lock(&s->mu);
    int64_t pending = s->pending, errors = s->write_errors, batches = s->batches,
            batched = s->batched;
    pthread_mutex_unlock(&s->mu);
    eg_buf_printf(out,
                  "# HELP egov_lgsp_log_pending Exchange records waiting for the log writer.\n"
                  "# TYPE egov_lgsp_log_pending gauge\negov_lgsp_log_pending %lld\n"
                  "# HELP egov_lgsp_log_write_errors_total Failed message-log batch writes.\n"
                  "# TYPE egov_lgsp_log_write_errors_total counter\n"
                  "egov_lgsp_log_write_errors_total %lld\n"
                  "# HELP egov_lgsp_log_batches_total Message-log transactions (group commits).\n"
                  "# TYPE egov_lgsp_log_batches_total counter\negov_lgsp_log_batches_total %lld\n"
                  "# HELP egov_lgsp_log_records_total Records written by those transactions.\n"
                  "# TYPE egov_lgsp_log_records_total counter\negov_lgsp_log_records_total %lld\n",
                  (long long)pending, (long long)errors, (long long)batches, (long long)batched);
}

/* X-Road operational-monitoring records (references.md §A.6) built from the message log. */
static int get_opmon(eg_req *r)
{
    int rc = eg_authorize(r, "read", &(eg_object){"lgsp_stats", NULL, NULL});
    if (rc)
        return rc;
    int64_t from = 0, to = INT64_MAX;
    const char *f = eg_req_query(r, "from"), *t = eg_req_query(r, "to");
    if (f && eg_time_parse(f, &from))
        return eg_req_fail_field(r, EG_EINVAL, "from", "Thời điểm 'from' không hợp lệ");
    if (t && eg_time_parse(t, &to))
        return eg_req_fail_field(r, EG_EINVAL, "to", "Thời điểm 'to' không hợp lệ");
    eg_app *app = eg_req_app(r);
    json_t *rows = NULL;
    rc = eg_query_json(eg_db_conn(app->db), &rows,
                       "SELECT id, xroad_id, side, client_id, service_code, service_version, "
                       "user_id, issue, status, error_type, request_in_ms, request_out_ms, "
                       "response_in_ms, response_out_ms, request_size, response_size "
                       "FROM lgsp_message WHERE request_in_ms >= ? AND request_in_ms <= ? "
                       "ORDER BY id DESC LIMIT ?",
                       "lli", from, to, eg_req_limit(r));
    if (rc)
        return rc;
    json_t *items = json_array();
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row)
    {
        const char *err = eg_json_str(row, "error_type");
        json_int_t st = json_integer_value(json_object_get(row, "status"));
        json_t *o = json_object();
        json_object_set_new(
            o, "monitoringDataTs",
            json_integer(json_integer_value(json_object_get(row, "response_out_ms")) / 1000));
        json_object_set_new(
            o, "securityServerType",
            json_string(strcmp(eg_json_str(row, "side"), "client") == 0 ? "Client" : "Producer"));
        const char *map[][2] = {
            {"requestInTs", "request_in_ms"},      {"requestOutTs", "request_out_ms"},
            {"responseInTs", "response_in_ms"},    {"responseOutTs", "response_out_ms"},
            {"clientSubsystemCode", "client_id"},  {"serviceCode", "service_code"},
            {"serviceVersion", "service_version"}, {"messageId", "xroad_id"},
            {"messageUserId", "user_id"},          {"messageIssue", "issue"},
            {"requestSize", "request_size"},       {"responseSize", "response_size"}};
        for (size_t k = 0; k < sizeof(map) / sizeof(map[0]); k++)
            json_object_set(o, map[k][0], json_object_get(row, map[k][1]));
        json_object_set_new(o, "messageProtocolVersion", json_string("REST"));
        json_object_set_new(o, "succeeded", json_boolean(!err && st < 500));
        json_object_set_new(o, "faultCode",
                            err ? json_sprintf("Server.ClientProxy.%s", err) : json_null());
        json_object_set_new(o, "faultString", err ? json_string(err) : json_null());
        json_array_append_new(items, o);
    }
    json_decref(rows);
    return eg_reply_json(r, 200, json_pack("{s:o, s:n}", "items", items, "next_cursor"));
}

/* Open statistics: per service and hour of one day, only once the day is older than the
 * configured delay. No consumer, user or message id leaves the platform this way. */
static int get_opendata(eg_req *r)
{
    eg_app *app = eg_req_app(r);
    const char *day = eg_req_query(r, "day");
    int64_t start = 0;
    if (!day || strlen(day) != 10 || eg_time_parse(day, &start))
        return eg_req_fail_field(r, EG_EINVAL, "day", "Tham số day có dạng YYYY-MM-DD");
    int64_t delay = eg_config_int(app->cfg, "lgsp.opendata_delay_days", 10);
    if (start + 86400000LL + delay * 86400000LL > eg_now_ms())
        return eg_req_fail_field(r, EG_EUNPROCESSABLE, "day",
                                 "Số liệu mở chỉ công bố sau %lld ngày", (long long)delay);
    json_t *rows = NULL;
    int rc =
        eg_query_json(eg_db_conn(app->db), &rows,
                      "SELECT service, hour, COUNT(*) AS calls, "
                      "CAST(SUM(CASE WHEN status >= 400 THEN 1 ELSE 0 END) AS BIGINT) AS errors, "
                      "CAST(SUM(request_size) AS BIGINT) AS request_bytes, "
                      "CAST(SUM(response_size) AS BIGINT) AS response_bytes FROM "
                      "(SELECT service_code AS service, "
                      "CAST((request_in_ms - ?) / 3600000 AS BIGINT) AS hour, status, "
                      "request_size, response_size FROM lgsp_message "
                      "WHERE request_in_ms >= ? AND request_in_ms < ?) t "
                      "GROUP BY service, hour ORDER BY service, hour",
                      "lll", start, start, start + 86400000LL);
    if (rc)
        return rc;
    return eg_reply_json(r, 200, json_pack("{s:s, s:o}", "day", day, "items", rows));
}

void eg__lgsp_stats_routes(eg_http *h)
{
    eg_http_route(h, "GET", "/api/v1/lgsp/stats", get_stats,
                  &(eg_route_opts){.summary = "Thống kê gọi dịch vụ LGSP (số lần, lỗi, độ trễ)",
                                   .tag = "lgsp"});
    eg_http_route(
        h, "GET", "/api/v1/lgsp/opmon", get_opmon,
        &(eg_route_opts){.summary = "Bản ghi giám sát vận hành kiểu X-Road", .tag = "lgsp"});
    eg_http_route(
        h, "GET", "/api/v1/lgsp/opendata", get_opendata,
        &(eg_route_opts){.summary = "Số liệu mở tổng hợp theo giờ (công bố trễ)", .tag = "lgsp"});
}
