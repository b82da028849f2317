/*
 * reconcile.c - the daily reconciliation (đối soát): the platform's paid/refunded payments of a
 * VN calendar day against the gateway's statement for that day, flagging every line that is
 * missing on one side or differs in amount or state. Served live by
 * GET /api/v1/payment/reconciliation?date= and stored once a day by the scheduler
 * (payment_reconciliations, audited).
 */
#include <string.h>
#include <stdlib.h>
#include "audit/audit.h"
#include "identity/identity.h"
#include "payment/internal.h"

static json_t *find_order(json_t *arr, const char *order_id)
{
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v)
    {
        const char *o = eg_json_str(v, "order_id");
        if (o && strcmp(o, order_id) == 0)
            return v;
    }
    return NULL;
}

static void flag(json_t *out, const char *order_id, const char *kind, json_t *mine, json_t *theirs)
{
    json_array_append_new(
        out, json_pack("{s:s, s:s, s:O?, s:O?, s:O?, s:O?}", "order_id", order_id, "kind", kind,
                       "platform_amount_vnd", mine ? json_object_get(mine, "amount_vnd") : NULL,
                       "gateway_amount_vnd", theirs ? json_object_get(theirs, "amount_vnd") : NULL,
                       "platform_state", mine ? json_object_get(mine, "state") : NULL,
                       "gateway_state", theirs ? json_object_get(theirs, "state") : NULL));
}

int eg__pay_reconcile(eg_conn *c, const char *day, const char *agency, json_t **report)
{
    json_t *mine = NULL, *theirs = NULL;
    int rc = eg_query_json(c, &mine,
                           "SELECT id, order_id, agency_code, amount_vnd, state FROM "
                           "payment_payments WHERE paid_day = ? AND state IN ('paid', "
                           "'refunded') AND (CAST(? AS TEXT) IS NULL OR agency_code = ?) "
                           "ORDER BY order_id",
                           "ttt", day, agency, agency);
    if (!rc)
        rc = eg__testgw_statement(c, day, &theirs);
    if (rc) {
        json_decref(mine);
        return rc;
    }
    json_t *mm = json_array();
    long long ptotal = 0, gtotal = 0, matched = 0, gcount = 0;
    size_t i;
    json_t *v;
    json_array_foreach(mine, i, v)
    {
        ptotal += eg_json_int(v, "amount_vnd", 0);
        json_t *g = find_order(theirs, eg_json_str(v, "order_id"));
        if (!g)
            flag(mm, eg_json_str(v, "order_id"), "missing_at_gateway", v, NULL);
        else if (eg_json_int(g, "amount_vnd", -1) != eg_json_int(v, "amount_vnd", -2))
            flag(mm, eg_json_str(v, "order_id"), "amount_mismatch", v, g);
        else if (strcmp(eg_json_str(g, "state"), eg_json_str(v, "state")) != 0)
            flag(mm, eg_json_str(v, "order_id"), "state_mismatch", v, g);
        else
            matched++;
    }
    json_array_foreach(theirs, i, v)
    {
        json_t *p = find_order(mine, eg_json_str(v, "order_id"));
        if (agency && !p) {
            /* With an agency filter, gateway lines of other agencies are not ours to judge. */
            char *ag = NULL;
            eg_arena *a = eg_arena_new(0);
            int e = eg_query_text(c, a, &ag,
                                  "SELECT agency_code FROM payment_payments WHERE order_id = ?",
                                  "t", eg_json_str(v, "order_id"));
            int other = e == 0 && strcmp(ag, agency) != 0;
            eg_arena_free(a);
            if (other)
                continue;
        }
        gcount++;
        gtotal += eg_json_int(v, "amount_vnd", 0);
        if (!p)
            flag(mm, eg_json_str(v, "order_id"), "missing_at_platform", NULL, v);
    }
    *report =
        json_pack("{s:s, s:s?, s:I, s:I, s:I, s:I, s:I, s:I, s:o}", "date", day, "agency_code",
                  agency, "platform_count", (json_int_t)json_array_size(mine), "platform_total_vnd",
                  (json_int_t)ptotal, "gateway_count", (json_int_t)gcount, "gateway_total_vnd",
                  (json_int_t)gtotal, "matched", (json_int_t)matched, "mismatch_count",
                  (json_int_t)json_array_size(mm), "mismatches", mm);
    json_decref(mine);
    json_decref(theirs);
    return 0;
}

static int h_reconcile(eg_req *r)
{
    const char *day = eg_req_query(r, "date");
    const char *agency = eg_req_query(r, "agency_code");
    int64_t ms;
    if (!day || strlen(day) != 10 || eg_time_parse(day, &ms))
        return eg_req_fail_field(r, EG_EINVAL, "date", "date phải có dạng YYYY-MM-DD");
    if (agency && !eg_valid_agency_code(agency))
        return eg_req_fail_field(r, EG_EINVAL, "agency_code", "Mã cơ quan không hợp lệ");
    eg_object o = {"payment_reconciliation", agency, NULL};
    int rc = eg_authorize(r, "read", &o);
    if (rc)
        return rc;
    json_t *rep = NULL;
    rc = eg__pay_reconcile(eg_db_conn(eg__pay->app->db), day, agency, &rep);
    if (rc)
        return rc;
    return eg_reply_json(r, 200, rep);
}

void eg__pay_reconcile_routes(eg_app *app, eg_http *h)
{
    eg_http_route(
        h, "GET", "/api/v1/payment/reconciliation", h_reconcile,
        &(eg_route_opts){.tag = "payment", .summary = "Daily reconciliation against the gateway"});
}

/* Once a VN day, after 01:00, stores (and audits) yesterday's report if absent. */
void eg__pay_reconcile_tick(eg_app *app, int64_t now)
{
    static int64_t next;
    if (now < next || !eg__pay->testgw)
        return;
    next = now + 60000;
    eg_tm t;
    eg_time_vn(now, &t);
    if (t.hour < 1)
        return;
    char day[11];
    eg__pay_day(now - 86400000LL, day);
    eg_conn *c = eg_db_conn(app->db);
    int64_t have = 0;
    if (eg_query_int64(c, &have, "SELECT COUNT(*) FROM payment_reconciliations WHERE day = ?", "t",
                       day) ||
        have)
        return;
    json_t *rep = NULL;
    if (eg__pay_reconcile(c, day, NULL, &rep))
        return;
    char iso[25];
    eg_time_iso_ms(now, iso);
    char *txt = json_dumps(rep, JSON_COMPACT);
    int rc = eg_tx_begin(c);
    if (!rc)
        rc = eg_exec(c, NULL,
                     "INSERT INTO payment_reconciliations (day, report, mismatches, created_at) "
                     "VALUES (?,?,?,?)",
                     "ttlt", day, txt, (int64_t)json_array_size(json_object_get(rep, "mismatches")),
                     iso);
    if (!rc) {
        json_t *d = json_pack("{s:s, s:I}", "date", day, "mismatches",
                              (json_int_t)json_array_size(json_object_get(rep, "mismatches")));
        eg_audit_event ev = {.actor = "system",
                             .action = "payment.reconcile",
                             .object_type = "payment_reconciliation",
                             .object_id = day,
                             .detail = d};
        rc = eg_audit_append(c, &ev);
        json_decref(d);
    }
    if (rc)
        eg_tx_rollback(c);
    else
        eg_tx_commit(c);
    free(txt);
    json_decref(rep);
}
