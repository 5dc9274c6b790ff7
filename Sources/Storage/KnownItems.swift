import Pipeline
import Synchronization

/// Items an ingest loop knows are in `items` (already there, or stubbed by a batch it committed), so a batch asks
/// the database only about the others: at tens of thousands of events per second, probing every batch's items
/// for a stub was one index descent per distinct item per batch.
///
/// Nothing deletes items (retention and erasure remove interactions and users), so once known an item stays
/// known. The set stops growing at `limit`; items beyond it are asked about every time, as before.
public final class KnownItems: Sendable {
    private let ids = Mutex(Set<Int>())
    private let limit: Int

    public init(limit: Int = 1_000_000) { self.limit = limit }

    /// The distinct items of `events` not known yet, in id order.
    func unknown(among events: some Sequence<InteractionEvent>) -> [Int] {
        ids.withLock { known in
            var unknown = Set<Int>()
            for event in events where !known.contains(event.itemID) { unknown.insert(event.itemID) }
            return unknown.sorted()
        }
    }

    /// Call once the transaction that stored or stubbed them has committed.
    func learn(_ items: [Int]) {
        ids.withLock { known in
            for item in items where known.count < limit { known.insert(item) }
        }
    }

    var count: Int { ids.withLock { $0.count } }
}
