/*
 * dvcqg.c - the sync queue to the National Public Service Portal: enqueue inside the caller's
 * transaction, the scheduler's delivery loop (per dossier in id order, exponential backoff,
 * the outcome and the portal's codes recorded in one transaction with the audit record), the
 * status API and a manual (re)sync route for agency leaders.
 *
 * Exactly once: an event is marked delivered only after the portal answered, in the same
 * transaction that stores the portal's dossier code; if the process dies between the
 * portal's answer and that commit, the event is sent again with the same idempotency keys and
 * the portal answers from its memory (adapter.c).
 */
#include <string.h>
#include <stdlib.h>
#include "audit/audit.h"
#include "identity/identity.h"
#include "dvcqg/internal.h"

dq_state *eg__dq;

int eg_dvcqg_enqueue(eg_conn *conn, const char *event, const json_t *dossier_json)
{
    if (!event || !dossier_json ||
        (strcmp(event, EG_DVCQG_SUBMITTED) && strcmp(event, EG_DVCQG_PROGRESS) &&
         strcmp(event, EG_DVCQG_STATUS)))
        return EG_EINVAL;
    const char *code = eg_json_str(dossier_json, "code");
    long long status = eg_json_int(dossier_json, "status", 0);
    if (!code || !*code || strlen(code) > 64 || status < 1 || status > 10)
        return EG_EINVAL;
    char iso[25];
    eg_time_iso_ms(eg_now_ms(), iso);
    char *txt = json_dumps(dossier_json, JSON_COMPACT);
    const char *agency = eg_json_str(dossier_json, "agency_code");
    int rc = eg_exec(conn, NULL,
                     "INSERT INTO dvcqg_events (dossier_code, agency_code, event, payload, "
                     "created_at) VALUES (?,?,?,?,?)",
                     "ttttt", code, agency, event, txt, iso);
    free(txt);
    if (!rc && agency) {
        int64_t have = 0;
        rc = eg_query_int64(
            conn, &have, "SELECT COUNT(*) FROM dvcqg_dossiers WHERE dossier_code = ?", "t", code);
        if (!rc && !have)
            rc = eg_exec(conn, NULL,
                         "INSERT INTO dvcqg_dossiers (dossier_code, agency_code, updated_at) "
                         "VALUES (?,?,?)",
                         "ttt", code, agency, iso);
    }
    return rc;
}

int eg_dvcqg_status(eg_conn *conn, const char *dossier_code, json_t **out)
{
    json_t *ev = NULL, *ds = NULL;
    int rc = eg_query_json(conn, &ev,
                           "SELECT id, event, state, attempts, last_error, created_at, "
                           "delivered_at FROM dvcqg_events WHERE dossier_code = ? ORDER BY id",
                           "t", dossier_code);
    if (rc)
        return rc;
    if (!json_array_size(ev)) {
        json_decref(ev);
        return EG_ENOTFOUND;
    }
    rc = eg_query_json(conn, &ds,
                       "SELECT agency_code, portal_code, portal_id FROM dvcqg_dossiers WHERE "
                       "dossier_code = ?",
                       "t", dossier_code);
    if (rc) {
        json_decref(ev);
        return rc;
    }
    json_t *d = json_array_get(ds, 0);
    long long pending = 0, delivered = 0, failed = 0, retrying = 0;
    const char *last_error = NULL;
    size_t i;
    json_t *e;
    json_array_foreach(ev, i, e)
    {
        const char *st = eg_json_str(e, "state");
        if (strcmp(st, "delivered") == 0) {
            delivered++;
        } else if (strcmp(st, "failed") == 0) {
            failed++;
            last_error = eg_json_str(e, "last_error");
        } else {
            pending++;
            if (eg_json_int(e, "attempts", 0) > 0) {
                retrying++;
                last_error = eg_json_str(e, "last_error");
            }
        }
    }
    const char *state = failed ? "failed" : retrying ? "retrying" : pending ? "pending" : "synced";
    *out = json_pack("{s:s, s:s?, s:s?, s:s?, s:s, s:I, s:I, s:s?, s:O}", "dossier_code",
                     dossier_code, "agency_code", d ? eg_json_str(d, "agency_code") : NULL,
                     "portal_code", d ? eg_json_str(d, "portal_code") : NULL, "portal_id",
                     d ? eg_json_str(d, "portal_id") : NULL, "state", state, "pending",
                     (json_int_t)pending, "delivered", (json_int_t)delivered, "last_error",
                     last_error, "events", ev);
    json_decref(ev);
    json_decref(ds);
    return 0;
}

