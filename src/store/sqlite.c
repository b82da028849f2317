/*
 * sqlite.c - the SQLite backend (the embedded default).
 *
 * One sqlite3 handle per thread (store.c gives each thread its own eg_conn), so handles are
 * opened with SQLITE_OPEN_NOMUTEX. Durability: WAL with synchronous=FULL, so a committed
 * transaction survives power loss. Writers queue on BEGIN IMMEDIATE within a 5 s busy
 * timeout instead of failing when a read transaction tries to upgrade. Statements are
 * prepared with SQLITE_PREPARE_PERSISTENT because store.c caches them.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "store/internal.h"

#define BUSY_TIMEOUT_MS 5000

static sqlite3 *handle(eg_conn *c)
{
    return c->impl;
}

/* A statement's backend state: the handle and the changes of its last completed run
 * (sqlite3_changes is per connection, eg_changes is per statement). */
typedef struct {
    sqlite3_stmt *s;
    int64_t changes;
    int running;          /* stepped since the last reset */
    int64_t total_before; /* sqlite3_total_changes64 when the run started */
} lite_stmt;

static sqlite3_stmt *sst(eg_stmt *st)
{
    return ((lite_stmt *)st->impl)->s;
}

/* Maps an SQLite result code to EG_E*, copying the handle's message for errors. */
static int map_rc(eg_conn *c, int rc)
{
    switch (rc & 0xff) {
    case SQLITE_OK:
    case SQLITE_DONE:
        return EG_OK;
    case SQLITE_ROW:
        return EG_ROW;
    default:
        break;
    }
    eg__set_err(c, "%s", sqlite3_errmsg(handle(c)));
    switch (rc & 0xff) {
    case SQLITE_CONSTRAINT:
        return EG_ECONFLICT;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return EG_EBUSY;
    case SQLITE_NOMEM:
        eg_oom(0);
    default:
        return EG_EDB;
    }
}

static int exec_script(eg_conn *c, const char *sql)
{
    char *msg = NULL;
    int rc = sqlite3_exec(handle(c), sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK) {
        int erc = map_rc(c, rc);
        if (msg)
            eg__set_err(c, "%s", msg);
        sqlite3_free(msg);
        return erc;
    }
    return EG_OK;
}

