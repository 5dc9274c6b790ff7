import CRdKafka
import Foundation
import Synchronization

/// An idempotent producer. `send` queues without blocking (waiting only when librdkafka's local
/// queue is full); `flush` waits for every queued message and reports the first delivery failure.
public final class KafkaProducer: @unchecked Sendable {
    private let handle: OpaquePointer
    private var topics: [String: OpaquePointer] = [:]
    private let lock = NSLock()
    private let failures: Unmanaged<DeliveryFailures>
    public let brokers: String

    public init(brokers: String, properties: [String: String] = [:]) throws {
        self.brokers = brokers
        var all: [String: String] = [
            "bootstrap.servers": brokers,
            "enable.idempotence": "true",
            "linger.ms": "5",
            "compression.type": "lz4",
        ]
        all.merge(properties) { _, new in new }
        let conf = try KafkaConfiguration(properties: all).makeHandleConfig()
        let box = Unmanaged.passRetained(DeliveryFailures())
        rd_kafka_conf_set_opaque(conf, box.toOpaque())
        rd_kafka_conf_set_dr_msg_cb(conf) { _, message, opaque in
            guard let message, let opaque, message.pointee.err != RD_KAFKA_RESP_ERR_NO_ERROR else { return }
            Unmanaged<DeliveryFailures>.fromOpaque(opaque).takeUnretainedValue()
                .record(String(cString: rd_kafka_err2str(message.pointee.err)))
        }
        var errorText = [CChar](repeating: 0, count: 512)
        guard let rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, &errorText, errorText.count) else {
            box.release()
            throw KafkaError("cannot create producer: \(cStringBuffer(errorText))")
        }
        handle = rk
        failures = box
    }

    deinit {
        _ = rd_kafka_flush(handle, 10_000)
        for topic in topics.values { rd_kafka_topic_destroy(topic) }
        rd_kafka_destroy(handle)
        failures.release()
    }

    public func checkBrokersReachable(timeout: Duration = .seconds(10)) throws {
        try KafkaHandle.checkReachable(handle, brokers: brokers, timeout: timeout)
    }

    /// How many partitions `topic` has (it must exist: a producer's first message auto-creates it on brokers that allow it).
    public func partitionCount(of topic: String, timeout: Duration = .seconds(10)) throws -> Int {
        try KafkaHandle.partitionCount(handle, topic: topic, timeout: timeout)
    }

    /// Queues one message; partitioned by key (librdkafka's consistent-random partitioner).
    public func send(topic: String, key: [UInt8]?, value: [UInt8]) throws {
        let rkt = try topicHandle(topic)
        while true {
            let status = value.withUnsafeBytes { valueBytes in
                withOptionalBytes(key) { keyBytes in
                    rd_kafka_produce(
                        rkt, RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY,
                        UnsafeMutableRawPointer(mutating: valueBytes.baseAddress), valueBytes.count,
                        keyBytes?.baseAddress, keyBytes?.count ?? 0, nil)
                }
            }
            if status == 0 { break }
            let err = rd_kafka_last_error()
            guard err == RD_KAFKA_RESP_ERR__QUEUE_FULL else {
                throw KafkaError("produce to \(topic) failed: \(String(cString: rd_kafka_err2str(err)))")
            }
            rd_kafka_poll(handle, 100)
        }
        rd_kafka_poll(handle, 0)
    }

    /// Waits until every queued message is delivered; throws the first delivery failure seen since the last flush.
    public func flush(timeout: Duration = .seconds(60)) throws {
        let err = rd_kafka_flush(handle, Int32(timeout.milliseconds))
        if let failure = failures.takeUnretainedValue().take() { throw KafkaError("delivery failed: \(failure)") }
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError("flush did not finish: \(String(cString: rd_kafka_err2str(err))); are the brokers at \(brokers) reachable?")
        }
    }

    private func topicHandle(_ name: String) throws -> OpaquePointer {
        try lock.withLock {
            if let existing = topics[name] { return existing }
            guard let rkt = rd_kafka_topic_new(handle, name, nil) else {
                throw KafkaError("cannot create topic handle \(name): \(String(cString: rd_kafka_err2str(rd_kafka_last_error())))")
            }
            topics[name] = rkt
            return rkt
        }
    }
}

private func withOptionalBytes<R>(_ bytes: [UInt8]?, _ body: (UnsafeRawBufferPointer?) -> R) -> R {
    guard let bytes else { return body(nil) }
    return bytes.withUnsafeBytes { body($0) }
}

/// The first delivery failure since the last `take`, recorded on librdkafka's thread.
private final class DeliveryFailures: Sendable {
    private let first = Mutex<String?>(nil)
    func record(_ reason: String) { first.withLock { if $0 == nil { $0 = reason } } }
    func take() -> String? { first.withLock { first in defer { first = nil }; return first } }
}
