/*
 * notify.h - the notification outbox: e-mail (SMTP through libcurl) and SMS (an HTTP gateway
 * adapter with a documented contract), delivered by the scheduler with retries and backoff.
 *
 * A module enqueues inside the transaction of the change that causes the message, so a
 * notification exists exactly when its change committed; delivery happens afterwards, at
 * least once, and each attempt is recorded. Configuration: notify.smtp_url
 * (smtp://host:port), notify.smtp_from, notify.sms_url (POST JSON {to, text}),
 * notify.max_attempts (default 8).
 */
#ifndef EG_NOTIFY_H
#define EG_NOTIFY_H

#include "egov.h"

enum { EG_NOTIFY_EMAIL = 1, EG_NOTIFY_SMS = 2 };

/* Queues one message on connection c (inside the caller's transaction when one is open).
 * to: an e-mail address or a phone number (validated: EG_EUNPROCESSABLE when invalid);
 * subject is ignored for SMS; ref_type/ref_id link the message to its object (may be NULL).
 * *id (may be NULL) gets the outbox id. */
int eg_notify_enqueue(eg_conn *c, int channel, const char *to, const char *subject,
                      const char *body, const char *ref_type, const char *ref_id, int64_t *id);

/* Messages for an object, newest first: [{id, channel, to (masked), subject, status, attempts,
 * created_at, sent_at, last_error}]. */
int eg_notify_list(eg_conn *c, const char *ref_type, const char *ref_id, json_t **items);

/* One delivery pass (the module's tick calls it); returns the number of messages handled. */
int eg_notify_deliver(eg_app *app, int64_t now_ms);

struct eg_module;
extern const struct eg_module eg_notify_module;

#endif
