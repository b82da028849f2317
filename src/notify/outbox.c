/*
 * outbox.c - the durable notification outbox: enqueue, listing, delivery passes, module entry.
 *
 * Design: eg_notify_enqueue inserts a 'pending' row on the caller's connection, so it commits
 * or rolls back with the caller's change. A delivery pass (the scheduler tick, or any node)
 * selects up to BATCH due rows of the channels that can send and claims them in ONE write
 * transaction with a conditional UPDATE per row (pending, or sending with an expired lease ->
 * sending, claimed_by = this pass, claim_until = now + lease); only the rows its UPDATE changed
 * are sent, so two threads or nodes never send one message twice in a pass, and a node that
 * died mid-send releases its rows when the lease expires (delivery is at least once). The
 * outcomes of the pass (sent, failed attempt + notify_attempt row, deferred, or released
 * untried) are written in ONE more transaction, each only while the claim is still ours: two
 * short write transactions per pass whatever the batch size, since SQLite has one writer and
 * the submissions that enqueue these messages compete for it.
 * A channel without configuration is not selected at all (no write; the rows wait as pending
 * and go out once configured); a channel whose peer is unreachable is held in memory for the
 * backoff of its consecutive failures (capped at a minute) and its remaining rows of the pass
 * are released untried. Failed attempts back off exponentially (notify.backoff_ms *
 * 2^(attempts-1), capped at notify.backoff_max_ms) until notify.max_attempts, then the row is
 * 'failed'. Logs show recipients masked.
 */
#include "notify/internal.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define MAX_BODY    (64 * 1024)
#define MAX_SUBJECT 998
#define BATCH       32 /* messages per pass at most (also bounded by notify.pass_ms) */

int eg_notify_enqueue(eg_conn *c, int channel, const char *to, const char *subject,
                      const char *body, const char *ref_type, const char *ref_id, int64_t *id)
{
    if (channel == EG_NOTIFY_EMAIL) {
        if (!to || !eg_valid_email(to))
            return EG_EUNPROCESSABLE;
    } else if (channel == EG_NOTIFY_SMS) {
        if (!to || !eg_valid_phone(to))
            return EG_EUNPROCESSABLE;
        subject = NULL;
    } else {
        return EG_EUNPROCESSABLE;
    }
    if (!body || !*body || strlen(body) > MAX_BODY || (subject && strlen(subject) > MAX_SUBJECT))
        return EG_EUNPROCESSABLE;
    eg_buf nb = EG_BUF_INIT, ns = EG_BUF_INIT;
    if (eg_nfc(body, strlen(body), &nb) != EG_OK ||
        (subject && eg_nfc(subject, strlen(subject), &ns) != EG_OK)) {
        eg_buf_free(&nb);
        eg_buf_free(&ns);
        return EG_EUNPROCESSABLE;
    }
    /* a subject is one header line: line breaks become spaces */
    for (size_t i = 0; i < ns.len; i++)
        if (ns.data[i] == '\r' || ns.data[i] == '\n')
            ns.data[i] = ' ';
    int64_t now = eg_now_ms(), newid = 0;
    char ts[25];
    eg_time_iso_ms(now, ts);
    int rc =
        eg_query_int64(c, &newid,
                       "INSERT INTO notify_outbox (channel, recipient, subject, body, ref_type, "
                       "ref_id, status, attempts, next_at, created_at) "
                       "VALUES (?,?,?,?,?,?,'pending',0,?,?) RETURNING id",
                       "itttttlt", channel, to, subject ? eg_buf_cstr(&ns) : NULL, eg_buf_cstr(&nb),
                       ref_type, ref_id, (int64_t)0, ts);
    eg_buf_free(&nb);
    eg_buf_free(&ns);
    if (rc == EG_OK && id)
        *id = newid;
    return rc;
}

