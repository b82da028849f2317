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
    int ninit;     /* modules whose init ran (shutdown runs for these only) */
} eg_app;

/* A subcommand of the egov binary ("user", "client", ...). run() gets argv after the name
 * and returns the process exit status (0 ok). It prints one line on stderr on failure. */
struct eg_command {
    const char *name;
    const char *usage;   /* "user add --data-dir DIR --username U ..." */
    const char *summary; /* one line for `egov help` */
    int (*run)(int argc, char **argv);
};

/* A built-in permission: role may do action on resource_type within scope. Modules declare
 * theirs in their table; identity stores the union as data (role_permissions) at start-up. */
enum eg_scope {
    EG_SCOPE_OWN = 1,    /* objects whose owner is the principal (a citizen's own dossier) */
    EG_SCOPE_AGENCY = 2, /* objects of the agency the role is assigned in (and its sub-units
                            when the assignment says so) */
    EG_SCOPE_ALL = 3     /* every object (platform admin, auditor) */
};
struct eg_permission {
    const char *role;          /* "officer" */
    const char *action;        /* "read", "create", "update", "delete", "process", "approve"... */
    const char *resource_type; /* "dossier"; "*" = every type */
    int scope;                 /* enum eg_scope */
};

struct eg_module {
    const char *name; /* also its migrations folder: db/migrations/<name>/ */
    /* Built-in permissions, terminated by {NULL}. May be NULL. */
    const struct eg_permission *permissions;
    /* Subcommands, terminated by {NULL}. May be NULL. */
    const struct eg_command *commands;
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

/* Records an audit event for a CLI action (actor "cli:<user>"), in its own transaction. */
int eg_app_audit(eg_app *app, const char *action, const char *object_type, const char *object_id,
                 const char *agency, json_t *detail);

/* ---- command-line helpers (src/cli/args.c) ---- */
/* Value of "--name VALUE" or "--name=VALUE"; NULL when absent. */
const char *eg_arg(int argc, char **argv, const char *name);
/* 1 when the flag "--name" is present. */
int eg_arg_flag(int argc, char **argv, const char *name);
/* All values of a repeatable option: "--role a --role b", "--role a,b" or "--role a b"
 * (values up to the next "--option"). Returns the count (at most max). */
int eg_arg_list(int argc, char **argv, const char *name, const char **out, int max);
/* Rejects options not in the lists (NULL-terminated): prints "egov CMD: unknown option X"
 * and returns 1. with_value: options taking a value; flags: options without. */
int eg_arg_check(int argc, char **argv, const char *cmd, const char *const *with_value,
                 const char *const *flags);
/* Opens the application for a command: --data-dir DIR (required, must exist) and --config.
 * On failure prints "egov: CMD: why" and returns 1 (the exit status) with app closed;
 * on success returns 0 and the caller must eg_app_close(app). */
int eg_cli_open(eg_app *app, int argc, char **argv, const char *cmd, int migrate);
/* Prints "egov: <message>" on stderr and returns 1 (the exit status). */
int eg_cli_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Reads a secret from standard input (one line, trailing newline removed). */
int eg_read_stdin_line(char *out, size_t n);

#endif
