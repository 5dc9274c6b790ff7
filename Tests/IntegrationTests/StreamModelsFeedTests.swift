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
}
