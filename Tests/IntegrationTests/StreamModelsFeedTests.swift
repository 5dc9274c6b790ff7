import Pipeline
import PostgresClient
import Storage
import TestSupport
import XCTest

/// The models' feed hands over every interaction exactly once, even when ingest transactions commit out of order.
final class StreamModelsFeedTests: XCTestCase {
    private func insert(_ connection: PostgresConnection, user: Int, item: Int) throws {
        try connection.execute("""
            INSERT INTO interactions (user_id, event_id, item_id, type, value, occurred_at)
            VALUES ($1, $2, $3, 'rating', 4, now())
            """, [user, "feed-\(user)-\(item)", item])
    }

    /// Every type, fractional and awkward values (0.1 is not the float's exact value), sub-second times on both
    /// sides of the epoch, repeated pairs, and more rows than a chunk.
    private func insertAwkwardInteractions(_ connection: PostgresConnection) throws {
        try connection.execute("""
            INSERT INTO interactions (user_id, event_id, item_id, type, value, occurred_at)
            SELECT 1 + (n::bigint * 7919) % 3001, 'g' || n, 1 + (n::bigint * 104729) % 997,
                   (ARRAY['rating', 'view', 'watch', 'purchase', 'click'])[1 + n % 5],
                   CASE n % 7 WHEN 0 THEN 0.1 WHEN 1 THEN (n % 10) / 2.0 WHEN 2 THEN 1.0 / (1 + n % 13)
                              WHEN 3 THEN 0 WHEN 4 THEN 4.7 WHEN 5 THEN 123.456 ELSE 0.3333 END,
                   timestamptz '1969-12-31 23:00:00+00' + make_interval(secs => (n * 37) % 100000 + (n % 4) * 0.25)
            FROM generate_series(1, 150000) AS n
            """)
        try connection.execute("""
            INSERT INTO interactions (user_id, event_id, item_id, type, value, occurred_at) VALUES
              (5, 'same-1', 9, 'rating', 3.5, '2026-01-01 00:00:00.5+00'),
              (5, 'same-2', 9, 'watch', 0.9, '2026-01-01 00:00:00.5+00'),
              (5, 'same-3', 9, 'rating', 0.5, '2026-01-01 00:00:00.49+00')
            """)
    }

    func testOutOfOrderCommitsAreReadOnceEach() throws {
        let database = try TestDatabase()
        defer { database.drop() }
        let reader = try database.connect()
        let early = try database.connect()
        let late = try database.connect()
        try insert(reader, user: 1, item: 10)

        let feed = InteractionFeed(connection: reader)
        let start = try feed.readAll()
        XCTAssertEqual(start.ratings.map(\.itemID), [10])

        // `early` takes its transaction id first but commits after `late`.
        try early.execute("BEGIN")
        try insert(early, user: 2, item: 20)
        try late.execute("BEGIN")
        try insert(late, user: 3, item: 30)
        try late.execute("COMMIT")

        let first = try feed.readNew(after: start.position)
        XCTAssertEqual(first.ratings.map(\.itemID), [30])
        try early.execute("COMMIT")
        let second = try feed.readNew(after: first.position)
        XCTAssertEqual(second.ratings.map(\.itemID), [20])
        let third = try feed.readNew(after: second.position)
        XCTAssertEqual(third.ratings.map(\.itemID), [])

        // An aborted transaction's rows never appear.
        try early.execute("BEGIN")
        try insert(early, user: 4, item: 40)
        try early.execute("ROLLBACK")
        XCTAssertEqual(try feed.readNew(after: third.position).ratings.map(\.itemID), [])
    }

    /// The start-up read by binary COPY gives exactly the ratings, in exactly the order, of the text cursor it
    /// replaced: every type, fractional and awkward values (0.1 is not the float's exact value), weights that are
    /// not powers of two, sub-second times on both sides of the epoch, repeated pairs, and more rows than a chunk.
    func testBinaryStartupReadEqualsTheTextCursorRead() throws {
        let database = try TestDatabase()
        defer { database.drop() }
        let connection = try database.connect()
        try insertAwkwardInteractions(connection)
        var weights = EventWeights.default
        weights.rating = 0.7
        weights.watch = 3.3
        weights.click = 1.1
        // Statistics give the two-connection read its split point.
        try connection.execute("ANALYZE interactions")
        XCTAssertNotNil(try connection.query("""
            SELECT histogram_bounds::text AS bounds FROM pg_stats WHERE tablename = 'interactions' AND attname = 'user_id'
            """).first?["bounds"], "a user_id histogram to split on")
        for (eventWeights, threshold) in [(EventWeights.default, Int.max), (weights, Int.max), (weights, 0)] {
            // threshold 0: two connections read half the users each, in one exported snapshot.
            let feed = InteractionFeed(connection: connection, weights: eventWeights, parallelReadThreshold: threshold)
            let binary = try feed.readAll(path: .binaryCopy)
            let text = try feed.readAll(path: .textCursor)
            XCTAssertGreaterThan(binary.ratings.count, 100_000)
            XCTAssertEqual(binary.ratings.count, text.ratings.count)
            XCTAssertTrue(binary.ratings == text.ratings, "first difference: \(zip(binary.ratings, text.ratings).first { $0 != $1 }.map { "\($0) vs \($1)" } ?? "none")")
            XCTAssertEqual(binary.items.map(\.id), text.items.map(\.id))
            XCTAssertEqual(binary.users.map(\.id), text.users.map(\.id))
        }
    }

