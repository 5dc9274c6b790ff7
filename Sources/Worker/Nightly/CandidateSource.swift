import Pipeline
import Storage

/// Fits every model a nightly run ranks with, on the run's snapshot. Fitting the same snapshot with the same
/// seed must give the same candidates: that is what lets `--resume` finish a run exactly as it would have.
protocol NightlyModelSuite: Sendable {
    func fit(_ snapshot: PublicationSnapshot, index: SnapshotIndex, seed: UInt64, runID: Int) async throws -> any CandidateSource
}

/// Candidates per user from fitted models.
protocol CandidateSource: Sendable {
    /// Model name → version, recorded in `recommendation_runs.model_versions`.
    var modelVersions: [String: String] { get }

    /// Each user's best unseen items, best first, in the order of `userIDs`. Batched so that matrix models
    /// score many users in one BLAS call.
    func candidates(userIDs: [Int], limit: Int) -> [CandidateList]
}

struct CandidateList: Sendable {
    var items: [ScoredItem]
    var source: RecommendationSource
    var modelVersion: String
}
