-- workflow: a timer whose firing fails (its path cannot run) becomes an incident like a failed
-- service task: why, when, and how many times, so the monitoring API can list and retry it.
ALTER TABLE wf_timer ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE wf_timer ADD COLUMN last_error TEXT;
ALTER TABLE wf_timer ADD COLUMN failed_at BIGINT;
