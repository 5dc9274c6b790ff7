import Foundation
import Pipeline
import PostgresClient
import Storage
import TestSupport
import XCTest

/// The refresh queue under load: FIFO by last touch with a bound on waiting, leases that only their owner can
/// extend, acknowledge or release, and users whose refresh keeps failing recorded and given up on.
final class RefreshQueueTests: XCTestCase {
    private var database: TestDatabase!
    private var connection: PostgresConnection!
    private var batches = 0

    override func setUpWithError() throws {
        database = try TestDatabase()
        connection = try database.connect()
    }

    override func tearDown() { database?.drop() }

    /// Applies one ingest batch touching `users`, as the stream worker does (the real enqueue statement).
    private func touch(_ users: [Int]) throws {
        batches += 1
        let events = users.map {
            InteractionEvent(eventID: "b\(batches)-u\($0)", userID: $0, itemID: 1, type: .view, value: 1, timestamp: 1_700_000_000)
        }
        _ = try IngestStore(connection: connection).apply(IngestBatch(groupID: "g", events: events, deadLetters: [], progress: []))
    }

    private func queue(_ owner: String) -> RefreshQueue { RefreshQueue(connection: connection, owner: owner) }

    /// Ends every lease now, as if the lease time had passed.
    private func expireLeases() throws {
        try connection.execute("UPDATE refresh_queue SET claimed_until = now() - interval '1 second' WHERE claimed_until IS NOT NULL")
    }

    /// Benchmarks judge which events a user's published rows cover by the claim's snapshot: it must see exactly the
    /// ingest transactions that committed before the claim.
    func testAClaimsSnapshotSeesTheIngestTransactionsCommittedBeforeItAndNoLater() throws {
        func apply(_ eventID: String, offsets: (Int64?, Int64)) throws -> UInt64 {
            let event = InteractionEvent(eventID: eventID, userID: 7, itemID: 1, type: .view, value: 1, timestamp: 1_700_000_000)
            let progress = PartitionProgress(topic: "t", partition: 0, expectedNextOffset: offsets.0, newNextOffset: offsets.1)
            let outcome = try IngestStore(connection: connection).apply(IngestBatch(groupID: "g", events: [event], deadLetters: [], progress: [progress]))
            return try XCTUnwrap(outcome.transactionID)
        }
        let before = try apply("first", offsets: (nil, 1))
        let claims = try queue("a").claim(limit: 10, lease: .seconds(30), maxWait: .seconds(5))
        let after = try apply("second", offsets: (1, 2))
        let snapshot = try XCTUnwrap(claims.first?.snapshot)
        XCTAssertEqual(claims.map(\.userID), [7])
        XCTAssertTrue(snapshot.sees(before))
        XCTAssertFalse(snapshot.sees(after))
    }

    func testRetouchedUserGoesBehindUsersTouchedBeforeIt() throws {
        try touch([1, 2, 3])
        try touch([1])
        let claimed = try queue("a").claim(limit: 2, lease: .seconds(30), maxWait: .seconds(3600)).map(\.userID)
        XCTAssertEqual(claimed, [2, 3], "a busy user must not stay at the head of the queue")
    }

    /// A claim walks the queue's touch index from its head: it must still return the least recently touched users
    /// when the head is full of users touched again since (their entries still carry the older touch), and move
    /// those entries to their true place for the next claim.
    func testClaimsFollowTheTrueLastTouchPastEntriesTouchedAgain() throws {
        try touch(Array(1...300))
        try touch(Array(1...200))
        try touch(Array(201...250))
        let refresher = queue("a")
        let first = try refresher.claim(limit: 100, lease: .seconds(30), maxWait: .seconds(3600)).map(\.userID)
        XCTAssertEqual(first, Array(1...50) + Array(251...300), "users touched once go first, then the first re-touched")
        let restamped = try connection.query("""
            SELECT count(*) AS n FROM refresh_queue q JOIN user_profiles p USING (user_id) WHERE q.claimed_by IS NULL AND q.touched_at = p.updated_at
            """)[0].int("n")
        XCTAssertEqual(restamped, 200, "the walked entries not claimed now carry their last touch")
        let second = try refresher.claim(limit: 100, lease: .seconds(30), maxWait: .seconds(3600)).map(\.userID)
        XCTAssertEqual(second, Array(51...150))
        let third = try refresher.claim(limit: 100, lease: .seconds(30), maxWait: .seconds(3600)).map(\.userID)
        XCTAssertEqual(third, Array(151...250))
    }

    /// A claim still open in one lane locks only the users it takes: a second lane claiming meanwhile gets the next.
    func testAClaimInProgressLeavesTheUsersItDoesNotTakeToAnotherLane() throws {
        try touch([1, 2, 3])
        let otherLane = RefreshQueue(connection: try database.connect(), owner: "b")
        try connection.transaction { tx in
            let first = try RefreshQueue(connection: tx, owner: "a").claim(limit: 1, lease: .seconds(30), maxWait: .seconds(3600))
            let second = try otherLane.claim(limit: 1, lease: .seconds(30), maxWait: .seconds(3600))
            XCTAssertEqual(first.map(\.userID), [1])
            XCTAssertEqual(second.map(\.userID), [2], "the open claim must not hold users it did not take")
        }
    }

