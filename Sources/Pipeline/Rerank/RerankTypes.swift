/// Where a published row's order came from.
public enum RecommendationSource: String, Sendable, Codable, CaseIterable {
    /// Reranked by the LLM.
    case llm
    /// The candidate model's ranking (LLM off, over budget, or failing).
    case model
    /// Popularity, for users the models know nothing about.
    case popular
}

/// A candidate handed to the reranker, in the candidate model's order.
public struct Candidate: Sendable, Hashable {
    public var item: Item
    public var score: Double

    public init(item: Item, score: Double) {
        self.item = item
        self.score = score
    }
}

/// What a reranker is asked: one user's profile and history and the candidates to order.
public struct RerankRequest: Sendable {
    public var userID: Int
    public var profile: UserProfile
    public var candidates: [Candidate]
    /// How many ranked items to return.
    public var limit: Int
    /// Where the candidates came from: the source published when the reranker falls back to their order.
    public var candidateSource: RecommendationSource

    public init(userID: Int, profile: UserProfile, candidates: [Candidate], limit: Int, candidateSource: RecommendationSource = .model) {
        self.userID = userID
        self.profile = profile
        self.candidates = candidates
        self.limit = limit
        self.candidateSource = candidateSource
    }
}

/// One published recommendation.
public struct RankedItem: Sendable, Hashable {
    public var itemID: Int
    public var score: Double
    public var explanation: String
    public var explanationSource: ExplanationSource

    public init(itemID: Int, score: Double, explanation: String, explanationSource: ExplanationSource = .template) {
        self.itemID = itemID
        self.score = score
        self.explanation = explanation
        self.explanationSource = explanationSource
    }
}

/// Tokens an LLM call consumed, as reported by the endpoint's `usage`.
public struct TokenUsage: Sendable, Hashable, Codable {
    public var promptTokens: Int
    public var completionTokens: Int

    public init(promptTokens: Int, completionTokens: Int) {
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
    }

    public var totalTokens: Int { promptTokens + completionTokens }

    /// The sum of the known usages; nil when none is known.
    public static func sum(_ usages: [TokenUsage?]) -> TokenUsage? {
        let known = usages.compactMap { $0 }
        guard !known.isEmpty else { return nil }
        return TokenUsage(promptTokens: known.reduce(0) { $0 + $1.promptTokens },
                          completionTokens: known.reduce(0) { $0 + $1.completionTokens })
    }
}

public struct RerankResult: Sendable {
    public var items: [RankedItem]
    public var source: RecommendationSource
    /// Everything the LLM calls for this user cost, a new profile summary included.
    public var usage: TokenUsage?
    /// A profile summary written on the way (`SummarizingReranker`), for the caller to store.
    public var summary: SummaryOutcome?

    public init(items: [RankedItem], source: RecommendationSource, usage: TokenUsage?, summary: SummaryOutcome? = nil) {
        self.items = items
        self.source = source
        self.usage = usage
        self.summary = summary
    }
}

/// Orders candidates for a user. Implementations must return only candidate items.
public protocol Reranker: Sendable {
    func rerank(_ request: RerankRequest) async throws -> RerankResult
}
