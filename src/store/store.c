/*
 * store.c - the backend-neutral half of the SQL interface.
 *
 * Why it exists: modules write SQL once and never see which engine runs it. This file owns
 * what both engines share: opening the db and choosing a backend from the URL, one
 * connection per thread (a pthread key whose destructor closes the connection when the
 * thread ends), the per-connection statement cache, transaction nesting with savepoints,
 * the commit counter, and the convenience layer (type strings, one-value queries, rows as
 * JSON). Everything engine-specific goes through the vtable in internal.h.
 *
 * Statement cache: every statement is hashed by its SQL text into the connection's
 * buckets. A statement handed out by eg_prepare is "in use"; eg_stmt_done resets it, clears
 * its bindings and puts it at the front of an idle LRU list. eg_prepare takes an idle
 * statement with the same text when there is one, otherwise prepares a new one (so the same
 * SQL may be open twice, e.g. in nested loops). Beyond EG__STMT_IDLE_MAX idle statements
 * the least recently used is finalised.
 */
#include <stdarg.h>
#include <stdio.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <stdlib.h>
#include <string.h>
#include "store/internal.h"

/* ------------------------------------------------------------------ errors */

void eg__set_err(eg_conn *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->errmsg, sizeof(c->errmsg), fmt, ap);
    va_end(ap);
    size_t n = strlen(c->errmsg);
    while (n > 0 && (c->errmsg[n - 1] == '\n' || c->errmsg[n - 1] == ' '))
        c->errmsg[--n] = '\0';
}

/* ------------------------------------------------------------------ connections */

static void conn_free(eg_conn *c);

/* Thread-exit destructor of the db's key: unlinks and closes the thread's connection. */
static void conn_thread_exit(void *arg)
{
    eg_conn *c = arg;
    eg_db *db = c->db;
    pthread_mutex_lock(&db->mu);
    if (c->prev)
        c->prev->next = c->next;
    else
        db->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    pthread_mutex_unlock(&db->mu);
    conn_free(c);
}

/* Opens a new connection for db, not yet registered anywhere. NULL with the engine's
 * message in err on failure. */
static eg_conn *conn_new(eg_db *db, char *err, size_t errlen)
{
    eg_conn *c = eg_calloc(1, sizeof(*c));
    c->db = db;
    int rc = db->be->conn_open(c);
    if (rc) {
        if (err && errlen)
            snprintf(err, errlen, "%s: %s", db->be->name, c->errmsg);
        free(c);
        return NULL;
    }
    return c;
}

static void conn_register(eg_db *db, eg_conn *c)
{
    pthread_mutex_lock(&db->mu);
    c->prev = NULL;
    c->next = db->conns;
    if (db->conns)
        db->conns->prev = c;
    db->conns = c;
    pthread_mutex_unlock(&db->mu);
    int rc = pthread_setspecific(db->key, c);
    EG_ASSERT(rc == 0);
}

static int url_backend(const char *url, const char **target)
{
    if (eg_str_has_prefix(url, "postgresql://") || eg_str_has_prefix(url, "postgres://")) {
        *target = url;
        return EG_DB_POSTGRES;
    }
    const char *p = url;
    if (eg_str_has_prefix(p, "sqlite:")) {
        p += strlen("sqlite:");
        if (eg_str_has_prefix(p, "//"))
            p += 2; /* sqlite:///abs/path and sqlite://rel/path */
    }
    *target = p;
    return EG_DB_SQLITE;
}

/* glibc gives each thread an arena and returns its top to the kernel (madvise DONTNEED)
 * whenever a free leaves more than 128 KiB there; SQLite frees a statement-savepoint bitmap at
 * the end of every write statement, so a busy writer trims and re-faults pages several times
 * per transaction (measured: 60% of the workflow engine's CPU was kernel time, 2.5x less with
 * this). A fixed 8 MiB threshold keeps that memory per arena; idle RSS does not change. */
static void tune_malloc(void)
{
#ifdef __GLIBC__
    mallopt(M_TRIM_THRESHOLD, 8 * 1024 * 1024);
#endif
}

/* Opens a database and this thread's first connection (proving it can be reached).
 * url: "sqlite:/path", a plain path, or "postgresql://..." / "postgres://...".
 * Returns EG_OK with *out owned by the caller (free with eg_db_close), EG_EINVAL for an
 * empty url, or EG_EDB with the engine's message in err. */
