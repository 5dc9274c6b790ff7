-- Publication contract: what nightly runs record, the per-user progress that makes them resumable,
-- the indexes behind the documented consumer queries, and the read-only role for consumers.

-- A nightly run trains on the interactions ingested up to snapshot_at, with seed; --resume reuses both,
-- so a resumed run produces the same rows as an uninterrupted one.
ALTER TABLE recommendation_runs
    ADD COLUMN snapshot_at      timestamptz,
    ADD COLUMN seed             bigint,
    ADD COLUMN planned_users    integer NOT NULL DEFAULT 0,
    ADD COLUMN llm_users        integer NOT NULL DEFAULT 0,
    ADD COLUMN error            text,
    -- set once every user's message of a published run is on the output topic (null when output is off)
    ADD COLUMN announced_at     timestamptz;

CREATE INDEX recommendation_runs_kind_status ON recommendation_runs (kind, status, run_id DESC);

-- Users whose rows a run has written, committed with those rows: --resume skips them.
CREATE TABLE run_progress (
    run_id     bigint NOT NULL REFERENCES recommendation_runs (run_id) ON DELETE CASCADE,
    user_id    integer NOT NULL,
    source     text NOT NULL CHECK (source IN ('llm', 'model', 'popular')),
    row_count  integer NOT NULL,
    PRIMARY KEY (run_id, user_id)
);

-- "All users recommended one item" in the current run: an index-only scan on (run_id, item_id, user_id, rank)
-- instead of the heap lookups the (run_id, item_id) index of 001 needs. "Top N for one user" is served by
-- the primary key (user_id, run_id, rank).
CREATE INDEX recommendations_run_item_user ON recommendations (run_id, item_id) INCLUDE (user_id, rank, score);
DROP INDEX recommendations_run_item;

-- Read-only role for downstream consumers. A role is cluster-wide, so it may already exist (another
-- database on the same server, or a DBA created it first); grants are per database and always applied.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'recworker_reader') THEN
        CREATE ROLE recworker_reader NOLOGIN;
    END IF;
EXCEPTION
    -- two databases migrating at once both saw no role; the loser's CREATE fails harmlessly
    WHEN duplicate_object OR unique_violation THEN NULL;
END
$$;
DO $$
BEGIN
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO recworker_reader', current_database());
END
$$;
GRANT USAGE ON SCHEMA public TO recworker_reader;
GRANT SELECT ON current_recommendations, recommendations, recommendation_runs, publication_state,
    user_profiles, items TO recworker_reader;
