import Pipeline
import Storage
@testable import Worker
import XCTest

/// `bench stream` counts an event as published when a claim of its user whose snapshot saw the event's ingest
/// transaction is acknowledged, whatever the clocks said.
final class FreshnessTrackerTests: XCTestCase {
    private func batch(users: [Int], produced: Double) -> IngestBatch {
        IngestBatch(groupID: "g", events: users.map {
            InteractionEvent(eventID: "e\($0)-\(produced)", userID: $0, itemID: 1, type: .view, value: 1, timestamp: produced)
        }, deadLetters: [], progress: [])
    }

    private func claim(_ user: Int, _ snapshot: String) -> RefreshQueue.Claim {
        RefreshQueue.Claim(userID: user, touches: 1, enqueuedAt: 0, snapshot: CommitSnapshot(snapshot))
    }

    func testAnEventIsPublishedByTheFirstClaimWhoseSnapshotSawItsTransaction() {
        let tracker = FreshnessTracker(tracksPublication: true, expectedEvents: 3, measuredFrom: 0)
        tracker.committed(batch(users: [1, 2], produced: 10), transactionID: 100)
        tracker.committed(batch(users: [1], produced: 11), transactionID: 104)
        XCTAssertEqual(tracker.unpublishedCount, 3)

        // Taken while 100 was still committing and before 104 began: covers nothing.
        tracker.published([claim(1, "100:101:100"), claim(2, "99:101:100")])
        XCTAssertEqual(tracker.unpublishedCount, 3)
        // Saw 100 but not 104: user 1's first event and user 2's.
        tracker.published([claim(1, "101:105:104"), claim(2, "101:101:")])
        XCTAssertEqual(tracker.unpublishedCount, 1)
        tracker.published([claim(1, "105:105:")])
        XCTAssertEqual(tracker.unpublishedCount, 0)
    }

    func testSnapshotTextIsParsedOrRefused() {
        let snapshot = CommitSnapshot("10:20:12,15")
        XCTAssertEqual(snapshot?.xmin, 10)
        XCTAssertEqual(snapshot?.xmax, 20)
        XCTAssertEqual(snapshot?.inProgress, [12, 15])
        XCTAssertEqual([9, 12, 13, 15, 19, 20, 25].map { snapshot?.sees($0) }, [true, false, true, false, true, false, false])
        for text in ["", "10:20", "20:10:", "a:20:", "10:20:x", "10:20:1:2"] {
            XCTAssertNil(CommitSnapshot(text), text)
        }
    }
}
