import Pipeline
import XCTest

final class CandidateGeneratorTests: XCTestCase {
    private let popularity = PopularityModel(counts: [1: 50, 2: 40, 3: 30, 4: 20, 5: 10])
    private let modelItems = [ScoredItem(itemID: 7, score: 0.9), ScoredItem(itemID: 8, score: 0.8), ScoredItem(itemID: 9, score: 0.7)]

    func testModelsCandidatesMinusSeenNeverAskForPopularity() throws {
        var asked = 0
        let (items, source) = try CandidateGenerator(limit: 2).candidates(
            seen: [7], fromModels: (modelItems, .model), popularity: { asked += 1; return popularity })
        XCTAssertEqual(items.map(\.itemID), [8, 9])
        XCTAssertEqual(source, .model)
        XCTAssertEqual(asked, 0, "a user the models serve must not cost the popularity read")
    }

    func testWithoutModelsPopularityExcludesSeenItems() throws {
        let (items, source) = try CandidateGenerator(limit: 3).candidates(seen: [1, 3], fromModels: nil, popularity: { popularity })
        XCTAssertEqual(items.map(\.itemID), [2, 4, 5])
        XCTAssertEqual(source, .popular)
    }

    func testModelsWithNothingUnseenFallBackToPopularity() throws {
        var asked = 0
        let (items, source) = try CandidateGenerator(limit: 2).candidates(
            seen: [7, 8, 9, 1], fromModels: (modelItems, .model), popularity: { asked += 1; return popularity })
        XCTAssertEqual(items.map(\.itemID), [2, 3])
        XCTAssertEqual(source, .popular)
        XCTAssertEqual(asked, 1)
    }

    func testAFailingPopularityReadSurfacesOnlyWhenNeeded() throws {
        struct Unreachable: Error {}
        XCTAssertNoThrow(try CandidateGenerator(limit: 2).candidates(seen: [], fromModels: (modelItems, .model), popularity: { throw Unreachable() }))
        XCTAssertThrowsError(try CandidateGenerator(limit: 2).candidates(seen: [], fromModels: nil, popularity: { throw Unreachable() }))
    }
}
