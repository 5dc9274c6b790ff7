import Pipeline
import XCTest

/// The refresher scores a whole claim in one pass; that must give every user exactly the list the per-user
/// path gives, including cold users (segment popularity) and users the models have never seen.
final class BatchedCandidatesTests: XCTestCase {
    func testClaimScoredTogetherEqualsEachUserScoredAlone() throws {
        let dataset = SyntheticMovieLens(users: 40, items: 120, ratingsPerUser: 15, seed: 3).generate()
        var models = try ModelSet.fit(ratings: dataset.ratings, items: dataset.items, users: dataset.users)
        models.settings.limit = 20
        let claim = [3, 17, 999_999, 3, 40, 1]
        let together = models.candidates(forUsers: claim)
        XCTAssertEqual(together.count, claim.count, "one list per claimed user, in order")
        for (userID, batched) in zip(claim, together) {
            let alone = models.candidates(forUser: userID)
            XCTAssertEqual(batched.source, alone.source, "user \(userID)")
            XCTAssertEqual(batched.items.map(\.itemID), alone.items.map(\.itemID), "user \(userID)")
            for (a, b) in zip(batched.items, alone.items) { XCTAssertEqual(a.score, b.score, accuracy: 1e-4) }
        }
        XCTAssertEqual(together[2].source, .popular)
        XCTAssertEqual(together[0].source, .model)
    }
}
