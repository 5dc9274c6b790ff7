import LinearAlgebra

/// The study's setting (`--protocol paper`): each user's held-out items, and only those, are ranked by the
/// model's score; NDCG@K uses graded relevance (gain = the held-out rating), precision/recall/hit rate count
/// held-out ratings at or above `relevanceThreshold`. Users with no relevant held-out item are skipped (their
/// recall is undefined), as in the full-catalogue protocol.
public struct HeldOutRankingEvaluator: OfflineEvaluator {
    public var k: Int
    public var relevanceThreshold: Float

    public init(k: Int = 10, relevanceThreshold: Float = 4) {
        self.k = k
        self.relevanceThreshold = relevanceThreshold
    }

    public func evaluate(name: String, model: any RecommenderModel, data: InteractionData, test: [Rating],
                         trainSeconds: Double) -> TopNEvaluator.ModelResult {
        var heldOut = [Int: [Rating]]()
        for rating in test {
            guard let user = data.users.index(of: rating.userID) else { continue }
            heldOut[user, default: []].append(rating)
        }
        let users = heldOut.keys.sorted().filter { user in heldOut[user]!.contains { $0.value >= relevanceThreshold } }
        var results = [TopNEvaluator.UserResult]()
        var recommended = Set<Int>()
        var scores = [Float]()
        let columns = data.itemCount
        for start in stride(from: 0, to: users.count, by: 256) {
            let block = Array(users[start..<min(start + 256, users.count)])
            model.score(users: block, data: data, into: &scores)
            for (slot, user) in block.enumerated() {
                let ratings = heldOut[user]!
                // Items the training data has never seen cannot be scored: they rank last. Ties go to the lower id.
                let ranked = ratings.map { rating -> (id: Int, score: Float) in
                    let score = data.items.index(of: rating.itemID).map { scores[slot * columns + $0] } ?? -.infinity
                    return (rating.itemID, score.isNaN ? -.infinity : score)
                }.sorted { $0.score != $1.score ? $0.score > $1.score : $0.id < $1.id }.map(\.id)
                recommended.formUnion(ranked.prefix(k))
                let gains = Dictionary(ratings.map { ($0.itemID, Double($0.value)) }, uniquingKeysWith: max)
                let relevant = Set(ratings.filter { $0.value >= relevanceThreshold }.map(\.itemID))
                results.append(.init(userID: data.users.id(at: user), metrics: RankingMetrics(ranked: ranked, gains: gains, relevant: relevant, k: k)))
            }
        }
        return TopNEvaluator.ModelResult(name: name, metrics: .mean(results.map(\.metrics)),
                                         coverage: columns == 0 ? 0 : Double(recommended.count) / Double(columns),
                                         trainSeconds: trainSeconds, users: results)
    }
}
