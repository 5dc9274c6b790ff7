import Foundation
import Pipeline
import PostgresClient
import Synchronization

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

        public init(snapshot: String) { self.snapshot = snapshot }
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
    /// From about this many stored interactions (the planner's estimate) `readAll` reads them on two connections.
    let parallelReadThreshold: Int

    public init(connection: PostgresConnection, weights: EventWeights = .default, parallelReadThreshold: Int = 1_000_000) {
        self.connection = connection
        self.weights = weights
        self.parallelReadThreshold = parallelReadThreshold
    }

    /// How `readAll` reads the interactions.
    public enum ReadPath: Sendable, CaseIterable {
        /// `COPY … TO STDOUT (FORMAT binary)`: fixed-width columns, no text parsed, no per-row objects (the default;
        /// at ML-20M size the text path spent most of the start-up turning 20 million rows of text into values).
        case binaryCopy
        /// A text cursor, 100,000 rows per `FETCH` (the earlier path, kept as the reference the tests compare with).
        case textCursor
    }

    /// Every interaction with the catalogue and demographics, from one consistent snapshot.
    public func readAll(path: ReadPath = .binaryCopy) throws -> Everything {
        try connection.transaction { tx in
            try tx.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            let position = try Self.currentPosition(tx)
            let ratings = switch path {
            case .binaryCopy: try readRatingsBinary(tx)
            case .textCursor: try readRatingsText(tx)
            }
            let (items, users) = try Self.catalogue(tx)
            return Everything(position: position, ratings: ratings, items: items, users: users)
        }
    }

    /// The catalogue and demographics, without interactions (a start from a stored matrix reads those).
    public func readCatalogue() throws -> (items: [Item], users: [UserDemographics]) {
        try Self.catalogue(connection)
    }

    private static func catalogue(_ connection: PostgresConnection) throws -> (items: [Item], users: [UserDemographics]) {
        let items = try connection.query("SELECT item_id, title, year, genres FROM items ORDER BY item_id").map { row in
            Item(id: try row.int("item_id"), title: try row.string("title"), year: row.optionalInt("year"),
                 genres: PostgresTextArray.parse(row["genres"] ?? "{}"))
        }
        let users = try connection.query("SELECT user_id, age, gender, occupation, zip FROM users ORDER BY user_id").map { row in
            UserDemographics(id: try row.int("user_id"), age: row.optionalInt("age"), gender: row["gender"],
                             occupation: row["occupation"], zip: row["zip"])
        }
        return (items, users)
    }

    /// By user first, so the primary key (user_id, event_id) orders them and PostgreSQL sorts only within a user
    /// (an incremental sort), not 20 million rows at once. The order also fixes the models' dense indices, so both
    /// paths use it.
    private static let order = "ORDER BY user_id, occurred_at, event_id"

    private func readRatingsText(_ tx: PostgresConnection) throws -> [Rating] {
        var ratings = [Rating]()
        // In chunks: at ML-20M size this is 20 million rows.
        try tx.forEachChunk("""
            SELECT user_id, item_id, type, value, extract(epoch FROM occurred_at)::bigint AS ts
            FROM interactions \(Self.order)
            """) { rows in
            ratings.reserveCapacity(ratings.count + rows.count)
            for row in rows { if let rating = try rating(row) { ratings.append(rating) } }
        }
        return ratings
    }

    /// The same rows as `readRatingsText`, giving the same `Rating`s: the type arrives as its index in
    /// `InteractionType.allCases`, `occurred_at` as PostgreSQL's microseconds (rounded to seconds as `extract(epoch
    /// …)::bigint` rounds), and `value` as the stored `real`, which is turned into the `Double` its text form parses
    /// to (what the text path weighted), once per distinct value.
    private func readRatingsBinary(_ tx: PostgresConnection) throws -> [Rating] {
        // The planner's row estimate sizes the array once instead of doubling it through 20 million appends.
        let estimate = max(0, try tx.query("SELECT reltuples::bigint AS n FROM pg_class WHERE oid = 'interactions'::regclass")
            .first?.optionalInt("n") ?? 0)
        // Two halves by user on two connections in the same snapshot: the server's index scan and sort is most of
        // the read, and this way it runs on two cores. The halves concatenate into exactly the one-query order.
        // Anything that keeps the second connection from joining the snapshot (a pooler, a connection limit) leaves
        // the read to one connection.
        if estimate >= parallelReadThreshold, let split = try medianUser(tx), let second = try? Self.joining(tx, url: tx.url) {
            let upper = BackgroundRead { [self] in
                defer { _ = try? second.execute("COMMIT") }
                return try readRatingsBinary(second, where: "user_id >= \(split)", capacity: estimate / 2 + estimate / 20)
            }
            var ratings: [Rating]
            do {
                ratings = try readRatingsBinary(tx, where: "user_id < \(split)", capacity: estimate + estimate / 50)
            } catch {
                _ = try? upper.wait()
                throw error
            }
            ratings.append(contentsOf: try upper.wait())
            return ratings
        }
        return try readRatingsBinary(tx, where: "true", capacity: estimate + estimate / 50)
    }

    /// A second connection inside `tx`'s snapshot (`pg_export_snapshot` / `SET TRANSACTION SNAPSHOT`).
    private static func joining(_ tx: PostgresConnection, url: String) throws -> PostgresConnection {
        let snapshot = try tx.query("SELECT pg_export_snapshot() AS snapshot")[0].string("snapshot")
        let second = try PostgresConnection(url: url)
        try second.execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        do {
            try second.execute("SET TRANSACTION SNAPSHOT '\(snapshot)'")
        } catch {
            _ = try? second.execute("ROLLBACK")
            throw error
        }
        return second
    }

    /// A user id that splits the interactions about in half (from the planner's statistics), if there are any.
    private func medianUser(_ tx: PostgresConnection) throws -> Int? {
        let rows = try tx.query("""
            SELECT (histogram_bounds::text::int[])[array_length(histogram_bounds::text::int[], 1) / 2 + 1] AS split
            FROM pg_stats WHERE schemaname = current_schema() AND tablename = 'interactions' AND attname = 'user_id'
            """)
        return rows.first?.optionalInt("split")
    }

    /// The same rows as `readRatingsText`, giving the same `Rating`s: the type arrives as its index in
    /// `InteractionType.allCases`, `occurred_at` as PostgreSQL's microseconds (rounded to seconds as `extract(epoch
    /// …)::bigint` rounds), and `value` as the stored `real`, which is turned into the `Double` its text form parses
    /// to (what the text path weighted), once per distinct value.
    private func readRatingsBinary(_ tx: PostgresConnection, where condition: String, order: String = Self.order, capacity: Int) throws -> [Rating] {
        let types = InteractionType.allCases
        let typeCode = "CASE type " + types.enumerated().map { "WHEN '\($1.rawValue)' THEN \($0)" }.joined(separator: " ")
            + " END::int2"
        var ratings = [Rating]()
        ratings.reserveCapacity(capacity)
        var textValue = TextValueCache()
        try tx.copyOutBinary("""
            SELECT user_id, item_id, \(typeCode), value, occurred_at FROM interactions WHERE \(condition) \(order)
            """, types: [.int4, .int4, .int2, .float4, .timestamptz]) { chunk in
            if (0..<5).contains(where: chunk.hasNulls) {
                let row = (0..<chunk.rowCount).first { row in (0..<5).contains { chunk.isNull(row: row, column: $0) } } ?? 0
                throw StorageError("interactions row without user, item, known type, value or time (user \(chunk.int32s(0)[row]))")
            }
            let userIDs = chunk.int32s(0), itemIDs = chunk.int32s(1), codes = chunk.int16s(2)
            let values = chunk.floats(3), times = chunk.int64s(4)
            for row in 0..<chunk.rowCount {
                let code = Int(codes[row])
                guard types.indices.contains(code),
                      let timestamp = PostgresBinaryChunk.unixSeconds(microsecondsSince2000: times[row]) else {
                    throw StorageError("interactions row of user \(userIDs[row]) with an unknown type or an infinite time")
                }
                if let rating = weights.rating(userID: Int(userIDs[row]), itemID: Int(itemIDs[row]), type: types[code],
                                               value: textValue[values[row]], timestamp: timestamp) {
                    ratings.append(rating)
                }
            }
        }
        return ratings
    }

    /// The interactions committed after `position` was taken, oldest first, and the new position. The xmin bound is
    /// written as the expression of the BRIN index `interactions_ingest_xid_range`, so only recent blocks are read.
    /// Binary COPY, as `readAll`: it takes half the time of the text rows it replaced (500,000 new rows, release
    /// build: 0.37–0.53 s against 0.73–0.91 s).
    public func readNew(after position: Position) throws -> (position: Position, ratings: [Rating]) {
        // COPY takes no parameters: the snapshot is inlined, so it must be a snapshot's text form and nothing else.
        guard !position.snapshot.isEmpty, position.snapshot.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ":" || $0 == ",") }) else {
            throw StorageError("not a snapshot position: \(position.snapshot)")
        }
        let snapshot = "'\(position.snapshot)'::pg_snapshot"
        // Summarised ranges are skipped when they hold nothing newer (migration 022); unsummarised ones are read whole.
        _ = try connection.query("SELECT recworker_summarize_new_interactions()")
        return try connection.transaction { tx in
            try tx.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            // Until ANALYZE has seen the table there are no statistics on the indexed expression, and the planner's
            // guess of a third of the rows made it read the whole table on every catch-up.
            try tx.execute("SET LOCAL enable_seqscan = off")
            // Ten batches of 5,000 events need about 5 MB to sort; past the default 4 MB `work_mem` the sort went
            // to a temporary file per read (47 against 40 ms in psql, and file-system work the refresh avoids).
            try tx.execute("SET LOCAL work_mem = '32MB'")
            let next = try Self.currentPosition(tx)
            let ratings = try readRatingsBinary(tx, where: """
                (ingest_xid::text)::bigint >= (pg_snapshot_xmin(\(snapshot))::text)::bigint
                  AND NOT pg_visible_in_snapshot(ingest_xid, \(snapshot))
                """, order: "ORDER BY occurred_at, user_id, event_id", capacity: 0)
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

/// Runs a read on its own thread (libpq blocks) and hands back its result.
private final class BackgroundRead: Sendable {
    private let outcome = Mutex<Result<[Rating], any Error>?>(nil)
    private let done = DispatchSemaphore(value: 0)

    init(_ body: @escaping @Sendable () throws -> [Rating]) {
        let thread = Thread { [self] in
            let read = Result { try body() }
            outcome.withLock { $0 = read }
            done.signal()
        }
        thread.stackSize = 1 << 20
        thread.start()
    }

    /// Waits for the read and returns its rows (moved out, not copied: at ML-20M size they are half the interactions).
    func wait() throws -> [Rating] {
        done.wait()
        guard let read = outcome.withLock({ $0.take() }) else { preconditionFailure("a background read is waited for once") }
        return try read.get()
    }
}

/// The `Double` that a `real`'s text form (shortest round-trip digits, as PostgreSQL prints it) parses to, which is
/// what the text path handed to `EventWeights`; not always `Double(float)` (0.1 prints as "0.1", whose `Double` is
/// not the float's exact value). Swift prints a `Float` with the same shortest round-trip digits. Memoised: stored
/// values repeat (half stars, default weights).
struct TextValueCache {
    private var last: (bits: UInt32, value: Double) = (Float(0).bitPattern, 0)
    private var seen: [UInt32: Double] = [:]

    subscript(_ value: Float) -> Double {
        mutating get {
            if value.bitPattern == last.bits { return last.value }
            let parsed: Double
            if let known = seen[value.bitPattern] {
                parsed = known
            } else {
                parsed = value.isFinite ? Double(value.description) ?? Double(value) : Double(value)
                seen[value.bitPattern] = parsed
            }
            last = (value.bitPattern, parsed)
            return parsed
        }
    }
}

