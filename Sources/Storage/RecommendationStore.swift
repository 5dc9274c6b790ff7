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
    public var modelVersion: String
    public var runID: Int
}

/// Writes and reads published recommendation rows. The stream worker replaces one user's rows inside the
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

    /// Atomically replaces a user's rows in a run.
    public func replace(
        userID: Int, runID: Int, items: [RankedItem], source: RecommendationSource, modelVersion: String
    ) throws {
        try connection.transaction { tx in
            try tx.execute("DELETE FROM recommendations WHERE user_id = $1 AND run_id = $2", [userID, runID])
            guard !items.isEmpty else { return }
            try tx.execute("""
                INSERT INTO recommendations (user_id, run_id, rank, item_id, score, source, explanation, model_version)
                SELECT $1, $2, r.rank, r.item_id, r.score, $3, r.explanation, $4
                FROM unnest($5::int[], $6::int[], $7::float8[], $8::text[]) AS r(rank, item_id, score, explanation)
                """, [userID, runID, source.rawValue, modelVersion,
                      Array(1...items.count), items.map(\.itemID), items.map(\.score), items.map(\.explanation)])
        }
    }

    public func current(userID: Int) throws -> [PublishedRecommendation] {
        try connection.query("""
            SELECT user_id, rank, item_id, title, score, source, explanation, model_version, run_id
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
            explanation: try row.string("explanation"), modelVersion: try row.string("model_version"), runID: try row.int("run_id"))
    }
}
