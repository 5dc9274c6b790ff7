import LinearAlgebra

/// Train/test splits of ratings for offline evaluation; all deterministic for a seed.
public struct RatingSplit: Sendable {
    public var train: [Rating]
    public var test: [Rating]

    public init(train: [Rating], test: [Rating]) {
        self.train = train
        self.test = test
    }

    /// Per user, a random `testFraction` of their ratings (rounded half up) goes to test; users with fewer
    /// than `minimumRatings` stay wholly in train. Users are visited in ascending id order and each user's
    /// ratings sorted by item id before a seeded Fisher–Yates shuffle picks the test positions.
    public static func perUserRandom(_ ratings: [Rating], testFraction: Double = 0.2, minimumRatings: Int = 5,
                                     seed: UInt64) -> RatingSplit {
        var generator = SeededGenerator(seed: seed)
        var split = RatingSplit(train: [], test: [])
        for (_, userRatings) in grouped(ratings) {
            let sorted = userRatings.sorted { $0.itemID < $1.itemID }
            guard sorted.count >= minimumRatings else { split.train += sorted; continue }
            let testCount = Int((testFraction * Double(sorted.count) + 0.5).rounded(.down))
            var positions = Array(sorted.indices)
            positions.shuffle(using: &generator)
            let testPositions = Set(positions.prefix(testCount))
            for (position, rating) in sorted.enumerated() {
                if testPositions.contains(position) { split.test.append(rating) } else { split.train.append(rating) }
            }
        }
        return split
    }

    /// Each user's latest rating (ties broken by higher item id) is the test item; users with a single
    /// rating stay in train.
    public static func leaveLatestOut(_ ratings: [Rating]) -> RatingSplit {
        var split = RatingSplit(train: [], test: [])
        for (_, userRatings) in grouped(ratings) {
            guard userRatings.count > 1 else { split.train += userRatings; continue }
            let latest = userRatings.max { ($0.timestamp, $0.itemID) < ($1.timestamp, $1.itemID) }!
            split.test.append(latest)
            split.train += userRatings.filter { $0.itemID != latest.itemID }
        }
        return split
    }

    /// Ratings grouped by user, in ascending user id.
    static func grouped(_ ratings: [Rating]) -> [(Int, [Rating])] {
        Dictionary(grouping: ratings, by: \.userID).sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }
}