    /// Both lanes walk the same head of the queue. The second must walk on past the users the first lane's open
    /// claim holds, not come back short while the queue has more to give.
    func testASecondLaneGetsAFullClaimPastTheUsersAnOpenClaimHolds() throws {
        try touch(Array(1...300))
        let otherLane = RefreshQueue(connection: try database.connect(), owner: "b")
        try connection.transaction { tx in
            let first = try RefreshQueue(connection: tx, owner: "a").claim(limit: 100, lease: .seconds(30), maxWait: .seconds(3600))
            let second = try otherLane.claim(limit: 100, lease: .seconds(30), maxWait: .seconds(3600))
            XCTAssertEqual(first.map(\.userID), Array(1...100))
            XCTAssertEqual(second.map(\.userID), Array(101...200))
        }
    }

    func testUserWaitingBeyondTheBoundGoesFirstEvenIfTouchedLast() throws {
        try touch([1, 2, 3])
        try connection.execute("""
            UPDATE refresh_queue SET enqueued_at = now() - interval '60 seconds', touched_at = now() WHERE user_id = 1;
            """)
        try connection.execute("""
            UPDATE refresh_queue SET enqueued_at = now() - interval '5 seconds', touched_at = now() - interval '5 seconds' WHERE user_id <> 1
            """)
        XCTAssertEqual(try queue("a").claim(limit: 1, lease: .seconds(30), maxWait: .seconds(3600)).map(\.userID), [2])
        try connection.execute("UPDATE refresh_queue SET claimed_until = NULL, claimed_by = NULL")
        XCTAssertEqual(try queue("a").claim(limit: 1, lease: .seconds(30), maxWait: .seconds(30)).map(\.userID), [1],
                       "a user touched all the time must still be refreshed within the bound")
    }

    func testTouchDuringRefreshRequeuesTheUserAsWaitingSinceTheClaim() throws {
        try touch([7])
        try connection.execute("UPDATE refresh_queue SET enqueued_at = now() - interval '1 hour', touched_at = now() - interval '1 hour'")
        let refresher = queue("a")
        let claims = try refresher.claim(limit: 10, lease: .seconds(30), maxWait: .seconds(5))
        try touch([7])
        try refresher.acknowledge(claims)
        let row = try connection.query("""
            SELECT claimed_by, claimed_until, enqueued_at > now() - interval '1 minute' AS recent FROM refresh_queue WHERE user_id = 7
            """)
        XCTAssertEqual(row.count, 1, "a user touched during its refresh stays queued")
        XCTAssertNil(row[0]["claimed_by"])
        XCTAssertNil(row[0]["claimed_until"])
        XCTAssertEqual(row[0]["recent"], "t", "it waits since the claim, not since its first touch an hour ago")
    }

    /// Touching a user who is already queued leaves the entry as it is (the profile carries the touch).
    func testTouchingAQueuedUserDoesNotRewriteItsEntry() throws {
        try touch([4])
        let before = try connection.query("SELECT xmin::text AS version FROM refresh_queue WHERE user_id = 4")[0].string("version")
        try touch([4])
        XCTAssertEqual(try connection.query("SELECT xmin::text AS version FROM refresh_queue WHERE user_id = 4")[0].string("version"), before)
        XCTAssertEqual(try connection.query("SELECT event_count AS n FROM user_profiles WHERE user_id = 4")[0].int("n"), 2)
    }

    /// An ingest batch for a claimed user that is still open when the refresher acknowledges: the acknowledgement
    /// waits for it and keeps the user queued, so the batch's events get their refresh.
    func testAcknowledgementWaitsForAnOpenBatchOfTheUserAndKeepsTheEntry() throws {
        try touch([9])
        let refresher = queue("a")
        let claims = try refresher.claim(limit: 10, lease: .seconds(30), maxWait: .seconds(5))
        XCTAssertEqual(claims.map(\.userID), [9])

        // What the ingest statement does for user 9, held open: the profile row first, then the queue.
        let batch = try database.connect()
        try batch.execute("BEGIN")
        try batch.execute("""
            INSERT INTO interactions (user_id, event_id, item_id, type, value, occurred_at) VALUES (9, 'late', 2, 'view', 1, now())
            """)
        try batch.execute("UPDATE user_profiles SET event_count = event_count + 1, view_count = view_count + 1, updated_at = now() WHERE user_id = 9")
        try batch.execute("INSERT INTO refresh_queue (user_id) VALUES (9) ON CONFLICT (user_id) DO NOTHING")
        let acknowledging = try database.connect()
        let acknowledged = DispatchSemaphore(value: 0)
        let ackError = ErrorSlot()
        Thread.detachNewThread {
            do { try RefreshQueue(connection: acknowledging, owner: "a").acknowledge(claims) } catch { ackError.error = error }
            acknowledged.signal()
        }
        // The acknowledgement is waiting on the open batch's profile row lock.
        let deadline = Date().addingTimeInterval(10)
        while try connection.query("""
            SELECT count(*) AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%user_profiles%FOR SHARE%'
            """)[0].int("n") == 0 {
            XCTAssertLessThan(Date(), deadline, "the acknowledgement never waited for the open batch")
            if Date() > deadline { break }
        }
        try batch.execute("COMMIT")
        XCTAssertEqual(acknowledged.wait(timeout: .now() + 10), .success)
        XCTAssertNil(ackError.error)
        XCTAssertEqual(try connection.query("SELECT count(*) AS n FROM refresh_queue WHERE user_id = 9 AND claimed_by IS NULL")[0].int("n"), 1,
                       "the user touched during its refresh must stay queued")
    }

