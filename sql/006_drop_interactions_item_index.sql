-- No query reads interactions by item (popularity lives in item_stats, models read whole snapshots), and
-- the index cost about a fifth of every ingest batch's insert time.
DROP INDEX IF EXISTS interactions_item;
