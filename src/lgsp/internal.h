/*
 * internal.h - what the files of src/lgsp share: module state, the message-log record and
 * writer, the stats table, URL safety checks and the handlers registered by module.c.
 */
#ifndef EG_LGSP_INTERNAL_H
#define EG_LGSP_INTERNAL_H

#include <pthread.h>
#include <curl/curl.h>
#include <stdint.h>
#include "lgsp/lgsp.h"
#include "identity/identity.h"

#define LGSP_PROBLEM "https://egov.local/problems/lgsp/"

/* One exchange as the message log keeps it (strings and bodies owned by the record). */
typedef struct lgsp_record {
    char xroad_id[80];
    char request_id[80];
    char side[12]; /* "client" (local consumer) | "producer" (federated peer called us) */
    char *client_id, *service_code, *service_version, *method, *path, *user_id, *issue;
    char *error_type;
    int status;
    int64_t request_in_ms, request_out_ms, response_in_ms, response_out_ms;
    int64_t request_size, response_size;
    char request_sha256[65], response_sha256[65];
    char *request_body, *response_body; /* NULL when over the loggable size */
    size_t request_body_len, response_body_len;
    int64_t seq;  /* set by the writer queue */
    void *waiter; /* sem_t the submitting thread sleeps on (log_sync), posted after commit */
    int counted;  /* eg__lgsp_log_enter was called for it */
    struct lgsp_record *next;
} lgsp_record;

struct lgsp_stats; /* stats.c */
struct lgsp_cache; /* cache.c */

typedef struct lgsp_state {
    eg_app *app;
    /* config */
    int64_t max_body;     /* gateway request size limit */
    int64_t log_body_max; /* bodies up to this size are kept in the log */
    int log_sync;         /* 1 = reply only after the record committed */
    int64_t keep_days;    /* retention of log records in the database */
    char *allow;          /* upstream allow-list (CIDRs / hosts) */
    int64_t checkpoint_every_ms;
    int64_t next_checkpoint_ms;
    int64_t next_archive_ms;
    /* message-log writer */
    pthread_t writer;
    int writer_started;
    pthread_mutex_t mu;
    pthread_cond_t cv_work, cv_done;
    lgsp_record *head, *tail;
    int64_t pending, enq_seq, done_seq;
    int64_t queue_max;
    int stop;
    int64_t write_errors;
    int64_t batches, batched; /* committed batches and the records in them */
    /* rate limiting */
    pthread_mutex_t rl_mu;
    struct lgsp_bucket *buckets;
    struct lgsp_stats *stats;
    struct lgsp_fed *fed;
    struct lgsp_cache *cache;
    struct lgsp_mtls *mtls;
    char relay_secret[65];   /* proves X-Lgsp-Client-Cert came from our TLS listener */
    int writer_idle;         /* the writer waits for work (submitters signal only then) */
    int leader;              /* a batch is being written (by the writer or a request thread) */
    eg_conn *wconn;          /* the writer thread's connection, used for every batch */
    int64_t inflight;        /* gateway calls whose record is not queued yet (atomic) */
    int64_t commit_delay_us; /* how long a leader may wait for those before committing */
    int delaying;            /* a leader waits on cv_batch */
    pthread_cond_t cv_batch;
} lgsp_state;

lgsp_state *eg__lgsp_state(eg_app *app);

/* registry.c */
void eg__lgsp_registry_routes(eg_http *h);
/* Looks up a service row by code into out fields (arena strings). EG_ENOTFOUND. */
typedef struct {
    const char *code, *version, *name, *owner_agency, *kind, *upstream_url, *status;
    const char *transform; /* JSON text or NULL */
    int64_t timeout_ms;
} lgsp_service;
int eg__lgsp_service_get(eg_conn *c, eg_arena *a, const char *code, lgsp_service *out);
typedef struct {
    const char *methods, *path_prefix;
    const char *cert_sha256; /* the consumer's bound client certificate (hex), or NULL */
    int64_t id, quota_per_day, rate_per_sec;
} lgsp_grant;
int eg__lgsp_grant_get(eg_conn *c, eg_arena *a, const char *service, const char *client,
                       lgsp_grant *out);

/* ssrf.c: 0 when url is an http(s) URL whose host resolves only to addresses that are
 * public or on the allow-list; EG_EUNPROCESSABLE with a reason otherwise. */
