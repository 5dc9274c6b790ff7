import Logging
import Pipeline

/// Builds the reranker a nightly run uses from the `llm` section.
enum NightlyReranker {
    static func make(config: RecWorkerConfig, logger: Logger) throws -> (any Reranker)? {
        guard config.llm.enabled else { return nil }
        // The OpenAI-compatible client arrives with the LLM rerank work (LLMClient); until it is merged the
        // nightly job ranks with the models and says so.
        logger.warning("llm.enabled is true but this build has no LLM reranker; every user gets the model's order")
        return nil
    }
}
