-- Inter-agency processing (liên thông): each step handed to another agency is timed on its own.
CREATE TABLE dossier_shares (
    id @ID@,
    code TEXT NOT NULL,
    agency_code TEXT NOT NULL,
    working_days INTEGER NOT NULL,
    started_at BIGINT NOT NULL,
    due_at BIGINT NOT NULL,
    ended_at BIGINT,
    late INTEGER NOT NULL DEFAULT 0,
    note TEXT
);
CREATE INDEX dossier_shares_code ON dossier_shares (code);
CREATE INDEX dossier_shares_agency ON dossier_shares (agency_code, ended_at);
