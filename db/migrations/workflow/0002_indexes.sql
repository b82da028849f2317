-- workflow: indexes for the scheduler tick and fewer index pages per step (issue 5 bench).
-- The escalation pass ran every 250 ms over every open task and active instance; partial
-- indexes hold only the rows it looks for. The idempotency index skips the (usual) starts
-- without a key. Task cancellation by token goes through wf_task_inst (instance_id), so the
-- token index is dropped; job and timer cancellation get the indexes they lacked.
DROP INDEX wf_instance_idem;
CREATE UNIQUE INDEX wf_instance_idem ON wf_instance (started_by, idem_key)
    WHERE idem_key IS NOT NULL;
DROP INDEX wf_task_token;
CREATE INDEX wf_task_due ON wf_task (due_at)
    WHERE state = 'open' AND escalated = 0 AND due_at IS NOT NULL;
CREATE INDEX wf_instance_due ON wf_instance (due_at)
    WHERE state = 'active' AND escalated = 0 AND due_at IS NOT NULL;
CREATE INDEX wf_job_token ON wf_job (token_id);
CREATE INDEX wf_timer_inst ON wf_timer (instance_id);
