import PostgresClient

/// Users' lists staged with binary COPY in a per-connection temporary table, for the stream refresher and the
/// nightly writer to insert into `recommendation_lists` with one statement: a claim of thousands of users sent as
/// array parameters was formatted as text here and parsed back there.
enum RecommendationListStaging {
    static let table = "staging_recommendation_lists"

    /// Call inside the transaction that reads the staged lists; they are gone when it ends.
    static func stage(_ users: [UserRecommendations], in tx: PostgresConnection) throws {
        try tx.execute("""
            CREATE TEMP TABLE IF NOT EXISTS \(table) (
                user_id integer, source text, model_version text, item_ids integer[], scores double precision[],
                explanations text[], explanation_sources text[]
            ) ON COMMIT DELETE ROWS
            """)
        // Lists staged earlier in the caller's own transaction are still there until it commits.
        try tx.execute("DELETE FROM \(table)")
        try tx.copyBinary("COPY \(table) FROM STDIN (FORMAT binary)", rows: users) { user, row in
            row.int4(Int32(user.userID))
            row.text(user.source.rawValue)
            row.text(user.modelVersion)
            row.int4Array(user.items.map { Int32($0.itemID) })
            row.float8Array(user.items.map(\.score))
            row.textArray(user.items.map(\.explanation))
            row.textArray(user.items.map(\.explanationSource.rawValue))
        }
    }
}
