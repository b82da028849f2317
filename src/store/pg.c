/*
 * pg.c - the PostgreSQL backend (libpq), for scale-out deployments sharing one database.
 *
 * Every eg_stmt is a server-side prepared statement (PQprepare under a generated name),
 * kept by store.c's per-connection cache so each SQL text is parsed once per connection.
 * Portable '?' placeholders are rewritten to $1..$n (eg__pg_rewrite). Parameters go in text
 * format except blobs, which go in binary format (raw bytes to BYTEA, so NUL bytes are
 * safe). Results come back in text format and are converted on access: integers with
 * strtoll, BYTEA through PQunescapeBytea, booleans 't'/'f' -> 1/0. The whole result set is
 * fetched by PQexecPrepared on the first eg_step and iterated by the following ones.
 *
 * A connection that breaks is reset on its next use outside a transaction; statements
 * prepared before the reset are prepared again transparently (per-connection epoch).
 */
#include <libpq-fe.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "store/internal.h"

/* Type OIDs from pg_type.h (server headers are not installed with libpq). */
#define BOOLOID    16
#define BYTEAOID   17
#define INT8OID    20
#define INT2OID    21
#define INT4OID    23
#define OIDOID     26
#define FLOAT4OID  700
#define FLOAT8OID  701
#define NUMERICOID 1700

typedef struct {
    PGconn *pg;
    unsigned next_id; /* statement name counter */
    unsigned epoch;   /* bumped by every reset: server-side statements are gone */
} pg_conn;

typedef struct {
    char name[32];
    char *sql; /* rewritten with $n */
    int nparams;
    unsigned epoch;
    char **values; /* bound parameters, owned; NULL = SQL NULL */
    int *lengths;
    int *formats;
    PGresult *res; /* current result set, NULL before the first step */
    int row;       /* current row, -1 before the first */
    int ntuples;
    int64_t changes;
    unsigned char **decoded; /* per column: BYTEA of the current row, PQfreemem */
    size_t *decoded_len;
    int ndecoded;
} pg_stmt;

static pg_conn *pgc(eg_conn *c)
{
    return c->impl;
}

static pg_stmt *pgs(eg_stmt *st)
{
    return st->impl;
}

static void notice_ignore(void *arg, const char *msg)
{
    (void)arg;
    (void)msg; /* "relation already exists, skipping" and friends */
}

/* ------------------------------------------------------------------ placeholder rewrite */

static int ident_char(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           ch == '_' || (unsigned char)ch >= 0x80;
}

/* Length of a dollar-quote tag at s ("$$" or "$tag$"), 0 when s does not start one. */
static size_t dollar_tag(const char *s)
{
    size_t i = 1;
    if (s[i] >= '0' && s[i] <= '9')
        return 0; /* $1 is a positional parameter */
    while (s[i] && s[i] != '$' && ident_char(s[i]))
        i++;
    return s[i] == '$' ? i + 1 : 0;
}

/* End of a single-quoted literal whose opening quote is at s[0]; backslash escapes count
 * when escapes is set (E'...'). Returns the index after the closing quote. */
static size_t quoted_end(const char *s, char q, int escapes)
{
    size_t i = 1;
    while (s[i]) {
        if (escapes && s[i] == '\\' && s[i + 1]) {
            i += 2;
            continue;
        }
        if (s[i] == q) {
            if (s[i + 1] == q) {
                i += 2; /* doubled quote inside */
                continue;
            }
            return i + 1;
        }
        i++;
    }
    return i;
}

/* End of a (nestable) block comment starting at s[0..1] == slash-star. */
static size_t block_comment_end(const char *s)
{
    size_t i = 2;
    int depth = 1;
    while (s[i] && depth > 0) {
        if (s[i] == '/' && s[i + 1] == '*') {
            depth++;
            i += 2;
        } else if (s[i] == '*' && s[i + 1] == '/') {
            depth--;
            i += 2;
        } else {
            i++;
        }
    }
    return i;
}