int eg_db_open(const char *url, eg_db **out, char *err, size_t errlen)
{
    *out = NULL;
    if (err && errlen)
        err[0] = '\0';
    if (!url || !*url) {
        if (err && errlen)
            snprintf(err, errlen, "empty database url");
        return EG_EINVAL;
    }
    const char *target = NULL;
    int kind = url_backend(url, &target);
    if (!*target) {
        if (err && errlen)
            snprintf(err, errlen, "database url has no path: %s", url);
        return EG_EINVAL;
    }
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, tune_malloc);
    eg_db *db = eg_calloc(1, sizeof(*db));
    db->kind = kind;
    db->be = kind == EG_DB_POSTGRES ? &eg__pg_backend : &eg__sqlite_backend;
    db->target = eg_strdup(target);
    atomic_init(&db->tx_count, 0);
    pthread_mutex_init(&db->mu, NULL);
    pthread_mutex_init(&db->bar.mu, NULL);
    pthread_mutex_init(&db->bar.wmu, NULL);
    pthread_cond_init(&db->bar.wcv, NULL);
    pthread_cond_init(&db->bar.cv, NULL);
    if (pthread_key_create(&db->key, conn_thread_exit) != 0)
        eg_panic("store: pthread_key_create failed");
    eg_conn *c = conn_new(db, err, errlen);
    if (!c) {
        pthread_key_delete(db->key);
        pthread_mutex_destroy(&db->mu);
        pthread_mutex_destroy(&db->bar.mu);
        pthread_mutex_destroy(&db->bar.wmu);
        pthread_cond_destroy(&db->bar.wcv);
        pthread_cond_destroy(&db->bar.cv);
        free(db->target);
        free(db);
        return EG_EDB;
    }
    conn_register(db, c);
    *out = db;
    return EG_OK;
}

/* Closes every connection of db (those of other threads too) and frees it. No statement
 * may be in use and no other thread may use db any more. NULL is a no-op. */
void eg_db_close(eg_db *db)
{
    if (!db)
        return;
    pthread_setspecific(db->key, NULL);
    pthread_key_delete(db->key); /* no destructor runs for db after this */
    pthread_mutex_lock(&db->mu);
    eg_conn *c = db->conns;
    db->conns = NULL;
    pthread_mutex_unlock(&db->mu);
    while (c) {
        eg_conn *next = c->next;
        conn_free(c);
        c = next;
    }
    pthread_mutex_destroy(&db->mu);
    pthread_mutex_destroy(&db->bar.mu);
    pthread_mutex_destroy(&db->bar.wmu);
    pthread_cond_destroy(&db->bar.wcv);
    pthread_cond_destroy(&db->bar.cv);
    free(db->target);
    free(db);
}

/* EG_DB_SQLITE or EG_DB_POSTGRES. */
int eg_db_backend(const eg_db *db)
{
    return db->kind;
}

/* "sqlite" or "postgresql"; static storage. */
const char *eg_db_backend_name(const eg_db *db)
{
    return db->be->name;
}

/* The calling thread's connection, opened on first use and closed when the thread exits
 * (or by eg_db_close). Never NULL: aborts the process when the database that eg_db_open
 * reached cannot be reached any more at all. */
eg_conn *eg_db_conn(eg_db *db)
{
    eg_conn *c = pthread_getspecific(db->key);
    if (c)
        return c;
    char err[EG__ERRMSG_MAX + 64];
    c = conn_new(db, err, sizeof(err));
    if (!c)
        eg_panic("store: cannot open a database connection: %s", err);
    conn_register(db, c);
    return c;
}

/* The db a connection belongs to. */
eg_db *eg_conn_db(eg_conn *c)
{
    return c->db;
}

/* The last error message of this connection ("" if none); valid until the next call. */
const char *eg_conn_errmsg(eg_conn *c)
{
    return c->errmsg;
}

/* Transactions committed (outermost COMMITs that succeeded) through db, all threads. */
uint64_t eg_db_tx_count(const eg_db *db)
{
    return atomic_load(&((eg_db *)db)->tx_count);
}

/* Group-commit statistics (see sqlite.c): log syncs and commits acknowledged through the
 * durability barrier of db. */
void eg__db_sync_stats(eg_db *db, uint64_t *syncs, uint64_t *commits)
{
    pthread_mutex_lock(&db->bar.mu);
    *syncs = db->bar.syncs;
    *commits = db->bar.waits;
    pthread_mutex_unlock(&db->bar.mu);
}

/* ------------------------------------------------------------------ statement cache */

