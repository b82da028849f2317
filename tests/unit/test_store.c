/*
 * test_store.c - the storage layer against both engines.
 *
 * The same group of tests runs on SQLite (a fresh file per test) and on PostgreSQL (a fresh
 * schema per test in the database named by EGOV_TEST_PG). With EGOV_REQUIRE_PG=1 a missing
 * or unreachable PostgreSQL fails every PostgreSQL test instead of skipping it. Migrations
 * come from lists defined here (eg__migrate_list), not from the embedded eg_migrations.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <ftw.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "store/internal.h"
#include "store/store.h"

typedef struct {
    int kind;
    eg_db *db;
    char dir[256];   /* SQLite: temp dir holding the database file */
    char schema[64]; /* PostgreSQL: per-test schema */
    char why[2048];  /* why PostgreSQL is unavailable */
    char url[1024];  /* what eg_db_open was given */
} fixture;

static int require_pg(void)
{
    const char *v = getenv("EGOV_REQUIRE_PG");
    return v && strcmp(v, "1") == 0;
}

/* Every test starts with this: a PostgreSQL fixture without a database fails when
 * PostgreSQL is required and is skipped otherwise. */
#define NEED_DB(f)                                                                                 \
    do {                                                                                           \
        if (!(f)->db) {                                                                            \
            if (require_pg())                                                                      \
                fail_msg("EGOV_REQUIRE_PG=1 but PostgreSQL is unavailable: %s", (f)->why);         \
            skip();                                                                                \
        }                                                                                          \
    } while (0)

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void rm_rf(const char *dir)
{
    nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static int setup_sqlite(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    f->kind = EG_DB_SQLITE;
    snprintf(f->dir, sizeof(f->dir), "/tmp/egov-store-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    char err[256];
    snprintf(f->url, sizeof(f->url), "sqlite:%s/egov.db", f->dir);
    if (eg_db_open(f->url, &f->db, err, sizeof(err)) != 0) {
        fprintf(stderr, "sqlite open: %s\n", err);
        return -1;
    }
    *state = f;
    return 0;
}

static int admin_exec(const char *url, const char *sql, char *err, size_t errlen)
{
    eg_db *db = NULL;
    int rc = eg_db_open(url, &db, err, errlen);
    if (rc)
        return rc;
    rc = eg_exec_script(eg_db_conn(db), sql);
    if (rc)
        snprintf(err, errlen, "%s", eg_conn_errmsg(eg_db_conn(db)));
    eg_db_close(db);
    return rc;
}

static int setup_pg(void **state)
{
    static int seq;
    fixture *f = calloc(1, sizeof(*f));
    f->kind = EG_DB_POSTGRES;
    *state = f;
    const char *url = getenv("EGOV_TEST_PG");
    if (!url || !*url) {
        snprintf(f->why, sizeof(f->why), "EGOV_TEST_PG is not set");
        return 0;
    }
    snprintf(f->schema, sizeof(f->schema), "egov_test_%d_%d", (int)getpid(), ++seq);
    char sql[200], err[512];
    snprintf(sql, sizeof(sql), "DROP SCHEMA IF EXISTS %s CASCADE; CREATE SCHEMA %s", f->schema,
             f->schema);
    if (admin_exec(url, sql, err, sizeof(err)) != 0) {
        snprintf(f->why, sizeof(f->why), "%s: %s", url, err);
        f->schema[0] = '\0';
        return 0;
    }
    snprintf(f->url, sizeof(f->url), "%s%coptions=-csearch_path%%3D%s", url,
             strchr(url, '?') ? '&' : '?', f->schema);
    if (eg_db_open(f->url, &f->db, err, sizeof(err)) != 0) {
        snprintf(f->why, sizeof(f->why), "%s: %s", f->url, err);
        f->db = NULL;
    }
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    if (!f)
        return 0;
    eg_db_close(f->db);
    if (f->kind == EG_DB_SQLITE) {
        rm_rf(f->dir);
    } else if (f->schema[0]) {
        char sql[200], err[512];
        snprintf(sql, sizeof(sql), "DROP SCHEMA IF EXISTS %s CASCADE", f->schema);
        admin_exec(getenv("EGOV_TEST_PG"), sql, err, sizeof(err));
    }
    free(f);
    return 0;
}

/* Runs DDL with the migration tokens expanded for the fixture's backend. */
static void ddl(fixture *f, const char *sql)
{
    eg_buf b = EG_BUF_INIT;
    for (const char *p = sql; *p;) {
        if (strncmp(p, "@ID@", 4) == 0) {
            eg_buf_puts(&b, f->db->be->id_type);
            p += 4;
        } else if (strncmp(p, "@BLOB@", 6) == 0) {
            eg_buf_puts(&b, f->db->be->blob_type);
            p += 6;
        } else {
            eg_buf_putc(&b, *p++);
        }
    }
    eg_conn *c = eg_db_conn(f->db);
    int rc = eg_exec_script(c, eg_buf_cstr(&b));
    if (rc)
        fail_msg("ddl failed (%s): %s", eg_errname(rc), eg_conn_errmsg(c));
    eg_buf_free(&b);
}

static int64_t count_rows(eg_conn *c, const char *sql)
{
    int64_t n = -1;
    int rc = eg_query_int64(c, &n, sql, "");
    if (rc)
        fail_msg("%s: %s", sql, eg_conn_errmsg(c));
    return n;
}

/* ------------------------------------------------------------------ open / close */

static void *other_thread_conn(void *arg)
{
    return eg_db_conn(arg);
}

static void test_open_close(void **state)
{
    fixture *f = *state;
    NEED_DB(f);
    assert_int_equal(eg_db_backend(f->db), f->kind);
    assert_string_equal(eg_db_backend_name(f->db),
                        f->kind == EG_DB_SQLITE ? "sqlite" : "postgresql");
    eg_conn *c = eg_db_conn(f->db);
    assert_non_null(c);
    assert_ptr_equal(eg_db_conn(f->db), c);
    assert_ptr_equal(eg_conn_db(c), f->db);
    assert_int_equal(eg_tx_depth(c), 0);

    pthread_t t;
    void *other = NULL;
    assert_int_equal(pthread_create(&t, NULL, other_thread_conn, f->db), 0);
    assert_int_equal(pthread_join(t, &other), 0);
    assert_non_null(other);
    assert_ptr_not_equal(other, c); /* one connection per thread (closed at thread exit) */

    eg_db *bad = NULL;
    char err[512] = "";
    const char *bad_url = f->kind == EG_DB_SQLITE ? "sqlite:/nonexistent-egov-dir/x/egov.db"
                                                  : "postgresql://egov@127.0.0.1:1/nothing";
    assert_int_equal(eg_db_open(bad_url, &bad, err, sizeof(err)), EG_EDB);
    assert_null(bad);
    assert_true(strlen(err) > 0);
}

/* ------------------------------------------------------------------ migrations */

static const struct eg_migration mig_list[] = {
    /* deliberately out of order: the runner sorts by version within a module */
    {"tst_a", 2, "0002_more",
     "ALTER TABLE a_items ADD COLUMN note TEXT;\n"
     "CREATE TABLE a_files (id @ID@, body @BLOB@ NOT NULL);\n"},
    {"tst_b", 1, "0001_b",
     "CREATE TABLE b_items (id @ID@, a_id BIGINT NOT NULL REFERENCES a_items(id));\n"},
    {"tst_a", 1, "0001_init", "CREATE TABLE a_items (id @ID@, name TEXT NOT NULL);\n"},
    {"tst_c", 1, "0001_c", "CREATE TABLE c_items (id @ID@);\n"},
    {NULL, 0, NULL, NULL}};

static void test_migrate(void **state)
{
    fixture *f = *state;
    NEED_DB(f);
    eg_conn *c = eg_db_conn(f->db);
    const char *const mods[] = {"tst_a", "tst_b", NULL};
    char err[512] = "";
    int applied = -1;
    int rc = eg__migrate_list(f->db, mig_list, mods, &applied, err, sizeof(err));
    if (rc)
        fail_msg("migrate: %s", err);
    assert_int_equal(applied, 3);

    /* recorded, with the checksum of the unexpanded text */
    json_t *rows = NULL;
    assert_int_equal(eg_query_json(c, &rows,
                                   "SELECT module, version, name, checksum, applied_at FROM "
                                   "schema_migrations ORDER BY module, version",
                                   ""),
                     0);
    assert_int_equal(json_array_size(rows), 3);
    const char *names[] = {"0001_init", "0002_more", "0001_b"};
    const struct eg_migration *srcs[] = {&mig_list[2], &mig_list[0], &mig_list[1]};
    for (size_t i = 0; i < 3; i++) {
        json_t *r = json_array_get(rows, i);
        assert_string_equal(eg_json_str(r, "name"), names[i]);
        assert_int_equal(eg_json_int(r, "version", -1), srcs[i]->version);
        char sum[65];
        eg_sha256_hex(srcs[i]->sql, strlen(srcs[i]->sql), sum);
        assert_string_equal(eg_json_str(r, "checksum"), sum);
        const char *at = eg_json_str(r, "applied_at");
        assert_non_null(at);
        assert_int_equal(at[strlen(at) - 1], 'Z');
    }
    json_decref(rows);

    /* the tokens were expanded: ids are generated, blobs hold bytes */
    int64_t id = 0;
    assert_int_equal(
        eg_query_int64(c, &id, "INSERT INTO a_items (name) VALUES (?) RETURNING id", "t", "x"), 0);
    assert_int_equal(id, 1);
    assert_int_equal(eg_exec(c, NULL, "INSERT INTO a_files (body) VALUES (?)", "b", "\0\1", 2), 0);
    /* tst_c was not listed */
    assert_int_not_equal(eg_exec(c, NULL, "SELECT COUNT(*) FROM c_items", ""), 0);

    /* second run applies nothing */
    applied = -1;
    assert_int_equal(eg__migrate_list(f->db, mig_list, mods, &applied, err, sizeof(err)), 0);
    assert_int_equal(applied, 0);
    assert_int_equal(eg__migrations_current_list(f->db, mig_list, mods), 1);
    const char *const with_c[] = {"tst_a", "tst_c", NULL};
    assert_int_equal(eg__migrations_current_list(f->db, mig_list, with_c), 0);

    /* a shipped migration edited afterwards is refused */
    struct eg_migration changed[5];
    memcpy(changed, mig_list, sizeof(changed));
    changed[2].sql = "CREATE TABLE a_items (id @ID@, name TEXT NOT NULL, extra TEXT);\n";
    err[0] = '\0';
    applied = -1;
    assert_int_equal(eg__migrate_list(f->db, changed, mods, &applied, err, sizeof(err)),
                     EG_ECONFLICT);
    assert_int_equal(applied, 0);
    assert_non_null(strstr(err, "tst_a"));
    assert_non_null(strstr(err, "version 1"));
    assert_int_equal(eg__migrations_current_list(f->db, changed, mods), 0);

    /* the embedded list: no module of this name, nothing to do */
    const char *const none[] = {"no_such_module", NULL};
    assert_int_equal(eg_migrate(f->db, none, &applied, err, sizeof(err)), 0);
    assert_int_equal(applied, 0);
    assert_int_equal(eg_migrations_current(f->db, none), 1);
    assert_true(eg_schema_version() >= 0);
}

static void test_migrate_failure_rolls_back(void **state)
{
    fixture *f = *state;
    NEED_DB(f);
    eg_conn *c = eg_db_conn(f->db);
    static const struct eg_migration bad[] = {
        {"tst_f", 1, "0001_ok", "CREATE TABLE f_ok (x INTEGER);"},
        {"tst_f", 2, "0002_bad",
         "CREATE TABLE f_partial (x INTEGER);\nINSERT INTO f_missing VALUES (1);"},
        {"tst_f", 3, "0003_after", "CREATE TABLE f_after (x INTEGER);"},
        {NULL, 0, NULL, NULL}};
    const char *const mods[] = {"tst_f", NULL};
    char err[512] = "";
    int applied = -1;
    int rc = eg__migrate_list(f->db, bad, mods, &applied, err, sizeof(err));
    assert_int_equal(rc, EG_EDB);
    assert_int_equal(applied, 1);
    assert_non_null(strstr(err, "tst_f/0002_bad"));
    assert_non_null(strstr(err, "f_missing")); /* the database's own message */
    assert_int_equal(eg_tx_depth(c), 0);
    /* nothing of the failed migration remains: no table, no record; later ones not run */
    assert_int_not_equal(eg_exec(c, NULL, "SELECT COUNT(*) FROM f_partial", ""), 0);
    assert_int_not_equal(eg_exec(c, NULL, "SELECT COUNT(*) FROM f_after", ""), 0);
    assert_int_equal(count_rows(c, "SELECT COUNT(*) FROM f_ok"), 0);
    assert_int_equal(count_rows(c, "SELECT COUNT(*) FROM schema_migrations WHERE module = "
                                   "'tst_f'"),
                     1);
    assert_int_equal(eg__migrations_current_list(f->db, bad, mods), 0);
}

typedef struct {
    const char *url;
    int rc;
    int applied;
    char err[512];
} migrator_arg;

static const struct eg_migration race_list[] = {
    {"tst_r", 1, "0001_one", "CREATE TABLE r_one (id @ID@, v TEXT);"},
    {"tst_r", 2, "0002_two", "CREATE TABLE r_two (id @ID@, v TEXT);"},
    {"tst_r", 3, "0003_seed", "INSERT INTO r_one (v) VALUES ('seeded once');"},
    {NULL, 0, NULL, NULL}};

/* A separate process in miniature: its own eg_db on the same database. */
static void *migrator(void *p)
{
    migrator_arg *m = p;
    eg_db *db = NULL;
    m->rc = eg_db_open(m->url, &db, m->err, sizeof(m->err));
    if (m->rc)
        return NULL;
    const char *const mods[] = {"tst_r", NULL};
    m->rc = eg__migrate_list(db, race_list, mods, &m->applied, m->err, sizeof(m->err));
    eg_db_close(db);
    return NULL;
}

static void test_migrate_concurrently(void **state)
{
    fixture *f = *state;
    NEED_DB(f);
    enum { N = 4 };
    pthread_t t[N];
    migrator_arg args[N];
    memset(args, 0, sizeof(args));
    for (int i = 0; i < N; i++) {
        args[i].url = f->url;
        assert_int_equal(pthread_create(&t[i], NULL, migrator, &args[i]), 0);
    }
    for (int i = 0; i < N; i++) /* all joined before any assertion can leave this frame */
        pthread_join(t[i], NULL);
    int total = 0;
    for (int i = 0; i < N; i++) {
        if (args[i].rc)
            fail_msg("migrator %d: %s: %s", i, eg_errname(args[i].rc), args[i].err);
        total += args[i].applied;
    }
    assert_int_equal(total, 3); /* each migration applied exactly once */
    eg_conn *c = eg_db_conn(f->db);
    assert_int_equal(count_rows(c, "SELECT COUNT(*) FROM r_one"), 1);
    assert_int_equal(count_rows(c, "SELECT COUNT(*) FROM schema_migrations WHERE module = 'tst_r'"),
                     3);
}

/* ------------------------------------------------------------------ values */

static void test_types_round_trip(void **state)
{
    fixture *f = *state;
    NEED_DB(f);
    eg_conn *c = eg_db_conn(f->db);
    ddl(f, "CREATE TABLE ty (k INTEGER NOT NULL, s TEXT, big BIGINT, d DOUBLE PRECISION, "
           "n TEXT, b @BLOB@, e TEXT)");
    const char *vi = "Nguyễn Thị Minh Khai — Đà Nẵng, Thừa Thiên Huế";
    const unsigned char blob[] = {'a', 0, 'b', 0, 0xff, 0x00, 0x5c, 0x27};
    const int64_t big = 5000000000LL; /* beyond 2^32 */
    const double pi = 3.141592653589793;
    int64_t changes = -1;
    int rc = eg_exec(c, &changes, "INSERT INTO ty (k, s, big, d, n, b, e) VALUES (?,?,?,?,?,?,?)",
                     "itldnbt", 1, vi, big, pi, blob, sizeof(blob), "");
    if (rc)
        fail_msg("insert: %s", eg_conn_errmsg(c));
    assert_int_equal(changes, 1);
    assert_int_equal(eg_exec(c, NULL, "INSERT INTO ty (k, s, big, d) VALUES (?,?,?,?)", "itld", 2,
                             (const char *)NULL, (int64_t)-9000000000000000000LL, -0.5),
                     0);

    eg_stmt *st = NULL;
    assert_int_equal(eg_query(c, &st, "SELECT s, big, d, n, b, e FROM ty WHERE k = ?", "i", 1), 0);
    assert_int_equal(eg_step(st), EG_ROW);
    assert_int_equal(eg_col_count(st), 6);
    assert_string_equal(eg_col_name(st, 1), "big");
    assert_string_equal(eg_col_text(st, 0), vi);
    assert_int_equal(eg_col_int64(st, 1), big);
    assert_true(eg_col_double(st, 2) == pi);
    assert_true(eg_col_is_null(st, 3));
    assert_null(eg_col_text(st, 3));
    assert_false(eg_col_is_null(st, 4));
    size_t n = 0;
    const void *p = eg_col_blob(st, 4, &n);
    assert_int_equal(n, sizeof(blob));
    assert_memory_equal(p, blob, sizeof(blob));
    assert_false(eg_col_is_null(st, 5)); /* empty string is not NULL */
    assert_string_equal(eg_col_text(st, 5), "");
    assert_int_equal(eg_step(st), EG_DONE);
    eg_stmt_done(st);

    assert_int_equal(eg_query(c, &st, "SELECT s, big, d FROM ty WHERE k = ?", "l", (int64_t)2), 0);
    assert_int_equal(eg_step(st), EG_ROW);
    assert_true(eg_col_is_null(st, 0)); /* 't' with NULL binds NULL */
    assert_int_equal(eg_col_int64(st, 1), -9000000000000000000LL);
    assert_true(eg_col_double(st, 2) == -0.5);
    eg_stmt_done(st);

    /* bigint comparisons with a bound int64 */
    assert_int_equal(count_rows(c, "SELECT COUNT(*) FROM ty WHERE big > 4294967296"), 1);
    int64_t k = 0;
    assert_int_equal(eg_query_int64(c, &k, "SELECT k FROM ty WHERE big = ?", "l", big), 0);
    assert_int_equal(k, 1);
}

static void test_returning_id(void **state)
{
    fixture *f = *state;
    NEED_DB(f);
    eg_conn *c = eg_db_conn(f->db);
    ddl(f, "CREATE TABLE rt (id @ID@, name TEXT NOT NULL)");
    int64_t id1 = 0, id2 = 0;
    assert_int_equal(
        eg_query_int64(c, &id1, "INSERT INTO rt (name) VALUES (?) RETURNING id", "t", "một"), 0);
    eg_stmt *st = NULL;
    assert_int_equal(eg_query(c, &st, "INSERT INTO rt (name) VALUES (?) RETURNING id", "t", "hai"),
                     0);
    assert_int_equal(eg_step(st), EG_ROW);
    id2 = eg_col_int64(st, 0);
    assert_int_equal(eg_step(st), EG_DONE);
    assert_int_equal(eg_changes(st), 1);
    eg_stmt_done(st);
    assert_int_equal(id1, 1);
    assert_int_equal(id2, 2);
    {
        eg_arena *a = eg_arena_new(0);
        char *name = NULL;
        assert_int_equal(eg_query_text(c, a, &name, "SELECT name FROM rt WHERE id = ?", "l", id2),
                         0);
        assert_string_equal(name, "hai");
        assert_int_equal(eg_query_text(c, a, &name, "SELECT name FROM rt WHERE id = ?", "i", 99),
                         EG_ENOTFOUND);
        assert_null(name);
        assert_int_equal(eg_query_text(c, a, &name, "SELECT NULL", ""), 0);
        assert_null(name);
        eg_arena_free(a);
    }
    int64_t v = 7;
    assert_int_equal(eg_query_int64(c, &v, "SELECT id FROM rt WHERE id = ?", "i", 99),
                     EG_ENOTFOUND);
    int64_t changes = 0;
    assert_int_equal(eg_exec(c, &changes, "UPDATE rt SET name = ? WHERE id > ?", "ti", "x", 0), 0);
    assert_int_equal(changes, 2);
    /* only INSERT/UPDATE/DELETE count: not the rows a SELECT returns, not DDL */
    assert_int_equal(eg_exec(c, &changes, "SELECT id FROM rt", ""), 0);
    assert_int_equal(changes, 0);
    assert_int_equal(eg_exec(c, &changes, "CREATE TABLE rt2 (x INTEGER)", ""), 0);
    assert_int_equal(changes, 0);
    assert_int_equal(eg_exec(c, &changes, "DELETE FROM rt WHERE id = ?", "l", id1), 0);
    assert_int_equal(changes, 1);
}

static void test_unique_conflict(void **state)
{
    fixture *f = *state;
    NEED_DB(f);
    eg_conn *c = eg_db_conn(f->db);
    ddl(f, "CREATE TABLE u (id @ID@, code TEXT NOT NULL UNIQUE, qty INTEGER CHECK (qty >= 0))");
    assert_int_equal(eg_exec(c, NULL, "INSERT INTO u (code, qty) VALUES (?, ?)", "ti", "A", 1), 0);
    assert_int_equal(eg_exec(c, NULL, "INSERT INTO u (code, qty) VALUES (?, ?)", "ti", "A", 2),
                     EG_ECONFLICT);
    assert_true(strlen(eg_conn_errmsg(c)) > 0);
    /* one statement is atomic: the good row of a failing multi-row insert is not written */
    assert_int_equal(eg_exec(c, NULL, "INSERT INTO u (code, qty) VALUES ('B', 1), ('A', 3)", ""),
                     EG_ECONFLICT);
    assert_int_equal(eg_exec(c, NULL, "INSERT INTO u (code, qty) VALUES (?, ?)", "ti", "C", -1),
                     EG_ECONFLICT); /* check constraint */
    assert_int_equal(count_rows(c, "SELECT COUNT(*) FROM u"), 1);
    assert_int_equal(count_rows(c, "SELECT qty FROM u WHERE code = 'A'"), 1);
}

/* ------------------------------------------------------------------ transactions */

static void test_tx_rollback(void **state)
{
    fixture *f = *state;
    NEED_DB(f);
    eg_conn *c = eg_db_conn(f->db);
    ddl(f, "CREATE TABLE tx (v TEXT NOT NULL)");
    uint64_t before = eg_db_tx_count(f->db);
    assert_int_equal(eg_tx_begin(c), 0);
    assert_int_equal(eg_tx_depth(c), 1);
    assert_int_equal(eg_exec(c, NULL, "INSERT INTO tx (v) VALUES (?)", "t", "a"), 0);
    assert_int_equal(eg_exec(c, NULL, "INSERT INTO tx (v) VALUES (?)", "t", "b"), 0);
    assert_int_equal(count_rows(c, "SELECT COUNT(*) FROM tx"), 2); /* visible inside */
    assert_int_equal(eg_tx_rollback(c), 0);
    assert_int_equal(eg_tx_depth(c), 0);
    assert_int_equal(count_rows(c, "SELECT COUNT(*) FROM tx"), 0);
    assert_int_equal(eg_db_tx_count(f->db), before);

    assert_int_equal(eg_tx_begin(c), 0);
    assert_int_equal(eg_exec(c, NULL, "INSERT INTO tx (v) VALUES (?)", "t", "c"), 0);
    assert_int_equal(eg_tx_commit(c), 0);
    assert_int_equal(eg_db_tx_count(f->db), before + 1);
    assert_int_equal(count_rows(c, "SELECT COUNT(*) FROM tx"), 1);

    assert_int_equal(eg_tx_commit(c), EG_EINVAL);
    assert_int_equal(eg_tx_rollback(c), EG_EINVAL);
    assert_int_equal(eg_tx_depth(c), 0);

    /* after an error inside a transaction, rolling back is always possible and clean */
    ddl(f, "CREATE TABLE txu (v TEXT NOT NULL UNIQUE)");
    assert_int_equal(eg_tx_begin(c), 0);
    assert_int_equal(eg_exec(c, NULL, "INSERT INTO txu (v) VALUES (?)", "t", "x"), 0);
    assert_int_equal(eg_exec(c, NULL, "INSERT INTO txu (v) VALUES (?)", "t", "x"), EG_ECONFLICT);
    assert_int_equal(eg_tx_rollback(c), 0);
    assert_int_equal(eg_tx_depth(c), 0);
    assert_int_equal(count_rows(c, "SELECT COUNT(*) FROM txu"), 0);
    if (f->kind == EG_DB_POSTGRES) {
        /* PostgreSQL aborts the transaction on error: COMMIT must not pretend to succeed */
        before = eg_db_tx_count(f->db);
        assert_int_equal(eg_tx_begin(c), 0);
        assert_int_equal(eg_exec(c, NULL, "INSERT INTO txu (v) VALUES (?)", "t", "y"), 0);
        assert_int_equal(eg_exec(c, NULL, "INSERT INTO txu (v) VALUES (?)", "t", "y"),
                         EG_ECONFLICT);
        assert_int_equal(eg_tx_commit(c), EG_EDB);
        assert_int_equal(eg_tx_depth(c), 0);
        assert_int_equal(eg_db_tx_count(f->db), before);
        assert_int_equal(count_rows(c, "SELECT COUNT(*) FROM txu"), 0);
    }
}

static void test_nested_savepoint(void **state)
{
    fixture *f = *state;
    NEED_DB(f);
    eg_conn *c = eg_db_conn(f->db);
    ddl(f, "CREATE TABLE sp (v TEXT NOT NULL UNIQUE)");
    assert_int_equal(eg_tx_begin(c), 0);
    assert_int_equal(eg_exec(c, NULL, "INSERT INTO sp (v) VALUES (?)", "t", "outer1"), 0);
    assert_int_equal(eg_tx_begin(c), 0);
    assert_int_equal(eg_tx_depth(c), 2);
    assert_int_equal(eg_exec(c, NULL, "INSERT INTO sp (v) VALUES (?)", "t", "inner1"), 0);
    assert_int_equal(eg_tx_rollback(c), 0);
    assert_int_equal(eg_tx_depth(c), 1);
    assert_int_equal(eg_exec(c, NULL, "INSERT INTO sp (v) VALUES (?)", "t", "outer2"), 0);
    /* the portable way to survive an expected error inside a transaction: a savepoint */
    assert_int_equal(eg_tx_begin(c), 0);
    assert_int_equal(eg_exec(c, NULL, "INSERT INTO sp (v) VALUES (?)", "t", "outer1"),
                     EG_ECONFLICT);
    assert_int_equal(eg_tx_rollback(c), 0);
    assert_int_equal(eg_tx_begin(c), 0);
    assert_int_equal(eg_exec(c, NULL, "INSERT INTO sp (v) VALUES (?)", "t", "inner2"), 0);
    assert_int_equal(eg_tx_commit(c), 0); /* release */
    assert_int_equal(eg_tx_depth(c), 1);
    assert_int_equal(eg_tx_commit(c), 0);
    assert_int_equal(eg_tx_depth(c), 0);

    json_t *rows = NULL;
    assert_int_equal(eg_query_json(c, &rows, "SELECT v FROM sp ORDER BY v", ""), 0);
    assert_int_equal(json_array_size(rows), 3);
    assert_string_equal(eg_json_str(json_array_get(rows, 0), "v"), "inner2");
    assert_string_equal(eg_json_str(json_array_get(rows, 1), "v"), "outer1");
    assert_string_equal(eg_json_str(json_array_get(rows, 2), "v"), "outer2");
    json_decref(rows);
}

#define WRITERS 4
#define INSERTS 200

typedef struct {
    eg_db *db;
    int thread;
    int failures;
    int first_rc;
    char first_msg[256];
    eg_conn *conn;
} writer_arg;

static void *writer(void *p)
{
    writer_arg *w = p;
    eg_conn *c = eg_db_conn(w->db);
    w->conn = c;
    for (int i = 0; i < INSERTS; i++) {
        int rc = eg_tx_begin(c);
        if (rc == 0) {
            rc = eg_exec(c, NULL, "INSERT INTO cw (thread, seq) VALUES (?, ?)", "ii", w->thread, i);
            if (rc == 0)
                rc = eg_tx_commit(c);
            else
                eg_tx_rollback(c);
        }
        if (rc) {
            if (w->failures++ == 0) {
                w->first_rc = rc;
                snprintf(w->first_msg, sizeof(w->first_msg), "%s", eg_conn_errmsg(c));
            }
        }
    }
    return NULL;
}

static void test_concurrent_writers(void **state)
{
    fixture *f = *state;
    NEED_DB(f);
    eg_conn *c = eg_db_conn(f->db);
    ddl(f, "CREATE TABLE cw (thread INTEGER NOT NULL, seq INTEGER NOT NULL, "
           "PRIMARY KEY (thread, seq))");
    uint64_t before = eg_db_tx_count(f->db);
    pthread_t t[WRITERS];
    writer_arg args[WRITERS];
    memset(args, 0, sizeof(args));
    for (int i = 0; i < WRITERS; i++) {
        args[i].db = f->db;
        args[i].thread = i;
        assert_int_equal(pthread_create(&t[i], NULL, writer, &args[i]), 0);
    }
    for (int i = 0; i < WRITERS; i++)
        pthread_join(t[i], NULL);
    for (int i = 0; i < WRITERS; i++) {
        if (args[i].failures)
            fail_msg("writer %d: %d failures, first %s: %s", i, args[i].failures,
                     eg_errname(args[i].first_rc), args[i].first_msg);
        assert_ptr_not_equal(args[i].conn, c);
    }
    assert_int_equal(count_rows(c, "SELECT COUNT(*) FROM cw"), WRITERS * INSERTS);
    for (int i = 0; i < WRITERS; i++) {
        int64_t n = 0;
        assert_int_equal(
            eg_query_int64(c, &n, "SELECT COUNT(DISTINCT seq) FROM cw WHERE thread = ?", "i", i),
            0);
        assert_int_equal(n, INSERTS);
    }
    assert_int_equal(eg_db_tx_count(f->db) - before, WRITERS * INSERTS);
}

/* ------------------------------------------------------------------ group commit (SQLite) */

#define GC_THREADS 32
#define GC_COMMITS 40

typedef struct {
    eg_db *db;
    int thread;
    int failures;  /* statements that failed */
    int too_early; /* commits acknowledged before the barrier covered them */
} gc_arg;

static uint64_t bar_read(eg_db *db, int synced)
{
    pthread_mutex_lock(&db->bar.mu);
    uint64_t v = synced ? db->bar.synced : db->bar.committed;
    pthread_mutex_unlock(&db->bar.mu);
    return v;
}

/* Each commit must come back only when the barrier's synced sequence passed every sequence
 * number handed out before it started (its own is later than those). */
static void *gc_writer(void *p)
{
    gc_arg *w = p;
    eg_conn *c = eg_db_conn(w->db);
    for (int i = 0; i < GC_COMMITS; i++) {
        uint64_t before = bar_read(w->db, 0);
        int rc = eg_tx_begin(c);
        if (rc == 0) {
            rc = eg_exec(c, NULL, "INSERT INTO gc (thread, seq) VALUES (?, ?)", "ii", w->thread, i);
            rc = rc ? (eg_tx_rollback(c), rc) : eg_tx_commit(c);
        }
        if (rc)
            w->failures++;
        else if (bar_read(w->db, 1) <= before)
            w->too_early++;
    }
    /* autocommit writes: one run to DONE, one INSERT ... RETURNING read once (commits at reset) */
    uint64_t before = bar_read(w->db, 0);
    if (eg_exec(c, NULL, "INSERT INTO gc (thread, seq) VALUES (?, ?)", "ii", w->thread, 1000))
        w->failures++;
    else if (bar_read(w->db, 1) <= before)
        w->too_early++;
    before = bar_read(w->db, 0);
    int64_t id = 0;
    if (eg_query_int64(c, &id, "INSERT INTO gc (thread, seq) VALUES (?, ?) RETURNING seq", "ii",
                       w->thread, 1001))
        w->failures++;
    else if (bar_read(w->db, 1) <= before)
        w->too_early++;
    return NULL;
}

static void test_group_commit(void **state)
{
    fixture *f = *state;
    eg_conn *c = eg_db_conn(f->db);
    int64_t v = -1;
    assert_int_equal(eg_query_int64(c, &v, "PRAGMA synchronous", ""), 0);
    assert_int_equal(v, 1); /* NORMAL: the barrier syncs, not each COMMIT */
    char *mode = NULL;
    eg_arena *a = eg_arena_new(0);
    assert_int_equal(eg_query_text(c, a, &mode, "PRAGMA journal_mode", ""), 0);
    assert_string_equal(mode, "wal");
    eg_arena_free(a);
    ddl(f, "CREATE TABLE gc (thread INTEGER NOT NULL, seq INTEGER NOT NULL, "
           "PRIMARY KEY (thread, seq))");
    uint64_t syncs0, waits0, syncs1, waits1;
    eg__db_sync_stats(f->db, &syncs0, &waits0);
    assert_true(waits0 >= 1); /* the autocommit DDL went through the barrier */
    /* reads do not wait for the barrier */
    assert_int_equal(count_rows(c, "SELECT COUNT(*) FROM gc"), 0);
    eg__db_sync_stats(f->db, &syncs1, &waits1);
    assert_int_equal(waits1, waits0);
    /* neither does an autocommit UPDATE that matched no row (nothing was written) */
    assert_int_equal(eg_exec(c, NULL, "UPDATE gc SET seq = seq + 1 WHERE thread = -1", ""), 0);
    eg__db_sync_stats(f->db, &syncs1, &waits1);
    assert_int_equal(waits1, waits0);
    pthread_t t[GC_THREADS];
    gc_arg args[GC_THREADS];
    memset(args, 0, sizeof(args));
    for (int i = 0; i < GC_THREADS; i++) {
        args[i].db = f->db;
        args[i].thread = i;
        assert_int_equal(pthread_create(&t[i], NULL, gc_writer, &args[i]), 0);
    }
    for (int i = 0; i < GC_THREADS; i++)
        pthread_join(t[i], NULL);
    for (int i = 0; i < GC_THREADS; i++) {
        assert_int_equal(args[i].failures, 0);
        assert_int_equal(args[i].too_early, 0);
    }
    assert_int_equal(count_rows(c, "SELECT COUNT(*) FROM gc"), GC_THREADS * (GC_COMMITS + 2));
    eg__db_sync_stats(f->db, &syncs1, &waits1);
    uint64_t commits = waits1 - waits0, syncs = syncs1 - syncs0;
    assert_int_equal(commits, GC_THREADS * (GC_COMMITS + 2));
    assert_true(syncs >= 1);
    assert_true(syncs <= commits);
    /* the WAL was checkpointed by barrier leaders (SQLite's automatic checkpoint is off) */
    pthread_mutex_lock(&f->db->bar.mu);
    uint64_t ckpts = f->db->bar.checkpoints;
    pthread_mutex_unlock(&f->db->bar.mu);
    assert_true(ckpts >= 1);
    struct stat wst;
    char wal[300];
    snprintf(wal, sizeof(wal), "%s/egov.db-wal", f->dir);
    assert_int_equal(stat(wal, &wst), 0);
    assert_true(wst.st_size < 8 * 1024 * 1024);
    fprintf(stderr, "# group commit: %llu commits, %llu WAL syncs\n", (unsigned long long)commits,
            (unsigned long long)syncs);
    /* everything is there for a new connection of another eg_db too */
    eg_db *db2 = NULL;
    char err[256];
    assert_int_equal(eg_db_open(f->url, &db2, err, sizeof(err)), 0);
    assert_int_equal(count_rows(eg_db_conn(db2), "SELECT COUNT(*) FROM gc"),
                     GC_THREADS * (GC_COMMITS + 2));
    eg_db_close(db2);
}

/* ------------------------------------------------------------------ JSON, cache, SQL text */

static void test_query_json_types(void **state)
{
    fixture *f = *state;
    NEED_DB(f);
    eg_conn *c = eg_db_conn(f->db);
    ddl(f, "CREATE TABLE js (i BIGINT, r DOUBLE PRECISION, s TEXT, n TEXT, b @BLOB@)");
    assert_int_equal(eg_exec(c, NULL, "INSERT INTO js (i, r, s, n, b) VALUES (?, ?, ?, ?, ?)",
                             "ldtnb", (int64_t)1099511627776LL, 1.5, "Hà Nội", "hi", 2),
                     0);
    json_t *rows = NULL;
    int rc = eg_query_json(c, &rows, "SELECT i, r, s, n, b FROM js WHERE i > ?", "i", 0);
    if (rc)
        fail_msg("query_json: %s", eg_conn_errmsg(c));
    assert_true(json_is_array(rows));
    assert_int_equal(json_array_size(rows), 1);
    json_t *r = json_array_get(rows, 0);
    assert_true(json_is_integer(json_object_get(r, "i")));
    assert_int_equal(json_integer_value(json_object_get(r, "i")), 1099511627776LL);
    assert_true(json_is_real(json_object_get(r, "r")));
    assert_true(json_real_value(json_object_get(r, "r")) == 1.5);
    assert_string_equal(eg_json_str(r, "s"), "Hà Nội");
    assert_true(json_is_null(json_object_get(r, "n")));
    assert_string_equal(eg_json_str(r, "b"), "aGk="); /* blobs as base64 */
    json_decref(rows);

    assert_int_equal(eg_query_json(c, &rows, "SELECT COUNT(*) AS c FROM js", ""), 0);
    assert_true(json_is_integer(json_object_get(json_array_get(rows, 0), "c")));
    assert_int_equal(json_integer_value(json_object_get(json_array_get(rows, 0), "c")), 1);
    json_decref(rows);

    assert_int_equal(eg_query_json(c, &rows, "SELECT i FROM js WHERE i < 0", ""), 0);
    assert_int_equal(json_array_size(rows), 0);
    json_decref(rows);
}

static void test_stmt_cache(void **state)
{
    fixture *f = *state;
    NEED_DB(f);
    eg_conn *c = eg_db_conn(f->db);
    const char *sql = "SELECT ? + 1";
    eg_stmt *a = NULL, *b = NULL, *d = NULL;
    assert_int_equal(eg_prepare(c, sql, &a), 0);
    assert_int_equal(eg_bind_int64(a, 1, 41), 0);
    assert_int_equal(eg_step(a), EG_ROW);
    assert_int_equal(eg_col_int64(a, 0), 42);
    eg_stmt_done(a);

    assert_int_equal(eg_prepare(c, sql, &b), 0);
    assert_ptr_equal(b, a); /* reused from the cache, bindings cleared */
    assert_int_equal(eg_bind_int64(b, 1, 1), 0);
    /* the same SQL while the first is in use gets its own statement */
    assert_int_equal(eg_prepare(c, sql, &d), 0);
    assert_ptr_not_equal(d, b);
    assert_int_equal(eg_bind_int64(d, 1, 100), 0);
    assert_int_equal(eg_step(b), EG_ROW);
    assert_int_equal(eg_step(d), EG_ROW);
    assert_int_equal(eg_col_int64(b, 0), 2);
    assert_int_equal(eg_col_int64(d, 0), 101);
    eg_stmt_done(b);
    eg_stmt_done(d);
    eg_stmt_done(NULL);

    /* type strings must match the placeholders */
    eg_stmt *st = (eg_stmt *)0x1;
    assert_int_equal(eg_query(c, &st, sql, ""), EG_EINVAL);
    assert_null(st);
    assert_int_equal(eg_query(c, &st, sql, "ii", 1, 2), EG_EINVAL);
    assert_int_equal(eg_query(c, &st, sql, "x"), EG_EINVAL);
    assert_int_equal(eg_bind_int64(a, 2, 1), EG_EINVAL);
    int64_t v = 0;
    assert_int_equal(eg_query_int64(c, &v, sql, "i", 9), 0); /* still usable */
    assert_int_equal(v, 10);

    /* many distinct statements: the cache evicts and everything keeps working */
    for (int i = 0; i < EG__STMT_IDLE_MAX + 50; i++) {
        char q[64];
        snprintf(q, sizeof(q), "SELECT ? + %d", i);
        assert_int_equal(eg_query_int64(c, &v, q, "i", 1), 0);
        assert_int_equal(v, i + 1);
    }
    assert_int_equal(eg_query_int64(c, &v, sql, "i", 9), 0);
    assert_int_equal(v, 10);

    /* one statement per prepare; errors come back with a message */
    assert_int_not_equal(eg_prepare(c, "SELECT 1; SELECT 2", &st), 0);
    assert_int_equal(eg_prepare(c, "SELEKT nonsense", &st), EG_EDB);
    assert_true(strlen(eg_conn_errmsg(c)) > 0);
}

static void test_placeholders_in_literals(void **state)
{
    fixture *f = *state;
    NEED_DB(f);
    eg_conn *c = eg_db_conn(f->db);
    eg_stmt *st = NULL;
    int rc = eg_query(c, &st, "SELECT '?' AS q, 'it''s ?' AS r, ? AS p /* ? */ -- ? here\n", "t",
                      "giá trị");
    if (rc)
        fail_msg("query: %s", eg_conn_errmsg(c));
    assert_int_equal(eg_step(st), EG_ROW);
    assert_string_equal(eg_col_text(st, 0), "?");
    assert_string_equal(eg_col_text(st, 1), "it's ?");
    assert_string_equal(eg_col_text(st, 2), "giá trị");
    eg_stmt_done(st);
}

/* ------------------------------------------------------------------ rewrite (no database) */

static void rewrite_is(const char *in, const char *want, int nwant)
{
    eg_buf b = EG_BUF_INIT;
    int n = eg__pg_rewrite(in, &b);
    assert_string_equal(eg_buf_cstr(&b), want);
    assert_int_equal(n, nwant);
    eg_buf_free(&b);
}

static void test_pg_rewrite(void **state)
{
    (void)state;
    rewrite_is("SELECT 1", "SELECT 1", 0);
    rewrite_is("", "", 0);
    rewrite_is("INSERT INTO t VALUES (?, ?, ?)", "INSERT INTO t VALUES ($1, $2, $3)", 3);
    rewrite_is("SELECT '?', ? FROM t", "SELECT '?', $1 FROM t", 1);
    rewrite_is("SELECT 'it''s?', ?", "SELECT 'it''s?', $1", 1);
    rewrite_is("SELECT E'\\'?', ?", "SELECT E'\\'?', $1", 1);
    rewrite_is("SELECT \"we?ird\" FROM t WHERE a = ?", "SELECT \"we?ird\" FROM t WHERE a = $1", 1);
    rewrite_is("SELECT ? -- why?\n, ?", "SELECT $1 -- why?\n, $2", 2);
    rewrite_is("SELECT /* a ? /* nested ? */ still ? */ ?",
               "SELECT /* a ? /* nested ? */ still ? */ $1", 1);
    rewrite_is("SELECT $$ ? $$, $tag$ '? $tag$, ?", "SELECT $$ ? $$, $tag$ '? $tag$, $1", 1);
    rewrite_is("SELECT 'unterminated ?", "SELECT 'unterminated ?", 0);
    rewrite_is("SELECT ?||'x'", "SELECT $1||'x'", 1);
}

/* ------------------------------------------------------------------ blobs */

typedef struct {
    char dir[256];
    eg_blobs *b;
} blob_fixture;

static int setup_blobs(void **state)
{
    blob_fixture *f = calloc(1, sizeof(*f));
    snprintf(f->dir, sizeof(f->dir), "/tmp/egov-blobs-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    char sub[300];
    snprintf(sub, sizeof(sub), "%s/var/blobs", f->dir); /* created by eg_blobs_open */
    if (eg_blobs_open(sub, &f->b) != 0)
        return -1;
    *state = f;
    return 0;
}

static int teardown_blobs(void **state)
{
    blob_fixture *f = *state;
    eg_blobs_close(f->b);
    rm_rf(f->dir);
    free(f);
    return 0;
}

static void test_blob_round_trip(void **state)
{
    blob_fixture *f = *state;
    const char data[] = "tờ khai\0with NUL\0bytes";
    char h[65], h2[65];
    assert_int_equal(eg_blob_put(f->b, data, sizeof(data), h), 0);
    char want[65];
    eg_sha256_hex(data, sizeof(data), want);
    assert_string_equal(h, want);
    assert_int_equal(eg_blob_exists(f->b, h), 1);

    char path[512], expect[512];
    assert_int_equal(eg_blob_path(f->b, h, path, sizeof(path)), 0);
    snprintf(expect, sizeof(expect), "%s/%.2s/%.2s/%s", eg_blobs_dir(f->b), h, h + 2, h);
    assert_string_equal(path, expect);
    struct stat sb1, sb2;
    assert_int_equal(stat(path, &sb1), 0);

    eg_buf out = EG_BUF_INIT;
    eg_buf_puts(&out, "prefix:");
    assert_int_equal(eg_blob_get(f->b, h, 1 << 20, &out), 0);
    assert_int_equal(out.len, 7 + sizeof(data));
    assert_memory_equal(out.data + 7, data, sizeof(data));

    /* idempotent: same name, the file is not rewritten */
    assert_int_equal(eg_blob_put(f->b, data, sizeof(data), h2), 0);
    assert_string_equal(h2, h);
    assert_int_equal(stat(path, &sb2), 0);
    assert_int_equal(sb1.st_ino, sb2.st_ino);

    /* too big for the caller's limit: nothing appended */
    eg_buf_reset(&out);
    assert_int_equal(eg_blob_get(f->b, h, 4, &out), EG_ETOOBIG);
    assert_int_equal(out.len, 0);

    /* empty blob */
    assert_int_equal(eg_blob_put(f->b, "", 0, h2), 0);
    assert_int_equal(eg_blob_get(f->b, h2, 10, &out), 0);
    assert_int_equal(out.len, 0);

    /* a corrupted file is detected, not served */
    FILE *fp = fopen(path, "r+b");
    assert_non_null(fp);
    fputc('X', fp);
    fclose(fp);
    eg_buf_reset(&out);
    assert_int_equal(eg_blob_get(f->b, h, 1 << 20, &out), EG_EIO);
    assert_int_equal(out.len, 0);
    eg_buf_free(&out);
}

static void test_blob_bad_and_missing(void **state)
{
    blob_fixture *f = *state;
    eg_buf out = EG_BUF_INIT;
    char path[512];
    const char *bad[] = {
        "../../../../etc/passwd",
        "ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789",  /* upper case */
        "abcdef0123456789abcdef0123456789abcdef0123456789abcdef012345678",   /* 63 */
        "abcdef0123456789abcdef0123456789abcdef0123456789abcdef01234567890", /* 65 */
        "abcdef0123456789abcdef0123456789abcdef0123456789abcdef012345678/",
        "",
        NULL};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(eg_blob_get(f->b, bad[i], 1 << 20, &out), EG_EINVAL);
        assert_int_equal(eg_blob_path(f->b, bad[i], path, sizeof(path)), EG_EINVAL);
        assert_int_equal(eg_blob_exists(f->b, bad[i]), 0);
    }
    const char *missing = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    assert_int_equal(eg_blob_get(f->b, missing, 1 << 20, &out), EG_ENOTFOUND);
    assert_int_equal(eg_blob_exists(f->b, missing), 0);
    assert_int_equal(eg_blob_path(f->b, missing, path, 10), EG_EINVAL); /* too small */
    eg_buf_free(&out);
}

/* ------------------------------------------------------------------ main */

#define DB_TESTS(setup)                                                                            \
    cmocka_unit_test_setup_teardown(test_open_close, setup, teardown),                             \
        cmocka_unit_test_setup_teardown(test_migrate, setup, teardown),                            \
        cmocka_unit_test_setup_teardown(test_migrate_failure_rolls_back, setup, teardown),         \
        cmocka_unit_test_setup_teardown(test_migrate_concurrently, setup, teardown),               \
        cmocka_unit_test_setup_teardown(test_types_round_trip, setup, teardown),                   \
        cmocka_unit_test_setup_teardown(test_returning_id, setup, teardown),                       \
        cmocka_unit_test_setup_teardown(test_unique_conflict, setup, teardown),                    \
        cmocka_unit_test_setup_teardown(test_tx_rollback, setup, teardown),                        \
        cmocka_unit_test_setup_teardown(test_nested_savepoint, setup, teardown),                   \
        cmocka_unit_test_setup_teardown(test_concurrent_writers, setup, teardown),                 \
        cmocka_unit_test_setup_teardown(test_query_json_types, setup, teardown),                   \
        cmocka_unit_test_setup_teardown(test_stmt_cache, setup, teardown),                         \
        cmocka_unit_test_setup_teardown(test_placeholders_in_literals, setup, teardown)

int main(void)
{
    const struct CMUnitTest sqlite_tests[] = {DB_TESTS(setup_sqlite)};
    const struct CMUnitTest pg_tests[] = {DB_TESTS(setup_pg)};
    const struct CMUnitTest other_tests[] = {
        cmocka_unit_test(test_pg_rewrite),
        cmocka_unit_test_setup_teardown(test_group_commit, setup_sqlite, teardown),
        cmocka_unit_test_setup_teardown(test_blob_round_trip, setup_blobs, teardown_blobs),
        cmocka_unit_test_setup_teardown(test_blob_bad_and_missing, setup_blobs, teardown_blobs),
    };
    int failed = 0;
    failed += cmocka_run_group_tests_name("store_sqlite", sqlite_tests, NULL, NULL);
    const char *pg = getenv("EGOV_TEST_PG");
    if ((pg && *pg) || require_pg())
        failed += cmocka_run_group_tests_name("store_postgresql", pg_tests, NULL, NULL);
    else
        fprintf(stderr, "# store_postgresql not run: EGOV_TEST_PG is not set\n");
    failed += cmocka_run_group_tests_name("store_other", other_tests, NULL, NULL);
    return failed ? 1 : 0;
}
