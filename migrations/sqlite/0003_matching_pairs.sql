-- The pairs of each adopted matching, so that a programme's history is read
-- without decoding stored responses. Ids only; filled when a matching is
-- adopted (adoptions came with migration 2, released together with this one).
CREATE TABLE matching_pairs (
    run_id        TEXT NOT NULL,               -- the Adopt run
    programme_id  TEXT NOT NULL,
    cohort        TEXT NOT NULL,
    position      INTEGER NOT NULL,            -- order in the response
    mentor_id     TEXT NOT NULL,
    mentee_id     TEXT NOT NULL,
    PRIMARY KEY (run_id, position)
) STRICT;
CREATE INDEX matching_pairs_by_programme ON matching_pairs (programme_id, cohort, run_id);