int eg__lgsp_check_url(const char *url, const char *allow, char *why, size_t n);
/* 1 when the socket address may be connected to under the allow-list. */
int eg__lgsp_addr_allowed(const void *sockaddr, const char *allow);

/* gateway.c */
void eg__lgsp_gateway_routes(eg_http *h, lgsp_state *s);
void eg__lgsp_gateway_global_init(void);
/* Sends one request upstream (used by the gateway and the queue). */
typedef struct {
    int status;
    eg_buf body;
    eg_buf headers; /* "Name: value\r\n" lines as received */
    char ctype[256];
    int err; /* 0, EG_ETIMEOUT, EG_EUPSTREAM */
    char errmsg[256];
} lgsp_upstream_reply;
int eg__lgsp_forward(lgsp_state *s, const char *url, const char *method, struct curl_slist *hdrs,
                     const char *body, size_t len, int64_t timeout_ms, lgsp_upstream_reply *out);
/* Client certificate, key and CA for calls to federation peers (NULL when not configured). */
const char *eg__lgsp_fed_cfg(lgsp_state *s, const char *what);

/* msglog.c */
void eg__lgsp_log_start(lgsp_state *s);
void eg__lgsp_log_stop(lgsp_state *s);
/* Queues rec (ownership passes) and, in sync mode, waits until it is committed.
 * EG_EUNAVAIL when the queue is full (the exchange is refused before forwarding). */
int eg__lgsp_log_submit(lgsp_state *s, lgsp_record *rec);
int eg__lgsp_log_has_room(lgsp_state *s);
/* Announces that rec will be submitted (lets a batch leader wait for it, commit_delay_us). */
void eg__lgsp_log_enter(lgsp_state *s, lgsp_record *rec);
lgsp_record *eg__lgsp_record_new(void);
void eg__lgsp_record_free(lgsp_record *r);
void eg__lgsp_log_routes(eg_http *h);
int eg__lgsp_archive(lgsp_state *s, int64_t before_ms, int64_t *archived);

/* The instance's Ed25519 key (<data_dir>/keys/lgsp-log.key): signs log checkpoints and
 * federation messages. pk 32 bytes, sk 64 bytes. */
int eg__lgsp_keypair(const char *data_dir, int create, unsigned char *pk, unsigned char *sk);

/* federation.c: mutual-TLS listener for peer instances and the signing of calls to them. */
struct lgsp_fed;
void eg__lgsp_fed_start(lgsp_state *s);
void eg__lgsp_fed_stop(lgsp_state *s);
/* 1 when url points at a configured federation peer. */
int eg__lgsp_fed_is_peer(lgsp_state *s, const char *url);
/* Adds the origin, timestamp and signature headers of a call to a peer. */
struct curl_slist *eg__lgsp_fed_sign(lgsp_state *s, struct curl_slist *h, const char *method,
                                     const char *target, const char *xroad_id, const char *client,
                                     const char *body, size_t len);
/* Checks the peer's response signature (X-Lgsp-Signature in the received headers). */
int eg__lgsp_fed_verify_response(lgsp_state *s, int status, const char *xroad_id,
                                 const char *req_body, size_t req_len,
                                 const lgsp_upstream_reply *up);

/* stats.c */
struct lgsp_stats *eg__lgsp_stats_new(void);
void eg__lgsp_stats_free(struct lgsp_stats *st);
void eg__lgsp_stats_add(struct lgsp_stats *st, const char *service, const char *client, int status,
                        int upstream_ok, int64_t ms);
void eg__lgsp_stats_routes(eg_http *h);
void eg__lgsp_metrics(eg_buf *out, void *app);

