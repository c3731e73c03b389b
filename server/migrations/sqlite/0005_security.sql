-- Throttles counted before the work they guard (sign-in checks, reports,
-- confirmations), in one statement, so a burst cannot race past them.
-- Times are Unix milliseconds, the same on both stores.
CREATE TABLE throttles (
    key          TEXT PRIMARY KEY,
    count        INTEGER NOT NULL,
    window_start INTEGER NOT NULL,
    -- Past the limit (with back-off): no attempt before this time.
    next_at      INTEGER NOT NULL,
    -- A random number the last admitted attempt wrote: how a caller knows
    -- that the statement admitted it.
    grant_id     INTEGER NOT NULL
);

-- A delivery given up on after its last attempt.
ALTER TABLE webhook_deliveries ADD COLUMN failed_at TEXT;
