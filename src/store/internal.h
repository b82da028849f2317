/*
 * internal.h - private to src/store: the shapes of eg_db / eg_conn / eg_stmt and the
 * backend vtable that sqlite.c and pg.c fill in.
 *
 * store.c owns everything backend-neutral (per-thread connections, the statement cache,
 * transaction depth, type-string helpers, JSON rows); a backend only knows how to talk to
 * its engine. Each object carries a `void *impl` for the backend's own state.
 */
#ifndef EG_STORE_INTERNAL_H
#define EG_STORE_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include "store/store.h"

#define EG__ERRMSG_MAX    512
#define EG__STMT_BUCKETS  256 /* hash buckets of the statement cache (power of two) */
#define EG__STMT_IDLE_MAX 200 /* idle cached statements kept per connection */

/* Column kinds the JSON builder needs; a backend answers per value (SQLite) or per column
 * type (PostgreSQL). */
enum { EG__COL_NULL, EG__COL_INT, EG__COL_REAL, EG__COL_BOOL, EG__COL_TEXT, EG__COL_BLOB };

struct eg_backend;

/* The durability barrier of one eg_db (group commit, see sqlite.c): commits take a sequence
 * number once their COMMIT returned; one waiter at a time (the leader) syncs the log for
 * everything committed so far and publishes it; the others wait on cv. Guarded by mu. */
struct eg__barrier {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    uint64_t committed; /* highest sequence number handed out */
    uint64_t synced;    /* every commit with seq <= synced is durable */
    uint64_t failed;    /* commits with seq <= failed got EG_EIO (their sync failed) */
    int syncing;        /* a leader is syncing right now */
    uint64_t syncs;     /* log syncs done (statistics and tests) */
    uint64_t waits;     /* commits that went through the barrier */
    /* In-process writer queue: held from BEGIN IMMEDIATE to COMMIT/ROLLBACK, so this process's
     * writers wait on a mutex instead of SQLite's sleeping busy handler (1, 2, 5, 10 ... ms
     * naps). Other processes still meet the busy timeout. A flag under its own mutex rather
     * than a held mutex, so that closing a connection on another thread can release it. */
    pthread_mutex_t wmu;
    pthread_cond_t wcv;
    int writer; /* a connection of this process holds the write transaction */
    /* Checkpoints run in the barrier's leader, outside the writer slot (see sqlite.c). */
    int wal_frames;    /* WAL size in frames after the latest commit (wal hook) */
    int checkpointing; /* a leader is checkpointing */
    uint64_t checkpoints;
};

struct eg_db {
    const struct eg_backend *be;
    int kind;           /* EG_DB_SQLITE | EG_DB_POSTGRES */
    char *target;       /* SQLite file path or PostgreSQL connection URL */
    pthread_key_t key;  /* the calling thread's eg_conn */
    pthread_mutex_t mu; /* guards conns */
    eg_conn *conns;     /* every open connection (linked by next) */
    atomic_uint_fast64_t tx_count;
    struct eg__barrier bar; /* SQLite group commit; unused by PostgreSQL */
};

struct eg_conn {
    eg_db *db;
    eg_conn *next, *prev; /* in db->conns */
    void *impl;           /* sqlite3 * or the pg connection state */
    int depth;            /* transaction nesting: 0 none, 1 BEGIN, >1 savepoints */
    int closing;          /* set while the connection is being closed */
    char errmsg[EG__ERRMSG_MAX];
    eg_stmt *buckets[EG__STMT_BUCKETS]; /* every statement of this connection, by SQL hash */
    eg_stmt *idle_head, *idle_tail;     /* idle statements, most recently used first */
    int idle_count;
};

struct eg_stmt {
    eg_conn *conn;
    char *sql; /* the SQL text as given (cache key) */
    uint32_t hash;
    int in_use;
    eg_stmt *bucket_next;
    eg_stmt *idle_next, *idle_prev;
    void *impl;
};

/* A backend. Every function reports errors as EG_E* and, for database errors, leaves a
 * message in c->errmsg (eg__set_err). */
struct eg_backend {
    const char *name;
    int kind;
    /* Opens one connection for db into c->impl. On failure the message is in c->errmsg. */
    int (*conn_open)(eg_conn *c);
    void (*conn_close)(eg_conn *c);
    /* Prepares sql into st->impl (st->sql and st->conn are set). */
    int (*prepare)(eg_conn *c, eg_stmt *st);
    void (*finalize)(eg_stmt *st);
    int (*param_count)(eg_stmt *st);
    int (*bind_text)(eg_stmt *st, int idx, const char *s, size_t len);
    int (*bind_int64)(eg_stmt *st, int idx, int64_t v);
    int (*bind_double)(eg_stmt *st, int idx, double v);
    int (*bind_blob)(eg_stmt *st, int idx, const void *p, size_t n);
    int (*bind_null)(eg_stmt *st, int idx);
    int (*step)(eg_stmt *st);
    int (*col_count)(eg_stmt *st);
    const char *(*col_name)(eg_stmt *st, int i);
    int (*col_kind)(eg_stmt *st, int i); /* EG__COL_* of the current row's value */
    const char *(*col_text)(eg_stmt *st, int i);
    int64_t (*col_int64)(eg_stmt *st, int i);
    double (*col_double)(eg_stmt *st, int i);
    const void *(*col_blob)(eg_stmt *st, int i, size_t *n);
    int64_t (*changes)(eg_stmt *st);
    /* Resets the statement for re-execution and clears its bindings. */
    void (*reset)(eg_stmt *st);
    /* Runs parameterless SQL that may hold several statements. */
    int (*exec_script)(eg_conn *c, const char *sql);
    /* Transaction verbs at depth 0 -> 1, 1 -> 0; savepoints go through exec_script. */
    int (*begin)(eg_conn *c);
    int (*commit)(eg_conn *c);
    int (*rollback)(eg_conn *c);
    /* 1 when the engine has no transaction open any more (it rolled back by itself). */
    int (*tx_lost)(eg_conn *c);
    /* Called when the outermost level is gone (after commit or rollback, whatever their
     * result); may be NULL. */
    void (*tx_end)(eg_conn *c);
    /* Expansion of the migration tokens @ID@ and @BLOB@. */
    const char *id_type;
    const char *blob_type;
    /* SQL run inside each migration transaction before anything else (may be NULL):
     * serialises concurrent migrators. */
    const char *migrate_lock_sql;
};

extern const struct eg_backend eg__sqlite_backend;
extern const struct eg_backend eg__pg_backend;

/* Copies a message into c->errmsg (trailing newlines trimmed). */
void eg__set_err(eg_conn *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* PostgreSQL placeholder rewrite: '?' -> $1..$n outside quoted strings, quoted identifiers,
 * dollar-quoted bodies and comments. Appends to out; returns the number of placeholders. */
int eg__pg_rewrite(const char *sql, eg_buf *out);

/* The migration runner over an explicit list (terminated by module == NULL), so tests can
 * run their own migrations; eg_migrate passes eg_migrations. */
int eg__migrate_list(eg_db *db, const struct eg_migration *list, const char *const *modules,
                     int *applied, char *err, size_t errlen);
int eg__migrations_current_list(eg_db *db, const struct eg_migration *list,
                                const char *const *modules);

/* Group-commit statistics of db: log syncs done and commits acknowledged through the
 * barrier (SQLite; both 0 on PostgreSQL). */
void eg__db_sync_stats(eg_db *db, uint64_t *syncs, uint64_t *commits);

#endif
