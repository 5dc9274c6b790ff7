import Foundation
import LLMClient
import Pipeline
import ScriptedLLMServer
import Synchronization
import TestSupport
import XCTest

/// LLM-written profile summaries against the scripted fake server: a good answer is stored and used by the rerank
/// prompt; every kind of degenerate answer falls back to the template (kept with the model's name so it is not
/// asked again); a failing summary call never fails the rerank; a current summary costs no call.
final class ProfileSummaryFaultTests: XCTestCase {
    private var server: ScriptedLLMServer?

    override func tearDown() {
        server?.shutdown()
        server = nil
    }

    /// Summary requests (no response schema) get `summary`; rerank requests get a valid ranking.
    private func start(summary: @escaping @Sendable (Int) -> ScriptedLLMServer.Action) throws -> ScriptedLLMServer {
        let server = try ScriptedLLMServer { index, request in
            request.body["response_format"] == nil ? summary(index) : .complete()
        }
        self.server = server
        return server
    }

    private func reranker(_ server: ScriptedLLMServer, cache: (any ResponseCache)? = nil,
                          failures: FailureLog = FailureLog()) -> SummarizingReranker {
        let configuration = RerankerConfiguration(timeout: .seconds(5), pseudonymizer: Pseudonymizer(key: "k"))
        let gateway = LLMGateway(endpoint: LLMEndpoint(baseURL: server.baseURL, model: "fake", apiKey: nil),
                                 limits: LLMLimits(maxAttempts: 1), timeout: .seconds(5))
        return SummarizingReranker(
            summarizer: OpenAIProfileSummarizer(gateway: gateway, configuration: configuration, maxCharacters: 200, cache: cache),
            reranker: OpenAIReranker(gateway: gateway, configuration: configuration, cache: cache)) { userID, error in failures.add(userID, error) }
    }

    final class FailureLog: Sendable {
        private let entries = Mutex<[(userID: Int, error: String)]>([])
        func add(_ userID: Int, _ error: any Error) { entries.withLock { $0.append((userID, "\(error)")) } }
        var users: [Int] { entries.withLock { $0.map(\.userID) } }
    }

    private static func userMessage(_ request: ScriptedLLMServer.Received) -> String {
        (request.body["messages"] as? [[String: Any]])?.last?["content"] as? String ?? ""
    }

    private static func rerankPrompts(_ server: ScriptedLLMServer) -> [String] {
        server.log.filter { $0.body["response_format"] != nil }.map(userMessage)
    }

    func testAGoodSummaryIsStoredAndTheRerankPromptUsesIt() async throws {
        let text = "A patient fan of crime dramas and tense thrillers who rarely enjoys animation."
        let server = try start { _ in .complete(content: text) }
        let request = RerankFixtures.request(candidates: 6, limit: 4)
        let result = try await reranker(server).rerank(request)

        XCTAssertEqual(result.source, .llm)
        let summary = try XCTUnwrap(result.summary)
        XCTAssertNil(summary.refusal)
        XCTAssertEqual(summary.summary.text, text)
        XCTAssertEqual(summary.summary.source, .llm)
        XCTAssertEqual(summary.summary.model, "fake")
        XCTAssertEqual(summary.summary.basis, SummaryBasis(profile: request.profile))
        XCTAssertFalse(summary.summary.withDemographics)
        XCTAssertEqual(server.log.count, 2, "one summary call, then one rerank call")
        XCTAssertNil(server.log[0].body["response_format"], "the summary is asked first")
        XCTAssertTrue(Self.rerankPrompts(server)[0].contains("User profile: \(text)"), Self.rerankPrompts(server)[0])
        // The summary's tokens are part of the user's usage, and the summary request keeps the privacy rules.
        XCTAssertEqual(result.usage?.totalTokens, server.log.reduce(0) { $0 + $1.reportedTokens })
        let summaryPrompt = Self.userMessage(server.log[0])
        XCTAssertFalse(summaryPrompt.contains("writer") || summaryPrompt.contains("02139"), summaryPrompt)
        XCTAssertEqual(server.log[0].body["user"] as? String, Pseudonymizer(key: "k").pseudonym(for: request.userID))
    }

    func testEachDegenerateSummaryFallsBackToTheTemplate() async throws {
        let request = RerankFixtures.request(candidates: 6, limit: 4)
        let template = ProfileSummary.text(for: request.profile, includeDemographics: false)
        let answers: [(String, String)] = [
            ("", "empty"),
            ("Likes crime films. Likes crime films. Likes crime films.", "repetitive"),
            (String(repeating: "Enjoys long crime sagas with many twists and turns, ", count: 6), "too long"),
            ("User 7 enjoys crime dramas and thrillers.", "names an id"),
            ("She is a writer who enjoys crime dramas.", "mentions demographics"),
        ]
        for (answer, expected) in answers {
            server?.shutdown()
            let server = try start { _ in .complete(content: answer) }
            let result = try await reranker(server).rerank(request)
            let summary = try XCTUnwrap(result.summary, expected)
            XCTAssertEqual(summary.summary.source, .template, expected)
            XCTAssertEqual(summary.summary.text, template, expected)
            XCTAssertEqual(summary.summary.model, "fake", "kept with the model so it is not asked again: \(expected)")
            XCTAssertTrue(summary.refusal?.hasPrefix(expected) ?? false, "\(expected): \(summary.refusal ?? "accepted")")
            XCTAssertEqual(result.source, .llm, "the rerank still happens: \(expected)")
            XCTAssertTrue(Self.rerankPrompts(server)[0].contains("User profile: \(template)"), expected)
        }
    }

    func testAFailingSummaryCallNeverFailsTheRerank() async throws {
        let server = try start { _ in .reply(status: 400, body: #"{"error":{"message":"bad request"}}"#) }
        let failures = FailureLog()
        let request = RerankFixtures.request(candidates: 6, limit: 4)
        let result = try await reranker(server, failures: failures).rerank(request)
        XCTAssertEqual(result.source, .llm)
        XCTAssertNil(result.summary, "nothing to store: the next refresh asks again")
        XCTAssertEqual(failures.users, [request.userID])
        XCTAssertTrue(Self.rerankPrompts(server)[0].contains(ProfileSummary.text(for: request.profile, includeDemographics: false)))
    }

    func testACurrentSummaryCostsNoCallAndACachedOneNoTokens() async throws {
        let text = "A patient fan of crime dramas and tense thrillers who rarely enjoys animation."
        let server = try start { _ in .complete(content: text) }
        var request = RerankFixtures.request(candidates: 6, limit: 4)
        request.profile.writtenSummary = WrittenSummary(text: text, source: .llm, model: "fake", basis: SummaryBasis(profile: request.profile),
                                                        withDemographics: false)
        let current = try await reranker(server).rerank(request)
        XCTAssertNil(current.summary)
        XCTAssertEqual(server.log.count, 1, "only the rerank was asked")
        XCTAssertTrue(Self.rerankPrompts(server)[0].contains(text))

        // No stored summary, but the answer is in the response cache: a new summary without a new call.
        let cache = InMemoryResponseCache()
        request.profile.writtenSummary = nil
        _ = try await reranker(server, cache: cache).rerank(request)
        let calls = server.log.count
        let again = try await reranker(server, cache: cache).rerank(request)
        XCTAssertEqual(server.log.count, calls, "both answers came from the cache")
        XCTAssertEqual(again.summary?.summary.text, text)
        XCTAssertNil(again.summary?.usage)
    }
}
