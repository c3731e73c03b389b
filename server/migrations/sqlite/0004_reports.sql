-- Problem reports from residents, what owners did about them, the
-- summary residents see on each toilet, rate limits, and webhooks.

ALTER TABLE toilets ADD COLUMN open_reports INTEGER NOT NULL DEFAULT 0;
ALTER TABLE toilets ADD COLUMN reported_closed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE toilets ADD COLUMN last_report_kind TEXT;
ALTER TABLE toilets ADD COLUMN last_report_at TEXT;
ALTER TABLE toilets ADD COLUMN last_fixed_at TEXT;

CREATE TABLE reports (
    id              INTEGER PRIMARY KEY,
    toilet_id       INTEGER NOT NULL REFERENCES toilets (id),
    kind            TEXT NOT NULL CHECK (kind IN ('closed', 'dirty', 'no_paper', 'no_water',
                        'broken', 'wrong_location', 'gone', 'other')),
    note            TEXT,
    contact         TEXT,
    -- A hash of the reporter's address: tells independent reports apart
    -- without keeping who sent them.
    client_hash     TEXT NOT NULL,
    state           TEXT NOT NULL DEFAULT 'open'
                        CHECK (state IN ('open', 'acknowledged', 'resolved')),
    created_at      TEXT NOT NULL,
    acknowledged_at TEXT,
    acknowledged_by INTEGER REFERENCES users (id),
    resolved_at     TEXT,
    resolved_by     INTEGER REFERENCES users (id),
    resolution      TEXT
);
CREATE INDEX reports_toilet ON reports (toilet_id, state);
CREATE INDEX reports_state ON reports (state, created_at);

-- Requests per key ("report:CLIENT:TOILET", …) in the current window.
CREATE TABLE rate_limits (
    key          TEXT PRIMARY KEY,
    count        INTEGER NOT NULL,
    window_start TEXT NOT NULL
);

CREATE TABLE webhooks (
    org_id INTEGER PRIMARY KEY REFERENCES orgs (id),
    url    TEXT NOT NULL,
    secret TEXT NOT NULL
);

-- Each new report for an organisation with a webhook, until delivered.
CREATE TABLE webhook_deliveries (
    id           INTEGER PRIMARY KEY,
    org_id       INTEGER NOT NULL,
    report_id    INTEGER NOT NULL,
    payload      TEXT NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    next_at      TEXT NOT NULL,
    delivered_at TEXT,
    last_error   TEXT
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_at) WHERE delivered_at IS NULL;
