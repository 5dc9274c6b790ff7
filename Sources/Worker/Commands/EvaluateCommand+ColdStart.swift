import ArgumentParser
import Pipeline

/// The `cold-start` row of `recworker evaluate`: every evaluated user ranked as if the models knew nothing of
/// them, i.e. what `ModelSet` gives a new user (their segment's popular items, gender × age band, diversified at
/// the row's λ), minus their training items. It measures what the study warns about: the same chart for
/// everyone in a demographic.
struct ColdStartEvaluation {
    static let modelName = "cold-start"

    let data: InteractionData
    let dataset: MovieLensDataset

    func result(test: [Rating], k: Int, relevanceThreshold: Float?, lambda: Double) throws -> TopNEvaluator.ModelResult {
        let start = ContinuousClock.now
        var models = ModelSet(data: data, blend: try CandidateBlend(weights: [.popularity: 1]).fit(data: data),
                              items: dataset.items, users: dataset.users, version: 0)
        models.settings.limit = 100
        models.settings.diversity = DiversityReranker(lambda: lambda)
        let demographics = Dictionary(dataset.users.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let seconds = (ContinuousClock.now - start).seconds
        let evaluator = TopNEvaluator(k: k, relevanceThreshold: relevanceThreshold, items: dataset.items)
        return evaluator.evaluate(name: Self.modelName, data: data, test: test, trainSeconds: seconds) { user in
            let id = data.users.id(at: user)
            let seen = Set(data.userItems[user].map { data.items.id(at: Int($0)) })
            return models.coldStartCandidates(for: demographics[id], excluding: seen).map(\.itemID)
        }
    }
}
