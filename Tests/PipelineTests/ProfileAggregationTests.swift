import LinearAlgebra
import Foundation
import Pipeline
import XCTest

/// The stream's incremental profile aggregates agree with the definitions they replace, and the summary that
/// prompts start from states them deterministically.
final class ProfileAggregationTests: XCTestCase {
    private static let items = [
        Item(id: 1, title: "Alpha", year: 1990, genres: ["Action", "Sci-Fi"]),
        Item(id: 2, title: "Beta", year: 1994, genres: ["Drama"]),
        Item(id: 3, title: "Gamma", year: 1999, genres: ["Comedy", "Drama"]),
        Item(id: 4, title: "Delta", year: 2001, genres: ["Action"]),
    ]

    /// Newest first, like `UserProfile.recentHistory`; spread over a year so decay matters.
    private static func history() -> [HistoryEntry] {
        var rng = SeededGenerator(seed: 11)
        return (0..<40).map { n in
            let item = items[Int(rng.next() % UInt64(items.count))]
            let type: InteractionType = n % 4 == 3 ? .watch : .rating
            let value = type == .rating ? Double(1 + rng.next() % 5) : 1
            return HistoryEntry(item: item, type: type, value: value, timestamp: 1_600_000_000 - Double(n) * 9 * 86_400)
        }
    }

    private static func ratingMoments(_ history: [HistoryEntry]) -> (count: Int, sum: Double, squares: Double) {
        let ratings = history.filter { $0.type == .rating }.map(\.value)
        return (ratings.count, ratings.reduce(0, +), ratings.reduce(0) { $0 + $1 * $1 })
    }

    func testIncrementalGenreSumsRankLikeTheRecentHistoryDefinition() {
        let history = Self.history()
        let moments = Self.ratingMoments(history)
        let fromHistory = UserProfile(userID: 1, ratingCount: moments.count, ratingSum: moments.sum,
                                      ratingSumOfSquares: moments.squares, recentHistory: history)
        // Added oldest-first in one profile and in a shuffled order in another: the sums do not depend on order.
        var inOrder = GenreWeights()
        for entry in history.reversed() { inOrder.add(genres: entry.item.genres, type: entry.type, value: entry.value, timestamp: entry.timestamp) }
        var shuffled = GenreWeights()
        var rng = SeededGenerator(seed: 3)
        for entry in history.shuffled(using: &rng) {
            shuffled.add(genres: entry.item.genres, type: entry.type, value: entry.value, timestamp: entry.timestamp)
        }
        var stored = fromHistory
        stored.genreWeights = inOrder

        let expected = fromHistory.genreAffinity()
        let strongest = expected.first?.weight ?? 1
        let actual = stored.genreAffinity()
        XCTAssertFalse(expected.isEmpty)
        XCTAssertEqual(actual.map(\.genre), expected.map(\.genre))
        for (a, e) in zip(actual, expected) { XCTAssertEqual(a.weight, e.weight / strongest, accuracy: 1e-9) }
        let reordered = shuffled.affinity(ratingMean: fromHistory.ratingMean)
        XCTAssertEqual(reordered.map(\.genre), actual.map(\.genre))
        for (r, a) in zip(reordered, actual) { XCTAssertEqual(r.weight, a.weight, accuracy: 1e-9) }
    }

    func testActivityHistogramBucketsByUTCWeekdayAndHour() {
        var activity = ActivityHistogram()
        activity.add(timestamp: 0)                    // Thursday 1970-01-01 00:00 UTC
        activity.add(timestamp: 1_700_000_000)        // Tuesday 2023-11-14 22:13 UTC
        activity.add(timestamp: 1_700_000_000 + 3_600) // Tuesday 23:13
        activity.add(timestamp: -1)                   // Wednesday 1969-12-31 23:59
        XCTAssertEqual(activity.total, 4)
        XCTAssertEqual(activity.events(weekday: 4), 1)
        XCTAssertEqual(activity.events(weekday: 2), 2)
        XCTAssertEqual(activity.events(weekday: 3), 1)
        XCTAssertEqual(activity.events(hour: 23), 2)
        XCTAssertEqual(activity.peakHour, 23)
        XCTAssertEqual(activity.busiestPartOfDay, .evening)
        XCTAssertEqual(activity.weekendShare, 0)
    }

    func testSummaryStatesActivityAndStoredGenresDeterministically() {
        let history = Self.history()
        let moments = Self.ratingMoments(history)
        var weights = GenreWeights()
        var activity = ActivityHistogram()
        for entry in history {
            weights.add(genres: entry.item.genres, type: entry.type, value: entry.value, timestamp: entry.timestamp)
            activity.add(weekday: 6, hour: 21)
        }
        let profile = UserProfile(userID: 9, countsByType: [.rating: moments.count, .watch: history.count - moments.count],
                                  ratingCount: moments.count, ratingSum: moments.sum, ratingSumOfSquares: moments.squares,
                                  recentHistory: history, genreWeights: weights, activity: activity)
        let summary = ProfileSummary.text(for: profile, includeDemographics: false)
        XCTAssertEqual(summary, ProfileSummary.text(for: profile, includeDemographics: false))
        XCTAssertTrue(summary.contains("They are most active in the evening (peak 21:00 UTC), mostly on weekends."), summary)
        let top = weights.affinity(ratingMean: profile.ratingMean).prefix(3).map(\.genre).joined(separator: ", ")
        XCTAssertTrue(summary.contains("They lean towards \(top)."), summary)

        // Without stored aggregates nothing about activity is claimed (older profiles and prompts are unchanged).
        var plain = profile
        plain.activity = ActivityHistogram()
        XCTAssertFalse(ProfileSummary.text(for: plain, includeDemographics: false).contains("active"))
    }
}
