/*
 * outbox.c - the durable notification outbox: enqueue, listing, delivery passes, module entry.
 *
 * Design: eg_notify_enqueue inserts a 'pending' row on the caller's connection, so it commits
 * or rolls back with the caller's change. A delivery pass (the scheduler tick, or any node)
 * picks due rows and claims each with a conditional UPDATE (pending, or sending with an
 * expired lease -> sending, claimed_by = this pass, claim_until = now + lease); only the pass
 * whose UPDATE changed the row sends it, so two threads or nodes never send one message twice
 * in a pass, and a node that died mid-send releases its rows when the lease expires (delivery
 * is at least once). The outcome is written with the attempt record in one transaction, only
 * while the claim is still ours. Failed attempts back off exponentially
 * (notify.backoff_ms * 2^(attempts-1), capped at notify.backoff_max_ms) until
 * notify.max_attempts, then the row is 'failed'. Logs show recipients masked.
 */
#include "notify/internal.h"

#include <curl/curl.h>
#include <string.h>

#define MAX_BODY    (64 * 1024)
#define MAX_SUBJECT 998
#define BATCH       32

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
    int rc = eg_query(c, &st,
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
};

/* Claims up to BATCH due rows for token; returns how many (in out). */
static int claim(eg_conn *c, const char *token, int64_t now, int64_t lease, struct msg *out)
{
    int64_t ids[BATCH];
    int n = 0;
    eg_stmt *st;
    int rc = eg_query(c, &st,
                      "SELECT id FROM notify_outbox WHERE (status = 'pending' AND next_at <= ?) "
                      "OR (status = 'sending' AND claim_until < ?) ORDER BY next_at, id LIMIT ?",
                      "lli", now, now, BATCH);
    if (rc)
        return rc;
    while (n < BATCH && eg_step(st) == EG_ROW)
        ids[n++] = eg_col_int64(st, 0);
    eg_stmt_done(st);
    int got = 0;
    for (int i = 0; i < n; i++) {
        int64_t changed = 0;
        rc = eg_exec(c, &changed,
                     "UPDATE notify_outbox SET status = 'sending', claimed_by = ?, claim_until = ? "
                     "WHERE id = ? AND ((status = 'pending' AND next_at <= ?) OR "
                     "(status = 'sending' AND claim_until < ?))",
                     "tllll", token, now + lease, ids[i], now, now);
        if (rc || changed != 1)
            continue;
        if (eg_query(c, &st,
                     "SELECT channel, recipient, subject, body, attempts FROM notify_outbox "
                     "WHERE id = ?",
                     "l", ids[i]) != EG_OK)
            continue;
        if (eg_step(st) == EG_ROW) {
            struct msg *m = &out[got++];
            m->id = ids[i];
            m->channel = (int)eg_col_int64(st, 0);
            m->to = eg_strdup(eg_col_text(st, 1));
            m->subject = eg_col_text(st, 2) ? eg_strdup(eg_col_text(st, 2)) : NULL;
            m->body = eg_strdup(eg_col_text(st, 3));
            m->attempts = (int)eg_col_int64(st, 4);
        }
        eg_stmt_done(st);
    }
    return got;
}

static void record(eg_app *app, eg_conn *c, const char *token, struct msg *m, int ok,
                   const char *detail, int64_t now)
{
    int max = (int)eg_config_int(app->cfg, "notify.max_attempts", 8);
    int attempts = m->attempts + 1;
    char ts[25];
    eg_time_iso_ms(eg_now_ms(), ts);
    const char *status = ok ? "sent" : attempts >= max ? "failed" : "pending";
    int64_t next = ok ? now : now + backoff(app->cfg, attempts), changed = 0;
    int rc = eg_tx_begin(c);
    if (!rc)
        rc = eg_exec(c, &changed,
                     "UPDATE notify_outbox SET status = ?, attempts = ?, next_at = ?, "
                     "claimed_by = NULL, claim_until = NULL, sent_at = ?, last_error = ? "
                     "WHERE id = ? AND claimed_by = ? AND status = 'sending'",
                     "tilttlt", status, attempts, next, ok ? ts : NULL, ok ? NULL : detail, m->id,
                     token);
    if (!rc && changed == 1)
        rc = eg_exec(c, NULL,
                     "INSERT INTO notify_attempt (outbox_id, attempt, at, ok, detail) "
                     "VALUES (?,?,?,?,?)",
                     "litit", m->id, attempts, ts, ok, detail);
    rc = rc ? (eg_tx_rollback(c), rc) : eg_tx_commit(c);
    eg_buf masked = EG_BUF_INIT;
    eg__notify_mask(m->to, &masked);
    char sid[24], satt[16];
    snprintf(sid, sizeof(sid), "%lld", (long long)m->id);
    snprintf(satt, sizeof(satt), "%d", attempts);
    eg_log(ok ? EG_LOG_INFO : EG_LOG_WARN, "notify", NULL,
           ok ? "notification sent" : "notification attempt failed", "outbox_id", sid, "to",
           eg_buf_cstr(&masked), "attempt", satt, "status", status, "error", ok ? "" : detail,
           rc ? "record_error" : NULL, rc ? eg_errname(rc) : NULL, NULL);
    eg_buf_free(&masked);
}

int eg_notify_deliver(eg_app *app, int64_t now_ms)
{
    eg_conn *c = eg_db_conn(app->db);
    char token[27];
    eg_new_id(token);
    int64_t lease = eg_config_int(app->cfg, "notify.claim_ms", 300000);
    struct msg msgs[BATCH];
    int n = claim(c, token, now_ms, lease, msgs);
    if (n <= 0)
        return n < 0 ? n : 0;
    for (int i = 0; i < n; i++) {
        struct msg *m = &msgs[i];
        char err[256] = "";
        int rc = m->channel == EG_NOTIFY_SMS
                     ? eg__notify_sms(app->cfg, m->to, m->body, err, sizeof(err))
                     : eg__notify_smtp(app->cfg, m->to, m->subject, m->body, m->id, now_ms, err,
                                       sizeof(err));
        record(app, c, token, m, rc == EG_OK, rc == EG_OK ? NULL : err, now_ms);
        free(m->to);
        free(m->subject);
        free(m->body);
    }
    return n;
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
