import Foundation
import LinearAlgebra

/// Generates a synthetic dataset with a real release's shape (`MovieLensShape`): its user, movie and rating
/// counts, power-law movie popularity, heavy-tailed user activity (at least 20 ratings each, median and mean as
/// published), the release's rating distribution and genre mix, and sparse movie ids where the release has them.
///
/// Tastes are latent: genres have random directions in an 8-dimensional space, movies sit near their genres'
/// mean and users near two genres. Users pick movies by popularity, accepting each with probability
/// exp(β(u·v − 1)), and rate by u·v plus movie and user biases and noise, cut at the quantiles that give the
/// release's rating shares. So models have something to learn, and popularity alone is a real baseline.
public struct ShapedMovieLens: Sendable {
    public var shape: MovieLensShape
    public var seed: UInt64

    public init(shape: MovieLensShape, seed: UInt64 = 42) {
        self.shape = shape
        self.seed = seed
    }

    static let dimensions = 8
    static let acceptance: Float = 2
    static let titleWords = ["Midnight", "River", "Empire", "Silent", "Golden", "Last", "Broken", "Crimson", "Hidden", "Star",
                             "Winter", "Iron", "Lost", "Wild", "Paper", "Glass", "Café", "Northern", "Secret", "Señor"]
    static let titleNouns = ["Garden", "Road", "Heart", "City", "Storm", "Letter", "Kingdom", "Harbor", "Machine", "Summer",
                             "Detective", "Voyage", "Promise", "Echo", "Frontier", "Orchard", "Signal", "Crown", "Island", "Dance"]

    public func generate() -> MovieLensDataset {
        var rng = SeededGenerator(seed: seed)
        let genres = shape.genreShares.keys.sorted()
        let centroids = genres.map { _ in Self.unit(Self.gaussianVector(&rng)) }
        let movieCount = shape.movies
        var items = [Item]()
        items.reserveCapacity(movieCount)
        var itemVectors = [Float](repeating: 0, count: movieCount * Self.dimensions)
        var itemQuality = [Float](repeating: 0, count: movieCount)
        var nextID = 0
        for index in 0..<movieCount {
            nextID += Double(index) < shape.denseIDFraction * Double(movieCount) ? 1 : 1 + rng.index(below: 9)
            var chosen = genres.indices.filter { rng.nextDouble() < shape.genreShares[genres[$0]]! }
            // Every movie has a genre; a uniform pick for the fifth that drew none keeps the shares close.
            if chosen.isEmpty { chosen = [rng.index(below: genres.count)] }
            var vector = Self.gaussianVector(&rng).map { $0 * 0.6 }
            for genre in chosen { for d in 0..<Self.dimensions { vector[d] += centroids[genre][d] } }
            vector = Self.unit(vector)
            itemVectors.replaceSubrange(index * Self.dimensions ..< (index + 1) * Self.dimensions, with: vector)
            itemQuality[index] = Self.gaussian(&rng) * 0.35
            let year = 1930 + Int(85 * (1 - pow(rng.nextDouble(), 2.5)))
            var title = "\(Self.titleWords[rng.index(below: 20)]) \(Self.titleNouns[rng.index(below: 20)])"
            // Like the real files: "Garden, The" is the title with a comma that CSV must quote.
            if rng.index(below: 10) == 0 { title += ", The" }
            items.append(Item(id: nextID, title: "\(title) \(index + 1)", year: year, genres: chosen.map { genres[$0] }))
        }
        // Popularity: a power law over a random order of the movies.
        var byPopularity = Array(0..<movieCount)
        byPopularity.shuffle(using: &rng)
        let offset = 10 + Double(movieCount) / 400
        var cumulative = [Double](repeating: 0, count: movieCount)
        var total = 0.0
        for rank in 0..<movieCount {
            total += pow(Double(rank) + offset, -1.1)
            cumulative[rank] = total
        }

        let counts = activity(&rng)
        var users = [UserDemographics]()
        var ratings = [Rating]()
        ratings.reserveCapacity(counts.reduce(0, +))
        var rawScores = [Float]()
        rawScores.reserveCapacity(ratings.capacity)
        // taken[item] == user + 1 marks the items this user already rated, without a set per user.
        var taken = [Int32](repeating: 0, count: movieCount)
        let span = shape.timeRange.upperBound - shape.timeRange.lowerBound
        for (user, count) in counts.enumerated() {
            let userID = user + 1
            if shape.layout.usersFile != nil { users.append(demographics(userID, &rng)) }
            let first = rng.index(below: genres.count), second = rng.index(below: genres.count)
            var taste = Self.gaussianVector(&rng).map { $0 * 0.5 }
            for d in 0..<Self.dimensions { taste[d] += centroids[first][d] + centroids[second][d] }
            taste = Self.unit(taste)
            let bias = Self.gaussian(&rng) * 0.35
            var time = shape.timeRange.lowerBound + Int64(rng.nextDouble() * Double(span) * 0.9)
            var rated = 0, attempts = 0
            while rated < count, attempts < count * 400 {
                attempts += 1
                let rank = Self.search(cumulative, rng.nextDouble() * total)
                let item = byPopularity[rank]
                guard taken[item] != Int32(user + 1) else { continue }
                let affinity = Self.dot(taste, itemVectors, item)
                guard Float(rng.nextDouble()) < exp(Self.acceptance * (affinity - 1)) else { continue }
                taken[item] = Int32(user + 1)
                rated += 1
                time += Int64(5 + rng.index(below: rng.index(below: 50) == 0 ? 2_000_000 : 600))
                ratings.append(Rating(userID: userID, itemID: items[item].id, value: 0, timestamp: min(time, shape.timeRange.upperBound)))
                rawScores.append(affinity + itemQuality[item] + bias + Self.gaussian(&rng) * 0.45)
            }
        }
        let thresholds = Self.cutPoints(rawScores, shares: shape.ratingShares)
        for index in ratings.indices {
            let level = thresholds.firstIndex { rawScores[index] < $0 } ?? thresholds.count
            ratings[index].value = shape.ratingValues[level]
        }
        return MovieLensDataset(items: items, users: users, ratings: ratings, layout: shape.layout)
    }

