/*
 * audit.c - append-only, hash-chained audit records with signed checkpoints.
 *
 * Record n carries hash_n = SHA-256(hash_{n-1} "\n" canonical(record_n)), where the canonical
 * form lists every column in a fixed order. Writers serialise on the single audit_head row
 * (an UPDATE ... RETURNING takes its lock on both backends), which also hands out the
 * contiguous record id, so a deleted record leaves a gap that verification sees.
 * Checkpoints sign (last_id, last_hash) with the platform's Ed25519 key: rewriting the whole
 * chain after an edit would need that key.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sodium.h>
#include "audit/audit.h"

#define ZERO_HASH "0000000000000000000000000000000000000000000000000000000000000000"

static void canonical(eg_buf *b, int64_t id, const char *ts, const char *actor, const char *action,
                      const char *otype, const char *oid, const char *agency, const char *rid,
                      const char *addr, const char *detail)
{
    const char *f[] = {ts, actor, action, otype, oid, agency, rid, addr, detail};
    eg_buf_printf(b, "%lld", (long long)id);
    for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++)
        eg_chain_field(b, f[i]);
}

void eg_chain_field(eg_buf *b, const char *s)
{
    /* Length-prefixed so no field can smuggle a separator. NULL differs from "". */
    if (s)
        eg_buf_printf(b, "|%zu:%s", strlen(s), s);
    else
        eg_buf_puts(b, "|-");
}

void eg_chain_link(const char *prev, const void *canon, size_t n, char out[65])
{
    eg_buf b = EG_BUF_INIT;
    eg_buf_puts(&b, prev);
    eg_buf_putc(&b, '\n');
    eg_buf_append(&b, canon, n);
    eg_sha256_hex(b.data, b.len, out);
    eg_buf_free(&b);
}

static void chain_hash(const char *prev, const eg_buf *canon, char out[65])
{
    eg_chain_link(prev, canon->data ? canon->data : "", canon->len, out);
}

static void head_message(eg_buf *b, const char *domain, int64_t last_id, const char *last_hash)
{
    eg_buf_printf(b, "%s\n%lld\n%s", domain, (long long)last_id, last_hash);
}

void eg_chain_sign(const unsigned char *sk, const char *domain, int64_t last_id,
                   const char *last_hash, char sighex[129])
{
    eg_buf m = EG_BUF_INIT;
    head_message(&m, domain, last_id, last_hash);
    unsigned char sig[crypto_sign_BYTES];
    crypto_sign_detached(sig, NULL, (unsigned char *)m.data, m.len, sk);
    eg_buf_free(&m);
    eg_hex(sig, sizeof(sig), sighex);
}

int eg_chain_verify(const unsigned char *pk, const char *domain, int64_t last_id,
                    const char *last_hash, const char *sighex)
{
    if (!sighex || strlen(sighex) != 2 * crypto_sign_BYTES || !last_hash)
        return 0;
    unsigned char sig[crypto_sign_BYTES];
    for (size_t i = 0; i < crypto_sign_BYTES; i++) {
        unsigned v;
        if (sscanf(sighex + 2 * i, "%2x", &v) != 1)
            return 0;
        sig[i] = (unsigned char)v;
    }
    eg_buf m = EG_BUF_INIT;
    head_message(&m, domain, last_id, last_hash);
    int ok = crypto_sign_verify_detached(sig, (unsigned char *)m.data, m.len, pk) == 0;
    eg_buf_free(&m);
    return ok;
}

