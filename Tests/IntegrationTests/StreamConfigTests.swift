import Foundation
import TestSupport
import XCTest

/// `recworker stream --config FILE`: the file decides what flags do not, and a bad key stops the worker naming it.
final class StreamConfigTests: XCTestCase {
    private func write(_ yaml: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("recworker-\(UUID().uuidString).yaml").path
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func testTheConfigFileSetsTopicGroupAndDatabase() throws {
        let harness = try StreamTestHarness(topicPrefix: "configured")
        defer { harness.tearDown() }
        try harness.publish(TestEvents.ratings(count: 200, idPrefix: "cfg"))
        let file = try write("""
            database:
              url: \(harness.database.url)
            kafka:
              brokers: \(harness.brokers)
              events_topic: \(harness.topic)
              group: configured-\(harness.group)
            stream:
              batch_size: 50
              metrics_port: 0
            """)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let run = try harness.binary.run(["stream", "--config", file, "--exit-when-idle", "3", "--metrics-port=-1"],
                                         environment: ["DATABASE_URL": "", "KAFKA_BROKERS": ""])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(try harness.count("SELECT count(*) AS n FROM interactions"), 200)
        XCTAssertEqual(try harness.count("SELECT count(DISTINCT group_id) AS n FROM consumer_offsets WHERE group_id = 'configured-\(harness.group)'"), 1)
    }

    func testAnUnknownKeyIsNamed() throws {
        let binary = try RecworkerBinary.locate()
        let file = try write("stream:\n  batch_sise: 10\n")
        defer { try? FileManager.default.removeItem(atPath: file) }
        let run = try binary.run(["stream", "--config", file], environment: ["DATABASE_URL": "postgresql://x@127.0.0.1:1/x"])
        XCTAssertNotEqual(run.status, 0)
        XCTAssertTrue(run.stderr.contains("stream.batch_sise"), run.stderr)
    }
}
