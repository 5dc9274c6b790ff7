import Pipeline
import XCTest

/// `simulate --transactions`: deterministic for a seed, consistent with the ratings it is derived from, and
/// valid under event contract v1.
final class TransactionSimulatorTests: XCTestCase {
    private let dataset = SyntheticMovieLens(users: 80, items: 200, ratingsPerUser: 40, seed: 3).generate()

    private func simulate(seed: UInt64 = 7) -> [InteractionEvent] {
        TransactionSimulator(seed: seed).events(ratings: dataset.ratings, items: dataset.items)
    }

    func testTheSameSeedGivesTheSameEventsAndAnotherSeedDoesNot() {
        let first = simulate(), second = simulate()
        XCTAssertEqual(first, second)
        XCTAssertNotEqual(first, simulate(seed: 8))
        XCTAssertEqual(Set(first.map(\.eventID)).count, first.count, "event ids are unique")
    }

    func testEveryEventIsValidUnderTheContract() {
        for event in simulate() {
            XCTAssertEqual(try EventCodec.decode(EventCodec.encode(event)).get(), event)
        }
    }

    func testWatchesPrecedeTheirRatingAndRiseWithIt() throws {
        let events = simulate()
        let ratings = Dictionary(dataset.ratings.map { ("\($0.userID)-\($0.itemID)", $0) }, uniquingKeysWith: { first, _ in first })
        var fractionsByRating = [Int: [Double]]()
        var rewatchesByRating = [Int: Int]()
        for event in events where event.type == .watch {
            guard let rating = ratings["\(event.userID)-\(event.itemID)"] else { continue }
            if event.eventID.hasSuffix("-w0") {
                XCTAssertLessThan(event.timestamp, Double(rating.timestamp), "the first watch comes before the rating")
                XCTAssertGreaterThan(event.timestamp, Double(rating.timestamp) - 4 * 3_600)
                fractionsByRating[Int(rating.value), default: []].append(event.value)
            } else {
                XCTAssertGreaterThan(event.timestamp, Double(rating.timestamp), "re-watches come after the rating")
                rewatchesByRating[Int(rating.value), default: 0] += 1
            }
            XCTAssertTrue((0...1).contains(event.value))
        }
        let mean = { (values: [Double]) in values.reduce(0, +) / Double(max(values.count, 1)) }
        let low = try XCTUnwrap(fractionsByRating[1] ?? fractionsByRating[2]), high = try XCTUnwrap(fractionsByRating[5])
        XCTAssertGreaterThan(mean(high), mean(low) + 0.3)
        let rated = Dictionary(grouping: dataset.ratings, by: { Int($0.value) }).mapValues(\.count)
        let rewatchRate = { (stars: Int) in Double(rewatchesByRating[stars] ?? 0) / Double(max(rated[stars] ?? 0, 1)) }
        XCTAssertGreaterThan(rewatchRate(5), rewatchRate(2))
    }

    func testUnratedWatchesComeFromOutsideTheHistoryAndPurchasesFollowTaste() {
        let events = simulate()
        let rated = Set(dataset.ratings.map { "\($0.userID)-\($0.itemID)" })
        let unrated = events.filter { $0.type == .watch && $0.eventID.hasSuffix("-u") }
        XCTAssertFalse(unrated.isEmpty)
        XCTAssertTrue(unrated.allSatisfy { !rated.contains("\($0.userID)-\($0.itemID)") })
        let share = Double(unrated.count) / Double(dataset.ratings.count)
        XCTAssertEqual(share, 0.2, accuracy: 0.03)

        let ratingByPair = Dictionary(dataset.ratings.map { ("\($0.userID)-\($0.itemID)", $0.value) }, uniquingKeysWith: { first, _ in first })
        let purchases = events.filter { $0.type == .purchase }
        let prices = Set(TransactionSimulator.Parameters().prices.map(\.price))
        XCTAssertTrue(purchases.allSatisfy { prices.contains($0.value) })
        let boughtRatings = purchases.compactMap { ratingByPair["\($0.userID)-\($0.itemID)"] }
        let meanBought = boughtRatings.reduce(0, +) / Float(max(boughtRatings.count, 1))
        let meanAll = dataset.ratings.reduce(0) { $0 + $1.value } / Float(dataset.ratings.count)
        XCTAssertGreaterThan(meanBought, meanAll, "purchases are likelier for high ratings")
    }
}
