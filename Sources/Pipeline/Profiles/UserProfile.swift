import Foundation

/// One entry of a user's recent history, newest first in a profile.
public struct HistoryEntry: Sendable, Hashable {
    public var item: Item
    public var type: InteractionType
    public var value: Double
    public var timestamp: Double

    public init(item: Item, type: InteractionType, value: Double, timestamp: Double) {
        self.item = item
        self.type = type
        self.value = value
        self.timestamp = timestamp
    }
}

/// Everything the worker knows about a user, aggregated from interactions.
public struct UserProfile: Sendable, Hashable {
    public var userID: Int
    public var demographics: UserDemographics?
    public var countsByType: [InteractionType: Int]
    public var ratingCount: Int
    public var ratingSum: Double
    public var ratingSumOfSquares: Double
    public var firstSeen: Double?
    public var lastSeen: Double?
    /// Newest first.
    public var recentHistory: [HistoryEntry]
    /// Decayed genre sums over the whole history (stream profiles); nil where only recent history is known.
    public var genreWeights: GenreWeights?
    /// When the user is active (stream profiles); empty where unknown.
    public var activity: ActivityHistogram
    /// The stored summary (`user_profiles.summary`), when one was loaded; prompts prefer an LLM-written one.
    public var writtenSummary: WrittenSummary?

    public init(
        userID: Int, demographics: UserDemographics? = nil, countsByType: [InteractionType: Int] = [:],
        ratingCount: Int = 0, ratingSum: Double = 0, ratingSumOfSquares: Double = 0,
        firstSeen: Double? = nil, lastSeen: Double? = nil, recentHistory: [HistoryEntry] = [],
        genreWeights: GenreWeights? = nil, activity: ActivityHistogram = ActivityHistogram(), writtenSummary: WrittenSummary? = nil
    ) {
        self.userID = userID
        self.demographics = demographics
        self.countsByType = countsByType
        self.ratingCount = ratingCount
        self.ratingSum = ratingSum
        self.ratingSumOfSquares = ratingSumOfSquares
        self.firstSeen = firstSeen
        self.lastSeen = lastSeen
        self.recentHistory = recentHistory
        self.genreWeights = genreWeights
        self.activity = activity
        self.writtenSummary = writtenSummary
    }

    public var eventCount: Int { countsByType.values.reduce(0, +) }

    public var ratingMean: Double? { ratingCount > 0 ? ratingSum / Double(ratingCount) : nil }

    public var ratingStandardDeviation: Double? {
        guard ratingCount > 1, let mean = ratingMean else { return nil }
        let variance = max(0, ratingSumOfSquares / Double(ratingCount) - mean * mean)
        return variance.squareRoot()
    }

    /// Genre weights, strongest first: each interaction's weight (rating centred on the user's mean, or 1
    /// for implicit events) halves per `halfLifeDays` of age. From the stored whole-history sums when the
    /// profile has them (their half-life is fixed, `GenreWeights.halfLifeDays`), else from recent history.
    public func genreAffinity(halfLifeDays: Double = GenreWeights.halfLifeDays) -> [(genre: String, weight: Double)] {
        if let genreWeights, !genreWeights.isEmpty { return genreWeights.affinity(ratingMean: ratingMean) }
        guard let newest = recentHistory.first?.timestamp else { return [] }
        let mean = ratingMean ?? 3
        var weights = [String: Double]()
        for entry in recentHistory {
            let ageDays = max(0, newest - entry.timestamp) / 86_400
            let decay = exp2(-ageDays / halfLifeDays)
            let base = entry.type == .rating ? (entry.value - mean + 1) : 1
            for genre in entry.item.genres { weights[genre, default: 0] += base * decay }
        }
        return weights.filter { $0.value > 0 }
            .sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
            .map { (genre: $0.key, weight: $0.value) }
    }
}
