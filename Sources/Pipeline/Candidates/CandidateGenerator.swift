/// Builds a user's candidate list: the model's top items the user has not interacted with,
/// falling back to popularity when the model has nothing for them.
public struct CandidateGenerator: Sendable {
    public var limit: Int

    public init(limit: Int = 100) { self.limit = limit }

    public func candidates(
        seen: Set<Int>, modelTop: [ScoredItem], popularity: PopularityModel
    ) -> (items: [ScoredItem], source: RecommendationSource) {
        let fromModel = modelTop.filter { !seen.contains($0.itemID) }.prefix(limit)
        if !fromModel.isEmpty { return (Array(fromModel), .model) }
        return (popularity.top(limit, excluding: seen), .popular)
    }
}
