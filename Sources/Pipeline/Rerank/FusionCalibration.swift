/// Picks the fusion weight `w` of `w · LLM + (1 − w) · model` by NDCG on held-out ratings.
///
/// Weight 0 is the candidate model's own order, so it is always among the weights tried: a weak LLM
/// can at worst be switched off. Ties go to the lower weight (trust the model), and each weight is
/// reported with its spread and its paired difference from weight 0, so a "win" can be told from noise.
public struct FusionCalibration: Sendable {
    public struct WeightResult: Sendable, Hashable, Codable {
        public var weight: Double
        /// NDCG@k over the sampled users.
        public var ndcg: SampleStatistics
        /// Per-user NDCG at this weight minus at weight 0 (the model alone): the paired comparison.
        public var gainOverModel: SampleStatistics
    }

    public var k: Int
    public var weights: [Double]

    /// - Parameter weights: fusion weights in [0, 1]; 0 is added when missing.
    public init(k: Int, weights: [Double]) {
        self.k = k
        self.weights = Array(Set(weights.map { max(0, min(1, $0)) } + [0])).sorted()
    }

    /// Scores every weight on the same users and LLM answers (one call per user, any number of weights).
    public func evaluate(_ cases: [RerankCase], rankings: [Int: LLMRanking]) -> [WeightResult] {
        let baseline = cases.map { $0.ndcg(ranking: nil, weight: 0, k: k) }
        return weights.map { weight in
            let scores = cases.map { $0.ndcg(ranking: rankings[$0.request.userID], weight: weight, k: k) }
            return WeightResult(weight: weight, ndcg: SampleStatistics(scores),
                                gainOverModel: SampleStatistics(zip(scores, baseline).map { $0 - $1 }))
        }
    }

    /// The weight with the highest mean NDCG; among equal means (to 1e-12) the lowest weight.
    public static func choose(_ results: [WeightResult]) -> WeightResult? {
        results.sorted { $0.weight < $1.weight }.reduce(nil) { best, candidate in
            guard let best else { return candidate }
            return candidate.ndcg.mean > best.ndcg.mean + 1e-12 ? candidate : best
        }
    }
}
