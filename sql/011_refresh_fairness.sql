-- Refresh queue under load (issue 13): fair order, owner-checked leases, and users whose refresh keeps failing.

-- Re-stamped by every ingest batch that touches the user: claims go by last touch (FIFO), and a user touched
-- all the time is still taken once it has waited the refresher's bound since `enqueued_at`.
ALTER TABLE refresh_queue ADD COLUMN touched_at timestamptz NOT NULL DEFAULT now();
UPDATE refresh_queue SET touched_at = enqueued_at;
CREATE INDEX refresh_queue_touched ON refresh_queue (touched_at);

-- Which refresher holds the lease and since when: only the holder may extend, acknowledge or release it, and
-- an entry touched during its refresh is requeued as waiting since the claim (not since its first touch).
ALTER TABLE refresh_queue ADD COLUMN claimed_by text;
ALTER TABLE refresh_queue ADD COLUMN claimed_at timestamptz;

-- A user whose refresh failed on its own (not with the whole database): the attempts so far and why.
-- After the refresher's limit the user leaves the queue (`gave_up_at`) so others are not held up; a later
-- event queues it again for one more attempt, and a successful refresh deletes the row.
CREATE TABLE refresh_failures (
    user_id          integer PRIMARY KEY,
    attempts         integer NOT NULL,
    last_error       text NOT NULL,
    first_failed_at  timestamptz NOT NULL DEFAULT now(),
    last_failed_at   timestamptz NOT NULL DEFAULT now(),
    gave_up_at       timestamptz
);
