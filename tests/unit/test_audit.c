/* Unit tests for src/audit: the hash chain detects edits, deletions and insertions; signed
 * checkpoints catch a rewritten tail; concurrent writers keep one unbroken chain. Runs on
 * SQLite and, when EGOV_TEST_PG is set, on PostgreSQL. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "pg_schema.h"
#include "audit/audit.h"

struct fixture {
    char dir[64];
    eg_db *db;
    const char *pg;
};

static const char *const modules[] = {"audit", NULL};

static int setup_backend(void **state, const char *pg)
{
    struct fixture *f = calloc(1, sizeof(*f));
    snprintf(f->dir, sizeof(f->dir), "/tmp/egov-audit-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    char url[512], err[256];
    if (pg) {
        if (pg_private_url(pg, "audit", url, sizeof(url)))
            return -1;
        f->pg = pg;
    } else {
        snprintf(url, sizeof(url), "sqlite:%s/egov.db", f->dir);
    }
    if (eg_db_open(url, &f->db, err, sizeof(err)) != EG_OK) {
        fprintf(stderr, "open %s: %s\n", url, err);
        return -1;
    }
    int applied = 0;
    if (eg_migrate(f->db, modules, &applied, err, sizeof(err)) != EG_OK) {
        fprintf(stderr, "migrate: %s\n", err);
        return -1;
    }
    if (eg_audit_keygen(f->dir) != EG_OK)
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
    const char *pg = getenv("EGOV_TEST_PG");
    if (!pg) {
        if (getenv("EGOV_REQUIRE_PG") && strcmp(getenv("EGOV_REQUIRE_PG"), "1") == 0) {
            fprintf(stderr, "EGOV_REQUIRE_PG=1 but EGOV_TEST_PG is not set\n");
            return -1;
        }
        return setup_backend(state, NULL); /* local runs without PostgreSQL */
    }
    return setup_backend(state, pg);
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    eg_db_close(f->db);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
    if (system(cmd) != 0)
        return -1;
    free(f);
    return 0;
}

static void append_n(eg_db *db, int n, const char *actor)
{
    for (int i = 0; i < n; i++) {
        char id[32];
        snprintf(id, sizeof(id), "obj-%d", i);
        json_t *d = json_pack("{s:i}", "n", i);
        eg_audit_event ev = {.actor = actor,
                             .action = "test.change",
                             .object_type = "thing",
                             .object_id = id,
                             .agency = "000.00.07.H07",
                             .request_id = "req",
                             .client_addr = "127.0.0.1",
                             .detail = d};
        assert_int_equal(eg_audit_append(eg_db_conn(db), &ev), EG_OK);
        json_decref(d);
    }
}

static void verify_expect(struct fixture *f, int ok, int64_t want_count, const char *want_msg)
{
    int64_t count = -1;
    char msg[512] = "";
    int rc = eg_audit_verify(f->db, f->dir, &count, msg, sizeof(msg));
    if (ok) {
        if (rc)
            fprintf(stderr, "unexpected: %s\n", msg);
        assert_int_equal(rc, EG_OK);
        assert_int_equal(count, want_count);
    } else {
        assert_int_equal(rc, EG_ECONFLICT);
        assert_non_null(strstr(msg, want_msg));
    }
}

static void test_chain_intact(void **state)
{
    struct fixture *f = *state;
    verify_expect(f, 1, 0, NULL);
    append_n(f->db, 10, "alice");
    verify_expect(f, 1, 10, NULL);
    assert_int_equal(eg_audit_checkpoint(f->db, f->dir), EG_OK);
    append_n(f->db, 3, "bob");
    verify_expect(f, 1, 13, NULL);
    json_t *items = NULL;
    eg_audit_filter flt = {.object_type = "thing", .object_id = "obj-1", .limit = 10};
    assert_int_equal(eg_audit_list(eg_db_conn(f->db), &flt, &items), EG_OK);
    assert_int_equal(json_array_size(items), 2);
    json_decref(items);
    /* action prefix, actor and paging filters */
    eg_audit_filter by_actor = {.actor = "bob", .action = "test.", .limit = 2};
    assert_int_equal(eg_audit_list(eg_db_conn(f->db), &by_actor, &items), EG_OK);
    assert_int_equal(json_array_size(items), 2);
    json_int_t last = json_integer_value(json_object_get(json_array_get(items, 1), "id"));
    json_decref(items);
    by_actor.before_id = last;
    assert_int_equal(eg_audit_list(eg_db_conn(f->db), &by_actor, &items), EG_OK);
    assert_int_equal(json_array_size(items), 1); /* bob wrote 3 */
    json_decref(items);
    eg_audit_filter none = {.action = "other.", .limit = 10};
    assert_int_equal(eg_audit_list(eg_db_conn(f->db), &none, &items), EG_OK);
    assert_int_equal(json_array_size(items), 0);
    json_decref(items);
}