    func testUnknownTypeStopsTheBinaryReadLikeTheTextRead() throws {
        let database = try TestDatabase()
        defer { database.drop() }
        let connection = try database.connect()
        try insert(connection, user: 1, item: 10)
        // A type the worker does not know (a newer schema's): both paths refuse rather than skip it.
        try connection.execute("ALTER TABLE interactions DROP CONSTRAINT interactions_type_check")
        try connection.execute("""
            INSERT INTO interactions (user_id, event_id, item_id, type, value, occurred_at) VALUES (2, 'x', 11, 'share', 1, now())
            """)
        for path in InteractionFeed.ReadPath.allCases {
            XCTAssertThrowsError(try InteractionFeed(connection: connection).readAll(path: path), "\(path)")
        }
    }

    /// The catch-up read (binary COPY since it halved the read's time) gives the same ratings as the start-up read
    /// of the same rows.
    func testCatchUpReadGivesTheStartUpReadsRatings() throws {
        let database = try TestDatabase()
        defer { database.drop() }
        let connection = try database.connect()
        var weights = EventWeights.default
        weights.watch = 3.3
        let feed = InteractionFeed(connection: connection, weights: weights)
        let start = try feed.readAll()
        try insertAwkwardInteractions(connection)

        let (position, caughtUp) = try feed.readNew(after: start.position)
        let everything = try feed.readAll(path: .textCursor).ratings
        XCTAssertGreaterThan(caughtUp.count, 100_000)
        // The catch-up reads in commit-time order, the start-up by user: compare as multisets.
        let order: (Rating, Rating) -> Bool = { ($0.userID, $0.timestamp, $0.itemID, $0.value) < ($1.userID, $1.timestamp, $1.itemID, $1.value) }
        XCTAssertTrue(caughtUp.sorted(by: order) == everything.sorted(by: order))
        XCTAssertEqual(try feed.readNew(after: position).ratings.count, 0)
    }

    /// A catch-up leaves no block range of the interactions unsummarised, so the next one reads only what is new
    /// instead of every range autovacuum has not summarised yet.
    func testCatchUpSummarisesTheRangesItWouldOtherwiseReadAgain() throws {
        let database = try TestDatabase()
        defer { database.drop() }
        let connection = try database.connect()
        let feed = InteractionFeed(connection: connection)
        let start = try feed.readAll()
        try insertAwkwardInteractions(connection)
        let (position, caughtUp) = try feed.readNew(after: start.position)
        XCTAssertGreaterThan(caughtUp.count, 100_000)

        let summarised = try connection.query("SELECT brin_summarize_new_values('interactions_ingest_xid_range') AS n")[0].int("n")
        XCTAssertEqual(summarised, 0, "ranges were left for the next catch-up to read whole")
        try insert(connection, user: 1, item: 2)
        XCTAssertEqual(try feed.readNew(after: position).ratings.map(\.itemID), [2])
    }

    /// Summarising needs the lock a vacuum of the table holds: the catch-up then reads as before, it does not wait.
    func testCatchUpDoesNotWaitForAVacuumOfTheInteractions() throws {
        let database = try TestDatabase()
        defer { database.drop() }
        let connection = try database.connect()
        let feed = InteractionFeed(connection: connection)
        let start = try feed.readAll()
        try insert(connection, user: 1, item: 2)
        let vacuum = try database.connect()
        try vacuum.execute("BEGIN")
        try vacuum.execute("LOCK TABLE interactions IN SHARE UPDATE EXCLUSIVE MODE")
        defer { try? vacuum.execute("ROLLBACK") }

        try connection.execute("SET statement_timeout = '10s'")
        XCTAssertEqual(try feed.readNew(after: start.position).ratings.map(\.itemID), [2])
    }

    /// The position is inlined into the COPY (it takes no parameters), so anything but a snapshot is refused.
    func testCatchUpRefusesAPositionThatIsNotASnapshot() throws {
        let database = try TestDatabase()
        defer { database.drop() }
        let feed = InteractionFeed(connection: try database.connect())
        for bad in ["", "1:2:'; DROP TABLE interactions; --", "1:2:3 OR true"] {
            XCTAssertThrowsError(try feed.readNew(after: .init(snapshot: bad)), bad) { error in
                XCTAssertTrue("\(error)".contains("not a snapshot position"), "\(error)")
            }
        }
        XCTAssertEqual(try feed.readNew(after: try feed.readAll().position).ratings.count, 0)
    }
}
