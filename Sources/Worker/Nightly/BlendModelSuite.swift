import LinearAlgebra
import Pipeline
import Storage

/// The full model set: every model of `CandidateBlend` refitted on the snapshot, blended for candidates;
/// users without history fall back to popularity.
struct BlendModelSuite: NightlyModelSuite {
    var blend: CandidateBlend = .default
    var hyperparameters = ModelHyperparameters()

    func fit(_ snapshot: PublicationSnapshot, index: SnapshotIndex, seed: UInt64, runID: Int) async throws -> any CandidateSource {
        // Dense indices in id order, and interactions in the snapshot's fixed order, so a refit of the same
        // snapshot sees identical input.
        let ratings = snapshot.interactions.map {
            Rating(userID: $0.userID, itemID: $0.itemID, value: Float($0.value), timestamp: Int64($0.timestamp))
        }
        let data = InteractionData(ratings: ratings, catalogue: snapshot.items.keys.sorted(), knownUsers: snapshot.userIDs)
        // The run's seed replaces every stochastic model's own, so a run is reproducible from its row alone.
        var parameters = hyperparameters
        parameters.als.seed = seed
        parameters.bpr.seed = seed
        parameters.biasedMF.seed = seed
        let model = try blend.fit(data: data, hyperparameters: parameters)
        let versions = Dictionary(uniqueKeysWithValues: blend.kinds.map { ($0.rawValue, "\($0.rawValue)-r\(runID)") })
        return BlendCandidates(model: model, data: data, popularity: PopularityCandidates(snapshot: snapshot, index: index, runID: runID),
                               version: "blend-r\(runID)", componentVersions: versions)
    }
}

struct BlendCandidates: CandidateSource {
    let model: BlendedModel
    let data: InteractionData
    let popularity: PopularityCandidates
    let version: String
    let componentVersions: [String: String]

    var modelVersions: [String: String] {
        componentVersions.merging(popularity.modelVersions) { current, _ in current }.merging(["blend": version]) { _, new in new }
    }

    func candidates(userIDs: [Int], limit: Int) -> [CandidateList] {
        let known = userIDs.compactMap { id -> Int? in
            guard let dense = data.users.index(of: id), !data.userItems[dense].isEmpty else { return nil }
            return dense
        }
        var scores = [Float]()
        if !known.isEmpty { model.score(users: known, data: data, into: &scores) }
        var lists = [Int: CandidateList]()
        let columns = data.itemCount
        for (slot, dense) in known.enumerated() {
            var row = Array(scores[slot * columns ..< (slot + 1) * columns])
            for item in data.userItems[dense] { row[Int(item)] = -.infinity }
            let top = TopK.select(row, k: limit).filter { $0.score.isFinite }
                .map { ScoredItem(itemID: data.items.id(at: Int($0.index)), score: Double($0.score)) }
            lists[data.users.id(at: dense)] = CandidateList(items: top, source: .model, modelVersion: version)
        }
        return userIDs.map { lists[$0] ?? popularity.candidates(userID: $0, limit: limit) }
    }
}
