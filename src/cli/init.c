/*
 * init.c - `egov init`: create a data directory, apply migrations, load the default
 * catalogues and (with --demo) the demo province.
 *
 * Idempotent: on an initialised directory it changes nothing and exits 0 (seeds insert only
 * what is missing). A failed first init removes the directory it created, so there is never
 * a half-initialised data dir.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "cli/cli.h"
#include "audit/audit.h"

int eg__cmd_init(int argc, char **argv)
{
    static const char *const opts[] = {"--data-dir", "--config", NULL};
    static const char *const flags[] = {"--demo", NULL};
    if (eg_arg_check(argc, argv, "init", opts, flags))
        return 2;
    const char *dir = eg_arg(argc, argv, "--data-dir");
    if (!dir)
        return eg_cli_fail("init: --data-dir is required");
    int demo = eg_arg_flag(argc, argv, "--demo");
    char dbpath[4096], keys[4096];
    snprintf(dbpath, sizeof(dbpath), "%s/egov.db", dir);
    snprintf(keys, sizeof(keys), "%s/keys", dir);
    int existed = eg_path_exists(dir);
    int fresh = !existed || !eg_path_exists(keys);
    if (eg_mkdir_p(dir, 0700) || eg_mkdir_p(keys, 0700))
        return eg_cli_fail("init: cannot create %s", dir);
    int rc = eg_audit_keygen(dir);
    if (rc) {
        if (!existed)
            eg_remove_tree(dir);
        return eg_cli_fail("init: cannot create keys in %s: %s", keys, eg_strerror(rc));
    }
    eg_app app;
    char err[512] = "";
    rc = eg_app_open(&app, dir, eg_arg(argc, argv, "--config"), 1, err, sizeof(err));
    for (int i = 0; !rc && eg_modules[i]; i++) {
        if (!eg_modules[i]->seed)
            continue;
        rc = eg_modules[i]->seed(&app, demo);
        if (rc)
            snprintf(err, sizeof(err), "loading data of module %s failed: %s", eg_modules[i]->name,
                     eg_strerror(rc));
    }
    if (!rc && fresh) {
        json_t *d = json_pack("{s:b}", "demo", demo);
        rc = eg_app_audit(&app, "platform.init", "data_dir", dir, NULL, d);
        json_decref(d);
    }
    if (!rc)
        rc = eg_audit_checkpoint(app.db, dir);
    eg_app_close(&app);
    if (rc) {
        if (!existed)
            eg_remove_tree(dir);
        return eg_cli_fail("init: %s", err[0] ? err : eg_strerror(rc));
    }
    printf("initialised %s%s\n", dir, demo ? " (with demo data)" : "");
    return 0;
}