static uint32_t sql_hash(const char *s)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 16777619u;
    }
    return h;
}

static void idle_unlink(eg_conn *c, eg_stmt *st)
{
    if (st->idle_prev)
        st->idle_prev->idle_next = st->idle_next;
    else
        c->idle_head = st->idle_next;
    if (st->idle_next)
        st->idle_next->idle_prev = st->idle_prev;
    else
        c->idle_tail = st->idle_prev;
    st->idle_next = st->idle_prev = NULL;
    c->idle_count--;
}

static void idle_push_front(eg_conn *c, eg_stmt *st)
{
    st->idle_prev = NULL;
    st->idle_next = c->idle_head;
    if (c->idle_head)
        c->idle_head->idle_prev = st;
    c->idle_head = st;
    if (!c->idle_tail)
        c->idle_tail = st;
    c->idle_count++;
}

static void bucket_unlink(eg_conn *c, eg_stmt *st)
{
    eg_stmt **pp = &c->buckets[st->hash & (EG__STMT_BUCKETS - 1)];
    while (*pp && *pp != st)
        pp = &(*pp)->bucket_next;
    EG_ASSERT(*pp == st);
    *pp = st->bucket_next;
}

static void stmt_free(eg_stmt *st)
{
    st->conn->db->be->finalize(st);
    free(st->sql);
    free(st);
}

static void conn_free(eg_conn *c)
{
    c->closing = 1;
    for (int i = 0; i < EG__STMT_BUCKETS; i++) {
        eg_stmt *st = c->buckets[i];
        while (st) {
            eg_stmt *next = st->bucket_next;
            stmt_free(st);
            st = next;
        }
    }
    c->db->be->conn_close(c);
    free(c);
}

/* Prepares sql on c, or takes an idle cached statement with the same text. The statement
 * is the caller's until eg_stmt_done. EG_EINVAL for empty/multi-statement SQL, EG_EDB (with
 * eg_conn_errmsg) when the engine refuses it. */
int eg_prepare(eg_conn *c, const char *sql, eg_stmt **out)
{
    *out = NULL;
    uint32_t h = sql_hash(sql);
    eg_stmt **bucket = &c->buckets[h & (EG__STMT_BUCKETS - 1)];
    for (eg_stmt *st = *bucket; st; st = st->bucket_next) {
        if (st->in_use || st->hash != h || strcmp(st->sql, sql) != 0)
            continue;
        idle_unlink(c, st);
        st->in_use = 1;
        *out = st;
        return EG_OK;
    }
    eg_stmt *st = eg_calloc(1, sizeof(*st));
    st->conn = c;
    st->sql = eg_strdup(sql);
    st->hash = h;
    int rc = c->db->be->prepare(c, st);
    if (rc) {
        free(st->sql);
        free(st);
        return rc;
    }
    st->in_use = 1;
    st->bucket_next = *bucket;
    *bucket = st;
    *out = st;
    return EG_OK;
}

/* Resets st, clears its bindings and returns it to its connection's cache (finalising the
 * least recently used idle statement beyond the cache size). NULL is a no-op. */
void eg_stmt_done(eg_stmt *st)
{
    if (!st)
        return;
    EG_ASSERT(st->in_use);
    eg_conn *c = st->conn;
    c->db->be->reset(st);
    st->in_use = 0;
    idle_push_front(c, st);
    while (c->idle_count > EG__STMT_IDLE_MAX) {
        eg_stmt *old = c->idle_tail;
        idle_unlink(c, old);
        bucket_unlink(c, old);
        stmt_free(old);
    }
}

/* ------------------------------------------------------------------ bind / step / columns */

static int check_idx(eg_stmt *st, int idx)
{
    if (idx < 1 || idx > st->conn->db->be->param_count(st)) {
        eg__set_err(st->conn, "bind index %d out of range", idx);
        return EG_EINVAL;
    }
    return EG_OK;
}

/* Binds text to the 1-based parameter idx (len < 0: strlen; s NULL: SQL NULL). The bytes
 * are copied. EG_EINVAL for a bad index. */
int eg_bind_text(eg_stmt *st, int idx, const char *s, long len)
{
    int rc = check_idx(st, idx);
    if (rc)
        return rc;
    if (!s)
        return st->conn->db->be->bind_null(st, idx);
    size_t n = len < 0 ? strlen(s) : (size_t)len;
    return st->conn->db->be->bind_text(st, idx, s, n);
}

