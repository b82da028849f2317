/* Unit tests for src/notify: enqueue validates and joins the caller's transaction; delivery
 * through a local SMTP peer (a thread speaking enough SMTP) carries the recipient, the RFC 2047
 * Vietnamese subject and the base64 body; a peer that is down is retried with backoff and the
 * message arrives once when it comes up; max attempts ends in 'failed'; two concurrent passes
 * never send a message twice; the SMS gateway receives {"to","text"}. Runs on SQLite and,
 * when EGOV_TEST_PG is set, on PostgreSQL. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>
#include "pg_schema.h"
#include "notify/notify.h"
#include "notify/internal.h"

/* ---------------------------------------------------------------- peers */

struct peer {
    int fd, port, http;
    int status; /* HTTP status the SMS peer answers */
    pthread_t th;
    pthread_mutex_t mu;
    int nmsg;
    char *rcpt[64];
    char *data[64];
};

static int readline(int fd, char *buf, size_t n)
{
    size_t i = 0;
    while (i + 1 < n) {
        char c;
        if (read(fd, &c, 1) != 1)
            return -1;
        buf[i++] = c;
        if (c == '\n')
            break;
    }
    buf[i] = '\0';
    return (int)i;
}

static void say(int fd, const char *s)
{
    if (write(fd, s, strlen(s)) < 0)
        return;
}

static void smtp_session(struct peer *p, int fd)
{
    char line[2048], rcpt[2048] = "";
    say(fd, "220 test ESMTP\r\n");
    while (readline(fd, line, sizeof(line)) > 0) {
        if (strncasecmp(line, "EHLO", 4) == 0 || strncasecmp(line, "HELO", 4) == 0) {
            say(fd, "250 test\r\n");
        } else if (strncasecmp(line, "MAIL FROM", 9) == 0) {
            say(fd, "250 OK\r\n");
        } else if (strncasecmp(line, "RCPT TO:", 8) == 0) {
            snprintf(rcpt, sizeof(rcpt), "%s", line + 8);
            rcpt[strcspn(rcpt, "\r\n")] = '\0';
            say(fd, "250 OK\r\n");
        } else if (strncasecmp(line, "DATA", 4) == 0) {
            say(fd, "354 go ahead\r\n");
            eg_buf d = EG_BUF_INIT;
            while (readline(fd, line, sizeof(line)) > 0 && strcmp(line, ".\r\n") != 0)
                eg_buf_puts(&d, line);
            pthread_mutex_lock(&p->mu);
            if (p->nmsg < 64) {
                p->rcpt[p->nmsg] = strdup(rcpt);
                p->data[p->nmsg] = eg_buf_steal(&d);
                p->nmsg++;
            }
            pthread_mutex_unlock(&p->mu);
            eg_buf_free(&d);
            say(fd, "250 queued\r\n");
        } else if (strncasecmp(line, "QUIT", 4) == 0) {
            say(fd, "221 bye\r\n");
            break;
        } else {
            say(fd, "250 OK\r\n");
        }
    }
}

static void http_session(struct peer *p, int fd)
{
    char line[2048];
    long clen = 0;
    while (readline(fd, line, sizeof(line)) > 0 && strcmp(line, "\r\n") != 0)
        if (strncasecmp(line, "Content-Length:", 15) == 0)
            clen = atol(line + 15);
    eg_buf d = EG_BUF_INIT;
    eg_buf_reserve(&d, (size_t)clen + 1);
    while ((long)d.len < clen) {
        ssize_t n = read(fd, d.data + d.len, (size_t)clen - d.len);
        if (n <= 0)
            break;
        d.len += (size_t)n;
    }
    eg_buf_puts(&d, "");
    pthread_mutex_lock(&p->mu);
    if (p->nmsg < 64) {
        p->rcpt[p->nmsg] = strdup("");
        p->data[p->nmsg] = eg_buf_steal(&d);
        p->nmsg++;
    }
    pthread_mutex_unlock(&p->mu);
    eg_buf_free(&d);
    char resp[128];
    snprintf(resp, sizeof(resp),
             "HTTP/1.1 %d X\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok", p->status);
    say(fd, resp);
}

