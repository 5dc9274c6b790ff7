import Pipeline
import PostgresClient
import Storage

/// The full model set: every model of `CandidateBlend` refitted on the snapshot, blended for candidates;
/// users without history fall back to popularity. The fitted models are saved as a new `ModelStore` version
/// (what the stream worker loads at start) and that version is recorded in the run's `model_versions`.
struct BlendModelSuite: NightlyModelSuite {
    var blend: CandidateBlend = .default
    var hyperparameters = ModelHyperparameters()
    /// The stream worker's weighting (`StreamModels.Settings`), so a nightly fit and a stream fit agree.
    var eventWeights = EventWeights.default
    var accumulation = InteractionAccumulation.max
    /// λ of the diversity rerank every list gets (`ranking.diversity`).
    var diversity = 0.0
    /// Where fitted models are saved; nil keeps them in memory only.
    var databaseURL: String?
    /// Stored model versions kept (the current one included); older ones are deleted after each save.
    var keepVersions = 3

    /// Parameter stamped on every saved snapshot: lets a resumed run find the models it already saved.
    static let runParameter = "nightly_run_id"

    func fit(_ snapshot: PublicationSnapshot, index: SnapshotIndex, seed: UInt64, runID: Int) async throws -> any CandidateSource {
        // Dense indices in id order, and interactions in the snapshot's fixed order, so a refit of the same
        // snapshot sees identical input.
        let ratings = snapshot.modelInputs(weights: eventWeights)
        // The run's seed replaces every stochastic model's own, so a run is reproducible from its row alone.
        var parameters = hyperparameters
        parameters.als.seed = seed
        parameters.bpr.seed = seed
        parameters.biasedMF.seed = seed
        var models = try ModelSet.fit(ratings: ratings, items: snapshot.items.keys.sorted().map { snapshot.items[$0]! },
                                      users: snapshot.demographics.keys.sorted().map { snapshot.demographics[$0]! },
                                      blend: blend, hyperparameters: parameters, accumulation: accumulation)
        models.settings.diversity = DiversityReranker(lambda: diversity)
        let model = models.blend, data = models.data
        var versions = Dictionary(uniqueKeysWithValues: blend.kinds.map { ($0.rawValue, "\($0.rawValue)-r\(runID)") })
        if let databaseURL {
            // The matrix goes with the models only when the run has an exact snapshot for a worker to catch up from.
            let matrix = snapshot.snapshotXids.map { StoredInteractionMatrix(data: data, snapshot: $0) }
            let version = try save(model, data: data, matrix: matrix, runID: runID,
                                   store: ModelStore(connection: try PostgresConnection(url: databaseURL)))
            versions = Dictionary(uniqueKeysWithValues: blend.kinds.map { ($0.rawValue, "v\(version)") })
        }
        return BlendCandidates(models: models, popularity: PopularityCandidates(snapshot: snapshot, index: index, runID: runID),
                               version: "blend-r\(runID)", componentVersions: versions)
    }
}

extension BlendModelSuite {
    /// Saves the blend's models as one new version, unless this run already saved them (a resumed run refits
    /// the same snapshot with the same seed, so the stored models are the ones it would save again).
    func save(_ model: BlendedModel, data: InteractionData, matrix: StoredInteractionMatrix?, runID: Int, store: ModelStore) throws -> Int {
        let current = try store.currentVersions()
        let kinds = model.components.map(\.model.kind)
        if let first = kinds.first.flatMap({ current[$0] }),
           kinds.allSatisfy({ current[$0]?.parameters[Self.runParameter] == Double(runID) && current[$0]?.version == first.version }) {
            return first.version
        }
        let snapshots = model.components.map { component in
            var snapshot = component.model.snapshot(data: data)
            snapshot.parameters[Self.runParameter] = Double(runID)
            return snapshot
        }
        let version = try store.saveNewVersion(snapshots, matrix: matrix)
        try store.pruneVersions(keep: keepVersions)
        return version
    }
}

/// The nightly side of `ModelSet.candidates(forUsers:)`, the candidate path the stream worker uses too.
struct BlendCandidates: CandidateSource {
    let models: ModelSet
    /// Only names the version of the popularity lists users without history get.
    let popularity: PopularityCandidates
    let version: String
    let componentVersions: [String: String]

    var modelVersions: [String: String] {
        componentVersions.merging(popularity.modelVersions) { current, _ in current }.merging(["blend": version]) { _, new in new }
    }

    func candidates(userIDs: [Int], limit: Int) -> [CandidateList] {
        var sized = models
        sized.settings.limit = limit
        return sized.candidates(forUsers: userIDs).map { list in
            CandidateList(items: list.items, source: list.source, modelVersion: list.source == .model ? version : popularity.version)
        }
    }
}
