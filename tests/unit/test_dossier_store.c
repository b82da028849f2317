/* Unit tests for the dossier module's database path, on SQLite and, when EGOV_TEST_PG is set,
 * on PostgreSQL: the daily code sequence under concurrent transactions (no number issued
 * twice, a rolled-back number was never acknowledged), the transition recorder (status,
 * timeline event, audit record and outbox rows commit or roll back together), and status 6
 * (fee due → payment created; the verified paid callback moves the dossier back to 4 once;
 * a replay or a forged callback changes nothing). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "pg_schema.h"
#include "audit/audit.h"
#include "dossier/internal.h"
#include "notify/notify.h"
#include "payment/payment.h"
#include "payment/internal.h"

const struct eg_module *const eg_modules[] = {&eg_audit_module, &eg_notify_module,
                                              &eg_payment_module, &eg_dossier_module, NULL};
static const char *const modules[] = {"audit", "catalog", "notify", "payment", "dossier", NULL};

struct fixture {
    char dir[64];
    eg_app app;
};

static int setup_backend(void **state, const char *pg)
{
    struct fixture *f = calloc(1, sizeof(*f));
    snprintf(f->dir, sizeof(f->dir), "/tmp/egov-dossier-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    char url[512], err[256];
    if (pg) {
        if (pg_private_url(pg, "dossier_store", url, sizeof(url)))
            return -1;
    } else
        snprintf(url, sizeof(url), "sqlite:%s/egov.db", f->dir);
    if (eg_db_open(url, &f->app.db, err, sizeof(err)) != EG_OK) {
        fprintf(stderr, "open %s: %s\n", url, err);
        return -1;
    }
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
    if (eg_payment_module.init(&f->app) || eg_dossier_module.init(&f->app))
        return -1;
    eg__ds_fees_hook();
    eg_log_set_level(EG_LOG_ERROR);
    *state = f;
    return 0;
}

static int setup_sqlite(void **state)
{
    return setup_backend(state, NULL);
}

static int setup_pg(void **state)
{
    return setup_backend(state, getenv("EGOV_TEST_PG")); /* SQLite again when unset */
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    eg_payment_module.shutdown(&f->app);
    eg_db_close(f->app.db);
    eg_config_free(f->app.cfg);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
    int rc = system(cmd);
    free(f);
    return rc == 0 ? 0 : -1;
}

/* ---------------------------------------------------------------- codes */

#define THREADS 4
#define PER     15

struct code_arg {
    eg_db *db;
    int64_t now;
    int64_t seqs[PER];
    int fails;
};

static void *code_thread(void *p)
{
    struct code_arg *ca = p;
    eg_conn *c = eg_db_conn(ca->db);
    for (int i = 0; i < PER; i++) {
        eg_arena *a = eg_arena_new(0);
        char *day = NULL, *code = NULL;
        int64_t seq = 0;
        int rc = eg_tx_begin(c);
        if (!rc)
            rc = eg__ds_next_code(c, a, "000.00.04.H61", ca->now, &day, &seq, &code);
        rc = rc ? (eg_tx_rollback(c), rc) : eg_tx_commit(c);
        if (rc) {
            ca->fails++;
            i--; /* a serialisation failure is retried, like a client would */
        } else {
            ca->seqs[i] = seq;
        }
        eg_arena_free(a);
        if (ca->fails > 1000)
            break;
    }
    return NULL;
}

static void codes_unique_under_concurrency(void **state)
{
    struct fixture *f = *state;
    int64_t now = 1795000000000LL; /* 2026-11-18 VN */
    pthread_t th[THREADS];
    struct code_arg args[THREADS];
    for (int i = 0; i < THREADS; i++) {
        args[i] = (struct code_arg){.db = f->app.db, .now = now};
        pthread_create(&th[i], NULL, code_thread, &args[i]);
    }
    for (int i = 0; i < THREADS; i++)
        pthread_join(th[i], NULL);
    int seen[THREADS * PER + 1] = {0};
    for (int i = 0; i < THREADS; i++) {
        assert_true(args[i].fails <= 1000);
        for (int j = 0; j < PER; j++) {
            int64_t s = args[i].seqs[j];
            assert_true(s >= 1 && s <= THREADS * PER);
            assert_int_equal(seen[s], 0); /* never twice */
            seen[s] = 1;
        }
    }
    /* the code format, and a rolled-back number is handed out again (never acknowledged) */
    eg_conn *c = eg_db_conn(f->app.db);
    eg_arena *a = eg_arena_new(0);
    char *day = NULL, *code = NULL;
    int64_t seq = 0;
    assert_int_equal(eg_tx_begin(c), 0);
    assert_int_equal(eg__ds_next_code(c, a, "000.00.04.H61", now, &day, &seq, &code), 0);
    assert_int_equal(seq, THREADS * PER + 1);
    assert_int_equal(eg_tx_rollback(c), 0);
    assert_int_equal(eg_tx_begin(c), 0);
    assert_int_equal(eg__ds_next_code(c, a, "000.00.04.H61", now, &day, &seq, &code), 0);
    assert_int_equal(eg_tx_commit(c), 0);
    assert_int_equal(seq, THREADS * PER + 1);
    assert_string_equal(code, "000.00.04.H61-261118-0061");
    /* another agency and another day start at 1 */
    assert_int_equal(eg_tx_begin(c), 0);
    assert_int_equal(eg__ds_next_code(c, a, "000.00.05.H61", now, &day, &seq, &code), 0);
    assert_int_equal(seq, 1);
    assert_int_equal(eg__ds_next_code(c, a, "000.00.04.H61", now + 86400000, &day, &seq, &code), 0);
    assert_int_equal(seq, 1);
    assert_string_equal(code, "000.00.04.H61-261119-0001");
    assert_int_equal(eg_tx_commit(c), 0);
    eg_arena_free(a);
}