/* Binds a 64-bit integer to parameter idx. */
int eg_bind_int64(eg_stmt *st, int idx, int64_t v)
{
    int rc = check_idx(st, idx);
    if (rc)
        return rc;
    return st->conn->db->be->bind_int64(st, idx, v);
}

/* Binds a double to parameter idx. */
int eg_bind_double(eg_stmt *st, int idx, double v)
{
    int rc = check_idx(st, idx);
    if (rc)
        return rc;
    return st->conn->db->be->bind_double(st, idx, v);
}

/* Binds n bytes (copied; may contain NULs) as a BLOB/BYTEA to parameter idx. */
int eg_bind_blob(eg_stmt *st, int idx, const void *p, size_t n)
{
    int rc = check_idx(st, idx);
    if (rc)
        return rc;
    return st->conn->db->be->bind_blob(st, idx, p ? p : "", n);
}

/* Binds SQL NULL to parameter idx. */
int eg_bind_null(eg_stmt *st, int idx)
{
    int rc = check_idx(st, idx);
    if (rc)
        return rc;
    return st->conn->db->be->bind_null(st, idx);
}

/* Runs st or advances to its next row: EG_ROW, EG_DONE, or EG_ECONFLICT / EG_EBUSY /
 * EG_EDB with eg_conn_errmsg. */
int eg_step(eg_stmt *st)
{
    return st->conn->db->be->step(st);
}

/* Number of result columns. */
int eg_col_count(eg_stmt *st)
{
    return st->conn->db->be->col_count(st);
}

/* Name of result column i (0-based); valid while the statement is. */
const char *eg_col_name(eg_stmt *st, int i)
{
    return st->conn->db->be->col_name(st, i);
}

/* 1 when column i of the current row is SQL NULL. */
int eg_col_is_null(eg_stmt *st, int i)
{
    return st->conn->db->be->col_kind(st, i) == EG__COL_NULL;
}

/* Column i as NUL-terminated text (NULL for SQL NULL); valid until the next step/done. */
const char *eg_col_text(eg_stmt *st, int i)
{
    return st->conn->db->be->col_text(st, i);
}

/* Column i as an integer (0 for NULL). */
int64_t eg_col_int64(eg_stmt *st, int i)
{
    return st->conn->db->be->col_int64(st, i);
}

/* Column i as a double (0 for NULL). */
double eg_col_double(eg_stmt *st, int i)
{
    return st->conn->db->be->col_double(st, i);
}

/* Column i as bytes (decoded BYTEA on PostgreSQL); *n gets the length. NULL with *n = 0
 * for SQL NULL. Valid until the next step/done. */
const void *eg_col_blob(eg_stmt *st, int i, size_t *n)
{
    return st->conn->db->be->col_blob(st, i, n);
}

/* Rows changed by the last completed INSERT/UPDATE/DELETE run by st. */
int64_t eg_changes(eg_stmt *st)
{
    return st->conn->db->be->changes(st);
}

/* ------------------------------------------------------------------ type-string helpers */

/* Prepares sql and binds the arguments described by types (one letter per placeholder).
 * On failure the statement is returned to the cache and *out is NULL. */
static int query_v(eg_conn *c, eg_stmt **out, const char *sql, const char *types, va_list ap)
{
    *out = NULL;
    eg_stmt *st = NULL;
    int rc = eg_prepare(c, sql, &st);
    if (rc)
        return rc;
    size_t ntypes = types ? strlen(types) : 0;
    if ((int)ntypes != c->db->be->param_count(st)) {
        eg__set_err(c, "%zu bind types for %d placeholders in: %.200s", ntypes,
                    c->db->be->param_count(st), sql);
        eg_stmt_done(st);
        return EG_EINVAL;
    }
    for (size_t i = 0; i < ntypes && rc == 0; i++) {
        int idx = (int)i + 1;
        switch (types[i]) {
        case 't':
            rc = eg_bind_text(st, idx, va_arg(ap, const char *), -1);
            break;
        case 'i':
            rc = eg_bind_int64(st, idx, va_arg(ap, int));
            break;
        case 'l':
            rc = eg_bind_int64(st, idx, va_arg(ap, int64_t));
            break;
        case 'd':
            rc = eg_bind_double(st, idx, va_arg(ap, double));
            break;
        case 'b': {
            const void *p = va_arg(ap, const void *);
            size_t n = va_arg(ap, size_t);
            rc = p ? eg_bind_blob(st, idx, p, n) : eg_bind_null(st, idx);
            break;
        }
        case 'n':
            rc = eg_bind_null(st, idx);
            break;
        default:
            eg__set_err(c, "unknown bind type '%c'", types[i]);
            rc = EG_EINVAL;
        }
    }
    if (rc) {
        eg_stmt_done(st);
        return rc;
    }
    *out = st;
    return EG_OK;
}

