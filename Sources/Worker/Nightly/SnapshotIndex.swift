import Pipeline
import Storage

/// Per-user views of a snapshot's interactions (which are grouped by user, newest first): the items each
/// user has seen and the profile their explanations and prompts are built from.
struct SnapshotIndex: Sendable {
    private let snapshot: PublicationSnapshot
    private let ranges: [Int: Range<Int>]

    init(_ snapshot: PublicationSnapshot) {
        self.snapshot = snapshot
        var ranges = [Int: Range<Int>]()
        var start = 0
        let events = snapshot.interactions
        while start < events.count {
            let user = events[start].userID
            var end = start + 1
            while end < events.count, events[end].userID == user { end += 1 }
            ranges[user] = start..<end
            start = end
        }
        self.ranges = ranges
    }

    func interactionCount(userID: Int) -> Int { ranges[userID]?.count ?? 0 }

    func seenItems(userID: Int) -> Set<Int> {
        guard let range = ranges[userID] else { return [] }
        return Set(snapshot.interactions[range].lazy.map(\.itemID))
    }

    func item(_ id: Int) -> Item { snapshot.items[id] ?? .stub(id: id) }

    /// The same aggregates `ProfileStore` reads, computed from the snapshot so they match the training data.
    func profile(userID: Int, historyLength: Int) -> UserProfile {
        let events = ranges[userID].map { snapshot.interactions[$0] } ?? []
        return UserProfile.aggregate(userID: userID, events: events, item: item, demographics: snapshot.demographics[userID],
                                     historyLength: historyLength)
    }
}
