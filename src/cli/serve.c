/*
 * serve.c - `egov serve`: the HTTP server plus the scheduler thread, in one process.
 *
 * Signals are blocked in every thread and taken synchronously with sigwait() on the main
 * thread, so shutdown is ordinary code: stop accepting, let in-flight requests finish (at
 * most 10 s), stop the scheduler, close the database, exit 0.
 */
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "cli/cli.h"
#include "audit/audit.h"

struct scheduler {
    eg_app *app;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int stop;
};

/* The single scheduler thread: module ticks every 250 ms, audit checkpoints periodically. */
static void *scheduler_main(void *arg)
{
    struct scheduler *s = arg;
    int64_t every = eg_config_int(s->app->cfg, "audit.checkpoint_seconds", 300) * 1000;
    int64_t next_checkpoint = eg_mono_ms() + every;
    pthread_mutex_lock(&s->mu);
    while (!s->stop) {
        pthread_mutex_unlock(&s->mu);
        int64_t now = eg_now_ms();
        for (int i = 0; eg_modules[i]; i++) {
            if (eg_modules[i]->tick)
                eg_modules[i]->tick(s->app, now);
        }
        if (eg_mono_ms() >= next_checkpoint) {
            int rc = eg_audit_checkpoint(s->app->db, s->app->data_dir);
            if (rc)
                eg_log(EG_LOG_WARN, "audit", NULL, "checkpoint failed", "error", eg_strerror(rc),
                       NULL);
            next_checkpoint = eg_mono_ms() + every;
        }
        pthread_mutex_lock(&s->mu);
        if (s->stop)
            break;
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 250 * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&s->cv, &s->mu, &ts);
    }
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

static int ready_check(void *arg, char *detail, size_t n)
{
    eg_app *app = arg;
    static const char *names[32];
    int i = 0;
    for (; eg_modules[i] && i < 31; i++)
        names[i] = eg_modules[i]->name;
    names[i] = NULL;
    int64_t one = 0;
    if (eg_query_int64(eg_db_conn(app->db), &one, "SELECT 1", "") || one != 1) {
        snprintf(detail, n, "Cơ sở dữ liệu không phản hồi");
        return EG_EUNAVAIL;
    }
    if (!eg_migrations_current(app->db, names)) {
        snprintf(detail, n, "Lược đồ cơ sở dữ liệu chưa được cập nhật (egov migrate)");
        return EG_EUNAVAIL;
    }
    return EG_OK;
}

static json_t *version_info(void *arg)
{
    eg_app *app = arg;
    return json_pack("{s:s, s:s, s:s, s:i}", "version", EG_VERSION, "commit", EG_COMMIT, "db",
                     eg_db_backend_name(app->db), "schema", eg_schema_version());
}

static void core_metrics(eg_buf *out, void *arg)
{
    eg_app *app = arg;
    eg_buf_printf(out,
                  "# HELP egov_db_transactions_total Database transactions committed.\n"
                  "# TYPE egov_db_transactions_total counter\n"
                  "egov_db_transactions_total %llu\n",
                  (unsigned long long)eg_db_tx_count(app->db));
}

int eg__cmd_serve(int argc, char **argv)
{
    static const char *const opts[] = {"--data-dir", "--listen", "--config", NULL};
    if (eg_arg_check(argc, argv, "serve", opts, NULL))
        return 2;
    const char *dir = eg_arg(argc, argv, "--data-dir");
    if (!dir)
        dir = "var";
    char dbcheck[4096];
    snprintf(dbcheck, sizeof(dbcheck), "%s/keys", dir);
    if (!eg_path_exists(dbcheck))
        return eg_cli_fail("serve: %s is not initialised (run: egov init --data-dir %s --demo)",
                           dir, dir);

    /* Block the signals before any thread exists so every thread inherits the mask. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    eg_app app;
    char err[512] = "";
    int rc = eg_app_open(&app, dir, eg_arg(argc, argv, "--config"), 1, err, sizeof(err));
    if (rc) {
        eg_app_close(&app);
        return eg_cli_fail("serve: %s", err[0] ? err : eg_strerror(rc));
    }
    char webroot[4096];
    snprintf(webroot, sizeof(webroot), "%s/web", app.share_dir);
    const char *listen = eg_arg(argc, argv, "--listen");
    eg_http_config hc = {
        .listen = listen ? listen : eg_config_get(app.cfg, "http.listen", "127.0.0.1:8080"),
        .threads = (int)eg_config_int(app.cfg, "http.threads", 0),
        .max_body = (size_t)eg_config_int(app.cfg, "http.max_body", 1 << 20),
        .max_json_depth = (int)eg_config_int(app.cfg, "http.max_json_depth", 32),
        .web_root = webroot,
        .site_name = eg_config_get(app.cfg, "site.name", "Cổng dịch vụ công tỉnh Vĩnh Long"),
        .access_log = eg_config_bool(app.cfg, "http.access_log", 1),
        .conn_timeout_s = (int)eg_config_int(app.cfg, "http.conn_timeout", 30),
    };
    eg_http *h = eg_http_new(&hc);
    app.http = h;
    eg_http_set_app(h, &app);
    eg_http_set_ready(h, ready_check);
    eg_http_set_version(h, version_info);
    eg_http_add_metrics(h, core_metrics);
    for (int i = 0; eg_modules[i]; i++) {
        if (eg_modules[i]->routes)
            eg_modules[i]->routes(&app, h);
    }
    char url[256];
    rc = eg_http_start(h, url, sizeof(url));
    if (rc) {
        eg_http_free(h);
        eg_app_close(&app);
        return eg_cli_fail("serve: cannot listen on %s: %s", hc.listen, eg_strerror(rc));
    }
    if (!eg_config_get(app.cfg, "http.base_url", NULL)) {
        free((char *)app.base_url);
        app.base_url = eg_strdup(url);
    }
    printf("listening on %s\n", url);
    fflush(stdout);
    eg_log(EG_LOG_INFO, "cli", NULL, "serving", "url", url, "data_dir", dir, "db",
           eg_db_backend_name(app.db), NULL);

    struct scheduler sched = {.app = &app, .stop = 0};
    pthread_mutex_init(&sched.mu, NULL);
    pthread_cond_init(&sched.cv, NULL);
    pthread_create(&sched.thread, NULL, scheduler_main, &sched);

    int sig = 0;
    sigwait(&set, &sig);
    eg_log(EG_LOG_INFO, "cli", NULL, "shutting down", "signal", sig == SIGTERM ? "TERM" : "INT",
           NULL);
    eg_http_stop(h, 10000);
    pthread_mutex_lock(&sched.mu);
    sched.stop = 1;
    pthread_cond_signal(&sched.cv);
    pthread_mutex_unlock(&sched.mu);
    pthread_join(sched.thread, NULL);
    eg_audit_checkpoint(app.db, app.data_dir);
    eg_http_free(h);
    app.http = NULL;
    eg_app_close(&app);
    return 0;
}