/* Prepares sql and binds one argument per letter of types (see store.h). The statement is
 * the caller's (eg_stmt_done). EG_EINVAL when the letters do not match the placeholders or
 * a letter is unknown; engine errors as eg_prepare. */
int eg_query(eg_conn *c, eg_stmt **out, const char *sql, const char *types, ...)
{
    va_list ap;
    va_start(ap, types);
    int rc = query_v(c, out, sql, types, ap);
    va_end(ap);
    return rc;
}

/* Runs st to completion (rows discarded), returns it to the cache, stores the changed-row
 * count in *changes (may be NULL). */
static int run_to_done(eg_stmt *st, int64_t *changes)
{
    int rc;
    do {
        rc = eg_step(st);
    } while (rc == EG_ROW);
    if (rc == EG_DONE && changes)
        *changes = eg_changes(st);
    eg_stmt_done(st);
    return rc;
}

/* eg_query + run to completion. *changes (may be NULL) gets the rows changed. */
int eg_exec(eg_conn *c, int64_t *changes, const char *sql, const char *types, ...)
{
    if (changes)
        *changes = 0;
    eg_stmt *st = NULL;
    va_list ap;
    va_start(ap, types);
    int rc = query_v(c, &st, sql, types, ap);
    va_end(ap);
    if (rc)
        return rc;
    return run_to_done(st, changes);
}

/* First column of the first row as an integer. EG_ENOTFOUND when there is no row or the
 * value is NULL (use COALESCE for a default). */
int eg_query_int64(eg_conn *c, int64_t *out, const char *sql, const char *types, ...)
{
    *out = 0;
    eg_stmt *st = NULL;
    va_list ap;
    va_start(ap, types);
    int rc = query_v(c, &st, sql, types, ap);
    va_end(ap);
    if (rc)
        return rc;
    rc = eg_step(st);
    if (rc == EG_ROW) {
        if (eg_col_is_null(st, 0)) {
            rc = EG_ENOTFOUND;
        } else {
            *out = eg_col_int64(st, 0);
            rc = EG_OK;
        }
    } else if (rc == EG_DONE) {
        rc = EG_ENOTFOUND;
    }
    eg_stmt_done(st);
    return rc;
}

/* First column of the first row as text copied into a (NULL for an SQL NULL value).
 * EG_ENOTFOUND when there is no row. */
int eg_query_text(eg_conn *c, eg_arena *a, char **out, const char *sql, const char *types, ...)
{
    *out = NULL;
    eg_stmt *st = NULL;
    va_list ap;
    va_start(ap, types);
    int rc = query_v(c, &st, sql, types, ap);
    va_end(ap);
    if (rc)
        return rc;
    rc = eg_step(st);
    if (rc == EG_ROW) {
        *out = eg_arena_strdup(a, eg_col_text(st, 0));
        rc = EG_OK;
    } else if (rc == EG_DONE) {
        rc = EG_ENOTFOUND;
    }
    eg_stmt_done(st);
    return rc;
}

/* Runs parameterless SQL holding one or more statements (DDL, migrations). */
int eg_exec_script(eg_conn *c, const char *sql)
{
    return c->db->be->exec_script(c, sql);
}

/* The JSON value of column i of the current row, or NULL for text that is not UTF-8. */
static json_t *col_json(eg_stmt *st, int i)
{
    const struct eg_backend *be = st->conn->db->be;
    switch (be->col_kind(st, i)) {
    case EG__COL_NULL:
        return json_null();
    case EG__COL_INT:
        return json_integer((json_int_t)be->col_int64(st, i));
    case EG__COL_REAL:
        return json_real(be->col_double(st, i));
    case EG__COL_BOOL:
        return json_boolean(be->col_int64(st, i) != 0);
    case EG__COL_BLOB: {
        size_t n = 0;
        const void *p = be->col_blob(st, i, &n);
        char *enc = eg_malloc(n / 3 * 4 + 8);
        size_t len = eg_b64_encode(p, n, enc);
        json_t *j = json_stringn(enc, len);
        free(enc);
        return j;
    }
    default: {
        const char *s = be->col_text(st, i);
        return json_string(s ? s : "");
    }
    }
}

