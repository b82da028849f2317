-- Which backend carries a queued message: 'sqlite' (the body is in this row and the
-- delivery thread reads it from here) or 'nats' (the body travels through JetStream; this
-- row is the receipt).
ALTER TABLE lgsp_queue ADD COLUMN backend TEXT NOT NULL DEFAULT 'sqlite';
