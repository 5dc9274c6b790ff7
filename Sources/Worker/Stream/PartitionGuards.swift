import KafkaClient
import Storage
import Synchronization

/// The crash-loop guard's decisions per assigned partition (the I/O is `IngestAttempts`; this is the state).
///
/// - `firstBatch`: the first batch after an assignment records a guard row before it is applied, so a worker
///   that dies on it leaves a trace the next owner finds.
/// - `careful`: a batch from here did not commit before (a guard row for the stored offset was found, or a batch
///   failed in this process): the next messages are applied one per transaction, each guarded, so the message
///   that keeps failing is found exactly and dead-lettered once it has failed `maxAttempts` times.
/// Partitions in neither mode cost nothing extra.
final class PartitionGuards: Sendable {
    enum Mode: Equatable, Sendable {
        case firstBatch
        case careful(remaining: Int)
    }

    private let modes = Mutex<[TopicPartition: Mode]>([:])
    /// How many messages a careful partition is applied one by one: a whole batch, the most the failed try held.
    let carefulSpan: Int

    init(carefulSpan: Int) { self.carefulSpan = carefulSpan }

    /// `pending` is the partition's unfinished guard row, `stored` its stored next offset (nil: nothing committed
    /// yet, so the partition is read from its start and any guard row is for a batch from there).
    func assigned(_ partition: TopicPartition, pending: IngestAttempts.Record?, stored: Int64?) {
        let mode: Mode = Self.isUnfinished(pending, stored: stored) ? .careful(remaining: carefulSpan) : .firstBatch
        modes.withLock { $0[partition] = mode }
    }

    static func isUnfinished(_ pending: IngestAttempts.Record?, stored: Int64?) -> Bool {
        guard let pending else { return false }
        return stored == nil || pending.offset == stored
    }

    func revoked(_ partitions: [TopicPartition]) {
        modes.withLock { modes in partitions.forEach { modes.removeValue(forKey: $0) } }
    }

    func mode(_ partition: TopicPartition) -> Mode? { modes.withLock { $0[partition] } }

    /// `count` messages of the partition committed.
    func committed(_ partition: TopicPartition, count: Int) {
        modes.withLock { modes in
            switch modes[partition] {
            case .careful(let remaining) where remaining > count: modes[partition] = .careful(remaining: remaining - count)
            default: modes.removeValue(forKey: partition)
            }
        }
    }

    /// A batch with messages of the partition failed in this process: go through them one by one.
    func failed(_ partition: TopicPartition) {
        modes.withLock { $0[partition] = .careful(remaining: carefulSpan) }
    }
}
