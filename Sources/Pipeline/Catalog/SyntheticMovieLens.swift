import LinearAlgebra

/// Generates a small MovieLens-shaped dataset with latent taste structure, so the demo and the tests run
/// without downloading anything: users prefer two of the genres and rate items in them higher.
public struct SyntheticMovieLens: Sendable {
    public var users: Int
    public var items: Int
    public var ratingsPerUser: Int
    public var seed: UInt64

    public init(users: Int = 60, items: Int = 300, ratingsPerUser: Int = 30, seed: UInt64 = 42) {
        self.users = users
        self.items = items
        self.ratingsPerUser = ratingsPerUser
        self.seed = seed
    }

    static let titleWords = ["Midnight", "River", "Empire", "Silent", "Golden", "Last", "Broken", "Crimson", "Hidden", "Star",
                             "Winter", "Iron", "Lost", "Wild", "Paper", "Glass", "Electric", "Northern", "Secret", "Blue"]
    static let titleNouns = ["Garden", "Road", "Heart", "City", "Storm", "Letter", "Kingdom", "Harbor", "Machine", "Summer",
                             "Detective", "Voyage", "Promise", "Echo", "Frontier", "Orchard", "Signal", "Crown", "Island", "Dance"]
    static let occupations = ["student", "engineer", "educator", "programmer", "artist", "writer", "doctor", "librarian", "retired", "other"]

    public func generate() -> MovieLensDataset {
        var rng = SeededGenerator(seed: seed)
        let genres = Array(MovieLensDataset.genreNames.dropFirst())
        let catalogue: [Item] = (1...items).map { id in
            let first = genres[Int(rng.next() % UInt64(genres.count))]
            var itemGenres = [first]
            if rng.next() % 2 == 0 {
                let second = genres[Int(rng.next() % UInt64(genres.count))]
                if second != first { itemGenres.append(second) }
            }
            let title = "\(Self.titleWords[Int(rng.next() % 20)]) \(Self.titleNouns[Int(rng.next() % 20)])"
            return Item(id: id, title: title, year: 1950 + Int(rng.next() % 50), genres: itemGenres.sorted())
        }
        // Popularity follows a power law, as in real catalogues.
        let popularity = (0..<items).map { 1.0 / Double($0 + 1).squareRoot() }
        let totalPopularity = popularity.reduce(0, +)
        var demographics = [UserDemographics]()
        var ratings = [Rating]()
        let start: Int64 = 880_000_000
        for user in 1...users {
            demographics.append(UserDemographics(
                id: user, age: 18 + Int(rng.next() % 50), gender: rng.next() % 2 == 0 ? "M" : "F",
                occupation: Self.occupations[Int(rng.next() % UInt64(Self.occupations.count))],
                zip: String(10000 + Int(rng.next() % 89999))))
            let liked = Set([genres[Int(rng.next() % UInt64(genres.count))], genres[Int(rng.next() % UInt64(genres.count))]])
            var rated = Set<Int>()
            let wanted = min(ratingsPerUser, items)
            var attempts = 0
            while rated.count < wanted && attempts < wanted * 50 {
                attempts += 1
                var pick = rng.nextDouble() * totalPopularity
                var index = 0
                while index < items - 1 && pick > popularity[index] { pick -= popularity[index]; index += 1 }
                let item = catalogue[index]
                let likes = !liked.isDisjoint(with: item.genres)
                // Users seek out their genres: skip most other items.
                if !likes && rng.nextDouble() < 0.6 { continue }
                guard rated.insert(item.id).inserted else { continue }
                let base = likes ? 4.2 : 2.6
                let value = max(1, min(5, (base + (rng.nextDouble() - 0.5) * 2).rounded()))
                let timestamp = start + Int64(user) * 1_000 + Int64(rated.count) * 86_400 + Int64(rng.next() % 3_600)
                ratings.append(Rating(userID: user, itemID: item.id, value: Float(value), timestamp: timestamp))
            }
        }
        return MovieLensDataset(items: catalogue, users: demographics, ratings: ratings)
    }
}
