import ArgumentParser
import Foundation
import LLMClient
import Storage

/// The `--llm-*` flags every LLM-using verb shares. Each one given explicitly overrides its `llm.*` key (file and
/// environment first, see RecWorkerConfig); unset flags leave the configured value alone. Secrets are not flags:
/// the API key and the pseudonym key come from files or the environment (LLM_API_KEY, LLM_PSEUDONYM_KEY).
struct LLMOptions: ParsableArguments {
    @Option(name: .customLong("llm-base-url"), help: "OpenAI-compatible base URL, e.g. http://127.0.0.1:18080/v1 (llm.base_url, $LLM_BASE_URL).")
    var baseURL: String?
    @Option(name: .customLong("llm-model"), help: "Model name sent with each request (llm.model, $LLM_MODEL).")
    var model: String?
    @Option(name: .customLong("llm-api-key-file"), help: "File holding the API key (llm.api_key_file; or $LLM_API_KEY).")
    var apiKeyFile: String?
    @Option(name: .customLong("llm-requests-per-minute"), help: "Requests per minute at most (llm.requests_per_minute).") var requestsPerMinute: Int?
    @Option(name: .customLong("llm-tokens-per-minute"), help: "Tokens per minute at most, estimated and reconciled with usage (llm.tokens_per_minute).") var tokensPerMinute: Int?
    @Option(name: .customLong("llm-concurrency"), help: "Calls in flight at once (llm.concurrency).") var concurrency: Int?
    @Option(name: .customLong("llm-timeout"), help: "Seconds per call, response included (llm.timeout_seconds).") var timeoutSeconds: Double?
    @Option(name: .customLong("llm-max-attempts"), help: "Attempts per call, the first included (llm.max_attempts).") var maxAttempts: Int?
    @Option(name: .customLong("llm-max-requests"), help: "Budget: requests this process may send (llm.max_requests).") var maxRequests: Int?
    @Option(name: .customLong("llm-max-tokens"), help: "Budget: tokens this process may spend (llm.max_tokens).") var maxTokens: Int?
    @Option(name: .customLong("llm-structured-output"), help: "json-schema, json-object or none (llm.structured_output).") var structuredOutput: String?
    @Option(name: .customLong("llm-candidates"), help: "Candidates shown to the LLM per user (candidates.rerank_pool).") var candidates: Int?
    @Option(name: .customLong("llm-history"), help: "History entries shown per user (llm.prompt_history).") var history: Int?
    @Option(name: .customLong("llm-reason-chars"), help: "Longest reason per item (llm.reason_chars).") var reasonCharacters: Int?
    @Option(name: .customLong("llm-prompt-tokens"), help: "Prompt token budget; history is cut first, then candidates (llm.prompt_tokens).") var promptTokens: Int?
    @Option(name: .customLong("llm-bootstrap"), help: "Shuffled candidate orders per user, aggregated by Borda count (llm.bootstrap).") var bootstrap: Int?
    @Option(name: .customLong("llm-weight"), help: "Fusion weight of the LLM rank against the model score, 0…1 (llm.fusion_weight).") var weight: Double?
    @Option(name: .customLong("llm-cache-ttl-hours"), help: "How long cached answers are reused (llm.cache_ttl_seconds).") var cacheTTLHours: Double?
    @Flag(name: .customLong("llm-include-demographics"), inversion: .prefixedNo,
          help: "Privacy switch: also show age, gender and occupation to the LLM (llm.include_demographics).")
    var includeDemographics: Bool?
    @Option(name: .customLong("llm-pseudonym-key-file"), help: "File with the key of the pseudonym sent in OpenAI's `user` field (llm.pseudonym_key_file; or $LLM_PSEUDONYM_KEY).")
    var pseudonymKeyFile: String?
    @Option(name: .customLong("profile-summary"), help: "template or llm: who writes the profile summary prompts start from; llm rewrites it when the profile changes materially (profiles.summary).")
    var profileSummary: String?

    /// Dotted config keys for the flags given explicitly.
    var overrides: [String: String] {
        let pairs: [(String, String?)] = [
            ("llm.base_url", baseURL), ("llm.model", model), ("llm.api_key_file", apiKeyFile),
            ("llm.requests_per_minute", requestsPerMinute.map(String.init)), ("llm.tokens_per_minute", tokensPerMinute.map(String.init)),
            ("llm.concurrency", concurrency.map(String.init)), ("llm.timeout_seconds", timeoutSeconds.map { String($0) }),
            ("llm.max_attempts", maxAttempts.map(String.init)), ("llm.max_requests", maxRequests.map(String.init)),
            ("llm.max_tokens", maxTokens.map(String.init)), ("llm.structured_output", structuredOutput),
            ("candidates.rerank_pool", candidates.map(String.init)), ("llm.prompt_history", history.map(String.init)),
            ("llm.reason_chars", reasonCharacters.map(String.init)), ("llm.prompt_tokens", promptTokens.map(String.init)),
            ("llm.bootstrap", bootstrap.map(String.init)), ("llm.fusion_weight", weight.map { String($0) }),
            ("llm.cache_ttl_seconds", cacheTTLHours.map { String(Int(($0 * 3600).rounded())) }),
            ("llm.include_demographics", includeDemographics.map(String.init)), ("llm.pseudonym_key_file", pseudonymKeyFile),
            ("profiles.summary", profileSummary),
        ]
        return Dictionary(uniqueKeysWithValues: pairs.compactMap { key, value in value.map { (key, $0) } })
    }
}

/// libpq blocks: the cache's queries run on `BlockingWork`'s threads, never on the cooperative pool.
extension LLMCacheStore: ResponseCache {
    public func cachedCompletion(forKey key: String) async throws -> CachedCompletion? {
        try await BlockingWork.run { try entry(forKey: key).map { CachedCompletion(content: $0.content, usage: $0.usage) } }
    }

    public func store(_ completion: CachedCompletion, forKey key: String, model: String, ttl: Duration, userID: Int) async throws {
        try await BlockingWork.run {
            try put(key: key, model: model, content: completion.content, usage: completion.usage,
                    ttlSeconds: Double(ttl.components.seconds), userID: userID)
        }
    }
}
