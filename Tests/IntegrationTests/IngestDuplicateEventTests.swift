import Pipeline
import PostgresClient
import Storage
import TestSupport
import XCTest

/// A batch is inserted first as if none of its event ids were stored; one that holds a stored id is applied again
/// skipping those. Either way every event id counts once, in the profile as in the interactions.
final class IngestDuplicateEventTests: XCTestCase {
    private func batch(_ events: [(id: String, user: Int)], offsetBase: Int64 = 0) -> IngestBatch {
        let decoded = events.map {
            InteractionEvent(eventID: $0.id, userID: $0.user, itemID: 7, type: .rating, value: 4, timestamp: 1_700_000_000)
        }
        let origins = events.indices.map { MessageOrigin(topic: "t", partition: 0, offset: offsetBase + Int64($0), key: nil, payload: []) }
        return IngestBatch(groupID: "g", events: decoded, origins: origins, deadLetters: [], progress: [])
    }

    private func eventCounts(_ connection: PostgresConnection) throws -> [Int: Int] {
        Dictionary(uniqueKeysWithValues: try connection.query("SELECT user_id, event_count FROM user_profiles").map {
            (try $0.int("user_id"), try $0.int("event_count"))
        })
    }

    func testStoredEventIDsAreSkippedAndTheRestOfTheBatchCountsOnce() throws {
        let database = try TestDatabase()
        defer { database.drop() }
        let connection = try database.connect()
        let store = IngestStore(connection: connection)

        let first = try store.apply(batch([("a", 1), ("b", 1), ("c", 2)]))
        XCTAssertEqual(first.inserted, 3)
        XCTAssertEqual(first.duplicates, 0)

        // "b" and "c" are stored; "d" and "e" are new, "e" twice within the batch.
        let replay = try store.apply(batch([("b", 1), ("d", 1), ("c", 2), ("e", 2), ("e", 2)], offsetBase: 3))
        XCTAssertEqual(replay.inserted, 2)
        XCTAssertEqual(replay.duplicates, 3)
        XCTAssertTrue(replay.isolated.isEmpty)
        XCTAssertEqual(try eventCounts(connection), [1: 3, 2: 2])
        XCTAssertEqual(try connection.query("SELECT count(*) AS n FROM interactions")[0].int("n"), 5)

        let everythingStored = try store.apply(batch([("a", 1), ("e", 2)], offsetBase: 8))
        XCTAssertEqual(everythingStored.inserted, 0)
        XCTAssertEqual(try eventCounts(connection), [1: 3, 2: 2])
    }

    func testABatchWithAStoredIDAndARefusedEventSkipsOneAndDeadLettersTheOther() throws {
        let database = try TestDatabase()
        defer { database.drop() }
        let connection = try database.connect()
        let store = IngestStore(connection: connection)
        _ = try store.apply(batch([("a", 1)]))
        try connection.execute("ALTER TABLE interactions ADD CONSTRAINT no_user_9 CHECK (user_id <> 9) NOT VALID")

        let outcome = try store.apply(batch([("a", 1), ("f", 9), ("g", 1)], offsetBase: 1))
        XCTAssertEqual(outcome.isolated.map(\.origin.offset), [2])
        XCTAssertEqual(outcome.isolated.first?.sqlState, "23514")
        XCTAssertEqual(outcome.inserted, 1)
        XCTAssertEqual(try eventCounts(connection), [1: 2])
    }
}
