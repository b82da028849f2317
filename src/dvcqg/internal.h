/*
 * internal.h - shared between the dvcqg module's files (not a public header).
 */
#ifndef EG_DVCQG_INTERNAL_H
#define EG_DVCQG_INTERNAL_H

#include "dvcqg/dvcqg.h"

typedef struct {
    eg_app *app;
    const char *base_url; /* NULL = delivery disabled (events stay queued) */
    const char *client_id, *client_secret;
    long timeout_ms;
    int64_t retry_base_ms, retry_max_ms;
    int max_attempts;
    char token[1024];
    int64_t token_expires_ms;
    /* Through the LGSP (dvcqg.via_lgsp, default 1): the portal is the upstream of a published
     * LGSP service and every call goes through eg_lgsp_call, so it is in the message log. */
    int via_lgsp;
    int lgsp_ready; /* service, consumer and grant ensured in this process */
    const char *lgsp_service, *lgsp_client, *lgsp_owner, *lgsp_agency;
} dq_state;
extern dq_state *eg__dq;

/* One event being delivered: its row and what the portal answered. */
typedef struct {
    int64_t id;
    const char *dossier_code;
    const char *event;
    json_t *payload;
    const char *portal_code; /* known from an earlier NoiHoSo, or NULL */
    const char *portal_id;
    char new_portal_code[64];
    char new_portal_id[64];
    char error[256];
} dq_delivery;

/* Runs the portal calls of one event (adapter.c). 0 on success; otherwise an EG_E* with
 * d->error set (network errors and 5xx are retried, 4xx too: the portal is authoritative). */
int eg__dq_deliver(dq_delivery *d);

#endif
