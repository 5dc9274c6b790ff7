-- Incremental state for the stream worker: which transaction ingested each interaction (so the in-memory
-- models apply every interaction exactly once), and the richer per-user aggregates profiles show.

-- The ingesting transaction's id. A refresher remembers the snapshot it last read and next reads exactly the
-- rows committed since (visible now, not visible in that snapshot), whatever order transactions commit in.
-- The default fills it in for every writer, so ingestion code does not mention it.
ALTER TABLE interactions ADD COLUMN ingest_xid xid8 NOT NULL DEFAULT pg_current_xact_id();
CREATE INDEX interactions_ingest_xid ON interactions (ingest_xid);

-- Events per UTC weekday (ISO: 1 = Monday … 7 = Sunday) and hour, added per batch in the ingest transaction.
CREATE TABLE user_activity (
    user_id  integer NOT NULL,
    weekday  smallint NOT NULL CHECK (weekday BETWEEN 1 AND 7),
    hour     smallint NOT NULL CHECK (hour BETWEEN 0 AND 23),
    events   bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (user_id, weekday, hour)
);

-- Time-decayed genre sums per user, added per batch in the ingest transaction. Each event weighs
-- d = 2^((occurred_at − 2000-01-01) / half-life): a fixed origin makes the sums exact under out-of-order
-- events, and only ratios between genres matter. Affinity = rating_weight − (mean − 1)·rated_weight +
-- implicit_weight, i.e. ratings centred on the user's current mean (see Pipeline/Profiles/GenreWeights.swift).
-- Genres are those of the item when the event is ingested; events for items without metadata add none.
CREATE TABLE user_genre_affinity (
    user_id          integer NOT NULL,
    genre            text NOT NULL,
    -- Σ d over ratings
    rated_weight     double precision NOT NULL DEFAULT 0,
    -- Σ rating·d over ratings
    rating_weight    double precision NOT NULL DEFAULT 0,
    -- Σ d over implicit events (view, watch, purchase, click)
    implicit_weight  double precision NOT NULL DEFAULT 0,
    PRIMARY KEY (user_id, genre)
);

GRANT SELECT ON user_activity, user_genre_affinity TO recworker_reader;
