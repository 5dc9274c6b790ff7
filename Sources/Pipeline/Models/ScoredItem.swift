/// An item with a model score; higher is better, and scores are comparable only within one model.
public struct ScoredItem: Sendable, Hashable {
    public var itemID: Int
    public var score: Double

    public init(itemID: Int, score: Double) {
        self.itemID = itemID
        self.score = score
    }
}
