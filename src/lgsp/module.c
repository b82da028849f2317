/*
 * module.c - the LGSP module table entry: configuration, start-up of the message-log writer,
 * route registration, the scheduler tick (checkpoints, archiving, queue delivery), shutdown
 * and the `egov lgsp verify-log` command.
 *
 * Configuration ([lgsp] in egov.conf, or EGOV_LGSP_* in the environment):
 *   max_body (bytes, 10 MiB)        largest request the gateway forwards
 *   log_body_max (bytes, 1 MiB)     bodies up to this size are kept in the message log
 *   log_sync (1)                    reply only after the exchange record is committed
 *   log_queue_max (10000)           records waiting for the writer before calls are refused
 *   log_commit_delay_us (1000)      a batch leader waits up to this long for calls still on
 *                                   their way to the log (only when there are such calls)
 *   keep_days (30)                  log retention in the database before archiving
 *   checkpoint_seconds (300)        signed checkpoints of the log head
 *   upstream_allow ("")             CIDRs / host names upstreams may use even when private
 *   token_cache_ms (1000)           how long a verified access token is trusted without
 *                                   re-verification (revocation bound; 0 = off)
 *   federation_* (see federation.c) listen, cert, key, ca, peers, peer_keys, name
 *   tls_listen, tls_cert, tls_key, tls_ca, tls_target (see mtls.c): the TLS entrance for
 *                                   consumers bound to a client certificate
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lgsp/internal.h"

static const struct eg_permission permissions[] = {
    {"admin", "read", "lgsp_service", EG_SCOPE_ALL},
    {"admin", "create", "lgsp_service", EG_SCOPE_ALL},
    {"admin", "update", "lgsp_service", EG_SCOPE_ALL},
    {"agency_admin", "read", "lgsp_service", EG_SCOPE_AGENCY},
    {"agency_admin", "create", "lgsp_service", EG_SCOPE_AGENCY},
    {"agency_admin", "update", "lgsp_service", EG_SCOPE_AGENCY},
    {"admin", "read", "lgsp_consumer", EG_SCOPE_ALL},
    {"admin", "create", "lgsp_consumer", EG_SCOPE_ALL},
    {"agency_admin", "read", "lgsp_consumer", EG_SCOPE_AGENCY},
    {"agency_admin", "create", "lgsp_consumer", EG_SCOPE_AGENCY},
    {"admin", "read", "lgsp_message", EG_SCOPE_ALL},
    {"auditor", "read", "lgsp_message", EG_SCOPE_ALL},
    {"agency_admin", "read", "lgsp_message", EG_SCOPE_AGENCY},
    {"admin", "read", "lgsp_stats", EG_SCOPE_ALL},
    {"auditor", "read", "lgsp_stats", EG_SCOPE_ALL},
    {NULL, NULL, NULL, 0},
};

static int slot = -1;

lgsp_state *eg__lgsp_state(eg_app *app)
{
    if (slot < 0)
        slot = eg_module_slot("lgsp");
    return app->mod[slot];
}

static int lgsp_init(eg_app *app)
{
    lgsp_state *s = eg_calloc(1, sizeof(*s));
    s->app = app;
    s->max_body = eg_config_int(app->cfg, "lgsp.max_body", 10 << 20);
    s->log_body_max = eg_config_int(app->cfg, "lgsp.log_body_max", 1 << 20);
    s->log_sync = eg_config_bool(app->cfg, "lgsp.log_sync", 1);
    s->queue_max = eg_config_int(app->cfg, "lgsp.log_queue_max", 10000);
    s->commit_delay_us = eg_config_int(app->cfg, "lgsp.log_commit_delay_us", 1000);
    pthread_cond_init(&s->cv_batch, NULL);
    s->keep_days = eg_config_int(app->cfg, "lgsp.keep_days", 30);
    s->checkpoint_every_ms = eg_config_int(app->cfg, "lgsp.checkpoint_seconds", 300) * 1000;
    s->allow = eg_strdup(eg_config_get(app->cfg, "lgsp.upstream_allow", ""));
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv_work, NULL);
    pthread_cond_init(&s->cv_done, NULL);
    pthread_mutex_init(&s->rl_mu, NULL);
    s->stats = eg__lgsp_stats_new();
    unsigned char sec[32];
    eg_random(sec, sizeof(sec));
    eg_hex(sec, sizeof(sec), s->relay_secret);
    s->cache = eg__lgsp_cache_new(eg_config_int(app->cfg, "lgsp.token_cache_ms", 1000));
    if (slot < 0)
        slot = eg_module_slot("lgsp");
    app->mod[slot] = s;
    eg__lgsp_gateway_global_init();
    eg__lgsp_data_builtin();
    eg__lgsp_wf_install(); /* BPMN service tasks "lgsp:<service>" (wfcall.c) */
    return EG_OK;
}

static void lgsp_routes(eg_app *app, eg_http *h)
{
    lgsp_state *s = eg__lgsp_state(app);
    eg__lgsp_log_start(s);
    eg__lgsp_queue_start(s);
    eg__lgsp_fed_start(s);
    eg__lgsp_mtls_start(s);
    eg__lgsp_registry_routes(h);
    eg__lgsp_gateway_routes(h, s);
    eg__lgsp_log_routes(h);
    eg__lgsp_stats_routes(h);
    eg__lgsp_queue_routes(h);
    eg_http_add_metrics(h, eg__lgsp_metrics);
}

