import Pipeline
import PostgresClient

/// A row as `current_recommendations` shows it.
public struct PublishedRecommendation: Sendable, Hashable {
    public var userID: Int
    public var rank: Int
    public var itemID: Int
    public var title: String?
    public var score: Double
    public var source: RecommendationSource
    public var explanation: String
    public var explanationSource: ExplanationSource
    public var modelVersion: String
    public var runID: Int
}

/// Writes and reads published recommendation rows. The stream worker replaces users' rows inside the
/// current run; readers of `current_recommendations` see either the old rows or the new ones, never a mix.
public struct RecommendationStore: Sendable {
    let connection: PostgresConnection

    public init(connection: PostgresConnection) { self.connection = connection }

    /// The published run; creates a `stream` run and publishes it when nothing has been published yet.
    public func currentRunID() throws -> Int {
        if let row = try connection.query("SELECT current_run_id FROM publication_state").first {
            return try row.int("current_run_id")
        }
        return try connection.transaction { tx in
            try tx.execute("LOCK TABLE publication_state IN EXCLUSIVE MODE")
            if let row = try tx.query("SELECT current_run_id FROM publication_state").first {
                return try row.int("current_run_id")
            }
            let run = try tx.query("INSERT INTO recommendation_runs (kind, status) VALUES ('stream', 'published') RETURNING run_id")[0]
            let runID = try run.int("run_id")
            try tx.execute("INSERT INTO publication_state (current_run_id) VALUES ($1)", [runID])
            return runID
        }
    }

    /// Replaces many users' rows in the run in one transaction (the stream refresher's hot path: per-user round
    /// trips capped freshness at a few hundred users per second). Readers see each user's old rows or new rows,
    /// never a mix.
    public func replace(_ users: [UserRecommendations], runID: Int) throws {
        guard !users.isEmpty else { return }
        let rows = users.lazy.flatMap { user in user.items.enumerated().lazy.map { (user: user, rank: $0.offset + 1, item: $0.element) } }
        try connection.transaction { tx in
            // Binary COPY: a claim of thousands of users is tens of thousands of rows, which as array parameters
            // were formatted as text here and parsed back there.
            try tx.execute("""
                CREATE TEMP TABLE IF NOT EXISTS staging_recommendations (
                    user_id integer, rank integer, item_id integer, score double precision, source text, explanation text,
                    model_version text, explanation_source text
                ) ON COMMIT DELETE ROWS
                """)
            // Rows staged earlier in the caller's own transaction are still there until it commits.
            try tx.execute("DELETE FROM staging_recommendations")
            try tx.copyBinary("COPY staging_recommendations FROM STDIN (FORMAT binary)", rows: rows) { entry, row in
                row.int4(Int32(entry.user.userID))
                row.int4(Int32(entry.rank))
                row.int4(Int32(entry.item.itemID))
                row.float8(entry.item.score)
                row.text(entry.user.source.rawValue)
                row.text(entry.item.explanation)
                row.text(entry.user.modelVersion)
                row.text(entry.item.explanationSource.rawValue)
            }
            // Rows are rewritten in place and only the ranks a user no longer has are deleted: deleting and
            // inserting every row cost twice the writes and a foreign-key check per row (45 ms per 200 users).
            try tx.execute("""
                INSERT INTO recommendations AS r (user_id, run_id, rank, item_id, score, source, explanation, model_version, explanation_source)
                SELECT n.user_id, $1, n.rank, n.item_id, n.score, n.source, n.explanation, n.model_version, n.explanation_source
                FROM staging_recommendations n
                ORDER BY n.user_id, n.rank
                ON CONFLICT (user_id, run_id, rank) DO UPDATE SET
                    item_id = EXCLUDED.item_id, score = EXCLUDED.score, source = EXCLUDED.source,
                    explanation = EXCLUDED.explanation, model_version = EXCLUDED.model_version,
                    explanation_source = EXCLUDED.explanation_source, generated_at = now()
                """, [runID])
            // `user_id = ANY` walks the primary key (a join with the unnested counts was planned as a scan of the run),
            // and the shortest new list bounds the ranks it visits: usually none, so the per-row `array_position`
            // (linear in the claim) runs on the few rows that may go.
            let kept = users.map(\.items.count)
            try tx.execute("""
                DELETE FROM recommendations r
                WHERE r.user_id = ANY($2::int[]) AND r.run_id = $1 AND r.rank > $4
                  AND r.rank > ($3::int[])[array_position($2::int[], r.user_id)]
                """, [runID, users.map(\.userID), kept, kept.min() ?? 0])
        }
    }

    public func current(userID: Int) throws -> [PublishedRecommendation] {
        try connection.query("""
            SELECT user_id, rank, item_id, title, score, source, explanation, explanation_source, model_version, run_id
            FROM current_recommendations WHERE user_id = $1 ORDER BY rank
            """, [userID]).map(Self.decode)
    }

    /// Users with published rows: LLM-reranked ones first, then the most recently generated.
    public func recentlyPublishedUsers(limit: Int) throws -> [Int] {
        try connection.query("""
            SELECT user_id FROM current_recommendations GROUP BY user_id ORDER BY bool_or(source = 'llm') DESC, max(generated_at) DESC, user_id LIMIT $1
            """, [limit]).map { try $0.int("user_id") }
    }

    static func decode(_ row: PostgresRow) throws -> PublishedRecommendation {
        PublishedRecommendation(
            userID: try row.int("user_id"), rank: try row.int("rank"), itemID: try row.int("item_id"), title: row["title"],
            score: try row.double("score"), source: RecommendationSource(rawValue: try row.string("source")) ?? .model,
            explanation: try row.string("explanation"),
            explanationSource: ExplanationSource(rawValue: row["explanation_source"] ?? "") ?? .template,
            modelVersion: try row.string("model_version"), runID: try row.int("run_id"))
    }
}
