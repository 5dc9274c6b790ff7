import Logging
import Pipeline

/// Builds the LLM reranker from the environment (LLM_BASE_URL, LLM_MODEL, LLM_API_KEY).
enum RerankerFactory {
    static func make(enabled: Bool, logger: Logger) throws -> (any Reranker)? {
        guard enabled else { return nil }
        throw WorkerError("the LLM reranker is not wired in yet; run with --llm off")
    }
}

struct WorkerError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
