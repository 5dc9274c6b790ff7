@testable import Worker
import XCTest

final class ClaimSizerTests: XCTestCase {
    func testFullClaimsDoubleUpToTheMaximumAndQuietOnesHalveBackToTheBase() {
        var sizer = ClaimSizer(base: 200, maximum: 1_000)
        var sizes = [sizer.next]
        for claimed in [200, 400, 800, 1_000, 999, 400, 300, 0, 0] {
            sizer.record(claimed: claimed)
            sizes.append(sizer.next)
        }
        XCTAssertEqual(sizes, [200, 400, 800, 1_000, 1_000, 1_000, 500, 500, 250, 200])
    }

    func testWithoutRoomToGrowTheSizeStaysAtTheBase() {
        var sizer = ClaimSizer(base: 10, maximum: 10)
        sizer.record(claimed: 10)
        XCTAssertEqual(sizer.next, 10)
        sizer.record(claimed: 0)
        XCTAssertEqual(sizer.next, 10)
    }
}
