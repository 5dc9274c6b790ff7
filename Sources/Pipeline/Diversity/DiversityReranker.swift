import Foundation

/// Reorders one user's candidate list for diversity: greedy maximal marginal relevance (Carbonell & Goldstein
/// 1998) over genres, with a novelty term, at strength λ.
///
/// Within the candidate pool, relevance r and log(1 + popularity) p are each standardised (zero mean, unit
/// deviation over the pool), so λ means the same for blend scores, popularity counts and any catalogue size.
/// Step by step the item maximising `r − λ·(p + genreWeight · max_{j chosen} sim(i, j))` is taken, sim being the
/// genre cosine. Why both terms: genre MMR alone reorders each list among the same popular films and does not
/// widen what the catalogue shows (measured in docs/diversity.md); the novelty term does.
///
/// The returned score is the objective at the step the item was taken. It never increases down the list (an
/// item's objective only falls as others are chosen), so ordering by score and by rank agree.
public struct DiversityReranker: Sendable, Hashable {
    public var lambda: Double
    public var genreWeight: Double

    public static let defaultGenreWeight = 0.5

    public init(lambda: Double, genreWeight: Double = DiversityReranker.defaultGenreWeight) {
        self.lambda = lambda
        self.genreWeight = genreWeight
    }

    public var isActive: Bool { lambda > 0 }

    /// - Parameters:
    ///   - candidates: best first.
    ///   - limit: how many to return (the rest of the pool is dropped).
    ///   - genres: an item's genres.
    ///   - popularity: an item's interaction count in the training data.
    public func rerank(_ candidates: [ScoredItem], limit: Int, genres: (Int) -> GenreSet,
                       popularity: (Int) -> Double) -> [ScoredItem] {
        guard isActive, candidates.count > 1 else { return Array(candidates.prefix(limit)) }
        let relevance = Self.standardised(candidates.map(\.score))
        let novelty = Self.standardised(candidates.map { log1p(max(popularity($0.itemID), 0)) })
        let itemGenres = candidates.map { genres($0.itemID) }
        var base = zip(relevance, novelty).map { $0 - lambda * $1 }
        var redundancy = [Double](repeating: 0, count: candidates.count)
        var result = [ScoredItem]()
        result.reserveCapacity(min(limit, candidates.count))
        while result.count < min(limit, candidates.count) {
            var best = -1
            var bestValue = -Double.infinity
            for index in candidates.indices where base[index] > -.infinity {
                let value = base[index] - lambda * genreWeight * redundancy[index]
                // Ties keep the model's order.
                if value > bestValue { bestValue = value; best = index }
            }
            guard best >= 0 else { break }
            result.append(ScoredItem(itemID: candidates[best].itemID, score: bestValue))
            base[best] = -.infinity
            for index in candidates.indices where base[index] > -.infinity {
                redundancy[index] = max(redundancy[index], itemGenres[index].similarity(to: itemGenres[best]))
            }
        }
        return result
    }

    /// Zero mean, unit deviation; all zeros when the values do not vary (or are not finite).
    static func standardised(_ values: [Double]) -> [Double] {
        let finite = values.filter(\.isFinite)
        guard finite.count > 1 else { return values.map { _ in 0 } }
        let mean = finite.reduce(0, +) / Double(finite.count)
        let deviation = (finite.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(finite.count)).squareRoot()
        guard deviation > 0 else { return values.map { _ in 0 } }
        return values.map { $0.isFinite ? ($0 - mean) / deviation : -Double.greatestFiniteMagnitude }
    }
}
