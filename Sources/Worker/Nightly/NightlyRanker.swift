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

    func rank(userID: Int, list: CandidateList, useLLM: Bool) async -> (UserRecommendations, LLMUsage) {
        let profile = index.profile(userID: userID, historyLength: settings.historyLength)
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
        let usage = outcome.calledLLM ? LLMUsage(requests: 1, tokens: outcome.usage?.totalTokens ?? 0) : LLMUsage()
        return (UserRecommendations(userID: userID, source: outcome.source, modelVersion: list.modelVersion, items: outcome.items), usage)
    }
}
