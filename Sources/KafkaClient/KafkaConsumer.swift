import CRdKafka
import Foundation

/// A consumer-group member with manual offset management.
///
/// Offsets are owned by the application: on every assignment `startingOffsets` is asked where each
/// partition should start (e.g. from offsets stored with the effects in a database); partitions it
/// does not answer for start at the beginning. Kafka-side commits are optional and informational.
/// Not thread-safe: one task polls it.
public final class KafkaConsumer: @unchecked Sendable {
    public typealias StartingOffsets = @Sendable ([TopicPartition]) -> [TopicPartition: Int64]
    public typealias Revoked = @Sendable ([TopicPartition]) -> Void

    fileprivate let handle: OpaquePointer
    private let queue: OpaquePointer
    private let callbacks: Unmanaged<RebalanceCallbacks>
    private var closed = false
    public let brokers: String

    public init(
        brokers: String,
        groupID: String,
        topics: [String],
        properties: [String: String] = [:],
        startingOffsets: @escaping StartingOffsets,
        revoked: @escaping Revoked = { _ in }
    ) throws {
        self.brokers = brokers
        var all: [String: String] = [
            "bootstrap.servers": brokers,
            "group.id": groupID,
            "enable.auto.commit": "false",
            "enable.auto.offset.store": "false",
            "auto.offset.reset": "earliest",
            "partition.assignment.strategy": "range,roundrobin",
            // A first JoinGroup can otherwise wait out the default 5-minute poll interval (FIELD-NOTES).
            "max.poll.interval.ms": "30000",
            "session.timeout.ms": "6000",
            "heartbeat.interval.ms": "1000",
            // `fetch.wait.max.ms` stays at librdkafka's 500. A 50 ms wait helped freshness on the dev broker (which
            // holds a waiting fetch for its whole wait), but once that broker held a few million events, finding the
            // first one took longer than 50 ms and it answered every fetch empty: the consumer stopped for good.
        ]
        all.merge(properties) { _, new in new }
        let conf = try KafkaConfiguration(properties: all).makeHandleConfig()
        let box = Unmanaged.passRetained(RebalanceCallbacks(startingOffsets: startingOffsets, revoked: revoked))
        rd_kafka_conf_set_opaque(conf, box.toOpaque())
        rd_kafka_conf_set_rebalance_cb(conf, rebalanceTrampoline)
        var errorText = [CChar](repeating: 0, count: 512)
        guard let rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, &errorText, errorText.count) else {
            box.release()
            throw KafkaError("cannot create consumer: \(cStringBuffer(errorText))")
        }
        handle = rk
        callbacks = box
        rd_kafka_poll_set_consumer(rk)
        queue = rd_kafka_queue_get_consumer(rk)

