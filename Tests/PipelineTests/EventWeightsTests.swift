import Pipeline
import XCTest

/// Event types weigh what they mean, repeated events of one pair accumulate instead of overwriting, and no
/// event value, however absurd, reaches a solver outside the documented range.
final class EventWeightsTests: XCTestCase {
    private func event(_ type: InteractionType, _ value: Double, user: Int = 1, item: Int = 10, at time: Double = 0) -> InteractionEvent {
        InteractionEvent(eventID: "\(type)-\(time)", userID: user, itemID: item, type: type, value: value, timestamp: time)
    }

    private func storedValue(_ data: InteractionData, user: Int = 1, item: Int = 10) throws -> Float {
        let u = try XCTUnwrap(data.users.index(of: user)), i = try XCTUnwrap(data.items.index(of: item))
        let position = try XCTUnwrap(data.userItems[u].firstIndex(of: Int32(i)))
        return data.userValues[u][position]
    }

    func testEachTypeWeighsAsDocumented() {
        let weights = EventWeights.default
        XCTAssertEqual(weights.weight(type: .rating, value: 4), 4)
        XCTAssertEqual(weights.weight(type: .watch, value: 0.5), 2)
        XCTAssertEqual(weights.weight(type: .watch, value: 7), 4, "a fraction above 1 is a full watch")
        XCTAssertEqual(weights.weight(type: .purchase, value: 14.99), 5, "the price is not a preference strength")
        XCTAssertEqual(weights.weight(type: .click, value: 1), 1.5)
        XCTAssertEqual(weights.weight(type: .view, value: 1), 1)
        XCTAssertNil(weights.weight(type: .watch, value: 0), "an unwatched watch carries no signal")
    }

    func testAWatchAfterAFiveStarRatingDoesNotLowerTheWeight() throws {
        let weights = EventWeights.default
        let events = [event(.rating, 5, at: 1), event(.watch, 0.1, at: 2)]
        for rule in InteractionAccumulation.allCases {
            let data = InteractionData(ratings: events.compactMap(weights.rating), accumulation: rule)
            XCTAssertEqual(try storedValue(data), 5, "\(rule)")
        }
        // The stream applies the same events one batch at a time: the later batch must not lower it either.
        var streamed = InteractionData(ratings: [events[0]].compactMap(weights.rating))
        streamed.add([events[1]].compactMap(weights.rating))
        XCTAssertEqual(try storedValue(streamed), 5)
    }

    func testAccumulationIsOrderFree() throws {
        let weights = EventWeights.default
        let events = [event(.view, 1, at: 1), event(.watch, 0.5, at: 2), event(.rating, 3, at: 3)]
        for rule in InteractionAccumulation.allCases {
            let oldestFirst = InteractionData(ratings: events.compactMap(weights.rating), accumulation: rule)
            let newestFirst = InteractionData(ratings: events.reversed().compactMap(weights.rating), accumulation: rule)
            XCTAssertEqual(try storedValue(oldestFirst), try storedValue(newestFirst), "\(rule)")
        }
        XCTAssertEqual(try storedValue(InteractionData(ratings: events.compactMap(weights.rating), accumulation: .max)), 3)
        XCTAssertEqual(try storedValue(InteractionData(ratings: events.compactMap(weights.rating), accumulation: .sum)), 5,
                       "1 + 2 + 3 is capped at the top of the range")
    }

    func testNonFiniteAndHugeValuesNeverLeaveTheRange() {
        let weights = EventWeights.default
        for type in InteractionType.allCases {
            for value in [3.4e38, Double.greatestFiniteMagnitude, -1e30] {
                if let weight = weights.weight(type: type, value: value) {
                    XCTAssertTrue(EventWeights.modelRange.contains(weight), "\(type) \(value) → \(weight)")
                }
            }
            XCTAssertNil(weights.weight(type: type, value: .nan))
            XCTAssertNil(weights.weight(type: type, value: .infinity))
        }
        // Callers that bypass EventWeights are clipped by InteractionData itself.
        let data = InteractionData(ratings: [Rating(userID: 1, itemID: 1, value: 3.4e38, timestamp: 0),
                                             Rating(userID: 1, itemID: 2, value: .nan, timestamp: 0),
                                             Rating(userID: 1, itemID: 3, value: -.infinity, timestamp: 0)])
        XCTAssertEqual(data.interactionCount, 1)
        XCTAssertEqual(data.userValues[0], [5])
    }

    /// Issue 9: one poisoned event must not make a fit fail (EASE's Cholesky, ALS's CG) or produce NaN scores.
    func testAHugePurchaseValueCannotBreakAnyModel() throws {
        var events = PlantedBlocks().ratings.map {
            InteractionEvent(eventID: "r\($0.userID)-\($0.itemID)", userID: $0.userID, itemID: $0.itemID, type: .rating,
                             value: Double($0.value), timestamp: Double($0.timestamp))
        }
        events.append(event(.purchase, 3.4e38, user: 1000, item: 5001, at: 1e9))
        events.append(event(.watch, .greatestFiniteMagnitude, user: 1001, item: 5002, at: 1e9))
        events.append(event(.rating, 3.4e38, user: 1002, item: 5003, at: 1e9))
        let data = InteractionData(ratings: events.compactMap(EventWeights.default.rating))
        XCTAssertTrue(data.userValues.joined().allSatisfy { EventWeights.modelRange.contains($0) })
        // The defaults read values (EASE value / 5, ALS confidence 1 + α·value): the poisoned path.
        let hyperparameters = ModelHyperparameters()
        for kind in ModelKind.allCases where kind != .content {
            let model = try hyperparameters.fit(kind, data: data)
            var scores = [Float]()
            model.score(users: Array(0..<data.userCount), data: data, into: &scores)
            XCTAssertFalse(scores.contains { $0.isNaN }, "\(kind) produced NaN scores")
        }
    }
}
