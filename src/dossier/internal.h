/*
 * internal.h - shared by the dossier module's files. Dependencies that are still landing on
 * main (catalog, workflow, pdf, notify, sign) are detected at compile time so the module
 * builds on its own; each feature reports 503 while its dependency is absent.
 */
#ifndef EG_DOSSIER_INTERNAL_H
#define EG_DOSSIER_INTERNAL_H

#include <string.h>
#include "dossier/dossier.h"
#include "audit/audit.h"
#include "identity/identity.h"

#if __has_include("catalog/catalog.h")
#include "catalog/catalog.h"
#define DS_HAVE_CATALOG 1
#else
#define DS_HAVE_CATALOG 0
#endif
#if __has_include("workflow/workflow.h")
#include "workflow/workflow.h"
#define DS_HAVE_WORKFLOW 1
#else
#define DS_HAVE_WORKFLOW 0
#endif
#if __has_include("pdf/pdf.c") || __has_include("pdf/pdf_doc.c") || __has_include("pdf/doc.c")
#include "pdf/pdf.h"
#define DS_HAVE_PDF 1
#else
#define DS_HAVE_PDF 0
#endif
#if __has_include("notify/notify.c") || __has_include("notify/outbox.c")
#include "notify/notify.h"
#define DS_HAVE_NOTIFY 1
#else
#define DS_HAVE_NOTIFY 0
#endif
#if __has_include("sign/sign.c") || __has_include("sign/xmldsig.c")
#include "sign/sign.h"
#define DS_HAVE_SIGN 1
#else
#define DS_HAVE_SIGN 0
#endif

#define DS_MAX_FILE (20u << 20) /* upload size limit (config dossier.max_file_bytes) */

/* A loaded dossier row (arena strings). */
typedef struct {
    int64_t id;
    const char *code, *agency, *handling, *procedure_code, *procedure_name, *process_key;
    const char *owner, *applicant, *components, *reason, *result_file, *created_by;
    int channel, status, processing_days, paused_days, rating, version;
    int64_t submitted_at, received_at, due_at, pause_started, instance_id, finished_at, returned_at,
        new_due_at;
    int overdue;
} ds_row;

eg_app *eg__ds_app(void);
/* Loads a dossier by code. EG_ENOTFOUND. */
int eg__ds_load(eg_conn *c, eg_arena *a, const char *code, ds_row *d);
/* Read access check for a request: owner, or staff with `action` on the dossier in its
 * receiving or handling agency. 0, EG_EAUTH or EG_ENOTFOUND (denials look like absence). */
int eg__ds_may(eg_req *r, const ds_row *d, const char *action);
/* Records one transition: status update (when to != from), timeline event, audit record and
 * the applicant's notification, all on c inside the caller's transaction. */
int eg__ds_transition(eg_conn *c, eg_req *r, const ds_row *d, const char *action, int to,
                      const char *note, json_t *detail);
/* The same; notify = 0 records no notification (a desk submission's intermediate status 2,
 * immediately followed by 4 in the same transaction, which notifies once). */
int eg__ds_transition_ex(eg_conn *c, eg_req *r, const ds_row *d, const char *action, int to,
                         const char *note, json_t *detail, int notify);
/* Brings the dossier's statistics fact and monthly rollup in line with its row (facts.c);
 * called once per transition and after a rating, inside the caller's transaction. */
int eg__ds_facts_sync(eg_conn *c, int64_t id);
/* Rebuilds the rollups from the fact rows (inside the caller's transaction). */
int eg__ds_facts_rebuild(eg_conn *c);
/* The dossier as JSON (timeline included). */
json_t *eg__ds_json(eg_conn *c, const ds_row *d, int with_personal);
json_t *eg__ds_timeline(eg_conn *c, const char *code, int with_actor);
/* Brings a processing dossier's status in line with its workflow instance (approved → 9
 * with the e-result). Commits its own transaction. */
int eg__ds_sync(eg_app *app, eg_conn *c, const char *code);
/* Issues the signed e-result of dossier d into the owner's data store (inside the tx). */
int eg__ds_issue_result(eg_app *app, eg_conn *c, const ds_row *d, const char *by);
/* Starts the workflow for d and sets received/due (inside the tx). */
int eg__ds_start_processing(eg_app *app, eg_conn *c, eg_req *r, ds_row *d, char *err, size_t n);
/* 1 when the principal's subject references file_id through a dossier it may handle. */
int eg__ds_file_visible(eg_req *r, eg_conn *c, const char *file_id, const char *owner);

/* Inter-agency shares (shares.c). */
int eg__ds_share_agency(eg_req *r, eg_conn *c, const ds_row *d, const char *action);
json_t *eg__ds_shares_json(eg_conn *c, const char *code);
int eg__ds_share_open(eg_app *app, eg_conn *c, eg_req *r, const ds_row *d, const json_t *body);
int eg__ds_share_close(eg_conn *c, eg_req *r, const ds_row *d, const json_t *body);

/* Issues the next code {agency}-{yymmdd}-{seq} of agency for the VN-local day of now, bumping
 * dossier_seq inside the caller's transaction (a rollback gives the number back: it was never
 * acknowledged). *day, *code in arena a. */
int eg__ds_next_code(eg_conn *c, eg_arena *a, const char *agency, int64_t now, char **day,
                     int64_t *seq, char **code);

/* Fees, status 6 (fees.c). eg__ds_fee_due moves a processing dossier to 6 and creates its
 * payment (amount <= 0: the procedure's fee); eg__ds_fee_repay creates a new payment for a
 * dossier in 6 whose last payment failed. Both inside the caller's transaction; on an error
 * err holds the Vietnamese detail. */
int eg__ds_fee_due(eg_app *app, eg_conn *c, eg_req *r, ds_row *d, int64_t amount, const char *note,
                   char *err, size_t n);
int eg__ds_fee_repay(eg_app *app, eg_conn *c, eg_req *r, ds_row *d, char *err, size_t n);
void eg__ds_fees_hook(void);
/* {id, amount_vnd, state, pay_url} of the dossier's latest payment, or JSON null. */
json_t *eg__ds_payment_json(eg_conn *c, const char *code);

/* Routes by concern. */
void eg__ds_files_routes(eg_http *h);
void eg__ds_submit_routes(eg_http *h);
void eg__ds_actions_routes(eg_http *h);
void eg__ds_results_routes(eg_http *h);
void eg__ds_forms_routes(eg_http *h);
void eg__ds_overdue_tick(eg_app *app, int64_t now);

#endif
