import Foundation
import LinearAlgebra

/// Derives watch and purchase events from MovieLens ratings with a seeded, documented model (docs/transactions.md),
/// standing in for the "simulated purchase transactions and watch history" of the study.
///
/// Per rated movie (rating r at time t):
/// - one watch just before the rating, at `t − U(0.5 h, 3 h)`, watched fraction
///   `clip(watchedFraction[r] + U(−0.1, 0.1), 0.05, 1)`;
/// - re-watches: `Poisson(rewatchRate[r])` more full-ish watches (fraction `U(0.8, 1)`), each `Exp(30 days)` after t;
/// - a purchase with probability `purchaseProbability[r]`, a few minutes before the first watch.
/// Per user, `unratedShare × (rated movies)` (rounded) watches of movies they never rated, drawn from their
/// genres (genre counts of their ratings ≥ 4, plus one) times the movie's rating count plus one, fraction `U(0.1, 1)`,
/// at a uniform time in the user's rating span; each is bought with probability `unratedPurchase × fraction`.
/// Prices: `PriceTier` draws (rental 2.99 / 3.99, purchase 9.99 / 14.99 with probabilities 0.6 / 0.25 / 0.1 / 0.05).
/// Watches carry `value` = the watched fraction (0…1), purchases the price; both follow event contract v1.
public struct TransactionSimulator: Sendable {
    public struct PriceTier: Sendable, Hashable {
        public var price: Double
        public var probability: Double
    }

    public struct Parameters: Sendable, Hashable {
        /// Indexed by rating − 1.
        public var watchedFraction: [Double] = [0.35, 0.55, 0.75, 0.9, 0.97]
        public var rewatchRate: [Double] = [0, 0.02, 0.08, 0.25, 0.6]
        public var purchaseProbability: [Double] = [0.01, 0.02, 0.05, 0.15, 0.3]
        /// Unrated watches per rated movie.
        public var unratedShare = 0.2
        /// Purchase probability of an unrated watch, times its watched fraction.
        public var unratedPurchase = 0.1
        public var prices = [PriceTier(price: 2.99, probability: 0.6), PriceTier(price: 3.99, probability: 0.25),
                             PriceTier(price: 9.99, probability: 0.1), PriceTier(price: 14.99, probability: 0.05)]

        public init() {}
    }

    public var parameters: Parameters
    public var seed: UInt64

    public init(parameters: Parameters = .init(), seed: UInt64 = 42) {
        self.parameters = parameters
        self.seed = seed
    }

    /// Watch and purchase events for every user of `ratings`, in timestamp order (ties by user, item, id).
    /// Deterministic for a seed; each user draws from their own generator, so adding a user changes nobody else.
    public func events(ratings: [Rating], items: [Item]) -> [InteractionEvent] {
        let genresByItem = Dictionary(items.map { ($0.id, $0.genres) }, uniquingKeysWith: { first, _ in first })
        var popularity = [Int: Int]()
        for rating in ratings { popularity[rating.itemID, default: 0] += 1 }
        let catalogue = items.map(\.id).sorted()
        let byUser = Dictionary(grouping: ratings, by: \.userID)
        var events = [InteractionEvent]()
        for user in byUser.keys.sorted() {
            let history = byUser[user]!.sorted { ($0.timestamp, $0.itemID) < ($1.timestamp, $1.itemID) }
            var rng = SeededGenerator(seed: seed ^ (UInt64(user) &* 0x9E37_79B9_7F4A_7C15))
            for rating in history { events += ratedTransactions(rating, rng: &rng) }
            events += unratedWatches(user: user, history: history, catalogue: catalogue, genres: genresByItem,
                                     popularity: popularity, rng: &rng)
        }
        return events.sorted { ($0.timestamp, $0.userID, $0.itemID, $0.eventID) < ($1.timestamp, $1.userID, $1.itemID, $1.eventID) }
    }