/* Appends one record on c, inside the caller's transaction when there is one. */
int eg_audit_append(eg_conn *c, const eg_audit_event *ev)
{
    EG_ASSERT(ev && ev->action);
    int own_tx = eg_tx_depth(c) == 0;
    int rc = own_tx ? eg_tx_begin(c) : EG_OK;
    if (rc)
        return rc;

    eg_stmt *st = NULL;
    rc = eg_query(c, &st,
                  "UPDATE audit_head SET count = count + 1 WHERE id = 1 "
                  "RETURNING count, last_hash",
                  "");
    if (!rc)
        rc = eg_step(st);
    if (rc != EG_ROW) {
        eg_stmt_done(st);
        goto fail;
    }
    int64_t id = eg_col_int64(st, 0);
    char prev[65];
    snprintf(prev, sizeof(prev), "%s", eg_col_text(st, 1));
    eg_stmt_done(st);

    char ts[25];
    eg_time_iso_ms(eg_now_ms(), ts);
    eg_buf detail = EG_BUF_INIT;
    if (ev->detail) {
        char *s = json_dumps(ev->detail, JSON_COMPACT | JSON_SORT_KEYS);
        if (s) {
            eg_buf_puts(&detail, s);
            free(s);
        }
    }
    const char *det = ev->detail ? eg_buf_cstr(&detail) : NULL;
    const char *actor = ev->actor ? ev->actor : "system";
    eg_buf canon = EG_BUF_INIT;
    canonical(&canon, id, ts, actor, ev->action, ev->object_type, ev->object_id, ev->agency,
              ev->request_id, ev->client_addr, det);
    char hash[65];
    chain_hash(prev, &canon, hash);
    eg_buf_free(&canon);

    rc = eg_exec(c, NULL,
                 "INSERT INTO audit_log (id, ts, actor, action, object_type, object_id, agency, "
                 "request_id, client_addr, detail, prev_hash, hash) "
                 "VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                 "lttttttttttt", id, ts, actor, ev->action, ev->object_type, ev->object_id,
                 ev->agency, ev->request_id, ev->client_addr, det, prev, hash);
    eg_buf_free(&detail);
    if (!rc)
        rc = eg_exec(c, NULL, "UPDATE audit_head SET last_hash = ? WHERE id = 1", "t", hash);
    if (rc)
        goto fail;
    return own_tx ? eg_tx_commit(c) : EG_OK;
fail:
    if (rc >= 0)
        rc = EG_EDB;
    if (own_tx)
        eg_tx_rollback(c);
    return rc;
}

/* ------------------------------------------------------------------ keys */

static int key_path(const char *data_dir, char *out, size_t n)
{
    if ((size_t)snprintf(out, n, "%s/keys/audit.key", data_dir) >= n)
        return EG_EINVAL;
    return EG_OK;
}

/* Creates <data_dir>/keys/audit.key (32-byte Ed25519 seed, mode 0600) unless it exists. */
int eg_audit_keygen(const char *data_dir)
{
    char path[4096], dir[4096];
    if (key_path(data_dir, path, sizeof(path)))
        return EG_EINVAL;
    if (eg_path_exists(path))
        return EG_OK;
    snprintf(dir, sizeof(dir), "%s/keys", data_dir);
    if (eg_mkdir_p(dir, 0700))
        return EG_EIO;
    unsigned char seed[crypto_sign_SEEDBYTES];
    eg_random(seed, sizeof(seed));
    int rc = eg_write_file_atomic(path, seed, sizeof(seed), 0600);
    sodium_memzero(seed, sizeof(seed));
    return rc;
}

static int load_keypair(const char *data_dir, unsigned char pk[crypto_sign_PUBLICKEYBYTES],
                        unsigned char sk[crypto_sign_SECRETKEYBYTES])
{
    char path[4096];
    if (key_path(data_dir, path, sizeof(path)))
        return EG_EINVAL;
    eg_buf seed = EG_BUF_INIT;
    int rc = eg_read_file(path, 64, &seed);
    if (!rc && seed.len != crypto_sign_SEEDBYTES)
        rc = EG_EINVAL;
    if (!rc && sodium_init() < 0)
        rc = EG_EINTERNAL;
    if (!rc)
        crypto_sign_seed_keypair(pk, sk, (unsigned char *)seed.data);
    if (seed.data)
        sodium_memzero(seed.data, seed.len);
    eg_buf_free(&seed);
    return rc;
}

#define AUDIT_DOMAIN "egov-audit-checkpoint"

