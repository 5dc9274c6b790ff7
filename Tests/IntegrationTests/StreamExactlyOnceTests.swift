import Foundation
import Pipeline
import PostgresClient
import Storage
import TestSupport
import XCTest

/// A crash or kill at any point loses no event and double-counts none.
final class StreamExactlyOnceTests: XCTestCase {
    /// The state the acceptance criteria compare: per-user interaction counts and profile aggregates, and offsets.
    private func state(_ connection: PostgresConnection) throws -> [String] {
        let users = try connection.query("""
            SELECT p.user_id, p.event_count, p.rating_count, p.rating_sum, p.rating_sum_sq, p.view_count,
                   (SELECT count(*) FROM interactions i WHERE i.user_id = p.user_id) AS stored
            FROM user_profiles p ORDER BY p.user_id
            """).map { $0.values.map { $0 ?? "null" }.joined(separator: ",") }
        let offsets = try connection.query("SELECT partition, next_offset FROM consumer_offsets ORDER BY partition")
            .map { "\($0["partition"]!)@\($0["next_offset"]!)" }
        return users + offsets
    }

    func testKillNineAtRandomPointsEqualsOneCleanRun() throws {
        let harness = try StreamTestHarness(topicPrefix: "crash")
        defer { harness.tearDown() }
        let events = TestEvents.ratings(count: 20_000, users: 300, items: 500)
        try harness.publish(events)

        // Reference: one uninterrupted run of its own group into its own database.
        let reference = try TestDatabase()
        defer { reference.drop() }
        let clean = try harness.binary.run(
            ["stream", "--database-url", reference.url, "--brokers", harness.brokers, "--topic", harness.topic,
             "--group", "reference-\(harness.group)", "--metrics-port=-1", "--exit-when-idle", "3", "--log-level", "warning"])
        XCTAssertEqual(clean.status, 0, clean.stderr)
        let expected = try state(reference.connect())
        XCTAssertEqual(try reference.connect().query("SELECT count(*) AS n FROM interactions")[0].int("n"), events.count)

        // Crashy run: five kill -9s at random points while the worker is consuming, then a run to the end.
        var rng = SystemRandomNumberGenerator()
        let thresholds = (0..<5).map { _ in Int.random(in: 1_000...(events.count - 1_000), using: &rng) }.sorted()
        let connection = try harness.database.connect()
        var killedMidStream = 0
        for threshold in thresholds {
            let worker = try harness.binary.start(harness.streamArguments(idleExit: nil, extra: ["--batch-size", "500"]))
            let deadline = ContinuousClock.now + .seconds(60)
            while ContinuousClock.now < deadline, worker.process.isRunning,
                  try connection.query("SELECT count(*) AS n FROM interactions")[0].int("n") < threshold {
                Thread.sleep(forTimeInterval: 0.01)
            }
            Thread.sleep(forTimeInterval: Double.random(in: 0...0.05, using: &rng))
            let stored = try connection.query("SELECT count(*) AS n FROM interactions")[0].int("n")
            if stored < events.count { killedMidStream += 1 }
            worker.kill()
        }
        XCTAssertGreaterThanOrEqual(killedMidStream, 5, "every kill should land while events remain")
        let last = try harness.binary.run(harness.streamArguments())
        XCTAssertEqual(last.status, 0, last.stderr)

        XCTAssertEqual(try state(connection), expected)
        XCTAssertEqual(try connection.query("SELECT count(*) AS n FROM interactions")[0].int("n"), events.count)
    }

