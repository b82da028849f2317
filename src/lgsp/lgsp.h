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

struct eg_module;
extern const struct eg_module eg_lgsp_module;

#endif
