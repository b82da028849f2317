/* Unit tests for the LGSP in-process call (src/lgsp/call.c) and the registry helpers: unknown
 * service 404, consumer without grant 403, method outside the grant 403, data service answered
 * with decoded query arguments, provider refusal 400, daily quota 429; every exchange (refusals
 * included) is one message-log record with client, user and issue, and the chain verifies; the
 * ensure helpers are idempotent and apply the SSRF rules. Runs on SQLite and, when EGOV_TEST_PG
 * is set, on PostgreSQL. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "pg_schema.h"
#include "audit/audit.h"
#include "lgsp/internal.h"

const struct eg_module *const eg_modules[] = {&eg_audit_module, &eg_lgsp_module, NULL};
static const char *const modules[] = {"audit", "lgsp", NULL};

struct fixture {
    char dir[64];
    eg_app app;
};

static int view(eg_app *app, const char *path, eg_lgsp_arg_fn get, void *ctx, json_t **out)
{
    if (path && *path && strcmp(path, "/") != 0)
        return EG_ENOTFOUND;
    const char *q = get(ctx, "q");
    if (!q)
        return EG_EINVAL;
    *out = json_pack("{s:s}", "echo", q);
    return EG_OK;
}

static int setup_backend(void **state, const char *pg)
{
    struct fixture *f = calloc(1, sizeof(*f));
    snprintf(f->dir, sizeof(f->dir), "/tmp/egov-lgspcall-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    char url[512], err[256];
    if (pg) {
        if (pg_private_url(pg, "lgsp_call", url, sizeof(url)))
            return -1;
    } else
        snprintf(url, sizeof(url), "sqlite:%s/egov.db", f->dir);
    if (eg_db_open(url, &f->app.db, err, sizeof(err)) != EG_OK)
        return -1;
    int applied = 0;
    if (eg_migrate(f->app.db, modules, &applied, err, sizeof(err)) != EG_OK) {
        fprintf(stderr, "migrate: %s\n", err);
        return -1;
    }
    if (eg_config_load(NULL, &f->app.cfg, err, sizeof(err)))
        return -1;
    f->app.data_dir = f->dir;
    if (eg_lgsp_module.init(&f->app))
        return -1;
    eg__lgsp_log_start(eg__lgsp_state(&f->app));
    eg_lgsp_register_data_provider("t.view", view);
    *state = f;
    return 0;
}

static int setup_sqlite(void **state)
{
    return setup_backend(state, NULL);
}

static int setup_pg(void **state)
{
    return setup_backend(state, getenv("EGOV_TEST_PG"));
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    eg_lgsp_module.shutdown(&f->app);
    eg_config_free(f->app.cfg);
    eg_db_close(f->app.db);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
    if (system(cmd) != 0)
        return -1;
    free(f);
    return 0;
}

static int call(struct fixture *f, const char *client, const char *service, const char *method,
                const char *path, eg_lgsp_call_out *out)
{
    eg_lgsp_call_in in = {.client_id = client,
                          .service = service,
                          .method = method,
                          .path = path,
                          .user_id = "tester",
                          .issue = "000.00.05.H61-261128-0001"};
    return eg_lgsp_call(&f->app, &in, out);
}

static void test_call(void **state)
{
    struct fixture *f = *state;
    eg_conn *c = eg_db_conn(f->app.db);
    eg_lgsp_service_def d = {.code = "t-svc",
                             .version = "v1",
                             .name = "Dịch vụ thử",
                             .owner_agency = "000.00.04.H61",
                             .upstream_url = "data:t.view"};
    assert_int_equal(eg_lgsp_ensure_service(&f->app, c, &d), EG_OK);
    assert_int_equal(eg_lgsp_ensure_service(&f->app, c, &d), EG_OK); /* idempotent */
    assert_int_equal(eg_lgsp_ensure_consumer(c, "c1", "Hệ thống 1", "000.00.05.H61"), EG_OK);
    assert_int_equal(eg_lgsp_ensure_consumer(c, "c1", "Hệ thống 1", "000.00.05.H61"), EG_OK);
    assert_int_equal(eg_lgsp_ensure_consumer(c, "c2", "Hệ thống 2", "000.00.05.H61"), EG_OK);
    assert_int_equal(eg_lgsp_ensure_grant(c, "t-svc", "c1", "GET"), EG_OK);
    assert_int_equal(eg_lgsp_ensure_grant(c, "t-svc", "c1", "GET"), EG_OK);
    int64_t n = 0;
    assert_int_equal(eg_query_int64(c, &n, "SELECT COUNT(*) FROM lgsp_grant", ""), EG_OK);
    assert_int_equal(n, 1);
    /* unknown data provider and forbidden upstream addresses are refused */
    eg_lgsp_service_def bad = d;
    bad.code = "t-bad";
    bad.upstream_url = "data:nope";
    assert_int_equal(eg_lgsp_ensure_service(&f->app, c, &bad), EG_EUNPROCESSABLE);
    bad.upstream_url = "http://127.0.0.1:9/x";
    assert_int_equal(eg_lgsp_ensure_service(&f->app, c, &bad), EG_EUNPROCESSABLE);

    eg_lgsp_call_out o;
    assert_int_equal(call(f, "c1", "t-svc", "GET", "?q=a%20b%C3%A2", &o), EG_OK);
    assert_int_equal(o.status, 200);
    assert_string_equal(o.body, "{\"echo\":\"a bâ\"}");
    assert_true(o.xroad_id[0]);
    char xid[80];
    snprintf(xid, sizeof(xid), "%s", o.xroad_id);
    eg_lgsp_call_out_free(&o);

    assert_int_equal(call(f, "c1", "nope", "GET", "", &o), EG_ENOTFOUND);
    assert_int_equal(o.status, 404);
    assert_string_equal(o.problem, "unknown-service");
    assert_int_equal(call(f, "c2", "t-svc", "GET", "?q=1", &o), EG_EFORBIDDEN);
    assert_int_equal(o.status, 403);
    assert_non_null(strstr(o.detail, "c2"));
    assert_int_equal(call(f, "c1", "t-svc", "POST", "?q=1", &o), EG_EFORBIDDEN);
    assert_int_equal(call(f, "c1", "t-svc", "GET", "", &o), EG_EINVAL);
    assert_int_equal(o.status, 400);
    assert_int_equal(call(f, "c1", "t-svc", "GET", "/other?q=1", &o), EG_ENOTFOUND);
    assert_int_equal(call(f, "c1", "t-svc", "GET", "?q=1", &o), EG_OK);
    eg_lgsp_call_out_free(&o);

    /* daily quota on the grant */
    assert_int_equal(eg_exec(c, NULL, "UPDATE lgsp_grant SET quota_per_day = 1", ""), EG_OK);
    assert_int_equal(call(f, "c1", "t-svc", "GET", "?q=1", &o), EG_OK);
    eg_lgsp_call_out_free(&o);
    assert_int_equal(call(f, "c1", "t-svc", "GET", "?q=1", &o), EG_ERATE);
    assert_int_equal(o.status, 429);
    eg_lgsp_call_out_free(&o);
    /* the quota is the grant's, whichever entrance: the HTTP gateway's check is refused too */
    {
        eg_arena *ga = eg_arena_new(0);
        lgsp_grant g;
        assert_int_equal(eg__lgsp_grant_get(c, ga, "t-svc", "c1", &g), 0);
        assert_true(eg__lgsp_rate_check(eg__lgsp_state(&f->app), &g) > 0);
        eg_arena_free(ga);
    }

    /* every exchange is one record, with client, user and issue; the chain verifies */
    assert_int_equal(eg_query_int64(c, &n, "SELECT COUNT(*) FROM lgsp_message", ""), EG_OK);
    assert_int_equal(n, 9);
    json_t *rows = NULL;
    assert_int_equal(eg_query_json(c, &rows,
                                   "SELECT client_id, user_id, issue, status, side, path FROM "
                                   "lgsp_message WHERE xroad_id = ?",
                                   "t", xid),
                     EG_OK);
    json_t *r = json_array_get(rows, 0);
    assert_non_null(r);
    assert_string_equal(eg_json_str(r, "client_id"), "c1");
    assert_string_equal(eg_json_str(r, "user_id"), "tester");
    assert_string_equal(eg_json_str(r, "issue"), "000.00.05.H61-261128-0001");
    assert_string_equal(eg_json_str(r, "side"), "client");
    assert_string_equal(eg_json_str(r, "path"), "?q=a%20b%C3%A2");
    assert_int_equal(eg_json_int(r, "status", 0), 200);
    json_decref(rows);
    assert_int_equal(eg_query_int64(c, &n,
                                    "SELECT COUNT(*) FROM lgsp_message WHERE status = 403 AND "
                                    "error_type = 'access-denied'",
                                    ""),
                     EG_OK);
    assert_int_equal(n, 2);
    int64_t count = 0;
    char msg[256] = "";
    assert_int_equal(eg_lgsp_verify_log(f->app.db, f->dir, &count, msg, sizeof(msg)), EG_OK);
    assert_int_equal(count, 9);
    /* the registry changes were audited */
    assert_int_equal(
        eg_query_int64(c, &n, "SELECT COUNT(*) FROM audit_log WHERE action LIKE 'lgsp.%'", ""),
        EG_OK);
    assert_int_equal(n, 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_call, setup_sqlite, teardown),
        cmocka_unit_test_setup_teardown(test_call, setup_pg, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
