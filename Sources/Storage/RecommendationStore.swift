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

/// Writes and reads published recommendations. The stream worker replaces users' lists inside the current run;
/// readers of `current_recommendations` see either a user's old rows or the new ones, never a mix.
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

    /// Replaces many users' lists in the run in one transaction (the stream refresher's hot path: per-user round
    /// trips capped freshness at a few hundred users per second). Each user's list is one row, so readers see a
    /// user's old list or the new one, never a mix, and a shorter list leaves nothing behind.
    public func replace(_ users: [UserRecommendations], runID: Int) throws {
        guard !users.isEmpty else { return }
        try connection.transaction { tx in
            try RecommendationListRows.insert(users, in: tx, leading: [runID]) { lists in """
                INSERT INTO recommendation_lists AS l (user_id, run_id, source, model_version, item_ids, scores, explanations, explanation_sources)
                SELECT n.user_id, $1, n.source, n.model_version, n.item_ids, n.scores, n.explanations, n.explanation_sources
                FROM \(lists) n
                ORDER BY n.user_id
                ON CONFLICT (user_id, run_id) DO UPDATE SET
                    source = EXCLUDED.source, model_version = EXCLUDED.model_version, generated_at = now(), item_ids = EXCLUDED.item_ids,
                    scores = EXCLUDED.scores, explanations = EXCLUDED.explanations, explanation_sources = EXCLUDED.explanation_sources
                """
            }
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
