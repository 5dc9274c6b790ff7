import Foundation
import Pipeline
import PostgresClient

/// One user's ranked list as a run publishes it.
public struct UserRecommendations: Sendable, Hashable {
    public var userID: Int
    public var source: RecommendationSource
    public var modelVersion: String
    public var items: [RankedItem]

    public init(userID: Int, source: RecommendationSource, modelVersion: String, items: [RankedItem]) {
        self.userID = userID
        self.source = source
        self.modelVersion = modelVersion
        self.items = items
    }
}

/// LLM usage a batch of users consumed, added to the run's totals in the batch's transaction.
public struct LLMUsage: Sendable, Hashable {
    public var requests: Int
    public var tokens: Int

    public init(requests: Int = 0, tokens: Int = 0) {
        self.requests = requests
        self.tokens = tokens
    }

    public static func + (lhs: LLMUsage, rhs: LLMUsage) -> LLMUsage {
        LLMUsage(requests: lhs.requests + rhs.requests, tokens: lhs.tokens + rhs.tokens)
    }
}

/// Writes a run's lists in batches of users. Each batch commits its rows, the users' progress entries and the
/// run's counters together, so after a crash a user is either completely written and recorded or not at all.
public struct PublicationWriter: Sendable {
    let connection: PostgresConnection

    public init(connection: PostgresConnection) { self.connection = connection }

    /// - Parameter generatedAt: `timestamptz` text stamped on every row (the run's snapshot instant, so a
    ///   resumed run's rows equal an uninterrupted run's).
    /// - Parameter fence: the writer's job lease, checked in the batch's transaction (nil: no lease).
    public func write(runID: Int, generatedAt: String, users: [UserRecommendations], usage: LLMUsage, fence: JobLease? = nil) throws {
        guard !users.isEmpty else { return }
        let rowCount = users.reduce(0) { $0 + $1.items.count }
        try connection.transaction { tx in
            try fence?.validate(in: tx)
            let listed = users.filter { !$0.items.isEmpty }
            if !listed.isEmpty {
                try RecommendationListRows.insert(listed, in: tx, leading: [runID, generatedAt]) { lists in """
                    INSERT INTO recommendation_lists (user_id, run_id, source, model_version, generated_at, item_ids, scores, explanations,
                                                      explanation_sources)
                    SELECT n.user_id, $1, n.source, n.model_version, $2::timestamptz, n.item_ids, n.scores, n.explanations, n.explanation_sources
                    FROM \(lists) n
                    ORDER BY n.user_id
                    """
                }
            }
            try tx.execute("""
                INSERT INTO run_progress (run_id, user_id, source, row_count)
                SELECT $1, u.user_id, u.source, u.row_count FROM unnest($2::int[], $3::text[], $4::int[]) AS u(user_id, source, row_count)
                """, [runID, users.map(\.userID), users.map(\.source.rawValue), users.map(\.items.count)])
            try tx.execute("""
                UPDATE recommendation_runs SET user_count = user_count + $2, row_count = row_count + $3,
                    llm_requests = llm_requests + $4, llm_tokens = llm_tokens + $5
                WHERE run_id = $1 AND status = 'running'
                """, [runID, users.count, rowCount, usage.requests, usage.tokens])
        }
    }

    /// A run's users in ascending id order, `limit` at a time after `afterUserID`, with their rows (possibly none).
    public func messages(runID: Int, afterUserID: Int, limit: Int) throws -> [RecommendationMessage] {
        let users = try connection.query("""
            SELECT user_id FROM run_progress WHERE run_id = $1 AND user_id > $2 ORDER BY user_id LIMIT $3
            """, [runID, afterUserID, limit]).map { try $0.int("user_id") }
        guard let last = users.last else { return [] }
        // Users left without rows still get a message (an empty list), stamped with the run's snapshot.
        let runStamp = try connection.query(
            "SELECT coalesce(extract(epoch FROM snapshot_at), extract(epoch FROM started_at)) AS t FROM recommendation_runs WHERE run_id = $1",
            [runID]).first?.optionalDouble("t") ?? 0
        let rows = try connection.query("""
            SELECT user_id, rank, item_id, score, source, explanation, model_version,
                   extract(epoch FROM generated_at) AS generated_at
            FROM recommendations WHERE run_id = $1 AND user_id > $2 AND user_id <= $3
            ORDER BY user_id, rank
            """, [runID, afterUserID, last])
        var byUser = [Int: (generatedAt: Double, rows: [RecommendationMessage.Row])]()
        for row in rows {
            let userID = try row.int("user_id")
            let entry = RecommendationMessage.Row(
                rank: try row.int("rank"), itemID: try row.int("item_id"), score: try row.double("score"),
                source: RecommendationSource(rawValue: try row.string("source")) ?? .model,
                explanation: try row.string("explanation"), modelVersion: try row.string("model_version"))
            let generatedAt = try row.double("generated_at")
            byUser[userID, default: (generatedAt, [])].rows.append(entry)
        }
        return users.map { userID in
            let found = byUser[userID]
            return RecommendationMessage(userID: userID, runID: runID,
                                         generatedAt: Date(timeIntervalSince1970: found?.generatedAt ?? runStamp), rows: found?.rows ?? [])
        }
    }
}