int eg_notify_list(eg_conn *c, const char *ref_type, const char *ref_id, json_t **items)
{
    eg_stmt *st;
    int rc;
    if (ref_type && ref_id) /* the common case, on the (ref_type, ref_id) index */
        rc = eg_query(c, &st,
                      "SELECT id, channel, recipient, subject, status, attempts, created_at, "
                      "sent_at, last_error FROM notify_outbox WHERE ref_type = ? AND ref_id = ? "
                      "ORDER BY id DESC",
                      "tt", ref_type, ref_id);
    else
        rc = eg_query(c, &st,
                      "SELECT id, channel, recipient, subject, status, attempts, created_at, "
                      "sent_at, last_error FROM notify_outbox WHERE "
                      "(CAST(? AS TEXT) IS NULL OR ref_type = ?) AND "
                      "(CAST(? AS TEXT) IS NULL OR ref_id = ?) ORDER BY id DESC",
                      "tttt", ref_type, ref_type, ref_id, ref_id);
    if (rc)
        return rc;
    json_t *arr = json_array();
    while ((rc = eg_step(st)) == EG_ROW) {
        eg_buf m = EG_BUF_INIT;
        eg__notify_mask(eg_col_text(st, 2), &m);
        int64_t ch = eg_col_int64(st, 1);
        json_array_append_new(
            arr, json_pack("{s:I, s:s, s:s, s:o, s:s, s:I, s:s, s:o, s:o}", "id",
                           (json_int_t)eg_col_int64(st, 0), "channel",
                           ch == EG_NOTIFY_SMS ? "sms" : "email", "to", eg_buf_cstr(&m), "subject",
                           eg_json_strn(eg_col_text(st, 3)), "status", eg_col_text(st, 4),
                           "attempts", (json_int_t)eg_col_int64(st, 5), "created_at",
                           eg_col_text(st, 6), "sent_at", eg_json_strn(eg_col_text(st, 7)),
                           "last_error", eg_json_strn(eg_col_text(st, 8))));
        eg_buf_free(&m);
    }
    eg_stmt_done(st);
    if (rc < 0) {
        json_decref(arr);
        return rc;
    }
    *items = arr;
    return EG_OK;
}

static int64_t backoff(const eg_config *cfg, int attempts)
{
    int64_t base = eg_config_int(cfg, "notify.backoff_ms", 30000);
    int64_t cap = eg_config_int(cfg, "notify.backoff_max_ms", 3600000);
    int64_t d = base;
    for (int i = 1; i < attempts && d < cap; i++)
        d *= 2;
    return d < cap ? d : cap;
}

struct msg {
    int64_t id;
    int channel;
    int attempts;
    char *to, *subject, *body;
    int outcome; /* OUT_* */
    char err[256];
};

enum { OUT_SENT, OUT_FAILED, OUT_DEFER, OUT_RELEASE };

/* Channel state kept in memory per process: a channel whose peer was unreachable (connect
 * failure or timeout) is held for backoff(consecutive failures), capped at a minute, so new
 * messages do not each pay a connect timeout while the peer is down; the hold belongs to the
 * configured URL (a new URL starts afresh). Unconfigured channels are simply not selected. */
static struct chan {
    pthread_mutex_t mu;
    char url[512];
    int fails;
    int64_t hold_until, warned_at;
} chans[3] = {{.mu = PTHREAD_MUTEX_INITIALIZER},
              {.mu = PTHREAD_MUTEX_INITIALIZER},
              {.mu = PTHREAD_MUTEX_INITIALIZER}};

static const char *chan_key(int ch)
{
    return ch == EG_NOTIFY_SMS ? "notify.sms_url" : "notify.smtp_url";
}

/* 1 when channel ch is configured and not held at now. */
static int chan_ready(const eg_config *cfg, int ch, int64_t now)
{
    const char *url = eg_config_get(cfg, chan_key(ch), NULL);
    if (!url || !*url)
        return 0;
    struct chan *s = &chans[ch];
    pthread_mutex_lock(&s->mu);
    if (strcmp(s->url, url)) {
        snprintf(s->url, sizeof(s->url), "%s", url);
        s->fails = 0;
        s->hold_until = 0;
    }
    int ok = now >= s->hold_until;
    pthread_mutex_unlock(&s->mu);
    return ok;
}

static void chan_result(const eg_config *cfg, int ch, int unreachable, int64_t now)
{
    struct chan *s = &chans[ch];
    pthread_mutex_lock(&s->mu);
    if (!unreachable) {
        s->fails = 0;
        s->hold_until = 0;
    } else {
        s->fails++;
        int64_t d = backoff(cfg, s->fails);
        s->hold_until = now + (d < 60000 ? d : 60000);
    }
    pthread_mutex_unlock(&s->mu);
}

/* Messages waiting for a channel that is not configured: not an attempt and no write at all
 * (the rows stay pending and go out once the URL is set); one log line a minute says so. */
static void warn_unconfigured(eg_app *app, eg_conn *c, int ch)
{
    struct chan *s = &chans[ch];
    int64_t mono = eg_mono_ms();
    pthread_mutex_lock(&s->mu);
    int due = !s->warned_at || mono - s->warned_at >= 60000;
    if (due)
        s->warned_at = mono;
    pthread_mutex_unlock(&s->mu);
    if (!due)
        return;
    int64_t n = 0;
    eg_query_int64(c, &n,
                   "SELECT COUNT(*) FROM notify_outbox WHERE status = 'pending' AND channel = ?",
                   "i", ch);
    if (n <= 0)
        return;
    char sn[24], why[64];
    snprintf(sn, sizeof(sn), "%lld", (long long)n);
    snprintf(why, sizeof(why), "%s is not configured", chan_key(ch));
    eg_log(EG_LOG_WARN, "notify", NULL, "notifications waiting", "count", sn, "error", why, NULL);
    (void)app;
}

