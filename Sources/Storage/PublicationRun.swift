import Foundation
import PostgresClient

/// One row of `recommendation_runs`: a set of published rows under one run id and what produced it.
public struct PublicationRun: Sendable, Hashable {
    public enum Kind: String, Sendable { case stream, nightly }
    public enum Status: String, Sendable { case running, published, failed, superseded }

    public var runID: Int
    public var kind: Kind
    public var status: Status
    /// Interactions ingested up to this instant are the run's training data (PostgreSQL `timestamptz` text,
    /// kept verbatim so a resumed run filters on exactly the same instant).
    public var snapshotAt: String?
    /// The PostgreSQL snapshot (`pg_snapshot` text) taken when the run began: the run trains on exactly the
    /// interactions whose ingest transaction is visible in it. Nil for runs recorded before migration 010.
    public var snapshotXids: String?
    public var seed: UInt64
    public var plannedUsers: Int
    public var llmUsers: Int
    public var userCount: Int
    public var rowCount: Int
    public var llmRequests: Int
    public var llmTokens: Int
    /// Model name → version the run's rows were ranked with.
    public var modelVersions: [String: String]
    public var startedAt: String
    public var finishedAt: String?
    public var announcedAt: String?
    public var error: String?

    static let columns = """
        run_id, kind, status, snapshot_at::text AS snapshot_at, snapshot_xids::text AS snapshot_xids, coalesce(seed, 0) AS seed, planned_users, llm_users,
        user_count, row_count, llm_requests, llm_tokens, model_versions::text AS model_versions,
        started_at::text AS started_at, finished_at::text AS finished_at, announced_at::text AS announced_at, error
        """

    static func decode(_ row: PostgresRow) throws -> PublicationRun {
        let versionsJSON = Data((row["model_versions"] ?? "{}").utf8)
        let versions = (try? JSONDecoder().decode([String: String].self, from: versionsJSON)) ?? [:]
        return PublicationRun(
            runID: try row.int("run_id"), kind: Kind(rawValue: try row.string("kind")) ?? .stream,
            status: Status(rawValue: try row.string("status")) ?? .failed, snapshotAt: row["snapshot_at"], snapshotXids: row["snapshot_xids"],
            seed: UInt64(bitPattern: Int64(try row.int("seed"))), plannedUsers: try row.int("planned_users"),
            llmUsers: try row.int("llm_users"), userCount: try row.int("user_count"), rowCount: try row.int("row_count"),
            llmRequests: try row.int("llm_requests"), llmTokens: try row.int("llm_tokens"), modelVersions: versions,
            startedAt: try row.string("started_at"), finishedAt: row["finished_at"], announcedAt: row["announced_at"],
            error: row["error"])
    }
}