static void test_edit_detected(void **state)
{
    struct fixture *f = *state;
    append_n(f->db, 5, "alice");
    assert_int_equal(
        eg_exec(eg_db_conn(f->db), NULL, "UPDATE audit_log SET actor = 'mallory' WHERE id = 3", ""),
        EG_OK);
    verify_expect(f, 0, 0, "record 3");
}

static void test_deletion_detected(void **state)
{
    struct fixture *f = *state;
    append_n(f->db, 5, "alice");
    assert_int_equal(eg_exec(eg_db_conn(f->db), NULL, "DELETE FROM audit_log WHERE id = 2", ""),
                     EG_OK);
    verify_expect(f, 0, 0, "record 2");
}

static void test_truncated_tail_detected(void **state)
{
    struct fixture *f = *state;
    append_n(f->db, 5, "alice");
    assert_int_equal(eg_audit_checkpoint(f->db, f->dir), EG_OK);
    /* Remove the newest record and rewind the head as an attacker with DB access would. */
    eg_conn *c = eg_db_conn(f->db);
    char *prev = NULL;
    eg_arena *a = eg_arena_new(0);
    assert_int_equal(eg_query_text(c, a, &prev, "SELECT hash FROM audit_log WHERE id = 4", ""),
                     EG_OK);
    assert_int_equal(eg_exec(c, NULL, "DELETE FROM audit_log WHERE id = 5", ""), EG_OK);
    assert_int_equal(
        eg_exec(c, NULL, "UPDATE audit_head SET count = 4, last_hash = ? WHERE id = 1", "t", prev),
        EG_OK);
    eg_arena_free(a);
    verify_expect(f, 0, 0, "record 5");
}

static void test_insertion_detected(void **state)
{
    struct fixture *f = *state;
    append_n(f->db, 3, "alice");
    eg_conn *c = eg_db_conn(f->db);
    /* Shift record 3 to 4 and insert a forged record 3 with a made-up hash. */
    assert_int_equal(eg_exec(c, NULL, "UPDATE audit_log SET id = 4 WHERE id = 3", ""), EG_OK);
    assert_int_equal(eg_exec(c, NULL,
                             "INSERT INTO audit_log (id, ts, actor, action, prev_hash, hash) "
                             "VALUES (3, '2026-01-01T00:00:00.000Z', 'x', 'forged', 'p', 'h')",
                             ""),
                     EG_OK);
    verify_expect(f, 0, 0, "record 3");
}

static void test_rollback_leaves_no_record(void **state)
{
    struct fixture *f = *state;
    eg_conn *c = eg_db_conn(f->db);
    assert_int_equal(eg_tx_begin(c), EG_OK);
    eg_audit_event ev = {.actor = "alice", .action = "test.rolled_back"};
    assert_int_equal(eg_audit_append(c, &ev), EG_OK);
    assert_int_equal(eg_tx_rollback(c), EG_OK);
    append_n(f->db, 1, "bob");
    verify_expect(f, 1, 1, NULL);
}

static void *writer(void *arg)
{
    append_n(arg, 50, "thread");
    return NULL;
}

static void test_concurrent_writers(void **state)
{
    struct fixture *f = *state;
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        pthread_create(&t[i], NULL, writer, f->db);
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    verify_expect(f, 1, 200, NULL);
}

#define BOTH(fn)                                                                                   \
    cmocka_unit_test_setup_teardown(fn, setup_sqlite, teardown),                                   \
        cmocka_unit_test_setup_teardown(fn, setup_pg, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        BOTH(test_chain_intact),       BOTH(test_edit_detected),
        BOTH(test_deletion_detected),  BOTH(test_truncated_tail_detected),
        BOTH(test_insertion_detected), BOTH(test_rollback_leaves_no_record),
        BOTH(test_concurrent_writers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
