import Foundation
import Logging
import Pipeline
import PostgresClient
import ServiceLifecycle
import Synchronization
import TestSupport
@testable import Worker
import XCTest

/// A service group whose other service fails cancels the ingest service, which must then stop its loop's thread
/// and return: before, only graceful shutdown stopped it, and the group waited for it for ever.
final class IngestServiceCancellationTests: XCTestCase {
    private struct Failing: Service, Error {
        let databaseURL: String

        func run() async throws {
            // Fail once the loop has applied the event: it is running and consuming, not still starting.
            let connection = try PostgresConnection(url: databaseURL)
            while try connection.query("SELECT count(*) AS n FROM interactions")[0].int("n") == 0 {
                try await Task.sleep(for: .milliseconds(50))
            }
            throw self
        }
    }

    private struct TimedOut: Error {}

    func testAFailingSiblingStopsTheIngestLoopAndTheGroupEnds() async throws {
        let harness = try StreamTestHarness(topicPrefix: "cancel")
        defer { harness.tearDown() }
        try harness.publish([InteractionEvent(eventID: "e1", userID: 1, itemID: 1, type: .view, value: 1, timestamp: 1_700_000_000)])
        let logger = Logger(label: "test")
        let settings = StreamSettings(brokers: harness.brokers, topic: harness.topic, groupID: harness.group, maxBatchSize: 100,
                                      maxBatchWait: .milliseconds(20), exitWhenIdle: nil, kafkaProperties: [:])
        let loop = IngestLoop(settings: settings, databaseURL: harness.database.url, logger: logger)
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: IngestService(loop: loop)), .init(service: Failing(databaseURL: harness.database.url))], logger: logger))
        // The group reports the sibling's error only once every service, the loop's thread included, has returned.
        // Waited for from outside, so that a group that never ends fails the test instead of hanging it.
        let outcome = Mutex<(any Error)?>(nil)
        Task {
            do { try await group.run(); outcome.withLock { $0 = TimedOut() } } catch { outcome.withLock { $0 = error } }
        }
        let deadline = ContinuousClock.now + .seconds(60)
        while outcome.withLock({ $0 }) == nil, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
        let ended: any Error = outcome.withLock { $0 } ?? TimedOut()
        XCTAssertTrue(ended is Failing, "the group did not end with the sibling's error within 60 s: \(ended)")
    }
}
