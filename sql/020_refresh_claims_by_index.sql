-- Claims whose cost follows the claim, not the queue (issue 13). A claim used to join every waiting entry to its
-- profile and sort them all by last touch: 85–160 ms per claim with 50,000 users queued, the largest refresher
-- statement under load, and it grows with the queue. Now a claim walks two indexes from their heads:
--
-- * `refresh_queue_age` in (enqueued_at, user_id) order, for users waiting beyond the bound;
-- * `refresh_queue_touch_order` in (touched_at, user_id) order. `touched_at` is the last touch the queue knows
--   of; a later ingest batch stamps only the profile's `updated_at` (writing the entry again cost ingest a sixth
--   of its database time). The walk reads each entry's profile, claims the ones whose true last touch is behind
--   the walk's frontier, and moves the others to their true place, so each re-touch costs one entry write at
--   the next claim instead of one per ingest batch.
CREATE INDEX refresh_queue_touch_order ON refresh_queue (touched_at, user_id);
DROP INDEX refresh_queue_age;
CREATE INDEX refresh_queue_age ON refresh_queue (enqueued_at, user_id);
