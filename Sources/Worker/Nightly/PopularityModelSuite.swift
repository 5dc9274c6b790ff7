import Pipeline
import Storage

/// Interaction-count popularity over the snapshot: what users without history get, and a model set of its own
/// (`--models popularity`) for a fast run.
struct PopularityModelSuite: NightlyModelSuite {
    func fit(_ snapshot: PublicationSnapshot, index: SnapshotIndex, seed: UInt64, runID: Int) async throws -> any CandidateSource {
        PopularityCandidates(snapshot: snapshot, index: index, runID: runID)
    }
}

struct PopularityCandidates: CandidateSource {
    let model: PopularityModel
    let index: SnapshotIndex
    /// Popularity has no randomness; its version names the run whose snapshot it counted.
    let version: String

    init(snapshot: PublicationSnapshot, index: SnapshotIndex, runID: Int) {
        var counts = [Int: Double]()
        for event in snapshot.interactions { counts[event.itemID, default: 0] += 1 }
        model = PopularityModel(counts: counts)
        self.index = index
        version = "popularity-r\(runID)"
    }

    var modelVersions: [String: String] { ["popularity": version] }

    func candidates(userIDs: [Int], limit: Int) -> [CandidateList] {
        userIDs.map { candidates(userID: $0, limit: limit) }
    }

    func candidates(userID: Int, limit: Int) -> CandidateList {
        CandidateList(items: model.top(limit, excluding: index.seenItems(userID: userID)), source: .popular, modelVersion: version)
    }
}
