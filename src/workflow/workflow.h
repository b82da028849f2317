/*
 * workflow.h - the BPMN 2.0 process engine: definitions (parsed from the XML standard modelers
 * write, versioned), durable instances (tokens, variables, business key, owning agency,
 * history), the task inbox, timers and service-task jobs run by the scheduler tick.
 *
 * Other modules (dossiers first) drive processes through this header only:
 *   - eg_wf_start() inside the caller's transaction (business_key = dossier code),
 *   - eg_wf_signal() / eg_wf_complete_task() to move a waiting user task on,
 *   - eg_wf_instance_json() to read state and history,
 *   - eg_wf_register_handler() to implement service tasks in C,
 *   - eg_wf_on_end() to be told when an instance completes or is terminated.
 * Every function taking an eg_conn runs inside the caller's transaction when one is open
 * (nested: a savepoint) and opens its own otherwise; on error nothing is changed.
 */
#ifndef EG_WORKFLOW_H
#define EG_WORKFLOW_H

#include <stdint.h>
#include <jansson.h>
#include "egov.h"

/* Namespace of egov's BPMN extension attributes (egov:workingDays, egov:handler). */
#define EG_WF_EGOV_NS "http://egov.local/schema/bpmn"

/* What a service-task handler gets. vars is the instance's variable object: the handler may
 * set keys on it (they are persisted with the step). */
typedef struct {
    int64_t instance_id;
    const char *definition_key;
    const char *business_key;
    const char *agency_code;
    const char *element_id;
    const char *handler; /* the name in the model (camunda:delegateExpression, egov:handler...) */
    int attempt;         /* 1 on the first try */
    json_t *vars;
} eg_wf_call;

/* A service-task handler: 0 on success, negative EG_E* on failure (retried with backoff, an
 * incident after the last attempt) with a short message in err. It runs inside the step's
 * transaction on c (its database writes commit or vanish with the step). */
typedef int (*eg_wf_handler)(eg_conn *c, const eg_wf_call *call, void *ctx, char *err,
                             size_t errlen);

/* Registers a handler by name (process-wide; call from a module's init). Names starting with
 * "lgsp:" are routed to the LGSP caller instead. Returns EG_ECONFLICT when taken. */
int eg_wf_register_handler(const char *name, eg_wf_handler fn, void *ctx);
/* The LGSP service-call hook for service tasks whose handler is "lgsp:<service>[:<version>]"
 * (the lgsp module plugs itself in; until then such tasks retry and become incidents). Unlike
 * eg_wf_handler it runs OUTSIDE any transaction (an exchange through the gateway writes the
 * message log and may wait on an upstream): the engine parks the token as a job, the
 * scheduler calls this with a copy of the variables (keys it sets are merged into the
 * instance in the step's transaction), then moves on. 0 on success, negative EG_E* (retried
 * with backoff, an incident after the last attempt) with a message in err. */
typedef int (*eg_wf_remote_fn)(eg_app *app, const eg_wf_call *call, void *ctx, char *err,
                               size_t errlen);
void eg_wf_set_lgsp_caller(eg_wf_remote_fn fn, void *ctx);

/* Told, inside the ending transaction, when an instance ends. state: "completed" or
 * "terminated". At most 8 hooks. */
typedef void (*eg_wf_end_hook)(eg_conn *c, int64_t instance_id, const char *definition_key,
                               const char *business_key, const char *state, const json_t *vars,
                               void *ctx);
void eg_wf_on_end(eg_wf_end_hook fn, void *ctx);

/* Told, inside the flagging transaction, when an open task passes its due date (once per task;
 * the escalation point: notify the unit leader, raise a dashboard alert). At most 8 hooks. */
typedef void (*eg_wf_overdue_hook)(eg_conn *c, int64_t task_id, int64_t instance_id,
                                   const char *element_id, const char *agency_code, void *ctx);
void eg_wf_on_overdue(eg_wf_overdue_hook fn, void *ctx);

