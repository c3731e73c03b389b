-- Organisations that run toilets, the people who sign in, their sessions,
-- sign-in throttling, and the history of every change made through the API.

CREATE TABLE orgs (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    kind        TEXT NOT NULL CHECK (kind IN ('residents_committee', 'village_committee',
                    'community_hospital', 'street_office', 'other')),
    street      TEXT,
    district    TEXT,
    disabled_at TEXT,
    created_at  TEXT NOT NULL
);

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE COLLATE NOCASE,
    -- argon2id, as a PHC string.
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('admin', 'committee')),
    org_id        INTEGER REFERENCES orgs (id),
    disabled_at   TEXT,
    created_at    TEXT NOT NULL,
    CHECK (role = 'admin' OR org_id IS NOT NULL)
);

-- Only a hash of each token is kept: a copy of the database signs nobody in.
CREATE TABLE sessions (
    token_hash  TEXT PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token  TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

-- Failed sign-ins per key ("user:NAME", "ip:ADDR") in the current window.
CREATE TABLE sign_in_failures (
    key          TEXT PRIMARY KEY,
    failures     INTEGER NOT NULL,
    window_start TEXT NOT NULL
);

-- Who changed which toilet, when, from what to what (JSON of the toilet).
CREATE TABLE toilet_history (
    id        INTEGER PRIMARY KEY,
    toilet_id INTEGER NOT NULL,
    user_id   INTEGER REFERENCES users (id),
    action    TEXT NOT NULL CHECK (action IN ('create', 'update', 'close', 'reopen', 'remove',
                  'reassign')),
    before    TEXT,
    after     TEXT,
    at        TEXT NOT NULL
);
CREATE INDEX toilet_history_toilet ON toilet_history (toilet_id, id);

CREATE INDEX toilets_org ON toilets (org_id) WHERE org_id IS NOT NULL;
