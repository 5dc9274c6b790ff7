import Foundation
import LLMClient
import Pipeline
import ScriptedLLMServer
import TestSupport
import XCTest

/// With R requests and T tokens per window configured, the endpoint's own log must never show a
/// window above either. The window is shrunk to seconds so the check runs quickly; the limiter's
/// arithmetic does not depend on its length.
final class RateLimitComplianceTests: XCTestCase {
    private var server: ScriptedLLMServer?

    override func tearDown() {
        server?.shutdown()
        server = nil
    }

    /// The largest count and token sum the server saw in any window starting at an arrival.
    private func peaks(_ log: [ScriptedLLMServer.Received], window: Duration) -> (requests: Int, tokens: Int) {
        let sorted = log.sorted { $0.arrival < $1.arrival }
        var peak = (requests: 0, tokens: 0)
        for (index, first) in sorted.enumerated() {
            let inside = sorted[index...].prefix { $0.arrival < first.arrival + window }
            peak.requests = max(peak.requests, inside.count)
            peak.tokens = max(peak.tokens, inside.reduce(0) { $0 + $1.reportedTokens })
        }
        return peak
    }

    private func run(limits: LLMLimits, users: Int) async throws -> [ScriptedLLMServer.Received] {
        let server = try ScriptedLLMServer { _, _ in .complete(delay: .milliseconds(30)) }
        self.server = server
        let reranker = OpenAIReranker(endpoint: LLMEndpoint(baseURL: server.baseURL, model: "fake", apiKey: nil), limits: limits)
        try await withThrowingTaskGroup(of: RerankResult.self) { group in
            for userID in 1...users {
                group.addTask { try await reranker.rerank(RerankFixtures.request(userID: userID, candidates: 6, limit: 4)) }
            }
            for try await result in group { XCTAssertEqual(result.source, .llm) }
        }
        return server.log
    }

    func testRequestLimitHoldsInEveryWindow() async throws {
        let window = Duration.seconds(2)
        let limits = LLMLimits(requestsPerWindow: 5, tokensPerWindow: 1_000_000, window: window, windowMargin: .milliseconds(100), maxConcurrent: 4)
        let log = try await run(limits: limits, users: 14)
        XCTAssertEqual(log.count, 14)
        XCTAssertLessThanOrEqual(peaks(log, window: window).requests, 5)
    }

    func testTokenLimitHoldsInEveryWindowAfterReconciliation() async throws {
        let window = Duration.seconds(2)
        // Estimates are upper bounds well above what the fake reports: the token limit binds long before
        // the request limit, and reconciliation lets more through than the estimates alone would.
        let limits = LLMLimits(requestsPerWindow: 100, tokensPerWindow: 2_000, window: window, windowMargin: .milliseconds(100), maxConcurrent: 4)
        let log = try await run(limits: limits, users: 8)
        XCTAssertEqual(log.count, 8)
        let peak = peaks(log, window: window)
        XCTAssertLessThanOrEqual(peak.tokens, 2_000)
        XCTAssertGreaterThan(peak.requests, 1)
    }
}
