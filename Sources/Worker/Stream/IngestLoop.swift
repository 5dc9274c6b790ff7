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
final class IngestLoop: Sendable {
    private let settings: StreamSettings
    private let databaseURL: String
    private let logger: Logger
    private let stopRequested = Atomic<Bool>(false)
    private let positions = PartitionPositions()
    private let guards: PartitionGuards
    private let lastActivity = ActivityClock()
    private let committed: CommitObserver?
    private let health: WorkerHealth
    private let knownItems = KnownItems()

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
        self.guards = PartitionGuards(carefulSpan: settings.maxBatchSize)
    }

    /// Asks the loop to finish its current batch, leave the group and return.
    func stop() { stopRequested.store(true, ordering: .relaxed) }

    /// When the loop last consumed anything or was assigned partitions; nil before the first assignment
    /// (for idle shutdown in demo and test runs).
    var lastActivityTime: ContinuousClock.Instant? {
        positions.assigned.isEmpty ? nil : lastActivity.withLock { $0 }
    }

    /// Partitions this loop holds now.
    var assignedPartitionCount: Int { positions.assigned.count }

    func run() throws {
        var connection = try PostgresConnection(url: databaseURL)
        let offsetsConnection = try PostgresConnection(url: databaseURL)
        health.databaseConnected(true)
        let positions = self.positions
        let guards = self.guards
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
                let pending = (try? IngestAttempts(connection: offsetsConnection).pending(groupID: groupID, topic: topic)) ?? [:]
                var starts = [TopicPartition: Int64]()
                var assigned = [TopicPartition: Int64?]()
                for partition in partitions {
                    let offset = stored?[partition.partition]
                    assigned[partition] = .some(offset)
                    if let offset { starts[partition] = offset }
                    guards.assigned(partition, pending: pending[partition.partition], stored: offset)
                    if let unfinished = pending[partition.partition], PartitionGuards.isUnfinished(unfinished, stored: offset) {
                        logger.warning("\(partition): a batch from offset \(unfinished.offset) did not commit (\(unfinished.attempts) tries); applying its messages one by one")
                    }
                }
                let before = positions.assigned.count
                positions.assign(assigned)
                health.partitionsChanged(by: positions.assigned.count - before)
                activity.withLock { $0 = .now }
                logger.info("assigned \(partitions.map(\.description).joined(separator: ", "))")
                return starts
            },
            revoked: { partitions in
                let before = positions.assigned.count
                positions.revoke(partitions)
                guards.revoked(partitions)
                health.partitionsChanged(by: positions.assigned.count - before)
                logger.info("revoked \(partitions.map(\.description).joined(separator: ", "))")
            })
        try consumer.checkBrokersReachable()
        defer { consumer.close() }
        let assembler = BatchAssembler(groupID: groupID, contract: settings.contract)
        logger.info("consuming \(topic) as group \(groupID) from \(settings.brokers)")

        var stallWatch = ConsumptionStallWatch(threshold: .seconds(30))
        while !stopRequested.load(ordering: .relaxed) {
            health.ingestBeat()
            let messages = try collectBatch(consumer)
            guard !messages.isEmpty else {
                noteEmptyPoll(&stallWatch, consumer: consumer)
                continue
            }
            stallWatch.received()
            lastActivity.withLock { $0 = .now }
            // Messages of partitions revoked while the batch filled belong to their new owner now.
            let owned = messages.filter { positions.isAssigned($0.topicPartition) }
            guard !owned.isEmpty else { continue }
            do {
                try applyGuarded(owned, assembler: assembler, connection: connection, consumer: consumer)
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
            } catch {
                // Not transient and not isolated to single events: never stop the partition. Note the failure,
                // go through these messages one by one, and dead-letter the one that keeps failing.
                do {
                    try recordFailure(error, of: owned, connection: connection)
                    try rewind(consumer, connection: connection)
                } catch let error as PostgresError where error.isTransient {
                    connection = try waitForDatabase(after: error, consumer: consumer)
                }
            }
        }
        logger.info("stopping: leaving the consumer group")
    }

    /// Applies the messages: careful partitions one message per transaction, the rest as one batch.
    private func applyGuarded(_ messages: [KafkaMessage], assembler: BatchAssembler, connection: PostgresConnection,
                              consumer: KafkaConsumer) throws {
        var normal = [KafkaMessage]()
        normal.reserveCapacity(messages.count)
        var careful = [KafkaMessage]()
        for message in messages {
            if case .careful = guards.mode(message.topicPartition) { careful.append(message) } else { normal.append(message) }
        }
        for message in careful.sorted(by: { ($0.topicPartition.partition, $0.offset) < ($1.topicPartition.partition, $1.offset) }) {
            // An earlier message of this poll may have ended careful mode for the partition: it stays one by one
            // for this poll anyway, which is only slower.
            try applyCarefully(message, assembler: assembler, connection: connection, consumer: consumer)
        }
        guard !normal.isEmpty else { return }
        let attempts = IngestAttempts(connection: connection)
        var guarded = [TopicPartition]()
        var firstOffsets = [TopicPartition: Int64]()
        for message in normal { firstOffsets[message.topicPartition] = min(firstOffsets[message.topicPartition] ?? .max, message.offset) }
        for (partition, offset) in firstOffsets where guards.mode(partition) == .firstBatch {
            try attempts.begin(groupID: settings.groupID, partition: partition.id, offset: offset)
            guarded.append(partition)
        }
        let batch = assembler.assemble(normal, positions: positions, guarded: guarded)
        try commit(batch, consumer: consumer, connection: connection)
        for (partition, _) in firstOffsets { guards.committed(partition, count: normal.count) }
    }

    /// One message in its own guarded transaction; once it has failed `maxAttempts` times it is dead-lettered.
    private func applyCarefully(_ message: KafkaMessage, assembler: BatchAssembler, connection: PostgresConnection,
                                consumer: KafkaConsumer) throws {
        let partition = message.topicPartition
        let record = try IngestAttempts(connection: connection).begin(groupID: settings.groupID, partition: partition.id, offset: message.offset)
        let batch: IngestBatch
        if record.attempts > settings.maxAttempts {
            WorkerMetrics.poisonGiveUps.increment()
            let reason = "gave up after \(record.attempts - 1) attempts to apply this message: \(record.lastError ?? "the worker stopped while applying it")"
            logger.error("\(partition) offset \(message.offset): \(reason)")
            batch = assembler.assemble([], positions: positions, guarded: [partition],
                                       extraDeadLetters: [DeadLetter(origin: BatchAssembler.origin(of: message), reason: reason)])
        } else {
            batch = assembler.assemble([message], positions: positions, guarded: [partition])
        }
        try commit(batch, consumer: consumer, connection: connection)
        guards.committed(partition, count: 1)
    }

    private func commit(_ batch: IngestBatch, consumer: KafkaConsumer, connection: PostgresConnection) throws {
        let started = ContinuousClock.now
        let outcome = try IngestStore(connection: connection, knownItems: knownItems).apply(batch)
        // Applying is activity too: a long batch must not look like an idle stream.
        lastActivity.withLock { $0 = .now }
        committed?(batch, outcome)
        for progress in batch.progress {
            positions.advance(TopicPartition(topic: progress.topic, partition: progress.partition), to: progress.newNextOffset)
        }
        consumer.commitAsync(Dictionary(uniqueKeysWithValues: batch.progress.map {
            (TopicPartition(topic: $0.topic, partition: $0.partition), $0.newNextOffset)
        }))
        record(batch, outcome, since: started, consumer: consumer)
    }

    /// Keeps the failure where the next try (in this process or the next owner) finds it.
    private func recordFailure(_ error: any Error, of messages: [KafkaMessage], connection: PostgresConnection) throws {
        WorkerMetrics.batchFailures.increment()
        logger.error("batch failed, retrying its messages one by one: \(error)")
        var firstOffsets = [TopicPartition: Int64]()
        for message in messages { firstOffsets[message.topicPartition] = min(firstOffsets[message.topicPartition] ?? .max, message.offset) }
        let attempts = IngestAttempts(connection: connection)
        for (partition, offset) in firstOffsets {
            let record = try attempts.pending(groupID: settings.groupID, topic: partition.topic)[partition.partition]
            if record?.offset != offset { try attempts.begin(groupID: settings.groupID, partition: partition.id, offset: offset) }
            try attempts.fail(groupID: settings.groupID, partition: partition.id, error: "\(error)")
            guards.failed(partition)
        }
    }

    /// Keeps the lag gauge current while nothing arrives, and warns when messages keep waiting unreceived.
    private func noteEmptyPoll(_ watch: inout ConsumptionStallWatch, consumer: KafkaConsumer) {
        let lag = waitingMessages(consumer)
        WorkerMetrics.consumerLag.record(lag)
        if let waited = watch.emptyPoll(at: .now, lag: lag) {
            WorkerMetrics.consumptionStalls.increment()
            logger.warning("""
                \(lag) messages are waiting on \(settings.topic) but no poll has delivered any for \(waited): check the \
                broker's load and logs, and fetch settings in kafka.properties (fetch.wait.max.ms)
                """)
        }
    }

    /// Messages past the stored offsets of every assigned partition, from librdkafka's cached watermarks.
    private func waitingMessages(_ consumer: KafkaConsumer) -> Int64 {
        positions.snapshot.reduce(Int64(0)) { sum, entry in sum + (consumer.lag(entry.key, nextOffset: entry.value ?? 0) ?? 0) }
    }

    /// Polls until `maxBatchSize` messages or `maxBatchWait` after the first one.
    private func collectBatch(_ consumer: KafkaConsumer) throws -> [KafkaMessage] {
        // A poll returns when it has `maxMessages` or its timeout has passed, so the first message is waited for in
        // short polls: one long poll held every batch of a steady stream for its whole timeout before the batch's own
        // wait began (300 ms instead of the configured 100 before a commit).
        var messages = [KafkaMessage]()
        let idleUntil = ContinuousClock.now + .milliseconds(200)
        while messages.isEmpty, ContinuousClock.now < idleUntil, !stopRequested.load(ordering: .relaxed) {
            messages = try consumer.poll(maxMessages: settings.maxBatchSize, timeout: .milliseconds(5))
        }
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
        WorkerMetrics.deadLetters.increment(by: batch.deadLetters.count + outcome.isolated.count)
        if !outcome.isolated.isEmpty {
            WorkerMetrics.isolatedEvents.increment(by: outcome.isolated.count)
            WorkerMetrics.isolatedBatches.increment()
            for letter in outcome.isolated {
                logger.warning("dead-lettered \(letter.topic)[\(letter.partition)] offset \(letter.offset): \(letter.reason)")
            }
        }
        WorkerMetrics.batches.increment()
        WorkerMetrics.batchLatency.recordInterval(since: started)
        let lag = waitingMessages(consumer)
        WorkerMetrics.consumerLag.record(lag)
        logger.debug("batch applied", metadata: [
            "events": "\(batch.events.count)", "inserted": "\(outcome.inserted)", "dead_letters": "\(batch.deadLetters.count + outcome.isolated.count)",
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

extension TopicPartition {
    var id: TopicPartitionID { TopicPartitionID(topic: topic, partition: partition) }
}
