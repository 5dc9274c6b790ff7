import Foundation
import Pipeline
import TestSupport
import XCTest

/// Bad input gets a clear error and loses nothing.
final class StreamBadInputTests: XCTestCase {
    func testMalformedEventsLandInDeadLettersAndTheStreamGoesOn() throws {
        let harness = try StreamTestHarness(topicPrefix: "poison")
        defer { harness.tearDown() }
        let valid = TestEvents.ratings(count: 300)
        let malformed: [(payload: String, reason: String)] = [
            ("{not json", "malformed JSON"),
            (#"{"event_id":"x1","item_id":2,"type":"rating","value":4,"ts":1}"#, "missing field 'user_id'"),
            (#"{"event_id":"x2","user_id":3,"item_id":2,"type":"like","ts":1}"#, "unknown type 'like'"),
            (#"{"event_id":"x3","user_id":3,"item_id":2,"type":"rating","value":9,"ts":1}"#, "field 'value': 9 is outside 1...5 for type rating"),
            (String(repeating: "x", count: EventCodec.maxPayloadBytes + 10), "exceeds"),
        ]
        var payloads = valid.map { (key: String($0.userID), value: EventCodec.encode($0)) }
        for (index, bad) in malformed.enumerated() {
            payloads.insert((key: "3", value: Array(bad.payload.utf8)), at: 40 * (index + 1))
        }
        try harness.publish(payloads)

        let run = try harness.binary.run(harness.streamArguments())
        XCTAssertEqual(run.status, 0, run.stderr)

        XCTAssertEqual(try harness.count("SELECT count(*) AS n FROM interactions"), valid.count)
        let letters = try harness.database.connect().query("SELECT reason, payload_bytes FROM dead_letters ORDER BY kafka_offset")
        XCTAssertEqual(letters.count, malformed.count)
        for bad in malformed {
            XCTAssertTrue(letters.contains { ($0["reason"] ?? "").contains(bad.reason) }, "no dead letter says \(bad.reason)")
        }
        XCTAssertTrue(letters.contains { $0.optionalInt("payload_bytes") == EventCodec.maxPayloadBytes + 10 })
        // Every partition's stored offset covers every message, valid or not.
        XCTAssertEqual(try harness.count("SELECT sum(next_offset)::int AS n FROM consumer_offsets"), payloads.count)
    }

    func testEventsForUnknownItemsAreKeptAndTheItemIsStubbed() throws {
        let harness = try StreamTestHarness(topicPrefix: "stubs")
        defer { harness.tearDown() }
        try harness.publish([InteractionEvent(eventID: "s1", userID: 5, itemID: 9_999, type: .watch, value: 1, timestamp: 1_700_000_000)])
        let run = try harness.binary.run(harness.streamArguments())
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(try harness.count("SELECT count(*) AS n FROM items WHERE item_id = 9999 AND is_stub"), 1)
        XCTAssertEqual(try harness.count("SELECT watch_count::int AS n FROM user_profiles WHERE user_id = 5"), 1)
    }

    func testMissingDatabaseURLNamesTheVariable() throws {
        let binary = try RecworkerBinary.locate()
        let run = try binary.run(["stream", "--brokers", "127.0.0.1:1"], environment: ["DATABASE_URL": ""])
        XCTAssertNotEqual(run.status, 0)
        XCTAssertTrue(run.stderr.contains("database.url: is not set"), run.stderr)
        XCTAssertTrue(run.stderr.contains("DATABASE_URL"), run.stderr)
    }

    func testUnreachableBrokerNamesTheBrokers() throws {
        let database = try TestDatabase()
        defer { database.drop() }
        let binary = try RecworkerBinary.locate()
        let run = try binary.run(["stream", "--database-url", database.url, "--brokers", "127.0.0.1:1", "--metrics-port=-1"])
        XCTAssertNotEqual(run.status, 0)
        XCTAssertTrue(run.stderr.contains("cannot reach Kafka brokers at 127.0.0.1:1"), run.stderr)
    }

    func testUnreachableDatabaseSaysWhichURL() throws {
        let binary = try RecworkerBinary.locate()
        let run = try binary.run(["migrate", "--database-url", "postgresql://nobody@127.0.0.1:1/none"])
        XCTAssertNotEqual(run.status, 0)
        XCTAssertTrue(run.stderr.contains("cannot connect to PostgreSQL (postgresql://nobody@127.0.0.1:1/none)"), run.stderr)
    }
}
