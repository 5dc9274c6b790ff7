import Foundation
import PostgresClient
import Storage
import TestSupport
import XCTest

/// A nightly run trains on exactly the ingest transactions committed when it began: a batch that started
/// before the run and commits after it is outside the first read and outside a `--resume`, and is the
/// next run's news.
final class NightlySnapshotBoundaryTests: XCTestCase {
    func testBatchCommittingAcrossTheSnapshotIsInNeitherReadOfTheRun() throws {
        let database = try TestDatabase()
        defer { database.drop() }
        let connection = try database.connect()
        try NightlyFixtures.load(into: connection, users: 5, items: 20, ratingsPerUser: 3...5)
        let stored = try connection.query("SELECT count(*) AS n FROM interactions")[0].int("n")

        // The ingest transaction starts before the run (its start time is what ingested_at records) …
        let ingest = try database.connect()
        try ingest.execute("BEGIN")
        _ = try ingest.query("SELECT now()")
        usleep(20_000)
        let runs = RunStore(connection: connection)
        let run = try runs.beginNightly(seed: 1)
        // … and writes and commits after the run began.
        try ingest.execute("""
            INSERT INTO interactions (user_id, event_id, item_id, type, value, occurred_at)
            VALUES (1, 'across-the-snapshot', 999, 'rating', 5, now())
            """)
        let first = try PublicationSnapshot.read(connection, run: run, previous: nil)
        try ingest.execute("COMMIT")
        let resumed = try PublicationSnapshot.read(connection, run: run, previous: nil)

        XCTAssertEqual(first.interactions.count, stored)
        XCTAssertEqual(resumed.interactions, first.interactions, "a resumed run must read what the first read saw")
        XCTAssertFalse(resumed.interactions.contains { $0.itemID == 999 })

        // The next run sees the batch, and counts it as changed since this run.
        let next = try runs.beginNightly(seed: 2)
        let later = try PublicationSnapshot.read(connection, run: next, previous: run)
        XCTAssertEqual(later.interactions.count, stored + 1)
        XCTAssertEqual(later.changedCounts, [1: 1])
    }

    /// Beginning a run no longer waits for ingest transactions in flight (it used to lock the table).
    func testBeginningARunDoesNotWaitForAnOpenIngestTransaction() throws {
        let database = try TestDatabase()
        defer { database.drop() }
        let connection = try database.connect()
        let ingest = try database.connect()
        try ingest.execute("BEGIN")
        try ingest.execute("""
            INSERT INTO interactions (user_id, event_id, item_id, type, value, occurred_at)
            VALUES (1, 'in-flight', 2, 'rating', 5, now())
            """)
        try connection.execute("SET lock_timeout = '2s'")
        let run = try RunStore(connection: connection).beginNightly(seed: 1)
        try ingest.execute("COMMIT")
        XCTAssertEqual(try PublicationSnapshot.read(connection, run: run, previous: nil).interactions.count, 0)
    }
}
