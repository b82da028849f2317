/*
 * module.c - the dossier module's table entry: permissions, routes, the public lookup, and
 * the scheduler tick (overdue warnings and detection).
 *   GET /api/v1/public/dossiers/{code}: status and timeline, no personal data, no actors.
 */
#include <stdlib.h>
#include "dossier/internal.h"
#include "dossier/inforeq.h"

static eg_app *the_app;

eg_app *eg__ds_app(void)
{
    return the_app;
}

static const struct eg_permission perms[] = {
    {"citizen", "create", "dossier", EG_SCOPE_OWN},
    {"citizen", "read", "dossier", EG_SCOPE_OWN},
    {"business", "create", "dossier", EG_SCOPE_OWN},
    {"business", "read", "dossier", EG_SCOPE_OWN},
    {"receiver", "read", "dossier", EG_SCOPE_AGENCY},
    {"receiver", "receive", "dossier", EG_SCOPE_AGENCY},
    {"receiver", "process", "dossier", EG_SCOPE_AGENCY},
    {"officer", "read", "dossier", EG_SCOPE_AGENCY},
    {"officer", "process", "dossier", EG_SCOPE_AGENCY},
    {"unit_leader", "read", "dossier", EG_SCOPE_AGENCY},
    {"unit_leader", "process", "dossier", EG_SCOPE_AGENCY},
    {"leader", "read", "dossier", EG_SCOPE_AGENCY},
    {"leader", "process", "dossier", EG_SCOPE_AGENCY},
    {"leader", "approve", "dossier", EG_SCOPE_AGENCY},
    {"receiver", "request_info", "dossier", EG_SCOPE_AGENCY},
    {"officer", "request_info", "dossier", EG_SCOPE_AGENCY},
    {"unit_leader", "request_info", "dossier", EG_SCOPE_AGENCY},
    {"leader", "request_info", "dossier", EG_SCOPE_AGENCY},
    {NULL, NULL, NULL, 0},
};

static int public_lookup(eg_req *r)
{
    eg_app *app = eg_req_app(r);
    eg_conn *c = eg_db_conn(app->db);
    const char *code = eg_req_param(r, "code");
    ds_row d;
    int rc = eg__ds_load(c, eg_req_arena(r), code, &d);
    if (rc == EG_ENOTFOUND)
        return eg_req_fail(r, rc, "không có hồ sơ mã %s", code);
    if (rc)
        return rc;
    if (d.status == EG_DS_PROCESSING && d.instance_id) {
        eg__ds_sync(app, c, code);
        eg__ds_load(c, eg_req_arena(r), code, &d);
    }
    eg_reply_header(r, "Cache-Control", "no-store");
    return eg_reply_json(r, 200, eg__ds_json(c, &d, 0));
}

/* GET /api/v1/public/dossiers?code=: the same as a search ({items: [0 or 1]}), so the lookup
 * page answers "not found" without an HTTP error. */
static int public_search(eg_req *r)
{
    eg_app *app = eg_req_app(r);
    eg_conn *c = eg_db_conn(app->db);
    const char *code = eg_req_query(r, "code");
    if (!code || !*code || strlen(code) > 64)
        return eg_req_fail_field(r, EG_EINVAL, "code", "cần mã hồ sơ");
    json_t *items = json_array();
    ds_row d;
    if (!eg__ds_load(c, eg_req_arena(r), code, &d)) {
        if (d.status == EG_DS_PROCESSING && d.instance_id) {
            eg__ds_sync(app, c, code);
            eg__ds_load(c, eg_req_arena(r), code, &d);
        }
        json_array_append_new(items, eg__ds_json(c, &d, 0));
    }
    eg_reply_header(r, "Cache-Control", "no-store");
    return eg_reply_json(r, 200, json_pack("{s:o, s:n}", "items", items, "next_cursor"));
}

static int init(eg_app *app)
{
    the_app = app;
    eg__ds_inforeq_init();
    return 0;
}

static void routes(eg_app *app, eg_http *h)
{
    the_app = app;
    eg__ds_files_routes(h);
    eg__ds_submit_routes(h);
    eg__ds_actions_routes(h);
    eg__ds_results_routes(h);
    eg__ds_forms_routes(h);
    eg__ds_inforeq_routes(h);
    eg_http_route(
        h, "GET", "/api/v1/public/dossiers", public_search,
        &(eg_route_opts){.public_route = 1,
                         .summary = "Tra cứu công khai theo mã (danh sách 0 hoặc 1 hồ sơ)",
                         .tag = "dossier"});
    eg_http_route(h, "GET", "/api/v1/public/dossiers/{code}", public_lookup,
                  &(eg_route_opts){.public_route = 1,
                                   .summary = "Tra cứu công khai tình trạng hồ sơ (không có dữ "
                                              "liệu cá nhân)",
                                   .tag = "dossier"});
}

static void tick(eg_app *app, int64_t now)
{
    static int64_t last; /* monotonic: `now` may be a fixed EGOV_FAKE_NOW in tests */
    int64_t mono = eg_mono_ms();
    if (last && mono - last < 5000)
        return;
    last = mono;
    eg__ds_overdue_tick(app, now);
    eg__ds_inforeq_tick(app);
}

const struct eg_module eg_dossier_module = {
    .name = "dossier",
    .permissions = perms,
    .init = init,
    .routes = routes,
    .tick = tick,
    .seed = eg__ds_providers_seed,
};
