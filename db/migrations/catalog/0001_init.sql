-- Shared catalogues (danh mục điện tử dùng chung): agencies with versioned validity and
-- successor links, organisation changes as data, procedures (TTHC), generic catalogues with
-- row history, and the search documents indexed for full-text search.

-- One row per version of an agency: a code keeps its identity over time, a rename or a
-- merger closes a version (valid_to) and opens the next one (valid_from). A retired code
-- has no open version and a successor_code on its last version.
CREATE TABLE catalog_agencies (
    id @ID@,
    code TEXT NOT NULL,
    valid_from TEXT NOT NULL,
    valid_to TEXT,
    name TEXT NOT NULL,
    short_name TEXT,
    parent_code TEXT,
    kind TEXT NOT NULL,
    level INTEGER NOT NULL,
    successor_code TEXT,
    address TEXT,
    version INTEGER NOT NULL DEFAULT 1,
    updated_at TEXT NOT NULL,
    UNIQUE (code, valid_from)
);
CREATE INDEX catalog_agencies_parent ON catalog_agencies (parent_code);

CREATE TABLE catalog_org_changes (
    id @ID@,
    kind TEXT NOT NULL,
    effective_date TEXT NOT NULL,
    sources TEXT NOT NULL,
    targets TEXT NOT NULL,
    note TEXT,
    actor TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE catalog_procedures (
    code TEXT PRIMARY KEY,
    national_code TEXT NOT NULL,
    name TEXT NOT NULL,
    field TEXT NOT NULL,
    agency_code TEXT NOT NULL,
    level TEXT NOT NULL,
    processing_days INTEGER,
    processing_hours INTEGER,
    online TEXT NOT NULL,
    result_type TEXT,
    process_key TEXT NOT NULL,
    doc TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    updated_at TEXT NOT NULL
);
CREATE INDEX catalog_procedures_agency ON catalog_procedures (agency_code);
CREATE INDEX catalog_procedures_field ON catalog_procedures (field);

CREATE TABLE catalog_catalogs (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    description TEXT,
    owner_agency TEXT,
    properties TEXT NOT NULL,
    source TEXT,
    version INTEGER NOT NULL DEFAULT 1,
    updated_at TEXT NOT NULL
);

CREATE TABLE catalog_rows (
    catalog TEXT NOT NULL,
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    data TEXT NOT NULL,
    valid_from TEXT,
    valid_to TEXT,
    seq BIGINT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (catalog, code)
);
CREATE INDEX catalog_rows_seq ON catalog_rows (catalog, seq);

CREATE TABLE catalog_row_history (
    id @ID@,
    catalog TEXT NOT NULL,
    code TEXT NOT NULL,
    version INTEGER NOT NULL,
    action TEXT NOT NULL,
    data TEXT,
    actor TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX catalog_row_history_row ON catalog_row_history (catalog, code);

-- Search documents: kind (procedure | agency | row), a reference, the display text and its
-- eg_fold key. The full-text index over `folded` is created by eg_fts_ensure (store).
CREATE TABLE catalog_search_docs (
    id @ID@,
    kind TEXT NOT NULL,
    ref TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    folded TEXT NOT NULL,
    UNIQUE (kind, ref)
);
