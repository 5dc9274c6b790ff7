-- A nightly run's training data is "every interaction whose ingest transaction had committed when the run
-- began": the PostgreSQL snapshot taken then, matched against each row's ingest_xid (migration 005). The
-- previous bound, ingested_at <= snapshot_at, used the ingest transaction's start time, so a batch that began
-- before the snapshot and committed after it was missing from the first read and present in a --resume.
-- Runs recorded before this migration have no snapshot and keep the old bound.
ALTER TABLE recommendation_runs ADD COLUMN snapshot_xids pg_snapshot;
