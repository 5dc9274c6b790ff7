import Pipeline
import XCTest

final class EvaluationSplitTests: XCTestCase {
    private func ratings(users: Int, perUser: (Int) -> Int) -> [Rating] {
        (1...users).flatMap { user in
            (0..<perUser(user)).map { Rating(userID: user, itemID: $0, value: Float(1 + $0 % 5), timestamp: Int64($0 * 10 + user)) }
        }
    }

    func testPerUserSplitHoldsOutTwentyPercentAndKeepsSmallUsersInTrain() {
        let all = ratings(users: 6) { $0 == 1 ? 4 : 10 + $0 }
        let split = RatingSplit.perUserRandom(all, seed: 42)
        XCTAssertEqual(split.train.count + split.test.count, all.count)
        XCTAssertFalse(split.test.contains { $0.userID == 1 }, "users with fewer than 5 ratings stay in train")
        for user in 2...6 {
            let n = 10 + user
            XCTAssertEqual(split.test.filter { $0.userID == user }.count, Int(0.2 * Double(n) + 0.5))
        }
        XCTAssertTrue(Set(split.train.map { "\($0.userID)-\($0.itemID)" }).isDisjoint(with: split.test.map { "\($0.userID)-\($0.itemID)" }))
        XCTAssertEqual(RatingSplit.perUserRandom(all, seed: 42).test, split.test, "same seed, same split")
    }

    func testLeaveOneOutHoldsOutEachUsersLatestRating() {
        let split = RatingSplit.leaveLatestOut(ratings(users: 3) { _ in 6 })
        XCTAssertEqual(split.test.map(\.itemID), [5, 5, 5])
        XCTAssertEqual(split.train.count, 15)
    }

    func testEvaluatorRewardsAModelThatRanksHeldOutItemsFirst() throws {
        let blocks = PlantedBlocks(groups: 3, usersPerGroup: 20, itemsPerGroup: 15, density: 0.6, seed: 8)
        let split = RatingSplit.perUserRandom(blocks.ratings, seed: 1)
        let data = InteractionData(ratings: split.train, catalogue: blocks.allItemIDs)
        let evaluator = TopNEvaluator(k: 5, relevanceThreshold: 4)
        let ease = evaluator.evaluate(name: "ease", model: try EASEModel(data: data, configuration: .init(regularization: 5)),
                                      data: data, test: split.test, trainSeconds: 0)
        let popularity = evaluator.evaluate(name: "popularity", model: PopularityModel(data: data), data: data, test: split.test, trainSeconds: 0)
        XCTAssertGreaterThan(ease.metrics.ndcg, popularity.metrics.ndcg)
        XCTAssertGreaterThan(ease.metrics.hitRate, 0.6)
        let relevantUsers = Set(split.test.filter { $0.value >= 4 }.map(\.userID))
        XCTAssertEqual(ease.users.count, relevantUsers.count)
    }
}
