import Pipeline
import PostgresClient

/// Reads interactions for in-memory models exactly once each: everything at start, then only what committed
/// since the previous read, whoever ingested it (any worker of the group).
///
/// "Since" is a PostgreSQL snapshot, not a time or a sequence: transactions commit out of order, so a row with
/// a smaller id or earlier `ingested_at` can become visible after a later one. A row is new when it is visible
/// in the current snapshot and was not in the previous one (`pg_visible_in_snapshot` on its `ingest_xid`).
public struct InteractionFeed: Sendable {
    /// Where a reader stands: the snapshot of its last read (`pg_snapshot` text form).
    public struct Position: Sendable, Hashable {
        public let snapshot: String
    }

    public struct Everything: Sendable {
        public var position: Position
        /// One per stored interaction that reaches the models, weighted by `EventWeights`; by user, oldest first
        /// within a user (accumulation is order-free, so the order only keeps the read cheap).
        public var ratings: [Rating]
        public var items: [Item]
        public var users: [UserDemographics]
    }

    let connection: PostgresConnection
    /// The same weighting the nightly job applies to its snapshot, so both feed the models one scale.
    let weights: EventWeights

    public init(connection: PostgresConnection, weights: EventWeights = .default) {
        self.connection = connection
        self.weights = weights
    }

    /// Every interaction with the catalogue and demographics, from one consistent snapshot.
    public func readAll() throws -> Everything {
        try connection.transaction { tx in
            try tx.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            let position = try Self.currentPosition(tx)
            var ratings = [Rating]()
            // In chunks: at ML-20M size this is 20 million rows. By user first, so the (user_id, occurred_at)
            // index orders them and PostgreSQL sorts only within a user, not 20 million rows at once.
            try tx.forEachChunk("""
                SELECT user_id, item_id, type, value, extract(epoch FROM occurred_at)::bigint AS ts
                FROM interactions ORDER BY user_id, occurred_at, event_id
                """) { rows in
                ratings.reserveCapacity(ratings.count + rows.count)
                for row in rows { if let rating = try rating(row) { ratings.append(rating) } }
            }
            let items = try tx.query("SELECT item_id, title, year, genres FROM items ORDER BY item_id").map { row in
                Item(id: try row.int("item_id"), title: try row.string("title"), year: row.optionalInt("year"),
                     genres: PostgresTextArray.parse(row["genres"] ?? "{}"))
            }
            let users = try tx.query("SELECT user_id, age, gender, occupation, zip FROM users ORDER BY user_id").map { row in
                UserDemographics(id: try row.int("user_id"), age: row.optionalInt("age"), gender: row["gender"],
                                 occupation: row["occupation"], zip: row["zip"])
            }
            return Everything(position: position, ratings: ratings, items: items, users: users)
        }
    }

    /// The interactions committed after `position` was taken, oldest first, and the new position.
    public func readNew(after position: Position) throws -> (position: Position, ratings: [Rating]) {
        try connection.transaction { tx in
            try tx.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            let next = try Self.currentPosition(tx)
            let ratings = try tx.query("""
                SELECT user_id, item_id, type, value, extract(epoch FROM occurred_at)::bigint AS ts
                FROM interactions
                WHERE ingest_xid >= pg_snapshot_xmin($1::pg_snapshot) AND NOT pg_visible_in_snapshot(ingest_xid, $1::pg_snapshot)
                ORDER BY occurred_at, user_id, event_id
                """, [position.snapshot]).compactMap(rating)
            return (next, ratings)
        }
    }

    private static func currentPosition(_ tx: PostgresConnection) throws -> Position {
        Position(snapshot: try tx.query("SELECT pg_current_snapshot()::text AS snapshot")[0].string("snapshot"))
    }

    /// Columns by position (user_id, item_id, type, value, ts): a name lookup per field is measurable at 20 million
    /// rows. Nil for an event `EventWeights` gives no weight.
    private func rating(_ row: PostgresRow) throws -> Rating? {
        guard let user = row[0].flatMap({ Int($0) }), let item = row[1].flatMap({ Int($0) }),
              let type = row[2].flatMap({ InteractionType(rawValue: $0) }), let value = row[3].flatMap({ Double($0) }),
              let timestamp = row[4].flatMap({ Int64($0) }) else {
            throw StorageError("interactions row without user, item, type, value or time: \(row.values)")
        }
        return weights.rating(userID: user, itemID: item, type: type, value: value, timestamp: timestamp)
    }
}
