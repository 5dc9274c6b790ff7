import Foundation
import PostgresClient

/// Deletes everything recworker keeps about one user, in one transaction, and records the erasure in
/// `erasures` without the user id.
///
/// Every table of the schema with a `user_id` column is covered by discovery rather than by a list, so a table
/// added later is erased too (views over them, such as `user_activity`, follow). Before the rows go, the user's
/// contribution is taken out of the item aggregates (`item_stats`) and the LLM cache entries their prompts
/// produced are deleted.
public struct UserErasure: Sendable {
    public struct Outcome: Sendable, Hashable {
        public var erasureID: Int
        /// Rows deleted per table (only tables that had rows).
        public var rowsDeleted: [String: Int]
    }

    let connection: PostgresConnection

    public init(connection: PostgresConnection) { self.connection = connection }

    public func erase(userID: Int) throws -> Outcome {
        try connection.transaction { tx in
            var deleted = [String: Int]()
            // Shard -1 holds corrections. Only what a rollup already counted is taken out: the rest disappears
            // from `item_stats` with the rows. Holding the position keeps a rollup from moving it meanwhile.
            let position = try tx.query("SELECT position::text AS position FROM item_stats_rollup FOR SHARE")[0].string("position")
            try tx.execute("""
                INSERT INTO item_stats_shards AS s (item_id, shard, interaction_count, rating_count, rating_sum)
                SELECT item_id, -1, -count(*), -count(*) FILTER (WHERE type = 'rating'),
                       -coalesce(sum(value) FILTER (WHERE type = 'rating'), 0)
                FROM interactions WHERE user_id = $1 AND pg_visible_in_snapshot(ingest_xid, $2::pg_snapshot)
                GROUP BY item_id ORDER BY item_id
                ON CONFLICT (item_id, shard) DO UPDATE SET
                    interaction_count = s.interaction_count + EXCLUDED.interaction_count,
                    rating_count = s.rating_count + EXCLUDED.rating_count,
                    rating_sum = s.rating_sum + EXCLUDED.rating_sum
                """, [userID, position])
            deleted["llm_cache"] = try tx.execute(
                "DELETE FROM llm_cache WHERE cache_key IN (SELECT cache_key FROM llm_cache_users WHERE user_id = $1)", [userID])
            for table in try Self.perUserTables(tx) {
                // Identifiers come from the catalogue, quoted; the user id stays a parameter.
                deleted[table] = try tx.execute("DELETE FROM \(Self.quoted(table)) WHERE user_id = $1", [userID])
            }
            let counts = deleted.filter { $0.value > 0 }
            let json = String(decoding: try JSONSerialization.data(withJSONObject: counts, options: [.sortedKeys]), as: UTF8.self)
            let row = try tx.query("INSERT INTO erasures (rows_deleted) VALUES ($1::jsonb) RETURNING erasure_id", [json])[0]
            return Outcome(erasureID: try row.int("erasure_id"), rowsDeleted: counts)
        }
    }

    /// Tables of the current schema with a `user_id` column: every place per-user data lives.
    public static func perUserTables(_ connection: PostgresConnection) throws -> [String] {
        try connection.query("""
            SELECT c.table_name FROM information_schema.columns c
            JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
            WHERE c.table_schema = current_schema() AND c.column_name = 'user_id' AND t.table_type = 'BASE TABLE'
            ORDER BY c.table_name
            """).map { try $0.string("table_name") }
    }

    static func quoted(_ identifier: String) -> String {
        "\"" + identifier.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
