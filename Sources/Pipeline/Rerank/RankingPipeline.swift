/// The one ranking path of the stream refresher, the nightly ranker and `evaluate --rerank llm`, after candidates
/// (`ModelSet.candidates(forUsers:)`, which also applies the diversity rerank): the LLM rerank when the user is in
/// budget, falling back to the model's order on any failure (`FallbackReranker`), with every LLM reason passed
/// through `ExplanationGate` (inside the reranker's grounding). With `profiles.summary: llm` the reranker is a
/// `SummarizingReranker`, and the profile summary it writes comes back in the outcome for the caller to store.
public struct RankingPipeline: Sendable {
    public struct Outcome: Sendable {
        public var items: [RankedItem]
        public var source: RecommendationSource
        public var usage: TokenUsage?
        /// The LLM was asked (and counted against budgets), whether or not its answer was used.
        public var calledLLM: Bool
        /// A profile summary written on the way (`SummarizingReranker`), for the caller to store.
        public var summary: SummaryOutcome?

        /// LLM requests this user cost: the rerank and, when one was written, the profile summary.
        public var llmRequests: Int { calledLLM ? 1 + (summary?.usage != nil ? 1 : 0) : 0 }

        /// Rows whose text is the LLM's own reason.
        public var llmReasons: Int { items.filter { $0.explanationSource == .llm }.count }
    }

    let reranker: (any Reranker)?
    let onFailure: @Sendable (RerankRequest, any Error) -> Void

    /// - Parameter onFailure: told about every fallback to the model's order (logs, metrics).
    public init(reranker: (any Reranker)?, onFailure: @escaping @Sendable (RerankRequest, any Error) -> Void = { _, _ in }) {
        self.reranker = reranker
        self.onFailure = onFailure
    }

    /// Ranks one user. `useLLM` is the caller's budget decision; without a reranker or candidates it is ignored.
    public func rank(_ request: RerankRequest, useLLM: Bool) async -> Outcome {
        guard useLLM, let reranker, !request.candidates.isEmpty else { return Self.modelOrder(request) }
        do {
            let result = try await FallbackReranker(primary: reranker, onFailure: onFailure).rerank(request)
            return Outcome(items: result.items, source: result.source, usage: result.usage, calledLLM: true, summary: result.summary)
        } catch {
            // Only cancellation gets here (shutdown): publish the model's order rather than nothing.
            return Outcome(items: Grounding.modelOrder(request), source: request.candidateSource, usage: nil, calledLLM: true)
        }
    }

    /// The model's order with template explanations (LLM off, out of budget).
    public static func modelOrder(_ request: RerankRequest) -> Outcome {
        Outcome(items: Grounding.modelOrder(request), source: request.candidateSource, usage: nil, calledLLM: false)
    }
}
