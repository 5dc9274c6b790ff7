extension UserProfile {
    /// The profile aggregates `ProfileStore` reads from the per-batch SQL upserts (counts by type, rating sums,
    /// first and last seen, recent history), computed from a user's events in memory: the one implementation for
    /// the nightly snapshot (`SnapshotIndex`) and offline data (`FinetuneExamples`, `RerankCase`).
    /// - Parameter events: the user's events, newest first.
    public static func aggregate(userID: Int, events: some Collection<InteractionEvent>, item: (Int) -> Item,
                                 demographics: UserDemographics?, historyLength: Int) -> UserProfile {
        var profile = UserProfile(userID: userID, demographics: demographics)
        for event in events {
            profile.countsByType[event.type, default: 0] += 1
            if event.type == .rating {
                profile.ratingCount += 1
                profile.ratingSum += event.value
                profile.ratingSumOfSquares += event.value * event.value
            }
            profile.firstSeen = min(profile.firstSeen ?? event.timestamp, event.timestamp)
            profile.lastSeen = max(profile.lastSeen ?? event.timestamp, event.timestamp)
        }
        profile.recentHistory = events.prefix(historyLength).map {
            HistoryEntry(item: item($0.itemID), type: $0.type, value: $0.value, timestamp: $0.timestamp)
        }
        return profile
    }
}