/* ---------------------------------------------------------------- transitions */

static void insert_dossier(eg_conn *c, const char *code, int status)
{
    assert_int_equal(
        eg_exec(
            c, NULL,
            "INSERT INTO dossiers (code, agency_code, day, seq, handling_agency, "
            "procedure_code, procedure_name, processing_days, channel, status, owner, "
            "applicant, components, submitted_at, created_by, due_at) VALUES "
            "(?, '000.00.04.H61', '261118', ?, '000.00.04.H61', '2.000488.000.00.00.H61', "
            "'Cấp Phiếu lý lịch tư pháp', 10, 2, ?, 'sub-1', ?, '[]', 1795000000000, "
            "'sub-1', 1796000000000)",
            "tlit", code, (int64_t)(code[strlen(code) - 1] - '0'), status,
            "{\"name\":\"Nguyễn Văn An\",\"phone\":\"0912345678\",\"email\":\"an@example.vn\"}"),
        0);
}

static int64_t count(eg_conn *c, const char *sql, const char *code)
{
    int64_t n = -1;
    assert_int_equal(eg_query_int64(c, &n, sql, "t", code), 0);
    return n;
}

#define EVENTS(c, code) count(c, "SELECT COUNT(*) FROM dossier_events WHERE code = ?", code)
#define AUDITS(c, code)                                                                            \
    count(c, "SELECT COUNT(*) FROM audit_log WHERE object_type = 'dossier' AND object_id = ?", code)
#define OUTBOX(c, code)                                                                            \
    count(c, "SELECT COUNT(*) FROM notify_outbox WHERE ref_type = 'dossier' AND ref_id = ?", code)
#define STATUS(c, code) count(c, "SELECT status FROM dossiers WHERE code = ?", code)

static void transition_is_atomic(void **state)
{
    struct fixture *f = *state;
    eg_conn *c = eg_db_conn(f->app.db);
    const char *code = "000.00.04.H61-261118-0001";
    insert_dossier(c, code, EG_DS_NEW);
    eg_arena *a = eg_arena_new(0);
    ds_row d;
    assert_int_equal(eg__ds_load(c, a, code, &d), 0);
    assert_int_equal(d.status, EG_DS_NEW);
    /* rolled back: no status, event, audit record or notification */
    assert_int_equal(eg_tx_begin(c), 0);
    assert_int_equal(eg__ds_transition(c, NULL, &d, "accept", EG_DS_ACCEPTED, "ok", NULL), 0);
    assert_int_equal(eg_tx_rollback(c), 0);
    assert_int_equal(STATUS(c, code), EG_DS_NEW);
    assert_int_equal(EVENTS(c, code), 0);
    assert_int_equal(AUDITS(c, code), 0);
    assert_int_equal(OUTBOX(c, code), 0);
    /* committed: all four, one outbox row per channel (e-mail and SMS) */
    assert_int_equal(eg_tx_begin(c), 0);
    assert_int_equal(eg__ds_transition(c, NULL, &d, "accept", EG_DS_ACCEPTED, "ok", NULL), 0);
    assert_int_equal(eg_tx_commit(c), 0);
    assert_int_equal(STATUS(c, code), EG_DS_ACCEPTED);
    assert_int_equal(EVENTS(c, code), 1);
    assert_int_equal(AUDITS(c, code), 1);
    assert_int_equal(OUTBOX(c, code), 2);
    /* a stale row (status moved meanwhile) is a conflict */
    assert_int_equal(eg_tx_begin(c), 0);
    assert_int_equal(eg__ds_transition(c, NULL, &d, "refuse", EG_DS_REFUSED, "x", NULL),
                     EG_ECONFLICT);
    assert_int_equal(eg_tx_rollback(c), 0);
    assert_int_equal(STATUS(c, code), EG_DS_ACCEPTED);
    json_t *tl = eg__ds_timeline(c, code, 1);
    assert_int_equal(json_array_size(tl), 1);
    assert_string_equal(eg_json_str(json_array_get(tl, 0), "action"), "accept");
    json_decref(tl);
    eg_arena_free(a);
}

/* ---------------------------------------------------------------- fees */

