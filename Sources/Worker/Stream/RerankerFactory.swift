import Logging
import Pipeline
import PostgresClient

/// Builds the stream worker's LLM reranker from the `--llm-*` options (LLM_BASE_URL, LLM_MODEL, LLM_API_KEY).
enum RerankerFactory {
    static func make(enabled: Bool, options: LLMOptions, databaseURL: String, logger: Logger) throws -> (any Reranker)? {
        guard enabled else { return nil }
        return try options.reranker(cacheConnection: try PostgresConnection(url: databaseURL), logger: logger)
    }
}
