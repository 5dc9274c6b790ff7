import PostgresClient

/// Deletes interactions older than the retention period, `batchSize` rows per statement so a large backlog never
/// holds long locks or one huge transaction. Profiles and aggregates keep their counts: they summarise, and
/// `recworker user erase` removes them per user. Activity and genre sums are computed from the interactions when
/// read, so the same statement folds what it deletes into their archives (`user_activity_archive`,
/// `user_genre_affinity_archive`): the `user_activity` and `user_genre_affinity` views read the same before and after.
/// Rows not rolled up into the item counters yet (`ItemStatsRollup`) are added to them as they go, so `item_stats`
/// reads the same too.
public struct InteractionRetention: Sendable {
    let connection: PostgresConnection

    public init(connection: PostgresConnection) { self.connection = connection }

    /// Returns how many interactions were deleted.
    @discardableResult
    public func deleteOlderThan(days: Int, batchSize: Int) throws -> Int {
        var total = 0
        while true {
            let deleted = try connection.transaction { tx in
                // Rows a rollup has not counted yet go into the item counters as they are deleted; holding the
                // position keeps a rollup from counting them meanwhile.
                _ = try tx.query("SELECT 1 FROM item_stats_rollup FOR SHARE")
                return try tx.query(Self.deleteAndArchiveSQL, [days, batchSize])[0].int("deleted")
            }
            total += deleted
            if deleted < batchSize { return total }
        }
    }

    static let deleteAndArchiveSQL = """
        WITH gone AS (
            DELETE FROM interactions WHERE ctid = ANY(ARRAY(
                SELECT ctid FROM interactions WHERE occurred_at < now() - make_interval(days => $1) LIMIT $2))
            RETURNING user_id, item_id, type, value, occurred_at, ingest_xid
        ), unrolled AS (
            INSERT INTO item_stats_shards AS s (item_id, shard, interaction_count, rating_count, rating_sum, last_seen)
            SELECT item_id, \(ItemStatsRollup.shard), count(*), count(*) FILTER (WHERE type = 'rating'),
                   coalesce(sum(value) FILTER (WHERE type = 'rating'), 0), max(occurred_at)
            FROM gone WHERE NOT pg_visible_in_snapshot(ingest_xid, (SELECT position FROM item_stats_rollup))
            GROUP BY item_id ORDER BY item_id
            \(ItemStatsRollup.addingToCounters)
        ), activity AS (
            INSERT INTO user_activity_archive AS a (user_id, weekday, hour, events)
            SELECT user_id, extract(isodow FROM occurred_at AT TIME ZONE 'UTC')::smallint,
                   extract(hour FROM occurred_at AT TIME ZONE 'UTC')::smallint, count(*)
            FROM gone GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
            ON CONFLICT (user_id, weekday, hour) DO UPDATE SET events = a.events + EXCLUDED.events
        ), affinity AS (
            INSERT INTO user_genre_affinity_archive AS g (user_id, genre, rated_weight, rating_weight, implicit_weight)
            SELECT x.user_id, genre,
                   coalesce(sum(recworker_genre_decay(x.occurred_at)) FILTER (WHERE x.type = 'rating'), 0),
                   coalesce(sum(recworker_genre_decay(x.occurred_at) * x.value) FILTER (WHERE x.type = 'rating'), 0),
                   coalesce(sum(recworker_genre_decay(x.occurred_at)) FILTER (WHERE x.type <> 'rating'), 0)
            FROM gone x JOIN items i ON i.item_id = x.item_id CROSS JOIN LATERAL unnest(i.genres) AS genre
            GROUP BY x.user_id, genre ORDER BY x.user_id, genre
            ON CONFLICT (user_id, genre) DO UPDATE SET
                rated_weight = g.rated_weight + EXCLUDED.rated_weight,
                rating_weight = g.rating_weight + EXCLUDED.rating_weight,
                implicit_weight = g.implicit_weight + EXCLUDED.implicit_weight
        )
        SELECT count(*)::int AS deleted FROM gone
        """
}