/* Rows of a query as a JSON array of objects keyed by column name: integers stay
 * integers, reals reals, PostgreSQL booleans booleans, NULL null, blobs base64 strings,
 * everything else strings. *out is the caller's (json_decref). EG_EINVAL when a text value
 * is not valid UTF-8. */
int eg_query_json(eg_conn *c, json_t **out, const char *sql, const char *types, ...)
{
    *out = NULL;
    eg_stmt *st = NULL;
    va_list ap;
    va_start(ap, types);
    int rc = query_v(c, &st, sql, types, ap);
    va_end(ap);
    if (rc)
        return rc;
    json_t *rows = json_array();
    for (;;) {
        rc = eg_step(st);
        if (rc != EG_ROW)
            break;
        json_t *row = json_object();
        int ncol = eg_col_count(st);
        for (int i = 0; i < ncol && rc == EG_ROW; i++) {
            json_t *v = col_json(st, i);
            if (!v) {
                eg__set_err(c, "column %s is not valid UTF-8", eg_col_name(st, i));
                rc = EG_EINVAL;
                break;
            }
            json_object_set_new(row, eg_col_name(st, i), v);
        }
        json_array_append_new(rows, row);
        if (rc != EG_ROW)
            break;
    }
    eg_stmt_done(st);
    if (rc != EG_DONE) {
        json_decref(rows);
        return rc;
    }
    *out = rows;
    return EG_OK;
}

/* ------------------------------------------------------------------ transactions */

/* Starts a transaction (depth 0) or a savepoint inside one. SQLite takes the write lock
 * now (BEGIN IMMEDIATE), waiting up to the busy timeout: EG_EBUSY after that. */
int eg_tx_begin(eg_conn *c)
{
    int rc;
    if (c->depth == 0) {
        rc = c->db->be->begin(c);
    } else {
        char sql[48];
        snprintf(sql, sizeof(sql), "SAVEPOINT eg_sp%d", c->depth + 1);
        rc = c->db->be->exec_script(c, sql);
    }
    if (rc == 0)
        c->depth++;
    return rc;
}

/* Commits the innermost level: COMMIT at depth 1 (counted in eg_db_tx_count), RELEASE of
 * the savepoint deeper. The level is gone afterwards whatever the result: a failed COMMIT
 * is rolled back (EG_ECONFLICT for a deferred constraint, EG_EDB when the engine had
 * already aborted the transaction). EG_EINVAL outside a transaction. */
int eg_tx_commit(eg_conn *c)
{
    if (c->depth <= 0) {
        eg__set_err(c, "commit outside a transaction");
        return EG_EINVAL;
    }
    const struct eg_backend *be = c->db->be;
    int rc;
    if (c->depth == 1) {
        rc = be->commit(c);
        if (rc == 0)
            atomic_fetch_add(&c->db->tx_count, 1);
        else if (!be->tx_lost(c))
            be->rollback(c);
        if (be->tx_end)
            be->tx_end(c);
    } else if (be->tx_lost(c)) {
        eg__set_err(c, "transaction was rolled back by the database");
        rc = EG_EDB;
    } else {
        char sql[48];
        snprintf(sql, sizeof(sql), "RELEASE SAVEPOINT eg_sp%d", c->depth);
        rc = be->exec_script(c, sql);
    }
    c->depth--;
    return rc;
}

/* Rolls back the innermost level: the whole transaction at depth 1, otherwise the work
 * since its savepoint (the outer work stays). EG_EINVAL outside a transaction. */
int eg_tx_rollback(eg_conn *c)
{
    if (c->depth <= 0) {
        eg__set_err(c, "rollback outside a transaction");
        return EG_EINVAL;
    }
    const struct eg_backend *be = c->db->be;
    int rc = EG_OK;
    if (be->tx_lost(c)) {
        /* the engine already rolled everything back (e.g. SQLite on I/O errors) */
    } else if (c->depth == 1) {
        rc = be->rollback(c);
    } else {
        char sql[96];
        snprintf(sql, sizeof(sql), "ROLLBACK TO SAVEPOINT eg_sp%d; RELEASE SAVEPOINT eg_sp%d",
                 c->depth, c->depth);
        rc = be->exec_script(c, sql);
    }
    if (c->depth == 1 && be->tx_end)
        be->tx_end(c);
    c->depth--;
    return rc;
}

/* Current nesting depth: 0 outside a transaction. */
int eg_tx_depth(const eg_conn *c)
{
    return c->depth;
}
