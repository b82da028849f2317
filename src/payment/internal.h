/*
 * internal.h - shared between the payment module's files (not a public header).
 */
#ifndef EG_PAYMENT_INTERNAL_H
#define EG_PAYMENT_INTERNAL_H

#include "payment/payment.h"

typedef struct {
    eg_app *app;
    char secret[129];     /* HMAC key shared with the gateway */
    const char *merchant; /* our merchant id at the gateway */
    int testgw;           /* 1 = the built-in test gateway peer is enabled and is the gateway */
    int tamper;           /* 1 = test peer may alter its statement (reconciliation tests) */
    int window_s;         /* accepted callback clock skew, seconds */
} pay_state;
extern pay_state *eg__pay;

/* Test gateway peer (testgw.c). The platform talks to it through these calls, the in-process
 * form of the HTTP contract in payment.h (an HTTP client to an external gateway would hold
 * the caller's transaction across a network call; see README). */
int eg__testgw_create(eg_conn *c, const char *order_id, int64_t amount, const char *desc,
                      const char *callback_url, const char *return_url, char txn[32]);
int eg__testgw_query(eg_conn *c, const char *order_id, eg_arena *a, char **state, int64_t *amount);
int eg__testgw_refund(eg_conn *c, const char *order_id, int64_t amount);
/* Gateway statement of a VN day: [{order_id, gateway_txn, amount_vnd, state}]. */
int eg__testgw_statement(eg_conn *c, const char *day, json_t **items);
void eg__testgw_routes(eg_app *app, eg_http *h);
void eg__testgw_tick(eg_app *app, int64_t now);

/* Reconciliation (reconcile.c). */
int eg__pay_reconcile(eg_conn *c, const char *day, const char *agency, json_t **report);
void eg__pay_reconcile_routes(eg_app *app, eg_http *h);
void eg__pay_reconcile_tick(eg_app *app, int64_t now);

/* Receipt (receipt.c). */
void eg__pay_receipt_routes(eg_app *app, eg_http *h);

/* Processes one gateway callback body (the whole of POST /api/v1/payment/callback): 0 with the
 * answer in *resp (a replay gets the stored answer), or EG_E* with a Vietnamese detail; a
 * refusal changes nothing. Exposed for the unit tests. */
int eg__pay_callback(eg_arena *a, const char *body, size_t len, json_t **resp, char *detail,
                     size_t dn);

/* Loads one payment as JSON (NULL when absent). */
json_t *eg__pay_load(eg_conn *c, int64_t id);
/* The VN calendar day "YYYY-MM-DD" of an instant. */
void eg__pay_day(int64_t ms, char out[11]);

#endif
