-- Feedback (phản ánh, kiến nghị) about a procedure or a dossier, routed to one agency, and its
-- timeline. author_subject is personal data: never exposed by the public list.
CREATE TABLE feedback_items (
    id @ID@,
    object_type TEXT NOT NULL,
    object_code TEXT NOT NULL,
    agency_code TEXT NOT NULL,
    author_subject TEXT NOT NULL,
    author_kind TEXT NOT NULL,
    author_name TEXT,
    title TEXT NOT NULL,
    content TEXT NOT NULL,
    allow_publish INTEGER NOT NULL DEFAULT 0,
    state TEXT NOT NULL,
    assignee TEXT,
    answer TEXT,
    reject_reason TEXT,
    rating INTEGER,
    rating_comment TEXT,
    reopen_count INTEGER NOT NULL DEFAULT 0,
    sla_days INTEGER NOT NULL,
    due_at TEXT NOT NULL,
    created_at TEXT NOT NULL,
    answered_at TEXT,
    answered_ms BIGINT,
    closed_at TEXT,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX feedback_items_agency ON feedback_items (agency_code, id);
CREATE INDEX feedback_items_author ON feedback_items (author_subject, id);
CREATE INDEX feedback_items_public ON feedback_items (allow_publish, state, id);

CREATE TABLE feedback_events (
    id @ID@,
    feedback_id BIGINT NOT NULL REFERENCES feedback_items (id),
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    note TEXT
);
CREATE INDEX feedback_events_item ON feedback_events (feedback_id, id);