    private func ratedTransactions(_ rating: Rating, rng: inout SeededGenerator) -> [InteractionEvent] {
        let level = min(max(Int(rating.value.rounded()), 1), 5) - 1
        let t = Double(rating.timestamp)
        let prefix = "sim-\(rating.userID)-\(rating.itemID)"
        let firstWatch = t - uniform(1_800, 10_800, &rng)
        let fraction = min(max(parameters.watchedFraction[level] + uniform(-0.1, 0.1, &rng), 0.05), 1)
        var events = [event(prefix + "-w0", rating.userID, rating.itemID, .watch, rounded(fraction), firstWatch)]
        for rewatch in 0..<poisson(parameters.rewatchRate[level], &rng) {
            let at = t + exponential(mean: 30 * 86_400, &rng)
            events.append(event(prefix + "-w\(rewatch + 1)", rating.userID, rating.itemID, .watch, rounded(uniform(0.8, 1, &rng)), at))
        }
        if rng.nextDouble() < parameters.purchaseProbability[level] {
            events.append(event(prefix + "-p", rating.userID, rating.itemID, .purchase, price(&rng), firstWatch - uniform(60, 600, &rng)))
        }
        return events
    }

    private func unratedWatches(user: Int, history: [Rating], catalogue: [Int], genres: [Int: [String]], popularity: [Int: Int],
                                rng: inout SeededGenerator) -> [InteractionEvent] {
        let count = Int((parameters.unratedShare * Double(history.count)).rounded())
        guard count > 0, let first = history.first?.timestamp, let last = history.last?.timestamp else { return [] }
        var liked = [String: Double]()
        for rating in history where rating.value >= 4 {
            for genre in genres[rating.itemID] ?? [] { liked[genre, default: 0] += 1 }
        }
        let rated = Set(history.map(\.itemID))
        let pool = catalogue.filter { !rated.contains($0) }
        let weights = pool.map { item in
            (1 + (genres[item] ?? []).reduce(0) { $0 + (liked[$1] ?? 0) }) * Double(1 + (popularity[item] ?? 0))
        }
        var chosen = Set<Int>()
        var events = [InteractionEvent]()
        var total = weights.reduce(0, +)
        var remaining = weights
        while chosen.count < min(count, pool.count), total > 0 {
            var pick = rng.nextDouble() * total
            var index = 0
            while index < remaining.count - 1 && pick >= remaining[index] { pick -= remaining[index]; index += 1 }
            let item = pool[index]
            total -= remaining[index]
            remaining[index] = 0
            chosen.insert(item)
            let fraction = uniform(0.1, 1, &rng)
            let at = Double(first) + rng.nextDouble() * Double(max(last - first, 1))
            let prefix = "sim-\(user)-\(item)"
            events.append(event(prefix + "-u", user, item, .watch, rounded(fraction), at))
            if rng.nextDouble() < parameters.unratedPurchase * fraction {
                events.append(event(prefix + "-p", user, item, .purchase, price(&rng), at - uniform(60, 600, &rng)))
            }
        }
        return events
    }

    private func event(_ id: String, _ user: Int, _ item: Int, _ type: InteractionType, _ value: Double, _ at: Double) -> InteractionEvent {
        InteractionEvent(eventID: id, userID: user, itemID: item, type: type, value: value, timestamp: at.rounded(.down))
    }

    private func price(_ rng: inout SeededGenerator) -> Double {
        var pick = rng.nextDouble()
        for tier in parameters.prices {
            if pick < tier.probability { return tier.price }
            pick -= tier.probability
        }
        return parameters.prices.last?.price ?? 0
    }

    private func rounded(_ fraction: Double) -> Double { (fraction * 100).rounded() / 100 }

    private func uniform(_ low: Double, _ high: Double, _ rng: inout SeededGenerator) -> Double {
        low + rng.nextDouble() * (high - low)
    }

    private func exponential(mean: Double, _ rng: inout SeededGenerator) -> Double {
        -mean * log1p(-rng.nextDouble())
    }

    /// Knuth's method: fine for the small rates used here.
    private func poisson(_ rate: Double, _ rng: inout SeededGenerator) -> Int {
        guard rate > 0 else { return 0 }
        let limit = exp(-rate)
        var product = rng.nextDouble(), count = 0
        while product > limit { product *= rng.nextDouble(); count += 1 }
        return count
    }
}