        let list = rd_kafka_topic_partition_list_new(Int32(topics.count))
        defer { rd_kafka_topic_partition_list_destroy(list) }
        for topic in topics { rd_kafka_topic_partition_list_add(list, topic, RD_KAFKA_PARTITION_UA) }
        let err = rd_kafka_subscribe(rk, list)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError("cannot subscribe to \(topics): \(String(cString: rd_kafka_err2str(err)))")
        }
    }

    deinit {
        close()
        rd_kafka_queue_destroy(queue)
        rd_kafka_destroy(handle)
        callbacks.release()
    }

    /// Fails with a message naming the brokers when none answers a metadata request within `timeout`.
    public func checkBrokersReachable(timeout: Duration = .seconds(10)) throws {
        try KafkaHandle.checkReachable(handle, brokers: brokers, timeout: timeout)
    }

    /// Waits up to `timeout` for the first message, then takes what is already buffered, up to `maxMessages`.
    /// Rebalance callbacks run inside this call, on the calling thread.
    public func poll(maxMessages: Int, timeout: Duration) throws -> [KafkaMessage] {
        let capacity = max(1, maxMessages)
        let buffer = UnsafeMutablePointer<UnsafeMutablePointer<rd_kafka_message_t>?>.allocate(capacity: capacity)
        defer { buffer.deallocate() }
        let received = rd_kafka_consume_batch_queue(queue, Int32(timeout.milliseconds), buffer, capacity)
        guard received >= 0 else { throw KafkaError("consume failed: \(String(cString: rd_kafka_err2str(rd_kafka_last_error())))") }
        var messages = [KafkaMessage]()
        messages.reserveCapacity(Int(received))
        var firstError: KafkaError?
        for i in 0..<Int(received) {
            guard let raw = buffer[i] else { continue }
            defer { rd_kafka_message_destroy(raw) }
            let message = raw.pointee
            if message.err != RD_KAFKA_RESP_ERR_NO_ERROR {
                // End-of-partition and transient broker errors are informational: librdkafka retries on its own.
                if message.err == RD_KAFKA_RESP_ERR__FATAL, firstError == nil {
                    firstError = KafkaError(String(cString: rd_kafka_err2str(message.err)))
                }
                continue
            }
            let topic = String(cString: rd_kafka_topic_name(message.rkt))
            let value = message.payload.map { [UInt8](UnsafeRawBufferPointer(start: $0, count: message.len)) } ?? []
            let key = message.key.map { [UInt8](UnsafeRawBufferPointer(start: $0, count: message.key_len)) }
            var timestampType = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
            let timestamp = rd_kafka_message_timestamp(raw, &timestampType)
            messages.append(KafkaMessage(
                topicPartition: TopicPartition(topic: topic, partition: message.partition),
                offset: message.offset, key: key, value: value,
                timestampMilliseconds: timestampType == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE ? nil : timestamp))
        }
        if let firstError { throw firstError }
        return messages
    }

    /// Moves the fetch position of assigned partitions (e.g. back to the offsets stored with the effects).
    public func seek(_ offsets: [TopicPartition: Int64], timeout: Duration = .seconds(10)) throws {
        guard !offsets.isEmpty else { return }
        let list = Self.makeList(offsets)
        defer { rd_kafka_topic_partition_list_destroy(list) }
        if let error = rd_kafka_seek_partitions(handle, list, Int32(timeout.milliseconds)) {
            defer { rd_kafka_error_destroy(error) }
            throw KafkaError("seek failed: \(String(cString: rd_kafka_error_string(error)))")
        }
        // The call succeeds as a whole even when single partitions fail; a partition left at its old position
        // would skip or repeat offsets, so any per-partition error fails the seek.
        let failed = Self.partitionErrors(of: list)
        guard failed.isEmpty else {
            throw KafkaError("seek failed for \(failed.map { "\($0.partition): \($0.reason)" }.joined(separator: ", ")); "
                             + "the partitions keep their previous positions, rewind again before consuming them")
        }
    }

    /// The partitions of a result list whose `err` is set, with librdkafka's reason.
    static func partitionErrors(of list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>) -> [(partition: TopicPartition, reason: String)] {
        (0..<Int(list.pointee.cnt)).compactMap { i in
            let element = list.pointee.elems[i]
            guard element.err != RD_KAFKA_RESP_ERR_NO_ERROR else { return nil }
            return (TopicPartition(topic: String(cString: element.topic), partition: element.partition),
                    String(cString: rd_kafka_err2str(element.err)))
        }
    }

    /// Stops (or restarts) fetching for partitions while keeping group membership alive.
    public func pause(_ partitions: [TopicPartition]) { togglePause(partitions, pause: true) }
    public func resume(_ partitions: [TopicPartition]) { togglePause(partitions, pause: false) }

    /// The partitions currently assigned to this member.
    public var assignment: [TopicPartition] {
        var list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?
        guard rd_kafka_assignment(handle, &list) == RD_KAFKA_RESP_ERR_NO_ERROR, let list else { return [] }
        defer { rd_kafka_topic_partition_list_destroy(list) }
        return Self.partitions(of: list)
    }

    /// Commits next-offsets to Kafka asynchronously. Informational only: the database holds the truth.
    public func commitAsync(_ offsets: [TopicPartition: Int64]) {
        guard !offsets.isEmpty else { return }
        let list = Self.makeList(offsets)
        defer { rd_kafka_topic_partition_list_destroy(list) }
        _ = rd_kafka_commit(handle, list, 1)
    }

    /// Leaves the group (revoking partitions through the callback) and stops fetching.
    public func close() {
        guard !closed else { return }
        closed = true
        _ = rd_kafka_consumer_close(handle)
    }

    private func togglePause(_ partitions: [TopicPartition], pause: Bool) {
        guard !partitions.isEmpty else { return }
        let list = Self.makeList(Dictionary(uniqueKeysWithValues: partitions.map { ($0, Int64(RD_KAFKA_OFFSET_INVALID)) }))
        defer { rd_kafka_topic_partition_list_destroy(list) }
        _ = pause ? rd_kafka_pause_partitions(handle, list) : rd_kafka_resume_partitions(handle, list)
    }

    static func makeList(_ offsets: [TopicPartition: Int64]) -> UnsafeMutablePointer<rd_kafka_topic_partition_list_t> {
        let list = rd_kafka_topic_partition_list_new(Int32(offsets.count))!
        for (tp, offset) in offsets {
            let element = rd_kafka_topic_partition_list_add(list, tp.topic, tp.partition)
            element?.pointee.offset = offset
        }
        return list
    }

    static func partitions(of list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>) -> [TopicPartition] {
        (0..<Int(list.pointee.cnt)).map { i in
            let element = list.pointee.elems[i]
            return TopicPartition(topic: String(cString: element.topic), partition: element.partition)
        }
    }
}

