import Storage

/// Which users a run ranks in what order, and which of them the LLM budget covers.
///
/// Users are ordered by how much changed since the previous nightly run, then by activity, then by id, so the
/// LLM budget goes to the users whose lists move most and an interrupted run has refreshed them first. The plan
/// depends only on the snapshot, so a resumed run makes the same choices.
struct NightlyPlan: Sendable {
    /// Every user, in processing order.
    let order: [Int]
    /// Users to rerank with the LLM, while the run's token budget lasts.
    let llmUsers: Set<Int>

    init(snapshot: PublicationSnapshot, index: SnapshotIndex, llmMaxUsers: Int) {
        let changed = snapshot.changedCounts
        order = snapshot.userIDs.sorted { a, b in
            let (changedA, changedB) = (changed[a] ?? 0, changed[b] ?? 0)
            if changedA != changedB { return changedA > changedB }
            let (activeA, activeB) = (index.interactionCount(userID: a), index.interactionCount(userID: b))
            if activeA != activeB { return activeA > activeB }
            return a < b
        }
        llmUsers = Set(order.prefix(llmMaxUsers))
    }
}
