-- `interactions_ingest_xid_range` (migration 013) was created with `autosummarize = on`: each insert that starts a
-- new 16-page block range asks autovacuum to summarise the range before. Autovacuum keeps at most 256 such requests
-- for the whole server and serves them only when a worker visits the database, so under a steady stream the list
-- stays full, and every further request was refused with a LOG line carrying the whole ingest statement: about
-- 2 GB of server log over a day of benchmarks here. The ranges are summarised anyway: by the stream models'
-- catch-up before each read (`recworker_summarize_new_interactions()`, migration 022) and by every vacuum of the
-- table, which its inserts trigger (migration 018).
ALTER INDEX interactions_ingest_xid_range SET (autosummarize = off);