private final class RebalanceCallbacks {
    let startingOffsets: KafkaConsumer.StartingOffsets
    let revoked: KafkaConsumer.Revoked
    init(startingOffsets: @escaping KafkaConsumer.StartingOffsets, revoked: @escaping KafkaConsumer.Revoked) {
        self.startingOffsets = startingOffsets
        self.revoked = revoked
    }
}

/// librdkafka calls this from inside poll; it decides start offsets before the assignment takes effect,
/// so no message from a stale position is ever delivered.
private func rebalanceTrampoline(
    handle: OpaquePointer?, err: rd_kafka_resp_err_t,
    list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?, opaque: UnsafeMutableRawPointer?
) {
    guard let handle, let list, let opaque else { return }
    let callbacks = Unmanaged<RebalanceCallbacks>.fromOpaque(opaque).takeUnretainedValue()
    let partitions = KafkaConsumer.partitions(of: list)
    let cooperative = String(cString: rd_kafka_rebalance_protocol(handle)) == "COOPERATIVE"
    if err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS {
        let starts = callbacks.startingOffsets(partitions)
        for i in 0..<Int(list.pointee.cnt) {
            let tp = partitions[i]
            list.pointee.elems[i].offset = starts[tp] ?? Int64(RD_KAFKA_OFFSET_BEGINNING)
        }
        if cooperative {
            if let error = rd_kafka_incremental_assign(handle, list) { rd_kafka_error_destroy(error) }
        } else {
            _ = rd_kafka_assign(handle, list)
        }
    } else {
        callbacks.revoked(partitions)
        if cooperative {
            if let error = rd_kafka_incremental_unassign(handle, list) { rd_kafka_error_destroy(error) }
        } else {
            _ = rd_kafka_assign(handle, nil)
        }
    }
}

extension Duration {
    var milliseconds: Int {
        let (seconds, attoseconds) = components
        return Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000)
    }
}

extension KafkaConsumer {
    /// Messages between `nextOffset` and the partition's end, from librdkafka's cached high watermark
    /// (updated with every fetch, so this never blocks); nil before the first fetch.
    public func lag(_ partition: TopicPartition, nextOffset: Int64) -> Int64? {
        var low: Int64 = 0
        var high: Int64 = 0
        let err = rd_kafka_get_watermark_offsets(handle, partition.topic, partition.partition, &low, &high)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR, high >= 0 else { return nil }
        return max(0, high - max(nextOffset, low))
    }
}
