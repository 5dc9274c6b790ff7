import Pipeline
import PostgresClient
import Storage
import TestSupport
import XCTest

/// An ingest batch, and a claim's lists and summaries, reach their statements as binary column arrays, not through
/// a staged temporary table: PostgreSQL truncates a session's `ON COMMIT DELETE ROWS` tables at every commit, and
/// that file truncate waited on the file system's journal for up to 1.4 s at a time.
final class StreamWritesWithoutStagingTests: XCTestCase {
    private func temporaryTables(_ connection: PostgresConnection) throws -> Int {
        try connection.query("SELECT count(*) AS n FROM pg_class WHERE relnamespace = pg_my_temp_schema()")[0].int("n")
    }

    private func batch(_ events: [InteractionEvent]) -> IngestBatch {
        let origins = events.indices.map { MessageOrigin(topic: "t", partition: 0, offset: Int64($0), key: nil, payload: []) }
        return IngestBatch(groupID: "g", events: events, origins: origins, deadLetters: [], progress: [])
    }

    func testABatchLeavesNoTemporaryTableToTruncateAtCommit() throws {
        let database = try TestDatabase()
        defer { database.drop() }
        let connection = try database.connect()
        let store = IngestStore(connection: connection)

        let outcome = try store.apply(batch([
            InteractionEvent(eventID: "a", userID: 1, itemID: 7, type: .rating, value: 4, timestamp: 1_700_000_000),
            InteractionEvent(eventID: "b", userID: 2, itemID: 8, type: .view, value: 1, timestamp: 1_700_000_001),
        ]))

        XCTAssertEqual(outcome.inserted, 2)
        XCTAssertEqual(try temporaryTables(connection), 0)
    }

    func testAClaimsListsAndSummariesLeaveNoTemporaryTableToTruncateAtCommit() throws {
        let database = try TestDatabase()
        defer { database.drop() }
        let connection = try database.connect()
        try connection.execute("INSERT INTO items (item_id, title) SELECT n, 'Item ' || n FROM generate_series(1, 5) n")
        try connection.execute("INSERT INTO user_profiles (user_id, event_count) VALUES (1, 3), (2, 1)")
        let store = RecommendationStore(connection: connection)

        try store.replace([
            UserRecommendations(userID: 1, source: .model, modelVersion: "v", items: [RankedItem(itemID: 3, score: 0.5, explanation: "because")]),
            UserRecommendations(userID: 2, source: .popular, modelVersion: "v", items: []),
        ], runID: try store.currentRunID())
        let basis = SummaryBasis(eventCount: 3, topGenres: ["Drama"])
        try ProfileStore(connection: connection).storeSummaries([
            1: WrittenSummary(text: "three events", source: .template, model: nil, basis: basis, withDemographics: false),
        ])

        XCTAssertEqual(try connection.query("SELECT item_id FROM current_recommendations").map { try $0.int("item_id") }, [3])
        XCTAssertEqual(try connection.query("SELECT summary FROM profile_summaries").map { $0["summary"] }, ["three events"])
        XCTAssertEqual(try temporaryTables(connection), 0)
    }

    func testEventsAreStoredExactlyWhateverTheirIDsHold() throws {
        let database = try TestDatabase()
        defer { database.drop() }
        let connection = try database.connect()
        let events = [
            InteractionEvent(eventID: #"quote " and \ backslash"#, userID: 1, itemID: 7, type: .rating, value: 0.1, timestamp: 1_700_000_000.123456),
            InteractionEvent(eventID: "{braces},comma", userID: 1, itemID: 8, type: .watch, value: 2.75, timestamp: 1_700_000_001.5),
            InteractionEvent(eventID: "NULL", userID: 2, itemID: 7, type: .purchase, value: 1, timestamp: 1_700_000_002),
            InteractionEvent(eventID: "évènement-🎬", userID: 2, itemID: 9, type: .click, value: 1, timestamp: 1_700_000_003.000001),
        ]

        XCTAssertEqual(try IngestStore(connection: connection).apply(batch(events)).inserted, events.count)

        let rows = try connection.query("""
            SELECT event_id, user_id, item_id, type, value, (extract(epoch FROM occurred_at) * 1000000)::bigint AS micros
            FROM interactions ORDER BY user_id, item_id
            """)
        XCTAssertEqual(try rows.map { try $0.string("event_id") }, events.map(\.eventID))
        XCTAssertEqual(try rows.map { try $0.int("item_id") }, events.map(\.itemID))
        XCTAssertEqual(rows.map { $0["type"] }, events.map(\.type.rawValue))
        XCTAssertEqual(try rows.map { Float(try $0.double("value")) }, events.map { Float($0.value) })
        XCTAssertEqual(try rows.map { try $0.int("micros") }, events.map { Int(($0.timestamp * 1_000_000).rounded()) })
    }
}
