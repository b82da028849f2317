/*
 * ops.c - the operations endpoints every egov server has (api.md §3): liveness, readiness,
 * metrics, version and the OpenAPI document generated from the route table.
 *
 * They are ordinary routes, registered by eg_http_new, so they get request ids, metrics
 * and the access log like any other. /healthz does nothing else: load balancers hit it
 * often and it must stay cheap and independent of the database.
 */
#include <stdio.h>
#include <string.h>
#include "http/internal.h"

static int healthz(eg_req *r)
{
    static const char ok[] = "{\"status\":\"ok\"}";
    return eg__reply_set(r, 200, "application/json; charset=utf-8", ok, sizeof(ok) - 1);
}

static int readyz(eg_req *r)
{
    eg_http *h = r->h;
    char detail[256] = "";
    if (h->ready && h->ready(h->app, detail, sizeof(detail)) != 0)
        return eg_req_fail(r, EG_EUNAVAIL, "%s", detail[0] ? detail : "Chưa sẵn sàng");
    return eg_reply_json(r, 200, json_pack("{s:s}", "status", "ready"));
}

static int version(eg_req *r)
{
    eg_http *h = r->h;
    json_t *v = h->version ? h->version(h->app) : NULL;
    if (!v)
        v = json_pack("{s:s, s:s}", "version", EG_VERSION, "commit", EG_COMMIT);
    return eg_reply_json(r, 200, v);
}

static int openapi(eg_req *r)
{
    return eg_reply_json(r, 200, eg_http_openapi(r->h));
}

void eg__ops_register(eg_http *h)
{
    eg_http_route(h, "GET", "/healthz", healthz, NULL);
    eg_http_route(h, "GET", "/readyz", readyz, NULL);
    eg_http_route(h, "GET", "/metrics", eg__metrics_handler, NULL);
    eg_http_route(h, "GET", "/api/v1/version", version,
                  &(eg_route_opts){.summary = "Phiên bản phần mềm", .tag = "ops"});
    eg_http_route(h, "GET", "/api/v1/openapi.json", openapi,
                  &(eg_route_opts){.summary = "Tài liệu OpenAPI", .tag = "ops"});
}

/* "/a/{code}/{rest*}" -> "/a/{code}/{rest}" and the parameter objects. */
static json_t *openapi_path(const struct eg__route *rt, json_t *params)
{
    eg_buf b = EG_BUF_INIT;
    for (int i = 0; i < rt->nsegs; i++) {
        const struct eg__seg *s = &rt->segs[i];
        if (s->kind == SEG_LITERAL) {
            eg_buf_printf(&b, "/%s", s->text);
            continue;
        }
        eg_buf_printf(&b, "/{%s}", s->text);
        json_array_append_new(params, json_pack("{s:s, s:s, s:b, s:{s:s}}", "name", s->text, "in",
                                                "path", "required", 1, "schema", "type", "string"));
    }
    json_t *p = json_string(b.len ? eg_buf_cstr(&b) : "/");
    eg_buf_free(&b);
    return p;
}

static json_t *operation(const struct eg__route *rt, json_t *params)
{
    json_t *op = json_object();
    if (rt->summary)
        json_object_set_new(op, "summary", json_string(rt->summary));
    if (rt->tag)
        json_object_set_new(op, "tags", json_pack("[s]", rt->tag));
    if (json_array_size(params))
        json_object_set(op, "parameters", params);
    json_object_set_new(op, "responses",
                        json_pack("{s:{s:s}, s:{s:s, s:{s:{}}}}", "200", "description",
                                  "Thành công", "default", "description", "Lỗi (RFC 9457)",
                                  "content", "application/problem+json"));
    return op;
}

/* OpenAPI 3.1 document of every registered /api/v1 route (new reference). */
json_t *eg_http_openapi(eg_http *h)
{
    static const char *const any[] = {"get", "post", "put", "patch", "delete"};
    json_t *paths = json_object();
    for (int i = 0; i < h->nroutes; i++) {
        const struct eg__route *rt = &h->routes[i];
        if (!eg_str_has_prefix(rt->pattern, "/api/v1/"))
            continue;
        json_t *params = json_array();
        json_t *path = openapi_path(rt, params);
        json_t *item = json_object_get(paths, json_string_value(path));
        if (!item) {
            item = json_object();
            json_object_set_new(paths, json_string_value(path), item);
        }
        if (strcmp(rt->method, "*") == 0) {
            for (size_t k = 0; k < sizeof(any) / sizeof(any[0]); k++)
                json_object_set_new(item, any[k], operation(rt, params));
        } else {
            char lower[16];
            size_t n = strlen(rt->method);
            for (size_t k = 0; k < n && k < sizeof(lower) - 1; k++)
                lower[k] = (char)(rt->method[k] | 0x20);
            lower[n < sizeof(lower) - 1 ? n : sizeof(lower) - 1] = '\0';
            json_object_set_new(item, lower, operation(rt, params));
        }
        json_decref(params);
        json_decref(path);
    }
    return json_pack("{s:s, s:{s:s, s:s}, s:o}", "openapi", "3.1.0", "info", "title", "egov API",
                     "version", EG_VERSION, "paths", paths);
}
