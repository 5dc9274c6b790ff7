-- The refresher's catch-up finds new interactions through the BRIN index on their transaction ids, and a BRIN scan
-- reads every block range that has not been summarised yet. Ranges are summarised when autovacuum takes the
-- insert's summarisation request, and PostgreSQL drops requests once 256 are pending anywhere in the cluster: the
-- 60-minute soak of 2026-12-02 logged 7,477 dropped requests, all of its ranges from minute 10 on, and its applied
-- rate fell from 2,000 to nearly 0 events/s after 40 minutes (cause not proven). A VACUUM summarises every
-- unsummarised range, and by default an insert-only table is vacuumed only after growing by a fifth, a million
-- rows at five million. Vacuuming after every 20,000 inserts bounds the unsummarised tail a catch-up reads.
ALTER TABLE interactions SET (autovacuum_vacuum_insert_threshold = 20000, autovacuum_vacuum_insert_scale_factor = 0);
