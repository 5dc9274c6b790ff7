import PostgresClient
import TestSupport
import XCTest

/// Migrations 016 and 019 check that published lists reference an existing run once per statement instead of once
/// per row (the foreign key's trigger): the guarantee, and the cascade on deleting a run, must be those of the
/// foreign key.
final class RecommendationRunIntegrityTests: XCTestCase {
    private var database: TestDatabase!
    private var connection: PostgresConnection!

    override func setUpWithError() throws {
        database = try TestDatabase()
        connection = try database.connect()
    }

    override func tearDown() { database?.drop() }

    private func newRun() throws -> Int {
        try connection.query("INSERT INTO recommendation_runs (kind, status) VALUES ('stream', 'running') RETURNING run_id")[0].int("run_id")
    }

    private func insertRows(run: Int, users: ClosedRange<Int>) throws {
        try connection.execute("""
            INSERT INTO recommendation_lists (user_id, run_id, source, model_version, item_ids, scores, explanations, explanation_sources)
            SELECT u, $1, 'model', 'v', '{1}', '{0.5}', '{x}', '{template}' FROM generate_series($2::int, $3::int) u
            """, [run, users.lowerBound, users.upperBound])
    }

    private func rowCount(run: Int) throws -> Int {
        try connection.query("SELECT count(*) AS n FROM recommendations WHERE run_id = $1", [run])[0].int("n")
    }

    func testRowsOfAMissingRunAreRefusedAsByAForeignKey() throws {
        let run = try newRun()
        try insertRows(run: run, users: 1...3)
        XCTAssertEqual(try rowCount(run: run), 3)
        for statement in [
            "INSERT INTO recommendation_lists (user_id, run_id, source, model_version, item_ids, scores, explanations, explanation_sources) "
                + "VALUES (9, \(run + 1), 'model', 'v', '{1}', '{0}', '{x}', '{template}')",
            "UPDATE recommendation_lists SET run_id = \(run + 1) WHERE user_id = 2",
        ] {
            XCTAssertThrowsError(try connection.execute(statement), statement) { error in
                XCTAssertEqual((error as? PostgresError)?.sqlState, "23503", "\(error)")
            }
        }
        XCTAssertEqual(try rowCount(run: run), 3, "the refused statements changed nothing")
    }

    func testDeletingARunDeletesItsRowsOnly() throws {
        let (kept, deleted) = (try newRun(), try newRun())
        try insertRows(run: kept, users: 1...2)
        try insertRows(run: deleted, users: 1...4)
        try connection.execute("DELETE FROM recommendation_runs WHERE run_id = $1", [deleted])
        XCTAssertEqual(try rowCount(run: deleted), 0)
        XCTAssertEqual(try rowCount(run: kept), 2)
    }

    /// The check locks the run as the foreign key did: a run cannot be deleted under a writer that has not committed.
    func testARunBeingWrittenCannotBeDeletedUntilTheWriterCommits() throws {
        let run = try newRun()
        let writer = try database.connect()
        try writer.execute("BEGIN")
        try writer.execute("""
            INSERT INTO recommendation_lists (user_id, run_id, source, model_version, item_ids, scores, explanations, explanation_sources)
            VALUES (1, $1, 'model', 'v', '{1}', '{0}', '{x}', '{template}')
            """, [run])
        try connection.execute("SET lock_timeout = '200ms'")
        XCTAssertThrowsError(try connection.execute("DELETE FROM recommendation_runs WHERE run_id = $1", [run])) { error in
            XCTAssertEqual((error as? PostgresError)?.sqlState, "55P03", "the delete waited for the writer's lock: \(error)")
        }
        try writer.execute("COMMIT")
        try connection.execute("DELETE FROM recommendation_runs WHERE run_id = $1", [run])
        XCTAssertEqual(try rowCount(run: run), 0, "the committed row went with its run")
    }
}
