-- `candidates` was created with the first schema for per-user candidate lists that nothing ever wrote or read:
-- the refresher and the nightly job score candidates in memory and publish only the ranked rows.
DROP TABLE IF EXISTS candidates;
