import Foundation

/// Beyond-accuracy quality of one user's top-K list (the study's ethics section: diverse content, not the same
/// popular items for everyone):
/// - `diversity`: intra-list diversity, the mean genre distance `1 − cosine` over every pair in the list;
/// - `novelty`: mean self-information `−log2((n_i + 1) / (users + 1))` of the items, n_i = training interactions;
/// - `popularityLift`: the list's mean n_i over the user's training history's mean n_i, minus 1 (0: the list is
///   exactly as mainstream as the history; positive: more popular than what the user watches).
public struct ListQuality: Sendable, Hashable, Codable {
    public var diversity: Double
    public var novelty: Double
    public var popularityLift: Double

    public init(diversity: Double, novelty: Double, popularityLift: Double) {
        self.diversity = diversity
        self.novelty = novelty
        self.popularityLift = popularityLift
    }

    public static func mean(_ values: some Collection<ListQuality>) -> ListQuality? {
        guard !values.isEmpty else { return nil }
        let n = Double(values.count)
        return ListQuality(diversity: values.reduce(0) { $0 + $1.diversity } / n,
                           novelty: values.reduce(0) { $0 + $1.novelty } / n,
                           popularityLift: values.reduce(0) { $0 + $1.popularityLift } / n)
    }
}

/// What the list metrics need to know about items: genres (from the catalogue) and popularity (from the
/// training data the lists were made from).
public struct ItemStatistics: Sendable {
    public let genres: [Int: GenreSet]
    /// Training interactions per item id.
    public let popularity: [Int: Double]
    public let userCount: Int

    public init(items: [Item], data: InteractionData) {
        genres = Dictionary(items.map { ($0.id, GenreSet($0.genres)) }, uniquingKeysWith: { first, _ in first })
        var popularity = [Int: Double]()
        for item in 0..<data.itemCount { popularity[data.items.id(at: item)] = Double(data.itemUsers[item].count) }
        self.popularity = popularity
        userCount = data.userCount
    }

    public func genres(of item: Int) -> GenreSet { genres[item] ?? GenreSet(bits: 0) }
    public func popularity(of item: Int) -> Double { popularity[item] ?? 0 }

    public func quality(list: [Int], history: [Int]) -> ListQuality {
        var distance = 0.0, pairs = 0
        for (position, first) in list.enumerated() {
            for second in list[(position + 1)...] {
                distance += 1 - genres(of: first).similarity(to: genres(of: second))
                pairs += 1
            }
        }
        let users = Double(userCount + 1)
        let novelty = list.isEmpty ? 0 : list.reduce(0) { $0 - log2((popularity(of: $1) + 1) / users) } / Double(list.count)
        let listPopularity = list.isEmpty ? 0 : list.reduce(0) { $0 + popularity(of: $1) } / Double(list.count)
        let historyPopularity = history.isEmpty ? 0 : history.reduce(0) { $0 + popularity(of: $1) } / Double(history.count)
        return ListQuality(diversity: pairs == 0 ? 0 : distance / Double(pairs), novelty: novelty,
                           popularityLift: historyPopularity > 0 ? listPopularity / historyPopularity - 1 : 0)
    }
}

/// How unequally recommendations expose the catalogue.
public enum Exposure {
    /// Gini coefficient of `counts` (one per catalogue item, zeros included): 0 when every item is shown equally
    /// often, near 1 when a few items take every slot.
    public static func gini(_ counts: [Int]) -> Double {
        let total = counts.reduce(0, +)
        guard counts.count > 1, total > 0 else { return 0 }
        let sorted = counts.sorted()
        let n = Double(sorted.count)
        let weighted = sorted.enumerated().reduce(0.0) { $0 + (2 * Double($1.offset + 1) - n - 1) * Double($1.element) }
        return weighted / (n * Double(total))
    }
}