static int conn_open(eg_conn *c)
{
    sqlite3 *db = NULL;
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    int rc = sqlite3_open_v2(c->db->target, &db, flags, NULL);
    if (rc != SQLITE_OK) {
        eg__set_err(c, "%s: %s", c->db->target, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
        sqlite3_close(db);
        return EG_EDB;
    }
    c->impl = db;
    sqlite3_extended_result_codes(db, 1);
    sqlite3_busy_timeout(db, BUSY_TIMEOUT_MS);
    /* journal_mode answers with a row; sqlite3_exec ignores it. WAL stays set in the file,
     * so only the first connection ever changes it. */
    rc = exec_script(c, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; "
                        "PRAGMA foreign_keys=ON;");
    if (rc) {
        char msg[EG__ERRMSG_MAX];
        snprintf(msg, sizeof(msg), "%s", c->errmsg);
        eg__set_err(c, "%s: %s", c->db->target, msg);
        sqlite3_close(db);
        c->impl = NULL;
        return EG_EDB;
    }
    return EG_OK;
}

static void conn_close(eg_conn *c)
{
    if (c->impl)
        sqlite3_close(handle(c)); /* every statement was finalised by store.c */
    c->impl = NULL;
}

static int only_space_left(const char *s)
{
    for (; *s; s++) {
        if (*s == ';' || *s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
            continue;
        return 0;
    }
    return 1;
}

static int prepare(eg_conn *c, eg_stmt *st)
{
    sqlite3_stmt *s = NULL;
    const char *tail = NULL;
    int rc = sqlite3_prepare_v3(handle(c), st->sql, -1, SQLITE_PREPARE_PERSISTENT, &s, &tail);
    if (rc != SQLITE_OK)
        return map_rc(c, rc);
    if (!s || (tail && !only_space_left(tail))) {
        sqlite3_finalize(s);
        eg__set_err(c, "expected exactly one SQL statement: %.200s", st->sql);
        return EG_EINVAL;
    }
    lite_stmt *ls = eg_calloc(1, sizeof(*ls));
    ls->s = s;
    st->impl = ls;
    return EG_OK;
}

static void finalize(eg_stmt *st)
{
    sqlite3_finalize(sst(st));
    free(st->impl);
    st->impl = NULL;
}

static int param_count(eg_stmt *st)
{
    return sqlite3_bind_parameter_count(sst(st));
}

static int bind_text(eg_stmt *st, int idx, const char *s, size_t len)
{
    return map_rc(st->conn,
                  sqlite3_bind_text64(sst(st), idx, s, len, SQLITE_TRANSIENT, SQLITE_UTF8));
}

static int bind_int64(eg_stmt *st, int idx, int64_t v)
{
    return map_rc(st->conn, sqlite3_bind_int64(sst(st), idx, v));
}

static int bind_double(eg_stmt *st, int idx, double v)
{
    return map_rc(st->conn, sqlite3_bind_double(sst(st), idx, v));
}

static int bind_blob(eg_stmt *st, int idx, const void *p, size_t n)
{
    return map_rc(st->conn, sqlite3_bind_blob64(sst(st), idx, p, n, SQLITE_TRANSIENT));
}

static int bind_null(eg_stmt *st, int idx)
{
    return map_rc(st->conn, sqlite3_bind_null(sst(st), idx));
}

static int step(eg_stmt *st)
{
    lite_stmt *ls = st->impl;
    sqlite3 *db = handle(st->conn);
    if (!ls->running) {
        ls->running = 1;
        ls->total_before = sqlite3_total_changes64(db);
    }
    int rc = sqlite3_step(ls->s);
    if (rc == SQLITE_ROW)
        return EG_ROW;
    ls->running = 0; /* SQLite resets by itself on the next step */
    if (rc == SQLITE_DONE) {
        /* sqlite3_changes is the connection's last INSERT/UPDATE/DELETE: only ours if this
         * run changed anything at all (DDL and SELECT leave it stale) */
        int changed =
            !sqlite3_stmt_readonly(ls->s) && sqlite3_total_changes64(db) != ls->total_before;
        ls->changes = changed ? sqlite3_changes64(db) : 0;
        return EG_DONE;
    }
    int erc = map_rc(st->conn, rc);
    sqlite3_reset(ls->s); /* so the statement can run again (and the error is final) */
    return erc;
}

static int col_count(eg_stmt *st)
{
    return sqlite3_column_count(sst(st));
}

static const char *col_name(eg_stmt *st, int i)
{
    return sqlite3_column_name(sst(st), i);
}

static int col_kind(eg_stmt *st, int i)
{
    switch (sqlite3_column_type(sst(st), i)) {
    case SQLITE_INTEGER:
        return EG__COL_INT;
    case SQLITE_FLOAT:
        return EG__COL_REAL;
    case SQLITE_BLOB:
        return EG__COL_BLOB;
    case SQLITE_NULL:
        return EG__COL_NULL;
    default:
        return EG__COL_TEXT;
    }
}

static const char *col_text(eg_stmt *st, int i)
{
    return (const char *)sqlite3_column_text(sst(st), i);
}

static int64_t col_int64(eg_stmt *st, int i)
{
    return sqlite3_column_int64(sst(st), i);
}

static double col_double(eg_stmt *st, int i)
{
    return sqlite3_column_double(sst(st), i);
}

static const void *col_blob(eg_stmt *st, int i, size_t *n)
{
    const void *p = sqlite3_column_blob(sst(st), i);
    *n = (size_t)sqlite3_column_bytes(sst(st), i);
    if (!p && sqlite3_column_type(sst(st), i) != SQLITE_NULL)
        p = ""; /* zero-length value, not NULL */
    return p;
}

static int64_t changes(eg_stmt *st)
{
    return ((lite_stmt *)st->impl)->changes;
}

static void reset(eg_stmt *st)
{
    ((lite_stmt *)st->impl)->running = 0;
    sqlite3_reset(sst(st));
    sqlite3_clear_bindings(sst(st));
}

static int begin(eg_conn *c)
{
    return exec_script(c, "BEGIN IMMEDIATE");
}

static int commit(eg_conn *c)
{
    if (sqlite3_get_autocommit(handle(c))) {
        eg__set_err(c, "transaction was rolled back by the database");
        return EG_EDB;
    }
    return exec_script(c, "COMMIT");
}

static int rollback(eg_conn *c)
{
    return exec_script(c, "ROLLBACK");
}

static int tx_lost(eg_conn *c)
{
    return sqlite3_get_autocommit(handle(c)) != 0;
}

const struct eg_backend eg__sqlite_backend = {
    .name = "sqlite",
    .kind = EG_DB_SQLITE,
    .conn_open = conn_open,
    .conn_close = conn_close,
    .prepare = prepare,
    .finalize = finalize,
    .param_count = param_count,
    .bind_text = bind_text,
    .bind_int64 = bind_int64,
    .bind_double = bind_double,
    .bind_blob = bind_blob,
    .bind_null = bind_null,
    .step = step,
    .col_count = col_count,
    .col_name = col_name,
    .col_kind = col_kind,
    .col_text = col_text,
    .col_int64 = col_int64,
    .col_double = col_double,
    .col_blob = col_blob,
    .changes = changes,
    .reset = reset,
    .exec_script = exec_script,
    .begin = begin,
    .commit = commit,
    .rollback = rollback,
    .tx_lost = tx_lost,
    .id_type = "INTEGER PRIMARY KEY AUTOINCREMENT",
    .blob_type = "BLOB",
    .migrate_lock_sql = NULL,
};
