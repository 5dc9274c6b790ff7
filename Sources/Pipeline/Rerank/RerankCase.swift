import LinearAlgebra

/// One evaluated user for LLM reranking: the rerank request (profile from training ratings, the candidate
/// model's top candidates in its order) and the user's relevant held-out items.
public struct RerankCase: Sendable {
    public var request: RerankRequest
    public var relevant: Set<Int>

    public init(request: RerankRequest, relevant: Set<Int>) {
        self.request = request
        self.relevant = relevant
    }

    /// A seeded sample of `users` users with at least one relevant held-out item, each with the model's
    /// top `candidates` unseen items as candidates.
    ///
    /// Users are drawn by a seeded shuffle of the eligible ids in ascending order, so the same seed gives
    /// the same users for `calibrate` and `evaluate` runs on the same split, and reruns hit the LLM cache.
    /// - Parameters:
    ///   - train: the ratings `data` was built from (for the profiles and histories in the prompts).
    ///   - relevanceThreshold: held-out ratings at or above it are relevant; nil makes all relevant.
    ///   - diversity: applied to each user's top 100 before the first `candidates` are shown, as production does.
    public static func sample(
        model: any RecommenderModel, data: InteractionData, train: [Rating], test: [Rating], items: [Item],
        demographics: [UserDemographics], users: Int, seed: UInt64, candidates: Int, limit: Int, relevanceThreshold: Float? = 4,
        diversity: DiversityReranker = DiversityReranker(lambda: 0)
    ) -> [RerankCase] {
        let relevant = TopNEvaluator(k: limit, relevanceThreshold: relevanceThreshold).relevantItems(test: test, data: data)
        var generator = SeededGenerator(seed: seed)
        let chosen = relevant.keys.sorted { data.users.id(at: $0) < data.users.id(at: $1) }
            .shuffled(using: &generator).prefix(max(0, users))
        let dense = Array(chosen)
        let top = TopNEvaluator.topItems(model: model, users: dense, data: data, k: diversity.isActive ? max(candidates, 100) : candidates)
        let itemByID = Dictionary(items.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let demographicsByID = Dictionary(demographics.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let ratingsByUser = Dictionary(grouping: train, by: \.userID)
        return dense.enumerated().map { slot, user in
            let userID = data.users.id(at: user)
            let history = FinetuneExamples.chronological(ratingsByUser[userID] ?? [])
            let profile = FinetuneExamples.profile(userID: userID, ratings: history, items: itemByID, demographics: demographicsByID[userID])
            let scored = top.row(slot).map { ScoredItem(itemID: data.items.id(at: Int($0.index)), score: Double($0.score)) }
            let listed = diversity.rerank(scored, limit: candidates, genres: { GenreSet(itemByID[$0]?.genres ?? []) },
                                          popularity: { data.items.index(of: $0).map { Double(data.itemUsers[$0].count) } ?? 0 })
            let shown = listed.map { Candidate(item: itemByID[$0.itemID] ?? .stub(id: $0.itemID), score: $0.score) }
            return RerankCase(request: RerankRequest(userID: userID, profile: profile, candidates: shown, limit: limit), relevant: relevant[user]!)
        }
    }

    /// NDCG@`k` of the candidates fused with `ranking` at `weight`; a missing ranking (the LLM call
    /// failed) leaves the model's order, which is what production publishes in that case.
    public func ndcg(ranking: LLMRanking?, weight: Double, k: Int) -> Double {
        metrics(ranking: ranking, weight: weight, k: k).ndcg
    }

    public func metrics(ranking: LLMRanking?, weight: Double, k: Int) -> RankingMetrics {
        RankingMetrics(ranked: ranked(ranking: ranking, weight: weight, k: k), relevant: relevant, k: k)
    }

    /// The top `k` item ids after fusion.
    public func ranked(ranking: LLMRanking?, weight: Double, k: Int) -> [Int] {
        RankFusion.fuse(request.candidates, llmScores: ranking?.scores ?? [:], weight: ranking == nil ? 0 : weight).prefix(k).map(\.item.id)
    }
}
