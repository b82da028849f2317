/*
 * args.c - small, strict command-line option helpers shared by every subcommand.
 *
 * Options are GNU style ("--name value" or "--name=value"). Unknown options are errors, so
 * a typo never silently falls back to a default.
 */
#include <stdio.h>
#include <string.h>
#include "egov.h"

static int matches(const char *arg, const char *name, const char **value)
{
    size_t n = strlen(name);
    if (strncmp(arg, name, n) != 0)
        return 0;
    if (arg[n] == '\0') {
        *value = NULL;
        return 1;
    }
    if (arg[n] == '=') {
        *value = arg + n + 1;
        return 1;
    }
    return 0;
}

const char *eg_arg(int argc, char **argv, const char *name)
{
    for (int i = 0; i < argc; i++) {
        const char *v;
        if (!matches(argv[i], name, &v))
            continue;
        if (v)
            return v;
        return i + 1 < argc ? argv[i + 1] : NULL;
    }
    return NULL;
}

int eg_arg_flag(int argc, char **argv, const char *name)
{
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], name) == 0)
            return 1;
    }
    return 0;
}

int eg_arg_list(int argc, char **argv, const char *name, const char **out, int max)
{
    static char store[64][256]; /* CLI is single-threaded; values split on ',' live here */
    int count = 0, slot = 0;
    for (int i = 0; i < argc && count < max; i++) {
        const char *v;
        if (!matches(argv[i], name, &v))
            continue;
        int j = i + 1;
        do {
            if (!v) {
                if (j >= argc || strncmp(argv[j], "--", 2) == 0)
                    break;
                v = argv[j++];
            }
            char tmp[256];
            snprintf(tmp, sizeof(tmp), "%s", v);
            char *save = NULL;
            for (char *t = strtok_r(tmp, ",", &save); t && count < max && slot < 64;
                 t = strtok_r(NULL, ",", &save)) {
                snprintf(store[slot], sizeof(store[slot]), "%s", t);
                out[count++] = store[slot++];
            }
            v = NULL;
        } while (j < argc && strncmp(argv[j], "--", 2) != 0 && argv[i][strlen(name)] != '=');
        i = j - 1;
    }
    return count;
}

static int in_list(const char *arg, const char *const *list, int *takes_value)
{
    for (int i = 0; list && list[i]; i++) {
        const char *v;
        if (matches(arg, list[i], &v)) {
            *takes_value = v == NULL;
            return 1;
        }
    }
    return 0;
}

int eg_arg_check(int argc, char **argv, const char *cmd, const char *const *with_value,
                 const char *const *flags)
{
    for (int i = 0; i < argc; i++) {
        int takes = 0;
        if (strncmp(argv[i], "--", 2) != 0) {
            fprintf(stderr, "egov %s: unexpected argument '%s'\n", cmd, argv[i]);
            return 1;
        }
        if (in_list(argv[i], with_value, &takes)) {
            if (takes) {
                if (i + 1 >= argc || strncmp(argv[i + 1], "--", 2) == 0) {
                    fprintf(stderr, "egov %s: option %s needs a value\n", cmd, argv[i]);
                    return 1;
                }
                /* repeatable list options may carry several values */
                while (i + 1 < argc && strncmp(argv[i + 1], "--", 2) != 0)
                    i++;
            }
            continue;
        }
        int dummy;
        if (in_list(argv[i], flags, &dummy) && strchr(argv[i], '=') == NULL)
            continue;
        fprintf(stderr, "egov %s: unknown option '%s' (see: egov help %s)\n", cmd, argv[i], cmd);
        return 1;
    }
    return 0;
}

int eg_cli_fail(const char *fmt, ...)
{
    va_list ap;
    fputs("egov: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return 1;
}

int eg_read_stdin_line(char *out, size_t n)
{
    if (!fgets(out, (int)n, stdin))
        return EG_EINVAL;
    size_t len = strlen(out);
    while (len > 0 && (out[len - 1] == '\n' || out[len - 1] == '\r'))
        out[--len] = '\0';
    return EG_OK;
}
