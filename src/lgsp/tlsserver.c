/*
 * tlsserver.c - the TLS listener shared by the federation entrance (federation.c, mutual TLS
 * between platforms) and the gateway's client-certificate entrance (mtls.c): bind "host:port",
 * an accept thread polling every 200 ms for the stop flag, and one detached thread per
 * connection that does the handshake (10 s receive timeout) and hands the SSL to the caller's
 * function. The caller builds the SSL_CTX (verification rules differ); the listener owns it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <openssl/ssl.h>
#include "lgsp/internal.h"

struct lgsp_tls_server {
    SSL_CTX *ctx;
    int lfd;
    pthread_t th;
    volatile int stop;
    lgsp_tls_fn fn;
    void *ud;
};

struct tls_conn {
    lgsp_tls_server *t;
    int fd;
};

static void *conn_main(void *arg)
{
    struct tls_conn *cn = arg;
    struct timeval tv = {10, 0};
    setsockopt(cn->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    SSL *ssl = SSL_new(cn->t->ctx);
    SSL_set_fd(ssl, cn->fd);
    if (SSL_accept(ssl) == 1)
        cn->t->fn(cn->t->ud, ssl);
    SSL_shutdown(ssl);
    SSL_free(ssl);
    close(cn->fd);
    free(cn);
    return NULL;
}

static void *accept_main(void *arg)
{
    lgsp_tls_server *t = arg;
    while (!t->stop) {
        struct pollfd p = {t->lfd, POLLIN, 0};
        if (poll(&p, 1, 200) <= 0)
            continue;
        int fd = accept4(t->lfd, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0)
            continue;
        struct tls_conn *cn = eg_calloc(1, sizeof(*cn));
        cn->t = t;
        cn->fd = fd;
        pthread_t th;
        pthread_attr_t at;
        pthread_attr_init(&at);
        pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
        if (pthread_create(&th, &at, conn_main, cn) != 0) {
            close(fd);
            free(cn);
        }
        pthread_attr_destroy(&at);
    }
    return NULL;
}

lgsp_tls_server *eg__lgsp_tls_listen(const char *what, const char *listen_at, SSL_CTX *ctx,
                                     lgsp_tls_fn fn, void *ud)
{
    char host[128] = "127.0.0.1";
    int port = 0;
    const char *colon = strrchr(listen_at, ':');
    if (colon) {
        snprintf(host, sizeof(host), "%.*s", (int)(colon - listen_at), listen_at);
        port = atoi(colon + 1);
    }
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    int fd = -1;
    if (inet_pton(AF_INET, host, &sa.sin_addr) == 1)
        fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    if (fd >= 0)
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(fd, 128) != 0) {
        eg_log(EG_LOG_ERROR, "lgsp", NULL, "cannot listen", "entrance", what, "listen", listen_at,
               "error", strerror(errno), NULL);
        if (fd >= 0)
            close(fd);
        SSL_CTX_free(ctx);
        return NULL;
    }
    lgsp_tls_server *t = eg_calloc(1, sizeof(*t));
    t->ctx = ctx;
    t->lfd = fd;
    t->fn = fn;
    t->ud = ud;
    pthread_create(&t->th, NULL, accept_main, t);
    eg_log(EG_LOG_INFO, "lgsp", NULL, "TLS entrance listening", "entrance", what, "listen",
           listen_at, NULL);
    return t;
}

void eg__lgsp_tls_stop(lgsp_tls_server *t)
{
    if (!t)
        return;
    t->stop = 1;
    pthread_join(t->th, NULL);
    close(t->lfd);
    SSL_CTX_free(t->ctx);
    free(t);
}
