/*
 * msglog.c - the LGSP message log: one record per exchange, hash-chained, with signed
 * checkpoints, written by a single writer thread in batches (group commit).
 *
 * Durability choice: the gateway hands its record to a bounded in-memory queue and, with
 * lgsp.log_sync = 1 (the default), waits until the writer has COMMITTED the batch holding
 * it before the response goes back to the consumer. So an acknowledged exchange is always
 * on disk, and under load many requests share one transaction (and one fsync) instead of
 * each paying its own: the log write stays off the per-request critical path in cost, not
 * in ordering. With log_sync = 0 the reply does not wait (records of the last few
 * milliseconds may be lost on a crash; documented in the README). When the queue holds
 * log_queue_max records the gateway refuses new calls (503) before forwarding anything.
 *
 * Record n: hash_n = SHA-256(hash_{n-1} "\n" canonical(record_n)); ids are contiguous from
 * lgsp_log_head.base_id (records archived away move the base). Checkpoints sign
 * (last_id, last_hash) with the Ed25519 key <data_dir>/keys/lgsp-log.key.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <fcntl.h>
#include <unistd.h>
#include <semaphore.h>
#include <sodium.h>
#include "lgsp/internal.h"
#include "audit/audit.h"

#define ZERO_HASH "0000000000000000000000000000000000000000000000000000000000000000"
#define BATCH_MAX 512

lgsp_record *eg__lgsp_record_new(void)
{
    return eg_calloc(1, sizeof(lgsp_record));
}

void eg__lgsp_record_free(lgsp_record *r)
{
    if (!r)
        return;
    free(r->client_id);
    free(r->service_code);
    free(r->service_version);
    free(r->method);
    free(r->path);
    free(r->user_id);
    free(r->issue);
    free(r->error_type);
    free(r->request_body);
    free(r->response_body);
    free(r);
}

/* The canonical text of a record: every logged column in a fixed order. */
static void canonical(eg_buf *b, int64_t id, const char *const txt[14], const int64_t num[7])
{
    eg_buf_printf(b, "%lld", (long long)id);
    for (int i = 0; i < 14; i++)
        eg_chain_field(b, txt[i]); /* the audit log's encoding (audit.h) */
    for (int i = 0; i < 7; i++)
        eg_buf_printf(b, "|%lld", (long long)num[i]);
}

static void chain(const char *prev, const eg_buf *canon, char out[65])
{
    eg_chain_link(prev, canon->data ? canon->data : "", canon->len, out);
}

static const char *const COLS =
    "xroad_id, request_id, side, client_id, service_code, service_version, method, path, "
    "user_id, issue, error_type, request_sha256, response_sha256, status, request_in_ms, "
    "request_out_ms, response_in_ms, response_out_ms, request_size, response_size";

