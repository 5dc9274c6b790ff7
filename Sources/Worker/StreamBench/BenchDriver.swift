import Foundation
import ServiceLifecycle
import Synchronization

/// The bench's conductor inside the worker's service group: waits for the consumer's assignment, starts
/// the fixed-rate producer and ends the group once every event is applied (and, in full mode, published: the
/// tracker hears of publications from the refresher).
struct BenchDriver: Service {
    let loops: IngestLoops
    let tracker: FreshnessTracker
    let producer: BenchProducer
    /// Events to send while the worker runs (fixed-rate runs), once the loops hold all `partitions` of the topic;
    /// nil when everything was produced beforehand.
    let rated: (count: Int, rate: Double, firstNumber: Int, partitions: Int)?
    let expectedEvents: Int
    let watchesPublication: Bool
    let timeout: Duration
    let window: BenchWindow

    func run() async throws {
        let deadline = ContinuousClock.now + timeout
        // A backlog run starts at the first assignment: waiting longer would let that member apply events outside
        // the window. A fixed-rate run starts once the group has settled. The dev broker answers a second member's
        // SyncGroup up to a second after the first's, and events produced meanwhile for its partitions measured
        // that wait (Apache Kafka answers both at once) instead of the worker's freshness.
        while loops.lastActivityTime == nil || loops.assignedPartitionCount < rated?.partitions ?? 0 {
            try checkDeadline(deadline, waitingFor: "the consumer group assignment")
            try await Task.sleep(for: .milliseconds(5))
        }
        window.open()
        if let rated { producer.startProducing(count: rated.count, rate: rated.rate, firstNumber: rated.firstNumber) }
        while true {
            try producer.checkFailure()
            if tracker.applied >= expectedEvents, !watchesPublication || tracker.unpublishedCount == 0 { break }
            try checkDeadline(deadline, waitingFor: "\(expectedEvents - tracker.applied) events to be applied and \(tracker.unpublishedCount) to be published")
            try await Task.sleep(for: .milliseconds(20))
        }
        window.close()
    }

    private func checkDeadline(_ deadline: ContinuousClock.Instant, waitingFor what: String) throws {
        guard ContinuousClock.now < deadline else {
            throw BenchTimeout(description: "bench stream gave up after \(timeout) waiting for \(what); raise --timeout-seconds or lower --events")
        }
    }
}

struct BenchTimeout: Error, CustomStringConvertible {
    let description: String
}

/// When the measured window opened (consumer assigned) and closed (everything applied/published), wall clock.
final class BenchWindow: Sendable {
    private let bounds = Mutex<(start: Double?, end: Double?)>((nil, nil))
    func open() { bounds.withLock { $0.start = Date().timeIntervalSince1970 } }
    func close() { bounds.withLock { $0.end = Date().timeIntervalSince1970 } }
    var openedAt: Double? { bounds.withLock { $0.start } }
    var closedAt: Double? { bounds.withLock { $0.end } }
}
