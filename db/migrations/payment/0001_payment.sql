-- Payments (fees and charges) of objects owned by other modules (ref_type, ref_id), the
-- callbacks received from the gateway (nonce = replay key), daily reconciliation reports,
-- and the built-in test gateway peer's own ledger (payment_testgw_*), which stands for the
-- external gateway's books and is never read by the platform side except through the
-- adapter.
CREATE TABLE payment_payments (
    id @ID@,
    order_id TEXT NOT NULL UNIQUE,
    ref_type TEXT NOT NULL,
    ref_id TEXT NOT NULL,
    agency_code TEXT NOT NULL,
    amount_vnd BIGINT NOT NULL,
    description TEXT NOT NULL,
    payer_subject TEXT,
    state TEXT NOT NULL,
    gateway TEXT NOT NULL,
    gateway_txn TEXT,
    created_at TEXT NOT NULL,
    paid_at TEXT,
    paid_day TEXT,
    refunded_at TEXT,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX payment_payments_ref ON payment_payments (ref_type, ref_id);
CREATE INDEX payment_payments_agency ON payment_payments (agency_code, id);
CREATE INDEX payment_payments_day ON payment_payments (paid_day);

CREATE TABLE payment_callbacks (
    id @ID@,
    nonce TEXT NOT NULL UNIQUE,
    payment_id BIGINT NOT NULL,
    status TEXT NOT NULL,
    http_status INTEGER NOT NULL,
    response TEXT NOT NULL,
    received_at TEXT NOT NULL
);

CREATE TABLE payment_reconciliations (
    day TEXT PRIMARY KEY,
    report TEXT NOT NULL,
    mismatches INTEGER NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE payment_testgw_txn (
    gateway_txn TEXT PRIMARY KEY,
    order_id TEXT NOT NULL UNIQUE,
    merchant_id TEXT NOT NULL,
    amount_vnd BIGINT NOT NULL,
    statement_amount_vnd BIGINT NOT NULL,
    description TEXT NOT NULL,
    callback_url TEXT NOT NULL,
    return_url TEXT NOT NULL,
    state TEXT NOT NULL,
    settled_day TEXT,
    callback_pending INTEGER NOT NULL DEFAULT 0,
    callback_attempts INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);