static int write_batch(eg_conn *c, lgsp_record *list)
{
    int rc = eg_tx_begin(c);
    if (rc)
        return rc;
    eg_stmt *st = NULL;
    rc = eg_query(c, &st, "SELECT count, last_hash FROM lgsp_log_head WHERE id = 1", "");
    if (!rc && eg_step(st) != EG_ROW)
        rc = EG_EDB;
    if (rc) {
        eg_stmt_done(st);
        eg_tx_rollback(c);
        return rc;
    }
    int64_t id = eg_col_int64(st, 0);
    char prev[65];
    snprintf(prev, sizeof(prev), "%s", eg_col_text(st, 1));
    eg_stmt_done(st);
    for (lgsp_record *r = list; r && !rc; r = r->next) {
        id++;
        char status[16];
        snprintf(status, sizeof(status), "%d", r->status);
        const char *txt[14] = {r->xroad_id,
                               r->request_id[0] ? r->request_id : NULL,
                               r->side,
                               r->client_id,
                               r->service_code,
                               r->service_version,
                               r->method,
                               r->path,
                               r->user_id,
                               r->issue,
                               r->error_type,
                               r->request_sha256,
                               r->response_sha256,
                               status};
        const int64_t num[7] = {r->request_in_ms,
                                r->request_out_ms,
                                r->response_in_ms,
                                r->response_out_ms,
                                r->request_size,
                                r->response_size,
                                0};
        eg_buf canon = EG_BUF_INIT;
        canonical(&canon, id, txt, num);
        char hash[65];
        chain(prev, &canon, hash);
        eg_buf_free(&canon);
        rc = eg_exec(c, NULL,
                     "INSERT INTO lgsp_message (id, xroad_id, request_id, side, client_id, "
                     "service_code, service_version, method, path, user_id, issue, error_type, "
                     "request_sha256, response_sha256, status, request_in_ms, request_out_ms, "
                     "response_in_ms, response_out_ms, request_size, response_size, "
                     "request_body, response_body, prev_hash, hash) "
                     "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                     "l"
                     "ttttttttttttt"
                     "i"
                     "llllll"
                     "bb"
                     "tt",
                     id, txt[0], txt[1], txt[2], txt[3], txt[4], txt[5], txt[6], txt[7], txt[8],
                     txt[9], txt[10], txt[11], txt[12], r->status, r->request_in_ms,
                     r->request_out_ms, r->response_in_ms, r->response_out_ms, r->request_size,
                     r->response_size, r->request_body, r->request_body_len, r->response_body,
                     r->response_body_len, prev, hash);
        memcpy(prev, hash, sizeof(prev));
    }
    if (!rc)
        rc = eg_exec(c, NULL, "UPDATE lgsp_log_head SET count = ?, last_hash = ? WHERE id = 1",
                     "lt", id, prev);
    if (rc) {
        eg_tx_rollback(c);
        return rc;
    }
    return eg_tx_commit(c);
}

/* Last resort when the database refuses a batch for ~10 s: the records are appended (and
 * fsynced) to <data_dir>/lgsp-log-spill.jsonl so an acknowledged exchange is never lost;
 * an operator re-imports them. They are outside the hash chain. */
static void spill(lgsp_state *s, lgsp_record *list)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/lgsp-log-spill.jsonl", s->app->data_dir);
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        eg_log(EG_LOG_ERROR, "lgsp", NULL, "cannot open the spill file", "path", path, NULL);
        return;
    }
    for (lgsp_record *r = list; r; r = r->next) {
        json_t *j = json_pack(
            "{s:s, s:s?, s:s?, s:s?, s:s?, s:s?, s:i, s:I, s:I, s:s, s:s}", "xroad_id", r->xroad_id,
            "client_id", r->client_id, "service_code", r->service_code, "method", r->method, "path",
            r->path, "user_id", r->user_id, "status", r->status, "request_in_ms",
            (json_int_t)r->request_in_ms, "response_out_ms", (json_int_t)r->response_out_ms,
            "request_sha256", r->request_sha256, "response_sha256", r->response_sha256);
        eg_buf b = EG_BUF_INIT;
        eg_json_dump_buf(&b, j);
        eg_buf_putc(&b, '\n');
        json_decref(j);
        if (write(fd, b.data, b.len) != (ssize_t)b.len)
            eg_log(EG_LOG_ERROR, "lgsp", NULL, "spill write failed", "path", path, NULL);
        eg_buf_free(&b);
    }
    fsync(fd);
    close(fd);
}

/* Takes up to BATCH_MAX records from the queue head. Called with mu held. */
static lgsp_record *take_batch(lgsp_state *s, int *n_out)
{
    lgsp_record *list = s->head, *last = list;
    int n = 1;
    while (last->next && n < BATCH_MAX) {
        last = last->next;
        n++;
    }
    s->head = last->next;
    if (!s->head)
        s->tail = NULL;
    last->next = NULL;
    *n_out = n;
    return list;
}

/* Writes one batch (mu NOT held): commit with retries, the spill file as the last resort.
 * Then, under mu, marks it done, wakes its waiters (but self, the leader's own semaphore) and
 * hands leadership on. Returns with mu held and s->leader cleared. */
