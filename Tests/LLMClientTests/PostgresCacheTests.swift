import LLMClient
import Pipeline
import Storage
import TestSupport
import XCTest

/// The worker adopts `ResponseCache` for `LLMCacheStore` in one extension; the test does the same so the
/// PostgreSQL store is exercised through the protocol the reranker uses.
extension LLMCacheStore: ResponseCache {
    public func cachedCompletion(forKey key: String) async throws -> CachedCompletion? {
        try entry(forKey: key).map { CachedCompletion(content: $0.content, usage: $0.usage) }
    }

    public func store(_ completion: CachedCompletion, forKey key: String, model: String, ttl: Duration, userID: Int) async throws {
        try put(key: key, model: model, content: completion.content, usage: completion.usage, ttlSeconds: Double(ttl.components.seconds), userID: userID)
    }
}

final class PostgresCacheTests: XCTestCase {
    func testSecondIdenticalRunMakesZeroCallsAndExpiredEntriesMiss() async throws {
        let database = try TestDatabase()
        defer { database.drop() }
        let server = try FakeOpenAIServer { _, _ in .complete() }
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
