/*
 * module.c - the reports module: permissions (read/report), start-up (online-rate targets from
 * data/reports/online-targets.csv, facts backfill for dossiers created before the facts
 * migration), routes and the benchmark commands. Owns no table.
 */
#include <stdlib.h>
#include "reports/internal.h"

static rp_state *rp;

rp_state *eg__rp_state(void)
{
    return rp;
}

int eg_reports_group(const char *name)
{
    static const struct {
        const char *n;
        int g;
    } t[] = {
        {"none", EG_DS_BY_NONE},   {"agency", EG_DS_BY_AGENCY},   {"procedure", EG_DS_BY_PROCEDURE},
        {"field", EG_DS_BY_FIELD}, {"channel", EG_DS_BY_CHANNEL}, {"day", EG_DS_BY_DAY},
        {"month", EG_DS_BY_MONTH}, {"quarter", EG_DS_BY_QUARTER}, {"year", EG_DS_BY_YEAR}};
    for (size_t i = 0; name && i < sizeof t / sizeof t[0]; i++)
        if (!strcmp(name, t[i].n))
            return t[i].g;
    return -1;
}

int eg__rp_day(const char *s, int32_t *out)
{
    int y, m, d, n = 0;
    if (!s || strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3 || n != 10 ||
        !eg_date_valid(y, m, d) || y < 1900 || y > 9998)
        return EG_EINVAL;
    *out = y * 10000 + m * 100 + d;
    return 0;
}

/* Reads the online-rate targets; a missing or bad file leaves an empty list (logged). */
static json_t *load_targets(eg_app *app)
{
    json_t *out = json_array();
    char path[1024];
    snprintf(path, sizeof path, "%s/data/reports/online-targets.csv", app->share_dir);
    eg_buf b = EG_BUF_INIT;
    eg_arena *a = eg_arena_new(0);
    eg_csv csv;
    char err[256] = "";
    if (eg_read_file(path, 1u << 20, &b) ||
        eg_csv_parse(a, b.data ? b.data : "", b.len, 1000, &csv, err, sizeof err)) {
        eg_log(EG_LOG_WARN, "reports", NULL, "online targets not loaded", "path", path, "error",
               err, NULL);
    } else {
        int cl = eg_csv_col(&csv, "level"), ct = eg_csv_col(&csv, "target_percent"),
            cy = eg_csv_col(&csv, "deadline_year"), cs = eg_csv_col(&csv, "source");
        for (int i = 1; cl >= 0 && ct >= 0 && cy >= 0 && i < csv.nrows; i++) {
            const eg_csv_row *r = &csv.rows[i];
            json_array_append_new(out, json_pack("{s:s, s:f, s:i, s:s}", "level", eg_csv_get(r, cl),
                                                 "target_percent", atof(eg_csv_get(r, ct)),
                                                 "deadline_year", atoi(eg_csv_get(r, cy)), "source",
                                                 cs >= 0 ? eg_csv_get(r, cs) : ""));
        }
    }
    eg_arena_free(a);
    eg_buf_free(&b);
    return out;
}

/* Field (lĩnh vực) names from the shared catalogue file data/catalogs/linhvuc.csv. */
static json_t *load_fields(eg_app *app)
{
    json_t *out = json_object();
    char path[1024];
    snprintf(path, sizeof path, "%s/data/catalogs/linhvuc.csv", app->share_dir);
    eg_buf b = EG_BUF_INIT;
    eg_arena *a = eg_arena_new(0);
    eg_csv csv;
    char err[256] = "";
    if (!eg_read_file(path, 4u << 20, &b) &&
        !eg_csv_parse(a, b.data ? b.data : "", b.len, 10000, &csv, err, sizeof err)) {
        int cc = eg_csv_col(&csv, "MaLinhVuc"), cn = eg_csv_col(&csv, "TenLinhVuc");
        for (int i = 1; cc >= 0 && cn >= 0 && i < csv.nrows; i++)
            json_object_set_new(out, eg_csv_get(&csv.rows[i], cc),
                                json_string(eg_csv_get(&csv.rows[i], cn)));
    }
    eg_arena_free(a);
    eg_buf_free(&b);
    return out;
}

static int reports_init(eg_app *app)
{
    rp = eg_calloc(1, sizeof *rp);
    rp->app = app;
    pthread_mutex_init(&rp->lock, NULL);
    rp->targets = load_targets(app);
    rp->fields = load_fields(app);
    app->mod[eg_module_slot("reports")] = rp;
    int n = eg_dossier_facts_backfill(eg_db_conn(app->db));
    if (n < 0)
        return n;
    return 0;
}

static void reports_shutdown(eg_app *app)
{
    if (!rp)
        return;
    json_decref(rp->targets);
    json_decref(rp->fields);
    json_decref(rp->proc_names);
    free(rp->public_json);
    pthread_mutex_destroy(&rp->lock);
    free(rp);
    rp = NULL;
    app->mod[eg_module_slot("reports")] = NULL;
}

static const struct eg_permission reports_permissions[] = {
    {"receiver", "read", "report", EG_SCOPE_AGENCY},
    {"officer", "read", "report", EG_SCOPE_AGENCY},
    {"unit_leader", "read", "report", EG_SCOPE_AGENCY},
    {"leader", "read", "report", EG_SCOPE_AGENCY},
    {"clerk", "read", "report", EG_SCOPE_AGENCY},
    {"agency_admin", "read", "report", EG_SCOPE_AGENCY},
    {"admin", "read", "report", EG_SCOPE_ALL},
    {"auditor", "read", "report", EG_SCOPE_ALL},
    {NULL, NULL, NULL, 0},
};

const struct eg_module eg_reports_module = {
    .name = "reports",
    .permissions = reports_permissions,
    .commands = eg__rp_commands,
    .init = reports_init,
    .routes = eg__rp_routes,
    .shutdown = reports_shutdown,
};
