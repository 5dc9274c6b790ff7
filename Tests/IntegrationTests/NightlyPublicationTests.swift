import Foundation
import PostgresClient
import TestSupport
import XCTest

/// The publication contract of `recworker nightly`: atomic flips, resumability, one job at a time, pruning.
final class NightlyPublicationTests: XCTestCase {
    var database: TestDatabase!

    override func setUpWithError() throws {
        database = try TestDatabase()
        try NightlyFixtures.load(into: database.connect(), users: 120, items: 300, ratingsPerUser: 5...40)
    }

    override func tearDown() { database?.drop() }

    /// Spreads a run over a few hundred milliseconds so other processes can act while it writes.
    static let slow = ["RECWORKER_NIGHTLY_BATCH_SIZE": "10", "RECWORKER_NIGHTLY_BATCH_PAUSE_MS": "60"]

    func nightly(_ extra: [String] = [], environment: [String: String] = [:]) throws -> RecworkerBinary.Output {
        try RecworkerBinary.locate().run(["nightly", "--database-url", database.url, "--progress", "lines"] + extra, environment: environment)
    }

    func startNightly(environment: [String: String]) throws -> RunningProcess {
        try RecworkerBinary.locate().start(["nightly", "--database-url", database.url, "--progress", "none"], environment: environment)
    }

    func testConcurrentReaderOnlySeesCompleteRuns() throws {
        let reader = CurrentRecommendationsPoller(url: database.url)
        reader.start()
        for _ in 1...3 {
            let result = try nightly(environment: Self.slow)
            XCTAssertEqual(result.status, 0, result.stderr)
        }
        let observations = reader.stop()
        XCTAssertNil(reader.failure, reader.failure ?? "")

        let connection = try database.connect()
        let published = Dictionary(uniqueKeysWithValues: try connection.query("SELECT run_id, row_count FROM recommendation_runs").map {
            (try $0.int("run_id"), try $0.int("row_count"))
        })
        XCTAssertGreaterThan(observations.count, 10, "the reader polled too rarely to prove anything")
        XCTAssertGreaterThanOrEqual(Set(observations.compactMap(\.runID)).count, 2, "the reader never saw a flip")
        for observation in observations {
            guard let runID = observation.runID else { continue }
            XCTAssertEqual(observation.rows, published[runID], "run \(runID) was seen with \(observation.rows) rows")
        }
    }

    func testKilledRunResumesToTheRowsOfAnUninterruptedRun() throws {
        let child = try startNightly(environment: Self.slow)
        let connection = try database.connect()
        let started = try waitUntil(timeout: 30) {
            try connection.query("SELECT count(*) AS n FROM run_progress")[0].int("n") >= 30
        }
        child.kill()
        XCTAssertTrue(started, "the run never got going: \(child.finish().stderr)")
        let killed = try connection.query("SELECT run_id, status, user_count, planned_users FROM recommendation_runs")
        XCTAssertEqual(killed.count, 1)
        XCTAssertEqual(killed.first?["status"], "running", "kill -9 came too late to interrupt the run")
        XCTAssertLessThan(try killed[0].int("user_count"), try killed[0].int("planned_users"))
        XCTAssertEqual(try connection.query("SELECT count(*) AS n FROM current_recommendations")[0].int("n"), 0,
                       "an unfinished run must not be visible")

        let resumed = try nightly(["--resume"])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertTrue(resumed.stdout.contains("(resumed)"), resumed.stdout)
        let run = try connection.query("SELECT run_id, status, user_count, row_count, planned_users FROM recommendation_runs")
        XCTAssertEqual(run.count, 1, "--resume must finish the same run")
        XCTAssertEqual(run[0]["status"], "published")
        XCTAssertEqual(try run[0].int("user_count"), try run[0].int("planned_users"))
        XCTAssertEqual(try connection.query("SELECT count(*) AS n FROM recommendations")[0].int("n"), try run[0].int("row_count"))

        let reference = try TestDatabase()
        defer { reference.drop() }
        try NightlyFixtures.load(into: reference.connect(), users: 120, items: 300, ratingsPerUser: 5...40)
        let uninterrupted = try RecworkerBinary.locate().run(["nightly", "--database-url", reference.url, "--progress", "none"])
        XCTAssertEqual(uninterrupted.status, 0, uninterrupted.stderr)
        let expected = try NightlyFixtures.rows(reference.connect(), runID: 1)
        XCTAssertFalse(expected.isEmpty)
        let actual = try NightlyFixtures.rows(connection, runID: try run[0].int("run_id"))
        let differences = zip(actual, expected).filter { $0 != $1 }
        XCTAssertEqual(actual.count, expected.count)
        XCTAssertTrue(differences.isEmpty, "\(differences.count) rows differ, first: \(differences.prefix(3))")
    }

