@testable import Worker
import XCTest

final class ConsumptionStallWatchTests: XCTestCase {
    private let start = ContinuousClock.now

    func testMessagesWaitingUnreceivedAreReportedAfterTheThresholdThenOncePerThreshold() {
        var watch = ConsumptionStallWatch(threshold: .seconds(30))
        XCTAssertNil(watch.emptyPoll(at: start, lag: 500))
        XCTAssertNil(watch.emptyPoll(at: start + .seconds(29), lag: 500))
        XCTAssertEqual(watch.emptyPoll(at: start + .seconds(30), lag: 500), .seconds(30))
        XCTAssertNil(watch.emptyPoll(at: start + .seconds(45), lag: 700), "reported again before another threshold passed")
        XCTAssertEqual(watch.emptyPoll(at: start + .seconds(61), lag: 900), .seconds(61))
    }

    func testAReceivedMessageOrNothingWaitingStartsTheClockAgain() {
        var watch = ConsumptionStallWatch(threshold: .seconds(30))
        XCTAssertNil(watch.emptyPoll(at: start, lag: 10))
        watch.received()
        XCTAssertNil(watch.emptyPoll(at: start + .seconds(31), lag: 10), "the wait began again at the delivery")
        XCTAssertNil(watch.emptyPoll(at: start + .seconds(40), lag: 0))
        XCTAssertNil(watch.emptyPoll(at: start + .seconds(65), lag: 10), "an idle stream with nothing waiting is not a stall")
        XCTAssertEqual(watch.emptyPoll(at: start + .seconds(95), lag: 10), .seconds(30))
    }
}