/* ------------------------------------------------------------------ delivery */

static void finish(eg_conn *c, dq_delivery *d, int rc, int attempts)
{
    char iso[25];
    int64_t now = eg_now_ms();
    eg_time_iso_ms(now, iso);
    int e = eg_tx_begin(c);
    if (e)
        return;
    if (!rc) {
        e = eg_exec(c, NULL,
                    "UPDATE dvcqg_events SET state = 'delivered', attempts = ?, last_error = "
                    "NULL, delivered_at = ? WHERE id = ? AND state = 'pending'",
                    "itl", attempts + 1, iso, d->id);
        if (!e && d->new_portal_code[0]) {
            int64_t have = 0;
            e = eg_query_int64(c, &have,
                               "SELECT COUNT(*) FROM dvcqg_dossiers WHERE dossier_code = ?", "t",
                               d->dossier_code);
            if (!e && have)
                e = eg_exec(c, NULL,
                            "UPDATE dvcqg_dossiers SET portal_code = ?, portal_id = ?, "
                            "updated_at = ? WHERE dossier_code = ?",
                            "tttt", d->new_portal_code, d->new_portal_id, iso, d->dossier_code);
            else if (!e)
                e = eg_exec(c, NULL,
                            "INSERT INTO dvcqg_dossiers (dossier_code, portal_code, portal_id, "
                            "updated_at) VALUES (?,?,?,?)",
                            "tttt", d->dossier_code, d->new_portal_code, d->new_portal_id, iso);
        }
        if (!e) {
            char ids[24];
            snprintf(ids, sizeof(ids), "%lld", (long long)d->id);
            json_t *det = json_pack("{s:s, s:s, s:s?}", "event", d->event, "dossier_code",
                                    d->dossier_code, "portal_code",
                                    d->new_portal_code[0] ? d->new_portal_code : d->portal_code);
            eg_audit_event ev = {.actor = "system",
                                 .action = "dvcqg.delivered",
                                 .object_type = "dvcqg_event",
                                 .object_id = ids,
                                 .detail = det};
            e = eg_audit_append(c, &ev);
            json_decref(det);
        }
    } else {
        int n = attempts + 1;
        int64_t delay = eg__dq->retry_base_ms;
        for (int i = 1; i < n && delay < eg__dq->retry_max_ms; i++)
            delay *= 2;
        if (delay > eg__dq->retry_max_ms)
            delay = eg__dq->retry_max_ms;
        int give_up = eg__dq->max_attempts > 0 && n >= eg__dq->max_attempts;
        e = eg_exec(c, NULL,
                    "UPDATE dvcqg_events SET state = ?, attempts = ?, next_ms = ?, last_error = "
                    "? WHERE id = ? AND state = 'pending'",
                    "tiltl", give_up ? "failed" : "pending", n, now + delay, d->error, d->id);
        if (!e && give_up) {
            char ids[24];
            snprintf(ids, sizeof(ids), "%lld", (long long)d->id);
            json_t *det =
                json_pack("{s:s, s:s}", "dossier_code", d->dossier_code, "error", d->error);
            eg_audit_event ev = {.actor = "system",
                                 .action = "dvcqg.failed",
                                 .object_type = "dvcqg_event",
                                 .object_id = ids,
                                 .detail = det};
            e = eg_audit_append(c, &ev);
            json_decref(det);
        }
    }
    if (e) {
        eg_log(EG_LOG_WARN, "dvcqg", NULL, "could not record a delivery outcome", "error",
               eg_strerror(e), "db", eg_conn_errmsg(c), NULL);
        eg_tx_rollback(c);
    } else {
        eg_tx_commit(c);
    }
}