/* queue.c: one queued message and the outcome of an attempt to deliver it. */
typedef struct {
    const char *msg_id, *service, *client, *path, *ctype, *user_id, *issue;
    const char *body;
    size_t len;
    int64_t attempts; /* this attempt's number, from 1 */
} lgsp_qmsg;
typedef struct {
    const char *status; /* "delivered" | "queued" (retry after backoff_ms) | "dead" */
    int64_t backoff_ms;
    int http_status; /* 0 when no HTTP answer */
    char error[256];
} lgsp_qoutcome;
void eg__lgsp_queue_attempt(lgsp_state *s, const lgsp_qmsg *m, lgsp_qoutcome *out);
int eg__lgsp_queue_record(lgsp_state *s, const lgsp_qmsg *m, const lgsp_qoutcome *o);
/* queue_nats.c: the NATS JetStream backend (lgsp.queue_backend = nats). */
int eg__lgsp_nats_start(lgsp_state *s);
void eg__lgsp_nats_stop(lgsp_state *s);
/* Publishes a message to the stream and waits for its acknowledgement (0, or EG_EUNAVAIL). */
int eg__lgsp_nats_publish(lgsp_state *s, const lgsp_qmsg *m);
int eg__lgsp_nats_enabled(lgsp_state *s);
void eg__lgsp_queue_routes(eg_http *h);
void eg__lgsp_queue_tick(lgsp_state *s, int64_t now);
void eg__lgsp_queue_start(lgsp_state *s);
void eg__lgsp_queue_stop(lgsp_state *s);

/* problem helper for gateway-style errors (SOAP callers get a fault). */
int eg__lgsp_fail(eg_req *r, int soap, int status, const char *slug, const char *detail);

/* cache.c: verified tokens, services and grants kept in memory for the gateway. */
struct lgsp_cache *eg__lgsp_cache_new(int64_t token_ttl_ms);
void eg__lgsp_cache_free(struct lgsp_cache *k);
/* Forgets every cached service and grant (called after each committed registry change;
 * s NULL = the process's cache). */
void eg__lgsp_cache_invalidate(lgsp_state *s);
/* token hits, token misses, registry hits, registry misses */
void eg__lgsp_cache_counts(lgsp_state *s, int64_t out[4]);
/* The request's principal, from the token cache when the same bearer token was verified
 * within lgsp.token_cache_ms (and is unexpired); otherwise identity verifies it. */
const eg_principal *eg__lgsp_principal(lgsp_state *s, eg_req *r);
/* eg__lgsp_service_get / eg__lgsp_grant_get through the cache. */
int eg__lgsp_service_cached(lgsp_state *s, eg_conn *c, eg_arena *a, const char *code,
                            lgsp_service *out);
int eg__lgsp_grant_cached(lgsp_state *s, eg_conn *c, eg_arena *a, const char *service,
                          const char *client, lgsp_grant *out);

/* gateway.c, shared with the in-process calls of call.c: the grant's rate limit and daily
 * quota (one set of buckets per grant, whichever entrance the call came through; 0 when
 * allowed, else Retry-After seconds), a random UUID for X-Road-Id, and the check of a
 * header value passed through (1..max bytes, no control characters). */
int64_t eg__lgsp_rate_check(lgsp_state *s, const lgsp_grant *g);
void eg__lgsp_rate_free(lgsp_state *s); /* at shutdown */
void eg__lgsp_new_uuid(char out[37]);
int eg__lgsp_header_value_ok(const char *s, size_t max);

/* tlsserver.c: a TLS listener (bind, accept thread, one thread per connection doing the
 * handshake, then fn). Takes over ctx; NULL (logged, ctx freed) when it cannot listen. */
typedef struct ssl_st SSL;
typedef struct ssl_ctx_st SSL_CTX;
typedef struct lgsp_tls_server lgsp_tls_server;
typedef void (*lgsp_tls_fn)(void *ud, SSL *ssl);
lgsp_tls_server *eg__lgsp_tls_listen(const char *what, const char *listen_at, SSL_CTX *ctx,
                                     lgsp_tls_fn fn, void *ud);
void eg__lgsp_tls_stop(lgsp_tls_server *t); /* stops accepting, closes, frees; NULL ok */

/* mtls.c: the TLS listener for consumers bound to a client certificate (lgsp.tls_listen). */
void eg__lgsp_mtls_start(lgsp_state *s);
void eg__lgsp_mtls_stop(lgsp_state *s);

/* dataservice.c */
eg_lgsp_data_fn eg__lgsp_data_provider(const char *upstream_url);
void eg__lgsp_data_builtin(void);

/* xform.c: simple-document conversions (EG_EINVAL when the input does not fit). */
int eg__lgsp_json_to_xml(const char *in, size_t n, eg_buf *out);
int eg__lgsp_xml_to_json(const char *in, size_t n, eg_buf *out);

/* wfcall.c: installs the workflow engine's LGSP service-task caller. */
void eg__lgsp_wf_install(void);

#endif
