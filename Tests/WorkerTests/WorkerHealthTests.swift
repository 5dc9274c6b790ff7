import TestSupport
@testable import Worker
import XCTest

/// /livez follows the ingest loop's heartbeat only (a database outage the worker rides out keeps it live);
/// /readyz needs partitions and the database.
final class WorkerHealthTests: XCTestCase {
    func testLiveUntilTheIngestLoopStopsGoingRound() {
        let clock = ManualClock()
        let health = WorkerHealth(stallLimit: .seconds(120), clock: clock)
        health.ingestBeat()
        clock.advance(by: .seconds(120))
        XCTAssertTrue(health.isLive)
        clock.advance(by: .seconds(1))
        XCTAssertFalse(health.isLive, "an ingest thread stuck for over the limit must fail liveness")
        health.ingestBeat()
        XCTAssertTrue(health.isLive)
    }

    func testDatabaseOutageMakesTheWorkerUnreadyButNotDead() {
        let clock = ManualClock()
        let health = WorkerHealth(stallLimit: .seconds(120), clock: clock)
        XCTAssertFalse(health.isReady, "not ready before the first assignment")
        health.databaseConnected(true)
        health.partitionsChanged(by: 2)
        XCTAssertTrue(health.isReady)

        health.databaseConnected(false)
        for _ in 0..<10 {
            clock.advance(by: .seconds(30))
            health.ingestBeat()  // the paused loop keeps polling while it waits for the database
        }
        XCTAssertTrue(health.isLive)
        XCTAssertFalse(health.isReady)
        health.databaseConnected(true)
        XCTAssertTrue(health.isReady)
        health.partitionsChanged(by: -2)
        XCTAssertFalse(health.isReady, "a member without partitions is not ready")
    }
}