int eg__pg_rewrite(const char *sql, eg_buf *out)
{
    int n = 0;
    size_t i = 0;
    while (sql[i]) {
        const char *s = sql + i;
        size_t len = 1;
        if (s[0] == '\'') {
            int esc = i > 0 && (s[-1] == 'E' || s[-1] == 'e') && (i < 2 || !ident_char(s[-2]));
            len = quoted_end(s, '\'', esc);
        } else if (s[0] == '"') {
            len = quoted_end(s, '"', 0);
        } else if (s[0] == '-' && s[1] == '-') {
            len = strcspn(s, "\n");
        } else if (s[0] == '/' && s[1] == '*') {
            len = block_comment_end(s);
        } else if (s[0] == '$' && (i == 0 || !ident_char(s[-1])) && dollar_tag(s) > 0) {
            size_t tl = dollar_tag(s);
            const char *end = NULL;
            for (const char *p = s + tl; *p; p++) {
                if (*p == '$' && strncmp(p, s, tl) == 0) {
                    end = p;
                    break;
                }
            }
            len = end ? (size_t)(end - s) + tl : strlen(s);
        } else if (s[0] == '?') {
            eg_buf_printf(out, "$%d", ++n);
            i++;
            continue;
        }
        eg_buf_append(out, s, len);
        i += len;
    }
    eg_buf_append(out, "", 0); /* NUL-terminated even when empty */
    return n;
}

/* ------------------------------------------------------------------ errors */

/* Maps a failed result (or, when res is NULL, the connection's state) to EG_E*. */
static int map_result(eg_conn *c, const PGresult *res)
{
    const char *msg = res ? PQresultErrorMessage(res) : NULL;
    if (!msg || !*msg)
        msg = PQerrorMessage(pgc(c)->pg);
    eg__set_err(c, "%s", msg);
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    if (!state)
        return EG_EDB;
    if (strncmp(state, "23", 2) == 0)
        return EG_ECONFLICT;
    if (!strcmp(state, "40001") || !strcmp(state, "40P01") || !strcmp(state, "55P03"))
        return EG_EBUSY;
    return EG_EDB;
}

static int result_ok(const PGresult *res)
{
    ExecStatusType s = PQresultStatus(res);
    return s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK || s == PGRES_EMPTY_QUERY;
}

static int exec_script(eg_conn *c, const char *sql)
{
    PGresult *res = PQexec(pgc(c)->pg, sql);
    int rc = res && result_ok(res) ? EG_OK : map_result(c, res);
    PQclear(res);
    return rc;
}

/* ------------------------------------------------------------------ connections */

static int session_setup(eg_conn *c)
{
    PQsetNoticeProcessor(pgc(c)->pg, notice_ignore, NULL);
    return exec_script(c, "SET synchronous_commit = on; SET client_encoding = 'UTF8'; "
                          "SET TIME ZONE 'UTC'");
}

static int conn_open(eg_conn *c)
{
    PGconn *pg = PQconnectdb(c->db->target);
    if (!pg)
        eg_oom(0);
    if (PQstatus(pg) != CONNECTION_OK) {
        eg__set_err(c, "%s", PQerrorMessage(pg));
        PQfinish(pg);
        return EG_EDB;
    }
    pg_conn *p = eg_calloc(1, sizeof(*p));
    p->pg = pg;
    c->impl = p;
    int rc = session_setup(c);
    if (rc) {
        PQfinish(pg);
        free(p);
        c->impl = NULL;
        return EG_EDB;
    }
    return EG_OK;
}

static void conn_close(eg_conn *c)
{
    pg_conn *p = pgc(c);
    if (!p)
        return;
    PQfinish(p->pg);
    free(p);
    c->impl = NULL;
}

/* Resets a broken connection when no transaction is open (inside one, the work is lost
 * and the caller must see the error). */
