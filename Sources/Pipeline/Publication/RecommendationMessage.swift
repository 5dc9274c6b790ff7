import Foundation

/// What the `recommendations` topic carries for one user: the complete, ordered list that is current for
/// them, so a consumer can replace its cached entry for the key wholesale. The nightly job sends one per user
/// after a run is published; the stream worker sends one for each user it refreshes.
public struct RecommendationMessage: Sendable, Hashable, Codable {
    /// Bumped only for changes a consumer must know about; new optional fields do not bump it.
    public static let currentSchemaVersion = 1

    public struct Row: Sendable, Hashable, Codable {
        public var rank: Int
        public var itemID: Int
        public var score: Double
        public var source: RecommendationSource
        public var explanation: String
        public var modelVersion: String

        public init(rank: Int, itemID: Int, score: Double, source: RecommendationSource, explanation: String, modelVersion: String) {
            self.rank = rank
            self.itemID = itemID
            self.score = score
            self.source = source
            self.explanation = explanation
            self.modelVersion = modelVersion
        }

        enum CodingKeys: String, CodingKey {
            case rank, score, source, explanation
            case itemID = "item_id"
            case modelVersion = "model_version"
        }
    }

    public var schemaVersion: Int
    public var userID: Int
    /// The run the rows belong to (`recommendation_runs.run_id`).
    public var runID: Int
    public var generatedAt: Date
    /// Ordered by rank, starting at 1; empty when the user currently has no recommendations.
    public var rows: [Row]

    public init(userID: Int, runID: Int, generatedAt: Date, rows: [Row]) {
        self.schemaVersion = Self.currentSchemaVersion
        self.userID = userID
        self.runID = runID
        self.generatedAt = generatedAt
        self.rows = rows
    }

    /// The message for a freshly ranked list, as the stream worker has it after `RecommendationStore.replace`.
    public init(userID: Int, runID: Int, generatedAt: Date, items: [RankedItem], source: RecommendationSource, modelVersion: String) {
        self.init(userID: userID, runID: runID, generatedAt: generatedAt, rows: items.enumerated().map { index, item in
            Row(rank: index + 1, itemID: item.itemID, score: item.score, source: source,
                explanation: item.explanation, modelVersion: modelVersion)
        })
    }

    enum CodingKeys: String, CodingKey {
        case rows
        case schemaVersion = "schema_version"
        case userID = "user_id"
        case runID = "run_id"
        case generatedAt = "generated_at"
    }
}
