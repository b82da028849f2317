/*
 * dataservice.c - read-only data services behind the gateway (WSO2 Micro Integrator's
 * "data services", references.md §C.1): modules register named JSON views with
 * eg_lgsp_register_data_provider; a service whose upstream_url is "data:<name>" is answered by
 * that view instead of an HTTP upstream, after exactly the same authentication, grant, rate
 * limit and message-log steps. Only GET and HEAD are served (405 otherwise).
 *
 * Built-in provider "lgsp.catalog": the shared catalogue of published LGSP services
 * (code, version, name, owner agency, kind, description), filterable by ?agency= and ?kind=.
 *
 * Built-in provider "catalog.dmdc": the province's shared catalogues (danh mục dùng chung,
 * catalog module) for other systems, through catalog.h only: GET .../{catalogue code}
 * ?q=&at=YYYY-MM-DD&limit=&cursor= answers the rows valid on that date (today by default).
 * `egov init --demo` publishes it as service "dmdc" v1.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lgsp/internal.h"
#include "catalog/catalog.h"

#define MAX_PROVIDERS 32

static struct {
    char name[64];
    eg_lgsp_data_fn fn;
} providers[MAX_PROVIDERS];
static int nproviders;

int eg_lgsp_register_data_provider(const char *name, eg_lgsp_data_fn fn)
{
    if (!name || !fn || strlen(name) >= sizeof(providers[0].name))
        return EG_EINVAL;
    for (int i = 0; i < nproviders; i++) {
        if (strcmp(providers[i].name, name) == 0) {
            providers[i].fn = fn;
            return EG_OK;
        }
    }
    if (nproviders == MAX_PROVIDERS)
        return EG_ETOOBIG;
    snprintf(providers[nproviders].name, sizeof(providers[0].name), "%s", name);
    providers[nproviders++].fn = fn;
    return EG_OK;
}

eg_lgsp_data_fn eg__lgsp_data_provider(const char *upstream_url)
{
    if (!upstream_url || strncmp(upstream_url, "data:", 5) != 0)
        return NULL;
    for (int i = 0; i < nproviders; i++)
        if (strcmp(providers[i].name, upstream_url + 5) == 0)
            return providers[i].fn;
    return NULL;
}

static int catalog_view(eg_app *app, const char *path, eg_lgsp_arg_fn get, void *ctx, json_t **out)
{
    if (path && *path && strcmp(path, "/") != 0 && strcmp(path, "/services") != 0)
        return EG_ENOTFOUND;
    const char *agency = get(ctx, "agency"), *kind = get(ctx, "kind");
    json_t *rows = NULL;
    int rc = eg_query_json(eg_db_conn(app->db), &rows,
                           "SELECT code, version, name, owner_agency, kind, description, status "
                           "FROM lgsp_service WHERE status IN ('published', 'deprecated') "
                           "AND (CAST(? AS TEXT) IS NULL OR owner_agency = ?) "
                           "AND (CAST(? AS TEXT) IS NULL OR kind = ?) ORDER BY code",
                           "tttt", agency, agency, kind, kind);
    if (rc)
        return rc;
    *out = json_pack("{s:o}", "items", rows);
    return EG_OK;
}

static int dmdc_view(eg_app *app, const char *path, eg_lgsp_arg_fn get, void *ctx, json_t **out)
{
    /* "/{code}" with nothing after it */
    if (!path || path[0] != '/' || !path[1] || strchr(path + 1, '/') || strlen(path) > 64)
        return EG_ENOTFOUND;
    const char *lim = get(ctx, "limit"), *cur = get(ctx, "cursor");
    long limit = lim ? strtol(lim, NULL, 10) : 50;
    if (limit < 1 || limit > 500)
        return EG_EINVAL;
    char *end = NULL;
    long long after = cur ? strtoll(cur, &end, 10) : 0;
    if (cur && (!*cur || *end || after < 0))
        return EG_EINVAL;
    return eg_catalog_rows_json(eg_db_conn(app->db), path + 1, get(ctx, "at"), get(ctx, "q"),
                                (int)limit, (int64_t)after, out);
}

void eg__lgsp_data_builtin(void)
{
    eg_lgsp_register_data_provider("lgsp.catalog", catalog_view);
    eg_lgsp_register_data_provider("catalog.dmdc", dmdc_view);
}
