/*
 * egov.h - the application context and the module table.
 *
 * Every module exposes one `const struct eg_module` in its public header; src/main.c lists
 * them in layering order. Adding a module touches one line outside its folder.
 */
#ifndef EG_EGOV_H
#define EG_EGOV_H

#include "base/base.h"
#include "store/store.h"
#include "http/http.h"

/* Process-wide context, created by `egov serve` / CLI commands and passed to modules. */
typedef struct eg_app {
    eg_config *cfg;
    eg_db *db;
    eg_blobs *blobs;
    eg_http *http;         /* NULL outside `serve` */
    eg_calendar *calendar; /* working calendar (statutory rules + overrides) */
    const char *data_dir;  /* var/: database, blobs, keys */
    const char *share_dir; /* read-only product files: data/, web/ */
    const char *base_url;  /* public base URL, e.g. http://127.0.0.1:8080 */
    int64_t started_ms;
    void *mod[32]; /* per-module state, indexed by module slot */
} eg_app;

struct eg_module {
    const char *name; /* also its migrations folder: db/migrations/<name>/ */
    /* Called once per process after migrations; allocate module state. May be NULL. */
    int (*init)(eg_app *app);
    /* Registers HTTP routes. May be NULL. */
    void (*routes)(eg_app *app, eg_http *h);
    /* Loads default data at `egov init` (demo = --demo). Must be idempotent. May be NULL. */
    int (*seed)(eg_app *app, int demo);
    /* Scheduler tick (about every 250 ms, on one thread). May be NULL. */
    void (*tick)(eg_app *app, int64_t now_ms);
    /* Releases module state. May be NULL. */
    void (*shutdown)(eg_app *app);
};

/* NULL-terminated list in layering order (src/main.c). */
extern const struct eg_module *const eg_modules[];

/* Slot of a module in eg_modules (for app->mod[]); asserts it exists. */
int eg_module_slot(const char *name);

/* Opens config, database, blobs and calendar for data_dir; runs migrations when migrate=1.
 * Used by every CLI command. EG_E* with a one-line message in err. */
int eg_app_open(eg_app *app, const char *data_dir, const char *config_path, int migrate, char *err,
                size_t errlen);
void eg_app_close(eg_app *app);

#endif
