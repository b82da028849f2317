/*
 * queue_nats.c - NATS JetStream as the store-and-forward backend (lgsp.queue_backend = nats,
 * lgsp.nats_url, default nats://127.0.0.1:4222), for deployments with several egov nodes.
 *
 * Stream EGOV_LGSP (file storage) holds subjects egov.lgsp.>. POST /api/v1/lgsp/queue/{svc}
 * publishes the body to egov.lgsp.queue.<svc> with the message id as Nats-Msg-Id (JetStream
 * de-duplicates re-submissions) and the routing data as headers, and answers 202 only after
 * JetStream acknowledged the publish (the message is in the stream) and the receipt row is
 * committed (the publish happens inside the receipt's transaction). Delivery: one durable
 * pull consumer "egov-lgsp-deliver" with explicit acks, shared by every node (each message
 * goes to one of them). Per message: if its receipt already says delivered/dead (a crash
 * between the receipt update and the ack), it is acked and not sent again; otherwise one
 * attempt (queue.c: POST upstream, message-log record), the receipt updated, then
 *   delivered -> ack (synchronous);
 *   retry     -> nak with the backoff delay (1 s, 2 s, 4 s ... 10 min), the attempt number is
 *                JetStream's delivery count;
 *   dead      -> copied to egov.lgsp.dead.<svc> (the dead-letter subject, kept in the stream),
 *                then acked.
 * A node killed with messages in flight: JetStream redelivers what it had not acked after
 * lgsp.nats_ack_wait_ms (30 s). Guarantee as for the SQL backend: at-least-once with a stable
 * X-Road-Id, a second send only when the crash falls between the provider's 2xx and the
 * receipt update.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <nats/nats.h>
#include "lgsp/internal.h"

#define STREAM  "EGOV_LGSP"
#define DURABLE "egov-lgsp-deliver"

static struct {
    pthread_mutex_t mu;
    natsConnection *nc;
    jsCtx *js;
    natsSubscription *sub;
    int ready; /* stream exists */
    int enabled;
    int64_t ack_wait_ms;
    pthread_t th;
    int started;
    volatile int stop;
} N = {.mu = PTHREAD_MUTEX_INITIALIZER};

int eg__lgsp_nats_enabled(lgsp_state *s)
{
    (void)s;
    return N.enabled;
}

/* Creates the stream when missing. Called with N.mu held. */
static int ensure_stream(void)
{
    if (N.ready)
        return 0;
    if (!N.js)
        return EG_EUNAVAIL;
    jsStreamConfig cfg;
    jsStreamConfig_Init(&cfg);
    const char *subjects[] = {"egov.lgsp.>"};
    cfg.Name = STREAM;
    cfg.Subjects = subjects;
    cfg.SubjectsLen = 1;
    cfg.Storage = js_FileStorage;
    jsStreamInfo *si = NULL;
    jsErrCode jerr = 0;
    natsStatus st = js_AddStream(&si, N.js, &cfg, NULL, &jerr);
    jsStreamInfo_Destroy(si);
    if (st != NATS_OK && jerr != JSStreamNameExistErr) {
        eg_log(EG_LOG_WARN, "lgsp", NULL, "nats: cannot create the stream", "error",
               natsStatus_GetText(st), NULL);
        return EG_EUNAVAIL;
    }
    N.ready = 1;
    return 0;
}

static void set_hdr(natsMsg *m, const char *k, const char *v)
{
    if (v)
        natsMsgHeader_Set(m, k, v);
}

