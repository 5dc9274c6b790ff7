/// A rendered rerank prompt and what is needed to read the answer back.
public struct RerankPrompt: Sendable, Hashable {
    public var system: String
    public var user: String
    /// The short ids shown, in the order shown; `shownItemIDs` holds the item each stands for.
    public var shownIDs: [String]
    public var shownItemIDs: [Int]
    /// How many ranked entries the answer must hold.
    public var rankCount: Int
    public var historyShown: Int
    public var estimatedPromptTokens: Int
    /// `max_tokens` for the call: enough for `rankCount` entries with full-length reasons.
    public var maxCompletionTokens: Int
    /// False when even the shortest prompt (no history, `rankCount` candidates) exceeds the budget.
    public var withinBudget: Bool

    public var estimatedTotalTokens: Int { estimatedPromptTokens + maxCompletionTokens }

    /// Short id → item id, for reading answers.
    public var itemIDByShortID: [String: Int] {
        Dictionary(zip(shownIDs, shownItemIDs), uniquingKeysWith: { first, _ in first })
    }
}
