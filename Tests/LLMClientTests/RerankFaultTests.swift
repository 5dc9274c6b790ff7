import Foundation
import LLMClient
import Pipeline
import ScriptedLLMServer
import TestSupport
import XCTest

/// Every fault an endpoint can produce, against the scripted fake server: the published rows stay
/// valid (only candidates, each once, `limit` of them, all explained), nothing is lost, and retries
/// stay within the configured attempts.
final class RerankFaultTests: XCTestCase {
    private var server: ScriptedLLMServer?

    override func tearDown() {
        server?.shutdown()
        server = nil
    }

    private func start(_ script: @escaping ScriptedLLMServer.Script) throws -> ScriptedLLMServer {
        let server = try ScriptedLLMServer(script: script)
        self.server = server
        return server
    }

    /// Fast retries and a short timeout so fault tests take seconds.
    private func reranker(
        _ server: ScriptedLLMServer, attempts: Int = 3, timeout: Duration = .seconds(5), output: StructuredOutput = .jsonSchema,
        limits: LLMLimits? = nil
    ) -> OpenAIReranker {
        OpenAIReranker(
            endpoint: LLMEndpoint(baseURL: server.baseURL, model: "fake", apiKey: "sk-test-secret"),
            configuration: RerankerConfiguration(structuredOutput: output, timeout: timeout),
            limits: limits ?? LLMLimits(maxConcurrent: 2, maxAttempts: attempts, backoffBase: .milliseconds(20), backoffCap: .milliseconds(100)))
    }

    private func publish(_ reranker: OpenAIReranker, _ request: RerankRequest = RerankFixtures.request(candidates: 6, limit: 4)) async throws -> RerankResult {
        let result = try await FallbackReranker(primary: reranker).rerank(request)
        assertValid(result, for: request)
        return result
    }

    private func assertValid(_ result: RerankResult, for request: RerankRequest, file: StaticString = #filePath, line: UInt = #line) {
        let ids = result.items.map(\.itemID)
        XCTAssertEqual(ids.count, min(request.limit, request.candidates.count), "rows lost", file: file, line: line)
        XCTAssertEqual(Set(ids).count, ids.count, "duplicate rows", file: file, line: line)
        XCTAssertTrue(Set(ids).isSubset(of: request.candidates.map(\.item.id)), "non-candidate rows", file: file, line: line)
        XCTAssertTrue(result.items.allSatisfy { $0.explanation.count >= 3 }, "unexplained rows", file: file, line: line)
    }

    func testValidAnswerIsPublishedAsLLMWithTheKeyAsBearerToken() async throws {
        let server = try start { _, _ in .complete() }
        let request = RerankFixtures.request(candidates: 6, limit: 4)
        let result = try await publish(reranker(server), request)
        XCTAssertEqual(result.source, .llm)
        // The fake answers the shown ids reversed.
        XCTAssertEqual(result.items.map(\.itemID), request.candidates.reversed().prefix(4).map(\.item.id))
        // Distinct reasons pass the explanation gate (the same text on every row would not).
        XCTAssertEqual(result.items.first?.explanation.hasPrefix("fits the user's taste"), true)
        XCTAssertEqual(result.items.first?.explanationSource, .llm)
        XCTAssertNotNil(result.usage)
        let auth = server.log.first?.headers.first { $0.0.lowercased() == "authorization" }?.1
        XCTAssertEqual(auth, "Bearer sk-test-secret")
    }

