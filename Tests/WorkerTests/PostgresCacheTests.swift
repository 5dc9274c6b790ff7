import LLMClient
import Pipeline
import ScriptedLLMServer
import Storage
import TestSupport
import XCTest
@testable import Worker

/// The PostgreSQL store behind the reranker, through the worker's own `ResponseCache` adapter (`LLMOptions.swift`).
final class PostgresCacheTests: XCTestCase {
    func testSecondIdenticalRunMakesZeroCallsAndExpiredEntriesMiss() async throws {
        let database = try TestDatabase()
        defer { database.drop() }
        let server = try ScriptedLLMServer { _, _ in .complete() }
        defer { server.shutdown() }
        let endpoint = LLMEndpoint(baseURL: server.baseURL, model: "fake", apiKey: nil)
        let requests = (2...4).map { RerankFixtures.request(userID: $0, candidates: 6, limit: $0) }

        for run in 1...2 {
            let reranker = OpenAIReranker(endpoint: endpoint, cache: LLMCacheStore(connection: try database.connect()))
            for request in requests { _ = try await reranker.rerank(request) }
            XCTAssertEqual(server.log.count, 3, "run \(run): only the first run may call the endpoint")
        }

        let store = LLMCacheStore(connection: try database.connect())
        try store.put(key: "k", model: "fake", content: "{}", usage: nil, ttlSeconds: -1)
        XCTAssertNil(try store.entry(forKey: "k"))
        XCTAssertEqual(try store.purgeExpired(), 1)
    }
}
