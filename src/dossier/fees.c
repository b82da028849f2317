/*
 * fees.c - status 6 (thực hiện nghĩa vụ tài chính): fees and charges of a dossier paid through
 * the payment module (src/payment, layered below dossier; only its public header is used).
 *
 * A dossier in processing (4) moves to 6 when its fee is due: at submission or acceptance
 * (`collect_fees: true`) or later by an officer (`request-fee`). The amount is the body's
 * `amount_vnd`, else the procedure's first fee with a positive amount in the catalog; a
 * procedure without a fee refuses (422). Moving to 6 creates the payment inside the same
 * transaction (eg_payment_create: one open payment per dossier), stops the processing clock
 * like a supplement request, and notifies the applicant with the amount. The applicant pays
 * on the gateway's page (the dossier JSON carries `payment.pay_url` while pending; `pay`
 * creates a new payment when the last one failed). The payment module calls the paid hook
 * inside the verified callback's transaction, exactly once per payment: the dossier goes
 * 6 → 4 with a timeline event and audit record, and the due date moves by the working days
 * spent waiting. A forged or replayed callback never reaches the hook, so it changes nothing.
 */
#include <stdlib.h>
#include "dossier/internal.h"
#include "payment/payment.h"

/* The procedure's fee: its first fee with a positive amount (0 when none). */
static int64_t procedure_fee(eg_conn *c, const char *pcode)
{
#if DS_HAVE_CATALOG
    json_t *proc = NULL;
    if (eg_catalog_procedure(c, pcode, &proc))
        return 0;
    int64_t amount = 0;
    size_t i;
    json_t *f;
    json_array_foreach(json_object_get(proc, "fees"), i, f)
    {
        json_int_t a = json_integer_value(json_object_get(f, "amount"));
        if (a > 0) {
            amount = a;
            break;
        }
    }
    json_decref(proc);
    return amount;
#else
    (void)c, (void)pcode;
    return 0;
#endif
}

static int create_payment(eg_app *app, eg_conn *c, const ds_row *d, int64_t amount, int64_t *pid,
                          char *err, size_t n)
{
    char desc[300], url[600];
    snprintf(desc, sizeof desc, "Phí, lệ phí hồ sơ %s - %s", d->code, d->procedure_name);
    size_t cut = strlen(desc);
    if (cut > 280) { /* keep whole UTF-8 characters */
        cut = 280;
        while (cut && ((unsigned char)desc[cut] & 0xC0) == 0x80)
            cut--;
        desc[cut] = 0;
    }
    int rc = eg_payment_create(app, c, "dossier", d->code, d->handling, amount, desc,
                               d->owner && *d->owner ? d->owner : NULL, pid, url, sizeof url);
    if (rc == EG_ECONFLICT)
        snprintf(err, n, "hồ sơ đã có khoản thanh toán đang chờ hoặc đã nộp");
    else if (rc == EG_EUNAVAIL)
        snprintf(err, n, "cổng thanh toán chưa được cấu hình");
    else if (rc == EG_EUNPROCESSABLE)
        snprintf(err, n, "số tiền hoặc nội dung thu không hợp lệ");
    return rc;
}

int eg__ds_fee_due(eg_app *app, eg_conn *c, eg_req *r, ds_row *d, int64_t amount, const char *note,
                   char *err, size_t n)
{
    if (d->status != EG_DS_PROCESSING) {
        snprintf(err, n, "chỉ yêu cầu nộp phí khi hồ sơ đang xử lý");
        return EG_ECONFLICT;
    }
    if (amount <= 0)
        amount = procedure_fee(c, d->procedure_code);
    if (amount <= 0) {
        snprintf(err, n, "thủ tục %s không có phí, lệ phí phải nộp", d->procedure_code);
        return EG_EUNPROCESSABLE;
    }
    int64_t pid = 0;
    int rc = create_payment(app, c, d, amount, &pid, err, n);
    if (!rc)
        rc = eg_exec(c, NULL, "UPDATE dossiers SET pause_started = ? WHERE id = ?", "ll",
                     eg_now_ms(), d->id);
    if (rc)
        return rc;
    char msg[512];
    snprintf(msg, sizeof msg, "Đề nghị nộp phí, lệ phí: %lld đồng.%s%s", (long long)amount,
             note ? " " : "", note ? note : "");
    json_t *det =
        json_pack("{s:I, s:I}", "payment_id", (json_int_t)pid, "amount_vnd", (json_int_t)amount);
    rc = eg__ds_transition(c, r, d, "request-fee", EG_DS_FEES, msg, det);
    json_decref(det);
    if (!rc)
        d->status = EG_DS_FEES;
    return rc;
}

