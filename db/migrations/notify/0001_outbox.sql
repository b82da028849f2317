-- Notification outbox: one row per message, written in the transaction of the change that
-- causes it; delivered afterwards by the scheduler (src/notify). status: pending | sending
-- (claimed by a delivery pass until claim_until) | sent | failed (max attempts reached).
CREATE TABLE notify_outbox (
    id @ID@,
    channel INTEGER NOT NULL,
    recipient TEXT NOT NULL,
    subject TEXT,
    body TEXT NOT NULL,
    ref_type TEXT,
    ref_id TEXT,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    next_at BIGINT NOT NULL,
    claimed_by TEXT,
    claim_until BIGINT,
    created_at TEXT NOT NULL,
    sent_at TEXT,
    last_error TEXT
);
CREATE INDEX notify_outbox_due ON notify_outbox (status, next_at);
CREATE INDEX notify_outbox_ref ON notify_outbox (ref_type, ref_id);

-- Every delivery attempt, successful or not.
CREATE TABLE notify_attempt (
    id @ID@,
    outbox_id BIGINT NOT NULL REFERENCES notify_outbox (id),
    attempt INTEGER NOT NULL,
    at TEXT NOT NULL,
    ok INTEGER NOT NULL,
    detail TEXT
);
CREATE INDEX notify_attempt_outbox ON notify_attempt (outbox_id);
