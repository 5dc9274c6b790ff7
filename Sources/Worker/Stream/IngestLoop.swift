import Foundation
import KafkaClient
import Logging
import Pipeline
import PostgresClient
import Storage
import Synchronization

/// The consuming half of the stream worker: poll a batch, apply it in one transaction together with the
/// partitions' next offsets, repeat. Runs on its own thread because librdkafka and libpq calls block.
///
/// Exactly-once effects: offsets live in PostgreSQL beside the effects; on assignment each partition starts
/// at its stored offset; a batch commits only if the stored offsets are still the ones this member
/// started from (a fence against a second member that took the partition over); event ids deduplicate
/// on top. A database outage pauses consumption and rewinds to the stored offsets, so nothing is skipped.
final class IngestLoop: @unchecked Sendable {
    private let settings: StreamSettings
    private let databaseURL: String
    private let logger: Logger
    private let stopRequested = Atomic<Bool>(false)
    private let positions = PartitionPositions()
    private let lastActivity = ActivityClock()
    private let committed: CommitObserver?
    private let health: WorkerHealth

    /// Told about every batch right after its transaction commits, on the ingest thread (benchmarks measure
    /// throughput and freshness with it); keep it cheap, it delays the next poll.
    typealias CommitObserver = @Sendable (IngestBatch, IngestOutcome) -> Void

    init(settings: StreamSettings, databaseURL: String, logger: Logger, health: WorkerHealth = WorkerHealth(),
         committed: CommitObserver? = nil) {
        self.settings = settings
        self.health = health
        self.databaseURL = databaseURL
        self.logger = logger
        self.committed = committed
    }

    /// Asks the loop to finish its current batch, leave the group and return.
    func stop() { stopRequested.store(true, ordering: .relaxed) }

    /// When the loop last consumed anything or was assigned partitions; nil before the first assignment
    /// (for idle shutdown in demo and test runs).
    var lastActivityTime: ContinuousClock.Instant? {
        positions.assigned.isEmpty ? nil : lastActivity.withLock { $0 }
    }

    func run() throws {
        var connection = try PostgresConnection(url: databaseURL)
        let offsetsConnection = try PostgresConnection(url: databaseURL)
        health.databaseConnected(true)
        let positions = self.positions
        let health = self.health
        let groupID = settings.groupID
        let topic = settings.topic
        let logger = self.logger
        let activity = lastActivity
        let consumer = try KafkaConsumer(
            brokers: settings.brokers, groupID: groupID, topics: [topic], properties: settings.kafkaProperties,
            startingOffsets: { partitions in
                // Called inside poll: the assignment starts where the effects say, never at a stale position.
                let stored = Self.loadOffsets(offsetsConnection, groupID: groupID, topic: topic, logger: logger)
                var starts = [TopicPartition: Int64]()
                var assigned = [TopicPartition: Int64?]()
                for partition in partitions {
                    let offset = stored?[partition.partition]
                    assigned[partition] = .some(offset)
                    if let offset { starts[partition] = offset }
                }
                positions.assign(assigned)
                health.assignmentChanged(to: positions.assigned.count)
                activity.withLock { $0 = .now }
                logger.info("assigned \(partitions.map(\.description).joined(separator: ", "))")
                return starts
            },
            revoked: { partitions in
                positions.revoke(partitions)
                health.assignmentChanged(to: positions.assigned.count)
                logger.info("revoked \(partitions.map(\.description).joined(separator: ", "))")
            })
        try consumer.checkBrokersReachable()
        defer { consumer.close() }
        let assembler = BatchAssembler(groupID: groupID)
        logger.info("consuming \(topic) as group \(groupID) from \(settings.brokers)")

        while !stopRequested.load(ordering: .relaxed) {
            health.ingestBeat()
            let messages = try collectBatch(consumer)
            guard !messages.isEmpty else { continue }
            lastActivity.withLock { $0 = .now }
            // Messages of partitions revoked while the batch filled belong to their new owner now.
            let owned = messages.filter { positions.isAssigned($0.topicPartition) }
            guard !owned.isEmpty else { continue }
            let batch = assembler.assemble(owned, positions: positions)
            let started = ContinuousClock.now
            do {
                let outcome = try IngestStore(connection: connection).apply(batch)
                committed?(batch, outcome)
                for progress in batch.progress {
                    positions.advance(TopicPartition(topic: progress.topic, partition: progress.partition), to: progress.newNextOffset)
                }
                consumer.commitAsync(Dictionary(uniqueKeysWithValues: batch.progress.map {
                    (TopicPartition(topic: $0.topic, partition: $0.partition), $0.newNextOffset)
                }))
                record(batch, outcome, since: started, consumer: consumer)
            } catch let violation as OffsetFenceViolation {
                WorkerMetrics.fenceViolations.increment()
                logger.warning("\(violation)")
                do {
                    try rewind(consumer, connection: connection)
                } catch let error as PostgresError where error.isTransient {
                    connection = try waitForDatabase(after: error, consumer: consumer)
                }
            } catch let error as PostgresError where error.isTransient {
                connection = try waitForDatabase(after: error, consumer: consumer)
            }
        }
        logger.info("stopping: leaving the consumer group")
    }

