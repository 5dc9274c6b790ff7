/// `recworker evaluate --rerank llm` rows: the sampled users ranked by the candidate model alone and by
/// the model fused with the LLM, as Table-1 rows over the same users.
public enum RerankEvaluation {
    /// - Parameter rankings: the LLM's rankings by user id; nil ranks by the model alone. Users missing
    ///   from a non-nil map (their call failed) get the model's order, as production publishes it.
    public static func modelResult(
        name: String, cases: [RerankCase], rankings: [Int: LLMRanking]?, weight: Double, k: Int, catalogueSize: Int, seconds: Double
    ) -> TopNEvaluator.ModelResult {
        var recommended = Set<Int>()
        let users = cases.map { entry -> TopNEvaluator.UserResult in
            let ranking = rankings?[entry.request.userID]
            let ranked = entry.ranked(ranking: ranking, weight: weight, k: k)
            recommended.formUnion(ranked)
            let metrics = RankingMetrics(ranked: ranked, relevant: entry.relevant, k: k)
            return TopNEvaluator.UserResult(userID: entry.request.userID, metrics: metrics)
        }
        return TopNEvaluator.ModelResult(
            name: name, metrics: .mean(users.map(\.metrics)),
            coverage: catalogueSize == 0 ? 0 : Double(recommended.count) / Double(catalogueSize), trainSeconds: seconds, users: users)
    }

    /// The share of published explanations that are the LLM's own reasons after `ExplanationGate`, over the users the
    /// LLM ranked (the rest of their rows carry templates): the explanation-quality metric.
    public static func reasonsKept(cases: [RerankCase], rankings: [Int: LLMRanking], weight: Double, k: Int,
                                   gate: ExplanationGate) -> Double? {
        var kept = 0, total = 0
        for entry in cases {
            guard let ranking = rankings[entry.request.userID] else { continue }
            var request = entry.request
            request.limit = k
            let items = RankFusion.result(for: request, ranking: ranking, weight: weight, gate: gate).items
            kept += items.filter { $0.explanationSource == .llm }.count
            total += items.count
        }
        return total == 0 ? nil : Double(kept) / Double(total)
    }
}