static void commit_batch(lgsp_state *s, lgsp_record *list, int n, const sem_t *self)
{
    /* Always the writer thread's connection (leaders are exclusive, and the connection is
     * opened without a mutex for one user at a time): its page cache stays warm, where each
     * request thread's own connection would re-read the log's pages after every commit. */
    eg_conn *c = s->wconn ? s->wconn : eg_db_conn(s->app->db);
    int rc;
    int attempt = 0;
    while ((rc = write_batch(c, list)) != 0) {
        s->write_errors++;
        if (attempt++ % 50 == 0)
            eg_log(EG_LOG_ERROR, "lgsp", NULL, "message log write failed, retrying", "error",
                   eg_strerror(rc), "db", eg_conn_errmsg(c), NULL);
        if (attempt >= 100) { /* ~10 s: keep the records in the fallback file, move on */
            spill(s, list);
            break;
        }
        struct timespec ts = {0, 100 * 1000000L};
        nanosleep(&ts, NULL);
    }
    /* Committed (or spilled and fsynced): wake exactly the threads of this batch. */
    sem_t *wake[BATCH_MAX];
    int nw = 0;
    int64_t seq = 0;
    while (list) {
        lgsp_record *nx = list->next;
        seq = list->seq;
        if (list->waiter && list->waiter != self)
            wake[nw++] = list->waiter;
        eg__lgsp_record_free(list);
        list = nx;
    }
    pthread_mutex_lock(&s->mu);
    s->pending -= n;
    s->done_seq = seq;
    s->batches++;
    s->batched += n;
    s->leader = 0;
    /* Whoever waits at the head of the queue leads the next batch; records nobody waits
     * for go to the writer thread. */
    if (s->head && s->head->waiter)
        sem_post(s->head->waiter);
    else if (s->head)
        pthread_cond_signal(&s->cv_work);
    for (int i = 0; i < nw; i++)
        sem_post(wake[i]);
}

/* The writer thread: commits the records nobody waits for (log_sync = 0, the queue and
 * federation threads) and drains the queue at shutdown. */
