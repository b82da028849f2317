-- workflow: BPMN definitions (versioned, immutable), instances with their waiting tokens,
-- user tasks, timers, service-task jobs (retries/incidents) and the element history.
CREATE TABLE wf_definition (
    id @ID@,
    def_key TEXT NOT NULL,
    version INTEGER NOT NULL,
    name TEXT,
    xml TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    deployed_at TEXT NOT NULL,
    deployed_by TEXT,
    UNIQUE (def_key, version)
);

CREATE TABLE wf_instance (
    id @ID@,
    definition_id BIGINT NOT NULL REFERENCES wf_definition (id),
    def_key TEXT NOT NULL,
    version INTEGER NOT NULL,
    business_key TEXT,
    agency_code TEXT,
    state TEXT NOT NULL,
    variables TEXT NOT NULL,
    started_at BIGINT NOT NULL,
    started_by TEXT,
    ended_at BIGINT,
    due_at BIGINT,
    escalated INTEGER NOT NULL DEFAULT 0,
    rev BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX wf_instance_bk ON wf_instance (business_key);
CREATE INDEX wf_instance_state ON wf_instance (state, def_key);

-- A token waits at a user task, service task (job), timer catch event or joining gateway.
CREATE TABLE wf_token (
    id @ID@,
    instance_id BIGINT NOT NULL REFERENCES wf_instance (id),
    element_id TEXT NOT NULL,
    hist_id BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX wf_token_inst ON wf_token (instance_id);

CREATE TABLE wf_task (
    id @ID@,
    instance_id BIGINT NOT NULL REFERENCES wf_instance (id),
    token_id BIGINT NOT NULL,
    element_id TEXT NOT NULL,
    name TEXT,
    def_key TEXT NOT NULL,
    business_key TEXT,
    agency_code TEXT,
    candidate_groups TEXT,
    candidate_users TEXT,
    assignee TEXT,
    owner TEXT,
    state TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    due_at BIGINT,
    claimed_at BIGINT,
    completed_at BIGINT,
    completed_by TEXT,
    escalated INTEGER NOT NULL DEFAULT 0,
    rev BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX wf_task_open ON wf_task (state, id);
CREATE INDEX wf_task_inst ON wf_task (instance_id);
CREATE INDEX wf_task_token ON wf_task (token_id);

CREATE TABLE wf_timer (
    id @ID@,
    instance_id BIGINT NOT NULL REFERENCES wf_instance (id),
    element_id TEXT NOT NULL,
    token_id BIGINT NOT NULL,
    due_at BIGINT NOT NULL,
    state TEXT NOT NULL,
    fired_at BIGINT
);
CREATE INDEX wf_timer_due ON wf_timer (state, due_at);
CREATE INDEX wf_timer_token ON wf_timer (token_id);

CREATE TABLE wf_job (
    id @ID@,
    instance_id BIGINT NOT NULL REFERENCES wf_instance (id),
    token_id BIGINT NOT NULL,
    element_id TEXT NOT NULL,
    handler TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_at BIGINT NOT NULL,
    state TEXT NOT NULL,
    last_error TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX wf_job_due ON wf_job (state, next_at);

CREATE TABLE wf_history (
    id @ID@,
    instance_id BIGINT NOT NULL REFERENCES wf_instance (id),
    element_id TEXT NOT NULL,
    element_type TEXT NOT NULL,
    started_at BIGINT NOT NULL,
    ended_at BIGINT,
    actor TEXT,
    detail TEXT
);
CREATE INDEX wf_history_inst ON wf_history (instance_id, id);