/* Deploys BPMN XML. Returns 0 with the process key and new version (or the latest version
 * when the same XML is already deployed), EG_EUNPROCESSABLE with "element 'X' (line N): why"
 * in err for an invalid model. by: actor recorded on the definition. */
int eg_wf_deploy(eg_conn *c, const char *xml, size_t len, const char *by, char key[128],
                 int *version, char *err, size_t errlen);

typedef struct {
    const char *definition_key;  /* latest deployed version is used */
    const char *business_key;    /* e.g. the dossier code; may be NULL */
    const char *agency_code;     /* owning agency (tasks are visible to its staff) */
    const json_t *variables;     /* object or NULL (borrowed) */
    const char *by;              /* actor for the history/audit */
    int64_t due_ms;              /* instance SLA; 0 = from the model's egov:workingDays */
    const char *idempotency_key; /* with `by`: a second start with the same pair returns the
                                    first instance (EG_OK, same id) instead of a new one */
} eg_wf_start_opts;

/* Starts an instance and runs it to its first wait states. EG_ENOTFOUND for an unknown key,
 * EG_EUNPROCESSABLE (err) when the run cannot proceed (no gateway path, bad variable). */
int eg_wf_start(eg_app *app, eg_conn *c, const eg_wf_start_opts *o, int64_t *instance_id, char *err,
                size_t errlen);

/* Completes the open task at element_id of an instance (no permission check: the caller has
 * authorised the action), merging vars (object or NULL) into the instance's variables.
 * EG_ENOTFOUND when no such open task, EG_EUNPROCESSABLE when the run cannot proceed. */
int eg_wf_signal(eg_app *app, eg_conn *c, int64_t instance_id, const char *element_id,
                 const char *by, const json_t *vars, char *err, size_t errlen);

/* Completes one task by id (no permission check). EG_ECONFLICT when already completed. */
int eg_wf_complete_task(eg_app *app, eg_conn *c, int64_t task_id, const char *by,
                        const json_t *vars, char *err, size_t errlen);

/* Ends an active instance: cancels its tasks, timers and jobs; state "terminated". */
int eg_wf_terminate(eg_app *app, eg_conn *c, int64_t instance_id, const char *by,
                    const char *reason);

/* The instance as api.md §6 shows it (id, definition_key, version, business_key, agency_code,
 * state, active_elements, history, variables, due_at, overdue). New reference in *out. */
int eg_wf_instance_json(eg_conn *c, int64_t instance_id, json_t **out);
/* Latest instance id with that business key (EG_ENOTFOUND). */
int eg_wf_find_by_business_key(eg_conn *c, const char *business_key, int64_t *instance_id);

/* One scheduler pass: fires due timers, runs due service-task jobs, flags overdue tasks and
 * instances (escalation). Each action commits in its own transaction after claiming its row,
 * so a crash never fires a timer twice. Returns the number of actions taken. */
int eg_wf_tick(eg_app *app, int64_t now_ms);

/* ---- parser entry points (exposed for tests and fuzz targets) ---- */

/* Validates a BPMN document without deploying. 0, or EG_EUNPROCESSABLE/EG_EINVAL with the
 * element id and line in err. key (may be NULL) gets the process id. */
int eg_wf_validate(const char *xml, size_t len, char *key, size_t keylen, char *err, size_t errlen);
/* Evaluates a condition expression ("${a > 1 && b == 'x'}") against a JSON object.
 * *result = 1/0. EG_EUNPROCESSABLE with a message on a syntax error. */
int eg_wf_eval(const char *expr, const json_t *vars, int *result, char *err, size_t errlen);
/* ISO 8601 duration ("P3DT2H", "PT2S", "P1W") in milliseconds; EG_EINVAL when malformed. */
int eg_wf_parse_duration(const char *s, int64_t *ms);

struct eg_module;
extern const struct eg_module eg_workflow_module;

#endif
