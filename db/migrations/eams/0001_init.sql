-- The architecture register (EAMS): the business catalogue (BRM), application services
-- (ARM), applications and their relations, loaded from data/eams/*.csv. Each row is kept
-- as the source wrote it (a JSON object of the CSV columns) with its position; the
-- source's own inconsistencies stay visible in `note`.
CREATE TABLE eams_rows (
    kind TEXT NOT NULL,
    seq INTEGER NOT NULL,
    code TEXT,
    name TEXT,
    data TEXT NOT NULL,
    note TEXT,
    PRIMARY KEY (kind, seq)
);
CREATE INDEX eams_rows_code ON eams_rows (kind, code);

-- What is deployed, linked to the register: a procedure (TTHC) or an LGSP service
-- (subject) realises a BRM business type or uses an ARM service/group (code).
CREATE TABLE eams_links (
    id @ID@,
    subject_type TEXT NOT NULL,
    subject_ref TEXT NOT NULL,
    code TEXT NOT NULL,
    actor TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (subject_type, subject_ref, code)
);
CREATE INDEX eams_links_code ON eams_links (code);
