import Foundation
import Pipeline
import XCTest

/// `--protocol paper`: only held-out items are ranked, NDCG with graded gains.
final class HeldOutRankingTests: XCTestCase {
    func testGradedNDCGUsesRatingsAsGains() {
        // Held out: item 1 rated 5, item 2 rated 3, item 3 rated 4; ranked 2, 3, 1.
        let metrics = RankingMetrics(ranked: [2, 3, 1], gains: [1: 5, 2: 3, 3: 4], relevant: [1, 3], k: 2)
        let dcg = 3 / log2(2.0) + 4 / log2(3.0)
        let idcg = 5 / log2(2.0) + 4 / log2(3.0)
        XCTAssertEqual(metrics.ndcg, dcg / idcg, accuracy: 1e-12)
        XCTAssertEqual(metrics.precision, 0.5)
        XCTAssertEqual(metrics.recall, 0.5)
        XCTAssertEqual(metrics.hitRate, 1)
    }

    /// Scores each item by its id: a model that prefers higher ids.
    struct IDOrder: RecommenderModel {
        var kind: ModelKind { .popularity }
        func score(users: [Int], data: InteractionData, into scores: inout [Float]) {
            scores = users.flatMap { _ in data.items.ids.map(Float.init) }
        }
        mutating func update(data: InteractionData, touched: TouchedSet) {}
        func snapshot(data: InteractionData) -> ModelSnapshot { ModelSnapshot(kind: .popularity, parameters: [:]) }
    }

    func testRanksOnlyHeldOutItemsAndSkipsUsersWithoutARelevantOne() {
        let train = [Rating(userID: 1, itemID: 10, value: 5, timestamp: 0), Rating(userID: 2, itemID: 10, value: 5, timestamp: 0)]
        let test = [
            Rating(userID: 1, itemID: 20, value: 2, timestamp: 1), Rating(userID: 1, itemID: 30, value: 5, timestamp: 1),
            Rating(userID: 2, itemID: 20, value: 3, timestamp: 1),
        ]
        let data = InteractionData(ratings: train, catalogue: [10, 20, 30, 40])
        let result = HeldOutRankingEvaluator(k: 10).evaluate(name: "ids", model: IDOrder(), data: data, test: test, trainSeconds: 0)
        XCTAssertEqual(result.users.map(\.userID), [1])
        // Item 30 (rated 5) outranks 20: the ideal order, although item 40 (not held out) scores higher still.
        XCTAssertEqual(result.metrics.ndcg, 1, accuracy: 1e-12)
        XCTAssertEqual(result.metrics.precision, 0.1, accuracy: 1e-12)
        XCTAssertEqual(result.metrics.recall, 1)
    }
}
