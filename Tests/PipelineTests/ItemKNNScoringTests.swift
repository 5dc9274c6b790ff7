import LinearAlgebra
import Pipeline
import XCTest

final class ItemKNNScoringTests: XCTestCase {
    /// A candidate's score is the sum of its own neighbours' similarities over the user's history (the
    /// direction implicit's ItemItemRecommender scores in), not the history items' votes for their neighbours.
    func testCandidateScoreSumsItsOwnNeighboursInTheHistory() {
        let blocks = PlantedBlocks(groups: 2, usersPerGroup: 12, itemsPerGroup: 10, density: 0.5, seed: 3)
        let data = InteractionData(ratings: blocks.ratings, catalogue: blocks.allItemIDs)
        let model = ItemKNNModel(data: data, configuration: .init(neighbours: 3, shrinkage: 1))
        let users = Array(0..<data.userCount)
        var scores = [Float]()
        model.score(users: users, data: data, into: &scores)
        for user in users {
            let history = Set(data.userItems[user].map(Int.init))
            for candidate in 0..<data.itemCount {
                let expected = model.neighbours(of: candidate).filter { history.contains(Int($0.index)) }.reduce(Float(0)) { $0 + $1.score }
                XCTAssertEqual(scores[user * data.itemCount + candidate], expected, accuracy: 1e-5, "user \(user), item \(candidate)")
            }
        }
    }
}
