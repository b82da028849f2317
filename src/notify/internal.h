/*
 * internal.h - shared between the notify outbox (outbox.c) and the transports (send.c).
 */
#ifndef EG_NOTIFY_INTERNAL_H
#define EG_NOTIFY_INTERNAL_H

#include "notify/notify.h"

/* Builds the RFC 5322 message for one e-mail: Date, From, To, Subject (RFC 2047 encoded words
 * when not plain ASCII), Message-ID, MIME headers, base64 body with CRLF line ends. */
void eg__notify_build_mail(eg_buf *out, const char *from, const char *to, const char *subject,
                           const char *body, int64_t id, int64_t now_ms);
/* Sends one e-mail through the SMTP URL (smtp://host:port). 0, EG_EUNAVAIL (not configured),
 * EG_ETIMEOUT (peer unreachable: connect failure, resolution failure or timeout) or
 * EG_EUPSTREAM (the peer answered with a refusal), with a one-line reason in err. */
int eg__notify_smtp(const eg_config *cfg, const char *to, const char *subject, const char *body,
                    int64_t id, int64_t now_ms, char *err, size_t errlen);
/* POSTs {"to","text"} to notify.sms_url; 2xx = accepted. Errors as eg__notify_smtp. */
int eg__notify_sms(const eg_config *cfg, const char *to, const char *text, char *err,
                   size_t errlen);
/* Masked recipient for logs and listings: "n***@example.com", "*******678". */
void eg__notify_mask(const char *to, eg_buf *out);

#endif
