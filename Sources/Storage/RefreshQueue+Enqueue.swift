import PostgresClient

extension RefreshQueue {
    /// Queues one user for the stream worker's refresher (`recworker user refresh`). Like an ingest touch it
    /// re-stamps the user and counts a touch, so a refresher holding the user now keeps the entry when it
    /// acknowledges and refreshes the user once more; nobody's lease is released.
    public static func enqueue(userID: Int, on connection: PostgresConnection) throws {
        try connection.execute("""
            INSERT INTO refresh_queue AS q (user_id) VALUES ($1)
            ON CONFLICT (user_id) DO UPDATE SET touches = q.touches + 1, touched_at = now()
            """, [userID])
    }
}
