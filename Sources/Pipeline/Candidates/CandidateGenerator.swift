/// Builds a user's candidate list: what the models propose (their blend, or segment popularity for a user
/// they know nothing about) minus what the user has interacted with, falling back to global popularity when
/// there are no models yet or nothing of theirs is left.
public struct CandidateGenerator: Sendable {
    public var limit: Int

    public init(limit: Int = 100) { self.limit = limit }

    /// - Parameters:
    ///   - fromModels: `ModelSet.candidates(forUser:)`, nil when no model is loaded.
    ///   - popularity: asked only when the fallback is needed (a stream worker reads it from the database).
    public func candidates(
        seen: Set<Int>, fromModels: (items: [ScoredItem], source: RecommendationSource)?, popularity: () throws -> PopularityModel
    ) rethrows -> (items: [ScoredItem], source: RecommendationSource) {
        if let fromModels {
            // `seen` comes from the database and may include events the models have not been fed yet.
            let fresh = fromModels.items.filter { !seen.contains($0.itemID) }.prefix(limit)
            if !fresh.isEmpty { return (Array(fresh), fromModels.source) }
        }
        return (try popularity().top(limit, excluding: seen), .popular)
    }
}