/* Demo data: the shared catalogues published through the gateway as service "dmdc" v1
 * (provider catalog.dmdc, owned by the province's Department of Science and Technology).
 * Idempotent: an existing "dmdc" registration is left as it is. */
static int lgsp_seed(eg_app *app, int demo)
{
    if (!demo)
        return EG_OK;
    eg_conn *c = eg_db_conn(app->db);
    int64_t n = 0;
    int rc = eg_query_int64(c, &n, "SELECT COUNT(*) FROM lgsp_service WHERE code = 'dmdc'", "");
    if (rc || n)
        return rc;
    char now[25];
    eg_time_iso_ms(eg_now_ms(), now);
    return eg_exec(c, NULL,
                   "INSERT INTO lgsp_service (code, version, name, owner_agency, kind, "
                   "upstream_url, timeout_ms, description, status, created_at, updated_at) "
                   "VALUES ('dmdc', 'v1', ?, '000.00.08.H61', 'rest', 'data:catalog.dmdc', 5000, "
                   "?, 'published', ?, ?)",
                   "tttt", "Danh mục dùng chung của tỉnh",
                   "GET /gw/dmdc/v1/{mã danh mục}?q=&at=YYYY-MM-DD: các dòng còn hiệu lực của "
                   "danh mục điện tử dùng chung (dân tộc, tôn giáo, đơn vị hành chính, ...)",
                   now, now);
}

static void lgsp_tick(eg_app *app, int64_t now)
{
    lgsp_state *s = eg__lgsp_state(app);
    if (!s)
        return;
    int64_t mono = eg_mono_ms();
    if (!s->next_checkpoint_ms)
        s->next_checkpoint_ms = mono + s->checkpoint_every_ms;
    if (mono >= s->next_checkpoint_ms) {
        int rc = eg_lgsp_log_checkpoint(app->db, app->data_dir);
        if (rc)
            eg_log(EG_LOG_WARN, "lgsp", NULL, "log checkpoint failed", "error", eg_strerror(rc),
                   NULL);
        s->next_checkpoint_ms = mono + s->checkpoint_every_ms;
    }
    if (mono >= s->next_archive_ms) {
        int64_t n = 0;
        eg__lgsp_archive(s, now - s->keep_days * 86400000LL, &n);
        s->next_archive_ms = mono + 3600 * 1000;
    }
    eg__lgsp_queue_tick(s, now);
}

static void lgsp_shutdown(eg_app *app)
{
    lgsp_state *s = eg__lgsp_state(app);
    if (!s)
        return;
    eg__lgsp_fed_stop(s);
    eg__lgsp_mtls_stop(s);
    eg__lgsp_queue_stop(s);
    eg__lgsp_log_stop(s);
    if (s->writer_started)
        eg_lgsp_log_checkpoint(app->db, app->data_dir);
    eg__lgsp_stats_free(s->stats);
    eg__lgsp_cache_free(s->cache);
    eg__lgsp_rate_free(s);
    free(s->allow);
    free(s);
    app->mod[slot] = NULL;
}

static int cmd_lgsp(int argc, char **argv)
{
    static const char *const opts[] = {"--data-dir", "--config", NULL};
    if (argc >= 1 && strcmp(argv[0], "pubkey") == 0) {
        if (eg_arg_check(argc - 1, argv + 1, "lgsp pubkey", opts, NULL))
            return 2;
        const char *d = eg_arg(argc, argv, "--data-dir");
        unsigned char pk[32], sk[64];
        if (eg__lgsp_keypair(d ? d : "var", 1, pk, sk))
            return eg_cli_fail("lgsp pubkey: cannot read or create the key");
        char hex[65];
        eg_hex(pk, sizeof(pk), hex);
        printf("%s\n", hex);
        return 0;
    }
    if (argc < 1 || strcmp(argv[0], "verify-log") != 0)
        return eg_cli_fail("usage: egov lgsp verify-log|pubkey --data-dir DIR");
    if (eg_arg_check(argc - 1, argv + 1, "lgsp verify-log", opts, NULL))
        return 2;
    const char *dir = eg_arg(argc, argv, "--data-dir");
    if (!dir)
        dir = "var";
    eg_app app;
    char err[512] = "";
    int rc = eg_app_open(&app, dir, eg_arg(argc, argv, "--config"), 0, err, sizeof(err));
    if (rc) {
        eg_app_close(&app);
        return eg_cli_fail("lgsp verify-log: %s", err[0] ? err : eg_strerror(rc));
    }
    int64_t count = 0;
    char msg[512] = "";
    rc = eg_lgsp_verify_log(app.db, app.data_dir, &count, msg, sizeof(msg));
    eg_app_close(&app);
    if (rc)
        return eg_cli_fail("lgsp verify-log: %s", msg[0] ? msg : eg_strerror(rc));
    printf("lgsp message log intact: %lld records\n", (long long)count);
    return 0;
}

static const struct eg_command commands[] = {
    {"lgsp", "lgsp verify-log|pubkey --data-dir DIR",
     "Kiểm tra chuỗi băm và chữ ký của nhật ký thông điệp LGSP", cmd_lgsp},
    {NULL, NULL, NULL, NULL},
};

const struct eg_module eg_lgsp_module = {
    .name = "lgsp",
    .permissions = permissions,
    .commands = commands,
    .init = lgsp_init,
    .routes = lgsp_routes,
    .seed = lgsp_seed,
    .tick = lgsp_tick,
    .shutdown = lgsp_shutdown,
};
