-- Runs: every Solve, WhatIf and Validate the service answered, immutable.
CREATE TABLE runs (
    run_id          TEXT PRIMARY KEY,          -- UUID v7: sorts by time
    method          TEXT NOT NULL,             -- Solve | WhatIf | Validate
    programme_id    TEXT NOT NULL DEFAULT '',
    cohort          TEXT NOT NULL DEFAULT '',
    created_at      TEXT NOT NULL,             -- RFC 3339, UTC
    caller          TEXT NOT NULL,
    request_sha256  TEXT NOT NULL,
    status          TEXT NOT NULL,             -- gRPC code name, OK when answered
    error           TEXT NOT NULL DEFAULT '',
    engine_version  TEXT NOT NULL,
    elapsed_ms      REAL NOT NULL,
    request         BLOB NOT NULL,             -- protobuf
    response        BLOB                       -- protobuf; NULL unless OK
) STRICT;
CREATE INDEX runs_by_programme ON runs (programme_id, cohort, run_id);

-- The audit trail: append-only, one row per event of a programme.
CREATE TABLE events (
    event_id      INTEGER PRIMARY KEY AUTOINCREMENT,
    programme_id  TEXT NOT NULL,
    at            TEXT NOT NULL,
    kind          TEXT NOT NULL,               -- run (later: decision, adoption, erasure)
    run_id        TEXT,
    caller        TEXT NOT NULL,
    detail        TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX events_by_programme ON events (programme_id, event_id);
