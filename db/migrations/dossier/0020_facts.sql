-- dossier facts for statistics (src/dossier/facts.c): one compact row per dossier, kept in
-- step with the dossier by the transition recorder, and two monthly rollups of the same rows
-- (with and without the procedure) so that period statistics over millions of dossiers read
-- thousands of rows, not millions.
-- Numbered 0020 so parallel work on the dossier module (0003.., info requests 0010) does not clash.

CREATE TABLE dossier_facts (
    dossier_id BIGINT PRIMARY KEY,
    agency_code TEXT NOT NULL,      -- handling (competent) agency
    procedure_code TEXT NOT NULL,
    field TEXT NOT NULL,            -- lĩnh vực of the procedure ('' when unknown)
    channel INTEGER NOT NULL,       -- 1 in person, 2 online, 3 post
    received_day INTEGER NOT NULL,  -- VN-local submission date as yyyymmdd
    status INTEGER NOT NULL,        -- TrangThaiHoSo 1-10
    state INTEGER NOT NULL,         -- 1 in progress, 2 resolved on time, 3 resolved late,
                                    -- 4 withdrawn / refused / stopped
    due_at BIGINT,                  -- ms; NULL before acceptance
    resolved_at BIGINT,             -- ms; when it reached 9 (or 3/7/8)
    rating INTEGER                  -- 1-5 or NULL
);
-- covering indexes: a date range over every agency, and the same for a few agencies (staff
-- see their own agency, so this is the common path)
CREATE INDEX dossier_facts_day ON dossier_facts (received_day, agency_code, procedure_code,
                                                 field, channel, state, rating);
CREATE INDEX dossier_facts_agency_day ON dossier_facts (agency_code, received_day,
                                                        procedure_code, field, channel, state,
                                                        rating);
-- dossiers in progress only, by due date ("overdue" is counted against the clock)
CREATE INDEX dossier_facts_open ON dossier_facts (due_at, received_day, agency_code,
                                                  procedure_code, field, channel)
    WHERE state = 1;

CREATE TABLE dossier_fact_months (
    month INTEGER NOT NULL,         -- yyyymm of received_day
    agency_code TEXT NOT NULL,
    procedure_code TEXT NOT NULL,
    field TEXT NOT NULL,
    channel INTEGER NOT NULL,
    received BIGINT NOT NULL DEFAULT 0,
    open_n BIGINT NOT NULL DEFAULT 0,
    on_time BIGINT NOT NULL DEFAULT 0,
    late BIGINT NOT NULL DEFAULT 0,
    closed BIGINT NOT NULL DEFAULT 0,
    rated BIGINT NOT NULL DEFAULT 0,
    rating_sum BIGINT NOT NULL DEFAULT 0,
    r1 BIGINT NOT NULL DEFAULT 0,
    r2 BIGINT NOT NULL DEFAULT 0,
    r3 BIGINT NOT NULL DEFAULT 0,
    r4 BIGINT NOT NULL DEFAULT 0,
    r5 BIGINT NOT NULL DEFAULT 0,
    -- procedure first: this rollup only serves procedure groups and filters
    PRIMARY KEY (procedure_code, month, agency_code, field, channel)
);

-- the same without the procedure: a few rows per agency and month, for every grouping and
-- filter except by procedure
CREATE TABLE dossier_fact_months_agency (
    month INTEGER NOT NULL,
    agency_code TEXT NOT NULL,
    field TEXT NOT NULL,
    channel INTEGER NOT NULL,
    received BIGINT NOT NULL DEFAULT 0,
    open_n BIGINT NOT NULL DEFAULT 0,
    on_time BIGINT NOT NULL DEFAULT 0,
    late BIGINT NOT NULL DEFAULT 0,
    closed BIGINT NOT NULL DEFAULT 0,
    rated BIGINT NOT NULL DEFAULT 0,
    rating_sum BIGINT NOT NULL DEFAULT 0,
    r1 BIGINT NOT NULL DEFAULT 0,
    r2 BIGINT NOT NULL DEFAULT 0,
    r3 BIGINT NOT NULL DEFAULT 0,
    r4 BIGINT NOT NULL DEFAULT 0,
    r5 BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (month, agency_code, field, channel)
);
CREATE INDEX dossier_fact_months_agency_a ON dossier_fact_months_agency (agency_code, month);

-- the procedure rollup per year, for the whole years inside a long range
CREATE TABLE dossier_fact_years (
    year INTEGER NOT NULL,
    agency_code TEXT NOT NULL,
    procedure_code TEXT NOT NULL,
    field TEXT NOT NULL,
    channel INTEGER NOT NULL,
    received BIGINT NOT NULL DEFAULT 0,
    open_n BIGINT NOT NULL DEFAULT 0,
    on_time BIGINT NOT NULL DEFAULT 0,
    late BIGINT NOT NULL DEFAULT 0,
    closed BIGINT NOT NULL DEFAULT 0,
    rated BIGINT NOT NULL DEFAULT 0,
    rating_sum BIGINT NOT NULL DEFAULT 0,
    r1 BIGINT NOT NULL DEFAULT 0,
    r2 BIGINT NOT NULL DEFAULT 0,
    r3 BIGINT NOT NULL DEFAULT 0,
    r4 BIGINT NOT NULL DEFAULT 0,
    r5 BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (procedure_code, year, agency_code, field, channel)
);