int eg__lgsp_nats_publish(lgsp_state *s, const lgsp_qmsg *q)
{
    (void)s;
    pthread_mutex_lock(&N.mu);
    int rc = ensure_stream();
    jsCtx *js = N.js;
    pthread_mutex_unlock(&N.mu);
    if (rc)
        return rc;
    char subj[300];
    snprintf(subj, sizeof(subj), "egov.lgsp.queue.%s", q->service);
    natsMsg *m = NULL;
    if (natsMsg_Create(&m, subj, NULL, q->body, (int)q->len) != NATS_OK)
        return EG_EUNAVAIL;
    set_hdr(m, "Egov-Service", q->service);
    set_hdr(m, "Egov-Client", q->client);
    set_hdr(m, "Egov-Path", q->path);
    set_hdr(m, "Content-Type", q->ctype);
    set_hdr(m, "X-Road-UserId", q->user_id);
    set_hdr(m, "X-Road-Issue", q->issue);
    set_hdr(m, "X-Road-Id", q->msg_id);
    jsPubOptions po;
    jsPubOptions_Init(&po);
    po.MsgId = q->msg_id;
    po.MaxWait = 5000;
    jsPubAck *pa = NULL;
    jsErrCode jerr = 0;
    natsStatus st = js_PublishMsg(&pa, js, m, &po, &jerr);
    jsPubAck_Destroy(pa);
    natsMsg_Destroy(m);
    if (st != NATS_OK) {
        eg_log(EG_LOG_WARN, "lgsp", NULL, "nats: publish failed", "error", natsStatus_GetText(st),
               NULL);
        return EG_EUNAVAIL;
    }
    return 0;
}

static const char *hdr(natsMsg *m, const char *k)
{
    const char *v = NULL;
    return natsMsgHeader_Get(m, k, &v) == NATS_OK ? v : NULL;
}

/* The receipt's status, or NULL when there is none. */
static char *receipt_status(lgsp_state *s, eg_arena *a, const char *msg_id)
{
    char *st = NULL;
    if (eg_query_text(eg_db_conn(s->app->db), a, &st,
                      "SELECT status FROM lgsp_queue WHERE msg_id = ?", "t", msg_id))
        return NULL;
    return st;
}

static void handle(lgsp_state *s, natsMsg *msg)
{
    eg_arena *a = eg_arena_new(0);
    lgsp_qmsg q = {0};
    q.msg_id = hdr(msg, "X-Road-Id");
    q.service = hdr(msg, "Egov-Service");
    q.client = hdr(msg, "Egov-Client");
    q.path = hdr(msg, "Egov-Path");
    q.ctype = hdr(msg, "Content-Type");
    q.user_id = hdr(msg, "X-Road-UserId");
    q.issue = hdr(msg, "X-Road-Issue");
    q.body = natsMsg_GetData(msg);
    q.len = (size_t)natsMsg_GetDataLength(msg);
    jsMsgMetaData *meta = NULL;
    q.attempts = 1;
    if (natsMsg_GetMetaData(&meta, msg) == NATS_OK) {
        q.attempts = (int64_t)meta->NumDelivered;
        jsMsgMetaData_Destroy(meta);
    }
    if (!q.msg_id || !q.service || !q.client || !q.path) {
        natsMsg_Term(msg, NULL); /* not ours */
        eg_arena_free(a);
        return;
    }
    const char *done = receipt_status(s, a, q.msg_id);
    if (done && strcmp(done, "queued") != 0) {
        natsMsg_AckSync(msg, NULL, NULL);
        eg_arena_free(a);
        return;
    }
    lgsp_qoutcome o;
    eg__lgsp_queue_attempt(s, &q, &o);
    eg__lgsp_queue_record(s, &q, &o);
    if (strcmp(o.status, "queued") == 0) {
        natsMsg_NakWithDelay(msg, o.backoff_ms, NULL);
    } else {
        if (strcmp(o.status, "dead") == 0) {
            char subj[300], id[120];
            snprintf(subj, sizeof(subj), "egov.lgsp.dead.%s", q.service);
            snprintf(id, sizeof(id), "dead-%s", q.msg_id);
            jsPubOptions po;
            jsPubOptions_Init(&po);
            po.MsgId = id;
            jsPubAck *pa = NULL;
            js_Publish(&pa, N.js, subj, q.body, (int)q.len, &po, NULL);
            jsPubAck_Destroy(pa);
        }
        natsMsg_AckSync(msg, NULL, NULL);
    }
    eg_arena_free(a);
}

