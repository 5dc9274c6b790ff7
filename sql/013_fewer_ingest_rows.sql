-- Fewer rows written per ingested event (issue 13). The ingest transaction used to upsert, besides the event
-- itself and its user's profile row, one `user_activity` row per (user, weekday, hour), one `user_genre_affinity`
-- row per (user, genre), a shared `item_stats` row per item and re-index the user's `refresh_queue` entry:
-- about six row writes per event, and ingest was bound by them. Now:
--
-- * Activity and genre sums are computed from the interactions when read. A view by the old name adds what
--   interaction retention deleted, which is folded into an `*_archive` table in the same statement, so a user's
--   whole history still counts and reading a few users (the refresher) walks only their interactions.
-- * Item counters are kept per shard, the lowest partition of the batch that wrote them: consumers own disjoint
--   partitions, so two ingest loops never wait on each other's item rows. `item_stats` is their sum. Erasure
--   writes its correction to shard -1.
-- * A refresh-queue touch no longer re-indexes the entry (`touched_at` loses its index), so it is a HOT update;
--   a claim sorts the waiting entries instead.
-- * Interactions keep one B-tree (the primary key) and a BRIN range index instead of three B-trees.

-- Archives start as what the stored aggregates held beyond the interactions still present, so every user's
-- totals read exactly as before the migration.
CREATE TABLE user_activity_archive (
    user_id  integer NOT NULL,
    weekday  smallint NOT NULL CHECK (weekday BETWEEN 1 AND 7),
    hour     smallint NOT NULL CHECK (hour BETWEEN 0 AND 23),
    events   bigint NOT NULL,
    PRIMARY KEY (user_id, weekday, hour)
);

CREATE TABLE user_genre_affinity_archive (
    user_id          integer NOT NULL,
    genre            text NOT NULL,
    rated_weight     double precision NOT NULL,
    rating_weight    double precision NOT NULL,
    implicit_weight  double precision NOT NULL,
    PRIMARY KEY (user_id, genre)
);

-- The decay weight of an event at `occurred_at`: 2^((t − 2000-01-01) / 90 days). Must equal
-- `GenreWeights.decay` (Pipeline/Profiles/GenreWeights.swift); a test compares the two.
CREATE FUNCTION recworker_genre_decay(occurred_at timestamptz) RETURNS double precision
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN power(2::double precision, (extract(epoch FROM occurred_at)::double precision - 946684800) / 7776000);

CREATE VIEW user_activity_live AS
    SELECT user_id, extract(isodow FROM occurred_at AT TIME ZONE 'UTC')::smallint AS weekday,
           extract(hour FROM occurred_at AT TIME ZONE 'UTC')::smallint AS hour, count(*) AS events
    FROM interactions GROUP BY 1, 2, 3;

CREATE VIEW user_genre_affinity_live AS
    SELECT x.user_id, genre,
           coalesce(sum(recworker_genre_decay(x.occurred_at)) FILTER (WHERE x.type = 'rating'), 0) AS rated_weight,
           coalesce(sum(recworker_genre_decay(x.occurred_at) * x.value) FILTER (WHERE x.type = 'rating'), 0) AS rating_weight,
           coalesce(sum(recworker_genre_decay(x.occurred_at)) FILTER (WHERE x.type <> 'rating'), 0) AS implicit_weight
    FROM interactions x JOIN items i ON i.item_id = x.item_id CROSS JOIN LATERAL unnest(i.genres) AS genre
    GROUP BY x.user_id, genre;

INSERT INTO user_activity_archive (user_id, weekday, hour, events)
SELECT a.user_id, a.weekday, a.hour, a.events - coalesce(l.events, 0)
FROM user_activity a LEFT JOIN user_activity_live l USING (user_id, weekday, hour)
WHERE a.events <> coalesce(l.events, 0);

INSERT INTO user_genre_affinity_archive (user_id, genre, rated_weight, rating_weight, implicit_weight)
SELECT a.user_id, a.genre, a.rated_weight - coalesce(l.rated_weight, 0), a.rating_weight - coalesce(l.rating_weight, 0),
       a.implicit_weight - coalesce(l.implicit_weight, 0)
FROM user_genre_affinity a LEFT JOIN user_genre_affinity_live l USING (user_id, genre)
WHERE abs(a.rated_weight - coalesce(l.rated_weight, 0)) > 1e-9 * greatest(abs(a.rated_weight), 1)
   OR abs(a.rating_weight - coalesce(l.rating_weight, 0)) > 1e-9 * greatest(abs(a.rating_weight), 1)
   OR abs(a.implicit_weight - coalesce(l.implicit_weight, 0)) > 1e-9 * greatest(abs(a.implicit_weight), 1);

DROP TABLE user_activity, user_genre_affinity;

-- Same names and columns as the tables they replace. The user filter of a query on these views reaches the
-- interactions' (user_id, …) indexes: the grouping keeps user_id in both branches.
CREATE VIEW user_activity AS
    SELECT user_id, weekday, hour, sum(events)::bigint AS events
    FROM (SELECT user_id, weekday, hour, events FROM user_activity_live
          UNION ALL SELECT user_id, weekday, hour, events FROM user_activity_archive) a
    GROUP BY user_id, weekday, hour;

CREATE VIEW user_genre_affinity AS
    SELECT user_id, genre, sum(rated_weight) AS rated_weight, sum(rating_weight) AS rating_weight,
           sum(implicit_weight) AS implicit_weight
    FROM (SELECT user_id, genre, rated_weight, rating_weight, implicit_weight FROM user_genre_affinity_live
          UNION ALL SELECT user_id, genre, rated_weight, rating_weight, implicit_weight FROM user_genre_affinity_archive) g
    GROUP BY user_id, genre;

CREATE TABLE item_stats_shards (
    item_id            integer NOT NULL,
    shard              integer NOT NULL,
    interaction_count  bigint NOT NULL DEFAULT 0,
    rating_count       bigint NOT NULL DEFAULT 0,
    rating_sum         double precision NOT NULL DEFAULT 0,
    last_seen          timestamptz,
    PRIMARY KEY (item_id, shard)
);
INSERT INTO item_stats_shards (item_id, shard, interaction_count, rating_count, rating_sum, last_seen)
SELECT item_id, 0, interaction_count, rating_count, rating_sum, last_seen FROM item_stats;
DROP TABLE item_stats;
CREATE VIEW item_stats AS
    SELECT item_id, sum(interaction_count)::bigint AS interaction_count, sum(rating_count)::bigint AS rating_count,
           sum(rating_sum) AS rating_sum, max(last_seen) AS last_seen
    FROM item_stats_shards GROUP BY item_id;

DROP INDEX refresh_queue_touched;

-- Two of the three indexes every event paid for. A user's history is read through the primary key
-- (user_id, event_id) and sorted; the activity and genre views read all of a user's rows anyway. The
-- refresher's catch-up reads transactions newer than a snapshot's xmin: rows are appended in roughly
-- ingest_xid order, so a BRIN range index finds them nearly as well as the B-tree, at almost no cost per insert.
DROP INDEX interactions_user_recent;
DROP INDEX interactions_ingest_xid;
-- Small ranges: a catch-up a second after the last one reads one range of 16 pages, not 128.
CREATE INDEX interactions_ingest_xid_range ON interactions USING brin (((ingest_xid::text)::bigint))
    WITH (pages_per_range = 16, autosummarize = on);

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'recworker_analyst') THEN
        GRANT SELECT ON user_activity, user_genre_affinity, item_stats TO recworker_analyst;
    END IF;
END
$$;