static int paid_callback(eg_conn *c, const char *code, const char *secret, const char *nonce)
{
    eg_arena *a = eg_arena_new(0);
    char *order = NULL, *txn = NULL;
    assert_int_equal(eg_query_text(c, a, &order,
                                   "SELECT order_id FROM payment_payments WHERE ref_id = ? ORDER "
                                   "BY id DESC LIMIT 1",
                                   "t", code),
                     0);
    assert_int_equal(eg_query_text(c, a, &txn,
                                   "SELECT gateway_txn FROM payment_payments WHERE order_id = ?",
                                   "t", order),
                     0);
    char ts[24], sig[65], body[1024];
    snprintf(ts, sizeof(ts), "%lld", (long long)(eg_now_ms() / 1000));
    eg_pay_params p = {0};
    const char *k[] = {"merchant_id", "order_id", "gateway_txn", "amount", "status", "ts", "nonce"};
    const char *v[] = {"EGOV-VINHLONG", order, txn, "50000", "paid", ts, nonce};
    for (int i = 0; i < 7; i++) {
        p.key[p.n] = k[i];
        p.val[p.n++] = v[i];
    }
    eg_pay_sign(secret, &p, sig);
    snprintf(body, sizeof(body),
             "merchant_id=EGOV-VINHLONG&order_id=%s&gateway_txn=%s&amount=50000&status=paid&"
             "ts=%s&nonce=%s&signature=%s",
             order, txn, ts, nonce, sig);
    json_t *resp = NULL;
    char detail[200];
    int rc = eg__pay_callback(a, body, strlen(body), &resp, detail, sizeof(detail));
    json_decref(resp);
    eg_arena_free(a);
    return rc;
}

static void fee_due_then_paid(void **state)
{
    struct fixture *f = *state;
    eg_conn *c = eg_db_conn(f->app.db);
    const char *code = "000.00.04.H61-261118-0002";
    insert_dossier(c, code, EG_DS_PROCESSING);
    eg_arena *a = eg_arena_new(0);
    ds_row d;
    assert_int_equal(eg__ds_load(c, a, code, &d), 0);
    char err[256] = "";
    /* a failure after the fee request rolls the payment back too */
    assert_int_equal(eg_tx_begin(c), 0);
    assert_int_equal(eg__ds_fee_due(&f->app, c, NULL, &d, 50000, NULL, err, sizeof(err)), 0);
    assert_int_equal(eg_tx_rollback(c), 0);
    char st[16];
    assert_int_equal(eg_payment_state(c, "dossier", code, st, sizeof(st), NULL), EG_ENOTFOUND);
    assert_int_equal(STATUS(c, code), EG_DS_PROCESSING);
    d.status = EG_DS_PROCESSING;
    assert_int_equal(eg_tx_begin(c), 0);
    assert_int_equal(eg__ds_fee_due(&f->app, c, NULL, &d, 50000, "phí", err, sizeof(err)), 0);
    assert_int_equal(eg_tx_commit(c), 0);
    assert_int_equal(STATUS(c, code), EG_DS_FEES);
    json_t *pj = eg__ds_payment_json(c, code);
    assert_string_equal(eg_json_str(pj, "state"), "pending");
    assert_int_equal(eg_json_int(pj, "amount_vnd", 0), 50000);
    assert_non_null(strstr(eg_json_str(pj, "pay_url"), "/api/v1/payment/testgw/pay/"));
    json_decref(pj);
    /* forged: nothing changes */
    assert_int_equal(paid_callback(c, code, "wrong-secret", "nonce-forged-1"), EG_EFORBIDDEN);
    assert_int_equal(STATUS(c, code), EG_DS_FEES);
    /* verified: 6 → 4 once; a replay and a repeated 'paid' change nothing */
    assert_int_equal(paid_callback(c, code, "unit-secret", "nonce-paid-0001"), 0);
    assert_int_equal(STATUS(c, code), EG_DS_PROCESSING);
    int64_t events = EVENTS(c, code), audits = AUDITS(c, code);
    assert_int_equal(count(c,
                           "SELECT COUNT(*) FROM dossier_events WHERE code = ? AND action = "
                           "'paid' AND from_status = 6 AND to_status = 4",
                           code),
                     1);
    assert_int_equal(paid_callback(c, code, "unit-secret", "nonce-paid-0001"), 0);
    assert_int_equal(paid_callback(c, code, "unit-secret", "nonce-paid-0002"), 0);
    assert_int_equal(EVENTS(c, code), events);
    assert_int_equal(AUDITS(c, code), audits);
    assert_int_equal(count(c,
                           "SELECT COUNT(*) FROM dossiers WHERE code = ? AND pause_started "
                           "IS NULL",
                           code),
                     1);
    eg_arena_free(a);
}

#define BOTH(t)                                                                                    \
    cmocka_unit_test_setup_teardown(t, setup_sqlite, teardown),                                    \
        cmocka_unit_test_setup_teardown(t, setup_pg, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        BOTH(codes_unique_under_concurrency),
        BOTH(transition_is_atomic),
        BOTH(fee_due_then_paid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
