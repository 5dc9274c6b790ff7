import PostgresClient

/// Users' lists as a row source for one statement that inserts them into `recommendation_lists`, for the stream
/// refresher and the nightly writer: one binary parameter, an array of `recommendation_list_input` (migration 024),
/// one element per user with its ranked arrays. A claim of thousands of users sent as text arrays was formatted here
/// and parsed there; sent as flat item arrays, the server sorted every item back into its list. A staged temporary
/// table (binary COPY, `ON COMMIT DELETE ROWS`) cost a file truncate at every commit, which waited up to 1.4 s on
/// the file system's journal while the kernel wrote other files back.
enum RecommendationListRows {
    /// Runs the insert `statement` builds around the lists in `tx`, after the statement's own `leading` parameters
    /// (`$1…`). `FROM \(lists) n` gives `n.user_id, n.source, n.model_version, n.item_ids, n.scores, n.explanations,
    /// n.explanation_sources`, in the users' order.
    static func insert(_ users: [UserRecommendations], in tx: PostgresConnection, leading: [any PostgresEncodable],
                       _ statement: (_ lists: String) -> String) throws {
        // The element type a binary array names: the type's oid in the schema the statement resolves names in.
        let type = try tx.query("SELECT 'recommendation_list_input'::regtype::oid AS oid")[0].int("oid")
        let lists = PostgresBinaryArray.records(ofType: UInt32(type), users) { user, record in
            record.int4(Int32(user.userID))
            record.text(user.source.rawValue)
            record.text(user.modelVersion)
            record.int4Array(user.items.map { Int32($0.itemID) })
            record.float8Array(user.items.map(\.score))
            record.textArray(user.items.map(\.explanation))
            record.textArray(user.items.map(\.explanationSource.rawValue))
        }
        try tx.execute(statement("unnest($\(leading.count + 1)::recommendation_list_input[])"), leading + [lists])
    }
}