    func testSecondConcurrentNightlyRefuses() throws {
        let first = try startNightly(environment: Self.slow)
        let connection = try database.connect()
        XCTAssertTrue(try waitUntil(timeout: 30) {
            try connection.query("SELECT count(*) AS n FROM run_progress")[0].int("n") > 0
        })
        let second = try nightly()
        XCTAssertEqual(second.status, 75, second.stderr)
        XCTAssertTrue(second.stderr.contains("already running"), second.stderr)
        XCTAssertEqual(first.finish().status, 0)
        let runs = try connection.query("SELECT status FROM recommendation_runs").map { $0["status"] ?? "" }
        XCTAssertEqual(runs, ["published"], "the refused job must not create a run")
    }

    func testOldRunsArePrunedToKeepRuns() throws {
        for _ in 1...4 {
            let result = try nightly(environment: ["RECWORKER_NIGHTLY_KEEP_RUNS": "2", "RECWORKER_NIGHTLY_PRUNE_BATCH_SIZE": "100"])
            XCTAssertEqual(result.status, 0, result.stderr)
        }
        let connection = try database.connect()
        let runs = try connection.query("SELECT run_id, status FROM recommendation_runs ORDER BY run_id").map {
            "\(try $0.int("run_id")):\($0["status"] ?? "")"
        }
        XCTAssertEqual(runs, ["3:superseded", "4:published"])
        let rowRuns = try connection.query("SELECT DISTINCT run_id FROM recommendations ORDER BY run_id").map { try $0.int("run_id") }
        XCTAssertEqual(rowRuns, [3, 4])
        XCTAssertEqual(try connection.query("SELECT current_run_id FROM publication_state")[0].int("current_run_id"), 4)
    }
}

/// Polls `current_recommendations` on its own connection and thread, recording which run and how many rows
/// each statement saw; fails if one statement ever sees rows of two runs.
final class CurrentRecommendationsPoller: @unchecked Sendable {
    struct Observation { var runID: Int?; var rows: Int }

    private let url: String
    private let lock = NSLock()
    private var stopping = false
    private var observations = [Observation]()
    private(set) var failure: String?
    private var thread: Thread?
    private let done = DispatchSemaphore(value: 0)

    init(url: String) { self.url = url }

    func start() {
        let thread = Thread { [self] in
            defer { done.signal() }
            do {
                let connection = try PostgresConnection(url: url)
                while !lock.withLock({ stopping }) {
                    let groups = try connection.query("SELECT run_id, count(*) AS n FROM current_recommendations GROUP BY run_id")
                    if groups.count > 1 {
                        lock.withLock { failure = "one statement saw rows of runs \(groups.map { $0["run_id"] ?? "?" })" }
                    }
                    let observation = Observation(runID: groups.first?.optionalInt("run_id"), rows: groups.first?.optionalInt("n") ?? 0)
                    lock.withLock { observations.append(observation) }
                }
            } catch {
                lock.withLock { failure = "reader failed: \(error)" }
            }
        }
        self.thread = thread
        thread.start()
    }

    func stop() -> [Observation] {
        lock.withLock { stopping = true }
        done.wait()
        return lock.withLock { observations }
    }
}
