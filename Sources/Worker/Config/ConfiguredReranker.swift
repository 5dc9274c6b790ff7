import LLMClient
import Logging
import Pipeline
import PostgresClient
import Storage

/// Builds the reranker the `llm` section describes (nightly, and the stream worker under --config), with the
/// PostgreSQL answer cache.
enum ConfiguredReranker {
    static func make(config: RecWorkerConfig, logger: Logger) throws -> (any Reranker)? {
        guard config.llm.enabled else { return nil }
        guard let baseURL = config.llm.baseURL, !baseURL.isEmpty else {
            throw ConfigError(key: "llm.base_url", message: "llm.enabled is true but no endpoint is set (set it or export LLM_BASE_URL)", origin: nil)
        }
        let llm = config.llm
        let endpoint = LLMEndpoint(baseURL: baseURL, model: llm.model ?? "default", apiKey: llm.apiKey)
        let configuration = RerankerConfiguration(
            prompt: PromptConfig(includeDemographics: llm.includeDemographics),
            timeout: .milliseconds(Int64(llm.timeoutSeconds * 1000)),
            fusionWeight: llm.fusionWeight, cacheTTL: .seconds(llm.cacheTTLSeconds))
        let limits = LLMLimits(requestsPerWindow: llm.requestsPerMinute, tokensPerWindow: llm.tokensPerMinute, maxConcurrent: llm.concurrency)
        let cache = LLMCacheStore(connection: try PostgresConnection(url: config.database.url))
        return OpenAIReranker(endpoint: endpoint, configuration: configuration, limits: limits, cache: cache, logger: logger)
    }
}
