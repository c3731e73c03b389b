-- Toilets, and the change log that running servers follow.
CREATE TABLE toilets (
    id            INTEGER PRIMARY KEY,
    source        TEXT    NOT NULL,
    external_id   TEXT,
    name          TEXT    NOT NULL,
    address       TEXT,
    lat           REAL    NOT NULL CHECK (lat BETWEEN -90 AND 90),
    lon           REAL    NOT NULL CHECK (lon BETWEEN -180 AND 180),
    wheelchair    INTEGER CHECK (wheelchair IN (0, 1)),
    baby_change   INTEGER CHECK (baby_change IN (0, 1)),
    family_room   INTEGER CHECK (family_room IN (0, 1)),
    free          INTEGER CHECK (free IN (0, 1)),
    access        TEXT    CHECK (access IN ('public', 'customers', 'key')),
    opening_hours TEXT,
    hours_note    TEXT,
    timezone      TEXT    NOT NULL,
    operator      TEXT,
    org_id        INTEGER,
    last_verified TEXT,
    status        TEXT    NOT NULL DEFAULT 'open'
                  CHECK (status IN ('open', 'temporarily_closed', 'removed')),
    closed_reason TEXT,
    closed_until  TEXT,
    version       INTEGER NOT NULL DEFAULT 1,
    created_at    TEXT    NOT NULL,
    updated_at    TEXT    NOT NULL
);

-- Re-importing a source updates its rows instead of adding them again.
CREATE UNIQUE INDEX toilets_source_external_id
    ON toilets (source, external_id) WHERE external_id IS NOT NULL;

-- Every insert, update and delete of a toilet appends its id here, whoever
-- writes it. A server remembers the last seq it applied and polls for more.
CREATE TABLE toilet_changes (
    seq       INTEGER PRIMARY KEY AUTOINCREMENT,
    toilet_id INTEGER NOT NULL
);

CREATE TRIGGER toilets_log_insert AFTER INSERT ON toilets
BEGIN
    INSERT INTO toilet_changes (toilet_id) VALUES (NEW.id);
END;

CREATE TRIGGER toilets_log_update AFTER UPDATE ON toilets
BEGIN
    INSERT INTO toilet_changes (toilet_id) VALUES (NEW.id);
END;

CREATE TRIGGER toilets_log_delete AFTER DELETE ON toilets
BEGIN
    INSERT INTO toilet_changes (toilet_id) VALUES (OLD.id);
END;