    func test429WithRetryAfterIsRetriedNoSoonerThanAsked() async throws {
        let server = try start { index, _ in index == 0 ? .reply(status: 429, headers: [("Retry-After", "1")], body: #"{"error":"slow down"}"#) : .complete() }
        let result = try await publish(reranker(server))
        XCTAssertEqual(result.source, .llm)
        let log = server.log
        XCTAssertEqual(log.count, 2)
        XCTAssertGreaterThanOrEqual(log[1].arrival - log[0].arrival, .milliseconds(950))
    }

    func testServerErrorsAreRetriedThenSucceed() async throws {
        let server = try start { index, _ in index < 2 ? .reply(status: 500, body: "overloaded") : .complete() }
        let result = try await publish(reranker(server, attempts: 3))
        XCTAssertEqual(result.source, .llm)
        XCTAssertEqual(server.log.count, 3)
    }

    func testPersistentServerErrorsFallBackToModelOrderAfterMaxAttempts() async throws {
        let server = try start { _, _ in .reply(status: 503, body: "down") }
        let request = RerankFixtures.request(candidates: 6, limit: 4)
        let result = try await publish(reranker(server, attempts: 3), request)
        XCTAssertEqual(result.source, .model)
        XCTAssertEqual(result.items, Grounding.modelOrder(request))
        XCTAssertEqual(server.log.count, 3)
    }

    func testTimeoutsAreRetriedWithinAttemptsThenFallBack() async throws {
        let server = try start { _, _ in .hang }
        let result = try await publish(reranker(server, attempts: 2, timeout: .milliseconds(300)))
        XCTAssertEqual(result.source, .model)
        XCTAssertEqual(server.log.count, 2)
    }

    func testDroppedConnectionsAreRetried() async throws {
        let server = try start { index, _ in index == 0 ? .dropConnection : .complete() }
        let result = try await publish(reranker(server))
        XCTAssertEqual(result.source, .llm)
        XCTAssertEqual(server.log.count, 2)
    }

    func testSlowResponseWithinTimeoutIsUsed() async throws {
        let server = try start { _, _ in .complete(delay: .milliseconds(400)) }
        let result = try await publish(reranker(server, timeout: .seconds(3)))
        XCTAssertEqual(result.source, .llm)
        XCTAssertEqual(server.log.count, 1)
    }

    func testMalformedBodyIsRetriedThenFallsBack() async throws {
        let server = try start { _, _ in .reply(status: 200, body: "<html>gateway error</html>") }
        let result = try await publish(reranker(server, attempts: 2))
        XCTAssertEqual(result.source, .model)
        XCTAssertEqual(server.log.count, 2)
    }

    func testTruncatedAnswerKeepsCompleteEntriesAndAppendsTheRest() async throws {
        let server = try start { _, _ in .complete(content: #"{"ranking":[{"id":"C3","reason":"dark crime drama"},{"id":"C1","reason":"cut of"#) }
        let request = RerankFixtures.request(candidates: 6, limit: 4)
        let result = try await publish(reranker(server), request)
        XCTAssertEqual(result.source, .llm)
        let ids = request.candidates.map(\.item.id)
        XCTAssertEqual(result.items.map(\.itemID), [ids[2], ids[0], ids[1], ids[3]])
        XCTAssertEqual(result.items[0].explanation, "dark crime drama")
    }

    func testUnknownAndRepeatedIdsAreDroppedWithoutStructuredOutput() async throws {
        let server = try start { _, _ in
            .complete(content: "Sure! ```json\n{\"ranking\":[{\"id\":\"C9\",\"reason\":\"x\"},{\"id\":\"c2\",\"reason\":\"great pick\"},{\"id\":\"C2\",\"reason\":\"again\"},{\"id\":\"M5\"}]}\n```")
        }
        let request = RerankFixtures.request(candidates: 6, limit: 4)
        let result = try await publish(reranker(server, output: .none), request)
        XCTAssertEqual(result.source, .llm)
        XCTAssertEqual(result.items.first?.itemID, request.candidates[1].item.id)
        XCTAssertEqual(result.items.first?.explanation, "great pick")
        XCTAssertNil(server.log[0].body["response_format"], "mode none must not send response_format")
    }

    func testEmptyRankingFallsBackWithoutRetrying() async throws {
        let server = try start { _, _ in .complete(content: #"{"ranking":[]}"#) }
        let request = RerankFixtures.request(candidates: 6, limit: 4)
        let result = try await publish(reranker(server), request)
        XCTAssertEqual(result.source, .model)
        XCTAssertEqual(result.items, Grounding.modelOrder(request))
        XCTAssertEqual(server.log.count, 1, "a deterministic empty answer is not worth a retry")
    }

    func testRejectedRequestIsNotRetried() async throws {
        let server = try start { _, _ in .reply(status: 401, body: #"{"error":"bad key"}"#) }
        let result = try await publish(reranker(server))
        XCTAssertEqual(result.source, .model)
        XCTAssertEqual(server.log.count, 1)
    }

    func testCircuitOpensAfterConsecutiveOutagesAndFailsFast() async throws {
        let server = try start { _, _ in .reply(status: 500, body: "down") }
        let reranker = reranker(server, limits: LLMLimits(maxAttempts: 1, breakerThreshold: 2, breakerCooldown: .seconds(60)))
        for _ in 0..<4 { _ = try await publish(reranker) }
        XCTAssertEqual(server.log.count, 2, "calls after the circuit opened must not reach the endpoint")
        do {
            _ = try await reranker.rerank(RerankFixtures.request())
            XCTFail("expected circuitOpen")
        } catch LLMError.circuitOpen {}
    }

    func testRunBudgetStopsCallsAndPublishesModelOrder() async throws {
        let server = try start { _, _ in .complete() }
        let reranker = reranker(server, limits: LLMLimits(maxRequests: 2))
        var sources = [RecommendationSource]()
        for userID in 1...4 { sources.append(try await publish(reranker, RerankFixtures.request(userID: userID, candidates: 6, limit: 4)).source) }
        XCTAssertEqual(sources, [.llm, .llm, .model, .model])
        XCTAssertEqual(server.log.count, 2)
    }

    func testRepeatedRunIsServedFromTheCache() async throws {
        let server = try start { _, _ in .complete() }
        let cache = InMemoryResponseCache()
        let first = OpenAIReranker(endpoint: LLMEndpoint(baseURL: server.baseURL, model: "fake", apiKey: nil), cache: cache)
        // Distinct prompts: the prompt carries no user id, so equal profiles would share an answer.
        let requests = (2...4).map { RerankFixtures.request(userID: $0, candidates: 6, limit: $0) }
        var firstRun = [RerankResult]()
        for request in requests { firstRun.append(try await first.rerank(request)) }
        XCTAssertEqual(server.log.count, 3)
        let second = OpenAIReranker(endpoint: LLMEndpoint(baseURL: server.baseURL, model: "fake", apiKey: nil), cache: cache)
        for (request, earlier) in zip(requests, firstRun) {
            let again = try await second.rerank(request)
            XCTAssertEqual(again.items, earlier.items)
            XCTAssertNil(again.usage, "a cache hit costs no tokens")
        }
        XCTAssertEqual(server.log.count, 3, "the second run must make zero LLM calls")
        let hits = await second.gateway.stats.snapshot.cacheHits
        XCTAssertEqual(hits, 3)
    }

    func testBootstrapAsksShuffledOrdersAndCancelsPositionBias() async throws {
        // The fake always ranks the shown ids in reverse: pure position bias. Over several shuffled
        // orders Borda must not simply reproduce one order.
        let server = try start { _, _ in .complete() }
        let reranker = OpenAIReranker(
            endpoint: LLMEndpoint(baseURL: server.baseURL, model: "fake", apiKey: nil),
            configuration: RerankerConfiguration(bootstrapSamples: 4))
        let request = RerankFixtures.request(candidates: 6, limit: 6)
        let ranking = try await reranker.llmRanking(request)
        XCTAssertEqual(ranking.samples, 4)
        XCTAssertEqual(server.log.count, 4)
        let shownOrders = Set(server.log.map { ScriptedLLMServer.shownIDs(in: $0).joined() })
        XCTAssertEqual(shownOrders.count, 1, "ids are positional, so every prompt shows C1…C6")
        let prompts = Set(server.log.map { (($0.body["messages"] as? [[String: Any]])?.last?["content"] as? String) ?? "" })
        XCTAssertEqual(prompts.count, 4, "each sample must show the candidates in a different order")
        XCTAssertEqual(Set(ranking.scores.keys), Set(request.candidates.map(\.item.id)))
    }
}
