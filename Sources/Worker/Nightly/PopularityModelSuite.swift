import Pipeline
import Storage

/// Interaction-count popularity over the snapshot: the cold-start fallback, and the whole model set until the
/// trained models are plugged in.
struct PopularityModelSuite: NightlyModelSuite {
    func fit(_ snapshot: PublicationSnapshot, index: SnapshotIndex, seed: UInt64, runID: Int) async throws -> any CandidateSource {
        var counts = [Int: Double]()
        for event in snapshot.interactions { counts[event.itemID, default: 0] += 1 }
        // Popularity has no randomness; its version names the run whose snapshot it counted.
        return PopularityCandidates(model: PopularityModel(counts: counts), version: "popularity-r\(runID)")
    }
}

struct PopularityCandidates: CandidateSource {
    let model: PopularityModel
    let version: String

    var modelVersions: [String: String] { ["popularity": version] }

    func candidates(userID: Int, seen: Set<Int>, limit: Int) -> CandidateList {
        CandidateList(items: model.top(limit, excluding: seen), source: .popular, modelVersion: version)
    }
}
