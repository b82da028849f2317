/*
 * payment.h - fees and e-payment (thanh toán trực tuyến) through a payment-gateway adapter
 * modelled on the national payment platform: create payment -> redirect URL; signed callback
 * (HMAC-SHA256 over the canonical parameters, timestamp and nonce); query; refund. A built-in
 * test gateway peer (/api/v1/payment/testgw/..., config payment.test_gateway = 1) plays the
 * gateway for demos and tests. Payments belong to an object of another module (ref_type,
 * ref_id, e.g. "dossier", "000.00.04.H61-261128-0001"); this module never reads that module's
 * tables: it tells the owner through the paid hook.
 *
 * Gateway contract (docs in src/payment/README.md):
 *   platform -> gateway  POST {gateway}/create  {merchant_id, order_id, amount, currency,
 *                        description, return_url, callback_url, ts, nonce, signature}
 *                        -> {status:"ok", gateway_txn, redirect_url}
 *   gateway -> platform  POST /api/v1/payment/callback (application/x-www-form-urlencoded)
 *                        merchant_id, order_id, gateway_txn, amount, status (paid|failed|
 *                        refunded), ts, nonce, signature
 *   platform -> gateway  GET {gateway}/query?order_id=&...signature ; POST {gateway}/refund
 *   signature = hex(HMAC-SHA256(secret, canonical)), canonical = the parameters except
 *   "signature", sorted by name, joined "k=v" with '&' (values as sent, not re-encoded).
 */
#ifndef EG_PAYMENT_H
#define EG_PAYMENT_H

#include <stddef.h>
#include <stdint.h>
#include "egov.h"

/* Payment states. */
#define EG_PAY_PENDING   "pending"
#define EG_PAY_PAID      "paid"
#define EG_PAY_FAILED    "failed"
#define EG_PAY_CANCELLED "cancelled"
#define EG_PAY_REFUNDED  "refunded"

/* Creates a pending payment for (ref_type, ref_id) owned by agency_code, asks the gateway for a
 * transaction and writes the URL the citizen is sent to into redirect_url_out (n bytes). Runs
 * on conn inside the caller's transaction (audited there). amount_vnd > 0 whole đồng;
 * payer_subject is the principal subject who pays (may be NULL: anyone holding the link).
 * Returns 0, EG_EUNPROCESSABLE (bad amount/codes), EG_ECONFLICT (a pending or paid payment
 * already exists for the ref), EG_EUPSTREAM (gateway unreachable). */
int eg_payment_create(eg_app *app, eg_conn *conn, const char *ref_type, const char *ref_id,
                      const char *agency_code, int64_t amount_vnd, const char *description,
                      const char *payer_subject, int64_t *payment_id, char *redirect_url_out,
                      size_t n);

/* Called inside the callback's transaction when a payment becomes paid (exactly once per
 * payment). A non-zero return rolls the whole callback back (the gateway retries). */
typedef int (*eg_payment_paid_fn)(eg_app *app, eg_conn *conn, const char *ref_type,
                                  const char *ref_id, int64_t amount_vnd, int64_t payment_id);
/* Registers the hook (one per ref_type; a second registration for the same type replaces
 * it). Call from the owning module's init. */
void eg_payment_on_paid(const char *ref_type, eg_payment_paid_fn hook);

/* Current state of the latest payment of a ref: fills state (>= 16 bytes) and *payment_id.
 * EG_ENOTFOUND when none. */
int eg_payment_state(eg_conn *conn, const char *ref_type, const char *ref_id, char *state, size_t n,
                     int64_t *payment_id);

/* The latest payment of a ref, for the owner module's pages. */
typedef struct {
    int64_t id, amount_vnd;
    char state[16];    /* EG_PAY_* */
    char pay_url[600]; /* where the payer goes, while pending; "" otherwise */
} eg_payment_summary;
/* Fills *out with the latest payment of (ref_type, ref_id). EG_ENOTFOUND when none. */
int eg_payment_latest(eg_app *app, eg_conn *conn, const char *ref_type, const char *ref_id,
                      eg_payment_summary *out);

/* ---- callback parameters (exposed for the fuzz target and the test peer) ---- */

#define EG_PAY_MAX_PARAMS 16
typedef struct {
    int n;
    const char *key[EG_PAY_MAX_PARAMS]; /* arena copies, percent-decoded */
    const char *val[EG_PAY_MAX_PARAMS];
} eg_pay_params;
/* Parses an application/x-www-form-urlencoded body (at most EG_PAY_MAX_PARAMS pairs, keys
 * [a-z_]{1,32}, values <= 512 bytes valid UTF-8, no duplicate key). EG_EINVAL otherwise. */
int eg_pay_params_parse(eg_arena *a, const char *body, size_t len, eg_pay_params *out);
const char *eg_pay_param(const eg_pay_params *p, const char *key);
/* Canonical string (all keys but "signature", sorted, "k=v" joined by '&') and its
 * signature hex(HMAC-SHA256(secret, canonical)) into sig[65]. */
void eg_pay_canonical(const eg_pay_params *p, eg_buf *out);
void eg_pay_sign(const char *secret, const eg_pay_params *p, char sig[65]);

struct eg_module;
extern const struct eg_module eg_payment_module;

#endif
