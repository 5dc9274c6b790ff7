import PostgresClient
import Storage
import TestSupport
import XCTest

/// Migration 019 folds a run's row-per-rank recommendations into one list per user. What readers saw before, they
/// see after, through the same views, and the reader role can still read them.
final class RecommendationListsMigrationTests: XCTestCase {
    func testPublishedRowsReadTheSameAfterTheMigration() throws {
        let database = try TestDatabase(migrated: false)
        defer { database.drop() }
        let connection = try database.connect()
        let all = try Migrator.bundled().migrations
        try Migrator(migrations: all.filter { $0.version < 19 }).migrate(connection)

        try connection.execute("INSERT INTO items (item_id, title) SELECT n, 'Item ' || n FROM generate_series(1, 12) n")
        let (current, kept) = (
            try connection.query("INSERT INTO recommendation_runs (kind, status) VALUES ('nightly', 'published') RETURNING run_id")[0].int("run_id"),
            try connection.query("INSERT INTO recommendation_runs (kind, status) VALUES ('nightly', 'superseded') RETURNING run_id")[0].int("run_id"))
        try connection.execute("INSERT INTO publication_state (current_run_id) VALUES ($1)", [current])
        // Ranks inserted out of order, one LLM explanation, a user in one run only.
        try connection.execute("""
            INSERT INTO recommendations (user_id, run_id, rank, item_id, score, source, explanation, model_version, generated_at, explanation_source)
            VALUES (1, $1, 2, 5, 0.5, 'llm', 'second', 'blend-r1', '2026-12-01 10:00:00+00', 'llm'),
                   (1, $1, 1, 3, 0.9, 'llm', 'first', 'blend-r1', '2026-12-01 10:00:00+00', 'template'),
                   (1, $1, 3, 12, 0.1, 'llm', 'third', 'blend-r1', '2026-12-01 10:00:00+00', 'template'),
                   (2, $1, 1, 7, 2.0, 'popular', 'popular', 'popularity', '2026-12-01 10:00:00+00', 'template'),
                   (1, $2, 1, 9, 1.5, 'model', 'older', 'blend-r0', '2026-11-30 10:00:00+00', 'template')
            """, [current, kept])
        let before = try published(connection)

        try Migrator.bundled().migrate(connection)

        XCTAssertEqual(try published(connection), before)
        XCTAssertEqual(try connection.query("SELECT count(*) AS n FROM recommendation_lists")[0].int("n"), 3, "one list per user and run")
        XCTAssertEqual(try connection.query("SELECT item_ids::text AS ids FROM recommendation_lists WHERE user_id = 1 AND run_id = $1", [current])[0]
                        .string("ids"), "{3,5,12}")
    }

    private func published(_ connection: PostgresConnection) throws -> [String] {
        let current = try connection.query("""
            SELECT user_id, rank, item_id, title, score, source, explanation, model_version, run_id, generated_at, explanation_source
            FROM current_recommendations ORDER BY user_id, rank
            """)
        let all = try connection.query("""
            SELECT user_id, run_id, rank, item_id, score, source, explanation, model_version, generated_at, explanation_source
            FROM recommendations ORDER BY run_id, user_id, rank
            """)
        return (current + all).map { $0.values.map { $0 ?? "NULL" }.joined(separator: "|") }
    }
}
