import Logging
import Pipeline
import PostgresClient
import Storage
import Synchronization
import TestSupport
@testable import Worker
import XCTest

/// A model fit that fails does not fail the refresh: the stream keeps serving (popularity before any good fit),
/// logs once, and tries again only once the interactions have grown.
final class StreamModelsFailureTests: StreamModelsDatabaseTestCase {
    func testAFailingFitKeepsServingLogsOnceAndRetriesOnlyAfterGrowth() throws {
        let log = CapturedLog()
        // A negative λ makes EASE's Gram matrix indefinite: its Cholesky factorisation fails on any data.
        var hyperparameters = ModelHyperparameters()
        hyperparameters.ease.regularization = -1_000_000
        var models = StreamModels(settings: .init(candidateCount: 10, refitGrowth: nil, hyperparameters: hyperparameters),
                                  logger: Logger(label: "test") { _ in log })

        XCTAssertNoThrow(try models.catchUp(connection), "a failed fit must not fail the refresh")
        XCTAssertNil(models.version, "no model serves: the refresher falls back to popularity")
        XCTAssertNil(models.candidates(forUsers: [1]))
        XCTAssertEqual(log.count(containing: "model fit failed"), 1)

        // A little more data (under the 10 % growth): no new try, no new line.
        try ingest(users: 21...21, itemsPerUser: 3, prefix: "b")
        try models.catchUp(connection)
        XCTAssertEqual(log.count(containing: "model fit failed"), 1)
        XCTAssertEqual(log.count(containing: "fitted models"), 0)

        // Grown past the bound: tried again (and failing again, still one line for the whole run of failures).
        try ingest(users: 22...40, itemsPerUser: 6, prefix: "c")
        XCTAssertNoThrow(try models.catchUp(connection))
        XCTAssertEqual(log.count(containing: "model fit failed"), 1)
        XCTAssertNil(models.version)
    }
}

/// Collects log messages so a test can count them.
final class CapturedLog: LogHandler, Sendable {
    private let messages = Mutex<[String]>([])
    var logLevel: Logger.Level {
        get { .trace }
        set {}
    }
    var metadata: Logger.Metadata {
        get { [:] }
        set {}
    }
    subscript(metadataKey _: String) -> Logger.Metadata.Value? {
        get { nil }
        set {}
    }

    func log(event: LogEvent) {
        messages.withLock { $0.append(event.message.description) }
    }

    func count(containing text: String) -> Int { messages.withLock { $0.filter { $0.contains(text) }.count } }
}
