import Pipeline

/// A completion stored for reuse.
public struct CachedCompletion: Sendable, Hashable {
    public var content: String
    public var usage: TokenUsage?

    public init(content: String, usage: TokenUsage?) {
        self.content = content
        self.usage = usage
    }
}

/// Where answers are kept so that reruns and unchanged users cost nothing. Keys are `cacheKey(for:)`:
/// the request body (model, messages, schema, parameters) hashed, so any change to the prompt misses.
/// The worker wires the PostgreSQL store; LLMClient knows only this protocol.
/// `userID` is the user whose prompt produced the answer, so erasing the user can delete it.
public protocol ResponseCache: Sendable {
    func cachedCompletion(forKey key: String) async throws -> CachedCompletion?
    func store(_ completion: CachedCompletion, forKey key: String, model: String, ttl: Duration, userID: Int) async throws
}

public enum ResponseCacheKey {
    /// SHA-256 of the model and the exact request body (which sorts its keys).
    public static func key(for request: ChatRequest) throws -> String {
        SHA256.hex(request.model + "\n" + String(decoding: try request.body(), as: UTF8.self))
    }
}

/// A process-local cache, for tests and one-off commands without a database.
public actor InMemoryResponseCache: ResponseCache {
    private var entries: [String: (completion: CachedCompletion, expires: ContinuousClock.Instant)] = [:]

    public init() {}

    public func cachedCompletion(forKey key: String) -> CachedCompletion? {
        guard let entry = entries[key], entry.expires > .now else { return nil }
        return entry.completion
    }

    public func store(_ completion: CachedCompletion, forKey key: String, model: String, ttl: Duration, userID: Int) {
        entries[key] = (completion, .now + ttl)
    }
}
