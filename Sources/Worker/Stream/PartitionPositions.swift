import Foundation
import KafkaClient

/// What this member believes is stored as each assigned partition's next offset. Rebalance callbacks
/// (inside poll) and the batch loop both touch it, so it is lock-protected.
final class PartitionPositions: @unchecked Sendable {
    /// nil value: the partition is assigned but nothing is stored for it yet.
    private var stored: [TopicPartition: Int64?] = [:]
    private let lock = NSLock()

    func assign(_ offsets: [TopicPartition: Int64?]) { lock.withLock { stored.merge(offsets) { _, new in new } } }

    func revoke(_ partitions: [TopicPartition]) { lock.withLock { partitions.forEach { stored.removeValue(forKey: $0) } } }

    func isAssigned(_ partition: TopicPartition) -> Bool { lock.withLock { stored[partition] != nil } }

    /// The stored next offset believed current (outer nil: not assigned; inner nil: nothing stored).
    func expected(_ partition: TopicPartition) -> Int64?? { lock.withLock { stored[partition] } }

    func advance(_ partition: TopicPartition, to offset: Int64) { lock.withLock { if stored[partition] != nil { stored[partition] = offset } } }

    var assigned: [TopicPartition] { lock.withLock { Array(stored.keys) } }

    var snapshot: [TopicPartition: Int64?] { lock.withLock { stored } }
}
