import Foundation
import Logging
import Pipeline
import PostgresClient
import Storage
import Synchronization
import TestSupport
@testable import Worker
import XCTest

/// A refit runs off the refresher's lock: the models that serve keep serving, and keep learning, while it runs,
/// and the refitted set is adopted with what was read meanwhile applied to it.
final class StreamModelsRefitTests: StreamModelsDatabaseTestCase {
    private func itemsRated(by user: Int, count: Int) -> Set<Int> { Set((1...count).map { item(user: user, nth: $0) }) }

    func testARefitRunsAsideWhileTheServingModelsKeepLearningAndIsAdoptedWithWhatWasReadMeanwhile() throws {
        let fits = HeldFits()
        var models = StreamModels(settings: .init(candidateCount: 10, refitGrowth: 0.5, runFit: fits.hold), logger: Logger(label: "test"))
        try models.catchUp(connection)
        XCTAssertEqual(models.version, "blend-fit120+0", "the first fit runs before the first claim")
        XCTAssertEqual(fits.count, 0)

        // 180 pairs is 1.5 × 120: a refit is due. It is handed off, and this catch-up returns with it still running.
        try ingest(users: 21...30, itemsPerUser: 6, prefix: "b")
        try models.catchUp(connection)
        XCTAssertTrue(models.isRefitting)
        XCTAssertEqual(fits.count, 1)
        XCTAssertEqual(models.version, "blend-fit120+1", "the serving set learned the batch")
        XCTAssertEqual(models.interactionCount, 180)

        // While it runs: the serving set keeps learning and serving, and no second refit starts.
        try ingest(users: 31...31, itemsPerUser: 3, prefix: "c")
        try models.catchUp(connection)
        XCTAssertEqual(models.version, "blend-fit120+2")
        XCTAssertEqual(models.interactionCount, 183)
        XCTAssertEqual(fits.count, 1)
        let during = try XCTUnwrap(models.candidates(forUsers: [31])?[31])
        XCTAssertTrue(itemsRated(by: 31, count: 3).isDisjoint(with: during.items.map(\.itemID)))

        fits.runAll()
        try models.catchUp(connection)
        XCTAssertFalse(models.isRefitting)
        XCTAssertEqual(models.version, "blend-fit180+1", "fitted on the 180 pairs it was given, then the batch read meanwhile")
        XCTAssertEqual(models.interactionCount, 183, "nothing read during the refit is lost")
        let after = try XCTUnwrap(models.candidates(forUsers: [31])?[31])
        XCTAssertFalse(after.items.isEmpty)
        XCTAssertTrue(itemsRated(by: 31, count: 3).isDisjoint(with: after.items.map(\.itemID)),
                      "the adopted set knows what user 31 rated while it was fitting")
    }

    func testOnItsOwnThreadARefitIsAdoptedByALaterCatchUp() throws {
        var models = StreamModels(settings: .init(candidateCount: 10, refitGrowth: 0.5), logger: Logger(label: "test"))
        try models.catchUp(connection)
        try ingest(users: 21...30, itemsPerUser: 6, prefix: "b")
        try models.catchUp(connection)
        let deadline = ContinuousClock.now + .seconds(60)
        while models.isRefitting, ContinuousClock.now < deadline {
            Thread.sleep(forTimeInterval: 0.05)
            try models.catchUp(connection)
        }
        XCTAssertFalse(models.isRefitting, "the refit never finished")
        XCTAssertEqual(models.version, "blend-fit180+0")
    }
}

/// Holds every fit handed to it until the test runs them.
private final class HeldFits: Sendable {
    private let held = Mutex<[@Sendable () -> Void]>([])

    var hold: StreamModels.FitRunner { { fit in self.held.withLock { $0.append(fit) } } }
    var count: Int { held.withLock { $0.count } }

    func runAll() {
        let fits = held.withLock { fits in
            defer { fits = [] }
            return fits
        }
        for fit in fits { fit() }
    }
}
