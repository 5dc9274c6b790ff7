import Foundation
import LinearAlgebra

/// Scores a fitted model on held-out ratings: for every user with at least one relevant test item, rank
/// every catalogue item the user has no training interaction with, take the top K, and compare.
public struct TopNEvaluator: OfflineEvaluator {
    public var k: Int
    /// Test ratings at or above this are relevant; `nil` makes every test item relevant (leave-one-out).
    public var relevanceThreshold: Float?

    public init(k: Int = 10, relevanceThreshold: Float? = 4) {
        self.k = k
        self.relevanceThreshold = relevanceThreshold
    }

    public struct UserResult: Sendable {
        public var userID: Int
        public var metrics: RankingMetrics

        public init(userID: Int, metrics: RankingMetrics) {
            self.userID = userID
            self.metrics = metrics
        }
    }

    public struct ModelResult: Sendable {
        public var name: String
        public var metrics: RankingMetrics
        /// Distinct items in anyone's top K over the catalogue size.
        public var coverage: Double
        public var trainSeconds: Double
        public var users: [UserResult]

        public init(name: String, metrics: RankingMetrics, coverage: Double, trainSeconds: Double, users: [UserResult]) {
            self.name = name
            self.metrics = metrics
            self.coverage = coverage
            self.trainSeconds = trainSeconds
            self.users = users
        }
    }

    /// The relevant test items per dense user index, for users the training data knows.
    public func relevantItems(test: [Rating], data: InteractionData) -> [Int: Set<Int>] {
        var relevant = [Int: Set<Int>]()
        for rating in test where relevanceThreshold.map({ rating.value >= $0 }) ?? true {
            guard let user = data.users.index(of: rating.userID) else { continue }
            relevant[user, default: []].insert(rating.itemID)
        }
        return relevant
    }

    public func evaluate(name: String, model: any RecommenderModel, data: InteractionData, test: [Rating],
                         trainSeconds: Double) -> ModelResult {
        let relevant = relevantItems(test: test, data: data)
        let users = relevant.keys.sorted()
        let top = Self.topItems(model: model, users: users, data: data, k: k)
        var recommended = Set<Int32>()
        let results = users.enumerated().map { slot, user in
            let row = top.row(slot)
            row.forEach { recommended.insert($0.index) }
            let ranked = row.map { data.items.id(at: Int($0.index)) }
            return UserResult(userID: data.users.id(at: user), metrics: RankingMetrics(ranked: ranked, relevant: relevant[user]!, k: k))
        }
        return ModelResult(name: name, metrics: .mean(results.map(\.metrics)),
                           coverage: data.itemCount == 0 ? 0 : Double(recommended.count) / Double(data.itemCount),
                           trainSeconds: trainSeconds, users: results)
    }

    /// Each user's top `k` items they have not interacted with, scored in blocks across both cores.
    public static func topItems(model: any RecommenderModel, users: [Int], data: InteractionData, k: Int,
                                blockRows: Int = 256) -> BlockedTopK.Result {
        BlockedTopK.run(rows: users.count, columns: data.itemCount, k: k, blockRows: blockRows) { range, block in
            let blockUsers = Array(users[range])
            model.score(users: blockUsers, data: data, into: &block)
            for (slot, user) in blockUsers.enumerated() {
                for item in data.userItems[user] { block[slot * data.itemCount + Int(item)] = -.infinity }
            }
        }
    }
}

extension Duration {
    /// The duration in seconds as a `Double`, for reports.
    public var seconds: Double {
        let (whole, attoseconds) = components
        return Double(whole) + Double(attoseconds) / 1e18
    }
}
