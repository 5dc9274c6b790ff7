import KafkaClient
import Synchronization

/// What this member believes is stored as each assigned partition's next offset. Rebalance callbacks
/// (inside poll) and the batch loop both touch it, so it is lock-protected.
final class PartitionPositions: Sendable {
    /// nil value: the partition is assigned but nothing is stored for it yet.
    private let stored = Mutex<[TopicPartition: Int64?]>([:])

    func assign(_ offsets: [TopicPartition: Int64?]) { stored.withLock { $0.merge(offsets) { _, new in new } } }

    func revoke(_ partitions: [TopicPartition]) { stored.withLock { stored in partitions.forEach { stored.removeValue(forKey: $0) } } }

    func isAssigned(_ partition: TopicPartition) -> Bool { stored.withLock { $0[partition] != nil } }

    /// The stored next offset believed current (outer nil: not assigned; inner nil: nothing stored).
    func expected(_ partition: TopicPartition) -> Int64?? { stored.withLock { $0[partition] } }

    func advance(_ partition: TopicPartition, to offset: Int64) {
        stored.withLock { stored in if stored[partition] != nil { stored[partition] = offset } }
    }

    var assigned: [TopicPartition] { stored.withLock { Array($0.keys) } }

    var snapshot: [TopicPartition: Int64?] { stored.withLock { $0 } }
}
