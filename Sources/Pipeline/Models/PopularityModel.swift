/// Ranks items by how many interactions they have had: the cold-start fallback and the simplest baseline.
public struct PopularityModel: RecommenderModel {
    public var kind: ModelKind { .popularity }
    public private(set) var counts: [Int: Double]
    private var ranked: [ScoredItem]

    /// - Parameter counts: interactions per item id.
    public init(counts: [Int: Double]) {
        self.counts = counts
        ranked = Self.rank(counts)
    }

    /// Counts every user who interacted with each item.
    public init(data: InteractionData) {
        var counts = [Int: Double]()
        for item in 0..<data.itemCount { counts[data.items.id(at: item)] = Double(data.itemUsers[item].count) }
        self.init(counts: counts)
    }

    public init(snapshot: ModelSnapshot) throws {
        guard snapshot.kind == .popularity else { throw ModelSnapshotError.wrongKind(expected: .popularity, found: snapshot.kind) }
        self.init(counts: snapshot.itemVectors.mapValues { Double($0.first ?? 0) })
    }

    private static func rank(_ counts: [Int: Double]) -> [ScoredItem] {
        counts.map { ScoredItem(itemID: $0.key, score: $0.value) }
            .sorted { $0.score != $1.score ? $0.score > $1.score : $0.itemID < $1.itemID }
    }

    /// The `limit` most popular items not in `excluded`, most popular first.
    public func top(_ limit: Int, excluding excluded: Set<Int>) -> [ScoredItem] {
        var result = [ScoredItem]()
        result.reserveCapacity(limit)
        for item in ranked where !excluded.contains(item.itemID) {
            guard result.count < limit else { break }
            result.append(item)
        }
        return result
    }

    public func score(users: [Int], data: InteractionData, into scores: inout [Float]) {
        let row = data.items.ids.map { Float(counts[$0] ?? 0) }
        scores = Array([[Float]](repeating: row, count: users.count).joined())
    }

    public mutating func update(data: InteractionData, touched: TouchedSet) {
        guard !touched.items.isEmpty else { return }
        for item in touched.items { counts[data.items.id(at: item)] = Double(data.itemUsers[item].count) }
        ranked = Self.rank(counts)
    }

    public func snapshot(data: InteractionData) -> ModelSnapshot {
        ModelSnapshot(kind: .popularity, parameters: [:], itemVectors: counts.mapValues { [Float($0)] })
    }
}
