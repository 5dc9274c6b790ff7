-- Refresh statements whose cost follows the claim (issue 13). A claim's lease rewrites every claimed entry
-- (`claimed_until`, `claimed_by`, `claimed_at`, none of them indexed), and so does releasing an entry touched
-- during its refresh. On full pages each rewrite is a new tuple with an entry in all three of the queue's
-- indexes (one in nine was heap-only in a 50,000-user stream); with room left on each page most become heap-only,
-- and the ingest transaction's conflict probes no longer meet the extra index entries. The queue holds one row
-- per waiting user, so the room costs little.
ALTER TABLE refresh_queue SET (fillfactor = 50);
-- A user's template summary is rewritten on each of its refreshes: the same reasoning, as for published lists.
ALTER TABLE profile_summaries SET (fillfactor = 70);

-- The stream models' catch-up reads the interactions committed since its last read through the BRIN index
-- `interactions_ingest_xid_range` (migration 013). A block range the index has not summarised matches every query,
-- and autovacuum summarises ranges only when it gets round to the table: after a burst of 500,000 events, every
-- catch-up (one per claim and lane) read all 5,139 pages, 60–130 ms each time. The refresher now summarises new
-- ranges before it reads: each page is read once more, not once per catch-up, and a summarised range keeps its
-- summary current as rows are added to it.
-- SECURITY DEFINER: summarising needs the owner's rights. NOWAIT: a vacuum of the table (or another lane
-- summarising) holds the lock this needs; the catch-up then reads the unsummarised ranges as before instead of
-- waiting.
CREATE FUNCTION recworker_summarize_new_interactions() RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
    LOCK TABLE interactions IN SHARE UPDATE EXCLUSIVE MODE NOWAIT;
    RETURN brin_summarize_new_values('interactions_ingest_xid_range');
EXCEPTION WHEN lock_not_available THEN
    RETURN 0;
END
$$;
