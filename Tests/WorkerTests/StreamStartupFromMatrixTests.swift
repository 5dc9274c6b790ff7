import Logging
import Pipeline
import PostgresClient
import Storage
import TestSupport
@testable import Worker
import XCTest

/// A starting stream worker loads the matrix the nightly job saved with its models and reads only what committed
/// after the nightly's snapshot. Its data must be exactly what a read of every stored interaction gives.
final class StreamStartupFromMatrixTests: XCTestCase {
    private var database: TestDatabase!
    private var connection: PostgresConnection!

    override func setUpWithError() throws {
        database = try TestDatabase()
        connection = try database.connect()
        try connection.execute("""
            INSERT INTO items (item_id, title, genres)
            SELECT n, 'Item ' || n, ARRAY[(ARRAY['Drama', 'Comedy', 'Horror'])[1 + n % 3]] FROM generate_series(1, 40) n
            """)
        try ingest((1...30).flatMap { user in
            (1...8).map { slot in event("a\(user)-\(slot)", user: user, item: (user * 7 + slot * 3) % 40 + 1, value: Double(1 + (user + slot) % 5)) }
        })
        let nightly = try RecworkerBinary.locate().run(["nightly", "--progress", "none", "--database-url", database.url])
        XCTAssertEqual(nightly.status, 0, nightly.stderr)
    }

    override func tearDown() { database?.drop() }

    private func event(_ id: String, user: Int, item: Int, value: Double, type: InteractionType = .rating) -> InteractionEvent {
        InteractionEvent(eventID: id, userID: user, itemID: item, type: type, value: value, timestamp: 1_700_000_000)
    }

    private func ingest(_ events: [InteractionEvent]) throws {
        _ = try IngestStore(connection: connection).apply(IngestBatch(groupID: "g", events: events, deadLetters: [], progress: []))
    }

    private func startedModels() throws -> StreamModels {
        var models = StreamModels(settings: .init(candidateCount: 10, refitGrowth: nil), logger: Logger(label: "test"))
        try models.catchUp(connection)
        return models
    }

    /// Per user id: item id → value.
    private func pairs(_ data: InteractionData) -> [Int: [Int: Float]] {
        var result = [Int: [Int: Float]]()
        for user in 0..<data.userCount where !data.userItems[user].isEmpty {
            result[data.users.id(at: user)] = Dictionary(uniqueKeysWithValues: zip(data.userItems[user], data.userValues[user]).map {
                (data.items.id(at: Int($0.0)), $0.1)
            })
        }
        return result
    }

    private func everythingStored() throws -> [Int: [Int: Float]] {
        pairs(InteractionData(ratings: try InteractionFeed(connection: connection).readAll().ratings, accumulation: .max))
    }

    func testStartFromTheStoredMatrixEqualsAReadOfEveryInteraction() throws {
        let saved = try connection.query("SELECT m.version, m.pairs, (SELECT count(*) FROM model_matrix_rows r WHERE r.version = m.version) AS users FROM model_matrices m")
        XCTAssertEqual(saved.count, 1, "the nightly job saves one matrix with its models")
        XCTAssertEqual(try saved[0].int("users"), 30)
        XCTAssertEqual(try saved[0].int("pairs"), try connection.query("SELECT count(DISTINCT (user_id, item_id))::int AS n FROM interactions")[0].int("n"))

        // After the nightly: a repeated pair with a higher value, a new pair, a new user, an item without metadata,
        // an implicit event; then one user is erased.
        try ingest([
            event("b1", user: 1, item: (1 * 7 + 3) % 40 + 1, value: 5),
            event("b2", user: 2, item: 39, value: 2),
            event("b3", user: 31, item: 5, value: 4),
            event("b4", user: 3, item: 77, value: 3),
            event("b5", user: 4, item: 12, value: 1, type: .watch),
        ])
        _ = try UserErasure(connection: connection).erase(userID: 7)
        XCTAssertEqual(try connection.query("SELECT count(*) AS n FROM model_matrix_rows WHERE user_id = 7")[0].int("n"), 0,
                       "erasure must reach the stored matrix")

        let models = try startedModels()
        XCTAssertEqual(models.startupPhases.map(\.name), ["read_stored_models", "read_matrix", "build_models", "catch_up"])
        let started = try XCTUnwrap(models.interactions)
        XCTAssertEqual(pairs(started), try everythingStored())
        XCTAssertNil(started.users.index(of: 7).flatMap { started.userItems[$0].isEmpty ? nil : $0 }, "the erased user's pairs came back")
        XCTAssertEqual(models.candidates(forUsers: [31])?[31]?.items.isEmpty, false)
    }

    func testWithoutASavedMatrixTheWorkerReadsEveryInteraction() throws {
        try connection.execute("DELETE FROM model_matrices")
        try ingest([event("c1", user: 2, item: 39, value: 2)])
        let models = try startedModels()
        XCTAssertEqual(models.startupPhases.map(\.name), ["read_stored_models", "read_interactions", "build_models"])
        XCTAssertEqual(pairs(try XCTUnwrap(models.interactions)), try everythingStored())
    }
}
