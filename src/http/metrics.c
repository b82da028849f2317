/*
 * metrics.c - request counters and the latency histogram, rendered in the Prometheus text
 * format at GET /metrics.
 *
 * Counting sits on every request's path, so it takes no lock: each route owns a small
 * table of (method, status) slots claimed once with compare-and-swap and then bumped with
 * relaxed atomic adds. Requests no route claimed count under the pseudo-routes "static"
 * and "unmatched" so raw paths never become label values. Modules append their own
 * families through eg_http_add_metrics.
 */
#include <stdio.h>
#include <string.h>
#include "http/internal.h"

static const char *const method_names[] = {"GET",   "HEAD",   "POST",    "PUT",
                                           "PATCH", "DELETE", "OPTIONS", "OTHER"};
static const double bucket_le[EG_METRIC_BUCKETS - 1] = {0.001, 0.005, 0.01, 0.025, 0.05, 0.1,
                                                        0.25,  0.5,   1,    2.5,   10};

static unsigned method_index(const char *m)
{
    for (unsigned i = 0; i < 7; i++) {
        if (strcmp(m, method_names[i]) == 0)
            return i;
    }
    return 7;
}

static void count(struct eg__route_metrics *m, unsigned key)
{
    for (int i = 0; i < EG_METRIC_SLOTS; i++) {
        struct eg__counter *c = &m->slot[i];
        unsigned k = atomic_load_explicit(&c->key, memory_order_acquire);
        if (k == 0) {
            unsigned expected = 0;
            if (!atomic_compare_exchange_strong(&c->key, &expected, key))
                k = expected; /* another thread claimed it first */
            else
                k = key;
        }
        if (k == key) {
            atomic_fetch_add_explicit(&c->count, 1, memory_order_relaxed);
            return;
        }
    }
    /* Table full (more than 32 method/status pairs on one route): drop, never block. */
}

/* Counts a completed request and its duration. */
void eg__metrics_record(eg_http *h, eg_req *r, int64_t dur_ms)
{
    int status = r->status > 0 && r->status < 1000 ? r->status : 0;
    count(r->metrics, method_index(r->method) * 1000 + (unsigned)status + 1);
    double secs = (double)dur_ms / 1000.0;
    int b = 0;
    while (b < EG_METRIC_BUCKETS - 1 && secs > bucket_le[b])
        b++;
    atomic_fetch_add_explicit(&h->dur_buckets[b], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&h->dur_sum_us, (uint_fast64_t)(dur_ms * 1000), memory_order_relaxed);
    atomic_fetch_add_explicit(&h->dur_count, 1, memory_order_relaxed);
}

static void render_route(eg_buf *out, const char *route, struct eg__route_metrics *m)
{
    for (int i = 0; i < EG_METRIC_SLOTS; i++) {
        unsigned key = atomic_load_explicit(&m->slot[i].key, memory_order_acquire);
        if (key == 0)
            break;
        uint_fast64_t n = atomic_load_explicit(&m->slot[i].count, memory_order_relaxed);
        if (n == 0)
            continue;
        eg_buf_printf(
            out, "egov_http_requests_total{route=\"%s\",method=\"%s\",status=\"%u\"} %llu\n", route,
            method_names[(key - 1) / 1000], (key - 1) % 1000, (unsigned long long)n);
    }
}

/* Writes route as a label value (patterns contain no quotes, but be safe). */
static const char *label(eg_arena *a, const char *s)
{
    if (!strpbrk(s, "\"\\\n"))
        return s;
    eg_buf b = EG_BUF_INIT;
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            eg_buf_putc(&b, '\\');
        eg_buf_putc(&b, *s == '\n' ? ' ' : *s);
    }
    char *o = eg_arena_strdup(a, eg_buf_cstr(&b));
    eg_buf_free(&b);
    return o;
}

/* GET /metrics. */
int eg__metrics_handler(eg_req *r)
{
    eg_http *h = r->h;
    eg_buf out = EG_BUF_INIT;
    eg_buf_puts(&out, "# HELP egov_build_info Build version and commit.\n"
                      "# TYPE egov_build_info gauge\n");
    eg_buf_printf(&out, "egov_build_info{version=\"%s\",commit=\"%s\"} 1\n", EG_VERSION, EG_COMMIT);
    eg_buf_puts(&out, "# HELP egov_http_requests_total HTTP requests by route, method, status.\n"
                      "# TYPE egov_http_requests_total counter\n");
    for (int i = 0; i < h->nroutes; i++)
        render_route(&out, label(r->arena, h->routes[i].pattern), h->routes[i].metrics);
    render_route(&out, "static", &h->static_metrics);
    render_route(&out, "unmatched", &h->unmatched_metrics);
    eg_buf_puts(&out, "# HELP egov_http_request_duration_seconds HTTP request latency.\n"
                      "# TYPE egov_http_request_duration_seconds histogram\n");
    unsigned long long cum = 0;
    for (int b = 0; b < EG_METRIC_BUCKETS; b++) {
        cum += atomic_load_explicit(&h->dur_buckets[b], memory_order_relaxed);
        if (b < EG_METRIC_BUCKETS - 1)
            eg_buf_printf(&out, "egov_http_request_duration_seconds_bucket{le=\"%g\"} %llu\n",
                          bucket_le[b], cum);
        else
            eg_buf_printf(&out, "egov_http_request_duration_seconds_bucket{le=\"+Inf\"} %llu\n",
                          cum);
    }
    unsigned long long sum_us = atomic_load_explicit(&h->dur_sum_us, memory_order_relaxed);
    eg_buf_printf(&out, "egov_http_request_duration_seconds_sum %llu.%06llu\n", sum_us / 1000000,
                  sum_us % 1000000);
    eg_buf_printf(&out, "egov_http_request_duration_seconds_count %llu\n",
                  (unsigned long long)atomic_load_explicit(&h->dur_count, memory_order_relaxed));
    eg_buf_printf(&out,
                  "# HELP egov_http_requests_in_flight Requests being served.\n"
                  "# TYPE egov_http_requests_in_flight gauge\n"
                  "egov_http_requests_in_flight %d\n",
                  atomic_load(&h->inflight));
    for (int i = 0; i < h->nmetric_fns; i++)
        h->metric_fns[i](&out, h->app);
    eg_reply(r, 200, "text/plain; version=0.0.4; charset=utf-8", out.data ? out.data : "", out.len);
    eg_buf_free(&out);
    return 0;
}
