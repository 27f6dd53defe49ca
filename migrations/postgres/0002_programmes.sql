-- Adoptions are runs (method 'Adopt') that name the run they adopted.
ALTER TABLE runs ADD COLUMN adopted_run_id TEXT NOT NULL DEFAULT '';
ALTER TABLE runs ADD COLUMN adopted_scenario TEXT NOT NULL DEFAULT '';
CREATE INDEX runs_by_method ON runs (programme_id, method, cohort, run_id);
CREATE INDEX runs_by_time ON runs (created_at);

-- Decisions on the pairs and memberships of a stored matching: append-only.
CREATE TABLE decisions (
    decision_id   BIGSERIAL PRIMARY KEY,
    programme_id  TEXT NOT NULL,
    cohort        TEXT NOT NULL,
    run_id        TEXT NOT NULL,               -- the matching decided on
    mentor_id     TEXT NOT NULL,               -- the lead mentor for a membership
    mentee_id     TEXT NOT NULL,
    membership    BOOLEAN NOT NULL,
    kind          TEXT NOT NULL,               -- ACCEPTED | DECLINED | ENDED_EARLY
    reason        TEXT NOT NULL,
    decided_on    DATE NOT NULL,
    recorded_at   TIMESTAMPTZ NOT NULL,
    caller        TEXT NOT NULL
);
CREATE INDEX decisions_by_programme ON decisions (programme_id, cohort, decision_id);
CREATE INDEX decisions_by_time ON decisions (recorded_at);
CREATE INDEX events_by_time ON events (at);
