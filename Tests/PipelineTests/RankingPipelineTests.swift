import Pipeline
import Synchronization
import XCTest

/// The one ranking path the stream, the nightly job and `evaluate --rerank llm` share.
final class RankingPipelineTests: XCTestCase {
    struct Failing: Reranker {
        struct Down: Error {}
        func rerank(_ request: RerankRequest) async throws -> RerankResult { throw Down() }
    }

    struct Reversing: Reranker {
        func rerank(_ request: RerankRequest) async throws -> RerankResult {
            let picks = request.candidates.reversed().enumerated().map {
                Grounding.Pick(itemID: $1.item.id, reason: "reason number \($0) for this film")
            }
            return RerankResult(items: Grounding.ground(picks, in: request), source: .llm, usage: TokenUsage(promptTokens: 10, completionTokens: 5))
        }
    }

    private var request: RerankRequest {
        var request = PromptBuilderTests.request(candidates: 5, limit: 3)
        request.candidateSource = .popular
        return request
    }

    func testOutOfBudgetUsersGetTheModelOrderWithoutAnLLMCall() async {
        let outcome = await RankingPipeline(reranker: Reversing()).rank(request, useLLM: false)
        XCTAssertFalse(outcome.calledLLM)
        XCTAssertEqual(outcome.source, .popular)
        XCTAssertEqual(outcome.items, Grounding.modelOrder(request))
    }

    func testAFailingRerankFallsBackToTheModelOrderAndIsReported() async {
        let failures = Counter()
        let outcome = await RankingPipeline(reranker: Failing()) { _, _ in failures.increment() }.rank(request, useLLM: true)
        XCTAssertTrue(outcome.calledLLM)
        XCTAssertEqual(outcome.source, .popular)
        XCTAssertEqual(outcome.items, Grounding.modelOrder(request))
        XCTAssertEqual(failures.value, 1)
    }

    func testASuccessfulRerankIsPublishedWithItsReasons() async {
        let outcome = await RankingPipeline(reranker: Reversing()).rank(request, useLLM: true)
        XCTAssertEqual(outcome.source, .llm)
        XCTAssertEqual(outcome.items.map(\.itemID), request.candidates.reversed().prefix(3).map(\.item.id))
        XCTAssertEqual(outcome.llmReasons, 3)
        XCTAssertEqual(outcome.usage?.totalTokens, 15)
    }

    private final class Counter: Sendable {
        private let count = Mutex(0)
        func increment() { count.withLock { $0 += 1 } }
        var value: Int { count.withLock { $0 } }
    }
}
