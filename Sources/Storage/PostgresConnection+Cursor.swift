import PostgresClient

extension PostgresConnection {
    /// Runs `sql` through a cursor and hands its rows to `body` `chunk` at a time, so a result of millions of
    /// rows (a nightly snapshot, the stream worker's start-up read) never sits whole in libpq's buffer and as
    /// rows at once. Call inside a transaction.
    func forEachChunk(_ sql: String, _ parameters: [any PostgresEncodable] = [], chunk: Int = 100_000,
                      _ body: ([PostgresRow]) throws -> Void) throws {
        try execute("DECLARE recworker_chunks NO SCROLL CURSOR FOR \(sql)", parameters)
        while true {
            let rows = try query("FETCH FORWARD \(chunk) FROM recworker_chunks")
            if rows.isEmpty { break }
            try body(rows)
        }
        try execute("CLOSE recworker_chunks")
    }
}
