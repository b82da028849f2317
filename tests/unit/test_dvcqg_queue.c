/* Unit tests for src/dvcqg's queue API: eg_dvcqg_enqueue validates and writes inside the
 * caller's transaction (a rollback leaves nothing), eg_dvcqg_status counts per dossier.
 * Also eg_payment_create/eg_payment_state (one open payment per object, audited in the caller's
 * transaction) and the paid hook: called once, inside the callback's transaction, never on a
 * refused, replayed or repeated callback. Runs on SQLite and, when EGOV_TEST_PG is set, on
 * PostgreSQL. */
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
#include "dvcqg/dvcqg.h"
#include "payment/payment.h"
#include "payment/internal.h"

const struct eg_module *const eg_modules[] = {&eg_audit_module, &eg_payment_module,
                                              &eg_dvcqg_module, NULL};
static const char *const modules[] = {"audit", "payment", "dvcqg", NULL};

struct fixture {
    char dir[64];
    eg_app app;
};

static int setup_backend(void **state, const char *pg)
{
    struct fixture *f = calloc(1, sizeof(*f));
    snprintf(f->dir, sizeof(f->dir), "/tmp/egov-dvcqg-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    char url[512], err[256];
    if (pg) {
        if (pg_private_url(pg, "dvcqg_queue", url, sizeof(url)))
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
    eg_config_set(f->app.cfg, "payment.secret", "unit-secret");
    f->app.data_dir = f->dir;
    f->app.base_url = "http://127.0.0.1:9";
    if (eg_payment_module.init(&f->app) || eg_dvcqg_module.init(&f->app))
        return -1;
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
    eg_payment_module.shutdown(&f->app);
    eg_dvcqg_module.shutdown(&f->app);
    eg_db_close(f->app.db);
    eg_config_free(f->app.cfg);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
    if (system(cmd)) {
    }
    free(f);
    return 0;
}

static json_t *dossier(const char *code, int status)
{
    return json_pack("{s:s, s:i, s:s}", "code", code, "status", status, "agency_code",
                     "000.00.04.H61");
}

static void enqueue_and_status(void **state)
{
    struct fixture *f = *state;
    eg_conn *c = eg_db_conn(f->app.db);
    json_t *d1 = dossier("D-1", 1), *d2 = dossier("D-1", 2), *bad = dossier("D-1", 11);
    json_t *nocode = json_pack("{s:i}", "status", 2);
    assert_int_equal(eg_tx_begin(c), 0);
    assert_int_equal(eg_dvcqg_enqueue(c, EG_DVCQG_SUBMITTED, d1), 0);
    assert_int_equal(eg_dvcqg_enqueue(c, EG_DVCQG_STATUS, d2), 0);
    assert_int_equal(eg_dvcqg_enqueue(c, "deleted", d2), EG_EINVAL);
    assert_int_equal(eg_dvcqg_enqueue(c, EG_DVCQG_STATUS, bad), EG_EINVAL);
    assert_int_equal(eg_dvcqg_enqueue(c, EG_DVCQG_STATUS, nocode), EG_EINVAL);
    assert_int_equal(eg_tx_commit(c), 0);
    json_t *st = NULL;
    assert_int_equal(eg_dvcqg_status(c, "D-1", &st), 0);
    assert_string_equal(eg_json_str(st, "state"), "pending");
    assert_int_equal(eg_json_int(st, "pending", -1), 2);
    assert_string_equal(eg_json_str(st, "agency_code"), "000.00.04.H61");
    json_decref(st);
    assert_int_equal(eg_dvcqg_status(c, "D-none", &st), EG_ENOTFOUND);
    /* a rolled-back caller transaction leaves no event */
    json_t *d3 = dossier("D-2", 1);
    assert_int_equal(eg_tx_begin(c), 0);
    assert_int_equal(eg_dvcqg_enqueue(c, EG_DVCQG_SUBMITTED, d3), 0);
    assert_int_equal(eg_tx_rollback(c), 0);
    assert_int_equal(eg_dvcqg_status(c, "D-2", &st), EG_ENOTFOUND);
    json_decref(d1);
    json_decref(d2);
    json_decref(d3);
    json_decref(bad);
    json_decref(nocode);
}

static void payment_create_and_state(void **state)
{
    struct fixture *f = *state;
    eg_conn *c = eg_db_conn(f->app.db);
    int64_t id = 0;
    char url[256], st[16];
    assert_int_equal(eg_tx_begin(c), 0);
    assert_int_equal(eg_payment_create(&f->app, c, "dossier", "D-9", "000.00.04.H61", 50000,
                                       "Lệ phí", "sub-1", &id, url, sizeof(url)),
                     0);
    assert_true(id > 0);
    assert_non_null(strstr(url, "/api/v1/payment/testgw/pay/TG"));
    assert_int_equal(eg_payment_create(&f->app, c, "dossier", "D-9", "000.00.04.H61", 50000,
                                       "Lệ phí", "sub-1", &id, url, sizeof(url)),
                     EG_ECONFLICT);
    assert_int_equal(eg_payment_create(&f->app, c, "dossier", "D-10", "000.00.04.H61", 0, "x", NULL,
                                       &id, url, sizeof(url)),
                     EG_EUNPROCESSABLE);
    assert_int_equal(eg_payment_create(&f->app, c, "Dossier!", "D-10", "000.00.04.H61", 10, "x",
                                       NULL, &id, url, sizeof(url)),
                     EG_EUNPROCESSABLE);
    assert_int_equal(eg_tx_commit(c), 0);
    int64_t pid = 0;
    assert_int_equal(eg_payment_state(c, "dossier", "D-9", st, sizeof(st), &pid), 0);
    assert_string_equal(st, "pending");
    assert_int_equal(pid, id);
    assert_int_equal(eg_payment_state(c, "dossier", "D-10", st, sizeof(st), &pid), EG_ENOTFOUND);
    int64_t n = 0;
    assert_int_equal(eg_query_int64(c, &n,
                                    "SELECT COUNT(*) FROM audit_log WHERE action = "
                                    "'payment.create'",
                                    ""),
                     0);
    assert_int_equal(n, 1);
    /* rolled back with the caller: no payment */
    assert_int_equal(eg_tx_begin(c), 0);
    assert_int_equal(eg_payment_create(&f->app, c, "dossier", "D-11", "000.00.04.H61", 10, "x",
                                       NULL, &id, url, sizeof(url)),
                     0);
    assert_int_equal(eg_tx_rollback(c), 0);
    assert_int_equal(eg_payment_state(c, "dossier", "D-11", st, sizeof(st), &pid), EG_ENOTFOUND);
}

static int hook_calls;
static int hook_fail;
static int64_t hook_amount;
static int paid_hook(eg_app *app, eg_conn *conn, const char *ref_type, const char *ref_id,
                     int64_t amount_vnd, int64_t payment_id)
{
    hook_calls++;
    hook_amount = amount_vnd;
    if (hook_fail)
        return EG_ECONFLICT;
    /* the hook writes in the callback's transaction (the dossier module moves 6 -> 4 here) */
    return eg_exec(conn, NULL,
                   "INSERT INTO dvcqg_dossiers (dossier_code, updated_at) VALUES (?, 'x')", "t",
                   ref_id);
}

static int callback(eg_arena *a, const char *order_id, const char *amount, const char *status,
                    const char *nonce, json_t **resp)
{
    char ts[24], sig[65], body[600];
    snprintf(ts, sizeof(ts), "%lld", (long long)(eg_now_ms() / 1000));
    eg_pay_params p = {0};
    const char *k[] = {"merchant_id", "order_id", "amount", "status", "ts", "nonce"};
    const char *v[] = {"EGOV-VINHLONG", order_id, amount, status, ts, nonce};
    for (int i = 0; i < 6; i++) {
        p.key[p.n] = k[i];
        p.val[p.n++] = v[i];
    }
    eg_pay_sign("unit-secret", &p, sig);
    snprintf(body, sizeof(body),
             "merchant_id=EGOV-VINHLONG&order_id=%s&amount=%s&status=%s&ts=%s&nonce=%s&"
             "signature=%s",
             order_id, amount, status, ts, nonce, sig);
    char detail[200];
    return eg__pay_callback(a, body, strlen(body), resp, detail, sizeof(detail));
}

static void paid_hook_once_in_the_callback_transaction(void **state)
{
    struct fixture *f = *state;
    eg_conn *c = eg_db_conn(f->app.db);
    eg_payment_on_paid("dossier", paid_hook);
    hook_calls = 0;
    hook_fail = 0;
    int64_t id = 0;
    char url[256], st[16];
    assert_int_equal(eg_payment_create(&f->app, c, "dossier", "H-1", "000.00.04.H61", 70000,
                                       "Lệ phí", NULL, &id, url, sizeof(url)),
                     0);
    eg_arena *a = eg_arena_new(0);
    char *order = NULL;
    assert_int_equal(
        eg_query_text(c, a, &order, "SELECT order_id FROM payment_payments WHERE id = ?", "l", id),
        0);
    json_t *r1 = NULL, *r2 = NULL, *r3 = NULL;
    /* wrong amount: refused, no hook */
    assert_int_equal(callback(a, order, "69000", "paid", "nonce-0001", &r1), EG_EUNPROCESSABLE);
    assert_int_equal(hook_calls, 0);
    /* the hook fails: the whole callback rolls back (payment stays pending, nonce unused) */
    hook_fail = 1;
    assert_int_equal(callback(a, order, "70000", "paid", "nonce-0002", &r1), EG_ECONFLICT);
    assert_int_equal(eg_payment_state(c, "dossier", "H-1", st, sizeof(st), NULL), 0);
    assert_string_equal(st, "pending");
    hook_fail = 0;
    hook_calls = 0;
    assert_int_equal(callback(a, order, "70000", "paid", "nonce-0002", &r1), 0);
    assert_int_equal(hook_calls, 1);
    assert_int_equal(hook_amount, 70000);
    assert_int_equal(eg_payment_state(c, "dossier", "H-1", st, sizeof(st), NULL), 0);
    assert_string_equal(st, "paid");
    int64_t n = 0;
    assert_int_equal(eg_query_int64(c, &n,
                                    "SELECT COUNT(*) FROM dvcqg_dossiers WHERE dossier_code = "
                                    "'H-1'",
                                    ""),
                     0);
    assert_int_equal(n, 1);
    /* replay (same nonce) and a second 'paid' (new nonce): same answer, hook not called again */
    assert_int_equal(callback(a, order, "70000", "paid", "nonce-0002", &r2), 0);
    assert_true(json_equal(r1, r2));
    assert_int_equal(callback(a, order, "70000", "paid", "nonce-0003", &r3), 0);
    assert_int_equal(hook_calls, 1);
    /* out of order */
    json_t *r4 = NULL;
    assert_int_equal(callback(a, order, "70000", "failed", "nonce-0004", &r4), EG_ECONFLICT);
    json_decref(r1);
    json_decref(r2);
    json_decref(r3);
    eg_arena_free(a);
}

int main(void)
{
    const struct CMUnitTest sqlite[] = {
        cmocka_unit_test_setup_teardown(enqueue_and_status, setup_sqlite, teardown),
        cmocka_unit_test_setup_teardown(payment_create_and_state, setup_sqlite, teardown),
        cmocka_unit_test_setup_teardown(paid_hook_once_in_the_callback_transaction, setup_sqlite,
                                        teardown),
    };
    int rc = cmocka_run_group_tests_name("sqlite", sqlite, NULL, NULL);
    if (getenv("EGOV_TEST_PG")) {
        const struct CMUnitTest pg[] = {
            cmocka_unit_test_setup_teardown(enqueue_and_status, setup_pg, teardown),
            cmocka_unit_test_setup_teardown(payment_create_and_state, setup_pg, teardown),
            cmocka_unit_test_setup_teardown(paid_hook_once_in_the_callback_transaction, setup_pg,
                                            teardown),
        };
        rc += cmocka_run_group_tests_name("postgresql", pg, NULL, NULL);
    }
    return rc;
}