int eg_chain_checkpoint(eg_conn *c, const char *head_table, const char *ckpt_table,
                        const char *domain, const unsigned char *pk, const unsigned char *sk,
                        int sign_empty)
{
    char sql[200];
    int rc = eg_tx_begin(c);
    if (rc)
        return rc;
    eg_stmt *st = NULL;
    snprintf(sql, sizeof(sql), "SELECT count, last_hash FROM %s WHERE id = 1", head_table);
    rc = eg_query(c, &st, sql, "");
    if (!rc && eg_step(st) != EG_ROW)
        rc = EG_EDB;
    if (rc) {
        eg_stmt_done(st);
        eg_tx_rollback(c);
        return rc;
    }
    int64_t last_id = eg_col_int64(st, 0);
    char last_hash[65];
    snprintf(last_hash, sizeof(last_hash), "%s", eg_col_text(st, 1));
    eg_stmt_done(st);
    int64_t newest = -1;
    snprintf(sql, sizeof(sql), "SELECT MAX(last_id) FROM %s", ckpt_table);
    if ((sign_empty || last_id > 0) && (eg_query_int64(c, &newest, sql, "") || newest != last_id)) {
        char sighex[2 * crypto_sign_BYTES + 1], pkhex[2 * crypto_sign_PUBLICKEYBYTES + 1];
        eg_chain_sign(sk, domain, last_id, last_hash, sighex);
        eg_hex(pk, crypto_sign_PUBLICKEYBYTES, pkhex);
        char ts[25];
        eg_time_iso_ms(eg_now_ms(), ts);
        snprintf(sql, sizeof(sql),
                 "INSERT INTO %s (ts, last_id, last_hash, public_key, signature) "
                 "VALUES (?,?,?,?,?)",
                 ckpt_table);
        rc = eg_exec(c, NULL, sql, "tlttt", ts, last_id, last_hash, pkhex, sighex);
    }
    return rc ? (eg_tx_rollback(c), rc) : eg_tx_commit(c);
}

/* Signs the current chain head. A head equal to the newest checkpoint is not re-signed. */
int eg_audit_checkpoint(eg_db *db, const char *data_dir)
{
    unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
    int rc = load_keypair(data_dir, pk, sk);
    if (rc)
        return rc;
    rc = eg_chain_checkpoint(eg_db_conn(db), "audit_head", "audit_checkpoint", AUDIT_DOMAIN, pk, sk,
                             1);
    sodium_memzero(sk, sizeof(sk));
    return rc;
}

/* ------------------------------------------------------------------ verify */

static int verify_checkpoints(eg_conn *c, const unsigned char *pk, int64_t count, char *msg,
                              size_t msglen)
{
    eg_stmt *st = NULL;
    int rc = eg_query(c, &st,
                      "SELECT k.id, k.last_id, k.last_hash, k.signature, l.hash "
                      "FROM audit_checkpoint k LEFT JOIN audit_log l ON l.id = k.last_id "
                      "ORDER BY k.id",
                      "");
    if (rc)
        return rc;
    while ((rc = eg_step(st)) == EG_ROW) {
        int64_t kid = eg_col_int64(st, 0), last_id = eg_col_int64(st, 1);
        const char *last_hash = eg_col_text(st, 2), *sighex = eg_col_text(st, 3);
        const char *now_hash = eg_col_text(st, 4);
        int bad = !eg_chain_verify(pk, AUDIT_DOMAIN, last_id, last_hash, sighex);
        if (bad) {
            snprintf(msg, msglen, "checkpoint %lld: bad signature", (long long)kid);
            eg_stmt_done(st);
            return EG_ECONFLICT;
        }
        if (last_id > 0 && (!now_hash || strcmp(now_hash, last_hash) != 0)) {
            snprintf(msg, msglen, "record %lld: does not match signed checkpoint %lld",
                     (long long)last_id, (long long)kid);
            eg_stmt_done(st);
            return EG_ECONFLICT;
        }
        if (last_id > count) {
            snprintf(msg, msglen, "record %lld: missing (checkpoint %lld covers it)",
                     (long long)count + 1, (long long)kid);
            eg_stmt_done(st);
            return EG_ECONFLICT;
        }
    }
    eg_stmt_done(st);
    return rc == EG_DONE ? EG_OK : rc;
}

/* A read snapshot so a server writing meanwhile cannot make chain and head disagree:
 * SQLite's deferred BEGIN reads one WAL snapshot; PostgreSQL needs REPEATABLE READ. */
