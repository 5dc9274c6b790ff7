import Foundation
import KafkaClient
import Pipeline
import PostgresClient
import LinearAlgebra

/// A fresh database and topic, plus helpers to publish events and run the worker against them.
public final class StreamTestHarness: @unchecked Sendable {
    public let database: TestDatabase
    public let topic: String
    public let brokers: String
    public let binary: RecworkerBinary
    public let group: String

    public init(topicPrefix: String) throws {
        brokers = try TestEnvironment.require("KAFKA_BROKERS")
        database = try TestDatabase()
        topic = TestEnvironment.uniqueTopic(topicPrefix)
        group = "test-\(UInt32.random(in: 0...UInt32.max))"
        binary = try RecworkerBinary.locate()
    }

    public func tearDown() { database.drop() }

    /// Publishes raw payloads keyed by the given keys, and waits until every one is delivered.
    public func publish(_ payloads: [(key: String, value: [UInt8])]) throws {
        try publishRaw(payloads.map { (key: Array($0.key.utf8), value: $0.value) })
    }

    /// Publishes keys and values as raw bytes (a nil key sends none).
    public func publishRaw(_ payloads: [(key: [UInt8]?, value: [UInt8])]) throws {
        let producer = try KafkaProducer(brokers: brokers)
        for payload in payloads {
            try producer.send(topic: topic, key: payload.key, value: payload.value)
        }
        try producer.flush()
    }

    public func publish(_ events: [InteractionEvent]) throws {
        try publish(events.map { (key: String($0.userID), value: EventCodec.encode($0)) })
    }

    /// Arguments for `recworker stream` against this harness's database and topic.
    public func streamArguments(idleExit: Double? = 3, databaseURL: String? = nil, extra: [String] = []) -> [String] {
        var arguments = ["stream", "--database-url", databaseURL ?? database.url, "--brokers", brokers, "--topic", topic,
                         "--group", group, "--metrics-port=-1", "--log-level", "warning",
                         "--refresh-lease-seconds", "2"]
        if let idleExit { arguments += ["--exit-when-idle", String(idleExit)] }
        return arguments + extra
    }

    public func count(_ sql: String) throws -> Int {
        try database.connect().query(sql)[0].int("n")
    }
}

/// Deterministic synthetic events for stream tests.
public enum TestEvents {
    public static func ratings(count: Int, users: Int = 50, items: Int = 200, seed: UInt64 = 7, idPrefix: String = "e") -> [InteractionEvent] {
        var rng = SeededGenerator(seed: seed)
        return (0..<count).map { index in
            let type: InteractionType = index % 5 == 4 ? .view : .rating
            return InteractionEvent(
                eventID: "\(idPrefix)-\(index)", userID: 1 + Int(rng.next() % UInt64(users)), itemID: 1 + Int(rng.next() % UInt64(items)),
                type: type, value: type == .rating ? Double(1 + rng.next() % 5) : 1, timestamp: 1_700_000_000 + Double(index))
        }
    }
}
