import Foundation
import PostgresClient

/// The life cycle of `recommendation_runs` rows that nightly jobs create: begin, plan, resume, fail, announce.
/// Publishing (the flip) is `PublicationFlip`; removing old runs is `PublicationPruner`.
public struct RunStore: Sendable {
    let connection: PostgresConnection

    public init(connection: PostgresConnection) { self.connection = connection }

    /// Starts a nightly run whose snapshot is "now": the set of ingest transactions committed at this moment
    /// (`pg_current_snapshot()`). Ingestion goes on meanwhile; a batch still in flight is outside the run
    /// whenever it commits, so every read of the run (`--resume` included) sees the same interactions.
    public func beginNightly(seed: UInt64) throws -> PublicationRun {
        let row = try connection.query("""
            INSERT INTO recommendation_runs (kind, status, snapshot_at, snapshot_xids, seed)
            VALUES ('nightly', 'running', clock_timestamp(), pg_current_snapshot(), $1)
            RETURNING \(PublicationRun.columns)
            """, [Int64(bitPattern: seed)])[0]
        return try PublicationRun.decode(row)
    }

    public func run(id: Int) throws -> PublicationRun? {
        try connection.query("SELECT \(PublicationRun.columns) FROM recommendation_runs WHERE run_id = $1", [id])
            .first.map(PublicationRun.decode)
    }

    /// Newest first.
    public func runs(limit: Int) throws -> [PublicationRun] {
        try connection.query("SELECT \(PublicationRun.columns) FROM recommendation_runs ORDER BY run_id DESC LIMIT $1", [limit])
            .map(PublicationRun.decode)
    }

    /// The newest nightly run if a crash, kill or error stopped it before it was published and its snapshot is
    /// younger than `maxAgeHours`; `--resume` finishes it.
    public func resumableNightly(maxAgeHours: Int) throws -> PublicationRun? {
        try connection.query("""
            SELECT \(PublicationRun.columns) FROM recommendation_runs
            WHERE run_id = (SELECT max(run_id) FROM recommendation_runs WHERE kind = 'nightly')
              AND status IN ('running', 'failed') AND snapshot_at > now() - make_interval(hours => $1)
            """, [maxAgeHours]).first.map(PublicationRun.decode)
    }

    /// Puts a failed run back to `running` so that it can be finished.
    public func reopen(runID: Int) throws {
        try connection.execute(
            "UPDATE recommendation_runs SET status = 'running', finished_at = NULL, error = NULL WHERE run_id = $1", [runID])
    }

    /// A published nightly run whose messages have not all reached the output topic (killed after the flip).
    public func unannouncedNightly() throws -> PublicationRun? {
        try connection.query("""
            SELECT \(PublicationRun.columns) FROM recommendation_runs
            WHERE kind = 'nightly' AND status = 'published' AND announced_at IS NULL
              AND run_id = (SELECT current_run_id FROM publication_state)
            """).first.map(PublicationRun.decode)
    }

    /// The newest nightly run before `runID` that was published: "changed since" is measured from its snapshot.
    public func previousNightly(before runID: Int) throws -> PublicationRun? {
        try connection.query("""
            SELECT \(PublicationRun.columns) FROM recommendation_runs
            WHERE kind = 'nightly' AND status IN ('published', 'superseded') AND run_id < $1
            ORDER BY run_id DESC LIMIT 1
            """, [runID]).first.map(PublicationRun.decode)
    }

    /// Records what the run will do once its models are fitted; `--resume` reads the plan back.
    public func recordPlan(runID: Int, plannedUsers: Int, llmUsers: Int, modelVersions: [String: String]) throws {
        let json = String(decoding: try JSONEncoder.sorted.encode(modelVersions), as: UTF8.self)
        try connection.execute("""
            UPDATE recommendation_runs SET planned_users = $2, llm_users = $3, model_versions = $4::jsonb WHERE run_id = $1
            """, [runID, plannedUsers, llmUsers, json])
    }

    /// Users whose rows the run has already committed.
    public func completedUsers(runID: Int) throws -> Set<Int> {
        Set(try connection.query("SELECT user_id FROM run_progress WHERE run_id = $1", [runID]).map { try $0.int("user_id") })
    }

    public func fail(runID: Int, error: String) throws {
        try connection.execute("""
            UPDATE recommendation_runs SET status = 'failed', finished_at = now(), error = $2
            WHERE run_id = $1 AND status = 'running'
            """, [runID, String(error.prefix(2000))])
    }

    /// Marks every unfinished nightly run failed (a fresh run replaces them); returns their ids.
    @discardableResult
    public func abandonUnfinishedNightly(reason: String) throws -> [Int] {
        try connection.query("""
            UPDATE recommendation_runs SET status = 'failed', finished_at = now(), error = $1
            WHERE kind = 'nightly' AND status = 'running' RETURNING run_id
            """, [reason]).map { try $0.int("run_id") }
    }

    public func markAnnounced(runID: Int) throws {
        try connection.execute("UPDATE recommendation_runs SET announced_at = now() WHERE run_id = $1", [runID])
    }
}

extension JSONEncoder {
    static var sorted: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return encoder
    }
}
