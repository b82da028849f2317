-- LGSP: provider services, consumer systems, grants, the signed message log and the
-- store-and-forward queue. The message log is append-only and hash-chained like the audit
-- log: lgsp_log_head serialises writers (the single writer thread) and holds the chain tip.
CREATE TABLE lgsp_service (
    id @ID@,
    code TEXT NOT NULL UNIQUE,
    version TEXT NOT NULL,
    name TEXT NOT NULL,
    owner_agency TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('rest', 'soap')),
    upstream_url TEXT NOT NULL,
    timeout_ms INTEGER NOT NULL,
    description TEXT,
    spec TEXT,
    spec_type TEXT,
    brm_ref TEXT,
    arm_ref TEXT,
    status TEXT NOT NULL CHECK (status IN ('draft', 'published', 'deprecated', 'retired')),
    row_version INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE lgsp_consumer (
    id @ID@,
    client_id TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    agency_code TEXT NOT NULL,
    cert_sha256 TEXT,
    status TEXT NOT NULL CHECK (status IN ('active', 'suspended')),
    row_version INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL
);

CREATE TABLE lgsp_grant (
    id @ID@,
    service_code TEXT NOT NULL,
    client_id TEXT NOT NULL,
    methods TEXT,
    path_prefix TEXT,
    quota_per_day INTEGER,
    rate_per_sec INTEGER,
    created_at TEXT NOT NULL,
    UNIQUE (service_code, client_id)
);

CREATE TABLE lgsp_message (
    id BIGINT PRIMARY KEY,
    xroad_id TEXT NOT NULL,
    request_id TEXT,
    side TEXT NOT NULL,
    client_id TEXT,
    service_code TEXT NOT NULL,
    service_version TEXT,
    method TEXT NOT NULL,
    path TEXT NOT NULL,
    user_id TEXT,
    issue TEXT,
    status INTEGER NOT NULL,
    error_type TEXT,
    request_in_ms BIGINT NOT NULL,
    request_out_ms BIGINT,
    response_in_ms BIGINT,
    response_out_ms BIGINT NOT NULL,
    request_size BIGINT NOT NULL,
    response_size BIGINT NOT NULL,
    request_sha256 TEXT NOT NULL,
    response_sha256 TEXT NOT NULL,
    request_body @BLOB@,
    response_body @BLOB@,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX lgsp_message_xroad ON lgsp_message (xroad_id);
CREATE INDEX lgsp_message_service ON lgsp_message (service_code, request_in_ms);
CREATE INDEX lgsp_message_client ON lgsp_message (client_id, request_in_ms);

CREATE TABLE lgsp_log_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    count BIGINT NOT NULL,
    last_hash TEXT NOT NULL,
    base_id BIGINT NOT NULL,
    base_hash TEXT NOT NULL
);
INSERT INTO lgsp_log_head (id, count, last_hash, base_id, base_hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000', 0,
        '0000000000000000000000000000000000000000000000000000000000000000');

CREATE TABLE lgsp_log_checkpoint (
    id @ID@,
    ts TEXT NOT NULL,
    last_id BIGINT NOT NULL,
    last_hash TEXT NOT NULL,
    public_key TEXT NOT NULL,
    signature TEXT NOT NULL
);

CREATE TABLE lgsp_queue (
    id @ID@,
    msg_id TEXT NOT NULL UNIQUE,
    service_code TEXT NOT NULL,
    client_id TEXT NOT NULL,
    path TEXT NOT NULL,
    content_type TEXT,
    user_id TEXT,
    issue TEXT,
    body @BLOB@,
    status TEXT NOT NULL CHECK (status IN ('queued', 'delivered', 'dead')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_at BIGINT NOT NULL,
    last_error TEXT,
    response_status INTEGER,
    created_at TEXT NOT NULL,
    delivered_at TEXT
);
CREATE INDEX lgsp_queue_due ON lgsp_queue (status, next_at);
