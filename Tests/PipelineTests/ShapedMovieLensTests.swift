import Pipeline
import XCTest

/// `simulate --shape`: the generated data has the release's size and statistics.
final class ShapedMovieLensTests: XCTestCase {
    func testML1MShapeStatistics() {
        let shape = MovieLensShape.ml1m.scaled(users: 0.03)
        let dataset = ShapedMovieLens(shape: shape, seed: 1).generate()
        XCTAssertEqual(dataset.layout, .ml1m)
        XCTAssertEqual(dataset.users.count, shape.users)
        XCTAssertEqual(dataset.items.count, shape.movies)
        XCTAssertEqual(Double(dataset.ratings.count), Double(shape.ratings), accuracy: Double(shape.ratings) * 0.03)

        let perUser = Dictionary(grouping: dataset.ratings, by: \.userID).mapValues(\.count)
        XCTAssertEqual(perUser.count, shape.users)
        XCTAssertGreaterThanOrEqual(perUser.values.min() ?? 0, 20, "every MovieLens user has at least 20 ratings")
        let counts = perUser.values.sorted()
        XCTAssertLessThan(Double(counts[counts.count / 2]), Double(dataset.ratings.count) / Double(shape.users), "activity is skewed: median below mean")
        XCTAssertEqual(Set(dataset.ratings.map { "\($0.userID)-\($0.itemID)" }).count, dataset.ratings.count, "one rating per user and movie")

        for (value, share) in zip(shape.ratingValues, shape.ratingShares) {
            let observed = Double(dataset.ratings.filter { $0.value == value }.count) / Double(dataset.ratings.count)
            XCTAssertEqual(observed, share, accuracy: 0.02, "share of \(value)-star ratings")
        }

        let popularity = Dictionary(grouping: dataset.ratings, by: \.itemID).mapValues(\.count).values.sorted(by: >)
        let head = popularity.prefix(shape.movies / 10).reduce(0, +)
        XCTAssertGreaterThan(Double(head) / Double(dataset.ratings.count), 0.3, "power-law popularity: the top tenth of movies draws far more than a tenth")

        let drama = Double(dataset.items.filter { $0.genres.contains("Drama") }.count) / Double(dataset.items.count)
        XCTAssertEqual(drama, 0.40, accuracy: 0.05)
        XCTAssertTrue(dataset.items.allSatisfy { !$0.genres.isEmpty })
        XCTAssertTrue(dataset.ratings.allSatisfy { shape.timeRange.contains($0.timestamp) })
    }

    func testML20MShapeIsSparseHalfStarCSVWithoutDemographics() {
        let shape = MovieLensShape.ml20m.scaled(users: 0.002)
        let dataset = ShapedMovieLens(shape: shape, seed: 2).generate()
        XCTAssertEqual(dataset.layout, .csv)
        XCTAssertTrue(dataset.users.isEmpty)
        XCTAssertGreaterThan(dataset.items.map(\.id).max() ?? 0, shape.movies * 3, "ML-20M's movie ids are sparse")
        XCTAssertTrue(dataset.ratings.contains { $0.value == 3.5 })
        XCTAssertTrue(dataset.ratings.contains { $0.value == 0.5 })
        XCTAssertTrue(dataset.items.contains { $0.genres.contains("IMAX") })
    }

    func testSameSeedSameData() {
        let shape = MovieLensShape.ml10m.scaled(users: 0.001)
        XCTAssertEqual(ShapedMovieLens(shape: shape, seed: 5).generate().ratings, ShapedMovieLens(shape: shape, seed: 5).generate().ratings)
    }
}
