-- dossier: uploaded files, dossiers (hồ sơ TTHC) with their daily code sequence, the
-- timeline of every transition, pause intervals, and the citizen's electronic data store.

CREATE TABLE dossier_files (
    id TEXT PRIMARY KEY,
    sha256 TEXT NOT NULL,
    size BIGINT NOT NULL,
    content_type TEXT NOT NULL,
    filename TEXT,
    owner TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX dossier_files_owner ON dossier_files (owner);

-- Daily sequence per receiving agency: one row per (agency, yymmdd), bumped inside the
-- submission transaction; dossiers(agency_code, day, seq) is UNIQUE as the backstop.
CREATE TABLE dossier_seq (
    agency_code TEXT NOT NULL,
    day TEXT NOT NULL,
    last_seq INTEGER NOT NULL,
    PRIMARY KEY (agency_code, day)
);

CREATE TABLE dossiers (
    id @ID@,
    code TEXT NOT NULL UNIQUE,
    agency_code TEXT NOT NULL,
    day TEXT NOT NULL,
    seq INTEGER NOT NULL,
    handling_agency TEXT NOT NULL,
    procedure_code TEXT NOT NULL,
    procedure_name TEXT NOT NULL,
    processing_days INTEGER NOT NULL,
    process_key TEXT,
    channel INTEGER NOT NULL,
    status INTEGER NOT NULL,
    owner TEXT,
    applicant TEXT NOT NULL,
    components TEXT NOT NULL,
    submitted_at BIGINT NOT NULL,
    received_at BIGINT,
    due_at BIGINT,
    pause_started BIGINT,
    paused_days INTEGER NOT NULL DEFAULT 0,
    instance_id BIGINT,
    result_file TEXT,
    reason TEXT,
    finished_at BIGINT,
    returned_at BIGINT,
    warned INTEGER NOT NULL DEFAULT 0,
    overdue INTEGER NOT NULL DEFAULT 0,
    new_due_at BIGINT,
    rating INTEGER,
    rating_comment TEXT,
    created_by TEXT NOT NULL,
    idem_key TEXT,
    version INTEGER NOT NULL DEFAULT 1,
    UNIQUE (agency_code, day, seq),
    UNIQUE (created_by, idem_key)
);
CREATE INDEX dossiers_owner ON dossiers (owner);
CREATE INDEX dossiers_handling ON dossiers (handling_agency, status);
CREATE INDEX dossiers_status_due ON dossiers (status, due_at);

CREATE TABLE dossier_events (
    id @ID@,
    code TEXT NOT NULL,
    at BIGINT NOT NULL,
    action TEXT NOT NULL,
    from_status INTEGER,
    to_status INTEGER NOT NULL,
    actor TEXT NOT NULL,
    agency_code TEXT,
    note TEXT
);
CREATE INDEX dossier_events_code ON dossier_events (code, id);

CREATE TABLE dossier_file_refs (
    code TEXT NOT NULL,
    file_id TEXT NOT NULL,
    component TEXT NOT NULL,
    PRIMARY KEY (code, file_id, component)
);
CREATE INDEX dossier_file_refs_file ON dossier_file_refs (file_id);

CREATE TABLE dossier_datastore (
    id @ID@,
    owner TEXT NOT NULL,
    kind TEXT NOT NULL,
    file_id TEXT NOT NULL,
    name TEXT NOT NULL,
    component TEXT,
    dossier_code TEXT,
    created_at TEXT NOT NULL,
    UNIQUE (owner, file_id)
);
