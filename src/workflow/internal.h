/*
 * internal.h - the workflow module's private types: the parsed process model (immutable,
 * shared between threads once built), the expression AST and the engine helpers.
 */
#ifndef EG_WORKFLOW_INTERNAL_H
#define EG_WORKFLOW_INTERNAL_H

#include "identity/identity.h"
#include "workflow/workflow.h"

/* ---- expressions (expr.c) ---- */
typedef struct wf_expr wf_expr;
/* Parses "${...}" (or a bare expression) into the arena. NULL with a message on error. */
wf_expr *eg__wf_expr_parse(eg_arena *a, const char *src, char *err, size_t errlen);
/* Evaluates to a truth value; EG_EUNPROCESSABLE with a message on a type error. */
int eg__wf_expr_truth(const wf_expr *e, const json_t *vars, int *out, char *err, size_t errlen);
/* Evaluates to a JSON value (new reference) for dueDate / timer expressions. */
int eg__wf_expr_value(const wf_expr *e, const json_t *vars, json_t **out, char *err, size_t errlen);

/* ---- model (bpmn.c) ---- */
enum wf_type {
    WF_START = 1,
    WF_END,
    WF_USER_TASK,
    WF_SERVICE_TASK,
    WF_TASK, /* task, manualTask, sendTask: pass straight through */
    WF_XOR,
    WF_AND,
    WF_OR,
    WF_TIMER_CATCH,
    WF_THROW, /* intermediate throw event without definition: pass through */
    WF_BOUNDARY
};

typedef struct {
    const char *duration; /* ISO 8601 duration or ${expr} */
    const char *date;     /* ISO 8601 date-time or ${expr} */
    int working_days;     /* egov:workingDays; 0 = none */
} wf_timer_def;

typedef struct wf_el {
    const char *id, *name;
    int type, line;
    int terminate;                /* end event with terminateEventDefinition */
    const char *candidate_groups; /* comma-separated role names */
    const char *candidate_users;  /* comma-separated usernames */
    const char *assignee;         /* username or ${var} */
    const char *due_date;         /* camunda:dueDate: ISO duration/date or ${var} */
    int due_working_days;         /* egov:workingDays on a user task */
    const char *handler;          /* service task */
    wf_timer_def timer;           /* timer catch / boundary */
    int has_timer;
    int attached_to;          /* boundary: element index */
    int cancel_activity;      /* boundary: 1 interrupting */
    int default_flow;         /* flow index or -1 */
    int *out, nout, *in, nin; /* flow indices */
    int *bounds, nbounds;     /* boundary element indices */
} wf_el;

typedef struct {
    const char *id;
    int src, dst, line;
    const char *cond_src;
    wf_expr *cond;
} wf_flow;

typedef struct {
    eg_arena *arena;
    const char *key, *name;
    int working_days; /* instance SLA, egov:workingDays on the process */
    wf_el *els;
    int nel;
    wf_flow *flows;
    int nflow;
    int start; /* element index of the none start event */
} wf_model;

/* Parses and validates. NULL with "phần tử 'X' (dòng N): ..." in err, *bad_id the id. */
wf_model *eg__wf_model_parse(const char *xml, size_t len, char *err, size_t errlen);
void eg__wf_model_free(wf_model *m);
int eg__wf_el_index(const wf_model *m, const char *id);
/* Due instant of a timer definition starting at now (calendar may be NULL = weekdays only). */
int eg__wf_timer_due(const wf_timer_def *t, const json_t *vars, const eg_calendar *cal, int64_t now,
                     int64_t *due, char *err, size_t errlen);

/* A due instant from an ISO duration/date or ${expr} yielding one. */
int eg__wf_due_value(const char *v, const json_t *vars, int64_t now, int64_t *due, char *err,
                     size_t errlen);

/* ---- engine (engine.c) ---- */
/* The parsed model of a definition, cached by the SHA-256 of its XML. */
const wf_model *eg__wf_model_get(eg_conn *c, int64_t definition_id, const char *sha256);
extern eg_app *eg__wf_app;
/* Metrics counters. */
extern volatile long eg__wf_timers_fired, eg__wf_jobs_failed, eg__wf_tasks_completed,
    eg__wf_instances_started, eg__wf_instances_ended;

/* ---- one operation's run state (run.c) ---- */
typedef struct {
    eg_app *app;
    eg_conn *c;
    eg_arena *a;
    const wf_model *m;
    int64_t inst, now;
    const char *def_key, *bk, *agency, *actor;
    json_t *vars;
    int *q, nq, capq, steps;
    int ended;      /* 1 completed, 2 terminated */
    int vars_dirty; /* variables changed: eg__wf_save writes them */
    int waits;      /* wait states (task, job, timer catch) entered by this operation */
    const char *force_assignee;
    int64_t last_task;
    char *err;
    size_t errlen;
} wf_run;

int eg__wf_fail(wf_run *r, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void eg__wf_r_init(wf_run *r, eg_app *app, eg_conn *c, const char *by, char *err, size_t errlen);
int eg__wf_r_finish(wf_run *r, int rc);   /* commit (rc 0) or roll back; frees */
int eg__wf_load(wf_run *r, int64_t inst); /* locks an active instance, loads variables */
int eg__wf_save(wf_run *r);               /* writes variables/state; runs end hooks */
int eg__wf_run(wf_run *r);                /* runs queued elements to the next wait states */
int eg__wf_leave(wf_run *r, int el);      /* queues the outgoing flows of el */
int eg__wf_hist(wf_run *r, int el, int open, const char *actor, const char *detail, int64_t *id);
int eg__wf_hist_end(wf_run *r, int64_t hid, const char *actor, const char *detail);
int eg__wf_token(wf_run *r, int el, int64_t hid, int64_t *id);
/* Cancels what waits on token tok (its open task -> task_state, unless NULL: the caller has
 * settled the task itself; timers; jobs) and deletes the token. */
int eg__wf_cancel_token_work(wf_run *r, int64_t tok, const char *task_state);
int eg__wf_cancel_all(wf_run *r, const char *why);
int eg__wf_call_handler(wf_run *r, int el, int attempt, char *msg, size_t msglen);
int eg__wf_audit(wf_run *r, const char *action, json_t *detail); /* steals detail */
int eg__wf_merge_vars(wf_run *r, const json_t *vars);
eg_wf_handler eg__wf_find_handler(const char *name, void **ctx);
eg_wf_remote_fn eg__wf_lgsp_caller(void **ctx);
#define EG__WF_IS_LGSP(h) ((h) && strncmp((h), "lgsp:", 5) == 0)
void eg__wf_call_hooks(wf_run *r, const char *state);
void eg__wf_call_overdue(eg_conn *c, int64_t task_id, int64_t inst, const char *el,
                         const char *agency);

/* ---- HTTP (api.c) ---- */
void eg__wf_routes(eg_app *app, eg_http *h);
/* 1 when p may read instances of agency (eg_authz "read" "workflow_instance"). */
int eg__wf_may_read(const eg_principal *p, const char *agency);
int eg__wf_stats(eg_req *r);
int eg__wf_incidents(eg_req *r);
/* Open incidents of all agencies (service-task jobs and failed timers) as JSON rows. */
int eg__wf_incident_list(eg_conn *c, json_t **out);
int eg__wf_incident_retry(eg_req *r);
void eg__wf_metrics(eg_buf *out, void *app);

#endif