int eg__ds_fee_repay(eg_app *app, eg_conn *c, eg_req *r, ds_row *d, char *err, size_t n)
{
    eg_payment_summary ps;
    int rc = eg_payment_latest(app, c, "dossier", d->code, &ps);
    if (rc && rc != EG_ENOTFOUND)
        return rc;
    if (!rc && (!strcmp(ps.state, EG_PAY_PENDING) || !strcmp(ps.state, EG_PAY_PAID))) {
        snprintf(err, n, "hồ sơ đã có khoản thanh toán đang chờ hoặc đã nộp");
        return EG_ECONFLICT;
    }
    int64_t amount = rc ? procedure_fee(c, d->procedure_code) : ps.amount_vnd, pid = 0;
    rc = create_payment(app, c, d, amount, &pid, err, n);
    if (rc)
        return rc;
    json_t *det =
        json_pack("{s:I, s:I}", "payment_id", (json_int_t)pid, "amount_vnd", (json_int_t)amount);
    rc = eg__ds_transition(c, r, d, "pay", d->status, "Tạo lại giao dịch nộp phí", det);
    json_decref(det);
    return rc;
}

/* The payment module's paid hook (inside the verified callback's transaction). */
static int on_paid(eg_app *app, eg_conn *c, const char *ref_type, const char *ref_id,
                   int64_t amount_vnd, int64_t payment_id)
{
    (void)ref_type;
    eg_arena *a = eg_arena_new(0);
    ds_row d;
    int rc = eg__ds_load(c, a, ref_id, &d);
    if (rc == EG_ENOTFOUND || (!rc && d.status != EG_DS_FEES)) {
        /* paid for a dossier no longer waiting (withdrawn, stopped): the payment is recorded,
         * the dossier does not move; staff refund it */
        char pids[24];
        snprintf(pids, sizeof pids, "%lld", (long long)payment_id);
        eg_log(EG_LOG_WARN, "dossier", NULL, "payment for a dossier not in status 6", "code",
               ref_id, "payment_id", pids, NULL);
        eg_arena_free(a);
        return 0;
    }
    int64_t now = eg_now_ms(), due = d.due_at;
    int paused = 0;
    if (!rc && d.pause_started && app && app->calendar)
        paused = eg_calendar_working_days_between(app->calendar, eg_vn_day(d.pause_started),
                                                  eg_vn_day(now));
    if (!rc && paused > 0 && due) {
        int32_t day = eg_calendar_add_working_days(app->calendar, eg_vn_day(due), paused);
        due += (int64_t)(day - eg_vn_day(due)) * 86400000LL;
    }
    if (!rc)
        rc = eg_exec(c, NULL,
                     "UPDATE dossiers SET pause_started = NULL, paused_days = paused_days + ?, "
                     "due_at = ? WHERE id = ?",
                     "ill", paused, due, d.id);
    if (!rc) {
        char msg[160];
        snprintf(msg, sizeof msg, "Đã nộp phí, lệ phí %lld đồng (giao dịch %lld)",
                 (long long)amount_vnd, (long long)payment_id);
        json_t *det =
            json_pack("{s:I, s:I, s:i}", "payment_id", (json_int_t)payment_id, "amount_vnd",
                      (json_int_t)amount_vnd, "paused_working_days", paused);
        rc = eg__ds_transition(c, NULL, &d, "paid", EG_DS_PROCESSING, msg, det);
        json_decref(det);
    }
    eg_arena_free(a);
    return rc;
}

void eg__ds_fees_hook(void)
{
    eg_payment_on_paid("dossier", on_paid);
}

json_t *eg__ds_payment_json(eg_conn *c, const char *code)
{
    eg_payment_summary ps;
    if (eg_payment_latest(eg__ds_app(), c, "dossier", code, &ps))
        return json_null();
    return json_pack("{s:I, s:I, s:s, s:o}", "id", (json_int_t)ps.id, "amount_vnd",
                     (json_int_t)ps.amount_vnd, "state", ps.state, "pay_url",
                     ps.pay_url[0] ? json_string(ps.pay_url) : json_null());
}