static void *peer_main(void *arg)
{
    struct peer *p = arg;
    for (;;) {
        int fd = accept(p->fd, NULL, NULL);
        if (fd < 0)
            break;
        if (p->http)
            http_session(p, fd);
        else
            smtp_session(p, fd);
        close(fd);
    }
    return NULL;
}

/* Starts a peer on port (0 = any free port). */
static struct peer *peer_start(int port, int http)
{
    struct peer *p = calloc(1, sizeof(*p));
    pthread_mutex_init(&p->mu, NULL);
    p->http = http;
    p->status = 200;
    p->fd = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(p->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(p->fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(listen(p->fd, 16), 0);
    socklen_t sl = sizeof(sa);
    getsockname(p->fd, (struct sockaddr *)&sa, &sl);
    p->port = ntohs(sa.sin_port);
    pthread_create(&p->th, NULL, peer_main, p);
    return p;
}

static void peer_stop(struct peer *p)
{
    shutdown(p->fd, SHUT_RDWR);
    close(p->fd);
    pthread_join(p->th, NULL);
    for (int i = 0; i < p->nmsg; i++) {
        free(p->rcpt[i]);
        free(p->data[i]);
    }
    pthread_mutex_destroy(&p->mu);
    free(p);
}

/* A free port nobody listens on. */
static int dead_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd, (struct sockaddr *)&sa, sizeof(sa));
    socklen_t sl = sizeof(sa);
    getsockname(fd, (struct sockaddr *)&sa, &sl);
    close(fd);
    return ntohs(sa.sin_port);
}

/* ---------------------------------------------------------------- fixture */

struct fixture {
    char dir[64];
    eg_app app;
};

static const char *const modules[] = {"notify", NULL};

