/*
 * sqlite.c - the SQLite backend (the embedded default).
 *
 * One sqlite3 handle per thread (store.c gives each thread its own eg_conn), so handles are
 * opened with SQLITE_OPEN_NOMUTEX. Writers queue on BEGIN IMMEDIATE within a 5 s busy
 * timeout instead of failing when a read transaction tries to upgrade. Statements are
 * prepared with SQLITE_PREPARE_PERSISTENT because store.c caches them.
 *
 * Durability by group commit. With synchronous=FULL every COMMIT fsyncs the WAL itself, so
 * a disk with ~5 ms per fsync caps the whole server near 200 commits/s however many threads
 * write. Instead connections run WAL with synchronous=NORMAL (COMMIT appends its frames to
 * the WAL with write() and returns without a sync) and nothing is acknowledged before a
 * durability barrier (barrier()) has synced the WAL past it:
 *   - after every successful outermost COMMIT, and after every write statement that ran in
 *     autocommit mode (step() reaching DONE, reset() of an unfinished one, a script), the
 *     thread takes the next commit sequence number of its eg_db (under db->bar.mu);
 *   - if no sync is in progress it becomes the leader: target = the highest sequence number
 *     handed out so far, unlock, sync the WAL file, lock, synced = target, broadcast;
 *   - otherwise it waits on the condition variable until synced >= its number (and becomes
 *     the next leader if the current sync did not cover it).
 * Why this is as durable as synchronous=FULL, for kill -9 and for power loss:
 *   - A sequence number is taken only after COMMIT returned, i.e. after all frames of the
 *     transaction, commit frame included, were written to the WAL file. A leader reads target
 *     after that, so the fsync it then starts covers those bytes (fsync flushes the file, not
 *     a descriptor: frames written by other connections of the same file are included).
 *   - The file synced is the one the transaction was written to: the leader syncs through its
 *     own connection's WAL handle (SQLITE_FCNTL_JOURNAL_POINTER, xSync), every waiter keeps its
 *     connection open while waiting, so the WAL cannot be deleted (SQLite deletes it only when
 *     the last connection closes), and SQLITE_FCNTL_PERSIST_WAL keeps it from being deleted and
 *     recreated at all; truncation or restart keeps the same inode.
 *   - Frames are overwritten only after a WAL restart, which happens only after a complete
 *     checkpoint; with synchronous=NORMAL a checkpoint syncs the WAL before copying and the
 *     database file after, and the new WAL header is synced before new frames follow it. So an
 *     acknowledged transaction is either in synced WAL frames or in the synced database file.
 *   - WAL recovery after a crash replays every frame up to the last valid commit frame
 *     (checksummed chain), so all transactions up to a synced commit frame come back.
 *   - kill -9 alone never loses a committed transaction (the page cache survives); the
 *     barrier is for power loss. A failed fsync leaves page-cache state unknown, so it is
 *     fatal (eg_panic, as PostgreSQL does): restart replays what the disk really has.
 * Checkpoints: SQLite's automatic checkpoint would run inside COMMIT, delaying that commit's
 * own acknowledgement; a WAL hook replaces it, and the leader that has just published a sync
 * runs a passive checkpoint when the WAL passed 1000 frames, holding this process's writer slot
 * (below) so that it completes and the WAL restarts (same safety: a checkpoint syncs the WAL
 * first and the database after, whoever runs it).
 * One fsync acknowledges everything committed while the previous one ran, so with N writers
 * the rate approaches N commits per fsync instead of one. A connection that could not enter
 * WAL mode falls back to synchronous=FULL and skips the barrier.
 */
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include "store/internal.h"

#define BUSY_TIMEOUT_MS       5000
#define WAL_SIZE_LIMIT        "67108864" /* journal_size_limit: WAL truncated to 64 MiB on restart */
#define WAL_CHECKPOINT_FRAMES 1000       /* as SQLite's default wal_autocheckpoint */

