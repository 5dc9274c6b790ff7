import Pipeline

/// Small, fixed rerank requests: a user who likes crime dramas and a handful of candidates.
public enum RerankFixtures {
    public static let history: [HistoryEntry] = [
        HistoryEntry(item: Item(id: 100, title: "Fargo", year: 1996, genres: ["Crime", "Drama", "Thriller"]), type: .rating, value: 5, timestamp: 900_000_000),
        HistoryEntry(item: Item(id: 127, title: "Godfather, The", year: 1972, genres: ["Action", "Crime", "Drama"]), type: .rating, value: 5, timestamp: 899_000_000),
        HistoryEntry(item: Item(id: 1, title: "Toy Story", year: 1995, genres: ["Animation", "Children's", "Comedy"]), type: .rating, value: 2, timestamp: 898_000_000),
    ]

    public static let catalogue: [Item] = [
        Item(id: 50, title: "Star Wars", year: 1977, genres: ["Action", "Adventure", "Romance", "Sci-Fi", "War"]),
        Item(id: 56, title: "Pulp Fiction", year: 1994, genres: ["Crime", "Drama"]),
        Item(id: 98, title: "Silence of the Lambs, The", year: 1991, genres: ["Drama", "Thriller"]),
        Item(id: 71, title: "Lion King, The", year: 1994, genres: ["Animation", "Children's", "Musical"]),
        Item(id: 12, title: "Usual Suspects, The", year: 1995, genres: ["Crime", "Thriller"]),
        Item(id: 222, title: "Star Trek: First Contact", year: 1996, genres: ["Action", "Adventure", "Sci-Fi"]),
    ]

    public static func profile(userID: Int = 7) -> UserProfile {
        UserProfile(
            userID: userID, demographics: UserDemographics(id: userID, age: 31, gender: "F", occupation: "writer", zip: "02139"),
            countsByType: [.rating: 3], ratingCount: 3, ratingSum: 12, ratingSumOfSquares: 54,
            firstSeen: 898_000_000, lastSeen: 900_000_000, recentHistory: history)
    }

    public static func request(userID: Int = 7, candidates count: Int = 4, limit: Int = 3) -> RerankRequest {
        let candidates = catalogue.prefix(count).enumerated().map { Candidate(item: $1, score: 1 - Double($0) * 0.1) }
        return RerankRequest(userID: userID, profile: profile(userID: userID), candidates: candidates, limit: limit)
    }
}
