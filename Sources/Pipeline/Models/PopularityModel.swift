/// Ranks items by how many interactions they have had: the cold-start fallback and the simplest baseline.
public struct PopularityModel: Sendable {
    private let ranked: [ScoredItem]

    /// - Parameter counts: interactions per item id.
    public init(counts: [Int: Double]) {
        ranked = counts.map { ScoredItem(itemID: $0.key, score: $0.value) }
            .sorted { $0.score != $1.score ? $0.score > $1.score : $0.itemID < $1.itemID }
    }

    /// The `limit` most popular items not in `excluded`, most popular first.
    public func top(_ limit: Int, excluding excluded: Set<Int>) -> [ScoredItem] {
        var result = [ScoredItem]()
        result.reserveCapacity(limit)
        for item in ranked where !excluded.contains(item.itemID) {
            result.append(item)
            if result.count == limit { break }
        }
        return result
    }
}
