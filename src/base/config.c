/*
 * config.c - egov.conf ("[section]" + "key = value") with EGOV_* environment overrides.
 *
 * Every key has a safe default at its point of use, so no file is needed to run the demo.
 * The environment wins over the file so containers and CI can adjust one key without
 * writing files: "http.listen" is overridden by EGOV_HTTP_LISTEN.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "base/base.h"

struct entry {
    char *key;
    char *value;
};

struct eg_config {
    struct entry *items;
    size_t n, cap;
};

static struct entry *find(const eg_config *c, const char *key)
{
    for (size_t i = 0; i < c->n; i++) {
        if (strcmp(c->items[i].key, key) == 0)
            return &c->items[i];
    }
    return NULL;
}

void eg_config_set(eg_config *c, const char *key, const char *value)
{
    struct entry *e = find(c, key);
    if (e) {
        free(e->value);
        e->value = eg_strdup(value);
        return;
    }
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 16;
        c->items = eg_realloc(c->items, c->cap * sizeof(*c->items));
    }
    c->items[c->n].key = eg_strdup(key);
    c->items[c->n].value = eg_strdup(value);
    c->n++;
}

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    char *e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1]))
        *--e = '\0';
    return s;
}

static int parse(eg_config *c, char *text, const char *path, char *err, size_t errlen)
{
    char section[64] = "";
    int line = 0;
    char *save = NULL;
    for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        line++;
        char *s = trim(l);
        if (*s == '\0' || *s == '#' || *s == ';')
            continue;
        if (*s == '[') {
            char *end = strchr(s, ']');
            if (!end || end - s - 1 >= (long)sizeof(section) || end[1] != '\0') {
                snprintf(err, errlen, "%s:%d: bad section header", path, line);
                return EG_EINVAL;
            }
            *end = '\0';
            snprintf(section, sizeof(section), "%s", trim(s + 1));
            continue;
        }
        char *eq = strchr(s, '=');
        if (!eq) {
            snprintf(err, errlen, "%s:%d: expected key = value", path, line);
            return EG_EINVAL;
        }
        *eq = '\0';
        char *k = trim(s), *v = trim(eq + 1);
        if (*k == '\0') {
            snprintf(err, errlen, "%s:%d: empty key", path, line);
            return EG_EINVAL;
        }
        char full[192];
        snprintf(full, sizeof(full), "%s%s%s", section, *section ? "." : "", k);
        eg_config_set(c, full, v);
    }
    return EG_OK;
}

int eg_config_load(const char *path, eg_config **out, char *err, size_t errlen)
{
    eg_config *c = eg_calloc(1, sizeof(*c));
    if (path) {
        eg_buf b = EG_BUF_INIT;
        int rc = eg_read_file(path, 1 << 20, &b);
        if (rc) {
            snprintf(err, errlen, "%s: cannot read config file", path);
            eg_buf_free(&b);
            eg_config_free(c);
            return rc;
        }
        rc = parse(c, b.data ? b.data : (char *)"", path, err, errlen);
        eg_buf_free(&b);
        if (rc) {
            eg_config_free(c);
            return rc;
        }
    }
    *out = c;
    return EG_OK;
}

void eg_config_free(eg_config *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n; i++) {
        free(c->items[i].key);
        free(c->items[i].value);
    }
    free(c->items);
    free(c);
}

const char *eg_config_get(const eg_config *c, const char *key, const char *def)
{
    char env[192] = "EGOV_";
    size_t o = 5;
    for (const char *p = key; *p && o + 1 < sizeof(env); p++)
        env[o++] = (*p == '.' || *p == '-') ? '_' : (char)toupper((unsigned char)*p);
    env[o] = '\0';
    const char *v = getenv(env);
    if (v)
        return v;
    struct entry *e = c ? find(c, key) : NULL;
    return e ? e->value : def;
}

long long eg_config_int(const eg_config *c, const char *key, long long def)
{
    const char *v = eg_config_get(c, key, NULL);
    if (!v || !*v)
        return def;
    char *end;
    long long n = strtoll(v, &end, 10);
    return *end == '\0' ? n : def;
}

int eg_config_bool(const eg_config *c, const char *key, int def)
{
    const char *v = eg_config_get(c, key, NULL);
    if (!v)
        return def;
    if (!strcmp(v, "1") || eg_streq_ci(v, "true") || eg_streq_ci(v, "yes") || eg_streq_ci(v, "on"))
        return 1;
    if (!strcmp(v, "0") || eg_streq_ci(v, "false") || eg_streq_ci(v, "no") || eg_streq_ci(v, "off"))
        return 0;
    return def;
}