static void *writer_main(void *arg)
{
    lgsp_state *s = arg;
    eg_conn *own = eg_db_conn(s->app->db);
    pthread_mutex_lock(&s->mu);
    s->wconn = own;
    pthread_cond_broadcast(&s->cv_done);
    for (;;) {
        while ((!s->head || s->leader) && !s->stop) {
            s->writer_idle = 1;
            pthread_cond_wait(&s->cv_work, &s->mu);
        }
        s->writer_idle = 0;
        if (s->leader) { /* stopping while a leader writes: wait for it */
            pthread_mutex_unlock(&s->mu);
            struct timespec ts = {0, 1000000L};
            nanosleep(&ts, NULL);
            pthread_mutex_lock(&s->mu);
            continue;
        }
        if (!s->head && s->stop)
            break;
        s->leader = 1;
        int n = 0;
        lgsp_record *list = take_batch(s, &n);
        pthread_mutex_unlock(&s->mu);
        commit_batch(s, list, n, NULL); /* returns with mu held */
    }
    s->wconn = NULL; /* the connection goes with this thread */
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

void eg__lgsp_log_start(lgsp_state *s)
{
    if (s->writer_started)
        return;
    s->stop = 0;
    pthread_create(&s->writer, NULL, writer_main, s);
    pthread_mutex_lock(&s->mu);
    while (!s->wconn)
        pthread_cond_wait(&s->cv_done, &s->mu);
    s->writer_started = 1;
    pthread_mutex_unlock(&s->mu);
}

/* Drains the queue and joins the writer. */
void eg__lgsp_log_stop(lgsp_state *s)
{
    if (!s->writer_started)
        return;
    pthread_mutex_lock(&s->mu);
    s->stop = 1;
    pthread_cond_broadcast(&s->cv_work);
    pthread_mutex_unlock(&s->mu);
    pthread_join(s->writer, NULL);
}

int eg__lgsp_log_has_room(lgsp_state *s)
{
    pthread_mutex_lock(&s->mu);
    int ok = s->writer_started && s->pending < s->queue_max;
    pthread_mutex_unlock(&s->mu);
    return ok;
}

void eg__lgsp_log_enter(lgsp_state *s, lgsp_record *rec)
{
    rec->counted = 1;
    __atomic_add_fetch(&s->inflight, 1, __ATOMIC_RELAXED);
}

/* Called by a new leader with mu held: while gateway calls are still on their way to the
 * queue, waits for them up to commit_delay_us, so one fsync covers more records under load
 * (PostgreSQL's commit_delay). A lone call does not wait: nothing else is in flight. */
static void gather(lgsp_state *s)
{
    if (__atomic_load_n(&s->inflight, __ATOMIC_RELAXED) <= 0)
        return;
    struct timespec dl;
    clock_gettime(CLOCK_REALTIME, &dl);
    dl.tv_nsec += (long)(s->commit_delay_us * 1000);
    while (dl.tv_nsec >= 1000000000L) {
        dl.tv_sec++;
        dl.tv_nsec -= 1000000000L;
    }
    s->delaying = 1;
    while (__atomic_load_n(&s->inflight, __ATOMIC_RELAXED) > 0 && s->pending < BATCH_MAX)
        if (pthread_cond_timedwait(&s->cv_batch, &s->mu, &dl) != 0)
            break;
    s->delaying = 0;
}

/*
 * Group commit with a leader (log_sync = 1): the submitting thread queues its record; if no
 * batch is being written it becomes the leader, takes everything queued, writes and commits
 * it (one transaction, one fsync), wakes the threads whose records were in it and hands the
 * lead to the thread at the head of what queued meanwhile. The others sleep on their own
 * semaphore until their record is committed or they are asked to lead. The log is written by
 * the request threads themselves, so it gets their share of the CPU instead of one writer
 * thread's, and batches grow with the load. Spurious wake-ups are harmless: the loop
 * re-checks done_seq.
 */
int eg__lgsp_log_submit(lgsp_state *s, lgsp_record *rec)
{
    pthread_mutex_lock(&s->mu);
    if (!s->writer_started || s->stop) {
        if (rec->counted)
            __atomic_sub_fetch(&s->inflight, 1, __ATOMIC_RELAXED);
        pthread_mutex_unlock(&s->mu);
        /* No writer (CLI use, shutdown): write synchronously on this thread. */
        rec->next = NULL;
        int rc = write_batch(eg_db_conn(s->app->db), rec);
        eg__lgsp_record_free(rec);
        return rc;
    }
    static _Thread_local sem_t tl_sem;
    static _Thread_local int tl_sem_ready;
    if (s->log_sync && !tl_sem_ready) {
        sem_init(&tl_sem, 0, 0);
        tl_sem_ready = 1;
    }
    rec->next = NULL;
    rec->waiter = s->log_sync ? &tl_sem : NULL;
    rec->seq = ++s->enq_seq;
    int64_t seq = rec->seq;
    if (s->tail)
        s->tail->next = rec;
    else
        s->head = rec;
    s->tail = rec;
    s->pending++;
    if (rec->counted)
        __atomic_sub_fetch(&s->inflight, 1, __ATOMIC_RELAXED);
    if (s->delaying)
        pthread_cond_signal(&s->cv_batch);
    if (!s->log_sync) {
        if (s->writer_idle && !s->leader)
            pthread_cond_signal(&s->cv_work);
        pthread_mutex_unlock(&s->mu);
        return EG_OK;
    }
    while (s->done_seq < seq) {
        if (!s->leader && s->head) {
            s->leader = 1;
            if (s->commit_delay_us > 0)
                gather(s);
            int n = 0;
            lgsp_record *list = take_batch(s, &n);
            pthread_mutex_unlock(&s->mu);
            commit_batch(s, list, n, &tl_sem); /* returns with mu held */
            continue;
        }
        pthread_mutex_unlock(&s->mu);
        while (sem_wait(&tl_sem) != 0) /* EINTR */
            ;
        pthread_mutex_lock(&s->mu);
    }
    pthread_mutex_unlock(&s->mu);
    return EG_OK;
}

/* ------------------------------------------------------------------ keys, checkpoints */

int eg__lgsp_keypair(const char *data_dir, int create, unsigned char *pk, unsigned char *sk)
{
    char path[4096], dir[4096];
    snprintf(path, sizeof(path), "%s/keys/lgsp-log.key", data_dir);
    if (sodium_init() < 0)
        return EG_EINTERNAL;
    if (!eg_path_exists(path)) {
        if (!create)
            return EG_ENOTFOUND;
        snprintf(dir, sizeof(dir), "%s/keys", data_dir);
        if (eg_mkdir_p(dir, 0700))
            return EG_EIO;
        unsigned char seed[crypto_sign_SEEDBYTES];
        eg_random(seed, sizeof(seed));
        int rc = eg_write_file_atomic(path, seed, sizeof(seed), 0600);
        sodium_memzero(seed, sizeof(seed));
        if (rc)
            return rc;
    }
    eg_buf seed = EG_BUF_INIT;
    int rc = eg_read_file(path, 64, &seed);
    if (!rc && seed.len != crypto_sign_SEEDBYTES)
        rc = EG_EINVAL;
    if (!rc)
        crypto_sign_seed_keypair(pk, sk, (unsigned char *)seed.data);
    if (seed.data)
        sodium_memzero(seed.data, seed.len);
    eg_buf_free(&seed);
    return rc;
}

#define LOG_DOMAIN "egov-lgsp-log-checkpoint" /* signed: LOG_DOMAIN "\n" last_id "\n" hash */

int eg_lgsp_log_checkpoint(eg_db *db, const char *data_dir)
{
    unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
    int rc = eg__lgsp_keypair(data_dir, 1, pk, sk);
    if (rc)
        return rc;
    rc = eg_chain_checkpoint(eg_db_conn(db), "lgsp_log_head", "lgsp_log_checkpoint", LOG_DOMAIN, pk,
                             sk, 0);
    sodium_memzero(sk, sizeof(sk));
    return rc;
}

/* ------------------------------------------------------------------ verification */

int eg_lgsp_verify_log(eg_db *db, const char *data_dir, int64_t *count, char *msg, size_t msglen)
{
    *count = 0;
    msg[0] = '\0';
    eg_conn *c = eg_db_conn(db);
    eg_stmt *st = NULL;
    int rc = eg_query(c, &st,
                      "SELECT count, last_hash, base_id, base_hash FROM lgsp_log_head "
                      "WHERE id = 1",
                      "");
    if (!rc && eg_step(st) != EG_ROW)
        rc = EG_EDB;
    if (rc) {
        eg_stmt_done(st);
        snprintf(msg, msglen, "cannot read the log head");
        return rc ? rc : EG_EDB;
    }
    int64_t head_count = eg_col_int64(st, 0), base_id = eg_col_int64(st, 2);
    char head_hash[65], prev[65];
    snprintf(head_hash, sizeof(head_hash), "%s", eg_col_text(st, 1));
    snprintf(prev, sizeof(prev), "%s", eg_col_text(st, 3));
    eg_stmt_done(st);

    eg_buf sql = EG_BUF_INIT;
    eg_buf_printf(&sql,
                  "SELECT id, %s, request_body, response_body, prev_hash, hash "
                  "FROM lgsp_message ORDER BY id",
                  COLS);
    rc = eg_query(c, &st, eg_buf_cstr(&sql), "");
    eg_buf_free(&sql);
    if (rc)
        return rc;
    int64_t expect = base_id + 1;
    int bad = 0;
    while (!bad && (rc = eg_step(st)) == EG_ROW) {
        int64_t id = eg_col_int64(st, 0);
        if (id != expect) {
            snprintf(msg, msglen, "record %lld is missing (found %lld)", (long long)expect,
                     (long long)id);
            bad = 1;
            break;
        }
        const char *txt[14];
        for (int i = 0; i < 13; i++)
            txt[i] = eg_col_text(st, 1 + i);
        char status[16];
        snprintf(status, sizeof(status), "%lld", (long long)eg_col_int64(st, 14));
        txt[13] = status;
        int64_t num[7] = {0};
        for (int i = 0; i < 6; i++)
            num[i] = eg_col_int64(st, 15 + i);
        eg_buf canon = EG_BUF_INIT;
        canonical(&canon, id, txt, num);
        char hash[65];
        chain(prev, &canon, hash);
        eg_buf_free(&canon);
        const char *stored_prev = eg_col_text(st, 23), *stored = eg_col_text(st, 24);
        if (!stored_prev || strcmp(stored_prev, prev) != 0 || !stored ||
            strcmp(stored, hash) != 0) {
            snprintf(msg, msglen, "record %lld: hash does not match its content", (long long)id);
            bad = 1;
            break;
        }
        for (int k = 0; k < 2; k++) {
            size_t n = 0;
            const void *body = eg_col_blob(st, 21 + k, &n);
            if (!eg_col_is_null(st, 21 + k)) {
                char h[65];
                eg_sha256_hex(body ? body : "", n, h);
                if (strcmp(h, txt[11 + k]) != 0) {
                    snprintf(msg, msglen, "record %lld: stored %s body does not match its hash",
                             (long long)id, k ? "response" : "request");
                    bad = 1;
                }
            }
        }
        memcpy(prev, hash, sizeof(prev));
        expect++;
        (*count)++;
    }
    eg_stmt_done(st);
    if (bad)
        return EG_ECONFLICT;
    if (rc < 0)
        return rc;
    if (expect - 1 != head_count || strcmp(prev, head_hash) != 0) {
        snprintf(msg, msglen, "log head (%lld) does not match the last record (%lld)",
                 (long long)head_count, (long long)(expect - 1));
        return EG_ECONFLICT;
    }

    /* Checkpoints: signed by our key, and the hash they sign still at that id. */
    unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
    int have_key = eg__lgsp_keypair(data_dir, 0, pk, sk) == 0;
    sodium_memzero(sk, sizeof(sk));
    char pkhex[2 * crypto_sign_PUBLICKEYBYTES + 1] = "";
    if (have_key)
        eg_hex(pk, sizeof(pk), pkhex);
    rc = eg_query(c, &st,
                  "SELECT k.id, k.last_id, k.last_hash, k.public_key, k.signature, m.hash "
                  "FROM lgsp_log_checkpoint k LEFT JOIN lgsp_message m ON m.id = k.last_id "
                  "ORDER BY k.id",
                  "");
    if (rc)
        return rc;
    while (!bad && (rc = eg_step(st)) == EG_ROW) {
        int64_t kid = eg_col_int64(st, 0), last_id = eg_col_int64(st, 1);
        const char *lh = eg_col_text(st, 2), *pkh = eg_col_text(st, 3), *sig = eg_col_text(st, 4);
        const char *mh = eg_col_text(st, 5);
        if (have_key && strcmp(pkh, pkhex) != 0) {
            snprintf(msg, msglen, "checkpoint %lld is signed by an unknown key", (long long)kid);
            bad = 1;
            break;
        }
        unsigned char raw_pk[crypto_sign_PUBLICKEYBYTES];
        int ok = strlen(pkh) == 64;
        for (size_t i = 0; ok && i < 32; i++) {
            unsigned v = 0;
            ok = sscanf(pkh + 2 * i, "%2x", &v) == 1;
            raw_pk[i] = (unsigned char)v;
        }
        ok = ok && eg_chain_verify(raw_pk, LOG_DOMAIN, last_id, lh, sig);
        if (!ok) {
            snprintf(msg, msglen, "checkpoint %lld: bad signature", (long long)kid);
            bad = 1;
        } else if (last_id > base_id && (!mh || strcmp(mh, lh) != 0)) {
            snprintf(msg, msglen, "checkpoint %lld: record %lld changed after it was signed",
                     (long long)kid, (long long)last_id);
            bad = 1;
        }
    }
    eg_stmt_done(st);
    if (bad)
        return EG_ECONFLICT;
    return rc < 0 ? rc : EG_OK;
}
