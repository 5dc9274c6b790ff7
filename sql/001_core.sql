-- Core tables of recworker. Every table that holds per-user data leads its key with user_id so that it
-- can be sharded by user later (Citus-style distribution column).

CREATE TABLE items (
    item_id     integer PRIMARY KEY,
    title       text NOT NULL,
    year        integer,
    genres      text[] NOT NULL DEFAULT '{}',
    -- true while the item is known only from events; load-catalog fills in the metadata.
    is_stub     boolean NOT NULL DEFAULT false,
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE users (
    user_id     integer PRIMARY KEY,
    age         integer,
    gender      text,
    occupation  text,
    zip         text,
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- Every accepted event, once: (user_id, event_id) is the idempotency key.
CREATE TABLE interactions (
    user_id      integer NOT NULL,
    event_id     text NOT NULL,
    item_id      integer NOT NULL,
    type         text NOT NULL CHECK (type IN ('rating', 'view', 'watch', 'purchase', 'click')),
    value        real NOT NULL,
    occurred_at  timestamptz NOT NULL,
    ingested_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, event_id)
);
CREATE INDEX interactions_user_recent ON interactions (user_id, occurred_at DESC);
CREATE INDEX interactions_item ON interactions (item_id);

-- Aggregates maintained per batch in the same transaction as the interactions.
CREATE TABLE user_profiles (
    user_id          integer PRIMARY KEY,
    event_count      bigint NOT NULL DEFAULT 0,
    rating_count     bigint NOT NULL DEFAULT 0,
    rating_sum       double precision NOT NULL DEFAULT 0,
    rating_sum_sq    double precision NOT NULL DEFAULT 0,
    view_count       bigint NOT NULL DEFAULT 0,
    watch_count      bigint NOT NULL DEFAULT 0,
    purchase_count   bigint NOT NULL DEFAULT 0,
    click_count      bigint NOT NULL DEFAULT 0,
    first_seen       timestamptz,
    last_seen        timestamptz,
    -- deterministic natural-language profile, written when recommendations are refreshed
    summary          text,
    updated_at       timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE item_stats (
    item_id            integer PRIMARY KEY,
    interaction_count  bigint NOT NULL DEFAULT 0,
    rating_count       bigint NOT NULL DEFAULT 0,
    rating_sum         double precision NOT NULL DEFAULT 0,
    last_seen          timestamptz
);

-- The next Kafka offset to read per partition, written in the same transaction as the batch's effects.
CREATE TABLE consumer_offsets (
    group_id     text NOT NULL,
    topic        text NOT NULL,
    partition    integer NOT NULL,
    next_offset  bigint NOT NULL,
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (group_id, topic, partition)
);

CREATE TABLE dead_letters (
    dead_letter_id  bigserial PRIMARY KEY,
    user_id         integer,
    topic           text NOT NULL,
    partition       integer NOT NULL,
    kafka_offset    bigint NOT NULL,
    payload         bytea NOT NULL,
    payload_bytes   integer NOT NULL,
    reason          text NOT NULL,
    received_at     timestamptz NOT NULL DEFAULT now(),
    UNIQUE (topic, partition, kafka_offset)
);

-- Users whose recommendations must be regenerated; filled in the batch transaction, drained by the refresher.
-- touches counts batches since the entry was made, so a refresher deletes only what it has handled;
-- claimed_until is a lease, so a crashed refresher's users are picked up again.
CREATE TABLE refresh_queue (
    user_id        integer PRIMARY KEY,
    enqueued_at    timestamptz NOT NULL DEFAULT now(),
    touches        bigint NOT NULL DEFAULT 1,
    claimed_until  timestamptz
);
CREATE INDEX refresh_queue_age ON refresh_queue (enqueued_at);

CREATE TABLE candidates (
    user_id       integer NOT NULL,
    rank          integer NOT NULL,
    item_id       integer NOT NULL,
    score         double precision NOT NULL,
    model         text NOT NULL,
    generated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, rank)
);

CREATE TABLE recommendation_runs (
    run_id         bigserial PRIMARY KEY,
    kind           text NOT NULL CHECK (kind IN ('stream', 'nightly')),
    status         text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'published', 'failed', 'superseded')),
    started_at     timestamptz NOT NULL DEFAULT now(),
    finished_at    timestamptz,
    user_count     integer NOT NULL DEFAULT 0,
    row_count      bigint NOT NULL DEFAULT 0,
    model_versions jsonb NOT NULL DEFAULT '{}',
    llm_requests   integer NOT NULL DEFAULT 0,
    llm_tokens     bigint NOT NULL DEFAULT 0
);

-- Exactly one row: the run that current_recommendations shows.
CREATE TABLE publication_state (
    singleton       boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    current_run_id  bigint NOT NULL REFERENCES recommendation_runs (run_id),
    flipped_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE recommendations (
    user_id        integer NOT NULL,
    run_id         bigint NOT NULL REFERENCES recommendation_runs (run_id) ON DELETE CASCADE,
    rank           integer NOT NULL,
    item_id        integer NOT NULL,
    score          double precision NOT NULL,
    source         text NOT NULL CHECK (source IN ('llm', 'model', 'popular')),
    explanation    text NOT NULL,
    model_version  text NOT NULL,
    generated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, run_id, rank)
);
CREATE INDEX recommendations_run_item ON recommendations (run_id, item_id);

CREATE VIEW current_recommendations AS
SELECT r.user_id, r.rank, r.item_id, i.title, r.score, r.source, r.explanation, r.model_version, r.run_id, r.generated_at
FROM recommendations r
JOIN publication_state p ON r.run_id = p.current_run_id
LEFT JOIN items i ON i.item_id = r.item_id;
