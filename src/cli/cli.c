/*
 * cli.c - `egov <command>` dispatch, help and version, plus the small commands
 * (migrate, audit verify). Module commands come from each module's command table, so a
 * module adds subcommands without touching this file.
 */
#include <stdio.h>
#include <string.h>
#include "cli/cli.h"
#include "audit/audit.h"

static int cmd_version(int argc, char **argv)
{
    if (eg_arg_check(argc, argv, "version", NULL, NULL))
        return 2;
    printf("egov %s (commit %s)\n", EG_VERSION, EG_COMMIT);
    return 0;
}

static int cmd_help(int argc, char **argv);

static const struct eg_command builtins[] = {
    {"init", "init --data-dir DIR [--demo] [--config FILE]",
     "create a data directory, apply migrations, load catalogues (and demo data)", eg__cmd_init},
    {"serve", "serve --data-dir DIR [--listen HOST:PORT] [--config FILE]",
     "serve HTTP (port 0 picks a free port; prints 'listening on URL')", eg__cmd_serve},
    {"migrate", "migrate --data-dir DIR [--config FILE]", "apply pending database migrations",
     eg__cmd_migrate},
    {"backup", "backup --data-dir DIR --out FILE",
     "consistent online backup of database, blobs and keys into one file", eg__cmd_backup},
    {"restore", "restore --data-dir DIR --in FILE", "restore a backup into an empty directory",
     eg__cmd_restore},
    {"audit", "audit verify --data-dir DIR", "verify the hash chain of the audit log",
     eg__cmd_audit},
    {"version", "version", "print version and commit", cmd_version},
    {"help", "help [COMMAND]", "list commands, or show one command's usage", cmd_help},
    {NULL, NULL, NULL, NULL}};

static const struct eg_command *find_command(const char *name)
{
    for (int i = 0; builtins[i].name; i++) {
        if (strcmp(builtins[i].name, name) == 0)
            return &builtins[i];
    }
    for (int m = 0; eg_modules[m]; m++) {
        const struct eg_command *c = eg_modules[m]->commands;
        for (; c && c->name; c++) {
            if (strcmp(c->name, name) == 0)
                return c;
        }
    }
    return NULL;
}

static void print_usage_line(const struct eg_command *c)
{
    printf("  %-10s %s\n", c->name, c->summary);
}

static int cmd_help(int argc, char **argv)
{
    if (argc >= 1) {
        const struct eg_command *c = find_command(argv[0]);
        if (!c)
            return eg_cli_fail("unknown command '%s' (see: egov help)", argv[0]);
        printf("usage: egov %s\n\n%s\n", c->usage, c->summary);
        for (int m = 0; eg_modules[m]; m++) {
            const struct eg_command *k = eg_modules[m]->commands;
            for (; k && k->name; k++) {
                if (strcmp(k->name, argv[0]) == 0 && k != c)
                    printf("       egov %s\n", k->usage);
            }
        }
        return 0;
    }
    printf("egov %s - nền tảng chính quyền điện tử cấp tỉnh / provincial e-government platform\n\n"
           "usage: egov <command> [options]\n\ncommands:\n",
           EG_VERSION);
    for (int i = 0; builtins[i].name; i++)
        print_usage_line(&builtins[i]);
    for (int m = 0; eg_modules[m]; m++) {
        const struct eg_command *c = eg_modules[m]->commands;
        for (; c && c->name; c++)
            print_usage_line(c);
    }
    printf("\nSee 'egov help COMMAND' for a command's options.\n");
    return 0;
}

int eg__cmd_migrate(int argc, char **argv)
{
    static const char *const opts[] = {"--data-dir", "--config", NULL};
    if (eg_arg_check(argc, argv, "migrate", opts, NULL))
        return 2;
    eg_app app;
    if (eg_cli_open(&app, argc, argv, "migrate", 1))
        return 1;
    printf("schema current: %d migrations\n", eg_schema_version());
    eg_app_close(&app);
    return 0;
}

int eg__cmd_audit(int argc, char **argv)
{
    if (argc < 1 || strcmp(argv[0], "verify") != 0)
        return eg_cli_fail("usage: egov audit verify --data-dir DIR");
    static const char *const opts[] = {"--data-dir", "--config", NULL};
    if (eg_arg_check(argc - 1, argv + 1, "audit verify", opts, NULL))
        return 2;
    eg_app app;
    if (eg_cli_open(&app, argc - 1, argv + 1, "audit verify", 0))
        return 1;
    int64_t count = 0;
    char msg[512] = "";
    int rc = eg_audit_verify(app.db, app.data_dir, &count, msg, sizeof(msg));
    eg_app_close(&app);
    if (rc == EG_ECONFLICT) {
        fprintf(stderr, "audit chain broken: %s\n", msg);
        return 1;
    }
    if (rc)
        return eg_cli_fail("audit verify: %s", eg_strerror(rc));
    printf("audit chain ok: %lld records\n", (long long)count);
    return 0;
}

int eg_cli_main(int argc, char **argv)
{
    if (argc < 2)
        return cmd_help(0, NULL), 2;
    const char *name = argv[1];
    if (!strcmp(name, "--help") || !strcmp(name, "-h"))
        return cmd_help(argc - 2, argv + 2);
    if (!strcmp(name, "--version"))
        return cmd_version(0, NULL);
    const struct eg_command *c = find_command(name);
    if (!c)
        return eg_cli_fail("unknown command '%s' (see: egov help)", name), 2;
    if (eg_arg_flag(argc - 2, argv + 2, "--help"))
        return cmd_help(1, argv + 1);
    return c->run(argc - 2, argv + 2);
}
