/*
 * lgsp.h - the provincial integration platform (LGSP): a registry of provider services and
 * consumer systems with grants, the gateway ANY /gw/{service}/{version}/{path*} that
 * authenticates, authorises, rate-limits and proxies calls X-Road style, a hash-chained and
 * signed message log of every exchange, per-service monitoring and a durable
 * store-and-forward queue.
 *
 * Other modules only need the module table entry; the message log can be verified offline
 * with eg_lgsp_verify_log (the `egov lgsp verify-log` command).
 */
#ifndef EG_LGSP_H
#define EG_LGSP_H

#include <stdint.h>
#include "egov.h"

/* Walks the whole message log of db: recomputes every record hash, checks ids are contiguous
 * from the archived base, that the head agrees and that every checkpoint signature (key
 * <data_dir>/keys/lgsp-log.key) and hash hold. 0 with *count records when intact;
 * EG_ECONFLICT naming the first bad record in msg otherwise. */
int eg_lgsp_verify_log(eg_db *db, const char *data_dir, int64_t *count, char *msg, size_t msglen);

/* Signs the current head of the message log (scheduler, shutdown, tests). */
int eg_lgsp_log_checkpoint(eg_db *db, const char *data_dir);

/* Read-only data services: a module publishes a parameterised view of its data (issued
 * permits, a shared catalogue) under a name; an LGSP service registered with upstream_url
 * "data:<name>" serves it through the gateway behind the same grants, rate limits and message
 * log. fn gets the path after /gw/{service}/{version} (e.g. "/permits") and the decoded query
 * arguments through get(ctx, name); it returns 0 with a JSON value in *out (stolen),
 * EG_ENOTFOUND or EG_EINVAL. It must only read, and only what the view is meant to publish.
 * Register at init (at most 32 providers). Built in: "lgsp.catalog" (published services). */
typedef const char *(*eg_lgsp_arg_fn)(void *ctx, const char *name);
typedef int (*eg_lgsp_data_fn)(eg_app *app, const char *path, eg_lgsp_arg_fn get, void *ctx,
                               json_t **out);
int eg_lgsp_register_data_provider(const char *name, eg_lgsp_data_fn fn);

/* In-process calls (call.c): a platform module acting as a registered LGSP consumer system
 * calls a service through the gateway without an HTTP loopback. The same steps as
 * ANY /gw/{service}/{version}/{path}: the consumer must be registered and active, the service
 * published/deprecated (version NULL = the registered one), a grant must allow the method and
 * path prefix, size limit, rate limit and daily quota (counted per grant for in-process calls),
 * data services answered in-process, other upstreams forwarded under the SSRF rules with the
 * service's header renames, and one record in the message log (side "client") with
 * X-Road-Client = client_id, X-Road-UserId = user_id and X-Road-Issue = issue.
 * Never call it inside an open transaction of the calling thread: it waits for the message-log
 * writer's commit (lgsp.log_sync). */
typedef struct {
    const char *client_id; /* registered LGSP consumer (X-Road-Client) */
    const char *service, *version;
    const char *method;          /* GET, POST, ... */
    const char *path;            /* after /gw/{service}/{version}, with query: "/x?y=1" or "" */
    const char *user_id, *issue; /* X-Road-UserId, X-Road-Issue (optional) */
    const char *const *headers;  /* extra "Name: value" lines, NULL-terminated (optional) */
    const char *body;
    size_t body_len;
    int private_bodies; /* 1: log only sizes and hashes (credentials in the body) */
} eg_lgsp_call_in;

typedef struct {
    int status; /* the provider's status, or the gateway's refusal */
    char xroad_id[80];
    char problem[40]; /* lgsp problem slug when the gateway refused/failed, else "" */
    char detail[300];
    char content_type[128];
    char *body; /* NUL-terminated, free with eg_lgsp_call_out_free */
    size_t body_len;
} eg_lgsp_call_out;

/* 0 when the exchange took place (out->status is the provider's, 2xx or not); otherwise the
 * gateway refused or failed (out->problem/detail/status set): EG_ENOTFOUND (unknown service or
 * no data at that path), EG_EFORBIDDEN (no grant, consumer not registered), EG_ERATE,
 * EG_ETOOBIG, EG_EUNAVAIL, EG_EMETHOD, EG_EINVAL, EG_ETIMEOUT, EG_EUPSTREAM. */
int eg_lgsp_call(eg_app *app, const eg_lgsp_call_in *in, eg_lgsp_call_out *out);
void eg_lgsp_call_out_free(eg_lgsp_call_out *out);

/* Registry helpers for seeds and platform-owned connectors, on c (audited as "system", inside
 * the caller's transaction when one is open). Each creates the row when absent and leaves an
 * existing one unchanged (administrators may have edited it); 0 either way. upstream_url is an
 * http(s) URL checked against the SSRF rules (EG_EUNPROCESSABLE) or "data:<provider>". */
typedef struct {
    const char *code, *version, *name, *owner_agency, *upstream_url, *description;
    const char *transform; /* JSON text or NULL, as in the registry API */
    int64_t timeout_ms;    /* 0 = 30000 */
} eg_lgsp_service_def;
int eg_lgsp_ensure_service(eg_app *app, eg_conn *c, const eg_lgsp_service_def *def);
int eg_lgsp_ensure_consumer(eg_conn *c, const char *client_id, const char *name,
                            const char *agency_code);
/* methods: comma list ("GET" or "GET,POST"), NULL = all. */
int eg_lgsp_ensure_grant(eg_conn *c, const char *service, const char *client_id,
                         const char *methods);

struct eg_module;
extern const struct eg_module eg_lgsp_module;

#endif
