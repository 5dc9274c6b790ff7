import LinearAlgebra
import Pipeline
import XCTest

/// EASE with `valueScale`: interactions enter X as value / scale, in the fit and in scoring.
final class ModelEASEValueTests: XCTestCase {
    func testTopRatingsEverywhereEqualsBinary() throws {
        let blocks = PlantedBlocks(groups: 2, usersPerGroup: 15, itemsPerGroup: 12, seed: 5)
        let fives = blocks.ratings.map { Rating(userID: $0.userID, itemID: $0.itemID, value: 5, timestamp: $0.timestamp) }
        let data = InteractionData(ratings: fives, catalogue: blocks.allItemIDs)
        let binary = try EASEModel(data: data, configuration: .init(regularization: 10))
        let scaled = try EASEModel(data: data, configuration: .init(regularization: 10, valueScale: 5))
        XCTAssertEqual(scaled.weights.storage, binary.weights.storage)
    }

    /// Fitted on the most popular items only, B no longer covers the catalogue in order: the few-user path must
    /// still put each covered item's score in its own column and leave the others at zero.
    func testFewUserPathMatchesTheMatrixPathWhenTheModelCoversSomeItems() throws {
        let blocks = PlantedBlocks(groups: 2, usersPerGroup: 15, itemsPerGroup: 12, seed: 7)
        let data = InteractionData(ratings: blocks.ratings, catalogue: blocks.allItemIDs)
        let model = try EASEModel(data: data, configuration: .init(regularization: 10, valueScale: 5, maxItems: 9))
        var all = [Float](), few = [Float]()
        model.score(users: Array(0..<data.userCount), data: data, into: &all)
        model.score(users: [0, 1, 2], data: data, into: &few)
        XCTAssertEqual(few.count, 3 * data.itemCount)
        for (index, value) in few.enumerated() { XCTAssertEqual(value, all[index], accuracy: 1e-4) }
        let uncovered = (0..<data.itemCount).filter { item in all.indices.filter { $0 % data.itemCount == item }.allSatisfy { all[$0] == 0 } }
        XCTAssertGreaterThanOrEqual(uncovered.count, data.itemCount - 9, "items outside the model score zero")
        XCTAssertTrue(few.contains { $0 != 0 })
    }

    func testFewUserPathMatchesTheMatrixPathAndSnapshotKeepsTheScale() throws {
        let blocks = PlantedBlocks(groups: 2, usersPerGroup: 15, itemsPerGroup: 12, seed: 5)
        let data = InteractionData(ratings: blocks.ratings, catalogue: blocks.allItemIDs)
        let model = try EASEModel(data: data, configuration: .init(regularization: 10, valueScale: 5))
        var all = [Float](), few = [Float]()
        model.score(users: Array(0..<data.userCount), data: data, into: &all)
        model.score(users: [0, 1, 2], data: data, into: &few)
        for (index, value) in few.enumerated() { XCTAssertEqual(value, all[index], accuracy: 1e-4) }
        let restored = try EASEModel(snapshot: model.snapshot(data: data), data: data)
        XCTAssertEqual(restored.configuration, model.configuration)
    }
}
