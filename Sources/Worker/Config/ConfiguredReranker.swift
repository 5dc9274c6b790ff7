import LLMClient
import Logging
import Pipeline
import PostgresClient
import Storage

/// The one place an LLM reranker is built from the `llm` section: stream, nightly, evaluate and calibrate all
/// come through here, so every LLM setting means the same to every verb.
enum ConfiguredReranker {
    /// The reranker the stream and the nightly job publish with when `llm.enabled` is true (nil otherwise), with the
    /// PostgreSQL answer cache. With `profiles.summary: llm` it first writes the user's profile summary when the
    /// stored one is missing or outdated, through the same gateway (limits, budget, breaker) and cache.
    static func makeIfEnabled(config: RecWorkerConfig, logger: Logger) throws -> (any Reranker)? {
        guard config.llm.enabled else { return nil }
        let cache = try PostgresConnection(url: try config.database.requiredURL())
        return withSummaries(try make(config: config, cache: cache, logger: logger), config: config, cache: cache, logger: logger)
    }

    /// `reranker` writing profile summaries first when `profiles.summary` is `llm` (itself otherwise).
    static func withSummaries(_ reranker: OpenAIReranker, config: RecWorkerConfig, cache: PostgresConnection?, logger: Logger)
        -> any Reranker & LLMRankingSource {
        guard config.profiles.summary == .llm else { return reranker }
        let summarizer = OpenAIProfileSummarizer(
            gateway: reranker.gateway, configuration: reranker.configuration, maxCharacters: config.profiles.summaryMaxCharacters,
            cache: cache.map { LLMCacheStore(connection: $0) }, logger: logger)
        return SummarizingReranker(summarizer: summarizer, reranker: reranker) { userID, error in
            WorkerMetrics.profileSummaries(outcome: "failed").increment()
            logger.warning("profile summary failed; the prompt uses the template", metadata: ["user_id": "\(userID)", "error": "\(error)"])
        }
    }

    /// Counts and logs a summary the reranker wrote; called where it is stored.
    static func record(_ summary: SummaryOutcome, userID: Int, logger: Logger) {
        WorkerMetrics.profileSummaries(outcome: summary.refusal == nil ? "llm" : "refused").increment()
        if let refusal = summary.refusal {
            logger.info("LLM profile summary refused; the template stands in until the profile changes materially",
                        metadata: ["user_id": "\(userID)", "reason": "\(refusal)"])
        }
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
