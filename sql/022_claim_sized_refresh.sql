-- Refresh statements whose cost follows the claim (issue 13). A claim's lease rewrites every claimed entry
-- (`claimed_until`, `claimed_by`, `claimed_at`, none of them indexed), and so does releasing an entry touched
-- during its refresh. On full pages each rewrite is a new tuple with an entry in all three of the queue's
-- indexes (one in nine was heap-only in a 50,000-user stream); with room left on each page most become heap-only,
-- and the ingest transaction's conflict probes no longer meet the extra index entries. The queue holds one row
-- per waiting user, so the room costs little.
ALTER TABLE refresh_queue SET (fillfactor = 50);
-- A user's template summary is rewritten on each of its refreshes: the same reasoning, as for published lists.
ALTER TABLE profile_summaries SET (fillfactor = 70);
