import Pipeline
import PostgresClient

/// The richer profile aggregates (activity by weekday and hour, decayed genre sums) added for the interactions
/// the current transaction inserted. Called inside `IngestStore.apply`'s transaction, after the interactions
/// are stored, so the aggregates commit exactly once with them; it finds "this batch's new rows" by the
/// transaction id column (`ingest_xid`), so it does not depend on how ingestion stages or inserts them.
enum ProfileAggregates {
    static func addInsertedByCurrentTransaction(_ tx: PostgresConnection) throws {
        try tx.execute(sql, [GenreWeights.origin, GenreWeights.halfLifeDays * 86_400])
    }

    /// One statement: both upserts read the same fresh rows. Weekdays and hours are UTC.
    static let sql = """
        WITH fresh AS (
            SELECT user_id, item_id, type, value, occurred_at FROM interactions WHERE ingest_xid = pg_current_xact_id()
        ), activity AS (
            INSERT INTO user_activity AS a (user_id, weekday, hour, events)
            SELECT user_id, extract(isodow FROM occurred_at AT TIME ZONE 'UTC')::smallint,
                   extract(hour FROM occurred_at AT TIME ZONE 'UTC')::smallint, count(*)
            FROM fresh GROUP BY 1, 2, 3
            ON CONFLICT (user_id, weekday, hour) DO UPDATE SET events = a.events + EXCLUDED.events
            RETURNING user_id
        )
        INSERT INTO user_genre_affinity AS g (user_id, genre, rated_weight, rating_weight, implicit_weight)
        SELECT f.user_id, genre,
               coalesce(sum(f.d) FILTER (WHERE f.type = 'rating'), 0),
               coalesce(sum(f.d * f.value) FILTER (WHERE f.type = 'rating'), 0),
               coalesce(sum(f.d) FILTER (WHERE f.type <> 'rating'), 0)
        FROM (SELECT user_id, item_id, type, value::double precision AS value,
                     power(2::double precision, (extract(epoch FROM occurred_at)::double precision - $1) / $2) AS d
              FROM fresh) f
        JOIN items i ON i.item_id = f.item_id
        CROSS JOIN LATERAL unnest(i.genres) AS genre
        GROUP BY f.user_id, genre
        ON CONFLICT (user_id, genre) DO UPDATE SET
            rated_weight = g.rated_weight + EXCLUDED.rated_weight,
            rating_weight = g.rating_weight + EXCLUDED.rating_weight,
            implicit_weight = g.implicit_weight + EXCLUDED.implicit_weight
        """
}
