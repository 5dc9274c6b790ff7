import PostgresClient

/// Users whose recommendations are stale. The ingest transaction enqueues them; refreshers claim a lease,
/// publish, then acknowledge, so a refresher that dies mid-way leaves its users to be claimed again.
public struct RefreshQueue: Sendable {
    public struct Claim: Sendable, Hashable {
        public let userID: Int
        /// How many batches had touched the user when claimed; acknowledging removes the entry only if unchanged.
        public let touches: Int
        /// Seconds since the epoch when the entry was first queued (for freshness metrics).
        public let enqueuedAt: Double
    }

    let connection: PostgresConnection

    public init(connection: PostgresConnection) { self.connection = connection }

    public func claim(limit: Int, lease: Duration) throws -> [Claim] {
        let rows = try connection.query("""
            UPDATE refresh_queue q SET claimed_until = now() + make_interval(secs => $2)
            WHERE q.user_id IN (
                SELECT user_id FROM refresh_queue
                WHERE claimed_until IS NULL OR claimed_until < now()
                ORDER BY enqueued_at LIMIT $1 FOR UPDATE SKIP LOCKED)
            RETURNING q.user_id, q.touches, extract(epoch FROM q.enqueued_at) AS enqueued_at
            """, [limit, Double(lease.components.seconds)])
        return try rows.map { Claim(userID: try $0.int("user_id"), touches: try $0.int("touches"), enqueuedAt: try $0.double("enqueued_at")) }
    }

    /// Removes handled entries; an entry touched again since the claim stays queued (its lease is released).
    public func acknowledge(_ claims: [Claim]) throws {
        guard !claims.isEmpty else { return }
        try connection.transaction { tx in
            // Locking in user-id order, as the ingest transaction's enqueue does, rules out deadlocks with it.
            _ = try tx.query("SELECT 1 FROM refresh_queue WHERE user_id = ANY($1::int[]) ORDER BY user_id FOR UPDATE",
                             [claims.map(\.userID)])
            try tx.execute("""
                DELETE FROM refresh_queue q USING unnest($1::int[], $2::bigint[]) AS c(user_id, touches)
                WHERE q.user_id = c.user_id AND q.touches = c.touches
                """, [claims.map(\.userID), claims.map(\.touches)])
            try tx.execute("UPDATE refresh_queue SET claimed_until = NULL WHERE user_id = ANY($1::int[])", [claims.map(\.userID)])
        }
    }

    public func pendingCount() throws -> Int {
        try connection.query("SELECT count(*) AS n FROM refresh_queue")[0].int("n")
    }
}
