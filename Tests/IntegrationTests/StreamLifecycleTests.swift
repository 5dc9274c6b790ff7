import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import TestSupport
import XCTest

/// /metrics, /livez and /readyz while the worker runs (and while its database is away); SIGTERM finishes the
/// batch, leaves the group and exits 0.
final class StreamLifecycleTests: XCTestCase {
    private func get(_ url: String) throws -> (status: Int, body: String) {
        let semaphore = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var result: (Int, String) = (0, "")
        URLSession.shared.dataTask(with: URL(string: url)!) { data, response, _ in
            result = ((response as? HTTPURLResponse)?.statusCode ?? 0, data.map { String(decoding: $0, as: UTF8.self) } ?? "")
            semaphore.signal()
        }.resume()
        _ = semaphore.wait(timeout: .now() + 10)
        return result
    }

    /// Waits (bounded) until `url` answers `status`.
    private func waitForStatus(_ status: Int, at url: String, timeout: Duration = .seconds(60)) throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if (try? get(url).status) == status { return true }
            Thread.sleep(forTimeInterval: 0.2)
        }
        return false
    }

    func testDatabaseOutageMakesTheWorkerUnreadyButKeepsItLive() throws {
        let postgres = try TemporaryPostgres()
        defer { postgres.destroy() }
        let harness = try StreamTestHarness(topicPrefix: "probes")
        defer { harness.tearDown() }
        let port = try TestEnvironment.freePort()
        let arguments = harness.streamArguments(idleExit: nil, databaseURL: postgres.url, extra: ["--batch-size", "100"])
            .map { $0 == "--metrics-port=-1" ? "--metrics-port=\(port)" : $0 }
        let worker = try harness.binary.start(arguments)
        defer { worker.kill() }
        let events = TestEvents.ratings(count: 400, idPrefix: "probe")
        try harness.publish(Array(events[..<200]))
        XCTAssertTrue(try waitForStatus(200, at: "http://127.0.0.1:\(port)/readyz"), "ready once assigned and connected")

        try postgres.stop()
        try harness.publish(Array(events[200...]))  // the next batch finds the database gone
        XCTAssertTrue(try waitForStatus(503, at: "http://127.0.0.1:\(port)/readyz"), "not ready while the database is away")
        XCTAssertEqual(try get("http://127.0.0.1:\(port)/livez").status, 200, "the outage is ridden out: no restart")
        XCTAssertTrue(worker.process.isRunning)

        try postgres.start()
        XCTAssertTrue(try waitForStatus(200, at: "http://127.0.0.1:\(port)/readyz"), "ready again once the database is back")
        XCTAssertEqual(try get("http://127.0.0.1:\(port)/livez").status, 200)
    }

    func testMetricsHealthAndGracefulShutdown() throws {
        let harness = try StreamTestHarness(topicPrefix: "lifecycle")
        defer { harness.tearDown() }
        let port = try TestEnvironment.freePort()
        let arguments = harness.streamArguments(idleExit: nil).map { $0 == "--metrics-port=-1" ? "--metrics-port=\(port)" : $0 }
            .map { $0 == "warning" ? "info" : $0 }
        let worker = try harness.binary.start(arguments)
        defer { worker.kill() }
        try harness.publish(TestEvents.ratings(count: 500, idPrefix: "life"))

        let deadline = ContinuousClock.now + .seconds(60)
        var metrics = ""
        while ContinuousClock.now < deadline {
            metrics = (try? get("http://127.0.0.1:\(port)/metrics").body) ?? ""
            if metrics.contains("recworker_events_consumed_total 500") { break }
            Thread.sleep(forTimeInterval: 0.2)
        }
        XCTAssertTrue(metrics.contains("recworker_events_consumed_total 500"), metrics)
        XCTAssertTrue(metrics.contains("recworker_batches_total"), metrics)
        XCTAssertTrue(metrics.contains("recworker_batch_seconds"), metrics)
        XCTAssertEqual(try get("http://127.0.0.1:\(port)/livez").status, 200)
        XCTAssertEqual(try get("http://127.0.0.1:\(port)/readyz").status, 200)

        worker.terminate()
        let output = worker.finish()
        XCTAssertEqual(output.status, 0, output.stderr)
        XCTAssertTrue(output.stderr.contains("leaving the consumer group"), output.stderr)
        XCTAssertEqual(try harness.count("SELECT count(*) AS n FROM interactions"), 500)
    }
}
