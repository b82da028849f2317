/*
 * module.c - the workflow module's table entry: built-in permissions, init (the engine's app
 * pointer and the built-in "noop" handler), routes, seed (deploys every data/processes .bpmn file
 * at `egov init`; redeploying identical XML creates no new version, so seed is idempotent) and the
 * scheduler tick.
 */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include "workflow/internal.h"

static const struct eg_permission perms[] = {
    {"admin", "deploy", "workflow_definition", EG_SCOPE_ALL},
    {"admin", "create", "workflow_instance", EG_SCOPE_ALL},
    {"admin", "read", "workflow_instance", EG_SCOPE_ALL},
    {"admin", "terminate", "workflow_instance", EG_SCOPE_ALL},
    {"admin", "retry", "workflow_incident", EG_SCOPE_ALL},
    {"auditor", "read", "workflow_instance", EG_SCOPE_ALL},
    {"system", "create", "workflow_instance", EG_SCOPE_ALL},
    {"system", "read", "workflow_instance", EG_SCOPE_ALL},
    {"agency_admin", "create", "workflow_instance", EG_SCOPE_AGENCY},
    {"agency_admin", "read", "workflow_instance", EG_SCOPE_AGENCY},
    {"agency_admin", "terminate", "workflow_instance", EG_SCOPE_AGENCY},
    {"agency_admin", "retry", "workflow_incident", EG_SCOPE_AGENCY},
    {"receiver", "create", "workflow_instance", EG_SCOPE_AGENCY},
    {"receiver", "read", "workflow_instance", EG_SCOPE_AGENCY},
    {"clerk", "create", "workflow_instance", EG_SCOPE_AGENCY},
    {"clerk", "read", "workflow_instance", EG_SCOPE_AGENCY},
    {"officer", "create", "workflow_instance", EG_SCOPE_AGENCY},
    {"officer", "read", "workflow_instance", EG_SCOPE_AGENCY},
    {"unit_leader", "read", "workflow_instance", EG_SCOPE_AGENCY},
    {"leader", "read", "workflow_instance", EG_SCOPE_AGENCY},
    {"leader", "terminate", "workflow_instance", EG_SCOPE_AGENCY},
    {NULL, NULL, NULL, 0},
};

/* "noop": a service task that does nothing (placeholders in the seed processes). */
static int noop(eg_conn *c, const eg_wf_call *call, void *ctx, char *err, size_t errlen)
{
    return EG_OK;
}

/* "fail": always fails (tests and demos of retries/incidents). */
static int always_fail(eg_conn *c, const eg_wf_call *call, void *ctx, char *err, size_t errlen)
{
    snprintf(err, errlen, "bộ xử lý 'fail' luôn lỗi (lần %d)", call->attempt);
    return EG_EUPSTREAM;
}

static int wf_init(eg_app *app)
{
    eg__wf_app = app;
    eg_wf_register_handler("noop", noop, NULL);
    eg_wf_register_handler("fail", always_fail, NULL);
    return EG_OK;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int wf_seed(eg_app *app, int demo)
{
    (void)demo;
    char dir[4096];
    snprintf(dir, sizeof(dir), "%s/data/processes", app->share_dir ? app->share_dir : ".");
    DIR *d = opendir(dir);
    if (!d)
        return EG_OK; /* no process files shipped */
    char *names[64];
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < 64) {
        size_t l = strlen(e->d_name);
        if (l > 5 && !strcmp(e->d_name + l - 5, ".bpmn"))
            names[n++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, (size_t)n, sizeof(char *), cmp_str);
    int rc = EG_OK;
    for (int i = 0; i < n; i++) {
        char path[4200];
        snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
        eg_buf b = EG_BUF_INIT;
        char key[128], err[512];
        int version = 0;
        int r = eg_read_file(path, 4 * 1024 * 1024, &b);
        if (!r)
            r = eg_wf_deploy(eg_db_conn(app->db), b.data, b.len, "system", key, &version, err,
                             sizeof(err));
        if (r) {
            fprintf(stderr, "egov: workflow seed %s: %s\n", names[i],
                    r == EG_EUNPROCESSABLE ? err : eg_errname(r));
            rc = r;
        }
        eg_buf_free(&b);
        free(names[i]);
    }
    return rc;
}

static void wf_tick(eg_app *app, int64_t now)
{
    eg_wf_tick(app, now);
}

const struct eg_module eg_workflow_module = {
    .name = "workflow",
    .permissions = perms,
    .init = wf_init,
    .routes = eg__wf_routes,
    .seed = wf_seed,
    .tick = wf_tick,
};
