import PostgresClient

extension RefreshQueue {
    /// Queues one user for the stream worker's refresher (`recworker user refresh`).
    public func enqueue(userID: Int) throws {
        try connection.execute("""
            INSERT INTO refresh_queue AS q (user_id) VALUES ($1)
            ON CONFLICT (user_id) DO UPDATE SET touches = q.touches + 1, claimed_until = NULL
            """, [userID])
    }
}