static int setup_backend(void **state, const char *pg)
{
    struct fixture *f = calloc(1, sizeof(*f));
    snprintf(f->dir, sizeof(f->dir), "/tmp/egov-notify-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    char url[512], err[256];
    if (pg) {
        if (pg_private_url(pg, "notify", url, sizeof(url)))
            return -1;
    } else
        snprintf(url, sizeof(url), "sqlite:%s/egov.db", f->dir);
    if (eg_db_open(url, &f->app.db, err, sizeof(err)) != EG_OK) {
        fprintf(stderr, "open %s: %s\n", url, err);
        return -1;
    }
    int applied = 0;
    if (eg_migrate(f->app.db, modules, &applied, err, sizeof(err)) != EG_OK) {
        fprintf(stderr, "migrate: %s\n", err);
        return -1;
    }
    if (eg_config_load(NULL, &f->app.cfg, err, sizeof(err)) != EG_OK)
        return -1;
    eg_config_set(f->app.cfg, "notify.smtp_from", "no-reply@vinhlong.gov.vn");
    eg_config_set(f->app.cfg, "notify.smtp_tls", "none");
    eg_config_set(f->app.cfg, "notify.backoff_ms", "1000");
    eg_config_set(f->app.cfg, "notify.max_attempts", "3");
    eg_config_set(f->app.cfg, "notify.connect_timeout_ms", "2000");
    eg_config_set(f->app.cfg, "notify.timeout_ms", "5000");
    eg_log_set_level(EG_LOG_ERROR);
    *state = f;
    return 0;
}

static int setup_sqlite(void **state)
{
    return setup_backend(state, NULL);
}

static int setup_pg(void **state)
{
    const char *pg = getenv("EGOV_TEST_PG");
    return setup_backend(state, pg); /* SQLite again when PostgreSQL is not configured */
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    eg_db_close(f->app.db);
    eg_config_free(f->app.cfg);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
    int rc = system(cmd);
    free(f);
    return rc == 0 ? 0 : -1;
}

static void set_smtp(struct fixture *f, int port)
{
    char url[64];
    snprintf(url, sizeof(url), "smtp://127.0.0.1:%d", port);
    eg_config_set(f->app.cfg, "notify.smtp_url", url);
}

static json_t *list_ref(struct fixture *f, const char *ref)
{
    json_t *items = NULL;
    assert_int_equal(eg_notify_list(eg_db_conn(f->app.db), "dossier", ref, &items), EG_OK);
    return items;
}

/* Decodes every =?UTF-8?B?...?= word of the Subject header of a raw message. */
static void decoded_subject(const char *msg, eg_buf *out)
{
    const char *s = strstr(msg, "\r\nSubject: ");
    assert_non_null(s);
    s += 11;
    for (;;) {
        const char *w = strstr(s, "=?UTF-8?B?");
        const char *eol = strstr(s, "\r\n");
        if (!w || (eol && w > eol && !(eol[2] == ' ' && w == eol + 3)))
            break;
        w += 10;
        const char *e = strstr(w, "?=");
        assert_non_null(e);
        assert_int_equal(eg_b64_decode(w, (size_t)(e - w), out), EG_OK);
        s = e + 2;
    }
}

static void decoded_body(const char *msg, eg_buf *out)
{
    const char *b = strstr(msg, "\r\n\r\n");
    assert_non_null(b);
    eg_buf clean = EG_BUF_INIT;
    for (b += 4; *b; b++)
        if (*b != '\r' && *b != '\n')
            eg_buf_putc(&clean, *b);
    assert_int_equal(eg_b64_decode(clean.data, clean.len, out), EG_OK);
    eg_buf_free(&clean);
}

/* ---------------------------------------------------------------- tests */

static const char *subject_vi = "Hồ sơ 000.00.07.H62-261128-0001 đã được tiếp nhận - Trung tâm "
                                "Phục vụ hành chính công tỉnh Vĩnh Long";
static const char *body_vi = "Kính gửi bà Nguyễn Thị Hoà,\nHồ sơ của bà đã được tiếp nhận. "
                             "Ngày hẹn trả kết quả: 05/12/2026.";

static void test_validation_and_transaction(void **state)
{
    struct fixture *f = *state;
    eg_conn *c = eg_db_conn(f->app.db);
    assert_int_equal(
        eg_notify_enqueue(c, EG_NOTIFY_EMAIL, "not-an-email", "s", "b", "dossier", "v1", NULL),
        EG_EUNPROCESSABLE);
    assert_int_equal(eg_notify_enqueue(c, EG_NOTIFY_SMS, "12345", NULL, "b", "dossier", "v1", NULL),
                     EG_EUNPROCESSABLE);
    assert_int_equal(
        eg_notify_enqueue(c, EG_NOTIFY_EMAIL, "hoa@example.com", "s", "", "dossier", "v1", NULL),
        EG_EUNPROCESSABLE);
    assert_int_equal(eg_notify_enqueue(c, 9, "hoa@example.com", "s", "b", "dossier", "v1", NULL),
                     EG_EUNPROCESSABLE);
    /* rolled back with the caller's change */
    assert_int_equal(eg_tx_begin(c), EG_OK);
    int64_t id = 0;
    assert_int_equal(
        eg_notify_enqueue(c, EG_NOTIFY_EMAIL, "hoa@example.com", "s", "b", "dossier", "v1", &id),
        EG_OK);
    assert_true(id > 0);
    assert_int_equal(eg_tx_rollback(c), EG_OK);
    json_t *items = list_ref(f, "v1");
    assert_int_equal(json_array_size(items), 0);
    json_decref(items);
    /* committed: listed with the recipient masked */
    assert_int_equal(eg_tx_begin(c), EG_OK);
    assert_int_equal(
        eg_notify_enqueue(c, EG_NOTIFY_SMS, "0912345678", NULL, "b", "dossier", "v1", NULL), EG_OK);
    assert_int_equal(eg_tx_commit(c), EG_OK);
    items = list_ref(f, "v1");
    assert_int_equal(json_array_size(items), 1);
    json_t *it = json_array_get(items, 0);
    assert_string_equal(eg_json_str(it, "to"), "*******678");
    assert_string_equal(eg_json_str(it, "status"), "pending");
    assert_string_equal(eg_json_str(it, "channel"), "sms");
    json_decref(items);
}

static void test_smtp_delivery(void **state)
{
    struct fixture *f = *state;
    struct peer *p = peer_start(0, 0);
    set_smtp(f, p->port);
    eg_conn *c = eg_db_conn(f->app.db);
    int64_t id = 0;
    assert_int_equal(eg_notify_enqueue(c, EG_NOTIFY_EMAIL, "hoa.nguyen@example.com", subject_vi,
                                       body_vi, "dossier", "d1", &id),
                     EG_OK);
    int64_t now = eg_now_ms();
    assert_int_equal(eg_notify_deliver(&f->app, now), 1);
    assert_int_equal(eg_notify_deliver(&f->app, now + 10000000), 0); /* sent once */
    assert_int_equal(p->nmsg, 1);
    assert_string_equal(p->rcpt[0], "<hoa.nguyen@example.com>");
    assert_non_null(strstr(p->data[0], "Content-Type: text/plain; charset=UTF-8"));
    eg_buf s = EG_BUF_INIT, b = EG_BUF_INIT;
    decoded_subject(p->data[0], &s);
    assert_string_equal(eg_buf_cstr(&s), subject_vi);
    decoded_body(p->data[0], &b);
    assert_string_equal(eg_buf_cstr(&b), body_vi);
    eg_buf_free(&s);
    eg_buf_free(&b);
    json_t *items = list_ref(f, "d1");
    json_t *it = json_array_get(items, 0);
    assert_string_equal(eg_json_str(it, "status"), "sent");
    assert_int_equal(eg_json_int(it, "attempts", 0), 1);
    assert_string_equal(eg_json_str(it, "to"), "h***@example.com");
    json_decref(items);
    peer_stop(p);
}

static void test_peer_down_then_up(void **state)
{
    struct fixture *f = *state;
    int port = dead_port();
    set_smtp(f, port);
    eg_conn *c = eg_db_conn(f->app.db);
    assert_int_equal(eg_notify_enqueue(c, EG_NOTIFY_EMAIL, "an@example.com", subject_vi, body_vi,
                                       "dossier", "d2", NULL),
                     EG_OK);
    int64_t now = eg_now_ms();
    assert_int_equal(eg_notify_deliver(&f->app, now), 1); /* refused */
    json_t *items = list_ref(f, "d2");
    json_t *it = json_array_get(items, 0);
    assert_string_equal(eg_json_str(it, "status"), "pending");
    assert_int_equal(eg_json_int(it, "attempts", 0), 1);
    assert_non_null(eg_json_str(it, "last_error"));
    json_decref(items);
    /* backoff: 1 s after the first failure, not earlier */
    assert_int_equal(eg_notify_deliver(&f->app, now + 999), 0);
    struct peer *p = peer_start(port, 0);
    assert_int_equal(eg_notify_deliver(&f->app, now + 1000), 1);
    assert_int_equal(eg_notify_deliver(&f->app, now + 100000), 0);
    assert_int_equal(p->nmsg, 1);
    assert_string_equal(p->rcpt[0], "<an@example.com>");
    items = list_ref(f, "d2");
    it = json_array_get(items, 0);
    assert_string_equal(eg_json_str(it, "status"), "sent");
    assert_int_equal(eg_json_int(it, "attempts", 0), 2);
    json_decref(items);
    int64_t n = 0;
    assert_int_equal(eg_query_int64(c, &n,
                                    "SELECT COUNT(*) FROM notify_attempt a JOIN notify_outbox o ON "
                                    "o.id = a.outbox_id WHERE o.ref_id = 'd2'",
                                    ""),
                     EG_OK);
    assert_int_equal(n, 2);
    peer_stop(p);
}

static void test_max_attempts_failed(void **state)
{
    struct fixture *f = *state;
    set_smtp(f, dead_port());
    eg_conn *c = eg_db_conn(f->app.db);
    assert_int_equal(
        eg_notify_enqueue(c, EG_NOTIFY_EMAIL, "x@example.com", "s", "b", "dossier", "d3", NULL),
        EG_OK);
    int64_t now = eg_now_ms();
    assert_int_equal(eg_notify_deliver(&f->app, now), 1);
    assert_int_equal(eg_notify_deliver(&f->app, now + 1000), 1);        /* 1 s backoff */
    assert_int_equal(eg_notify_deliver(&f->app, now + 1000 + 1999), 0); /* then 2 s */
    assert_int_equal(eg_notify_deliver(&f->app, now + 1000 + 2000), 1);
    assert_int_equal(eg_notify_deliver(&f->app, now + 10000000), 0);
    json_t *items = list_ref(f, "d3");
    json_t *it = json_array_get(items, 0);
    assert_string_equal(eg_json_str(it, "status"), "failed");
    assert_int_equal(eg_json_int(it, "attempts", 0), 3);
    json_decref(items);
}

/* A pass that died after claiming: the row stays untouched until its lease expires. */
static void test_stale_claim_recovered(void **state)
{
    struct fixture *f = *state;
    struct peer *p = peer_start(0, 0);
    set_smtp(f, p->port);
    eg_conn *c = eg_db_conn(f->app.db);
    int64_t id = 0, now = eg_now_ms();
    assert_int_equal(
        eg_notify_enqueue(c, EG_NOTIFY_EMAIL, "binh@example.com", "s", "b", "dossier", "d6", &id),
        EG_OK);
    assert_int_equal(eg_exec(c, NULL,
                             "UPDATE notify_outbox SET status = 'sending', claimed_by = 'dead', "
                             "claim_until = ? WHERE id = ?",
                             "ll", now + 5000, id),
                     EG_OK);
    assert_int_equal(eg_notify_deliver(&f->app, now), 0);
    assert_int_equal(p->nmsg, 0);
    assert_int_equal(eg_notify_deliver(&f->app, now + 5001), 1);
    assert_int_equal(p->nmsg, 1);
    peer_stop(p);
}

/* No SMS gateway configured: the message waits untouched (no claim, no write, attempts 0)
 * and goes out as soon as the gateway is configured. */
static void test_unconfigured_channel_waits(void **state)
{
    struct fixture *f = *state;
    eg_conn *c = eg_db_conn(f->app.db);
    assert_int_equal(
        eg_notify_enqueue(c, EG_NOTIFY_SMS, "0987654321", NULL, "b", "dossier", "d7", NULL), EG_OK);
    int64_t now = eg_now_ms();
    assert_int_equal(eg_notify_deliver(&f->app, now), 0);
    assert_int_equal(eg_notify_deliver(&f->app, now + 1000), 0);
    json_t *items = list_ref(f, "d7");
    json_t *it = json_array_get(items, 0);
    assert_string_equal(eg_json_str(it, "status"), "pending");
    assert_int_equal(eg_json_int(it, "attempts", -1), 0);
    json_decref(items);
    int64_t n = -1;
    assert_int_equal(eg_query_int64(c, &n,
                                    "SELECT COUNT(*) FROM notify_outbox WHERE ref_id = 'd7' AND "
                                    "claimed_by IS NULL AND next_at = 0",
                                    ""),
                     EG_OK);
    assert_int_equal(n, 1);
    struct peer *p = peer_start(0, 1);
    char url[64];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/sms", p->port);
    eg_config_set(f->app.cfg, "notify.sms_url", url);
    assert_int_equal(eg_notify_deliver(&f->app, now + 2000), 1);
    assert_int_equal(p->nmsg, 1);
    eg_config_set(f->app.cfg, "notify.sms_url", "");
    peer_stop(p);
}

/* An unreachable peer holds its channel: a message queued after the failure is not tried
 * (and not charged an attempt) until the hold passes; then both go out. */
static void test_unreachable_peer_holds_channel(void **state)
{
    struct fixture *f = *state;
    int port = dead_port();
    set_smtp(f, port);
    eg_conn *c = eg_db_conn(f->app.db);
    assert_int_equal(
        eg_notify_enqueue(c, EG_NOTIFY_EMAIL, "a@example.com", "s", "b", "dossier", "d8", NULL),
        EG_OK);
    int64_t now = eg_now_ms();
    assert_int_equal(eg_notify_deliver(&f->app, now), 1); /* refused: channel held 1 s */
    assert_int_equal(
        eg_notify_enqueue(c, EG_NOTIFY_EMAIL, "b@example.com", "s", "b", "dossier", "d8", NULL),
        EG_OK);
    assert_int_equal(eg_notify_deliver(&f->app, now + 500), 0);
    json_t *items = list_ref(f, "d8");
    assert_int_equal(eg_json_int(json_array_get(items, 0), "attempts", -1), 0);
    json_decref(items);
    struct peer *p = peer_start(port, 0);
    assert_int_equal(eg_notify_deliver(&f->app, now + 1000), 2);
    assert_int_equal(p->nmsg, 2);
    peer_stop(p);
}

struct pass_arg {
    eg_app *app;
    int64_t now;
    int handled;
};

static void *pass_thread(void *arg)
{
    struct pass_arg *a = arg;
    int n;
    while ((n = eg_notify_deliver(a->app, a->now)) > 0)
        a->handled += n;
    return NULL;
}

static void test_concurrent_passes_send_once(void **state)
{
    struct fixture *f = *state;
    struct peer *p = peer_start(0, 0);
    set_smtp(f, p->port);
    eg_conn *c = eg_db_conn(f->app.db);
    enum { N = 40 };
    assert_int_equal(eg_tx_begin(c), EG_OK);
    for (int i = 0; i < N; i++) {
        char to[64];
        snprintf(to, sizeof(to), "user%d@example.com", i);
        assert_int_equal(eg_notify_enqueue(c, EG_NOTIFY_EMAIL, to, "Thông báo", "Nội dung",
                                           "dossier", "d4", NULL),
                         EG_OK);
    }
    assert_int_equal(eg_tx_commit(c), EG_OK);
    int64_t now = eg_now_ms();
    pthread_t th[3];
    struct pass_arg args[3];
    for (int i = 0; i < 3; i++) {
        args[i] = (struct pass_arg){&f->app, now, 0};
        pthread_create(&th[i], NULL, pass_thread, &args[i]);
    }
    for (int i = 0; i < 3; i++)
        pthread_join(th[i], NULL);
    assert_int_equal(args[0].handled + args[1].handled + args[2].handled, N);
    assert_int_equal(p->nmsg, N);
    for (int i = 0; i < N; i++)
        for (int j = i + 1; j < N; j++)
            assert_string_not_equal(p->rcpt[i], p->rcpt[j]);
    peer_stop(p);
}

static void test_sms_gateway(void **state)
{
    struct fixture *f = *state;
    struct peer *p = peer_start(0, 1);
    char url[64];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/sms", p->port);
    eg_config_set(f->app.cfg, "notify.sms_url", url);
    eg_conn *c = eg_db_conn(f->app.db);
    assert_int_equal(eg_notify_enqueue(c, EG_NOTIFY_SMS, "0912345678", NULL,
                                       "Hồ sơ của bạn đã được tiếp nhận", "dossier", "d5", NULL),
                     EG_OK);
    p->status = 503; /* gateway busy: retried */
    int64_t now = eg_now_ms();
    assert_int_equal(eg_notify_deliver(&f->app, now), 1);
    p->status = 202;
    assert_int_equal(eg_notify_deliver(&f->app, now + 1000), 1);
    assert_int_equal(p->nmsg, 2);
    char err[128];
    json_t *j = eg_json_parse(p->data[1], strlen(p->data[1]), 4, err, sizeof(err));
    assert_non_null(j);
    assert_string_equal(eg_json_str(j, "to"), "0912345678");
    assert_string_equal(eg_json_str(j, "text"), "Hồ sơ của bạn đã được tiếp nhận");
    json_decref(j);
    json_t *items = list_ref(f, "d5");
    assert_string_equal(eg_json_str(json_array_get(items, 0), "status"), "sent");
    json_decref(items);
    peer_stop(p);
}

static void test_subject_encoding(void **state)
{
    eg_buf m = EG_BUF_INIT;
    eg__notify_build_mail(&m, "a@b.vn", "c@d.vn", subject_vi, "x", 7, 0);
    /* every header line stays under 78 characters */
    const char *q = m.data;
    const char *end = strstr(q, "\r\n\r\n");
    while (q < end) {
        const char *e = strstr(q, "\r\n");
        assert_true(e - q <= 78);
        q = e + 2;
    }
    eg_buf s = EG_BUF_INIT;
    decoded_subject(m.data, &s);
    assert_string_equal(eg_buf_cstr(&s), subject_vi);
    eg_buf_free(&s);
    eg_buf_free(&m);
}

#define BOTH(t)                                                                                    \
    cmocka_unit_test_setup_teardown(t, setup_sqlite, teardown),                                    \
        cmocka_unit_test_setup_teardown(t, setup_pg, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        BOTH(test_validation_and_transaction),
        BOTH(test_smtp_delivery),
        BOTH(test_peer_down_then_up),
        BOTH(test_max_attempts_failed),
        BOTH(test_concurrent_passes_send_once),
        BOTH(test_sms_gateway),
        BOTH(test_stale_claim_recovered),
        BOTH(test_unconfigured_channel_waits),
        BOTH(test_unreachable_peer_holds_channel),
        cmocka_unit_test(test_subject_encoding),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