    /// Ratings per user: 20 plus a log-normal with the release's median, scaled to its total.
    private func activity(_ rng: inout SeededGenerator) -> [Int] {
        let minimum = Double(shape.minimumRatingsPerUser)
        let median = max(1, shape.medianRatingsPerUser - minimum), mean = max(median * 1.01, shape.meanRatingsPerUser - minimum)
        let sigma = (2 * log(mean / median)).squareRoot()
        let cap = Double(shape.movies) / 3
        let raw = (0..<shape.users).map { _ in min(cap, median * exp(sigma * Double(Self.gaussian(&rng)))) }
        let scale = (Double(shape.ratings) - minimum * Double(shape.users)) / max(1, raw.reduce(0, +))
        return raw.map { Int(minimum + min(cap, $0 * scale)) }
    }

    private func demographics(_ id: Int, _ rng: inout SeededGenerator) -> UserDemographics {
        // ML-1M's shares of its age bands (stored as the band code, as users.dat does).
        let bands: [(Int, Double)] = [(1, 0.037), (18, 0.183), (25, 0.347), (35, 0.198), (45, 0.091), (50, 0.082), (56, 0.062)]
        var pick = rng.nextDouble(), age = 56
        for (code, share) in bands { if pick < share { age = code; break }; pick -= share }
        return UserDemographics(id: id, age: age, gender: rng.nextDouble() < 0.717 ? "M" : "F",
                                occupation: MovieLensDatFiles.occupations[rng.index(below: MovieLensDatFiles.occupations.count)],
                                zip: String(10_000 + rng.index(below: 89_999)))
    }

    /// The thresholds between rating levels: the score quantiles at the cumulative shares.
    static func cutPoints(_ scores: [Float], shares: [Double]) -> [Float] {
        guard !scores.isEmpty else { return [] }
        let step = max(1, scores.count / 200_000)
        let sample = stride(from: 0, to: scores.count, by: step).map { scores[$0] }.sorted()
        var cumulative = 0.0
        return shares.dropLast().map { share in
            cumulative += share
            return sample[min(sample.count - 1, Int(cumulative * Double(sample.count)))]
        }
    }

    static func search(_ cumulative: [Double], _ target: Double) -> Int {
        var low = 0, high = cumulative.count - 1
        while low < high {
            let middle = (low + high) / 2
            if cumulative[middle] < target { low = middle + 1 } else { high = middle }
        }
        return low
    }

    static func dot(_ taste: [Float], _ vectors: [Float], _ item: Int) -> Float {
        var total: Float = 0
        for d in 0..<dimensions { total += taste[d] * vectors[item * dimensions + d] }
        return total
    }

    static func gaussian(_ rng: inout SeededGenerator) -> Float {
        let u = max(rng.nextDouble(), 1e-12), v = rng.nextDouble()
        return Float((-2 * log(u)).squareRoot() * cos(2 * .pi * v))
    }

    static func gaussianVector(_ rng: inout SeededGenerator) -> [Float] { (0..<dimensions).map { _ in gaussian(&rng) } }

    static func unit(_ vector: [Float]) -> [Float] {
        let norm = vector.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return norm > 0 ? vector.map { $0 / norm } : vector
    }
}