static int begin_snapshot(eg_db *db, eg_conn *c)
{
    if (eg_db_backend(db) == EG_DB_POSTGRES)
        return eg_exec_script(c, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    return eg_exec_script(c, "BEGIN");
}

static int verify_chain(eg_db *db, const char *data_dir, int64_t *count, char *msg, size_t msglen);

int eg_audit_verify(eg_db *db, const char *data_dir, int64_t *count, char *msg, size_t msglen)
{
    eg_conn *c = eg_db_conn(db);
    int rc = begin_snapshot(db, c);
    if (rc)
        return rc;
    rc = verify_chain(db, data_dir, count, msg, msglen);
    eg_exec_script(c, "ROLLBACK");
    return rc;
}

static int verify_chain(eg_db *db, const char *data_dir, int64_t *count, char *msg, size_t msglen)
{
    eg_conn *c = eg_db_conn(db);
    eg_stmt *st = NULL;
    int rc = eg_query(c, &st,
                      "SELECT id, ts, actor, action, object_type, object_id, agency, "
                      "request_id, client_addr, detail, prev_hash, hash FROM audit_log "
                      "ORDER BY id",
                      "");
    if (rc)
        return rc;
    char prev[65] = ZERO_HASH;
    int64_t expect = 1;
    eg_buf canon = EG_BUF_INIT;
    while ((rc = eg_step(st)) == EG_ROW) {
        int64_t id = eg_col_int64(st, 0);
        if (id != expect) {
            snprintf(msg, msglen, "record %lld: missing (next present is %lld)", (long long)expect,
                     (long long)id);
            rc = EG_ECONFLICT;
            break;
        }
        const char *prev_col = eg_col_text(st, 10), *hash_col = eg_col_text(st, 11);
        eg_buf_reset(&canon);
        canonical(&canon, id, eg_col_text(st, 1), eg_col_text(st, 2), eg_col_text(st, 3),
                  eg_col_text(st, 4), eg_col_text(st, 5), eg_col_text(st, 6), eg_col_text(st, 7),
                  eg_col_text(st, 8), eg_col_text(st, 9));
        char h[65];
        chain_hash(prev, &canon, h);
        if (!prev_col || strcmp(prev_col, prev) != 0 || !hash_col || strcmp(hash_col, h) != 0) {
            snprintf(msg, msglen, "record %lld: hash mismatch (edited or inserted)", (long long)id);
            rc = EG_ECONFLICT;
            break;
        }
        memcpy(prev, h, sizeof(prev));
        expect++;
    }
    eg_buf_free(&canon);
    eg_stmt_done(st);
    if (rc != EG_DONE)
        return rc == EG_ROW ? EG_EDB : rc;
    *count = expect - 1;

    /* The head must agree with the chain: a truncated tail shows up here. */
    eg_stmt *hs = NULL;
    rc = eg_query(c, &hs, "SELECT count, last_hash FROM audit_head WHERE id = 1", "");
    if (!rc && eg_step(hs) != EG_ROW)
        rc = EG_EDB;
    if (!rc && (eg_col_int64(hs, 0) != *count || strcmp(eg_col_text(hs, 1), prev) != 0)) {
        snprintf(msg, msglen, "record %lld: missing (chain head records %lld)",
                 (long long)*count + 1, (long long)eg_col_int64(hs, 0));
        rc = EG_ECONFLICT;
    }
    eg_stmt_done(hs);
    if (rc)
        return rc;

    unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
    if (data_dir && load_keypair(data_dir, pk, sk) == EG_OK) {
        sodium_memzero(sk, sizeof(sk));
        rc = verify_checkpoints(c, pk, *count, msg, msglen);
    }
    return rc;
}

int eg_audit_list(eg_conn *c, const eg_audit_filter *f, json_t **items)
{
    int limit = f->limit <= 0 || f->limit > 500 ? 50 : f->limit;
    int rc = eg_query_json(
        c, items,
        "SELECT id, ts, actor, action, object_type, object_id, agency, request_id, client_addr, "
        "detail, hash FROM audit_log WHERE (CAST(? AS TEXT) IS NULL OR object_type = ?) "
        "AND (CAST(? AS TEXT) IS NULL OR object_id = ?) AND (CAST(? AS TEXT) IS NULL OR actor = ?) "
        "AND (CAST(? AS TEXT) IS NULL OR substr(action, 1, length(CAST(? AS TEXT))) = ?) "
        "AND (CAST(? AS TEXT) IS NULL OR agency = ?) AND (CAST(? AS TEXT) IS NULL OR ts >= ?) "
        "AND (CAST(? AS TEXT) IS NULL OR ts < ?) AND (? <= 0 OR id < ?) ORDER BY id DESC LIMIT ?",
        "tttttttttttttttlli", f->object_type, f->object_type, f->object_id, f->object_id, f->actor,
        f->actor, f->action, f->action, f->action, f->agency, f->agency, f->from, f->from, f->to,
        f->to, f->before_id, f->before_id, limit);
    if (rc)
        return rc;
    size_t i;
    json_t *row;
    json_array_foreach(*items, i, row)
    {
        const char *d = json_string_value(json_object_get(row, "detail"));
        json_t *obj = d ? json_loads(d, 0, NULL) : NULL;
        json_object_set_new(row, "detail", obj ? obj : json_null());
    }
    return EG_OK;
}
