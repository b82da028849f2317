/*
 * app.c - opening the application context (config, database, blobs, calendar, modules)
 * for a data directory. Every subcommand goes through eg_app_open so they all agree on the
 * layout of the data dir:
 *
 *   DIR/egov.conf   optional configuration (or --config FILE)
 *   DIR/egov.db     SQLite database (unless db.url points at PostgreSQL)
 *   DIR/blobs/      content-addressed files
 *   DIR/keys/       signing keys (audit, tokens, results), mode 0700
 */
#include <limits.h>
#include <libgen.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "egov.h"
#include "audit/audit.h"

int eg_module_slot(const char *name)
{
    for (int i = 0; eg_modules[i]; i++) {
        if (strcmp(eg_modules[i]->name, name) == 0)
            return i;
    }
    eg_panic("unknown module %s", name);
}

/* Finds the product's read-only files (data/, web/): config paths.share, else the first
 * ancestor of the executable's directory that holds both. */
static char *find_share_dir(const eg_config *cfg)
{
    const char *conf = eg_config_get(cfg, "paths.share", NULL);
    if (conf)
        return eg_strdup(conf);
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n > 0) {
        exe[n] = '\0';
        char *dir = dirname(exe);
        for (int depth = 0; depth < 4 && strcmp(dir, "/") != 0; depth++) {
            char probe[PATH_MAX + 16];
            snprintf(probe, sizeof(probe), "%s/web", dir);
            char probe2[PATH_MAX + 16];
            snprintf(probe2, sizeof(probe2), "%s/data", dir);
            if (eg_path_exists(probe) && eg_path_exists(probe2))
                return eg_strdup(dir);
            dir = dirname(dir);
        }
    }
    return eg_strdup(".");
}

static const char **module_names(void)
{
    static const char *names[32];
    int i = 0;
    for (; eg_modules[i] && i < 31; i++)
        names[i] = eg_modules[i]->name;
    names[i] = NULL;
    return names;
}

static void load_calendar(eg_app *app)
{
    app->calendar = eg_calendar_new();
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/data/calendar/overrides.csv", app->share_dir);
    eg_buf csv = EG_BUF_INIT;
    if (eg_read_file(path, 1 << 20, &csv) == EG_OK) {
        char err[256];
        if (eg_calendar_load_csv(app->calendar, csv.data, csv.len, err, sizeof(err)))
            eg_log(EG_LOG_WARN, "cli", NULL, "calendar overrides ignored", "error", err, NULL);
    }
    eg_buf_free(&csv);
    long long cutoff = eg_config_int(app->cfg, "calendar.cutoff_minutes", 15 * 60);
    eg_calendar_set_cutoff(app->calendar, (int)cutoff);
}

int eg_app_open(eg_app *app, const char *data_dir, const char *config_path, int migrate, char *err,
                size_t errlen)
{
    memset(app, 0, sizeof(*app));
    app->started_ms = eg_now_ms();
    app->data_dir = eg_strdup(data_dir);
    char conf[PATH_MAX];
    if (!config_path) {
        snprintf(conf, sizeof(conf), "%s/egov.conf", data_dir);
        if (eg_path_exists(conf))
            config_path = conf;
    }
    int rc = eg_config_load(config_path, &app->cfg, err, errlen);
    if (rc)
        return rc;
    app->share_dir = find_share_dir(app->cfg);
    const char *lvl = eg_config_get(app->cfg, "log.level", "info");
    eg_log_set_level(!strcmp(lvl, "debug")   ? EG_LOG_DEBUG
                     : !strcmp(lvl, "warn")  ? EG_LOG_WARN
                     : !strcmp(lvl, "error") ? EG_LOG_ERROR
                                             : EG_LOG_INFO);

    char url[PATH_MAX + 16];
    const char *db_url = eg_config_get(app->cfg, "db.url", NULL);
    if (!db_url) {
        snprintf(url, sizeof(url), "sqlite:%s/egov.db", data_dir);
        db_url = url;
    }
    rc = eg_db_open(db_url, &app->db, err, errlen);
    if (rc)
        return rc;
    char blobdir[PATH_MAX];
    snprintf(blobdir, sizeof(blobdir), "%s/blobs", data_dir);
    rc = eg_blobs_open(blobdir, &app->blobs);
    if (rc) {
        snprintf(err, errlen, "%s: cannot open blob directory", blobdir);
        return rc;
    }
    load_calendar(app);
    const char *const *names = module_names();
    if (migrate) {
        int applied = 0;
        rc = eg_migrate(app->db, names, &applied, err, errlen);
        if (rc)
            return rc;
    } else if (!eg_migrations_current(app->db, names)) {
        snprintf(err, errlen, "%s: database schema is not current (run: egov migrate)", data_dir);
        return EG_EUNAVAIL;
    }
    app->base_url = eg_strdup(eg_config_get(app->cfg, "http.base_url", "http://127.0.0.1:8080"));
    for (int i = 0; eg_modules[i]; i++) {
        app->ninit = i; /* modules before i started; shutdown runs for those */
        if (!eg_modules[i]->init)
            continue;
        rc = eg_modules[i]->init(app);
        if (rc) {
            snprintf(err, errlen, "module %s failed to start: %s", eg_modules[i]->name,
                     eg_strerror(rc));
            return rc;
        }
    }
    app->ninit = 0;
    while (eg_modules[app->ninit])
        app->ninit++;
    return EG_OK;
}

void eg_app_close(eg_app *app)
{
    for (int i = app->ninit - 1; i >= 0; i--) {
        if (eg_modules[i]->shutdown)
            eg_modules[i]->shutdown(app);
    }
    if (app->calendar)
        eg_calendar_free(app->calendar);
    if (app->blobs)
        eg_blobs_close(app->blobs);
    if (app->db)
        eg_db_close(app->db);
    eg_config_free(app->cfg);
    free((char *)app->data_dir);
    free((char *)app->share_dir);
    free((char *)app->base_url);
    memset(app, 0, sizeof(*app));
}

int eg_app_audit(eg_app *app, const char *action, const char *object_type, const char *object_id,
                 const char *agency, json_t *detail)
{
    const char *user = getenv("SUDO_USER");
    if (!user)
        user = getenv("USER");
    if (!user) {
        struct passwd *pw = getpwuid(getuid());
        user = pw ? pw->pw_name : "unknown";
    }
    char actor[128];
    snprintf(actor, sizeof(actor), "cli:%s", user);
    eg_audit_event ev = {.actor = actor,
                         .action = action,
                         .object_type = object_type,
                         .object_id = object_id,
                         .agency = agency,
                         .detail = detail};
    return eg_audit_append(eg_db_conn(app->db), &ev);
}

int eg_cli_open(eg_app *app, int argc, char **argv, const char *cmd, int migrate)
{
    const char *dir = eg_arg(argc, argv, "--data-dir");
    if (!dir)
        return eg_cli_fail("%s: --data-dir is required", cmd);
    if (!eg_path_exists(dir))
        return eg_cli_fail("%s: %s does not exist (run: egov init --data-dir %s)", cmd, dir, dir);
    char err[512] = "";
    int rc = eg_app_open(app, dir, eg_arg(argc, argv, "--config"), migrate, err, sizeof(err));
    if (rc) {
        eg_app_close(app);
        return eg_cli_fail("%s: %s", cmd, err[0] ? err : eg_strerror(rc));
    }
    return 0;
}