static void dvcqg_tick(eg_app *app, int64_t now)
{
    if (!eg__dq || !eg__dq->base_url)
        return;
    eg_conn *c = eg_db_conn(app->db);
    json_t *rows = NULL;
    /* The head event of every dossier whose earlier events are all delivered. */
    if (eg_query_json(c, &rows,
                      "SELECT e.id, e.dossier_code, e.event, e.payload, e.attempts, "
                      "d.portal_code, d.portal_id FROM dvcqg_events e LEFT JOIN dvcqg_dossiers "
                      "d ON d.dossier_code = e.dossier_code WHERE e.state = 'pending' AND "
                      "e.next_ms <= ? AND NOT EXISTS (SELECT 1 FROM dvcqg_events p WHERE "
                      "p.dossier_code = e.dossier_code AND p.state <> 'delivered' AND p.id < "
                      "e.id) ORDER BY e.id LIMIT 20",
                      "l", now)) {
        eg_log(EG_LOG_WARN, "dvcqg", NULL, "queue query failed", "db", eg_conn_errmsg(c), NULL);
        return;
    }
    size_t i;
    json_t *r;
    int down = 0;
    json_array_foreach(rows, i, r)
    {
        dq_delivery d = {0};
        d.id = json_integer_value(json_object_get(r, "id"));
        d.dossier_code = eg_json_str(r, "dossier_code");
        d.event = eg_json_str(r, "event");
        d.portal_code = eg_json_str(r, "portal_code");
        d.portal_id = eg_json_str(r, "portal_id");
        const char *pl = eg_json_str(r, "payload");
        d.payload = eg_json_parse(pl, strlen(pl), 64, NULL, 0);
        int rc;
        if (down) {
            rc = EG_EUPSTREAM;
            snprintf(d.error, sizeof(d.error), "portal unreachable");
        } else {
            rc = d.payload ? eg__dq_deliver(&d) : EG_EINVAL;
        }
        if (rc == EG_EUPSTREAM || rc == EG_ETIMEOUT)
            down = 1; /* do not hammer a portal that is down: back off every head */
        finish(c, &d, rc, (int)eg_json_int(r, "attempts", 0));
        json_decref(d.payload);
    }
    json_decref(rows);
}

/* ------------------------------------------------------------------ HTTP */

static int h_status(eg_req *r)
{
    const char *code = eg_req_param(r, "dossier_code");
    json_t *st = NULL;
    int rc = eg_dvcqg_status(eg_db_conn(eg__dq->app->db), code, &st);
    if (rc == EG_ENOTFOUND)
        return eg_req_fail(r, rc, "Hồ sơ %s chưa có sự kiện đồng bộ", code);
    if (rc)
        return rc;
    eg_object o = {"dvcqg", eg_json_str(st, "agency_code"), NULL};
    rc = eg_authorize(r, "read", &o);
    if (rc) {
        json_decref(st);
        return rc;
    }
    return eg_reply_json(r, 200, st);
}

static int h_enqueue(eg_req *r)
{
    int rc = 0;
    json_t *b = eg_req_json(r, &rc);
    if (!b)
        return rc;
    const char *event = eg_json_str(b, "event");
    json_t *dossier = json_object_get(b, "dossier");
    const char *agency = json_is_object(dossier) ? eg_json_str(dossier, "agency_code") : NULL;
    if (!agency || !eg_valid_agency_code(agency))
        return eg_req_fail_field(r, EG_EUNPROCESSABLE, "dossier.agency_code",
                                 "Cần mã cơ quan hợp lệ");
    eg_object o = {"dvcqg", agency, NULL};
    rc = eg_authorize(r, "sync", &o);
    if (rc)
        return rc;
    eg_conn *c = eg_db_conn(eg__dq->app->db);
    rc = eg_tx_begin(c);
    if (rc)
        return rc;
    rc = eg_dvcqg_enqueue(c, event, dossier);
    if (rc == EG_EINVAL) {
        eg_tx_rollback(c);
        return eg_req_fail(r, EG_EUNPROCESSABLE,
                           "event phải là submitted, progress hoặc status; dossier cần code và "
                           "status 1-10");
    }
    if (!rc) {
        json_t *det = json_pack("{s:s}", "event", event);
        eg_audit_event ev = {.actor = eg_actor(r),
                             .action = "dvcqg.enqueue",
                             .object_type = "dossier",
                             .object_id = eg_json_str(dossier, "code"),
                             .agency = agency,
                             .request_id = eg_req_id(r),
                             .client_addr = eg_req_client_ip(r),
                             .detail = det};
        rc = eg_audit_append(c, &ev);
        json_decref(det);
    }
    if (rc) {
        eg_tx_rollback(c);
        return rc;
    }
    rc = eg_tx_commit(c);
    if (rc)
        return rc;
    json_t *st = NULL;
    rc = eg_dvcqg_status(c, eg_json_str(dossier, "code"), &st);
    if (rc)
        return rc;
    return eg_reply_json(r, 202, st);
}

