/// Anything that can say what an LLM thinks of a request's candidates before fusion. `OpenAIReranker`
/// is the real one; calibration and evaluation take this protocol so their arithmetic can be tested
/// with scripted opinions whose right answer is known.
public protocol LLMRankingSource: Sendable {
    func llmRanking(_ request: RerankRequest) async throws -> LLMRanking
}
