-- identity: accounts, role assignments, roles and permissions as data, OAuth clients,
-- authorization codes, refresh tokens, revocations and browser sessions.
CREATE TABLE identity_accounts (
    id TEXT PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    name_fold TEXT NOT NULL,
    kind TEXT NOT NULL,
    agency_code TEXT,
    position TEXT,
    citizen_id TEXT UNIQUE,
    tax_code TEXT UNIQUE,
    email TEXT,
    password_hash TEXT,
    totp_secret TEXT,
    totp_last_step BIGINT NOT NULL DEFAULT 0,
    status TEXT NOT NULL DEFAULT 'active',
    upstream_sub TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX identity_accounts_agency ON identity_accounts (agency_code);

CREATE TABLE identity_roles (
    name TEXT PRIMARY KEY,
    title_vi TEXT NOT NULL,
    agency_bound INTEGER NOT NULL,
    admin INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE identity_role_permissions (
    role TEXT NOT NULL,
    action TEXT NOT NULL,
    resource_type TEXT NOT NULL,
    scope INTEGER NOT NULL,
    module TEXT NOT NULL,
    PRIMARY KEY (role, action, resource_type)
);

CREATE TABLE identity_role_assignments (
    id @ID@,
    account_id TEXT NOT NULL REFERENCES identity_accounts (id),
    role TEXT NOT NULL REFERENCES identity_roles (name),
    agency_code TEXT NOT NULL DEFAULT '',
    include_subunits INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    UNIQUE (account_id, role, agency_code)
);

CREATE TABLE identity_clients (
    client_id TEXT PRIMARY KEY,
    type TEXT NOT NULL,
    secret_hash TEXT,
    name TEXT NOT NULL,
    redirect_uris TEXT NOT NULL DEFAULT '',
    post_logout_uris TEXT NOT NULL DEFAULT '',
    grants TEXT NOT NULL,
    scopes TEXT NOT NULL,
    agency_code TEXT,
    status TEXT NOT NULL DEFAULT 'active',
    created_at TEXT NOT NULL
);

CREATE TABLE identity_codes (
    code_hash TEXT PRIMARY KEY,
    client_id TEXT NOT NULL,
    account_id TEXT NOT NULL,
    redirect_uri TEXT NOT NULL,
    scope TEXT NOT NULL,
    nonce TEXT,
    code_challenge TEXT,
    auth_time BIGINT NOT NULL,
    expires_ms BIGINT NOT NULL,
    used INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE identity_refresh (
    token_hash TEXT PRIMARY KEY,
    family TEXT NOT NULL,
    client_id TEXT NOT NULL,
    account_id TEXT NOT NULL,
    scope TEXT NOT NULL,
    auth_time BIGINT NOT NULL,
    expires_ms BIGINT NOT NULL,
    used INTEGER NOT NULL DEFAULT 0,
    revoked INTEGER NOT NULL DEFAULT 0,
    created_ms BIGINT NOT NULL
);
CREATE INDEX identity_refresh_family ON identity_refresh (family);

-- Revoked access-token ids ("jti") and token families ("fam:<id>") until they expire.
CREATE TABLE identity_revoked (
    rkey TEXT PRIMARY KEY,
    expires_ms BIGINT NOT NULL
);

CREATE TABLE identity_sessions (
    id_hash TEXT PRIMARY KEY,
    account_id TEXT NOT NULL,
    stage TEXT NOT NULL,
    csrf TEXT NOT NULL,
    created_ms BIGINT NOT NULL,
    expires_ms BIGINT NOT NULL
);
