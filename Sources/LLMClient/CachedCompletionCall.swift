import Logging
import Pipeline

/// One chat request answered from the response cache when a usable answer is stored there, else by the gateway
/// (limits, budget, retries). Only usable answers are stored, so a bad answer is asked again next time rather than
/// served for the cache's lifetime. A cache that fails is logged and bypassed: it can cost calls, never answers.
struct CachedCompletionCall: Sendable {
    let gateway: LLMGateway
    let cache: (any ResponseCache)?
    let ttl: Duration
    let logger: Logger

    struct Answer<Value> {
        var value: Value
        /// nil for a cache hit.
        var usage: TokenUsage?
    }

    func answer<Value>(
        _ chat: ChatRequest, userID: Int, parse: (String) -> Value, isUsable: (Value) -> Bool
    ) async throws -> Answer<Value> {
        let key = try? ResponseCacheKey.key(for: chat)
        if let cache, let key {
            do {
                if let cached = try await cache.cachedCompletion(forKey: key) {
                    let value = parse(cached.content)
                    if isUsable(value) {
                        await gateway.stats.cacheHit()
                        return Answer(value: value, usage: nil)
                    }
                }
            } catch {
                logger.warning("LLM cache lookup failed; calling the endpoint", metadata: ["error": "\(error)"])
            }
        }
        let completion = try await gateway.complete(chat)
        let value = parse(completion.content)
        if isUsable(value), let cache, let key {
            do {
                try await cache.store(CachedCompletion(content: completion.content, usage: completion.usage), forKey: key,
                                      model: gateway.model, ttl: ttl, userID: userID)
            } catch {
                logger.warning("LLM cache write failed", metadata: ["error": "\(error)"])
            }
        }
        return Answer(value: value, usage: completion.usage)
    }
}
