import PostgresClient

/// Users' lists as a row source for one statement that inserts them into `recommendation_lists`, for the stream
/// refresher and the nightly writer: a subquery over binary array parameters, one row per user with its ranked
/// arrays. A claim of thousands of users sent as text arrays was formatted here and parsed there. A staged
/// temporary table (binary COPY, `ON COMMIT DELETE ROWS`) cost a file truncate at every commit, which waited up to
/// 1.4 s on the file system's journal while the kernel wrote other files back.
struct RecommendationListRows {
    /// Runs the insert `statement` builds around the lists in `tx`, after the statement's own `leading` parameters
    /// (`$1…`). `FROM \(lists) n` gives `n.user_id, n.source, n.model_version, n.item_ids, n.scores, n.explanations,
    /// n.explanation_sources`, in the users' order.
    static func insert(_ users: [UserRecommendations], in tx: PostgresConnection, leading: [any PostgresEncodable],
                       _ statement: (_ lists: String) -> String) throws {
        let rows = RecommendationListRows(users, firstParameter: leading.count + 1)
        // Rebuilding the lists sorts every item row by its user; 4,000 users' lists need about 5 MB, and past the
        // default 4 MB `work_mem` the sort went to a temporary file (created and removed per claim: the file-system
        // work this type exists to avoid). `SET LOCAL` lasts until the transaction ends.
        try tx.execute("SET LOCAL work_mem = '32MB'")
        try tx.execute(statement(rows.sql), leading + rows.parameters)
    }

    private let sql: String
    private let parameters: [any PostgresEncodable]

    /// - Parameter firstParameter: the number of the first `$n` these rows use; the statement's own come before it.
    private init(_ users: [UserRecommendations], firstParameter: Int) {
        let p = (firstParameter..<firstParameter + 8).map { "$\($0)" }
        // Every item carries its user's position in `users`; grouping by it rebuilds each list in rank order.
        sql = """
            (SELECT u.user_id, u.source, u.model_version, coalesce(i.item_ids, '{}') AS item_ids, coalesce(i.scores, '{}') AS scores,
                    coalesce(i.explanations, '{}') AS explanations, coalesce(i.explanation_sources, '{}') AS explanation_sources
             FROM unnest(\(p[0])::integer[], \(p[1])::text[], \(p[2])::text[]) WITH ORDINALITY AS u(user_id, source, model_version, position)
             LEFT JOIN (SELECT owner, array_agg(item_id ORDER BY rank) AS item_ids, array_agg(score ORDER BY rank) AS scores,
                               array_agg(explanation ORDER BY rank) AS explanations,
                               array_agg(explanation_source ORDER BY rank) AS explanation_sources
                        FROM unnest(\(p[3])::integer[], \(p[4])::integer[], \(p[5])::double precision[], \(p[6])::text[], \(p[7])::text[])
                             WITH ORDINALITY AS i(owner, item_id, score, explanation, explanation_source, rank)
                        GROUP BY owner) i ON i.owner = u.position)
            """
        let items = users.enumerated().flatMap { position, user in user.items.map { (owner: Int32(position + 1), item: $0) } }
        parameters = [
            PostgresBinaryArray.int4(users.map { Int32($0.userID) }),
            PostgresBinaryArray.text(users.map(\.source.rawValue)),
            PostgresBinaryArray.text(users.map(\.modelVersion)),
            PostgresBinaryArray.int4(items.map(\.owner)),
            PostgresBinaryArray.int4(items.map { Int32($0.item.itemID) }),
            PostgresBinaryArray.float8(items.map(\.item.score)),
            PostgresBinaryArray.text(items.map(\.item.explanation)),
            PostgresBinaryArray.text(items.map(\.item.explanationSource.rawValue)),
        ]
    }
}
