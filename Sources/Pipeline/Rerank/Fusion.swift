import LinearAlgebra

/// What the LLM said about a request's candidates, aggregated over one or more candidate orders.
public struct LLMRanking: Sendable, Hashable {
    /// Borda score in [0, 1] per shown item id: 1 means first in every sample. Items never shown
    /// (beyond the prompt's candidate cap) are absent.
    public var scores: [Int: Double]
    /// The first non-empty reason the LLM gave for each item.
    public var reasons: [Int: String]
    /// Tokens of the calls actually made (cache hits cost none); nil when every sample was cached.
    public var usage: TokenUsage?
    public var samples: Int

    public init(scores: [Int: Double], reasons: [Int: String], usage: TokenUsage?, samples: Int) {
        self.scores = scores
        self.reasons = reasons
        self.usage = usage
        self.samples = samples
    }
}

/// Position-bias correction and fusion with the candidate model.
public enum RankFusion {
    /// One sample: the ids shown in the prompt (in shown order) and the ids the answer ranked.
    public struct Sample: Sendable, Hashable {
        public var shown: [Int]
        public var ranked: [Int]
        public init(shown: [Int], ranked: [Int]) {
            self.shown = shown
            self.ranked = ranked
        }
    }

    /// Borda count over partial rankings, normalised to [0, 1]. In a sample of n shown items the item
    /// at position p earns (n−1−p)/(n−1); shown items the answer left out share the points of the
    /// positions left over equally, so leaving an item out is neither reward nor penalty relative to
    /// the other left-out ones, and their shown order (the bias being corrected) earns nothing.
    public static func borda(_ samples: [Sample]) -> [Int: Double] {
        var totals = [Int: Double]()
        var counts = [Int: Int]()
        for sample in samples where !sample.shown.isEmpty {
            let n = sample.shown.count
            let points = { (position: Int) -> Double in n == 1 ? 1 : Double(n - 1 - position) / Double(n - 1) }
            let shown = Set(sample.shown)
            var seen = Set<Int>()
            let ranked = sample.ranked.filter { shown.contains($0) && seen.insert($0).inserted }
            for (position, id) in ranked.enumerated() { totals[id, default: 0] += points(position) }
            let leftOut = sample.shown.filter { !seen.contains($0) }
            if !leftOut.isEmpty {
                let share = (ranked.count..<n).map(points).reduce(0, +) / Double(leftOut.count)
                for id in leftOut { totals[id, default: 0] += share }
            }
            for id in sample.shown { counts[id, default: 0] += 1 }
        }
        return totals.reduce(into: [:]) { result, entry in result[entry.key] = entry.value / Double(counts[entry.key] ?? 1) }
    }

    /// Orders candidates by `weight · LLM score + (1 − weight) · model score`, both in [0, 1] (model
    /// scores min-max normalised within the request, since they are comparable only within one model).
    /// Weight 0 is exactly the model's order and 1 the LLM's; ties keep the model's order. Items the LLM
    /// never saw score 0 on its side.
    public static func fuse(_ candidates: [Candidate], llmScores: [Int: Double], weight: Double) -> [Candidate] {
        let w = max(0, min(1, weight))
        let scores = candidates.map(\.score)
        let low = scores.min() ?? 0
        let high = scores.max() ?? 0
        let fused = candidates.enumerated().map { index, candidate -> (Int, Double) in
            let model = high > low ? (candidate.score - low) / (high - low) : 1
            return (index, w * (llmScores[candidate.item.id] ?? 0) + (1 - w) * model)
        }
        return fused.sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }.map { candidates[$0.0] }
    }

    /// The published ranking for `request`: fused order, the LLM's reasons where it gave one, templates
    /// elsewhere, grounded (so only candidates, each once, `limit` of them).
    public static func result(for request: RerankRequest, ranking: LLMRanking, weight: Double,
                              gate: ExplanationGate = .init()) -> RerankResult {
        let ordered = fuse(request.candidates, llmScores: ranking.scores, weight: weight)
        let picks = ordered.map { Grounding.Pick(itemID: $0.item.id, reason: ranking.reasons[$0.item.id]) }
        return RerankResult(items: Grounding.ground(picks, in: request, gate: gate), source: .llm, usage: ranking.usage)
    }
}

/// Deterministic candidate orders for bootstrapped reranking: the same user and sample index always
/// get the same order, so bootstrapped answers stay cacheable.
public enum BootstrapOrders {
    /// `samples` permutations of 0..<count; the first is the identity (the model's order).
    public static func permutations(count: Int, samples: Int, seed: UInt64) -> [[Int]] {
        (0..<max(1, samples)).map { sample in
            var order = Array(0..<count)
            guard sample > 0 else { return order }
            var generator = SeededGenerator(seed: seed &+ UInt64(sample) &* 0x9E37_79B9_7F4A_7C15)
            order.shuffle(using: &generator)
            return order
        }
    }
}