    func testTwoWorkersInOneGroupShareThePartitionsAndApplyEveryEventOnce() throws {
        let harness = try StreamTestHarness(topicPrefix: "pair")
        defer { harness.tearDown() }
        // The topic must exist before the group forms so both members get partitions.
        try harness.publish(Array(TestEvents.ratings(count: 8, idPrefix: "warm")))
        let arguments = harness.streamArguments(idleExit: nil, extra: ["--batch-size", "300"])
            .map { $0 == "warning" ? "info" : $0 }
        let first = try harness.binary.start(arguments)
        let second = try harness.binary.start(arguments)
        defer { first.kill(); second.kill() }

        let events = TestEvents.ratings(count: 12_000, users: 200, idPrefix: "pair")
        // Publish in slices so consumption overlaps the group's rebalances.
        for slice in stride(from: 0, to: events.count, by: 2_000) {
            try harness.publish(Array(events[slice..<min(slice + 2_000, events.count)]))
            Thread.sleep(forTimeInterval: 0.5)
        }
        let total = events.count + 8
        let deadline = ContinuousClock.now + .seconds(90)
        while ContinuousClock.now < deadline, try harness.count("SELECT count(*) AS n FROM interactions") < total {
            Thread.sleep(forTimeInterval: 0.2)
        }
        first.terminate()
        second.terminate()
        let outputs = [first.finish(), second.finish()]

        XCTAssertEqual(try harness.count("SELECT count(*) AS n FROM interactions"), total)
        XCTAssertEqual(try harness.count("SELECT sum(event_count)::int AS n FROM user_profiles"), total)
        XCTAssertEqual(try harness.count("SELECT sum(next_offset)::int AS n FROM consumer_offsets"), total)
        for output in outputs {
            XCTAssertTrue(output.stderr.contains("assigned \(harness.topic)["), "a member never received partitions:\n\(output.stderr)")
        }
    }

    func testIngestWorkersInOneProcessSplitThePartitionsAndApplyEveryEventOnce() throws {
        let harness = try StreamTestHarness(topicPrefix: "workers")
        defer { harness.tearDown() }
        let events = TestEvents.ratings(count: 6_000, users: 300, idPrefix: "w")
        try harness.publish(events)
        let run = try harness.binary.run(harness.streamArguments(idleExit: 3, extra: ["--ingest-workers", "2", "--batch-size", "500"])
            .map { $0 == "warning" ? "info" : $0 })
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(try harness.count("SELECT count(*) AS n FROM interactions"), events.count)
        XCTAssertEqual(try harness.count("SELECT sum(event_count)::int AS n FROM user_profiles"), events.count)
        XCTAssertEqual(try harness.count("SELECT sum(next_offset)::int AS n FROM consumer_offsets"), events.count)
        XCTAssertEqual(try harness.count("SELECT sum(interaction_count)::int AS n FROM item_stats"), events.count)
        try ItemStatsRollup(connection: try harness.database.connect()).rollUp()
        XCTAssertEqual(try harness.count("SELECT count(*)::int AS n FROM item_stats_pending"), 0)
        XCTAssertEqual(try harness.count("SELECT sum(interaction_count)::int AS n FROM item_stats"), events.count,
                       "rolled up, every event still counted once")
        // Both members got a share: two assignment lines, each naming partitions of the topic.
        let assignments = run.stderr.components(separatedBy: "\n").filter { $0.contains("assigned \(harness.topic)[") }
        XCTAssertGreaterThanOrEqual(assignments.count, 2, run.stderr)
    }

    func testDatabaseOutageMidStreamLosesAndDoublesNothing() throws {
        let postgres = try TemporaryPostgres()
        defer { postgres.destroy() }
        let harness = try StreamTestHarness(topicPrefix: "outage")
        defer { harness.tearDown() }
        let events = TestEvents.ratings(count: 10_000, users: 100)
        let worker = try harness.binary.start(harness.streamArguments(
            idleExit: 4, databaseURL: postgres.url, extra: ["--batch-size", "200"]).map { $0 == "warning" ? "info" : $0 })
        try harness.publish(Array(events[..<4_000]))
        let connection = try PostgresConnection(url: postgres.url)
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline, try connection.query("SELECT count(*) AS n FROM interactions")[0].int("n") < 1_000 {
            Thread.sleep(forTimeInterval: 0.01)
        }
        try postgres.stop()
        try harness.publish(Array(events[4_000...]))
        Thread.sleep(forTimeInterval: 3)
        XCTAssertTrue(worker.process.isRunning, "the worker must wait out an outage, not exit")
        try postgres.start()
        let output = worker.finish()
        XCTAssertEqual(output.status, 0, output.stderr)
        XCTAssertTrue(output.stderr.contains("database unavailable"), output.stderr)

        let after = try PostgresConnection(url: postgres.url)
        XCTAssertEqual(try after.query("SELECT count(*) AS n FROM interactions")[0].int("n"), events.count)
        XCTAssertEqual(try after.query("SELECT sum(event_count)::int AS n FROM user_profiles")[0].int("n"), events.count)
        XCTAssertEqual(try after.query("SELECT sum(next_offset)::int AS n FROM consumer_offsets")[0].int("n"), events.count)
    }
}
