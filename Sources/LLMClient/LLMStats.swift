import Pipeline

/// Counters for one process's LLM traffic, for run records, benchmarks and logs.
public actor LLMStats {
    public struct Snapshot: Sendable, Hashable, Codable {
        /// HTTP requests sent (every attempt).
        public var requests = 0
        public var succeeded = 0
        public var retries = 0
        public var rateLimited = 0
        public var failures = 0
        public var cacheHits = 0
        public var promptTokens = 0
        public var completionTokens = 0
        public var totalTokens: Int { promptTokens + completionTokens }
    }

    public private(set) var snapshot = Snapshot()

    public init() {}

    func sent() { snapshot.requests += 1 }
    func retried() { snapshot.retries += 1 }
    func cacheHit() { snapshot.cacheHits += 1 }

    func succeeded(usage: TokenUsage?) {
        snapshot.succeeded += 1
        snapshot.promptTokens += usage?.promptTokens ?? 0
        snapshot.completionTokens += usage?.completionTokens ?? 0
    }

    func failed(_ error: LLMError) {
        if case .rateLimited = error { snapshot.rateLimited += 1 }
        snapshot.failures += 1
    }
}
