import Foundation

extension RankingMetrics {
    /// Graded relevance: NDCG uses each item's gain (its held-out rating) with a log2(rank + 1) discount, over
    /// the DCG of the same items in ideal order; precision, recall and hit rate count `relevant` items.
    /// - Parameters:
    ///   - ranked: the user's items, best first (at most `k` are read).
    ///   - gains: gain per item; items without one gain 0.
    ///   - relevant: the items counted as hits (non-empty).
    public init(ranked: [Int], gains: [Int: Double], relevant: Set<Int>, k: Int) {
        precondition(!relevant.isEmpty && k > 0, "metrics need at least one relevant item and k > 0")
        var hits = 0
        var dcg = 0.0
        for (position, item) in ranked.prefix(k).enumerated() {
            if relevant.contains(item) { hits += 1 }
            dcg += (gains[item] ?? 0) / log2(Double(position + 2))
        }
        let ideal = gains.values.sorted(by: >).prefix(k)
        let idcg = ideal.enumerated().reduce(0.0) { $0 + $1.element / log2(Double($1.offset + 2)) }
        self.init(precision: Double(hits) / Double(k), recall: Double(hits) / Double(relevant.count),
                  ndcg: idcg > 0 ? dcg / idcg : 0, hitRate: hits > 0 ? 1 : 0)
    }
}