/* A connection's backend state. */
typedef struct {
    sqlite3 *h;
    int wal;     /* in WAL mode with synchronous=NORMAL: commits go through the barrier */
    int writing; /* holds the eg_db's in-process writer slot (db->bar.writer) */
} lite_conn;

static sqlite3 *handle(eg_conn *c)
{
    return ((lite_conn *)c->impl)->h;
}

/* A statement's backend state: the handle and the changes of its last completed run
 * (sqlite3_changes is per connection, eg_changes is per statement). */
typedef struct {
    sqlite3_stmt *s;
    int64_t changes;
    int running;          /* stepped since the last reset */
    int64_t total_before; /* sqlite3_total_changes64 when the run started */
    int dml;              /* INSERT/UPDATE/DELETE/REPLACE: writes nothing when it changes no row */
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

/* ------------------------------------------------------------------ durability barrier */

/* Syncs the WAL file: through this connection's own handle of it when it has one (it wrote or
 * read since it opened), otherwise through the file name (a connection that only ran a PRAGMA
 * may lead a batch; PERSIST_WAL keeps the file from being replaced, and no file means nothing
 * was ever logged). */
static void sync_wal(eg_conn *c)
{
    sqlite3_file *f = NULL;
    int rc = sqlite3_file_control(handle(c), "main", SQLITE_FCNTL_JOURNAL_POINTER, &f);
    if (rc == SQLITE_OK && f && f->pMethods) {
        rc = f->pMethods->xSync(f, SQLITE_SYNC_NORMAL);
    } else {
        char path[4096];
        snprintf(path, sizeof(path), "%s-wal", c->db->target);
        int fd = open(path, O_RDWR | O_CLOEXEC);
        rc = SQLITE_OK;
        if (fd >= 0) {
            if (fdatasync(fd) != 0)
                rc = SQLITE_IOERR_FSYNC;
            close(fd);
        } else if (errno != ENOENT) {
            rc = SQLITE_IOERR_FSYNC;
        }
    }
    if (rc != SQLITE_OK)
        eg_panic("store: sync of %s-wal failed (%s): acknowledged commits may not be durable",
                 c->db->target, sqlite3_errstr(rc));
}

/* WAL hook of every connection (it replaces SQLite's automatic checkpoint, which would run
 * inside COMMIT, i.e. while this process's writer slot is held: two fsyncs and a page copy
 * during which no other writer could proceed). Records the WAL size for the barrier. */
static int wal_hook(void *arg, sqlite3 *h, const char *name, int frames)
{
    (void)h;
    (void)name;
    struct eg__barrier *b = arg;
    pthread_mutex_lock(&b->mu);
    b->wal_frames = frames;
    pthread_mutex_unlock(&b->mu);
    return SQLITE_OK;
}

static int writer_enter(eg_conn *c);
static void writer_leave(eg_conn *c);

/* A passive checkpoint once the WAL passed WAL_CHECKPOINT_FRAMES, by a leader that has just
 * published its sync, so neither writers nor waiters wait for it. Called with b->mu held. */
static void maybe_checkpoint(eg_conn *c, struct eg__barrier *b)
{
    if (b->checkpointing || b->wal_frames < WAL_CHECKPOINT_FRAMES)
        return;
    b->checkpointing = 1;
    pthread_mutex_unlock(&b->mu);
    /* Holding the writer slot: with this process's writers held off, the checkpoint copies
     * every frame and the next writer restarts the WAL from its start. A checkpoint racing with
     * commits never completes under steady load, and the WAL would grow without bound. Busy
     * (another process checkpointing) or locked: the next leader tries again. */
    if (writer_enter(c) == EG_OK) {
        sqlite3_wal_checkpoint_v2(handle(c), "main", SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
        writer_leave(c);
    }
    pthread_mutex_lock(&b->mu);
    b->checkpointing = 0;
    b->wal_frames = 0; /* the next commit's hook tells the truth again */
    b->checkpoints++;
}

/* Returns once everything this connection committed is on stable storage (see the file
 * comment). Called right after a successful COMMIT or autocommit write. */
static void barrier(eg_conn *c)
{
    if (!((lite_conn *)c->impl)->wal)
        return; /* synchronous=FULL: COMMIT synced by itself */
    struct eg__barrier *b = &c->db->bar;
    pthread_mutex_lock(&b->mu);
    uint64_t mine = ++b->committed;
    b->waits++;
    while (b->synced < mine) {
        if (b->syncing) {
            pthread_cond_wait(&b->cv, &b->mu);
            continue;
        }
        b->syncing = 1;
        uint64_t target = b->committed;
        pthread_mutex_unlock(&b->mu);
        sync_wal(c);
        pthread_mutex_lock(&b->mu);
        b->syncing = 0;
        b->syncs++;
        if (target > b->synced)
            b->synced = target;
        pthread_cond_broadcast(&b->cv);
        maybe_checkpoint(c, b);
    }
    pthread_mutex_unlock(&b->mu);
}

/* ------------------------------------------------------------------ writer queue */

/* Takes the process's writer slot, waiting up to the busy timeout (EG_EBUSY after it, with
 * the same message SQLite would give). Writers of this process queue here instead of napping
 * in SQLite's busy handler; the slot is released before the durability barrier, so the next
 * writer's transaction overlaps the previous one's fsync. */
static int writer_enter(eg_conn *c)
{
    struct eg__barrier *b = &c->db->bar;
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += BUSY_TIMEOUT_MS / 1000;
    int rc = 0;
    pthread_mutex_lock(&b->wmu);
    while (b->writer && rc == 0)
        rc = pthread_cond_timedwait(&b->wcv, &b->wmu, &until);
    if (!b->writer) {
        b->writer = 1;
        rc = 0;
    }
    pthread_mutex_unlock(&b->wmu);
    if (rc) {
        eg__set_err(c, "database is locked (another writer of this process for %d ms)",
                    BUSY_TIMEOUT_MS);
        return EG_EBUSY;
    }
    ((lite_conn *)c->impl)->writing = 1;
    return EG_OK;
}

static void writer_leave(eg_conn *c)
{
    lite_conn *lc = c->impl;
    if (!lc || !lc->writing)
        return;
    lc->writing = 0;
    struct eg__barrier *b = &c->db->bar;
    pthread_mutex_lock(&b->wmu);
    b->writer = 0;
    pthread_cond_signal(&b->wcv);
    pthread_mutex_unlock(&b->wmu);
}

/* ------------------------------------------------------------------ connections */

/* Runs a parameterless script; no barrier (transaction verbs, pragmas). */
static int run_script(eg_conn *c, const char *sql)
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

/* A script from a caller (eg_exec_script, savepoints): when it ran outside a transaction
 * whatever it wrote was committed, so it waits for the barrier. */
static int exec_script(eg_conn *c, const char *sql)
{
    int rc = run_script(c, sql);
    if (rc == EG_OK && sqlite3_get_autocommit(handle(c)))
        barrier(c);
    return rc;
}

static int journal_mode_cb(void *arg, int n, char **vals, char **names)
{
    (void)names;
    if (n > 0 && vals[0])
        *(int *)arg = strcmp(vals[0], "wal") == 0;
    return 0;
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
    lite_conn *lc = eg_calloc(1, sizeof(*lc));
    lc->h = db;
    c->impl = lc;
    sqlite3_extended_result_codes(db, 1);
    sqlite3_busy_timeout(db, BUSY_TIMEOUT_MS);
    int persist = 1;
    sqlite3_file_control(db, "main", SQLITE_FCNTL_PERSIST_WAL, &persist);
    /* WAL stays set in the file, so only the first connection ever changes it; a file system
     * without WAL support keeps a rollback journal, and then every COMMIT syncs itself. */
    int wal = 0;
    char *msg = NULL;
    rc = sqlite3_exec(db, "PRAGMA journal_mode=WAL", journal_mode_cb, &wal, &msg);
    if (rc == SQLITE_OK) {
        lc->wal = wal;
        if (wal)
            sqlite3_wal_hook(db, wal_hook, &c->db->bar);
        rc = run_script(c, wal ? "PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
                                 "PRAGMA journal_size_limit=" WAL_SIZE_LIMIT ";"
                               : "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;");
    } else {
        eg__set_err(c, "%s", msg ? msg : sqlite3_errstr(rc));
        rc = EG_EDB;
    }
    sqlite3_free(msg);
    if (rc) {
        char emsg[EG__ERRMSG_MAX];
        snprintf(emsg, sizeof(emsg), "%s", c->errmsg);
        eg__set_err(c, "%s: %s", c->db->target, emsg);
        sqlite3_close(db);
        free(lc);
        c->impl = NULL;
        return EG_EDB;
    }
    return EG_OK;
}

static void conn_close(eg_conn *c)
{
    writer_leave(c); /* closed inside a transaction: SQLite rolls it back */
    if (c->impl) {
        sqlite3_close(handle(c)); /* every statement was finalised by store.c */
        free(c->impl);
    }
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

/* 1 when sql starts with INSERT, UPDATE, DELETE or REPLACE (such a statement that changed no
 * row wrote no page, so an autocommit run of it has nothing to make durable). */
static int is_dml(const char *sql)
{
    static const char *const kw[] = {"INSERT", "UPDATE", "DELETE", "REPLACE"};
    while (*sql == ' ' || *sql == '\t' || *sql == '\n' || *sql == '\r')
        sql++;
    for (size_t i = 0; i < sizeof(kw) / sizeof(kw[0]); i++) {
        size_t n = strlen(kw[i]);
        if (strncasecmp(sql, kw[i], n) == 0 &&
            (sql[n] == ' ' || sql[n] == '\t' || sql[n] == '\n' || sql[n] == '\r'))
            return 1;
    }
    return 0;
}

/* After an autocommit run of st (its implicit transaction has just ended): waits for the
 * barrier unless the statement cannot have written anything. */
static void autocommit_barrier(eg_stmt *st)
{
    lite_stmt *ls = st->impl;
    sqlite3 *db = handle(st->conn);
    if (sqlite3_stmt_readonly(ls->s) || !sqlite3_get_autocommit(db))
        return;
    if (ls->dml && sqlite3_total_changes64(db) == ls->total_before)
        return; /* e.g. a periodic UPDATE that matched no row */
    barrier(st->conn);
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
    ls->dml = is_dml(st->sql);
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
        autocommit_barrier(st); /* an autocommit write: committed by this step */
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
    lite_stmt *ls = st->impl;
    int was_running = ls->running;
    ls->running = 0;
    sqlite3_reset(ls->s);
    sqlite3_clear_bindings(ls->s);
    /* an autocommit write left after its first row (INSERT ... RETURNING read once) commits
     * at this reset: not acknowledged before the barrier */
    if (was_running)
        autocommit_barrier(st);
}

static int begin(eg_conn *c)
{
    int rc = writer_enter(c);
    if (rc)
        return rc;
    rc = run_script(c, "BEGIN IMMEDIATE");
    if (rc)
        writer_leave(c);
    return rc;
}

/* COMMIT, then the durability barrier: returns only when the transaction is durable. */
static int commit(eg_conn *c)
{
    if (sqlite3_get_autocommit(handle(c))) {
        eg__set_err(c, "transaction was rolled back by the database");
        return EG_EDB;
    }
    int rc = run_script(c, "COMMIT");
    if (rc == EG_OK) {
        writer_leave(c);
        barrier(c);
    }
    return rc;
}

static int rollback(eg_conn *c)
{
    return run_script(c, "ROLLBACK");
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
    .tx_end = writer_leave,
    .id_type = "INTEGER PRIMARY KEY AUTOINCREMENT",
    .blob_type = "BLOB",
    .migrate_lock_sql = NULL,
};
