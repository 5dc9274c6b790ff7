import Foundation
import KafkaClient
import Pipeline
import Synchronization

/// Produces the bench's events with the project's `KafkaProducer`, keyed by user id like real traffic:
/// all at once before the worker starts (throughput runs) or at a fixed rate while it runs (freshness runs).
final class BenchProducer: Sendable {
    private let producer: KafkaProducer
    private let topic: String
    private let source: Mutex<BenchEventSource>
    private let failure = Mutex<(any Error)?>(nil)

    init(brokers: String, topic: String, source: BenchEventSource) throws {
        // Batched like a high-volume event source: with the worker's 5 ms linger, a 5,000 events/s freshness run sent
        // ~800 produce requests a second, and the dev broker spent half a core on them beside the worker under test.
        producer = try KafkaProducer(brokers: brokers, properties: ["linger.ms": "50"])
        try producer.checkBrokersReachable()
        self.topic = topic
        self.source = Mutex(source)
    }

    /// Partitions of the bench's topic (it exists once anything was produced).
    func partitionCount() throws -> Int { try producer.partitionCount(of: topic) }

    /// Sends `count` events numbered from `firstNumber` as fast as librdkafka takes them and waits for delivery.
    func produceAll(count: Int, firstNumber: Int = 0) throws {
        try source.withLock { source in
            for number in firstNumber..<(firstNumber + count) {
                try send(source.event(number: number, producedAt: Date().timeIntervalSince1970))
            }
        }
        try producer.flush()
    }

    /// Starts a thread that sends `count` events at `rate` per second (catching up in bursts after a stall,
    /// so the offered load stays exact); a failure is kept for `checkFailure`.
    func startProducing(count: Int, rate: Double, firstNumber: Int) {
        let thread = Thread { [self] in
            do {
                let started = ContinuousClock.now
                var sent = 0
                try source.withLock { source in
                    while sent < count {
                        let elapsed = (ContinuousClock.now - started).seconds
                        let due = min(count, Int(elapsed * rate) + 1)
                        while sent < due {
                            try send(source.event(number: firstNumber + sent, producedAt: Date().timeIntervalSince1970))
                            sent += 1
                        }
                        Thread.sleep(forTimeInterval: 0.001)
                    }
                }
                try producer.flush()
            } catch {
                failure.withLock { $0 = error }
            }
        }
        thread.name = "bench-producer"
        thread.start()
    }

    func checkFailure() throws {
        if let error = failure.withLock({ $0 }) { throw error }
    }

    private func send(_ event: InteractionEvent) throws {
        try producer.send(topic: topic, key: Array(String(event.userID).utf8), value: EventCodec.encode(event))
    }
}