/* Selects up to BATCH due rows of the ready channels and claims them for token in ONE write
 * transaction (a conditional UPDATE per row: only the rows it changed are ours). Returns the
 * number claimed (m[] filled, caller frees the strings) or a negative EG_E*. */
static int claim_batch(eg_conn *c, const char *token, int64_t now, int64_t lease, int ch1, int ch2,
                       struct msg *m)
{
    struct msg cand[BATCH];
    int n = 0;
    eg_stmt *st;
    int rc = eg_query(c, &st,
                      "SELECT id, channel, recipient, subject, body, attempts FROM notify_outbox "
                      "WHERE ((status = 'pending' AND next_at <= ?) OR (status = 'sending' AND "
                      "claim_until < ?)) AND channel IN (?, ?) ORDER BY next_at, id LIMIT ?",
                      "lliii", now, now, ch1, ch2, (int)BATCH);
    if (rc)
        return rc;
    while (n < BATCH && eg_step(st) == EG_ROW) {
        cand[n] = (struct msg){.id = eg_col_int64(st, 0),
                               .channel = (int)eg_col_int64(st, 1),
                               .to = eg_strdup(eg_col_text(st, 2)),
                               .subject = eg_col_text(st, 3) ? eg_strdup(eg_col_text(st, 3)) : NULL,
                               .body = eg_strdup(eg_col_text(st, 4)),
                               .attempts = (int)eg_col_int64(st, 5)};
        n++;
    }
    eg_stmt_done(st);
    if (n == 0)
        return 0;
    int got = 0;
    rc = eg_tx_begin(c);
    for (int i = 0; i < n; i++) {
        int64_t changed = 0;
        if (!rc)
            rc = eg_exec(c, &changed,
                         "UPDATE notify_outbox SET status = 'sending', claimed_by = ?, "
                         "claim_until = ? WHERE id = ? AND ((status = 'pending' AND next_at <= ?) "
                         "OR (status = 'sending' AND claim_until < ?))",
                         "tllll", token, now + lease, cand[i].id, now, now);
        if (!rc && changed == 1) {
            m[got++] = cand[i];
        } else {
            free(cand[i].to);
            free(cand[i].subject);
            free(cand[i].body);
        }
    }
    rc = rc ? (eg_tx_rollback(c), rc) : eg_tx_commit(c);
    if (rc) {
        for (int i = 0; i < got; i++) {
            free(m[i].to);
            free(m[i].subject);
            free(m[i].body);
        }
        return rc;
    }
    return got;
}

/* Writes the outcomes of a pass in ONE transaction, each only while the claim is still ours:
 * sent / failed attempt (+ notify_attempt row, backoff) / deferred (transport unavailable: not
 * an attempt, back in a minute) / released (not tried in this pass: pending again, as it was). */