/* ------------------------------------------------------------------ module */

static const struct eg_permission dvcqg_permissions[] = {
    {"receiver", "read", "dvcqg", EG_SCOPE_AGENCY},
    {"officer", "read", "dvcqg", EG_SCOPE_AGENCY},
    {"unit_leader", "read", "dvcqg", EG_SCOPE_AGENCY},
    {"leader", "read", "dvcqg", EG_SCOPE_AGENCY},
    {"leader", "sync", "dvcqg", EG_SCOPE_AGENCY},
    {"system", "sync", "dvcqg", EG_SCOPE_AGENCY},
    {"system", "read", "dvcqg", EG_SCOPE_AGENCY},
    {NULL, NULL, NULL, 0},
};

static int dvcqg_init(eg_app *app)
{
    dq_state *s = eg_calloc(1, sizeof(*s));
    s->app = app;
    const char *u = eg_config_get(app->cfg, "dvcqg.base_url", NULL);
    s->base_url = u && *u ? u : NULL;
    s->client_id = eg_config_get(app->cfg, "dvcqg.client_id", "egov");
    s->client_secret = eg_config_get(app->cfg, "dvcqg.client_secret", "");
    s->timeout_ms = (long)eg_config_int(app->cfg, "dvcqg.timeout_ms", 3000);
    s->retry_base_ms = eg_config_int(app->cfg, "dvcqg.retry_base_ms", 1000);
    s->retry_max_ms = eg_config_int(app->cfg, "dvcqg.retry_max_ms", 300000);
    s->max_attempts = (int)eg_config_int(app->cfg, "dvcqg.max_attempts", 0);
    s->via_lgsp = eg_config_bool(app->cfg, "dvcqg.via_lgsp", 1);
    s->lgsp_service = eg_config_get(app->cfg, "dvcqg.lgsp_service", "dvcqg");
    s->lgsp_client = eg_config_get(app->cfg, "dvcqg.lgsp_client", "egov-dvcqg");
    /* Văn phòng Chính phủ operates the national portal [?: confirm the code]; the connector
     * is the province's (Văn phòng UBND tỉnh by default). */
    s->lgsp_owner = eg_config_get(app->cfg, "dvcqg.lgsp_owner", "000.00.00.G22");
    s->lgsp_agency = eg_config_get(app->cfg, "dvcqg.lgsp_agency", "000.00.01.H61");
    if (s->retry_base_ms < 10)
        s->retry_base_ms = 10;
    if (s->retry_max_ms < s->retry_base_ms)
        s->retry_max_ms = s->retry_base_ms;
    eg__dq = s;
    app->mod[eg_module_slot("dvcqg")] = s;
    return 0;
}

static void dvcqg_routes(eg_app *app, eg_http *h)
{
    eg_http_route(h, "GET", "/api/v1/dvcqg/status/{dossier_code}", h_status,
                  &(eg_route_opts){.tag = "dvcqg",
                                   .summary = "Sync state of a dossier with the national portal"});
    eg_http_route(
        h, "POST", "/api/v1/dvcqg/events", h_enqueue,
        &(eg_route_opts){.tag = "dvcqg", .summary = "Queue a sync event by hand (resync)"});
}

static void dvcqg_shutdown(eg_app *app)
{
    free(eg__dq);
    eg__dq = NULL;
}

const struct eg_module eg_dvcqg_module = {
    .name = "dvcqg",
    .permissions = dvcqg_permissions,
    .init = dvcqg_init,
    .routes = dvcqg_routes,
    .tick = dvcqg_tick,
    .shutdown = dvcqg_shutdown,
};
