-- Information requests between agencies (liên thông cung cấp thông tin): an officer or a
-- service task of the dossier's process asks another agency's LGSP service; the exchange is
-- in the LGSP message log (xroad_id) and its answer is kept with the dossier. Numbered 0010 so
-- parallel dossier migrations (0003...) do not collide.
CREATE TABLE dossier_info_requests (
    id @ID@,
    dossier_code TEXT NOT NULL,
    agency_code TEXT NOT NULL,
    service_code TEXT NOT NULL,
    params TEXT NOT NULL,
    purpose TEXT,
    state TEXT NOT NULL CHECK (state IN ('pending', 'answered', 'failed')),
    via TEXT NOT NULL,
    http_status INTEGER,
    problem TEXT,
    answer TEXT,
    xroad_id TEXT,
    requested_by TEXT NOT NULL,
    requested_at TEXT NOT NULL,
    answered_at TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    idem_key TEXT,
    UNIQUE (requested_by, idem_key)
);
CREATE INDEX dossier_info_requests_code ON dossier_info_requests (dossier_code, id);
CREATE INDEX dossier_info_requests_state ON dossier_info_requests (state, id);