static int subscribe(void)
{
    pthread_mutex_lock(&N.mu);
    int rc = ensure_stream();
    if (!rc && !N.sub) {
        jsSubOptions so;
        jsSubOptions_Init(&so);
        so.Stream = STREAM;
        so.Config.AckPolicy = js_AckExplicit;
        so.Config.AckWait = N.ack_wait_ms * 1000000LL; /* ns */
        so.Config.MaxDeliver = -1;                     /* our own attempt limit */
        jsErrCode jerr = 0;
        natsStatus st =
            js_PullSubscribe(&N.sub, N.js, "egov.lgsp.queue.>", DURABLE, NULL, &so, &jerr);
        if (st != NATS_OK) {
            eg_log(EG_LOG_WARN, "lgsp", NULL, "nats: cannot subscribe", "error",
                   natsStatus_GetText(st), NULL);
            N.sub = NULL;
            rc = EG_EUNAVAIL;
        }
    }
    pthread_mutex_unlock(&N.mu);
    return rc;
}

static void *deliver_main(void *arg)
{
    lgsp_state *s = arg;
    while (!N.stop) {
        if (!N.sub && subscribe() != 0) {
            struct timespec ts = {0, 500 * 1000000L};
            nanosleep(&ts, NULL);
            continue;
        }
        natsMsgList list = {0};
        natsStatus st = natsSubscription_Fetch(&list, N.sub, 8, 500, NULL);
        if (st == NATS_OK) {
            for (int i = 0; i < list.Count && !N.stop; i++)
                handle(s, list.Msgs[i]);
        } else if (st != NATS_TIMEOUT) {
            struct timespec ts = {0, 200 * 1000000L};
            nanosleep(&ts, NULL);
        }
        natsMsgList_Destroy(&list);
    }
    return NULL;
}

int eg__lgsp_nats_start(lgsp_state *s)
{
    const char *backend = eg_config_get(s->app->cfg, "lgsp.queue_backend", "sqlite");
    if (strcmp(backend, "nats") != 0)
        return 0;
    N.enabled = 1;
    N.ack_wait_ms = eg_config_int(s->app->cfg, "lgsp.nats_ack_wait_ms", 30000);
    const char *url = eg_config_get(s->app->cfg, "lgsp.nats_url", "nats://127.0.0.1:4222");
    natsOptions *o = NULL;
    natsOptions_Create(&o);
    natsOptions_SetURL(o, url);
    natsOptions_SetMaxReconnect(o, -1);
    natsOptions_SetReconnectWait(o, 500);
    natsOptions_SetRetryOnFailedConnect(o, true, NULL, NULL);
    natsStatus st = natsConnection_Connect(&N.nc, o);
    natsOptions_Destroy(o);
    if (st != NATS_OK && st != NATS_NOT_YET_CONNECTED) {
        eg_log(EG_LOG_ERROR, "lgsp", NULL, "nats: cannot connect", "url", url, "error",
               natsStatus_GetText(st), NULL);
        return EG_EUNAVAIL;
    }
    natsConnection_JetStream(&N.js, N.nc, NULL);
    N.stop = 0;
    pthread_create(&N.th, NULL, deliver_main, s);
    N.started = 1;
    eg_log(EG_LOG_INFO, "lgsp", NULL, "queue backend: NATS JetStream", "url", url, NULL);
    return 0;
}

void eg__lgsp_nats_stop(lgsp_state *s)
{
    (void)s;
    if (N.started) {
        N.stop = 1;
        pthread_join(N.th, NULL);
        N.started = 0;
    }
    pthread_mutex_lock(&N.mu);
    natsSubscription_Destroy(N.sub);
    jsCtx_Destroy(N.js);
    natsConnection_Destroy(N.nc);
    N.sub = NULL;
    N.js = NULL;
    N.nc = NULL;
    N.ready = 0;
    N.enabled = 0;
    pthread_mutex_unlock(&N.mu);
}
