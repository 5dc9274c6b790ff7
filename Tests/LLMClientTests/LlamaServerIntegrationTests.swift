import Foundation
import LLMClient
import Logging
import Pipeline
import TestSupport
import XCTest

/// Round trips against the real llama-server with Gemma-3-270M (dev services). The model is tiny and
/// slow on shared cores, so requests are small and calls few.
final class LlamaServerIntegrationTests: XCTestCase {
    private func endpoint() throws -> LLMEndpoint {
        let baseURL = try TestEnvironment.require("LLM_BASE_URL")
        let model = ProcessInfo.processInfo.environment["LLM_MODEL"] ?? "gemma-3-270m"
        return LLMEndpoint(baseURL: baseURL, model: model, apiKey: nil)
    }

    private let configuration = RerankerConfiguration(
        prompt: PromptConfig(maxHistory: 3, maxCandidates: 4, reasonMaxCharacters: 40), timeout: .seconds(300))

    func testRerankRoundTripReturnsOnlyCandidatesWithExplanationsAndUsage() async throws {
        let reranker = OpenAIReranker(endpoint: try endpoint(), configuration: configuration)
        let request = RerankFixtures.request(candidates: 4, limit: 3)
        let result = try await reranker.rerank(request)

        XCTAssertEqual(result.source, .llm)
        XCTAssertEqual(result.items.count, 3)
        let candidateIDs = Set(request.candidates.map(\.item.id))
        XCTAssertTrue(result.items.allSatisfy { candidateIDs.contains($0.itemID) }, "non-candidate in \(result.items)")
        XCTAssertEqual(Set(result.items.map(\.itemID)).count, result.items.count, "duplicates in \(result.items)")
        XCTAssertTrue(result.items.allSatisfy { !$0.explanation.isEmpty })
        let usage = try XCTUnwrap(result.usage, "llama-server reports usage; it must be recorded")
        XCTAssertGreaterThan(usage.promptTokens, 0)
        XCTAssertGreaterThan(usage.completionTokens, 0)
    }
}
