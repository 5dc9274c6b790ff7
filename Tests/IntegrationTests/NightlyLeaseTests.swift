import Foundation
import PostgresClient
import Storage
import TestSupport
import XCTest

/// The nightly job's lease: a row with a fencing token instead of a session advisory lock (which a transaction
/// pooler breaks). A job that lost its lease must stop without writing and, above all, without flipping.
final class NightlyLeaseTests: XCTestCase {
    var database: TestDatabase!

    override func setUpWithError() throws {
        database = try TestDatabase()
    }

    override func tearDown() { database?.drop() }

    func testAnExpiredLeaseIsTakenOverAndTheOldHolderIsFenced() throws {
        let connection = try database.connect()
        let first = try XCTUnwrap(try JobLease.tryAcquire(job: "nightly", holder: "host-a:1", ttl: .seconds(60), connection: connection))
        XCTAssertNil(try JobLease.tryAcquire(job: "nightly", holder: "host-b:2", ttl: .seconds(60), connection: connection),
                     "a live lease must not be taken")
        XCTAssertNoThrow(try connection.transaction { try first.validate(in: $0) })

        try connection.execute("UPDATE job_leases SET expires_at = now() - interval '1 second'")
        let second = try XCTUnwrap(try JobLease.tryAcquire(job: "nightly", holder: "host-b:2", ttl: .seconds(60), connection: connection))
        XCTAssertGreaterThan(second.fencingToken, first.fencingToken)
        XCTAssertThrowsError(try connection.transaction { try first.validate(in: $0) }) { XCTAssertTrue($0 is LeaseLost, "\($0)") }
        XCTAssertNoThrow(try connection.transaction { try second.validate(in: $0) })
        try first.release()
        XCTAssertNotNil(try JobLease.holder(job: "nightly", connection: connection), "the old holder's release must not free the new lease")
    }

    func testALeaseOfAKilledProcessOnThisHostIsTakenOverAtOnce() throws {
        let connection = try database.connect()
        let exited = Process()
        exited.executableURL = URL(fileURLWithPath: "/bin/true")
        try exited.run()
        exited.waitUntilExit()
        let deadHolder = "\(ProcessInfo.processInfo.hostName):\(exited.processIdentifier) started earlier"
        _ = try XCTUnwrap(try JobLease.tryAcquire(job: "nightly", holder: deadHolder, ttl: .seconds(600), connection: connection))
        XCTAssertNotNil(try JobLease.tryAcquire(job: "nightly", ttl: .seconds(60), connection: connection))
    }

    func testAJobThatLostItsLeaseStopsAndNeverFlips() throws {
        try NightlyFixtures.load(into: database.connect(), users: 80, items: 200, ratingsPerUser: 5...30)
        let job = try RecworkerBinary.locate().start(
            ["nightly", "--database-url", database.url, "--progress", "none"],
            environment: ["RECWORKER_NIGHTLY_BATCH_SIZE": "4", "RECWORKER_NIGHTLY_BATCH_PAUSE_MS": "150"])
        let connection = try database.connect()
        let writing = try waitUntil(timeout: 60) { try connection.query("SELECT count(*) AS n FROM run_progress")[0].int("n") > 0 }
        XCTAssertTrue(writing, "the job never started writing")
        // Another job takes over, as after an expiry the first job did not notice (a long pause, a partition).
        XCTAssertEqual(try connection.execute("""
            UPDATE job_leases SET holder = 'another host:1', fencing_token = fencing_token + 1, expires_at = now() + interval '1 hour'
            WHERE job = 'nightly'
            """), 1)
        let written = try connection.query("SELECT count(*) AS n FROM run_progress")[0].int("n")
        let result = job.finish()

        XCTAssertNotEqual(result.status, 0, "the job must fail once its lease is gone")
        XCTAssertTrue(result.stderr.contains("lost the nightly lease"), result.stderr)
        XCTAssertTrue(try connection.query("SELECT 1 FROM publication_state").isEmpty, "a job without the lease flipped")
        XCTAssertEqual(try connection.query("SELECT status FROM recommendation_runs")[0].string("status"), "running",
                       "the run belongs to the new holder; the fenced job must not touch it")
        // A batch in flight during the takeover held the lease row, so the takeover waited for its commit.
        XCTAssertEqual(try connection.query("SELECT count(*) AS n FROM run_progress")[0].int("n"), written,
                       "a batch committed after the takeover")
    }
}
