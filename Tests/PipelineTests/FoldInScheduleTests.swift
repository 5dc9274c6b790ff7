import LinearAlgebra
import Pipeline
import XCTest

/// Touched items are re-solved once they gained their share since the last solve, new ones at once.
final class FoldInScheduleTests: XCTestCase {
    /// Item 1 with `popular` users, item 2 with one.
    private func data(popular: Int) -> InteractionData {
        InteractionData(ratings: (1...popular).map { Rating(userID: $0, itemID: 1, value: 1, timestamp: 0) }
            + [Rating(userID: 1, itemID: 2, value: 1, timestamp: 0)])
    }

    private func ids(_ items: [Int], in data: InteractionData) -> [Int] { items.map { data.items.id(at: $0) } }

    func testAPopularItemWaitsForItsShareAndARareOneDoesNot() {
        var data = data(popular: 40)
        var schedule = FoldInSchedule(share: 0.1, solvedOn: data)
        // A tenth of 40 is 4: three new users of item 1 are not enough, one new user of item 2 (1 interaction) is.
        var touched = data.add((41...43).map { Rating(userID: $0, itemID: 1, value: 1, timestamp: 0) }
            + [Rating(userID: 41, itemID: 2, value: 1, timestamp: 0)])
        XCTAssertEqual(ids(schedule.due(touched, data: data), in: data), [2])
        touched = data.add([Rating(userID: 44, itemID: 1, value: 1, timestamp: 0)])
        XCTAssertEqual(ids(schedule.due(touched, data: data), in: data), [1])
        // Solved on 44 interactions now: the next one starts a new count.
        touched = data.add([Rating(userID: 45, itemID: 1, value: 1, timestamp: 0)])
        XCTAssertEqual(schedule.due(touched, data: data), [])
    }

    func testNewItemsAreDueAtOnce() {
        var data = data(popular: 40)
        var schedule = FoldInSchedule(share: 0.1, solvedOn: data)
        let touched = data.add([Rating(userID: 3, itemID: 99, value: 1, timestamp: 0)])
        XCTAssertEqual(ids(schedule.due(touched, data: data), in: data), [99])
    }

    func testAChangedValueCountsOncePerBatch() {
        var data = data(popular: 20)
        var schedule = FoldInSchedule(share: 0.1, solvedOn: data)
        // Two of 20: the first batch changes a stored pair's value only (max accumulation), the second another one.
        var touched = data.add([Rating(userID: 1, itemID: 1, value: 3, timestamp: 0)])
        XCTAssertEqual(schedule.due(touched, data: data), [])
        touched = data.add([Rating(userID: 2, itemID: 1, value: 4, timestamp: 0)])
        XCTAssertEqual(ids(schedule.due(touched, data: data), in: data), [1])
    }

    func testALSKeepsAnItemBelowItsShareAndResolvesItPastIt() {
        let blocks = PlantedBlocks(groups: 3, usersPerGroup: 30, itemsPerGroup: 20, density: 0.5, seed: 2)
        var data = InteractionData(ratings: blocks.ratings, catalogue: blocks.allItemIDs)
        var model = ALSModel(data: data, configuration: .init(factors: 8, regularization: 0.1, alpha: 5, iterations: 5))
        let itemID = blocks.allItemIDs[0]
        let item = data.items.index(of: itemID)!
        let fans = Set(data.itemUsers[item].map { data.users.id(at: Int($0)) })
        let newcomers = blocks.ratings.map(\.userID).filter { !fans.contains($0) }
        XCTAssertGreaterThan(fans.count, 10, "the planted item needs more than ten users for a tenth to exceed one")
        let before = Array(model.itemFactors.row(item))
        var touched = data.add([Rating(userID: newcomers[0], itemID: itemID, value: 1, timestamp: 0)])
        model.update(data: data, touched: touched)
        XCTAssertEqual(Array(model.itemFactors.row(item)), before)
        let share = Int((Double(fans.count) * FoldInSchedule.defaultShare).rounded(.up))
        let more = Set(newcomers).subtracting([newcomers[0]]).sorted().prefix(share).map { Rating(userID: $0, itemID: itemID, value: 1, timestamp: 0) }
        touched = data.add(more)
        model.update(data: data, touched: touched)
        XCTAssertNotEqual(Array(model.itemFactors.row(item)), before)
    }

    func testALSLoadedWithoutAnItemsFactorResolvesItAtItsFirstTouch() throws {
        let blocks = PlantedBlocks(groups: 3, usersPerGroup: 30, itemsPerGroup: 20, density: 0.5, seed: 2)
        var data = InteractionData(ratings: blocks.ratings, catalogue: blocks.allItemIDs)
        let fitted = ALSModel(data: data, configuration: .init(factors: 8, regularization: 0.1, alpha: 5, iterations: 5))
        let itemID = blocks.allItemIDs[0]
        var snapshot = fitted.snapshot(data: data)
        // Stored before the item had interactions: the loaded model has no factor for it.
        snapshot.itemVectors[itemID] = nil
        var loaded = try ALSModel(snapshot: snapshot, data: data)
        let item = data.items.index(of: itemID)!
        XCTAssertEqual(Array(loaded.itemFactors.row(item)), [Float](repeating: 0, count: 8))
        let fan = blocks.ratings.map(\.userID).first { data.users.index(of: $0).map { !data.userItems[$0].contains(Int32(item)) } ?? false }!
        let touched = data.add([Rating(userID: fan, itemID: itemID, value: 1, timestamp: 0)])
        loaded.update(data: data, touched: touched)
        XCTAssertNotEqual(Array(loaded.itemFactors.row(item)), [Float](repeating: 0, count: 8))
    }
}
