import Pipeline
import PostgresClient

extension RecommendationStore {
    /// Replaces many users' rows in the current run in one transaction and two statements (the stream
    /// refresher's hot path: per-user round trips capped freshness at a few hundred users per second).
    /// Readers see each user's old rows or new rows, never a mix.
    public func replace(_ users: [UserRecommendations], runID: Int) throws {
        guard !users.isEmpty else { return }
        var userIDs = [Int](), ranks = [Int](), itemIDs = [Int](), scores = [Double](), sources = [String](), explanations = [String](),
            versions = [String]()
        for user in users {
            for (index, item) in user.items.enumerated() {
                userIDs.append(user.userID)
                ranks.append(index + 1)
                itemIDs.append(item.itemID)
                scores.append(item.score)
                sources.append(user.source.rawValue)
                explanations.append(item.explanation)
                versions.append(user.modelVersion)
            }
        }
        try connection.transaction { tx in
            try tx.execute("DELETE FROM recommendations WHERE run_id = $1 AND user_id = ANY($2::int[])",
                           [runID, users.map(\.userID)])
            guard !userIDs.isEmpty else { return }
            try tx.execute("""
                INSERT INTO recommendations (user_id, run_id, rank, item_id, score, source, explanation, model_version)
                SELECT r.user_id, $1, r.rank, r.item_id, r.score, r.source, r.explanation, r.model_version
                FROM unnest($2::int[], $3::int[], $4::int[], $5::float8[], $6::text[], $7::text[], $8::text[])
                    AS r(user_id, rank, item_id, score, source, explanation, model_version)
                """, [runID, userIDs, ranks, itemIDs, scores, sources, explanations, versions])
        }
    }
}