static int record_batch(eg_app *app, eg_conn *c, const char *token, struct msg *m, int n,
                        int64_t now)
{
    int max = (int)eg_config_int(app->cfg, "notify.max_attempts", 8);
    char ts[25];
    eg_time_iso_ms(eg_now_ms(), ts);
    int rc = eg_tx_begin(c);
    for (int i = 0; i < n && !rc; i++) {
        struct msg *x = &m[i];
        int64_t changed = 0;
        if (x->outcome == OUT_RELEASE || x->outcome == OUT_DEFER) {
            rc = eg_exec(c, NULL,
                         "UPDATE notify_outbox SET status = 'pending', next_at = ?, "
                         "claimed_by = NULL, claim_until = NULL, last_error = COALESCE(?, "
                         "last_error) WHERE id = ? AND claimed_by = ? AND status = 'sending'",
                         "ltlt", x->outcome == OUT_DEFER ? now + 60000 : now,
                         x->outcome == OUT_DEFER ? x->err : NULL, x->id, token);
            continue;
        }
        int ok = x->outcome == OUT_SENT, attempts = x->attempts + 1;
        const char *status = ok ? "sent" : attempts >= max ? "failed" : "pending";
        int64_t next = ok ? now : now + backoff(app->cfg, attempts);
        rc = eg_exec(c, &changed,
                     "UPDATE notify_outbox SET status = ?, attempts = ?, next_at = ?, "
                     "claimed_by = NULL, claim_until = NULL, sent_at = ?, last_error = ? "
                     "WHERE id = ? AND claimed_by = ? AND status = 'sending'",
                     "tilttlt", status, attempts, next, ok ? ts : NULL, ok ? NULL : x->err, x->id,
                     token);
        if (!rc && changed == 1)
            rc = eg_exec(c, NULL,
                         "INSERT INTO notify_attempt (outbox_id, attempt, at, ok, detail) "
                         "VALUES (?,?,?,?,?)",
                         "litit", x->id, attempts, ts, ok, ok ? NULL : x->err);
    }
    rc = rc ? (eg_tx_rollback(c), rc) : eg_tx_commit(c);
    for (int i = 0; i < n; i++) {
        struct msg *x = &m[i];
        if (x->outcome == OUT_RELEASE)
            continue;
        int ok = x->outcome == OUT_SENT, attempts = x->attempts + (x->outcome != OUT_DEFER);
        eg_buf masked = EG_BUF_INIT;
        eg__notify_mask(x->to, &masked);
        char sid[24], satt[16];
        snprintf(sid, sizeof(sid), "%lld", (long long)x->id);
        snprintf(satt, sizeof(satt), "%d", attempts);
        eg_log(ok ? EG_LOG_INFO : EG_LOG_WARN, "notify", NULL,
               ok                        ? "notification sent"
               : x->outcome == OUT_DEFER ? "notification deferred"
                                         : "notification attempt failed",
               "outbox_id", sid, "to", eg_buf_cstr(&masked), "attempt", satt, "error",
               ok ? "" : x->err, rc ? "record_error" : NULL, rc ? eg_errname(rc) : NULL, NULL);
        eg_buf_free(&masked);
    }
    return rc;
}

int eg_notify_deliver(eg_app *app, int64_t now_ms)
{
    eg_conn *c = eg_db_conn(app->db);
    int ready[3] = {0, chan_ready(app->cfg, EG_NOTIFY_EMAIL, now_ms),
                    chan_ready(app->cfg, EG_NOTIFY_SMS, now_ms)};
    for (int ch = EG_NOTIFY_EMAIL; ch <= EG_NOTIFY_SMS; ch++) {
        const char *url = eg_config_get(app->cfg, chan_key(ch), NULL);
        if (!url || !*url)
            warn_unconfigured(app, c, ch);
    }
    if (!ready[EG_NOTIFY_EMAIL] && !ready[EG_NOTIFY_SMS])
        return 0; /* nothing can go out: no query, no write */
    char token[27];
    eg_new_id(token);
    int64_t lease = eg_config_int(app->cfg, "notify.claim_ms", 300000);
    int64_t budget = eg_config_int(app->cfg, "notify.pass_ms", 5000), t0 = eg_mono_ms();
    struct msg m[BATCH];
    int n = claim_batch(c, token, now_ms, lease, ready[EG_NOTIFY_EMAIL] ? EG_NOTIFY_EMAIL : -1,
                        ready[EG_NOTIFY_SMS] ? EG_NOTIFY_SMS : -1, m);
    if (n <= 0)
        return n;
    int handled = 0;
    for (int i = 0; i < n; i++) {
        struct msg *x = &m[i];
        if (!ready[x->channel] || eg_mono_ms() - t0 >= budget) {
            x->outcome = OUT_RELEASE; /* channel went down in this pass, or out of time */
            continue;
        }
        int rc = x->channel == EG_NOTIFY_SMS
                     ? eg__notify_sms(app->cfg, x->to, x->body, x->err, sizeof(x->err))
                     : eg__notify_smtp(app->cfg, x->to, x->subject, x->body, x->id, now_ms, x->err,
                                       sizeof(x->err));
        x->outcome = rc == EG_OK ? OUT_SENT : rc == EG_EUNAVAIL ? OUT_DEFER : OUT_FAILED;
        if (rc != EG_EUNAVAIL)
            chan_result(app->cfg, x->channel, rc == EG_ETIMEOUT, now_ms);
        if (rc == EG_ETIMEOUT)
            ready[x->channel] = 0;
        handled++;
    }
    record_batch(app, c, token, m, n, now_ms);
    for (int i = 0; i < n; i++) {
        free(m[i].to);
        free(m[i].subject);
        free(m[i].body);
    }
    return handled;
}

static int notify_init(eg_app *app)
{
    (void)app;
    return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? EG_OK : EG_EINTERNAL;
}

static void notify_tick(eg_app *app, int64_t now_ms)
{
    eg_notify_deliver(app, now_ms);
}

static void notify_shutdown(eg_app *app)
{
    (void)app;
    curl_global_cleanup();
}

const struct eg_module eg_notify_module = {
    .name = "notify",
    .init = notify_init,
    .tick = notify_tick,
    .shutdown = notify_shutdown,
};
