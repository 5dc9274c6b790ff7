import LLMClient
import Logging
import Pipeline
import PostgresClient
import Storage

/// The one place an LLM reranker is built from the `llm` section: stream, nightly, evaluate and calibrate all
/// come through here, so every LLM setting means the same to every verb.
enum ConfiguredReranker {
    /// The reranker when `llm.enabled` is true (nil otherwise), with the PostgreSQL answer cache.
    static func makeIfEnabled(config: RecWorkerConfig, logger: Logger) throws -> (any Reranker)? {
        guard config.llm.enabled else { return nil }
        return try make(config: config, cache: try PostgresConnection(url: try config.database.requiredURL()), logger: logger)
    }

    /// The reranker whatever `llm.enabled` says (evaluate and calibrate ask for it explicitly); `cache` nil runs uncached.
    static func make(config: RecWorkerConfig, cache: PostgresConnection?, logger: Logger) throws -> OpenAIReranker {
        OpenAIReranker(endpoint: try endpoint(config.llm), configuration: configuration(config), limits: limits(config.llm),
                       cache: cache.map { LLMCacheStore(connection: $0) }, logger: logger)
    }

    static func endpoint(_ llm: RecWorkerConfig.LLM) throws -> LLMEndpoint {
        guard let baseURL = llm.baseURL, !baseURL.isEmpty else {
            throw ConfigError(key: "llm.base_url", message: "no LLM endpoint: set llm.base_url, LLM_BASE_URL or --llm-base-url (e.g. http://127.0.0.1:18080/v1)", origin: nil)
        }
        return LLMEndpoint(baseURL: baseURL, model: llm.model ?? "default", apiKey: llm.apiKey)
    }

    static func limits(_ llm: RecWorkerConfig.LLM) -> LLMLimits {
        LLMLimits(requestsPerWindow: llm.requestsPerMinute, tokensPerWindow: llm.tokensPerMinute, maxConcurrent: llm.concurrency,
                  maxAttempts: llm.maxAttempts, maxRequests: llm.maxRequests, maxTokens: llm.maxTokens)
    }

    static func configuration(_ config: RecWorkerConfig) -> RerankerConfiguration {
        let llm = config.llm
        return RerankerConfiguration(
            prompt: PromptConfig(maxHistory: llm.promptHistory, maxCandidates: config.candidates.rerankPool, promptTokenBudget: llm.promptTokens,
                                 reasonMaxCharacters: llm.reasonCharacters, includeDemographics: llm.includeDemographics),
            structuredOutput: llm.structuredOutput, timeout: .milliseconds(Int64(llm.timeoutSeconds * 1000)),
            pseudonymizer: llm.pseudonymKey.map(Pseudonymizer.init(key:)), bootstrapSamples: llm.bootstrapSamples,
            fusionWeight: llm.fusionWeight, cacheTTL: .seconds(llm.cacheTTLSeconds))
    }
}
