/*
 * portal.c - GET /api/v1/site: the names the web shell shows (from configuration, so
 * nothing in the code assumes one province).
 */
#include "egov.h"
#include "portal/portal.h"

static int site_info(eg_req *r)
{
    eg_app *app = eg_req_app(r);
    json_t *j =
        json_pack("{s:s, s:s, s:s}", "site_name",
                  eg_config_get(app->cfg, "site.name", "Cổng dịch vụ công tỉnh Vĩnh Long"),
                  "province", eg_config_get(app->cfg, "site.province", "Tỉnh Vĩnh Long"),
                  "agency_code", eg_config_get(app->cfg, "site.agency_code", "000.00.00.H61"));
    return eg_reply_json(r, 200, j);
}

static void portal_routes(eg_app *app, eg_http *h)
{
    (void)app;
    static const eg_route_opts site = {.summary = "Tên cổng và tỉnh cho giao diện web",
                                       .tag = "portal"};
    eg_http_route(h, "GET", "/api/v1/site", site_info, &site);
}

const struct eg_module eg_portal_module = {
    .name = "portal",
    .routes = portal_routes,
};
