import LinearAlgebra

/// Genre/decade similarity between an item and the items in a user's history: the only signal a brand-new
/// item has, so candidate generation uses it to let new items surface before anyone interacts with them.
public struct ContentModel: RecommenderModel {
    public var kind: ModelKind { .content }
    /// Per item id: unit-length vector of genre flags and a one-hot release decade.
    private var vectors: [Int: [Float]]
    /// ML-100K's genres, then any other genre the catalogue uses (ML-20M's "IMAX", "Children"), in name order.
    private let genres: [String]

    public init(items: [Item]) {
        let known = Set(MovieLensDataset.genreNames)
        let genres = MovieLensDataset.genreNames + Set(items.flatMap(\.genres)).subtracting(known).sorted()
        self.genres = genres
        vectors = Dictionary(items.map { ($0.id, Self.vector(for: $0, genres: genres)) }, uniquingKeysWith: { _, last in last })
    }

    static let decades = Array(stride(from: 1920, through: 2020, by: 10))

    static func vector(for item: Item, genres: [String]) -> [Float] {
        var vector = genres.map { item.genres.contains($0) ? Float(1) : 0 }
        let decade = item.year.map { year in decades.lastIndex { $0 <= year } ?? 0 }
        vector += decades.indices.map { $0 == decade ? 0.5 : 0 }
        let norm = vector.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return norm > 0 ? vector.map { $0 / norm } : vector
    }

    /// Adds or replaces item metadata (e.g. when the catalogue loader fills in a stub).
    public mutating func upsert(_ item: Item) { vectors[item.id] = Self.vector(for: item, genres: genres) }

    /// A user's profile is the sum of their items' vectors; scores are profiles · item vectorsᵀ, one `sgemm` per
    /// call (a loop of dot products here was most of the stream refresher's CPU at 50,000 users).
    public func score(users: [Int], data: InteractionData, into scores: inout [Float]) {
        let width = genres.count + Self.decades.count
        var itemVectors = Matrix(rows: data.itemCount, columns: width)
        for (index, id) in data.items.ids.enumerated() {
            if let vector = vectors[id] { itemVectors.setRow(index, to: vector[...]) }
        }
        var profiles = Matrix(rows: users.count, columns: width)
        for (slot, user) in users.enumerated() {
            for item in data.userItems[user] {
                for d in 0..<width { profiles.storage[slot * width + d] += itemVectors.storage[Int(item) * width + d] }
            }
        }
        BLAS.multiply(profiles, rows: 0..<users.count, byTransposeOf: itemVectors, into: &scores)
    }

    /// Profiles are computed from the current history at scoring time: nothing to update.
    public mutating func update(data: InteractionData, touched: TouchedSet) {}

    public func snapshot(data: InteractionData) -> ModelSnapshot {
        ModelSnapshot(kind: .content, parameters: [:], itemVectors: vectors)
    }
}
