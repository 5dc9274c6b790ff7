/// What asking for a profile summary produced.
public struct SummaryOutcome: Sendable, Hashable {
    /// What to store: the LLM's text, or the template when the text was refused (`refusal`).
    public var summary: WrittenSummary
    /// nil for a cached answer.
    public var usage: TokenUsage?
    /// Why the LLM's text was not used; nil when it was.
    public var refusal: String?

    public init(summary: WrittenSummary, usage: TokenUsage?, refusal: String?) {
        self.summary = summary
        self.usage = usage
        self.refusal = refusal
    }
}

/// Writes a user's natural-language profile with an LLM (`profiles.summary: llm`).
public protocol ProfileSummarizer: Sendable {
    /// Whether summaries may mention age, gender and occupation (the rerank prompt's privacy switch).
    var includeDemographics: Bool { get }
    /// Asks for `profile`'s summary; throws when no answer could be had (endpoint down, over budget, circuit open).
    func summarize(_ profile: UserProfile) async throws -> SummaryOutcome
}

/// A reranker that first makes sure the user's profile summary is current: when the stored one was not written by
/// an LLM, or the profile changed materially since (`SummaryBasis`), it asks `summarizer` for a new one and the
/// rerank prompt uses it. The new summary comes back in `RerankResult.summary` for the caller to store, and its
/// tokens are part of the result's usage. A failed summary call never fails the rerank: the template stands in.
/// As an `LLMRankingSource` (evaluate, calibrate) it does the same without handing the summary back.
public struct SummarizingReranker: Reranker, LLMRankingSource {
    public let summarizer: any ProfileSummarizer
    public let reranker: any Reranker & LLMRankingSource
    let onFailure: @Sendable (_ userID: Int, _ error: any Error) -> Void

    /// - Parameter onFailure: told when a summary could not be had (logs, metrics); refusals arrive in the outcome.
    public init(summarizer: any ProfileSummarizer, reranker: any Reranker & LLMRankingSource,
                onFailure: @escaping @Sendable (_ userID: Int, _ error: any Error) -> Void = { _, _ in }) {
        self.summarizer = summarizer
        self.reranker = reranker
        self.onFailure = onFailure
    }

    public func rerank(_ request: RerankRequest) async throws -> RerankResult {
        let (request, written) = try await summarized(request)
        var result = try await reranker.rerank(request)
        if let written {
            result.summary = written
            result.usage = TokenUsage.sum([result.usage, written.usage])
        }
        return result
    }

    public func llmRanking(_ request: RerankRequest) async throws -> LLMRanking {
        let (request, written) = try await summarized(request)
        var ranking = try await reranker.llmRanking(request)
        ranking.usage = TokenUsage.sum([ranking.usage, written?.usage])
        return ranking
    }

    /// `request` with a current summary in its profile, and the summary when a new one was written.
    private func summarized(_ request: RerankRequest) async throws -> (request: RerankRequest, written: SummaryOutcome?) {
        guard !(request.profile.writtenSummary?.isCurrent(for: request.profile, includeDemographics: summarizer.includeDemographics) ?? false) else {
            return (request, nil)
        }
        do {
            let outcome = try await summarizer.summarize(request.profile)
            var request = request
            request.profile.writtenSummary = outcome.summary
            return (request, outcome)
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            onFailure(request.userID, error)
            return (request, nil)
        }
    }
}
