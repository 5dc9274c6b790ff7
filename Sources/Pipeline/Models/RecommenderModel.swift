import LinearAlgebra

/// What every recworker model offers, so evaluation, candidate blending, the stream worker and the
/// nightly job treat them alike. Models are values: `update` mutates a copy the caller owns.
///
/// All indices are dense indices of one shared `InteractionData` (see `ModelSet`), which the caller
/// updates *before* calling `update(data:touched:)`.
public protocol RecommenderModel: Sendable {
    var kind: ModelKind { get }

    /// Writes the score of every item (`data.itemCount` columns, dense item order) for each of `users`
    /// into `scores`, row-major. Higher is better; scores compare only within one model and one user.
    func score(users: [Int], data: InteractionData, into scores: inout [Float])

    /// Brings the model up to date with interactions added since it was fitted or last updated, touching
    /// only the users/items in `touched` (fold-in, bounded SGD steps, neighbour-count updates).
    /// It never changes the model version: only a full refit does.
    mutating func update(data: InteractionData, touched: TouchedSet)

    /// The learned state, one vector per item/user, for `ModelStore`.
    func snapshot(data: InteractionData) -> ModelSnapshot
}

extension RecommenderModel {
    /// The `limit` best items for a user that are not in their history, best first.
    public func top(_ limit: Int, forUser user: Int, data: InteractionData) -> [ScoredItem] {
        var row = [Float]()
        score(users: [user], data: data, into: &row)
        for item in data.userItems[user] { row[Int(item)] = -.infinity }
        return TopK.select(row, k: limit).map { ScoredItem(itemID: data.items.id(at: Int($0.index)), score: Double($0.score)) }
    }
}