    /// Polls until `maxBatchSize` messages or `maxBatchWait` after the first one.
    private func collectBatch(_ consumer: KafkaConsumer) throws -> [KafkaMessage] {
        var messages = try consumer.poll(maxMessages: settings.maxBatchSize, timeout: .milliseconds(200))
        guard !messages.isEmpty else { return [] }
        let deadline = ContinuousClock.now + settings.maxBatchWait
        while messages.count < settings.maxBatchSize, !stopRequested.load(ordering: .relaxed) {
            let remaining = deadline - ContinuousClock.now
            guard remaining > .zero else { break }
            let more = try consumer.poll(maxMessages: settings.maxBatchSize - messages.count, timeout: min(remaining, .milliseconds(50)))
            messages.append(contentsOf: more)
        }
        return messages
    }

    /// Moves every assigned partition back to its stored offset (after a fence violation or an outage).
    private func rewind(_ consumer: KafkaConsumer, connection: PostgresConnection) throws {
        let stored = try IngestStore(connection: connection).storedOffsets(groupID: settings.groupID, topic: settings.topic)
        var seeks = [TopicPartition: Int64]()
        var believed = [TopicPartition: Int64?]()
        for partition in positions.assigned where partition.topic == settings.topic {
            let offset = stored[partition.partition]
            believed[partition] = .some(offset)
            seeks[partition] = offset ?? -2  // RD_KAFKA_OFFSET_BEGINNING
        }
        positions.assign(believed)
        try consumer.seek(seeks)
    }

    /// Pauses the assignment, keeps group membership alive, reconnects with backoff, then rewinds.
    private func waitForDatabase(after error: PostgresError, consumer: KafkaConsumer) throws -> PostgresConnection {
        WorkerMetrics.databaseOutages.increment()
        health.databaseConnected(false)
        logger.error("database unavailable, pausing consumption: \(error)")
        consumer.pause(positions.assigned)
        var delay = Duration.milliseconds(200)
        while true {
            // Polling a paused assignment delivers nothing but serves heartbeats and rebalances.
            _ = try consumer.poll(maxMessages: 1, timeout: delay)
            health.ingestBeat()
            // An outage is not idleness: the worker still has events to apply.
            lastActivity.withLock { $0 = .now }
            if stopRequested.load(ordering: .relaxed) { throw CancellationError() }
            guard let connection = try? PostgresConnection(url: databaseURL) else {
                delay = min(delay * 2, .seconds(5))
                continue
            }
            try rewind(consumer, connection: connection)
            consumer.resume(positions.assigned)
            health.databaseConnected(true)
            lastActivity.withLock { $0 = .now }
            logger.info("database is back, resuming from the stored offsets")
            return connection
        }
    }

    private func record(_ batch: IngestBatch, _ outcome: IngestOutcome, since started: ContinuousClock.Instant, consumer: KafkaConsumer) {
        let consumed = batch.events.count + batch.deadLetters.count
        WorkerMetrics.eventsConsumed.increment(by: consumed)
        WorkerMetrics.eventsApplied.increment(by: outcome.inserted)
        WorkerMetrics.duplicateEvents.increment(by: outcome.duplicates)
        WorkerMetrics.deadLetters.increment(by: batch.deadLetters.count)
        WorkerMetrics.batches.increment()
        WorkerMetrics.batchLatency.recordInterval(since: started)
        let lag = batch.progress.compactMap {
            consumer.lag(TopicPartition(topic: $0.topic, partition: $0.partition), nextOffset: $0.newNextOffset)
        }.reduce(0, +)
        WorkerMetrics.consumerLag.record(lag)
        logger.debug("batch applied", metadata: [
            "events": "\(batch.events.count)", "inserted": "\(outcome.inserted)", "dead_letters": "\(batch.deadLetters.count)",
            "users": "\(outcome.usersTouched)", "lag": "\(lag)",
        ])
    }

    private static func loadOffsets(_ connection: PostgresConnection, groupID: String, topic: String, logger: Logger) -> [Int32: Int64]? {
        do {
            return try IngestStore(connection: connection).storedOffsets(groupID: groupID, topic: topic)
        } catch {
            // Starting from the beginning is safe: the offset fence refuses the first batch and rewinds.
            logger.error("cannot read stored offsets (\(error)); the first batch will re-check them")
            try? connection.reset()
            return nil
        }
    }
}

/// The instant of the last consumption or assignment, shared with the idle-exit service.
final class ActivityClock: Sendable {
    private let instant = Mutex<ContinuousClock.Instant>(.now)
    func withLock<R>(_ body: (inout ContinuousClock.Instant) -> R) -> R { instant.withLock { body(&$0) } }
}
