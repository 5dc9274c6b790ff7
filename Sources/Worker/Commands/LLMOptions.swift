import ArgumentParser
import Foundation
import LLMClient
import Logging
import Pipeline
import PostgresClient
import Storage

/// The LLM settings every LLM-using command shares. Environment fallbacks: LLM_BASE_URL, LLM_MODEL,
/// LLM_API_KEY or LLM_API_KEY_FILE (the key is never printed or logged).
struct LLMOptions: ParsableArguments {
    @Option(name: .customLong("llm-base-url"), help: "OpenAI-compatible base URL, e.g. http://127.0.0.1:18080/v1 (default: $LLM_BASE_URL).")
    var baseURL: String?
    @Option(name: .customLong("llm-model"), help: "Model name sent with each request (default: $LLM_MODEL).")
    var model: String?
    @Option(name: .customLong("llm-api-key-file"), help: "File holding the API key (default: $LLM_API_KEY, then $LLM_API_KEY_FILE).")
    var apiKeyFile: String?
    @Option(name: .customLong("llm-requests-per-minute"), help: "Requests per minute at most.") var requestsPerMinute = 60
    @Option(name: .customLong("llm-tokens-per-minute"), help: "Tokens per minute at most (estimated, reconciled with usage).") var tokensPerMinute = 100_000
    @Option(name: .customLong("llm-concurrency"), help: "Calls in flight at once.") var concurrency = 2
    @Option(name: .customLong("llm-timeout"), help: "Seconds per call, response included.") var timeoutSeconds = 60.0
    @Option(name: .customLong("llm-max-attempts"), help: "Attempts per call, the first included.") var maxAttempts = 4
    @Option(name: .customLong("llm-max-requests"), help: "Budget: requests this run may send.") var maxRequests: Int?
    @Option(name: .customLong("llm-max-tokens"), help: "Budget: tokens this run may spend.") var maxTokens: Int?
    @Option(name: .customLong("llm-structured-output"), help: "json-schema, json-object or none.") var structuredOutput: String = StructuredOutput.jsonSchema.rawValue
    @Option(name: .customLong("llm-candidates"), help: "Candidates shown to the LLM per user.") var candidates = 20
    @Option(name: .customLong("llm-history"), help: "History entries shown per user.") var history = 15
    @Option(name: .customLong("llm-reason-chars"), help: "Longest reason per item.") var reasonCharacters = 80
    @Option(name: .customLong("llm-prompt-tokens"), help: "Prompt token budget; history is cut first, then candidates.") var promptTokens = 1_500
    @Option(name: .customLong("llm-bootstrap"), help: "Shuffled candidate orders per user, aggregated by Borda count.") var bootstrap = 1
    @Option(name: .customLong("llm-weight"), help: "Fusion weight of the LLM rank against the model score (0…1).") var weight = 1.0
    @Option(name: .customLong("llm-cache-ttl-hours"), help: "How long cached answers are reused.") var cacheTTLHours = 168.0
    @Flag(name: .customLong("llm-include-demographics"), help: "Privacy switch: also show age, gender and occupation to the LLM.")
    var includeDemographics = false
    @Option(name: .customLong("llm-pseudonym-key"), help: "Send a keyed pseudonym of the user in OpenAI's `user` field (default: $LLM_PSEUDONYM_KEY; unset sends nothing).")
    var pseudonymKey: String?

    func endpoint() throws -> LLMEndpoint {
        let environment = ProcessInfo.processInfo.environment
        guard let baseURL = baseURL ?? environment["LLM_BASE_URL"], !baseURL.isEmpty else {
            throw ValidationError("no LLM endpoint: pass --llm-base-url or export LLM_BASE_URL (e.g. http://127.0.0.1:18080/v1)")
        }
        let model = model ?? environment["LLM_MODEL"] ?? "default"
        return LLMEndpoint(baseURL: baseURL, model: model, apiKey: try APIKey.resolve(file: apiKeyFile, environment: environment))
    }

    func limits() -> LLMLimits {
        LLMLimits(
            requestsPerWindow: requestsPerMinute, tokensPerWindow: tokensPerMinute, maxConcurrent: concurrency,
            maxAttempts: maxAttempts, maxRequests: maxRequests, maxTokens: maxTokens)
    }

    func configuration() throws -> RerankerConfiguration {
        guard let output = StructuredOutput(rawValue: structuredOutput) else {
            throw ValidationError("--llm-structured-output must be one of \(StructuredOutput.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let key = pseudonymKey ?? ProcessInfo.processInfo.environment["LLM_PSEUDONYM_KEY"]
        return RerankerConfiguration(
            prompt: PromptConfig(maxHistory: history, maxCandidates: candidates, promptTokenBudget: promptTokens,
                                 reasonMaxCharacters: reasonCharacters, includeDemographics: includeDemographics),
            structuredOutput: output, timeout: .milliseconds(Int64(timeoutSeconds * 1000)),
            pseudonymizer: key.map(Pseudonymizer.init(key:)), bootstrapSamples: bootstrap, fusionWeight: weight,
            cacheTTL: .seconds(Int64(cacheTTLHours * 3600)))
    }

    /// The LLM reranker with the PostgreSQL answer cache when a database is given.
    func reranker(cacheConnection: PostgresConnection?, logger: Logger) throws -> OpenAIReranker {
        OpenAIReranker(
            endpoint: try endpoint(), configuration: try configuration(), limits: limits(),
            cache: cacheConnection.map { LLMCacheStore(connection: $0) }, logger: logger)
    }
}

/// libpq blocks: the cache's queries run on `BlockingWork`'s threads, never on the cooperative pool.
extension LLMCacheStore: ResponseCache {
    public func cachedCompletion(forKey key: String) async throws -> CachedCompletion? {
        try await BlockingWork.run { try entry(forKey: key).map { CachedCompletion(content: $0.content, usage: $0.usage) } }
    }

    public func store(_ completion: CachedCompletion, forKey key: String, model: String, ttl: Duration) async throws {
        try await BlockingWork.run {
            try put(key: key, model: model, content: completion.content, usage: completion.usage, ttlSeconds: Double(ttl.components.seconds))
        }
    }
}