static int conn_check(eg_conn *c)
{
    pg_conn *p = pgc(c);
    if (PQstatus(p->pg) == CONNECTION_OK)
        return EG_OK;
    if (c->depth > 0) {
        eg__set_err(c, "connection lost inside a transaction");
        return EG_EDB;
    }
    PQreset(p->pg);
    p->epoch++;
    if (PQstatus(p->pg) != CONNECTION_OK) {
        eg__set_err(c, "%s", PQerrorMessage(p->pg));
        return EG_EDB;
    }
    return session_setup(c);
}

/* ------------------------------------------------------------------ statements */

static int server_prepare(eg_conn *c, pg_stmt *s)
{
    pg_conn *p = pgc(c);
    snprintf(s->name, sizeof(s->name), "egs_%u", p->next_id++);
    PGresult *res = PQprepare(p->pg, s->name, s->sql, s->nparams, NULL);
    int rc = res && result_ok(res) ? EG_OK : map_result(c, res);
    PQclear(res);
    s->epoch = p->epoch;
    return rc;
}

static void free_decoded(pg_stmt *s)
{
    for (int i = 0; i < s->ndecoded; i++) {
        if (s->decoded[i])
            PQfreemem(s->decoded[i]);
        s->decoded[i] = NULL;
    }
}

static void clear_result(pg_stmt *s)
{
    free_decoded(s);
    free(s->decoded);
    free(s->decoded_len);
    s->decoded = NULL;
    s->decoded_len = NULL;
    s->ndecoded = 0;
    PQclear(s->res);
    s->res = NULL;
    s->row = -1;
    s->ntuples = 0;
}

static void clear_params(pg_stmt *s)
{
    for (int i = 0; i < s->nparams; i++) {
        free(s->values[i]);
        s->values[i] = NULL;
        s->lengths[i] = 0;
        s->formats[i] = 0;
    }
}

static void stmt_state_free(pg_stmt *s)
{
    clear_result(s);
    clear_params(s);
    free(s->values);
    free(s->lengths);
    free(s->formats);
    free(s->sql);
    free(s);
}

static int prepare(eg_conn *c, eg_stmt *st)
{
    int rc = conn_check(c);
    if (rc)
        return rc;
    pg_stmt *s = eg_calloc(1, sizeof(*s));
    eg_buf b = EG_BUF_INIT;
    s->nparams = eg__pg_rewrite(st->sql, &b);
    s->sql = eg_buf_steal(&b);
    s->row = -1;
    size_t np = s->nparams > 0 ? (size_t)s->nparams : 1;
    s->values = eg_calloc(np, sizeof(*s->values));
    s->lengths = eg_calloc(np, sizeof(*s->lengths));
    s->formats = eg_calloc(np, sizeof(*s->formats));
    rc = server_prepare(c, s);
    if (rc) {
        stmt_state_free(s);
        return rc;
    }
    st->impl = s;
    return EG_OK;
}

static void finalize(eg_stmt *st)
{
    pg_stmt *s = pgs(st);
    pg_conn *p = pgc(st->conn);
    /* Server-side statements die with the connection; drop them only from a live one. */
    if (!st->conn->closing && s->epoch == p->epoch && PQstatus(p->pg) == CONNECTION_OK &&
        PQtransactionStatus(p->pg) != PQTRANS_INERROR) {
        char sql[64];
        snprintf(sql, sizeof(sql), "DEALLOCATE %s", s->name);
        PQclear(PQexec(p->pg, sql));
    }
    stmt_state_free(s);
    st->impl = NULL;
}

static int param_count(eg_stmt *st)
{
    return pgs(st)->nparams;
}

static int set_param(eg_stmt *st, int idx, const void *p, size_t n, int binary)
{
    pg_stmt *s = pgs(st);
    if (n > INT32_MAX) {
        eg__set_err(st->conn, "parameter %d too large", idx);
        return EG_ETOOBIG;
    }
    free(s->values[idx - 1]);
    char *v = eg_malloc(n + 1);
    memcpy(v, p, n);
    v[n] = '\0';
    s->values[idx - 1] = v;
    s->lengths[idx - 1] = (int)n;
    s->formats[idx - 1] = binary;
    return EG_OK;
}

