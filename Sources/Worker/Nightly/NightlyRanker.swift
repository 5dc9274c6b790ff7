import Logging
import Pipeline
import Storage

/// Ranks one user: candidates from the fitted models, then `RankingPipeline` (the LLM's order when the user is in
/// the LLM budget and the call succeeds, else the model's order).
struct NightlyRanker: Sendable {
    struct Settings: Sendable {
        var candidatesPerUser: Int
        var rerankPool: Int
        var rowsPerUser: Int
        var historyLength: Int
        /// `profiles.summary: llm`: prompts use the stored LLM-written summaries and the reranker writes new ones.
        var llmSummaries = false
    }

    /// One ranked user: the rows, what the LLM cost, and the profile summary written on the way (to store).
    struct Ranked: Sendable {
        var recommendations: UserRecommendations
        var usage: LLMUsage
        var summary: SummaryOutcome?
    }

    let candidates: any CandidateSource
    let index: SnapshotIndex
    let reranker: (any Reranker)?
    let settings: Settings
    let logger: Logger

    /// Candidate lists for a group of users, in order (one batched scoring call).
    func candidateLists(_ userIDs: [Int]) -> [CandidateList] {
        candidates.candidates(userIDs: userIDs, limit: settings.candidatesPerUser)
    }

    /// - Parameter stored: the user's stored profile (`ProfileStore`), read only with `llmSummaries`: its summary, and
    ///   its whole-history genre sums, so the material-change rule compares the same top genres the stream refresher does.
    func rank(userID: Int, list: CandidateList, useLLM: Bool, stored: UserProfile? = nil) async -> Ranked {
        var profile = index.profile(userID: userID, historyLength: settings.historyLength)
        if settings.llmSummaries, let stored {
            profile.writtenSummary = stored.writtenSummary
            profile.genreWeights = stored.genreWeights
        }
        let pool = useLLM ? Array(list.items.prefix(settings.rerankPool)) : list.items
        let request = RerankRequest(
            userID: userID, profile: profile,
            candidates: pool.map { Candidate(item: index.item($0.itemID), score: $0.score) }, limit: settings.rowsPerUser,
            candidateSource: list.source)
        let logger = self.logger
        // One failed call must not fail the run: the user keeps the model's order.
        let outcome = await RankingPipeline(reranker: reranker) { _, error in
            logger.warning("LLM rerank failed; using the model's order", metadata: ["user_id": "\(userID)", "error": "\(error)"])
        }.rank(request, useLLM: useLLM)
        return Ranked(
            recommendations: UserRecommendations(userID: userID, source: outcome.source, modelVersion: list.modelVersion, items: outcome.items),
            usage: LLMUsage(requests: outcome.llmRequests, tokens: outcome.usage?.totalTokens ?? 0), summary: outcome.summary)
    }
}
