import PostgresClient

extension RunStore {
    /// The run `current_recommendations` shows, or nil before the first publication (read only).
    public func currentRunID() throws -> Int? {
        try connection.query("SELECT current_run_id FROM publication_state").first?.int("current_run_id")
    }
}
