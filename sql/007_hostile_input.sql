-- Hostile input: what the database said when it refused an event, dead-letter replay bookkeeping, and the
-- crash-loop guard.

-- SQLSTATE of a database refusal (NULL when the codec refused the event before it reached the database).
ALTER TABLE dead_letters ADD COLUMN sqlstate text;
-- The message's Kafka key as sent (first 1 KiB), so a replay can show and keep it.
ALTER TABLE dead_letters ADD COLUMN kafka_key bytea;
-- Replay: how often it was tried, when, and whether the last try applied the event.
ALTER TABLE dead_letters ADD COLUMN replay_count integer NOT NULL DEFAULT 0;
ALTER TABLE dead_letters ADD COLUMN replayed_at timestamptz;
ALTER TABLE dead_letters ADD COLUMN resolved boolean NOT NULL DEFAULT false;
CREATE INDEX dead_letters_received ON dead_letters (received_at);

-- A guarded batch in flight per partition: written (in its own transaction) before a batch that starts at
-- kafka_offset is applied, deleted by that batch's own transaction. A row that survives means the batch did
-- not commit (the worker failed or was killed); after `attempts` reaches the limit the message at that offset
-- is dead-lettered instead of being tried again, so one message cannot halt its partition for good.
CREATE TABLE ingest_attempts (
    group_id      text NOT NULL,
    topic         text NOT NULL,
    partition     integer NOT NULL,
    kafka_offset  bigint NOT NULL,
    attempts      integer NOT NULL DEFAULT 1,
    last_error    text,
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (group_id, topic, partition)
);
