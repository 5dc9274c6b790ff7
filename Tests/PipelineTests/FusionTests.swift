import Pipeline
import XCTest

final class FusionTests: XCTestCase {
    let candidates = [(1, 0.9), (2, 0.8), (3, 0.5), (4, 0.1)].map { Candidate(item: Item(id: $0.0, title: "M\($0.0)", year: nil, genres: []), score: $0.1) }

    func testBordaOfOneFullRanking() {
        let scores = RankFusion.borda([.init(shown: [1, 2, 3, 4], ranked: [4, 3, 2, 1])])
        XCTAssertEqual(scores, [4: 1, 3: 2.0 / 3, 2: 1.0 / 3, 1: 0])
    }

    func testLeftOutItemsShareTheRemainingPoints() {
        let scores = RankFusion.borda([.init(shown: [1, 2, 3, 4], ranked: [3, 3, 9])])
        XCTAssertEqual(scores[3], 1)
        XCTAssertEqual(scores[1]!, (2.0 / 3 + 1.0 / 3 + 0) / 3, accuracy: 1e-12)
        XCTAssertEqual(scores[1], scores[4])
    }

    func testBordaCancelsPurePositionBias() {
        // A ranker that always answers in shown order, over all rotations: every item ties.
        let orders = [[1, 2, 3], [2, 3, 1], [3, 1, 2]]
        let scores = RankFusion.borda(orders.map { .init(shown: $0, ranked: $0) })
        XCTAssertEqual(Set(scores.values.map { ($0 * 1e9).rounded() }).count, 1)
    }

    func testWeightZeroIsModelOrderAndOneIsLLMOrder() {
        let llm: [Int: Double] = [4: 1, 3: 0.66, 2: 0.33, 1: 0]
        XCTAssertEqual(RankFusion.fuse(candidates, llmScores: llm, weight: 0).map(\.item.id), [1, 2, 3, 4])
        XCTAssertEqual(RankFusion.fuse(candidates, llmScores: llm, weight: 1).map(\.item.id), [4, 3, 2, 1])
        // In between, the LLM's favourite (4) stays last: the model is confident against it.
        XCTAssertEqual(RankFusion.fuse(candidates, llmScores: llm, weight: 0.4).map(\.item.id), [2, 1, 3, 4])
    }

    func testResultUsesLLMReasonsAndGrounds() {
        let request = RerankRequest(userID: 1, profile: UserProfile(userID: 1), candidates: candidates, limit: 3)
        let ranking = LLMRanking(scores: [3: 1, 1: 0.5], reasons: [3: "because it is tense"], usage: nil, samples: 1)
        let result = RankFusion.result(for: request, ranking: ranking, weight: 1)
        XCTAssertEqual(result.items.map(\.itemID), [3, 1, 2])
        XCTAssertEqual(result.items[0].explanation, "because it is tense")
        XCTAssertEqual(result.items.map(\.explanationSource), [.llm, .template, .template])
        XCTAssertEqual(result.source, .llm)
    }

    func testBootstrapOrdersAreDeterministicPermutationsStartingWithIdentity() {
        let orders = BootstrapOrders.permutations(count: 6, samples: 3, seed: 42)
        XCTAssertEqual(orders[0], Array(0..<6))
        XCTAssertEqual(orders, BootstrapOrders.permutations(count: 6, samples: 3, seed: 42))
        XCTAssertTrue(orders.allSatisfy { $0.sorted() == Array(0..<6) })
        XCTAssertNotEqual(orders[1], orders[2])
    }
}
