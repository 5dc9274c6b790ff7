import Foundation
import KafkaClient
import Pipeline
import PostgresClient
import TestSupport
import XCTest

/// The worker behind PgBouncer (Debian pgbouncer 1.18) in transaction pooling mode: migrations, the stream and
/// the nightly job all work, and the nightly lease still admits one job at a time.
final class PgBouncerTests: XCTestCase {
    var server: TemporaryPostgres!
    var bouncer: PgBouncer!
    var pooledURL: String { bouncer.url(database: "postgres") }

    override func setUpWithError() throws {
        server = try TemporaryPostgres(migrate: false)
        bouncer = try PgBouncer(serverPort: server.port, poolSize: 3)
    }

    override func tearDown() {
        bouncer?.stop()
        server?.destroy()
    }

    func testStreamAndNightlyWorkThroughATransactionPooler() throws {
        let binary = try RecworkerBinary.locate()
        let migrate = try binary.run(["migrate", "--database-url", pooledURL])
        XCTAssertEqual(migrate.status, 0, migrate.stderr)
        XCTAssertEqual(try binary.run(["migrate", "--database-url", pooledURL]).status, 0, "a second migrate through the pooler must not hang on a stale lock")

        let brokers = try TestEnvironment.require("KAFKA_BROKERS")
        let topic = TestEnvironment.uniqueTopic("pgbouncer")
        let producer = try KafkaProducer(brokers: brokers)
        for event in TestEvents.ratings(count: 400, users: 40, items: 80, idPrefix: "pool") {
            try producer.send(topic: topic, key: Array(String(event.userID).utf8), value: EventCodec.encode(event))
        }
        try producer.flush()
        let stream = try binary.run(["stream", "--database-url", pooledURL, "--brokers", brokers, "--topic", topic, "--group", "pool-\(topic)",
                                     "--metrics-port=-1", "--log-level", "warning", "--exit-when-idle", "3", "--batch-size", "50"])
        XCTAssertEqual(stream.status, 0, stream.stderr)
        let direct = try PostgresConnection(url: server.url)
        XCTAssertEqual(try direct.query("SELECT count(*) AS n FROM interactions")[0].int("n"), 400)
        XCTAssertEqual(try direct.query("SELECT count(DISTINCT user_id) AS n FROM current_recommendations")[0].int("n"),
                       try direct.query("SELECT count(DISTINCT user_id) AS n FROM interactions")[0].int("n"),
                       "the refresher published every user through the pooler")

        let slow = ["RECWORKER_NIGHTLY_BATCH_SIZE": "4", "RECWORKER_NIGHTLY_BATCH_PAUSE_MS": "100"]
        let first = try binary.start(["nightly", "--database-url", pooledURL, "--progress", "none"], environment: slow)
        let running = try waitUntil(timeout: 60) { try direct.query("SELECT count(*) AS n FROM run_progress")[0].int("n") > 0 }
        XCTAssertTrue(running, "the first nightly never started writing")
        let second = try binary.run(["nightly", "--database-url", pooledURL, "--progress", "none"])
        XCTAssertEqual(second.status, 75, "the lease must hold through the pooler: \(second.stderr)")
        let finished = first.finish()
        XCTAssertEqual(finished.status, 0, finished.stderr)
        XCTAssertEqual(try direct.query("SELECT count(*) AS n FROM recommendation_runs WHERE kind = 'nightly' AND status = 'published'")[0].int("n"), 1)
    }
}
