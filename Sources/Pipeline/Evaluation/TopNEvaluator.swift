import Foundation
import LinearAlgebra

/// Scores a fitted model on held-out ratings: for every user with at least one relevant test item, rank
/// every catalogue item the user has no training interaction with, take the top K, and compare.
public struct TopNEvaluator: OfflineEvaluator {
    public var k: Int
    /// Test ratings at or above this are relevant; `nil` makes every test item relevant (leave-one-out).
    public var relevanceThreshold: Float?
    /// The catalogue: with it every list is also measured by `ListQuality` and the results carry the Gini of exposure.
    public var items: [Item]?
    /// Applied to each user's top `diversityPool` before taking the top K (nil: the model's order).
    public var diversity: DiversityReranker?
    public var diversityPool = 100

    public init(k: Int = 10, relevanceThreshold: Float? = 4, items: [Item]? = nil, diversity: DiversityReranker? = nil) {
        self.k = k
        self.relevanceThreshold = relevanceThreshold
        self.items = items
        self.diversity = diversity
    }

    public struct UserResult: Sendable {
        public var userID: Int
        public var metrics: RankingMetrics
        public var quality: ListQuality?

        public init(userID: Int, metrics: RankingMetrics, quality: ListQuality? = nil) {
            self.userID = userID
            self.metrics = metrics
            self.quality = quality
        }
    }

    public struct ModelResult: Sendable {
        public var name: String
        public var metrics: RankingMetrics
        /// Distinct items in anyone's top K over the catalogue size.
        public var coverage: Double
        public var trainSeconds: Double
        public var users: [UserResult]
        /// Mean list quality over users (nil without the catalogue).
        public var quality: ListQuality?
        /// Gini of how often each catalogue item appears in the top-K lists.
        public var exposureGini: Double?

        public init(name: String, metrics: RankingMetrics, coverage: Double, trainSeconds: Double, users: [UserResult],
                    exposureGini: Double? = nil) {
            self.name = name
            self.metrics = metrics
            self.coverage = coverage
            self.trainSeconds = trainSeconds
            self.users = users
            quality = ListQuality.mean(users.compactMap(\.quality))
            self.exposureGini = exposureGini
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
        let users = relevantItems(test: test, data: data).keys.sorted()
        let reranker = diversity.flatMap { $0.isActive ? $0 : nil }
        let top = Self.topItems(model: model, users: users, data: data, k: reranker == nil ? k : max(k, diversityPool))
        let genres = items.map { Dictionary($0.map { ($0.id, GenreSet($0.genres)) }, uniquingKeysWith: { first, _ in first }) } ?? [:]
        let lists = Dictionary(uniqueKeysWithValues: users.enumerated().map { slot, user in
            var ranked = top.row(slot).map { ScoredItem(itemID: data.items.id(at: Int($0.index)), score: Double($0.score)) }
            if let reranker {
                ranked = reranker.rerank(ranked, limit: k, genres: { genres[$0] ?? GenreSet(bits: 0) },
                                         popularity: { data.items.index(of: $0).map { Double(data.itemUsers[$0].count) } ?? 0 })
            }
            return (user, ranked.map(\.itemID))
        })
        return evaluate(name: name, data: data, test: test, trainSeconds: trainSeconds) { lists[$0] ?? [] }
    }

    /// Scores ready lists: `list(user)` is the ranked item ids for a dense user index (at most K are read).
    public func evaluate(name: String, data: InteractionData, test: [Rating], trainSeconds: Double,
                         list: (Int) -> [Int]) -> ModelResult {
        let relevant = relevantItems(test: test, data: data)
        let statistics = items.map { ItemStatistics(items: $0, data: data) }
        var exposure = [Int: Int]()
        let results = relevant.keys.sorted().map { user in
            let ranked = Array(list(user).prefix(k))
            ranked.forEach { exposure[$0, default: 0] += 1 }
            let history = data.userItems[user].map { data.items.id(at: Int($0)) }
            return UserResult(userID: data.users.id(at: user), metrics: RankingMetrics(ranked: ranked, relevant: relevant[user]!, k: k),
                              quality: statistics?.quality(list: ranked, history: history))
        }
        let catalogue = (0..<data.itemCount).map { exposure[data.items.id(at: $0)] ?? 0 }
        return ModelResult(name: name, metrics: .mean(results.map(\.metrics)),
                           coverage: data.itemCount == 0 ? 0 : Double(exposure.count) / Double(data.itemCount),
                           trainSeconds: trainSeconds, users: results, exposureGini: statistics == nil ? nil : Exposure.gini(catalogue))
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
