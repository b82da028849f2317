/*
 * dvcqg.h - synchronisation with the National Public Service Portal (Cổng DVC quốc gia)
 * following the six-step flow of references.md §B.4: token (client_id + client_secret),
 * GetNextValue (dossier code at the portal), file upload, NoiHoSo (create dossier),
 * CapNhatTienTrinh (progress), CapNhatTrangThai (status).
 *
 * Durability: events are rows of a queue table written inside the caller's transaction, so a
 * dossier change and its sync event commit together. The scheduler delivers them per dossier
 * strictly in order, retries with exponential backoff (dvcqg.retry_base_ms, capped at
 * dvcqg.retry_max_ms), and marks an event delivered in the same transaction that records the
 * portal's answer; the portal side is made idempotent by an event key sent as
 * "X-Idempotency-Key" so a crash between send and commit delivers exactly once.
 */
#ifndef EG_DVCQG_H
#define EG_DVCQG_H

#include <jansson.h>
#include "egov.h"

/* Event kinds. */
#define EG_DVCQG_SUBMITTED "submitted" /* new dossier: steps 2-4 (code, files, NoiHoSo) */
#define EG_DVCQG_PROGRESS  "progress"  /* a processing step: CapNhatTienTrinh */
#define EG_DVCQG_STATUS    "status"    /* status change 1-10: CapNhatTrangThai */

/* Queues one event for a dossier, on conn inside the caller's transaction. dossier_json must
 * carry "code" (the platform's dossier code) and "status" (1-10); for "submitted" also
 * "procedure_code", "agency_code", "applicant" {name, id_number, phone, email, address},
 * "submitted_at", "received_at", "components" [{code, name, files:[{name, sha256}]}]; for
 * "progress" "actor", "unit", "note", "started_at", "due_at". The JSON is copied.
 * EG_EINVAL when event or code is missing/unknown. */
int eg_dvcqg_enqueue(eg_conn *conn, const char *event, const json_t *dossier_json);

/* Sync state of a dossier as JSON {dossier_code, portal_code, state: "pending"|"synced"|
 * "retrying"|"failed", pending, delivered, last_error, events:[...]}; EG_ENOTFOUND when the
 * dossier never had an event. */
int eg_dvcqg_status(eg_conn *conn, const char *dossier_code, json_t **out);

struct eg_module;
extern const struct eg_module eg_dvcqg_module;

#endif
