/*
 * migrate.c - the schema migration runner.
 *
 * Each module keeps its schema as numbered SQL files (db/migrations/<module>/NNNN_name.sql)
 * embedded into the binary. The runner applies the missing ones module by module, in the
 * order the caller lists the modules (layering order) and then by version, each in its own
 * transaction together with its schema_migrations row, so a migration is either entirely
 * applied and recorded or not at all. The checksum (SHA-256 of the file as written, before
 * token expansion) catches a migration edited after it shipped.
 *
 * Several processes may start at once: each migration transaction takes the database's
 * write lock first (SQLite BEGIN IMMEDIATE; PostgreSQL a transaction-scoped advisory lock)
 * and re-checks schema_migrations under it, so nothing is applied twice.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "store/internal.h"

static const char create_table_sql[] =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    "module TEXT NOT NULL, version INTEGER NOT NULL, name TEXT NOT NULL, "
    "checksum TEXT NOT NULL, applied_at TEXT NOT NULL, PRIMARY KEY (module, version))";

static void set_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || !errlen)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* Migration SQL with @ID@ and @BLOB@ replaced for the backend; caller frees. */
static char *expand_tokens(const struct eg_backend *be, const char *sql)
{
    eg_buf b = EG_BUF_INIT;
    const char *p = sql;
    while (*p) {
        if (strncmp(p, "@ID@", 4) == 0) {
            eg_buf_puts(&b, be->id_type);
            p += 4;
        } else if (strncmp(p, "@BLOB@", 6) == 0) {
            eg_buf_puts(&b, be->blob_type);
            p += 6;
        } else {
            eg_buf_putc(&b, *p);
            p++;
        }
    }
    return eg_buf_steal(&b);
}

/* Starts a migration transaction holding the migration lock. */
static int begin_locked(eg_conn *c)
{
    int rc = eg_tx_begin(c);
    if (rc)
        return rc;
    const char *lock = c->db->be->migrate_lock_sql;
    if (lock) {
        rc = eg_exec_script(c, lock);
        if (rc)
            eg_tx_rollback(c);
    }
    return rc;
}

/* Looks up the recorded checksum of module/version into out[65]: EG_OK, EG_ENOTFOUND, or a
 * database error. */
static int recorded_checksum(eg_conn *c, const char *module, int version, char out[65])
{
    eg_stmt *st = NULL;
    int rc = eg_query(c, &st,
                      "SELECT checksum FROM schema_migrations WHERE module = ? AND "
                      "version = ?",
                      "ti", module, version);
    if (rc)
        return rc;
    rc = eg_step(st);
    if (rc == EG_ROW) {
        const char *v = eg_col_text(st, 0);
        snprintf(out, 65, "%s", v ? v : "");
        rc = EG_OK;
    } else if (rc == EG_DONE) {
        rc = EG_ENOTFOUND;
    }
    eg_stmt_done(st);
    return rc;
}

static int ensure_table(eg_conn *c, char *err, size_t errlen)
{
    int rc = begin_locked(c);
    if (rc == 0) {
        rc = eg_exec_script(c, create_table_sql);
        if (rc == 0)
            rc = eg_tx_commit(c);
        else
            eg_tx_rollback(c);
    }
    if (rc)
        set_err(err, errlen, "cannot create schema_migrations: %s", eg_conn_errmsg(c));
    return rc;
}

/* Applies one migration unless recorded (checked again under the lock). *done is 1 when
 * this call applied it. */
static int apply_one(eg_conn *c, const struct eg_migration *m, const char *sum, int *done,
                     char *err, size_t errlen)
{
    *done = 0;
    char have[65];
    int rc = begin_locked(c);
    if (rc) {
        set_err(err, errlen, "migration %s/%s: cannot begin: %s", m->module, m->name,
                eg_conn_errmsg(c));
        return rc;
    }
    rc = recorded_checksum(c, m->module, m->version, have);
    if (rc == EG_OK) { /* another process applied it meanwhile */
        eg_tx_rollback(c);
        if (strcmp(have, sum) != 0) {
            set_err(err, errlen, "migration %s version %d (%s) changed after it was applied",
                    m->module, m->version, m->name);
            return EG_ECONFLICT;
        }
        return EG_OK;
    }
    if (rc != EG_ENOTFOUND) {
        set_err(err, errlen, "migration %s/%s: %s", m->module, m->name, eg_conn_errmsg(c));
        eg_tx_rollback(c);
        return rc;
    }
    char *sql = expand_tokens(c->db->be, m->sql);
    rc = eg_exec_script(c, sql);
    free(sql);
    if (rc == 0) {
        char now[25];
        eg_time_iso_ms(eg_now_ms(), now);
        rc = eg_exec(c, NULL,
                     "INSERT INTO schema_migrations (module, version, name, checksum, "
                     "applied_at) VALUES (?, ?, ?, ?, ?)",
                     "tittt", m->module, m->version, m->name, sum, now);
    }
    if (rc) {
        set_err(err, errlen, "migration %s/%s failed: %s", m->module, m->name, eg_conn_errmsg(c));
        eg_tx_rollback(c);
        return rc;
    }
    rc = eg_tx_commit(c);
    if (rc) {
        set_err(err, errlen, "migration %s/%s: commit failed: %s", m->module, m->name,
                eg_conn_errmsg(c));
        return rc;
    }
    *done = 1;
    return EG_OK;
}

