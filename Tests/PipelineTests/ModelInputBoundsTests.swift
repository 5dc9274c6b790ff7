import LinearAlgebra
import Pipeline
import XCTest

/// The contract's largest accepted values cannot poison a model: a fit on them succeeds and scores stay finite.
final class ModelInputBoundsTests: XCTestCase {
    func testTheDefaultBlendFitsAndScoresFinitelyWithTheContractsLargestValues() throws {
        var ratings = PlantedBlocks().ratings
        let largest = InteractionType.allCases.map { Float(EventContract.valueRange(for: $0).upperBound) }
        for (index, value) in largest.enumerated() {
            ratings.append(Rating(userID: 1000 + index, itemID: 5000 + index, value: value, timestamp: Int64(ratings.count)))
        }
        var models = try ModelSet.fit(ratings: ratings, items: [], users: [], blend: .default)
        let touched = models.update(newInteractions: [Rating(userID: 1001, itemID: 5003, value: largest.max()!, timestamp: 0)])
        XCTAssertFalse(touched.isEmpty)
        for userID in [1000, 1001, 1002, 1050] {
            let candidates = try XCTUnwrap(models.candidates(forUser: userID))
            XCTAssertFalse(candidates.items.isEmpty)
            XCTAssertTrue(candidates.items.allSatisfy { $0.score.isFinite }, "non-finite scores for user \(userID)")
        }
    }
}
