import Foundation

/// Top-K accuracy of one user's ranked list against their relevant held-out items, binary relevance.
public struct RankingMetrics: Sendable, Hashable, Codable {
    public var precision: Double
    public var recall: Double
    /// DCG with a log2(rank + 1) discount over the ideal DCG of min(|relevant|, K) hits.
    public var ndcg: Double
    public var hitRate: Double

    public init(precision: Double, recall: Double, ndcg: Double, hitRate: Double) {
        self.precision = precision
        self.recall = recall
        self.ndcg = ndcg
        self.hitRate = hitRate
    }

    public static let zero = RankingMetrics(precision: 0, recall: 0, ndcg: 0, hitRate: 0)

    /// - Parameters:
    ///   - ranked: the recommended items, best first (at most `k` are read).
    ///   - relevant: the user's relevant held-out items (non-empty).
    public init(ranked: [Int], relevant: Set<Int>, k: Int) {
        precondition(!relevant.isEmpty && k > 0, "metrics need at least one relevant item and k > 0")
        var hits = 0
        var dcg = 0.0
        for (position, item) in ranked.prefix(k).enumerated() where relevant.contains(item) {
            hits += 1
            dcg += 1 / log2(Double(position + 2))
        }
        let idealHits = min(relevant.count, k)
        let idcg = (0..<idealHits).reduce(0.0) { $0 + 1 / log2(Double($1 + 2)) }
        self.init(precision: Double(hits) / Double(k), recall: Double(hits) / Double(relevant.count),
                  ndcg: dcg / idcg, hitRate: hits > 0 ? 1 : 0)
    }

    /// The unweighted mean over users.
    public static func mean(_ metrics: some Collection<RankingMetrics>) -> RankingMetrics {
        guard !metrics.isEmpty else { return .zero }
        let n = Double(metrics.count)
        return RankingMetrics(precision: metrics.reduce(0) { $0 + $1.precision } / n,
                              recall: metrics.reduce(0) { $0 + $1.recall } / n,
                              ndcg: metrics.reduce(0) { $0 + $1.ndcg } / n,
                              hitRate: metrics.reduce(0) { $0 + $1.hitRate } / n)
    }
}
