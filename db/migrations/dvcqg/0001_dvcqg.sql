-- The durable outbox of sync events to the National Public Service Portal (one row per event,
-- delivered per dossier strictly in id order) and the per-dossier sync record (the portal's
-- dossier code and id once NoiHoSo succeeded).
CREATE TABLE dvcqg_events (
    id @ID@,
    dossier_code TEXT NOT NULL,
    agency_code TEXT,
    event TEXT NOT NULL,
    payload TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    next_ms BIGINT NOT NULL DEFAULT 0,
    last_error TEXT,
    created_at TEXT NOT NULL,
    delivered_at TEXT
);
CREATE INDEX dvcqg_events_queue ON dvcqg_events (state, dossier_code, id);
CREATE INDEX dvcqg_events_dossier ON dvcqg_events (dossier_code, id);

CREATE TABLE dvcqg_dossiers (
    dossier_code TEXT PRIMARY KEY,
    agency_code TEXT,
    portal_code TEXT,
    portal_id TEXT,
    updated_at TEXT NOT NULL
);
