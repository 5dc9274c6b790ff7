import Foundation
import Pipeline
import PostgresClient
import Storage
import TestSupport
import XCTest

/// Stub items when the ingest loop remembers which items exist (`KnownItems`): every item an inserted event names
/// ends up in `items` exactly once, whether it was known, new, refused with its event, or beyond the set's limit.
final class KnownItemsIngestTests: XCTestCase {
    private var sequence = 0

    private func batch(_ items: [Int], offsetBase: Int64 = 0) -> IngestBatch {
        let events = items.map { item -> InteractionEvent in
            sequence += 1
            return InteractionEvent(eventID: "e\(sequence)", userID: 1 + sequence % 3, itemID: item, type: .view, value: 1, timestamp: 1_700_000_000)
        }
        let origins = events.indices.map { MessageOrigin(topic: "t", partition: 0, offset: offsetBase + Int64($0), key: nil, payload: []) }
        return IngestBatch(groupID: "g", events: events, origins: origins, deadLetters: [], progress: [])
    }

    private func stubs(_ connection: PostgresConnection) throws -> [Int] {
        try connection.query("SELECT item_id FROM items WHERE is_stub ORDER BY item_id").map { try $0.int("item_id") }
    }

    func testOnlyUnknownItemsAreStubbedAndARefusedEventsItemIsStubbedLater() throws {
        let database = try TestDatabase()
        defer { database.drop() }
        let connection = try database.connect()
        try connection.execute("INSERT INTO items (item_id, title) VALUES (1, 'Catalogued')")
        let known = KnownItems()
        let store = IngestStore(connection: connection, knownItems: known)

        XCTAssertEqual(try store.apply(batch([1, 500, 500])).stubItemsCreated, 1)
        XCTAssertEqual(try store.apply(batch([500, 1, 501])).stubItemsCreated, 1)
        XCTAssertEqual(try stubs(connection), [500, 501])

        // The event naming 700 is refused (and dead-lettered); its stub is rolled back with it, so 700 stays unknown.
        try connection.execute("ALTER TABLE interactions ADD CONSTRAINT no_700 CHECK (item_id <> 700) NOT VALID")
        let refused = try store.apply(batch([700, 502], offsetBase: 10))
        XCTAssertEqual(refused.isolated.count, 1)
        XCTAssertEqual(try stubs(connection), [500, 501, 502])
        try connection.execute("ALTER TABLE interactions DROP CONSTRAINT no_700")
        XCTAssertEqual(try store.apply(batch([700, 500])).stubItemsCreated, 1)
        XCTAssertEqual(try stubs(connection), [500, 501, 502, 700])

        // Another process (or a store with a fresh set) still finds the items stored, and stubs nothing twice.
        XCTAssertEqual(try IngestStore(connection: connection).apply(batch([500, 501, 502, 700, 1])).stubItemsCreated, 0)
    }

    func testItemsBeyondTheLimitAreStillStubbed() throws {
        let database = try TestDatabase()
        defer { database.drop() }
        let connection = try database.connect()
        let store = IngestStore(connection: connection, knownItems: KnownItems(limit: 1))
        XCTAssertEqual(try store.apply(batch([10, 11])).stubItemsCreated, 2)
        XCTAssertEqual(try store.apply(batch([10, 11, 12])).stubItemsCreated, 1)
        XCTAssertEqual(try stubs(connection), [10, 11, 12])
        XCTAssertEqual(try connection.query("SELECT count(*) AS n FROM interactions")[0].int("n"), 5)
    }
}
