/*
 * module.c - the catalog module table: permissions, init (agency index, search index,
 * the agency resolver installed into identity), routes of every file, and the seed that
 * loads data/ (catalogues always; agencies and procedures of the demo province with
 * --demo). Also the small helpers shared by the module's files.
 */
#include <string.h>
#include <stdlib.h>
#include "catalog/catalog.h"
#include "catalog/internal.h"
#include "audit/audit.h"
#include "identity/identity.h"

static const struct eg_permission permissions[] = {
    {"admin", "create", "catalog", EG_SCOPE_ALL},
    {"admin", "update", "catalog", EG_SCOPE_ALL},
    {"admin", "delete", "catalog", EG_SCOPE_ALL},
    {"agency_admin", "update", "catalog", EG_SCOPE_AGENCY},
    {"agency_admin", "create", "catalog", EG_SCOPE_AGENCY},
    {"admin", "update", "agency", EG_SCOPE_ALL},
    {"admin", "create", "procedure", EG_SCOPE_ALL},
    {"admin", "update", "procedure", EG_SCOPE_ALL},
    {"agency_admin", "update", "procedure", EG_SCOPE_AGENCY},
    {NULL, NULL, NULL, 0},
};

static eg_app *g_app; /* for the identity resolver callback and public lookups */

eg__catalog *eg__catalog_state(eg_app *app)
{
    return app->mod[eg_module_slot("catalog")];
}

void eg__cat_today(char out[11])
{
    int y, m, d;
    eg_civil_from_days(eg_vn_day(eg_now_ms()), &y, &m, &d);
    snprintf(out, 11, "%04d-%02d-%02d", y, m, d);
}

int eg__cat_valid_date(const char *s)
{
    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return 0;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return 0;
    return eg_date_valid(atoi(s), atoi(s + 5), atoi(s + 8));
}

char *eg__cat_nfc(eg_arena *a, const char *s)
{
    if (!s)
        return NULL;
    eg_buf b = EG_BUF_INIT;
    if (eg_nfc(s, strlen(s), &b)) {
        eg_buf_free(&b);
        return NULL;
    }
    char *out = eg_arena_strdup(a, eg_buf_cstr(&b));
    eg_buf_free(&b);
    return out;
}

int eg__cat_read_data(eg_app *app, const char *rel, eg_buf *out)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/%s", app->share_dir, rel);
    return eg_read_file(path, 64u << 20, out);
}

int eg__cat_audit(eg_conn *c, eg_req *r, const char *actor, const char *action, const char *type,
                  const char *id, const char *agency, json_t *detail)
{
    eg_audit_event ev = {.actor = actor ? actor : (r ? eg_actor(r) : "system"),
                         .action = action,
                         .object_type = type,
                         .object_id = id,
                         .agency = agency,
                         .request_id = r ? eg_req_id(r) : NULL,
                         .client_addr = r ? eg_req_client_ip(r) : NULL,
                         .detail = detail};
    return eg_audit_append(c, &ev);
}

static int resolver(void *ctx, const char *agency, const char *ancestor)
{
    (void)ctx;
    return eg_catalog_agency_within(agency, ancestor);
}

static int catalog_init(eg_app *app)
{
    eg__catalog *st = eg_calloc(1, sizeof(*st));
    st->app = app;
    pthread_rwlock_init(&st->agencies.lock, NULL);
    app->mod[eg_module_slot("catalog")] = st;
    g_app = app;
    eg_conn *c = eg_db_conn(app->db);
    int rc = eg__search_init(c);
    if (!rc)
        rc = eg__agency_reload(st, c);
    if (rc)
        return rc;
    eg_identity_set_agency_resolver(resolver, st);
    eg_identity_set_agency_namer(eg_catalog_agency_name);
    return EG_OK;
}

static void catalog_shutdown(eg_app *app)
{
    eg__catalog *st = eg__catalog_state(app);
    if (!st)
        return;
    eg__agency_free(st);
    pthread_rwlock_destroy(&st->agencies.lock);
    free(st);
    app->mod[eg_module_slot("catalog")] = NULL;
    if (g_app == app)
        g_app = NULL;
}

static void catalog_routes(eg_app *app, eg_http *h)
{
    eg__agency_routes(app, h);
    eg__procedure_routes(app, h);
    eg__catalog_routes(app, h);
    eg__calendar_routes(app, h);
    eg__search_routes(app, h);
}

static int catalog_seed(eg_app *app, int demo)
{
    eg_conn *c = eg_db_conn(app->db);
    int rc = eg__catalogs_seed(app, c);
    if (!rc && demo)
        rc = eg__agency_seed(app, c, demo);
    if (!rc && demo)
        rc = eg__procedure_seed(app, c, demo);
    if (!rc)
        rc = eg__agency_reload(eg__catalog_state(app), c);
    return rc;
}

eg_app *eg__catalog_app(void)
{
    return g_app;
}

const struct eg_module eg_catalog_module = {
    .name = "catalog",
    .permissions = permissions,
    .init = catalog_init,
    .routes = catalog_routes,
    .seed = catalog_seed,
    .shutdown = catalog_shutdown,
};
