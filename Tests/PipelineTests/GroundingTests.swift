import Pipeline
import XCTest

final class GroundingTests: XCTestCase {
    func testDropsUnknownDedupesAppendsMissingInModelOrderAndExplainsAll() {
        let request = PromptBuilderTests.request(candidates: 5, limit: 4)
        let picks: [Grounding.Pick] = [.init(itemID: 98, reason: "tense thriller"), .init(itemID: 9999, reason: "invented"), .init(itemID: 98, reason: "again")]
        let items = Grounding.ground(picks, in: request)
        XCTAssertEqual(items.map(\.itemID), [98, 50, 56, 71])
        XCTAssertEqual(items[0].explanation, "tense thriller")
        XCTAssertTrue(items.dropFirst().allSatisfy { !$0.explanation.isEmpty }, "template explanations fill the gaps")
        XCTAssertEqual(items.map(\.score), items.map(\.score).sorted(by: >))
    }

    func testFallbackPublishesModelOrderWithTheCandidatesSource() async throws {
        struct Failing: Reranker {
            func rerank(_ request: RerankRequest) async throws -> RerankResult { throw CancellationErrorLike() }
        }
        struct CancellationErrorLike: Error {}
        var request = PromptBuilderTests.request(candidates: 5, limit: 3)
        request.candidateSource = .popular
        let result = try await FallbackReranker(primary: Failing()).rerank(request)
        XCTAssertEqual(result.source, .popular)
        XCTAssertEqual(result.items, Grounding.modelOrder(request))
    }
}
