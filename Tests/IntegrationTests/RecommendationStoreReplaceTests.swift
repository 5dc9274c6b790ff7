import Pipeline
import PostgresClient
import Storage
import TestSupport
import XCTest

/// The stream refresher's publication: a user's rows in the run become exactly the new list (longer, shorter or
/// empty), and nobody else's rows change.
final class RecommendationStoreReplaceTests: XCTestCase {
    func list(_ user: Int, _ items: [Int], source: RecommendationSource = .model) -> UserRecommendations {
        UserRecommendations(userID: user, source: source, modelVersion: "v\(items.count)",
                            items: items.map { RankedItem(itemID: $0, score: Double(100 - $0), explanation: "because \($0)") })
    }

    private func rows(_ connection: PostgresConnection, runID: Int) throws -> [Int: [Int]] {
        var result = [Int: [Int]]()
        for row in try connection.query("SELECT user_id, item_id FROM recommendations WHERE run_id = $1 ORDER BY user_id, rank", [runID]) {
            result[try row.int("user_id"), default: []].append(try row.int("item_id"))
        }
        return result
    }

    /// A fresh database with 40 items, its current run and a superseded one.
    private func storeWithTwoRuns() throws -> (database: TestDatabase, connection: PostgresConnection, store: RecommendationStore, current: Int, superseded: Int) {
        let database = try TestDatabase()
        let connection = try database.connect()
        try connection.execute("INSERT INTO items (item_id, title) SELECT n, 'Item ' || n FROM generate_series(1, 40) n")
        let store = RecommendationStore(connection: connection)
        let superseded = try connection.query("INSERT INTO recommendation_runs (kind, status) VALUES ('nightly', 'superseded') RETURNING run_id")[0].int("run_id")
        return (database, connection, store, try store.currentRunID(), superseded)
    }

    func testReplacingGivesExactlyTheNewListsAndTouchesNoOneElse() throws {
        let (database, connection, store, runID, other) = try storeWithTwoRuns()
        defer { database.drop() }

        try store.replace([list(1, Array(1...10)), list(2, [5, 6, 7]), list(3, [9])], runID: runID)
        try store.replace([list(1, [11, 12, 13])], runID: other)
        try store.replace([list(1, [20, 21]), list(2, Array(30...37)), list(3, [])], runID: runID)

        XCTAssertEqual(try rows(connection, runID: runID), [1: [20, 21], 2: Array(30...37)])
        XCTAssertEqual(try rows(connection, runID: other), [1: [11, 12, 13]], "another run's rows changed")
        let row = try connection.query("SELECT score, explanation, model_version FROM recommendations WHERE run_id = $1 AND user_id = 2 AND rank = 8", [runID])[0]
        XCTAssertEqual(try row.double("score"), 63)
        XCTAssertEqual(try row.string("explanation"), "because 37")
        XCTAssertEqual(try row.string("model_version"), "v8")

        // Shorter lists, none empty.
        try store.replace([list(1, [1, 2, 3]), list(2, [5, 6])], runID: runID)
        XCTAssertEqual(try rows(connection, runID: runID), [1: [1, 2, 3], 2: [5, 6]])

        // Twice in one transaction: the second call does not see the first call's staged rows.
        try connection.transaction { tx in
            try RecommendationStore(connection: tx).replace([list(1, [7, 8])], runID: runID)
            try RecommendationStore(connection: tx).replace([list(2, [9])], runID: runID)
        }
        XCTAssertEqual(try rows(connection, runID: runID), [1: [7, 8], 2: [9]])
    }
}

extension RecommendationStoreReplaceTests {
    /// `current_recommendations_of_item` (the GIN index's way in) answers what a filter on the view answers.
    func testAnItemsUsersFromTheIndexAreThoseTheViewShows() throws {
        let (database, connection, store, runID, superseded) = try storeWithTwoRuns()
        defer { database.drop() }
        try store.replace([list(1, [4, 7, 9]), list(2, [7]), list(3, [1, 2, 3, 4, 5, 6, 7]), list(4, [8])], runID: runID)
        try store.replace([list(5, [7])], runID: superseded)

        for item in [7, 4, 40] {
            let fromView = try connection.query(
                "SELECT user_id, rank, score FROM current_recommendations WHERE item_id = $1 ORDER BY user_id", [item]
            ).map { [try $0.int("user_id"), try $0.int("rank"), Int(try $0.double("score"))] }
            let fromIndex = try connection.query(
                "SELECT user_id, rank, score FROM current_recommendations_of_item($1) ORDER BY user_id", [item]
            ).map { [try $0.int("user_id"), try $0.int("rank"), Int(try $0.double("score"))] }
            XCTAssertEqual(fromIndex, fromView, "item \(item)")
        }
        XCTAssertEqual(try connection.query("SELECT user_id, rank FROM current_recommendations_of_item(7) ORDER BY user_id")
                        .map { [try $0.int("user_id"), try $0.int("rank")] }, [[1, 2], [2, 1], [3, 7]])
    }
}
