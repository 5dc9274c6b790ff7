import PostgresClient

/// Deletes interactions older than the retention period, `batchSize` rows per statement so a large backlog never
/// holds long locks or one huge transaction. Profiles and aggregates keep their counts: they summarise, and
/// `recworker user erase` removes them per user.
public struct InteractionRetention: Sendable {
    let connection: PostgresConnection

    public init(connection: PostgresConnection) { self.connection = connection }

    /// Returns how many interactions were deleted.
    @discardableResult
    public func deleteOlderThan(days: Int, batchSize: Int) throws -> Int {
        var total = 0
        while true {
            let deleted = try connection.execute("""
                DELETE FROM interactions WHERE ctid = ANY(ARRAY(
                    SELECT ctid FROM interactions WHERE occurred_at < now() - make_interval(days => $1) LIMIT $2))
                """, [days, batchSize])
            total += deleted
            if deleted < batchSize { return total }
        }
    }
}