static int by_version(const void *a, const void *b)
{
    const struct eg_migration *x = *(const struct eg_migration *const *)a;
    const struct eg_migration *y = *(const struct eg_migration *const *)b;
    return (x->version > y->version) - (x->version < y->version);
}

/* The migrations of module in list, sorted by version; *n gets the count. Caller frees.
 * EG_EINVAL (naming it in err) when two share a version. */
static int module_migrations(const struct eg_migration *list, const char *module,
                             const struct eg_migration ***out, size_t *n, char *err, size_t errlen)
{
    size_t count = 0;
    for (const struct eg_migration *m = list; m->module; m++)
        count += strcmp(m->module, module) == 0;
    const struct eg_migration **v = eg_calloc(count ? count : 1, sizeof(*v));
    size_t k = 0;
    for (const struct eg_migration *m = list; m->module; m++) {
        if (strcmp(m->module, module) == 0)
            v[k++] = m;
    }
    qsort(v, count, sizeof(*v), by_version);
    for (size_t i = 1; i < count; i++) {
        if (v[i]->version == v[i - 1]->version) {
            set_err(err, errlen, "migrations %s/%s and %s/%s share version %d", module,
                    v[i - 1]->name, module, v[i]->name, v[i]->version);
            free(v);
            return EG_EINVAL;
        }
    }
    *out = v;
    *n = count;
    return EG_OK;
}

int eg__migrate_list(eg_db *db, const struct eg_migration *list, const char *const *modules,
                     int *applied, char *err, size_t errlen)
{
    if (applied)
        *applied = 0;
    set_err(err, errlen, "%s", "");
    eg_conn *c = eg_db_conn(db);
    if (c->depth != 0) {
        set_err(err, errlen, "migrations cannot run inside a transaction");
        return EG_EINVAL;
    }
    int rc = ensure_table(c, err, errlen);
    if (rc)
        return rc;
    for (const char *const *mod = modules; mod && *mod; mod++) {
        const struct eg_migration **v = NULL;
        size_t n = 0;
        rc = module_migrations(list, *mod, &v, &n, err, errlen);
        if (rc)
            return rc;
        for (size_t i = 0; i < n && rc == 0; i++) {
            const struct eg_migration *m = v[i];
            char sum[65], have[65];
            eg_sha256_hex(m->sql, strlen(m->sql), sum);
            /* cheap check without the write lock: the common case is "already applied" */
            rc = recorded_checksum(c, m->module, m->version, have);
            if (rc == EG_OK) {
                if (strcmp(have, sum) != 0) {
                    set_err(err, errlen,
                            "migration %s version %d (%s) changed after it was applied", *mod,
                            m->version, m->name);
                    rc = EG_ECONFLICT;
                }
                continue;
            }
            if (rc != EG_ENOTFOUND) {
                set_err(err, errlen, "migration %s/%s: %s", *mod, m->name, eg_conn_errmsg(c));
                continue;
            }
            int done = 0;
            rc = apply_one(c, m, sum, &done, err, errlen);
            if (rc == 0 && done && applied)
                (*applied)++;
        }
        free(v);
        if (rc)
            return rc;
    }
    return EG_OK;
}

/* Applies the embedded migrations of modules (NULL-terminated, layering order); see
 * store.h. *applied (may be NULL) gets the number applied by this call. EG_ECONFLICT when a
 * recorded migration's checksum changed; the engine's code when one fails (rolled back);
 * a one-line message naming the module and migration in err either way. */
int eg_migrate(eg_db *db, const char *const *modules, int *applied, char *err, size_t errlen)
{
    return eg__migrate_list(db, eg_migrations, modules, applied, err, errlen);
}

int eg__migrations_current_list(eg_db *db, const struct eg_migration *list,
                                const char *const *modules)
{
    eg_conn *c = eg_db_conn(db);
    for (const char *const *mod = modules; mod && *mod; mod++) {
        for (const struct eg_migration *m = list; m->module; m++) {
            if (strcmp(m->module, *mod) != 0)
                continue;
            char sum[65], have[65];
            eg_sha256_hex(m->sql, strlen(m->sql), sum);
            if (recorded_checksum(c, m->module, m->version, have) != EG_OK)
                return 0; /* missing, or no schema_migrations table yet */
            if (strcmp(have, sum) != 0)
                return 0;
        }
    }
    return 1;
}

/* 1 when every embedded migration of modules is recorded with its current checksum. */
int eg_migrations_current(eg_db *db, const char *const *modules)
{
    return eg__migrations_current_list(db, eg_migrations, modules);
}

/* Number of embedded migrations (all modules). */
int eg_schema_version(void)
{
    int n = 0;
    for (const struct eg_migration *m = eg_migrations; m->module; m++)
        n++;
    return n;
}