    func testOnlyTheOwnerAcknowledgesOrExtendsALease() throws {
        try touch([5, 6])
        let first = queue("replica-a"), second = queue("replica-b")
        let firstClaims = try first.claim(limit: 10, lease: .seconds(30), maxWait: .seconds(5))
        XCTAssertEqual(firstClaims.map(\.userID), [5, 6])
        // Replica a stalls past its lease; replica b takes both users over.
        try expireLeases()
        let secondClaims = try second.claim(limit: 10, lease: .seconds(30), maxWait: .seconds(5))
        XCTAssertEqual(secondClaims.map(\.userID), [5, 6])

        XCTAssertEqual(try first.extend(firstClaims, lease: .seconds(30)), [])
        try first.acknowledge(firstClaims)
        let held = try connection.query("SELECT user_id, claimed_by FROM refresh_queue ORDER BY user_id")
        XCTAssertEqual(held.map { $0["claimed_by"] }, ["replica-b", "replica-b"], "replica a must not release or delete b's leases")

        XCTAssertEqual(try second.extend(secondClaims, lease: .seconds(300)), [5, 6])
        XCTAssertEqual(try connection.query(
            "SELECT count(*) AS n FROM refresh_queue WHERE claimed_until > now() + interval '200 seconds'")[0].int("n"), 2)
        try second.acknowledge(secondClaims)
        XCTAssertEqual(try second.pendingCount(), 0)
    }

    func testClaimsOfTwoReplicasDoNotOverlap() throws {
        try touch(Array(1...20))
        let first = try queue("a").claim(limit: 12, lease: .seconds(30), maxWait: .seconds(5))
        let second = try queue("b").claim(limit: 12, lease: .seconds(30), maxWait: .seconds(5))
        XCTAssertEqual(first.count, 12)
        XCTAssertEqual(second.count, 8)
        XCTAssertTrue(Set(first.map(\.userID)).isDisjoint(with: second.map(\.userID)))
    }

    func testFailingUserIsRetriedThenGivenUpAndForgottenAfterASuccess() throws {
        try touch([9, 10])
        let refresher = queue("a")
        var claims = try refresher.claim(limit: 10, lease: .seconds(30), maxWait: .seconds(5))
        let failing = try XCTUnwrap(claims.first { $0.userID == 9 })
        XCTAssertEqual(try refresher.recordFailure(failing, reason: "bad row", maxAttempts: 2, retryAfter: .seconds(60)), .willRetry(attempts: 1))
        try refresher.acknowledge(claims.filter { $0.userID != 9 })
        XCTAssertEqual(try refresher.claim(limit: 10, lease: .seconds(30), maxWait: .seconds(5)), [], "held back until the retry time")

        try expireLeases()
        claims = try refresher.claim(limit: 10, lease: .seconds(30), maxWait: .seconds(5))
        XCTAssertEqual(claims.map(\.userID), [9])
        XCTAssertEqual(try refresher.recordFailure(claims[0], reason: "bad row again", maxAttempts: 2, retryAfter: .seconds(60)), .gaveUp(attempts: 2))
        XCTAssertEqual(try refresher.pendingCount(), 0, "given up: the user no longer holds anyone up")
        let failure = try connection.query("SELECT attempts, last_error, gave_up_at IS NOT NULL AS gave_up FROM refresh_failures WHERE user_id = 9")
        XCTAssertEqual(failure.first?["attempts"], "2")
        XCTAssertEqual(failure.first?["last_error"], "bad row again")
        XCTAssertEqual(failure.first?["gave_up"], "t")

        // The user's next event gives it another chance; a success clears the record.
        try touch([9])
        claims = try refresher.claim(limit: 10, lease: .seconds(30), maxWait: .seconds(5))
        try refresher.acknowledge(claims)
        XCTAssertEqual(try connection.query("SELECT count(*) AS n FROM refresh_failures")[0].int("n"), 0)
    }
}

/// Written by the acknowledging thread before it signals, read after the wait.
private final class ErrorSlot: @unchecked Sendable {
    var error: (any Error)?
}