static int bind_text(eg_stmt *st, int idx, const char *str, size_t len)
{
    if (memchr(str, '\0', len)) {
        eg__set_err(st->conn, "text parameter %d contains a NUL byte", idx);
        return EG_EINVAL;
    }
    return set_param(st, idx, str, len, 0);
}

static int bind_int64(eg_stmt *st, int idx, int64_t v)
{
    char buf[32];
    int n = snprintf(buf, sizeof(buf), "%lld", (long long)v);
    return set_param(st, idx, buf, (size_t)n, 0);
}

static int bind_double(eg_stmt *st, int idx, double v)
{
    char buf[40];
    int n;
    if (isnan(v))
        n = snprintf(buf, sizeof(buf), "NaN");
    else if (isinf(v))
        n = snprintf(buf, sizeof(buf), "%sInfinity", v < 0 ? "-" : "");
    else
        n = snprintf(buf, sizeof(buf), "%.17g", v);
    return set_param(st, idx, buf, (size_t)n, 0);
}

static int bind_blob(eg_stmt *st, int idx, const void *p, size_t n)
{
    return set_param(st, idx, p, n, 1);
}

static int bind_null(eg_stmt *st, int idx)
{
    pg_stmt *s = pgs(st);
    free(s->values[idx - 1]);
    s->values[idx - 1] = NULL;
    s->lengths[idx - 1] = 0;
    s->formats[idx - 1] = 0;
    return EG_OK;
}

/* Runs the prepared statement with the bound parameters; keeps the result set. */
static int execute(eg_stmt *st)
{
    eg_conn *c = st->conn;
    pg_stmt *s = pgs(st);
    int rc = conn_check(c);
    if (rc)
        return rc;
    if (s->epoch != pgc(c)->epoch) {
        rc = server_prepare(c, s);
        if (rc)
            return rc;
    }
    PGresult *res = PQexecPrepared(pgc(c)->pg, s->name, s->nparams, (const char *const *)s->values,
                                   s->lengths, s->formats, 0);
    if (!res || !result_ok(res)) {
        rc = map_result(c, res);
        PQclear(res);
        return rc;
    }
    s->res = res;
    s->row = -1;
    s->ntuples = PQresultStatus(res) == PGRES_TUPLES_OK ? PQntuples(res) : 0;
    s->ndecoded = PQnfields(res);
    s->decoded = eg_calloc(s->ndecoded > 0 ? (size_t)s->ndecoded : 1, sizeof(*s->decoded));
    s->decoded_len = eg_calloc(s->ndecoded > 0 ? (size_t)s->ndecoded : 1, sizeof(*s->decoded_len));
    return EG_OK;
}

static int step(eg_stmt *st)
{
    pg_stmt *s = pgs(st);
    if (!s->res) {
        int rc = execute(st);
        if (rc)
            return rc;
    }
    free_decoded(s);
    s->row++;
    if (s->row < s->ntuples)
        return EG_ROW;
    s->changes = 0;
    const char *cmd = PQcmdStatus(s->res);
    if (eg_str_has_prefix(cmd, "INSERT") || eg_str_has_prefix(cmd, "UPDATE") ||
        eg_str_has_prefix(cmd, "DELETE") || eg_str_has_prefix(cmd, "MERGE")) {
        const char *ct = PQcmdTuples(s->res); /* for SELECT it would be the row count */
        s->changes = ct && *ct ? strtoll(ct, NULL, 10) : 0;
    }
    clear_result(s); /* like SQLite, the next step runs the statement again */
    return EG_DONE;
}

static int has_row(pg_stmt *s, int i)
{
    return s->res && s->row >= 0 && s->row < s->ntuples && i >= 0 && i < PQnfields(s->res);
}

static int col_count(eg_stmt *st)
{
    pg_stmt *s = pgs(st);
    return s->res ? PQnfields(s->res) : 0;
}

