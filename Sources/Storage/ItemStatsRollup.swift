import PostgresClient

/// Adds the interactions committed since the last rollup to the item counters (`item_stats_shards`, shard -2)
/// and moves the rollup's position in the same transaction, so each interaction is counted exactly once.
/// Ingest no longer writes item counters (migration 021); `item_stats` adds what is not rolled up yet, so its
/// readers never see the lag. Rolling up often only keeps that remainder, and the cost of reading it, small.
///
/// One rollup runs at a time: replicas that find the position locked skip their turn.
public struct ItemStatsRollup: Sendable {
    /// Where rollups (and retention, for rows it deletes before they were rolled up) add their counts.
    static let shard = -2

    /// Ends an `INSERT INTO item_stats_shards AS s …` that adds to the counters already there.
    static let addingToCounters = """
        ON CONFLICT (item_id, shard) DO UPDATE SET
            interaction_count = s.interaction_count + EXCLUDED.interaction_count,
            rating_count = s.rating_count + EXCLUDED.rating_count,
            rating_sum = s.rating_sum + EXCLUDED.rating_sum,
            last_seen = GREATEST(s.last_seen, EXCLUDED.last_seen)
        """

    let connection: PostgresConnection

    public init(connection: PostgresConnection) { self.connection = connection }

    /// Returns how many interactions were added, or nil when another rollup held the position.
    @discardableResult
    public func rollUp() throws -> Int? {
        try connection.transaction { tx in
            guard try !tx.query("SELECT 1 FROM item_stats_rollup FOR UPDATE SKIP LOCKED").isEmpty else { return nil }
            // A statement's snapshot is `pg_current_snapshot()`: the rows it counts are exactly those visible to it
            // and not to the old position, and that snapshot becomes the new position. The lock is taken by the
            // statement before, so this one sees the position the last rollup committed.
            return try tx.query("""
                WITH pending AS (
                    SELECT * FROM item_stats_pending
                ), added AS (
                    INSERT INTO item_stats_shards AS s (item_id, shard, interaction_count, rating_count, rating_sum, last_seen)
                    SELECT item_id, \(Self.shard), interaction_count, rating_count, rating_sum, last_seen FROM pending ORDER BY item_id
                    \(Self.addingToCounters)
                ), moved AS (
                    UPDATE item_stats_rollup SET position = pg_current_snapshot(), rolled_up_at = now()
                )
                SELECT coalesce(sum(interaction_count), 0)::bigint AS added FROM pending
                """)[0].int("added")
        }
    }
}