static const char *col_name(eg_stmt *st, int i)
{
    pg_stmt *s = pgs(st);
    return s->res ? PQfname(s->res, i) : NULL;
}

static int col_kind(eg_stmt *st, int i)
{
    pg_stmt *s = pgs(st);
    if (!has_row(s, i) || PQgetisnull(s->res, s->row, i))
        return EG__COL_NULL;
    switch (PQftype(s->res, i)) {
    case INT2OID:
    case INT4OID:
    case INT8OID:
    case OIDOID:
        return EG__COL_INT;
    case FLOAT4OID:
    case FLOAT8OID:
    case NUMERICOID:
        return EG__COL_REAL;
    case BOOLOID:
        return EG__COL_BOOL;
    case BYTEAOID:
        return EG__COL_BLOB;
    default:
        return EG__COL_TEXT;
    }
}

static const char *col_text(eg_stmt *st, int i)
{
    pg_stmt *s = pgs(st);
    if (!has_row(s, i) || PQgetisnull(s->res, s->row, i))
        return NULL;
    return PQgetvalue(s->res, s->row, i);
}

static int64_t col_int64(eg_stmt *st, int i)
{
    const char *v = col_text(st, i);
    if (!v)
        return 0;
    if (PQftype(pgs(st)->res, i) == BOOLOID)
        return v[0] == 't';
    return strtoll(v, NULL, 10);
}

static double col_double(eg_stmt *st, int i)
{
    const char *v = col_text(st, i);
    if (!v)
        return 0;
    if (PQftype(pgs(st)->res, i) == BOOLOID)
        return v[0] == 't';
    return strtod(v, NULL);
}

static const void *col_blob(eg_stmt *st, int i, size_t *n)
{
    pg_stmt *s = pgs(st);
    *n = 0;
    const char *v = col_text(st, i);
    if (!v)
        return NULL;
    if (PQftype(s->res, i) != BYTEAOID) {
        *n = (size_t)PQgetlength(s->res, s->row, i);
        return v;
    }
    if (!s->decoded[i]) {
        s->decoded[i] = PQunescapeBytea((const unsigned char *)v, &s->decoded_len[i]);
        if (!s->decoded[i])
            eg_oom(0);
    }
    *n = s->decoded_len[i];
    return s->decoded[i];
}

static int64_t changes(eg_stmt *st)
{
    return pgs(st)->changes;
}

static void reset(eg_stmt *st)
{
    pg_stmt *s = pgs(st);
    clear_result(s);
    clear_params(s);
}

/* ------------------------------------------------------------------ transactions */

static int begin(eg_conn *c)
{
    int rc = conn_check(c);
    if (rc)
        return rc;
    return exec_script(c, "BEGIN");
}

static int commit(eg_conn *c)
{
    PGresult *res = PQexec(pgc(c)->pg, "COMMIT");
    int rc = EG_OK;
    if (!res || !result_ok(res))
        rc = map_result(c, res);
    else if (strcmp(PQcmdStatus(res), "ROLLBACK") == 0) {
        /* COMMIT of a transaction aborted by an earlier error silently rolls back */
        eg__set_err(c, "transaction aborted by an earlier error was rolled back");
        rc = EG_EDB;
    }
    PQclear(res);
    return rc;
}

static int rollback(eg_conn *c)
{
    return exec_script(c, "ROLLBACK");
}

static int tx_lost(eg_conn *c)
{
    PGTransactionStatusType t = PQtransactionStatus(pgc(c)->pg);
    return t != PQTRANS_INTRANS && t != PQTRANS_INERROR && t != PQTRANS_ACTIVE;
}

const struct eg_backend eg__pg_backend = {
    .name = "postgresql",
    .kind = EG_DB_POSTGRES,
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
    .id_type = "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
    .blob_type = "BYTEA",
    .migrate_lock_sql = "SELECT pg_advisory_xact_lock(7306916185170736999)",
};
